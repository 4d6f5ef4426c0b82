package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"clientele"
)

// The outbox: a message per decision and channel, written in the
// decision's transaction, and delivered by a worker (package delivery)
// that claims due messages with a lease — on PostgreSQL with FOR UPDATE
// SKIP LOCKED, so that several servers share the work — and logs every
// attempt. A message is pending until a receiver answers 2xx (delivered)
// or its attempts run out (dead).

// Message states.
const (
	MessagePending   = "pending"
	MessageDelivered = "delivered"
	MessageDead      = "dead"
)

// Message is one message of the outbox.
type Message struct {
	ID          int64     `json:"id"`
	DecisionID  int64     `json:"decision_id"`
	CustomerID  string    `json:"customer_id"`
	Channel     string    `json:"channel"`
	Key         string    `json:"idempotency_key"`
	Payload     []byte    `json:"-"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	NextAt      time.Time `json:"next_at"`
	LastError   string    `json:"last_error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// Enqueue writes m to the outbox in w's transaction; it is due at once.
// A second message for the same decision and channel is refused by the
// database.
func (w *Writer) Enqueue(ctx context.Context, m Message) error {
	_, err := w.q.exec(ctx, `INSERT INTO outbox (decision_id, customer_id, channel, idempotency_key, payload, status, next_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, m.DecisionID, m.CustomerID, m.Channel, m.Key, string(m.Payload), MessagePending, w.db.ts(w.now))
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// Claim takes up to n due messages for lease: until it ends no other
// worker takes them. Each claim counts as an attempt.
func (db *DB) Claim(ctx context.Context, n int, lease time.Duration) ([]Message, error) {
	now := time.Now().UTC()
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []Message
	err := db.Write(ctx, func(w *Writer) error {
		rows, err := w.q.query(ctx, `UPDATE outbox SET lease_until = $1, attempts = attempts + 1 WHERE id IN (
			SELECT id FROM outbox WHERE status = 'pending' AND next_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
			ORDER BY next_at, id LIMIT $3`+lock+`)
			RETURNING id, decision_id, customer_id, channel, idempotency_key, payload, attempts, created_at`,
			db.ts(now.Add(lease)), db.ts(now), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := Message{Status: MessagePending}
			var payload string
			if err := rows.Scan(&m.ID, &m.DecisionID, &m.CustomerID, &m.Channel, &m.Key, &payload, &m.Attempts, timeCol{&m.CreatedAt}); err != nil {
				return err
			}
			m.Payload = []byte(payload)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: claim: %w", err)
	}
	return out, nil
}

// Attempt is one try at delivering a message.
type Attempt struct {
	MessageID  int64         `json:"message_id"`
	Attempt    int           `json:"attempt"`
	At         time.Time     `json:"at"`
	StatusCode int           `json:"status_code"` // 0 when no answer came
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
}

// Attempted logs a and settles the message: delivered when ok, else due
// again at next, or dead when dead is set.
func (db *DB) Attempted(ctx context.Context, a Attempt, ok bool, next time.Time, dead bool) error {
	msg := clientele.Excerpt(a.Error)
	return db.Write(ctx, func(w *Writer) error {
		if _, err := w.q.exec(ctx, `INSERT INTO deliveries (outbox_id, attempt, at, status_code, error, duration_us) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (outbox_id, attempt) DO NOTHING`,
			a.MessageID, a.Attempt, db.ts(a.At), a.StatusCode, msg, a.Duration.Microseconds()); err != nil {
			return fmt.Errorf("delivery log: %w", err)
		}
		var err error
		switch {
		case ok:
			_, err = w.q.exec(ctx, `UPDATE outbox SET status = $1, delivered_at = $2, lease_until = NULL, last_error = '' WHERE id = $3`, MessageDelivered, db.ts(a.At), a.MessageID)
		case dead:
			_, err = w.q.exec(ctx, `UPDATE outbox SET status = $1, lease_until = NULL, last_error = $2 WHERE id = $3`, MessageDead, msg, a.MessageID)
		default:
			_, err = w.q.exec(ctx, `UPDATE outbox SET next_at = $1, lease_until = NULL, last_error = $2 WHERE id = $3`, db.ts(next), msg, a.MessageID)
		}
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	})
}

// Retry makes dead message id pending again, due now.
func (db *DB) Retry(ctx context.Context, id int64) error {
	return db.Write(ctx, func(w *Writer) error {
		n, err := w.q.exec(ctx, `UPDATE outbox SET status = 'pending', next_at = $1, lease_until = NULL WHERE id = $2 AND status = 'dead'`, db.ts(time.Now()), id)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no dead message %d", id)
		}
		return nil
	})
}

const messageSelect = `SELECT id, decision_id, customer_id, channel, idempotency_key, payload, status, attempts, next_at, last_error, created_at, delivered_at FROM outbox`

func scanMessage(sc scanner) (Message, error) {
	var m Message
	var payload string
	err := sc.Scan(&m.ID, &m.DecisionID, &m.CustomerID, &m.Channel, &m.Key, &payload, &m.Status, &m.Attempts, timeCol{&m.NextAt}, &m.LastError, timeCol{&m.CreatedAt}, timeCol{&m.DeliveredAt})
	m.Payload = []byte(payload)
	return m, err
}

// Messages returns the outbox's messages in status (every status when
// empty), newest first, at most limit.
func (db *DB) Messages(ctx context.Context, status string, limit int) ([]Message, error) {
	q, args := messageSelect+` ORDER BY id DESC LIMIT $1`, []any{limit}
	if status != "" {
		q, args = messageSelect+` WHERE status = $1 ORDER BY id DESC LIMIT $2`, []any{status, limit}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, func(sc *sql.Rows) (Message, error) { return scanMessage(sc) })
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// MessageOf returns the message of decision id on channel.
func (db *DB) MessageOf(ctx context.Context, decision int64) ([]Message, error) {
	rows, err := db.r.QueryContext(ctx, messageSelect+` WHERE decision_id = $1 ORDER BY id`, decision)
	out, err := collect(rows, err, func(sc *sql.Rows) (Message, error) { return scanMessage(sc) })
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	return out, nil
}

// Attempts returns the delivery log of message id.
func (db *DB) Attempts(ctx context.Context, id int64) ([]Attempt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT outbox_id, attempt, at, status_code, error, duration_us FROM deliveries WHERE outbox_id = $1 ORDER BY attempt`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (Attempt, error) {
		var a Attempt
		var us int64
		err := sc.Scan(&a.MessageID, &a.Attempt, timeCol{&a.At}, &a.StatusCode, &a.Error, &us)
		a.Duration = time.Duration(us) * time.Microsecond
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("delivery log: %w", err)
	}
	return out, nil
}

// ---- webhooks ----

// Webhook is where a channel's messages go, and the secret they are
// signed with.
type Webhook struct {
	Channel   string    `json:"channel"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PutWebhook sets the webhook of h.Channel.
func (db *DB) PutWebhook(ctx context.Context, h Webhook) error {
	now := db.ts(time.Now())
	return db.Write(ctx, func(w *Writer) error {
		_, err := w.q.exec(ctx, `INSERT INTO webhooks (channel, url, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (channel) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at`, h.Channel, h.URL, h.Secret, now)
		if err != nil {
			return fmt.Errorf("webhook %s: %w", h.Channel, err)
		}
		return nil
	})
}

// DeleteWebhook removes the webhook of channel.
func (db *DB) DeleteWebhook(ctx context.Context, channel string) error {
	return db.Write(ctx, func(w *Writer) error {
		n, err := w.q.exec(ctx, `DELETE FROM webhooks WHERE channel = $1`, channel)
		if err != nil {
			return fmt.Errorf("webhook %s: %w", channel, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no webhook for channel %q", channel)
		}
		return nil
	})
}

// Webhooks returns the webhooks, by channel.
func (db *DB) Webhooks(ctx context.Context) (map[string]Webhook, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT channel, url, secret, updated_at FROM webhooks`)
	out := map[string]Webhook{}
	err = each(rows, err, func(sc *sql.Rows) error {
		var h Webhook
		if err := sc.Scan(&h.Channel, &h.URL, &h.Secret, timeCol{&h.UpdatedAt}); err != nil {
			return err
		}
		out[h.Channel] = h
		return nil
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return out, nil
}
