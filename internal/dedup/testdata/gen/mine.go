package main

import (
	"fmt"
	"io"
	"slices"

	"qingfeng/internal/dedup"
)

// mine prints every pair of messages whose similarity is at least lo, most
// similar first, with user, time and subject, for a person to judge.
func mine(w io.Writer, msgs []message, lo float64) {
	sh := make([][]uint64, len(msgs))
	for i, m := range msgs {
		sh[i] = dedup.Shingles(dedup.Normalize(m.Text), dedup.ShingleSize)
	}
	type pair struct {
		i, j int
		s    float64
	}
	var ps []pair
	for i := range msgs {
		for j := i + 1; j < len(msgs); j++ {
			if s := dedup.Jaccard(sh[i], sh[j]); s >= lo {
				ps = append(ps, pair{i, j, s})
			}
		}
	}
	slices.SortFunc(ps, func(a, b pair) int {
		if a.s > b.s {
			return -1
		}
		if a.s < b.s {
			return 1
		}
		return 0
	})
	for _, p := range ps {
		a, b := msgs[p.i], msgs[p.j]
		same := ""
		if a.User == b.User {
			same = " SAMEUSER"
		}
		fmt.Fprintf(w, "%.3f %s %s%s | %s | %s\n", p.s, a.ID, b.ID, same, a.Subject, b.Subject)
	}
}

// mineUsers prints every pair of messages by the same user.
func mineUsers(w io.Writer, msgs []message) {
	byUser := map[string][]int{}
	for i, m := range msgs {
		byUser[m.User] = append(byUser[m.User], i)
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		ix := byUser[u]
		for x := range ix {
			for y := x + 1; y < len(ix); y++ {
				a, b := msgs[ix[x]], msgs[ix[y]]
				fmt.Fprintf(w, "%.3f %s %s %s | %s | %s\n", dedup.Similar(a.Text, b.Text), a.ID, b.ID, u, a.Subject, b.Subject)
			}
		}
	}
}

// runs prints, for pairs of message ids, the similarity and the longest
// passage (in runes of the original text) the two share, as Highlight finds
// it with a 6-rune minimum: the evidence for "the later text repeats the
// earlier one" in judged_pairs.csv.
func runs(w io.Writer, msgs []message, ids []string) {
	byID := map[string]string{}
	for _, m := range msgs {
		byID[m.ID] = m.Text
	}
	for i := 0; i+1 < len(ids); i += 2 {
		a, b := byID[ids[i]], byID[ids[i+1]]
		inA, _ := dedup.Highlight(a, b, 6)
		longest := 0
		for _, s := range inA {
			longest = max(longest, s.End-s.Start)
		}
		fmt.Fprintf(w, "%s %s similarity=%.3f longest_shared=%d\n", ids[i], ids[i+1], dedup.Similar(a, b), longest)
	}
}
