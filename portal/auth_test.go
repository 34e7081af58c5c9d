package portal

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/config"
)

// route is one route of the portal and the least role that may use it.
type route struct {
	method, path string
	least        string
}

// routes is every route behind the login, as portal.go registers them.
var routes = []route{
	{http.MethodGet, "/", "viewer"},
	{http.MethodPost, "/logout", "viewer"},
	{http.MethodGet, "/orders", "viewer"},
	{http.MethodGet, "/orders/1000", "viewer"},
	{http.MethodGet, "/orders/1000/retry", "operator"},
	{http.MethodPost, "/orders/1000/retry", "operator"},
	{http.MethodGet, "/orders/1000/skip", "operator"},
	{http.MethodPost, "/orders/1000/skip", "operator"},
	{http.MethodGet, "/feeds", "viewer"},
	{http.MethodGet, "/feeds/executions/1", "viewer"},
	{http.MethodPost, "/feeds/orders/run", "operator"},
	{http.MethodGet, "/mode?to=live", "admin"},
	{http.MethodPost, "/mode", "admin"},
	{http.MethodGet, "/mappings", "viewer"},
	{http.MethodGet, "/mappings/orders.yaml", "viewer"},
	{http.MethodPost, "/mappings/orders.yaml/preview", "viewer"},
	{http.MethodGet, "/mappings/orders.yaml/versions", "viewer"},
	{http.MethodPost, "/mappings/orders.yaml", "admin"},
	{http.MethodGet, "/stock", "viewer"},
	{http.MethodGet, "/metrics", "viewer"},
	{http.MethodPost, "/stock/sync", "operator"},
	{http.MethodGet, "/account", "viewer"},
	{http.MethodPost, "/account/password", "viewer"},
	{http.MethodPost, "/account/signout", "viewer"},
	{http.MethodGet, "/users", "admin"},
	{http.MethodPost, "/users/otto/password", "admin"},
	{http.MethodPost, "/users/otto/role", "admin"},
	{http.MethodPost, "/users/otto/signout", "admin"},
	{http.MethodPost, "/mappings/orders.yaml/check", "admin"},
	{http.MethodPost, "/mappings/orders.yaml/restore", "admin"},
	{http.MethodGet, "/health", "viewer"},
	{http.MethodGet, "/budget", "viewer"},
}

func TestEveryRouteNeedsASession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, r := range routes {
		t.Run(r.method+" "+r.path+" without a session is refused", func(t *testing.T) {
			c := newClient(t, f.srv)
			var rec *httptest.ResponseRecorder
			if r.method == http.MethodGet {
				rec = c.get(r.path)
				require.Equal(t, http.StatusSeeOther, rec.Code)
				require.Equal(t, "/login?next="+url.QueryEscape(r.path), rec.Header().Get("Location"))
			} else {
				rec = c.post(r.path, url.Values{"_csrf": {"guess"}})
				require.Equal(t, http.StatusUnauthorized, rec.Code)
			}
		})
	}
	t.Run("an htmx request without a session is told to go to the login page", func(t *testing.T) {
		rec := newClient(t, f.srv).get("/orders?q=x", "HX-Request", "true")
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		require.Equal(t, "/login", rec.Header().Get("HX-Redirect"))
	})
	t.Run("the health check and the static files need no session", func(t *testing.T) {
		c := newClient(t, f.srv)
		require.Equal(t, http.StatusOK, c.get("/healthz").Code)
		require.Equal(t, http.StatusOK, c.get("/static/htmx.min.js").Code)
		require.Equal(t, http.StatusOK, c.get("/static/portal.css").Code)
		require.Equal(t, http.StatusOK, c.get("/login").Code)
	})
	t.Run("an unknown path is a 404, signed in or not", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, newClient(t, f.srv).get("/nope").Code)
		require.Equal(t, http.StatusNotFound, login(t, f.srv, "viewer").get("/nope").Code)
		require.Equal(t, http.StatusNotFound, newClient(t, f.srv).get("/static/").Code)
		require.Equal(t, http.StatusNotFound, newClient(t, f.srv).get("/static/missing.js").Code)
	})
}

func TestRolesAreEnforcedOnTheServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	clients := map[string]*client{}
	for _, role := range []string{"viewer", "operator", "admin"} {
		clients[role] = login(t, f.srv, role)
	}
	rank := map[string]int{"viewer": 1, "operator": 2, "admin": 3}
	for _, r := range routes {
		for _, role := range []string{"viewer", "operator"} {
			if rank[role] >= rank[r.least] {
				continue
			}
			t.Run(role+" gets 403 for "+r.method+" "+r.path, func(t *testing.T) {
				c := clients[role]
				var rec *httptest.ResponseRecorder
				if r.method == http.MethodGet {
					rec = c.get(r.path)
				} else {
					rec = c.submit(r.path, url.Values{"reason": {"x"}, "src": {"x"}})
				}
				require.Equal(t, http.StatusForbidden, rec.Code)
				require.Contains(t, rec.Body.String(), "this needs the "+r.least+" role")
			})
		}
	}
	t.Run("a viewer sees no Retry, Skip, Run now or Sync now buttons", func(t *testing.T) {
		putOrders(t, f.store, 1, nil)
		c := clients["viewer"]
		require.NotContains(t, c.get("/orders/1000").Body.String(), `id="retry"`)
		require.NotContains(t, c.get("/stock").Body.String(), `id="sync-now"`)
		require.NotContains(t, c.get("/mappings/orders.yaml").Body.String(), `id="save"`)
		require.Contains(t, clients["operator"].get("/orders/1000").Body.String(), `id="retry"`)
		require.Contains(t, clients["admin"].get("/mappings/orders.yaml").Body.String(), `id="save"`)
	})
}

func TestStateChangingRequestsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	admin := login(t, f.srv, "admin")
	for _, r := range routes {
		if r.method != http.MethodPost {
			continue
		}
		t.Run("POST "+r.path+" without the token gets 403", func(t *testing.T) {
			rec := admin.post(r.path, url.Values{"reason": {"x"}})
			require.Equal(t, http.StatusForbidden, rec.Code)
			require.Contains(t, rec.Body.String(), "security token is missing")
		})
		t.Run("POST "+r.path+" with another session's token gets 403", func(t *testing.T) {
			other := login(t, f.srv, "admin")
			rec := admin.post(r.path, url.Values{"_csrf": {other.token}})
			require.Equal(t, http.StatusForbidden, rec.Code)
		})
		t.Run("POST "+r.path+" from another site gets 403 even with the token", func(t *testing.T) {
			rec := admin.submit(r.path, url.Values{}, "Sec-Fetch-Site", "cross-site")
			require.Equal(t, http.StatusForbidden, rec.Code)
		})
	}
	t.Run("the token in the X-CSRF-Token header is accepted", func(t *testing.T) {
		f.feeds.RunNowFunc = func(string, string) error { return nil }
		rec := admin.post("/feeds/orders/run", url.Values{}, "X-CSRF-Token", admin.token)
		require.Equal(t, http.StatusSeeOther, rec.Code)
	})
	t.Run("the login form needs its token too", func(t *testing.T) {
		c := newClient(t, f.srv)
		rec := c.post("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}})
		require.Equal(t, http.StatusForbidden, rec.Code)
		require.Empty(t, c.cookies[sessionCookie])
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()

	t.Run("the right password signs in and the cookie is HttpOnly, SameSite=Strict and expires", func(t *testing.T) {
		f := newFixture(t, nil)
		c := newClient(t, f.srv)
		c.get("/login")
		rec := c.submit("/login", url.Values{"name": {"otto"}, "password": {"otto-pw"}, "next": {"/feeds?feed=orders"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/feeds?feed=orders", rec.Header().Get("Location"))
		ck := c.cookies[sessionCookie]
		require.NotNil(t, ck)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
		require.False(t, ck.Secure, "served over plain http in this test")
		require.WithinDuration(t, f.clock.Now().Add(12*time.Hour), ck.Expires, time.Second)
		require.NotContains(t, ck.Value, "otto", "the cookie is sealed, not readable")
		require.Contains(t, c.get("/orders").Body.String(), "otto · operator")
	})

	t.Run("over TLS the cookie is Secure", func(t *testing.T) {
		f := newFixture(t, nil)
		c := newClient(t, f.srv)
		req := httptest.NewRequest(http.MethodGet, "https://portal.example/login", nil)
		req.TLS = &tls.ConnectionState{}
		rec := c.do(req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.True(t, c.cookies[sessionCookie].Secure)
	})

	for _, tc := range []struct{ name, user, password string }{
		{"a wrong password is refused", "otto", "nope"},
		{"an unknown user is refused the same way", "mallory", "otto-pw"},
		{"an empty form is refused", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			c := newClient(t, f.srv)
			c.get("/login")
			rec := c.submit("/login", url.Values{"name": {tc.user}, "password": {tc.password}})
			require.Equal(t, http.StatusUnauthorized, rec.Code)
			require.Contains(t, rec.Body.String(), "Wrong name or password.")
			require.Equal(t, http.StatusSeeOther, c.get("/orders").Code, "still not signed in")
		})
	}

	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "orders", ""} {
		t.Run("after login the redirect stays on the site for next="+next, func(t *testing.T) {
			f := newFixture(t, nil)
			c := newClient(t, f.srv)
			c.get("/login")
			rec := c.submit("/login", url.Values{"name": {"vera"}, "password": {"vera-pw"}, "next": {next}})
			require.Equal(t, http.StatusSeeOther, rec.Code)
			require.Equal(t, "/orders", rec.Header().Get("Location"))
		})
	}

	t.Run("logout ends the session even for a copy of its cookie", func(t *testing.T) {
		f := newFixture(t, nil)
		c := login(t, f.srv, "viewer")
		stolen := *c.cookies[sessionCookie]
		rec := c.submit("/logout", nil)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/login", rec.Header().Get("Location"))
		require.Nil(t, c.cookies[sessionCookie])

		thief := newClient(t, f.srv)
		thief.cookies[sessionCookie] = &stolen
		require.Equal(t, http.StatusSeeOther, thief.get("/orders").Code)
	})

	t.Run("a session expires", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.SessionTTL = time.Hour })
		c := login(t, f.srv, "viewer")
		f.clock.Advance(59 * time.Minute)
		require.Equal(t, http.StatusOK, c.get("/orders").Code)
		f.clock.Advance(time.Minute)
		require.Equal(t, http.StatusSeeOther, c.get("/orders").Code)
	})

	t.Run("a cookie sealed with another key or changed by hand is ignored", func(t *testing.T) {
		f := newFixture(t, nil)
		other := newFixture(t, func(d *Deps) { d.SessionKey = []byte(strings.Repeat("o", 32)) })
		c := login(t, other.srv, "admin")
		c.h = f.srv
		require.Equal(t, http.StatusSeeOther, c.get("/orders").Code)

		c = login(t, f.srv, "admin")
		ck := c.cookies[sessionCookie]
		b := []byte(ck.Value)
		b[len(b)/2] ^= 1
		ck.Value = string(b)
		require.Equal(t, http.StatusSeeOther, c.get("/orders").Code)
	})

	t.Run("a user removed from the configuration is signed out", func(t *testing.T) {
		f := newFixture(t, nil)
		c := login(t, f.srv, "operator")
		without := newFixture(t, func(d *Deps) {
			d.Users = []config.User{testUsers(t)[0]}
		})
		c.h = without.srv
		require.Equal(t, http.StatusSeeOther, c.get("/orders").Code)
	})
}

func TestLoginIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(d *Deps) { d.LoginBurst, d.LoginEvery = 3, time.Hour })
	c := newClient(t, f.srv)
	c.get("/login")
	for range 3 {
		require.Equal(t, http.StatusUnauthorized, c.submit("/login", url.Values{"name": {"ada"}, "password": {"guess"}}).Code)
	}
	rec := c.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}})
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "even the right password waits")
	require.Contains(t, rec.Body.String(), "Too many failed sign-ins from your address")

	other := newClient(t, f.srv)
	other.remote = "198.51.100.7:5000"
	other.get("/login")
	require.Equal(t, http.StatusSeeOther, other.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}}).Code)

	t.Run("X-Forwarded-For does not get around the limit", func(t *testing.T) {
		rec := c.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}}, "X-Forwarded-For", "203.0.113.9")
		require.Equal(t, http.StatusTooManyRequests, rec.Code)
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	for _, path := range []string{"/login", "/orders", "/nope"} {
		t.Run("the page "+path+" forbids framing, sniffing and foreign scripts", func(t *testing.T) {
			c := login(t, f.srv, "viewer")
			h := c.get(path).Header()
			require.Equal(t, "DENY", h.Get("X-Frame-Options"))
			require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			csp := h.Get("Content-Security-Policy")
			require.Contains(t, csp, "default-src 'self'")
			require.Contains(t, csp, "script-src 'self';")
			require.NotContains(t, csp, "unsafe-inline")
			require.Contains(t, csp, "frame-ancestors 'none'")
		})
	}
	t.Run("pages contain no inline script or style the policy would block", func(t *testing.T) {
		c := login(t, f.srv, "admin")
		for _, path := range []string{"/orders", "/feeds", "/mappings", "/mappings/orders.yaml", "/mappings/orders.yaml/versions", "/stock",
			"/health", "/budget", "/users", "/account"} {
			b := c.get(path).Body.String()
			require.NotContains(t, b, "<script>", path)
			require.NotContains(t, b, "style=", path)
			require.NotContains(t, b, "<style", path)
			require.NotContains(t, b, " onclick", path)
		}
	})
}

func TestNewChecksItsDeps(t *testing.T) {
	t.Parallel()
	good := func(t *testing.T) Deps {
		st := newStore(t)
		return Deps{Stores: []Store{{Shop: testShop}}, Ledger: st, Accounts: st, Logger: testLogger(t), Users: testUsers(t)}
	}
	for _, tc := range []struct {
		name string
		mod  func(*Deps)
		want string
	}{
		{"without a store", func(d *Deps) { d.Stores = nil }, "Deps.Stores needs a store"},
		{"with a store without a shop", func(d *Deps) { d.Stores = []Store{{}} }, "store 0 needs a shop name of its own"},
		{"with a shop twice", func(d *Deps) { d.Stores = []Store{{Shop: "a"}, {Shop: "a"}} }, "store 1 needs a shop name of its own"},
		{"without a ledger", func(d *Deps) { d.Ledger = nil }, "Deps.Ledger is required"},
		{"without a logger", func(d *Deps) { d.Logger = nil }, "Deps.Logger is required"},
		{"with a short session key", func(d *Deps) { d.SessionKey = []byte("short") }, "at least 32 bytes"},
		{"with a user of an unknown role", func(d *Deps) { d.Users = []config.User{{Name: "x", Role: "root"}} }, `user "x" has role "root"`},
	} {
		t.Run("New refuses deps "+tc.name, func(t *testing.T) {
			d := good(t)
			tc.mod(&d)
			_, err := New(d)
			require.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("New makes a session key when none is given", func(t *testing.T) {
		s, err := New(good(t))
		require.NoError(t, err)
		c := login(t, s, "viewer")
		require.Equal(t, http.StatusOK, c.get("/orders").Code)
	})
}

func TestAHashedPasswordLogsInAndNothingElseDoes(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("correct horse")
	require.NoError(t, err)
	require.NotContains(t, h, "correct horse")
	u := config.User{Name: "ann", Role: "admin", PasswordHash: config.Secret(h)}
	cfg := config.Default()
	cfg.Shopify.Shop, cfg.ERP.DSN, cfg.Portal.Users = "acme", "file:erp.db", []config.User{u}
	require.NoError(t, cfg.Validate(), "the config takes it as a password_hash")
	require.True(t, checkPassword(u, true, "correct horse"))
	require.False(t, checkPassword(u, true, "correct horse "))
}
