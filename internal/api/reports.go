package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/i18n"
	"qingfeng/internal/intake"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
)

// PublicReportIn is the body of POST /public/reports.
type PublicReportIn struct {
	Kind         string          `json:"kind"`
	Title        string          `json:"title"`
	Content      string          `json:"content"`
	DivisionCode string          `json:"division_code"`
	Category     string          `json:"category"`
	Subject      intake.Subject  `json:"subject"`
	Anonymous    bool            `json:"anonymous"`
	Reporter     intake.Reporter `json:"reporter"`
	Collective   bool            `json:"collective"`
	Challenge    string          `json:"challenge,omitempty"`
	Nonce        string          `json:"nonce,omitempty"`
}

// decode reads a JSON body (1 MiB at most, unknown fields refused).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "api.bad_json")
	}
	return nil
}

// badRequest turns validation errors into 400 for the public API contract.
type badRequest struct{ error }

func (x *API) publicSubmit(w http.ResponseWriter, r *http.Request) error {
	var in PublicReportIn
	if err := decode(w, r, &in); err != nil {
		return badRequest{err}
	}
	if err := x.publicGate(r, in.Challenge, in.Nonce); err != nil {
		return err
	}
	rec, err := x.app.SubmitPublic(r.Context(), intake.Submission{Kind: intake.Kind(in.Kind), Title: in.Title, Content: in.Content,
		DivisionCode: in.DivisionCode, Category: in.Category, Subject: in.Subject, Anonymous: in.Anonymous, Reporter: in.Reporter,
		Collective: in.Collective}, nil)
	if apperr.Is(err, apperr.Invalid) {
		return badRequest{err}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"receipt_code": rec.Code, "number": rec.Number, "status": rec.Status})
}

// publicGate applies the offline abuse control: a solved proof-of-work
// challenge, or else the per-source budget for clients without one.
func (x *API) publicGate(r *http.Request, ch, nonce string) error {
	if ch != "" && x.opt.Challenge != nil {
		if err := x.opt.Challenge.Verify(ch, nonce); err != nil {
			return badRequest{apperr.InvalidField("challenge", "portal.challenge_failed")}
		}
		return nil
	}
	if !x.submits.Allow(x.opt.Proxies.Source(r)) {
		return apperr.New(apperr.RateLimited, "portal.too_many_submissions")
	}
	return nil
}

func (x *API) publicChallenge(w http.ResponseWriter, r *http.Request) error {
	if x.opt.Challenge == nil {
		return apperr.New(apperr.NotFound, "error.not_found.page")
	}
	ch, err := x.opt.Challenge.Issue()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"challenge": ch, "bits": x.opt.Challenge.Bits(),
		"algorithm": `sha256(challenge + ":" + nonce) has "bits" leading zero bits`})
}

// PublicMessage is a message as the reporter sees it.
type PublicMessage struct {
	Author    string    `json:"author"` // reporter, staff, system
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func (x *API) publicGet(w http.ResponseWriter, r *http.Request) error {
	v, err := x.app.LookupReceipt(r.Context(), r.PathValue("code"), x.opt.Proxies.Source(r))
	if err != nil {
		return err
	}
	var notices, msgs []PublicMessage
	for _, m := range v.Messages {
		pm := PublicMessage{Author: m.Author, Body: m.Body, CreatedAt: m.CreatedAt}
		if m.Author == "system" {
			notices = append(notices, pm)
		}
		msgs = append(msgs, pm)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"number": v.Number, "status": v.Status, "title": v.Title,
		"received_at": v.ReceivedAt, "updated_at": v.UpdatedAt, "decline_reason": x.text(r, v.DeclineReason), "result": v.Result,
		"notices": nonNil(notices), "messages": nonNil(msgs)})
}

// text renders a stored reason: automatic decisions store a message key
// (intake.decline.*), staff write plain text.
func (x *API) text(r *http.Request, s string) string {
	if strings.HasPrefix(s, "intake.") && x.cat.Has(i18n.ZH, s) {
		return x.cat.T(i18n.Normalize(r.Header.Get("Accept-Language")), s)
	}
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (x *API) publicMessage(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &in); err != nil {
		return badRequest{err}
	}
	err := x.app.AddPublicMessage(r.Context(), r.PathValue("code"), x.opt.Proxies.Source(r), in.Body, nil)
	if apperr.Is(err, apperr.Invalid) {
		return badRequest{err}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"ok": true})
}

// Report is the staff JSON form of a report (never the identity).
type Report struct {
	ID            int64          `json:"id"`
	Number        string         `json:"number"`
	UnitID        int64          `json:"unit_id"`
	UnitName      string         `json:"unit_name"`
	Kind          intake.Kind    `json:"kind"`
	Channel       intake.Channel `json:"channel"`
	Status        intake.Status  `json:"status"`
	Title         string         `json:"title"`
	Content       string         `json:"content"`
	Category      string         `json:"category"`
	DivisionCode  string         `json:"division_code"`
	Subject       intake.Subject `json:"subject"`
	Anonymous     bool           `json:"anonymous"`
	ExternalID    string         `json:"external_id,omitempty"`
	Collective    bool           `json:"collective"`
	OverLevel     bool           `json:"over_level"`
	RepeatOf      int64          `json:"repeat_of,omitempty"`
	DeclineReason string         `json:"decline_reason,omitempty"`
	Result        string         `json:"result,omitempty"`
	ReceivedAt    time.Time      `json:"received_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Version       int64          `json:"version"`
}

func reportJSON(r intake.Report) Report {
	return Report{ID: r.ID, Number: r.Number, UnitID: r.UnitID, UnitName: r.UnitName, Kind: r.Kind, Channel: r.Channel,
		Status: r.Status, Title: r.Title, Content: r.Content, Category: r.Category, DivisionCode: r.DivisionCode,
		Subject: r.Subject, Anonymous: r.Anonymous, ExternalID: r.ExternalID, Collective: r.Collective, OverLevel: r.OverLevel,
		RepeatOf: r.RepeatOf, DeclineReason: r.DeclineReason, Result: r.Result, ReceivedAt: r.ReceivedAt, UpdatedAt: r.UpdatedAt,
		Version: r.Version}
}

func (x *API) listReports(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	f := store.ReportFilter{Channel: intake.Channel(q.Get("channel")), Kind: intake.Kind(q.Get("kind")), Category: q.Get("category"),
		Query: q.Get("q"), Overdue: q.Get("overdue") == "true", Page: store.Page{Limit: limit, Offset: offset}}
	for _, s := range q["status"] {
		f.Status = append(f.Status, intake.Status(s))
	}
	list, total, err := x.app.ListReports(r.Context(), principal(r), f)
	if err != nil {
		return err
	}
	out := make([]Report, 0, len(list))
	for _, rep := range list {
		out = append(out, reportJSON(rep))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": limit, "offset": offset})
}

func (x *API) getReport(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "error.not_found.report")
	}
	d, err := x.app.Detail(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	type clock struct {
		Code  string    `json:"code"`
		Name  string    `json:"name"`
		Due   time.Time `json:"due_at"`
		State string    `json:"state"`
	}
	var clocks []clock
	for _, c := range d.Clocks {
		clocks = append(clocks, clock{c.Code, c.Name, c.DueAt, string(c.State)})
	}
	var msgs []map[string]any
	for _, m := range d.Messages {
		msgs = append(msgs, map[string]any{"author": m.Author, "public": m.Public, "body": m.Body, "user": m.UserName, "created_at": m.CreatedAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"report": reportJSON(d.Report), "clocks": nonNil(clocks), "messages": nonNil(msgs),
		"attachments": len(d.Attachments), "reveals": len(d.Reveals)})
}

// StaffReportIn is the body of POST /reports (operator entry).
type StaffReportIn struct {
	PublicReportIn
	Channel     string    `json:"channel"`
	ReceivedAt  time.Time `json:"received_at"`
	ExternalID  string    `json:"external_id"`
	WithReceipt bool      `json:"with_receipt"`
}

func (x *API) createReport(w http.ResponseWriter, r *http.Request) error {
	var in StaffReportIn
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rep, code, err := x.app.RegisterReport(r.Context(), principal(r), intake.Submission{Kind: intake.Kind(in.Kind),
		Channel: intake.Channel(in.Channel), Title: in.Title, Content: in.Content, DivisionCode: in.DivisionCode, Category: in.Category,
		Subject: in.Subject, Anonymous: in.Anonymous, Reporter: in.Reporter, Collective: in.Collective, ReceivedAt: in.ReceivedAt,
		ExternalID: in.ExternalID, Source: "api"}, nil, in.WithReceipt)
	if err != nil {
		return err
	}
	out := map[string]any{"report": reportJSON(rep)}
	if code != "" {
		out["receipt_code"] = code
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (x *API) similarReports(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "error.not_found.report")
	}
	sims, err := x.app.SimilarReports(r.Context(), principal(r), id)
	if err != nil {
		return err
	}
	type item struct {
		Report Report   `json:"report"`
		Score  float64  `json:"score"`
		Status string   `json:"status"`
		Shared [][2]int `json:"shared"` // rune spans in this report's title+"\n"+content
	}
	out := []item{}
	for _, s := range sims {
		it := item{Report: reportJSON(s.Report), Score: s.Link.Score, Status: s.Link.Status, Shared: [][2]int{}}
		for _, sp := range s.InThis {
			it.Shared = append(it.Shared, [2]int{sp.Start, sp.End})
		}
		out = append(out, it)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
}

func (x *API) searchReports(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := page(r)
	if err != nil {
		return err
	}
	list, query, total, err := x.app.Search(r.Context(), principal(r), r.URL.Query().Get("q"), store.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	out := make([]SearchHit, 0, len(list))
	for _, rep := range list {
		t, tm := search.Highlight(rep.Title, query, 0)
		sn, sm := search.Highlight(rep.Content, query, search.SnippetRunes)
		out = append(out, SearchHit{Report: reportJSON(rep), Rank: offset + len(out) + 1,
			Highlight: SearchHighlight{Title: marked(t, tm), Snippet: marked(sn, sm)}})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out, "total": total, "limit": limit, "offset": offset})
}

// SearchHit is an item of GET /search: the report, its place in the
// ranking (1 = best, counted across pages) and where the query occurs.
type SearchHit struct {
	Report
	Rank      int             `json:"rank"`
	Highlight SearchHighlight `json:"highlight"`
}

// SearchHighlight holds the title and a snippet of the content around the
// first match, each with the matches marked.
type SearchHighlight struct {
	Title   MarkedText `json:"title"`
	Snippet MarkedText `json:"snippet"`
}

// MarkedText is text with marked spans: [start, end) pairs counted in
// Unicode code points of Text (a snippet cut from a longer text starts or
// ends with "…"). A match the text does not hold has no span.
type MarkedText struct {
	Text  string   `json:"text"`
	Marks [][2]int `json:"marks"`
}

func marked(text string, spans []search.Span) MarkedText {
	m := MarkedText{Text: text, Marks: make([][2]int, 0, len(spans))}
	for _, s := range spans {
		m.Marks = append(m.Marks, [2]int{s.Start, s.End})
	}
	return m
}

// maxImportBytes bounds an uploaded import file.
const maxImportBytes = 64 << 20

func (x *API) importReports(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return apperr.InvalidField("file", "import.file_required")
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return errors.New("api: multipart file without ReaderAt")
	}
	unit, _ := strconv.ParseInt(r.FormValue("unit_id"), 10, 64)
	if r.FormValue("kind") == "cases" {
		return x.importCases(w, r, ra, hdr.Filename, hdr.Size, unit)
	}
	sum, err := x.app.Import(r.Context(), principal(r), ra, hdr.Size, app.ImportOptions{Name: hdr.Filename, UnitID: unit,
		Channel: intake.Channel(r.FormValue("channel")), Kind: intake.Kind(r.FormValue("kind")), Source: r.FormValue("source"),
		Mapping: r.FormValue("mapping"), DryRun: r.FormValue("dry_run") == "true", Preview: 20})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}
