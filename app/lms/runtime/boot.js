// Upstand course package: starts compiling the scenario engine
// (engine.wasm) while the browser is still reading the page. Most of the
// engine's first load is compiling its WebAssembly; upstand.js, which runs
// once the page has been read, instantiates the compiled module. Loaded in
// the page's head, before anything else.
(function () {
  "use strict";
  if (typeof WebAssembly !== "object" || typeof fetch !== "function") { return; }
  var compile = function () {
    return fetch("engine.wasm").then(function (r) {
      if (!r.ok) { throw new Error("engine.wasm: " + r.status); }
      return r.arrayBuffer();
    }).then(function (b) { return WebAssembly.compile(b); });
  };
  // Streaming needs the server to send application/wasm; some LMSs do not.
  var module = typeof WebAssembly.compileStreaming === "function"
    ? WebAssembly.compileStreaming(fetch("engine.wasm")).catch(compile)
    : compile();
  // upstand.js reports a failure when it uses the module.
  module.catch(function () {});
  window.upstandEngineModule = module;
}());
