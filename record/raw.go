package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// RawOrder is one order as a feed receives it: the bytes Shopify sent and the order decoded
// from them, once.
type RawOrder struct {
	Raw json.RawMessage // the order exactly as Shopify sent it
	// Order is the decoded order; nil when Err is set.
	Order *Order
	// ID, Name and UpdatedAt identify the order. They are read even when the rest cannot be
	// (as far as they can be), so a feed can record the problem on the order it belongs to.
	ID        int64
	Name      string
	UpdatedAt time.Time
	// Err says why the order could not be read: its id, name or updated_at first, else the
	// first field DecodeOrder could not read. The order is still handed on, so the caller
	// can record the problem on it and carry on with the page.
	Err error
}

// ReadOrder decodes one element of an orders page (or a single order) once.
func ReadOrder(raw json.RawMessage) RawOrder {
	if o, ok := decodeUnwrappedFast(raw); ok && o.ID > 0 && !o.UpdatedAt.IsZero() {
		return RawOrder{Raw: raw, Order: o, ID: o.ID, Name: o.Name, UpdatedAt: o.UpdatedAt}
	}
	r := readHead(raw)
	if r.Err != nil {
		return r
	}
	r.Order, r.Err = decodeOrderTolerant(raw)
	return r
}

// readHead reads id, name and updated_at tolerantly: an id written as a string, a missing
// name, a bad time are problems of this one order, recorded in Err.
func readHead(raw json.RawMessage) RawOrder {
	o := RawOrder{Raw: raw}
	var h struct {
		ID        json.RawMessage `json:"id"`
		Name      json.RawMessage `json:"name"`
		UpdatedAt json.RawMessage `json:"updated_at"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		// (json's own message names a Go type, which tells a person nothing.)
		o.Err = fmt.Errorf("order is not a JSON object: %s", truncate(raw))
		return o
	}
	var errs []error
	if id, err := readID(h.ID); err != nil {
		errs = append(errs, fmt.Errorf("order id: %w", err))
	} else {
		o.ID = id
	}
	if len(h.Name) > 0 && !bytes.Equal(h.Name, []byte("null")) {
		if err := json.Unmarshal(h.Name, &o.Name); err != nil {
			errs = append(errs, fmt.Errorf("order name is not a string: %s", h.Name))
		}
	}
	var updated string
	if len(h.UpdatedAt) == 0 || bytes.Equal(h.UpdatedAt, []byte("null")) {
		errs = append(errs, errors.New("order updated_at is missing"))
	} else if err := json.Unmarshal(h.UpdatedAt, &updated); err != nil {
		errs = append(errs, fmt.Errorf("order updated_at is not a string: %s", truncate(h.UpdatedAt)))
	} else if t, err := time.Parse(time.RFC3339, updated); err != nil {
		errs = append(errs, fmt.Errorf("order updated_at %q is not an ISO 8601 time", updated))
	} else {
		o.UpdatedAt = t
	}
	o.Err = errors.Join(errs...)
	return o
}

// readID reads a 64-bit id, also from a string ("450789469"), never through float64.
func readID(b json.RawMessage) (int64, error) {
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return 0, errors.New("missing")
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, fmt.Errorf("not a number: %s", truncate(b))
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("not a positive integer: %s", truncate(b))
	}
	return id, nil
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// OrdersOf returns the orders a body holds, each as its own JSON: a page ({"orders": […]}),
// a single order as its endpoint answers ({"order": …}), or a bare order.
func OrdersOf(raw []byte) ([]json.RawMessage, error) {
	var body struct {
		Orders []json.RawMessage `json:"orders"`
		Order  json.RawMessage   `json:"order"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, fmt.Errorf("decode orders: %w", err)
	}
	switch {
	case len(body.Orders) > 0:
		return body.Orders, nil
	case len(body.Order) > 0 && !bytes.Equal(body.Order, []byte("null")):
		return []json.RawMessage{body.Order}, nil
	}
	return []json.RawMessage{raw}, nil
}
