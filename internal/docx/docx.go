// Package docx writes small Word documents (Office Open XML
// WordprocessingML, .docx) with the standard library only: a title,
// paragraphs of plain and bold runs, and tables with a header row, borders
// and column widths, on an A4 page, with East Asian font names declared
// (宋体 for the title, 仿宋 for the text; no fonts are embedded). It is made
// for the minutes and forms the services export; it reads nothing.
//
// Text comes from users: characters XML cannot hold are dropped, invalid
// UTF-8 becomes U+FFFD, line breaks become breaks and tabs become tabs, so
// any string gives a well-formed file whose text reads back as Clean(s).
// The output is deterministic (fixed zip timestamps and part order).
package docx

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Align is a paragraph's horizontal alignment.
type Align string

// The alignments.
const (
	AlignLeft   Align = ""
	AlignCenter Align = "center"
	AlignRight  Align = "right"
)

// Run is a piece of text with one formatting.
type Run struct {
	Text string
	Bold bool
}

// Text is a plain run.
func Text(s string) Run { return Run{Text: s} }

// Bold is a bold run.
func Bold(s string) Run { return Run{Text: s, Bold: true} }

// Paragraph is a paragraph of runs.
type Paragraph struct {
	Runs  []Run
	Align Align
}

// Table is a table with a header row (bold, repeated on every page) and
// rows of cells. Widths are relative column widths (any positive numbers,
// scaled to the text width); nil or a wrong length gives equal columns.
// Rows shorter than the header are padded with empty cells, longer rows
// are cut.
type Table struct {
	Header []string
	Rows   [][]string
	Widths []int
}

// Document is a document being built. The zero value is an empty A4
// portrait document; set the fields before Write.
type Document struct {
	Landscape bool   // A4 landscape (wide tables)
	Font      string // East Asian font of the text; "" is 仿宋
	TitleFont string // East Asian font of the title; "" is 宋体
	blocks    []block
}

type block struct {
	title bool
	para  Paragraph
	table *Table
}

// AddTitle adds the document's title: centred, bold, 22 pt.
func (d *Document) AddTitle(s string) {
	d.blocks = append(d.blocks, block{title: true, para: Paragraph{Runs: []Run{Bold(s)}, Align: AlignCenter}})
}

// AddParagraph adds a paragraph.
func (d *Document) AddParagraph(p Paragraph) {
	d.blocks = append(d.blocks, block{para: p})
}

// AddText adds a left-aligned paragraph of runs.
func (d *Document) AddText(runs ...Run) {
	d.AddParagraph(Paragraph{Runs: runs})
}

// AddTable adds a table (copied).
func (d *Document) AddTable(t Table) {
	d.blocks = append(d.blocks, block{table: &t})
}

// Page geometry in twentieths of a point (twips): A4 with the margins of
// official documents (GB/T 9704: top 37 mm, bottom 35 mm, left 28 mm,
// right 26 mm).
const (
	a4Short     = 11906
	a4Long      = 16838
	marginTop   = 2098
	marginBot   = 1984
	marginLeft  = 1588
	marginRight = 1474
)

// Font sizes in half points.
const (
	sizeTitle = 44 // 二号
	sizeText  = 28 // 四号
	sizeTable = 21 // 五号
)

// zipTime is the fixed modification time of every part.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Write writes the document as a .docx file. Errors: only w's.
func (d *Document) Write(w io.Writer) error {
	z := zip.NewWriter(w)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", d.styles()},
		{"word/document.xml", d.document()},
	}
	for _, p := range parts {
		f, err := z.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return fmt.Errorf("docx: %s: %w", p.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("docx: %w", err)
	}
	return nil
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const nsW = `http://schemas.openxmlformats.org/wordprocessingml/2006/main`

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`</Types>`

const rootRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`</Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`</Relationships>`

func (d *Document) font() string {
	if d.Font == "" {
		return "仿宋"
	}
	return d.Font
}

func (d *Document) titleFont() string {
	if d.TitleFont == "" {
		return "宋体"
	}
	return d.TitleFont
}

// styles declares the default fonts (Latin Times New Roman, East Asian
// d.Font), the size, the language and the normal paragraph style.
func (d *Document) styles() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:styles xmlns:w="` + nsW + `"><w:docDefaults><w:rPrDefault><w:rPr>`)
	fonts(&b, d.font())
	fmt.Fprintf(&b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>`, sizeText, sizeText)
	b.WriteString(`<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>`)
	b.WriteString(`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>`)
	b.WriteString(`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>` +
		`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>`)
	b.WriteString(`</w:styles>`)
	return b.String()
}

func fonts(b *strings.Builder, eastAsia string) {
	b.WriteString(`<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="`)
	escape(b, eastAsia)
	b.WriteString(`"/>`)
}

// textWidth is the width between the margins.
func (d *Document) textWidth() int {
	if d.Landscape {
		return a4Long - marginLeft - marginRight
	}
	return a4Short - marginLeft - marginRight
}

func (d *Document) document() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:document xmlns:w="` + nsW + `"><w:body>`)
	for _, bl := range d.blocks {
		switch {
		case bl.table != nil:
			d.table(&b, bl.table)
		case bl.title:
			d.paragraph(&b, bl.para, d.titleFont(), sizeTitle, `<w:spacing w:after="240"/>`)
		default:
			d.paragraph(&b, bl.para, "", 0, "")
		}
	}
	w, h, orient := a4Short, a4Long, ""
	if d.Landscape {
		w, h, orient = a4Long, a4Short, ` w:orient="landscape"`
	}
	fmt.Fprintf(&b, `<w:sectPr><w:pgSz w:w="%d" w:h="%d"%s/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>`,
		w, h, orient, marginTop, marginRight, marginBot, marginLeft)
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

// paragraph writes a paragraph; font and size (half points) override the
// defaults when set, extra is added to the paragraph properties.
func (d *Document) paragraph(b *strings.Builder, p Paragraph, font string, size int, extra string) {
	b.WriteString(`<w:p>`)
	if p.Align != AlignLeft || extra != "" {
		b.WriteString(`<w:pPr>` + extra)
		if p.Align != AlignLeft {
			b.WriteString(`<w:jc w:val="`)
			escape(b, string(p.Align))
			b.WriteString(`"/>`)
		}
		b.WriteString(`</w:pPr>`)
	}
	for _, r := range p.Runs {
		run(b, r, font, size)
	}
	b.WriteString(`</w:p>`)
}

// run writes a run: its text split at line breaks (w:br) and tabs (w:tab).
func run(b *strings.Builder, r Run, font string, size int) {
	b.WriteString(`<w:r>`)
	if r.Bold || font != "" || size != 0 {
		b.WriteString(`<w:rPr>`)
		if font != "" {
			fonts(b, font)
		}
		if r.Bold {
			b.WriteString(`<w:b/><w:bCs/>`)
		}
		if size != 0 {
			fmt.Fprintf(b, `<w:sz w:val="%d"/><w:szCs w:val="%d"/>`, size, size)
		}
		b.WriteString(`</w:rPr>`)
	}
	s := Clean(r.Text)
	for s != "" {
		i := strings.IndexAny(s, "\n\t")
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			b.WriteString(`<w:t xml:space="preserve">`)
			escape(b, s[:i])
			b.WriteString(`</w:t>`)
		}
		if i == len(s) {
			break
		}
		if s[i] == '\n' {
			b.WriteString(`<w:br/>`)
		} else {
			b.WriteString(`<w:tab/>`)
		}
		s = s[i+1:]
	}
	b.WriteString(`</w:r>`)
}

func (d *Document) table(b *strings.Builder, t *Table) {
	n := len(t.Header)
	if n == 0 {
		for _, r := range t.Rows {
			n = max(n, len(r))
		}
	}
	if n == 0 {
		return
	}
	widths := columnWidths(t.Widths, n, d.textWidth())
	total := 0
	for _, w := range widths {
		total += w
	}
	fmt.Fprintf(b, `<w:tbl><w:tblPr><w:tblW w:w="%d" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>`, total)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, w)
	}
	b.WriteString(`</w:tblGrid>`)
	if len(t.Header) > 0 {
		row(b, t.Header, widths, true)
	}
	for _, r := range t.Rows {
		row(b, r, widths, false)
	}
	b.WriteString(`</w:tbl>`)
	// Word needs a paragraph between a table and what follows.
	b.WriteString(`<w:p/>`)
}

func row(b *strings.Builder, cells []string, widths []int, header bool) {
	b.WriteString(`<w:tr>`)
	if header {
		b.WriteString(`<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
	}
	for i, w := range widths {
		var s string
		if i < len(cells) {
			s = cells[i]
		}
		fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>`, w)
		b.WriteString(`<w:p><w:pPr><w:spacing w:line="280" w:lineRule="auto"/>`)
		if header {
			b.WriteString(`<w:jc w:val="center"/>`)
		}
		b.WriteString(`</w:pPr>`)
		run(b, Run{Text: s, Bold: header}, "", sizeTable)
		b.WriteString(`</w:p></w:tc>`)
	}
	b.WriteString(`</w:tr>`)
}

// columnWidths scales relative widths to total twips (equal columns when
// rel does not fit n).
func columnWidths(rel []int, n, total int) []int {
	sum := 0
	for _, w := range rel {
		if w <= 0 {
			sum = 0
			break
		}
		sum += w
	}
	out := make([]int, n)
	for i := range out {
		if len(rel) == n && sum > 0 {
			out[i] = total * rel[i] / sum
		} else {
			out[i] = total / n
		}
	}
	return out
}

// escape writes s with the XML escapes (s is already Clean).
func escape(b *strings.Builder, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writes to a strings.Builder do not fail
}

// Clean returns the text a document holds for s: invalid UTF-8 bytes
// become U+FFFD, CR LF and lone CR become LF, and characters outside XML's
// Char production (C0 controls other than tab and LF, surrogates, U+FFFE,
// U+FFFF) are dropped. Writing s and reading the document's text back
// (w:br as LF, w:tab as tab) gives Clean(s).
func Clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // ranging yields U+FFFD for each invalid byte
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
