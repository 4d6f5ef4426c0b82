package clv

import "gonum.org/v1/gonum/mathext"

// Internals exposed to the tests of package clv_test.
var (
	ParetoLogA0         = ParetoNBD.logA0
	ParetoLogA0Integral = ParetoNBD.logA0Integral
)

var LogTricomiUss = logTricomiUss

var AliveExpected = aliveExpected

// ParetoGradient returns the analytic gradient of one customer's
// log-likelihood.
func ParetoGradient(m ParetoNBD, x, tx, T float64) [4]float64 {
	var g [4]float64
	m.llGrad(x, tx, T, mathext.Digamma(m.R+x), mathext.Digamma(m.R), &g)
	return g
}

// DiscountedPurchases integrates a conditional expectation numerically, as
// DERT did over an unbounded horizon before aliveDiscounted.
var DiscountedPurchases = discountedPurchases

// BGNBDPass is one likelihood pass of the BG/NBD fit over data, on two
// workers: the value, and the gradient added into grad when it is not nil.
func BGNBDPass(data []RFM, p, grad []float64) float64 {
	rows, times := withTimes(data)
	return bgnbdTimedLL(rows, times, 2)(p, grad)
}
