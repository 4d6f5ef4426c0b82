package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clientele"
)

// CreateUser creates a user.
func (db *DB) CreateUser(ctx context.Context, name, role string) (*clientele.User, error) {
	u := &clientele.User{Name: name, Role: role, CreatedAt: time.Now().UTC()}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	err := db.w.QueryRowContext(ctx, `INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING RETURNING id`, u.Name, u.Role, db.ts(u.CreatedAt)).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ECONFLICT, "user %q exists already", u.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Users lists the users by name.
func (db *DB) Users(ctx context.Context) ([]clientele.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, role, created_at FROM users ORDER BY name`)
	out, err := collect(rows, err, func(r *sql.Rows) (clientele.User, error) {
		var u clientele.User
		err := r.Scan(&u.ID, &u.Name, &u.Role, timeCol{&u.CreatedAt})
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UserByName returns the user called name.
func (db *DB) UserByName(ctx context.Context, name string) (*clientele.User, error) {
	u := &clientele.User{}
	err := db.r.QueryRowContext(ctx, `SELECT id, name, role, created_at FROM users WHERE name = $1`, name).Scan(&u.ID, &u.Name, &u.Role, timeCol{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no user %q (create one with `clientele users create`)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}
