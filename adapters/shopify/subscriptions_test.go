package shopify_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

func TestWebhookSubscriptionsAreMadeListedAndMoved(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"2026-07", "2025-07"} {
		t.Run("on "+version, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *shopify.Config) { c.APIVersion = version })
			ctx := t.Context()
			got, err := b.client.WebhookSubscriptions(ctx)
			require.NoError(t, err)
			require.Empty(t, got)

			paid, err := b.client.CreateWebhookSubscription(ctx, "orders/paid", "https://pt.example.com/webhooks/shopify")
			require.NoError(t, err)
			require.Equal(t, "orders/paid", paid.Topic)
			require.Equal(t, "https://pt.example.com/webhooks/shopify", paid.URI)
			require.NotEmpty(t, paid.ID)

			_, err = b.client.CreateWebhookSubscription(ctx, "orders/paid", "https://pt.example.com/webhooks/shopify")
			var ue *shopify.UserError
			require.ErrorAs(t, err, &ue)
			require.Equal(t, "Address for this topic has already been taken", ue.Message)

			_, err = b.client.CreateWebhookSubscription(ctx, "app/uninstalled", "https://pt.example.com/webhooks/shopify")
			require.NoError(t, err)
			moved, err := b.client.UpdateWebhookSubscription(ctx, paid.ID, "https://new.example.com/webhooks/shopify")
			require.NoError(t, err)
			require.Equal(t, "https://new.example.com/webhooks/shopify", moved.URI)

			got, err = b.client.WebhookSubscriptions(ctx)
			require.NoError(t, err)
			require.Equal(t, []shopify.WebhookSubscription{
				{ID: paid.ID, Topic: "orders/paid", URI: "https://new.example.com/webhooks/shopify"},
				{ID: got[1].ID, Topic: "app/uninstalled", URI: "https://pt.example.com/webhooks/shopify"},
			}, got)
		})
	}
}

func TestWebhookSubscriptionsAreReadInPages(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	topics := []string{"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/edited", "refunds/create"}
	for i := range 120 {
		_, err := b.client.CreateWebhookSubscription(t.Context(), topics[i%len(topics)], "https://pt.example.com/h/"+itoa(int64(i)))
		require.NoError(t, err)
	}
	got, err := b.client.WebhookSubscriptions(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 120)
	require.Equal(t, "https://pt.example.com/h/119", got[119].URI)
}

func TestTopicEnumIsGraphQLsName(t *testing.T) {
	t.Parallel()
	require.Equal(t, "ORDERS_CREATE", shopify.TopicEnum("orders/create"))
	require.Equal(t, "INVENTORY_LEVELS_UPDATE", shopify.TopicEnum("inventory_levels/update"))
	require.Equal(t, "APP_UNINSTALLED", shopify.TopicEnum("app/uninstalled"))
}
