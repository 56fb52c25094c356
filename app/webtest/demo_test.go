package webtest_test

import (
	"regexp"
	"strings"
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

	// The demo learner's link needs no passkey: it asks, then signs in on
	// a session every page marks as a demo.
	m := demoLinkRE.FindStringSubmatch(srv.Output())
	if m == nil {
		t.Fatalf("no demo learner link in the server's output:\n%s", srv.Output())
	}
	webtest.Do(t, ctx, chromedp.Navigate(m[1]), chromedp.WaitVisible(`main form button[type="submit"]`))
	webtest.Axe(t, ctx, "demo link page")
	webtest.Do(t, ctx, chromedp.Click(`main form button[type="submit"]`), chromedp.WaitVisible(".demo-banner"))
	webtest.Axe(t, ctx, "home page in a demo session")
	if banner := webtest.Eval[string](t, ctx, `document.querySelector('[role="status"].demo-banner').innerText`); !strings.HasPrefix(banner, "Demo mode: you signed in without a passkey") {
		t.Errorf("demo banner %q", banner)
	}
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible("#my-name"))
	if name := webtest.Eval[string](t, ctx, `document.querySelector("#my-name").textContent`); name != "Demo Learner" {
		t.Errorf("signed in as %q with the learner's demo link", name)
	}
}

var demoLinkRE = regexp.MustCompile(`Demo Learner \(learner\): +(http://localhost:\d+/demo/[A-Za-z0-9_-]+)`)
