package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/dbtest"
)

// TestMain gives the database tests (the demo start) a private PostgreSQL.
func TestMain(m *testing.M) { dbtest.Main(m) }

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestServeUnreachableDatabaseIsOneClearLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--log-level", "error"},
		env(map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}), &stdout, &stderr)
	if code == 0 {
		t.Fatal("serve started without a database")
	}
	out := strings.TrimSpace(stderr.String())
	if strings.Count(out, "\n") != 0 || !strings.HasPrefix(out, "upstand serve: db: cannot reach PostgreSQL") || strings.Contains(out, "goroutine") {
		t.Errorf("stderr %q: want one line", out)
	}
}

func TestInvalidConfigRefusesToStart(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{"UPSTAND_LOG_FORMAT": "xml"}), &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), `log format "xml"`) {
		t.Errorf("code %d stderr %q", code, stderr.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, env(nil), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "unknown command") {
		t.Errorf("code %d stderr %q", code, stderr.String())
	}
}

func TestDemoNeedsALoopbackBaseURL(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--demo", "--base-url", "https://upstand.example"}, env(nil), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--demo is for a trial on this machine only: the base URL must be a loopback address such as http://localhost:8080") {
		t.Errorf("code %d stderr %q", code, stderr.String())
	}
}
