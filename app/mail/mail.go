// Package mail sends Upstand's few emails (enrolment links) over SMTP with
// the standard library's client. It is off unless an SMTP server is
// configured, and nothing depends on it: every link it sends is also shown
// to the admin who asked for it.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
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

// Config says where and as whom to send. Addr empty means mail is off.
type Config struct {
	// Addr is the SMTP server, host:port (usually port 587 or 25).
	Addr string
	// User and Password, when User is set, log in with AUTH PLAIN. The
	// password is only ever sent over TLS (or to localhost).
	User     string
	Password string
	// From is the sender, "Name <address>" or a bare address.
	From string
	// Timeout bounds one whole delivery; 20 seconds when zero.
	Timeout time.Duration
	// TLS is used for STARTTLS; nil means the system's roots and the host
	// name from Addr. Tests set it to trust their own certificate.
	TLS *tls.Config
	// Now is the clock for the Date header; time.Now when nil.
	Now func() time.Time
}

// Sender delivers messages to one SMTP server. A nil *Sender is valid and
// means mail is off.
type Sender struct {
	cfg  Config
	host string
	from *mail.Address
}

// ErrOff is returned by Send when no SMTP server is configured.
var ErrOff = errors.New("mail: no SMTP server is configured")

// New checks cfg and returns a Sender, or nil (mail off) when cfg.Addr is
// empty.
func New(cfg Config) (*Sender, error) {
	if cfg.Addr == "" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("mail: SMTP address %q: want host:port", cfg.Addr)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: sender %q: want an address like Upstand <upstand@example.org>", cfg.From)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Sender{cfg: cfg, host: host, from: from}, nil
}

// Enabled reports whether mail is on.
func (s *Sender) Enabled() bool { return s != nil }

// Message is a plain-text email to one person.
type Message struct {
	ToName  string
	To      string
	Subject string
	Text    string
}

// Send delivers m: STARTTLS whenever the server offers it, AUTH PLAIN when
// a user is configured, then one message. It gives up at ctx's deadline or
// the configured timeout, whichever is sooner.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if s == nil {
		return ErrOff
	}
	to, data, err := s.compose(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.cfg.Addr, err)
	}
	defer conn.Close()
	// net/smtp has no context: a deadline on the connection, moved to now
	// if ctx ends early, stops a server that stalls.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", s.cfg.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		tc := &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
		if s.cfg.TLS != nil {
			tc = s.cfg.TLS.Clone()
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", s.cfg.Addr, err)
		}
	}
	if s.cfg.User != "" {
		// PlainAuth itself refuses to send the password in the clear to
		// anything but localhost.
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Password, s.host)); err != nil {
			return fmt.Errorf("mail: log in to %s as %s: %w", s.cfg.Addr, s.cfg.User, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("mail: sender refused: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("mail: recipient refused: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: start message: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("mail: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: message refused: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("mail: quit: %w", err)
	}
	return nil
}

// compose checks the recipient and header fields (no line breaks can reach
// a header) and builds the RFC 5322 message.
func (s *Sender) compose(m Message) (to string, data []byte, err error) {
	for _, v := range []string{m.ToName, m.To, m.Subject} {
		if strings.ContainsAny(v, "\r\n") {
			return "", nil, errors.New("mail: line break in a header field")
		}
	}
	addr, err := mail.ParseAddress(m.To)
	if err != nil || addr.Address != m.To {
		return "", nil, fmt.Errorf("mail: recipient %q is not a plain address", m.To)
	}
	addr.Name = m.ToName
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]

	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", addr.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", s.cfg.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// Tell auto-responders not to answer, and mail systems it is a
	// system message.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Text)); err != nil {
		return "", nil, err
	}
	if err := qp.Close(); err != nil {
		return "", nil, err
	}
	return addr.Address, []byte(b.String()), nil
}
