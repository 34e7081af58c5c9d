package portal_test

// The portal composed from real pieces where they exist — the SQLite ERP store, the real
// mapping engine with the shipped mappings, the real scheduler — and small stand-ins for the
// feeds that are still being written: an orders "feed" that maps and stages with the real
// engine and store, and a stock report. The browser tests drive it; TestRealPieces checks
// it through plain HTTP.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/errclass"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/portal"
	"github.com/passthrough-dev/passthrough/record"
)

const shop = "acme"

// engineMappings keeps mapping files and their versions in memory and compiles them with
// the real engine; a saved file takes effect at once.
type engineMappings struct {
	now     func() time.Time
	columns mapping.ColumnSource // the real store's tables

	mu       sync.Mutex
	versions map[string][]portal.MappingVersion // oldest first; version 0 is the shipped text
	set      *mapping.Set
}

func newEngineMappings(t *testing.T, dir string, now func() time.Time, columns mapping.ColumnSource) *engineMappings {
	t.Helper()
	m := &engineMappings{now: now, columns: columns, versions: map[string][]portal.MappingVersion{}}
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		require.NoError(t, err)
		m.versions[filepath.Base(n)] = []portal.MappingVersion{{Source: string(b)}}
	}
	require.NoError(t, m.compile())
	return m
}

func (m *engineMappings) current(name string) portal.MappingVersion {
	vs := m.versions[name]
	return vs[len(vs)-1]
}

// compile builds the set from the current texts; the caller holds mu (or is New).
func (m *engineMappings) compile() error {
	fsys := fstest.MapFS{}
	for name := range m.versions {
		fsys[name] = &fstest.MapFile{Data: []byte(m.current(name).Source)}
	}
	set, err := mapping.Load(fsys)
	if err != nil {
		return err
	}
	m.set = set
	return nil
}

func (m *engineMappings) Set() *mapping.Set {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.set
}

func (m *engineMappings) Files(context.Context) ([]portal.MappingFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []portal.MappingFile
	for name := range m.versions {
		v := m.current(name)
		f := portal.MappingFile{Name: name, Source: v.Source, Version: v.Version, SavedAt: v.SavedAt, SavedBy: v.SavedBy}
		if _, err := mapping.Parse(name, []byte(v.Source)); err != nil {
			var diags *mapping.Diagnostics
			if errors.As(err, &diags) {
				f.Problems = diags
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *engineMappings) Preview(_ context.Context, name string, src, raw []byte) (portal.Preview, error) {
	set := m.Set()
	if src != nil {
		var err error
		if set, err = mapping.Parse(name, src); err != nil {
			return portal.Preview{}, err
		}
	}
	tables, err := set.Preview(mapping.PreviewInput{Feed: strings.TrimSuffix(name, ".yaml"), Raw: raw, Shop: shop, Now: m.now()})
	var re *passthrough.RecordError
	if errors.As(err, &re) {
		return portal.Preview{Rejected: re}, nil
	}
	if err != nil {
		return portal.Preview{}, err
	}
	return portal.Preview{Tables: tables}, nil
}

// Check compiles src and checks its columns against the real store, as the application does.
func (m *engineMappings) Check(ctx context.Context, name string, src []byte) error {
	set, err := mapping.Parse(name, src)
	if err != nil {
		return err
	}
	return mapping.CheckColumns(ctx, set, m.columns)
}

func (m *engineMappings) Save(ctx context.Context, s portal.MappingSave) error {
	if err := m.Check(ctx, s.Name, s.Source); err != nil {
		return err
	}
	name := s.Name
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.versions[name]
	if m.current(name).Version == 0 {
		// As the mapping folder does: the first save keeps the text as found as version 1.
		m.versions[name] = []portal.MappingVersion{{Version: 1, Source: m.current(name).Source}}
	}
	kept := m.versions[name]
	m.versions[name] = append(kept, portal.MappingVersion{Version: m.current(name).Version + 1, SavedAt: m.now(), SavedBy: s.User, Source: string(s.Source),
		RestoredFrom: s.RestoredFrom})
	if err := m.compile(); err != nil {
		m.versions[name] = prev
		return err
	}
	return nil
}

func (m *engineMappings) Versions(_ context.Context, name string) ([]portal.MappingVersion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	vs := append([]portal.MappingVersion(nil), m.versions[name]...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].Version > vs[j].Version })
	return vs, nil
}

// stagingOrders stands in for the orders feed: it maps an order's payload with the current
// mappings and stages it in the real store, or records why not.
type stagingOrders struct {
	store erp.Store
	maps  *engineMappings
	now   func() time.Time
}

// handle maps and stages one order, and says what became of it.
func (o *stagingOrders) handle(ctx context.Context, raw []byte, runID int64, actor string) (passthrough.Severity, error) {
	order, err := record.DecodeOrder(raw)
	if err != nil {
		return "", err
	}
	e := ledger.Entry{Shop: shop, OrderID: order.ID, OrderName: order.Name, OrderDate: order.CreatedAt,
		CustomerEmail: order.Email, Total: order.TotalPrice, Currency: order.Currency, Payload: raw,
		ShopifyUpdatedAt: order.UpdatedAt, RunID: runID, Actor: actor}
	if order.BillingAddress != nil {
		e.CustomerName = order.BillingAddress.Name
	}
	e.SKUs = []string{}
	for _, l := range order.LineItems {
		if l.SKU != "" {
			e.SKUs = append(e.SKUs, l.SKU)
		}
	}
	res, err := o.maps.Set().Orders.Map(mapping.OrderInput{Shop: shop, Order: order, Now: o.now()})
	var re *passthrough.RecordError
	if errors.As(err, &re) {
		e.Severity, e.Problem = re.Severity, re.Message
		e.Status = ledger.StatusFor(re.Severity)
		if runID != 0 {
			if err := o.store.ProblemAdd(ctx, erp.Problem{ExecutionID: runID, Feed: "orders", Shop: shop,
				RecordKey: strconv.FormatInt(order.ID, 10), Severity: re.Severity, Message: re.Message,
				Template: errclass.Template(re.Message), At: o.now()}); err != nil {
				return "", err
			}
		}
		return re.Severity, o.store.LedgerPut(ctx, e)
	}
	if err != nil {
		return "", err
	}
	e.Status = ledger.StatusStaged
	if err := o.store.OrderStage(ctx, erp.OrderStageParams{OrderRows: *res, Ledger: e}); err != nil {
		return "", err
	}
	return "", nil
}

func (o *stagingOrders) Retry(ctx context.Context, orderID int64, user string) (feeds.Retried, error) {
	e, err := o.store.LedgerGet(ctx, shop, orderID)
	if err != nil {
		return feeds.Retried{}, err
	}
	sev, err := o.handle(ctx, e.Payload, 0, user)
	if err != nil {
		return feeds.Retried{}, err
	}
	after, err := o.store.LedgerGet(ctx, shop, orderID)
	return feeds.Retried{Entry: after, Wrote: sev == "", Changed: !after.UpdatedAt.Equal(e.UpdatedAt)}, err
}

func (o *stagingOrders) Skip(ctx context.Context, orderID int64, user, reason string) error {
	e, err := o.store.LedgerGet(ctx, shop, orderID)
	if err != nil {
		return err
	}
	e.Exclude(user, reason)
	return o.store.LedgerPut(ctx, e)
}

func (o *stagingOrders) Resolve(ctx context.Context, orderID int64, user, reason string) error {
	e, err := o.store.LedgerGet(ctx, shop, orderID)
	if err != nil {
		return err
	}
	e.Resolve(user, reason)
	if err := o.store.LedgerPut(ctx, e); err != nil {
		return err
	}
	_, err = o.store.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: shop, Feed: "orders", RecordKey: strconv.FormatInt(orderID, 10),
		Status: erp.ProblemResolved, By: user, Reason: reason})
	return err
}

// Staged reads the order from the staging tables, as the orders feed does.
func (o *stagingOrders) Staged(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	m := o.maps.Set().Orders
	return o.store.OrderStagedGet(ctx, erp.OrderStagedGetParams{Header: m.Header(), Lines: m.Lines(), Shop: shop, OrderID: orderID})
}

// Mapped maps the stored payload with the current mappings.
func (o *stagingOrders) Mapped(ctx context.Context, orderID int64) (*passthrough.OrderRows, error) {
	e, err := o.store.LedgerGet(ctx, shop, orderID)
	if err != nil {
		return nil, err
	}
	order, err := record.DecodeOrder(e.Payload)
	if err != nil {
		return nil, err
	}
	return o.maps.Set().Orders.Map(mapping.OrderInput{Shop: shop, Order: order, Now: o.now()})
}

// run is the "orders" task: it handles again every order not staged, as a recorded run.
func (o *stagingOrders) run(ctx context.Context) error {
	x, err := o.store.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: "orders", Shop: shop, Trigger: feeds.TriggerFrom(ctx)})
	if err != nil {
		return err
	}
	var counts erp.ExecutionCounts
	for _, status := range []ledger.Status{ledger.StatusWaiting, ledger.StatusFailed} {
		page, err := o.store.LedgerList(ctx, erp.LedgerListParams{Shop: shop, Status: status, Limit: 1000})
		if err != nil {
			return err
		}
		for _, e := range page {
			counts.Seen++
			sev, err := o.handle(ctx, e.Payload, x.ID, "")
			if err != nil {
				return err
			}
			switch sev {
			case "":
				counts.Written++
			case passthrough.SeverityInfo:
				counts.Skipped++
			case passthrough.SeverityRetry:
				counts.Retry++
			case passthrough.SeverityError:
				counts.Errors++
			}
		}
	}
	outcome := erp.OutcomeFinished
	if counts.Errors > 0 {
		outcome = erp.OutcomeFinishedPartially
	}
	return o.store.ExecutionFinish(ctx, erp.ExecutionFinishParams{ID: x.ID, Outcome: outcome, Counts: counts})
}

// stockReport stands in for the inventory feed's report.
type stockReport struct {
	mu     sync.Mutex
	synced int
}

func (s *stockReport) Drift(context.Context) (portal.DriftReport, error) {
	return portal.DriftReport{CheckedAt: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), Rows: []portal.DriftRow{
		{SKU: "IPOD2008RED", LocationID: 655441491, Location: "Main warehouse", ERP: 12, Shopify: 9},
	}}, nil
}

func (s *stockReport) Locations(context.Context) (map[int64]string, error) {
	return map[int64]string{655441491: "Main warehouse", 487838322: "Store front"}, nil
}

func (s *stockReport) SyncNow() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synced++
	return nil
}

// composed is the portal on real pieces, with what the scenarios need to know.
type composed struct {
	srv      *portal.Server
	deps     portal.Deps
	store    *erpsqlite.Store
	orders   *stagingOrders
	mappings *engineMappings
	names    []string // order names, newest first
	paid     int64    // an order that stages
	failed   int64    // an order that fails: a line without SKU
	// otherNames are the orders of a second store of the deployment, newest first.
	otherNames []string
}

// otherShop is the composed portal's second store: a few orders in its ledger, nothing else.
const otherShop = "globex"

// compose builds the portal on a data set of orders made from a real Shopify payload
// (testdata/shopify), varied: paid and staged, unpaid (waiting), test orders (skipped), and
// orders with a line without SKU (failed).
func compose(t *testing.T) *composed {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := erpsqlite.Open(ctx, "file:"+filepath.Join(t.TempDir(), "erp.db"), erp.WithLogger(log))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(ctx)
	require.NoError(t, err)

	maps := newEngineMappings(t, filepath.Join("..", "mappings"), time.Now, st)
	orders := &stagingOrders{store: st, maps: maps, now: time.Now}
	c := &composed{store: st, orders: orders, mappings: maps}

	raw, err := os.ReadFile(filepath.Join("..", "testdata", "shopify", "shopify-api-ruby__2026-07__order.json"))
	require.NoError(t, err)
	var doc struct {
		Order map[string]any `json:"order"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	people := []string{"Bob Norman", "Ann Lee", "Jürgen Groß", "Zoë O'Brien", "李小龍", "Amaya Ruiz"}
	for i := range 24 {
		o := cloneJSON(t, doc.Order)
		id := int64(450789469 + i)
		name := fmt.Sprintf("#%d", 1001+i)
		o["id"], o["name"], o["order_number"] = id, name, 1001+i
		person := people[i%len(people)]
		o["email"] = fmt.Sprintf("buyer%d@example.com", i)
		o["billing_address"].(map[string]any)["name"] = person
		created := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Hour).Format(time.RFC3339)
		o["created_at"], o["processed_at"], o["updated_at"] = created, created, created
		o["financial_status"] = "paid"
		switch i % 6 {
		case 1:
			o["financial_status"] = "pending"
		case 3:
			o["test"] = true
		case 5:
			o["line_items"].([]any)[1].(map[string]any)["sku"] = ""
		}
		b, err := json.Marshal(o)
		require.NoError(t, err)
		_, err = orders.handle(ctx, b, 0, "")
		require.NoError(t, err)
		c.names = append([]string{name}, c.names...)
		switch i % 6 {
		case 0:
			c.paid = id
		case 5:
			c.failed = id
		}
	}

	for i := range 3 {
		name := fmt.Sprintf("#G%d", 2001+i)
		require.NoError(t, st.LedgerPut(ctx, ledger.Entry{Shop: otherShop, OrderID: int64(880000001 + i), OrderName: name,
			OrderDate: time.Now(), Status: ledger.StatusWaiting, Severity: passthrough.SeverityRetry, Problem: "not paid yet"}))
		c.otherNames = append([]string{name}, c.otherNames...)
	}

	sched, err := feeds.NewScheduler(log, clockwork.NewRealClock(), feeds.NewLocks(st, feeds.NewOwner(), 0, log))
	require.NoError(t, err)
	require.NoError(t, sched.Add(feeds.Task{Shop: shop, Name: "orders", Feed: "orders", Every: time.Hour, Run: orders.run}))
	sched.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, sched.Shutdown(ctx))
	})

	require.NoError(t, st.InventorySentPut(ctx, []erp.InventorySent{
		{Shop: shop, SKU: "IPOD2008GREEN", InventoryItemID: 39072856, LocationID: 655441491, Available: 12, SentAt: time.Now(), DryRun: true},
		{Shop: shop, SKU: "IPOD2008RED", InventoryItemID: 49148385, LocationID: 655441491, Available: 4, SentAt: time.Now(), DryRun: true},
	}))

	reg := prometheus.NewRegistry()
	_, err = portal.NewMetrics(reg)
	require.NoError(t, err)
	c.deps = portal.Deps{
		Stores: []portal.Store{{Shop: shop, Orders: orders, Mappings: maps, Stock: &stockReport{},
			Mode: "test", FeedModes: map[string]string{"inventory": "live"}, Expect: []portal.FeedExpectation{{Feed: "orders", Every: 5 * time.Minute}}},
			{Shop: otherShop, Mode: "live"}},
		Ledger: st, Accounts: st, Overview: st, Feeds: sched, Audit: st, Problems: st, Users: composedUsers(t),
		Ping: st.DB().PingContext, DBStats: st.DB().Stats, Metrics: reg, Logger: log,
		SessionKey: []byte("a session key the replicas share, 32+ bytes"),
	}
	c.srv, err = portal.New(c.deps)
	require.NoError(t, err)
	return c
}

// another is one more portal on the composed pieces: a replica, or the portal restarted.
func (c *composed) another(t *testing.T) *portal.Server {
	t.Helper()
	srv, err := portal.New(c.deps)
	require.NoError(t, err)
	return srv
}

func cloneJSON(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// composedUsers are an operator and an admin; each password is the name + "-secret".
func composedUsers(t testing.TB) []config.User {
	t.Helper()
	var out []config.User
	for _, u := range []struct{ name, role string }{{"olga", "operator"}, {"adam", "admin"}} {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-secret"), bcrypt.MinCost)
		require.NoError(t, err)
		out = append(out, config.User{Name: u.name, PasswordHash: config.Secret(h), Role: u.role})
	}
	return out
}
