// Package mappings holds the mapping files passthrough ships (see README.md): the defaults
// a new installation starts from, and what `passthrough demo` runs on.
package mappings

import "embed"

// Files are the shipped mapping files, orders.yaml, shipments.yaml and inventory.yaml, at
// the root: mapping.Load(mappings.Files) compiles them.
//
//go:embed *.yaml
var Files embed.FS
