package webtest_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/webtest"
)

func TestMain(m *testing.M) { webtest.Main(m) }

// TestHomePageInBrowser loads the real server's home page in Chromium.
func TestHomePageInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	ctx := webtest.Tab(t)
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("main h1"))
	if title := webtest.Eval[string](t, ctx, "document.title"); title != "Practise the conversations that matter – Upstand" {
		t.Errorf("title %q", title)
	}
	exit := webtest.Eval[string](t, ctx, `document.querySelector("header a[data-quick-exit]").textContent + " -> " + document.querySelector("header a[data-quick-exit]").href`)
	if exit != "Leave this site -> https://www.bbc.co.uk/weather" {
		t.Errorf("quick exit link: %q", exit)
	}
	// The stylesheet loaded under the CSP (no inline styles).
	if bg := webtest.Eval[string](t, ctx, `getComputedStyle(document.querySelector(".quick-exit")).backgroundColor`); bg != "rgb(164, 22, 26)" {
		t.Errorf("quick exit background %q: stylesheet not applied", bg)
	}
	webtest.Axe(t, ctx, "home")
}
