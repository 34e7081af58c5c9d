package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/mapping"
)

// maxMappingSize bounds a mapping file saved or previewed through the portal; the shipped
// ones are a few kilobytes.
const maxMappingSize = 256 << 10

type mappingListData struct {
	Configured bool
	Files      []MappingFile
}

func (s *Server) mappingList(c *echo.Context) error {
	data := mappingListData{Configured: storeOf(c).Mappings != nil}
	if storeOf(c).Mappings != nil {
		files, err := storeOf(c).Mappings.Files(c.Request().Context())
		if err != nil {
			return fmt.Errorf("list mappings: %w", err)
		}
		data.Files = files
	}
	return s.render(c, http.StatusOK, "mappings", "Mappings", data)
}

// mappingFile finds a file by the name in the URL; only names the Mappings list are used.
func (s *Server) mappingFile(c *echo.Context) (MappingFile, error) {
	if storeOf(c).Mappings == nil {
		return MappingFile{}, errNoService
	}
	name := c.Param("name")
	files, err := storeOf(c).Mappings.Files(c.Request().Context())
	if err != nil {
		return MappingFile{}, fmt.Errorf("list mappings: %w", err)
	}
	for _, f := range files {
		if f.Name == name {
			return f, nil
		}
	}
	return MappingFile{}, echo.NewHTTPError(http.StatusNotFound, "There is no mapping file called "+name+".")
}

type previewData struct {
	Of        string // "the saved file" or "this draft"
	OrderName string
	Result    *Preview
	Problems  string // the draft's diagnostics, when it does not compile
	Error     string // why there is nothing to show
}

type mappingData struct {
	File MappingFile
	// Source is what the editor holds: the saved file, or a draft that was refused or
	// previewed, so an admin's work is never lost to a round trip.
	Source string
	// Problems are the diagnostics shown under the editor: the saved file's, or the
	// refused draft's.
	Problems string
	Draft    bool
	OrderID  string
	Payload  string
	Recent   []ledger.Entry
	Preview  *previewData
}

func (s *Server) newMappingData(c *echo.Context, f MappingFile) (mappingData, error) {
	recent, err := s.d.Ledger.LedgerList(c.Request().Context(), erp.LedgerListParams{Shop: storeOf(c).Shop, Limit: 15})
	if err != nil {
		return mappingData{}, fmt.Errorf("list recent orders: %w", err)
	}
	return mappingData{File: f, Source: f.Source, Problems: f.Problems, Recent: recent}, nil
}

// mappingPage shows a mapping file, whether it compiles, a preview against a chosen order
// (?order=ID previews without JavaScript) and, for admins, the editor.
func (s *Server) mappingPage(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	data, err := s.newMappingData(c, f)
	if err != nil {
		return err
	}
	if id := strings.TrimSpace(c.QueryParam("order")); id != "" {
		data.OrderID = id
		data.Preview = s.preview(c, f.Name, nil, id, "")
	}
	return s.render(c, http.StatusOK, "mapping", f.Name, data)
}

// mappingPreview previews the saved file, or (admins only) the draft sent with the form.
func (s *Server) mappingPreview(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	data, err := s.newMappingData(c, f)
	if err != nil {
		return err
	}
	data.OrderID = strings.TrimSpace(c.FormValue("order"))
	data.Payload = c.FormValue("payload")
	var draft []byte
	if src, ok := formField(c, "src"); ok && userOf(c).Can("admin") {
		draft = []byte(normalizeSource(src))
		data.Source, data.Draft = string(draft), true
	}
	data.Preview = s.preview(c, f.Name, draft, data.OrderID, data.Payload)
	if isHTMX(c) {
		return s.renderPart(c, http.StatusOK, "mapping", "preview", data)
	}
	return s.render(c, http.StatusOK, "mapping", f.Name, data)
}

// formField reads a form field and whether the form had it at all.
func formField(c *echo.Context, name string) (string, bool) {
	vals, err := c.FormValues()
	if err != nil {
		return "", false
	}
	v, ok := vals[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// normalizeSource makes a textarea's text a file again: browsers send CRLF line ends.
func normalizeSource(src string) string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	if src != "" && !strings.HasSuffix(src, "\n") {
		src += "\n"
	}
	return src
}

// preview runs the mapping on an order of the ledger or a pasted payload. Whatever goes
// wrong is said in the preview box, not as an error page: it is the answer to the question.
func (s *Server) preview(c *echo.Context, name string, draft []byte, orderID, payload string) *previewData {
	p := &previewData{Of: "the saved file"}
	if draft != nil {
		p.Of = "this draft"
	}
	if len(draft) > maxMappingSize {
		p.Error = "The draft is too big to preview."
		return p
	}
	var record []byte
	switch {
	case strings.TrimSpace(payload) != "":
		record = []byte(payload)
		p.OrderName = "the pasted payload"
	case orderID != "":
		id, err := strconv.ParseInt(strings.TrimPrefix(orderID, "#"), 10, 64)
		if err != nil || id <= 0 {
			p.Error = "Give the Shopify order id (a number such as 450789469), or paste a payload."
			return p
		}
		e, err := s.d.Ledger.LedgerGet(c.Request().Context(), storeOf(c).Shop, id)
		if errors.Is(err, erp.ErrNotFound) {
			p.Error = fmt.Sprintf("Order %d is not in the ledger.", id)
			return p
		}
		if err != nil {
			s.log.Error("preview: read order", "order_id", id, "err", err)
			p.Error = "Could not read the order; the reason has been logged."
			return p
		}
		if len(e.Payload) == 0 {
			p.Error = fmt.Sprintf("The ledger holds no payload for order %s.", e.OrderName)
			return p
		}
		record, p.OrderName = e.Payload, "order "+e.OrderName
	default:
		p.Error = "Choose an order or paste a payload to preview."
		return p
	}
	res, err := storeOf(c).Mappings.Preview(c.Request().Context(), name, draft, record)
	var diags *mapping.Diagnostics
	switch {
	case errors.As(err, &diags):
		p.Problems = diags.Error()
	case err != nil:
		// The engine's words about the payload ("decode order: …"): for the person who
		// pasted it.
		p.Error = err.Error()
	default:
		p.Result = &res
	}
	return p
}

// mappingSave checks and saves an admin's edit. A file that does not compile is refused
// with its diagnostics, and the draft stays in the editor.
func (s *Server) mappingSave(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	src := normalizeSource(c.FormValue("src"))
	data, err := s.newMappingData(c, f)
	if err != nil {
		return err
	}
	data.Source, data.Draft = src, true
	data.OrderID, data.Payload = strings.TrimSpace(c.FormValue("order")), c.FormValue("payload")
	refuse := func(status int, msg, problems string) error {
		data.Problems = problems
		s.setFlash(c, "bad", msg)
		return s.render(c, status, "mapping", f.Name, data)
	}
	switch {
	case strings.TrimSpace(src) == "":
		return refuse(http.StatusUnprocessableEntity, "Not saved: the file is empty.", "")
	case len(src) > maxMappingSize:
		return refuse(http.StatusRequestEntityTooLarge, "Not saved: the file is too big.", "")
	}
	u := userOf(c)
	err = storeOf(c).Mappings.Save(c.Request().Context(), f.Name, []byte(src), u.Name)
	var diags *mapping.Diagnostics
	switch {
	case errors.As(err, &diags):
		return refuse(http.StatusUnprocessableEntity, "Not saved: "+f.Name+" does not compile. The problems are below; the feeds still use the saved file.", diags.Error())
	case err != nil:
		s.log.Error("save mapping", "file", f.Name, "user", u.Name, "err", err)
		return refuse(http.StatusInternalServerError, "Not saved: something went wrong on our side; it has been logged.", "")
	}
	s.log.Info("mapping saved", "file", f.Name, "user", u.Name)
	s.setFlash(c, "good", "Saved "+f.Name+". The feeds use it from their next record; the earlier version is kept.")
	return c.Redirect(http.StatusSeeOther, "/mappings/"+f.Name)
}

type versionsData struct {
	File     MappingFile
	Versions []MappingVersion
}

func (s *Server) mappingVersions(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	vs, err := storeOf(c).Mappings.Versions(c.Request().Context(), f.Name)
	if err != nil {
		return fmt.Errorf("list versions of %s: %w", f.Name, err)
	}
	return s.render(c, http.StatusOK, "versions", "Versions of "+f.Name, versionsData{File: f, Versions: vs})
}
