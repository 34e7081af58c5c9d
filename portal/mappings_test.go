package portal

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
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
			{Name: "inventory.yaml", Source: "quantity: stock.qty_available\n", Problems: diags},
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
		f.mappings.CheckFunc = func(_ context.Context, name string, _ []byte) error {
			if name == "inventory.yaml" {
				return diags
			}
			return nil
		}
		b := c.get("/mappings/inventory.yaml").Body.String()
		require.Contains(t, b, `<pre class="diag">`+html.EscapeString(diags.List[0].String())+`</pre>`)
		require.Regexp(t, `orders\.yaml:5:\d+</a>`, b, "file:line:col")
		require.Contains(t, b, `<span class="badge bad">2 problems</span> in the saved file`)
		require.Contains(t, b, `<span class="badge bad" id="compiles">does not compile</span>`)
	})

	t.Run("a viewer sees the source but no editor", func(t *testing.T) {
		b := c.get("/mappings/orders.yaml").Body.String()
		require.Contains(t, b, `<pre class="source" id="source">header:`)
		require.NotContains(t, b, `<textarea name="src"`)
		require.Contains(t, b, "version 3, saved 2026-11-19 08:30:00 UTC by ada")
	})

	t.Run("the versions page shows every saved version and what changed in the last one", func(t *testing.T) {
		b := c.get("/mappings/orders.yaml/versions").Body.String()
		require.Contains(t, b, "version 3")
		require.Contains(t, b, "version 2")
		require.Contains(t, b, "table: old_orders")
		require.Contains(t, b, "What changed from version 2 to version 3")
		require.Contains(t, b, `<tr class="removed"><td class="ln">2</td><td class="ln"></td>`+"\n"+`<td class="mark">−</td><td class="code">  table: old_orders</td></tr>`)
		require.Contains(t, b, `<tr class="added"><td class="ln"></td><td class="ln">2</td>`+"\n"+`<td class="mark">+</td><td class="code">  table: s_orders</td></tr>`)
		require.NotContains(t, b, `id="restore-2"`, "a viewer restores nothing")
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
		require.Contains(t, b, "with this text")
		require.Contains(t, b, ">header:\n  table: x\n</textarea>", "the draft stays in the editor")
	})

	t.Run("a viewer cannot preview a draft: the saved file is used", func(t *testing.T) {
		f, calls := setup(t)
		c := login(t, f.srv, "viewer")
		c.get("/mappings/orders.yaml")
		c.submit("/mappings/orders.yaml/preview", url.Values{"order": {"1000"}, "src": {"header: {}"}})
		require.False(t, (*calls)[0].draft)
	})

	t.Run("a draft that does not compile: the preview says so and its problems come along, for the check beside the editor", func(t *testing.T) {
		f, _ := setup(t)
		diags := brokenDiagnostics(t)
		f.mappings.PreviewFunc = func(context.Context, string, []byte, []byte) (Preview, error) { return Preview{}, diags }
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		f.mappings.CheckFunc = func(_ context.Context, _ string, src []byte) error {
			require.Equal(t, "x\n", string(src), "the text in the editor is what is checked")
			return diags
		}
		b := c.submit("/mappings/orders.yaml/preview", url.Values{"order": {"1000"}, "src": {"x"}}, "HX-Request", "true").Body.String()
		require.Contains(t, b, `id="preview-refused">this text does not compile, so it maps nothing`)
		require.Contains(t, b, `<section id="check" class="check refused" aria-live="polite" hx-swap-oob="true">`,
			"the check block is swapped in with the preview, so stale problems never stay beside new text")
		require.Contains(t, b, `<pre class="diag">`+html.EscapeString(diags.List[0].String())+`</pre>`)
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

	t.Run("an admin's edit is saved, the page says so and the audit log has it", func(t *testing.T) {
		audit := &recordedAudit{}
		f := newFixture(t, func(d *Deps) { d.Audit = audit })
		var calls []MappingSave
		f.mappings.SaveFunc = func(_ context.Context, m MappingSave) error {
			calls = append(calls, m)
			return nil
		}
		f.mappings.FilesFunc = func(context.Context) ([]MappingFile, error) {
			return []MappingFile{{Name: "orders.yaml", Source: "header:\n  table: s_orders\n", Version: len(calls) + 1}}, nil
		}
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"header:\r\n  table: s_orders"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/mappings/orders.yaml", rec.Header().Get("Location"))
		require.Equal(t, []MappingSave{{Name: "orders.yaml", Source: []byte("header:\n  table: s_orders\n"), User: "ada"}}, calls)
		require.Contains(t, c.get("/mappings/orders.yaml").Body.String(), "Saved orders.yaml. It is version 2; the feeds use it from their next record")
		require.Equal(t, []string{"ada mapping.save acme/orders.yaml: saved version 2"}, audit.all())
	})

	t.Run("a text the checks refuse is not saved: its problems are beside the editor, the draft is kept, the badge is the saved file's", func(t *testing.T) {
		f := newFixture(t, nil)
		diags := brokenDiagnostics(t)
		f.mappings.SaveFunc = func(context.Context, MappingSave) error { return diags }
		f.mappings.CheckFunc = func(context.Context, string, []byte) error { return diags }
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml")
		rec := c.submit("/mappings/orders.yaml", url.Values{"src": {"web_order_id: ordr.id\n"}})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		b := rec.Body.String()
		require.Contains(t, b, "Not saved: this text does not pass the checks (its problems are beside the editor). The saved version is unchanged")
		require.Contains(t, b, `<span class="badge bad">2 problems</span> in this text: it would not be saved`)
		require.Contains(t, b, `<pre class="diag">`+html.EscapeString(diags.List[0].String())+`</pre>`)
		require.Contains(t, b, `>web_order_id: ordr.id`+"\n"+`</textarea>`)
		require.Contains(t, b, `as shipped:</span>`+"\n  "+`<span class="badge good" id="compiles">compiles</span>`,
			"the green badge says it is the saved file's, beside the refused text's problems")
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
		f.mappings.SaveFunc = func(context.Context, MappingSave) error {
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

func TestMappingCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	putOrders(t, f.store, 6, func(i int, e *ledger.Entry) {
		e.Status = []ledger.Status{ledger.StatusFailed, ledger.StatusFailed, ledger.StatusWaiting, ledger.StatusSkipped,
			ledger.StatusExcluded, ledger.StatusWaiting}[i]
	})
	diags := brokenDiagnostics(t)
	var checked []string
	f.mappings.CheckFunc = func(_ context.Context, _ string, src []byte) error {
		checked = append(checked, string(src))
		if string(src) == "broken\n" {
			return diags
		}
		return nil
	}
	c := login(t, f.srv, "admin")
	c.get("/mappings/orders.yaml")

	t.Run("htmx gets the check of the text in the editor, as the text changes", func(t *testing.T) {
		rec := c.submit("/mappings/orders.yaml/check", url.Values{"src": {"broken"}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		require.Regexp(t, `^\s*<section id="check" class="check refused"`, b, "the block alone")
		require.Contains(t, b, `<a class="diag-at" href="#src" data-line="5" data-col="19">orders.yaml:5:19</a> unknown name ordr`,
			"each problem leads to its line and column in the editor")
		require.Equal(t, "broken\n", checked[len(checked)-1])
	})

	t.Run("the check says what saving would do to the store's orders", func(t *testing.T) {
		b := c.submit("/mappings/orders.yaml/check", url.Values{"src": {"header: {}"}}, "HX-Request", "true").Body.String()
		require.Contains(t, b, `<span class="badge good">passes the checks</span> this text compiles and fits the database's tables`)
		require.Contains(t, b, "Saving re-maps <strong>4 waiting or failed orders</strong> (2 failed, at the next run;\n  2 waiting, when they become ready)")
		require.Contains(t, b, "<strong>0 imported orders are not touched</strong>")
	})

	t.Run("without JavaScript the whole page comes back with the text checked", func(t *testing.T) {
		b := c.submit("/mappings/orders.yaml/check", url.Values{"src": {"broken"}}).Body.String()
		require.Contains(t, b, "<html")
		require.Contains(t, b, ">broken\n</textarea>")
		require.Contains(t, b, "in this text: it would not be saved")
	})

	t.Run("only admins check drafts", func(t *testing.T) {
		require.Equal(t, http.StatusForbidden, login(t, f.srv, "viewer").submit("/mappings/orders.yaml/check", url.Values{"src": {"x"}}).Code)
	})
}

func TestMappingVersionsAndRestore(t *testing.T) {
	t.Parallel()
	saved := time.Date(2026, 11, 19, 8, 30, 0, 0, time.UTC)
	v1 := "header:\n  table: s_orders\n  key: [shop, web_order_id]\n  columns:\n    shop: shop\n    web_order_id: order.id\n    payment_terms: '\"NET30\"'\n"
	v2 := strings.Replace(v1, "NET30", "NET45", 1)
	v3 := strings.Replace(v2, "    shop: shop\n", "    shop: shop\n    ship_via: '\"UPS\"'\n", 1)
	setup := func(t *testing.T, audit AuditLog) (*fixture, *[]MappingSave) {
		f := newFixture(t, func(d *Deps) { d.Audit = audit })
		versions := []MappingVersion{
			{Version: 3, SavedAt: saved, SavedBy: "ada", Source: v3},
			{Version: 2, SavedAt: saved.Add(-time.Hour), SavedBy: "ada", Source: v2},
			{Version: 1, Source: v1},
		}
		var saves []MappingSave
		f.mappings.FilesFunc = func(context.Context) ([]MappingFile, error) {
			return []MappingFile{{Name: "orders.yaml", Source: versions[0].Source, Version: versions[0].Version}}, nil
		}
		f.mappings.VersionsFunc = func(context.Context, string) ([]MappingVersion, error) { return versions, nil }
		f.mappings.SaveFunc = func(_ context.Context, m MappingSave) error {
			saves = append(saves, m)
			versions = append([]MappingVersion{{Version: versions[0].Version + 1, SavedAt: saved, SavedBy: m.User, Source: string(m.Source),
				RestoredFrom: m.RestoredFrom}}, versions...)
			return nil
		}
		return f, &saves
	}

	t.Run("any two versions are compared line by line, with line numbers", func(t *testing.T) {
		f, _ := setup(t, nil)
		b := login(t, f.srv, "viewer").get("/mappings/orders.yaml/versions?from=1&to=3").Body.String()
		require.Contains(t, b, "What changed from version 1 to version 3")
		require.Contains(t, b, `<tr class="added"><td class="ln"></td><td class="ln">6</td>`+"\n"+`<td class="mark">+</td><td class="code">    ship_via: &#39;&#34;UPS&#34;&#39;</td></tr>`)
		require.Contains(t, b, `<tr class="removed"><td class="ln">7</td><td class="ln"></td>`)
		require.Contains(t, b, `<tr class="added"><td class="ln"></td><td class="ln">8</td>`)
		require.Contains(t, login(t, f.srv, "viewer").get("/mappings/orders.yaml/versions?from=2&to=2").Body.String(), "The two versions are the same.")
		require.Equal(t, http.StatusNotFound, login(t, f.srv, "viewer").get("/mappings/orders.yaml/versions?from=9").Code)
	})

	t.Run("one click restores a version: a save with its checks, its version and the audit log", func(t *testing.T) {
		audit := &recordedAudit{}
		f, saves := setup(t, audit)
		c := login(t, f.srv, "admin")
		page := c.get("/mappings/orders.yaml/versions").Body.String()
		require.Contains(t, page, `id="restore-2"`)
		require.NotContains(t, page, `id="restore-3"`, "the current version is not offered")
		rec := c.submit("/mappings/orders.yaml/restore", url.Values{"version": {"2"}})
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, []MappingSave{{Name: "orders.yaml", Source: []byte(v2), User: "ada", RestoredFrom: 2}}, *saves)
		page = c.get("/mappings/orders.yaml/versions").Body.String()
		require.Contains(t, page, "Restored version 2 of orders.yaml as version 4.")
		require.Contains(t, page, "restored from version 2")
		require.Equal(t, []string{"ada mapping.restore acme/orders.yaml: restored version 2 as version 4"}, audit.all())
	})

	t.Run("a version the checks refuse now is not restored, and says why", func(t *testing.T) {
		f, _ := setup(t, nil)
		diags := brokenDiagnostics(t)
		f.mappings.SaveFunc = func(context.Context, MappingSave) error { return diags }
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml/versions")
		rec := c.submit("/mappings/orders.yaml/restore", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		b := rec.Body.String()
		require.Contains(t, b, "Not restored: version 1 does not pass the checks a save makes")
		require.Contains(t, b, "in version 1: it was not restored")
		require.Contains(t, b, html.EscapeString(diags.List[0].String()))
	})

	t.Run("restoring the current version or one that does not exist", func(t *testing.T) {
		f, saves := setup(t, nil)
		c := login(t, f.srv, "admin")
		c.get("/mappings/orders.yaml/versions")
		require.Equal(t, http.StatusSeeOther, c.submit("/mappings/orders.yaml/restore", url.Values{"version": {"3"}}).Code)
		require.Contains(t, c.get("/mappings/orders.yaml/versions").Body.String(), "Version 3 is the current one; nothing to restore.")
		require.Equal(t, http.StatusNotFound, c.submit("/mappings/orders.yaml/restore", url.Values{"version": {"9"}}).Code)
		require.Equal(t, http.StatusBadRequest, c.submit("/mappings/orders.yaml/restore", url.Values{"version": {"x"}}).Code)
		require.Empty(t, *saves)
	})
}

func TestDiffTexts(t *testing.T) {
	t.Parallel()
	hunks, err := diffTexts("a\nb\nc\n", "a\nB\nc\nd\n")
	require.NoError(t, err)
	require.Equal(t, []diffHunk{{Lines: []diffLine{
		{Old: 1, New: 1, Kind: "same", Text: "a"},
		{Old: 2, Kind: "removed", Text: "b"},
		{New: 2, Kind: "added", Text: "B"},
		{Old: 3, New: 3, Kind: "same", Text: "c"},
		{New: 4, Kind: "added", Text: "d"},
	}}}, hunks)
	none, err := diffTexts("same\n", "same\n")
	require.NoError(t, err)
	require.Nil(t, none)
}
