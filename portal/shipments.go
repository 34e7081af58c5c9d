package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/record"
)

// shipmentView is one shipment of external_order_shipments as the portal shows it: its rows
// (one per item shipped), what passthrough wrote back on them, and the fulfillments it made.
type shipmentView struct {
	ID      string
	OrderID int64
	Rows    []record.ShipmentRow
	// Tracking, Carrier, TrackingURL and ShipDate are the first row's: a shipment has one.
	Tracking    string
	Carrier     string
	TrackingURL string
	ShipDate    time.Time
	Status      string // sync status; "unsent" for NULL
	Error       string // why it was refused, or what test mode would have sent
	SyncedAt    time.Time
	Made        []erp.ShipmentFulfillment
	// Retriable says Retry makes sense: refused (error) or handled in test mode.
	Retriable bool
}

// shipmentViews reads the shipments p selects, with the fulfillments they made.
func (s *Server) shipmentViews(c *echo.Context, p erp.ShipmentListParams) ([]shipmentView, error) {
	ctx := c.Request().Context()
	rows, err := s.d.Ledger.ShipmentList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list shipments: %w", err)
	}
	var out []shipmentView
	var ids []string
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].ID == r.ShipmentID {
			out[n-1].Rows = append(out[n-1].Rows, r)
			continue
		}
		status := r.SyncStatus
		if status == "" {
			status = erp.ShipmentUnsent
		}
		out = append(out, shipmentView{ID: r.ShipmentID, OrderID: r.WebOrderID, Rows: []record.ShipmentRow{r},
			Tracking: r.TrackingNumber, Carrier: r.Carrier, TrackingURL: safeURL(r.TrackingURL), ShipDate: r.ShipDate,
			Status: status, Error: r.SyncError, SyncedAt: r.SyncedAt,
			Retriable: status == erp.ShipmentError || status == erp.ShipmentTest})
		ids = append(ids, r.ShipmentID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	made, err := s.d.Ledger.ShipmentFulfillmentList(ctx, p.Shop, ids)
	if err != nil {
		return nil, fmt.Errorf("list fulfillments: %w", err)
	}
	for i := range out {
		for _, f := range made {
			if f.ShipmentID == out[i].ID {
				out[i].Made = append(out[i].Made, f)
			}
		}
	}
	return out, nil
}

// safeURL keeps a tracking link only when it is http(s): the ERP's text becomes a link.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// shipmentStatuses are the filters the shipments page offers.
var shipmentStatuses = []string{erp.ShipmentUnsent, erp.ShipmentSent, erp.ShipmentError, erp.ShipmentTest, erp.ShipmentSkipped}

const shipmentsPerPage = 50

type shipmentsData struct {
	Status     string
	Order      string
	Shipment   string
	Statuses   []string
	Shipments  []shipmentView
	NextURL    string
	Problems   []string
	Configured bool
}

// shipmentsPage lists every shipment the ERP wrote into external_order_shipments, highest id
// first: its status, its error, the fulfillment it made, and Retry where that makes sense.
func (s *Server) shipmentsPage(c *echo.Context) error {
	st := storeOf(c)
	data := shipmentsData{Status: c.QueryParam("status"), Order: strings.TrimSpace(c.QueryParam("order")),
		Shipment: strings.TrimSpace(c.QueryParam("shipment")), Statuses: shipmentStatuses, Configured: st.Shipments != nil}
	p := erp.ShipmentListParams{Shop: st.Shop, Status: data.Status, ShipmentID: data.Shipment, Before: c.QueryParam("before"),
		Limit: shipmentsPerPage + 1}
	if data.Status != "" && !slices.Contains(shipmentStatuses, data.Status) {
		data.Problems = append(data.Problems, fmt.Sprintf("%q is not a shipment status", data.Status))
	}
	if data.Order != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(data.Order, "#"), 10, 64)
		if err != nil || id <= 0 {
			data.Problems = append(data.Problems, "the order is its Shopify id, a number")
		}
		p.OrderID = id
	}
	status := http.StatusOK
	if len(data.Problems) > 0 {
		status = http.StatusBadRequest
	} else {
		views, err := s.shipmentViews(c, p)
		if err != nil {
			return err
		}
		if len(views) > shipmentsPerPage {
			views = views[:shipmentsPerPage]
			v := url.Values{"before": {views[len(views)-1].ID}}
			for k, val := range map[string]string{"status": data.Status, "order": data.Order, "shipment": data.Shipment} {
				if val != "" {
					v.Set(k, val)
				}
			}
			data.NextURL = "/shipments?" + v.Encode()
		}
		data.Shipments = views
	}
	return s.render(c, status, "shipments", "Shipments", data)
}

// shipmentRetry sends a refused (or test-mode) shipment again: its rows become unsent, and
// a run of the shipments feed starts now, so the person sees what became of it.
func (s *Server) shipmentRetry(c *echo.Context) error {
	st := storeOf(c)
	if st.Shipments == nil {
		return errNoService
	}
	id := c.Param("id")
	back := "/shipments?" + url.Values{"shipment": {id}}.Encode()
	if o := c.FormValue("back"); o == "order" {
		if oid, err := strconv.ParseInt(c.FormValue("order"), 10, 64); err == nil && oid > 0 {
			back = fmt.Sprintf("/orders/%d", oid)
		}
	}
	u := userOf(c)
	n, err := st.Shipments.Retry(c.Request().Context(), id)
	switch {
	case errors.Is(err, erp.ErrNotFound):
		s.setFlash(c, "warn", "Shipment "+id+" was not retried: it is not marked error or test (it is unsent, sent or skipped, or not there).")
		return c.Redirect(http.StatusSeeOther, back)
	case err != nil:
		s.log.Error("retry shipment", "shop", st.Shop, "shipment", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Retrying shipment "+id+" failed on our side; it has been logged. Try again later.")
		return c.Redirect(http.StatusSeeOther, back)
	}
	msg := fmt.Sprintf("Shipment %s (%d rows) is unsent again", id, n)
	switch {
	case s.d.Feeds == nil:
		msg += "; the next run of the shipments feed sends it."
	default:
		switch err := s.d.Feeds.RunNow(st.Shop, feeds.FeedShipments); {
		case err == nil:
			msg += "; the shipments feed runs now to send it."
		case errors.Is(err, feeds.ErrAlreadyRunning):
			msg += "; the shipments feed is running" + where(err) + ", and its next run sends it."
		default:
			s.log.Warn("start the shipments feed after a retry", "shop", st.Shop, "err", err)
			msg += "; the next run of the shipments feed sends it."
		}
	}
	s.setFlash(c, "good", msg)
	s.audit(c, actionShipmentRetry, "shipment "+id, fmt.Sprintf("%d rows set to unsent", n))
	return c.Redirect(http.StatusSeeOther, back)
}
