package app_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/apperr"
	"qingfeng/internal/clue"
)

// docxText reads a .docx back: the text of every paragraph outside tables
// and the rows of the tables' cells (w:br read as a line break).
func docxText(t *testing.T, b []byte) (paras []string, rows [][]string) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("docx zip: %v", err)
	}
	rc, err := z.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	var text strings.Builder
	var row []string
	inTable, inT := false, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return paras, rows
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "tbl":
				inTable = true
			case "tr":
				row = nil
			case "p", "tc":
				text.Reset()
			case "t":
				inT = true
			case "br":
				text.WriteByte('\n')
			}
		case xml.CharData:
			if inT {
				text.Write(x)
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "tbl":
				inTable = false
			case "t":
				inT = false
			case "p":
				if !inTable {
					paras = append(paras, text.String())
				}
			case "tc":
				row = append(row, text.String())
			case "tr":
				rows = append(rows, row)
			}
		}
	}
}

func TestMeetingMinutes(t *testing.T) {
	eachClue(t, func(t *testing.T, f *clueFixture) {
		x, err := f.app.RegisterClue(ctx, f.p("townt1"), input("反映村干部虚报冒领危房改造补助"))
		must(t, err)
		y, err := f.app.RegisterClue(ctx, f.p("townt1"), input("反映内容空泛，无具体事实"))
		must(t, err)
		z, err := f.app.RegisterClue(ctx, f.p("townt2"), input("反映大庸桥村账目不公开<&>"))
		must(t, err)
		m, err := f.app.CreateMeeting(ctx, f.p("officeo1"), f.ag1.ID, clue.MeetingInput{HeldOn: "2026-03-20", Place: "区纪委监委三楼会议室",
			Attendees: []clue.Attendee{{PersonID: f.people["leadera"].ID, Present: true}, {PersonID: f.people["officeo1"].ID, Present: true},
				{PersonID: f.people["townt1"].ID, Present: false, Note: "请假"}}})
		must(t, err)
		if len(m.Items) != 3 {
			t.Fatalf("agenda %+v", m.Items)
		}
		// x: an inquiry by talk led by T1 with T2's cadre as joint member;
		// z (held by T2) is closed with T1 leading; y waits.
		_, err = f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, clue.Decision{ClueID: x.ID, Mode: clue.ModeInquiry, Form: clue.FormTalk,
			LeadUnitID: f.units["T1"].ID, OwnerUserID: f.users["townt1"].ID, JointUsers: []int64{f.users["townt2"].ID}, DueOn: "2026-04-30",
			Note: "问题具体，先行谈话。"})
		must(t, err)
		_, err = f.app.DecideMeetingItem(ctx, f.p("officeo1"), m.ID, clue.Decision{ClueID: z.ID, Mode: clue.ModeClose,
			Closure: clue.CloseNoSubstance, LeadUnitID: f.units["T1"].ID, OwnerUserID: f.users["townt1"].ID, Note: "无实质内容，予以了结。"})
		must(t, err)

		var buf bytes.Buffer
		name, err := f.app.MeetingMinutes(ctx, f.p("officeo1"), m.ID, "docx", &buf)
		must(t, err)
		if name != "永纪协〔2026〕1号-协商会纪要.docx" {
			t.Errorf("file name %q", name)
		}
		paras, _ := docxText(t, buf.Bytes())
		if !slices.Contains(paras, "（会议未结束，纪要未定稿）") {
			t.Errorf("open meeting's minutes: %q", paras)
		}

		const summary = "会议研究了3件问题线索，决定谈话函询1件、予以了结1件，1件下次研究。"
		_, err = f.app.CloseMeeting(ctx, f.p("officeo1"), m.ID, 0, summary)
		must(t, err)

		leader, officer, absent := f.people["leadera"].Name, f.people["officeo1"].Name, f.people["townt1"].Name
		owner, joint := f.people["townt1"].Name, f.people["townt2"].Name
		t1, t2 := f.units["T1"].Name, f.units["T2"].Name
		wantRows := [][]string{
			{"序号", "线索编号", "被反映人", "线索摘要", "原承办单位", "协商决定", "牵头单位", "承办人", "联办人员", "办理时限", "协商意见"},
			{"1", x.Number, "王某", x.Title, t1, "谈话函询（谈话）", t1, owner, joint + "（" + t2 + "）", "2026年4月30日", "问题具体，先行谈话。"},
			{"2", y.Number, "王某", y.Title, t1, "未作决定（下次研究）", "", "", "", "", ""},
			{"3", z.Number, "王某", z.Title, t2, "予以了结", t1, owner, "", "", "无实质内容，予以了结。"},
		}
		buf.Reset()
		name, err = f.app.MeetingMinutes(ctx, f.p("officeo1"), m.ID, "docx", &buf)
		must(t, err)
		paras, rows := docxText(t, buf.Bytes())
		if name != "永纪协〔2026〕1号-协商会纪要.docx" || len(rows) != len(wantRows) {
			t.Fatalf("docx %s rows %q", name, rows)
		}
		// z's due date is the clue.decision_due limit from today.
		zDue := rows[3][9]
		wantRows[3][9] = zDue
		if !strings.HasPrefix(zDue, "2026年") {
			t.Errorf("z due %q", zDue)
		}
		for i, r := range wantRows {
			if !slices.Equal(rows[i], r) {
				t.Errorf("docx row %d\n got %q\nwant %q", i, rows[i], r)
			}
		}
		for _, want := range []string{"第一片区问题线索处置协商会纪要", "永纪协〔2026〕1号", "会议时间：2026年3月20日", "会议地点：区纪委监委三楼会议室",
			"主持人：" + leader, "记录人：" + officer, summary} {
			if !slices.Contains(paras, want) {
				t.Errorf("docx lacks paragraph %q: %q", want, paras)
			}
		}
		var present, missing string
		for _, p := range paras {
			if strings.HasPrefix(p, "出席人员：") {
				present = p
			}
			if strings.HasPrefix(p, "缺席人员：") {
				missing = p
			}
		}
		if !strings.Contains(present, leader) || !strings.Contains(present, officer) || strings.Contains(present, absent) ||
			!strings.Contains(missing, absent) || !strings.Contains(missing, "请假") {
			t.Errorf("attendance %q / %q", present, missing)
		}

		buf.Reset()
		name, err = f.app.MeetingMinutes(ctx, f.p("officeo1"), m.ID, "xlsx", &buf)
		must(t, err)
		if name != "永纪协〔2026〕1号-协商会纪要.xlsx" {
			t.Errorf("file name %q", name)
		}
		xf, err := excelize.OpenReader(&buf)
		must(t, err)
		defer xf.Close()
		if sheets := xf.GetSheetList(); !slices.Equal(sheets, []string{"纪要"}) {
			t.Fatalf("sheets %v", sheets)
		}
		got, err := xf.GetRows("纪要")
		must(t, err)
		head := slices.IndexFunc(got, func(r []string) bool { return len(r) > 0 && r[0] == "序号" })
		if head < 0 || len(got) < head+len(wantRows) {
			t.Fatalf("xlsx rows %q", got)
		}
		for i, r := range wantRows {
			row := got[head+i]
			for len(row) < len(r) {
				row = append(row, "") // GetRows drops trailing empty cells
			}
			if !slices.Equal(row, r) {
				t.Errorf("xlsx row %d\n got %q\nwant %q", i, row, r)
			}
		}
		if got[0][0] != "第一片区问题线索处置协商会纪要" || got[1][0] != "永纪协〔2026〕1号" {
			t.Errorf("xlsx title %q", got[:2])
		}
		cells := map[string]string{}
		for _, r := range got[2:head] {
			if len(r) >= 2 {
				cells[r[0]] = r[1]
			}
		}
		if cells["会议时间"] != "2026年3月20日" || cells["主持人"] != leader || cells["记录人"] != officer || !strings.Contains(cells["缺席人员"], absent) {
			t.Errorf("xlsx header block %q", cells)
		}
		lastRow := got[len(got)-1]
		if len(lastRow) < 2 || lastRow[0] != "会议纪要" || lastRow[1] != summary {
			t.Errorf("xlsx summary row %q", lastRow)
		}
		if w, err := xf.GetColWidth("纪要", "D"); err != nil || w != 26 {
			t.Errorf("column D width %v %v", w, err)
		}

		// T2's cadre sees the meeting, and x as its joint member, but not
		// T1's clue y: y stays hidden.
		buf.Reset()
		_, err = f.app.MeetingMinutes(ctx, f.p("townt2"), m.ID, "docx", &buf)
		must(t, err)
		_, rows = docxText(t, buf.Bytes())
		if len(rows) != 4 || rows[2][1] != y.Number || rows[2][3] != "（回避）" || rows[2][2] != "" || rows[1][3] != x.Title {
			t.Errorf("minutes for a member with recusal: %q", rows)
		}
		for _, r := range rows {
			if slices.Contains(r, y.Title) {
				t.Errorf("hidden title in row %q", r)
			}
		}

		if _, err := f.app.MeetingMinutes(ctx, f.p("officeo1"), m.ID, "pdf", io.Discard); apperr.CodeOf(err) != apperr.Invalid ||
			apperr.As(err).Fields["format"] != "meeting.format_invalid" {
			t.Errorf("pdf: %v", err)
		}
		if _, err := f.app.MeetingMinutes(ctx, f.p("townb1"), m.ID, "xlsx", io.Discard); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("other county: %v", err)
		}
		if _, err := f.app.MeetingMinutes(ctx, f.p("officeo1"), m.ID+100, "docx", io.Discard); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("no such meeting: %v", err)
		}
	})
}
