package graphview

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
)

// childEnv makes the test binary act as Command's child (TestMain).
const childEnv = "GRAPHVIEW_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		// The arguments end with "--path NAME", as Command passes them.
		os.Exit(Child(context.Background(), os.Args[len(os.Args)-1], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestCommandDrawsAsTheRenderer: a graph drawn in a child process is the
// graph drawn here, a file with nothing to draw is ErrNoGraph there too,
// and a draw that can't get a slot before its context ends gives up.
func TestCommandDrawsAsTheRenderer(t *testing.T) {
	t.Setenv(childEnv, "1")
	ctx := context.Background()
	data, err := os.ReadFile("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := NewCommand(1, os.Args[0], "-test.run=^$")
	got, err := cmd.Draw(ctx, "scenarios/small.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := renderer(t).Draw(ctx, "scenarios/small.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the child drew\n%+v\nthis process drew\n%+v", got, want)
	}

	if _, err := cmd.Draw(ctx, "scenarios/empty.yaml", []byte("title: [unclosed\n")); !errors.Is(err, ErrNoGraph) {
		t.Errorf("a file with nothing to draw: %v, want ErrNoGraph", err)
	}

	cmd.slots <- struct{}{} // every slot taken
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := cmd.Draw(cancelled, "scenarios/small.yaml", data); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting for a slot with a cancelled context: %v", err)
	}
}

// BenchmarkCommand60 is one drawing of the 60-node scenario in a child
// process, as the server draws: starting the process (with go-graphviz's
// start-up) and the render, end to end.
func BenchmarkCommand60(b *testing.B) {
	b.Setenv(childEnv, "1")
	cmd := NewCommand(1, os.Args[0], "-test.run=^$")
	src := []byte(sixty())
	for b.Loop() {
		if _, err := cmd.Draw(context.Background(), "scenarios/sixty.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}
