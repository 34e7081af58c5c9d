package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// FeedShipments is the shipments feed's name in executions and the scheduler.
const FeedShipments = "shipments"

// ShipmentShopify is what the shipments feed asks of Shopify. *shopify.Client satisfies it.
type ShipmentShopify interface {
	Order(ctx context.Context, id int64) (record.RawOrder, error)
	FulfillmentOrders(ctx context.Context, orderID int64) ([]shopify.FulfillmentOrder, error)
	Fulfillments(ctx context.Context, orderID int64) ([]shopify.Fulfillment, error)
	CreateFulfillment(ctx context.Context, req shopify.FulfillmentRequest) (shopify.Fulfillment, error)
}

// ShipmentStore is what the shipments feed does with the ERP database.
type ShipmentStore interface {
	ExecutionStore
	ShipmentListUnsent(ctx context.Context, p erp.ShipmentListUnsentParams) ([]record.ShipmentRow, error)
	ShipmentMark(ctx context.Context, p erp.ShipmentMarkParams) error
	ShipmentRetry(ctx context.Context, shop, shipmentID string) (int, error)
	ShipmentFulfillmentAdd(ctx context.Context, f erp.ShipmentFulfillment) error
	ShipmentClaim(ctx context.Context, p erp.LockParams) (erp.Lock, error)
	ShipmentClaimRelease(ctx context.Context, l erp.Lock) error
	LedgerGet(ctx context.Context, shop string, orderID int64) (ledger.Entry, error)
}

// Shipments sends the shipments the ERP writes into external_order_shipments to Shopify as
// fulfillments with tracking.
//
// A shipment is the rows that share a shipment id: one order, one tracking number, one row
// per item shipped. Each is mapped (shipments.yaml: tracking number, carrier, URL, whether
// to notify the customer), its items are matched by SKU, or by line item id when the row has
// one, against the open lines of the order's fulfillment orders, and one fulfillment is
// created per fulfillment order. Partial shipments and orders split over several
// fulfillment orders work; a shipment that asks for more than is open, names a SKU the
// order lacks, or meets a closed or held fulfillment order is marked error with the reason,
// and the others go on.
//
// Exactly once: before creating anything, the order's fulfillments are read, and what a
// fulfillment with the shipment's tracking number already ships is not shipped again. So a
// run that dies after Shopify created a fulfillment but before the row was marked sent
// (or that lost Shopify's answer) finds it on the next run and only marks the row. Shopify
// 5xx and 429 leave the shipment unsent for the next run (severity retry).
//
// Exactly once across processes too: runs take the feed's lock, and, should two get past it
// (a lease that ran out under a stalled run, a run started without it), each shipment is
// claimed in the database (pt_shipment_claims) before Shopify is asked anything about it. A
// shipment another process has claimed is left to it; a claim whose holder stopped is taken
// over, and the fulfillments read first show what that holder sent. A shipment is never
// marked error for a refusal that the fulfillments in Shopify explain: before saying no,
// the feed reads them again, and a shipment Shopify has whole is marked sent.
//
// In test mode nothing is written to Shopify (it is only read): the rows are marked test,
// with the fulfillments that would have been created in sync_error.
type Shipments struct {
	Shop     string
	Shopify  ShipmentShopify
	Store    ShipmentStore
	Mappings func() *mapping.Set // the current mappings; they may change while we run
	// Live says whether the store is live; nil or false is test mode, where nothing is
	// written to Shopify.
	Live     func() bool
	Log      *slog.Logger
	Now      func() time.Time
	Observer Observer
	// Batch is how many shipments are read from the ERP at a time (default 100).
	Batch int
}

// shopifyFailuresInARow is how many shipments in a row may meet a Shopify that does not
// answer before the run stops: the client has already retried each call with back-off, so
// by then Shopify is down, and the rest waits for the next run rather than for every
// shipment's retries.
const shopifyFailuresInARow = 3

// Run sends every unsent shipment once and returns the run's execution.
func (f *Shipments) Run(ctx context.Context) (erp.Execution, error) {
	f.defaults()
	ctx, x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedShipments, f.Shop, TriggerFrom(ctx))
	if err != nil {
		return erp.Execution{}, err
	}
	return x.finish(ctx, f.run(ctx, x))
}

func (f *Shipments) defaults() {
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.Batch <= 0 {
		f.Batch = 100
	}
}

func (f *Shipments) live() bool { return f.Live != nil && f.Live() }

// claimer is who claims the shipments of one run, and for how long: the run's feed lock's
// process and token, or, for a run without one, a token of its own.
//
// A claim lasts half a lease. While its renewals succeed, the feed lock was renewed at most
// a quarter lease before any claim its run took, and lasts a whole lease from that renewal;
// so the claims of a run whose process died have all run out by the time another process
// can take the feed lock, and that process's run sends whatever they held.
type claimer struct {
	owner erp.Owner
	token string
	ttl   time.Duration
}

func claimerOf(ctx context.Context) claimer {
	if h := heldFrom(ctx); h != nil {
		return claimer{owner: h.Lock().Owner, token: h.Lock().Token, ttl: h.Lease() / 2}
	}
	return claimer{owner: NewOwner(), token: randomToken(), ttl: DefaultLease / 2}
}

// claim is one shipment claimed, and when the claim was last taken or extended (by this
// process's clock: the claim lasts at least ttl from then by the database's).
type claim struct {
	lock erp.Lock
	at   time.Time
}

func (f *Shipments) run(ctx context.Context, x *execution) error {
	set := f.Mappings()
	if set == nil || set.Shipments == nil {
		return errors.New("no shipments mapping: shipments.yaml is missing or does not compile")
	}
	live := f.live()
	if !live {
		x.log.Info("test mode: shipments are matched and recorded, nothing is sent to Shopify")
	}
	done := map[string]bool{} // shipments handled in this run, sent or not
	failures := 0
	cl := claimerOf(ctx)
	for {
		rows, err := f.Store.ShipmentListUnsent(ctx, erp.ShipmentListUnsentParams{Shop: f.Shop, Limit: f.Batch})
		if err != nil {
			return fmt.Errorf("read unsent shipments: %w", err)
		}
		groups := groupShipments(rows)
		fresh := 0
		for _, g := range groups {
			if done[g[0].ShipmentID] {
				continue // left unsent earlier in this run (retry): next run
			}
			fresh++
			done[g[0].ShipmentID] = true
			if err := ctx.Err(); err != nil {
				return err
			}
			x.exec.Counts.Seen++
			out, err := f.claimAndHandle(ctx, x, cl, set.Shipments, g, live)
			if err != nil {
				return err
			}
			if out.written {
				x.exec.Counts.Written++
			}
			if out.written && out.severity == "" {
				// Sent: whatever problem it had (Shopify down, an error an operator
				// retried) has ended.
				if err := x.resolved(ctx, out.key); err != nil {
					return err
				}
			}
			if out.severity != "" {
				if err := x.problem(ctx, out.key, out.severity, out.problem); err != nil {
					return err
				}
			}
			if out.shopifyDown {
				failures++
				if failures >= shopifyFailuresInARow {
					return fmt.Errorf("no answer from Shopify for %d shipments in a row, the rest waits for the next run: %s", failures, out.problem)
				}
			} else {
				failures = 0
			}
		}
		if fresh == 0 || len(groups) < f.Batch {
			return nil
		}
	}
}

// Retry sends a shipment that was refused (sync status error) or handled in test mode again:
// its rows become unsent, and the next run sends it. It says how many rows; erp.ErrNotFound
// when the shipment has no such rows.
func (f *Shipments) Retry(ctx context.Context, shipmentID string) (int, error) {
	n, err := f.Store.ShipmentRetry(ctx, f.Shop, shipmentID)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// groupShipments cuts the rows (a shipment's rows together) into shipments.
func groupShipments(rows []record.ShipmentRow) [][]record.ShipmentRow {
	var out [][]record.ShipmentRow
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].ShipmentID == rows[i].ShipmentID {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

// shipmentOutcome is what happened to one shipment.
type shipmentOutcome struct {
	key         string
	written     bool
	severity    passthrough.Severity
	problem     string
	shopifyDown bool // Shopify did not answer (5xx, 429, lost connection)
}

// claimAndHandle claims the shipment, sends it and ends the claim. A shipment another
// process has claimed is left to it.
func (f *Shipments) claimAndHandle(ctx context.Context, x *execution, cl claimer, m *mapping.Shipments, rows []record.ShipmentRow, live bool) (shipmentOutcome, error) {
	id := rows[0].ShipmentID
	log := x.log.With("shipment", id, "order_id", rows[0].WebOrderID)
	c, err := f.claim(ctx, cl, id, erp.Lock{})
	var locked *erp.LockedError
	if errors.As(err, &locked) {
		log.Info("another process is sending the shipment; it is left to it", "holder", locked.Holder.Owner.String())
		return shipmentOutcome{key: id}, nil
	}
	// Released by its token whatever the claim answered: a claim the database took while
	// the run was being stopped, its answer lost, is this run's too, and would otherwise
	// keep the shipment from the next runs until its lease ran out.
	defer func() {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := f.Store.ShipmentClaimRelease(wctx, erp.Lock{Shop: f.Shop, Name: id, Token: cl.token}); err != nil {
			log.Warn("shipment claim not released; it frees itself when its lease runs out", "err", err)
		}
	}()
	if err != nil {
		return shipmentOutcome{key: id}, fmt.Errorf("claim shipment %s: %w", id, err)
	}
	if c.lock.TookOver {
		log.Info("took over the claim of a process that stopped; Shopify's fulfillments show what it sent")
	}
	return f.handle(ctx, log, cl, c, m, rows, live)
}

// claim takes (or, given the held claim, extends) the claim of a shipment.
func (f *Shipments) claim(ctx context.Context, cl claimer, id string, held erp.Lock) (claim, error) {
	at := time.Now()
	l, err := f.Store.ShipmentClaim(ctx, erp.LockParams{Shop: f.Shop, Name: id, Owner: cl.owner, Token: cl.token, TTL: cl.ttl})
	if err != nil {
		return claim{}, err
	}
	l.TookOver = l.TookOver || held.TookOver
	return claim{lock: l, at: at}, nil
}

// handle sends one shipment the run has claimed. It returns an error only for failures of
// the run itself (the database, the credentials, the context); everything wrong with the
// shipment is its outcome, and is written on its rows.
func (f *Shipments) handle(ctx context.Context, log *slog.Logger, cl claimer, c claim, m *mapping.Shipments, rows []record.ShipmentRow, live bool) (shipmentOutcome, error) {
	id := rows[0].ShipmentID
	out := shipmentOutcome{key: id}

	sh, err := record.ShipmentOf(rows)
	if err != nil {
		return f.mark(ctx, out, erp.ShipmentError, passthrough.SeverityError, err.Error())
	}
	res, err := m.Map(mapping.ShipmentInput{Shop: f.Shop, Shipment: sh, Now: f.Now().UTC()})
	if err != nil {
		sev, ok := passthrough.SeverityOf(err)
		switch {
		case !ok:
			sev = passthrough.SeverityError
		case sev == passthrough.SeverityRetry:
			out.severity, out.problem = sev, err.Error()
			return out, nil // a rule says later: leave it unsent
		case sev == passthrough.SeverityInfo:
			return f.mark(ctx, out, erp.ShipmentSkipped, sev, err.Error())
		}
		return f.mark(ctx, out, erp.ShipmentError, sev, err.Error())
	}

	order, ok, err := f.ledgerOrder(ctx, sh)
	if err != nil {
		return out, err
	}
	if !ok {
		if order, err = f.shopifyOrder(ctx, sh.OrderID); err != nil {
			return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order")
		}
	}
	fos, err := f.Shopify.FulfillmentOrders(ctx, sh.OrderID)
	if err != nil {
		return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order's fulfillment orders")
	}
	fuls, err := f.Shopify.Fulfillments(ctx, sh.OrderID)
	if err != nil {
		return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order's fulfillments")
	}
	plan, err := planShipment(sh.Items, order, fos, fuls, res.TrackingNumber)
	if err != nil && ok {
		// The stored order may be older than an edit that replaced a line: ask Shopify
		// before saying no.
		if order, err = f.shopifyOrder(ctx, sh.OrderID); err != nil {
			return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order")
		}
		plan, err = planShipment(sh.Items, order, fos, fuls, res.TrackingNumber)
	}
	if err != nil {
		return f.refuse(ctx, log, out, sh, order, res.TrackingNumber, err.Error())
	}
	if len(plan.groups) == 0 {
		log.Info("shipment is in Shopify already; marking it sent", "tracking", res.TrackingNumber)
		out.written = true
		return f.mark(ctx, out, erp.ShipmentSent, "", "")
	}
	tracking := shopify.Tracking{Number: res.TrackingNumber, Company: res.Company, URL: res.TrackingURL}
	if !live {
		msg := "test mode, nothing sent to Shopify: " + plan.describe(order.name, tracking, res.NotifyCustomer)
		return f.mark(ctx, out, erp.ShipmentTest, passthrough.SeverityInfo, msg)
	}

	var created []string
	for _, g := range plan.groups {
		// The claim must hold while Shopify is asked, with time to spare for the answer:
		// extended when a third of it has gone, and the call given up before it ends.
		if time.Since(c.at) > cl.ttl/3 {
			var err error
			if c, err = f.claim(ctx, cl, id, c.lock); err != nil {
				if errors.Is(err, erp.ErrLocked) {
					log.Warn("the shipment's claim ran out and another process took it; it is left to that process", "err", err)
					return out, nil
				}
				return out, fmt.Errorf("extend the claim of shipment %s: %w", id, err)
			}
		}
		cctx, cancel := context.WithDeadline(ctx, c.at.Add(3*cl.ttl/4))
		ful, err := f.Shopify.CreateFulfillment(cctx, shopify.FulfillmentRequest{
			FulfillmentOrders: []shopify.FulfillmentOrderItems{g}, Tracking: tracking, NotifyCustomer: res.NotifyCustomer,
		})
		claimOver := cctx.Err() != nil
		cancel()
		if err != nil {
			switch {
			case runStopping(ctx, err):
				return out, fmt.Errorf("create fulfillment for shipment %s: %w", id, err)
			case claimOver:
				out.severity = passthrough.SeverityRetry
				out.problem = "Shopify took longer to answer the fulfillment request than the shipment's claim lasts; the next run checks whether it was created and sends what is missing"
				return out, nil
			case errors.Is(err, shopify.ErrRetryable):
				// Shopify may have created it: the next run looks for the tracking number
				// before creating anything.
				out.severity, out.shopifyDown = passthrough.SeverityRetry, true
				out.problem = "Shopify did not answer the fulfillment request (" + err.Error() + "); the next run checks whether it was created and sends what is missing"
				return out, nil
			}
			msg := "Shopify refused the fulfillment for fulfillment order " + strconv.FormatInt(g.FulfillmentOrderID, 10) + ": " + shopifyMessage(err)
			if len(created) > 0 {
				msg += " (already created: " + strings.Join(created, ", ") + "; a later try skips them by their tracking number)"
			}
			return f.refuse(ctx, log, out, sh, order, res.TrackingNumber, msg)
		}
		created = append(created, fulfillmentName(ful))
		log.Info("fulfillment created", "fulfillment", fulfillmentName(ful), "fulfillment_order", g.FulfillmentOrderID, "tracking", res.TrackingNumber)
		// What the shipment became, for people; the shipment's state is its rows' sync status,
		// so a failure to note it is logged and the shipment goes on.
		if err := f.Store.ShipmentFulfillmentAdd(ctx, erp.ShipmentFulfillment{Shop: f.Shop, ShipmentID: id, FulfillmentID: ful.ID,
			Name: fulfillmentName(ful), At: f.Now().UTC()}); err != nil {
			log.Warn("could not note the fulfillment the shipment made", "fulfillment", fulfillmentName(ful), "err", err)
		}
	}
	out.written = true
	return f.mark(ctx, out, erp.ShipmentSent, "", "")
}

// refuse marks the shipment error with msg — unless Shopify, asked again, already has it
// whole: another process (or an earlier run whose answer was lost) may have sent it between
// our reading the order's fulfillments and Shopify's refusal, and a shipment that went
// through must never be put before a person as failed.
func (f *Shipments) refuse(ctx context.Context, log *slog.Logger, out shipmentOutcome, sh record.Shipment, order shipmentOrder, tracking, msg string) (shipmentOutcome, error) {
	fos, err := f.Shopify.FulfillmentOrders(ctx, sh.OrderID)
	if err != nil {
		return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order's fulfillment orders")
	}
	fuls, err := f.Shopify.Fulfillments(ctx, sh.OrderID)
	if err != nil {
		return f.shopifyFailed(ctx, out, sh.OrderID, err, "read the order's fulfillments")
	}
	if plan, err := planShipment(sh.Items, order, fos, fuls, tracking); err == nil && len(plan.groups) == 0 {
		log.Info("Shopify refused the shipment because it has it already; marking it sent", "tracking", tracking, "refusal", msg)
		out.written = true
		return f.mark(ctx, out, erp.ShipmentSent, "", "")
	}
	return f.mark(ctx, out, erp.ShipmentError, passthrough.SeverityError, msg)
}

// orderLine is one line of the Shopify order: what a shipment item is matched to.
type orderLine struct {
	id  int64
	sku string
}

type shipmentOrder struct {
	name  string // #1001
	lines []orderLine
}

// ledgerOrder finds the order's line items (SKU → line item id) in the order as the orders
// feed last stored it, which costs no Shopify call. It reports false when the feed has not
// seen the order, or the stored version lacks an item (an edit added it): then Shopify is
// asked. The error is the database's.
func (f *Shipments) ledgerOrder(ctx context.Context, sh record.Shipment) (shipmentOrder, bool, error) {
	e, err := f.Store.LedgerGet(ctx, f.Shop, sh.OrderID)
	switch {
	case errors.Is(err, erp.ErrNotFound):
		return shipmentOrder{}, false, nil
	case err != nil:
		return shipmentOrder{}, false, fmt.Errorf("read ledger of order %d: %w", sh.OrderID, err)
	case len(e.Payload) == 0:
		return shipmentOrder{}, false, nil
	}
	o, err := record.DecodeOrder(e.Payload)
	if err != nil {
		return shipmentOrder{}, false, nil
	}
	so := orderOf(o)
	return so, so.hasAll(sh.Items), nil
}

// shopifyOrder reads the order's line items from Shopify.
func (f *Shipments) shopifyOrder(ctx context.Context, id int64) (shipmentOrder, error) {
	raw, err := f.Shopify.Order(ctx, id)
	if err != nil {
		return shipmentOrder{}, err
	}
	if raw.Err != nil {
		return shipmentOrder{}, fmt.Errorf("order %d from Shopify cannot be read: %w", id, raw.Err)
	}
	return orderOf(raw.Order), nil
}

func orderOf(o *record.Order) shipmentOrder {
	so := shipmentOrder{name: o.Name}
	if so.name == "" {
		so.name = "order " + strconv.FormatInt(o.ID, 10)
	}
	for _, l := range o.LineItems {
		if l != nil {
			so.lines = append(so.lines, orderLine{id: l.ID, sku: strings.TrimSpace(l.SKU)})
		}
	}
	return so
}

// hasAll reports whether every item names a line the order has.
func (o shipmentOrder) hasAll(items []record.ShipmentItem) bool {
	for _, it := range items {
		if len(o.linesFor(it)) == 0 {
			return false
		}
	}
	return true
}

// linesFor returns the order line items an item can be: the one it names by id, or those
// with its SKU (exactly, or else ignoring case: ERPs often keep item codes in capitals).
func (o shipmentOrder) linesFor(it record.ShipmentItem) []int64 {
	var exact, folded []int64
	for _, l := range o.lines {
		switch {
		case it.LineItemID != 0:
			if l.id == it.LineItemID {
				return []int64{l.id}
			}
		case l.sku != "" && l.sku == it.SKU:
			exact = append(exact, l.id)
		case l.sku != "" && strings.EqualFold(l.sku, it.SKU):
			folded = append(folded, l.id)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return folded
}

// shopifyFailed turns a failed Shopify read into the shipment's outcome: an unknown order
// is the shipment's error, a Shopify that does not answer a retry, refused credentials the
// run's failure.
func (f *Shipments) shopifyFailed(ctx context.Context, out shipmentOutcome, orderID int64, err error, what string) (shipmentOutcome, error) {
	switch {
	case runStopping(ctx, err):
		return out, fmt.Errorf("shipment %s: %s: %w", out.key, what, err)
	case errors.Is(err, shopify.ErrNotFound):
		return f.mark(ctx, out, erp.ShipmentError, passthrough.SeverityError, fmt.Sprintf("order %d is not in Shopify; check the shipment's web_order_id", orderID))
	case errors.Is(err, shopify.ErrRetryable):
		out.severity, out.shopifyDown = passthrough.SeverityRetry, true
		out.problem = "Shopify did not answer when asked to " + what + " (" + err.Error() + "); the next run tries again"
		return out, nil
	}
	return f.mark(ctx, out, erp.ShipmentError, passthrough.SeverityError, "could not "+what+": "+shopifyMessage(err))
}

// runStopping reports an error that ends the run rather than the shipment: the run's
// context ended, or Shopify refused the credentials (every other shipment would meet the
// same). One attempt timing out is not the run's end: the client calls it ErrRetryable.
func runStopping(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, shopify.ErrUnauthorized)
}

// shopifyMessage is Shopify's own message for an error it answered, or the error.
func shopifyMessage(err error) string {
	var ae *shopify.APIError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	return err.Error()
}

func fulfillmentName(f shopify.Fulfillment) string {
	if f.Name != "" {
		return f.Name
	}
	return "fulfillment " + strconv.FormatInt(f.ID, 10)
}

// mark writes the shipment's outcome on its rows, to the end even when ctx has ended: a
// fulfillment Shopify just created must be recorded if at all possible.
func (f *Shipments) mark(ctx context.Context, out shipmentOutcome, status string, sev passthrough.Severity, msg string) (shipmentOutcome, error) {
	out.severity, out.problem = sev, msg
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := f.Store.ShipmentMark(wctx, erp.ShipmentMarkParams{ShipmentID: out.key, Status: status, Error: cutUTF16(msg, syncErrorWidth), At: f.Now().UTC()})
	switch {
	case errors.Is(err, erp.ErrNotFound):
		f.Log.Warn("the shipment's rows are gone; nothing to mark", "feed", FeedShipments, "shipment", out.key)
	case err != nil:
		return out, fmt.Errorf("mark shipment %s %s: %w", out.key, status, err)
	}
	return out, nil
}

// syncErrorWidth is the width of external_order_shipments.sync_error.
const syncErrorWidth = 1000

// cutUTF16 cuts s to at most n UTF-16 code units (how SQL Server counts nvarchar), never
// inside a character, ending in "…" when it was cut.
func cutUTF16(s string, n int) string {
	if len(s) <= n {
		return s // bytes ≥ code units
	}
	units := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if units+w > n-1 {
			return s[:i] + "…"
		}
		units += w
	}
	return s
}

// --- matching ----------------------------------------------------------------------------

// shipmentPlan is what a shipment asks of Shopify: the fulfillment order lines to fulfil,
// one group (one fulfillment) per fulfillment order.
type shipmentPlan struct {
	groups []shopify.FulfillmentOrderItems
	notes  map[int64]planNote // fulfillment order line id → what it is
}

type planNote struct {
	sku  string
	open int // fulfillable before this shipment
}

// planShipment matches a shipment's items to the open lines of the order's fulfillment
// orders. What fulfillments with the shipment's tracking number already ship is taken off
// first, so a shipment created before a crash is not shipped twice. A plan without groups
// means Shopify has the whole shipment already.
func planShipment(items []record.ShipmentItem, order shipmentOrder, fos []shopify.FulfillmentOrder, fuls []shopify.Fulfillment, tracking string) (*shipmentPlan, error) {
	need := make([]int, len(items))
	for i, it := range items {
		need[i] = it.Quantity
	}
	// Units already shipped under this tracking number, per order line item.
	shipped := map[int64]int{}
	for _, f := range fuls {
		if !f.HasTrackingNumber(tracking) || f.Status == "cancelled" || f.Status == "error" || f.Status == "failure" {
			continue
		}
		for _, l := range f.LineItems {
			shipped[l.LineItemID] += l.Quantity
		}
	}
	lines := make([][]int64, len(items))
	for i, it := range items {
		lines[i] = order.linesFor(it)
		if len(lines[i]) == 0 {
			if it.LineItemID != 0 {
				return nil, fmt.Errorf("line item %d (line %d, %s) is not on %s", it.LineItemID, it.LineNo, it.SKU, order.name)
			}
			return nil, fmt.Errorf("SKU %s (line %d) is not on %s", it.SKU, it.LineNo, order.name)
		}
		for _, id := range lines[i] {
			take := min(need[i], shipped[id])
			need[i] -= take
			shipped[id] -= take
		}
	}

	p := &shipmentPlan{notes: map[int64]planNote{}}
	used := map[int64]int{} // fulfillment order line id → units planned
	byFO := map[int64]*shopify.FulfillmentOrderItems{}
	var foOrder []int64
	for i, it := range items {
		if need[i] == 0 {
			continue
		}
		open, held, closed := 0, []string{}, []string{}
		for _, fo := range fos {
			for _, fl := range fo.LineItems {
				if !slices.Contains(lines[i], fl.LineItemID) {
					continue
				}
				left := fl.FulfillableQuantity - used[fl.ID]
				switch {
				case !fo.CanFulfill():
					if fl.FulfillableQuantity > 0 && fo.Status == "on_hold" {
						held = append(held, strconv.FormatInt(fo.ID, 10))
					} else {
						closed = append(closed, fmt.Sprintf("fulfillment order %d is %s", fo.ID, strings.ReplaceAll(fo.Status, "_", " ")))
					}
					continue
				case left <= 0:
					continue
				}
				open += left
				take := min(need[i], left)
				if take == 0 {
					continue
				}
				g := byFO[fo.ID]
				if g == nil {
					g = &shopify.FulfillmentOrderItems{FulfillmentOrderID: fo.ID}
					byFO[fo.ID] = g
					foOrder = append(foOrder, fo.ID)
				}
				g.Lines = append(g.Lines, shopify.FulfillmentItem{FulfillmentOrderLineID: fl.ID, Quantity: take})
				p.notes[fl.ID] = planNote{sku: it.SKU, open: fl.FulfillableQuantity}
				used[fl.ID] += take
				need[i] -= take
			}
		}
		if need[i] == 0 {
			continue
		}
		what := fmt.Sprintf("%d × %s (line %d)", it.Quantity, it.SKU, it.LineNo)
		switch {
		case open == 0 && len(held) > 0:
			return nil, fmt.Errorf("%s cannot ship: fulfillment order %s of %s is on hold; release the hold in Shopify, then send the shipment again",
				what, strings.Join(held, ", "), order.name)
		case open == 0 && len(closed) > 0:
			return nil, fmt.Errorf("%s cannot ship: nothing of it is open on %s (%s)", what, order.name, strings.Join(closed, ", "))
		case open == 0:
			return nil, fmt.Errorf("%s cannot ship: nothing of it is open on %s", what, order.name)
		}
		return nil, fmt.Errorf("%s is more than is still open on %s: %d", what, order.name, open)
	}
	for _, id := range foOrder {
		p.groups = append(p.groups, *byFO[id])
	}
	return p, nil
}

// describe says in words what the plan would send, with what Shopify has open now.
func (p *shipmentPlan) describe(order string, t shopify.Tracking, notify bool) string {
	var b strings.Builder
	n := len(p.groups)
	fmt.Fprintf(&b, "would create %d fulfillment", n)
	if n != 1 {
		b.WriteString("s")
	}
	fmt.Fprintf(&b, " on %s with tracking %s", order, t.Number)
	if t.Company != "" {
		fmt.Fprintf(&b, " (%s)", t.Company)
	}
	if notify {
		b.WriteString(", notifying the customer")
	}
	for _, g := range p.groups {
		fmt.Fprintf(&b, "; fulfillment order %d:", g.FulfillmentOrderID)
		for i, l := range g.Lines {
			if i > 0 {
				b.WriteString(",")
			}
			note := p.notes[l.FulfillmentOrderLineID]
			fmt.Fprintf(&b, " %d × %s (%d open)", l.Quantity, note.sku, note.open)
		}
	}
	return b.String()
}
