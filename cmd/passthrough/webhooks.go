package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/passthrough-dev/passthrough/app"
)

// runWebhooks manages the stores' webhook subscriptions, each store's in turn or the one
// --store names:
//
//	passthrough webhooks register|list|verify --config FILE [--store SHOP]
func runWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "register" && args[0] != "list" && args[0] != "verify") {
		return usagef("webhooks needs an action: register, list or verify")
	}
	flags := flag.NewFlagSet("webhooks "+args[0], flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "the configuration file (required)")
	shop := flags.String("store", "", "the store (its shop name); every store of the configuration by default")
	cfg, err := parseWithConfig(flags, args[1:], path)
	if err != nil {
		return err
	}
	err = app.Webhooks(ctx, cfg, app.WebhooksRequest{Action: args[0], Shop: *shop, Out: stdout})
	if errors.Is(err, app.ErrWebhooksNotConfigured) || errors.Is(err, app.ErrNotMigrated) || errors.Is(err, app.ErrUnknownStore) {
		return usageError{err}
	}
	return err
}
