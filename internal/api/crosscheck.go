package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/store"
)

// crossCheckRoutes are the subsidy cross-check (大数据比对) routes: lists
// (upload, preview, list), runs, suspects with their judgement,
// assignment and money recovered.
func (x *API) crossCheckRoutes() []route {
	return []route{
		{"POST", "/crosscheck/lists", false, x.uploadCrossCheckList},
		{"GET", "/crosscheck/lists", false, x.listCrossCheckLists},
		{"POST", "/crosscheck/runs", false, x.runCrossCheck},
		{"GET", "/crosscheck/runs", false, x.listCrossCheckRuns},
		{"GET", "/crosscheck/runs/{id}", false, x.getCrossCheckRun},
		{"GET", "/crosscheck/runs/{id}/suspects", false, x.listCrossCheckSuspects},
		{"POST", "/crosscheck/suspects/{id}/judgement", false, x.judgeCrossCheck},
		{"POST", "/crosscheck/suspects/{id}/assignment", false, x.assignCrossCheck},
		{"GET", "/crosscheck/suspects/{id}/recoveries", false, x.listCrossCheckRecoveries},
		{"POST", "/crosscheck/suspects/{id}/id-numbers", false, x.revealCrossCheckIDs},
		{"POST", "/crosscheck/suspects/{id}/recoveries", false, x.addCrossCheckRecovery},
	}
}

// maxCrossCheckBytes bounds an uploaded list (a million rows of xlsx).
const maxCrossCheckBytes = 256 << 20

// uploadCrossCheckList takes a multipart list (file, kind, unit_id;
// preview=true: only the header mapping and first rows).
func (x *API) uploadCrossCheckList(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxCrossCheckBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return apperr.InvalidField("file", "import.file_required")
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return errors.New("api: multipart file without ReaderAt")
	}
	kind := r.FormValue("kind")
	if r.FormValue("preview") == "true" {
		pv, err := x.app.PreviewCrossCheckList(r.Context(), principal(r), kind, hdr.Filename, ra, hdr.Size)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, pv)
	}
	unit, _ := strconv.ParseInt(r.FormValue("unit_id"), 10, 64)
	sum, err := x.app.ImportCrossCheckList(r.Context(), principal(r), app.CrossCheckImport{UnitID: unit, Kind: kind, Name: hdr.Filename,
		R: ra, Size: hdr.Size})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if sum.Duplicate {
		status = http.StatusOK
	}
	return writeJSON(w, status, sum)
}

// CrossCheckList is a list in the API.
type CrossCheckList struct {
	ID        int64     `json:"id"`
	UnitID    int64     `json:"unit_id"`
	Kind      string    `json:"kind"`
	FileName  string    `json:"file_name"`
	SHA256    string    `json:"sha256"`
	Format    string    `json:"format"`
	Rows      int       `json:"rows"`
	Imported  int       `json:"imported"`
	Rejected  int       `json:"rejected"`
	CreatedAt time.Time `json:"created_at"`
}

func (x *API) listCrossCheckLists(w http.ResponseWriter, r *http.Request) error {
	limit, _, err := page(r)
	if err != nil {
		return err
	}
	unit, _ := strconv.ParseInt(r.URL.Query().Get("unit_id"), 10, 64)
	rows, err := x.app.CrossCheckLists(r.Context(), principal(r), unit, limit)
	if err != nil {
		return err
	}
	out := []CrossCheckList{}
	for _, l := range rows {
		out = append(out, CrossCheckList{l.ID, l.UnitID, l.Kind, l.FileName, l.SHA256, l.Format, l.Rows, l.Good, l.Rejected, l.CreatedAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// CrossCheckRunIn is the body of POST /crosscheck/runs.
type CrossCheckRunIn struct {
	UnitID  int64   `json:"unit_id"`
	ListIDs []int64 `json:"list_ids,omitempty"`
}

// CrossCheckRun is a run in the API.
type CrossCheckRun struct {
	ID         int64          `json:"id"`
	UnitID     int64          `json:"unit_id"`
	ListIDs    []int64        `json:"list_ids"`
	Payments   int            `json:"payments"`
	References int            `json:"references"`
	Suspects   int            `json:"suspects"`
	DurationMS int64          `json:"duration_ms"`
	CreatedAt  time.Time      `json:"created_at"`
	ByRule     map[string]int `json:"by_rule,omitempty"`
}

func runJSON(r store.CrossCheckRun, by map[string]int) CrossCheckRun {
	return CrossCheckRun{r.ID, r.UnitID, r.ListIDs, r.Payments, r.References, r.Suspects, r.Duration.Milliseconds(), r.CreatedAt, by}
}

func (x *API) runCrossCheck(w http.ResponseWriter, r *http.Request) error {
	var in CrossCheckRunIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := x.app.RunCrossCheck(r.Context(), principal(r), in.UnitID, in.ListIDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, runJSON(res.Run, res.ByRule))
}

func (x *API) listCrossCheckRuns(w http.ResponseWriter, r *http.Request) error {
	limit, _, err := page(r)
	if err != nil {
		return err
	}
	rows, err := x.app.CrossCheckRuns(r.Context(), principal(r), limit)
	if err != nil {
		return err
	}
	out := []CrossCheckRun{}
	for _, run := range rows {
		out = append(out, runJSON(run, nil))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (x *API) getCrossCheckRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	res, err := x.app.CrossCheckRun(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, runJSON(res.Run, res.ByRule))
}

// CrossCheckSuspect is a suspect in the API, with its judgement.
type CrossCheckSuspect struct {
	ID          int64    `json:"id"`
	RunID       int64    `json:"run_id"`
	Key         string   `json:"key"`
	Rule        string   `json:"rule"`
	Strength    string   `json:"strength"`
	Matched     []string `json:"matched"`
	Explanation string   `json:"explanation"`
	Name        string   `json:"name"`
	Township    string   `json:"township"`
	Village     string   `json:"village"`
	Item        string   `json:"item"`
	AmountFen   int64    `json:"amount_fen"`
	Day         string   `json:"day"`
	Payment     RowRef   `json:"payment"`
	Reference   *RowRef  `json:"reference,omitempty"`
	Other       *RowRef  `json:"other_payment,omitempty"`
	RefKind     string   `json:"reference_kind,omitempty"`
	RefDay      string   `json:"reference_day,omitempty"`
	RefNote     string   `json:"reference_note,omitempty"`
	Judgement   *Verdict `json:"judgement"`
}

// RowRef names a row of a list.
type RowRef struct {
	List int64 `json:"list_id"`
	Line int   `json:"line"`
}

// Verdict is a suspect's judgement in the API.
type Verdict struct {
	Verdict      string    `json:"verdict"`
	Note         string    `json:"note"`
	JudgedAt     time.Time `json:"judged_at"`
	Version      int64     `json:"version"`
	Action       string    `json:"action,omitempty"`
	ClueID       int64     `json:"clue_id,omitempty"`
	RectID       int64     `json:"rectification_id,omitempty"`
	AssignedTo   int64     `json:"assigned_unit_id,omitempty"`
	RecoveredFen int64     `json:"recovered_fen"`
}

func suspectJSON(s store.CrossCheckSuspect) CrossCheckSuspect {
	out := CrossCheckSuspect{ID: s.ID, RunID: s.RunID, Key: s.Key, Rule: s.Rule, Strength: s.Strength, Matched: s.Matched,
		Explanation: s.Explanation, Name: s.Name, Township: s.Township, Village: s.Village, Item: s.Item, AmountFen: s.AmountFen,
		Day: s.Day, Payment: RowRef{s.PayList, s.PayLine}, RefKind: s.RefKind, RefDay: s.RefDay, RefNote: s.RefNote}
	if out.Matched == nil {
		out.Matched = []string{}
	}
	if s.RefList != 0 {
		out.Reference = &RowRef{s.RefList, s.RefLine}
	}
	if s.OtherList != 0 {
		out.Other = &RowRef{s.OtherList, s.OtherLine}
	}
	if j := s.Judgement; j.ID != 0 {
		out.Judgement = &Verdict{j.Verdict, j.Note, j.JudgedAt, j.Version, j.Action, j.ClueID, j.RectID, j.AssignedTo, j.RecoveredFen}
	}
	return out
}

func (x *API) listCrossCheckSuspects(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rows, total, err := x.app.CrossCheckSuspects(r.Context(), principal(r), store.SuspectQuery{RunID: id, Rule: q.Get("rule"),
		Strength: q.Get("strength"), Verdict: q.Get("judgement"), Page: store.Page{Limit: limit, Offset: offset}})
	if err != nil {
		return err
	}
	out := []CrossCheckSuspect{}
	for _, s := range rows {
		out = append(out, suspectJSON(s))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": limit, "offset": offset})
}

// JudgementIn is the body of POST /crosscheck/suspects/{id}/judgement.
type JudgementIn struct {
	Verdict string `json:"verdict"`
	Note    string `json:"note,omitempty"`
	Version int64  `json:"version"`
}

func (x *API) judgeCrossCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	var in JudgementIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := x.app.CrossCheckJudge(r.Context(), principal(r), id, in.Verdict, in.Note, in.Version); err != nil {
		return err
	}
	s, err := x.app.CrossCheckSuspect(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, suspectJSON(s))
}

// AssignmentIn is the body of POST /crosscheck/suspects/{id}/assignment.
type AssignmentIn struct {
	Action   string `json:"action"`
	UnitID   int64  `json:"unit_id,omitempty"`
	Deadline string `json:"deadline,omitempty"`
}

func (x *API) assignCrossCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	var in AssignmentIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := x.app.CrossCheckAssign(r.Context(), principal(r), id, app.CrossCheckAssignment{Action: in.Action, UnitID: in.UnitID,
		Deadline: in.Deadline}); err != nil {
		return err
	}
	s, err := x.app.CrossCheckSuspect(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, suspectJSON(s))
}

// RecoveryIn is the body of POST /crosscheck/suspects/{id}/recoveries.
type RecoveryIn struct {
	AmountFen int64  `json:"amount_fen"`
	Day       string `json:"day"`
	Note      string `json:"note,omitempty"`
}

// Recovery is money recovered in the API.
type Recovery struct {
	ID        int64     `json:"id"`
	AmountFen int64     `json:"amount_fen"`
	Day       string    `json:"day"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

func (x *API) addCrossCheckRecovery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	var in RecoveryIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rec, err := x.app.CrossCheckRecover(r.Context(), principal(r), id, in.AmountFen, in.Day, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, Recovery{rec.ID, rec.AmountFen, rec.Day, rec.Note, rec.CreatedAt})
}

func (x *API) listCrossCheckRecoveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	rows, err := x.app.CrossCheckRecoveries(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	out := []Recovery{}
	for _, rec := range rows {
		out = append(out, Recovery{rec.ID, rec.AmountFen, rec.Day, rec.Note, rec.CreatedAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// revealCrossCheckIDs answers the ID numbers of a suspect's payment and
// reference rows, opened from their sealed copies (monitor.handle;
// audited). A POST, so that the reveal is never a cached or prefetched GET.
func (x *API) revealCrossCheckIDs(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "page")
	if err != nil {
		return err
	}
	pay, ref, err := x.app.CrossCheckIDNumbers(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"payment_id_number": pay, "reference_id_number": ref})
}
