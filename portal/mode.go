package portal

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/record"
)

// mode is the store's mode now.
func (s *Server) mode() string {
	if s.d.ModeSwitch != nil {
		return s.d.ModeSwitch.Mode()
	}
	return s.d.Mode
}

type modeData struct {
	From, To string
	// Shipments are those test mode handled, which going live offers to send.
	Shipments []record.ShipmentRow
}

// modeConfirm asks an admin to confirm a change of mode, with a plain form.
func (s *Server) modeConfirm(c *echo.Context) error {
	if s.d.ModeSwitch == nil {
		return errNoService
	}
	to := c.QueryParam("to")
	if to != "test" && to != "live" {
		return echo.NewHTTPError(http.StatusBadRequest, "The mode is test or live.")
	}
	data := modeData{From: s.mode(), To: to}
	if to == "live" && s.d.TestShipments != nil {
		var err error
		if data.Shipments, err = s.d.TestShipments.List(c.Request().Context()); err != nil {
			return fmt.Errorf("list test shipments: %w", err)
		}
	}
	return s.render(c, http.StatusOK, "mode", "Switch to "+to+" mode", data)
}

// setMode switches the store between test and live mode.
func (s *Server) setMode(c *echo.Context) error {
	if s.d.ModeSwitch == nil {
		return errNoService
	}
	to := c.FormValue("mode")
	if to != "test" && to != "live" {
		return echo.NewHTTPError(http.StatusBadRequest, "The mode is test or live.")
	}
	u := userOf(c)
	if err := s.d.ModeSwitch.SetMode(c.Request().Context(), to, u.Name); err != nil {
		s.log.Error("switch mode", "mode", to, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Could not switch to "+to+" mode; the reason has been logged.")
		return c.Redirect(http.StatusSeeOther, "/feeds")
	}
	s.log.Info("mode switched", "mode", to, "user", u.Name)
	if to == "live" && c.FormValue("send_test_shipments") == "yes" && s.d.TestShipments != nil {
		n, err := s.d.TestShipments.Release(c.Request().Context())
		if err != nil {
			s.log.Error("release test shipments", "user", u.Name, "err", err)
			s.setFlash(c, "bad", "Live mode, but the shipments recorded in test mode could not be set to send; the reason has been logged.")
			return c.Redirect(http.StatusSeeOther, "/feeds")
		}
		s.log.Info("test shipments released", "rows", n, "user", u.Name)
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
