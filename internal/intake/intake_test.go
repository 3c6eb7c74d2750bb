package intake

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/apperr"
)

func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},  // GB 11643 example
		{"110105194912310021", false}, // wrong check character
		{"11010519491231002x", false}, // lower-case x is normalised by Validate, not here
		{"430802199002300011", false}, // 30 February
		{"4308021990010100", false},   // too short
		{"43080219900101001A", false}, // bad check character class
		{"", false},
	}
	for _, tc := range tests {
		if got := ValidIDNumber(tc.id); got != tc.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestValidMobileOrPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"13800138000": true, "0744-8888888": true, "07448888888": false, "1380013800": false,
		"23800138000": false, "0744--888888": false, "+8613800138000": false, "": false,
	} {
		if got := ValidMobileOrPhone(s); got != want {
			t.Errorf("ValidMobileOrPhone(%q) = %v, want %v", s, got, want)
		}
	}
}

func cats(t *testing.T) []Category {
	t.Helper()
	c, err := Categories()
	if err != nil || len(c) != 6 || c[0].Code != "collective_assets" || c[5].Code != "other" {
		t.Fatalf("Categories() = %v, %v", c, err)
	}
	return c
}

func TestValidate(t *testing.T) {
	good := func() Submission {
		return Submission{Kind: KindAccusation, Channel: ChannelWeb, Title: "村干部虚报冒领补贴",
			Content: "某村会计多次虚报冒领惠农补贴资金，请查处。", Category: "subsidies", DivisionCode: "430802103201",
			Subject: Subject{Name: "张某", Unit: "某村委会", Post: "会计", Level: LevelVillage}, Anonymous: true}
	}
	tests := []struct {
		name   string
		edit   func(*Submission)
		public bool
		fields []string
	}{
		{"anonymous ok", func(*Submission) {}, true, nil},
		{"real-name ok", func(s *Submission) {
			s.Anonymous = false
			s.Reporter = Reporter{Name: "李四", IDNumber: "11010519491231002x", Phone: "13800138000"}
		}, true, nil},
		{"real-name bad id and phone", func(s *Submission) {
			s.Anonymous = false
			s.Reporter = Reporter{Name: "李四", IDNumber: "110105194912310021", Phone: "12345"}
		}, true, []string{"reporter.id_number", "reporter.phone"}},
		{"real-name no name", func(s *Submission) {
			s.Anonymous = false
			s.Reporter = Reporter{IDNumber: "11010519491231002X", Phone: "13800138000"}
		}, true, []string{"reporter.name"}},
		{"empty", func(s *Submission) { *s = Submission{Anonymous: true} }, true,
			[]string{"kind", "channel", "title", "content", "category", "division_code", "subject.level"}},
		{"short content", func(s *Submission) { s.Content = "太短" }, true, []string{"content"}},
		{"long title", func(s *Submission) { s.Title = strings.Repeat("题", MaxTitle+1) }, true, []string{"title"}},
		{"bad place", func(s *Submission) { s.DivisionCode = "43080" }, true, []string{"division_code"}},
		{"unknown category", func(s *Submission) { s.Category = "weather" }, true, []string{"category"}},
		{"accusation without subject", func(s *Submission) { s.Subject.Name, s.Subject.Unit = "", "" }, true, []string{"subject.name"}},
		{"staff real-name with phone only", func(s *Submission) {
			s.Channel, s.Anonymous = ChannelPhone, false
			s.Reporter = Reporter{Name: "王五", Phone: "0744-8225678"}
		}, false, nil},
		{"staff real-name without contact", func(s *Submission) {
			s.Channel, s.Anonymous = ChannelLetter, false
			s.Reporter = Reporter{Name: "王五"}
		}, false, []string{"reporter.phone"}},
		{"public real-name needs both", func(s *Submission) {
			s.Anonymous = false
			s.Reporter = Reporter{Name: "王五", Phone: "13800138000"}
		}, true, []string{"reporter.id_number"}},
		{"staff entry may omit place, level, category, title", func(s *Submission) {
			s.Channel, s.DivisionCode, s.Subject, s.Category, s.Title = ChannelPhone, "", Subject{}, "", ""
		}, false, nil},
	}
	c := cats(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.edit(&s)
			err := s.Validate(tc.public, c)
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e := apperr.As(err)
			if e.Code != apperr.Invalid {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			for _, f := range tc.fields {
				if _, ok := e.Fields[f]; !ok {
					t.Errorf("field %s not flagged; got %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tc.fields) {
				t.Errorf("fields %v, want exactly %v", e.Fields, tc.fields)
			}
		})
	}
}

func TestValidateCleansAndDropsAnonymousIdentity(t *testing.T) {
	s := Submission{Kind: KindSuggestion, Channel: ChannelWeb, Title: "  建议\u200b  公开 ", Content: " 第一段 \r\n\r\n 第二段内容比较长一些 ",
		Category: "other", DivisionCode: "430802", Subject: Subject{Level: LevelCounty}, Anonymous: true,
		Reporter: Reporter{Name: "不应保存", IDNumber: "11010519491231002X", Phone: "13800138000"}}
	if err := s.Validate(true, cats(t)); err != nil {
		t.Fatal(err)
	}
	if s.Title != "建议 公开" || s.Content != "第一段\n\n第二段内容比较长一些" {
		t.Errorf("cleaned title %q content %q", s.Title, s.Content)
	}
	if s.Reporter != (Reporter{}) {
		t.Errorf("anonymous submission kept reporter identity %+v", s.Reporter)
	}
}

func TestReceiptCode(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		c, err := NewReceiptCode(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != ReceiptLen || !PlausibleReceipt(c) || seen[c] {
			t.Fatalf("code %q: len %d plausible %v dup %v", c, len(c), PlausibleReceipt(c), seen[c])
		}
		seen[c] = true
		for _, r := range c {
			counts[r]++
		}
	}
	// 40,000 symbols over 56: each about 714; a broken sampler skews far more.
	if len(counts) != len(receiptAlphabet) {
		t.Errorf("%d distinct symbols, want %d", len(counts), len(receiptAlphabet))
	}
	for r, n := range counts {
		if n < 500 || n > 950 {
			t.Errorf("symbol %q drawn %d times, want about 714", r, n)
		}
	}
	// Entropy: 20 symbols of 56 ≈ 116 bits ≥ 90.
	if ReceiptLen < 16 {
		t.Errorf("receipt codes must be at least 16 characters")
	}
	g := GroupReceipt("ABCDEFGHJKLMNPQRSTUV")
	if g != "ABCD-EFGH-JKLM-NPQR-STUV" || NormalizeReceipt(" "+g+" ") != "ABCDEFGHJKLMNPQRSTUV" {
		t.Errorf("group/normalise: %q", g)
	}
	if PlausibleReceipt("ABCDEFGHJKLMNPQRSTU0") || PlausibleReceipt("short") {
		t.Error("implausible codes accepted")
	}
	h, err := NewReceiptHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := NewReceiptHasher(bytes.Repeat([]byte{8}, 32))
	code := "Ab3dEf5hJk6mNp7qRs8t"
	if h.Hash(code) != h.Hash(GroupReceipt(code)) || h.Hash(code) == h.Hash(strings.ToLower(code)) || h.Hash(code) == h2.Hash(code) || len(h.Hash(code)) != 64 {
		t.Error("receipt hash must ignore grouping, keep case, depend on the key, and be 32 bytes hex")
	}
	if _, err := NewReceiptHasher([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
}

func TestDecide(t *testing.T) {
	yd := &UnitRef{1, "永定区纪委监委"}
	cl := &UnitRef{2, "慈利县纪委监委"}
	tms := &UnitRef{3, "天门山镇纪委"}
	office := &UnitRef{4, "第二纪检监察室"}
	city := &UnitRef{5, "张家界市纪委监委"}
	tests := []struct {
		name string
		in   RouteInput
		want Route
	}{
		{"village cadre → township", RouteInput{Level: LevelVillage, Receiving: yd, PlaceCounty: yd, PlaceTownship: tms, Upper: city},
			Route{RouteAccept, *tms, "intake.route.township"}},
		{"township cadre → township", RouteInput{Level: LevelTownship, Receiving: yd, PlaceCounty: yd, PlaceTownship: tms},
			Route{RouteAccept, *tms, "intake.route.township"}},
		{"township cadre, county-only place → county", RouteInput{Level: LevelTownship, Receiving: yd, PlaceCounty: yd},
			Route{RouteAccept, *yd, "intake.route.county_no_township"}},
		{"county cadre → area office", RouteInput{Level: LevelCounty, Receiving: yd, PlaceCounty: yd, PlaceTownship: tms, AreaOffice: office},
			Route{RouteAccept, *office, "intake.route.area_office"}},
		{"county cadre, no area group → county", RouteInput{Level: LevelCounty, Receiving: yd, PlaceCounty: yd},
			Route{RouteAccept, *yd, "intake.route.county"}},
		{"city cadre → forward up", RouteInput{Level: LevelCity, Receiving: yd, PlaceCounty: yd, Upper: city},
			Route{RouteForward, *city, "intake.route.upper_level"}},
		{"other county → forward", RouteInput{Level: LevelVillage, Receiving: yd, PlaceCounty: cl},
			Route{RouteForward, *cl, "intake.route.other_county"}},
		{"not an official → decline", RouteInput{Level: LevelOther, Receiving: yd, PlaceCounty: yd},
			Route{RouteDecline, UnitRef{}, "intake.decline.not_in_remit"}},
		{"unknown place → decline", RouteInput{Level: LevelVillage, Receiving: yd},
			Route{RouteDecline, UnitRef{}, "intake.decline.place_unknown"}},
	}
	for _, tc := range tests {
		if got := Decide(tc.in); got != tc.want {
			t.Errorf("%s: Decide = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if c, tw, v := PlaceCodes("430802103201"); c != "430802" || tw != "430802103" || v != "430802103201" {
		t.Errorf("PlaceCodes = %s %s %s", c, tw, v)
	}
}

func TestWorkflowTable(t *testing.T) {
	states := map[Status]bool{StatusReceived: true, StatusAccepted: true, StatusHandling: true,
		StatusForwarded: true, StatusDeclined: true, StatusClosed: true}
	seen := map[string]bool{}
	reach := map[Status]bool{StatusReceived: true}
	for _, tr := range Workflow() {
		if !states[tr.From] || !states[tr.To] || tr.Perm == "" || tr.Guard == "" {
			t.Errorf("bad transition %+v", tr)
		}
		k := string(tr.From) + string(tr.Op) + string(tr.To)
		if seen[k] {
			t.Errorf("duplicate transition %+v", tr)
		}
		seen[k] = true
		reach[tr.To] = true
	}
	for s := range states {
		if !reach[s] {
			t.Errorf("state %s unreachable", s)
		}
	}
	if got := Next(StatusReceived, OpForward); len(got) != 2 {
		t.Errorf("Next(received, forward) = %v", got)
	}
	if got := Next(StatusClosed, OpAccept); len(got) != 0 {
		t.Errorf("closed reports cannot be accepted: %v", got)
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("accusation", "标题", "内容内容内容内容内容内容", "subsidies", "430802103", "张三", "village", false, "李四", "11010519491231002X", "13800138000")
	c, _ := Categories()
	f.Fuzz(func(t *testing.T, kind, title, content, cat, place, subj, level string, anon bool, name, id, phone string) {
		s := Submission{Kind: Kind(kind), Channel: ChannelWeb, Title: title, Content: content, Category: cat, DivisionCode: place,
			Subject: Subject{Name: subj, Level: Level(level)}, Anonymous: anon, Reporter: Reporter{Name: name, IDNumber: id, Phone: phone}}
		err := s.Validate(true, c)
		if err == nil {
			if !ValidIDNumber(s.Reporter.IDNumber) && !s.Anonymous {
				t.Fatalf("accepted a bad ID number %q", s.Reporter.IDNumber)
			}
			if s.Anonymous && s.Reporter != (Reporter{}) {
				t.Fatalf("anonymous submission kept identity")
			}
		} else if apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("non-validation error %v", err)
		}
	})
}

func TestValidateReceivedAt(t *testing.T) {
	now := time.Date(2026, 2, 5, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"unset", time.Time{}, true},
		{"past", now.AddDate(-1, 0, 0), true},
		{"now", now, true},
		{"a clock a little ahead", now.Add(MaxFutureReceipt), true},
		{"later", now.Add(MaxFutureReceipt + time.Second), false},
		{"next year", now.AddDate(1, 0, 0), false},
	} {
		s := Submission{ReceivedAt: tc.at}
		err := s.ValidateReceivedAt(now)
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && apperr.As(err).Fields["received_at"] != "intake.received_future" {
			t.Errorf("%s: %v, want field received_at intake.received_future", tc.name, apperr.As(err).Fields)
		}
	}
}
