package clue

import (
	"slices"
	"strings"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

var (
	testCats   = []string{"subsidies", "collective_assets", "other"}
	testLevels = []string{"village", "township", "county", "city", "other"}
)

func sources(t *testing.T) []Source {
	t.Helper()
	s, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSources(t *testing.T) {
	s := sources(t)
	codes := map[string]Source{}
	for _, x := range s {
		codes[x.Code] = x
	}
	// Every source the brief names, and the object types other workflows
	// register with.
	for code, objType := range map[string]string{
		SourceReport: "report", SourceSupervision: "task_finding", SourceInspection: "", SourceAudit: "", SourceJudicial: "",
		SourceOrgan: "", SourceUpperAssignment: "", SourceLowerSubmission: "clue", SourceAlert: "alert",
		SourceCrossCheck: "crosscheck_suspect", SourceInvestigation: "case", SourceOther: "",
	} {
		x, ok := codes[code]
		if !ok {
			t.Errorf("source %s missing", code)
			continue
		}
		if x.ObjectType != objType {
			t.Errorf("source %s: object type %q, want %q", code, x.ObjectType, objType)
		}
	}
	if len(s) != 12 {
		t.Errorf("%d sources, want 12", len(s))
	}
}

func TestValidate(t *testing.T) {
	ok := func() Input {
		return Input{Source: SourceReport, SourceType: "report", SourceID: 12, Content: "  反映某村支书截留补贴  ",
			Subject: Subject{Name: "王某", Level: "village"}, Category: "subsidies"}
	}
	tests := []struct {
		name   string
		mod    func(*Input)
		fields []string // failing fields, sorted
	}{
		{"ok", func(*Input) {}, nil},
		{"no source record", func(in *Input) { in.SourceType, in.SourceID = "", 0 }, nil},
		{"unknown source", func(in *Input) { in.Source = "gossip" }, []string{"source"}},
		{"wrong object type", func(in *Input) { in.SourceType = "alert" }, []string{"source_type"}},
		{"type without id", func(in *Input) { in.SourceID = 0 }, []string{"source_id"}},
		{"id without type", func(in *Input) { in.SourceType = "" }, []string{"source_type"}},
		{"outside organ with a record type", func(in *Input) { in.Source, in.SourceType = SourceAudit, "report" }, []string{"source_type"}},
		{"empty content", func(in *Input) { in.Content = " \u200b " }, []string{"content"}},
		{"no subject", func(in *Input) { in.Subject.Name = "" }, []string{"subject_name"}},
		{"bad level", func(in *Input) { in.Subject.Level = "god" }, []string{"subject_level"}},
		{"bad key field", func(in *Input) { in.Category = "weather" }, []string{"category"}},
		{"long ref", func(in *Input) { in.SourceRef = strings.Repeat("号", MaxRef+1) }, []string{"source_ref"}},
		{"long title", func(in *Input) { in.Title = strings.Repeat("题", MaxTitle+1) }, []string{"title"}},
		{"several", func(in *Input) { in.Content, in.Category = "", "" }, []string{"category", "content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok()
			tt.mod(&in)
			err := in.Validate(sources(t), testCats, testLevels)
			var got []string
			if err != nil {
				e := apperr.As(err)
				if e.Code != apperr.Invalid {
					t.Fatalf("code %s, want invalid", e.Code)
				}
				for f := range e.Fields {
					got = append(got, f)
				}
				slices.Sort(got)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
	in := ok()
	if err := in.Validate(sources(t), testCats, testLevels); err != nil || in.Content != "反映某村支书截留补贴" {
		t.Errorf("cleaned content %q, err %v", in.Content, err)
	}
}

func TestWorkflowSelect(t *testing.T) {
	tests := []struct {
		from    Status
		op      Op
		mode    Mode
		outcome string
		want    Status
		ok      bool
	}{
		{StatusDisposalReview, OpApproveDisposal, ModeInquiry, "", StatusInquiry, true},
		{StatusDisposalReview, OpApproveDisposal, ModeVerification, "", StatusVerification, true},
		{StatusDisposalReview, OpApproveDisposal, ModeShelve, "", StatusShelved, true},
		{StatusDisposalReview, OpApproveDisposal, ModeClose, "", StatusClosed, true},
		{StatusDisposalReview, OpApproveDisposal, "", "", "", false},
		{StatusInquiryReview, OpApproveInquiry, "", OutcomeAcceptClose, StatusClosed, true},
		{StatusInquiryReview, OpApproveInquiry, "", OutcomeAdmonish, StatusClosed, true},
		{StatusInquiryReview, OpApproveInquiry, "", OutcomeRepeat, StatusInquiry, true},
		{StatusInquiryReview, OpApproveInquiry, "", OutcomeToVerification, StatusAssigned, true},
		{StatusInquiryReview, OpApproveInquiry, "", "file_case", "", false},
		{StatusVerificationReview, OpApproveReport, "", RecommendFileCase, StatusCasePending, true},
		{StatusVerificationReview, OpApproveReport, "", RecommendTransfer, StatusClosed, true},
		{StatusVerificationReview, OpApproveReport, "", RecommendShelve, StatusShelved, true},
		{StatusShelved, OpMeetingDecision, ModeVerification, "", StatusVerification, true},
		{StatusRegistered, OpMeetingDecision, ModeClose, "", StatusClosed, true},
		{StatusCasePending, OpFileCase, "", "", StatusFiled, true},
		{StatusClosed, OpApproveDisposal, ModeClose, "", "", false},
		{StatusFiled, OpReactivate, "", "", "", false},
	}
	for _, tt := range tests {
		r, ok := Select(Next(tt.from, tt.op), tt.mode, tt.outcome)
		if ok != tt.ok || (ok && r.To != tt.want) {
			t.Errorf("%s --%s(%s,%s)--> %s ok=%v; want %s ok=%v", tt.from, tt.op, tt.mode, tt.outcome, r.To, ok, tt.want, tt.ok)
		}
	}
}

// TestWorkflowTable checks the table's shape: every state but the end
// states has a way out, end states have none but letters, every outcome
// and recommendation selects exactly one row, and the meeting decisions
// cover each pending state and mode.
func TestWorkflowTable(t *testing.T) {
	out := map[Status]int{}
	for _, r := range Workflow() {
		if r.From != r.To {
			out[r.From]++
		}
		if r.Perm == "" {
			t.Errorf("%s --%s--> %s: no permission", r.From, r.Op, r.To)
		}
	}
	for _, s := range Statuses() {
		final := s == StatusClosed || s == StatusFiled || s == StatusForwarded
		if final && out[s] > 0 {
			t.Errorf("end state %s has %d ways out", s, out[s])
		}
		if !final && out[s] == 0 {
			t.Errorf("state %s has no way out", s)
		}
	}
	for _, o := range InquiryOutcomes() {
		n := 0
		for _, r := range Next(StatusInquiryReview, OpApproveInquiry) {
			if slices.Contains(r.Outcomes, o) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("inquiry outcome %s selects %d rows", o, n)
		}
	}
	for _, o := range Recommendations() {
		n := 0
		for _, r := range Next(StatusVerificationReview, OpApproveReport) {
			if slices.Contains(r.Outcomes, o) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("recommendation %s selects %d rows", o, n)
		}
	}
	for _, from := range PendingStatuses() {
		for _, m := range Modes() {
			if _, ok := Select(Next(from, OpMeetingDecision), m, ""); !ok {
				t.Errorf("no meeting decision %s from %s", m, from)
			}
		}
	}
	// The filing step belongs to the case workflow's permission.
	if r := Next(StatusCasePending, OpFileCase); len(r) != 1 || r[0].Perm != auth.PermCaseFile {
		t.Errorf("file_case rows %+v", r)
	}
	tb := Table()
	if tb.Start != string(StatusRegistered) || len(tb.Rows) != len(Workflow()) {
		t.Errorf("table start %s rows %d", tb.Start, len(tb.Rows))
	}
}

func TestCleanText(t *testing.T) {
	got, err := CleanText("plan", " 第一步\r\n  第二步 \u200b", true, 100)
	if err != nil || got != "第一步\n第二步" {
		t.Errorf("CleanText = %q, %v", got, err)
	}
	if _, err := CleanText("plan", "  ", true, 100); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("empty required: %v", err)
	}
	if _, err := CleanText("plan", "太长了", false, 2); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("too long: %v", err)
	}
	if FirstRunes("一二三四", 2) != "一二…" || FirstRunes("一二", 2) != "一二" {
		t.Error("FirstRunes")
	}
}
