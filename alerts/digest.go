// Package alerts tells people, by e-mail and in their chat, what went wrong with a store
// since they were last told: new error classes, failed runs, feeds gone stale and stock
// drift, in one digest at most every 15 minutes, whichever of the deployment's processes
// sends it.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/errclass"
	"github.com/passthrough-dev/passthrough/feeds"
)

// Most of each kind a digest lists; it counts the rest.
const (
	maxClasses = 1000 // read: a digest counts them all, and lists listMax
	maxFailed  = 100
	listMax    = 20
	// staleRuns is how many of a feed's runs the stale rule looks at, as the health panel.
	staleRuns = 200
)

// Digest is what is new for a store between two moments: what one alert tells.
type Digest struct {
	Shop  string
	Since time.Time // after it
	Until time.Time // up to it
	// Classes are the error classes first seen in the window (retry and error, not info:
	// a business rule's no is nobody's problem).
	Classes []erp.ProblemClass
	// Failed are the runs that failed in the window, oldest first; FailedMore says there
	// were more than maxFailed.
	Failed     []erp.Execution
	FailedMore bool
	// Stale are the feeds that went stale in the window.
	Stale []feeds.FeedState
	// Drift is a stock check in the window that found Shopify's levels off; nil without.
	Drift *erp.InventoryCheck
	// PortalURL is the portal's address the digest links to; "" for no links.
	PortalURL string
}

// Items counts the things the digest tells.
func (d Digest) Items() int {
	n := len(d.Classes) + len(d.Failed) + len(d.Stale)
	if d.Drift != nil {
		n++
	}
	return n
}

// Empty says there is nothing to tell: nothing is sent.
func (d Digest) Empty() bool { return d.Items() == 0 }

// Source is what a digest is gathered from: the store's problems, runs and stock checks.
type Source interface {
	ProblemClassList(ctx context.Context, p erp.ProblemClassListParams) ([]erp.ProblemClass, error)
	ExecutionFailedList(ctx context.Context, p erp.ExecutionFailedListParams) ([]erp.Execution, error)
	ExecutionList(ctx context.Context, p erp.ExecutionListParams) ([]erp.Execution, error)
	InventoryCheckGet(ctx context.Context, shop string) (erp.InventoryCheck, error)
}

// Collect gathers what is new for the shop after since and up to until. expect are the
// store's scheduled feeds, for the stale rule (feeds.CheckFeed).
func Collect(ctx context.Context, src Source, shop string, expect []feeds.Expectation, since, until time.Time) (Digest, error) {
	d := Digest{Shop: shop, Since: since, Until: until}
	in := func(t time.Time) bool { return t.After(since) && !t.After(until) }

	classes, err := src.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: shop, Since: since, Limit: maxClasses})
	if err != nil {
		return d, fmt.Errorf("list new error classes: %w", err)
	}
	for _, c := range classes {
		if c.Severity != passthrough.SeverityInfo && in(c.FirstSeenAt) {
			d.Classes = append(d.Classes, c)
		}
	}

	d.Failed, err = src.ExecutionFailedList(ctx, erp.ExecutionFailedListParams{Shop: shop, Since: since, Until: until, Limit: maxFailed + 1})
	if err != nil {
		return d, fmt.Errorf("list failed runs: %w", err)
	}
	if len(d.Failed) > maxFailed {
		d.Failed, d.FailedMore = d.Failed[:maxFailed], true
	}

	for _, exp := range expect {
		runs, err := src.ExecutionList(ctx, erp.ExecutionListParams{Shop: shop, Feed: exp.Feed, Limit: staleRuns})
		if err != nil {
			return d, fmt.Errorf("list the runs of %s: %w", exp.Feed, err)
		}
		f := feeds.CheckFeed(exp, runs, until)
		// A feed without a success in all the runs looked at went stale before them, and
		// was told of then: the start of the oldest run looked at only moves on.
		if f.Stale && in(f.StaleSince) && (!f.LastSuccess.IsZero() || len(runs) < staleRuns) {
			d.Stale = append(d.Stale, f)
		}
	}

	check, err := src.InventoryCheckGet(ctx, shop)
	switch {
	case errors.Is(err, erp.ErrNotFound):
	case err != nil:
		return d, fmt.Errorf("read the stock check: %w", err)
	case len(check.Drift) > 0 && in(check.CheckedAt):
		d.Drift = &check
	}
	return d, nil
}

// Subject names the store and counts what the digest tells.
func (d Digest) Subject() string {
	var parts []string
	count := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	count(len(d.Classes), "new error class", "new error classes")
	failed := len(d.Failed)
	if d.FailedMore {
		parts = append(parts, fmt.Sprintf("over %d failed runs", failed))
	} else {
		count(failed, "failed run", "failed runs")
	}
	count(len(d.Stale), "stale feed", "stale feeds")
	if d.Drift != nil {
		count(len(d.Drift.Drift), "stock level off", "stock levels off")
	}
	return "passthrough " + d.Shop + ": " + strings.Join(parts, ", ")
}

// Text is the digest as plain text, with links to the portal's pages when its address is
// known; mark wraps a heading (the chat's bold, nothing in an e-mail).
func (d Digest) text(mark func(string) string) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	link := func(path string) {
		if u := d.link(path); u != "" {
			line("  %s", u)
		}
	}
	line("What happened to store %s from %s to %s:", d.Shop, stamp(d.Since), stamp(d.Until))
	if n := len(d.Classes); n > 0 {
		line("")
		line("%s", mark(fmt.Sprintf("New error classes (%d)", n)))
		for i, c := range d.Classes {
			if i == listMax {
				line("- and %d more", n-listMax)
				link("/problems")
				break
			}
			line("- %s, %s: %s — %s, %d open, first seen %s", c.Feed, c.Severity, c.Template, times(c.Occurrences), c.Open, stamp(c.FirstSeenAt))
			if fix := errclass.Fix(c.Feed, c.Severity, c.Template); fix != "" {
				line("  Fix: %s", fix)
			}
			link(fmt.Sprintf("/problems/%d", c.ID))
		}
	}
	if n := len(d.Failed); n > 0 {
		line("")
		if d.FailedMore {
			line("%s", mark(fmt.Sprintf("Failed runs (the first %d)", n)))
		} else {
			line("%s", mark(fmt.Sprintf("Failed runs (%d)", n)))
		}
		for i, x := range d.Failed {
			if i == listMax {
				line("- and %d more", n-listMax)
				link("/feeds")
				break
			}
			line("- %s run %d (%s) failed at %s: %s", x.Feed, x.ID, x.Trigger, stamp(x.FinishedAt), oneLine(x.Error))
			link(fmt.Sprintf("/feeds/executions/%d", x.ID))
		}
	}
	if n := len(d.Stale); n > 0 {
		line("")
		line("%s", mark(fmt.Sprintf("Stale feeds (%d): no successful run in %d intervals", n, feeds.StaleAfter)))
		for _, f := range d.Stale {
			if f.LastSuccess.IsZero() {
				line("- %s: no successful run yet (runs every %s; its last run: %s)", f.Feed, f.Every, strings.ToLower(f.LastOutcome))
			} else {
				line("- %s: last successful run at %s (runs every %s)", f.Feed, stamp(f.LastSuccess), f.Every)
			}
		}
		link("/feeds")
	}
	if c := d.Drift; c != nil {
		line("")
		line("%s", mark(fmt.Sprintf("Stock drift: %d of %d levels off at the check of %s", len(c.Drift), c.Levels, stamp(c.CheckedAt))))
		for i, r := range c.Drift {
			if i == listMax {
				line("- and %d more", len(c.Drift)-listMax)
				break
			}
			line("- %s at location %d: Shopify holds %d, the ERP says %d (%+d)", r.SKU, r.LocationID, r.Shopify, r.ERP, r.Shopify-r.ERP)
		}
		link("/stock")
	}
	return b.String()
}

// link is the portal's page at path, for the digest's store; "" without the portal's
// address.
func (d Digest) link(path string) string {
	if d.PortalURL == "" {
		return ""
	}
	return strings.TrimSuffix(d.PortalURL, "/") + path + "?store=" + url.QueryEscape(d.Shop)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// oneLine keeps the first line of a run's error, cut to 300 characters.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:299]) + "…"
	}
	return s
}
