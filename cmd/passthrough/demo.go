package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/passthrough-dev/passthrough/app"
)

// runDemo runs a whole passthrough on embedded defaults, with nothing to configure:
//
//	passthrough demo [--addr 127.0.0.1:8080] [--dir DIR] [--orders 300] [--every 15s]
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(stderr)
	o := app.DemoOptions{Out: stdout}
	flags.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "the portal's address")
	flags.StringVar(&o.Dir, "dir", "", "where the database and mapping files go (default: a new temporary folder)")
	flags.IntVar(&o.Orders, "orders", 300, "orders the simulated store starts with")
	flags.DurationVar(&o.Every, "every", 15*time.Second, "how often each feed runs")
	verbose := flags.Bool("verbose", false, "log what every part does (on stderr)")
	if err := flags.Parse(args); err != nil {
		return usageError{err}
	}
	if flags.NArg() > 0 {
		return usagef("demo takes no arguments, got %q", flags.Args())
	}
	if *verbose {
		o.Log = newLogger(stderr, true)
	}
	return app.Demo(ctx, o)
}
