// Package erpopen opens the ERP store for a configured driver name (config's erp.driver),
// so that commands need not know each dialect package, and the dialect packages need not
// know each other.
package erpopen

import (
	"context"
	"fmt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpmssql"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
)

// Drivers are the driver names Open knows, as config's erp.driver spells them.
var Drivers = []string{"sqlite", "postgres", "sqlserver"}

// Open opens the store of driver on dsn. It does not migrate.
func Open(ctx context.Context, driver, dsn string, opts ...erp.Option) (erp.Store, error) {
	switch driver {
	case "sqlite":
		s, err := erpsqlite.Open(ctx, dsn, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	case "postgres":
		s, err := erppostgres.Open(ctx, dsn, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	case "sqlserver":
		s, err := erpmssql.Open(ctx, dsn, opts...)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("unknown ERP driver %q: use sqlite, postgres or sqlserver", driver)
}
