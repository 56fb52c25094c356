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
	return writePackage(w, m, opt, scorm12, file{name: "imsmanifest.xml", data: manifest(m, opt.Created)})
}

// CMI5 writes m as a cmi5 course package (a zip with cmi5.xml at its
// root and one assignable unit) to w. The page, runtime and engine are
// SCORM12's; the runtime talks to the LMS through its cmi5 adapter.
func CMI5(w io.Writer, m *content.Module, opt Options) error {
	return writePackage(w, m, opt, cmi5, file{name: "cmi5.xml", data: courseStructure(m, opt.Created)})
}

// The learning system standards a package's runtime speaks, as the page
// tells upstand.js.
const (
	scorm12 = "scorm12"
	cmi5    = "cmi5"
)

// writePackage writes the zip of m for the standard: first its
// manifest, then the page, runtime, engine and scenarios every package
// shares. The engine and runtime are copied from the binary as they are
// written, not read whole first, so a download holds little more than the
// page in memory.
func writePackage(w io.Writer, m *content.Module, opt Options, standard string, manifest file) error {
	for _, name := range []string{"dist/engine.wasm", "dist/wasm_exec.js"} {
		if _, err := fs.Stat(dist, name); err != nil {
			return ErrNoEngine
		}
	}
	page, err := renderPage(m, opt, standard)
	if err != nil {
		return err
	}
	files := []file{
		manifest,
		{name: "index.html", data: page},
		{name: "engine.wasm", from: dist, path: "dist/engine.wasm"},
		{name: "wasm_exec.js", from: dist, path: "dist/wasm_exec.js"},
		{name: "boot.js", from: runtime, path: "runtime/boot.js"},
		{name: "upstand.js", from: runtime, path: "runtime/upstand.js"},
		{name: "upstand.css", from: runtime, path: "runtime/upstand.css"},
	}
	for _, s := range m.Scenarios() {
		files = append(files, file{name: scenarioFile(s), data: s.Canonical})
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: opt.Created})
		if err != nil {
			return err
		}
		if err := f.writeTo(fw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// file is one file of a package: data, or the file at path in from.
type file struct {
	name string
	data []byte
	from fs.FS
	path string
}

func (f file) writeTo(w io.Writer) error {
	if f.from == nil {
		_, err := w.Write(f.data)
		return err
	}
	r, err := f.from.Open(f.path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

func scenarioFile(s *content.Scenario) string { return path.Join("scenarios", s.ID+".json") }

// Files lists the files a package of m holds, as the manifest names them.
func Files(m *content.Module) []string {
	out := []string{"index.html", "boot.js", "upstand.js", "upstand.css", "wasm_exec.js", "engine.wasm"}
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
