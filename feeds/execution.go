// Package feeds moves records between Shopify and the ERP: one file per feed (orders.go,
// shipments.go, inventory.go), each reading, mapping, writing and recording, and the
// scheduler that runs them (scheduler.go).
//
// Every run of a feed is a feed execution in the database: when it started and ended, what
// it counted, its outcome (FINISHED, FINISHED_PARTIALLY, FAILED) and the problems it found
// on single records. A problem with one record never stops the others; only a failure of
// the run itself (the database or Shopify gone) fails it, and then nothing it had not
// durably finished is counted as done.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/errclass"
)

// ExecutionStore records feed executions and their problems: the store's Executions role,
// which every feed takes.
type ExecutionStore interface {
	erp.Executions
}

// Observer hears about every finished execution (the portal's metrics).
type Observer interface {
	ExecutionFinished(e erp.Execution)
}

// execution is one run of a feed while it runs.
type execution struct {
	store ExecutionStore
	log   *slog.Logger
	now   func() time.Time
	obs   Observer
	exec  erp.Execution
	// meter counts what the run's Shopify calls cost of the store's budget, recorded with
	// its end.
	meter shopify.Meter
}

// startExecution records the start of a run. Executions of the same feed of the shop still
// marked RUNNING whose owner stopped heartbeating for a lease are from a process that died
// or lost its database: they are closed as FAILED first, ending at their last heartbeat, so
// the history never shows a run that will never end — and never closes a run another
// process is still working on. A run under a feed lock (the scheduler's, `passthrough
// run`'s) records the process and the lock, whose renewals heartbeat it. The run makes its
// Shopify calls with the context it returns, which counts what they cost of the store's
// budget.
func startExecution(ctx context.Context, store ExecutionStore, log *slog.Logger, now func() time.Time, obs Observer, feed, shop, trigger string) (context.Context, *execution, error) {
	lease, owner, token := DefaultLease, "", ""
	if h := heldFrom(ctx); h != nil {
		lease, owner, token = h.Lease(), h.Lock().Owner.String(), h.Lock().Token
	}
	closed, err := store.ExecutionCloseStale(ctx, erp.ExecutionCloseStaleParams{Shop: shop, Feeds: feedsOf(LockName(feed)), After: lease,
		Error: "interrupted: the process running it stopped (or lost its database) before the run ended"})
	if err != nil {
		return ctx, nil, fmt.Errorf("close interrupted executions: %w", err)
	}
	e, err := store.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: feed, Shop: shop, Trigger: trigger, At: now(),
		Owner: owner, LockToken: token})
	if err != nil {
		return ctx, nil, fmt.Errorf("start execution: %w", err)
	}
	// The feed's logger says the shop already (each store's parts log with their shop).
	x := &execution{store: store, now: now, obs: obs, exec: e,
		log: log.With("feed", feed, "run_id", e.ID, "trigger", trigger)}
	if closed > 0 {
		x.log.Warn("closed runs whose process stopped heartbeating as interrupted", "closed", closed)
	}
	return shopify.WithMeter(ctx, &x.meter), x, nil
}

// problem records a problem with one record and counts it by severity.
func (x *execution) problem(ctx context.Context, key string, sev passthrough.Severity, msg string) error {
	switch sev {
	case passthrough.SeverityInfo:
		x.exec.Counts.Skipped++
	case passthrough.SeverityRetry:
		x.exec.Counts.Retry++
	default:
		sev = passthrough.SeverityError
		x.exec.Counts.Errors++
	}
	x.log.Info("record problem", "record", key, "severity", sev, "problem", msg)
	err := x.store.ProblemAdd(ctx, erp.Problem{ExecutionID: x.exec.ID, Feed: x.exec.Feed, Shop: x.exec.Shop,
		RecordKey: key, Severity: sev, Message: msg, Template: errclass.Template(msg), At: x.now()})
	if err != nil {
		return fmt.Errorf("record problem: %w", err)
	}
	return nil
}

// resolved ends the open problem of a record that went through in this run.
func (x *execution) resolved(ctx context.Context, key string) error {
	_, err := x.store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: x.exec.Shop, Feed: x.exec.Feed, RecordKey: key,
		Status: erp.ProblemSucceeded, Reason: fmt.Sprintf("went through in run %d", x.exec.ID), At: x.now()})
	if err != nil {
		return fmt.Errorf("end the problem of %s: %w", key, err)
	}
	return nil
}

// resolvedUnseen ends the open problems of the feed that this run, which looked at every
// record, did not find again.
func (x *execution) resolvedUnseen(ctx context.Context) error {
	_, err := x.store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: x.exec.Shop, Feed: x.exec.Feed, SeenBefore: x.exec.StartedAt,
		Status: erp.ProblemSucceeded, Reason: fmt.Sprintf("not found again by run %d", x.exec.ID), At: x.now()})
	if err != nil {
		return fmt.Errorf("end the problems not found again: %w", err)
	}
	return nil
}

// finish records the outcome: FAILED when the run failed, FINISHED_PARTIALLY when records
// need a person, FINISHED otherwise. The record is written even when ctx has ended, so a
// run stopped by shutdown still says how it ended.
func (x *execution) finish(ctx context.Context, runErr error) (erp.Execution, error) {
	x.exec.FinishedAt = x.now()
	if h := heldFrom(ctx); h != nil && runErr != nil {
		if lost := h.Err(); lost != nil {
			// The run's work ended when it was told to stop, before another process could
			// take the lock; it is recorded so, however late it gets to say it.
			runErr = fmt.Errorf("stopped before its next write: %w (%v)", lost, runErr)
			x.exec.FinishedAt = h.LostAt()
		}
	}
	switch {
	case runErr != nil:
		x.exec.Outcome = erp.OutcomeFailed
		x.exec.Error = runErr.Error()
	case x.exec.Counts.Errors > 0:
		x.exec.Outcome = erp.OutcomeFinishedPartially
	default:
		x.exec.Outcome = erp.OutcomeFinished
	}
	x.exec.Usage = x.meter.Usage()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := x.store.ExecutionFinish(wctx, erp.ExecutionFinishParams{ID: x.exec.ID, At: x.exec.FinishedAt,
		Outcome: x.exec.Outcome, Counts: x.exec.Counts, Error: x.exec.Error, Usage: x.exec.Usage})
	if x.obs != nil {
		x.obs.ExecutionFinished(x.exec)
	}
	x.log.Info("feed run finished", "outcome", x.exec.Outcome, "seen", x.exec.Counts.Seen,
		"written", x.exec.Counts.Written, "skipped", x.exec.Counts.Skipped, "retry", x.exec.Counts.Retry,
		"errors", x.exec.Counts.Errors, "duration", x.exec.FinishedAt.Sub(x.exec.StartedAt),
		"shopify_rest_calls", x.exec.Usage.RESTCalls, "shopify_graphql_points", x.exec.Usage.GraphQLPoints,
		"shopify_budget_wait", x.exec.Usage.Wait, "shopify_rate_limited", x.exec.Usage.RateLimited, "err", runErr)
	if err != nil {
		return x.exec, errors.Join(runErr, fmt.Errorf("finish execution: %w", err))
	}
	return x.exec, runErr
}
