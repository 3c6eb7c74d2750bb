package app_test

import (
	"testing"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// clueFixture is the access fixture plus what the clue workflow needs: a
// case management office (CM) and a petition office (PO) under county A
// with their staff, and a second township user (townt2 at T2) and a second
// leader (leadera2, 第二片区组长).
type clueFixture struct {
	*fixture
}

func newClueFixture(t *testing.T, s *store.Store, clock *testdb.Clock) *clueFixture {
	t.Helper()
	f := &clueFixture{newFixture(t, s, clock)}
	unit := func(key string, kind org.Kind, name string) {
		t.Helper()
		u, err := f.app.CreateUnit(ctx, sys, org.Unit{ParentID: f.units["A"].ID, Kind: kind, Name: name})
		if err != nil {
			t.Fatalf("create %s: %v", key, err)
		}
		f.units[key] = u
	}
	unit("CM", org.KindCaseManagement, "案件监督管理室")
	unit("PO", org.KindPetition, "信访室")
	user := func(username, unitKey string, role auth.Role) {
		t.Helper()
		p, err := f.app.SavePerson(ctx, sys, org.Person{UnitID: f.units[unitKey].ID, Name: "干部" + username, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.app.CreateUser(ctx, sys, p.ID, username, password, []auth.Role{role})
		if err != nil {
			t.Fatalf("create user %s: %v", username, err)
		}
		f.people[username], f.users[username] = p, u
		f.principals[username] = f.signIn(t, username)
	}
	user("casea", "CM", auth.RoleCaseManager)
	user("petitiona", "PO", auth.RolePetition)
	user("townt2", "T2", auth.RoleTownship)
	user("leadera2", "A", auth.RoleLeader)
	return f
}

func eachClue(t *testing.T, fn func(t *testing.T, f *clueFixture)) {
	t.Helper()
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		fn(t, newClueFixture(t, s, clock))
	})
}

// input is a valid clue about a village cadre.
func input(content string) clue.Input {
	return clue.Input{Source: clue.SourceAudit, SourceRef: "永审移〔2026〕3号", Content: content,
		Subject: clue.Subject{Name: "王某", Unit: "杨家溪村村委会", Post: "村党支部书记", Level: "village"}, Category: "subsidies"}
}

// endOfDay is the last millisecond of a day in Asia/Shanghai, where the
// clocks of day-counted limits end.
func endOfDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999e6, time.FixedZone("CST", 8*3600)).UTC()
}

func (f *clueFixture) p(username string) auth.Principal { return f.principals[username] }

func TestRegisterClue(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		// Case management registers in the county's ledger: the clue waits
		// at the case management office; the number is the county's.
		c, err := f.app.RegisterClue(ctx, f.p("casea"), input("反映杨家溪村党支部书记王某截留低保金。"))
		must(t, err)
		if c.Number != "永纪线〔2026〕1号" || c.LedgerUnitID != f.units["A"].ID || c.UnitID != f.units["CM"].ID ||
			c.Status != clue.StatusRegistered || c.Source != clue.SourceAudit || c.SourceRef != "永审移〔2026〕3号" {
			t.Fatalf("clue %+v", c)
		}
		if c.Title != "反映杨家溪村党支部书记王某截留低保金。" {
			t.Errorf("title from content: %q", c.Title)
		}
		// The disposal opinion is due one month after receipt ([R2019] 21).
		wantDue := endOfDay(2026, 4, 16)
		if !c.DisposalDueAt.Equal(wantDue) {
			t.Errorf("disposal due %v, want %v", c.DisposalDueAt, wantDue)
		}
		clocks, err := f.store.Clocks(ctx, "clue", c.ID)
		must(t, err)
		if len(clocks) != 1 || clocks[0].Code != "clue.disposal" || clocks[0].Label != c.Number || clocks[0].UnitPath != f.units["CM"].Path {
			t.Fatalf("clocks %+v", clocks)
		}
		// The next one is number 2; a township keeps its own ledger.
		c2, err := f.app.RegisterClue(ctx, f.p("casea"), input("第二条"))
		must(t, err)
		c3, err := f.app.RegisterClue(ctx, f.p("townt1"), input("乡镇自办线索"))
		must(t, err)
		if c2.Number != "永纪线〔2026〕2号" || c3.Number != "南纪线〔2026〕1号" || c3.UnitID != f.units["T1"].ID {
			t.Errorf("numbers %s, %s at %d", c2.Number, c3.Number, c3.UnitID)
		}

		// 群众身边 clues also run the local target (10 working days).
		in := input("群众身边：村干部优亲厚友")
		in.MassInterest = true
		m, err := f.app.RegisterClue(ctx, f.p("casea"), in)
		must(t, err)
		clocks, err = f.store.Clocks(ctx, "clue", m.ID)
		must(t, err)
		codes := map[string]time.Time{}
		for _, k := range clocks {
			codes[k.Code] = k.DueAt
		}
		if due := codes["clue.mass.disposal"]; !due.Equal(endOfDay(2026, 3, 30)) {
			t.Errorf("local target due %v, want the end of 2026-03-30 (10 working days)", due)
		}

		// Validation and permissions.
		bad := input("")
		_, err = f.app.RegisterClue(ctx, f.p("casea"), bad)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"content": "clue.content_required"})
		_, err = f.app.RegisterClue(ctx, f.p("analysta"), input("x"))
		wantCode(t, err, apperr.Forbidden, "", nil)
		in = input("他县台账")
		in.LedgerUnitID = f.units["B"].ID
		_, err = f.app.RegisterClue(ctx, f.p("casea"), in)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"ledger_unit_id": "clue.ledger_invalid"})

		// A city cadre in a county ledger belongs to the upper level.
		in = input("市管干部问题")
		in.Subject.Level = "city"
		up, err := f.app.RegisterClue(ctx, f.p("casea"), in)
		must(t, err)
		if !up.UpperLevel {
			t.Error("a city cadre's clue is not flagged upper level")
		}
	})
}

func TestClueFromReport(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		rep, _, err := f.app.RegisterReport(ctx, f.p("townt1"), intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelLetter,
			Title: "反映村干部截留补贴", Content: "杨家溪村村委会主任李某截留2025年耕地地力保护补贴。", Category: "subsidies",
			DivisionCode: "430802001002", Subject: intake.Subject{Name: "李某", Post: "村委会主任", Level: intake.LevelVillage},
			Anonymous: true}, nil, false)
		must(t, err)
		c, err := f.app.RegisterClueFromReport(ctx, f.p("townt1"), rep.ID, true, false)
		must(t, err)
		if c.SourceType != "report" || c.SourceID != rep.ID || c.SourceRef != rep.Number || c.Source != clue.SourceReport ||
			c.Subject.Name != "李某" || c.Category != "subsidies" || !c.MassInterest || c.Subject.UnitID != f.units["V2"].ID {
			t.Fatalf("clue from report %+v", c)
		}
		// At most one clue per report, unless split deliberately.
		_, err = f.app.RegisterClueFromReport(ctx, f.p("townt1"), rep.ID, false, false)
		wantCode(t, err, apperr.Conflict, "clue.source_has_clue", nil)
		s, err := f.app.RegisterClueFromReport(ctx, f.p("townt1"), rep.ID, false, true)
		must(t, err)
		if s.SplitNo != 1 {
			t.Errorf("split no %d, want 1", s.SplitNo)
		}
		list, err := f.app.CluesFromSource(ctx, f.p("townt1"), "report", rep.ID)
		must(t, err)
		if len(list) != 2 || list[0].ID != c.ID {
			t.Errorf("clues of the report: %d", len(list))
		}
		// A report outside the caller's scope is not found.
		_, err = f.app.RegisterClueFromReport(ctx, f.p("townb1"), rep.ID, false, false)
		wantCode(t, err, apperr.NotFound, "", nil)
	})
}

func TestClueVisibility(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		county, err := f.app.RegisterClue(ctx, f.p("casea"), input("县案管线索"))
		must(t, err)
		town, err := f.app.RegisterClue(ctx, f.p("townt1"), input("南庄坪线索"))
		must(t, err)
		in := input("反映南庄坪街道干部")
		in.Subject.UnitID = f.units["T1"].ID
		in.Subject.Level = "township"
		recused, err := f.app.RegisterClue(ctx, f.p("townt1"), in) // registered by T1 about a T1 cadre
		must(t, err)
		tests := []struct {
			user string
			id   int64
			see  bool
		}{
			{"casea", county.ID, true},
			{"casea", town.ID, true}, // scope.commission: the whole commission
			{"leadera", town.ID, true},
			{"officeo1", town.ID, true},    // area group member T1
			{"officeo1", county.ID, false}, // the case management office is not in the group
			{"townt1", town.ID, true},
			{"townt1", county.ID, false},
			{"townt2", town.ID, false},
			{"townb1", town.ID, false},
			{"adminb", town.ID, false},
			{"admina", county.ID, false}, // administrators hold no clue.read
			{"leadera", recused.ID, true},
			{"casea", recused.ID, true},
			{"townt1", recused.ID, false}, // automatic recusal: inside the subject's unit
		}
		for _, tt := range tests {
			_, err := f.app.GetClue(ctx, f.p(tt.user), tt.id)
			if tt.see && err != nil {
				t.Errorf("%s does not see clue %d: %v", tt.user, tt.id, err)
			}
			if !tt.see && apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("%s: clue %d: %v, want not_found", tt.user, tt.id, err)
			}
		}
		if f.p("casea").CommissionPath != f.units["A"].Path {
			t.Errorf("case manager's commission path %q, want %q", f.p("casea").CommissionPath, f.units["A"].Path)
		}
	})
}
