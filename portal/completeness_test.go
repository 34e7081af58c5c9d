package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/record"
)

// storeCompleteness reads the days from the real store; Check is the test's.
type storeCompleteness struct {
	store interface {
		CompletenessList(ctx context.Context, shop string, limit int) ([]erp.CompletenessDay, error)
	}
	check func(ctx context.Context, day string) (erp.CompletenessDay, error)
	shop  string // testShop when empty
}

func (s *storeCompleteness) Days(ctx context.Context) ([]erp.CompletenessDay, error) {
	shop := s.shop
	if shop == "" {
		shop = testShop
	}
	return s.store.CompletenessList(ctx, shop, 0)
}

func (s *storeCompleteness) Check(ctx context.Context, day string) (erp.CompletenessDay, error) {
	return s.check(ctx, day)
}

func TestTheCompletenessPageShowsEachDayAndImportsOneNow(t *testing.T) {
	t.Parallel()
	halifax, err := time.LoadLocation("America/Halifax")
	require.NoError(t, err)
	var checked []string
	comp := &storeCompleteness{check: func(_ context.Context, day string) (erp.CompletenessDay, error) {
		checked = append(checked, day)
		return erp.CompletenessDay{Day: day, ShopifyOrders: 40, Missing: 2, Late: 1, Imported: 3}, nil
	}}
	f := newFixture(t, func(d *Deps) { d.Stores[0].Location, d.Stores[0].Completeness = halifax, comp })
	comp.store = f.store
	at := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	require.NoError(t, f.store.CompletenessPut(context.Background(), []erp.CompletenessDay{
		{Shop: testShop, Day: "2026-11-21", CheckedAt: at, ShopifyOrders: 52, Missing: 2, Late: 1, Imported: 3},
		{Shop: testShop, Day: "2026-11-20", CheckedAt: at, ShopifyOrders: 40},
	}))

	viewer := login(t, f.srv, "viewer")
	page := viewer.get("/completeness").Body.String()
	require.Contains(t, page, "day by day in the shop's time zone (America/Halifax)")
	row := page[strings.Index(page, `data-day="2026-11-21"`):]
	row = row[:strings.Index(row, "</tr>")]
	require.Contains(t, row, `<td class="num">52</td>`)
	require.Contains(t, row, `<span class="badge bad">2</span>`)
	require.Contains(t, row, "2026-11-22 03:00:00 AST", "when it was checked, on the shop's clock, with the zone")
	require.NotContains(t, page, "Import now", "a viewer only looks")
	require.Less(t, strings.Index(page, "2026-11-21"), strings.Index(page, "2026-11-20"), "the most recent day first")

	op := login(t, f.srv, "operator")
	require.Contains(t, op.get("/completeness").Body.String(), `data-import="2026-11-21"`)
	rec := op.submit("/completeness/2026-11-21", nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, []string{"2026-11-21"}, checked)
	require.Contains(t, op.get("/completeness").Body.String(), "2026-11-21: 2 missing and 1 late of 40 orders; 3 imported now.")
	require.Equal(t, http.StatusBadRequest, op.submit("/completeness/yesterday", nil).Code)
	require.Equal(t, http.StatusForbidden, viewer.submit("/completeness/2026-11-21", nil).Code)
}

// storeShipments are the real store's shipments test mode handled.
type storeShipments struct{ f *fixture }

func (s *storeShipments) List(ctx context.Context) ([]record.ShipmentRow, error) {
	return s.f.store.ShipmentListTest(ctx, testShop)
}

func (s *storeShipments) Release(ctx context.Context) (int, error) {
	return s.f.store.ShipmentRelease(ctx, testShop)
}

func TestGoingLiveListsWhatTestModeRecordedAndOffersToSendIt(t *testing.T) {
	t.Parallel()
	for _, send := range []bool{false, true} {
		m, ships := &modeHolder{mode: "test"}, &storeShipments{}
		f := newFixture(t, func(d *Deps) { d.Stores[0].ModeSwitch, d.Stores[0].TestShipments = m, ships })
		ships.f = f
		_, err := f.store.DB().ExecContext(context.Background(), `INSERT INTO external_order_shipments
			(shipment_id, line_no, shop, web_order_id, item_code, quantity, tracking_number, carrier, sync_status, sync_error)
			VALUES ('SH-7', 1, ?, 450789469, 'TS-001', 2, '1Z999', 'UPS', 'test', 'would send 2 × TS-001')`, testShop)
		require.NoError(t, err)

		admin := login(t, f.srv, "admin")
		page := admin.get("/mode?to=live").Body.String()
		require.Contains(t, page, "Shipments recorded in test mode")
		require.Contains(t, page, "<td>SH-7</td><td>1</td><td>450789469</td><td>TS-001</td>")
		require.Contains(t, page, `name="send_test_shipments" value="yes"`)

		form := url.Values{"mode": {"live"}}
		if send {
			form.Set("send_test_shipments", "yes")
		}
		require.Equal(t, http.StatusSeeOther, admin.submit("/mode", form).Code)
		require.Equal(t, "live", m.Mode())
		rows, err := f.store.ShipmentListTest(context.Background(), testShop)
		require.NoError(t, err)
		unsent, err := f.store.ShipmentListUnsent(context.Background(), erp.ShipmentListUnsentParams{Shop: testShop})
		require.NoError(t, err)
		if send {
			require.Empty(t, rows)
			require.Len(t, unsent, 1, "the shipments feed sends it on its next run")
			require.Contains(t, admin.get("/feeds").Body.String(), "with the 1 shipment rows recorded in test mode")
		} else {
			require.Len(t, rows, 1, "left as test mode left it")
			require.Empty(t, unsent)
		}
	}
}

// lockedBy is the refusal of a run while another process holds the feed's lock.
func lockedBy(shop, feed string) error {
	return fmt.Errorf("%w: %w", feeds.ErrAlreadyRunning, &erp.LockedError{Holder: erp.Lock{Shop: shop, Name: feed,
		Owner: erp.Owner{ID: "1f3a9c02-aaaa", Host: "web-2", PID: 4711}, AcquiredAt: time.Date(2026, 11, 22, 6, 59, 0, 0, time.UTC)}})
}

func TestTheCompletenessPageFollowsTheStoreSwitcher(t *testing.T) {
	t.Parallel()
	halifax, err := time.LoadLocation("America/Halifax")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	var checked []string
	checkOf := func(shop string) func(context.Context, string) (erp.CompletenessDay, error) {
		return func(_ context.Context, day string) (erp.CompletenessDay, error) {
			checked = append(checked, shop+"/"+day)
			if shop == otherShop {
				return erp.CompletenessDay{}, lockedBy(shop, feeds.FeedOrders)
			}
			return erp.CompletenessDay{Day: day, ShopifyOrders: 7}, nil
		}
	}
	acme := &storeCompleteness{check: checkOf(testShop)}
	globex := &storeCompleteness{check: checkOf(otherShop), shop: otherShop}
	f := newFixture(t, func(d *Deps) {
		d.Stores[0].Location, d.Stores[0].Completeness = halifax, acme
		d.Stores = append(d.Stores, Store{Shop: otherShop, Mode: "live", Location: tokyo, Completeness: globex})
	})
	acme.store, globex.store = f.store, f.store
	at := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC)
	require.NoError(t, f.store.CompletenessPut(context.Background(), []erp.CompletenessDay{
		{Shop: testShop, Day: "2026-11-21", CheckedAt: at, ShopifyOrders: 52},
		{Shop: otherShop, Day: "2026-11-19", CheckedAt: at, ShopifyOrders: 9},
	}))

	op := login(t, f.srv, "operator")
	page := op.get("/completeness").Body.String()
	require.Contains(t, page, "(America/Halifax)")
	require.Contains(t, page, `data-day="2026-11-21"`)
	require.NotContains(t, page, `data-day="2026-11-19"`, "globex's days are not acme's")
	require.Contains(t, page, "2026-11-22 03:00:00 AST", "acme's times on acme's clock")

	rec := op.get("/store?store=globex&back=/completeness")
	require.Equal(t, "/completeness", rec.Header().Get("Location"), "the switcher stays on the completeness page")
	page = op.get("/completeness").Body.String()
	require.Contains(t, page, "(Asia/Tokyo)")
	require.Contains(t, page, `data-day="2026-11-19"`)
	require.NotContains(t, page, `data-day="2026-11-21"`)
	require.Contains(t, page, "2026-11-22 16:00:00 JST", "globex's times on globex's clock")
	require.Contains(t, page, `<input type="hidden" name="store" value="globex"><button type="submit" data-import="2026-11-19">`,
		"the form says which store it is for")

	op.get("/store?store=acme") // another tab switched to acme since
	require.Equal(t, http.StatusSeeOther, op.submit("/completeness/2026-11-19", url.Values{"store": {otherShop}}).Code)
	require.Equal(t, []string{"globex/2026-11-19"}, checked, "globex's check, as the form was")
	page = op.get("/completeness?store=globex").Body.String()
	require.Contains(t, page, "The orders feed is running in web-2 pid 4711 (instance 1f3a9c02) since 2026-11-22 06:59:00 UTC; nothing was checked.",
		"a check refused while the orders feed runs says where it runs")
	require.NotContains(t, page, "reason has been logged")
}

func TestGoingLiveSaysWhenTheShipmentsFeedKeepsTheTestShipments(t *testing.T) {
	t.Parallel()
	m := &modeHolder{mode: "test"}
	busy := &busyShipments{}
	f := newFixture(t, func(d *Deps) { d.Stores[0].ModeSwitch, d.Stores[0].TestShipments = m, busy })
	admin := login(t, f.srv, "admin")
	admin.get("/mode?to=live")
	rec := admin.submit("/mode", url.Values{"mode": {"live"}, "send_test_shipments": {"yes"}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "live", m.Mode(), "the mode is switched whatever the shipments feed does")
	page := admin.get("/feeds").Body.String()
	require.Contains(t, page, "Live mode, but the shipments feed is running in web-2 pid 4711 (instance 1f3a9c02) since 2026-11-22 06:59:00 UTC, "+
		"so the shipments recorded in test mode were not set to send")
}

// busyShipments are test shipments whose feed another process is running.
type busyShipments struct{}

func (busyShipments) List(context.Context) ([]record.ShipmentRow, error) {
	return []record.ShipmentRow{{ShipmentID: "SH-1", LineNo: 1}}, nil
}

func (busyShipments) Release(context.Context) (int, error) {
	return 0, lockedBy(testShop, feeds.FeedShipments)
}
