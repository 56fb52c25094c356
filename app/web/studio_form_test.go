package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
)

// The studio's form view through the real server: each edit rewrites the
// stored YAML, which the text view then shows byte for byte; refusals
// change nothing; a stale page is refused.

// commentedScenario is a clean scenario with comments in several places,
// all of which the form view's edits must keep.
func commentedScenario(id string) string {
	return `# Who: a colleague, in the corridor.
id: ` + id + `
title: "Corridor talk"
summary: "A colleague stops you in the corridor."
competencies:
  listening: "Listening without judgement"  # the library's label
start: opening
nodes:
  opening:
    speaker: "A colleague"
    text: |
      They look worried.
    # The learner's options.
    choices:
      - text: "Ask how they are."
        goto: good-ending
        feedback: "Opening the door."
        score: {listening: 1}
      - {text: "Walk on.", goto: mixed-ending}
  # Endings below.
  good-ending:
    ending: positive
    text: |
      You listened.
  mixed-ending:
    ending: mixed
    text: |
      You missed a chance.
# The end of the file.
`
}

// textareaSource is the text view's textarea content as the browser reads it.
var textareaSource = regexp.MustCompile(`(?s)<textarea id="source" name="source"[^>]*>(.*?)</textarea>`)

func textView(t *testing.T, v *browser, path string) string {
	t.Helper()
	m := textareaSource.FindStringSubmatch(v.page(path))
	if m == nil {
		t.Fatalf("%s has no source textarea", path)
	}
	return html.UnescapeString(m[1])
}

// TestStudioFormRoundTrip: a sequence of form edits (add a node, add
// choices, set a goto, feedback and scores); after each, the draft holds
// exactly what the edit makes of the file before it, and the text view's
// textarea holds exactly that; the result keeps every comment, loads and
// passes the scenario checks, and author markup stays text on the page.
func TestStudioFormRoundTrip(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Quince")
	v := a.trainerV
	ed := "/studio/scenarios/" + a.Scenario
	form := ed + "/form"
	file := a.Scenario + ".yaml"
	v.redirect(ed, url.Values{"revision": {"1"}, "file": {file}, "source": {commentedScenario(a.Scenario)}}, ed)
	v.page(form, "No problems found", "Ask how they are.", "Form view")
	lib, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}

	edits := []struct {
		form url.Values
		edit authoring.Edit
		to   string // where the edit leads, query included
	}{
		{url.Values{"op": {"add-node"}, "id": {"ask-more"}, "speaker": {"<script>alert('speaker')</script>"},
			"text": {"They pause.\r\n\r\nThen: *it's my manager*.\r\n"}},
			authoring.Edit{Op: authoring.EditAddNode, ID: "ask-more", Speaker: "<script>alert('speaker')</script>", Text: "They pause.\r\n\r\nThen: *it's my manager*.\r\n"},
			form + "?notice=add-node"},
		{url.Values{"op": {"add-choice"}, "node": {"ask-more"}, "text": {"<img src=x onerror=alert('choice')>"}, "goto": {"good-ending"}},
			authoring.Edit{Op: authoring.EditAddChoice, Node: "ask-more", Text: "<img src=x onerror=alert('choice')>", Goto: "good-ending"},
			form + "?choice=1&node=ask-more&notice=add-choice"},
		{url.Values{"op": {"add-choice"}, "node": {"opening"}, "text": {`Ask "what's happened?"`}, "goto": {"ask-more"}},
			authoring.Edit{Op: authoring.EditAddChoice, Node: "opening", Text: `Ask "what's happened?"`, Goto: "ask-more"},
			form + "?choice=3&node=opening&notice=add-choice"},
		{url.Values{"op": {"set-goto"}, "node": {"ask-more"}, "choice": {"1"}, "goto": {"mixed-ending"}},
			authoring.Edit{Op: authoring.EditGoto, Node: "ask-more", Choice: 1, Goto: "mixed-ending"},
			form + "?choice=1&node=ask-more&notice=set-goto"},
		{url.Values{"op": {"set-feedback"}, "node": {"opening"}, "choice": {"3"}, "feedback": {"An open question.\r\n\r\n[Read more](javascript:alert('feedback'))"}},
			authoring.Edit{Op: authoring.EditFeedback, Node: "opening", Choice: 3, Feedback: "An open question.\r\n\r\n[Read more](javascript:alert('feedback'))"},
			form + "?choice=3&node=opening&notice=set-feedback"},
		{url.Values{"op": {"set-feedback"}, "node": {"opening"}, "choice": {"2"}, "feedback": {"Sometimes there is no time."}},
			authoring.Edit{Op: authoring.EditFeedback, Node: "opening", Choice: 2, Feedback: "Sometimes there is no time."},
			form + "?choice=2&node=opening&notice=set-feedback"},
		{url.Values{"op": {"set-score"}, "node": {"opening"}, "choice": {"3"}, "competency": {"taking_seriously"}, "score": {"2"}},
			authoring.Edit{Op: authoring.EditScore, Node: "opening", Choice: 3, Competency: "taking_seriously", Score: "2"},
			form + "?choice=3&node=opening&notice=set-score"},
		{url.Values{"op": {"set-score"}, "node": {"opening"}, "choice": {"1"}, "competency": {"listening"}, "score": {"-1"}},
			authoring.Edit{Op: authoring.EditScore, Node: "opening", Choice: 1, Competency: "listening", Score: "-1"},
			form + "?choice=1&node=opening&notice=set-score"},
	}
	for i, e := range edits {
		before := s.draft(t, a, authoring.Scenario, a.Scenario)
		want, err := authoring.ApplyEdit(before.Files[file], e.edit, lib.Vocabulary)
		if err != nil {
			t.Fatalf("edit %d: %v", i+1, err)
		}
		e.form.Set("revision", revisionOn(t, v.page(form)))
		loc := v.redirect(form, e.form, "")
		if got, _, _ := strings.Cut(loc, "#"); got != e.to {
			t.Errorf("edit %d redirected to %s, want %s", i+1, loc, e.to)
		}
		after := s.draft(t, a, authoring.Scenario, a.Scenario)
		if after.Revision != before.Revision+1 || after.Files[file] != want {
			t.Fatalf("edit %d: revision %d stored\n%s\nwant\n%s", i+1, after.Revision, after.Files[file], want)
		}
		if got := textView(t, v, ed); got != want {
			t.Fatalf("edit %d: the text view shows\n%q\nnot what the form stored\n%q", i+1, got, want)
		}
	}

	final := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]
	const wantFinal = `# Who: a colleague, in the corridor.
id: quince-corridor-talk
title: "Corridor talk"
summary: "A colleague stops you in the corridor."
competencies:
  listening: "Listening without judgement" # the library's label
  taking_seriously: "Taking it seriously"
start: opening
nodes:
  opening:
    speaker: "A colleague"
    text: |
      They look worried.
    # The learner's options.
    choices:
      - text: "Ask how they are."
        goto: good-ending
        feedback: "Opening the door."
        score: {listening: -1}
      - {text: "Walk on.", goto: mixed-ending, feedback: "Sometimes there is no time."}
      - text: "Ask \"what's happened?\""
        goto: ask-more
        feedback: |
          An open question.
          
          [Read more](javascript:alert('feedback'))
        score: {taking_seriously: 2}
  # Endings below.
  good-ending:
    ending: positive
    text: |
      You listened.
  mixed-ending:
    ending: mixed
    text: |
      You missed a chance.
  ask-more:
    speaker: "<script>alert('speaker')</script>"
    text: |
      They pause.
      
      Then: *it's my manager*.
    choices:
      - text: "<img src=x onerror=alert('choice')>"
        goto: mixed-ending
# The end of the file.
`
	if final != wantFinal {
		t.Errorf("after the edits the file is\n%s\nwant\n%s", final, wantFinal)
	}
	if sc, errs := content.ParseDraft("scenarios/"+file, []byte(final)); len(errs) != 0 || sc == nil {
		t.Fatalf("the edited file fails the checks: %v", errs)
	} else if c := sc.Nodes["opening"].Choices[2]; c.Goto != "ask-more" || c.Score["taking_seriously"] != 2 || !strings.HasPrefix(c.Feedback, "An open question.") {
		t.Errorf("the edited choice loads as %+v", c)
	}
	v.page(ed, "No problems found: ready to publish")
	body := v.page(form+"?node=ask-more&choice=1", "&lt;script&gt;alert(&#39;speaker&#39;)&lt;/script&gt;",
		"&lt;img src=x onerror=alert(&#39;choice&#39;)&gt;", "[Read more](javascript:alert(&#39;feedback&#39;))",
		`<option value="mixed-ending" selected>`)
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
		if strings.Contains(body, bad) {
			t.Errorf("the form view shows %q as markup", bad)
		}
	}
}

// TestStudioFormRefusals: form input of the wrong shape comes back with a
// 422 and the reason beside its field, and saves nothing.
func TestStudioFormRefusals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Sorrel")
	v := a.trainerV
	form := "/studio/scenarios/" + a.Scenario + "/form"
	choice := func(op string, kv ...string) url.Values {
		f := url.Values{"op": {op}, "node": {"opening"}, "choice": {"1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	long := strings.Repeat("é", content.MaxTextRunes+1)
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string // the control the message is beside ("" for the summary only)
		want  string
	}{
		{"an unknown node", choice("set-feedback", "node", "no-such-node", "feedback", "Hi"), "edit-choice", `There is no node "no-such-node"`},
		{"a choice the node lacks", choice("set-goto", "choice", "9", "goto", "good-ending"), "edit-choice", `Node "opening" has no choice 9`},
		{"a goto to no node", choice("set-goto", "goto", "nowhere"), "goto", `There is no node "nowhere"`},
		{"a choice on no node", url.Values{"op": {"add-choice"}, "node": {"nope"}, "text": {"Hi"}, "goto": {"opening"}}, "choice-node", `There is no node "nope"`},
		{"a choice on an ending", url.Values{"op": {"add-choice"}, "node": {"good-ending"}, "text": {"Hi"}, "goto": {"opening"}}, "choice-node", "an ending has no choices"},
		{"a choice without text", url.Values{"op": {"add-choice"}, "node": {"opening"}, "text": {"  "}, "goto": {"opening"}}, "choice-text", "The choice’s text is required."},
		{"a node id that is not a slug", url.Values{"op": {"add-node"}, "id": {"Ask More"}, "text": {"Hi"}}, "node-id", "Give the node an id of lower-case letters"},
		{"a node id with an underscore", url.Values{"op": {"add-node"}, "id": {"ask_more"}, "text": {"Hi"}}, "node-id", "Give the node an id of lower-case letters"},
		{"a duplicate node id", url.Values{"op": {"add-node"}, "id": {"opening"}, "text": {"Hi"}}, "node-id", `There is already a node "opening"`},
		{"an unknown kind of ending", url.Values{"op": {"add-node"}, "id": {"later"}, "ending": {"great"}, "text": {"Hi"}}, "node-ending", "Choose a node with choices, or an ending"},
		{"a node without text", url.Values{"op": {"add-node"}, "id": {"later"}, "text": {"\r\n  "}}, "node-text", "The text is required."},
		{"a speaker on two lines", url.Values{"op": {"add-node"}, "id": {"later"}, "speaker": {"A\r\nB"}, "text": {"Hi"}}, "node-speaker", "The speaker must be one line."},
		{"oversized node text", url.Values{"op": {"add-node"}, "id": {"later"}, "text": {long}}, "node-text", "at most 20000 are allowed"},
		{"oversized feedback", choice("set-feedback", "feedback", long), "feedback", "at most 20000 are allowed"},
		{"a competency not in the vocabulary", choice("set-score", "competency", "charisma", "score", "1"), "score-competency", `"charisma" is not a competency`},
		{"a score that is not a number", choice("set-score", "competency", "listening", "score", "two"), "score-value", "The score must be a whole number"},
		{"a score with a fraction", choice("set-score", "competency", "listening", "score", "1.5"), "score-value", "The score must be a whole number"},
		{"no edit", url.Values{"op": {"rename"}}, "", "Choose an edit to make."},
	} {
		before := s.draft(t, a, authoring.Scenario, a.Scenario)
		tc.form.Set("revision", fmt.Sprint(before.Revision))
		resp, body := v.post(form, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, escaped(tc.want)) {
			t.Errorf("%s: status %d, want 422 saying %q\n%s", tc.name, resp.StatusCode, tc.want, clip(body))
		}
		if tc.field != "" {
			_, beside, _ := strings.Cut(body, `<p class="field-error" id="`+tc.field+`-error"><strong>Error:</strong> `)
			if beside, _, _ = strings.Cut(beside, "</p>"); !strings.Contains(beside, escaped(tc.want)) {
				t.Errorf("%s: no message beside #%s", tc.name, tc.field)
			}
		}
		if !strings.Contains(body, "There is a problem") {
			t.Errorf("%s: no error summary", tc.name)
		}
		after := s.draft(t, a, authoring.Scenario, a.Scenario)
		if after.Revision != before.Revision || after.Files[a.Scenario+".yaml"] != before.Files[a.Scenario+".yaml"] {
			t.Errorf("%s: the refused edit changed the draft (revision %d → %d)", tc.name, before.Revision, after.Revision)
		}
	}
	// A file whose YAML does not parse is for the text view: the form view
	// says so, and an edit is refused.
	ed := "/studio/scenarios/" + a.Scenario
	v.redirect(ed, url.Values{"revision": {fmt.Sprint(s.draft(t, a, authoring.Scenario, a.Scenario).Revision)},
		"file": {a.Scenario + ".yaml"}, "source": {"id: [unclosed\n"}}, ed)
	v.page(form, "Fix it in the text view first.")
	before := s.draft(t, a, authoring.Scenario, a.Scenario)
	resp, body := v.post(form, url.Values{"op": {"add-node"}, "id": {"later"}, "text": {"Hi"}, "revision": {fmt.Sprint(before.Revision)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Fix it in the text view first.") {
		t.Errorf("an edit of an unreadable file: status %d\n%s", resp.StatusCode, clip(body))
	}
	if after := s.draft(t, a, authoring.Scenario, a.Scenario); after.Revision != before.Revision {
		t.Error("the refused edit of an unreadable file saved the draft")
	}
	// A course has no form view.
	if resp, _ := v.get("/studio/modules/" + a.Module + "/form"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a course's form view: status %d, want 404", resp.StatusCode)
	}
}

// TestStudioFormStaleRevision: an edit from a page someone else has saved
// over since is refused with a 409 and changes nothing; made again from
// the page it comes back with, it is saved.
func TestStudioFormStaleRevision(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Tansy")
	v := a.trainerV
	ed := "/studio/scenarios/" + a.Scenario
	form := ed + "/form"
	file := a.Scenario + ".yaml"
	stale := revisionOn(t, v.page(form))
	original := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]
	theirs := strings.Replace(original, "minutes: 10", "minutes: 15", 1)
	v.redirect(ed, url.Values{"revision": {stale}, "file": {file}, "source": {theirs}}, ed)
	edit := url.Values{"op": {"set-feedback"}, "node": {"opening"}, "choice": {"1"}, "feedback": {"Mine."}, "revision": {stale}}
	resp, body := v.post(form, edit)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Not saved: someone else saved this draft") {
		t.Fatalf("the stale edit: status %d\n%s", resp.StatusCode, clip(body))
	}
	if d := s.draft(t, a, authoring.Scenario, a.Scenario); d.Files[file] != theirs || d.Revision != 2 {
		t.Fatalf("the stale edit changed the draft: revision %d", d.Revision)
	}
	edit.Set("revision", revisionOn(t, body))
	v.redirect(form, edit, form)
	if d := s.draft(t, a, authoring.Scenario, a.Scenario); !strings.Contains(d.Files[file], `feedback: "Mine."`) || !strings.Contains(d.Files[file], "minutes: 15") {
		t.Errorf("the edit made again was not saved over their version:\n%s", d.Files[file])
	}
}
