package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"clientele"
)

// CreateSegment stores a segment (its definition already checked).
func (db *DB) CreateSegment(ctx context.Context, s clientele.Segment) (*clientele.Segment, error) {
	var owner any
	if s.Owner != "" {
		u, err := db.UserByName(ctx, s.Owner)
		if err != nil {
			return nil, err
		}
		owner = u.ID
	}
	if err := s.ValidateLevel(); err != nil {
		return nil, err
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

func scanSegment(sc interface{ Scan(...any) error }) (*clientele.Segment, error) {
	s := &clientele.Segment{}
	err := sc.Scan(&s.ID, &s.Name, &s.Definition, &s.Owner, &s.Level, timeCol{&s.CreatedAt}, timeCol{&s.UpdatedAt}, timeCol{&s.ComputedAt}, &s.Members)
	return s, err
}

// Segments lists the segments by name.
func (db *DB) Segments(ctx context.Context) ([]clientele.Segment, error) {
	rows, err := db.r.QueryContext(ctx, segmentSelect+` ORDER BY s.name`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Segment, error) {
		s, err := scanSegment(sc)
		return *s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	return out, nil
}

// SegmentByName returns the segment called name.
func (db *DB) SegmentByName(ctx context.Context, name string) (*clientele.Segment, error) {
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
	out, err := collect(rows, err, scanString)
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	return out, nil
}

// EachSegmentMember calls fn with every member of a segment, in customer id
// order (byte order on both backends), in one query.
func (db *DB) EachSegmentMember(ctx context.Context, segmentID int64, fn func(customerID string) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id FROM segment_members WHERE segment_id = $1 ORDER BY customer_id`, segmentID)
	if err != nil {
		return fmt.Errorf("segment members: %w", err)
	}
	var id string
	return each(rows, nil, func(sc *sql.Rows) error {
		if err := sc.Scan(&id); err != nil {
			return fmt.Errorf("segment members: %w", err)
		}
		return fn(id)
	})
}

// ApplyMembership records the changes of one computation of a segment's
// membership, with their history, in one transaction.
func (db *DB) ApplyMembership(ctx context.Context, segmentID int64, changes []clientele.MembershipChange, reason string, at time.Time) error {
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
func (db *DB) MembershipHistory(ctx context.Context, customerID string) ([]clientele.MembershipEntry, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.name, h.change, h.at, h.reason, h.fact FROM segment_history h
		JOIN segments s ON s.id = h.segment_id WHERE h.customer_id = $1 ORDER BY h.at, s.name`, customerID)
	out, err := collect(rows, err, func(sc *sql.Rows) (e clientele.MembershipEntry, err error) {
		err = sc.Scan(&e.Segment, &e.Change, timeCol{&e.At}, &e.Reason, &e.Fact)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("segment history: %w", err)
	}
	return out, nil
}

// CustomerSegments returns the names of the segments the customer is a
// member of.
func (db *DB) CustomerSegments(ctx context.Context, customerID string) ([]string, error) {
	// Sorted here, not by the query: a customer is in a few segments, and
	// ORDER BY would cost SQLite a temporary B-tree on every 360 view.
	rows, err := db.query(ctx, `SELECT s.name FROM segment_members m JOIN segments s ON s.id = m.segment_id
		WHERE m.customer_id = $1`, customerID)
	out, err := collect(rows, err, scanString)
	if err != nil {
		return nil, fmt.Errorf("segments of %s: %w", customerID, err)
	}
	slices.Sort(out)
	return out, nil
}
