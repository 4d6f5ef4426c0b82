package valuation

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"clientele/clv"
)

// FuzzParseNumber: the hand-made fast path parses exactly what
// strconv.ParseFloat parses, to the same bits.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "12", "-3.25", "34.142857142857146", "0.0000001", "1e5", "+7", ".5", "5.", ".", "-", "", "inf", "NaN", "0x1p-2", "1_0", "00012.50", "999999999999999", "9999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseNumber([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if ok != (err == nil) || (ok && math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want))) {
			t.Fatalf("parseNumber(%q) = %v, %v; strconv: %v, %v", s, got, ok, want, err)
		}
	})
}

// FuzzReadNumericCSV: a file without quotes reads the same through the
// parallel fast path as through encoding/csv, values and errors alike; and
// cut into chunks of a few bytes, it reads exactly as in one chunk, the
// same error on the same line included.
func FuzzReadNumericCSV(f *testing.F) {
	f.Add("customer_id,frequency,recency,T\n1,2,30.43,38.86\n2,0,0,38.86\n")
	f.Add("frequency,recency,T,weights\r\n1,1,2,3\r\n\r\n4,5,6,7")
	f.Add("frequency,recency,T\n1,x,2\n")
	f.Add("frequency,recency,T\n1,2\n")
	f.Add("id,frequency,recency,T\n1,1,2,3\n\n\n2,0,0,5\r\n3,2,4,9\n\n4,1,1,1\n5,0,0,2\n6,x,0,2\n7,0,0,2\n8,1,2\n")
	f.Fuzz(func(t *testing.T, body string) {
		nl := len(body)
		for i := range body {
			if body[i] == '\n' {
				nl = i
				break
			}
		}
		if nl == len(body) {
			return
		}
		for i := range body {
			if body[i] == '"' {
				return
			}
		}
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := readNumericCSV(path)
		f, herr := openNumericCSV(path)
		if herr != nil {
			return
		}
		quoted := *f
		quoted.quoted = true
		ref, rerr := quoted.table()
		if (err == nil) != (rerr == nil && len(ref) > 0) {
			t.Fatalf("fast path: %v; encoding/csv: %v (%d rows)", err, rerr, len(ref))
		}
		if err == nil && !cmp.Equal(ref, tab.vals, cmpopts.EquateNaNs()) {
			t.Fatalf("rows differ:\n%s", cmp.Diff(ref, tab.vals, cmpopts.EquateNaNs()))
		}
		whole, werr := f.table()
		for _, size := range []int{1, 7, 64} {
			f.chunkBytes, f.maxChunks = size, 16
			cut, cerr := f.table()
			if fmt.Sprint(cerr) != fmt.Sprint(werr) {
				t.Fatalf("chunks of %d bytes: %v; one chunk: %v", size, cerr, werr)
			}
			if werr == nil && !cmp.Equal(whole, cut, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()) {
				t.Fatalf("chunks of %d bytes:\n%s", size, cmp.Diff(whole, cut, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()))
			}
		}
	})
}

// FuzzReadSummary: a summary file read straight into collapsed rows gives
// what collapsing its table gives (rows of weight 0 left out), in chunks of
// any size, with the same error on the same line.
func FuzzReadSummary(f *testing.F) {
	f.Add("customer_id,frequency,recency,T,monetary_value\n1,2,30.43,38.86,12.5\n2,0,0,38.86,0\n3,2,30.43,38.86,7\n")
	f.Add("frequency,recency,T,weights\r\n1,1,2,3\r\n\r\n0,0,6,0\n1,1,2,3\n4,5,6,7")
	f.Add("frequency,recency,T\n1,3,2\n")
	f.Add("frequency,recency,T\n0,1,2\n1,1,1\n")
	f.Add("frequency,recency,T,weights\n1,1,2,-1\n")
	f.Fuzz(func(t *testing.T, body string) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := openNumericCSV(path)
		if err != nil {
			return
		}
		var fx, fr, ft, fw, fm int
		for _, c := range []struct {
			name string
			at   *int
			must bool
		}{{"frequency", &fx, true}, {"recency", &fr, true}, {"T", &ft, true}, {"weights", &fw, false}, {"monetary_value", &fm, false}} {
			i, ok := file.cols[c.name]
			if !ok && c.must {
				return
			}
			if !ok {
				i = -1
			}
			*c.at = i
		}
		rows, spend, err := file.summary(fx, fr, ft, fw, fm)
		for _, size := range []int{1, 7, 64} {
			file.chunkBytes, file.maxChunks = size, 16
			r2, s2, err2 := file.summary(fx, fr, ft, fw, fm)
			if fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Fatalf("chunks of %d bytes: %v; one chunk: %v", size, err2, err)
			}
			if diff := cmp.Diff(rows, r2, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("rows in chunks of %d bytes:\n%s", size, diff)
			}
			if diff := cmp.Diff(spend, s2, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("spend in chunks of %d bytes:\n%s", size, diff)
			}
		}
		if err != nil {
			return
		}
		file.chunkBytes, file.maxChunks = 1<<20, 0
		vals, err := file.table()
		if err != nil {
			t.Fatalf("summary read, table refused: %v", err)
		}
		tab := &numTable{cols: file.cols, width: len(file.head), vals: vals}
		var want []clv.RFM
		for i := range tab.len() {
			r := tab.row(i)
			d := clv.RFM{X: r[fx], TX: r[fr], T: r[ft]}
			if fw >= 0 {
				d.W = r[fw]
			}
			if fw < 0 || d.W != 0 {
				want = append(want, d)
			}
		}
		if err := clv.CheckRFM(want); err != nil {
			t.Fatalf("summary read rows that CheckRFM refuses: %v", err)
		}
		if diff := cmp.Diff(clv.Collapse(want), rows); diff != "" {
			t.Fatalf("summary and collapsed table differ (-table +summary):\n%s", diff)
		}
	})
}

// A summary's bad row is reported with its line and what is wrong with it;
// a file of weight-0 rows has no customers.
func TestReadSummaryErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"frequency,recency,T\n1,1,2\n\n1,3,2\n", "line 4: recency 3 is not within [0, T=2]"},
		{"frequency,recency,T\n1.5,1,2\n", "line 2: frequency 1.5 is not a whole number ≥ 0"},
		{"frequency,recency,T,weights\n1,1,2,-2\n", "line 2: weight -2 is negative or not finite"},
		{"frequency,recency,T,weights\n1,1,2,0\n", "no rows"},
		{"frequency,recency,T\n1,x,2\n", `line 2: recency "x" is not a number`},
	} {
		path := filepath.Join(t.TempDir(), "s.csv")
		if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := FitFile(context.Background(), nil, path, "bgnbd", "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want …%s", c.body, err, c.want)
		}
	}
}

// Decimals of 16 to 19 significant digits, random and at the halfway
// points between doubles, parse to strconv's bits.
func TestParseNumberLongDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	check := func(s string) {
		got, ok := parseNumber([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if !ok || err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseNumber(%q) = %v (%b), %v; strconv: %v (%b)", s, got, math.Float64bits(got), ok, want, math.Float64bits(want))
		}
	}
	for range 200_000 {
		digits := 16 + rng.IntN(4)
		m := rng.Uint64N(pow10u(digits))
		s := strconv.FormatUint(m, 10)
		s = strings.Repeat("0", max(0, digits-len(s))) + s
		point := rng.IntN(digits + 1)
		check(s[:point] + "." + s[point:])
		check("-" + s[:point] + "." + s[point:])
	}
	// Ties: above 2^53 the halfway points between neighbouring doubles are
	// whole numbers, of up to 19 digits below 10^19, with or without a
	// fraction of zeros; and the numbers beside them.
	for range 50_000 {
		v := math.Ldexp(1+rng.Float64(), 53+rng.IntN(10))
		if v >= 1e19 {
			continue
		}
		next := math.Nextafter(v, math.Inf(1))
		mid := uint64(v) + (uint64(next)-uint64(v))/2
		for _, n := range []uint64{mid - 1, mid, mid + 1} {
			for _, frac := range []string{"", ".", ".0", ".00"} {
				if s := strconv.FormatUint(n, 10) + frac; len(s)-strings.Count(s, ".") <= 19 {
					check(s)
				}
			}
		}
	}
	for _, s := range []string{"34.142857142857146", "0.0000000000000001", "9999999999999999999", "999999999999999.9999", "1844674407370955.1615", "0.000000000000000000", "-0.0000000000000000", "1.000000000000000111", "1.000000000000000222"} {
		check(s)
	}
}

func pow10u(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}
