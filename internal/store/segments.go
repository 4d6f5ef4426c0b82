package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clientele"
)

// Roles of users.
var Roles = []string{"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"}

// User is a person who uses Clientele; here, the owner of segments.
type User struct {
	ID        int64
	Name      string
	Role      string
	CreatedAt time.Time
}

// CreateUser creates a user.
func (db *DB) CreateUser(ctx context.Context, name, role string) (*User, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return nil, clientele.Errorf(clientele.EINVALID, "user name must have 1 to 128 characters")
	}
	ok := false
	for _, r := range Roles {
		ok = ok || r == role
	}
	if !ok {
		return nil, clientele.Errorf(clientele.EINVALID, "role %q: want one of %s", role, strings.Join(Roles, ", "))
	}
	u := &User{Name: name, Role: role, CreatedAt: time.Now().UTC()}
	err := db.w.QueryRowContext(ctx, `INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING RETURNING id`, name, role, db.ts(u.CreatedAt)).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ECONFLICT, "user %q exists already", name)
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByName returns the user called name.
func (db *DB) UserByName(ctx context.Context, name string) (*User, error) {
	u := &User{}
	err := db.r.QueryRowContext(ctx, `SELECT id, name, role, created_at FROM users WHERE name = $1`, name).Scan(&u.ID, &u.Name, &u.Role, timeCol{&u.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no user %q (create one with `clientele users create`)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	return u, nil
}

// Segment is a named group of customers defined by an expression.
type Segment struct {
	ID         int64
	Name       string
	Definition string
	Owner      string // user name, or ""
	Level      string // customer_group or key_account
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ComputedAt time.Time // last membership computation; zero if never
	Members    int64
}

// Segment levels.
var Levels = []string{"customer_group", "key_account"}

// CreateSegment stores a segment (its definition already checked).
func (db *DB) CreateSegment(ctx context.Context, s Segment) (*Segment, error) {
	var owner any
	if s.Owner != "" {
		u, err := db.UserByName(ctx, s.Owner)
		if err != nil {
			return nil, err
		}
		owner = u.ID
	}
	if s.Level == "" {
		s.Level = Levels[0]
	}
	if s.Level != Levels[0] && s.Level != Levels[1] {
		return nil, clientele.Errorf(clientele.EINVALID, "level %q: want customer_group or key_account", s.Level)
	}
	now := time.Now().UTC()
	err := db.w.QueryRowContext(ctx, `INSERT INTO segments (name, definition, owner_id, level, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (name) DO NOTHING RETURNING id`, s.Name, s.Definition, owner, s.Level, db.ts(now)).Scan(&s.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ECONFLICT, "segment %q exists already", s.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create segment: %w", err)
	}
	s.CreatedAt, s.UpdatedAt = now, now
	return &s, nil
}

const segmentSelect = `SELECT s.id, s.name, s.definition, coalesce(u.name, ''), s.level, s.created_at, s.updated_at, s.computed_at,
	(SELECT count(*) FROM segment_members m WHERE m.segment_id = s.id)
	FROM segments s LEFT JOIN users u ON u.id = s.owner_id`

func scanSegment(sc interface{ Scan(...any) error }) (*Segment, error) {
	s := &Segment{}
	err := sc.Scan(&s.ID, &s.Name, &s.Definition, &s.Owner, &s.Level, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, timeCol{&s.ComputedAt}, &s.Members)
	return s, err
}

// Segments lists the segments by name.
func (db *DB) Segments(ctx context.Context) ([]Segment, error) {
	rows, err := db.r.QueryContext(ctx, segmentSelect+` ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	defer rows.Close()
	var out []Segment
	for rows.Next() {
		s, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// SegmentByName returns the segment called name.
func (db *DB) SegmentByName(ctx context.Context, name string) (*Segment, error) {
	s, err := scanSegment(db.r.QueryRowContext(ctx, segmentSelect+` WHERE s.name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no segment %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("segment %s: %w", name, err)
	}
	return s, nil
}

// DeleteSegment deletes a segment with its members and history.
func (db *DB) DeleteSegment(ctx context.Context, name string) error {
	r, err := db.w.ExecContext(ctx, `DELETE FROM segments WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete segment: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "no segment %q", name)
	}
	return nil
}

// SegmentMembers returns the ids of the segment's members, in id order, a
// page at a time after the cursor.
func (db *DB) SegmentMembers(ctx context.Context, segmentID int64, after string, limit int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id FROM segment_members WHERE segment_id = $1 AND customer_id > $2
		ORDER BY customer_id LIMIT $3`, segmentID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EachSegmentMember calls fn with every member of a segment, in customer id
// order (byte order on both backends), in one query.
func (db *DB) EachSegmentMember(ctx context.Context, segmentID int64, fn func(customerID string) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY customer_id`, segmentID)
	if err != nil {
		return fmt.Errorf("segment members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("segment members: %w", err)
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return rows.Err()
}

// MembershipChange is a customer joining or leaving a segment.
type MembershipChange struct {
	CustomerID string
	Joined     bool
}

// ApplyMembership records the changes of one computation of a segment's
// membership, with their history, in one transaction.
func (db *DB) ApplyMembership(ctx context.Context, segmentID int64, changes []MembershipChange, reason string, at time.Time) error {
	return db.Write(ctx, func(w *Writer) error {
		var joins, history [][]any
		var leaves []string
		for _, c := range changes {
			change := "left"
			if c.Joined {
				change = "joined"
				joins = append(joins, []any{segmentID, c.CustomerID, db.ts(at)})
			} else {
				leaves = append(leaves, c.CustomerID)
			}
			history = append(history, []any{segmentID, c.CustomerID, db.ts(at), change, reason})
		}
		if len(joins) > 0 {
			if _, _, err := w.q.insert(ctx, "segment_members", []string{"segment_id", "customer_id", "joined_at"}, joins,
				"ON CONFLICT (segment_id, customer_id) DO NOTHING", ""); err != nil {
				return fmt.Errorf("segment members: %w", err)
			}
		}
		if db.dialect == Postgres {
			// One statement a batch: a round trip per leave would dominate.
			for lo := 0; lo < len(leaves); lo += 10000 {
				batch := leaves[lo:min(lo+10000, len(leaves))]
				if _, err := w.q.exec(ctx, `DELETE FROM segment_members WHERE segment_id = $1 AND customer_id = ANY($2)`, segmentID, batch); err != nil {
					return fmt.Errorf("segment members: %w", err)
				}
			}
			leaves = nil
		}
		for _, id := range leaves {
			if _, err := w.q.exec(ctx, `DELETE FROM segment_members WHERE segment_id = $1 AND customer_id = $2`, segmentID, id); err != nil {
				return fmt.Errorf("segment members: %w", err)
			}
		}
		if len(history) > 0 {
			if _, _, err := w.q.insert(ctx, "segment_history", []string{"segment_id", "customer_id", "at", "change", "reason"}, history,
				"", ""); err != nil {
				return fmt.Errorf("segment history: %w", err)
			}
		}
		_, err := w.q.exec(ctx, `UPDATE segments SET computed_at = $1 WHERE id = $2`, db.ts(at), segmentID)
		return err
	})
}

// MembershipHistory returns a customer's segment joins and leaves, oldest
// first.
func (db *DB) MembershipHistory(ctx context.Context, customerID string) ([]HistoryEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.name, h.change, h.at, h.reason FROM segment_history h
		JOIN segments s ON s.id = h.segment_id WHERE h.customer_id = $1 ORDER BY h.at, s.name`, customerID)
	if err != nil {
		return nil, fmt.Errorf("segment history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		if err := rows.Scan(&e.Segment, &e.Change, timeCol{&e.At}, &e.Reason); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// HistoryEntry is one change of a customer's segment membership.
type HistoryEntry struct {
	Segment, Change, Reason string
	At                      time.Time
}

// CustomerSegments returns the names of the segments the customer is a
// member of.
func (db *DB) CustomerSegments(ctx context.Context, customerID string) ([]string, error) {
	// Sorted here, not by the query: a customer is in a few segments, and
	// ORDER BY would cost SQLite a temporary B-tree on every 360 view.
	rows, err := db.query(ctx, `SELECT s.name FROM segment_members m JOIN segments s ON s.id = m.segment_id
		WHERE m.customer_id = $1`, customerID)
	if err != nil {
		return nil, fmt.Errorf("segments of %s: %w", customerID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, rows.Err()
}
