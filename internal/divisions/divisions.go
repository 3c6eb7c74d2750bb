// Package divisions provides the administrative divisions of the People's
// Republic of China (GB/T 2260 codes extended to township level by the
// National Bureau of Statistics) for Hunan province, embedded in the binary.
//
// The data is parsed on demand: LoadHunan returns a fresh, immutable Set on
// every call, and the package keeps no mutable state. Callers that need the
// set repeatedly should load it once and keep the *Set.
//
// Codes are strings of digits whose length gives the level:
//
//	2  province  43
//	4  city      4308       张家界市
//	6  county    430802     永定区
//	9  township  430802103  天门山镇
//	12 village   (not included in the embedded data)
//
// See data/SOURCE.md for the provenance and licence (WTFPL) of the data.
package divisions

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

//go:embed data/hunan-cities.csv data/hunan-counties.csv data/hunan-townships.csv
var dataFS embed.FS

// Level is the administrative level of a division.
type Level int

// Levels, from the top. The zero Level is not a valid level.
const (
	Province Level = iota + 1 // 省级, 2-digit code
	City                      // 地级, 4-digit code
	County                    // 县级, 6-digit code
	Township                  // 乡级, 9-digit code
	Village                   // 村级, 12-digit code
)

// String returns the English name of the level ("province", "city", …).
func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case City:
		return "city"
	case County:
		return "county"
	case Township:
		return "township"
	case Village:
		return "village"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// CodeLen returns the length of the codes at level l, or 0 for an invalid level.
func (l Level) CodeLen() int {
	switch l {
	case Province:
		return 2
	case City:
		return 4
	case County:
		return 6
	case Township:
		return 9
	case Village:
		return 12
	}
	return 0
}

// Division is one administrative division.
type Division struct {
	Code       string
	Name       string
	Level      Level
	ParentCode string // "" for a province
}

// Set is an immutable, indexed set of divisions. The zero Set is empty.
type Set struct {
	byCode   map[string]Division
	children map[string][]Division // parent code -> children sorted by code
}

// ParseError reports a malformed row in one of the input files.
type ParseError struct {
	File string // file name, e.g. "hunan-counties.csv"
	Line int    // 1-based line number; 0 when the error concerns the whole file
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("divisions: %s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("divisions: %s: %s", e.File, e.Msg)
}

// Names of the embedded files.
const (
	citiesFile    = "hunan-cities.csv"
	countiesFile  = "hunan-counties.csv"
	townshipsFile = "hunan-townships.csv"
)

// LoadHunan parses the embedded data for Hunan province (湖南省, code 43): the
// province itself, its 14 prefecture-level cities, its county-level units and
// its township-level units.
func LoadHunan() (*Set, error) {
	var rs [3]io.Reader
	for i, name := range []string{citiesFile, countiesFile, townshipsFile} {
		f, err := dataFS.Open("data/" + name)
		if err != nil {
			return nil, fmt.Errorf("divisions: %w", err)
		}
		defer f.Close()
		rs[i] = f
	}
	s, err := parse(citiesFile, rs[0], countiesFile, rs[1], townshipsFile, rs[2])
	if err != nil {
		return nil, err
	}
	if _, ok := s.Get("43"); !ok {
		return nil, errors.New("divisions: embedded data does not contain province 43")
	}
	return s, nil
}

// Parse builds a Set from CSV files in the format of the embedded data
// (modood/Administrative-divisions-of-China), each with a header row:
//
//	cities:    code,name,provinceCode
//	counties:  code,name,cityCode,provinceCode
//	townships: code,name,areaCode,provinceCode,cityCode
//
// The provinces referenced by the cities are added with their official names.
// Errors are *ParseError values naming the file ("cities.csv", "counties.csv"
// or "townships.csv") and line.
func Parse(cities, counties, townships io.Reader) (*Set, error) {
	return parse("cities.csv", cities, "counties.csv", counties, "townships.csv", townships)
}

// fileSpec describes one input file.
type fileSpec struct {
	name   string
	r      io.Reader
	level  Level
	header []string
	// parentCol is the column holding the direct parent's code; checkCols are
	// further columns holding ancestor codes at the given levels.
	parentCol int
	checkCols map[int]Level
}

func parse(cityName string, cities io.Reader, countyName string, counties io.Reader, townName string, townships io.Reader) (*Set, error) {
	s := &Set{byCode: map[string]Division{}, children: map[string][]Division{}}
	specs := []fileSpec{
		{name: cityName, r: cities, level: City,
			header:    []string{"code", "name", "provinceCode"},
			parentCol: 2},
		{name: countyName, r: counties, level: County,
			header:    []string{"code", "name", "cityCode", "provinceCode"},
			parentCol: 2, checkCols: map[int]Level{3: Province}},
		{name: townName, r: townships, level: Township,
			header:    []string{"code", "name", "areaCode", "provinceCode", "cityCode"},
			parentCol: 2, checkCols: map[int]Level{3: Province, 4: City}},
	}
	for _, sp := range specs {
		if err := s.parseFile(sp); err != nil {
			return nil, err
		}
	}
	for _, kids := range s.children {
		slices.SortFunc(kids, func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
	}
	return s, nil
}

func (s *Set) parseFile(sp fileSpec) error {
	if sp.r == nil {
		return &ParseError{File: sp.name, Msg: "no input"}
	}
	cr := csv.NewReader(sp.r)
	cr.FieldsPerRecord = -1 // column counts are checked below, with a clearer message
	cr.ReuseRecord = true
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if first {
				return &ParseError{File: sp.name, Msg: "empty file (missing header " + strings.Join(sp.header, ",") + ")"}
			}
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &ParseError{File: sp.name, Line: pe.StartLine, Msg: pe.Err.Error()}
			}
			return &ParseError{File: sp.name, Msg: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		fail := func(format string, args ...any) error {
			return &ParseError{File: sp.name, Line: line, Msg: fmt.Sprintf(format, args...)}
		}
		if first {
			first = false
			if len(rec) > 0 {
				rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
			}
			if !slices.Equal(rec, sp.header) {
				return fail("header is %q, want %q", strings.Join(rec, ","), strings.Join(sp.header, ","))
			}
			continue
		}
		if len(rec) != len(sp.header) {
			return fail("%d columns, want %d (%s)", len(rec), len(sp.header), strings.Join(sp.header, ","))
		}
		code := strings.TrimSpace(rec[0])
		name := strings.TrimSpace(rec[1])
		if err := checkCode(code, sp.level); err != nil {
			return fail("code: %v", err)
		}
		if name == "" {
			return fail("code %s: empty name", code)
		}
		parent := strings.TrimSpace(rec[sp.parentCol])
		if err := checkCode(parent, sp.level-1); err != nil {
			return fail("code %s: %s: %v", code, sp.header[sp.parentCol], err)
		}
		if !strings.HasPrefix(code, parent) {
			return fail("code %s does not belong to its parent %s", code, parent)
		}
		for col := range len(sp.header) {
			lvl, ok := sp.checkCols[col]
			if !ok {
				continue
			}
			anc := strings.TrimSpace(rec[col])
			if err := checkCode(anc, lvl); err != nil {
				return fail("code %s: %s: %v", code, sp.header[col], err)
			}
			if !strings.HasPrefix(code, anc) {
				return fail("code %s: %s is %s, which is not its %s", code, sp.header[col], anc, lvl)
			}
		}
		if _, dup := s.byCode[code]; dup {
			return fail("duplicate code %s", code)
		}
		if _, ok := s.byCode[parent]; !ok {
			if sp.level != City {
				return fail("code %s: unknown parent %s", code, parent)
			}
			pname, ok := provinceName(parent)
			if !ok {
				return fail("code %s: unknown parent province %s", code, parent)
			}
			s.add(Division{Code: parent, Name: pname, Level: Province})
		}
		s.add(Division{Code: code, Name: name, Level: sp.level, ParentCode: parent})
	}
}

func (s *Set) add(d Division) {
	s.byCode[d.Code] = d
	if d.ParentCode != "" {
		s.children[d.ParentCode] = append(s.children[d.ParentCode], d)
	}
}

// checkCode reports whether code is a well-formed code of level want.
func checkCode(code string, want Level) error {
	got, err := LevelOf(code)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%q has %d digits (a %s code), want %d digits for a %s", code, len(code), got, want.CodeLen(), want)
	}
	return nil
}

// Get returns the division with the given code.
func (s *Set) Get(code string) (Division, bool) {
	if s == nil {
		return Division{}, false
	}
	d, ok := s.byCode[code]
	return d, ok
}

// Children returns the direct children of the division with the given code,
// sorted by code. It returns nil for an unknown code or a division without
// children. The returned slice is a copy and may be modified by the caller.
func (s *Set) Children(code string) []Division {
	if s == nil {
		return nil
	}
	return slices.Clone(s.children[code])
}

// All returns every division in the set, sorted by code (so each parent comes
// before its children).
func (s *Set) All() []Division {
	if s == nil {
		return nil
	}
	all := make([]Division, 0, len(s.byCode))
	for _, d := range s.byCode {
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
	return all
}

// Len returns the number of divisions in the set, including provinces.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byCode)
}

// LevelOf returns the level of a code from its length: 2 digits province,
// 4 city, 6 county, 9 township, 12 village. The code must consist of ASCII
// digits only.
func LevelOf(code string) (Level, error) {
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, fmt.Errorf("code %q is not numeric", code)
		}
	}
	switch len(code) {
	case 2:
		return Province, nil
	case 4:
		return City, nil
	case 6:
		return County, nil
	case 9:
		return Township, nil
	case 12:
		return Village, nil
	}
	return 0, fmt.Errorf("code %q has %d digits, want 2, 4, 6, 9 or 12", code, len(code))
}

// ValidCode reports whether code is a well-formed division code (see LevelOf).
func ValidCode(code string) bool {
	_, err := LevelOf(code)
	return err == nil
}

// provinceName returns the official name of a province-level division
// (GB/T 2260).
func provinceName(code string) (string, bool) {
	switch code {
	case "11":
		return "北京市", true
	case "12":
		return "天津市", true
	case "13":
		return "河北省", true
	case "14":
		return "山西省", true
	case "15":
		return "内蒙古自治区", true
	case "21":
		return "辽宁省", true
	case "22":
		return "吉林省", true
	case "23":
		return "黑龙江省", true
	case "31":
		return "上海市", true
	case "32":
		return "江苏省", true
	case "33":
		return "浙江省", true
	case "34":
		return "安徽省", true
	case "35":
		return "福建省", true
	case "36":
		return "江西省", true
	case "37":
		return "山东省", true
	case "41":
		return "河南省", true
	case "42":
		return "湖北省", true
	case "43":
		return "湖南省", true
	case "44":
		return "广东省", true
	case "45":
		return "广西壮族自治区", true
	case "46":
		return "海南省", true
	case "50":
		return "重庆市", true
	case "51":
		return "四川省", true
	case "52":
		return "贵州省", true
	case "53":
		return "云南省", true
	case "54":
		return "西藏自治区", true
	case "61":
		return "陕西省", true
	case "62":
		return "甘肃省", true
	case "63":
		return "青海省", true
	case "64":
		return "宁夏回族自治区", true
	case "65":
		return "新疆维吾尔自治区", true
	case "71":
		return "台湾省", true
	case "81":
		return "香港特别行政区", true
	case "82":
		return "澳门特别行政区", true
	}
	return "", false
}
