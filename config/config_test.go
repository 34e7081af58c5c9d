package config_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/config"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseReadsTheDesignExample(t *testing.T) {
	t.Parallel()
	src := `
shopify:
  shop: example-store
  base_url: ""
  access_token: ${SHOPIFY_ACCESS_TOKEN}
  api_version: "2026-07"
  webhook_secret: ${SHOPIFY_WEBHOOK_SECRET}
erp:
  driver: sqlite
  dsn: file:passthrough.db
mappings: ./mappings
mode: test
feeds:
  orders:    { every: 5m }
  shipments: { every: 5m }
  inventory: { every: 5m, mode: live, daily_at: "02:00" }
portal:
  addr: 127.0.0.1:8080
`
	c, err := config.Parse(strings.NewReader(src), env(map[string]string{
		"SHOPIFY_ACCESS_TOKEN":   "shpat_abc: {not yaml}",
		"SHOPIFY_WEBHOOK_SECRET": "whsec",
	}))
	require.NoError(t, err)
	require.Equal(t, "example-store", c.Shopify.Shop)
	require.Equal(t, "shpat_abc: {not yaml}", c.Shopify.AccessToken.Reveal(), "a secret that looks like YAML stays a plain string")
	require.Equal(t, 5*time.Minute, c.Feeds.Orders.Every.Std())
	require.Equal(t, 2*time.Minute, c.Feeds.Orders.Overlap.Std(), "unset fields keep their defaults")
	require.Equal(t, "live", c.Feeds.Inventory.Mode)

	c, err = config.Parse(strings.NewReader("shopify: {time_zone: America/Halifax, locations: [Main Warehouse, \"655441491\"]}"), env(nil))
	require.NoError(t, err)
	require.Equal(t, "America/Halifax", c.Shopify.TimeZone)
	require.Equal(t, []string{"Main Warehouse", "655441491"}, c.Shopify.Locations)
}

func TestParseReadsTheERPSchema(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(strings.NewReader("erp:\n  driver: sqlserver\n  dsn: ${ERP_DSN}\n  schema: stg\n"), env(map[string]string{"ERP_DSN": "sqlserver://u:p@h?database=ERP"}))
	require.NoError(t, err)
	require.Equal(t, "stg", c.ERP.Schema)
}

func TestParseRejectsBadConfigNamingTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unknown driver", "erp: {driver: oracle}", `erp.driver: "oracle" is not one of sqlite, postgres, sqlserver`},
		{"a schema on SQLite", "erp: {driver: sqlite, schema: erp}", `erp.schema: SQLite has no schemas; leave it out`},
		{"a schema that is not a name", "erp: {driver: sqlserver, dsn: x, schema: 'erp].[x'}", `erp.schema: "erp].[x" is not a schema name`},
		{"bad mode", "mode: production", `mode: "production" is not test or live`},
		{"bad duration", "feeds: {orders: {every: often}}", `"often" is not a duration like 5m or 90s`},
		{"too short interval", "feeds: {shipments: {every: 10ms}}", `feeds.shipments.every: must be at least 1s`},
		{"bad daily time", "feeds: {inventory: {daily_at: '25:00'}}", `feeds.inventory.daily_at: "25:00" is not HH:MM`},
		{"bad api version", "shopify: {api_version: '2026-02'}", `shopify.api_version: "2026-02" is not YYYY-MM or unstable`},
		{"bad shop", "shopify: {shop: 'evil.example.com/x'}", `shopify.shop: "evil.example.com/x" is not a shop name`},
		{"typo in a field", "feeds:\n  orders:\n    evrey: 1m\n", `line 3: unknown field "evrey" in feeds.orders`},
		{"unknown top-level field", "shopfy: {}", `line 1: unknown field "shopfy" in the top level`},
		{"missing variable", "erp:\n  dsn: ${PT_DSN}\n", `line 2: environment variable PT_DSN is not set`},
		{"plain password instead of a hash", "portal: {users: [{name: ann, password_hash: hunter2, role: admin}]}", `portal.users[0].password_hash: must be a bcrypt hash`},
		{"unknown role", "portal: {users: [{name: ann, password_hash: $2a$10$x, role: boss}]}", `portal.users[0].role: "boss" is not one of viewer, operator, admin`},
		{"not yaml", "shopify: [", "parse config"},
		{"unknown time zone", "shopify: {time_zone: Mars/Olympus}", `shopify.time_zone: "Mars/Olympus" is not a time zone of the tz database`},
		{"an empty location", "shopify: {locations: [Main Warehouse, '']}", `shopify.locations[1]: a location's name or id, not empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse(strings.NewReader(tt.src), env(nil))
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEmptyConfigIsTheDefault(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(strings.NewReader(""), env(nil))
	require.NoError(t, err)
	require.Equal(t, config.Default(), c)
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(strings.NewReader("shopify:\n  access_token: ${TOK}\nerp:\n  dsn: postgres://u:${PW}@h/db\n"),
		env(map[string]string{"TOK": "shpat_secret", "PW": "pa55word"}))
	require.NoError(t, err)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), string(js)} {
		require.NotContains(t, out, "shpat_secret")
		require.NotContains(t, out, "pa55word")
	}
	require.Equal(t, "postgres://u:pa55word@h/db", c.ERP.DSN.Reveal())
}

func TestWebhooksNeedAnAddressShopifyCanUseAndASecret(t *testing.T) {
	t.Parallel()
	ok, err := config.Parse(strings.NewReader("shopify:\n  webhook_secret: ${S}\nwebhooks:\n  url: https://pt.example.com/webhooks/shopify\n  addr: 0.0.0.0:8443\n"),
		env(map[string]string{"S": "whsec"}))
	require.NoError(t, err)
	require.Equal(t, config.Webhooks{URL: "https://pt.example.com/webhooks/shopify", Addr: "0.0.0.0:8443"}, ok.Webhooks)
	_, err = config.Parse(strings.NewReader("shopify: {webhook_secret: s}\nwebhooks: {url: 'http://127.0.0.1:8080/webhooks/shopify'}\n"), env(nil))
	require.NoError(t, err, "plain http on this machine, for trying it out")

	for _, tc := range []struct{ src, want string }{
		{"shopify: {webhook_secret: s}\nwebhooks: {url: 'http://pt.example.com/webhooks/shopify'}", `webhooks.url: "http://pt.example.com/webhooks/shopify": Shopify sends webhooks only to https:// addresses`},
		{"shopify: {webhook_secret: s}\nwebhooks: {url: 'pt.example.com'}", `webhooks.url: "pt.example.com" is not an https:// address`},
		{"webhooks: {url: 'https://pt.example.com/webhooks/shopify'}", "webhooks.url: webhooks need shopify.webhook_secret (the app's client secret) to check what arrives"},
		{"webhooks: {addr: '8443'}", `webhooks.addr: "8443" is not host:port`},
		{"stores: [{shop: acme, webhook_secret: s}, {shop: globex}]\nwebhooks: {url: 'https://pt.example.com/webhooks/shopify'}",
			"webhooks.url: webhooks need stores[1].webhook_secret (the app's client secret) to check what arrives"},
		{"shopify: {webhook_secret: s}\nstores: [{shop: acme, webhook_secret: s}]",
			"shopify: give the stores under stores, or the one store under shopify, not both"},
	} {
		_, err := config.Parse(strings.NewReader(tc.src), env(nil))
		require.EqualError(t, err, tc.want)
	}
}

func TestSeveralStoresEachWithTheirOwnShopCredentialsMappingsModeAndFeeds(t *testing.T) {
	t.Parallel()
	src := `
stores:
  - shop: acme
    access_token: ${ACME_TOKEN}
    mappings: ./mappings/acme
    mode: live
    feeds:
      orders: { every: 2m }
  - shop: globex
    base_url: http://127.0.0.1:9090
    client_id: globex-app
    client_secret: ${GLOBEX_SECRET}
    api_version: "2026-04"
    plan: plus
    time_zone: Asia/Tokyo
    locations: [Tokyo DC]
erp: { driver: sqlite, dsn: "file:erp.db" }
mappings: ./mappings
feeds:
  shipments: { every: 1m }
locks: { lease: 10s }
portal:
  users:
    - { name: ann, role: operator, password_hash: "$2a$10$abc", stores: [globex] }
`
	c, err := config.Parse(strings.NewReader(src), env(map[string]string{"ACME_TOKEN": "shpat_acme", "GLOBEX_SECRET": "s3cret"}))
	require.NoError(t, err)
	stores := c.StoreList()
	require.Len(t, stores, 2)

	acme, globex := stores[0], stores[1]
	require.Equal(t, "acme", acme.Shop)
	require.Equal(t, "shpat_acme", acme.AccessToken.Reveal(), "credentials come from the environment")
	require.Equal(t, "./mappings/acme", acme.Mappings)
	require.Equal(t, "live", acme.Mode)
	require.Equal(t, 2*time.Minute, acme.Feeds.Orders.Every.Std(), "the store's own interval")
	require.Equal(t, 2*time.Minute, acme.Feeds.Orders.Overlap.Std(), "and the defaults for the rest of the feed")
	require.Equal(t, time.Minute, acme.Feeds.Shipments.Every.Std(), "a feed the store leaves alone keeps the top level's")
	require.Equal(t, "2026-07", acme.APIVersion, "the default API version")

	require.Equal(t, "globex", globex.Shop)
	require.Equal(t, "s3cret", globex.ClientSecret.Reveal())
	require.Equal(t, "2026-04", globex.APIVersion)
	require.Equal(t, "plus", globex.Plan)
	require.Equal(t, "Asia/Tokyo", globex.TimeZone, "the store's own time zone")
	require.Equal(t, []string{"Tokyo DC"}, globex.Locations)
	require.Empty(t, acme.TimeZone, "Shopify's own, as the store says none")
	require.Equal(t, "./mappings", globex.Mappings, "the top-level mappings folder")
	require.Equal(t, "test", globex.Mode, "the top-level mode")
	require.Equal(t, 5*time.Minute, globex.Feeds.Orders.Every.Std())
	require.Equal(t, time.Minute, globex.Feeds.Shipments.Every.Std())

	require.Equal(t, 10*time.Second, c.Locks.Lease.Std())
	require.Equal(t, []string{"globex"}, c.Portal.Users[0].Stores)
}

func TestOneShopifyBlockIsOneStore(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(strings.NewReader("shopify: {shop: acme}\nmode: live\nmappings: ./m\nfeeds: {orders: {every: 1m}}\n"), env(nil))
	require.NoError(t, err)
	stores := c.StoreList()
	require.Len(t, stores, 1)
	require.Equal(t, "acme", stores[0].Shop)
	require.Equal(t, "live", stores[0].Mode)
	require.Equal(t, "./m", stores[0].Mappings)
	require.Equal(t, time.Minute, stores[0].Feeds.Orders.Every.Std())
	require.Equal(t, 30*time.Second, c.Locks.Lease.Std(), "the default lease")
}

func TestBadStoresAreNamedByTheirPlace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"a store without a shop", "stores: [{mode: live}]", "stores[0].shop: required"},
		{"a shop twice", "stores: [{shop: acme}, {shop: ACME}]", `stores[1].shop: "ACME" appears twice`},
		{"a store's bad mode", "stores: [{shop: acme, mode: loud}]", `stores[0].mode: "loud" is not test or live`},
		{"a store's bad feed", "stores: [{shop: acme}, {shop: b, feeds: {orders: {every: 10ms}}}]", "stores[1].feeds.orders.every: must be at least 1s"},
		{"a store's unknown field", "stores: [{shop: acme, evrey: 1m}]", `line 1: unknown field "evrey" in stores[0]`},
		{"both shopify and stores", "shopify: {shop: acme}\nstores: [{shop: b}]", "shopify: give the stores under stores, or the one store under shopify, not both"},
		{"a user of an unknown store", `portal: {users: [{name: ann, role: viewer, password_hash: "$2a$x", stores: [nope]}]}`, `portal.users[0].stores: "nope" is not a configured store`},
		{"a lease too short", "locks: {lease: 100ms}", "locks.lease: must be at least 1s"},
		{"a store's unknown time zone", "stores: [{shop: acme}, {shop: b, time_zone: Mars/Olympus}]",
			`stores[1].time_zone: "Mars/Olympus" is not a time zone of the tz database (e.g. America/New_York)`},
		{"a store's empty location", "stores: [{shop: acme, locations: [Main, \"\"]}]", "stores[0].locations[1]: a location's name or id, not empty"},
		{"a time zone beside the stores", "shopify: {time_zone: Europe/Berlin}\nstores: [{shop: b}]",
			"shopify: give the stores under stores, or the one store under shopify, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse(strings.NewReader(tt.src), env(nil))
			require.ErrorContains(t, err, tt.want)
		})
	}
}
