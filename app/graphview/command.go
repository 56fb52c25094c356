package graphview

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/upstand/upstand/app/content"
)

// Command draws in a child process: a program (the server's own binary,
// as `upstand content graph --json`) that reads the scenario file on its
// standard input and writes the Graph as JSON (WriteJSON). The server
// draws this way because go-graphviz keeps every render's texts for the
// life of its process (see the package comment): a child's memory goes
// when it exits, so a long-running server never grows from drawing. It
// also means a render can be stopped: the child is killed when ctx ends,
// which an in-process render must never be. The price is starting a
// process per drawing (about 0.1–0.3 s here, most of it go-graphviz
// preparing its WebAssembly), which a graph page, opened now and then by a
// trainer and cached by the browser for nothing, can afford.
type Command struct {
	path string
	args []string
	// slots bounds the children running at once: each is a process with
	// Graphviz in it (about 40 MB).
	slots chan struct{}
}

// NewCommand draws with the program at path run with args; the file's
// name (for messages) follows them as "--path NAME". At most parallel
// children run at once; others wait their turn (or for ctx to end).
func NewCommand(parallel int, path string, args ...string) *Command {
	return &Command{path: path, args: args, slots: make(chan struct{}, max(parallel, 1))}
}

// maxOutput bounds what a child may write: the JSON of a 500-node graph is
// about 2 MB.
const maxOutput = 32 << 20

// exitNoGraph is the child's exit status for ErrNoGraph.
const exitNoGraph = 3

// Draw runs the program on the file.
func (c *Command) Draw(ctx context.Context, path string, source []byte) (Graph, error) {
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return Graph{}, ctx.Err()
	}
	cmd := exec.CommandContext(ctx, c.path, append(append([]string{}, c.args...), "--path", path)...)
	cmd.Stdin = bytes.NewReader(source)
	out := &capped{max: maxOutput}
	errs := &capped{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, errs
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == exitNoGraph:
		return Graph{}, ErrNoGraph
	case ctx.Err() != nil:
		return Graph{}, ctx.Err()
	case err != nil:
		return Graph{}, fmt.Errorf("graphview: draw %s in a child process: %w: %s", path, err, strings.TrimSpace(errs.String()))
	case out.over:
		return Graph{}, fmt.Errorf("graphview: draw %s in a child process: more than %d bytes of output", path, maxOutput)
	}
	var g Graph
	if err := json.Unmarshal(out.Bytes(), &g); err != nil {
		return Graph{}, fmt.Errorf("graphview: draw %s in a child process: read its output: %w", path, err)
	}
	return g, nil
}

// capped is a buffer that keeps at most max bytes and notes the rest.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *capped) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// Child is the child's side of Command: it reads one scenario file from in
// (at most content.MaxFileBytes), draws it and writes the Graph to out as
// JSON. It returns the exit status: 0, exitNoGraph when the file has no
// nodes to draw, 1 on any other failure (said on errOut).
func Child(ctx context.Context, path string, in io.Reader, out, errOut io.Writer) int {
	source, err := io.ReadAll(io.LimitReader(in, content.MaxFileBytes+1))
	if err != nil {
		fmt.Fprintln(errOut, "graphview:", err)
		return 1
	}
	if len(source) > content.MaxFileBytes {
		fmt.Fprintf(errOut, "graphview: %s is over %d bytes\n", path, content.MaxFileBytes)
		return 1
	}
	r, err := New(ctx)
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	defer r.Close()
	g, err := r.Draw(ctx, path, source)
	if errors.Is(err, ErrNoGraph) {
		fmt.Fprintln(errOut, err)
		return exitNoGraph
	}
	if err == nil {
		err = json.NewEncoder(out).Encode(g)
	}
	if err != nil {
		fmt.Fprintln(errOut, err)
		return 1
	}
	return 0
}
