package main

import (
	"context"
	"fmt"

	"qingfeng/internal/app"
	"qingfeng/internal/auth"
	"qingfeng/internal/stats"
)

// cmdStats: qingfeng stats summary|bulletin --unit UNIT [--area-group ID]
// [--from DATE] [--to DATE] [--json] prints the figures of a unit's
// subtree or an area group over a period (the rules of
// docs/statistics.md), or the bulletin paragraph, as the system.
func cmdStats(ctx context.Context, e env, args []string) error {
	const use = "usage: qingfeng stats summary|bulletin (--unit UNIT | --area-group ID) [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]"
	if len(args) == 0 || (args[0] != "summary" && args[0] != "bulletin") {
		return usageError{use}
	}
	what := args[0]
	fs := newFlagSet("stats "+what, e)
	var c common
	c.register(fs, e)
	unit := fs.String("unit", "", "unit id or division code (e.g. 430802)")
	group := fs.Int64("area-group", 0, "area group id (instead of --unit)")
	from := fs.String("from", "", "first day (default 1 January of --to's year)")
	to := fs.String("to", "", "last day, inclusive (default today)")
	asJSON := fs.Bool("json", false, "print JSON as the API does")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if (*unit == "") == (*group == 0) {
		return usageError{use}
	}
	a, closeFn, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer closeFn()
	req := app.StatsRequest{Unit: *unit, AreaGroup: *group, From: *from, To: *to}
	s, err := a.StatsSummary(ctx, auth.System(), req)
	if err != nil {
		return describe(err)
	}
	if what == "bulletin" {
		text := stats.Bulletin(s, a.Today())
		if *asJSON {
			return printJSON(e, map[string]string{"text": text})
		}
		fmt.Fprintln(e.stdout, text)
		return nil
	}
	if *asJSON {
		return printJSON(e, s)
	}
	fmt.Fprintf(e.stdout, "%s, %s – %s\n", s.Scope.Name, s.Period.From, s.Period.To)
	for _, line := range []struct {
		label string
		v     any
	}{
		{"reports received / answered", fmt.Sprintf("%d / %d", s.ReportsReceived, s.ReportsAnswered)},
		{"clues received / disposed", fmt.Sprintf("%d / %d %v", s.CluesReceived, s.CluesDisposed, s.CluesByMode)},
		{"cases filed / closed", fmt.Sprintf("%d / %d", s.CasesFiled, s.CasesClosed)},
		{"persons sanctioned (party, government)", fmt.Sprintf("%d (%d, %d)", s.PersonsSanctioned, s.PersonsPartySanctioned,
			s.PersonsGovernmentSanctioned)},
		{"persons with organisational actions", s.PersonsOrgActions},
		{"persons detained / transferred", fmt.Sprintf("%d / %d", s.PersonsDetained, s.PersonsTransferred)},
		{"four forms", fmt.Sprintf("%d / %d / %d / %d", s.FourForms.First, s.FourForms.Second, s.FourForms.Third, s.FourForms.Fourth)},
		{"funds recovered / returned (10k yuan)", stats.WanYuan(s.FundsRecoveredFen) + " / " + stats.WanYuan(s.FundsReturnedFen)},
		{"overdue now", s.Overdue},
	} {
		fmt.Fprintf(e.stdout, "  %-40s %v\n", line.label, line.v)
	}
	return nil
}
