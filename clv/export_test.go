package clv

// Internals exposed to the tests of package clv_test.
var (
	ParetoLogA0         = ParetoNBD.logA0
	ParetoLogA0Integral = ParetoNBD.logA0Integral
)

var LogTricomiUss = logTricomiUss

var AliveExpected = aliveExpected
