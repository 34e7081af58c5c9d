package portal

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough/errclass"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page: the layout and the shared partials, plus the
// page's own "content" (html/template cannot hold several "content" blocks in one set).
type pages struct {
	byName map[string]*template.Template
}

func loadPages(loc *time.Location) (*pages, error) {
	base, err := template.New("").Funcs(templateFuncs(loc)).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("list pages: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone templates: %w", err)
		}
		if t, err = t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		p.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return p, nil
}

// view is what every page's template gets: the page's own data in Data, and what the
// layout needs around it.
type view struct {
	Title string
	Page  string
	User  *user
	CSRF  string
	// Shop is the store the page shows; Stores every store the user may switch to.
	Shop   string
	Stores []string
	// Section is the first page of the section the page belongs to, where the store
	// switcher goes back to.
	Section string
	Mode    string
	// CanSwitchMode says an admin may switch the mode here.
	CanSwitchMode bool
	Now           time.Time
	Flash         *flash
	// Bell is what the user has not seen of the store's news, for the bell in the
	// navigation; nil shows no bell.
	Bell *news
	// Part is set when only a block of the page is sent (to htmx), which then shows the
	// flash itself since the layout is not around it.
	Part bool
	Data any
}

func (s *Server) view(c *echo.Context, page, title string, data any) view {
	v := view{Title: title, Page: page, User: userOf(c), Section: section(page), Now: s.now(), Data: data}
	if st := storeOf(c); st != nil {
		v.Shop, v.Mode, v.CanSwitchMode = st.Shop, st.mode(), st.ModeSwitch != nil
		for _, other := range s.storesFor(v.User) {
			v.Stores = append(v.Stores, other.Shop)
		}
	}
	if ss, ok := sessionOf(c); ok {
		v.CSRF = ss.CSRF
	}
	v.Flash = s.takeFlash(c)
	v.Bell = s.bell(c)
	return v
}

// section is the first page of the section a page belongs to.
func section(page string) string {
	switch page {
	case "feeds", "execution", "mode":
		return "/feeds"
	case "mappings", "mapping", "versions":
		return "/mappings"
	case "stock":
		return "/stock"
	case "completeness":
		return "/completeness"
	case "problems", "problem":
		return "/problems"
	case "shipments":
		return "/shipments"
	case "audit":
		return "/audit"
	case "health", "budget":
		return "/health"
	case "dashboard", "notifications":
		return "/" + page
	}
	return "/orders"
}

// render writes a whole page: the layout around the page's content.
func (s *Server) render(c *echo.Context, status int, page, title string, data any) error {
	return s.execute(c, status, page, "layout", s.view(c, page, title, data))
}

// renderPart writes one named block of a page: the answer to an htmx request.
func (s *Server) renderPart(c *echo.Context, status int, page, block string, data any) error {
	v := s.view(c, page, "", data)
	v.Part = true
	return s.execute(c, status, page, block, v)
}

func (s *Server) execute(c *echo.Context, status int, page, block string, v view) error {
	pg := s.pages
	if st := storeOf(c); st != nil {
		pg = s.pagesIn[st.Location.String()]
	}
	t, ok := pg.byName[page]
	if !ok {
		return fmt.Errorf("render: no page %q", page)
	}
	// Render to a buffer first, so a template error becomes a clean 500, not half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	return c.HTMLBlob(status, buf.Bytes())
}

// handleError shows an error as a page (or, to htmx, as a fragment it can swap in). What
// went wrong inside is logged, never shown: it may name a table or a host.
func (s *Server) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "Something went wrong on our side; it has been logged."
	var sc echo.HTTPStatusCoder
	if errors.As(err, &sc) && sc.StatusCode() != 0 {
		code, msg = sc.StatusCode(), http.StatusText(sc.StatusCode())
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Message != "" {
			msg = he.Message
		}
	}
	if code >= 500 {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(code)
		return
	}
	data := errorData{Code: code, Status: http.StatusText(code), Message: msg}
	var rerr error
	if isHTMX(c) {
		rerr = s.renderPart(c, code, "error", "error_box", data)
	} else {
		rerr = s.render(c, code, "error", http.StatusText(code), data)
	}
	if rerr != nil {
		s.log.Error("render error page", "err", rerr)
		_ = c.String(code, msg)
	}
}

type errorData struct {
	Code    int
	Status  string
	Message string
}

// static serves the embedded htmx and stylesheet. They change only with the binary.
func (s *Server) static(c *echo.Context) error {
	name := strings.TrimPrefix(c.Param("*"), "/")
	if name == "" || strings.HasSuffix(name, "/") {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	b, err := fs.ReadFile(staticFS, "static/"+name)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "Not found.")
	}
	ctype := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".txt", ".md":
		ctype = "text/plain; charset=utf-8"
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, ctype, b)
}

// templateFuncs are the helpers templates format values with; times are shown in loc.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"when":       func(t time.Time) string { return fmtTime(loc, t) },
		"date":       func(t time.Time) string { return fmtDate(loc, t) },
		"ago":        ago,
		"took":       took,
		"money":      money,
		"cell":       cell,
		"badge":      badge,
		"prettyJSON": prettyJSON,
		"lower":      strings.ToLower,
		"fix":        errclass.Fix,
		"auditLink":  auditLink,
		"number":     thousands,
		"signed":     signed,
	}
}

// fmtTime shows a time to the second in the portal's zone (the shop's), with the zone, or a
// dash.
func fmtTime(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func fmtDate(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02")
}

// ago says how long before now t was, roughly, for "last run 4 min ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// took is a run's duration, or "running" when it has not finished.
func took(start, end time.Time) string {
	if end.IsZero() {
		return "running"
	}
	d := end.Sub(start)
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// money shows an amount as its currency writes it: to the currency's minor unit (JPY 0,
// USD 2, KWD 3 decimals; 2 for an unknown one), thousands grouped, and the code after it:
// "1,234.50 USD", "12,000 JPY".
func money(d decimal.Decimal, currency string) string {
	whole, frac, _ := strings.Cut(amount(d, currency), ".")
	out := grouped(whole)
	if frac != "" {
		out += "." + frac
	}
	return strings.TrimSpace(out + " " + currency)
}

// grouped puts commas between the thousands of a whole number's digits: -12,345.
func grouped(whole string) string {
	sign := ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// amount is an amount to its currency's minor unit, as plain digits: "1234.50".
func amount(d decimal.Decimal, currency string) string {
	places, ok := record.MinorUnits(strings.ToUpper(currency))
	if !ok {
		places = 2
	}
	return d.StringFixed(int32(places))
}

// cell shows one value of a staged or previewed row as the database would hold it.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Location() == mapping.WallClock {
			return x.Format("2006-01-02 15:04:05") // the shop's clock, as a DATETIME holds it
		}
		return x.UTC().Format("2006-01-02 15:04:05Z")
	case decimal.Decimal:
		return x.String()
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// thousands writes a count with its thousands grouped: 12,345.
func thousands(n int) string { return grouped(strconv.Itoa(n)) }

// signed writes a difference with its sign: +3, -2, 0.
func signed(n int64) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprint(n)
}

// badge is the CSS class for a status, severity or outcome word (a string, or a
// ledger.Status or passthrough.Severity).
func badge(word any) string {
	switch strings.ToLower(fmt.Sprint(word)) {
	case "staged", "finished", "sent", "ok":
		return "badge good"
	case "waiting", "retry", "running", "finished_partially":
		return "badge warn"
	case "failed", "error", "cancelled":
		return "badge bad"
	case "skipped", "excluded", "info":
		return "badge info"
	case "":
		return ""
	}
	return "badge"
}

// prettyJSON indents a payload for reading; a payload that is not JSON is shown as it is.
func prettyJSON(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// flash is a one-time message about what the last action did, shown on the next page.
type flash struct {
	Kind    string // good, warn, bad
	Message string
}

const (
	flashCookie = "pt_flash"
	ctxFlash    = "portal.flash"
)

// setFlash shows a message on the page this request leads to: the page rendered now (an
// htmx answer, a form shown again) or, after a redirect, the next one (through a short
// sealed cookie, so a page cannot be made to show text the portal did not write).
func (s *Server) setFlash(c *echo.Context, kind, msg string) {
	f := &flash{Kind: kind, Message: msg}
	c.Set(ctxFlash, f)
	b, _ := json.Marshal(f)
	nonce := make([]byte, s.sessions.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	c.SetCookie(&http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(s.sessions.aead.Seal(nonce, nonce, b, []byte(flashCookie))),
		Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https",
	})
}

// takeFlash returns the message set for this page, if any, and forgets it.
func (s *Server) takeFlash(c *echo.Context) *flash {
	if f, ok := c.Get(ctxFlash).(*flash); ok {
		c.Set(ctxFlash, nil)
		s.clearFlash(c)
		return f
	}
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	s.clearFlash(c)
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	n := s.sessions.aead.NonceSize()
	if err != nil || len(raw) < n {
		return nil
	}
	plain, err := s.sessions.aead.Open(nil, raw[:n], raw[n:], []byte(flashCookie))
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(plain, &f) != nil {
		return nil
	}
	return &f
}

func (s *Server) clearFlash(c *echo.Context) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.Scheme() == "https"})
}
