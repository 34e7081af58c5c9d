package app

import (
	"context"
	"fmt"
	"io"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/mapping"
)

// MappingCheck is what `passthrough mapping check` checks.
type MappingCheck struct {
	Dir   string   // the mappings folder, checked when Files is empty
	Files []string // mapping files to check instead of the folder
	// ERP, when set, is the database whose tables the target columns are checked against.
	ERP *config.ERP
}

// CheckMappings compiles and lints mapping files and, with a database, checks their target
// columns against its real tables. It writes every problem to w, with file, line and column,
// and fails; or writes each file's name followed by ok.
func CheckMappings(ctx context.Context, w io.Writer, c MappingCheck) error {
	var set *mapping.Set
	var err error
	if len(c.Files) > 0 {
		set, err = mapping.LoadFiles(c.Files...)
	} else {
		set, err = mapping.LoadDir(c.Dir)
	}
	if err != nil {
		return mapping.Report(w, err)
	}
	if c.ERP != nil {
		store, err := erpopen.Open(ctx, c.ERP.Driver, c.ERP.DSN.Reveal(), erp.WithSchema(c.ERP.Schema))
		if err != nil {
			return fmt.Errorf("open the ERP database: %w", err)
		}
		err = mapping.CheckColumns(ctx, set, store)
		store.Close()
		if err != nil {
			return mapping.Report(w, err)
		}
	}
	for _, f := range set.Files() {
		fmt.Fprintf(w, "%s: ok\n", f)
	}
	return nil
}
