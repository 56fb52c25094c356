package engine_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms/engine"
	"github.com/upstand/upstand/app/scenario"
)

func bundled(t *testing.T) *content.Catalogue {
	t.Helper()
	cat, err := content.Load(os.DirFS("../../.."))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestLoadKeepsVersion: every bundled scenario loaded from its canonical
// JSON is the same version, and plays every reachable state exactly as
// app/scenario does on the server.
func TestLoadKeepsVersion(t *testing.T) {
	cat := bundled(t)
	e := engine.New()
	for _, s := range cat.Scenarios {
		got, err := e.Load(string(s.Canonical), "", s.Version)
		if err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		if got.ID != s.ID || got.Version != s.Version {
			t.Fatalf("%s: loaded %+v, want version %s", s.ID, got, s.Version)
		}
		paths, err := engine.Paths(s, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			views, err := e.Trace(s.ID, p)
			if err != nil {
				t.Fatalf("%s %v: %v", s.ID, p, err)
			}
			st := scenario.Start(s)
			for i, v := range views {
				if i > 0 {
					if st, _, err = scenario.Choose(s, st, p[i-1]); err != nil {
						t.Fatal(err)
					}
				}
				if !reflect.DeepEqual(v.State, st) || v.HTML != scenario.Text(s, st) || len(v.Choices) != len(scenario.Options(s, st)) {
					t.Fatalf("%s %v step %d: engine %+v, server %+v", s.ID, p, i, v.State, st)
				}
			}
			last := views[len(views)-1]
			replayed, err := e.Replay(s.ID, p)
			if err != nil || !reflect.DeepEqual(replayed, last) {
				t.Fatalf("%s %v: replay %+v (%v), want %+v", s.ID, p, replayed, err, last)
			}
		}
	}
}

func TestLoadRefuses(t *testing.T) {
	cat := bundled(t)
	s := cat.Scenarios[0]
	e := engine.New()
	if _, err := e.Load(string(s.Canonical), "", "0000000000000000"); err == nil || !strings.Contains(err.Error(), "want 0000000000000000") {
		t.Errorf("wrong version: %v", err)
	}
	if _, err := e.Load(`{"id":"x","title":""}`, "", ""); err == nil || !strings.Contains(err.Error(), "scenarios/x.yaml") {
		t.Errorf("bad scenario: %v", err)
	}
	if _, err := e.Load(`not json`, "", ""); err == nil {
		t.Error("not JSON loaded")
	}
	if _, err := e.Begin("nope"); err == nil {
		t.Error("began an unknown scenario")
	}
	if _, err := e.Load(string(s.Canonical), "org-1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Replay(s.ID, []int{99}); !errors.Is(err, scenario.ErrNotOffered) {
		t.Errorf("replay of a choice not on offer: %v", err)
	}
	v, _ := e.Begin(s.ID)
	st, _ := json.Marshal(v.State)
	if _, err := e.Choose(s.ID, string(st), 99); !errors.Is(err, scenario.ErrNotOffered) {
		t.Errorf("choice not on offer: %v", err)
	}
}
