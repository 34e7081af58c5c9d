package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
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
