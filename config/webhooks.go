package config

import (
	"fmt"
	"net"
	"net/url"
)

// Webhooks says where Shopify's webhooks reach passthrough. The receiver always answers on
// the portal's address, at /webhooks/shopify; each store's webhook_secret checks what it
// receives.
type Webhooks struct {
	// URL is the public address Shopify sends webhooks to, as the internet sees it
	// (https://passthrough.example.com/webhooks/shopify): `passthrough webhooks register`
	// subscribes the store to it and `verify` checks it answers.
	URL string `yaml:"url"`
	// Addr, when set, also serves the receiver, and nothing else, on a listener of its own
	// (0.0.0.0:8443 behind a TLS proxy): the only port that needs to face the internet, with
	// the portal kept inside.
	Addr string `yaml:"addr"`
}

// check names what is wrong with the webhooks block; unsigned are the fields of the stores'
// webhook secrets that are empty.
func (w Webhooks) check(unsigned []string) []error {
	var errs []error
	if w.URL != "" {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			errs = append(errs, fmt.Errorf("webhooks.url: %q is not an https:// address", w.URL))
		case u.Scheme == "http" && !loopback(u.Hostname()):
			errs = append(errs, fmt.Errorf("webhooks.url: %q: Shopify sends webhooks only to https:// addresses", w.URL))
		}
		for _, field := range unsigned {
			errs = append(errs, fmt.Errorf("webhooks.url: webhooks need %s (the app's client secret) to check what arrives", field))
		}
	}
	if w.Addr != "" {
		if _, _, err := net.SplitHostPort(w.Addr); err != nil {
			errs = append(errs, fmt.Errorf("webhooks.addr: %q is not host:port", w.Addr))
		}
	}
	return errs
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
