// Package xapi turns Upstand's learning records into xAPI 1.0.3
// statements (docs/coverage.md, "Exports"): the statement shapes, the
// verbs and activity IRIs, and the query parameters of the LRS-style
// GET /xapi/statements with its signed paging links. It is pure: the
// records come from the store (store.Activity), the requests from app/web,
// and nothing here reads or writes anything.
//
// Each record gives one statement, whose id is a UUID (version 5) of the
// record, so the same record always gives the same statement:
//
//   - a course attempt begun (the first of its chain): initialized, the
//     course;
//   - a choice at a scenario node: answered, the node as a "choice"
//     interaction whose choices are the node's options — which option was
//     chosen is the learner's own and is not said;
//   - a scenario reaching an ending: completed, the scenario (not which
//     ending);
//   - a quiz submitted: passed or failed, the quiz, with its score;
//   - a course completed: completed, the course, with the score of its
//     quizzes when it has any.
//
// The actor is an account on the server's home page named by the
// person's id (never an email or name), and context.registration is the
// course attempt the record belongs to (the first of its chain).
package xapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Version is the xAPI version served, sent in X-Experience-API-Version.
const Version = "1.0.3"

// statementSpace is the namespace of the statements' UUIDs: a statement's
// id is the SHA-1 UUID of its record's kind, id and number in it.
var statementSpace = uuid.MustParse("211737e9-88f5-463b-9a90-a4fa57412837")

// The verbs, from the ADL vocabulary.
const (
	VerbInitialized = "http://adlnet.gov/expapi/verbs/initialized"
	VerbAnswered    = "http://adlnet.gov/expapi/verbs/answered"
	VerbCompleted   = "http://adlnet.gov/expapi/verbs/completed"
	VerbPassed      = "http://adlnet.gov/expapi/verbs/passed"
	VerbFailed      = "http://adlnet.gov/expapi/verbs/failed"
)

// The activity types, from the ADL vocabulary.
const (
	TypeCourse      = "http://adlnet.gov/expapi/activities/course"
	TypeAssessment  = "http://adlnet.gov/expapi/activities/assessment"
	TypeSimulation  = "http://adlnet.gov/expapi/activities/simulation"
	TypeInteraction = "http://adlnet.gov/expapi/activities/cmi.interaction"
)

// lang is the language of the content's titles and texts.
const lang = "en-GB"

// Statement is an xAPI statement as the endpoint returns it.
type Statement struct {
	ID        string    `json:"id"`
	Actor     Agent     `json:"actor"`
	Verb      Verb      `json:"verb"`
	Object    Activity  `json:"object"`
	Result    *Result   `json:"result,omitempty"`
	Context   *Context  `json:"context,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	Stored    time.Time `json:"stored"`
	Version   string    `json:"version"`
}

// Agent is the learner, as an account on the server's home page.
type Agent struct {
	ObjectType string  `json:"objectType"`
	Account    Account `json:"account"`
}

// Account identifies someone on a system by an opaque name.
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Verb is what the learner did.
type Verb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display,omitempty"`
}

// Activity is what they did it to.
type Activity struct {
	ObjectType string      `json:"objectType"`
	ID         string      `json:"id"`
	Definition *Definition `json:"definition,omitempty"`
}

// Definition describes an activity.
type Definition struct {
	Type            string            `json:"type,omitempty"`
	Name            map[string]string `json:"name,omitempty"`
	InteractionType string            `json:"interactionType,omitempty"`
	Choices         []Component       `json:"choices,omitempty"`
}

// Component is one option of a choice interaction.
type Component struct {
	ID          string            `json:"id"`
	Description map[string]string `json:"description"`
}

// Result is how it went.
type Result struct {
	Score      *Score `json:"score,omitempty"`
	Success    *bool  `json:"success,omitempty"`
	Completion *bool  `json:"completion,omitempty"`
}

// Score is a score out of Max, and as a fraction.
type Score struct {
	Scaled float64 `json:"scaled"`
	Raw    int     `json:"raw"`
	Min    int     `json:"min"`
	Max    int     `json:"max"`
}

// Context places the statement: its registration (the course attempt)
// and the activities around its object.
type Context struct {
	Registration      string             `json:"registration"`
	Platform          string             `json:"platform"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty"`
}

// ContextActivities are the activities a statement's object is part of.
type ContextActivities struct {
	Parent   []Activity `json:"parent,omitempty"`
	Grouping []Activity `json:"grouping,omitempty"`
}

// StatementResult is one page of GET /xapi/statements. More is a
// relative URL for the next page, or "" when this is the last.
type StatementResult struct {
	Statements []Statement `json:"statements"`
	More       string      `json:"more"`
}

// Builder makes the statements of one server's records.
type Builder struct {
	// Home is the server's base URL (no trailing slash): the actors'
	// home page and the start of every activity IRI.
	Home string
	// IDs leaves out activity definitions and verb displays (the query's
	// format=ids).
	IDs bool
}

// NewBuilder makes statements for the server at base.
func NewBuilder(base *url.URL) Builder {
	return Builder{Home: strings.TrimSuffix(base.String(), "/")}
}

// activities is where every activity IRI starts.
func (b Builder) activities() string { return b.Home + "/xapi/activities/" }

// CourseIRI is a course's activity id.
func (b Builder) CourseIRI(module string) string { return b.activities() + "courses/" + module }

// QuizIRI is a quiz step's activity id ("quiz:2" is the course's second
// quiz).
func (b Builder) QuizIRI(module, step string) string {
	return b.CourseIRI(module) + "/quizzes/" + strings.TrimPrefix(step, "quiz:")
}

// ScenarioIRI is a scenario's activity id.
func (b Builder) ScenarioIRI(scenario string) string { return b.activities() + "scenarios/" + scenario }

// NodeIRI is a scenario node's activity id.
func (b Builder) NodeIRI(scenario, node string) string {
	return b.ScenarioIRI(scenario) + "/nodes/" + node
}

func (b Builder) verb(id, word string) Verb {
	if b.IDs {
		return Verb{ID: id}
	}
	return Verb{ID: id, Display: map[string]string{"en-US": word}}
}

func (b Builder) activity(id, typ, name string) Activity {
	a := Activity{ObjectType: "Activity", ID: id}
	if !b.IDs {
		a.Definition = &Definition{Type: typ, Name: map[string]string{lang: name}}
	}
	return a
}

func (b Builder) course(r store.Activity) Activity {
	return b.activity(b.CourseIRI(r.ModuleID), TypeCourse, r.ModuleTitle)
}

func (b Builder) scenario(r store.Activity) Activity {
	return b.activity(b.ScenarioIRI(r.ScenarioID), TypeSimulation, r.ScenarioTitle)
}

// StatementID is the id of the statement a record gives.
func StatementID(r store.Activity) string {
	return uuid.NewSHA1(statementSpace, fmt.Appendf(nil, "%d/%s/%d", r.Kind, r.RecordID, r.Seq)).String()
}

// Statement is the statement a record gives.
func (b Builder) Statement(r store.Activity) Statement {
	at := r.At.UTC()
	s := Statement{
		ID:        StatementID(r),
		Actor:     Agent{ObjectType: "Agent", Account: Account{HomePage: b.Home, Name: r.PersonID.String()}},
		Timestamp: at,
		Stored:    at,
		Version:   Version,
		Context:   &Context{Registration: r.Registration.String(), Platform: "Upstand"},
	}
	yes := true
	switch r.Kind {
	case store.ActivityStarted:
		s.Verb = b.verb(VerbInitialized, "initialized")
		s.Object = b.course(r)
	case store.ActivityChoice:
		s.Verb = b.verb(VerbAnswered, "answered")
		s.Object = b.activity(b.NodeIRI(r.ScenarioID, r.Node), TypeInteraction, r.ScenarioTitle+": "+r.Node)
		if s.Object.Definition != nil {
			s.Object.Definition.InteractionType = "choice"
			for i, text := range r.Choices {
				s.Object.Definition.Choices = append(s.Object.Definition.Choices,
					Component{ID: strconv.Itoa(i + 1), Description: map[string]string{lang: text}})
			}
		}
		s.Context.ContextActivities = &ContextActivities{Parent: []Activity{b.scenario(r)}, Grouping: []Activity{b.course(r)}}
	case store.ActivityScenarioEnd:
		s.Verb = b.verb(VerbCompleted, "completed")
		s.Object = b.scenario(r)
		s.Result = &Result{Completion: &yes}
		s.Context.ContextActivities = &ContextActivities{Parent: []Activity{b.course(r)}}
	case store.ActivityQuiz:
		if r.Passed {
			s.Verb = b.verb(VerbPassed, "passed")
		} else {
			s.Verb = b.verb(VerbFailed, "failed")
		}
		passed := r.Passed
		s.Object = b.activity(b.QuizIRI(r.ModuleID, r.StepID), TypeAssessment,
			"Quiz "+strings.TrimPrefix(r.StepID, "quiz:")+": "+r.ModuleTitle)
		s.Result = &Result{Score: score(r.Correct, r.Total), Success: &passed, Completion: &yes}
		s.Context.ContextActivities = &ContextActivities{Parent: []Activity{b.course(r)}}
	case store.ActivityCompletion:
		s.Verb = b.verb(VerbCompleted, "completed")
		s.Object = b.course(r)
		s.Result = &Result{Score: score(r.Correct, r.Total), Success: &yes, Completion: &yes}
	}
	return s
}

// score is correct out of total, or nil when there was nothing to score.
func score(correct, total int) *Score {
	if total <= 0 {
		return nil
	}
	return &Score{Scaled: float64(correct) / float64(total), Raw: correct, Min: 0, Max: total}
}
