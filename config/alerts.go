package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"time"
)

// MinAlertEvery is the least time between two alert digests of a store: people read a
// digest, they do not watch a stream.
const MinAlertEvery = 15 * time.Minute

// Alerts says where a store's alert digest goes — new error classes, failed runs, stale
// feeds and stock drift — by e-mail, to a chat webhook, or both; neither switches alerts
// off. The SMTP password and the webhook URL (which carries its token) are secrets: give
// them as ${VAR}.
type Alerts struct {
	Email AlertEmail `yaml:"email"`
	// WebhookURL receives the digest as a Slack-compatible JSON message ({"text": ...}).
	WebhookURL Secret `yaml:"webhook_url"`
	// Every is the least time between two digests, at least MinAlertEvery.
	Every Duration `yaml:"every"`
	// PortalURL is the portal's address as people open it (https://passthrough.example.com):
	// the digest links to its pages.
	PortalURL string `yaml:"portal_url"`
}

// AlertEmail sends the digest by e-mail over SMTP, with STARTTLS when the server offers it.
type AlertEmail struct {
	To   []string `yaml:"to"`
	From string   `yaml:"from"`
	// SMTP is the mail server's host:port (port 587 for submission).
	SMTP     string `yaml:"smtp"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
}

// Enabled says a digest goes somewhere.
func (a Alerts) Enabled() bool { return len(a.Email.To) > 0 || a.WebhookURL != "" }

// check names what is wrong with a store's alerts block; prefix is "alerts." or
// "stores[i].alerts.". A secret's value is never part of a message.
func (a Alerts) check(bad func(field, format string, args ...any), prefix string) {
	if a.Enabled() && a.Every < Duration(MinAlertEvery) {
		bad(prefix+"every", "must be at least %s: at most one digest per %s", MinAlertEvery, MinAlertEvery)
	}
	if a.PortalURL != "" {
		if u, err := url.Parse(a.PortalURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			bad(prefix+"portal_url", "%q is not an http:// or https:// address", a.PortalURL)
		}
	}
	if a.WebhookURL != "" {
		u, err := url.Parse(a.WebhookURL.Reveal())
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			bad(prefix+"webhook_url", "is not an https:// address (the value is a secret and not shown)")
		case u.Scheme == "http" && !loopback(u.Hostname()):
			bad(prefix+"webhook_url", "must be an https:// address: it carries the webhook's token")
		}
	}
	e, p := a.Email, prefix+"email."
	if len(e.To) == 0 {
		if e.From != "" || e.SMTP != "" || e.Username != "" || e.Password != "" {
			bad(p+"to", "required: who gets the digest")
		}
		return
	}
	for i, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			bad(fmt.Sprintf("%sto[%d]", p, i), "%q is not an e-mail address", to)
		}
	}
	if e.From == "" {
		bad(p+"from", "required: the sender of the digest")
	} else if _, err := mail.ParseAddress(e.From); err != nil {
		bad(p+"from", "%q is not an e-mail address", e.From)
	}
	if e.SMTP == "" {
		bad(p+"smtp", "required: the mail server's host:port")
	} else if host, port, err := net.SplitHostPort(e.SMTP); err != nil || host == "" || port == "" {
		bad(p+"smtp", "%q is not host:port", e.SMTP)
	}
	if (e.Username == "") != (e.Password == "") {
		bad(p+"password", "username and password go together")
	}
}
