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

// WebhookDelivery is one webhook the simulator sent, or tried to.
type WebhookDelivery struct {
	Topic     string
	WebhookID string // X-Shopify-Webhook-Id: the same on every retry of this delivery
	EventID   string // X-Shopify-Event-Id
	Status    int    // the receiver's last answer; 0 when it could not be reached
	Attempts  int
	Err       string
}

type delivery struct {
	shop, version, topic string
	body                 []byte
	at                   time.Time
	webhookID, eventID   string
}

// webhookSender delivers webhooks in the background, one at a time, retrying a few times
// (Shopify retries 8 times over 4 hours; a test does not wait that long).
type webhookSender struct {
	ctx    context.Context
	log    *slog.Logger
	client *http.Client
	queue  chan delivery
	done   chan struct{}
	once   sync.Once

	mu      sync.Mutex
	url     string
	secret  []byte
	history []WebhookDelivery // the last maxHistory deliveries
	seq     int64
	pending int // queued and not yet finished
}

const maxHistory = 1000

func newWebhookSender(ctx context.Context, url string, secret []byte, log *slog.Logger) *webhookSender {
	w := &webhookSender{
		ctx: ctx, log: log, url: url, secret: secret,
		client: &http.Client{Timeout: 5 * time.Second}, // Shopify waits 5 s for an answer
		queue:  make(chan delivery, 1024),
		done:   make(chan struct{}),
	}
	go w.run()
	return w
}

func (w *webhookSender) send(shop, version, topic string, body []byte, at time.Time) {
	w.mu.Lock()
	if w.url == "" {
		w.mu.Unlock()
		return
	}
	w.seq++
	d := delivery{
		shop: shop, version: version, topic: topic, body: body, at: at,
		webhookID: "wh-" + strconv.FormatInt(w.seq, 10) + "-" + randomHex(6),
		eventID:   "ev-" + strconv.FormatInt(w.seq, 10) + "-" + randomHex(6),
	}
	w.pending++
	w.mu.Unlock()
	select {
	case w.queue <- d:
	default: // the receiver is far behind: drop, as a bounded demo must
		w.record(WebhookDelivery{Topic: topic, WebhookID: d.webhookID, EventID: d.eventID, Err: "queue full, not sent"})
		w.finished()
	}
}

func (w *webhookSender) finished() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending--
}

func (w *webhookSender) run() {
	defer close(w.done)
	for {
		select {
		case <-w.ctx.Done():
			return
		case d := <-w.queue:
			w.deliver(d)
			w.finished()
		}
	}
}

func (w *webhookSender) deliver(d delivery) {
	w.mu.Lock()
	url, secret := w.url, w.secret
	w.mu.Unlock()
	mac := hmac.New(sha256.New, secret)
	mac.Write(d.body)
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	rec := WebhookDelivery{Topic: d.topic, WebhookID: d.webhookID, EventID: d.eventID}
	backoff := 50 * time.Millisecond
	for rec.Attempts < 4 {
		rec.Attempts++
		req, err := http.NewRequestWithContext(w.ctx, http.MethodPost, url, bytes.NewReader(d.body))
		if err != nil {
			rec.Err = err.Error()
			break
		}
		h := req.Header
		h.Set("Content-Type", "application/json")
		h.Set("X-Shopify-Topic", d.topic)
		h.Set("X-Shopify-Hmac-Sha256", sig)
		h.Set("X-Shopify-Shop-Domain", d.shop)
		h.Set("X-Shopify-API-Version", d.version)
		h.Set("X-Shopify-Webhook-Id", d.webhookID)
		h.Set("X-Shopify-Event-Id", d.eventID)
		h.Set("X-Shopify-Triggered-At", d.at.UTC().Format(time.RFC3339Nano))
		resp, err := w.client.Do(req)
		if err == nil {
			rec.Status, rec.Err = resp.StatusCode, ""
			_ = resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				break
			}
		} else {
			rec.Status, rec.Err = 0, err.Error()
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
			w.record(rec)
			return
		}
		backoff *= 4
	}
	if rec.Err != "" || rec.Status < 200 || rec.Status >= 300 {
		w.log.Warn("webhook not delivered", "topic", d.topic, "status", rec.Status, "error", rec.Err)
	}
	w.record(rec)
}

func (w *webhookSender) record(r WebhookDelivery) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.history) == maxHistory {
		w.history = slices.Delete(w.history, 0, 1)
	}
	w.history = append(w.history, r)
}

func (w *webhookSender) close() {
	w.once.Do(func() { <-w.done })
}

// SetWebhooks sends webhooks to url, signed with secret, from now on; an empty url stops
// sending.
func (s *Server) SetWebhooks(url string, secret []byte) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.url, s.hooks.secret = url, secret
}

// Webhooks returns the last deliveries, oldest first.
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
