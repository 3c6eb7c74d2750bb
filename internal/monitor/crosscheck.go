package monitor

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Payment is one row of a subsidy payment list (民生资金发放名单).
type Payment struct {
	Line      int    // row number in its list (1-based, header excluded)
	List      string // the list it came from; two lists may pay the same person
	Name      string
	IDNumber  string
	Item      string // subsidy item (补贴项目)
	AmountFen int64
	Date      time.Time // payment date
	Township  string
	Village   string
	// IDKey, when set, stands for the ID number: a keyed hash of the
	// normalised number read back from storage, which keeps no ID number in
	// clear; IDValid says whether that number passed its check digit.
	IDKey   string
	IDValid bool
}

// idOf is the normalised ID number (or its keyed hash) and its validity.
func (p Payment) idOf() (string, bool) {
	if p.IDKey != "" {
		return p.IDKey, p.IDValid
	}
	return NormalizeID(p.IDNumber)
}

// RefKind names a reference list (部门基础比对数据).
type RefKind string

// The reference lists of the comparison rules (domain.md §5).
const (
	RefDeath          RefKind = "death"           // death / cremation records; Date = date of death
	RefPublicEmployee RefKind = "public_employee" // public payroll; Date = start of employment
	RefRelative       RefKind = "relative"        // relatives of officials and village cadres
	RefVehicle        RefKind = "vehicle"         // vehicle registration; Date = registration
	RefProperty       RefKind = "property"        // property registration; Date = registration
	RefBusiness       RefKind = "business"        // business registration; Date = registration
	RefDisability     RefKind = "disability"      // disability registry
)

// RefKinds lists the reference kinds in display order.
func RefKinds() []RefKind {
	return []RefKind{RefDeath, RefPublicEmployee, RefRelative, RefVehicle, RefProperty, RefBusiness, RefDisability}
}

// Reference is one row of a reference list.
type Reference struct {
	Kind     RefKind
	Line     int
	List     string // the list it came from
	Name     string
	IDNumber string
	Village  string
	Date     time.Time // zero when unknown
	Note     string
	IDKey    string // as Payment.IDKey
	IDValid  bool
}

func (r Reference) idOf() (string, bool) {
	if r.IDKey != "" {
		return r.IDKey, r.IDValid
	}
	return NormalizeID(r.IDNumber)
}

// Date conditions of a rule.
const (
	DateAfter     = "after"       // paid strictly after the reference date (death)
	DateOnOrAfter = "on_or_after" // the reference date is on or before the payment date (employed, registered)
)

// CheckRule is one comparison rule: a payment matching a reference of Kind (or,
// when Absent, matching none) is a suspect.
type CheckRule struct {
	Code        string   `json:"code"`
	Kind        RefKind  `json:"kind"`   // empty: the double-payment rule, across payments
	Date        string   `json:"date"`   // "", DateAfter or DateOnOrAfter
	Items       []string `json:"items"`  // item keywords the rule applies to; empty: all items
	Absent      bool     `json:"absent"` // suspect when the person is NOT in the list
	Groups      []string `json:"groups"` // double payment: items containing the same keyword are one kind of subsidy
	Explanation string   `json:"explanation"`
}

// AppliesTo reports whether the rule covers a subsidy item.
func (r CheckRule) AppliesTo(item string) bool {
	if len(r.Items) == 0 {
		return true
	}
	for _, k := range r.Items {
		if strings.Contains(item, k) {
			return true
		}
	}
	return false
}

// RuleDouble is the code of the double-payment rule.
const RuleDouble = "double_payment"

//go:embed crosscheck_rules.json
var crosscheckRulesFS embed.FS

// CrossCheckRules returns the embedded comparison rules. An error means the
// embedded file is broken.
func CrossCheckRules() ([]CheckRule, error) {
	b, err := crosscheckRulesFS.ReadFile("crosscheck_rules.json")
	if err != nil {
		return nil, err
	}
	var rules []CheckRule
	if err := json.Unmarshal(b, &rules); err != nil {
		return nil, fmt.Errorf("monitor: crosscheck rules: %w", err)
	}
	known := map[RefKind]bool{}
	for _, k := range RefKinds() {
		known[k] = true
	}
	seen := map[string]bool{}
	for _, r := range rules {
		switch {
		case r.Code == "" || seen[r.Code]:
			return nil, fmt.Errorf("monitor: crosscheck rule %q: empty or repeated code", r.Code)
		case r.Kind == "" && r.Code != RuleDouble, r.Kind != "" && !known[r.Kind]:
			return nil, fmt.Errorf("monitor: crosscheck rule %q: unknown kind %q", r.Code, r.Kind)
		case r.Date != "" && r.Date != DateAfter && r.Date != DateOnOrAfter:
			return nil, fmt.Errorf("monitor: crosscheck rule %q: unknown date condition %q", r.Code, r.Date)
		case r.Explanation == "":
			return nil, fmt.Errorf("monitor: crosscheck rule %q: no explanation", r.Code)
		}
		seen[r.Code] = true
	}
	return rules, nil
}
