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
	EUNAUTHORIZED = "unauthorized"
	EINTERNAL     = "internal"
)

// Error is a domain error: a code, a message for users, and, for invalid
// input, the fields that failed.
type Error struct {
	Code    string
	Message string
	Details []FieldError
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

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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
	v.details = append(v.details, FieldError{Item: v.item, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (v *invalid) err(what string) error {
	if len(v.details) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "invalid " + what, Details: v.details}
}
