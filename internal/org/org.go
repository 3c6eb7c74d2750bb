// Package org is the organisation model: units (a tree of commissions,
// offices, dispatched groups, case management/petition/review offices,
// township commissions and village committees), area groups (片区) with dated
// memberships, and people (cadres). It holds types and pure rules; the store
// persists them and the services in service.go tie both together.
package org

import (
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
)

// Kind is a unit's kind. The codes are part of the API.
type Kind string

// The unit kinds.
const (
	KindCommission     Kind = "commission"       // 纪委监委 (province, city, county)
	KindOffice         Kind = "office"           // 纪检监察室
	KindDispatched     Kind = "dispatched_group" // 派驻纪检监察组
	KindCaseManagement Kind = "case_management"  // 案件监督管理室
	KindPetition       Kind = "petition_office"  // 信访室
	KindReview         Kind = "review_office"    // 案件审理室
	KindTownship       Kind = "township"         // 乡镇（街道）纪委 / 纪工委
	KindVillage        Kind = "village"          // 村务监督委员会
)

// Kinds lists the kinds in display order.
func Kinds() []Kind {
	return []Kind{KindCommission, KindOffice, KindDispatched, KindCaseManagement,
		KindPetition, KindReview, KindTownship, KindVillage}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// AreaMemberKind reports whether units of this kind may join an area group
// (the 室组地 model: offices, dispatched groups, township commissions).
func (k Kind) AreaMemberKind() bool {
	return k == KindOffice || k == KindDispatched || k == KindTownship
}

// Unit is one node of the organisation tree.
type Unit struct {
	ID           int64
	ParentID     int64 // 0 for the root
	Kind         Kind
	Name         string
	ShortName    string // abbreviation used in document numbers, e.g. 永 for 永定区
	DivisionCode string // 2/4/6/9/12 digits; "" for offices and non-division units
	IsDivision   bool   // false for township-level commissions of development zones etc.
	Path         string // materialised path "/1/2/7/", set by the store
	SortOrder    int
	Active       bool
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Depth is the number of ancestors plus one (the root has depth 1).
func (u Unit) Depth() int { return strings.Count(u.Path, "/") - 1 }

// divisionLen maps a level to its code length.
var divisionLens = map[int]bool{2: true, 4: true, 6: true, 9: true, 12: true}

// ValidDivisionCode reports whether s is 2, 4, 6, 9 or 12 ASCII digits.
func ValidDivisionCode(s string) bool {
	if !divisionLens[len(s)] {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const maxName = 64

// ValidateUnit checks a unit against its parent (nil for a root). It returns
// an apperr.Invalid error naming the failing fields, or nil.
func ValidateUnit(u Unit, parent *Unit) error {
	var v apperr.Validation
	name := strings.TrimSpace(u.Name)
	switch {
	case name == "":
		v.Add("name", "org.unit.name_required")
	case utf8.RuneCountInString(name) > maxName:
		v.Add("name", "org.unit.name_too_long")
	}
	if utf8.RuneCountInString(u.ShortName) > 8 {
		v.Add("short_name", "org.unit.short_name_too_long")
	}
	if !u.Kind.Valid() {
		v.Add("kind", "org.unit.kind_invalid")
	}
	if parent == nil {
		if u.Kind != KindCommission {
			v.Add("parent_id", "org.unit.parent_required")
		}
	} else if u.Kind.Valid() && !allowedChild(parent.Kind, parent.DivisionCode, u.Kind) {
		v.Add("parent_id", "org.unit.parent_kind_invalid")
	}
	if parent != nil && !parent.Active && u.Active {
		v.Add("parent_id", "org.unit.parent_inactive")
	}
	validateDivision(&v, u, parent)
	return v.Err()
}

// allowedChild encodes the tree shape: commissions under commissions; the
// commission's own offices under a commission; townships under a county
// commission (6-digit code, or a non-division commission); villages under
// townships.
func allowedChild(parent Kind, parentCode string, child Kind) bool {
	switch child {
	case KindCommission:
		return parent == KindCommission
	case KindOffice, KindDispatched, KindCaseManagement, KindPetition, KindReview:
		return parent == KindCommission
	case KindTownship:
		return parent == KindCommission && (parentCode == "" || len(parentCode) == 6)
	case KindVillage:
		return parent == KindTownship
	}
	return false
}

func validateDivision(v *apperr.Validation, u Unit, parent *Unit) {
	code := u.DivisionCode
	switch u.Kind {
	case KindOffice, KindDispatched, KindCaseManagement, KindPetition, KindReview:
		if code != "" {
			v.Add("division_code", "org.unit.division_not_allowed")
		}
		return
	}
	if code == "" {
		if u.IsDivision {
			v.Add("division_code", "org.unit.division_required")
		}
		return
	}
	if !ValidDivisionCode(code) {
		v.Add("division_code", "org.unit.division_format")
		return
	}
	want := map[Kind][]int{KindCommission: {2, 4, 6}, KindTownship: {9}, KindVillage: {12}}[u.Kind]
	okLen := false
	for _, n := range want {
		okLen = okLen || len(code) == n
	}
	if !okLen {
		v.Add("division_code", "org.unit.division_level")
		return
	}
	if parent != nil && parent.DivisionCode != "" && parent.IsDivision &&
		(len(code) <= len(parent.DivisionCode) || !strings.HasPrefix(code, parent.DivisionCode)) {
		v.Add("division_code", "org.unit.division_outside_parent")
	}
}

// AreaGroup is a 片区 / 联合监督工作组 inside one county commission.
type AreaGroup struct {
	ID             int64
	CountyUnitID   int64
	Name           string
	LeaderPersonID int64
	LeaderName     string // filled by the store
	Note           string
	Active         bool
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Members        []Membership // current members, filled on demand
}

// Membership is one dated stay of a unit in an area group. From is inclusive,
// To exclusive; To == "" means still a member. Dates are YYYY-MM-DD in
// Asia/Shanghai, so statistics for past periods can be reproduced.
type Membership struct {
	ID          int64
	AreaGroupID int64
	AreaName    string
	UnitID      int64
	UnitName    string
	UnitKind    Kind
	From        string
	To          string
}

// Open reports whether the membership has no end date.
func (m Membership) Open() bool { return m.To == "" }

// Covers reports whether the membership includes the day d (YYYY-MM-DD).
func (m Membership) Covers(d string) bool { return m.From <= d && (m.To == "" || d < m.To) }

// ValidDate reports whether s is a calendar date in YYYY-MM-DD form.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// ValidateAreaGroup checks the group's own fields.
func ValidateAreaGroup(g AreaGroup, county *Unit) error {
	var v apperr.Validation
	name := strings.TrimSpace(g.Name)
	switch {
	case name == "":
		v.Add("name", "org.area.name_required")
	case utf8.RuneCountInString(name) > maxName:
		v.Add("name", "org.area.name_too_long")
	}
	if county == nil || county.Kind != KindCommission || len(county.DivisionCode) != 6 {
		v.Add("county_unit_id", "org.area.county_invalid")
	}
	if g.LeaderPersonID == 0 {
		v.Add("leader_person_id", "org.area.leader_required")
	}
	return v.Err()
}

// ValidateJoin checks that unit may join group g from day from, given the
// unit's existing memberships in any area group of the county. A unit belongs
// to at most one area group at a time.
func ValidateJoin(g AreaGroup, unit Unit, countyPath string, from string, existing []Membership) error {
	var v apperr.Validation
	if !ValidDate(from) {
		v.Add("from", "org.area.date_invalid")
	}
	if !unit.Kind.AreaMemberKind() {
		v.Add("unit_id", "org.area.member_kind")
	} else if !strings.HasPrefix(unit.Path, countyPath) {
		v.Add("unit_id", "org.area.member_outside_county")
	} else if !unit.Active {
		v.Add("unit_id", "org.area.member_inactive")
	}
	if !g.Active {
		v.Add("area_group_id", "org.area.inactive")
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, m := range existing {
		if m.Open() || m.To > from {
			if m.AreaGroupID == g.ID {
				return apperr.New(apperr.Conflict, "org.area.already_member")
			}
			if m.Open() {
				return apperr.New(apperr.Conflict, "org.area.member_elsewhere", m.AreaName)
			}
			return apperr.New(apperr.Conflict, "org.area.overlap", m.AreaName)
		}
	}
	return nil
}

// ValidateLeave checks that an open membership may end on day to.
func ValidateLeave(m Membership, to string) error {
	if !ValidDate(to) {
		return apperr.InvalidField("to", "org.area.date_invalid")
	}
	if !m.Open() {
		return apperr.New(apperr.Conflict, "org.area.already_left")
	}
	if to <= m.From {
		return apperr.InvalidField("to", "org.area.leave_before_join")
	}
	return nil
}

// Person is a cadre. A person may have one user account.
type Person struct {
	ID        int64
	UnitID    int64
	UnitName  string // filled by the store
	Name      string
	Post      string // 职务, e.g. 纪委书记
	Rank      string // 职级, e.g. 一级主任科员
	Phone     string
	Active    bool
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ValidatePerson checks a person's fields.
func ValidatePerson(p Person) error {
	var v apperr.Validation
	name := strings.TrimSpace(p.Name)
	switch {
	case name == "":
		v.Add("name", "org.person.name_required")
	case utf8.RuneCountInString(name) > 32:
		v.Add("name", "org.person.name_too_long")
	}
	if p.UnitID == 0 {
		v.Add("unit_id", "org.person.unit_required")
	}
	if utf8.RuneCountInString(p.Post) > 64 {
		v.Add("post", "org.person.post_too_long")
	}
	if utf8.RuneCountInString(p.Rank) > 32 {
		v.Add("rank", "org.person.rank_too_long")
	}
	if p.Phone != "" && !validPhone(p.Phone) {
		v.Add("phone", "org.person.phone_invalid")
	}
	return v.Err()
}

// validPhone accepts mainland mobiles (11 digits starting with 1) and
// landlines such as 0744-8888888.
func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' && i > 0:
		default:
			return false
		}
	}
	if !strings.Contains(s, "-") {
		return digits == 11 && s[0] == '1'
	}
	return digits >= 10 && digits <= 12 && s[0] == '0'
}
