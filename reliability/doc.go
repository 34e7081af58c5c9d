// Package reliability holds passthrough's reliability suite and its end-to-end benchmarks.
// Everything is in its tests, which drive the real binary, the real feeds and the real
// databases against the Shopify simulator; its one command, benchtable, prints the table
// that ends `make bench`.
//
// The suite checks what DESIGN.md §7 promises, against the simulator's own truth rather
// than the mapping engine's word: no order lost or doubled, no fulfillment sent twice and no
// stock level left behind when `passthrough run FEED` is killed with SIGKILL at random
// moments (every feed: orders, shipments, inventory, stock-check; adding one is an entry in
// killFeeds), when the ERP database crashes in the middle of a run, or when Shopify fails
// 30 % of its calls; a clear message on each bad record of a corpus of bad inputs
// (testdata/), with the rest of the batch staged. With several processes on one database
// — three `serve` replicas of three stores, one killed every few seconds, `passthrough run`
// besides — no fulfillment is sent twice, no order or shipment lost or doubled, no shipment
// marked error, and no two runs of one feed of one store overlap.
//
// `go test ./reliability` (part of `make test`) runs the short form. With
// PASSTHROUGH_RELIABILITY=long (`make test-reliability`) the loops run longer: 100 kills
// per feed and database. Tests that need PostgreSQL read PASSTHROUGH_TEST_PG_DSN, as
// every other package does.
//
// The webhook path runs through real processes too: `passthrough serve` takes a burst of
// webhooks while its PostgreSQL is down (Shopify's retries and the stored deliveries bring
// every order in once it is back), and stages through its scheduled run the orders whose
// webhook the simulator dropped.
//
// Its benchmarks, part of `make bench`, measure the whole orders pipeline with the Shopify
// calls it takes per 1,000 orders, the peak memory of a backfill in a child process, the
// failover after a replica is killed, the orders staged per second of ten stores by one
// process and by three replicas, the time from an order paid in the simulator's process to
// its row in s_orders with webhooks and without, and the webhook receiver's throughput and
// duplicates.
package reliability
