package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/app"
)

// runFeed runs one feed now:
//
//	passthrough run FEED --config FILE [--store SHOP] [--since DATE] [--until DATE] [--full] [--dry-run] [--wait DURATION] [--force]
//
// It exits 0 when the run FINISHED, 3 when it FINISHED_PARTIALLY (some records need a
// person), 1 when it FAILED or the feed runs in another process (which it names; --wait
// waits for it), 2 for bad usage or configuration, and for the inventory feed of a store
// whose stock sync is off (--force runs it anyway). With --since it is a backfill: it
// leaves the schedule's watermark alone, shows its progress, and a second run of the same
// window continues where an interrupted one stopped.
func runFeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("run needs a feed: passthrough run %s --config FILE", strings.Join(app.FeedNames, "|"))
	}
	r := app.OneRun{Feed: args[0], Out: stdout, Progress: stderr}
	if !slices.Contains(app.FeedNames, r.Feed) {
		return usagef("unknown feed %q: use %s", r.Feed, strings.Join(app.FeedNames, ", "))
	}
	flags := flag.NewFlagSet("run", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "the configuration file (required)")
	since := flags.String("since", "", "orders updated from this date (YYYY-MM-DD or RFC 3339): a backfill")
	until := flags.String("until", "", "orders updated until this date (default: now)")
	flags.BoolVar(&r.Request.Full, "full", false, "orders: re-fetch the last daily_days days; inventory: a full pass against what Shopify holds")
	flags.BoolVar(&r.DryRun, "dry-run", false, "read and map, write nothing, and list what would be written")
	flags.StringVar(&r.Request.Shop, "store", "", "the store (its shop name); needed when the configuration has several")
	flags.DurationVar(&r.Request.Wait, "wait", 0, "while another process runs the feed, wait this long for it (e.g. 5m) instead of exiting 1")
	flags.BoolVar(&r.Request.Force, "force", false, "inventory: run although feeds.inventory.mode is off")
	verbose := flags.Bool("verbose", false, "log debug lines too")
	cfg, err := parseWithConfig(flags, args[1:], path)
	if err != nil {
		return err
	}
	if r.Request.Since, err = parseDate(*since, "--since"); err != nil {
		return err
	}
	if r.Request.Until, err = parseDate(*until, "--until"); err != nil {
		return err
	}
	if !r.Request.Until.IsZero() && r.Request.Since.IsZero() {
		return usagef("--until needs --since")
	}
	if !r.Request.Until.IsZero() && !r.Request.Until.After(r.Request.Since) {
		return usagef("--until must be after --since")
	}
	if r.Request.Wait < 0 {
		return usagef("--wait must not be negative")
	}
	r.Logger = newLogger(stderr, *verbose)

	err = app.RunOnce(ctx, cfg, r)
	var partial *app.PartialError
	switch {
	case errors.Is(err, app.ErrNotMigrated), errors.Is(err, app.ErrUnknownStore), errors.Is(err, app.ErrFeedOff):
		return usageError{err}
	case errors.As(err, &partial):
		return exitCodeError{exitPartial, err}
	}
	return err
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
