// Package delivery delivers the outbox's messages over webhooks, one per
// channel, signed as the Standard Webhooks specification has it
// (webhook-id, webhook-timestamp and webhook-signature headers; the
// signature is v1,base64(HMAC-SHA256(secret, id + "." + timestamp + "." +
// body))): a receiver checks the signature and the timestamp, and drops a
// webhook-id it has seen, so that neither a forgery nor a replay gets in.
//
// A message goes again, with the same id, until its receiver answers 2xx:
// after 1 s, 2 s, 4 s … up to an hour between tries, and after
// MaxAttempts it is dead (listed, and retried by hand). Every attempt is
// logged. One decision makes one message per channel, never a second.
package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"clientele"
	"clientele/internal/store"
)

// SecretPrefix begins every webhook secret.
const SecretPrefix = "whsec_"

// NewSecret returns a new random webhook secret.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) < 16 {
		return nil, clientele.Errorf(clientele.EINVALID, "a webhook secret is %s and the base64 of at least 16 bytes", SecretPrefix)
	}
	return k, nil
}

// CheckSecret reports whether secret can sign.
func CheckSecret(secret string) error {
	_, err := secretKey(secret)
	return err
}

// Sign returns the webhook-signature of body sent as message id at ts.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	fmt.Fprintf(m, "%s.%d.", id, ts.Unix())
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// Tolerance is how far a webhook's timestamp may be from the receiver's
// clock.
const Tolerance = 5 * time.Minute

// Verify checks a received webhook's headers against body, as a
// receiver must: a signature of the secret's, over the id, the timestamp
// and the body, and a timestamp within Tolerance of now. It returns the
// webhook-id, which the receiver keeps to drop a second delivery.
func Verify(secret string, h http.Header, body []byte, now time.Time) (string, error) {
	id, tsText, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || tsText == "" || sigs == "" {
		return "", errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	}
	sec, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", errors.New("webhook: bad webhook-timestamp")
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > Tolerance || d < -Tolerance {
		return "", errors.New("webhook: timestamp too far from now (a replay?)")
	}
	want, err := Sign(secret, id, ts, body)
	if err != nil {
		return "", err
	}
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return id, nil
		}
	}
	return "", errors.New("webhook: no valid signature")
}

// Worker delivers the outbox. Run it in one goroutine per server; several
// servers on one PostgreSQL share the work.
type Worker struct {
	DB     *store.DB
	Client *http.Client // default: a 10 s timeout
	Logger *slog.Logger
	// MaxAttempts is the number of tries before a message is dead
	// (default 12: about two hours of backoff).
	MaxAttempts int
	// Poll is how often the worker looks for due messages when not woken
	// (default 1 s).
	Poll time.Duration
	// Parallel bounds the messages in flight (default 8).
	Parallel int
	// Backoff is the wait after failed attempt n (default 1 s × 2^(n−1),
	// at most an hour, ±10 %).
	Backoff func(n int) time.Duration

	once sync.Once
	wake chan struct{}
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Client == nil {
			w.Client = &http.Client{Timeout: 10 * time.Second}
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		if w.MaxAttempts == 0 {
			w.MaxAttempts = 12
		}
		if w.Poll == 0 {
			w.Poll = time.Second
		}
		if w.Parallel == 0 {
			w.Parallel = 8
		}
		if w.Backoff == nil {
			w.Backoff = Backoff
		}
	})
}

// Backoff is the default wait after failed attempt n.
func Backoff(n int) time.Duration {
	d := time.Second << min(n-1, 12)
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.9 + 0.2*mrand.Float64()))
}

// Wake makes the worker look for due messages now.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		n, err := w.Once(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox", "err", err)
		}
		if n > 0 {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-t.C:
		}
	}
}

// Once delivers the messages due now, and returns how many it tried.
func (w *Worker) Once(ctx context.Context) (int, error) {
	w.init()
	lease := w.Client.Timeout*2 + 30*time.Second
	msgs, err := w.DB.Claim(ctx, 4*w.Parallel, lease)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	hooks, err := w.DB.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, m := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.deliver(ctx, m, hooks); err != nil {
				mu.Lock()
				first = cmpOr(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(msgs), first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// deliver tries m once and settles it.
func (w *Worker) deliver(ctx context.Context, m store.Message, hooks map[string]store.Webhook) error {
	start := time.Now()
	a := store.Attempt{MessageID: m.ID, Attempt: m.Attempts, At: start.UTC()}
	ok := false
	if h, found := hooks[m.Channel]; !found {
		a.Error = "no webhook for channel " + m.Channel
	} else {
		a.StatusCode, a.Error = w.post(ctx, h, m)
		ok = a.Error == "" && a.StatusCode >= 200 && a.StatusCode < 300
	}
	a.Duration = time.Since(start)
	if ctx.Err() != nil {
		return nil // shutting down: the lease runs out and the message goes again
	}
	// A message retried by hand (store.DB.Retry) has MaxAttempts more.
	dead := !ok && m.Attempts%w.MaxAttempts == 0
	next := time.Now().Add(w.Backoff(m.Attempts))
	if !ok {
		w.Logger.Warn("webhook", "message", m.ID, "channel", m.Channel, "attempt", m.Attempts, "status", a.StatusCode, "err", a.Error, "dead", dead)
	}
	return w.DB.Attempted(context.WithoutCancel(ctx), a, ok, next, dead)
}

// post sends m to h and returns the status and, when it failed, why.
func (w *Worker) post(ctx context.Context, h store.Webhook, m store.Message) (int, string) {
	now := time.Now()
	sig, err := Sign(h.Secret, m.Key, now, m.Payload)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "clientele-webhooks/1")
	req.Header.Set("webhook-id", m.Key)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	req.Header.Set("Idempotency-Key", m.Key)
	resp, err := w.Client.Do(req)
	if err != nil {
		// The URL may carry a token in its query: say what failed, not where.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return 0, err.Error()
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return resp.StatusCode, "the receiver answered " + resp.Status
	}
	return resp.StatusCode, ""
}
