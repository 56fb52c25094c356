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

// content import writes the scenario to stdout and what the import changed,
// then the rules the scenario breaks, to stderr; the exit status says
// whether the scenario passes (0), breaks a rule (1) or could not be
// imported (2).
func TestContentImport(t *testing.T) {
	golden := func(name string) string {
		data, err := os.ReadFile(filepath.Join("twine", "testdata", "golden", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr []string // the lines of stderr, in order
	}{
		{
			args:   []string{"twine/testdata/valid.twee"},
			code:   0,
			stdout: golden("valid.yaml"),
			stderr: []string{
				"story: the summary is a placeholder: write one or two sentences about the scenario",
				"upstand content import: 1 warning; scenarios/a-quiet-word.yaml passes every scenario rule",
			},
		},
		{
			args:   []string{"twine/testdata/story.html"},
			code:   0,
			stdout: golden("story.yaml"),
			stderr: []string{
				"story: the story JavaScript was dropped",
				"story: the summary is a placeholder: write one or two sentences about the scenario",
				`passage "A quiet word": dropped the Harlowe macro (set: $trust to 0)`,
				"upstand content import: 3 warnings; scenarios/the-quiet-word.yaml passes every scenario rule",
			},
		},
		{
			args:   []string{"twine/testdata/links.twee"},
			code:   1,
			stdout: golden("links.yaml"),
			stderr: []string{
				"story: the summary is a placeholder: write one or two sentences about the scenario",
				`passage "Ask": dropped the setter [$short to true] of the link [[Keep it short|Coffee][$short to true]]`,
				`passage "Ask": links to missing passage "Human resources"`,
				`scenarios/links-of-every-kind.yaml:39:15: node "ask", choice 4: S4 goto "human-resources" names no node`,
				"upstand content import: 3 warnings; scenarios/links-of-every-kind.yaml breaks 1 scenario rule (above): fix before publishing",
			},
		},
		{
			args:   []string{"twine/testdata/not-twine.html"},
			code:   2,
			stderr: []string{"upstand content import: not-twine.html: not a Twine 2 story: the HTML has no <tw-storydata> element; publish the story from Twine 2 to a file, or export it as Twee"},
		},
		{
			args:   []string{"twine/testdata/empty.twee"},
			code:   2,
			stderr: []string{"upstand content import: empty.twee: not a Twine 2 story: the file is empty"},
		},
		{
			args:   []string{"twine/testdata/golden/valid.yaml"},
			code:   2,
			stderr: []string{"upstand content import: twine/testdata/golden/valid.yaml: give a Twee file (.twee, .tw) or a story published from Twine 2 (.html)"},
		},
		{
			args:   []string{"twine/testdata/no-such-story.twee"},
			code:   2,
			stderr: []string{"upstand content import: open twine/testdata/no-such-story.twee: no such file or directory"},
		},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"content", "import"}, tc.args...), env(nil), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr.String())
			}
			if stdout.String() != tc.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tc.stdout)
			}
			if got, want := stderr.String(), strings.Join(tc.stderr, "\n")+"\n"; got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestContentImportUsage(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.html")
	if err := os.WriteFile(big, make([]byte, 5<<20+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"content", "import"}, "usage: upstand content import FILE"},
		{[]string{"content", "import", "a.twee", "b.twee"}, "usage: upstand content import FILE"},
		{[]string{"content"}, "usage: upstand content import FILE"},
		{[]string{"content", "import", "twine/testdata"}, "upstand content import: twine/testdata: give a Twee file"},
		{[]string{"content", "import", big}, "upstand content import: big.html: too large to import: the file is 5242881 bytes; the importer reads at most 5 MiB\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), tc.args, env(nil), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.err) || stdout.Len() > 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2, %q", tc.args, code, stdout.String(), stderr.String(), tc.err)
		}
	}
}

// TestContentGraph: `upstand content graph` draws a bundled scenario as SVG
// (or, with --json, the whole graph the server's child process returns),
// and exits 3 for a file with no nodes to draw.
func TestContentGraph(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"content", "graph", "../scenarios/just-mediate.yaml"}, env(nil), &stdout, &stderr); code != 0 ||
		!strings.HasPrefix(stdout.String(), "<svg") || !strings.Contains(stdout.String(), "ending: positive") {
		t.Errorf("graph of a bundled scenario: exit %d, stdout %.200q, stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"content", "graph", "--json", "../scenarios/just-mediate.yaml"}, env(nil), &stdout, &stderr); code != 0 ||
		!strings.HasPrefix(stdout.String(), `{"SVG":`) || !strings.Contains(stdout.String(), `"Boxes":[`) {
		t.Errorf("--json: exit %d, stdout %.200q", code, stdout.String())
	}
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("title: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"content", "graph", empty}, env(nil), &stdout, &stderr); code != 3 || stdout.Len() > 0 ||
		!strings.Contains(stderr.String(), "does not parse far enough to draw") {
		t.Errorf("a file with nothing to draw: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}
