package app

import (
	"testing"

	"qingfeng/internal/monitor"
)

func TestLevelAtLeast(t *testing.T) {
	for _, c := range []struct {
		l, min monitor.Level
		want   bool
	}{
		{monitor.LevelSerious, monitor.LevelSerious, true},
		{monitor.LevelWarning, monitor.LevelSerious, false},
		{monitor.LevelNotice, monitor.LevelSerious, false},
		{monitor.LevelSerious, monitor.LevelNotice, true},
		{monitor.LevelWarning, monitor.LevelWarning, true},
		{monitor.LevelNotice, monitor.LevelWarning, false},
		{"", monitor.LevelNotice, false},
		{"urgent", monitor.LevelNotice, false},
	} {
		if got := levelAtLeast(c.l, c.min); got != c.want {
			t.Errorf("levelAtLeast(%q, %q) = %v", c.l, c.min, got)
		}
	}
}
