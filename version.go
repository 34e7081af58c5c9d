package passthrough

import (
	"runtime/debug"
	"strings"
)

// Version says which passthrough this is, from what the Go toolchain recorded in the binary:
// the module's version when it was built from a tagged release, else the commit and whether
// the tree had changes ("devel 4e31597a2c1d (modified)"), else "devel".
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return strings.TrimSpace("devel " + rev + modified)
}
