package portal

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v5"
)

// Store is one Shopify store as the portal shows it: every page shows one store, chosen
// with the store switcher, and acts on it.
type Store struct {
	Shop      string
	Orders    Orders
	Shipments Shipments
	Mappings  Mappings
	Stock     Stock
	// Mode is the store's mode, "test" or "live": in test mode outbound feeds only record
	// what they would send.
	Mode string
	// ModeSwitch, when set, is where the mode lives instead, and lets an admin switch it
	// (going live is one switch, so a store can be tried out first without touching Shopify).
	ModeSwitch ModeSwitch
	// FeedModes says more about a feed's mode where there is more to say, e.g.
	// {"inventory": "live"} (off, daily or live). Feeds not in it show Mode.
	FeedModes map[string]string
	// Location is the shop's time zone, in which the store's pages show dates (with the
	// zone) and filter by day; nil means UTC.
	Location *time.Location
	// Completeness is the store's orders completeness check, for its page; nil leaves the
	// page saying so.
	Completeness Completeness
	// TestShipments are the shipments test mode handled, which going live offers to send;
	// nil offers none.
	TestShipments TestShipments
	// Webhooks, when set, says on the Feeds page whether the store's webhooks are flowing.
	Webhooks WebhookHealth
	// Privacy, when set, lists the privacy requests Shopify sent about the store, at /privacy.
	Privacy Privacy
	// Shopify is the store's Shopify client, for the health panel and the budget meter;
	// nil leaves them saying so.
	Shopify ShopifyClient
	// Scopes are the access scopes the store's feeds need, as configured.
	Scopes []ScopeNeed
	// Expect says how often each scheduled feed of the store should succeed.
	Expect []FeedExpectation
	// Alerts, when set, says on the health panel when the store's last alert digest went
	// out; nil for a store without alerts.
	Alerts AlertDigests
}

// mode is the store's mode now.
func (st *Store) mode() string {
	if st.ModeSwitch != nil {
		return st.ModeSwitch.Mode()
	}
	return st.Mode
}

const (
	// storeCookie remembers the store a person last chose. It is no secret: a person may
	// only ever be shown the stores their user may see, whatever it says.
	storeCookie = "pt_store"
	// storeParam names the store a page or a form is about, in its address or its fields;
	// it wins over the cookie, so a form sent from a tab showing another store acts on the
	// store it was shown for.
	storeParam = "store"
	ctxStore   = "portal.store"
)

// storesFor lists the stores a user may see: all, or those the configuration limits them
// to, in the configuration's order.
func (s *Server) storesFor(u *user) []*Store {
	if u == nil {
		return nil
	}
	if len(u.Stores) == 0 {
		return s.stores
	}
	var out []*Store
	for _, st := range s.stores {
		if slices.Contains(u.Stores, st.Shop) {
			out = append(out, st)
		}
	}
	return out
}

func storeNamed(stores []*Store, shop string) *Store {
	for _, st := range stores {
		if st.Shop == shop {
			return st
		}
	}
	return nil
}

// chooseStore picks the store the request is about: the one its address or form names,
// else the one the person last chose, else the first they may see. A store the user may
// not see is answered 404, as if it did not exist.
func (s *Server) chooseStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		allowed := s.storesFor(userOf(c))
		if len(allowed) == 0 {
			return echo.NewHTTPError(http.StatusForbidden, "Your user may see no store; an admin can give it some in the configuration.")
		}
		st := allowed[0]
		if want := c.FormValue(storeParam); want != "" {
			if st = storeNamed(allowed, want); st == nil {
				return echo.NewHTTPError(http.StatusNotFound, "There is no store "+want+" you may see.")
			}
			s.rememberStore(c, st.Shop)
		} else if ck, err := c.Cookie(storeCookie); err == nil {
			if chosen := storeNamed(allowed, ck.Value); chosen != nil {
				st = chosen
			}
		}
		c.Set(ctxStore, st)
		return next(c)
	}
}

func (s *Server) rememberStore(c *echo.Context, shop string) {
	c.SetCookie(&http.Cookie{Name: storeCookie, Value: shop, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https"})
}

// storeOf is the store the request is about; nil outside the pages of a store (login).
func storeOf(c *echo.Context) *Store {
	st, _ := c.Get(ctxStore).(*Store)
	return st
}

// switchStore is the store switcher: it remembers the store chosen (chooseStore has
// checked the user may see it) and goes back to the section the person was in.
func (s *Server) switchStore(c *echo.Context) error {
	return c.Redirect(http.StatusSeeOther, sectionPath(c.QueryParam("back")))
}

// sectionPath is the first page of a section of the portal, for the switcher to go back
// to: an order or a run of one store means nothing in another.
func sectionPath(back string) string {
	switch back {
	case "/feeds", "/mappings", "/stock", "/completeness", "/privacy", "/problems", "/shipments", "/audit", "/health", "/dashboard", "/notifications":
		return back
	}
	return "/orders"
}
