package clientele

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They say what kind of failure an error is, so that the web
// layer can map it to a status and the CLI to a message, without either
// knowing where the error came from.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized" // who is asking is not known
	EFORBIDDEN    = "forbidden"    // who is asking is known, and may not do this
	EMETHOD       = "method_not_allowed"
	EUNSUPPORTED  = "unsupported_media_type"
	EUNAVAILABLE  = "unavailable"       // busy for now: retry later
	ETOOMANY      = "too_many_requests" // too many attempts (failed sign-ins): retry later
	ESUPPRESSED   = "suppressed"        // a person erased on request: not stored again
	EINTERNAL     = "internal"
)

// Codes lists every error code, for the tables that map them.
var Codes = []string{EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN, EMETHOD, EUNSUPPORTED, EUNAVAILABLE, ETOOMANY, ESUPPRESSED, EINTERNAL}

// Error is a domain error: a code, a message for users, for invalid input
// the fields that failed, and the error that caused it, if any.
type Error struct {
	Code    string
	Message string
	Details []FieldError
	Err     error // the cause; its text is part of Message already
}

// FieldError names one field of one item that failed validation.
type FieldError struct {
	Item   string `json:"item,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) String() string {
	if e.Item != "" {
		return e.Item + ": " + e.Field + ": " + e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Details))
	for i, d := range e.Details {
		parts[i] = d.String()
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Unwrap returns the cause of e, so that errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a message formatted as
// fmt.Errorf formats it: a %w verb makes its operand the error's cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EINTERNAL for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of its
// *Error, or a generic text for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorDetails returns the field errors of err's *Error, if any.
func ErrorDetails(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

// invalid collects field errors while validating one item.
type invalid struct {
	item    string
	details []FieldError
}

func (v *invalid) add(field, format string, args ...any) {
	v.details = append(v.details, FieldError{Item: Excerpt(v.item), Field: field, Reason: fmt.Sprintf(format, ExcerptArgs(args)...)})
}

func (v *invalid) err(what string) error {
	if len(v.details) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "invalid " + what, Details: v.details}
}
