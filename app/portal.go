package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/portal"
)

// mappingFiles is the mapping folder as the portal's mapping pages use it.
type mappingFiles struct {
	dir  *mapping.Dir
	shop string
	zone string // the shop's time zone, for local()
	now  func() time.Time
	// columns are the database's tables, which a save checks the target columns against.
	columns erp.Staging
}

func (m *mappingFiles) Files(context.Context) ([]portal.MappingFile, error) {
	var out []portal.MappingFile
	for _, f := range m.dir.Files() {
		out = append(out, portal.MappingFile{Name: f.Name, Source: string(f.Source), Version: f.Version, SavedAt: f.SavedAt, SavedBy: f.SavedBy,
			Problems: f.Problems})
	}
	return out, nil
}

// Check runs the checks `passthrough mapping check --config` runs (CheckMappings): the
// file compiles, and its target columns fit the tables as the database has them now.
func (m *mappingFiles) Check(ctx context.Context, name string, src []byte) error {
	set, err := mapping.Parse(filepath.Join(m.dir.Path(), name), src)
	if err != nil {
		return err
	}
	return m.checkColumns(ctx, set)
}

func (m *mappingFiles) checkColumns(ctx context.Context, set *mapping.Set) error {
	return mapping.CheckColumns(ctx, set, columnsNow{m.columns})
}

// Save saves a text that passes Check; a restore is a save of an earlier version's text.
func (m *mappingFiles) Save(ctx context.Context, s portal.MappingSave) error {
	return m.dir.SaveWith(mapping.SaveParams{Name: s.Name, Source: s.Source, User: s.User, At: m.now(), RestoredFrom: s.RestoredFrom,
		Check: func(set *mapping.Set) error { return m.checkColumns(ctx, set) }})
}

func (m *mappingFiles) Versions(_ context.Context, name string) ([]portal.MappingVersion, error) {
	vs, err := m.dir.Versions(name)
	if err != nil {
		return nil, err
	}
	out := make([]portal.MappingVersion, len(vs))
	for i, v := range vs {
		out[i] = portal.MappingVersion{Version: v.Version, SavedAt: v.SavedAt, SavedBy: v.SavedBy, Source: v.Source, RestoredFrom: v.RestoredFrom}
	}
	return out, nil
}

// columnsNow reads the tables' columns from the database at each check, so a column the
// ERP added for a mapping is seen without a restart (and staged with, after the save).
type columnsNow struct{ s erp.Staging }

func (c columnsNow) TableColumns(ctx context.Context, table string) ([]passthrough.Column, error) {
	return c.s.TableColumnsNow(ctx, table)
}

// Preview maps one record with the saved file, or with src when the person is trying a
// draft: a Shopify order for orders.yaml, a shipment or a stock row (as JSON) for the
// others.
func (m *mappingFiles) Preview(_ context.Context, name string, src, raw []byte) (portal.Preview, error) {
	set := m.dir.Set()
	if src != nil {
		var err error
		if set, err = mapping.Parse(filepath.Join(m.dir.Path(), name), src); err != nil {
			return portal.Preview{}, err
		}
	}
	tables, err := set.Preview(mapping.PreviewInput{Feed: strings.TrimSuffix(name, ".yaml"), Raw: raw, Shop: m.shop, Now: m.now().UTC(), TimeZone: m.zone})
	var re *passthrough.RecordError
	if errors.As(err, &re) {
		return portal.Preview{Rejected: re}, nil
	}
	if err != nil {
		return portal.Preview{}, err
	}
	return portal.Preview{Tables: tables}, nil
}

// stockPage is the inventory feed as the portal's stock page uses it; Sync now runs the
// full pass through the scheduler, so it never overlaps a scheduled run, in any process.
type stockPage struct {
	*feeds.Inventory
	sched *feeds.Scheduler
}

func (p stockPage) SyncNow() error { return p.sched.RunNow(p.Shop, TaskInventoryFull) }
