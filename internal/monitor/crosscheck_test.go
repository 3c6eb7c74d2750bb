package monitor

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// testID makes a valid 18-digit ID number from a sequence number.
func testID(n int) string {
	s := fmt.Sprintf("4308221960%07d", n%10000000)
	c, _ := idCheckDigit(s)
	return s + string(c)
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustRules(t testing.TB) []CheckRule {
	t.Helper()
	rules, err := CrossCheckRules()
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func TestCrossCheckRulesCoverEveryKind(t *testing.T) {
	rules := mustRules(t)
	kinds := map[RefKind]string{}
	for _, r := range rules {
		kinds[r.Kind] = r.Code
	}
	for _, k := range RefKinds() {
		if kinds[k] == "" {
			t.Errorf("no rule for reference kind %s", k)
		}
	}
	if kinds[""] != RuleDouble {
		t.Errorf("double-payment rule = %q", kinds[""])
	}
}

func TestNormalizeID(t *testing.T) {
	valid := testID(42)
	lower := strings.Replace(testID(7), "X", "x", 1)
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{valid, valid, true},
		{" " + valid[:6] + " " + valid[6:] + "\u3000", valid, true},
		{"４３０８２２" + valid[6:], valid, true},
		{valid[:17] + "0", valid[:17] + "0", valid[17] == '0'},
		{valid[:17], valid[:17], false},
		{"", "", false},
		{"43082219600000007x", "43082219600000007X", validID("43082219600000007X")},
		{lower, strings.ToUpper(lower), true},
	} {
		got, ok := NormalizeID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// The check digit is X for some sequence numbers: find one and test it.
	found := false
	for n := 0; n < 100 && !found; n++ {
		if id := testID(n); id[17] == 'X' {
			found = true
			if got, ok := NormalizeID(strings.ToLower(id)); got != id || !ok {
				t.Errorf("NormalizeID(lower %s) = %q, %v", id, got, ok)
			}
		}
	}
	if !found {
		t.Fatal("no ID with check digit X among 100")
	}
}

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"张三", "张三"},
		{" 张 三\u3000", "张三"},
		{"阿不都•热合曼", "阿不都·热合曼"},
		{"阿不都.热合曼", "阿不都·热合曼"},
		{"ｌｉ ｍｉｎｇ", "LIMING"},
		{"王\u200b五", "王五"},
		{"", ""},
	} {
		if got := NormalizeName(tc.in); got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type hit struct {
	CheckRule string
	Strength  Strength
	Matched   string
}

func runMatch(rules []CheckRule, refs []Reference, pays []Payment) []hit {
	m := NewMatcher(rules, refs)
	var got []hit
	for _, p := range pays {
		m.Match(p, func(s Suspect) {
			got = append(got, hit{s.CheckRule, s.Strength, strings.Join(s.Matched, ",")})
		})
	}
	return got
}

func TestMatch(t *testing.T) {
	rules := mustRules(t)
	a, b := testID(1), testID(2)
	pay := func(name, id, item, date, village string) Payment {
		return Payment{Name: name, IDNumber: id, Item: item, AmountFen: 30000, Date: day(date), Township: "城关镇", Village: village}
	}
	ref := func(kind RefKind, name, id, village, date string) Reference {
		r := Reference{Kind: kind, Name: name, IDNumber: id, Village: village}
		if date != "" {
			r.Date = day(date)
		}
		return r
	}
	for _, tc := range []struct {
		name string
		refs []Reference
		pays []Payment
		want []hit
	}{
		{"deceased by ID, paid after death",
			[]Reference{ref(RefDeath, "李四", a, "", "2024-01-10")},
			[]Payment{pay("李 四", strings.ToLower(a), "农村低保", "2024-03-05", "桃源村")},
			[]hit{{"deceased", Strong, "id_number,date"}}},
		{"deceased, paid before death",
			[]Reference{ref(RefDeath, "李四", a, "桃源村", "2024-05-10")},
			[]Payment{pay("李四", a, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"deceased, paid on the day of death",
			[]Reference{ref(RefDeath, "李四", a, "桃源村", "2024-03-05")},
			[]Payment{pay("李四", a, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"deceased by name and village (payment without ID)",
			[]Reference{ref(RefDeath, "李四", a, "桃源村", "2024-01-10")},
			[]Payment{pay("李四", "", "耕地地力保护补贴", "2024-03-05", "桃源村")},
			[]hit{{"deceased", Weak, "name,village,date"}}},
		{"same name, different village: no match",
			[]Reference{ref(RefDeath, "李四", "", "杏花村", "2024-01-10")},
			[]Payment{pay("李四", "", "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"same name and village, different ID numbers: distinct people",
			[]Reference{ref(RefDeath, "李四", a, "桃源村", "2024-01-10")},
			[]Payment{pay("李四", b, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"public employee employed on the payment date",
			[]Reference{ref(RefPublicEmployee, "王五", a, "", "2020-09-01")},
			[]Payment{pay("王五", a, "城市低保", "2024-03-05", "桃源村")},
			[]hit{{"public_employee", Strong, "id_number,date"}}},
		{"public employee hired after the payment",
			[]Reference{ref(RefPublicEmployee, "王五", a, "", "2024-09-01")},
			[]Payment{pay("王五", a, "城市低保", "2024-03-05", "桃源村")},
			nil},
		{"public employee and a non-means-tested item",
			[]Reference{ref(RefPublicEmployee, "王五", a, "", "2020-09-01")},
			[]Payment{pay("王五", a, "耕地地力保护补贴", "2024-03-05", "桃源村")},
			nil},
		{"relative of a village cadre, no date",
			[]Reference{ref(RefRelative, "赵六", a, "桃源村", "")},
			[]Payment{pay("赵六", a, "特困供养", "2024-03-05", "桃源村")},
			[]hit{{"official_relative", Strong, "id_number"}}},
		{"vehicle, property and business",
			[]Reference{ref(RefVehicle, "钱七", a, "", "2023-01-01"), ref(RefProperty, "钱七", a, "", "2022-01-01"), ref(RefBusiness, "钱七", a, "", "")},
			[]Payment{pay("钱七", a, "农村低保", "2024-03-05", "桃源村")},
			[]hit{{"business_owner", Strong, "id_number"}, {"property_owner", Strong, "id_number,date"}, {"vehicle_owner", Strong, "id_number,date"}}},
		{"vehicle registered after the payment",
			[]Reference{ref(RefVehicle, "钱七", a, "", "2024-06-01")},
			[]Payment{pay("钱七", a, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"disability subsidy, not in the registry",
			[]Reference{ref(RefDisability, "孙八", b, "桃源村", "")},
			[]Payment{pay("周九", a, "困难残疾人生活补贴", "2024-03-05", "桃源村")},
			[]hit{{"not_disabled", "", "item"}}},
		{"disability subsidy, in the registry by name and village",
			[]Reference{ref(RefDisability, "周九", "", "桃源村", "")},
			[]Payment{pay("周九", a, "重度残疾人护理补贴", "2024-03-05", "桃源村")},
			nil},
		{"registry only applies to disability subsidies",
			[]Reference{ref(RefDisability, "孙八", b, "桃源村", "")},
			[]Payment{pay("周九", a, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"no registry loaded: no absence suspects",
			nil,
			[]Payment{pay("周九", a, "困难残疾人生活补贴", "2024-03-05", "桃源村")},
			nil},
		{"double payment: urban and rural 低保 in one month",
			nil,
			[]Payment{pay("吴十", a, "城市低保", "2024-03-05", "桃源村"), pay("吴十", a, "农村低保", "2024-03-20", "桃源村")},
			[]hit{{"double_payment", Strong, "id_number,item,date"}}},
		{"no double payment across months or items",
			nil,
			[]Payment{pay("吴十", a, "农村低保", "2024-03-05", "桃源村"), pay("吴十", a, "农村低保", "2024-04-05", "桃源村"),
				pay("吴十", a, "耕地地力保护补贴", "2024-04-05", "桃源村")},
			nil},
		{"no double payment for namesakes with different IDs",
			nil,
			[]Payment{pay("吴十", a, "农村低保", "2024-03-05", "桃源村"), pay("吴十", b, "农村低保", "2024-03-05", "桃源村")},
			nil},
		{"one suspect per rule and payment",
			[]Reference{ref(RefDeath, "李四", a, "桃源村", "2024-01-10"), ref(RefDeath, "李四", "", "桃源村", "2024-01-10")},
			[]Payment{pay("李四", a, "农村低保", "2024-03-05", "桃源村")},
			[]hit{{"deceased", Strong, "id_number,date"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runMatch(rules, tc.refs, tc.pays)
			sort.Slice(got, func(i, j int) bool { return got[i].CheckRule < got[j].CheckRule })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("suspects = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSuspectKeyIsRunIndependent(t *testing.T) {
	a := testID(3)
	p := Payment{Line: 5, List: "一月", Name: "李四", IDNumber: a, Item: "农村低保", Date: day("2024-03-05"), Village: "桃源村"}
	q := p
	q.Line, q.List, q.IDNumber, q.Date = 900, "重导", strings.ToLower(" "+a), day("2024-03-28")
	if SuspectKey(p, "deceased") != SuspectKey(q, "deceased") {
		t.Errorf("keys differ: %q, %q", SuspectKey(p, "deceased"), SuspectKey(q, "deceased"))
	}
	q.Date = day("2024-04-05")
	if SuspectKey(p, "deceased") == SuspectKey(q, "deceased") {
		t.Error("another period has the same key")
	}
	noID := Payment{Name: " 李四", Item: "农村低保", Date: day("2024-03-05"), Village: "桃源村"}
	if got, want := SuspectKey(noID, "deceased"), "nv:李四|桃源村|deceased|农村低保|2024-03"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
}
