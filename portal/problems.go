package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

// problemFeeds are the feeds whose problems the Problems page can filter on.
var problemFeeds = []string{feeds.FeedOrders, feeds.FeedShipments, feeds.FeedInventory, feeds.FeedStockCheck}

type problemsData struct {
	Feed, Severity string
	// All shows the classes without open records too.
	All        bool
	Feeds      []string
	Severities []string
	Classes    []erp.ProblemClass
	Problems   []string
}

// problemsPage groups the store's record problems into classes (package errclass): each with
// its feed, what it says, its open records, how often it was seen, when first and last, and
// what to do about it.
func (s *Server) problemsPage(c *echo.Context) error {
	st := storeOf(c)
	data := problemsData{Feed: c.QueryParam("feed"), Severity: c.QueryParam("severity"), All: c.QueryParam("all") == "1",
		Feeds: problemFeeds, Severities: severities}
	if data.Feed != "" && !slices.Contains(problemFeeds, data.Feed) {
		data.Problems = append(data.Problems, fmt.Sprintf("%q is not a feed", data.Feed))
	}
	if data.Severity != "" && !passthrough.Severity(data.Severity).Valid() {
		data.Problems = append(data.Problems, fmt.Sprintf("%q is not a severity", data.Severity))
	}
	status := http.StatusOK
	if len(data.Problems) > 0 {
		status = http.StatusBadRequest
	} else {
		var err error
		data.Classes, err = s.d.Ledger.ProblemClassList(c.Request().Context(), erp.ProblemClassListParams{Shop: st.Shop, Feed: data.Feed,
			Severity: passthrough.Severity(data.Severity), OpenOnly: !data.All, Limit: 500})
		if err != nil {
			return fmt.Errorf("list problem classes: %w", err)
		}
	}
	return s.render(c, status, "problems", "Problems", data)
}

// recordView is one record's problem with where the record is shown.
type recordView struct {
	erp.ProblemRecord
	Link string
}

// recordLink is where a record of a feed is shown: an order's page, a shipment on the
// shipments page, a SKU on the stock page.
func recordLink(feed, key string) string {
	switch feed {
	case feeds.FeedOrders:
		if _, err := strconv.ParseInt(key, 10, 64); err == nil {
			return "/orders/" + key
		}
	case feeds.FeedShipments:
		return auditLink("shipment " + key)
	case feeds.FeedInventory, feeds.FeedStockCheck:
		sku, _, _ := strings.Cut(key, "@")
		return "/stock?sku=" + url.QueryEscape(sku)
	}
	return ""
}

type problemClassData struct {
	Class erp.ProblemClass
	Open  []recordView
	// MoreOpen says there are more open records than shown.
	MoreOpen bool
	Ended    []recordView
	// CanRetry and CanResolve say which bulk actions the class offers here.
	CanRetry   bool
	CanResolve bool
	Reason     string
	Error      string
}

// classRecords is how many of a class's records the page lists, and a bulk Retry handles
// in one go.
const classRecords = 100

// problemClass reads the class the path names, of the store the request is about.
func (s *Server) problemClass(c *echo.Context) (erp.ProblemClass, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return erp.ProblemClass{}, echo.NewHTTPError(http.StatusNotFound, "There is no such class of problems.")
	}
	st := storeOf(c)
	cl, err := s.d.Ledger.ProblemClassGet(c.Request().Context(), st.Shop, id)
	if errors.Is(err, erp.ErrNotFound) {
		return cl, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("There is no class of problems %d in %s.", id, st.Shop))
	}
	if err != nil {
		return cl, fmt.Errorf("get problem class %d: %w", id, err)
	}
	return cl, nil
}

func (s *Server) problemClassData(c *echo.Context, cl erp.ProblemClass) (problemClassData, error) {
	ctx := c.Request().Context()
	st := storeOf(c)
	data := problemClassData{Class: cl,
		CanRetry:   (cl.Feed == feeds.FeedOrders && st.Orders != nil) || (cl.Feed == feeds.FeedShipments && st.Shipments != nil),
		CanResolve: (cl.Feed == feeds.FeedOrders && st.Orders != nil) || (cl.Feed != feeds.FeedOrders && s.d.Problems != nil)}
	open, err := s.d.Ledger.ProblemRecordList(ctx, erp.ProblemRecordListParams{Shop: st.Shop, ClassID: cl.ID, Status: erp.ProblemOpen, Limit: classRecords + 1})
	if err != nil {
		return data, fmt.Errorf("list the open records of class %d: %w", cl.ID, err)
	}
	if len(open) > classRecords {
		open, data.MoreOpen = open[:classRecords], true
	}
	for _, r := range open {
		data.Open = append(data.Open, recordView{ProblemRecord: r, Link: recordLink(r.Feed, r.RecordKey)})
	}
	for _, status := range []string{erp.ProblemResolved, erp.ProblemSucceeded} {
		ended, err := s.d.Ledger.ProblemRecordList(ctx, erp.ProblemRecordListParams{Shop: st.Shop, ClassID: cl.ID, Status: status, Limit: 20})
		if err != nil {
			return data, fmt.Errorf("list the ended records of class %d: %w", cl.ID, err)
		}
		for _, r := range ended {
			data.Ended = append(data.Ended, recordView{ProblemRecord: r, Link: recordLink(r.Feed, r.RecordKey)})
		}
	}
	slices.SortFunc(data.Ended, func(a, b recordView) int { return b.ResolvedAt.Compare(a.ResolvedAt) })
	return data, nil
}

// problemClassPage is one class: what it says and what to do about it, its open records, the
// records whose problem ended lately, and (for operators) Retry and Resolve for them all.
func (s *Server) problemClassPage(c *echo.Context) error {
	cl, err := s.problemClass(c)
	if err != nil {
		return err
	}
	data, err := s.problemClassData(c, cl)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "problem", "Problem class "+strconv.FormatInt(cl.ID, 10), data)
}

// problemClassRetry retries the class's open records, up to classRecords of them: orders
// are handled again now, shipments set back to unsent and the shipments feed started. It
// says what came of them.
func (s *Server) problemClassRetry(c *echo.Context) error {
	cl, err := s.problemClass(c)
	if err != nil {
		return err
	}
	st, u := storeOf(c), userOf(c)
	back := fmt.Sprintf("/problems/%d", cl.ID)
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Minute)
	defer cancel()
	open, err := s.d.Ledger.ProblemRecordList(ctx, erp.ProblemRecordListParams{Shop: st.Shop, ClassID: cl.ID, Status: erp.ProblemOpen, Limit: classRecords})
	if err != nil {
		return fmt.Errorf("list the open records of class %d: %w", cl.ID, err)
	}
	var summary string
	switch {
	case cl.Feed == feeds.FeedOrders && st.Orders != nil:
		var through, still, failed int
		for _, r := range open {
			id, err := strconv.ParseInt(r.RecordKey, 10, 64)
			if err != nil {
				continue
			}
			res, err := st.Orders.Retry(ctx, id, u.Name)
			var re *passthrough.RecordError
			switch {
			case err == nil && res.Entry.Resolvable():
				still++
			case err == nil:
				through++
			case errors.As(err, &re), errors.Is(err, erp.ErrNotFound):
				still++
			default:
				s.log.Error("retry order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
				failed++
			}
		}
		summary = fmt.Sprintf("%d orders retried: %d went through, %d still have a problem", through+still+failed, through, still)
		if failed > 0 {
			summary += fmt.Sprintf(", %d failed on our side (logged)", failed)
		}
	case cl.Feed == feeds.FeedShipments && st.Shipments != nil:
		released := 0
		for _, r := range open {
			switch _, err := st.Shipments.Retry(ctx, r.RecordKey); {
			case err == nil:
				released++
			case errors.Is(err, erp.ErrNotFound):
			default:
				return fmt.Errorf("retry shipment %s: %w", r.RecordKey, err)
			}
		}
		summary = fmt.Sprintf("%d shipments set to unsent", released)
		if released > 0 && s.d.Feeds != nil {
			switch err := s.d.Feeds.RunNow(st.Shop, feeds.FeedShipments); {
			case err == nil:
				summary += "; the shipments feed runs now to send them"
			case errors.Is(err, feeds.ErrAlreadyRunning):
				summary += "; the shipments feed is running, and its next run sends them"
			default:
				s.log.Warn("start the shipments feed after a retry", "shop", st.Shop, "err", err)
			}
		}
	default:
		return echo.NewHTTPError(http.StatusConflict, "Retry is not offered for problems of the "+cl.Feed+" feed: run the feed again on the Feeds page.")
	}
	if len(open) == classRecords {
		summary += fmt.Sprintf(" (the first %d; press Retry again for the rest)", classRecords)
	}
	s.setFlash(c, "good", summary+".")
	s.audit(c, actionProblemsRetry, fmt.Sprintf("class %d", cl.ID), summary)
	return c.Redirect(http.StatusSeeOther, back)
}

// problemClassResolve resolves every open record of the class, with the reason the person
// gives: orders one by one (their ledger says so, as an order's Resolve does), the records of
// other feeds at once.
func (s *Server) problemClassResolve(c *echo.Context) error {
	cl, err := s.problemClass(c)
	if err != nil {
		return err
	}
	st, u := storeOf(c), userOf(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		data, err := s.problemClassData(c, cl)
		if err != nil {
			return err
		}
		data.Reason, data.Error = reason, "Say how these problems were dealt with, in under 500 characters; the reason goes in each record's history."
		return s.render(c, http.StatusBadRequest, "problem", "Problem class "+strconv.FormatInt(cl.ID, 10), data)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Minute)
	defer cancel()
	n := 0
	switch {
	case cl.Feed == feeds.FeedOrders && st.Orders != nil:
		var after *erp.ProblemRecord
		for {
			page, err := s.d.Ledger.ProblemRecordList(ctx, erp.ProblemRecordListParams{Shop: st.Shop, ClassID: cl.ID, Status: erp.ProblemOpen,
				After: after, Limit: 500})
			if err != nil {
				return fmt.Errorf("list the open records of class %d: %w", cl.ID, err)
			}
			for _, r := range page {
				id, err := strconv.ParseInt(r.RecordKey, 10, 64)
				if err != nil {
					continue
				}
				var re *passthrough.RecordError
				switch err := st.Orders.Resolve(ctx, id, u.Name, reason); {
				case err == nil:
					n++
				case errors.As(err, &re), errors.Is(err, erp.ErrNotFound):
					// The order has no problem now (or is gone): its record's problem has
					// ended all the same.
					if s.d.Problems != nil {
						if _, err := s.d.Problems.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: st.Shop, Feed: cl.Feed, RecordKey: r.RecordKey,
							Status: erp.ProblemResolved, By: u.Name, Reason: reason}); err != nil {
							return fmt.Errorf("resolve the problem of order %d: %w", id, err)
						}
					}
					n++
				default:
					return fmt.Errorf("resolve order %d: %w", id, err)
				}
			}
			if len(page) < 500 {
				break
			}
			after = &page[len(page)-1]
		}
	case cl.Feed != feeds.FeedOrders && s.d.Problems != nil:
		if n, err = s.d.Problems.ProblemResolve(ctx, erp.ProblemResolveParams{Shop: st.Shop, Feed: cl.Feed, ClassID: cl.ID,
			Status: erp.ProblemResolved, By: u.Name, Reason: reason}); err != nil {
			return fmt.Errorf("resolve class %d: %w", cl.ID, err)
		}
	default:
		return errNoService
	}
	summary := fmt.Sprintf("%d records resolved: %s", n, reason)
	s.setFlash(c, "good", summary)
	s.audit(c, actionProblemsResolve, fmt.Sprintf("class %d", cl.ID), summary)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/problems/%d", cl.ID))
}
