package clientele

import (
	"context"
	"time"
)

// Audit actions: what an audit entry records.
const (
	AuditRead   = "read"
	AuditWrite  = "write"
	AuditExport = "export"
	AuditErase  = "erase"
	AuditLogin  = "login"
)

// AuditEntry is one entry of the audit log: who read or changed which
// customer's information, when, through what, and why. It holds no
// personal data beyond the customer's id: not the identity looked up (the
// route's pattern is recorded, not its path), not the data read.
type AuditEntry struct {
	ID         int64
	At         time.Time
	UserID     int64  // 0: a service token or the command line
	UserName   string // the user, the service token's name, or "cli:USER"
	TokenID    int64
	Role       string
	Department string
	Action     string // AuditRead, AuditWrite, …
	CustomerID string // "" for a bulk read or write
	Subject    string // what a bulk read or write covered: a segment, a report, a batch
	Route      string // "GET /api/v1/customers/{id}", or "clientele customers show"
	Reason     string // given by the caller (a call id), or ""
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	CustomerID string
	UserName   string
	Since      time.Time // zero: from the start
	Before     int64     // entries with a smaller id only (paging); 0: no bound
	Limit      int
}

type auditKey struct{}

// WithAudit returns a copy of ctx that carries e: every database write
// made with it records e in the write's own transaction (package store),
// so that the change and its audit entry commit together or not at all.
func WithAudit(ctx context.Context, e *AuditEntry) context.Context {
	return context.WithValue(ctx, auditKey{}, e)
}

// AuditFromContext returns the audit entry ctx carries, or nil.
func AuditFromContext(ctx context.Context) *AuditEntry {
	e, _ := ctx.Value(auditKey{}).(*AuditEntry)
	return e
}

// AuditEntryJSON is the JSON form of an AuditEntry.
type AuditEntryJSON struct {
	ID         int64  `json:"id"`
	At         any    `json:"at"`
	UserID     int64  `json:"user_id,omitempty"`
	UserName   string `json:"user"`
	Role       string `json:"role"`
	Department string `json:"department,omitempty"`
	Action     string `json:"action"`
	CustomerID string `json:"customer_id,omitempty"`
	Subject    string `json:"subject,omitempty"`
	Route      string `json:"route"`
	Reason     string `json:"reason,omitempty"`
}

// JSON returns e's JSON form, its time in loc.
func (e *AuditEntry) JSON(loc *time.Location) AuditEntryJSON {
	return AuditEntryJSON{ID: e.ID, At: TimeJSON(e.At, loc), UserID: e.UserID, UserName: e.UserName, Role: e.Role, Department: e.Department,
		Action: e.Action, CustomerID: e.CustomerID, Subject: e.Subject, Route: e.Route, Reason: e.Reason}
}
