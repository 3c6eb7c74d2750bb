package importer

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

// readReal reads one file of the real data set with default options.
func readReal(t *testing.T, name string) (map[string]Row, []Row, Summary) {
	t.Helper()
	f, size := realFile(t, name)
	byID := map[string]Row{}
	var rows []Row
	sum, err := Read(context.Background(), name, f, size, Options{Channel: "留言板"},
		func(r Row) error {
			if r.Line <= 1 {
				t.Errorf("row %q: Line = %d, want > 1", r.ExternalID, r.Line)
			}
			if _, dup := byID[r.ExternalID]; dup {
				t.Errorf("external id %q twice", r.ExternalID)
			}
			byID[r.ExternalID] = r
			rows = append(rows, r)
			return nil
		},
		func(e RowError) { t.Errorf("%s: unexpected row error %v", name, e) })
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return byID, rows, sum
}

// csvDataRows counts the data records of the real CSV with encoding/csv.
func csvDataRows(t *testing.T) [][]string {
	t.Helper()
	f, _ := realFile(t, "messages-with-replies.csv")
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

// xlsxDataRows counts the <row> elements of the real workbook's only sheet
// with archive/zip and encoding/xml, minus the header row.
func xlsxDataRows(t *testing.T) int {
	t.Helper()
	f, size := realFile(t, "messages-with-replies.xlsx")
	zr, err := zip.NewReader(f, size)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "row" {
			n++
		}
	}
	return n - 1
}

func realMapping() map[Field]string {
	return map[Field]string{
		FieldExternalID: "留言编号", FieldReporter: "留言用户", FieldTitle: "留言主题", FieldReceivedAt: "留言时间",
		FieldContent: "留言详情", FieldReply: "答复意见", FieldRepliedAt: "答复时间",
	}
}

func TestReadRealCSV(t *testing.T) {
	recs := csvDataRows(t)
	byID, rows, sum := readReal(t, "messages-with-replies.csv")
	if len(recs) != 2816 {
		t.Errorf("encoding/csv counts %d data rows, SOURCE.md says 2816", len(recs))
	}
	if sum.Rows != len(recs) || sum.Parsed != len(recs) || sum.Rejected != 0 || len(rows) != len(recs) {
		t.Fatalf("summary %+v, %d rows delivered; want all %d data rows parsed", sum, len(rows), len(recs))
	}
	if sum.Format != "csv" || sum.Encoding != "utf-8" || len(sum.Unused) != 0 {
		t.Errorf("summary %+v", sum)
	}
	for f, h := range realMapping() {
		if sum.Mapping[f] != h {
			t.Errorf("Mapping[%s] = %q, want %q", f, sum.Mapping[f], h)
		}
	}
	// Every record arrives, in order, with the id of the record.
	for i, rec := range recs {
		if rows[i].ExternalID != rec[0] {
			t.Fatalf("row %d: id %q, want %q", i, rows[i].ExternalID, rec[0])
		}
	}
	// Rows as a spreadsheet numbers them: the header is row 1.
	if rows[0].Line != 2 || rows[len(rows)-1].Line != 2817 {
		t.Errorf("lines %d..%d, want 2..2817", rows[0].Line, rows[len(rows)-1].Line)
	}
	tests := []struct {
		id                string
		title, reporter   string
		received, replied time.Time
		contentPrefix     string
	}{
		{"2549", "A2区景蓉华苑物业管理有问题", "A00045581", at(2019, 4, 25, 9, 32, 9), at(2019, 5, 10, 14, 56, 53),
			"2019年4月以来，位于A市A2区桂花坪街道"},
		// The CSV has this time as Excel's "m/d/yy h:mm" display form.
		{"2759", "A3区含浦镇马路卫生很差", "A00077538", at(2019, 4, 8, 8, 37, 0), at(2019, 5, 9, 10, 2, 8),
			"欢迎领导来A市泥泞不堪的小含浦镇滚泥巴"},
		// Reply time as a date only.
		{"27610", "希望连通A5区大唐路和丽白路", "UU0081230", at(2018, 3, 19, 10, 5, 4), at(2018, 4, 24, 0, 0, 0),
			"建言：希望连通A5区大唐路和丽白路。 理由："},
		{"185986", "强烈呼吁宁朱公路拓宽提质改造", "UU008363", at(2011, 10, 3, 21, 52, 37), at(2012, 2, 28, 10, 19, 55),
			""},
	}
	for _, tt := range tests {
		r, ok := byID[tt.id]
		if !ok {
			t.Errorf("id %s missing", tt.id)
			continue
		}
		if r.Title != tt.title || r.Reporter != tt.reporter || !r.ReceivedAt.Equal(tt.received) ||
			!r.RepliedAt.Equal(tt.replied) || !strings.HasPrefix(r.Content, tt.contentPrefix) {
			t.Errorf("id %s: got %q %q %v %v %.40q", tt.id, r.Title, r.Reporter, r.ReceivedAt, r.RepliedAt, r.Content)
		}
		if r.Source != "留言板" || r.Reply == "" || r.Extra != nil {
			t.Errorf("id %s: source %q, reply %.20q, extra %v", tt.id, r.Source, r.Reply, r.Extra)
		}
	}
	// The CSV holds U+200B in some cells; cleaning drops it.
	for _, r := range rows {
		if strings.ContainsRune(r.Content+r.Reply+r.Title, '\u200b') {
			t.Fatalf("id %s keeps a zero-width space", r.ExternalID)
		}
	}
}

func TestReadRealXLSX(t *testing.T) {
	want := xlsxDataRows(t)
	byID, rows, sum := readReal(t, "messages-with-replies.xlsx")
	if want != 2816 {
		t.Errorf("the sheet has %d data rows, SOURCE.md says 2816", want)
	}
	if sum.Rows != want || sum.Parsed != want || sum.Rejected != 0 || len(rows) != want {
		t.Fatalf("summary %+v, %d rows delivered; want all %d data rows parsed", sum, len(rows), want)
	}
	if sum.Format != "xlsx" || len(sum.Unused) != 0 {
		t.Errorf("summary %+v", sum)
	}
	for f, h := range realMapping() {
		if sum.Mapping[f] != h {
			t.Errorf("Mapping[%s] = %q, want %q", f, sum.Mapping[f], h)
		}
	}
	if rows[0].Line != 2 || rows[len(rows)-1].Line != 2817 {
		t.Errorf("lines %d..%d, want sheet rows 2..2817", rows[0].Line, rows[len(rows)-1].Line)
	}
	tests := []struct {
		id, title         string
		line              int
		received, replied time.Time
		contentPrefix     string
	}{
		{"2549", "A2区景蓉华苑物业管理有问题", 2, at(2019, 4, 25, 9, 32, 9), at(2019, 5, 10, 14, 56, 53),
			"2019年4月以来，位于A市A2区桂花坪街道"},
		// D7 is a real date cell: Excel serial 43563.359259259261.
		{"2759", "A3区含浦镇马路卫生很差", 7, at(2019, 4, 8, 8, 37, 20), at(2019, 5, 9, 10, 2, 8),
			"欢迎领导来A市泥泞不堪的小含浦镇滚泥巴"},
		{"27610", "希望连通A5区大唐路和丽白路", 1141, at(2018, 3, 19, 10, 5, 4), at(2018, 4, 24, 0, 0, 0),
			"建言：希望连通A5区大唐路和丽白路。 理由："},
	}
	for _, tt := range tests {
		r := byID[tt.id]
		if r.Line != tt.line || r.Title != tt.title || !r.ReceivedAt.Equal(tt.received) ||
			!r.RepliedAt.Equal(tt.replied) || !strings.HasPrefix(r.Content, tt.contentPrefix) {
			t.Errorf("id %s: got line %d %q %v %v %.40q", tt.id, r.Line, r.Title, r.ReceivedAt, r.RepliedAt, r.Content)
		}
	}
	// Raw cells hold tabs, full-width indents and "_x000D_" escapes
	// (carriage returns); cleaning leaves trimmed lines joined by \n.
	multi := 0
	for _, r := range rows {
		c := r.Content
		if strings.ContainsAny(c, "\r\t\u3000\u00a0\u200b") || strings.Contains(c, "_x000D_") ||
			c != strings.TrimSpace(c) || strings.Contains(c, "\n\n\n") || strings.Contains(c, " \n") ||
			strings.Contains(c, "\n ") || strings.Contains(c, "  ") {
			t.Fatalf("id %s: content not clean: %q", r.ExternalID, c)
		}
		if strings.Contains(c, "\n") {
			multi++
		}
	}
	// 74 contents have line breaks inside their text (counted with a
	// Python script over the sheet XML).
	if multi != 74 {
		t.Errorf("%d contents keep line breaks, want 74", multi)
	}
}

// The CSV is the same data with white space folded to one space: the
// cleaned .xlsx text with line breaks folded must equal it, cell by cell.
func TestRealXLSXMatchesCSV(t *testing.T) {
	xl, _, _ := readReal(t, "messages-with-replies.xlsx")
	cs, _, _ := readReal(t, "messages-with-replies.csv")
	if len(xl) != len(cs) {
		t.Fatalf("%d xlsx rows, %d csv rows", len(xl), len(cs))
	}
	fold := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	diffs := 0
	for id, x := range xl {
		c, ok := cs[id]
		if !ok {
			t.Fatalf("id %s only in xlsx", id)
		}
		for _, p := range [][3]string{{"title", x.Title, c.Title}, {"content", x.Content, c.Content},
			{"reply", x.Reply, c.Reply}, {"reporter", x.Reporter, c.Reporter}} {
			if fold(p[1]) != p[2] {
				diffs++
				if diffs < 5 {
					t.Errorf("id %s %s:\nxlsx %.80q\ncsv  %.80q", id, p[0], p[1], p[2])
				}
			}
		}
		// The CSV keeps minutes only where Excel displayed m/d/yy h:mm.
		if !x.ReceivedAt.Truncate(time.Minute).Equal(c.ReceivedAt.Truncate(time.Minute)) || !x.RepliedAt.Equal(c.RepliedAt) {
			t.Errorf("id %s: times xlsx %v %v, csv %v %v", id, x.ReceivedAt, x.RepliedAt, c.ReceivedAt, c.RepliedAt)
		}
	}
	if diffs > 0 {
		t.Errorf("%d cells differ", diffs)
	}
}

func TestRealCategoriesHaveNoContentColumn(t *testing.T) {
	f, size := realFile(t, "hotline-categories.csv")
	_, err := Read(context.Background(), "hotline-categories.csv", f, size, Options{},
		func(Row) error { t.Fatal("row delivered"); return nil }, nil)
	if CodeOf(err) != CodeNoContent {
		t.Fatalf("err = %v, want %s", err, CodeNoContent)
	}
	// With an explicit mapping the three levels read as title, category, place.
	n := 0
	sum, err := Read(context.Background(), "hotline-categories.csv", f, size,
		Options{MappingSpec: "category=一级分类,title=三级分类"},
		func(r Row) error {
			n++
			if r.Category == "" || r.Title == "" || r.Extra["二级分类"] == "" {
				t.Errorf("line %d: %+v", r.Line, r)
			}
			return nil
		}, func(e RowError) { t.Errorf("row error %v", e) })
	if err != nil || n != 517 || sum.Parsed != 517 || len(sum.Unused) != 1 || sum.Unused[0] != "二级分类" {
		t.Fatalf("n=%d sum=%+v err=%v; SOURCE.md says 517 rows", n, sum, err)
	}
}
