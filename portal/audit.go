package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The actions the audit log names. Every handler that changes something calls s.audit with
// one of them, after acting, with what came of it.
const (
	actionOrderRetry      = "order.retry"
	actionOrderSkip       = "order.skip"
	actionOrderResolve    = "order.resolve"
	actionOrdersExport    = "orders.export"
	actionProblemsRetry   = "problems.retry"
	actionProblemsResolve = "problems.resolve"
	actionShipmentRetry   = "shipment.retry"
	actionFeedRun         = "feed.run"
	actionStockSync       = "stock.sync"
	actionModeSet         = "mode.set"
	actionCompleteness    = "completeness.import"
	actionMappingSave     = "mapping.save"
	actionMappingRestore  = "mapping.restore"
	actionUserPassword    = "user.password"
	actionUserRole        = "user.role"
	actionUserSignout     = "user.signout"
	actionOwnPassword     = "account.password"
	actionOwnSignout      = "account.signout"
)

// audit writes one action to the audit log: by the signed-in user, on the store the request
// is about, what (action), on what (target) and what came of it (detail, for people). It is
// also logged as a line. The entry is written even when the person has gone away; a log that
// cannot be written is logged as an error, and the action, done already, stands.
func (s *Server) audit(c *echo.Context, action, target, detail string) {
	u := userOf(c)
	if u == nil {
		return
	}
	shop := ""
	if st := storeOf(c); st != nil {
		shop = st.Shop
	}
	s.log.Info("portal action", "action", action, "target", target, "user", u.Name, "shop", shop, "detail", detail)
	if s.d.Audit == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 10*time.Second)
	defer cancel()
	err := s.d.Audit.AuditAdd(ctx, erp.AuditEntry{Shop: shop, At: s.now(), Actor: u.Name, Action: action, Target: target, Detail: detail})
	if err != nil {
		s.log.Error("write the audit log", "action", action, "target", target, "user", u.Name, "shop", shop, "err", err)
	}
}

const auditPerPage = 100

type auditData struct {
	Actor, Action string
	Actions       []string
	Entries       []erp.AuditEntry
	NextURL       string
}

// auditPage is the audit log of the store (and of what concerns no store): who did what, on
// what, when, newest first.
func (s *Server) auditPage(c *echo.Context) error {
	st := storeOf(c)
	data := auditData{Actor: strings.TrimSpace(c.QueryParam("actor")), Action: c.QueryParam("action"),
		Actions: []string{actionOrderRetry, actionOrderSkip, actionOrderResolve, actionOrdersExport, actionProblemsRetry,
			actionProblemsResolve, actionShipmentRetry, actionFeedRun, actionStockSync, actionModeSet, actionCompleteness,
			actionMappingSave, actionMappingRestore, actionUserPassword, actionUserRole, actionUserSignout, actionOwnPassword, actionOwnSignout}}
	var before int64
	if b := c.QueryParam("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "The page position in the address is damaged.")
		}
		before = n
	}
	entries, err := s.d.Ledger.AuditList(c.Request().Context(), erp.AuditListParams{Shops: []string{st.Shop, ""},
		Actor: data.Actor, Action: data.Action, BeforeID: before, Limit: auditPerPage + 1})
	if err != nil {
		return fmt.Errorf("list the audit log: %w", err)
	}
	if len(entries) > auditPerPage {
		entries = entries[:auditPerPage]
		v := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if data.Actor != "" {
			v.Set("actor", data.Actor)
		}
		if data.Action != "" {
			v.Set("action", data.Action)
		}
		data.NextURL = "/audit?" + v.Encode()
	}
	data.Entries = entries
	return s.render(c, http.StatusOK, "audit", "Audit log", data)
}

// auditLink is where an audit entry's target is shown in the portal, or "" when nowhere:
// "order 1001" is /orders/1001, "shipment SH-1" the shipments page on it, "class 12" the
// problem class.
func auditLink(target string) string {
	kind, id, ok := strings.Cut(target, " ")
	if !ok || id == "" {
		return ""
	}
	switch kind {
	case "order":
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			return "/orders/" + id
		}
	case "shipment":
		return "/shipments?" + url.Values{"shipment": {id}}.Encode()
	case "class":
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			return "/problems/" + id
		}
	}
	return ""
}
