package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
)

// runMigrate creates or updates the staging and pt_ tables of the configured ERP database
// and says what it did. Running it again on a current database changes nothing.
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
	store, err := erpopen.Open(ctx, cfg.ERP.Driver, cfg.ERP.DSN.Reveal())
	if err != nil {
		return fmt.Errorf("open the %s database: %w", cfg.ERP.Driver, err)
	}
	defer store.Close()
	res, err := store.Migrate(ctx)
	for _, name := range res.Applied {
		fmt.Fprintf(stdout, "applied %s\n", name)
	}
	if err != nil {
		return err
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(stdout, "the %s database is up to date (schema version %d)\n", cfg.ERP.Driver, res.Version)
		return nil
	}
	fmt.Fprintf(stdout, "the %s database is now at schema version %d\n", cfg.ERP.Driver, res.Version)
	return nil
}
