package store_test

// TestScale1M measures duplicate lookup and search at a large number of
// reports (issue 3: "At 1,000,000 reports: duplicate lookup p95 <= 10 ms,
// search p95 <= 100 ms for 2-4 character queries, on both databases").
// See docs/benchmarks.md, "Scale: 1,000,000 reports (issue 3)".
//
//	QINGFENG_SCALE=1000000 go test -run 'TestScale1M/sqlite' -v -timeout 0 ./internal/store
//	QINGFENG_SCALE=1000000 QINGFENG_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	    go test -run 'TestScale1M/postgres' -v -timeout 0 ./internal/store
//
// QINGFENG_SCALE_STRICT=1 turns the targets into assertions.
// QINGFENG_SCALE_DIR (a data folder) and QINGFENG_SCALE_PG_DSN (an existing,
// empty database) keep the built reports, so later runs only measure;
// QINGFENG_SCALE_ONLY=duplicates (or search) measures one part alone.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"qingfeng/internal/auth"
	"qingfeng/internal/dedup"
	"qingfeng/internal/intake"
	"qingfeng/internal/search"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

const (
	scaleEnv       = "QINGFENG_SCALE"
	scaleStrictEnv = "QINGFENG_SCALE_STRICT"
	// scaleOnlyEnv = "duplicates" or "search" measures that part alone
	// (a kept store measured again after a change to one of them).
	scaleOnlyEnv = "QINGFENG_SCALE_ONLY"
	// scaleDirEnv names a data folder for the SQLite run that is kept: the
	// first run builds the reports there, later runs (same QINGFENG_SCALE)
	// only measure.
	scaleDirEnv = "QINGFENG_SCALE_DIR"
	// scalePGEnv names an existing PostgreSQL database (a DSN) for the
	// PostgreSQL run that is kept: built when it holds no reports, later
	// runs only measure.
	scalePGEnv = "QINGFENG_SCALE_PG_DSN"
	scaleCSV   = "/work/shared/data/messages/messages-with-replies.csv"
	// scaleRankCapEnv sets, for a kept store, how many matches SearchReports
	// ranks by relevance (store.rankCap) before listing newest first.
	scaleRankCapEnv = "QINGFENG_SCALE_RANKCAP"

	scaleTxReports   = 2000 // reports per transaction
	scaleStmtReports = 250  // reports per multi-row INSERT
	scaleRepeatShare = 0.10 // share of reports that re-submit an earlier report with variations

	scaleDupQueries    = 500 // half near-duplicates of stored reports, half new texts
	scaleSearchQueries = 300 // 100 each of 2, 3 and 4 runes

	scaleTownships = 20 // township units the reports are spread over

	scaleDupTarget    = 10 * time.Millisecond
	scaleSearchTarget = 100 * time.Millisecond
)

// scaleFrequent are frequent words of the corpus; they are part of the
// search queries (the rest are substrings cut from random stored texts).
var scaleFrequent = []string{"小区", "物业", "补贴", "业主", "学校", "拆迁", "停车", "工资", "噪音", "投诉", "反映",
	"公积金", "开发商", "幼儿园", "物业费", "安置房", "农民工", "违章建筑", "房屋质量", "交通安全"}

func TestScale1M(t *testing.T) {
	v := os.Getenv(scaleEnv)
	if v == "" {
		t.Skip(scaleEnv + " is not set; set it to the number of reports (e.g. 1000000) to run the scale measurement")
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n < 1000 {
		t.Fatalf("%s=%q: want a number of reports >= 1000", scaleEnv, v)
	}
	corp := loadScaleCorpus(t)
	realBandRate(t, corp, n)
	clock := testdb.NewClock(time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC))
	t.Run("sqlite", func(t *testing.T) {
		dir := os.Getenv(scaleDirEnv)
		if dir == "" {
			runScale(t, testdb.SQLite(t, clock.Now), corp, n, true)
			return
		}
		// A kept data folder: built once, measured again by later runs.
		_, err := os.Stat(filepath.Join(dir, "qingfeng.db"))
		build := errors.Is(err, os.ErrNotExist)
		runScale(t, openKept(t, store.Config{DataDir: dir, Now: clock.Now}), corp, n, build)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv(scalePGEnv)
		if dsn == "" {
			runScale(t, testdb.Postgres(t, clock.Now), corp, n, true)
			return
		}
		s := openKept(t, store.Config{DSN: dsn, Now: clock.Now})
		var have int
		if err := s.DB().QueryRow(`SELECT count(*) FROM reports`).Scan(&have); err != nil {
			t.Fatal(err)
		}
		runScale(t, s, corp, n, have == 0)
	})
}

// openKept opens and migrates a kept store (QINGFENG_SCALE_DIR or
// QINGFENG_SCALE_PG_DSN), closed when the test ends.
func openKept(t *testing.T, cfg store.Config) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	start := time.Now()
	applied, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kept store migrated in %v (%v)", time.Since(start).Round(time.Millisecond), applied)
	if v := os.Getenv(scaleRankCapEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("%s=%q: not a number", scaleRankCapEnv, v)
		}
		s.SetSearchRankCapForTest(n)
	}
	return s
}

func runScale(t *testing.T, s *store.Store, corp *scaleCorpus, n int, build bool) {
	ctx := context.Background()
	if build {
		buildScale(t, ctx, s, corp, n)
	}
	only := os.Getenv(scaleOnlyEnv)
	var dup dupResult
	var srch searchResult
	if only != "search" {
		dup = measureDuplicates(t, ctx, s, corp, n)
	}
	if only != "duplicates" {
		srch = measureSearch(t, ctx, s, corp, n)
	}
	if only == "" {
		explainScale(t, ctx, s, srch.slowest, srch.scope, dup.slowestBands)
	}
	t.Logf("SUMMARY %s n=%d: duplicate lookup p50/p95/p99 %s (target p95 <= %v); search p50/p95/p99 %s (target p95 <= %v)",
		s.Dialect(), n, pcts(dup.all), scaleDupTarget, pcts(srch.all), scaleSearchTarget)
	if os.Getenv(scaleStrictEnv) == "1" {
		if p := percentile(dup.all, 0.95); only != "search" && p > scaleDupTarget {
			t.Errorf("duplicate lookup p95 %v > %v", p, scaleDupTarget)
		}
		if p := percentile(srch.all, 0.95); only != "duplicates" && p > scaleSearchTarget {
			t.Errorf("search p95 %v > %v", p, scaleSearchTarget)
		}
	}
}

// ---------------------------------------------------------------------------
// Corpus and text generation

// scaleCorpus is the real message texts: titles, and each text split into
// sentences (terminator kept).
type scaleCorpus struct {
	titles []string
	sents  [][]string
	pool   []string // every sentence
}

func loadScaleCorpus(t *testing.T) *scaleCorpus {
	t.Helper()
	f, err := os.Open(scaleCSV)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("shared data set not available (%s): %v", scaleCSV, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("shared data: no column %q in %q", name, head)
		}
		return i
	}
	ti, ci := col("留言主题"), col("留言详情")
	c := &scaleCorpus{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		title, content := strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ci])
		if title == "" || content == "" {
			continue
		}
		ss := splitSentences(content)
		c.titles = append(c.titles, scaleCut(title, intake.MaxTitle))
		c.sents = append(c.sents, ss)
		c.pool = append(c.pool, ss...)
	}
	if len(c.titles) < 1000 {
		t.Fatalf("shared data: only %d messages", len(c.titles))
	}
	t.Logf("corpus: %d messages, %d sentences", len(c.titles), len(c.pool))
	return c
}

func splitSentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if strings.ContainsRune("。！？!?；;", r) {
			end := i + utf8.RuneLen(r)
			if p := strings.TrimSpace(s[start:end]); p != "" {
				out = append(out, p)
			}
			start = end
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

func scaleCut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Names the variations insert.
var (
	scaleSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	scaleGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅志文斌辉亮鹏飞春生玉凤德林海波宏振东")
	scalePlaceCh  = []rune("桂花坪金星望月湖梅溪泉塘雨芙蓉枫林洋岳麓天心开福沙黄榔梨暮云石门龙潭青山白马新河东西南北安乐长兴和平丰")
	scaleSuffixes = []string{"镇", "乡", "村", "社区", "街道", "小区", "路", "组"}
	scalePosts    = []string{"村支书", "村主任", "站长", "所长", "局长", "科长", "会计", "组长", "经理", "主任", "书记", "队长"}
	scaleUnitSfx  = []string{"人民政府", "国土所", "财政所", "城管中队", "住建局", "卫生院", "中心学校", "派出所"}
)

func scaleName(rng *rand.Rand) string {
	n := string(scaleSurnames[rng.IntN(len(scaleSurnames))]) + string(scaleGiven[rng.IntN(len(scaleGiven))])
	if rng.IntN(3) > 0 {
		n += string(scaleGiven[rng.IntN(len(scaleGiven))])
	}
	return n
}

func scalePlace(rng *rand.Rand) string {
	return string(scalePlaceCh[rng.IntN(len(scalePlaceCh))]) + string(scalePlaceCh[rng.IntN(len(scalePlaceCh))]) +
		scaleSuffixes[rng.IntN(len(scaleSuffixes))]
}

// scaleInsertion is a sentence naming a place, a person or a number, from
// one of 16 templates (so that no template phrase becomes far more
// frequent than real words: each appears in about 6 % of the reports).
func scaleInsertion(rng *rand.Rand) string {
	post := scalePosts[rng.IntN(len(scalePosts))]
	switch rng.IntN(16) {
	case 0:
		return "我是" + scalePlace(rng) + "的居民。"
	case 1:
		return "涉及" + scalePlace(rng) + post + scaleName(rng) + "。"
	case 2:
		return scaleName(rng) + post + "多次推诿。"
	case 3:
		return "已经过去" + strconv.Itoa(2+rng.IntN(30)) + "个月了。"
	case 4:
		return "金额约" + strconv.Itoa(1000+rng.IntN(500000)) + "元。"
	case 5:
		return fmt.Sprintf("%d年%d月%d日，", 2015+rng.IntN(11), 1+rng.IntN(12), 1+rng.IntN(28))
	case 6:
		return "共有" + strconv.Itoa(3+rng.IntN(400)) + "户。"
	case 7:
		return "电话" + fmt.Sprintf("1%02d%08d", 30+rng.IntN(60), rng.IntN(100000000)) + "。"
	case 8:
		return "地点在" + scalePlace(rng) + strconv.Itoa(1+rng.IntN(60)) + "号。"
	case 9:
		return scalePlace(rng) + "的" + scaleName(rng) + "可以作证。"
	case 10:
		return "当时" + post + scaleName(rng) + "也在场。"
	case 11:
		return "前后找了" + strconv.Itoa(2+rng.IntN(12)) + "次。"
	case 12:
		return scaleName(rng) + "是" + scalePlace(rng) + post + "。"
	case 13:
		return strconv.Itoa(1+rng.IntN(30)) + "栋" + strconv.Itoa(1+rng.IntN(6)) + "单元。"
	case 14:
		return "请" + scalePlace(rng) + "尽快处理。"
	default:
		return "希望" + post + "给个说法。"
	}
}

// scaleVary rewrites the anonymised places of the data set ("A市", "A3区",
// "B5县") as generated names and, with probability pNum, each run of digits
// as a random number of the same length.
func scaleVary(rng *rand.Rand, s string, pNum float64) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r >= 'A' && r <= 'Z' {
			j := i + 1
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if j < len(rs) && strings.ContainsRune("市区县", rs[j]) && rng.IntN(2) == 0 {
				b.WriteString(string(scalePlaceCh[rng.IntN(len(scalePlaceCh))]) + string(scalePlaceCh[rng.IntN(len(scalePlaceCh))]))
				b.WriteRune(rs[j])
				i = j
				continue
			}
		}
		if r >= '0' && r <= '9' {
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if rng.Float64() < pNum {
				for k := i; k < j; k++ {
					d := rng.IntN(10)
					if k == i && j-i > 1 {
						d = 1 + rng.IntN(9)
					}
					b.WriteByte(byte('0' + d))
				}
			} else {
				b.WriteString(string(rs[i:j]))
			}
			i = j - 1
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scaleText is a generated report text.
type scaleText struct {
	title   string
	sents   []string
	subject string // person named (for accusations)
	unit    string
}

func (x scaleText) content() string { return strings.Join(x.sents, "") }

// scaleRand is the generator of report i (or query i): the same i gives the
// same text on every run.
func scaleRand(i int64, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(i), 0x5ca1e_0000+salt))
}

// fresh composes a new report: the title of a random message (places
// rewritten), the sentence count of another (so lengths follow the real
// distribution), then sentences: with probability 0.3 the first sentence of
// the title's message, the rest drawn from the whole corpus and shuffled;
// 0-2 inserted sentences naming places, people or numbers; digits changed;
// sometimes truncated mid-sentence.
func (c *scaleCorpus) fresh(i int64) scaleText {
	rng := scaleRand(i, 1)
	a := rng.IntN(len(c.titles))
	x := scaleText{title: scaleVary(rng, c.titles[a], 0.3)}
	k := len(c.sents[rng.IntN(len(c.sents))])
	if rng.Float64() < 0.3 {
		x.sents = append(x.sents, c.sents[a][0])
		k--
	}
	for range k {
		x.sents = append(x.sents, c.pool[rng.IntN(len(c.pool))])
	}
	start := len(x.sents) - k
	if start < 0 {
		start = 0
	}
	rng.Shuffle(len(x.sents)-start, func(p, q int) { x.sents[start+p], x.sents[start+q] = x.sents[start+q], x.sents[start+p] })
	for range rng.IntN(3) {
		at := rng.IntN(len(x.sents) + 1)
		x.sents = slices.Insert(x.sents, at, scaleInsertion(rng))
	}
	for j := range x.sents {
		x.sents[j] = scaleVary(rng, x.sents[j], 0.5)
	}
	if rng.Float64() < 0.2 {
		x.sents = scaleTruncate(x.sents, 0.5+0.5*rng.Float64())
	}
	if rng.IntN(3) == 0 {
		x.subject = scaleName(rng)
		x.unit = scalePlace(rng) + scaleUnitSfx[rng.IntN(len(scaleUnitSfx))]
	}
	x.sents = scaleClamp(x.sents)
	return x
}

// vary re-submits x: adjacent sentences swapped, a sentence inserted, digits
// changed, the end cut off, the title reworded, each with some probability.
func (c *scaleCorpus) vary(x scaleText, seed int64) scaleText {
	rng := scaleRand(seed, 2)
	y := scaleText{title: x.title, sents: slices.Clone(x.sents), subject: x.subject, unit: x.unit}
	if len(y.sents) > 1 && rng.IntN(2) == 0 {
		p := rng.IntN(len(y.sents) - 1)
		y.sents[p], y.sents[p+1] = y.sents[p+1], y.sents[p]
	}
	if rng.IntN(2) == 0 {
		y.sents = slices.Insert(y.sents, rng.IntN(len(y.sents)+1), scaleInsertion(rng))
	}
	if rng.IntN(2) == 0 {
		p := rng.IntN(len(y.sents))
		y.sents[p] = scaleVary(rng, y.sents[p], 1)
	}
	if rng.Float64() < 0.3 {
		y.sents = scaleTruncate(y.sents, 0.7+0.3*rng.Float64())
	}
	switch rng.IntN(6) {
	case 0:
		y.title = scaleCut("再次反映："+y.title, intake.MaxTitle)
	case 1:
		y.title = scaleCut(y.title+"（重复反映）", intake.MaxTitle)
	}
	y.sents = scaleClamp(y.sents)
	return y
}

// text is stored report i: a re-submission of an earlier report for about
// scaleRepeatShare of them, otherwise fresh.
func (c *scaleCorpus) text(i int64) scaleText {
	rng := scaleRand(i, 3)
	if i > 1000 && rng.Float64() < scaleRepeatShare {
		return c.vary(c.text(1+rng.Int64N(i-1)), i)
	}
	return c.fresh(i)
}

// scaleTruncate keeps the first frac of the runes.
func scaleTruncate(ss []string, frac float64) []string {
	total := 0
	for _, s := range ss {
		total += utf8.RuneCountInString(s)
	}
	limit := max(int(float64(total)*frac), 10)
	var out []string
	for _, s := range ss {
		n := utf8.RuneCountInString(s)
		if n <= limit {
			out = append(out, s)
			limit -= n
			continue
		}
		if limit > 0 {
			out = append(out, string([]rune(s)[:limit]))
		}
		break
	}
	return out
}

// scaleClamp keeps the content within intake.MaxContent runes.
func scaleClamp(ss []string) []string {
	total := 0
	for i, s := range ss {
		n := utf8.RuneCountInString(s)
		if total+n > intake.MaxContent {
			return append(ss[:i], string([]rune(s)[:intake.MaxContent-total]))
		}
		total += n
	}
	return ss
}

// realBandRate logs how many of the real messages share at least one band
// with a message, split into true near-duplicates (Jaccard at or above the
// threshold) and background (below it), and what that background rate
// predicts for n reports like them: the candidate load that any corpus of
// this kind brings, as opposed to the sentence reuse of the fixture.
func realBandRate(t *testing.T, corp *scaleCorpus, n int) {
	t.Helper()
	m := len(corp.titles)
	sh := make([][]uint64, m)
	byHash := map[[2]int64][]int{}
	for i := range m {
		sh[i] = dedup.Shingles(dedup.Normalize(corp.titles[i]+"\n"+strings.Join(corp.sents[i], "")), dedup.ShingleSize)
		for b, h := range dedup.BandHashes(dedup.Sign(sh[i])) {
			k := [2]int64{int64(b), h}
			byHash[k] = append(byHash[k], i)
		}
	}
	near, background := 0, 0
	for i := range m {
		seen := map[int]bool{}
		for b, h := range dedup.BandHashes(dedup.Sign(sh[i])) {
			for _, j := range byHash[[2]int64{int64(b), h}] {
				if j != i && !seen[j] {
					seen[j] = true
					if dedup.Jaccard(sh[i], sh[j]) >= dedup.DefaultThreshold {
						near++
					} else {
						background++
					}
				}
			}
		}
	}
	rate := float64(background) / float64(m) / float64(m-1)
	t.Logf("real corpus: a message shares a band with %.2f others on average (%.2f near-duplicates, %.2f below the threshold); background rate %.2e per report, i.e. about %.0f band-sharing reports per lookup at %d reports",
		float64(near+background)/float64(m), float64(near)/float64(m), float64(background)/float64(m), rate, rate*float64(n), n)
}

// ---------------------------------------------------------------------------
// Fixture

// scaleRow is one report as the fixture inserts it.
type scaleRow struct {
	id                       int64
	number, title, content   string
	kind, channel, status    string
	subjectName, subjectUnit string
	anonymous                bool
	receipt                  any
	received                 int64
	bands                    []int64
	fp                       []byte   // dedup.Fingerprint, stored form
	unit                     int64    // one of the scaleTownships
	tokens, scope            string   // SQLite
	chunks                   []string // PostgreSQL
	runes                    int
}

var (
	scaleKinds    = []string{"accusation", "accusation", "accusation", "suggestion", "suggestion", "appeal"}
	scaleChannels = []string{"web", "web", "web", "web", "hotline-12345", "hotline-12345", "hotline-12345", "letter", "phone", "visit"}
	scaleStatuses = []string{"received", "accepted", "handling", "handling", "closed", "closed", "closed", "declined"}
)

func buildScale(t *testing.T, ctx context.Context, s *store.Store, corp *scaleCorpus, n int) {
	t.Helper()
	pg := s.Dialect() == store.Postgres
	start := time.Now()
	conn, err := s.DB().Conn(ctx) // one connection for the whole build
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.200s: %v", q, err)
		}
	}
	if pg {
		exec(`SET synchronous_commit = off`)
		exec(`SET maintenance_work_mem = '1GB'`)
		var super bool
		if err := conn.QueryRowContext(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
			t.Fatal(err)
		}
		if super {
			// The rows are valid by construction; skip the per-row foreign key triggers.
			exec(`SET session_replication_role = replica`)
		}
	} else {
		exec(`PRAGMA cache_size = -262144`)
		exec(`PRAGMA foreign_keys = OFF`) // the rows are valid by construction
	}
	now := time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC).UnixMilli()
	exec(`INSERT INTO units (id, parent_id, kind, name, short_name, division_code, is_division, path, sort_order, active, version, created_at, updated_at)
		VALUES (1, NULL, 'commission', '清风市纪委监委', '清风', '439900', TRUE, '/1/', 0, TRUE, 1, $1, $1)`, now)
	// A county (2) of scaleTownships township commissions (3, 4, …): the
	// reports are spread over the townships, so that a search in a county's
	// or a township's scope is measured as well as one over everything.
	exec(`INSERT INTO units (id, parent_id, kind, name, short_name, division_code, is_division, path, sort_order, active, version, created_at, updated_at)
		VALUES (2, 1, 'commission', '清风县纪委监委', '清风县', '439901', TRUE, '/1/2/', 0, TRUE, 1, $1, $1)`, now)
	for k := range int64(scaleTownships) {
		id := 3 + k
		exec(`INSERT INTO units (id, parent_id, kind, name, short_name, division_code, is_division, path, sort_order, active, version, created_at, updated_at)
			VALUES ($1, 2, 'township', $2, $2, $3, TRUE, $4, 0, TRUE, 1, $5, $5)`, id, fmt.Sprintf("第%d镇纪委", k+1),
			fmt.Sprintf("439901%03d", k+1), scalePath(id), now)
	}

	// Secondary indexes are dropped during the load and re-created from
	// their own definitions afterwards (a sort instead of 50 million random
	// B-tree inserts); the schema at the end is the migrated one.
	var idxQ string
	if pg {
		idxQ = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename IN ('reports', 'report_bands', 'report_search')
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))`
	} else {
		idxQ = `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('reports', 'report_bands') AND sql IS NOT NULL`
	}
	rows, err := conn.QueryContext(ctx, idxQ)
	if err != nil {
		t.Fatal(err)
	}
	var idxNames, idxDefs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		idxNames, idxDefs = append(idxNames, name), append(idxDefs, def)
	}
	rows.Close()
	for _, name := range idxNames {
		exec(`DROP INDEX ` + name)
	}
	// The band table's own key: on PostgreSQL the primary key is dropped
	// and added back; on SQLite report_bands is clustered (WITHOUT ROWID)
	// on its key, so the bands go to a staging table in a separate file and
	// into report_bands in key order at the end (appends instead of random
	// inserts into a 48-million-row b-tree).
	bandTable := "report_bands"
	var conNames, conDefs []string
	if pg {
		rows, err := conn.QueryContext(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = 'report_bands'::regclass AND contype IN ('p', 'u')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			conNames, conDefs = append(conNames, name), append(conDefs, def)
		}
		rows.Close()
		for _, name := range conNames {
			exec(`ALTER TABLE report_bands DROP CONSTRAINT ` + name)
		}
	} else {
		var seq int
		var name, file string
		if err := conn.QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		stage := file + ".bands-stage"
		exec(`ATTACH DATABASE '` + strings.ReplaceAll(stage, "'", "''") + `' AS stage`)
		exec(`PRAGMA stage.journal_mode = OFF`)
		exec(`PRAGMA stage.synchronous = OFF`)
		exec(`CREATE TABLE stage.report_bands (band INTEGER NOT NULL, hash INTEGER NOT NULL, report_id INTEGER NOT NULL)`)
		bandTable = "stage.report_bands"
		defer os.Remove(stage)
	}

	// Generate in one goroutine, insert in this one.
	batches := make(chan []scaleRow, 3)
	years := map[int]int64{}
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	span := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - base
	sh := time.FixedZone("CST", 8*3600)
	var totalRunes, totalChunks int64
	go func() {
		defer close(batches)
		for lo := 1; lo <= n; lo += scaleTxReports {
			hi := min(lo+scaleTxReports-1, n)
			b := make([]scaleRow, 0, hi-lo+1)
			for i := int64(lo); i <= int64(hi); i++ {
				x := corp.text(i)
				rng := scaleRand(i, 4)
				r := scaleRow{id: i, unit: 3 + i%scaleTownships, title: x.title, content: x.content(), subjectName: x.subject, subjectUnit: x.unit,
					kind: scaleKinds[rng.IntN(len(scaleKinds))], channel: scaleChannels[rng.IntN(len(scaleChannels))],
					status: scaleStatuses[rng.IntN(len(scaleStatuses))], anonymous: rng.IntN(3) == 0,
					received: base + span*(i-1)/int64(n) + rng.Int64N(60000)}
				year := time.UnixMilli(r.received).In(sh).Year()
				years[year]++
				r.number = fmt.Sprintf("清风信〔%d〕%d号", year, years[year])
				if r.channel == "web" {
					h := sha256.Sum256([]byte("scale-receipt-" + strconv.FormatInt(i, 10)))
					r.receipt = hex.EncodeToString(h[:])
				}
				sh := dedup.Shingles(dedup.Normalize(r.title+"\n"+r.content), dedup.ShingleSize)
				r.bands, r.fp = dedup.BandHashes(dedup.Sign(sh)), dedup.FingerprintOf(sh).Bytes()
				doc := store.SearchDoc(intake.Report{Number: r.number, Title: r.title, Content: r.content,
					Subject: intake.Subject{Name: r.subjectName, Unit: r.subjectUnit}}, nil)
				scope := search.ScopeTokens(scalePath(r.unit))
				if pg {
					// As store.pgSearchChunks: each chunk ends with the scope tokens.
					for _, c := range search.Chunks(doc) {
						r.chunks = append(r.chunks, c+" "+scope)
					}
				} else {
					r.tokens, r.scope = search.Tokens(doc), scope
				}
				r.runes = utf8.RuneCountInString(r.content)
				b = append(b, r)
			}
			batches <- b
		}
	}()

	insertStart := time.Now()
	done := 0
	for b := range batches {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for lo := 0; lo < len(b); lo += scaleStmtReports {
			part := b[lo:min(lo+scaleStmtReports, len(b))]
			scaleInsert(t, ctx, tx, pg, bandTable, part)
			for _, r := range part {
				totalRunes += int64(r.runes)
				totalChunks += int64(len(r.chunks))
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		done += len(b)
		if done%100000 < scaleTxReports {
			t.Logf("build: %d reports inserted, %v", done, time.Since(insertStart).Round(time.Second))
		}
	}
	insertTime := time.Since(insertStart)
	for y, last := range years {
		exec(`INSERT INTO report_numbers (unit_id, year, last) VALUES (1, $1, $2)`, y, last)
	}
	idxStart := time.Now()
	if pg {
		for i, def := range conDefs {
			st := time.Now()
			exec(`ALTER TABLE report_bands ADD CONSTRAINT ` + conNames[i] + ` ` + def)
			t.Logf("build: constraint %s (%s) re-created in %v", conNames[i], def, time.Since(st).Round(time.Millisecond))
		}
	} else {
		st := time.Now()
		exec(`INSERT INTO main.report_bands (band, hash, report_id) SELECT band, hash, report_id FROM stage.report_bands ORDER BY hash, report_id, band`)
		exec(`DETACH DATABASE stage`)
		t.Logf("build: bands copied into report_bands in key order in %v", time.Since(st).Round(time.Millisecond))
	}
	for i, def := range idxDefs {
		st := time.Now()
		exec(def)
		t.Logf("build: index %s re-created in %v", idxNames[i], time.Since(st).Round(time.Millisecond))
	}
	idxTime := time.Since(idxStart)
	finStart := time.Now()
	if pg {
		exec(`SELECT setval(pg_get_serial_sequence('reports', 'id'), $1)`, n)
		exec(`SELECT setval(pg_get_serial_sequence('units', 'id'), 1)`)
		exec(`RESET ALL`)
		// What autovacuum would have done on a live server: statistics and the visibility map.
		exec(`VACUUM (ANALYZE) reports`)
		exec(`VACUUM (ANALYZE) report_bands`)
		exec(`VACUUM (ANALYZE) report_search`)
		exec(`VACUUM (ANALYZE) units`)
	} else {
		exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		exec(`PRAGMA cache_size = -2000`)
		exec(`PRAGMA foreign_keys = ON`)
	}
	t.Logf("build: %d reports (%.0f content runes on average, %.2f search chunks per report on PostgreSQL) in %v: insert %v, indexes %v, finish (%s) %v",
		n, float64(totalRunes)/float64(n), float64(totalChunks)/float64(n), time.Since(start).Round(time.Second),
		insertTime.Round(time.Second), idxTime.Round(time.Second),
		map[bool]string{true: "setval, VACUUM ANALYZE", false: "WAL checkpoint"}[pg], time.Since(finStart).Round(time.Second))
	logScaleSizes(t, ctx, s)
}

// scaleInsert writes reports, their bands and their search entries with
// multi-row INSERTs: the columns CreateReport writes (plus the id, so the
// bands can refer to it), band rows as CreateReport writes them, and the
// search entry as indexReport writes it.
// scalePath is the unit path of the fixture's unit id (the county 2 or
// one of its townships).
func scalePath(id int64) string {
	if id == 2 {
		return "/1/2/"
	}
	return "/1/2/" + strconv.FormatInt(id, 10) + "/"
}

func scaleInsert(t *testing.T, ctx context.Context, tx *sql.Tx, pg bool, bandTable string, part []scaleRow) {
	t.Helper()
	var q strings.Builder
	var a []any
	ph := func(v any) string {
		a = append(a, v)
		return "$" + strconv.Itoa(len(a))
	}
	q.WriteString(`INSERT INTO reports (id, number, unit_id, unit_path, received_unit_id, kind, channel, status,
		title, content, category, division_code, subject_name, subject_unit, subject_post, subject_level, anonymous,
		reporter_sealed, receipt_hash, external_source, external_id, collective, over_level, repeat_of, route_reason,
		decline_reason, operator_user_id, received_at, version, created_at, updated_at) VALUES `)
	for i, r := range part {
		if i > 0 {
			q.WriteString(", ")
		}
		rec := ph(r.received)
		unit := ph(r.unit)
		fmt.Fprintf(&q, "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', %s, %s, '', '', %s, '', %s, '', '', FALSE, FALSE, NULL, '', '', NULL, %s, 1, %s, %s)",
			ph(r.id), ph(r.number), unit, ph(scalePath(r.unit)), unit, ph(r.kind), ph(r.channel), ph(r.status), ph(r.title), ph(r.content),
			ph(r.subjectName), ph(r.subjectUnit), ph(r.anonymous), ph(r.receipt), rec, rec, rec)
	}
	if _, err := tx.ExecContext(ctx, q.String(), a...); err != nil {
		t.Fatalf("insert reports: %v", err)
	}

	buf := make([]byte, 0, len(part)*dedup.Bands*32)
	buf = append(buf, "INSERT INTO "+bandTable+" (band, hash, report_id) VALUES "...)
	for i, r := range part {
		for band, h := range r.bands {
			if i > 0 || band > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, '(')
			buf = strconv.AppendInt(buf, int64(band), 10)
			buf = append(buf, ", "...)
			buf = strconv.AppendInt(buf, h, 10)
			buf = append(buf, ", "...)
			buf = strconv.AppendInt(buf, r.id, 10)
			buf = append(buf, ')')
		}
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		t.Fatalf("insert bands: %v", err)
	}

	q.Reset()
	a = a[:0]
	q.WriteString(`INSERT INTO report_fingerprints (report_id, shingles) VALUES `)
	for i, r := range part {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "(%s, %s)", ph(r.id), ph(r.fp))
	}
	if _, err := tx.ExecContext(ctx, q.String(), a...); err != nil {
		t.Fatalf("insert fingerprints: %v", err)
	}

	q.Reset()
	a = a[:0]
	if pg {
		q.WriteString(`INSERT INTO report_search (report_id, chunk, vec) VALUES `)
		first := true
		for _, r := range part {
			for c, chunk := range r.chunks {
				if !first {
					q.WriteString(", ")
				}
				first = false
				fmt.Fprintf(&q, "(%s, %s, to_tsvector('simple', %s))", ph(r.id), ph(c), ph(chunk))
			}
		}
		if first {
			return
		}
	} else {
		q.WriteString(`INSERT INTO report_fts (rowid, tokens, scope) VALUES `)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			fmt.Fprintf(&q, "(%s, %s, %s)", ph(r.id), ph(r.tokens), ph(r.scope))
		}
	}
	if _, err := tx.ExecContext(ctx, q.String(), a...); err != nil {
		t.Fatalf("insert search entries: %v", err)
	}
}

func logScaleSizes(t *testing.T, ctx context.Context, s *store.Store) {
	t.Helper()
	db := s.DB()
	if s.Dialect() == store.Postgres {
		var total int64
		if err := db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&total); err != nil {
			t.Logf("size: %v", err)
			return
		}
		t.Logf("size: database %s", scaleBytes(total))
		rows, err := db.QueryContext(ctx, `SELECT c.relname, c.relkind, pg_total_relation_size(c.oid)
			FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
			WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'i') AND pg_total_relation_size(c.oid) > 10000000
			ORDER BY 3 DESC`)
		if err != nil {
			t.Logf("size: %v", err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var name, kind string
			var size int64
			if err := rows.Scan(&name, &kind, &size); err == nil {
				what := "table (with TOAST and indexes)"
				if kind == "i" {
					what = "index"
				}
				t.Logf("size:   %-24s %-30s %s", name, what, scaleBytes(size))
			}
		}
		return
	}
	var file string
	rows, err := db.QueryContext(ctx, `PRAGMA database_list`)
	if err == nil {
		for rows.Next() {
			var seq int
			var name, f string
			if rows.Scan(&seq, &name, &f) == nil && name == "main" {
				file = f
			}
		}
		rows.Close()
	}
	var total int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(file + suffix); err == nil {
			total += fi.Size()
		}
	}
	t.Logf("size: database file %s (with -wal, -shm)", scaleBytes(total))
	drows, err := db.QueryContext(ctx, `SELECT name, SUM(pgsize) FROM dbstat GROUP BY name HAVING SUM(pgsize) > 10000000 ORDER BY 2 DESC`)
	if err != nil {
		t.Logf("size: no dbstat: %v", err)
		return
	}
	defer drows.Close()
	for drows.Next() {
		var name string
		var size int64
		if drows.Scan(&name, &size) == nil {
			t.Logf("size:   %-28s %s", name, scaleBytes(size))
		}
	}
}

func scaleBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	default:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
}

// ---------------------------------------------------------------------------
// Duplicate lookup

type dupResult struct {
	all          []time.Duration
	slowestBands []int64 // the bands of the slowest lookup, for EXPLAIN
}

// scaleDuplicates is app.duplicateCandidates with the store calls timed
// separately: band hashes of the text, BandCandidates (limit 50),
// ReportFingerprints of the candidates and the exact check.
func scaleDuplicates(ctx context.Context, s *store.Store, text string) (bands []int64, cands int, links []int64, tBand, tTexts, tJac time.Duration, err error) {
	sh := dedup.Shingles(dedup.Normalize(text), dedup.ShingleSize)
	bands = dedup.BandHashes(dedup.Sign(sh))
	t0 := time.Now()
	cand, err := s.BandCandidates(ctx, bands, 0, 50)
	tBand = time.Since(t0)
	if err != nil || len(cand) == 0 {
		return bands, 0, nil, tBand, 0, 0, err
	}
	ids := make([]int64, 0, len(cand))
	for id := range cand {
		ids = append(ids, id)
	}
	t1 := time.Now()
	fps, err := s.ReportFingerprints(ctx, ids)
	tTexts = time.Since(t1)
	if err != nil {
		return bands, len(cand), nil, tBand, tTexts, 0, err
	}
	t2 := time.Now()
	type link struct {
		id    int64
		score float64
	}
	var ls []link
	q := dedup.FingerprintOf(sh)
	for id, raw := range fps { // as app.storedDuplicates
		fp, err := dedup.ParseFingerprint(raw)
		if err != nil {
			return bands, len(cand), nil, tBand, tTexts, 0, err
		}
		if score := q.Similarity(fp); score >= dedup.DefaultThreshold {
			ls = append(ls, link{id, score})
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].score > ls[j].score })
	if len(ls) > 10 {
		ls = ls[:10]
	}
	tJac = time.Since(t2)
	for _, l := range ls {
		links = append(links, l.id)
	}
	return bands, len(cand), links, tBand, tTexts, tJac, nil
}

func measureDuplicates(t *testing.T, ctx context.Context, s *store.Store, corp *scaleCorpus, n int) dupResult {
	t.Helper()
	type query struct {
		text   string
		target int64 // the stored report it re-submits; 0 for a new text
	}
	qs := make([]query, 0, scaleDupQueries)
	rng := rand.New(rand.NewPCG(2026, 3))
	for i := range scaleDupQueries {
		if i%2 == 0 {
			target := 1 + rng.Int64N(int64(n))
			x := corp.vary(corp.text(target), int64(1e12)+int64(i))
			qs = append(qs, query{x.title + "\n" + x.content(), target})
		} else {
			x := corp.fresh(int64(n) + 1 + int64(i)) // never stored
			qs = append(qs, query{x.title + "\n" + x.content(), 0})
		}
	}
	// Warm-up, not recorded.
	for _, q := range qs[:50] {
		if _, _, _, _, _, _, err := scaleDuplicates(ctx, s, q.text); err != nil {
			t.Fatal(err)
		}
	}
	var res dupResult
	var near, fresh, band, texts, jac []time.Duration
	var candSum, linkSum, found, nearN int
	var slowest time.Duration
	for _, q := range qs {
		st := time.Now()
		bands, cands, links, tb, tt, tj, err := scaleDuplicates(ctx, s, q.text)
		d := time.Since(st)
		if err != nil {
			t.Fatal(err)
		}
		res.all = append(res.all, d)
		band, texts, jac = append(band, tb), append(texts, tt), append(jac, tj)
		if d > slowest {
			slowest, res.slowestBands = d, bands
		}
		candSum += cands
		linkSum += len(links)
		if q.target != 0 {
			near = append(near, d)
			nearN++
			if slices.Contains(links, q.target) {
				found++
			}
		} else {
			fresh = append(fresh, d)
		}
	}
	// Untimed: how many reports share a band before the limit of 50.
	var fullSum, fullMax int
	for _, q := range qs {
		sh := dedup.Shingles(dedup.Normalize(q.text), dedup.ShingleSize)
		c, err := s.BandCandidates(ctx, dedup.BandHashes(dedup.Sign(sh)), 0, math.MaxInt32)
		if err != nil {
			t.Fatal(err)
		}
		fullSum += len(c)
		fullMax = max(fullMax, len(c))
	}
	nq := float64(len(qs))
	t.Logf("duplicates: %d lookups (%d near-duplicates of stored reports, %d new texts), 50 warm-up lookups not recorded", len(qs), nearN, len(qs)-nearN)
	t.Logf("duplicates: all           %s", pcts(res.all))
	t.Logf("duplicates: near-dup      %s", pcts(near))
	t.Logf("duplicates: new text      %s", pcts(fresh))
	t.Logf("duplicates:  BandCandidates %s", pcts(band))
	t.Logf("duplicates:  fingerprints   %s", pcts(texts))
	t.Logf("duplicates:  Jaccard (Go)   %s", pcts(jac))
	t.Logf("duplicates: mean candidates %.1f (after limit 50), mean reports sharing a band %.1f (max %d), mean links %.2f; re-submitted report found for %d of %d near-duplicates",
		float64(candSum)/nq, float64(fullSum)/nq, fullMax, float64(linkSum)/nq, found, nearN)
	return res
}

// ---------------------------------------------------------------------------
// Search

type searchResult struct {
	all     []time.Duration
	slowest string     // the slowest query
	scope   auth.Scope // and its scope
}

func measureSearch(t *testing.T, ctx context.Context, s *store.Store, corp *scaleCorpus, n int) searchResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(2026, 4))
	var qs []string
	perLen := scaleSearchQueries / 3
	for _, k := range []int{2, 3, 4} {
		var ofLen []string
		for _, w := range scaleFrequent {
			if utf8.RuneCountInString(w) == k {
				ofLen = append(ofLen, w)
			}
		}
		for len(ofLen) < perLen {
			x := corp.text(1 + rng.Int64N(int64(n)))
			rs := []rune(search.Normalize(x.title + x.content()))
			if len(rs) < k {
				continue
			}
			p := rng.IntN(len(rs) - k + 1)
			ok := true
			for _, r := range rs[p : p+k] {
				if !unicode.Is(unicode.Han, r) {
					ok = false
				}
			}
			if ok {
				ofLen = append(ofLen, string(rs[p:p+k]))
			}
		}
		qs = append(qs, ofLen...)
	}
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	run := func(q string, scope auth.Scope) (time.Duration, int, int) {
		pq, err := search.Parse(q)
		if err != nil {
			t.Fatalf("parse %q: %v", q, err)
		}
		st := time.Now()
		rs, total, err := s.SearchReports(ctx, scope, pq, store.Page{Limit: 20})
		d := time.Since(st)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		return d, len(rs), total
	}
	// Every query in three scopes: everything ("/", a province's view), the
	// county that holds all reports, and one township (1/20 of them).
	scopes := []struct{ name, path string }{{"all", "/"}, {"county", scalePath(2)}, {"township", scalePath(5)}}
	for _, q := range qs[:30] { // warm-up, not recorded
		run(q, auth.Scope{Prefixes: []string{"/"}})
	}
	var res searchResult
	var slowest time.Duration
	for _, sc := range scopes {
		scope := auth.Scope{Prefixes: []string{sc.path}}
		var ofScope []time.Duration
		byLen := map[int][]time.Duration{}
		totals := map[int][]int{}
		type obs struct {
			q     string
			d     time.Duration
			total int
		}
		var all []obs
		for _, q := range qs {
			d, _, total := run(q, scope)
			k := utf8.RuneCountInString(q)
			res.all = append(res.all, d)
			ofScope = append(ofScope, d)
			byLen[k] = append(byLen[k], d)
			totals[k] = append(totals[k], total)
			all = append(all, obs{q, d, total})
			if d > slowest {
				slowest, res.slowest, res.scope = d, q, scope
			}
		}
		t.Logf("search %s (%s): %d queries (%d each of 2, 3, 4 runes; %d frequent words, the rest cut from stored texts), limit 20",
			sc.name, sc.path, len(qs), perLen, len(scaleFrequent))
		t.Logf("search %s: all     %s", sc.name, pcts(ofScope))
		for _, k := range []int{2, 3, 4} {
			sum, mx, over := 0, 0, 0
			for _, v := range totals[k] {
				sum += v
				mx = max(mx, v)
				if v > 500 {
					over++
				}
			}
			t.Logf("search %s: %d runes %s; matches mean %.0f, max %d, %d of %d queries above 500 matches", sc.name, k, pcts(byLen[k]),
				float64(sum)/float64(len(totals[k])), mx, over, len(totals[k]))
		}
		// Latency against the number of matches.
		buckets := []int{20, 500, 2000, 10000, 100000, math.MaxInt} // SearchReports ranks up to 500 matches, lists more newest first
		for i, hi := range buckets {
			lo := 0
			if i > 0 {
				lo = buckets[i-1] + 1
			}
			var ds []time.Duration
			for _, o := range all {
				if o.total >= lo && o.total <= hi {
					ds = append(ds, o.d)
				}
			}
			if len(ds) > 0 {
				t.Logf("search %s: matches %7d..%-10s %3d queries %s", sc.name, lo, strconv.Itoa(min(hi, n)), len(ds), pcts(ds))
			}
		}
		for _, w := range scaleFrequent {
			for _, o := range all {
				if o.q == w {
					t.Logf("search %s: frequent %-6s %8d matches %v", sc.name, w, o.total, o.d.Round(10*time.Microsecond))
					break
				}
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].d > all[j].d })
		for _, o := range all[:5] {
			t.Logf("search %s: slow %-6s %8d matches %v", sc.name, o.q, o.total, o.d.Round(10*time.Microsecond))
		}
	}
	return res
}

// ---------------------------------------------------------------------------
// Plans

// explainScale times, one by one, the statements SearchReports runs for the
// slowest search (scope '/': the count, then the page, newest first above
// 500 matches, by rank below) and a few alternatives, and prints their
// plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
// PostgreSQL), then the same for the slowest duplicate lookup's band query.
// The statements mirror internal/store/search.go.
func explainScale(t *testing.T, ctx context.Context, s *store.Store, q string, scope auth.Scope, bands []int64) {
	t.Helper()
	db := s.DB()
	pq, err := search.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	terms, _, err := search.ScopeTerms(scope.Prefixes)
	if err != nil {
		t.Fatal(err)
	}
	pg := s.Dialect() == store.Postgres
	var count, newest, ranked, match, explain, oldCount string
	if pg {
		match = pq.TSQueryIn(terms)
		count = `SELECT COUNT(*) FROM report_search s WHERE ` + store.PGFirstMatch
		newest = `SELECT s.report_id FROM report_search s WHERE ` + store.PGFirstMatch + ` ORDER BY s.report_id DESC LIMIT 20`
		ranked = `SELECT report_id, MAX(ts_rank(vec, to_tsquery('simple', $1))) AS rank FROM report_search
			WHERE vec @@ to_tsquery('simple', $1) GROUP BY report_id ORDER BY rank DESC LIMIT 20`
		explain = "EXPLAIN (ANALYZE, BUFFERS) "
		oldCount = `SELECT COUNT(DISTINCT report_id) FROM report_search WHERE vec @@ to_tsquery('simple', $1)`
	} else {
		match = pq.FTS5In(terms)
		count = `SELECT COUNT(*) FROM report_fts WHERE report_fts MATCH $1`
		newest = `SELECT rowid FROM report_fts WHERE report_fts MATCH $1 ORDER BY rowid DESC LIMIT 20`
		ranked = `SELECT rowid, bm25(report_fts, 1.0, 0.0) AS rank FROM report_fts WHERE report_fts MATCH $1 ORDER BY rank LIMIT 20`
		explain = "EXPLAIN QUERY PLAN "
		oldCount = `SELECT COUNT(*) FROM reports r JOIN (SELECT rowid AS report_id FROM report_fts WHERE report_fts MATCH $1) f ON f.report_id = r.id`
	}
	timeIt := func(name, stmt string, args ...any) {
		st := time.Now()
		rows, err := db.QueryContext(ctx, stmt, args...)
		if err != nil {
			t.Logf("plan: %s: %v", name, err)
			return
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		t.Logf("plan: %-46s %v (%d rows)", name, time.Since(st).Round(10*time.Microsecond), n)
	}
	t.Logf("plan: slowest search %q in %v, match %s", q, scope.Prefixes, match)
	timeIt("count in the index (SearchReports, 1st)", count, match)
	timeIt("ids newest first (SearchReports, > 500)", newest, match)
	timeIt("ids by rank (SearchReports, <= 500)", ranked, match)
	timeIt("before: count distinct", oldCount, match)
	logPlan(t, ctx, db, "count", explain+count, match)
	logPlan(t, ctx, db, "ids newest first", explain+newest, match)

	var a []any
	ph := make([]string, len(bands))
	for i, h := range bands {
		a = append(a, h)
		ph[i] = "$" + strconv.Itoa(len(a))
	}
	a = append(a, int64(0))
	bandQ := `SELECT band, hash, report_id FROM report_bands WHERE hash IN (` + strings.Join(ph, ", ") + `) AND report_id <> $` + strconv.Itoa(len(a))
	timeIt("band query of the slowest lookup", bandQ, a...)
	logPlan(t, ctx, db, "bands", explain+bandQ, a...)
}

func logPlan(t *testing.T, ctx context.Context, db *sql.DB, name, stmt string, args ...any) {
	t.Helper()
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		t.Logf("plan %s: %v", name, err)
		return
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Logf("plan %s: %v", name, err)
			return
		}
		if len(cols) == 1 { // PostgreSQL
			lines = append(lines, fmt.Sprint(vals[0]))
		} else { // SQLite: id, parent, notused, detail
			lines = append(lines, fmt.Sprintf("%v|%v|%v", vals[0], vals[1], vals[len(vals)-1]))
		}
	}
	t.Logf("plan %s:\n%s", name, strings.Join(lines, "\n"))
}

// ---------------------------------------------------------------------------
// Percentiles

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func pcts(ds []time.Duration) string {
	if len(ds) == 0 {
		return "(none)"
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	return fmt.Sprintf("p50 %s ms, p95 %s ms, p99 %s ms, max %s ms, mean %s ms (n=%d)",
		ms(percentile(ds, 0.50)), ms(percentile(ds, 0.95)), ms(percentile(ds, 0.99)), ms(percentile(ds, 1)),
		ms(sum/time.Duration(len(ds))), len(ds))
}
