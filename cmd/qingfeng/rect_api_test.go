package main

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"testing"
	"time"
)

type apiRect struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Closure  string `json:"closure"`
	Reopened int    `json:"reopened"`
	Deadline string `json:"deadline"`
	Version  int64  `json:"version"`
}

// evidencePhoto is a small JPEG photo for the evidence uploads.
func evidencePhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := range 16 {
		img.Set(x, x%12, color.RGBA{30, 120, 200, 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postMultipart posts form fields and one file as multipart/form-data.
func postMultipart(t *testing.T, url, token string, fields map[string]string, fileName string, data []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("files", fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestRectificationAPI follows a rectification through the API on both
// engines: created by an office for a township, reported with a photo,
// refused steps with stable codes, reopened after failed verification,
// then closed substantively after a satisfied follow-up visit.
func TestRectificationAPI(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRectificationAPI(t, "") })
	t.Run("postgres", func(t *testing.T) { testRectificationAPI(t, postgresDSN(t)) })
}

func testRectificationAPI(t *testing.T, db string) {
	data := t.TempDir()
	srv := startServe(t, data, db)
	base := srv.base
	tok := map[string]string{}
	for _, u := range []string{"yd_office1", "yd_tms", "cl_township"} {
		tok[u] = createToken(t, data, db, u)
	}
	tms := findUnit(t, base, tok["yd_tms"], "天门山镇", "township", "天门山镇纪委")
	cst := time.FixedZone("CST", 8*3600)
	deadline := time.Now().In(cst).AddDate(0, 1, 0).Format(time.DateOnly)
	newDeadline := time.Now().In(cst).AddDate(0, 2, 0).Format(time.DateOnly)

	in := map[string]any{"title": "村级财务公开不及时", "problem": "天门山镇部分村2025年第四季度财务未按时公开。",
		"required": "限期公开并建立公开台账。", "responsible_unit_id": tms.ID, "deadline": deadline, "person_concerned": "王某"}
	postError(t, base, "/api/v1/rectifications", tok["yd_tms"], in, http.StatusForbidden, "forbidden", "")
	postError(t, base, "/api/v1/rectifications", tok["yd_office1"], map[string]any{"title": "", "responsible_unit_id": tms.ID,
		"deadline": "2020-01-01"}, http.StatusUnprocessableEntity, "invalid", "rect.date_not_future")
	var r apiRect
	postJSON(t, base, "/api/v1/rectifications", tok["yd_office1"], in, http.StatusCreated, &r)
	if r.Status != "open" || r.Deadline != deadline {
		t.Fatalf("created %+v", r)
	}
	id := strconv.FormatInt(r.ID, 10)
	path := "/api/v1/rectifications/" + id + "/transitions"

	// Another county's township does not see it.
	if code, _ := call(t, base+"/api/v1/rectifications/"+id, tok["cl_township"]); code != http.StatusNotFound {
		t.Errorf("other county GET: %d, want 404", code)
	}
	postError(t, base, path, tok["cl_township"], map[string]any{"op": "report", "text": "x"}, http.StatusNotFound, "not_found", "")
	postError(t, base, path, tok["yd_tms"], map[string]any{"op": "fly"}, http.StatusUnprocessableEntity, "invalid", "rect.op_invalid")
	postError(t, base, path, tok["yd_tms"], map[string]any{"op": "report", "extra": 1}, http.StatusUnprocessableEntity, "invalid", "")
	postError(t, base, path, tok["yd_office1"], map[string]any{"op": "start_verification"}, http.StatusConflict, "conflict",
		"rect.transition_invalid")

	// The township reports measures with a photo.
	code, b := postMultipart(t, base+"/api/v1/rectifications/"+id+"/evidence", tok["yd_tms"],
		map[string]string{"op": "report", "text": "已在各村公开栏公开并拍照留存。"}, "公开栏.jpg", evidencePhoto(t))
	if code != http.StatusCreated {
		t.Fatalf("report with photo: %d %s", code, b)
	}
	postError(t, base, path, tok["yd_tms"], map[string]any{"op": "start_verification"}, http.StatusForbidden, "forbidden",
		"rect.action_forbidden")
	postJSON(t, base, path, tok["yd_office1"], map[string]any{"op": "start_verification"}, http.StatusOK, &r)
	today := time.Now().In(cst).Format(time.DateOnly)
	postError(t, base, path, tok["yd_office1"], map[string]any{"op": "close_substantive", "text": "核查", "visit_date": today,
		"visitor": "赵艳", "satisfaction": "unsatisfied"}, http.StatusConflict, "conflict", "rect.visit_unsatisfied")
	postJSON(t, base, path, tok["yd_office1"], map[string]any{"op": "reopen", "text": "公开内容不全。", "deadline": newDeadline},
		http.StatusOK, &r)
	if r.Status != "open" || r.Reopened != 1 || r.Deadline != newDeadline {
		t.Fatalf("reopened %+v", r)
	}
	postJSON(t, base, path, tok["yd_tms"], map[string]any{"op": "report", "text": "已补充公开全部收支明细。"}, http.StatusOK, &r)
	postJSON(t, base, path, tok["yd_office1"], map[string]any{"op": "start_verification"}, http.StatusOK, &r)
	postJSON(t, base, path, tok["yd_office1"], map[string]any{"op": "close_substantive", "text": "实地核查，整改到位。",
		"visit_date": today, "visitor": "赵艳", "satisfaction": "satisfied", "version": r.Version}, http.StatusOK, &r)
	if r.Status != "closed" || r.Closure != "substantive" {
		t.Fatalf("closed %+v", r)
	}

	var detail struct {
		Ops    []string `json:"ops"`
		Events []struct {
			Action string `json:"action"`
		} `json:"events"`
		Files []struct {
			MIME string `json:"mime"`
		} `json:"files"`
	}
	getJSON(t, base, "/api/v1/rectifications/"+id, tok["yd_tms"], &detail)
	if len(detail.Events) != 7 || len(detail.Files) != 1 || detail.Files[0].MIME != "image/jpeg" || len(detail.Ops) != 0 {
		t.Errorf("detail %+v", detail)
	}
	var l struct {
		Items []apiRect `json:"items"`
		Total int       `json:"total"`
	}
	getJSON(t, base, "/api/v1/rectifications?status=closed&responsible_unit_id="+strconv.FormatInt(tms.ID, 10), tok["yd_tms"], &l)
	found := false
	for _, it := range l.Items {
		found = found || it.ID == r.ID
		if it.Status != "closed" {
			t.Errorf("status filter: %+v", it)
		}
	}
	if !found {
		t.Errorf("closed list misses %d: %+v", r.ID, l)
	}
	if code, b := call(t, base+"/api/v1/rectifications?status=nope", tok["yd_tms"]); code != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d %s", code, b)
	}
}
