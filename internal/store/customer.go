package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"clientele"
)

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
	// An item superseded by a later one with its key is counted as a
	// duplicate, so that the counts add up to the items given.
	given := int64(len(cs))
	cs = lastByKey(cs, func(c *clientele.Customer) string { return c.ID })
	customerIDs := make([]string, len(cs))
	for i := range cs {
		customerIDs[i] = cs[i].ID
	}
	if err := w.checkSuppressed(ctx, customerIDs, nil); err != nil {
		return Result{}, err
	}
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
	changes := make([]Change, len(cs))
	for i := range cs {
		changes[i] = Change{CustomerID: cs[i].ID, Fact: "customer:" + cs[i].ID, At: w.now}
	}
	if err := w.profilesStored(ctx, changes); err != nil {
		return Result{}, err
	}
	return Result{Written: n, Duplicates: given - n}, nil
}

const customerSelect = `SELECT id, name, email, phone, birth_date, city, household_id, attributes, created_at, updated_at FROM customers`

func scanCustomer(sc scanner) (clientele.Customer, error) {
	var c clientele.Customer
	var attrs []byte
	err := sc.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, dateCol{&c.BirthDate}, &c.City, &c.HouseholdID, &attrs, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return c, err
	}
	if len(attrs) > 0 && string(attrs) != "{}" {
		// Numbers keep every digit (json.Number), as they were given.
		dec := json.NewDecoder(bytes.NewReader(attrs))
		dec.UseNumber()
		if err := dec.Decode(&c.Attributes); err != nil {
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

// CustomerFilter selects customers for ListCustomers.
type CustomerFilter struct {
	// Query, when not empty, matches an exact id, or a prefix of the
	// e-mail address or of the name (case-insensitive).
	Query string
	// After is the cursor: the id of the last customer of the previous page.
	After string
	Limit int // 1…1000, default 50
	// Owner, when not 0, keeps the customers in a segment that user owns
	// (a customer manager's customers).
	Owner int64
}

// ListCustomers lists customers in id order, a page at a time, and returns the
// cursor of the next page ("" on the last page).
func (db *DB) ListCustomers(ctx context.Context, f CustomerFilter) ([]clientele.Customer, string, error) {
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
	owner := ""
	if f.Owner != 0 {
		args = append(args, f.Owner)
		owner = "$" + strconv.Itoa(len(args))
	}
	rows, err := db.r.QueryContext(ctx, db.customerListSQL(q != "", owner), args...)
	out, err := collect(rows, err, func(r *sql.Rows) (clientele.Customer, error) { return scanCustomer(r) })
	if err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// customerListSQL is the query of ListCustomers: $1 the cursor, $2 the page
// size plus one and, when search is set, $3 the search text, $4 and $5 the
// bounds of its lower-case prefix range; owner, when not "", is the
// placeholder of the user whose segments' customers it keeps. A search matches an exact id, or a
// prefix of the e-mail address or of the lower-cased name, each through its
// index; the terms that leave out empty e-mail addresses and names are
// what lets SQLite and PostgreSQL use those partial indexes (migration
// 00006).
func (db *DB) customerListSQL(search bool, owner string) string {
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
	if owner != "" {
		where += ` AND EXISTS (SELECT 1 FROM segment_members m JOIN segments s ON s.id = m.segment_id
			WHERE m.customer_id = customers.id AND s.owner_id = ` + owner + `)`
	}
	return customerSelect + ` WHERE id > $1` + where + ` ORDER BY id LIMIT $2`
}
