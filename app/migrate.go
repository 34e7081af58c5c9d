package app

import (
	"context"
	"fmt"
	"io"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/config"
)

// Migrate creates or updates the staging and pt_ tables of the database and writes to w
// what it did. Running it again on a current database changes nothing.
func Migrate(ctx context.Context, w io.Writer, db config.ERP) error {
	store, err := erpopen.Open(ctx, db.Driver, db.DSN.Reveal(), erp.WithSchema(db.Schema))
	if err != nil {
		return fmt.Errorf("open the %s database: %w", db.Driver, err)
	}
	defer store.Close()
	res, err := store.Migrate(ctx)
	for _, name := range res.Applied {
		fmt.Fprintf(w, "applied %s\n", name)
	}
	if err != nil {
		return err
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(w, "the %s database is up to date (schema version %d)\n", db.Driver, res.Version)
		return nil
	}
	fmt.Fprintf(w, "the %s database is now at schema version %d\n", db.Driver, res.Version)
	return nil
}
