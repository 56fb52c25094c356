package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/store"
)

// runContent is `upstand content check [DIR]`: every content rule over a
// folder, for authors and CI.
func runContent(_ context.Context, args []string, _ config.Env, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upstand content check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprint(stderr, "usage: upstand content check [DIR]\n\n"+
			"Checks modules/ and scenarios/ under DIR. Without DIR: the current directory\n"+
			"if it has modules/ or scenarios/, otherwise the content built into the binary.\n"+
			"Prints every problem, then a summary; exits 1 on any problem.\n")
	}
	if len(args) == 0 || args[0] != "check" {
		fl.Usage()
		return 2
	}
	if err := fl.Parse(args[1:]); err != nil {
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
