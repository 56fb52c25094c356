package twine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/content"
)

// FuzzImport: whatever the file, Import never panics; it refuses with one
// line wrapping ErrNotTwine or ErrTooLarge, or returns YAML that reads back
// as exactly the scenario built (so no text can change meaning or escape
// its field), the same every time, and that the scenario rules judge
// without panicking, finding only what a story can really lack: never a
// syntax, identity, start or shape problem of the importer's making.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(p), data)
	}
	f.Add("x.twee", []byte(":: A\n(if: $x)[[[B]]](else:)[<<link \"c\" \"D\">><</link>>]\n:: B\n? x\n:: D\n\t- y\n"))
	f.Add("x.tw", []byte(":: \\[\\]\n[[a->b->c]] [[d<-e<-f]] [[g|h|i]] [[j][k]]\n:: c\n\u2028\u0085x\n"))
	f.Add("x", []byte("<tw-storydata name=\"x\"><tw-passagedata name=\"a\" tags=\"positive\">&lt;b&gt;</tw-passagedata></tw-storydata>"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		res, err := Import(name, data)
		if err != nil {
			if !errors.Is(err, ErrNotTwine) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			// The file name is the caller's; the message after it is one line.
			if msg := strings.TrimPrefix(err.Error(), name); strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		checkOutput(t, name, data, res)
		_, errs := content.ParseScenario("scenarios/"+res.ID+".yaml", res.YAML)
		for _, e := range errs {
			switch e.Rule {
			case "S4", "S5", "S7", "S8", "S10", "S11":
			default:
				t.Fatalf("the import breaks a rule it must keep: %v\n%s", e, res.YAML)
			}
		}
	})
}
