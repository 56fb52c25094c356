// Package config reads the one typed Config the upstand command runs with.
//
// Every setting has a flag and an environment variable; a flag wins over the
// environment, which wins over the default. main reads the Config once,
// validates it and passes it down: nothing else looks at os.Getenv.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server needs to know about its surroundings.
type Config struct {
	// Addr is the host:port the HTTP server listens on.
	Addr string
	// BaseURL is the public URL people use to reach the server. It is the
	// passkey origin, so it must be exactly what the browser shows.
	BaseURL *url.URL
	// DatabaseURL names the PostgreSQL server. Empty means: start a private
	// cluster under DataDir from the machine's PostgreSQL binaries.
	DatabaseURL string
	// DataDir holds the private PostgreSQL cluster (DataDir/postgres).
	DataDir string
	// ContentDir, when set, is a folder with modules/ and scenarios/ read
	// from disk instead of the copy embedded in the binary.
	ContentDir string
	// NoMigrate makes serve refuse to start on a stale schema instead of
	// applying pending migrations.
	NoMigrate bool
	// LogLevel and LogFormat ("text" or "json") shape the slog output.
	LogLevel  slog.Level
	LogFormat string
	// BodyLimit is the largest request body accepted, in bytes.
	BodyLimit int
	// ReadTimeout, WriteTimeout and IdleTimeout bound each connection.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	IdleTimeout  time.Duration
	// ShutdownTimeout bounds how long in-flight requests may drain.
	ShutdownTimeout time.Duration
	// ProxyHeader names the header carrying the client address when the
	// server runs behind a proxy (e.g. X-Forwarded-For); it is believed only
	// from TrustedProxies. Empty means the peer address is the client.
	ProxyHeader    string
	TrustedProxies []string
	// Demo creates a demo organisation with a learner, a trainer and an
	// admin, prints the admin's enrolment link until they have a passkey,
	// and prints one-time sign-in links that need no passkey (for a trial
	// on this machine: refused unless the base URL is a loopback address).
	Demo bool
	// QuickExitURL is where "Leave this site" goes: a neutral page that
	// gives away nothing about what the person was reading.
	QuickExitURL string
	// SMTPAddr (host:port), when set, turns on email: enrolment links are
	// then also emailed. SMTPUser and SMTPPassword log in (AUTH PLAIN, only
	// over TLS); SMTPFrom is the sender. Mail is never required.
	SMTPAddr     string
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string
	// MetricsAddr (host:port), when set, serves Prometheus metrics at
	// /metrics on that address — never on Addr, the public one. Empty:
	// no metrics.
	MetricsAddr string
}

// DefaultQuickExitURL is the neutral page "Leave this site" opens unless
// UPSTAND_QUICK_EXIT_URL says otherwise: on the server and in exported
// packages.
const DefaultQuickExitURL = "https://www.bbc.co.uk/weather"

// Env looks up an environment variable; os.LookupEnv in production, a map in tests.
type Env func(key string) (string, bool)

// FlagSet registers the shared flags on fs with defaults from env and
// returns a function that builds and validates the Config after fs.Parse.
func FlagSet(fs *flag.FlagSet, env Env) func() (Config, error) {
	get := func(key, def string) string {
		if v, ok := env(key); ok {
			return v
		}
		return def
	}
	addr := fs.String("addr", get("UPSTAND_ADDR", "127.0.0.1:8080"), "listen address `host:port` (UPSTAND_ADDR)")
	baseURL := fs.String("base-url", get("UPSTAND_BASE_URL", ""), "public base `URL`, the passkey origin (UPSTAND_BASE_URL; default http://localhost:PORT)")
	dbURL := fs.String("database-url", get("DATABASE_URL", ""), "PostgreSQL `URL` (DATABASE_URL; empty: a private cluster under the data directory)")
	dataDir := fs.String("data-dir", get("UPSTAND_DATA_DIR", "var"), "`folder` for the private PostgreSQL cluster (UPSTAND_DATA_DIR)")
	contentDir := fs.String("content-dir", get("UPSTAND_CONTENT_DIR", ""), "read modules/ and scenarios/ from this `folder` instead of the embedded copy (UPSTAND_CONTENT_DIR)")
	noMigrate := fs.Bool("no-migrate", get("UPSTAND_NO_MIGRATE", "") == "true", "refuse to start on a stale schema instead of migrating (UPSTAND_NO_MIGRATE=true)")
	logLevel := fs.String("log-level", get("UPSTAND_LOG_LEVEL", "info"), "log `level`: debug, info, warn, error (UPSTAND_LOG_LEVEL)")
	logFormat := fs.String("log-format", get("UPSTAND_LOG_FORMAT", "text"), "log `format`: text or json (UPSTAND_LOG_FORMAT)")
	bodyLimit := fs.String("body-limit", get("UPSTAND_BODY_LIMIT", "1048576"), "largest request body in `bytes` (UPSTAND_BODY_LIMIT)")
	proxyHeader := fs.String("proxy-header", get("UPSTAND_PROXY_HEADER", ""), "`header` with the client address, e.g. X-Forwarded-For (UPSTAND_PROXY_HEADER)")
	demo := fs.Bool("demo", get("UPSTAND_DEMO", "") == "true", "create a demo organisation and print sign-in links for it, for a trial on this machine (UPSTAND_DEMO=true; needs a loopback base URL)")
	quickExit := fs.String("quick-exit-url", get("UPSTAND_QUICK_EXIT_URL", DefaultQuickExitURL), "neutral page the \"Leave this site\" button opens (UPSTAND_QUICK_EXIT_URL)")
	smtpAddr := fs.String("smtp-addr", get("UPSTAND_SMTP_ADDR", ""), "SMTP server `host:port` for emailing enrolment links (UPSTAND_SMTP_ADDR; empty: mail off)")
	smtpUser := fs.String("smtp-user", get("UPSTAND_SMTP_USER", ""), "SMTP login `name` (UPSTAND_SMTP_USER; empty: no login)")
	smtpPassword := fs.String("smtp-password", get("UPSTAND_SMTP_PASSWORD", ""), "SMTP `password` (UPSTAND_SMTP_PASSWORD; prefer the variable: flags show in process lists)")
	smtpFrom := fs.String("smtp-from", get("UPSTAND_SMTP_FROM", ""), "sender `address` of emails, e.g. 'Upstand <upstand@example.org>' (UPSTAND_SMTP_FROM)")
	metricsAddr := fs.String("metrics-addr", get("UPSTAND_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this `host:port`, apart from the public address (UPSTAND_METRICS_ADDR; empty: off)")
	trusted := fs.String("trusted-proxies", get("UPSTAND_TRUSTED_PROXIES", ""), "comma-separated proxy `addresses or CIDRs` allowed to set the proxy header (UPSTAND_TRUSTED_PROXIES)")

	return func() (Config, error) {
		c := Config{
			Addr:            *addr,
			DatabaseURL:     *dbURL,
			DataDir:         *dataDir,
			ContentDir:      *contentDir,
			NoMigrate:       *noMigrate,
			LogFormat:       *logFormat,
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			IdleTimeout:     120 * time.Second,
			ShutdownTimeout: 10 * time.Second,
			ProxyHeader:     *proxyHeader,
			QuickExitURL:    *quickExit,
			Demo:            *demo,
			SMTPAddr:        strings.TrimSpace(*smtpAddr),
			SMTPUser:        *smtpUser,
			SMTPPassword:    *smtpPassword,
			SMTPFrom:        strings.TrimSpace(*smtpFrom),
			MetricsAddr:     strings.TrimSpace(*metricsAddr),
		}
		var errs []error
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("addr %q: want host:port", c.Addr))
		}
		if c.MetricsAddr != "" {
			if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
				errs = append(errs, fmt.Errorf("metrics addr %q: want host:port", c.MetricsAddr))
			} else if c.MetricsAddr == c.Addr {
				errs = append(errs, fmt.Errorf("metrics addr %q: must not be the public address; metrics are for operators only", c.MetricsAddr))
			}
		}
		if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
			errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", *logLevel))
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
		}
		n, err := strconv.Atoi(*bodyLimit)
		if err != nil || n < 4096 {
			errs = append(errs, fmt.Errorf("body limit %q: want a number of bytes, at least 4096", *bodyLimit))
		}
		c.BodyLimit = n
		if *baseURL == "" {
			// localhost, not 127.0.0.1: browsers refuse an IP address as a
			// passkey relying party, and treat http://localhost as secure.
			if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" || host == "::1" {
				host = "localhost"
			}
			*baseURL = "http://" + net.JoinHostPort(host, port)
		}
		u, err := url.Parse(*baseURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			errs = append(errs, fmt.Errorf("base URL %q: want an absolute http:// or https:// URL", *baseURL))
		case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
			errs = append(errs, fmt.Errorf("base URL %q: want scheme and host only, no path", *baseURL))
		case u.Scheme == "http" && u.Hostname() != "localhost":
			errs = append(errs, fmt.Errorf("base URL %q: plain http is only allowed for localhost; use https", *baseURL))
		default:
			u.Path = ""
			c.BaseURL = u
		}
		if c.Demo && c.BaseURL != nil && !IsLoopback(c.BaseURL.Hostname()) {
			// Demo links sign in without a passkey: they must not work from
			// anywhere but this machine.
			errs = append(errs, fmt.Errorf("--demo is for a trial on this machine only: the base URL must be a loopback address such as http://localhost:8080, not %q", c.BaseURL.String()))
		}
		if qu, err := url.Parse(c.QuickExitURL); err != nil || qu.Scheme != "https" || qu.Host == "" {
			errs = append(errs, fmt.Errorf("quick exit URL %q: want an absolute https:// URL", c.QuickExitURL))
		}
		if c.DatabaseURL != "" {
			if du, err := url.Parse(c.DatabaseURL); err != nil || (du.Scheme != "postgres" && du.Scheme != "postgresql") {
				errs = append(errs, errors.New("database URL: want postgres://user@host/dbname"))
			}
		} else if c.DataDir == "" {
			errs = append(errs, errors.New("data dir: must not be empty when DATABASE_URL is unset"))
		}
		for _, p := range strings.Split(*trusted, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					errs = append(errs, fmt.Errorf("trusted proxies: %q is neither an address nor a CIDR", p))
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
		errs = append(errs, c.checkSMTP()...)
		if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
			errs = append(errs, errors.New("proxy header is set but no trusted proxies: every client could forge its address"))
		}
		if len(errs) > 0 {
			return Config{}, fmt.Errorf("config: %w", errors.Join(errs...))
		}
		return c, nil
	}
}

// checkSMTP validates the mail settings: all off, or an address and a
// sender, with a login only if both user and password are given.
func (c Config) checkSMTP() []error {
	if c.SMTPAddr == "" {
		if c.SMTPUser != "" || c.SMTPPassword != "" || c.SMTPFrom != "" {
			return []error{errors.New("smtp: user, password or from is set but the SMTP address is not; set UPSTAND_SMTP_ADDR (host:port) or unset them")}
		}
		return nil
	}
	var errs []error
	if host, port, err := net.SplitHostPort(c.SMTPAddr); err != nil || host == "" || port == "" {
		errs = append(errs, fmt.Errorf("smtp address %q: want host:port, e.g. smtp.example.org:587", c.SMTPAddr))
	}
	if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || !strings.Contains(a.Address, "@") {
		errs = append(errs, fmt.Errorf("smtp from %q: want a sender address, e.g. 'Upstand <upstand@example.org>'", c.SMTPFrom))
	}
	if (c.SMTPUser == "") != (c.SMTPPassword == "") {
		errs = append(errs, errors.New("smtp: set both the user and the password, or neither"))
	}
	return errs
}

// IsLoopback reports whether host (a name or an address, without port or
// brackets) can only mean this machine: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Secure reports whether the public URL is https, which decides cookie flags.
func (c Config) Secure() bool { return c.BaseURL != nil && c.BaseURL.Scheme == "https" }

// Origin is the exact origin browsers send, e.g. "https://upstand.example".
func (c Config) Origin() string { return c.BaseURL.Scheme + "://" + c.BaseURL.Host }
