// Package intake is the reporting domain (信访举报): report kinds and
// channels, the key fields (data), subject levels, validation of public and
// staff submissions (including the resident ID checksum), receipt codes,
// graded-acceptance routing, the report workflow as a transition table, and
// flags. It is pure: the store persists reports and the app services apply
// these rules.
package intake

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/apperr"
)

// Kind is what the reporter asks for (12388's three types).
type Kind string

// The report kinds.
const (
	KindAccusation Kind = "accusation" // 检举控告
	KindAppeal     Kind = "appeal"     // 申诉
	KindSuggestion Kind = "suggestion" // 批评建议
)

// Kinds lists the report kinds in display order.
func Kinds() []Kind { return []Kind{KindAccusation, KindAppeal, KindSuggestion} }

// Channel is how a report arrived.
type Channel string

// The channels (GLOSSARY: 来信 / 来访 / 电话 / 网络 / 12345转办 / 舆情 / 走访).
const (
	ChannelWeb      Channel = "web"            // public portal (WeChat page, website)
	ChannelLetter   Channel = "letter"         // 来信
	ChannelVisit    Channel = "visit"          // 来访
	ChannelPhone    Channel = "phone"          // 电话 (report hotline)
	ChannelHotline  Channel = "hotline-12345"  // 12345 hotline transfer
	ChannelOpinion  Channel = "public-opinion" // online public opinion
	ChannelVillage  Channel = "village-visit"  // village member's visit log
	ChannelTransfer Channel = "transfer"       // forwarded by another commission or organ
)

// Channels lists every channel.
func Channels() []Channel {
	return []Channel{ChannelWeb, ChannelLetter, ChannelVisit, ChannelPhone, ChannelHotline, ChannelOpinion, ChannelVillage, ChannelTransfer}
}

// StaffChannels are the channels the petition office registers by hand.
func StaffChannels() []Channel {
	return []Channel{ChannelLetter, ChannelVisit, ChannelPhone, ChannelHotline, ChannelOpinion, ChannelVillage, ChannelTransfer}
}

// ValidChannel reports whether c is known.
func ValidChannel(c Channel) bool {
	for _, x := range Channels() {
		if x == c {
			return true
		}
	}
	return false
}

// Level is the subject's cadre-management level, which decides routing
// (分级负责).
type Level string

// The subject levels.
const (
	LevelVillage  Level = "village"  // 村（社区）干部
	LevelTownship Level = "township" // 乡镇（街道）干部
	LevelCounty   Level = "county"   // 县管干部
	LevelCity     Level = "city"     // 市管干部及以上
	LevelOther    Level = "other"    // 其他（非公职人员、单位）
)

// Levels lists the subject levels in display order.
func Levels() []Level {
	return []Level{LevelVillage, LevelTownship, LevelCounty, LevelCity, LevelOther}
}

// Category is a key field (重点领域). The list is data (categories.json).
type Category struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

//go:embed categories.json
var dataFS embed.FS

// Categories returns the key fields, in display order.
func Categories() ([]Category, error) {
	b, err := dataFS.ReadFile("categories.json")
	if err != nil {
		return nil, err
	}
	var out []Category
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("intake: categories.json: %w", err)
	}
	return out, nil
}

// Subject is the person (or organisation) a report is about.
type Subject struct {
	Name  string `json:"name"`
	Unit  string `json:"unit"`
	Post  string `json:"post"`
	Level Level  `json:"level"`
}

// Reporter is a real-name reporter's identity. It is sealed before storage
// and never leaves the store in clear except through an audited reveal.
type Reporter struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
}

// Submission is a new report as entered on the portal or by staff.
type Submission struct {
	Kind         Kind
	Channel      Channel
	Title        string
	Content      string
	Category     string
	DivisionCode string // where: a county, township or village code
	Subject      Subject
	Anonymous    bool
	Reporter     Reporter
	ExternalID   string    // the source system's number (imports), for idempotency
	Source       string    // import source label, e.g. the file's system
	ReceivedAt   time.Time // zero = now (staff may back-date a letter's arrival)
	Collective   bool      // 集体件: many people reporting together
	Reply        string    // imports: the source system's reply (答复意见), kept as a public message
}

// Limits on text sizes (characters).
const (
	MaxTitle   = 100
	MaxContent = 10000
	MaxName    = 50
)

// Validate checks a submission. public is true for the portal, where the
// kind, place, category and subject level must be chosen. categories are the
// known key-field codes. Errors: invalid with field codes.
func (s *Submission) Validate(public bool, categories []Category) error {
	var v apperr.Validation
	s.Title, s.Content = clean(s.Title), cleanText(s.Content)
	s.Subject.Name, s.Subject.Unit, s.Subject.Post = clean(s.Subject.Name), clean(s.Subject.Unit), clean(s.Subject.Post)
	s.Reporter.Name, s.Reporter.IDNumber, s.Reporter.Phone = clean(s.Reporter.Name), strings.ToUpper(clean(s.Reporter.IDNumber)), clean(s.Reporter.Phone)
	switch s.Kind {
	case KindAccusation, KindAppeal, KindSuggestion:
	default:
		v.Add("kind", "intake.kind_invalid")
	}
	if !ValidChannel(s.Channel) {
		v.Add("channel", "intake.channel_invalid")
	}
	if s.Title == "" && public {
		v.Add("title", "intake.title_required")
	} else if utf8.RuneCountInString(s.Title) > MaxTitle {
		v.Add("title", "intake.title_too_long")
	}
	switch n := utf8.RuneCountInString(s.Content); {
	case n == 0:
		v.Add("content", "intake.content_required")
	case public && n < 10:
		v.Add("content", "intake.content_too_short")
	case n > MaxContent:
		v.Add("content", "intake.content_too_long")
	}
	if s.Category != "" || public {
		ok := false
		for _, c := range categories {
			ok = ok || c.Code == s.Category
		}
		if !ok {
			v.Add("category", "intake.category_invalid")
		}
	}
	if s.DivisionCode != "" || public {
		if !validPlace(s.DivisionCode) {
			v.Add("division_code", "intake.place_invalid")
		}
	}
	if s.Subject.Level != "" || public {
		okLevel := false
		for _, l := range Levels() {
			okLevel = okLevel || l == s.Subject.Level
		}
		if !okLevel {
			v.Add("subject.level", "intake.level_invalid")
		}
	}
	if utf8.RuneCountInString(s.Subject.Name) > MaxName {
		v.Add("subject.name", "intake.name_too_long")
	}
	if utf8.RuneCountInString(s.Subject.Unit) > 100 || utf8.RuneCountInString(s.Subject.Post) > 100 {
		v.Add("subject.unit", "intake.subject_too_long")
	}
	if s.Kind == KindAccusation && public && s.Subject.Name == "" && s.Subject.Unit == "" {
		v.Add("subject.name", "intake.subject_required")
	}
	if !s.Anonymous {
		// The portal asks for name, ID number and phone (12388 practice);
		// staff entries need a name and one verifiable contact ([R-JK]
		// Art. 24: real name plus phone or other concrete contact).
		if s.Reporter.Name == "" || utf8.RuneCountInString(s.Reporter.Name) > MaxName {
			v.Add("reporter.name", "intake.reporter_name_required")
		}
		idOK, phoneOK := ValidIDNumber(s.Reporter.IDNumber), ValidMobileOrPhone(s.Reporter.Phone)
		if public || s.Reporter.IDNumber != "" {
			if !idOK {
				v.Add("reporter.id_number", "intake.id_number_invalid")
			}
		}
		if public || s.Reporter.Phone != "" || !idOK {
			if !phoneOK {
				v.Add("reporter.phone", "intake.phone_invalid")
			}
		}
	} else {
		s.Reporter = Reporter{}
	}
	if len(s.ExternalID) > 64 {
		v.Add("external_id", "intake.external_id_too_long")
	}
	return v.Err()
}

// MaxFutureReceipt is how far a staff entry's or an imported row's time of
// receipt may lie after the server's clock (the clocks of source systems
// differ a little; such a time counts as now). A later time is a mistake
// in the entry or the file, not a time to count statutory limits from.
const MaxFutureReceipt = 10 * time.Minute

// ValidateReceivedAt refuses a time of receipt more than MaxFutureReceipt
// after now. Errors: invalid with field received_at.
func (s *Submission) ValidateReceivedAt(now time.Time) error {
	if s.ReceivedAt.After(now.Add(MaxFutureReceipt)) {
		return apperr.InvalidField("received_at", "intake.received_future")
	}
	return nil
}

// validPlace accepts a county (6), township (9) or village (12) code.
func validPlace(code string) bool {
	if n := len(code); n != 6 && n != 9 && n != 12 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// clean trims a one-line field and collapses inner whitespace.
func clean(s string) string { return strings.Join(strings.Fields(stripInvisible(s)), " ") }

// cleanText trims a multi-line text, normalises line ends and drops
// zero-width characters, keeping paragraphs.
func cleanText(s string) string {
	s = strings.ReplaceAll(stripInvisible(s), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\ufeff', '\u2060':
			return -1
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

// ValidIDNumber checks an 18-character resident identity number (GB 11643):
// 17 digits, a plausible birth date, and the ISO 7064 MOD 11-2 check
// character (0-9 or X).
func ValidIDNumber(id string) bool {
	if len(id) != 18 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * weights[i]
	}
	if _, err := time.Parse("20060102", id[6:14]); err != nil {
		return false
	}
	return id[17] == "10X98765432"[sum%11]
}

// ValidMobileOrPhone accepts a mainland mobile (11 digits starting with 1)
// or a landline with area code (0744-1234567, 10–12 digits).
func ValidMobileOrPhone(s string) bool {
	digits, dash := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' && i > 0:
			dash++
		default:
			return false
		}
	}
	if dash == 0 {
		return digits == 11 && s[0] == '1'
	}
	return dash == 1 && digits >= 10 && digits <= 12 && s[0] == '0'
}
