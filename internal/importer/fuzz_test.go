package importer

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// fuzzRead checks Read's invariants on arbitrary input: no panic, every
// row and row error has Line > 0, every row has a title or content, and
// the summary adds up.
func fuzzRead(t *testing.T, name string, data []byte) {
	opt := Options{MaxRows: 500, MaxCellRunes: 2000}
	var rows, errs int
	sum, err := Read(context.Background(), name, bytes.NewReader(data), int64(len(data)), opt,
		func(r Row) error {
			rows++
			if r.Line <= 0 {
				t.Fatalf("row with Line %d: %+v", r.Line, r)
			}
			if r.Title == "" && r.Content == "" {
				t.Fatalf("row without title and content: %+v", r)
			}
			return nil
		},
		func(e RowError) {
			errs++
			if e.Line <= 0 || e.Reason == "" {
				t.Fatalf("row error %+v", e)
			}
		})
	if err != nil && CodeOf(err) == "" {
		t.Fatalf("error without a code: %v", err)
	}
	if sum.Parsed != rows || sum.Rejected != errs || sum.Rows != rows+errs || sum.Rows > opt.MaxRows {
		t.Fatalf("summary %+v, %d rows, %d errors", sum, rows, errs)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte(hotlineCSV))
	f.Add([]byte("留言编号,留言主题,留言详情,留言时间\n1,标题,\"内容\n第二行\",2019/4/8 9:00\n2,,,\n"))
	f.Add([]byte("\xEF\xBB\xBF标题\t内容\n\"a\"b\"\t\"未闭合\n"))
	f.Add([]byte("\xFF\xFE\x07h\x98\x98\x00"))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(hotlineCSV))
	f.Add(gbk)
	f.Add([]byte("内容,时间,链接\nx,43563.35,javascript:x\ny,99999999,http://a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "fuzz.csv", data)
	})
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"source":"微博","url":"https://weibo.com/1","title":"t","text":"x","time":"2024-05-01 08:30:00"}` + "\n{bad\n\n[1]\n"))
	f.Add([]byte(`{"text":"a","time":1714523400}` + "\r\n" + `{"content":"b","text":"c","extra":{"k":[1,2]}}`))
	f.Add([]byte("\xEF\xBB\xBF{\"title\":\"\\u0000\\u200b\"}\n{\"text\":null}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "fuzz.jsonl", data)
	})
}

func FuzzDetectMapping(f *testing.F) {
	f.Add("留言编号|留言用户|留言主题|留言时间|留言详情|答复意见|答复时间", "content=留言详情,title=C")
	f.Add("序号|编号|标题|标题|\ufeff内容（必填）|", "received_at=4；content=AA")
	f.Add("一级分类|二级分类|三级分类", "category=一级分类")
	f.Add("ＴＩＴＬＥ|*|()|（）|:|反映人联系电话", "title＝ＴＩＴＬＥ")
	f.Fuzz(func(t *testing.T, joined, spec string) {
		headers := strings.Split(joined, "|")
		for _, check := range []func() (Mapping, error){
			func() (Mapping, error) { m, _, err := DetectMapping(headers); return m, err },
			func() (Mapping, error) { return ParseMapping(spec, headers) },
		} {
			m, err := check()
			if err != nil {
				if m != nil || CodeOf(err) == "" {
					t.Fatalf("error %v with mapping %v", err, m)
				}
				continue
			}
			if _, ok := m[FieldContent]; !ok {
				if _, ok := m[FieldTitle]; !ok {
					t.Fatalf("mapping without content or title: %v", m)
				}
			}
			for f, col := range m {
				if !f.valid() || col < 0 || col >= len(headers) {
					t.Fatalf("bad entry %s=%d for %d headers", f, col, len(headers))
				}
			}
		}
		m, unused, err := DetectMapping(headers)
		if err == nil {
			nonEmpty := 0
			for _, h := range headers {
				if cleanText(h, false) != "" {
					nonEmpty++
				}
			}
			// Each mapped column is a distinct, recognised header.
			if len(m)+len(unused) != nonEmpty {
				t.Fatalf("%d mapped + %d unused != %d non-empty headers", len(m), len(unused), nonEmpty)
			}
		}
	})
}
