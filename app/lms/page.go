package lms

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/upstand/upstand/app/learning"

	"github.com/upstand/upstand/app/content"
)

var pageTmpl = template.Must(template.New("index.html.tmpl").Funcs(template.FuncMap{
	"inc":   func(i int) int { return i + 1 },
	"scale": func() []string { return learning.Scale },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	// tel is a phone number as a tel: link wants it: digits and +.
	"tel": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '+' || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, s)
	},
}).ParseFS(runtime, "runtime/index.html.tmpl"))

// course is what the runtime (runtime/upstand.js) reads from the page: the
// module's identity and completion rule and, per step, what it needs to
// play and record it. Lessons, texts and feedback are in the HTML.
type course struct {
	LMS        string       `json:"lms"` // the standard the runtime speaks: scorm12 or cmi5
	Module     string       `json:"module"`
	Version    string       `json:"version"`
	Title      string       `json:"title"`
	Owner      string       `json:"owner,omitempty"` // for an organisation's own module: part of its scenarios' versions
	Completion string       `json:"completion"`      // "finished" or "positive"
	Confidence int          `json:"confidence"`      // statements per check
	Steps      []courseStep `json:"steps"`
	// For cmi5: the AU's publisher id, where the ids of the activities
	// in answered statements start, and the extension naming the version.
	IRI              string `json:"iri,omitempty"`
	VersionExtension string `json:"versionExtension,omitempty"`
}

type courseStep struct {
	Kind     content.StepKind `json:"kind"`
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Scenario string           `json:"scenario,omitempty"`
	Version  string           `json:"version,omitempty"` // the scenario's
	File     string           `json:"file,omitempty"`    // the scenario's canonical JSON
	Pass     int              `json:"pass,omitempty"`    // a quiz's pass mark, per cent
	Correct  []int            `json:"correct,omitempty"` // a quiz's right option per question, from 0
	Options  []int            `json:"options,omitempty"` // a quiz's option count per question
}

// stepTitle is the step's name in the course's list of steps.
func stepTitle(st *content.Step, quizzes, reflections int) string {
	switch st.Kind {
	case content.LessonStep:
		return st.Lesson.Title
	case content.ScenarioStep:
		return "Scenario: " + st.Scenario.Title
	case content.QuizStep:
		if quizzes > 1 {
			return fmt.Sprintf("Quiz %d", quizzes)
		}
		return "Quiz"
	default:
		if reflections > 1 {
			return fmt.Sprintf("Reflection %d", reflections)
		}
		return "Reflection"
	}
}

func renderPage(m *content.Module, opt Options, standard string) ([]byte, error) {
	c := course{
		LMS: standard, Module: m.ID, Version: m.Version, Title: m.Title, Owner: m.Owner,
		Completion: m.Completion.Scenarios, Confidence: len(m.Confidence),
	}
	if standard == cmi5 {
		c.IRI, c.VersionExtension = AUIRI(m), VersionExtension
	}
	if c.Completion == "" {
		c.Completion = "finished"
	}
	type pageStep struct {
		*content.Step
		N     int
		Title string
	}
	var steps []pageStep
	quizzes, reflections := 0, 0
	for i, st := range m.Steps {
		switch st.Kind {
		case content.QuizStep:
			quizzes++
		case content.ReflectionStep:
			reflections++
		}
		cs := courseStep{Kind: st.Kind, ID: st.ID, Title: stepTitle(st, quizzes, reflections)}
		switch st.Kind {
		case content.ScenarioStep:
			cs.Scenario, cs.Version, cs.File = st.Scenario.ID, st.Scenario.Version, scenarioFile(st.Scenario)
		case content.QuizStep:
			cs.Pass = st.Quiz.PassPercent
			for _, q := range st.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						cs.Correct = append(cs.Correct, j)
					}
				}
				cs.Options = append(cs.Options, len(q.Options))
			}
		}
		c.Steps = append(c.Steps, cs)
		steps = append(steps, pageStep{Step: st, N: i + 1, Title: cs.Title})
	}
	var b bytes.Buffer
	err := pageTmpl.Execute(&b, map[string]any{
		"Module":    m,
		"Course":    c,
		"Steps":     steps,
		"QuickExit": opt.QuickExitURL,
		"Support":   opt.Support,
	})
	if err != nil {
		return nil, fmt.Errorf("lms: render page: %w", err)
	}
	return b.Bytes(), nil
}
