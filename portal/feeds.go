package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/webhooks"
)

const executionsPerPage = 50

type taskRow struct {
	feeds.TaskStatus
	Mode string
	Last *erp.Execution // the feed's latest execution, nil before the first
	// Holder is the lock of the task's feed while a run holds it, in whichever process.
	Holder *erp.Lock
}

type feedsData struct {
	Configured bool
	Tasks      []taskRow
	Feed       string // the history's filter; "" for every feed
	FeedNames  []string
	Executions []erp.Execution
	NextURL    string
	// Poll makes the page ask again every few seconds while something runs or was just
	// started, so a run shows up without a reload.
	Poll bool
	// Webhooks is whether the store's webhooks are flowing; nil when the store says nothing.
	Webhooks *webhooks.Health
}

// feedsData gathers the tasks with their last runs and one page of the execution history.
func (s *Server) feedsData(c *echo.Context) (feedsData, error) {
	ctx := c.Request().Context()
	st := storeOf(c)
	data := feedsData{Configured: s.d.Feeds != nil, Feed: c.QueryParam("feed")}
	var before int64
	if b := c.QueryParam("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return data, echo.NewHTTPError(http.StatusBadRequest, "The page position in the address is damaged.")
		}
		before = n
	}
	last := map[string]*erp.Execution{}
	held := map[string]*erp.Lock{}
	if s.d.Feeds != nil {
		locks, err := s.d.Ledger.LockList(ctx, st.Shop)
		if err != nil {
			return data, fmt.Errorf("list feed locks: %w", err)
		}
		for i := range locks {
			held[locks[i].Name] = &locks[i]
		}
		for _, t := range s.d.Feeds.Status() {
			if t.Shop != st.Shop {
				continue
			}
			if _, seen := last[t.Feed]; !seen {
				runs, err := s.d.Ledger.ExecutionList(ctx, erp.ExecutionListParams{Shop: st.Shop, Feed: t.Feed, Limit: 1})
				if err != nil {
					return data, fmt.Errorf("list executions of %s: %w", t.Feed, err)
				}
				last[t.Feed] = nil
				if len(runs) > 0 {
					last[t.Feed] = &runs[0]
				}
				data.FeedNames = append(data.FeedNames, t.Feed)
			}
			mode := st.FeedModes[t.Feed]
			switch {
			case mode == "":
				mode = st.mode()
			case st.mode() == "test":
				// The feed's own setting (stock sync live) holds, but in test mode nothing
				// it computes is sent.
				mode += " · test mode: records what it would send"
			}
			holder := held[feeds.LockName(t.Feed)]
			data.Tasks = append(data.Tasks, taskRow{TaskStatus: t, Mode: mode, Last: last[t.Feed], Holder: holder})
			data.Poll = data.Poll || t.Running || holder != nil
		}
	}
	runs, err := s.d.Ledger.ExecutionList(ctx, erp.ExecutionListParams{Shop: st.Shop, Feed: data.Feed, BeforeID: before, Limit: executionsPerPage + 1})
	if err != nil {
		return data, fmt.Errorf("list executions: %w", err)
	}
	if len(runs) > executionsPerPage {
		runs = runs[:executionsPerPage]
		v := url.Values{"before": {strconv.FormatInt(runs[len(runs)-1].ID, 10)}}
		if data.Feed != "" {
			v.Set("feed", data.Feed)
		}
		data.NextURL = "/feeds?" + v.Encode()
	}
	for _, r := range runs {
		data.Poll = data.Poll || r.Outcome == erp.OutcomeRunning
	}
	data.Executions = runs
	data.Webhooks, err = webhookHealth(c)
	return data, err
}

// feedsPage shows each task's schedule, mode, last and next run with Run now, and the
// execution history. To htmx it answers with the body.
func (s *Server) feedsPage(c *echo.Context) error {
	data, err := s.feedsData(c)
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "feeds-body" {
		return s.renderPart(c, http.StatusOK, "feeds", "body", data)
	}
	return s.render(c, http.StatusOK, "feeds", "Feeds", data)
}

// runNow starts a task now. A run already under way is said out loud, never dropped.
func (s *Server) runNow(c *echo.Context) error {
	if s.d.Feeds == nil {
		return errNoService
	}
	name := c.Param("name")
	u := userOf(c)
	st := storeOf(c)
	err := s.d.Feeds.RunNow(st.Shop, name)
	switch {
	case err == nil:
		s.setFlash(c, "good", "Started "+name+". Its run appears in the history below.")
		s.audit(c, actionFeedRun, "task "+name, "started")
	case errors.Is(err, feeds.ErrUnknownTask):
		return echo.NewHTTPError(http.StatusNotFound, "There is no task called "+name+".")
	case errors.Is(err, feeds.ErrAlreadyRunning):
		s.setFlash(c, "warn", name+" is already running"+where(err)+"; nothing new was started. Its run appears in the history below when it ends.")
		s.audit(c, actionFeedRun, "task "+name, "not started: already running"+where(err))
	default:
		s.log.Error("run feed now", "shop", st.Shop, "feed", name, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Could not start "+name+"; the reason has been logged.")
	}
	if isHTMX(c) {
		data, err := s.feedsData(c)
		if err != nil {
			return err
		}
		data.Poll = true
		return s.renderPart(c, http.StatusOK, "feeds", "body", data)
	}
	return c.Redirect(http.StatusSeeOther, "/feeds")
}

// where says which process runs a feed, when the refusal names one: " in web-2 pid 4711
// (instance 1f3a9c02) since 2026-11-22 10:29:00 UTC".
func where(err error) string {
	var locked *erp.LockedError
	if !errors.As(err, &locked) {
		return ""
	}
	return " in " + locked.Holder.Owner.String() + " since " + locked.Holder.AcquiredAt.UTC().Format("2006-01-02 15:04:05 UTC")
}

type executionData struct {
	Execution erp.Execution
	Problems  []erp.Problem
	NextURL   string
}

const problemsPerPage = 100

// executionPage is one run with its record problems.
func (s *Server) executionPage(c *echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such run.")
	}
	var before int64
	if b := c.QueryParam("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "The page position in the address is damaged.")
		}
	}
	ctx := c.Request().Context()
	st := storeOf(c)
	x, err := s.d.Ledger.ExecutionGet(ctx, id)
	if errors.Is(err, erp.ErrNotFound) || (err == nil && x.Shop != st.Shop) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no run %d of %s.", id, st.Shop))
	}
	if err != nil {
		return fmt.Errorf("get execution %d: %w", id, err)
	}
	probs, err := s.d.Ledger.ProblemList(ctx, erp.ProblemListParams{Shop: st.Shop, ExecutionID: id, BeforeID: before, Limit: problemsPerPage + 1})
	if err != nil {
		return fmt.Errorf("list problems of execution %d: %w", id, err)
	}
	data := executionData{Execution: x}
	if len(probs) > problemsPerPage {
		probs = probs[:problemsPerPage]
		data.NextURL = fmt.Sprintf("/feeds/executions/%d?before=%d", id, probs[len(probs)-1].ID)
	}
	data.Problems = probs
	return s.render(c, http.StatusOK, "execution", fmt.Sprintf("Run %d of %s", x.ID, x.Feed), data)
}
