package stats

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/casework"
)

func TestFiguresOf(t *testing.T) {
	tests := []struct {
		name string
		o    casework.Outcome
		want Figures
	}{
		{"nothing", casework.Outcome{}, Figures{}},
		{"party only", casework.Outcome{Party: casework.PartyWarning}, Figures{Sanctioned: true, PartySanctioned: true}},
		{"both counted once", casework.Outcome{Party: casework.PartyExpulsion, Gov: casework.GovExpulsion},
			Figures{Sanctioned: true, PartySanctioned: true, GovSanctioned: true}},
		{"org action is not a sanction", casework.Outcome{Org: []casework.OrgAction{casework.OrgRemoval, casework.OrgDemotion}},
			Figures{OrgAction: true}},
		{"first form only", casework.Outcome{First: []casework.FirstForm{casework.FirstAdmonish}}, Figures{}},
		{"funds add up", casework.Outcome{Gov: casework.GovDemerit, ConfiscatedFen: 100, RecoveredFen: 20, OrderedFen: 3, ReturnedFen: 50},
			Figures{Sanctioned: true, GovSanctioned: true, FundsFen: 123, ReturnedFen: 50}},
		{"transferred", casework.Outcome{Party: casework.PartyExpulsion, Transferred: true},
			Figures{Sanctioned: true, PartySanctioned: true, Transferred: true}},
		{"withdrawn counts as nothing", casework.Outcome{Withdrawn: true, RecoveredFen: 5}, Figures{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FiguresOf(tt.o); got != tt.want {
				t.Errorf("FiguresOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		from, to string
		want     Period
		field    string
		key      string
	}{
		{"", "", Period{"2026-01-01", "2026-03-16"}, "", ""},
		{"2025-12-01", "", Period{"2025-12-01", "2026-03-16"}, "", ""},
		{"", "2025-06-30", Period{"2025-01-01", "2025-06-30"}, "", ""},
		{"2026-03-01", "2026-03-01", Period{"2026-03-01", "2026-03-01"}, "", ""},
		{"2026-3-1", "", Period{}, "from", "stats.date_invalid"},
		{"", "2026-02-30", Period{}, "to", "stats.date_invalid"},
		{"2026-03-02", "2026-03-01", Period{}, "to", "stats.period_reversed"},
		{"2010-01-01", "2026-03-01", Period{}, "to", "stats.period_too_long"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.from, tt.to, "2026-03-16")
		if tt.field == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParsePeriod(%q, %q) = %+v, %v; want %+v", tt.from, tt.to, got, err, tt.want)
			}
			continue
		}
		if e := apperr.As(err); err == nil || e.Code != apperr.Invalid || e.Fields[tt.field] != tt.key {
			t.Errorf("ParsePeriod(%q, %q) error %v, want %s on %s", tt.from, tt.to, err, tt.key, tt.field)
		}
	}
}

func TestBuckets(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	tests := []struct {
		p      Period
		iv     Interval
		labels string
		first  string // second boundary, RFC 3339
	}{
		{Period{"2025-12-15", "2026-03-16"}, IntervalMonth, "2025-12 2026-01 2026-02 2026-03", "2026-01-01T00:00:00+08:00"},
		{Period{"2025-11-15", "2026-04-01"}, IntervalQuarter, "2025-Q4 2026-Q1 2026-Q2", "2026-01-01T00:00:00+08:00"},
		{Period{"2024-03-01", "2026-01-01"}, IntervalYear, "2024 2025 2026", "2025-01-01T00:00:00+08:00"},
		{Period{"2026-03-16", "2026-03-16"}, IntervalMonth, "2026-03", ""},
	}
	for _, tt := range tests {
		b, l := tt.p.Buckets(tt.iv, loc)
		if strings.Join(l, " ") != tt.labels || len(b) != len(l) {
			t.Errorf("%v %s: labels %v (%d bounds)", tt.p, tt.iv, l, len(b))
			continue
		}
		start, _ := tt.p.Bounds(loc)
		if !b[0].Equal(start) {
			t.Errorf("%v: first bound %v, want the period start %v", tt.p, b[0], start)
		}
		if tt.first != "" && b[1].Format(time.RFC3339) != tt.first {
			t.Errorf("%v %s: second bound %v, want %s", tt.p, tt.iv, b[1], tt.first)
		}
	}
	_, end := Period{"2026-03-01", "2026-03-31"}.Bounds(loc)
	if end.Format(time.RFC3339) != "2026-04-01T00:00:00+08:00" {
		t.Errorf("the end date is inclusive: bound %v", end)
	}
}

func TestPeriodPhrase(t *testing.T) {
	today := "2026-12-06"
	tests := []struct {
		p    Period
		want string
	}{
		{Period{"2026-01-01", "2026-12-06"}, "今年以来"},
		{Period{"2025-01-01", "2025-12-31"}, "2025年"},
		{Period{"2026-04-01", "2026-06-30"}, "2026年第二季度"},
		{Period{"2026-02-01", "2026-02-28"}, "2026年2月"},
		{Period{"2026-03-01", "2026-12-06"}, "2026年3月1日以来"},
		{Period{"2026-03-01", "2026-06-15"}, "2026年3月1日至6月15日"},
		{Period{"2025-11-01", "2026-01-15"}, "2025年11月1日至2026年1月15日"},
	}
	for _, tt := range tests {
		if got := PeriodPhrase(tt.p, today); got != tt.want {
			t.Errorf("PeriodPhrase(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestBulletin(t *testing.T) {
	avg := 12.3
	s := Summary{Scope: Scope{Name: "永定区纪委监委"}, Period: Period{"2026-01-01", "2026-12-06"},
		CasesFiled: 72, PersonsSanctioned: 20, PersonsOrgActions: 13, PersonsDetained: 4, FundsRecoveredFen: 477870000}
	want := "今年以来，永定区纪委监委共查办案件72件，给予党纪政务处分20人，组织处理13人，采取留置措施4人，追缴资金477.87万元。"
	if got := Bulletin(s, "2026-12-06"); got != want {
		t.Errorf("seed sentence\n got %s\nwant %s", got, want)
	}
	s.ReportsReceived, s.ReportsAnswered, s.CluesDisposed = 30, 25, 9
	s.CluesByMode = map[string]int64{"inquiry": 4, "verification": 5}
	s.FourForms = Forms{First: 3, Second: 1}
	s.AvgClueDisposalDays = &avg
	s.RectificationsOpened, s.RectificationsClosed, s.RectificationsClosedSubstantive = 12, 9, 6
	got := Bulletin(s, "2026-12-06")
	for _, part := range []string{want, "督促整改问题12个，已销号9个（实质性销号6个）。", "受理信访举报30件、办结25件，处置问题线索9件（谈话函询4件、初步核实5件）。",
		"运用监督执纪“四种形态”批评教育帮助和处理4人次，第一种形态3人次、占75.0%，第二种形态1人次、占25.0%。",
		"问题线索从受理到处置平均用时12.3天。"} {
		if !strings.Contains(got, part) {
			t.Errorf("bulletin lacks %q:\n%s", part, got)
		}
	}
	tasks := Bulletin(Summary{Scope: Scope{Name: "永定区纪委监委"}, Period: Period{"2026-01-01", "2026-12-06"}, TasksActive: 3,
		TaskUnitsBehind: 2, TaskUnitsOverdue: 1, UrgesSent: 7}, "2026-12-06")
	if want := "今年以来，永定区纪委监委共查办案件0件。开展监督检查3项，督促3个单位加快进度（催办7次）。"; tasks != want {
		t.Errorf("task bulletin %q, want %q", tasks, want)
	}
	onTrack := Bulletin(Summary{Scope: Scope{Name: "永定区纪委监委"}, Period: Period{"2026-01-01", "2026-12-06"}, TasksActive: 1}, "2026-12-06")
	if want := "今年以来，永定区纪委监委共查办案件0件。开展监督检查1项。"; onTrack != want {
		t.Errorf("task bulletin %q, want %q", onTrack, want)
	}
	empty := Bulletin(Summary{Scope: Scope{Name: "第一片区"}, Period: Period{"2025-01-01", "2025-12-31"}}, "2026-12-06")
	if empty != "2025年，第一片区共查办案件0件。" {
		t.Errorf("empty bulletin %q", empty)
	}
}

func TestClosureRate(t *testing.T) {
	for _, tt := range []struct {
		closed, opened int64
		want           string
	}{{0, 0, "nil"}, {0, 4, "0.0"}, {1, 3, "33.3"}, {2, 3, "66.7"}, {9, 12, "75.0"}, {3, 3, "100.0"}} {
		got := "nil"
		if r := ClosureRate(tt.closed, tt.opened); r != nil {
			got = strconv.FormatFloat(*r, 'f', 1, 64)
		}
		if got != tt.want {
			t.Errorf("ClosureRate(%d, %d) = %s, want %s", tt.closed, tt.opened, got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		fen       int64
		wan, yuan string
	}{
		{477870000, "477.87", "4,778,700.00"},
		{0, "0.00", "0.00"},
		{4999, "0.00", "49.99"},
		{5000, "0.01", "50.00"},
		{123456789, "123.46", "1,234,567.89"},
		{-1000000, "-1.00", "-10,000.00"},
	}
	for _, tt := range tests {
		if got := WanYuan(tt.fen); got != tt.wan {
			t.Errorf("WanYuan(%d) = %s, want %s", tt.fen, got, tt.wan)
		}
		if got := Yuan(tt.fen); got != tt.yuan {
			t.Errorf("Yuan(%d) = %s, want %s", tt.fen, got, tt.yuan)
		}
	}
}

func TestSuppress(t *testing.T) {
	for _, tt := range []struct {
		v    int64
		k    int
		want Cell
	}{
		{0, 3, Cell{}}, {1, 3, Cell{Suppressed: true}}, {2, 3, Cell{Suppressed: true}}, {3, 3, Cell{Value: 3}},
		{4, 5, Cell{Suppressed: true}}, {1, 1, Cell{Value: 1}},
	} {
		if got := Suppress(tt.v, tt.k); got != tt.want {
			t.Errorf("Suppress(%d, %d) = %+v, want %+v", tt.v, tt.k, got, tt.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Metrics() {
		if seen[m.Name] {
			t.Errorf("metric %s twice", m.Name)
		}
		seen[m.Name] = true
		if m.Object == "" || m.Value == "" || m.Unit == "" {
			t.Errorf("metric %+v incomplete", m)
		}
	}
	for _, name := range RowMetrics() {
		if _, err := MetricByName(name); err != nil {
			t.Errorf("row metric %s: %v", name, err)
		}
	}
	m, _ := MetricByName("reports_received")
	if m.CheckKey("channel") != nil || apperr.As(m.CheckKey("mode")).Fields["breakdown"] != "stats.key_invalid" {
		t.Error("CheckKey")
	}
	if _, err := MetricByName("nope"); apperr.As(err).Fields["metric"] != "stats.metric_invalid" {
		t.Errorf("unknown metric: %v", err)
	}
}

func TestBulletinVillage(t *testing.T) {
	s := Summary{Scope: Scope{Name: "永定区纪委监委"}, Period: Period{"2026-01-01", "2026-12-06"},
		VillageSessions: 870, VillageVisits: 1200, VillagePeopleVisited: 3346, DemandsCollected: 800, DemandsResolved: 772}
	want := "村（社区）纪检委员累计开展党风廉政监督870次，走访党员群众3346人次，收集解决群众生产生活难题和信访诉求772个。"
	if got := Bulletin(s, "2026-12-06"); !strings.HasSuffix(got, want) {
		t.Errorf("village sentence\n got %s\nwant suffix %s", got, want)
	}
	s.VillageSessions, s.DemandsResolved = 0, 0
	if got := Bulletin(s, "2026-12-06"); !strings.HasSuffix(got, "村（社区）纪检委员累计走访党员群众3346人次。") {
		t.Errorf("zero figures left out: %s", got)
	}
	if got := Bulletin(Summary{Scope: Scope{Name: "x"}, Period: s.Period, DemandsCollected: 5}, "2026-12-06"); strings.Contains(got, "村（社区）") {
		t.Errorf("collected but unresolved demands alone make no sentence: %s", got)
	}
}
