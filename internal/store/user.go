package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"clientele"
)

// CreateUser creates u (valid, or it is refused) and returns it with its id;
// passwordHash, from clientele.HashPassword, may be "" for a user who signs
// in with API tokens only.
func (db *DB) CreateUser(ctx context.Context, u clientele.User, passwordHash string) (*clientele.User, error) {
	if err := u.Validate(); err != nil {
		return nil, err
	}
	u.CreatedAt = time.Now().UTC()
	scopes, err := json.Marshal(nonNil(u.Scopes))
	if err != nil {
		return nil, err
	}
	var hash any
	if passwordHash != "" {
		hash = passwordHash
	}
	err = db.w.QueryRowContext(ctx, `INSERT INTO users (name, display_name, department, role, scopes, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING RETURNING id`,
		u.Name, u.DisplayName, u.Department, u.Role, string(scopes), hash, db.ts(u.CreatedAt)).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ECONFLICT, "user %q exists already", u.Name)
	}
	if err != nil {
		return nil, busyError(fmt.Errorf("create user: %w", err))
	}
	u.HasPassword = passwordHash != ""
	return &u, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const userSelect = `SELECT id, name, display_name, department, role, scopes, password_hash IS NOT NULL, disabled_at, created_at, language FROM users`

func scanUser(sc scanner) (clientele.User, error) {
	var u clientele.User
	var scopes []byte
	var disabled time.Time
	if err := sc.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Department, &u.Role, &scopes, &u.HasPassword, timeCol{&disabled}, timeCol{&u.CreatedAt}, &u.Language); err != nil {
		return u, err
	}
	u.Disabled = !disabled.IsZero()
	if err := json.Unmarshal(scopes, &u.Scopes); err != nil {
		return u, fmt.Errorf("user %s: scopes: %w", u.Name, err)
	}
	return u, nil
}

// Users lists the users by name.
func (db *DB) Users(ctx context.Context) ([]clientele.User, error) {
	rows, err := db.r.QueryContext(ctx, userSelect+` ORDER BY name`)
	out, err := collect(rows, err, func(r *sql.Rows) (clientele.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserByName returns the user called name.
func (db *DB) UserByName(ctx context.Context, name string) (*clientele.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, userSelect+` WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no user %q (create one with `clientele users add`)", clientele.Excerpt(name))
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	return &u, nil
}

// updateUser runs an update of user name's row and reports a missing user.
func (db *DB) updateUser(ctx context.Context, name, set string, args ...any) error {
	r, err := db.w.ExecContext(ctx, `UPDATE users SET `+set+` WHERE name = $1`, append([]any{name}, args...)...)
	if err != nil {
		return busyError(fmt.Errorf("update user %s: %w", name, err))
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "no user %q", clientele.Excerpt(name))
	}
	return nil
}

// SetPassword replaces user name's password hash (from
// clientele.HashPassword).
func (db *DB) SetPassword(ctx context.Context, name, hash string) error {
	return db.updateUser(ctx, name, `password_hash = $2`, hash)
}

// SetDisabled disables user name, or enables it again. A disabled user's
// tokens and password stop authenticating.
func (db *DB) SetDisabled(ctx context.Context, name string, disabled bool) error {
	if disabled {
		return db.updateUser(ctx, name, `disabled_at = $2`, db.ts(time.Now()))
	}
	return db.updateUser(ctx, name, `disabled_at = NULL`)
}

// SetRole gives user name another role; its tokens act with it at once.
func (db *DB) SetRole(ctx context.Context, name, role string) error {
	u := clientele.User{Name: name, Role: role}
	if err := u.Validate(); err != nil {
		return err
	}
	return db.updateUser(ctx, name, `role = $2`, role)
}

// SetDepartment moves user name to another department: what it stores
// and retrieves from now on counts there.
func (db *DB) SetDepartment(ctx context.Context, name, department string) error {
	u := clientele.User{Name: name, Role: "admin", Department: department}
	if err := u.Validate(); err != nil {
		return err
	}
	return db.updateUser(ctx, name, `department = $2`, u.Department)
}

// SetLanguage sets the language user name reads the dashboard in: a
// language tag the pages are written in (the caller checks it), or "" for
// the browser's choice.
func (db *DB) SetLanguage(ctx context.Context, name, language string) error {
	if len(language) > 35 {
		return clientele.Errorf(clientele.EINVALID, "language %q: not a language tag", clientele.Excerpt(language))
	}
	return db.updateUser(ctx, name, `language = $2`, language)
}

// CheckUserPassword returns user name when pw is its password and it is
// enabled; otherwise an EUNAUTHORIZED error that does not say which of the
// name or the password was wrong. A missing user costs a hash as well, so
// that the time taken does not tell either.
func (db *DB) CheckUserPassword(ctx context.Context, name, pw string) (*clientele.User, error) {
	var hash sql.NullString
	u, err := scanUser(scannerWith{db.r.QueryRowContext(ctx, `SELECT id, name, display_name, department, role, scopes, password_hash IS NOT NULL, disabled_at, created_at, language, password_hash FROM users WHERE name = $1`, name), &hash})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		clientele.CheckPassword(dummyHash(), pw)
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "wrong user name or password")
	case err != nil:
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if !hash.Valid || !clientele.CheckPassword(hash.String, pw) || u.Disabled {
		return nil, clientele.Errorf(clientele.EUNAUTHORIZED, "wrong user name or password")
	}
	return &u, nil
}

// dummyHash is checked against for a user that does not exist; made on
// first use, since a hash takes a tenth of a second.
var dummyHash = sync.OnceValue(func() string {
	h, err := clientele.HashPassword("not a password of anyone")
	if err != nil {
		panic(err)
	}
	return h
})
