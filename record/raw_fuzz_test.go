package record

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzReadOrder: whatever one element of an orders page holds, reading it never panics,
// keeps the bytes as they came, and either gives a positive id read exactly (never through
// float64) or says why not; an order without an error is decoded whole. `go test` runs the seeds (the real
// payloads of testdata/shopify and the bad orders of reliability/testdata/orders); `go test
// -fuzz FuzzReadOrder` explores.
func FuzzReadOrder(f *testing.F) {
	for _, pattern := range []string{"../testdata/shopify/*order*.json", "../reliability/testdata/orders/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"id":"9007199254740993","name":"#1","updated_at":"2026-11-01T10:00:00-04:00"}`))
	f.Add([]byte(`{"id":9007199254740993.0}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o := ReadOrder(raw)
		if string(o.Raw) != string(raw) {
			t.Fatal("the raw bytes changed")
		}
		if o.ID < 0 {
			t.Fatalf("negative id %d", o.ID)
		}
		if o.ID == 0 && o.Err == nil {
			t.Fatal("no id and no error")
		}
		if o.ID > 0 {
			// The id is the integer the payload writes, exactly.
			var h struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatalf("an id read from bytes that are not an object: %v", err)
			}
			lit := string(h.ID)
			if s, err := strconv.Unquote(lit); err == nil {
				lit = s
			}
			if n, err := strconv.ParseInt(lit, 10, 64); err != nil || n != o.ID {
				t.Fatalf("id %d read from %s", o.ID, h.ID)
			}
		}
		if o.Err == nil && o.UpdatedAt.IsZero() {
			t.Fatal("no error, but no updated_at")
		}
		if (o.Err == nil) != (o.Order != nil) {
			t.Fatalf("error %v with order %v: one or the other", o.Err, o.Order != nil)
		}
		if o.Order != nil && o.Order.ID != o.ID {
			t.Fatalf("decoded id %d, read id %d", o.Order.ID, o.ID)
		}
	})
}
