package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"qingfeng/internal/auth"
	"qingfeng/internal/demo"
	"qingfeng/internal/i18n"
	"qingfeng/internal/intake"
	"qingfeng/internal/store"
	"qingfeng/internal/testdb"
)

// TestSearchAPI: GET /search answers the reports in the caller's scope that
// contain the query, best first, each with its rank and the query marked in
// its title and in a snippet of its content (code points of the text); the
// total counts every match in scope; a bad query is 422 with a field code.
func TestSearchAPI(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC))
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	testdb.Each(t, clock.Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a := testdb.NewApp(t, st, clock.Now)
		if _, err := demo.Load(ctx, a, "a-Long-passw0rd-for-tests"); err != nil {
			t.Fatal(err)
		}
		principal := func(user string) auth.Principal {
			u, _, err := st.GetUserByUsername(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			p, err := st.Principal(ctx, u.ID, a.Today())
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		long := "群众反映：" + "某村在二〇二五年的道路硬化工程中，施工方偷工减料，路面厚度不足设计要求，" +
			"村干部验收时未提出异议，且工程款已全额拨付。现在路面多处开裂，村民多次向镇里反映未果，请求调查处理挖掘机租赁费虚报问题。"
		for _, reg := range []struct {
			user string
			sub  intake.Submission
		}{
			{"yd_petition", intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelLetter, Title: "挖掘机租赁费虚报",
				Content: long, Category: "livelihood_projects", DivisionCode: "430802103", Anonymous: true}},
			{"yd_petition", intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelVisit, Title: "反映低保评定不公",
				Content: "村干部把挖掘机租给亲属，低保名额也给了亲属。", Category: "subsidies", DivisionCode: "430802103", Anonymous: true}},
			{"cl_township", intake.Submission{Kind: intake.KindAccusation, Channel: intake.ChannelLetter, Title: "挖掘机停在耕地上",
				Content: "慈利县某村挖掘机长期停放在基本农田上。", Category: "farmland", DivisionCode: "430821109", Anonymous: true}},
		} {
			if _, _, err := a.RegisterReport(ctx, principal(reg.user), reg.sub, nil, false); err != nil {
				t.Fatalf("%s: %v", reg.sub.Title, err)
			}
		}
		x := New(a, cat, nil, Options{Now: clock.Now})
		search := func(user, q string, want int) []byte {
			t.Helper()
			req := httptest.NewRequest("GET", "/api/v1/search?"+url.Values{"q": {q}, "limit": {"1"}}.Encode(), nil)
			req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, principal(user)))
			rec := httptest.NewRecorder()
			x.wrap(x.searchReports).ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("%s searches %q: %d %s, want %d", user, q, rec.Code, rec.Body, want)
			}
			return rec.Body.Bytes()
		}
		var got struct {
			Items []struct {
				Title     string `json:"title"`
				Rank      int    `json:"rank"`
				Highlight struct {
					Title, Snippet struct {
						Text  string   `json:"text"`
						Marks [][2]int `json:"marks"`
					}
				} `json:"highlight"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(search("yd_petition", "挖掘机", 200), &got); err != nil {
			t.Fatal(err)
		}
		// Two reports of 永定区 hold it (the 慈利县 one is out of scope); one per page.
		if got.Total != 2 || len(got.Items) != 1 || got.Items[0].Rank != 1 {
			t.Fatalf("total %d, items %+v; want 2 in all, the first ranked 1", got.Total, got.Items)
		}
		h := got.Items[0].Highlight
		for _, m := range [][]struct {
			text  string
			marks [][2]int
		}{{{h.Title.Text, h.Title.Marks}}, {{h.Snippet.Text, h.Snippet.Marks}}} {
			r := []rune(m[0].text)
			for _, mk := range m[0].marks {
				if mk[0] < 0 || mk[1] > len(r) || string(r[mk[0]:mk[1]]) != "挖掘机" {
					t.Errorf("mark %v of %q is not the query", mk, m[0].text)
				}
			}
		}
		if len(h.Title.Marks)+len(h.Snippet.Marks) == 0 {
			t.Errorf("no marks in %+v", h)
		}
		if got.Items[0].Title == "挖掘机租赁费虚报" {
			// The long content's only match is near its end: the snippet is
			// cut around it, "…" first.
			if []rune(h.Snippet.Text)[0] != '…' || len(h.Snippet.Marks) != 1 || len(h.Title.Marks) != 1 {
				t.Errorf("snippet %+v", h)
			}
		}
		// The second page holds the other one, ranked 2.
		req := httptest.NewRequest("GET", "/api/v1/search?q=%E6%8C%96%E6%8E%98%E6%9C%BA&limit=1&offset=1", nil)
		req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, principal("yd_petition")))
		rec := httptest.NewRecorder()
		x.wrap(x.searchReports).ServeHTTP(rec, req)
		first := got.Items[0].Title
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Items) != 1 || got.Items[0].Rank != 2 || got.Items[0].Title == first {
			t.Errorf("page 2: %v %s", err, rec.Body)
		}
		var e struct {
			Error struct {
				Code  string            `json:"code"`
				Codes map[string]string `json:"field_codes"`
			} `json:"error"`
		}
		if err := json.Unmarshal(search("yd_petition", "   ", 422), &e); err != nil || e.Error.Codes["q"] != "search.query_invalid" {
			t.Errorf("blank query: %+v %v", e, err)
		}
	})
}
