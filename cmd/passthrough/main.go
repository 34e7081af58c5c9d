// Command passthrough moves orders from Shopify into an ERP's staging tables and shipments
// and stock levels back, through mapping files, with a worker portal on top.
//
// Each subcommand lives in a file of its own, which parses its flags, calls one function
// (of app, mappingtest, shopifytest …) and says which errors are the caller's; this file
// picks the subcommand and turns its error into the exit code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/passthrough-dev/passthrough/config"
)

// Exit codes, as documented for `passthrough run`.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitPartial = 3
)

// usageError marks an error as the caller's: bad flags, a bad config. It exits with 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCodeError lets a command choose its exit code (run: 3 for FINISHED_PARTIALLY).
type exitCodeError struct {
	code int
	err  error
}

func (e exitCodeError) Error() string { return e.err.Error() }
func (e exitCodeError) Unwrap() error { return e.err }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "run everything on embedded defaults: SQLite ERP, Shopify simulator, portal", runDemo},
		{"serve", "run the feeds on their schedule and the portal (--config FILE)", runServe},
		{"migrate", "create or update the staging and pt_ tables (--config FILE)", runMigrate},
		{"run", "run one feed now: run FEED --config FILE [--store SHOP] [--since DATE] [--until DATE] [--full] [--dry-run] [--wait DURATION] [--force]", runFeed},
		{"mapping", "check, preview or test mapping files: mapping check|preview|test", runMapping},
		{"webhooks", "subscribe the store's webhooks, list them, check Shopify reaches them: webhooks register|list|verify --config FILE", runWebhooks},
		{"shopify-sim", "serve the Shopify simulator: shopify-sim --addr ADDR [--seed FILE…] [--orders N] [--skus M] [--token T]", runShopifySim},
		{"hash-password", "print a bcrypt hash for a portal user's password (read from stdin)", runHashPassword},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		if err == nil {
			return exitOK
		}
		fmt.Fprintf(stderr, "passthrough %s: %v\n", c.name, err)
		var ue usageError
		var ce exitCodeError
		switch {
		case errors.As(err, &ce):
			return ce.code
		case errors.As(err, &ue):
			return exitUsage
		default:
			return exitFailed
		}
	}
	fmt.Fprintf(stderr, "passthrough: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: passthrough COMMAND [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
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
