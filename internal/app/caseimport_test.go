package app_test

import (
	"bytes"
	"maps"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"qingfeng/internal/app"
	"qingfeng/internal/apperr"
	"qingfeng/internal/auth"
	"qingfeng/internal/casework"
	"qingfeng/internal/store"
)

// ledgerRows is a case ledger: three cases, five people (sheet rows 2–6);
// recovered funds add up to 4,778,700.00 yuan.
func ledgerRows() [][]any {
	return [][]any{
		{"案件编号", "立案日期", "承办单位", "被审查调查人", "职务", "人员类别", "党纪处分", "政务处分", "组织处理", "第一种形态",
			"是否留置", "移送司法", "追缴资金（元）", "退还群众资金（元）", "结案日期", "案由"},
		{"永纪案〔2024〕1号", "2024-03-05", "", "张某", "村支书", "村干部、中共党员", "严重警告", "", "", "", "否", "否", "1,234.50", "234.50", "2024-06-30", "违规发放补贴"},
		{"永纪案〔2024〕1号", "2024/3/5", "", "李某", "村会计", "村干部", "", "记大过", "", "", "是", "", 100, "", "2024年6月30日", "违规发放补贴"},
		{"南纪案〔2024〕7号", "2024-04-01", "南庄坪街道纪工委", "王某", "科员", "公职人员", "", "", "", "诫勉", "", "", "", "", "2024-05-01", "违规吃喝"},
		{"永纪案〔2024〕3号", "2024-05-01", "430802", "钱某", "局长", "公职人员、中共党员", "开除党籍", "开除", "", "", "√", "是", "4,777,365.50", "", "2024-09-01", "受贿"},
		{"永纪案〔2024〕3号", "2024-05-01", "430802", "孙某", "科长", "公职人员", "", "撤职", "免职", "", "1", "否", "", "", "2024-09-01", "受贿"},
	}
}

func xlsxBytes(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportCases(t *testing.T) {
	good := xlsxBytes(t, ledgerRows())
	// Sheet row 7: a village cadre cannot be demoted (降级), as in the case workflow.
	badRows := append(ledgerRows(), []any{"永纪案〔2024〕4号", "2024-06-01", "", "周某", "村主任", "村干部", "", "降级", "", "", "", "",
		"", "", "2024-08-01", "侵占集体资金"})
	bad := xlsxBytes(t, badRows)
	wantTotals := app.CaseImportTotals{Cases: 3, Subjects: 5, Sanctioned: 4, PartySanctions: 2, GovSanctions: 3, OrgActions: 1,
		Detained: 3, Transferred: 1, RecoveredFen: 477870000, RecoveredYuan: "4778700.00", ReturnedFen: 23450, ReturnedYuan: "234.50",
		Forms: app.CaseImportForms{First: 1, Second: 2, Third: 1, Fourth: 1}}

	each(t, func(t *testing.T, f *fixture) {
		p := f.principals["admina"]
		p.Perms = maps.Clone(p.Perms) // the county's case manager: case.file
		p.Perms[auth.PermCaseFile] = true
		unitA, unitT1 := f.units["A"].ID, f.units["T1"].ID
		imp := func(data []byte, name string, opt app.CaseImportOptions) (app.CaseImportSummary, error) {
			opt.Name, opt.UnitID = name, unitA
			return f.app.ImportCases(ctx, p, bytes.NewReader(data), int64(len(data)), opt)
		}
		stored := func() [3]int {
			ca, sa, da, err := f.store.ImportedCaseStats(ctx, unitA, "台账.xlsx")
			must(t, err)
			ct, st, dt, err := f.store.ImportedCaseStats(ctx, unitT1, "台账.xlsx")
			must(t, err)
			return [3]int{ca + ct, sa + st, da + dt}
		}

		// All or nothing: the bad row stops the import.
		sum, err := imp(bad, "台账.xlsx", app.CaseImportOptions{})
		must(t, err)
		if !sum.Failed() || sum.Written || sum.CasesCreated != 0 || sum.Rows != 6 || sum.Cases != 4 || sum.Rejected != 1 || sum.Skipped != 1 {
			t.Fatalf("all or nothing: %+v", sum)
		}
		if len(sum.Errors) != 1 || sum.Errors[0].Row != 7 || sum.Errors[0].Column != "政务处分" || sum.Errors[0].Code != "case.sanction_not_allowed" ||
			sum.Errors[0].Message == "" || sum.Errors[0].Message == sum.Errors[0].Code {
			t.Fatalf("errors %+v", sum.Errors)
		}
		if sum.Totals != wantTotals {
			t.Errorf("totals %+v\nwant %+v", sum.Totals, wantTotals)
		}
		if got := stored(); got != [3]int{} {
			t.Fatalf("nothing may be written: %v", got)
		}

		// A dry run of the good file writes nothing either.
		sum, err = imp(good, "台账.xlsx", app.CaseImportOptions{DryRun: true})
		must(t, err)
		if sum.Failed() || sum.Written || sum.Totals != wantTotals || stored() != [3]int{} {
			t.Fatalf("dry run: %+v", sum)
		}

		// Valid only: the three good cases are written.
		sum, err = imp(bad, "台账.xlsx", app.CaseImportOptions{ValidOnly: true})
		must(t, err)
		if !sum.Written || sum.CasesCreated != 3 || sum.SubjectsCreated != 5 || sum.Skipped != 1 || sum.Rejected != 1 || sum.Totals != wantTotals {
			t.Fatalf("valid only: %+v", sum)
		}
		if got := stored(); got != [3]int{3, 5, 3} {
			t.Fatalf("stored cases, subjects, detained = %v", got)
		}

		// The stored case: closed, its own number, outcomes in fen, four form, import event.
		rows, _, err := f.store.ListCases(ctx, p.ScopeFor(auth.PermCaseFile), store.CaseFilter{})
		must(t, err)
		var found bool
		for _, c := range rows {
			if c.Number != "永纪案〔2024〕3号" {
				continue
			}
			found = true
			full, err := f.store.GetCase(ctx, c.ID)
			must(t, err)
			if full.Status != casework.StatusClosed || full.Year != 2024 || full.Seq != 3 || full.LeadUnitID != unitA ||
				full.FiledAt.In(f.app.Loc).Format("2006-01-02") != "2024-05-01" || full.ClosedAt.In(f.app.Loc).Format("2006-01-02") != "2024-09-01" ||
				len(full.Subjects) != 2 {
				t.Fatalf("case %+v", full.Case)
			}
			qian := full.Subjects[0]
			if qian.Outcome == nil || qian.Outcome.RecoveredFen != 477736550 || !qian.Outcome.Transferred || qian.Form != casework.FormFourth ||
				qian.TransferredAt.IsZero() || qian.Outcome.Party != casework.PartyExpulsion {
				t.Errorf("subject %+v outcome %+v", qian, qian.Outcome)
			}
			evs, err := f.store.CaseEvents(ctx, c.ID)
			must(t, err)
			if len(evs) != 1 || evs[0].Action != "import" || evs[0].Note != "台账.xlsx" || evs[0].ToStatus != casework.StatusClosed {
				t.Errorf("events %+v", evs)
			}
		}
		if !found {
			t.Fatalf("永纪案〔2024〕3号 not in the ledger: %d cases", len(rows))
		}

		// Importing again adds nothing: all or nothing refuses, valid only skips the duplicates.
		sum, err = imp(good, "台账.xlsx", app.CaseImportOptions{})
		must(t, err)
		if !sum.Failed() || sum.Written || len(sum.Duplicates) != 3 || sum.Errors[0].Code != "caseimport.duplicate_case" || sum.Rejected != 5 {
			t.Fatalf("second import: %+v", sum)
		}
		sum, err = imp(good, "台账.xlsx", app.CaseImportOptions{ValidOnly: true})
		must(t, err)
		if sum.Written || sum.CasesCreated != 0 || sum.Skipped != 3 || len(sum.Duplicates) != 3 || len(sum.Errors) != 0 {
			t.Fatalf("second import, valid only: %+v", sum)
		}
		if got := stored(); got != [3]int{3, 5, 3} {
			t.Fatalf("after the second import: %v", got)
		}

		// Refusals: a unit out of scope, missing headers, no permission.
		_, err = f.app.ImportCases(ctx, p, bytes.NewReader(good), int64(len(good)), app.CaseImportOptions{Name: "x.xlsx", UnitID: f.units["B"].ID})
		wantCode(t, err, apperr.Invalid, "", map[string]string{"unit_id": "caseimport.unit_invalid"})
		short := xlsxBytes(t, [][]any{{"案件编号", "立案日期", "被审查调查人"}, {"A", "2024-01-01", "张某"}})
		_, err = imp(short, "x.xlsx", app.CaseImportOptions{})
		if e := apperr.As(err); e.Code != apperr.Invalid || e.Key != "caseimport.missing_columns" || len(e.Args) != 1 {
			t.Fatalf("missing columns: %v", err)
		}
		_, err = f.app.ImportCases(ctx, f.principals["villagev1"], bytes.NewReader(good), int64(len(good)), app.CaseImportOptions{Name: "x.xlsx"})
		wantCode(t, err, apperr.Forbidden, "error.forbidden", nil)
	})
}
