package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

// Completeness is the orders' daily completeness check: per day, the orders Shopify has
// against those passthrough has seen. The orders feed implements Check, the store Days.
type Completeness interface {
	// Days are the checked days, the most recent first.
	Days(ctx context.Context) ([]erp.CompletenessDay, error)
	// Check checks one day (YYYY-MM-DD, in the shop's time zone) now, and imports by id what
	// passthrough misses of it: the page's "Import now". It runs under the orders feed's
	// lock: an error wrapping feeds.ErrAlreadyRunning while the feed runs anywhere.
	Check(ctx context.Context, day string) (erp.CompletenessDay, error)
}

type completenessData struct {
	Configured bool
	Days       []erp.CompletenessDay
	Zone       string
}

// completenessPage shows the completeness check's counts per day.
func (s *Server) completenessPage(c *echo.Context) error {
	st := storeOf(c)
	data := completenessData{Configured: st.Completeness != nil, Zone: st.Location.String()}
	if st.Completeness != nil {
		var err error
		if data.Days, err = st.Completeness.Days(c.Request().Context()); err != nil {
			return fmt.Errorf("list completeness of %s: %w", st.Shop, err)
		}
	}
	return s.render(c, http.StatusOK, "completeness", "Completeness", data)
}

// completenessImport checks one day now and imports what is missing of it.
func (s *Server) completenessImport(c *echo.Context) error {
	st := storeOf(c)
	if st.Completeness == nil {
		return errNoService
	}
	day := c.Param("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The day is a date, YYYY-MM-DD.")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Minute)
	defer cancel()
	d, err := st.Completeness.Check(ctx, day)
	switch {
	case errors.Is(err, feeds.ErrAlreadyRunning):
		s.setFlash(c, "warn", "The orders feed is running"+where(err)+"; nothing was checked. Import "+day+" again once it ends.")
	case errors.Is(err, context.DeadlineExceeded):
		s.setFlash(c, "bad", "Checking "+day+" took too long; the next daily check goes on from where it got.")
	case err != nil:
		s.log.Error("check completeness", "shop", st.Shop, "day", day, "err", err)
		s.setFlash(c, "bad", "Could not check "+day+"; the reason has been logged.")
	case d.Missing+d.Late == 0:
		s.setFlash(c, "good", fmt.Sprintf("%s: all %d orders Shopify has are here.", day, d.ShopifyOrders))
		s.audit(c, actionCompleteness, "day "+day, "nothing missing")
	default:
		s.setFlash(c, "good", fmt.Sprintf("%s: %d missing and %d late of %d orders; %d imported now.", day, d.Missing, d.Late, d.ShopifyOrders, d.Imported))
		s.audit(c, actionCompleteness, "day "+day, fmt.Sprintf("%d missing, %d late, %d imported", d.Missing, d.Late, d.Imported))
	}
	return c.Redirect(http.StatusSeeOther, "/completeness")
}
