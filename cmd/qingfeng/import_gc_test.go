package main

import (
	"runtime/debug"
	"testing"
)

// TestImportGC checks that an import command raises the collector's
// target and sets a soft memory limit, restores both afterwards, and
// leaves them alone when the operator set GOGC or GOMEMLIMIT.
func TestImportGC(t *testing.T) {
	gcPercent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	memLimit := func() int64 { return debug.SetMemoryLimit(-1) }
	before, beforeLimit := gcPercent(), memLimit()
	tests := []struct {
		name    string
		env     map[string]string
		percent int
		limit   int64
	}{
		{"default", nil, importGCPercent, importMemLimit},
		{"GOGC set", map[string]string{"GOGC": "150"}, before, beforeLimit},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, before, beforeLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := importGC(env{getenv: mapEnv(tt.env)})
			gotP, gotL := gcPercent(), memLimit()
			restore()
			if gotP != tt.percent || gotL != tt.limit {
				t.Errorf("during the import: GC percent %d, memory limit %d; want %d, %d", gotP, gotL, tt.percent, tt.limit)
			}
			if p, l := gcPercent(), memLimit(); p != before || l != beforeLimit {
				t.Errorf("after: GC percent %d, memory limit %d; want %d, %d restored", p, l, before, beforeLimit)
			}
		})
	}
}
