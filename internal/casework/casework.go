// Package casework is case work (审查调查与案件审理): cases filed from a
// verified clue or directly, numbered per unit and year, with their
// subjects (被审查调查人), investigation and review teams, measures with the
// statutory limits of the Supervision Law 2024 ([SL2024] Arts. 46–50),
// documents, and the outcome of every subject: party and government
// sanctions, organisational actions, first-form measures, transfer to
// prosecution, withdrawal, and funds. The four forms (四种形态) are derived
// from the heaviest measure per person (forms.go, domain.md §3.4).
//
// The package is pure: the workflow is a transition table (workflow.go),
// the subject categories, ranks and document kinds are data
// (subjects.json, documents.json), and every time limit comes from the
// calendar's limits tables. The store persists its types and the services
// apply its rules.
package casework

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
	"qingfeng/internal/textclean"
)

//go:embed subjects.json documents.json
var dataFS embed.FS

// NumberFmt renders case numbers: the filing unit's short name, the year
// and the per-unit yearly sequence, e.g. 永纪案〔2026〕12号.
const NumberFmt = "%s纪案〔%d〕%d号"

// Number renders a case number with NumberFmt.
func Number(unitShort string, year, seq int) string {
	return fmt.Sprintf(NumberFmt, unitShort, year, seq)
}

// Case is one case (案件): filed by a lead unit (承办单位), numbered in
// the ledger unit's yearly sequence, usually from a clue.
type Case struct {
	ID             int64
	Number         string // e.g. 永纪案〔2026〕12号
	Year           int
	Seq            int
	LedgerUnitID   int64 // the commission whose sequence numbers it
	LeadUnitID     int64 // 承办单位
	LeadUnitName   string
	LeadUnitPath   string
	Category       string // key field (intake/categories.json)
	Cause          string // 案由
	Summary        string // the facts as known at filing
	ClueID         int64  // the clue it was filed from; 0 for a direct filing
	ClueNumber     string
	DirectReason   string // why it was filed without a clue (e.g. found in another case, transferred)
	Supervision    bool   // a supervision case (监察案件) under the Supervision Law: the supervision_case.decide clock runs
	Joint          bool   // investigated jointly by units of an area group (联合办案)
	AreaGroupID    int64
	Status         Status
	MergedInto     int64 // the case this one was merged into (并案)
	ProposedBy     int64
	FiledAt        time.Time // filing approved (立案日期)
	ReviewAt       time.Time // accepted by the review office
	DecidedAt      time.Time
	ClosedAt       time.Time // closed, withdrawn, refused or merged
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Subjects       []Subject
	SupplementaryN int // times returned for supplementary investigation by the procuratorate ([SL2024] Art. 54)
}

// Final reports whether the case has reached an end state of its workflow.
func (c Case) Final() bool { return slices.Contains(FinalStatuses(), c.Status) }

// Subject is a person investigated in a case (被审查调查人).
type Subject struct {
	ID          int64
	CaseID      int64
	Name        string
	Unit        string // the person's unit as text (工作单位)
	Post        string // 职务
	Rank        string // rank code (subjects.json ranks)
	Category    string // category code (subjects.json categories)
	PartyMember bool   // 中共党员: party sanctions apply
	UnitID      int64  // the person's unit in the organisation tree (recusal), 0 if outside it
	UnitPath    string
	Outcome     *Outcome // nil until decided
	// Form is the four form derived from Outcome with FormOf when the
	// outcome was recorded (FormNone without one).
	Form Form
	// The execution steps of the subject's decision, zero until done:
	// announced or served, executed, execution reported, transferred to
	// the procuratorate.
	AnnouncedAt   time.Time
	ExecutedAt    time.Time
	ReportedAt    time.Time
	TransferredAt time.Time
}

// Category is a subject category (人员类别, a row of subjects.json):
// whether the person is a supervised public official and which government
// sanctions the law allows for them ([PSL] Arts. 22–23).
type Category struct {
	Code         string   `json:"code"`
	NameZH       string   `json:"name_zh"`
	NameEN       string   `json:"name_en"`
	Supervised   bool     `json:"supervised"`
	GovSanctions []string `json:"gov_sanctions"`
	Source       string   `json:"source"`
	Note         string   `json:"note"`
}

// Rank is a cadre rank (职级, a row of subjects.json).
type Rank struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// DocKind is a kind of case document (a row of documents.json).
type DocKind struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Stage  string `json:"stage"` // filing, investigation, review, decision, execution, appeal
	Note   string `json:"note"`
}

// The subject category codes the rules refer to.
const (
	CategoryCivilServant    = "civil_servant"      // 公务员及参公管理人员
	CategoryAuthorisedOrg   = "authorised_org"     // 授权或受委托组织中从事公务的人员
	CategorySOEManager      = "soe_manager"        // 国有企业管理人员
	CategoryInstitution     = "public_institution" // 公办事业单位管理人员
	CategoryVillageCadre    = "village_cadre"      // 基层群众性自治组织中从事管理的人员
	CategoryOtherPublicDuty = "other_public_duty"  // 其他依法履行公职的人员
	CategoryPartyMember     = "party_member"       // 中共党员（非监察对象）
	CategoryOther           = "other"              // 其他人员
)

// Data is the embedded data of the package: subject categories, ranks and
// document kinds, in display order.
type Data struct {
	Categories []Category
	Ranks      []Rank
	DocKinds   []DocKind
}

// Category returns the category with the code.
func (d Data) Category(code string) (Category, bool) {
	for _, c := range d.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// LoadData parses subjects.json and documents.json strictly. An error
// means the embedded tables are broken (caught by the package tests).
func LoadData() (Data, error) {
	var d Data
	var subj struct {
		Categories []Category `json:"categories"`
		Ranks      []Rank     `json:"ranks"`
	}
	if err := decode("subjects.json", &subj); err != nil {
		return d, err
	}
	if err := decode("documents.json", &d.DocKinds); err != nil {
		return d, err
	}
	d.Categories, d.Ranks = subj.Categories, subj.Ranks
	codes := map[string]bool{}
	for i, c := range d.Categories {
		if c.Code == "" || c.NameZH == "" || c.NameEN == "" || c.Source == "" || codes["c:"+c.Code] {
			return d, fmt.Errorf("casework: subjects.json: category %d: empty or repeated code, name or source", i)
		}
		codes["c:"+c.Code] = true
		for _, s := range c.GovSanctions {
			if !slices.Contains(GovSanctions(), GovSanction(s)) {
				return d, fmt.Errorf("casework: subjects.json: category %s: unknown government sanction %q", c.Code, s)
			}
		}
		if !c.Supervised && len(c.GovSanctions) > 0 {
			return d, fmt.Errorf("casework: subjects.json: category %s: government sanctions for a person who is not supervised", c.Code)
		}
	}
	for i, r := range d.Ranks {
		if r.Code == "" || r.NameZH == "" || r.NameEN == "" || codes["r:"+r.Code] {
			return d, fmt.Errorf("casework: subjects.json: rank %d: empty or repeated code or name", i)
		}
		codes["r:"+r.Code] = true
	}
	stages := []string{"filing", "investigation", "review", "decision", "execution", "appeal"}
	for i, k := range d.DocKinds {
		if k.Code == "" || k.NameZH == "" || k.NameEN == "" || !slices.Contains(stages, k.Stage) || codes["d:"+k.Code] {
			return d, fmt.Errorf("casework: documents.json: row %d: empty or repeated code, name or unknown stage", i)
		}
		codes["d:"+k.Code] = true
	}
	return d, nil
}

func decode(name string, v any) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("casework: %s: %w", name, err)
	}
	return nil
}

// Role is a person's role on a case team. The values are part of the API.
type Role string

// The team roles.
const (
	RoleInvestigationLeader Role = "investigation_leader" // 审查调查组组长
	RoleInvestigator        Role = "investigator"         // 审查调查组成员
	RoleReviewLeader        Role = "review_leader"        // 审理组组长（主审人）
	RoleReviewer            Role = "reviewer"             // 审理组成员
	RoleJointReviewer       Role = "joint_reviewer"       // 案件质量联审人员（片区内其他单位）
	RoleAppealLeader        Role = "appeal_leader"        // 申诉复查组组长
	RoleAppealMember        Role = "appeal_member"        // 申诉复查组成员
)

// Roles lists the team roles in display order.
func Roles() []Role {
	return []Role{RoleInvestigationLeader, RoleInvestigator, RoleReviewLeader, RoleReviewer, RoleJointReviewer,
		RoleAppealLeader, RoleAppealMember}
}

// Investigates reports whether the role is on the investigation team.
func (r Role) Investigates() bool { return r == RoleInvestigationLeader || r == RoleInvestigator }

// Reviews reports whether the role reviews the case (review team or joint
// quality review).
func (r Role) Reviews() bool {
	return r == RoleReviewLeader || r == RoleReviewer || r == RoleJointReviewer
}

// Appeals reports whether the role is on the appeal team.
func (r Role) Appeals() bool { return r == RoleAppealLeader || r == RoleAppealMember }

// TeamMember is one person's participation in a case. Members from other
// units of the area group take part for a limited time (Until); every
// record is kept after it ends, so that the eligibility rules can see who
// ever investigated the case.
type TeamMember struct {
	CaseID   int64
	UserID   int64
	Name     string
	UnitID   int64
	UnitName string
	Role     Role
	From     time.Time
	Until    time.Time // zero: until the team's stage ends
	EndedAt  time.Time // zero: still on the team
}

// Active reports whether the membership is current at now.
func (m TeamMember) Active(now time.Time) bool {
	return m.EndedAt.IsZero() && !now.Before(m.From) && (m.Until.IsZero() || !now.After(m.Until))
}

// Document is a document recorded on a case, of a kind in documents.json.
type Document struct {
	ID         int64
	CaseID     int64
	SubjectID  int64 // 0 when it concerns the whole case
	Kind       string
	Title      string
	Body       string
	DocDate    string // YYYY-MM-DD
	AudioVideo bool   // the step it records was recorded on audio and video ([R2019] Art. 48; [SL2024] Art. 44)
	UserID     int64
	CreatedAt  time.Time
}

// Text sizes (characters).
const (
	MaxCause   = 200
	MaxSummary = 10000
	MaxName    = 50
	MaxPost    = 100
	MaxReason  = 1000
)

// SubjectInput is a subject as entered when a case is filed or a subject
// added.
type SubjectInput struct {
	Name        string
	Unit        string
	Post        string
	Rank        string
	Category    string
	PartyMember bool
	UnitID      int64
}

// Input is a new case as proposed for filing (立案请示).
type Input struct {
	LeadUnitID   int64
	Category     string // key field
	Cause        string
	Summary      string
	ClueID       int64 // 0: a direct filing, DirectReason required
	DirectReason string
	Supervision  bool
	Joint        bool
	AreaGroupID  int64 // required for a joint case
	Subjects     []SubjectInput
}

// Validate cleans and checks a new case against the key fields and the
// package data. Errors: invalid with field codes (subjects[i].field for a
// subject's fields).
func (in *Input) Validate(categories []string, d Data) error {
	var v apperr.Validation
	in.Cause = textclean.Line(in.Cause)
	in.Summary = textclean.Text(in.Summary)
	in.DirectReason = textclean.Text(in.DirectReason)
	if in.LeadUnitID <= 0 {
		v.Add("lead_unit_id", "case.lead_unit_required")
	}
	if !slices.Contains(categories, in.Category) {
		v.Add("category", "case.category_invalid")
	}
	if in.Cause == "" {
		v.Add("cause", "case.cause_required")
	} else if utf8.RuneCountInString(in.Cause) > MaxCause {
		v.Add("cause", "case.text_too_long")
	}
	if utf8.RuneCountInString(in.Summary) > MaxSummary {
		v.Add("summary", "case.text_too_long")
	}
	switch {
	case in.ClueID < 0:
		v.Add("clue_id", "case.clue_invalid")
	case in.ClueID == 0 && in.DirectReason == "":
		v.Add("direct_reason", "case.direct_reason_required")
	case utf8.RuneCountInString(in.DirectReason) > MaxReason:
		v.Add("direct_reason", "case.text_too_long")
	}
	if in.Joint && in.AreaGroupID <= 0 {
		v.Add("area_group_id", "case.area_group_required")
	}
	if len(in.Subjects) == 0 {
		v.Add("subjects", "case.subject_required")
	}
	for i := range in.Subjects {
		for field, key := range in.Subjects[i].check(d) {
			v.Add(fmt.Sprintf("subjects[%d].%s", i, field), key)
		}
	}
	return v.Err()
}

// Validate cleans and checks one subject. Errors: invalid with field codes.
func (s *SubjectInput) Validate(d Data) error {
	var v apperr.Validation
	for field, key := range s.check(d) {
		v.Add(field, key)
	}
	return v.Err()
}

// check cleans s and returns its failing fields with their message keys.
func (s *SubjectInput) check(d Data) map[string]string {
	s.Name, s.Unit, s.Post = textclean.Line(s.Name), textclean.Line(s.Unit), textclean.Line(s.Post)
	bad := map[string]string{}
	if s.Name == "" {
		bad["name"] = "case.subject_name_required"
	} else if utf8.RuneCountInString(s.Name) > MaxName {
		bad["name"] = "case.text_too_long"
	}
	if utf8.RuneCountInString(s.Unit) > MaxPost {
		bad["unit"] = "case.text_too_long"
	}
	if utf8.RuneCountInString(s.Post) > MaxPost {
		bad["post"] = "case.text_too_long"
	}
	if !slices.ContainsFunc(d.Ranks, func(r Rank) bool { return r.Code == s.Rank }) {
		bad["rank"] = "case.rank_invalid"
	}
	c, ok := d.Category(s.Category)
	switch {
	case !ok:
		bad["category"] = "case.subject_category_invalid"
	case c.Code == CategoryPartyMember && !s.PartyMember:
		bad["category"] = "case.party_member_category"
	case !c.Supervised && !s.PartyMember:
		bad["category"] = "case.subject_not_liable"
	}
	if s.UnitID < 0 {
		bad["unit_id"] = "case.subject_unit_invalid"
	}
	return bad
}
