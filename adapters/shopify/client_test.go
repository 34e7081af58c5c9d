package shopify_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestNewChecksTheConfiguration(t *testing.T) {
	t.Parallel()
	ok := shopify.Config{Shop: "acme", APIVersion: "2026-07", AccessToken: "shpat_x"}
	cases := []struct {
		name   string
		change func(*shopify.Config)
		err    string
	}{
		{"a full shop domain is accepted", func(c *shopify.Config) { c.Shop = "acme.myshopify.com" }, ""},
		{"unstable is a version", func(c *shopify.Config) { c.APIVersion = "unstable" }, ""},
		{"client credentials replace the token", func(c *shopify.Config) { c.AccessToken, c.ClientID, c.ClientSecret = "", "id", "secret" }, ""},
		{"a shop name with a space is refused", func(c *shopify.Config) { c.Shop = "ac me" }, `shop "ac me" is not a shop name`},
		{"a missing version is refused, since go-shopify would drop it silently", func(c *shopify.Config) { c.APIVersion = "" }, `api version "" is not YYYY-MM or unstable`},
		{"a version that is not YYYY-MM is refused", func(c *shopify.Config) { c.APIVersion = "2026-7" }, `api version "2026-7"`},
		{"no credentials are refused", func(c *shopify.Config) { c.AccessToken = "" }, "an access token, or a client id and secret, is required"},
		{"both kinds of credentials are refused", func(c *shopify.Config) { c.ClientID, c.ClientSecret = "id", "s" }, "not both"},
		{"a client id without its secret is refused", func(c *shopify.Config) { c.AccessToken, c.ClientID = "", "id" }, "client id and client secret go together"},
		{"a base url without a scheme is refused", func(c *shopify.Config) { c.BaseURL = "127.0.0.1:9090" }, `base url "127.0.0.1:9090" is not an http(s) URL`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.change(&cfg)
			_, err := shopify.New(cfg)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
}

func TestCallsGoToTheBaseURLWithTheShopsHost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	_, err := b.client.Locations(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"passthrough-test.myshopify.com → " + strings.TrimPrefix(b.srv.URL, "http://")}, b.sent.hosts)
	require.Equal(t, "/admin/api/2026-07/locations.json", b.srv.Requests()[0].Path, "the pinned version is in the path")
}

func TestErrorsMapOntoTheSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		setup    func(*bundle)
		call     func(*bundle) error
		is       []error
		isNot    []error
		status   int
		message  string
		requests int
	}{
		{
			name: "an unknown order is not found",
			call: func(b *bundle) error { _, err := b.client.Order(context.Background(), 42); return err },
			is:   []error{shopify.ErrNotFound}, isNot: []error{shopify.ErrRetryable, shopify.ErrUnauthorized},
			status: http.StatusNotFound, message: "Not Found", requests: 1,
		},
		{
			name:  "a refused token is unauthorized and not retried",
			setup: func(b *bundle) {},
			call:  func(b *bundle) error { _, err := badToken(b).Locations(context.Background()); return err },
			is:    []error{shopify.ErrUnauthorized}, isNot: []error{shopify.ErrRetryable, shopify.ErrNotFound},
			status: http.StatusUnauthorized, message: "[API] Invalid API key or access token (unrecognized login or wrong password)", requests: 1,
		},
		{
			name:  "5xx after every attempt is retryable",
			setup: func(b *bundle) { b.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 1}) },
			call:  func(b *bundle) error { _, err := b.client.Locations(context.Background()); return err },
			is:    []error{shopify.ErrRetryable}, isNot: []error{shopify.ErrNotFound, shopify.ErrUnauthorized},
			requests: 8,
		},
		{
			name: "429 after every attempt is retryable",
			setup: func(b *bundle) {
				b.srv.SetFaults(shopifytest.Faults{TooManyRequestsRate: 1, RetryAfter: 500 * time.Millisecond})
			},
			call: func(b *bundle) error { _, err := b.client.Locations(context.Background()); return err },
			is:   []error{shopify.ErrRetryable}, status: http.StatusTooManyRequests, requests: 8,
		},
		{
			name:  "a lost connection after every attempt is retryable",
			setup: func(b *bundle) { b.srv.SetFaults(shopifytest.Faults{DropRate: 1}) },
			call:  func(b *bundle) error { _, err := b.client.Locations(context.Background()); return err },
			is:    []error{shopify.ErrRetryable}, isNot: []error{context.Canceled}, requests: 8,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			if tc.setup != nil {
				tc.setup(b)
			}
			err := tc.call(b)
			require.Error(t, err)
			for _, want := range tc.is {
				require.ErrorIs(t, err, want)
			}
			for _, not := range tc.isNot {
				require.NotErrorIs(t, err, not)
			}
			if tc.status != 0 {
				var apiErr *shopify.APIError
				require.ErrorAs(t, err, &apiErr)
				require.Equal(t, tc.status, apiErr.Status)
				if tc.message != "" {
					require.Equal(t, tc.message, apiErr.Message)
				}
			}
			require.Equal(t, int64(tc.requests), b.srv.RequestCount())
		})
	}
}

// badToken is a client for b's simulator with a token the simulator does not know.
func badToken(b *bundle) *shopify.Client {
	c, err := shopify.New(shopify.Config{Shop: b.srv.Shop, BaseURL: b.srv.URL, APIVersion: "2026-07", AccessToken: "shpat_wrong", Clock: b.clock})
	if err != nil {
		panic(err)
	}
	return c
}

func TestTheContextBoundsEveryWait(t *testing.T) {
	t.Parallel()
	// A real clock here: the wait must be cut short by the context, not sat out.
	b := setup(t, func(c *shopify.Config) { c.Clock = shopify.SystemClock() })
	b.srv.SetFaults(shopifytest.Faults{TooManyRequestsRate: 1, RetryAfter: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := b.client.Locations(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	t.Run("a cancelled context makes no call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		before := b.srv.RequestCount()
		_, err := b.client.Order(ctx, 1)
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, before, b.srv.RequestCount())
	})
}

func TestCallsRunOneAtATime(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 20, SKUs: 5, Seed: 9}))
	ids := b.srv.OrderIDs()
	errs := make(chan error, len(ids))
	for _, id := range ids {
		go func() {
			_, err := b.client.Order(context.Background(), id)
			errs <- err
		}()
	}
	for range ids {
		require.NoError(t, <-errs)
	}
	require.Equal(t, int64(len(ids)), b.client.Stats()["GET orders/{id}"].Calls)
}

func TestStatsCountPerEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 3, SKUs: 3, Seed: 1}))
	ctx := context.Background()
	_, err := b.client.Locations(ctx)
	require.NoError(t, err)
	_, err = b.client.Order(ctx, b.srv.OrderIDs()[0])
	require.NoError(t, err)
	_, err = b.client.FulfillmentOrders(ctx, b.srv.OrderIDs()[0])
	require.NoError(t, err)

	stats := b.client.Stats()
	require.Equal(t, []string{"GET locations", "GET orders/{id}", "GET orders/{id}/fulfillment_orders"}, sortedKeys(stats))
	require.Equal(t, int64(3), stats.Total().Calls)
	require.Zero(t, stats.Total().Retries)
}

func sortedKeys(s shopify.Stats) []string { return slices.Sorted(maps.Keys(s)) }

func TestAnswersThatCannotBeReadArePermanentErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		header string
		body   string
		err    string
	}{
		{"a body that is not JSON", http.StatusOK, "", `<html>maintenance</html>`, "fetch orders page 1: GET orders: invalid character '<'"},
		{"a Link header go-shopify cannot read", http.StatusOK, `<https://x/orders.json?page_info=a>; rel=next`, `{"orders":[]}`, "fetch orders page 1: GET orders: unreadable answer: could not extract pagination link header"},
		{"an error body that is not JSON", http.StatusBadRequest, "", `Bad Request`, "fetch orders page 1: GET orders: 400 unreadable answer: invalid character 'B'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Link", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, err := shopify.New(shopify.Config{Shop: "acme", BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: "t"})
			require.NoError(t, err)
			err = c.OrderPages(context.Background(), shopify.OrderQuery{}, func(shopify.OrderPage) error { return nil })
			require.ErrorContains(t, err, tc.err)
			require.NotErrorIs(t, err, shopify.ErrRetryable)
		})
	}
}
