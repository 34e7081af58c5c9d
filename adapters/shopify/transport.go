package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough"
)

// transport sits under go-shopify's http.Client and does what go-shopify does not: it
// sends requests to shopify.base_url when one is set (keeping the shop's Host header), adds
// the access token (refreshing it once on a 401), paces requests within the store's
// budget, retries 429s after Retry-After, THROTTLED GraphQL after the cost has restored,
// and 5xx answers and network errors with exponential back-off and jitter, and counts all
// of it per endpoint. go-shopify only ever sees the final answer.
//
// Requests that are not safe to repeat (a POST that creates something) are retried only
// when Shopify certainly did not act on them (429, THROTTLED, 401); after a 5xx or a lost
// connection the caller gets ErrRetryable and decides, because Shopify may have acted.
type transport struct {
	base           *url.URL // nil: send to the URL as built
	next           http.RoundTripper
	tokens         tokenSource
	pacer          *pacer
	clock          Clock
	log            *slog.Logger
	maxAttempts    int
	attemptTimeout time.Duration

	randMu sync.Mutex
	rand   *mrand.Rand

	statsMu sync.Mutex
	stats   map[string]*EndpointStats

	dateMu   sync.Mutex
	answered time.Time // Shopify's clock (the Date header) on the last answer
	served   string    // the API version that served the last answer (X-Shopify-API-Version)
}

// EndpointStats counts what happened on one endpoint ("GET orders", "POST graphql", …).
type EndpointStats struct {
	Calls         int64         // HTTP requests sent, retries included
	Retries       int64         // requests sent again after a failed attempt
	TooMany       int64         // 429 answers
	Throttled     int64         // GraphQL THROTTLED answers
	ServerErrors  int64         // 5xx answers
	NetworkErrors int64         // attempts that got no answer
	Failures      int64         // calls that ended in an error after any retries
	Wait          time.Duration // time spent waiting: pacing, Retry-After and back-off
	// BudgetWait is the part of Wait spent waiting for the store's budget: pacing,
	// Retry-After after a 429, the restore of points after THROTTLED.
	BudgetWait time.Duration
	Points     float64 // GraphQL points the queries actually cost
}

func (s *EndpointStats) add(o EndpointStats) {
	s.Calls += o.Calls
	s.Retries += o.Retries
	s.TooMany += o.TooMany
	s.Throttled += o.Throttled
	s.ServerErrors += o.ServerErrors
	s.NetworkErrors += o.NetworkErrors
	s.Failures += o.Failures
	s.Wait += o.Wait
	s.BudgetWait += o.BudgetWait
	s.Points += o.Points
}

// Stats maps an endpoint to its counts.
type Stats map[string]EndpointStats

// Total adds up every endpoint.
func (s Stats) Total() EndpointStats {
	var t EndpointStats
	for _, e := range s {
		t.add(e)
	}
	return t
}

const (
	callLimitHeader = "X-Shopify-Shop-Api-Call-Limit"
	maxBody         = 64 << 20
	backoffBase     = 500 * time.Millisecond
	backoffCap      = 30 * time.Second
	maxRetryAfter   = 5 * time.Minute
)

// retryableError marks a failure that passes: a lost connection, a timeout.
type retryableError struct{ err error }

func (e *retryableError) Error() string        { return e.err.Error() }
func (e *retryableError) Unwrap() error        { return e.err }
func (e *retryableError) Is(target error) bool { return target == ErrRetryable }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		body = b
	}
	ep := endpointName(req.Method, req.URL.Path)
	graphql := strings.HasSuffix(req.URL.Path, "/graphql.json")
	repeatable := req.Method == http.MethodGet || req.Method == http.MethodHead ||
		strings.HasSuffix(req.URL.Path, "/inventory_levels/set.json") || // sets an absolute value
		(graphql && bytes.Contains(body, []byte("@idempotent"))) // Shopify answers a repeated key with the first result

	refreshed := false
	for attempt := 1; ; attempt++ {
		wait := t.pacer.restDelay(t.clock.Now())
		if graphql {
			wait = t.pacer.gqlDelay(t.clock.Now())
		}
		if err := t.wait(ctx, ep, wait, true); err != nil {
			return nil, err
		}
		tok, err := t.tokens.token(ctx)
		if err != nil {
			t.count(ep, EndpointStats{Failures: 1})
			return nil, err
		}
		t.count(ep, EndpointStats{Calls: 1, Retries: b2i(attempt > 1)})
		if !graphql {
			meterFrom(ctx).add(passthrough.APIUsage{RESTCalls: 1})
		}
		resp, err := t.send(ctx, req, body, tok)
		now := t.clock.Now()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			t.count(ep, EndpointStats{NetworkErrors: 1})
			if !repeatable || attempt >= t.maxAttempts {
				t.count(ep, EndpointStats{Failures: 1})
				return nil, &retryableError{err}
			}
			if err := t.backoff(ctx, ep, attempt, "network error", 0); err != nil {
				return nil, err
			}
			continue
		}
		if h := resp.Header.Get(callLimitHeader); h != "" {
			t.pacer.observeREST(h, now)
		}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			t.dateMu.Lock()
			t.answered = d
			t.dateMu.Unlock()
		}
		if v := resp.Header.Get("X-Shopify-API-Version"); v != "" {
			t.dateMu.Lock()
			t.served = v
			t.dateMu.Unlock()
		}
		last := attempt >= t.maxAttempts
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !refreshed && t.tokens.refreshable():
			refreshed = true
			t.tokens.invalidate(tok)
			t.log.Info("shopify access token refused, fetching a new one", "endpoint", ep)
			continue
		case resp.StatusCode == http.StatusTooManyRequests:
			t.count(ep, EndpointStats{TooMany: 1})
			meterFrom(ctx).add(passthrough.APIUsage{RateLimited: 1})
			t.pacer.observeFull(now)
			if last {
				break
			}
			wait := retryAfter(resp.Header.Get("Retry-After"))
			t.log.Debug("shopify answered 429, waiting", "endpoint", ep, "attempt", attempt, "wait", wait)
			if err := t.wait(ctx, ep, wait, true); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode >= 500:
			t.count(ep, EndpointStats{ServerErrors: 1})
			if last || !repeatable {
				break
			}
			if err := t.backoff(ctx, ep, attempt, resp.Status, resp.StatusCode); err != nil {
				return nil, err
			}
			continue
		case graphql && resp.StatusCode == http.StatusOK:
			cost, throttled, searches := readGraphQLAnswer(resp)
			if cost != nil {
				t.pacer.observeGraphQL(*cost, now)
				if cost.ActualQueryCost != nil {
					t.count(ep, EndpointStats{Points: *cost.ActualQueryCost})
					meterFrom(ctx).add(passthrough.APIUsage{GraphQLPoints: int64(math.Round(*cost.ActualQueryCost))})
				}
			}
			for _, s := range searches {
				// Shopify left part of a search query out: it read more, or other things,
				// than asked. A bug to fix, not a reason to fail.
				t.log.Warn("shopify ignored part of a search query", "endpoint", ep, "query", s.Query, "warnings", s.Warnings)
			}
			if !throttled {
				break
			}
			t.count(ep, EndpointStats{Throttled: 1})
			meterFrom(ctx).add(passthrough.APIUsage{RateLimited: 1})
			if last { // (a THROTTLED query did not run, so repeating it is always safe)
				t.count(ep, EndpointStats{Failures: 1})
				break
			}
			wait := time.Second
			if cost != nil {
				wait = throttledWait(*cost)
			}
			t.log.Debug("shopify GraphQL throttled, waiting", "endpoint", ep, "attempt", attempt, "wait", wait)
			if err := t.wait(ctx, ep, wait, true); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 400 {
			t.count(ep, EndpointStats{Failures: 1})
		}
		return resp, nil
	}
}

// send makes one attempt, bounded by the attempt timeout, and reads the whole answer so
// that a connection lost half-way is a failed attempt and not a truncated body.
func (t *transport) send(ctx context.Context, req *http.Request, body []byte, token string) (*http.Response, error) {
	actx, cancel := context.WithTimeout(ctx, t.attemptTimeout)
	defer cancel()
	r := req.Clone(actx)
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	if t.base != nil {
		r.URL.Scheme, r.URL.Host = t.base.Scheme, t.base.Host
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	if token != "" {
		r.Header.Set("X-Shopify-Access-Token", token)
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Request = req
	return resp, nil
}

// wait sleeps d, counting it; budget says it is a wait for the store's budget (pacing,
// Retry-After, THROTTLED) rather than a back-off after a failure.
func (t *transport) wait(ctx context.Context, ep string, d time.Duration, budget bool) error {
	if d <= 0 {
		return nil
	}
	if budget {
		t.count(ep, EndpointStats{Wait: d, BudgetWait: d})
		meterFrom(ctx).add(passthrough.APIUsage{Wait: d})
	} else {
		t.count(ep, EndpointStats{Wait: d})
	}
	return t.clock.Sleep(ctx, d)
}

// backoff waits before attempt+1: exponential from 500 ms, at most 30 s, with jitter
// (between half and all of it), so clients that failed together do not retry together.
func (t *transport) backoff(ctx context.Context, ep string, attempt int, why string, status int) error {
	d := backoffBase << min(attempt-1, 10)
	d = min(d, backoffCap)
	t.randMu.Lock()
	d = d/2 + time.Duration(t.rand.Int64N(int64(d/2)+1))
	t.randMu.Unlock()
	t.log.Debug("shopify call failed, retrying", "endpoint", ep, "attempt", attempt, "status", status, "reason", why, "wait", d)
	return t.wait(ctx, ep, d, false)
}

func (t *transport) count(ep string, d EndpointStats) {
	t.statsMu.Lock()
	defer t.statsMu.Unlock()
	s := t.stats[ep]
	if s == nil {
		s = &EndpointStats{}
		t.stats[ep] = s
	}
	s.add(d)
}

// lastAnswer is Shopify's clock, to the second, when it sent the last answer: the Date
// header. Zero before the first answer, or when Shopify sent none.
func (t *transport) lastAnswer() time.Time {
	t.dateMu.Lock()
	defer t.dateMu.Unlock()
	return t.answered
}

func (t *transport) snapshot() Stats {
	t.statsMu.Lock()
	defer t.statsMu.Unlock()
	out := make(Stats, len(t.stats))
	for k, v := range t.stats {
		out[k] = *v
	}
	return out
}

// retryAfter reads Retry-After in seconds, fractions allowed ("2.0", "0.5"). Shopify
// recommends waiting a second when it says nothing.
func retryAfter(h string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(h), 64)
	if err != nil || f <= 0 {
		return time.Second
	}
	return min(seconds(f), maxRetryAfter)
}

// searchWarnings is one entry of extensions.search: terms of a search query Shopify could
// not use, and left out.
type searchWarnings struct {
	Query    string `json:"query"`
	Warnings []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"warnings"`
}

// readGraphQLAnswer reads extensions.cost, whether the answer is THROTTLED, and the
// warnings about search queries.
func readGraphQLAnswer(resp *http.Response) (*throttleStatus, bool, []searchWarnings) {
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var g struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
		Extensions struct {
			Cost   *throttleStatus  `json:"cost"`
			Search []searchWarnings `json:"search"`
		} `json:"extensions"`
	}
	if json.Unmarshal(b, &g) != nil {
		return nil, false, nil
	}
	throttled := false
	for _, e := range g.Errors {
		if e.Extensions.Code == "THROTTLED" {
			throttled = true
		}
	}
	return g.Extensions.Cost, throttled, g.Extensions.Search
}

var (
	versionPrefix = regexp.MustCompile(`^/admin/(api/[^/]+/)?`)
	numericPart   = regexp.MustCompile(`/\d+(/|$)`)
)

// endpointName names a request for the counts: method and path without the version, the
// .json and the ids ("GET orders/{id}/fulfillment_orders").
func endpointName(method, path string) string {
	p := "/" + versionPrefix.ReplaceAllString(path, "")
	p = strings.TrimSuffix(p, ".json")
	for numericPart.MatchString(p) {
		p = numericPart.ReplaceAllString(p, "/{id}$1")
	}
	return method + " " + strings.TrimPrefix(p, "/")
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
