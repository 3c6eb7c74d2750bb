package monitor

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cells   []string
		cols    []Column
		missing string
		idx     map[Column]int
	}{
		{"standard", []string{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村"}, PaymentColumns(), "",
			map[Column]int{ColName: 0, ColIDNumber: 1, ColVillage: 6}},
		{"variants", []string{"序号", " 领取人姓名 ", "公民身份号码", "资金项目", "发放金额（元）", "发放时间", "乡镇（街道）", "村(社区)"}, PaymentColumns(), "",
			map[Column]int{ColName: 1, ColIDNumber: 2, ColItem: 3, ColAmount: 4, ColDate: 5, ColTownship: 6, ColVillage: 7}},
		{"missing", []string{"姓名", "金额"}, PaymentColumns(), "id_number, item, date, township, village", nil},
		{"reference", []string{"*姓名", "身份证号码", "所在村", "死亡日期", "备注"}, ReferenceColumns(), "",
			map[Column]int{ColName: 0, ColDate: 3, ColNote: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(tc.cells, tc.cols)
			if tc.missing != "" {
				if err == nil || !strings.Contains(err.Error(), tc.missing) {
					t.Fatalf("err = %v, want missing %s", err, tc.missing)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for c, i := range tc.idx {
				if h.idx[c] != i {
					t.Errorf("%s at %d, want %d", c.Field(), h.idx[c], i)
				}
			}
		})
	}
}

func TestHeaderPayment(t *testing.T) {
	h, err := ParseHeader([]string{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村"}, PaymentColumns())
	if err != nil {
		t.Fatal(err)
	}
	id := testID(9)
	p, err := h.Payment(3, []string{" 李四 ", id, "农村低保", "1,234.5元", "2024年3月5日", "城关镇", "桃源村"}, "一月", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	want := Payment{Line: 3, List: "一月", Name: "李四", IDNumber: id, Item: "农村低保", AmountFen: 123450,
		Date: day("2024-03-05"), Township: "城关镇", Village: "桃源村"}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("payment = %+v, want %+v", p, want)
	}
	_, err = h.Payment(4, []string{"", id, "", "abc", "2024-13-01"}, "一月", time.UTC)
	var re *RowError
	if !errors.As(err, &re) || strings.Join(re.Fields, ",") != "name,item,amount,date" || re.Line != 4 {
		t.Errorf("err = %v", err)
	}
	rh, err := ParseHeader([]string{"姓名", "身份证号", "村", "日期"}, ReferenceColumns())
	if err != nil {
		t.Fatal(err)
	}
	r, err := rh.Reference(RefDeath, 2, []string{"王五", id, "桃源村", ""}, time.UTC)
	if err != nil || r.Name != "王五" || !r.Date.IsZero() || r.Kind != RefDeath {
		t.Errorf("reference = %+v, %v", r, err)
	}
}

func TestParseYuan(t *testing.T) {
	for _, tc := range []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"80", 8000, true}, {"1,234.50", 123450, true}, {"￥80元", 8000, true}, {".5", 50, true},
		{"330.005", 33001, true}, {"330.004", 33000, true}, {"１２", 1200, true},
		{"", 0, false}, {"-5", 0, false}, {"1e3", 0, false}, {"99999999999999", 0, false},
	} {
		fen, ok := ParseYuan(tc.in)
		if fen != tc.fen && tc.ok || ok != tc.ok {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, %v", tc.in, fen, ok, tc.fen, tc.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"2024-03-05", "2024-03-05", true}, {"2024/3/5", "2024-03-05", true}, {"2024.3.5", "2024-03-05", true},
		{"20240305", "2024-03-05", true}, {"2024年3月5日", "2024-03-05", true}, {"2024年3月", "2024-03-01", true},
		{"202403", "2024-03-01", true}, {"2024-03", "2024-03-01", true}, {"45356", "2024-03-05", true}, {"45356.75", "2024-03-05", true},
		{"2024-03-05 10:00:00", "2024-03-05", true}, {"", "", true},
		{"2024-02-30", "", false}, {"03/05/2024", "", false}, {"明天", "", false}, {"0", "", false},
	} {
		got, ok := ParseDate(tc.in, time.UTC)
		s := ""
		if !got.IsZero() {
			s = got.Format("2006-01-02")
		}
		if s != tc.want || ok != tc.ok {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", tc.in, s, ok, tc.want, tc.ok)
		}
	}
}

func FuzzPaymentRow(f *testing.F) {
	f.Add("李四\t430822196000000011\t农村低保\t1,234.5\t2024年3月5日\t城关镇\t桃源村")
	f.Add("\t\t\t\t\t\t")
	f.Add("ｌｉ\u3000\t x \t残疾\t.999\t45356\t\t")
	h, err := ParseHeader([]string{"姓名", "身份证号", "补贴项目", "金额", "发放日期", "乡镇", "村"}, PaymentColumns())
	if err != nil {
		f.Fatal(err)
	}
	rules, err := CrossCheckRules()
	if err != nil {
		f.Fatal(err)
	}
	m := NewMatcher(rules, []Reference{{Kind: RefDeath, Name: "李四", Village: "桃源村"}})
	f.Fuzz(func(t *testing.T, row string) {
		p, err := h.Payment(1, strings.Split(row, "\t"), "l", time.UTC)
		if err != nil {
			return
		}
		if NormalizeName(p.Name) == "" || p.Item == "" || p.AmountFen < 0 || p.Date.IsZero() {
			t.Fatalf("accepted a bad row: %+v", p)
		}
		if id, ok := NormalizeID(p.IDNumber); ok && (len(id) != 18 || NormalizeName(id) != id) {
			t.Fatalf("valid ID %q not normal", id)
		}
		m.Match(p, func(s Suspect) {
			if s.Key == "" || s.Explanation == "" {
				t.Fatalf("suspect without key or explanation: %+v", s)
			}
		})
	})
}
