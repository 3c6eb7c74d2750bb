package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/dedup"
	"qingfeng/internal/divisions"
	"qingfeng/internal/intake"
	"qingfeng/internal/search"
	"qingfeng/internal/stats"
	"qingfeng/internal/store"
)

// newProvinceApp is newApp with the reporting services (calendar and
// limits), which the clue clocks need.
func newProvinceApp(t *testing.T, dsn string) (*app.App, *store.Store) {
	t.Helper()
	a, st := newApp(t, dsn)
	in, err := app.NewIntake(context.Background(), st, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	a.Intake = in
	return a, st
}

func TestLoadProvinceSmall(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			a, st := newProvinceApp(t, be.dsn(t))
			testLoadProvince(t, a, st)
		})
	}
}

func testLoadProvince(t *testing.T, a *app.App, st *store.Store) {
	ctx := context.Background()
	const clues, cases, reports = 2000, 3000, 4000
	res, err := LoadProvince(ctx, a, ProvinceOptions{Clues: clues, Cases: cases, Reports: reports, Years: 5, Seed: 7, Counties: 2,
		Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	divs, err := divisions.LoadHunan()
	if err != nil {
		t.Fatal(err)
	}
	// The first two counties in code order: 芙蓉区 and 天心区 of 长沙市.
	towns := len(divs.Children("430102")) + len(divs.Children("430103"))
	if res.Counties != 2 || res.Townships != towns || res.Users != 8 || res.Clues != clues || res.Texts != "generated" {
		t.Errorf("result %+v; want 2 counties, %d townships, 8 users, %d clues, generated texts", res, towns, clues)
	}
	if res.Villages < 8*towns || res.Villages > 15*towns {
		t.Errorf("%d villages for %d townships; want 8-15 each", res.Villages, towns)
	}
	if res.AreaGroups < 8 || res.AreaGroups > 14 {
		t.Errorf("%d area groups; want 4-7 per county", res.AreaGroups)
	}
	_, units, err := st.ListUnits(ctx, auth.Scope{Prefixes: []string{"/"}}, store.UnitFilter{IncludeInactive: true, Page: store.Page{Limit: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if units != res.Units {
		t.Errorf("%d units in the database, result says %d", units, res.Units)
	}
	db := st.DB()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM units WHERE kind = 'village'`); n != res.Villages {
		t.Errorf("%d village units, result says %d", n, res.Villages)
	}
	if n := count(`SELECT COUNT(*) FROM clues`); n != clues {
		t.Errorf("%d clues stored; want %d", n, clues)
	}
	// Numbers: unique per ledger unit and year, 1..N without gaps, the year
	// the one of receipt, and the counters at N.
	if n := count(`SELECT COUNT(*) FROM (SELECT ledger_unit_id, number FROM clues GROUP BY ledger_unit_id, number HAVING COUNT(*) > 1) d`); n != 0 {
		t.Errorf("%d duplicate ledger numbers", n)
	}
	re := regexp.MustCompile(`^(.)纪线〔(\d{4})〕(\d+)号$`)
	rows, err := db.QueryContext(ctx, `SELECT ledger_unit_id, number, received_at FROM clues ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		unit int64
		year int
	}
	seqs := map[key]int{}
	for rows.Next() {
		var unit, rec int64
		var number string
		if err := rows.Scan(&unit, &number, &rec); err != nil {
			t.Fatal(err)
		}
		m := re.FindStringSubmatch(number)
		if m == nil {
			t.Fatalf("number %q does not match %s", number, re)
		}
		year, _ := strconv.Atoi(m[2])
		seq, _ := strconv.Atoi(m[3])
		if want := time.UnixMilli(rec).In(a.Loc).Year(); year != want {
			t.Errorf("%s: year %d, received in %d", number, year, want)
		}
		k := key{unit, year}
		if seq != seqs[k]+1 {
			t.Errorf("%s: sequence %d after %d in ledger %d", number, seq, seqs[k], unit)
		}
		seqs[k] = seq
	}
	rows.Close()
	if len(seqs) < 2*6 {
		t.Errorf("only %d (ledger, year) sequences; want both counties over six calendar years and township ledgers", len(seqs))
	}
	for k, last := range seqs {
		if n := count(`SELECT last FROM doc_numbers WHERE unit_id = $1 AND kind = 'clue' AND year = $2`, k.unit, k.year); n != last {
			t.Errorf("counter of ledger %d, %d = %d; want %d", k.unit, k.year, n, last)
		}
	}
	// Consistency of status, mode and dates.
	for _, q := range []string{
		`SELECT COUNT(*) FROM clues WHERE mode = '' AND disposed_at <> 0`,
		`SELECT COUNT(*) FROM clues WHERE mode <> '' AND disposed_at = 0`,
		`SELECT COUNT(*) FROM clues WHERE status IN ('closed', 'filed') AND closed_at = 0`,
		`SELECT COUNT(*) FROM clues WHERE status NOT IN ('closed', 'filed') AND closed_at <> 0`,
		`SELECT COUNT(*) FROM clues WHERE status = 'shelved' AND (mode <> 'shelve' OR shelve_until = '')`,
		`SELECT COUNT(*) FROM clues WHERE closed_at <> 0 AND closed_at < disposed_at`,
		`SELECT COUNT(*) FROM clues WHERE escalated AND (escalated_at = 0 OR escalated_from IS NULL)`,
		`SELECT COUNT(*) FROM clues WHERE joint <> (joint_at <> 0)`,
		`SELECT COUNT(*) FROM clues c JOIN units u ON u.id = c.unit_id WHERE substr(c.unit_path, 1, length(c.ledger_path)) <> c.ledger_path`,
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d clues where %s", n, q)
		}
	}
	// A running disposal clock exactly for the clues without a disposal.
	pending := count(`SELECT COUNT(*) FROM clues WHERE disposed_at = 0`)
	if n := count(`SELECT COUNT(*) FROM clocks WHERE object_type = 'clue' AND code = 'clue.disposal' AND done_at = 0
		AND object_id IN (SELECT id FROM clues WHERE disposed_at = 0)`); n != pending || n != res.Clocks || n == 0 {
		t.Errorf("%d running disposal clocks, %d clues pending, result %d", n, pending, res.Clocks)
	}
	if n := count(`SELECT COUNT(*) FROM clue_events`); n != clues {
		t.Errorf("%d clue events; want one per clue", n)
	}
	// The bulk load is one audit record and the chain verifies.
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'demo.province'`); n != 1 {
		t.Errorf("%d demo.province audit records; want 1", n)
	}
	if _, err := st.VerifyAudit(ctx); err != nil {
		t.Errorf("audit verify: %v", err)
	}

	// The case manager of the first county sees the county's ledger through
	// the service, the overdue filter included.
	var caseID int64
	if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, ProvinceUsername("430102", "case")).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	p, err := st.Principal(ctx, caseID, a.Today())
	if err != nil {
		t.Fatal(err)
	}
	var countyID int64
	var countyPath string
	if err := db.QueryRowContext(ctx, `SELECT id, path FROM units WHERE division_code = '430102'`).Scan(&countyID, &countyPath); err != nil {
		t.Fatal(err)
	}
	want := count(`SELECT COUNT(*) FROM clues WHERE ledger_unit_id IN (SELECT id FROM units WHERE path LIKE $1)`, countyPath+"%")
	list, total, err := a.ListClues(ctx, p, store.ClueFilter{Page: store.Page{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	if total != want || len(list) != 50 || want < clues/4 {
		t.Errorf("case manager's ledger: %d rows of %d; want 50 of %d", len(list), total, want)
	}
	overdue := count(`SELECT COUNT(*) FROM clues c WHERE c.unit_path LIKE $1 AND EXISTS (SELECT 1 FROM clocks k WHERE k.object_type = 'clue'
		AND k.object_id = c.id AND k.done_at = 0 AND k.due_at < $2)`, countyPath+"%", a.Now().UnixMilli())
	_, total, err = a.ListClues(ctx, p, store.ClueFilter{Overdue: true, Page: store.Page{Limit: 50}})
	if err != nil {
		t.Fatal(err)
	}
	if total != overdue || overdue == 0 {
		t.Errorf("overdue filter: %d; want %d (> 0)", total, overdue)
	}

	// Cases: 1-3 subjects each, most closed, running measures with their
	// clocks (some past due), and the county's case ledger and measures
	// screen through the services.
	if res.Cases != cases || count(`SELECT COUNT(*) FROM cases`) != cases || res.Subjects != count(`SELECT COUNT(*) FROM case_subjects`) ||
		res.Subjects < cases*13/10 || res.Subjects > cases*17/10 {
		t.Errorf("cases %d (%d in the table), subjects %d; want %d cases with 1.3-1.7 subjects each", res.Cases,
			count(`SELECT COUNT(*) FROM cases`), res.Subjects, cases)
	}
	if closed := count(`SELECT COUNT(*) FROM cases WHERE status = 'closed'`); closed < cases/2 || closed == cases {
		t.Errorf("%d of %d cases closed; want most, not all", closed, cases)
	}
	running := count(`SELECT COUNT(*) FROM case_measures WHERE ended_at = 0`)
	lateMeasures := count(`SELECT COUNT(*) FROM case_measures m JOIN clocks k ON k.object_type = 'measure' AND k.object_id = m.id
		WHERE m.ended_at = 0 AND k.done_at = 0 AND k.due_at < $1`, a.Now().UnixMilli())
	if running == 0 || lateMeasures == 0 || lateMeasures >= running {
		t.Errorf("%d running measures, %d past due; want some of each", running, lateMeasures)
	}
	wantCases := count(`SELECT COUNT(*) FROM cases WHERE unit_path LIKE $1`, countyPath+"%")
	if _, total, err := a.ListCases(ctx, p, store.CaseFilter{Page: store.Page{Limit: 50}}); err != nil || total != wantCases || total == 0 {
		t.Errorf("case ledger: %d (%v); want %d", total, err, wantCases)
	}
	wantLate := count(`SELECT COUNT(*) FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN clocks k ON k.object_type = 'measure'
		AND k.object_id = m.id WHERE m.ended_at = 0 AND k.done_at = 0 AND k.due_at < $1 AND c.unit_path LIKE $2`, a.Now().UnixMilli(),
		countyPath+"%")
	if rows, total, err := a.ListMeasures(ctx, p, store.MeasureFilter{State: store.MeasureStateOverdue}); err != nil || total != wantLate ||
		(total > 0 && rows[0].DaysLeft >= 0) {
		t.Errorf("overdue measures: %d (%v); want %d, days left < 0", total, err, wantLate)
	}
	if n := count(`SELECT COUNT(*) FROM doc_numbers WHERE kind = 'case'`); n == 0 {
		t.Error("no case counters")
	}
	testProvinceOutcomes(t, st)
	testProvinceReports(t, a, st, res, reports)

	// A clue registered normally afterwards continues the county's sequence.
	year := a.Now().In(a.Loc).Year()
	last := count(`SELECT last FROM doc_numbers WHERE unit_id = $1 AND kind = 'clue' AND year = $2`, countyID, year)
	c, err := a.RegisterClue(ctx, p, clue.Input{Source: clue.SourceOther, Content: "后续登记的线索", Category: "other",
		Subject: clue.Subject{Name: "某人", Level: "other"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "芙纪线〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(last+1) + "号"; c.Number != want {
		t.Errorf("next registration: %s; want %s", c.Number, want)
	}

	// A second run refuses the non-empty database.
	if _, err := LoadProvince(ctx, a, ProvinceOptions{Clues: 10, Counties: 1, Password: testPassword}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second load: %v; want conflict", err)
	}
}

// testProvinceOutcomes checks the outcomes of the generated cases: every
// subject of a decided case has one that validates, decided on the case's
// decision date, with the form FormOf gives and the figure columns
// stats.FiguresOf gives; no other subject has one; the mix has every form.
func testProvinceOutcomes(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	d, err := casework.LoadData()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT sj.id, sj.category, sj.party_member, sj.outcome, sj.form, sj.outcome_at, sj.sanctioned,
		sj.party_sanctioned, sj.gov_sanctioned, sj.org_action, sj.transferred, sj.funds_fen, sj.returned_fen, sj.transferred_at,
		c.decided_at, c.status FROM case_subjects sj JOIN cases c ON c.id = sj.case_id ORDER BY sj.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var forms [5]int
	var decided, withFunds, transferredAt int
	for rows.Next() {
		var id, outcomeAt, transferred, decidedAt int64
		var form int
		var raw, status string
		var f stats.Figures
		sj := casework.Subject{}
		if err := rows.Scan(&id, &sj.Category, &sj.PartyMember, &raw, &form, &outcomeAt, &f.Sanctioned, &f.PartySanctioned,
			&f.GovSanctioned, &f.OrgAction, &f.Transferred, &f.FundsFen, &f.ReturnedFen, &transferred, &decidedAt, &status); err != nil {
			t.Fatal(err)
		}
		if decidedAt == 0 {
			if raw != "" || form != 0 || outcomeAt != 0 || f != (stats.Figures{}) || transferred != 0 {
				t.Errorf("subject %d of an undecided case (%s): outcome %q, form %d, outcome_at %d, figures %+v", id, status, raw, form,
					outcomeAt, f)
			}
			continue
		}
		decided++
		var o casework.Outcome
		if err := json.Unmarshal([]byte(raw), &o); err != nil {
			t.Fatalf("subject %d: outcome %q: %v", id, raw, err)
		}
		if err := o.Validate(sj, d); err != nil {
			t.Errorf("subject %d (%s, party member %v): outcome %+v: %v", id, sj.Category, sj.PartyMember, o, err)
		}
		if o.SubjectID != id || o.Empty() || o.Withdrawn || outcomeAt != decidedAt || o.DecidedAt.UnixMilli() != decidedAt {
			t.Errorf("subject %d: outcome %+v, outcome_at %d; want its own, not empty, decided at %d", id, o, outcomeAt, decidedAt)
		}
		if want := casework.FormOf(o).Form; casework.Form(form) != want || want == casework.FormNone {
			t.Errorf("subject %d: form %d; FormOf gives %d", id, form, want)
		}
		if want := stats.FiguresOf(o); f != want {
			t.Errorf("subject %d: figures %+v; FiguresOf gives %+v", id, f, want)
		}
		if o.Transferred != (transferred != 0) && status == string(casework.StatusClosed) {
			t.Errorf("subject %d: transferred %v, transferred_at %d in a closed case", id, o.Transferred, transferred)
		}
		if transferred != 0 && (!o.Transferred || transferred < decidedAt) {
			t.Errorf("subject %d: transferred_at %d without a transfer or before the decision %d", id, transferred, decidedAt)
		}
		forms[form]++
		if o.FundsFen() > 0 {
			withFunds++
		}
		if transferred != 0 {
			transferredAt++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d decided subjects: forms 1-4 %v, %d with funds, %d transferred", decided, forms[1:], withFunds, transferredAt)
	// 30/30/30/10 % drawn; a village cadre who is not a party member
	// cannot get a heavy sanction, and some light draws add a heavy one.
	if decided < 1000 || forms[1] < decided/5 || forms[2] < decided/5 || forms[3] < decided/5 || forms[4] < decided/20 ||
		withFunds < decided/6 || withFunds > decided/2 || transferredAt == 0 {
		t.Errorf("%d decided subjects: forms %v, %d with funds, %d transferred; want each form, funds on about a third", decided,
			forms[1:], withFunds, transferredAt)
	}
}

// testProvinceReports checks the generated reports: the count, per county
// in proportion to its townships; numbers per receiving unit and year
// without gaps, with report_numbers at the last one so that a later
// submission continues the sequence; statuses consistent with their dates
// and events; bands as registration computes them; and the search index:
// a bigram of a title finds exactly the reports whose text contains it.
func testProvinceReports(t *testing.T, a *app.App, st *store.Store, res ProvinceResult, reports int) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count(`SELECT COUNT(*) FROM reports`); res.Reports != reports || n != reports {
		t.Fatalf("result %d reports, %d stored; want %d", res.Reports, n, reports)
	}
	// Every county: its share of the reports by its townships (± 20 %).
	divs, err := divisions.LoadHunan()
	if err != nil {
		t.Fatal(err)
	}
	towns := map[string]int{"430102": len(divs.Children("430102")), "430103": len(divs.Children("430103"))}
	sum := 0
	for code, nt := range towns {
		var path string
		if err := db.QueryRowContext(ctx, `SELECT path FROM units WHERE division_code = $1`, code).Scan(&path); err != nil {
			t.Fatal(err)
		}
		n := count(`SELECT COUNT(*) FROM reports WHERE unit_path >= $1 AND unit_path < $2`, path, auth.PrefixUpperBound(path))
		want := reports * nt / (towns["430102"] + towns["430103"])
		if n < want*8/10 || n > want*12/10 {
			t.Errorf("county %s: %d reports; want about %d (%d of its townships)", code, n, want, nt)
		}
		sum += n
	}
	if sum != reports {
		t.Errorf("%d reports in the two counties; want all %d", sum, reports)
	}
	// Numbers.
	re := regexp.MustCompile(`^(.)信〔(\d{4})〕(\d+)号$`)
	rows, err := db.QueryContext(ctx, `SELECT received_unit_id, number, received_at FROM reports ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		unit int64
		year int
	}
	seqs := map[key]int{}
	for rows.Next() {
		var unit, rec int64
		var number string
		if err := rows.Scan(&unit, &number, &rec); err != nil {
			t.Fatal(err)
		}
		m := re.FindStringSubmatch(number)
		if m == nil {
			t.Fatalf("number %q does not match %s", number, re)
		}
		year, _ := strconv.Atoi(m[2])
		seq, _ := strconv.Atoi(m[3])
		k := key{unit, year}
		if year != time.UnixMilli(rec).In(a.Loc).Year() || seq != seqs[k]+1 {
			t.Errorf("%s (received %v): sequence %d after %d of unit %d", number, time.UnixMilli(rec), seq, seqs[k], unit)
		}
		seqs[k] = seq
	}
	rows.Close()
	for k, last := range seqs {
		if n := count(`SELECT last FROM report_numbers WHERE unit_id = $1 AND year = $2`, k.unit, k.year); n != last {
			t.Errorf("report counter of unit %d, %d = %d; want %d", k.unit, k.year, n, last)
		}
	}
	// Statuses, dates and events.
	for _, q := range []string{
		`SELECT COUNT(*) FROM reports WHERE status = 'closed' AND (closed_at = 0 OR result = '' OR accepted_at = 0)`,
		`SELECT COUNT(*) FROM reports WHERE status <> 'closed' AND (closed_at <> 0 OR feedback_at <> 0)`,
		`SELECT COUNT(*) FROM reports WHERE status = 'declined' AND decline_reason = ''`,
		`SELECT COUNT(*) FROM reports WHERE closed_at <> 0 AND closed_at < accepted_at`,
		`SELECT COUNT(*) FROM reports WHERE anonymous <> (reporter_sealed = '')`,
		`SELECT COUNT(*) FROM reports WHERE anonymous AND (notice_at <> 0 OR feedback_at <> 0)`,
		`SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM report_events e WHERE e.report_id = r.id AND e.action = 'register')`,
		`SELECT COUNT(*) FROM reports r WHERE r.status <> (SELECT e.to_status FROM report_events e WHERE e.report_id = r.id ORDER BY e.id DESC LIMIT 1)`,
		`SELECT COUNT(*) FROM reports WHERE receipt_hash IS NOT NULL`,
	} {
		if n := count(q); n != 0 {
			t.Errorf("%d reports where %s", n, q)
		}
	}
	if n := count(`SELECT COUNT(*) FROM report_events`); n != res.ReportEvents {
		t.Errorf("%d report events; result says %d", n, res.ReportEvents)
	}
	closed := count(`SELECT COUNT(*) FROM reports WHERE status = 'closed'`)
	channels := count(`SELECT COUNT(DISTINCT channel) FROM reports`)
	kinds := count(`SELECT COUNT(DISTINCT kind) FROM reports`)
	statuses := count(`SELECT COUNT(DISTINCT status) FROM reports`)
	if closed < reports*3/4 || closed == reports || channels != len(intake.Channels()) || kinds != 3 || statuses != 6 {
		t.Errorf("%d of %d closed, %d channels, %d kinds, %d statuses; want most closed, every channel, kind and status", closed,
			reports, channels, kinds, statuses)
	}
	// Bands: as registration computes them.
	var id int64
	var title, content string
	if err := db.QueryRowContext(ctx, `SELECT id, title, content FROM reports ORDER BY id DESC LIMIT 1`).Scan(&id, &title, &content); err != nil {
		t.Fatal(err)
	}
	want := dedup.BandHashes(dedup.Sign(dedup.Shingles(dedup.Normalize(title+"\n"+content), dedup.ShingleSize)))
	cands, err := st.BandCandidates(ctx, want, 0, 1000000)
	if err != nil {
		t.Fatal(err)
	}
	if cands[id] != len(want) || count(`SELECT COUNT(*) FROM report_bands`) != reports*len(want) {
		t.Errorf("report %d shares %d of its %d bands with itself; %d band rows for %d reports", id, cands[id], len(want),
			count(`SELECT COUNT(*) FROM report_bands`), reports)
	}
	// Fingerprints: as registration computes them, for every report.
	fpRows, err := db.QueryContext(ctx, `SELECT id, title, content FROM reports`)
	if err != nil {
		t.Fatal(err)
	}
	wantFP := map[int64][]byte{}
	var ids []int64
	for fpRows.Next() {
		var id int64
		var title, content string
		if err := fpRows.Scan(&id, &title, &content); err != nil {
			t.Fatal(err)
		}
		wantFP[id], ids = dedup.TextFingerprint(title+"\n"+content).Bytes(), append(ids, id)
	}
	fpRows.Close()
	fps, err := st.ReportFingerprints(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for id, fp := range wantFP {
		if !bytes.Equal(fps[id], fp) {
			bad++
		}
	}
	if bad > 0 || len(ids) != reports {
		t.Errorf("%d of %d reports without their fingerprint (%d reports)", bad, len(ids), reports)
	}
	// Search: a bigram of the title finds the reports containing it.
	rt := []rune(title)
	bigram := ""
	for i := 0; i+1 < len(rt); i++ {
		if unicode.Is(unicode.Han, rt[i]) && unicode.Is(unicode.Han, rt[i+1]) {
			bigram = string(rt[i : i+2])
			break
		}
	}
	q, err := search.Parse(bigram)
	if err != nil {
		t.Fatalf("bigram %q of %q: %v", bigram, title, err)
	}
	like := "%" + bigram + "%"
	wantTotal := count(`SELECT COUNT(*) FROM reports WHERE number LIKE $1 OR title LIKE $1 OR content LIKE $1 OR subject_name LIKE $1
		OR subject_unit LIKE $1 OR subject_post LIKE $1`, like)
	found, total, err := st.SearchReports(ctx, auth.Scope{Prefixes: []string{"/"}}, q, store.Page{Limit: 50})
	if err != nil || total != wantTotal || total == 0 || len(found) == 0 {
		t.Errorf("search %q: %d results of %d (%v); want %d", bigram, len(found), total, err, wantTotal)
	}
	q, err = search.Parse(firstRunes(title, search.MaxQueryRunes))
	if err != nil {
		t.Fatal(err)
	}
	found, _, err = st.SearchReports(ctx, auth.Scope{Prefixes: []string{"/"}}, q, store.Page{Limit: 100})
	if err != nil || !slices.ContainsFunc(found, func(r intake.Report) bool { return r.ID == id }) {
		t.Errorf("search by the title %q: report %d not among %d results (%v)", title, id, len(found), err)
	}
	// A report submitted now continues the county commission's sequence.
	var countyID int64
	if err := db.QueryRowContext(ctx, `SELECT id FROM units WHERE division_code = '430102'`).Scan(&countyID); err != nil {
		t.Fatal(err)
	}
	year := a.Now().In(a.Loc).Year()
	last := count(`SELECT last FROM report_numbers WHERE unit_id = $1 AND year = $2`, countyID, year)
	rc, err := a.SubmitPublic(ctx, intake.Submission{Kind: intake.KindAccusation, Title: "后续提交的举报", Content: "反映某村干部问题，请调查。",
		Category: "other", DivisionCode: "430102", Anonymous: true, Subject: intake.Subject{Name: "某人", Level: intake.LevelVillage}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "芙信〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(last+1) + "号"; rc.Number != want {
		t.Errorf("next submission: %s; want %s", rc.Number, want)
	}
}
