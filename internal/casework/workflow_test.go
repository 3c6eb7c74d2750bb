package casework

import (
	"qingfeng/internal/apperr"
	"slices"
	"strings"
	"testing"

	"qingfeng/internal/auth"
)

// TestWorkflowRows enumerates every transition: known states, a case
// permission, a guard, no row twice, and rows that share (From, Op) told
// apart by disjoint outcomes.
func TestWorkflowRows(t *testing.T) {
	perms := []auth.Permission{auth.PermCaseRead, auth.PermCaseFile, auth.PermCaseHandle, auth.PermCaseApprove, auth.PermCaseReview}
	seen := map[[3]string]bool{}
	outcomes := map[[2]string][]string{}
	rows := Workflow()
	for _, r := range rows {
		name := string(r.From) + " --" + string(r.Op) + "--> " + string(r.To)
		if !slices.Contains(Statuses(), r.From) || !slices.Contains(Statuses(), r.To) {
			t.Errorf("%s: unknown state", name)
		}
		if !slices.Contains(perms, r.Perm) {
			t.Errorf("%s: permission %q is not a case permission", name, r.Perm)
		}
		if strings.TrimSpace(r.Guard) == "" {
			t.Errorf("%s: no guard", name)
		}
		k := [3]string{string(r.From), string(r.Op), string(r.To)}
		if seen[k] {
			t.Errorf("%s twice", name)
		}
		seen[k] = true
		fo := [2]string{string(r.From), string(r.Op)}
		for _, o := range r.Outcomes {
			if slices.Contains(outcomes[fo], o) {
				t.Errorf("%s: outcome %s selects two rows", name, o)
			}
			outcomes[fo] = append(outcomes[fo], o)
		}
	}
	for fo, os := range outcomes {
		if n := len(Next(Status(fo[0]), Op(fo[1]))); n < 2 {
			t.Errorf("%v: outcomes %v on a single row", fo, os)
		}
	}
	if len(rows) != 65 {
		t.Errorf("%d rows, want 65", len(rows))
	}
}

// TestWorkflowGraph checks that every non-final state is reachable from
// the start, every state reaches an end state, and no end state but
// closed (appeal) has a way out except self-loops.
func TestWorkflowGraph(t *testing.T) {
	rows := Workflow()
	reach := map[Status]bool{StatusFilingReview: true}
	for changed := true; changed; {
		changed = false
		for _, r := range rows {
			if reach[r.From] && !reach[r.To] {
				reach[r.To], changed = true, true
			}
		}
	}
	for _, s := range Statuses() {
		if !reach[s] {
			t.Errorf("state %s is not reachable from %s", s, StatusFilingReview)
		}
	}
	ends := map[Status]bool{}
	for _, f := range FinalStatuses() {
		ends[f] = true
	}
	for changed := true; changed; {
		changed = false
		for _, r := range rows {
			if ends[r.To] && !ends[r.From] {
				ends[r.From], changed = true, true
			}
		}
	}
	for _, s := range Statuses() {
		if !ends[s] {
			t.Errorf("state %s cannot reach an end state", s)
		}
	}
	for _, r := range rows {
		if slices.Contains(FinalStatuses(), r.From) && r.From != StatusClosed && r.To != r.From {
			t.Errorf("end state %s has a way out: %s", r.From, r.Op)
		}
	}
	// Every state but the end states has a way forward.
	for _, s := range Statuses() {
		out := false
		for _, r := range rows {
			out = out || (r.From == s && r.To != s)
		}
		if !out && !slices.Contains(FinalStatuses(), s) {
			t.Errorf("state %s is a dead end", s)
		}
	}
}

// TestWorkflowPath walks the main path of a case, from filing to closing,
// an appeal and a changed decision, taking each step through Next and
// Select as a service would.
func TestWorkflowPath(t *testing.T) {
	steps := []struct {
		op      Op
		outcome string
		want    Status
		perm    auth.Permission
	}{
		{OpApproveFiling, "", StatusInvestigation, auth.PermCaseApprove},
		{OpFormTeam, "", StatusInvestigation, auth.PermCaseFile},
		{OpTakeMeasure, "", StatusInvestigation, auth.PermCaseHandle},
		{OpSubmitReport, "", StatusReportReview, auth.PermCaseHandle},
		{OpApproveReport, "", StatusReviewPending, auth.PermCaseApprove},
		{OpAcceptReview, "", StatusReview, auth.PermCaseReview},
		{OpReturnSuppl, "", StatusSupplementary, auth.PermCaseReview},
		{OpFinishSuppl, "", StatusReview, auth.PermCaseHandle},
		{OpJointReview, "", StatusReview, auth.PermCaseReview},
		{OpSubmitReview, "", StatusReviewReport, auth.PermCaseReview},
		{OpApproveReview, "", StatusDecision, auth.PermCaseApprove},
		{OpDecide, "", StatusExecution, auth.PermCaseApprove},
		{OpTransfer, "", StatusExecution, auth.PermCaseApprove},
		{OpProsecutionReturn, "", StatusProsecutionSuppl, auth.PermCaseHandle},
		{OpProsecutionResend, "", StatusExecution, auth.PermCaseApprove},
		{OpAnnounce, "", StatusExecution, auth.PermCaseHandle},
		{OpReportExecution, "", StatusExecution, auth.PermCaseHandle},
		{OpClose, "", StatusClosed, auth.PermCaseApprove},
		{OpAcceptAppeal, "", StatusAppeal, auth.PermCaseReview},
		{OpFormAppealTeam, "", StatusAppeal, auth.PermCaseApprove},
		{OpDecideAppeal, AppealChanged, StatusExecution, auth.PermCaseApprove},
		{OpClose, "", StatusClosed, auth.PermCaseApprove},
		{OpAcceptAppeal, "", StatusAppeal, auth.PermCaseReview},
		{OpDecideAppeal, AppealUpheld, StatusClosed, auth.PermCaseApprove},
	}
	s := StatusFilingReview
	for i, st := range steps {
		r, ok := Select(Next(s, st.op), st.outcome)
		if !ok {
			t.Fatalf("step %d: %s not allowed in %s", i, st.op, s)
		}
		if r.To != st.want || r.Perm != st.perm {
			t.Fatalf("step %d: %s in %s -> %s (%s), want %s (%s)", i, st.op, s, r.To, r.Perm, st.want, st.perm)
		}
		s = r.To
	}
	// Refused steps: illegal actions have no row.
	for _, bad := range []struct {
		from Status
		op   Op
	}{
		{StatusFilingReview, OpDecide},
		{StatusInvestigation, OpAcceptReview},
		{StatusReview, OpClose},
		{StatusClosed, OpTakeMeasure},
		{StatusWithdrawn, OpAcceptAppeal},
		{StatusExecution, OpWithdraw},
		{StatusMerged, OpApproveFiling},
	} {
		if rows := Next(bad.from, bad.op); len(rows) != 0 {
			t.Errorf("%s in %s allowed: %v", bad.op, bad.from, rows)
		}
	}
	if _, ok := Select(Next(StatusAppeal, OpDecideAppeal), "shrug"); ok {
		t.Error("an unknown appeal outcome selected a row")
	}
	if got := Ops(StatusFilingReview); !slices.Equal(got, []Op{OpApproveFiling, OpRefuseFiling, OpMerge}) {
		t.Errorf("Ops(filing_review) = %v", got)
	}
	if !(Case{Status: StatusWithdrawn}).Final() || (Case{Status: StatusAppeal}).Final() {
		t.Error("Final wrong")
	}
}

func TestTable(t *testing.T) {
	tb := Table()
	if tb.Name != "case" || tb.Start != string(StatusFilingReview) || len(tb.Rows) != len(Workflow()) || len(tb.Final) != 4 {
		t.Fatalf("table %s start %s rows %d final %v", tb.Name, tb.Start, len(tb.Rows), tb.Final)
	}
	rows := tb.Next(string(StatusAppeal), string(OpDecideAppeal))
	if len(rows) != 2 || !strings.HasPrefix(rows[0].Guard, "outcome upheld/revoked; ") {
		t.Errorf("appeal rows %+v", rows)
	}
	for _, r := range tb.Rows {
		if strings.ContainsAny(r.Guard, "#\n") {
			t.Errorf("%s %s: guard %q breaks the Mermaid diagram", r.From, r.Op, r.Guard)
		}
	}
}

// TestReviewRules checks the checklist, findings, document stages, merge
// and appeal decision rules.
func TestReviewRules(t *testing.T) {
	items, err := Checklist()
	if err != nil || len(items) < 7 {
		t.Fatalf("checklist %v %v", items, err)
	}
	d, err := LoadData()
	if err != nil {
		t.Fatal(err)
	}
	field := func(err error) string {
		if err == nil {
			return ""
		}
		for k, v := range apperr.As(err).Fields {
			return k + ":" + v
		}
		return "?"
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"finding ok", CheckFindings(items, []FindingInput{{Item: "evidence", Text: "缺少签名"}}), ""},
		{"no findings", CheckFindings(items, nil), ""},
		{"unknown item", CheckFindings(items, []FindingInput{{Item: "x", Text: "y"}}), "findings[0].item:case.finding_item_invalid"},
		{"empty text", CheckFindings(items, []FindingInput{{Item: "facts", Text: " "}}), "findings[0].text:case.reason_required"},
		{"talk record in investigation", CheckDocument(d, StatusInvestigation, Document{Kind: "talk_record", Body: "x"}, "2026-03-01"), ""},
		{"review report in investigation", CheckDocument(d, StatusInvestigation, Document{Kind: "review_report", Body: "x"}, "2026-03-01"),
			"doc_kind:case.doc_kind_invalid"},
		{"appeal letter in appeal", CheckDocument(d, StatusAppeal, Document{Kind: "appeal_letter", Body: "x"}, "2026-03-01"), ""},
		{"anything when closed", CheckDocument(d, StatusClosed, Document{Kind: "evidence", Body: "x"}, "2026-03-01"),
			"doc_kind:case.doc_kind_invalid"},
		{"future date", CheckDocument(d, StatusReview, Document{Kind: "evidence", Body: "x", DocDate: "2026-03-02"}, "2026-03-01"),
			"doc_date:case.date_in_future"},
		{"bad date", CheckDocument(d, StatusReview, Document{Kind: "evidence", Body: "x", DocDate: "2026-02-29"}, "2026-03-01"),
			"doc_date:case.date_invalid"},
		{"merge ok", CheckMerge(1, 10, 2, 10, StatusInvestigation), ""},
		{"merge self", CheckMerge(1, 10, 1, 10, StatusInvestigation), "target_id:case.merge_self"},
		{"merge other ledger", CheckMerge(1, 10, 2, 11, StatusInvestigation), "target_id:case.merge_target_invalid"},
		{"merge into review", CheckMerge(1, 10, 2, 10, StatusReview), "target_id:case.merge_target_invalid"},
		{"appeal upheld", CheckAppealDecision(AppealUpheld, "维持", nil), ""},
		{"appeal changed without outcome", CheckAppealDecision(AppealChanged, "变更", nil), "outcome:case.outcome_missing"},
		{"appeal unknown", CheckAppealDecision("maybe", "x", nil), "appeal_outcome:case.appeal_outcome_invalid"},
	}
	for _, tt := range tests {
		if got := field(tt.err); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
