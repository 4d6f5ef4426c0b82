package clientele

import (
	"slices"
	"time"
)

// Segment levels: a group of customers managed together, or one key
// account managed on its own.
const (
	LevelCustomerGroup = "customer_group"
	LevelKeyAccount    = "key_account"
)

// Levels lists the segment levels; the first is the default.
var Levels = []string{LevelCustomerGroup, LevelKeyAccount}

// Segment is a named group of customers defined by an expression, owned by
// a customer manager.
type Segment struct {
	ID         int64
	Name       string
	Definition string
	Owner      string // user name, or ""
	Level      string // LevelCustomerGroup or LevelKeyAccount
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ComputedAt time.Time // last membership computation; zero if never
	Members    int64
}

// ValidateLevel gives s the default level when it has none and reports
// whether its level is known. The definition is checked where it is
// compiled (internal/segment).
func (s *Segment) ValidateLevel() error {
	if s.Level == "" {
		s.Level = Levels[0]
	}
	if !slices.Contains(Levels, s.Level) {
		return Errorf(EINVALID, "level %q: want customer_group or key_account", s.Level)
	}
	return nil
}

// MembershipChange is a customer joining or leaving a segment.
type MembershipChange struct {
	CustomerID string
	Joined     bool
}

// MembershipEntry is one change of a customer's segment membership, as
// kept in its history.
type MembershipEntry struct {
	Segment, Change, Reason string
	// Fact is the fact that changed the membership as it was stored
	// ("transaction:ID"), "" for a change made by a full computation.
	Fact string
	At   time.Time
}
