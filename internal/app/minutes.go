package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/clue"
	"qingfeng/internal/docx"
	"qingfeng/internal/i18n"
)

// This file renders the minutes (纪要) of a consultation meeting as .xlsx
// and .docx files: the header block (number, date, place, chair, recorder,
// attendance), the agenda with the meeting's decisions, and the summary.

// The minutes' fixed texts.
const (
	minutesSuffix    = "问题线索处置协商会纪要"
	minutesUndecided = "未作决定（下次研究）"
	minutesDraft     = "（会议未结束，纪要未定稿）"
	minutesSheet     = "纪要"
)

// zhLabel is the Chinese label of a code from the catalogue (the same
// labels the pages show), or the code itself when it has none.
func zhLabel(cat *i18n.Catalog, prefix, code string) string {
	if cat.Has(i18n.ZH, prefix+code) {
		return cat.T(i18n.ZH, prefix+code)
	}
	return code
}

// minutesColumns are the agenda table's headings and relative widths
// (Excel character widths; the docx table scales them to the page).
func minutesColumns() ([]string, []int) {
	return []string{"序号", "线索编号", "被反映人", "线索摘要", "原承办单位", "协商决定", "牵头单位", "承办人", "联办人员", "办理时限", "协商意见"},
		[]int{9, 17, 12, 26, 14, 14, 14, 10, 16, 12, 27}
}

// minutes is the content of a meeting's minutes, ready to render.
type minutes struct {
	title   string
	number  string
	fields  [][2]string // label, value
	rows    [][]string  // agenda rows in minutesColumns order
	summary string      // the summary, or minutesDraft while open
}

// MeetingMinutes writes the minutes of a meeting the caller may see (as
// GetMeeting: agenda items hidden by recusal stay hidden) to w as "xlsx"
// or "docx" and returns the file name, e.g. 永纪协〔2026〕1号-协商会纪要.docx.
// Exporting is a read and is not audited (as GetMeeting). Errors: invalid
// (field format, "meeting.format_invalid"), not_found; an error from w
// after the content was loaded is returned wrapped.
func (a *App) MeetingMinutes(ctx context.Context, p auth.Principal, id int64, format string, w io.Writer) (string, error) {
	if format != "xlsx" && format != "docx" {
		return "", apperr.InvalidField("format", "meeting.format_invalid")
	}
	m, err := a.GetMeeting(ctx, p, id)
	if err != nil {
		return "", err
	}
	mn, err := a.minutesOf(ctx, p, m)
	if err != nil {
		return "", err
	}
	if format == "xlsx" {
		err = mn.writeXLSX(w)
	} else {
		err = mn.writeDOCX(w)
	}
	if err != nil {
		return "", fmt.Errorf("app: minutes %s: %w", m.Number, err)
	}
	return m.Number + "-协商会纪要." + format, nil
}

// minutesOf gathers the minutes' content: attendance, and per agenda item
// the unit that held the clue when the agenda was built, the decision with
// its inquiry form, and the joint members' names.
func (a *App) minutesOf(ctx context.Context, p auth.Principal, m clue.Meeting) (minutes, error) {
	cat, err := i18n.Load()
	if err != nil {
		return minutes{}, apperr.Wrap(err, apperr.Internal, "error.internal")
	}
	mn := minutes{title: m.AreaGroupName + minutesSuffix, number: m.Number}
	var present, absent []string
	for _, x := range m.Attendees {
		name := x.Name
		switch {
		case x.UnitName != "" && x.Note != "":
			name += "（" + x.UnitName + "，" + x.Note + "）"
		case x.UnitName != "":
			name += "（" + x.UnitName + "）"
		case x.Note != "":
			name += "（" + x.Note + "）"
		}
		if x.Present {
			present = append(present, name)
		} else {
			absent = append(absent, name)
		}
	}
	mn.fields = [][2]string{{"会议编号", m.Number}, {"会议时间", cnDate(m.HeldOn)}, {"会议地点", m.Place}, {"主持人", m.ChairName},
		{"记录人", m.RecorderName}, {"出席人员", joinOr(present, "无")}, {"缺席人员", joinOr(absent, "无")}}

	users := map[int64]string{}
	for _, it := range m.Items {
		row := []string{strconv.Itoa(it.Seq), it.ClueNumber, it.SubjectName, it.ClueTitle, it.UnitName, minutesUndecided, "", "", "", "", ""}
		switch {
		case recused(it):
			if it.Decided {
				row[5] = recusedTitle
			}
		case it.Decided:
			decision := zhLabel(cat, "clue.mode.", string(it.Mode))
			if it.Form != "" {
				decision += "（" + zhLabel(cat, "clue.form.", it.Form) + "）"
			}
			var joint []string
			for _, uid := range it.JointUsers {
				name, ok := users[uid]
				if !ok {
					u, _, err := a.Store.GetUser(ctx, uid)
					if err != nil {
						return mn, err
					}
					name = u.Name + "（" + u.UnitName + "）"
					users[uid] = name
				}
				joint = append(joint, name)
			}
			row[5], row[6], row[7], row[8], row[9], row[10] = decision, it.LeadUnitName, it.OwnerName,
				strings.Join(joint, "、"), cnDate(it.DueOn), it.Note
		}
		mn.rows = append(mn.rows, row)
	}
	mn.summary = minutesDraft
	if m.Status == clue.MeetingClosed {
		mn.summary = m.Summary
	}
	return mn, nil
}

// cnDate renders YYYY-MM-DD as 2026年3月20日 (other text unchanged).
func cnDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, "、")
}

// writeDOCX renders the minutes as an A4 landscape Word document.
func (mn minutes) writeDOCX(w io.Writer) error {
	d := &docx.Document{Landscape: true}
	d.AddTitle(mn.title)
	d.AddParagraph(docx.Paragraph{Runs: []docx.Run{docx.Text(mn.number)}, Align: docx.AlignCenter})
	for _, f := range mn.fields[1:] { // the number stands under the title
		d.AddText(docx.Bold(f[0]+"："), docx.Text(f[1]))
	}
	d.AddText(docx.Bold("议题及协商决定"))
	header, widths := minutesColumns()
	d.AddTable(docx.Table{Header: header, Rows: mn.rows, Widths: widths})
	d.AddText(docx.Bold("会议纪要"))
	for _, line := range strings.Split(mn.summary, "\n") {
		d.AddText(docx.Text(line))
	}
	return d.Write(w)
}

// writeXLSX renders the minutes on one sheet: the title, the header block,
// the agenda table with borders and wrapped text, and the summary, set up
// to print on A4 landscape one page wide with the table's heading repeated.
func (mn minutes) writeXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), minutesSheet); err != nil {
		return err
	}
	header, widths := minutesColumns()
	last, err := excelize.ColumnNumberToName(len(header))
	if err != nil {
		return err
	}
	total := 0.0
	for i, wd := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(minutesSheet, col, col, float64(wd)); err != nil {
			return err
		}
		total += float64(wd)
	}
	font := &excelize.Font{Family: "宋体", Size: 11}
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	styles := map[string]*excelize.Style{
		"title":  {Font: &excelize.Font{Family: "宋体", Size: 18, Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		"number": {Font: font, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		"label":  {Font: &excelize.Font{Family: "宋体", Size: 11, Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
		"text":   {Font: font, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
		"head": {Font: &excelize.Font{Family: "宋体", Size: 11, Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"cell": {Font: font, Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
	}
	ids := map[string]int{}
	for k, s := range styles {
		if ids[k], err = f.NewStyle(s); err != nil {
			return err
		}
	}
	r := 1
	// line writes one merged line (from column B when label is set) with
	// a height for its wrapped text.
	line := func(label, value, style string) error {
		from := "A"
		if label != "" {
			from = "B"
			if err := f.SetCellStr(minutesSheet, "A"+strconv.Itoa(r), label); err != nil {
				return err
			}
			if err := f.SetCellStyle(minutesSheet, "A"+strconv.Itoa(r), "A"+strconv.Itoa(r), ids["label"]); err != nil {
				return err
			}
		}
		tl, br := from+strconv.Itoa(r), last+strconv.Itoa(r)
		if err := f.SetCellStr(minutesSheet, tl, value); err != nil {
			return err
		}
		if err := f.MergeCell(minutesSheet, tl, br); err != nil {
			return err
		}
		if err := f.SetCellStyle(minutesSheet, tl, br, ids[style]); err != nil {
			return err
		}
		width := total
		if label != "" {
			width -= float64(widths[0])
		}
		if style == "text" {
			// Merged cells do not grow with their text.
			if err := f.SetRowHeight(minutesSheet, r, textHeight(value, width)); err != nil {
				return err
			}
		}
		r++
		return nil
	}
	if err := line("", mn.title, "title"); err != nil {
		return err
	}
	if err := f.SetRowHeight(minutesSheet, 1, 32); err != nil {
		return err
	}
	if err := line("", mn.number, "number"); err != nil {
		return err
	}
	for _, fl := range mn.fields[1:] {
		if err := line(fl[0], fl[1], "text"); err != nil {
			return err
		}
	}
	r++
	headRow := r
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, r)
		if err := f.SetCellStr(minutesSheet, cell, h); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(minutesSheet, "A"+strconv.Itoa(r), last+strconv.Itoa(r), ids["head"]); err != nil {
		return err
	}
	r++
	for _, row := range mn.rows {
		height := 15.0
		for i, v := range row {
			cell, _ := excelize.CoordinatesToCellName(i+1, r)
			if err := f.SetCellStr(minutesSheet, cell, v); err != nil {
				return err
			}
			height = max(height, textHeight(v, float64(widths[i])))
		}
		if err := f.SetCellStyle(minutesSheet, "A"+strconv.Itoa(r), last+strconv.Itoa(r), ids["cell"]); err != nil {
			return err
		}
		if err := f.SetRowHeight(minutesSheet, r, height); err != nil {
			return err
		}
		r++
	}
	r++
	if err := line("会议纪要", mn.summary, "text"); err != nil {
		return err
	}
	size, orient, one, zero := 9, "landscape", 1, 0 // 9: A4
	if err := f.SetPageLayout(minutesSheet, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(minutesSheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: minutesSheet,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", minutesSheet, headRow, headRow)}); err != nil {
		return err
	}
	return f.Write(w)
}

// textHeight estimates the height in points of wrapped text in a column
// of width Excel characters (a CJK character takes two, 15 pt a line).
func textHeight(s string, width float64) float64 {
	lines := 0.0
	for _, l := range strings.Split(s, "\n") {
		n := 0.0
		for _, r := range l {
			if utf8.RuneLen(r) > 1 {
				n += 2
			} else {
				n++
			}
		}
		lines += max(1, math.Ceil(n/max(1, width-1)))
	}
	return min(409, 15*lines) // 409 pt is Excel's largest row height
}
