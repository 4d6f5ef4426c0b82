package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"clientele"
)

// RunEquity is the customer equity of one scoring run.
type RunEquity struct {
	RunID     int64
	Model     string
	CreatedAt time.Time
	AsOf      string // the calibration end: the scores are as of it
	Currency  string
	Customers int64
	Equity    int64 // Σ CLV, minor units
	MeanAlive float64
}

// EquityByRun returns Σ CLV for every model run that scored customers, in
// run order: customer equity over time is these by their as-of date.
func (db *DB) EquityByRun(ctx context.Context) ([]RunEquity, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT r.id, r.model, r.created_at, r.calibration_end, r.currency, count(*), `+db.sumMinor("s.clv", "")+`, CAST(avg(s.p_alive) AS DOUBLE PRECISION)
		FROM scores s JOIN model_runs r ON r.id = s.run_id
		GROUP BY r.id, r.model, r.created_at, r.calibration_end, r.currency ORDER BY r.id`)
	out, err := collect(rows, err, func(sc *sql.Rows) (RunEquity, error) {
		var e RunEquity
		err := sc.Scan(&e.RunID, &e.Model, timeCol{&e.CreatedAt}, dateCol{&e.AsOf}, &e.Currency, &e.Customers, minorCol{&e.Equity}, &e.MeanAlive)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("equity by run: %w", err)
	}
	return out, nil
}

// LatestScoredRun returns the id of the latest model run that has scores,
// 0 when none has.
func (db *DB) LatestScoredRun(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := db.r.QueryRowContext(ctx, `SELECT max(run_id) FROM scores`).Scan(&id); err != nil {
		return 0, fmt.Errorf("latest scored run: %w", err)
	}
	return id.Int64, nil
}

// RunCLVs returns the CLV (minor units) of every customer scored by run id.
func (db *DB) RunCLVs(ctx context.Context, runID int64) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT clv FROM scores WHERE run_id = $1`, runID)
	out, err := collect(rows, err, func(sc *sql.Rows) (int64, error) {
		var v int64
		err := sc.Scan(&v)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("CLVs of run %d: %w", runID, err)
	}
	return out, nil
}

// SegmentValue is one row of the segment report.
type SegmentValue struct {
	Segment    string
	Owner      string
	Level      string
	Members    int64
	Scored     int64
	Value      int64 // segment lifetime value: Σ CLV of the members, minor units
	MeanCLV    float64
	MeanAlive  float64
	Definition string
}

// SegmentValues returns, for every segment, its members and their value
// under run runID.
func (db *DB) SegmentValues(ctx context.Context, runID int64) ([]SegmentValue, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.name, coalesce(u.name, ''), s.level, s.definition,
			count(m.customer_id), count(sc.customer_id), `+db.sumMinor("sc.clv", "")+`,
			CAST(coalesce(avg(sc.clv), 0) AS DOUBLE PRECISION), CAST(coalesce(avg(sc.p_alive), 0) AS DOUBLE PRECISION)
		FROM segments s
		LEFT JOIN users u ON u.id = s.owner_id
		LEFT JOIN segment_members m ON m.segment_id = s.id
		LEFT JOIN scores sc ON sc.customer_id = m.customer_id AND sc.run_id = $1
		GROUP BY s.id, s.name, u.name, s.level, s.definition
		ORDER BY `+db.sumMinor("sc.clv", "")+` DESC, s.name`, runID)
	out, err := collect(rows, err, func(sc *sql.Rows) (SegmentValue, error) {
		var v SegmentValue
		err := sc.Scan(&v.Segment, &v.Owner, &v.Level, &v.Definition, &v.Members, &v.Scored, minorCol{&v.Value}, &v.MeanCLV, &v.MeanAlive)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("segment values: %w", err)
	}
	return out, nil
}

// SegmentCoverage returns how many memberships the segments hold and how
// many distinct customers hold them: more memberships than customers means
// the segments overlap.
func (db *DB) SegmentCoverage(ctx context.Context) (memberships, customers int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT customer_id) FROM segment_members`).Scan(&memberships, &customers)
	if err != nil {
		err = fmt.Errorf("segment coverage: %w", err)
	}
	return memberships, customers, err
}

// RunEquity returns Σ CLV (minor units) over the customers scored by run id.
func (db *DB) RunEquity(ctx context.Context, runID int64) (int64, error) {
	var ce int64
	err := db.r.QueryRowContext(ctx, `SELECT `+db.sumMinor("clv", "")+` FROM scores WHERE run_id = $1`, runID).Scan(minorCol{&ce})
	if err != nil {
		return 0, fmt.Errorf("customer equity of run %d: %w", runID, err)
	}
	return ce, nil
}

// MemberScore is a segment member's score in a run.
type MemberScore struct {
	CustomerID string
	CLV        int64 // minor units of the run's currency
	ProbAlive  float64
}

// SegmentScores returns the scores in run runID of segment segmentID's
// members that the run scored, highest CLV first.
func (db *DB) SegmentScores(ctx context.Context, segmentID, runID int64) ([]MemberScore, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.customer_id, sc.clv, sc.p_alive FROM segment_members m
		JOIN scores sc ON sc.customer_id = m.customer_id AND sc.run_id = $2
		WHERE m.segment_id = $1 ORDER BY sc.clv DESC, m.customer_id`, segmentID, runID)
	out, err := collect(rows, err, func(r *sql.Rows) (MemberScore, error) {
		var m MemberScore
		err := r.Scan(&m.CustomerID, &m.CLV, &m.ProbAlive)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("segment scores: %w", err)
	}
	return out, nil
}

// SegmentSpend is what a segment's members spent on a brand's products,
// in one currency.
type SegmentSpend struct {
	Brand    string // "" for products without a brand
	Currency clientele.Currency
	Amount   int64 // minor units
}

// SegmentBrandSpend returns what segment segmentID's members spent on each
// brand (the lines of their transactions, by the products' brands), the
// most first.
func (db *DB) SegmentBrandSpend(ctx context.Context, segmentID int64) ([]SegmentSpend, error) {
	sum := db.sumMinor("l.quantity * l.unit_price", "")
	rows, err := db.r.QueryContext(ctx, `SELECT coalesce(p.brand, ''), t.currency, `+sum+` FROM segment_members m
		JOIN transaction_lines l ON l.customer_id = m.customer_id
		JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
		LEFT JOIN products p ON p.sku = l.sku
		WHERE m.segment_id = $1
		GROUP BY coalesce(p.brand, ''), t.currency ORDER BY 3 DESC, 1`, segmentID)
	out, err := collect(rows, err, func(r *sql.Rows) (SegmentSpend, error) {
		var b SegmentSpend
		err := r.Scan(&b.Brand, &b.Currency, minorCol{&b.Amount})
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("segment brand spend: %w", err)
	}
	return out, nil
}
