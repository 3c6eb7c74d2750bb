package org

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"qingfeng/internal/apperr"
)

// fieldsOf returns the field errors of an Invalid error, nil for nil, and
// fails the test for any other error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	if e.Code != apperr.Invalid {
		t.Fatalf("error %v has code %q, want %q", err, e.Code, apperr.Invalid)
	}
	if len(e.Fields) == 0 {
		t.Fatalf("invalid error %v carries no fields", err)
	}
	return e.Fields
}

func TestKinds(t *testing.T) {
	tests := []struct {
		kind       Kind
		valid      bool
		areaMember bool
	}{
		{KindCommission, true, false},
		{KindOffice, true, true},
		{KindDispatched, true, true},
		{KindCaseManagement, true, false},
		{KindPetition, true, false},
		{KindReview, true, false},
		{KindTownship, true, true},
		{KindVillage, true, false},
		{"", false, false},
		{"Township", false, false},
		{"county", false, false},
	}
	for _, tt := range tests {
		if got := tt.kind.Valid(); got != tt.valid {
			t.Errorf("Kind(%q).Valid() = %v, want %v", tt.kind, got, tt.valid)
		}
		if got := tt.kind.AreaMemberKind(); got != tt.areaMember {
			t.Errorf("Kind(%q).AreaMemberKind() = %v, want %v", tt.kind, got, tt.areaMember)
		}
	}
	if got := len(Kinds()); got != 8 {
		t.Errorf("len(Kinds()) = %d, want 8", got)
	}
}

func TestValidDivisionCode(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"43", true},
		{"4308", true},
		{"430802", true},
		{"430802001", true},
		{"430802001001", true},
		{"", false},
		{"4", false},
		{"430", false},
		{"43080", false},
		{"4308020011", false},
		{"4308020010011", false},
		{"43080a", false},
		{"４３", false}, // full-width digits
		{" 43", false},
	}
	for _, tt := range tests {
		if got := ValidDivisionCode(tt.code); got != tt.want {
			t.Errorf("ValidDivisionCode(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestValidDate(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"2026-03-16", true},
		{"2024-02-29", true},
		{"2026-02-29", false},
		{"2026-13-01", false},
		{"2026-3-16", false},
		{"2026-03-16T00:00:00Z", false},
		{"", false},
		{"20260316", false},
	}
	for _, tt := range tests {
		if got := ValidDate(tt.s); got != tt.want {
			t.Errorf("ValidDate(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestUnitDepth(t *testing.T) {
	tests := []struct {
		path string
		want int
	}{
		{"/1/", 1},
		{"/1/2/", 2},
		{"/1/2/7/", 3},
		{"/1/2/7/30/", 4},
	}
	for _, tt := range tests {
		if got := (Unit{Path: tt.path}).Depth(); got != tt.want {
			t.Errorf("Unit{Path: %q}.Depth() = %d, want %d", tt.path, got, tt.want)
		}
	}
}

func TestValidateUnit(t *testing.T) {
	province := Unit{ID: 1, Kind: KindCommission, Name: "湖南省纪委监委", DivisionCode: "43", IsDivision: true, Active: true}
	city := Unit{ID: 2, Kind: KindCommission, Name: "张家界市纪委监委", DivisionCode: "4308", IsDivision: true, Active: true}
	county := Unit{ID: 3, Kind: KindCommission, Name: "永定区纪委监委", DivisionCode: "430802", IsDivision: true, Active: true}
	zone := Unit{ID: 4, Kind: KindCommission, Name: "经开区纪工委", Active: true} // non-division commission
	township := Unit{ID: 5, Kind: KindTownship, Name: "南庄坪街道纪工委", DivisionCode: "430802001", IsDivision: true, Active: true}
	zoneTownship := Unit{ID: 6, Kind: KindTownship, Name: "园区纪工委", Active: true} // non-division township
	office := Unit{ID: 7, Kind: KindOffice, Name: "第一纪检监察室", Active: true}
	inactiveCounty := county
	inactiveCounty.Active = false

	long64 := strings.Repeat("清", 64)
	long65 := strings.Repeat("清", 65)

	tests := []struct {
		name   string
		unit   Unit
		parent *Unit
		want   map[string]string // nil: valid
	}{
		{"root province", Unit{Kind: KindCommission, Name: "湖南省纪委监委", DivisionCode: "43", IsDivision: true, Active: true}, nil, nil},
		{"root without code, not a division", Unit{Kind: KindCommission, Name: "某纪委", Active: true}, nil, nil},
		{"root must be a commission", Unit{Kind: KindOffice, Name: "室", Active: true}, nil,
			map[string]string{"parent_id": "org.unit.parent_required"}},
		{"name required", Unit{Kind: KindCommission, Name: "  ", DivisionCode: "43", IsDivision: true}, nil,
			map[string]string{"name": "org.unit.name_required"}},
		{"name 64 runes ok", Unit{Kind: KindOffice, Name: long64, Active: true}, &county, nil},
		{"name 65 runes too long", Unit{Kind: KindOffice, Name: long65, Active: true}, &county,
			map[string]string{"name": "org.unit.name_too_long"}},
		{"short name 8 runes ok", Unit{Kind: KindOffice, Name: "室", ShortName: "一二三四五六七八", Active: true}, &county, nil},
		{"short name 9 runes too long", Unit{Kind: KindOffice, Name: "室", ShortName: "一二三四五六七八九", Active: true}, &county,
			map[string]string{"short_name": "org.unit.short_name_too_long"}},
		{"unknown kind", Unit{Kind: "bureau", Name: "局", Active: true}, &county,
			map[string]string{"kind": "org.unit.kind_invalid"}},
		{"city under province", Unit{Kind: KindCommission, Name: "市", DivisionCode: "4308", IsDivision: true, Active: true}, &province, nil},
		{"county under city", Unit{Kind: KindCommission, Name: "区", DivisionCode: "430811", IsDivision: true, Active: true}, &city, nil},
		{"county code outside city", Unit{Kind: KindCommission, Name: "区", DivisionCode: "430902", IsDivision: true, Active: true}, &city,
			map[string]string{"division_code": "org.unit.division_outside_parent"}},
		{"commission code equal to parent's", Unit{Kind: KindCommission, Name: "市", DivisionCode: "4308", IsDivision: true, Active: true}, &city,
			map[string]string{"division_code": "org.unit.division_outside_parent"}},
		{"commission code shorter than parent's", Unit{Kind: KindCommission, Name: "省", DivisionCode: "43", IsDivision: true, Active: true}, &city,
			map[string]string{"division_code": "org.unit.division_outside_parent"}},
		{"commission with a 9-digit code", Unit{Kind: KindCommission, Name: "乡", DivisionCode: "430802001", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_level"}},
		{"non-division commission under county", Unit{Kind: KindCommission, Name: "经开区纪工委", Active: true}, &county, nil},
		{"division commission without code", Unit{Kind: KindCommission, Name: "区", IsDivision: true, Active: true}, &city,
			map[string]string{"division_code": "org.unit.division_required"}},
		{"township under county", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "430802002", IsDivision: true, Active: true}, &county, nil},
		{"township under city", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "430802002", IsDivision: true, Active: true}, &city,
			map[string]string{"parent_id": "org.unit.parent_kind_invalid"}},
		{"township under province", Unit{Kind: KindTownship, Name: "乡", Active: true}, &province,
			map[string]string{"parent_id": "org.unit.parent_kind_invalid"}},
		{"township under non-division commission", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "430802099", IsDivision: true, Active: true}, &zone, nil},
		{"township under office", Unit{Kind: KindTownship, Name: "乡", Active: true}, &office,
			map[string]string{"parent_id": "org.unit.parent_kind_invalid"}},
		{"non-division township without code", Unit{Kind: KindTownship, Name: "园区纪工委", Active: true}, &county, nil},
		{"division township without code", Unit{Kind: KindTownship, Name: "乡", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_required"}},
		{"township with a 6-digit code", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "430803", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_level"}},
		{"township with a non-digit code", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "43080200a", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_format"}},
		{"township code outside county", Unit{Kind: KindTownship, Name: "乡", DivisionCode: "430811001", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_outside_parent"}},
		{"village under township", Unit{Kind: KindVillage, Name: "村", DivisionCode: "430802001001", IsDivision: true, Active: true}, &township, nil},
		{"village code outside township", Unit{Kind: KindVillage, Name: "村", DivisionCode: "430802002001", IsDivision: true, Active: true}, &township,
			map[string]string{"division_code": "org.unit.division_outside_parent"}},
		{"village with a township code", Unit{Kind: KindVillage, Name: "村", DivisionCode: "430802001", IsDivision: true, Active: true}, &township,
			map[string]string{"division_code": "org.unit.division_level"}},
		{"village under non-division township, any code", Unit{Kind: KindVillage, Name: "村", DivisionCode: "430899001001", IsDivision: true, Active: true}, &zoneTownship, nil},
		{"village under county", Unit{Kind: KindVillage, Name: "村", DivisionCode: "430802001001", IsDivision: true, Active: true}, &county,
			map[string]string{"parent_id": "org.unit.parent_kind_invalid"}},
		{"office under county", Unit{Kind: KindOffice, Name: "第二纪检监察室", Active: true}, &county, nil},
		{"dispatched group under county", Unit{Kind: KindDispatched, Name: "派驻第一纪检监察组", Active: true}, &county, nil},
		{"review office under county", Unit{Kind: KindReview, Name: "案件审理室", Active: true}, &county, nil},
		{"office with a code", Unit{Kind: KindOffice, Name: "室", DivisionCode: "430802", Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_not_allowed"}},
		{"petition office with a code", Unit{Kind: KindPetition, Name: "信访室", DivisionCode: "430802001", IsDivision: true, Active: true}, &county,
			map[string]string{"division_code": "org.unit.division_not_allowed"}},
		{"office under township, with a code", Unit{Kind: KindOffice, Name: "室", DivisionCode: "430802001", Active: true}, &township,
			map[string]string{"parent_id": "org.unit.parent_kind_invalid", "division_code": "org.unit.division_not_allowed"}},
		{"active unit under inactive parent", Unit{Kind: KindOffice, Name: "室", Active: true}, &inactiveCounty,
			map[string]string{"parent_id": "org.unit.parent_inactive"}},
		{"inactive unit under inactive parent", Unit{Kind: KindOffice, Name: "室", Active: false}, &inactiveCounty, nil},
		{"several failures at once", Unit{Kind: KindVillage, Name: "", ShortName: "一二三四五六七八九", DivisionCode: "12345"}, &county,
			map[string]string{
				"name":          "org.unit.name_required",
				"short_name":    "org.unit.short_name_too_long",
				"parent_id":     "org.unit.parent_kind_invalid",
				"division_code": "org.unit.division_format",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldsOf(t, ValidateUnit(tt.unit, tt.parent))
			if !maps.Equal(got, tt.want) {
				t.Errorf("ValidateUnit fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateAreaGroup(t *testing.T) {
	county := Unit{ID: 3, Kind: KindCommission, DivisionCode: "430802", IsDivision: true, Active: true}
	city := Unit{ID: 2, Kind: KindCommission, DivisionCode: "4308", IsDivision: true, Active: true}
	township := Unit{ID: 5, Kind: KindTownship, DivisionCode: "430802001", IsDivision: true, Active: true}
	tests := []struct {
		name   string
		g      AreaGroup
		county *Unit
		want   map[string]string
	}{
		{"ok", AreaGroup{Name: "第一片区", LeaderPersonID: 9}, &county, nil},
		{"no name", AreaGroup{Name: " ", LeaderPersonID: 9}, &county, map[string]string{"name": "org.area.name_required"}},
		{"long name", AreaGroup{Name: strings.Repeat("片", 65), LeaderPersonID: 9}, &county, map[string]string{"name": "org.area.name_too_long"}},
		{"city is not a county", AreaGroup{Name: "片区", LeaderPersonID: 9}, &city, map[string]string{"county_unit_id": "org.area.county_invalid"}},
		{"township is not a county", AreaGroup{Name: "片区", LeaderPersonID: 9}, &township, map[string]string{"county_unit_id": "org.area.county_invalid"}},
		{"no county", AreaGroup{Name: "片区", LeaderPersonID: 9}, nil, map[string]string{"county_unit_id": "org.area.county_invalid"}},
		{"no leader", AreaGroup{Name: "片区"}, &county, map[string]string{"leader_person_id": "org.area.leader_required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldsOf(t, ValidateAreaGroup(tt.g, tt.county))
			if !maps.Equal(got, tt.want) {
				t.Errorf("ValidateAreaGroup fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateJoin(t *testing.T) {
	const countyPath = "/1/2/"
	group := AreaGroup{ID: 10, Name: "第一片区", Active: true}
	inactiveGroup := group
	inactiveGroup.Active = false
	township := Unit{ID: 5, Kind: KindTownship, Path: "/1/2/5/", Active: true}
	office := Unit{ID: 6, Kind: KindOffice, Path: "/1/2/6/", Active: true}
	dispatched := Unit{ID: 7, Kind: KindDispatched, Path: "/1/2/7/", Active: true}
	village := Unit{ID: 8, Kind: KindVillage, Path: "/1/2/5/8/", Active: true}
	county := Unit{ID: 2, Kind: KindCommission, Path: "/1/2/", Active: true}
	review := Unit{ID: 9, Kind: KindReview, Path: "/1/2/9/", Active: true}
	otherCounty := Unit{ID: 30, Kind: KindTownship, Path: "/1/3/30/", Active: true}
	lookalike := Unit{ID: 31, Kind: KindTownship, Path: "/1/20/31/", Active: true} // "/1/20/" is not under "/1/2/"
	inactive := Unit{ID: 32, Kind: KindTownship, Path: "/1/2/32/", Active: false}

	openHere := Membership{ID: 1, AreaGroupID: 10, AreaName: "第一片区", From: "2025-01-01"}
	openElsewhere := Membership{ID: 2, AreaGroupID: 11, AreaName: "第二片区", From: "2025-01-01"}
	closedElsewhereBefore := Membership{ID: 3, AreaGroupID: 11, AreaName: "第二片区", From: "2025-01-01", To: "2026-01-01"}
	closedElsewhereAfter := Membership{ID: 4, AreaGroupID: 11, AreaName: "第二片区", From: "2025-01-01", To: "2026-06-01"}
	closedHereAfter := Membership{ID: 5, AreaGroupID: 10, AreaName: "第一片区", From: "2025-01-01", To: "2026-06-01"}
	futureElsewhere := Membership{ID: 6, AreaGroupID: 11, AreaName: "第二片区", From: "2026-09-01", To: "2026-12-01"}

	tests := []struct {
		name     string
		g        AreaGroup
		unit     Unit
		from     string
		existing []Membership
		code     apperr.Code
		fields   map[string]string // for invalid
		key      string            // for conflict
		args     []any
	}{
		{name: "township joins", g: group, unit: township, from: "2026-01-01"},
		{name: "office joins", g: group, unit: office, from: "2026-01-01"},
		{name: "dispatched group joins", g: group, unit: dispatched, from: "2026-01-01"},
		{name: "joins the day the last membership ended", g: group, unit: township, from: "2026-01-01",
			existing: []Membership{closedElsewhereBefore}},
		{name: "joins after an earlier stay elsewhere", g: group, unit: township, from: "2026-02-01",
			existing: []Membership{closedElsewhereBefore}},
		{name: "bad date", g: group, unit: township, from: "2026-02-30",
			code: apperr.Invalid, fields: map[string]string{"from": "org.area.date_invalid"}},
		{name: "empty date", g: group, unit: township, from: "",
			code: apperr.Invalid, fields: map[string]string{"from": "org.area.date_invalid"}},
		{name: "village may not join", g: group, unit: village, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_kind"}},
		{name: "commission may not join", g: group, unit: county, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_kind"}},
		{name: "review office may not join", g: group, unit: review, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_kind"}},
		{name: "unit of another county", g: group, unit: otherCounty, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_outside_county"}},
		{name: "path that only looks like the county's", g: group, unit: lookalike, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_outside_county"}},
		{name: "inactive unit", g: group, unit: inactive, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"unit_id": "org.area.member_inactive"}},
		{name: "inactive group", g: inactiveGroup, unit: township, from: "2026-01-01",
			code: apperr.Invalid, fields: map[string]string{"area_group_id": "org.area.inactive"}},
		{name: "bad date and bad kind together", g: inactiveGroup, unit: village, from: "x",
			code: apperr.Invalid, fields: map[string]string{"from": "org.area.date_invalid", "unit_id": "org.area.member_kind", "area_group_id": "org.area.inactive"}},
		{name: "already a member", g: group, unit: township, from: "2026-01-01", existing: []Membership{openHere},
			code: apperr.Conflict, key: "org.area.already_member"},
		{name: "open membership elsewhere", g: group, unit: township, from: "2026-01-01", existing: []Membership{openElsewhere},
			code: apperr.Conflict, key: "org.area.member_elsewhere", args: []any{"第二片区"}},
		{name: "overlaps a closed stay elsewhere", g: group, unit: township, from: "2026-01-01", existing: []Membership{closedElsewhereAfter},
			code: apperr.Conflict, key: "org.area.overlap", args: []any{"第二片区"}},
		{name: "overlaps a later stay elsewhere", g: group, unit: township, from: "2026-01-01", existing: []Membership{futureElsewhere},
			code: apperr.Conflict, key: "org.area.overlap", args: []any{"第二片区"}},
		{name: "overlaps a closed stay here", g: group, unit: township, from: "2026-01-01", existing: []Membership{closedHereAfter},
			code: apperr.Conflict, key: "org.area.already_member"},
		{name: "past stay then open elsewhere", g: group, unit: township, from: "2026-03-01",
			existing: []Membership{closedElsewhereBefore, openElsewhere},
			code:     apperr.Conflict, key: "org.area.member_elsewhere", args: []any{"第二片区"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateJoin(tt.g, tt.unit, countyPath, tt.from, tt.existing)
			if got := apperr.CodeOf(err); got != tt.code {
				t.Fatalf("ValidateJoin error = %v (code %q), want code %q", err, got, tt.code)
			}
			switch tt.code {
			case apperr.Invalid:
				if got := fieldsOf(t, err); !maps.Equal(got, tt.fields) {
					t.Errorf("fields = %v, want %v", got, tt.fields)
				}
			case apperr.Conflict:
				e := apperr.As(err)
				if e.Key != tt.key {
					t.Errorf("key = %q, want %q", e.Key, tt.key)
				}
				if !slices.Equal(e.Args, tt.args) {
					t.Errorf("args = %v, want %v", e.Args, tt.args)
				}
			}
		})
	}
}

func TestValidateLeave(t *testing.T) {
	open := Membership{ID: 1, AreaGroupID: 10, From: "2026-01-01"}
	closed := Membership{ID: 2, AreaGroupID: 10, From: "2025-01-01", To: "2026-01-01"}
	tests := []struct {
		name  string
		m     Membership
		to    string
		code  apperr.Code
		field string // field key for invalid, error key for conflict
	}{
		{name: "leave next day", m: open, to: "2026-01-02"},
		{name: "leave much later", m: open, to: "2027-06-30"},
		{name: "bad date", m: open, to: "2026-04-31", code: apperr.Invalid, field: "org.area.date_invalid"},
		{name: "leave on the join day", m: open, to: "2026-01-01", code: apperr.Invalid, field: "org.area.leave_before_join"},
		{name: "leave before joining", m: open, to: "2025-12-31", code: apperr.Invalid, field: "org.area.leave_before_join"},
		{name: "already left", m: closed, to: "2026-06-01", code: apperr.Conflict, field: "org.area.already_left"},
		{name: "bad date beats already left", m: closed, to: "bad", code: apperr.Invalid, field: "org.area.date_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateLeave(tt.m, tt.to)
			if got := apperr.CodeOf(err); got != tt.code {
				t.Fatalf("ValidateLeave error = %v (code %q), want code %q", err, got, tt.code)
			}
			switch tt.code {
			case apperr.Invalid:
				if got, want := fieldsOf(t, err), map[string]string{"to": tt.field}; !maps.Equal(got, want) {
					t.Errorf("fields = %v, want %v", got, want)
				}
			case apperr.Conflict:
				if got := apperr.As(err).Key; got != tt.field {
					t.Errorf("key = %q, want %q", got, tt.field)
				}
			}
		})
	}
}

func TestValidatePerson(t *testing.T) {
	base := Person{UnitID: 3, Name: "张三", Post: "纪委书记", Rank: "一级主任科员"}
	with := func(f func(p *Person)) Person {
		p := base
		f(&p)
		return p
	}
	tests := []struct {
		name string
		p    Person
		want map[string]string
	}{
		{"ok without phone", base, nil},
		{"mobile", with(func(p *Person) { p.Phone = "13800138000" }), nil},
		{"landline with area code", with(func(p *Person) { p.Phone = "0744-8222222" }), nil},
		{"landline, 3-digit area code, 8-digit number", with(func(p *Person) { p.Phone = "010-12345678" }), nil},
		{"landline, 4-digit area code, 7-digit number", with(func(p *Person) { p.Phone = "0744-822222" }), nil},
		{"mobile too short", with(func(p *Person) { p.Phone = "1380013800" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"mobile too long", with(func(p *Person) { p.Phone = "138001380001" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"11 digits not starting with 1", with(func(p *Person) { p.Phone = "23800138000" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"international prefix", with(func(p *Person) { p.Phone = "+8613800138000" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"spaces", with(func(p *Person) { p.Phone = "138 0013 8000" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"leading dash", with(func(p *Person) { p.Phone = "-07448222222" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"mobile with dash", with(func(p *Person) { p.Phone = "138-0013-8000" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"landline too short", with(func(p *Person) { p.Phone = "0744-822" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"landline too long", with(func(p *Person) { p.Phone = "0744-822222222" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"full-width digits", with(func(p *Person) { p.Phone = "１３８００１３８０００" }), map[string]string{"phone": "org.person.phone_invalid"}},
		{"name required", with(func(p *Person) { p.Name = " " }), map[string]string{"name": "org.person.name_required"}},
		{"name 32 runes ok", with(func(p *Person) { p.Name = strings.Repeat("张", 32) }), nil},
		{"name 33 runes", with(func(p *Person) { p.Name = strings.Repeat("张", 33) }), map[string]string{"name": "org.person.name_too_long"}},
		{"unit required", with(func(p *Person) { p.UnitID = 0 }), map[string]string{"unit_id": "org.person.unit_required"}},
		{"post 65 runes", with(func(p *Person) { p.Post = strings.Repeat("书", 65) }), map[string]string{"post": "org.person.post_too_long"}},
		{"rank 33 runes", with(func(p *Person) { p.Rank = strings.Repeat("级", 33) }), map[string]string{"rank": "org.person.rank_too_long"}},
		{"everything wrong", Person{Phone: "x", Post: strings.Repeat("书", 65), Rank: strings.Repeat("级", 33)}, map[string]string{
			"name": "org.person.name_required", "unit_id": "org.person.unit_required", "post": "org.person.post_too_long",
			"rank": "org.person.rank_too_long", "phone": "org.person.phone_invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fieldsOf(t, ValidatePerson(tt.p))
			if !maps.Equal(got, tt.want) {
				t.Errorf("ValidatePerson fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMembershipCovers(t *testing.T) {
	open := Membership{From: "2026-01-01"}
	closed := Membership{From: "2026-01-01", To: "2026-03-01"}
	tests := []struct {
		name string
		m    Membership
		day  string
		want bool
	}{
		{"open, day before", open, "2025-12-31", false},
		{"open, first day (inclusive)", open, "2026-01-01", true},
		{"open, far future", open, "2099-12-31", true},
		{"closed, day before", closed, "2025-12-31", false},
		{"closed, first day", closed, "2026-01-01", true},
		{"closed, last day", closed, "2026-02-28", true},
		{"closed, end day (exclusive)", closed, "2026-03-01", false},
		{"closed, after", closed, "2026-03-02", false},
	}
	for _, tt := range tests {
		if got := tt.m.Covers(tt.day); got != tt.want {
			t.Errorf("%s: Membership{From: %q, To: %q}.Covers(%q) = %v, want %v", tt.name, tt.m.From, tt.m.To, tt.day, got, tt.want)
		}
	}
	if !open.Open() || closed.Open() {
		t.Errorf("Open() = %v, %v; want true, false", open.Open(), closed.Open())
	}
}
