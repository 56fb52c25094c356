// The Upstand course runtime of a SCORM 1.2 or cmi5 package. It plays the
// steps one at a time, plays scenarios with Upstand's own engine compiled
// to WebAssembly (engine.wasm, started by Go's wasm_exec.js) and reports
// progress to the learning management system through one of two
// adapters: the SCORM 1.2 API found the standard way, or cmi5 (xAPI
// statements and state to the LMS's endpoint). The page says which
// (course.lms). What each records and why: docs/lms.md.
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

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function letter(n) { return "abcdefghijklmnopqrstuvwxyz".charAt(n); }

  // ---- The adapters ----
  //
  // Each has start() (a promise of {live, suspended, note}: whether an LMS
  // records this session, the progress it kept last time, and anything
  // the learner should know), save(text, at) for the progress, answered(x)
  // for a scenario choice or quiz answer, status(st, judged) whenever the
  // progress changes, finish(text) at the end of the session (a promise
  // of its last requests), and canExit() and exit(text): whether the LMS
  // asked to be returned to at the end, and ending the session to go
  // there.

  // SCORM 1.2: the LMS API in a parent window or the opener (RTE 3.2).
  function scorm12Adapter() {
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
    function ident(s) { return s.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 255); }
    function clock() {
      var d = new Date();
      return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
    }

    var lastStatus = "";
    var finished = false;
    return {
      start: function () {
        var suspended = get("cmi.suspend_data");
        if (live) {
          var was = get("cmi.core.lesson_status");
          if (was === "" || was === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
        }
        return Promise.resolve({ live: live, suspended: suspended, note: "" });
      },
      save: function (text, at) {
        set("cmi.suspend_data", text);
        set("cmi.core.lesson_location", String(at));
        if (live) { api.LMSCommit(""); }
      },
      // One cmi.interactions.n per scenario choice and quiz answer.
      answered: function (x) {
        if (!live) { return; }
        var n = parseInt(get("cmi.interactions._count"), 10) || 0;
        var k = "cmi.interactions." + n + ".";
        var id = x.kind === "choice" ? x.scenario + "." + x.node : course.module + ".quiz" + (x.step + 1) + ".q" + (x.question + 1);
        set(k + "id", ident(id));
        set(k + "type", "choice");
        set(k + "time", clock());
        if (x.correct) { set(k + "correct_responses.0.pattern", x.correct); }
        set(k + "student_response", x.response);
        set(k + "result", x.result);
      },
      status: function (st, judged) {
        if (live && st !== lastStatus) {
          set("cmi.core.lesson_status", st);
          set("cmi.core.exit", st === "passed" || st === "completed" ? "" : "suspend");
        }
        lastStatus = st;
        if (judged.tried) {
          set("cmi.core.score.min", "0");
          set("cmi.core.score.max", "100");
          set("cmi.core.score.raw", String(judged.raw));
        }
      },
      finish: function (text) {
        if (finished || !live) { return Promise.resolve(); }
        finished = true;
        var secs = (Date.now() - started) / 1000;
        var h = Math.floor(secs / 3600);
        var m = Math.floor((secs % 3600) / 60);
        var s = (secs % 60).toFixed(2);
        set("cmi.core.session_time", (h < 10 ? "000" : h < 100 ? "00" : h < 1000 ? "0" : "") + h + ":" + two(m) + ":" + (Number(s) < 10 ? "0" : "") + s);
        set("cmi.suspend_data", text);
        api.LMSCommit("");
        api.LMSFinish("");
        return Promise.resolve();
      },
      canExit: function () { return false; }
    };
  }

  // cmi5 (the "Quartz" edition, sections 8 to 11): the launch parameters
  // from the query string, the auth token from the fetch URL (once), the
  // LMS's launch data, then xAPI 1.0.3 statements and state documents to
  // its endpoint.
  function cmi5Adapter() {
    var VERB = {
      initialized: "http://adlnet.gov/expapi/verbs/initialized",
      completed: "http://adlnet.gov/expapi/verbs/completed",
      passed: "http://adlnet.gov/expapi/verbs/passed",
      failed: "http://adlnet.gov/expapi/verbs/failed",
      terminated: "http://adlnet.gov/expapi/verbs/terminated",
      answered: "http://adlnet.gov/expapi/verbs/answered"
    };
    var CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
    var CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon";
    var MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
    var INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction";
    var STATE_ID = "upstand.progress"; // this package's own state document
    var LANG = "en-GB";

    var q = new URLSearchParams(location.search);
    var endpoint = q.get("endpoint") || "";
    var fetchURL = q.get("fetch") || "";
    var registration = q.get("registration") || "";
    var activityId = q.get("activityId") || "";
    var actor = null;
    try { actor = JSON.parse(q.get("actor") || "null"); } catch (e) { actor = null; }

    var token = "";
    var launchData = null;
    var mode = "Normal";
    var mastery = null;
    var live = false;
    var terminated = false;
    // What was sent in this registration (kept in the state document),
    // and which of passed or failed was sent in this session.
    var sent = { completed: false, passed: false };
    var verdict = "";
    var initializedAt = 0;
    var lastStamp = 0;
    var lastJudged = null;
    var lastText = "";
    var problems = 0;

    function url(path, params) {
      var u = endpoint.replace(/\/?$/, "/") + path;
      return params ? u + "?" + new URLSearchParams(params).toString() : u;
    }
    function stateParams(stateId) {
      return { stateId: stateId, activityId: activityId, agent: JSON.stringify(actor), registration: registration };
    }

    // request makes one xAPI request; keepalive lets the last ones finish
    // while the page closes. A 404 is "no document" where that is fine.
    function request(method, u, body, missingOK) {
      var headers = { "X-Experience-API-Version": "1.0.3", "Authorization": "Basic " + token };
      if (body !== undefined) { headers["Content-Type"] = "application/json"; }
      return fetch(u, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        keepalive: method !== "GET",
        cache: "no-store"
      }).then(function (r) {
        if (r.status === 404 && missingOK) { return null; }
        if (!r.ok) { throw new Error(method + " " + u.split("?")[0] + ": " + r.status); }
        if (method !== "GET" || r.status === 204) { return null; }
        return r.text().then(function (t) { return t ? JSON.parse(t) : null; });
      });
    }

    // The outbox sends statements and state one at a time, in order;
    // flush sends whatever is left at once when the session ends: the
    // statements in one request, in order, as the page may be closing and
    // no later request would start.
    var outbox = [];
    var busy = null;
    function post(item) {
      if (item.state) {
        for (var i = 0; i < outbox.length; i++) {
          if (outbox[i].state) { outbox[i].body = item.body; return; }
        }
      }
      outbox.push(item);
      pump();
    }
    function transmit(item) {
      return request(item.method, item.url, item.body).catch(function (err) {
        problems++;
        var el = document.getElementById("lms-status");
        if (el) { el.textContent = "Your learning system did not take part of your progress (" + err.message + ")."; }
      });
    }
    function pump() {
      if (busy || !outbox.length) { return; }
      busy = transmit(outbox.shift()).then(function () { busy = null; pump(); });
    }
    function flush() {
      var all = busy ? [busy] : [];
      var batch = [];
      outbox.splice(0).forEach(function (item) {
        if (item.statement) { batch.push(item.body); } else { all.push(transmit(item)); }
      });
      if (batch.length) { all.push(transmit({ method: "POST", url: url("statements"), body: batch })); }
      return Promise.all(all);
    }

    function uuid() {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }
    // Timestamps order the statements (cmi5 9.3), so each is later than
    // the one before.
    function stamp() {
      var t = Math.max(Date.now(), lastStamp + 1);
      lastStamp = t;
      return new Date(t).toISOString();
    }
    function duration(ms) { return "PT" + (Math.max(ms, 0) / 1000).toFixed(2) + "S"; }

    // context is the LMS's contextTemplate with this package's additions,
    // never overwriting what the template says (cmi5 10.0).
    function context(o) {
      var c = JSON.parse(JSON.stringify(launchData.contextTemplate || {}));
      c.registration = registration;
      var ca = c.contextActivities = c.contextActivities || {};
      function add(list, id) {
        if (ca[list] && !Array.isArray(ca[list])) { ca[list] = [ca[list]]; }
        ca[list] = ca[list] || [];
        if (!ca[list].some(function (a) { return a.id === id; })) { ca[list].push({ objectType: "Activity", id: id }); }
      }
      if (o.defined) { add("category", CATEGORY_CMI5); }
      if (o.moveOn) { add("category", CATEGORY_MOVEON); }
      if (o.parent) { add("parent", activityId); }
      var ext = c.extensions = c.extensions || {};
      var mine = {};
      mine[course.versionExtension] = course.version;
      if (o.mastery !== undefined) { mine[MASTERY] = o.mastery; }
      Object.keys(mine).forEach(function (k) { if (!(k in ext)) { ext[k] = mine[k]; } });
      return c;
    }

    function statement(verb, o) {
      if (!live || terminated) { return; }
      var s = {
        id: uuid(),
        timestamp: stamp(),
        actor: actor,
        verb: { id: VERB[verb], display: {} },
        object: o.object || { objectType: "Activity", id: activityId },
        context: context(o)
      };
      s.verb.display[LANG] = verb;
      if (o.result) { s.result = o.result; }
      post({ method: "POST", url: url("statements"), body: s, statement: true });
    }

    function saveState(text) {
      if (!live || terminated || mode !== "Normal") { return; }
      post({ method: "PUT", url: url("activities/state", stateParams(STATE_ID)), body: { v: course.version, progress: text, sent: sent }, state: true });
    }

    function score(j) {
      return { scaled: Math.round(j.mean * 100) / 10000, raw: j.raw, min: 0, max: 100 };
    }
    // passed is the verdict on the quizzes: the LMS's masteryScore against
    // the score when it gave one (cmi5 10.0), else every quiz at its own
    // pass mark (the server's rule).
    function passed(j) {
      if (!j.tried) { return false; }
      return mastery !== null ? j.mean / 100 >= mastery : j.allPassed;
    }
    function judged(o) {
      if (mastery !== null) { o.mastery = mastery; }
      return o;
    }

    return {
      start: function () {
        if (!endpoint || !fetchURL || !registration || !activityId || !actor) {
          return Promise.resolve({ live: false, suspended: "", note: "" });
        }
        return fetch(fetchURL, { method: "POST", cache: "no-store" }).then(function (r) {
          return r.json();
        }).then(function (j) {
          if (j && typeof j["auth-token"] === "string" && j["auth-token"]) {
            token = j["auth-token"];
            return request("GET", url("activities/state", stateParams("LMS.LaunchData")));
          }
          throw new Error(j && j["error-code"]
            ? "it refused to start the course, error " + j["error-code"] + (j["error-text"] ? ": " + j["error-text"] : "")
            : "it gave no authorisation");
        }).then(function (ld) {
          if (!ld || typeof ld.contextTemplate !== "object" || !ld.launchMode) {
            throw new Error("its launch data is missing");
          }
          launchData = ld;
          mode = ld.launchMode;
          var ms = ld.masteryScore;
          mastery = ms === undefined || ms === null || ms === "" || isNaN(Number(ms)) ? null : Number(ms);
          // cmi5 11.0: read at start-up. The course has nothing to apply
          // (one language, no audio), and no document is fine.
          return request("GET", url("agents/profile", { agent: JSON.stringify(actor), profileId: "cmi5LearnerPreferences" }), undefined, true);
        }).then(function () {
          return request("GET", url("activities/state", stateParams(STATE_ID)), undefined, true);
        }).then(function (doc) {
          var suspended = "";
          if (doc && typeof doc === "object") {
            if (doc.sent) { sent = { completed: !!doc.sent.completed, passed: !!doc.sent.passed }; }
            if (typeof doc.progress === "string") { suspended = doc.progress; }
          }
          live = true;
          initializedAt = Date.now();
          statement("initialized", { defined: true });
          var words = {
            Browse: "You are browsing this course: your learning system records that you opened it, not your progress.",
            Review: "You are reviewing this course: your learning system keeps the record you already have."
          };
          return { live: true, suspended: suspended, note: words[mode] || "" };
        }).catch(function (err) {
          return { live: false, suspended: "", note: "Your learning system could not be reached (" + err.message + "): you can take the course, but nothing is recorded." };
        });
      },
      save: function (text) {
        lastText = text;
        saveState(text);
      },
      // answered ("cmi5 allowed" statements): one per scenario choice and
      // quiz answer, about the choice point or the question, whose parent
      // is the AU.
      answered: function (x) {
        if (!live) { return; }
        var id = x.kind === "choice"
          ? course.iri + ":scenario:" + encodeURIComponent(x.scenario) + ":node:" + encodeURIComponent(x.node)
          : course.iri + ":quiz:" + (x.step + 1) + ":question:" + (x.question + 1);
        var def = { type: INTERACTION, name: {}, interactionType: "choice", choices: [] };
        def.name[LANG] = x.name;
        x.choices.forEach(function (c) {
          var d = {};
          d[LANG] = c.text;
          def.choices.push({ id: c.id, description: d });
        });
        var result = { response: x.response };
        if (x.correct) {
          def.correctResponsesPattern = [x.correct];
          result.success = x.result === "correct";
        }
        statement("answered", { parent: true, object: { objectType: "Activity", id: id, definition: def }, result: result });
      },
      status: function (st, j) {
        lastJudged = j;
        if (!live || terminated || mode !== "Normal") { return; }
        var change = false;
        var took = duration(Date.now() - initializedAt);
        if (!sent.completed && j.contentDone) {
          sent.completed = true;
          change = true;
          statement("completed", { defined: true, moveOn: true, result: { completion: true, duration: took } });
        }
        if (j.hasQuiz && !sent.passed && verdict === "" && passed(j)) {
          sent.passed = true;
          verdict = "passed";
          change = true;
          statement("passed", judged({ defined: true, moveOn: true, result: { score: score(j), success: true, duration: took } }));
        }
        if (change && lastText) { saveState(lastText); }
      },
      finish: function (text) {
        if (!live || terminated) { return Promise.resolve(); }
        var j = lastJudged;
        // failed once, at the end of a session whose quiz attempts did not
        // pass, as cmi5 allows one of passed or failed a session and an
        // attempt later in the session can still pass.
        if (mode === "Normal" && j && j.hasQuiz && j.tried && !sent.passed && verdict === "" && !passed(j)) {
          verdict = "failed";
          statement("failed", judged({ defined: true, moveOn: true, result: { score: score(j), success: false, duration: duration(Date.now() - initializedAt) } }));
        }
        saveState(text);
        statement("terminated", { defined: true, result: { duration: duration(Date.now() - initializedAt) } });
        terminated = true;
        return flush();
      },
      // With a returnURL in the launch data (cmi5 10.0) the learner can
      // end the session and go back to the LMS in this window.
      canExit: function () { return !!(live && launchData.returnURL); },
      exit: function (text) {
        var back = launchData.returnURL;
        return this.finish(text).then(function () { location.assign(back); });
      },
      mode: function () { return mode; },
      problems: function () { return problems; }
    };
  }

  var lms = course.lms === "cmi5" ? cmi5Adapter() : scorm12Adapter();
  var live = false;

  // ---- Progress, and its compact form in cmi.suspend_data (SCORM 1.2)
  // or the upstand.progress state document (cmi5) ----
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

  var progress = fresh();
  var changedVersion = false;

  function save() { lms.save(encode(progress), progress.at); }

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

  function status() {
    var left = todo();
    var st = "incomplete";
    if (left.length === 0) {
      st = hasQuiz ? "passed" : "completed";
    } else if (left.every(function (t) { return t.kind === "quiz" && t.tried; })) {
      st = "failed";
    }
    // The quizzes for the LMS: the mean of each one's best result in per
    // cent, whether any was taken, whether each passed at its own mark.
    var sum = 0, n = 0, tried = false;
    course.steps.forEach(function (s, i) {
      if (s.kind === "quiz") {
        n++;
        if (progress.d[i].b >= 0) { tried = true; sum += 100 * progress.d[i].b / s.correct.length; }
      }
    });
    var mean = n ? sum / n : 0;
    lms.status(st, {
      hasQuiz: hasQuiz,
      tried: tried,
      mean: mean,
      raw: Math.round(mean),
      allPassed: hasQuiz && left.every(function (t) { return t.kind !== "quiz"; }),
      contentDone: left.every(function (t) { return t.kind === "quiz"; })
    });
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
      }).then(function (b) { return WebAssembly.instantiate(b, go.importObject); })
        .then(function (r) { return r.instance; });
    };
    var inst;
    if (window.upstandEngineModule) {
      // boot.js started compiling the engine as the page was read.
      inst = window.upstandEngineModule.then(function (m) {
        return WebAssembly.instantiate(m, go.importObject);
      }, load);
    } else if (typeof WebAssembly.instantiateStreaming === "function") {
      inst = WebAssembly.instantiateStreaming(fetch("engine.wasm"), go.importObject)
        .then(function (r) { return r.instance; }, load);
    } else {
      inst = load();
    }
    inst.then(function (instance) { go.run(instance); }).catch(reject);
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
    lms.answered({
      kind: "choice", step: i, scenario: s.scenario, node: before.state.node,
      name: s.title.replace(/^Scenario: /, "") + ": " + before.state.node,
      choices: before.choices.map(function (c) { return { id: letter(c.id - 1), text: c.text }; }),
      response: letter(id - 1), result: "neutral"
    });
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
    if (!begun) { return; }
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
      var fs = form.querySelector('[data-question="' + q + '"]');
      lms.answered({
        kind: "quiz", step: i, question: q, name: fs.querySelector("legend").textContent.trim(),
        choices: Array.prototype.map.call(fs.querySelectorAll(".option label"), function (l, j) { return { id: letter(j), text: l.textContent.trim() }; }),
        response: letter(a), result: ok ? "correct" : "wrong", correct: letter(s.correct[q])
      });
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
    if (!begun) { return; }
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
    if (!begun) { return; }
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
    f.addEventListener("submit", function (e) { e.preventDefault(); grade(i, f); });
  });
  document.querySelectorAll("form[data-confidence]").forEach(function (f) {
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

  // ---- Starting and ending the session ----

  var begun = false;
  var note = document.getElementById("lms-status");
  for (var k = 1; k <= last; k++) { section(k).hidden = true; }
  note.textContent = "Connecting to your learning system…";

  function finish() {
    if (begun) { lms.finish(encode(progress)); }
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);

  // For the tests and the curious: the engine, the progress, the adapter.
  window.upstandRuntime = {
    engineReady: engineReady,
    live: false,
    progress: function () { return JSON.parse(encode(progress)); },
    finish: finish,
    lms: lms,
    ready: false
  };

  lms.start().then(function (r) {
    live = r.live;
    if (r.suspended) {
      var p = decode(r.suspended);
      changedVersion = !p;
      if (p) { progress = p; }
    }
    document.querySelectorAll("form[data-quiz]").forEach(function (f) {
      restoreQuiz(Number(f.getAttribute("data-quiz")) - 1, f);
    });
    document.querySelectorAll("form[data-confidence]").forEach(restoreConfidence);
    note.textContent = (changedVersion ? "This course has changed since you last opened it, so it starts again here. " : "") +
      (r.note || (live
        ? "Your progress is saved in your learning system."
        : "No learning system was found: you can take the course, but nothing is recorded."));
    var exit = document.querySelector("[data-exit]");
    if (exit && lms.canExit()) {
      exit.closest("[hidden]").hidden = false;
      exit.addEventListener("click", function () {
        exit.disabled = true;
        lms.exit(encode(progress));
      });
    }
    begun = true;
    window.upstandRuntime.live = live;
    show(progress.at, false);
    return engineReady;
  }).then(function () { window.upstandRuntime.ready = true; }, engineFailed);
})();
