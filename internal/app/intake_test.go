package app_test

import (
	"bytes"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/color"
	pngenc "image/png"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/dedup"
	"qingfeng/internal/demo"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// ---------------------------------------------------------------------------
// The Zhangjiajie demo as a fixture

// demoPassword passes the password policy for every demo username.
const demoPassword = "Qingfeng-Demo-2026"

// Places of the demo used below (codes of internal/divisions; the villages
// are the demo's synthetic ones).
const (
	codeYongding = "430802"       // 永定区
	codeTMS      = "430802103"    // 天门山镇 (demo 第四片区)
	codeDaping   = "430802103201" // 大坪村, a synthetic village of 天门山镇
	codeJiaoziya = "430802102"    // 教字垭镇 (demo 第六片区)
	codeCili     = "430821"       // 慈利县
)

// zjj is the demo organisation on one engine, with signed-in principals.
type zjj struct {
	app   *app.App
	store *store.Store
	clock *testdb.Clock
	p     map[string]auth.Principal
}

// demoUsers are the demo accounts the tests sign in as, plus yd_intake (see
// newZJJ).
var demoUsers = []string{"yd_leader", "yd_petition", "yd_office1", "yd_group1", "yd_tms", "yd_village",
	"yd_analyst", "yd_admin", "cl_township", "yd_intake"}

// newZJJ loads the demo at the clock's time and signs the demo users in.
//
// It adds yd_intake, a petition-role account at 永定区纪委监委 itself: the
// demo's own petition account (yd_petition) sits at the 信访室 office, whose
// report scope does not cover reports held by the commission (see
// TestPetitionOfficeSeesWhatItRegisters), so nobody in the demo could act on
// a report that stays at the county.
func newZJJ(t *testing.T, s *store.Store, clock *testdb.Clock) *zjj {
	t.Helper()
	z := &zjj{app: testdb.NewApp(t, s, clock.Now), store: s, clock: clock, p: map[string]auth.Principal{}}
	if _, err := demo.Load(ctx, z.app, demoPassword); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	county := z.unitByCode(t, codeYongding)
	pe, err := z.app.SavePerson(ctx, sys, org.Person{UnitID: county.ID, Name: "信访值班员", Post: "信访举报", Active: true})
	must(t, err)
	if _, err := z.app.CreateUser(ctx, sys, pe.ID, "yd_intake", demoPassword, []auth.Role{auth.RolePetition}); err != nil {
		t.Fatalf("create yd_intake: %v", err)
	}
	for _, u := range demoUsers {
		z.p[u] = z.signIn(t, u)
	}
	return z
}

func (z *zjj) signIn(t *testing.T, username string) auth.Principal {
	t.Helper()
	in, err := z.app.Login(ctx, username, demoPassword, "src-"+username)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	if in.Session.Stage != auth.StageFull {
		t.Fatalf("login %s: stage %q", username, in.Session.Stage)
	}
	_, p, err := z.app.Resolve(ctx, in.Token)
	if err != nil {
		t.Fatalf("resolve %s: %v", username, err)
	}
	return p
}

// desk returns a commission's petition office (信访室), where the reports the
// commission itself holds wait to be assigned.
func (z *zjj) desk(t *testing.T, code string) org.Unit {
	t.Helper()
	c := z.unitByCode(t, code)
	kids, _, err := z.store.ListUnits(ctx, auth.System().ScopeFor(auth.PermOrgRead), store.UnitFilter{ParentID: c.ID,
		Kinds: []org.Kind{org.KindPetition}, Page: store.Page{Limit: 1}})
	if err != nil || len(kids) != 1 {
		t.Fatalf("petition office of %s: %v %d", code, err, len(kids))
	}
	return kids[0]
}

func (z *zjj) unitByCode(t *testing.T, code string) org.Unit {
	t.Helper()
	u, err := z.store.GetUnitByDivision(ctx, code)
	if err != nil {
		t.Fatalf("unit %s: %v", code, err)
	}
	return u
}

// areaOfficeOf computes, from the stored organisation, the office of the
// area group that township belongs to today.
func (z *zjj) areaOfficeOf(t *testing.T, township org.Unit) org.Unit {
	t.Helper()
	ms, err := z.store.UnitMemberships(ctx, township.ID)
	must(t, err)
	today := z.app.Today()
	for _, m := range ms {
		if !m.Covers(today) {
			continue
		}
		g, err := z.store.GetAreaGroup(ctx, m.AreaGroupID, today)
		must(t, err)
		for _, mem := range g.Members {
			if mem.UnitKind == org.KindOffice {
				u, err := z.store.GetUnit(ctx, mem.UnitID)
				must(t, err)
				return u
			}
		}
	}
	t.Fatalf("%s has no area group with an office", township.Name)
	return org.Unit{}
}

// hasAreaOffice reports whether township is in an area group today and
// whether that group has an office.
func (z *zjj) hasAreaOffice(t *testing.T, township org.Unit) (inGroup, office bool) {
	t.Helper()
	ms, err := z.store.UnitMemberships(ctx, township.ID)
	must(t, err)
	for _, m := range ms {
		if !m.Covers(z.app.Today()) {
			continue
		}
		inGroup = true
		g, err := z.store.GetAreaGroup(ctx, m.AreaGroupID, z.app.Today())
		must(t, err)
		for _, mem := range g.Members {
			office = office || mem.UnitKind == org.KindOffice
		}
	}
	return inGroup, office
}

// eachZJJ runs fn on both engines with the demo loaded at start.
func eachZJJ(t *testing.T, start time.Time, fn func(t *testing.T, z *zjj)) {
	t.Helper()
	clock := testdb.NewClock(start)
	testdb.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		clock.Set(start)
		fn(t, newZJJ(t, s, clock))
	})
}

// publicSub is a valid anonymous portal submission about a cadre of level
// at place.
func publicSub(place string, level intake.Level) intake.Submission {
	return intake.Submission{Kind: intake.KindAccusation, Title: "村干部虚报冒领惠农补贴",
		Content: "某村会计多次虚报冒领惠农补贴资金，群众意见很大，请依法查处。", Category: "subsidies",
		DivisionCode: place, Subject: intake.Subject{Name: "张某", Unit: "某村委会", Post: "会计", Level: level}, Anonymous: true}
}

// realName turns a submission into a real-name one (valid GB 11643 id).
func realName(sub intake.Submission) intake.Submission {
	sub.Anonymous = false
	sub.Reporter = intake.Reporter{Name: "李四", IDNumber: "11010519491231002X", Phone: "13800138000"}
	return sub
}

// clocks returns a report's clocks by code.
func (z *zjj) clocks(t *testing.T, id int64) map[string]intake.ClockRow {
	t.Helper()
	cs, err := z.store.ReportClocks(ctx, id)
	must(t, err)
	out := map[string]intake.ClockRow{}
	for _, c := range cs {
		out[c.Code] = c
	}
	return out
}

// clockCodes lists the codes of a report's clocks, sorted.
func (z *zjj) clockCodes(t *testing.T, id int64) []string {
	t.Helper()
	var out []string
	for c := range z.clocks(t, id) {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// randomPlausible draws a code of the receipt alphabet that is no one's.
func randomPlausible(t *testing.T) string {
	t.Helper()
	code, err := intake.NewReceiptCode(rand.Reader)
	must(t, err)
	return code
}

// ---------------------------------------------------------------------------
// 1. Public submission, routing, receipt codes

// lookupBudget and lookupWindow are app.New's receipt-lookup limits
// (app.Lookups = NewLimiter(20, 10*time.Minute, now)).
const (
	lookupBudget = 20
	lookupWindow = 10 * time.Minute
)

// receiptReport finds the report behind a receipt code as the store keeps it.
func (z *zjj) receiptReport(t *testing.T, code string) intake.Report {
	t.Helper()
	r, err := z.store.GetReportByReceipt(ctx, z.app.Intake.Receipts.Hash(code))
	if err != nil {
		t.Fatalf("report of receipt %s: %v", code, err)
	}
	return r
}

// submitText submits an anonymous public report about a village cadre of
// 大坪村 with this title and content and returns it as stored.
func (z *zjj) submitText(t *testing.T, title, content string) intake.Report {
	t.Helper()
	sub := publicSub(codeDaping, intake.LevelVillage)
	sub.Title, sub.Content = title, content
	rc, err := z.app.SubmitPublic(ctx, sub, nil)
	must(t, err)
	return z.receiptReport(t, rc.Code)
}

func TestSubmitPublicRouting(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		county := z.unitByCode(t, codeYongding)
		tms := z.unitByCode(t, codeTMS)
		if tms.Name != "天门山镇纪委" {
			t.Fatalf("township %s is %q", codeTMS, tms.Name)
		}
		office := z.areaOfficeOf(t, tms) // the office of 天门山镇's area group
		if office.Kind != org.KindOffice || !strings.HasPrefix(office.Name, "第") || !strings.HasSuffix(office.Name, "纪检监察室") ||
			!strings.HasPrefix(office.Path, county.Path) {
			t.Fatalf("area office of 天门山镇 = %+v", office)
		}
		cili := z.unitByCode(t, codeCili)
		lingxi := z.unitByCode(t, "430821109") // 零溪镇纪委
		// A township whose area group (永定区 第二片区) has dispatched groups
		// but no office: county cadres there stay with the commission.
		noOffice := z.unitByCode(t, "430802003")
		desk := z.desk(t, codeYongding)
		if inGroup, office := z.hasAreaOffice(t, noOffice); !inGroup || office {
			t.Fatalf("%s: in an area group %v, with an office %v; the demo changed, pick another township", noOffice.Name, inGroup, office)
		}
		tests := []struct {
			name      string
			place     string
			level     intake.Level
			receiving org.Unit
			unit      org.Unit
			status    intake.Status
			reason    string
			decline   string
			clocks    []string
			wantEvent string
		}{
			{"village cadre at a 天门山镇 village", codeDaping, intake.LevelVillage, county, tms,
				intake.StatusReceived, "intake.route.township", "", nil, "register"},
			{"township cadre", codeTMS, intake.LevelTownship, county, tms,
				intake.StatusReceived, "intake.route.township", "", nil, "register"},
			{"county cadre at a township of an area group", codeDaping, intake.LevelCounty, county, office,
				intake.StatusReceived, "intake.route.area_office", "", nil, "register"},
			{"county cadre, county code only", codeYongding, intake.LevelCounty, county, desk,
				intake.StatusReceived, "intake.route.county", "", nil, "register"},
			{"county cadre at a township whose area group has no office", "430802003", intake.LevelCounty, county, desk,
				intake.StatusReceived, "intake.route.county", "", nil, "register"},
			{"city cadre stays at the county to be forwarded", codeTMS, intake.LevelCity, county, desk,
				intake.StatusReceived, "intake.route.upper_level", "", []string{"report.forward"}, "register"},
			{"not a public official", codeTMS, intake.LevelOther, county, desk,
				intake.StatusDeclined, "intake.decline.not_in_remit", "intake.decline.not_in_remit", nil, "register_declined"},
			{"a place in 慈利县 goes to 慈利县", "430821109201", intake.LevelVillage, cili, lingxi,
				intake.StatusReceived, "intake.route.township", "", nil, "register"},
		}
		if county.ShortName != "永" || cili.ShortName != "慈" {
			t.Fatalf("short names %q %q", county.ShortName, cili.ShortName)
		}
		seq := map[int64]int{} // registration numbers run per receiving commission and year
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				seq[tc.receiving.ID]++
				wantNumber := fmt.Sprintf("%s信〔2026〕%d号", tc.receiving.ShortName, seq[tc.receiving.ID]) // e.g. 永信〔2026〕1号
				sub := publicSub(tc.place, tc.level)
				sub.Channel, sub.ExternalID, sub.Source = intake.ChannelLetter, "x-1", "spoofed" // overridden by SubmitPublic
				rc, err := z.app.SubmitPublic(ctx, sub, nil)
				must(t, err)
				if intake.ReceiptLen != 20 || len(rc.Code) != 20 || !intake.PlausibleReceipt(rc.Code) {
					t.Errorf("receipt code %q: length %d, plausible %v", rc.Code, len(rc.Code), intake.PlausibleReceipt(rc.Code))
				}
				if rc.Number != wantNumber || rc.Status != tc.status {
					t.Errorf("receipt = %s %s, want %s %s", rc.Number, rc.Status, wantNumber, tc.status)
				}
				r := z.receiptReport(t, rc.Code)
				if r.Number != wantNumber || r.UnitID != tc.unit.ID || r.UnitPath != tc.unit.Path || r.ReceivedUnitID != tc.receiving.ID ||
					r.Status != tc.status || r.RouteReason != tc.reason || r.DeclineReason != tc.decline {
					t.Errorf("report = number %s unit %d (%s) received %d status %s route %q decline %q;\nwant %s unit %d (%s) received %d status %s route %q decline %q",
						r.Number, r.UnitID, r.UnitName, r.ReceivedUnitID, r.Status, r.RouteReason, r.DeclineReason,
						wantNumber, tc.unit.ID, tc.unit.Name, tc.receiving.ID, tc.status, tc.reason, tc.decline)
				}
				if r.Channel != intake.ChannelWeb || r.ExternalID != "" || r.ExternalSource != "" || r.OperatorUserID != 0 ||
					!r.Anonymous || r.Sealed != "" || !r.ReceivedAt.Equal(t0) {
					t.Errorf("report = channel %s ext %q/%q operator %d anonymous %v sealed %q received %v",
						r.Channel, r.ExternalSource, r.ExternalID, r.OperatorUserID, r.Anonymous, r.Sealed, r.ReceivedAt)
				}
				if got := z.clockCodes(t, r.ID); !slices.Equal(got, tc.clocks) {
					t.Errorf("clocks = %v, want %v", got, tc.clocks)
				}
				evs, err := z.store.ReportEvents(ctx, r.ID)
				must(t, err)
				if len(evs) != 1 || evs[0].Action != tc.wantEvent || evs[0].ToStatus != tc.status || evs[0].UnitID != tc.unit.ID ||
					evs[0].Note != string(intake.ChannelWeb) {
					t.Errorf("events = %+v, want one %s to %s at %s", evs, tc.wantEvent, tc.status, tc.unit.Name)
				}
				v, err := z.app.LookupReceipt(ctx, rc.Code, "src-"+tc.name)
				must(t, err)
				want := app.PublicView{Number: wantNumber, Status: tc.status, Title: sub.Title, ReceivedAt: r.ReceivedAt,
					UpdatedAt: r.UpdatedAt, DeclineReason: tc.decline}
				if fmt.Sprintf("%+v", v) != fmt.Sprintf("%+v", want) {
					t.Errorf("LookupReceipt = %+v\nwant %+v", v, want)
				}
			})
		}
	})
}

func TestSubmitPublicInvalid(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		tests := []struct {
			name   string
			edit   func(*intake.Submission)
			fields map[string]string
		}{
			{"unknown county", func(s *intake.Submission) { s.DivisionCode = "999999001" },
				map[string]string{"division_code": "intake.place_invalid"}},
			{"no level", func(s *intake.Submission) { s.Subject.Level = "" },
				map[string]string{"subject.level": "intake.level_invalid"}},
			{"real name without id", func(s *intake.Submission) {
				*s = realName(*s)
				s.Reporter.IDNumber = ""
			}, map[string]string{"reporter.id_number": "intake.id_number_invalid"}},
		}
		for _, tc := range tests {
			sub := publicSub(codeDaping, intake.LevelVillage)
			tc.edit(&sub)
			_, err := z.app.SubmitPublic(ctx, sub, nil)
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, apperr.Invalid, "", tc.fields) })
		}
		rs, _, err := z.store.ListReports(ctx, sys.ScopeFor(auth.PermReportRead), store.ReportFilter{})
		must(t, err)
		if len(rs) != 0 {
			t.Errorf("invalid submissions stored %d reports", len(rs))
		}
	})
}

func TestReceiptLookupAndMessages(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		rc, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelVillage), nil)
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		tms := z.p["yd_tms"] // the report is routed to 天门山镇纪委

		// The code as shown (grouped) and as typed with spaces finds it too.
		for _, code := range []string{rc.Code, intake.GroupReceipt(rc.Code), " " + strings.ReplaceAll(intake.GroupReceipt(rc.Code), "-", " ") + " "} {
			v, err := z.app.LookupReceipt(ctx, code, "src-grouped")
			must(t, err)
			if v.Number != rc.Number || v.Status != intake.StatusReceived {
				t.Errorf("LookupReceipt(%q) = %+v", code, v)
			}
		}

		// Wrong, random and malformed codes answer alike.
		wrong := []byte(rc.Code)
		wrong[7] = map[bool]byte{true: 'B', false: 'A'}[wrong[7] == 'A']
		for _, code := range []string{string(wrong), randomPlausible(t), "abc", "", strings.ToLower(rc.Code) + "x"} {
			_, err := z.app.LookupReceipt(ctx, code, "src-wrong")
			wantCode(t, err, apperr.NotFound, "intake.receipt_unknown", nil)
			err = z.app.AddPublicMessage(ctx, code, "src-wrong-msg", "补充一下情况，请核实。", nil)
			wantCode(t, err, apperr.NotFound, "intake.receipt_unknown", nil)
		}

		// The reporter adds information; staff see it, and so does the reporter.
		must(t, z.app.AddPublicMessage(ctx, rc.Code, "src-msg", "  补充材料：该会计还虚报了危房改造补贴。 ", nil))
		err = z.app.AddPublicMessage(ctx, rc.Code, "src-msg", "   ", nil)
		wantCode(t, err, apperr.Invalid, "", map[string]string{"body": "intake.message_empty"})
		d, err := z.app.Detail(ctx, tms, r.ID)
		must(t, err)
		if len(d.Messages) != 1 || d.Messages[0].Author != "reporter" || !d.Messages[0].Public ||
			d.Messages[0].Body != "补充材料：该会计还虚报了危房改造补贴。" || d.Messages[0].UserID != 0 {
			t.Errorf("staff see messages %+v", d.Messages)
		}
		// A staff reply (public) and an internal note.
		must(t, z.app.Reply(ctx, tms, r.ID, "已收到您的补充材料。", true))
		must(t, z.app.Reply(ctx, tms, r.ID, "内部：请先调取补贴发放名册。", false))
		v, err := z.app.LookupReceipt(ctx, rc.Code, "src-msg")
		must(t, err)
		var got []string
		for _, m := range v.Messages {
			got = append(got, m.Author+":"+m.Body)
			if m.UserID != 0 || m.UserName != "" {
				t.Errorf("public message reveals its author: %+v", m)
			}
		}
		want := []string{"reporter:补充材料：该会计还虚报了危房改造补贴。", "staff:已收到您的补充材料。"}
		if !slices.Equal(got, want) {
			t.Errorf("public messages = %q, want %q", got, want)
		}
		d, err = z.app.Detail(ctx, tms, r.ID)
		must(t, err)
		if len(d.Messages) != 3 || d.Messages[2].Public || d.Messages[1].UserName == "" {
			t.Errorf("staff messages = %+v", d.Messages)
		}
		// The public reply is indexed for search; the internal note and the
		// reporter's message are not.
		for q, want := range map[string]int{"已收到您的补充材料": 1, "调取补贴发放名册": 0, "危房改造补贴": 0} {
			found, _, _, err := z.app.Search(ctx, tms, q, store.Page{})
			must(t, err)
			if len(found) != want {
				t.Errorf("Search(%q) = %d reports, want %d", q, len(found), want)
			}
		}
	})
}

func TestReceiptLookupRateLimit(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		// The limiter app.New installed allows lookupBudget events per key.
		budget := 0
		for z.app.Lookups.Allow("receipt:probe") && budget <= 1000 {
			budget++
		}
		if budget != lookupBudget {
			t.Fatalf("app.Lookups allows %d lookups per source, want %d", budget, lookupBudget)
		}
		rc, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelVillage), nil)
		must(t, err)
		// Lookups, wrong codes and messages all draw on the source's budget.
		ops := []func(source string) error{
			func(src string) error { _, err := z.app.LookupReceipt(ctx, rc.Code, src); return err },
			func(src string) error { _, err := z.app.LookupReceipt(ctx, randomPlausible(t), src); return err },
			func(src string) error {
				return z.app.AddPublicMessage(ctx, rc.Code, src, "再补充一点情况。", nil)
			},
		}
		for i := 0; i < lookupBudget; i++ {
			err := ops[i%len(ops)]("203.0.113.7")
			if apperr.CodeOf(err) == apperr.RateLimited {
				t.Fatalf("call %d of %d rate-limited", i+1, lookupBudget)
			}
		}
		for _, op := range ops { // the right code too
			wantCode(t, op("203.0.113.7"), apperr.RateLimited, "intake.too_many_lookups", nil)
		}
		// Another source is unaffected.
		if _, err := z.app.LookupReceipt(ctx, rc.Code, "203.0.113.8"); err != nil {
			t.Fatalf("other source: %v", err)
		}
		// The window slides: just before it ends still limited, after it free.
		z.clock.Advance(lookupWindow - time.Second)
		_, err = z.app.LookupReceipt(ctx, rc.Code, "203.0.113.7")
		wantCode(t, err, apperr.RateLimited, "intake.too_many_lookups", nil)
		z.clock.Advance(time.Second + time.Millisecond)
		if _, err := z.app.LookupReceipt(ctx, rc.Code, "203.0.113.7"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// ---------------------------------------------------------------------------
// 2. Sealed identity

// identity are the reporter details that must never be stored in clear.
var identity = []string{"李四", "11010519491231002X", "13800138000"}

func TestSealedIdentity(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		rc, err := z.app.SubmitPublic(ctx, realName(publicSub(codeDaping, intake.LevelVillage)), nil)
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		anon, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelVillage), nil)
		must(t, err)
		ra := z.receiptReport(t, anon.Code)
		declined, err := z.app.SubmitPublic(ctx, realName(publicSub(codeDaping, intake.LevelOther)), nil)
		must(t, err)
		rd := z.receiptReport(t, declined.Code)

		var sealed string
		must(t, z.store.DB().QueryRowContext(ctx, `SELECT reporter_sealed FROM reports WHERE id = $1`, r.ID).Scan(&sealed))
		if sealed == "" || sealed != r.Sealed || r.Anonymous {
			t.Fatalf("reporter_sealed = %q (anonymous %v)", sealed, r.Anonymous)
		}
		for _, s := range identity {
			if strings.Contains(sealed, s) {
				t.Errorf("reporter_sealed contains %q in clear", s)
			}
		}
		// Nowhere else in the database either: the audit details...
		rows, err := z.store.DB().QueryContext(ctx, `SELECT detail FROM audit_log`)
		must(t, err)
		for rows.Next() {
			var d string
			must(t, rows.Scan(&d))
			for _, s := range identity {
				if strings.Contains(d, s) {
					t.Errorf("an audit detail contains %q: %s", s, d)
				}
			}
		}
		must(t, rows.Err())
		rows.Close()
		// ...and the search index.
		for _, s := range identity {
			found, _, _, err := z.app.Search(ctx, z.p["yd_leader"], s, store.Page{})
			must(t, err)
			if len(found) != 0 {
				t.Errorf("searching %q finds %d reports", s, len(found))
			}
		}
		if z.store.Dialect() == store.SQLite {
			assertNotInFiles(t, z.store, identity)
		}

		// The acceptance-notice clock runs for the real-name report only.
		for _, c := range []struct {
			r    intake.Report
			want []string
		}{{r, []string{"report.realname_notice"}}, {ra, nil}, {rd, nil}} {
			if got := z.clockCodes(t, c.r.ID); !slices.Equal(got, c.want) {
				t.Errorf("report %s (anonymous %v, %s): clocks %v, want %v", c.r.Number, c.r.Anonymous, c.r.Status, got, c.want)
			}
		}
		notice := z.clocks(t, r.ID)["report.realname_notice"]
		if !notice.StartedAt.Equal(t0) || !notice.DoneAt.IsZero() {
			t.Errorf("notice clock = %+v", notice)
		}

		// RevealIdentity.
		leader := z.p["yd_leader"]
		reason := "核实举报人身份以便当面反馈办理结果"
		tests := []struct {
			name   string
			p      auth.Principal
			id     int64
			reason string
			code   apperr.Code
			key    string
			fields map[string]string
		}{
			{"office without report.reveal", z.p["yd_office1"], r.ID, reason, apperr.Forbidden, "error.forbidden", nil},
			{"township without report.reveal", z.p["yd_tms"], r.ID, reason, apperr.Forbidden, "error.forbidden", nil},
			{"empty reason", leader, r.ID, "   ", apperr.Invalid, "", map[string]string{"reason": "intake.reveal_reason"}},
			{"short reason", leader, r.ID, " 核实 ", apperr.Invalid, "", map[string]string{"reason": "intake.reveal_reason"}},
			{"three runes", leader, r.ID, "查一下", apperr.Invalid, "", map[string]string{"reason": "intake.reveal_reason"}},
			{"too long", leader, r.ID, strings.Repeat("因", 201), apperr.Invalid, "", map[string]string{"reason": "intake.reveal_reason"}},
			{"anonymous report", leader, ra.ID, reason, apperr.Conflict, "intake.reveal_anonymous", nil},
			{"missing report", leader, 999999, reason, apperr.NotFound, "", nil},
		}
		for _, tc := range tests {
			_, err := z.app.RevealIdentity(ctx, tc.p, tc.id, tc.reason)
			t.Run(tc.name, func(t *testing.T) { wantCode(t, err, tc.code, tc.key, tc.fields) })
		}
		revs, err := z.store.ReportReveals(ctx, r.ID)
		must(t, err)
		if len(revs) != 0 {
			t.Fatalf("refused reveals were recorded: %+v", revs)
		}
		z.clock.Advance(time.Minute)
		who, err := z.app.RevealIdentity(ctx, leader, r.ID, "  "+reason+" ")
		must(t, err)
		if who != (intake.Reporter{Name: "李四", IDNumber: "11010519491231002X", Phone: "13800138000"}) {
			t.Errorf("RevealIdentity = %+v", who)
		}
		revs, err = z.store.ReportReveals(ctx, r.ID)
		must(t, err)
		if len(revs) != 1 || revs[0].UserID != leader.UserID || revs[0].UserName != leader.Name || revs[0].Reason != reason ||
			!revs[0].At.Equal(t0.Add(time.Minute)) {
			t.Errorf("reveals = %+v", revs)
		}
		d, err := z.app.Detail(ctx, leader, r.ID)
		must(t, err)
		if len(d.Reveals) != 1 || d.Reveals[0].Reason != reason {
			t.Errorf("Detail.Reveals = %+v", d.Reveals)
		}
		hist, err := z.store.History(ctx, "report", r.ID)
		must(t, err)
		var reveals []string
		for _, h := range hist {
			if h.Action == "report.reveal" {
				reveals = append(reveals, h.Detail)
				if h.ActorUserID != leader.UserID {
					t.Errorf("reveal audited for user %d, want %d", h.ActorUserID, leader.UserID)
				}
			}
		}
		if len(reveals) != 1 || !strings.Contains(reveals[0], reason) {
			t.Errorf("report.reveal audit details = %q, want one holding %q", reveals, reason)
		}
		for _, s := range identity {
			if len(reveals) == 1 && strings.Contains(reveals[0], s) {
				t.Errorf("the reveal audit record holds %q", s)
			}
		}
		// Out of the leader's scope: not found, and not revealed.
		other, err := z.app.SubmitPublic(ctx, realName(publicSub("430821109201", intake.LevelVillage)), nil)
		must(t, err)
		_, err = z.app.RevealIdentity(ctx, leader, z.receiptReport(t, other.Code).ID, reason)
		wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
	})
}

// assertNotInFiles checkpoints the SQLite WAL and reads every file of the
// database (main file, WAL, shared memory) byte by byte.
func assertNotInFiles(t *testing.T, s *store.Store, needles []string) {
	t.Helper()
	if _, err := s.DB().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	var seq int
	var name, file string
	must(t, s.DB().QueryRowContext(ctx, `SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'`).Scan(&seq, &name, &file))
	if file == "" {
		t.Fatal("the SQLite database has no file")
	}
	paths, err := filepath.Glob(file + "*")
	must(t, err)
	read := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		must(t, err)
		read += len(b)
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s contains %q in clear", filepath.Base(p), n)
			}
		}
	}
	if read < 100_000 {
		t.Errorf("read only %d bytes from %v", read, paths)
	}
}

// ---------------------------------------------------------------------------
// 3. Workflow

// eventActions lists a report's event actions in order.
func (z *zjj) eventActions(t *testing.T, id int64) []string {
	t.Helper()
	evs, err := z.store.ReportEvents(ctx, id)
	must(t, err)
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func TestWorkflowRealName(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		tms, tmsUnit := z.p["yd_tms"], z.unitByCode(t, codeTMS)
		rc, err := z.app.SubmitPublic(ctx, realName(publicSub(codeDaping, intake.LevelVillage)), nil)
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		if r.UnitID != tmsUnit.ID || r.Status != intake.StatusReceived || r.Version != 1 {
			t.Fatalf("report = unit %d status %s version %d", r.UnitID, r.Status, r.Version)
		}

		// Illegal transitions from received.
		for _, op := range []intake.Op{intake.OpAssign, intake.OpClose, intake.OpReopen, "frobnicate"} {
			_, err := z.app.Act(ctx, tms, r.ID, app.ActInput{Op: op, Version: r.Version, Result: "结果", UnitID: tmsUnit.ID})
			wantCode(t, err, apperr.Conflict, "intake.transition_invalid", nil)
		}
		// Who may act: other townships and offices outside the area group
		// do not see it; the leader sees it but does not handle reports.
		for _, u := range []string{"cl_township", "yd_office1"} {
			_, err := z.app.Act(ctx, z.p[u], r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version})
			wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
		}
		_, err = z.app.Act(ctx, z.p["yd_leader"], r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version})
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
		// A stale version.
		_, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version + 1})
		wantCode(t, err, apperr.Conflict, "error.version_conflict", nil)

		// Accept: the real-name reporter gets the acceptance notice, the
		// notice clock is met.
		z.clock.Advance(time.Hour)
		acceptedAt := z.clock.Now()
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version})
		must(t, err)
		if r.Status != intake.StatusAccepted || r.Version != 2 || !r.AcceptedAt.Equal(acceptedAt) || !r.NoticeAt.Equal(acceptedAt) {
			t.Errorf("accepted = status %s version %d accepted %v notice %v", r.Status, r.Version, r.AcceptedAt, r.NoticeAt)
		}
		if c := z.clocks(t, r.ID)["report.realname_notice"]; !c.DoneAt.Equal(acceptedAt) {
			t.Errorf("notice clock done at %v, want %v", c.DoneAt, acceptedAt)
		}
		_, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version})
		wantCode(t, err, apperr.Conflict, "intake.transition_invalid", nil)

		// Replies: public and internal.
		must(t, z.app.Reply(ctx, tms, r.ID, "您反映的问题正在核查中。", true))
		must(t, z.app.Reply(ctx, tms, r.ID, "内部：约谈村会计。", false))
		err = z.app.Reply(ctx, z.p["yd_leader"], r.ID, "领导批示", false)
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
		v, err := z.app.LookupReceipt(ctx, rc.Code, "src-reporter")
		must(t, err)
		var public []string
		for _, m := range v.Messages {
			public = append(public, m.Author+":"+m.Body)
		}
		if want := []string{"system:您反映的问题已受理，我们将依规依纪依法办理。", "staff:您反映的问题正在核查中。"}; !slices.Equal(public, want) ||
			v.Status != intake.StatusAccepted {
			t.Errorf("reporter sees %s %q, want accepted %q", v.Status, public, want)
		}

		// Assign: only to a unit in the handler's scope.
		daping := z.unitByCode(t, codeDaping)
		for _, target := range []int64{z.unitByCode(t, codeJiaoziya).ID, z.unitByCode(t, codeYongding).ID, 999999} {
			_, err := z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAssign, Version: r.Version, UnitID: target})
			wantCode(t, err, apperr.Invalid, "", map[string]string{"unit_id": "intake.target_invalid"})
		}
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAssign, Version: r.Version, UnitID: daping.ID})
		must(t, err)
		if r.Status != intake.StatusHandling || r.UnitID != daping.ID || r.UnitPath != daping.Path {
			t.Errorf("assigned = status %s unit %d %s", r.Status, r.UnitID, r.UnitPath)
		}

		// Close: a result is required; the feedback clock starts.
		_, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpClose, Version: r.Version, Result: "  "})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"result": "intake.result_required"})
		_, err = z.app.GiveFeedback(ctx, tms, r.ID, r.Version, "")
		wantCode(t, err, apperr.Conflict, "intake.transition_invalid", nil)
		z.clock.Advance(24 * time.Hour)
		closedAt := z.clock.Now()
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpClose, Version: r.Version, Result: "经查，反映问题属实，已责令退回补贴资金。"})
		must(t, err)
		if r.Status != intake.StatusClosed || !r.ClosedAt.Equal(closedAt) || r.Result != "经查，反映问题属实，已责令退回补贴资金。" {
			t.Errorf("closed = status %s closed %v result %q", r.Status, r.ClosedAt, r.Result)
		}
		fb := z.clocks(t, r.ID)["report.feedback"]
		want := z.app.Intake.Calendar().Start(z.app.Intake.Limits["report.feedback"], closedAt, z.app.Loc)
		if !fb.StartedAt.Equal(closedAt) || !fb.DueAt.Equal(want.Due) || !fb.DoneAt.IsZero() {
			t.Errorf("feedback clock = %+v, want started %v due %v", fb, closedAt, want.Due)
		}
		v, err = z.app.LookupReceipt(ctx, rc.Code, "src-reporter")
		must(t, err)
		if v.Status != intake.StatusClosed || v.Result != r.Result {
			t.Errorf("reporter sees %s %q", v.Status, v.Result)
		}

		// Feedback: stale version, then done.
		_, err = z.app.GiveFeedback(ctx, tms, r.ID, r.Version-1, "")
		wantCode(t, err, apperr.Conflict, "error.version_conflict", nil)
		_, err = z.app.GiveFeedback(ctx, z.p["cl_township"], r.ID, r.Version, "")
		wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
		z.clock.Advance(time.Hour)
		fbAt := z.clock.Now()
		r, err = z.app.GiveFeedback(ctx, tms, r.ID, r.Version, "")
		must(t, err)
		if !r.FeedbackAt.Equal(fbAt) || r.Status != intake.StatusClosed {
			t.Errorf("after feedback: %s feedback at %v", r.Status, r.FeedbackAt)
		}
		if c := z.clocks(t, r.ID)["report.feedback"]; !c.DoneAt.Equal(fbAt) {
			t.Errorf("feedback clock done at %v, want %v", c.DoneAt, fbAt)
		}
		v, err = z.app.LookupReceipt(ctx, rc.Code, "src-reporter")
		must(t, err)
		if n := len(v.Messages); n != 3 || v.Messages[n-1].Author != "system" || v.Messages[n-1].Body != r.Result {
			t.Errorf("reporter messages after feedback: %+v", v.Messages)
		}

		// Reopen, then the record of every hand-off.
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpReopen, Version: r.Version})
		must(t, err)
		if r.Status != intake.StatusHandling || !r.ClosedAt.IsZero() {
			t.Errorf("reopened = %s closed %v", r.Status, r.ClosedAt)
		}
		if got, want := z.eventActions(t, r.ID), []string{"register", "accept", "assign", "close", "feedback", "reopen"}; !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
		hist, err := z.store.History(ctx, "report", r.ID)
		must(t, err)
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.Action)
		}
		for _, a := range []string{"report.create", "report.accept", "report.assign", "report.close", "report.feedback", "report.reopen", "report.message"} {
			if !slices.Contains(actions, a) {
				t.Errorf("audit actions %v lack %s", actions, a)
			}
		}
	})
}

func TestWorkflowAnonymousDeclineForward(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		tms := z.p["yd_tms"]
		// Anonymous: no notice, no feedback clock.
		rc, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelVillage), nil)
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version})
		must(t, err)
		if r.Status != intake.StatusAccepted || !r.NoticeAt.IsZero() {
			t.Errorf("accepted anonymous: %s notice %v", r.Status, r.NoticeAt)
		}
		r, err = z.app.Act(ctx, tms, r.ID, app.ActInput{Op: intake.OpClose, Version: r.Version, Result: "经查不属实。"})
		must(t, err)
		if got := z.clockCodes(t, r.ID); len(got) != 0 {
			t.Errorf("anonymous report clocks %v", got)
		}
		v, err := z.app.LookupReceipt(ctx, rc.Code, "src")
		must(t, err)
		if len(v.Messages) != 0 || v.Result != "经查不属实。" {
			t.Errorf("anonymous reporter sees %+v", v)
		}

		// Decline needs a reason, which the reporter sees.
		rc2, err := z.app.SubmitPublic(ctx, realName(publicSub(codeDaping, intake.LevelVillage)), nil)
		must(t, err)
		r2 := z.receiptReport(t, rc2.Code)
		_, err = z.app.Act(ctx, tms, r2.ID, app.ActInput{Op: intake.OpDecline, Version: r2.Version})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"reason": "intake.decline_reason_required"})
		r2, err = z.app.Act(ctx, tms, r2.ID, app.ActInput{Op: intake.OpDecline, Version: r2.Version, Reason: "所反映问题已由法院受理，不属纪检监察机关受理范围。"})
		must(t, err)
		if r2.Status != intake.StatusDeclined || r2.DeclineReason != "所反映问题已由法院受理，不属纪检监察机关受理范围。" {
			t.Errorf("declined = %s %q", r2.Status, r2.DeclineReason)
		}
		if c := z.clocks(t, r2.ID)["report.realname_notice"]; c.DoneAt.IsZero() {
			t.Errorf("declining (the notice of non-acceptance) left the notice clock running: %+v", c)
		}
		v, err = z.app.LookupReceipt(ctx, rc2.Code, "src")
		must(t, err)
		if v.Status != intake.StatusDeclined || v.DeclineReason != r2.DeclineReason || len(v.Messages) != 1 || v.Messages[0].Body != r2.DeclineReason {
			t.Errorf("reporter sees %+v", v)
		}
		for _, op := range []intake.Op{intake.OpAccept, intake.OpClose, intake.OpAssign, intake.OpForward} {
			_, err := z.app.Act(ctx, tms, r2.ID, app.ActInput{Op: op, Version: r2.Version, Result: "x", UnitID: 1, Reason: "x"})
			wantCode(t, err, apperr.Conflict, "intake.transition_invalid", nil)
		}
		r2, err = z.app.Act(ctx, tms, r2.ID, app.ActInput{Op: intake.OpReopen, Version: r2.Version})
		must(t, err)
		if r2.Status != intake.StatusReceived {
			t.Errorf("reopened decline = %s", r2.Status)
		}

		// A township cannot act on another township's report.
		rc3, err := z.app.SubmitPublic(ctx, publicSub(codeJiaoziya, intake.LevelTownship), nil)
		must(t, err)
		r3 := z.receiptReport(t, rc3.Code)
		if r3.UnitID != z.unitByCode(t, codeJiaoziya).ID {
			t.Fatalf("教字垭镇 report at unit %s", r3.UnitName)
		}
		for _, op := range []intake.Op{intake.OpAccept, intake.OpDecline, intake.OpForward} {
			_, err := z.app.Act(ctx, tms, r3.ID, app.ActInput{Op: op, Version: r3.Version, Reason: "x", UnitID: z.unitByCode(t, codeTMS).ID})
			wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
		}
		wantCode(t, z.app.Reply(ctx, tms, r3.ID, "x", true), apperr.NotFound, "error.not_found.report", nil)

		// Forward to another county commission: the report moves there and
		// is registered again.
		rc4, err := z.app.SubmitPublic(ctx, publicSub(codeTMS, intake.LevelCity), nil)
		must(t, err)
		r4 := z.receiptReport(t, rc4.Code)
		county, cili := z.unitByCode(t, codeYongding), z.unitByCode(t, codeCili)
		if r4.UnitID != z.desk(t, codeYongding).ID {
			t.Fatalf("city-level report at %s, want the county's 信访室", r4.UnitName)
		}
		intakeP := z.p["yd_intake"]
		z.clock.Advance(2 * time.Hour)
		fwdAt := z.clock.Now()
		r4, err = z.app.Act(ctx, intakeP, r4.ID, app.ActInput{Op: intake.OpForward, Version: r4.Version, UnitID: cili.ID, Reason: "属慈利县管辖"})
		must(t, err)
		ciliDesk := z.desk(t, codeCili)
		if r4.Status != intake.StatusReceived || r4.UnitID != ciliDesk.ID || r4.UnitPath != ciliDesk.Path || r4.ReceivedUnitID != county.ID {
			t.Errorf("forwarded = status %s unit %d (%s) received by %d", r4.Status, r4.UnitID, r4.UnitName, r4.ReceivedUnitID)
		}
		evs, err := z.store.ReportEvents(ctx, r4.ID)
		must(t, err)
		if last := evs[len(evs)-1]; len(evs) != 2 || last.Action != "forward" || last.UnitID != ciliDesk.ID || last.Note != "属慈利县管辖" ||
			last.FromStatus != intake.StatusReceived || last.ToStatus != intake.StatusReceived || last.UserID != intakeP.UserID {
			t.Errorf("events = %+v", evs)
		}
		cs := z.clocks(t, r4.ID)
		if !cs["report.forward"].DoneAt.Equal(fwdAt) {
			t.Errorf("forward clock = %+v, want done at %v", cs["report.forward"], fwdAt)
		}
		// A peer county is not a lower level: no "lower level registers" clock
		// ([R-JK] Arts. 14-17 set it for forwards downward only).
		if lr, ok := cs["lower_level.register"]; ok {
			t.Errorf("lower-level clock started for a forward to a peer county: %+v", lr)
		}
		// It has left the county: not found there any more.
		_, err = z.app.GetReport(ctx, intakeP, r4.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
		_, err = z.app.Act(ctx, intakeP, r4.ID, app.ActInput{Op: intake.OpAccept, Version: r4.Version})
		wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
	})
}

// ---------------------------------------------------------------------------
// 4. Clocks across the 2026 Spring Festival

func TestClocksSpringFestival(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	must(t, err)
	// 10:00 on Friday 13 February 2026, the last working day before 春节.
	start := time.Date(2026, 2, 13, 10, 0, 0, 0, sh)
	endOf := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 999_000_000, sh) }
	eachZJJ(t, start, func(t *testing.T, z *zjj) {
		rcN, err := z.app.SubmitPublic(ctx, realName(publicSub(codeDaping, intake.LevelVillage)), nil)
		must(t, err)
		rn := z.receiptReport(t, rcN.Code)
		rcF, err := z.app.SubmitPublic(ctx, publicSub(codeTMS, intake.LevelCity), nil)
		must(t, err)
		rf := z.receiptReport(t, rcF.Code)

		notice := z.clocks(t, rn.ID)["report.realname_notice"]
		forward := z.clocks(t, rf.ID)["report.forward"]
		tests := []struct {
			name       string
			c          intake.ClockRow
			due, alarm time.Time
		}{
			// 15 working days: the holiday 02-15..02-23 does not count, the
			// adjusted Saturdays 02-14 and 02-28 do.
			{"notice", notice, endOf(2026, 3, 12), endOf(2026, 3, 9)},
			{"forward", forward, endOf(2026, 2, 27), endOf(2026, 2, 25)},
		}
		for _, tc := range tests {
			if !tc.c.StartedAt.Equal(start) || !tc.c.DueAt.Equal(tc.due) || !tc.c.RemindAt.Equal(tc.alarm) || tc.c.Provisional {
				t.Errorf("%s clock = started %v due %v remind %v provisional %v; want %v, %v, %v",
					tc.name, tc.c.StartedAt.In(sh), tc.c.DueAt.In(sh), tc.c.RemindAt.In(sh), tc.c.Provisional, start, tc.due, tc.alarm)
			}
		}
		leader := z.p["yd_intake"]
		overdue := func() []string {
			t.Helper()
			rs, total, err := z.app.ListReports(ctx, leader, store.ReportFilter{Overdue: true})
			must(t, err)
			var out []string
			for _, r := range rs {
				out = append(out, r.Number)
			}
			slices.Sort(out)
			if total != len(out) {
				t.Errorf("overdue total %d, listed %d", total, len(out))
			}
			return out
		}
		systemMessages := func(id int64) []intake.Message {
			t.Helper()
			ms, err := z.store.ReportMessages(ctx, id, false)
			must(t, err)
			var out []intake.Message
			for _, m := range ms {
				if m.Author == "system" {
					out = append(out, m)
				}
			}
			return out
		}

		// Reminders: nothing before the forward clock's reminder time.
		z.clock.Set(forward.RemindAt.Add(-time.Millisecond))
		if n, err := z.app.SendReminders(ctx); err != nil || n != 0 {
			t.Fatalf("SendReminders before the reminder time = %d, %v", n, err)
		}
		z.clock.Set(forward.RemindAt)
		if n, err := z.app.SendReminders(ctx); err != nil || n != 1 {
			t.Fatalf("SendReminders at the forward reminder = %d, %v; want 1", n, err)
		}
		ms := systemMessages(rf.ID)
		if len(ms) != 1 || ms[0].Public || !strings.Contains(ms[0].Body, "时限提醒") || !strings.Contains(ms[0].Body, "2026-02-27 23:59") ||
			!strings.Contains(ms[0].Body, z.app.Intake.Limits["report.forward"].Name) {
			t.Errorf("forward reminder messages = %+v", ms)
		}
		if c := z.clocks(t, rf.ID)["report.forward"]; !c.RemindedAt.Equal(forward.RemindAt) {
			t.Errorf("reminded at %v", c.RemindedAt)
		}
		if n, err := z.app.SendReminders(ctx); err != nil || n != 0 {
			t.Errorf("second SendReminders = %d, %v; want 0", n, err)
		}
		if len(systemMessages(rn.ID)) != 0 {
			t.Errorf("the notice clock reminded early")
		}
		// The reporter never sees internal reminders.
		v, err := z.app.LookupReceipt(ctx, rcF.Code, "src")
		must(t, err)
		if len(v.Messages) != 0 {
			t.Errorf("reporter sees %+v", v.Messages)
		}

		// Overdue: the forward clock after its due time, not at it.
		z.clock.Set(forward.DueAt)
		if got := overdue(); len(got) != 0 {
			t.Errorf("overdue at the due time = %v", got)
		}
		z.clock.Set(forward.DueAt.Add(time.Millisecond))
		if got, want := overdue(), []string{rf.Number}; !slices.Equal(got, want) {
			t.Errorf("overdue after 02-27 = %v, want %v", got, want)
		}
		d, err := z.app.Detail(ctx, leader, rf.ID)
		must(t, err)
		if len(d.Clocks) != 1 || d.Clocks[0].State != calendar.Overdue || d.Clocks[0].Name == "" {
			t.Errorf("Detail clocks = %+v", d.Clocks)
		}

		// The notice clock: reminded on 03-09, overdue after 03-12.
		z.clock.Set(notice.RemindAt)
		if n, err := z.app.SendReminders(ctx); err != nil || n != 1 {
			t.Fatalf("SendReminders at the notice reminder = %d, %v; want 1", n, err)
		}
		if ms := systemMessages(rn.ID); len(ms) != 1 || !strings.Contains(ms[0].Body, "2026-03-12 23:59") {
			t.Errorf("notice reminder = %+v", ms)
		}
		z.clock.Set(endOf(2026, 3, 13))
		want := []string{rn.Number, rf.Number}
		slices.Sort(want)
		if got := overdue(); !slices.Equal(got, want) {
			t.Errorf("overdue on 03-13 = %v, want %v", got, want)
		}
		// Accepting (late) meets the notice clock: no longer overdue.
		_, err = z.app.Act(ctx, z.p["yd_tms"], rn.ID, app.ActInput{Op: intake.OpAccept, Version: rn.Version})
		must(t, err)
		if got := overdue(); !slices.Equal(got, []string{rf.Number}) {
			t.Errorf("overdue after accepting = %v", got)
		}
		d, err = z.app.Detail(ctx, z.p["yd_tms"], rn.ID)
		must(t, err)
		if len(d.Clocks) != 1 || d.Clocks[0].State != calendar.Late {
			t.Errorf("notice clock after a late acceptance = %+v", d.Clocks)
		}
		if n, err := z.app.SendReminders(ctx); err != nil || n != 0 {
			t.Errorf("SendReminders after everything = %d, %v", n, err)
		}
	})
}

// ---------------------------------------------------------------------------
// 5. Near-duplicates

func TestNearDuplicates(t *testing.T) {
	const (
		first = "大坪村村会计张某虚报冒领惠农补贴。他把已经去世多年的村民列入补贴名单，每年冒领耕地地力保护补贴两万余元。" +
			"群众多次向村委会反映，至今没有任何处理。请上级纪委调查核实，依法依纪严肃处理。"
		// The same complaint again: sentences reordered, "再次反映" added,
		// punctuation changed.
		second = "再次反映：群众多次向村委会反映，至今没有任何处理！大坪村村会计张某虚报冒领惠农补贴，" +
			"每年冒领耕地地力保护补贴两万余元，他把已经去世多年的村民列入补贴名单。请上级纪委调查核实，依法依纪严肃处理。"
		unrelated = "南庄坪街道某小区物业公司擅自提高停车费，业委会未召开业主大会就通过了收费方案，请相关部门监督。"
	)
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		tms := z.p["yd_tms"]
		submit := func(title, content string) intake.Report { return z.submitText(t, title, content) }
		r1 := submit("村会计虚报冒领惠农补贴", first)
		z.clock.Advance(time.Hour)
		r2 := submit("再次反映村会计虚报冒领补贴", second)
		z.clock.Advance(time.Hour)
		r3 := submit("物业擅自提高停车费", unrelated)
		if s := dedup.Similar(r1.Title+"\n"+r1.Content, r2.Title+"\n"+r2.Content); s < dedup.DefaultThreshold {
			t.Fatalf("the test texts are not similar enough: %.3f", s)
		}

		// Registration linked the second to the first, and nothing else.
		for _, c := range []struct {
			r    intake.Report
			want []int64
		}{{r1, []int64{r2.ID}}, {r2, []int64{r1.ID}}, {r3, nil}} {
			links, err := z.store.ReportLinks(ctx, c.r.ID)
			must(t, err)
			var got []int64
			for _, l := range links {
				got = append(got, l.OtherID)
				if l.Status != "candidate" || l.Score < dedup.DefaultThreshold {
					t.Errorf("link %+v", l)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("links of %s = %v, want %v", c.r.Number, got, c.want)
			}
			sim, err := z.app.SimilarReports(ctx, tms, c.r.ID)
			must(t, err)
			got = nil
			for _, s := range sim {
				got = append(got, s.Report.ID)
				if s.Link.Score < dedup.DefaultThreshold || len(s.InThis) == 0 || len(s.InThat) == 0 {
					t.Errorf("SimilarReports(%s) = score %.3f spans %v / %v", c.r.Number, s.Link.Score, s.InThis, s.InThat)
				}
				this := []rune(c.r.Title + "\n" + c.r.Content)
				for _, sp := range s.InThis {
					if sp.Start < 0 || sp.End > len(this) || sp.End-sp.Start < 6 {
						t.Errorf("span %v outside %d runes or shorter than 6", sp, len(this))
					}
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("SimilarReports(%s) = %v, want %v", c.r.Number, got, c.want)
			}
		}
		// Out of scope: another township sees nothing and decides nothing.
		_, err := z.app.SimilarReports(ctx, z.p["cl_township"], r2.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.report", nil)
		wantCode(t, z.app.DecideDuplicate(ctx, z.p["cl_township"], r2.ID, r1.ID, true), apperr.NotFound, "", nil)
		wantCode(t, z.app.DecideDuplicate(ctx, z.p["yd_leader"], r2.ID, r1.ID, true), apperr.Forbidden, "error.forbidden", nil)

		repeatOf := func(id int64) int64 {
			t.Helper()
			r, err := z.store.GetReport(ctx, id)
			must(t, err)
			return r.RepeatOf
		}
		linkStatus := func() string {
			t.Helper()
			links, err := z.store.ReportLinks(ctx, r2.ID)
			must(t, err)
			if len(links) != 1 {
				t.Fatalf("links %+v", links)
			}
			return links[0].Status
		}
		// Confirm (from either side): the newer is a repeat of the older.
		for _, pair := range [][2]int64{{r2.ID, r1.ID}, {r1.ID, r2.ID}} {
			must(t, z.app.DecideDuplicate(ctx, tms, pair[0], pair[1], true))
			if repeatOf(r2.ID) != r1.ID || repeatOf(r1.ID) != 0 || linkStatus() != "confirmed" {
				t.Errorf("confirm %v: repeat_of %d/%d, link %s", pair, repeatOf(r1.ID), repeatOf(r2.ID), linkStatus())
			}
			must(t, z.app.DecideDuplicate(ctx, tms, pair[0], pair[1], false))
			if repeatOf(r2.ID) != 0 || repeatOf(r1.ID) != 0 || linkStatus() != "rejected" {
				t.Errorf("reject %v: repeat_of %d/%d, link %s", pair, repeatOf(r1.ID), repeatOf(r2.ID), linkStatus())
			}
		}
		// A rejected link stays rejected when the candidates are recomputed.
		sim, err := z.app.SimilarReports(ctx, tms, r2.ID)
		must(t, err)
		if len(sim) != 1 || sim[0].Link.Status != "rejected" {
			t.Errorf("SimilarReports after rejecting = %+v", sim)
		}
		// Staff may link an unrelated pair by hand.
		must(t, z.app.DecideDuplicate(ctx, tms, r3.ID, r1.ID, true))
		if repeatOf(r3.ID) != r1.ID {
			t.Errorf("hand-linked repeat_of = %d, want %d", repeatOf(r3.ID), r1.ID)
		}
	})
}

// TestNearDuplicateFingerprints checks that registration keeps each
// report's fingerprint, and that a stored report without one (written
// before migration 47 filled them in, or by code that computes none) is
// scored from its text, with the same score as from a fingerprint.
func TestNearDuplicateFingerprints(t *testing.T) {
	const (
		first  = "大坪村村会计张某虚报冒领惠农补贴，把已经去世多年的村民列入补贴名单，每年冒领耕地地力保护补贴两万余元。"
		second = "再次反映：大坪村村会计张某把去世多年的村民列入补贴名单，每年冒领耕地地力保护补贴两万余元，虚报冒领惠农补贴。"
	)
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		submit := func(title, content string) intake.Report {
			defer z.clock.Advance(time.Minute)
			return z.submitText(t, title, content)
		}
		text := func(r intake.Report) string { return r.Title + "\n" + r.Content }
		// What happens to r1's stored row before r2 comes, and the score
		// r2's link to r1 must then have (from the row, or from r1's text).
		cases := []struct {
			name    string
			replace func(r1 intake.Report) []byte // nil: keep the row as written
			drop    bool
			stored  bool // the score is r2's own fingerprint against itself
		}{
			{name: "as written"},
			{name: "no row", drop: true},
			// A row that is not r1's text's fingerprint: a look-up that used
			// it scores 1 (the link proves the stored value is read).
			{name: "r2's own", replace: func(intake.Report) []byte {
				return dedup.TextFingerprint("再次反映村会计冒领补贴\n" + second).Bytes()
			}, stored: true},
			// A damaged row is not trusted: r1 is scored from its text.
			{name: "damaged", replace: func(intake.Report) []byte { return []byte{1, 2, 3} }},
		}
		for _, c := range cases {
			r1 := submit("村会计虚报冒领补贴", first)
			fps, err := z.store.ReportFingerprints(ctx, []int64{r1.ID})
			must(t, err)
			if want := dedup.TextFingerprint(text(r1)).Bytes(); !bytes.Equal(fps[r1.ID], want) {
				t.Fatalf("%s: stored fingerprint %x, want %x", c.name, fps[r1.ID], want)
			}
			switch {
			case c.drop:
				if _, err := z.store.DB().ExecContext(ctx, `DELETE FROM report_fingerprints WHERE report_id = $1`, r1.ID); err != nil {
					t.Fatal(err)
				}
			case c.replace != nil:
				if _, err := z.store.DB().ExecContext(ctx, `UPDATE report_fingerprints SET shingles = $1 WHERE report_id = $2`,
					c.replace(r1), r1.ID); err != nil {
					t.Fatal(err)
				}
			}
			r2 := submit("再次反映村会计冒领补贴", second)
			links, err := z.store.ReportLinks(ctx, r2.ID)
			must(t, err)
			want := dedup.Similar(text(r1), text(r2))
			if c.stored {
				want = 1
			}
			found := false
			for _, l := range links {
				if l.OtherID == r1.ID {
					found = true
					if l.Score != want {
						t.Errorf("%s: score %v, want %v", c.name, l.Score, want)
					}
				}
			}
			if !found || want < dedup.DefaultThreshold || want == 1 && !c.stored {
				t.Errorf("%s: links %+v (want score %.3f), want one to %d", c.name, links, want, r1.ID)
			}
		}
	})
}

// checkFingerprints fails unless every stored report has a fingerprint
// row equal to the fingerprint of its title and content, as registration
// computes it.
func checkFingerprints(t *testing.T, st *store.Store) {
	t.Helper()
	rows, err := st.DB().QueryContext(ctx, `SELECT id, title, content FROM reports ORDER BY id`)
	must(t, err)
	want := map[int64][]byte{}
	var ids []int64
	for rows.Next() {
		var id int64
		var title, content string
		must(t, rows.Scan(&id, &title, &content))
		want[id] = dedup.TextFingerprint(title + "\n" + content).Bytes()
		ids = append(ids, id)
	}
	must(t, rows.Err())
	rows.Close()
	got, err := st.ReportFingerprints(ctx, ids)
	must(t, err)
	if len(ids) == 0 {
		t.Fatal("no reports to check")
	}
	for _, id := range ids {
		if g, ok := got[id]; !ok || !bytes.Equal(g, want[id]) {
			t.Errorf("report %d: fingerprint %x (stored: %v), want %x", id, g, ok, want[id])
		}
	}
}

// ---------------------------------------------------------------------------
// 6. Search

// messagesCSV is the real message-board export (see its SOURCE.md).
const messagesCSV = "/work/shared/data/messages/messages-with-replies.csv"

// message is one row of messagesCSV.
type message struct{ id, title, content, reply string }

// readMessages reads the first n-10 rows of the shared data set and its 10
// longest (content plus reply: up to ~8,000 runes, so PostgreSQL indexes
// them in several chunks), skipping the test when the data set is not on
// this machine.
func readMessages(t *testing.T, n int) []message {
	t.Helper()
	f, err := os.Open(messagesCSV)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared data set not available (%s): %v", messagesCSV, err)
	}
	must(t, err)
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	must(t, err)
	if !slices.Equal(head, []string{"留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"}) {
		t.Fatalf("shared data: unexpected header %q", head)
	}
	var rows []message
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		must(t, err)
		rows = append(rows, message{id: rec[0], title: cut(rec[2], intake.MaxTitle), content: cut(rec[4], intake.MaxContent), reply: rec[5]})
	}
	if len(rows) < n+10 {
		t.Fatalf("shared data: %d rows, want at least %d", len(rows), n+10)
	}
	out := slices.Clone(rows[:n-10])
	rest := rows[n-10:]
	slices.SortStableFunc(rest, func(a, b message) int {
		return len([]rune(b.content+b.reply)) - len([]rune(a.content+a.reply))
	})
	return append(out, rest[:10]...)
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// searchAll pages through app.Search and returns the ids found.
func searchAll(t *testing.T, a *app.App, p auth.Principal, q string) ([]int64, error) {
	t.Helper()
	var ids []int64
	const limit = 40
	for off := 0; ; off += limit {
		rs, _, total, err := a.Search(ctx, p, q, store.Page{Limit: limit, Offset: off})
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if off == 0 && total < len(rs) {
			t.Errorf("Search(%q): total %d < first page %d", q, total, len(rs))
		}
		if len(rs) < limit {
			if len(ids) != total {
				t.Errorf("Search(%q): %d found over the pages, total says %d", q, len(ids), total)
			}
			break
		}
	}
	return ids, nil
}

func TestSearchMatchesBruteForce(t *testing.T) {
	msgs := readMessages(t, 200)
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		rng := mrand.New(mrand.NewPCG(2026, 316)) // fixed seed: the same queries every run
		reg := z.p["yd_intake"]
		tmsUnit := z.unitByCode(t, codeTMS)
		// Spread the reports: some are routed to 天门山镇, some to 教字垭镇,
		// the rest stay at the county; half carry the department's reply.
		for i, m := range msgs {
			sub := intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelHotline, Title: m.title, Content: m.content,
				ExternalID: "msg-" + m.id, Source: "留言板", Anonymous: true}
			switch i % 4 {
			case 0:
				sub.DivisionCode, sub.Subject = codeDaping, intake.Subject{Name: "满某", Post: "村主任", Level: intake.LevelVillage}
			case 1:
				sub.DivisionCode, sub.Subject = codeJiaoziya, intake.Subject{Unit: "教字垭镇政府", Level: intake.LevelTownship}
			}
			if i%2 == 0 {
				sub.Reply = m.reply
			}
			if _, _, err := z.app.RegisterReport(ctx, reg, sub, nil, false); err != nil {
				t.Fatalf("register message %s: %v", m.id, err)
			}
		}
		all, total, err := z.store.ListReports(ctx, sys.ScopeFor(auth.PermReportRead), store.ReportFilter{Page: store.Page{Limit: 500}})
		must(t, err)
		if total != len(msgs) || len(all) != len(msgs) {
			t.Fatalf("%d reports stored, want %d", total, len(msgs))
		}
		// The documents as the store indexes them.
		docs := map[int64]string{}
		inTMS := map[int64]bool{}
		withReply := 0
		for _, r := range all {
			ms, err := z.store.ReportMessages(ctx, r.ID, true)
			must(t, err)
			var replies []string
			for _, m := range ms {
				if m.Author == "staff" {
					replies = append(replies, m.Body)
				}
			}
			if len(replies) > 0 {
				withReply++
			}
			docs[r.ID] = search.Normalize(store.SearchDoc(r, replies))
			inTMS[r.ID] = strings.HasPrefix(r.UnitPath, tmsUnit.Path)
		}
		if withReply < 90 || len(inTMS) != len(msgs) || slices.Max(docLens(docs)) < 6000 {
			t.Fatalf("%d reports with a reply", withReply)
		}

		// The queries: random substrings of 1–6 runes of random reports'
		// titles and contents, text that occurs nowhere, and width/case
		// variants.
		var queries []string
		for len(queries) < 90 {
			r := all[rng.IntN(len(all))]
			src := []rune(r.Content)
			if rng.IntN(3) == 0 {
				src = []rune(r.Title)
			}
			n := 1 + rng.IntN(6)
			if len(src) < n {
				continue
			}
			i := rng.IntN(len(src) - n + 1)
			queries = append(queries, string(src[i:i+n]))
		}
		// Substrings of whole indexed documents (number, subject, replies;
		// across field boundaries), up to the longest query.
		ids := make([]int64, 0, len(docs))
		for id := range docs {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for len(queries) < 120 {
			d := []rune(docs[ids[rng.IntN(len(ids))]])
			n := 1 + rng.IntN(12)
			if len(queries) >= 114 {
				n = 30 + rng.IntN(search.MaxQueryRunes-29)
			}
			if len(d) < n {
				continue
			}
			i := rng.IntN(len(d) - n + 1)
			queries = append(queries, string(d[i:i+n]))
		}
		queries = append(queries, "龘龘", "鬱鬱蔥蔥", "zqxjvk", "清风举报系统", "９９９９９９",
			"Ａ２区", "a2区", "A市", "（", "2019年", " 物业  管理 ", "4.23", "【原办理答复】", "网友",
			// FTS5 and tsquery syntax is text like any other.
			`"`, `*`, "AND", "a OR b", "-", "^", "NEAR(", "col:", "'", "&|!", "\\")

		leader, tms, cili := z.p["yd_leader"], z.p["yd_tms"], z.p["cl_township"]
		nonEmpty, nowhere := 0, 0
		for _, q := range queries {
			pq, perr := search.Parse(q)
			got, err := searchAll(t, z.app, leader, q)
			if perr != nil {
				wantCode(t, err, apperr.Invalid, "", map[string]string{"q": "search.query_invalid"})
				continue
			}
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			var want, wantTMS []int64
			for id, d := range docs {
				if strings.Contains(d, pq.Text) {
					want = append(want, id)
					if inTMS[id] {
						wantTMS = append(wantTMS, id)
					}
				}
			}
			slices.Sort(want)
			slices.Sort(wantTMS)
			if len(want) > 0 {
				nonEmpty++
			} else {
				nowhere++
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Errorf("Search(%q) [normalised %q] found %d reports, brute force %d\nmissing %v\nextra %v",
					q, pq.Text, len(got), len(want), minus(want, got), minus(got, want))
			}
			gotTMS, err := searchAll(t, z.app, tms, q)
			must(t, err)
			if slices.Sort(gotTMS); !slices.Equal(gotTMS, wantTMS) {
				t.Errorf("yd_tms Search(%q) = %d reports, want the %d of 天门山镇", q, len(gotTMS), len(wantTMS))
			}
			gotCili, err := searchAll(t, z.app, cili, q)
			must(t, err)
			if len(gotCili) != 0 {
				t.Errorf("cl_township Search(%q) found %d reports of 永定区", q, len(gotCili))
			}
		}
		if nonEmpty < 80 || nowhere < 4 {
			t.Errorf("%d queries with hits, %d without: the query set is too one-sided", nonEmpty, nowhere)
		}
		for _, q := range []string{"", "   ", "\u200b", strings.Repeat("字", search.MaxQueryRunes+1)} {
			_, _, _, err := z.app.Search(ctx, leader, q, store.Page{})
			wantCode(t, err, apperr.Invalid, "", map[string]string{"q": "search.query_invalid"})
		}
	})
}

// docLens returns the rune lengths of the documents.
func docLens(docs map[int64]string) []int {
	var out []int
	for _, d := range docs {
		out = append(out, len([]rune(d)))
	}
	return out
}

// minus returns the elements of a not in b.
func minus(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Uploads on the portal

func TestPublicAttachments(t *testing.T) {
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	must(t, pngenc.Encode(&png, img))
	pdf := []byte("%PDF-1.4\n% 证据材料\n%%EOF\n")
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		sub := publicSub(codeDaping, intake.LevelVillage)
		_, err := z.app.SubmitPublic(ctx, sub, []app.Upload{{Name: "说明.txt", Data: []byte("纯文本不接受")}})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"files": "intake.file_type"})
		if n := reportCount(t, z); n != 0 {
			t.Fatalf("a refused submission stored %d reports", n)
		}
		rc, err := z.app.SubmitPublic(ctx, sub, []app.Upload{{Name: `C:\fakepath\证据.pdf`, Data: pdf}})
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		must(t, z.app.AddPublicMessage(ctx, rc.Code, "src", "补充现场照片。", []app.Upload{{Name: "现场.PNG", Data: png.Bytes()}}))
		err = z.app.AddPublicMessage(ctx, rc.Code, "src", "再补充", []app.Upload{{Name: "x.exe", Data: []byte("MZ\x90\x00")}})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"files": "intake.file_type"})

		tms := z.p["yd_tms"]
		d, err := z.app.Detail(ctx, tms, r.ID)
		must(t, err)
		if len(d.Attachments) != 2 || len(d.Messages) != 1 {
			t.Fatalf("attachments %+v, messages %+v", d.Attachments, d.Messages)
		}
		a0, a1 := d.Attachments[0], d.Attachments[1]
		if a0.Name != "证据.pdf" || a0.MIME != "application/pdf" || a0.MessageID != 0 || a0.Size != int64(len(pdf)) ||
			a1.Name != "现场.png" || a1.MIME != "image/png" || a1.MessageID != d.Messages[0].ID {
			t.Errorf("attachments = %+v", d.Attachments)
		}
		f, data, err := z.app.Attachment(ctx, tms, a0.ID)
		must(t, err)
		if f.ID != a0.ID || !bytes.Equal(data, pdf) {
			t.Errorf("Attachment = %+v, %d bytes", f, len(data))
		}
		_, data, err = z.app.Attachment(ctx, tms, a1.ID)
		must(t, err)
		if got, err := pngdec(data); err != nil || got.Bounds() != img.Bounds() {
			t.Errorf("re-encoded image: %v, %v", got, err)
		}
		_, _, err = z.app.Attachment(ctx, z.p["cl_township"], a0.ID)
		wantCode(t, err, apperr.NotFound, "error.not_found.attachment", nil)
	})
}

func pngdec(b []byte) (image.Image, error) { return pngenc.Decode(bytes.NewReader(b)) }

// ---------------------------------------------------------------------------
// Defects found while writing these tests (they fail until fixed)

// TestPetitionOfficeSeesWhatItRegisters: the demo's petition account
// (yd_petition, at 永定区纪委监委 / 信访室) registers a letter; the report is
// held by the county commission, and the account that registered it — whose
// role "registers and handles" (migration 00005) — must be able to read and
// handle it.
func TestPetitionOfficeSeesWhatItRegisters(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		pet := z.p["yd_petition"]
		sub := intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelLetter, Title: "来信反映某局长违规收受礼金",
			Content: "来信反映某局长在节日期间违规收受下属礼金。", Anonymous: true}
		r, _, err := z.app.RegisterReport(ctx, pet, sub, nil, false)
		must(t, err)
		county := z.unitByCode(t, codeYongding)
		if desk := z.desk(t, codeYongding); r.UnitID != desk.ID || r.ReceivedUnitID != county.ID || r.OperatorUserID != pet.UserID {
			t.Fatalf("registered at unit %d by %d, want the county's 信访室 %d by %d", r.UnitID, r.OperatorUserID, desk.ID, pet.UserID)
		}
		if _, err := z.app.GetReport(ctx, pet, r.ID); err != nil {
			t.Errorf("yd_petition (unit %s) cannot read the report it registered (unit path %s): %v", pet.UnitPath, r.UnitPath, err)
		}
		list, _, err := z.app.ListReports(ctx, pet, store.ReportFilter{})
		must(t, err)
		if len(list) != 1 {
			t.Errorf("yd_petition lists %d reports, want the 1 it registered", len(list))
		}
		if _, err := z.app.Act(ctx, pet, r.ID, app.ActInput{Op: intake.OpAccept, Version: r.Version}); err != nil {
			t.Errorf("yd_petition cannot accept the report it registered: %v", err)
		}
	})
}

// TestClocksStopWhenHandled: a clock whose step has been taken must not go
// on reminding and showing the report as overdue.
//   - A city-level report waits at the county with the report.forward clock;
//     declining it ends the matter, so the clock must stop.
//   - Forwarding starts lower_level.register at the target ("registers it
//     and accepts or transfers it within 5 working days"); accepting it there
//     meets that clock.
func TestClocksStopWhenHandled(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		desk := z.p["yd_intake"]
		rc, err := z.app.SubmitPublic(ctx, publicSub(codeTMS, intake.LevelCity), nil)
		must(t, err)
		declined := z.receiptReport(t, rc.Code)
		declined, err = z.app.Act(ctx, desk, declined.ID, app.ActInput{Op: intake.OpDecline, Version: declined.Version, Reason: "同一问题已由上级纪委办结。"})
		must(t, err)

		rc, err = z.app.SubmitPublic(ctx, publicSub(codeTMS, intake.LevelCity), nil)
		must(t, err)
		moved := z.receiptReport(t, rc.Code)
		moved, err = z.app.Act(ctx, desk, moved.ID, app.ActInput{Op: intake.OpForward, Version: moved.Version, UnitID: z.unitByCode(t, codeCili).ID})
		must(t, err)
		z.clock.Advance(time.Hour)
		// Accepted at 慈利县 (as the system principal: the demo has no
		// account there that handles the commission's reports).
		moved, err = z.app.Act(ctx, sys, moved.ID, app.ActInput{Op: intake.OpAccept, Version: moved.Version})
		must(t, err)

		for _, r := range []intake.Report{declined, moved} {
			for code, c := range z.clocks(t, r.ID) {
				if c.DoneAt.IsZero() {
					t.Errorf("%s (%s): clock %s still running (due %v)", r.Number, r.Status, code, c.DueAt.In(z.app.Loc))
				}
			}
		}
		z.clock.Advance(30 * 24 * time.Hour)
		over, _, err := z.app.ListReports(ctx, sys, store.ReportFilter{Overdue: true})
		must(t, err)
		for _, r := range over {
			t.Errorf("%s (%s) is listed as overdue", r.Number, r.Status)
		}
		if n, err := z.app.SendReminders(ctx); err != nil || n != 0 {
			t.Errorf("SendReminders = %d, %v; want no reminders for handled reports", n, err)
		}
	})
}

// TestDecideDuplicateSelf: a report cannot be a repeat of itself.
func TestDecideDuplicateSelf(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		rc, err := z.app.SubmitPublic(ctx, publicSub(codeDaping, intake.LevelVillage), nil)
		must(t, err)
		r := z.receiptReport(t, rc.Code)
		err = z.app.DecideDuplicate(ctx, z.p["yd_tms"], r.ID, r.ID, true)
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("DecideDuplicate(r, r) = %v, want invalid", err)
		}
		got, err := z.store.GetReport(ctx, r.ID)
		must(t, err)
		links, err := z.store.ReportLinks(ctx, r.ID)
		must(t, err)
		if got.RepeatOf != 0 || len(links) != 0 {
			t.Errorf("report %d: repeat_of %d, links %+v", r.ID, got.RepeatOf, links)
		}
	})
}

// TestStaffRegisterReceivingUnit: staff register for their nearest township
// or commission, and can then see what they registered; a township user
// cannot import into its county.
func TestStaffRegisterReceivingUnit(t *testing.T) {
	eachZJJ(t, t0, func(t *testing.T, z *zjj) {
		sub := intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelVisit, Title: "来访反映村务不公开",
			Content: "来访群众反映本村村务长期不公开，账目不清。", Anonymous: true}
		tests := []struct {
			user     string
			received string // division code of the receiving unit
			heldBy   func(t *testing.T) int64
		}{
			{"yd_tms", codeTMS, func(t *testing.T) int64 { return z.unitByCode(t, codeTMS).ID }},
			{"yd_petition", codeYongding, func(t *testing.T) int64 { return z.desk(t, codeYongding).ID }},
		}
		for _, tc := range tests {
			p := z.p[tc.user]
			r, _, err := z.app.RegisterReport(ctx, p, sub, nil, false)
			must(t, err)
			if r.ReceivedUnitID != z.unitByCode(t, tc.received).ID || r.UnitID != tc.heldBy(t) || r.OverLevel {
				t.Errorf("%s: received by %d held by %d (%s) over-level %v", tc.user, r.ReceivedUnitID, r.UnitID, r.UnitName, r.OverLevel)
			}
			got, err := z.app.GetReport(ctx, p, r.ID)
			if err != nil {
				t.Errorf("%s cannot see the report it registered: %v", tc.user, err)
			} else if r.UnitName == "" || r.UnitName != got.UnitName {
				// The registration's answer names the holding unit as the
				// stored report does (the API returns it).
				t.Errorf("%s: registered report held by %q, stored one by %q", tc.user, r.UnitName, got.UnitName)
			}
		}
		units, err := z.app.ImportUnits(ctx, z.p["yd_tms"])
		must(t, err)
		if len(units) != 1 || units[0].DivisionCode != codeTMS {
			t.Errorf("yd_tms may import into %v, want only 天门山镇纪委", units)
		}
	})
}
