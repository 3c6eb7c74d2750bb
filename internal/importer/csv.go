package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// readCSV streams a delimited text file through the sink.
func readCSV(ctx context.Context, r io.ReaderAt, size int64, s *sink) error {
	src, enc, err := decodeText(r, size)
	if err != nil {
		return err
	}
	s.sum.Encoding = enc
	br := bufio.NewReaderSize(src, 64<<10)
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(br)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// A spreadsheet program shows a record as one row however many line
	// breaks its quoted cells hold; breaks holds those of the records
	// before, so that a row's number is its physical line less them.
	breaks := 0
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			if !s.haveHeader {
				return newError(CodeUnsupported, "无法解析 CSV 表头", err)
			}
			if err := s.count(); err != nil {
				return err
			}
			s.reject(RowError{Line: max(pe.StartLine-breaks, 1), Reason: ReasonBadCSV})
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := s.tableRow(max(line-breaks, 1), rec); err != nil {
			return err
		}
		for _, f := range rec {
			breaks += strings.Count(f, "\n")
		}
	}
	return s.finish()
}

// decodeText returns a UTF-8 reader over the text in r and the name of the
// source encoding: UTF-8 (BOM dropped), UTF-16 with a BOM, else GB18030
// (a superset of GBK and GB2312) when the bytes are not valid UTF-8.
func decodeText(r io.ReaderAt, size int64) (io.Reader, string, error) {
	var bom [3]byte
	n, err := r.ReadAt(bom[:], 0)
	if err != nil && err != io.EOF {
		return nil, "", err
	}
	b := bom[:n]
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return io.NewSectionReader(r, 3, size-3), "utf-8", nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		return transform.NewReader(io.NewSectionReader(r, 0, size), dec), "utf-16", nil
	}
	ok, err := validUTF8(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, "", err
	}
	if ok {
		return io.NewSectionReader(r, 0, size), "utf-8", nil
	}
	dec := simplifiedchinese.GB18030.NewDecoder()
	return transform.NewReader(io.NewSectionReader(r, 0, size), dec), "gb18030", nil
}

// validUTF8 reports whether everything r yields is valid UTF-8, reading in
// chunks and stopping at the first invalid sequence.
func validUTF8(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	carry := 0 // bytes of an incomplete rune kept from the previous chunk
	for {
		n, err := r.Read(buf[carry:])
		n += carry
		chunk := buf[:n]
		end := n
		if err == nil {
			// Keep a possibly incomplete rune at the end for the next round.
			for k := 1; k <= utf8.UTFMax-1 && k <= n; k++ {
				c := chunk[n-k]
				if c < utf8.RuneSelf {
					break
				}
				if utf8.RuneStart(c) {
					if !utf8.FullRune(chunk[n-k:]) {
						end = n - k
					}
					break
				}
			}
		}
		if !utf8.Valid(chunk[:end]) {
			return false, nil
		}
		carry = copy(buf, chunk[end:])
		if err == io.EOF {
			return carry == 0 || utf8.Valid(buf[:carry]), nil
		}
		if err != nil {
			return false, err
		}
	}
}

// sniffDelimiter picks tab when the first line has more tabs than commas.
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte{'\t'}) > bytes.Count(head, []byte{','}) {
		return '\t'
	}
	return ','
}
