package record

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// personal are the keys of a Shopify order that hold a person's data, wherever they appear
// in it: the customer, the addresses, contact details, notes and line item properties
// (an engraving, a gift message), the browser that placed the order and the links that
// identify the person's visit.
var personal = map[string]bool{
	"customer": true, "billing_address": true, "shipping_address": true, "destination": true,
	"email": true, "contact_email": true, "phone": true,
	"note": true, "note_attributes": true, "properties": true,
	"client_details": true, "browser_ip": true,
	"landing_site": true, "referring_site": true, "order_status_url": true,
}

// RedactOrder returns the order JSON raw with every personal field set to null, for
// passthrough's own copy of an order after Shopify asked to forget its customer. Ids,
// lines, money and statuses stay as they were, so the order can still be shown and
// counted. Numbers are kept exactly as written (ids exceed 2^53).
func RedactOrder(raw json.RawMessage) (json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("read the order to redact: %w", err)
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return nil, fmt.Errorf("write the redacted order: %w", err)
	}
	return out, nil
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if personal[k] {
				x[k] = nil
				continue
			}
			x[k] = redact(e)
		}
	case []any:
		for i, e := range x {
			x[i] = redact(e)
		}
	}
	return v
}
