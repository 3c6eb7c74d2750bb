package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestInParts checks the helper that runs a look-up's parts side by side:
// results in part order, the failing part's own error (not the others'
// cancellations), a panic in a part as an error, and no parts at all.
func TestInParts(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		parts   [][2]int
		fn      func(ctx context.Context, p [2]int) (int, error)
		want    []int
		wantErr string
	}{
		{"none", nil, nil, []int{}, ""},
		{"one", [][2]int{{0, 3}}, func(_ context.Context, p [2]int) (int, error) { return p[1] - p[0], nil }, []int{3}, ""},
		{"in order", [][2]int{{0, 1}, {1, 3}, {3, 6}, {6, 10}},
			func(_ context.Context, p [2]int) (int, error) { return p[1] - p[0], nil }, []int{1, 2, 3, 4}, ""},
		{"the failing part's error", [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}},
			func(ctx context.Context, p [2]int) (int, error) {
				if p[0] == 2 {
					return 0, boom
				}
				<-ctx.Done() // the others wait until the failure cancels them
				return 0, ctx.Err()
			}, nil, "boom"},
		{"a panic", [][2]int{{0, 1}, {1, 2}},
			func(_ context.Context, p [2]int) (int, error) {
				if p[0] == 1 {
					panic("driver")
				}
				return 1, nil
			}, nil, "panic: driver"},
	}
	for _, tc := range tests {
		got, err := inParts(context.Background(), tc.parts, tc.fn)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || errors.Is(err, context.Canceled)):
			t.Errorf("%s: error %v, want %q alone", tc.name, err, tc.wantErr)
		case tc.wantErr == "" && !slices.Equal(got, tc.want):
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
