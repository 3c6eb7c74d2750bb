package monitor

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// xcheckData is a generated payment list with its reference lists; want
// maps the line of every planted anomaly to the rule that must catch it.
type xcheckData struct {
	pays []Payment
	refs []Reference
	want map[int]string
}

// genCrossCheck generates persons paid one item every month, namesakes
// in the same villages (reference rows of other people with the same
// name and village, which must not match), disability payees in the
// registry, and plantsPerRule planted anomalies of every rule, each on a
// person paid once. A negative innocentRefs fills the reference lists up
// to -innocentRefs rows in all. Near misses (dates on the safe side, namesakes with
// other ID numbers) are planted too and must not match.
func genCrossCheck(persons, months, innocentRefs, plantsPerRule int, seed uint64) xcheckData {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰玉梅红云飞建国文辉林波斌宇浩凯鹏")
	name := func() string {
		return string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))]) + string(given[rng.IntN(len(given))])
	}
	townships := []string{"城关镇", "白沙镇", "桃花乡", "龙潭镇", "石门乡"}
	village := func(n int) (string, string) {
		return townships[n%len(townships)], fmt.Sprintf("第%d村", n%150)
	}
	items := []string{"农村低保", "城市低保", "耕地地力保护补贴", "困难残疾人生活补贴", "特困供养", "高龄津贴"}
	d := xcheckData{want: map[int]string{}}
	start := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	line := 0
	add := func(p Payment) int {
		line++
		p.Line = line
		p.List = "2024年民生资金"
		d.pays = append(d.pays, p)
		return line
	}
	// Regular payees: persons 1..persons, one item, paid every month.
	type person struct {
		name, id, town, vil, item string
	}
	people := make([]person, persons)
	for i := range people {
		t, v := village(rng.IntN(1 << 20))
		people[i] = person{name(), testID(i + 1), t, v, items[rng.IntN(len(items))]}
		if people[i].item == "困难残疾人生活补贴" {
			d.refs = append(d.refs, Reference{Kind: RefDisability, Name: people[i].name, IDNumber: people[i].id, Village: v})
		}
	}
	for m := 0; m < months; m++ {
		for _, p := range people {
			add(Payment{Name: p.name, IDNumber: p.id, Item: p.item, AmountFen: 33000, Date: start.AddDate(0, m, 0),
				Township: p.town, Village: p.vil})
		}
	}
	// Innocent references: other people, often namesakes in the payees' villages.
	kinds := RefKinds()
	if innocentRefs < 0 {
		innocentRefs = -innocentRefs - len(d.refs) - 12*plantsPerRule
	}
	for j := 0; j < innocentRefs; j++ {
		k := kinds[rng.IntN(len(kinds)-1)] // not the disability registry: it would clear payees
		r := Reference{Kind: k, Name: name(), IDNumber: testID(5000000 + j), Date: start.AddDate(-1, 0, 0)}
		if j%2 == 0 && persons > 0 {
			p := people[rng.IntN(persons)]
			r.Name, r.Village = p.name, p.vil // a namesake with another ID number
		} else {
			_, r.Village = village(rng.IntN(1 << 20))
		}
		d.refs = append(d.refs, r)
	}
	// Planted anomalies: persons paid once, with unique names.
	seq := 9000000
	paid := start.AddDate(0, months/2, 0)
	plant := func(rule, item string, noID bool, refs ...Reference) {
		seq++
		id := testID(seq)
		p := Payment{Name: fmt.Sprintf("测%d", seq), IDNumber: id, Item: item, AmountFen: 50000, Date: paid, Township: "桃花乡", Village: "第7村"}
		for _, r := range refs {
			r.Name, r.Village = p.Name, p.Village
			if r.IDNumber == "" {
				r.IDNumber = id
			}
			d.refs = append(d.refs, r)
		}
		if noID {
			p.IDNumber = ""
		}
		l := add(p)
		if rule != "" {
			d.want[l] = rule
		}
		if rule == RuleDouble {
			p.Item = "城市低保"
			delete(d.want, l)
			d.want[add(p)] = rule
		}
	}
	before, after := paid.AddDate(0, 0, -20), paid.AddDate(0, 0, 20)
	for i := 0; i < plantsPerRule; i++ {
		plant("deceased", "农村低保", false, Reference{Kind: RefDeath, Date: before})
		plant("deceased", "耕地地力保护补贴", true, Reference{Kind: RefDeath, Date: before}) // weak: no ID on the payment
		plant("public_employee", "城市低保", false, Reference{Kind: RefPublicEmployee, Date: before})
		plant("official_relative", "特困供养", false, Reference{Kind: RefRelative})
		plant("vehicle_owner", "农村低保", false, Reference{Kind: RefVehicle, Date: before})
		plant("property_owner", "农村低保", false, Reference{Kind: RefProperty, Date: before})
		plant("business_owner", "农村低保", false, Reference{Kind: RefBusiness})
		plant("not_disabled", "重度残疾人护理补贴", false)
		plant(RuleDouble, "农村低保", false)
		// Near misses.
		plant("", "农村低保", false, Reference{Kind: RefDeath, Date: after})
		plant("", "农村低保", false, Reference{Kind: RefPublicEmployee, Date: after})
		plant("", "耕地地力保护补贴", false, Reference{Kind: RefVehicle, Date: before}) // not a means-tested item
		plant("", "农村低保", false, Reference{Kind: RefDeath, Date: before, IDNumber: testID(8000000 + i)})
		plant("", "困难残疾人生活补贴", false, Reference{Kind: RefDisability})
	}
	return d
}

func TestCrossCheckFindsPlantedAnomalies(t *testing.T) {
	d := genCrossCheck(3000, 3, 2000, 5, 1)
	m := NewMatcher(mustRules(t), d.refs)
	got := map[int]string{}
	for _, p := range d.pays {
		m.Match(p, func(s Suspect) {
			if prev, ok := got[p.Line]; ok {
				t.Errorf("line %d: two suspects, %s and %s", p.Line, prev, s.CheckRule)
			}
			got[p.Line] = s.CheckRule
		})
	}
	for l, rule := range d.want {
		if got[l] != rule {
			t.Errorf("line %d: planted %s, found %q", l, rule, got[l])
		}
	}
	for l, rule := range got {
		if d.want[l] == "" {
			t.Errorf("line %d: false match %s (%s, %s)", l, rule, d.pays[l-1].Name, d.pays[l-1].Village)
		}
	}
	if len(d.want) != 9*5 {
		t.Errorf("planted %d anomalies, want 45", len(d.want))
	}
}
