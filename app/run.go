package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

// Run is `passthrough serve`: it builds the application from cfg, runs the feeds on their
// schedule and the portal on its address until ctx ends, and closes what it opened.
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	a, err := New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := a.Listen()
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// OneRun is a run of one feed asked for on the command line.
type OneRun struct {
	Feed    string
	Request RunRequest // its Progress is set by RunOnce for a backfill
	// DryRun reads and maps for real, writes nothing, and lists what it would have written.
	DryRun bool
	Logger *slog.Logger
	// Out gets the run's summary (and a dry run's list); Progress a backfill's progress: a
	// bar redrawn in place on a terminal, a plain line per step otherwise.
	Out, Progress io.Writer
}

// PartialError says a run finished but some records need a person: FINISHED_PARTIALLY.
type PartialError struct{ Errors int }

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d records need a person; see the portal or the execution's problems", e.Errors)
}

// BusyError says the feed runs in another process (a `serve` replica, another `run`), which
// holds its lock.
type BusyError struct{ Holder erp.Lock }

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s of %s is running in another process: %s since %s; run again later, or wait for it with --wait DURATION",
		e.Holder.Name, e.Holder.Shop, e.Holder.Owner, e.Holder.AcquiredAt.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// RunOnce is `passthrough run`: it builds the application from cfg, runs one feed now and
// writes a line about the run. It returns nil when the run FINISHED, a *PartialError when
// it FINISHED_PARTIALLY, a *BusyError when another process runs the feed (and Request.Wait
// ran out), ErrNotMigrated when the database lacks passthrough's tables, and any other error
// when the run FAILED or could not start.
func RunOnce(ctx context.Context, cfg config.Config, r OneRun) error {
	a, err := New(ctx, cfg, Options{Logger: r.Logger, DryRun: r.DryRun})
	if err != nil {
		return err
	}
	defer a.Close()
	if !r.Request.Since.IsZero() {
		r.Request.Progress = progressPrinter(r.Progress)
	}
	x, err := a.RunFeed(ctx, r.Feed, r.Request)
	var locked *erp.LockedError
	if errors.As(err, &locked) {
		return &BusyError{Holder: locked.Holder}
	}
	if x.Outcome == "" && err != nil {
		return err
	}
	printExecution(r.Out, x)
	if r.DryRun {
		printDryRun(r.Out, a.DryRun())
	}
	switch x.Outcome {
	case erp.OutcomeFinished:
		return nil
	case erp.OutcomeFinishedPartially:
		return &PartialError{Errors: x.Counts.Errors}
	}
	if err == nil {
		err = errors.New(x.Error)
	}
	return fmt.Errorf("the run failed: %w", err)
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

func printDryRun(w io.Writer, would []DryRunRecord) {
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
			fmt.Fprintf(w, "progress: %3d%%  %d of %d orders\n", pct, p.Seen, max(p.Total, p.Seen))
			return
		}
		const width = 30
		done := pct * width / 100
		fmt.Fprintf(w, "\r[%s%s] %3d%%  %d of %d orders", strings.Repeat("#", done), strings.Repeat(".", width-done),
			pct, p.Seen, max(p.Total, p.Seen))
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}
