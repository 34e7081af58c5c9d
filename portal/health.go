package portal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// The health panel: per store, what a manager checks at a glance — the Shopify API version
// in use and how long Shopify still supports it, the access scopes granted against those the
// feeds need, feeds that have not succeeded for a while, the token's expiry, the database,
// passthrough's own version, and (once wired) the webhooks. Health is a plain value the
// dashboard and the alerts can use as they are; Checks turns it into lines with a status.

// ShopifyClient is what the health panel and the budget meter read of a store's Shopify
// client; *shopify.Client satisfies it.
type ShopifyClient interface {
	APIVersion() string
	ServedVersion() string
	TokenExpiry() (expires time.Time, refreshable bool)
	AccessScopes(ctx context.Context) ([]string, error)
	Budget() shopify.Budget
	Stats() shopify.Stats
}

var _ ShopifyClient = (*shopify.Client)(nil)

// ScopeNeed is an access scope a feed of the store needs.
type ScopeNeed struct {
	Scope string
	For   string // what needs it: "the orders feed", "backfills older than 60 days"
	// Optional needs fail only some runs (a backfill past 60 days), not the feed.
	Optional bool
}

// FeedExpectation is how often a feed of the store should succeed: a feed that has not for
// three times that is stale (feeds.CheckFeed).
type FeedExpectation = feeds.Expectation

// Health is one store's health at one moment.
type Health struct {
	Shop string
	At   time.Time
	API  APIHealth
	// Scopes are the access scopes Shopify says the app has, against those the feeds need.
	Scopes ScopesHealth
	Feeds  []FeedHealth
	Token  TokenHealth
	DB     DatabaseHealth
	// Version is passthrough's own (passthrough.Version).
	Version string
	// Webhooks is the webhooks' health line; nil until the webhooks are wired in.
	Webhooks *HealthCheck
}

// APIHealth is the Shopify API version the store is pinned to and Shopify's calendar for it.
type APIHealth struct {
	Version string // pinned in the configuration
	Served  string // the version Shopify said served the last call; "" before one
	// Supported says the version is a stable one; SupportedUntil is when Shopify stops
	// serving it (at least twelve months after its release), DaysLeft the days until then.
	Supported      bool
	SupportedUntil time.Time
	DaysLeft       int
}

// ScopesHealth is what Shopify granted against what the feeds need.
type ScopesHealth struct {
	Granted []string
	Needed  []ScopeNeed
	Missing []ScopeNeed
	Err     string // Shopify could not be asked
}

// FeedHealth is one feed's last success, judged by the stale-feed rule.
type FeedHealth = feeds.FeedState

// TokenHealth is the access token in use.
type TokenHealth struct {
	Refreshable bool      // client credentials: fetched, and fetched again before expiry
	Expires     time.Time // zero for a static token, or before the first call
}

// DatabaseHealth is the ERP database as this process sees it.
type DatabaseHealth struct {
	Reachable bool
	Took      time.Duration // the ping
	Err       string
	Pool      sql.DBStats
	HasPool   bool
}

// HealthCheck is one line of the panel.
type HealthCheck struct {
	Name   string
	Status string // good, warn, bad or unknown (the badge classes)
	Value  string
	// Fix says what to do when Status is not good.
	Fix string
}

// Warning thresholds.
const (
	// apiVersionWarn is how long before Shopify stops serving the pinned version the panel
	// warns: a quarter, time to test the next one.
	apiVersionWarn = 90 * 24 * time.Hour
	// tokenWarn is how close to expiry a client-credentials token may be, since it is
	// fetched again five minutes before: less means fetching failed.
	tokenWarn = 4 * time.Minute
)

// Checks are the health's lines, each with a status: what the panel shows.
func (h Health) Checks() []HealthCheck {
	var out []HealthCheck
	api := HealthCheck{Name: "Shopify API version", Status: "good"}
	switch {
	case h.API.Version == "":
		api.Status, api.Value = "unknown", "this instance has no Shopify client for the store"
	case !h.API.Supported:
		api.Status, api.Value = "bad", h.API.Version+": not a stable version Shopify supports"
		api.Fix = "Pin a stable version (YYYY-MM, January, April, July or October) in the store's api_version."
	case h.API.DaysLeft <= 0:
		api.Status = "bad"
		api.Value = fmt.Sprintf("%s: Shopify stopped supporting it on %s", h.API.Version, h.API.SupportedUntil.Format(time.DateOnly))
		api.Fix = "Shopify serves the oldest version it still supports instead; test and pin a newer one."
	case time.Duration(h.API.DaysLeft)*24*time.Hour <= apiVersionWarn:
		api.Status = "warn"
		api.Value = fmt.Sprintf("%s: supported until %s, %d days left", h.API.Version, h.API.SupportedUntil.Format(time.DateOnly), h.API.DaysLeft)
		api.Fix = "Test the newest stable version and pin it before then."
	default:
		api.Value = fmt.Sprintf("%s: supported until %s, %d days left", h.API.Version, h.API.SupportedUntil.Format(time.DateOnly), h.API.DaysLeft)
	}
	if h.API.Served != "" && h.API.Served != h.API.Version {
		api.Status = "bad"
		api.Value += "; Shopify answers with " + h.API.Served
		api.Fix = "Shopify no longer serves " + h.API.Version + " and fell forward to " + h.API.Served + ": pin a supported version."
	}
	out = append(out, api)

	scopes := HealthCheck{Name: "Access scopes", Status: "good"}
	switch {
	case h.Scopes.Err != "":
		scopes.Status, scopes.Value = "unknown", "Shopify could not be asked: "+h.Scopes.Err
	case len(h.Scopes.Missing) > 0:
		scopes.Status = "warn"
		var missing []string
		for _, m := range h.Scopes.Missing {
			if !m.Optional {
				scopes.Status = "bad"
			}
			missing = append(missing, m.Scope+" ("+m.For+")")
		}
		scopes.Value = "missing: " + strings.Join(missing, ", ")
		scopes.Fix = "Grant the app these scopes in the store's admin (the app's configuration), then reinstall or approve it."
	default:
		scopes.Value = fmt.Sprintf("all %d needed are granted", len(uniqueScopes(h.Scopes.Needed)))
	}
	out = append(out, scopes)

	for _, f := range h.Feeds {
		c := HealthCheck{Name: "Feed " + f.Feed, Status: "good"}
		switch {
		case f.Stale && f.LastSuccess.IsZero():
			c.Status, c.Value = "bad", fmt.Sprintf("no successful run yet (runs every %s)", f.Every)
			c.Fix = "Open the Feeds page: its last runs say why."
		case f.Stale:
			c.Status = "bad"
			c.Value = fmt.Sprintf("last success %s ago, runs every %s", roundAgo(h.At.Sub(f.LastSuccess)), f.Every)
			c.Fix = "Open the Feeds page: its last runs say why."
		case f.LastSuccess.IsZero():
			c.Status, c.Value = "unknown", "has not run yet"
		default:
			c.Value = fmt.Sprintf("last success %s ago", roundAgo(h.At.Sub(f.LastSuccess)))
		}
		out = append(out, c)
	}

	tok := HealthCheck{Name: "Access token", Status: "good"}
	switch {
	case !h.Token.Refreshable:
		tok.Value = "a static token: it does not expire"
	case h.Token.Expires.IsZero():
		tok.Status, tok.Value = "unknown", "client credentials: no token fetched yet"
	case h.Token.Expires.Sub(h.At) < tokenWarn:
		tok.Status = "bad"
		tok.Value = "client credentials: the token expires " + h.Token.Expires.UTC().Format("2006-01-02 15:04 MST")
		tok.Fix = "Fetching a new token fails: check the store's client id and secret, and that the app is installed."
	default:
		tok.Value = fmt.Sprintf("client credentials: expires in %s, fetched again before", roundAgo(h.Token.Expires.Sub(h.At)))
	}
	out = append(out, tok)

	db := HealthCheck{Name: "Database", Status: "good"}
	if !h.DB.Reachable {
		db.Status, db.Value, db.Fix = "bad", "does not answer: "+h.DB.Err, "Check the database server and the network to it."
	} else {
		db.Value = fmt.Sprintf("answers in %s", h.DB.Took.Round(100*time.Microsecond))
		if h.DB.HasPool {
			p := h.DB.Pool
			db.Value += fmt.Sprintf("; pool: %d open (%d in use, %d idle)", p.OpenConnections, p.InUse, p.Idle)
			if p.MaxOpenConnections > 0 {
				db.Value += fmt.Sprintf(" of %d", p.MaxOpenConnections)
			}
			if p.WaitCount > 0 {
				db.Value += fmt.Sprintf("; %d waits for a connection, %s in all", p.WaitCount, p.WaitDuration.Round(time.Millisecond))
			}
		}
	}
	out = append(out, db)

	if h.Webhooks != nil {
		out = append(out, *h.Webhooks)
	} else {
		out = append(out, HealthCheck{Name: "Webhooks", Status: "unknown", Value: "not reported by this build"})
	}
	out = append(out, HealthCheck{Name: "passthrough", Status: "good", Value: h.Version})
	return out
}

// Status is the worst status of the checks: what the store's badge says.
func (h Health) Status() string {
	rank := map[string]int{"good": 0, "unknown": 1, "warn": 2, "bad": 3}
	worst := "good"
	for _, c := range h.Checks() {
		if rank[c.Status] > rank[worst] {
			worst = c.Status
		}
	}
	return worst
}

func uniqueScopes(needs []ScopeNeed) []string {
	var out []string
	for _, n := range needs {
		if !slices.Contains(out, n.Scope) {
			out = append(out, n.Scope)
		}
	}
	return out
}

// roundAgo is a duration for people: "3 min", "2h 05m", "4 days".
func roundAgo(d time.Duration) string {
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return strings.TrimSuffix(ago(base.Add(d), base), " ago")
}

// scopeCache keeps what Shopify said of a store's scopes for a while: the panel (and the
// dashboard after it) need not ask at every view.
type scopeCache struct {
	mu      sync.Mutex
	granted map[string][]string
	at      map[string]time.Time
}

const scopesFor = 5 * time.Minute

func (c *scopeCache) get(ctx context.Context, shop string, now time.Time, ask func(context.Context) ([]string, error)) ([]string, error) {
	c.mu.Lock()
	if at, ok := c.at[shop]; ok && now.Sub(at) < scopesFor {
		g := c.granted[shop]
		c.mu.Unlock()
		return g, nil
	}
	c.mu.Unlock()
	g, err := ask(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.granted == nil {
		c.granted, c.at = map[string][]string{}, map[string]time.Time{}
	}
	c.granted[shop], c.at[shop] = g, now
	return g, nil
}

// health gathers a store's health now.
func (s *Server) health(ctx context.Context, st *Store) Health {
	now := s.now()
	h := Health{Shop: st.Shop, At: now, Version: passthrough.Version()}

	if cl := st.Shopify; cl != nil {
		h.API.Version, h.API.Served = cl.APIVersion(), cl.ServedVersion()
		if _, until, ok := shopify.VersionSupport(h.API.Version); ok {
			h.API.Supported, h.API.SupportedUntil = true, until
			h.API.DaysLeft = int(until.Sub(now).Hours() / 24)
		}
		h.Token.Expires, h.Token.Refreshable = cl.TokenExpiry()
		h.Scopes.Needed = st.Scopes
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		granted, err := s.scopes.get(actx, st.Shop, now, cl.AccessScopes)
		cancel()
		if err != nil {
			s.log.Warn("health: ask Shopify for the access scopes", "shop", st.Shop, "err", err)
			h.Scopes.Err = shopifyTrouble(err)
		} else {
			h.Scopes.Granted = granted
			for _, n := range st.Scopes {
				if len(shopify.MissingScopes(granted, []string{n.Scope})) > 0 && !slices.ContainsFunc(h.Scopes.Missing, func(m ScopeNeed) bool { return m.Scope == n.Scope }) {
					h.Scopes.Missing = append(h.Scopes.Missing, n)
				}
			}
		}
	} else {
		h.Scopes.Err = "this instance has no Shopify client for the store"
	}

	for _, exp := range st.Expect {
		h.Feeds = append(h.Feeds, s.feedHealth(ctx, st.Shop, exp, now))
	}

	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	start := time.Now()
	err := s.ping(pctx)
	cancel()
	h.DB.Took = time.Since(start)
	h.DB.Reachable = err == nil
	if err != nil {
		s.log.Warn("health: database does not answer", "err", err)
		h.DB.Err = "no answer within 2 seconds, or an error (it has been logged)"
	}
	if s.d.DBStats != nil {
		h.DB.Pool, h.DB.HasPool = s.d.DBStats(), true
	}
	if st.Webhooks != nil {
		w := s.webhooksCheck(ctx, st.Webhooks)
		h.Webhooks = &w
	}
	return h
}

// webhooksCheck is the health panel's line for the store's webhooks: bad when people must
// hear of it (stopped, never came, app uninstalled), a warning when the scheduled run
// staged orders they missed.
func (s *Server) webhooksCheck(ctx context.Context, wh WebhookHealth) HealthCheck {
	c := HealthCheck{Name: "Webhooks"}
	w, err := wh.WebhookHealth(ctx)
	switch {
	case err != nil:
		s.log.Warn("health: read the webhooks' health", "err", err)
		c.Status, c.Value = "unknown", "could not be read (it has been logged)"
	case w.Loud():
		c.Status, c.Value, c.Fix = "bad", w.State, w.Message
	case w.State == webhooks.StateMissing:
		c.Status, c.Value, c.Fix = "warn", w.State, w.Message
	default:
		c.Status, c.Value = "good", w.State
		if w.State == webhooks.StateOff {
			c.Value = "off: orders come with the scheduled run"
		}
	}
	return c
}

// shopifyTrouble says why Shopify could not be asked, without its words (which may carry a
// URL).
func shopifyTrouble(err error) string {
	switch {
	case errors.Is(err, shopify.ErrUnauthorized):
		return "the token was refused"
	case errors.Is(err, shopify.ErrRetryable):
		return "Shopify did not answer (it has been logged)"
	}
	return "the call failed (it has been logged)"
}

// feedHealth judges a feed by its recent runs.
func (s *Server) feedHealth(ctx context.Context, shop string, exp FeedExpectation, now time.Time) FeedHealth {
	xs, err := s.d.Ledger.ExecutionList(ctx, erp.ExecutionListParams{Shop: shop, Feed: exp.Feed, Limit: 200})
	if err != nil {
		s.log.Warn("health: list runs", "feed", exp.Feed, "err", err)
		return FeedHealth{Feed: exp.Feed, Every: exp.Every}
	}
	return feeds.CheckFeed(exp, xs, now)
}

// ping asks the database whether it answers.
func (s *Server) ping(ctx context.Context) error {
	if s.d.Ping != nil {
		return s.d.Ping(ctx)
	}
	_, err := s.d.Ledger.LedgerList(ctx, erp.LedgerListParams{Shop: s.stores[0].Shop, Limit: 1})
	return err
}

type healthData struct {
	Health Health
	Checks []HealthCheck
	Status string
	Scopes []scopeRow
}

// scopeRow is a needed scope and whether Shopify granted it.
type scopeRow struct {
	ScopeNeed
	Granted string // yes, no, unknown
	Status  string // its badge
}

func (s *Server) healthPage(c *echo.Context) error {
	h := s.health(c.Request().Context(), storeOf(c))
	data := healthData{Health: h, Checks: h.Checks(), Status: h.Status()}
	for _, n := range h.Scopes.Needed {
		row := scopeRow{ScopeNeed: n, Granted: "yes", Status: "good"}
		switch {
		case h.Scopes.Err != "":
			row.Granted, row.Status = "unknown", "unknown"
		case slices.ContainsFunc(h.Scopes.Missing, func(m ScopeNeed) bool { return m.Scope == n.Scope }):
			row.Granted, row.Status = "no", "bad"
		}
		data.Scopes = append(data.Scopes, row)
	}
	return s.render(c, http.StatusOK, "health", "Health", data)
}
