package shopifytest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// linkPart is how go-shopify reads one entry of a Link header; the simulator's must fit it.
var linkPart = regexp.MustCompile(`^ *<([^>]+)>; rel="(previous|next)" *$`)

func links(t *testing.T, h string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if h == "" {
		return out
	}
	for _, part := range strings.Split(h, ",") {
		m := linkPart.FindStringSubmatch(part)
		require.NotNil(t, m, "Link entry %q", part)
		out[m[2]] = m[1]
	}
	return out
}

// pathOf turns an absolute Link URL back into a path and query for call.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, "passthrough-test.myshopify.com", u.Host, "links point at the shop's own host")
	return u.Path + "?" + u.RawQuery
}

func orderList(t *testing.T, r reply) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var out []map[string]any
	for _, o := range list(r.json(t)["orders"]) {
		out = append(out, obj(o))
	}
	return out
}

func TestOrderListRules(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{Orders: 120, SKUs: 12, Seed: 3}))
	const base = "/admin/api/2026-07/orders.json"

	t.Run("status defaults to open, leaving out closed and cancelled orders", func(t *testing.T) {
		open := orderList(t, b.call(t, http.MethodGet, base+"?limit=250", ""))
		all := orderList(t, b.call(t, http.MethodGet, base+"?limit=250&status=any", ""))
		require.Len(t, all, 120)
		require.Less(t, len(open), len(all))
		for _, o := range open {
			require.Nil(t, o["cancelled_at"])
			require.Nil(t, o["closed_at"])
		}
		var cancelled, closed int
		for _, o := range all {
			if o["cancelled_at"] != nil {
				cancelled++
			}
			if o["closed_at"] != nil {
				closed++
			}
		}
		require.Positive(t, cancelled)
		require.Positive(t, closed)
	})

	t.Run("the Link header leads through every order once, newest first, not by updated_at", func(t *testing.T) {
		var ids []int64
		var updated []time.Time
		path := base + "?status=any&limit=50"
		pages := 0
		for path != "" {
			r := b.call(t, http.MethodGet, path, "")
			page := orderList(t, r)
			pages++
			for i, o := range page {
				ids = append(ids, num(t, o["id"]))
				ts, err := time.Parse(time.RFC3339, o["updated_at"].(string))
				require.NoError(t, err)
				updated = append(updated, ts)
				if i > 0 {
					require.Less(t, num(t, o["id"]), num(t, page[i-1]["id"]), "newest id first")
				}
			}
			path = ""
			if next, ok := links(t, r.header.Get("Link"))["next"]; ok {
				path = pathOf(t, next)
				q, _ := url.ParseQuery(strings.SplitN(path, "?", 2)[1])
				require.ElementsMatch(t, []string{"limit", "page_info"}, keys(q), "a next link carries only limit and page_info")
			}
		}
		require.Equal(t, 3, pages)
		want := b.srv.OrderIDs()
		got := slices.Clone(ids)
		slices.Sort(got)
		require.Equal(t, want, got)
		require.False(t, slices.IsSortedFunc(updated, func(a, b time.Time) int { return a.Compare(b) }),
			"pages are not in ascending updated_at order, so a client must not assume it")
	})

	t.Run("a previous link leads back to the page before", func(t *testing.T) {
		first := b.call(t, http.MethodGet, base+"?status=any&limit=10", "")
		require.NotContains(t, links(t, first.header.Get("Link")), "previous")
		second := b.call(t, http.MethodGet, pathOf(t, links(t, first.header.Get("Link"))["next"]), "")
		back := b.call(t, http.MethodGet, pathOf(t, links(t, second.header.Get("Link"))["previous"]), "")
		require.JSONEq(t, string(first.body), string(back.body))
	})

	t.Run("fields are kept on later pages, with the commas encoded", func(t *testing.T) {
		r := b.call(t, http.MethodGet, base+"?status=any&limit=10&fields=id,name", "")
		next := links(t, r.header.Get("Link"))["next"]
		require.Contains(t, next, "fields=id%2Cname")
		for _, o := range orderList(t, b.call(t, http.MethodGet, pathOf(t, next), "")) {
			require.ElementsMatch(t, []string{"id", "name"}, mapKeys(o))
		}
	})

	rejects := []struct {
		name  string
		query func(t *testing.T) string
		want  string
	}{
		{"page_info with a filter is a bad request", func(t *testing.T) string {
			r := b.call(t, http.MethodGet, base+"?status=any&limit=10", "")
			return pathOf(t, links(t, r.header.Get("Link"))["next"]) + "&status=any"
		}, `"status":"status cannot be passed when page_info is present.`},
		{"a limit above 250 is a bad request", func(*testing.T) string { return base + "?limit=251" }, `"limit"`},
		{"a page_info that is not the simulator's is a bad request", func(*testing.T) string { return base + "?page_info=garbage" }, `"page_info":"Invalid value."`},
		{"an unknown status is a bad request", func(*testing.T) string { return base + "?status=shipped" }, `"status"`},
		{"an unreadable time is a bad request", func(*testing.T) string { return base + "?updated_at_min=yesterday" }, `"updated_at_min"`},
	}
	for _, tc := range rejects {
		t.Run(tc.name, func(t *testing.T) {
			r := b.call(t, http.MethodGet, tc.query(t), "")
			require.Equal(t, http.StatusBadRequest, r.status)
			require.Contains(t, string(r.body), tc.want)
		})
	}

	t.Run("the updated_at window includes both ends", func(t *testing.T) {
		all := orderList(t, b.call(t, http.MethodGet, base+"?limit=250&status=any", ""))
		at := all[17]["updated_at"].(string)
		q := url.Values{"status": {"any"}, "updated_at_min": {at}, "updated_at_max": {at}}
		got := orderList(t, b.call(t, http.MethodGet, base+"?"+q.Encode(), ""))
		require.NotEmpty(t, got)
		for _, o := range got {
			require.Equal(t, at, o["updated_at"])
		}
		require.Contains(t, idsOf(t, got), num(t, all[17]["id"]))
	})

	t.Run("order=updated_at asc sorts by updated_at", func(t *testing.T) {
		got := orderList(t, b.call(t, http.MethodGet, base+"?limit=250&status=any&order=updated_at+asc", ""))
		require.True(t, slices.IsSortedFunc(got, func(a, b map[string]any) int {
			return strings.Compare(a["updated_at"].(string), b["updated_at"].(string))
		}))
	})

	t.Run("count takes the same filters", func(t *testing.T) {
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/orders/count.json?status=cancelled", "")
		require.Equal(t, http.StatusOK, r.status)
		var cancelled int64
		for _, o := range orderList(t, b.call(t, http.MethodGet, base+"?limit=250&status=any", "")) {
			if o["cancelled_at"] != nil {
				cancelled++
			}
		}
		require.Equal(t, cancelled, num(t, r.json(t)["count"]))
	})
}

func TestOrderTruthMethods(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.AddLocation("Main")
	id, err := b.srv.AddOrder([]byte(`{"financial_status":"authorized","line_items":[{"sku":"A-1","quantity":2,"price":"10.00"}]}`))
	require.NoError(t, err)
	read := func() map[string]any {
		raw, ok := b.srv.Order(id)
		require.True(t, ok)
		m := map[string]any{}
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		require.NoError(t, d.Decode(&m))
		return m
	}
	created := read()
	require.Equal(t, "#1001", created["name"], "Shopify numbers orders from 1001")
	require.Equal(t, created["created_at"], created["updated_at"])
	require.Len(t, b.srv.FulfillmentOrders(id), 1)

	require.NoError(t, b.srv.PayOrder(id))
	paid := read()
	require.Equal(t, "paid", paid["financial_status"])
	require.Greater(t, paid["updated_at"], created["updated_at"], "updated_at moves even when the clock did not")

	require.NoError(t, b.srv.UpdateOrder(id, func(o map[string]any) { o["tags"] = "wholesale" }))
	require.Equal(t, "wholesale", read()["tags"])

	require.NoError(t, b.srv.CancelOrder(id, "customer"))
	cancelled := read()
	require.Equal(t, "refunded", cancelled["financial_status"], "a paid order is refunded when cancelled")
	require.Equal(t, "customer", cancelled["cancel_reason"])
	require.Equal(t, "closed", b.srv.FulfillmentOrders(id)[0].Status)
	require.Error(t, b.srv.CancelOrder(id, ""), "an order is cancelled once")

	_, err = b.srv.AddOrder([]byte(`{"id":` + itoa(id) + `}`))
	require.Error(t, err, "AddOrder does not replace an order")
	require.Error(t, b.srv.PayOrder(42), "an unknown order cannot be paid")
}

func keys(q url.Values) []string {
	var out []string
	for k := range q {
		out = append(out, k)
	}
	return out
}

func mapKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func idsOf(t *testing.T, orders []map[string]any) []int64 {
	var out []int64
	for _, o := range orders {
		out = append(out, num(t, o["id"]))
	}
	return out
}
