// Package clv models customer lifetime value: purchase-frequency models for
// customers who may leave unannounced (BG/NBD, MBG/NBD, Pareto/NBD), a model
// for what they spend (Gamma-Gamma), and the discounted value that follows.
//
// It is a pure numeric package in the style of gonum: models are value
// structs with documented parameters; it does no I/O and no logging.
// Random sources are injected.
package clv

// BGNBD is the beta-geometric/negative-binomial model of Fader, Hardie & Lee
// (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
// While alive a customer buys as a Poisson process with rate λ ~ Gamma(R,
// Alpha) (shape R, rate Alpha); after each repeat purchase the customer drops
// out with probability p ~ Beta(A, B).
type BGNBD struct {
	R, Alpha, A, B float64
}

// MBGNBD is the modified BG/NBD of Batislam, Denizel & Filiztekin (2007),
// in which a customer may also drop out right after the first purchase.
type MBGNBD struct {
	R, Alpha, A, B float64
}

// ParetoNBD is the Pareto/NBD model of Schmittlein, Morrison & Colombo
// (1987): purchases with rate λ ~ Gamma(R, Alpha) during an exponential
// lifetime with rate μ ~ Gamma(S, Beta).
type ParetoNBD struct {
	R, Alpha, S, Beta float64
}

// GammaGamma is the spend model of Fader, Hardie & Lee (2005), "RFM and CLV",
// in the notation of Fader & Hardie's note 025: each transaction's value is
// Gamma(P, ν) and ν ~ Gamma(Q, Gamma) across customers.
type GammaGamma struct {
	P, Q, Gamma float64
}
