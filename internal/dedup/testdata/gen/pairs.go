package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"qingfeng/internal/dedup"
)

// pair is one row of pairs.csv.
type pair struct {
	aID, bID, aText, bText string
	label                  int
	kind                   string
}

// Targets for the generated parts of the set.
const (
	seed             = 20240601 // every random choice derives from it
	nSynthetic       = 264      // synthetic positives (24 per variation kind)
	nRandom          = 150      // random negatives
	nSameUser        = 150      // same complainant, different matter
	perUserCap       = 4        // same-user negatives per complainant
	nNeighbour       = 150      // lexically closest different-matter pairs
	nCategory        = 100      // same category keyword, different matter
	nTemplate        = 80       // different short reports in one template
	maxSourceRunes   = 800      // longer messages are not used as sources
	minSourceRunes   = 30       // nor shorter ones
	maxTemplateRunes = 150      // template reports are short ones
)

// judged is the hand-judged input: labelled real pairs and same-matter groups.
type judged struct {
	pairs   []pair            // from judged_pairs.csv (texts filled in later)
	matter  map[string]string // message id → same-matter group name
	labeled map[[2]string]bool
}

func key(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// readJudged reads judged_pairs.csv and same_matter.csv from dir. Natural
// positive pairs also join their messages into one matter.
func readJudged(dir string) (*judged, error) {
	j := &judged{matter: map[string]string{}, labeled: map[[2]string]bool{}}
	recs, err := readCSV(dir + "/same_matter.csv")
	if err != nil {
		return nil, err
	}
	for _, rec := range recs[1:] {
		for _, id := range strings.Fields(rec[1]) {
			j.matter[id] = rec[0]
		}
	}
	recs, err = readCSV(dir + "/judged_pairs.csv")
	if err != nil {
		return nil, err
	}
	for _, rec := range recs[1:] {
		label, err := strconv.Atoi(rec[2])
		if err != nil {
			return nil, fmt.Errorf("judged_pairs.csv: %v", rec)
		}
		j.pairs = append(j.pairs, pair{aID: rec[0], bID: rec[1], label: label, kind: rec[3]})
		j.labeled[key(rec[0], rec[1])] = true
	}
	// Union the positives into matters.
	for changed := true; changed; {
		changed = false
		for _, p := range j.pairs {
			if p.label != 1 {
				continue
			}
			ma, mb := j.matter[p.aID], j.matter[p.bID]
			switch {
			case ma == "" && mb == "":
				j.matter[p.aID], j.matter[p.bID] = "pos:"+p.aID, "pos:"+p.aID
				changed = true
			case ma == "":
				j.matter[p.aID] = mb
				changed = true
			case mb == "":
				j.matter[p.bID] = ma
				changed = true
			case ma != mb:
				for id, m := range j.matter {
					if m == mb {
						j.matter[id] = ma
					}
				}
				changed = true
			}
		}
	}
	return j, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return csv.NewReader(f).ReadAll()
}

// sameMatter reports whether two messages were judged to be about one matter.
func (j *judged) sameMatter(a, b string) bool {
	ma, mb := j.matter[a], j.matter[b]
	return ma != "" && ma == mb
}

// bigramJaccard is the Jaccard similarity of the character bigrams of two
// subjects (raw, not normalised), used to keep likely same-matter pairs out
// of the automatic negatives.
func bigramJaccard(a, b string) float64 {
	set := func(s string) map[string]bool {
		rs := []rune(s)
		m := map[string]bool{}
		for i := 0; i+2 <= len(rs); i++ {
			m[string(rs[i:i+2])] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	inter := 0
	for g := range sa {
		if sb[g] {
			inter++
		}
	}
	if u := len(sa) + len(sb) - inter; u > 0 {
		return float64(inter) / float64(u)
	}
	return 0
}

// categories returns subject keywords that define the "same category" groups
// (matching the contest's second-level classes: traffic, schools, housing…).
func categories() []string {
	return []string{"公交", "幼儿园", "小学", "补课", "物业", "公积金", "噪音", "扰民", "拆迁", "路灯",
		"硬化", "落户", "户口", "医保", "社保", "养老", "违建", "违章", "地铁", "规划", "停车", "垃圾",
		"自来水", "驾驶证", "拖欠", "工资", "房产证", "学区", "入学", "补贴"}
}

// build assembles the whole set.
func build(msgs []message, j *judged) ([]pair, error) {
	byID := map[string]message{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	var out []pair
	used := map[[2]string]bool{}
	add := func(p pair) {
		k := key(p.aID, p.bID)
		if used[k] {
			return
		}
		used[k] = true
		out = append(out, p)
	}
	// 1. Hand-judged real pairs.
	for _, p := range j.pairs {
		a, okA := byID[p.aID]
		b, okB := byID[p.bID]
		if !okA || !okB {
			return nil, fmt.Errorf("judged pair %s %s: unknown id", p.aID, p.bID)
		}
		p.aText, p.bText = a.Text, b.Text
		add(p)
	}
	runes := func(s string) int { return len([]rune(s)) }
	// Candidate negatives never pair two messages of one matter, never a
	// judged pair, and never two messages whose subjects look alike.
	okNegative := func(a, b message) bool {
		return a.ID != b.ID && !j.sameMatter(a.ID, b.ID) && !j.labeled[key(a.ID, b.ID)] &&
			bigramJaccard(a.Subject, b.Subject) < 0.3
	}
	// Every selection below takes candidates in the order of a fixed hash
	// (rank), not of a random stream, so that judging one more pair (which
	// removes it from the candidates) leaves every other choice unchanged.
	type cand struct {
		x, y int
		s    float64
	}
	byRank := func(section string, cs []cand) {
		slices.SortFunc(cs, func(p, q cand) int {
			return cmp.Compare(rank(section, msgs[p.x].ID, msgs[p.y].ID), rank(section, msgs[q.x].ID, msgs[q.y].ID))
		})
	}

	// 2. Synthetic positives from messages not involved in any judged matter.
	var sources []int
	for i, m := range msgs {
		if n := runes(m.Text); n >= minSourceRunes && n <= maxSourceRunes && j.matter[m.ID] == "" {
			sources = append(sources, i)
		}
	}
	vs := variants()
	perKind := nSynthetic / len(vs)
	usedSource := map[int]bool{}
	for _, v := range vs {
		order := slices.Clone(sources)
		slices.SortFunc(order, func(p, q int) int {
			return cmp.Compare(rank(v.kind, msgs[p].ID, ""), rank(v.kind, msgs[q].ID, ""))
		})
		made := 0
		for _, i := range order {
			if made == perKind {
				break
			}
			if usedSource[i] {
				continue
			}
			src := msgs[i]
			r := rand.New(rand.NewPCG(seed, rank(v.kind, src.ID, "variant")))
			t, ok := v.f(r, src.Text)
			if !ok || t == src.Text {
				continue
			}
			usedSource[i] = true
			add(pair{aID: src.ID, bID: src.ID + "~" + strings.TrimPrefix(v.kind, "syn_"), aText: src.Text, bText: t, label: 1, kind: v.kind})
			made++
		}
	}

	// 3. Same complainant, different matter: at most perUserCap pairs per
	// complainant.
	byUser := map[string][]int{}
	for i, m := range msgs {
		byUser[m.User] = append(byUser[m.User], i)
	}
	var userPairs []cand
	for _, ix := range byUser {
		for x := range ix {
			for y := x + 1; y < len(ix); y++ {
				if okNegative(msgs[ix[x]], msgs[ix[y]]) {
					userPairs = append(userPairs, cand{x: ix[x], y: ix[y]})
				}
			}
		}
	}
	byRank("user", userPairs)
	perUser := map[string]int{}
	n := 0
	for _, c := range userPairs {
		if n == nSameUser {
			break
		}
		a, b := msgs[c.x], msgs[c.y]
		if perUser[a.User] >= perUserCap {
			continue
		}
		perUser[a.User]++
		add(pair{aID: a.ID, bID: b.ID, aText: a.Text, bText: b.Text, label: 0, kind: "hard_same_user"})
		n++
	}

	// 4. Nearest lexical neighbours (similarity 0.05–0.1) that are about
	// different matters, at most two per message.
	sh := make([][]uint64, len(msgs))
	for i, m := range msgs {
		sh[i] = dedup.Shingles(dedup.Normalize(m.Text), dedup.ShingleSize)
	}
	var neigh []cand
	for x := range msgs {
		for y := x + 1; y < len(msgs); y++ {
			if msgs[x].User == msgs[y].User {
				continue
			}
			if s := dedup.Jaccard(sh[x], sh[y]); s >= 0.05 && s < 0.1 && okNegative(msgs[x], msgs[y]) {
				neigh = append(neigh, cand{x, y, s})
			}
		}
	}
	byRank("neighbour", neigh)
	perMsg := map[int]int{}
	n = 0
	for _, c := range neigh {
		if n == nNeighbour {
			break
		}
		if perMsg[c.x] >= 2 || perMsg[c.y] >= 2 {
			continue
		}
		perMsg[c.x]++
		perMsg[c.y]++
		a, b := msgs[c.x], msgs[c.y]
		add(pair{aID: a.ID, bID: b.ID, aText: a.Text, bText: b.Text, label: 0, kind: "hard_neighbour"})
		n++
	}

	// 5. Same category keyword in the subject, different matter.
	var catPairs []cand
	seen := map[[2]int]bool{}
	for _, c := range categories() {
		var ix []int
		for i, m := range msgs {
			if strings.Contains(m.Subject, c) && runes(m.Text) <= maxSourceRunes {
				ix = append(ix, i)
			}
		}
		for x := range ix {
			for y := x + 1; y < len(ix); y++ {
				a, b := msgs[ix[x]], msgs[ix[y]]
				if k := [2]int{ix[x], ix[y]}; !seen[k] && a.User != b.User && okNegative(a, b) {
					seen[k] = true
					catPairs = append(catPairs, cand{x: ix[x], y: ix[y]})
				}
			}
		}
	}
	byRank("category", catPairs)
	n = 0
	for _, c := range catPairs {
		if n == nCategory {
			break
		}
		a, b := msgs[c.x], msgs[c.y]
		if used[key(a.ID, b.ID)] {
			continue
		}
		add(pair{aID: a.ID, bID: b.ID, aText: a.Text, bText: b.Text, label: 0, kind: "hard_same_category"})
		n++
	}

	// 6. Different short reports of one category wrapped in the same
	// template (hotline boilerplate, letter formulas).
	templates := []struct{ head, tail string }{
		{"来电人反映：", "来电人诉求：请相关部门尽快核实处理。"},
		{"尊敬的领导：您好！", "恳请领导高度重视，尽快解决，谢谢！"},
		{"市民来电反映，", "希望相关部门尽快处理，给市民一个满意的答复。"},
		{"【12345热线转办】", "请承办单位于3个工作日内核实处理并回复。"},
		{"据群众反映，", "现将有关情况转交贵单位，请依法依规办理。"},
		{"诉求人来电称：", "诉求人要求：尽快派人到现场查看，依法处理，并将结果反馈诉求人。"},
	}
	short := func(m message) bool { n := runes(m.Text); return n >= minSourceRunes && n <= maxTemplateRunes }
	byRank("template", catPairs)
	n = 0
	for _, c := range catPairs {
		if n == nTemplate {
			break
		}
		a, b := msgs[c.x], msgs[c.y]
		if !short(a) || !short(b) {
			continue
		}
		ti := int(rank("template-choice", a.ID, b.ID) % uint64(len(templates)))
		t := templates[ti]
		suffix := "~tpl" + strconv.Itoa(ti+1)
		add(pair{aID: a.ID + suffix, bID: b.ID + suffix, aText: t.head + a.Text + t.tail, bText: t.head + b.Text + t.tail, label: 0, kind: "syn_template_wrap"})
		n++
	}

	// 7. Random pairs: the k-th candidate is a fixed hash of k.
	n = 0
	for k := 0; n < nRandom; k++ {
		ks := strconv.Itoa(k)
		a, b := msgs[rank("random-a", ks, "")%uint64(len(msgs))], msgs[rank("random-b", ks, "")%uint64(len(msgs))]
		if a.User == b.User || !okNegative(a, b) || runes(a.Text) > maxSourceRunes || runes(b.Text) > maxSourceRunes || used[key(a.ID, b.ID)] {
			continue
		}
		add(pair{aID: a.ID, bID: b.ID, aText: a.Text, bText: b.Text, label: 0, kind: "random"})
		n++
	}
	return out, nil
}

// rank is a fixed pseudo-random order key for a choice in a section of the
// build (FNV-1a 64 of the seed, section and ids, finalised with SplitMix64).
func rank(section, a, b string) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%s|%s", seed, section, a, b)
	z := h.Sum64() + 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// writePairs writes pairs.csv.
func writePairs(w io.Writer, ps []pair) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"a_id", "b_id", "a_text", "b_text", "label", "kind"}); err != nil {
		return err
	}
	for _, p := range ps {
		if err := cw.Write([]string{p.aID, p.bID, p.aText, p.bText, strconv.Itoa(p.label), p.kind}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
