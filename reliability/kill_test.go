package reliability_test

import (
	"cmp"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
)

// killWorld is what one kill loop works on: the simulator in this process, an ERP
// database, and the passthrough binary run as a child process against both.
type killWorld struct {
	sim   *shopifytest.Server
	db    erpDB
	child *child
	start time.Time // when the loop began: backfills cover the month before it
}

// killFeed is one feed under the kill -9 loop. Adding a feed is one entry in killFeeds.
type killFeed struct {
	name string
	// config is added to the child's configuration file; mappings replace shipped files.
	config   string
	mappings map[string]string
	gen      shopifytest.GenOptions
	// shortKills is the kills of the short form (default 25); the long form makes 100.
	shortKills int
	// setUp prepares the ERP after migrate, when set.
	setUp func(t testing.TB, w *killWorld)
	// args are the run's arguments besides `run NAME --config FILE`, for the i-th run.
	args func(w *killWorld, i int) []string
	// churn makes new work before a run: new business, changes.
	churn func(t testing.TB, w *killWorld, rng *rand.Rand)
	// consistent is what must hold after any kill, at any moment (nil: nothing more than
	// what the final check sees).
	consistent func(t testing.TB, w *killWorld)
	// exact is what must hold after the final clean run: the simulator's truth.
	exact func(t testing.TB, w *killWorld)
}

func killFeeds() []killFeed {
	out := []killFeed{{
		name: "orders",
		gen:  shopifytest.GenOptions{Orders: sized(400, 1500), SKUs: 40, Seed: 31},
		args: func(w *killWorld, i int) []string {
			if i%4 == 3 {
				// A backfill of the month before the loop began: it re-reads every order,
				// and a killed one resumes where it stopped.
				return []string{"--since", w.start.AddDate(0, 0, -31).UTC().Format(time.RFC3339),
					"--until", w.start.UTC().Format(time.RFC3339)}
			}
			return nil
		},
		churn:      churnOrders,
		consistent: func(t testing.TB, w *killWorld) { requireConsistent(t, w.db.db, shop) },
		exact:      func(t testing.TB, w *killWorld) { requireTruth(t, w.db.db, w.sim) },
	}}
	return append(out, completenessKillFeed(), shipmentsKillFeed(), inventoryKillFeed(), stockCheckKillFeed())
}

// TestReliabilityKill9 runs each feed as a child process and kills it with SIGKILL at
// random moments, again and again (10 to 25 times in the short form, 100 in the long one),
// while the shop keeps changing. After every kill nothing may be half-written; after a
// final clean run the ERP must hold exactly what the simulator says, once.
func TestReliabilityKill9(t *testing.T) {
	t.Parallel()
	for _, f := range killFeeds() {
		for _, store := range []struct {
			name string
			open dbOpener
		}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
			t.Run(f.name+" on "+store.name, func(t *testing.T) {
				t.Parallel()
				killLoop(t, f, store.open)
			})
		}
	}
}

func TestReliabilityKill9CoversEveryFeedPassthroughRuns(t *testing.T) {
	t.Parallel()
	var covered []string
	for _, f := range killFeeds() {
		covered = append(covered, f.name)
	}
	for _, name := range app.FeedNames {
		require.Contains(t, covered, name, "passthrough run %s exists: add it to killFeeds", name)
	}
}

func killLoop(t *testing.T, f killFeed, open dbOpener) {
	dir := t.TempDir()
	sim := shopifytest.NewServer(shopifytest.WithShop(shop), shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(f.gen))
	t.Cleanup(sim.Close)
	db := open(t, dir)
	w := &killWorld{sim: sim, db: db, child: newChild(t, dir, sim, db, f.config), start: time.Now()}
	for name, src := range f.mappings {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "mappings", name), []byte(src), 0o644))
	}
	code, out := w.child.run(t, "migrate")
	require.Equal(t, 0, code, out)
	if f.setUp != nil {
		f.setUp(t, w)
	}

	kills := sized(cmp.Or(f.shortKills, 25), 100)
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 77))
	// Kills land uniformly within the time a run takes, learnt from the runs that finished
	// (an average that follows the runs as they grow or shrink), so that nearly every run
	// is killed, anywhere from its start to its end.
	typical := 2 * time.Second
	var killed, midRun, finished int
	for i := 0; killed < kills; i++ {
		require.Less(t, i, 4*kills, "the runs keep finishing before the kill; %d kills in %d runs", killed, i)
		f.churn(t, w, rng)
		// A killed run holds its feed's lock until its lease runs out: the next one waits.
		cmd, out := w.child.command(t.Context(), append([]string{"run", f.name, "--wait", "1m"}, f.args(w, i)...)...)
		before := lastExecution(t, w.db.db)
		delay := time.Duration(rng.Int64N(int64(min(max(typical*9/10, 50*time.Millisecond), 3*time.Second))))
		t0 := time.Now()
		require.NoError(t, cmd.Start())
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		timer.Stop()
		if wasKilled(cmd) {
			killed++
			if runningSince(t, w.db.db, before) {
				midRun++
			}
		} else {
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				require.NoError(t, err)
			}
			require.Equal(t, 0, cmd.ProcessState.ExitCode(), "a run that was not killed finishes: %s", out)
			finished++
			typical = (3*typical + time.Since(t0)) / 4
		}
		if f.consistent != nil {
			f.consistent(t, w)
		}
	}
	t.Logf("%s on %s: %d kills (%d in the middle of a run, with its execution left RUNNING), %d runs finished before their kill",
		f.name, w.db.driver, killed, midRun, finished)
	require.Positive(t, midRun, "no kill landed while a run was under way")

	// The final clean runs: the first finishes what the kills interrupted, the second must
	// find nothing left to do.
	waitPast(t.Context(), latestUpdate(t, sim))
	for range 2 {
		code, out := w.child.run(t, "run", f.name, "--wait", "1m")
		require.Equal(t, 0, code, out)
		f.exact(t, w)
		if f.consistent != nil {
			f.consistent(t, w)
		}
	}
	require.Zero(t, executionsRunning(t, w.db.db), "every interrupted run is closed as FAILED by the next one")
}

// lastExecution is the id of the newest feed execution (0 for none).
func lastExecution(t testing.TB, db *sql.DB) int64 {
	t.Helper()
	var id sql.NullInt64
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT MAX(id) FROM pt_feed_executions`).Scan(&id))
	return id.Int64
}

// runningSince says whether an execution newer than id is still RUNNING: the killed run
// had started and not ended.
func runningSince(t testing.TB, db *sql.DB, id int64) bool {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM pt_feed_executions WHERE outcome = 'RUNNING' AND id > `+strconv.FormatInt(id, 10)).Scan(&n))
	return n > 0
}

func wasKilled(cmd *exec.Cmd) bool {
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// churnOrders is the shop going on between runs: new orders, pending ones paid, staged
// ones edited (a line dropped or its quantity lowered, so the lines are replaced) and
// now and then one cancelled after staging.
func churnOrders(t testing.TB, w *killWorld, rng *rand.Rand) {
	t.Helper()
	_, err := w.sim.GenerateOrders(3+rng.IntN(10), rng.Uint64())
	require.NoError(t, err)

	churnExisting(t, w, rng, 4, 3)
}

// churnExisting changes orders Shopify already has: up to 2 pending ones paid, up to
// maxEdits-1 paid ones edited, and one in cancelOneIn times a paid one cancelled.
func churnExisting(t testing.TB, w *killWorld, rng *rand.Rand, maxEdits, cancelOneIn int) {
	t.Helper()
	var pending, paid []int64
	for _, id := range w.sim.OrderIDs() {
		raw, _ := w.sim.Order(id)
		var o struct {
			Financial   string  `json:"financial_status"`
			Test        bool    `json:"test"`
			CancelledAt *string `json:"cancelled_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		switch {
		case o.Test || o.CancelledAt != nil:
		case o.Financial == "pending" || o.Financial == "authorized":
			pending = append(pending, id)
		case o.Financial == "paid":
			paid = append(paid, id)
		}
	}
	for range min(len(pending), rng.IntN(3)) {
		require.NoError(t, w.sim.PayOrder(pending[rng.IntN(len(pending))]))
	}
	for range min(len(paid), rng.IntN(maxEdits)) {
		require.NoError(t, w.sim.UpdateOrder(paid[rng.IntN(len(paid))], func(o map[string]any) { editLines(o, rng) }))
	}
	if len(paid) > 0 && rng.IntN(cancelOneIn) == 0 {
		require.NoError(t, w.sim.CancelOrder(paid[rng.IntN(len(paid))], "customer"))
	}
}

// editLines lowers one line's current quantity, or drops a line when the order has
// several, as an order edit in Shopify does.
func editLines(o map[string]any, rng *rand.Rand) {
	lines, _ := o["line_items"].([]any)
	var live []map[string]any
	for _, l := range lines {
		li, _ := l.(map[string]any)
		if q, ok := li["current_quantity"].(float64); ok && q > 0 && li["requires_shipping"] == true {
			live = append(live, li)
		}
	}
	if len(live) == 0 {
		o["note"] = fmt.Sprintf("edited %d", rng.IntN(1000))
		return
	}
	li := live[rng.IntN(len(live))]
	q := li["current_quantity"].(float64)
	switch {
	case q > 1:
		li["current_quantity"] = q - 1
	case len(live) > 1:
		li["current_quantity"] = 0
	default:
		o["note"] = fmt.Sprintf("edited %d", rng.IntN(1000))
	}
}
