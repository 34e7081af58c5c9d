package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/config"
)

// runSetup is a simulated store and a migrated SQLite ERP, with a config file for both.
type runSetup struct {
	sim *shopifytest.Server
	cfg string
}

func newRunSetup(t *testing.T, gen shopifytest.GenOptions) runSetup {
	t.Helper()
	sim := shopifytest.NewServer(shopifytest.WithShop("acme"), shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(gen))
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	wd, err := os.Getwd()
	require.NoError(t, err)
	cfg := filepath.Join(dir, "passthrough.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`
shopify: {shop: acme, base_url: %q, access_token: %q}
erp: {driver: sqlite, dsn: "file:%s"}
mappings: %q
feeds: {orders: {daily_days: 40}}
`, sim.URL, sim.Token, filepath.Join(dir, "erp.db"), filepath.Join(wd, "..", "..", "mappings"))), 0o600))
	return runSetup{sim: sim, cfg: cfg}
}

func (s runSetup) run(t *testing.T, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := dispatch(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunExitCodesFollowTheOutcome(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 50, SKUs: 10, Seed: 3})

	code, _, errOut := s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitUsage, code, "an ERP database without passthrough's tables is a set-up problem")
	require.Contains(t, errOut, "run passthrough migrate first")

	code, _, errOut = s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut := s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `^orders cli: FINISHED in \S+ — \d+ seen, \d+ written`, out)

	// A line without a SKU needs a person: FINISHED_PARTIALLY, exit 3.
	id := s.sim.OrderIDs()[0]
	require.NoError(t, s.sim.UpdateOrder(id, func(o map[string]any) {
		o["financial_status"], o["test"], o["cancelled_at"] = "paid", false, nil
		for _, l := range o["line_items"].([]any) {
			l.(map[string]any)["sku"], l.(map[string]any)["requires_shipping"] = "", true
		}
	}))
	code, out, _ = s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitPartial, code, out)
	require.Contains(t, out, "FINISHED_PARTIALLY")

	// Shopify refusing the token fails the run: exit 1.
	src, err := os.ReadFile(s.cfg)
	require.NoError(t, err)
	wrong := filepath.Join(filepath.Dir(s.cfg), "wrong-token.yaml")
	require.NoError(t, os.WriteFile(wrong, []byte(strings.Replace(string(src), s.sim.Token, "shpat_wrong_secret", 1)), 0o600))
	code, out, errOut = s.run(t, "run", "orders", "--config", wrong)
	require.Equal(t, exitFailed, code, out+errOut)
	require.Contains(t, out, "FAILED")
	require.Contains(t, out, "401")
	require.NotContains(t, out+errOut, "shpat_wrong_secret", "the token is never printed")
}

func TestRunDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 30, SKUs: 10, Seed: 5})
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	code, out, errOut := s.run(t, "run", "orders", "--config", s.cfg, "--dry-run")
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `dry run: \d+ ledger entries would be written`, out)
	require.Contains(t, out, "staged")

	// A real run afterwards finds everything still to do.
	code, out, errOut = s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)
	require.NotContains(t, out, " 0 written")
}

func TestRunBackfillShowsProgressAndBadDatesAreUsageErrors(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 40, SKUs: 10, Seed: 9})
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	since := "2020-01-01"
	code, out, errOut := s.run(t, "run", "orders", "--config", s.cfg, "--since", since)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "orders cli: FINISHED")
	require.Contains(t, errOut, "progress: 100%", "not a terminal: plain progress lines")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "run needs a feed"},
		{[]string{"run", "stock", "--config", s.cfg}, `unknown feed "stock"`},
		{[]string{"run", "orders", "--config", s.cfg, "--since", "yesterday"}, `--since "yesterday" is not a date`},
		{[]string{"run", "orders", "--config", s.cfg, "--until", "2026-01-01"}, "--until needs --since"},
		{[]string{"run", "orders", "--config", s.cfg, "--since", "2026-02-01", "--until", "2026-01-01"}, "--until must be after --since"},
	} {
		code, _, errOut := s.run(t, tc.args...)
		require.Equal(t, exitUsage, code, tc.args)
		require.Contains(t, errOut, tc.want)
	}
}

func TestRunSaysWhichProcessRunsTheFeedAndWaitsWhenAsked(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 11})
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	// Another process (a serve replica) runs the shipments feed of acme.
	cfg, err := config.Load(s.cfg)
	require.NoError(t, err)
	store, err := erpopen.Open(t.Context(), cfg.ERP.Driver, cfg.ERP.DSN.Reveal())
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	other := erp.Owner{ID: "9c1d2e3f-0000-4000-8000-000000000001", Host: "web-9", PID: 99}
	held, err := store.LockAcquire(t.Context(), erp.LockParams{Shop: "acme", Name: "shipments", Owner: other, Token: "t", TTL: time.Hour})
	require.NoError(t, err)

	code, out, errOut := s.run(t, "run", "shipments", "--config", s.cfg)
	require.Equal(t, exitFailed, code, out)
	require.Regexp(t, `(?m)^passthrough run: shipments of acme is running in another process: web-9 pid 99 \(instance 9c1d2e3f\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; run again later, or wait for it with --wait DURATION$`, errOut)
	require.Empty(t, out, "nothing ran")

	code, _, errOut = s.run(t, "run", "shipments", "--config", s.cfg, "--wait", "300ms")
	require.Equal(t, exitFailed, code, "a wait that runs out fails the same way")
	require.Contains(t, errOut, "is running in another process: web-9 pid 99")

	code, out, errOut = s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitOK, code, "another feed of the store is free: %s", errOut)
	require.Contains(t, out, "orders cli: FINISHED")

	time.AfterFunc(500*time.Millisecond, func() { _ = store.LockRelease(context.Background(), held) })
	code, out, errOut = s.run(t, "run", "shipments", "--config", s.cfg, "--wait", "1m")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "shipments cli: FINISHED", "it ran once the other process let go")

	code, _, errOut = s.run(t, "run", "shipments", "--config", s.cfg, "--wait", "-1s")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--wait must not be negative")
}

func TestRunOfSeveralStoresNeedsTheStore(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 13})
	src, err := os.ReadFile(s.cfg)
	require.NoError(t, err)
	// The same simulated shop twice under two names is enough for the command line.
	sim := strings.SplitN(strings.SplitN(string(src), "base_url: ", 2)[1], ",", 2)[0]
	token := strings.SplitN(strings.SplitN(string(src), "access_token: ", 2)[1], "}", 2)[0]
	rest := strings.SplitN(string(src), "\n", 3)[2]
	multi := fmt.Sprintf("stores:\n  - {shop: acme, base_url: %s, access_token: %s}\n  - {shop: globex, base_url: %s, access_token: %s}\n%s", sim, token, sim, token, rest)
	require.NoError(t, os.WriteFile(s.cfg, []byte(multi), 0o600))
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	code, _, errOut = s.run(t, "run", "orders", "--config", s.cfg)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "this configuration has several stores; name one of acme, globex")
	code, _, errOut = s.run(t, "run", "orders", "--config", s.cfg, "--store", "initech")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, `unknown store "initech": the configuration has acme, globex`)

	code, out, errOut := s.run(t, "run", "orders", "--config", s.cfg, "--store", "globex")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "orders cli: FINISHED")
}

func TestRunInventoryRespectsModeOffUnlessForced(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 10, SKUs: 10, Seed: 11})
	src, err := os.ReadFile(s.cfg)
	require.NoError(t, err)
	off := strings.Replace(string(src), "feeds: {orders: {daily_days: 40}}", "feeds: {orders: {daily_days: 40}, inventory: {mode: \"off\"}}", 1)
	require.NoError(t, os.WriteFile(s.cfg, []byte(off), 0o600))
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)

	s.sim.ResetRequests()
	code, out, errOut := s.run(t, "run", "inventory", "--config", s.cfg)
	require.Equal(t, exitUsage, code, out)
	require.True(t, strings.HasSuffix(errOut, "passthrough run: the inventory feed is off (feeds.inventory.mode: off); pass --force to run it anyway\n"), errOut)
	require.Empty(t, out)
	for _, r := range s.sim.Requests() {
		require.NotContains(t, r.Path, "graphql", "nothing was read or sent")
	}

	code, out, errOut = s.run(t, "run", "inventory", "--config", s.cfg, "--force")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "inventory cli: FINISHED")
}

func TestRunOrdersCheckComparesTheDaysWithShopify(t *testing.T) {
	t.Parallel()
	s := newRunSetup(t, shopifytest.GenOptions{Orders: 30, SKUs: 10, Seed: 13})
	code, _, errOut := s.run(t, "migrate", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)
	code, out, errOut := s.run(t, "run", "orders-check", "--config", s.cfg)
	require.Equal(t, exitOK, code, errOut)
	require.Regexp(t, `^orders-check cli: FINISHED in \S+ — 30 seen, \d+ written`, out, "every order of the last 40 days, none in the ledger yet")
}
