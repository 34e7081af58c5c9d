package alerts_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/alerts"
	"github.com/passthrough-dev/passthrough/feeds"
)

// t0 is when the fixtures' story starts; the first digest is sent 20 minutes later and
// tells the 15 minutes before (less the settling half minute).
var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// expect are the store's scheduled feeds.
var expect = []feeds.Expectation{{Feed: feeds.FeedOrders, Every: 5 * time.Minute}, {Feed: feeds.FeedShipments, Every: 5 * time.Minute}}

// sqliteStores opens n handles on one migrated SQLite database, as n processes would.
func sqliteStores(t *testing.T, n int) []erp.Store {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "erp.db")
	var out []erp.Store
	for range n {
		s, err := erpsqlite.Open(t.Context(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(t.Context())
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

// postgresStores opens n handles on one migrated schema of the test server.
func postgresStores(t *testing.T, n int) []erp.Store {
	t.Helper()
	dsn := erptest.PostgresDSN(t)
	var out []erp.Store
	for range n {
		s, err := erppostgres.Open(t.Context(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(t.Context())
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

// run records a finished run of a feed of acme.
func run(t *testing.T, s erp.Store, shop, feed, outcome string, finished time.Time, why string) erp.Execution {
	t.Helper()
	x, err := s.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: feed, Shop: shop, Trigger: "schedule", At: finished.Add(-time.Minute)})
	require.NoError(t, err)
	require.NoError(t, s.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: finished, Outcome: outcome, Error: why}))
	x.FinishedAt, x.Outcome, x.Error = finished, outcome, why
	return x
}

// story fills the store with one of each thing a digest tells, and with what it must not:
// an orders run that succeeded, a business rule's refusal (info), another store's failure.
// It answers the new error class's id and the failed run.
func story(t *testing.T, s erp.Store) (int64, erp.Execution) {
	t.Helper()
	ctx := t.Context()
	run(t, s, "acme", feeds.FeedShipments, erp.OutcomeFinished, t0.Add(-5*time.Minute), "") // stale from 09:10
	run(t, s, "acme", feeds.FeedOrders, erp.OutcomeFinished, t0.Add(9*time.Minute), "")
	failed := run(t, s, "acme", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(11*time.Minute), "read orders: Shopify answered 503 <html>\nmore")
	run(t, s, "globex", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(11*time.Minute), "globex's own trouble")
	require.NoError(t, s.ProblemAdd(ctx, erp.Problem{Shop: "acme", Feed: feeds.FeedOrders, RecordKey: "1001", Severity: passthrough.SeverityError,
		Message: `unknown SKU "X-1"`, At: t0.Add(10 * time.Minute)}))
	require.NoError(t, s.ProblemAdd(ctx, erp.Problem{Shop: "acme", Feed: feeds.FeedOrders, RecordKey: "1002", Severity: passthrough.SeverityInfo,
		Message: "skipped: not paid", At: t0.Add(10 * time.Minute)}))
	require.NoError(t, s.InventoryCheckPut(ctx, erp.InventoryCheck{Shop: "acme", CheckedAt: t0.Add(12 * time.Minute), Levels: 10,
		Drift: []erp.InventoryDrift{{SKU: "X-1", InventoryItemID: 7, LocationID: 1, ERP: 5, Shopify: 7}}}))
	classes, err := s.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: "acme", Severity: passthrough.SeverityError})
	require.NoError(t, err)
	require.Len(t, classes, 1)
	return classes[0].ID, failed
}

// received is one message the SMTP server took.
type received struct {
	From string
	To   []string
	Data string
	TLS  bool
	User string
}

// mailbox is an SMTP server on loopback that takes mail over STARTTLS from one user.
type mailbox struct {
	Addr string
	TLS  *tls.Config // what a client trusts the server with

	mu   sync.Mutex
	msgs []received
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	// httptest's certificate is for 127.0.0.1: the server offers STARTTLS with it.
	certs := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(certs.Close)
	pool := x509.NewCertPool()
	pool.AddCert(certs.Certificate())
	box := &mailbox{TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}}

	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{box: box, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: certs.TLS.Certificates, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	box.Addr = ln.Addr().String()
	return box
}

func (b *mailbox) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
	msg  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "passthrough" || pass != "sm7p-secret" {
			return errors.New("bad credentials")
		}
		s.msg.User = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.msg.From = from; return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = string(b)
	_, s.msg.TLS = s.conn.TLSConnectionState()
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.msg)
	s.box.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{User: s.msg.User} }
func (s *session) Logout() error { return nil }

// hook is a chat webhook that answers with status (200 when 0) and keeps what it was sent.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	posts  []string // the bodies it answered 2xx
	tries  int
}

func newHook(t *testing.T) *hook {
	t.Helper()
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries++
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.URL.Path != "/services/T0/B0/tok3n" {
			http.Error(w, "not a webhook post", http.StatusBadRequest)
			return
		}
		if h.status != 0 {
			http.Error(w, "invalid_token", h.status)
			return
		}
		h.posts = append(h.posts, string(body))
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) sent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.posts...)
}

func (h *hook) answer(status int) {
	h.mu.Lock()
	h.status = status
	h.mu.Unlock()
}

func (h *hook) webhook() alerts.Webhook { return alerts.Webhook{URL: h.URL + "/services/T0/B0/tok3n"} }

func alerter(s erp.Store, clock clockwork.Clock, senders ...alerts.Sender) *alerts.Alerter {
	return &alerts.Alerter{Shop: "acme", Store: s, Expect: expect, Senders: senders, Every: 15 * time.Minute,
		PortalURL: "https://pt.example.com/", Now: clock.Now}
}

func TestTheEmailDigestArrivesOverSTARTTLSWithEverythingNew(t *testing.T) {
	t.Parallel()
	s := sqliteStores(t, 1)[0]
	classID, failed := story(t, s)
	box := newMailbox(t)
	clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))
	email := alerts.Email{Addr: box.Addr, From: "passthrough <passthrough@example.com>", To: []string{"ops@example.com", "Ann Example <ann@example.com>"},
		Username: "passthrough", Password: "sm7p-secret", TLS: box.TLS, Now: clock.Now}

	d, err := alerter(s, clock, email).Run(t.Context())
	require.NoError(t, err)
	require.Equal(t, 4, d.Items())

	msgs := box.messages()
	require.Len(t, msgs, 1)
	got := msgs[0]
	require.True(t, got.TLS, "STARTTLS, as the server offers it")
	require.Equal(t, "passthrough", got.User, "authenticated with the configured user")
	require.Equal(t, "passthrough@example.com", got.From)
	require.Equal(t, []string{"ops@example.com", "ann@example.com"}, got.To)

	m, err := mail.ReadMessage(strings.NewReader(got.Data))
	require.NoError(t, err)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "passthrough acme: 1 new error class, 1 failed run, 1 stale feed, 1 stock level off", subject)
	require.Equal(t, `"Ann Example" <ann@example.com>`, strings.Split(m.Header.Get("To"), ", ")[1])
	require.Equal(t, "text/plain; charset=utf-8", m.Header.Get("Content-Type"))
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	require.Equal(t, `What happened to store acme from 2026-11-22 09:05 UTC to 2026-11-22 09:19 UTC:

New error classes (1)
---------------------
- orders, error: unknown SKU "X-1" — once, 1 open, first seen 2026-11-22 09:10 UTC
  Fix: Open a record to see the whole message. Fix the cause (the record in Shopify or the ERP, or the mapping), then Retry the class; or Resolve it with a reason if it was dealt with outside passthrough.
  https://pt.example.com/problems/`+itoa(classID)+`?store=acme

Failed runs (1)
---------------
- orders run `+itoa(failed.ID)+` (schedule) failed at 2026-11-22 09:11 UTC: read orders: Shopify answered 503 <html>
  https://pt.example.com/feeds/executions/`+itoa(failed.ID)+`?store=acme

Stale feeds (1): no successful run in 3 intervals
-------------------------------------------------
- shipments: last successful run at 2026-11-22 08:55 UTC (runs every 5m0s)
  https://pt.example.com/feeds?store=acme

Stock drift: 1 of 10 levels off at the check of 2026-11-22 09:12 UTC
--------------------------------------------------------------------
- X-1 at location 1: Shopify holds 7, the ERP says 5 (+2)
  https://pt.example.com/stock?store=acme

The portal: https://pt.example.com/?store=acme
`, text)

	d, err = alerter(s, clock, email).Run(t.Context())
	require.NoError(t, err)
	require.True(t, d.Empty(), "a digest went out less than 15 minutes ago")
	require.Len(t, box.messages(), 1)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTheWebhookGetsSlackJSON(t *testing.T) {
	t.Parallel()
	s := sqliteStores(t, 1)[0]
	_, failed := story(t, s)
	h := newHook(t)
	clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))
	_, err := alerter(s, clock, h.webhook()).Run(t.Context())
	require.NoError(t, err)

	posts := h.sent()
	require.Len(t, posts, 1)
	var msg struct {
		Text   string `json:"text"`
		Mrkdwn bool   `json:"mrkdwn"`
	}
	require.NoError(t, json.Unmarshal([]byte(posts[0]), &msg))
	require.True(t, msg.Mrkdwn)
	lines := strings.Split(msg.Text, "\n")
	require.Equal(t, "*passthrough acme: 1 new error class, 1 failed run, 1 stale feed, 1 stock level off*", lines[0])
	require.Contains(t, lines, "*New error classes (1)*")
	require.Contains(t, lines, "- orders run "+itoa(failed.ID)+" (schedule) failed at 2026-11-22 09:11 UTC: read orders: Shopify answered 503 &lt;html&gt;",
		"mrkdwn's &, < and > are escaped")
	require.Contains(t, lines, "  https://pt.example.com/stock?store=acme")
	require.Equal(t, "<https://pt.example.com/?store=acme|Open the portal>", lines[len(lines)-2])
	require.NotContains(t, msg.Text, "globex")
	require.NotContains(t, msg.Text, "not paid", "a business rule's refusal is nobody's problem")
}

func TestAFailedSendKeepsItsItemsForTheNextDigest(t *testing.T) {
	t.Parallel()
	s := sqliteStores(t, 1)[0]
	_, failed := story(t, s)
	h := newHook(t)
	h.answer(http.StatusForbidden)
	clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))
	a := alerter(s, clock, h.webhook())

	_, err := a.Run(t.Context())
	require.EqualError(t, err, "send the alert digest: post to the webhook: the receiver answered 403 Forbidden: invalid_token")
	require.NotContains(t, err.Error(), "tok3n", "the webhook's address carries its token")
	state, err := s.AlertDigestList(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, state[0].Failures)
	require.Equal(t, t0.Add(5*time.Minute), state[0].Since, "since stays")

	h.answer(0)
	later := run(t, s, "acme", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(25*time.Minute), "read orders: Shopify answered 502")
	clock.Advance(time.Minute)
	d, err := a.Run(t.Context())
	require.NoError(t, err)
	require.True(t, d.Empty(), "the failed attempt may have arrived: the next waits 15 minutes")
	require.Empty(t, h.sent())

	clock.Advance(15 * time.Minute)
	d, err = a.Run(t.Context())
	require.NoError(t, err)
	require.Equal(t, []int64{failed.ID, later.ID}, []int64{d.Failed[0].ID, d.Failed[1].ID}, "the failed digest's run and the new one")
	require.Len(t, d.Classes, 1)
	require.NotNil(t, d.Drift)
	require.Len(t, h.sent(), 1)
	require.Contains(t, h.sent()[0], "2 failed runs")
}

func TestAReceiverThatFailsDoesNotHoldBackTheOthers(t *testing.T) {
	t.Parallel()
	s := sqliteStores(t, 1)[0]
	story(t, s)
	broken, working := newHook(t), newHook(t)
	broken.answer(http.StatusInternalServerError)
	clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))

	d, err := alerter(s, clock, broken.webhook(), working.webhook()).Run(t.Context())
	require.ErrorContains(t, err, "send the alert digest to every receiver: post to the webhook: the receiver answered 500 Internal Server Error")
	require.Equal(t, 4, d.Items())
	require.Len(t, working.sent(), 1)
	state, err := s.AlertDigestList(t.Context())
	require.NoError(t, err)
	require.Equal(t, t0.Add(19*time.Minute+30*time.Second), state[0].Since, "it went out: the next one tells what is new after it")
	require.Contains(t, state[0].Error, "500 Internal Server Error")
}

func TestNothingNewSendsNothing(t *testing.T) {
	t.Parallel()
	s := sqliteStores(t, 1)[0]
	run(t, s, "acme", feeds.FeedOrders, erp.OutcomeFinished, t0.Add(15*time.Minute), "")
	run(t, s, "globex", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(15*time.Minute), "another store's")
	h := newHook(t)
	box := newMailbox(t)
	clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))
	email := alerts.Email{Addr: box.Addr, From: "passthrough@example.com", To: []string{"ops@example.com"}, TLS: box.TLS}
	a := alerter(s, clock, h.webhook(), email)

	d, err := a.Run(t.Context())
	require.NoError(t, err)
	require.True(t, d.Empty())
	require.Empty(t, h.sent())
	require.Empty(t, box.messages())
	require.Zero(t, h.tries, "not even a request")

	clock.Advance(time.Minute)
	x := run(t, s, "acme", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(20*time.Minute+10*time.Second), "read orders: timeout")
	d, err = a.Run(t.Context())
	require.NoError(t, err)
	require.Len(t, d.Failed, 1, "a check that found nothing does not hold back the next digest")
	require.Equal(t, x.ID, d.Failed[0].ID)
	require.Len(t, h.sent(), 1)
	require.Len(t, box.messages(), 1)
}

func TestOneDigestPerIntervalAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, db := range []struct {
		name string
		open func(*testing.T, int) []erp.Store
	}{{"sqlite", sqliteStores}, {"postgres", postgresStores}} {
		t.Run("on "+db.name+" two alerters of one store send one digest", func(t *testing.T) {
			t.Parallel()
			stores := db.open(t, 2)
			story(t, stores[0])
			h := newHook(t)
			clock := clockwork.NewFakeClockAt(t0.Add(20 * time.Minute))
			replicas := []*alerts.Alerter{alerter(stores[0], clock, h.webhook()), alerter(stores[1], clock, h.webhook())}
			runAll := func() {
				var wg sync.WaitGroup
				for _, a := range replicas {
					wg.Go(func() {
						_, err := a.Run(context.WithoutCancel(t.Context()))
						require.NoError(t, err)
					})
				}
				wg.Wait()
			}
			runAll()
			require.Len(t, h.sent(), 1)

			run(t, stores[1], "acme", feeds.FeedOrders, erp.OutcomeFailed, t0.Add(21*time.Minute), "read orders: timeout")
			for range 14 {
				clock.Advance(time.Minute)
				runAll()
			}
			require.Len(t, h.sent(), 1, "not within 15 minutes of the last")
			clock.Advance(time.Minute)
			runAll()
			require.Len(t, h.sent(), 2)
			require.Contains(t, h.sent()[1], "read orders: timeout")
			require.NotContains(t, h.sent()[1], "unknown SKU", "told once")
		})
	}
}
