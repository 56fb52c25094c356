package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := FlagSet(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return build()
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL.String() != "http://localhost:8080" || c.DatabaseURL != "" || c.DataDir != "var" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Secure() || c.Origin() != "http://localhost:8080" {
		t.Errorf("origin %q secure %v", c.Origin(), c.Secure())
	}
}

func TestFlagBeatsEnvironment(t *testing.T) {
	c, err := parse(t, map[string]string{"UPSTAND_ADDR": "127.0.0.1:9000", "DATABASE_URL": "postgres://a@b/c"}, "-addr", "127.0.0.1:9001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9001" || c.DatabaseURL != "postgres://a@b/c" || c.BaseURL.String() != "http://localhost:9001" {
		t.Errorf("got %+v", c)
	}
}

func TestInvalidConfigNamesEveryProblem(t *testing.T) {
	_, err := parse(t, map[string]string{
		"UPSTAND_ADDR":         "nonsense",
		"UPSTAND_BASE_URL":     "http://upstand.example",
		"UPSTAND_LOG_LEVEL":    "loud",
		"DATABASE_URL":         "mysql://x",
		"UPSTAND_PROXY_HEADER": "X-Forwarded-For",
	})
	if err == nil {
		t.Fatal("accepted an invalid config")
	}
	for _, want := range []string{"addr \"nonsense\"", "plain http is only allowed for localhost", "log level \"loud\"", "database URL", "no trusted proxies"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestHTTPSBaseURLIsSecure(t *testing.T) {
	c, err := parse(t, map[string]string{"UPSTAND_BASE_URL": "https://learn.example.org", "UPSTAND_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1", "UPSTAND_PROXY_HEADER": "X-Forwarded-For"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.Origin() != "https://learn.example.org" || len(c.TrustedProxies) != 2 {
		t.Errorf("got %+v", c)
	}
}

func TestDemoNeedsALoopbackBaseURL(t *testing.T) {
	for _, base := range []string{"", "http://localhost:8080", "https://localhost", "https://127.0.0.1:8443", "https://[::1]:8443"} {
		env := map[string]string{"UPSTAND_DEMO": "true"}
		if base != "" {
			env["UPSTAND_BASE_URL"] = base
		}
		if c, err := parse(t, env); err != nil || !c.Demo {
			t.Errorf("--demo with base URL %q: %v", base, err)
		}
	}
	for _, base := range []string{"https://upstand.example", "https://192.0.2.10", "https://localhost.example.org", "https://[2001:db8::1]"} {
		_, err := parse(t, map[string]string{"UPSTAND_BASE_URL": base}, "-demo")
		if err == nil || !strings.Contains(err.Error(), "--demo is for a trial on this machine only: the base URL must be a loopback address such as http://localhost:8080") {
			t.Errorf("--demo with base URL %q: got %v, want a refusal", base, err)
		}
		if _, err := parse(t, map[string]string{"UPSTAND_BASE_URL": base}); err != nil {
			t.Errorf("base URL %q without --demo: %v", base, err)
		}
	}
}
