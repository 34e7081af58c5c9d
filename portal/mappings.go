package portal

import (
	"errors"
	"fmt"
	"net/http"
	"path"
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
	Of        string // "the saved file" or "this text"
	OrderName string
	Result    *Preview
	// Refused says the text being previewed does not pass its checks (the problems are in
	// the check beside the editor, which always describes the text in it).
	Refused bool
	Error   string // why there is nothing to show
}

// checkData is what the checks a save makes say about one text of a file: the block beside
// the editor, which always describes the text the editor holds.
type checkData struct {
	Of string // "the saved file" or "this text"
	// Problems are the diagnostics, each with file:line:col; nil when the text passes.
	Problems *mapping.Diagnostics
	Error    string // the check could not be made
	// Impact is what saving would do to the store's orders (orders.yaml only).
	Impact *impact
	// OOB sends the block beside another one, for htmx to swap in by its id.
	OOB bool
}

// impact is what saving the orders mapping does to the orders in the ledger, from the
// ledger's counts for the store.
type impact struct {
	Failed, Waiting   int // mapped again: at the next run, and when they become ready
	StagedNotImported int // staged again with it when the feed next reads them
	Imported          int // never touched: the ERP has them
}

// Remapped is the orders the new mapping maps again.
func (i impact) Remapped() int { return i.Failed + i.Waiting }

type mappingData struct {
	File MappingFile
	// Source is what the editor holds: the saved file, or a draft that was checked,
	// refused or previewed, so an admin's work is never lost to a round trip.
	Source string
	Draft  bool
	// Check is what the checks say of Source.
	Check   checkData
	OrderID string
	Payload string
	Recent  []ledger.Entry
	Preview *previewData
}

// newMappingData is what every view of one mapping file starts from: the file named in the
// address and the store's recent orders to preview against.
func (s *Server) newMappingData(c *echo.Context) (mappingData, error) {
	f, err := s.mappingFile(c)
	if err != nil {
		return mappingData{}, err
	}
	recent, err := s.d.Ledger.LedgerList(c.Request().Context(), erp.LedgerListParams{Shop: storeOf(c).Shop, Limit: 15})
	if err != nil {
		return mappingData{}, fmt.Errorf("list recent orders: %w", err)
	}
	return mappingData{File: f, Source: f.Source, Recent: recent}, nil
}

// withDraft puts the text sent with the form (admins only) in the editor; it answers false
// when the form has none, or the user may not edit.
func withDraft(c *echo.Context, data *mappingData) bool {
	src, ok := formField(c, "src")
	if !ok || !userOf(c).Can("admin") {
		return false
	}
	data.Source, data.Draft = normalizeSource(src), true
	return true
}

// mappingPage shows a mapping file, what its checks say, a preview against a chosen order
// (?order=ID previews without JavaScript) and, for admins, the editor.
func (s *Server) mappingPage(c *echo.Context) error {
	data, err := s.newMappingData(c)
	if err != nil {
		return err
	}
	f := data.File
	data.Check = s.check(c, f.Name, data.Source, false)
	if id := strings.TrimSpace(c.QueryParam("order")); id != "" {
		data.OrderID = id
		data.Preview = s.preview(c, f.Name, nil, id, "")
	}
	return s.render(c, http.StatusOK, "mapping", f.Name, data)
}

// mappingCheck runs on the editor's text the checks a save makes, and says what saving it
// would do to the store's orders; htmx gets the check block alone (the editor asks as the
// text changes).
func (s *Server) mappingCheck(c *echo.Context) error {
	data, err := s.newMappingData(c)
	if err != nil {
		return err
	}
	f := data.File
	withDraft(c, &data)
	data.Check = s.check(c, f.Name, data.Source, data.Draft)
	if isHTMX(c) {
		return s.renderPart(c, http.StatusOK, "mapping", "check", data)
	}
	return s.render(c, http.StatusOK, "mapping", f.Name, data)
}

// mappingPreview previews the saved file, or (admins only) the text in the editor, whose
// check block is sent along, so the problems shown are always the text's.
func (s *Server) mappingPreview(c *echo.Context) error {
	data, err := s.newMappingData(c)
	if err != nil {
		return err
	}
	f := data.File
	data.OrderID = strings.TrimSpace(c.Request().PostFormValue("order"))
	data.Payload = c.Request().PostFormValue("payload")
	var draft []byte
	if withDraft(c, &data) {
		draft = []byte(data.Source)
	}
	data.Check = s.check(c, f.Name, data.Source, data.Draft)
	data.Preview = s.preview(c, f.Name, draft, data.OrderID, data.Payload)
	if isHTMX(c) {
		data.Check.OOB = true
		return s.renderPart(c, http.StatusOK, "mapping", "preview_answer", data)
	}
	return s.render(c, http.StatusOK, "mapping", f.Name, data)
}

// formField reads a form field of the body and whether the form had it at all.
func formField(c *echo.Context, name string) (string, bool) {
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		return "", false
	}
	v, ok := req.PostForm[name]
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

// check runs the checks a save makes on src. Whatever goes wrong is said in the check
// block, not as an error page: it is the answer to the question.
func (s *Server) check(c *echo.Context, name, src string, draft bool) checkData {
	out := checkData{Of: "the saved file"}
	if draft {
		out.Of = "this text"
	}
	switch {
	case strings.TrimSpace(src) == "":
		out.Error = "The file is empty."
		return out
	case len(src) > maxMappingSize:
		out.Error = "The file is too big."
		return out
	}
	ctx := c.Request().Context()
	err := storeOf(c).Mappings.Check(ctx, name, []byte(src))
	var diags *mapping.Diagnostics
	switch {
	case errors.As(err, &diags):
		out.Problems = shownDiagnostics(diags)
	case err != nil:
		s.log.Error("check mapping", "file", name, "err", err)
		out.Error = "The checks could not be made (the database did not answer); the reason has been logged."
	}
	if name == "orders.yaml" {
		if counts, err := s.d.Ledger.LedgerStatusCounts(ctx, storeOf(c).Shop); err != nil {
			s.log.Error("count the ledger", "err", err)
		} else {
			staged := counts.ByStatus[ledger.StatusStaged]
			out.Impact = &impact{Failed: counts.ByStatus[ledger.StatusFailed], Waiting: counts.ByStatus[ledger.StatusWaiting],
				StagedNotImported: max(staged-counts.Imported, 0), Imported: counts.Imported}
		}
	}
	return out
}

// shownDiagnostics are the engine's diagnostics as a page shows them: each file by its
// name, never the folder it is in on the server.
func shownDiagnostics(d *mapping.Diagnostics) *mapping.Diagnostics {
	out := &mapping.Diagnostics{List: make([]mapping.Diagnostic, len(d.List))}
	for i, x := range d.List {
		x.File = path.Base(strings.ReplaceAll(x.File, "\\", "/"))
		out.List[i] = x
	}
	return out
}

// preview runs the mapping on an order of the ledger or a pasted payload. Whatever goes
// wrong is said in the preview box, not as an error page: it is the answer to the question.
func (s *Server) preview(c *echo.Context, name string, draft []byte, orderID, payload string) *previewData {
	p := &previewData{Of: "the saved file"}
	if draft != nil {
		p.Of = "this text"
	}
	if len(draft) > maxMappingSize {
		p.Error = "The text is too big to preview."
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
		p.Refused = true
	case err != nil:
		// The engine's words about the payload ("decode order: …"): for the person who
		// pasted it.
		p.Error = err.Error()
	default:
		p.Result = &res
	}
	return p
}

// mappingSave checks and saves an admin's edit. A text the checks refuse is shown again
// with their diagnostics, and stays in the editor.
func (s *Server) mappingSave(c *echo.Context) error {
	data, err := s.newMappingData(c)
	if err != nil {
		return err
	}
	f := data.File
	withDraft(c, &data)
	data.Draft = true
	data.OrderID = strings.TrimSpace(c.Request().PostFormValue("order"))
	data.Payload = c.Request().PostFormValue("payload")
	refuse := func(status int, msg string) error {
		data.Check = s.check(c, f.Name, data.Source, true)
		s.setFlash(c, "bad", msg)
		return s.render(c, status, "mapping", f.Name, data)
	}
	switch {
	case strings.TrimSpace(data.Source) == "":
		return refuse(http.StatusUnprocessableEntity, "Not saved: the file is empty.")
	case len(data.Source) > maxMappingSize:
		return refuse(http.StatusRequestEntityTooLarge, "Not saved: the file is too big.")
	}
	version, err := s.saveMapping(c, MappingSave{Name: f.Name, Source: []byte(data.Source), User: userOf(c).Name})
	var diags *mapping.Diagnostics
	switch {
	case errors.As(err, &diags):
		return refuse(http.StatusUnprocessableEntity, "Not saved: this text does not pass the checks (its problems are beside the editor). "+
			"The saved version is unchanged and the feeds go on using it.")
	case err != nil:
		return refuse(http.StatusInternalServerError, "Not saved: something went wrong on our side; it has been logged.")
	}
	s.audit(c, actionMappingSave, storeOf(c).Shop+"/"+f.Name, fmt.Sprintf("saved version %d", version))
	s.setFlash(c, "good", fmt.Sprintf("Saved %s. It is version %d; the feeds use it from their next record, and the earlier version is kept.", f.Name, version))
	return c.Redirect(http.StatusSeeOther, "/mappings/"+f.Name)
}

// saveMapping saves through the store's mappings, and answers the file's new version.
func (s *Server) saveMapping(c *echo.Context, m MappingSave) (int, error) {
	ctx := c.Request().Context()
	if err := storeOf(c).Mappings.Save(ctx, m); err != nil {
		var diags *mapping.Diagnostics
		if !errors.As(err, &diags) {
			s.log.Error("save mapping", "file", m.Name, "user", m.User, "err", err)
		}
		return 0, err
	}
	s.log.Info("mapping saved", "file", m.Name, "user", m.User, "restored_from", m.RestoredFrom)
	files, err := storeOf(c).Mappings.Files(ctx)
	if err != nil {
		return 0, fmt.Errorf("list mappings: %w", err)
	}
	for _, f := range files {
		if f.Name == m.Name {
			return f.Version, nil
		}
	}
	return 0, nil
}
