package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

// MappingPreview is what `passthrough mapping preview` maps.
type MappingPreview struct {
	Dir  string // the mappings folder
	Feed string // orders, shipments or inventory
	// Payload is a JSON file: a Shopify order ({"order": …}, the bare order, or a page
	// {"orders": […]}, each of whose orders is previewed), a shipment or a stock row.
	Payload string
	Shop    string    // what expressions read as shop
	Now     time.Time // what expressions read as now; the current time when zero
	// TimeZone is what expressions read as timezone, in which local() gives times; empty
	// keeps the offsets the payload has.
	TimeZone string
	JSON     bool // JSON instead of tables
}

// PreviewMapping writes to w the rows each record of the payload would produce with the
// folder's mappings, through mapping.Set.Preview as the feeds and the portal do. A record
// the mapping rejects is shown with its severity and message; a mapping folder that does not
// load, or a record that cannot be read, fails.
func PreviewMapping(w io.Writer, p MappingPreview) error {
	raw, err := os.ReadFile(p.Payload)
	if err != nil {
		return fmt.Errorf("read payload: %w", err)
	}
	set, err := mapping.LoadDir(p.Dir)
	if err != nil {
		return mapping.Report(w, err)
	}
	records := []json.RawMessage{raw}
	if p.Feed == mapping.FeedOrders {
		if records, err = record.OrdersOf(raw); err != nil {
			return err
		}
	}
	if p.Now.IsZero() {
		p.Now = time.Now().UTC()
	}
	var previews []preview
	for _, r := range records {
		tables, err := set.Preview(mapping.PreviewInput{Feed: p.Feed, Raw: r, Shop: p.Shop, Now: p.Now, TimeZone: p.TimeZone})
		pv := preview{Record: recordName(p.Feed, r), Tables: tables}
		var re *passthrough.RecordError
		switch {
		case errors.As(err, &re):
			pv.Severity, pv.Message = string(re.Severity), re.Message
		case err != nil:
			return err
		}
		previews = append(previews, pv)
	}
	if p.JSON {
		return writePreviewJSON(w, previews)
	}
	for i, pv := range previews {
		if i > 0 {
			fmt.Fprintln(w)
		}
		pv.write(w)
	}
	return nil
}

// recordName names the record a preview is of, as the feed's problems name it.
func recordName(feed string, raw []byte) string {
	switch feed {
	case mapping.FeedShipments:
		if sh, err := record.DecodeShipment(raw); err == nil {
			return "shipment " + sh.ID
		}
		return "shipment"
	case mapping.FeedInventory:
		if st, err := record.DecodeStock(raw); err == nil {
			return fmt.Sprintf("stock %s @ %s", st.ItemCode, st.WarehouseCode)
		}
		return "stock row"
	}
	o := record.ReadOrder(raw)
	return fmt.Sprintf("order %s (%d)", o.Name, o.ID)
}

// preview is what one record would become: its rows, or the rejection.
type preview struct {
	Record   string
	Tables   []passthrough.TableRows
	Severity string // set when the record is rejected
	Message  string
}

// write shows the preview as text: a table's single row as column/value pairs, several
// rows as a grid.
func (p preview) write(w io.Writer) {
	if p.Severity != "" {
		fmt.Fprintf(w, "%s: rejected (%s): %s\n", p.Record, p.Severity, p.Message)
		return
	}
	fmt.Fprintf(w, "%s\n", p.Record)
	for _, t := range p.Tables {
		if t.Block == "cancel" {
			fmt.Fprint(w, "\nif cancelled after staging:")
		}
		fmt.Fprintf(w, "\n%s", t.Table.Name)
		if len(t.Table.Key) > 0 {
			fmt.Fprintf(w, " (key %s)", strings.Join(t.Table.Key, ", "))
		}
		if len(t.Rows) != 1 {
			fmt.Fprintf(w, ": %d rows\n", len(t.Rows))
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			if len(t.Rows) > 0 {
				fmt.Fprintf(tw, "  %s\n", strings.Join(t.Rows[0].Columns, "\t"))
			}
			for _, r := range t.Rows {
				cells := make([]string, len(r.Values))
				for i, v := range r.Values {
					cells[i] = cell(v)
				}
				fmt.Fprintf(tw, "  %s\n", strings.Join(cells, "\t"))
			}
			tw.Flush()
			continue
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		r := t.Rows[0]
		for i, c := range r.Columns {
			fmt.Fprintf(tw, "  %s\t%s\n", c, cell(r.Values[i]))
		}
		tw.Flush()
	}
}

// cell shows a value in a table: NULL for nil, text quoted when it could be mistaken
// (empty, spaces at its ends), anything else as mapping.Display shows it.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		if x == "" || strings.TrimSpace(x) != x {
			return fmt.Sprintf("%q", x)
		}
	}
	return mapping.Display(v)
}

func writePreviewJSON(w io.Writer, previews []preview) error {
	type jsonTable struct {
		Block string           `json:"block"`
		Table string           `json:"table"`
		Key   []string         `json:"key,omitempty"`
		Rows  []map[string]any `json:"rows"`
	}
	type jsonPreview struct {
		Record   string      `json:"record"`
		Tables   []jsonTable `json:"tables,omitempty"`
		Severity string      `json:"severity,omitempty"`
		Message  string      `json:"message,omitempty"`
	}
	out := make([]jsonPreview, 0, len(previews))
	for _, p := range previews {
		jp := jsonPreview{Record: p.Record, Severity: p.Severity, Message: p.Message}
		for _, t := range p.Tables {
			jt := jsonTable{Block: t.Block, Table: t.Table.Name, Key: t.Table.Key, Rows: []map[string]any{}}
			for _, r := range t.Rows {
				row := make(map[string]any, len(r.Columns))
				for i, c := range r.Columns {
					row[c] = jsonValue(r.Values[i])
				}
				jt.Rows = append(jt.Rows, row)
			}
			jp.Tables = append(jp.Tables, jt)
		}
		out = append(out, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonValue keeps money exact in JSON: decimals are written as strings, as Shopify does.
func jsonValue(v any) any {
	if d, ok := v.(decimal.Decimal); ok {
		return mapping.Display(d)
	}
	return v
}
