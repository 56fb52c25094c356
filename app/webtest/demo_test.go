package webtest_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/webtest"
)

// TestDemoAdminLink is what `go tool task dev` promises a newcomer: the
// server prints a demo admin's enrolment link, and following it in a
// browser with a passkey authenticator signs them in.
func TestDemoAdminLink(t *testing.T) {
	srv := webtest.StartServer(t, "UPSTAND_DEMO=true")
	link := linkRE.FindString(srv.Output())
	if link == "" {
		t.Fatalf("no demo enrolment link in the server's output:\n%s", srv.Output())
	}
	ctx := webtest.Tab(t)
	webtest.AddAuthenticator(t, ctx)
	webtest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"))
	webtest.Do(t, ctx, chromedp.Click(`#enrol-form button[type="submit"]`), chromedp.WaitVisible("#my-name"))
	if name := webtest.Eval[string](t, ctx, `document.querySelector("#my-name").textContent`); name != "Demo Admin" {
		t.Errorf("signed in as %q, want Demo Admin", name)
	}
	if admin := webtest.Eval[bool](t, ctx, `!!document.querySelector('header a[href="/admin/people"]')`); !admin {
		t.Error("the demo admin has no link to the admin pages")
	}
}
