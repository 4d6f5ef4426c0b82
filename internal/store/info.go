package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"clientele"
)

// CreateItem stores an information item written by its author (a user)
// at it.CreatedAt (now when zero). An item about a customer needs the
// customer, one about a segment the segment.
func (w *Writer) CreateItem(ctx context.Context, it clientele.InfoItem) (*clientele.InfoItem, error) {
	if err := it.Validate(); err != nil {
		return nil, err
	}
	if it.AuthorID == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "an information item needs an author: a user, not a service token")
	}
	var n int
	q, arg, what := `SELECT count(*) FROM customers WHERE id = $1`, it.CustomerID, "customer"
	if it.Segment != "" {
		q, arg, what = `SELECT count(*) FROM segments WHERE name = $1`, it.Segment, "segment"
	}
	if err := query1(ctx, w.q, q, []any{arg}, &n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "%s %q not found", what, clientele.Excerpt(arg))
	}
	if it.CreatedAt.IsZero() {
		it.CreatedAt = w.now
	}
	tags, err := json.Marshal(nonNil(it.Tags))
	if err != nil {
		return nil, err
	}
	if err := query1(ctx, w.q, `INSERT INTO info_items (customer_id, segment, author_id, department, kind, text, tags, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{it.CustomerID, it.Segment, it.AuthorID, it.Department, it.Kind, it.Text, string(tags), w.db.ts(it.CreatedAt)}, &it.ID); err != nil {
		return nil, fmt.Errorf("store information item: %w", err)
	}
	return &it, nil
}

// ItemFilter selects information items.
type ItemFilter struct {
	CustomerID string
	Segment    string
	Limit      int // default 100
}

const itemSelect = `SELECT i.id, i.customer_id, i.segment, i.author_id, u.name, i.department, i.kind, i.text, i.tags, i.created_at,
	(SELECT count(*) FROM info_ratings r WHERE r.item_id = i.id),
	coalesce((SELECT avg(r.rating) FROM info_ratings r WHERE r.item_id = i.id), 0),
	(SELECT count(*) FROM info_reads d WHERE d.item_id = i.id AND d.reader_id <> i.author_id)
	FROM info_items i JOIN users u ON u.id = i.author_id`

func scanItem(sc scanner) (clientele.InfoItem, error) {
	var it clientele.InfoItem
	var tags []byte
	err := sc.Scan(&it.ID, &it.CustomerID, &it.Segment, &it.AuthorID, &it.Author, &it.Department, &it.Kind, &it.Text, &tags, timeCol{&it.CreatedAt},
		&it.Ratings, &it.MeanRating, &it.Reads)
	if err != nil {
		return it, err
	}
	if err := json.Unmarshal(tags, &it.Tags); err != nil {
		return it, fmt.Errorf("item %d: tags: %w", it.ID, err)
	}
	return it, nil
}

// Items returns the items f selects, newest first.
func (db *DB) Items(ctx context.Context, f ItemFilter) ([]clientele.InfoItem, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q, arg := itemSelect+` WHERE i.customer_id = $1`, f.CustomerID
	if f.Segment != "" {
		q, arg = itemSelect+` WHERE i.segment = $1`, f.Segment
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY i.created_at DESC, i.id DESC LIMIT $2`, arg, f.Limit)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.InfoItem, error) { return scanItem(sc) })
	if err != nil {
		return nil, fmt.Errorf("information items: %w", err)
	}
	return out, nil
}

// Item returns information item id.
func (db *DB) Item(ctx context.Context, id int64) (*clientele.InfoItem, error) {
	it, err := scanItem(db.r.QueryRowContext(ctx, itemSelect+` WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no information item %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("information item %d: %w", id, err)
	}
	return &it, nil
}

// RecordItemReads records that a user of department retrieved items at
// at: the retrievals the information-sharing report counts.
func (w *Writer) RecordItemReads(ctx context.Context, userID int64, department string, at time.Time, items []int64) error {
	if userID == 0 || len(items) == 0 {
		return nil
	}
	for _, id := range items {
		if _, err := w.q.exec(ctx, `INSERT INTO info_reads (item_id, reader_id, department, at) VALUES ($1, $2, $3, $4)`, id, userID, department, w.db.ts(at)); err != nil {
			return fmt.Errorf("record retrievals: %w", err)
		}
	}
	return nil
}

// RateItem records user userID's rating of item id, 1 to 5; a second
// rating replaces the first.
func (w *Writer) RateItem(ctx context.Context, id, userID int64, rating int, at time.Time) error {
	if rating < 1 || rating > 5 {
		return &clientele.Error{Code: clientele.EINVALID, Message: "invalid rating", Details: []clientele.FieldError{{Field: "rating", Reason: "must be a whole number from 1 to 5"}}}
	}
	if userID == 0 {
		return clientele.Errorf(clientele.EINVALID, "a rating needs a user, not a service token")
	}
	var n int
	if err := query1(ctx, w.q, `SELECT count(*) FROM info_items WHERE id = $1`, []any{id}, &n); err != nil {
		return err
	}
	if n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "no information item %d", id)
	}
	_, err := w.q.exec(ctx, `INSERT INTO info_ratings (item_id, user_id, rating, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (item_id, user_id) DO UPDATE SET rating = excluded.rating, at = excluded.at`, id, userID, rating, w.db.ts(at))
	if err != nil {
		return fmt.Errorf("rate item %d: %w", id, err)
	}
	return nil
}

// SharingActivity is the raw material of the information-sharing report:
// every item stored, retrieval and rating in [from, to).
type SharingActivity struct {
	Items   []clientele.InfoItem
	Reads   []ItemRead
	Ratings []ItemRating
	Authors map[int64]string // user id → user name
}

// ItemRead is one retrieval of an item.
type ItemRead struct {
	ItemID     int64
	ReaderID   int64
	Department string
	At         time.Time
}

// ItemRating is one colleague's rating of an item.
type ItemRating struct {
	ItemID, UserID int64
	Rating         int
}

// Sharing returns the items stored, retrieved and rated in [from, to).
func (db *DB) Sharing(ctx context.Context, from, to time.Time) (*SharingActivity, error) {
	act := &SharingActivity{Authors: map[int64]string{}}
	rows, err := db.r.QueryContext(ctx, itemSelect+` WHERE i.created_at >= $1 AND i.created_at < $2 ORDER BY i.id`, db.ts(from), db.ts(to))
	if act.Items, err = collect(rows, err, func(sc *sql.Rows) (clientele.InfoItem, error) { return scanItem(sc) }); err != nil {
		return nil, fmt.Errorf("sharing: items: %w", err)
	}
	rows, err = db.r.QueryContext(ctx, `SELECT item_id, reader_id, department, at FROM info_reads WHERE at >= $1 AND at < $2 ORDER BY at`, db.ts(from), db.ts(to))
	act.Reads, err = collect(rows, err, func(sc *sql.Rows) (ItemRead, error) {
		var r ItemRead
		err := sc.Scan(&r.ItemID, &r.ReaderID, &r.Department, timeCol{&r.At})
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("sharing: retrievals: %w", err)
	}
	rows, err = db.r.QueryContext(ctx, `SELECT r.item_id, r.user_id, r.rating FROM info_ratings r JOIN info_items i ON i.id = r.item_id
		WHERE i.created_at >= $1 AND i.created_at < $2`, db.ts(from), db.ts(to))
	act.Ratings, err = collect(rows, err, func(sc *sql.Rows) (ItemRating, error) {
		var r ItemRating
		err := sc.Scan(&r.ItemID, &r.UserID, &r.Rating)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("sharing: ratings: %w", err)
	}
	users, err := db.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		act.Authors[u.ID] = u.Name
	}
	return act, nil
}
