package dedup

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only punctuation", "，。！？ 、…", ""},
		{"full-width ASCII and case", "Ａ市ＡＢＣ小区Ｃ１栋", "a市abc小区c1栋"},
		{"half-width case", "B4区涉外景园C区", "b4区涉外景园c区"},
		{"ideographic space and zero-width space", "小区\u3000门口\u200b路灯", "小区门口路灯"},
		{"ASCII and Chinese punctuation", "停水了!!(3天) “请”处理—谢", "停水了3天请处理谢"},
		{"circled numbers", "①路灯②井盖⑫号", "1路灯2井盖12号"},
		{"roman numerals", "Ⅱ期", "2期"},
		{"digits one by one", "二〇一八年", "2018年"},
		{"single digit", "三栋", "3栋"},
		{"teens", "十五米", "15米"},
		{"tens", "二十万", "20万"},
		{"ten alone", "十月", "10月"},
		{"hundreds", "八百多米", "800多米"},
		{"hundreds with zero", "一百零五号", "105号"},
		{"thousands", "两千四百元", "2400元"},
		{"two before unit", "两万", "2万"},
		{"two before measure word stays", "两个月", "两个月"},
		{"bai without digit stays", "老百姓", "老百姓"},
		{"malformed run digit by digit", "三四十里", "3410里"},
		{"greeting clause", "尊敬的胡书记：您好！小区停水了。", "小区停水了"},
		{"greeting with space inside", "尊敬的 杨书记： 小区停水了", "小区停水了"},
		{"addressee and greeting", "领导您好，小区停水了", "小区停水了"},
		{"greeting then addressee", "您好胡书记！小区停水了", "小区停水了"},
		{"addressee only", "各位领导：小区停水了", "小区停水了"},
		{"not a greeting", "请问，小区什么时候通水", "请问小区什么时候通水"},
		{"first clause ending in 好 is content", "小区环境不好，请整改", "小区环境不好请整改"},
		{"resubmission marker clause", "再次反映：小区停水了", "小区停水了"},
		{"resubmission marker without punctuation", "再次反映小区停水了", "小区停水了"},
		{"longest marker wins", "多次反映未解决！小区停水了", "小区停水了"},
		{"hotline header", "来电人反映：小区停水了。来电人诉求：请相关部门尽快核实处理。", "小区停水了"},
		{"channel clause", "【12345热线转办】小区停水了。请承办单位于3个工作日内核实处理并回复。", "小区停水了"},
		{"thanks", "小区停水了，请尽快通水。谢谢！", "小区停水了请尽快通水"},
		{"several closings", "小区停水了。恳请领导高度重视，尽快解决，谢谢！此致敬礼", "小区停水了"},
		{"request with a subject", "小区停水了。市民希望有关部门尽快处理。", "小区停水了"},
		{"request naming the matter stays", "希望有关部门尽快解决小区停水问题。", "希望有关部门尽快解决小区停水问题"},
		{"nothing but boilerplate is kept whole", "您好！谢谢！", "您好谢谢"},
		{"a greeting alone is kept", "您好！", "您好"},
		{"title line then letter", "反映小区停水问题\n尊敬的领导：您好！\n小区停水了。\n谢谢！", "反映小区停水问题小区停水了"},
		{"closing at the end of each line", "小区停水了，谢谢！\r\n电梯坏了，谢谢", "小区停水了电梯坏了"},
		{"numerals after stripping", "尊敬的领导：三栋停水十天。十分感谢！", "3栋停水10天"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIdempotentOnContent(t *testing.T) {
	for _, s := range []string{"a市abc小区c1栋", "小区停水3天了", "2018年10月"} {
		if got := Normalize(s); got != s {
			t.Errorf("Normalize(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestNormalizeMappedSources(t *testing.T) {
	// Every normalised rune maps back to the original runes it came from.
	tests := []struct {
		in   string
		want []span
	}{
		{"Ａ，b", []span{{0, 1}, {2, 3}}},
		{"二十栋", []span{{0, 2}, {0, 2}, {2, 3}}},
		{"⑫号", []span{{0, 1}, {0, 1}, {1, 2}}},
		{"您好！三栋", []span{{3, 4}, {4, 5}}},
	}
	for _, tt := range tests {
		_, got := normalizeMapped(tt.in)
		if len(got) != len(tt.want) {
			t.Fatalf("normalizeMapped(%q) sources %v, want %v", tt.in, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("normalizeMapped(%q) sources %v, want %v", tt.in, got, tt.want)
				break
			}
		}
	}
}
