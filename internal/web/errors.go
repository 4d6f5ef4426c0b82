package web

import (
	"context"
	"errors"
	"net/http"

	"clientele"
)

// statusOf maps error codes to HTTP statuses: the one table of it.
var statusOf = map[string]int{
	clientele.EINVALID:      http.StatusBadRequest,
	clientele.ENOTFOUND:     http.StatusNotFound,
	clientele.ECONFLICT:     http.StatusConflict,
	clientele.EUNAUTHORIZED: http.StatusUnauthorized,
	clientele.EFORBIDDEN:    http.StatusForbidden,
	clientele.EMETHOD:       http.StatusMethodNotAllowed,
	clientele.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	clientele.EUNAVAILABLE:  http.StatusServiceUnavailable,
	clientele.ETOOMANY:      http.StatusTooManyRequests,
	clientele.ESUPPRESSED:   http.StatusConflict,
	clientele.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status of an error code; a code the table does
// not know is an internal error.
func StatusOf(code string) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON form of every error.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string                 `json:"code"`
	Message string                 `json:"message"`
	Details []clientele.FieldError `json:"details,omitempty"`
}

// retryAfter is what a 503 tells a client to wait, in seconds: about as
// long as a client already waited for the database (the busy timeout).
const retryAfter = "10"

// writeError writes err as JSON with the status of its code; an internal
// error is logged and shown only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := clientele.ErrorCode(err)
	status := StatusOf(code)
	if status == http.StatusInternalServerError {
		s.logError(r, err)
	}
	switch code {
	case clientele.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="clientele"`)
	case clientele.EUNAVAILABLE:
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, status, errorBody{Error: errorJSON{Code: code, Message: clientele.ErrorMessage(err), Details: clientele.ErrorDetails(err)}})
}

// renderError is writeError for pages: an HTML page with the status, the
// message and the fields that failed.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := clientele.ErrorCode(err)
	status := StatusOf(code)
	if status == http.StatusInternalServerError {
		s.logError(r, err)
	}
	var details []string
	for _, d := range clientele.ErrorDetails(err) {
		details = append(details, d.String())
	}
	s.render(w, r, status, &view{Template: "error.html", Title: http.StatusText(status),
		Data: struct {
			Message string
			Details []string
		}{clientele.ErrorMessage(err), details}})
}

// logError logs a failed request with who made it, unless the client
// went away.
func (s *Server) logError(r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	args := []any{"method", r.Method, "path", r.URL.Path, "err", err}
	if p := clientele.PrincipalFromContext(r.Context()); p != nil {
		args = append(args, "token", p.TokenName)
	}
	s.log.Error("request failed", args...)
}
