package monitor

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// payload builds a v1 event from a base with the given top-level fields
// replaced (a nil value removes the field).
func payload(t testing.TB, kind string, part map[string]any, over map[string]any) []byte {
	t.Helper()
	m := map[string]any{"v": 1, "id": "e-1", "device": "T01", "depot": "D1", "bin": "B1",
		"kind": kind, "at": "2026-12-06T11:00:00Z"}
	if part != nil {
		m[kind] = part
	}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEvent(t *testing.T) {
	mv := map[string]any{"direction": "out", "weight": 30.5, "unit": "t", "plate": "湘A12345", "ticket": "CK-001"}
	rd := map[string]any{"temp_unit": "C", "temps": []float64{12.5, 13, 11.25}, "humidity_pct": 61.0}
	tests := []struct {
		name   string
		raw    []byte
		reason string
	}{
		{"movement", payload(t, "movement", mv, nil), ""},
		{"sampling", payload(t, "sampling", map[string]any{"sample_id": "S-9", "depth_m": 2.5}, nil), ""},
		{"reading", payload(t, "reading", rd, nil), ""},
		{"failed reading", payload(t, "reading", map[string]any{"failed": true, "slot": "06:00"}, nil), ""},
		{"detection", payload(t, "detection", map[string]any{"object": "person", "snapshot": "snap/1.jpg", "confidence": 0.9}, map[string]any{"bin": nil}), ""},
		{"measured", payload(t, "measured", map[string]any{"weight": 1200, "unit": "t", "method": "laser"}, nil), ""},
		{"status", payload(t, "status", map[string]any{"health": "degraded"}, map[string]any{"bin": nil}), ""},
		{"clock skew within limit", payload(t, "status", map[string]any{"health": "ok"}, map[string]any{"at": "2026-12-06T12:04:00Z"}), ""},

		{"not json", []byte(`{"v":1,`), ReasonJSON},
		{"array", []byte(`[1]`), ReasonJSON},
		{"trailing data", append(payload(t, "status", map[string]any{"health": "ok"}, nil), []byte(` {}`)...), ReasonJSON},
		{"too large", []byte(`{"v":1,"pad":"` + strings.Repeat("x", MaxPayload) + `"}`), ReasonTooLarge},
		{"no version", payload(t, "movement", mv, map[string]any{"v": nil}), ReasonVersion},
		{"version 2", payload(t, "movement", mv, map[string]any{"v": 2}), ReasonVersion},
		{"unknown kind", payload(t, "teleport", map[string]any{}, nil), ReasonKind},
		{"missing id", payload(t, "movement", mv, map[string]any{"id": nil}), ReasonMissing},
		{"missing device", payload(t, "movement", mv, map[string]any{"device": ""}), ReasonMissing},
		{"missing at", payload(t, "movement", mv, map[string]any{"at": nil}), ReasonMissing},
		{"missing part", payload(t, "movement", nil, nil), ReasonMissing},
		{"movement without bin", payload(t, "movement", mv, map[string]any{"bin": nil}), ReasonMissing},
		{"movement without unit", payload(t, "movement", map[string]any{"direction": "in", "weight": 3}, nil), ReasonMissing},
		{"unknown field", payload(t, "movement", mv, map[string]any{"colour": "red"}), ReasonUnknownField},
		{"unknown nested field", payload(t, "movement", map[string]any{"direction": "in", "weight": 3, "unit": "kg", "driver": "x"}, nil), ReasonUnknownField},
		{"two parts", payload(t, "movement", mv, map[string]any{"status": map[string]any{"health": "ok"}}), ReasonUnknownField},
		{"bad id", payload(t, "movement", mv, map[string]any{"id": "a b"}), ReasonBadValue},
		{"bad date", payload(t, "movement", mv, map[string]any{"at": "yesterday"}), ReasonBadValue},
		{"weight as text", payload(t, "movement", map[string]any{"direction": "in", "weight": "3", "unit": "kg"}, nil), ReasonBadValue},
		{"bad direction", payload(t, "movement", map[string]any{"direction": "sideways", "weight": 3, "unit": "kg"}, nil), ReasonBadValue},
		{"bad plate", payload(t, "movement", map[string]any{"direction": "in", "weight": 3, "unit": "kg", "plate": "<script>"}, nil), ReasonBadValue},
		{"pounds", payload(t, "movement", map[string]any{"direction": "in", "weight": 3, "unit": "lb"}, nil), ReasonUnit},
		{"fahrenheit", payload(t, "reading", map[string]any{"temp_unit": "F", "temps": []float64{50}}, nil), ReasonUnit},
		{"no temp unit", payload(t, "reading", map[string]any{"temps": []float64{10}}, nil), ReasonMissing},
		{"measured in jin", payload(t, "measured", map[string]any{"weight": 3, "unit": "jin"}, nil), ReasonUnit},
		{"zero weight", payload(t, "movement", map[string]any{"direction": "in", "weight": 0, "unit": "kg"}, nil), ReasonRange},
		{"huge weight", payload(t, "movement", map[string]any{"direction": "in", "weight": 500, "unit": "t"}, nil), ReasonRange},
		{"boiling grain", payload(t, "reading", map[string]any{"temp_unit": "C", "temps": []float64{12, 150}}, nil), ReasonRange},
		{"humidity over 100", payload(t, "reading", map[string]any{"humidity_pct": 130}, nil), ReasonRange},
		{"empty reading", payload(t, "reading", map[string]any{}, nil), ReasonMissing},
		{"failed reading without slot", payload(t, "reading", map[string]any{"failed": true}, nil), ReasonMissing},
		{"failed reading with values", payload(t, "reading", map[string]any{"failed": true, "slot": "06:00", "temps": []float64{1}, "temp_unit": "C"}, nil), ReasonBadValue},
		{"confidence over 1", payload(t, "detection", map[string]any{"object": "vehicle", "confidence": 1.5}, nil), ReasonRange},
		{"unknown object", payload(t, "detection", map[string]any{"object": "ufo"}, nil), ReasonBadValue},
		{"status unknown", payload(t, "status", map[string]any{"health": "unknown"}, nil), ReasonBadValue},
		{"far future", payload(t, "status", map[string]any{"health": "ok"}, map[string]any{"at": "2026-12-06T12:06:00Z"}), ReasonFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEvent(tt.raw, now)
			if got := ReasonOf(err); got != tt.reason {
				t.Fatalf("reason %q (err %v), want %q", got, err, tt.reason)
			}
			if err == nil && (e.ID != "e-1" || e.Device != "T01" || e.Version != 1) {
				t.Errorf("parsed %+v", e)
			}
		})
	}
}

func TestParseEventValues(t *testing.T) {
	e, err := ParseEvent(payload(t, "movement", map[string]any{"direction": "out", "weight": 30.5, "unit": "t", "ticket": "CK-1"}, nil), now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != KindMovement || e.Movement.KG() != -30500 || e.Movement.Ticket != "CK-1" || !e.At.Equal(now.Add(-time.Hour)) {
		t.Errorf("movement %+v, kg %d", e.Movement, e.Movement.KG())
	}
	e, err = ParseEvent(payload(t, "reading", map[string]any{"temp_unit": "C", "temps": []float64{12.5, 9.75, 11}}, nil), now)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := e.Reading.MinTemp(); !ok || m != 9.75 {
		t.Errorf("min temp %v %v", m, ok)
	}
	e, err = ParseEvent(payload(t, "measured", map[string]any{"weight": 1.2345, "unit": "t"}, nil), now)
	if err != nil || e.Measured.KG() != 1235 {
		t.Errorf("measured %v %v", e.Measured, err)
	}
}

// FuzzParseEvent: the parser never panics, and every error names a known
// reason; an accepted event parses the same again after re-encoding.
func FuzzParseEvent(f *testing.F) {
	f.Add(payload(f, "movement", map[string]any{"direction": "in", "weight": 3, "unit": "kg"}, nil))
	f.Add(payload(f, "reading", map[string]any{"temp_unit": "C", "temps": []float64{1, 2}}, nil))
	f.Add(payload(f, "reading", map[string]any{"failed": true, "slot": "06:00"}, nil))
	f.Add([]byte(`{"v":1,"kind":"status"}`))
	f.Add([]byte(`null`))
	known := map[string]bool{}
	for _, r := range Reasons() {
		known[r] = true
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := ParseEvent(raw, now)
		if err != nil {
			if !known[ReasonOf(err)] {
				t.Fatalf("error without a known reason: %v", err)
			}
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseEvent(b, now); err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", raw, b, err)
		}
	})
}
