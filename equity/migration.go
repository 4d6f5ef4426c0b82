package equity

// TransitionMatrix normalises counts[i][j] of moves from state i to state j
// into probabilities; a state never left from (a row of zeros) stays put.
func TransitionMatrix(counts [][]float64) [][]float64 {
	P := make([][]float64, len(counts))
	for i, row := range counts {
		P[i] = make([]float64, len(row))
		s := 0.0
		for _, c := range row {
			s += c
		}
		for j, c := range row {
			if s > 0 {
				P[i][j] = c / s
			} else if i == j {
				P[i][j] = 1
			}
		}
	}
	return P
}

// Project returns the distribution over states after each of the next n
// periods, starting from start: start·P, start·P², …
func Project(P [][]float64, start []float64, n int) [][]float64 {
	out := make([][]float64, 0, n)
	cur := append([]float64(nil), start...)
	for range n {
		next := make([]float64, len(cur))
		for i, s := range cur {
			for j, p := range P[i] {
				next[j] += s * p
			}
		}
		out = append(out, next)
		cur = next
	}
	return out
}
