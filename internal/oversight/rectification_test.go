package oversight

import (
	"strings"
	"testing"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
)

func TestRectificationInputValidate(t *testing.T) {
	const today = "2026-03-10"
	good := func() RectificationInput {
		return RectificationInput{Title: " 低保评审未公示 ", Problem: "村低保评审结果未张榜公示", Required: "补充公示并建立台账",
			ResponsibleUnitID: 7, Deadline: "2026-04-10", SourceType: "task", SourceID: 3, PersonConcerned: "张三"}
	}
	tests := []struct {
		name  string
		edit  func(*RectificationInput)
		field string
		key   string
	}{
		{"good", func(*RectificationInput) {}, "", ""},
		{"no source", func(in *RectificationInput) { in.SourceType, in.SourceID = "", 0 }, "", ""},
		{"title missing", func(in *RectificationInput) { in.Title = "  " }, "title", "rect.required"},
		{"problem missing", func(in *RectificationInput) { in.Problem = "" }, "problem", "rect.required"},
		{"required missing", func(in *RectificationInput) { in.Required = "" }, "required", "rect.required"},
		{"unit missing", func(in *RectificationInput) { in.ResponsibleUnitID = 0 }, "responsible_unit_id", "rect.unit_invalid"},
		{"supervising negative", func(in *RectificationInput) { in.SupervisingUnitID = -1 }, "supervising_unit_id", "rect.unit_invalid"},
		{"deadline bad", func(in *RectificationInput) { in.Deadline = "2026-4-1" }, "deadline", "rect.date_invalid"},
		{"deadline today", func(in *RectificationInput) { in.Deadline = today }, "deadline", "rect.date_not_future"},
		{"source type unknown", func(in *RectificationInput) { in.SourceType = "alert" }, "source_type", "rect.source_invalid"},
		{"source id missing", func(in *RectificationInput) { in.SourceID = 0 }, "source_id", "rect.source_invalid"},
		{"source id without type", func(in *RectificationInput) { in.SourceType = "" }, "source_type", "rect.source_invalid"},
		{"person too long", func(in *RectificationInput) { in.PersonConcerned = strings.Repeat("张", 51) }, "person_concerned", "rect.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good()
			tt.edit(&in)
			err := in.Validate(today)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				if in.Title != "低保评审未公示" {
					t.Errorf("title not cleaned: %q", in.Title)
				}
				return
			}
			e := apperr.As(err)
			if e.Code != apperr.Invalid || e.Fields[tt.field] != tt.key {
				t.Errorf("Validate = %v, want %s=%s", err, tt.field, tt.key)
			}
		})
	}
}

// TestRectWorkflowEveryTransition enumerates every (state, op) pair: the
// rows of the table are allowed with their target, the others refused.
func TestRectWorkflowEveryTransition(t *testing.T) {
	want := map[[2]string]RectStatus{
		{"open", "report"}:                 RectReported,
		{"reported", "report"}:             RectReported,
		{"closed_staged", "report"}:        RectReported,
		{"reported", "start_verification"}: RectVerifying,
		{"reported", "close_procedural"}:   RectProcedural,
		{"reported", "close_staged"}:       RectStaged,
		{"verifying", "close_substantive"}: RectClosed,
		{"verifying", "reopen"}:            RectOpen,
	}
	for _, s := range RectStatuses() {
		for _, op := range RectOps() {
			row, ok := RectNext(s, op)
			to, allowed := want[[2]string{string(s), string(op)}]
			if ok != allowed || (ok && row.To != to) {
				t.Errorf("%s --%s--> ok=%v to=%s, want ok=%v to=%s", s, op, ok, row.To, allowed, to)
			}
			if ok {
				wantPerm, wantSide := auth.PermTaskManage, SideSupervising
				if op == RectOpReport {
					wantPerm, wantSide = auth.PermTaskReport, SideResponsible
				}
				if row.Perm != wantPerm || row.Side != wantSide {
					t.Errorf("%s --%s--> perm %s side %s", s, op, row.Perm, row.Side)
				}
			}
		}
	}
	if len(RectWorkflow()) != len(want) {
		t.Errorf("table has %d rows, want %d", len(RectWorkflow()), len(want))
	}
	if tb := RectTable(); tb.Start != "open" || len(tb.Rows) != len(want) {
		t.Errorf("RectTable = %+v", tb)
	}
}

func TestRectActionCheck(t *testing.T) {
	const today = "2026-03-10"
	pass, _ := RectNext(RectVerifying, RectOpPass)
	reopen, _ := RectNext(RectVerifying, RectOpReopen)
	report, _ := RectNext(RectOpen, RectOpReport)
	verify, _ := RectNext(RectReported, RectOpVerify)
	visit := RectAction{Text: "核查属实，已整改", VisitDate: "2026-03-09", Visitor: "李四", Satisfaction: Satisfied}
	tests := []struct {
		name  string
		row   RectTransition
		in    RectAction
		code  apperr.Code
		field string
	}{
		{"report ok", report, RectAction{Text: "已补充公示"}, "", ""},
		{"report empty", report, RectAction{Text: " "}, apperr.Invalid, "text"},
		{"verify needs nothing", verify, RectAction{}, "", ""},
		{"pass satisfied", pass, visit, "", ""},
		{"pass basically", pass, func() RectAction { v := visit; v.Satisfaction = Basically; return v }(), "", ""},
		{"pass unsatisfied", pass, func() RectAction { v := visit; v.Satisfaction = Unsatisfied; return v }(), apperr.Conflict, ""},
		{"pass no visitor", pass, func() RectAction { v := visit; v.Visitor = ""; return v }(), apperr.Invalid, "visitor"},
		{"pass visit in future", pass, func() RectAction { v := visit; v.VisitDate = "2026-03-11"; return v }(), apperr.Invalid, "visit_date"},
		{"pass bad satisfaction", pass, func() RectAction { v := visit; v.Satisfaction = "ok"; return v }(), apperr.Invalid, "satisfaction"},
		{"reopen ok", reopen, RectAction{Text: "公示不完整", Deadline: "2026-04-01"}, "", ""},
		{"reopen no deadline", reopen, RectAction{Text: "公示不完整"}, apperr.Invalid, "deadline"},
		{"reopen past deadline", reopen, RectAction{Text: "公示不完整", Deadline: "2026-03-01"}, apperr.Invalid, "deadline"},
		{"reopen no reason", reopen, RectAction{Deadline: "2026-04-01"}, apperr.Invalid, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			err := in.Check(tt.row, today)
			if apperr.CodeOf(err) != tt.code {
				t.Fatalf("Check = %v, want code %q", err, tt.code)
			}
			if tt.field != "" {
				if _, ok := apperr.As(err).Fields[tt.field]; !ok {
					t.Errorf("Check = %v, want field %s", err, tt.field)
				}
			}
		})
	}
}

func TestClosureAndOverdue(t *testing.T) {
	for s, want := range map[RectStatus]string{RectOpen: "", RectReported: "", RectVerifying: "", RectStaged: "staged",
		RectProcedural: "procedural", RectClosed: "substantive"} {
		if got := ClosureOf(s); got != want {
			t.Errorf("ClosureOf(%s) = %q, want %q", s, got, want)
		}
	}
	r := Rectification{Status: RectOpen, Deadline: "2026-03-09"}
	if !r.Overdue("2026-03-10") || r.Overdue("2026-03-09") {
		t.Error("open item: overdue the day after its deadline only")
	}
	r.Status = RectClosed
	if r.Overdue("2026-03-10") {
		t.Error("a closed item is never overdue")
	}
	if !Under("/1/2/7/", "/1/2/") || Under("/1/3/", "/1/2/") || Under("/1/2/", "") {
		t.Error("Under")
	}
}
