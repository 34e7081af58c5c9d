package reliability_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/feeds"
)

// The replicas test's deployment: three `serve` replicas, three stores, every feed every
// second or two, on one ERP database.
const (
	replicaCount  = 3
	replicaLease  = 3 * time.Second
	replicaEvery  = time.Second
	inventoryTick = 2 * time.Second
)

var replicaShops = []string{"north", "south", "west"}

// deployment is what the replicas test runs: the simulators of the stores in this process,
// the ERP database, and the configuration every child reads.
type deployment struct {
	dir    string
	db     erpDB
	sims   map[string]*shopifytest.Server
	config string
	env    []string
	bin    string

	mu      sync.Mutex
	shipped map[string]map[int64]bool // orders the ERP has shipped, by store
	next    map[string]int            // the last shipment number, by store
}

// deploymentOptions shape a deployment.
type deploymentOptions struct {
	shops  []string
	orders int           // generated per store
	delay  time.Duration // how long Shopify takes to answer
	feeds  string        // the config's feeds block
}

// replicasFeeds is every feed every second or two.
var replicasFeeds = fmt.Sprintf(`feeds:
  orders: {every: %s, daily_days: 31}
  shipments: {every: %s}
  inventory: {every: %s, mode: live}
`, replicaEvery, replicaEvery, inventoryTick)

func newDeployment(t testing.TB, open dbOpener, o deploymentOptions) *deployment {
	t.Helper()
	d := &deployment{dir: t.TempDir(), sims: map[string]*shopifytest.Server{}, bin: passthroughBinary(t),
		shipped: map[string]map[int64]bool{}, next: map[string]int{}}
	d.db = open(t, d.dir)
	mappings := copyMappings(t, d.dir)
	require.NoError(t, os.WriteFile(filepath.Join(mappings, "inventory.yaml"), []byte(stockMapping), 0o644))
	var stores strings.Builder
	d.env = append(os.Environ(), "PT_ERP_DSN="+d.db.dsn)
	for _, name := range o.shops {
		// One seed for every store: the same catalog (the ERP's stock is every store's),
		// the same order ids (so a row of one store taken for another's would show).
		sim := shopifytest.NewServer(shopifytest.WithShop(name), shopifytest.WithoutRateLimits(), shopifytest.WithRequestLogSize(100),
			shopifytest.WithGenerated(shopifytest.GenOptions{Orders: o.orders, SKUs: 20, Locations: 2, Seed: 97}))
		t.Cleanup(sim.Close)
		sim.SetFaults(shopifytest.Faults{Delay: o.delay})
		d.sims[name] = sim
		d.shipped[name] = map[int64]bool{}
		token := "PT_TOKEN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		d.env = append(d.env, token+"="+sim.Token)
		fmt.Fprintf(&stores, "  - {shop: %s, base_url: %q, access_token: \"${%s}\"}\n", name, sim.URL, token)
	}
	d.config = filepath.Join(d.dir, "passthrough.yaml")
	src := fmt.Sprintf(`stores:
%serp: {driver: %s, dsn: "${PT_ERP_DSN}"}
mappings: %q
mode: live
%slocks: {lease: %s}
portal: {addr: "127.0.0.1:0"}
`, stores.String(), d.db.driver, mappings, o.feeds, replicaLease)
	require.NoError(t, os.WriteFile(d.config, []byte(src), 0o600))
	code, out := d.run(t, "migrate")
	require.Equal(t, 0, code, out)
	stockAll(t, &killWorld{sim: d.sims[o.shops[0]], db: d.db})
	return d
}

func (d *deployment) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, d.bin, append(args, "--config", d.config)...)
	cmd.Env = d.env
	return cmd
}

func (d *deployment) run(t testing.TB, args ...string) (int, string) {
	t.Helper()
	cmd := d.command(t.Context(), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// replica is one `serve` process, started again after each kill, its output in a file.
type replica struct {
	n    int
	cmd  *exec.Cmd
	done chan struct{}
}

func (d *deployment) startReplica(t testing.TB, n, generation int) *replica {
	t.Helper()
	log, err := os.Create(filepath.Join(d.dir, fmt.Sprintf("replica-%d.%d.log", n, generation)))
	require.NoError(t, err)
	r := &replica{n: n, cmd: d.command(context.WithoutCancel(t.Context()), "serve"), done: make(chan struct{})}
	r.cmd.Stdout, r.cmd.Stderr = log, log
	require.NoError(t, r.cmd.Start())
	go func() {
		_ = r.cmd.Wait()
		log.Close()
		close(r.done)
	}()
	return r
}

// kill9 kills the replica the hard way and answers when and which process.
func (r *replica) kill9() (time.Time, int) {
	at, pid := time.Now(), r.cmd.Process.Pid
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	return at, pid
}

// stop stops the replica as a deploy would (SIGTERM: runs finish the record they are on).
func (r *replica) stop(t testing.TB) {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(90 * time.Second):
		t.Errorf("replica %d did not stop after SIGTERM", r.n)
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// churn is a store's day going on: new orders, pending ones paid, the ERP shipping some
// (a unit of one line, or whole orders) and its stock moving.
func (d *deployment) churn(t testing.TB, rng *rand.Rand) {
	name := replicaShops[rng.IntN(len(replicaShops))]
	sim := d.sims[name]
	_, err := sim.GenerateOrders(1+rng.IntN(3), rng.Uint64())
	require.NoError(t, err)
	var pending []int64
	for _, id := range sim.OrderIDs() {
		raw, _ := sim.Order(id)
		var o struct {
			Financial string `json:"financial_status"`
			Test      bool   `json:"test"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		if !o.Test && (o.Financial == "pending" || o.Financial == "authorized") {
			pending = append(pending, id)
		}
	}
	if len(pending) > 0 && rng.IntN(2) == 0 {
		require.NoError(t, sim.PayOrder(pending[rng.IntN(len(pending))]))
	}
	d.ship(t, name, 1+rng.IntN(3), rng.IntN(2) == 0)
	if rng.IntN(4) == 0 {
		restock(t, &killWorld{db: d.db}, rng)
	}
}

// ship writes, as the ERP would, shipments of up to n orders of the store not shipped yet:
// one unit of one open line each, or everything open. Each order is shipped once, so every
// shipment can go through.
func (d *deployment) ship(t testing.TB, name string, n int, oneUnit bool) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	sim := d.sims[name]
	for _, id := range sim.OrderIDs() {
		if n == 0 {
			return
		}
		if d.shipped[name][id] {
			continue
		}
		items := openItems(t, sim, id)
		if len(items) == 0 {
			continue
		}
		if oneUnit {
			items = []shipItem{{items[0].sku, 1}}
		}
		d.shipped[name][id] = true
		d.next[name]++
		shipment := fmt.Sprintf("%s-%05d", name, d.next[name])
		tracking := fmt.Sprintf("%s%s%07d", trackingPrefix, strings.ToUpper(name), d.next[name])
		insertShipment(t, d.db, shipment, name, id, tracking, items)
		n--
	}
}

// kill is one replica killed.
type kill struct {
	at  time.Time
	pid int
}

// TestReliabilityReplicas runs three `serve` replicas of a deployment of three stores, every
// feed every second or two, against one ERP database (SQLite, PostgreSQL, and SQL Server
// when PASSTHROUGH_TEST_MSSQL_DSN names one), while the stores take orders and the ERP
// ships and restocks. Every few seconds a random replica is killed with SIGKILL and
// started again, and `passthrough run` of random feeds and stores runs besides. Afterwards
// (and after a last clean run of every feed of every store), from the simulators' own
// records and the database: no fulfillment twice, no header or line twice, no order or
// shipment lost, no shipment marked error, every stock level right, and no two executions
// of one feed of one store overlapping in time. The failover time — from a kill to the next
// start of a feed the killed replica was running — is reported.
func TestReliabilityReplicas(t *testing.T) {
	t.Parallel()
	stores := []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}}
	if os.Getenv("PASSTHROUGH_TEST_MSSQL_DSN") != "" {
		stores = append(stores, struct {
			name string
			open dbOpener
		}{"sqlserver", sqlserverDB})
	}
	for _, store := range stores {
		t.Run("on "+store.name, func(t *testing.T) {
			replicasLoop(t, store.open, time.Duration(sized(25, 180))*time.Second)
		})
	}
}

func replicasLoop(t *testing.T, open dbOpener, length time.Duration) {
	// Shopify answers as over a network, so runs last long enough for kills to land in them.
	d := newDeployment(t, open, deploymentOptions{shops: replicaShops, orders: 120, delay: 15 * time.Millisecond, feeds: replicasFeeds})
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 13))

	replicas := make([]*replica, replicaCount)
	generation := 0
	for i := range replicas {
		replicas[i] = d.startReplica(t, i, generation)
	}
	defer func() {
		for _, r := range replicas {
			select {
			case <-r.done:
			default:
				r.kill9()
			}
		}
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(d.dir, "replica-*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", filepath.Base(l), tail(string(b)))
			}
		}
	}()

	ctx, stop := context.WithTimeout(t.Context(), length)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var runs, busy int
	var problems []string
	wg.Go(func() { // the stores and the ERP
		rng := rand.New(rand.NewPCG(seed, 17))
		for ctx.Err() == nil {
			d.churn(t, rng)
			sleep(ctx, 200*time.Millisecond)
		}
	})
	wg.Go(func() { // an operator's `passthrough run` of any feed of any store, now and then waiting
		rng := rand.New(rand.NewPCG(seed, 19))
		for ctx.Err() == nil {
			args := []string{"run", app.FeedNames[rng.IntN(len(app.FeedNames))], "--store", replicaShops[rng.IntN(len(replicaShops))]}
			if rng.IntN(2) == 0 {
				args = append(args, "--wait", "5s")
			}
			code, out := d.run(t, args...)
			mu.Lock()
			runs++
			switch {
			case code == 0 || code == 3:
			case code == 1 && strings.Contains(out, "is running in another process"):
				busy++
			default:
				problems = append(problems, fmt.Sprintf("%v exited %d: %s", args, code, tail(out)))
			}
			mu.Unlock()
			sleep(ctx, time.Duration(100+rng.IntN(400))*time.Millisecond)
		}
	})
	var kills []kill
	for ctx.Err() == nil { // a random replica killed every few seconds, and started again
		sleep(ctx, time.Duration(1500+rng.IntN(2500))*time.Millisecond)
		if ctx.Err() != nil {
			break
		}
		i := busyReplica(t, d.db.db, replicas)
		if i < 0 || rng.IntN(4) == 0 {
			i = rng.IntN(replicaCount) // now and then one that may be idle
		}
		at, pid := replicas[i].kill9()
		kills = append(kills, kill{at: at, pid: pid})
		sleep(ctx, time.Duration(200+rng.IntN(600))*time.Millisecond)
		generation++
		replicas[i] = d.startReplica(t, i, generation)
	}
	wg.Wait()
	for _, r := range replicas {
		r.stop(t)
	}
	require.Empty(t, problems, "every `passthrough run` finished, or said who runs its feed")
	require.NotEmpty(t, kills)

	// The last clean runs: the first of each finishes what the kills interrupted, the
	// second must find nothing left.
	for _, sim := range d.sims {
		waitPast(t.Context(), latestUpdate(t, sim))
	}
	last := func(feeds ...[]string) {
		for _, name := range replicaShops {
			for _, args := range feeds {
				code, out := d.run(t, append([]string{"run"}, append(args, "--store", name, "--wait", "1m")...)...)
				require.Contains(t, []int{0, 3}, code, "%s of %s: %s", args[0], name, out)
			}
		}
	}
	last([]string{"orders"}, []string{"orders"}, []string{"shipments"}, []string{"shipments"})
	// The ERP imports what was staged, so no staged order's units are taken off the stock
	// Shopify gets, and the levels are the ERP's own.
	_, err := d.db.db.ExecContext(t.Context(), `UPDATE s_orders SET import_status = 'IMPORTED'`)
	require.NoError(t, err)
	last([]string{"inventory", "--full"}, []string{"inventory"}, []string{"stock-check"})

	var fuls, shipments int
	for _, name := range replicaShops {
		sim := d.sims[name]
		requireTruth(t, d.db.db, sim)
		requireConsistent(t, d.db.db, name)
		n, dups := duplicateFulfillments(sim)
		require.Zero(t, dups, "%s: a shipment was sent twice", name)
		requireShipmentsSent(t, sim, d.db.db) // every shipment sent (none error), each unit once
		fuls += n
		shipments += len(erpShipments(t, d.db.db, name))
		for key, want := range erpStock(t, &killWorld{sim: sim, db: d.db}) {
			got, ok := sim.InventoryLevel(key.item, key.loc)
			require.True(t, ok, "%s has no level for %s", name, key.sku)
			require.Equal(t, want, int64(got), "%s: %s at location %d", name, key.sku, key.loc)
		}
	}
	xs := readExecutions(t, d.db.db)
	requireNoOverlap(t, xs)
	require.Zero(t, executionsRunning(t, d.db.db), "every interrupted run was closed")
	failover, interrupted := failovers(xs, kills)
	slices.Sort(failover)
	t.Logf("%s: %d kills, %d runs interrupted by them, %d executions; %d `passthrough run`s (%d told the feed runs elsewhere); %d shipments, %d fulfillments, none twice",
		d.db.driver, len(kills), interrupted, len(xs), runs, busy, shipments, fuls)
	if len(failover) > 0 {
		t.Logf("%s: failover after kill -9 (kill to the next start of a feed the killed replica ran), %d feeds: median %s, longest %s (interval %s + lease %s = %s)",
			d.db.driver, len(failover), failover[len(failover)/2].Round(time.Millisecond), failover[len(failover)-1].Round(time.Millisecond),
			replicaEvery, replicaLease, replicaEvery+replicaLease)
	}
	require.Positive(t, interrupted, "no kill landed while a replica was running a feed")
}

// busyReplica is a replica that holds a feed lock (is running a feed) within a second or
// two, or -1: the kills should mostly land in the middle of runs.
func busyReplica(t testing.TB, db *sql.DB, replicas []*replica) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		rows, err := db.QueryContext(context.Background(), `SELECT pid FROM pt_locks`)
		require.NoError(t, err)
		var pids []int
		for rows.Next() {
			var pid int
			require.NoError(t, rows.Scan(&pid))
			pids = append(pids, pid)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		for i, r := range replicas {
			if slices.Contains(pids, r.cmd.Process.Pid) {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return -1
}

// ownedBy says whether the execution ran in the process pid (its owner is "host pid N
// (instance …)").
func ownedBy(x execution, pid int) bool {
	return strings.Contains(x.owner, fmt.Sprintf(" pid %d ", pid))
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// execution is one row of pt_feed_executions.
type execution struct {
	id                  int64
	shop, feed, owner   string
	outcome, errMessage string
	started, finished   time.Time
}

func readExecutions(t testing.TB, db *sql.DB) []execution {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT id, shop, feed, owner, outcome, error_message, started_at, finished_at FROM pt_feed_executions ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []execution
	for rows.Next() {
		var x execution
		var finished sql.NullTime
		require.NoError(t, rows.Scan(&x.id, &x.shop, &x.feed, &x.owner, &x.outcome, &x.errMessage, &x.started, &finished))
		x.finished = finished.Time
		out = append(out, x)
	}
	require.NoError(t, rows.Err())
	return out
}

// requireNoOverlap checks that no two executions of one feed lock of one shop overlap: each
// starts at or after the previous one's end (for a run whose process died, its last
// heartbeat).
func requireNoOverlap(t testing.TB, xs []execution) {
	t.Helper()
	byLock := map[string][]execution{}
	for _, x := range xs {
		k := x.shop + "/" + feeds.LockName(x.feed)
		byLock[k] = append(byLock[k], x)
	}
	for k, list := range byLock {
		slices.SortFunc(list, func(a, b execution) int { return a.started.Compare(b.started) })
		for i := 1; i < len(list); i++ {
			prev, cur := list[i-1], list[i]
			require.False(t, cur.started.Before(prev.finished),
				"%s: run %d (%s, %s) started at %s, before run %d (%s, %s) ended at %s", k,
				cur.id, cur.feed, cur.owner, cur.started.Format(time.StampMilli),
				prev.id, prev.feed, prev.owner, prev.finished.Format(time.StampMilli))
		}
	}
}

// failovers measures, for every run a kill interrupted, the time from the kill to the next
// start of a run of the same feed lock of the same shop, in another process.
func failovers(xs []execution, kills []kill) ([]time.Duration, int) {
	var out []time.Duration
	interrupted := 0
	for _, x := range xs {
		if !strings.HasPrefix(x.errMessage, "interrupted") {
			continue
		}
		var k *kill
		for i := range kills {
			if ownedBy(x, kills[i].pid) {
				k = &kills[i]
			}
		}
		if k == nil {
			continue
		}
		interrupted++
		var next time.Time
		for _, y := range xs {
			if y.shop == x.shop && feeds.LockName(y.feed) == feeds.LockName(x.feed) && y.started.After(k.at) &&
				(next.IsZero() || y.started.Before(next)) {
				next = y.started
			}
		}
		if !next.IsZero() {
			out = append(out, next.Sub(k.at))
		}
	}
	return out, interrupted
}
