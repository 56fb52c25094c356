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

const exportUsage = "usage: upstand export scorm12|cmi5 MODULE [--out FILE.zip] [--content-dir DIR] [--quick-exit-url URL]\n\n" +
	"Writes a bundled module as a SCORM 1.2 or a cmi5 package for a learning\n" +
	"management system (docs/lms.md): lessons, scenarios (played by Upstand's\n" +
	"engine compiled to WebAssembly), quiz and confidence checks, with the default\n" +
	"support resources. --out defaults to MODULE-scorm12.zip or MODULE-cmi5.zip.\n" +
	"The content is that of --content-dir, else of the current directory if it\n" +
	"has modules/ or scenarios/, else the content built into the binary.\n" +
	"Exits 2 on a usage error or an unknown module, 1 when the content has errors\n" +
	"or the package cannot be written.\n"

// exportFormats are the packages `upstand export` writes: the writer and
// the name it gives the package.
var exportFormats = map[string]struct {
	write func(io.Writer, *content.Module, lms.Options) error
	name  string
}{
	"scorm12": {lms.SCORM12, "SCORM 1.2"},
	"cmi5":    {lms.CMI5, "cmi5"},
}

// runExport is `upstand export scorm12|cmi5 MODULE`: a module as a package
// for another learning management system.
func runExport(_ context.Context, args []string, env config.Env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, exportUsage)
		return 2
	}
	format, known := exportFormats[args[0]]
	if !known {
		fmt.Fprintf(stderr, "upstand export: unknown format %q (this version exports scorm12 and cmi5)\n", args[0])
		fmt.Fprint(stderr, exportUsage)
		return 2
	}
	fl := flag.NewFlagSet("upstand export "+args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, exportUsage) }
	out := fl.String("out", "", "the package to write (default MODULE-"+args[0]+".zip)")
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
		*out = id + "-" + args[0] + ".zip"
	}
	var support []lms.Support
	for _, r := range org.DefaultSupport {
		support = append(support, lms.Support{Name: r.Name, Description: r.Description, Link: r.Link, Phone: r.Phone})
	}
	n, err := writePackage(*out, m, format.write, lms.Options{QuickExitURL: *quickExit, Support: support, Created: time.Now()})
	if err != nil {
		fmt.Fprintln(stderr, "upstand export:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes): %s package of %s, version %s\n", *out, n, format.name, m.ID, m.Version)
	return 0
}

// writePackage writes the package beside its final name and renames it
// into place, so a failure leaves no half-written file.
func writePackage(out string, m *content.Module, write func(io.Writer, *content.Module, lms.Options) error, opt lms.Options) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".upstand-export-*.zip")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	werr := write(tmp, m, opt)
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
