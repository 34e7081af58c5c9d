package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/record"
)

// WorkerStore is what the worker does with the database: the store's Webhooks and Privacy
// roles, the ledger it reads for redactions, and the setting that says a store's app was
// uninstalled.
type WorkerStore interface {
	erp.Webhooks
	erp.Privacy
	LedgerGet(ctx context.Context, shop string, orderID int64) (ledger.Entry, error)
	LedgerList(ctx context.Context, p erp.LedgerListParams) ([]ledger.Entry, error)
	SettingSet(ctx context.Context, key, value string) error
}

// Worker works stored deliveries after the receiver has answered: it claims a few at a time
// (the claim is the database's, so any number of processes may run one), works each, and
// records how it ended. A delivery that could not be worked now (the ERP away, Shopify
// failing) is tried again with growing waits; one that never will be (its order gone from
// Shopify) is failed with the reason. It runs until its context ends, waking when the
// receiver of its process stored a delivery and every Poll besides, for deliveries other
// processes stored.
type Worker struct {
	Store WorkerStore
	Shops Shops
	Log   *slog.Logger
	Now   func() time.Time
	// Name tells this worker's claims from others'; by default host, process and a
	// random part.
	Name string
	// Poll is how often the worker looks for deliveries without being woken (default 1 s).
	Poll time.Duration
	// Lease is how long a claim lasts before another worker may take it (default 2 min).
	Lease time.Duration
	// Batch is how many deliveries one claim takes (default 20).
	Batch int
	// KeepDone is how long deliveries are kept after they are done, so that a late retry
	// of one is still known as a duplicate (default 7 days; Shopify retries for 4 hours).
	KeepDone time.Duration
	// Health, when set, is checked every CheckEvery (default 5 min), and the worker says so
	// in the log, loudly, when webhooks stop or miss orders.
	Health     func(ctx context.Context) ([]Health, error)
	CheckEvery time.Duration

	wake chan struct{}
}

// maxAttempts is how often a delivery is tried before it is failed.
const maxAttempts = 20

func (w *Worker) defaults() {
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Name == "" {
		host, _ := os.Hostname()
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		w.Name = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.KeepDone <= 0 {
		w.KeepDone = 7 * 24 * time.Hour
	}
	if w.CheckEvery <= 0 {
		w.CheckEvery = 5 * time.Minute
	}
}

// NewWorker returns a worker with its defaults set, ready to Run and to be woken.
func NewWorker(w Worker) *Worker {
	w.defaults()
	w.wake = make(chan struct{}, 1)
	return &w
}

// Wake tells the worker a delivery is waiting; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works deliveries until ctx ends. A failure of the database is logged and waited out.
func (w *Worker) Run(ctx context.Context) {
	log := w.Log.With("worker", w.Name)
	var pruned, checked time.Time
	states := map[string]string{}
	failing := 0
	for ctx.Err() == nil {
		more, err := w.drain(ctx, 50)
		switch {
		case err == nil:
			failing = 0
		case ctx.Err() != nil:
			return
		default:
			failing++
			if failing == 1 || failing%60 == 0 {
				log.Error("cannot work webhook deliveries; they wait in the database", "err", err, "failures", failing)
			}
		}
		now := w.Now()
		if now.Sub(pruned) > time.Hour {
			pruned = now // tried once an hour, whether the database answers or not
			if n, err := w.Store.WebhookPrune(ctx, now.Add(-w.KeepDone)); err == nil && n > 0 {
				log.Info("forgot webhook deliveries done long ago", "deliveries", n)
			}
		}
		if w.Health != nil && now.Sub(checked) > w.CheckEvery {
			checked = now
			w.sayHealth(ctx, log, states)
		}
		wait := w.Poll
		switch {
		case failing > 0:
			wait = min(w.Poll<<min(failing, 5), 30*time.Second)
		case more:
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// sayHealth logs a store's webhook health when it changes, loudly when webhooks stopped.
func (w *Worker) sayHealth(ctx context.Context, log *slog.Logger, states map[string]string) {
	hs, err := w.Health(ctx)
	if err != nil {
		log.Warn("cannot check whether webhooks are flowing", "err", err)
		return
	}
	for _, h := range hs {
		if states[h.Shop] == h.State {
			continue
		}
		states[h.Shop] = h.State
		level := slog.LevelInfo
		if h.Loud() {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "webhooks: "+h.Message, "shop", h.Shop, "state", h.State)
	}
}

// Drain works every delivery that is due, a claim at a time, until none is left, and says
// how many it worked. Deliveries it claimed but had no time for when ctx ended are let go
// at once, for the next worker.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	w.defaults()
	n := 0
	for {
		got, err := w.claimAndWork(ctx)
		n += got
		if err != nil || got == 0 {
			return n, err
		}
	}
}

// drain is Drain for at most batches claims, so that Run also gets to its other work
// while deliveries keep coming; it says whether there may be more.
func (w *Worker) drain(ctx context.Context, batches int) (bool, error) {
	for range batches {
		got, err := w.claimAndWork(ctx)
		if err != nil || got == 0 {
			return false, err
		}
	}
	return true, nil
}

// claimAndWork claims one batch and works it, and says how many it worked.
func (w *Worker) claimAndWork(ctx context.Context) (int, error) {
	now := w.Now()
	batch, err := w.Store.WebhookClaim(ctx, erp.WebhookClaimParams{Worker: w.Name, Limit: w.Batch, Now: now, Until: now.Add(w.Lease)})
	if err != nil {
		return 0, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	for i, d := range batch {
		if ctx.Err() != nil {
			w.letGo(batch[i:])
			return i, ctx.Err()
		}
		if err := w.work(ctx, d); err != nil {
			w.letGo(batch[i+1:])
			return i, err
		}
	}
	return len(batch), nil
}

// letGo puts claimed deliveries back, due now.
func (w *Worker) letGo(ds []erp.WebhookDelivery) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := w.Now()
	for _, d := range ds {
		_ = w.Store.WebhookFinish(ctx, erp.WebhookFinishParams{ID: d.ID, Worker: w.Name, State: erp.WebhookPending,
			Error: d.Error, At: now, RetryAt: now})
	}
}

// work works one delivery and records how it ended. It returns an error only when the
// record cannot be written (the database is away): the delivery's claim then lapses and it
// is worked again.
func (w *Worker) work(ctx context.Context, d erp.WebhookDelivery) error {
	log := w.Log.With("shop", d.Shop, "topic", d.Topic, "webhook_id", d.WebhookID, "order_id", d.OrderID)
	err := w.act(ctx, d)
	finish := erp.WebhookFinishParams{ID: d.ID, Worker: w.Name, State: erp.WebhookDone, At: w.Now()}
	var permanent *permanentError
	switch {
	case err == nil:
	case errors.As(err, &permanent) || d.Attempts >= maxAttempts:
		finish.State, finish.Error = erp.WebhookFailed, err.Error()
		log.Error("webhook delivery given up on; the scheduled run stages its order if it should be", "err", err, "attempts", d.Attempts)
	default:
		finish.State, finish.Error = erp.WebhookPending, err.Error()
		finish.RetryAt = finish.At.Add(retryWait(d.Attempts))
		log.Warn("webhook delivery will be tried again", "err", err, "attempts", d.Attempts, "at", finish.RetryAt)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.Store.WebhookFinish(fctx, finish); err != nil && !errors.Is(err, erp.ErrNotFound) {
		return fmt.Errorf("record webhook delivery %d: %w", d.ID, err)
	}
	return nil
}

// retryWait is the wait before a delivery's next try: a second, doubling, at most 5 min.
func retryWait(attempts int) time.Duration {
	return min(time.Second<<min(max(attempts-1, 0), 9), 5*time.Minute)
}

// permanentError is a delivery that will never be worked, whatever is tried.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// act does what a delivery's topic asks.
func (w *Worker) act(ctx context.Context, d erp.WebhookDelivery) error {
	shop, ok := w.Shops.Shop(d.Shop)
	if !ok {
		return &permanentError{fmt.Errorf("the configuration no longer has shop %s", d.Shop)}
	}
	switch actions[d.Topic] {
	case stageOrder:
		o := record.ReadOrder(d.Body)
		if _, err := shop.Orders.Handle(ctx, o); err != nil {
			return fmt.Errorf("stage order %d: %w", o.ID, err)
		}
	case refreshOrder:
		if d.OrderID == 0 {
			return &permanentError{errors.New("the delivery names no order")}
		}
		_, err := shop.Orders.Refresh(ctx, d.OrderID)
		if errors.Is(err, shopify.ErrNotFound) {
			return &permanentError{fmt.Errorf("no order %d in Shopify any more: %w", d.OrderID, err)}
		}
		if err != nil {
			return fmt.Errorf("stage order %d: %w", d.OrderID, err)
		}
	case uninstall:
		at := d.TriggeredAt
		if at.IsZero() {
			at = d.ReceivedAt
		}
		if err := w.Store.SettingSet(ctx, UninstalledKey(d.Shop), at.UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("stop the feeds: %w", err)
		}
		w.Log.Warn("the app was uninstalled from the shop: its feeds are stopped until `passthrough webhooks register` runs again",
			"shop", d.Shop, "at", at)
	case dataRequest, redactCustomer, redactShop:
		return w.privacy(ctx, d)
	default:
		return &permanentError{fmt.Errorf("topic %s is not one passthrough works", d.Topic)}
	}
	return nil
}
