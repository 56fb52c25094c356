package dbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSweep: a folder whose run has ended is removed; one whose run is
// still going, one naming no owner and one whose PostgreSQL still runs
// are left.
func TestSweep(t *testing.T) {
	base := t.TempDir()
	ended := exec.Command("true")
	if err := ended.Run(); err != nil {
		t.Fatal(err)
	}
	gone := ended.Process.Pid
	mk := func(name string, files map[string]int) string {
		d := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Join(d, "pg"), 0o755); err != nil {
			t.Fatal(err)
		}
		for f, pid := range files {
			if err := os.WriteFile(filepath.Join(d, f), []byte(strconv.Itoa(pid)+"\n/some/dir\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	stale := mk("upstand-test-1", map[string]int{ownerFile: gone, "pg/postmaster.pid": gone})
	running := mk("upstand-test-2", map[string]int{ownerFile: os.Getpid()})
	unknown := mk("upstand-test-3", nil)
	serving := mk("upstand-test-4", map[string]int{ownerFile: gone, "pg/postmaster.pid": os.Getpid()})
	other := mk("something-else", map[string]int{ownerFile: gone})
	sweep(base)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the folder of a run that ended is still there (%v)", err)
	}
	for _, d := range []string{running, unknown, serving, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(d), err)
		}
	}
}
