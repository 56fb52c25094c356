package mail_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/mail/mailtest"
)

var link = mail.Message{
	ToName:  "Zoë Okafor",
	To:      "zoe@riverside.example",
	Subject: "Your Upstand enrolment link – Riverside Trust",
	Text: "Hello Zoë,\n\nOpen this link to set up your passkey:\n" +
		"http://localhost:8080/enrol/" + strings.Repeat("A", 43) + "\n\n.A line that starts with a dot.\n",
}

func sender(t *testing.T, cfg mail.Config) *mail.Sender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Upstand <upstand@riverside.example>"
	}
	cfg.Timeout = 5 * time.Second
	s, err := mail.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parse reads a delivered message back with the standard library, decoding
// the quoted-printable body and the encoded subject.
func parse(t *testing.T, data string) (*netmail.Message, string, string) {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("delivered message does not parse: %v\n%s", err, data)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("transfer encoding %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return m, strings.ReplaceAll(string(body), "\r\n", "\n"), subject
}

func TestPlainDelivery(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{})
	if err := sender(t, mail.Config{Addr: srv.Addr}).Send(context.Background(), link); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "upstand@riverside.example" || !slices.Equal(got.To, []string{"zoe@riverside.example"}) || got.TLS || got.Auth != "" {
		t.Errorf("envelope %+v", got)
	}
	m, body, subject := parse(t, got.Data)
	if body != link.Text {
		t.Errorf("body changed in transit:\n%q\nwant\n%q", body, link.Text)
	}
	if subject != link.Subject {
		t.Errorf("subject %q", subject)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Zoë Okafor" || to[0].Address != "zoe@riverside.example" {
		t.Errorf("To %v (%v)", to, err)
	}
	for _, h := range []string{"From", "Date", "Message-ID", "MIME-Version", "Content-Type", "Auto-Submitted"} {
		if m.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	want := []string{"C: EHLO localhost", "C: MAIL FROM:<upstand@riverside.example> BODY=8BITMIME", "C: RCPT TO:<zoe@riverside.example>", "C: DATA", "C: QUIT"}
	var commands []string
	for _, l := range srv.Transcript() {
		if strings.HasPrefix(l, "C: ") {
			commands = append(commands, l)
		}
	}
	if !slices.Equal(commands, want) {
		t.Errorf("conversation:\n%s\nwant client commands %q", strings.Join(srv.Transcript(), "\n"), want)
	}
}

func TestStartTLSAndLogin(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{StartTLS: true, User: "upstand", Password: "s3cret pass"})
	s := sender(t, mail.Config{Addr: srv.Addr, User: "upstand", Password: "s3cret pass", TLS: srv.ClientTLS()})
	if err := s.Send(context.Background(), link); err != nil {
		t.Fatalf("send: %v\n%s", err, strings.Join(srv.Transcript(), "\n"))
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].Auth != "upstand" {
		t.Fatalf("messages %+v", msgs)
	}
	tr := strings.Join(srv.Transcript(), "\n")
	starttls, auth := strings.Index(tr, "C: STARTTLS"), strings.Index(tr, "C: AUTH PLAIN")
	if starttls < 0 || auth < starttls {
		t.Errorf("the client must upgrade to TLS before it logs in:\n%s", tr)
	}
	if strings.Count(tr, "C: EHLO") != 2 {
		t.Errorf("the client must greet again after STARTTLS:\n%s", tr)
	}
}

// TestNoPasswordInTheClear: a server that offers no TLS, on an address that
// is not localhost, never sees the password.
func TestNoPasswordInTheClear(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{Host: "127.0.0.2", User: "upstand", Password: "s3cret"})
	err := sender(t, mail.Config{Addr: srv.Addr, User: "upstand", Password: "s3cret"}).Send(context.Background(), link)
	if err == nil {
		t.Fatal("sent a password over an unencrypted connection")
	}
	for _, l := range srv.Transcript() {
		if strings.HasPrefix(l, "C: AUTH") {
			t.Errorf("the client tried to log in without TLS: %s", l)
		}
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message was delivered")
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, mailtest.Options{RejectRcpt: true})
	s := sender(t, mail.Config{Addr: srv.Addr})
	if err := s.Send(context.Background(), link); err == nil || !strings.Contains(err.Error(), "recipient refused") {
		t.Errorf("refused recipient: %v", err)
	}
	wrongPass := mailtest.Start(t, mailtest.Options{StartTLS: true, User: "upstand", Password: "right"})
	err := sender(t, mail.Config{Addr: wrongPass.Addr, User: "upstand", Password: "wrong", TLS: wrongPass.ClientTLS()}).Send(context.Background(), link)
	if err == nil || len(wrongPass.Messages()) != 0 {
		t.Errorf("wrong password: %v", err)
	}
	// Header injection never reaches the server.
	for _, m := range []mail.Message{
		{To: "zoe@riverside.example", Subject: "Hi\r\nBcc: everyone@example.org", Text: "x"},
		{To: "zoe@riverside.example\r\nBcc: everyone@example.org", Subject: "Hi", Text: "x"},
		{ToName: "Zoë\nBcc: everyone@example.org", To: "zoe@riverside.example", Subject: "Hi", Text: "x"},
		{To: "Zoë <zoe@riverside.example>", Subject: "Hi", Text: "x"},
	} {
		before := len(srv.Transcript())
		if err := s.Send(context.Background(), m); err == nil {
			t.Errorf("sent %+v", m)
		}
		if after := len(srv.Transcript()); after != before {
			t.Errorf("%+v reached the server", m)
		}
	}
}

func TestUnreachableAndStalledServers(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	// A server that accepts but never greets: the timeout must end it.
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	s, err := mail.New(mail.Config{Addr: addr, From: "upstand@riverside.example", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Send(context.Background(), link); err == nil {
		t.Error("a silent server accepted the message")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %v, want about the 300ms timeout", d)
	}

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := closed.Addr().String()
	closed.Close()
	s, _ = mail.New(mail.Config{Addr: gone, From: "upstand@riverside.example"})
	if err := s.Send(context.Background(), link); err == nil || !strings.Contains(err.Error(), "connect to") {
		t.Errorf("nothing listening: %v", err)
	}
}

func TestOffAndConfiguration(t *testing.T) {
	t.Parallel()
	s, err := mail.New(mail.Config{})
	if err != nil || s != nil || s.Enabled() {
		t.Fatalf("no address: %v %v", s, err)
	}
	if err := s.Send(context.Background(), link); !errors.Is(err, mail.ErrOff) {
		t.Errorf("send with mail off: %v", err)
	}
	if _, err := mail.New(mail.Config{Addr: "smtp.example.org", From: "a@b.example"}); err == nil {
		t.Error("accepted an address without a port")
	}
	if _, err := mail.New(mail.Config{Addr: "smtp.example.org:587", From: "not an address"}); err == nil {
		t.Error("accepted a sender that is not an address")
	}
}
