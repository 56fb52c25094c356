package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// testdata/content-broken holds a dozen files, each breaking rules in its
// own way; the check must name every problem with its position and rule.
func TestContentCheckBrokenFolder(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"content", "check", "testdata/content-broken"}, env(nil), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	summary := lines[len(lines)-1]
	problems := lines[:len(lines)-1]
	if want := "2 modules, 12 scenarios, 24 errors"; summary != want {
		t.Errorf("summary %q, want %q", summary, want)
	}
	line := regexp.MustCompile(`^((scenarios|modules)/[a-z0-9/.-]+):(\d+):(\d+): (node "[a-z0-9-]+"(, choice \d+)?: |step \d+(, question \d+)?: )?([SM]\d+) \S`)
	files := map[string]bool{}
	rules := map[string]bool{}
	for _, l := range problems {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not in the one-line form: %q", l)
			continue
		}
		files[m[1]] = true
		rules[m[8]] = true
	}
	// Every broken file is named.
	entries, _ := filepath.Glob("testdata/content-broken/scenarios/*.yaml")
	for _, e := range entries {
		if p := "scenarios/" + filepath.Base(e); !files[p] {
			t.Errorf("no problem reported for %s", p)
		}
	}
	for _, r := range strings.Fields("S1 S2 S3 S4 S5 S6 S7 S8 S9 S10 S11 M2 M3 M4 M5 M6") {
		if !rules[r] {
			t.Errorf("no %s error reported", r)
		}
	}
	for _, want := range []string{
		`scenarios/bad-goto.yaml:9:32: node "a", choice 1: S4 goto "lisen" names no node (did you mean "listen"?)`,
		`modules/broken-course/module.yaml:5:13: step 1: M3 lesson "01-intro.md" not found in modules/broken-course (did you mean "01-introduction.md"?)`,
	} {
		if !strings.Contains(stdout.String(), want+"\n") {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestContentCheckRepository(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"content", "check", ".."}, env(nil), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if !regexp.MustCompile(`^[1-9]\d* modules, [1-9]\d* scenarios, 0 errors\n$`).MatchString(stdout.String()) {
		t.Fatalf("output %q", stdout.String())
	}
	// Without DIR, from a folder with no content of its own (app/), the
	// built-in copy is checked.
	stdout.Reset()
	if code := run(context.Background(), []string{"content", "check"}, env(nil), &stdout, &stderr); code != 0 || !strings.HasSuffix(stdout.String(), " 0 errors\n") {
		t.Fatalf("built-in content: exit %d, %q", code, stdout.String())
	}
}

func TestContentCheckUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"content"}, 2, "usage: upstand content check"},
		{[]string{"content", "lint"}, 2, "usage: upstand content check"},
		{[]string{"content", "check", "a", "b"}, 2, "usage: upstand content check"},
		{[]string{"content", "check", "testdata/no-such-folder"}, 1, "no such file"},
		{[]string{"content", "check", "testdata/content-broken/scenarios"}, 1, "has neither modules/ nor scenarios/"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, env(nil), &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr.String(), tc.code, tc.err)
		}
	}
}

// Broken live content stops serve before it touches the database, with the
// lines content check prints.
func TestServeRefusesBrokenContent(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--log-level", "error"}, env(map[string]string{
		"UPSTAND_CONTENT_DIR": "testdata/content-broken",
		"DATABASE_URL":        "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
	}), &stdout, &stderr)
	if code == 0 {
		t.Fatal("serve started with broken content")
	}
	out := stderr.String()
	if !strings.HasPrefix(out, "upstand serve: content has 24 errors") ||
		!strings.Contains(out, "\nscenarios/bad-goto.yaml:9:32: node \"a\", choice 1: S4 goto \"lisen\" names no node") ||
		strings.Contains(out, "PostgreSQL") {
		t.Fatalf("stderr:\n%s", out)
	}
	if _, err := os.Stat("testdata/content-broken/modules/broken-course/module.yaml"); err != nil {
		t.Fatal(err)
	}
}
