package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// modeSetting is where a mode switched in the portal is kept, per shop, so it survives a
// restart: "mode:acme". legacyModeSetting is where passthrough kept the mode of its one
// store before it served several; a deployment with one store still reads it.
const (
	modeSetting       = "mode:"
	legacyModeSetting = "mode"
)

// Mode is the store's mode: test (the outbound feeds record what they would send and call
// nothing that writes to Shopify) or live. It starts from the config, unless an admin has
// switched it in the portal since, which is kept in the database.
type Mode struct {
	store  erp.Bookkeeping // where a switched mode is kept
	shop   string
	log    *slog.Logger
	dryRun bool
	cur    atomic.Value // string
}

func loadMode(ctx context.Context, store erp.Bookkeeping, shop, configured string, dryRun, only bool, log *slog.Logger) (*Mode, error) {
	m := &Mode{store: store, shop: shop, log: log, dryRun: dryRun}
	m.cur.Store(configured)
	v, err := store.SettingGet(ctx, modeSetting+shop)
	if errors.Is(err, erp.ErrNotFound) && only {
		v, err = store.SettingGet(ctx, legacyModeSetting)
	}
	switch {
	case errors.Is(err, erp.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("read the store's mode: %w", err)
	case v == "test" || v == "live":
		if v != configured {
			log.Warn("the mode switched in the portal wins over the config", "mode", v, "config", configured)
		}
		m.cur.Store(v)
	}
	return m, nil
}

// Mode is "test" or "live".
func (m *Mode) Mode() string {
	if m.dryRun {
		return "test"
	}
	return m.cur.Load().(string)
}

// Live reports whether outbound feeds write to Shopify.
func (m *Mode) Live() bool { return m.Mode() == "live" }

// SetMode switches the mode, by user, from the feeds' next run.
func (m *Mode) SetMode(ctx context.Context, mode, user string) error {
	if mode != "test" && mode != "live" {
		return fmt.Errorf("mode %q is not test or live", mode)
	}
	if err := m.store.SettingSet(ctx, modeSetting+m.shop, mode); err != nil {
		return fmt.Errorf("keep the mode: %w", err)
	}
	m.cur.Store(mode)
	m.log.Info("mode switched", "mode", mode, "user", user)
	return nil
}
