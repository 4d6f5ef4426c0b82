package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// OwnsCustomer reports whether customer id is a member of a segment that
// user userID owns: what a customer manager may see of one customer.
func (db *DB) OwnsCustomer(ctx context.Context, userID int64, id string) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	var one int
	err := db.queryRow(ctx, `SELECT 1 FROM segment_members m JOIN segments s ON s.id = m.segment_id
		WHERE m.customer_id = $1 AND s.owner_id = $2 LIMIT 1`, id, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("segments of customer %s: %w", id, err)
	}
	return true, nil
}

// Secret returns the server's secret named name, 256 random bits made the
// first time it is asked for and kept in settings, so that every server
// on the database, and every restart, uses the same.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, hex.EncodeToString(b)); err != nil {
		return nil, busyError(fmt.Errorf("secret %s: %w", name, err))
	}
	var v string
	if err := db.w.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}
