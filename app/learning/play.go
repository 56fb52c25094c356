package learning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/scenario"
	"github.com/upstand/upstand/app/store"
)

// Play is a scenario step as the learner sees it now.
type Play struct {
	Progress Progress
	Step     *content.Step
	// Scenario is the version the attempt is pinned to (the served one
	// when there is no attempt yet).
	Scenario *content.Scenario
	// Attempt is the latest attempt at this step, nil if none.
	Attempt *store.ScenarioAttempt
	State   scenario.State
	// Node is where the attempt is now.
	Node *content.Node
	// Text is Node's text (at an ending, the debrief) as this learner sees
	// it: the parts whose `if` holds for the attempt's variables.
	Text template.HTML
	// Options are the choices on offer (none at an ending).
	Options []scenario.Choice
	// Last is the most recent choice and its feedback; nil before the
	// first choice.
	Last *Review
	// Path is every choice made, with its feedback, for the review at the
	// end.
	Path []Review
	// Results are the competency scores, in the scenario's order.
	Results []Result
	// Outdated says the attempt is on an earlier version of the scenario
	// than the one served now (it finishes on its own version).
	Outdated bool
}

// Started reports whether there is an attempt.
func (p Play) Started() bool { return p.Attempt != nil }

// Finished reports whether the attempt has reached an ending.
func (p Play) Finished() bool { return p.Attempt != nil && p.State.Finished() }

// Review is one choice made, as the review of the path shows it.
type Review struct {
	Seq      int
	Node     *content.Node // the node the choice was made on
	Text     string        // the choice
	Feedback template.HTML // may be empty
	// Next is the node the choice led to (the consequence): with a routed
	// goto, the one this attempt's variables chose.
	Next *content.Node
}

// Result is one competency's score.
type Result struct {
	Key, Label string
	Score      int
}

// Words says a score in words, so results never rely on a number alone.
func (r Result) Words() string {
	switch {
	case r.Score > 0:
		return "strong"
	case r.Score < 0:
		return "needs work"
	default:
		return "mixed"
	}
}

// OutcomeWords says an outcome in words for people, not only as a colour.
func OutcomeWords(o content.Outcome) string {
	switch o {
	case content.Positive:
		return "Positive outcome"
	case content.Mixed:
		return "Mixed outcome"
	case content.Negative:
		return "Difficult outcome"
	}
	return ""
}

// scenarioAt returns a scenario at a given version: the served one if it
// matches, otherwise rebuilt from the canonical JSON kept in
// content_versions (which is itself a valid scenario file). It may read
// through the Global surface, so it is not for use inside inTx (see
// cachedScenario).
func (s *Service) scenarioAt(ctx context.Context, id, version string) (*content.Scenario, error) {
	if sc, ok := s.cachedScenario(id, version); ok {
		return sc, nil
	}
	key := id + "@" + version
	cv, err := s.st.Global().ContentVersion(ctx, store.KindScenario, id, version)
	if err != nil {
		return nil, fmt.Errorf("learning: scenario %s: %w", key, err)
	}
	sc, errs := content.ParseScenario("scenarios/"+id+".yaml", cv.Canonical)
	if len(errs) > 0 {
		return nil, fmt.Errorf("learning: stored scenario %s no longer loads: %w", key, errs)
	}
	if cv.OrgID != uuid.Nil {
		content.Own(sc, cv.OrgID.String())
	}
	if sc.Version != version {
		return nil, fmt.Errorf("learning: stored scenario %s rebuilds as version %s", key, sc.Version)
	}
	s.pinned.Store(key, sc)
	return sc, nil
}

// cachedScenario is a scenario version at hand without the database: the
// served one, or one scenarioAt has rebuilt before.
func (s *Service) cachedScenario(id, version string) (*content.Scenario, bool) {
	if cur, ok := s.cats.Library().Scenario(id); ok && cur.Version == version {
		return cur, true
	}
	if v, ok := s.pinned.Load(id + "@" + version); ok {
		return v.(*content.Scenario), true
	}
	return nil, false
}

// needScenario, returned inside a transaction, asks for a scenario version
// that is not at hand; see inTxScenario.
type needScenario struct{ id, version string }

func (e *needScenario) Error() string {
	return "learning: scenario " + e.id + "@" + e.version + " is not loaded"
}

// scenarioInTx is scenarioAt for use inside inTx: a version not at hand is
// a *needScenario error, which rolls the transaction back.
func (s *Service) scenarioInTx(id, version string) (*content.Scenario, error) {
	if sc, ok := s.cachedScenario(id, version); ok {
		return sc, nil
	}
	return nil, &needScenario{id: id, version: version}
}

// inTxScenario is inTx for work that needs an attempt's scenario version
// (via scenarioInTx). A version that must first be rebuilt from
// content_versions — an attempt on an earlier version, the first time this
// process meets it — is loaded outside the transaction (a Global read inside
// it would hold two pooled connections at once), and fn runs once more from
// the start: it must not keep anything from the rolled-back run.
func (s *Service) inTxScenario(ctx context.Context, l org.Actor, fn func(l org.Actor) error) error {
	err := inTx(ctx, l, fn)
	var need *needScenario
	if !errors.As(err, &need) {
		return err
	}
	if _, err := s.scenarioAt(ctx, need.id, need.version); err != nil {
		return err
	}
	return inTx(ctx, l, fn)
}

// ownAttempt loads one of the learner's own attempts at a module's scenario
// step. Another person's attempt, or one at another step, is ErrNotFound.
func (s *Service) ownAttempt(ctx context.Context, l org.Actor, m *content.Module, st *content.Step, id uuid.UUID) (store.ScenarioAttempt, error) {
	sa, err := l.Member().ScenarioAttempt(ctx, id)
	if err != nil {
		return store.ScenarioAttempt{}, notFound(err)
	}
	if sa.ModuleID != m.ID || sa.StepID != st.ID {
		return store.ScenarioAttempt{}, ErrNotFound
	}
	return sa, nil
}

// Scenario shows a scenario step: the latest attempt where it stands, or the
// introduction when there is none. It changes nothing.
func (s *Service) Scenario(ctx context.Context, l org.Actor, moduleID string, index int) (Play, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ScenarioStep)
	if err != nil {
		return Play{}, err
	}
	play := Play{Step: st, Scenario: st.Scenario}
	// The progress and the latest attempt at the step, in one round trip.
	r, err := l.Member().ReadCourse(ctx, m.ID, store.CourseReadOptions{LatestScenario: st.ID})
	if errors.Is(err, store.ErrNotFound) {
		return Play{}, ErrNotStarted
	}
	if err != nil {
		return Play{}, err
	}
	play.Progress = progressOf(m, r)
	if r.Scenario == nil {
		return play, nil
	}
	return s.fill(ctx, play, *r.Scenario)
}

// attemptState loads a stored attempt's scenario, at the version the
// attempt is pinned to, and where the attempt stands in it.
func (s *Service) attemptState(ctx context.Context, sa store.ScenarioAttempt) (*content.Scenario, scenario.State, error) {
	sc, err := s.scenarioAt(ctx, sa.ScenarioID, sa.ScenarioVersion)
	if err != nil {
		return nil, scenario.State{}, err
	}
	state, err := decodeState(sa)
	return sc, state, err
}

// decodeState is where a stored attempt stands.
func decodeState(sa store.ScenarioAttempt) (scenario.State, error) {
	var state scenario.State
	if err := json.Unmarshal(sa.State, &state); err != nil {
		return scenario.State{}, fmt.Errorf("learning: scenario attempt %s: state: %w", sa.ID, err)
	}
	return state, nil
}

// fill completes a Play from a stored attempt.
func (s *Service) fill(ctx context.Context, play Play, sa store.ScenarioAttempt) (Play, error) {
	sc, state, err := s.attemptState(ctx, sa)
	if err != nil {
		return Play{}, err
	}
	return fillState(play, sa, sc, state)
}

// fillState completes a Play from an attempt, its scenario version and
// where it stands, all at hand.
func fillState(play Play, sa store.ScenarioAttempt, sc *content.Scenario, state scenario.State) (Play, error) {
	play.Attempt, play.Scenario, play.State = &sa, sc, state
	play.Outdated = sc.Version != play.Step.Scenario.Version
	node, ok := sc.Nodes[state.Node]
	if !ok {
		return Play{}, fmt.Errorf("learning: scenario attempt %s: no node %q in %s@%s", sa.ID, state.Node, sc.ID, sc.Version)
	}
	play.Node = node
	play.Text = scenario.Text(sc, state)
	play.Options = scenario.Options(sc, state)
	for i, ps := range state.Path {
		n := sc.Nodes[ps.Node]
		if n == nil || ps.Choice < 1 || ps.Choice > len(n.Choices) {
			return Play{}, fmt.Errorf("learning: scenario attempt %s: path step %d does not fit %s@%s", sa.ID, i+1, sc.ID, sc.Version)
		}
		c := n.Choices[ps.Choice-1]
		// Where the choice led is where the path goes on from (a routed
		// goto's target depends on the state, the path records it).
		next := node
		if i+1 < len(state.Path) {
			next = sc.Nodes[state.Path[i+1].Node]
		}
		play.Path = append(play.Path, Review{Seq: i + 1, Node: n, Text: c.Text, Feedback: c.FeedbackHTML, Next: next})
	}
	if len(play.Path) > 0 {
		last := play.Path[len(play.Path)-1]
		play.Last = &last
	}
	for _, c := range sc.Competencies {
		play.Results = append(play.Results, Result{Key: c.Key, Label: c.Label, Score: state.Scores[c.Key]})
	}
	return play, nil
}

// StartScenario begins a fresh attempt at a scenario step on the version
// served now ("try again" does the same). The course must have been started.
func (s *Service) StartScenario(ctx context.Context, l org.Actor, moduleID string, index int) (Play, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ScenarioStep)
	if err != nil {
		return Play{}, err
	}
	raw, err := json.Marshal(scenario.Start(st.Scenario))
	if err != nil {
		return Play{}, err
	}
	if err := s.recordVersions(ctx, l, m); err != nil {
		return Play{}, err
	}
	var sa store.ScenarioAttempt
	var p Progress
	err = inTx(ctx, l, func(l org.Actor) error {
		a, err := s.openRecorded(ctx, l, m, store.ResumeAttempt)
		if err != nil {
			return err
		}
		sa, err = l.Member().CreateScenarioAttempt(ctx, store.ScenarioAttempt{
			CourseAttemptID: a.ID, StepID: st.ID,
			ScenarioID: st.Scenario.ID, ScenarioVersion: st.Scenario.Version, State: raw, StartedAt: s.Now(),
		})
		if err != nil {
			return err
		}
		s.events.AttemptStarted("scenario")
		sa.ModuleID = m.ID
		p, err = s.progress(ctx, l, m, a)
		return err
	})
	if err != nil {
		return Play{}, err
	}
	return s.fill(ctx, Play{Progress: p, Step: st}, sa)
}

// Choose makes a choice in the learner's scenario attempt and returns the
// player after it, for the feedback on the choice. seq is the number of
// choices the page was showing after (0 on the first node), so a choice
// made on an out-of-date page — a second tab, a double submit — is refused
// with ErrStale and changes nothing. The new state is stored before Choose
// returns, so closing the tab resumes exactly here.
//
// The attempt is read, the choice stored and the course progress read in
// one transaction; the player is built from the attempt, its scenario and
// the new state already at hand, not read again.
func (s *Service) Choose(ctx context.Context, l org.Actor, moduleID string, index int, attemptID uuid.UUID, seq, choiceID int) (Play, error) {
	return s.choose(ctx, l, moduleID, index, attemptID, seq, choiceID, true)
}

// RecordChoice is Choose for a client that is sent on to the feedback page
// (which builds the player itself): it stores the choice and builds
// nothing.
func (s *Service) RecordChoice(ctx context.Context, l org.Actor, moduleID string, index int, attemptID uuid.UUID, seq, choiceID int) error {
	_, err := s.choose(ctx, l, moduleID, index, attemptID, seq, choiceID, false)
	return err
}

// choose is Choose, building the player only when show is set.
func (s *Service) choose(ctx context.Context, l org.Actor, moduleID string, index int, attemptID uuid.UUID, seq, choiceID int, show bool) (Play, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ScenarioStep)
	if err != nil {
		return Play{}, err
	}
	var play Play
	err = s.inTxScenario(ctx, l, func(l org.Actor) error {
		// The attempt and the course progress (for the course bar) in one
		// round trip; the course must have been started for the attempt
		// to be in it.
		r, err := l.Member().ReadCourse(ctx, m.ID, store.CourseReadOptions{ScenarioAttempt: attemptID})
		if err != nil {
			return notFound(err)
		}
		if r.Scenario == nil || r.Scenario.ModuleID != m.ID || r.Scenario.StepID != st.ID {
			return ErrNotFound
		}
		sa := *r.Scenario
		sc, err := s.scenarioInTx(sa.ScenarioID, sa.ScenarioVersion)
		if err != nil {
			return err
		}
		state, err := decodeState(sa)
		if err != nil {
			return err
		}
		if sa.FinishedAt != nil || seq != sa.Choices || seq != len(state.Path) {
			return ErrStale
		}
		from := state.Node
		next, _, err := scenario.Choose(sc, state, choiceID)
		if errors.Is(err, scenario.ErrNotOffered) {
			return fault.Input("choice", "That choice is not on offer here. Pick one of the choices shown.")
		}
		if err != nil {
			return err
		}
		raw, err := json.Marshal(next)
		if err != nil {
			return err
		}
		rec := store.ChoiceRecord{Seq: seq + 1, Node: from, Choice: choiceID, State: raw, At: s.Now()}
		if next.Finished() {
			o := string(next.Outcome)
			rec.Outcome = &o
			// The ending counts in the course attempt the scenario was
			// started in; progress anywhere in the chain counts.
			ev := store.StepEvent{AttemptID: sa.CourseAttemptID, StepID: st.ID,
				Fingerprint: Fingerprint(st), Event: store.EventFinished, Outcome: &o, At: rec.At}
			rec.Finished = &ev
		}
		if err := l.Member().RecordChoice(ctx, sa.ID, rec); errors.Is(err, store.ErrStale) {
			return ErrStale
		} else if err != nil {
			return err
		}
		if rec.Outcome != nil {
			s.events.AttemptFinished(*rec.Outcome)
		}
		if !show {
			return nil
		}
		// The attempt as RecordChoice left it.
		sa.State, sa.Choices, sa.UpdatedAt = raw, rec.Seq, rec.At
		if rec.Outcome != nil {
			sa.Outcome, sa.FinishedAt = rec.Outcome, &rec.At
		}
		// The progress as it stands after the choice: the ending's step
		// event counts if it is in the latest attempt's chain.
		if rec.Finished != nil && sa.RootID == r.Attempt.RootID {
			r.Events = append(r.Events, *rec.Finished)
		}
		play, err = fillState(Play{Progress: progressOf(m, r), Step: st}, sa, sc, next)
		return err
	})
	if err != nil {
		return Play{}, err
	}
	return play, nil
}

// ScenarioAttempt loads one of the learner's own scenario attempts for a
// review page. Another person's attempt is ErrNotFound.
func (s *Service) ScenarioAttempt(ctx context.Context, l org.Actor, moduleID string, index int, id uuid.UUID) (Play, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ScenarioStep)
	if err != nil {
		return Play{}, err
	}
	var sa store.ScenarioAttempt
	var p Progress
	err = inTx(ctx, l, func(l org.Actor) error {
		var err error
		if sa, err = s.ownAttempt(ctx, l, m, st, id); err != nil {
			return err
		}
		a, err := l.Member().CourseAttempt(ctx, sa.CourseAttemptID)
		if err != nil {
			return err
		}
		p, err = s.progress(ctx, l, m, a)
		return err
	})
	if err != nil {
		return Play{}, err
	}
	return s.fill(ctx, Play{Progress: p, Step: st}, sa)
}
