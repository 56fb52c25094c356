package content

import (
	"slices"
	"strings"
	"testing"
)

// flagScenario marks promised as disqualifying: Sam may be promised
// secrecy, but a positive ending is for paths that put that right.
// "Correct it" clears the flag; "Leave it" with the flag set is routed to
// the mixed ending.
const flagScenario = `id: t
title: T
summary: S.
variables:
  promised: false
  n: 0
disqualifying: [promised]
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
    text: Sam goes on.
    choices:
      - text: Correct it
        if: promised
        goto: good
        set: {promised: false}
      - text: Leave it
        goto:
          - if: promised
            node: mixed
          - node: good
  good:
    ending: positive
    text: Well done.
  mixed:
    ending: mixed
    text: Not quite.
`

func fedit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(flagScenario, old) {
		t.Fatalf("flagScenario has no %q", old)
	}
	return strings.Replace(flagScenario, old, new, 1)
}

func TestDisqualifyingFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file func(t *testing.T) string
		want []string // "RULE line:col"; none: the scenario loads
		msg  string
	}{
		{"a violation cleared by a later set", func(*testing.T) string { return flagScenario }, nil, ""},
		{"an unreachable violation", func(t *testing.T) string {
			return fedit(t, "      - text: Correct it\n        if: promised\n        goto: good\n        set: {promised: false}\n", "")
		}, nil, ""},
		{"a reachable violation", func(t *testing.T) string {
			return fedit(t, "        set: {promised: false}\n", "")
		}, []string{"S12 29:3"},
			`scenarios/t.yaml:29:3: node "good": S12 a positive ending is reachable with promised = true (path 1, 1); route that path to another ending or mark the flag false when it is put right`},
		{"an undeclared variable in the list", func(t *testing.T) string {
			return fedit(t, "disqualifying: [promised]", "disqualifying: [promised, promized]")
		}, []string{"S9 7:27"}, `scenarios/t.yaml:7:27: S9 disqualifying names undeclared variable "promized" (did you mean "promised"?)`},
		{"a whole-number variable in the list", func(t *testing.T) string {
			return fedit(t, "disqualifying: [promised]", "disqualifying: [n, promised]")
		}, []string{"S9 7:17"}, `S9 disqualifying names "n", a whole-number variable; a disqualifying flag must be true/false`},
		{"a flag listed twice", func(t *testing.T) string {
			return fedit(t, "disqualifying: [promised]", "disqualifying: [promised, promised]")
		}, []string{"S1 7:27"}, `S1 disqualifying lists "promised" twice`},
		{"not a list", func(t *testing.T) string {
			return fedit(t, "disqualifying: [promised]", "disqualifying: promised")
		}, []string{"S1 7:16"}, "disqualifying"},
		{"too many states to judge", func(t *testing.T) string {
			return fedit(t, "      - text: Leave it\n", "      - text: Wait\n        goto: b\n        set: {n: \"n + 1\"}\n      - text: Leave it\n")
		}, []string{"S12 33:3"}, `node "good": S12 the variables take over 10000 combinations, too many to check that this positive ending cannot be reached with a disqualifying flag (promised) set`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, errs := ParseScenario("scenarios/t.yaml", []byte(tc.file(t)))
			checkErrors(t, errs)
			if tc.want == nil {
				if errs != nil {
					t.Fatalf("does not load:\n%v", errs)
				}
				if !slices.Equal(s.Disqualifying, []string{"promised"}) {
					t.Fatalf("Disqualifying = %v", s.Disqualifying)
				}
				return
			}
			if s != nil {
				t.Fatalf("a broken scenario loaded")
			}
			if g := got(errs); !slices.Equal(g, tc.want) {
				t.Fatalf("errors = %v, want %v\n%v", g, tc.want, errs)
			}
			if !strings.Contains(errs.Error(), tc.msg) {
				t.Fatalf("errors do not say %q:\n%v", tc.msg, errs)
			}
		})
	}
}

// The path named is a shortest one: the walk is breadth first.
func TestDisqualifyingShortestPath(t *testing.T) {
	t.Parallel()
	file := fedit(t, "        set: {promised: false}\n", "") +
		"  detour:\n    text: D\n    choices: [{text: On, goto: b, set: {promised: true}}]\n"
	file = strings.Replace(file, "      - text: Be honest\n        goto: b\n",
		"      - text: Be honest\n        goto: b\n      - text: Wander\n        goto: detour\n", 1)
	_, errs := ParseScenario("scenarios/t.yaml", []byte(file))
	if len(errs) != 1 || !strings.Contains(errs.Error(), "(path 1, 1)") {
		t.Fatalf("want one S12 naming path 1, 1:\n%v", errs)
	}
}

// The list is a set: its order does not change the version; adding it
// does, and the canonical JSON carries it and reloads to the same version.
func TestDisqualifyingVersion(t *testing.T) {
	t.Parallel()
	base := fedit(t, "  n: 0\n", "  n: 0\n  told: false\n")
	two := loadSecret(t, strings.Replace(base, "[promised]", "[promised, told]", 1))
	swapped := loadSecret(t, strings.Replace(base, "[promised]", "[told, promised]", 1))
	if two.Version != swapped.Version {
		t.Fatal("the order of disqualifying changed the version")
	}
	without := loadSecret(t, strings.Replace(base, "disqualifying: [promised]\n", "", 1))
	one := loadSecret(t, base)
	if one.Version == without.Version || one.Version == two.Version {
		t.Fatal("disqualifying flags do not change the version")
	}
	if strings.Contains(string(without.Canonical), "disqualifying") {
		t.Fatalf("a scenario without flags has them in its canonical JSON:\n%s", without.Canonical)
	}
	if !strings.Contains(string(two.Canonical), `"disqualifying":["promised","told"]`) {
		t.Fatalf("canonical JSON:\n%s", two.Canonical)
	}
	if again := loadSecret(t, string(two.Canonical)); again.Version != two.Version {
		t.Fatal("canonical JSON reloads with another version")
	}
}
