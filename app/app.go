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

// App is one running passthrough.
type App struct {
	Config    config.Config
	Log       *slog.Logger
	Store     erp.Store
	Shopify   *shopify.Client
	Mappings  *mapping.Dir
	Orders    *feeds.Orders
	Shipments *feeds.Shipments
	Inventory *feeds.Inventory
	Scheduler *feeds.Scheduler
	// Mode is the store's mode (test or live), switched in the portal or the config.
	Mode    *Mode
	Metrics *portal.Metrics
	Portal  *portal.Server

	clock       clockwork.Clock
	registry    *prometheus.Registry
	onExecution func(erp.Execution)
	closers     []func() error
}

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

	maps, err := mapping.OpenDir(cfg.Mappings)
	if err != nil {
		return nil, fmt.Errorf("open mappings: %w", err)
	}
	a.Mappings = maps
	if err := maps.Problems(); err != nil {
		a.Log.Error("some mapping files do not compile; their feeds wait until they are fixed", "problems", err.Error())
	}
	if err := mapping.CheckColumns(ctx, maps.Set(), a.Store); err != nil {
		a.Log.Error("mappings name columns the database does not have", "problems", err.Error())
	}

	plan, err := shopify.PlanByName(cfg.Shopify.Plan)
	if err != nil {
		return nil, err
	}
	client, err := shopify.New(shopify.Config{
		Shop: cfg.Shopify.Shop, BaseURL: cfg.Shopify.BaseURL, APIVersion: cfg.Shopify.APIVersion,
		AccessToken: cfg.Shopify.AccessToken.Reveal(), ClientID: cfg.Shopify.ClientID,
		ClientSecret: cfg.Shopify.ClientSecret.Reveal(), Plan: plan,
		Logger: a.Log.With("part", "shopify"),
	})
	if err != nil {
		return nil, fmt.Errorf("set up the Shopify client: %w", err)
	}
	a.Shopify = client

	if err := a.registerMetrics(); err != nil {
		return nil, err
	}
	a.Mode, err = loadMode(ctx, a.Store, a.Config.Mode, opts.DryRun, a.Log)
	if err != nil {
		return nil, err
	}
	shop := cfg.Shopify.Shop
	a.Orders = &feeds.Orders{
		Shop: shop, Source: client, Store: a.Store, Mappings: maps.Set,
		Log: a.Log, Now: a.clock.Now, Observer: a,
		Overlap:       cfg.Feeds.Orders.Overlap.Std(),
		FirstLookback: time.Duration(max(cfg.Feeds.Orders.DailyDays, 1)) * 24 * time.Hour,
		TimeZone:      cfg.Shopify.TimeZone, Locations: cfg.Shopify.Locations,
	}
	maps.OnChange(func(*mapping.Set) { a.Orders.MappingChanged() })
	a.Shipments = &feeds.Shipments{
		Shop: shop, Shopify: client, Store: a.Store, Mappings: maps.Set, Live: a.Mode.Live,
		Log: a.Log, Now: a.clock.Now, Observer: a,
	}
	a.Inventory = &feeds.Inventory{
		Shop: shop, Shopify: client, Store: a.Store, Mappings: maps.Set, Live: a.Mode.Live,
		Log: a.Log, Now: a.clock.Now, Observer: a, CatalogEvery: cfg.Feeds.Inventory.CatalogEvery.Std(),
	}

	sched, err := feeds.NewScheduler(a.Log, a.clock)
	if err != nil {
		return nil, err
	}
	a.Scheduler = sched
	if err := a.schedule(); err != nil {
		return nil, err
	}

	zone := a.shopZone(ctx)
	a.Portal, err = portal.New(portal.Deps{
		Shop: cfg.Shopify.Shop, Ledger: a.Store, Feeds: sched,
		Orders:        a.Orders,
		Location:      zone,
		Completeness:  completeness{a},
		TestShipments: testShipments{a},
		Mappings:      &mappingFiles{dir: maps, shop: cfg.Shopify.Shop, zone: a.Orders.ZoneName(), now: a.clock.Now},
		Stock:         stockPage{a.Inventory, sched},
		ModeSwitch:    a.Mode, FeedModes: map[string]string{
			feeds.FeedInventory: "stock sync " + cfg.Feeds.Inventory.Mode,
		},
		Users: cfg.Portal.Users, SessionKey: []byte(cfg.Portal.SessionKey.Reveal()),
		Metrics: a.registry, MetricsToken: []byte(cfg.Portal.MetricsToken.Reveal()),
		Logger: a.Log.With("part", "portal"), Clock: a.clock.Now,
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

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
	err = portal.RegisterShopify(reg, func() map[string]portal.ShopifyStats {
		out := map[string]portal.ShopifyStats{}
		for ep, s := range a.Shopify.Stats() {
			out[ep] = portal.ShopifyStats(s)
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
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.Scheduler.Start()
	a.Log.Info("passthrough is running", "portal", "http://"+ln.Addr().String(), "mode", a.Config.Mode, "shop", a.Config.Shopify.Shop)

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("serve the portal: %w", err)
	}
	a.Log.Info("stopping: letting runs finish the record they are on")
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return errors.Join(err, srv.Shutdown(stop), a.Scheduler.Shutdown(stop))
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
	Since, Until time.Time
	// Full: orders re-fetch the last daily_days days; inventory makes a full pass.
	Full bool
	// Force runs a feed whose mode is off.
	Force    bool
	Progress func(feeds.OrdersProgress)
}

// RunFeed runs one feed now and returns its execution.
func (a *App) RunFeed(ctx context.Context, name string, r RunRequest) (erp.Execution, error) {
	switch name {
	case feeds.FeedOrders:
		run := feeds.OrdersRun{Since: r.Since, Until: r.Until, Progress: r.Progress}
		if r.Full && run.Since.IsZero() {
			run.Since = a.refetch().Since
		}
		run.Resume = !run.Since.IsZero()
		return a.Orders.Run(ctx, run)
	case feeds.FeedShipments:
		return a.Shipments.Run(ctx)
	case feeds.FeedOrdersCheck:
		x, _, err := a.Orders.CheckCompleteness(ctx, feeds.CompletenessRun{Days: a.Config.Feeds.Orders.DailyDays})
		return x, err
	case feeds.FeedInventory:
		if a.Config.Feeds.Inventory.Mode == config.InventoryOff && !r.Force {
			return erp.Execution{}, ErrFeedOff
		}
		return a.Inventory.Run(ctx, feeds.InventoryRun{Full: r.Full})
	case feeds.FeedStockCheck:
		return a.Inventory.Check(ctx)
	}
	return erp.Execution{}, fmt.Errorf("unknown feed %q: use %s", name, strings.Join(FeedNames, ", "))
}
