package mapping_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/mapping"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestBrokenFilesReportEveryProblem loads each broken mapping folder of testdata/errors and
// compares every diagnostic, to the letter, with its golden file: these messages are what a
// pro-services engineer reads in the CLI and the portal.
func TestBrokenFilesReportEveryProblem(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("testdata/errors/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		require.NoError(t, err)
		if !info.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			set, err := mapping.Load(os.DirFS(dir))
			require.Nil(t, set)
			var diags *mapping.Diagnostics
			require.True(t, errors.As(err, &diags), "want *mapping.Diagnostics, got %v", err)
			got := diags.Error() + "\n"
			golden := dir + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./mapping -run %s -update to create it", t.Name())
			require.Equal(t, string(want), got)
		})
	}
}
