package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough"
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
}

func (m *mappingFiles) Files(context.Context) ([]portal.MappingFile, error) {
	var out []portal.MappingFile
	for _, f := range m.dir.Files() {
		pf := portal.MappingFile{Name: f.Name, Source: string(f.Source), Version: f.Version, SavedAt: f.SavedAt, SavedBy: f.SavedBy}
		if f.Problems != nil {
			pf.Problems = f.Problems.Error()
		}
		out = append(out, pf)
	}
	return out, nil
}

func (m *mappingFiles) Save(_ context.Context, name string, src []byte, user string) error {
	return m.dir.Save(name, src, user, m.now())
}

func (m *mappingFiles) Versions(_ context.Context, name string) ([]portal.MappingVersion, error) {
	vs, err := m.dir.Versions(name)
	if err != nil {
		return nil, err
	}
	out := make([]portal.MappingVersion, len(vs))
	for i, v := range vs {
		out[i] = portal.MappingVersion{Version: v.Version, SavedAt: v.SavedAt, SavedBy: v.SavedBy, Source: v.Source}
	}
	return out, nil
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
