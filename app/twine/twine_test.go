package twine

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"

	"github.com/upstand/upstand/app/content"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Each story in testdata is imported; the YAML must equal its golden file,
// the warnings the list here, and the scenario rules must report exactly
// the problems listed (where: RULE message), which the story really has.
func TestImport(t *testing.T) {
	for _, tc := range []struct {
		file     string
		warnings []string
		problems []string
	}{
		// All four link forms, arrows inside link text, inline links, lines of
		// links, a setter, a web link, a missing passage.
		{
			file: "links.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Ask": dropped the setter [$short to true] of the link [[Keep it short|Coffee][$short to true]]`,
				`passage "Ask": links to missing passage "Human resources"`,
			},
			problems: []string{
				`node "ask", choice 4: S4 goto "human-resources" names no node`,
			},
		},
		// Twee escapes in names, slugs, collisions, a name with no letters,
		// StoryData's start (not the first passage).
		{
			file: "escaped-names.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Room [1]": named node "room-1": node ids are lower-case letters, digits and hyphens`,
				`passage "intro": named node "intro-2": passage "Intro" already has the id "intro"`,
				`passage "INTRO!": named node "intro-3": passage "Intro" already has the id "intro"`,
				`passage "Plan {B}": named node "plan-b": node ids are lower-case letters, digits and hyphens`,
				`passage "Back\\slash": named node "back-slash": node ids are lower-case letters, digits and hyphens`,
				`passage "Café au lait": named node "cafe-au-lait": node ids are lower-case letters, digits and hyphens`,
				`passage "???": named node "passage-8": the name has no letters or digits an id can use`,
				`passage "Sam's desk": named node "sams-desk": node ids are lower-case letters, digits and hyphens`,
			},
		},
		// No StoryData: the passage named Start is the start; an orphan passage is
		// what S5 reports.
		{
			file: "start-fallback.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
			},
			problems: []string{
				`node "briefing": S5 cannot be reached from start "start"`,
			},
		},
		// A story that passes every rule once imported.
		{
			file: "valid.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
			},
		},
		// No title, no StoryData, no Start: the file name and the first passage.
		{
			file: "first-passage.twee",
			warnings: []string{
				`story: the story has no title, so the title is "first-passage"`,
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`story: no start passage is given, so the scenario starts at the first passage, "Corridor"`,
			},
		},
		// Ending kinds from tags, several tags, a tagged passage with links, an
		// empty ending.
		{
			file: "endings.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Argue": is tagged with 2 kinds of ending; it is a negative ending`,
				`passage "Say nothing": is tagged positive but has links, so it is not an ending`,
				`passage "Empty ending": has no text, so the ending has no debrief (rule S10)`,
			},
			problems: []string{
				`node "empty-ending": S10 text is empty`,
			},
		},
		// Harlowe macros, hooks, link-goto, variables, a special passage, an
		// unclosed macro.
		{
			file: "harlowe.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Header": dropped: it is tagged header, a Harlowe special passage, not a scene`,
				`passage "Start": dropped the Harlowe macro (set: $trust to 0)`,
				`passage "Start": dropped the Harlowe macro (set: $name to "Sam")`,
				`passage "Start": dropped the Harlowe macro (if: $trust > 0); the text of its hook is kept`,
				`passage "Start": dropped the Harlowe macro (else:); the text of its hook is kept`,
				`passage "Start": dropped the Harlowe macro (link-goto: "Leave it", $exit): only text and a passage name written in quotes can become a choice`,
				`passage "Start": kept the text of the hook of (link-reveal-goto: "Ask about work", "Work") as ordinary text`,
				`passage "Start": dropped the Harlowe macro (set: $trust to it + 1)`,
				`passage "Start": dropped the Harlowe macro (see: the handbook)`,
				`passage "Start": uses story variables ($name), which stay in the text as written`,
				`passage "Talk": dropped the Harlowe macro (print: $trust)`,
				`passage "Talk": uses story variables ($name), which stay in the text as written`,
				`passage "Work": dropped the Harlowe macro (go-to: "Talk")`,
				`passage "Unclosed": has an unclosed Harlowe macro, so it and the macros after it stay in the text: (print: "never closed`,
				`passage "Unclosed": uses story variables ($x), which stay in the text as written`,
			},
		},
		// SugarCube macros, link and button, goto, script, comments, special passages.
		{
			file: "sugarcube.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "StoryInit": dropped: StoryInit is a SugarCube special passage, not a scene`,
				`passage "StoryCaption": dropped: StoryCaption is a SugarCube special passage, not a scene`,
				`passage "Widgets": dropped: it is tagged widget, a SugarCube special passage, not a scene`,
				`passage "Start": dropped the SugarCube macro <<set $met to true>>`,
				`passage "Start": dropped the SugarCube macro <<if $trust gt 0>>`,
				`passage "Start": dropped the SugarCube macro <<else>>`,
				`passage "Start": dropped the SugarCube macro <<set $trust to $trust + 1>>`,
				`passage "Start": dropped the SugarCube macro <<button "Send an email">>: only text and a passage name written in quotes, or a [[link]], can become a choice`,
				`passage "Start": dropped the SugarCube macro <<goto "Email">>`,
				`passage "Start": dropped the SugarCube macro <<script>> and the JavaScript up to <</script>>`,
				`passage "Office": uses story variables ($trust), which stay in the text as written`,
				`passage "Email": dropped the SugarCube macro <<goto "Later">>`,
				`passage "Email": has no text, so the ending has no debrief (rule S10)`,
			},
			problems: []string{
				`node "email": S5 cannot be reached from start "start"`,
				`node "email": S10 text is empty`,
			},
		},
		// Chapbook vars section, modifiers, a note section, inserts, a link insert.
		{
			file: "chapbook.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Start": dropped the Chapbook vars section (it sets "trust", "metJo")`,
				`passage "Start": dropped the Chapbook insert {embedded passage: 'Weather'}`,
				`passage "Start": dropped the Chapbook modifier [if trust > 0]; the text after it is kept`,
				`passage "Start": dropped the Chapbook modifier [continue]; the text after it is kept`,
				`passage "Start": dropped the Chapbook [note] section`,
				`passage "Start": dropped the Chapbook modifier [continue]; the text after it is kept`,
				`passage "Start": dropped the Chapbook insert {back link}`,
				`passage "Chat": dropped the Chapbook insert {restart link}`,
			},
		},
		// Text YAML or Markdown could misread: it stays text, raw HTML is what S10
		// reports.
		{
			file: "tricky-text.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
			},
			problems: []string{
				`node "start": S10 text contains raw HTML (<script>alert("x")</script>), which is never shown; use Markdown`,
				`node "bold": S10 text contains raw HTML (<b>), which is never shown; use Markdown`,
			},
		},
		// Twine 2.6's published HTML: entities, startnode, the story JavaScript.
		{
			file: "story.html",
			warnings: []string{
				`story: the story JavaScript was dropped`,
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "A quiet word": dropped the Harlowe macro (set: $trust to 0)`,
			},
		},
		// More links than a node may have choices: kept, and reported.
		{
			file: "too-many-links.twee",
			warnings: []string{
				`story: the summary is a placeholder: write one or two sentences about the scenario`,
				`passage "Start": has 11 links; a node may have at most 10 choices (rule S11)`,
			},
			problems: []string{
				`node "start": S11 11 choices, over the limit of 10`,
			},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Import(tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(tc.file, filepath.Ext(tc.file))+".yaml", res.YAML)
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.String())
			}
			if !slicesEqual(got, tc.warnings) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"))
			}
			checkOutput(t, tc.file, data, res)
			_, errs := content.ParseScenario("scenarios/"+res.ID+".yaml", res.YAML)
			var problems []string
			for _, e := range errs {
				w := e.Where
				if w != "" {
					w += ": "
				}
				problems = append(problems, w+e.Rule+" "+e.Msg)
			}
			if !slicesEqual(problems, tc.problems) {
				t.Errorf("scenario rules report:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(tc.problems, "\n"))
			}
		})
	}
}

// checkOutput checks what must hold for every import: the YAML reads back
// as exactly the scenario built, keys in the format's order, and the
// import gives the same bytes and warnings every time.
func checkOutput(t *testing.T, name string, data []byte, res Result) {
	t.Helper()
	sc, warnings, err := convert(name, data)
	if err != nil {
		t.Fatalf("convert fails where Import did not: %v", err)
	}
	var got any
	if err := yaml.UnmarshalWithOptions(res.YAML, &got, yaml.UseOrderedMap()); err != nil {
		t.Fatalf("the YAML does not parse: %v\n%s", err, res.YAML)
	}
	if want := model(sc); !reflect.DeepEqual(got, want) {
		t.Fatalf("the YAML reads back as\n%#v\nwant\n%#v\n%s", got, want, res.YAML)
	}
	if res.ID != sc.id || !reflect.DeepEqual(res.Warnings, warnings) {
		t.Fatalf("Import and convert differ")
	}
	again, err := Import(name, data)
	if err != nil || !bytes.Equal(again.YAML, res.YAML) || !reflect.DeepEqual(again.Warnings, res.Warnings) {
		t.Fatalf("a second import differs")
	}
	for _, w := range res.Warnings {
		if s := w.String(); strings.ContainsAny(s, "\n\r") {
			t.Fatalf("warning spans lines: %q", s)
		}
	}
}

// model is the scenario as goccy/go-yaml decodes it with ordered maps.
func model(sc *scenario) any {
	nodes := yaml.MapSlice{}
	for _, n := range sc.nodes {
		m := yaml.MapSlice{}
		if n.ending != "" {
			m = append(m, yaml.MapItem{Key: "ending", Value: string(n.ending)})
		}
		text := n.text
		if strings.Contains(text, "\n") {
			text += "\n"
		}
		m = append(m, yaml.MapItem{Key: "text", Value: text})
		if len(n.choices) > 0 {
			var list []any
			for _, c := range n.choices {
				list = append(list, yaml.MapSlice{{Key: "text", Value: c.text}, {Key: "goto", Value: c.target}})
			}
			m = append(m, yaml.MapItem{Key: "choices", Value: list})
		}
		nodes = append(nodes, yaml.MapItem{Key: n.id, Value: m})
	}
	return yaml.MapSlice{
		{Key: "id", Value: sc.id},
		{Key: "title", Value: sc.title},
		{Key: "summary", Value: sc.summary},
		{Key: "start", Value: sc.start},
		{Key: "nodes", Value: nodes},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./app/twine -run TestImport -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("YAML differs from %s (rerun with -update after checking the change):\n%s", p, got)
	}
}

func slicesEqual(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// Files that are not Twine 2 stories, or too large, are refused with one
// line that names the problem.
func TestImportRefuses(t *testing.T) {
	file := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	longText := ":: Start\n" + strings.Repeat("é", content.MaxTextRunes+1) + "\n"
	for _, tc := range []struct {
		name string
		data []byte
		err  error
		msg  string
	}{
		{"empty.twee", file("empty.twee"), ErrNotTwine, "empty.twee: not a Twine 2 story: the file is empty"},
		{"blank.tw", []byte(" \n\t\n"), ErrNotTwine, "blank.tw: not a Twine 2 story: the file is empty"},
		{"plain.twee", file("plain.twee"), ErrNotTwine, "plain.twee: not a Twine 2 story: the file has no passage headers (lines starting with ::), so it is not Twee"},
		{"binary.tw", file("binary.tw"), ErrNotTwine, "binary.tw: not a Twine 2 story: the file is not UTF-8 text"},
		{"latin1.twee", []byte(":: Caf\xe9\nText\n"), ErrNotTwine, "latin1.twee: not a Twine 2 story: the file is not UTF-8 text"},
		{"not-twine.html", file("not-twine.html"), ErrNotTwine, "not-twine.html: not a Twine 2 story: the HTML has no <tw-storydata> element; publish the story from Twine 2 to a file, or export it as Twee"},
		{"twine1.html", file("twine1.html"), ErrNotTwine, "twine1.html: not a Twine 2 story: it looks like a Twine 1 story; open it in Twine 2 and publish it to a file, or export it as Twee"},
		{"only-title.twee", []byte(":: StoryTitle\nA title\n"), ErrNotTwine, "only-title.twee: not a Twine 2 story: the story has no passages to import"},
		{"scripts.twee", []byte(":: Code [script]\nwindow.x = 1;\n:: Styles [stylesheet]\nbody {}\n"), ErrNotTwine, "scripts.twee: not a Twine 2 story: the story has no passages to import"},
		{"huge.html", append([]byte("<tw-storydata>"), make([]byte, MaxInputBytes)...), ErrTooLarge, "huge.html: too large to import: the file is 5,242,894 bytes; the importer reads at most 5,242,880 (5 MiB)"},
		{"long.twee", []byte(longText), ErrTooLarge, `long.twee: too large to import: passage "Start" has 20,001 characters of text; a node's text may have at most 20,000`},
		{"many.twee", passages(content.MaxNodes+1, ":: P%d\nText %d.\n"), ErrTooLarge, "many.twee: too large to import: the story has 501 passages; a scenario may have at most 500 nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(tc.name, tc.data)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err.Error() != tc.msg {
				t.Errorf("message\n%s\nwant\n%s", err, tc.msg)
			}
		})
	}
}

func passages(n int, format string) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, format, i, i+1)
	}
	return b.Bytes()
}

// A 10,000-passage story is refused after counting its passage headers,
// before anything is allocated per passage. Not parallel: it measures the
// process's allocations.
func TestImportTenThousandPassages(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"huge.twee", passages(10000, ":: Passage %d [tag] {\"position\":\"0,0\"}\nOn to [[Passage %d]].\n\n")},
		{"huge.html", append(append([]byte(`<tw-storydata name="Huge" startnode="1" format="Harlowe">`),
			passages(10000, `<tw-passagedata pid="%d" name="P" tags="">On to [[P%d]].</tw-passagedata>`)...), "</tw-storydata>"...)},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Import(tc.name, tc.data)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: error %v, want ErrTooLarge", tc.name, err)
		}
		if want := tc.name + ": too large to import: the story has 10,000 passages; a scenario may have at most 500 nodes"; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<10 {
			t.Errorf("%s: refusing allocated %d bytes (the file is %d)", tc.name, alloc, len(tc.data))
		}
	}
}

func TestWarningString(t *testing.T) {
	for _, tc := range []struct {
		w    Warning
		want string
	}{
		{Warning{"Start", "links to missing passage \"X\""}, `passage "Start": links to missing passage "X"`},
		{Warning{"Say \"hi\"\nnow", "m"}, `passage "Say \"hi\"\nnow": m`},
		{Warning{"", "the story JavaScript was dropped"}, "story: the story JavaScript was dropped"},
	} {
		if got := tc.w.String(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.w, got, tc.want)
		}
	}
}
