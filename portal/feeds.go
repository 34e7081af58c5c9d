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
)

const executionsPerPage = 50

type taskRow struct {
	feeds.TaskStatus
	Mode string
	Last *erp.Execution // the feed's latest execution, nil before the first
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
}

// feedsData gathers the tasks with their last runs and one page of the execution history.
func (s *Server) feedsData(c *echo.Context) (feedsData, error) {
	ctx := c.Request().Context()
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
	if s.d.Feeds != nil {
		for _, t := range s.d.Feeds.Status() {
			if _, seen := last[t.Feed]; !seen {
				runs, err := s.d.Ledger.ExecutionList(ctx, erp.ExecutionListParams{Feed: t.Feed, Limit: 1})
				if err != nil {
					return data, fmt.Errorf("list executions of %s: %w", t.Feed, err)
				}
				last[t.Feed] = nil
				if len(runs) > 0 {
					last[t.Feed] = &runs[0]
				}
				data.FeedNames = append(data.FeedNames, t.Feed)
			}
			mode := s.d.FeedModes[t.Feed]
			if mode == "" {
				mode = s.mode()
			}
			data.Tasks = append(data.Tasks, taskRow{TaskStatus: t, Mode: mode, Last: last[t.Feed]})
			data.Poll = data.Poll || t.Running
		}
	}
	runs, err := s.d.Ledger.ExecutionList(ctx, erp.ExecutionListParams{Feed: data.Feed, BeforeID: before, Limit: executionsPerPage + 1})
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
	return data, nil
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
	err := s.d.Feeds.RunNow(name)
	switch {
	case err == nil:
		s.log.Info("feed run requested", "feed", name, "user", u.Name)
		s.setFlash(c, "good", "Started "+name+". Its run appears in the history below.")
	case errors.Is(err, feeds.ErrUnknownTask):
		return echo.NewHTTPError(http.StatusNotFound, "There is no task called "+name+".")
	case errors.Is(err, feeds.ErrAlreadyRunning):
		s.setFlash(c, "warn", name+" is already running; nothing new was started. Its run appears in the history below when it ends.")
	default:
		s.log.Error("run feed now", "feed", name, "user", u.Name, "err", err)
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
	x, err := s.d.Ledger.ExecutionGet(ctx, id)
	if errors.Is(err, erp.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no run %d.", id))
	}
	if err != nil {
		return fmt.Errorf("get execution %d: %w", id, err)
	}
	probs, err := s.d.Ledger.ProblemList(ctx, erp.ProblemListParams{ExecutionID: id, BeforeID: before, Limit: problemsPerPage + 1})
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
