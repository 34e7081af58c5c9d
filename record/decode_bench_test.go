package record

import (
	"os"
	"testing"
)

// BenchmarkDecodeOrderPaths reads real orders both ways, side by side: the fast path
// DecodeOrder takes for them, and the tolerant path it falls back to (which the older
// API's order took before the fast path read wrappers and coordinates as strings).
func BenchmarkDecodeOrderPaths(b *testing.B) {
	for _, tc := range []struct{ name, file string }{
		{"api-2026-07", "../mappings/tests/payloads/order-1001-2026-07.json"},
		{"older-api", "../mappings/tests/payloads/order-1001-older-api.json"},
		{"webhook", "../mappings/tests/payloads/order-9999-webhook-sample.json"},
	} {
		raw, err := os.ReadFile(tc.file)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := decodeOrderFast(raw); !ok {
			b.Fatalf("%s does not take the fast path", tc.file)
		}
		b.Run(tc.name+"/fast", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				decodeOrderFast(raw)
			}
		})
		b.Run(tc.name+"/tolerant", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := decodeOrderTolerant(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlainKeys is the fast path's key scan alone, on the 2026-07 order: the part of
// its cost that keeps it exact.
func BenchmarkPlainKeys(b *testing.B) {
	raw, err := os.ReadFile("../mappings/tests/payloads/order-1001-2026-07.json")
	if err != nil {
		b.Fatal(err)
	}
	if !plainKeys(raw) {
		b.Fatal("Shopify's order has keys the scan refuses")
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		plainKeys(raw)
	}
}
