package portal

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

// stockRows bounds each table of the stock page; the SKU filter finds the rest.
const stockRows = 500

type sentRow struct {
	erp.InventorySent
	Location string
}

type stockData struct {
	Configured bool
	TestMode   bool
	SKU        string
	Sent       []sentRow
	SentTotal  int
	WouldSend  []sentRow
	WouldTotal int
	Drift      DriftReport
	DriftRows  []driftRow
	DriftTotal int
	// DriftOld says the last check is more than a day old: its rows may no longer hold.
	DriftOld bool
}

// driftRow is one level of the last stock check, with what passthrough sent for it since:
// a level sent after the check may no longer drift.
type driftRow struct {
	DriftRow
	SentAt    time.Time
	SentSince bool
}

// stockPage shows what Shopify last got per SKU and location, the would-send list in test
// mode (levels recorded as dry runs), and the last stock check's drift.
func (s *Server) stockPage(c *echo.Context) error {
	ctx := c.Request().Context()
	st := storeOf(c)
	data := stockData{Configured: st.Stock != nil, TestMode: st.mode() == "test", SKU: strings.TrimSpace(c.QueryParam("sku"))}
	match := func(sku string) bool {
		return data.SKU == "" || strings.HasPrefix(strings.ToLower(sku), strings.ToLower(data.SKU))
	}
	names := map[int64]string{}
	if st.Stock != nil {
		var err error
		if names, err = st.Stock.Locations(ctx); err != nil {
			return fmt.Errorf("list locations: %w", err)
		}
		if data.Drift, err = st.Stock.Drift(ctx); err != nil {
			return fmt.Errorf("read drift report: %w", err)
		}
		rows := data.Drift.Rows[:0:0]
		for _, r := range data.Drift.Rows {
			if match(r.SKU) {
				rows = append(rows, r)
			}
		}
		data.DriftTotal = len(rows)
		if len(rows) > stockRows {
			rows = rows[:stockRows]
		}
		data.Drift.Rows = rows
		data.DriftOld = !data.Drift.CheckedAt.IsZero() && s.now().Sub(data.Drift.CheckedAt) > 24*time.Hour
	}
	levels, err := s.d.Ledger.InventorySentList(ctx, st.Shop)
	if err != nil {
		return fmt.Errorf("list inventory sent: %w", err)
	}
	type level struct {
		sku string
		loc int64
	}
	sentAt := make(map[level]time.Time, len(levels))
	for _, l := range levels {
		sentAt[level{l.SKU, l.LocationID}] = l.SentAt
	}
	for _, r := range data.Drift.Rows {
		at := sentAt[level{r.SKU, r.LocationID}]
		data.DriftRows = append(data.DriftRows, driftRow{DriftRow: r, SentAt: at, SentSince: at.After(data.Drift.CheckedAt)})
	}
	sort.Slice(levels, func(i, j int) bool {
		if levels[i].SKU != levels[j].SKU {
			return levels[i].SKU < levels[j].SKU
		}
		return levels[i].LocationID < levels[j].LocationID
	})
	for _, l := range levels {
		if !match(l.SKU) {
			continue
		}
		r := sentRow{InventorySent: l, Location: names[l.LocationID]}
		if l.DryRun {
			data.WouldTotal++
			if len(data.WouldSend) < stockRows {
				data.WouldSend = append(data.WouldSend, r)
			}
			continue
		}
		data.SentTotal++
		if len(data.Sent) < stockRows {
			data.Sent = append(data.Sent, r)
		}
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "stock-body" {
		return s.renderPart(c, http.StatusOK, "stock", "body", data)
	}
	return s.render(c, http.StatusOK, "stock", "Stock", data)
}

// syncNow starts a full inventory pass now, outside the nightly schedule.
func (s *Server) syncNow(c *echo.Context) error {
	st := storeOf(c)
	if st.Stock == nil {
		return errNoService
	}
	u := userOf(c)
	err := st.Stock.SyncNow()
	switch {
	case err == nil:
		msg := "A full stock sync has started in the background. Its run shows on the Feeds page."
		if st.mode() == "test" {
			msg = "A full stock sync has started in the background; in test mode it records what it would send and sends nothing. Its run shows on the Feeds page."
		}
		s.setFlash(c, "good", msg)
		s.audit(c, actionStockSync, "inventory", "started")
	case errors.Is(err, feeds.ErrAlreadyRunning):
		s.setFlash(c, "warn", "A stock sync is already running"+where(err)+"; nothing new was started.")
	default:
		s.log.Error("sync stock now", "shop", st.Shop, "feed", "inventory", "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Could not start the stock sync; the reason has been logged.")
	}
	return c.Redirect(http.StatusSeeOther, "/stock")
}
