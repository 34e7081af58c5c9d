package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

const defaultMappingsDir = "mappings"

// The ERP store reports its tables' columns the way CheckColumns asks for them.
var _ mapping.ColumnSource = erp.Store(nil)

// runMapping implements `passthrough mapping check|preview|test`: what pro services use to
// work on mapping files without running a feed.
func runMapping(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("mapping needs a subcommand: check, preview or test")
	}
	switch args[0] {
	case "check":
		return runMappingCheck(ctx, args[1:], stdout, stderr)
	case "preview":
		return runMappingPreview(ctx, args[1:], stdout, stderr)
	case "test":
		return runMappingTest(ctx, args[1:], stdout, stderr)
	}
	return usagef("unknown mapping subcommand %q: want check, preview or test", args[0])
}

// runMappingCheck compiles and lints mapping files and prints every problem:
//
//	passthrough mapping check [--config FILE] [FILE…]
//
// Without files it checks the mappings folder (the config's, or ./mappings).
func runMappingCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapping check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "also check the target columns against the database of this config")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	dir := defaultMappingsDir
	var cfg config.Config
	if *configFile != "" {
		var err error
		if cfg, err = config.Load(*configFile); err != nil {
			return usagef("%v", err)
		}
		dir = cfg.Mappings
	}
	var set *mapping.Set
	var err error
	if fs.NArg() > 0 {
		set, err = mapping.LoadFiles(fs.Args()...)
	} else {
		set, err = mapping.LoadDir(dir)
	}
	if err != nil {
		return reportDiagnostics(stdout, err)
	}
	if *configFile != "" {
		// The target columns, against the real tables of the configured database.
		store, err := erpopen.Open(ctx, cfg.ERP.Driver, cfg.ERP.DSN.Reveal())
		if err != nil {
			return fmt.Errorf("open the ERP database: %w", err)
		}
		err = mapping.CheckColumns(ctx, set, store)
		store.Close()
		if err != nil {
			return reportDiagnostics(stdout, err)
		}
	}
	for _, f := range set.Files() {
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	return nil
}

// reportDiagnostics prints every problem of a failed load and fails the command.
func reportDiagnostics(w io.Writer, err error) error {
	var diags *mapping.Diagnostics
	if !errors.As(err, &diags) {
		return err
	}
	fmt.Fprintln(w, diags.Error())
	fmt.Fprintln(w)
	n := len(diags.List)
	if n == 1 {
		return errors.New("1 problem in the mapping files")
	}
	return fmt.Errorf("%d problems in the mapping files", n)
}

// runMappingPreview shows the rows a record would produce:
//
//	passthrough mapping preview --payload FILE [--feed orders|shipments|inventory] [--dir DIR] [--json]
func runMappingPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapping preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	feed := fs.String("feed", mapping.FeedOrders, "the feed whose mapping to use: orders, shipments or inventory")
	payload := fs.String("payload", "", "a JSON file: a Shopify order ({\"order\":…}, the order, or {\"orders\":[…]}), a shipment or a stock row")
	dir := fs.String("dir", defaultMappingsDir, "the mappings folder")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	shop := fs.String("shop", "preview", "the shop name expressions see as shop")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if *payload == "" {
		return usagef("mapping preview needs --payload FILE")
	}
	if fs.NArg() > 0 {
		return usagef("mapping preview takes no arguments besides its flags (got %q)", fs.Arg(0))
	}
	switch *feed {
	case mapping.FeedOrders, mapping.FeedShipments, mapping.FeedInventory:
	default:
		return usagef("unknown feed %q: want orders, shipments or inventory", *feed)
	}
	raw, err := os.ReadFile(*payload)
	if err != nil {
		return fmt.Errorf("read payload: %w", err)
	}
	set, err := mapping.LoadDir(*dir)
	if err != nil {
		return reportDiagnostics(stdout, err)
	}
	records := []json.RawMessage{raw}
	if *feed == mapping.FeedOrders {
		if records, err = record.OrdersOf(raw); err != nil {
			return err
		}
	}
	var previews []preview
	for _, r := range records {
		tables, err := set.Preview(mapping.PreviewInput{Feed: *feed, Raw: r, Shop: *shop, Now: time.Now().UTC()})
		p := preview{Record: recordName(*feed, r), Tables: tables}
		if err := p.setError(err); err != nil {
			return err
		}
		previews = append(previews, p)
	}
	if *asJSON {
		return writePreviewJSON(stdout, previews)
	}
	for i, p := range previews {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		p.write(stdout)
	}
	return nil
}

// recordName names the record a preview is of, as the feed's problems name it.
func recordName(feed string, raw []byte) string {
	var id struct {
		ID            json.RawMessage `json:"id"`
		Name          string          `json:"name"`
		ItemCode      string          `json:"item_code"`
		WarehouseCode string          `json:"warehouse_code"`
	}
	_ = json.Unmarshal(raw, &id)
	switch feed {
	case mapping.FeedShipments:
		return "shipment " + strings.Trim(string(id.ID), `"`)
	case mapping.FeedInventory:
		return fmt.Sprintf("stock %s @ %s", id.ItemCode, id.WarehouseCode)
	}
	return fmt.Sprintf("order %s (%s)", id.Name, id.ID)
}

// preview is what one record would become.
type preview struct {
	Record   string                  `json:"record"`
	Tables   []passthrough.TableRows `json:"tables,omitempty"`
	Severity string                  `json:"severity,omitempty"` // set when the record is rejected
	Message  string                  `json:"message,omitempty"`
}

// setError records a rejection; any other error is returned.
func (p *preview) setError(err error) error {
	if err == nil {
		return nil
	}
	var re *passthrough.RecordError
	if !errors.As(err, &re) {
		return err
	}
	p.Severity, p.Message = string(re.Severity), re.Message
	return nil
}

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

// cell shows a value in a table: text quoted when it could be mistaken (empty, spaces at
// its ends), NULL for nil, decimals with their scale.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		if x == "" || strings.TrimSpace(x) != x {
			return fmt.Sprintf("%q", x)
		}
		return x
	case decimal.Decimal:
		if e := x.Exponent(); e < 0 {
			return x.StringFixed(-e)
		}
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
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
		return cell(d)
	}
	return v
}

// runMappingTest runs the mapping tests of a mappings folder (DIR/tests/*.yaml) and prints
// a pass/fail table:
//
//	passthrough mapping test [DIR]
func runMappingTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapping test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if fs.NArg() > 1 {
		return usagef("mapping test takes one folder, got %d", fs.NArg())
	}
	dir := defaultMappingsDir
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	set, err := mapping.LoadDir(dir)
	if err != nil {
		return reportDiagnostics(stdout, err)
	}
	results, err := mapping.RunTests(set, filepath.Join(dir, "tests"))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tFEED\tTEST\tNAME")
	failed := 0
	for _, r := range results {
		status := "pass"
		if !r.Passed() {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", status, r.Feed, filepath.Base(r.File), r.Name)
		for _, p := range r.Problems {
			for _, line := range strings.Split(p, "\n") {
				fmt.Fprintf(tw, "\t\t\t  %s\n", line)
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d mapping tests failed", failed, len(results))
	}
	return nil
}
