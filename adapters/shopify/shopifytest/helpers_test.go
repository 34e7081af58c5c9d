package shopifytest_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// manualClock is a clock the test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *manualClock {
	return &manualClock{now: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// bundle is what most tests need: a simulator on a clock the test drives.
type bundle struct {
	srv   *shopifytest.Server
	clock *manualClock
}

func setup(t *testing.T, opts ...shopifytest.Option) *bundle {
	t.Helper()
	clock := newClock()
	opts = append([]shopifytest.Option{
		shopifytest.WithClock(clock),
		shopifytest.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))),
	}, opts...)
	srv := shopifytest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &bundle{srv: srv, clock: clock}
}

// reply is an answer read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(r.body)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m), string(r.body))
	return m
}

// call sends a request to the shop's real host name through the simulator's client, with
// the static token unless the headers say otherwise.
func (b *bundle) call(t *testing.T, method, path, body string, headers ...string) reply {
	t.Helper()
	r, err := b.do(method, path, body, headers...)
	require.NoError(t, err)
	return r
}

// do is call for goroutines other than the test's: it returns the error.
func (b *bundle) do(method, path, body string, headers ...string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "https://"+b.srv.Domain()+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("X-Shopify-Access-Token", b.srv.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, err
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "%v is not a number", v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
