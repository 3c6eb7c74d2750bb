package calendar

import (
	"fmt"

	"qingfeng/internal/apperr"
)

// Message keys of the apperr errors this package returns. The edge
// translates them through internal/i18n.
const (
	// KeyNoticeSyntax: the uploaded notice is not well-formed holiday-cn JSON
	// (syntax, wrong type, unknown field, trailing data, too large).
	KeyNoticeSyntax = "calendar.notice.syntax"
	// KeyNoticeRequired: a required field (year, papers, days, name, date,
	// isOffDay) is missing or empty.
	KeyNoticeRequired = "calendar.notice.required"
	// KeyNoticeYear: the year is outside 1–9999.
	KeyNoticeYear = "calendar.notice.year"
	// KeyNoticeDate: a date is not a real date in YYYY-MM-DD form.
	KeyNoticeDate = "calendar.notice.date"
	// KeyNoticeOutsideYear: a date lies outside the notice's year and the
	// preceding December.
	KeyNoticeOutsideYear = "calendar.notice.outside_year"
	// KeyNoticeDuplicate: a date, or a year passed to New, occurs twice.
	KeyNoticeDuplicate = "calendar.notice.duplicate"
	// KeyExtensionNone: the limit has no extension rule.
	KeyExtensionNone = "calendar.extension.none"
	// KeyExtensionSpan: the requested extension is not in the limit's unit
	// or exceeds its amount.
	KeyExtensionSpan = "calendar.extension.span"
	// KeyExtensionExhausted: the limit's maximum number of extensions has
	// been used.
	KeyExtensionExhausted = "calendar.extension.exhausted"
)

// ParseError describes the first problem found in a holiday notice or in the
// limits table. ParseYear and New return it wrapped in an apperr.Invalid
// error (find it with errors.As); Limits and ParseLimits return it directly.
type ParseError struct {
	Field   string // JSON path of the offending value, e.g. "days[3].date"; "" for the whole document
	Key     string // one of the KeyNotice… message keys for notices; "" for the limits table
	Problem string // English description for logs and tests
}

// Error returns "calendar: FIELD: PROBLEM".
func (e *ParseError) Error() string {
	if e.Field == "" {
		return "calendar: " + e.Problem
	}
	return "calendar: " + e.Field + ": " + e.Problem
}

// invalid wraps a notice ParseError as an apperr.Invalid error whose Fields
// name the offending JSON path.
func invalid(e *ParseError) error {
	field := e.Field
	if field == "" {
		field = "notice"
	}
	return &apperr.Error{
		Code:   apperr.Invalid,
		Key:    "error.invalid",
		Fields: map[string]string{field: e.Key},
		Err:    e,
	}
}

// perr builds a ParseError with a formatted problem.
func perr(field, key, format string, args ...any) *ParseError {
	return &ParseError{Field: field, Key: key, Problem: fmt.Sprintf(format, args...)}
}
