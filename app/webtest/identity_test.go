package webtest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/webtest"
)

var linkRE = regexp.MustCompile(`http://localhost:\d+/enrol/[A-Za-z0-9_-]+`)

// TestPasskeyJourney: the operator creates an organisation; its admin opens
// the enrolment link, registers a passkey, signs out, signs back in with the
// passkey, adds a second passkey and sees their name. axe checks each page.
func TestPasskeyJourney(t *testing.T) {
	srv := webtest.StartServer(t)
	out := srv.Command(t, "admin", "create-org", "--name", "Harbour Health", "--admin-name", "Noor Haddad", "--admin-email", "noor@harbour.example")
	link := linkRE.FindString(out)
	if link == "" {
		t.Fatalf("no enrolment link in:\n%s", out)
	}
	ctx := webtest.Tab(t)
	authr := webtest.AddAuthenticator(t, ctx)

	webtest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"))
	if h := webtest.Eval[string](t, ctx, `document.querySelector("h1").textContent`); !strings.Contains(h, "Noor Haddad") {
		t.Errorf("enrolment page heading %q", h)
	}
	webtest.Axe(t, ctx, "enrolment page")
	webtest.Do(t, ctx,
		chromedp.SendKeys("#passkey-name", "Work laptop"),
		chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	if n := authr.Credentials(t, ctx); n != 1 {
		t.Fatalf("authenticator holds %d passkeys after enrolment, want 1", n)
	}
	if name := webtest.Eval[string](t, ctx, `document.querySelector("#my-name").textContent`); name != "Noor Haddad" {
		t.Errorf("account page name %q", name)
	}
	webtest.Axe(t, ctx, "account page")

	// Sign out, then back in with the passkey.
	webtest.Do(t, ctx, chromedp.Click(`header form[action="/signout"] button`), chromedp.WaitVisible("#signin-form"))
	webtest.Axe(t, ctx, "sign-in page")
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#signin-form"))
	webtest.Do(t, ctx, chromedp.Click(`#signin-form button[type="submit"]`))
	webtest.WaitPath(t, ctx, "/")
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#my-name"))

	// A second passkey, on a second device: the first one already holds a
	// passkey for this account, and registration excludes it.
	phone := webtest.AddSecurityKey(t, ctx)
	webtest.Do(t, ctx,
		chromedp.SendKeys("#new-passkey-name", "Phone"),
		chromedp.Click(`#add-passkey-form button[type="submit"]`),
		chromedp.WaitVisible(`.notice`))
	if n := phone.Credentials(t, ctx); n != 1 {
		t.Errorf("second authenticator holds %d passkeys, want 1", n)
	}
	names := webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll(".passkey h3")].map(e => e.textContent)`)
	if strings.Join(names, ",") != "Work laptop,Phone" {
		t.Errorf("passkeys listed: %v", names)
	}
	webtest.Axe(t, ctx, "account page with two passkeys")
}
