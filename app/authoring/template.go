package authoring

import (
	"strconv"
	"strings"
)

// The templates a new scenario or module starts from: the smallest content
// that passes every rule, with comments saying what to change. Titles are
// quoted as YAML double-quoted strings.

func scenarioTemplate(id, title string) string {
	return `# A branching scenario: see "Writing a scenario" in the studio's guide.
id: ` + id + `
title: ` + quote(title) + `
summary: "One or two sentences on the situation the learner will practise."
audience: [line-manager]
minutes: 10
# content_warning: "Name anything distressing the scenario touches on."
competencies:
  listening: "Listening without judgement"
# variables:                  # named state the choices can set and test
#   promised_secrecy: false
# disqualifying: [promised_secrecy]   # no positive ending while one of these holds
start: opening
nodes:
  opening:
    speaker: "A colleague"
    text: |
      Describe the moment: who is there, what has just been said.
    choices:
      - text: "Something the learner could say or do."
        goto: good-ending
        feedback: "Why this helps, or what it risks."
        score: {listening: 1}
      - text: "Another option, less helpful."
        goto: mixed-ending
        feedback: "What this misses."
  good-ending:
    ending: positive
    text: |
      The debrief: what went well and why.
  mixed-ending:
    ending: mixed
    text: |
      The debrief: what happened, and what would have helped more.
`
}

func moduleTemplate(id, title string) map[string]string {
	return map[string]string{
		"module.yaml": `# A course: see "Writing a course" in the studio's guide.
id: ` + id + `
title: ` + quote(title) + `
summary: "What the course covers and who it is for, in one or two sentences."
audience: [line-manager]
minutes: 20
outcomes:
  - "What a learner will be able to do after the course"
confidence:
  - "I feel able to do what this course teaches"
steps:
  - lesson: 01-introduction.md
  - reflection: "What will you do differently after this course?"
completion:
  scenarios: finished
`,
		"01-introduction.md": `---
title: "Introduction"
---

Write the lesson here, in Markdown.
`,
	}
}

// quote writes s as a YAML double-quoted scalar (JSON's quoting is valid
// YAML); line breaks become spaces.
func quote(s string) string {
	return strconv.Quote(strings.Join(strings.Fields(s), " "))
}
