package api

import (
	"strings"
	"testing"

	"qingfeng/internal/apperr"
)

func TestDecodeRectTransition(t *testing.T) {
	tests := []struct {
		body  string
		code  apperr.Code
		key   string
		op    string
		field string
	}{
		{`{"op":"report","text":"已整改"}`, "", "", "report", ""},
		{`{"op":"reopen","text":"x","deadline":"2026-05-01","version":3}`, "", "", "reopen", ""},
		{`{"op":"report","extra":1}`, apperr.Invalid, "api.bad_json", "", ""},
		{`{"op":"report"} {}`, apperr.Invalid, "api.bad_json", "", ""},
		{`{"text":"x"}`, apperr.Invalid, "error.invalid", "", "op"},
		{`[1,2]`, apperr.Invalid, "api.bad_json", "", ""},
		{``, apperr.Invalid, "api.bad_json", "", ""},
	}
	for _, tt := range tests {
		in, err := decodeRectTransition(strings.NewReader(tt.body))
		if apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: err %v, want code %q", tt.body, err, tt.code)
			continue
		}
		if err != nil {
			e := apperr.As(err)
			if e.Key != tt.key || (tt.field != "" && e.Fields[tt.field] == "") {
				t.Errorf("%s: %v, want key %s field %s", tt.body, err, tt.key, tt.field)
			}
			continue
		}
		if string(in.Op) != tt.op {
			t.Errorf("%s: op %q", tt.body, in.Op)
		}
	}
}

// FuzzDecodeRectTransition: any body decodes to an action with an op or to
// an invalid error, never a panic or another code.
func FuzzDecodeRectTransition(f *testing.F) {
	for _, s := range []string{`{"op":"report","text":"已整改"}`, `{"op":"close_substantive","visit_date":"2026-03-01","satisfaction":"satisfied"}`,
		`{"op":"reopen","version":-1}`, `{}`, `null`, `{"op":1}`, "{\"op\":\"\u0000\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := decodeRectTransition(strings.NewReader(string(b)))
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %s for %q", apperr.CodeOf(err), b)
			}
			return
		}
		if in.Op == "" {
			t.Fatalf("no op but no error for %q", b)
		}
	})
}
