package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
)

// readJSONL streams one JSON object per line through the sink. Keys:
// "text" (or "content") → content, "time" → received_at, "id" →
// external_id, "author" → reporter, and every canonical field name
// ("title", "source", "url", "replied_at", ...) → that field. Other keys
// go to Row.Extra. Keys are case-sensitive. String and number values are taken as they are; a
// number "time" is a Unix time or an Excel serial (see parseTime).
func readJSONL(ctx context.Context, r io.ReaderAt, size int64, s *sink) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	// A line holds a few cells of at most maxRunes runes (4 bytes each,
	// up to 6 when escaped as \uXXXX); allow twice that.
	limit := int64(s.cfg.maxRunes)*12 + 64<<10
	var buf bytes.Buffer
	for line := 1; ; line++ {
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		buf.Reset()
		tooLong, err := readLine(br, &buf, limit)
		if err != nil && err != io.EOF {
			return err
		}
		b := buf.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
		}
		if tooLong {
			if cerr := s.count(); cerr != nil {
				return cerr
			}
			s.reject(RowError{Line: line, Reason: ReasonTooLong})
		} else if len(bytes.TrimSpace(b)) > 0 {
			if perr := s.jsonLine(line, b); perr != nil {
				return perr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine appends one line without its terminator to buf, up to limit
// bytes; the rest of a longer line is discarded and tooLong set. It
// returns io.EOF at the end of the input.
func readLine(br *bufio.Reader, buf *bytes.Buffer, limit int64) (tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if int64(buf.Len()+len(chunk)) > limit {
				tooLong = true
			} else {
				buf.Write(chunk)
			}
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return tooLong, nil
		default:
			return tooLong, err
		}
	}
}

// jsonLine parses one non-blank line.
func (s *sink) jsonLine(line int, b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	bad := dec.Decode(&obj) != nil || obj == nil
	if !bad {
		_, err := dec.Token()
		bad = err != io.EOF // data after the object
	}
	if bad {
		if err := s.count(); err != nil {
			return err
		}
		return s.reject(RowError{Line: line, Reason: ReasonBadJSON, Value: cut(string(bytes.TrimSpace(b)))})
	}
	var v fieldValues
	var extra map[string]string
	// Aliases first, so that a non-blank canonical key wins whatever the
	// map order.
	for _, aliasPass := range []bool{true, false} {
		for k, val := range obj {
			f, alias := jsonField(k)
			if alias != aliasPass {
				continue
			}
			str := jsonString(val)
			if f == "" {
				if aliasPass && !isBlank(str) {
					if extra == nil {
						extra = make(map[string]string)
					}
					extra[k] = str
				}
				continue
			}
			if p := v.ptr(f); !isBlank(str) || *p == "" {
				*p = str
			}
		}
	}
	return s.emit(line, &v, extra)
}

// jsonField maps a JSONL key to a field, or "" for other keys. alias is true
// for the short keys (text, time, id, author) and for unknown keys.
func jsonField(k string) (f Field, alias bool) {
	switch k {
	case "text":
		return FieldContent, true
	case "time":
		return FieldReceivedAt, true
	case "id":
		return FieldExternalID, true
	case "author":
		return FieldReporter, true
	}
	if f := Field(k); f.valid() {
		return f, false
	}
	return "", true
}

// jsonString renders a JSON value as cell text: strings as they are,
// numbers in their JSON form, booleans, null as "", and objects or arrays
// as compact JSON.
func jsonString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
