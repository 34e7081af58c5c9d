package portal

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// The home dashboard: one store at a glance, for a manager — orders staged, the error rate
// and the runs by outcome over the last day and week, the feeds that need someone, and what
// the last hour cost of the store's Shopify budget. Every figure is counted by the database
// over windows of the store's clock (erp.Overview), so the page costs a few index ranges
// however busy the store; the charts are drawn here (chart.go).

// dashboardData is what the dashboard shows.
type dashboardData struct {
	// Zone names the store's time zone, in which the charts' hours and days are.
	Zone string
	At   time.Time
	// Staged, ErrorRate and Runs are the last 24 hours by hour; Week is the last 7 days
	// by day.
	Staged, ErrorRate, Runs, Week Chart
	// Day adds up the last 24 hours.
	Day dayTotals
	// Attention are the feeds that need someone: stale, or whose last run failed.
	Attention []attention
	// Budget is the store's Shopify budget; its last hour is shown.
	Budget Budget
	// Watched says whether the store has feeds whose runs are expected (Store.Expect).
	Watched bool
}

// dayTotals adds up the last 24 hours.
type dayTotals struct {
	Staged, Runs, Failed, Seen, Errors int
}

// Rate is the part of the records handled that had an error, for people: "2.5%", or "—"
// without records.
func (d dayTotals) Rate() string { return errorRate(d.Errors, d.Seen) }

func errorRate(errors, seen int) string {
	if seen == 0 {
		return "—"
	}
	return value(percent(errors, seen)) + "%"
}

// percent is errors of seen in percent, to a tenth.
func percent(errors, seen int) float64 {
	if seen == 0 {
		return 0
	}
	return float64(int(float64(errors)/float64(seen)*1000+0.5)) / 10
}

// attention is a feed that needs someone, and why.
type attention struct {
	FeedHealth
	Why string
}

// The outcomes of runs as the charts stack them, from the bottom: what went well first.
var outcomeSeries = []struct {
	Outcome string
	Series
}{
	{erp.OutcomeFinished, Series{Name: "finished", Class: "s-good"}},
	{erp.OutcomeFinishedPartially, Series{Name: "partly finished", Class: "s-warn"}},
	{erp.OutcomeFailed, Series{Name: "failed", Class: "s-bad"}},
	{erp.OutcomeRunning, Series{Name: "running", Class: "s-info"}},
}

// hourBounds are the bounds of the n whole hours of loc's clock up to and including the
// hour under way at now (n+1 of them, the last in the future): half-hour zones are cut at
// their own whole hours.
func hourBounds(now time.Time, loc *time.Location, n int) []time.Time {
	t := now.In(loc)
	last := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc)
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = last.Add(time.Duration(i-n+1) * time.Hour)
	}
	return out
}

// dayBounds are the bounds of the n days of loc's calendar up to and including today (n+1
// of them, from midnight to midnight, however long a day is when the clocks change).
func dayBounds(now time.Time, loc *time.Location, n int) []time.Time {
	t := now.In(loc)
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = time.Date(t.Year(), t.Month(), t.Day()-n+1+i, 0, 0, 0, 0, loc)
	}
	return out
}

// zoneName names a zone as the dashboard says it: "Europe/Berlin (CET)", or "UTC".
func zoneName(loc *time.Location, at time.Time) string {
	abbr := at.In(loc).Format("MST")
	if loc.String() == abbr {
		return abbr
	}
	return loc.String() + " (" + abbr + ")"
}

// hourTitle says which hour a bar is, in the store's clock with the zone: "Fri 20 Nov 09:00–10:00 CET".
func hourTitle(start time.Time) string {
	return start.Format("Mon 2 Jan 15:04") + "–" + start.Add(time.Hour).Format("15:04 MST")
}

// dashboard reads a store's figures now.
func (s *Server) dashboard(ctx context.Context, st *Store) (dashboardData, error) {
	now := s.now()
	loc := st.Location
	d := dashboardData{Zone: zoneName(loc, now), At: now, Watched: len(st.Expect) > 0}
	hours, days := hourBounds(now, loc, 24), dayBounds(now, loc, 7)

	staged, err := s.d.Overview.LedgerEventTally(ctx, erp.TallyParams{Shop: st.Shop, Status: ledger.StatusStaged, Bounds: hours})
	if err != nil {
		return d, fmt.Errorf("count orders staged: %w", err)
	}
	byHour, err := s.d.Overview.ExecutionTally(ctx, erp.TallyParams{Shop: st.Shop, Bounds: hours})
	if err != nil {
		return d, fmt.Errorf("count runs by hour: %w", err)
	}
	byDay, err := s.d.Overview.ExecutionTally(ctx, erp.TallyParams{Shop: st.Shop, Bounds: days})
	if err != nil {
		return d, fmt.Errorf("count runs by day: %w", err)
	}
	d.Staged, d.ErrorRate, d.Runs, d.Day = hourCharts(hours, staged, byHour)
	d.Week = weekChart(days, byDay)

	for _, exp := range st.Expect {
		f := s.feedHealth(ctx, st.Shop, exp, now)
		switch {
		case f.Stale && f.LastSuccess.IsZero():
			d.Attention = append(d.Attention, attention{f, fmt.Sprintf("no successful run yet; it should succeed every %s", f.Every)})
		case f.Stale:
			d.Attention = append(d.Attention, attention{f, fmt.Sprintf("no successful run for %s; it should succeed every %s",
				roundAgo(now.Sub(f.LastSuccess)), f.Every)})
		case f.LastOutcome == erp.OutcomeFailed:
			d.Attention = append(d.Attention, attention{f, "its last run failed"})
		}
	}

	if d.Budget, err = s.budget(ctx, st); err != nil {
		return d, err
	}
	return d, nil
}

// hourCharts draws the last 24 hours: orders staged, the error rate, the runs by outcome.
func hourCharts(hours []time.Time, staged []int, runs []erp.ExecutionTally) (stagedC, rateC, runsC Chart, day dayTotals) {
	n := len(hours) - 1
	axis := "hour, " + zoneName(hours[n].Location(), hours[n-1])
	stagedC = Chart{ID: "chart-staged", Title: "Orders staged per hour", Axis: axis,
		Series: []Series{{Name: "orders staged", Class: "s-accent"}}}
	rateC = Chart{ID: "chart-errors", Title: "Error rate per hour", Axis: axis, Unit: "%",
		Series: []Series{{Name: "records with errors", Class: "s-bad"}}}
	runsC = Chart{ID: "chart-runs", Title: "Runs per hour by outcome", Axis: axis}
	for _, o := range outcomeSeries {
		runsC.Series = append(runsC.Series, o.Series)
	}
	seen, errs := make([]int, n), make([]int, n)
	outcomes := make([][]float64, n)
	for i := range outcomes {
		outcomes[i] = make([]float64, len(outcomeSeries))
	}
	for _, r := range runs {
		seen[r.Window] += r.Counts.Seen
		errs[r.Window] += r.Counts.Errors
		day.Runs += r.Runs
		if r.Outcome == erp.OutcomeFailed {
			day.Failed += r.Runs
		}
		for j, o := range outcomeSeries {
			if o.Outcome == r.Outcome {
				outcomes[r.Window][j] += float64(r.Runs)
			}
		}
	}
	for i := range n {
		start := hours[i]
		label := ""
		if (n-1-i)%3 == 0 { // every third hour, counting back from the one under way
			label = start.Format("15:04")
		}
		when := hourTitle(start)
		day.Staged += staged[i]
		day.Seen += seen[i]
		day.Errors += errs[i]
		stagedC.Bars = append(stagedC.Bars, Bar{Label: label, Title: fmt.Sprintf("%s: %d staged", when, staged[i]),
			Values: []float64{float64(staged[i])}})
		rt := fmt.Sprintf("%s: no records handled", when)
		if seen[i] > 0 {
			rt = fmt.Sprintf("%s: %d of %d records with errors (%s)", when, errs[i], seen[i], errorRate(errs[i], seen[i]))
		}
		rateC.Bars = append(rateC.Bars, Bar{Label: label, Title: rt, Values: []float64{percent(errs[i], seen[i])}})
		runsC.Bars = append(runsC.Bars, Bar{Label: label, Title: when + ": " + outcomeWords(outcomes[i]), Values: outcomes[i]})
	}
	stagedC.Desc = fmt.Sprintf("%d orders staged in the last 24 hours; at most %s in an hour.", day.Staged, value(maxBar(stagedC)))
	rateC.Desc = fmt.Sprintf("%d of %d records handled in the last 24 hours had errors (%s); the worst hour %s%%.",
		day.Errors, day.Seen, day.Rate(), value(maxBar(rateC)))
	runsC.Desc = fmt.Sprintf("%d runs in the last 24 hours, %d of them failed.", day.Runs, day.Failed)
	return stagedC, rateC, runsC, day
}

// weekChart draws the runs of the last 7 days by outcome.
func weekChart(days []time.Time, runs []erp.ExecutionTally) Chart {
	n := len(days) - 1
	c := Chart{ID: "chart-week", Title: "Runs per day by outcome", Axis: "day, " + zoneName(days[n].Location(), days[n-1])}
	for _, o := range outcomeSeries {
		c.Series = append(c.Series, o.Series)
	}
	outcomes := make([][]float64, n)
	for i := range outcomes {
		outcomes[i] = make([]float64, len(outcomeSeries))
	}
	total, failed := 0, 0
	for _, r := range runs {
		total += r.Runs
		for j, o := range outcomeSeries {
			if o.Outcome == r.Outcome {
				outcomes[r.Window][j] += float64(r.Runs)
			}
		}
		if r.Outcome == erp.OutcomeFailed {
			failed += r.Runs
		}
	}
	for i := range n {
		c.Bars = append(c.Bars, Bar{Label: days[i].Format("Mon 2"), Title: days[i].Format("Mon 2006-01-02") + ": " + outcomeWords(outcomes[i]),
			Values: outcomes[i]})
	}
	c.Desc = fmt.Sprintf("%d runs in the last 7 days, %d of them failed.", total, failed)
	return c
}

// outcomeWords says a bar of runs by outcome: "12 finished, 1 failed", or "no runs".
func outcomeWords(counts []float64) string {
	out := ""
	for j, v := range counts {
		if v > 0 {
			if out != "" {
				out += ", "
			}
			out += value(v) + " " + outcomeSeries[j].Name
		}
	}
	if out == "" {
		return "no runs"
	}
	return out
}

func maxBar(c Chart) float64 {
	var m float64
	for _, b := range c.Bars {
		m = max(m, b.Total())
	}
	return m
}

func (s *Server) dashboardPage(c *echo.Context) error {
	if s.d.Overview == nil {
		return errNoService
	}
	d, err := s.dashboard(c.Request().Context(), storeOf(c))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "dashboard", "Dashboard", d)
}

// home is the portal's front page: the dashboard, or the orders where the instance has no
// dashboard.
func (s *Server) home(c *echo.Context) error {
	if s.d.Overview == nil {
		return c.Redirect(http.StatusSeeOther, "/orders")
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}
