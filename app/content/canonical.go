package content

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// The canonical form of a scenario or module is JSON with fixed field order,
// mappings as JSON objects (sorted keys), text as cleaned up at load and
// expressions in their canonical spelling. YAML formatting and key order
// therefore leave it unchanged, while anything a learner sees or that
// affects play changes it. Optional fields are omitted when empty, so that
// fields added to the format later leave existing versions alone.
//
// A scenario's canonical JSON uses the field names of the file format, so it
// is itself a valid scenario file (JSON is YAML): ParseScenario on it gives
// back the same scenario and version.

type canonScenario struct {
	ID             string               `json:"id"`
	Title          string               `json:"title"`
	Summary        string               `json:"summary"`
	Audience       []string             `json:"audience,omitempty"`
	Minutes        int                  `json:"minutes,omitempty"`
	ContentWarning string               `json:"content_warning,omitempty"`
	Competencies   map[string]string    `json:"competencies,omitempty"`
	Variables      map[string]any       `json:"variables,omitempty"`
	Disqualifying  []string             `json:"disqualifying,omitempty"`
	Start          string               `json:"start"`
	Nodes          map[string]canonNode `json:"nodes"`
}

// Text and Goto keep the simple forms whenever they say the same: text as
// one Markdown string when it is one part without `if` (so `text: [x]` is
// `text: x`), a goto as a node id unless it is routed. Files that use
// neither new form therefore keep the canonical JSON, and the version,
// they had before the forms existed.
type canonNode struct {
	Speaker string        `json:"speaker,omitempty"`
	Text    any           `json:"text"` // string, or []any of string and canonPart
	Ending  Outcome       `json:"ending,omitempty"`
	Choices []canonChoice `json:"choices,omitempty"`
}

type canonPart struct {
	If   string `json:"if"`
	Text string `json:"text"`
}

type canonChoice struct {
	Text     string            `json:"text"`
	Goto     any               `json:"goto"` // string, or []canonRoute
	Feedback string            `json:"feedback,omitempty"`
	Score    map[string]int    `json:"score,omitempty"`
	Set      map[string]string `json:"set,omitempty"`
	If       string            `json:"if,omitempty"`
}

type canonRoute struct {
	If   string `json:"if,omitempty"`
	Node string `json:"node"`
}

// canonText is a node's text in canonical form.
func canonText(n *Node) any {
	if len(n.Parts) == 1 && n.Parts[0].If == nil {
		return n.Parts[0].Text
	}
	out := make([]any, len(n.Parts))
	for i, p := range n.Parts {
		if p.If == nil {
			out[i] = p.Text
		} else {
			out[i] = canonPart{If: p.If.canon, Text: p.Text}
		}
	}
	return out
}

// canonGoto is a choice's goto in canonical form.
func canonGoto(c *Choice) any {
	if len(c.Routes) == 0 {
		return c.Goto
	}
	out := make([]canonRoute, len(c.Routes))
	for i, r := range c.Routes {
		out[i] = canonRoute{Node: r.Node}
		if r.If != nil {
			out[i].If = r.If.canon
		}
	}
	return out
}

func canonicalScenario(s *Scenario) ([]byte, string) {
	c := canonScenario{
		ID: s.ID, Title: s.Title, Summary: s.Summary, Audience: s.Audience,
		Minutes: s.Minutes, ContentWarning: s.ContentWarning, Start: s.Start,
		Disqualifying: s.Disqualifying,
		Nodes:         make(map[string]canonNode, len(s.Nodes)),
	}
	if len(s.Competencies) > 0 {
		c.Competencies = make(map[string]string, len(s.Competencies))
		for _, k := range s.Competencies {
			c.Competencies[k.Key] = k.Label
		}
	}
	if len(s.Variables) > 0 {
		c.Variables = make(map[string]any, len(s.Variables))
		for _, v := range s.Variables {
			c.Variables[v.Name] = v.Initial
		}
	}
	for id, n := range s.Nodes {
		cn := canonNode{Speaker: n.Speaker, Text: canonText(n), Ending: n.Ending}
		for _, ch := range n.Choices {
			cc := canonChoice{Text: ch.Text, Goto: canonGoto(ch), Feedback: ch.Feedback, Score: ch.Score}
			if len(ch.Set) > 0 {
				cc.Set = make(map[string]string, len(ch.Set))
				for _, a := range ch.Set {
					cc.Set[a.Var] = a.canon
				}
			}
			if ch.If != nil {
				cc.If = ch.If.canon
			}
			cn.Choices = append(cn.Choices, cc)
		}
		c.Nodes[id] = cn
	}
	return seal(c)
}

type canonModule struct {
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	Summary         string      `json:"summary"`
	Audience        []string    `json:"audience,omitempty"`
	Minutes         int         `json:"minutes,omitempty"`
	RefresherMonths int         `json:"refresher_months,omitempty"`
	ContentWarning  string      `json:"content_warning,omitempty"`
	Outcomes        []string    `json:"outcomes,omitempty"`
	Confidence      []string    `json:"confidence,omitempty"`
	Steps           []canonStep `json:"steps"`
	Completion      Completion  `json:"completion"`
}

// canonStep holds exactly one of its fields. Lessons are inlined (their
// file name is the step's identity); scenarios are referenced by id and
// version, as each scenario version is kept as its own record.
type canonStep struct {
	Lesson     *canonLesson  `json:"lesson,omitempty"`
	Scenario   *canonScenRef `json:"scenario,omitempty"`
	Quiz       *canonQuiz    `json:"quiz,omitempty"`
	Reflection string        `json:"reflection,omitempty"`
}

type canonLesson struct {
	File    string `json:"file"`
	Title   string `json:"title"`
	Minutes int    `json:"minutes,omitempty"`
	Text    string `json:"text"`
}

type canonScenRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

type canonQuiz struct {
	PassPercent int             `json:"pass_percent"`
	Questions   []canonQuestion `json:"questions"`
}

type canonQuestion struct {
	Prompt  string        `json:"prompt"`
	Options []canonOption `json:"options"`
}

type canonOption struct {
	Text     string `json:"text"`
	Correct  bool   `json:"correct,omitempty"`
	Feedback string `json:"feedback,omitempty"`
}

func canonicalModule(m *Module) ([]byte, string) {
	c := canonModule{
		ID: m.ID, Title: m.Title, Summary: m.Summary, Audience: m.Audience,
		Minutes: m.Minutes, RefresherMonths: m.RefresherMonths, ContentWarning: m.ContentWarning,
		Outcomes: m.Outcomes, Confidence: m.Confidence, Completion: m.Completion,
	}
	for _, st := range m.Steps {
		var cs canonStep
		switch st.Kind {
		case LessonStep:
			l := st.Lesson
			cs.Lesson = &canonLesson{File: l.File, Title: l.Title, Minutes: l.Minutes, Text: l.Markdown}
		case ScenarioStep:
			cs.Scenario = &canonScenRef{ID: st.Scenario.ID, Version: st.Scenario.Version}
		case QuizStep:
			q := &canonQuiz{PassPercent: st.Quiz.PassPercent}
			for _, qu := range st.Quiz.Questions {
				cq := canonQuestion{Prompt: qu.Prompt}
				for _, o := range qu.Options {
					cq.Options = append(cq.Options, canonOption{Text: o.Text, Correct: o.Correct, Feedback: o.Feedback})
				}
				q.Questions = append(q.Questions, cq)
			}
			cs.Quiz = q
		case ReflectionStep:
			cs.Reflection = st.Reflection
		}
		c.Steps = append(c.Steps, cs)
	}
	return seal(c)
}

// seal marshals a canonical value and hashes it. The version is the first
// 16 hex digits of SHA-256: 64 bits, ample to tell apart the versions of
// one scenario or module.
func seal(v any) ([]byte, string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// The canonical types hold only strings, ints, bools, slices and maps
	// with string keys, which always marshal.
	if err := enc.Encode(v); err != nil {
		panic("content: canonical form does not marshal: " + err.Error())
	}
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	sum := sha256.Sum256(out)
	return out, hex.EncodeToString(sum[:])[:16]
}
