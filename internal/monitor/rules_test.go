package monitor

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) // 10:00 in China

func reading(id string, at time.Time, temps ...float64) Event {
	return Event{Version: 1, ID: id, Device: "T01", Depot: "D1", Bin: "B1", Kind: KindReading, At: at,
		Reading: &Reading{TempUnit: "C", Temps: temps}}
}

func failed(id string, at time.Time, slot string) Event {
	return Event{Version: 1, ID: id, Device: "T01", Depot: "D1", Bin: "B1", Kind: KindReading, At: at,
		Reading: &Reading{Failed: true, Slot: slot}}
}

func move(id string, at time.Time, dir Direction, kg float64, ticket string) Event {
	return Event{Version: 1, ID: id, Device: "S01", Depot: "D1", Bin: "B1", Kind: KindMovement, At: at,
		Movement: &Movement{Direction: dir, Weight: kg, Unit: "kg", Plate: "湘A12345", Ticket: ticket}}
}

func seen(id string, at time.Time, object string) Event {
	return Event{Version: 1, ID: id, Device: "C01", Depot: "D1", Bin: "B1", Kind: KindDetection, At: at,
		Detection: &Detection{Object: object}}
}

func measured(id string, at time.Time, kg float64) Event {
	return Event{Version: 1, ID: id, Device: "L01", Depot: "D1", Bin: "B1", Kind: KindMeasured, At: at,
		Measured: &Measured{Weight: kg, Unit: "kg"}}
}

func rules(t *testing.T) []Rule {
	t.Helper()
	r, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// normal is a week of ordinary traffic: readings every 6 hours with slow
// temperature drift, a planned movement with a ticket in working hours, a
// measured stock that matches the book, people seen at noon.
func normal() Input {
	in := Input{Now: t0.Add(7 * 24 * time.Hour), Depot: "D1", Bin: "B1", BookKG: 1_000_000 - 30_000,
		Plans: []RotationPlan{{BinID: 1, Direction: DirOut, From: "2026-12-01", To: "2026-12-10"}},
		Devs:  []DeviceSeen{{Code: "T01", Depot: "D1", Bin: "B1", LastSeen: t0.Add(7*24*time.Hour - time.Hour), LastEvent: "r27"}}}
	for i := range 28 {
		in.Events = append(in.Events, reading(fmt.Sprintf("r%d", i), t0.Add(time.Duration(i)*6*time.Hour), 12+float64(i%3)*0.5, 14))
	}
	in.Events = append(in.Events,
		move("m1", t0.Add(24*time.Hour), DirOut, 30_000, "CK-1"),
		measured("x1", t0.Add(48*time.Hour), 1_000_000-30_000+5_000),
		seen("c1", t0.Add(130*time.Hour), "person"))
	return in
}

func TestDefaultRulesNormalTraffic(t *testing.T) {
	if got := Evaluate(rules(t), normal()); len(got) != 0 {
		t.Fatalf("alerts on normal traffic: %+v", got)
	}
}

func TestRulesFire(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name     string
		plant    func(*Input)
		rule     string
		level    Level
		evidence []string
		text     string
	}{
		{"three failures in a row", func(in *Input) {
			in.Events = append(in.Events, failed("f1", t0.Add(3*time.Hour), "11:00"), failed("f2", t0.Add(4*time.Hour), "12:00"), failed("f3", t0.Add(5*time.Hour), "13:00"))
		}, RuleCollectionFailure, LevelWarning, []string{"f1", "f2", "f3"}, "连续失败 3 次"},
		{"same slot three days", func(in *Input) {
			for i, id := range []string{"s1", "s2", "s3"} {
				in.Events = append(in.Events, failed(id, t0.Add(time.Duration(i)*day+time.Hour), "11:00"))
			}
		}, RuleCollectionFailure, LevelWarning, []string{"s1", "s2", "s3"}, "连续 3 天失败"},
		{"minimum temperature jump", func(in *Input) {
			in.Events = append(in.Events, reading("j1", t0.Add(3*day+time.Hour), 24, 30))
		}, RuleTempJump, LevelWarning, []string{"r12", "j1"}, "超过 10 °C"},
		{"jump with a vehicle on camera", func(in *Input) {
			in.Events = append(in.Events, reading("j1", t0.Add(3*day+time.Hour), 24, 30), seen("v1", t0.Add(3*day+90*time.Minute), "vehicle"))
		}, RuleTempJump, LevelSerious, []string{"r12", "j1", "v1"}, "车辆 1 次"},
		{"movement outside the plan", func(in *Input) {
			in.Events = append(in.Events, move("m9", t0.Add(3*day), DirIn, 10_000, "RK-9"))
			in.BookKG += 10_000
		}, RuleUnauthorised, LevelSerious, []string{"m9"}, "不在任何轮换计划"},
		{"night movement without a ticket", func(in *Input) {
			in.Events = append(in.Events, move("m8", t0.Add(3*day+14*time.Hour), DirOut, 20_000, "")) // 00:00 China
			in.BookKG -= 20_000
		}, RuleUnauthorised, LevelSerious, []string{"m8"}, "工作时间（08:00–18:00）之外"},
		{"book against measured", func(in *Input) {
			in.Events = append(in.Events, measured("x2", t0.Add(4*day), 900_000))
		}, RuleStockMismatch, LevelSerious, []string{"x2"}, "相差 70000 公斤"},
		{"device silent", func(in *Input) {
			in.Devs[0].LastSeen = in.Now.Add(-30 * time.Hour)
		}, RuleDeviceSilent, LevelNotice, []string{"r27"}, "已 30 小时没有任何数据"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := normal()
			tt.plant(&in)
			got := Evaluate(rules(t), in)
			if len(got) != 1 {
				t.Fatalf("%d alerts, want 1: %+v", len(got), got)
			}
			a := got[0]
			var ids []string
			for _, e := range a.Evidence {
				ids = append(ids, e.ID)
			}
			if a.Rule != tt.rule || a.Level != tt.level || !slices.Equal(ids, tt.evidence) {
				t.Errorf("alert %s %s evidence %v, want %s %s %v", a.Rule, a.Level, ids, tt.rule, tt.level, tt.evidence)
			}
			if !strings.Contains(a.Explanation, tt.text) || a.Key == "" || a.Bin != "B1" || a.Depot != "D1" {
				t.Errorf("alert %+v; explanation should contain %q", a, tt.text)
			}
		})
	}
}

// TestReordering: the same events in any arrival order give the same
// alerts, and an older movement arriving late is counted at its own time.
func TestReordering(t *testing.T) {
	in := normal()
	in.Events = append(in.Events, failed("f1", t0.Add(3*time.Hour), "11:00"), failed("f2", t0.Add(4*time.Hour), "12:00"),
		failed("f3", t0.Add(5*time.Hour), "13:00"), reading("j1", t0.Add(73*time.Hour), 24, 30), measured("x2", t0.Add(96*time.Hour), 900_000))
	want := Evaluate(rules(t), in)
	if len(want) != 3 {
		t.Fatalf("%d alerts, want 3: %+v", len(want), want)
	}
	for _, order := range [][]int{{0, 1}, {2, 0}, {1, 3}} {
		re := in
		re.Events = slices.Clone(in.Events)
		slices.Reverse(re.Events)
		re.Events[order[0]], re.Events[order[1]] = re.Events[order[1]], re.Events[order[0]]
		got := Evaluate(rules(t), re)
		if len(got) != len(want) {
			t.Fatalf("order %v: %d alerts", order, len(got))
		}
		for i := range got {
			if got[i].Key != want[i].Key || got[i].Explanation != want[i].Explanation || !slices.Equal(got[i].Evidence, want[i].Evidence) {
				t.Errorf("order %v: %+v, want %+v", order, got[i], want[i])
			}
		}
	}

	// A movement of 70 t made before the measurement but arriving after
	// it, and one of 10 t made after it: the book at the measurement's
	// own time matches, so no mismatch.
	late := normal()
	late.BookKG -= 80_000
	late.Events = append([]Event{measured("x2", t0.Add(96*time.Hour), 900_000), move("m6", t0.Add(100*time.Hour), DirOut, 10_000, "CK-6")}, late.Events...)
	late.Events = append(late.Events, move("m7", t0.Add(90*time.Hour), DirOut, 70_000, "CK-7"))
	if got := Evaluate(rules(t), late); len(got) != 0 {
		t.Errorf("late movement: %+v", got)
	}
}

func TestRulesAsData(t *testing.T) {
	r := rules(t)
	if len(r) != len(ruleParams()) {
		t.Fatalf("%d rules shipped, %d known", len(r), len(ruleParams()))
	}
	// A stricter tolerance turns a 0.5 % difference into an alert.
	for i := range r {
		if r[i].Code == RuleStockMismatch {
			r[i].Params["tolerance_pct"] = 0.1
		}
	}
	if got := Evaluate(r, normal()); len(got) != 1 || got[0].Rule != RuleStockMismatch {
		t.Errorf("tolerance 0.1%%: %+v", got)
	}
	// A disabled rule does not fire.
	in := normal()
	in.Devs[0].LastSeen = in.Now.Add(-48 * time.Hour)
	r = rules(t)
	for i := range r {
		r[i].Enabled = r[i].Code != RuleDeviceSilent
	}
	if got := Evaluate(r, in); len(got) != 0 {
		t.Errorf("disabled rule fired: %+v", got)
	}
	for _, bad := range []string{
		`{"version":2,"rules":[]}`,
		`{"version":1,"rules":[{"code":"nope","level":"notice","params":{}}]}`,
		`{"version":1,"rules":[{"code":"temp_jump","level":"loud","params":{"jump_c":10}}]}`,
		`{"version":1,"rules":[{"code":"temp_jump","level":"notice","params":{}}]}`,
		`{"version":1,"rules":[{"code":"temp_jump","level":"notice","params":{"jump_c":-1}}]}`,
		`{"version":1,"rules":[{"code":"temp_jump","level":"notice","params":{"jump_c":10}},{"code":"temp_jump","level":"notice","params":{"jump_c":10}}]}`,
		`{"version":1,"rules":[{"code":"unauthorised_movement","level":"notice","params":{"work_start_hour":18,"work_end_hour":8,"utc_offset_hours":8}}]}`,
		`{"version":1,"rules":[],"extra":1}`,
	} {
		if _, err := ParseRules([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
