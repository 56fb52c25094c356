package main

import (
	"archive/zip"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportSCORM12(t *testing.T) {
	out := filepath.Join(t.TempDir(), "course.zip")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"export", "scorm12", "handling-disclosures", "--content-dir", "..", "--out", out}, env(nil), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "SCORM 1.2 package of handling-disclosures, version ") {
		t.Errorf("stdout %q", stdout.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	zr.Close()
}

func TestExportCMI5(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Without --out the package is MODULE-cmi5.zip in the working folder.
	t.Chdir(dir)
	code := run(context.Background(), []string{"export", "cmi5", "handling-disclosures", "--content-dir", repo}, env(nil), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "cmi5 package of handling-disclosures, version ") {
		t.Errorf("stdout %q", stdout.String())
	}
	zr, err := zip.OpenReader(filepath.Join(dir, "handling-disclosures-cmi5.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	if !names["cmi5.xml"] || !names["index.html"] || names["imsmanifest.xml"] {
		t.Errorf("package holds %v; want cmi5.xml and index.html, no imsmanifest.xml", names)
	}
}

func TestExportRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown module", []string{"export", "scorm12", "no-such-course", "--content-dir", ".."}, 2, `no module "no-such-course"`},
		{"content with errors", []string{"export", "scorm12", "anything", "--content-dir", "testdata/content-broken"}, 1, "content errors (listed above): fix them first"},
		{"unknown format", []string{"export", "scorm2004", "handling-disclosures"}, 2, `unknown format "scorm2004"`},
		{"no module", []string{"export", "scorm12"}, 2, "usage: upstand export scorm12|cmi5"},
		{"cmi5, unknown module", []string{"export", "cmi5", "no-such-course", "--content-dir", ".."}, 2, `no module "no-such-course"`},
		{"cmi5, content with errors", []string{"export", "cmi5", "anything", "--content-dir", "testdata/content-broken"}, 1, "content errors (listed above): fix them first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			out := filepath.Join(t.TempDir(), "x.zip")
			code := run(context.Background(), append(tc.args, "--out", out), env(nil), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}
