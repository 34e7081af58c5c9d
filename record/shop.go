package record

import "fmt"

// Shop is what passthrough reads of the store's own settings (shop.json): its time zone
// above all, in which the store's business days begin and end.
type Shop struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Domain          string `json:"domain"`
	MyshopifyDomain string `json:"myshopify_domain"`
	Currency        string `json:"currency"`
	// IANATimezone is the zone's name in the tz database, e.g. America/New_York.
	IANATimezone string `json:"iana_timezone"`
	// Timezone is how Shopify shows the zone, e.g. "(GMT-05:00) Eastern Time (US & Canada)".
	Timezone string `json:"timezone"`
}

// DecodeShop reads the shop from Shopify's JSON: {"shop": {…}} or the object itself.
func DecodeShop(raw []byte) (*Shop, error) {
	v, err := ParseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decode shop: %w", err)
	}
	if obj, ok := v.(map[string]any); ok {
		if inner, ok := obj["shop"].(map[string]any); ok && len(obj) == 1 {
			v = inner
		}
	}
	var s Shop
	if err := DecodeTree(v, &s); err != nil {
		return nil, fmt.Errorf("decode shop: %w", err)
	}
	return &s, nil
}
