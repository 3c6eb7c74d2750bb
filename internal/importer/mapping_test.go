package importer

import (
	"reflect"
	"testing"
)

func TestDetectMapping(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    Mapping
		unused  []string
		code    string
	}{
		{"message board (the real file)",
			[]string{"留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"},
			Mapping{FieldExternalID: 0, FieldReporter: 1, FieldTitle: 2, FieldReceivedAt: 3, FieldContent: 4, FieldReply: 5, FieldRepliedAt: 6},
			nil, ""},
		{"12345 hotline",
			[]string{"工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "所属区域", "诉求内容", "办理结果", "办结时间", "承办单位"},
			Mapping{FieldExternalID: 0, FieldReceivedAt: 1, FieldReporter: 2, FieldPhone: 3, FieldCategory: 4, FieldPlace: 5, FieldContent: 6, FieldReply: 7, FieldRepliedAt: 8},
			[]string{"承办单位"}, ""},
		{"other wording",
			[]string{"编号", "诉求标题", "问题描述", "受理时间", "反映人", "电话", "处理意见", "类别", "区县"},
			Mapping{FieldExternalID: 0, FieldTitle: 1, FieldContent: 2, FieldReceivedAt: 3, FieldReporter: 4, FieldPhone: 5, FieldReply: 6, FieldCategory: 7, FieldPlace: 8},
			nil, ""},
		{"BOM, spaces, full width, case, markers",
			[]string{"\ufeff 编 号 ", "ＴＩＴＬＥ", "内容（必填）", "*登记时间", "姓名：", "回复内容\u200b", "问题分类", "地址", "URL", "来源"},
			Mapping{FieldExternalID: 0, FieldTitle: 1, FieldContent: 2, FieldReceivedAt: 3, FieldReporter: 4, FieldReply: 5, FieldCategory: 6, FieldPlace: 7, FieldURL: 8, FieldSource: 9},
			nil, ""},
		{"创建时间 and 主题",
			[]string{"主题", "来电内容", "创建时间"},
			Mapping{FieldTitle: 0, FieldContent: 1, FieldReceivedAt: 2}, nil, ""},
		{"序号 only as a last resort",
			[]string{"序号", "标题", "内容"},
			Mapping{FieldExternalID: 0, FieldTitle: 1, FieldContent: 2}, nil, ""},
		{"序号 loses to 工单编号",
			[]string{"序号", "工单编号", "内容"},
			Mapping{FieldExternalID: 1, FieldContent: 2}, []string{"序号"}, ""},
		{"leftmost wins; the rest is unused",
			[]string{"标题", "主题", "内容", "诉求内容", "", "  "},
			Mapping{FieldTitle: 0, FieldContent: 2}, []string{"主题", "诉求内容"}, ""},
		{"headers containing an alias",
			[]string{"反映人联系电话", "问题描述及诉求", "来电日期", "处理完成时间", "答复单位意见"},
			Mapping{FieldPhone: 0, FieldContent: 1, FieldReceivedAt: 2, FieldRepliedAt: 3, FieldReply: 4}, nil, ""},
		{"答复内容 is the reply, not the content",
			[]string{"标题", "答复内容"},
			Mapping{FieldTitle: 0, FieldReply: 1}, nil, ""},
		{"title only is enough",
			[]string{"标题", "时间"},
			Mapping{FieldTitle: 0, FieldReceivedAt: 1}, nil, ""},
		{"categories file: no content",
			[]string{"一级分类", "二级分类", "三级分类"},
			nil, []string{"二级分类", "三级分类"}, CodeNoContent}, // 一级分类 → category
		{"empty", nil, nil, nil, CodeNoContent},
	}
	for _, tt := range tests {
		got, unused, err := DetectMapping(tt.headers)
		if CodeOf(err) != tt.code {
			t.Errorf("%s: err %v, want code %q", tt.name, err, tt.code)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: mapping\n got %v\nwant %v", tt.name, got, tt.want)
		}
		if !reflect.DeepEqual(unused, tt.unused) {
			t.Errorf("%s: unused %q, want %q", tt.name, unused, tt.unused)
		}
	}
}

func TestParseMapping(t *testing.T) {
	headers := []string{"编号", "标题", "问题描述", "提交日期", "C", "联系人手机"}
	tests := []struct {
		spec string
		want Mapping
		code string
	}{
		{"content=问题描述,title=标题,received_at=D", Mapping{FieldContent: 2, FieldTitle: 1, FieldReceivedAt: 3}, ""},
		{"content=3，phone=f；external_id = 编号\nreceived_at=提交日期", Mapping{FieldContent: 2, FieldPhone: 5, FieldExternalID: 0, FieldReceivedAt: 3}, ""},
		{"CONTENT＝ 问题描述 ,", Mapping{FieldContent: 2}, ""},
		{"title=C", Mapping{FieldTitle: 4}, ""}, // a header named C wins over column C
		{"content=AA", nil, CodeBadMapping},     // beyond the header width
		{"content=7", nil, CodeBadMapping},
		{"content=0", nil, CodeBadMapping},
		{"content=不存在", nil, CodeBadMapping},
		{"body=B", nil, CodeBadMapping},
		{"content=B,content=C", nil, CodeBadMapping},
		{"content", nil, CodeBadMapping},
		{"received_at=D", nil, CodeNoContent},
		{"", nil, CodeNoContent},
	}
	for _, tt := range tests {
		got, err := ParseMapping(tt.spec, headers)
		if CodeOf(err) != tt.code {
			t.Errorf("%q: err %v, want code %q", tt.spec, err, tt.code)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.spec, got, tt.want)
		}
	}
}

func TestColumnNames(t *testing.T) {
	for _, tt := range []struct {
		i    int
		name string
	}{{0, "A"}, {25, "Z"}, {26, "AA"}, {701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}} {
		if got := columnName(tt.i); got != tt.name {
			t.Errorf("columnName(%d) = %q, want %q", tt.i, got, tt.name)
		}
		if got, ok := columnIndex(tt.name); !ok || got != tt.i {
			t.Errorf("columnIndex(%q) = %d, %v", tt.name, got, ok)
		}
	}
	for _, bad := range []string{"", "XFE", "AAAA", "A1", "中"} {
		if _, ok := columnIndex(bad); ok {
			t.Errorf("columnIndex(%q) ok", bad)
		}
	}
}
