package valuation

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"clientele"
	"clientele/clv/parallel"
)

// numericColumns are the columns of a summary or survival file that are
// read as numbers; any other column (a customer id) is ignored.
var numericColumns = []string{"frequency", "recency", "T", "monetary_value", "weights", "periods", "period", "active"}

// numTable is a CSV file's numeric columns, row-major: vals[i*width+c] is
// the value of column c on data row i (NaN for a column not read).
type numTable struct {
	cols  map[string]int
	width int
	vals  []float64
}

func (t *numTable) len() int            { return len(t.vals) / t.width }
func (t *numTable) row(i int) []float64 { return t.vals[i*t.width : (i+1)*t.width : (i+1)*t.width] }

// readNumericCSV reads a CSV file of the numeric columns above (any other
// column is kept as NaN). A value of a numeric column that is not a number
// is an error naming its line and column.
//
// A file without quotes, as the CLV libraries write them, is cut into
// chunks of whole lines that are parsed on all cores into one array: reading
// a 1M-row summary took longer than fitting it. A file with quotes goes
// through encoding/csv.
func readNumericCSV(path string) (*numTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		nl = len(data)
	}
	head, cols, err := parseHeader(data[:nl])
	if err != nil || len(data) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: no header line", path)
	}
	wanted := wantedOf(cols, head)
	body := data[min(nl+1, len(data)):]
	var vals []float64
	if bytes.IndexByte(body, '"') >= 0 {
		vals, err = readQuotedCSV(path, body, len(head), wanted, head)
	} else {
		vals, err = readPlainCSV(path, body, len(head), wanted, head, 1<<20)
	}
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: no rows", path)
	}
	return &numTable{cols: cols, width: len(head), vals: vals}, nil
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

// wantedOf returns, for each column of head, whether it is read as a
// number.
func wantedOf(cols map[string]int, head []string) []bool {
	wanted := make([]bool, len(head))
	for _, name := range numericColumns {
		if i, ok := cols[name]; ok && i < len(head) {
			wanted[i] = true
		}
	}
	return wanted
}

// lineError is the error of a bad value: its file, line and column.
func lineError(path string, line int, column, value string) error {
	return clientele.Errorf(clientele.EINVALID, "%s line %d: %s %q is not a number", path, line, column, clientele.Excerpt(value))
}

// plainChunk is one worker's share of a file without quotes: whole lines,
// how many lines of the body come before it, and what parsing it found.
type plainChunk struct {
	body      []byte
	firstLine int
	lines     int // newline-terminated lines, and a last one without
	rows      int // the non-empty ones, parsed
	err       error
}

// readPlainCSV parses body, CSV without quotes, in chunks of whole lines on
// all cores (one chunk when body is shorter than chunkBytes), each chunk's
// rows written in place into one array. Empty lines are skipped, as
// encoding/csv does; the first bad line of the file is the one reported.
func readPlainCSV(path string, body []byte, width int, wanted []bool, head []string, chunkBytes int) ([]float64, error) {
	procs := runtime.GOMAXPROCS(0)
	n := 1
	if len(body) >= chunkBytes {
		n = max(procs, min(len(body)/chunkBytes, 4*procs))
	}
	chunks := make([]plainChunk, 0, n)
	for lo := 0; lo < len(body); {
		hi := min(len(body), lo+(len(body)+n-1)/n)
		if j := bytes.IndexByte(body[hi-1:], '\n'); j >= 0 {
			hi += j
		} else {
			hi = len(body)
		}
		chunks = append(chunks, plainChunk{body: body[lo:hi]})
		lo = hi
	}
	// The lines of each chunk, so that each knows where its rows go.
	parallel.Chunks(len(chunks), 0, 0, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			b := chunks[c].body
			chunks[c].lines = bytes.Count(b, []byte{'\n'})
			if b[len(b)-1] != '\n' {
				chunks[c].lines++
			}
		}
	})
	total := 0
	for c := range chunks {
		chunks[c].firstLine = total
		total += chunks[c].lines
	}
	vals := make([]float64, total*width)
	parallel.Chunks(len(chunks), 0, 0, func(_, lo, hi int) {
		for c := lo; c < hi; c++ {
			ch := &chunks[c]
			ch.rows, ch.err = parsePlain(path, ch.body, ch.firstLine, width, wanted, head, vals[ch.firstLine*width:])
		}
	})
	// Empty lines leave gaps at the ends of their chunks' shares.
	at := 0
	for _, ch := range chunks {
		if ch.err != nil {
			return nil, ch.err
		}
		if from := ch.firstLine * width; at != from {
			copy(vals[at:], vals[from:from+ch.rows*width])
		}
		at += ch.rows * width
	}
	return vals[:at], nil
}

// parsePlain parses the lines of b, the first of them line firstLine of the
// body, into out, width values a row, and returns how many rows it wrote.
func parsePlain(path string, b []byte, firstLine, width int, wanted []bool, head []string, out []float64) (int, error) {
	rows := 0
	line := firstLine + 2 // in the file, whose header is line 1
	for pos := 0; pos < len(b); line++ {
		l := b[pos:]
		if e := bytes.IndexByte(l, '\n'); e >= 0 {
			l = l[:e]
		}
		pos += len(l) + 1
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) == 0 {
			continue
		}
		row := out[rows*width : (rows+1)*width]
		f := 0
		for ; ; f++ {
			field := l
			c := bytes.IndexByte(l, ',')
			if c >= 0 {
				field, l = l[:c], l[c+1:]
			}
			if f < width {
				row[f] = math.NaN()
				if wanted[f] {
					v, ok := parseNumber(bytes.TrimSpace(field))
					if !ok {
						return rows, lineError(path, line, head[f], string(field))
					}
					row[f] = v
				}
			}
			if c < 0 {
				break
			}
		}
		if f+1 != width {
			return rows, clientele.Errorf(clientele.EINVALID, "%s line %d: %d fields, the header has %d", path, line, f+1, width)
		}
		rows++
	}
	return rows, nil
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
func readQuotedCSV(path string, body []byte, width int, wanted []bool, head []string) ([]float64, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = width
	r.ReuseRecord = true
	var vals []float64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return vals, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s line %d: %w", path, line+1, err)
		}
		for i := range width {
			v := math.NaN()
			if wanted[i] {
				var ok bool
				if v, ok = parseNumber([]byte(strings.TrimSpace(rec[i]))); !ok {
					return nil, lineError(path, line+1, head[i], rec[i])
				}
			}
			vals = append(vals, v)
		}
	}
}
