package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/graphview"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/twine"
)

// runContent is `upstand content check [DIR]`, every content rule over a
// folder for authors and CI, and `upstand content import FILE`, a Twine
// story turned into a scenario, and `upstand content graph`, a scenario
// drawn as the studio draws it.
func runContent(ctx context.Context, args []string, _ config.Env, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "check":
			return runContentCheck(args[1:], stdout, stderr)
		case "import":
			return runContentImport(args[1:], stdout, stderr)
		case "graph":
			return runContentGraph(ctx, args[1:], os.Stdin, stdout, stderr)
		}
	}
	fmt.Fprint(stderr, contentCheckUsage+"\n"+contentImportUsage+"\n"+contentGraphUsage)
	return 2
}

const contentCheckUsage = "usage: upstand content check [DIR]\n\n" +
	"Checks modules/ and scenarios/ under DIR. Without DIR: the current directory\n" +
	"if it has modules/ or scenarios/, otherwise the content built into the binary.\n" +
	"Prints every problem, then a summary; exits 1 on any problem.\n"

const contentImportUsage = "usage: upstand content import FILE\n\n" +
	"Converts a Twine 2 story (Twee: .twee, .tw; published HTML: .html) into a\n" +
	"scenario. Writes the scenario YAML to standard output, and to standard error\n" +
	"what the import changed or dropped, then any scenario rule the result breaks.\n" +
	"Exits 0 when the scenario passes every rule, 1 when it breaks one, 2 when the\n" +
	"file cannot be imported.\n"

func runContentCheck(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upstand content check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, contentCheckUsage) }
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 1 {
		fl.Usage()
		return 2
	}
	fsys, where, err := contentSource(fl.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "upstand content check:", err)
		return 1
	}
	sum := content.Check(fsys)
	for _, e := range sum.Errors {
		fmt.Fprintln(stdout, e.Error())
	}
	fmt.Fprintf(stdout, "%d modules, %d scenarios, %d errors\n", sum.Modules, sum.Scenarios, len(sum.Errors))
	if len(sum.Errors) > 0 {
		fmt.Fprintf(stderr, "upstand content check: %s has errors\n", where)
		return 1
	}
	return 0
}

// runContentImport is `upstand content import FILE`: the YAML on standard
// output; the importer's warnings, then the scenario rules the result
// breaks, on standard error.
func runContentImport(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upstand content import", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, contentImportUsage) }
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return 2
	}
	file := fl.Arg(0)
	fail := func(err error) int {
		fmt.Fprintln(stderr, "upstand content import:", err)
		return 2
	}
	switch strings.ToLower(filepath.Ext(file)) {
	case ".twee", ".tw", ".html", ".htm":
	default:
		return fail(fmt.Errorf("%s: give a Twee file (.twee, .tw) or a story published from Twine 2 (.html)", file))
	}
	data, err := readImport(file)
	if err != nil {
		return fail(err)
	}
	res, err := twine.Import(filepath.Base(file), data)
	if err != nil {
		return fail(err)
	}
	if _, err := stdout.Write(res.YAML); err != nil {
		return fail(err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, w)
	}
	path := "scenarios/" + res.ID + ".yaml"
	warnings := count(len(res.Warnings), "warning")
	if _, errs := content.ParseScenario(path, res.YAML); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "upstand content import: %s; %s breaks %s (above): fix before publishing\n",
			warnings, path, count(len(errs), "scenario rule"))
		return 1
	}
	fmt.Fprintf(stderr, "upstand content import: %s; %s passes every scenario rule\n", warnings, path)
	return 0
}

// count is "1 warning", "2 warnings".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// readImport reads a file to import, refusing one over the importer's limit
// without reading it.
func readImport(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case st.IsDir():
		return nil, fmt.Errorf("%s is a folder", file)
	case st.Size() > twine.MaxInputBytes:
		return nil, fmt.Errorf("%s: %w: the file is %d bytes; the importer reads at most 5 MiB",
			filepath.Base(file), twine.ErrTooLarge, st.Size())
	}
	return io.ReadAll(io.LimitReader(f, twine.MaxInputBytes+1))
}

// contentSource picks the tree `content check` reads and says which.
func contentSource(dir string) (fs.FS, string, error) {
	if dir == "" {
		if hasContent(".") {
			return os.DirFS("."), "the current directory", nil
		}
		return upstand.Files, "the built-in content", nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, "", err
	}
	if !st.IsDir() {
		return nil, "", fmt.Errorf("%s is not a folder", dir)
	}
	if !hasContent(dir) {
		return nil, "", fmt.Errorf("%s has neither modules/ nor scenarios/", dir)
	}
	return os.DirFS(dir), dir, nil
}

func hasContent(dir string) bool {
	for _, sub := range []string{"modules", "scenarios"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err == nil && st.IsDir() {
			return true
		}
	}
	return false
}

// loadCatalogue loads the content serve will use: the folder set with
// --content-dir, or the copy built into the binary. Broken content stops
// start-up with the same lines `content check` prints.
func loadCatalogue(cfg config.Config) (*content.Catalogue, fs.FS, error) {
	var fsys fs.FS = upstand.Files
	if cfg.ContentDir != "" {
		if !hasContent(cfg.ContentDir) {
			return nil, nil, fmt.Errorf("content: %s has neither modules/ nor scenarios/", cfg.ContentDir)
		}
		fsys = os.DirFS(cfg.ContentDir)
	}
	cat, err := content.Load(fsys)
	var errs content.Errors
	if errors.As(err, &errs) {
		return nil, nil, fmt.Errorf("content has %d errors (run 'upstand content check'):\n%w", len(errs), err)
	}
	return cat, fsys, err
}

// recordCatalogue keeps every module and scenario version being served, so
// that records made against it can always be shown as the learner saw them.
// It returns how many versions were new.
func recordCatalogue(ctx context.Context, st *store.Store, now time.Time, cat *content.Catalogue) (int, error) {
	rows := make([]store.ContentVersion, 0, len(cat.Scenarios)+len(cat.Modules))
	for _, s := range cat.Scenarios {
		rows = append(rows, store.ContentVersion{Kind: store.KindScenario, ID: s.ID, Version: s.Version, Canonical: s.Canonical})
	}
	for _, m := range cat.Modules {
		rows = append(rows, store.ContentVersion{Kind: store.KindModule, ID: m.ID, Version: m.Version, Canonical: m.Canonical})
	}
	return st.Global().RecordContentVersions(ctx, now, rows)
}

const contentGraphUsage = "usage: upstand content graph [--json] [--path NAME] [FILE]\n\n" +
	"Draws a scenario file (a draft too, problems and all) as the studio's graph\n" +
	"page does: the SVG on standard output, or with --json the whole graph (SVG,\n" +
	"size, outline and node boxes) as JSON, which is how the server draws, in a\n" +
	"child process. Without FILE, or with -, reads standard input; --path names\n" +
	"the file in messages. Exits 3 when the file has no nodes to draw.\n"

// runContentGraph is `upstand content graph`.
func runContentGraph(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upstand content graph", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, contentGraphUsage) }
	asJSON := fl.Bool("json", false, "write the graph as JSON")
	name := fl.String("path", "", "the file's name in messages")
	if err := fl.Parse(args); err != nil || fl.NArg() > 1 {
		fl.Usage()
		return 2
	}
	in := stdin
	if file := fl.Arg(0); file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(stderr, "upstand content graph:", err)
			return 1
		}
		defer f.Close()
		in = f
		if *name == "" {
			*name = file
		}
	}
	if *name == "" {
		*name = "scenario.yaml"
	}
	if *asJSON {
		return graphview.Child(ctx, *name, in, stdout, stderr)
	}
	var out bytes.Buffer
	if code := graphview.Child(ctx, *name, in, &out, stderr); code != 0 {
		return code
	}
	var g graphview.Graph
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		fmt.Fprintln(stderr, "upstand content graph:", err)
		return 1
	}
	fmt.Fprintln(stdout, g.SVG)
	return 0
}
