//go:build js && wasm

// Command wasm is the scenario engine (app/lms/engine) compiled to
// WebAssembly for packages played in a learning management system. It
// sets one global object, upstandEngine, whose functions take and return
// JSON text:
//
//	load(canonicalJSON, owner, version) → {"id", "version", "title"}
//	begin(id)                          → view
//	choose(id, stateJSON, choiceID)    → view
//	replay(id, pathJSON)               → view (pathJSON: [choice ids])
//
// Each answers {"ok": value} or {"error": "message"}. A view is
// engine.View: the state, the text, the choices on offer and the feedback.
// When the functions are set, it calls the page's upstandEngineReady, if
// the page has one. It then waits for ever: the page calls into it.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/upstand/upstand/app/lms/engine"
)

func main() {
	e := engine.New()
	api := map[string]any{
		"load": fn(func(a []js.Value) (any, error) {
			return e.Load(a[0].String(), a[1].String(), a[2].String())
		}),
		"begin": fn(func(a []js.Value) (any, error) { return e.Begin(a[0].String()) }),
		"choose": fn(func(a []js.Value) (any, error) {
			return e.Choose(a[0].String(), a[1].String(), a[2].Int())
		}),
		"replay": fn(func(a []js.Value) (any, error) {
			var path []int
			if err := json.Unmarshal([]byte(a[1].String()), &path); err != nil {
				return nil, err
			}
			return e.Replay(a[0].String(), path)
		}),
	}
	js.Global().Set("upstandEngine", js.ValueOf(api))
	if ready := js.Global().Get("upstandEngineReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// fn wraps a call as a JavaScript function answering JSON text. Missing
// arguments are passed as undefined, which String turns into
// "<undefined>": a clear error from the engine rather than a panic.
func fn(call func([]js.Value) (any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) (answer any) {
		defer func() {
			if r := recover(); r != nil {
				answer = reply(nil, fmt.Errorf("engine: %v", r))
			}
		}()
		for len(args) < 3 {
			args = append(args, js.Undefined())
		}
		return reply(call(args))
	})
}

func reply(v any, err error) string {
	var out []byte
	if err != nil {
		out, _ = json.Marshal(map[string]string{"error": err.Error()})
	} else if b, merr := json.Marshal(map[string]any{"ok": v}); merr != nil {
		out, _ = json.Marshal(map[string]string{"error": merr.Error()})
	} else {
		out = b
	}
	return string(out)
}
