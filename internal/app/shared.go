package app

import (
	"context"
	"fmt"
	"time"

	"qingfeng/internal/apperr"
	"qingfeng/internal/audit"
	"qingfeng/internal/auth"
	"qingfeng/internal/calendar"
	"qingfeng/internal/store"
)

// This file holds the service helpers shared by the workflows after intake:
// statutory clocks on any record, single-record visibility with
// participation and recusal, and the in-app inbox.

// Limit returns a statutory limit by its code in calendar/limits.json.
// Errors: internal when the code is unknown (a programming error; every
// code a service uses is checked by its tests).
func (a *App) Limit(code string) (calendar.Limit, error) {
	l, ok := a.Intake.Limits[code]
	if !ok {
		return l, apperr.Wrap(fmt.Errorf("unknown limit %q", code), apperr.Internal, "error.internal")
	}
	return l, nil
}

// ClockSpec says which record a clock runs on, for whom and where.
type ClockSpec struct {
	ObjectType string
	ObjectID   int64 // 0 while the record is being created: the store fills it in
	Label      string
	Link       string
	UnitPath   string
	Owner      int64
}

// StartClock computes a clock of limit code started at start on the
// working-day calendar, excluding pauses. Errors: internal (unknown code).
func (a *App) StartClock(spec ClockSpec, code string, start time.Time, pauses ...calendar.Pause) (store.Clock, error) {
	l, err := a.Limit(code)
	if err != nil {
		return store.Clock{}, err
	}
	k := a.Intake.Calendar().Start(l, start, a.Loc, pauses...)
	return store.Clock{ObjectType: spec.ObjectType, ObjectID: spec.ObjectID, Code: code, Label: spec.Label, Link: spec.Link,
		UnitPath: spec.UnitPath, OwnerUserID: spec.Owner, StartedAt: k.Start, DueAt: k.Due, RemindAt: k.RemindAt,
		Provisional: k.Provisional}, nil
}

// ExtendClock returns c extended by the span by (zero: the limit's full
// extension) under the limit's extension rule. Errors: invalid (no
// extension allowed, span too long), conflict (extensions exhausted).
func (a *App) ExtendClock(c store.Clock, by calendar.Span) (store.Clock, error) {
	l, err := a.Limit(c.Code)
	if err != nil {
		return c, err
	}
	k := calendar.Clock{Limit: l, Start: c.StartedAt, Due: c.DueAt, RemindAt: c.RemindAt, Provisional: c.Provisional, Extensions: c.Extensions}
	k, err = a.Intake.Calendar().Extend(k, by, a.Loc)
	if err != nil {
		return c, err
	}
	c.DueAt, c.RemindAt, c.Provisional, c.Extensions = k.Due, k.RemindAt, k.Provisional, k.Extensions
	return c, nil
}

// RecordClock is a clock with its limit and its state now, for pages and
// API answers.
type RecordClock struct {
	store.Clock
	Name   string
	Source string
	State  calendar.State
}

// ClockStates adds names and states (at the app clock's now) to clocks.
func (a *App) ClockStates(cs []store.Clock) []RecordClock {
	now := a.Now()
	out := make([]RecordClock, 0, len(cs))
	for _, c := range cs {
		l := a.Intake.Limits[c.Code]
		k := calendar.Clock{Limit: l, Start: c.StartedAt, Due: c.DueAt, RemindAt: c.RemindAt}
		out = append(out, RecordClock{Clock: c, Name: l.Name, Source: l.Source, State: k.State(now, c.DoneAt)})
	}
	return out
}

// Visible checks that the caller may see one record of a type with named
// participants: its unit path lies in the caller's scope for perm and the
// caller is not inside the subject's unit (subjectPath, "" when none), or
// the caller is an active participant; and the caller has not declared a
// conflict. A record outside answers not_found (what: "clue", "case", ...),
// so its existence is not revealed.
func (a *App) Visible(ctx context.Context, p auth.Principal, perm auth.Permission, objectType string, id int64, path, subjectPath, what string) error {
	sc := p.ScopeFor(perm)
	if sc.Denied {
		return apperr.New(apperr.NotFound, "error.not_found."+what)
	}
	part, recused, err := a.Store.AccessOf(ctx, objectType, id, p.UserID, a.Now())
	if err != nil {
		return err
	}
	if recused || sc.Recused(subjectPath) || !(sc.Covers(path) || part) {
		return apperr.New(apperr.NotFound, "error.not_found."+what)
	}
	return nil
}

// SendClockAlerts claims the record clocks whose reminder or overdue alarm
// is due and sends them to the clock's owner's inbox, and to the record's
// watchers (clockWatchers: e.g. the leader who approved a clue's
// assignment); the serve command runs it with SendReminders. It returns
// how many clocks it handled.
func (a *App) SendClockAlerts(ctx context.Context) (int, error) {
	due, err := a.Store.ClaimClockAlerts(ctx, 100, 5*time.Minute)
	if err != nil {
		return 0, err
	}
	now := a.Now()
	for _, c := range due {
		l := a.Intake.Limits[c.Code]
		overdue := now.After(c.DueAt)
		n := store.Notification{UserID: c.OwnerUserID, ObjectType: c.ObjectType, ObjectID: c.ObjectID, Link: c.Link}
		when := c.DueAt.In(a.Loc).Format("2006-01-02 15:04")
		if overdue {
			n.Kind, n.DedupKey = "overdue", fmt.Sprintf("clock:%d:overdue:%d", c.ID, c.DueAt.UnixMilli())
			n.Title = fmt.Sprintf("已超期：%s %s", c.Label, l.Name)
			n.Body = fmt.Sprintf("%s已于 %s 到期，尚未办结（%s）。", l.Name, when, l.Source)
		} else {
			n.Kind, n.DedupKey = "reminder", fmt.Sprintf("clock:%d:remind:%d", c.ID, c.DueAt.UnixMilli())
			n.Title = fmt.Sprintf("时限提醒：%s %s", c.Label, l.Name)
			n.Body = fmt.Sprintf("%s将于 %s 到期（%s）。", l.Name, when, l.Source)
		}
		var ns []store.Notification
		if n.UserID != 0 {
			ns = append(ns, n)
		}
		watchers, err := a.clockWatchers(ctx, c)
		if err != nil {
			return 0, err
		}
		for _, uid := range watchers {
			if uid != 0 && uid != c.OwnerUserID {
				w := n
				w.UserID = uid
				ns = append(ns, w)
			}
		}
		if err := a.Store.MarkClockAlerted(ctx, c, overdue, ns); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// clockWatchers are the users reminded of a record's clocks besides the
// clock's owner, by record type: for a clue, the leader who approved its
// assignment (the "reminders go to owners and leaders").
func (a *App) clockWatchers(ctx context.Context, c store.Clock) ([]int64, error) {
	switch c.ObjectType {
	case "clue":
		cl, err := a.Store.GetClue(ctx, c.ObjectID)
		if apperr.Is(err, apperr.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []int64{cl.LeaderUserID}, nil
	}
	return nil, nil
}

// Notify puts notifications in users' inboxes outside a domain write (the
// domain stores add theirs inside their own transactions).
func (a *App) Notify(ctx context.Context, act audit.Actor, ns []store.Notification) error {
	return a.Store.Notify(ctx, act, ns)
}

// Inbox returns the caller's notifications, newest first, with the total.
func (a *App) Inbox(ctx context.Context, p auth.Principal, f store.NotificationFilter) ([]store.Notification, int, error) {
	if p.UserID == 0 {
		return nil, 0, nil
	}
	return a.Store.ListNotifications(ctx, p.UserID, f)
}

// UnreadCount is the number of the caller's unread notifications.
func (a *App) UnreadCount(ctx context.Context, p auth.Principal) (int, error) {
	if p.UserID == 0 {
		return 0, nil
	}
	return a.Store.UnreadNotifications(ctx, p.UserID)
}

// MarkRead marks the caller's notifications read (all when ids is empty);
// other users' notifications are never touched. It returns how many changed.
func (a *App) MarkRead(ctx context.Context, p auth.Principal, ids []int64) (int, error) {
	if p.UserID == 0 {
		return 0, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return a.Store.MarkNotificationsRead(ctx, actor(p), p.UserID, ids)
}
