package divisions

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func loadHunan(t testing.TB) *Set {
	t.Helper()
	s, err := LoadHunan()
	if err != nil {
		t.Fatalf("LoadHunan: %v", err)
	}
	return s
}

func TestLoadHunanCounts(t *testing.T) {
	s := loadHunan(t)
	counts := map[Level]int{}
	statutoryCounties := 0
	for _, d := range s.All() {
		counts[d.Level]++
		// County-level codes whose 5th digit is 7 are functional areas
		// (development zones, 管理区, 示范区) listed by the NBS, not
		// statutory counties.
		if d.Level == County && d.Code[4] != '7' {
			statutoryCounties++
		}
	}
	tests := []struct {
		what      string
		got, want int
	}{
		{"provinces", counts[Province], 1},
		{"cities", counts[City], 14},
		{"county-level rows (incl. 12 functional areas)", counts[County], 134},
		{"statutory counties/districts/county-level cities", statutoryCounties, 122},
		{"townships (rows of hunan-townships.csv)", counts[Township], 2008},
		{"villages", counts[Village], 0},
		{"Len", s.Len(), 1 + 14 + 134 + 2008},
		{"children of 43", len(s.Children("43")), 14},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.what, tt.got, tt.want)
		}
	}
}

func TestChildren(t *testing.T) {
	s := loadHunan(t)
	tests := []struct {
		code  string
		name  string
		count int
	}{
		{"4308", "张家界市", 4},
		{"430802", "永定区", 21},
		{"430811", "武陵源区", 4},
		{"430821", "慈利县", 26}, // 2 街道, 14 镇, 10 乡 in the 2022 data
		{"430822", "桑植县", 23},
		{"430802103", "天门山镇", 0},
		{"999999", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if tt.name != "" {
				d, ok := s.Get(tt.code)
				if !ok || d.Name != tt.name {
					t.Errorf("Get(%s) = %+v, %v; want name %s", tt.code, d, ok, tt.name)
				}
			}
			kids := s.Children(tt.code)
			if len(kids) != tt.count {
				t.Fatalf("len(Children(%s)) = %d, want %d", tt.code, len(kids), tt.count)
			}
			if !slices.IsSortedFunc(kids, func(a, b Division) int { return strings.Compare(a.Code, b.Code) }) {
				t.Errorf("Children(%s) not sorted by code", tt.code)
			}
			for _, k := range kids {
				if k.ParentCode != tt.code || !strings.HasPrefix(k.Code, tt.code) {
					t.Errorf("child %+v of %s has wrong parent", k, tt.code)
				}
			}
		})
	}

	want := []string{"430811001", "430811002", "430811201", "430811202"}
	var got []string
	for _, d := range s.Children("430811") {
		got = append(got, d.Code)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Children(430811) codes = %v, want %v", got, want)
	}

	// The returned slice is a copy.
	kids := s.Children("4308")
	kids[0].Name = "changed"
	if again := s.Children("4308"); again[0].Name != "永定区" {
		t.Errorf("Children returned an aliased slice: %+v", again[0])
	}
}

func TestGet(t *testing.T) {
	s := loadHunan(t)
	tests := []struct {
		code string
		want Division
	}{
		{"43", Division{Code: "43", Name: "湖南省", Level: Province}},
		{"4301", Division{Code: "4301", Name: "长沙市", Level: City, ParentCode: "43"}},
		{"4308", Division{Code: "4308", Name: "张家界市", Level: City, ParentCode: "43"}},
		{"430802", Division{Code: "430802", Name: "永定区", Level: County, ParentCode: "4308"}},
		{"430821", Division{Code: "430821", Name: "慈利县", Level: County, ParentCode: "4308"}},
		{"431227", Division{Code: "431227", Name: "新晃侗族自治县", Level: County, ParentCode: "4312"}},
		{"430802103", Division{Code: "430802103", Name: "天门山镇", Level: Township, ParentCode: "430802"}},
		{"430811001", Division{Code: "430811001", Name: "军地坪街道", Level: Township, ParentCode: "430811"}},
		{"430102001", Division{Code: "430102001", Name: "文艺路街道", Level: Township, ParentCode: "430102"}},
	}
	for _, tt := range tests {
		got, ok := s.Get(tt.code)
		if !ok || got != tt.want {
			t.Errorf("Get(%q) = %+v, %v; want %+v", tt.code, got, ok, tt.want)
		}
	}
	for _, code := range []string{"", "44", "4399", "430899", "430802999", "x"} {
		if d, ok := s.Get(code); ok {
			t.Errorf("Get(%q) = %+v, want not found", code, d)
		}
	}
}

func TestSetInvariants(t *testing.T) {
	s := loadHunan(t)
	for _, d := range s.All() {
		if !ValidCode(d.Code) {
			t.Errorf("%+v: invalid code", d)
		}
		if lvl, _ := LevelOf(d.Code); lvl != d.Level {
			t.Errorf("%+v: LevelOf = %v", d, lvl)
		}
		if d.Level == Province {
			if d.ParentCode != "" {
				t.Errorf("%+v: province with parent", d)
			}
			continue
		}
		p, ok := s.Get(d.ParentCode)
		if !ok || p.Level != d.Level-1 || !strings.HasPrefix(d.Code, p.Code) {
			t.Errorf("%+v: bad parent %+v (found %v)", d, p, ok)
		}
	}
}

func TestNilSet(t *testing.T) {
	var s *Set
	if s.Len() != 0 || s.Children("43") != nil || s.All() != nil {
		t.Error("nil Set is not empty")
	}
	if _, ok := s.Get("43"); ok {
		t.Error("nil Set Get found something")
	}
}

const (
	cityHdr   = "code,name,provinceCode\n"
	countyHdr = "code,name,cityCode,provinceCode\n"
	townHdr   = "code,name,areaCode,provinceCode,cityCode\n"
)

func parseStrings(c, co, tw string) (*Set, error) {
	return Parse(strings.NewReader(c), strings.NewReader(co), strings.NewReader(tw))
}

func TestParseOK(t *testing.T) {
	s, err := parseStrings(
		"\ufeff"+cityHdr+"4308,\"张家界市\",43\n4201,武汉市,42\n",
		countyHdr+"430802,\"永定区\",4308,43\n",
		townHdr+"430802103,\"天门山镇\",430802,43,4308\n430802001,南庄坪街道,430802,43,4308\n",
	)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 7 {
		t.Errorf("Len = %d, want 7", s.Len())
	}
	if d, _ := s.Get("42"); d.Name != "湖北省" {
		t.Errorf("province 42 = %+v", d)
	}
	kids := s.Children("430802")
	if len(kids) != 2 || kids[0].Code != "430802001" || kids[1].Name != "天门山镇" {
		t.Errorf("Children(430802) = %+v", kids)
	}
}

func TestParseErrors(t *testing.T) {
	okCities := cityHdr + "4308,张家界市,43\n"
	okCounties := countyHdr + "430802,永定区,4308,43\n"
	okTowns := townHdr + "430802103,天门山镇,430802,43,4308\n"
	tests := []struct {
		name               string
		cities, cos, towns string
		file               string
		line               int
		msg                string
	}{
		{"city too few columns", cityHdr + "4308,张家界市\n", okCounties, okTowns,
			"cities.csv", 2, "2 columns, want 3"},
		{"county too many columns", okCities, countyHdr + "430802,永定区,4308,43,x\n", okTowns,
			"counties.csv", 2, "5 columns, want 4"},
		{"township wrong columns on line 3", okCities, okCounties, townHdr + "430802103,天门山镇,430802,43,4308\n430802104,x,430802\n",
			"townships.csv", 3, "3 columns, want 5"},
		{"non-numeric city code", cityHdr + "43O8,张家界市,43\n", okCounties, okTowns,
			"cities.csv", 2, `code "43O8" is not numeric`},
		{"non-numeric township code", okCities, okCounties, townHdr + "43080210x,天门山镇,430802,43,4308\n",
			"townships.csv", 2, "not numeric"},
		{"non-numeric parent", okCities, countyHdr + "430802,永定区,43o8,43\n", okTowns,
			"counties.csv", 2, `cityCode: code "43o8" is not numeric`},
		{"city code of county length", cityHdr + "430802,张家界市,43\n", okCounties, okTowns,
			"cities.csv", 2, "want 4 digits for a city"},
		{"county code of township length", okCities, countyHdr + "430802103,永定区,4308,43\n", okTowns,
			"counties.csv", 2, "want 6 digits for a county"},
		{"township code of 8 digits", okCities, okCounties, townHdr + "43080210,天门山镇,430802,43,4308\n",
			"townships.csv", 2, "has 8 digits, want 2, 4, 6, 9 or 12"},
		{"unknown parent county", okCities, okCounties, townHdr + "430803103,天门山镇,430803,43,4308\n",
			"townships.csv", 2, "unknown parent 430803"},
		{"unknown parent city", okCities, countyHdr + "430902,资阳区,4309,43\n", okTowns,
			"counties.csv", 2, "unknown parent 4309"},
		{"unknown province", cityHdr + "9901,x,99\n", okCounties, okTowns,
			"cities.csv", 2, "unknown parent province 99"},
		{"code outside parent", okCities, okCounties, townHdr + "430811001,军地坪街道,430802,43,4308\n",
			"townships.csv", 2, "does not belong to its parent 430802"},
		{"wrong ancestor column", okCities, okCounties, townHdr + "430802103,天门山镇,430802,43,4307\n",
			"townships.csv", 2, "cityCode is 4307, which is not its city"},
		{"duplicate", okCities, countyHdr + "430802,永定区,4308,43\n430802,永定区,4308,43\n", okTowns,
			"counties.csv", 3, "duplicate code 430802"},
		{"empty name", okCities, countyHdr + "430802, ,4308,43\n", okTowns,
			"counties.csv", 2, "empty name"},
		{"bad header", "id,name,province\n4308,张家界市,43\n", okCounties, okTowns,
			"cities.csv", 1, "header is"},
		{"empty file", okCities, "", okTowns,
			"counties.csv", 0, "empty file"},
		{"csv syntax", okCities, okCounties, townHdr + "430802103,\"天门\"山镇,430802,43,4308\n",
			"townships.csv", 2, "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseStrings(tt.cities, tt.cos, tt.towns)
			if err == nil {
				t.Fatalf("Parse succeeded (%d divisions), want error", s.Len())
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.File != tt.file || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("error = %q (file %q line %d), want file %q line %d containing %q",
					err, pe.File, pe.Line, tt.file, tt.line, tt.msg)
			}
			if !strings.Contains(err.Error(), tt.file) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseNilReader(t *testing.T) {
	_, err := Parse(strings.NewReader(cityHdr), nil, strings.NewReader(townHdr))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "counties.csv" {
		t.Errorf("err = %v, want ParseError for counties.csv", err)
	}
}

func TestLevelOf(t *testing.T) {
	tests := []struct {
		code  string
		want  Level
		valid bool
	}{
		{"43", Province, true},
		{"4308", City, true},
		{"430802", County, true},
		{"430802103", Township, true},
		{"430802103001", Village, true},
		{"00", Province, true},
		{"", 0, false},
		{"4", 0, false},
		{"430", 0, false},
		{"43080", 0, false},
		{"4308021", 0, false},
		{"43080210", 0, false},
		{"4308021030", 0, false},
		{"4308021030011", 0, false},
		{"43a8", 0, false},
		{"43 8", 0, false},
		{" 4308", 0, false},
		{"４３", 0, false}, // full-width digits
		{"-1", 0, false},
	}
	for _, tt := range tests {
		got, err := LevelOf(tt.code)
		if (err == nil) != tt.valid || got != tt.want {
			t.Errorf("LevelOf(%q) = %v, %v; want %v, valid=%v", tt.code, got, err, tt.want, tt.valid)
		}
		if ValidCode(tt.code) != tt.valid {
			t.Errorf("ValidCode(%q) = %v, want %v", tt.code, !tt.valid, tt.valid)
		}
	}
}

func TestLevelString(t *testing.T) {
	tests := []struct {
		l    Level
		s    string
		clen int
	}{
		{Province, "province", 2},
		{City, "city", 4},
		{County, "county", 6},
		{Township, "township", 9},
		{Village, "village", 12},
		{0, "Level(0)", 0},
	}
	for _, tt := range tests {
		if got := tt.l.String(); got != tt.s {
			t.Errorf("Level(%d).String() = %q, want %q", int(tt.l), got, tt.s)
		}
		if got := tt.l.CodeLen(); got != tt.clen {
			t.Errorf("Level(%d).CodeLen() = %d, want %d", int(tt.l), got, tt.clen)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(cityHdr+"4308,\"张家界市\",43\n", countyHdr+"430802,\"永定区\",4308,43\n", townHdr+"430802103,\"天门山镇\",430802,43,4308\n")
	f.Add(cityHdr+"4308,张家界市,43\n", countyHdr+"430802,永定区,4308\n", townHdr)
	f.Add(cityHdr+"43O8,x,43\n", countyHdr, townHdr)
	f.Add(cityHdr+"\"4308,x,43\n", "", "")
	f.Add("", "", "")
	f.Add(cityHdr+"4308,x,43\r\n4308,x,43\n", countyHdr+" 430802 , y ,4308,43\n", townHdr+"430802103,z,430802,43,4308,extra\n")
	f.Fuzz(func(t *testing.T, cities, counties, townships string) {
		s, err := parseStrings(cities, counties, townships)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if s != nil {
				t.Fatalf("non-nil Set with error %v", err)
			}
			return
		}
		for _, d := range s.All() {
			if !ValidCode(d.Code) {
				t.Fatalf("invalid code in %+v", d)
			}
			if d.Name == "" {
				t.Fatalf("empty name in %+v", d)
			}
			if d.Level != Province {
				if _, ok := s.Get(d.ParentCode); !ok {
					t.Fatalf("dangling parent in %+v", d)
				}
			}
		}
	})
}
