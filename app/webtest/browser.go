package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserErr    error
	browserDir    string
)

// chromium finds the browser: $CHROME_PATH, then the usual names on PATH.
func chromium() (string, error) {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found: install it (Debian: apt-get update && apt-get install -y chromium) or set CHROME_PATH")
}

// startBrowser launches one headless Chromium shared by the package's tests;
// each test gets its own tab. Its first run has no timeout: a timeout there
// would stop the whole browser.
func startBrowser() {
	path, err := chromium()
	if err != nil {
		browserErr = err
		return
	}
	browserDir, err = os.MkdirTemp("", "upstand-chromium-")
	if err != nil {
		browserErr = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(browserDir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		browserErr = fmt.Errorf("start Chromium (%s): %w", path, err)
		return
	}
	browserCtx = ctx
	browserCancel = func() { cancel(); cancelAlloc() }
}

func stopBrowser() {
	if browserCancel != nil {
		browserCancel()
	}
	if browserDir != "" {
		os.RemoveAll(browserDir)
	}
}

// actionTimeout bounds each browser action: one Do, Eval, Call, wait,
// axe run or screenshot. It is generous because a busy machine makes
// Chromium slow; a test as a whole is bounded only by go test's -timeout.
const actionTimeout = 30 * time.Second

// action derives the context for one browser action on a tab that has
// already run once. Never use it for a tab's first run: chromedp would
// close the tab (or the browser) when that deadline passes.
func action(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, actionTimeout)
}

// Tab opens a new browser tab for the test, closed when the test ends. The
// context has no deadline: Do, Eval, Call, Until, WaitPath, Axe and
// Screenshot each give their action a deadline of its own.
func Tab(t testing.TB) context.Context {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		t.Fatalf("webtest: %v", browserErr)
	}
	tab, cancelTab := chromedp.NewContext(browserCtx)
	// The tab's first run: no timeout, or it would close the tab.
	if err := chromedp.Do(tab); err != nil {
		cancelTab()
		t.Fatalf("webtest: open tab: %v", err)
	}
	t.Cleanup(cancelTab)
	return tab
}

// where says where the browser is (its location and the start of the
// page's text), for error messages: a timeout alone tells nothing. It asks
// the tab with a short deadline of its own, even if ctx has ended.
func where(ctx context.Context) string {
	peek, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(peek, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("at an unknown location (%v)", err)
	}
	text, _ := chromedp.Run(peek, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 1500) : ""`))
	return fmt.Sprintf("at %s:\n%s", loc, text)
}

// Do runs browser steps, within actionTimeout in all, and fails the test
// on error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	actx, cancel := action(ctx)
	defer cancel()
	if err := chromedp.Do(actx, steps...); err != nil {
		t.Fatalf("webtest: browser: %v\n%s", err, where(ctx))
	}
}

// Eval evaluates a JavaScript expression and returns its value.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	actx, cancel := action(ctx)
	defer cancel()
	v, err := chromedp.Run(actx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("webtest: evaluate %q: %v\n%s", expr, err, where(ctx))
	}
	return v
}

// Call sends one DevTools protocol command to the tab and returns its
// result; an error fails the test.
func Call[P, R any](t testing.TB, ctx context.Context, cmd cdp.Command[P, R], params P) R {
	t.Helper()
	actx, cancel := action(ctx)
	defer cancel()
	res, err := chromedp.Call(actx, cmd, params)
	if err != nil {
		t.Fatalf("webtest: %s: %v\n%s", cmd.Method, err, where(ctx))
	}
	return res
}

// Until waits up to actionTimeout for the JavaScript expression to be
// true and reports whether it became so. Evaluation errors while a
// navigation is under way are expected and retried.
func Until(t testing.TB, ctx context.Context, expr string) bool {
	t.Helper()
	actx, cancel := action(ctx)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := chromedp.Run(actx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return true
		}
		select {
		case <-actx.Done():
			if err != nil {
				t.Logf("webtest: waiting for %s: last evaluation error: %v", expr, err)
			}
			return false
		case <-tick.C:
		}
	}
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// Axe runs axe-core (from node_modules, pinned in package-lock.json) on the
// current page with its WCAG 2.x A/AA and best-practice rules and fails the
// test on any violation, naming the rule and the elements.
func Axe(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(repoDir, "node_modules", "axe-core", "axe.min.js"))
		if err != nil {
			axeErr = fmt.Errorf("axe-core is missing (%v): run 'npm ci' in the repository root", err)
			return
		}
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("webtest: %v", axeErr)
	}
	inject, cancelInject := action(ctx)
	defer cancelInject()
	if _, err := chromedp.Run(inject, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		t.Fatalf("webtest: inject axe-core on %s: %v\n%s", page, err, where(ctx))
	}
	check, cancelCheck := action(ctx)
	defer cancelCheck()
	raw, err := chromedp.Run(check, chromedp.Evaluate[[]byte](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("webtest: run axe-core on %s: %v\n%s", page, err, where(ctx))
	}
	var violations []axeViolation
	if err := json.Unmarshal(raw, &violations); err != nil {
		t.Fatalf("webtest: axe-core result on %s: %v", page, err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		t.Errorf("axe on %s: %s (%s): %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

var shotsOnce sync.Once

// ScreenshotDir is where Screenshot writes: $UPSTAND_SCREENSHOTS, or
// tmp/screenshots in the repository. The first screenshot prints it.
func ScreenshotDir() string {
	if d := os.Getenv("UPSTAND_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(repoDir, "tmp", "screenshots")
}

// Screenshot saves a full-page PNG of the current page as name.png.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	actx, cancel := action(ctx)
	defer cancel()
	png, err := chromedp.Run(actx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("webtest: screenshot %s: %v\n%s", name, err, where(ctx))
	}
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("webtest: screenshot folder: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("webtest: write screenshot: %v", err)
	}
	shotsOnce.Do(func() { fmt.Printf("webtest: screenshots are in %s\n", dir) })
}

// WaitPath waits up to actionTimeout until the tab's location path is
// path and the page has loaded (after a redirect or a script's navigation).
func WaitPath(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	expr := fmt.Sprintf("location.pathname === %q && document.readyState === 'complete'", path)
	if !Until(t, ctx, expr) {
		t.Fatalf("webtest: the page did not reach %s within %s\n%s", path, actionTimeout, where(ctx))
	}
}
