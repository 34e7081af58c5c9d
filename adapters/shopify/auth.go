package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenSource gives the transport the access token to send.
type tokenSource interface {
	token(ctx context.Context) (string, error)
	// invalidate drops tok if it is still the current token, so the next call fetches
	// another one.
	invalidate(tok string)
	refreshable() bool
	// expiry is when the current token expires: zero when it does not, or when none has
	// been fetched yet.
	expiry() time.Time
}

// staticToken is a legacy custom app's token: it never expires and cannot be refreshed.
type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }
func (staticToken) invalidate(string)                       {}
func (staticToken) refreshable() bool                       { return false }
func (staticToken) expiry() time.Time                       { return time.Time{} }

// clientCredentials fetches tokens with the client-credentials grant (an app made in the
// Dev Dashboard and installed on its own store). Tokens live 24 hours; a new one is
// fetched a little before the old one expires, and at once when Shopify refuses the old
// one. The token and the secret never appear in logs or errors.
type clientCredentials struct {
	endpoint string // https://{shop}.myshopify.com/admin/oauth/access_token
	id       string
	secret   string
	http     *http.Client
	clock    Clock
	log      *slog.Logger

	mu       sync.Mutex
	tok      string
	expires  time.Time // zero: does not expire
	lifetime time.Duration
}

func (c *clientCredentials) refreshable() bool { return true }

func (c *clientCredentials) expiry() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == "" {
		return time.Time{}
	}
	return c.expires
}

func (c *clientCredentials) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok {
		c.tok = ""
	}
}

// refreshMargin is how long before expiry a token is replaced: a tenth of its life, at
// most five minutes.
func (c *clientCredentials) refreshMargin() time.Duration {
	return min(c.lifetime/10, 5*time.Minute)
}

func (c *clientCredentials) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != "" && (c.expires.IsZero() || c.clock.Now().Before(c.expires.Add(-c.refreshMargin()))) {
		return c.tok, nil
	}
	var err error
	for attempt := 1; attempt <= 4; attempt++ {
		var retry bool
		retry, err = c.fetch(ctx)
		if err == nil || !retry {
			break
		}
		if serr := c.clock.Sleep(ctx, time.Duration(attempt)*time.Second); serr != nil {
			return "", serr
		}
	}
	if err != nil {
		return "", err
	}
	return c.tok, nil
}

// fetch asks for a new token. It reports whether a failure is worth another try.
func (c *clientCredentials) fetch(ctx context.Context) (retry bool, err error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.id}, "client_secret": {c.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("fetch access token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return true, fmt.Errorf("fetch access token: %w", &retryableError{err})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, fmt.Errorf("fetch access token: %w", &retryableError{err})
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &e)
		msg := strings.TrimSpace(e.Error + ": " + e.ErrorDescription)
		if e.Error == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		apiErr := &APIError{Endpoint: "POST oauth/access_token", Status: resp.StatusCode, Message: msg}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return true, fmt.Errorf("fetch access token: %w", apiErr)
		}
		apiErr.refused = true
		return false, fmt.Errorf("fetch access token: %w", apiErr)
	}
	var t struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return false, fmt.Errorf("fetch access token: the answer has no access_token")
	}
	c.tok = t.AccessToken
	c.lifetime = time.Duration(t.ExpiresIn) * time.Second
	c.expires = time.Time{}
	if t.ExpiresIn > 0 {
		c.expires = c.clock.Now().Add(c.lifetime)
	}
	c.log.Info("fetched a shopify access token", "scope", t.Scope, "expires_in", c.lifetime)
	return false, nil
}

// hostRewrite sends requests to base, keeping the original Host header, for the token
// endpoint (which the API transport's pacing and counting are not for).
type hostRewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (h hostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.base == nil {
		return h.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	if r.Host == "" {
		r.Host = r.URL.Host
	}
	r.URL.Scheme, r.URL.Host = h.base.Scheme, h.base.Host
	return h.next.RoundTrip(r)
}
