package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestWebhooksRegisterAndList(t *testing.T) {
	t.Parallel()
	sim := shopifytest.NewServer(shopifytest.WithShop("acme"), shopifytest.WithoutRateLimits())
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "passthrough.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`shopify:
  shop: acme
  base_url: `+sim.URL+`
  access_token: `+sim.Token+`
  webhook_secret: the-app-client-secret
erp: {driver: sqlite, dsn: "file:`+filepath.Join(dir, "erp.db")+`"}
webhooks: {url: "https://pt.example.com/webhooks/shopify"}
`), 0o600))

	var out, errOut bytes.Buffer
	require.Equal(t, exitUsage, dispatch(t.Context(), []string{"webhooks", "register", "--config", cfg}, &out, &errOut))
	require.Equal(t, "passthrough webhooks: the database has no passthrough tables: run passthrough migrate first\n", errOut.String())
	require.Empty(t, sim.Subscriptions(), "nothing is subscribed before the database is ready")

	errOut.Reset()
	require.Equal(t, exitOK, dispatch(t.Context(), []string{"migrate", "--config", cfg}, &out, &errOut), errOut.String())
	out.Reset()
	require.Equal(t, exitOK, dispatch(t.Context(), []string{"webhooks", "register", "--config", cfg}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "created    orders/paid\n")
	require.Len(t, sim.Subscriptions(), 7)

	out.Reset()
	require.Equal(t, exitOK, dispatch(t.Context(), []string{"webhooks", "list", "--config", cfg}, &out, &errOut), errOut.String())
	require.Contains(t, out.String(), "7 subscriptions\n")
}

func TestWebhooksRefusesBadUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"webhooks"}, "passthrough webhooks: webhooks needs an action: register, list or verify\n"},
		{[]string{"webhooks", "delete"}, "passthrough webhooks: webhooks needs an action: register, list or verify\n"},
		{[]string{"webhooks", "list"}, "passthrough webhooks: webhooks list needs --config FILE\n"},
	} {
		var out, errOut bytes.Buffer
		require.Equal(t, exitUsage, dispatch(t.Context(), tc.args, &out, &errOut), tc.args)
		require.Equal(t, tc.want, errOut.String())
	}
}
