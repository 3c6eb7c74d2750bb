package store

import (
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestBandTableCount checks one level of the band log in memory: a report
// counts the bands whose hash equals the query's in the same band, a hash
// equal to the query's in another band does not count, exclude is left
// out, and counts already held are kept when larger (max, not sum).
func TestBandTableCount(t *testing.T) {
	tb := newBandTable()
	tb.add(10, []int64{1, 2, 3, 4})
	tb.add(11, []int64{1, 9, 3, 8})
	tb.add(12, []int64{2, 1, 7, 7}) // the query's hashes 1 and 2 in other bands
	tb.add(13, []int64{5, 6, 7, 4})
	tests := []struct {
		name    string
		bands   []int64
		exclude int64
		into    map[int64]int
		want    map[int64]int
	}{
		{"shared", []int64{1, 2, 3, 4}, 0, nil, map[int64]int{10: 4, 11: 2, 13: 1}},
		{"exclude", []int64{1, 2, 3, 4}, 10, nil, map[int64]int{11: 2, 13: 1}},
		{"other bands", []int64{2, 1, 0, 0}, 0, nil, map[int64]int{12: 2}},
		{"repeated hash", []int64{7, 7, 7, 7}, 0, nil, map[int64]int{12: 2, 13: 1}},
		{"none", []int64{100, 200, 300, 400}, 0, nil, map[int64]int{}},
		{"max kept", []int64{1, 2, 3, 4}, 0, map[int64]int{10: 1, 11: 3, 99: 5}, map[int64]int{10: 4, 11: 3, 13: 1, 99: 5}},
		{"short query", []int64{1}, 0, nil, map[int64]int{10: 1, 11: 1}},
	}
	for _, tc := range tests {
		got := map[int64]int{}
		maps.Copy(got, tc.into)
		tb.count(tc.bands, tc.exclude, got)
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if tb.reports() != 4 {
		t.Errorf("reports = %d, want 4", tb.reports())
	}
}

// TestBandTableSorted checks that a frozen level's rows come out whole and
// in report_bands' key order (hash, report, band).
func TestBandTableSorted(t *testing.T) {
	tb := newBandTable()
	tb.add(7, []int64{5, -3, 5})
	tb.add(9, []int64{-3, 0, 5})
	want := []bandRow{
		{hash: -3, id: 7, band: 1}, {hash: -3, id: 9, band: 0},
		{hash: 0, id: 9, band: 1},
		{hash: 5, id: 7, band: 0}, {hash: 5, id: 7, band: 2}, {hash: 5, id: 9, band: 2},
	}
	if got := tb.sorted(); !slices.Equal(got, want) {
		t.Errorf("sorted = %v, want %v", got, want)
	}
	if got, want := bandRowsJSON(want[:2]), "[[-3,7,1],[-3,9,0]]"; got != want {
		t.Errorf("bandRowsJSON = %s, want %s", got, want)
	}
}

func TestParseBandHashes(t *testing.T) {
	many := "[" + strings.Repeat("1,", 256) + "1]"
	tests := []struct {
		in   string
		want []int64
		ok   bool
	}{
		{"[]", []int64{}, true},
		{"[1,-2,3]", []int64{1, -2, 3}, true},
		{" [ 9223372036854775807 , -9223372036854775808 ] ", []int64{9223372036854775807, -9223372036854775808}, true},
		{"[0]", []int64{0}, true},
		{"", nil, false},
		{"[", nil, false},
		{"[1,]", nil, false},
		{"[1 2]", nil, false},
		{"[a]", nil, false},
		{"[1]x", nil, false},
		{"{}", nil, false},
		{"[9223372036854775808]", nil, false},
		{"[-]", nil, false},
		{"[1.5]", nil, false},
		{many, nil, false},
	}
	for _, tc := range tests {
		got, err := parseBandHashes(tc.in)
		if (err == nil) != tc.ok || (tc.ok && !slices.Equal(got, tc.want)) {
			t.Errorf("parseBandHashes(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
	hs := []int64{0, -1, 1, 1 << 62, -(1 << 62)}
	if got, err := parseBandHashes(bandHashesJSON(hs)); err != nil || !slices.Equal(got, hs) {
		t.Errorf("round trip: %v, %v", got, err)
	}
}

// FuzzParseBandHashes: any text parses or fails without a panic; what
// parses writes back to the same hashes; any hashes written parse back.
func FuzzParseBandHashes(f *testing.F) {
	f.Add("[1,2,3]", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(" [ -5 ]", []byte{})
	f.Add("[1,,2]", []byte{255, 255, 255, 255, 255, 255, 255, 127})
	f.Fuzz(func(t *testing.T, text string, raw []byte) {
		if hs, err := parseBandHashes(text); err == nil {
			again, err := parseBandHashes(bandHashesJSON(hs))
			if err != nil || !slices.Equal(again, hs) {
				t.Fatalf("%q: %v, then %v, %v", text, hs, again, err)
			}
		}
		var hs []int64
		for len(raw) >= 8 && len(hs) < 256 {
			hs = append(hs, int64(binary.LittleEndian.Uint64(raw)))
			raw = raw[8:]
		}
		got, err := parseBandHashes(bandHashesJSON(hs))
		if err != nil || len(got) != len(hs) || (len(hs) > 0 && !slices.Equal(got, hs)) {
			t.Fatalf("%v: %v, %v", hs, got, err)
		}
	})
}
