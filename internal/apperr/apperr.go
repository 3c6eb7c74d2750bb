// Package apperr defines the application error used across Qingfeng: a stable
// code for machines (API clients, tests) and a message key that the edge (web
// UI, JSON API) renders in the user's language. Internals never reach users:
// anything that is not an *Error is reported as code "internal".
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error class. API clients may rely on it.
type Code string

// The error codes. Adapters map them to HTTP statuses (see HTTPStatus).
const (
	Invalid         Code = "invalid"         // bad input; Fields says which
	NotFound        Code = "not_found"       // no such object, or not in the caller's scope
	Forbidden       Code = "forbidden"       // authenticated but lacks the permission
	Unauthenticated Code = "unauthenticated" // not signed in, bad credentials, expired session
	Conflict        Code = "conflict"        // optimistic-lock version mismatch or uniqueness clash
	RateLimited     Code = "rate_limited"    // throttled; retry later
	Internal        Code = "internal"        // a bug or an outage; details only in logs
)

// Error is the application error. Key names a message in the i18n catalogue
// (internal/i18n); Args fill its placeholders. Fields maps a form field name to
// a message key for validation errors. Err is the wrapped cause, never shown.
type Error struct {
	Code   Code
	Key    string
	Args   []any
	Fields map[string]string
	Err    error
}

// Error returns a developer-facing description (code, key, cause).
func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", e.Fields)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with the given code and message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap returns an *Error with the code and key that keeps err as the hidden cause.
func Wrap(err error, code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args, Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or an Internal error wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Key: "error.internal", Err: err}
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Validation collects field errors. The zero value is ready to use.
type Validation struct{ fields map[string]string }

// Add records a message key for a field; the first message per field wins.
func (v *Validation) Add(field, key string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = key
	}
}

// Has reports whether the field already has an error.
func (v *Validation) Has(field string) bool { _, ok := v.fields[field]; return ok }

// Err returns nil when no field failed, else an Invalid *Error carrying the fields.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "error.invalid", Fields: v.fields}
}

// HTTPStatus maps a code to an HTTP status.
func HTTPStatus(c Code) int {
	switch c {
	case Invalid:
		return 422
	case NotFound:
		return 404
	case Forbidden:
		return 403
	case Unauthenticated:
		return 401
	case Conflict:
		return 409
	case RateLimited:
		return 429
	case "":
		return 200
	default:
		return 500
	}
}

// InvalidField returns an Invalid error for a single field.
func InvalidField(field, key string) error {
	return &Error{Code: Invalid, Key: "error.invalid", Fields: map[string]string{field: key}}
}
