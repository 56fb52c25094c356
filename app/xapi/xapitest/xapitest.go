// Package xapitest checks statements against the xAPI 1.0.3 rules with
// Learning Locker's maintained validator, the npm package xapi-validation
// pinned in package-lock.json, run by Node.js (app/xapi/testdata/validate.js).
package xapitest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Validate fails the test for every statement the validator finds wrong.
// statements is anything that marshals to a JSON array of statements.
func Validate(t testing.TB, statements any) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	xapiDir := filepath.Dir(filepath.Dir(here))
	script := filepath.Join(xapiDir, "testdata", "validate.js")
	repo := filepath.Dir(filepath.Dir(xapiDir))
	if _, err := os.Stat(filepath.Join(repo, "node_modules", "xapi-validation", "package.json")); err != nil {
		t.Fatalf("xapitest: the validator is not installed (%v): run `npm ci` in %s (go tool task test does)", err, repo)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("xapitest: Node.js is needed to validate xAPI statements: apt-get install nodejs npm")
	}
	raw, err := json.Marshal(statements)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "statements.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, file).CombinedOutput()
	if err != nil {
		t.Fatalf("xapi-validation refused statements (%v):\n%s", err, out)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), "statements valid") {
		t.Fatalf("xapi-validation said: %s", out)
	}
}
