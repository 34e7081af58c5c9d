package mapping_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/mappings"
)

// shippedDir copies the shipped mapping files into a folder of the test's own.
func shippedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"orders.yaml", "shipments.yaml", "inventory.yaml"} {
		b, err := mappings.Files.ReadFile(name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	return dir
}

func TestDirSavesOnlyWhatCompilesAndKeepsEveryVersion(t *testing.T) {
	t.Parallel()
	path := shippedDir(t)
	d, err := mapping.OpenDir(path)
	require.NoError(t, err)
	require.NoError(t, d.Problems())
	require.NotNil(t, d.Set().Orders)
	shipped, err := os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)

	var changes atomic.Int32
	d.OnChange(func(s *mapping.Set) {
		require.NotNil(t, s.Orders)
		changes.Add(1)
	})

	broken := strings.Replace(string(shipped), "order.name", "order.nmae", 1)
	err = d.Save("orders.yaml", []byte(broken), "adam", time.Now())
	var diags *mapping.Diagnostics
	require.True(t, errors.As(err, &diags), "a file that does not compile is refused: %v", err)
	require.Contains(t, err.Error(), "did you mean name?")
	onDisk, err := os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(shipped), string(onDisk), "nothing changed")
	require.Zero(t, changes.Load())

	before := d.Set().Orders
	edited := strings.Replace(string(shipped), `payment_terms: "NET30"`, `payment_terms: "NET45"`, 1)
	at := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	require.NoError(t, d.Save("orders.yaml", []byte(edited), "adam", at))
	require.Equal(t, int32(1), changes.Load())
	require.NotSame(t, before, d.Set().Orders, "the feeds get the new mapping without a restart")
	onDisk, err = os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)
	require.Equal(t, edited, string(onDisk))

	vs, err := d.Versions("orders.yaml")
	require.NoError(t, err)
	require.Len(t, vs, 2)
	require.Equal(t, mapping.Version{Version: 2, SavedAt: at, SavedBy: "adam", Source: edited}, vs[0])
	require.Equal(t, string(shipped), vs[1].Source, "the text as found is kept as the first version")
	files := d.Files()
	require.Equal(t, "inventory.yaml", files[0].Name)
	require.Equal(t, 2, files[1].Version)
	require.Equal(t, "adam", files[1].SavedBy)

	// A new Dir on the same folder sees the same history.
	again, err := mapping.OpenDir(path)
	require.NoError(t, err)
	vs2, err := again.Versions("orders.yaml")
	require.NoError(t, err)
	require.Equal(t, vs, vs2)
}

func TestDirKeepsTheOtherFeedsRunningWhenOneFileIsBroken(t *testing.T) {
	t.Parallel()
	path := shippedDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(path, "inventory.yaml"), []byte("location: [\n"), 0o644))
	d, err := mapping.OpenDir(path)
	require.NoError(t, err)
	require.NotNil(t, d.Set().Orders)
	require.NotNil(t, d.Set().Shipments)
	require.Nil(t, d.Set().Inventory)
	require.ErrorContains(t, d.Problems(), "inventory.yaml:")
	for _, f := range d.Files() {
		require.Equal(t, f.Name == "inventory.yaml", f.Problems != nil, f.Name)
	}
}

func TestDirRefusesNamesOutsideTheFolder(t *testing.T) {
	t.Parallel()
	d, err := mapping.OpenDir(shippedDir(t))
	require.NoError(t, err)
	for _, name := range []string{"../orders.yaml", ".versions/orders.yaml", "orders.yml", ""} {
		require.ErrorContains(t, d.Save(name, []byte("x"), "eve", time.Now()), "is not a mapping file name", name)
	}
}

func TestASaveIsRefusedByItsCheckAndARestoreSaysWhichVersionItBroughtBack(t *testing.T) {
	t.Parallel()
	path := shippedDir(t)
	d, err := mapping.OpenDir(path)
	require.NoError(t, err)
	shipped, err := os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)
	edited := strings.Replace(string(shipped), `payment_terms: "NET30"`, `payment_terms: "NET45"`, 1)

	refused := errors.New("column payment_terms is too short")
	var checked *mapping.Set
	err = d.SaveWith(mapping.SaveParams{Name: "orders.yaml", Source: []byte(edited), User: "adam", At: time.Now(),
		Check: func(s *mapping.Set) error { checked = s; return refused }})
	require.ErrorIs(t, err, refused)
	require.NotNil(t, checked.Orders, "the check gets the compiled file")
	onDisk, err := os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(shipped), string(onDisk), "a refused save writes nothing")
	vs, err := d.Versions("orders.yaml")
	require.NoError(t, err)
	require.Len(t, vs, 1, "and keeps no version")

	at := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	require.NoError(t, d.Save("orders.yaml", []byte(edited), "adam", at))
	require.NoError(t, d.SaveWith(mapping.SaveParams{Name: "orders.yaml", Source: shipped, User: "eve", At: at.Add(time.Hour), RestoredFrom: 1,
		Check: func(*mapping.Set) error { return nil }}))
	vs, err = d.Versions("orders.yaml")
	require.NoError(t, err)
	require.Equal(t, mapping.Version{Version: 3, SavedAt: at.Add(time.Hour), SavedBy: "eve", Source: string(shipped), RestoredFrom: 1}, vs[0])
	onDisk, err = os.ReadFile(filepath.Join(path, "orders.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(shipped), string(onDisk))
}
