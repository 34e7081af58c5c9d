package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// FeedOrders is the orders feed's name in executions, watermarks and the scheduler.
const FeedOrders = "orders"

// OrderSource is where orders come from: Shopify. The shop's settings give its time zone;
// locations and fulfillment orders say which lines the ERP ships, when the store names its
// locations.
type OrderSource interface {
	OrderPages(ctx context.Context, q shopify.OrderQuery, fn func(shopify.OrderPage) error) error
	OrderCount(ctx context.Context, q shopify.OrderQuery) (int, error)
	Order(ctx context.Context, id int64) (record.RawOrder, error)
	ShopInfo(ctx context.Context) (*record.Shop, error)
	Locations(ctx context.Context) (shopify.Locations, error)
	FulfillmentOrders(ctx context.Context, orderID int64) ([]shopify.FulfillmentOrder, error)
}

// OrderStore is what the orders feed does with the ERP database: it keeps the ledger, stages
// orders, and keeps its watermark and a backfill's progress.
type OrderStore interface {
	ExecutionStore
	erp.Ledger
	OrderStage(ctx context.Context, p erp.OrderStageParams) error
	OrderHeaderUpdate(ctx context.Context, p erp.OrderHeaderUpdateParams) error
	RefundStage(ctx context.Context, p erp.RefundStageParams) error
	OrderRefundIDs(ctx context.Context, shop string, orderID int64) ([]int64, error)
	CompletenessPut(ctx context.Context, days []erp.CompletenessDay) error
	OrderStagedGet(ctx context.Context, p erp.OrderStagedGetParams) (*passthrough.OrderRows, error)
	WatermarkGet(ctx context.Context, shop, feed string) (time.Time, error)
	WatermarkSet(ctx context.Context, shop, feed string, at time.Time) error
	SettingGet(ctx context.Context, key string) (string, error)
	SettingSet(ctx context.Context, key, value string) error
}

// Orders pulls orders from Shopify into the ERP's staging tables.
//
// A run reads every order updated in a window — from the stored watermark minus an overlap,
// with no end — in one walk of Shopify's list, page by page in id order, maps each with the
// current orders mapping and stages it (header and lines in one transaction, with its
// ledger entry). The walk costs one call per 250 orders however long ago the window starts.
// The watermark moves only when the walk is done, to Shopify's own clock when it answered the
// first page: every order updated before that was in the walk, whatever our clock says. A
// crash repeats the window, and staging is idempotent, so nothing is lost or doubled; a
// backfill also remembers the last id it handled, and continues after it.
type Orders struct {
	Shop     string
	Source   OrderSource
	Store    OrderStore
	Mappings func() *mapping.Set // the current mappings; they may change while we run
	Log      *slog.Logger
	Now      func() time.Time
	Observer Observer
	// Overlap is how far before the watermark a run starts again (default 2 minutes).
	Overlap time.Duration
	// FirstLookback is how far back the very first run looks (default 7 days).
	FirstLookback time.Duration
	// TimeZone is the shop's time zone (an IANA name) when the configuration gives one;
	// empty reads it from Shopify (see Zone).
	TimeZone string
	// Locations, when set, are the Shopify locations (by name or id) the ERP ships from:
	// only the lines of an order assigned to one of them are staged.
	Locations []string
	// reprocess is set when the mapping changed: the next run first maps the failed
	// orders again.
	reprocess atomic.Bool

	shop shopState // the shop's time zone and locations, as read

	// locks keep one order to one goroutine at a time in this process: a run and a
	// webhook (Handle) may meet the same order at the same moment.
	locks        orderLocks
	defaultsOnce sync.Once
}

// OrdersRun says what one run covers.
type OrdersRun struct {
	// Since and Until bound the window on updated_at; a zero Since means from the watermark
	// (minus the overlap), a zero Until (or one still to come) means up to whatever Shopify
	// holds. A run with Since set does not move the watermark.
	Since, Until time.Time
	// Resume makes a run with Since (a backfill) continue after the last order an earlier,
	// interrupted run of the same window handled. A finished one runs whole again.
	Resume bool
	// Progress, when set, hears how far the run has come after every page.
	Progress func(OrdersProgress)
}

// OrdersProgress is how far a run has come.
type OrdersProgress struct {
	Seen  int // orders read so far
	Total int // orders in the window when the run started
	Done  bool
}

// Fraction is the part of the window covered, from 0 to 1.
func (p OrdersProgress) Fraction() float64 {
	if p.Done || p.Total <= 0 {
		return 1
	}
	return min(1, float64(p.Seen)/float64(p.Total))
}

// Run runs the feed once and returns its execution.
func (f *Orders) Run(ctx context.Context, r OrdersRun) (erp.Execution, error) {
	f.defaults()
	ctx, x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedOrders, f.Shop, TriggerFrom(ctx))
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.run(ctx, x, r))
}

// defaults fills what was left zero, once: a run and webhooks may use the feed at once.
func (f *Orders) defaults() { f.defaultsOnce.Do(f.setDefaults) }

func (f *Orders) setDefaults() {
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Overlap == 0 {
		f.Overlap = 2 * time.Minute
	}
	if f.FirstLookback == 0 {
		f.FirstLookback = 7 * 24 * time.Hour
	}
}

// backfillDone is the progress a finished backfill leaves: asked again, it runs whole.
const backfillDone = "done"

func (f *Orders) run(ctx context.Context, x *execution, r OrdersRun) error {
	set := f.Mappings()
	if set == nil || set.Orders == nil {
		return errors.New("no orders mapping: orders.yaml is missing or does not compile")
	}
	f.Zone(ctx)
	if f.reprocess.Swap(false) {
		n, err := f.reprocessFailed(ctx, x.exec.ID)
		if err != nil {
			f.reprocess.Store(true)
			return fmt.Errorf("map failed orders again: %w", err)
		}
		x.log.Info("mapped failed orders again after a mapping change", "orders", n)
	}
	now := f.Now().UTC()
	q := shopify.OrderQuery{UpdatedAtMin: r.Since, UpdatedAtMax: r.Until}
	if q.UpdatedAtMax.After(now) {
		q.UpdatedAtMax = time.Time{}
	}
	moveWatermark := r.Since.IsZero()
	if moveWatermark {
		wm, err := f.Store.WatermarkGet(ctx, f.Shop, FeedOrders)
		switch {
		case errors.Is(err, erp.ErrNotFound):
			q.UpdatedAtMin = now.Add(-f.FirstLookback)
		case err != nil:
			return fmt.Errorf("read watermark: %w", err)
		default:
			q.UpdatedAtMin = wm.Add(-f.Overlap)
		}
	}
	progressKey := ""
	if r.Resume && !moveWatermark {
		progressKey = backfillKey(f.Shop, q)
		if v, err := f.Store.SettingGet(ctx, progressKey); err == nil && v != backfillDone {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
				x.log.Info("resuming backfill", "after_order_id", id)
				q.AfterID = id
			}
		}
	}
	p := OrdersProgress{}
	if r.Progress != nil {
		n, err := f.Source.OrderCount(ctx, q)
		if err != nil {
			return err
		}
		p.Total = n
	}

	// Pages come in id order (since_id), so the last id handled is a point to continue from.
	// Checked rather than trusted: should a page come out of order, progress is no longer
	// saved, and an interrupted run starts the window again.
	last, inOrder := q.AfterID, true
	var shopNow time.Time
	err := f.Source.OrderPages(ctx, q, func(pg shopify.OrderPage) error {
		if shopNow.IsZero() {
			shopNow = pg.At
		}
		for _, o := range pg.Orders {
			// Stop between orders, never inside one.
			if err := ctx.Err(); err != nil {
				return err
			}
			x.exec.Counts.Seen++
			out, err := f.handle(ctx, o, x.exec.ID, "")
			if err != nil {
				return err
			}
			if err := x.count(ctx, out); err != nil {
				return err
			}
			if o.ID != 0 {
				if o.ID <= last && inOrder {
					inOrder = false
					x.log.Warn("Shopify's orders came out of id order; an interrupted backfill will start again", "order_id", o.ID, "after", last)
				}
				last = max(last, o.ID)
			}
		}
		if progressKey != "" && inOrder && last > 0 {
			if err := f.Store.SettingSet(ctx, progressKey, strconv.FormatInt(last, 10)); err != nil {
				return fmt.Errorf("save backfill progress: %w", err)
			}
		}
		p.Seen = x.exec.Counts.Seen
		if r.Progress != nil {
			r.Progress(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pull orders updated since %s: %w", q.UpdatedAtMin.Format(time.RFC3339), err)
	}
	if moveWatermark {
		mark := shopNow
		if mark.IsZero() {
			mark = now
		}
		if err := f.Store.WatermarkSet(ctx, f.Shop, FeedOrders, mark); err != nil {
			return fmt.Errorf("move watermark: %w", err)
		}
	}
	if progressKey != "" {
		if err := f.Store.SettingSet(ctx, progressKey, backfillDone); err != nil {
			return fmt.Errorf("save backfill progress: %w", err)
		}
	}
	p.Done, p.Seen = true, x.exec.Counts.Seen
	if r.Progress != nil {
		r.Progress(p)
	}
	return nil
}

// backfillKey names a backfill's window in the settings, where its progress is kept: the
// same --since and --until give the same key, however often they are run.
func backfillKey(shop string, q shopify.OrderQuery) string {
	until := "open"
	if !q.UpdatedAtMax.IsZero() {
		until = q.UpdatedAtMax.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("orders.backfill:%s:%s:%s", shop, q.UpdatedAtMin.UTC().Format(time.RFC3339), until)
}

// outcome is what happened to one order.
type outcome struct {
	key      string
	written  bool
	severity passthrough.Severity // empty when all went well
	problem  string
	// hadProblem says the order had a problem (retry or error) before: one that ends when
	// the order now goes through.
	hadProblem bool
}

func (x *execution) count(ctx context.Context, o outcome) error {
	if o.written {
		x.exec.Counts.Written++
	}
	if o.severity == "" {
		if o.hadProblem {
			return x.resolved(ctx, o.key)
		}
		return nil
	}
	return x.problem(ctx, o.key, o.severity, o.problem)
}

// handle maps and stages one order, for the feed run runID or the operator actor. It returns
// an error only for failures of the run itself (database, context, Shopify); everything wrong
// with the order is its outcome.
//
// An order not yet staged is staged when the mapping takes it: its rows account for the
// refunds it already has (they are recorded as absorbed). An order already staged is staged
// again only while the ERP has not imported it, and only when Shopify changed what the ERP was
// given (lines, quantities, prices, addresses, totals: the order's print) or the mapping now
// makes other rows of it. Refunds that come after staging go to the refunds table, once each,
// imported or not. A problem with a staged order never takes its status away: the ledger keeps
// saying staged, as the tables do, and adds the problem.
func (f *Orders) handle(ctx context.Context, o record.RawOrder, runID int64, actor string) (outcome, error) {
	out := outcome{key: strconv.FormatInt(o.ID, 10)}
	defer f.locks.lock(o.ID)()
	prev, err := f.Store.LedgerGet(ctx, f.Shop, o.ID)
	switch {
	case errors.Is(err, erp.ErrNotFound):
		prev = ledger.Entry{}
	case err != nil:
		return out, fmt.Errorf("read ledger of order %d: %w", o.ID, err)
	}
	if prev.Status == ledger.StatusExcluded && actor == "" {
		return out, nil // an operator excluded it; only an operator's Retry takes it back
	}
	if !o.UpdatedAt.IsZero() && o.UpdatedAt.Before(prev.ShopifyUpdatedAt) {
		return out, nil // an older version than the one handled (a late webhook, a run's page read before it)
	}
	out.hadProblem = prev.Severity == passthrough.SeverityError || prev.Severity == passthrough.SeverityRetry

	e := prev
	e.Shop, e.OrderID, e.Payload, e.ShopifyUpdatedAt = f.Shop, o.ID, validUTF8(o.Raw), o.UpdatedAt.UTC()
	e.RunID, e.Actor = runID, actor
	if e.OrderName == "" {
		e.OrderName = o.Name
	}
	if o.ID == 0 {
		// No id, no ledger entry to keep the problem on: it goes on the run's record only,
		// under the order's name when it has one, and the rest of the page goes on.
		out.key = o.Name
		if out.key == "" {
			out.key = "an order without an id"
		}
		out.severity, out.problem = passthrough.SeverityError, "cannot read the order Shopify sent: "+errText(o.Err)
		return out, nil
	}
	if o.Err != nil {
		if prev.Status.InStaging() {
			e.Status, e.Payload = prev.Status, prev.Payload
			return f.note(ctx, prev, e, out, passthrough.SeverityError, "changed in Shopify, but the new version cannot be read ("+o.Err.Error()+"); the staged rows are left as they were")
		}
		return f.reject(ctx, prev, e, out, passthrough.SeverityError, "cannot read the order Shopify sent: "+o.Err.Error())
	}
	order := o.Order
	describe(&e, order)

	m := f.Mappings().Orders
	in := f.input(order)
	if prev.Status.InStaging() {
		if order.CancelledAt != nil {
			return f.cancel(ctx, m, in, prev, e, out)
		}
		return f.handleStaged(ctx, m, in, prev, e, out)
	}
	e.PayloadHash = printOf(order, m.Version()).String()
	if len(f.Locations) > 0 && actor == "" && prev.Status == ledger.StatusSkipped && prev.PayloadHash == e.PayloadHash &&
		prev.ShopifyUpdatedAt.Equal(e.ShopifyUpdatedAt) {
		// The same version of the order, the same mapping: the same answer, without reading
		// its fulfillment orders again.
		return f.reject(ctx, prev, e, out, prev.Severity, prev.Problem)
	}
	res, lineNote, err := f.mapOrder(ctx, m, in)
	if err != nil {
		sev, ok := passthrough.SeverityOf(err)
		if !ok {
			return out, err // Shopify did not answer (fulfillment orders)
		}
		return f.reject(ctx, prev, e, out, sev, err.Error())
	}
	return f.stage(ctx, m, res, prev, e, out, order, lineNote)
}

// input is what the mapping gets for an order.
func (f *Orders) input(o *record.Order) mapping.OrderInput {
	return mapping.OrderInput{Shop: f.Shop, Order: o, Now: f.Now().UTC(), TimeZone: f.ZoneName()}
}

// mapOrder maps an order, keeping to the ERP's locations when the store names them: an
// order the mapping takes costs one read of its fulfillment orders then, and the lines
// assigned elsewhere are left out (and said so in lineNote). A rejection is a
// *passthrough.RecordError; any other error is Shopify's.
func (f *Orders) mapOrder(ctx context.Context, m *mapping.Orders, in mapping.OrderInput) (*passthrough.OrderRows, string, error) {
	res, err := m.Map(in)
	if err != nil || len(f.Locations) == 0 {
		return res, "", err
	}
	only, elsewhere, err := f.ourLines(ctx, in.Order)
	if err != nil || len(elsewhere) == 0 {
		return res, "", err
	}
	in.Only = only
	res, err = m.Map(in)
	return res, elsewhere, err
}

// handleStaged handles a new version of an order already in the staging tables.
func (f *Orders) handleStaged(ctx context.Context, m *mapping.Orders, in mapping.OrderInput, prev, e ledger.Entry, out outcome) (outcome, error) {
	order := in.Order
	before, known := parsePrint(prev.PayloadHash)
	now := printOf(order, m.Version())
	imported := prev.ImportStatus != ""
	shopifyChanged := !known || !before.sameOrder(now)
	if !imported && (shopifyChanged || now.mapping != before.mapping) {
		// Staged again, whole: the new rows account for every refund the order has.
		res, lineNote, err := f.mapOrder(ctx, m, in)
		if err != nil {
			sev, ok := passthrough.SeverityOf(err)
			if !ok {
				return out, err
			}
			// The ERP has the rows of an earlier version; leave them and say why.
			e.Status, e.Payload, e.PayloadHash = prev.Status, prev.Payload, prev.PayloadHash
			return f.note(ctx, prev, e, out, sev,
				"changed in Shopify, and the new version is not for import ("+err.Error()+"); the staged rows are left as they were")
		}
		e.PayloadHash = now.String()
		return f.stage(ctx, m, res, prev, e, out, order, lineNote)
	}
	// Nothing to stage again: the rows are the ERP's as they are. Refunds still go through.
	e.Status, e.Payload = prev.Status, prev.Payload
	switch {
	case !known:
		// Written before prints had parts: what Shopify sent then is not known, so this
		// version is taken as the one the ERP has rather than cried wolf over.
		e.PayloadHash = now.String()
	case shopifyChanged && imported && e.Actor != "":
		// An operator retried after changing the order in the ERP: this version is the ERP's now.
		now.mapping = before.mapping
		e.PayloadHash = now.String()
		e.Problem = "the change in Shopify was accepted by " + e.Actor
	default:
		e.PayloadHash = prev.PayloadHash
	}
	sev, msg := passthrough.Severity(""), ""
	if known && shopifyChanged && imported && e.Actor == "" {
		sev, msg = passthrough.SeverityError, "edited in Shopify after the ERP imported it"+erpNo(prev)+": "+before.changes(now)+
			" changed; change the order in the ERP, then Retry it here"
	}
	return f.refundsAfterStaging(ctx, m, in, prev, e, out, sev, msg)
}

// stage writes an order's rows with its ledger entry, absorbing the refunds it has.
func (f *Orders) stage(ctx context.Context, m *mapping.Orders, res *passthrough.OrderRows, prev, e ledger.Entry, out outcome, order *record.Order, lineNote string) (outcome, error) {
	wasStaged := prev.Status.InStaging()
	e.Status, e.Severity, e.Problem = ledger.StatusStaged, "", ""
	if lineNote != "" {
		e.Severity, e.Problem = passthrough.SeverityInfo, lineNote
	}
	refunds := erp.OrderRefunds{Table: m.Refunds()}
	for _, r := range order.Refunds {
		refunds.IDs = append(refunds.IDs, r.ID)
	}
	err := f.write(ctx, func(ctx context.Context) error {
		return f.Store.OrderStage(ctx, erp.OrderStageParams{OrderRows: *res, Ledger: e, Refunds: refunds})
	})
	switch {
	case errors.Is(err, erp.ErrImported) && !wasStaged:
		// A header the ERP has imported, for an order the ledger did not have staged (its
		// ledger was lost, or another install staged it): the tables say staged, so does the
		// ledger now, taking this version as the ERP's.
		e.Status = ledger.StatusStaged
		return f.note(ctx, prev, e, out, passthrough.SeverityInfo, "the ERP had imported this order already when passthrough saw it")
	case errors.Is(err, erp.ErrImported):
		// The ERP imported it since we looked: what Shopify changed is for a person.
		e.Status, e.Payload, e.PayloadHash = prev.Status, prev.Payload, prev.PayloadHash
		before, known := parsePrint(prev.PayloadHash)
		now := printOf(order, m.Version())
		if !known || before.sameOrder(now) {
			return f.refundsAfterStaging(ctx, m, f.input(order), prev, e, out, "", "")
		}
		return f.note(ctx, prev, e, out, passthrough.SeverityError,
			"edited in Shopify after the ERP imported it"+erpNo(prev)+": "+before.changes(now)+
				" changed; change the order in the ERP, then Retry it here")
	case errors.Is(err, erp.ErrInvalidValue) || errors.Is(err, erp.ErrUnknownColumn):
		msg := "the ERP refused the rows: " + err.Error()
		if wasStaged {
			// The rows of the version staged before are still there: the order stays staged.
			e.Status, e.Payload, e.PayloadHash = prev.Status, prev.Payload, prev.PayloadHash
			return f.note(ctx, prev, e, out, passthrough.SeverityError,
				"changed, but the new rows cannot be staged ("+msg+"); the rows staged before are left as they were")
		}
		return f.reject(ctx, prev, e, out, passthrough.SeverityError, msg)
	case errors.Is(err, erp.ErrOutdated):
		// Another process (a webhook, a run) staged a newer version since the ledger was
		// read: that one stands, and this one is nothing new.
		return out, nil
	case err != nil:
		return out, fmt.Errorf("stage order %d: %w", e.OrderID, err)
	}
	out.written = true
	out.severity, out.problem = e.Severity, e.Problem
	return out, nil
}

// refundsAfterStaging stages the refunds of a staged order that came after it was staged,
// each once, and settles what the ledger says about the order: the problem found (sev, msg),
// a refund that cannot be staged, or none, which clears a problem that no longer holds.
func (f *Orders) refundsAfterStaging(ctx context.Context, m *mapping.Orders, in mapping.OrderInput, prev, e ledger.Entry, out outcome, sev passthrough.Severity, msg string) (outcome, error) {
	if m.Refunds().Name != "" && len(in.Order.Refunds) > 0 {
		done, err := f.Store.OrderRefundIDs(ctx, f.Shop, e.OrderID)
		if err != nil {
			return out, fmt.Errorf("read refunds of order %d: %w", e.OrderID, err)
		}
		for _, r := range in.Order.Refunds {
			if slices.Contains(done, r.ID) || r.ID == 0 {
				continue
			}
			rows, err := m.Refund(in, r)
			if err != nil {
				if sev == "" || sev == passthrough.SeverityInfo {
					sev, msg = passthrough.SeverityError, fmt.Sprintf("refund %d cannot be staged: %v", r.ID, err)
				}
				continue
			}
			staged := e
			staged.Severity, staged.Problem = "", ""
			err = f.write(ctx, func(ctx context.Context) error {
				return f.Store.RefundStage(ctx, erp.RefundStageParams{Table: m.Refunds(), Rows: rows, Shop: f.Shop,
					OrderID: e.OrderID, RefundID: r.ID, Ledger: staged})
			})
			switch {
			case errors.Is(err, erp.ErrDuplicate):
				// Staged by another process a moment ago.
			case errors.Is(err, erp.ErrInvalidValue) || errors.Is(err, erp.ErrUnknownColumn):
				if sev == "" || sev == passthrough.SeverityInfo {
					sev, msg = passthrough.SeverityError, fmt.Sprintf("refund %d cannot be staged: the ERP refused the rows: %v", r.ID, err)
				}
			case err != nil:
				return out, fmt.Errorf("stage refund %d of order %d: %w", r.ID, e.OrderID, err)
			default:
				out.written = true
				prev = staged // what the ledger says now
			}
		}
	}
	if sev != "" {
		return f.note(ctx, prev, e, out, sev, msg)
	}
	// Nothing is wrong now: a problem that no longer holds is cleared. A note (severity
	// info: lines left to other locations) stays as long as it holds.
	if prev.Severity != passthrough.SeverityInfo || e.Problem != prev.Problem {
		e.Severity = ""
		if e.Problem == prev.Problem {
			e.Problem = ""
		}
	}
	if e.Severity == prev.Severity && e.Problem == prev.Problem && e.PayloadHash == prev.PayloadHash &&
		!e.ShopifyUpdatedAt.After(prev.ShopifyUpdatedAt) {
		return out, nil // nothing the ERP would see has changed, and nothing to say
	}
	// A problem that no longer holds is cleared; a newer version seen is noted.
	err := f.write(ctx, func(ctx context.Context) error { return f.Store.LedgerPut(ctx, e) })
	if err != nil {
		return out, fmt.Errorf("record order %d: %w", e.OrderID, err)
	}
	return out, nil
}

// cancel handles an order cancelled in Shopify after it was staged.
func (f *Orders) cancel(ctx context.Context, m *mapping.Orders, in mapping.OrderInput, prev, e ledger.Entry, out outcome) (outcome, error) {
	e.Payload, e.PayloadHash = prev.Payload, prev.PayloadHash
	if prev.Status == ledger.StatusCancelled {
		return out, nil
	}
	row, err := m.Cancel(in)
	if err != nil {
		e.Status = prev.Status
		return f.note(ctx, prev, e, out, passthrough.SeverityError, "cancelled in Shopify, but the cancel columns cannot be mapped: "+err.Error())
	}
	e.Status, e.Severity, e.Problem = ledger.StatusCancelled, passthrough.SeverityInfo, "cancelled in Shopify after staging; the staged header says so"
	err = f.write(ctx, func(ctx context.Context) error {
		return f.Store.OrderHeaderUpdate(ctx, erp.OrderHeaderUpdateParams{Header: m.Header(), Row: row, Ledger: e})
	})
	switch {
	case errors.Is(err, erp.ErrImported):
		e.Status = prev.Status
		return f.note(ctx, prev, e, out, passthrough.SeverityError,
			"cancelled in Shopify after the ERP imported it"+erpNo(prev)+": cancel the order in the ERP")
	case errors.Is(err, erp.ErrNotFound):
		// The staged header is gone (the ERP cleaned up after import): nothing to update.
		e.Status = ledger.StatusCancelled
		return f.note(ctx, prev, e, out, passthrough.SeverityInfo, "cancelled in Shopify; its staged header is no longer there")
	case errors.Is(err, erp.ErrInvalidValue) || errors.Is(err, erp.ErrUnknownColumn):
		e.Status = prev.Status
		return f.note(ctx, prev, e, out, passthrough.SeverityError, "cancelled in Shopify, but the ERP refused the cancel columns: "+err.Error())
	case err != nil:
		return out, fmt.Errorf("cancel order %d: %w", in.Order.ID, err)
	}
	out.written = true
	out.severity, out.problem = passthrough.SeverityInfo, e.Problem
	return out, nil
}

// reject records an order that is not staged, with the status its severity gives.
func (f *Orders) reject(ctx context.Context, prev, e ledger.Entry, out outcome, sev passthrough.Severity, msg string) (outcome, error) {
	e.Status = ledger.StatusFor(sev)
	return f.note(ctx, prev, e, out, sev, msg)
}

// note writes a ledger entry with a problem, unless the ledger already says exactly that
// about this version of the order: orders come round again in the overlap of the next run,
// and an unchanged verdict is not news.
func (f *Orders) note(ctx context.Context, prev, e ledger.Entry, out outcome, sev passthrough.Severity, msg string) (outcome, error) {
	e.Severity, e.Problem = sev, msg
	out.severity, out.problem = sev, msg
	if prev.Status == e.Status && prev.Severity == e.Severity && prev.Problem == e.Problem &&
		prev.ShopifyUpdatedAt.Equal(e.ShopifyUpdatedAt) {
		return out, nil
	}
	e.Attempts = prev.Attempts + 1
	err := f.write(ctx, func(ctx context.Context) error { return f.Store.LedgerPut(ctx, e) })
	if errors.Is(err, erp.ErrInvalidValue) {
		// What the order says about itself does not fit the ledger (a total beyond its
		// precision, a name longer than its column): keep the entry, and the problem,
		// without the description, rather than stop the run on this order every time.
		e.OrderName, e.CustomerName, e.CustomerEmail, e.Currency, e.Total = "", "", "", "", decimal.Zero
		e.Problem = msg + "; the order's name, customer or total do not fit the ledger (" + err.Error() + ")"
		out.problem = e.Problem
		err = f.write(ctx, func(ctx context.Context) error { return f.Store.LedgerPut(ctx, e) })
	}
	if err != nil {
		return out, fmt.Errorf("record order %d: %w", e.OrderID, err)
	}
	return out, nil
}

// write runs one order's database work to its end even when ctx is cancelled (a shutdown
// lets the current order finish), retrying passing failures (a locked row, a deadlock)
// with backoff before giving up on the run.
func (f *Orders) write(ctx context.Context, fn func(context.Context) error) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn(wctx)
		if err == nil || !errors.Is(err, erp.ErrRetryable) || attempt == 4 {
			return err
		}
		f.Log.Warn("database busy, trying the order again", "attempt", attempt, "err", err)
		select {
		case <-time.After(delay + rand.N(delay)):
		case <-wctx.Done():
			return err
		}
		delay *= 2
	}
}

// Retried is what an operator's Retry of an order came to.
type Retried struct {
	// Entry is the order's ledger entry after the retry.
	Entry ledger.Entry
	// Wrote says the retry wrote to the ERP's tables: the order was staged (again), or a
	// refund or its cancellation went there. False when the tables were left as they were.
	Wrote bool
	// Changed says the retry changed the ledger entry. When nothing changed, the order's
	// history still says that the operator retried it.
	Changed bool
}

// Retry handles one order again now, fetched afresh from Shopify, for the operator user (the
// portal's Retry). It takes back an operator's exclusion (Skip). An order that now goes
// through has its problem ended; one the retry did not change gets a history event saying
// it was retried. erp.ErrNotFound for an order the ledger does not know; a
// *passthrough.RecordError for one there is nothing to retry of (cancelled after staging).
func (f *Orders) Retry(ctx context.Context, orderID int64, user string) (Retried, error) {
	f.defaults()
	prev, err := f.Store.LedgerGet(ctx, f.Shop, orderID)
	if err != nil {
		return Retried{}, fmt.Errorf("read ledger of order %d: %w", orderID, err)
	}
	if !prev.Retriable() {
		return Retried{Entry: prev}, passthrough.Reject(passthrough.SeverityInfo,
			"order %s was cancelled after staging, and the staged header says so; there is nothing to retry", prev.OrderName)
	}
	f.Zone(ctx)
	o, err := f.Source.Order(ctx, orderID)
	if err != nil {
		return Retried{}, fmt.Errorf("fetch order %d: %w", orderID, err)
	}
	out, err := f.handle(ctx, o, 0, user)
	if err != nil {
		return Retried{}, err
	}
	after, err := f.Store.LedgerGet(ctx, f.Shop, orderID)
	if err != nil {
		return Retried{}, fmt.Errorf("read ledger of order %d: %w", orderID, err)
	}
	r := Retried{Entry: after, Wrote: out.written, Changed: !after.UpdatedAt.Equal(prev.UpdatedAt)}
	if !r.Changed {
		msg := "retried by " + user + "; nothing changed"
		if after.Problem != "" {
			msg += ": " + after.Problem
		}
		err := f.Store.LedgerEventAdd(ctx, ledger.Event{Shop: f.Shop, OrderID: orderID, Status: after.Status, Severity: after.Severity,
			Message: msg, Actor: user})
		if err != nil {
			return r, fmt.Errorf("record the retry of order %d: %w", orderID, err)
		}
	}
	if !after.Resolvable() {
		_, err := f.Store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: f.Shop, Feed: FeedOrders, RecordKey: strconv.FormatInt(orderID, 10),
			Status: erp.ProblemSucceeded, By: user, Reason: "went through when " + user + " retried it"})
		if err != nil {
			return r, fmt.Errorf("end the problem of order %d: %w", orderID, err)
		}
	}
	return r, nil
}

// Skip excludes an order from import, by user, with the reason given; runs leave it alone
// until an operator retries it. Its problem ends, resolved by user. A
// *passthrough.RecordError when it cannot be skipped: it is staged, or skipped already.
func (f *Orders) Skip(ctx context.Context, orderID int64, user, reason string) error {
	f.defaults()
	e, err := f.Store.LedgerGet(ctx, f.Shop, orderID)
	if err != nil {
		return fmt.Errorf("read ledger of order %d: %w", orderID, err)
	}
	switch {
	case e.Status.InStaging():
		return passthrough.Reject(passthrough.SeverityInfo, "order %s is already staged; cancel it in the ERP instead", e.OrderName)
	case !e.Skippable():
		return passthrough.Reject(passthrough.SeverityInfo, "order %s is skipped already", e.OrderName)
	}
	e.Exclude(user, reason)
	if err := f.Store.LedgerPut(ctx, e); err != nil {
		return fmt.Errorf("record order %d: %w", orderID, err)
	}
	return f.endProblem(ctx, orderID, user, "skipped: "+reason)
}

// Resolve is a person's answer to the order's problem, with the reason: it was dealt with
// outside passthrough (ledger.Entry.Resolve). The order's problem ends, resolved by user. A
// *passthrough.RecordError when the order has no problem to resolve.
func (f *Orders) Resolve(ctx context.Context, orderID int64, user, reason string) error {
	f.defaults()
	e, err := f.Store.LedgerGet(ctx, f.Shop, orderID)
	if err != nil {
		return fmt.Errorf("read ledger of order %d: %w", orderID, err)
	}
	if !e.Resolvable() {
		return passthrough.Reject(passthrough.SeverityInfo, "order %s has no problem to resolve", e.OrderName)
	}
	e.Resolve(user, reason)
	if err := f.Store.LedgerPut(ctx, e); err != nil {
		return fmt.Errorf("record order %d: %w", orderID, err)
	}
	return f.endProblem(ctx, orderID, user, reason)
}

// endProblem ends the order's open problem, resolved by user for the reason given.
func (f *Orders) endProblem(ctx context.Context, orderID int64, user, reason string) error {
	_, err := f.Store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: f.Shop, Feed: FeedOrders, RecordKey: strconv.FormatInt(orderID, 10),
		Status: erp.ProblemResolved, By: user, Reason: reason})
	if err != nil {
		return fmt.Errorf("end the problem of order %d: %w", orderID, err)
	}
	return nil
}

// Reprocess maps again, from their stored payloads, the orders that failed: what the feed
// does when the mapping changes, since a fixed mapping is the usual cure. It returns how
// many it looked at.
func (f *Orders) Reprocess(ctx context.Context) (int, error) {
	f.defaults()
	f.Zone(ctx)
	return f.reprocessFailed(ctx, 0)
}

// reprocessFailed is Reprocess, within the feed run runID when it is not 0.
func (f *Orders) reprocessFailed(ctx context.Context, runID int64) (int, error) {
	n := 0
	var after *ledger.Cursor
	for {
		page, err := f.Store.LedgerList(ctx, erp.LedgerListParams{Shop: f.Shop, Status: ledger.StatusFailed, After: after, Limit: 200})
		if err != nil {
			return n, fmt.Errorf("list failed orders: %w", err)
		}
		for _, e := range page {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			n++
			if _, err := f.handle(ctx, record.ReadOrder(e.Payload), runID, ""); err != nil {
				return n, err
			}
		}
		if len(page) < 200 {
			return n, nil
		}
		last := page[len(page)-1]
		after = &ledger.Cursor{UpdatedAt: last.UpdatedAt, OrderID: last.OrderID}
	}
}

// MappingChanged tells the feed the mapping changed: its next run first maps the orders
// that failed again, from their stored payloads.
func (f *Orders) MappingChanged() { f.reprocess.Store(true) }

// Staged is the order as the staging tables hold it now (the tables the orders mapping
// names): its header and lines, every column, as the ERP may have changed them.
// erp.ErrNotFound when nothing of the order is there.
func (f *Orders) Staged(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	set := f.Mappings()
	if set == nil || set.Orders == nil {
		return nil, errors.New("no orders mapping: orders.yaml is missing or does not compile")
	}
	return f.Store.OrderStagedGet(ctx, erp.OrderStagedGetParams{Header: set.Orders.Header(), Lines: set.Orders.Lines(),
		Shop: f.Shop, OrderID: orderID})
}

// Mapped is what the current orders mapping makes of the order as Shopify last sent it (its
// stored payload): the rows a Retry would stage, which are not the staged ones when the
// mapping or the ERP changed since. A *passthrough.RecordError when the mapping refuses
// the order; erp.ErrNotFound for an order the ledger does not know.
func (f *Orders) Mapped(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	f.defaults()
	e, err := f.Store.LedgerGet(ctx, f.Shop, orderID)
	if err != nil {
		return nil, err
	}
	set := f.Mappings()
	if set == nil || set.Orders == nil {
		return nil, errors.New("no orders mapping: orders.yaml is missing or does not compile")
	}
	o, err := record.DecodeOrder(e.Payload)
	if err != nil {
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityError, Message: "the stored order cannot be read", Err: err}
	}
	f.Zone(ctx)
	res, _, err := f.mapOrder(ctx, set.Orders, f.input(o))
	return res, err
}

// describe copies what the portal lists about an order into its ledger entry. Its date is
// when it was processed (placed, for most orders), as the ERP's order_date is.
func describe(e *ledger.Entry, o *record.Order) {
	e.OrderName, e.OrderDate, e.Currency = o.Name, o.CreatedAt.UTC(), o.Currency
	if o.ProcessedAt != nil && !o.ProcessedAt.IsZero() {
		e.OrderDate = o.ProcessedAt.UTC()
	}
	e.Total = o.TotalPrice
	e.CustomerEmail = o.Email
	if e.CustomerEmail == "" {
		e.CustomerEmail = o.ContactEmail
	}
	switch {
	case o.Customer != nil && strings.TrimSpace(o.Customer.FirstName+" "+o.Customer.LastName) != "":
		e.CustomerName = strings.TrimSpace(o.Customer.FirstName + " " + o.Customer.LastName)
	case o.BillingAddress != nil:
		e.CustomerName = strings.TrimSpace(o.BillingAddress.FirstName + " " + o.BillingAddress.LastName)
	}
	if e.CustomerEmail == "" && o.Customer != nil {
		e.CustomerEmail = o.Customer.Email
	}
	e.SKUs = []string{}
	for _, l := range o.LineItems {
		if l != nil && strings.TrimSpace(l.SKU) != "" {
			e.SKUs = append(e.SKUs, strings.TrimSpace(l.SKU))
		}
	}
}

// validUTF8 replaces bytes that are not UTF-8 with U+FFFD, as decoding the JSON does for
// every value mapped from it: a database with a UTF-8 text column (PostgreSQL) refuses to
// store such a payload, and the order would stop every run.
func validUTF8(raw json.RawMessage) json.RawMessage {
	if utf8.Valid(raw) {
		return raw
	}
	return bytes.ToValidUTF8(raw, []byte("\uFFFD"))
}

func erpNo(e ledger.Entry) string {
	if e.ERPOrderNo != "" {
		return " as " + e.ERPOrderNo
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return "no order id"
	}
	return err.Error()
}
