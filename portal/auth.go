package portal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"golang.org/x/crypto/bcrypt"

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

// session is what the session cookie holds. A session without User is the anonymous one
// the login form gets, so the login form has a CSRF token too.
type session struct {
	ID      string `json:"id"`
	User    string `json:"u,omitempty"`
	CSRF    string `json:"c"`
	Expires int64  `json:"e"` // unix seconds
}

// sessions seals sessions into cookies and remembers the ones logged out until they would
// have expired anyway.
type sessions struct {
	aead cipher.AEAD
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	revoked map[string]int64 // session id → expiry
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
	return &sessions{aead: aead, ttl: ttl, now: now, revoked: map[string]int64{}}
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
// key, has expired, or was logged out.
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
	ss.mu.Lock()
	_, gone := ss.revoked[s.ID]
	ss.mu.Unlock()
	return s, !gone
}

// revoke ends a session before its expiry (logout).
func (ss *sessions) revoke(s session) {
	now := ss.now().Unix()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, exp := range ss.revoked {
		if exp <= now {
			delete(ss.revoked, id)
		}
	}
	ss.revoked[s.ID] = s.Expires
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

// loadSession reads the session cookie, if any, and the user it names, if they are still
// in the configuration.
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
		c.Set(ctxSession, ss)
		if ss.User != "" {
			if u, ok := s.users[ss.User]; ok {
				c.Set(ctxUser, &user{Name: u.Name, Role: roleOf(u.Role), Stores: u.Stores})
			}
		}
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
			got = c.FormValue(csrfField)
		}
		if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ss.CSRF)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden,
				"The form's security token is missing or out of date. Go back, reload the page and try again.")
		}
		return next(c)
	}
}

// loginLimiter limits login attempts per client IP, so passwords cannot be guessed quickly.
func (s *Server) loginLimiter() echo.MiddlewareFunc {
	expires := time.Duration(s.d.LoginBurst) * s.d.LoginEvery
	if expires < 3*time.Minute {
		expires = 3 * time.Minute
	}
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: 1 / s.d.LoginEvery.Seconds(), Burst: s.d.LoginBurst, ExpiresIn: expires,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		DenyHandler: func(c *echo.Context, ip string, _ error) error {
			s.log.Warn("login refused: too many attempts", "ip", ip)
			return s.renderLogin(c, http.StatusTooManyRequests, "Too many sign-in attempts from your address. Wait a minute and try again.")
		},
	})
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
	return s.render(c, status, "login", "Sign in", loginData{Next: safeNext(c.FormValue("next")), Error: msg})
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
	name := strings.TrimSpace(c.FormValue("name"))
	u, known := s.users[name]
	if !checkPassword(u, known, c.FormValue("password")) {
		s.log.Warn("login failed", "ip", c.RealIP())
		return s.renderLogin(c, http.StatusUnauthorized, "Wrong name or password.")
	}
	s.setSessionCookie(c, s.sessions.start(u.Name))
	s.log.Info("login", "user", u.Name, "ip", c.RealIP())
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

func (s *Server) logout(c *echo.Context) error {
	if ss, ok := sessionOf(c); ok {
		s.sessions.revoke(ss)
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
