// Command gen builds testdata/pairs.csv, the labelled pair set of package
// dedup, from the real message data. See ../README.md.
//
//	go run ./internal/dedup/testdata/gen -messages PATH mine  # candidate pairs to judge
//	go run ./internal/dedup/testdata/gen -messages PATH pairs # write pairs.csv
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	messages := flag.String("messages", "/work/shared/data/messages/messages-with-replies.csv", "messages CSV")
	lo := flag.Float64("lo", 0.06, "mine: lowest similarity printed")
	dir := flag.String("dir", "internal/dedup/testdata", "pairs: directory with judged_pairs.csv and same_matter.csv")
	out := flag.String("out", "internal/dedup/testdata/pairs.csv", "pairs: output file")
	flag.Parse()
	msgs, err := readMessages(*messages)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch flag.Arg(0) {
	case "users":
		mineUsers(os.Stdout, msgs)
	case "runs":
		runs(os.Stdout, msgs, flag.Args()[1:])
	case "mine":
		mine(os.Stdout, msgs, *lo)
	case "pairs":
		if err := runPairs(msgs, *dir, *out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: gen [-messages PATH] users|mine|runs|pairs")
		os.Exit(2)
	}
}

// runPairs builds the labelled set and writes it to out.
func runPairs(msgs []message, dir, out string) error {
	j, err := readJudged(dir)
	if err != nil {
		return err
	}
	ps, err := build(msgs, j)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := writePairs(f, ps); err != nil {
		f.Close()
		return err
	}
	counts := map[string]int{}
	for _, p := range ps {
		counts[fmt.Sprintf("%d %s", p.label, p.kind)]++
	}
	for k, n := range counts {
		fmt.Fprintf(os.Stderr, "%-28s %d\n", k, n)
	}
	return f.Close()
}
