package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clientele"

	"github.com/jackc/pgx/v5"
)

var txCols = []string{"customer_id", "id", "time", "store", "channel", "payment_method", "amount", "margin", "currency", "quantity"}

var lineCols = []string{"customer_id", "transaction_id", "line_no", "sku", "quantity", "unit_price"}

// TxBatch is a batch of transactions converted to rows in primary-key
// order. Building one does no I/O, so it can be done on another goroutine
// while the writer writes the previous batch.
type TxBatch struct {
	txs      []clientele.Transaction
	order    []int       // txs in key order
	repeats  []int       // the positions in order whose key is the one before's
	rows     [][]any     // txCols rows in key order; on PostgreSQL made only when needed
	copy     copyData    // PostgreSQL, batches of directCopyMin or more: the rows in COPY's binary format, repeats left out
	ids      []string    // the customers to make sure of…
	first    []time.Time // …and the time each one is created with
	checked  bool        // ids holds only customers new to the memo
	hasLines bool
}

// PrepareTransactions makes txs ready for Writer.WriteTransactions. memo,
// when not nil, remembers the customers of this and earlier batches (see
// CustomerMemo).
func (db *DB) PrepareTransactions(txs []clientele.Transaction, memo *CustomerMemo) *TxBatch {
	b := &TxBatch{txs: txs, order: make([]int, len(txs)), checked: memo != nil}
	if memo == nil {
		b.ids, b.first = make([]string, len(txs)), make([]time.Time, len(txs))
	}
	keys := keyOrder(txs)
	for k := range keys {
		key := &keys[k]
		t := &txs[key.i]
		b.order[k] = key.i
		// In key order a customer's transactions, and repeats, are neighbours.
		same := k > 0 && key.sameCustomer(&keys[k-1])
		switch {
		case memo == nil:
			b.ids[k], b.first[k] = t.CustomerID, t.Time
		case same:
		case memo.seen.add(t.CustomerID):
			b.ids, b.first = append(b.ids, t.CustomerID), append(b.first, t.Time)
		}
		if same && key.sameID(&keys[k-1]) {
			b.repeats = append(b.repeats, k)
		}
		b.hasLines = b.hasLines || len(t.Lines) > 0
	}
	// On PostgreSQL a batch large enough for a direct COPY (tryCopy) is
	// encoded for it; a smaller one (the API's) is inserted from rows.
	if db.dialect == Postgres && len(txs) >= directCopyMin {
		b.copy = b.copyRows()
	} else {
		b.sqlRows(db)
	}
	return b
}

// sqlRows returns the batch's rows for an INSERT, in key order.
func (b *TxBatch) sqlRows(db *DB) [][]any {
	if b.rows != nil {
		return b.rows
	}
	b.rows = make([][]any, len(b.order))
	for k, i := range b.order {
		t := &b.txs[i]
		var margin any
		if t.Margin != nil {
			margin = *t.Margin
		}
		b.rows[k] = []any{t.CustomerID, t.ID, db.ts(t.Time), t.Store, t.Channel, t.PaymentMethod, t.Amount, margin, string(t.Currency), t.Quantity}
	}
	return b.rows
}

// unique calls f with each transaction of the batch in key order, repeats
// left out.
func (b *TxBatch) unique(f func(t *clientele.Transaction)) {
	next := 0
	for k, i := range b.order {
		if next < len(b.repeats) && b.repeats[next] == k {
			next++
			continue
		}
		f(&b.txs[i])
	}
}

// copyRows encodes the batch for COPY transactions (txCols) FROM STDIN
// BINARY.
func (b *TxBatch) copyRows() copyData {
	c := newCopyData(len(b.txs) * 128)
	b.unique(func(t *clientele.Transaction) {
		c = c.row(len(txCols)).text(t.CustomerID).text(t.ID).timestamptz(t.Time).text(t.Store).text(t.Channel).text(t.PaymentMethod).int8(t.Amount)
		if t.Margin != nil {
			c = c.int8(*t.Margin)
		} else {
			c = c.null()
		}
		c = c.text(string(t.Currency)).int8(t.Quantity)
	})
	return c.end()
}

// Transactions inserts txs, creating their customers as needed. When
// created is not nil it must have len(txs) and receives, per transaction,
// whether this call stored it (false: it was a duplicate, including of an
// earlier item of the same batch). The transactions must be valid.
func (w *Writer) Transactions(ctx context.Context, txs []clientele.Transaction, created []bool) (Result, error) {
	return w.WriteTransactions(ctx, w.db.PrepareTransactions(txs, nil), created)
}

// WriteTransactions inserts a prepared batch; see Transactions.
func (w *Writer) WriteTransactions(ctx context.Context, b *TxBatch, created []bool) (Result, error) {
	txs := b.txs
	if len(txs) == 0 {
		return Result{}, nil
	}
	if w.bulk == bulkWanted && len(txs) >= bulkMin && !b.hasLines && created == nil {
		if err := w.startBulk(ctx); err != nil {
			return Result{}, err
		}
	}
	if w.bulk == bulkLoading {
		if !b.hasLines && created == nil {
			return w.copyBulk(ctx, b)
		}
		if _, err := w.FinishBulkLoad(ctx); err != nil {
			return Result{}, err
		}
	}
	if err := w.ensureCustomers(ctx, b.ids, b.first, !b.checked); err != nil {
		return Result{}, err
	}
	n, keys, err := w.insertTransactions(ctx, b, "customer_id, id")
	if err != nil {
		return Result{}, fmt.Errorf("insert transactions: %w", err)
	}
	res := Result{Written: n, Duplicates: int64(len(txs)) - n}
	fresh := keySet(keys)
	var lines [][]any
	stored := make([]*clientele.Transaction, 0, len(keys))
	for i := range txs {
		t := &txs[i]
		k := t.CustomerID + "\x00" + t.ID
		_, ok := fresh[k]
		if ok {
			delete(fresh, k) // a later item with the same key is a duplicate
			stored = append(stored, t)
			for j, l := range t.Lines {
				lines = append(lines, []any{t.CustomerID, t.ID, j + 1, l.SKU, l.Quantity, l.UnitPrice})
			}
		}
		if created != nil {
			created[i] = ok
		}
	}
	if len(lines) > 0 {
		if _, _, err := w.q.insert(ctx, "transaction_lines", lineCols, lines, "ON CONFLICT (customer_id, transaction_id, line_no) DO NOTHING", ""); err != nil {
			return Result{}, fmt.Errorf("insert transaction lines: %w", err)
		}
	}
	products, err := w.productKeys(ctx, stored)
	if err != nil {
		return Result{}, err
	}
	facts := make([]Fact, len(stored))
	for i, t := range stored {
		facts[i] = Fact{Kind: "transaction", Transaction: t, Touches: TransactionTouches(t, products)}
	}
	if err := w.stored(ctx, facts); err != nil {
		return Result{}, err
	}
	return res, nil
}

// insertTransactions inserts a batch with ON CONFLICT DO NOTHING and
// returns what txQuerier.insert does.
func (w *Writer) insertTransactions(ctx context.Context, b *TxBatch, returning string) (int64, [][]string, error) {
	if p, ok := w.q.(*pgTx); ok {
		n, ok, err := p.tryCopy(ctx, "transactions", len(b.txs), func(tx pgx.Tx) (int64, error) { return copyTransactions(ctx, tx, b.copy, false) })
		if err != nil {
			return 0, nil, err
		}
		if !ok {
			return p.insert(ctx, "transactions", txCols, b.sqlRows(w.db), "ON CONFLICT (customer_id, id) DO NOTHING", returning)
		}
		var keys [][]string
		if returning != "" {
			keys = make([][]string, 0, n)
			b.unique(func(t *clientele.Transaction) { keys = append(keys, []string{t.CustomerID, t.ID}) })
		}
		return n, keys, nil
	}
	return w.q.insert(ctx, "transactions", txCols, b.sqlRows(w.db), "ON CONFLICT (customer_id, id) DO NOTHING", returning)
}

// txKey is a transaction's primary key and its position in a batch. The
// first eight bytes of each part, packed big-endian into an integer, decide
// most comparisons without reading the strings, which lie scattered in
// memory.
type txKey struct {
	cp, ip       uint64 // prefixes of customer and id, zero-padded
	customer, id string
	i            int
}

func prefix8(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

// sameCustomer reports whether k and o name one customer.
func (k *txKey) sameCustomer(o *txKey) bool {
	// Equal prefixes and equal lengths up to eight bytes mean equal strings.
	return k.cp == o.cp && len(k.customer) == len(o.customer) && (len(k.customer) <= 8 || k.customer == o.customer)
}

// sameID reports whether k and o, of one customer, have one id.
func (k *txKey) sameID(o *txKey) bool {
	return k.ip == o.ip && len(k.id) == len(o.id) && (len(k.id) <= 8 || k.id == o.id)
}

// compare orders keys by customer, id and position. Zero-padded
// big-endian prefixes order as the strings do, except that equal prefixes
// may hide a difference further on.
func (k *txKey) compare(o *txKey) int {
	if c := cmp.Compare(k.cp, o.cp); c != 0 {
		return c
	}
	if !k.sameCustomer(o) {
		return strings.Compare(k.customer, o.customer)
	}
	if c := cmp.Compare(k.ip, o.ip); c != 0 {
		return c
	}
	if !k.sameID(o) {
		return strings.Compare(k.id, o.id)
	}
	return k.i - o.i
}

// keyOrder returns the keys of txs sorted by customer and id, keeping the
// input order among equal keys. Rows written in primary-key order land on
// neighbouring B-tree pages, which makes a bulk insert into a large table
// much cheaper than in arrival order; stability keeps the first of several
// items with one key the one stored.
func keyOrder(txs []clientele.Transaction) []txKey {
	keys := make([]txKey, len(txs))
	for i := range txs {
		t := &txs[i]
		keys[i] = txKey{prefix8(t.CustomerID), prefix8(t.ID), t.CustomerID, t.ID, i}
	}
	// The position breaks ties, so an unstable sort gives the stable order.
	slices.SortFunc(keys, func(a, b txKey) int { return a.compare(&b) })
	return keys
}

func keySet(keys [][]string) map[string]struct{} {
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[strings.Join(k, "\x00")] = struct{}{}
	}
	return m
}

const txSelect = `SELECT id, time, store, channel, payment_method, amount, margin, currency, quantity FROM transactions`

func scanTransaction(sc *sql.Rows, customerID string) (clientele.Transaction, error) {
	t := clientele.Transaction{CustomerID: customerID}
	var margin sql.NullInt64
	var cur string
	err := sc.Scan(&t.ID, timeCol{&t.Time}, &t.Store, &t.Channel, &t.PaymentMethod, &t.Amount, &margin, &cur, &t.Quantity)
	t.Currency = clientele.Currency(cur)
	if margin.Valid {
		t.Margin = &margin.Int64
	}
	return t, err
}

// newer orders transactions most recent first (ties by id, descending).
func newer(a, b clientele.Transaction) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// attachAllLines reads every line of the customer and keeps those of txs.
func (db *DB) attachAllLines(ctx context.Context, customerID string, txs []clientele.Transaction) error {
	if len(txs) == 0 {
		return nil
	}
	idx := make(map[string]int, len(txs))
	for i, t := range txs {
		idx[t.ID] = i
	}
	rows, err := db.query(ctx, `SELECT transaction_id, sku, quantity, unit_price FROM transaction_lines
		WHERE customer_id = $1 ORDER BY transaction_id, line_no`, customerID)
	return scanLines(rows, err, customerID, txs, idx)
}

// scanLines appends the lines that rows (transaction_id, sku, quantity,
// unit_price) hold to those of txs, which idx finds by transaction id;
// lines of other transactions are skipped.
func scanLines(rows *sql.Rows, err error, customerID string, txs []clientele.Transaction, idx map[string]int) error {
	var tid string
	err = each(rows, err, func(sc *sql.Rows) error {
		var l clientele.Line
		if err := sc.Scan(&tid, &l.SKU, &l.Quantity, &l.UnitPrice); err != nil {
			return err
		}
		if i, ok := idx[tid]; ok {
			txs[i].Lines = append(txs[i].Lines, l)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("transaction lines of %s: %w", customerID, err)
	}
	return nil
}

// ListTransactions returns a page of the customer's transactions, most recent
// first, with their lines. before is the cursor returned with the previous
// page ("" for the first page); the returned cursor is "" on the last page.
func (db *DB) ListTransactions(ctx context.Context, customerID, before string, limit int) ([]clientele.Transaction, string, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	args := []any{customerID, limit + 1}
	cond := ""
	if before != "" {
		micros, id, ok := strings.Cut(before, ":")
		us, err := strconv.ParseInt(micros, 10, 64)
		if !ok || err != nil {
			return nil, "", clientele.Errorf(clientele.EINVALID, "invalid cursor %q", before)
		}
		args = append(args, db.ts(time.UnixMicro(us)), id)
		cond = ` AND (time < $3 OR (time = $3 AND id < $4))`
	}
	rows, err := db.query(ctx, txSelect+` WHERE customer_id = $1`+cond+` ORDER BY time DESC, id DESC LIMIT $2`, args...)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Transaction, error) { return scanTransaction(sc, customerID) })
	if err != nil {
		return nil, "", fmt.Errorf("transactions of %s: %w", customerID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = strconv.FormatInt(last.Time.UnixMicro(), 10) + ":" + last.ID
	}
	return out, next, db.attachLines(ctx, customerID, out)
}

// attachLines loads the lines of a customer's transactions txs, in one
// query.
func (db *DB) attachLines(ctx context.Context, customerID string, txs []clientele.Transaction) error {
	if len(txs) == 0 {
		return nil
	}
	idx := make(map[string]int, len(txs))
	ph := make([]string, len(txs))
	largs := []any{customerID}
	for i, t := range txs {
		idx[t.ID] = i
		largs = append(largs, t.ID)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	q := `SELECT transaction_id, sku, quantity, unit_price FROM transaction_lines
		WHERE customer_id = $1 AND transaction_id IN (` + strings.Join(ph, ",") + `) ORDER BY transaction_id, line_no`
	var lrows *sql.Rows
	var err error
	if len(txs) <= 200 { // up to the 360 view's largest page: worth a prepared statement each
		lrows, err = db.query(ctx, q, largs...)
	} else {
		lrows, err = db.r.QueryContext(ctx, q, largs...)
	}
	return scanLines(lrows, err, customerID, txs, idx)
}

// Transaction returns the customer's transaction id with its lines.
func (db *DB) Transaction(ctx context.Context, customerID, id string) (*clientele.Transaction, error) {
	rows, err := db.query(ctx, txSelect+` WHERE customer_id = $1 AND id = $2`, customerID, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Transaction, error) { return scanTransaction(sc, customerID) })
	if err != nil {
		return nil, fmt.Errorf("transaction %s of %s: %w", id, customerID, err)
	}
	if len(out) == 0 {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "customer %q has no transaction %q", customerID, id)
	}
	return &out[0], db.attachLines(ctx, customerID, out)
}
