package portal

import (
	"net/http"

	"github.com/labstack/echo/v5"
)

type modeData struct {
	From, To string
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
	return s.render(c, http.StatusOK, "mode", "Switch to "+to+" mode", modeData{From: st.mode(), To: to})
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
	s.log.Info("mode switched", "shop", st.Shop, "mode", to, "user", u.Name)
	if to == "live" {
		s.setFlash(c, "good", "Live mode: shipments and stock are sent to Shopify from their next run.")
	} else {
		s.setFlash(c, "good", "Test mode: shipments and stock only record what they would send, from their next run.")
	}
	return c.Redirect(http.StatusSeeOther, "/feeds")
}
