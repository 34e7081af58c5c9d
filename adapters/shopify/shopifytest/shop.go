package shopifytest

import (
	"fmt"
	"net/http"
	"time"
)

// handleShop answers GET shop.json: the store's settings, its time zone among them, as
// Shopify writes them (iana_timezone, and timezone the way the admin shows it).
func (s *Server) handleShop(w http.ResponseWriter, _ *apiRequest) {
	s.mu.Lock()
	id := s.st.shopID
	s.mu.Unlock()
	iana := ianaName(s.zone)
	_, offset := s.clock.Now().In(s.zone).Zone()
	sign := '+'
	if offset < 0 {
		sign, offset = '-', -offset
	}
	writeJSON(w, http.StatusOK, map[string]any{"shop": map[string]any{
		"id": id, "name": s.Shop, "email": "owner@" + s.Domain(), "domain": s.Domain(), "myshopify_domain": s.Domain(),
		"currency": "USD", "money_format": "${{amount}}", "country_code": "US", "plan_name": "basic",
		"iana_timezone": iana, "timezone": fmt.Sprintf("(GMT%c%02d:%02d) %s", sign, offset/3600, offset%3600/60, iana),
	}})
}

// ianaName is the tz database name of a zone: its own for a loaded zone, the Etc/GMT zone
// of its offset for a fixed one of whole hours (Etc/GMT+4 is four hours behind UTC).
func ianaName(loc *time.Location) string {
	if _, err := time.LoadLocation(loc.String()); err == nil && loc.String() != "Local" {
		return loc.String()
	}
	_, offset := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
	if offset%3600 != 0 {
		return "UTC"
	}
	h := -offset / 3600
	switch {
	case h == 0:
		return "Etc/GMT"
	case h > 0:
		return fmt.Sprintf("Etc/GMT+%d", h)
	}
	return fmt.Sprintf("Etc/GMT%d", h)
}
