package webtest_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/lms/engine"
	"github.com/upstand/upstand/app/webtest"
)

// lmsHost is the test's learning management system: scorm-again (pinned
// in package-lock.json) as window.API, the package in an iframe, and the
// data model kept in sessionStorage across a close and a relaunch.
const lmsHost = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LMS</title>
<script src="/scorm-again/scorm12.min.js"></script></head><body>
<iframe id="sco" title="Course" style="width:100%;height:90vh"></iframe>
<script>
window.API = new Scorm12API({autocommit: false, logLevel: 5});
var saved = sessionStorage.getItem("cmi");
if (saved) {
  var cmi = JSON.parse(saved);
  if (cmi.core && cmi.core.exit === "suspend") { cmi.core.entry = "resume"; }
  API.loadFromJSON(cmi);
}
window.closeCourse = function () {
  var frame = document.getElementById("sco");
  return new Promise(function (done) {
    frame.addEventListener("load", function () {
      sessionStorage.setItem("cmi", JSON.stringify(API.renderCMIToJSONObject()));
      done(true);
    }, {once: true});
    frame.src = "about:blank";
  });
};
document.getElementById("sco").src = location.hash.slice(1);
</script></body></html>`

// servePackages exports every bundled module as a SCORM 1.2 package and
// serves each unzipped under /pkg/<module>/, with the host page at
// /lms.html and scorm-again beside it.
func servePackages(t *testing.T, cat *content.Catalogue) *httptest.Server {
	t.Helper()
	files := map[string][]byte{}
	for _, m := range cat.Modules {
		var buf bytes.Buffer
		if err := lms.SCORM12(&buf, m, lms.Options{QuickExitURL: "https://www.bbc.co.uk/weather", Created: time.Unix(0, 0)}); err != nil {
			t.Fatalf("export %s: %v (go tool task wasm builds the engine)", m.ID, err)
		}
		if buf.Len() > 4<<20 {
			t.Errorf("%s: package is %d bytes, over 4 MB", m.ID, buf.Len())
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(rc)
			rc.Close()
			files["/pkg/"+m.ID+"/"+f.Name] = b.Bytes()
		}
	}
	scorm, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "scorm-again", "dist", "scorm12.min.js"))
	if err != nil {
		t.Fatalf("scorm-again is missing (%v): run 'npm ci' in the repository root", err)
	}
	files["/scorm-again/scorm12.min.js"] = scorm
	files["/lms.html"] = []byte(lmsHost)
	types := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
		".wasm": "application/wasm", ".json": "application/json", ".xml": "application/xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", types[path.Ext(r.URL.Path)])
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLMSEngineSameResults plays, for every bundled scenario, a shortest
// path to every state it can reach through the server's engine (in this
// process) and through the WebAssembly build in the exported package in
// Chromium, and compares every view on the way: state (node, variables,
// scores, path, outcome), text, choices and feedback.
func TestLMSEngineSameResults(t *testing.T) {
	cat := bundled(t)
	srv := servePackages(t, cat)
	ctx := webtest.Tab(t)
	native := engine.New()
	// Every scenario, also one in no module, is loaded from its canonical
	// JSON into the engine of the first package, as the runtime does.
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/pkg/"+cat.Modules[0].ID+"/index.html"))
	if !webtest.Until(t, ctx, `window.upstandRuntime && window.upstandRuntime.ready`) {
		t.Fatal("the engine did not start")
	}
	total := 0
	for _, s := range cat.Scenarios {
		if _, err := native.Load(string(s.Canonical), "", s.Version); err != nil {
			t.Fatal(err)
		}
		paths, err := engine.Paths(s, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var want [][]engine.View
		for _, p := range paths {
			views, err := native.Trace(s.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, views)
		}
		pj, _ := json.Marshal(paths)
		cj, _ := json.Marshal(string(s.Canonical))
		raw := webtest.Eval[string](t, ctx, fmt.Sprintf(`(function () {
  var e = window.upstandEngine, id = %q;
  function call(r) { r = JSON.parse(r); if (r.error) { throw new Error(r.error); } return r.ok; }
  call(e.load(%s, "", %q));
  return JSON.stringify(%s.map(function (p) {
    var v = call(e.begin(id)), out = [v];
    p.forEach(function (c) { v = call(e.choose(id, JSON.stringify(v.state), c)); out.push(v); });
    return out;
  }));
})()`, s.ID, cj, s.Version, pj))
		var got, exp any
		wb, _ := json.Marshal(want)
		if err := json.Unmarshal(wb, &exp); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: the WebAssembly engine differs from the server's engine", s.ID)
		}
		total += len(paths)
	}
	t.Logf("%d scenarios, %d paths played through both builds", len(cat.Scenarios), total)
}
