package portal

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/webhooks"
)

// WebhookHealth says whether each store's webhooks are flowing (webhooks.Check), for the
// Feeds page and, later, the health panel.
type WebhookHealth interface {
	WebhookHealth(ctx context.Context) ([]webhooks.Health, error)
}

// Privacy lists the privacy requests Shopify sent and what was done about them.
type Privacy interface {
	Redactions(ctx context.Context) ([]erp.Redaction, error)
}

// webhookHealth reads the stores' webhook health for a page; nil when the portal has none.
func (s *Server) webhookHealth(ctx context.Context) ([]webhooks.Health, error) {
	if s.d.WebhookHealth == nil {
		return nil, nil
	}
	hs, err := s.d.WebhookHealth.WebhookHealth(ctx)
	if err != nil {
		return nil, fmt.Errorf("check webhooks: %w", err)
	}
	return hs, nil
}

type privacyData struct {
	Configured bool
	Requests   []erp.Redaction
}

// privacyPage lists the privacy requests, newest first: when each came, whose data, which
// orders, what was removed and when.
func (s *Server) privacyPage(c *echo.Context) error {
	data := privacyData{Configured: s.d.Privacy != nil}
	if s.d.Privacy != nil {
		rs, err := s.d.Privacy.Redactions(c.Request().Context())
		if err != nil {
			return fmt.Errorf("list privacy requests: %w", err)
		}
		data.Requests = rs
	}
	return s.render(c, http.StatusOK, "privacy", "Privacy requests", data)
}
