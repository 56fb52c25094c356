// Package content loads the training content — modules (courses) and
// branching scenarios — from a file tree into an immutable, fully validated
// Catalogue.
//
// The file format is the contract in shared/spec/content-format.md; the
// choices this package makes where the contract is silent are written down in
// docs/content.md. Every rule of the contract (S1–S12 for scenarios, M1–M7
// for modules) is its own check, and a file reports all of its problems at
// once, each in the one-line form
//
//	path:line:col: node "x", choice N: S4 message
//
// Text is Markdown rendered by goldmark with raw HTML refused, so the HTML
// fields are safe to put into a page as they are. Expressions (`if`, `set`)
// are compiled and type-checked here with expr-lang/expr against the declared
// variables; nothing else ever evaluates author text.
//
// The rules of play are here too, once: State with Offers and Apply (what is
// on offer and what a choice does, following a routed goto by the
// variables), Shows and Text (which parts of a node's text the learner
// reads) and Scenario.Walk over every state a learner can reach. The checker plays each scenario through with them
// before accepting it, and package scenario plays learners' attempts with
// them.
//
// ParseDraft reads a scenario that is still being written as far as it
// goes, for the editor's graph view, and Scenario.GraphProblems gives the
// sets the graph rules (S4, S5, S7) report, as data, computed by the same
// code the checker uses.
//
// Each scenario and module carries a Version: a hash of its canonical JSON,
// which is also kept (Canonical) so that records can later show exactly what
// a learner saw.
//
// Everything reachable from a Catalogue is shared between requests and must
// be treated as read-only.
package content
