package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxColumns is the widest sheet Excel allows (XFD).
const maxColumns = 16384

// aliases returns the recognised headers of each field, normalised by
// normHeader, most specific first. An alias belongs to one field only.
func aliases() map[Field][]string {
	return map[Field][]string{
		FieldExternalID: {"留言编号", "工单编号", "工单号", "编号", "受理编号", "案件编号", "诉求编号", "信件编号",
			"来信编号", "留言id", "流水号", "单号", "id"},
		FieldTitle: {"留言主题", "标题", "诉求标题", "主题", "留言标题", "信件标题", "事项标题", "诉求主题",
			"title", "subject"},
		FieldContent: {"留言详情", "内容", "诉求内容", "来电内容", "问题描述", "留言内容", "反映内容", "信件内容",
			"事项内容", "来信内容", "投诉内容", "举报内容", "具体内容", "诉求描述", "详情", "正文", "content", "text"},
		FieldReceivedAt: {"留言时间", "来电时间", "受理时间", "登记时间", "创建时间", "来信时间", "反映时间",
			"发布时间", "提交时间", "诉求时间", "时间", "日期", "time", "date"},
		FieldReporter: {"留言用户", "来电人", "反映人", "姓名", "留言人", "来信人", "诉求人", "举报人", "投诉人",
			"来电人姓名", "市民姓名", "联系人", "网友", "作者", "用户", "author", "name"},
		FieldPhone: {"联系电话", "电话", "手机", "手机号", "手机号码", "电话号码", "来电号码", "联系方式",
			"phone", "tel", "mobile"},
		FieldReply: {"答复意见", "办理结果", "回复内容", "处理意见", "答复内容", "回复意见", "办理意见",
			"处理结果", "办理情况", "答复情况", "回复", "答复", "reply"},
		FieldRepliedAt: {"答复时间", "办结时间", "回复时间", "处理时间", "办理时间", "完成时间", "结案时间",
			"replied_at"},
		FieldCategory: {"类别", "问题分类", "诉求类型", "分类", "类型", "问题类别", "事项分类", "诉求分类",
			"问题类型", "业务类别", "category"},
		FieldPlace: {"所属区域", "地址", "区县", "区域", "所属区县", "所属地区", "事发地点", "事发地址", "地点",
			"所在地区", "乡镇", "街道", "place", "address"},
		FieldSource: {"来源", "渠道", "信息来源", "来源渠道", "受理渠道", "诉求渠道", "来源网站", "source", "channel"},
		FieldURL:    {"链接", "网址", "原文链接", "url", "link"},
	}
}

// isExactAlias reports whether a normalised header is a known header.
func isExactAlias(h string) bool {
	for _, as := range aliases() {
		for _, a := range as {
			if a == h {
				return true
			}
		}
	}
	for _, a := range lastResortIDs() {
		if a == h {
			return true
		}
	}
	return false
}

// lastResortIDs are external-id headers used only when no better one exists.
func lastResortIDs() []string { return []string{"序号", "no", "no."} }

// normHeader normalises a header for matching: cleaned, full-width forms
// folded, lower case, without spaces, without a leading or trailing "*",
// a trailing colon or a trailing parenthesis such as "（必填）".
func normHeader(h string) string {
	h = foldWidth(cleanText(h, false))
	h = strings.ToLower(strings.ReplaceAll(h, " ", ""))
	for {
		before := h
		h = strings.Trim(h, "*:：")
		if strings.HasSuffix(h, ")") {
			if i := strings.LastIndex(h, "("); i > 0 {
				h = h[:i]
			}
		}
		if h == before {
			return h
		}
	}
}

// DetectMapping maps headers to canonical fields. The import form calls it
// to propose a mapping, and Read calls it when no mapping is given.
//
// Headers match after trimming, dropping BOM and zero-width characters,
// folding full-width forms and case (e.g. 留言编号, 工单编号, 留言主题, 标题,
// 留言详情, 诉求内容, 来电内容, 问题描述, 留言时间, 来电时间, 受理时间,
// 留言用户, 来电人, 联系电话, 答复意见, 办理结果, 答复时间, 办结时间, 类别,
// 诉求类型, 所属区域, 地址, 区县). Exact matches win; then a header
// containing an alias (the longest) is used, e.g. "反映人联系电话" → phone;
// "序号" is the external id only when nothing better is found. The leftmost
// column wins when several match a field.
//
// It returns the mapping and the non-empty headers it did not use, or an
// *Error with CodeNoContent when neither a content nor a title column is
// found.
func DetectMapping(headers []string) (Mapping, []string, error) {
	norm := make([]string, len(headers))
	for i, h := range headers {
		norm[i] = normHeader(h)
	}
	al := aliases()
	byAlias := make(map[string]Field)
	for f, as := range al {
		for _, a := range as {
			byAlias[a] = f
		}
	}
	m := Mapping{}
	used := make([]bool, len(headers))
	// Exact matches.
	for i, h := range norm {
		if f, ok := byAlias[h]; ok && h != "" {
			if _, taken := m[f]; !taken {
				m[f], used[i] = i, true
			}
		}
	}
	// Headers containing an alias: the longest alias wins; ASCII aliases
	// match exactly only.
	for i, h := range norm {
		if used[i] || h == "" || utf8.RuneCountInString(h) > 16 {
			continue
		}
		var best Field
		bestLen := 0
		for _, f := range Fields() { // a fixed order breaks ties
			if _, taken := m[f]; taken {
				continue
			}
			for _, a := range al[f] {
				if a[0] < utf8.RuneSelf || len(a) <= bestLen || !strings.Contains(h, a) {
					continue
				}
				best, bestLen = f, len(a)
			}
		}
		if best != "" {
			m[best], used[i] = i, true
		}
	}
	if _, ok := m[FieldExternalID]; !ok {
	find:
		for _, a := range lastResortIDs() {
			for i, h := range norm {
				if !used[i] && h == a {
					m[FieldExternalID], used[i] = i, true
					break find
				}
			}
		}
	}
	var unused []string
	for i, h := range headers {
		if c := cleanText(h, false); !used[i] && c != "" {
			unused = append(unused, c)
		}
	}
	if err := needContent(m); err != nil {
		return nil, unused, err
	}
	return m, unused, nil
}

// needContent fails unless m maps content or title.
func needContent(m Mapping) error {
	_, c := m[FieldContent]
	_, t := m[FieldTitle]
	if !c && !t {
		return noContentError()
	}
	return nil
}

func noContentError() *Error {
	return newError(CodeNoContent, "未找到内容或标题列（如“留言详情”“诉求内容”“标题”），请指定字段对应关系", nil)
}

// checkMapping validates an explicit Mapping and returns a copy.
func checkMapping(m Mapping) (Mapping, error) {
	out := make(Mapping, len(m))
	for f, col := range m {
		if !f.valid() {
			return nil, newError(CodeBadMapping, fmt.Sprintf("未知字段 %q", string(f)), nil)
		}
		if col < 0 || col >= maxColumns {
			return nil, newError(CodeBadMapping, fmt.Sprintf("字段 %s 的列号 %d 无效", f, col), nil)
		}
		out[f] = col
	}
	return out, needContent(out)
}

// unusedHeaders lists the non-empty headers whose column m does not use.
func unusedHeaders(headers []string, m Mapping) []string {
	used := make(map[int]bool, len(m))
	for _, col := range m {
		used[col] = true
	}
	var out []string
	for i, h := range headers {
		if c := cleanText(h, false); !used[i] && c != "" {
			out = append(out, c)
		}
	}
	return out
}

// ParseMapping reads an explicit mapping such as
// "content=问题描述,title=标题,received_at=C" for files whose headers
// DetectMapping does not know. The import form passes what the user chose;
// Read uses it through Options.MappingSpec.
//
// Pairs are separated by commas, semicolons (ASCII or full-width) or line
// breaks. Each value is a header (matched like DetectMapping matches, the
// leftmost on duplicates), else column letters (A, AB), else a 1-based
// column number. It returns an *Error with CodeBadMapping for an unknown
// field, a field given twice, a malformed pair or a column that does not
// exist, and CodeNoContent when neither content nor title is mapped.
func ParseMapping(spec string, headers []string) (Mapping, error) {
	norm := make([]string, len(headers))
	for i, h := range headers {
		norm[i] = normHeader(h)
	}
	m := Mapping{}
	parts := strings.FieldsFunc(spec, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '\n' || r == '\r'
	})
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(strings.Replace(p, "＝", "=", 1), "=")
		if !ok {
			return nil, newError(CodeBadMapping, fmt.Sprintf("无法识别 %q，应为“字段=列”", p), nil)
		}
		f := Field(strings.ToLower(strings.TrimSpace(k)))
		if !f.valid() {
			return nil, newError(CodeBadMapping, fmt.Sprintf("未知字段 %q", strings.TrimSpace(k)), nil)
		}
		if _, dup := m[f]; dup {
			return nil, newError(CodeBadMapping, fmt.Sprintf("字段 %s 重复指定", f), nil)
		}
		col, ok := resolveColumn(strings.TrimSpace(v), norm)
		if !ok {
			return nil, newError(CodeBadMapping, fmt.Sprintf("字段 %s 的列 %q 不存在", f, strings.TrimSpace(v)), nil)
		}
		m[f] = col
	}
	if err := needContent(m); err != nil {
		return nil, err
	}
	return m, nil
}

// resolveColumn finds the column named v among the normalised headers, or
// given as letters or a 1-based number within the header width.
func resolveColumn(v string, norm []string) (int, bool) {
	if n := normHeader(v); n != "" {
		for i, h := range norm {
			if h == n {
				return i, true
			}
		}
	}
	v = foldWidth(v)
	if col, ok := columnIndex(v); ok && col < len(norm) {
		return col, true
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(norm) {
		return n - 1, true
	}
	return 0, false
}

// columnIndex converts column letters ("A", "ab", up to "XFD") to a 0-based index.
func columnIndex(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range strings.ToUpper(s) {
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		n = n*26 + int(c-'A'+1)
	}
	if n > maxColumns {
		return 0, false
	}
	return n - 1, true
}
