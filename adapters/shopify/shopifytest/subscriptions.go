package shopifytest

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook subscriptions made through the GraphQL Admin API: webhookSubscriptions (in pages,
// filtered by topics and uri), webhookSubscription, webhookSubscriptionCreate, …Update and
// …Delete. Shopify keeps one subscription per topic and address, takes only HTTPS
// addresses (the simulator also takes http on the loopback interface, where its tests
// listen), removes a subscription after 8 deliveries in a row failed, and removes them all
// when the app is uninstalled.

// Subscription is one webhook subscription, as the simulator holds it.
type Subscription struct {
	ID         int64
	Topic      string // as webhooks name it: orders/create
	URI        string
	Format     string // JSON
	APIVersion string // the version the subscription was made with; its bodies follow it
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Failures counts the deliveries that failed in a row.
	Failures int
}

// subscriptionTopics are the WebhookSubscriptionTopic values the simulator knows.
var subscriptionTopics = []string{
	"APP_UNINSTALLED", "FULFILLMENTS_CREATE", "FULFILLMENTS_UPDATE", "INVENTORY_LEVELS_UPDATE", "ORDERS_CANCELLED",
	"ORDERS_CREATE", "ORDERS_DELETE", "ORDERS_EDITED", "ORDERS_FULFILLED", "ORDERS_PAID", "ORDERS_PARTIALLY_FULFILLED",
	"ORDERS_UPDATED", "PRODUCTS_CREATE", "PRODUCTS_UPDATE", "REFUNDS_CREATE",
}

// topicName turns ORDERS_CREATE into orders/create.
func topicName(enum string) string {
	lower := strings.ToLower(enum)
	if i := strings.LastIndex(lower, "_"); i >= 0 {
		return lower[:i] + "/" + lower[i+1:]
	}
	return lower
}

// topicEnum turns orders/create into ORDERS_CREATE.
func topicEnum(name string) string { return strings.ToUpper(strings.ReplaceAll(name, "/", "_")) }

// maxFailuresInARow is how many deliveries in a row may fail before Shopify removes a
// subscription made through the API.
const maxFailuresInARow = 8

// Subscriptions returns the webhook subscriptions, oldest first.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.subs))
	for _, sub := range s.subs {
		out = append(out, *sub)
	}
	slices.SortFunc(out, func(a, b Subscription) int { return int(a.ID - b.ID) })
	return out
}

// subscriptionTargets lists where a topic goes.
func (s *Server) subscriptionTargets(topic string) []target {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []target
	for _, sub := range s.subs {
		if sub.Topic == topic {
			out = append(out, target{url: sub.URI, version: sub.APIVersion, subID: sub.ID})
		}
	}
	slices.SortFunc(out, func(a, b target) int { return int(a.subID - b.subID) })
	return out
}

// subscriptionResult counts a subscription's failures in a row, and removes it at the
// limit.
func (s *Server) subscriptionResult(id int64, ok bool) {
	if id == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[id]
	if sub == nil {
		return
	}
	if ok {
		sub.Failures = 0
		return
	}
	sub.Failures++
	if sub.Failures >= maxFailuresInARow {
		s.log.Warn("webhook subscription removed after deliveries failed in a row", "topic", sub.Topic, "uri", sub.URI, "failures", sub.Failures)
		delete(s.subs, id)
	}
}

func (s *Server) subscriptionNode(sub *Subscription) map[string]any {
	return map[string]any{
		"id": gid("WebhookSubscription", sub.ID), "legacyResourceId": strconv.FormatInt(sub.ID, 10),
		"topic": topicEnum(sub.Topic), "uri": sub.URI, "callbackUrl": sub.URI, "format": sub.Format,
		"createdAt": gqlTime(sub.CreatedAt), "updatedAt": gqlTime(sub.UpdatedAt),
		"includeFields": []any{}, "filter": nil,
		"apiVersion": map[string]any{"handle": sub.APIVersion, "displayName": sub.APIVersion, "supported": true},
	}
}

func subscriptionCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("WebhookSubscription:" + strconv.FormatInt(id, 10)))
}

func parseSubscriptionCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "WebhookSubscription:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

// webhookSubscriptions answers the connection: oldest first, filtered by topics and uri.
// The caller holds s.mu.
func (s *Server) webhookSubscriptions(f *gqlField, vars map[string]any) (map[string]any, int, *gqlError) {
	n, gerr := pageSize(f, vars)
	if gerr != nil {
		return nil, 0, gerr
	}
	var topics []string
	if raw, ok := resolve(f.args["topics"], vars); ok && raw != nil {
		for _, t := range asList(raw) {
			e := asString(t)
			if !slices.Contains(subscriptionTopics, e) {
				return nil, 0, invalidTopic(f, "topics", e)
			}
			topics = append(topics, topicName(e))
		}
	}
	uri := ""
	if raw, ok := resolve(f.args["uri"], vars); ok && raw != nil {
		uri = asString(raw)
	}
	after := int64(0)
	if raw, ok := resolve(f.args["after"], vars); ok && raw != nil {
		id, ok := parseSubscriptionCursor(asString(raw))
		if !ok {
			return nil, 0, &gqlError{Message: "Invalid cursor for current pagination sort.", line: f.line, col: f.col}
		}
		after = id
	}
	var all []*Subscription
	for _, sub := range s.subs {
		if (len(topics) == 0 || slices.Contains(topics, sub.Topic)) && (uri == "" || sub.URI == uri) {
			all = append(all, sub)
		}
	}
	slices.SortFunc(all, func(a, b *Subscription) int { return int(a.ID - b.ID) })
	var page []*Subscription
	for _, sub := range all {
		if sub.ID > after {
			page = append(page, sub)
		}
	}
	more := len(page) > n
	if more {
		page = page[:n]
	}
	nodes := make([]any, 0, len(page))
	edges := make([]any, 0, len(page))
	for _, sub := range page {
		node := s.subscriptionNode(sub)
		nodes = append(nodes, node)
		edges = append(edges, map[string]any{"cursor": subscriptionCursor(sub.ID), "node": node})
	}
	info := map[string]any{"hasNextPage": more, "hasPreviousPage": after > 0, "startCursor": nil, "endCursor": nil}
	if len(page) > 0 {
		info["startCursor"], info["endCursor"] = subscriptionCursor(page[0].ID), subscriptionCursor(page[len(page)-1].ID)
	}
	return map[string]any{"nodes": nodes, "edges": edges, "pageInfo": info}, len(page), nil
}

// webhookSubscription answers one subscription by id, or null. The caller holds s.mu.
func (s *Server) webhookSubscription(f *gqlField, vars map[string]any) any {
	raw, _ := resolve(f.args["id"], vars)
	id, ok := parseGID(asString(raw), "WebhookSubscription")
	if sub := s.subs[id]; ok && sub != nil {
		return s.subscriptionNode(sub)
	}
	return nil
}

func invalidTopic(f *gqlField, arg, value string) *gqlError {
	return &gqlError{Message: fmt.Sprintf("Argument '%s' on Field '%s' has an invalid value (%s). Expected type 'WebhookSubscriptionTopic!'.",
		arg, f.name, value), Code: "argumentLiteralsIncompatible", line: f.line, col: f.col}
}

// subscriptionInput reads a WebhookSubscriptionInput's address: uri from 2025-10, and the
// older callbackUrl, which later versions still take. It answers the address, the field
// it came in, and a user error when it is not one Shopify takes.
func subscriptionInput(in map[string]any, version string) (string, string, map[string]any) {
	field, uri := "callbackUrl", asString(in["callbackUrl"])
	if v := asString(in["uri"]); v != "" && versionAtLeast(version, "2025-10") {
		field, uri = "uri", v
	}
	if f := asString(in["format"]); f != "" && f != "JSON" {
		return "", field, userError(nil, "Format is not supported", "webhookSubscription", "format")
	}
	if uri == "" {
		return "", field, userError(nil, "Address can't be blank", "webhookSubscription", field)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "", field, userError(nil, "Address is invalid", "webhookSubscription", field)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())) {
		// [unverified] the wording; that only HTTPS addresses are taken is documented.
		return "", field, userError(nil, "Address protocol "+u.Scheme+":// is not supported", "webhookSubscription", field)
	}
	return uri, field, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webhookSubscriptionCreate subscribes an address to a topic. The caller holds s.mu.
func (s *Server) webhookSubscriptionCreate(f *gqlField, vars map[string]any, version string) (map[string]any, *gqlError) {
	raw, _ := resolve(f.args["topic"], vars)
	enum := asString(raw)
	if !slices.Contains(subscriptionTopics, enum) {
		return nil, invalidTopic(f, "topic", enum)
	}
	in, _ := resolve(f.args["webhookSubscription"], vars)
	uri, field, uerr := subscriptionInput(asMap(in), version)
	fail := func(e map[string]any) map[string]any {
		return map[string]any{"webhookSubscription": nil, "userErrors": []any{e}}
	}
	if uerr != nil {
		return fail(uerr), nil
	}
	topic := topicName(enum)
	for _, sub := range s.subs {
		if sub.Topic == topic && sub.URI == uri {
			return fail(userError(nil, "Address for this topic has already been taken", "webhookSubscription", field)), nil
		}
	}
	now := s.now()
	sub := &Subscription{ID: s.st.newID(), Topic: topic, URI: uri, Format: "JSON", APIVersion: version, CreatedAt: now, UpdatedAt: now}
	s.subs[sub.ID] = sub
	return map[string]any{"webhookSubscription": s.subscriptionNode(sub), "userErrors": []any{}}, nil
}

// webhookSubscriptionUpdate moves a subscription to another address. The caller holds s.mu.
func (s *Server) webhookSubscriptionUpdate(f *gqlField, vars map[string]any, version string) map[string]any {
	fail := func(e map[string]any) map[string]any {
		return map[string]any{"webhookSubscription": nil, "userErrors": []any{e}}
	}
	raw, _ := resolve(f.args["id"], vars)
	id, ok := parseGID(asString(raw), "WebhookSubscription")
	sub := s.subs[id]
	if !ok || sub == nil {
		return fail(userError(nil, "Webhook subscription does not exist", "id"))
	}
	in, _ := resolve(f.args["webhookSubscription"], vars)
	uri, field, uerr := subscriptionInput(asMap(in), version)
	if uerr != nil {
		return fail(uerr)
	}
	for _, other := range s.subs {
		if other.ID != id && other.Topic == sub.Topic && other.URI == uri {
			return fail(userError(nil, "Address for this topic has already been taken", "webhookSubscription", field))
		}
	}
	sub.URI, sub.UpdatedAt, sub.Failures = uri, s.now(), 0
	return map[string]any{"webhookSubscription": s.subscriptionNode(sub), "userErrors": []any{}}
}

// webhookSubscriptionDelete removes a subscription. The caller holds s.mu.
func (s *Server) webhookSubscriptionDelete(f *gqlField, vars map[string]any) map[string]any {
	raw, _ := resolve(f.args["id"], vars)
	id, ok := parseGID(asString(raw), "WebhookSubscription")
	if !ok || s.subs[id] == nil {
		return map[string]any{"deletedWebhookSubscriptionId": nil, "userErrors": []any{userError(nil, "Webhook subscription does not exist", "id")}}
	}
	delete(s.subs, id)
	return map[string]any{"deletedWebhookSubscriptionId": gid("WebhookSubscription", id), "userErrors": []any{}}
}
