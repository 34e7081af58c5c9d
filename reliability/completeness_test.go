package reliability_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
)

// completenessKillFeed is the completeness check under kill -9: the regular runs never ran,
// so every order of the month is missing and the check imports it by id, killed at random
// moments. After a final clean check the ERP holds exactly what Shopify says, once.
func completenessKillFeed() killFeed {
	return killFeed{
		name:       feeds.FeedOrdersCheck,
		shortKills: 10,
		// (The child's configuration checks daily_days: 31 days.) Orders of the month before an
		// hour ago: the check leaves the last quarter of an hour to the regular runs.
		gen:        shopifytest.GenOptions{Orders: sized(200, 800), SKUs: 30, Seed: 37, Until: time.Now().Add(-time.Hour)},
		args:       func(*killWorld, int) []string { return nil },
		churn:      churnOldOrders,
		consistent: func(t testing.TB, w *killWorld) { requireConsistent(t, w.db.db, shop) },
		exact:      func(t testing.TB, w *killWorld) { requireTruth(t, w.db.db, w.sim) },
	}
}

// churnOldOrders changes orders Shopify already has (paid, lines edited, cancelled), without
// new business: the check leaves orders of the last quarter of an hour to the regular runs.
func churnOldOrders(t testing.TB, w *killWorld, rng *rand.Rand) {
	t.Helper()
	churnExisting(t, w, rng, 3, 4)
}
