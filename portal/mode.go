package portal

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/record"
)

type modeData struct {
	From, To string
	// Shipments are those test mode handled, which going live offers to send.
	Shipments []record.ShipmentRow
}

// modeConfirm asks an admin to confirm a change of mode, with a plain form.
func (s *Server) modeConfirm(c *echo.Context) error {
	st := storeOf(c)
	if st.ModeSwitch == nil {
		return errNoService
	}
	to := c.QueryParam("to")
	if to != "test" && to != "live" {
		return echo.NewHTTPError(http.StatusBadRequest, "The mode is test or live.")
	}
	data := modeData{From: st.mode(), To: to}
	if to == "live" && st.TestShipments != nil {
		var err error
		if data.Shipments, err = st.TestShipments.List(c.Request().Context()); err != nil {
			return fmt.Errorf("list test shipments of %s: %w", st.Shop, err)
		}
	}
	return s.render(c, http.StatusOK, "mode", "Switch to "+to+" mode", data)
}

// setMode switches the store between test and live mode.
func (s *Server) setMode(c *echo.Context) error {
	st := storeOf(c)
	if st.ModeSwitch == nil {
		return errNoService
	}
	to := c.FormValue("mode")
	if to != "test" && to != "live" {
		return echo.NewHTTPError(http.StatusBadRequest, "The mode is test or live.")
	}
	u := userOf(c)
	if err := st.ModeSwitch.SetMode(c.Request().Context(), to, u.Name); err != nil {
		s.log.Error("switch mode", "shop", st.Shop, "mode", to, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Could not switch to "+to+" mode; the reason has been logged.")
		return c.Redirect(http.StatusSeeOther, "/feeds")
	}
	s.audit(c, actionModeSet, "store "+st.Shop, "switched to "+to+" mode")
	if to == "live" && c.FormValue("send_test_shipments") == "yes" && st.TestShipments != nil {
		n, err := st.TestShipments.Release(c.Request().Context())
		switch {
		case errors.Is(err, feeds.ErrAlreadyRunning):
			s.setFlash(c, "warn", "Live mode, but the shipments feed is running"+where(err)+
				", so the shipments recorded in test mode were not set to send; switch to live mode again once it ends to send them.")
			return c.Redirect(http.StatusSeeOther, "/feeds")
		case err != nil:
			s.log.Error("release test shipments", "shop", st.Shop, "user", u.Name, "err", err)
			s.setFlash(c, "bad", "Live mode, but the shipments recorded in test mode could not be set to send; the reason has been logged.")
			return c.Redirect(http.StatusSeeOther, "/feeds")
		}
		s.audit(c, actionModeSet, "store "+st.Shop, fmt.Sprintf("live mode: %d shipment rows recorded in test mode set to send", n))
		s.setFlash(c, "good", fmt.Sprintf("Live mode: shipments and stock are sent to Shopify from their next run, with the %d shipment rows recorded in test mode.", n))
		return c.Redirect(http.StatusSeeOther, "/feeds")
	}
	if to == "live" {
		s.setFlash(c, "good", "Live mode: shipments and stock are sent to Shopify from their next run.")
	} else {
		s.setFlash(c, "good", "Test mode: shipments and stock only record what they would send, from their next run.")
	}
	return c.Redirect(http.StatusSeeOther, "/feeds")
}
