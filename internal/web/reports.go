package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/dedup"
	"qingfeng/internal/importer"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
)

// reportRoutes registers the staff pages of the reporting workflow
// (信访举报), the full-text search and the working-day calendar.
func (s *Server) reportRoutes(mux *http.ServeMux) {
	mux.Handle("GET /reports", s.authed(s.reportList))
	mux.Handle("GET /reports/new", s.authed(s.reportNew))
	mux.Handle("GET /reports/import", s.authed(s.importPage))
	mux.Handle("POST /reports/import", s.authed(s.importPost))
	mux.Handle("POST /reports", s.authed(s.reportCreate))
	mux.Handle("GET /reports/{id}", s.authed(s.reportShow))
	mux.Handle("POST /reports/{id}/act", s.authed(s.reportAct))
	mux.Handle("POST /reports/{id}/feedback", s.authed(s.reportFeedback))
	mux.Handle("POST /reports/{id}/reply", s.authed(s.reportReply))
	mux.Handle("POST /reports/{id}/reveal", s.authed(s.reportReveal))
	mux.Handle("POST /reports/{id}/similar/{other}", s.authed(s.reportSimilar))
	mux.Handle("GET /reports/files/{fid}", s.authed(s.reportFile))
	mux.Handle("GET /search", s.authed(s.searchPage))
	mux.Handle("GET /calendar", s.authed(s.calendarPage))
	mux.Handle("POST /calendar", s.authed(s.calendarUpload))
}

// labelKeys maps the codes of the reporting domain to their message keys,
// by group. The keys are literals so that the catalogue test finds them.
var labelKeys = map[string]map[string]string{
	"import_reason": {
		importer.ReasonBadCSV:    "import.reason.bad_csv",
		importer.ReasonBadDate:   "import.reason.bad_date",
		importer.ReasonBadJSON:   "import.reason.bad_json",
		importer.ReasonBadURL:    "import.reason.bad_url",
		importer.ReasonEmpty:     "import.reason.empty",
		importer.ReasonNoContent: "import.reason.no_content",
		importer.ReasonTooLong:   "import.reason.too_long",
		app.ReasonInvalidRow:     "import.reason.invalid",
	},
	"import_field": {
		string(importer.FieldExternalID): "import.col.external_id",
		string(importer.FieldTitle):      "import.col.title",
		string(importer.FieldContent):    "import.col.content",
		string(importer.FieldReceivedAt): "import.col.received_at",
		string(importer.FieldReporter):   "import.col.reporter",
		string(importer.FieldPhone):      "import.col.phone",
		string(importer.FieldReply):      "import.col.reply",
		string(importer.FieldRepliedAt):  "import.col.replied_at",
		string(importer.FieldCategory):   "import.col.category",
		string(importer.FieldPlace):      "import.col.place",
		string(importer.FieldSource):     "import.col.source",
		string(importer.FieldURL):        "import.col.url",
	},
	"kind": {
		string(intake.KindAccusation): "report.kind.accusation",
		string(intake.KindAppeal):     "report.kind.appeal",
		string(intake.KindSuggestion): "report.kind.suggestion",
	},
	"kind_hint": {
		string(intake.KindAccusation): "report.kind_hint.accusation",
		string(intake.KindAppeal):     "report.kind_hint.appeal",
		string(intake.KindSuggestion): "report.kind_hint.suggestion",
	},
	"channel": {
		string(intake.ChannelWeb):      "report.channel.web",
		string(intake.ChannelLetter):   "report.channel.letter",
		string(intake.ChannelVisit):    "report.channel.visit",
		string(intake.ChannelPhone):    "report.channel.phone",
		string(intake.ChannelHotline):  "report.channel.hotline",
		string(intake.ChannelOpinion):  "report.channel.opinion",
		string(intake.ChannelVillage):  "report.channel.village",
		string(intake.ChannelTransfer): "report.channel.transfer",
	},
	"level": {
		string(intake.LevelVillage):  "report.level.village",
		string(intake.LevelTownship): "report.level.township",
		string(intake.LevelCounty):   "report.level.county",
		string(intake.LevelCity):     "report.level.city",
		string(intake.LevelOther):    "report.level.other",
	},
	"status": {
		string(intake.StatusReceived):  "report.status.received",
		string(intake.StatusAccepted):  "report.status.accepted",
		string(intake.StatusHandling):  "report.status.handling",
		string(intake.StatusForwarded): "report.status.forwarded",
		string(intake.StatusDeclined):  "report.status.declined",
		string(intake.StatusClosed):    "report.status.closed",
	},
	"status_hint": {
		string(intake.StatusReceived):  "portal.status_hint.received",
		string(intake.StatusAccepted):  "portal.status_hint.accepted",
		string(intake.StatusHandling):  "portal.status_hint.handling",
		string(intake.StatusForwarded): "portal.status_hint.forwarded",
		string(intake.StatusDeclined):  "portal.status_hint.declined",
		string(intake.StatusClosed):    "portal.status_hint.closed",
	},
	"op": {
		string(intake.OpAccept):  "report.op.accept",
		string(intake.OpForward): "report.op.forward",
		string(intake.OpDecline): "report.op.decline",
		string(intake.OpAssign):  "report.op.assign",
		string(intake.OpClose):   "report.op.close",
		string(intake.OpReopen):  "report.op.reopen",
	},
	"event": {
		"register":          "report.event.register",
		"register_declined": "report.event.register_declined",
		"accept":            "report.event.accept",
		"forward":           "report.event.forward",
		"decline":           "report.event.decline",
		"assign":            "report.event.assign",
		"close":             "report.event.close",
		"reopen":            "report.event.reopen",
		"feedback":          "report.event.feedback",
	},
	"clock": {
		string(calendar.Running): "report.clock.running",
		string(calendar.DueSoon): "report.clock.due_soon",
		string(calendar.Overdue): "report.clock.overdue",
		string(calendar.Met):     "report.clock.met",
		string(calendar.Late):    "report.clock.late",
	},
	"author": {
		"reporter": "report.author.reporter",
		"staff":    "report.author.staff",
		"system":   "report.author.system",
	},
	"portal_author": {
		"reporter": "portal.author.reporter",
		"staff":    "portal.author.staff",
		"system":   "portal.author.system",
	},
	"notification": {
		"reminder":   "notification.kind.reminder",
		"overdue":    "notification.kind.overdue",
		"assignment": "notification.kind.assignment",
		"urging":     "notification.kind.urging",
		"decision":   "notification.kind.decision",
		"alert":      "notification.kind.alert",
	},
	"link": {
		"candidate": "report.link.candidate",
		"confirmed": "report.link.confirmed",
		"rejected":  "report.link.rejected",
	},
}

// L returns the label of a code in a group of labelKeys ("status",
// "channel", …), or the code itself when it has none.
func (v *view) L(group string, code any) string {
	c := toString(code)
	if k, ok := labelKeys[group][c]; ok {
		return v.T(k)
	}
	if k, ok := clueLabelKeys[group][c]; ok {
		return v.T(k)
	}
	if k, ok := caseLabelKeys[group][c]; ok {
		return v.T(k)
	}
	return c
}

// Text shows a stored text that may be a message key (routing reasons and
// automatic decline reasons are stored as keys): translated when it is one,
// else as written.
func (v *view) Text(s string) string {
	if s != "" && v.s.cat.Has(v.Lang, s) {
		return v.T(s)
	}
	return s
}

// CategoryName returns the display name of a key-field code.
func (v *view) CategoryName(code string) string {
	for _, c := range v.s.app.Intake.Categories {
		if c.Code == code {
			if v.Lang == "en" && c.NameEN != "" {
				return c.NameEN
			}
			return c.NameZH
		}
	}
	return code
}

func toString(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case importer.Field:
		return string(t)
	case intake.Status:
		return string(t)
	case intake.Channel:
		return string(t)
	case intake.Kind:
		return string(t)
	case intake.Level:
		return string(t)
	case intake.Op:
		return string(t)
	case calendar.State:
		return string(t)
	case clue.Status:
		return string(t)
	case clue.Mode:
		return string(t)
	case clue.Op:
		return string(t)
	case clue.MeetingStatus:
		return string(t)
	case store.ReconColumn:
		return string(t)
	case casework.Status:
		return string(t)
	case casework.Op:
		return string(t)
	case casework.Role:
		return string(t)
	case casework.MeasureKind:
		return string(t)
	case casework.ApprovalLevel:
		return string(t)
	case casework.ExtensionKind:
		return string(t)
	case casework.CommissionLevel:
		return string(t)
	case casework.PartySanction:
		return string(t)
	case casework.GovSanction:
		return string(t)
	case calendar.Unit:
		return string(t)
	}
	// Any other code type of a domain package (a named string).
	if v := reflect.ValueOf(x); v.IsValid() && v.Kind() == reflect.String {
		return v.String()
	}
	return ""
}

// seg is a piece of text, marked (<mark>) or not.
type seg struct {
	Text string
	Mark bool
}

// segments cuts text at rune spans [start, end) into marked and unmarked
// pieces. Spans are sorted, clamped to the text and overlaps merged, so bad
// spans never panic or repeat text.
func segments(text string, spans [][2]int) []seg {
	rs := []rune(text)
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var out []seg
	pos := 0
	for _, sp := range spans {
		a, b := max(sp[0], pos), min(sp[1], len(rs))
		if b <= a {
			continue
		}
		if a > pos {
			out = append(out, seg{Text: string(rs[pos:a])})
		}
		out = append(out, seg{Text: string(rs[a:b]), Mark: true})
		pos = b
	}
	if pos < len(rs) {
		out = append(out, seg{Text: string(rs[pos:])})
	}
	return out
}

func dedupSpans(in []dedup.Span) [][2]int {
	out := make([][2]int, len(in))
	for i, s := range in {
		out[i] = [2]int{s.Start, s.End}
	}
	return out
}

func searchSpans(in []search.Span) [][2]int {
	out := make([][2]int, len(in))
	for i, s := range in {
		out[i] = [2]int{s.Start, s.End}
	}
	return out
}

// Upload limits of the forms: the services check the files themselves; the
// request body limit only keeps a request from growing without bound.
const (
	maxReportBody  = 30 << 20
	maxMessageBody = 30 << 20
)

// parseMultipart parses a form that may carry files, all in memory (files
// never touch the disk here). A plain url-encoded form is accepted too.
func parseMultipart(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(limit)
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.InvalidField("files", "intake.file_too_large")
	}
	return apperr.Wrap(err, apperr.Invalid, "error.bad_form")
}

// readUploads reads the files of a multipart field.
func readUploads(r *http.Request, field string) ([]app.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []app.Upload
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		if len(out) >= intake.MaxFiles {
			return nil, apperr.InvalidField("files", "intake.files_too_many")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		data, err := io.ReadAll(io.LimitReader(f, intake.MaxFileBytes+1))
		f.Close()
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "error.bad_form")
		}
		if len(data) > intake.MaxFileBytes {
			return nil, apperr.InvalidField("files", "intake.file_too_large")
		}
		out = append(out, app.Upload{Name: fh.Filename, Data: data})
	}
	return out, nil
}

func cleanupMultipart(r *http.Request) {
	if r.MultipartForm != nil {
		_ = r.MultipartForm.RemoveAll()
	}
}

// submissionFromForm maps the report form (portal and staff) to a
// submission; the services validate it.
func submissionFromForm(f url.Values) intake.Submission {
	return intake.Submission{Kind: intake.Kind(f.Get("kind")), Title: f.Get("title"), Content: f.Get("content"),
		Category: f.Get("category"), DivisionCode: placeFromForm(f),
		Subject: intake.Subject{Name: f.Get("subject_name"), Unit: f.Get("subject_unit"), Post: f.Get("subject_post"),
			Level: intake.Level(f.Get("subject_level"))},
		Anonymous:  f.Get("identity") != "real",
		Reporter:   intake.Reporter{Name: f.Get("reporter_name"), IDNumber: f.Get("reporter_id"), Phone: f.Get("reporter_phone")},
		Collective: f.Get("collective") == "1"}
}

// placeFromForm picks the most precise place chosen: a typed code (the
// no-script fallback), else the village, township or county select, each
// only when it lies inside the level above (a stale lower select after the
// county changed is ignored).
func placeFromForm(f url.Values) string {
	if c := strings.TrimSpace(f.Get("division_code")); c != "" {
		return c
	}
	county, township, village := strings.TrimSpace(f.Get("county")), strings.TrimSpace(f.Get("township")), strings.TrimSpace(f.Get("village"))
	if county == "" {
		return ""
	}
	if township == "" || !strings.HasPrefix(township, county) {
		return county
	}
	if village == "" || !strings.HasPrefix(village, township) {
		return township
	}
	return village
}

// reportFormData is what report_form.html needs: the choices and, on the
// portal, the proof-of-work challenge.
type reportFormData struct {
	Staff      bool
	Kinds      []intake.Kind
	Levels     []intake.Level
	Categories []intake.Category
	Channels   []intake.Channel
	Counties   []place
	Townships  []place
	Villages   []place
	Challenge  string
	Bits       int
	MaxFiles   int
	MaxFileMB  int
	MaxAllMB   int
}

// reportForm prepares the form's choices; the township and village lists
// follow the places already chosen in f (when the form is shown again).
func (s *Server) reportForm(r *http.Request, staff bool, f url.Values) (*reportFormData, error) {
	d := &reportFormData{Staff: staff, Kinds: intake.Kinds(), Levels: intake.Levels(), Categories: s.app.Intake.Categories,
		Channels: intake.StaffChannels(), MaxFiles: intake.MaxFiles, MaxFileMB: intake.MaxFileBytes >> 20, MaxAllMB: intake.MaxAllBytes >> 20}
	var err error
	if d.Counties, err = s.places(r, ""); err != nil {
		return nil, err
	}
	if c := f.Get("county"); c != "" {
		if d.Townships, err = s.places(r, c); err != nil {
			return nil, err
		}
		if t := f.Get("township"); strings.HasPrefix(t, c) {
			if d.Villages, err = s.places(r, t); err != nil {
				return nil, err
			}
		}
	}
	if !staff {
		if d.Challenge, err = s.opt.Challenge.Issue(); err != nil {
			return nil, err
		}
		d.Bits = s.opt.Challenge.Bits()
	}
	return d, nil
}

// reportList lists the reports in the viewer's scope with filters.
func (s *Server) reportList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermReportRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	f := store.ReportFilter{Channel: intake.Channel(q.Get("channel")), Kind: intake.Kind(q.Get("kind")), Category: q.Get("category"),
		Query: q.Get("q"), Overdue: q.Get("overdue") == "1", Page: store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}}
	if st := q.Get("status"); st != "" {
		f.Status = []intake.Status{intake.Status(st)}
	}
	reports, total, err := s.app.ListReports(r.Context(), p, f)
	if err != nil {
		return err
	}
	now := s.app.Now()
	rows := make([]reportRow, len(reports))
	for i, rep := range reports {
		rows[i].Report = rep
		clocks, err := s.app.Store.ReportClocks(r.Context(), rep.ID)
		if err != nil {
			return err
		}
		for _, c := range clocks {
			k := calendar.Clock{Start: c.StartedAt, Due: c.DueAt, RemindAt: c.RemindAt}
			st := k.State(now, c.DoneAt)
			if st == calendar.Met {
				continue
			}
			rows[i].Clocks = append(rows[i].Clocks, clockBadge{Name: s.app.Intake.Limits[c.Code].Name, State: st, Due: c.DueAt})
		}
	}
	statuses := []intake.Status{intake.StatusReceived, intake.StatusAccepted, intake.StatusHandling, intake.StatusForwarded,
		intake.StatusDeclined, intake.StatusClosed}
	v := s.newView(r, "reports.title", "reports", map[string]any{"Rows": rows, "Total": total, "Limit": f.Page.Limit,
		"Offset": f.Page.Offset, "Statuses": statuses, "Channels": intake.Channels(), "Kinds": intake.Kinds(),
		"Categories": s.app.Intake.Categories})
	v.Form = q
	return s.render(w, http.StatusOK, "reports.html", v)
}

type reportRow struct {
	intake.Report
	Clocks []clockBadge
}

type clockBadge struct {
	Name  string
	State calendar.State
	Due   time.Time
}

// reportNew shows the staff registration form.
func (s *Server) reportNew(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermReportRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	d, err := s.reportForm(r, true, url.Values{})
	if err != nil {
		return err
	}
	v := s.newView(r, "report.new_title", "reports", d)
	v.Form.Set("kind", string(intake.KindAccusation))
	v.Form.Set("channel", string(intake.ChannelLetter))
	v.Form.Set("identity", "anonymous")
	v.Form.Set("received_at", s.app.Now().In(s.app.Loc).Format("2006-01-02T15:04"))
	return s.render(w, http.StatusOK, "report_form.html", v)
}

// reportCreate registers a report taken by staff; with a receipt code the
// code is shown once on the receipt page.
func (s *Server) reportCreate(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermReportRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	defer cleanupMultipart(r)
	perr := parseMultipart(w, r, maxReportBody)
	f := r.PostForm
	if f == nil {
		f = url.Values{}
	}
	showForm := func(err error) error {
		e := apperr.As(err)
		if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
			return err
		}
		d, derr := s.reportForm(r, true, f)
		if derr != nil {
			return derr
		}
		v := s.newView(r, "report.new_title", "reports", d)
		v.Form, v.Errors = f, e.Fields
		v.Error = v.T(e.Key, e.Args...)
		if len(e.Fields) > 0 {
			v.Error = v.T("report.fix_errors")
		}
		if r.MultipartForm != nil && len(r.MultipartForm.File["files"]) > 0 {
			v.Error += " " + v.T("report.files_again")
		}
		return s.render(w, apperr.HTTPStatus(e.Code), "report_form.html", v)
	}
	if perr != nil {
		return showForm(perr)
	}
	sub := submissionFromForm(f)
	sub.Channel = intake.Channel(f.Get("channel"))
	if at := strings.TrimSpace(f.Get("received_at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, s.app.Loc)
		if err != nil {
			return showForm(apperr.InvalidField("received_at", "report.received_at_invalid"))
		}
		sub.ReceivedAt = t
	}
	ups, err := readUploads(r, "files")
	if err != nil {
		return showForm(err)
	}
	rep, code, err := s.app.RegisterReport(r.Context(), p, sub, ups, f.Get("give_receipt") == "1")
	if err != nil {
		return showForm(err)
	}
	if code == "" {
		return s.afterChange(w, r, rep.ID, "flash.report_registered")
	}
	data := map[string]any{"Groups": strings.Split(intake.GroupReceipt(code), "-"), "Number": rep.Number, "Status": rep.Status, "Staff": true}
	if _, err := s.app.GetReport(r.Context(), p, rep.ID); err == nil {
		data["ReportID"] = rep.ID // routed to a unit the registrar may see
	}
	return s.render(w, http.StatusOK, "portal_receipt.html", s.newView(r, "portal.receipt_title", "reports", data))
}

// reportPage is what report.html shows.
type reportPage struct {
	app.ReportDetail
	Ops         []intake.Op
	CanHandle   bool
	CanReveal   bool
	CanFeedback bool
	Forward     []org.Unit
	Assign      []org.Unit
	Similar     []similarView
	Identity    *intake.Reporter
	Place       string
	RepeatOf    *intake.Report
	Files       []intake.Attachment // attached at registration
	MsgFiles    map[int64][]intake.Attachment
	Clues       []clue.Clue // clues registered from the report that the viewer may see
	CanClue     bool        // the viewer may register a clue from it
}

type similarView struct {
	app.Similar
	Percent int
	This    []seg
	That    []seg
}

// reportDetail gathers the detail page of report id.
func (s *Server) reportDetail(r *http.Request, id int64) (*reportPage, error) {
	p := principal(r)
	ctx := r.Context()
	d, err := s.app.Detail(ctx, p, id)
	if err != nil {
		return nil, err
	}
	rep := d.Report
	pg := &reportPage{ReportDetail: d, MsgFiles: map[int64][]intake.Attachment{}}
	pg.CanHandle = p.Can(auth.PermReportHandle) && p.ScopeFor(auth.PermReportHandle).Covers(rep.UnitPath)
	pg.CanReveal = p.Can(auth.PermReportReveal) && !rep.Anonymous && rep.Sealed != ""
	pg.CanFeedback = pg.CanHandle && rep.Status == intake.StatusClosed && !rep.Anonymous && rep.FeedbackAt.IsZero()
	if pg.CanHandle {
		for _, op := range []intake.Op{intake.OpAccept, intake.OpForward, intake.OpDecline, intake.OpAssign, intake.OpClose, intake.OpReopen} {
			if len(intake.Next(rep.Status, op)) > 0 {
				pg.Ops = append(pg.Ops, op)
			}
		}
		for _, op := range pg.Ops {
			switch op {
			case intake.OpForward:
				units, _, err := s.app.Store.ListUnits(ctx, auth.System().ScopeFor(auth.PermOrgRead),
					store.UnitFilter{Kinds: []org.Kind{org.KindCommission}, Page: store.Page{Limit: 500}})
				if err != nil {
					return nil, err
				}
				for _, u := range units {
					if u.ID != rep.UnitID {
						pg.Forward = append(pg.Forward, u)
					}
				}
			case intake.OpAssign:
				units, _, err := s.app.Store.ListUnits(ctx, p.ScopeFor(auth.PermReportHandle), store.UnitFilter{
					Kinds: []org.Kind{org.KindOffice, org.KindDispatched, org.KindTownship}, Page: store.Page{Limit: 500}})
				if err != nil {
					return nil, err
				}
				pg.Assign = units
			}
		}
	}
	for _, f := range d.Attachments {
		if f.MessageID == 0 {
			pg.Files = append(pg.Files, f)
		} else {
			pg.MsgFiles[f.MessageID] = append(pg.MsgFiles[f.MessageID], f)
		}
	}
	if rep.DivisionCode != "" {
		pg.Place = rep.DivisionCode
		if u, err := s.app.Store.GetUnitByDivision(ctx, rep.DivisionCode); err == nil {
			pg.Place = placeName(u) + "（" + rep.DivisionCode + "）"
		}
	}
	if rep.RepeatOf != 0 {
		if o, err := s.app.GetReport(ctx, p, rep.RepeatOf); err == nil {
			pg.RepeatOf = &o
		}
	}
	sims, err := s.app.SimilarReports(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if pg.Clues, err = s.app.CluesFromSource(ctx, p, "report", id); err != nil {
		return nil, err
	}
	pg.CanClue = p.Can(auth.PermClueRegister) && rep.Status != intake.StatusDeclined && rep.Status != intake.StatusForwarded
	this := rep.Title + "\n" + rep.Content
	for _, sm := range sims {
		that := sm.Report.Title + "\n" + sm.Report.Content
		pg.Similar = append(pg.Similar, similarView{Similar: sm, Percent: int(sm.Link.Score*100 + 0.5),
			This: segments(this, dedupSpans(sm.InThis)), That: segments(that, dedupSpans(sm.InThat))})
	}
	return pg, nil
}

func (s *Server) reportShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pg, err := s.reportDetail(r, id)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "report.html", s.newView(r, "report.title", "reports", pg))
}

// actFlash is the confirmation of each workflow action.
var actFlash = map[intake.Op]string{
	intake.OpAccept:  "flash.report_accepted",
	intake.OpForward: "flash.report_forwarded",
	intake.OpDecline: "flash.report_declined",
	intake.OpAssign:  "flash.report_assigned",
	intake.OpClose:   "flash.report_closed",
	intake.OpReopen:  "flash.report_reopened",
}

// afterChange returns to the report, or to the list when the report left
// the viewer's scope (forwarded or assigned elsewhere).
func (s *Server) afterChange(w http.ResponseWriter, r *http.Request, id int64, flash string) error {
	p := principal(r)
	if _, err := s.app.GetReport(r.Context(), p, id); err != nil {
		if !p.Can(auth.PermReportRead) {
			return s.redirect(w, r, "/reports/new", flash) // registrars without read access (village members)
		}
		return s.redirect(w, r, "/reports", flash)
	}
	return s.redirect(w, r, "/reports/"+itoa(id), flash)
}

func (s *Server) reportAct(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	op := intake.Op(f.Get("op"))
	in := app.ActInput{Op: op, Version: formInt(f.Get("version")), UnitID: formInt(f.Get("unit_id")),
		Reason: f.Get("reason"), Result: f.Get("result"), Notice: f.Get("notice")}
	if _, err := s.app.Act(r.Context(), principal(r), id, in); err != nil {
		if isRefusal(err) {
			return s.redirectError(w, r, "/reports/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.afterChange(w, r, id, actFlash[op])
}

func (s *Server) reportFeedback(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.GiveFeedback(r.Context(), principal(r), id, formInt(r.PostForm.Get("version")), r.PostForm.Get("body")); err != nil {
		if isRefusal(err) {
			return s.redirectError(w, r, "/reports/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/reports/"+itoa(id), "flash.report_feedback")
}

func (s *Server) reportReply(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	public := r.PostForm.Get("public") == "1"
	if err := s.app.Reply(r.Context(), principal(r), id, r.PostForm.Get("body"), public); err != nil {
		if isRefusal(err) {
			return s.redirectError(w, r, "/reports/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/reports/"+itoa(id), map[bool]string{true: "flash.report_replied", false: "flash.report_noted"}[public])
}

// reportReveal opens the sealed identity and shows it on this response
// only: never in a redirect, a flash or a URL.
func (s *Server) reportReveal(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	who, rerr := s.app.RevealIdentity(r.Context(), principal(r), id, r.PostForm.Get("reason"))
	if rerr != nil && !isRefusal(rerr) {
		return rerr
	}
	pg, err := s.reportDetail(r, id)
	if err != nil {
		return err
	}
	v := s.newView(r, "report.title", "reports", pg)
	if rerr != nil {
		e := apperr.As(rerr)
		v.Form, v.Errors = r.PostForm, e.Fields
		v.Error = v.T(e.Key, e.Args...)
		if len(e.Fields) > 0 {
			v.Error = v.T("report.fix_errors")
		}
		return s.render(w, apperr.HTTPStatus(e.Code), "report.html", v)
	}
	pg.Identity = &who
	return s.render(w, http.StatusOK, "report.html", v)
}

func (s *Server) reportSimilar(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	other, err := pathID(r, "other")
	if err != nil {
		return err
	}
	confirm := r.PostForm.Get("confirm") == "1"
	if err := s.app.DecideDuplicate(r.Context(), principal(r), id, other, confirm); err != nil {
		if isRefusal(err) {
			return s.redirectError(w, r, "/reports/"+itoa(id), apperr.As(err))
		}
		return err
	}
	return s.redirect(w, r, "/reports/"+itoa(id), map[bool]string{true: "flash.duplicate_confirmed", false: "flash.duplicate_rejected"}[confirm])
}

// reportFile sends an attachment as a download with its stored type.
func (s *Server) reportFile(w http.ResponseWriter, r *http.Request) error {
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	f, data, err := s.app.Attachment(r.Context(), principal(r), fid)
	if err != nil {
		return err
	}
	name := strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '/' {
			return '_'
		}
		return c
	}, f.Name)
	if name == "" {
		name = "attachment"
	}
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	ct := f.MIME
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", disp)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, err = w.Write(data)
	return err
}

// searchHit is one search result with its highlighted title and snippet.
type searchHit struct {
	intake.Report
	Title   []seg
	Snippet []seg
}

// searchPage is the full-text search over the reports in scope.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermReportRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	data := map[string]any{"Limit": 20, "Offset": int(formInt(q.Get("offset"))), "Total": 0}
	v := s.newView(r, "search.title", "search", data)
	v.Form = q
	if strings.TrimSpace(q.Get("q")) == "" {
		return s.render(w, http.StatusOK, "search.html", v)
	}
	reports, query, total, err := s.app.Search(r.Context(), p, q.Get("q"), store.Page{Limit: 20, Offset: data["Offset"].(int)})
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			e := apperr.As(err)
			v.Errors = e.Fields
			return s.render(w, http.StatusUnprocessableEntity, "search.html", v)
		}
		return err
	}
	hits := make([]searchHit, len(reports))
	for i, rep := range reports {
		t, tm := search.Highlight(rep.Title, query, 0)
		sn, sm := search.Highlight(rep.Content, query, search.SnippetRunes)
		hits[i] = searchHit{Report: rep, Title: segments(t, searchSpans(tm)), Snippet: segments(sn, searchSpans(sm))}
	}
	data["Hits"], data["Total"], data["Searched"] = hits, total, true
	return s.render(w, http.StatusOK, "search.html", v)
}

// calendarYear summarises a loaded holiday notice.
type calendarYear struct {
	Year    int
	Papers  []string
	Off     int
	Work    int
	Holiday []string // festival names in order
}

func (s *Server) calendarView(r *http.Request) *view {
	cal := s.app.Intake.Calendar()
	var years []calendarYear
	for _, y := range cal.Years() {
		n, _ := cal.Notice(y)
		cy := calendarYear{Year: y, Papers: n.Papers}
		seen := map[string]bool{}
		for _, d := range n.Days {
			if d.OffDay {
				cy.Off++
			} else {
				cy.Work++
			}
			if !seen[d.Name] {
				seen[d.Name] = true
				cy.Holiday = append(cy.Holiday, d.Name)
			}
		}
		years = append(years, cy)
	}
	sort.Slice(years, func(i, j int) bool { return years[i].Year > years[j].Year })
	this := s.app.Now().In(s.app.Loc).Year()
	return s.newView(r, "calendar.title", "calendar", map[string]any{"Years": years, "This": this, "Next": this + 1,
		"ThisKnown": cal.Known(this), "NextKnown": cal.Known(this + 1)})
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r).Can(auth.PermRoleManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return s.render(w, http.StatusOK, "calendar.html", s.calendarView(r))
}

// calendarUpload loads a year's holiday notice (holiday-cn JSON).
func (s *Server) calendarUpload(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermRoleManage) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	defer cleanupMultipart(r)
	fail := func(err error) error {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			return err
		}
		v := s.calendarView(r)
		v.Error = v.T(e.Key, e.Args...)
		// The detailed problem is the wrapped parse error's field and key.
		var inner *apperr.Error
		if errors.As(e.Err, &inner) {
			e = inner
		}
		var details []string
		for f, k := range e.Fields {
			details = append(details, f+"："+v.T(k))
		}
		sort.Strings(details)
		v.Data.(map[string]any)["Details"] = details
		return s.render(w, http.StatusUnprocessableEntity, "calendar.html", v)
	}
	if err := parseMultipart(w, r, 2<<20); err != nil {
		return fail(err)
	}
	var raw []byte
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["notice"]; len(fhs) > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return fail(apperr.Wrap(err, apperr.Invalid, "error.bad_form"))
			}
			raw, err = io.ReadAll(io.LimitReader(f, 1<<20))
			f.Close()
			if err != nil {
				return fail(apperr.Wrap(err, apperr.Invalid, "error.bad_form"))
			}
		}
	}
	if len(raw) == 0 {
		return fail(apperr.InvalidField("notice", "calendar.file_required"))
	}
	if _, err := s.app.UploadCalendarYear(r.Context(), p, raw); err != nil {
		return fail(err)
	}
	return s.redirect(w, r, "/calendar", "flash.calendar_loaded")
}

// KB formats a file size for the attachment lists.
func (v *view) KB(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
