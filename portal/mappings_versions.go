package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aymanbagabas/go-udiff"
	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/mapping"
)

// A file's versions, what changed between two of them, and one-click restore (which is a
// save: the same checks, a new version, the audit log).

// diffContext is how many unchanged lines are shown around each change.
const diffContext = 3

// diffLine is one line of a diff as the page shows it: its number in the older and the
// newer text (0 where it is not in that one) and what happened to it.
type diffLine struct {
	Old, New int
	Kind     string // "same", "removed" or "added"
	Text     string
}

// diffHunk is a run of changes with the unchanged lines around them.
type diffHunk struct {
	Lines []diffLine
}

// diffTexts is what changed from old to new, line by line, in hunks with diffContext lines
// around each change; nil when nothing did. The line diff is go-udiff's (Myers' algorithm,
// as Go's own tools diff): a shortest edit script reads better than a hand-written
// line-by-line comparison, which shows a moved or inserted block as a run of changes.
func diffTexts(old, new string) ([]diffHunk, error) {
	edits := udiff.Lines(old, new)
	if len(edits) == 0 {
		return nil, nil
	}
	u, err := udiff.ToUnifiedDiff("old", "new", old, edits, diffContext)
	if err != nil {
		return nil, fmt.Errorf("diff versions: %w", err)
	}
	out := make([]diffHunk, 0, len(u.Hunks))
	for _, h := range u.Hunks {
		o, n := h.FromLine, h.ToLine
		var dh diffHunk
		for _, l := range h.Lines {
			text := strings.TrimSuffix(l.Content, "\n")
			switch l.Kind {
			case udiff.Delete:
				dh.Lines = append(dh.Lines, diffLine{Old: o, Kind: "removed", Text: text})
				o++
			case udiff.Insert:
				dh.Lines = append(dh.Lines, diffLine{New: n, Kind: "added", Text: text})
				n++
			default:
				dh.Lines = append(dh.Lines, diffLine{Old: o, New: n, Kind: "same", Text: text})
				o++
				n++
			}
		}
		out = append(out, dh)
	}
	return out, nil
}

type versionsData struct {
	File     MappingFile
	Versions []MappingVersion
	// From and To are the versions compared (From older); Hunks what changed between them.
	From, To MappingVersion
	Compared bool
	Hunks    []diffHunk
	// Refused is a restore the checks refused: the version, and what they say of its text.
	Refused *refusedRestore
}

type refusedRestore struct {
	Version int
	Check   checkData
}

// mappingVersions lists a file's versions and shows what changed between two of them
// (?from=N&to=M; by default the one before the current and the current).
func (s *Server) mappingVersions(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	data, err := s.versionsData(c, f)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "versions", "Versions of "+f.Name, data)
}

func (s *Server) versionsData(c *echo.Context, f MappingFile) (versionsData, error) {
	vs, err := storeOf(c).Mappings.Versions(c.Request().Context(), f.Name)
	if err != nil {
		return versionsData{}, fmt.Errorf("list versions of %s: %w", f.Name, err)
	}
	data := versionsData{File: f, Versions: vs}
	if len(vs) < 2 {
		return data, nil
	}
	find := func(param string, def MappingVersion) (MappingVersion, error) {
		raw := c.QueryParam(param)
		if raw == "" {
			return def, nil
		}
		n, err := strconv.Atoi(raw)
		if err == nil {
			for _, v := range vs {
				if v.Version == n {
					return v, nil
				}
			}
		}
		return MappingVersion{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s has no version %s.", f.Name, raw))
	}
	// Versions come newest first.
	if data.From, err = find("from", vs[1]); err != nil {
		return data, err
	}
	if data.To, err = find("to", vs[0]); err != nil {
		return data, err
	}
	if data.From.Version > data.To.Version {
		data.From, data.To = data.To, data.From
	}
	data.Compared = true
	data.Hunks, err = diffTexts(data.From.Source, data.To.Source)
	return data, err
}

// mappingRestore brings back an earlier version of a file: a save of its text, with the
// checks every save makes (a version written for columns the ERP has since dropped is
// refused, not restored) and its line in the audit log.
func (s *Server) mappingRestore(c *echo.Context) error {
	f, err := s.mappingFile(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Request().PostFormValue("version"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Say which version to restore.")
	}
	vs, err := storeOf(c).Mappings.Versions(c.Request().Context(), f.Name)
	if err != nil {
		return fmt.Errorf("list versions of %s: %w", f.Name, err)
	}
	var old *MappingVersion
	for i := range vs {
		if vs[i].Version == n {
			old = &vs[i]
		}
	}
	switch {
	case old == nil:
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("%s has no version %d.", f.Name, n))
	case n == f.Version:
		s.setFlash(c, "warn", fmt.Sprintf("Version %d is the current one; nothing to restore.", n))
		return c.Redirect(http.StatusSeeOther, "/mappings/"+f.Name+"/versions")
	}
	version, err := s.saveMapping(c, MappingSave{Name: f.Name, Source: []byte(old.Source), User: userOf(c).Name, RestoredFrom: n})
	var diags *mapping.Diagnostics
	switch {
	case errors.As(err, &diags):
		data, derr := s.versionsData(c, f)
		if derr != nil {
			return derr
		}
		data.Refused = &refusedRestore{Version: n, Check: checkData{Of: fmt.Sprintf("version %d", n), Problems: shownDiagnostics(diags)}}
		s.setFlash(c, "bad", fmt.Sprintf("Not restored: version %d does not pass the checks a save makes (its problems are below). "+
			"The current version is unchanged.", n))
		return s.render(c, http.StatusUnprocessableEntity, "versions", "Versions of "+f.Name, data)
	case err != nil:
		s.setFlash(c, "bad", "Not restored: something went wrong on our side; it has been logged.")
		return c.Redirect(http.StatusSeeOther, "/mappings/"+f.Name+"/versions")
	}
	s.audit(c, actionMappingRestore, storeOf(c).Shop+"/"+f.Name, fmt.Sprintf("restored version %d as version %d", n, version))
	s.setFlash(c, "good", fmt.Sprintf("Restored version %d of %s as version %d. The feeds use it from their next record.", n, f.Name, version))
	return c.Redirect(http.StatusSeeOther, "/mappings/"+f.Name+"/versions")
}
