// Package importer parses the files the petition office (信访室) imports:
// 12345 hotline work-order exports, government message-board exports
// (.xlsx or .csv) and online public-opinion items (.jsonl). It is pure
// parsing: Read streams cleaned rows to a callback and the caller persists
// them. The package keeps no state between calls.
//
// Formats are chosen by content sniffing plus the file name:
//
//   - .xlsx (zip magic "PK\x03\x04"): the first worksheet, read with
//     excelize's streaming Rows iterator and raw cell values;
//   - .csv/.tsv/.txt: UTF-8 (with or without BOM), UTF-16 with BOM, or
//     GB18030/GBK when the bytes are not valid UTF-8; comma or tab separated;
//   - .jsonl/.ndjson: one JSON object per line
//     {"source","url","title","text","time"};
//   - legacy .xls (OLE2 magic D0 CF 11 E0) and HTML/XML tables named .xls are
//     rejected with code CodeXLSUnsupported ("请另存为 .xlsx 格式后再导入").
//
// The header row is the first non-blank row of a table; when the mapping is
// detected, title lines above it are skipped. Columns are mapped
// to canonical fields by DetectMapping, by an explicit Options.Mapping or
// by Options.MappingSpec (see ParseMapping). Bad rows are reported through
// the onError callback with a stable reason code and skipped; they never
// abort the file.
package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Field is a canonical field of an imported item.
type Field string

// The canonical fields.
const (
	FieldExternalID Field = "external_id" // the source system's id (留言编号, 工单编号)
	FieldTitle      Field = "title"       // subject line
	FieldContent    Field = "content"     // the complaint text; keeps its line breaks
	FieldReceivedAt Field = "received_at" // when the message or call was received
	FieldReporter   Field = "reporter"    // user name or caller
	FieldPhone      Field = "phone"       // contact phone
	FieldReply      Field = "reply"       // the department's reply; keeps its line breaks
	FieldRepliedAt  Field = "replied_at"  // when it was replied or closed
	FieldCategory   Field = "category"    // classification
	FieldPlace      Field = "place"       // area, district or address
	FieldSource     Field = "source"      // channel or web site
	FieldURL        Field = "url"         // link to the original item (http/https only)
)

// Fields returns the canonical fields in display order. Handlers call it to
// render the mapping form; the slice is fresh on each call.
func Fields() []Field {
	return []Field{FieldExternalID, FieldTitle, FieldContent, FieldReceivedAt, FieldReporter,
		FieldPhone, FieldReply, FieldRepliedAt, FieldCategory, FieldPlace, FieldSource, FieldURL}
}

// valid reports whether f is a canonical field.
func (f Field) valid() bool {
	switch f {
	case FieldExternalID, FieldTitle, FieldContent, FieldReceivedAt, FieldReporter, FieldPhone,
		FieldReply, FieldRepliedAt, FieldCategory, FieldPlace, FieldSource, FieldURL:
		return true
	}
	return false
}

// multiline reports whether the field keeps line breaks when cleaned.
func (f Field) multiline() bool { return f == FieldContent || f == FieldReply }

// Mapping gives the 0-based column index of each mapped field.
type Mapping map[Field]int

// Row is one parsed item. Line is the 1-based row of the source as its
// user sees it: the sheet row number for .xlsx, for .csv the row that Excel
// or WPS shows (the physical line where the record starts, less the line
// breaks inside quoted cells of the records before it), the line number
// for .jsonl. Text fields are cleaned (see Read); at least
// one of Title and Content is non-empty. Times are zero when the file has no
// value. Extra holds the non-empty cells of unmapped columns keyed by their
// header (nil when there are none).
type Row struct {
	Line       int               `json:"line"`
	ExternalID string            `json:"external_id,omitempty"`
	Title      string            `json:"title,omitempty"`
	Content    string            `json:"content,omitempty"`
	Reporter   string            `json:"reporter,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	Reply      string            `json:"reply,omitempty"`
	Category   string            `json:"category,omitempty"`
	Place      string            `json:"place,omitempty"`
	Source     string            `json:"source,omitempty"`
	URL        string            `json:"url,omitempty"`
	ReceivedAt time.Time         `json:"received_at,omitzero"`
	RepliedAt  time.Time         `json:"replied_at,omitzero"`
	Extra      map[string]string `json:"extra,omitempty"`
}

// Row rejection reasons (RowError.Reason). They are stable codes.
const (
	ReasonEmpty     = "empty"      // the row has cells, but none in a mapped column
	ReasonNoContent = "no_content" // neither title nor content
	ReasonBadDate   = "bad_date"   // received_at or replied_at is not a recognised date
	ReasonTooLong   = "too_long"   // a cell exceeds Options.MaxCellRunes (or a JSONL line its byte limit)
	ReasonBadJSON   = "bad_json"   // a JSONL line is not a JSON object
	ReasonBadURL    = "bad_url"    // url is not an absolute http(s) URL
	ReasonBadCSV    = "bad_csv"    // the CSV record could not be parsed
)

// RowError reports a rejected row: Line as in Row, Reason one of the Reason*
// codes. Field and Value (cut to 100 characters) name the offending cell
// when there is one.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Field  Field  `json:"field,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Error returns a developer-facing description.
func (e RowError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s (%s=%q)", e.Line, e.Reason, e.Field, e.Value)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// Options tune Read. The zero value is usable.
type Options struct {
	// Mapping gives the columns explicitly; nil means MappingSpec, or
	// DetectMapping when MappingSpec is empty too. Ignored for .jsonl.
	Mapping Mapping
	// MappingSpec is an explicit mapping in ParseMapping syntax, resolved
	// against the file's header row. Used when Mapping is nil.
	MappingSpec string
	// Loc interprets dates without a zone; nil means Asia/Shanghai.
	Loc *time.Location
	// MaxRows bounds the non-blank data rows; 0 means DefaultMaxRows. Read
	// fails with CodeTooManyRows at the first row beyond it.
	MaxRows int
	// MaxCellRunes bounds every cell after cleaning; 0 means
	// DefaultMaxCellRunes. Longer cells reject the row with ReasonTooLong.
	MaxCellRunes int
	// MaxBytes bounds the file size; 0 means DefaultMaxBytes. It also
	// bounds the temporary disk space an .xlsx file takes while read.
	MaxBytes int64
	// Channel is the default Row.Source (e.g. "12345", "留言板") for rows
	// without a source column or value.
	Channel string
}

// Defaults for Options.
const (
	DefaultMaxRows      = 200_000
	DefaultMaxCellRunes = 50_000
	DefaultMaxBytes     = 256 << 20
)

// Summary describes a Read. Rows counts the non-blank data rows seen (blank
// lines, and title lines above the header row, are skipped silently);
// Rows == Parsed + Rejected. Mapping gives the
// header (or column letter) each field was read from; Unused lists the
// non-empty headers that no field uses (their cells go to Row.Extra).
type Summary struct {
	Format     string // "xlsx", "csv" or "jsonl"
	Encoding   string // for csv: "utf-8", "utf-16" or "gb18030"
	HeaderLine int    // line of the header row (tables only)
	Rows       int
	Parsed     int
	Rejected   int
	Mapping    map[Field]string
	Unused     []string
}

// File-level error codes (Error.Code). They are stable.
const (
	CodeXLSUnsupported = "xls_unsupported"   // legacy .xls or an HTML/XML table named .xls
	CodeUnsupported    = "unsupported"       // not a spreadsheet, CSV or JSONL file
	CodeTooLarge       = "too_large"         // larger than Options.MaxBytes
	CodeTooManyRows    = "too_many_rows"     // more data rows than Options.MaxRows
	CodeEmptyFile      = "empty_file"        // no header row
	CodeNoContent      = "no_content_column" // neither a content nor a title column
	CodeBadMapping     = "bad_mapping"       // an explicit mapping names unknown fields or columns
	CodeBadXLSX        = "bad_xlsx"          // the workbook is damaged or exceeds the unzip limits
)

// Error is a file-level import error. Code is one of the Code* constants and
// Message a Chinese sentence for the user; Err is the hidden cause, if any.
// Callers map it to apperr.Invalid.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the code and the message.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the Code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func newError(code, msg string, cause error) *Error {
	return &Error{Code: code, Message: msg, Err: cause}
}

// config is Options with the defaults applied.
type config struct {
	Options
	maxRows  int
	maxRunes int
	maxBytes int64
	loc      *time.Location
}

func newConfig(opt Options) config {
	c := config{Options: opt, maxRows: opt.MaxRows, maxRunes: opt.MaxCellRunes, maxBytes: opt.MaxBytes, loc: opt.Loc}
	if c.maxRows <= 0 {
		c.maxRows = DefaultMaxRows
	}
	if c.maxRunes <= 0 {
		c.maxRunes = DefaultMaxCellRunes
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	if c.loc == nil {
		c.loc = shanghai()
	}
	return c
}

// shanghai returns Asia/Shanghai, or a fixed UTC+8 zone without tzdata.
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Read parses the file name (used only for its extension) of the given size
// from r and calls fn for every good row in file order, and onError (may be
// nil) for every rejected row. The intake import handler calls it inside
// its transaction. Memory stays bounded: rows are never held beyond the
// current one, and an .xlsx file is copied to a temporary file and read
// through it (see readXLSX).
//
// Text is cleaned: \r\n and \r become \n, zero-width and other format or
// control characters are dropped, runs of spaces, tabs and full-width spaces
// become one space, lines are trimmed, and at most one blank line is kept.
// Content and reply keep their line breaks; other fields are one line.
// Dates (received_at, replied_at) are read in Options.Loc from Excel
// serials (raw date cells), 2006-01-02 15:04:05, 2006/1/2 15:04,
// 2006.1.2, 2006年1月2日[ 15时04分], RFC 3339 with a zone, Excel's m/d/yy
// h:mm, 20060102[150405] and Unix seconds or milliseconds; an empty cell
// gives the zero time, anything else rejects the row (ReasonBadDate).
//
// Errors: an *Error with CodeXLSUnsupported, CodeUnsupported, CodeTooLarge,
// CodeEmptyFile, CodeNoContent, CodeBadMapping, CodeBadXLSX or
// CodeTooManyRows (rows before it were delivered); ctx.Err() when ctx is
// done; the error fn returned, unchanged, when fn stops the read; or an I/O
// error from r. The Summary counts what was read up to the error.
func Read(ctx context.Context, name string, r io.ReaderAt, size int64, opt Options, fn func(Row) error, onError func(RowError)) (Summary, error) {
	cfg := newConfig(opt)
	var sum Summary
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if size > cfg.maxBytes {
		return sum, newError(CodeTooLarge, fmt.Sprintf("文件过大（%d 字节），上限为 %d 字节，请拆分后再导入", size, cfg.maxBytes), nil)
	}
	if size <= 0 {
		return sum, newError(CodeEmptyFile, "文件为空", nil)
	}
	head := make([]byte, min(size, 512))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return sum, err
	}
	if onError == nil {
		onError = func(RowError) {}
	}
	s := &sink{cfg: cfg, fn: fn, onError: onError, sum: &sum}
	switch sniff(name, head) {
	case formatXLS:
		return sum, newError(CodeXLSUnsupported, "不支持旧版 Excel（.xls）文件或加密的工作簿，请另存为 .xlsx 格式后再导入", nil)
	case formatXLSX:
		sum.Format = "xlsx"
		return sum, readXLSX(ctx, r, size, s)
	case formatJSONL:
		sum.Format = "jsonl"
		return sum, readJSONL(ctx, r, size, s)
	case formatCSV:
		sum.Format = "csv"
		return sum, readCSV(ctx, r, size, s)
	}
	return sum, newError(CodeUnsupported, "不支持的文件格式，请导入 .xlsx、.csv 或 .jsonl 文件", nil)
}

type format int

const (
	formatUnknown format = iota
	formatXLSX
	formatXLS
	formatCSV
	formatJSONL
)

// sniff picks the format from the first bytes and the file extension.
func sniff(name string, head []byte) format {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return formatXLS // legacy BIFF, or an encrypted OOXML package
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return formatXLSX
	case bytes.HasPrefix(head, []byte("%PDF")), bytes.HasPrefix(head, []byte("{\\rtf")),
		bytes.HasPrefix(head, []byte("PK")), bytes.HasPrefix(head, []byte{0x1F, 0x8B}),
		bytes.HasPrefix(head, []byte("Rar!")), bytes.HasPrefix(head, []byte("7z\xBC\xAF")):
		return formatUnknown
	}
	if ext == ".xlsx" || ext == ".xlsm" {
		return formatUnknown // named a workbook but not a zip package
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if ext == ".xls" || ext == ".et" {
		// Many systems export HTML or SpreadsheetML 2003 tables named .xls;
		// tab-separated text named .xls is read as CSV.
		if len(trimmed) > 0 && trimmed[0] == '<' {
			return formatXLS
		}
	}
	switch ext {
	case ".jsonl", ".ndjson":
		return formatJSONL
	case ".csv", ".tsv", ".txt", ".xls":
		return formatCSV
	}
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return formatJSONL
	}
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return formatUnknown
	}
	return formatCSV
}
