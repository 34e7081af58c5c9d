package portal

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

// brokenDiagnostics is what the real engine says about a broken orders.yaml.
func brokenDiagnostics(t *testing.T) *mapping.Diagnostics {
	t.Helper()
	_, err := mapping.Parse("orders.yaml", []byte("header:\n  table: s_orders\n  key: [shop, web_order_id]\n  columns:\n    web_order_id: ordr.id\n"))
	var d *mapping.Diagnostics
	require.ErrorAs(t, err, &d)
	require.NotEmpty(t, d.List)
	return d
}

func previewOf(order int64) Preview {
	return Preview{Tables: []passthrough.TableRows{
		{Block: "header", Table: passthrough.Table{Name: "s_orders"}, Rows: []passthrough.Row{{Columns: []string{"web_order_id", "payment_terms"}, Values: []any{order, "NET30"}}}},
		{Block: "lines", Table: passthrough.Table{Name: "s_order_details"}, Rows: []passthrough.Row{
			{Columns: []string{"line_no", "item_code"}, Values: []any{int64(1), "TS-001"}},
			{Columns: []string{"line_no", "item_code"}, Values: []any{int64(2), "TS-002"}},
		}},
	}}
}

func TestMappingPages(t *testing.T) {
	t.Parallel()
	diags := brokenDiagnostics(t)
	f := newFixture(t, nil)
	saved := time.Date(2026, 11, 19, 8, 30, 0, 0, time.UTC)
	f.mappings.FilesFunc = func(context.Context) ([]MappingFile, error) {
		return []MappingFile{
			{Name: "inventory.yaml", Source: "quantity: stock.qty_available\n", Problems: diags.Error()},
			{Name: "orders.yaml", Source: "header:\n  table: s_orders\n", Version: 3, SavedAt: saved, SavedBy: "ada"},
		}, nil
	}
	f.mappings.VersionsFunc = func(_ context.Context, name string) ([]MappingVersion, error) {
		require.Equal(t, "orders.yaml", name)
		return []MappingVersion{
			{Version: 3, SavedAt: saved, SavedBy: "ada", Source: "header:\n  table: s_orders\n"},
			{Version: 2, SavedAt: saved.Add(-time.Hour), SavedBy: "ada", Source: "header:\n  table: old_orders\n"},
		}, nil
	}
	c := login(t, f.srv, "viewer")

	t.Run("the list says which files compile", func(t *testing.T) {
		b := c.get("/mappings").Body.String()
		require.Contains(t, b, `<tr data-file="inventory.yaml"><td><a href="/mappings/inventory.yaml">inventory.yaml</a></td>
<td><span class="badge bad">does not compile</span>`)
		require.Contains(t, b, `<tr data-file="orders.yaml"><td><a href="/mappings/orders.yaml">orders.yaml</a></td>
<td><span class="badge good">compiles</span>`)
	})

	t.Run("a file that does not compile shows the engine's diagnostics verbatim", func(t *testing.T) {
		b := c.get("/mappings/inventory.yaml").Body.String()
		require.Contains(t, b, `<pre class="diag" id="diagnostics">`+html.EscapeString(diags.Error())+`</pre>`)
		require.Regexp(t, `orders\.yaml:5:\d+: `, b, "file:line:col")
	})

	t.Run("a viewer sees the source but no editor", func(t *testing.T) {
		b := c.get("/mappings/orders.yaml").Body.String()
		require.Contains(t, b, `<pre class="source" id="source">header:`)
		require.NotContains(t, b, `<textarea name="src"`)
		require.Contains(t, b, "version 3, saved 2026-11-19 08:30:00 UTC by ada")
	})

	t.Run("the versions page shows every saved version", func(t *testing.T) {
		b := c.get("/mappings/orders.yaml/versions").Body.String()
		require.Contains(t, b, "Version 3")
		require.Contains(t, b, "Version 2")
		require.Contains(t, b, "table: old_orders")
	})

	t.Run("an unknown file is a 404", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, c.get("/mappings/secrets.yaml").Code)
		require.Equal(t, http.StatusNotFound, c.get("/mappings/..%2f..%2fetc%2fpasswd").Code)
	})
}

func TestMappingPreview(t *testing.T) {
	t.Parallel()
	type call struct {
		name        string
		src, record string
		draft       bool
	}
	setup := func(t *testing.T) (*fixture, *[]call) {
		f := newFixture(t, nil)
		putOrders(t, f.store, 1, func(_ int, e *ledger.Entry) { e.Payload = []byte(`{"id":1000,"name":"#1000"}`) })
		var calls []call
		f.mappings.PreviewFunc = func(_ context.Context, name string, src, record []byte) (Preview, error) {
			calls = append(calls, call{name, string(src), string(record), src != nil})
			return previewOf(1000), nil
		}
		return f, &calls
	}

	t.Run("previewing a ledger order from the address needs no JavaScript", func(t *testing.T) {
		f, calls := setup(t)
		c := login(t, f.srv, "viewer")
		rec := c.get("/mappings/orders.yaml?order=1000")
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		require.Equal(t, []call{{"orders.yaml", "", `{"id":1000,"name":"#1000"}`, false}}, *calls)
		require.Contains(t, b, "Rows from order #1000 with the saved file")
		require.Contains(t, b, "<th>payment_terms</th><td>NET30</td>")
		require.Contains(t, b, "<td>2</td><td>TS-002</td>")
	})

	t.Run("a pasted payload is previewed, and htmx gets the preview box alone", func(t *testing.T) {
		f, calls := setup(t)
		c := login(t, f.srv, "viewer")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml/preview", url.Values{"payload": {`{"id":7}`}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		require.Regexp(t, `^\s*<div id="preview">`, b)
		require.NotContains(t, b, "<html")
		require.Contains(t, b, "Rows from the pasted payload")
		require.Equal(t, `{"id":7}`, (*calls)[0].record)
	})

	t.Run("an admin previews the draft in the editor, with the browser's line ends undone", func(t *testing.T) {
		f, calls := setup(t)
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml/preview", url.Values{"order": {"1000"}, "src": {"header:\r\n  table: x\r\n"}})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, []call{{"orders.yaml", "header:\n  table: x\n", `{"id":1000,"name":"#1000"}`, true}}, *calls)
		b := rec.Body.String()
		require.Contains(t, b, "with this draft")
		require.Contains(t, b, ">header:\n  table: x\n</textarea>", "the draft stays in the editor")
	})

	t.Run("a viewer cannot preview a draft: the saved file is used", func(t *testing.T) {
		f, calls := setup(t)
		c := login(t, f.srv, "viewer")
		c.get("/mappings/orders.yaml")
		c.submit("/mappings/orders.yaml/preview", url.Values{"order": {"1000"}, "src": {"header: {}"}})
		require.False(t, (*calls)[0].draft)
	})

	t.Run("a draft that does not compile shows its diagnostics in the preview", func(t *testing.T) {
		f, _ := setup(t)
		diags := brokenDiagnostics(t)
		f.mappings.PreviewFunc = func(context.Context, string, []byte, []byte) (Preview, error) { return Preview{}, diags }
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		b := c.submit("/mappings/orders.yaml/preview", url.Values{"order": {"1000"}, "src": {"x"}}).Body.String()
		require.Contains(t, b, `<pre class="diag" id="preview-diagnostics">`+html.EscapeString(diags.Error())+`</pre>`)
	})

	t.Run("a record the mapping refuses shows the severity and message", func(t *testing.T) {
		f, _ := setup(t)
		f.mappings.PreviewFunc = func(context.Context, string, []byte, []byte) (Preview, error) {
			return Preview{Rejected: &passthrough.RecordError{Severity: passthrough.SeverityRetry, Message: "not paid yet: financial status is pending"}}, nil
		}
		b := login(t, f.srv, "viewer").get("/mappings/orders.yaml?order=1000").Body.String()
		require.Contains(t, b, "The mapping refuses this record (retry): not paid yet: financial status is pending")
	})

	for _, tc := range []struct{ name, order, payload, says string }{
		{"an order the ledger does not know", "77", "", "Order 77 is not in the ledger."},
		{"an order id that is not a number", "abc", "", "Give the Shopify order id"},
		{"nothing chosen", "", "", "Choose an order or paste a payload to preview."},
	} {
		t.Run("previewing "+tc.name+" says so in the preview box", func(t *testing.T) {
			f, calls := setup(t)
			c := login(t, f.srv, "viewer")
			c.get("/mappings/orders.yaml")
			rec := c.submit("/mappings/orders.yaml/preview", url.Values{"order": {tc.order}, "payload": {tc.payload}})
			require.Equal(t, http.StatusOK, rec.Code)
			require.Contains(t, rec.Body.String(), tc.says)
			require.Empty(t, *calls)
		})
	}

	t.Run("the engine's words about a bad payload are shown", func(t *testing.T) {
		f, _ := setup(t)
		f.mappings.PreviewFunc = func(context.Context, string, []byte, []byte) (Preview, error) {
			return Preview{}, errors.New(`decode order: line_items[0].quantity: "two" is not a number`)
		}
		c := login(t, f.srv, "viewer")
		c.get("/mappings/orders.yaml")
		b := c.submit("/mappings/orders.yaml/preview", url.Values{"payload": {`{"line_items":[{"quantity":"two"}]}`}}).Body.String()
		require.Contains(t, b, "decode order: line_items[0].quantity: &#34;two&#34; is not a number")
	})
}

func TestMappingSave(t *testing.T) {
	t.Parallel()
	type call struct{ name, src, user string }

	t.Run("an admin's edit is saved and the page says so", func(t *testing.T) {
		f := newFixture(t, nil)
		var calls []call
		f.mappings.SaveFunc = func(_ context.Context, name string, src []byte, user string) error {
			calls = append(calls, call{name, string(src), user})
			return nil
		}
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"header:\r\n  table: s_orders"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/mappings/orders.yaml", rec.Header().Get("Location"))
		require.Equal(t, []call{{"orders.yaml", "header:\n  table: s_orders\n", "ada"}}, calls)
		require.Contains(t, c.get("/mappings/orders.yaml").Body.String(), "Saved orders.yaml. The feeds use it from their next record")
	})

	t.Run("a file that does not compile is refused with its diagnostics and the draft kept", func(t *testing.T) {
		f := newFixture(t, nil)
		diags := brokenDiagnostics(t)
		f.mappings.SaveFunc = func(context.Context, string, []byte, string) error { return diags }
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"web_order_id: ordr.id\n"}})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		b := rec.Body.String()
		require.Contains(t, b, "Not saved: orders.yaml does not compile.")
		require.Contains(t, b, "Problems in this draft")
		require.Contains(t, b, `<pre class="diag" id="diagnostics">`+html.EscapeString(diags.Error())+`</pre>`)
		require.Contains(t, b, ">web_order_id: ordr.id\n</textarea>")
	})

	t.Run("an empty file is refused before it reaches the mappings", func(t *testing.T) {
		f := newFixture(t, nil)
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"  \r\n"}})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		require.Contains(t, rec.Body.String(), "Not saved: the file is empty.")
	})

	t.Run("a failure to save shows nothing of the error", func(t *testing.T) {
		f := newFixture(t, nil)
		f.mappings.SaveFunc = func(context.Context, string, []byte, string) error {
			return errors.New("write /srv/passthrough/mappings/orders.yaml: read-only file system")
		}
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"header: {}\n"}})
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		require.NotContains(t, rec.Body.String(), "/srv/passthrough")
		require.Contains(t, rec.Body.String(), "Not saved: something went wrong on our side")
	})

	t.Run("without mappings the pages say so", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Mappings = nil })
		c := login(t, f.srv, "admin")
		require.Contains(t, c.get("/mappings").Body.String(), "Mappings are not set up")
		require.Equal(t, http.StatusServiceUnavailable, c.get("/mappings/orders.yaml").Code)
	})
}
