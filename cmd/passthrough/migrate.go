package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/passthrough-dev/passthrough/app"
)

// runMigrate creates or updates the staging and pt_ tables of the configured ERP database
// and says what it did:
//
//	passthrough migrate --config FILE
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("migrate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	path := flags.String("config", "", "the configuration file (required)")
	cfg, err := parseWithConfig(flags, args, path)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	return app.Migrate(ctx, stdout, cfg.ERP)
}
