// Package app puts passthrough together from one configuration: the ERP store, the Shopify
// client, the mapping folder, the feeds on their schedule, and the portal with its
// metrics. The commands in cmd/passthrough only parse flags and call it, and tests start
// the whole application through it.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/portal"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// Options are what a caller may supply instead of the defaults.
type Options struct {
	Logger *slog.Logger
	// Clock drives the schedule (a fake clock in tests); the real clock by default.
	Clock clockwork.Clock
	// Store is an ERP store already opened; by default New opens erp.driver/erp.dsn.
	Store erp.Store
	// OnExecution hears about every finished feed run, besides the metrics.
	OnExecution func(erp.Execution)
	// DryRun reads for real and writes nothing to the database (DryRun lists what it
	// would have written); outbound feeds behave as in test mode.
	DryRun bool
}

// App is one running passthrough: every store of the configuration, on one ERP database,
// with one schedule and one portal. Any number of Apps (replicas, `passthrough run`) may
// share the database: each run takes its feed's lock there first (Locks).
type App struct {
	Config config.Config
	Log    *slog.Logger
	Store  erp.Store
	// Shops are the stores' parts, in the configuration's order.
	Shops []*Shop
	// Locks are this process's feed locks, shared with every other process through Store.
	Locks     *feeds.Locks
	Scheduler *feeds.Scheduler
	Metrics   *portal.Metrics
	Portal    *portal.Server
	// Receiver and WebhookWorker take the stores' webhooks; nil when no store has a webhook
	// secret.
	Receiver      *webhooks.Receiver
	WebhookWorker *webhooks.Worker

	clock       clockwork.Clock
	registry    *prometheus.Registry
	onExecution func(erp.Execution)
	closers     []func() error
}

// Shop is one store's parts: its Shopify client, its mappings, its feeds and its mode.
type Shop struct {
	Config    config.Store
	Log       *slog.Logger // with the shop's name
	Shopify   *shopify.Client
	Mappings  *mapping.Dir
	Orders    *feeds.Orders
	Shipments *feeds.Shipments
	Inventory *feeds.Inventory
	// Mode is the store's mode (test or live), switched in the portal or the config.
	Mode *Mode

	clock clockwork.Clock
}

// Name is the shop's name.
func (s *Shop) Name() string { return s.Config.Shop }

// ExecutionFinished passes a finished run to the metrics and to Options.OnExecution.
func (a *App) ExecutionFinished(x erp.Execution) {
	a.Metrics.ExecutionFinished(x)
	if a.onExecution != nil {
		a.onExecution(x)
	}
}

// ErrNotMigrated says the database lacks passthrough's tables.
var ErrNotMigrated = errors.New("the database has no passthrough tables: run passthrough migrate first")

// New builds the application. It opens the store and compiles the mappings but starts
// nothing; Serve starts the schedule and the portal.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	a := &App{Config: cfg, Log: opts.Logger, clock: opts.Clock, registry: prometheus.NewRegistry(), onExecution: opts.OnExecution}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()

	a.Store = opts.Store
	if a.Store == nil {
		s, err := erpopen.Open(ctx, cfg.ERP.Driver, cfg.ERP.DSN.Reveal(), erp.WithLogger(a.Log.With("part", "erp")), erp.WithSchema(cfg.ERP.Schema))
		if err != nil {
			return nil, fmt.Errorf("open the %s database: %w", cfg.ERP.Driver, err)
		}
		a.Store = s
		a.closers = append(a.closers, s.Close)
	}
	if opts.DryRun {
		a.Store = &dryRunStore{Store: a.Store}
	}
	if _, err := a.Store.TableColumns(ctx, "pt_order_ledger"); errors.Is(err, erp.ErrNotFound) {
		return nil, ErrNotMigrated
	} else if err != nil {
		return nil, fmt.Errorf("read the database's tables: %w", err)
	}

	owner := feeds.NewOwner()
	a.Locks = feeds.NewLocks(a.Store, owner, cfg.Locks.Lease.Std(), a.Log.With("part", "locks"))
	a.Log.Debug("this process", "owner", owner.String())
	stores := cfg.StoreList()
	for _, sc := range stores {
		shop, err := a.newShop(ctx, sc, opts.DryRun, len(stores) == 1)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", sc.Shop, err)
		}
		a.Shops = append(a.Shops, shop)
	}
	if err := a.registerMetrics(); err != nil {
		return nil, err
	}
	a.setUpWebhooks()

	sched, err := feeds.NewScheduler(a.Log, a.clock, a.Locks)
	if err != nil {
		return nil, err
	}
	a.Scheduler = sched
	if err := a.schedule(); err != nil {
		return nil, err
	}
	if err := a.scheduleAlerts(); err != nil {
		return nil, err
	}

	var pstores []portal.Store
	for _, s := range a.Shops {
		zone := s.zone(ctx)
		pstores = append(pstores, portal.Store{
			Shop: s.Name(), Orders: s.Orders, Shipments: s.Shipments, Location: zone,
			Completeness:  completeness{a, s},
			TestShipments: testShipments{a, s},
			Mappings:      &mappingFiles{dir: s.Mappings, shop: s.Name(), zone: s.Orders.ZoneName(), now: a.clock.Now, columns: a.Store},
			Stock:         stockPage{s.Inventory, sched},
			ModeSwitch:    s.Mode,
			FeedModes:     map[string]string{feeds.FeedInventory: "stock sync " + s.Config.Feeds.Inventory.Mode},
			Webhooks:      storeWebhooks{a, s},
			Privacy:       storeWebhooks{a, s},
			Shopify:       s.Shopify, Scopes: s.scopeNeeds(), Expect: s.feedExpectations(),
			Alerts: s.alertDigests(a.Store),
		})
	}
	var ping func(context.Context) error
	var dbStats func() sql.DBStats
	if db, ok := a.Store.(interface{ DB() *sql.DB }); ok {
		ping, dbStats = db.DB().PingContext, db.DB().Stats
	}
	deps := portal.Deps{
		Stores: pstores, Ledger: a.Store, Accounts: a.Store, Overview: a.Store, Feeds: sched, Audit: a.Store, Problems: a.Store,
		Users: cfg.Portal.Users, SessionKey: []byte(cfg.Portal.SessionKey.Reveal()),
		Metrics: a.registry, MetricsToken: []byte(cfg.Portal.MetricsToken.Reveal()), Ping: ping, DBStats: dbStats,
		Logger: a.Log.With("part", "portal"), Clock: a.clock.Now,
	}
	if a.Receiver != nil {
		deps.Webhooks = a.Receiver
	}
	if a.Portal, err = portal.New(deps); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// newShop builds one store's parts. only says the store is the deployment's one store,
// whose mode may still sit where an earlier passthrough kept it.
func (a *App) newShop(ctx context.Context, sc config.Store, dryRun, only bool) (*Shop, error) {
	s := &Shop{Config: sc, Log: a.Log.With("shop", sc.Shop), clock: a.clock}
	maps, err := mapping.OpenDir(sc.Mappings)
	if err != nil {
		return nil, fmt.Errorf("open mappings: %w", err)
	}
	s.Mappings = maps
	if err := maps.Problems(); err != nil {
		s.Log.Error("some mapping files do not compile; their feeds wait until they are fixed", "problems", err.Error())
	}
	if err := mapping.CheckColumns(ctx, maps.Set(), a.Store); err != nil {
		s.Log.Error("mappings name columns the database does not have", "problems", err.Error())
	}

	client, err := shopifyClient(sc.Shopify, s.Log.With("part", "shopify"))
	if err != nil {
		return nil, err
	}
	s.Shopify = client

	s.Mode, err = loadMode(ctx, a.Store, sc.Shop, sc.Mode, dryRun, only, s.Log)
	if err != nil {
		return nil, err
	}
	s.Orders = &feeds.Orders{
		Shop: sc.Shop, Source: client, Store: a.Store, Mappings: maps.Set,
		Log: s.Log, Now: a.clock.Now, Observer: a,
		Overlap:       sc.Feeds.Orders.Overlap.Std(),
		FirstLookback: time.Duration(max(sc.Feeds.Orders.DailyDays, 1)) * 24 * time.Hour,
		TimeZone:      sc.TimeZone, Locations: sc.Locations,
	}
	maps.OnChange(func(*mapping.Set) { s.Orders.MappingChanged() })
	s.Shipments = &feeds.Shipments{
		Shop: sc.Shop, Shopify: client, Store: a.Store, Mappings: maps.Set, Live: s.Mode.Live,
		Log: s.Log, Now: a.clock.Now, Observer: a,
	}
	s.Inventory = &feeds.Inventory{
		Shop: sc.Shop, Shopify: client, Store: a.Store, Mappings: maps.Set, Live: s.Mode.Live,
		Log: s.Log, Now: a.clock.Now, Observer: a, CatalogEvery: sc.Feeds.Inventory.CatalogEvery.Std(),
	}
	return s, nil
}

// Shop is the store of that name; "" names the deployment's only store.
func (a *App) Shop(name string) (*Shop, error) {
	if name == "" && len(a.Shops) == 1 {
		return a.Shops[0], nil
	}
	var names []string
	for _, s := range a.Shops {
		if s.Name() == name {
			return s, nil
		}
		names = append(names, s.Name())
	}
	if name == "" {
		return nil, fmt.Errorf("%w: this configuration has several stores; name one of %s", ErrUnknownStore, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%w %q: the configuration has %s", ErrUnknownStore, name, strings.Join(names, ", "))
}

// ErrUnknownStore says a store asked for is not in the configuration.
var ErrUnknownStore = errors.New("unknown store")

func (a *App) registerMetrics() error {
	reg := a.registry
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return fmt.Errorf("register metrics: %w", err)
	}
	m, err := portal.NewMetrics(reg)
	if err != nil {
		return err
	}
	a.Metrics = m
	err = portal.RegisterShopify(reg, func() map[string]map[string]portal.ShopifyStats {
		out := map[string]map[string]portal.ShopifyStats{}
		for _, s := range a.Shops {
			byEndpoint := map[string]portal.ShopifyStats{}
			for ep, st := range s.Shopify.Stats() {
				byEndpoint[ep] = st
			}
			out[s.Name()] = byEndpoint
		}
		return out
	})
	if err != nil {
		return err
	}
	if db, ok := a.Store.(interface{ DB() *sql.DB }); ok {
		return portal.RegisterDB(reg, db.DB(), "erp")
	}
	return nil
}

// Serve runs the schedule and the portal until ctx ends, then stops both: the portal
// finishes the requests under way, each feed the record it is on.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Portal, ReadHeaderTimeout: 10 * time.Second}
	stopWebhooks, err := a.serveWebhooks(ctx)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.Scheduler.Start()
	for _, s := range a.Shops {
		s.Log.Info("passthrough is running", "portal", "http://"+ln.Addr().String(), "mode", s.Mode.Mode())
	}

	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("serve the portal: %w", err)
	}
	a.Log.Info("stopping: letting runs finish the record they are on")
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return errors.Join(err, srv.Shutdown(stop), stopWebhooks(stop), a.Scheduler.Shutdown(stop))
}

// shopifyClient is the client of one store's configuration.
func shopifyClient(cfg config.Shopify, log *slog.Logger) (*shopify.Client, error) {
	plan, err := shopify.PlanByName(cfg.Plan)
	if err != nil {
		return nil, err
	}
	client, err := shopify.New(shopify.Config{
		Shop: cfg.Shop, BaseURL: cfg.BaseURL, APIVersion: cfg.APIVersion,
		AccessToken: cfg.AccessToken.Reveal(), ClientID: cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(), Plan: plan, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the Shopify client: %w", err)
	}
	return client, nil
}

// Listen opens the portal's address.
func (a *App) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", a.Config.Portal.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", a.Config.Portal.Addr, err)
	}
	return ln, nil
}

// Close releases what New opened.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// FeedNames are the feeds `passthrough run` knows.
var FeedNames = []string{feeds.FeedOrders, feeds.FeedOrdersCheck, feeds.FeedShipments, feeds.FeedInventory, feeds.FeedStockCheck}

// ErrFeedOff says a feed's mode is off in the configuration: `run` does not run it unless
// forced.
var ErrFeedOff = errors.New("the inventory feed is off (feeds.inventory.mode: off); pass --force to run it anyway")

// RunRequest is one run asked for on the command line.
type RunRequest struct {
	// Shop names the store; empty for the deployment's only store.
	Shop         string
	Since, Until time.Time
	// Full: orders re-fetch the last daily_days days; inventory makes a full pass.
	Full bool
	// Force runs a feed whose mode is off.
	Force    bool
	Progress func(feeds.OrdersProgress)
	// Wait is how long to wait for the feed's lock while another run holds it; zero
	// refuses at once, with an error naming the process that holds it.
	Wait time.Duration
}

// RunFeed runs one feed of one store now, once it holds the feed's lock, and returns its
// execution. A feed running elsewhere is an error wrapping feeds.ErrAlreadyRunning (and an
// *erp.LockedError naming the process). A dry run writes nothing and takes no lock. The
// inventory feed of a store whose stock sync is off is ErrFeedOff, unless forced.
func (a *App) RunFeed(ctx context.Context, name string, r RunRequest) (erp.Execution, error) {
	if !slices.Contains(FeedNames, name) {
		return erp.Execution{}, fmt.Errorf("unknown feed %q: use %s", name, strings.Join(FeedNames, ", "))
	}
	s, err := a.Shop(r.Shop)
	if err != nil {
		return erp.Execution{}, err
	}
	if name == feeds.FeedInventory && s.Config.Feeds.Inventory.Mode == config.InventoryOff && !r.Force {
		if len(a.Shops) > 1 {
			return erp.Execution{}, fmt.Errorf("store %s: %w", s.Name(), ErrFeedOff)
		}
		return erp.Execution{}, ErrFeedOff
	}
	if _, dry := a.Store.(*dryRunStore); !dry {
		held, err := a.Locks.Wait(ctx, s.Name(), name, r.Wait)
		if err != nil {
			return erp.Execution{}, err
		}
		defer held.Release()
		ctx = held.Context()
	}
	return s.run(ctx, name, r)
}

// run runs one feed of the store.
func (s *Shop) run(ctx context.Context, name string, r RunRequest) (erp.Execution, error) {
	switch name {
	case feeds.FeedOrders:
		run := feeds.OrdersRun{Since: r.Since, Until: r.Until, Progress: r.Progress}
		if r.Full && run.Since.IsZero() {
			run.Since = s.refetch().Since
		}
		run.Resume = !run.Since.IsZero()
		return s.Orders.Run(ctx, run)
	case feeds.FeedShipments:
		return s.Shipments.Run(ctx)
	case feeds.FeedOrdersCheck:
		x, _, err := s.Orders.CheckCompleteness(ctx, feeds.CompletenessRun{Days: s.Config.Feeds.Orders.DailyDays})
		return x, err
	case feeds.FeedInventory:
		return s.Inventory.Run(ctx, feeds.InventoryRun{Full: r.Full})
	case feeds.FeedStockCheck:
		return s.Inventory.Check(ctx)
	}
	return erp.Execution{}, fmt.Errorf("unknown feed %q: use %s", name, strings.Join(FeedNames, ", "))
}
