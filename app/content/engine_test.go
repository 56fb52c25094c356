package content

import (
	"errors"
	"reflect"
	"testing"
)

const swapScenario = `id: swap
title: T
summary: S.
competencies: {l: L}
variables: {a: 1, b: 2, n: 0}
start: s
nodes:
  s:
    text: S
    choices:
      - {text: Swap, goto: s, set: {a: "b", b: "a"}, score: {l: 1}}
      - {text: Count, goto: s, set: {n: "n + 1"}}
      - {text: Win, goto: win, if: "a == 2 && n >= 2"}
  win: {ending: positive, text: W}
`

func TestApply(t *testing.T) {
	t.Parallel()
	s, errs := ParseScenario("scenarios/swap.yaml", []byte(swapScenario))
	if errs != nil {
		t.Fatal(errs)
	}
	start := s.Begin()
	if want := (State{Node: "s", Vars: map[string]any{"a": 1, "b": 2, "n": 0}, Scores: map[string]int{"l": 0}}); !reflect.DeepEqual(start, want) {
		t.Fatalf("Begin %+v, want %+v", start, want)
	}
	swap, win := s.Nodes["s"].Choices[0], s.Nodes["s"].Choices[2]
	next, err := start.Apply(swap)
	if err != nil {
		t.Fatal(err)
	}
	// Both assignments read the values from before the choice.
	if want := (State{Node: "s", Vars: map[string]any{"a": 2, "b": 1, "n": 0}, Scores: map[string]int{"l": 1}}); !reflect.DeepEqual(next, want) {
		t.Fatalf("after a swap %+v, want %+v", next, want)
	}
	if start.Vars["a"] != 1 || start.Scores["l"] != 0 {
		t.Fatalf("Apply changed its input: %+v", start)
	}
	if ok, err := next.Offers(win); ok || err != nil {
		t.Fatalf("win offered before counting: %v %v", ok, err)
	}

	// Variables of the wrong type are the one way evaluation fails.
	bad := State{Node: "s", Vars: map[string]any{"a": 2, "b": 1, "n": true}}
	var ee *EvalError
	if _, err := bad.Offers(win); !errors.As(err, &ee) || ee.Node != "s" || ee.Choice != win || ee.Set != nil {
		t.Fatalf("if on a bool counter: %v", err)
	}
	if _, err := bad.Apply(s.Nodes["s"].Choices[1]); !errors.As(err, &ee) || ee.Set == nil || ee.Set.Var != "n" {
		t.Fatalf("set on a bool counter: %v", err)
	}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	// The counter gives the scenario infinitely many states; it passes the
	// rules all the same, as its node has choices without "if".
	s, errs := ParseScenario("scenarios/swap.yaml", []byte(swapScenario))
	if errs != nil {
		t.Fatal(errs)
	}
	var path []int
	seen := 0
	err := s.Walk(100, func(r *Reached) bool {
		if r.Index != seen {
			t.Fatalf("state %d visited as %d", seen, r.Index)
		}
		seen++
		if s.Nodes[r.Node].IsEnding() {
			path = r.Path()
			return false
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 2, 3}; !reflect.DeepEqual(path, want) {
		t.Fatalf("first way to the ending %v, want the shortest, %v", path, want)
	}
	if err := s.Walk(100, func(*Reached) bool { return true }); !errors.Is(err, ErrTooManyStates) {
		t.Fatalf("walking a counter that grows for ever: %v", err)
	}
}
