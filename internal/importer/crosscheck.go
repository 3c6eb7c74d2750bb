package importer

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"qingfeng/internal/monitor"
)

// CrossCheckOptions tune ReadPayments and ReadReferences. The zero value is
// usable.
type CrossCheckOptions struct {
	Loc      *time.Location // nil: Asia/Shanghai
	MaxRows  int            // 0: ReadTable's default (2,000,000)
	MaxBytes int64          // 0: DefaultMaxBytes
}

// MaxListErrors bounds the rejected rows a list result keeps; Rejected
// counts them all.
const MaxListErrors = 1000

// ListResult summarises a payment or reference list read.
type ListResult struct {
	Format   string
	Rows     int // data rows read
	Good     int
	Rejected int
	Errors   []monitor.RowError // the first MaxListErrors rejected rows
}

// ReadPayments streams a subsidy payment list (.xlsx or .csv with the
// headers 姓名, 身份证号, 补贴项目, 金额, 发放日期, 乡镇, 村 or their common
// variants) and calls fn for every good row in file order; list names the
// list in the payments. A row without name, item, amount or a readable
// date is rejected; an ID number that fails its check digit is kept as
// written (it allows only weak matches). Errors: an *Error (ReadTable's
// codes, CodeEmptyFile without a header, CodeMissingColumns), ctx.Err(),
// fn's error or an I/O error.
func ReadPayments(ctx context.Context, name string, r io.ReaderAt, size int64, list string, opt CrossCheckOptions,
	fn func(monitor.Payment) error) (ListResult, error) {
	loc := crossCheckLoc(opt)
	return readList(ctx, name, r, size, opt, monitor.PaymentColumns(), "补贴发放名单",
		func(h monitor.Header, line int, cells []string) (bool, error) {
			p, err := h.Payment(line, cells, list, loc)
			if err != nil {
				return false, err
			}
			return true, fn(p)
		})
}

// ReadReferences streams a reference list of a kind (headers 姓名,
// 身份证号, 村, and optionally a date — 死亡日期, 入职日期, 登记日期… —
// and 备注) and calls fn for every good row. Errors as ReadPayments.
func ReadReferences(ctx context.Context, name string, r io.ReaderAt, size int64, kind monitor.RefKind, opt CrossCheckOptions,
	fn func(monitor.Reference) error) (ListResult, error) {
	loc := crossCheckLoc(opt)
	return readList(ctx, name, r, size, opt, monitor.ReferenceColumns(), "比对名单",
		func(h monitor.Header, line int, cells []string) (bool, error) {
			ref, err := h.Reference(kind, line, cells, loc)
			if err != nil {
				return false, err
			}
			return true, fn(ref)
		})
}

func crossCheckLoc(opt CrossCheckOptions) *time.Location {
	if opt.Loc != nil {
		return opt.Loc
	}
	return shanghai()
}

// readList reads the header, then hands every data row to row, which
// reports a *monitor.RowError for a rejected row.
func readList(ctx context.Context, name string, r io.ReaderAt, size int64, opt CrossCheckOptions, required []monitor.Column,
	what string, row func(h monitor.Header, line int, cells []string) (bool, error)) (ListResult, error) {
	var out ListResult
	var h monitor.Header
	started := false
	format, err := ReadTable(ctx, name, r, size, TableOptions{MaxRows: opt.MaxRows, MaxBytes: opt.MaxBytes},
		func(line int, cells []string, date1904 bool) error {
			if !started {
				var err error
				h, err = monitor.ParseHeader(cells, required)
				var mc *monitor.MissingColumnsError
				if errors.As(err, &mc) {
					labels := make([]string, len(mc.Columns))
					for i, c := range mc.Columns {
						labels[i] = c.Label()
					}
					return newError(CodeMissingColumns, "缺少"+what+"的列："+strings.Join(labels, "、"), nil)
				}
				started = true
				return err
			}
			out.Rows++
			if date1904 {
				shift1904(cells, h.Index(monitor.ColDate))
			}
			ok, err := row(h, line, cells)
			var re *monitor.RowError
			switch {
			case errors.As(err, &re):
				out.Rejected++
				if len(out.Errors) < MaxListErrors {
					out.Errors = append(out.Errors, *re)
				}
				return nil
			case err != nil:
				return err
			case ok:
				out.Good++
			}
			return nil
		})
	out.Format = format
	if err == nil && !started {
		err = newError(CodeEmptyFile, "文件为空或没有表头行", nil)
	}
	return out, err
}

// shift1904 turns a worksheet date serial of the 1904 date system into
// the 1900 system monitor.ParseDate reads.
func shift1904(cells []string, i int) {
	if i < 0 || i >= len(cells) {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(cells[i]))
	if err != nil || n <= 0 {
		return
	}
	cells[i] = strconv.Itoa(n + 1462)
}

// ListPreview is the header mapping of a list and its first rows, read
// before importing: for every header cell the field it maps to ("" when
// none), the required columns missing, and up to Rows data rows as read.
type ListPreview struct {
	Format  string     `json:"format"`
	Header  []string   `json:"header"`
	Fields  []string   `json:"fields"`
	Missing []string   `json:"missing"`
	Rows    [][]string `json:"rows"`
}

// errPreviewDone stops ReadTable once a preview has its rows.
var errPreviewDone = errors.New("importer: preview done")

// PreviewList reads the header and the first n data rows of a payment
// list (payments true) or a reference list. Errors: ReadTable's, and
// CodeEmptyFile without a header.
func PreviewList(ctx context.Context, name string, r io.ReaderAt, size int64, payments bool, n int, opt CrossCheckOptions) (ListPreview, error) {
	required := monitor.ReferenceColumns()
	if payments {
		required = monitor.PaymentColumns()
	}
	var out ListPreview
	started := false
	format, err := ReadTable(ctx, name, r, size, TableOptions{MaxRows: opt.MaxRows, MaxBytes: opt.MaxBytes},
		func(line int, cells []string, date1904 bool) error {
			if !started {
				started = true
				h, err := monitor.ParseHeader(cells, required)
				var mc *monitor.MissingColumnsError
				if errors.As(err, &mc) {
					for _, c := range mc.Columns {
						out.Missing = append(out.Missing, c.Field())
					}
				}
				out.Header = append([]string(nil), cells...)
				out.Fields = make([]string, len(cells))
				for c := monitor.ColName; c <= monitor.ColNote; c++ {
					if i := h.Index(c); i >= 0 && i < len(cells) {
						out.Fields[i] = c.Field()
					}
				}
				return nil
			}
			if len(out.Rows) >= n {
				return errPreviewDone
			}
			out.Rows = append(out.Rows, append([]string(nil), cells...))
			return nil
		})
	out.Format = format
	if errors.Is(err, errPreviewDone) {
		err = nil
	}
	if err == nil && !started {
		err = newError(CodeEmptyFile, "文件为空或没有表头行", nil)
	}
	return out, err
}
