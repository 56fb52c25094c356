package webtest_test

import (
	"context"
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
	signOutAndIn(t, ctx, srv, "sign-in page", func() {
		// Signed out, the account page sends you to sign in.
		webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#signin-form"))
	})

	// A second passkey, on a second device: the first one already holds a
	// passkey for this account, and registration excludes it.
	if names := addSecurityKey(t, ctx, "Phone"); strings.Join(names, ",") != "Work laptop,Phone" {
		t.Errorf("passkeys listed: %v", names)
	}
	webtest.Axe(t, ctx, "account page with two passkeys")
}

// TestAdminInvitesAPerson: an org admin adds a team and a label and invites
// someone through the admin pages; the person opens the link in their own
// browser (own cookies, own authenticator), registers a passkey, signs out,
// signs back in with it, adds a second passkey and sees their name; the
// admin then sees them enrolled. axe checks every page on the way, the
// admin's included.
func TestAdminInvitesAPerson(t *testing.T) {
	srv := webtest.StartServer(t)
	out := srv.Command(t, "admin", "create-org", "--name", "Harbour Health", "--admin-name", "Noor Haddad", "--admin-email", "noor@harbour.example")
	link := linkRE.FindString(out)
	if link == "" {
		t.Fatalf("no enrolment link in:\n%s", out)
	}
	admin := webtest.Tab(t)
	webtest.AddAuthenticator(t, admin)
	webtest.Do(t, admin, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.Click(`#enrol-form button[type="submit"]`), chromedp.WaitVisible("#my-name"))

	// Teams and labels.
	for _, g := range []struct{ path, name string }{{"/admin/teams", "Ward 7"}, {"/admin/labels", "Line manager"}} {
		webtest.Do(t, admin, chromedp.Navigate(srv.URL+g.path), chromedp.WaitVisible("#new-name"))
		webtest.Axe(t, admin, g.path+" (empty)")
		webtest.Do(t, admin, chromedp.SendKeys("#new-name", g.name),
			chromedp.Click(`form[action="`+g.path+`"] button[type="submit"]`), chromedp.WaitVisible(".notice"))
		if h := webtest.Eval[string](t, admin, `document.querySelector(".passkey h3").textContent`); h != g.name {
			t.Errorf("%s lists %q, want %q", g.path, h, g.name)
		}
		webtest.Axe(t, admin, g.path)
	}

	// The invitation, with a mistake first: the error is shown and what
	// was typed is kept.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/people"), chromedp.WaitVisible("#invite-name"))
	webtest.Axe(t, admin, "people page")
	webtest.Do(t, admin,
		chromedp.SendKeys("#invite-name", "Sam Okoro"),
		chromedp.SendKeys("#invite-email", "sam at harbour"),
		chromedp.Click(`input[name="teams"]`),
		chromedp.Click(`input[name="labels"]`),
		chromedp.Click(`form[action="/admin/people"] button[type="submit"]`),
		chromedp.WaitVisible("#invite-email-error"))
	webtest.Axe(t, admin, "people page with a mistake")
	if kept := webtest.Eval[bool](t, admin, `document.querySelector("#invite-name").value === "Sam Okoro" && document.querySelector('input[name="teams"]').checked`); !kept {
		t.Error("the invite form lost what was typed")
	}
	webtest.Do(t, admin,
		chromedp.SetValue("#invite-email", "sam@harbour.example"),
		chromedp.Click(`form[action="/admin/people"] button[type="submit"]`),
		chromedp.WaitVisible("#enrol-link"))
	webtest.Axe(t, admin, "enrolment link page")
	invite := webtest.Eval[string](t, admin, `document.querySelector("#enrol-link").value`)
	if !linkRE.MatchString(invite) {
		t.Fatalf("the link page shows %q", invite)
	}

	// Sam, in a browser of their own.
	sam := ownBrowser(t, admin)
	webtest.AddAuthenticator(t, sam)
	webtest.Do(t, sam, chromedp.Navigate(invite), chromedp.WaitVisible("#enrol-form"))
	if h := webtest.Eval[string](t, sam, `document.querySelector("h1").textContent`); !strings.Contains(h, "Sam Okoro") {
		t.Errorf("enrolment page heading %q", h)
	}
	webtest.Axe(t, sam, "invited person's enrolment page")
	webtest.Do(t, sam,
		chromedp.SendKeys("#passkey-name", "Phone"),
		chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	if name := webtest.Eval[string](t, sam, `document.querySelector("#my-name").textContent`); name != "Sam Okoro" {
		t.Errorf("account page name %q", name)
	}
	webtest.Axe(t, sam, "invited person's account page")
	signOutAndIn(t, sam, srv, "sign-in page after signing out", nil)
	if names := addSecurityKey(t, sam, "Security key"); strings.Join(names, ",") != "Phone,Security key" {
		t.Errorf("passkeys listed: %v", names)
	}
	if name := webtest.Eval[string](t, sam, `document.querySelector("#my-name").textContent`); name != "Sam Okoro" {
		t.Errorf("account page name %q", name)
	}
	webtest.Axe(t, sam, "invited person's account page with two passkeys")

	// The admin's view of Sam, and the audit log.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/people"), chromedp.WaitVisible("#invite-name"))
	row := webtest.Eval[[]string](t, admin, `[...[...document.querySelectorAll("tbody tr")].find(r => r.textContent.includes("Sam Okoro")).children].map(c => c.textContent.trim())`)
	if strings.Join(row, "|") != "Sam Okoro|sam@harbour.example|Ward 7|Line manager|Learner|Active|2" {
		t.Errorf("Sam's row: %q", row)
	}
	unsplitTables(t, admin, "people page")
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/people"), chromedp.WaitVisible("#invite-name"))
	samPage := webtest.Eval[string](t, admin, `[...document.querySelectorAll("tbody a")].find(a => a.textContent === "Sam Okoro").href`)
	webtest.Do(t, admin, chromedp.Navigate(samPage), chromedp.WaitVisible("#person-status"))
	if st := webtest.Eval[string](t, admin, `document.querySelector("#person-status").textContent + " / " + document.querySelector("#person-passkeys").textContent`); st != "Active / 2" {
		t.Errorf("Sam's page: %q", st)
	}
	webtest.Axe(t, admin, "person page")
	unsplitTables(t, admin, "person page")
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/audit"), chromedp.WaitVisible("#audit-entries"))
	audit := webtest.Eval[string](t, admin, `document.querySelector("#audit-entries").textContent`)
	for _, want := range []string{"Invited someone", "Set up a passkey from a link", "Added a passkey", "Signed in", "Signed out", "Created a team"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	webtest.Axe(t, admin, "audit log")
	unsplitTables(t, admin, "audit log")
}

// ownBrowser opens a tab in a fresh browser context of the shared
// Chromium: its own cookies and storage, as another person's browser has.
func ownBrowser(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	// The first run opens the tab: no timeout here, or it would close it.
	// Later actions get theirs from the webtest helpers.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab in a new browser context: %v", err)
	}
	t.Cleanup(cancel)
	return ctx
}

// signOutAndIn signs out from the header, checks the sign-in page with axe
// (calling between, if given, while signed out), signs back in with the
// tab's passkey and opens the account page.
func signOutAndIn(t *testing.T, ctx context.Context, srv *webtest.Server, page string, between func()) {
	t.Helper()
	webtest.Do(t, ctx, chromedp.Click(`header form[action="/signout"] button`), chromedp.WaitVisible("#signin-form"))
	webtest.Axe(t, ctx, page)
	if between != nil {
		between()
	}
	webtest.Do(t, ctx, chromedp.Click(`#signin-form button[type="submit"]`))
	webtest.WaitPath(t, ctx, "/")
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#my-name"))
}

// addSecurityKey attaches a second authenticator, registers a passkey named
// name on it from the account page, and returns the passkeys listed there.
func addSecurityKey(t *testing.T, ctx context.Context, name string) []string {
	t.Helper()
	key := webtest.AddSecurityKey(t, ctx)
	webtest.Do(t, ctx,
		chromedp.SendKeys("#new-passkey-name", name),
		chromedp.Click(`#add-passkey-form button[type="submit"]`),
		chromedp.WaitVisible(`.notice`))
	if n := key.Credentials(t, ctx); n != 1 {
		t.Errorf("the security key holds %d passkeys, want 1", n)
	}
	return webtest.Eval[[]string](t, ctx, `[...document.querySelectorAll(".passkey h3")].map(e => e.textContent)`)
}
