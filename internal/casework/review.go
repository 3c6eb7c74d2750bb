package casework

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"qingfeng/internal/apperr"
)

// This file holds the rules of the joint quality review (案件质量联审):
// its checklist as data, the findings the joint reviewers record against
// it and their resolution; the rule of a document recorded at a stage; the
// rule of merging two cases (并案); and the appeal (申诉) of a closed case.

//go:embed checklist.json
var checklistJSON []byte

// LimitMeasureNotify is the clock of the notice to the family and unit of
// a person held in custody or detention (calendar/limits.json).
const LimitMeasureNotify = "measure.notify"

// CheckItem is an item of the joint quality review checklist (a row of
// checklist.json).
type CheckItem struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Note   string `json:"note"`
}

// Checklist parses checklist.json strictly. An error means the embedded
// table is broken (caught by the package tests).
func Checklist() ([]CheckItem, error) {
	var items []CheckItem
	dec := json.NewDecoder(strings.NewReader(string(checklistJSON)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&items); err != nil {
		return nil, fmt.Errorf("casework: checklist.json: %w", err)
	}
	seen := map[string]bool{}
	for i, it := range items {
		if it.Code == "" || it.NameZH == "" || it.NameEN == "" || seen[it.Code] {
			return nil, fmt.Errorf("casework: checklist.json: row %d: empty or repeated code or name", i)
		}
		seen[it.Code] = true
	}
	return items, nil
}

// Finding is a problem a joint reviewer found against a checklist item,
// tracked until the investigation team puts it right.
type Finding struct {
	ID         int64
	CaseID     int64
	Item       string // a checklist code
	Text       string
	ReviewerID int64 // the joint reviewer who found it
	Reviewer   string
	UnitID     int64 // the reviewer's unit
	CreatedAt  time.Time
	ResolvedAt time.Time // zero while open
	Resolution string
	ResolvedBy int64
}

// Open reports whether the finding still needs to be put right.
func (f Finding) Open() bool { return f.ResolvedAt.IsZero() }

// FindingInput is a finding as entered: the checklist item and what is
// wrong.
type FindingInput struct {
	Item       string
	Text       string
	ReviewerID int64 // the joint reviewer who found it (0: the first)
}

// MaxFindings is the most findings one joint review records at once.
const MaxFindings = 50

// CheckFindings checks the findings of a joint review against the
// checklist: a known item and a text of at most MaxReason characters for
// each. A review may find nothing (no findings). Errors: invalid on
// "findings[i].item" ("case.finding_item_invalid"), "findings[i].text"
// ("case.reason_required", "case.text_too_long"), "findings"
// ("case.too_many").
func CheckFindings(items []CheckItem, in []FindingInput) error {
	var v apperr.Validation
	if len(in) > MaxFindings {
		v.Add("findings", "case.too_many")
		return v.Err()
	}
	for i, f := range in {
		at := fmt.Sprintf("findings[%d]", i)
		if !slices.ContainsFunc(items, func(c CheckItem) bool { return c.Code == f.Item }) {
			v.Add(at+".item", "case.finding_item_invalid")
		}
		switch n := len([]rune(strings.TrimSpace(f.Text))); {
		case n == 0:
			v.Add(at+".text", "case.reason_required")
		case n > MaxReason:
			v.Add(at+".text", "case.text_too_long")
		}
	}
	return v.Err()
}

// OpenFindings returns the findings still open.
func OpenFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Open() {
			out = append(out, f)
		}
	}
	return out
}

// docStages are the document stages a team may record documents of in
// each state of the case (record_document).
var docStages = map[Status][]string{
	StatusInvestigation:    {"filing", "investigation"},
	StatusReview:           {"investigation", "review"},
	StatusSupplementary:    {"investigation", "review"},
	StatusExecution:        {"decision", "execution"},
	StatusProsecutionSuppl: {"investigation", "review", "execution"},
	StatusAppeal:           {"appeal"},
}

// CheckDocument checks a document recorded by hand (record_document) in a
// state of the case: a kind of documents.json of a stage the state
// allows, a body, a date that is a real day not after today. Errors:
// invalid on "doc_kind" ("case.doc_kind_invalid"), "text"
// ("case.reason_required", "case.text_too_long"), "doc_date"
// ("case.date_invalid", "case.date_in_future"), "title"
// ("case.text_too_long").
func CheckDocument(d Data, st Status, doc Document, today string) error {
	var v apperr.Validation
	i := slices.IndexFunc(d.DocKinds, func(k DocKind) bool { return k.Code == doc.Kind })
	if i < 0 || !slices.Contains(docStages[st], d.DocKinds[i].Stage) {
		v.Add("doc_kind", "case.doc_kind_invalid")
	}
	switch n := len([]rune(strings.TrimSpace(doc.Body))); {
	case n == 0:
		v.Add("text", "case.reason_required")
	case n > MaxSummary:
		v.Add("text", "case.text_too_long")
	}
	if len([]rune(doc.Title)) > MaxCause {
		v.Add("title", "case.text_too_long")
	}
	if doc.DocDate != "" {
		if t, err := time.Parse(time.DateOnly, doc.DocDate); err != nil || t.Format(time.DateOnly) != doc.DocDate {
			v.Add("doc_date", "case.date_invalid")
		} else if doc.DocDate > today {
			v.Add("doc_date", "case.date_in_future")
		}
	}
	return v.Err()
}

// DocStagesOf returns the document stages a team may record in a state.
func DocStagesOf(st Status) []string { return docStages[st] }

// CheckMerge checks that a case may be merged into another (并案): a
// different case of the same ledger (commission) under investigation (a
// filing request or a case under investigation is merged into it, by the
// transition table). The source is the case that ends as merged. Errors: invalid on "target_id"
// ("case.merge_self", "case.merge_target_invalid").
func CheckMerge(fromID, fromLedger int64, intoID, intoLedger int64, intoStatus Status) error {
	switch {
	case fromID == intoID:
		return apperr.InvalidField("target_id", "case.merge_self")
	case fromLedger != intoLedger || intoStatus != StatusInvestigation:
		return apperr.InvalidField("target_id", "case.merge_target_invalid")
	}
	return nil
}

// Appeal is an appeal (申诉) of a subject against the decision of a closed
// case: received, handled by a separate team within appeal.close, decided
// upheld, changed or revoked.
type Appeal struct {
	ID         int64
	CaseID     int64
	SubjectID  int64
	Subject    string
	Content    string
	ReceivedAt time.Time
	DecidedAt  time.Time // zero while open
	Outcome    string    // AppealUpheld, AppealChanged, AppealRevoked
	Decision   string
	UserID     int64
}

// CheckAppealDecision checks an appeal decision: one of AppealOutcomes, a
// reasoned decision, and for a changed decision a new outcome. Errors:
// invalid on "appeal_outcome" ("case.appeal_outcome_invalid"), "text"
// ("case.reason_required"), "outcome" ("case.outcome_missing").
func CheckAppealDecision(outcome, text string, changed *Outcome) error {
	var v apperr.Validation
	if !slices.Contains(AppealOutcomes(), outcome) {
		v.Add("appeal_outcome", "case.appeal_outcome_invalid")
	}
	if strings.TrimSpace(text) == "" {
		v.Add("text", "case.reason_required")
	}
	if outcome == AppealChanged && changed == nil {
		v.Add("outcome", "case.outcome_missing")
	}
	return v.Err()
}
