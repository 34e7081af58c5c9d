package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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
// knows — one today, each of `stores:` later, through webhooks.Shops — and `passthrough
// webhooks register|list|verify`.

// setUpWebhooks builds the receiver and the worker when the store has a webhook secret.
func (a *App) setUpWebhooks() {
	secret := a.Config.Shopify.WebhookSecret.Reveal()
	if secret == "" {
		return
	}
	shops := webhooks.ShopList{{Name: a.Config.Shopify.Shop, Secrets: [][]byte{[]byte(secret)}, Orders: a.Orders}}
	log := a.Log.With("part", "webhooks")
	a.WebhookWorker = webhooks.NewWorker(webhooks.Worker{Store: a.Store, Shops: shops, Log: log, Now: a.clock.Now,
		Health: a.WebhookHealth})
	a.Receiver = &webhooks.Receiver{Shops: shops, Store: a.Store, Log: log, Now: a.clock.Now, Stored: a.WebhookWorker.Wake}
}

// WebhookHealth says whether each store's webhooks are flowing.
func (a *App) WebhookHealth(ctx context.Context) ([]webhooks.Health, error) {
	h, err := webhooks.Check(ctx, a.Store, webhooks.CheckParams{Shop: a.Config.Shopify.Shop,
		Configured: a.Config.Shopify.WebhookSecret != "", Feed: feeds.FeedOrders, Polling: a.Config.Feeds.Orders.Every.Std(),
		Now: a.clock.Now()})
	if err != nil {
		return nil, err
	}
	return []webhooks.Health{h}, nil
}

// Redactions lists the store's privacy requests for the portal.
func (a *App) Redactions(ctx context.Context) ([]erp.Redaction, error) {
	return a.Store.RedactionList(ctx, a.Config.Shopify.Shop, 200)
}

// unlessUninstalled runs a feed's task only while the store's app is installed: after
// app/uninstalled its tokens are void, and the portal says why the feeds stopped.
func (a *App) unlessUninstalled(run func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		at, err := webhooks.Uninstalled(ctx, a.Store, a.Config.Shopify.Shop)
		if err != nil {
			return err
		}
		if !at.IsZero() {
			return fmt.Errorf("not run: the app was uninstalled from %s at %s; install it again and run passthrough webhooks register",
				a.Config.Shopify.Shop, at.Format(time.RFC3339))
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
	Out    io.Writer
}

// ErrWebhooksNotConfigured says the configuration lacks what the command needs.
var ErrWebhooksNotConfigured = errors.New("webhooks need webhooks.url and shopify.webhook_secret in the configuration")

// Webhooks is `passthrough webhooks register|list|verify`: it subscribes the store to the
// topics passthrough acts on at webhooks.url (and, the app being installed, lets the feeds
// run again), lists the store's subscriptions, or checks that Shopify can reach the
// receiver. verify returns an error when a check fails.
func Webhooks(ctx context.Context, cfg config.Config, r WebhooksRequest) error {
	client, err := shopifyClient(cfg.Shopify, nil)
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
		if uri == "" || cfg.Shopify.WebhookSecret == "" {
			return ErrWebhooksNotConfigured
		}
		st, err := erpopen.Open(ctx, cfg.ERP.Driver, cfg.ERP.DSN.Reveal())
		if err != nil {
			return fmt.Errorf("open the %s database: %w", cfg.ERP.Driver, err)
		}
		defer st.Close()
		if _, err := st.TableColumns(ctx, "pt_settings"); errors.Is(err, erp.ErrNotFound) {
			return ErrNotMigrated
		} else if err != nil {
			return fmt.Errorf("read the database's tables: %w", err)
		}
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
		return resumeFeeds(ctx, st, cfg.Shopify.Shop, r.Out)
	case "verify":
		if uri == "" || cfg.Shopify.WebhookSecret == "" {
			return ErrWebhooksNotConfigured
		}
		checks, err := webhooks.Verify(ctx, client, &http.Client{Timeout: 10 * time.Second}, uri, client.Shop(),
			[]byte(cfg.Shopify.WebhookSecret.Reveal()))
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
	return fmt.Errorf("unknown webhooks action %q: use register, list or verify", r.Action)
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
