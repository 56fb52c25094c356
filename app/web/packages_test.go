package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// ownCourse is the id of the course publishModule publishes for x.
func (x *tenant) ownCourse() string {
	return strings.TrimSuffix(x.Module, "-induction") + "-own-course"
}

// publishModule publishes the organisation's own course: a copy of the
// library course its member plays, published by its trainer. It returns
// the published version.
func (x *tenant) publishModule(t testing.TB, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	trainer := org.ActorFor(s.st, x.Trainer, "")
	if _, err := s.studio.Copy(ctx, trainer, authoring.Module, x.Course.Module.ID, x.ownCourse()); err != nil {
		t.Fatal(err)
	}
	version, _, err := s.studio.Publish(ctx, trainer, authoring.Module, x.ownCourse(), 1, x.Org.Name+" own course")
	if err != nil {
		t.Fatal(err)
	}
	return version
}

// unzip opens a downloaded package and returns its files' contents.
func unzip(t testing.TB, body string) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the download is not a zip: %v", err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := io.Copy(&b, r); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		r.Close()
		files[f.Name] = b.String()
	}
	return files
}

// TestPackageDownload: a trainer downloads the organisation's published
// course (as SCORM 1.2 and as cmi5) and an org admin a library course,
// each a zip with the published version in its manifest and the organisation's own support
// resources (not another's) in its page; each download is in the audit
// log; the downloads page lists both kinds.
func TestPackageDownload(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Rowan"), s.newTenant(t, "Sorrel")
	version := a.publishModule(t, s)
	b.publishModule(t, s)
	// A change saved in the draft after publishing is not what the
	// package carries: learners get the published version, and so does
	// the LMS.
	ctx := context.Background()
	trainer := org.ActorFor(s.st, a.Trainer, "")
	it, err := s.studio.Get(ctx, trainer, authoring.Module, a.ownCourse())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for name, text := range it.Files {
		files[name] = text
	}
	files["module.yaml"] = strings.Replace(files["module.yaml"], "title: ", "title: Draft only ", 1)
	if _, err := s.studio.Save(ctx, trainer, authoring.Module, a.ownCourse(), it.Revision, files); err != nil {
		t.Fatal(err)
	}

	page := a.trainerV.page("/packages", "/packages/"+a.ownCourse()+"/scorm12", "/packages/"+a.ownCourse()+"/cmi5",
		"/packages/"+a.Course.Module.ID+"/scorm12", version)
	if strings.Contains(page, b.ownCourse()) {
		t.Errorf("the downloads page lists the other organisation's course")
	}
	a.adminV.page("/packages", "/packages/"+a.ownCourse()+"/scorm12")

	for _, tc := range []struct {
		who      string
		v        *browser
		module   string
		version  string
		format   string
		manifest string
	}{
		{"the trainer, the organisation's course", a.trainerV, a.ownCourse(), version, "scorm12", "imsmanifest.xml"},
		{"the org admin, a library course", a.adminV, a.Course.Module.ID, a.Course.Module.Version, "scorm12", "imsmanifest.xml"},
		{"the trainer, the organisation's course as cmi5", a.trainerV, a.ownCourse(), version, "cmi5", "cmi5.xml"},
	} {
		resp, body := tc.v.get("/packages/" + tc.module + "/" + tc.format)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d\n%s", tc.who, resp.StatusCode, clip(body))
		}
		for h, want := range map[string]string{
			"Content-Type":        "application/zip",
			"Content-Disposition": `attachment; filename="` + tc.module + "-" + tc.format + `.zip"`,
			"Cache-Control":       "no-store",
		} {
			if got := resp.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", tc.who, h, got, want)
			}
		}
		files := unzip(t, body)
		manifest, index := files[tc.manifest], files["index.html"]
		if !strings.Contains(manifest, tc.version) {
			t.Errorf("%s: the manifest does not record version %s:\n%s", tc.who, tc.version, clip(manifest))
		}
		if _, ok := files["engine.wasm"]; !ok {
			t.Errorf("%s: no engine in the package: %v", tc.who, len(files))
		}
		if strings.Contains(index, "Draft only") {
			t.Errorf("%s: the package carries the unpublished draft", tc.who)
		}
		for _, want := range []string{a.Support.Name, a.Support.Description, "Samaritans"} {
			if !strings.Contains(index, want) {
				t.Errorf("%s: the page lacks the support resource %q", tc.who, want)
			}
		}
		for _, other := range []string{b.Support.Name, b.Support.Description} {
			if strings.Contains(index, other) {
				t.Errorf("%s: the page shows the other organisation's %q", tc.who, other)
			}
		}
	}

	entries, err := s.st.Org(a.Org.ID).AuditLog(ctx, store.AuditFilter{Action: string(org.ExportDownload)})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	for _, e := range entries {
		logged = append(logged, e.Detail["module"].(string)+" "+e.Detail["version"].(string)+" "+e.Detail["export"].(string))
	}
	for _, want := range []string{a.ownCourse() + " " + version + " SCORM 1.2 package", a.Course.Module.ID + " " + a.Course.Module.Version + " SCORM 1.2 package",
		a.ownCourse() + " " + version + " cmi5 package"} {
		if !strings.Contains(strings.Join(logged, "\n"), want) {
			t.Errorf("the audit log lacks %q: %q", want, logged)
		}
	}
	if entries, _ := s.st.Org(b.Org.ID).AuditLog(ctx, store.AuditFilter{Action: string(org.ExportDownload)}); len(entries) != 0 {
		t.Errorf("the other organisation's audit log has %d downloads", len(entries))
	}
}

// TestPackageDownloadRefusals: a learner, another organisation's course, a
// draft never published, an unknown course and an unknown format are all
// the one not-found page, record nothing and show nothing of the course;
// an anonymous visitor is sent to sign in.
func TestPackageDownloadRefusals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Teasel"), s.newTenant(t, "Umber")
	a.publishModule(t, s)
	b.publishModule(t, s)
	anon := s.browser(t)
	for _, tc := range []struct {
		name string
		v    *browser
		path string
	}{
		{"a learner, the downloads page", a.memberV, "/packages"},
		{"a learner, the organisation's course", a.memberV, "/packages/" + a.ownCourse() + "/scorm12"},
		{"a learner, a library course", a.memberV, "/packages/" + a.Course.Module.ID + "/scorm12"},
		{"the trainer, another organisation's course", a.trainerV, "/packages/" + b.ownCourse() + "/scorm12"},
		{"the org admin, another organisation's course", a.adminV, "/packages/" + b.ownCourse() + "/scorm12"},
		{"the trainer, a draft never published", a.trainerV, "/packages/" + a.Module + "/scorm12"},
		{"the trainer, no such course", a.trainerV, "/packages/no-such-course/scorm12"},
		{"the trainer, an unknown format", a.trainerV, "/packages/" + a.ownCourse() + "/scorm2004"},
		{"a learner, cmi5", a.memberV, "/packages/" + a.ownCourse() + "/cmi5"},
		{"the trainer, another organisation's course as cmi5", a.trainerV, "/packages/" + b.ownCourse() + "/cmi5"},
		{"the trainer, a format in capitals", a.trainerV, "/packages/" + a.ownCourse() + "/SCORM12"},
		{"the org admin, an empty format", a.adminV, "/packages/" + a.ownCourse() + "/%20"},
	} {
		resp, body := tc.v.get(tc.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", tc.name, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/zip") || resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("%s: a 404 sent as a download (%s)", tc.name, ct)
		}
		if !strings.Contains(body, "Page not found") || !strings.Contains(body, notFoundMessage) {
			t.Errorf("%s: not the not-found page:\n%s", tc.name, clip(body))
		}
		if leaks := b.leaks(body); len(leaks) > 0 {
			t.Errorf("%s: the page shows the other organisation's %q", tc.name, leaks)
		}
	}
	for _, path := range []string{"/packages", "/packages/" + a.ownCourse() + "/scorm12"} {
		if resp, _ := anon.get(path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("anonymous %s: status %d to %q, want 303 to /signin", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	ctx := context.Background()
	for _, x := range []*tenant{a, b} {
		if entries, _ := s.st.Org(x.Org.ID).AuditLog(ctx, store.AuditFilter{Action: string(org.ExportDownload)}); len(entries) != 0 {
			t.Errorf("refused downloads were recorded in %s's audit log: %d", x.Org.Name, len(entries))
		}
	}
}
