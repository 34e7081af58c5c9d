package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/config"
)

func TestAlertsPerStoreWithSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	src := `
alerts:
  email:
    to: [ops@example.com]
    from: passthrough@example.com
    smtp: mail.example.com:587
    username: passthrough
    password: ${SMTP_PASSWORD}
  every: 30m
  portal_url: https://pt.example.com
stores:
  - shop: acme
  - shop: globex
    alerts:
      email: {to: [globex-ops@example.com, 'Ann <ann@example.com>']}
      webhook_url: ${GLOBEX_ALERTS_WEBHOOK}
`
	c, err := config.Parse(strings.NewReader(src), env(map[string]string{"SMTP_PASSWORD": "sm7p-secret",
		"GLOBEX_ALERTS_WEBHOOK": "https://hooks.example.com/services/T0/B0/tok3n"}))
	require.NoError(t, err)
	acme, globex := c.StoreList()[0].Alerts, c.StoreList()[1].Alerts
	require.Equal(t, config.Alerts{
		Email: config.AlertEmail{To: []string{"ops@example.com"}, From: "passthrough@example.com", SMTP: "mail.example.com:587",
			Username: "passthrough", Password: "sm7p-secret"},
		Every: config.Duration(30 * time.Minute), PortalURL: "https://pt.example.com",
	}, acme, "a store without its own alerts takes the top level's")
	require.True(t, acme.Enabled())
	require.Equal(t, []string{"globex-ops@example.com", "Ann <ann@example.com>"}, globex.Email.To, "a store's recipients replace the top level's")
	require.Equal(t, "mail.example.com:587", globex.Email.SMTP, "what the store leaves out it takes from the top level")
	require.Equal(t, "https://hooks.example.com/services/T0/B0/tok3n", globex.WebhookURL.Reveal())
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		require.NotContains(t, out, "sm7p-secret")
		require.NotContains(t, out, "tok3n")
	}

	d, err := config.Parse(strings.NewReader(""), env(nil))
	require.NoError(t, err)
	require.False(t, d.StoreList()[0].Alerts.Enabled(), "no alerts unless configured")
	require.Equal(t, config.Duration(15*time.Minute), d.Alerts.Every)
}

func TestBadAlertsAreNamedByTheirField(t *testing.T) {
	t.Parallel()
	email := "email: {to: [ops@example.com], from: pt@example.com, smtp: 'mail.example.com:587'}"
	for _, tc := range []struct{ name, src, want string }{
		{"an interval under 15 minutes", "alerts: {" + email + ", every: 5m}", "alerts.every: must be at least 15m0s: at most one digest per 15m0s"},
		{"a recipient that is no address", "alerts: {email: {to: [ops], from: pt@example.com, smtp: 'h:25'}}", `alerts.email.to[0]: "ops" is not an e-mail address`},
		{"no sender", "alerts: {email: {to: [ops@example.com], smtp: 'h:25'}}", "alerts.email.from: required: the sender of the digest"},
		{"no mail server", "alerts: {email: {to: [ops@example.com], from: pt@example.com}}", "alerts.email.smtp: required: the mail server's host:port"},
		{"a mail server without a port", "alerts: {email: {to: [ops@example.com], from: pt@example.com, smtp: mail.example.com}}",
			`alerts.email.smtp: "mail.example.com" is not host:port`},
		{"a user without a password", "alerts: {" + email[:len(email)-1] + ", username: pt}}", "alerts.email.password: username and password go together"},
		{"a mail server but no recipient", "alerts: {email: {smtp: 'h:25'}}", "alerts.email.to: required: who gets the digest"},
		{"a webhook over plain http", "alerts: {webhook_url: 'http://hooks.example.com/services/tok3n'}",
			"alerts.webhook_url: must be an https:// address: it carries the webhook's token"},
		{"a webhook that is no address", "alerts: {webhook_url: 'tok3n'}", "alerts.webhook_url: is not an https:// address (the value is a secret and not shown)"},
		{"a portal address that is none", "alerts: {" + email + ", portal_url: pt.example.com}", `alerts.portal_url: "pt.example.com" is not an http:// or https:// address`},
		{"a store's own", "stores: [{shop: acme, alerts: {webhook_url: 'https://hooks.example.com/services/tok3n', every: 1m}}]",
			"stores[0].alerts.every: must be at least 15m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse(strings.NewReader(tc.src), env(nil))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), "tok3n", "a secret never shows in a message")
		})
	}
}
