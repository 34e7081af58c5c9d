package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The bell in the navigation counts a store's news a user has not seen: error classes first
// seen since they last looked (a new way for records to fail that needs a person; classes of
// severity retry fix themselves, info classes are business rules) and runs that failed since. It opens the list (/notifications), which
// links each to its class or its run. Seeing the list does not mark it read — a GET changes
// nothing, and a glance is not a read — its "Mark as read" button does, with a POST that
// carries the CSRF token and the time the list was shown, so what came in after that stays
// unread. When each user last looked at each store is kept in the database (erp.Overview),
// so it holds in every replica and after a restart.

const (
	// newsLimit bounds each kind of news read for the bell: past it the bell says "100+".
	newsLimit = 100
	// newsFirst is how far back the news go for a user who never marked any read.
	newsFirst = 7 * 24 * time.Hour
)

// news are a store's news a user has not seen.
type news struct {
	// Since is when the user last marked the news read (or newsFirst ago).
	Since   time.Time
	Classes []erp.ProblemClass
	Runs    []erp.Execution
	// More says there are more than newsLimit of a kind.
	More bool
}

// Count is how many there are.
func (n news) Count() int { return len(n.Classes) + len(n.Runs) }

// Label is the bell's number: "3", or "100+".
func (n news) Label() string {
	if n.More {
		return fmt.Sprintf("%d+", n.Count())
	}
	return fmt.Sprint(n.Count())
}

// news reads what a user has not seen of a store.
func (s *Server) news(ctx context.Context, u *user, st *Store) (news, error) {
	n := news{Since: s.now().Add(-newsFirst)}
	seen, err := s.d.Overview.NoticeSeenGet(ctx, u.Name, st.Shop)
	switch {
	case err == nil:
		n.Since = seen
	case !errors.Is(err, erp.ErrNotFound):
		return n, fmt.Errorf("read when %s last looked: %w", u.Name, err)
	}
	n.Classes, err = s.d.Ledger.ProblemClassList(ctx, erp.ProblemClassListParams{Shop: st.Shop, Severity: passthrough.SeverityError,
		Since: n.Since, Limit: newsLimit})
	if err != nil {
		return n, fmt.Errorf("list new error classes: %w", err)
	}
	n.Runs, err = s.d.Overview.ExecutionFailedList(ctx, erp.ExecutionFailedListParams{Shop: st.Shop, Since: n.Since, Until: s.now(), Limit: newsLimit})
	if err != nil {
		return n, fmt.Errorf("list failed runs: %w", err)
	}
	slices.Reverse(n.Runs) // the latest first
	n.More = len(n.Classes) == newsLimit || len(n.Runs) == newsLimit
	return n, nil
}

// bell is the news for the navigation of the page c shows; nil when there is no user or
// store, no Overview, or the news cannot be read (which is logged: a page is still shown).
func (s *Server) bell(c *echo.Context) *news {
	u, st := userOf(c), storeOf(c)
	if u == nil || st == nil || s.d.Overview == nil {
		return nil
	}
	n, err := s.news(c.Request().Context(), u, st)
	if err != nil {
		s.log.Warn("read the bell's news", "user", u.Name, "shop", st.Shop, "err", err)
		return nil
	}
	return &n
}

type notificationsData struct {
	News news
	// Upto is the time the list was read, which "Mark as read" marks read up to.
	Upto string
}

func (s *Server) notificationsPage(c *echo.Context) error {
	if s.d.Overview == nil {
		return errNoService
	}
	now := s.now()
	n, err := s.news(c.Request().Context(), userOf(c), storeOf(c))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "notifications", "Notifications", notificationsData{News: n, Upto: now.UTC().Format(time.RFC3339Nano)})
}

// markRead marks a store's news read for the user, up to the time the list was shown: never
// later than now, and never back before an earlier mark (a list left open in another tab).
func (s *Server) markRead(c *echo.Context) error {
	if s.d.Overview == nil {
		return errNoService
	}
	ctx, u, st := c.Request().Context(), userOf(c), storeOf(c)
	now := s.now()
	upto, err := time.Parse(time.RFC3339Nano, c.FormValue("upto"))
	if err != nil || upto.After(now) {
		upto = now
	}
	seen, err := s.d.Overview.NoticeSeenGet(ctx, u.Name, st.Shop)
	switch {
	case err == nil && !seen.Before(upto):
		upto = seen
	case err != nil && !errors.Is(err, erp.ErrNotFound):
		return fmt.Errorf("read when %s last looked: %w", u.Name, err)
	}
	if err := s.d.Overview.NoticeSeenSet(ctx, u.Name, st.Shop, upto); err != nil {
		return fmt.Errorf("mark the news read: %w", err)
	}
	s.setFlash(c, "good", "Marked as read: the bell counts what comes after "+fmtTime(st.Location, upto)+".")
	return c.Redirect(http.StatusSeeOther, "/notifications")
}
