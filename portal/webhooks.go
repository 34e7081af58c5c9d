package portal

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// WebhookHealth says whether a store's webhooks are flowing (webhooks.Check), for the Feeds
// page and, later, the health panel.
type WebhookHealth interface {
	WebhookHealth(ctx context.Context) (webhooks.Health, error)
}

// Privacy lists the privacy requests Shopify sent about a store and what was done about them.
type Privacy interface {
	Redactions(ctx context.Context) ([]erp.Redaction, error)
}

// webhookHealth reads the current store's webhook health for a page; nil when the store has
// none.
func webhookHealth(c *echo.Context) (*webhooks.Health, error) {
	st := storeOf(c)
	if st == nil || st.Webhooks == nil {
		return nil, nil
	}
	h, err := st.Webhooks.WebhookHealth(c.Request().Context())
	if err != nil {
		return nil, fmt.Errorf("check webhooks: %w", err)
	}
	return &h, nil
}

type privacyData struct {
	Configured bool
	Requests   []erp.Redaction
}

// privacyPage lists the current store's privacy requests, newest first: when each came,
// whose data, which orders, what was removed and when.
func (s *Server) privacyPage(c *echo.Context) error {
	var data privacyData
	if st := storeOf(c); st != nil && st.Privacy != nil {
		rs, err := st.Privacy.Redactions(c.Request().Context())
		if err != nil {
			return fmt.Errorf("list privacy requests: %w", err)
		}
		data.Configured, data.Requests = true, rs
	}
	return s.render(c, http.StatusOK, "privacy", "Privacy requests", data)
}
