package db_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/db"
)

// TestClusterInClosedFolder starts a private cluster whose Dir sits inside a
// mode-700 folder, as `go tool task dev` does in a clone under /root. Run as
// root, PostgreSQL runs as the postgres user, which cannot enter that
// folder: the cluster must start under db.FallbackRoot instead, say so in
// the log, and come back to the same place on the next start.
func TestClusterInClosedFolder(t *testing.T) {
	t.Parallel()
	// t.TempDir is itself mode 700: build an open parent, then a closed
	// folder in it, so the log can name exactly that one.
	parent, err := os.MkdirTemp("", "upstand-closed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(parent, "closed")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil { // whatever the umask
		t.Fatal(err)
	}
	want := filepath.Join(closed, "var", "postgres")
	root := os.Geteuid() == 0

	start := func() (*db.Cluster, string) {
		t.Helper()
		var logs bytes.Buffer
		c, err := db.StartCluster(context.Background(), db.ClusterOptions{
			Dir: want, Database: "upstand", Throwaway: true, Log: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if root {
			// Removed last (cleanups run in reverse): after the cluster stops.
			t.Cleanup(func() {
				if err := os.RemoveAll(filepath.Dir(c.Dir())); err != nil {
					t.Error(err)
				}
			})
		}
		t.Cleanup(func() {
			if err := c.Stop(); err != nil {
				t.Error(err)
			}
		})
		d, err := db.Open(context.Background(), c.URL())
		if err != nil {
			t.Fatalf("connect to the cluster in %s: %v", c.Dir(), err)
		}
		var one int
		if err := d.NewRaw("SELECT 1").Scan(context.Background(), &one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 = %d, %v", one, err)
		}
		d.Close()
		return c, logs.String()
	}

	c, logs := start()
	if !root {
		// An ordinary user runs PostgreSQL itself and can enter its own folder.
		if c.Dir() != want {
			t.Fatalf("cluster in %s, want %s", c.Dir(), want)
		}
		return
	}
	if !strings.HasPrefix(c.Dir(), db.FallbackRoot+"/") || filepath.Base(c.Dir()) != "postgres" {
		t.Fatalf("cluster in %s, want a folder under %s", c.Dir(), db.FallbackRoot)
	}
	if origin, err := os.ReadFile(filepath.Join(filepath.Dir(c.Dir()), "origin")); err != nil || string(origin) != want+"\n" {
		t.Errorf("origin file = %q, %v; want %q", origin, err, want)
	}
	for _, s := range []string{"level=WARN", "dir=" + c.Dir(), "wanted=" + want, "closed_folder=" + closed} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %q:\n%s", s, logs)
		}
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), "data", "PG_VERSION")); err != nil {
		t.Errorf("no data directory in %s: %v", c.Dir(), err)
	}

	// Stable across restarts: the same data directory is found again.
	first := c.Dir()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	again, _ := start()
	if again.Dir() != first {
		t.Errorf("second start in %s, first in %s", again.Dir(), first)
	}
}
