package oversight

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
)

func TestTopics(t *testing.T) {
	ts, err := Topics()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"finance", "projects", "subsidies", "disclosure", "relief", "decisions", "other"}
	if len(ts) != len(want) {
		t.Fatalf("got %d topics, want %d", len(ts), len(want))
	}
	for i, c := range want {
		if ts[i].Code != c {
			t.Errorf("topic %d = %q, want %q", i, ts[i].Code, c)
		}
	}
}

func TestValidClientID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"3b241101-e2bb-4255-8caf-4136c566a962", true},
		{"q1a2b3c4", true},
		{"short", false},
		{strings.Repeat("a", 65), false},
		{"3b241101 e2bb", false},
		{"<script>alert</script>", false},
		{"", false},
	} {
		if got := ValidClientID(tc.id); got != tc.ok {
			t.Errorf("ValidClientID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	topics, err := Topics()
	if err != nil {
		t.Fatal(err)
	}
	const today = "2026-06-10"
	const cid = "3b241101-e2bb-4255-8caf-4136c566a962"
	for _, tc := range []struct {
		name  string
		in    Input
		field string // "" when valid
		key   string
	}{
		{"session", Input{ClientID: cid, Kind: KindSession, Date: today, Summary: "列席村两委会议，监督低保评议", Topics: []string{"relief", "finance"}, People: 12}, "", ""},
		{"visit", Input{ClientID: cid, Kind: KindVisit, Date: "2026-06-09", Summary: "走访脱贫户", People: 5, Place: "三组"}, "", ""},
		{"demand", Input{ClientID: cid, Kind: KindDemand, Date: today, Summary: "灌溉水渠堵塞", DemandKind: DemandDifficulty, Person: "张三", Phone: "13800000000", Department: "村委会", Due: "2026-06-20"}, "", ""},
		{"bad client id", Input{ClientID: "x", Kind: KindVisit, Date: today, Summary: "走访", People: 1}, "client_id", "village.client_id_invalid"},
		{"bad kind", Input{ClientID: cid, Kind: "party", Date: today, Summary: "x"}, "kind", "village.kind_invalid"},
		{"future date", Input{ClientID: cid, Kind: KindVisit, Date: "2026-06-11", Summary: "走访", People: 1}, "date", "village.date_future"},
		{"old date", Input{ClientID: cid, Kind: KindVisit, Date: "2025-01-01", Summary: "走访", People: 1}, "date", "village.date_too_old"},
		{"bad date", Input{ClientID: cid, Kind: KindVisit, Date: "10/06/2026", Summary: "走访", People: 1}, "date", "village.date_invalid"},
		{"no summary", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: "  ", People: 1}, "summary", "village.summary_required"},
		{"long summary", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: strings.Repeat("字", MaxSummary+1), People: 1}, "summary", "village.summary_too_long"},
		{"session without topics", Input{ClientID: cid, Kind: KindSession, Date: today, Summary: "监督"}, "topics", "village.topics_required"},
		{"unknown topic", Input{ClientID: cid, Kind: KindSession, Date: today, Summary: "监督", Topics: []string{"weather"}}, "topics", "village.topic_invalid"},
		{"visit without people", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: "走访"}, "people", "village.people_invalid"},
		{"negative people", Input{ClientID: cid, Kind: KindSession, Date: today, Summary: "监督", Topics: []string{"other"}, People: -1}, "people", "village.people_invalid"},
		{"demand without person", Input{ClientID: cid, Kind: KindDemand, Date: today, Summary: "诉求", DemandKind: DemandPetition}, "person", "village.person_required"},
		{"demand bad kind", Input{ClientID: cid, Kind: KindDemand, Date: today, Summary: "诉求", Person: "李四"}, "demand_kind", "village.demand_kind_invalid"},
		{"demand bad phone", Input{ClientID: cid, Kind: KindDemand, Date: today, Summary: "诉求", Person: "李四", DemandKind: DemandPetition, Phone: "call me"}, "phone", "village.phone_invalid"},
		{"demand due before date", Input{ClientID: cid, Kind: KindDemand, Date: today, Summary: "诉求", Person: "李四", DemandKind: DemandPetition, Due: "2026-06-01"}, "due", "village.due_invalid"},
		{"topics on a visit", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: "走访", People: 2, Topics: []string{"other"}}, "topics", "village.field_not_for_kind"},
		{"person on a visit", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: "走访", People: 2, Person: "王五"}, "demand_kind", "village.field_not_for_kind"},
		{"long place", Input{ClientID: cid, Kind: KindVisit, Date: today, Summary: "走访", People: 2, Place: strings.Repeat("村", MaxShort+1)}, "place", "village.text_too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			err := in.Validate(today, topics)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e := apperr.As(err)
			if e.Code != apperr.Invalid || e.Fields[tc.field] != tc.key {
				t.Fatalf("got %v, want %s=%s", err, tc.field, tc.key)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	topics, _ := Topics()
	a := Input{ClientID: "aaaaaaaa-1", Kind: KindSession, Date: "2026-06-10", Summary: " 监督 财务\r\n", Topics: []string{"projects", "finance"}}
	b := Input{ClientID: "bbbbbbbb-2", Kind: KindSession, Date: "2026-06-10", Summary: "监督 财务", Topics: []string{"finance", "projects", "finance"}}
	for _, in := range []*Input{&a, &b} {
		if err := in.Validate("2026-06-10", topics); err != nil {
			t.Fatal(err)
		}
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Errorf("same content after normalising: fingerprints differ")
	}
	b.People = 3
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("different people count: same fingerprint")
	}
}

func TestDemandLifecycle(t *testing.T) {
	now := time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)
	e := NewEntry(Input{Kind: KindDemand, Person: "张三"})
	if e.Status != DemandOpen {
		t.Fatalf("new demand status %q", e.Status)
	}
	steps := []struct {
		act    Act
		status DemandStatus
		code   apperr.Code
		field  string
	}{
		{Act{Op: OpConfirm}, DemandOpen, apperr.Conflict, ""},
		{Act{Op: OpForward}, DemandOpen, apperr.Invalid, "department"},
		{Act{Op: "bribe"}, DemandOpen, apperr.Invalid, "op"},
		{Act{Op: OpForward, Department: "镇农业综合服务中心"}, DemandInProgress, "", ""},
		{Act{Op: OpResolve}, DemandInProgress, apperr.Invalid, "note"},
		{Act{Op: OpResolve, Note: "已疏通水渠"}, DemandResolved, "", ""},
		{Act{Op: OpReopen}, DemandResolved, apperr.Invalid, "note"},
		{Act{Op: OpReopen, Note: "下游仍堵塞"}, DemandInProgress, "", ""},
		{Act{Op: OpResolve, Note: "全线清淤"}, DemandResolved, "", ""},
		{Act{Op: OpConfirm}, DemandConfirmed, "", ""},
		{Act{Op: OpReport}, DemandConfirmed, apperr.Conflict, ""},
	}
	for i, s := range steps {
		next, err := e.Apply(s.act, now)
		if got := apperr.CodeOf(err); got != s.code {
			t.Fatalf("step %d (%s): code %q, want %q (%v)", i, s.act.Op, got, s.code, err)
		}
		if s.field != "" && apperr.As(err).Fields[s.field] == "" {
			t.Fatalf("step %d: no error on field %s: %v", i, s.field, err)
		}
		if err == nil {
			e = next
		}
		if e.Status != s.status {
			t.Fatalf("step %d (%s): status %q, want %q", i, s.act.Op, e.Status, s.status)
		}
	}
	if e.Department != "镇农业综合服务中心" || e.Resolution != "全线清淤" || !e.ResolvedAt.Equal(now) || !e.ConfirmedAt.Equal(now) {
		t.Errorf("final demand %+v", e)
	}
	if _, err := (Entry{Kind: KindVisit}).Apply(Act{Op: OpForward, Department: "x"}, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("action on a visit: %v", err)
	}
}

// TestDemandTable enumerates every transition: each (from, op) pair has
// exactly one row, and the ops from each state are the expected ones.
func TestDemandTable(t *testing.T) {
	want := map[DemandStatus][]DemandOp{
		DemandOpen:       {OpForward, OpResolve, OpReport},
		DemandInProgress: {OpForward, OpResolve, OpReport},
		DemandResolved:   {OpConfirm, OpReopen, OpReport},
		DemandConfirmed:  nil,
		DemandReported:   nil,
	}
	for _, s := range DemandStatuses() {
		got := DemandOps(s)
		if strings.Join(opStrings(got), ",") != strings.Join(opStrings(want[s]), ",") {
			t.Errorf("ops from %s = %v, want %v", s, got, want[s])
		}
	}
	seen := map[[2]string]bool{}
	for _, r := range DemandWorkflow() {
		k := [2]string{string(r.From), string(r.Op)}
		if seen[k] {
			t.Errorf("%s --%s--> twice", r.From, r.Op)
		}
		seen[k] = true
	}
	tb := DemandTable()
	if tb.Start != string(DemandOpen) || len(tb.Rows) != len(DemandWorkflow()) {
		t.Errorf("table %+v", tb)
	}
}

func opStrings(ops []DemandOp) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = string(o)
	}
	return out
}

func TestAuditViewHidesPersonalData(t *testing.T) {
	e := Entry{Kind: KindDemand, Person: "张三", Phone: "13800000000", Summary: "诉求"}
	v := e.Audit()
	if !v.PersonGiven || !v.PhoneGiven {
		t.Errorf("audit view %+v", v)
	}
	s := strings.ToLower(strings.Join([]string{v.ClientID, v.Department, v.Date}, "|"))
	if strings.Contains(s, "张三") || strings.Contains(s, "13800000000") {
		t.Errorf("personal data in the audit view: %+v", v)
	}
}

// FuzzInputJSON decodes outside input as POST /api/v1/village-logs does and
// validates it: no panic; an accepted entry stays valid when validated
// again, keeps its fingerprint, and has a valid client id and kind.
func FuzzInputJSON(f *testing.F) {
	f.Add(`{"client_id":"3b241101-e2bb-4255-8caf-4136c566a962","kind":"visit","date":"2026-06-10","summary":"走访","people":3}`)
	f.Add(`{"client_id":"q1a2b3c4","kind":"session","date":"2026-06-01","summary":"监督","topics":["finance","finance"," other "]}`)
	f.Add(`{"client_id":"d-0000001","kind":"demand","date":"2026-06-10","summary":"诉求","demand_kind":"petition","person":"张三","phone":"+8613800000000","due":"2026-06-30"}`)
	f.Add(`{"kind":"demand","people":-5,"topics":null}`)
	f.Add(`[]`)
	topics, err := Topics()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		var in Input
		if dec.Decode(&in) != nil {
			return
		}
		if err := in.Validate("2026-06-10", topics); err != nil {
			if apperr.CodeOf(err) != apperr.Invalid || len(apperr.As(err).Fields) == 0 {
				t.Fatalf("error %v is not a field error", err)
			}
			return
		}
		if !ValidClientID(in.ClientID) || !slices.Contains(EntryKinds(), in.Kind) {
			t.Fatalf("accepted %+v", in)
		}
		fp := in.Fingerprint()
		again := in
		if err := again.Validate("2026-06-10", topics); err != nil || again.Fingerprint() != fp {
			t.Fatalf("not stable: %v %q %q", err, again.Fingerprint(), fp)
		}
		if e := NewEntry(in); (e.Kind == KindDemand) != (e.Status == DemandOpen) {
			t.Fatalf("entry %+v", e)
		}
	})
}
