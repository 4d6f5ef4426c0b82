package simulate

import (
	"math/rand/v2"
	"time"
)

// ResponseModel is how simulated customers answer a trigger's offer: a
// customer held out buys the offered product within Within of the
// decision with probability Base, one who got the offer with Base +
// Uplift. Uplift is the true incremental conversion the uplift report has
// to recover.
type ResponseModel struct {
	Base, Uplift float64
	Within       time.Duration
}

// DefaultResponse: 8 % would buy anyway, the offer adds 12 points, within
// two weeks.
var DefaultResponse = ResponseModel{Base: 0.08, Uplift: 0.12, Within: 14 * 24 * time.Hour}

// Converts draws whether one customer buys the offered product, and, if
// so, how long after the decision.
func (m ResponseModel) Converts(treated bool, rng *rand.Rand) (bool, time.Duration) {
	p := m.Base
	if treated {
		p += m.Uplift
	}
	if rng.Float64() >= p {
		return false, 0
	}
	return true, time.Duration(rng.Int64N(int64(m.Within)-int64(time.Minute))) + time.Minute
}
