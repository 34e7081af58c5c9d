package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Webhook posts digests as a Slack-compatible JSON message to an incoming webhook: the
// chat tools that take Slack's format (Mattermost, Rocket.Chat, Teams' and Discord's Slack
// endpoints) take it too. Its URL carries the webhook's token: no error names it.
type Webhook struct {
	URL string
	// Client posts; nil for one that gives up after 10 seconds.
	Client *http.Client
}

// Send posts the digest; an answer other than 2xx is an error.
func (w Webhook) Send(ctx context.Context, d Digest) error {
	if err := w.send(ctx, d); err != nil {
		return fmt.Errorf("post to the webhook: %w", err)
	}
	return nil
}

func (w Webhook) send(ctx context.Context, d Digest) error {
	body, err := d.Slack()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return errors.New("the webhook's address is not a URL")
	}
	req.Header.Set("Content-Type", "application/json")
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return err
	}
	defer resp.Body.Close()
	said, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if s := strings.TrimSpace(string(said)); s != "" {
			return fmt.Errorf("the receiver answered %s: %s", resp.Status, s)
		}
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}

// slackMessage is an incoming webhook's message: text in Slack's mrkdwn.
type slackMessage struct {
	Text   string `json:"text"`
	Mrkdwn bool   `json:"mrkdwn"`
}

// Slack is the digest as a Slack-compatible JSON message: the subject in bold, then the
// digest, its headings bold, with &, < and > escaped as mrkdwn wants them.
func (d Digest) Slack() ([]byte, error) {
	text := "*" + slackEscape(d.Subject()) + "*\n" + slackEscape(d.text(func(s string) string { return "\x00" + s + "\x00" }))
	text = strings.ReplaceAll(text, "\x00", "*")
	if u := d.link("/"); u != "" {
		text += "<" + slackEscape(u) + "|Open the portal>\n"
	}
	return json.Marshal(slackMessage{Text: text, Mrkdwn: true})
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackEscaper.Replace(s) }
