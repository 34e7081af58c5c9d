package portal_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/stretchr/testify/require"
)

// web is a plain HTTP client on the composed portal, with cookies and the CSRF token.
type web struct {
	t     *testing.T
	base  string
	c     *http.Client
	token string
}

var tokenInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (w *web) read(resp *http.Response, err error) (int, string) {
	w.t.Helper()
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	if m := tokenInput.FindStringSubmatch(string(b)); m != nil {
		w.token = m[1]
	}
	return resp.StatusCode, string(b)
}

func (w *web) get(path string) (int, string) { return w.read(w.c.Get(w.base + path)) }

func (w *web) post(path string, form url.Values) (int, string) {
	form.Set("_csrf", w.token)
	return w.read(w.c.PostForm(w.base+path, form))
}

func signIn(t *testing.T, base, name, password string) *web {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	w := &web{t: t, base: base, c: &http.Client{Jar: jar}}
	w.get("/login")
	code, body := w.post("/login", url.Values{"name": {name}, "password": {password}})
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, name+" · ")
	return w
}

// TestRealPieces runs the browser scenarios' substance over plain HTTP, so it holds even
// where no Chromium is installed: the portal on the SQLite store and the real mapping
// engine.
func TestRealPieces(t *testing.T) {
	c := compose(t)
	srv := httptest.NewServer(c.srv)
	t.Cleanup(srv.Close)
	ctx := context.Background()

	t.Run("the data set is listed with each order's status", func(t *testing.T) {
		w := signIn(t, srv.URL, "olga", "olga-secret")
		_, body := w.get("/orders")
		for _, name := range c.names {
			require.Contains(t, body, ">"+name+"<")
		}
		_, body = w.get("/orders?status=failed")
		require.Contains(t, body, "no SKU: the ERP needs an item code on every line")
		require.NotContains(t, body, "not paid yet")
	})

	t.Run("retrying an order stages it again and the page shows the rows it produced", func(t *testing.T) {
		w := signIn(t, srv.URL, "olga", "olga-secret")
		before, err := c.store.LedgerEventList(ctx, shop, c.paid)
		require.NoError(t, err)
		w.get(fmt.Sprintf("/orders/%d/retry", c.paid))
		code, body := w.post(fmt.Sprintf("/orders/%d/retry", c.paid), url.Values{})
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "was staged again, with the mapping as it is now.")
		require.Contains(t, body, `<tr data-column="payment_terms"><th>payment_terms</th>`+"\n<td>NET30</td>\n<td>NET30</td></tr>")
		require.Contains(t, body, "IPOD2008RED")
		after, err := c.store.LedgerEventList(ctx, shop, c.paid)
		require.NoError(t, err)
		require.Len(t, after, len(before)+1, "the retry is in the order's history")
	})

	t.Run("a broken mapping is refused with line:col and a fixed one changes the preview", func(t *testing.T) {
		w := signIn(t, srv.URL, "adam", "adam-secret")
		files, err := c.mappings.Files(ctx)
		require.NoError(t, err)
		var original string
		for _, f := range files {
			if f.Name == "orders.yaml" {
				original = f.Source
			}
			require.Empty(t, f.Problems, "the shipped %s compiles", f.Name)
		}
		require.NotEmpty(t, original)

		preview := fmt.Sprintf("/mappings/orders.yaml?order=%d", c.paid)
		_, body := w.get(preview)
		require.Contains(t, body, "<th>payment_terms</th><td>NET30</td>")

		code, body := w.post("/mappings/orders.yaml", url.Values{"src": {replaceOnce(t, original, breakFrom, breakTo)}})
		require.Equal(t, http.StatusUnprocessableEntity, code)
		require.Regexp(t, `orders\.yaml:\d+:\d+: type order has no field nmae`, body)
		require.Contains(t, c.mappings.Set().Orders.Header().Name, "s_orders", "the feeds still have a mapping")

		code, body = w.post("/mappings/orders.yaml", url.Values{"src": {replaceOnce(t, original, fixFrom, fixTo)}})
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "Saved orders.yaml.")
		_, body = w.get(preview)
		require.Contains(t, body, "<th>payment_terms</th><td>NET45</td>")

		_, body = w.get("/mappings/orders.yaml/versions")
		require.Contains(t, body, "Version 2", "the save")
		require.Contains(t, body, "Version 1", "the text as it was found, kept by the first save")

		// The order's page shows the staged NET30 beside the current mapping's NET45, marked.
		w = signIn(t, srv.URL, "olga", "olga-secret")
		_, body = w.get(fmt.Sprintf("/orders/%d", c.paid))
		require.Contains(t, body, `<tr class="differs" data-column="payment_terms"><th>payment_terms</th>`+"\n<td>NET30</td>\n<td>NET45</td></tr>")
		require.Contains(t, body, `<strong class="differs" id="differences">1 difference</strong>`)

		// The orders feed uses the saved file at once: a retry now stages NET45.
		_, body = w.post(fmt.Sprintf("/orders/%d/retry", c.paid), url.Values{})
		require.Contains(t, body, `<tr data-column="payment_terms"><th>payment_terms</th>`+"\n<td>NET45</td>\n<td>NET45</td></tr>")
		e, err := c.store.LedgerGet(ctx, shop, c.paid)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusStaged, e.Status)
	})

	t.Run("the health check asks the database", func(t *testing.T) {
		resp, err := http.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})
}
