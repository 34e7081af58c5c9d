package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/config"
)

// FuzzParse: whatever the file holds, Parse returns a valid configuration or an error,
// never panics, never puts a variable's value in a message, and a variable's value never
// changes the file's structure. `go test` runs the seeds (this package's examples and the
// bad configurations of reliability/testdata/configs); `go test -fuzz FuzzParse` explores.
func FuzzParse(f *testing.F) {
	const secret = "shpat_fuzz_secret_value"
	seeds, _ := filepath.Glob("../reliability/testdata/configs/*.yaml")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(""))
	f.Add([]byte("shopify: {shop: acme, access_token: ${PT_TOKEN}}\nerp: {driver: postgres, dsn: ${PT_DSN}}\n"))
	f.Add([]byte("feeds:\n  orders: {every: 1m, overlap: 2m, daily_at: '03:00', daily_days: 3}\n  inventory: {mode: daily}\n"))
	f.Add([]byte("portal:\n  users:\n    - {name: ann, password_hash: ${PT_TOKEN}, role: admin}\n"))
	vars := env(map[string]string{"PT_TOKEN": secret, "PT_DSN": "a: [\n" + secret + "\nmode: live"})
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := config.Parse(bytes.NewReader(src), vars)
		if err != nil {
			require.NotContains(t, err.Error(), secret, "a variable's value shows in a message")
			return
		}
		require.NoError(t, c.Validate(), "Parse returned a configuration that does not validate")
		if !bytes.Contains(src, []byte("${")) {
			// Without variables the environment plays no part.
			again, err := config.Parse(bytes.NewReader(src), env(nil))
			require.NoError(t, err)
			require.Equal(t, c, again)
		} else if strings.Contains(c.ERP.DSN.Reveal(), "mode: live") && !bytes.Contains(src, []byte("mode")) {
			require.Equal(t, "test", c.Mode, "a variable's value changed a setting beside it")
		}
	})
}
