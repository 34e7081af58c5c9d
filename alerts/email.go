package alerts

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Email sends digests over SMTP: with STARTTLS whenever the server offers it, and with
// AUTH PLAIN when a user is given, which net/smtp refuses to send unencrypted except to
// this machine.
type Email struct {
	Addr     string // the server's host:port
	From     string
	To       []string
	Username string
	Password string
	// Timeout bounds the whole conversation with the server; 30 seconds when zero.
	Timeout time.Duration
	// Now dates the message; time.Now when nil.
	Now func() time.Time
	// TLS configures STARTTLS; nil verifies the server's certificate for its host name.
	TLS *tls.Config
}

// Send mails the digest to every recipient.
func (e Email) Send(ctx context.Context, d Digest) error {
	if err := e.send(ctx, d); err != nil {
		return fmt.Errorf("send the e-mail: %w", err)
	}
	return nil
}

func (e Email) send(ctx context.Context, d Digest) error {
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return fmt.Errorf("the sender %q: %w", e.From, err)
	}
	var to []*mail.Address
	for _, t := range e.To {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return fmt.Errorf("the recipient %q: %w", t, err)
		}
		to = append(to, a)
	}
	msg, err := e.message(d, from, to)
	if err != nil {
		return err
	}

	timeout := e.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return fmt.Errorf("the server %q: %w", e.Addr, err)
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// net/smtp knows no context: closing the connection ends whatever it waits for.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greet the server: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := e.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("start TLS: %w", err)
		}
	}
	if e.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server offers no authentication, and a user is configured")
		}
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("give the sender: %w", err)
	}
	for _, a := range to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("give the recipient %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("start the message: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("write the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end the message: %w", err)
	}
	return c.Quit()
}

// message is the digest as an RFC 5322 message: plain text in UTF-8, quoted-printable.
func (e Email) message(d Digest, from *mail.Address, to []*mail.Address) ([]byte, error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	var b bytes.Buffer
	rcpt := make([]string, len(to))
	for i, a := range to {
		rcpt[i] = a.String()
	}
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", strings.Join(rcpt, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", d.Subject()))
	header("Date", now().Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := d.text(func(s string) string { return s + "\n" + strings.Repeat("-", len([]rune(s))) })
	if u := d.link("/"); u != "" {
		body += "\nThe portal: " + u + "\n"
	}
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("write the message: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("write the message: %w", err)
	}
	return b.Bytes(), nil
}
