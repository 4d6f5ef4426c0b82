package valuation

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"strings"

	"clientele"
	"clientele/clv"
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

// numericFile is a CSV file of the numeric columns above, read into memory
// with its header parsed, ready to be parsed in chunks.
//
// A file without quotes, as the CLV libraries write them, is cut into
// chunks of whole lines that are parsed on all cores: reading a 1M-row
// summary took longer than fitting it. A file with quotes is one chunk,
// read by encoding/csv (a quoted field may hold a newline).
type numericFile struct {
	path   string
	head   []string
	cols   map[string]int
	wanted []bool // whether column i is read as a number
	body   []byte // after the header
	quoted bool
	// A body of chunkBytes or more (1 MiB) is cut into one chunk a core,
	// or into maxChunks when it is not 0 (the tests cut many small ones).
	chunkBytes, maxChunks int
}

// openNumericCSV reads path and its header.
func openNumericCSV(path string) (*numericFile, error) {
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
	f := &numericFile{path: path, head: head, cols: cols, wanted: wantedOf(cols, head), body: data[min(nl+1, len(data)):], chunkBytes: 1 << 20}
	f.quoted = bytes.IndexByte(f.body, '"') >= 0
	return f, nil
}

// readNumericCSV reads a CSV file of the numeric columns above (any other
// column is kept as NaN). A value of a numeric column that is not a number
// is an error naming its line and column.
func readNumericCSV(path string) (*numTable, error) {
	f, err := openNumericCSV(path)
	if err != nil {
		return nil, err
	}
	vals, err := f.table()
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: no rows", path)
	}
	return &numTable{cols: f.cols, width: len(f.head), vals: vals}, nil
}

// table parses the file's rows into one array, each chunk's in place.
func (f *numericFile) table() ([]float64, error) {
	width := len(f.head)
	chunks := f.chunks()
	total := 0
	for _, ch := range chunks {
		total = max(total, ch.firstLine+ch.lines)
	}
	vals := make([]float64, total*width)
	rows := make([]int, len(chunks))
	err := f.parse(chunks, func(c, _ int, row []float64) error {
		copy(vals[(chunks[c].firstLine+rows[c])*width:], row)
		rows[c]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Empty lines leave gaps at the ends of their chunks' shares.
	at := 0
	for c, ch := range chunks {
		if from := ch.firstLine * width; at != from {
			copy(vals[at:], vals[from:from+rows[c]*width])
		}
		at += rows[c] * width
	}
	return vals[:at], nil
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

// lineChunk is a share of a file's body: whole lines, the number of lines
// before it, and its own (newline-terminated lines, and a last one
// without), an upper bound of its rows.
type lineChunk struct {
	body             []byte
	firstLine, lines int
}

// chunks cuts the body into chunks of whole lines, one a core, or one chunk
// when it is shorter than f.chunkBytes or quoted.
func (f *numericFile) chunks() []lineChunk {
	body := f.body
	n := 1
	if len(body) >= f.chunkBytes && !f.quoted {
		n = cmp.Or(f.maxChunks, runtime.GOMAXPROCS(0))
		n = max(1, min(n, len(body)/f.chunkBytes))
	}
	chunks := make([]lineChunk, 0, n)
	for lo := 0; lo < len(body); {
		hi := min(len(body), lo+(len(body)+n-1)/n)
		if j := bytes.IndexByte(body[hi-1:], '\n'); j >= 0 {
			hi += j
		} else {
			hi = len(body)
		}
		chunks = append(chunks, lineChunk{body: body[lo:hi]})
		lo = hi
	}
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
	return chunks
}

// parse parses the chunks on all cores and calls emit with each row, its
// chunk and its line in the file; row holds one value a column (NaN for a
// column not read) and is reused after emit returns. Empty lines are
// skipped, as encoding/csv does. The first error in the file, of parsing
// or of emit, is the one returned.
func (f *numericFile) parse(chunks []lineChunk, emit func(chunk, line int, row []float64) error) error {
	errs := make([]error, len(chunks))
	parallel.Chunks(len(chunks), 0, 0, func(_, lo, hi int) {
		row := make([]float64, len(f.head))
		for c := lo; c < hi; c++ {
			each := func(line int, row []float64) error { return emit(c, line, row) }
			if f.quoted {
				errs[c] = f.parseQuoted(chunks[c], row, each)
			} else {
				errs[c] = f.parsePlain(chunks[c], row, each)
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parsePlain parses a chunk without quotes.
func (f *numericFile) parsePlain(ch lineChunk, row []float64, emit func(line int, row []float64) error) error {
	b, width := ch.body, len(f.head)
	line := ch.firstLine + 2 // in the file, whose header is line 1
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
		i := 0
		for ; ; i++ {
			// A plain decimal ending at a comma is converted as it is
			// scanned; anything else is cut at its comma first.
			c := -1
			parsed := false
			if i < width && f.wanted[i] {
				if v, n := decimalPrefix(l); n > 0 && (n == len(l) || l[n] == ',') {
					row[i], parsed = v, true
					if n < len(l) {
						c = n
					}
				}
			}
			if !parsed {
				field := l
				if c = bytes.IndexByte(l, ','); c >= 0 {
					field = l[:c]
				}
				if i < width {
					row[i] = math.NaN()
					if f.wanted[i] {
						v, ok := parseNumber(bytes.TrimSpace(field))
						if !ok {
							return lineError(f.path, line, f.head[i], string(field))
						}
						row[i] = v
					}
				}
			}
			if c < 0 {
				break
			}
			l = l[c+1:]
		}
		if i+1 != width {
			return clientele.Errorf(clientele.EINVALID, "%s line %d: %d fields, the header has %d", f.path, line, i+1, width)
		}
		if err := emit(line, row); err != nil {
			return err
		}
	}
	return nil
}

// parseQuoted parses a chunk with encoding/csv.
func (f *numericFile) parseQuoted(ch lineChunk, row []float64, emit func(line int, row []float64) error) error {
	r := csv.NewReader(bytes.NewReader(ch.body))
	r.FieldsPerRecord = len(f.head)
	r.ReuseRecord = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// Lines in the file, whose header is line 1.
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				pe.StartLine += ch.firstLine + 1
				pe.Line += ch.firstLine + 1
			}
			return clientele.Errorf(clientele.EINVALID, "%s: %w", f.path, err)
		}
		line, _ := r.FieldPos(0)
		line += ch.firstLine + 1
		for i := range row {
			row[i] = math.NaN()
			if f.wanted[i] {
				v, ok := parseNumber([]byte(strings.TrimSpace(rec[i])))
				if !ok {
					return lineError(f.path, line, f.head[i], rec[i])
				}
				row[i] = v
			}
		}
		if err := emit(line, row); err != nil {
			return err
		}
	}
}

// summary reads the rows of a summary file (the columns of frequency,
// recency, T and, when not −1, weights) straight into collapsed rows: each
// chunk into its own clv.Collapser, a batch at a time, so that a 1M-row
// file is never held as a million rows. Each row is checked as it is read
// and a bad one reported with its line; a row of weight 0 stands for no
// customer and is left out. spend holds, when the monetary_value column fm
// is not −1, the (frequency, monetary_value) of the rows with both
// positive, in the file's order.
func (f *numericFile) summary(fx, fr, ft, fw, fm int) ([]clv.RFM, []clv.Spend, error) {
	const batch = 256
	type part struct {
		c     clv.Collapser
		batch []clv.RFM
		spend []clv.Spend
	}
	chunks := f.chunks()
	parts := make([]part, len(chunks))
	for c := range parts {
		parts[c].c = clv.NewCollapser(chunks[c].lines)
	}
	err := f.parse(chunks, func(c, line int, row []float64) error {
		p := &parts[c]
		d := clv.RFM{X: row[fx], TX: row[fr], T: row[ft]}
		if fw >= 0 {
			if d.W = row[fw]; d.W == 0 {
				return nil
			}
		}
		if err := d.Check(); err != nil {
			return clientele.Errorf(clientele.EINVALID, "%s line %d: %w", f.path, line, err)
		}
		if fm >= 0 && d.X > 0 && row[fm] > 0 {
			p.spend = append(p.spend, clv.Spend{X: d.X, M: row[fm], W: d.W})
		}
		if p.batch == nil {
			p.batch = make([]clv.RFM, 0, batch)
		}
		if p.batch = append(p.batch, d); len(p.batch) == batch {
			p.c.Add(p.batch...)
			p.batch = p.batch[:0]
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	collapsers := make([]clv.Collapser, len(parts))
	var spend []clv.Spend
	for i := range parts {
		parts[i].c.Add(parts[i].batch...)
		collapsers[i] = parts[i].c
		spend = append(spend, parts[i].spend...)
	}
	rows := clv.MergeCollapsed(collapsers)
	if len(rows) == 0 {
		return nil, nil, clientele.Errorf(clientele.EINVALID, "%s: no rows", f.path)
	}
	return rows, spend, nil
}

// parseNumber parses a decimal number to the same bits as
// strconv.ParseFloat. Plain decimals of up to 19 significant digits are
// converted by hand: up to 15, the mantissa and the power of ten are exact
// doubles, so their quotient is correctly rounded; 16 to 19 (lifetimes
// writes 17) go through decimalToFloat. Anything else goes to strconv.
func parseNumber(b []byte) (float64, bool) {
	if v, n := decimalPrefix(b); n > 0 && n == len(b) {
		return v, true
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

// decimalPrefix converts the plain decimal at the start of b, [sign]
// digits [. digits] of up to 19 significant digits, and returns its value
// and length; n is 0 when b does not start with one.
func decimalPrefix(b []byte) (v float64, n int) {
	var mant uint64
	digits, frac := 0, -1
	neg := false
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
scan:
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			if mant == 0 && c == '0' && frac < 0 {
				continue // leading zeros
			}
			if digits++; digits > 19 {
				return 0, 0
			}
			mant = mant*10 + uint64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			break scan
		}
	}
	if i == 0 || !(digits > 0 || frac > 0 || b[i-1] == '0') {
		return 0, 0 // no digit ("", "-", "."): strconv's to refuse
	}
	if digits <= 15 {
		v = float64(mant)
		if frac > 0 {
			v /= pow10f[frac]
		}
	} else {
		v = decimalToFloat(mant, max(frac, 0))
	}
	if neg {
		v = -v
	}
	return v, i
}

// decimalToFloat returns m / 10^k correctly rounded (to nearest, ties to
// even), for k ≤ 19, by integer division: m / 10^k = (m·2^s / 5^k) ·
// 2^−(s+k), with s chosen so that the quotient has 63 or 64 bits, and the
// remainder deciding the rounding of its last bits.
func decimalToFloat(m uint64, k int) float64 {
	if m == 0 {
		return 0
	}
	if k == 0 {
		return float64(m) // Go rounds a uint64 to nearest, ties to even
	}
	d := pow5[k]
	s := 63 + bits.Len64(d) - bits.Len64(m) // m·2^s/d in [2^62, 2^64)
	var hi, lo uint64
	if s >= 64 {
		hi = m << (s - 64)
	} else {
		hi, lo = m>>(64-s), m<<s
	}
	q, r := bits.Div64(hi, lo, d)
	e := bits.Len64(q) - 53 // bits beyond a double's mantissa: 10 or 11
	mant, rest, half := q>>e, q&(1<<e-1), uint64(1)<<(e-1)
	if rest > half || (rest == half && (r != 0 || mant&1 == 1)) {
		mant++
	}
	return math.Ldexp(float64(mant), e-s-k)
}

var pow5 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = 5 * p[i-1]
	}
	return p
}()

var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}
