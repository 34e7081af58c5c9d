package shopifytest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Webhooks, as Shopify sends them: every change of an order (created, paid, cancelled,
// refunded, fulfilled, updated) and of a stock level is delivered to each address that
// asked for its topic — the app's own address (WithWebhooks, what an app's configuration
// file sets, which also gets the privacy topics) and every subscription made through the
// API (webhookSubscriptionCreate) — signed with HMAC-SHA256 of the body under the app's
// secret, with Shopify's X-Shopify-* headers, one at a time in the order of the changes.
// An answer other than 2xx (or none within 5 s) is retried with growing waits; a
// subscription whose deliveries failed 8 times in a row is removed, as Shopify removes
// one. Switches drop or duplicate deliveries, for the tests of a receiver that must
// survive both.

// WebhookDelivery is one webhook the simulator sent, or tried to, or dropped on purpose.
type WebhookDelivery struct {
	Topic     string
	URL       string
	WebhookID string // X-Shopify-Webhook-Id: the same on every retry of this delivery
	EventID   string // X-Shopify-Event-Id: the same for every delivery of one change
	Status    int    // the receiver's last answer; 0 when it could not be reached
	Attempts  int
	Err       string
	Dropped   bool // never sent (WebhookFaults.DropEvery)
	Duplicate bool // a second sending of a delivery already sent (WebhookFaults.DuplicateEvery)
	// Body is what was sent.
	Body []byte
}

// WebhookFaults switches delivery faults on: every DropEvery-th delivery is never sent,
// and every DuplicateEvery-th is sent twice with the same webhook id. Zero switches a
// fault off.
type WebhookFaults struct {
	DropEvery      int
	DuplicateEvery int
}

// privacyTopics go to the app's own address only: they cannot be subscribed to through
// the API.
var privacyTopics = []string{"customers/data_request", "customers/redact", "shop/redact"}

type delivery struct {
	shop, version, topic string
	url                  string
	subID                int64 // the API subscription it is for; 0 for the app's address
	body                 []byte
	at                   time.Time
	webhookID, eventID   string
	duplicate            bool
	attempt              int
}

// webhookSender delivers webhooks in the background, in order, one at a time; a delivery
// that failed waits for its retry without holding up the others.
type webhookSender struct {
	ctx     context.Context
	log     *slog.Logger
	client  *http.Client
	queue   chan delivery
	done    chan struct{}
	once    sync.Once
	targets func(topic string) []target // the subscriptions of a topic
	failed  func(subID int64, ok bool)  // tells the subscription how a delivery ended

	mu      sync.Mutex
	url     string
	secret  []byte
	faults  WebhookFaults
	retries int           // after the first attempt
	wait    time.Duration // before the first retry; doubling
	count   int           // deliveries, for the faults
	history []WebhookDelivery
	seq     int64
	pending int // queued, sending or waiting for a retry
}

// target is an address a topic goes to.
type target struct {
	url     string
	version string
	subID   int64
}

const (
	maxHistory = 10000
	// queueSize bounds the deliveries waiting to be sent.
	queueSize = 100000
)

func newWebhookSender(ctx context.Context, url string, secret []byte, log *slog.Logger,
	targets func(topic string) []target, failed func(subID int64, ok bool)) *webhookSender {
	w := &webhookSender{
		ctx: ctx, log: log, url: url, secret: secret, retries: 3, wait: 50 * time.Millisecond,
		client:  &http.Client{Timeout: 5 * time.Second}, // Shopify waits 5 s for an answer
		queue:   make(chan delivery, queueSize),
		done:    make(chan struct{}),
		targets: targets, failed: failed,
	}
	go w.run()
	return w
}

// send delivers body on topic to every address that asked for it.
func (w *webhookSender) send(shop, version, topic string, body []byte, at time.Time) {
	w.mu.Lock()
	var to []target
	if w.url != "" {
		to = append(to, target{url: w.url, version: version})
	}
	w.mu.Unlock()
	if !slices.Contains(privacyTopics, topic) {
		for _, t := range w.targets(topic) {
			if !slices.ContainsFunc(to, func(o target) bool { return o.url == t.url }) {
				to = append(to, t)
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(to) == 0 {
		return
	}
	w.seq++
	event := "ev-" + strconv.FormatInt(w.seq, 10) + "-" + randomHex(6)
	for _, t := range to {
		w.seq++
		d := delivery{shop: shop, version: t.version, topic: topic, url: t.url, subID: t.subID, body: body, at: at,
			webhookID: "wh-" + strconv.FormatInt(w.seq, 10) + "-" + randomHex(6), eventID: event}
		w.count++
		if f := w.faults.DropEvery; f > 0 && w.count%f == 0 {
			w.recordLocked(WebhookDelivery{Topic: topic, URL: t.url, WebhookID: d.webhookID, EventID: event, Dropped: true, Body: body})
			continue
		}
		w.enqueueLocked(d)
		if f := w.faults.DuplicateEvery; f > 0 && w.count%f == 0 {
			d.duplicate = true
			w.enqueueLocked(d)
		}
	}
}

func (w *webhookSender) enqueueLocked(d delivery) {
	select {
	case w.queue <- d:
		w.pending++
	default: // far behind: a bounded simulator drops, and says so
		w.recordLocked(WebhookDelivery{Topic: d.topic, URL: d.url, WebhookID: d.webhookID, EventID: d.eventID,
			Err: "queue full, not sent", Body: d.body})
	}
}

func (w *webhookSender) run() {
	defer close(w.done)
	for {
		select {
		case <-w.ctx.Done():
			return
		case d := <-w.queue:
			w.deliver(d)
		}
	}
}

// deliver makes one attempt, and either records how the delivery ended or schedules its
// next attempt.
func (w *webhookSender) deliver(d delivery) {
	w.mu.Lock()
	secret := w.secret
	retries, wait := w.retries, w.wait
	w.mu.Unlock()
	d.attempt++
	status, errText := w.post(d, secret)
	ok := status >= 200 && status < 300
	if !ok && d.attempt <= retries && w.ctx.Err() == nil {
		delay := wait << (d.attempt - 1)
		time.AfterFunc(delay, func() {
			select {
			case w.queue <- d:
			case <-w.ctx.Done():
				w.finish(d, status, errText)
			}
		})
		return
	}
	if !ok {
		w.log.Warn("webhook not delivered", "topic", d.topic, "url", d.url, "status", status, "error", errText, "attempts", d.attempt)
	}
	w.failed(d.subID, ok)
	w.finish(d, status, errText)
}

func (w *webhookSender) finish(d delivery, status int, errText string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending--
	w.recordLocked(WebhookDelivery{Topic: d.topic, URL: d.url, WebhookID: d.webhookID, EventID: d.eventID, Status: status,
		Attempts: d.attempt, Err: errText, Duplicate: d.duplicate, Body: d.body})
}

// post sends one attempt and answers the status, or an error's text.
func (w *webhookSender) post(d delivery, secret []byte) (int, string) {
	mac := hmac.New(sha256.New, secret)
	mac.Write(d.body)
	req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return 0, err.Error()
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", d.topic)
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set("X-Shopify-Shop-Domain", d.shop)
	h.Set("X-Shopify-API-Version", d.version)
	h.Set("X-Shopify-Webhook-Id", d.webhookID)
	h.Set("X-Shopify-Event-Id", d.eventID)
	h.Set("X-Shopify-Triggered-At", d.at.UTC().Format(time.RFC3339Nano))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

func (w *webhookSender) recordLocked(r WebhookDelivery) {
	if len(w.history) == maxHistory {
		w.history = slices.Delete(w.history, 0, 1)
	}
	w.history = append(w.history, r)
}

func (w *webhookSender) close() {
	w.once.Do(func() { <-w.done })
}

// SetWebhooks sends every webhook to url, the app's own address, signed with secret, from
// now on; an empty url stops sending there (subscriptions made through the API still get
// theirs, signed with secret).
func (s *Server) SetWebhooks(url string, secret []byte) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.url, s.hooks.secret = url, secret
}

// SetWebhookFaults switches delivery faults on or off (WebhookFaults{} is none).
func (s *Server) SetWebhookFaults(f WebhookFaults) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.faults = f
}

// SetWebhookRetries sets how often a delivery that failed is tried again, and the wait
// before the first retry, which doubles each time. Shopify retries 8 times over about 4
// hours (8, time.Minute); the default, 3 and 50 ms, suits a test.
func (s *Server) SetWebhookRetries(retries int, first time.Duration) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.retries, s.hooks.wait = max(retries, 0), max(first, time.Millisecond)
}

// Webhooks returns the last deliveries, in the order they ended (at most 10,000).
func (s *Server) Webhooks() []WebhookDelivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.history)
}

// WaitWebhooks blocks until every webhook queued so far was delivered or given up on, or
// ctx ends.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.hooks.mu.Lock()
		n := s.hooks.pending
		s.hooks.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
