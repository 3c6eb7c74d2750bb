package demo

import (
	"context"
	"fmt"

	"qingfeng/internal/auth"
)

// samples are the steps that add the demo's sample records once the
// organisation and the accounts exist, in order (later workflows build on
// earlier ones' records). Each workflow appends its step; each step goes
// through the app services, acting as the demo users where a workflow needs
// a person (so the records show who did what).
func (b *builder) samples() []func(context.Context) error {
	return []func(context.Context) error{}
}

// principal resolves a demo account to its principal, for steps that act
// as a user rather than as the system.
func (b *builder) principal(ctx context.Context, username string) (auth.Principal, error) {
	id, ok := b.userIDs[username]
	if !ok {
		return auth.Principal{}, fmt.Errorf("demo: no account %s", username)
	}
	p, err := b.a.Store.Principal(ctx, id, b.a.Today())
	if err != nil {
		return p, fmt.Errorf("demo: principal %s: %w", username, err)
	}
	return p, nil
}
