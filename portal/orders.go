package portal

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/ledger"
)

// pageSize is how many orders one page of the list shows.
const pageSize = 50

// maxTrail is how many pages back the "Newer" links can walk (see orderQuery.Back).
const maxTrail = 100

var severities = []string{string(passthrough.SeverityInfo), string(passthrough.SeverityRetry), string(passthrough.SeverityError)}

// orderQuery is the list's filters and position, as they travel in the URL.
type orderQuery struct {
	Status   string
	Severity string
	From, To string // YYYY-MM-DD, both days included
	Q        string
	// After is the cursor the page starts after ("" for the newest page). Back is the
	// After of every page before this one, oldest first ("-" for the newest page): the
	// store pages forward only, so "Newer" goes back to where the previous page began.
	After string
	Back  []string
}

func (q orderQuery) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("status", q.Status)
	set("severity", q.Severity)
	set("from", q.From)
	set("to", q.To)
	set("q", q.Q)
	set("after", q.After)
	if len(q.Back) > 0 {
		v.Set("back", strings.Join(q.Back, ","))
	}
	return v
}

func (q orderQuery) url() string {
	if e := q.values().Encode(); e != "" {
		return "/orders?" + e
	}
	return "/orders"
}

// first is the same filters from the newest entry.
func (q orderQuery) first() orderQuery {
	q.After, q.Back = "", nil
	return q
}

// encodeCursor writes a page position for the URL: the updated time and the order date in
// Unix milliseconds (the store keeps times to the millisecond) and the order id, e.g.
// "1763800000123.1762000000000.450789469". The store walks by whichever its list is in.
func encodeCursor(c *ledger.Cursor) string {
	return strconv.FormatInt(c.UpdatedAt.UnixMilli(), 10) + "." + strconv.FormatInt(c.OrderDate.UnixMilli(), 10) +
		"." + strconv.FormatInt(c.OrderID, 10)
}

func decodeCursor(s string) (*ledger.Cursor, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("bad page position")
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, errors.New("bad page position")
		}
		n[i] = v
	}
	c := &ledger.Cursor{UpdatedAt: time.UnixMilli(n[0]).UTC(), OrderDate: time.UnixMilli(n[1]).UTC(), OrderID: n[2]}
	if n[1] == (time.Time{}).UnixMilli() {
		c.OrderDate = time.Time{} // an entry without an order date
	}
	return c, nil
}

// parseOrderQuery reads the list's URL into the store's parameters, and says what is wrong
// with it in words for the filter bar.
func (s *Server) parseOrderQuery(c *echo.Context) (orderQuery, erp.LedgerListParams, []string) {
	q := orderQuery{
		Status: c.QueryParam("status"), Severity: c.QueryParam("severity"),
		From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to")),
		Q: strings.TrimSpace(c.QueryParam("q")), After: c.QueryParam("after"),
	}
	if b := c.QueryParam("back"); b != "" {
		q.Back = strings.Split(b, ",")
	}
	st := storeOf(c)
	p := erp.LedgerListParams{Shop: st.Shop, Limit: pageSize + 1}
	var problems []string
	if q.Status != "" {
		if !ledger.Status(q.Status).Valid() {
			problems = append(problems, fmt.Sprintf("%q is not a status", q.Status))
		}
		p.Status = ledger.Status(q.Status)
	}
	if q.Severity != "" {
		if !passthrough.Severity(q.Severity).Valid() {
			problems = append(problems, fmt.Sprintf("%q is not a severity", q.Severity))
		}
		p.Severity = passthrough.Severity(q.Severity)
	}
	if q.From != "" {
		t, err := time.ParseInLocation("2006-01-02", q.From, st.Location)
		if err != nil {
			problems = append(problems, fmt.Sprintf("from date %q is not YYYY-MM-DD", q.From))
		}
		p.From = t
	}
	if q.To != "" {
		t, err := time.ParseInLocation("2006-01-02", q.To, st.Location)
		if err != nil {
			problems = append(problems, fmt.Sprintf("to date %q is not YYYY-MM-DD", q.To))
		}
		p.To = t.AddDate(0, 0, 1) // the whole day
	}
	if !p.From.IsZero() && !p.To.IsZero() && !p.From.Before(p.To) {
		problems = append(problems, "the from date is after the to date")
	}
	if utf8.RuneCountInString(q.Q) > 320 {
		problems = append(problems, "the search is too long")
	}
	p.Search = q.Q
	if q.After != "" {
		cur, err := decodeCursor(q.After)
		if err != nil {
			problems = append(problems, "the page position in the address is damaged; start again from the newest")
		}
		p.After = cur
	}
	for _, b := range q.Back {
		if b == "-" {
			continue
		}
		if _, err := decodeCursor(b); err != nil {
			problems = append(problems, "the page position in the address is damaged; start again from the newest")
			break
		}
	}
	return q, p, problems
}

type orderListData struct {
	Query      orderQuery
	Statuses   []ledger.Status
	Severities []string
	Entries    []ledger.Entry
	Problems   []string
	NextURL    string
	NewerURL   string
	NewestURL  string
}

// orderList is Pass Through Orders: every order in the ledger, newest activity first,
// filtered and paged by keyset. To htmx (the filter bar) it answers with the results only.
func (s *Server) orderList(c *echo.Context) error {
	q, p, problems := s.parseOrderQuery(c)
	data := orderListData{Query: q, Statuses: ledger.Statuses(), Severities: severities, Problems: problems}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusBadRequest
	} else {
		entries, err := s.d.Ledger.LedgerList(c.Request().Context(), p)
		if err != nil {
			return fmt.Errorf("list orders: %w", err)
		}
		if len(entries) > pageSize {
			entries = entries[:pageSize]
			next := q
			next.After = encodeCursor(entries[len(entries)-1].Cursor())
			back := q.After
			if back == "" {
				back = "-"
			}
			next.Back = append(append([]string{}, q.Back...), back)
			if len(next.Back) > maxTrail {
				next.Back = next.Back[len(next.Back)-maxTrail:]
			}
			data.NextURL = next.url()
		}
		data.Entries = entries
		if q.After != "" {
			data.NewestURL = q.first().url()
			newer := q
			newer.After, newer.Back = "", nil
			if n := len(q.Back); n > 0 {
				if q.Back[n-1] != "-" {
					newer.After = q.Back[n-1]
				}
				newer.Back = q.Back[:n-1]
			}
			data.NewerURL = newer.url()
		}
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "orders-results" {
		return s.renderPart(c, status, "orders", "results", data)
	}
	return s.render(c, status, "orders", "Pass Through Orders", data)
}

func orderIDParam(c *echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.NewHTTPError(http.StatusNotFound, "There is no such order.")
	}
	return id, nil
}

// entry reads one ledger entry, as a 404 when the ledger does not know it.
func (s *Server) entry(c *echo.Context, id int64) (ledger.Entry, error) {
	e, err := s.d.Ledger.LedgerGet(c.Request().Context(), storeOf(c).Shop, id)
	if errors.Is(err, erp.ErrNotFound) {
		return e, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger of %s.", id, storeOf(c).Shop))
	}
	if err != nil {
		return e, fmt.Errorf("get order %d: %w", id, err)
	}
	return e, nil
}

type orderPageData struct {
	Entry    ledger.Entry
	Events   []ledger.Event
	Problems []erp.Problem
	Rows     *passthrough.OrderRows
	RowsNote string
}

// orderPage is one order: what Shopify sent, the rows it produced, its problems and its
// history, and (for operators) Retry and Skip.
func (s *Server) orderPage(c *echo.Context) error {
	id, err := orderIDParam(c)
	if err != nil {
		return err
	}
	e, err := s.entry(c, id)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := storeOf(c)
	data := orderPageData{Entry: e}
	if data.Events, err = s.d.Ledger.LedgerEventList(ctx, st.Shop, id); err != nil {
		return fmt.Errorf("list history of order %d: %w", id, err)
	}
	if data.Problems, err = s.d.Ledger.ProblemList(ctx, erp.ProblemListParams{Shop: st.Shop, Feed: feeds.FeedOrders, RecordKey: strconv.FormatInt(id, 10), Limit: 50}); err != nil {
		return fmt.Errorf("list problems of order %d: %w", id, err)
	}
	switch {
	case st.Orders == nil:
		data.RowsNote = "The orders feed is not set up in this instance."
	default:
		rows, err := st.Orders.Rows(ctx, id)
		switch {
		case errors.Is(err, erp.ErrNotFound):
			data.RowsNote = "Nothing of this order is in the staging tables."
		case err != nil:
			return fmt.Errorf("read staged rows of order %d: %w", id, err)
		default:
			data.Rows = rows
		}
	}
	title := e.OrderName
	if title == "" {
		title = strconv.FormatInt(id, 10)
	}
	return s.render(c, http.StatusOK, "order", "Order "+title, data)
}

type confirmData struct {
	Entry  ledger.Entry
	Action string // retry, skip
	Reason string
	Error  string
}

// actedOn is the order an action's path names, with its ledger entry; errNoService when
// this instance has no orders feed to act with.
func (s *Server) actedOn(c *echo.Context) (int64, ledger.Entry, error) {
	if storeOf(c).Orders == nil {
		return 0, ledger.Entry{}, errNoService
	}
	id, err := orderIDParam(c)
	if err != nil {
		return 0, ledger.Entry{}, err
	}
	e, err := s.entry(c, id)
	return id, e, err
}

func (s *Server) retryConfirm(c *echo.Context) error { return s.confirm(c, "retry") }
func (s *Server) skipConfirm(c *echo.Context) error  { return s.confirm(c, "skip") }

// confirm asks "are you sure" with a plain form, so the confirmation works without
// JavaScript.
func (s *Server) confirm(c *echo.Context, action string) error {
	_, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "confirm", strings.ToUpper(action[:1])+action[1:]+" order "+e.OrderName, confirmData{Entry: e, Action: action})
}

func (s *Server) retry(c *echo.Context) error {
	id, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	u, st := userOf(c), storeOf(c)
	err = st.Orders.Retry(c.Request().Context(), id, u.Name)
	var re *passthrough.RecordError
	switch {
	case err == nil:
		s.log.Info("order retried", "shop", st.Shop, "order_id", id, "user", u.Name)
		s.setFlash(c, "good", "Order "+e.OrderName+" was retried"+s.nowStatus(c, id))
	case errors.Is(err, erp.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger.", id))
	case errors.Is(err, erp.ErrImported):
		s.setFlash(c, "warn", "The ERP has already imported order "+e.OrderName+"; it was not staged again.")
	case errors.As(err, &re):
		s.setFlash(c, "warn", fmt.Sprintf("Order %s was retried and still cannot be imported (%s): %s", e.OrderName, re.Severity, re.Message))
	default:
		s.log.Error("retry order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Retrying order "+e.OrderName+" failed on our side; it has been logged. Try again later.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
}

func (s *Server) skip(c *echo.Context) error {
	id, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	switch {
	case reason == "":
		return s.render(c, http.StatusBadRequest, "confirm", "Skip order "+e.OrderName,
			confirmData{Entry: e, Action: "skip", Error: "Say why the order is skipped; the reason goes in its history."})
	case utf8.RuneCountInString(reason) > 500:
		return s.render(c, http.StatusBadRequest, "confirm", "Skip order "+e.OrderName,
			confirmData{Entry: e, Action: "skip", Reason: reason, Error: "Keep the reason under 500 characters."})
	}
	u, st := userOf(c), storeOf(c)
	err = st.Orders.Skip(c.Request().Context(), id, u.Name, reason)
	var re *passthrough.RecordError
	switch {
	case err == nil:
		s.log.Info("order skipped", "shop", st.Shop, "order_id", id, "user", u.Name)
		s.setFlash(c, "good", "Order "+e.OrderName+" was skipped.")
	case errors.Is(err, erp.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger.", id))
	case errors.Is(err, erp.ErrImported):
		s.setFlash(c, "warn", "The ERP has already imported order "+e.OrderName+"; it cannot be skipped.")
	case errors.As(err, &re):
		s.setFlash(c, "warn", "Order "+e.OrderName+" was not skipped: "+re.Message)
	default:
		s.log.Error("skip order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Skipping order "+e.OrderName+" failed on our side; it has been logged. Try again later.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
}

// nowStatus says where an order stands after an action, for the message about it:
// "; it is now staged." or "; it is now failed: unknown SKU X." (just "." when the ledger
// cannot say).
func (s *Server) nowStatus(c *echo.Context, id int64) string {
	e, err := s.d.Ledger.LedgerGet(c.Request().Context(), storeOf(c).Shop, id)
	if err != nil {
		return "."
	}
	if e.Problem != "" && e.Status != ledger.StatusStaged {
		return "; it is now " + string(e.Status) + ": " + e.Problem
	}
	return "; it is now " + string(e.Status) + "."
}
