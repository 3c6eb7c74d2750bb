package importer

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// readXLSX streams the first worksheet through the sink with excelize's
// Rows iterator and raw cell values (dates stay Excel serials, numbers are
// not formatted).
//
// Memory: excelize.OpenReader would read the whole zip into a growing
// buffer (about twice the file size at its peak), so the file is first
// copied to a temporary file and opened with excelize.OpenFile, which reads
// the zip through the file. excelize then unpacks worksheets and shared
// strings larger than UnzipXMLSizeLimit (16 MiB by default) to further
// temporary files, removed by Close, and parses small parts in memory. The
// default UnzipSizeLimit and UnzipXMLSizeLimit are kept.
func readXLSX(ctx context.Context, r io.ReaderAt, size int64, s *sink) (err error) {
	tmp, err := os.CreateTemp("", "qingfeng-import-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, io.NewSectionReader(r, 0, size))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f, err := excelize.OpenFile(tmp.Name(), excelize.Options{RawCellValue: true})
	if err != nil {
		return xlsxError(err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if props, perr := f.GetWorkbookProps(); perr == nil && props.Date1904 != nil {
		s.date1904 = *props.Date1904
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return newError(CodeEmptyFile, "工作簿中没有工作表", nil)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return xlsxError(err)
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = xlsxError(cerr)
		}
	}()
	opts := excelize.Options{RawCellValue: true}
	for line := 1; rows.Next(); line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cells, err := rows.Columns(opts)
		if err != nil {
			return xlsxError(err)
		}
		if err := s.tableRow(line, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return xlsxError(err)
	}
	return s.finish()
}

// xlsxError wraps an excelize error as CodeBadXLSX.
func xlsxError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	msg := "无法读取 .xlsx 文件，文件可能已损坏，请用 Excel 打开后重新另存为 .xlsx"
	if errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, excelize.ErrWorkbookPassword) {
		msg = "工作簿已加密或格式不受支持，请取消密码保护后另存为 .xlsx 格式再导入"
	}
	return newError(CodeBadXLSX, msg, err)
}
