// The Upstand course runtime of a SCORM 1.2 package. It finds the learning
// management system's API the standard way, plays the steps one at a time,
// plays scenarios with Upstand's own engine compiled to WebAssembly
// (engine.wasm, started by Go's wasm_exec.js) and records progress in the
// SCORM 1.2 data model. What it records and why: docs/lms.md.
(function () {
  "use strict";

  var course = JSON.parse(document.getElementById("upstand-course").textContent);
  var started = Date.now();
  var MAX_SUSPEND = 4096; // SCORM 1.2: cmi.suspend_data is CMIString4096
  var OUTCOME_CODE = { positive: "p", mixed: "m", negative: "n" };
  var OUTCOME_RANK = { "": 0, n: 1, m: 2, p: 3 };
  var OUTCOME_WORDS = {
    positive: "A positive ending",
    mixed: "A mixed ending",
    negative: "A negative ending"
  };

  // ---- The LMS API (SCORM 1.2 RTE 3.2: the parents, then the opener) ----

  function scan(win) {
    for (var i = 0; win && i < 500; i++) {
      try {
        if (win.API) { return win.API; }
      } catch (e) {
        return null; // another origin's window: stop
      }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  var api = scan(window);
  if (!api && window.opener) {
    try { api = scan(window.opener); } catch (e) { api = null; }
  }
  var live = false;
  if (api) {
    try { live = String(api.LMSInitialize("")) === "true"; } catch (e) { live = false; }
  }

  function get(key) {
    if (!live) { return ""; }
    var v = api.LMSGetValue(key);
    return v === null || v === undefined ? "" : String(v);
  }
  function set(key, value) {
    if (live) { api.LMSSetValue(key, String(value)); }
  }

  // ---- Progress, and its compact form in cmi.suspend_data ----
  //
  // {"v": module version, "at": step shown, "d": [one entry per step],
  //  "cb"/"ca": confidence before/after, one digit per statement (0: none)}
  // A lesson or reflection entry is 1 once done; a scenario's is
  // "<best ending so far: p, m, n or empty>:<choice ids of the attempt in
  // progress, dot-separated>", replayed by the engine on resume; a quiz's
  // is "<most questions right in one attempt, or empty>:<last answers, one
  // letter a question>".

  function fresh() {
    return {
      at: 0,
      cb: "",
      ca: "",
      d: course.steps.map(function (s) {
        if (s.kind === "scenario") { return { b: "", p: [] }; }
        if (s.kind === "quiz") { return { b: -1, a: "" }; }
        return 0;
      })
    };
  }

  function encode(progress) {
    var d = course.steps.map(function (s, i) {
      var x = progress.d[i];
      if (s.kind === "scenario") { return x.b + ":" + x.p.join("."); }
      if (s.kind === "quiz") { return (x.b < 0 ? "" : String(x.b)) + ":" + x.a; }
      return x ? 1 : 0;
    });
    var out = { v: course.version, at: progress.at, d: d, cb: progress.cb, ca: progress.ca };
    var text = JSON.stringify(out);
    // Too long (a scenario that loops, played round many times): drop the
    // longest attempts in progress, which then start again on resume.
    while (text.length > MAX_SUSPEND) {
      var longest = -1;
      d.forEach(function (e, i) {
        if (course.steps[i].kind === "scenario" && (longest < 0 || e.length > d[longest].length)) { longest = i; }
      });
      if (longest < 0 || d[longest].indexOf(":") === d[longest].length - 1) { break; }
      d[longest] = d[longest].split(":")[0] + ":";
      text = JSON.stringify(out);
    }
    return text;
  }

  function decode(text) {
    var p = fresh();
    var raw;
    try { raw = JSON.parse(text); } catch (e) { return null; }
    if (!raw || raw.v !== course.version || !Array.isArray(raw.d) || raw.d.length !== course.steps.length) { return null; }
    course.steps.forEach(function (s, i) {
      var e = String(raw.d[i]);
      var parts = e.split(":");
      if (s.kind === "scenario") {
        p.d[i].b = OUTCOME_RANK[parts[0]] ? parts[0] : "";
        p.d[i].p = parts[1] ? parts[1].split(".").map(Number).filter(function (n) { return n > 0; }) : [];
      } else if (s.kind === "quiz") {
        p.d[i].b = parts[0] === "" ? -1 : Number(parts[0]) || 0;
        p.d[i].a = parts[1] || "";
      } else {
        p.d[i] = e === "1" ? 1 : 0;
      }
    });
    p.at = typeof raw.at === "number" && raw.at >= 0 && raw.at <= course.steps.length + 1 ? raw.at : 0;
    p.cb = typeof raw.cb === "string" ? raw.cb : "";
    p.ca = typeof raw.ca === "string" ? raw.ca : "";
    return p;
  }

  var suspended = get("cmi.suspend_data");
  var progress = suspended ? decode(suspended) : null;
  var changedVersion = !!suspended && !progress;
  if (!progress) { progress = fresh(); }
  if (live) {
    var was = get("cmi.core.lesson_status");
    if (was === "" || was === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
  }

  function save() {
    set("cmi.suspend_data", encode(progress));
    set("cmi.core.lesson_location", String(progress.at));
    if (live) { api.LMSCommit(""); }
  }

  // ---- Interactions: one per scenario choice and quiz answer ----

  function ident(s) { return s.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 255); }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock() {
    var d = new Date();
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }
  function letter(n) { return "abcdefghijklmnopqrstuvwxyz".charAt(n); }

  function interaction(id, response, result, correct) {
    if (!live) { return; }
    var n = parseInt(get("cmi.interactions._count"), 10) || 0;
    var k = "cmi.interactions." + n + ".";
    set(k + "id", ident(id));
    set(k + "type", "choice");
    set(k + "time", clock());
    if (correct) { set(k + "correct_responses.0.pattern", correct); }
    set(k + "student_response", response);
    set(k + "result", result);
  }

  // ---- Completion: the module's rule, as the server applies it ----

  var hasQuiz = course.steps.some(function (s) { return s.kind === "quiz"; });

  function todo() {
    var out = [];
    course.steps.forEach(function (s, i) {
      var x = progress.d[i];
      if (s.kind === "lesson" && !x) { out.push({ kind: s.kind, text: "Read “" + s.title + "”." }); }
      if (s.kind === "reflection" && !x) { out.push({ kind: s.kind, text: "Write or skip the reflection (" + s.title + ")." }); }
      if (s.kind === "scenario") {
        var ok = course.completion === "positive" ? x.b === "p" : x.b !== "";
        if (!ok) {
          out.push({ kind: s.kind, text: course.completion === "positive"
            ? "Reach a positive ending in “" + s.title.replace(/^Scenario: /, "") + "”."
            : "Play “" + s.title.replace(/^Scenario: /, "") + "” to an ending." });
        }
      }
      if (s.kind === "quiz" && !quizPassed(s, x.b)) {
        out.push({ kind: s.kind, tried: x.b >= 0, text: "Pass the quiz (" + s.title + ") at " + s.pass + "%." });
      }
    });
    return out;
  }

  // quizPassed is the server's rule (content.Quiz.Passed) for right
  // answers out of the quiz's questions.
  function quizPassed(s, right) { return right >= 0 && right * 100 >= s.pass * s.correct.length; }

  var lastStatus = "";
  function status() {
    var left = todo();
    var st = "incomplete";
    if (left.length === 0) {
      st = hasQuiz ? "passed" : "completed";
    } else if (left.every(function (t) { return t.kind === "quiz" && t.tried; })) {
      st = "failed";
    }
    if (live && st !== lastStatus) {
      set("cmi.core.lesson_status", st);
      set("cmi.core.exit", st === "passed" || st === "completed" ? "" : "suspend");
    }
    lastStatus = st;
    if (hasQuiz) {
      var sum = 0, n = 0, tried = false;
      course.steps.forEach(function (s, i) {
        if (s.kind === "quiz") {
          n++;
          if (progress.d[i].b >= 0) { tried = true; sum += 100 * progress.d[i].b / s.correct.length; }
        }
      });
      if (tried) {
        set("cmi.core.score.min", "0");
        set("cmi.core.score.max", "100");
        set("cmi.core.score.raw", String(Math.round(sum / n)));
      }
    }
    renderFinish(st, left);
    course.steps.forEach(function (s, i) {
      var mark = document.querySelector('[data-done="' + (i + 1) + '"]');
      if (mark) { mark.textContent = stepDone(s, i) ? "(done)" : ""; }
    });
    return st;
  }

  function stepDone(s, i) {
    var x = progress.d[i];
    if (s.kind === "scenario") { return course.completion === "positive" ? x.b === "p" : x.b !== ""; }
    if (s.kind === "quiz") { return quizPassed(s, x.b); }
    return !!x;
  }

  function renderFinish(st, left) {
    var summary = document.querySelector("[data-summary]");
    var list = document.querySelector("[data-todo]");
    if (!summary) { return; }
    var words = {
      passed: "You have completed this course and passed its quiz.",
      completed: "You have completed this course.",
      failed: "Everything is done except the quiz: you can take it again as often as you like.",
      incomplete: "Not finished yet. Still to do:"
    };
    summary.textContent = words[st] + (live ? "" : " (No learning system was found, so nothing is recorded.)");
    list.textContent = "";
    left.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t.text;
      list.appendChild(li);
    });
  }

  // ---- The engine ----

  var engine = null;
  var engineReady = new Promise(function (resolve, reject) {
    window.upstandEngineReady = function () { resolve(window.upstandEngine); };
    if (typeof Go !== "function" || typeof WebAssembly !== "object") {
      reject(new Error("this browser cannot run WebAssembly"));
      return;
    }
    var go = new Go();
    var load = function () {
      return fetch("engine.wasm").then(function (r) {
        if (!r.ok) { throw new Error("engine.wasm: " + r.status); }
        return r.arrayBuffer();
      }).then(function (b) { return WebAssembly.instantiate(b, go.importObject); });
    };
    var inst = typeof WebAssembly.instantiateStreaming === "function"
      ? WebAssembly.instantiateStreaming(fetch("engine.wasm"), go.importObject).catch(load)
      : load();
    inst.then(function (r) { go.run(r.instance); }).catch(reject);
  }).then(function (e) {
    engine = e;
    window.upstandTimings = { engineReady: performance.now() };
    return Promise.all(course.steps.filter(function (s) { return s.kind === "scenario"; }).map(function (s) {
      return fetch(s.file).then(function (r) {
        if (!r.ok) { throw new Error(s.file + ": " + r.status); }
        return r.text();
      }).then(function (text) { call("load", text, course.owner || "", s.version); });
    }));
  });

  function call(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    var reply = JSON.parse(engine[name].apply(null, args));
    if (reply.error) { throw new Error(reply.error); }
    return reply.ok;
  }

  // ---- Scenario players ----

  var players = {}; // step index → the current view

  function section(k) { return document.getElementById(k === course.steps.length + 1 ? "step-end" : "step-" + k); }

  function startPlayer(i, fromStart) {
    var s = course.steps[i];
    var x = progress.d[i];
    var v = null;
    if (!fromStart && x.p.length) {
      try { v = call("replay", s.scenario, JSON.stringify(x.p)); } catch (e) { v = null; }
    }
    if (!v) {
      x.p = [];
      v = call("begin", s.scenario);
    }
    players[i] = v;
    renderPlayer(i, v, false);
  }

  function renderPlayer(i, v, focus) {
    var root = section(i + 1).querySelector("[data-player]");
    root.querySelector("[data-loading]").hidden = true;
    var fb = root.querySelector("[data-feedback]");
    var scene = root.querySelector("[data-scene]");
    var choices = root.querySelector("[data-choices]");
    var list = root.querySelector("[data-choice-list]");
    var ending = root.querySelector("[data-ending]");
    fb.textContent = "";
    if (v.feedback) {
      var said = document.createElement("p");
      said.className = "you-chose";
      said.textContent = "You chose: " + v.feedback.text;
      fb.appendChild(said);
      if (v.feedback.html) {
        var body = document.createElement("div");
        body.innerHTML = v.feedback.html; // sanitised by the engine, as on the server
        fb.appendChild(body);
      }
    }
    fb.hidden = !v.feedback;
    scene.textContent = "";
    if (v.outcome) {
      var h = document.createElement("h3");
      h.textContent = OUTCOME_WORDS[v.outcome] || v.outcome;
      h.className = "outcome outcome-" + v.outcome;
      scene.appendChild(h);
    }
    if (v.speaker) {
      var who = document.createElement("p");
      who.className = "speaker";
      who.textContent = v.speaker + ":";
      scene.appendChild(who);
    }
    var text = document.createElement("div");
    text.innerHTML = v.html; // sanitised by the engine, as on the server
    scene.appendChild(text);
    scene.hidden = false;
    list.textContent = "";
    v.choices.forEach(function (c) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.textContent = c.text;
      b.addEventListener("click", function () { choose(i, c.id); });
      li.appendChild(b);
      list.appendChild(li);
    });
    choices.hidden = v.choices.length === 0;
    ending.hidden = !v.outcome;
    externalLinks(root);
    if (focus) { (v.feedback ? fb : scene).focus(); }
  }

  function choose(i, id) {
    var s = course.steps[i];
    var before = players[i];
    var v = call("choose", s.scenario, JSON.stringify(before.state), id);
    players[i] = v;
    var x = progress.d[i];
    x.p.push(id);
    interaction(s.scenario + "." + before.state.node, letter(id - 1), "neutral");
    if (v.outcome) {
      var code = OUTCOME_CODE[v.outcome] || "";
      if (OUTCOME_RANK[code] > OUTCOME_RANK[x.b]) { x.b = code; }
    }
    renderPlayer(i, v, true);
    status();
    save();
  }

  // ---- Quizzes ----

  function grade(i, form) {
    var s = course.steps[i];
    var result = form.querySelector("[data-quiz-result]");
    var picked = [];
    var missing = -1;
    s.correct.forEach(function (_, q) {
      var r = form.querySelector('input[name="q' + (i + 1) + "-" + q + '"]:checked');
      picked.push(r ? Number(r.value) : -1);
      if (!r && missing < 0) { missing = q; }
    });
    if (missing >= 0) {
      result.textContent = "Answer question " + (missing + 1) + " first: every question needs an answer.";
      result.focus();
      return;
    }
    var right = 0;
    picked.forEach(function (a, q) {
      var ok = a === s.correct[q];
      if (ok) { right++; }
      interaction(course.module + ".quiz" + (i + 1) + ".q" + (q + 1), letter(a), ok ? "correct" : "wrong", letter(s.correct[q]));
      var fs = form.querySelector('[data-question="' + q + '"]');
      var answer = fs.querySelector("[data-answer]");
      answer.querySelectorAll("[data-option-feedback]").forEach(function (el) {
        var j = Number(el.getAttribute("data-option-feedback"));
        el.hidden = !(j === a || (!ok && j === s.correct[q]));
      });
      var mark = answer.querySelector("[data-mark]");
      if (!mark) {
        mark = document.createElement("p");
        mark.setAttribute("data-mark", "");
        answer.insertBefore(mark, answer.firstChild);
      }
      mark.className = ok ? "mark right" : "mark wrong";
      mark.textContent = ok ? "✓ Right." : "✗ Not the best answer.";
      answer.hidden = false;
      externalLinks(answer);
    });
    var percent = Math.round(100 * right / s.correct.length);
    var passed = quizPassed(s, right);
    var x = progress.d[i];
    if (right > x.b) { x.b = right; }
    x.a = picked.map(letter).join("");
    result.textContent = "You scored " + percent + "% (" + right + " of " + s.correct.length + "). The pass mark is " +
      s.pass + "%: " + (passed ? "you passed." : "not passed this time. Read the feedback and try again.");
    result.focus();
    status();
    save();
  }

  function restoreQuiz(i, form) {
    var a = progress.d[i].a;
    for (var q = 0; q < a.length; q++) {
      var r = form.querySelector('input[name="q' + (i + 1) + "-" + q + '"][value="' + (a.charCodeAt(q) - 97) + '"]');
      if (r) { r.checked = true; }
    }
  }

  // ---- Confidence checks (kept in suspend_data only) ----

  function confidence(form) {
    var phase = form.getAttribute("data-confidence");
    var digits = "";
    for (var k = 0; k < course.confidence; k++) {
      var r = form.querySelector('input[name="c-' + phase + "-" + k + '"]:checked');
      digits += r ? r.value : "0";
    }
    if (phase === "before") { progress.cb = digits; } else { progress.ca = digits; }
    save();
  }

  function restoreConfidence(form) {
    var phase = form.getAttribute("data-confidence");
    var digits = phase === "before" ? progress.cb : progress.ca;
    for (var k = 0; k < digits.length; k++) {
      var r = form.querySelector('input[name="c-' + phase + "-" + k + '"][value="' + digits.charAt(k) + '"]');
      if (r) { r.checked = true; }
    }
  }

  // ---- Steps ----

  var last = course.steps.length + 1;

  function show(k, focus) {
    for (var j = 0; j <= last; j++) { section(j).hidden = j !== k; }
    progress.at = k;
    document.querySelectorAll("[data-goto]").forEach(function (a) {
      var target = a.getAttribute("data-goto") === "end" ? last : Number(a.getAttribute("data-goto"));
      if (target === k) { a.setAttribute("aria-current", "step"); } else { a.removeAttribute("aria-current"); }
    });
    var s = course.steps[k - 1];
    if (s && s.kind === "lesson") { progress.d[k - 1] = 1; }
    if (s && s.kind === "scenario" && !players[k - 1]) {
      engineReady.then(function () {
        if (!players[k - 1]) { startPlayer(k - 1, false); }
      }).catch(engineFailed);
    }
    status();
    save();
    if (focus) { section(k).querySelector("h1, h2").focus(); }
  }

  function engineFailed(err) {
    document.querySelectorAll("[data-loading]").forEach(function (p) {
      p.textContent = "The scenario could not start (" + err.message + "). Reload the course to try again.";
    });
  }

  function externalLinks(root) {
    root.querySelectorAll("a[href^='http']").forEach(function (a) {
      if (a.hasAttribute("data-quick-exit")) { return; }
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    });
  }

  document.documentElement.classList.add("js");
  externalLinks(document.querySelector("main"));

  document.querySelectorAll("[data-goto]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var g = a.getAttribute("data-goto");
      show(g === "end" ? last : Number(g), true);
    });
  });
  document.querySelectorAll("[data-next]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = Number(b.closest("section").getAttribute("data-step"));
      var s = course.steps[k - 1];
      if (s && s.kind === "reflection") { progress.d[k - 1] = 1; }
      show(k + 1, true);
    });
  });
  document.querySelectorAll("[data-prev]").forEach(function (b) {
    b.addEventListener("click", function () {
      var at = b.closest("section").getAttribute("data-step");
      show(at === "end" ? last - 1 : Number(at) - 1, true);
    });
  });
  document.querySelectorAll("[data-restart]").forEach(function (b) {
    b.addEventListener("click", function () {
      var k = Number(b.closest("section").getAttribute("data-step"));
      startPlayer(k - 1, true);
      save();
      section(k).querySelector("[data-scene]").focus();
    });
  });
  document.querySelectorAll("form[data-quiz]").forEach(function (f) {
    var i = Number(f.getAttribute("data-quiz")) - 1;
    restoreQuiz(i, f);
    f.addEventListener("submit", function (e) { e.preventDefault(); grade(i, f); });
  });
  document.querySelectorAll("form[data-confidence]").forEach(function (f) {
    restoreConfidence(f);
    f.addEventListener("change", function () { confidence(f); });
  });
  document.querySelectorAll("form[data-reflection]").forEach(function (f) {
    f.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  // Escape twice within a second leaves, as on the server's pages.
  var lastEscape = 0;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 1000) { document.querySelector("[data-quick-exit]").click(); }
    lastEscape = now;
  });

  var note = document.getElementById("lms-status");
  note.textContent = live
    ? (changedVersion ? "This course has changed since you last opened it, so it starts again here. " : "") +
      "Your progress is saved in your learning system."
    : "No learning system was found: you can take the course, but nothing is recorded.";

  // ---- Ending the session ----

  var finished = false;
  function finish() {
    if (finished || !live) { return; }
    finished = true;
    var secs = (Date.now() - started) / 1000;
    var h = Math.floor(secs / 3600);
    var m = Math.floor((secs % 3600) / 60);
    var s = (secs % 60).toFixed(2);
    set("cmi.core.session_time", (h < 10 ? "000" : h < 100 ? "00" : h < 1000 ? "0" : "") + h + ":" + two(m) + ":" + (Number(s) < 10 ? "0" : "") + s);
    set("cmi.suspend_data", encode(progress));
    api.LMSCommit("");
    api.LMSFinish("");
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);

  show(progress.at, false);

  // For the tests and the curious: the engine and the progress.
  window.upstandRuntime = {
    engineReady: engineReady,
    live: live,
    progress: function () { return JSON.parse(encode(progress)); },
    finish: finish,
    ready: false
  };
  engineReady.then(function () { window.upstandRuntime.ready = true; }, engineFailed);
})();
