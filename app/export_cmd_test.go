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
		{"no module", []string{"export", "scorm12"}, 2, "usage: upstand export scorm12"},
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
