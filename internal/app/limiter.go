package app

import (
	"sync"
	"time"
)

// Limiter is an in-memory sliding-window counter per key (a source address
// for sign-in throttling). Nothing is persisted. It is safe for concurrent use.
type Limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	hits   map[string][]time.Time
}

// NewLimiter allows max events per key within window.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{max: max, window: window, now: now, hits: map[string][]time.Time{}}
}

// Allow records an event for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cut := now.Add(-l.window)
	h := l.hits[key]
	i := 0
	for i < len(h) && !h[i].After(cut) {
		i++
	}
	h = h[i:]
	if len(h) >= l.max {
		l.hits[key] = h
		return false
	}
	l.hits[key] = append(h, now)
	if len(l.hits) > 10000 {
		l.sweep(cut)
	}
	return true
}

// sweep drops keys with no recent events, bounding memory.
func (l *Limiter) sweep(cut time.Time) {
	for k, h := range l.hits {
		if len(h) == 0 || !h[len(h)-1].After(cut) {
			delete(l.hits, k)
		}
	}
}
