package lms

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/upstand/upstand/app/content"
)

// VersionExtension is the xAPI extension (a context extension in every
// statement the cmi5 runtime sends) whose value is the module version the
// learner took.
const VersionExtension = "urn:upstand:extensions:module-version"

// CourseIRI is the cmi5 course id of m: derived from the module id, with
// the owning organisation's id for an organisation's own module (module
// ids are unique only within one organisation's content).
func CourseIRI(m *content.Module) string {
	if m.Owner != "" {
		return "urn:upstand:org:" + m.Owner + ":course:" + m.ID
	}
	return "urn:upstand:course:" + m.ID
}

// AUIRI is the id of m's one assignable unit: the publisher id an LMS
// puts in every statement's context (contextActivities.grouping). It
// stays the same across versions of the module, so an LMS that takes a
// new export over the old one keeps its learners' records; the version is
// in the AU's extension element and in every statement.
func AUIRI(m *content.Module) string { return CourseIRI(m) + ":au" }

// MoveOn is the cmi5 moveOn criterion matching the module's completion
// rule, as the SCORM 1.2 package's lesson_status does: a module with a quiz
// is done when everything else is done ("completed") and the quiz is
// passed ("passed"), one without when everything is done.
func MoveOn(m *content.Module) string {
	if len(quizzes(m)) > 0 {
		return "CompletedAndPassed"
	}
	return "Completed"
}

// MasteryScore is the cmi5 masteryScore of m: the pass mark of its one
// quiz as a scaled score. A module with several quizzes has none: each
// quiz has its own pass mark, which one score cannot say.
func MasteryScore(m *content.Module) (string, bool) {
	qs := quizzes(m)
	if len(qs) != 1 {
		return "", false
	}
	return strconv.FormatFloat(float64(qs[0].PassPercent)/100, 'f', -1, 64), true
}

func quizzes(m *content.Module) []*content.Quiz {
	var out []*content.Quiz
	for _, st := range m.Steps {
		if st.Kind == content.QuizStep {
			out = append(out, st.Quiz)
		}
	}
	return out
}

// The course structure (cmi5 section 13): one course, one AU launched by
// index.html. launchMethod AnyWindow: the page works in a frame of the
// LMS's player as well as in a window of its own ("Leave this site" opens
// the neutral page in the top window either way), so the LMS may keep its
// own navigation around the course. The upstand:module element (the
// schema allows elements of other namespaces at the end of an AU) records
// the module and version.
var courseTmpl = template.Must(template.New("cmi5.xml").Funcs(template.FuncMap{"x": xmlText}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
    xmlns:upstand="urn:upstand:cmi5">
  <course id="{{x .Course}}">
    <title><langstring lang="en-GB">{{x .Module.Title}}</langstring></title>
    <description><langstring lang="en-GB">{{x .Module.Summary}}</langstring></description>
  </course>
  <au id="{{x .AU}}" moveOn="{{.MoveOn}}"{{if .Mastery}} masteryScore="{{.Mastery}}"{{end}} launchMethod="AnyWindow">
    <title><langstring lang="en-GB">{{x .Module.Title}}</langstring></title>
    <description><langstring lang="en-GB">{{x .Module.Summary}}</langstring></description>
    <url>index.html</url>
    <upstand:module id="{{x .Module.ID}}" version="{{x .Module.Version}}" exported="{{x .Created}}"/>
  </au>
</courseStructure>
`))

func courseStructure(m *content.Module, created time.Time) []byte {
	mastery, _ := MasteryScore(m)
	var b bytes.Buffer
	if err := courseTmpl.Execute(&b, map[string]any{
		"Module":  m,
		"Course":  CourseIRI(m),
		"AU":      AUIRI(m),
		"MoveOn":  MoveOn(m),
		"Mastery": mastery,
		"Created": created.UTC().Format(time.RFC3339),
	}); err != nil {
		panic(fmt.Sprintf("lms: cmi5.xml template: %v", err))
	}
	return b.Bytes()
}

// xmlText is s escaped for XML text and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
