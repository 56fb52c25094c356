package content

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// secretScenario uses both state-dependent forms: text parts with `if`
// (on a node and on an ending's debrief) and a routed goto.
const secretScenario = `id: t
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
      - text: Promise
        goto: b
        set: {promised: true}
      - text: Be honest
        goto: b
  b:
    text:
      - Sam goes on.
      - if: promised
        text: Sam trusts your *promise*.
      - if: "!promised"
        text: Sam knows where they stand.
    choices:
      - text: Correct it
        goto: good
        set: {corrected: true}
        if: promised
      - text: Leave it
        goto:
          - if: "promised && !corrected"
            node: mixed
          - node: good
  good:
    ending: positive
    text:
      - Well done.
      - if: corrected
        text: You corrected the promise.
  mixed:
    ending: mixed
    text: |
      You promised to keep it secret and never corrected that.
`

// sedit replaces old with new in secretScenario, failing loudly if the
// case no longer matches it.
func sedit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(secretScenario, old) {
		t.Fatalf("secretScenario has no %q", old)
	}
	return strings.Replace(secretScenario, old, new, 1)
}

func loadSecret(t *testing.T, file string) *Scenario {
	t.Helper()
	s, errs := ParseScenario("scenarios/t.yaml", []byte(file))
	if errs != nil {
		t.Fatalf("does not load:\n%v", errs)
	}
	return s
}

func TestConditionalFormsParse(t *testing.T) {
	t.Parallel()
	s := loadSecret(t, secretScenario)
	b := s.Nodes["b"]
	if len(b.Parts) != 3 || b.Parts[0].If != nil || b.Parts[1].If == nil || b.Parts[1].If.Source != "promised" ||
		b.Parts[1].Index != 2 || b.Parts[2].If.Source != "!promised" {
		t.Fatalf("parts of b: %+v", b.Parts)
	}
	if !b.Conditional() || s.Nodes["a"].Conditional() || s.Nodes["mixed"].Conditional() {
		t.Fatal("Conditional() is wrong")
	}
	// Text and HTML are what everyone sees: the parts without if.
	if b.Text != "Sam goes on." || string(b.HTML) != "<p>Sam goes on.</p>\n" {
		t.Fatalf("b's unconditional text %q, %q", b.Text, b.HTML)
	}
	if string(b.Parts[1].HTML) != "<p>Sam trusts your <em>promise</em>.</p>\n" {
		t.Fatalf("part HTML %q", b.Parts[1].HTML)
	}
	// A plain text is one part.
	if a := s.Nodes["a"]; len(a.Parts) != 1 || a.Parts[0].Text != a.Text || a.Parts[0].HTML != a.HTML {
		t.Fatalf("plain text parts: %+v", a.Parts)
	}
	leave := b.Choices[1]
	if leave.Goto != "good" || len(leave.Routes) != 2 || leave.Routes[0].Node != "mixed" ||
		leave.Routes[0].If.Source != "promised && !corrected" || leave.Routes[1].If != nil || leave.Routes[1].Index != 2 {
		t.Fatalf("routes: %+v", leave.Routes)
	}
	if tg := leave.Targets(); len(tg) != 2 {
		t.Fatalf("targets %+v", tg)
	}
	if tg := b.Choices[0].Targets(); len(tg) != 1 || tg[0].Node != "good" || tg[0].Index != 0 || tg[0].If != nil {
		t.Fatalf("a plain goto's targets %+v", tg[0])
	}
	// The canonical JSON keeps the forms and reloads with the same version.
	for _, want := range []string{
		`"text":["Sam goes on.",{"if":"promised","text":"Sam trusts your *promise*."},{"if":"(!promised)","text":"Sam knows where they stand."}]`,
		`"goto":[{"if":"(promised && (!corrected))","node":"mixed"},{"node":"good"}]`,
		`"text":"You promised to keep it secret and never corrected that."`,
	} {
		if !strings.Contains(string(s.Canonical), want) {
			t.Errorf("canonical JSON has no %s:\n%s", want, s.Canonical)
		}
	}
	if again := loadSecret(t, string(s.Canonical)); again.Version != s.Version {
		t.Fatalf("canonical JSON reloads as %s, not %s", again.Version, s.Version)
	}
}

func TestConditionalFormsVersion(t *testing.T) {
	t.Parallel()
	base := loadSecret(t, secretScenario).Version
	// Ways of writing the same thing.
	same := map[string]string{
		"one-part list is plain text":    sedit(t, "    text: Sam asks you to keep it secret.", "    text: [Sam asks you to keep it secret.]"),
		"part without if as a mapping":   sedit(t, "      - Sam goes on.", "      - {text: Sam goes on.}"),
		"one-route list is a plain goto": sedit(t, "      - text: Promise\n        goto: b", "      - text: Promise\n        goto: [{node: b}]"),
		"flow style and spelling":        sedit(t, "          - if: \"promised && !corrected\"\n            node: mixed", "          - {node: mixed, if: \"promised and not corrected\"}"),
		"block style of a part":          sedit(t, "        text: You corrected the promise.", "        text: |\n          You corrected the promise.\n"),
	}
	for name, file := range same {
		if v := loadSecret(t, file).Version; v != base {
			t.Errorf("%s changed the version", name)
		}
	}
	differ := map[string]string{
		"part text":       sedit(t, "Sam goes on.", "Sam carries on."),
		"part if":         sedit(t, "      - if: corrected", "      - if: \"corrected && promised\""),
		"part order":      sedit(t, "      - Sam goes on.\n      - if: promised\n        text: Sam trusts your *promise*.", "      - if: promised\n        text: Sam trusts your *promise*.\n      - Sam goes on."),
		"route node":      sedit(t, "            node: mixed\n          - node: good", "            node: good\n          - node: mixed"),
		"route if":        sedit(t, `"promised && !corrected"`, `"promised"`),
		"part dropped":    sedit(t, "      - if: \"!promised\"\n        text: Sam knows where they stand.\n", ""),
		"two plain parts": sedit(t, "    text: Sam asks you to keep it secret.", "    text: [Sam asks you, to keep it secret.]"),
	}
	seen := map[string]string{base: "original"}
	for name, file := range differ {
		v := loadSecret(t, file).Version
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: version same as %s", name, prev)
		}
		seen[v] = name
	}
}

func TestConditionalFormRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file func(t *testing.T) string
		want []string // "RULE line:col"
		msg  string
	}{
		// Syntax.
		{"S1 part is a list", func(t *testing.T) string { return sedit(t, "      - Sam goes on.", "      - [Sam goes on.]") },
			[]string{"S1 19:9"}, `node "b", text part 1: S1 a text part must be Markdown or a mapping with if and text, not a list`},
		{"S1 unknown field in a part", func(t *testing.T) string { return sedit(t, "      - if: promised\n", "      - iff: promised\n") },
			[]string{"S1 20:9"}, `node "b", text part 2: S1 unknown field "iff" in a text part (did you mean "if"?)`},
		{"S1 part text of the wrong type", func(t *testing.T) string {
			return sedit(t, "        text: Sam knows where they stand.", "        text: {a: b}")
		}, []string{"S1 23:15", "S10 23:15"}, "text must be text, not a mapping"},
		{"S1 route not a mapping", func(t *testing.T) string { return sedit(t, "          - node: good", "          - good") },
			[]string{"S1 33:13"}, `node "b", choice 2, route 2: S1 a route must be a mapping with if and node`},
		{"S1 unknown field in a route", func(t *testing.T) string { return sedit(t, "            node: mixed", "            nod: mixed") },
			[]string{"S4 31:13", "S1 32:13", "S5 40:3"}, `unknown field "nod" in a route (did you mean "node"?)`},
		// Links.
		{"S4 route names no node", func(t *testing.T) string { return sedit(t, "            node: mixed", "            node: mixd") },
			[]string{"S4 32:19"}, `scenarios/t.yaml:32:19: node "b", choice 2, route 1: S4 node "mixd" names no node (did you mean "mixed"?)`},
		{"S4 last route names no node", func(t *testing.T) string { return sedit(t, "          - node: good", "          - node: god") },
			[]string{"S4 33:19"}, `node "b", choice 2, route 2: S4 node "god" names no node (did you mean "good"?)`},
		{"S4 route without node", func(t *testing.T) string { return sedit(t, "          - node: good", "          - {}") },
			[]string{"S4 33:13"}, `node "b", choice 2, route 2: S4 the route has no node`},
		{"S4 empty route node", func(t *testing.T) string { return sedit(t, "          - node: good", `          - node: ""`) },
			[]string{"S4 33:19"}, "node is empty"},
		{"S4 empty route", func(t *testing.T) string { return sedit(t, "          - node: good", "          -") },
			[]string{"S4 33:12"}, "the route is empty"},
		{"S4 empty goto list", func(t *testing.T) string {
			return sedit(t, "        goto:\n          - if: \"promised && !corrected\"\n            node: mixed\n          - node: good", "        goto: []")
		}, []string{"S4 30:15", "S5 37:3"}, `node "b", choice 2: S4 goto is an empty list`},
		{"S4 route without if before the last", func(t *testing.T) string {
			return sedit(t, "          - if: \"promised && !corrected\"\n            node: mixed", "          - node: mixed")
		},
			[]string{"S4 31:13"}, "only the last route may leave out if"},
		{"S4 last route with if", func(t *testing.T) string {
			return sedit(t, "          - node: good", "          - {node: good, if: corrected}")
		},
			[]string{"S4 33:26"}, "the last route must have no if"},
		// Reachability: conditions written for nobody.
		{"S5 part never shown", func(t *testing.T) string {
			return sedit(t, "      - if: corrected", "      - if: \"corrected && !promised\"")
		},
			[]string{"S5 38:13"}, `node "good", text part 2: S5 if "corrected && !promised" never holds when the learner is here, so this part is never shown`},
		{"S5 route never taken", func(t *testing.T) string {
			return sedit(t, "          - node: good", "          - {if: \"promised && !corrected && corrected\", node: good}\n          - node: good")
		}, []string{"S5 33:18"}, `node "b", choice 2, route 2: S5 the route to "good" is never taken`},
		{"S5 route shadowed by an earlier one", func(t *testing.T) string {
			return sedit(t, "          - node: good", "          - {if: \"promised\", node: good}\n          - node: good")
		}, []string{"S5 33:18"}, `or an earlier route's does`},
		// No traps, by state.
		{"S7 a route loops by state", func(t *testing.T) string {
			return "id: t\ntitle: T\nsummary: S.\nvariables:\n  n: 0\nstart: a\nnodes:\n  a:\n    text: A\n    choices:\n" +
				"      - text: Go\n        goto:\n          - {if: \"n == 0\", node: a}\n          - node: win\n  win:\n    ending: positive\n    text: W\n"
		}, []string{"S7 8:3"}, `node "a": S7 the learner can arrive here (when n = 0), and the choices then on offer never lead to an ending`},
		{"S7 static trap through a route", func(t *testing.T) string {
			return sedit(t, "          - node: good", "          - node: loop") + "  loop:\n    text: L\n    choices: [{text: Again, goto: loop}]\n"
		}, []string{"S7 44:3"}, `node "loop": S7 no ending can be reached`},
		// Types.
		{"S9 part if names an undeclared variable", func(t *testing.T) string { return sedit(t, "      - if: corrected", "      - if: corected") },
			[]string{"S9 38:13"}, `node "good", text part 2: S9 if "corected" names undeclared variable "corected" (did you mean "corrected"?)`},
		{"S9 part if not boolean", func(t *testing.T) string { return sedit(t, "      - if: corrected", "      - if: \"1 + 1\"") },
			[]string{"S9 38:13"}, "gives a whole number, but must give true/false"},
		{"S9 part if empty", func(t *testing.T) string { return sedit(t, "      - if: corrected", "      - if: \"\"") },
			[]string{"S9 38:9"}, `node "good", text part 2: S9 if has no expression`},
		{"S9 route if not boolean", func(t *testing.T) string { return sedit(t, `"promised && !corrected"`, `"promised + 1"`) },
			[]string{"S9 31:17"}, `node "b", choice 2, route 1: S9 if "promised + 1" does not compile`},
		{"S9 route if uses a function", func(t *testing.T) string { return sedit(t, `"promised && !corrected"`, `"len([1]) > 0"`) },
			[]string{"S9 31:17"}, "uses a function call"},
		// Text.
		{"S10 empty text list", func(t *testing.T) string {
			return sedit(t, "    text:\n      - Well done.\n      - if: corrected\n        text: You corrected the promise.", "    text: []")
		}, []string{"S10 36:11"}, `node "good": S10 text is empty: an empty list`},
		{"S10 empty part", func(t *testing.T) string { return sedit(t, "      - Well done.", `      - ""`) },
			[]string{"S10 37:9"}, `node "good", text part 1: S10 text is empty`},
		{"S10 part without text", func(t *testing.T) string { return sedit(t, "        text: You corrected the promise.\n", "") },
			[]string{"S10 38:9"}, `node "good", text part 2: S10 the part has no text`},
		{"S10 raw HTML in a part", func(t *testing.T) string {
			return sedit(t, "text: You corrected the promise.", "text: You <b>corrected</b> it.")
		},
			[]string{"S10 39:15"}, "raw HTML (<b>)"},
		{"S10 no text in some state", func(t *testing.T) string { return sedit(t, "      - Well done.\n", "") },
			[]string{"S10 34:3"}, `node "good": S10 the learner can arrive here (when corrected = false, promised = false) and see no text`},
		// Limits.
		{"S11 too many routes", func(t *testing.T) string {
			return sedit(t, "          - node: good", strings.Repeat("          - {if: promised, node: good}\n", 10)+"          - node: good")
		}, []string{"S11 30:9"}, "12 routes, over the limit of 10"},
		{"S11 too many text parts", func(t *testing.T) string {
			return sedit(t, "      - Sam goes on.", strings.Repeat("      - Sam goes on.\n", 20)+"      - Sam goes on.")
		}, []string{"S11 18:5"}, "23 text parts, over the limit of 20"},
		{"S11 part too long", func(t *testing.T) string {
			return sedit(t, "      - Sam goes on.", "      - "+strings.Repeat("a", 20001))
		},
			[]string{"S11 19:9"}, "over the limit of 20000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, errs := ParseScenario("scenarios/t.yaml", []byte(tc.file(t)))
			if s != nil {
				t.Fatalf("a broken scenario loaded")
			}
			checkErrors(t, errs)
			if g := got(errs); !slices.Equal(g, tc.want) {
				t.Fatalf("errors = %v, want %v\n%v", g, tc.want, errs)
			}
			if !strings.Contains(errs.Error(), tc.msg) {
				t.Fatalf("errors do not say %q:\n%v", tc.msg, errs)
			}
		})
	}
}

func TestConditionalPlay(t *testing.T) {
	t.Parallel()
	s := loadSecret(t, secretScenario)
	b := s.Nodes["b"]
	promise, honest := s.Nodes["a"].Choices[0], s.Nodes["a"].Choices[1]
	correct, leave := b.Choices[0], b.Choices[1]
	play := func(choices ...*Choice) State {
		t.Helper()
		st := s.Begin()
		for _, c := range choices {
			var err error
			if st, err = st.Apply(c); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}
	text := func(st State) string {
		t.Helper()
		parts, html, err := st.Text(s.Nodes[st.Node])
		if err != nil {
			t.Fatal(err)
		}
		var idx []string
		for _, p := range parts {
			idx = append(idx, fmt.Sprint(p.Index))
		}
		return strings.Join(idx, ",") + " " + string(html)
	}
	cases := []struct {
		name string
		path []*Choice
		node string
		text string
	}{
		{"promised", []*Choice{promise}, "b", "1,2 <p>Sam goes on.</p>\n<p>Sam trusts your <em>promise</em>.</p>\n"},
		{"honest", []*Choice{honest}, "b", "1,3 <p>Sam goes on.</p>\n<p>Sam knows where they stand.</p>\n"},
		// The route reads the values after the choice's set.
		{"promised, left it", []*Choice{promise, leave}, "mixed", "1 <p>You promised to keep it secret and never corrected that.</p>\n"},
		{"honest, left it", []*Choice{honest, leave}, "good", "1 <p>Well done.</p>\n"},
		{"promised, corrected", []*Choice{promise, correct}, "good", "1,2 <p>Well done.</p>\n<p>You corrected the promise.</p>\n"},
	}
	for _, tc := range cases {
		st := play(tc.path...)
		if st.Node != tc.node {
			t.Errorf("%s: at %q, want %q", tc.name, st.Node, tc.node)
			continue
		}
		if got := text(st); got != tc.text {
			t.Errorf("%s: text %q, want %q", tc.name, got, tc.text)
		}
	}
	if ok, err := play(promise).Shows(b.Parts[1]); !ok || err != nil {
		t.Fatalf("Shows: %v %v", ok, err)
	}

	// A variable of the wrong type is the one way a part or a route fails.
	bad := State{Node: "b", Vars: map[string]any{"promised": 1, "corrected": false}}
	var ee *EvalError
	if _, _, err := bad.Text(b); !asEval(err, &ee) || ee.Part != b.Parts[1] || ee.Choice != nil {
		t.Fatalf("text on a bad state: %v", err)
	}
	if _, err := bad.Apply(leave); !asEval(err, &ee) || ee.Route != leave.Routes[0] || ee.Choice != leave {
		t.Fatalf("route on a bad state: %v", err)
	}

	// The walk records the route each move took.
	routes := map[string][]int{}
	if err := s.Walk(100, func(r *Reached) bool {
		for _, m := range r.Moves {
			if m.Choice == leave {
				routes[fmt.Sprint(r.Vars["promised"])] = append(routes[fmt.Sprint(r.Vars["promised"])], m.Route)
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if want := map[string][]int{"true": {1}, "false": {2}}; !reflect.DeepEqual(routes, want) {
		t.Fatalf("routes taken %v, want %v", routes, want)
	}
}

func asEval(err error, target **EvalError) bool { return errors.As(err, target) }

// A routed goto with a misspelt node is one problem in a draft, reported
// once and drawn to the node it meant.
func TestConditionalDraftGraph(t *testing.T) {
	t.Parallel()
	s, errs := ParseDraft("scenarios/t.yaml", []byte(sedit(t, "            node: mixed", "            node: mixd")))
	if s == nil || len(errs) != 1 {
		t.Fatalf("draft %v, errors %v", s != nil, errs)
	}
	p := s.GraphProblems()
	want := []MissingTarget{{Node: "b", Choice: 2, Route: 1, Goto: "mixd", Meant: "mixed"}}
	if !reflect.DeepEqual(p.Missing, want) || len(p.Unreachable) != 0 || len(p.Traps) != 0 {
		t.Fatalf("graph problems %+v", p)
	}
}
