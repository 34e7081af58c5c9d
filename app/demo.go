package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/mappings"
	"github.com/passthrough-dev/passthrough/portal"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// DemoOptions shape `passthrough demo`.
type DemoOptions struct {
	Addr   string        // the portal's address; 127.0.0.1:8080 by default
	Dir    string        // where the database and mapping files go; a new temporary folder by default
	Orders int           // orders the simulated store starts with; 300 by default
	Every  time.Duration // how often each feed runs; 15s by default
	Out    io.Writer     // where the demo says what it does
	Log    *slog.Logger
}

// Demo runs a whole passthrough with nothing configured: the Shopify simulator seeded with
// orders, products and two locations, an embedded SQLite ERP, the shipped mappings, every
// feed on a short interval and the portal. A small ERP stand-in imports staged orders and
// ships them after a while, and the store keeps taking orders, so every page has something
// to show. It runs until ctx ends.
func Demo(ctx context.Context, o DemoOptions) error {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.Orders == 0 {
		o.Orders = 300
	}
	if o.Every == 0 {
		o.Every = 15 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "passthrough-demo-")
		if err != nil {
			return fmt.Errorf("make the demo folder: %w", err)
		}
		o.Dir = dir
	}
	say := func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }

	sim, err := shopifytest.Start("127.0.0.1:0", shopifytest.WithShop("demo-store"),
		shopifytest.WithGenerated(shopifytest.GenOptions{Orders: o.Orders, SKUs: 40, Locations: 2, Seed: 2026}))
	if err != nil {
		return fmt.Errorf("start the Shopify simulator: %w", err)
	}
	defer sim.Close()
	say("Shopify simulator: %s (shop %s, %d orders, %d SKUs, %d locations)", sim.URL, sim.Shop, len(sim.OrderIDs()), len(sim.Variants()), len(sim.Locations()))

	mapDir := filepath.Join(o.Dir, "mappings")
	if err := copyShippedMappings(mapDir, sim.Locations()); err != nil {
		return err
	}
	dbPath := filepath.Join(o.Dir, "erp.db")
	store, err := erpsqlite.Open(ctx, "file:"+dbPath, erp.WithLogger(o.Log.With("part", "erp")))
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	say("ERP database (SQLite): %s", dbPath)
	say("mapping files: %s", mapDir)

	password := randomPassword()
	hash, err := portal.HashPassword(password)
	if err != nil {
		return fmt.Errorf("hash the demo password: %w", err)
	}
	cfg := config.Default()
	cfg.Shopify.Shop, cfg.Shopify.BaseURL, cfg.Shopify.AccessToken = sim.Shop, sim.URL, config.Secret(sim.Token)
	cfg.ERP.DSN = config.Secret("file:" + dbPath)
	cfg.Mappings = mapDir
	cfg.Mode = "live" // the simulator is the store: sending to it is safe
	cfg.Feeds.Orders.Every = config.Duration(o.Every)
	cfg.Feeds.Orders.DailyDays = 31
	cfg.Feeds.Shipments.Every = config.Duration(o.Every)
	cfg.Feeds.Inventory.Every = config.Duration(o.Every)
	cfg.Portal.Addr = o.Addr
	cfg.Portal.Users = []config.User{{Name: "admin", PasswordHash: config.Secret(hash), Role: "admin"}}
	cfg.Shopify.WebhookSecret = config.Secret(randomPassword() + randomPassword())
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}

	a, err := New(ctx, cfg, Options{Logger: o.Log, Store: store, OnExecution: func(x erp.Execution) {
		c := x.Counts
		say("%s  %-9s %-18s %4d seen  %4d written  %3d skipped  %3d waiting  %3d errors",
			x.FinishedAt.Local().Format("15:04:05"), x.Feed, x.Outcome, c.Seen, c.Written, c.Skipped, c.Retry, c.Errors)
	}})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (is another demo running? pass --addr): %w", o.Addr, err)
	}
	// The simulated store sends its webhooks to the portal's receiver, as a real one would
	// to webhooks.url.
	sim.SetWebhooks("http://"+ln.Addr().String()+webhooks.Path, []byte(cfg.Shopify.WebhookSecret.Reveal()))
	say("")
	say("portal: http://%s   login: admin / %s", ln.Addr(), password)
	say("feeds run every %s; Ctrl-C stops the demo", o.Every)
	say("")

	standIn := &erpStandIn{db: store.DB(), sim: sim, log: o.Log, every: o.Every}
	if err := standIn.seedStock(ctx); err != nil {
		return err
	}
	go standIn.run(ctx)
	return a.Serve(ctx, ln)
}

// copyShippedMappings writes the shipped mapping files into dir, with the demo ERP's
// warehouses (WH1, WH2 …) mapped to the simulator's locations in inventory.yaml.
func copyShippedMappings(dir string, locs []shopifytest.Location) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make the mappings folder: %w", err)
	}
	names, err := fs.Glob(mappings.Files, "*.yaml")
	if err != nil {
		return err
	}
	for _, n := range names {
		b, err := mappings.Files.ReadFile(n)
		if err != nil {
			return err
		}
		if n == "inventory.yaml" {
			var lookup []string
			for i, l := range locs {
				lookup = append(lookup, fmt.Sprintf("%q: %q", warehouse(i), l.Name))
			}
			b = bytes.Replace(b, []byte("locations: {}"), []byte("locations: {"+strings.Join(lookup, ", ")+"}"), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", n, err)
		}
	}
	return nil
}

func warehouse(i int) string { return fmt.Sprintf("WH%d", i+1) }

func randomPassword() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// seedStock fills product_qty_in_stock with every SKU of the store at each warehouse.
func (e *erpStandIn) seedStock(ctx context.Context) error {
	rng := mrand.New(mrand.NewPCG(3, 5))
	for _, v := range e.sim.Variants() {
		if v.SKU == "" {
			continue
		}
		for i := range e.sim.Locations() {
			qty := rng.IntN(120)
			_, err := e.db.ExecContext(ctx, `INSERT INTO product_qty_in_stock (item_code, warehouse_code, qty_on_hand, qty_committed, qty_available)
				VALUES (?, ?, ?, '0', ?) ON CONFLICT DO NOTHING`, v.SKU, warehouse(i), strconv.Itoa(qty), strconv.Itoa(qty))
			if err != nil {
				return fmt.Errorf("seed the ERP's stock: %w", err)
			}
		}
	}
	return nil
}

// erpStandIn plays the ERP and the shop around passthrough in the demo: it imports staged
// orders after a while (import_status, erp_order_no), ships imported ones
// (external_order_shipments), and the shop takes new orders and gets some paid.
type erpStandIn struct {
	db    *sql.DB
	sim   *shopifytest.Server
	log   *slog.Logger
	every time.Duration
	n     int
}

func (e *erpStandIn) run(ctx context.Context) {
	t := time.NewTicker(e.every)
	defer t.Stop()
	rng := mrand.New(mrand.NewPCG(7, 11))
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e.n++
		if err := e.tick(ctx, rng); err != nil && !errors.Is(err, context.Canceled) {
			e.log.Warn("demo ERP stand-in", "err", err)
		}
	}
}

func (e *erpStandIn) tick(ctx context.Context, rng *mrand.Rand) error {
	if _, err := e.sim.GenerateOrders(1+rng.IntN(3), uint64(e.n)); err != nil {
		return err
	}
	// The ERP imports what has been staged for a while, a few orders at a time.
	_, err := e.db.ExecContext(ctx, `
		UPDATE s_orders SET import_status = 'IMPORTED', erp_order_no = 'SO-' || (100000 + rowid)
		WHERE (import_status IS NULL OR import_status = '') AND cancelled = 0
		AND rowid IN (SELECT rowid FROM s_orders WHERE import_status IS NULL OR import_status = '' ORDER BY rowid LIMIT 20)`)
	if err != nil {
		return fmt.Errorf("import orders: %w", err)
	}
	// It ships a few imported orders: one row per line, one tracking number per order.
	_, err = e.db.ExecContext(ctx, `
		INSERT INTO external_order_shipments (shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, tracking_url, ship_date)
		SELECT 'SHP-' || o.erp_order_no, d.line_no, d.shop, d.web_order_id, d.item_code, d.quantity,
		       '1ZDEMO' || printf('%010d', o.web_order_id % 10000000000), 'UPS', '', ?
		FROM s_orders o JOIN s_order_details d ON d.shop = o.shop AND d.web_order_id = o.web_order_id
		WHERE o.import_status = 'IMPORTED'
		AND o.web_order_id IN (
			SELECT web_order_id FROM s_orders x WHERE x.import_status = 'IMPORTED'
			AND NOT EXISTS (SELECT 1 FROM external_order_shipments s WHERE s.shop = x.shop AND s.web_order_id = x.web_order_id)
			ORDER BY x.rowid LIMIT 5)`, time.Now().UTC().Format("2006-01-02 15:04:05.000"))
	if err != nil {
		return fmt.Errorf("ship orders: %w", err)
	}
	// Stock moves: a few SKUs are sold or received in the warehouse.
	_, err = e.db.ExecContext(ctx, `
		UPDATE product_qty_in_stock
		SET qty_available = CAST(MAX(0, CAST(qty_available AS INTEGER) + ?) AS TEXT),
		    qty_on_hand = CAST(MAX(0, CAST(qty_on_hand AS INTEGER) + ?) AS TEXT),
		    updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
		WHERE rowid IN (SELECT rowid FROM product_qty_in_stock ORDER BY random() LIMIT 3)`, rng.IntN(21)-10, rng.IntN(21)-10)
	if err != nil {
		return fmt.Errorf("move stock: %w", err)
	}
	return nil
}
