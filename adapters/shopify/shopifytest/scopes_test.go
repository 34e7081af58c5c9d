package shopifytest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestAccessScopes(t *testing.T) {
	t.Parallel()
	t.Run("the access scopes endpoint lists what the token was granted, unversioned", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shopifytest.WithScopes("read_orders", "write_inventory"))
		r := b.call(t, http.MethodGet, "/admin/oauth/access_scopes.json", "")
		require.Equal(t, http.StatusOK, r.status)
		require.JSONEq(t, `{"access_scopes":[{"handle":"read_orders"},{"handle":"write_inventory"}]}`, string(r.body))
		require.Equal(t, http.StatusUnauthorized, b.call(t, http.MethodGet, "/admin/oauth/access_scopes.json", "", "X-Shopify-Access-Token", "").status)
		require.Equal(t, http.StatusNotFound, b.call(t, http.MethodGet, "/admin/api/2026-07/access_scopes.json", "").status)
	})
	t.Run("by default the app has every scope passthrough uses", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.Contains(t, b.srv.Scopes(), "write_merchant_managed_fulfillment_orders")
		require.Contains(t, b.srv.Scopes(), "write_inventory")
	})
	t.Run("a REST call without its scope is refused 403, as Shopify does", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shopifytest.WithScopes("read_orders"))
		require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, "/admin/api/2026-07/orders.json", "").status)
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "")
		require.Equal(t, http.StatusForbidden, r.status)
		require.JSONEq(t, `{"errors":"[API] This action requires merchant approval for read_locations scope."}`, string(r.body))
		b.srv.SetScopes("read_orders", "read_locations")
		require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "").status, "granted later, it works")
	})
	t.Run("a write scope includes its read scope", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shopifytest.WithScopes("write_inventory"))
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/inventory_levels.json", "")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "past the scope check, to the missing parameters: %s", r.body)
	})
	t.Run("a GraphQL field without its scope is denied", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shopifytest.WithScopes("read_orders"))
		got := b.gql(t, `{ productVariants(first: 1) { nodes { id } } }`, nil)
		errs := got["errors"].([]any)
		require.Len(t, errs, 1)
		e := errs[0].(map[string]any)
		require.Equal(t, "Access denied for productVariants field. Required access: `read_products` access scope.", e["message"])
		require.Equal(t, "ACCESS_DENIED", e["extensions"].(map[string]any)["code"])
	})
	t.Run("the client-credentials grant answers the app's scopes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, shopifytest.WithScopes("read_orders", "read_products"), shopifytest.WithClientCredentials("app-id", "app-secret", time.Hour))
		req, err := http.NewRequest(http.MethodPost, "https://"+b.srv.Domain()+"/admin/oauth/access_token",
			strings.NewReader("grant_type=client_credentials&client_id=app-id&client_secret=app-secret"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
			Scope       string `json:"scope"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
		require.Equal(t, "read_orders,read_products", tok.Scope)
		r := b.call(t, http.MethodGet, "/admin/oauth/access_scopes.json", "", "X-Shopify-Access-Token", tok.AccessToken)
		require.JSONEq(t, `{"access_scopes":[{"handle":"read_orders"},{"handle":"read_products"}]}`, string(r.body), "the token it issued has them too")
	})
}
