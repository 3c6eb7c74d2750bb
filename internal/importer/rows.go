package importer

import (
	"net/url"
	"strconv"
	"unicode/utf8"
)

// sink turns raw records into Rows: it fixes the mapping from the header
// row, cleans and validates cells, counts, and calls the callbacks.
type sink struct {
	cfg     config
	fn      func(Row) error
	onError func(RowError)
	sum     *Summary

	// Tabular state, set by header.
	haveHeader  bool
	headerTries int   // non-blank rows tried as the header
	headerErr   error // why the first candidate was not a header
	mapping     Mapping
	colField    []Field  // column index → mapped field, "" when unmapped
	extraKey    []string // column index → Row.Extra key for unmapped columns
	date1904    bool

	// raw, when set, receives every record as is (ReadTable); the report
	// mapping is not used.
	raw func(line int, cells []string) error
}

// maxHeaderScan is how many non-blank rows may be tried as the header row
// when the mapping is found by name: exports often start with a title line
// ("永定区12345热线工单明细表") above the header.
const maxHeaderScan = 10

// tableRow handles one record of a table: rows before the header row are
// tried as the header, later rows are data.
func (s *sink) tableRow(line int, cells []string) error {
	if s.raw != nil {
		return s.raw(line, cells)
	}
	if s.haveHeader {
		return s.record(line, cells)
	}
	nonBlank := 0
	for _, c := range cells {
		if !isBlank(c) {
			nonBlank++
		}
	}
	if nonBlank == 0 {
		return nil
	}
	return s.header(line, cells, nonBlank)
}

// finish returns the error for a table whose header row was not found.
func (s *sink) finish() error {
	switch {
	case s.haveHeader:
		return nil
	case s.headerErr != nil:
		return s.headerErr
	}
	return newError(CodeEmptyFile, "文件中没有表头行", nil)
}

// header tries a non-blank row as the header row and fixes the mapping.
// With an explicit Mapping the first non-blank row is the header. Else a
// row that yields no mapping, or a lone cell that is not exactly a known
// header (a title line), is skipped, up to maxHeaderScan rows; then the
// first row's error is returned.
func (s *sink) header(line int, cells []string, nonBlank int) error {
	headers := make([]string, len(cells))
	for i, c := range cells {
		headers[i] = cleanText(c, false)
	}
	if s.cfg.Mapping == nil && s.cfg.MappingSpec == "" && nonBlank == 1 && s.headerTries+1 < maxHeaderScan {
		lone := ""
		for _, h := range headers {
			lone += h
		}
		if !isExactAlias(normHeader(lone)) {
			s.headerTries++
			if s.headerErr == nil {
				s.headerErr = noContentError()
			}
			return nil
		}
	}
	var (
		m      Mapping
		unused []string
		err    error
	)
	switch {
	case s.cfg.Mapping != nil:
		m, err = checkMapping(s.cfg.Mapping)
		if err == nil {
			unused = unusedHeaders(headers, m)
		}
	case s.cfg.MappingSpec != "":
		m, err = ParseMapping(s.cfg.MappingSpec, headers)
		if err == nil {
			unused = unusedHeaders(headers, m)
		}
	default:
		m, unused, err = DetectMapping(headers)
	}
	if err != nil {
		s.headerTries++
		if s.headerErr == nil {
			s.headerErr = err
		}
		if s.cfg.Mapping == nil && s.headerTries < maxHeaderScan {
			return nil // try the next row
		}
		return s.headerErr
	}
	s.haveHeader = true
	s.sum.HeaderLine = line
	s.mapping = m
	s.sum.Unused = unused
	s.sum.Mapping = make(map[Field]string, len(m))
	width := len(headers)
	for _, col := range m {
		width = max(width, col+1)
	}
	s.colField = make([]Field, width)
	for f, col := range m {
		s.colField[col] = f // marks the column as mapped; record reads values through s.mapping
		if col < len(headers) && headers[col] != "" {
			s.sum.Mapping[f] = headers[col]
		} else {
			s.sum.Mapping[f] = columnName(col)
		}
	}
	s.extraKey = make([]string, len(headers))
	seen := make(map[string]bool, len(headers))
	for i, h := range headers {
		key := h
		if key == "" || seen[key] {
			key = columnName(i)
			if h != "" {
				key = h + "(" + key + ")"
			}
		}
		seen[key] = true
		s.extraKey[i] = key
	}
	return nil
}

// record handles one tabular data record. It returns only errors that stop
// the read (fn's error, too many rows).
func (s *sink) record(line int, cells []string) error {
	blank := true
	for _, c := range cells {
		if !isBlank(c) {
			blank = false
			break
		}
	}
	if blank {
		return nil
	}
	var vals fieldValues
	var extra map[string]string
	anyMapped := false
	for i, c := range cells {
		var f Field
		if i < len(s.colField) {
			f = s.colField[i]
		}
		if f != "" {
			anyMapped = anyMapped || !isBlank(c)
			continue
		}
		if isBlank(c) {
			continue
		}
		key := columnName(i)
		if i < len(s.extraKey) {
			key = s.extraKey[i]
		}
		if extra == nil {
			extra = make(map[string]string)
		}
		extra[key] = c
	}
	for f, col := range s.mapping {
		if col < len(cells) {
			vals.set(f, cells[col])
		}
	}
	if !anyMapped {
		if err := s.count(); err != nil {
			return err
		}
		return s.reject(RowError{Line: line, Reason: ReasonEmpty})
	}
	return s.emit(line, &vals, extra)
}

// fieldValues holds the raw (uncleaned) values of the canonical fields.
type fieldValues struct {
	externalID, title, content, receivedAt, reporter, phone string
	reply, repliedAt, category, place, source, url          string
}

func (v *fieldValues) ptr(f Field) *string {
	switch f {
	case FieldExternalID:
		return &v.externalID
	case FieldTitle:
		return &v.title
	case FieldContent:
		return &v.content
	case FieldReceivedAt:
		return &v.receivedAt
	case FieldReporter:
		return &v.reporter
	case FieldPhone:
		return &v.phone
	case FieldReply:
		return &v.reply
	case FieldRepliedAt:
		return &v.repliedAt
	case FieldCategory:
		return &v.category
	case FieldPlace:
		return &v.place
	case FieldSource:
		return &v.source
	case FieldURL:
		return &v.url
	}
	return nil
}

func (v *fieldValues) set(f Field, s string) {
	if p := v.ptr(f); p != nil {
		*p = s
	}
}

// emit cleans and validates one item, then delivers or rejects it. The
// row is counted here.
func (s *sink) emit(line int, v *fieldValues, extra map[string]string) error {
	if err := s.count(); err != nil {
		return err
	}
	row := Row{Line: line}
	var bad *RowError
	clean := func(f Field, dst *string, raw string) {
		if bad != nil || raw == "" {
			return
		}
		c := cleanText(raw, f.multiline())
		if tooLong(c, s.cfg.maxRunes) {
			bad = &RowError{Line: line, Reason: ReasonTooLong, Field: f, Value: cut(c)}
			return
		}
		*dst = c
	}
	clean(FieldExternalID, &row.ExternalID, v.externalID)
	clean(FieldTitle, &row.Title, v.title)
	clean(FieldContent, &row.Content, v.content)
	clean(FieldReporter, &row.Reporter, v.reporter)
	clean(FieldPhone, &row.Phone, v.phone)
	clean(FieldReply, &row.Reply, v.reply)
	clean(FieldCategory, &row.Category, v.category)
	clean(FieldPlace, &row.Place, v.place)
	clean(FieldSource, &row.Source, v.source)
	clean(FieldURL, &row.URL, v.url)
	var receivedAt, repliedAt string
	clean(FieldReceivedAt, &receivedAt, v.receivedAt)
	clean(FieldRepliedAt, &repliedAt, v.repliedAt)
	for k, val := range extra {
		if bad != nil {
			break
		}
		c := cleanText(val, true)
		if tooLong(c, s.cfg.maxRunes) {
			bad = &RowError{Line: line, Reason: ReasonTooLong, Value: cut(c)}
			break
		}
		if c == "" {
			delete(extra, k)
		} else {
			extra[k] = c
		}
	}
	if bad != nil {
		return s.reject(*bad)
	}
	if row.Title == "" && row.Content == "" {
		return s.reject(RowError{Line: line, Reason: ReasonNoContent})
	}
	var ok bool
	if row.ReceivedAt, ok = parseTime(receivedAt, s.cfg.loc, s.date1904); !ok {
		return s.reject(RowError{Line: line, Reason: ReasonBadDate, Field: FieldReceivedAt, Value: cut(receivedAt)})
	}
	if row.RepliedAt, ok = parseTime(repliedAt, s.cfg.loc, s.date1904); !ok {
		return s.reject(RowError{Line: line, Reason: ReasonBadDate, Field: FieldRepliedAt, Value: cut(repliedAt)})
	}
	if row.URL != "" && !validURL(row.URL) {
		return s.reject(RowError{Line: line, Reason: ReasonBadURL, Field: FieldURL, Value: cut(row.URL)})
	}
	if row.Source == "" {
		row.Source = s.cfg.Channel
	}
	if len(extra) > 0 {
		row.Extra = extra
	}
	if err := s.fn(row); err != nil {
		return err
	}
	s.sum.Parsed++
	return nil
}

// count counts one non-blank data row; it fails once there are more than
// MaxRows.
func (s *sink) count() error {
	if s.sum.Rows >= s.cfg.maxRows {
		return newError(CodeTooManyRows, "数据行数超过上限 "+strconv.Itoa(s.cfg.maxRows)+" 行，请拆分后再导入", nil)
	}
	s.sum.Rows++
	return nil
}

// reject reports a counted row as rejected.
func (s *sink) reject(e RowError) error {
	s.sum.Rejected++
	s.onError(e)
	return nil
}

func tooLong(s string, maxRunes int) bool {
	return len(s) > maxRunes && utf8.RuneCountInString(s) > maxRunes
}

// cut shortens a value for RowError.Value.
func cut(s string) string {
	const n = 100
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// validURL accepts absolute http and https URLs with a host.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isBlank reports whether s has nothing but white space and invisible characters.
func isBlank(s string) bool {
	for _, r := range s {
		if !dropRune(r) && !isSpaceRune(r) {
			return false
		}
	}
	return true
}

// columnName returns the spreadsheet column letters of a 0-based index.
func columnName(i int) string {
	var b []byte
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
