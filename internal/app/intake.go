package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/dedup"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
)

// Intake holds what the reporting services need besides the store: the
// working-day calendar (replaceable at run time when an administrator loads
// a new year's notice), the statutory limits, the receipt-code hasher and
// the key fields.
type Intake struct {
	cal        atomic.Pointer[calendar.Calendar]
	Limits     map[string]calendar.Limit
	Receipts   *intake.ReceiptHasher
	Categories []intake.Category
}

// NewIntake loads the embedded calendar and limits, then the years an
// administrator uploaded (stored in the database).
func NewIntake(ctx context.Context, st *store.Store, receiptKey []byte) (*Intake, error) {
	cal, err := calendar.Embedded()
	if err != nil {
		return nil, err
	}
	years, err := st.CalendarYears(ctx)
	if err != nil {
		return nil, err
	}
	for _, raw := range years { // map order: any, each year is independent
		y, err := calendar.ParseYear(strings.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("stored calendar year: %w", err)
		}
		if cal, err = cal.With(y); err != nil {
			return nil, err
		}
	}
	limits, err := calendar.Limits()
	if err != nil {
		return nil, err
	}
	for _, code := range []string{limitForward, limitNotice, limitFeedback, limitRegister} {
		if _, ok := limits[code]; !ok {
			return nil, fmt.Errorf("limits.json lacks %s", code)
		}
	}
	h, err := intake.NewReceiptHasher(receiptKey)
	if err != nil {
		return nil, err
	}
	cats, err := intake.Categories()
	if err != nil {
		return nil, err
	}
	in := &Intake{Limits: limits, Receipts: h, Categories: cats}
	in.cal.Store(cal)
	return in, nil
}

// Calendar returns the current calendar.
func (in *Intake) Calendar() *calendar.Calendar { return in.cal.Load() }

// The clocks the intake workflow runs (codes in calendar/limits.json).
const (
	limitForward  = "report.forward"         // forward out-of-remit reports within 5 working days
	limitNotice   = "report.realname_notice" // real-name acceptance notice within 15 working days
	limitFeedback = "report.feedback"        // real-name result feedback within 15 working days of closure
	limitRegister = "lower_level.register"   // a lower level registers a forwarded report within 5 working days
)

// reportNumberFmt renders registration numbers: short name, year, sequence.
const reportNumberFmt = "%s信〔%d〕%d号"

// ReportNumberFmt is the registration number format (short name of the
// receiving unit, year, sequence), for generators that number reports in
// bulk (store.BulkReport).
const ReportNumberFmt = reportNumberFmt

// sealAAD binds sealed identities to their column.
const sealAAD = "reports.reporter_sealed.v1"

// PublicReceipt is what a reporter gets after submitting.
type PublicReceipt struct {
	Code   string
	Number string
	Status intake.Status
}

// Upload is one file from a form or API call.
type Upload struct {
	Name string
	Data []byte
}

func splitUploads(ups []Upload) ([]string, [][]byte) {
	names, datas := make([]string, len(ups)), make([][]byte, len(ups))
	for i, u := range ups {
		names[i], datas[i] = u.Name, u.Data
	}
	return names, datas
}

// SubmitPublic registers a report from the public portal or the public API.
// The receiving unit is the commission of the place's county. Routing,
// sealing, clocks and the look-up of near-duplicates happen on the caller's
// goroutine; the App's committer then writes the report with its number,
// links, search entry and audit record in one transaction, together with
// the other submissions queued meanwhile (see commit.go). Nothing about the
// client is stored. Errors: invalid, rate_limited (the App is closing).
func (a *App) SubmitPublic(ctx context.Context, sub intake.Submission, files []Upload) (PublicReceipt, error) {
	sub.Channel = intake.ChannelWeb
	sub.ReceivedAt = time.Time{}
	sub.ExternalID, sub.Source = "", ""
	code, err := intake.NewReceiptCode(a.Rand)
	if err != nil {
		return PublicReceipt{}, err
	}
	r, err := a.submitPublic(ctx, sub, files, a.Intake.Receipts.Hash(code))
	if err != nil {
		return PublicReceipt{}, err
	}
	return PublicReceipt{Code: code, Number: r.Number, Status: r.Status}, nil
}

// RegisterReport records a letter, visit, call or transfer taken by staff
// (report.register). The operator is recorded; the reporter may be given a
// receipt code (withReceipt), returned once. Errors: forbidden, invalid.
func (a *App) RegisterReport(ctx context.Context, p auth.Principal, sub intake.Submission, files []Upload, withReceipt bool) (intake.Report, string, error) {
	if err := need(p, auth.PermReportRegister); err != nil {
		return intake.Report{}, "", err
	}
	if sub.Channel == intake.ChannelWeb {
		return intake.Report{}, "", apperr.InvalidField("channel", "intake.channel_invalid")
	}
	code, hash := "", ""
	if withReceipt {
		var err error
		if code, err = intake.NewReceiptCode(a.Rand); err != nil {
			return intake.Report{}, "", err
		}
		hash = a.Intake.Receipts.Hash(code)
	}
	r, err := a.register(ctx, actor(p), &p, nil, sub, files, hash)
	return r, code, err
}

// placeUnits resolves the commissions of a place code.
func (a *App) placeUnits(ctx context.Context, code string) (county, township, village *org.Unit) {
	c, t, v := intake.PlaceCodes(code)
	return a.activeUnitOf(ctx, c), a.activeUnitOf(ctx, t), a.activeUnitOf(ctx, v)
}

// placeCommissions is placeUnits without the village (what routing needs).
func (a *App) placeCommissions(ctx context.Context, code string) (county, township *org.Unit) {
	c, t, _ := intake.PlaceCodes(code)
	return a.activeUnitOf(ctx, c), a.activeUnitOf(ctx, t)
}

// activeUnitOf is the active unit carrying a division code (nil: none).
func (a *App) activeUnitOf(ctx context.Context, code string) *org.Unit {
	if code == "" {
		return nil
	}
	u, err := a.Store.GetUnitByDivision(ctx, code)
	if err != nil || !u.Active {
		return nil
	}
	return &u
}

func ref(u *org.Unit) *intake.UnitRef {
	if u == nil {
		return nil
	}
	return &intake.UnitRef{ID: u.ID, Name: u.Name}
}

// areaOffice finds the office that the township's area group assigns.
func (a *App) areaOffice(ctx context.Context, township *org.Unit) *org.Unit {
	if township == nil {
		return nil
	}
	ms, err := a.Store.UnitMemberships(ctx, township.ID)
	if err != nil {
		return nil
	}
	today := a.Today()
	for _, m := range ms {
		if !m.Covers(today) {
			continue
		}
		g, err := a.Store.GetAreaGroup(ctx, m.AreaGroupID, today)
		if err != nil || !g.Active {
			continue
		}
		for _, mem := range g.Members {
			if mem.UnitKind == org.KindOffice {
				u, err := a.Store.GetUnit(ctx, mem.UnitID)
				if err == nil {
					return &u
				}
			}
		}
	}
	return nil
}

// intakeDesk is where a commission's reports are held until assigned: its
// petition office (信访室, the single intake point, [R2019] Art. 20), or the
// commission itself when it has none.
func (a *App) intakeDesk(ctx context.Context, commission *org.Unit) *org.Unit {
	if commission == nil {
		return nil
	}
	if u, err := a.Store.ChildOfKind(ctx, commission.ID, org.KindPetition); err == nil {
		return &u
	}
	return commission
}

// parentOf returns a unit's parent commission (nil at the root).
func (a *App) parentOf(ctx context.Context, u *org.Unit) *org.Unit {
	if u == nil || u.ParentID == 0 {
		return nil
	}
	p, err := a.Store.GetUnit(ctx, u.ParentID)
	if err != nil {
		return nil
	}
	return &p
}

// receivingUnit is the commission a staff member registers reports for: the
// nearest township commission or commission at or above the user's unit (a
// petition office or an office registers for its commission, a village
// member for its township).
func (a *App) receivingUnit(ctx context.Context, p *auth.Principal) *org.Unit {
	u, err := a.Store.GetUnit(ctx, p.UnitID)
	if err != nil {
		return nil
	}
	if u.Kind == org.KindTownship || u.Kind == org.KindCommission {
		return &u
	}
	anc, err := a.Store.Ancestors(ctx, u)
	if err != nil {
		return nil
	}
	for i := len(anc) - 1; i >= 0; i-- {
		if anc[i].Kind == org.KindTownship || anc[i].Kind == org.KindCommission {
			return &anc[i]
		}
	}
	return nil
}

// countyOf is the county commission of a receiving unit (itself for a
// commission at or above county level).
func (a *App) countyOf(ctx context.Context, u *org.Unit) *org.Unit {
	if u.Kind == org.KindCommission {
		return u
	}
	if c, err := a.Store.CountyOf(ctx, *u); err == nil {
		return &c
	}
	return u
}

// receiver is where staff registrations land: the receiving unit, the
// unit that holds its reports (a commission's petition office) and its
// county for routing. Imports resolve it once for all rows.
type receiver struct {
	unit, desk, county *org.Unit
}

// receiverOf resolves the receiver of a staff member.
func (a *App) receiverOf(ctx context.Context, p *auth.Principal) (*receiver, error) {
	u := a.receivingUnit(ctx, p)
	if u == nil {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	rc := &receiver{unit: u, desk: u, county: a.countyOf(ctx, u)}
	if u.Kind == org.KindCommission {
		rc.desk = a.intakeDesk(ctx, u)
	}
	return rc, nil
}

// register is the single-transaction registration of staff entries and
// village demands (public submissions go through the committer, commit.go);
// rc is the staff receiver (nil: resolved from p).
func (a *App) register(ctx context.Context, act audit.Actor, p *auth.Principal, rc *receiver, sub intake.Submission, files []Upload, receiptHash string, with ...func(*store.NewReport)) (intake.Report, error) {
	n, err := a.prepareReport(ctx, p, rc, sub, files, receiptHash)
	if err != nil {
		return intake.Report{}, err
	}
	for _, f := range with {
		f(&n) // writes to commit with the report (a village demand's change)
	}
	d := a.dupText(n.Report)
	n.Bands, n.Fingerprint = d.bands, d.fp.Bytes()
	if n.Links, err = a.nearDuplicates(ctx, d, nil, 0); err != nil {
		return intake.Report{}, err
	}
	out, err := a.Store.CreateReport(ctx, act, n)
	if apperr.Is(err, apperr.Conflict) && sub.ExternalID != "" {
		return out, apperr.New(apperr.Conflict, "intake.already_imported")
	}
	return out, err
}

// checkSubmission validates sub as intake receives it (public: from the
// portal) and refuses a time of receipt after now (intake.MaxFutureReceipt).
// It cleans sub's text fields. Errors: invalid with field codes.
func (a *App) checkSubmission(sub *intake.Submission, public bool) error {
	if err := sub.Validate(public, a.Intake.Categories); err != nil {
		return err
	}
	return sub.ValidateReceivedAt(a.Now())
}

// prepareReport does everything registration does before the store writes
// the report, except the near-duplicate check: validation, upload
// cleaning, routing, sealing and clocks. Errors: invalid, forbidden.
func (a *App) prepareReport(ctx context.Context, p *auth.Principal, rc *receiver, sub intake.Submission, files []Upload, receiptHash string) (store.NewReport, error) {
	public := p == nil
	if err := a.checkSubmission(&sub, public); err != nil {
		return store.NewReport{}, err
	}
	names, datas := splitUploads(files)
	clean, err := intake.CleanFiles(names, datas)
	if err != nil {
		return store.NewReport{}, err
	}
	place := a.placeRoute(ctx, sub.DivisionCode)
	county, township := place.county, place.township
	if public {
		if county == nil {
			return store.NewReport{}, apperr.InvalidField("division_code", "intake.place_invalid")
		}
		rc = &receiver{unit: county, desk: place.desk, county: county}
	} else if rc == nil {
		if rc, err = a.receiverOf(ctx, p); err != nil {
			return store.NewReport{}, err
		}
	}
	receiving, desk := rc.unit, rc.desk
	now := a.Now()
	if sub.ReceivedAt.IsZero() || sub.ReceivedAt.After(now) {
		sub.ReceivedAt = now
	}
	r := intake.Report{ReceivedUnitID: receiving.ID, Kind: sub.Kind, Channel: sub.Channel, Title: sub.Title, Content: sub.Content,
		Category: sub.Category, DivisionCode: sub.DivisionCode, Subject: sub.Subject, Anonymous: sub.Anonymous,
		ExternalSource: sub.Source, ExternalID: sub.ExternalID, Collective: sub.Collective, ReceivedAt: sub.ReceivedAt,
		Status: intake.StatusReceived, UnitID: desk.ID, UnitName: desk.Name, UnitPath: desk.Path}
	if r.Title == "" {
		r.Title = firstRunes(r.Content, 30)
	}
	if p != nil {
		r.OperatorUserID = p.UserID
	}
	if !sub.Anonymous {
		raw, _ := json.Marshal(sub.Reporter)
		if r.Sealed, err = a.Keys.Seal(raw, []byte(sealAAD)); err != nil {
			return store.NewReport{}, err
		}
	}
	event := intake.Event{Action: "register", FromStatus: "", UserID: r.OperatorUserID, Note: string(sub.Channel)}
	var clocks []intake.ClockRow
	if sub.Subject.Level != "" && sub.DivisionCode != "" {
		route := intake.Decide(intake.RouteInput{Level: sub.Subject.Level, Receiving: ref(rc.county), PlaceCounty: ref(county),
			PlaceTownship: ref(township), AreaOffice: ref(place.area), Upper: ref(place.upper)})
		r.RouteReason = route.Reason
		switch route.Action {
		case intake.RouteAccept:
			u, ok := place.unit(route.Unit.ID)
			if !ok {
				var err error
				u, err = a.Store.GetUnit(ctx, route.Unit.ID)
				ok = err == nil
			}
			if ok {
				if u.ID == receiving.ID || (receiving.Kind == org.KindCommission && u.ID == rc.county.ID) {
					u = *desk // held by the receiving commission: its petition office
				}
				r.UnitID, r.UnitName, r.UnitPath = u.ID, u.Name, u.Path
			}
		case intake.RouteForward:
			// Registered here; the petition office forwards it (with a record)
			// within the limit. The clock starts now.
			clocks = append(clocks, a.clock(limitForward, r.ReceivedAt))
		case intake.RouteDecline:
			r.Status, r.DeclineReason = intake.StatusDeclined, route.Reason
			event.Action = "register_declined"
		}
		// 越级件: a village or township matter brought straight to a city or
		// provincial commission.
		r.OverLevel = (sub.Subject.Level == intake.LevelVillage || sub.Subject.Level == intake.LevelTownship) &&
			receiving.Kind == org.KindCommission && (len(receiving.DivisionCode) == 2 || len(receiving.DivisionCode) == 4)
	}
	if !sub.Anonymous && r.Status != intake.StatusDeclined {
		clocks = append(clocks, a.clock(limitNotice, r.ReceivedAt))
	}
	var nfiles []store.NewFile
	for _, f := range clean {
		nfiles = append(nfiles, store.NewFile{Name: f.Name, MIME: f.MIME, Data: f.Data, SHA256: f.SHA256})
	}
	short := shortName(*receiving)
	var msgs []intake.Message
	if reply := strings.TrimSpace(sub.Reply); reply != "" {
		msgs = append(msgs, intake.Message{Author: "staff", Public: true, Body: "【原办理答复】" + reply})
	}
	return store.NewReport{Report: r, ReceiptHash: receiptHash, NumberFmt: reportNumberFmt, ShortName: short,
		Clocks: clocks, Messages: msgs, Files: nfiles, Event: event}, nil
}

// SealReporter seals a real-name reporter's identity as registration
// does (for generators that write reports in bulk). Errors: the keyring's.
func (a *App) SealReporter(r intake.Reporter) (string, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	return a.Keys.Seal(raw, []byte(sealAAD))
}

func firstRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(strings.ReplaceAll(s, "\n", " ")))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}

// clock starts a statutory clock by limit code.
func (a *App) clock(code string, start time.Time) intake.ClockRow {
	k := a.Intake.Calendar().Start(a.Intake.Limits[code], start, a.Loc)
	return intake.ClockRow{Code: code, StartedAt: k.Start, DueAt: k.Due, RemindAt: k.RemindAt, Provisional: k.Provisional}
}

// dupText is a report text as the near-duplicate check sees it: its
// fingerprint (for the exact similarity) and band hashes.
type dupText struct {
	fp    dedup.Fingerprint
	bands []int64
}

// dupText shingles a report's title and content. The store keeps the
// fingerprint and bands with the report (store.NewReport).
func (a *App) dupText(r intake.Report) dupText {
	sh := dedup.Shingles(dedup.Normalize(r.Title+"\n"+r.Content), dedup.ShingleSize)
	return dupText{fp: dedup.FingerprintOf(sh), bands: dedup.BandHashes(dedup.Sign(sh))}
}

// Near-duplicate limits: the band-sharing reports compared exactly, and
// the candidate links kept.
const (
	dupBandCandidates = 50
	dupMaxLinks       = 10
)

// nearDuplicates returns the candidate links of d, best first: the reports
// that share a band with it (the dupBandCandidates sharing most bands,
// newest first among equals) and whose exact similarity is at or above
// dedup.DefaultThreshold, at most dupMaxLinks (ties: newest first). The
// reports are the stored ones (except exclude) and, in an import batch,
// earlier is the texts of the same batch written before d (they are newer
// than every stored report; store.NewLink.Earlier names them).
func (a *App) nearDuplicates(ctx context.Context, d dupText, earlier []dupText, exclude int64) ([]store.NewLink, error) {
	stored, err := a.storedDuplicates(ctx, d, exclude)
	if err != nil {
		return nil, err
	}
	return pickDuplicates(d, stored, earlier), nil
}

// dupCand is a near-duplicate candidate: a stored report (id) or an
// earlier text of the batch (idx >= 0); shared is the number of bands in
// common, score the exact similarity.
type dupCand struct {
	id     int64
	idx    int
	shared int
	score  float64
}

// newer orders candidates newest first: batch texts by position, then
// stored reports by id.
func (x dupCand) newer(y dupCand) bool {
	if (x.idx >= 0) != (y.idx >= 0) {
		return x.idx >= 0
	}
	if x.idx >= 0 {
		return x.idx > y.idx
	}
	return x.id > y.id
}

// storedDuplicates is the stored half of nearDuplicates: the
// dupBandCandidates stored reports sharing most bands with d, each with its
// exact similarity. It reads committed reports only, so an import looks up
// the rows of a batch side by side.
func (a *App) storedDuplicates(ctx context.Context, d dupText, exclude int64) ([]dupCand, error) {
	stored, err := a.Store.BandCandidates(ctx, d.bands, exclude, dupBandCandidates)
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	ids := make([]int64, 0, len(stored))
	for id := range stored {
		ids = append(ids, id)
	}
	fps, err := a.candidateFingerprints(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]dupCand, 0, len(fps))
	for id, fp := range fps {
		out = append(out, dupCand{id: id, idx: -1, shared: stored[id], score: d.fp.Similarity(fp)})
	}
	return out, nil
}

// candidateFingerprints returns the fingerprints of stored reports: as the
// store keeps them, or, for a report stored without one or with a damaged
// one, from its text (a fingerprint is derived from the text, so the text
// is the answer it stands for). A report that is gone is left out.
func (a *App) candidateFingerprints(ctx context.Context, ids []int64) (map[int64]dedup.Fingerprint, error) {
	raw, err := a.Store.ReportFingerprints(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]dedup.Fingerprint, len(ids))
	var missing []int64
	for _, id := range ids {
		b, ok := raw[id]
		fp, err := dedup.ParseFingerprint(b)
		if !ok || err != nil {
			missing = append(missing, id)
			continue
		}
		out[id] = fp
	}
	if len(missing) > 0 {
		texts, err := a.Store.ReportTexts(ctx, missing)
		if err != nil {
			return nil, err
		}
		for id, t := range texts {
			out[id] = dedup.TextFingerprint(t[0] + "\n" + t[1])
		}
	}
	return out, nil
}

// pickDuplicates merges the stored candidates of d with the earlier texts
// of its batch that share a band, keeps the dupBandCandidates sharing most
// bands and returns those similar enough as links (see nearDuplicates).
func pickDuplicates(d dupText, stored []dupCand, earlier []dupText) []store.NewLink {
	cands := slices.Clone(stored)
	for j, e := range earlier {
		n := 0
		for i, h := range d.bands {
			if i < len(e.bands) && e.bands[i] == h {
				n++
			}
		}
		if n > 0 {
			cands = append(cands, dupCand{idx: j, shared: n, score: -1})
		}
	}
	if len(cands) > dupBandCandidates {
		sort.Slice(cands, func(i, j int) bool {
			if cands[i].shared != cands[j].shared {
				return cands[i].shared > cands[j].shared
			}
			return cands[i].newer(cands[j])
		})
		cands = cands[:dupBandCandidates]
	}
	var found []dupCand
	for _, c := range cands {
		if c.idx >= 0 {
			c.score = d.fp.Similarity(earlier[c.idx].fp)
		}
		if c.score >= dedup.DefaultThreshold {
			found = append(found, c)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].score != found[j].score {
			return found[i].score > found[j].score
		}
		return found[i].newer(found[j])
	})
	if len(found) > dupMaxLinks {
		found = found[:dupMaxLinks]
	}
	links := make([]store.NewLink, len(found))
	for i, f := range found {
		links[i] = store.NewLink{OtherID: f.id, Earlier: f.idx, Score: f.score}
	}
	return links
}

// PublicView is what a receipt code shows: status, dates, notices and the
// public conversation. It never includes staff-internal notes or identity.
type PublicView struct {
	Number        string
	Status        intake.Status
	Title         string
	ReceivedAt    time.Time
	UpdatedAt     time.Time
	DeclineReason string
	Result        string
	Messages      []intake.Message
}

// LookupReceipt returns the public view of the report with this receipt
// code. Unknown and wrong codes answer alike (not_found) after the same
// work; lookups are rate-limited per source (in memory). Errors: not_found,
// rate_limited.
func (a *App) LookupReceipt(ctx context.Context, code, source string) (PublicView, error) {
	r, err := a.receiptReport(ctx, code, source)
	if err != nil {
		return PublicView{}, err
	}
	msgs, err := a.Store.ReportMessages(ctx, r.ID, true)
	if err != nil {
		return PublicView{}, err
	}
	for i := range msgs {
		msgs[i].UserID, msgs[i].UserName = 0, ""
	}
	return PublicView{Number: r.Number, Status: r.Status, Title: r.Title, ReceivedAt: r.ReceivedAt, UpdatedAt: r.UpdatedAt,
		DeclineReason: r.DeclineReason, Result: r.Result, Messages: msgs}, nil
}

func (a *App) receiptReport(ctx context.Context, code, source string) (intake.Report, error) {
	if !a.Lookups.Allow("receipt:" + source) {
		return intake.Report{}, apperr.New(apperr.RateLimited, "intake.too_many_lookups")
	}
	hash := a.Intake.Receipts.Hash(code) // always hashed and looked up: same work for any code
	r, err := a.Store.GetReportByReceipt(ctx, hash)
	if err != nil || !intake.PlausibleReceipt(code) {
		return intake.Report{}, apperr.New(apperr.NotFound, "intake.receipt_unknown")
	}
	return r, nil
}

// AddPublicMessage lets the reporter add information and files with the
// receipt code. Errors: not_found, rate_limited, invalid.
func (a *App) AddPublicMessage(ctx context.Context, code, source, body string, files []Upload) error {
	r, err := a.receiptReport(ctx, code, source)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	if body == "" && len(files) == 0 {
		return apperr.InvalidField("body", "intake.message_empty")
	}
	if len([]rune(body)) > intake.MaxContent {
		return apperr.InvalidField("body", "intake.content_too_long")
	}
	names, datas := splitUploads(files)
	clean, err := intake.CleanFiles(names, datas)
	if err != nil {
		return err
	}
	var nfiles []store.NewFile
	for _, f := range clean {
		nfiles = append(nfiles, store.NewFile{Name: f.Name, MIME: f.MIME, Data: f.Data, SHA256: f.SHA256})
	}
	_, err = a.Store.AddReportMessage(ctx, audit.Actor{Name: "public"}, r.ID, intake.Message{Author: "reporter", Public: true, Body: body}, nfiles)
	return err
}

// ListReports lists reports in the caller's report.read scope.
func (a *App) ListReports(ctx context.Context, p auth.Principal, f store.ReportFilter) ([]intake.Report, int, error) {
	f.Now = a.Now()
	return a.Store.ListReports(ctx, p.ScopeFor(auth.PermReportRead), f)
}

// GetReport returns a report in scope. Errors: not_found.
func (a *App) GetReport(ctx context.Context, p auth.Principal, id int64) (intake.Report, error) {
	r, err := a.Store.GetReport(ctx, id)
	if err != nil {
		return r, err
	}
	return r, inScope(p, auth.PermReportRead, r.UnitPath, "report")
}

// RevealIdentity opens a real-name reporter's sealed identity for a holder
// of report.reveal who gives a reason; the reveal is stored, audited and
// listed on the report. Errors: forbidden, not_found, invalid, conflict
// (anonymous report).
func (a *App) RevealIdentity(ctx context.Context, p auth.Principal, id int64, reason string) (intake.Reporter, error) {
	if err := need(p, auth.PermReportReveal); err != nil {
		return intake.Reporter{}, err
	}
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return intake.Reporter{}, err
	}
	if r.Anonymous || r.Sealed == "" {
		return intake.Reporter{}, apperr.New(apperr.Conflict, "intake.reveal_anonymous")
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 4 || n > 200 {
		return intake.Reporter{}, apperr.InvalidField("reason", "intake.reveal_reason")
	}
	raw, err := a.Keys.Open(r.Sealed, []byte(sealAAD))
	if err != nil {
		return intake.Reporter{}, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	var who intake.Reporter
	if err := json.Unmarshal(raw, &who); err != nil {
		return intake.Reporter{}, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	if err := a.Store.RecordReveal(ctx, actor(p), id, reason); err != nil {
		return intake.Reporter{}, err
	}
	return who, nil
}

// ActInput is a workflow action on a report.
type ActInput struct {
	Op      intake.Op
	Version int64
	UnitID  int64  // forward/assign target
	Reason  string // decline reason (shown to the reporter), forward note
	Result  string // close: the handling result (feedback to the reporter)
	Notice  string // accept: the acceptance notice text for a real-name reporter
}

// Act applies a workflow transition (accept, forward, decline, assign,
// close, reopen) checked against the transition table, with its event,
// clocks, notices and audit record. Errors: forbidden, not_found, invalid,
// conflict.
func (a *App) Act(ctx context.Context, p auth.Principal, id int64, in ActInput) (intake.Report, error) {
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !p.ScopeFor(auth.PermReportHandle).Covers(r.UnitPath) {
		return r, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	ts := intake.Next(r.Status, in.Op)
	if len(ts) == 0 {
		return r, apperr.New(apperr.Conflict, "intake.transition_invalid")
	}
	t := ts[0]
	if in.Op == intake.OpForward {
		// Two rows: a unit of the installation (moves there), or an organ
		// outside it (UnitID 0, named in Reason: the report ends here).
		for _, x := range ts {
			if (in.UnitID == 0) == (x.To == intake.StatusForwarded) {
				t = x
			}
		}
	}
	if err := need(p, t.Perm); err != nil {
		return r, err
	}
	now := a.Now()
	c := store.ReportChange{ID: id, Version: in.Version, Status: t.To, Set: map[string]any{},
		Event: intake.Event{Action: string(in.Op), UserID: p.UserID}}
	switch in.Op {
	case intake.OpAccept:
		c.Set["accepted_at"] = now
		c.Done = append(c.Done, limitForward, limitRegister)
		if !r.Anonymous {
			notice := strings.TrimSpace(in.Notice)
			if notice == "" {
				notice = "您反映的问题已受理，我们将依规依纪依法办理。"
			}
			c.Messages = append(c.Messages, intake.Message{Author: "system", Public: true, Body: notice})
			c.Set["notice_at"] = now
			c.Done = append(c.Done, limitNotice)
		}
	case intake.OpDecline:
		reason := strings.TrimSpace(in.Reason)
		if reason == "" {
			return r, apperr.InvalidField("reason", "intake.decline_reason_required")
		}
		c.Set["decline_reason"] = reason
		c.Messages = append(c.Messages, intake.Message{Author: "system", Public: true, Body: reason})
		c.Done = append(c.Done, limitNotice, limitForward, limitRegister)
	case intake.OpForward, intake.OpAssign:
		if in.Op == intake.OpForward && in.UnitID == 0 {
			organ := strings.TrimSpace(in.Reason)
			if organ == "" {
				return r, apperr.InvalidField("reason", "intake.forward_organ_required")
			}
			c.Done = append(c.Done, limitForward, limitRegister, limitNotice)
			c.Event.Note = organ
			c.Messages = append(c.Messages, intake.Message{Author: "system", Public: true, Body: "已转交" + organ + "办理。"})
			break
		}
		target, err := a.Store.GetUnit(ctx, in.UnitID)
		if err != nil || !target.Active {
			return r, apperr.InvalidField("unit_id", "intake.target_invalid")
		}
		if in.Op == intake.OpAssign && !p.ScopeFor(auth.PermReportHandle).Covers(target.Path) {
			return r, apperr.InvalidField("unit_id", "intake.target_invalid")
		}
		if in.Op == intake.OpForward {
			// Inside the installation the report moves to the target and is
			// registered there again. Forwarded down to a lower level, the
			// lower level registers it within its own limit ([R-JK] 14-17).
			c.Status = intake.StatusReceived
			c.Done = append(c.Done, limitForward, limitRegister)
			if cur, err := a.Store.GetUnit(ctx, r.ReceivedUnitID); err == nil && strings.HasPrefix(target.Path, cur.Path) && target.ID != cur.ID {
				c.Clocks = append(c.Clocks, a.clock(limitRegister, now))
			}
			if target.Kind == org.KindCommission {
				target = *a.intakeDesk(ctx, &target)
			}
		}
		c.UnitID, c.UnitPath = target.ID, target.Path
		c.Event.UnitID, c.Event.Note = target.ID, strings.TrimSpace(in.Reason)
	case intake.OpClose:
		result := strings.TrimSpace(in.Result)
		if result == "" {
			return r, apperr.InvalidField("result", "intake.result_required")
		}
		c.Set["closed_at"], c.Set["result"] = now, result
		if !r.Anonymous {
			c.Clocks = append(c.Clocks, a.clock(limitFeedback, now))
		}
	case intake.OpReopen:
		c.Set["closed_at"] = time.Time{}
	}
	return a.Store.UpdateReport(ctx, actor(p), c)
}

// GiveFeedback sends the result feedback to a real-name reporter and stops
// the feedback clock. Errors: forbidden, not_found, conflict.
func (a *App) GiveFeedback(ctx context.Context, p auth.Principal, id, version int64, body string) (intake.Report, error) {
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return r, err
	}
	if !p.Can(auth.PermReportHandle) || !p.ScopeFor(auth.PermReportHandle).Covers(r.UnitPath) {
		return r, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if r.Status != intake.StatusClosed {
		return r, apperr.New(apperr.Conflict, "intake.transition_invalid")
	}
	body = strings.TrimSpace(body)
	if body == "" {
		body = r.Result
	}
	return a.Store.UpdateReport(ctx, actor(p), store.ReportChange{ID: id, Version: version, Status: r.Status,
		Set: map[string]any{"feedback_at": a.Now()}, Done: []string{limitFeedback},
		Messages: []intake.Message{{Author: "system", Public: true, Body: body, UserID: p.UserID}},
		Event:    intake.Event{Action: "feedback", UserID: p.UserID}})
}

// Reply adds a staff message: public (the reporter sees it) or internal.
// Errors: forbidden, not_found, invalid.
func (a *App) Reply(ctx context.Context, p auth.Principal, id int64, body string, public bool) error {
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return err
	}
	if !p.Can(auth.PermReportHandle) || !p.ScopeFor(auth.PermReportHandle).Covers(r.UnitPath) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	body = strings.TrimSpace(body)
	if body == "" || len([]rune(body)) > intake.MaxContent {
		return apperr.InvalidField("body", "intake.message_empty")
	}
	_, err = a.Store.AddReportMessage(ctx, actor(p), id, intake.Message{Author: "staff", Public: public, Body: body, UserID: p.UserID}, nil)
	return err
}

// Similar is a near-duplicate candidate with the shared text marked.
type Similar struct {
	Report intake.Report
	Link   intake.Link
	InThis []dedup.Span // shared spans in this report's text (title + "\n" + content)
	InThat []dedup.Span // shared spans in the other report's text
}

// SimilarReports returns the near-duplicate candidates of a report that the
// caller may see, recomputed against the current reports and merged with
// the recorded links (confirmed/rejected decisions kept). Errors: not_found.
func (a *App) SimilarReports(ctx context.Context, p auth.Principal, id int64) ([]Similar, error) {
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return nil, err
	}
	links, err := a.Store.ReportLinks(ctx, id)
	if err != nil {
		return nil, err
	}
	fresh, err := a.nearDuplicates(ctx, a.dupText(r), nil, id)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, l := range links {
		seen[l.OtherID] = true
	}
	for _, l := range fresh {
		if !seen[l.OtherID] {
			links = append(links, intake.Link{ReportID: id, OtherID: l.OtherID, Score: l.Score, Status: "candidate"})
		}
	}
	sc := p.ScopeFor(auth.PermReportRead)
	var out []Similar
	text := r.Title + "\n" + r.Content
	for _, l := range links {
		o, err := a.Store.GetReport(ctx, l.OtherID)
		if err != nil || !sc.Covers(o.UnitPath) {
			continue
		}
		inA, inB := dedup.Highlight(text, o.Title+"\n"+o.Content, 6)
		out = append(out, Similar{Report: o, Link: l, InThis: inA, InThat: inB})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Link.Score > out[j].Link.Score })
	return out, nil
}

// DecideDuplicate confirms (marks the newer report a repeat, 重复件) or
// rejects a near-duplicate link between two reports in the caller's handle
// scope. Errors: forbidden, not_found.
func (a *App) DecideDuplicate(ctx context.Context, p auth.Principal, id, other int64, confirm bool) error {
	if id == other {
		return apperr.InvalidField("other", "intake.duplicate_self")
	}
	for _, x := range []int64{id, other} {
		r, err := a.GetReport(ctx, p, x)
		if err != nil {
			return err
		}
		if !p.Can(auth.PermReportHandle) || !p.ScopeFor(auth.PermReportHandle).Covers(r.UnitPath) {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
	}
	links, err := a.Store.ReportLinks(ctx, id)
	if err != nil {
		return err
	}
	known := false
	for _, l := range links {
		known = known || l.OtherID == other
	}
	if !known {
		ta, errA := a.Store.ReportTexts(ctx, []int64{id, other})
		if errA != nil {
			return errA
		}
		score := dedup.Similar(ta[id][0]+"\n"+ta[id][1], ta[other][0]+"\n"+ta[other][1])
		if err := a.Store.AddLink(ctx, id, other, score); err != nil {
			return err
		}
	}
	return a.Store.DecideLink(ctx, actor(p), id, other, confirm)
}

// Search finds reports in the caller's scope containing the query text.
// Errors: invalid (empty or too long query).
func (a *App) Search(ctx context.Context, p auth.Principal, q string, pg store.Page) ([]intake.Report, search.Query, int, error) {
	query, err := search.Parse(q)
	if err != nil {
		return nil, query, 0, apperr.InvalidField("q", "search.query_invalid")
	}
	out, total, err := a.Store.SearchReports(ctx, p.ScopeFor(auth.PermReportRead), query, pg)
	return out, query, total, err
}

// ReportDetail gathers what the staff report page shows.
type ReportDetail struct {
	Report      intake.Report
	Messages    []intake.Message
	Attachments []intake.Attachment
	Events      []intake.Event
	Reveals     []intake.Reveal
	Clocks      []ClockView
}

// ClockView is a clock with its state now.
type ClockView struct {
	intake.ClockRow
	Name  string
	State calendar.State
}

// Detail returns a report with its messages, files, events, reveals and
// clock states. Errors: not_found.
func (a *App) Detail(ctx context.Context, p auth.Principal, id int64) (ReportDetail, error) {
	r, err := a.GetReport(ctx, p, id)
	if err != nil {
		return ReportDetail{}, err
	}
	d := ReportDetail{Report: r}
	if d.Messages, err = a.Store.ReportMessages(ctx, id, false); err != nil {
		return d, err
	}
	if d.Attachments, err = a.Store.ReportAttachments(ctx, id); err != nil {
		return d, err
	}
	if d.Events, err = a.Store.ReportEvents(ctx, id); err != nil {
		return d, err
	}
	if d.Reveals, err = a.Store.ReportReveals(ctx, id); err != nil {
		return d, err
	}
	clocks, err := a.Store.ReportClocks(ctx, id)
	if err != nil {
		return d, err
	}
	now := a.Now()
	for _, c := range clocks {
		l := a.Intake.Limits[c.Code]
		k := calendar.Clock{Limit: l, Start: c.StartedAt, Due: c.DueAt, RemindAt: c.RemindAt, Provisional: c.Provisional}
		d.Clocks = append(d.Clocks, ClockView{ClockRow: c, Name: l.Name, State: k.State(now, c.DoneAt)})
	}
	return d, nil
}

// Attachment returns a file of a report the caller may see. Errors: not_found.
func (a *App) Attachment(ctx context.Context, p auth.Principal, fileID int64) (intake.Attachment, []byte, error) {
	f, data, err := a.Store.AttachmentData(ctx, fileID)
	if err != nil {
		return f, nil, err
	}
	if _, err := a.GetReport(ctx, p, f.ReportID); err != nil {
		return f, nil, apperr.New(apperr.NotFound, "error.not_found.attachment")
	}
	return f, data, nil
}

// SendReminders claims due reminders and posts them on their reports; the
// serve command runs it periodically. It returns how many were sent.
func (a *App) SendReminders(ctx context.Context) (int, error) {
	due, err := a.Store.ClaimReminders(ctx, 100, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	for _, c := range due {
		l := a.Intake.Limits[c.Code]
		body := fmt.Sprintf("时限提醒：%s将于 %s 到期（%s）。", l.Name, c.DueAt.In(a.Loc).Format("2006-01-02 15:04"), l.Source)
		if err := a.Store.MarkReminded(ctx, c, body); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// UploadCalendarYear stores an official holiday notice for a year (JSON in
// the holiday-cn format) and puts it into effect at once (role.manage).
// Errors: forbidden, invalid.
func (a *App) UploadCalendarYear(ctx context.Context, p auth.Principal, raw []byte) (calendar.Year, error) {
	if err := need(p, auth.PermRoleManage); err != nil {
		return calendar.Year{}, err
	}
	y, err := calendar.ParseYear(strings.NewReader(string(raw)))
	if err != nil {
		return y, apperr.Wrap(err, apperr.Invalid, "calendar.notice_invalid")
	}
	cal, err := a.Intake.Calendar().With(y)
	if err != nil {
		return y, apperr.Wrap(err, apperr.Invalid, "calendar.notice_invalid")
	}
	if err := a.Store.SaveCalendarYear(ctx, actor(p), y.Year, string(raw)); err != nil {
		return y, err
	}
	a.Intake.cal.Store(cal)
	return y, nil
}
