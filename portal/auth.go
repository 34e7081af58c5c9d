package portal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/config"
)

// role is what a user may do; each role may do everything the ones before it may.
type role int

const (
	roleNone role = iota
	roleViewer
	roleOperator
	roleAdmin
)

func roleOf(name string) role {
	switch name {
	case "viewer":
		return roleViewer
	case "operator":
		return roleOperator
	case "admin":
		return roleAdmin
	}
	return roleNone
}

func (r role) String() string {
	switch r {
	case roleViewer:
		return "viewer"
	case roleOperator:
		return "operator"
	case roleAdmin:
		return "admin"
	}
	return "nobody"
}

// user is who is signed in on this request, with the role the configuration gives them
// now (not when they logged in: a role taken away takes effect at once).
type user struct {
	Name string
	Role role
	// Stores are the shops the user may see; empty for every store.
	Stores []string
}

// Can reports whether the user has at least role r; templates use it to show buttons.
func (u *user) Can(r string) bool { return u != nil && u.Role >= roleOf(r) }

const (
	sessionCookie = "pt_session"
	ctxUser       = "portal.user"
	ctxSession    = "portal.session"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

// session is what the session cookie holds, sealed. A session without User is the
// anonymous one the login form gets, so the login form has a CSRF token too. A signed-in
// session is also a row of the database every replica shares (erp.Accounts), named by a
// hash of ID: it holds only while that row says so, which is how a logout, a password change
// or a role change ends it everywhere and after a restart.
type session struct {
	ID      string `json:"id"`
	User    string `json:"u,omitempty"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // unix seconds
}

// rowID is the id of the session's row: a hash of its secret id, so the database never
// holds what the cookie carries.
func (ss session) rowID() string {
	h := sha256.Sum256([]byte("passthrough portal session v1\x00" + ss.ID))
	return hex.EncodeToString(h[:])
}

// sessions seals sessions into cookies.
type sessions struct {
	aead cipher.AEAD
	ttl  time.Duration
	now  func() time.Time
}

func newSessions(key []byte, ttl time.Duration, now func() time.Time) *sessions {
	// A key of its own for cookies, derived from the configured one, so the configured key
	// could serve another purpose later without the two ever being the same.
	k := sha256.Sum256(append([]byte("passthrough portal session cookie v1\x00"), key...))
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // AES always has a GCM mode
	}
	return &sessions{aead: aead, ttl: ttl, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on a supported platform
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// start makes a new session for name ("" for the anonymous one): a new id and a new CSRF
// token, so nothing from before a login survives it.
func (ss *sessions) start(name string) session {
	ttl := ss.ttl
	if name == "" {
		ttl = time.Hour
	}
	return session{ID: randomToken(), User: name, CSRF: randomToken(), Expires: ss.now().Add(ttl).Unix()}
}

func (ss *sessions) seal(s session) string {
	plain, err := json.Marshal(s)
	if err != nil {
		panic(err) // a struct of strings and an int always marshals
	}
	nonce := make([]byte, ss.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(ss.aead.Seal(nonce, nonce, plain, []byte(sessionCookie)))
}

// open returns the session a cookie holds, or false when the cookie was not made by this
// key or has expired. Whether a signed-in session still holds is the database's to say.
func (ss *sessions) open(value string) (session, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < ss.aead.NonceSize() {
		return session{}, false
	}
	n := ss.aead.NonceSize()
	plain, err := ss.aead.Open(nil, raw[:n], raw[n:], []byte(sessionCookie))
	if err != nil {
		return session{}, false
	}
	var s session
	if err := json.Unmarshal(plain, &s); err != nil || s.ID == "" || s.CSRF == "" {
		return session{}, false
	}
	if ss.now().Unix() >= s.Expires {
		return session{}, false
	}
	return s, true
}

// account is a configured user as it is now: the configuration's, with what an admin
// changed of it in the portal (which wins).
type account struct {
	config.User
	// Changed is the admin's change; zero when the user is as configured.
	Changed erp.UserChange
}

// accountOf merges a configured user with an admin's change of it.
func accountOf(u config.User, ch erp.UserChange) account {
	a := account{User: u, Changed: ch}
	if ch.Role != "" {
		a.Role = ch.Role
	}
	if ch.PasswordHash != "" {
		a.PasswordHash = config.Secret(ch.PasswordHash)
	}
	return a
}

// credential is a print of what a login rests on — the password hash and the role — so a
// login made before either changed is over, whoever changed it (an admin in another
// replica, an edit of the configuration) and however.
func (a account) credential() string {
	h := sha256.Sum256([]byte("passthrough portal credential v1\x00" + a.Role + "\x00" + a.PasswordHash.Reveal()))
	return hex.EncodeToString(h[:16])
}

func (s *Server) setSessionCookie(c *echo.Context, ss session) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: s.sessions.seal(ss), Path: "/",
		Expires: time.Unix(ss.Expires, 0), HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.Scheme() == "https",
	})
}

func (s *Server) clearSessionCookie(c *echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https",
	})
}

// loadSession reads the session cookie, if any, and, for a signed-in session, its row in
// the database: the user is signed in only while the row says the login holds, the user is
// still in the configuration, and neither their password nor their role has changed since.
// A database that does not answer is a 503, never a way in.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil {
			return next(c)
		}
		ss, ok := s.sessions.open(ck.Value)
		if !ok {
			return next(c)
		}
		if ss.User == "" {
			c.Set(ctxSession, ss)
			return next(c)
		}
		row, err := s.d.Accounts.SessionGet(c.Request().Context(), ss.rowID())
		switch {
		case errors.Is(err, erp.ErrNotFound):
			return next(c)
		case err != nil:
			s.log.Error("read session", "err", err)
			return echo.NewHTTPError(http.StatusServiceUnavailable, "The portal cannot reach its database to check your sign-in. Try again in a moment.")
		}
		u, known := s.users[ss.User]
		if !known || row.User != ss.User || !row.Live(s.now()) {
			return next(c)
		}
		a := accountOf(u, row.Changed)
		if a.credential() != row.Credential {
			return next(c)
		}
		c.Set(ctxSession, ss)
		c.Set(ctxUser, &user{Name: a.Name, Role: roleOf(a.Role), Stores: a.Stores})
		return next(c)
	}
}

func userOf(c *echo.Context) *user {
	u, _ := c.Get(ctxUser).(*user)
	return u
}

func sessionOf(c *echo.Context) (session, bool) {
	ss, ok := c.Get(ctxSession).(session)
	return ss, ok
}

func isHTMX(c *echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// requireRole lets the request through when the user has at least role least. Nobody
// signed in: a page is sent to the login form (and back afterwards), anything else gets
// 401. Signed in with too small a role: 403.
func (s *Server) requireRole(least role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			u := userOf(c)
			if u == nil {
				req := c.Request()
				if req.Method == http.MethodGet && !isHTMX(c) {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(req.URL.RequestURI()))
				}
				if isHTMX(c) {
					c.Response().Header().Set("HX-Redirect", "/login")
				}
				return echo.NewHTTPError(http.StatusUnauthorized, "Sign in first.")
			}
			if u.Role < least {
				return echo.NewHTTPError(http.StatusForbidden,
					"You are signed in as "+u.Name+" ("+u.Role.String()+"); this needs the "+least.String()+" role.")
			}
			return next(c)
		}
	}
}

// scrapeToken lets a request that carries the scrape token as a bearer token through, and
// hands any other to otherwise (the session check).
func (s *Server) scrapeToken(otherwise echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		checked := otherwise(next)
		return func(c *echo.Context) error {
			got, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
			if ok && len(s.d.MetricsToken) > 0 && subtle.ConstantTimeCompare([]byte(got), s.d.MetricsToken) == 1 {
				return next(c)
			}
			return checked(c)
		}
	}
}

// checkCSRF refuses a state-changing request that does not carry the session's CSRF token,
// and one a browser says comes from another site, whatever it carries.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if site := c.Request().Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return echo.NewHTTPError(http.StatusForbidden, "This form was sent from another site; it was refused.")
		}
		ss, ok := sessionOf(c)
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			// The form's body only, never the address: a token in a URL ends up in logs,
			// history and Referer headers.
			got = c.Request().PostFormValue(csrfField)
		}
		if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ss.CSRF)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden,
				"The form's security token is missing or out of date. Go back, reload the page and try again.")
		}
		return next(c)
	}
}

// loginLimits limit failed sign-ins, so passwords cannot be guessed quickly: per client
// address (the peer's, never X-Forwarded-For), and per name tried, so that guessing one
// user's password from many addresses is slow too. Successes do not count: an office whose
// people all sign in from one address every morning is not held up by itself. Only real
// attempts can fail — a form that passed the CSRF check and carries a name and a password —
// so a page elsewhere that makes the office's browsers post to /login (refused for CSRF)
// cannot lock the office out.
type loginLimits struct {
	addresses, names *failureLimits
}

func newLoginLimits(d Deps) loginLimits {
	return loginLimits{
		addresses: &failureLimits{every: d.LoginEvery, burst: d.LoginBurst, by: map[string]*failures{}},
		names:     &failureLimits{every: d.LoginUserEvery, burst: d.LoginUserBurst, by: map[string]*failures{}},
	}
}

// allow says which limit an attempt from ip for name is over, if any.
func (l loginLimits) allow(ip, name string, now time.Time) string {
	if !l.addresses.allow(ip, now) {
		return "Too many failed sign-ins from your address. Wait a minute and try again."
	}
	if !l.names.allow(name, now) {
		return "Too many failed sign-ins for this name. Wait a few minutes and try again."
	}
	return ""
}

// failed counts a failed attempt from ip for name.
func (l loginLimits) failed(ip, name string, now time.Time) {
	l.addresses.failed(ip, now)
	l.names.failed(name, now)
}

// failureLimits let burst failures per key (an address, a name) at once, then one more
// every every.
type failureLimits struct {
	every time.Duration
	burst int

	mu sync.Mutex
	by map[string]*failures
}

type failures struct {
	lim  *rate.Limiter
	last time.Time
}

// allow says whether key may try now (it has failures left).
func (f *failureLimits) allow(name string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.by[name]
	return x == nil || x.lim.TokensAt(now) >= 1
}

// failed counts a failed attempt for name, and forgets names that have not failed for long.
func (f *failureLimits) failed(name string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.by[name]
	if x == nil {
		x = &failures{lim: rate.NewLimiter(rate.Every(f.every), f.burst)}
		f.by[name] = x
	}
	x.lim.AllowN(now, 1)
	x.last = now
	if len(f.by) > 10000 {
		forget := time.Duration(f.burst) * f.every
		for n, y := range f.by {
			if now.Sub(y.last) > forget {
				delete(f.by, n)
			}
		}
	}
}

type loginData struct {
	Next  string
	Error string
}

func (s *Server) loginPage(c *echo.Context) error {
	if userOf(c) != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return s.renderLogin(c, http.StatusOK, "")
}

// renderLogin shows the login form with the anonymous session's CSRF token, starting that
// session when there is none.
func (s *Server) renderLogin(c *echo.Context, status int, msg string) error {
	ss, ok := sessionOf(c)
	if !ok || ss.User != "" {
		ss = s.sessions.start("")
		s.setSessionCookie(c, ss)
		c.Set(ctxSession, ss)
	}
	next := c.QueryParam("next")
	if c.Request().Method == http.MethodPost {
		next = c.Request().PostFormValue("next")
	}
	return s.render(c, status, "login", "Sign in", loginData{Next: safeNext(next), Error: msg})
}

var (
	dummyHashOnce sync.Once
	dummyHash     []byte
)

// HashPassword gives what a portal user's password_hash holds for password (bcrypt), so
// the password itself is never written down: passthrough hash-password prints it, the demo
// makes its admin with it.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// checkPassword compares in bcrypt's time whether or not the user exists, so the answer's
// speed does not tell which names are real.
func checkPassword(u config.User, known bool, password string) bool {
	if !known {
		dummyHashOnce.Do(func() {
			dummyHash, _ = bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.DefaultCost)
		})
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(u.PasswordHash.Reveal()), []byte(password)) == nil
}

func (s *Server) login(c *echo.Context) error {
	req := c.Request()
	name := strings.TrimSpace(req.PostFormValue("name"))
	password := req.PostFormValue("password")
	if name == "" || password == "" {
		return s.renderLogin(c, http.StatusUnauthorized, "Wrong name or password.")
	}
	if why := s.loginLimits.allow(c.RealIP(), name, s.now()); why != "" {
		s.log.Warn("login refused: too many attempts", "ip", c.RealIP())
		return s.renderLogin(c, http.StatusTooManyRequests, why)
	}
	a, known, err := s.account(req.Context(), name)
	if err != nil {
		return err
	}
	if !checkPassword(a.User, known, password) {
		s.loginLimits.failed(c.RealIP(), name, s.now())
		s.log.Warn("login failed", "ip", c.RealIP())
		return s.renderLogin(c, http.StatusUnauthorized, "Wrong name or password.")
	}
	if err := s.signIn(c, a); err != nil {
		return err
	}
	s.log.Info("login", "user", a.Name, "ip", c.RealIP())
	return c.Redirect(http.StatusSeeOther, safeNext(req.PostFormValue("next")))
}

// account is the configured user called name as it is now, with what an admin changed of it
// (read from the database, so a change made in another replica holds here at once).
func (s *Server) account(ctx context.Context, name string) (account, bool, error) {
	u, known := s.users[name]
	if !known {
		return account{}, false, nil
	}
	changes, err := s.d.Accounts.UserList(ctx)
	if err != nil {
		return account{}, false, fmt.Errorf("read user changes: %w", err)
	}
	for _, ch := range changes {
		if ch.Name == name {
			return accountOf(u, ch), true, nil
		}
	}
	return accountOf(u, erp.UserChange{}), true, nil
}

// signIn starts a login of a in the database and gives this browser its cookie. Logins
// that expired more than a day ago are cleared out on the way.
func (s *Server) signIn(c *echo.Context, a account) error {
	ss := s.sessions.start(a.Name)
	now := s.now()
	err := s.d.Accounts.SessionStart(c.Request().Context(), erp.Session{ID: ss.rowID(), User: a.Name, Credential: a.credential(),
		Address: c.RealIP(), Agent: c.Request().UserAgent(), StartedAt: now, ExpiresAt: time.Unix(ss.Expires, 0)})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	if _, err := s.d.Accounts.SessionPurge(c.Request().Context(), now.Add(-24*time.Hour)); err != nil {
		s.log.Warn("clear expired sessions", "err", err)
	}
	s.setSessionCookie(c, ss)
	c.Set(ctxSession, ss)
	return nil
}

// logout ends the login in the database, so a copy of its cookie is worth nothing in any
// replica, now or after a restart.
func (s *Server) logout(c *echo.Context) error {
	if ss, ok := sessionOf(c); ok {
		_, err := s.d.Accounts.SessionEnd(c.Request().Context(), erp.SessionEndParams{ID: ss.rowID(), At: s.now(), By: ss.User, Reason: erp.SessionLogout})
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
	}
	s.clearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps a post-login redirect on this site: a path, never "//host" or a URL.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/orders"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/orders"
	}
	return next
}

// errNoService is returned by handlers whose dependency the wiring did not give.
var errNoService = echo.NewHTTPError(http.StatusServiceUnavailable, "This part of the portal is not set up in this instance.")
