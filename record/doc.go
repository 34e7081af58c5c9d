// Package record holds the records passthrough moves, as the feeds read them: Shopify's
// orders (with their lines, refunds and fulfillments), the shipments and stock rows the ERP
// fills, and the decoders that read them from JSON.
//
// It is the ground floor: it imports nothing of passthrough, and every other part — the
// mapping engine, the feeds, the adapters, the portal — passes these types around as they
// are. Nothing outside this package defines or decodes Shopify order JSON, and a feed
// decodes each order once (ReadOrder), however many parts look at it afterwards.
//
// The types are plain data on purpose: mapping expressions can reach everything reachable
// from their environment, so the types carry no methods an expression could call. Every
// field has Shopify's own snake_case name twice: in its json tag, which the decoders read,
// and in its expr tag, the name a mapping expression uses (order.financial_status,
// line.requires_shipping). Ids are int64 (Shopify ids exceed 2^53, so a float64 would
// corrupt them), money is decimal.Decimal (exact), and timestamps Shopify may send as null
// are *time.Time, so that `order.cancelled_at ?? …` works in a mapping.
package record
