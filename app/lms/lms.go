// Package lms turns a module into a package a learning management system
// imports: a SCORM 1.2 content package with one SCO, or a cmi5 course with
// one assignable unit, either of which plays the module's lessons,
// scenarios, quiz and confidence checks in the browser, the scenarios by
// the same engine as the server compiled to WebAssembly (app/lms/engine,
// app/lms/wasm). How it is used and what it records is in docs/lms.md.
package lms

import (
	"archive/zip"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/upstand/upstand/app/content"
)

// Built by `go tool task wasm`: the engine and the wasm_exec.js of the Go
// that compiled it. The README keeps the folder embeddable before a build.
//
//go:embed dist
var dist embed.FS

//go:embed runtime
var runtime embed.FS

// ErrNoEngine is SCORM12's and CMI5's error when the binary was built without the
// engine for browsers.
var ErrNoEngine = errors.New("lms: this upstand was built without the scenario engine for browsers (app/lms/dist/engine.wasm): build it with `go tool task build`")

// Support is a support resource shown in the package, frozen at export.
type Support struct {
	Name, Description, Link, Phone string
}

// Options are what a package carries besides the module.
type Options struct {
	// QuickExitURL is the neutral page "Leave this site" opens in the
	// top window.
	QuickExitURL string
	// Support is the organisation's support resources followed by the
	// default ones.
	Support []Support
	// Created is the export time, written into the manifest's metadata
	// and the zip entries' dates.
	Created time.Time
}

// SCORM12 writes m as a SCORM 1.2 content package (a zip) to w.
func SCORM12(w io.Writer, m *content.Module, opt Options) error {
	return writePackage(w, m, opt, scorm12, file{"imsmanifest.xml", manifest(m, opt.Created)})
}

// CMI5 writes m as a cmi5 course package (a zip with cmi5.xml at its
// root and one assignable unit) to w. The page, runtime and engine are
// SCORM12's; the runtime talks to the LMS through its cmi5 adapter.
func CMI5(w io.Writer, m *content.Module, opt Options) error {
	return writePackage(w, m, opt, cmi5, file{"cmi5.xml", courseStructure(m, opt.Created)})
}

// The learning system standards a package's runtime speaks, as the page
// tells upstand.js.
const (
	scorm12 = "scorm12"
	cmi5    = "cmi5"
)

// writePackage writes the zip of m for the standard: first its
// manifest, then the page, runtime, engine and scenarios every package
// shares.
func writePackage(w io.Writer, m *content.Module, opt Options, standard string, manifest file) error {
	wasm, err := fs.ReadFile(dist, "dist/engine.wasm")
	if err != nil {
		return ErrNoEngine
	}
	wasmExec, err := fs.ReadFile(dist, "dist/wasm_exec.js")
	if err != nil {
		return ErrNoEngine
	}
	page, err := renderPage(m, opt, standard)
	if err != nil {
		return err
	}
	files := []file{
		manifest,
		{"index.html", page},
		{"engine.wasm", wasm},
		{"wasm_exec.js", wasmExec},
	}
	for _, name := range []string{"upstand.js", "upstand.css"} {
		b, err := fs.ReadFile(runtime, "runtime/"+name)
		if err != nil {
			return err
		}
		files = append(files, file{name, b})
	}
	for _, s := range m.Scenarios() {
		files = append(files, file{scenarioFile(s), s.Canonical})
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: opt.Created})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

type file struct {
	name string
	data []byte
}

func scenarioFile(s *content.Scenario) string { return path.Join("scenarios", s.ID+".json") }

// Files lists the files a package of m holds, as the manifest names them.
func Files(m *content.Module) []string {
	out := []string{"index.html", "upstand.js", "upstand.css", "wasm_exec.js", "engine.wasm"}
	for _, s := range m.Scenarios() {
		out = append(out, scenarioFile(s))
	}
	return out
}

func manifest(m *content.Module, created time.Time) []byte {
	var b bytes.Buffer
	if err := manifestTmpl.Execute(&b, map[string]any{
		"Module":  m,
		"Files":   Files(m),
		"Created": created.UTC().Format(time.RFC3339),
	}); err != nil {
		panic(fmt.Sprintf("lms: manifest template: %v", err))
	}
	return b.Bytes()
}
