package shopifytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		name   string
		token  string
		status int
	}{
		{"the static token is accepted", b.srv.Token, http.StatusOK},
		{"a request without a token is refused", "", http.StatusUnauthorized},
		{"a wrong token is refused", "shpat_wrong", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "", "X-Shopify-Access-Token", tc.token)
			require.Equal(t, tc.status, r.status, string(r.body))
			if tc.status == http.StatusUnauthorized {
				require.JSONEq(t, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`, string(r.body))
			}
		})
	}
}

func TestClientCredentialsGrant(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithClientCredentials("app-id", "app-secret", time.Hour))
	grant := func(secret string) reply {
		req, err := http.NewRequest(http.MethodPost, "https://"+b.srv.Domain()+"/admin/oauth/access_token",
			strings.NewReader("grant_type=client_credentials&client_id=app-id&client_secret="+secret))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body [4096]byte
		n, _ := resp.Body.Read(body[:])
		return reply{status: resp.StatusCode, body: body[:n]}
	}

	t.Run("a wrong secret is refused", func(t *testing.T) {
		r := grant("nope")
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Contains(t, string(r.body), "invalid_client")
	})
	t.Run("the issued token works until it expires", func(t *testing.T) {
		r := grant("app-secret")
		require.Equal(t, http.StatusOK, r.status)
		m := r.json(t)
		require.Equal(t, int64(3600), num(t, m["expires_in"]))
		tok := m["access_token"].(string)
		require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "", "X-Shopify-Access-Token", tok).status)
		b.clock.Advance(time.Hour)
		require.Equal(t, http.StatusUnauthorized, b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "", "X-Shopify-Access-Token", tok).status)
	})
}

func TestVersionedPaths(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cases := []struct {
		name    string
		path    string
		status  int
		version string
	}{
		{"a supported version is served as asked", "/admin/api/2026-07/locations.json", http.StatusOK, "2026-07"},
		{"unstable is served", "/admin/api/unstable/locations.json", http.StatusOK, "unstable"},
		{"a version no longer supported falls forward to the oldest", "/admin/api/2023-01/locations.json", http.StatusOK, "2025-01"},
		{"an unversioned path is not found", "/admin/locations.json", http.StatusNotFound, ""},
		{"a month that is not a release is not found", "/admin/api/2026-05/locations.json", http.StatusNotFound, ""},
		{"a version not released yet is not found", "/admin/api/2027-04/locations.json", http.StatusNotFound, ""},
		{"a path without .json is not found", "/admin/api/2026-07/locations", http.StatusNotFound, "2026-07"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := b.call(t, http.MethodGet, tc.path, "")
			require.Equal(t, tc.status, r.status)
			require.Equal(t, tc.version, r.header.Get("X-Shopify-API-Version"))
		})
	}
}

func TestRequestRules(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 3, SKUs: 4, Seed: 1}))
	id := b.srv.OrderIDs()[0]

	t.Run("a POST without a JSON content type is a bad request", func(t *testing.T) {
		r := b.call(t, http.MethodPost, "/admin/api/2026-07/fulfillments.json", `{"fulfillment":{}}`, "Content-Type", "text/plain")
		require.Equal(t, http.StatusBadRequest, r.status)
	})
	t.Run("the removed order-scoped fulfillment endpoint is not found", func(t *testing.T) {
		r := b.call(t, http.MethodPost, "/admin/api/2026-07/orders/"+itoa(id)+"/fulfillments.json",
			`{"fulfillment":{"location_id":1,"tracking_number":"1Z"}}`)
		require.Equal(t, http.StatusNotFound, r.status)
		require.JSONEq(t, `{"errors":"Not Found"}`, string(r.body))
	})
	t.Run("an unknown order is not found", func(t *testing.T) {
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/orders/1.json", "")
		require.Equal(t, http.StatusNotFound, r.status)
	})
}

func TestRESTLeakyBucket(t *testing.T) {
	t.Parallel()
	b := setup(t) // standard plan: 40 requests, leaking 2 a second
	for i := 1; i <= 40; i++ {
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "")
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, itoa(int64(i))+"/40", r.header.Get("X-Shopify-Shop-Api-Call-Limit"))
	}

	r := b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "")
	require.Equal(t, http.StatusTooManyRequests, r.status, "the 41st request overflows the bucket")
	require.Equal(t, "0.5", r.header.Get("Retry-After"), "one request leaks out in half a second")
	require.Equal(t, "40/40", r.header.Get("X-Shopify-Shop-Api-Call-Limit"))
	require.Contains(t, string(r.body), "Exceeded 2 calls per second")

	b.clock.Advance(500 * time.Millisecond)
	require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "").status)

	t.Run("without limits there is no header and no 429", func(t *testing.T) {
		b.srv.SetRateLimitsOff()
		for range 50 {
			r := b.call(t, http.MethodGet, "/admin/api/2026-07/locations.json", "")
			require.Equal(t, http.StatusOK, r.status)
			require.Empty(t, r.header.Get("X-Shopify-Shop-Api-Call-Limit"))
		}
	})
}

func TestFaults(t *testing.T) {
	t.Parallel()
	path := "/admin/api/2026-07/locations.json"

	t.Run("a 5xx rate of 1 fails every request with a 5xx", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 1})
		for range 10 {
			require.GreaterOrEqual(t, b.call(t, http.MethodGet, path, "").status, 500)
		}
		b.srv.SetFaults(shopifytest.Faults{})
		require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, path, "").status)
	})
	t.Run("a 429 storm answers the next requests 429 with Retry-After", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Storm429(2)
		for range 2 {
			r := b.call(t, http.MethodGet, path, "")
			require.Equal(t, http.StatusTooManyRequests, r.status)
			require.Equal(t, "2.0", r.header.Get("Retry-After"))
		}
		require.Equal(t, http.StatusOK, b.call(t, http.MethodGet, path, "").status)
	})
	t.Run("a dropped connection gets no answer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(shopifytest.Faults{DropRate: 1})
		req, err := http.NewRequest(http.MethodGet, "https://"+b.srv.Domain()+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-Shopify-Access-Token", b.srv.Token)
		_, err = b.srv.Client().Do(req)
		require.Error(t, err)
		reqs := b.srv.Requests()
		require.Equal(t, 0, reqs[len(reqs)-1].Status, "the log records a dropped request with status 0")
	})
	t.Run("a slow answer outlasts an impatient client", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(shopifytest.Faults{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+b.srv.Domain()+path, nil)
		require.NoError(t, err)
		_, err = b.srv.Client().Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestCloseDoesNotWaitOutSlowAnswers(t *testing.T) {
	t.Parallel()
	srv := shopifytest.NewServer()
	srv.SetFaults(shopifytest.Faults{Delay: time.Hour})
	var wg sync.WaitGroup
	var status int
	wg.Go(func() {
		req, _ := http.NewRequest(http.MethodGet, "https://"+srv.Domain()+"/admin/api/2026-07/locations.json", nil)
		if resp, err := srv.Client().Do(req); err == nil {
			status = resp.StatusCode
			_ = resp.Body.Close()
		}
	})
	for srv.RequestCount() == 0 { // the request is in flight
		time.Sleep(time.Millisecond)
	}
	srv.Close()
	wg.Wait()
	require.Equal(t, http.StatusServiceUnavailable, status, "the in-flight request was answered before Close returned")
}

func TestRequestLogIsARing(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithRequestLogSize(3))
	for _, p := range []string{"a", "b", "c", "d", "e"} {
		b.call(t, http.MethodGet, "/admin/api/2026-07/"+p+".json", "")
	}
	reqs := b.srv.Requests()
	require.Len(t, reqs, 3)
	require.Equal(t, []string{"/admin/api/2026-07/c.json", "/admin/api/2026-07/d.json", "/admin/api/2026-07/e.json"},
		[]string{reqs[0].Path, reqs[1].Path, reqs[2].Path})
	require.Equal(t, http.StatusNotFound, reqs[2].Status)
	require.Equal(t, int64(5), b.srv.RequestCount())

	b.srv.ResetRequests()
	require.Empty(t, b.srv.Requests())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 60, SKUs: 10, Seed: 8}))
	ids := b.srv.OrderIDs()
	errs := make(chan error, len(ids)*4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(ids); i += 4 {
				id := ids[i]
				if _, err := b.do(http.MethodGet, "/admin/api/2026-07/orders.json?status=any&limit=20", ""); err != nil {
					errs <- err
				}
				r, err := b.do(http.MethodGet, "/admin/api/2026-07/orders/"+itoa(id)+"/fulfillment_orders.json", "")
				if err != nil {
					errs <- err
					continue
				}
				var page struct {
					FulfillmentOrders []struct {
						ID     int64  `json:"id"`
						Status string `json:"status"`
					} `json:"fulfillment_orders"`
				}
				if err := json.Unmarshal(r.body, &page); err != nil {
					errs <- err
				}
				for _, fo := range page.FulfillmentOrders {
					if fo.Status != "open" {
						continue
					}
					r, err := b.do(http.MethodPost, "/admin/api/2026-07/fulfillments.json",
						`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":`+itoa(fo.ID)+`}]}}`)
					if err == nil && r.status != http.StatusCreated {
						err = errors.New(string(r.body))
					}
					if err != nil {
						errs <- err
					}
				}
				if err := b.srv.UpdateOrder(id, func(o map[string]any) { o["note"] = "seen" }); err != nil {
					errs <- err
				}
				b.srv.Requests()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, id := range ids {
		for _, fo := range b.srv.FulfillmentOrders(id) {
			require.NotEqual(t, "open", fo.Status, "every open fulfillment order was shipped")
		}
	}
}
