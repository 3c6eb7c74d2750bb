package calendar

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// The limits tables: limits.json holds the statutory limits of the rules
// and laws; a workflow may keep its own local targets (a county's faster
// target times, say) in limits_<name>.json. A code may appear in one file
// only.
//
//go:embed limits*.json
var limitFiles embed.FS

// Unit is the unit a time limit is counted in. The values are part of the
// limits table and of the API.
type Unit string

// The units of time limits.
const (
	WorkingDays  Unit = "working_days"  // official working days (this calendar); the start day never counts
	CalendarDays Unit = "calendar_days" // days; the start day never counts
	Months       Unit = "months"        // the same day of the month, clamped to the month's end
	Hours        Unit = "hours"         // exact hours from the start instant
)

// Valid reports whether u is one of the four units. ParseLimits and
// Span.Valid call it; so may forms that let an administrator edit limits.
func (u Unit) Valid() bool {
	switch u {
	case WorkingDays, CalendarDays, Months, Hours:
		return true
	}
	return false
}

// Span is an amount of time in a unit, e.g. 15 working days or 3 months:
// a limit's length, its reminder lead time, or an extension. Services pass
// it to Due and Extend.
type Span struct {
	Amount int  `json:"amount"`
	Unit   Unit `json:"unit"`
}

// Valid reports whether s has a known unit and a non-negative amount. Due
// treats an invalid span as already expired.
func (s Span) Valid() bool { return s.Amount >= 0 && s.Unit.Valid() }

// String returns e.g. "15 working_days" for logs and error messages.
func (s Span) String() string { return fmt.Sprintf("%d %s", s.Amount, s.Unit) }

// Extension is how far a limit may be extended, how often, and by whom.
// Extend enforces Amount, Unit and MaxTimes; the approval workflow shows
// Approver.
type Extension struct {
	// Amount is the longest single extension in Unit; 0 means the rules fix
	// no amount (the approval states it).
	Amount int  `json:"amount"`
	Unit   Unit `json:"unit"`
	// MaxTimes is how many extensions are allowed; 0 means the rules fix no
	// maximum.
	MaxTimes int `json:"max_times"`
	// Approver says who approves an extension (text from the rules).
	Approver string `json:"approver"`
}

// Limit is one statutory time limit (a row of limits.json). Services pick
// one by Code from Limits and pass it to Calendar.Start; the UI shows Name,
// Source and Note.
type Limit struct {
	Code         string     `json:"code"`  // stable identifier, e.g. "report.forward"; later tables refer to it
	Name         string     `json:"name"`  // short Chinese name for ledgers and the UI
	Stage        string     `json:"stage"` // workflow stage: report, clue, inquiry, verification, case, review, execution, appeal, measure
	Amount       int        `json:"amount"`
	Unit         Unit       `json:"unit"`
	RemindBefore Span       `json:"remind_before"`        // reminders start this long before the due time (0: at the due time)
	Extension    *Extension `json:"extension"`            // nil: the rules allow no extension
	Source       string     `json:"source"`               // citation with domain.md's source labels, e.g. "[R-JK] Arts. 14–17"
	Note         string     `json:"note"`                 // when the clock starts, what stops it, caveats
	MaxStarts    int        `json:"max_starts,omitempty"` // how often the clock may start for one object (0: no limit)
}

// Span returns the limit's length (Amount, Unit); Start passes it to Due.
func (l Limit) Span() Span { return Span{l.Amount, l.Unit} }

// Limits returns the embedded tables of time limits (limits*.json),
// keyed by code; each call returns a fresh map. Services that start clocks
// call it once at start. An error means the embedded table is broken (a
// build defect, caught by the package tests); it is a *ParseError.
func Limits() (map[string]Limit, error) {
	names, err := fs.Glob(limitFiles, "limits*.json")
	if err != nil {
		return nil, &ParseError{Problem: "limits: " + err.Error()}
	}
	sort.Strings(names)
	out := map[string]Limit{}
	for _, name := range names {
		b, err := limitFiles.ReadFile(name)
		if err != nil {
			return nil, &ParseError{Problem: "limits: " + err.Error()}
		}
		ls, err := ParseLimits(bytes.NewReader(b))
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.Problem = name + ": " + pe.Problem
			}
			return nil, err
		}
		for code, l := range ls {
			if _, dup := out[code]; dup {
				return nil, &ParseError{Field: "code", Problem: fmt.Sprintf("%s: code %q is defined in another limits file", name, code)}
			}
			out[code] = l
		}
	}
	return out, nil
}

// ParseLimits parses a limits table in the format of limits.json (a JSON
// array of limits) strictly: no unknown fields or trailing data, every field
// present (note may be empty; extension may be null or absent), codes unique and made
// of lower-case letters, digits, "_" and ".", amounts positive, units valid,
// and an extension's approver given. Limits and tests call it; it returns a
// *ParseError naming the row and field.
func ParseLimits(r io.Reader) (map[string]Limit, error) {
	var rows []rawLimit
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rows); err != nil {
		return nil, &ParseError{Problem: "limits: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ParseError{Problem: "limits: trailing data after the JSON array"}
	}
	out := make(map[string]Limit, len(rows))
	for i, row := range rows {
		l, pe := row.limit()
		if pe == nil {
			if _, dup := out[l.Code]; dup {
				pe = &ParseError{Field: "code", Problem: fmt.Sprintf("code %q given twice", l.Code)}
			}
		}
		if pe != nil {
			pe.Field = fmt.Sprintf("limits[%d].%s", i, pe.Field)
			return nil, pe
		}
		out[l.Code] = l
	}
	return out, nil
}

// rawLimit, rawSpan and rawExtension mirror limits.json; pointers detect
// missing fields.
type rawLimit struct {
	Code         *string       `json:"code"`
	Name         *string       `json:"name"`
	Stage        *string       `json:"stage"`
	Amount       *int          `json:"amount"`
	Unit         *Unit         `json:"unit"`
	RemindBefore *rawSpan      `json:"remind_before"`
	Extension    *rawExtension `json:"extension"`
	Source       *string       `json:"source"`
	Note         *string       `json:"note"`
	MaxStarts    *int          `json:"max_starts"` // optional
}

type rawSpan struct {
	Amount *int  `json:"amount"`
	Unit   *Unit `json:"unit"`
}

type rawExtension struct {
	Amount   *int    `json:"amount"`
	Unit     *Unit   `json:"unit"`
	MaxTimes *int    `json:"max_times"`
	Approver *string `json:"approver"`
}

// limit checks a row and converts it.
func (r rawLimit) limit() (Limit, *ParseError) {
	missing := func(f string) (Limit, *ParseError) { return Limit{}, &ParseError{Field: f, Problem: "missing"} }
	switch {
	case r.Code == nil:
		return missing("code")
	case r.Name == nil:
		return missing("name")
	case r.Stage == nil:
		return missing("stage")
	case r.Amount == nil:
		return missing("amount")
	case r.Unit == nil:
		return missing("unit")
	case r.RemindBefore == nil:
		return missing("remind_before")
	case r.RemindBefore.Amount == nil:
		return missing("remind_before.amount")
	case r.RemindBefore.Unit == nil:
		return missing("remind_before.unit")
	case r.Source == nil:
		return missing("source")
	case r.Note == nil:
		return missing("note")
	}
	l := Limit{
		Code: *r.Code, Name: *r.Name, Stage: *r.Stage, Amount: *r.Amount, Unit: *r.Unit,
		RemindBefore: Span{*r.RemindBefore.Amount, *r.RemindBefore.Unit},
		Source:       *r.Source, Note: *r.Note,
	}
	if r.MaxStarts != nil {
		if *r.MaxStarts < 1 {
			return Limit{}, &ParseError{Field: "max_starts", Problem: fmt.Sprintf("%d is not positive", *r.MaxStarts)}
		}
		l.MaxStarts = *r.MaxStarts
	}
	bad := func(f, format string, args ...any) (Limit, *ParseError) {
		return Limit{}, &ParseError{Field: f, Problem: fmt.Sprintf(format, args...)}
	}
	switch {
	case !validCode(l.Code):
		return bad("code", "%q is not lower-case words joined by dots", l.Code)
	case strings.TrimSpace(l.Name) == "":
		return bad("name", "empty")
	case !validCode(l.Stage) || strings.Contains(l.Stage, "."):
		return bad("stage", "%q is not a lower-case word", l.Stage)
	case l.Amount <= 0:
		return bad("amount", "%d is not positive", l.Amount)
	case !l.Unit.Valid():
		return bad("unit", "unknown unit %q", l.Unit)
	case !l.RemindBefore.Valid():
		return bad("remind_before", "invalid span %v", l.RemindBefore)
	case strings.TrimSpace(l.Source) == "":
		return bad("source", "empty")
	}
	if e := r.Extension; e != nil {
		switch {
		case e.Amount == nil:
			return missing("extension.amount")
		case e.Unit == nil:
			return missing("extension.unit")
		case e.MaxTimes == nil:
			return missing("extension.max_times")
		case e.Approver == nil:
			return missing("extension.approver")
		}
		l.Extension = &Extension{Amount: *e.Amount, Unit: *e.Unit, MaxTimes: *e.MaxTimes, Approver: *e.Approver}
		switch x := l.Extension; {
		case x.Amount < 0 || !x.Unit.Valid():
			return bad("extension", "invalid span %d %q", x.Amount, x.Unit)
		case x.MaxTimes < 0:
			return bad("extension.max_times", "%d is negative", x.MaxTimes)
		case strings.TrimSpace(x.Approver) == "":
			return bad("extension.approver", "empty")
		}
	}
	return l, nil
}

// validCode reports whether s is lower-case ASCII words joined by "." (each
// word starts with a letter and may contain digits and "_").
func validCode(s string) bool {
	if s == "" {
		return false
	}
	for _, w := range strings.Split(s, ".") {
		if w == "" || w[0] < 'a' || w[0] > 'z' {
			return false
		}
		for _, r := range w {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
				return false
			}
		}
	}
	return true
}
