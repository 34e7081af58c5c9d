package reliability_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkFailover measures how long a feed stands still when the replica running it is
// killed with SIGKILL: three `serve` replicas of one store, the orders feed every second
// on a 3 s lease, and eight times the replica that holds the orders lock is killed while it
// holds it. The failover is the time from the kill to the next start of the orders feed in
// another replica; the goal is at most one interval and one lease. Reported: the median and
// the longest, into SQLite and into PostgreSQL.
func BenchmarkFailover(b *testing.B) {
	for _, store := range []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
		b.Run(store.name, func(b *testing.B) {
			const kills = 8
			var took []time.Duration
			for b.Loop() {
				took = failoverRound(b, store.open, kills)
			}
			slices.Sort(took)
			b.ReportMetric(took[len(took)/2].Seconds(), "failover-median-s")
			b.ReportMetric(took[len(took)-1].Seconds(), "failover-longest-s")
			b.ReportMetric((replicaEvery + replicaLease).Seconds(), "goal-s")
		})
	}
}

// failoverRound is one deployment and its kills. The benchmark's own time per round means
// nothing; b.Loop runs it once, as it takes well over the bench time.
func failoverRound(b *testing.B, open dbOpener, kills int) []time.Duration {
	d := newDeployment(b, open, deploymentOptions{shops: []string{"north"}, orders: 300, delay: 10 * time.Millisecond,
		feeds: fmt.Sprintf("feeds:\n  orders: {every: %s, daily_days: 31}\n  shipments: {disabled: true}\n  inventory: {mode: off}\n", replicaEvery)})
	replicas := make([]*replica, 3)
	for i := range replicas {
		replicas[i] = d.startReplica(b, i, 0)
	}
	defer func() {
		for _, r := range replicas {
			r.stop(b)
		}
	}()
	var took []time.Duration
	for k := range kills {
		// Kill the replica that holds the orders lock, while it holds it.
		var victim int
		require.Eventually(b, func() bool {
			pid := lockHolder(b, d.db.db, "north", "orders")
			victim = slices.IndexFunc(replicas, func(r *replica) bool { return r.cmd.Process.Pid == pid })
			return victim >= 0
		}, time.Minute, 5*time.Millisecond, "a replica takes the orders lock")
		at, pid := replicas[victim].kill9()
		var next time.Time
		require.Eventually(b, func() bool {
			next = nextStart(b, d.db.db, "north", "orders", at, pid)
			return !next.IsZero()
		}, time.Minute, 10*time.Millisecond, "another replica runs the orders feed")
		took = append(took, next.Sub(at))
		replicas[victim] = d.startReplica(b, victim, k+1)
	}
	return took
}

// lockHolder is the pid of the process holding a feed lock of a shop; 0 when none does.
func lockHolder(t testing.TB, db *sql.DB, shopName, feed string) int {
	t.Helper()
	var pid int
	err := db.QueryRowContext(context.Background(), `SELECT pid FROM pt_locks WHERE `+ofShop(shopName)+` AND feed = '`+feed+`'`).Scan(&pid)
	if err == sql.ErrNoRows {
		return 0
	}
	require.NoError(t, err)
	return pid
}

// nextStart is when the first run of a feed of a shop started after at in a process other
// than pid; zero before one has.
func nextStart(t testing.TB, db *sql.DB, shopName, feed string, at time.Time, pid int) time.Time {
	t.Helper()
	for _, x := range readExecutions(t, db) {
		if x.shop == shopName && x.feed == feed && x.started.After(at) && !ownedBy(x, pid) {
			return x.started
		}
	}
	return time.Time{}
}

// BenchmarkReplicaThroughput stages the orders of ten stores (1,000 each generated) into
// one ERP database, by one `serve` process and by three replicas, and reports the orders
// staged per second from start to the last one staged: what spreading the stores' jobs over
// replicas through the feed locks buys on this machine.
func BenchmarkReplicaThroughput(b *testing.B) {
	shops := make([]string, 10)
	for i := range shops {
		shops[i] = fmt.Sprintf("store-%02d", i+1)
	}
	for _, store := range []struct {
		name string
		open dbOpener
	}{{"sqlite", sqliteDB}, {"postgres", postgresDB}} {
		for _, n := range []int{1, 3} {
			b.Run(fmt.Sprintf("%s/%d-processes", store.name, n), func(b *testing.B) {
				var rate float64
				for b.Loop() {
					rate = throughputRound(b, store.open, shops, n)
				}
				b.ReportMetric(rate, "orders-staged/s")
			})
		}
	}
}

func throughputRound(b *testing.B, open dbOpener, shops []string, processes int) float64 {
	b.StopTimer()
	d := newDeployment(b, open, deploymentOptions{shops: shops, orders: 1000,
		feeds: "feeds:\n  orders: {every: 1s, daily_days: 31}\n  shipments: {disabled: true}\n  inventory: {mode: off}\n"})
	want := 0
	for _, name := range shops {
		want += len(truth(b, d.sims[name]))
	}
	b.StartTimer()
	t0 := time.Now()
	replicas := make([]*replica, processes)
	for i := range replicas {
		replicas[i] = d.startReplica(b, i, 0)
	}
	require.Eventually(b, func() bool { return stagedCount(b, d.db.db) >= want }, 5*time.Minute, 20*time.Millisecond)
	took := time.Since(t0)
	b.StopTimer()
	for _, r := range replicas {
		r.stop(b)
	}
	b.StartTimer()
	return float64(want) / took.Seconds()
}

func stagedCount(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM s_orders`).Scan(&n))
	return n
}
