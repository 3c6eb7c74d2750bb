package importer

import (
	"context"
	"fmt"
	"io"
)

// TableOptions tune ReadTable. The zero value is usable.
type TableOptions struct {
	// MaxRows bounds the non-blank records delivered (header included); 0
	// means 2,000,000. ReadTable fails with CodeTooManyRows beyond it.
	MaxRows int
	// MaxBytes bounds the file size; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// ReadTable streams the raw records of a table file (.xlsx first worksheet,
// or .csv/.tsv/.txt in UTF-8, UTF-16 or GB18030) to fn: every non-blank
// record with its 1-based line and its cells, the header row included. It
// is Read without the report mapping, for imports with their own columns
// and row parser (historical case ledgers, subsidy payment lists and
// reference registers). Cells are raw: worksheet dates stay Excel serials,
// and date1904 tells the workbook's date system (always false for CSV), so
// callers convert them as the report import does. fn may keep cells only by
// copying them. ReadTable returns the format ("xlsx" or "csv").
//
// Errors: an *Error (CodeTooLarge, CodeEmptyFile, CodeUnsupported,
// CodeXLSUnsupported, CodeBadXLSX, CodeTooManyRows), ctx.Err(), fn's error,
// or an I/O error from r.
func ReadTable(ctx context.Context, name string, r io.ReaderAt, size int64, opt TableOptions,
	fn func(line int, cells []string, date1904 bool) error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	maxBytes := opt.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	maxRows := opt.MaxRows
	if maxRows <= 0 {
		maxRows = 2_000_000
	}
	if size > maxBytes {
		return "", newError(CodeTooLarge, fmt.Sprintf("文件过大（%d 字节），上限为 %d 字节，请拆分后再导入", size, maxBytes), nil)
	}
	if size <= 0 {
		return "", newError(CodeEmptyFile, "文件为空", nil)
	}
	head := make([]byte, min(size, 512))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	var sum Summary
	n := 0
	s := &sink{cfg: newConfig(Options{MaxBytes: maxBytes}), sum: &sum, onError: func(RowError) {}, haveHeader: true}
	s.raw = func(line int, cells []string) error {
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
		if n++; n > maxRows {
			return newError(CodeTooManyRows, fmt.Sprintf("数据行数超过上限 %d 行，请拆分后再导入", maxRows), nil)
		}
		return fn(line, cells, s.date1904)
	}
	switch sniff(name, head) {
	case formatXLS:
		return "", newError(CodeXLSUnsupported, "不支持旧版 Excel（.xls）文件或加密的工作簿，请另存为 .xlsx 格式后再导入", nil)
	case formatXLSX:
		return "xlsx", readXLSX(ctx, r, size, s)
	case formatCSV:
		return "csv", readCSV(ctx, r, size, s)
	}
	return "", newError(CodeUnsupported, "不支持的文件格式，请导入 .xlsx 或 .csv 文件", nil)
}
