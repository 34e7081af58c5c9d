package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/passthrough-dev/passthrough/app"
)

// runServe runs the feeds on their schedule and the portal until interrupted:
//
//	passthrough serve --config FILE [--verbose]
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "the configuration file (required)")
	verbose := flags.Bool("verbose", false, "log debug lines too")
	cfg, err := parseWithConfig(flags, args, path)
	if err != nil {
		return err
	}
	err = app.Run(ctx, cfg, app.Options{Logger: newLogger(stderr, *verbose)})
	if errors.Is(err, app.ErrNotMigrated) {
		return usageError{err}
	}
	return err
}
