package shopify

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// WebhookSubscription is one of the app's webhook subscriptions on the shop, made through
// the API.
type WebhookSubscription struct {
	ID    string // gid://shopify/WebhookSubscription/…
	Topic string // as webhooks name it: orders/create
	URI   string // where Shopify sends the topic
}

// TopicEnum is a webhook topic as GraphQL names it: orders/create is ORDERS_CREATE.
func TopicEnum(topic string) string { return strings.ToUpper(strings.ReplaceAll(topic, "/", "_")) }

// topicName is the opposite of TopicEnum: the last underscore is the slash.
func topicName(enum string) string {
	lower := strings.ToLower(enum)
	if i := strings.LastIndex(lower, "_"); i >= 0 {
		return lower[:i] + "/" + lower[i+1:]
	}
	return lower
}

// uriField is what the subscription's address is called: uri from 2025-10, callbackUrl
// before.
func (c *Client) uriField() string {
	if versionAtLeast(c.version, "2025-10") {
		return "uri"
	}
	return "callbackUrl"
}

// WebhookSubscriptions lists the app's webhook subscriptions on the shop.
func (c *Client) WebhookSubscriptions(ctx context.Context) ([]WebhookSubscription, error) {
	query := `query Subscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic ` + c.uriField() + ` }
    pageInfo { hasNextPage endCursor }
  }
}`
	var out []WebhookSubscription
	var after any
	for {
		var resp struct {
			Subs struct {
				Nodes    []map[string]string `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"webhookSubscriptions"`
		}
		err := c.call(ctx, "POST graphql", func() error {
			return c.gs.GraphQL.Query(ctx, query, map[string]any{"after": after}, &resp)
		})
		if err != nil {
			return nil, fmt.Errorf("list webhook subscriptions: %w", err)
		}
		for _, n := range resp.Subs.Nodes {
			out = append(out, WebhookSubscription{ID: n["id"], Topic: topicName(n["topic"]), URI: n[c.uriField()]})
		}
		if !resp.Subs.PageInfo.HasNextPage {
			return out, nil
		}
		after = resp.Subs.PageInfo.EndCursor
	}
}

// subscriptionPayload is what webhookSubscriptionCreate and …Update answer.
type subscriptionPayload struct {
	Sub        map[string]string `json:"webhookSubscription"`
	UserErrors []struct {
		Field   []string `json:"field"`
		Message string   `json:"message"`
	} `json:"userErrors"`
}

func (c *Client) subscription(p subscriptionPayload) (WebhookSubscription, error) {
	var errs []error
	for _, ue := range p.UserErrors {
		errs = append(errs, &UserError{Field: ue.Field, Message: ue.Message})
	}
	if err := errors.Join(errs...); err != nil {
		return WebhookSubscription{}, err
	}
	if p.Sub == nil {
		return WebhookSubscription{}, errors.New("the answer holds no subscription")
	}
	return WebhookSubscription{ID: p.Sub["id"], Topic: topicName(p.Sub["topic"]), URI: p.Sub[c.uriField()]}, nil
}

// CreateWebhookSubscription subscribes uri to topic (orders/create). Shopify's refusal (an
// address it does not take, the topic and address subscribed already) is a *UserError.
func (c *Client) CreateWebhookSubscription(ctx context.Context, topic, uri string) (WebhookSubscription, error) {
	query := `mutation Create($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic ` + c.uriField() + ` }
    userErrors { field message }
  }
}`
	var resp struct {
		Payload subscriptionPayload `json:"webhookSubscriptionCreate"`
	}
	vars := map[string]any{"topic": TopicEnum(topic), "sub": map[string]any{c.uriField(): uri, "format": "JSON"}}
	if err := c.call(ctx, "POST graphql", func() error { return c.gs.GraphQL.Query(ctx, query, vars, &resp) }); err != nil {
		return WebhookSubscription{}, fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	sub, err := c.subscription(resp.Payload)
	if err != nil {
		return WebhookSubscription{}, fmt.Errorf("subscribe to %s: %w", topic, err)
	}
	return sub, nil
}

// UpdateWebhookSubscription moves a subscription to another address.
func (c *Client) UpdateWebhookSubscription(ctx context.Context, id, uri string) (WebhookSubscription, error) {
	query := `mutation Update($id: ID!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $sub) {
    webhookSubscription { id topic ` + c.uriField() + ` }
    userErrors { field message }
  }
}`
	var resp struct {
		Payload subscriptionPayload `json:"webhookSubscriptionUpdate"`
	}
	vars := map[string]any{"id": id, "sub": map[string]any{c.uriField(): uri}}
	if err := c.call(ctx, "POST graphql", func() error { return c.gs.GraphQL.Query(ctx, query, vars, &resp) }); err != nil {
		return WebhookSubscription{}, fmt.Errorf("move webhook subscription %s: %w", id, err)
	}
	sub, err := c.subscription(resp.Payload)
	if err != nil {
		return WebhookSubscription{}, fmt.Errorf("move webhook subscription %s: %w", id, err)
	}
	return sub, nil
}
