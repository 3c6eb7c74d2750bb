package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"qingfeng/internal/i18n"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestImportPreviewInChinese: the import page names the recognised columns
// and every refused row's reason in Chinese, with the row number a
// spreadsheet shows, never the codes of the API.
func TestImportPreviewInChinese(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC))
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		f := newStatsFixture(t, st, clock)
		csv := "工单编号,受理时间,诉求标题,诉求内容\n" +
			"GD1,2026-06-01 09:00,反映村道损坏,\"村道多处塌陷，\n雨天无法通行。\"\n" +
			"GD2,昨天下午,反映路灯不亮,路灯坏了一个月无人修理。\n" +
			"GD3,2026-06-02,,\n" +
			"GD4,2026-06-03,反映低保不公," + strings.Repeat("长", 21000) + "\n"
		f.get("yd_petition", "/account")
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("unit_id", fmt.Sprint(f.county.ID))
		fw, _ := mw.CreateFormFile("file", "12345工单.csv")
		_, _ = fw.Write([]byte(csv))
		_ = mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/reports/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", "http://example.com")
		req.AddCookie(&http.Cookie{Name: "qf_session", Value: f.tokens["yd_petition"]})
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("preview %d:\n%s", rec.Code, body)
		}
		for _, want := range []string{
			"诉求内容 → 内容", "受理时间 → 收件时间", "工单编号 → 编号",
			`<td class="num">3</td><td>时间无法识别`, "<td>收件时间</td><td>昨天下午</td>",
			`<td class="num">4</td><td>既没有标题也没有内容。</td>`,
			`<td class="num">5</td><td>内容不符合收件要求。</td><td>内容</td><td>` + cat(t, "intake.content_too_long"),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("preview lacks %q", want)
			}
		}
		for _, code := range []string{"bad_date", "no_content", "invalid", "intake.content_too_long", "→ content", "→ received_at", ">received_at<"} {
			if strings.Contains(body, code) {
				t.Errorf("preview shows the code %q", code)
			}
		}
		if t.Failed() {
			i := strings.Index(body, "识别的列")
			t.Logf("page from 识别的列:\n%s", body[max(i, 0):min(len(body), max(i, 0)+3000)])
		}
	})
}

// cat is the Chinese text of a message key.
func cat(t *testing.T, key string) string {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c.T("zh", key)
}
