package main

import (
	"context"
	"flag"
	"io"

	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/mapping/mappingtest"
)

const defaultMappingsDir = "mappings"

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
		return runMappingPreview(args[1:], stdout, stderr)
	case "test":
		return runMappingTest(args[1:], stdout, stderr)
	}
	return usagef("unknown mapping subcommand %q: want check, preview or test", args[0])
}

// runMappingCheck compiles and lints mapping files and prints every problem:
//
//	passthrough mapping check [--config FILE] [FILE…]
//
// Without files it checks the mappings folder (every store's, with a config; else
// ./mappings).
func runMappingCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapping check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "also check the target columns against the database of this config")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	c := app.MappingCheck{Dir: defaultMappingsDir, Files: fs.Args()}
	if *configFile == "" {
		return app.CheckMappings(ctx, stdout, c)
	}
	cfg, err := config.Load(*configFile)
	if err != nil {
		return usagef("%v", err)
	}
	c.ERP = &cfg.ERP
	if len(c.Files) > 0 {
		return app.CheckMappings(ctx, stdout, c)
	}
	checked := map[string]bool{}
	for _, s := range cfg.StoreList() {
		if checked[s.Mappings] {
			continue
		}
		checked[s.Mappings] = true
		c.Dir = s.Mappings
		if err := app.CheckMappings(ctx, stdout, c); err != nil {
			return err
		}
	}
	return nil
}

// runMappingPreview shows the rows a record would produce:
//
//	passthrough mapping preview --payload FILE [--feed orders|shipments|inventory] [--dir DIR] [--timezone ZONE] [--json]
func runMappingPreview(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mapping preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p app.MappingPreview
	fs.StringVar(&p.Feed, "feed", mapping.FeedOrders, "the feed whose mapping to use: orders, shipments or inventory")
	fs.StringVar(&p.Payload, "payload", "", "a JSON file: a Shopify order ({\"order\":…}, the order, or {\"orders\":[…]}), a shipment or a stock row")
	fs.StringVar(&p.Dir, "dir", defaultMappingsDir, "the mappings folder")
	fs.BoolVar(&p.JSON, "json", false, "print JSON instead of tables")
	fs.StringVar(&p.Shop, "shop", "preview", "the shop name expressions see as shop")
	fs.StringVar(&p.TimeZone, "timezone", "", "the shop's time zone expressions see as timezone, e.g. America/New_York (default: the offsets of the payload)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	if p.Payload == "" {
		return usagef("mapping preview needs --payload FILE")
	}
	if fs.NArg() > 0 {
		return usagef("mapping preview takes no arguments besides its flags (got %q)", fs.Arg(0))
	}
	switch p.Feed {
	case mapping.FeedOrders, mapping.FeedShipments, mapping.FeedInventory:
	default:
		return usagef("unknown feed %q: want orders, shipments or inventory", p.Feed)
	}
	return app.PreviewMapping(stdout, p)
}

// runMappingTest runs the mapping tests of a mappings folder (DIR/tests/*.yaml) and prints
// a pass/fail table:
//
//	passthrough mapping test [DIR]
func runMappingTest(args []string, stdout, stderr io.Writer) error {
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
	return mappingtest.RunDir(stdout, dir)
}
