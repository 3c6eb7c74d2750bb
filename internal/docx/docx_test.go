package docx_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/docx"
)

// parsed is what a document's body holds: the text of each top-level
// paragraph and of each table's cells, and the bold runs.
type parsed struct {
	paras  []string
	tables [][][]string
	bold   []string
	parts  []string
	doc    []byte
}

// read reopens a .docx with archive/zip and parses word/document.xml with
// encoding/xml: w:t is text, w:br a line break, w:tab a tab.
func read(t testing.TB, b []byte) parsed {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	var out parsed
	for _, f := range z.File {
		out.parts = append(out.parts, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := wellFormed(body); err != nil {
			t.Fatalf("%s is not well-formed: %v", f.Name, err)
		}
		if f.Name == "word/document.xml" {
			out.doc = body
		}
	}
	if out.doc == nil {
		t.Fatal("no word/document.xml")
	}
	dec := xml.NewDecoder(bytes.NewReader(out.doc))
	var text strings.Builder
	depth, inT, bold := 0, false, false // depth: open w:tbl elements
	var row []string
	var table [][]string
	var runText strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "tbl":
				depth++
				table = nil
			case "tr":
				row = nil
			case "tc", "p":
				text.Reset()
			case "r":
				bold = false
				runText.Reset()
			case "b":
				bold = true
			case "t":
				inT = true
			case "br":
				text.WriteByte('\n')
				runText.WriteByte('\n')
			case "tab":
				text.WriteByte('\t')
				runText.WriteByte('\t')
			}
		case xml.CharData:
			if inT {
				text.Write(x)
				runText.Write(x)
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "t":
				inT = false
			case "r":
				if bold {
					out.bold = append(out.bold, runText.String())
				}
			case "p":
				if depth == 0 {
					out.paras = append(out.paras, text.String())
				}
			case "tc":
				row = append(row, text.String())
			case "tr":
				table = append(table, row)
			case "tbl":
				depth--
				out.tables = append(out.tables, table)
			}
		}
	}
	return out
}

func wellFormed(b []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func write(t testing.TB, d *docx.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sample() *docx.Document {
	d := &docx.Document{Landscape: true}
	d.AddTitle("第一片区问题线索处置协商会纪要")
	d.AddParagraph(docx.Paragraph{Runs: []docx.Run{docx.Text("永纪协〔2026〕1号")}, Align: docx.AlignCenter})
	d.AddText(docx.Bold("地点："), docx.Text(`区纪委监委<三楼> & "会议室"`))
	d.AddText(docx.Text("第一行\n第二行\tTab  两个空格 "))
	d.AddTable(docx.Table{Header: []string{"序号", "线索编号", "协商意见"}, Widths: []int{1, 3, 6},
		Rows: [][]string{{"1", "永纪线〔2026〕1号", "问题具体，先行谈话。"}, {"2", "a<b>&'c'"}, {"3", "x", "y", "cut"}}})
	d.AddText()
	return d
}

func TestRoundTrip(t *testing.T) {
	b := write(t, sample())
	got := read(t, b)
	for _, p := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if !slices.Contains(got.parts, p) {
			t.Errorf("part %s missing: %v", p, got.parts)
		}
	}
	// The table is followed by an empty paragraph (Word needs one).
	wantParas := []string{"第一片区问题线索处置协商会纪要", "永纪协〔2026〕1号", `地点：区纪委监委<三楼> & "会议室"`,
		"第一行\n第二行\tTab  两个空格 ", "", ""}
	if !slices.Equal(got.paras, wantParas) {
		t.Errorf("paragraphs\n got %q\nwant %q", got.paras, wantParas)
	}
	wantTable := [][]string{{"序号", "线索编号", "协商意见"}, {"1", "永纪线〔2026〕1号", "问题具体，先行谈话。"}, {"2", "a<b>&'c'", ""}, {"3", "x", "y"}}
	if len(got.tables) != 1 || len(got.tables[0]) != len(wantTable) {
		t.Fatalf("tables %q", got.tables)
	}
	for i, r := range wantTable {
		if !slices.Equal(got.tables[0][i], r) {
			t.Errorf("row %d: %q, want %q", i, got.tables[0][i], r)
		}
	}
	wantBold := []string{"第一片区问题线索处置协商会纪要", "地点：", "序号", "线索编号", "协商意见"}
	if !slices.Equal(got.bold, wantBold) {
		t.Errorf("bold runs %q, want %q", got.bold, wantBold)
	}
	doc := string(got.doc)
	for _, want := range []string{`<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>`, `<w:jc w:val="center"/>`,
		`<w:gridCol w:w="1377"/><w:gridCol w:w="4132"/><w:gridCol w:w="8265"/>`, `<w:tblHeader/>`, `<w:insideV w:val="single"`,
		`w:eastAsia="宋体"`, `<w:sz w:val="44"/>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	// Deterministic: the same document gives the same bytes.
	if !bytes.Equal(b, write(t, sample())) {
		t.Error("two writes of one document differ")
	}
}

func TestStylesAndPortrait(t *testing.T) {
	d := &docx.Document{Font: "仿宋_GB2312"}
	d.AddText(docx.Text("正文"))
	d.AddTable(docx.Table{}) // no cells: left out
	b := write(t, d)
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := z.Open("word/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	styles, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(styles, []byte(`w:eastAsia="仿宋_GB2312"`)) || !bytes.Contains(styles, []byte(`w:eastAsia="zh-CN"`)) {
		t.Errorf("styles.xml %s", styles)
	}
	got := read(t, b)
	if !strings.Contains(string(got.doc), `<w:pgSz w:w="11906" w:h="16838"/>`) || len(got.tables) != 0 {
		t.Errorf("portrait page without tables: %s", got.doc)
	}
	for _, f := range z.File {
		if !f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s modified %v", f.Name, f.Modified)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nb\rc":       "a\nb\nc",
		"x\x00y\x1fz\x7f": "xyz\x7f",
		"\xff中":           "\uFFFD中",
		"\uFFFE\uFFFF—\t": "—\t",
	} {
		if got := docx.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzWriteText checks that any text, in a paragraph and in a table cell,
// gives a well-formed document whose text reads back as Clean(s), and that
// Clean leaves text without control characters and invalid UTF-8 alone.
func FuzzWriteText(f *testing.F) {
	for _, s := range []string{"", "普通文字", `<&>"'`, "a\r\nb\rc\n", "\x00\x01\x0b\x0c", "\xff\xfe", "\uFFFE\uFFFF", " lead and trail ",
		"]]>", "\t\t", "𠮷𝄞", "\u2028\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := &docx.Document{}
		d.AddText(docx.Text(s), docx.Bold(s))
		d.AddTable(docx.Table{Header: []string{s}, Rows: [][]string{{s}}})
		got := read(t, write(t, d))
		want := docx.Clean(s)
		if len(got.paras) != 2 || got.paras[0] != want+want || got.paras[1] != "" {
			t.Fatalf("paragraphs %q, want %q twice", got.paras, want)
		}
		if len(got.tables) != 1 || len(got.tables[0]) != 2 || got.tables[0][0][0] != want || got.tables[0][1][0] != want {
			t.Fatalf("table %q, want %q", got.tables, want)
		}
		plain := true
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0xFFFD || r == 0xFFFE || r == 0xFFFF {
				plain = false
			}
		}
		if plain && want != s {
			t.Fatalf("Clean changed plain text %q to %q", s, want)
		}
	})
}
