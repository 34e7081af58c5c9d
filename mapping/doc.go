// Package mapping is passthrough's mapping engine: YAML files of expr-lang expressions
// (mappings/*.yaml) that decide what an order, a shipment or a stock row becomes, compiled
// once at load against typed environments and run many times.
//
// Nothing outside this package knows that expr exists. Callers load a Set (LoadDir, Load,
// LoadFiles, Parse), map records with Set.Orders.Map, Set.Shipments.Map and
// Set.Inventory.Map (or, to show one record's rows, Set.Preview, which the portal, the CLI
// and the mapping tests of mapping/mappingtest call), and check target columns against the
// database with CheckColumns.
// A broken file is reported as *Diagnostics: every problem with file:line:col, the line, a
// caret, and what was expected. A record that cannot be mapped gives a
// *passthrough.RecordError with a severity and a message an operator can read.
//
// # Bounded and safe
//
// A mapping must never hang a feed nor reach outside its record. expr has no CPU limit, so
// the engine refuses, at load: ranges (1..n), a predicate builtin (sum, map, filter, all,
// any, …) inside another one's predicate, method calls (except a few of time.Time's, which
// only read), and expressions of more than maxNodes nodes; repeat, reduce and the JSON and
// base64 builtins are not available, and now is a value (the feed's run time), not a
// function. When it runs, every program has a memory budget (lists it creates) and text it
// builds is capped at maxText bytes (+, replace, join), split at maxParts parts. The lists an
// expression can walk are therefore the record's own, split text, or lists bounded by the
// budget, each walked at most once per predicate. A deliberately hostile expression can
// still spend some time; it cannot run away or exhaust memory.
//
// # Money
//
// Money is decimal.Decimal throughout: float literals are decimals, and arithmetic and
// comparisons with decimals are exact (see arith.go).
package mapping
