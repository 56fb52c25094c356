package web

import (
	"bufio"
	"bytes"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/authoring"
)

// postFile sends a multipart form with one file, as a browser's upload
// does, with the browser's CSRF token.
func (b *browser) postFile(path, field, name string, data []byte, fields map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", b.token())
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if name != "" {
		f, _ := w.CreateFormFile(field, name)
		_, _ = f.Write(data)
	}
	_ = w.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	return b.do(req)
}

// TestStudioImport: a Twine story becomes a scenario draft shown in the
// editor with the importer's notes and the rules' problems; a file that is
// not a story, a wrong extension, no file, malformed multipart and a taken
// id are refused with a message, and nothing is saved.
func TestStudioImport(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Hazel")
	v := a.trainerV
	story, err := os.ReadFile("../twine/testdata/links.twee")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := v.postFile("/studio/import", "story", "links.twee", story, map[string]string{"id": "hazel-import"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: status %d\n%s", resp.StatusCode, clip(body))
	}
	for _, want := range []string{"Notes from the Twine importer", "Problems in hazel-import.yaml", `name="source"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the imported draft's editor lacks %q", want)
		}
	}
	d := s.draft(t, a, authoring.Scenario, "hazel-import")
	if d.Revision != 1 || !strings.HasPrefix(d.Files["hazel-import.yaml"], "id: hazel-import\n") {
		t.Errorf("the imported draft: revision %d, file starts %q", d.Revision, clip(d.Files["hazel-import.yaml"]))
	}

	before := a.snapshot(t, s)
	for _, tc := range []struct {
		name, file string
		data       []byte
		id, want   string
	}{
		{"not a story", "page.html", []byte("<!doctype html><title>Hi</title><p>Hello</p>"), "", "not a Twine 2 story"},
		{"a wrong extension", "story.docx", story, "", "is neither"},
		{"no file", "", nil, "", "Choose a Twine story file"},
		{"a taken id", "links.twee", story, "hazel-import", "already has one with this id"},
	} {
		resp, body := v.postFile("/studio/import", "story", tc.file, tc.data, map[string]string{"id": tc.id})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, escaped(tc.want)) {
			t.Errorf("%s: status %d, want 422 saying %q\n%s", tc.name, resp.StatusCode, tc.want, clip(body))
		}
	}
	// A body that says it is multipart and is not, through a real
	// listener (app.Test cannot send a body fasthttp refuses).
	resp, body = rawPost(t, listen(t, s), v, "/studio/import", "multipart/form-data; boundary=x",
		"--x\r\nContent-Disposition: form-data; name=\"story\"; filename=\"a.twee\"\r\n\r\nno end")
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Request-ID") == "" {
		t.Errorf("malformed multipart: status %d (request id %q), want a 400 with a request id\n%s", resp.StatusCode, resp.Header.Get("X-Request-ID"), clip(body))
	}
	if after := a.snapshot(t, s); after != before {
		t.Errorf("a refused import changed the studio:\nbefore %s\nafter  %s", before, after)
	}
}

// TestStudioGraph: the graph page draws the draft as inline SVG with the
// outline beside it, also for a draft with problems, which it marks.
func TestStudioGraph(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Rowan")
	v := a.trainerV
	url0 := "/studio/scenarios/" + a.Scenario
	v.page(url0+"/graph", "<svg", `role="img"`, "The graph as a list", "start", "ending: positive", `href="`+url0+`#node-opening"`)

	// A goto that names no node: the graph still draws, and shows it.
	file := a.Scenario + ".yaml"
	d := s.draft(t, a, authoring.Scenario, a.Scenario)
	broken := strings.Replace(d.Files[file], "goto: good-ending", "goto: nowhere", 1)
	v.redirect(url0, map[string][]string{"revision": {"1"}, "file": {file}, "source": {broken}}, url0+"?notice=saved")
	v.page(url0+"/graph", "<svg", "missing: nowhere", escaped(`“nowhere” names no node`))
}

// rawPost sends body with the browser's cookies and token header through a
// real listener at addr.
func rawPost(t *testing.T, addr string, v *browser, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	var cookies []string
	for _, name := range []string{v.s.sessionCookie, v.s.csrfCookie} {
		cookies = append(cookies, name+"="+v.cookie(name))
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	_, _ = io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n"+
		"Content-Type: "+contentType+"\r\nX-CSRF-Token: "+v.token()+"\r\nCookie: "+strings.Join(cookies, "; ")+"\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(out)
}
