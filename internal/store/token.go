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

// CreateToken creates a service token of role admin named name (what every
// token was before tokens had users): see CreateServiceToken.
func (db *DB) CreateToken(ctx context.Context, name string) (string, error) {
	return db.CreateServiceToken(ctx, name, "admin")
}

// CreateServiceToken creates an API token named name that belongs to no
// user and acts with role (an integrator's write key, say), and returns
// its secret, which is shown once: only its SHA-256 hash is stored (the
// secret is 256 random bits, so a fast hash is enough).
func (db *DB) CreateServiceToken(ctx context.Context, name, role string) (string, error) {
	if !slices.Contains(clientele.Roles, role) {
		return "", clientele.Errorf(clientele.EINVALID, "role %q: want one of %s", clientele.Excerpt(role), strings.Join(clientele.Roles, ", "))
	}
	return db.createToken(ctx, name, nil, role)
}

// CreateUserToken creates an API token named name for user userName: it
// acts with the user's role, whatever that becomes, and stops working when
// the user is disabled.
func (db *DB) CreateUserToken(ctx context.Context, name, userName string) (string, error) {
	u, err := db.UserByName(ctx, userName)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", clientele.Errorf(clientele.EINVALID, "user %q is disabled: enable it first", u.Name)
	}
	return db.createToken(ctx, name, u.ID, u.Role)
}

func (db *DB) createToken(ctx context.Context, name string, userID any, role string) (string, error) {
	name, err := clientele.ValidateTokenName(name)
	if err != nil {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	_, err = db.w.ExecContext(ctx, `INSERT INTO api_tokens (name, hash, created_at, user_id, role) VALUES ($1, $2, $3, $4, $5)`,
		name, hashToken(secret), db.ts(time.Now()), userID, role)
	if err != nil {
		return "", busyError(fmt.Errorf("create token: %w", err))
	}
	return secret, nil
}

// tokenSelect reads a token with its user: a user's token acts with the
// user's role.
const tokenSelect = `SELECT t.id, t.name, t.created_at, t.last_used_at, t.revoked_at, coalesce(t.user_id, 0), coalesce(u.name, ''),
	coalesce(u.role, t.role), u.disabled_at, coalesce(u.department, ''), coalesce(u.scopes, '[]') FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id`

// Authenticate returns the token whose secret is given, or an
// EUNAUTHORIZED error when there is none, it was revoked or its user is
// disabled.
func (db *DB) Authenticate(ctx context.Context, secret string) (*clientele.Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	// Read afresh on every request (a prepared statement, one index
	// look-up): a revoked token or a disabled user stops working at once.
	t, err := scanToken(db.queryRow(ctx, tokenSelect+` WHERE t.hash = $1`, hashToken(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid token")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if t.Revoked {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "token revoked")
	}
	if t.Disabled {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "the token's user %s is disabled", t.UserName)
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
	rows, err := db.r.QueryContext(ctx, tokenSelect+` ORDER BY t.id`)
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
	var revoked, disabled time.Time
	var scopes []byte
	err := sc.Scan(&t.ID, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.LastUsed}, timeCol{&revoked}, &t.UserID, &t.UserName, &t.Role, timeCol{&disabled}, &t.Department, &scopes)
	if err != nil {
		return t, err
	}
	t.Revoked, t.Disabled = !revoked.IsZero(), !disabled.IsZero()
	if err := json.Unmarshal(scopes, &t.Scopes); err != nil {
		return t, fmt.Errorf("token %d: scopes: %w", t.ID, err)
	}
	return t, nil
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
