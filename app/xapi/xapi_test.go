package xapi_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/xapi"
	"github.com/upstand/upstand/app/xapi/xapitest"
)

var (
	base, _ = url.Parse("https://learn.example.org/")
	b       = xapi.NewBuilder(base)
	person  = uuid.MustParse("6f1c1f0e-2f43-4c55-9d1b-4f7e8c1f9a10")
	reg     = uuid.MustParse("0b6b7a3c-8a76-4d3e-a2f0-2d6c9ef6f5d1")
	when    = time.Date(2026, 12, 3, 9, 30, 15, 123456000, time.UTC)
	pageKey = []byte("0123456789abcdef0123456789abcdef")
	keyID   = uuid.MustParse("9a0f3f2e-5b1c-4e7a-8d3b-1c2e3f4a5b6c")
)

// records are one record of every kind, and the edge cases: a failed
// quiz, a completion without quizzes, a node whose choices are unknown.
func records() []store.Activity {
	r := store.Activity{At: when, PersonID: person, Registration: reg, ModuleID: "hearing-a-disclosure",
		ModuleTitle: "Hearing a disclosure", ScenarioID: "first-words", ScenarioTitle: "First words"}
	var out []store.Activity
	add := func(f func(a *store.Activity)) {
		a := r
		a.RecordID = uuid.New()
		f(&a)
		out = append(out, a)
	}
	add(func(a *store.Activity) { a.Kind = store.ActivityStarted })
	add(func(a *store.Activity) {
		a.Kind, a.Seq, a.Node, a.Choices = store.ActivityChoice, 1, "opening", []string{"Ask how they are", "Change the subject"}
	})
	add(func(a *store.Activity) { a.Kind, a.Seq, a.Node = store.ActivityChoice, 2, "gone" })
	add(func(a *store.Activity) { a.Kind = store.ActivityScenarioEnd })
	add(func(a *store.Activity) {
		a.Kind, a.StepID, a.Correct, a.Total, a.Passed = store.ActivityQuiz, "quiz:1", 3, 4, true
	})
	add(func(a *store.Activity) {
		a.Kind, a.StepID, a.Correct, a.Total, a.Passed = store.ActivityQuiz, "quiz:2", 0, 5, false
	})
	add(func(a *store.Activity) { a.Kind, a.Correct, a.Total = store.ActivityCompletion, 3, 4 })
	add(func(a *store.Activity) { a.Kind = store.ActivityCompletion })
	return out
}

// TestStatementsValidate: the statement of every kind of record, in the
// exact and the ids formats, passes the xAPI 1.0.3 rules (xapi-validation).
func TestStatementsValidate(t *testing.T) {
	t.Parallel()
	var all []xapi.Statement
	for _, ids := range []bool{false, true} {
		bb := b
		bb.IDs = ids
		for _, r := range records() {
			all = append(all, bb.Statement(r))
		}
	}
	xapitest.Validate(t, all)
}

// TestStatementShape: verbs, objects, results, registration and the
// actor are what docs/coverage.md says, and no answer is given away.
func TestStatementShape(t *testing.T) {
	t.Parallel()
	rs := records()
	want := []struct{ verb, object string }{
		{xapi.VerbInitialized, "https://learn.example.org/xapi/activities/courses/hearing-a-disclosure"},
		{xapi.VerbAnswered, "https://learn.example.org/xapi/activities/scenarios/first-words/nodes/opening"},
		{xapi.VerbAnswered, "https://learn.example.org/xapi/activities/scenarios/first-words/nodes/gone"},
		{xapi.VerbCompleted, "https://learn.example.org/xapi/activities/scenarios/first-words"},
		{xapi.VerbPassed, "https://learn.example.org/xapi/activities/courses/hearing-a-disclosure/quizzes/1"},
		{xapi.VerbFailed, "https://learn.example.org/xapi/activities/courses/hearing-a-disclosure/quizzes/2"},
		{xapi.VerbCompleted, "https://learn.example.org/xapi/activities/courses/hearing-a-disclosure"},
		{xapi.VerbCompleted, "https://learn.example.org/xapi/activities/courses/hearing-a-disclosure"},
	}
	for i, r := range rs {
		s := b.Statement(r)
		if s.Verb.ID != want[i].verb || s.Object.ID != want[i].object {
			t.Errorf("record %d: %s %s, want %s %s", i, s.Verb.ID, s.Object.ID, want[i].verb, want[i].object)
		}
		if s.Actor.Account != (xapi.Account{HomePage: "https://learn.example.org", Name: person.String()}) {
			t.Errorf("record %d: actor %+v", i, s.Actor)
		}
		if s.Context.Registration != reg.String() || !s.Timestamp.Equal(when) || !s.Stored.Equal(when) {
			t.Errorf("record %d: registration %s, timestamp %v, stored %v", i, s.Context.Registration, s.Timestamp, s.Stored)
		}
		raw, _ := json.Marshal(s)
		if strings.Contains(string(raw), `"response"`) || strings.Contains(string(raw), "mbox") {
			t.Errorf("record %d gives away an answer or an address: %s", i, raw)
		}
	}
	choice := b.Statement(rs[1]).Object.Definition
	if choice.InteractionType != "choice" || len(choice.Choices) != 2 || choice.Choices[1].ID != "2" ||
		choice.Choices[1].Description["en-GB"] != "Change the subject" || choice.Type != xapi.TypeInteraction {
		t.Errorf("the choice interaction: %+v", choice)
	}
	if s := b.Statement(rs[5]); s.Result.Score.Scaled != 0 || s.Result.Score.Max != 5 || *s.Result.Success {
		t.Errorf("the failed quiz's result: %+v", s.Result)
	}
	if s := b.Statement(rs[6]); s.Result.Score.Scaled != 0.75 || s.Result.Score.Raw != 3 || !*s.Result.Completion {
		t.Errorf("the completion's result: %+v %+v", s.Result, s.Result.Score)
	}
	if s := b.Statement(rs[7]); s.Result.Score != nil {
		t.Errorf("a completion without quizzes has a score: %+v", s.Result.Score)
	}
}

// TestStatementIDs: one record always gives the same id (a version 5
// UUID), and different records different ids.
func TestStatementIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range records() {
		id := xapi.StatementID(r)
		if id != xapi.StatementID(r) || b.Statement(r).ID != id {
			t.Errorf("the id of %v changes", r)
		}
		if u := uuid.MustParse(id); u.Version() != 5 {
			t.Errorf("id %s is version %d", id, u.Version())
		}
		if seen[id] {
			t.Errorf("two records give %s", id)
		}
		seen[id] = true
	}
}

func parse(t *testing.T, raw string) (xapi.Page, error) {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return xapi.ParseRequest(v, pageKey, keyID)
}

// TestParseRequest: what the endpoint takes, and a clear 400 naming the
// parameter for everything else.
func TestParseRequest(t *testing.T) {
	t.Parallel()
	since := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		raw  string
		want xapi.Query
	}{
		{"", xapi.Query{Limit: 100, Format: "exact"}},
		{"limit=1", xapi.Query{Limit: 1, Format: "exact"}},
		{"limit=500&ascending=true", xapi.Query{Limit: 500, Ascending: true, Format: "exact"}},
		{"limit=0", xapi.Query{Limit: 500, Format: "exact"}},
		{"since=2026-12-03T09:00:00%2B01:00&until=2026-12-03T08:00:00Z", xapi.Query{Since: &since, Until: &since, Limit: 100, Format: "exact"}},
		{"since=2026-12-03T09:00:00+01:00", xapi.Query{Since: &since, Limit: 100, Format: "exact"}},
		{"verb=" + url.QueryEscape(xapi.VerbAnswered) + "&format=ids&attachments=false", xapi.Query{Verb: xapi.VerbAnswered, Limit: 100, Format: "ids"}},
		{"activity=urn:example:thing", xapi.Query{Activity: "urn:example:thing", Limit: 100, Format: "exact"}},
	} {
		p, err := parse(t, c.raw)
		if err != nil || !reflect.DeepEqual(p.Query, c.want) || p.After != nil {
			t.Errorf("%q: %+v %v, want %+v", c.raw, p.Query, err, c.want)
		}
	}
	for _, c := range []struct{ raw, param, says string }{
		{"limit=10^9", "limit", "whole number"},
		{"limit=1000000000", "limit", "at most 500"},
		{"limit=501", "limit", "at most 500"},
		{"limit=99999999999999999999999", "limit", "at most 500"},
		{"limit=-1", "limit", "whole number"},
		{"limit=", "limit", "whole number"},
		{"limit=1&limit=2", "limit", "once"},
		{"since=yesterday", "since", "timestamp"},
		{"since=2026-12-03", "since", "timestamp"},
		{"until=2026-12-03T09:00:00", "until", "time zone"},
		{"verb=answered", "verb", "absolute IRI"},
		{"activity=%20http://x", "activity", "absolute IRI"},
		{"ascending=yes", "ascending", "true or false"},
		{"format=full", "format", "exact, ids or canonical"},
		{"agent=%7B%7D", "agent", "not supported"},
		{"registration=" + uuid.NewString(), "registration", "not supported"},
		{"colour=red", "colour", "Unknown parameter"},
		{"more=abc&limit=1", "more", "stands alone"},
		{"more=abc", "more", "not valid"},
	} {
		_, err := parse(t, c.raw)
		f, ok := fault.As(err)
		if !ok || f.Kind != fault.Invalid || f.Field != c.param || !strings.Contains(f.Msg, c.says) {
			t.Errorf("%q: %v, want a 400 on %s saying %q", c.raw, err, c.param, c.says)
		}
	}
}

// TestMoreLinks: a more link gives back the query it was made from, from
// after the last statement; any change to it, or another key, is refused.
func TestMoreLinks(t *testing.T) {
	t.Parallel()
	p, err := parse(t, "since=2026-01-01T00:00:00Z&until=2026-12-31T00:00:00.5Z&verb="+url.QueryEscape(xapi.VerbCompleted)+
		"&activity="+url.QueryEscape(b.CourseIRI("x"))+"&limit=7&ascending=true&format=canonical")
	if err != nil {
		t.Fatal(err)
	}
	last := records()[4]
	more := p.More(last, pageKey, keyID)
	link, err := url.Parse(more)
	if err != nil || link.Path != "/xapi/statements" {
		t.Fatalf("more link %q: %v", more, err)
	}
	next, err := xapi.ParseRequest(link.Query(), pageKey, keyID)
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.After = &store.ActivityCursor{At: last.At, Kind: last.Kind, RecordID: last.RecordID, Seq: last.Seq}
	if !reflect.DeepEqual(next, want) {
		t.Errorf("the next page: %+v after %+v\nwant %+v after %+v", next.Query, next.After, want.Query, want.After)
	}
	token := link.Query().Get("more")
	refused := func(what, tok string, key []byte, id uuid.UUID) {
		t.Helper()
		_, err := xapi.ParseRequest(url.Values{"more": {tok}}, key, id)
		if f, ok := fault.As(err); !ok || f.Kind != fault.Invalid || f.Field != "more" {
			t.Errorf("%s: %v, want a 400 on more", what, err)
		}
	}
	for i := range token {
		for _, c := range []byte{'A', '_', '.'} {
			if token[i] != c {
				refused("byte "+string(rune('0'+i%10))+" changed", token[:i]+string(c)+token[i+1:], pageKey, keyID)
			}
		}
	}
	refused("cut short", token[:len(token)-1], pageKey, keyID)
	refused("another key's paging key", token, []byte("another key's paging key, 32 b."), keyID)
	refused("another key id", token, pageKey, uuid.New())
	refused("too long", strings.Repeat("a", 5000), pageKey, keyID)
}

// TestFilter: a verb or activity picks the records whose statements have
// it; one no statement here has selects nothing.
func TestFilter(t *testing.T) {
	t.Parallel()
	k := func(ks ...store.ActivityKind) []store.ActivityKind { return ks }
	for _, c := range []struct {
		raw   string
		ok    bool
		kinds []store.ActivityKind
		check func(q store.ActivityQuery) bool
	}{
		{"", true, nil, func(q store.ActivityQuery) bool { return q.Descending && q.Limit == 101 }},
		{"ascending=true&limit=5", true, nil, func(q store.ActivityQuery) bool { return !q.Descending && q.Limit == 6 }},
		{"verb=" + url.QueryEscape(xapi.VerbInitialized), true, k(store.ActivityStarted), nil},
		{"verb=" + url.QueryEscape(xapi.VerbCompleted), true, k(store.ActivityScenarioEnd, store.ActivityCompletion), nil},
		{"verb=" + url.QueryEscape(xapi.VerbFailed), true, k(store.ActivityQuiz), func(q store.ActivityQuery) bool { return q.Passed != nil && !*q.Passed }},
		{"verb=http://adlnet.gov/expapi/verbs/attempted", false, nil, nil},
		{"activity=" + url.QueryEscape(b.CourseIRI("care-first")), true, k(store.ActivityStarted, store.ActivityCompletion),
			func(q store.ActivityQuery) bool { return q.Module == "care-first" }},
		{"activity=" + url.QueryEscape(b.CourseIRI("care-first")) + "&verb=" + url.QueryEscape(xapi.VerbCompleted), true, k(store.ActivityCompletion), nil},
		{"activity=" + url.QueryEscape(b.CourseIRI("care-first")) + "&verb=" + url.QueryEscape(xapi.VerbAnswered), false, nil, nil},
		{"activity=" + url.QueryEscape(b.QuizIRI("care-first", "quiz:2")), true, k(store.ActivityQuiz),
			func(q store.ActivityQuery) bool { return q.Module == "care-first" && q.Step == "quiz:2" }},
		{"activity=" + url.QueryEscape(b.NodeIRI("first-words", "opening")), true, k(store.ActivityChoice),
			func(q store.ActivityQuery) bool { return q.Scenario == "first-words" && q.Node == "opening" }},
		{"activity=" + url.QueryEscape(b.ScenarioIRI("first-words")), true, k(store.ActivityScenarioEnd), nil},
		{"activity=" + url.QueryEscape(b.CourseIRI("care-first")+"/quizzes/01"), false, nil, nil},
		{"activity=" + url.QueryEscape(b.CourseIRI("Care_First")), false, nil, nil},
		{"activity=" + url.QueryEscape(b.ScenarioIRI("a")+"/"), false, nil, nil},
		{"activity=https://elsewhere.example/xapi/activities/courses/care-first", false, nil, nil},
	} {
		p, err := parse(t, c.raw)
		if err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		q, ok := p.Filter(b)
		if ok != c.ok || (ok && !slices.Equal(q.Kinds, c.kinds)) || (ok && c.check != nil && !c.check(q)) {
			t.Errorf("%q: %+v %v, want ok %v kinds %v", c.raw, q, ok, c.ok, c.kinds)
		}
	}
}
