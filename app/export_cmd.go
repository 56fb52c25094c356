package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/org"
)

const exportUsage = "usage: upstand export scorm12 MODULE [--out FILE.zip] [--content-dir DIR] [--quick-exit-url URL]\n\n" +
	"Writes a bundled module as a SCORM 1.2 package for a learning management\n" +
	"system (docs/lms.md): lessons, scenarios (played by Upstand's engine compiled\n" +
	"to WebAssembly), quiz and confidence checks, with the default support\n" +
	"resources. --out defaults to MODULE-scorm12.zip. The content is that of\n" +
	"--content-dir, else of the current directory if it has modules/ or\n" +
	"scenarios/, else the content built into the binary.\n" +
	"Exits 2 on a usage error or an unknown module, 1 when the content has errors\n" +
	"or the package cannot be written.\n"

// runExport is `upstand export scorm12 MODULE`: a module as a package for
// another learning management system.
func runExport(_ context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "scorm12" {
		if len(args) > 0 {
			fmt.Fprintf(stderr, "upstand export: unknown format %q (this version exports scorm12)\n", args[0])
		}
		fmt.Fprint(stderr, exportUsage)
		return 2
	}
	fl := flag.NewFlagSet("upstand export scorm12", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, exportUsage) }
	out := fl.String("out", "", "the package to write (default MODULE-scorm12.zip)")
	dir := fl.String("content-dir", "", "read modules/ and scenarios/ from this folder")
	exitURL, ok := env("UPSTAND_QUICK_EXIT_URL")
	if !ok || exitURL == "" {
		exitURL = config.DefaultQuickExitURL
	}
	quickExit := fl.String("quick-exit-url", exitURL, "the neutral page \"Leave this site\" opens (UPSTAND_QUICK_EXIT_URL)")
	// Flags may come before or after the module.
	var positional []string
	rest := args[1:]
	for {
		if err := fl.Parse(rest); err != nil {
			return 2
		}
		if fl.NArg() == 0 {
			break
		}
		positional = append(positional, fl.Arg(0))
		rest = fl.Args()[1:]
	}
	if len(positional) != 1 {
		fl.Usage()
		return 2
	}
	id := positional[0]
	fsys, where, err := contentSource(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "upstand export:", err)
		return 1
	}
	sum := content.Check(fsys)
	if len(sum.Errors) > 0 {
		for _, e := range sum.Errors {
			fmt.Fprintln(stderr, e.Error())
		}
		fmt.Fprintf(stderr, "upstand export: %s has %d content errors (listed above): fix them first (upstand content check)\n", where, len(sum.Errors))
		return 1
	}
	cat, err := content.Load(fsys)
	if err != nil {
		fmt.Fprintln(stderr, "upstand export:", err)
		return 1
	}
	m, ok := cat.Module(id)
	if !ok {
		var ids []string
		for _, m := range cat.Modules {
			ids = append(ids, m.ID)
		}
		fmt.Fprintf(stderr, "upstand export: no module %q in %s; the modules are: %s\n", id, where, strings.Join(ids, ", "))
		return 2
	}
	if *out == "" {
		*out = id + "-scorm12.zip"
	}
	var support []lms.Support
	for _, r := range org.DefaultSupport {
		support = append(support, lms.Support{Name: r.Name, Description: r.Description, Link: r.Link, Phone: r.Phone})
	}
	n, err := writePackage(*out, m, lms.Options{QuickExitURL: *quickExit, Support: support, Created: time.Now()})
	if err != nil {
		fmt.Fprintln(stderr, "upstand export:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): SCORM 1.2 package of %s, version %s\n", *out, n, m.ID, m.Version)
	return 0
}

// writePackage writes the package beside its final name and renames it
// into place, so a failure leaves no half-written file.
func writePackage(out string, m *content.Module, opt lms.Options) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".upstand-export-*.zip")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	werr := lms.SCORM12(tmp, m, opt)
	info, serr := tmp.Stat()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return 0, err
	}
	return info.Size(), nil
}
