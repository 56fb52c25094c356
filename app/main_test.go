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

// TestMigrateCommand runs `upstand migrate` on a fresh, migrated database:
// up has nothing to do, down rolls the schema back, up applies it again,
// and status counts what is applied.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	vars := env(map[string]string{"DATABASE_URL": dbtest.URL(t), "UPSTAND_LOG_LEVEL": "error"})
	migrate := func(sub string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"migrate", sub}, vars, &stdout, &stderr); code != 0 {
			t.Fatalf("migrate %s: code %d, stderr %q", sub, code, stderr.String())
		}
		return stdout.String()
	}
	if out := migrate("up"); out != "database is up to date\n" {
		t.Errorf("up on a current database: %q", out)
	}
	down := migrate("down")
	n := strings.Count(down, "rolled back ")
	if n == 0 || strings.Count(down, "\n") != n {
		t.Errorf("down: %q", down)
	}
	if up := migrate("up"); strings.Count(up, "applied ") != n || strings.Count(up, "\n") != n {
		t.Errorf("up after down (%d rolled back): %q", n, up)
	}
	if status := migrate("status"); !strings.HasSuffix(status, " applied, 0 pending\n") {
		t.Errorf("status: %q", status)
	}
}
