// Package ingest reads customer data files — CDNOW transaction logs, CSV
// with a header and a column mapping, NDJSON — validates every row, and
// writes them to the store in one database transaction.
//
// A file is imported whole or not at all: unless SkipInvalid is set, one bad
// row rejects the file, nothing is written, and the error names each bad
// row's line, column and reason. Imports are idempotent: rows without an id
// get one derived from their content in canonical form (contentIDs), so
// importing a file again — reordered, reformatted, or again after a crash
// — adds nothing that is already stored.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"clientele"
	"clientele/internal/store"
)

// Kind names what a file holds.
type Kind string

// The kinds of file the importer reads.
const (
	Transactions Kind = "transactions"
	Customers    Kind = "customers"
	Products     Kind = "products"
	Accounts     Kind = "accounts"
	Events       Kind = "events"
	Brands       Kind = "brands"
	Consents     Kind = "consents"
)

// Formats.
const (
	FormatCDNOW  = "cdnow"
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// Options control an import. The zero value imports in the format the
// file's name suggests, in USD and UTC, rejecting the file on any bad row.
type Options struct {
	Format   string            // cdnow, csv or ndjson; "" = from the file name
	Map      map[string]string // CSV: file column name → field name
	Currency clientele.Currency
	Location *time.Location // for dates and times without an offset
	// SkipInvalid imports the valid rows and writes the bad ones to
	// RejectPath (default: the file's path + ".rejected") with the
	// reasons in RejectPath + ".txt".
	SkipInvalid bool
	RejectPath  string
	MaxErrors   int // row errors kept for the report (default 20)
	// Progress, when set, is called now and then from another goroutine
	// with the rows and bytes read so far.
	Progress func(rows, bytes int64)
}

// RowError is one bad row.
type RowError struct {
	Line   int    // 1-based, counting a header line
	Column string // column or field name, "" when the row as a whole is bad
	Reason string
}

func (e RowError) String() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Reason)
}

// Summary counts what an import did.
type Summary struct {
	Source     string
	Kind       Kind
	Format     string
	Rows       int64 // data rows read (not counting a header)
	Items      int64 // items those rows make (a transaction may span rows)
	Imported   int64 // items written
	Duplicates int64 // items already stored
	Rejected   int64 // bad rows
	Errors     []RowError
	RejectPath string // where rejected rows went, with SkipInvalid
	// Elapsed is how long the import took: up to the commit for File, up
	// to the last row written within a transaction the caller holds
	// (FileTx, Reader, Dir).
	Elapsed time.Duration
}

func (s *Summary) String() string {
	rate := ""
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = fmt.Sprintf(" in %.1fs (%.0f rows/s)", secs, float64(s.Rows)/secs)
	}
	return fmt.Sprintf("%s: %s: read %d rows, imported %d, skipped %d as duplicates, rejected %d%s",
		s.Source, s.Kind, s.Rows, s.Imported, s.Duplicates, s.Rejected, rate)
}

// RejectedError is returned when bad rows rejected a file; Summary says
// which. Nothing from the file was written.
type RejectedError struct{ Summary *Summary }

func (e *RejectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: rejected, nothing imported: %d bad rows", e.Summary.Source, e.Summary.Rejected)
	for _, re := range e.Summary.Errors {
		b.WriteString("\n  ")
		b.WriteString(re.String())
	}
	if n := e.Summary.Rejected - int64(len(e.Summary.Errors)); n > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", n)
	}
	return b.String()
}

// Unwrap makes a rejection an EINVALID error.
func (e *RejectedError) Unwrap() error { return clientele.Errorf(clientele.EINVALID, "file rejected") }

// DetectFormat guesses a file's format from its name.
func DetectFormat(path string) string {
	name := strings.ToLower(path)
	name = strings.TrimSuffix(name, ".gz")
	switch {
	case strings.HasSuffix(name, ".ndjson"), strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".json"):
		return FormatNDJSON
	case strings.HasSuffix(name, ".txt"), strings.HasSuffix(name, ".dat"):
		return FormatCDNOW
	}
	return FormatCSV
}

// File imports one file of the given kind into db, in one transaction.
func File(ctx context.Context, db *store.DB, kind Kind, path string, opt Options) (*Summary, error) {
	var sum *Summary
	start := time.Now()
	err := db.Write(ctx, func(w *store.Writer) error {
		var err error
		sum, err = FileTx(ctx, w, kind, path, opt)
		return err
	})
	if err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start) // the commit is part of the import
	return sum, db.Analyzed(ctx, sum.Imported)
}

// FileTx imports one file within a transaction the caller holds; a
// returned error means the caller must roll back.
func FileTx(ctx context.Context, w *store.Writer, kind Kind, path string, opt Options) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "import: %w", err)
	}
	defer f.Close()
	if opt.Format == "" {
		opt.Format = DetectFormat(path)
	}
	if opt.SkipInvalid && opt.RejectPath == "" {
		opt.RejectPath = path + ".rejected"
	}
	return Reader(ctx, w, kind, f, path, opt)
}

// Reader imports what r holds, naming it source in messages, within a
// transaction the caller holds.
func Reader(ctx context.Context, w *store.Writer, kind Kind, r io.Reader, source string, opt Options) (*Summary, error) {
	if opt.Currency == "" {
		opt.Currency = "USD"
	}
	if _, err := opt.Currency.Scale(); err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "import: %w", err)
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 20
	}
	if opt.Format == "" {
		opt.Format = DetectFormat(source)
	}
	switch kind {
	case Transactions:
		// Transactions are the bulk of any import: the parser's goroutine
		// also sorts and converts them, and works out which customers are
		// new, leaving the writer only the writing, which, into an empty
		// PostgreSQL table, is a bulk load.
		memo := store.NewCustomerMemo()
		prepare := func(txs []clientele.Transaction) *store.TxBatch { return w.DB().PrepareTransactions(txs, memo) }
		w.BulkLoad()
		return runPrepared(ctx, w, kind, r, source, opt, transactionParser, prepare,
			func(w *store.Writer, ctx context.Context, b *store.TxBatch) (store.Result, error) {
				return w.WriteTransactions(ctx, b, nil)
			}, (*store.Writer).FinishBulkLoad)
	case Customers:
		return run(ctx, w, kind, r, source, opt, customerParser, (*store.Writer).Customers)
	case Products:
		return run(ctx, w, kind, r, source, opt, productParser, (*store.Writer).Products)
	case Accounts:
		return run(ctx, w, kind, r, source, opt, accountParser, (*store.Writer).Accounts)
	case Brands:
		return run(ctx, w, kind, r, source, opt, brandParser, (*store.Writer).Brands)
	case Events:
		return run(ctx, w, kind, r, source, opt, eventParser, func(w *store.Writer, ctx context.Context, v []clientele.Event) (store.Result, error) {
			return w.Events(ctx, v, nil)
		})
	case Consents:
		return run(ctx, w, kind, r, source, opt, consentParser, func(w *store.Writer, ctx context.Context, v []clientele.Consent) (store.Result, error) {
			for i := range v {
				v[i].RecordedBy = "import " + source
			}
			return w.Consents(ctx, v)
		})
	}
	return nil, clientele.Errorf(clientele.EINVALID, "import: unknown kind %q (want transactions, customers, products, brands, accounts, events or consents)", kind)
}

// An item is one parsed record (or a row error) with the line it began on.
type item[T any] struct {
	v    T
	line int
	raw  []string // the row(s) as read, for the reject file
	errs []RowError
}

// parser reads items from a file; it returns io.EOF at the end.
type parser[T any] interface {
	next() (item[T], error)
	header() []string // for the reject file; nil when the format has none
}

type parserFunc[T any] func(r io.Reader, opt *Options, counter *countingReader) (parser[T], error)

const batchSize = 50000

// MaxLineBytes bounds a line of an imported file (a CSV record's physical
// line, an NDJSON object, a CDNOW row): a longer one rejects the file with
// its line number, before it is held in memory (docs/limits.md).
const MaxLineBytes = 1 << 20

// lineLimiter passes r through and fails with ErrLineTooLong once a line
// runs past max bytes.
type lineLimiter struct {
	r    io.Reader
	max  int
	cur  int // bytes of the current line so far
	line int // 1-based number of the current line
	err  error
}

// LineTooLongError reports a line longer than MaxLineBytes.
type LineTooLongError struct{ Line int }

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes, the limit of a line (a file without line breaks, or not a text file?)", e.Line, MaxLineBytes)
}

// lineError prefixes err, met reading line, with the line's number, unless
// it says which line itself.
func lineError(line int, err error) error {
	var long *LineTooLongError
	if errors.As(err, &long) {
		return err
	}
	return fmt.Errorf("line %d: %w", line, err)
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			l.cur += len(b)
			break
		}
		if l.cur+i > l.max {
			l.cur += i
			break
		}
		l.cur, l.line, b = 0, l.line+1, b[i+1:]
	}
	if l.cur > l.max {
		l.err = clientele.Errorf(clientele.EINVALID, "%w", &LineTooLongError{Line: l.line + 1})
		return 0, l.err
	}
	return n, err
}

type countingReader struct {
	r     io.Reader
	bytes atomic.Int64
	rows  atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.bytes.Add(int64(n))
	return n, err
}

func run[T any](ctx context.Context, w *store.Writer, kind Kind, r io.Reader, source string, opt Options,
	newParser parserFunc[T], write func(*store.Writer, context.Context, []T) (store.Result, error)) (*Summary, error) {
	return runPrepared(ctx, w, kind, r, source, opt, newParser, func(v []T) []T { return v }, write, nil)
}

// parsed is one batch from the parser: the valid items, prepared for the
// writer, and the bad ones.
type parsed[T, P any] struct {
	items int
	valid P
	n     int // valid items
	bad   []item[T]
}

// runPrepared imports with a pipeline: one goroutine parses, validates and
// prepares batches (pure CPU work), this one writes them. finish, when not
// nil, runs after the last batch and returns how many items reported as
// written were found to be duplicates only then.
func runPrepared[T, P any](ctx context.Context, w *store.Writer, kind Kind, r io.Reader, source string, opt Options,
	newParser parserFunc[T], prepare func([]T) P, write func(*store.Writer, context.Context, P) (store.Result, error),
	finish func(*store.Writer, context.Context) (int64, error)) (*Summary, error) {
	start := time.Now()
	sum := &Summary{Source: source, Kind: kind, Format: opt.Format}
	cr := &countingReader{r: &lineLimiter{r: bufio.NewReaderSize(r, 1<<20), max: MaxLineBytes}}
	p, err := newParser(cr, &opt, cr)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: %w", source, err)
	}

	// People erased on request are reported row by row, not stored again.
	sup, err := w.Suppressor(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}

	// Parse on one goroutine, write on this one: SQLite inserts and the
	// parser each get a core.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan parsed[T, P], 2)
	parseErr := make(chan error, 1)
	go func() {
		defer close(batches)
		valid := make([]T, 0, batchSize)
		var bad []item[T]
		items := 0
		flush := func() bool {
			b := parsed[T, P]{items: items, n: len(valid), bad: bad}
			if len(valid) > 0 {
				b.valid = prepare(valid)
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return false
			}
			valid, bad, items = make([]T, 0, batchSize), nil, 0
			return true
		}
		for {
			it, err := p.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				parseErr <- err
				return
			}
			items++
			if len(it.errs) == 0 {
				if col, err := suppressedRow(sup, it.v); err != nil {
					it.errs = append(it.errs, RowError{Line: it.line, Column: col, Reason: clientele.ErrorMessage(err)})
				}
			}
			if len(it.errs) == 0 {
				valid = append(valid, it.v)
			} else {
				bad = append(bad, it)
			}
			if items == batchSize && !flush() {
				return
			}
		}
		if items > 0 && !flush() {
			return
		}
		parseErr <- nil
	}()

	var stopProgress func()
	if opt.Progress != nil {
		stopProgress = tick(func() { opt.Progress(cr.rows.Load(), cr.bytes.Load()) })
	}
	var rej *rejectWriter
	if opt.SkipInvalid {
		if rej, err = newRejectWriter(opt.RejectPath, opt.Format, p.header()); err != nil {
			return nil, err
		}
		defer rej.close()
	}
	failed := false
	for b := range batches {
		for _, it := range b.bad {
			sum.Rejected++
			for _, e := range it.errs {
				if len(sum.Errors) < opt.MaxErrors {
					sum.Errors = append(sum.Errors, e)
				}
			}
			if rej != nil {
				if err := rej.write(it.raw, it.errs); err != nil {
					return nil, err
				}
			}
		}
		sum.Items += int64(b.items)
		if sum.Rejected > 0 && !opt.SkipInvalid {
			failed = true // keep reading to report every bad row, write no more
		}
		if failed || b.n == 0 {
			continue
		}
		res, err := write(w, ctx, b.valid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		sum.Imported += res.Written
		sum.Duplicates += res.Duplicates
	}
	if err := <-parseErr; err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if finish != nil && !failed {
		dups, err := finish(w, ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		sum.Imported -= dups
		sum.Duplicates += dups
	}
	if stopProgress != nil {
		stopProgress()
		opt.Progress(cr.rows.Load(), cr.bytes.Load())
	}
	sum.Rows = cr.rows.Load()
	sum.Elapsed = time.Since(start)
	sort.SliceStable(sum.Errors, func(i, j int) bool { return sum.Errors[i].Line < sum.Errors[j].Line })
	if failed {
		sum.Imported, sum.Duplicates = 0, 0
		return sum, &RejectedError{Summary: sum}
	}
	if rej != nil {
		if err := rej.close(); err != nil {
			return nil, err
		}
		if sum.Rejected > 0 {
			sum.RejectPath = opt.RejectPath
		} else {
			os.Remove(opt.RejectPath)
			os.Remove(opt.RejectPath + ".txt")
		}
	}
	err = w.RecordImport(ctx, store.ImportRecord{Source: source, Kind: string(kind), Format: opt.Format, Started: start, Finished: time.Now(),
		RowsRead: sum.Rows, Imported: sum.Imported, Duplicates: sum.Duplicates, Rejected: sum.Rejected})
	return sum, err
}

// suppressedRow returns the column and error of an item that belongs to a
// person erased on request, or nil.
func suppressedRow(sup *store.Suppressor, v any) (string, error) {
	switch x := v.(type) {
	case clientele.Customer:
		var ids []clientele.Identity
		if x.Email != "" {
			ids = append(ids, clientele.Identity{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, x.Email)})
		}
		if x.Phone != "" {
			for _, p := range clientele.PhoneForms(x.Phone) {
				ids = append(ids, clientele.Identity{Kind: clientele.IdentityPhone, Value: p})
			}
		}
		if err := sup.Check(x.ID, ids...); err != nil {
			return "id", err
		}
	case clientele.Transaction:
		return "customer_id", sup.Check(x.CustomerID)
	case clientele.Event:
		return "customer_id", sup.Check(x.CustomerID)
	case clientele.Account:
		return "customer_id", sup.Check(x.CustomerID)
	case clientele.Identity:
		return "value", sup.Check(x.CustomerID, x)
	case clientele.Consent:
		return "customer_id", sup.Check(x.CustomerID)
	}
	return "", nil
}

// tick calls f every 200 ms until the returned function is called.
func tick(f func()) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f()
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// rejectWriter writes rejected rows in the file's own format (so that they
// can be fixed and imported again) and their reasons beside them.
type rejectWriter struct {
	f, reasons *os.File
	csv        *csv.Writer
	raw        *bufio.Writer
	closed     bool
}

func newRejectWriter(path, format string, header []string) (*rejectWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("reject file: %w", err)
	}
	reasons, err := os.Create(path + ".txt")
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reject file: %w", err)
	}
	rw := &rejectWriter{f: f, reasons: reasons}
	if format == FormatCSV {
		rw.csv = csv.NewWriter(f)
		if header != nil {
			rw.csv.Write(header)
		}
	} else {
		rw.raw = bufio.NewWriter(f)
	}
	return rw, nil
}

func (rw *rejectWriter) write(raw []string, errs []RowError) error {
	for _, e := range errs {
		if _, err := fmt.Fprintln(rw.reasons, e.String()); err != nil {
			return err
		}
	}
	if rw.csv != nil {
		return rw.csv.Write(raw)
	}
	for _, l := range raw {
		rw.raw.WriteString(l)
		rw.raw.WriteByte('\n')
	}
	return nil
}

func (rw *rejectWriter) close() error {
	if rw.closed {
		return nil
	}
	rw.closed = true
	var err error
	if rw.csv != nil {
		rw.csv.Flush()
		err = rw.csv.Error()
	} else {
		err = rw.raw.Flush()
	}
	return errors.Join(err, rw.f.Close(), rw.reasons.Close())
}

// contentIDs gives the rows of one file that have no id an id derived
// from their content in canonical form (amounts in minor units, times in
// UTC, JSON compacted), so that the same facts get the same ids whatever
// their position in the file or their formatting (20.00 or 20.0), and a
// re-import adds nothing. Truly identical rows are separate facts (the
// CDNOW master file holds 215 of them): the n-th occurrence of the same
// content gets the n-th id, in this file and in the next import of it. It
// keeps a counter of about 40 bytes per distinct content, for the file's
// rows without an id only.
type contentIDs struct {
	seen map[[16]byte]uint32
}

func newContentIDs() *contentIDs { return &contentIDs{seen: map[[16]byte]uint32{}} }

// id returns the id of the next row of the given kind and canonical
// content.
func (c *contentIDs) id(kind Kind, content ...string) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, s := range content {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	var base [sha256.Size]byte
	h.Sum(base[:0])
	key := [16]byte(base[:16])
	n := c.seen[key] + 1
	c.seen[key] = n
	return DeriveID(base, n)
}

// DeriveID returns the id of the n-th row (from 1) whose content, in
// canonical form, hashes to base.
func DeriveID(base [sha256.Size]byte, n uint32) string {
	var buf [sha256.Size + 4]byte
	copy(buf[:], base[:])
	binary.BigEndian.PutUint32(buf[sha256.Size:], n)
	sum := sha256.Sum256(buf[:])
	return "r" + hex.EncodeToString(sum[:12])
}

// canonicalTransaction is the content of a transaction that identifies it
// when it has no id of its own.
func canonicalTransaction(t *clientele.Transaction) []string {
	margin := ""
	if t.Margin != nil {
		margin = strconv.FormatInt(*t.Margin, 10)
	}
	out := []string{t.CustomerID, t.Time.UTC().Format(time.RFC3339Nano), strconv.FormatInt(t.Amount, 10), string(t.Currency),
		strconv.FormatInt(t.Quantity, 10), margin, t.Store, t.Channel, t.PaymentMethod}
	for _, l := range t.Lines {
		out = append(out, l.SKU, strconv.FormatInt(l.Quantity, 10), strconv.FormatInt(l.UnitPrice, 10))
	}
	return out
}

// Dir imports a directory written by `clientele simulate` (or laid out like
// one): brands, customers, products, accounts, transactions and events files,
// recognised by name, all in one transaction.
func Dir(ctx context.Context, db *store.DB, dir string, opt Options) ([]*Summary, error) {
	files, err := DirFiles(dir)
	if err != nil {
		return nil, err
	}
	var out []*Summary
	err = db.Write(ctx, func(w *store.Writer) error {
		// Progress over the whole directory: the rows and bytes of the files
		// done before the current one's.
		var rowsDone, bytesDone int64
		for _, f := range files {
			o := opt
			o.Format = ""
			o.RejectPath = ""
			if opt.Progress != nil {
				r0, b0 := rowsDone, bytesDone
				o.Progress = func(rows, bytes int64) { opt.Progress(r0+rows, b0+bytes) }
			}
			s, err := FileTx(ctx, w, f.Kind, f.Path, o)
			if s != nil {
				rowsDone += s.Rows
			}
			if st, err := os.Stat(f.Path); err == nil {
				bytesDone += st.Size()
			}
			if err != nil {
				if s != nil {
					out = append(out, s)
				}
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	var rows int64
	for _, s := range out {
		rows += s.Imported
	}
	return out, db.Analyzed(ctx, rows)
}

// DirFile is one file of a directory import.
type DirFile struct {
	Kind Kind
	Path string
}

// DirFiles lists the files of dir that Dir imports, in the order it imports
// them: brands, customers, products, accounts, transactions, events.
func DirFiles(dir string) ([]DirFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "import: %w", err)
	}
	var out []DirFile
	for _, k := range []Kind{Brands, Customers, Products, Accounts, Transactions, Events, Consents} {
		for _, e := range entries {
			name := e.Name()
			base := strings.SplitN(name, ".", 2)[0]
			// Reject files of an earlier import (FILE.rejected, FILE.rejected.txt)
			// are not data; .txt is a transactions layout (CDNOW) only.
			if e.IsDir() || base != string(k) || strings.Contains(name, ".rejected") || strings.HasSuffix(name, ".txt") && k != Transactions {
				continue
			}
			out = append(out, DirFile{Kind: k, Path: filepath.Join(dir, name)})
		}
	}
	if len(out) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "import: %s holds no brands, customers, products, accounts, transactions, events or consents files", dir)
	}
	return out, nil
}
