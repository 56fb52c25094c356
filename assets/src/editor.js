/*! Upstand scenario editor. Bundles CodeMirror 6, Lezer, style-mod, crelt
    and w3c-keyname (MIT licence, (c) Marijn Haverbeke and others); versions
    in package-lock.json. */

// The scenario editor page works as a plain form: a <textarea id="source">
// posted by a save button, the server answering with its error list in
// #problems. This script, bundled into assets/js/editor.min.js (go tool task
// assets:editor), enhances it when present: CodeMirror replaces the textarea
// (which stays in the form, kept in sync, so saving still posts it), the
// source is checked as the trainer types, and #line-N / #node-ID links move
// the editor's cursor. The DOM it reads is described in docs/learning.md,
// "The scenario editor's script".

import { minimalSetup } from "codemirror";
import { ChangeSet, EditorState, StateEffect } from "@codemirror/state";
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { bracketMatching, indentOnInput } from "@codemirror/language";
import { searchKeymap } from "@codemirror/search";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { yaml } from "@codemirror/lang-yaml";

// The CSP allows <style> elements only with the page's nonce, which the
// server puts on this script's tag. CodeMirror writes its styles into one
// such element. Read it now: document.currentScript is only set while the
// script's top level runs.
const nonce = (document.currentScript && document.currentScript.nonce) || "";

const checkDelay = 400; // ms after the last change before the source is checked

const defaultWords = {
  none: "No problems found: ready to publish",
  one: "1 problem",
  other: "{n} problems",
  failed: "The live check is not available just now: save to check the scenario.",
};

function start() {
  const textarea = document.getElementById("source");
  if (!(textarea instanceof HTMLTextAreaElement)) {
    return;
  }
  const view = mount(textarea);
  if (!view) {
    return;
  }
  const problems = problemList(document.getElementById("problems"));
  const nodeLines = parseNodeLines(textarea.getAttribute("data-node-lines"));

  function goTo(hash, column) {
    const target = positionOf(hash, nodeLines, column);
    if (!target) {
      return false;
    }
    const doc = view.state.doc;
    const line = doc.line(Math.min(Math.max(target.line, 1), doc.lines));
    const pos = line.from + Math.min(Math.max(target.col - 1, 0), line.length);
    view.dispatch({
      selection: { anchor: pos },
      effects: EditorView.scrollIntoView(pos, { y: "center" }),
    });
    view.focus();
    return true;
  }

  // Links to #line-N or #node-ID anywhere on the page (the error list, the
  // graph) move the cursor instead of scrolling to an anchor. Enter is
  // handled on keydown, not through the click it would fire: cancelling the
  // keydown keeps its keypress from typing a newline into the editor that
  // has just been focused.
  function follow(event) {
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    const link = event.target instanceof Element ? event.target.closest("a[href^='#']") : null;
    if (link && goTo(link.getAttribute("href"), link.getAttribute("data-column"))) {
      event.preventDefault();
    }
  }
  document.addEventListener("click", (event) => {
    if (event.button === 0) {
      follow(event);
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      follow(event);
    }
  });
  window.addEventListener("hashchange", () => goTo(location.hash));
  goTo(location.hash);

  const url = textarea.getAttribute("data-check-url");
  if (url) {
    liveCheck(view, textarea, url, problems);
  }
}

// mount puts a CodeMirror editor where the textarea was and hides the
// textarea, which stays in its form with the editor's text. It gives the
// textarea back and returns null if the page's CSP refused CodeMirror's
// styles (no nonce on the script tag): an unstyled editor is unusable.
function mount(textarea) {
  const label = textarea.id ? document.querySelector(`label[for="${CSS.escape(textarea.id)}"]`) : null;
  const attrs = {};
  if (label) {
    label.id = label.id || `${textarea.id}-label`;
    attrs["aria-labelledby"] = label.id;
  } else if (textarea.getAttribute("aria-label")) {
    attrs["aria-label"] = textarea.getAttribute("aria-label");
  }
  for (const name of ["aria-labelledby", "aria-describedby"]) {
    const value = textarea.getAttribute(name);
    if (value) {
      attrs[name] = value;
    }
  }
  if (textarea.required) {
    attrs["aria-required"] = "true";
  }

  const extensions = [
    minimalSetup,
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightActiveLine(),
    bracketMatching(),
    indentOnInput(),
    yaml(),
    lintGutter(),
    // No indentWithTab: Tab and Shift-Tab keep moving focus in and out of
    // the editor, as they do for the textarea.
    keymap.of([...searchKeymap, ...lintKeymap]),
    EditorView.lineWrapping,
    EditorView.contentAttributes.of(attrs),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) {
        textarea.value = update.state.doc.toString();
      }
    }),
    theme,
  ];
  if (nonce) {
    extensions.push(EditorView.cspNonce.of(nonce));
  }
  if (textarea.readOnly) {
    extensions.push(EditorState.readOnly.of(true));
  }

  const view = new EditorView({
    doc: textarea.value,
    extensions,
  });
  textarea.insertAdjacentElement("afterend", view.dom);
  if (getComputedStyle(view.dom).display !== "flex") {
    view.destroy();
    return null;
  }
  textarea.hidden = true;
  // The browser would refuse to submit a required field it cannot focus;
  // the server checks for an empty source anyway.
  textarea.required = false;
  if (label) {
    label.addEventListener("click", (event) => {
      event.preventDefault();
      view.focus();
    });
  }
  // A reset button would empty the hidden textarea but not the editor.
  if (textarea.form) {
    textarea.form.addEventListener("reset", () => {
      setTimeout(() => {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
      });
    });
  }
  return view;
}

// The site's focus ring (assets/css/app.css, :focus-visible): a 3px
// near-black outline and a yellow halo, on the whole editor rather than
// the content element, so it surrounds the gutter too.
const theme = EditorView.theme({
  "&": {
    border: "1px solid var(--line, #8a8a96)",
    borderRadius: "var(--radius, 6px)",
    backgroundColor: "var(--paper, #fff)",
    minHeight: "20rem",
    maxHeight: "75vh",
  },
  "&.cm-focused": {
    outline: "3px solid var(--ink, #1b1b1f)",
    outlineOffset: "2px",
    boxShadow: "0 0 0 6px var(--focus, #ffbf47)",
  },
  ".cm-content:focus-visible": {
    outline: "none",
    boxShadow: "none",
  },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    fontSize: "0.95rem",
    lineHeight: "1.5",
  },
  ".cm-gutters": {
    backgroundColor: "var(--wash, #f3f4f7)",
    color: "var(--muted, #4a4a55)",
    borderRight: "1px solid var(--line, #8a8a96)",
  },
});

// positionOf reads "#line-12" (with column, a link's data-column, or 1)
// or "#node-opening" (its line from data-node-lines) into a 1-based
// {line, col}; anything else gives null.
function positionOf(hash, nodeLines, column) {
  if (!hash) {
    return null;
  }
  const m = /^#line-(\d+)$/.exec(hash);
  if (m) {
    return { line: Number(m[1]), col: Number(column) || 1 };
  }
  if (hash.startsWith("#node-")) {
    let id;
    try {
      id = decodeURIComponent(hash.slice("#node-".length));
    } catch {
      return null;
    }
    const line = Object.prototype.hasOwnProperty.call(nodeLines, id) ? Number(nodeLines[id]) : NaN;
    return line > 0 ? { line, col: 1 } : null;
  }
  return null;
}

function parseNodeLines(json) {
  if (!json) {
    return {};
  }
  try {
    const v = JSON.parse(json);
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

// liveCheck posts the source to url 400 ms after the last change and shows
// the answer in the problem list and as lint diagnostics. Only the answer
// to the latest request is shown; an earlier one still in flight is
// abandoned.
function liveCheck(view, textarea, url, problems) {
  const tokenInput = textarea.form ? textarea.form.querySelector("input[name='_csrf']") : null;
  let timer = 0;
  let latest = 0;
  let inFlight = null; // {seq, controller, doc, changes since doc}

  const track = EditorView.updateListener.of((update) => {
    if (!update.docChanged) {
      return;
    }
    if (inFlight) {
      inFlight.changes = inFlight.changes.compose(update.changes);
    }
    clearTimeout(timer);
    timer = setTimeout(check, checkDelay);
  });
  view.dispatch({ effects: StateEffect.appendConfig.of(track) });

  async function check() {
    if (inFlight) {
      inFlight.controller.abort();
    }
    const doc = view.state.doc;
    const req = { seq: ++latest, controller: new AbortController(), doc, changes: ChangeSet.empty(doc.length) };
    inFlight = req;
    const body = new URLSearchParams();
    body.set("source", doc.toString());
    body.set("_csrf", tokenInput ? tokenInput.value : "");
    let errors;
    try {
      const resp = await fetch(url, {
        method: "POST",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
        },
        body,
        credentials: "same-origin",
        signal: req.controller.signal,
      });
      if (!resp.ok) {
        throw new Error(`check answered ${resp.status}`);
      }
      const data = await resp.json();
      errors = Array.isArray(data && data.errors) ? data.errors : [];
    } catch (err) {
      if (req.seq === latest && err.name !== "AbortError") {
        inFlight = null;
        problems.failed();
      }
      return;
    }
    if (req.seq !== latest) {
      return;
    }
    inFlight = null;
    problems.show(errors);
    view.dispatch(setDiagnostics(view.state, diagnostics(errors, req.doc, req.changes)));
  }
}

// diagnostics places each error at its line and column in doc, the text
// that was checked, then maps it through the changes made since.
function diagnostics(errors, doc, changes) {
  const out = [];
  for (const e of errors) {
    let from = 0;
    let to = 0;
    if (e.line >= 1) {
      const line = doc.line(Math.min(e.line, doc.lines));
      from = line.from + Math.min(Math.max((e.col || 1) - 1, 0), line.length);
      to = line.to;
    }
    out.push({
      from: changes.mapPos(from, 1),
      to: Math.max(changes.mapPos(to, -1), changes.mapPos(from, 1)),
      severity: "error",
      source: e.rule || undefined,
      message: [e.where, e.message].filter(Boolean).join(": ") || e.text || "",
    });
  }
  return out;
}

// problemList drives the server-rendered #problems: its <ol> gets one
// link per error, and one sentence, the only live region inside it, says
// how many. The server may word that sentence with data-count-none,
// data-count-one, data-count-other ("{n}" is the number) and
// data-check-failed on #problems.
function problemList(root) {
  if (!root) {
    return { show() {}, failed() {} };
  }
  const words = {
    none: root.getAttribute("data-count-none") || defaultWords.none,
    one: root.getAttribute("data-count-one") || defaultWords.one,
    other: root.getAttribute("data-count-other") || defaultWords.other,
    failed: root.getAttribute("data-check-failed") || defaultWords.failed,
  };
  // Only the count is announced: a live region on the whole list would read
  // out every item after every pause in typing.
  let count = root.querySelector("[data-problems-count]");
  if (!count) {
    count = document.createElement("p");
    count.setAttribute("data-problems-count", "");
    const list = root.querySelector("ol");
    root.insertBefore(count, list || null);
  }
  if (root !== count && root.hasAttribute("aria-live")) {
    root.removeAttribute("aria-live");
    root.removeAttribute("role");
    root.removeAttribute("aria-atomic");
  }
  count.setAttribute("role", "status");
  count.setAttribute("aria-live", "polite");
  const plural = new Intl.PluralRules(document.documentElement.lang || "en");

  function say(text) {
    if (count.textContent !== text) {
      count.textContent = text;
    }
  }

  return {
    show(errors) {
      let list = root.querySelector("ol");
      if (!list) {
        list = document.createElement("ol");
        root.appendChild(list);
      }
      list.replaceChildren(
        ...errors.map((e) => {
          const li = document.createElement("li");
          const where = e.line >= 1 ? `line ${e.line}${e.col >= 1 ? `, column ${e.col}` : ""}: ` : "";
          const text = where + (e.text || e.message || "");
          if (e.line >= 1) {
            const a = document.createElement("a");
            a.href = `#line-${e.line}`;
            if (e.col >= 1) {
              a.setAttribute("data-column", String(e.col));
            }
            a.textContent = text;
            li.appendChild(a);
          } else {
            li.textContent = text;
          }
          return li;
        }),
      );
      list.hidden = errors.length === 0;
      const n = errors.length;
      const form = n === 0 ? words.none : plural.select(n) === "one" ? words.one : words.other;
      say(form.split("{n}").join(String(n)));
    },
    failed() {
      say(words.failed);
    },
  };
}

// Last, so that every const above is set when start runs.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
