package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/feeds"
)

// runFeed runs one feed now:
//
//	passthrough run FEED --config FILE [--since DATE] [--until DATE] [--full] [--dry-run]
//
// It exits 0 when the run FINISHED, 3 when it FINISHED_PARTIALLY (some records need a
// person), 1 when it FAILED, 2 for bad usage or configuration. With --since it is a
// backfill: it leaves the schedule's watermark alone, shows its progress, and a second
// run of the same window continues where an interrupted one stopped.
func runFeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("run needs a feed: passthrough run %s --config FILE", strings.Join(app.FeedNames, "|"))
	}
	feed := args[0]
	if !slices.Contains(app.FeedNames, feed) {
		return usagef("unknown feed %q: use %s", feed, strings.Join(app.FeedNames, ", "))
	}
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "the configuration file (required)")
	since := flags.String("since", "", "orders updated from this date (YYYY-MM-DD or RFC 3339): a backfill")
	until := flags.String("until", "", "orders updated until this date (default: now)")
	full := flags.Bool("full", false, "orders: re-fetch the last daily_days days; inventory: a full pass against what Shopify holds")
	dryRun := flags.Bool("dry-run", false, "read and map, write nothing, and list what would be written")
	verbose := flags.Bool("verbose", false, "log debug lines too")
	cfg, err := parseWithConfig(flags, args[1:], path)
	if err != nil {
		return err
	}
	req := app.RunRequest{Full: *full}
	if req.Since, err = parseDate(*since, "--since"); err != nil {
		return err
	}
	if req.Until, err = parseDate(*until, "--until"); err != nil {
		return err
	}
	if !req.Until.IsZero() && req.Since.IsZero() {
		return usagef("--until needs --since")
	}
	if !req.Until.IsZero() && !req.Until.After(req.Since) {
		return usagef("--until must be after --since")
	}

	a, err := app.New(ctx, cfg, app.Options{Logger: newLogger(stderr, *verbose), DryRun: *dryRun})
	if errors.Is(err, app.ErrNotMigrated) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	defer a.Close()
	if !req.Since.IsZero() {
		req.Progress = progressPrinter(stderr)
	}
	x, err := a.RunFeed(ctx, feed, req)
	if x.Outcome == "" && err != nil {
		return err
	}
	printExecution(stdout, x)
	if *dryRun {
		printDryRun(stdout, a.DryRun())
	}
	switch x.Outcome {
	case erp.OutcomeFinished:
		return nil
	case erp.OutcomeFinishedPartially:
		return exitCodeError{exitPartial, fmt.Errorf("%d records need a person; see the portal or the execution's problems", x.Counts.Errors)}
	default:
		return exitCodeError{exitFailed, fmt.Errorf("the run failed: %w", err)}
	}
}

// parseDate reads a date (midnight UTC) or an RFC 3339 time; empty gives the zero time.
func parseDate(s, flagName string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("%s %q is not a date (2026-01-31) or a time (2026-01-31T12:00:00Z)", flagName, s)
	}
	return t.UTC(), nil
}

func printExecution(w io.Writer, x erp.Execution) {
	c := x.Counts
	fmt.Fprintf(w, "%s %s: %s in %s — %d seen, %d written, %d skipped, %d waiting, %d errors\n",
		x.Feed, x.Trigger, x.Outcome, x.FinishedAt.Sub(x.StartedAt).Round(time.Millisecond),
		c.Seen, c.Written, c.Skipped, c.Retry, c.Errors)
	if x.Error != "" {
		fmt.Fprintf(w, "  %s\n", x.Error)
	}
}

func printDryRun(w io.Writer, would []app.DryRunRecord) {
	if len(would) == 0 {
		fmt.Fprintln(w, "dry run: nothing would be written")
		return
	}
	fmt.Fprintf(w, "dry run: %d ledger entries would be written\n", len(would))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tSHOPIFY ID\tSTATUS\tSEVERITY\tPROBLEM")
	for _, e := range would {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", e.OrderName, e.OrderID, e.Status, e.Severity, e.Problem)
	}
	tw.Flush()
}

// progressPrinter shows a backfill's progress: a bar redrawn in place on a terminal, a
// plain line per step otherwise (a log file, CI).
func progressPrinter(w io.Writer) func(feeds.OrdersProgress) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return func(p feeds.OrdersProgress) {
		pct := int(p.Fraction() * 100)
		if !tty {
			fmt.Fprintf(w, "progress: %3d%%  up to %s  %d orders\n", pct, p.Reached.Format("2006-01-02 15:04"), p.Seen)
			return
		}
		const width = 30
		done := pct * width / 100
		fmt.Fprintf(w, "\r[%s%s] %3d%%  up to %s  %d orders", strings.Repeat("#", done), strings.Repeat(".", width-done),
			pct, p.Reached.Format("2006-01-02 15:04"), p.Seen)
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}
