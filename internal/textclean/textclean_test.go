package textclean

import "testing"

func TestClean(t *testing.T) {
	tests := []struct{ in, line, text string }{
		{"  王某 \t 村支书 ", "王某 村支书", "王某 \t 村支书"},
		{"第一行 \r\n  第二行\u200b ", "第一行 第二行", "第一行\n第二行"},
		{"\u202e反转\ufeff\x07", "反转", "反转"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.line {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
		}
		if got := Text(tt.in); got != tt.text {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}
