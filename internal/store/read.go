package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clientele"
)

const customerSelect = `SELECT id, name, email, phone, birth_date, city, household_id, attributes, created_at, updated_at FROM customers`

func scanCustomer(sc interface{ Scan(...any) error }) (clientele.Customer, error) {
	var c clientele.Customer
	var attrs []byte
	err := sc.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, dateCol{&c.BirthDate}, &c.City, &c.HouseholdID, &attrs, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return c, err
	}
	if len(attrs) > 0 && string(attrs) != "{}" {
		if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
			return c, fmt.Errorf("customer %s: attributes: %w", c.ID, err)
		}
	}
	return c, nil
}

// Customer returns the customer with the given id.
func (db *DB) Customer(ctx context.Context, id string) (*clientele.Customer, error) {
	c, err := scanCustomer(db.queryRow(ctx, customerSelect+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "customer %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("customer %s: %w", id, err)
	}
	return &c, nil
}

// PutCustomer creates or replaces the profile of c.ID and reports whether it
// was created. The customer must be valid.
func (db *DB) PutCustomer(ctx context.Context, c clientele.Customer) (created bool, err error) {
	err = db.Write(ctx, func(w *Writer) error {
		var n int
		if err := query1(ctx, w.q, `SELECT count(*) FROM customers WHERE id = $1`, []any{c.ID}, &n); err != nil {
			return err
		}
		created = n == 0
		_, err := w.Customers(ctx, []clientele.Customer{c})
		return err
	})
	return created, err
}

// CustomerFilter selects customers for List.
type CustomerFilter struct {
	// Query, when not empty, matches an exact id, or a prefix of the
	// e-mail address or of the name (case-insensitive).
	Query string
	// After is the cursor: the id of the last customer of the previous page.
	After string
	Limit int // 1…1000, default 50
}

// Customers lists customers in id order, a page at a time, and returns the
// cursor of the next page ("" on the last page).
func (db *DB) Customers(ctx context.Context, f CustomerFilter) ([]clientele.Customer, string, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 1000)
	args := []any{f.After, f.Limit + 1}
	q := strings.TrimSpace(f.Query)
	if q != "" {
		lo := strings.ToLower(q)
		args = append(args, q, lo, lo+"\U0010FFFF")
	}
	rows, err := db.r.QueryContext(ctx, db.customerListSQL(q != ""), args...)
	if err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	defer rows.Close()
	var out []clientele.Customer
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list customers: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// customerListSQL is the query of Customers: $1 the cursor, $2 the page
// size plus one and, when search is set, $3 the search text, $4 and $5 the
// bounds of its lower-case prefix range. A search matches an exact id, or a
// prefix of the e-mail address or of the lower-cased name, each through its
// index; the terms that leave out empty e-mail addresses and names are
// what lets SQLite and PostgreSQL use those partial indexes (migration
// 00006).
func (db *DB) customerListSQL(search bool) string {
	where := ""
	if search {
		ge, lt := ">=", "<"
		if db.dialect == Postgres {
			ge, lt = "~>=~", "~<~" // text_pattern_ops: byte order, like SQLite
		}
		where = ` AND id IN (SELECT id FROM customers WHERE id = $3
			UNION SELECT id FROM customers WHERE email <> '' AND email ` + ge + ` $4 AND email ` + lt + ` $5
			UNION SELECT id FROM customers WHERE name <> '' AND lower(name) ` + ge + ` $4 AND lower(name) ` + lt + ` $5)`
	}
	return customerSelect + ` WHERE id > $1` + where + ` ORDER BY id LIMIT $2`
}

// CustomerByIdentity returns the id of the customer that an identity of the
// given kind and value (normalised as clientele.NormalizeIdentity does)
// belongs to.
func (db *DB) CustomerByIdentity(ctx context.Context, kind, value string) (string, error) {
	var id string
	err := db.queryRow(ctx, `SELECT customer_id FROM identities WHERE kind = $1 AND value = $2`,
		kind, clientele.NormalizeIdentity(kind, value)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", clientele.Errorf(clientele.ENOTFOUND, "no customer has %s identity %q", kind, value)
	}
	if err != nil {
		return "", fmt.Errorf("identity %s/%s: %w", kind, value, err)
	}
	return id, nil
}

// Totals summarise a customer's transactions.
type Totals struct {
	Transactions int64
	Revenue      map[clientele.Currency]int64 // minor units per currency
	First, Last  time.Time
}

// View360 is everything the firm knows about one customer, on one screen.
type View360 struct {
	Customer     clientele.Customer
	Identities   []clientele.Identity
	Accounts     []clientele.Account
	Totals       Totals
	Transactions []clientele.Transaction // most recent first, with lines
	Events       []clientele.Event       // most recent first
	Score        *Score                  // the latest score; nil if never scored
	ScoreRun     int64                   // the model run of Score
	Segments     []string                // the segments the customer is in, by name
}

// Customer360 returns the customer's profile, identities, accounts, totals,
// the n most recent transactions and events, latest score and segments.
func (db *DB) Customer360(ctx context.Context, id string, n int) (*View360, error) {
	c, err := db.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &View360{Customer: *c}
	if v.Identities, err = db.identities(ctx, id); err != nil {
		return nil, err
	}
	if v.Accounts, err = db.Accounts(ctx, id); err != nil {
		return nil, err
	}
	if v.Transactions, v.Totals, err = db.recentWithTotals(ctx, id, n); err != nil {
		return nil, err
	}
	if v.Events, err = db.events(ctx, id, n); err != nil {
		return nil, err
	}
	sc, run, err := db.CustomerScore(ctx, id, 0)
	switch {
	case err == nil:
		v.Score, v.ScoreRun = sc, run
	case clientele.ErrorCode(err) != clientele.ENOTFOUND: // never scored: no score
		return nil, err
	}
	if v.Segments, err = db.CustomerSegments(ctx, id); err != nil {
		return nil, err
	}
	return v, nil
}

func (db *DB) identities(ctx context.Context, id string) ([]clientele.Identity, error) {
	rows, err := db.query(ctx, `SELECT kind, value FROM identities WHERE customer_id = $1 ORDER BY kind, value`, id)
	if err != nil {
		return nil, fmt.Errorf("identities of %s: %w", id, err)
	}
	defer rows.Close()
	var out []clientele.Identity
	for rows.Next() {
		i := clientele.Identity{CustomerID: id}
		if err := rows.Scan(&i.Kind, &i.Value); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Accounts returns the customer's accounts, primary accounts before their
// supplementary cards, then by opening date.
func (db *DB) Accounts(ctx context.Context, id string) ([]clientele.Account, error) {
	// A customer has a handful of accounts: sorting them here spares
	// SQLite a temporary B-tree on every 360 view.
	rows, err := db.query(ctx, `SELECT id, kind, product, tier, holder, opened_on, closed_on, parent_id, spending_limit, currency
		FROM accounts WHERE customer_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("accounts of %s: %w", id, err)
	}
	defer rows.Close()
	var out []clientele.Account
	for rows.Next() {
		a := clientele.Account{CustomerID: id}
		var parent sql.NullString
		var limit sql.NullInt64
		var cur string
		if err := rows.Scan(&a.ID, &a.Kind, &a.Product, &a.Tier, &a.Holder, dateCol{&a.OpenedOn}, dateCol{&a.ClosedOn}, &parent, &limit, &cur); err != nil {
			return nil, err
		}
		a.ParentID, a.Currency = parent.String, clientele.Currency(cur)
		if limit.Valid {
			a.SpendingLimit = &limit.Int64
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b clientele.Account) int {
		if (a.ParentID == "") != (b.ParentID == "") {
			if a.ParentID == "" {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.OpenedOn, b.OpenedOn); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

const txSelect = `SELECT id, time, store, channel, payment_method, amount, margin, currency, quantity FROM transactions`

func scanTransaction(rows *sql.Rows, customerID string) (clientele.Transaction, error) {
	t := clientele.Transaction{CustomerID: customerID}
	var margin sql.NullInt64
	var cur string
	err := rows.Scan(&t.ID, timeCol{&t.Time}, &t.Store, &t.Channel, &t.PaymentMethod, &t.Amount, &margin, &cur, &t.Quantity)
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

// recentWithTotals reads all of a customer's transactions once: it sums
// them and returns the n most recent, with their lines.
func (db *DB) recentWithTotals(ctx context.Context, id string, n int) ([]clientele.Transaction, Totals, error) {
	t := Totals{Revenue: map[clientele.Currency]int64{}}
	rows, err := db.query(ctx, txSelect+` WHERE customer_id = $1`, id)
	if err != nil {
		return nil, t, fmt.Errorf("transactions of %s: %w", id, err)
	}
	var all []clientele.Transaction
	for rows.Next() {
		tx, err := scanTransaction(rows, id)
		if err != nil {
			rows.Close()
			return nil, t, err
		}
		all = append(all, tx)
		t.Transactions++
		t.Revenue[tx.Currency] += tx.Amount
		if t.First.IsZero() || tx.Time.Before(t.First) {
			t.First = tx.Time
		}
		if tx.Time.After(t.Last) {
			t.Last = tx.Time
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, t, err
	}
	slices.SortFunc(all, newer)
	recent := all[:min(n, len(all))]
	if len(all) <= 2*len(recent) {
		// Most of the customer's transactions are on the page: one range
		// scan of the customer's lines beats a seek per transaction.
		return recent, t, db.attachAllLines(ctx, id, recent)
	}
	return recent, t, db.attachLines(ctx, id, recent)
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
	if err != nil {
		return fmt.Errorf("transaction lines of %s: %w", customerID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var tid string
		var l clientele.Line
		if err := rows.Scan(&tid, &l.SKU, &l.Quantity, &l.UnitPrice); err != nil {
			return err
		}
		if i, ok := idx[tid]; ok {
			txs[i].Lines = append(txs[i].Lines, l)
		}
	}
	return rows.Err()
}

// Transactions returns a page of the customer's transactions, most recent
// first, with their lines. before is the cursor returned with the previous
// page ("" for the first page); the returned cursor is "" on the last page.
func (db *DB) Transactions(ctx context.Context, customerID, before string, limit int) ([]clientele.Transaction, string, error) {
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
	if err != nil {
		return nil, "", fmt.Errorf("transactions of %s: %w", customerID, err)
	}
	var out []clientele.Transaction
	for rows.Next() {
		t, err := scanTransaction(rows, customerID)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
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
	if err != nil {
		return fmt.Errorf("transaction lines of %s: %w", customerID, err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var tid string
		var l clientele.Line
		if err := lrows.Scan(&tid, &l.SKU, &l.Quantity, &l.UnitPrice); err != nil {
			return err
		}
		t := &txs[idx[tid]]
		t.Lines = append(t.Lines, l)
	}
	return lrows.Err()
}

func (db *DB) events(ctx context.Context, customerID string, n int) ([]clientele.Event, error) {
	rows, err := db.query(ctx, `SELECT id, type, time, properties FROM events
		WHERE customer_id = $1 ORDER BY time DESC, id DESC LIMIT $2`, customerID, n)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", customerID, err)
	}
	defer rows.Close()
	var out []clientele.Event
	for rows.Next() {
		e := clientele.Event{CustomerID: customerID}
		var props []byte
		if err := rows.Scan(&e.ID, &e.Type, timeCol{&e.Time}, &props); err != nil {
			return nil, err
		}
		e.Properties = json.RawMessage(props)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Stats summarise the whole database.
type Stats struct {
	Customers    int64
	Transactions int64
	Events       int64
	Revenue      map[clientele.Currency]int64 // minor units per currency
	First, Last  time.Time                    // zero when there are no transactions
}

// Stats counts customers, transactions and events and sums revenue.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{Revenue: map[clientele.Currency]int64{}}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&s.Customers); err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&s.Events); err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT currency, count(*), sum(amount), min(time), max(time) FROM transactions GROUP BY currency`)
	if err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cur string
		var n, sum int64
		var first, last time.Time
		if err := rows.Scan(&cur, &n, &sum, timeCol{&first}, timeCol{&last}); err != nil {
			return s, fmt.Errorf("stats: %w", err)
		}
		s.Transactions += n
		s.Revenue[clientele.Currency(cur)] = sum
		if s.First.IsZero() || first.Before(s.First) {
			s.First = first
		}
		if last.After(s.Last) {
			s.Last = last
		}
	}
	return s, rows.Err()
}

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	LastUsed  time.Time
	Revoked   bool
}

// tokenPrefix marks Clientele tokens so that secret scanners can find them.
const tokenPrefix = "clt_"

func hashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken creates an API token named name and returns its secret, which
// is shown once: only its SHA-256 hash is stored (the secret is 256 random
// bits, so a fast hash is enough).
func (db *DB) CreateToken(ctx context.Context, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return "", clientele.Errorf(clientele.EINVALID, "token name must have 1 to 128 characters")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	_, err := db.w.ExecContext(ctx, `INSERT INTO api_tokens (name, hash, created_at) VALUES ($1, $2, $3)`, name, hashToken(secret), db.ts(time.Now()))
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// Authenticate returns the token whose secret is given, or an
// EUNAUTHORIZED error when there is none or it was revoked.
func (db *DB) Authenticate(ctx context.Context, secret string) (*Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	var t Token
	var revoked time.Time
	err := db.r.QueryRowContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE hash = $1`, hashToken(secret)).
		Scan(&t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.LastUsed}, timeCol{&revoked})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if !revoked.IsZero() {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "token revoked")
	}
	return &t, nil
}

// TouchToken records that token id was used at t.
func (db *DB) TouchToken(ctx context.Context, id int64, t time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, db.ts(t), id)
	return err
}

// Tokens lists the API tokens (never their secrets).
func (db *DB) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var revoked time.Time
		if err := rows.Scan(&t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.LastUsed}, timeCol{&revoked}); err != nil {
			return nil, err
		}
		t.Revoked = !revoked.IsZero()
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes token id.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	r, err := db.w.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, db.ts(time.Now()), id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "no active token %d", id)
	}
	return nil
}
