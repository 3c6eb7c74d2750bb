package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// caseRoutes registers the staff pages of the cases (案件): the case
// ledger, filing (directly or from a clue awaiting filing), the case page
// and its workflow actions.
func (s *Server) caseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /cases", s.authed(s.caseList))
	mux.Handle("GET /cases/new", s.authed(s.caseNew))
	mux.Handle("GET /cases/import", s.authed(s.caseImportPage))
	mux.Handle("POST /cases/import", s.authed(s.caseImportPost))
	mux.Handle("GET /cases/measures", s.authed(s.caseMeasures))
	mux.Handle("POST /cases", s.authed(s.caseCreate))
	mux.Handle("GET /cases/{id}", s.authed(s.caseShow))
	mux.Handle("POST /cases/{id}/act", s.authed(s.caseAct))
	mux.Handle("POST /cases/{id}/subjects/{sid}/outcome", s.authed(s.caseOutcome))
	mux.Handle("GET /cases/{id}/documents/{doc}", s.authed(s.caseDocument))
}

// caseLabelKeys maps the codes of the case domain to their message keys,
// by group (see labelKeys). The keys are literals so that the catalogue
// test finds them.
var caseLabelKeys = map[string]map[string]string{
	"case_status": {
		string(casework.StatusFilingReview): "case.status.filing_review", string(casework.StatusInvestigation): "case.status.investigation",
		string(casework.StatusReportReview): "case.status.report_review", string(casework.StatusReviewPending): "case.status.review_pending",
		string(casework.StatusReview): "case.status.review", string(casework.StatusSupplementary): "case.status.supplementary",
		string(casework.StatusReviewReport): "case.status.review_report", string(casework.StatusDecision): "case.status.decision",
		string(casework.StatusExecution): "case.status.execution", string(casework.StatusProsecutionSuppl): "case.status.prosecution_suppl",
		string(casework.StatusClosed): "case.status.closed", string(casework.StatusAppeal): "case.status.appeal",
		string(casework.StatusWithdrawn): "case.status.withdrawn", string(casework.StatusRefused): "case.status.refused",
		string(casework.StatusMerged): "case.status.merged",
	},
	"case_op": {
		"file":                           "caseweb.op.file",
		string(casework.OpApproveFiling): "case.op.approve_filing", string(casework.OpRefuseFiling): "case.op.refuse_filing",
		string(casework.OpMerge): "case.op.merge", string(casework.OpFormTeam): "case.op.form_team",
		string(casework.OpApprovePlan): "case.op.approve_plan", string(casework.OpTakeMeasure): "case.op.take_measure",
		string(casework.OpExtendMeasure): "case.op.extend_measure", string(casework.OpEndMeasure): "case.op.end_measure",
		string(casework.OpRecordDocument): "case.op.record_document", string(casework.OpSubmitReport): "case.op.submit_report",
		string(casework.OpApproveReport): "case.op.approve_report", string(casework.OpReturnReport): "case.op.return_report",
		string(casework.OpAcceptReview): "case.op.accept_review", string(casework.OpRejectTransfer): "case.op.reject_transfer",
		string(casework.OpExtendReview): "case.op.extend_review", string(casework.OpJointReview): "case.op.joint_review",
		string(casework.OpResolveFinding): "case.op.resolve_finding", string(casework.OpReturnSuppl): "case.op.return_supplementary",
		string(casework.OpFinishSuppl): "case.op.finish_supplementary", string(casework.OpSubmitReview): "case.op.submit_review_report",
		string(casework.OpApproveReview): "case.op.approve_review_report", string(casework.OpReturnReview): "case.op.return_review_report",
		string(casework.OpDecide): "case.op.decide", string(casework.OpReturnDecision): "case.op.return_decision",
		string(casework.OpAnnounce): "case.op.announce", string(casework.OpRecordExecution): "case.op.record_execution",
		string(casework.OpReportExecution): "case.op.report_execution", string(casework.OpTransfer): "case.op.transfer_prosecution",
		string(casework.OpProsecutionReturn): "case.op.prosecution_return", string(casework.OpProsecutionResend): "case.op.prosecution_resend",
		string(casework.OpClose): "case.op.close", string(casework.OpWithdraw): "case.op.withdraw",
		string(casework.OpAcceptAppeal): "case.op.accept_appeal", string(casework.OpFormAppealTeam): "case.op.form_appeal_team",
		string(casework.OpDecideAppeal): "case.op.decide_appeal", "merge_in": "case.op.merge_in",
	},
	"appeal_outcome": {
		casework.AppealUpheld: "casereview.appeal.upheld", casework.AppealChanged: "casereview.appeal.changed",
		casework.AppealRevoked: "casereview.appeal.revoked",
	},
	"case_role": {
		string(casework.RoleInvestigationLeader): "case.role.investigation_leader", string(casework.RoleInvestigator): "case.role.investigator",
		string(casework.RoleReviewLeader): "case.role.review_leader", string(casework.RoleReviewer): "case.role.reviewer",
		string(casework.RoleJointReviewer): "case.role.joint_reviewer", string(casework.RoleAppealLeader): "case.role.appeal_leader",
		string(casework.RoleAppealMember): "case.role.appeal_member",
	},
	"case_measure": {
		string(casework.MeasureCompulsoryAppearance): "case.measure.compulsory_appearance",
		string(casework.MeasureAwaitInvestigation):   "case.measure.await_investigation", string(casework.MeasureCustody): "case.measure.custody",
		string(casework.MeasureDetention): "case.measure.detention", string(casework.MeasureTalk): "case.measure.talk",
		string(casework.MeasureInterrogation): "case.measure.interrogation", string(casework.MeasureWitness): "case.measure.witness",
		string(casework.MeasureQueryFreeze): "case.measure.query_freeze", string(casework.MeasureSearch): "case.measure.search",
		string(casework.MeasureSeize): "case.measure.seize", string(casework.MeasureInspection): "case.measure.inspection",
		string(casework.MeasureAppraisal): "case.measure.appraisal", string(casework.MeasureTechnical): "case.measure.technical",
		string(casework.MeasureWanted): "case.measure.wanted", string(casework.MeasureExitRestriction): "case.measure.exit_restriction",
	},
	"case_approval": {
		string(casework.ApprovalPrincipal): "case.approval.principal", string(casework.ApprovalCollective): "case.approval.collective",
		string(casework.ApprovalUpper): "case.approval.upper", string(casework.ApprovalNational): "case.approval.national",
	},
	"case_extension": {
		string(casework.ExtendOrdinary): "case.extension.extend", string(casework.ExtendFurther): "case.extension.further",
		string(casework.ExtendRecalculate): "case.extension.recalculate", string(casework.ExtendFollowOn): "case.extension.follow_on",
	},
	"case_level": {
		string(casework.LevelCounty): "caseweb.level.county", string(casework.LevelCity): "caseweb.level.city",
		string(casework.LevelProvince): "caseweb.level.province", string(casework.LevelNational): "caseweb.level.national",
	},
	"case_form": {"0": "case.form.0", "1": "case.form.1", "2": "case.form.2", "3": "case.form.3", "4": "case.form.4"},
	"case_party": {
		string(casework.PartyWarning): "case.party.warning", string(casework.PartySeriousWarning): "case.party.serious_warning",
		string(casework.PartyRemoval): "case.party.removal", string(casework.PartyProbation): "case.party.probation",
		string(casework.PartyExpulsion): "case.party.expulsion",
	},
	"case_gov": {
		string(casework.GovWarning): "case.gov.warning", string(casework.GovDemerit): "case.gov.demerit",
		string(casework.GovMajorDemerit): "case.gov.major_demerit", string(casework.GovDemotion): "case.gov.demotion",
		string(casework.GovDismissal): "case.gov.dismissal", string(casework.GovExpulsion): "case.gov.expulsion",
	},
	"case_org": {
		string(casework.OrgSuspension): "case.org.suspension", string(casework.OrgAdjustment): "case.org.adjustment",
		string(casework.OrgResignation): "case.org.resignation", string(casework.OrgRemoval): "case.org.removal",
		string(casework.OrgDemotion): "case.org.demotion",
	},
	"case_first": {
		string(casework.FirstReminderTalk): "case.first.reminder_talk", string(casework.FirstWarningTalk): "case.first.warning_talk",
		string(casework.FirstCriticism): "case.first.criticism", string(casework.FirstStop): "case.first.stop",
		string(casework.FirstSurrender): "case.first.surrender_gains", string(casework.FirstRectify): "case.first.rectify",
		string(casework.FirstSelfReview): "case.first.self_review", string(casework.FirstLifeMeeting): "case.first.life_meeting",
		string(casework.FirstApology): "case.first.apology", string(casework.FirstCirculated): "case.first.circulated",
		string(casework.FirstAdmonish): "case.first.admonish", string(casework.FirstOther): "case.first.other",
	},
	"span_unit": {
		string(calendar.WorkingDays): "caseweb.unit.working_days", string(calendar.CalendarDays): "caseweb.unit.calendar_days",
		string(calendar.Months): "caseweb.unit.months", string(calendar.Hours): "caseweb.unit.hours",
	},
}

// caseTextOps are the actions whose form is a text alone (a reason, plan,
// report or note); the keys say what the text is.
var caseTextOps = map[casework.Op]string{
	casework.OpApproveFiling: "caseweb.text.opinion", casework.OpRefuseFiling: "caseweb.text.reason",
	casework.OpApprovePlan: "caseweb.text.plan", casework.OpSubmitReport: "caseweb.text.report",
	casework.OpApproveReport: "caseweb.text.opinion", casework.OpReturnReport: "caseweb.text.reason",
	casework.OpRejectTransfer: "caseweb.text.reason", casework.OpReturnSuppl: "caseweb.text.items",
	casework.OpFinishSuppl: "caseweb.text.report", casework.OpWithdraw: "caseweb.text.reason",
	casework.OpMerge: "caseweb.text.reason", casework.OpRecordDocument: "casereview.doc_body",
	casework.OpJointReview: "caseweb.text.opinion", casework.OpResolveFinding: "casereview.resolution",
	casework.OpProsecutionReturn: "caseweb.text.items", casework.OpProsecutionResend: "caseweb.text.report",
	casework.OpAcceptAppeal: "casereview.appeal_content", casework.OpDecideAppeal: "caseweb.text.opinion",
}

// CaseTextLabel is the label of the text field of an action's form.
func (v *view) CaseTextLabel(op casework.Op) string {
	if k, ok := caseTextOps[op]; ok {
		return v.T(k)
	}
	return v.T("field.text")
}

// CaseTextRequired reports whether an action's text must be given (the
// approvals take an optional opinion).
func (v *view) CaseTextRequired(op casework.Op) bool {
	return op != casework.OpApproveFiling && op != casework.OpApproveReport
}

// caseQuery reads the ledger filters of the case list.
func caseQuery(q url.Values) app.CaseQuery {
	var status []string
	if st := q.Get("status"); st != "" {
		status = []string{st}
	}
	return app.CaseQuery{Unit: q.Get("unit"), AreaGroup: q.Get("area_group"), Category: q.Get("category"), From: q.Get("from"),
		To: q.Get("to"), Status: status, Overdue: q.Get("overdue") == "1"}
}

func (s *Server) caseList(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermCaseRead) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	q := r.URL.Query()
	v := s.newView(r, "caseweb.list_title", "cases", nil)
	f, err := s.app.CaseFilter(r.Context(), p, caseQuery(q))
	if err != nil && !apperr.Is(err, apperr.Invalid) && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	var rows []store.CaseRow
	var total int
	var filterErr string
	if err != nil {
		e := apperr.As(err)
		filterErr = v.T(e.Key, e.Args...)
		for f, k := range e.Fields {
			filterErr += " " + v.T("field."+f) + ": " + v.T(k)
		}
	} else {
		f.Page = store.Page{Limit: 50, Offset: int(formInt(q.Get("offset")))}
		if rows, total, err = s.app.ListCases(r.Context(), p, f); err != nil {
			return err
		}
	}
	groups, _, err := s.app.ListAreaGroups(r.Context(), p, store.AreaFilter{Page: store.Page{Limit: 200}})
	if err != nil {
		return err
	}
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermCaseRead), store.UnitFilter{Kinds: handlingKinds(),
		Page: store.Page{Limit: 500}})
	if err != nil {
		return err
	}
	// Leaders (case.approve) see the running measures past due as a warning.
	late, err := s.app.OverdueMeasures(r.Context(), p)
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Rows": rows, "Total": total, "Limit": 50, "Offset": f.Page.Offset, "Statuses": casework.Statuses(),
		"Categories": s.app.Intake.Categories, "Groups": groups, "Units": units, "OverdueMeasures": late}
	v.Error, v.Form = filterErr, q
	return s.render(w, http.StatusOK, "cases.html", v)
}

// caseSubjectRows is the number of subject rows of the filing form; blank
// rows are skipped.
const caseSubjectRows = 3

func (s *Server) caseNew(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if !p.Can(auth.PermCaseFile) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	v, err := s.caseFormView(r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "case_form.html", v)
}

// caseFormView is the filing form: the lead units in the caller's
// case.file scope, the key fields and the subject rows.
func (s *Server) caseFormView(r *http.Request) (*view, error) {
	p := principal(r)
	units, _, err := s.app.Store.ListUnits(r.Context(), p.ScopeFor(auth.PermCaseFile), store.UnitFilter{Kinds: handlingKinds(),
		Page: store.Page{Limit: 500}})
	if err != nil {
		return nil, err
	}
	rows := make([]int, caseSubjectRows)
	for i := range rows {
		rows[i] = i
	}
	return s.newView(r, "caseweb.new_title", "cases", map[string]any{"Units": units, "Categories": s.app.Intake.Categories,
		"SubjectRows": rows}), nil
}

func (s *Server) caseCreate(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	in := casework.Input{LeadUnitID: formInt(f.Get("lead_unit_id")), Category: f.Get("category"), Cause: f.Get("cause"),
		Summary: f.Get("summary"), ClueID: formInt(f.Get("clue_id")), DirectReason: f.Get("direct_reason"),
		Supervision: f.Get("supervision") == "1"}
	names, posts, units, ranks, cats := f["subject_name"], f["subject_post"], f["subject_unit"], f["subject_rank"], f["subject_category"]
	at := func(vals []string, i int) string {
		if i < len(vals) {
			return vals[i]
		}
		return ""
	}
	for i := range names {
		if at(names, i) == "" && at(posts, i) == "" {
			continue
		}
		in.Subjects = append(in.Subjects, casework.SubjectInput{Name: at(names, i), Post: at(posts, i), Unit: at(units, i),
			Rank: at(ranks, i), Category: at(cats, i), PartyMember: slices.Contains(f["subject_party"], fmt.Sprint(i))})
	}
	p := principal(r)
	c, err := s.app.FileCase(r.Context(), p, in)
	if err != nil {
		if in.ClueID > 0 {
			return s.refusal(w, r, "/clues/"+itoa(in.ClueID), err)
		}
		v, verr := s.caseFormView(r)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "case_form.html", v)
	}
	return s.redirect(w, r, "/cases/"+itoa(c.ID), "flash.case_filed")
}

// SubjectError returns the translated error of a field of the i-th subject
// row of the filing form, or "".
func (v *view) SubjectError(i int, field string) string {
	return v.FieldError(fmt.Sprintf("subjects[%d].%s", i, field))
}

// FormAt returns the i-th value of a repeated form field (re-rendering the
// subject rows).
func (v *view) FormAt(name string, i int) string {
	if vals := v.Form[name]; i < len(vals) {
		return vals[i]
	}
	return ""
}

// caseChoices are the people a case's forms offer: the users of the case's
// county who may investigate (form_team) and review (accept_review).
type caseChoices struct {
	Handlers  []auth.User
	Reviewers []auth.User
	Targets   []store.CaseRow // merge: cases of the ledger under investigation
}

// caseChoicesFor loads the choices of the actions allowed now, from the
// county of the case's lead unit. The services check every choice again.
func (s *Server) caseChoicesFor(ctx context.Context, p auth.Principal, d app.CaseDetail) (caseChoices, error) {
	var out caseChoices
	need := func(op casework.Op) bool { return slices.Contains(d.Actions, op) }
	if need(casework.OpMerge) {
		// Through the caller's own case scope (recusal included).
		rows, _, err := s.app.ListCases(ctx, p, store.CaseFilter{UnitPath: d.Case.LeadUnitPath,
			Status: []casework.Status{casework.StatusInvestigation}, Page: store.Page{Limit: 200}})
		if err != nil {
			return out, err
		}
		for _, c := range rows {
			if c.ID != d.Case.ID && c.LedgerUnitID == d.Case.LedgerUnitID {
				out.Targets = append(out.Targets, c)
			}
		}
	}
	people := need(casework.OpJointReview) || need(casework.OpFormAppealTeam)
	if !need(casework.OpFormTeam) && !need(casework.OpAcceptReview) && !people {
		return out, nil
	}
	lead, err := s.app.Store.GetUnit(ctx, d.Case.LeadUnitID)
	if err != nil {
		return out, err
	}
	root := lead
	if county, err := s.app.Store.CountyOf(ctx, lead); err == nil {
		root = county
	}
	sc := auth.Scope{Prefixes: []string{root.Path}}
	if need(casework.OpFormTeam) || people {
		if out.Handlers, _, err = s.app.Store.ListUsers(ctx, sc, store.UserFilter{Permission: auth.PermCaseHandle,
			Page: store.Page{Limit: 500}}); err != nil {
			return out, err
		}
	}
	if need(casework.OpAcceptReview) || people {
		if out.Reviewers, _, err = s.app.Store.ListUsers(ctx, sc, store.UserFilter{Permission: auth.PermCaseReview,
			Page: store.Page{Limit: 500}}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// caseMeasureRow is a measure with its subject's name and clocks for the
// case page.
type caseMeasureRow struct {
	casework.Measure
	Subject string
	Clocks  []app.RecordClock
}

func (s *Server) caseShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	d, err := s.app.CaseDetail(r.Context(), p, id)
	if err != nil {
		return err
	}
	choices, err := s.caseChoicesFor(r.Context(), p, d)
	if err != nil {
		return err
	}
	var measures, running []caseMeasureRow
	for _, m := range d.Measures {
		row := caseMeasureRow{Measure: m}
		for _, sj := range d.Case.Subjects {
			if sj.ID == m.SubjectID {
				row.Subject = sj.Name
			}
		}
		for _, k := range d.MeasureClocks {
			if k.ObjectType == "measure" && k.ObjectID == m.ID {
				row.Clocks = append(row.Clocks, k)
			}
		}
		measures = append(measures, row)
		if m.EndedAt.IsZero() {
			running = append(running, row)
		}
	}
	var kinds []casework.MeasureKind
	for _, mr := range casework.MeasureRules() {
		kinds = append(kinds, mr.Kind)
	}
	v := s.newView(r, "case.title", "cases", map[string]any{"D": d, "C": d.Case, "Choices": choices, "Measures": measures,
		"Running": running, "Kinds": kinds, "Today": s.app.Today(),
		"Levels":     []casework.CommissionLevel{casework.LevelCounty, casework.LevelCity, casework.LevelProvince, casework.LevelNational},
		"Approvals":  []casework.ApprovalLevel{casework.ApprovalPrincipal, casework.ApprovalCollective, casework.ApprovalUpper, casework.ApprovalNational},
		"Extensions": []casework.ExtensionKind{casework.ExtendOrdinary, casework.ExtendFurther, casework.ExtendRecalculate, casework.ExtendFollowOn},
		"SpanUnits":  []calendar.Unit{calendar.Months, calendar.CalendarDays, calendar.WorkingDays, calendar.Hours},
		"Outcomes": (d.Case.Status == casework.StatusReview && p.Can(auth.PermCaseReview)) ||
			(d.Case.Status == casework.StatusDecision && p.Can(auth.PermCaseApprove)),
		"Party": casework.PartySanctions(), "Gov": casework.GovSanctions(), "Org": casework.OrgActions(), "First": casework.FirstForms(),
		"DocKinds": stageKinds(d.Case.Status), "OpenFindings": casework.OpenFindings(d.Review.Findings),
		"AppealOutcomes": casework.AppealOutcomes(), "People": slices.Concat(choices.Handlers, choices.Reviewers)})
	return s.render(w, http.StatusOK, "case.html", v)
}

// caseOutcome records the outcome form of one subject (处理意见 in review,
// the decision in the decision state); amounts are typed in yuan.
func (s *Server) caseOutcome(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sid, err := pathID(r, "sid")
	if err != nil {
		return err
	}
	f := r.PostForm
	back := "/cases/" + itoa(id)
	o := casework.Outcome{SubjectID: sid, Party: casework.PartySanction(f.Get("party")), Gov: casework.GovSanction(f.Get("gov")),
		ProbationYears: int(formInt(f.Get("probation_years"))), Transferred: f.Get("transferred") == "1",
		Convicted: f.Get("convicted") == "1", Withdrawn: f.Get("withdrawn") == "1", Note: f.Get("note")}
	for _, v := range f["org"] {
		o.Org = append(o.Org, casework.OrgAction(v))
	}
	for _, v := range f["first"] {
		o.First = append(o.First, casework.FirstForm(v))
	}
	for field, dst := range map[string]*int64{"confiscated_fen": &o.ConfiscatedFen, "recovered_fen": &o.RecoveredFen,
		"ordered_fen": &o.OrderedFen, "returned_fen": &o.ReturnedFen} {
		fen, ok := yuanToFen(f.Get(field))
		if !ok {
			return s.refusal(w, r, back, apperr.InvalidField(field, "caseweb.amount_invalid"))
		}
		*dst = fen
	}
	if _, err := s.app.RecordOutcome(r.Context(), principal(r), id, sid, formInt(f.Get("version")), o); err != nil {
		return s.refusal(w, r, back, err)
	}
	return s.redirect(w, r, back, "flash.case_done")
}

// yuanToFen parses an amount in yuan with at most two decimals ("4,777.87",
// "12") into fen; empty is 0.
func yuanToFen(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.ContainsAny(whole+frac, "+-") {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// formApprovals reads the approvals of a measure form: the checked levels
// with who approved and the approval document, given at now.
func formApprovals(f url.Values, now time.Time) []casework.Approval {
	var out []casework.Approval
	for _, l := range f["approvals"] {
		out = append(out, casework.Approval{Level: casework.ApprovalLevel(l), By: f.Get("approval_by_" + l),
			Ref: f.Get("approval_ref"), At: now})
	}
	return out
}

func (s *Server) caseAct(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := r.PostForm
	now := s.app.Now()
	in := app.CaseAction{Op: casework.Op(f.Get("op")), Version: formInt(f.Get("version")), Text: f.Get("text"),
		Until: f.Get("until"), SubjectID: formInt(f.Get("subject_id")), Kind: casework.MeasureKind(f.Get("kind")),
		Level: casework.CommissionLevel(f.Get("level")), FollowedBy: casework.MeasureKind(f.Get("followed_by")),
		AudioVideo: f.Get("audio_video") == "1", MeasureID: formInt(f.Get("measure_id"))}
	if leader := formInt(f.Get("leader")); leader > 0 {
		in.Members = append(in.Members, leader)
	}
	in.Members = append(in.Members, formIDs(f["members"])...)
	switch in.Op {
	case casework.OpTakeMeasure:
		in.Approvals = formApprovals(f, now)
		if st := f.Get("started_at"); st != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", st, s.app.Loc)
			if err != nil {
				return s.redirectError(w, r, "/cases/"+itoa(id), apperr.As(apperr.InvalidField("started_at", "case.date_invalid")))
			}
			in.StartedAt = t
		}
	case casework.OpExtendMeasure:
		in.Extension = casework.MeasureExtension{Kind: casework.ExtensionKind(f.Get("extension")),
			By: calendar.Span{Amount: int(formInt(f.Get("amount"))), Unit: calendar.Unit(f.Get("unit"))}, Approvals: formApprovals(f, now),
			Reason: f.Get("text")}
	case casework.OpExtendReview:
		in.Extension = casework.MeasureExtension{By: calendar.Span{Amount: int(formInt(f.Get("amount"))), Unit: calendar.Unit(f.Get("unit"))},
			Reason: f.Get("text")}
	case casework.OpMerge:
		in.TargetID = formInt(f.Get("target_id"))
	case casework.OpRecordDocument:
		in.DocKind, in.Title, in.DocDate = f.Get("doc_kind"), f.Get("title"), f.Get("doc_date")
	case casework.OpJointReview:
		items, err := casework.Checklist()
		if err != nil {
			return err
		}
		for _, it := range items {
			if txt := strings.TrimSpace(f.Get("finding_" + it.Code)); txt != "" {
				in.Findings = append(in.Findings, casework.FindingInput{Item: it.Code, Text: txt})
			}
		}
	case casework.OpResolveFinding:
		in.FindingID = formInt(f.Get("finding_id"))
	case casework.OpDecideAppeal:
		in.AppealOutcome = f.Get("appeal_outcome")
		if in.AppealOutcome == casework.AppealChanged {
			o := casework.Outcome{Party: casework.PartySanction(f.Get("party")), Gov: casework.GovSanction(f.Get("gov")),
				ProbationYears: int(formInt(f.Get("probation_years")))}
			for _, v := range f["org"] {
				o.Org = append(o.Org, casework.OrgAction(v))
			}
			for _, v := range f["first"] {
				o.First = append(o.First, casework.FirstForm(v))
			}
			in.Outcome = &o
		}
	}
	p := principal(r)
	if _, err := s.app.CaseAct(r.Context(), p, id, in); err != nil {
		return s.refusal(w, r, "/cases/"+itoa(id), err)
	}
	if _, err := s.app.GetCase(r.Context(), p, id); err != nil {
		return s.redirect(w, r, "/cases", "flash.case_done") // no longer in reach
	}
	return s.redirect(w, r, "/cases/"+itoa(id), "flash.case_done")
}

// stageKinds are the document kinds a team may record by hand in a state.
func stageKinds(st casework.Status) []casework.DocKind {
	d, err := casework.LoadData()
	if err != nil {
		return nil
	}
	var out []casework.DocKind
	for _, k := range d.DocKinds {
		if slices.Contains(casework.DocStagesOf(st), k.Stage) {
			out = append(out, k)
		}
	}
	return out
}

// caseDocument is a document's print-ready page.
func (s *Server) caseDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, err := pathID(r, "doc")
	if err != nil {
		return err
	}
	pr, err := s.app.CaseDocument(r.Context(), principal(r), id, doc)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "case_document.html", s.newView(r, "casereview.print_title", "cases", pr))
}

// CheckItemName returns the display name of a checklist item.
func (v *view) CheckItemName(code string) string {
	items, err := casework.Checklist()
	if err != nil {
		return code
	}
	for _, it := range items {
		if it.Code == code {
			if v.Lang == "en" {
				return it.NameEN
			}
			return it.NameZH
		}
	}
	return code
}

// SubjectCategoryName returns the display name of a subject category code.
func (v *view) SubjectCategoryName(code string) string {
	d, err := casework.LoadData()
	if err != nil {
		return code
	}
	if c, ok := d.Category(code); ok {
		if v.Lang == "en" {
			return c.NameEN
		}
		return c.NameZH
	}
	return code
}

// RankName returns the display name of a rank code.
func (v *view) RankName(code string) string {
	d, _ := casework.LoadData()
	for _, r := range d.Ranks {
		if r.Code == code {
			if v.Lang == "en" {
				return r.NameEN
			}
			return r.NameZH
		}
	}
	return code
}

// DocKindName returns the display name of a case document kind.
func (v *view) DocKindName(code string) string {
	d, _ := casework.LoadData()
	for _, k := range d.DocKinds {
		if k.Code == code {
			if v.Lang == "en" {
				return k.NameEN
			}
			return k.NameZH
		}
	}
	return code
}

// CaseData returns the subject categories and ranks for the filing forms.
func (v *view) CaseData() casework.Data {
	d, _ := casework.LoadData()
	return d
}

// SubjectForm returns the form (四种形态) of a subject's outcome in words.
func (v *view) SubjectForm(o casework.Outcome) string {
	return v.L("case_form", fmt.Sprint(int(casework.FormOf(o).Form)))
}

// CaseNote shows an event note: a measure or extension code as the last
// word of the note in words; other text as written.
func (v *view) CaseNote(note string) string {
	head, last := "", note
	for i := len(note) - 1; i >= 0; i-- {
		if note[i] == ' ' {
			head, last = note[:i+1], note[i+1:]
			break
		}
	}
	for _, g := range []string{"case_measure", "case_extension"} {
		if k, ok := caseLabelKeys[g][last]; ok {
			if head == "" {
				return v.T(k)
			}
			return v.CaseNote(head[:len(head)-1]) + " " + v.T(k)
		}
	}
	return note
}
