package mapping

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dir is a folder of mapping files as a running passthrough uses them. Each file is
// compiled on its own, so a broken inventory.yaml never stops the orders feed. A file is
// saved only when it compiles; the text it replaces is kept in the folder's .versions log,
// and the feeds get the new mapping from their next record, without a restart.
type Dir struct {
	path string

	mu       sync.Mutex // one save at a time
	state    atomic.Pointer[dirState]
	onChange []func(*Set)
}

type dirState struct {
	set   *Set
	files []DirFile
}

// DirFile is one mapping file as it is on disk now.
type DirFile struct {
	Name   string // orders.yaml
	Source []byte
	// Problems is every diagnostic of the file (file:line:col, the line, a caret, what was
	// expected); nil when it compiles.
	Problems *Diagnostics
	// Version is the file's number in its log; 0 when it was never saved through Save.
	Version int
	SavedAt time.Time
	SavedBy string
}

// Version is one text a mapping file has had.
type Version struct {
	Version int       `json:"version"`
	SavedAt time.Time `json:"saved_at"`
	SavedBy string    `json:"saved_by"`
	Source  string    `json:"source"`
	// RestoredFrom is the earlier version this one brought back; 0 for an edit.
	RestoredFrom int `json:"restored_from,omitempty"`
}

// SaveParams is one save of a mapping file.
type SaveParams struct {
	Name   string // orders.yaml
	Source []byte
	User   string
	At     time.Time
	// RestoredFrom is the earlier version whose text Source is, when one is restored.
	RestoredFrom int
	// Check, when set, is run on the file once it compiles and before anything is written
	// (the target columns against the database's tables): an error it returns refuses the
	// save, and is returned as it is.
	Check func(*Set) error
}

const versionsDir = ".versions"

// OpenDir compiles every *.yaml file of path. A file that does not compile is reported by
// Files and left out of Set; only a folder that cannot be read is an error.
func OpenDir(path string) (*Dir, error) {
	d := &Dir{path: path}
	if err := d.Reload(); err != nil {
		return nil, err
	}
	return d, nil
}

// Path is the folder.
func (d *Dir) Path() string { return d.path }

// Set is the mappings of every file that compiles. It never returns nil.
func (d *Dir) Set() *Set { return d.state.Load().set }

// Files lists the mapping files, sorted by name.
func (d *Dir) Files() []DirFile { return slices.Clone(d.state.Load().files) }

// Problems joins the diagnostics of every file that does not compile; nil when all do.
func (d *Dir) Problems() error {
	var all Diagnostics
	for _, f := range d.state.Load().files {
		if f.Problems != nil {
			all.List = append(all.List, f.Problems.List...)
		}
	}
	if all.Empty() {
		return nil
	}
	return &all
}

// OnChange registers fn to be called with the new set after every Save and Reload (the
// orders feed maps its failed orders again: a fixed mapping is the usual cure).
func (d *Dir) OnChange(fn func(*Set)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.onChange = append(d.onChange, fn)
}

// Reload compiles the files on disk again (after someone edited them by hand).
func (d *Dir) Reload() error {
	d.mu.Lock()
	st, err := d.load()
	if err == nil {
		d.state.Store(st)
	}
	hooks := slices.Clone(d.onChange)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	for _, fn := range hooks {
		fn(st.set)
	}
	return nil
}

func (d *Dir) load() (*dirState, error) {
	names, err := fs.Glob(os.DirFS(d.path), "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list mappings: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no mapping files (*.yaml) in %s", d.path)
	}
	slices.Sort(names)
	st := &dirState{set: &Set{}}
	for _, name := range names {
		src, err := os.ReadFile(filepath.Join(d.path, name))
		if err != nil {
			return nil, fmt.Errorf("read mapping: %w", err)
		}
		f := DirFile{Name: name, Source: src}
		if vs, err := d.versions(name); err != nil {
			return nil, err
		} else if len(vs) > 0 {
			last := vs[len(vs)-1]
			f.Version, f.SavedAt, f.SavedBy = last.Version, last.SavedAt, last.SavedBy
		}
		set, err := Parse(filepath.Join(d.path, name), src)
		var diags *Diagnostics
		switch {
		case errors.As(err, &diags):
			f.Problems = diags
		case err != nil:
			return nil, err
		default:
			st.set.merge(set)
		}
		st.files = append(st.files, f)
	}
	return st, nil
}

func (s *Set) merge(o *Set) {
	if o.Orders != nil {
		s.Orders = o.Orders
	}
	if o.Shipments != nil {
		s.Shipments = o.Shipments
	}
	if o.Inventory != nil {
		s.Inventory = o.Inventory
	}
}

// Save replaces the file name with src when src compiles; otherwise it returns the
// *Diagnostics and changes nothing. The earlier text stays in the log.
func (d *Dir) Save(name string, src []byte, user string, at time.Time) error {
	return d.SaveWith(SaveParams{Name: name, Source: src, User: user, At: at})
}

// SaveWith is Save with the rest of SaveParams: a check of the compiled file before it is
// written, and the version a restore brings back.
func (d *Dir) SaveWith(p SaveParams) error {
	name := p.Name
	if name != filepath.Base(name) || !strings.HasSuffix(name, ".yaml") || strings.HasPrefix(name, ".") {
		return fmt.Errorf("save mapping: %q is not a mapping file name", name)
	}
	set, err := Parse(filepath.Join(d.path, name), p.Source)
	if err != nil {
		return err
	}
	if p.Check != nil {
		if err := p.Check(set); err != nil {
			return err
		}
	}
	d.mu.Lock()
	err = d.save(p)
	var st *dirState
	if err == nil {
		st, err = d.load()
	}
	if err == nil {
		d.state.Store(st)
	}
	hooks := slices.Clone(d.onChange)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	for _, fn := range hooks {
		fn(st.set)
	}
	return nil
}

func (d *Dir) save(p SaveParams) error {
	name, src := p.Name, p.Source
	vs, err := d.versions(name)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		// The first save keeps the text as it was found (shipped or edited by hand).
		old, err := os.ReadFile(filepath.Join(d.path, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read mapping: %w", err)
		}
		if err == nil {
			vs = append(vs, Version{Version: 1, Source: string(old)})
			if err := d.appendVersion(name, vs[0]); err != nil {
				return err
			}
		}
	}
	v := Version{Version: len(vs) + 1, SavedAt: p.At.UTC(), SavedBy: p.User, Source: string(src), RestoredFrom: p.RestoredFrom}
	if err := writeFileAtomic(filepath.Join(d.path, name), src); err != nil {
		return fmt.Errorf("save mapping: %w", err)
	}
	return d.appendVersion(name, v)
}

// Versions lists the texts the file has had, newest first; the first is the current one.
func (d *Dir) Versions(name string) ([]Version, error) {
	vs, err := d.versions(name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		src, err := os.ReadFile(filepath.Join(d.path, name))
		if err != nil {
			return nil, fmt.Errorf("read mapping: %w", err)
		}
		vs = []Version{{Source: string(src)}}
	}
	slices.Reverse(vs)
	return vs, nil
}

func (d *Dir) logPath(name string) string {
	return filepath.Join(d.path, versionsDir, name+".jsonl")
}

func (d *Dir) versions(name string) ([]Version, error) {
	b, err := os.ReadFile(d.logPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read mapping versions: %w", err)
	}
	var vs []Version
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var v Version
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("read mapping versions of %s: %w", name, err)
		}
		vs = append(vs, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mapping versions of %s: %w", name, err)
	}
	return vs, nil
}

func (d *Dir) appendVersion(name string, v Version) error {
	if err := os.MkdirAll(filepath.Join(d.path, versionsDir), 0o755); err != nil {
		return fmt.Errorf("keep mapping version: %w", err)
	}
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("keep mapping version: %w", err)
	}
	f, err := os.OpenFile(d.logPath(name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("keep mapping version: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("keep mapping version: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keep mapping version: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data so that a reader sees the old file or the new
// one, never half of it.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
