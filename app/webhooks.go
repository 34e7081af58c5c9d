package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// The application's webhook wiring: the receiver (on the portal and, when configured, on
// a listener of its own), the worker that works stored deliveries, the stores the receiver
// knows — every store with a webhook secret, through webhooks.ShopList — and `passthrough
// webhooks register|list|verify`.

// setUpWebhooks builds the receiver and the worker when a store has a webhook secret; the
// receiver knows the stores that have one.
func (a *App) setUpWebhooks() {
	var shops webhooks.ShopList
	for _, s := range a.Shops {
		if secret := s.Config.WebhookSecret.Reveal(); secret != "" {
			shops = append(shops, webhooks.Shop{Name: s.Name(), Secrets: [][]byte{[]byte(secret)}, Orders: s.Orders})
		}
	}
	if len(shops) == 0 {
		return
	}
	log := a.Log.With("part", "webhooks")
	a.WebhookWorker = webhooks.NewWorker(webhooks.Worker{Store: a.Store, Shops: shops, Log: log, Now: a.clock.Now,
		Health: a.webhookHealthAll})
	a.Receiver = &webhooks.Receiver{Shops: shops, Store: a.Store, Log: log, Now: a.clock.Now, Stored: a.WebhookWorker.Wake}
}

// WebhookHealth says whether a store's webhooks are flowing; "" names the deployment's only
// store.
func (a *App) WebhookHealth(ctx context.Context, shop string) (webhooks.Health, error) {
	s, err := a.Shop(shop)
	if err != nil {
		return webhooks.Health{}, err
	}
	return webhooks.Check(ctx, a.Store, webhooks.CheckParams{Shop: s.Name(),
		Configured: s.Config.WebhookSecret != "", Feed: feeds.FeedOrders, Polling: s.Config.Feeds.Orders.Every.Std(),
		Now: a.clock.Now()})
}

// webhookHealthAll is the webhook health of every store that takes webhooks, for the
// worker to watch.
func (a *App) webhookHealthAll(ctx context.Context) ([]webhooks.Health, error) {
	var out []webhooks.Health
	for _, s := range a.Shops {
		if s.Config.WebhookSecret == "" {
			continue
		}
		h, err := a.WebhookHealth(ctx, s.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Redactions lists a store's privacy requests, newest first; "" names the deployment's only
// store.
func (a *App) Redactions(ctx context.Context, shop string) ([]erp.Redaction, error) {
	s, err := a.Shop(shop)
	if err != nil {
		return nil, err
	}
	return a.Store.RedactionList(ctx, s.Name(), 200)
}

// storeWebhooks is one store's webhook health and privacy requests, for its portal pages.
type storeWebhooks struct {
	a *App
	s *Shop
}

func (w storeWebhooks) WebhookHealth(ctx context.Context) (webhooks.Health, error) {
	return w.a.WebhookHealth(ctx, w.s.Name())
}

func (w storeWebhooks) Redactions(ctx context.Context) ([]erp.Redaction, error) {
	return w.a.Redactions(ctx, w.s.Name())
}

// unlessUninstalled runs a task of the store shop only while its app is installed: after
// app/uninstalled its tokens are void, and the portal says why the feeds stopped.
func (a *App) unlessUninstalled(shop string, run func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		at, err := webhooks.Uninstalled(ctx, a.Store, shop)
		if err != nil {
			return err
		}
		if !at.IsZero() {
			return fmt.Errorf("not run: the app was uninstalled from %s at %s; install it again and run passthrough webhooks register",
				shop, at.Format(time.RFC3339))
		}
		return run(ctx)
	}
}

// serveWebhooks runs the worker, and the receiver's own listener when webhooks.addr is
// set, until ctx ends; stop waits for both.
func (a *App) serveWebhooks(ctx context.Context) (stop func(context.Context) error, err error) {
	if a.WebhookWorker == nil {
		return func(context.Context) error { return nil }, nil
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	worked := make(chan struct{})
	go func() {
		defer close(worked)
		a.WebhookWorker.Run(wctx)
	}()
	var srv *http.Server
	if addr := a.Config.Webhooks.Addr; addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			cancel()
			<-worked
			return nil, fmt.Errorf("listen for webhooks on %s: %w", addr, err)
		}
		mux := http.NewServeMux()
		mux.Handle(webhooks.Path, a.Receiver)
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		a.Log.Info("webhooks are received on their own address", "addr", "http://"+ln.Addr().String()+webhooks.Path)
	}
	return func(ctx context.Context) error {
		var err error
		if srv != nil {
			err = srv.Shutdown(ctx)
		}
		cancel()
		<-worked
		return err
	}, nil
}

// WebhooksRequest is one `passthrough webhooks` command.
type WebhooksRequest struct {
	Action string // register, list or verify
	// Shop names the store; empty for every store of the configuration.
	Shop string
	Out  io.Writer
}

// ErrWebhooksNotConfigured says the configuration lacks what the command needs.
var ErrWebhooksNotConfigured = errors.New("webhooks need webhooks.url and the store's webhook_secret in the configuration")

// Webhooks is `passthrough webhooks register|list|verify`, for the store named or each
// store of the configuration in turn: it subscribes the store to the topics passthrough
// acts on at webhooks.url (and, the app being installed, lets its feeds run again), lists
// the store's subscriptions, or checks that Shopify can reach the receiver. verify returns
// an error when a check fails.
func Webhooks(ctx context.Context, cfg config.Config, r WebhooksRequest) error {
	switch r.Action {
	case "register", "list", "verify":
	default:
		return fmt.Errorf("unknown webhooks action %q: use register, list or verify", r.Action)
	}
	stores, err := storesNamed(cfg, r.Shop)
	if err != nil {
		return err
	}
	if r.Action != "list" {
		for _, sc := range stores {
			if cfg.Webhooks.URL == "" || sc.WebhookSecret == "" {
				return ErrWebhooksNotConfigured
			}
		}
	}
	var st erp.Store
	if r.Action == "register" {
		if st, err = openMigrated(ctx, cfg); err != nil {
			return err
		}
		defer st.Close()
	}
	for _, sc := range stores {
		if len(stores) > 1 {
			fmt.Fprintf(r.Out, "store %s:\n", sc.Shop)
		}
		if err := storeWebhooksCommand(ctx, cfg, sc, st, r); err != nil {
			if len(stores) > 1 {
				return fmt.Errorf("store %s: %w", sc.Shop, err)
			}
			return err
		}
	}
	return nil
}

// storesNamed is the store of the configuration named shop, or every store when shop is "".
func storesNamed(cfg config.Config, shop string) ([]config.Store, error) {
	stores := cfg.StoreList()
	if shop == "" {
		return stores, nil
	}
	var names []string
	for _, sc := range stores {
		if sc.Shop == shop {
			return []config.Store{sc}, nil
		}
		names = append(names, sc.Shop)
	}
	return nil, fmt.Errorf("%w %q: the configuration has %s", ErrUnknownStore, shop, strings.Join(names, ", "))
}

// openMigrated opens the ERP database and checks passthrough's tables are there.
func openMigrated(ctx context.Context, cfg config.Config) (erp.Store, error) {
	st, err := erpopen.Open(ctx, cfg.ERP.Driver, cfg.ERP.DSN.Reveal(), erp.WithSchema(cfg.ERP.Schema))
	if err != nil {
		return nil, fmt.Errorf("open the %s database: %w", cfg.ERP.Driver, err)
	}
	if _, err := st.TableColumns(ctx, "pt_settings"); errors.Is(err, erp.ErrNotFound) {
		st.Close()
		return nil, ErrNotMigrated
	} else if err != nil {
		st.Close()
		return nil, fmt.Errorf("read the database's tables: %w", err)
	}
	return st, nil
}

// storeWebhooksCommand is the webhooks command for one store; st is the ERP database, for
// register.
func storeWebhooksCommand(ctx context.Context, cfg config.Config, sc config.Store, st erp.Store, r WebhooksRequest) error {
	client, err := shopifyClient(sc.Shopify, nil)
	if err != nil {
		return err
	}
	uri := cfg.Webhooks.URL
	switch r.Action {
	case "list":
		subs, err := client.WebhookSubscriptions(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(r.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TOPIC\tADDRESS\tID")
		for _, s := range subs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Topic, s.URI, s.ID)
		}
		fmt.Fprintf(tw, "%d subscriptions\n", len(subs))
		return tw.Flush()
	case "register":
		changes, err := webhooks.Register(ctx, client, uri)
		for _, c := range changes {
			switch c.Action {
			case webhooks.Moved:
				fmt.Fprintf(r.Out, "%-10s %s (was %s)\n", c.Action, c.Topic, c.From)
			default:
				fmt.Fprintf(r.Out, "%-10s %s\n", c.Action, c.Topic)
			}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(r.Out, "the store sends its webhooks to %s\n", uri)
		fmt.Fprintf(r.Out, "the privacy topics (%s, %s, %s) are set in the app's configuration, to the same address\n",
			webhooks.TopicCustomersDataRequest, webhooks.TopicCustomersRedact, webhooks.TopicShopRedact)
		return resumeFeeds(ctx, st, sc.Shop, r.Out)
	default: // verify
		checks, err := webhooks.Verify(ctx, client, &http.Client{Timeout: 10 * time.Second}, uri, client.Shop(),
			[]byte(sc.WebhookSecret.Reveal()))
		if err != nil {
			return err
		}
		failed := 0
		for _, c := range checks {
			mark := "ok  "
			if !c.OK {
				mark, failed = "FAIL", failed+1
			}
			fmt.Fprintf(r.Out, "%s %s: %s\n", mark, c.What, c.Got)
		}
		if failed > 0 {
			return fmt.Errorf("%d of %d checks failed", failed, len(checks))
		}
		fmt.Fprintf(r.Out, "Shopify can deliver webhooks to %s\n", uri)
		return nil
	}
}

// resumeFeeds clears the mark app/uninstalled left, so the store's feeds run again.
func resumeFeeds(ctx context.Context, st erp.Bookkeeping, shop string, out io.Writer) error {
	at, err := webhooks.Uninstalled(ctx, st, shop)
	if err != nil || at.IsZero() {
		return err
	}
	if err := st.SettingSet(ctx, webhooks.UninstalledKey(shop), ""); err != nil {
		return fmt.Errorf("let the feeds run again: %w", err)
	}
	fmt.Fprintf(out, "the app was uninstalled at %s; the store's feeds run again\n", at.Format(time.RFC3339))
	return nil
}
