package valuation

import (
	"fmt"
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
		head, cols, herr := parseHeader([]byte(body[:nl]))
		if herr != nil {
			return
		}
		ref, rerr := readQuotedCSV(path, []byte(body[nl+1:]), len(head), wantedOf(cols, head), head)
		if (err == nil) != (rerr == nil && len(ref) > 0) {
			t.Fatalf("fast path: %v; encoding/csv: %v (%d rows)", err, rerr, len(ref))
		}
		if err == nil && !cmp.Equal(ref, tab.vals, cmpopts.EquateNaNs()) {
			t.Fatalf("rows differ:\n%s", cmp.Diff(ref, tab.vals, cmpopts.EquateNaNs()))
		}
		whole, werr := readPlainCSV(path, []byte(body[nl+1:]), len(head), wantedOf(cols, head), head, 1<<30)
		for _, size := range []int{1, 7, 64} {
			cut, cerr := readPlainCSV(path, []byte(body[nl+1:]), len(head), wantedOf(cols, head), head, size)
			if fmt.Sprint(cerr) != fmt.Sprint(werr) {
				t.Fatalf("chunks of %d bytes: %v; one chunk: %v", size, cerr, werr)
			}
			if werr == nil && !cmp.Equal(whole, cut, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()) {
				t.Fatalf("chunks of %d bytes:\n%s", size, cmp.Diff(whole, cut, cmpopts.EquateNaNs(), cmpopts.EquateEmpty()))
			}
		}
	})
}
