package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// TestAdminAPIKeyCommand: `upstand admin api-key` prints the key alone on
// a line of stdout as ID:SECRET, and the key opens the organisation's
// statements; bad input is refused with a clear line and makes no key.
func TestAdminAPIKeyCommand(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t)
	vars := env(map[string]string{"DATABASE_URL": url, "UPSTAND_LOG_LEVEL": "error"})
	admin := func(args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"admin"}, args...), vars, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, errOut := admin("create-org", "--name", "Keyholders", "--admin-name", "Ada Admin", "--admin-email", "ada@keyholders.example"); code != 0 {
		t.Fatalf("create-org: %d %s", code, errOut)
	}
	_, orgs, _ := admin("orgs")
	orgID, _, _ := strings.Cut(orgs, " ")

	code, out, errOut := admin("api-key", "--org", orgID, "--name", "Our LRS")
	if code != 0 {
		t.Fatalf("api-key: code %d, stderr %q", code, errOut)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
		t.Errorf("stdout %q: want ID:SECRET alone on a line", out)
	}
	if !strings.Contains(errOut, "shown only now") {
		t.Errorf("stderr %q does not say the key is shown once", errOut)
	}
	// The key opens its organisation's statements.
	app, err := db.Open(context.Background(), url, db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	st := store.New(app)
	id, secret, _ := strings.Cut(strings.TrimSpace(out), ":")
	cl, err := org.New(st, org.Config{}, time.Now).AuthenticateAPIKey(context.Background(), id, secret)
	if err != nil || cl.Org.ID().String() != orgID {
		t.Errorf("the printed key: %v, organisation %v, want %s", err, cl.Org, orgID)
	}
	if again, _, _ := admin("api-key", "--org", orgID, "--name", "Our LRS"); again != 0 {
		t.Errorf("a second key of the same name: code %d", again)
	}

	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"api-key", "--name", "No org"}, 2, "--org must be an organisation id"},
		{[]string{"api-key", "--org", "00000000-0000-0000-0000-000000000001", "--name", "Nowhere"}, 1, "no such organisation"},
		{[]string{"api-key", "--org", orgID}, 1, "Give the key a name"},
		{[]string{"api-key", "--org", orgID, "--name", strings.Repeat("k", 101)}, 1, "longer than 100 characters"},
	} {
		code, out, errOut := admin(tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.says) {
			t.Errorf("admin %q: code %d, stdout %q, stderr %q; want code %d saying %q", tc.args, code, out, errOut, tc.code, tc.says)
		}
	}
}
