package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lockedBuffer lets the test read what the command is still writing.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestShopifySimServesUntilTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- runShopifySim(ctx, []string{"--addr", "127.0.0.1:0", "--orders", "30", "--skus", "8", "--token", "shpat_cli", "--seed", "../../testdata/shopify/go-shopify__locations.json"}, &out, &errOut)
	}()

	urlLine := regexp.MustCompile(`url:   (http://\S+)\n`)
	var url string
	require.Eventually(t, func() bool {
		m := urlLine.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "the command prints its URL")
	require.Contains(t, out.String(), "token: shpat_cli\n")
	require.Contains(t, out.String(), "30 orders")

	req, err := http.NewRequest(http.MethodGet, url+"/admin/api/2026-07/orders.json?status=any&limit=250", nil)
	require.NoError(t, err)
	req.Header.Set("X-Shopify-Access-Token", "shpat_cli")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var page struct {
		Orders []json.RawMessage `json:"orders"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	require.Len(t, page.Orders, 30)

	cancel()
	require.NoError(t, <-done)
	require.Empty(t, errOut.String())
}

func TestShopifySimRefusesBadFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		err  string
	}{
		{"an unknown plan", []string{"--plan", "gold"}, `--plan "gold" is not one of standard, advanced, plus, off`},
		{"a stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"an unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
		{"a seed file that is not there", []string{"--addr", "127.0.0.1:0", "--seed", "missing.json"}, "open seed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runShopifySim(context.Background(), tc.args, &out, &errOut)
			require.ErrorContains(t, err, tc.err)
		})
	}
	var ue usageError
	require.ErrorAs(t, runShopifySim(context.Background(), []string{"--plan", "gold"}, &bytes.Buffer{}, &bytes.Buffer{}), &ue, "bad flags exit with 2")
}
