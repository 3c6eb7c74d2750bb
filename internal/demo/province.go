package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/clue"
	"qingfeng/internal/credential"
	"qingfeng/internal/divisions"
	"qingfeng/internal/intake"
	"qingfeng/internal/org"
	"qingfeng/internal/store"
)

// This file generates the province-scale demo (`qingfeng demo --scale
// province`): every county-level division of Hunan with its standard
// offices, dispatched groups and township commissions (real divisions),
// synthetic villages, area groups, four staff accounts per county, and a
// clue ledger of ProvinceOptions.Clues clues over ProvinceOptions.Years
// years, cases (province_cases.go) and reports (province_reports.go). The
// organisation above the villages goes through the app services (validated
// and audited per object); the villages, clues, cases and reports are
// written by store.BulkLoad with one audit record for the whole load.

// ProvinceOptions sizes the province-scale generation.
type ProvinceOptions struct {
	Clues    int    // clues over the whole province (default 500,000)
	Years    int    // years of clues and cases, ending now (default 5)
	Cases    int    // cases over the whole province (0: none; `qingfeng demo --scale province` asks for 100,000)
	Reports  int    // reports (信访举报) over the whole province (0: none; `qingfeng demo --scale province` asks for 50,000)
	Seed     uint64 // the same seed gives the same data
	Counties int    // 0: every county-level division; n: the first n in code order (tests)
	Password string // the one password of the staff accounts
	// Messages is a CSV file of real public messages (columns 留言主题 and
	// 留言详情, optionally 答复意见) for clue and report titles and texts
	// and the reports' handling results; "" or a missing file: generated
	// texts.
	Messages string
	Progress func(msg string) // optional progress lines
}

// ProvinceResult summarises what LoadProvince built.
type ProvinceResult struct {
	Counties     int
	Townships    int
	Villages     int
	Units        int // all units, villages included
	AreaGroups   int
	People       int
	Users        int
	Clues        int
	Clocks       int // running disposal clocks
	Cases        int
	Subjects     int // subjects of the cases
	Measures     int // measures of the cases (running and ended)
	CaseClocks   int // running clocks of the cases and their measures
	Reports      int
	ReportEvents int
	Texts        string
	Logins       []Login // the staff accounts, county by county
	OrgTime      time.Duration
	CluesTime    time.Duration
}

// County staff accounts: username prefix c<division code>_ and these
// suffixes.
const (
	suffixLeader   = "leader"
	suffixCase     = "case"
	suffixOffice   = "office1"
	suffixTownship = "township1"
)

// ProvinceUsername is the username of a county's staff account, e.g.
// ProvinceUsername("430802", "case") = "c430802_case".
func ProvinceUsername(countyCode, suffix string) string { return "c" + countyCode + "_" + suffix }

// LoadProvince builds the province-scale demo on an empty database, acting
// as auth.System(). Errors: conflict "demo.not_empty" when any unit exists;
// invalid (field "password") when the password fails the policy; invalid
// (field "clues" or "years") for sizes out of range; otherwise the first
// service or store error. Like Load it is not one transaction.
func LoadProvince(ctx context.Context, a *app.App, o ProvinceOptions) (ProvinceResult, error) {
	var res ProvinceResult
	if o.Clues == 0 {
		o.Clues = 500000
	}
	if o.Years == 0 {
		o.Years = 5
	}
	if o.Clues < 0 || o.Clues > 20000000 {
		return res, apperr.InvalidField("clues", "demo.clues_invalid")
	}
	if o.Cases < 0 || o.Cases > 5000000 {
		return res, apperr.InvalidField("cases", "demo.cases_invalid")
	}
	if o.Reports < 0 || o.Reports > 20000000 {
		return res, apperr.InvalidField("reports", "demo.reports_invalid")
	}
	if o.Years < 1 || o.Years > 20 {
		return res, apperr.InvalidField("years", "demo.years_invalid")
	}
	if err := credential.ValidatePassword(o.Password, ProvinceUsername("430000", suffixCase)); err != nil {
		var pe *credential.PolicyError
		if errors.As(err, &pe) {
			return res, apperr.InvalidField("password", "auth.password."+pe.Reason)
		}
		return res, fmt.Errorf("demo: password: %w", err)
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	divs, err := divisions.LoadHunan()
	if err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	sys := auth.System()
	_, n, err := a.ListUnits(ctx, sys, store.UnitFilter{IncludeInactive: true, Page: store.Page{Limit: 1}})
	if err != nil {
		return res, fmt.Errorf("demo: count units: %w", err)
	}
	if n > 0 {
		return res, apperr.New(apperr.Conflict, "demo.not_empty")
	}
	texts, err := loadTexts(o.Messages)
	if err != nil {
		return res, err
	}
	res.Texts = texts.kind
	start := time.Now()
	pb := &provinceBuilder{a: a, p: sys, divs: divs, rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15)), res: &res, password: o.Password}
	pb.from = a.Now().In(a.Loc).AddDate(-o.Years, 0, 0)
	if pb.caseData, err = casework.LoadData(); err != nil {
		return res, fmt.Errorf("demo: case data: %w", err)
	}
	if err := pb.org(ctx, o, progress); err != nil {
		return res, err
	}
	res.OrgTime = time.Since(start)
	progress(fmt.Sprintf("organisation: %d counties, %d townships, %d area groups, %d users in %v; loading %d villages and %d clues…",
		res.Counties, res.Townships, res.AreaGroups, res.Users, res.OrgTime.Round(time.Millisecond), len(pb.villages), o.Clues))
	start = time.Now()
	cnt, err := a.Store.BulkLoad(ctx, actorOf(sys), store.BulkLoad{Action: "demo.province", Units: pb.villages,
		Clues: pb.clues(o, texts, progress), Cases: pb.cases(o, progress), Reports: pb.reports(o, texts, progress),
		Note: map[string]any{"counties": res.Counties, "townships": res.Townships, "years": o.Years, "seed": o.Seed, "texts": texts.kind}})
	res.Villages, res.Clues, res.Clocks = cnt.Units, cnt.Clues, cnt.Clocks
	res.Cases, res.Subjects, res.Measures, res.CaseClocks = cnt.Cases, cnt.Subjects, cnt.Measures, cnt.CaseClocks
	res.Reports, res.ReportEvents = cnt.Reports, cnt.ReportEvents
	res.Units += cnt.Units
	res.CluesTime = time.Since(start)
	return res, err
}

// actorOf is the audit actor of a principal (as the services record it).
func actorOf(p auth.Principal) audit.Actor {
	return audit.Actor{UserID: p.UserID, Name: p.Name, UnitID: p.UnitID}
}

// provinceBuilder holds what the organisation step made for the clue step.
type provinceBuilder struct {
	a        *app.App
	p        auth.Principal
	divs     *divisions.Set
	rng      *rand.Rand
	res      *ProvinceResult
	password string
	caseData casework.Data // subject categories: the government sanctions each allows
	from     time.Time     // first day of the clue period, in the business time zone
	counties []*pCounty    // in code order
	villages []org.Unit    // created in bulk
}

// pCounty is a county commission with the units clues are handled by.
type pCounty struct {
	unit      org.Unit
	short     string
	desk      org.Unit   // 案件监督管理室: new clues wait here
	petition  org.Unit   // 信访室: reports received by the commission wait here
	handlers  []org.Unit // offices and dispatched groups
	townships []pTownship
	leader    int64 // user ids
	caseMgr   int64
	office    int64           // at handlers[0]
	township  int64           // at townships[0]
	groupOf   map[int64]int64 // member unit id -> area group id
}

type pTownship struct {
	unit     org.Unit
	villages []string // village names (for subject units in texts)
}

func (b *provinceBuilder) unit(ctx context.Context, u org.Unit) (org.Unit, error) {
	out, err := b.a.CreateUnit(ctx, b.p, u)
	if err != nil {
		return out, fmt.Errorf("demo: create unit %s: %w", u.Name, err)
	}
	b.res.Units++
	return out, nil
}

func (b *provinceBuilder) person(ctx context.Context, unitID int64, post, rank string) (org.Person, error) {
	pe, err := b.a.SavePerson(ctx, b.p, org.Person{UnitID: unitID, Name: randName(b.rng), Post: post, Rank: rank, Active: true})
	if err != nil {
		return pe, fmt.Errorf("demo: create person at unit %d: %w", unitID, err)
	}
	b.res.People++
	return pe, nil
}

var (
	pSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜谭廖贺毛龚邹覃向符侯熊")
	pGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅志文斌辉亮鹏飞春生玉凤德林海波宏振东湘云")
	pPlace    = []rune("桂花坪金星望月湖梅溪泉塘芙蓉枫林岳麓青山白马新河东安乐长兴和平丰田茶园竹山杨柳双江石桥高岭大塘龙泉黄土")
	pPosts    = []string{"党支部书记", "村委会主任", "村会计", "村监委会主任", "村民小组长", "报账员"}
	pTownPost = []string{"副镇长", "站长", "所长", "财政所会计", "农技站站长", "党委委员"}
)

// randName makes a plausible Chinese personal name.
func randName(rng *rand.Rand) string {
	n := string(pSurnames[rng.IntN(len(pSurnames))]) + string(pGiven[rng.IntN(len(pGiven))])
	if rng.IntN(3) > 0 {
		n += string(pGiven[rng.IntN(len(pGiven))])
	}
	return n
}

var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// org builds the commissions, offices, townships, people, users and area
// groups through the services, and lists the villages for the bulk load.
func (b *provinceBuilder) org(ctx context.Context, o ProvinceOptions, progress func(string)) error {
	pd, _ := b.divs.Get("43")
	prov, err := b.unit(ctx, org.Unit{Kind: org.KindCommission, Name: pd.Name + "纪委监委", ShortName: "湘", DivisionCode: "43",
		IsDivision: true, SortOrder: 1})
	if err != nil {
		return err
	}
	var counties []divisions.Division
	cities := map[string]org.Unit{}
	for i, cd := range b.divs.Children("43") {
		cu, err := b.unit(ctx, org.Unit{ParentID: prov.ID, Kind: org.KindCommission, Name: cd.Name + "纪委监委",
			DivisionCode: cd.Code, IsDivision: true, SortOrder: i + 1})
		if err != nil {
			return err
		}
		cities[cd.Code] = cu
		counties = append(counties, b.divs.Children(cd.Code)...)
	}
	if o.Counties > 0 && o.Counties < len(counties) {
		counties = counties[:o.Counties]
	}
	// One hash for every account (they share the demo password): 500
	// argon2id hashes would take most of a minute.
	hash, err := b.a.Hasher.Hash(ctx, o.Password)
	if err != nil {
		return fmt.Errorf("demo: hash: %w", err)
	}
	for i, cd := range counties {
		if err := b.county(ctx, cities[cd.ParentCode].ID, cd, i+1, hash); err != nil {
			return err
		}
		if (i+1)%20 == 0 {
			progress(fmt.Sprintf("organisation: %d of %d counties", i+1, len(counties)))
		}
	}
	return nil
}

// county builds one county commission and everything under it.
func (b *provinceBuilder) county(ctx context.Context, cityID int64, cd divisions.Division, sort int, hash string) error {
	cu, err := b.unit(ctx, org.Unit{ParentID: cityID, Kind: org.KindCommission, Name: cd.Name + "纪委监委", DivisionCode: cd.Code,
		IsDivision: true, SortOrder: sort})
	if err != nil {
		return err
	}
	c := &pCounty{unit: cu, short: string([]rune(cd.Name)[:1]), groupOf: map[int64]int64{}}
	b.res.Counties++
	n := 0
	add := func(kind org.Kind, name string) (org.Unit, error) {
		n++
		return b.unit(ctx, org.Unit{ParentID: cu.ID, Kind: kind, Name: name, SortOrder: n})
	}
	if c.desk, err = add(org.KindCaseManagement, "案件监督管理室"); err != nil {
		return err
	}
	if c.petition, err = add(org.KindPetition, "信访室"); err != nil {
		return err
	}
	if _, err := add(org.KindReview, "案件审理室"); err != nil {
		return err
	}
	offices, groups := 2+b.rng.IntN(3), 4+b.rng.IntN(6) // 2-4 offices, 4-9 dispatched groups
	for i := range offices {
		u, err := add(org.KindOffice, "第"+chineseNumerals[i]+"纪检监察室")
		if err != nil {
			return err
		}
		c.handlers = append(c.handlers, u)
	}
	firstGroup := len(c.handlers)
	for i := range groups {
		u, err := add(org.KindDispatched, "派驻第"+chineseNumerals[i]+"纪检监察组")
		if err != nil {
			return err
		}
		c.handlers = append(c.handlers, u)
	}
	for _, td := range b.divs.Children(cd.Code) {
		n++
		tu, err := b.unit(ctx, org.Unit{ParentID: cu.ID, Kind: org.KindTownship, Name: townshipName(td.Name), DivisionCode: td.Code,
			IsDivision: true, SortOrder: n})
		if err != nil {
			return err
		}
		b.res.Townships++
		t := pTownship{unit: tu}
		street := strings.HasSuffix(td.Name, "街道")
		nv := 8 + b.rng.IntN(8) // 8-15 villages or communities
		seen := map[string]bool{}
		for v := 0; v < nv; v++ {
			community := street || v < 1+b.rng.IntN(2)
			var name, code string
			for {
				name = string(pPlace[b.rng.IntN(len(pPlace))]) + string(pPlace[b.rng.IntN(len(pPlace))])
				if !seen[name] {
					break
				}
			}
			seen[name] = true
			// Division code convention: communities 001-199, villages 200-399.
			if community {
				name += "社区"
				code = fmt.Sprintf("%s%03d", td.Code, v+1)
			} else {
				name += "村"
				code = fmt.Sprintf("%s%03d", td.Code, 200+v+1)
			}
			t.villages = append(t.villages, name)
			b.villages = append(b.villages, org.Unit{ParentID: tu.ID, Kind: org.KindVillage, Name: name + "村务监督委员会",
				DivisionCode: code, IsDivision: true, SortOrder: v + 1})
		}
		c.townships = append(c.townships, t)
	}
	// People: the secretary, a deputy secretary (leader account, first
	// area group), standing committee members leading the other groups.
	if _, err := b.person(ctx, cu.ID, "县纪委书记、监委主任", "二级调研员"); err != nil {
		return err
	}
	ngroups := 4 + b.rng.IntN(4) // 4-7 area groups
	leaders := make([]org.Person, ngroups)
	for i := range leaders {
		post := "县纪委常委、监委委员"
		if i == 0 {
			post = "县纪委副书记、监委副主任"
		}
		if leaders[i], err = b.person(ctx, cu.ID, post, "四级调研员"); err != nil {
			return err
		}
	}
	accounts := []struct {
		unit     int64
		post     string
		suffix   string
		role     auth.Role
		personID int64
		id       *int64
	}{
		{cu.ID, "", suffixLeader, auth.RoleLeader, leaders[0].ID, &c.leader},
		{c.desk.ID, "主任", suffixCase, auth.RoleCaseManager, 0, &c.caseMgr},
		{c.handlers[0].ID, "主任", suffixOffice, auth.RoleOffice, 0, &c.office},
		{c.townships[0].unit.ID, "纪委书记", suffixTownship, auth.RoleTownship, 0, &c.township},
	}
	for _, ac := range accounts {
		pid := ac.personID
		if pid == 0 {
			pe, err := b.person(ctx, ac.unit, ac.post, "一级主任科员")
			if err != nil {
				return err
			}
			pid = pe.ID
		}
		username := ProvinceUsername(cd.Code, ac.suffix)
		roles := []auth.Role{ac.role}
		if err := b.a.ValidateNewUser(ctx, username, b.password, roles); err != nil {
			return fmt.Errorf("demo: user %s: %w", username, err)
		}
		u, err := b.a.Store.CreateUser(ctx, actorOf(b.p), store.NewUser{PersonID: pid, Username: username, PasswordHash: hash, Roles: roles})
		if err != nil {
			return fmt.Errorf("demo: create user %s: %w", username, err)
		}
		*ac.id = u.ID
		b.res.Users++
		b.res.Logins = append(b.res.Logins, Login{Username: username, Role: string(ac.role), UnitName: cu.Name})
	}
	// Area groups: contiguous runs of townships, offices one each in turn
	// (the liaison office), dispatched groups spread over them.
	from := b.from.Format(time.DateOnly)
	members := make([][]int64, ngroups)
	for i, t := range c.townships {
		g := i * ngroups / len(c.townships)
		members[g] = append(members[g], t.unit.ID)
	}
	for i, h := range c.handlers {
		g := i % ngroups
		if i >= firstGroup {
			g = (i - firstGroup + offices) % ngroups
		}
		members[g] = append(members[g], h.ID)
	}
	for g := range ngroups {
		ag, err := b.a.CreateAreaGroup(ctx, b.p, org.AreaGroup{CountyUnitID: cu.ID, Name: "第" + chineseNumerals[g] + "片区",
			LeaderPersonID: leaders[g].ID})
		if err != nil {
			return fmt.Errorf("demo: create area group %s/%d: %w", cu.Name, g+1, err)
		}
		b.res.AreaGroups++
		for _, m := range members[g] {
			if _, err := b.a.AddAreaMember(ctx, b.p, ag.ID, m, from); err != nil {
				return fmt.Errorf("demo: area member %d of %s: %w", m, cu.Name, err)
			}
			c.groupOf[m] = ag.ID
		}
	}
	b.counties = append(b.counties, c)
	return nil
}

// clueTexts gives clue titles and contents.
type clueTexts struct {
	kind     string // "messages (N)" or "generated"
	titles   []string
	contents []string
	replies  []string // the official reply of each message ("" when none)
}

// loadTexts reads the messages CSV when present.
func loadTexts(path string) (*clueTexts, error) {
	t := &clueTexts{kind: "generated"}
	if path == "" {
		return t, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("demo: messages: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("demo: messages: %w", err)
	}
	ti, ci, ri := slices.Index(head, "留言主题"), slices.Index(head, "留言详情"), slices.Index(head, "答复意见")
	if ti < 0 || ci < 0 {
		return nil, fmt.Errorf("demo: messages: %s has no columns 留言主题 and 留言详情", path)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("demo: messages: %w", err)
		}
		if len(rec) <= max(ti, ci) {
			continue
		}
		title, content := strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ci])
		if title == "" || content == "" {
			continue
		}
		reply := ""
		if ri >= 0 && ri < len(rec) {
			reply = strings.TrimSpace(rec[ri])
		}
		t.titles = append(t.titles, firstRunes(title, clue.MaxTitle))
		t.contents = append(t.contents, firstRunes(content, 2000))
		t.replies = append(t.replies, reply)
	}
	if len(t.titles) > 0 {
		t.kind = "messages (" + strconv.Itoa(len(t.titles)) + ")"
	}
	return t, nil
}

func firstRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Generated texts: an issue per key field (category code).
var issues = map[string][]string{
	"collective_assets":   {"违规处置村集体山林", "私自出租村集体门面", "截留村集体土地补偿款", "虚列开支套取村集体资金", "低价发包村集体鱼塘"},
	"subsidies":           {"优亲厚友违规评定低保", "虚报冒领耕地地力保护补贴", "截留危房改造补助资金", "违规享受易地扶贫搬迁补助", "克扣残疾人两项补贴"},
	"livelihood_projects": {"村道硬化工程偷工减料", "安全饮水工程验收走过场", "高标准农田项目围标串标", "村级活动中心建设虚增工程量", "河道清淤项目质量不达标"},
	"farmland":            {"违规审批农村宅基地", "默许在基本农田上建房", "违规流转耕地从中牟利", "放任毁坏耕地挖沙", "耕地撂荒补贴虚报面积"},
	"conduct":             {"违规收受礼金", "公车私用", "违规操办婚丧喜庆事宜", "工作日饮酒", "对群众诉求推诿扯皮"},
	"other":               {"利用职务便利为亲属谋利", "违规参与经营活动", "打击报复举报人", "弄虚作假应付检查", "履职不力造成损失"},
}

// weighted is a code with a weight.
type weighted struct {
	code string
	w    int
}

// categoryWeights are the key fields with weights (of 100).
var categoryWeights = []weighted{{"collective_assets", 18}, {"subsidies", 22}, {"livelihood_projects", 14}, {"farmland", 10}, {"conduct", 24}, {"other", 12}}

// sourceWeights are the clue sources with weights (of 100).
var sourceWeights = []weighted{{clue.SourceReport, 58}, {clue.SourceSupervision, 12}, {clue.SourceInspection, 8}, {clue.SourceAudit, 4},
	{clue.SourceUpperAssignment, 6}, {clue.SourceLowerSubmission, 5}, {clue.SourceJudicial, 3}, {clue.SourceOther, 4}}

// modeWeights are the disposal modes with weights (of 100).
var modeWeights = []weighted{{string(clue.ModeInquiry), 36}, {string(clue.ModeVerification), 24}, {string(clue.ModeClose), 30},
	{string(clue.ModeShelve), 10}}

// pick draws a code by weight.
func pick(rng *rand.Rand, xs []weighted) string {
	total := 0
	for _, x := range xs {
		total += x.w
	}
	r := rng.IntN(total)
	for _, x := range xs {
		if r -= x.w; r < 0 {
			return x.code
		}
	}
	return xs[len(xs)-1].code
}

const day = 24 * time.Hour

// clues yields the ledger rows in order of receipt: spread evenly over the
// period, the township picked uniformly (so counties weigh by their
// townships), statuses by age with consistent modes, dates and flags, and a
// running disposal clock for the clues not yet disposed.
func (b *provinceBuilder) clues(o ProvinceOptions, texts *clueTexts, progress func(string)) iter.Seq2[store.BulkClue, error] {
	return func(yield func(store.BulkClue, error) bool) {
		type tref struct {
			c *pCounty
			t int
		}
		var all []tref
		for _, c := range b.counties {
			for i := range c.townships {
				all = append(all, tref{c, i})
			}
		}
		if len(all) == 0 {
			return
		}
		now := b.a.Now()
		rng := rand.New(rand.NewPCG(o.Seed, 0x5851f42d4c957f2d))
		span := now.Sub(b.from)
		step := span / time.Duration(max(o.Clues, 1))
		for i := range o.Clues {
			received := b.from.Add(step*time.Duration(i) + time.Duration(rng.Int64N(int64(max(step, 1))))).UTC().Truncate(time.Second)
			tr := all[rng.IntN(len(all))]
			bc, err := b.clue(rng, now, received, tr.c, tr.t, texts)
			if err != nil {
				yield(bc, err)
				return
			}
			if !yield(bc, nil) {
				return
			}
			if (i+1)%100000 == 0 {
				progress(fmt.Sprintf("clues: %d of %d generated", i+1, o.Clues))
			}
		}
	}
}

// clue makes one ledger row received at received in county c, township ti.
func (b *provinceBuilder) clue(rng *rand.Rand, now, received time.Time, c *pCounty, ti int, texts *clueTexts) (store.BulkClue, error) {
	t := c.townships[ti]
	ledger, short := c.unit, c.short
	townLedger := rng.IntN(100) < 15 // township commissions keep their own ledger for part of their clues
	if townLedger {
		ledger, short = t.unit, string([]rune(t.unit.Name)[:1])
	}
	cat, src := pick(rng, categoryWeights), pick(rng, sourceWeights)
	village := t.villages[rng.IntN(len(t.villages))]
	subj := clue.Subject{Name: randName(rng)}
	switch r := rng.IntN(100); {
	case r < 60:
		subj.Level, subj.Unit, subj.Post = string(intake.LevelVillage), village+"村（居）民委员会", pPosts[rng.IntN(len(pPosts))]
	case r < 90 || townLedger:
		subj.Level, subj.Unit, subj.Post = string(intake.LevelTownship), strings.TrimSuffix(strings.TrimSuffix(t.unit.Name, "纪工委"), "纪委"), pTownPost[rng.IntN(len(pTownPost))]
	case r < 97:
		subj.Level, subj.Unit, subj.Post = string(intake.LevelCounty), strings.TrimSuffix(c.unit.Name, "纪委监委")+"农业农村局", "副局长"
	default:
		subj.Level, subj.Unit, subj.Post = string(intake.LevelOther), village+"建筑工程队", "负责人"
	}
	issue := issues[cat][rng.IntN(len(issues[cat]))]
	title := "反映" + subj.Unit + subj.Post + subj.Name + issue + "问题"
	content := fmt.Sprintf("反映%s%s%s%s。据反映人称，该问题自%d年以来一直存在，涉及金额约%d元，群众意见较大，请求调查处理。",
		subj.Unit, subj.Post, subj.Name, issue, received.In(b.a.Loc).Year()-rng.IntN(3), 1000*(1+rng.IntN(300)))
	if len(texts.titles) > 0 {
		k := rng.IntN(len(texts.titles))
		title, content = texts.titles[k], texts.contents[k]
	}
	cl := clue.Clue{LedgerUnitID: ledger.ID, LedgerPath: ledger.Path, Source: src, Title: firstRunes(title, clue.MaxTitle),
		Content: content, Subject: subj, Category: cat, Status: clue.StatusRegistered, ReceivedAt: received,
		MassInterest: subj.Level == string(intake.LevelVillage) && rng.IntN(100) < 45}
	if src == clue.SourceUpperAssignment {
		cl.SourceRef = "上级交办件"
	}
	desk := c.desk
	if townLedger {
		desk = t.unit
	}
	// The handler once assigned: the township for township ledgers; for
	// the county ledger a township commission or an office or group.
	handler, owner := t.unit, int64(0)
	if !townLedger && rng.IntN(100) < 45 {
		h := rng.IntN(len(c.handlers))
		handler = c.handlers[h]
		if h == 0 {
			owner = c.office
		}
	} else if ti == 0 {
		owner = c.township
	}
	k, err := b.a.StartClock(app.ClockSpec{ObjectType: "clue"}, "clue.disposal", received)
	if err != nil {
		return store.BulkClue{}, err
	}
	cl.DisposalDueAt = k.DueAt
	// Milestones: assignment after 1-10 days, disposal opinion after 5-40
	// days (a few later than the month allowed), the end 20-240 days on.
	assigned := received.Add(time.Duration(1+rng.IntN(10)) * day)
	disposed := assigned.Add(time.Duration(4+rng.IntN(30)) * day)
	if rng.IntN(100) < 6 {
		disposed = disposed.Add(time.Duration(10+rng.IntN(30)) * day)
	}
	stuck := rng.IntN(1000) < 4 // a few old clues never got a disposal opinion: overdue now
	ended := disposed.Add(time.Duration(20+rng.IntN(220)) * day)
	cl.UnitID, cl.UnitPath = desk.ID, desk.Path
	running := func() *store.BulkClue {
		k.UnitPath, k.OwnerUserID = cl.UnitPath, cl.OwnerUserID
		return &store.BulkClue{Clue: cl, ShortName: short, Clock: &k}
	}
	if now.Before(assigned) {
		if rng.IntN(3) == 0 {
			cl.Status = clue.StatusAssignmentReview
		}
		return *running(), nil
	}
	cl.AssignedAt, cl.UnitID, cl.UnitPath, cl.OwnerUserID, cl.LeaderUserID = assigned, handler.ID, handler.Path, owner, c.leader
	if !townLedger && handler.Kind == org.KindTownship && rng.IntN(100) < 4 {
		// Escalated from the township to the county's office (提级办理).
		h := c.handlers[rng.IntN(len(c.handlers))]
		cl.Escalated, cl.EscalatedAt, cl.EscalatedFrom = true, assigned.Add(2*day), handler.ID
		cl.EscalationTo = []string{clue.EscalateAreaGroup, clue.EscalateCounty}[rng.IntN(2)]
		cl.UnitID, cl.UnitPath, cl.OwnerUserID = h.ID, h.Path, 0
	}
	if stuck || now.Before(disposed) {
		cl.Status = clue.StatusAssigned
		if !stuck && rng.IntN(4) == 0 {
			cl.Status = clue.StatusDisposalReview
		}
		return *running(), nil
	}
	cl.DisposedAt = disposed
	if rng.IntN(100) < 6 {
		cl.Joint, cl.JointAt = true, disposed
	}
	cl.Mode = clue.Mode(pick(rng, modeWeights))
	done := !now.Before(ended)
	switch cl.Mode {
	case clue.ModeClose:
		cl.Status, cl.Closure, cl.ClosedAt = clue.StatusClosed, clue.ClosureDirect, disposed
		cl.Outcome = clue.CloseReasons()[rng.IntN(len(clue.CloseReasons()))]
	case clue.ModeInquiry:
		cl.InquiryForm = []string{clue.FormTalk, clue.FormLetter}[rng.IntN(2)]
		if !done {
			cl.Status = []clue.Status{clue.StatusInquiry, clue.StatusInquiryReport, clue.StatusInquiryReview}[rng.IntN(3)]
			if cl.InquiryForm == clue.FormLetter && cl.Status == clue.StatusInquiry {
				cl.Status = clue.StatusInquiryReply
			}
			break
		}
		cl.Status, cl.Closure, cl.ClosedAt = clue.StatusClosed, clue.ClosureAfterCheck, ended
		cl.Outcome = []string{clue.OutcomeAcceptClose, clue.OutcomeAcceptClose, clue.OutcomeRemind, clue.OutcomeCriticize,
			clue.OutcomeOrderReview, clue.OutcomeAdmonish}[rng.IntN(6)]
	case clue.ModeVerification:
		if !done {
			cl.Status = []clue.Status{clue.StatusVerification, clue.StatusVerification, clue.StatusVerificationReview}[rng.IntN(3)]
			break
		}
		switch r := rng.IntN(100); {
		case r < 30:
			cl.Outcome, cl.Status = clue.RecommendFileCase, clue.StatusFiled
			cl.ClosedAt = ended.Add(time.Duration(3+rng.IntN(20)) * day)
			if now.Before(cl.ClosedAt) {
				cl.Status, cl.ClosedAt = clue.StatusCasePending, time.Time{}
			} else {
				cl.CaseNumber = fmt.Sprintf("%s纪案〔%d〕%d号", short, cl.ClosedAt.In(b.a.Loc).Year(), 1+rng.IntN(200))
			}
		case r < 90:
			cl.Outcome, cl.Status, cl.Closure, cl.ClosedAt = clue.RecommendClose, clue.StatusClosed, clue.ClosureAfterCheck, ended
		default:
			cl.Outcome, cl.Status, cl.Closure, cl.ClosedAt = clue.RecommendRemind, clue.StatusClosed, clue.ClosureAfterCheck, ended
		}
	case clue.ModeShelve:
		until := disposed.AddDate(0, 6+rng.IntN(7), 0)
		cl.Status, cl.ShelveUntil = clue.StatusShelved, until.In(b.a.Loc).Format(time.DateOnly)
		if now.After(until.AddDate(0, 3, 0)) && rng.IntN(2) == 0 {
			cl.Status, cl.Closure, cl.ClosedAt = clue.StatusClosed, clue.ClosureAfterCheck, until
		}
	}
	return store.BulkClue{Clue: cl, ShortName: short}, nil
}
