// Package mailtest is a small SMTP server for tests: it listens on a
// loopback port, speaks enough of RFC 5321 (EHLO, optional STARTTLS and
// AUTH PLAIN, MAIL, RCPT, DATA, QUIT) for a real client to deliver to it, and
// records both sides of the conversation and every message it accepts. It
// is a real SMTP exchange over TCP, so the code under test runs unchanged.
package mailtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options shape the server.
type Options struct {
	// Host is the loopback address to listen on; 127.0.0.1 when empty.
	Host string
	// StartTLS offers STARTTLS with a self-signed certificate (see
	// Server.ClientTLS for a client configuration that trusts it).
	StartTLS bool
	// User and Password, when User is set, are the only AUTH PLAIN
	// credentials accepted; the server then refuses MAIL before AUTH.
	User, Password string
	// RejectRcpt refuses every recipient with 550.
	RejectRcpt bool
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	// Data is the message as sent, after the dot-unstuffing of DATA.
	Data string
	// TLS and Auth say how the session that sent it was secured.
	TLS  bool
	Auth string
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is host:port to give the client.
	Addr string

	opts Options
	ln   net.Listener
	cert tls.Certificate
	pool *x509.CertPool

	mu         sync.Mutex
	transcript []string
	messages   []Message
	refusing   bool
	wg         sync.WaitGroup
}

// Refuse makes the server answer every new message with a temporary
// failure (451, "try again later"), as a server that is overloaded or
// greylisting does, until Refuse(false).
func (s *Server) Refuse(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing = on
}

func (s *Server) isRefusing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusing
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.Host, "0"))
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln}
	if opts.StartTLS {
		s.cert, s.pool = selfSigned(t, opts.Host)
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// ClientTLS trusts the server's certificate.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: s.opts.Host, MinVersion: tls.VersionTLS12}
}

// Transcript is the conversation so far, one line per command or reply,
// prefixed "C: " (client) or "S: " (server). Message bodies are left out.
func (s *Server) Transcript() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.transcript...)
}

// Messages are the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

func (s *Server) log(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transcript = append(s.transcript, line)
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(conn)
		}()
	}
}

// session serves one connection.
func (s *Server) session(conn net.Conn) {
	r := bufio.NewReader(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			s.log("S: " + l)
			_, _ = conn.Write([]byte(l + "\r\n"))
		}
	}
	var (
		tlsOn bool
		auth  string
		msg   *Message
	)
	reply("220 mailtest ESMTP ready")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if verb == "AUTH" {
			s.log("C: AUTH " + strings.SplitN(arg, " ", 2)[0] + " [credentials]")
		} else {
			s.log("C: " + line)
		}
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"250-mailtest greets " + arg}
			if s.opts.StartTLS && !tlsOn {
				lines = append(lines, "250-STARTTLS")
			}
			if s.opts.User != "" {
				lines = append(lines, "250-AUTH PLAIN")
			}
			reply(append(lines, "250 8BITMIME")...)
		case "STARTTLS":
			if !s.opts.StartTLS || tlsOn {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{s.cert}, MinVersion: tls.VersionTLS12})
			if err := tc.Handshake(); err != nil {
				s.log("S: [TLS handshake failed: " + err.Error() + "]")
				return
			}
			conn, r, tlsOn = tc, bufio.NewReader(tc), true
			msg = nil
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 ||
				parts[1] != s.opts.User || parts[2] != s.opts.Password || s.opts.User == "" {
				reply("535 authentication failed")
				continue
			}
			auth = parts[1]
			reply("235 authenticated")
		case "MAIL":
			if s.opts.User != "" && auth == "" {
				reply("530 authentication required")
				continue
			}
			if s.isRefusing() {
				reply("451 4.3.0 try again later")
				continue
			}
			msg = &Message{From: addrOf(arg), TLS: tlsOn, Auth: auth}
			reply("250 ok")
		case "RCPT":
			switch {
			case msg == nil:
				reply("503 MAIL first")
			case s.opts.RejectRcpt:
				reply("550 no such mailbox")
			default:
				msg.To = append(msg.To, addrOf(arg))
				reply("250 ok")
			}
		case "DATA":
			if msg == nil || len(msg.To) == 0 {
				reply("503 RCPT first")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			msg.Data = b.String()
			s.mu.Lock()
			s.messages = append(s.messages, *msg)
			s.mu.Unlock()
			msg = nil
			reply("250 queued")
		case "RSET":
			msg = nil
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 not implemented")
		}
	}
}

// addrOf takes the address out of "FROM:<a@b> ..." or "TO:<a@b>".
func addrOf(arg string) string {
	i, j := strings.IndexByte(arg, '<'), strings.IndexByte(arg, '>')
	if i < 0 || j < i {
		return ""
	}
	return arg[i+1 : j]
}

func selfSigned(t testing.TB, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
		IPAddresses:           []net.IP{net.ParseIP(host)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
