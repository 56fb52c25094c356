package content

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/library-2026.versions")

// The library as it stood before conditional text and routed gotos were
// added to the format (testdata/library-2026, a copy of modules/ and
// scenarios/ at that time) must keep every version it had: learner records
// point at those versions, and the format is only ever extended. The copy
// is frozen, so the library itself can be rewritten without this test
// noticing; the format cannot.
const libraryGolden = "testdata/library-2026.versions"

func TestLibraryVersionsUnchanged(t *testing.T) {
	cat, err := Load(os.DirFS(filepath.Join("testdata", "library-2026")))
	if err != nil {
		t.Fatalf("the frozen library no longer loads:\n%v", err)
	}
	var b strings.Builder
	for _, s := range cat.Scenarios {
		fmt.Fprintf(&b, "scenario %s %s\n", s.ID, s.Version)
	}
	for _, m := range cat.Modules {
		fmt.Fprintf(&b, "module %s %s\n", m.ID, m.Version)
	}
	if *update {
		if err := os.WriteFile(libraryGolden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(libraryGolden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("versions of the frozen library changed:\n got:\n%s\nwant:\n%s", got, want)
	}
	// The canonical JSON of every scenario reloads with the same version.
	for _, s := range cat.Scenarios {
		again, errs := ParseScenario(s.Path, s.Canonical)
		if errs != nil || again.Version != s.Version {
			t.Errorf("%s: canonical JSON reloads as %v, %v", s.Path, again, errs)
		}
	}
}
