package casework_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/casework"
)

func TestPseudonym(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"张三", "张某"},
		{"张某某", "张某"},
		{"王某", "王某"},
		{"李建国", "李某"},
		{"欧阳明华", "欧阳某"},
		{"欧阳修", "欧阳某"},
		{"欧阳", "欧某"}, // two characters: a single surname
		{"诸葛亮", "诸葛某"},
		{"司马相如", "司马某"},
		{" 赵 ", "赵某"},
		{"", "某"},
		{"John", "某"},
	} {
		if got := casework.Pseudonym(tt.name); got != tt.want {
			t.Errorf("Pseudonym(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAnonymiserText(t *testing.T) {
	for _, tt := range []struct {
		name  string
		names []string
		text  string
		want  string
	}{
		{"several times", []string{"张建国"}, "张建国任村支书期间，张建国多次收受礼金。", "张某任村支书期间，张某多次收受礼金。"},
		{"two to four characters", []string{"李四", "欧阳明华", "司马相如"}, "李四与欧阳明华、司马相如合谋", "李某与欧阳某、司马某合谋"},
		{"shared surname", []string{"张三", "张四"}, "张三指使张四虚报", "张某甲指使张某乙虚报"},
		{"name inside a longer subject's name", []string{"王明", "王明远"}, "王明远与王明系父子", "王某乙与王某甲系父子"},
		{"surname alone stays", []string{"刘洋"}, "刘书记、刘洋", "刘书记、刘某"},
		{"repeated and blank names", []string{"陈红", "", "陈红"}, "陈红", "陈某"},
		{"identity card", []string{"赵六"}, "赵六（身份证号430802198001011234）", "赵某（身份证号4****************4）"},
		{"identity card with X", nil, "身份证43080219800101123X。", "身份证4****************X。"},
		{"mobile", nil, "电话13812345678，金额12345元", "电话138****5678，金额12345元"},
		{"full-width mobile", nil, "电话１３８１２３４５６７８", "电话１３８****５６７８"},
		{"bank card", nil, "卡号6222020200112233445", "卡号6*****************5"},
		{"dates and amounts stay", nil, "2026年4月14日退缴违纪款100000元", "2026年4月14日退缴违纪款100000元"},
		{"numbers inside codes stay", nil, "文号ABC13812345678", "文号ABC13812345678"},
		{"twelve digits stay", nil, "编号138123456789", "编号138123456789"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.NewAnonymiser(tt.names).Text(tt.text); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTeach(t *testing.T) {
	closed := casework.Case{ID: 7, Number: "南纪案〔2026〕1号", Status: casework.StatusClosed, Category: "subsidies",
		Cause: "张建国截留挪用惠农补贴", Summary: "经查，张建国（电话13812345678）伙同欧阳明华截留补贴，杨家溪村村委会账目不清。",
		ClosedAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		Subjects: []casework.Subject{
			{ID: 11, Name: "张建国", Unit: "杨家溪村村委会", Post: "村党支部书记", Rank: "village", Category: casework.CategoryVillageCadre,
				PartyMember: true, Form: casework.FormSecond, Outcome: &casework.Outcome{SubjectID: 11, Party: casework.PartySeriousWarning,
					Note: "张建国主动退赃"}},
			{ID: 12, Name: "欧阳明华", Post: "村会计", Rank: "village", Category: casework.CategoryVillageCadre},
		}}
	tc, err := casework.Teach(closed, "张建国截留补贴案", "警示：张建国")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tc)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"张建国", "欧阳明华", "杨家溪村村委会", "13812345678", "南纪案"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("teaching case contains %q: %s", leak, b)
		}
	}
	if tc.Title != "张某截留补贴案" || tc.Cause != "张某截留挪用惠农补贴" || tc.CaseID != 7 || len(tc.Subjects) != 2 ||
		tc.Subjects[0].Alias != "张某" || tc.Subjects[1].Alias != "欧阳某" || tc.Subjects[0].Outcome.SubjectID != 0 ||
		tc.Subjects[0].Outcome.Note != "张某主动退赃" || tc.Subjects[0].Form != casework.FormSecond ||
		!strings.Contains(tc.Summary, "某单位账目不清") {
		t.Errorf("teaching case %+v", tc)
	}
	if closed.Subjects[0].Outcome.Note != "张建国主动退赃" {
		t.Error("the case's outcome was changed")
	}

	open := closed
	open.Status = casework.StatusExecution
	if _, err := casework.Teach(open, "标题", ""); apperr.As(err).Code != apperr.Conflict {
		t.Errorf("open case: %v", err)
	}
	_, err = casework.Teach(closed, "  ", "")
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["title"] != "casesimilar.title_required" {
		t.Errorf("no title: %v", err)
	}
	_, err = casework.Teach(closed, strings.Repeat("案", casework.MaxTitle+1), "")
	if e := apperr.As(err); e.Code != apperr.Invalid || e.Fields["title"] != "case.text_too_long" {
		t.Errorf("long title: %v", err)
	}
}
