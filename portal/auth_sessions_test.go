package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/config"
)

// recordedAudit keeps the audit lines the portal writes.
type recordedAudit struct {
	mu    sync.Mutex
	lines []string
}

func (a *recordedAudit) AuditAdd(_ context.Context, e erp.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, e.Actor+" "+e.Action+" "+e.Target+": "+e.Detail)
	return nil
}

func (a *recordedAudit) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.lines...)
}

// replica is another portal on the same database and session key: a second replica behind
// the load balancer, or the same one after a restart.
func (f *fixture) replica(t *testing.T, mod func(*Deps)) *Server {
	t.Helper()
	d := Deps{Stores: []Store{{Shop: testShop, Orders: f.orders, Mappings: f.mappings, Stock: f.stock, Mode: "test"}},
		Ledger: f.store, Accounts: f.store, Feeds: f.feeds, Users: testUsers(t), SessionKey: []byte(strings.Repeat("k", 32)),
		Logger: testLogger(t), Clock: f.clock.Now, LoginBurst: 1000, LoginUserBurst: 1000}
	if mod != nil {
		mod(&d)
	}
	srv, err := New(d)
	require.NoError(t, err)
	return srv
}

// on is the client's browser talking to another portal.
func (c *client) on(srv http.Handler) *client {
	o := *c
	o.h = srv
	o.cookies = c.cookies
	return &o
}

func TestASignInLivesInTheDatabaseEveryReplicaShares(t *testing.T) {
	t.Parallel()

	t.Run("a logout ends it in another replica and after a restart", func(t *testing.T) {
		f := newFixture(t, nil)
		other := f.replica(t, nil)
		c := login(t, f.srv, "viewer")
		require.Equal(t, http.StatusOK, c.on(other).get("/orders").Code, "one sign-in works on every replica")
		stolen := *c.cookies[sessionCookie]
		require.Equal(t, http.StatusSeeOther, c.submit("/logout", nil).Code)

		thief := newClient(t, other)
		thief.cookies[sessionCookie] = &stolen
		require.Equal(t, http.StatusSeeOther, thief.get("/orders").Code, "refused by the other replica")
		thief.h = f.replica(t, nil)
		require.Equal(t, http.StatusSeeOther, thief.get("/orders").Code, "and after a restart")
	})

	t.Run("an admin's new password for a user ends the user's sign-ins in every replica", func(t *testing.T) {
		audit := &recordedAudit{}
		f := newFixture(t, func(d *Deps) { d.Audit = audit })
		other := f.replica(t, func(d *Deps) { d.Audit = audit })
		otto := login(t, f.srv, "operator")
		ottoElsewhere := login(t, other, "operator")
		admin := login(t, other, "admin")
		admin.get("/users")
		rec := admin.submit("/users/otto/password", url.Values{"password": {"a brand new secret"}, "again": {"a brand new secret"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Contains(t, admin.get("/users").Body.String(), "The password of otto was changed; 2 sign-ins of theirs ended.")

		require.Equal(t, http.StatusSeeOther, otto.get("/orders").Code, "signed out on this replica")
		require.Equal(t, http.StatusSeeOther, ottoElsewhere.get("/orders").Code, "and on the other")
		fresh := newClient(t, f.srv)
		fresh.get("/login")
		require.Equal(t, http.StatusUnauthorized, fresh.submit("/login", url.Values{"name": {"otto"}, "password": {"otto-pw"}}).Code, "the old password is refused")
		require.Equal(t, http.StatusSeeOther, fresh.submit("/login", url.Values{"name": {"otto"}, "password": {"a brand new secret"}}).Code)
		require.Equal(t, http.StatusOK, fresh.on(f.replica(t, nil)).get("/orders").Code, "the new one works everywhere, also after a restart")
		require.Equal(t, []string{"ada user.password otto: set a new password; 2 sign-ins ended"}, audit.all())
	})

	t.Run("a role change ends the user's sign-ins; they come back with the new role", func(t *testing.T) {
		audit := &recordedAudit{}
		f := newFixture(t, func(d *Deps) { d.Audit = audit })
		otto := login(t, f.srv, "operator")
		admin := login(t, f.replica(t, func(d *Deps) { d.Audit = audit }), "admin")
		admin.get("/users")
		require.Equal(t, http.StatusSeeOther, admin.submit("/users/otto/role", url.Values{"role": {"viewer"}}).Code)
		require.Equal(t, http.StatusSeeOther, otto.get("/orders").Code)

		again := login(t, f.srv, "operator") // logs in as otto with his password
		require.Contains(t, again.get("/orders").Body.String(), "otto · viewer")
		require.Equal(t, http.StatusForbidden, again.get("/orders/1000/retry").Code)
		page := admin.get("/users").Body.String()
		require.Contains(t, page, "configuration: operator", "the page says the role differs from the configuration")
		require.Equal(t, []string{"ada user.role otto: operator → viewer; 1 sign-in ended"}, audit.all())

		require.Equal(t, http.StatusBadRequest, admin.submit("/users/otto/role", url.Values{"role": {"root"}}).Code)
		require.Equal(t, http.StatusBadRequest, admin.submit("/users/ada/role", url.Values{"role": {"viewer"}}).Code, "an admin does not demote themselves")
		require.Equal(t, http.StatusNotFound, admin.submit("/users/mallory/role", url.Values{"role": {"viewer"}}).Code)
	})

	t.Run("a password changed in the configuration ends the sign-ins made with the old one", func(t *testing.T) {
		f := newFixture(t, nil)
		otto := login(t, f.srv, "operator")
		h, err := bcrypt.GenerateFromPassword([]byte("otto-new-pw"), bcrypt.MinCost)
		require.NoError(t, err)
		restarted := f.replica(t, func(d *Deps) {
			d.Users = append([]config.User(nil), testUsers(t)...)
			d.Users[1].PasswordHash = config.Secret(h)
		})
		require.Equal(t, http.StatusSeeOther, otto.on(restarted).get("/orders").Code)
	})

	t.Run("a database that does not answer is a 503, never a way in", func(t *testing.T) {
		f := newFixture(t, nil)
		c := login(t, f.srv, "viewer")
		broken := f.replica(t, func(d *Deps) { d.Accounts = failingAccounts{Accounts: f.store} })
		rec := c.on(broken).get("/orders")
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Contains(t, rec.Body.String(), "cannot reach its database")
	})
}

// failingAccounts is a database that has gone away.
type failingAccounts struct{ erp.Accounts }

func (failingAccounts) SessionGet(context.Context, string) (erp.Session, error) {
	return erp.Session{}, errors.New("dial tcp: connection refused")
}

func TestMyAccount(t *testing.T) {
	t.Parallel()
	audit := &recordedAudit{}
	f := newFixture(t, func(d *Deps) { d.Audit = audit })
	c := login(t, f.srv, "operator")
	laptop := login(t, f.srv, "operator")
	page := c.get("/account").Body.String()
	require.Contains(t, page, "otto · operator")
	require.Equal(t, 2, strings.Count(page, "data-session="), "both sign-ins are listed")
	require.Contains(t, page, "this browser")

	for _, tc := range []struct{ name, current, password, again, want string }{
		{"a wrong current password", "nope", "a long new password", "a long new password", "the current password is wrong"},
		{"two different new passwords", "otto-pw", "a long new password", "another long one!", "The two new passwords differ."},
		{"a short one", "otto-pw", "short", "short", "at least 12 characters"},
	} {
		t.Run("the password is not changed for "+tc.name, func(t *testing.T) {
			rec := c.submit("/account/password", url.Values{"current": {tc.current}, "password": {tc.password}, "again": {tc.again}})
			require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
			require.Contains(t, rec.Body.String(), tc.want)
			require.Equal(t, http.StatusOK, laptop.get("/orders").Code, "nothing ended")
		})
	}

	t.Run("a changed password ends the other sign-ins and keeps this browser signed in", func(t *testing.T) {
		rec := c.submit("/account/password", url.Values{"current": {"otto-pw"}, "password": {"correct horse battery"}, "again": {"correct horse battery"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		page := c.get("/account").Body.String()
		require.Contains(t, page, "Your password was changed. Your 2 sign-ins ended; this browser is signed in again.")
		require.Equal(t, 1, strings.Count(page, "data-session="))
		require.Equal(t, http.StatusSeeOther, laptop.get("/orders").Code)
		require.Equal(t, []string{"otto account.password otto: changed their own password"}, audit.all())
	})

	t.Run("sign out everywhere else", func(t *testing.T) {
		other := newClient(t, f.srv)
		other.get("/login")
		require.Equal(t, http.StatusSeeOther, other.submit("/login", url.Values{"name": {"otto"}, "password": {"correct horse battery"}}).Code)
		c.get("/account")
		require.Equal(t, http.StatusSeeOther, c.submit("/account/signout", nil).Code)
		require.Contains(t, c.get("/account").Body.String(), "Ended 1 other sign-in.")
		require.Equal(t, http.StatusSeeOther, other.get("/orders").Code)
		require.Equal(t, http.StatusOK, c.get("/orders").Code)
	})
}

func TestTheUsersPage(t *testing.T) {
	t.Parallel()
	audit := &recordedAudit{}
	f := newFixture(t, func(d *Deps) { d.Audit = audit })
	vera := login(t, f.srv, "viewer")
	admin := login(t, f.srv, "admin")
	page := admin.get("/users").Body.String()
	for _, name := range []string{"vera", "otto", "ada"} {
		require.Contains(t, page, `data-user="`+name+`"`)
	}
	require.Contains(t, page, "This is you")
	require.NotContains(t, page, `id="set-role-ada"`, "no role form for the admin themselves")

	t.Run("a password the rules refuse is not set", func(t *testing.T) {
		rec := admin.submit("/users/vera/password", url.Values{"password": {"short"}, "again": {"short"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Contains(t, admin.get("/users").Body.String(), "The password of vera was not changed: A password needs at least 12 characters.")
		require.Equal(t, http.StatusOK, vera.get("/orders").Code)
	})
	t.Run("an admin's own password is changed on their account page", func(t *testing.T) {
		rec := admin.submit("/users/ada/password", url.Values{"password": {"a long new password"}, "again": {"a long new password"}})
		require.Equal(t, http.StatusBadRequest, rec.Code)
	})
	t.Run("sign a user out everywhere", func(t *testing.T) {
		require.Equal(t, http.StatusSeeOther, admin.submit("/users/vera/signout", nil).Code)
		require.Contains(t, admin.get("/users").Body.String(), "Ended 1 sign-in of vera.")
		require.Equal(t, http.StatusSeeOther, vera.get("/orders").Code)
		require.Equal(t, []string{"ada user.signout vera: ended 1 sign-in"}, audit.all())
	})
	t.Run("an operator is not shown the Users link", func(t *testing.T) {
		require.NotContains(t, login(t, f.srv, "operator").get("/orders").Body.String(), `href="/users"`)
		require.Contains(t, admin.get("/orders").Body.String(), `href="/users"`)
	})
}

func TestTheCSRFTokenIsReadFromTheBodyOrAHeaderOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.feeds.RunNowFunc = func(string, string) error { return nil }
	c := login(t, f.srv, "operator")
	rec := c.post("/feeds/orders/run?_csrf="+url.QueryEscape(c.token), url.Values{})
	require.Equal(t, http.StatusForbidden, rec.Code, "a token in the address is refused: it ends up in logs and history")
	require.Equal(t, http.StatusSeeOther, c.submit("/feeds/orders/run", nil).Code)
	require.Equal(t, http.StatusSeeOther, c.post("/feeds/orders/run", url.Values{}, "X-CSRF-Token", c.token).Code)

	t.Run("the login form's name and password are read from the body only too", func(t *testing.T) {
		l := newClient(t, f.srv)
		l.get("/login")
		rec := l.post("/login?name=otto&password=otto-pw", url.Values{"_csrf": {l.token}})
		require.Equal(t, http.StatusUnauthorized, rec.Code)
	})
}

func TestLoginLimitsCountOnlyRealAttempts(t *testing.T) {
	t.Parallel()

	t.Run("a hostile page's cross-site posts, refused for CSRF, do not lock the office out", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.LoginBurst, d.LoginEvery, d.LoginUserBurst = 3, time.Hour, 3 })
		office := newClient(t, f.srv) // every browser of the office shares one address
		for range 50 {
			rec := office.post("/login", url.Values{"name": {"ada"}, "password": {"guess"}}, "Sec-Fetch-Site", "cross-site")
			require.Equal(t, http.StatusForbidden, rec.Code)
		}
		for range 20 {
			require.Equal(t, http.StatusForbidden, office.post("/login", url.Values{"name": {"ada"}, "password": {"guess"}, "_csrf": {"forged"}}).Code)
		}
		office.get("/login")
		require.Equal(t, http.StatusSeeOther, office.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}}).Code)
	})

	t.Run("a form without a name or a password does not count", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.LoginBurst, d.LoginEvery = 2, time.Hour })
		c := newClient(t, f.srv)
		c.get("/login")
		for range 5 {
			require.Equal(t, http.StatusUnauthorized, c.submit("/login", url.Values{"name": {"ada"}}).Code)
		}
		require.Equal(t, http.StatusSeeOther, c.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}}).Code)
	})

	t.Run("an office signing in every morning is not held up by its own successes", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) {
			d.LoginBurst, d.LoginEvery, d.LoginUserBurst, d.LoginUserEvery = 2, time.Hour, 2, time.Hour
		})
		for range 5 { // one address, one name
			c := newClient(t, f.srv)
			c.get("/login")
			require.Equal(t, http.StatusSeeOther, c.submit("/login", url.Values{"name": {"otto"}, "password": {"otto-pw"}}).Code)
		}
	})

	t.Run("guesses at one name from many addresses are limited per name", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.LoginUserBurst, d.LoginUserEvery = 3, time.Hour })
		for i := range 3 {
			c := newClient(t, f.srv)
			c.remote = "198.51.100." + string(rune('1'+i)) + ":5000"
			c.get("/login")
			require.Equal(t, http.StatusUnauthorized, c.submit("/login", url.Values{"name": {"ada"}, "password": {"guess"}}).Code)
		}
		c := newClient(t, f.srv)
		c.remote = "203.0.113.50:5000"
		c.get("/login")
		rec := c.submit("/login", url.Values{"name": {"ada"}, "password": {"ada-pw"}})
		require.Equal(t, http.StatusTooManyRequests, rec.Code)
		require.Contains(t, rec.Body.String(), "Too many failed sign-ins for this name")
		require.Equal(t, http.StatusSeeOther, c.submit("/login", url.Values{"name": {"otto"}, "password": {"otto-pw"}}).Code, "another name is not held up")
	})
}
