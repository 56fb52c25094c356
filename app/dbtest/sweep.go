package dbtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownerFile names, in a test run's folder, the process that made it.
const ownerFile = "owner.pid"

// sweep removes the folders earlier test runs left in base (upstand-test-*)
// when the run that made them has ended without removing them — a run
// killed by a timeout or by hand skips its deferred clean-up, and in
// /dev/shm its cluster then holds memory until the machine restarts. A
// folder is left when its owner is still running, when its PostgreSQL is
// still running, or when it names no owner (a run of an older harness, or
// one that is just starting).
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "upstand-test-*"))
	for _, d := range dirs {
		owner, ok := pidIn(filepath.Join(d, ownerFile))
		if !ok || alive(owner) {
			continue
		}
		if pm, ok := pidIn(filepath.Join(d, "pg", "postmaster.pid")); ok && alive(pm) {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// pidIn reads the process id on the first line of a file.
func pidIn(file string) (int, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}

// alive reports whether a process with this id exists (one of another
// user counts: signalling it is refused, not unknown).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
