package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"clientele"
)

// sessionPrefix marks session secrets, as tokenPrefix marks tokens.
const sessionPrefix = "cls_"

// Session is a signed-in user's browser session.
type Session struct {
	Secret    string // the cookie's value; only its hash is stored
	CSRF      string // what state-changing requests must send back
	User      clientele.User
	ExpiresAt time.Time // set by CreateSession
}

func randomSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateSession signs user u in for ttl and returns the session.
func (db *DB) CreateSession(ctx context.Context, u *clientele.User, ttl time.Duration) (*Session, error) {
	secret, err := randomSecret(sessionPrefix)
	if err != nil {
		return nil, err
	}
	csrf, err := randomSecret("")
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s := &Session{Secret: secret, CSRF: csrf, User: *u, ExpiresAt: now.Add(ttl).UTC()}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hashToken(secret), u.ID, csrf, db.ts(now), db.ts(s.ExpiresAt)); err != nil {
		return nil, busyError(fmt.Errorf("create session: %w", err))
	}
	return s, nil
}

// SessionBySecret returns the session whose cookie is secret, read afresh
// each time, so that signing out, expiry and a disabled user take effect
// at once; EUNAUTHORIZED when there is none.
func (db *DB) SessionBySecret(ctx context.Context, secret string) (*Session, error) {
	if len(secret) != len(sessionPrefix)+43 || secret[:len(sessionPrefix)] != sessionPrefix {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "invalid session: sign in again")
	}
	s := &Session{Secret: secret}
	u, err := scanUser(scannerWith{db.r.QueryRowContext(ctx, `SELECT u.id, u.name, u.display_name, u.department, u.role, u.scopes, u.password_hash IS NOT NULL, u.disabled_at, u.created_at, u.language, s.csrf
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1 AND s.expires_at > $2`, hashToken(secret), db.ts(time.Now())), &s.CSRF})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "session expired or signed out: sign in again")
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if u.Disabled {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "user %s is disabled", u.Name)
	}
	s.User = u
	return s, nil
}

// DeleteSession signs the session out.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hashToken(secret)); err != nil {
		return busyError(fmt.Errorf("sign out: %w", err))
	}
	return nil
}
