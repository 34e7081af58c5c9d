package app

import (
	"context"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// DryRunRecord is one ledger entry a dry run would have written.
type DryRunRecord = ledger.Entry

// dryRunStore is the store of `passthrough run --dry-run`: it reads for real and writes
// nothing, keeping what it would have written so the command can show it.
type dryRunStore struct {
	erp.Store

	mu    sync.Mutex
	would []DryRunRecord
}

func (d *dryRunStore) keep(e ledger.Entry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e.Payload = nil
	d.would = append(d.would, e)
}

func (d *dryRunStore) OrderStage(_ context.Context, p erp.OrderStageParams) error {
	p.Ledger.Status = ledger.StatusStaged
	d.keep(p.Ledger)
	return nil
}

func (d *dryRunStore) OrderHeaderUpdate(_ context.Context, p erp.OrderHeaderUpdateParams) error {
	d.keep(p.Ledger)
	return nil
}

func (d *dryRunStore) RefundStage(_ context.Context, p erp.RefundStageParams) error {
	d.keep(p.Ledger)
	return nil
}

func (d *dryRunStore) CompletenessPut(context.Context, []erp.CompletenessDay) error { return nil }

func (d *dryRunStore) LedgerPut(_ context.Context, e ledger.Entry) error {
	d.keep(e)
	return nil
}

func (d *dryRunStore) WatermarkSet(context.Context, string, string, time.Time) error { return nil }

func (d *dryRunStore) SettingSet(context.Context, string, string) error { return nil }

func (d *dryRunStore) ExecutionStart(_ context.Context, p erp.ExecutionStartParams) (erp.Execution, error) {
	return erp.Execution{Feed: p.Feed, Shop: p.Shop, Trigger: p.Trigger, StartedAt: p.At, Outcome: erp.OutcomeRunning}, nil
}

func (d *dryRunStore) ExecutionFinish(context.Context, erp.ExecutionFinishParams) error { return nil }

func (d *dryRunStore) ProblemAdd(context.Context, erp.Problem) error { return nil }

func (d *dryRunStore) InventorySentPut(context.Context, []erp.InventorySent) error { return nil }

func (d *dryRunStore) ShipmentMark(context.Context, erp.ShipmentMarkParams) error { return nil }

func (d *dryRunStore) ShipmentFulfillmentAdd(context.Context, erp.ShipmentFulfillment) error {
	return nil
}

func (d *dryRunStore) ProblemResolve(context.Context, erp.ProblemResolveParams) (int, error) {
	return 0, nil
}

func (d *dryRunStore) LedgerEventAdd(context.Context, ledger.Event) error { return nil }

func (d *dryRunStore) ExecutionCloseStale(context.Context, erp.ExecutionCloseStaleParams) (int, error) {
	return 0, nil
}

// ShipmentClaim claims nothing: a dry run sends nothing to Shopify, so there is nothing to
// keep other processes from.
func (d *dryRunStore) ShipmentClaim(_ context.Context, p erp.LockParams) (erp.Lock, error) {
	return erp.Lock{Shop: p.Shop, Name: p.Name, Owner: p.Owner, Token: p.Token}, nil
}

func (d *dryRunStore) ShipmentClaimRelease(context.Context, erp.Lock) error { return nil }

func (d *dryRunStore) ShipmentRelease(context.Context, string) (int, error) { return 0, nil }

// DryRun lists what a dry run would have written, in the order it came.
func (a *App) DryRun() []DryRunRecord {
	d, ok := a.Store.(*dryRunStore)
	if !ok {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DryRunRecord(nil), d.would...)
}
