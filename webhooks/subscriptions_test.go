package webhooks_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/webhooks"
)

func (w *world) client(t *testing.T) *shopify.Client {
	t.Helper()
	c, err := shopify.New(shopify.Config{Shop: shop, BaseURL: w.sim.URL, APIVersion: "2026-07", AccessToken: w.sim.Token, DisablePacing: true})
	require.NoError(t, err)
	return c
}

func actions(cs []webhooks.Change) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		out[c.Topic] = c.Action
	}
	return out
}

func TestRegisterSubscribesEveryTopicOnceHoweverOftenItRuns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 1, Seed: 1})
	api := w.client(t)
	every := func(action string) map[string]string {
		out := map[string]string{}
		for _, tp := range webhooks.Subscribed() {
			out[tp] = action
		}
		return out
	}
	uri := "https://pt.example.com/webhooks/shopify"
	first, err := webhooks.Register(t.Context(), api, uri)
	require.NoError(t, err)
	require.Equal(t, every(webhooks.Created), actions(first))
	again, err := webhooks.Register(t.Context(), api, uri)
	require.NoError(t, err)
	require.Equal(t, every(webhooks.Kept), actions(again))
	require.Len(t, w.sim.Subscriptions(), len(webhooks.Subscribed()))

	moved, err := webhooks.Register(t.Context(), api, "https://new.example.com/webhooks/shopify")
	require.NoError(t, err)
	require.Equal(t, every(webhooks.Moved), actions(moved))
	require.Equal(t, uri, moved[0].From)
	var topics []string
	for _, s := range w.sim.Subscriptions() {
		require.Equal(t, "https://new.example.com/webhooks/shopify", s.URI)
		topics = append(topics, s.Topic)
	}
	sort.Strings(topics)
	require.Equal(t, webhooks.Subscribed(), topics)
	require.NotContains(t, topics, webhooks.TopicCustomersRedact, "the privacy topics belong to the app's configuration")
}

func TestVerifySaysWhatShopifyWouldMeet(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 1, Seed: 1})
	api := w.client(t)
	checks, err := webhooks.Verify(t.Context(), api, http.DefaultClient, w.url, shop, secret)
	require.NoError(t, err)
	for _, c := range checks[:len(webhooks.Subscribed())] {
		require.False(t, c.OK, "nothing is subscribed yet: %s", c.What)
	}
	require.Equal(t, webhooks.Verified{What: "a signed delivery is taken", OK: true, Got: "answered 200"}, checks[len(checks)-2])
	require.Equal(t, webhooks.Verified{What: "a delivery signed with another secret is refused", OK: true, Got: "answered 401"}, checks[len(checks)-1])

	_, err = webhooks.Register(t.Context(), api, w.url)
	require.NoError(t, err)
	checks, err = webhooks.Verify(t.Context(), api, http.DefaultClient, w.url, shop, secret)
	require.NoError(t, err)
	for _, c := range checks {
		require.True(t, c.OK, "%s: %s", c.What, c.Got)
	}
	topics, err := w.store.WebhookTopicList(t.Context(), shop)
	require.NoError(t, err)
	require.Equal(t, webhooks.VerifyTopic, topics[0].Topic, "the test deliveries are counted as a topic passthrough ignores")

	checks, err = webhooks.Verify(t.Context(), api, http.DefaultClient, w.url, shop, []byte("a wrong secret in the config"))
	require.NoError(t, err)
	require.Equal(t, "answered 401", checks[len(checks)-2].Got)
	require.False(t, checks[len(checks)-2].OK)

	checks, err = webhooks.Verify(t.Context(), api, http.DefaultClient, "http://127.0.0.1:1/webhooks/shopify", shop, secret)
	require.NoError(t, err)
	require.False(t, checks[len(checks)-1].OK)
	require.Contains(t, checks[len(checks)-1].Got, "connection refused")
}
