package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"

	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
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
	log := newLogger(stderr, *verbose)
	a, err := app.New(ctx, cfg, app.Options{Logger: log})
	if errors.Is(err, app.ErrNotMigrated) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := a.Listen()
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// parseWithConfig parses flags, which must include --config, takes no arguments, and
// loads the configuration.
func parseWithConfig(flags *flag.FlagSet, args []string, path *string) (config.Config, error) {
	if err := flags.Parse(args); err != nil {
		return config.Config{}, usageError{err}
	}
	if flags.NArg() > 0 {
		return config.Config{}, usagef("%s takes no arguments, got %q", flags.Name(), flags.Args())
	}
	if *path == "" {
		return config.Config{}, usagef("%s needs --config FILE", flags.Name())
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return config.Config{}, usageError{err}
	}
	return cfg, nil
}

// newLogger writes text lines to w; the configuration's secrets are never handed to it.
func newLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
