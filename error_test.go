package clientele_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
)

func TestErrorWrapsItsCause(t *testing.T) {
	cause := fmt.Errorf("open x: %w", fs.ErrNotExist)
	err := fmt.Errorf("import: %w", clientele.Errorf(clientele.EINVALID, "customers.csv: %w", cause))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false, want true", err)
	}
	if got, want := clientele.ErrorCode(err), clientele.EINVALID; got != want {
		t.Errorf("ErrorCode = %q, want %q", got, want)
	}
	if got, want := clientele.ErrorMessage(err), "customers.csv: open x: file does not exist"; got != want {
		t.Errorf("ErrorMessage = %q, want %q", got, want)
	}
	var e *clientele.Error
	if !errors.As(err, &e) || e.Unwrap() != cause {
		t.Errorf("Unwrap of %v = %v, want %v", e, e.Unwrap(), cause)
	}
	// Without %w there is no cause, and %v of an error flattens it as fmt does.
	if flat := clientele.Errorf(clientele.ECONFLICT, "x %v", cause); flat.Unwrap() != nil || errors.Is(flat, fs.ErrNotExist) {
		t.Errorf("Errorf with %%v wraps %v", flat.Unwrap())
	}
}

func TestErrorCodes(t *testing.T) {
	for _, tc := range []struct {
		err      error
		code     string
		message  string
		internal bool
	}{
		{nil, "", "", false},
		{errors.New("disk on fire"), clientele.EINTERNAL, "internal error", true},
		{clientele.Errorf(clientele.EINTERNAL, "secret %d", 1), clientele.EINTERNAL, "internal error", true},
		{clientele.Errorf(clientele.EINVALID, "bad %s", "x"), clientele.EINVALID, "bad x", false},
		{clientele.Errorf(clientele.ENOTFOUND, "gone"), clientele.ENOTFOUND, "gone", false},
		{clientele.Errorf(clientele.ECONFLICT, "taken"), clientele.ECONFLICT, "taken", false},
		{clientele.Errorf(clientele.EUNAUTHORIZED, "who?"), clientele.EUNAUTHORIZED, "who?", false},
		{clientele.Errorf(clientele.EFORBIDDEN, "not you"), clientele.EFORBIDDEN, "not you", false},
	} {
		if got := clientele.ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := clientele.ErrorMessage(tc.err); got != tc.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", tc.err, got, tc.message)
		}
	}
	details := []clientele.FieldError{{Item: "customer C1", Field: "email", Reason: "not an address"}}
	err := &clientele.Error{Code: clientele.EINVALID, Message: "invalid customer", Details: details}
	if diff := cmp.Diff(details, clientele.ErrorDetails(fmt.Errorf("put: %w", err))); diff != "" {
		t.Errorf("ErrorDetails (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "invalid customer: customer C1: email: not an address"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
