package app

import (
	"context"
	"time"

	"github.com/passthrough-dev/passthrough/alerts"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/portal"
)

// TaskAlerts is each store's alert digest task, with alerts configured.
const TaskAlerts = "alerts"

// alertsTick is how often every process asks whether a store's digest is due. The
// database answers (pt_alert_digests), and the task's lock keeps two processes from
// asking at once, so ticking often costs a read a minute and sends nothing more.
const alertsTick = time.Minute

// scheduleAlerts adds the alert digest task of every store that has alerts configured.
func (a *App) scheduleAlerts() error {
	for _, s := range a.Shops {
		if !s.Config.Alerts.Enabled() {
			continue
		}
		al := s.alerter(a.Store, a.clock.Now)
		err := a.Scheduler.Add(feeds.Task{Shop: s.Name(), Name: TaskAlerts, Feed: TaskAlerts, Every: alertsTick,
			Run: func(ctx context.Context) error {
				_, err := al.Run(ctx)
				return err
			}})
		if err != nil {
			return err
		}
	}
	return nil
}

// alerter is the store's alert digest as its alerts block configures it.
func (s *Shop) alerter(store alerts.Store, now func() time.Time) *alerts.Alerter {
	cfg := s.Config.Alerts
	var senders []alerts.Sender
	if e := cfg.Email; len(e.To) > 0 {
		senders = append(senders, alerts.Email{Addr: e.SMTP, From: e.From, To: e.To, Username: e.Username, Password: e.Password.Reveal(), Now: now})
	}
	if cfg.WebhookURL != "" {
		senders = append(senders, alerts.Webhook{URL: cfg.WebhookURL.Reveal()})
	}
	return &alerts.Alerter{Shop: s.Name(), Store: store, Expect: s.feedExpectations(), Senders: senders, Every: cfg.Every.Std(),
		PortalURL: cfg.PortalURL, Now: now, Log: s.Log.With("part", "alerts")}
}

// alertDigests is what the health panel reads of the store's alert digests; nil for a
// store without alerts.
func (s *Shop) alertDigests(store portal.AlertDigests) portal.AlertDigests {
	if !s.Config.Alerts.Enabled() {
		return nil
	}
	return store
}
