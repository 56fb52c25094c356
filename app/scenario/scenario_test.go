package scenario_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/scenario"
)

const trustScenario = `id: t
title: T
summary: S.
competencies:
  listening: Listening
  signposting: Signposting
variables:
  trust: 0
  told: false
start: a
nodes:
  a:
    text: Hi
    choices:
      - text: Listen
        goto: b
        score: {listening: 2}
        set: {trust: "trust + 1", told: "trust == 0"}
      - text: Interrupt
        goto: b
        score: {listening: -1}
      - text: Only after trust
        goto: good
        if: "trust >= 1"
  b:
    text: Then
    choices:
      - text: Signpost
        goto: good
        if: "told && trust >= 1"
        score: {signposting: 3}
        feedback: "**Well done.**"
      - text: Shrug
        goto: bad
  good:
    ending: positive
    text: Good.
  bad:
    ending: negative
    text: Bad.
`

func load(t *testing.T) *content.Scenario {
	t.Helper()
	s, errs := content.ParseScenario("scenarios/t.yaml", []byte(trustScenario))
	if errs != nil {
		t.Fatal(errs)
	}
	return s
}

func ids(cs []scenario.Choice) []int {
	out := []int{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestPlay(t *testing.T) {
	s := load(t)
	st := scenario.Start(s)
	if st.Node != "a" || st.Vars["trust"] != 0 || st.Vars["told"] != false || st.Scores["signposting"] != 0 || st.Finished() {
		t.Fatalf("start: %+v", st)
	}
	if got := ids(scenario.Options(s, st)); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("options at start %v, want [1 2]: choice 3 needs trust", got)
	}
	if _, _, err := scenario.Choose(s, st, 3); !errors.Is(err, scenario.ErrNotOffered) {
		t.Fatalf("choosing a gated choice: %v, want ErrNotOffered", err)
	}
	for _, bad := range []int{0, 4, -1} {
		if _, _, err := scenario.Choose(s, st, bad); !errors.Is(err, scenario.ErrNotOffered) {
			t.Fatalf("choice %d: %v, want ErrNotOffered", bad, err)
		}
	}

	next, fb, err := scenario.Choose(s, st, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Node != "a" || len(st.Path) != 0 || st.Vars["trust"] != 0 {
		t.Fatalf("Choose changed its input: %+v", st)
	}
	// Both assignments read the values from before the choice.
	if next.Node != "b" || next.Vars["trust"] != 1 || next.Vars["told"] != true || next.Scores["listening"] != 2 {
		t.Fatalf("after choice 1: %+v", next)
	}
	if fb.Choice != 1 || fb.Text != "Listen" || fb.HTML != "" || fb.Outcome != "" {
		t.Fatalf("feedback: %+v", fb)
	}
	if got := ids(scenario.Options(s, next)); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Fatalf("options at b %v", got)
	}
	end, fb, err := scenario.Choose(s, next, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !end.Finished() || end.Outcome != content.Positive || end.Scores["signposting"] != 3 || fb.Outcome != content.Positive {
		t.Fatalf("end: %+v %+v", end, fb)
	}
	if fb.HTML != "<p><strong>Well done.</strong></p>\n" {
		t.Fatalf("feedback HTML %q", fb.HTML)
	}
	if want := []scenario.Step{{Node: "a", Choice: 1}, {Node: "b", Choice: 1}}; !reflect.DeepEqual(end.Path, want) {
		t.Fatalf("path %v, want %v", end.Path, want)
	}
	if len(scenario.Options(s, end)) != 0 {
		t.Fatal("options after the ending")
	}
	if _, _, err := scenario.Choose(s, end, 1); !errors.Is(err, scenario.ErrFinished) {
		t.Fatalf("choosing after the ending: %v", err)
	}

	// Interrupting first leaves trust at 0: the signposting choice is gone.
	other, _, _ := scenario.Choose(s, st, 2)
	if got := ids(scenario.Options(s, other)); !reflect.DeepEqual(got, []int{2}) {
		t.Fatalf("options after interrupting %v, want [2]", got)
	}
	if _, _, err := scenario.Choose(s, other, 1); !errors.Is(err, scenario.ErrNotOffered) {
		t.Fatalf("gated choice: %v", err)
	}
}

func TestStateJSONRoundTrip(t *testing.T) {
	s := load(t)
	st := scenario.Start(s)
	st, _, _ = scenario.Choose(s, st, 1)
	back := roundTrip(t, st)
	if _, ok := back.Vars["trust"].(int); !ok {
		t.Fatalf("trust came back as %T", back.Vars["trust"])
	}
	// The restored state plays on exactly like the original.
	a, fa, errA := scenario.Choose(s, st, 1)
	b, fb, errB := scenario.Choose(s, back, 1)
	if errA != nil || errB != nil || !reflect.DeepEqual(a, b) || !reflect.DeepEqual(fa, fb) {
		t.Fatalf("restored state plays differently: %v %v", errA, errB)
	}
	var bad scenario.State
	if err := json.Unmarshal([]byte(`{"vars":{"trust":1.5}}`), &bad); err == nil {
		t.Fatal("a decimal variable was accepted")
	}
}

func TestWrongVersionIsRefused(t *testing.T) {
	s := load(t)
	st := scenario.Start(s)
	st.Version = "0000000000000000"
	if _, _, err := scenario.Choose(s, st, 1); !errors.Is(err, scenario.ErrWrongVersion) {
		t.Fatalf("err %v, want ErrWrongVersion", err)
	}
	if len(scenario.Options(s, st)) != 0 {
		t.Fatal("options offered for another version")
	}
}

// eachScenario runs test in parallel on every repository scenario, as
// embedded in the binary.
func eachScenario(t *testing.T, test func(t *testing.T, s *content.Scenario)) {
	t.Helper()
	cat, err := content.Load(upstand.Files)
	if err != nil {
		t.Fatalf("repository content does not load:\n%v", err)
	}
	if len(cat.Scenarios) == 0 {
		t.Fatal("the repository has no scenarios")
	}
	for _, s := range cat.Scenarios {
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			test(t, s)
		})
	}
}

// TestRandomWalks plays every repository scenario along many random paths:
// each reaches an ending within nodes × choices steps, never meets a state
// without options, survives a JSON round trip at every step, and replaying
// its choices gives the same result.
func TestRandomWalks(t *testing.T) {
	eachScenario(t, func(t *testing.T, s *content.Scenario) {
		maxChoices := 0
		for _, n := range s.Nodes {
			maxChoices = max(maxChoices, len(n.Choices))
		}
		bound := len(s.Nodes) * maxChoices
		for seed := range uint64(300) {
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			st := scenario.Start(s)
			var picks []int
			for steps := 0; !st.Finished(); steps++ {
				if steps >= bound {
					t.Fatalf("seed %d: no ending after %d steps (path %v)", seed, bound, st.Path)
				}
				if scenario.Text(s, st) == "" {
					t.Fatalf("seed %d: no text at node %q with %v", seed, st.Node, st.Vars)
				}
				opts := scenario.Options(s, st)
				if len(opts) == 0 {
					t.Fatalf("seed %d: no options at node %q with %v", seed, st.Node, st.Vars)
				}
				pick := opts[rng.IntN(len(opts))].ID
				picks = append(picks, pick)
				next, _, err := scenario.Choose(s, st, pick)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				st = roundTrip(t, next)
			}
			replay := play(t, s, picks)
			if !reflect.DeepEqual(replay, st) || replay.Outcome != s.Nodes[st.Node].Ending {
				t.Fatalf("seed %d: replay differs:\n%+v\n%+v", seed, replay, st)
			}
		}
	})
}

func roundTrip(t *testing.T, st scenario.State) scenario.State {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back scenario.State
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Fatalf("JSON round trip changed the state:\n%+v\n%+v", back, st)
	}
	return back
}

// TestEveryEndingIsReachable walks every distinct state of each repository
// scenario and drives the player to each of its endings along the way the
// walk found, then checks a choice that is not on offer is refused.
func TestEveryEndingIsReachable(t *testing.T) {
	eachScenario(t, func(t *testing.T, s *content.Scenario) {
		paths := map[string][]int{} // ending node -> choices reaching it
		err := s.Walk(100000, func(r *content.Reached) bool {
			if _, ok := paths[r.Node]; !ok && s.Nodes[r.Node].IsEnding() {
				paths[r.Node] = r.Path()
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range s.NodeIDs {
			n := s.Nodes[id]
			if !n.IsEnding() {
				continue
			}
			picks, ok := paths[id]
			if !ok {
				t.Errorf("ending %q (%s) cannot be reached by any play", id, n.Ending)
				continue
			}
			st := play(t, s, picks)
			if st.Node != id || st.Outcome != n.Ending || len(st.Path) != len(picks) {
				t.Errorf("driving to %q ended at %q (%s)", id, st.Node, st.Outcome)
			}
		}

		// A choice id that is not offered at the start is refused.
		st := scenario.Start(s)
		offered := map[int]bool{}
		for _, o := range scenario.Options(s, st) {
			offered[o.ID] = true
		}
		for id := 0; id <= len(s.Nodes[s.Start].Choices)+1; id++ {
			if offered[id] {
				continue
			}
			if _, _, err := scenario.Choose(s, st, id); !errors.Is(err, scenario.ErrNotOffered) {
				t.Errorf("choice %d at the start: err %v, want ErrNotOffered", id, err)
			}
		}
	})
}

// play makes the choices picks from the start.
func play(t *testing.T, s *content.Scenario, picks []int) scenario.State {
	t.Helper()
	st := scenario.Start(s)
	for _, p := range picks {
		var err error
		if st, _, err = scenario.Choose(s, st, p); err != nil {
			t.Fatalf("choices %v: %v", picks, err)
		}
	}
	return st
}

// secretScenario's debriefs follow the path: an ending's text has a part
// shown only when a promise was corrected, and "Leave it" leads to the
// mixed ending only when a promise stands uncorrected.
const secretScenario = `id: secret
title: T
summary: S.
variables:
  promised: false
  corrected: false
start: a
nodes:
  a:
    text: Sam asks you to keep it secret.
    choices:
      - {text: Promise, goto: b, set: {promised: true}}
      - {text: Be honest, goto: b}
  b:
    text:
      - Sam goes on.
      - {if: promised, text: Sam trusts your promise.}
    choices:
      - {text: Correct it, goto: good, set: {corrected: true}, if: promised}
      - text: Leave it
        goto:
          - {if: "promised && !corrected", node: mixed}
          - node: good
  good:
    ending: positive
    text:
      - Well done.
      - {if: corrected, text: You corrected the promise.}
  mixed:
    ending: mixed
    text: You promised to keep it secret and never corrected that.
`

func TestConditionalTextAndRoutes(t *testing.T) {
	s, errs := content.ParseScenario("scenarios/secret.yaml", []byte(secretScenario))
	if errs != nil {
		t.Fatal(errs)
	}
	cases := []struct {
		picks   []int
		node    string
		outcome content.Outcome
		text    string
	}{
		{nil, "a", "", "<p>Sam asks you to keep it secret.</p>\n"},
		{[]int{1}, "b", "", "<p>Sam goes on.</p>\n<p>Sam trusts your promise.</p>\n"},
		{[]int{2}, "b", "", "<p>Sam goes on.</p>\n"},
		{[]int{1, 2}, "mixed", content.Mixed, "<p>You promised to keep it secret and never corrected that.</p>\n"},
		{[]int{2, 2}, "good", content.Positive, "<p>Well done.</p>\n"},
		{[]int{1, 1}, "good", content.Positive, "<p>Well done.</p>\n<p>You corrected the promise.</p>\n"},
	}
	for _, tc := range cases {
		st := play(t, s, tc.picks)
		if st.Node != tc.node || st.Outcome != tc.outcome {
			t.Errorf("%v: at %q (%s), want %q (%s)", tc.picks, st.Node, st.Outcome, tc.node, tc.outcome)
		}
		if got := string(scenario.Text(s, st)); got != tc.text {
			t.Errorf("%v: text %q, want %q", tc.picks, got, tc.text)
		}
		// What the learner saw is a function of the stored state alone.
		if got := string(scenario.Text(s, roundTrip(t, st))); got != tc.text {
			t.Errorf("%v: text after a JSON round trip %q", tc.picks, got)
		}
	}
	other := scenario.Start(s)
	other.Version = "0000000000000000"
	if scenario.Text(s, other) != "" {
		t.Fatal("text shown for another version")
	}
}
