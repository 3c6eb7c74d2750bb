package app_test

import (
	"bytes"
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/monitor"
	"qingfeng/internal/store"
	"qingfeng/internal/vault"
)

// xcID is a valid resident ID number (GB 11643 check digit) of a
// different region and birth year than the monitor package's generator.
func xcID(n int) string {
	s := fmt.Sprintf("4308021975%07d", n%10000000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * w[i]
	}
	return s + string("10X98765432"[sum%11])
}

// unseenLists is an "unseen" payment list (two files) and reference
// registers, shaped unlike the matcher's own generator: headers are
// variants, amounts written with units, payees in the fixture's
// townships, namesakes (same name, same village, other ID numbers) among
// payees and in every register, and planted anomalies whose (name, rule)
// must be found exactly.
type unseenLists struct {
	files map[string][][]any // kind → sheet rows (payments twice: "payments", "payments2")
	want  map[string]string  // name|rule
	names map[string]bool    // names of the namesake pairs
}

func genUnseen(seed uint64) unseenLists {
	rng := rand.New(rand.NewPCG(seed, 77))
	places := [][2]string{{"南庄坪街道", "南庄坪社区"}, {"南庄坪街道", "杨家溪村"}, {"大庸桥街道", "大庸桥村"}}
	items := []string{"农村低保", "耕地地力保护补贴", "高龄津贴", "困难残疾人生活补贴"}
	surn, given := []rune("欧阳覃向田符邓滕宋谷卓"), []rune("春秋冬雪松柏竹兰菊桂荷梅")
	used := map[string]bool{}
	name := func() string {
		for {
			n := string(surn[rng.IntN(len(surn))]) + string(given[rng.IntN(len(given))]) + string(given[rng.IntN(len(given))])
			if !used[n] {
				used[n] = true
				return n
			}
		}
	}
	u := unseenLists{files: map[string][][]any{}, want: map[string]string{}, names: map[string]bool{}}
	pay := [][]any{{"序号", "领取人姓名", "公民身份号码", "补贴类别", "发放金额（元）", "发放时间", "所属乡镇", "行政村"}}
	pay2 := [][]any{{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村"}}
	refHeader := []any{"姓名", "身份证号码", "村", "登记日期", "备注"}
	refs := map[string][][]any{}
	for _, k := range monitor.RefKinds() {
		refs[string(k)] = [][]any{refHeader}
	}
	ref := func(k monitor.RefKind, name, id, village, day, note string) {
		refs[string(k)] = append(refs[string(k)], []any{name, id, village, day, note})
	}
	seq := 0
	payRow := func(rows *[][]any, name, id, item, amount, day string, pl [2]string) {
		*rows = append(*rows, []any{len(*rows), name, id, item, amount, day, pl[0], pl[1]})
	}
	// Regular payees, paid in January and February 2026.
	for i := 0; i < 240; i++ {
		seq++
		pl, n, id, item := places[rng.IntN(len(places))], name(), xcID(seq), items[rng.IntN(len(items))]
		for _, m := range []string{"2026-01-10", "2026-02-10"} {
			payRow(&pay, n, id, item, "330元", m, pl)
		}
		if item == "困难残疾人生活补贴" {
			ref(monitor.RefDisability, n, id, pl[1], "", "")
		}
		if i%4 == 0 { // a namesake of the payee in a register: another person
			k := monitor.RefKinds()[i/4%6]
			ref(k, n, xcID(500000+seq), pl[1], "2025-06-01", "同名不同人")
			u.names[n] = true
		}
	}
	// Namesake payees: two people, same name and village, other ID numbers,
	// both paid 农村低保 the same month (not a double payment), and one of
	// them namesake of a deceased person with a third ID number.
	for i := 0; i < 6; i++ {
		n, pl := name(), places[i%3]
		seq++
		payRow(&pay, n, xcID(seq), "农村低保", "400", "2026-01-10", pl)
		seq++
		payRow(&pay, n, xcID(seq), "农村低保", "400", "2026-01-10", pl)
		ref(monitor.RefDeath, n, xcID(700000+seq), pl[1], "2025-12-01", "")
		u.names[n] = true
	}
	plant := func(rule, item string, pl [2]string, withID bool, k monitor.RefKind, refDay string) {
		seq++
		n, id := name(), xcID(seq)
		pid := id
		if !withID {
			pid = ""
		}
		payRow(&pay, n, pid, item, "500.00", "2026-02-10", pl)
		if k != "" {
			ref(k, n, id, pl[1], refDay, "")
		}
		u.want[n+"|"+rule] = rule
	}
	for i := 0; i < 3; i++ {
		pl := places[i]
		plant("deceased", "农村低保", pl, true, monitor.RefDeath, "2026-01-20")
		plant("deceased", "高龄津贴", pl, false, monitor.RefDeath, "2026-01-05") // weak: no ID on the payment
		plant("public_employee", "农村低保", pl, true, monitor.RefPublicEmployee, "2025-09-01")
		plant("official_relative", "特困供养", pl, true, monitor.RefRelative, "")
		plant("vehicle_owner", "农村低保", pl, true, monitor.RefVehicle, "2025-03-03")
		plant("property_owner", "临时救助", pl, true, monitor.RefProperty, "2024-11-11")
		plant("business_owner", "农村低保", pl, true, monitor.RefBusiness, "2023-01-01")
		plant("not_disabled", "重度残疾人护理补贴", pl, true, "", "")
		// Double payment across the two files: 农村低保 here, 城市低保 in the second list.
		seq++
		n, id := name(), xcID(seq)
		payRow(&pay, n, id, "农村低保", "420", "2026-02-10", pl)
		pay2 = append(pay2, []any{n, id, "城市低保", "420", "2026-02-12", pl[0], pl[1]})
		u.want[n+"|double_payment"] = "double_payment"
		// Near misses: died after the payment; employed after it.
		seq++
		m := name()
		payRow(&pay, m, xcID(seq), "农村低保", "330", "2026-02-10", pl)
		ref(monitor.RefDeath, m, xcID(seq), pl[1], "2026-03-01", "")
	}
	// A row that cannot be read: no amount.
	pay = append(pay, []any{len(pay), "缺金额", xcID(999), "农村低保", "", "2026-02-10", "南庄坪街道", "杨家溪村"})
	u.files["payments"], u.files["payments2"] = pay, pay2
	for k, rows := range refs {
		u.files[k] = rows
	}
	return u
}

func importXLSX(t *testing.T, f *fixture, p auth.Principal, kind, file string, rows [][]any) app.CrossCheckImportSummary {
	t.Helper()
	data := xlsxBytes(t, rows)
	s, err := f.app.ImportCrossCheckList(ctx, p, app.CrossCheckImport{UnitID: f.units["A"].ID, Kind: kind, Name: file,
		R: bytes.NewReader(data), Size: int64(len(data))})
	must(t, err)
	return s
}

func allSuspects(t *testing.T, f *fixture, p auth.Principal, run int64) []store.CrossCheckSuspect {
	t.Helper()
	out, total, err := f.app.CrossCheckSuspects(ctx, p, store.SuspectQuery{RunID: run, Page: store.Page{Limit: 500}})
	must(t, err)
	if total != len(out) {
		t.Fatalf("total %d, page %d", total, len(out))
	}
	return out
}

// TestCrossCheckUnseen imports an unseen payment list and registers as
// xlsx files, runs the rules, and checks that every planted anomaly is
// found with no false match (namesakes included); then judgements survive
// a re-run, assignment makes exactly one clue or rectification, and the
// money recovered reaches the statistics and the bulletin.
func TestCrossCheckUnseen(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["leadera"]
		u := genUnseen(20261206)
		kinds := []string{"payments", "payments2"}
		for _, k := range monitor.RefKinds() {
			kinds = append(kinds, string(k))
		}
		for _, k := range kinds {
			kind := k
			if k == "payments2" {
				kind = "payments"
			}
			s := importXLSX(t, f, p, kind, k+".xlsx", u.files[k])
			want := len(u.files[k]) - 1
			if k == "payments" {
				want--
				if s.Rejected != 1 || len(s.Errors) != 1 || s.Errors[0].Fields[0] != "amount" {
					t.Errorf("payments: rejected %d %+v", s.Rejected, s.Errors)
				}
			}
			if s.Imported != want || s.Duplicate {
				t.Errorf("%s: imported %d of %d rows, duplicate %v", k, s.Imported, want, s.Duplicate)
			}
		}
		again := importXLSX(t, f, p, "payments", "again.xlsx", u.files["payments"])
		if !again.Duplicate || again.Imported != len(u.files["payments"])-2 {
			t.Errorf("same file again: %+v", again)
		}
		// No ID number in clear in storage.
		id := u.files["payments"][1][2].(string)
		var n int
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM crosscheck_rows WHERE id_hash = $1 OR id_sealed = $1 OR name = $1`, id).Scan(&n))
		if n != 0 {
			t.Errorf("ID number stored in clear in %d rows", n)
		}

		res, err := f.app.RunCrossCheck(ctx, p, f.units["A"].ID, nil)
		must(t, err)
		got := map[string]string{}
		for _, s := range allSuspects(t, f, p, res.Run.ID) {
			k := s.Name + "|" + s.Rule
			if u.names[s.Name] {
				t.Errorf("namesake matched: %s %s (%s)", s.Name, s.Rule, s.Strength)
			}
			got[k] = s.Strength
		}
		for k := range u.want {
			if _, ok := got[k]; !ok {
				t.Errorf("planted %s not found", k)
			}
		}
		for k := range got {
			if _, ok := u.want[k]; !ok {
				t.Errorf("false match %s", k)
			}
		}
		if len(u.want) != 27 || res.Run.Suspects != 27 {
			t.Errorf("planted %d, run found %d", len(u.want), res.Run.Suspects)
		}

		// Judge: one confirmed, one rejected (a note is required), one unsure.
		list := allSuspects(t, f, p, res.Run.ID)
		sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
		pick := func(rule, strength string) store.CrossCheckSuspect {
			for _, s := range list {
				if s.Rule == rule && s.Strength == strength {
					return s
				}
			}
			t.Fatalf("no %s %s suspect", rule, strength)
			return store.CrossCheckSuspect{}
		}
		dead, weak, emp := pick("deceased", "strong"), pick("deceased", "weak"), pick("public_employee", "strong")
		if strings.Join(dead.Matched, ",") != "id_number,date" || strings.Join(weak.Matched, ",") != "name,village,date" {
			t.Errorf("matched fields %v / %v", dead.Matched, weak.Matched)
		}
		_, err = f.app.CrossCheckJudge(ctx, p, weak.ID, app.VerdictRejected, "", 0)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"note": "crosscheck.note_required"})
		_, err = f.app.CrossCheckJudge(ctx, f.principals["townb1"], dead.ID, app.VerdictConfirmed, "", 0)
		if err == nil {
			t.Error("another county judged")
		}
		_, err = f.app.CrossCheckAssign(ctx, p, dead.ID, app.CrossCheckAssignment{Action: app.AssignClue})
		wantCode(t, err, apperr.Invalid, "crosscheck.not_confirmed", nil)
		_, err = f.app.CrossCheckJudge(ctx, p, dead.ID, app.VerdictConfirmed, "", 0)
		must(t, err)
		_, err = f.app.CrossCheckJudge(ctx, p, weak.ID, app.VerdictRejected, "同名不同人，已核实户籍", 0)
		must(t, err)
		_, err = f.app.CrossCheckJudge(ctx, p, emp.ID, app.VerdictConfirmed, "", 0)
		must(t, err)

		// A re-run shows the same judgements on the same keys.
		res2, err := f.app.RunCrossCheck(ctx, p, f.units["A"].ID, nil)
		must(t, err)
		verdicts := map[string]string{}
		for _, s := range allSuspects(t, f, p, res2.Run.ID) {
			verdicts[s.Key] = s.Judgement.Verdict
		}
		if verdicts[dead.Key] != "confirmed" || verdicts[weak.Key] != "rejected" || verdicts[emp.Key] != "confirmed" || res2.Run.Suspects != 27 {
			t.Errorf("after re-run: %q %q %q, %d suspects", verdicts[dead.Key], verdicts[weak.Key], verdicts[emp.Key], res2.Run.Suspects)
		}
		judged, total, err := f.app.CrossCheckSuspects(ctx, p, store.SuspectQuery{RunID: res2.Run.ID, Verdict: "confirmed"})
		must(t, err)
		if total != 2 || len(judged) != 2 {
			t.Errorf("confirmed filter: %d", total)
		}

		// Assign: one clue in the township's ledger, once.
		cur, err := f.app.CrossCheckSuspect(ctx, p, judged[0].ID)
		must(t, err)
		clueID, err := f.app.CrossCheckAssign(ctx, p, cur.ID, app.CrossCheckAssignment{Action: app.AssignClue})
		must(t, err)
		c, err := f.app.GetClue(ctx, p, clueID)
		must(t, err)
		if c.Source != clue.SourceCrossCheck || c.SourceType != "crosscheck_suspect" || c.SourceID != cur.Judgement.ID ||
			!strings.Contains(c.Content, "匹配字段：") || !strings.Contains(c.Content, "问题说明：") {
			t.Errorf("clue %+v", c)
		}
		wantTown := map[string]string{"南庄坪街道": "T1", "大庸桥街道": "T2"}[cur.Township]
		if c.LedgerUnitID != f.units[wantTown].ID {
			t.Errorf("clue ledger %d, want %s", c.LedgerUnitID, wantTown)
		}
		_, err = f.app.CrossCheckAssign(ctx, p, cur.ID, app.CrossCheckAssignment{Action: app.AssignRectification, Deadline: "2026-06-30"})
		wantCode(t, err, apperr.Conflict, "crosscheck.assigned", nil)
		_, err = f.app.CrossCheckJudge(ctx, p, cur.ID, app.VerdictRejected, "改判", cur.Judgement.Version+1)
		wantCode(t, err, apperr.Conflict, "crosscheck.assigned", nil)
		// The other confirmed one becomes a rectification item.
		rectID, err := f.app.CrossCheckAssign(ctx, p, judged[1].ID, app.CrossCheckAssignment{Action: app.AssignRectification, Deadline: "2026-06-30"})
		must(t, err)
		r, err := f.app.GetRectification(ctx, p, rectID)
		must(t, err)
		if r.SourceType != "crosscheck" || r.PersonConcerned != judged[1].Name {
			t.Errorf("rectification %+v", r)
		}
		var clues, rects int
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM clues WHERE source = 'crosscheck'`).Scan(&clues))
		must(t, f.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM rectifications WHERE source_type = 'crosscheck'`).Scan(&rects))
		if clues != 1 || rects != 1 {
			t.Errorf("%d clues, %d rectifications", clues, rects)
		}

		// Money recovered: counted in the summary and the bulletin.
		_, err = f.app.CrossCheckRecover(ctx, p, cur.ID, 50000, "2099-01-01", "")
		wantCode(t, err, apperr.Invalid, "", map[string]string{"day": "crosscheck.day_invalid"})
		_, err = f.app.CrossCheckRecover(ctx, p, cur.ID, 50000, "2026-03-10", "退回财政专户")
		must(t, err)
		_, err = f.app.CrossCheckRecover(ctx, p, judged[1].ID, 120000, "2026-03-12", "")
		must(t, err)
		sum, err := f.app.StatsSummary(ctx, p, app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-16"})
		must(t, err)
		if sum.CrossCheckRecoveredFen != 170000 || sum.CluesBySource["crosscheck"] != 1 {
			t.Errorf("summary: recovered %d, clues %d", sum.CrossCheckRecoveredFen, sum.CluesBySource["crosscheck"])
		}
		b, err := f.app.StatsBulletin(ctx, p, app.StatsRequest{Unit: "430802", From: "2026-01-01", To: "2026-03-16"})
		must(t, err)
		if !strings.Contains(b, "通过大数据比对发现问题线索1条，追回资金0.17万元") {
			t.Errorf("bulletin: %s", b)
		}

		// The judge may open the ID numbers; the row's sealed copy is bound to it.
		pid, rid, err := f.app.CrossCheckIDNumbers(ctx, p, dead.ID)
		must(t, err)
		if len(pid) != 18 || pid != rid {
			t.Errorf("ID numbers %q %q", pid, rid)
		}
		_, _, err = f.app.CrossCheckIDNumbers(ctx, f.principals["analysta"], dead.ID)
		wantCode(t, err, apperr.Forbidden, "", nil)
		// Another county sees none of it.
		other, err := f.app.CrossCheckRuns(ctx, f.principals["townb1"], 10)
		must(t, err)
		if len(other) != 0 {
			t.Errorf("county B sees %d runs", len(other))
		}
	})
}

// TestCrossCheckKeyRotation: a payment list imported under one vault key
// still matches a register imported after the key was rotated, and a
// duplicate in a second payment list is one suspect per key and run.
func TestCrossCheckKeyRotation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["leadera"]
		path := filepath.Join(t.TempDir(), "keys")
		k1, err := vault.LoadOrCreate(path, crand.Reader)
		must(t, err)
		f.app.Keys = k1
		importXLSX(t, f, p, "payments", "p.xlsx", [][]any{{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村"},
			{"覃春兰", xcID(1), "农村低保", "330", "2026-02-10", "南庄坪街道", "杨家溪村"},
			{"向秋菊", xcID(2), "农村低保", "330", "2026-02-10", "南庄坪街道", "杨家溪村"}})
		_, err = vault.Rotate(path, crand.Reader)
		must(t, err)
		k2, err := vault.Load(path)
		must(t, err)
		f.app.Keys = k2
		importXLSX(t, f, p, "death", "d.xlsx", [][]any{{"姓名", "身份证号", "村", "死亡日期"},
			{"覃春兰", xcID(1), "杨家溪村", "2026-01-01"}, {"向秋菊", xcID(9), "杨家溪村", "2026-01-01"}})
		res, err := f.app.RunCrossCheck(ctx, p, f.units["A"].ID, nil)
		must(t, err)
		got := allSuspects(t, f, p, res.Run.ID)
		if len(got) != 1 || got[0].Name != "覃春兰" || got[0].Strength != "strong" {
			t.Fatalf("suspects %+v", got)
		}
		pid, rid, err := f.app.CrossCheckIDNumbers(ctx, p, got[0].ID)
		must(t, err)
		if pid != xcID(1) || rid != xcID(1) {
			t.Errorf("opened %q %q", pid, rid)
		}
	})
}
