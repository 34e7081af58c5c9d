package portal

import (
	"encoding/csv"
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
	// Count is how many orders match the filters, at most countCap; More says there are
	// more than that.
	Count     int
	More      bool
	ExportURL string
	Zone      string
}

// countCap is how far the list counts the orders that match: the count costs what reading
// that many index entries costs, however large the ledger.
const countCap = 10000

// orderList is Pass Through Orders: every order in the ledger, newest activity first,
// filtered and paged by keyset, with how many match. To htmx (the filter bar) it answers
// with the results only.
func (s *Server) orderList(c *echo.Context) error {
	q, p, problems := s.parseOrderQuery(c)
	st := storeOf(c)
	data := orderListData{Query: q, Statuses: ledger.Statuses(), Severities: severities, Problems: problems,
		Zone: st.Location.String()}
	status := http.StatusOK
	if len(problems) > 0 {
		status = http.StatusBadRequest
	} else {
		ctx := c.Request().Context()
		entries, err := s.d.Ledger.LedgerList(ctx, p)
		if err != nil {
			return fmt.Errorf("list orders: %w", err)
		}
		count := p
		count.After, count.Limit = nil, countCap+1
		n, err := s.d.Ledger.LedgerCount(ctx, count)
		if err != nil {
			return fmt.Errorf("count orders: %w", err)
		}
		data.Count, data.More = min(n, countCap), n > countCap
		data.ExportURL = "/orders.csv"
		if e := q.first().values().Encode(); e != "" {
			data.ExportURL += "?" + e
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

// exportCap bounds one CSV export; a larger list is narrowed with the filters.
const exportCap = 100000

// orderExport writes every order the list's filters match as CSV, newest first, page by page
// (memory stays flat), times in the store's zone and totals in their currency's minor units.
// Values a spreadsheet would run as a formula are written as text.
func (s *Server) orderExport(c *echo.Context) error {
	q, p, problems := s.parseOrderQuery(c)
	if len(problems) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest, strings.Join(problems, "; "))
	}
	st := storeOf(c)
	p.After, p.Limit = nil, 1000
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="orders-%s-%s.csv"`, safeFileName(st.Shop), s.now().In(st.Location).Format("2006-01-02")))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	zone := st.Location
	_ = w.Write([]string{"order", "shopify_id", "order_date", "customer", "email", "total", "currency", "status", "severity",
		"erp_import", "erp_order_no", "problem", "updated"})
	written := 0
	for written < exportCap {
		page, err := s.d.Ledger.LedgerList(c.Request().Context(), p)
		if err != nil {
			// The header is sent; the file ends here, and the log says why.
			s.log.Error("export orders", "shop", st.Shop, "err", err)
			break
		}
		for _, e := range page {
			_ = w.Write(csvSafe([]string{e.OrderName, strconv.FormatInt(e.OrderID, 10), fmtTime(zone, e.OrderDate), e.CustomerName,
				e.CustomerEmail, amount(e.Total, e.Currency), e.Currency, string(e.Status), string(e.Severity), e.ImportStatus,
				e.ERPOrderNo, e.Problem, fmtTime(zone, e.UpdatedAt)}))
			written++
		}
		w.Flush()
		if len(page) < p.Limit || w.Error() != nil {
			break
		}
		p.After = page[len(page)-1].Cursor()
	}
	w.Flush()
	s.audit(c, actionOrdersExport, "orders", fmt.Sprintf("%d orders; filters: %s", written, orElse(q.first().values().Encode(), "none")))
	return nil
}

// csvSafe keeps a spreadsheet from running a value as a formula: one that starts with = + -
// @ or a tab is written as text.
func csvSafe(fields []string) []string {
	for i, f := range fields {
		if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
			fields[i] = "'" + f
		}
	}
	return fields
}

// safeFileName keeps letters, digits, dots and dashes of a shop's name for a file name.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, s)
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
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
	Timeline []step
	Problems []erp.Problem
	// Record is the order's problem as the Problems page has it (open, or how it ended);
	// nil when it never had one.
	Record *erp.ProblemRecord
	// Staged are the rows as the staging tables hold them now; StagedNote says why there
	// are none. Mapped are the rows the current mapping makes of the order, or Rejected why
	// it makes none; MappedNote says why neither is known.
	Staged     *passthrough.OrderRows
	StagedNote string
	Mapped     *passthrough.OrderRows
	Rejected   *passthrough.RecordError
	MappedNote string
	Truth      *truth
	Shipments  []shipmentView
	// The actions that make sense for the order now.
	CanRetry, CanSkip, CanResolve bool
}

// orderPage is one order's truth: its rows as staged, beside what the current mapping makes
// of it, what the ERP did with it, its shipments, its problem and its timeline, and (for
// operators) the actions that make sense for it.
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
	key := strconv.FormatInt(id, 10)
	data := orderPageData{Entry: e, CanRetry: e.Retriable() && st.Orders != nil, CanSkip: e.Skippable() && st.Orders != nil,
		CanResolve: e.Resolvable() && st.Orders != nil}
	if data.Events, err = s.d.Ledger.LedgerEventList(ctx, st.Shop, id); err != nil {
		return fmt.Errorf("list history of order %d: %w", id, err)
	}
	if data.Problems, err = s.d.Ledger.ProblemList(ctx, erp.ProblemListParams{Shop: st.Shop, Feed: feeds.FeedOrders, RecordKey: key, Limit: 50}); err != nil {
		return fmt.Errorf("list problems of order %d: %w", id, err)
	}
	recs, err := s.d.Ledger.ProblemRecordList(ctx, erp.ProblemRecordListParams{Shop: st.Shop, Feed: feeds.FeedOrders, RecordKey: key, Limit: 1})
	if err != nil {
		return fmt.Errorf("read the problem of order %d: %w", id, err)
	}
	if len(recs) > 0 {
		data.Record = &recs[0]
	}
	if data.Shipments, err = s.shipmentViews(c, erp.ShipmentListParams{Shop: st.Shop, OrderID: id, Limit: 100}); err != nil {
		return err
	}
	if st.Orders == nil {
		data.StagedNote = "The orders feed is not set up in this instance."
		data.MappedNote = data.StagedNote
	} else {
		rows, err := st.Orders.Staged(ctx, id)
		switch {
		case errors.Is(err, erp.ErrNotFound):
			data.StagedNote = "Nothing of this order is in the staging tables."
		case err != nil:
			return fmt.Errorf("read staged rows of order %d: %w", id, err)
		default:
			data.Staged = rows
		}
		rows, err = st.Orders.Mapped(ctx, id)
		var re *passthrough.RecordError
		switch {
		case errors.As(err, &re):
			data.Rejected = re
		case err != nil:
			s.log.Warn("map an order for its page", "shop", st.Shop, "order_id", id, "err", err)
			data.MappedNote = "What the current mapping makes of it cannot be shown now; the reason has been logged."
		default:
			data.Mapped = rows
		}
		if data.Staged != nil {
			t := compare(data.Staged, data.Mapped)
			data.Truth = &t
		}
	}
	data.Timeline = timeline(data.Events, data.Shipments, data.Truth)
	title := e.OrderName
	if title == "" {
		title = strconv.FormatInt(id, 10)
	}
	return s.render(c, http.StatusOK, "order", "Order "+title, data)
}

type confirmData struct {
	Entry  ledger.Entry
	Action string // retry, skip, resolve
	Reason string
	Error  string
	// Warning is what the person should know before confirming (the ERP imported the
	// order already).
	Warning string
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

func (s *Server) retryConfirm(c *echo.Context) error   { return s.confirm(c, "retry") }
func (s *Server) skipConfirm(c *echo.Context) error    { return s.confirm(c, "skip") }
func (s *Server) resolveConfirm(c *echo.Context) error { return s.confirm(c, "resolve") }

// allowed says whether an action makes sense for the order now, and if not, why.
func allowed(action string, e ledger.Entry) (bool, string) {
	switch action {
	case "retry":
		if !e.Retriable() {
			return false, "Order " + e.OrderName + " was cancelled after staging, and the staged header says so; there is nothing to retry."
		}
	case "skip":
		if !e.Skippable() {
			if e.Status.InStaging() {
				return false, "Order " + e.OrderName + " is in the staging tables already; cancel it in the ERP instead."
			}
			return false, "Order " + e.OrderName + " is skipped already."
		}
	case "resolve":
		if !e.Resolvable() {
			return false, "Order " + e.OrderName + " has no problem to resolve."
		}
	}
	return true, ""
}

// confirm asks "are you sure" with a plain form, so the confirmation works without
// JavaScript; an action that makes no sense for the order is not offered (409).
func (s *Server) confirm(c *echo.Context, action string) error {
	_, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	if ok, why := allowed(action, e); !ok {
		return echo.NewHTTPError(http.StatusConflict, why)
	}
	data := confirmData{Entry: e, Action: action}
	if action == "retry" && e.ImportStatus != "" {
		data.Warning = "The ERP has imported this order" + erpAs(e) + ". A retry does not stage it again; it only accepts what " +
			"changed in Shopify as the ERP's version, once you have changed the order in the ERP the same way."
	}
	return s.render(c, http.StatusOK, "confirm", strings.ToUpper(action[:1])+action[1:]+" order "+e.OrderName, data)
}

func erpAs(e ledger.Entry) string {
	if e.ERPOrderNo != "" {
		return " as " + e.ERPOrderNo
	}
	return ""
}

func (s *Server) retry(c *echo.Context) error {
	id, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	u, st := userOf(c), storeOf(c)
	target := "order " + strconv.FormatInt(id, 10)
	if ok, why := allowed("retry", e); !ok {
		s.setFlash(c, "warn", why)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
	}
	r, err := st.Orders.Retry(c.Request().Context(), id, u.Name)
	var re *passthrough.RecordError
	switch {
	case err == nil:
		kind, msg := retriedMessage(e, r)
		s.setFlash(c, kind, msg)
		s.audit(c, actionOrderRetry, target, msg)
	case errors.Is(err, erp.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger.", id))
	case errors.As(err, &re):
		s.setFlash(c, "warn", "Order "+e.OrderName+" was not retried: "+re.Message)
		s.audit(c, actionOrderRetry, target, "refused: "+re.Message)
	default:
		s.log.Error("retry order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Retrying order "+e.OrderName+" failed on our side; it has been logged. Try again later.")
		s.audit(c, actionOrderRetry, target, "failed on our side")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
}

// retriedMessage says what a retry of the order (as it was, before) came to, never more than
// happened: the flash's kind (good, warn, bad) and text.
func retriedMessage(before ledger.Entry, r feeds.Retried) (string, string) {
	e := r.Entry
	name := e.OrderName
	if name == "" {
		name = strconv.FormatInt(e.OrderID, 10)
	}
	switch {
	case e.Status == ledger.StatusStaged && r.Wrote && before.Status.InStaging():
		return "good", "Order " + name + " was staged again, with the mapping as it is now."
	case e.Status == ledger.StatusStaged && r.Wrote:
		return "good", "Order " + name + " is staged now."
	case e.Status.InStaging() && e.ImportStatus != "" && e.Severity == "" && e.Problem != "" && r.Changed:
		return "good", "Order " + name + ": " + e.Problem + "."
	case e.Status.InStaging() && e.ImportStatus != "" && e.Severity == passthrough.SeverityError:
		return "bad", "Order " + name + " is not staged again: " + e.Problem
	case e.Status.InStaging() && e.ImportStatus != "":
		return "warn", "Nothing was staged: the ERP has imported order " + name + erpAs(e) + " already."
	case e.Status.InStaging() && e.Severity == passthrough.SeverityError:
		return "bad", "Order " + name + " keeps its staged rows, and the new ones cannot be staged: " + e.Problem
	case e.Status.InStaging():
		return "warn", "Nothing changed: the staged rows of order " + name + " are what the order and the mapping give today."
	case e.Status == ledger.StatusFailed:
		return "bad", "Order " + name + " still cannot be imported: " + e.Problem
	case e.Status == ledger.StatusWaiting:
		return "warn", "Order " + name + " is still waiting: " + e.Problem
	}
	return "warn", "Order " + name + " is not for import (" + string(e.Status) + "): " + e.Problem
}

// reasoned reads the reason an action needs, or shows the form again saying what is wrong
// with it.
func (s *Server) reasoned(c *echo.Context, e ledger.Entry, action, title string) (string, bool, error) {
	reason := strings.TrimSpace(c.FormValue("reason"))
	msg := ""
	switch {
	case reason == "" && action == "skip":
		msg = "Say why the order is skipped; the reason goes in its history."
	case reason == "":
		msg = "Say how the problem was dealt with; the reason goes in the order's history."
	case utf8.RuneCountInString(reason) > 500:
		msg = "Keep the reason under 500 characters."
	default:
		return reason, true, nil
	}
	return "", false, s.render(c, http.StatusBadRequest, "confirm", title, confirmData{Entry: e, Action: action, Reason: reason, Error: msg})
}

func (s *Server) skip(c *echo.Context) error {
	id, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	if ok, why := allowed("skip", e); !ok {
		s.setFlash(c, "warn", why)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
	}
	reason, ok, err := s.reasoned(c, e, "skip", "Skip order "+e.OrderName)
	if !ok {
		return err
	}
	u, st := userOf(c), storeOf(c)
	target := "order " + strconv.FormatInt(id, 10)
	err = st.Orders.Skip(c.Request().Context(), id, u.Name, reason)
	var re *passthrough.RecordError
	switch {
	case err == nil:
		s.setFlash(c, "good", "Order "+e.OrderName+" was skipped.")
		s.audit(c, actionOrderSkip, target, "skipped: "+reason)
	case errors.Is(err, erp.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger.", id))
	case errors.Is(err, erp.ErrImported):
		s.setFlash(c, "warn", "The ERP has already imported order "+e.OrderName+"; it cannot be skipped.")
	case errors.As(err, &re):
		s.setFlash(c, "warn", "Order "+e.OrderName+" was not skipped: "+re.Message)
		s.audit(c, actionOrderSkip, target, "refused: "+re.Message)
	default:
		s.log.Error("skip order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Skipping order "+e.OrderName+" failed on our side; it has been logged. Try again later.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
}

// resolve ends the order's problem with the reason the person gives.
func (s *Server) resolve(c *echo.Context) error {
	id, e, err := s.actedOn(c)
	if err != nil {
		return err
	}
	if ok, why := allowed("resolve", e); !ok {
		s.setFlash(c, "warn", why)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
	}
	reason, ok, err := s.reasoned(c, e, "resolve", "Resolve order "+e.OrderName)
	if !ok {
		return err
	}
	u, st := userOf(c), storeOf(c)
	target := "order " + strconv.FormatInt(id, 10)
	err = st.Orders.Resolve(c.Request().Context(), id, u.Name, reason)
	var re *passthrough.RecordError
	switch {
	case err == nil:
		s.setFlash(c, "good", "The problem of order "+e.OrderName+" is resolved.")
		s.audit(c, actionOrderResolve, target, "resolved: "+reason)
	case errors.Is(err, erp.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("Order %d is not in the ledger.", id))
	case errors.As(err, &re):
		s.setFlash(c, "warn", "Order "+e.OrderName+" was not resolved: "+re.Message)
	default:
		s.log.Error("resolve order", "shop", st.Shop, "order_id", id, "user", u.Name, "err", err)
		s.setFlash(c, "bad", "Resolving order "+e.OrderName+" failed on our side; it has been logged. Try again later.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/orders/%d", id))
}
