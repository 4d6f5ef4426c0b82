package valuation

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"clientele"
	"clientele/clv/parallel"
)

// numericColumns are the columns of a summary or survival file that are
// read as numbers; any other column (a customer id) is ignored.
var numericColumns = []string{"frequency", "recency", "T", "monetary_value", "weights", "periods", "period", "active"}

// readNumericCSV reads a CSV file of the numeric columns above (any other
// column is kept as NaN). rows[i][cols[name]] is the value of column name
// on data row i; a value of a numeric column that is not a number is an
// error naming its line.
//
// A file without quotes, as the CLV libraries write them, is split at its
// newlines and parsed on all cores into one flat array, with no allocation
// a row: reading a 1M-row summary took longer than fitting it. A file with
// quotes goes through encoding/csv.
func readNumericCSV(path string) (map[string]int, [][]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		nl = len(data)
	}
	head, cols, err := parseHeader(data[:nl])
	if err != nil || len(data) == 0 {
		return nil, nil, clientele.Errorf(clientele.EINVALID, "%s: no header line", path)
	}
	wanted := wantedOf(cols, head)
	body := data[min(nl+1, len(data)):]
	var rows [][]float64
	if bytes.IndexByte(body, '"') >= 0 {
		rows, err = readQuotedCSV(path, body, len(head), wanted, head)
	} else {
		rows, err = readPlainCSV(path, body, len(head), wanted, head)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, clientele.Errorf(clientele.EINVALID, "%s: no rows", path)
	}
	return cols, rows, nil
}

// parseHeader reads a header line: its names, and the column of each.
func parseHeader(line []byte) ([]string, map[string]int, error) {
	head, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil {
		return nil, nil, err
	}
	cols := map[string]int{}
	for i, h := range head {
		cols[strings.TrimSpace(h)] = i
	}
	return head, cols, nil
}

// wantedOf returns the indexes of the numeric columns present.
func wantedOf(cols map[string]int, head []string) []int {
	var wanted []int
	for _, name := range numericColumns {
		if i, ok := cols[name]; ok && i < len(head) {
			wanted = append(wanted, i)
		}
	}
	return wanted
}

// lineError is the error of a bad value: its file, line and column.
func lineError(path string, line int, column, value string) error {
	return clientele.Errorf(clientele.EINVALID, "%s line %d: %s %q is not a number", path, line, column, clientele.Excerpt(value))
}

// readPlainCSV parses body, CSV without quotes, in parallel chunks of whole
// lines. Empty lines are skipped, as encoding/csv does.
func readPlainCSV(path string, body []byte, width int, wanted []int, head []string) ([][]float64, error) {
	// Line starts: one pass, so that chunks know their rows and lines.
	starts := make([]int, 0, bytes.Count(body, []byte{'\n'})+1)
	for i := 0; i < len(body); {
		starts = append(starts, i)
		j := bytes.IndexByte(body[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	// Rows are the non-empty lines; row[k] is the line index of row k.
	var rowLine []int32
	for k, s := range starts {
		if e := lineEnd(body, starts, k); e > s {
			rowLine = append(rowLine, int32(k))
		}
	}
	flat := make([]float64, len(rowLine)*width)
	for i := range flat {
		flat[i] = math.NaN()
	}
	const perWorker = 1 << 14
	errs := make([]error, parallel.Workers(len(rowLine), 0, perWorker))
	parallel.Chunks(len(rowLine), 0, perWorker, func(w, lo, hi int) {
		for r := lo; r < hi && errs[w] == nil; r++ {
			k := int(rowLine[r])
			line := body[starts[k]:lineEnd(body, starts, k)]
			row := flat[r*width : (r+1)*width]
			if n := bytes.Count(line, []byte{','}) + 1; n != width {
				errs[w] = clientele.Errorf(clientele.EINVALID, "%s line %d: %d fields, the header has %d", path, k+2, bytes.Count(line, []byte{','})+1, width)
				return
			}
			i := 0
			for f := range bytes.SplitSeq(line, []byte{','}) {
				if isWanted(wanted, i) {
					v, ok := parseNumber(bytes.TrimSpace(f))
					if !ok {
						errs[w] = lineError(path, k+2, head[i], string(f))
						return
					}
					row[i] = v
				}
				i++
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	rows := make([][]float64, len(rowLine))
	for r := range rows {
		rows[r] = flat[r*width : (r+1)*width : (r+1)*width]
	}
	return rows, nil
}

// lineEnd is the end of line k of body, without its newline and a
// carriage return before it.
func lineEnd(body []byte, starts []int, k int) int {
	e := len(body)
	if k+1 < len(starts) {
		e = starts[k+1] - 1
	} else if e > starts[k] && body[e-1] == '\n' {
		e--
	}
	if e > starts[k] && body[e-1] == '\r' {
		e--
	}
	return e
}

func isWanted(wanted []int, i int) bool {
	for _, w := range wanted {
		if w == i {
			return true
		}
	}
	return false
}

// parseNumber parses a decimal number. Plain decimals of up to 15
// significant digits are converted exactly by hand (the mantissa and the
// power of ten are exact doubles, so their quotient is correctly rounded,
// as strconv's is); anything else goes to strconv.ParseFloat.
func parseNumber(b []byte) (float64, bool) {
	var mant uint64
	digits, frac := 0, -1
	neg := false
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if mant == 0 && c == '0' && frac < 0 {
				continue // leading zeros
			}
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			digits = 99 // an exponent, inf, nan …: strconv's
		}
		if digits > 15 {
			break
		}
	}
	if digits <= 15 && i == len(b) && len(b) > 0 && (digits > 0 || frac > 0 || b[len(b)-1] == '0') {
		v := float64(mant)
		if frac > 0 {
			v /= pow10f[frac]
		}
		if neg {
			v = -v
		}
		return v, true
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// readQuotedCSV reads body with encoding/csv, for files with quotes.
func readQuotedCSV(path string, body []byte, width int, wanted []int, head []string) ([][]float64, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = width
	r.ReuseRecord = true
	var rows [][]float64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s line %d: %w", path, line+1, err)
		}
		row := make([]float64, width)
		for i := range row {
			row[i] = math.NaN()
			if isWanted(wanted, i) {
				v, ok := parseNumber([]byte(strings.TrimSpace(rec[i])))
				if !ok {
					return nil, lineError(path, line+1, head[i], rec[i])
				}
				row[i] = v
			}
		}
		rows = append(rows, row)
	}
}
