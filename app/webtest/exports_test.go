package webtest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/webtest"
)

// readStatements asks the real server's xAPI endpoint for a page with the
// key (ID:SECRET), as a learning record store does, and returns the
// status and the number of statements.
func readStatements(t *testing.T, srv *webtest.Server, key string) (int, int) {
	t.Helper()
	id, secret, _ := strings.Cut(key, ":")
	req, err := http.NewRequest("GET", srv.URL+"/xapi/statements?limit=500", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(id, secret)
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v := resp.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
		t.Errorf("X-Experience-API-Version %q", v)
	}
	var res struct {
		Statements []json.RawMessage `json:"statements"`
	}
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, len(res.Statements)
}

// TestExportsAndAPIKeysInBrowser: an org admin opens the exports page,
// makes an API key on the API keys page (a mistake first), copies it from
// the page it is shown on, a program reads the statements with it (and
// with a key the operator made at the command line), and the admin
// revokes it, after which it is refused. axe checks every page, and the
// key list keeps its table semantics when stacked.
func TestExportsAndAPIKeysInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	out := srv.Command(t, "admin", "create-org", "--name", "Quay Trust", "--admin-name", "Kit Quayle", "--admin-email", "kit@quay.example")
	link, org := linkRE.FindString(out), orgIDRE.FindStringSubmatch(out)
	if link == "" || org == nil {
		t.Fatalf("no enrolment link or organisation id in:\n%s", out)
	}
	operatorKey := strings.TrimSpace(srv.Command(t, "admin", "api-key", "--org", org[1], "--name", "Command line key"))

	admin := webtest.Tab(t)
	webtest.AddAuthenticator(t, admin)
	webtest.Do(t, admin, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.Click(`#enrol-form button[type="submit"]`), chromedp.WaitVisible("#my-name"))

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage/exports"), chromedp.WaitVisible("#download-statements"))
	if endpoint := webtest.Eval[string](t, admin, `document.querySelector("#xapi-endpoint").textContent`); endpoint != srv.URL+"/xapi/statements" {
		t.Errorf("the exports page names the endpoint %q", endpoint)
	}
	webtest.Axe(t, admin, "exports page")
	webtest.Screenshot(t, admin, "exports")

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/api-keys"), chromedp.WaitVisible("#key-name"))
	webtest.Axe(t, admin, "API keys page")
	webtest.Do(t, admin, chromedp.Click(`form[action="/admin/api-keys"] button[type="submit"]`), chromedp.WaitVisible("#key-name-error"))
	webtest.Axe(t, admin, "API keys page with a mistake")
	webtest.Do(t, admin, chromedp.SendKeys("#key-name", "Our record store"),
		chromedp.Click(`form[action="/admin/api-keys"] button[type="submit"]`), chromedp.WaitVisible("#api-key"))
	webtest.Axe(t, admin, "new API key page")
	webtest.Screenshot(t, admin, "api-key-new")
	key := webtest.Eval[string](t, admin, `document.querySelector("#api-key").value`)

	for name, k := range map[string]string{"the admin's key": key, "the operator's key": operatorKey} {
		if status, _ := readStatements(t, srv, k); status != 200 {
			t.Errorf("%s: status %d", name, status)
		}
	}

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/api-keys"), chromedp.WaitVisible("#api-keys"))
	webtest.Screenshot(t, admin, "api-keys")
	unsplitTables(t, admin, "API keys page")
	id, _, _ := strings.Cut(key, ":")
	webtest.Do(t, admin, chromedp.Click(`form[action="/admin/api-keys/`+id+`/revoke"] button`), chromedp.WaitVisible(".notice"))
	webtest.Axe(t, admin, "API keys page after revoking")
	if state := webtest.Eval[string](t, admin, `[...document.querySelectorAll("#api-keys tbody tr")].find(r => r.textContent.includes("Our record store")).children[3].textContent`); !strings.HasPrefix(state, "Revoked") {
		t.Errorf("the revoked key's state: %q", state)
	}
	if status, _ := readStatements(t, srv, key); status != 401 {
		t.Errorf("the revoked key: status %d", status)
	}
	if status, _ := readStatements(t, srv, operatorKey); status != 200 {
		t.Errorf("the operator's key after another was revoked: status %d", status)
	}
}
