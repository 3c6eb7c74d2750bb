package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// auditWrites performs seven audited writes and returns how many records
// they appended.
func auditWrites(t *testing.T, s *store.Store, clock *testdb.Clock) int64 {
	t.Helper()
	actor := audit.Actor{UserID: 0, Name: "system", UnitID: 0}
	city := mkUnit(t, s, nil, org.KindCommission, "张家界市纪委监委", "4308") // 1
	clock.Advance(time.Second)
	county := mkUnit(t, s, &city, org.KindCommission, "永定区纪委监委", "430802") // 2
	clock.Advance(time.Second)
	p := mkPerson(t, s, county, "王书记", "书记") // 3
	clock.Advance(time.Second)
	county.Name = "永定区纪委监委（改）"
	if _, err := s.UpdateUnit(ctx, actor, county); err != nil { // 4
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, actor, store.NewUser{PersonID: p.ID, Username: "wang", PasswordHash: "h", Roles: []auth.Role{auth.RoleAdmin}}) // 5
	must(t, err)
	must(t, s.RecordLoginFailure(ctx, u.ID, auth.DefaultLoginPolicy()))                      // 6
	_, err = s.CreateSession(ctx, u.ID, "sess", auth.StageFull, auth.DefaultSessionPolicy()) // 7 (user.login)
	must(t, err)
	return 7
}

func TestAuditChainVerifies(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		n, err := s.VerifyAudit(ctx)
		if err != nil || n != 0 {
			t.Fatalf("empty log: VerifyAudit = %d, %v; want 0, nil", n, err)
		}
		clock.Set(t0)
		want := auditWrites(t, s, clock)
		n, err = s.VerifyAudit(ctx)
		if err != nil || n != want {
			t.Fatalf("VerifyAudit = %d, %v; want %d, nil", n, err, want)
		}
		var rows int64
		must(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&rows))
		if rows != want {
			t.Errorf("audit_log rows = %d, want %d", rows, want)
		}
		hist, err := s.History(ctx, "unit", 2)
		must(t, err)
		if len(hist) != 2 || hist[0].Action != "unit.create" || hist[1].Action != "unit.update" {
			t.Fatalf("History(unit 2) = %+v", hist)
		}
		upd := hist[1]
		if upd.Seq != 4 || upd.ActorName != "system" || !upd.At.Equal(t0.Add(3*time.Second)) || upd.BeforeDigest == "" ||
			upd.AfterDigest == "" || upd.BeforeDigest == upd.AfterDigest || !strings.Contains(upd.Detail, `"Name":"永定区纪委监委（改）"`) ||
			!strings.Contains(upd.Detail, `"_changed":["Name"`) ||
			upd.PrevHash == "" || upd.Hash != audit.ComputeHash(upd) {
			t.Errorf("update record = %+v", upd)
		}
		if hist[0].BeforeDigest != "" {
			t.Errorf("create record has a before digest %q", hist[0].BeforeDigest)
		}
		var acts []string
		for _, r := range mustHistory(t, s, "user", 1) {
			acts = append(acts, r.Action)
		}
		if want := []string{"user.create", "user.login_failed", "user.login"}; strings.Join(acts, ",") != strings.Join(want, ",") {
			t.Errorf("History(user 1) = %v, want %v", acts, want)
		}
	})
}

func mustHistory(t *testing.T, s *store.Store, typ string, id int64) []audit.Record {
	t.Helper()
	h, err := s.History(ctx, typ, id)
	must(t, err)
	return h
}

func TestAuditTampering(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		seq     int64  // Problem.Seq
		reason  string // substring of Problem.Reason
		counted int64  // records accepted before the problem
	}{
		{"changed detail", `UPDATE audit_log SET detail = 'x' WHERE seq = 2`, 2, "hash mismatch (record changed)", 1},
		{"changed actor", `UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 5`, 5, "hash mismatch", 4},
		{"changed time", `UPDATE audit_log SET at = at + 1 WHERE seq = 7`, 7, "hash mismatch", 6},
		{"last record deleted", `DELETE FROM audit_log WHERE seq = 7`, 7, "records missing at the tail", 6},
		{"middle record deleted", `DELETE FROM audit_log WHERE seq = 3`, 3, "sequence broken (expected 3, got 4)", 2},
		{"first record deleted", `DELETE FROM audit_log WHERE seq = 1`, 1, "sequence broken (expected 1, got 2)", 0},
		{"record rehashed but chain not", `UPDATE audit_log SET prev_hash = '` + audit.Genesis + `' WHERE seq = 3`, 3, "previous hash mismatch", 2},
		{"head moved back", `UPDATE audit_head SET seq = 6 WHERE id = 1`, 7, "records beyond the head", 7},
		{"head hash changed", `UPDATE audit_head SET hash = '` + audit.Genesis + `' WHERE id = 1`, 7, "head hash mismatch", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := testdb.NewClock(t0)
			testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
				auditWrites(t, s, clock)
				if _, err := s.DB().ExecContext(ctx, tt.sql); err != nil {
					t.Fatalf("tamper: %v", err)
				}
				n, err := s.VerifyAudit(ctx)
				var p *audit.Problem
				if !errors.As(err, &p) {
					t.Fatalf("VerifyAudit = %d, %v; want *audit.Problem", n, err)
				}
				if p.Seq != tt.seq || !strings.Contains(p.Reason, tt.reason) {
					t.Errorf("Problem = {Seq %d, %q}, want Seq %d with %q", p.Seq, p.Reason, tt.seq, tt.reason)
				}
				if n != tt.counted {
					t.Errorf("count = %d, want %d", n, tt.counted)
				}
			})
		})
	}
}

func TestAuditRecordsEveryWrite(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(t0)
		f := buildUsers(t, s)
		count := func() int64 {
			var n int64
			must(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n))
			return n
		}
		before := count()
		writes := []struct {
			name string
			do   func() error
		}{
			{"unit create", func() error {
				_, err := s.CreateUnit(ctx, sysActor, org.Unit{ParentID: f.a.ID, Kind: org.KindOffice, Name: "新室", Active: true})
				return err
			}},
			{"person create", func() error {
				_, err := s.CreatePerson(ctx, sysActor, org.Person{UnitID: f.a.ID, Name: "新人"})
				return err
			}},
			{"password", func() error { return s.SetPassword(ctx, sysActor, f.uT1.ID, "x", 0) }},
			{"totp", func() error { return s.SetTOTP(ctx, sysActor, f.uT1.ID, "s", false) }},
			{"token", func() error { _, err := s.CreateToken(ctx, sysActor, f.uT1.ID, "t", "th"); return err }},
			{"role", func() error {
				return s.UpdateRole(ctx, sysActor, auth.RoleInfo{Code: auth.RoleVillage, Perms: []auth.Permission{auth.PermOrgRead}, Version: 1})
			}},
			{"login", func() error {
				_, err := s.CreateSession(ctx, f.uT1.ID, "sh", auth.StageFull, auth.DefaultSessionPolicy())
				return err
			}},
		}
		for i, w := range writes {
			must(t, w.do())
			if got, want := count(), before+int64(i)+1; got != want {
				t.Errorf("after %s: %d audit records, want %d", w.name, got, want)
			}
		}
		// Reads and session-only writes append nothing.
		n0 := count()
		_, _, err := s.ListUnits(ctx, auth.System().ScopeFor(auth.PermOrgRead), store.UnitFilter{})
		must(t, err)
		_, err = s.CreateSession(ctx, f.uT1.ID, "sh2", auth.StageTOTP, auth.DefaultSessionPolicy())
		must(t, err)
		if got := count(); got != n0 {
			t.Errorf("reads and a totp-stage session appended %d records", got-n0)
		}
		if n, err := s.VerifyAudit(ctx); err != nil || n != n0 {
			t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, n0)
		}
	})
}
