package webhooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The states of a store's webhooks.
const (
	// StateOff: no webhook secret is configured; orders come with the scheduled run.
	StateOff = "off"
	// StateUninstalled: the app was uninstalled from the shop; the store's feeds stopped.
	StateUninstalled = "uninstalled"
	// StateWaiting: webhooks are configured and none about an order has come yet.
	StateWaiting = "waiting"
	// StateStopped: webhooks came, then stopped, and the scheduled run has been staging
	// the orders since.
	StateStopped = "stopped"
	// StateMissing: webhooks come, but the scheduled run lately staged orders they missed.
	StateMissing = "missing"
	// StateFlowing: webhooks come, and the scheduled run finds nothing they missed.
	StateFlowing = "flowing"
)

// Health is whether a store's webhooks are flowing, for the portal's health panel and the
// log.
type Health struct {
	Shop    string
	State   string
	Message string // one sentence for people, saying what to do when something is to be done
	// Topics are the topics passthrough subscribes to, and any other that came, with when
	// each last came.
	Topics []TopicHealth
	// LastOrderDelivery is when the last delivery about an order came.
	LastOrderDelivery time.Time
	// Missed counts the orders the scheduled run staged that no webhook had brought: since
	// the last delivery when webhooks stopped, over the last day otherwise.
	Missed  int
	Backlog erp.WebhookBacklog
	// Uninstalled is when the app was uninstalled; zero while it is installed.
	Uninstalled time.Time
	// Polling is how often the scheduled run of the orders feed runs.
	Polling time.Duration
}

// Loud reports whether people must hear about the state: webhooks stopped, never came, or
// the feeds stopped with the app.
func (h Health) Loud() bool {
	return h.State == StateStopped || h.State == StateWaiting || h.State == StateUninstalled
}

// TopicHealth is what came on one topic.
type TopicHealth struct {
	Topic        string
	Handled      bool
	LastReceived time.Time // zero when none came
	Received     int
	Duplicates   int
}

// HealthStore is what the check reads: the counts per topic, the backlog, the orders feed's
// runs, and the setting that says the app was uninstalled.
type HealthStore interface {
	WebhookTopicList(ctx context.Context, shop string) ([]erp.WebhookTopic, error)
	WebhookBacklog(ctx context.Context, shop string) (erp.WebhookBacklog, error)
	ExecutionList(ctx context.Context, p erp.ExecutionListParams) ([]erp.Execution, error)
	SettingGet(ctx context.Context, key string) (string, error)
}

// CheckParams says which store to check and how it is set up.
type CheckParams struct {
	Shop string
	// Configured is whether the store has a webhook secret.
	Configured bool
	// Feed is the orders feed's name in executions; Polling its interval.
	Feed    string
	Polling time.Duration
	Now     time.Time
}

// grace is how long after the last webhook a run may still stage an order a webhook is
// bringing at that moment, without webhooks being taken for stopped.
const grace = time.Minute

// Check says whether a store's webhooks are flowing. Webhooks have stopped when the
// scheduled run staged orders after the last webhook came (the run only stages what is new,
// and a webhook would have brought it first); they miss some when it staged orders in the
// last day although webhooks kept coming.
func Check(ctx context.Context, store HealthStore, p CheckParams) (Health, error) {
	h := Health{Shop: p.Shop, Polling: p.Polling}
	topics, err := store.WebhookTopicList(ctx, p.Shop)
	if err != nil {
		return h, fmt.Errorf("check webhooks: %w", err)
	}
	for _, t := range Subscribed() {
		if !slices.ContainsFunc(topics, func(x erp.WebhookTopic) bool { return x.Topic == t }) {
			h.Topics = append(h.Topics, TopicHealth{Topic: t, Handled: true})
		}
	}
	for _, t := range topics {
		h.Topics = append(h.Topics, TopicHealth{Topic: t.Topic, Handled: Handled(t.Topic), LastReceived: t.LastReceived,
			Received: t.Received, Duplicates: t.Duplicates})
		if ordersTopic(t.Topic) && t.LastReceived.After(h.LastOrderDelivery) {
			h.LastOrderDelivery = t.LastReceived
		}
	}
	slices.SortFunc(h.Topics, func(a, b TopicHealth) int {
		switch {
		case a.Handled != b.Handled:
			if a.Handled {
				return -1
			}
			return 1
		case a.Topic < b.Topic:
			return -1
		case a.Topic > b.Topic:
			return 1
		}
		return 0
	})
	if h.Backlog, err = store.WebhookBacklog(ctx, p.Shop); err != nil {
		return h, fmt.Errorf("check webhooks: %w", err)
	}
	if h.Uninstalled, err = Uninstalled(ctx, store, p.Shop); err != nil {
		return h, fmt.Errorf("check webhooks: %w", err)
	}
	runs, err := store.ExecutionList(ctx, erp.ExecutionListParams{Feed: p.Feed, Limit: 200})
	if err != nil {
		return h, fmt.Errorf("check webhooks: %w", err)
	}
	var sinceLast, lastDay int
	for _, x := range runs {
		if x.Shop != p.Shop {
			continue
		}
		if !h.LastOrderDelivery.IsZero() && x.StartedAt.After(h.LastOrderDelivery.Add(grace)) {
			sinceLast += x.Counts.Written
		}
		if x.StartedAt.After(p.Now.Add(-24 * time.Hour)) {
			lastDay += x.Counts.Written
		}
	}
	every := p.Polling.String()
	switch {
	case !h.Uninstalled.IsZero():
		h.State = StateUninstalled
		h.Message = fmt.Sprintf("The app was uninstalled from the shop at %s: the store's feeds are stopped. Install it again, then run passthrough webhooks register.",
			h.Uninstalled.UTC().Format(time.RFC3339))
	case !p.Configured:
		h.State = StateOff
		h.Message = "Webhooks are off (no webhook secret is configured): orders come with the scheduled run, every " + every + "."
	case h.LastOrderDelivery.IsZero():
		h.State = StateWaiting
		h.Message = "No webhook about an order has come yet: orders come with the scheduled run, every " + every +
			". Run passthrough webhooks register, then passthrough webhooks verify."
	case sinceLast > 0:
		h.State, h.Missed = StateStopped, sinceLast
		h.Message = fmt.Sprintf("Webhooks have stopped: none about an order since %s, and the scheduled run has staged %d orders since. "+
			"Orders come with the scheduled run, every %s. Check the subscriptions with passthrough webhooks verify.",
			h.LastOrderDelivery.UTC().Format(time.RFC3339), sinceLast, every)
	case lastDay > 0:
		h.State, h.Missed = StateMissing, lastDay
		h.Message = fmt.Sprintf("Webhooks are coming (the last about an order at %s), but the scheduled run staged %d orders in the last day that no webhook had brought: it catches what they miss.",
			h.LastOrderDelivery.UTC().Format(time.RFC3339), lastDay)
	default:
		h.State = StateFlowing
		h.Message = fmt.Sprintf("Webhooks are flowing: the last about an order came at %s, and the scheduled run, every %s, has found nothing they missed.",
			h.LastOrderDelivery.UTC().Format(time.RFC3339), every)
	}
	if b := h.Backlog; b.Failed > 0 || (b.Pending > 0 && p.Now.Sub(b.OldestPending) > time.Minute) {
		h.Message += fmt.Sprintf(" Deliveries not worked: %d waiting, %d failed", b.Pending, b.Failed)
		if b.LastError != "" {
			h.Message += ": " + b.LastError
		}
		h.Message += "."
	}
	return h, nil
}

// SettingGetter reads a setting.
type SettingGetter interface {
	SettingGet(ctx context.Context, key string) (string, error)
}

// Uninstalled says when the store's app was uninstalled, or zero while it is installed.
func Uninstalled(ctx context.Context, settings SettingGetter, shop string) (time.Time, error) {
	v, err := settings.SettingGet(ctx, UninstalledKey(shop))
	if errors.Is(err, erp.ErrNotFound) || (err == nil && v == "") {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read whether the app was uninstalled: %w", err)
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("read when the app was uninstalled: %q is not a time", v)
	}
	return at, nil
}
