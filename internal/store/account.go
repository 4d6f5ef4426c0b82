package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"clientele"
)

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
	// An item superseded by a later one with its key is counted as a
	// duplicate, so that the counts add up to the items given.
	given := int64(len(as))
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
	changes := make([]Change, len(as))
	for i := range as {
		changes[i] = Change{CustomerID: as[i].CustomerID, Fact: "account:" + as[i].ID, At: w.now}
	}
	if err := w.profilesStored(ctx, changes); err != nil {
		return Result{}, err
	}
	return Result{Written: n, Duplicates: given - n}, nil
}

// Accounts returns the customer's accounts, primary accounts before their
// supplementary cards, then by opening date.
func (db *DB) Accounts(ctx context.Context, id string) ([]clientele.Account, error) {
	// A customer has a handful of accounts: sorting them here spares
	// SQLite a temporary B-tree on every 360 view.
	rows, err := db.query(ctx, `SELECT id, kind, product, tier, holder, opened_on, closed_on, parent_id, spending_limit, currency
		FROM accounts WHERE customer_id = $1`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Account, error) {
		a := clientele.Account{CustomerID: id}
		var parent sql.NullString
		var limit sql.NullInt64
		var cur string
		err := sc.Scan(&a.ID, &a.Kind, &a.Product, &a.Tier, &a.Holder, dateCol{&a.OpenedOn}, dateCol{&a.ClosedOn}, &parent, &limit, &cur)
		a.ParentID, a.Currency = parent.String, clientele.Currency(cur)
		if limit.Valid {
			a.SpendingLimit = &limit.Int64
		}
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts of %s: %w", id, err)
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

// AccountLifetimes calls fn with the open and close date (zero while open)
// of every account that is not a supplementary card.
func (db *DB) AccountLifetimes(ctx context.Context, fn func(opened, closed time.Time) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT opened_on, closed_on FROM accounts WHERE parent_id IS NULL`)
	if err != nil {
		return fmt.Errorf("account lifetimes: %w", err)
	}
	return each(rows, nil, func(sc *sql.Rows) error {
		var o, c string
		if err := sc.Scan(dateCol{&o}, dateCol{&c}); err != nil {
			return fmt.Errorf("account lifetimes: %w", err)
		}
		opened, err := time.Parse(time.DateOnly, o)
		if err != nil {
			return fmt.Errorf("account lifetimes: opened_on %q: %w", o, err)
		}
		var closed time.Time
		if c != "" {
			if closed, err = time.Parse(time.DateOnly, c); err != nil {
				return fmt.Errorf("account lifetimes: closed_on %q: %w", c, err)
			}
		}
		return fn(opened, closed)
	})
}
