package shopify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/record"
)

func TestOrderPagesWalksEveryOrderOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 600, SKUs: 30, Seed: 11}))

	var ids []int64
	var sizes []int
	err := b.client.OrderPages(context.Background(), shopify.OrderQuery{}, func(pg shopify.OrderPage) error {
		page := pg.Orders
		sizes = append(sizes, len(page))
		for _, o := range page {
			require.NoError(t, o.Err)
			raw, ok := b.srv.Order(o.ID)
			require.True(t, ok)
			require.JSONEq(t, string(raw), string(o.Raw), "the order as Shopify sent it")
			require.NotEmpty(t, o.Name)
			require.False(t, o.UpdatedAt.IsZero())
			ids = append(ids, o.ID)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []int{250, 250, 100}, sizes, "one call per 250 orders")
	slices.Sort(ids)
	require.Equal(t, b.srv.OrderIDs(), ids, "closed and cancelled orders too (status=any)")

	reqs := b.srv.Requests()
	require.Len(t, reqs, 3)
	first, _ := url.ParseQuery(reqs[0].Query)
	require.Equal(t, url.Values{"limit": {"250"}, "since_id": {"0"}, "status": {"any"}}, first)
	for _, r := range reqs[1:] {
		q, _ := url.ParseQuery(r.Query)
		require.ElementsMatch(t, []string{"limit", "page_info"}, slices.Collect(maps.Keys(q)), "a page_info request carries nothing else")
	}
}

func TestOrderPagesSelectsByUpdatedAt(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 120, SKUs: 20, Seed: 12, Until: start}))
	from, to := start.Add(-10*24*time.Hour), start.Add(-3*24*time.Hour)

	var want []int64
	for _, id := range b.srv.OrderIDs() {
		raw, _ := b.srv.Order(id)
		var o struct {
			UpdatedAt time.Time `json:"updated_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		if !o.UpdatedAt.Before(from) && !o.UpdatedAt.After(to) {
			want = append(want, id)
		}
	}
	require.NotEmpty(t, want)

	var got []int64
	require.NoError(t, b.client.OrderPages(context.Background(), shopify.OrderQuery{UpdatedAtMin: from, UpdatedAtMax: to}, func(pg shopify.OrderPage) error {
		page := pg.Orders
		for _, o := range page {
			got = append(got, o.ID)
		}
		return nil
	}))
	slices.Sort(got)
	require.Equal(t, want, got)

	t.Run("an order paid later shows up in the next window", func(t *testing.T) {
		var pending int64
		for _, id := range b.srv.OrderIDs() {
			raw, _ := b.srv.Order(id)
			if strings.Contains(string(raw), `"financial_status":"pending"`) {
				pending = id
				break
			}
		}
		require.NotZero(t, pending)
		b.clock.Advance(time.Hour)
		require.NoError(t, b.srv.PayOrder(pending))
		var seen []int64
		require.NoError(t, b.client.OrderPages(context.Background(), shopify.OrderQuery{UpdatedAtMin: start.Add(time.Minute)}, func(pg shopify.OrderPage) error {
			page := pg.Orders
			for _, o := range page {
				seen = append(seen, o.ID)
			}
			return nil
		}))
		require.Equal(t, []int64{pending}, seen)
	})
}

func TestOrderPagesStopsWhenTheCallbackFails(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 260, SKUs: 10, Seed: 13}))
	stop := errors.New("database gone")
	err := b.client.OrderPages(context.Background(), shopify.OrderQuery{}, func(shopify.OrderPage) error { return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, int64(1), b.srv.RequestCount(), "no further page was fetched")
}

func TestOneMalformedOrderDoesNotFailItsPage(t *testing.T) {
	t.Parallel()
	page := `{"orders":[
		{"id":1001,"name":"#1001","updated_at":"2026-11-01T10:00:00-04:00"},
		{"id":"1002","name":"#1002","updated_at":"2026-11-01T10:00:00-04:00"},
		{"id":"abc","name":"#1003","updated_at":"2026-11-01T10:00:00-04:00"},
		{"id":1004,"name":["#1004"],"updated_at":"yesterday"},
		{"id":1005,"updated_at":null},
		[1,2,3]
	]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(srv.Close)
	c, err := shopify.New(shopify.Config{Shop: "acme", BaseURL: srv.URL, APIVersion: "2026-07", AccessToken: "t"})
	require.NoError(t, err)

	var got []record.RawOrder
	require.NoError(t, c.OrderPages(context.Background(), shopify.OrderQuery{}, func(pg shopify.OrderPage) error {
		p := pg.Orders
		got = append(got, p...)
		return nil
	}))
	require.Len(t, got, 6, "every order is handed on")
	cases := []struct {
		id   int64
		name string
		err  string
	}{
		{1001, "#1001", ""},
		{1002, "#1002", ""}, // an id written as a string is still read exactly
		{0, "#1003", `order id: not a positive integer: "abc"`},
		{1004, "", `order name is not a string: ["#1004"]` + "\n" + `order updated_at "yesterday" is not an ISO 8601 time`},
		{1005, "", "order updated_at is missing"},
		{0, "", "order is not a JSON object: [1,2,3]"},
	}
	for i, tc := range cases {
		require.Equal(t, tc.id, got[i].ID, "order %d", i)
		require.Equal(t, tc.name, got[i].Name, "order %d", i)
		if tc.err == "" {
			require.NoError(t, got[i].Err)
		} else {
			require.ErrorContains(t, got[i].Err, tc.err)
		}
		require.NotEmpty(t, got[i].Raw)
	}
}

func TestOrderByID(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithSeedFiles("../../testdata/shopify/statamic-rad-pack-shopify__webhook_orders_create_sample.json"))
	o, err := b.client.Order(context.Background(), 820982911946154508)
	require.NoError(t, err)
	require.Equal(t, int64(820982911946154508), o.ID, "an id above 2^53 is read exactly")
	require.Equal(t, "#9999", o.Name)
	raw, _ := b.srv.Order(o.ID)
	require.JSONEq(t, string(raw), string(o.Raw))

	_, err = b.client.Order(context.Background(), 1)
	require.ErrorIs(t, err, shopify.ErrNotFound)
	require.ErrorContains(t, err, "fetch order 1: GET orders/{id}: 404 Not Found")
}

func TestOrderPagesWalkByIDAndContinueAfterOne(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 600, SKUs: 30, Seed: 14, Until: start}))
	b.clock.Advance(time.Hour)
	ctx := context.Background()

	var ids []int64
	var at time.Time
	require.NoError(t, b.client.OrderPages(ctx, shopify.OrderQuery{}, func(pg shopify.OrderPage) error {
		at = pg.At
		for _, o := range pg.Orders {
			ids = append(ids, o.ID)
		}
		return nil
	}))
	require.True(t, slices.IsSorted(ids), "since_id sorts by id, page after page")
	require.Equal(t, b.srv.OrderIDs(), ids)
	require.Equal(t, b.clock.Now().Truncate(time.Second), at.UTC(), "the Date of Shopify's first answer")

	t.Run("a walk continues after an id", func(t *testing.T) {
		var rest []int64
		require.NoError(t, b.client.OrderPages(ctx, shopify.OrderQuery{AfterID: ids[299]}, func(pg shopify.OrderPage) error {
			for _, o := range pg.Orders {
				rest = append(rest, o.ID)
			}
			return nil
		}))
		require.Equal(t, ids[300:], rest)
	})

	t.Run("fields are asked for on every page", func(t *testing.T) {
		b.srv.ResetRequests()
		n := 0
		require.NoError(t, b.client.OrderPages(ctx, shopify.OrderQuery{Fields: []string{"id", "updated_at"}}, func(pg shopify.OrderPage) error {
			for _, o := range pg.Orders {
				require.JSONEq(t, fmt.Sprintf(`{"id":%d,"updated_at":%q}`, o.ID, o.UpdatedAt.Format(time.RFC3339)), string(o.Raw))
				n++
			}
			return nil
		}))
		require.Equal(t, 600, n)
		require.Len(t, b.srv.Requests(), 3)
	})

	t.Run("orders are counted in one call", func(t *testing.T) {
		b.srv.ResetRequests()
		n, err := b.client.OrderCount(ctx, shopify.OrderQuery{AfterID: ids[99]})
		require.NoError(t, err)
		require.Equal(t, 500, n)
		require.Len(t, b.srv.Requests(), 1)
	})
}

func TestShopInfoGivesTheShopsTimeZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	for _, tc := range []struct {
		zone *time.Location
		iana string
	}{
		{ny, "America/New_York"},
		{nil, "Etc/GMT+4"}, // the simulator's default, four hours behind UTC
	} {
		var opts []shopifytest.Option
		if tc.zone != nil {
			opts = append(opts, shopifytest.WithTimeZone(tc.zone))
		}
		b := setup(t, nil, opts...)
		s, err := b.client.ShopInfo(context.Background())
		require.NoError(t, err)
		require.Equal(t, tc.iana, s.IANATimezone)
		_, err = time.LoadLocation(s.IANATimezone)
		require.NoError(t, err, "a name the tz database knows")
		require.Equal(t, "USD", s.Currency)
	}
}
