package learning_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// talkScenario is a small scenario: choice 1 ends well at once, choice 2
// ends badly, choice 3 goes to a middle node whose one choice ends mixed.
// middle is the middle node's text, so a test can make a second version.
func talkScenario(middle string) string {
	return `id: talk
title: "A quiet word"
summary: "Someone asks to talk."
content_warning: "Talk of stress at work"
competencies:
  listening: "Listening"
variables:
  trust: 0
start: opening
nodes:
  opening:
    speaker: "Sam"
    text: "Sam asks for a word."
    choices:
      - text: "Listen and thank them"
        goto: good
        feedback: "Thanking them *helps*."
        score: {listening: 2}
      - text: "Tell them you are busy"
        goto: bad
        feedback: "They leave."
        score: {listening: -1}
      - text: "Ask a question first"
        goto: middle
        set: {trust: "trust + 1"}
  middle:
    text: "` + middle + `"
    choices:
      - text: "Carry on"
        goto: mixed
        feedback: "Fair enough."
  good:
    ending: positive
    text: "It went well."
  bad:
    ending: negative
    text: "It went badly."
  mixed:
    ending: mixed
    text: "It went so-so."
`
}

const tinyModule = `id: tiny
title: "A tiny course"
summary: "Everything a module can have, small."
audience: [line-manager]
minutes: 10
refresher_months: 12
content_warning: "Stress at work"
outcomes: ["Listen well"]
confidence:
  - "I can listen well"
  - "I know where support is"
steps:
  - lesson: 01-intro.md
  - scenario: talk
  - quiz:
      pass_percent: 50
      questions:
        - prompt: "Is listening good?"
          options:
            - {text: "Yes", correct: true, feedback: "Right."}
            - {text: "No", feedback: "Not quite."}
        - prompt: "Should you rush?"
          options:
            - {text: "Yes", feedback: "Not quite."}
            - {text: "No", correct: true, feedback: "Right."}
  - reflection: "What will you try?"
completion:
  scenarios: positive
`

const lesson = "---\ntitle: \"Why listening matters\"\n---\n\nListening is *most* of it.\n"

// tinyCatalogue builds a content tree with the tiny module; middle is the text
// of the scenario's middle node.
func tinyCatalogue(t *testing.T, middle string) *content.Catalogue {
	t.Helper()
	fsys := fstest.MapFS{
		"scenarios/talk.yaml":        {Data: []byte(talkScenario(middle))},
		"modules/tiny/module.yaml":   {Data: []byte(tinyModule)},
		"modules/tiny/01-intro.md":   {Data: []byte(lesson)},
		"modules/README.md":          {Data: []byte("ignored")},
		"scenarios/_draft.yaml":      {Data: []byte("ignored")},
		"modules/tiny/unrelated.txt": {Data: []byte("ignored")},
	}
	cat, err := content.Load(fsys)
	if err != nil {
		t.Fatalf("load fixture content: %v", err)
	}
	return cat
}

// env is a fresh database with one organisation and people in it.
type env struct {
	st    *store.Store
	owner *bun.DB // the same database as the owner, beneath row-level security
	clock *fixture.Clock
	org   store.Organisation
}

func newEnv(t *testing.T) *env {
	t.Helper()
	app, owner := dbtest.NewWithAdmin(t)
	st := store.New(app)
	org, err := st.Global().CreateOrganisation(context.Background(), "Brightwater Homes")
	if err != nil {
		t.Fatal(err)
	}
	// Every reading of the clock is a second after the last, so records
	// follow one another in time as they would at a learner's pace.
	clock := fixture.NewClock(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)).Ticking(time.Second)
	return &env{st: st, owner: owner, clock: clock, org: org}
}

func (e *env) service(cat *content.Catalogue) *learning.Service {
	return learning.New(e.st, catalogue.New(cat, e.clock.Now), e.clock.Now)
}

// person adds a person (an org admin if admin is set) and returns them as a
// learner.
func (e *env) person(t *testing.T, name string, admin bool) org.Actor {
	t.Helper()
	return personIn(t, e.st, e.org, name, admin)
}

func personIn(t *testing.T, st *store.Store, o store.Organisation, name string, admin bool) org.Actor {
	t.Helper()
	handle := make([]byte, 64)
	_, _ = rand.Read(handle)
	p, err := st.Org(o.ID).CreatePerson(context.Background(), store.NewPerson{
		Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", UserHandle: handle, IsOrgAdmin: admin})
	if err != nil {
		t.Fatal(err)
	}
	return org.Actor{Org: st.Org(o.ID), PersonID: p.ID}
}

// must fails the test on an error.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
