package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/importer"
	"qingfeng/internal/monitor"
	"qingfeng/internal/org"
	"qingfeng/internal/oversight"
	"qingfeng/internal/store"
	"qingfeng/internal/textclean"
)

// This file holds the subsidy cross-checks (大数据比对, domain.md §5): a
// unit imports payment lists and reference lists (streamed through the
// importer's readers; ID numbers kept only as a keyed hash for matching
// and a sealed copy for display), runs the comparison rules over them
// (monitor.Matcher), and reviewers judge the suspects (confirmed,
// rejected, unsure). A judgement belongs to the suspect key, so a re-run
// shows it again. A confirmed suspect is assigned once, to the township of
// the payment's place, as a clue or a rectification item, and the money
// recovered on it is recorded.

// Verdicts of a cross-check judgement.
const (
	VerdictConfirmed = "confirmed"
	VerdictRejected  = "rejected"
	VerdictUnsure    = "unsure"
)

// Actions a confirmed suspect is assigned with.
const (
	AssignClue          = "clue"
	AssignRectification = "rectification"
)

// crossCheckHashLabel names the keyed hash of ID numbers (vault.MACKey).
const crossCheckHashLabel = "crosscheck id_number"

// CrossCheckKinds lists the kinds of list: payments, then the reference kinds.
func CrossCheckKinds() []string {
	out := []string{store.CrossCheckPayments}
	for _, k := range monitor.RefKinds() {
		out = append(out, string(k))
	}
	return out
}

// CrossCheckImport is a list to import.
type CrossCheckImport struct {
	UnitID int64
	Kind   string // store.CrossCheckPayments or a monitor.RefKind
	Name   string // file name (.xlsx or .csv)
	R      io.ReaderAt
	Size   int64
}

// CrossCheckImportSummary says what an import did: the list (the one
// stored before when the same file came again: Duplicate), the rows read,
// imported and rejected, and the first rejected rows with their reasons.
type CrossCheckImportSummary struct {
	List      store.CrossCheckList `json:"-"`
	ListID    int64                `json:"list_id"`
	Kind      string               `json:"kind"`
	Format    string               `json:"format"`
	Duplicate bool                 `json:"duplicate"`
	Rows      int                  `json:"rows"`
	Imported  int                  `json:"imported"`
	Rejected  int                  `json:"rejected"`
	Errors    []CrossCheckRowError `json:"errors,omitempty"`
}

// CrossCheckRowError is a rejected row: its number and the fields that
// could not be read.
type CrossCheckRowError struct {
	Row    int      `json:"row"`
	Fields []string `json:"fields"`
}

// crossCheckUnit returns a unit in the caller's scope for perm.
func (a *App) crossCheckUnit(ctx context.Context, p auth.Principal, perm auth.Permission, unitID int64) (org.Unit, error) {
	if err := need(p, perm); err != nil {
		return org.Unit{}, err
	}
	if unitID == 0 {
		unitID = p.UnitID
	}
	u, err := a.Store.GetUnit(ctx, unitID)
	if err != nil {
		return u, err
	}
	return u, inScope(p, perm, u.Path, "unit")
}

// idHasher returns the keyed hash of normalised ID numbers under a vault
// key ID.
func (a *App) idHasher(keyID string) (func(string) string, error) {
	key, ok := a.Keys.MACKey(keyID, crossCheckHashLabel)
	if !ok {
		return nil, fmt.Errorf("app: crosscheck: vault key %q is gone", keyID)
	}
	return func(id string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id))
		return hex.EncodeToString(m.Sum(nil)[:16]) // 128 bits: no collisions among a county's people
	}, nil
}

// crossCheckRowAAD binds a sealed ID number to its list and row.
func crossCheckRowAAD(listID int64, line int) []byte {
	return fmt.Appendf(nil, "crosscheck_rows:%d:%d", listID, line)
}

// ImportCrossCheckList imports a payment or reference list for a unit in
// the caller's monitor.handle scope. The same file (by SHA-256) imported
// again as the same kind is recognised and not stored twice. Rows that
// cannot be read are counted and listed; the good ones are stored. ID
// numbers are stored as a keyed hash and a sealed copy only. Errors:
// forbidden, not_found (unit), invalid (kind, or the file: its code).
func (a *App) ImportCrossCheckList(ctx context.Context, p auth.Principal, in CrossCheckImport) (CrossCheckImportSummary, error) {
	u, err := a.crossCheckUnit(ctx, p, auth.PermMonitorHandle, in.UnitID)
	if err != nil {
		return CrossCheckImportSummary{}, err
	}
	if !slices.Contains(CrossCheckKinds(), in.Kind) {
		return CrossCheckImportSummary{}, apperr.InvalidField("kind", "crosscheck.kind_invalid")
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(in.R, 0, in.Size)); err != nil {
		return CrossCheckImportSummary{}, fmt.Errorf("app: crosscheck hash: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if l, found, err := a.Store.FindCrossCheckList(ctx, u.ID, in.Kind, sum); err != nil || found {
		return crossCheckSummary(l, true, nil), err
	}
	keyID := a.Keys.ActiveID()
	hash, err := a.idHasher(keyID)
	if err != nil {
		return CrossCheckImportSummary{}, err
	}
	name := textclean.Line(in.Name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	l := store.CrossCheckList{UnitID: u.ID, UnitPath: u.Path, Kind: in.Kind, FileName: name, SHA256: sum, HashKey: keyID, CreatedBy: p.UserID}
	var res importer.ListResult
	opt := importer.CrossCheckOptions{Loc: a.Loc}
	err = a.Store.ImportCrossCheckList(ctx, actor(p), &l, func(listID int64, add func(store.CrossCheckRow) error) error {
		row := func(line int, name, idNumber, village string) (store.CrossCheckRow, error) {
			r := store.CrossCheckRow{Line: line, Name: name, Village: village}
			if idNumber == "" {
				return r, nil
			}
			norm, valid := monitor.NormalizeID(idNumber)
			r.IDHash, r.IDValid = hash(norm), valid
			sealed, err := a.Keys.Seal([]byte(idNumber), crossCheckRowAAD(listID, line))
			r.IDSealed = sealed
			return r, err
		}
		var err error
		if in.Kind == store.CrossCheckPayments {
			res, err = importer.ReadPayments(ctx, in.Name, in.R, in.Size, "", opt, func(pm monitor.Payment) error {
				r, err := row(pm.Line, pm.Name, pm.IDNumber, pm.Village)
				if err != nil {
					return err
				}
				r.Item, r.AmountFen, r.Day, r.Township = pm.Item, pm.AmountFen, day(pm.Date), pm.Township
				return add(r)
			})
		} else {
			res, err = importer.ReadReferences(ctx, in.Name, in.R, in.Size, monitor.RefKind(in.Kind), opt, func(ref monitor.Reference) error {
				r, err := row(ref.Line, ref.Name, ref.IDNumber, ref.Village)
				if err != nil {
					return err
				}
				r.Day, r.Note = day(ref.Date), ref.Note
				return add(r)
			})
		}
		if err != nil {
			return importError(err)
		}
		l.Format, l.Rows, l.Good, l.Rejected = res.Format, res.Rows, res.Good, res.Rejected
		return nil
	})
	if err != nil {
		return CrossCheckImportSummary{}, err
	}
	return crossCheckSummary(l, false, res.Errors), nil
}

func crossCheckSummary(l store.CrossCheckList, dup bool, errs []monitor.RowError) CrossCheckImportSummary {
	s := CrossCheckImportSummary{List: l, ListID: l.ID, Kind: l.Kind, Format: l.Format, Duplicate: dup, Rows: l.Rows,
		Imported: l.Good, Rejected: l.Rejected}
	for _, e := range errs {
		s.Errors = append(s.Errors, CrossCheckRowError{Row: e.Line, Fields: e.Fields})
	}
	return s
}

// importError turns a reader's *importer.Error into an invalid error on
// the file with its code; other errors pass through.
func importError(err error) error {
	var ie *importer.Error
	if errors.As(err, &ie) {
		return apperr.Wrap(err, apperr.Invalid, "crosscheck.file_invalid", ie.Message)
	}
	return err
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func parseDay(s string, loc *time.Location) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}
	}
	return t
}

// CrossCheckLists lists the lists in the caller's monitor.read scope
// (unitID 0: every unit of the scope), newest first.
func (a *App) CrossCheckLists(ctx context.Context, p auth.Principal, unitID int64, limit int) ([]store.CrossCheckList, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return nil, err
	}
	return a.Store.ListCrossCheckLists(ctx, p.ScopeFor(auth.PermMonitorRead), unitID, max(1, min(limit, 500)))
}

// CrossCheckRunResult is a run with its suspects counted per rule.
type CrossCheckRunResult struct {
	Run    store.CrossCheckRun
	ByRule map[string]int
}

// RunCrossCheck runs the comparison rules for a unit in the caller's
// monitor.handle scope over listIDs (the unit's lists), or, when none are
// given, over all the unit's payment lists and the latest list of each
// reference kind. The suspects are stored with the run; judgements of
// the same suspect keys from earlier runs apply to them. Errors:
// forbidden, not_found, invalid ("crosscheck.no_payments": no payment
// list; "crosscheck.list_invalid": a list not the unit's).
func (a *App) RunCrossCheck(ctx context.Context, p auth.Principal, unitID int64, listIDs []int64) (CrossCheckRunResult, error) {
	u, err := a.crossCheckUnit(ctx, p, auth.PermMonitorHandle, unitID)
	if err != nil {
		return CrossCheckRunResult{}, err
	}
	all, err := a.Store.ListCrossCheckLists(ctx, auth.Scope{Prefixes: []string{u.Path}}, u.ID, 100000)
	if err != nil {
		return CrossCheckRunResult{}, err
	}
	var lists []store.CrossCheckList
	if len(listIDs) > 0 {
		for _, id := range listIDs {
			i := slices.IndexFunc(all, func(l store.CrossCheckList) bool { return l.ID == id })
			if i < 0 {
				return CrossCheckRunResult{}, apperr.InvalidField("list_ids", "crosscheck.list_invalid")
			}
			lists = append(lists, all[i])
		}
	} else {
		seen := map[string]bool{}
		for _, l := range all { // newest first
			if l.Kind == store.CrossCheckPayments || !seen[l.Kind] {
				lists = append(lists, l)
				seen[l.Kind] = true
			}
		}
	}
	slices.SortFunc(lists, func(x, y store.CrossCheckList) int { return int(x.ID - y.ID) })
	if !slices.ContainsFunc(lists, func(l store.CrossCheckList) bool { return l.Kind == store.CrossCheckPayments }) {
		return CrossCheckRunResult{}, apperr.InvalidField("list_ids", "crosscheck.no_payments")
	}
	rules, err := monitor.CrossCheckRules()
	if err != nil {
		return CrossCheckRunResult{}, err
	}
	began := time.Now()
	days := dayCache{loc: a.Loc, m: map[string]time.Time{}}
	var refs []monitor.Reference
	payments := 0
	for _, l := range lists {
		if l.Kind == store.CrossCheckPayments {
			payments += l.Good
		} else if refs == nil {
			refs = make([]monitor.Reference, 0, l.Good)
		}
	}
	for _, l := range lists {
		if l.Kind == store.CrossCheckPayments {
			continue
		}
		list := fmt.Sprint(l.ID)
		err := a.eachRow(ctx, l, func(r store.CrossCheckRow, key string, valid bool) {
			refs = append(refs, monitor.Reference{Kind: monitor.RefKind(l.Kind), Line: r.Line, Name: r.Name, Village: r.Village,
				Date: days.of(r.Day), Note: r.Note, IDKey: key, IDValid: valid, List: list})
		})
		if err != nil {
			return CrossCheckRunResult{}, err
		}
	}
	m := monitor.NewMatcher(rules, refs)
	m.Reserve(payments)
	var suspects []store.CrossCheckSuspect
	seen := map[string]bool{}
	payments = 0
	for _, l := range lists {
		if l.Kind != store.CrossCheckPayments {
			continue
		}
		list := fmt.Sprint(l.ID)
		err := a.eachRow(ctx, l, func(r store.CrossCheckRow, key string, valid bool) {
			payments++
			pm := monitor.Payment{Line: r.Line, List: list, Name: r.Name, Item: r.Item, AmountFen: r.AmountFen,
				Date: days.of(r.Day), Township: r.Township, Village: r.Village, IDKey: key, IDValid: valid}
			m.Match(pm, func(s monitor.Suspect) {
				if seen[s.Key] {
					return // one suspect per key and run: the first payment
				}
				seen[s.Key] = true
				suspects = append(suspects, suspectRow(l.ID, s))
			})
		})
		if err != nil {
			return CrossCheckRunResult{}, err
		}
	}
	ids := make([]int64, len(lists))
	for i, l := range lists {
		ids[i] = l.ID
	}
	run, err := a.Store.SaveCrossCheckRun(ctx, actor(p), store.CrossCheckRun{UnitID: u.ID, UnitPath: u.Path, ListIDs: ids,
		Payments: payments, References: len(refs), Duration: time.Since(began), CreatedBy: p.UserID}, suspects)
	if err != nil {
		return CrossCheckRunResult{}, err
	}
	by := map[string]int{}
	for _, s := range suspects {
		by[s.Rule]++
	}
	return CrossCheckRunResult{Run: run, ByRule: by}, nil
}

// dayCache parses the few distinct days of a list once.
type dayCache struct {
	loc *time.Location
	m   map[string]time.Time
}

func (c dayCache) of(s string) time.Time {
	t, ok := c.m[s]
	if !ok {
		t = parseDay(s, c.loc)
		c.m[s] = t
	}
	return t
}

// rowBatch is how many stored rows the reader hands over at a time.
const rowBatch = 4096

// eachRow reads a list's rows in line order and calls fn with each row's
// ID key: the stored hash when it was made under the active vault key,
// otherwise the sealed copy opened and hashed again under the active key
// (after a key rotation), so that lists imported under different keys
// still match. The rows are read by a goroutine in batches while fn runs,
// so reading the database and matching overlap.
func (a *App) eachRow(ctx context.Context, l store.CrossCheckList, fn func(r store.CrossCheckRow, key string, valid bool)) error {
	active := a.Keys.ActiveID()
	rehash := l.HashKey != active
	var hash func(string) string
	if rehash {
		var err error
		if hash, err = a.idHasher(active); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan []store.CrossCheckRow, 4)
	errc := make(chan error, 1)
	go func() {
		defer close(ch)
		buf := make([]store.CrossCheckRow, 0, rowBatch)
		err := a.Store.EachCrossCheckRow(ctx, l.ID, store.RowRead{Sealed: rehash, Payment: l.Kind == store.CrossCheckPayments}, func(r store.CrossCheckRow) error {
			buf = append(buf, r)
			if len(buf) == rowBatch {
				select {
				case ch <- buf:
				case <-ctx.Done():
					return ctx.Err()
				}
				buf = make([]store.CrossCheckRow, 0, rowBatch)
			}
			return nil
		})
		if err == nil && len(buf) > 0 {
			select {
			case ch <- buf:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		errc <- err
	}()
	var failed error
	for batch := range ch {
		if failed != nil {
			continue // drain until the reader stops
		}
		for _, r := range batch {
			key, valid := r.IDHash, r.IDValid
			if rehash {
				key, valid = "", false
				if r.IDSealed != "" {
					raw, err := a.Keys.Open(r.IDSealed, crossCheckRowAAD(l.ID, r.Line))
					if err != nil {
						failed = fmt.Errorf("app: crosscheck row %d/%d: %w", l.ID, r.Line, err)
						cancel()
						break
					}
					norm, ok := monitor.NormalizeID(string(raw))
					key, valid = hash(norm), ok
				}
			}
			fn(r, key, valid)
		}
	}
	if err := <-errc; failed == nil && err != nil {
		return err
	}
	return failed
}

// suspectRow is the stored form of a matcher's suspect (List carries the
// list's id).
func suspectRow(payList int64, s monitor.Suspect) store.CrossCheckSuspect {
	p := s.Payment
	x := store.CrossCheckSuspect{Key: s.Key, Rule: s.CheckRule, Strength: string(s.Strength), Matched: s.Matched,
		Explanation: s.Explanation, PayList: payList, PayLine: p.Line, Name: p.Name, Item: p.Item, AmountFen: p.AmountFen,
		Day: day(p.Date), Township: p.Township, Village: p.Village}
	if r := s.Reference; r != nil {
		x.RefList, x.RefLine, x.RefKind, x.RefNote, x.RefDay = atoi64(r.List), r.Line, string(r.Kind), r.Note, day(r.Date)
	}
	if o := s.Other; o != nil {
		x.OtherList, x.OtherLine = atoi64(o.List), o.Line
	}
	return x
}

func atoi64(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// CrossCheckRuns lists the runs in the caller's monitor.read scope, newest first.
func (a *App) CrossCheckRuns(ctx context.Context, p auth.Principal, limit int) ([]store.CrossCheckRun, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return nil, err
	}
	return a.Store.ListCrossCheckRuns(ctx, p.ScopeFor(auth.PermMonitorRead), max(1, min(limit, 500)))
}

// CrossCheckRun returns a run in the caller's monitor.read scope with its
// suspects counted per rule. Errors: forbidden, not_found.
func (a *App) CrossCheckRun(ctx context.Context, p auth.Principal, id int64) (CrossCheckRunResult, error) {
	if err := need(p, auth.PermMonitorRead); err != nil {
		return CrossCheckRunResult{}, err
	}
	r, err := a.Store.GetCrossCheckRun(ctx, id)
	if err != nil {
		return CrossCheckRunResult{}, err
	}
	if err := inScope(p, auth.PermMonitorRead, r.UnitPath, "page"); err != nil {
		return CrossCheckRunResult{}, err
	}
	by, err := a.Store.CrossCheckRuleCounts(ctx, id)
	return CrossCheckRunResult{Run: r, ByRule: by}, err
}

// CrossCheckSuspects returns a page of a run's suspects (filtered by
// rule, strength, verdict; "none": not judged) with their judgements.
// Errors: forbidden, not_found.
func (a *App) CrossCheckSuspects(ctx context.Context, p auth.Principal, q store.SuspectQuery) ([]store.CrossCheckSuspect, int, error) {
	if _, err := a.CrossCheckRun(ctx, p, q.RunID); err != nil {
		return nil, 0, err
	}
	return a.Store.ListCrossCheckSuspects(ctx, q)
}

// suspectFor returns a suspect in the caller's scope for perm.
func (a *App) suspectFor(ctx context.Context, p auth.Principal, perm auth.Permission, id int64) (store.CrossCheckSuspect, error) {
	if err := need(p, perm); err != nil {
		return store.CrossCheckSuspect{}, err
	}
	s, err := a.Store.GetCrossCheckSuspect(ctx, id)
	if err != nil {
		return s, err
	}
	return s, inScope(p, perm, s.UnitPath, "page")
}

// CrossCheckSuspect returns a suspect the caller may read. Errors:
// forbidden, not_found.
func (a *App) CrossCheckSuspect(ctx context.Context, p auth.Principal, id int64) (store.CrossCheckSuspect, error) {
	return a.suspectFor(ctx, p, auth.PermMonitorRead, id)
}

// CrossCheckIDNumbers opens the ID numbers of a suspect's payment and
// reference rows for a caller with monitor.handle in scope (the judge);
// every reveal is audited. Errors: forbidden, not_found.
func (a *App) CrossCheckIDNumbers(ctx context.Context, p auth.Principal, id int64) (payment, reference string, err error) {
	s, err := a.suspectFor(ctx, p, auth.PermMonitorHandle, id)
	if err != nil {
		return "", "", err
	}
	if err := a.Store.AuditCrossCheckReveal(ctx, actor(p), s.ID); err != nil {
		return "", "", err
	}
	open := func(list int64, line int) (string, error) {
		if list == 0 {
			return "", nil
		}
		sealed, err := a.Store.CrossCheckRowSealed(ctx, list, line)
		if err != nil || sealed == "" {
			return "", err
		}
		raw, err := a.Keys.Open(sealed, crossCheckRowAAD(list, line))
		return string(raw), err
	}
	if payment, err = open(s.PayList, s.PayLine); err != nil {
		return "", "", err
	}
	reference, err = open(s.RefList, s.RefLine)
	return payment, reference, err
}

// CrossCheckJudge records a reviewer's judgement of a suspect (monitor.handle
// in scope): confirmed, rejected or unsure, with a note (required unless
// confirmed). version is the current judgement's version (0 when none).
// The judgement belongs to the suspect key and shows on every run. A
// suspect already assigned stays confirmed. Errors: forbidden, not_found,
// invalid, conflict (version; "crosscheck.assigned").
func (a *App) CrossCheckJudge(ctx context.Context, p auth.Principal, id int64, verdict, note string, version int64) (store.CrossCheckJudgement, error) {
	s, err := a.suspectFor(ctx, p, auth.PermMonitorHandle, id)
	if err != nil {
		return store.CrossCheckJudgement{}, err
	}
	note = textclean.Text(note)
	var v apperr.Validation
	if !slices.Contains([]string{VerdictConfirmed, VerdictRejected, VerdictUnsure}, verdict) {
		v.Add("verdict", "crosscheck.verdict_invalid")
	}
	if verdict != VerdictConfirmed && note == "" {
		v.Add("note", "crosscheck.note_required")
	}
	if utf8.RuneCountInString(note) > 2000 {
		v.Add("note", "crosscheck.too_long")
	}
	if err := v.Err(); err != nil {
		return store.CrossCheckJudgement{}, err
	}
	if s.Judgement.Action != "" && verdict != VerdictConfirmed {
		return s.Judgement, apperr.New(apperr.Conflict, "crosscheck.assigned")
	}
	if version != s.Judgement.Version {
		return s.Judgement, apperr.New(apperr.Conflict, "error.version_conflict")
	}
	return a.Store.JudgeCrossCheck(ctx, actor(p), store.CrossCheckJudgement{UnitPath: s.UnitPath, Key: s.Key, Verdict: verdict,
		Note: note, JudgedBy: p.UserID}, version)
}

// CrossCheckAssignment is the one action a confirmed suspect is assigned
// with: a clue (registered in the township's ledger) or a rectification
// (the township responsible, Deadline required). UnitID overrides the
// township found from the payment's place.
type CrossCheckAssignment struct {
	Action   string
	UnitID   int64
	Deadline string // YYYY-MM-DD, for a rectification
}

// CrossCheckAssign assigns a confirmed suspect to the township commission
// of the payment's place (found by name under the run's unit, or
// in.UnitID) with one action: a clue (source cross-check; the content
// says which fields matched and why, and the amount; clue.register) or a
// rectification item (source "crosscheck"; task.manage). Each suspect key
// is assigned at most once. It returns the new clue's or rectification's
// id. Errors: forbidden, not_found, invalid ("crosscheck.not_confirmed",
// unit_id "crosscheck.township_unknown"), conflict ("crosscheck.assigned").
func (a *App) CrossCheckAssign(ctx context.Context, p auth.Principal, id int64, in CrossCheckAssignment) (int64, error) {
	s, err := a.suspectFor(ctx, p, auth.PermMonitorHandle, id)
	if err != nil {
		return 0, err
	}
	j := s.Judgement
	switch {
	case in.Action != AssignClue && in.Action != AssignRectification:
		return 0, apperr.InvalidField("action", "crosscheck.action_invalid")
	case j.Verdict != VerdictConfirmed:
		return 0, apperr.New(apperr.Invalid, "crosscheck.not_confirmed")
	case j.Action != "":
		return 0, apperr.New(apperr.Conflict, "crosscheck.assigned")
	}
	unitID := in.UnitID
	if unitID == 0 {
		var ok bool
		if unitID, ok, err = a.Store.FindTownshipUnit(ctx, s.UnitPath, s.Township); err != nil {
			return 0, err
		} else if !ok {
			return 0, apperr.InvalidField("unit_id", "crosscheck.township_unknown")
		}
	}
	town, err := a.Store.GetUnit(ctx, unitID)
	if err != nil || !town.Active || town.Kind != org.KindTownship || !oversight.Under(town.Path, s.UnitPath) {
		return 0, apperr.InvalidField("unit_id", "crosscheck.township_unknown")
	}
	ok, err := a.Store.ClaimCrossCheckAction(ctx, j.ID, in.Action)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, apperr.New(apperr.Conflict, "crosscheck.assigned")
	}
	title := "大数据比对：" + s.Name + "（" + s.Village + "）" + ruleName(s.Rule)
	content := suspectContent(s)
	var clueID, rectID int64
	if in.Action == AssignClue {
		c, err := a.registerClue(ctx, p, clue.Input{Source: clue.SourceCrossCheck, SourceType: "crosscheck_suspect", SourceID: j.ID,
			Title: clue.FirstRunes(title, clue.MaxTitle), Content: content, LedgerUnitID: town.ID, MassInterest: true, Category: a.subsidyCategory(),
			Subject: clue.Subject{Name: s.Name, Unit: s.Village, Level: "village"}})
		if err != nil {
			return 0, a.releaseAfter(ctx, j.ID, err)
		}
		clueID = c.ID
	} else {
		r, err := a.CreateRectification(ctx, p, oversight.RectificationInput{Title: clue.FirstRunes(title, oversight.MaxRectTitle),
			Problem: content, Required: "核实该笔" + s.Item + "发放情况，停发不符合条件的补贴并追回已发资金，报送核查和追回情况。",
			ResponsibleUnitID: town.ID, Deadline: in.Deadline, SourceType: "crosscheck", SourceID: j.ID, PersonConcerned: s.Name})
		if err != nil {
			return 0, a.releaseAfter(ctx, j.ID, err)
		}
		rectID = r.ID
	}
	if err := a.Store.SetCrossCheckAction(ctx, actor(p), j.ID, clueID, rectID, town.ID); err != nil {
		return 0, err
	}
	return clueID + rectID, nil
}

// subsidyCategory is the key field of a cross-check clue: subsidies
// (惠民惠农补贴资金) when the installation has it, otherwise other.
func (a *App) subsidyCategory() string {
	if slices.Contains(a.categoryCodes(), "subsidies") {
		return "subsidies"
	}
	return "other"
}

func (a *App) releaseAfter(ctx context.Context, judgementID int64, err error) error {
	if rerr := a.Store.ReleaseCrossCheckAction(ctx, judgementID); rerr != nil {
		return fmt.Errorf("%w (and releasing the claim: %v)", err, rerr)
	}
	return err
}

// ruleName is a rule's Chinese name.
func ruleName(code string) string {
	names := map[string]string{"deceased": "死亡后仍领取补贴", "public_employee": "公职人员领取补贴", "official_relative": "干部亲属领取补贴",
		"vehicle_owner": "名下有车辆仍领取救助", "property_owner": "名下有房产仍领取救助", "business_owner": "登记经营主体仍领取救助",
		"not_disabled": "非残疾人领取残疾人补贴", "double_payment": "同期重复领取"}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// fieldNames are the Chinese names of the matched fields.
var fieldNames = map[string]string{monitor.FieldIDNumber: "身份证号", monitor.FieldName: "姓名", monitor.FieldVillage: "村",
	monitor.FieldDate: "日期", monitor.FieldItem: "补贴项目"}

// suspectContent is the content of the clue or rectification of a
// suspect: the payment, which fields matched (and how strongly), and why
// it matters.
func suspectContent(s store.CrossCheckSuspect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "比对规则：%s\n领取人：%s（%s%s）\n补贴项目：%s，金额%s元，发放日期%s\n", ruleName(s.Rule), s.Name, s.Township, s.Village,
		s.Item, yuan(s.AmountFen), s.Day)
	var fields []string
	for _, f := range s.Matched {
		fields = append(fields, fieldNames[f])
	}
	strength := map[string]string{"strong": "强匹配（身份证号一致）", "weak": "弱匹配（姓名和村一致，需核实是否同一人）", "": "未在名单中找到"}[s.Strength]
	fmt.Fprintf(&b, "匹配字段：%s；%s\n", strings.Join(fields, "、"), strength)
	if s.RefKind != "" {
		fmt.Fprintf(&b, "比对名单：%s 第%d行", refKindName(s.RefKind), s.RefLine)
		if s.RefDay != "" {
			fmt.Fprintf(&b, "，日期%s", s.RefDay)
		}
		if s.RefNote != "" {
			fmt.Fprintf(&b, "，%s", s.RefNote)
		}
		b.WriteString("\n")
	}
	if s.OtherLine != 0 {
		fmt.Fprintf(&b, "同期另一笔发放：名单%d 第%d行\n", s.OtherList, s.OtherLine)
	}
	fmt.Fprintf(&b, "问题说明：%s", s.Explanation)
	return b.String()
}

func refKindName(k string) string {
	names := map[string]string{"death": "死亡（火化）登记", "public_employee": "财政供养人员名单", "relative": "干部亲属名单",
		"vehicle": "车辆登记", "property": "不动产登记", "business": "市场主体登记", "disability": "残疾人登记"}
	if n, ok := names[k]; ok {
		return n
	}
	return k
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// CrossCheckRecover records money recovered on a confirmed suspect
// (monitor.handle in scope): amount in fen (> 0), the day (YYYY-MM-DD, not
// in the future) and a note. It counts into the cross-check recovered
// figure of the statistics. Errors: forbidden, not_found, invalid.
func (a *App) CrossCheckRecover(ctx context.Context, p auth.Principal, id int64, amountFen int64, dayStr, note string) (store.CrossCheckRecovery, error) {
	s, err := a.suspectFor(ctx, p, auth.PermMonitorHandle, id)
	if err != nil {
		return store.CrossCheckRecovery{}, err
	}
	if s.Judgement.Verdict != VerdictConfirmed {
		return store.CrossCheckRecovery{}, apperr.New(apperr.Invalid, "crosscheck.not_confirmed")
	}
	var v apperr.Validation
	if amountFen <= 0 || amountFen > 1e13 {
		v.Add("amount_fen", "crosscheck.amount_invalid")
	}
	d, perr := time.ParseInLocation(time.DateOnly, strings.TrimSpace(dayStr), a.Loc)
	if perr != nil || d.Format(time.DateOnly) > a.Today() {
		v.Add("day", "crosscheck.day_invalid")
	}
	note = textclean.Text(note)
	if utf8.RuneCountInString(note) > 2000 {
		v.Add("note", "crosscheck.too_long")
	}
	if err := v.Err(); err != nil {
		return store.CrossCheckRecovery{}, err
	}
	return a.Store.AddCrossCheckRecovery(ctx, actor(p), store.CrossCheckRecovery{JudgementID: s.Judgement.ID, UnitPath: s.UnitPath,
		AmountFen: amountFen, Day: d.Format(time.DateOnly), At: d, Note: note, CreatedBy: p.UserID})
}

// CrossCheckRecoveries lists the money recovered on a suspect's judgement.
func (a *App) CrossCheckRecoveries(ctx context.Context, p auth.Principal, id int64) ([]store.CrossCheckRecovery, error) {
	s, err := a.suspectFor(ctx, p, auth.PermMonitorRead, id)
	if err != nil || s.Judgement.ID == 0 {
		return nil, err
	}
	return a.Store.ListCrossCheckRecoveries(ctx, s.Judgement.ID)
}

// PreviewCrossCheckList reads the header mapping and the first rows of a
// list without storing anything (monitor.handle). Errors: forbidden,
// invalid (kind, or the file).
func (a *App) PreviewCrossCheckList(ctx context.Context, p auth.Principal, kind, name string, r io.ReaderAt, size int64) (importer.ListPreview, error) {
	if err := need(p, auth.PermMonitorHandle); err != nil {
		return importer.ListPreview{}, err
	}
	if !slices.Contains(CrossCheckKinds(), kind) {
		return importer.ListPreview{}, apperr.InvalidField("kind", "crosscheck.kind_invalid")
	}
	pv, err := importer.PreviewList(ctx, name, r, size, kind == store.CrossCheckPayments, 5, importer.CrossCheckOptions{Loc: a.Loc})
	return pv, importError(err)
}
