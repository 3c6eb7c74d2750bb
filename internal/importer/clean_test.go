package importer

import "testing"

func TestCleanText(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		want      string
	}{
		{"", true, ""},
		{"已清洁的文本 a b", true, "已清洁的文本 a b"},
		{"  a  \t b  ", false, "a b"},
		{"a\r\nb\rc\nd", true, "a\nb\nc\nd"},
		{"a\r\nb", false, "a b"},
		{"\n\t\t\t\n\t\t咨询地点，条件。\n\t\t\n\t\t\n\t", true, "咨询地点，条件。"},
		{"各位领导好\r\n\u3000\u3000我是小区的， 我们", true, "各位领导好\n我是小区的， 我们"},
		{"段一\n\n\n\n段二", true, "段一\n\n段二"},
		{"段一  \n  段二", true, "段一\n段二"},
		{"零\u200b宽\u200c字\u200d符\ufeff\u2060", true, "零宽字符"},
		{"\ufeff标题", false, "标题"},
		{"控制\x00字\x07符\x1b", true, "控制字符"},
		{"不\u00a0换\u3000行", true, "不 换 行"},
		{"行\u2028分隔", true, "行\n分隔"},
		{"bidi\u202eevil", true, "bidievil"},
		{"bad\xffbyte", true, "bad\ufffdbyte"},
		{" \u200b ", true, ""},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.multiline); got != tt.want {
			t.Errorf("cleanText(%q, %v) = %q, want %q", tt.in, tt.multiline, got, tt.want)
		}
		if got := cleanText(tt.want, tt.multiline); got != tt.want {
			t.Errorf("cleanText not idempotent on %q: %q", tt.want, got)
		}
	}
}

func TestNormHeader(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"\ufeff 留言编号 ", "留言编号"},
		{"ＴＩＴＬＥ", "title"},
		{"内容（必填）", "内容"},
		{"*留言时间*", "留言时间"},
		{"姓名：", "姓名"},
		{"联系 电话", "联系电话"},
		{"(备注)", "(备注)"},
	} {
		if got := normHeader(tt.in); got != tt.want {
			t.Errorf("normHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
