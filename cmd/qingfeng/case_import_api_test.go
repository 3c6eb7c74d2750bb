package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"
)

// postLedger posts a case ledger to /api/v1/imports with kind=cases.
func postLedger(t *testing.T, base, token string, fields map[string]string, body string) (int, caseImportJSON) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "案件台账.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(fw, body); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/imports", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var sum caseImportJSON
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnprocessableEntity {
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
	}
	return resp.StatusCode, sum
}

// TestCaseImportAPI imports a case ledger through POST /api/v1/imports
// with kind=cases: written once, refused (422, nothing written) the second
// time, skipped with valid_only, and forbidden without case.file.
func TestCaseImportAPI(t *testing.T) {
	data := t.TempDir()
	srv := startServe(t, data, "")
	tok := createToken(t, data, "", "yd_case")
	county := findUnit(t, srv.base, tok, "永定区", "commission", "永定区纪委监委")
	fields := map[string]string{"kind": "cases", "unit_id": strconv.FormatInt(county.ID, 10)}

	code, sum := postLedger(t, srv.base, tok, fields, caseLedgerCSV)
	if code != http.StatusOK || sum.CasesCreated != 2 || sum.SubjectsCreated != 3 || sum.Totals.RecoveredFen != 1200100 || !sum.Written {
		t.Fatalf("first: %d %+v", code, sum)
	}
	code, sum = postLedger(t, srv.base, tok, fields, caseLedgerCSV)
	if code != http.StatusUnprocessableEntity || sum.Written || len(sum.Duplicates) != 2 || sum.Errors[0].Code != "caseimport.duplicate_case" {
		t.Fatalf("second: %d %+v", code, sum)
	}
	fields["valid_only"] = "true"
	code, sum = postLedger(t, srv.base, tok, fields, caseLedgerCSV)
	if code != http.StatusOK || sum.CasesCreated != 0 || sum.Skipped != 2 {
		t.Fatalf("valid only: %d %+v", code, sum)
	}
	if code, _ := postLedger(t, srv.base, createToken(t, data, "", "yd_office1"), fields, caseLedgerCSV); code != http.StatusForbidden {
		t.Fatalf("without case.file: %d", code)
	}
}
