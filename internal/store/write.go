package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"clientele"
)

// Writer writes customers, their facts and the catalogue within one
// database transaction: either everything written through it is committed,
// or nothing is. Get one from DB.Write.
//
// Facts (transactions, lines, events) are insert-only: writing one that is
// already stored changes nothing and is reported as a duplicate. Entities
// (customers, accounts, products, brands) are upserted: a changed row is
// updated, an identical one is a duplicate.
type Writer struct {
	db   *DB
	q    txQuerier
	now  time.Time
	seen customerSet // customers known to exist in this transaction

	bulk          bulkState // see bulk.go
	pkName, pkDef string    // the primary key of transactions, dropped during a bulk load
}

// txQuerier is the part of a database transaction the writer needs; one
// implementation wraps database/sql (SQLite), the other pgx (PostgreSQL,
// for COPY).
type txQuerier interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rowIter, error)
	// insert writes rows into table's columns with the given ON CONFLICT
	// clause and returns how many rows were written, and, when returning is
	// not empty, the values of those columns for every written row.
	insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error)
}

type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// seenLimit bounds a customerSet; past it the set is cleared and customers
// are checked again (a cheap no-op insert).
const seenLimit = 2_000_000

// customerSet remembers customers known to exist, up to seenLimit of them.
// Ids of up to 15 bytes, the usual kind, are kept packed in two integers:
// looking one up then reads no string but the one asked about, and the set
// keeps no parsed row alive.
type customerSet struct {
	short map[[2]uint64]struct{}
	long  map[string]struct{}
}

func newCustomerSet() customerSet {
	return customerSet{short: map[[2]uint64]struct{}{}, long: map[string]struct{}{}}
}

// add records id and reports whether it was not recorded yet.
func (s customerSet) add(id string) bool {
	if len(s.short)+len(s.long) >= seenLimit {
		clear(s.short)
		clear(s.long)
	}
	if len(id) > 15 {
		if _, ok := s.long[id]; ok {
			return false
		}
		s.long[id] = struct{}{}
		return true
	}
	// The length, in the last byte, tells "C1" from "C1\x00".
	k := [2]uint64{prefix8(id), prefix8(id[min(len(id), 8):])&^0xff | uint64(len(id))}
	if _, ok := s.short[k]; ok {
		return false
	}
	s.short[k] = struct{}{}
	return true
}

// Write runs fn inside one database transaction and commits if fn returns
// nil; otherwise it rolls back and nothing fn wrote is kept.
func (db *DB) Write(ctx context.Context, fn func(w *Writer) error) error {
	w := &Writer{db: db, now: time.Now().UTC(), seen: newCustomerSet()}
	if db.dialect == Postgres {
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			sc, err := pgConn(dc)
			if err != nil {
				return err
			}
			tx, err := sc.Conn().Begin(ctx)
			if err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			defer tx.Rollback(context.WithoutCancel(ctx))
			w.q = &pgTx{tx: tx}
			if err := fn(w); err != nil {
				return err
			}
			if _, err := w.FinishBulkLoad(ctx); err != nil {
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
			return nil
		})
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	w.q = &sqliteTx{tx: tx, stmts: make(map[string]*sql.Stmt)}
	if err := fn(w); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// DB returns the database w writes to.
func (w *Writer) DB() *DB { return w.db }

// Result counts what one write did.
type Result struct {
	Written    int64 // rows created (or, for entities, created or changed)
	Duplicates int64 // rows already stored as given
}

// ensureCustomers creates, with no profile, the customers that ids name and
// that do not exist yet; first gives each one's creation time. With check
// set it skips the customers w has already made sure of; without, the
// caller has (a batch prepared with a CustomerMemo).
func (w *Writer) ensureCustomers(ctx context.Context, ids []string, first []time.Time, check bool) error {
	var rows [][]any
	for i, id := range ids {
		if check && !w.seen.add(id) {
			continue
		}
		rows = append(rows, []any{id, w.db.ts(first[i]), w.db.ts(w.now)})
	}
	if len(rows) == 0 {
		return nil
	}
	_, _, err := w.q.insert(ctx, "customers", []string{"id", "created_at", "updated_at"}, rows, "ON CONFLICT (id) DO NOTHING", "")
	if err != nil {
		return fmt.Errorf("create customers: %w", err)
	}
	return nil
}

// A CustomerMemo remembers the customers of the transaction batches
// prepared with it, so that each later batch carries only the customers it
// brings first, and the writer, which creates them, looks nothing up: the
// look-ups run where the batches are prepared, on the parser's goroutine of
// an import. The batches prepared with one memo must be written in the
// order they were prepared, in one database transaction. A memo is not safe
// for concurrent use.
type CustomerMemo struct {
	seen customerSet
}

// NewCustomerMemo returns an empty memo.
func NewCustomerMemo() *CustomerMemo {
	return &CustomerMemo{seen: newCustomerSet()}
}

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
	returning := ""
	if created != nil || b.hasLines {
		returning = "customer_id, id"
	}
	n, keys, err := w.insertTransactions(ctx, b, returning)
	if err != nil {
		return Result{}, fmt.Errorf("insert transactions: %w", err)
	}
	res := Result{Written: n, Duplicates: int64(len(txs)) - n}
	if returning == "" {
		return res, nil
	}
	fresh := keySet(keys)
	var lines [][]any
	for i := range txs {
		t := &txs[i]
		k := t.CustomerID + "\x00" + t.ID
		_, ok := fresh[k]
		if ok {
			delete(fresh, k) // a later item with the same key is a duplicate
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

var eventCols = []string{"customer_id", "id", "type", "time", "properties"}

// Events inserts evs, creating their customers as needed; created works as
// for Transactions. The events must be valid.
func (w *Writer) Events(ctx context.Context, evs []clientele.Event, created []bool) (Result, error) {
	if len(evs) == 0 {
		return Result{}, nil
	}
	ids := make([]string, len(evs))
	first := make([]time.Time, len(evs))
	rows := make([][]any, len(evs))
	for i := range evs {
		e := &evs[i]
		ids[i], first[i] = e.CustomerID, e.Time
		props := string(e.Properties)
		if props == "" {
			props = "{}"
		}
		rows[i] = []any{e.CustomerID, e.ID, e.Type, w.db.ts(e.Time), props}
	}
	if err := w.ensureCustomers(ctx, ids, first, true); err != nil {
		return Result{}, err
	}
	returning := ""
	if created != nil {
		returning = "customer_id, id"
	}
	n, keys, err := w.q.insert(ctx, "events", eventCols, rows, "ON CONFLICT (customer_id, id) DO NOTHING", returning)
	if err != nil {
		return Result{}, fmt.Errorf("insert events: %w", err)
	}
	if created != nil {
		fresh := keySet(keys)
		for i := range evs {
			k := evs[i].CustomerID + "\x00" + evs[i].ID
			_, ok := fresh[k]
			delete(fresh, k)
			created[i] = ok
		}
	}
	return Result{Written: n, Duplicates: int64(len(evs)) - n}, nil
}

var customerCols = []string{"id", "name", "email", "phone", "birth_date", "city", "household_id", "attributes", "created_at", "updated_at"}

const customerUpsert = `ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, email = excluded.email, phone = excluded.phone,
	birth_date = excluded.birth_date, city = excluded.city,
	household_id = excluded.household_id, attributes = excluded.attributes,
	created_at = CASE WHEN excluded.created_at < customers.created_at THEN excluded.created_at ELSE customers.created_at END,
	updated_at = excluded.updated_at
WHERE customers.name IS DISTINCT FROM excluded.name OR customers.email IS DISTINCT FROM excluded.email
	OR customers.phone IS DISTINCT FROM excluded.phone OR customers.birth_date IS DISTINCT FROM excluded.birth_date
	OR customers.city IS DISTINCT FROM excluded.city OR customers.household_id IS DISTINCT FROM excluded.household_id
	OR customers.attributes IS DISTINCT FROM excluded.attributes OR excluded.created_at < customers.created_at`

// Customers creates or updates cs (the last of several items with one id
// wins) and registers their e-mail addresses and phone numbers as
// identities. A zero CreatedAt means now. The customers must be valid.
func (w *Writer) Customers(ctx context.Context, cs []clientele.Customer) (Result, error) {
	cs = lastByKey(cs, func(c *clientele.Customer) string { return c.ID })
	rows := make([][]any, len(cs))
	var ids []clientele.Identity
	for i := range cs {
		c := &cs[i]
		attrs := "{}"
		if len(c.Attributes) > 0 {
			b, err := json.Marshal(c.Attributes)
			if err != nil {
				return Result{}, clientele.Errorf(clientele.EINVALID, "customer %s: attributes: %w", c.ID, err)
			}
			attrs = string(b)
		}
		created := c.CreatedAt
		if created.IsZero() {
			created = w.now
		}
		rows[i] = []any{c.ID, c.Name, c.Email, c.Phone, w.db.date(c.BirthDate), c.City, c.HouseholdID, attrs, w.db.ts(created), w.db.ts(w.now)}
		if c.Email != "" {
			ids = append(ids, clientele.Identity{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, c.Email), CustomerID: c.ID})
		}
		if p := clientele.NormalizePhone(c.Phone); p != "" {
			ids = append(ids, clientele.Identity{Kind: clientele.IdentityPhone, Value: p, CustomerID: c.ID})
		}
		w.seen.add(c.ID)
	}
	n, _, err := w.q.insert(ctx, "customers", customerCols, rows, customerUpsert, "")
	if err != nil {
		return Result{}, fmt.Errorf("write customers: %w", err)
	}
	if _, err := w.Identities(ctx, ids); err != nil {
		return Result{}, err
	}
	return Result{Written: n, Duplicates: int64(len(cs)) - n}, nil
}

// Identities registers ids. An identity that already belongs to a customer
// keeps that customer (the first registration wins); the result counts it as
// a duplicate. The identities' customers must exist.
func (w *Writer) Identities(ctx context.Context, ids []clientele.Identity) (Result, error) {
	if len(ids) == 0 {
		return Result{}, nil
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id.Kind, id.Value, id.CustomerID, w.db.ts(w.now)}
	}
	n, _, err := w.q.insert(ctx, "identities", []string{"kind", "value", "customer_id", "created_at"}, rows, "ON CONFLICT (kind, value) DO NOTHING", "")
	if err != nil {
		return Result{}, fmt.Errorf("write identities: %w", err)
	}
	return Result{Written: n, Duplicates: int64(len(ids)) - n}, nil
}

var accountCols = []string{"customer_id", "id", "kind", "product", "tier", "holder", "opened_on", "closed_on", "parent_id", "spending_limit", "currency"}

const accountUpsert = `ON CONFLICT (customer_id, id) DO UPDATE SET
	kind = excluded.kind, product = excluded.product, tier = excluded.tier, holder = excluded.holder,
	opened_on = excluded.opened_on, closed_on = excluded.closed_on, parent_id = excluded.parent_id,
	spending_limit = excluded.spending_limit, currency = excluded.currency
WHERE accounts.kind IS DISTINCT FROM excluded.kind OR accounts.product IS DISTINCT FROM excluded.product
	OR accounts.tier IS DISTINCT FROM excluded.tier OR accounts.holder IS DISTINCT FROM excluded.holder
	OR accounts.opened_on IS DISTINCT FROM excluded.opened_on OR accounts.closed_on IS DISTINCT FROM excluded.closed_on
	OR accounts.parent_id IS DISTINCT FROM excluded.parent_id OR accounts.spending_limit IS DISTINCT FROM excluded.spending_limit
	OR accounts.currency IS DISTINCT FROM excluded.currency`

// Accounts creates or updates as, creating their customers as needed, and
// registers card accounts' numbers as card identities. The accounts must be
// valid.
func (w *Writer) Accounts(ctx context.Context, as []clientele.Account) (Result, error) {
	as = lastByKey(as, func(a *clientele.Account) string { return a.CustomerID + "\x00" + a.ID })
	ids := make([]string, len(as))
	first := make([]time.Time, len(as))
	rows := make([][]any, len(as))
	var idents []clientele.Identity
	for i := range as {
		a := &as[i]
		ids[i] = a.CustomerID
		first[i], _ = time.Parse(time.DateOnly, a.OpenedOn)
		var limit any
		if a.SpendingLimit != nil {
			limit = *a.SpendingLimit
		}
		rows[i] = []any{a.CustomerID, a.ID, a.Kind, a.Product, a.Tier, a.Holder, w.db.date(a.OpenedOn), w.db.date(a.ClosedOn), nullString(a.ParentID), limit, string(a.Currency)}
		if a.Kind == clientele.AccountCard {
			idents = append(idents, clientele.Identity{Kind: clientele.IdentityCard, Value: clientele.NormalizeIdentity(clientele.IdentityCard, a.ID), CustomerID: a.CustomerID})
		}
	}
	if err := w.ensureCustomers(ctx, ids, first, true); err != nil {
		return Result{}, err
	}
	n, _, err := w.q.insert(ctx, "accounts", accountCols, rows, accountUpsert, "")
	if err != nil {
		return Result{}, fmt.Errorf("write accounts: %w", err)
	}
	if _, err := w.Identities(ctx, idents); err != nil {
		return Result{}, err
	}
	return Result{Written: n, Duplicates: int64(len(as)) - n}, nil
}

var productCols = []string{"sku", "name", "category", "brand", "price", "unit_cost", "currency"}

const productUpsert = `ON CONFLICT (sku) DO UPDATE SET
	name = excluded.name, category = excluded.category, brand = excluded.brand,
	price = excluded.price, unit_cost = excluded.unit_cost, currency = excluded.currency
WHERE products.name IS DISTINCT FROM excluded.name OR products.category IS DISTINCT FROM excluded.category
	OR products.brand IS DISTINCT FROM excluded.brand OR products.price IS DISTINCT FROM excluded.price
	OR products.unit_cost IS DISTINCT FROM excluded.unit_cost OR products.currency IS DISTINCT FROM excluded.currency`

// Products creates or updates ps and creates the brands they name. The
// products must be valid.
func (w *Writer) Products(ctx context.Context, ps []clientele.Product) (Result, error) {
	ps = lastByKey(ps, func(p *clientele.Product) string { return p.SKU })
	rows := make([][]any, len(ps))
	var brands []clientele.Brand
	seen := map[string]bool{}
	for i := range ps {
		p := &ps[i]
		rows[i] = []any{p.SKU, p.Name, p.Category, p.Brand, p.Price, p.UnitCost, string(p.Currency)}
		if p.Brand != "" && !seen[p.Brand] {
			seen[p.Brand] = true
			brands = append(brands, clientele.Brand{Name: p.Brand})
		}
	}
	if len(brands) > 0 {
		brows := make([][]any, len(brands))
		for i, b := range brands {
			brows[i] = []any{b.Name, b.Owner}
		}
		if _, _, err := w.q.insert(ctx, "brands", []string{"name", "owner"}, brows, "ON CONFLICT (name) DO NOTHING", ""); err != nil {
			return Result{}, fmt.Errorf("write brands: %w", err)
		}
	}
	n, _, err := w.q.insert(ctx, "products", productCols, rows, productUpsert, "")
	if err != nil {
		return Result{}, fmt.Errorf("write products: %w", err)
	}
	return Result{Written: n, Duplicates: int64(len(ps)) - n}, nil
}

// Brands creates or updates bs (setting each one's owner).
func (w *Writer) Brands(ctx context.Context, bs []clientele.Brand) (Result, error) {
	bs = lastByKey(bs, func(b *clientele.Brand) string { return b.Name })
	rows := make([][]any, len(bs))
	for i, b := range bs {
		rows[i] = []any{b.Name, b.Owner}
	}
	n, _, err := w.q.insert(ctx, "brands", []string{"name", "owner"}, rows,
		"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner WHERE brands.owner IS DISTINCT FROM excluded.owner", "")
	if err != nil {
		return Result{}, fmt.Errorf("write brands: %w", err)
	}
	return Result{Written: n, Duplicates: int64(len(bs)) - n}, nil
}

// ImportRecord describes one finished import, for the imports log.
type ImportRecord struct {
	Source, Kind, Format                     string
	Started, Finished                        time.Time
	RowsRead, Imported, Duplicates, Rejected int64
}

// RecordImport logs an import in the same transaction as its rows.
func (w *Writer) RecordImport(ctx context.Context, r ImportRecord) error {
	_, err := w.q.exec(ctx, `INSERT INTO imports (source, kind, format, started_at, finished_at, rows_read, imported, duplicates, rejected)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.Source, r.Kind, r.Format, w.db.ts(r.Started), w.db.ts(r.Finished), r.RowsRead, r.Imported, r.Duplicates, r.Rejected)
	if err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	return nil
}

// lastByKey drops every item whose key appears again later in xs, keeping
// the order of the rest. An upsert may touch a row only once per statement.
func lastByKey[T any](xs []T, key func(*T) string) []T {
	last := make(map[string]int, len(xs))
	for i := range xs {
		last[key(&xs[i])] = i
	}
	if len(last) == len(xs) {
		return xs
	}
	out := make([]T, 0, len(last))
	for i := range xs {
		if last[key(&xs[i])] == i {
			out = append(out, xs[i])
		}
	}
	return out
}

// sqliteTx runs the writer on SQLite: multi-row INSERT statements of up to
// sqliteChunk rows (scatteredChunk for scattered tables), prepared once per
// transaction and shape.
type sqliteTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	args  []any
}

const (
	sqliteChunk    = 100
	scatteredChunk = 10
)

// scattered names the tables whose rows land on pages all over an index
// whatever order they come in: the search indexes of customers, identities
// keyed by their value, accounts by their own id. A multi-row INSERT keeps a
// copy of every page it changes until it ends (its statement journal, so
// that a failing row undoes the rows before it); 100 such rows change
// hundreds of pages, and past 4 MiB of copies the SQLite allocator hands
// the memory back and faults it in again on every statement. With 16 KiB
// pages that made a customer import 3 times slower; statements of 10 rows
// stay well under it (docs/benchmarks.md). Inserts that can take INSERT OR
// IGNORE (ignoreSafe) keep no journal and take full statements.
var scattered = map[string]bool{"customers": true, "identities": true, "accounts": true}

// ignoreSafe names the tables whose only unique constraint is their
// primary key, with no CHECK and no foreign key (TestIgnoreSafeTables
// holds the schema to that). Into these, INSERT OR IGNORE skips exactly the
// rows that ON CONFLICT (key) DO NOTHING does, as the writer never binds
// NULL to a NOT NULL column; and as no row of it can fail, SQLite keeps no
// statement journal for it, which is an eighth of the cost of an import
// (docs/benchmarks.md). Without a journal a scattered table's insert can
// take full statements again.
var ignoreSafe = map[string]bool{"transactions": true, "transaction_lines": true, "events": true, "customers": true}

// orIgnore stands for a DO NOTHING conflict clause that insertSQL writes as
// INSERT OR IGNORE.
const orIgnore = "OR IGNORE"

func (s *sqliteTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := s.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (s *sqliteTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := s.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// insertSQL is the SQLite multi-row INSERT of n rows.
func insertSQL(table string, cols []string, n int, conflict, returning string) string {
	verb := "INSERT INTO "
	if conflict == orIgnore {
		verb, conflict = "INSERT OR IGNORE INTO ", ""
	}
	var b strings.Builder
	b.WriteString(verb)
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	// Positional ? placeholders: the SQLite driver binds $N by looking up
	// each parameter's name, which costs O(n²) in a statement of n.
	row := "(" + strings.Repeat("?,", len(cols)-1) + "?)"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteByte(' ')
	b.WriteString(conflict)
	if returning != "" {
		b.WriteString(" RETURNING ")
		b.WriteString(returning)
	}
	return b.String()
}

func (s *sqliteTx) insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error) {
	var total int64
	var keys [][]string
	size := sqliteChunk
	if scattered[table] {
		size = scatteredChunk
	}
	if ignoreSafe[table] && strings.HasSuffix(conflict, "DO NOTHING") {
		conflict, size = orIgnore, sqliteChunk
	}
	for start := 0; start < len(rows); start += size {
		chunk := rows[start:min(start+size, len(rows))]
		q := insertSQL(table, cols, len(chunk), conflict, returning)
		st, ok := s.stmts[q]
		if !ok {
			var err error
			if st, err = s.tx.PrepareContext(ctx, q); err != nil {
				return 0, nil, err
			}
			s.stmts[q] = st
		}
		s.args = s.args[:0]
		for _, r := range chunk {
			s.args = append(s.args, r...)
		}
		if returning == "" {
			r, err := st.ExecContext(ctx, s.args...)
			if err != nil {
				return 0, nil, err
			}
			n, _ := r.RowsAffected()
			total += n
			continue
		}
		got, err := scanKeys(st.QueryContext(ctx, s.args...))
		if err != nil {
			return 0, nil, err
		}
		total += int64(len(got))
		keys = append(keys, got...)
	}
	return total, keys, nil
}

func scanKeys(rows *sql.Rows, err error) ([][]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var keys [][]string
	for rows.Next() {
		k := make([]string, len(cols))
		dest := make([]any, len(cols))
		for i := range k {
			dest[i] = &k[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// pgTx runs the writer on PostgreSQL: rows are copied (COPY) into a
// temporary staging table shaped like the target, then moved with one
// INSERT … SELECT that applies the ON CONFLICT clause.
type pgTx struct {
	tx         pgx.Tx
	staged     map[string]bool
	conflicted map[string]bool // tables where a direct COPY met a duplicate
}

func (p *pgTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

func (p *pgTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := p.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (p *pgTx) insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	if strings.HasSuffix(conflict, "DO NOTHING") {
		n, ok, err := p.tryCopy(ctx, table, len(rows), func(tx pgx.Tx) (int64, error) {
			return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		})
		if err != nil {
			return 0, nil, err
		}
		if ok {
			return n, rowKeys(rows, cols, returning), nil
		}
	}
	stage := "stage_" + table
	if !p.staged[table] {
		// A temporary table lives as long as the session; ON COMMIT DROP
		// ties it to this transaction so that pooled connections stay clean.
		if _, err := p.tx.Exec(ctx, "CREATE TEMP TABLE "+stage+" (LIKE "+table+" INCLUDING DEFAULTS, _ord BIGINT) ON COMMIT DROP"); err != nil {
			return 0, nil, fmt.Errorf("create staging table: %w", err)
		}
		if p.staged == nil {
			p.staged = map[string]bool{}
		}
		p.staged[table] = true
	} else if _, err := p.tx.Exec(ctx, "TRUNCATE "+stage); err != nil {
		return 0, nil, err
	}
	ord := int64(0)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if ord >= int64(len(rows)) {
			return nil, nil
		}
		r := append(rows[ord], ord)
		ord++
		return r, nil
	})
	if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{stage}, append(append([]string(nil), cols...), "_ord"), src); err != nil {
		return 0, nil, fmt.Errorf("copy: %w", err)
	}
	list := strings.Join(cols, ", ")
	// ORDER BY keeps the first of several rows with one key when the
	// conflict clause is DO NOTHING, as a row-by-row insert would.
	q := "INSERT INTO " + table + " (" + list + ") SELECT " + list + " FROM " + stage + " ORDER BY _ord " + conflict
	if returning == "" {
		tag, err := p.tx.Exec(ctx, q)
		if err != nil {
			return 0, nil, err
		}
		return tag.RowsAffected(), nil, nil
	}
	q += " RETURNING " + returning
	rs, err := p.tx.Query(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	defer rs.Close()
	var keys [][]string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return 0, nil, err
		}
		k := make([]string, len(vals))
		for i, v := range vals {
			k[i] = fmt.Sprint(v)
		}
		keys = append(keys, k)
	}
	if err := rs.Err(); err != nil {
		return 0, nil, err
	}
	return int64(len(keys)), keys, nil
}

// query1 scans the single row of a query into dest.
func query1(ctx context.Context, q txQuerier, query string, args []any, dest ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return rows.Scan(dest...)
}

// directCopyMin is the smallest batch worth a direct COPY attempt.
const directCopyMin = 1000

// tryCopy runs copy, a COPY of n rows straight into table, inside a
// savepoint: the fastest way in when none of them is stored yet (a first
// import). It reports ok = false, having written nothing, when the batch is
// too small to be worth it or when a row is stored already (a unique
// violation); the caller then takes the staged path with ON CONFLICT, as
// every later batch for table does (most likely a re-import).
func (p *pgTx) tryCopy(ctx context.Context, table string, n int, copy func(pgx.Tx) (int64, error)) (int64, bool, error) {
	if n < directCopyMin || p.conflicted[table] {
		return 0, false, nil
	}
	sp, err := p.tx.Begin(ctx) // a savepoint
	if err != nil {
		return 0, false, err
	}
	written, err := copy(sp)
	if err != nil {
		var pgErr *pgconn.PgError
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return 0, false, rbErr
		}
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
			if p.conflicted == nil {
				p.conflicted = map[string]bool{}
			}
			p.conflicted[table] = true
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("copy: %w", err)
	}
	if err := sp.Commit(ctx); err != nil { // releases the savepoint
		return 0, false, err
	}
	return written, true, nil
}

// rowKeys returns, for rows all written, the values of the columns that
// returning lists, as the RETURNING clause would.
func rowKeys(rows [][]any, cols []string, returning string) [][]string {
	if returning == "" {
		return nil
	}
	var idx []int
	for _, r := range strings.Split(returning, ",") {
		idx = append(idx, slices.Index(cols, strings.TrimSpace(r)))
	}
	keys := make([][]string, len(rows))
	for i, row := range rows {
		k := make([]string, len(idx))
		for j, c := range idx {
			k[j] = fmt.Sprint(row[c])
		}
		keys[i] = k
	}
	return keys
}

// The COPY statements for TxBatch.copyRows, frozen or not.
var (
	copyTxSQL       = "COPY transactions (" + strings.Join(txCols, ", ") + ") FROM STDIN (FORMAT binary)"
	copyTxFrozenSQL = strings.TrimSuffix(copyTxSQL, ")") + ", FREEZE)"
)

// copyTransactions copies rows encoded by TxBatch.copyRows. freeze writes
// them frozen, as if vacuumed, which PostgreSQL allows only into a table
// created or truncated in the same (sub)transaction.
func copyTransactions(ctx context.Context, tx pgx.Tx, data copyData, freeze bool) (int64, error) {
	q := copyTxSQL
	if freeze {
		q = copyTxFrozenSQL
	}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), q)
	return tag.RowsAffected(), err
}
