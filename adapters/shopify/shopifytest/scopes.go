package shopifytest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Access scopes, as Shopify grants them to an app: every token of the app (the static one
// and those the client-credentials grant issues) carries the app's scopes, which
// GET /admin/oauth/access_scopes.json lists and every endpoint checks. A REST call without
// its scope is answered 403; a GraphQL field without it, ACCESS_DENIED.

// defaultScopes are what the simulated app is granted unless told otherwise: everything
// passthrough's feeds use.
var defaultScopes = []string{"read_orders", "read_all_orders", "read_products", "read_locations", "read_inventory", "write_inventory",
	"read_merchant_managed_fulfillment_orders", "write_merchant_managed_fulfillment_orders"}

// WithScopes sets the access scopes the app is granted (default: every scope passthrough
// uses).
func WithScopes(handles ...string) Option {
	return func(c *config) { c.scopes = slices.Clone(handles) }
}

// SetScopes changes the scopes the app is granted while the server runs, as a merchant
// approving (or an app losing) scopes would.
func (s *Server) SetScopes(handles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = slices.Clone(handles)
}

// Scopes are the access scopes the app is granted now.
func (s *Server) Scopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scopes)
}

// hasScope reports whether the app may do what needs scope: a write_ scope includes its
// read_ scope.
func (s *Server) hasScope(scope string) bool {
	if scope == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.Contains(s.scopes, scope) {
		return true
	}
	r, ok := strings.CutPrefix(scope, "read_")
	return ok && slices.Contains(s.scopes, "write_"+r)
}

// handleAccessScopes answers GET /admin/oauth/access_scopes.json: the scopes of the token.
func (s *Server) handleAccessScopes(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	if !s.authorized(r) {
		writeErrors(w, http.StatusUnauthorized, "[API] Invalid API key or access token (unrecognized login or wrong password)")
		return
	}
	if !s.takeREST(w) {
		return
	}
	list := []map[string]string{}
	for _, h := range s.Scopes() {
		list = append(list, map[string]string{"handle": h})
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_scopes": list})
}

// restScope is the scope a REST call needs; "" for none. seg is the path after the version,
// without .json, split at slashes.
func restScope(method string, seg []string) string {
	write := method != http.MethodGet && method != http.MethodHead
	switch seg[0] {
	case "orders":
		if len(seg) == 3 && seg[2] == "fulfillment_orders" {
			return "read_merchant_managed_fulfillment_orders"
		}
		return "read_orders"
	case "fulfillment_orders", "fulfillments":
		if write {
			return "write_merchant_managed_fulfillment_orders"
		}
		return "read_merchant_managed_fulfillment_orders"
	case "locations":
		return "read_locations"
	case "products":
		return "read_products"
	case "inventory_levels":
		if write {
			return "write_inventory"
		}
		return "read_inventory"
	}
	return ""
}

// missingScope answers 403 as Shopify does for a call without its scope, and reports
// whether it did.
func (s *Server) missingScope(w http.ResponseWriter, scope string) bool {
	if s.hasScope(scope) {
		return false
	}
	writeErrors(w, http.StatusForbidden, fmt.Sprintf("[API] This action requires merchant approval for %s scope.", scope))
	return true
}

// graphqlScope is the scope a root field of a GraphQL operation needs; "" for none.
func graphqlScope(field string) string {
	switch field {
	case "productVariants", "productVariantsCount":
		return "read_products"
	case "inventorySetQuantities":
		return "write_inventory"
	}
	return ""
}
