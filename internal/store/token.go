package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"clientele"
)

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
	name, err := clientele.ValidateTokenName(name)
	if err != nil {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	_, err = db.w.ExecContext(ctx, `INSERT INTO api_tokens (name, hash, created_at) VALUES ($1, $2, $3)`, name, hashToken(secret), db.ts(time.Now()))
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// Authenticate returns the token whose secret is given, or an
// EUNAUTHORIZED error when there is none or it was revoked.
func (db *DB) Authenticate(ctx context.Context, secret string) (*clientele.Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE hash = $1`, hashToken(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if t.Revoked {
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
func (db *DB) Tokens(ctx context.Context) ([]clientele.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Token, error) {
		return scanToken(sc)
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

func scanToken(sc scanner) (clientele.Token, error) {
	var t clientele.Token
	var revoked time.Time
	err := sc.Scan(&t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.LastUsed}, timeCol{&revoked})
	t.Revoked = !revoked.IsZero()
	return t, err
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
