package web

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// clueRoutes registers the staff pages of the clue ledger (问题线索台账)
// and the consultation meetings (问题线索处置协商会).
func (s *Server) clueRoutes(mux *http.ServeMux) {
	mux.Handle("GET /clues", s.authed(s.clueList))
	mux.Handle("GET /clues/new", s.authed(s.clueNew))
	mux.Handle("GET /clues/ledger.xlsx", s.authed(s.clueExport))
	mux.Handle("GET /clues/reconciliation", s.authed(s.clueReconciliation))
	mux.Handle("POST /clues", s.authed(s.clueCreate))
	mux.Handle("GET /clues/{id}", s.authed(s.clueShow))
	mux.Handle("POST /clues/{id}/act", s.authed(s.clueAct))
	mux.Handle("POST /reports/{id}/clue", s.authed(s.clueFromReport))
	mux.Handle("GET /meetings", s.authed(s.meetingHome))
	mux.Handle("POST /area-groups/{id}/meetings", s.authed(s.meetingCreate))
	mux.Handle("GET /meetings/{id}", s.authed(s.meetingShow))
	mux.Handle("POST /meetings/{id}/decisions", s.authed(s.meetingDecide))
	mux.Handle("POST /meetings/{id}/attendance", s.authed(s.meetingAttend))
	mux.Handle("POST /meetings/{id}/close", s.authed(s.meetingClose))
	mux.Handle("GET /meetings/{id}/minutes.docx", s.authed(s.meetingMinutes("docx")))
	mux.Handle("GET /meetings/{id}/minutes.xlsx", s.authed(s.meetingMinutes("xlsx")))
}

// clueLabelKeys maps the codes of the clue domain to their message keys,
// by group (see labelKeys). The keys are literals so that the catalogue
// test finds them.
var clueLabelKeys = map[string]map[string]string{
	"clue_status": {
		string(clue.StatusRegistered): "clue.status.registered", string(clue.StatusAssignmentReview): "clue.status.assignment_review",
		string(clue.StatusAssigned): "clue.status.assigned", string(clue.StatusDisposalReview): "clue.status.disposal_review",
		string(clue.StatusEscalationReview): "clue.status.escalation_review", string(clue.StatusInquiry): "clue.status.inquiry",
		string(clue.StatusInquiryReply): "clue.status.inquiry_reply", string(clue.StatusInquiryReport): "clue.status.inquiry_report",
		string(clue.StatusInquiryReview): "clue.status.inquiry_review", string(clue.StatusVerification): "clue.status.verification",
		string(clue.StatusVerificationReview): "clue.status.verification_review", string(clue.StatusShelved): "clue.status.shelved",
		string(clue.StatusCasePending): "clue.status.case_pending", string(clue.StatusFiled): "clue.status.filed",
		string(clue.StatusClosed): "clue.status.closed", string(clue.StatusForwarded): "clue.status.forwarded",
	},
	"clue_op": {
		string(clue.OpProposeAssignment): "clue.op.propose_assignment", string(clue.OpApproveAssignment): "clue.op.approve_assignment",
		string(clue.OpRejectAssignment): "clue.op.reject_assignment", string(clue.OpForwardUp): "clue.op.forward_up",
		string(clue.OpProposeDisposal): "clue.op.propose_disposal", string(clue.OpApproveDisposal): "clue.op.approve_disposal",
		string(clue.OpRejectDisposal): "clue.op.reject_disposal", string(clue.OpRequestEscalation): "clue.op.request_escalation",
		string(clue.OpApproveEscalation): "clue.op.approve_escalation", string(clue.OpRejectEscalation): "clue.op.reject_escalation",
		string(clue.OpRecordTalk): "clue.op.record_talk", string(clue.OpSendLetter): "clue.op.send_letter",
		string(clue.OpReceiveReply): "clue.op.receive_reply", string(clue.OpSubmitInquiry): "clue.op.submit_inquiry_report",
		string(clue.OpApproveInquiry): "clue.op.approve_inquiry_report", string(clue.OpReturnInquiry): "clue.op.return_inquiry_report",
		string(clue.OpAddMeasure): "clue.op.add_measure", string(clue.OpExtendVerification): "clue.op.extend_verification",
		string(clue.OpSubmitReport): "clue.op.submit_verification_report", string(clue.OpSignReport): "clue.op.sign_report",
		string(clue.OpApproveReport): "clue.op.approve_verification_report", string(clue.OpReturnReport): "clue.op.return_verification_report",
		string(clue.OpReviewShelved): "clue.op.review_shelved", string(clue.OpReactivate): "clue.op.reactivate",
		string(clue.OpFileCase): "clue.op.file_case", string(clue.OpFilingRefused): "clue.op.filing_refused",
		string(clue.OpRecordLetter): "clue.op.record_letter", string(clue.OpMeetingDecision): "clue.op.meeting_decision",
		string(clue.OpAddJointMembers): "clue.op.add_joint_members", string(app.OpDeclareConflict): "clue.op.declare_conflict",
		"register": "clue.op.register",
	},
	"clue_mode": {
		string(clue.ModeInquiry): "clue.mode.inquiry", string(clue.ModeVerification): "clue.mode.verification",
		string(clue.ModeShelve): "clue.mode.shelve", string(clue.ModeClose): "clue.mode.close",
	},
	"clue_form": {clue.FormTalk: "clue.form.talk", clue.FormLetter: "clue.form.letter"},
	"clue_outcome": {
		clue.OutcomeAcceptClose: "clue.outcome.accept_close", clue.OutcomeRemind: "clue.outcome.remind",
		clue.OutcomeCriticize: "clue.outcome.criticize", clue.OutcomeOrderReview: "clue.outcome.order_review",
		clue.OutcomeAdmonish: "clue.outcome.admonish", clue.OutcomeFalseAccusation: "clue.outcome.false_accusation",
		clue.OutcomeRepeat: "clue.outcome.repeat", clue.OutcomeToVerification: "clue.outcome.to_verification",
		clue.RecommendFileCase: "clue.recommend.file_case", clue.RecommendClose: "clue.recommend.close",
		clue.RecommendShelve: "clue.recommend.shelve", clue.RecommendTransfer: "clue.recommend.transfer",
		clue.CloseNoSubstance: "clue.close_reason.no_substance", clue.CloseUnknown: "clue.close_reason.unidentified",
		clue.CloseConcluded: "clue.close_reason.concluded", clue.CloseOther: "clue.close_reason.other",
	},
	"clue_closure": {clue.ClosureDirect: "clue.closure.direct", clue.ClosureAfterCheck: "clue.closure.after_check"},
	"clue_measure": {
		"talk": "clue.measure.talk", "inquiry": "clue.measure.inquiry", "query": "clue.measure.query", "obtain": "clue.measure.obtain",
		"inspect": "clue.measure.inspect", "appraisal": "clue.measure.appraisal", "explanation": "clue.measure.explanation",
		"personal_matters": "clue.measure.personal_matters", "copy_records": "clue.measure.copy_records",
		"asset_check": "clue.measure.asset_check",
	},
	"clue_doc": {
		clue.DocDisposalPlan: "clue.doc.disposal_plan", clue.DocVerificationPlan: "clue.doc.verification_plan",
		clue.DocVerificationRpt: "clue.doc.verification_report", clue.DocTalkRecord: "clue.doc.talk_record",
		clue.DocInquiryLetter: "clue.doc.inquiry_letter", clue.DocInquiryReply: "clue.doc.inquiry_reply",
		clue.DocInquiryReport: "clue.doc.inquiry_report", clue.DocFeedbackLetter: "clue.doc.feedback_letter",
		clue.DocClarification: "clue.doc.clarification", clue.DocEscalationRequest: "clue.doc.escalation_request",
		clue.DocMeetingDecision: "clue.doc.meeting_decision",
	},
	"clue_role":  {"team_member": "clue.role.team_member", "joint_member": "clue.role.joint_member"},
	"clue_level": {clue.EscalateAreaGroup: "clue.level.area_group", clue.EscalateCounty: "clue.level.county"},
	"recon": {
		"received": "ledger.recon.received", "disposed": "ledger.recon.disposed", "inquiry": "ledger.recon.inquiry",
		"verification": "ledger.recon.verification", "shelve": "ledger.recon.shelve", "close": "ledger.recon.close",
		"forwarded": "ledger.recon.forwarded", "pending": "ledger.recon.pending", "overdue": "ledger.recon.overdue",
		"escalated": "ledger.recon.escalated", "joint": "ledger.recon.joint",
	},
	"meeting_status": {string(clue.MeetingOpen): "meeting.status.open", string(clue.MeetingClosed): "meeting.status.closed"},
}

// clueQuery reads the ledger filters of the ledger page.
func clueQuery(q url.Values) app.LedgerQuery {
	var status []string
	if st := q.Get("status"); st != "" {
		status = []string{st}
	}
	return app.LedgerQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"), Source: q.Get("source"), Category: q.Get("category"),
		Mode: q.Get("mode"), Owner: q.Get("owner"), Status: status, Overdue: q.Get("overdue") == "1", Mass: q.Get("mass") == "1",
		From: q.Get("from"), To: q.Get("to"), Month: q.Get("month"), Q: q.Get("q"), Recon: q.Get("recon"), ReconUnit: q.Get("row")}
}

func (s *Server) clueList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermClueRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	f, err := s.app.LedgerFilter(r.Context(), p, clueQuery(q))
	if err != nil && !apperr.Is(err, apperr.Invalid) {
		return err
	}
	var rows []clue.Clue
	var total int
	var filterErr string
	v := s.newView(r, "clues.title", "clues", nil)
	if err != nil {
		e := apperr.As(err)
		filterErr = v.T("error.invalid")
		for f, k := range e.Fields {
			filterErr += " " + v.T("field."+f) + ": " + v.T(k)
		}
	} else {
		f.Page = store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}
		if rows, total, err = s.app.ListClues(r.Context(), p, f); err != nil {
			return err
		}
	}
	sources, err := s.app.ClueSources()
	if err != nil {
		return err
	}
	groups, _, err := s.app.ListAreaGroups(r.Context(), p, store.AreaFilter{Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermClueRead), store.UnitFilter{Kinds: handlingKinds(),
		Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Rows": rows, "Total": total, "Limit": 50, "Offset": f.Page.Offset, "Sources": sources,
		"Statuses": clue.Statuses(), "Modes": clue.Modes(), "Categories": s.app.Intake.Categories, "Groups": groups, "Units": units,
		"Export": "/clues/ledger.xlsx?" + q.Encode(), "Now": s.app.Now()}
	v.Error, v.Form = filterErr, q
	return s.render(w, http.StatusOK, "clues.html", v)
}

// SourceName returns the display name of a clue source code.
func (v *view) SourceName(code string) string {
	srcs, _ := clue.Sources()
	for _, s := range srcs {
		if s.Code == code {
			if v.Lang == "en" {
				return s.NameEN
			}
			return s.NameZH
		}
	}
	return code
}

func (s *Server) clueNew(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermClueRegister) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return s.render(w, http.StatusOK, "clue_form.html", s.clueFormView(r))
}

func (s *Server) clueFormView(r *http.Request) *view {
	srcs, _ := s.app.ClueSources()
	return s.newView(r, "clue.new_title", "clues", map[string]any{"Sources": srcs, "Categories": s.app.Intake.Categories,
		"Levels": intake.Levels()})
}

func (s *Server) clueCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := clue.Input{Source: f.Get("source"), SourceRef: f.Get("source_ref"), Title: f.Get("title"), Content: f.Get("content"),
		Subject: clue.Subject{Name: f.Get("subject_name"), Unit: f.Get("subject_unit"), Post: f.Get("subject_post"),
			Level: f.Get("subject_level")},
		Category: f.Get("category"), MassInterest: f.Get("mass") == "1", UpperLevel: f.Get("upper") == "1"}
	c, err := s.app.RegisterClue(r.Context(), principal(r), in)
	if err != nil {
		return s.formError(w, r, err, "clue_form.html", s.clueFormView(r))
	}
	return s.redirect(w, r, "/clues/"+itoa(c.ID), "flash.clue_registered")
}

func (s *Server) clueFromReport(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.RegisterClueFromReport(r.Context(), principal(r), id, r.PostForm.Get("mass") == "1", r.PostForm.Get("split") == "1")
	if err != nil {
		return s.refusal(w, r, "/reports/"+itoa(id), err)
	}
	return s.redirect(w, r, "/clues/"+itoa(c.ID), "flash.clue_registered")
}

func (s *Server) clueShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	d, err := s.app.ClueDetail(r.Context(), p, id)
	if err != nil {
		return err
	}
	// The forms' choices (the county's units and handlers), only for
	// those who act on the clue or see a proposal naming them.
	var choices app.ClueChoices
	if len(d.Actions) > 0 || d.Clue.Pending != nil {
		if choices, err = s.app.ClueChoicesFor(r.Context(), p, d.Clue); err != nil {
			return err
		}
	}
	var source any
	if d.Clue.SourceType == "report" {
		if rep, err := s.app.GetReport(r.Context(), p, d.Clue.SourceID); err == nil {
			source = rep
		}
	}
	// The filing card's lead units, for a clue awaiting filing.
	var filingUnits []org.Unit
	if d.Clue.Status == clue.StatusCasePending && p.Can(auth.PermCaseFile) {
		if filingUnits, _, err = s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermCaseFile), store.UnitFilter{Kinds: handlingKinds(),
			Page: store.Page{Limit: 500}}); err != nil {
			return err
		}
	}
	v := s.newView(r, "clue.title", "clues", map[string]any{"D": d, "FilingUnits": filingUnits, "C": d.Clue, "Choices": choices, "Source": source,
		"Modes": clue.Modes(), "InquiryOutcomes": clue.InquiryOutcomes(), "Recommendations": clue.Recommendations(),
		"CloseReasons": clue.CloseReasons(), "Measures": clue.MeasureKinds(), "Letters": clue.LetterKinds(),
		"Today": s.app.Today(), "Pending": d.Clue.Pending})
	return s.render(w, http.StatusOK, "clue.html", v)
}

func (s *Server) clueAct(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	in := app.ClueAction{Op: clue.Op(f.Get("op")), Version: formInt(f.Get("version")), UnitID: formInt(f.Get("unit_id")),
		OwnerID: formInt(f.Get("owner_id")), Mode: clue.Mode(f.Get("mode")), Form: f.Get("form"), Team: formIDs(f["team"]),
		Closure: f.Get("closure"), ShelveUntil: f.Get("shelve_until"), Level: f.Get("level"), Outcome: f.Get("outcome"),
		Date: f.Get("date"), Text: f.Get("text"), Addressee: f.Get("addressee"), Countersigned: f.Get("countersigned") == "1",
		MeasureKind: f.Get("measure_kind"), DocKind: f.Get("doc_kind"), Members: formIDs(f["members"]), Until: f.Get("until")}
	p := principal(r)
	if _, err := s.app.ClueAct(r.Context(), p, id, in); err != nil {
		return s.refusal(w, r, "/clues/"+itoa(id), err)
	}
	if _, err := s.app.GetClue(r.Context(), p, id); err != nil {
		return s.redirect(w, r, "/clues", "flash.clue_done") // recused, or no longer in reach
	}
	return s.redirect(w, r, "/clues/"+itoa(id), "flash.clue_done")
}

// ClueNote shows an event note: codes of the clue domain (a mode, an
// outcome, a measure, a document kind, an escalation level), alone or as
// the last word of the note, in words; other text as written.
func (v *view) ClueNote(note string) string {
	head, last := "", note
	if i := strings.LastIndexByte(note, ' '); i >= 0 {
		head, last = note[:i+1], note[i+1:]
	}
	for _, g := range []string{"clue_mode", "clue_outcome", "clue_measure", "clue_doc", "clue_level"} {
		if k, ok := clueLabelKeys[g][last]; ok {
			return head + v.T(k)
		}
	}
	return note
}

// handlingKinds are the kinds of unit that hold clues.
func handlingKinds() []org.Kind {
	return []org.Kind{org.KindCommission, org.KindOffice, org.KindDispatched, org.KindTownship, org.KindCaseManagement}
}

// formIDs parses repeated id fields (selects with multiple choices, or one
// comma-separated text), skipping blanks and bad values.
func formIDs(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if n := formInt(part); n > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

// download sets the headers of a file download with a (Chinese) file name.
func download(w http.ResponseWriter, name, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}

// xlsxType is the media type of .xlsx files.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) clueExport(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	f, err := s.app.LedgerFilter(r.Context(), p, clueQuery(r.URL.Query()))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := s.app.ExportClueLedger(r.Context(), p, f, &buf); err != nil {
		return err
	}
	download(w, "问题线索台账-"+s.app.Today()+".xlsx", xlsxType)
	_, err = buf.WriteTo(w)
	return err
}

func (s *Server) clueReconciliation(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	q := r.URL.Query()
	month := q.Get("month")
	if month == "" {
		month = s.app.Now().In(s.app.Loc).Format("2006-01")
	}
	rec, err := s.app.ClueReconciliation(r.Context(), p, formInt(q.Get("unit")), month)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.redirectError(w, r, "/clues/reconciliation", apperr.As(err))
		}
		return err
	}
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermClueRead), store.UnitFilter{
		Kinds: []org.Kind{org.KindCommission, org.KindTownship}, Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	v := s.newView(r, "ledger.title", "clues", map[string]any{"R": rec, "Columns": store.ReconColumns(), "Units": units,
		"Month": month})
	v.Form = q
	return s.render(w, http.StatusOK, "clue_reconciliation.html", v)
}

// ReconCount is a reconciliation cell for the template.
func (v *view) ReconCount(row store.ReconRow, col store.ReconColumn) int { return row.Count(col) }

func (s *Server) meetingMinutes(format string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		name, err := s.app.MeetingMinutes(r.Context(), principal(r), id, format, &buf)
		if err != nil {
			return err
		}
		ct := xlsxType
		if format == "docx" {
			ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		}
		download(w, name, ct)
		_, err = buf.WriteTo(w)
		return err
	}
}
