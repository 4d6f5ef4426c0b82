package valuation

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
// parallel fast path as through encoding/csv, values and errors alike.
func FuzzReadNumericCSV(f *testing.F) {
	f.Add("customer_id,frequency,recency,T\n1,2,30.43,38.86\n2,0,0,38.86\n")
	f.Add("frequency,recency,T,weights\r\n1,1,2,3\r\n\r\n4,5,6,7")
	f.Add("frequency,recency,T\n1,x,2\n")
	f.Add("frequency,recency,T\n1,2\n")
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
		_, rows, err := readNumericCSV(path)
		head, cols, herr := parseHeader([]byte(body[:nl]))
		if herr != nil {
			return
		}
		ref, rerr := readQuotedCSV(path, []byte(body[nl+1:]), len(head), wantedOf(cols, head), head)
		if (err == nil) != (rerr == nil && len(ref) > 0) {
			t.Fatalf("fast path: %v; encoding/csv: %v (%d rows)", err, rerr, len(ref))
		}
		if err == nil && !cmp.Equal(ref, rows, cmpopts.EquateNaNs()) {
			t.Fatalf("rows differ:\n%s", cmp.Diff(ref, rows, cmpopts.EquateNaNs()))
		}
	})
}
