package learning_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Step positions in the tiny module.
const (
	stepLesson     = 1
	stepScenario   = 2
	stepQuiz       = 3
	stepReflection = 4
)

// everything is the tiny module played through, short of finishing: a
// positive scenario ending, the quiz passed, a reflection written.
var everything = fixture.Plan{Note: "Slow down and listen."}

func TestCourseJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	l := e.person(t, "Asha Patel", false)
	ctx := context.Background()

	// Nothing is shown as started before Start, and steps need a start.
	p := must[learning.Progress](t)(svc.Course(ctx, l, "tiny"))
	if p.Started() || p.Done != 0 || p.Total() != 4 || p.Next() != 1 {
		t.Fatalf("before start: started %v, %d/%d, next %d", p.Started(), p.Done, p.Total(), p.Next())
	}
	if _, _, err := svc.OpenLesson(ctx, l, "tiny", stepLesson); !errors.Is(err, learning.ErrNotStarted) {
		t.Fatalf("lesson before start: %v, want ErrNotStarted", err)
	}

	p = must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
	if !p.Started() || p.PreAnswered {
		t.Fatalf("after start: started %v, pre answered %v", p.Started(), p.PreAnswered)
	}
	if err := svc.AnswerConfidence(ctx, l, "tiny", store.PhasePre, []int{2, 0}); err != nil {
		t.Fatal(err)
	}
	cv := must[learning.ConfidenceView](t)(svc.Confidence(ctx, l, "tiny", store.PhasePre))
	if !cv.Answered || cv.Answers[0] != 2 || cv.Answers[1] != 0 {
		t.Fatalf("pre check: answered %v, answers %v", cv.Answered, cv.Answers)
	}
	// The first answer stands.
	if err := svc.AnswerConfidence(ctx, l, "tiny", store.PhasePre, []int{5, 5}); err != nil {
		t.Fatal(err)
	}
	if cv := must[learning.ConfidenceView](t)(svc.Confidence(ctx, l, "tiny", store.PhasePre)); cv.Answers[0] != 2 {
		t.Fatalf("pre check answer changed to %d", cv.Answers[0])
	}

	p, st, err := svc.OpenLesson(ctx, l, "tiny", stepLesson)
	if err != nil || st.Lesson.Title != "Why listening matters" || p.Done != 1 || p.Steps[0].State != learning.Opened {
		t.Fatalf("lesson: %v, done %d, state %q", err, p.Done, p.Steps[0].State)
	}
	// Opening it again records nothing new.
	if _, _, err := svc.OpenLesson(ctx, l, "tiny", stepLesson); err != nil {
		t.Fatal(err)
	}

	play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	if play.Node.ID != "opening" || len(play.Options) != 3 || play.Finished() {
		t.Fatalf("scenario start: node %q, %d options", play.Node.ID, len(play.Options))
	}
	play = must[learning.Play](t)(svc.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 1))
	if !play.Finished() || play.State.Outcome != content.Positive || play.Last == nil || play.Last.Text != "Listen and thank them" {
		t.Fatalf("after choice: finished %v, outcome %q, last %+v", play.Finished(), play.State.Outcome, play.Last)
	}
	if len(play.Results) != 1 || play.Results[0].Score != 2 || play.Results[0].Words() != "strong" {
		t.Fatalf("results %+v", play.Results)
	}
	if string(play.Last.Feedback) != "<p>Thanking them <em>helps</em>.</p>\n" {
		t.Fatalf("feedback %q", play.Last.Feedback)
	}

	// Failing the quiz does not count; passing does.
	qr := must[learning.QuizResult](t)(svc.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{2, 1}))
	if qr.Attempt.Passed || qr.Attempt.Correct != 0 || qr.Answers[0].Correct || qr.Answers[0].Right.Text != "Yes" {
		t.Fatalf("failed quiz: %+v", qr.Attempt)
	}
	if _, err := svc.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{1}); !isInput(err) {
		t.Fatalf("short answers: %v, want an input error", err)
	}
	if _, err := svc.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{1, 3}); !isInput(err) {
		t.Fatalf("option out of range: %v, want an input error", err)
	}
	qr = must[learning.QuizResult](t)(svc.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{1, 1}))
	if !qr.Attempt.Passed || qr.Attempt.Correct != 1 {
		t.Fatalf("1 of 2 at 50%% should pass: %+v", qr.Attempt)
	}

	// Not complete yet: the closing check is not stored either.
	if _, _, _, err := svc.Finish(ctx, l, "tiny", []int{1, 1}); !errors.Is(err, learning.ErrIncomplete) {
		t.Fatalf("finish without reflection: %v", err)
	}
	if _, err := svc.Reflect(ctx, l, "tiny", stepReflection, "   "); !isInput(err) {
		t.Fatalf("empty reflection: %v", err)
	}
	if _, err := svc.Reflect(ctx, l, "tiny", stepReflection, "Slow down.\r\nAsk first."); err != nil {
		t.Fatal(err)
	}

	finished := e.clock.Now()
	c, created, p, err := svc.Finish(ctx, l, "tiny", []int{4, 5})
	if err != nil || !created {
		t.Fatalf("finish: %v, created %v", err, created)
	}
	if c.ModuleVersion != svc.Content().Modules[0].Version || c.CertificateCode == nil || len(*c.CertificateCode) != 26 {
		t.Fatalf("completion %+v", c)
	}
	if c.ExpiresAt == nil || !c.ExpiresAt.Equal(c.CompletedAt.AddDate(0, 12, 0)) || c.CompletedAt.Before(finished) {
		t.Fatalf("completed %v, expires %v", c.CompletedAt, c.ExpiresAt)
	}
	if !p.Complete() || !p.PostAnswered {
		t.Fatalf("progress after finish: complete %v, post %v", p.Complete(), p.PostAnswered)
	}
	if cv := must[learning.ConfidenceView](t)(svc.Confidence(ctx, l, "tiny", store.PhasePost)); cv.Answers[0] != 4 || cv.Answers[1] != 5 {
		t.Fatalf("closing check stored %v, want [4 5]", cv.Answers)
	}
	if q := c.Summary["quizzes"].([]any)[0].(map[string]any); q["correct"] != float64(1) && q["correct"] != 1 {
		t.Fatalf("summary %v", c.Summary)
	}
	again, created, _, err := svc.Finish(ctx, l, "tiny", nil)
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("second finish: %v, created %v, id %v want %v", err, created, again.ID, c.ID)
	}

	// The certificate is the person's and verifies by its code.
	cert := must[store.CertificateView](t)(svc.Certificate(ctx, l, *c.CertificateID))
	if cert.PersonName != "Asha Patel" || cert.ModuleTitle != "A tiny course" || !cert.CompletedAt.Equal(c.CompletedAt) {
		t.Fatalf("certificate %+v", cert)
	}

	// Retaking starts a fresh chain: nothing carries over, the old
	// completion stays.
	p = must[learning.Progress](t)(svc.Start(ctx, l, "tiny", true))
	if p.Complete() || p.Done != 0 || p.PostAnswered {
		t.Fatalf("retake: complete %v, done %d, post %v", p.Complete(), p.Done, p.PostAnswered)
	}
	rec := must[learning.Record](t)(svc.Record(ctx, l))
	if len(rec.Completions) != 1 || len(rec.Attempts) != 2 || len(rec.Scenarios) != 1 || len(rec.Quizzes) != 2 {
		t.Fatalf("record: %d completions, %d attempts, %d scenarios, %d quizzes",
			len(rec.Completions), len(rec.Attempts), len(rec.Scenarios), len(rec.Quizzes))
	}
}

func isInput(err error) bool { return fault.KindOf(err) == fault.Invalid }

func TestCompletionRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		do      func(t *testing.T, svc *learning.Service, l org.Actor)
		missing []string // step ids still missing
	}{
		{"nothing done", func(*testing.T, *learning.Service, org.Actor) {}, []string{"lesson:01-intro", "scenario:talk", "quiz:1", "reflection:1"}},
		{"everything, reflection skipped, no confidence check", func(t *testing.T, svc *learning.Service, l org.Actor) {
			fixture.Play(t, svc, l, "tiny", fixture.Plan{})
		}, nil},
		{"negative ending does not count under completion: positive", func(t *testing.T, svc *learning.Service, l org.Actor) {
			ctx := context.Background()
			fixture.Play(t, svc, l, "tiny", everything)
			// A second attempt ending badly leaves the positive one counting.
			play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
			must[learning.Play](t)(svc.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 2))
		}, nil},
		{"only a mixed ending", func(t *testing.T, svc *learning.Service, l org.Actor) {
			fixture.Play(t, svc, l, "tiny", fixture.Plan{Outcome: content.Mixed})
		}, []string{"scenario:talk"}},
		{"quiz only failed", func(t *testing.T, svc *learning.Service, l org.Actor) {
			ctx := context.Background()
			must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
			svc.OpenLesson(ctx, l, "tiny", stepLesson)
			must[learning.QuizResult](t)(svc.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{2, 1}))
			must[any](t)(nil, svc.SkipReflection(ctx, l, "tiny", stepReflection))
		}, []string{"scenario:talk", "quiz:1"}},
		{"scenario started, not finished", func(t *testing.T, svc *learning.Service, l org.Actor) {
			ctx := context.Background()
			must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
			play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
			must[learning.Play](t)(svc.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 3))
		}, []string{"lesson:01-intro", "scenario:talk", "quiz:1", "reflection:1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			svc := e.service(tinyCatalogue(t, "Sam pauses."))
			l := e.person(t, "Ben Okafor", false)
			tc.do(t, svc, l)
			ctx := context.Background()
			if tc.name == "nothing done" {
				if _, _, _, err := svc.Finish(ctx, l, "tiny", nil); !errors.Is(err, learning.ErrNotStarted) {
					t.Fatalf("finish before start: %v, want ErrNotStarted", err)
				}
				return
			}
			c, created, p, err := svc.Finish(ctx, l, "tiny", nil)
			var got []string
			for _, sp := range p.Missing() {
				got = append(got, sp.Step.ID)
			}
			if len(tc.missing) == 0 {
				if err != nil || !created || c.ID == uuid.Nil {
					t.Fatalf("finish: %v (missing %v)", err, got)
				}
				return
			}
			if !errors.Is(err, learning.ErrIncomplete) {
				t.Fatalf("finish: %v, want ErrIncomplete", err)
			}
			if len(got) != len(tc.missing) {
				t.Fatalf("missing %v, want %v", got, tc.missing)
			}
			for i := range got {
				if got[i] != tc.missing[i] {
					t.Fatalf("missing %v, want %v", got, tc.missing)
				}
			}
		})
	}
}

func TestResumeAndStaleChoices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cat := tinyCatalogue(t, "Sam pauses.")
	l := e.person(t, "Chris Lee", false)
	ctx := context.Background()
	svc := e.service(cat)
	must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
	play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	id := play.Attempt.ID
	must[learning.Play](t)(svc.Choose(ctx, l, "tiny", stepScenario, id, 0, 3))

	// A new service (the tab closed, the server restarted) resumes at the
	// same node with the same state.
	again := e.service(cat)
	play = must[learning.Play](t)(again.Scenario(ctx, l, "tiny", stepScenario))
	if play.Attempt.ID != id || play.Node.ID != "middle" || play.State.Vars["trust"] != 1 || len(play.Path) != 1 {
		t.Fatalf("resume: attempt %v node %q vars %v path %d", play.Attempt.ID, play.Node.ID, play.State.Vars, len(play.Path))
	}
	if play.Last.Next.ID != "middle" || play.Last.Text != "Ask a question first" {
		t.Fatalf("last choice %+v", play.Last)
	}
	// The same form submitted twice: the second is stale and changes nothing.
	if _, err := again.Choose(ctx, l, "tiny", stepScenario, id, 0, 1); !errors.Is(err, learning.ErrStale) {
		t.Fatalf("stale choice: %v, want ErrStale", err)
	}
	// A choice the node does not offer.
	if _, err := again.Choose(ctx, l, "tiny", stepScenario, id, 1, 2); !isInput(err) {
		t.Fatalf("choice not offered: %v, want an input error", err)
	}
	play = must[learning.Play](t)(again.Choose(ctx, l, "tiny", stepScenario, id, 1, 1))
	if play.State.Outcome != content.Mixed {
		t.Fatalf("outcome %q", play.State.Outcome)
	}
	// A finished attempt takes no more choices.
	if _, err := again.Choose(ctx, l, "tiny", stepScenario, id, 2, 1); !errors.Is(err, learning.ErrStale) {
		t.Fatalf("choice after the end: %v, want ErrStale", err)
	}
	choices := must[[]store.ScenarioChoice](t)(l.Member().ScenarioChoices(ctx, id))
	if len(choices) != 2 || choices[0].Node != "opening" || choices[0].Choice != 3 || choices[1].Node != "middle" {
		t.Fatalf("choice history %+v", choices)
	}
}

// Choose builds the player from what it has at hand after storing the
// choice, without reading the attempt again: it must show exactly what
// Scenario, reading everything, shows next.
func TestChooseShowsWhatScenarioShows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.person(t, "Fay Okafor", false)
	ctx := context.Background()
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))

	play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	var shown learning.Play
	for seq, choice := range []int{3, 1} { // to the middle node, then the mixed ending
		chose := must[learning.Play](t)(svc.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, seq, choice))
		shown = must[learning.Play](t)(svc.Scenario(ctx, l, "tiny", stepScenario))
		samePlay(t, chose, shown)
	}
	if !shown.Finished() || shown.Progress.Steps[stepScenario-1].State != learning.Finished {
		t.Fatalf("after the ending: finished %v, step state %q", shown.Finished(), shown.Progress.Steps[stepScenario-1].State)
	}

	// RecordChoice stores the same choice and builds nothing.
	play = must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	if err := svc.RecordChoice(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 1); err != nil {
		t.Fatal(err)
	}
	shown = must[learning.Play](t)(svc.Scenario(ctx, l, "tiny", stepScenario))
	if shown.Attempt.ID != play.Attempt.ID || shown.State.Outcome != content.Positive || shown.Last.Text != "Listen and thank them" {
		t.Fatalf("after RecordChoice: attempt %v, outcome %q, last %+v", shown.Attempt.ID, shown.State.Outcome, shown.Last)
	}
	if err := svc.RecordChoice(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 1); !errors.Is(err, learning.ErrStale) {
		t.Fatalf("RecordChoice twice: %v, want ErrStale", err)
	}

	// An attempt on an earlier version, chosen on by a process that has not
	// rebuilt that version yet: it is read outside the transaction, which
	// then runs again.
	play = must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	v2 := e.service(tinyCatalogue(t, "Sam pauses, then looks at the door."))
	chose := must[learning.Play](t)(v2.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 3))
	if !chose.Outdated || chose.Scenario.Version != play.Scenario.Version || chose.Node.Text != "Sam pauses." {
		t.Fatalf("pinned choice: outdated %v, version %s (want %s), text %q", chose.Outdated, chose.Scenario.Version, play.Scenario.Version, chose.Node.Text)
	}
	samePlay(t, chose, must[learning.Play](t)(v2.Scenario(ctx, l, "tiny", stepScenario)))
}

// samePlay fails unless two players are the same, the attempt's times
// compared as instants and its state as decoded.
func samePlay(t *testing.T, got, want learning.Play) {
	t.Helper()
	if got.Attempt == nil || want.Attempt == nil {
		t.Fatalf("attempts %v and %v", got.Attempt, want.Attempt)
	}
	ga, wa := *got.Attempt, *want.Attempt
	sameTime := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if !sameTime(&ga.StartedAt, &wa.StartedAt) || !sameTime(&ga.UpdatedAt, &wa.UpdatedAt) || !sameTime(ga.FinishedAt, wa.FinishedAt) {
		t.Fatalf("attempt times differ:\n got %+v\nwant %+v", ga, wa)
	}
	ga.StartedAt, ga.UpdatedAt, ga.FinishedAt = time.Time{}, time.Time{}, nil
	wa.StartedAt, wa.UpdatedAt, wa.FinishedAt = time.Time{}, time.Time{}, nil
	// The stored JSON comes back from jsonb reformatted; the players'
	// decoded State is compared below.
	ga.State, wa.State = nil, nil
	got.Attempt, want.Attempt = &ga, &wa
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("players differ:\n got %+v\nwant %+v", got, want)
	}
}

func TestConcurrentChoicesApplyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	l := e.person(t, "Dee Mensah", false)
	ctx := context.Background()
	must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
	play := must[learning.Play](t)(svc.StartScenario(ctx, l, "tiny", stepScenario))
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			// Half pick one choice, half another, all on the same page.
			_, errs[i] = svc.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 1+i%3)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, learning.ErrStale):
			t.Fatalf("unexpected error %v", err)
		}
	}
	choices := must[[]store.ScenarioChoice](t)(l.Member().ScenarioChoices(ctx, play.Attempt.ID))
	if ok != 1 || len(choices) != 1 {
		t.Fatalf("%d choices succeeded and %d were stored, want 1 and 1", ok, len(choices))
	}
}

func TestVersionPinning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	l := e.person(t, "Eve Adams", false)
	v1 := e.service(tinyCatalogue(t, "Sam pauses."))
	must[learning.Progress](t)(v1.Start(ctx, l, "tiny", false))
	if _, _, err := v1.OpenLesson(ctx, l, "tiny", stepLesson); err != nil {
		t.Fatal(err)
	}
	play := must[learning.Play](t)(v1.StartScenario(ctx, l, "tiny", stepScenario))
	oldVersion := play.Scenario.Version
	must[learning.Play](t)(v1.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 3))
	must[learning.QuizResult](t)(v1.SubmitQuiz(ctx, l, "tiny", stepQuiz, []int{1, 2}))

	// The scenario changes (and with it the module's version) mid-attempt.
	v2cat := tinyCatalogue(t, "Sam pauses, then looks at the door.")
	v2 := e.service(v2cat)
	newScenario, _ := v2cat.Scenario("talk")
	if newScenario.Version == oldVersion {
		t.Fatal("the edit did not change the scenario version")
	}
	play = must[learning.Play](t)(v2.Scenario(ctx, l, "tiny", stepScenario))
	if !play.Outdated || play.Scenario.Version != oldVersion || play.Node.Text != "Sam pauses." {
		t.Fatalf("pinned play: outdated %v, version %s (old %s), text %q", play.Outdated, play.Scenario.Version, oldVersion, play.Node.Text)
	}
	play = must[learning.Play](t)(v2.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 1, 1))
	if play.State.Outcome != content.Mixed || play.State.Version != oldVersion || play.Attempt.ScenarioVersion != oldVersion {
		t.Fatalf("finished on version %s/%s with %q, want %s and mixed", play.State.Version, play.Attempt.ScenarioVersion, play.State.Outcome, oldVersion)
	}

	// "Try again" starts on the new version; a positive ending there, and
	// the progress made on version 1 (lesson, quiz) still counts.
	play = must[learning.Play](t)(v2.StartScenario(ctx, l, "tiny", stepScenario))
	if play.Outdated || play.Scenario.Version != newScenario.Version {
		t.Fatalf("new attempt on %s, want %s", play.Scenario.Version, newScenario.Version)
	}
	must[learning.Play](t)(v2.Choose(ctx, l, "tiny", stepScenario, play.Attempt.ID, 0, 1))
	if _, err := v2.Reflect(ctx, l, "tiny", stepReflection, "Notes"); err != nil {
		t.Fatal(err)
	}
	c, created, p, err := v2.Finish(ctx, l, "tiny", nil)
	if err != nil || !created {
		t.Fatalf("finish on the new version: %v (missing %v)", err, p.Missing())
	}
	newModule, _ := v2cat.Module("tiny")
	if c.ModuleVersion != newModule.Version {
		t.Fatalf("completion on module version %s, want %s", c.ModuleVersion, newModule.Version)
	}
	attempts := must[[]store.CourseAttempt](t)(l.Member().CourseAttempts(ctx))
	if len(attempts) != 2 || attempts[0].RootID != attempts[1].ID || attempts[1].ModuleVersion == attempts[0].ModuleVersion {
		t.Fatalf("attempt chain %+v", attempts)
	}
}

func TestConcurrentFinishCompletesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	l := e.person(t, "Fay Wu", false)
	fixture.Play(t, svc, l, "tiny", everything)
	ctx := context.Background()

	const n = 50
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			var c store.Completion
			c, created[i], _, errs[i] = svc.Finish(ctx, l, "tiny", []int{3, 3})
			ids[i] = c.ID
		})
	}
	close(start)
	wg.Wait()
	writes := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("call %d got completion %v, call 0 got %v", i, ids[i], ids[0])
		}
		if created[i] {
			writes++
		}
	}
	var completions, certificates, attempts int
	db := e.owner
	must[any](t)(nil, db.NewRaw("SELECT count(*) FROM completions").Scan(ctx, &completions))
	must[any](t)(nil, db.NewRaw("SELECT count(*) FROM certificates").Scan(ctx, &certificates))
	must[any](t)(nil, db.NewRaw("SELECT count(*) FROM course_attempts").Scan(ctx, &attempts))
	if writes != 1 || completions != 1 || certificates != 1 || attempts != 1 {
		t.Fatalf("%d calls wrote, %d completions, %d certificates, %d attempts; want 1 each", writes, completions, certificates, attempts)
	}
}

func TestPrivacy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	services := fixture.NewServices(e.st, tinyCatalogue(t, "Sam pauses."), e.clock.Now)
	svc := services.Learning
	ctx := context.Background()
	a, b := fixture.NewTenant(t, services, "Aspen"), fixture.NewTenant(t, services, "Beech")
	learner := org.ActorFor(e.st, a.Member, "")
	played := a.Course
	play, quiz, note, c := played.Scenarios[0], played.Quizzes[0], played.Notes[0], played.Completion
	notes := must[learning.ReflectionView](t)(svc.Reflection(ctx, learner, "tiny", stepReflection))
	if len(notes.Notes) != 1 || notes.Notes[0].ID != note.ID || notes.Notes[0].Body != "Aspen private note" {
		t.Fatalf("the author's own notes: %+v", notes.Notes)
	}

	// Neither A's admin, nor B's admin, nor B's member (who played the
	// same course in B) reach the learner's records; each sees only their
	// own.
	for _, who := range []struct {
		name    string
		l       org.Actor
		records int // of each kind, their own: B's member played the course too
	}{
		{"org admin", org.ActorFor(e.st, a.Admin, ""), 0},
		{"other organisation's admin", org.ActorFor(e.st, b.Admin, ""), 0},
		{"other organisation's member", org.ActorFor(e.st, b.Member, ""), 1},
	} {
		if _, err := svc.ScenarioAttempt(ctx, who.l, "tiny", stepScenario, play.Attempt.ID); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("%s reads the choices: %v", who.name, err)
		}
		if _, err := svc.Choose(ctx, who.l, "tiny", stepScenario, play.Attempt.ID, 1, 1); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("%s plays the attempt: %v", who.name, err)
		}
		if _, err := svc.QuizResult(ctx, who.l, "tiny", stepQuiz, quiz.Attempt.ID); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("%s reads the quiz answers: %v", who.name, err)
		}
		if _, err := svc.DeleteReflection(ctx, who.l, note.ID); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("%s deletes the note: %v", who.name, err)
		}
		rs := must[[]store.Reflection](t)(svc.Reflections(ctx, who.l))
		if len(rs) != who.records || (len(rs) == 1 && rs[0].ID == note.ID) {
			t.Errorf("%s lists %d notes: %+v", who.name, len(rs), rs)
		}
		if _, err := svc.Certificate(ctx, who.l, *c.CertificateID); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("%s opens the certificate: %v", who.name, err)
		}
		rec := must[learning.Record](t)(svc.Record(ctx, who.l))
		if len(rec.Completions) != who.records || len(rec.Attempts) != who.records || len(rec.Scenarios) != who.records || len(rec.Quizzes) != who.records {
			t.Errorf("%s sees records: %+v", who.name, rec)
		}
		for _, rc := range rec.Completions {
			if rc.ID == c.ID {
				t.Errorf("%s sees the learner's completion", who.name)
			}
		}
	}

	// The author may delete their note; the step stays answered.
	if _, err := svc.DeleteReflection(ctx, learner, note.ID); err != nil {
		t.Fatal(err)
	}
	notes = must[learning.ReflectionView](t)(svc.Reflection(ctx, learner, "tiny", stepReflection))
	if len(notes.Notes) != 0 || notes.Progress.Steps[stepReflection-1].State != learning.Answered {
		t.Fatalf("after delete: %d notes, state %q", len(notes.Notes), notes.Progress.Steps[stepReflection-1].State)
	}
}

func TestCertificateVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	ctx := context.Background()
	l := e.person(t, "Jo Bloggs", false)
	fixture.Play(t, svc, l, "tiny", everything)
	c, _, _, err := svc.Finish(ctx, l, "tiny", nil)
	if err != nil {
		t.Fatal(err)
	}
	code := *c.CertificateCode
	for _, form := range []string{code, learning.GroupCode(code), " " + string([]byte(learning.GroupCode(code))) + " "} {
		v, err := svc.Verify(ctx, form)
		if err != nil || v.PersonName != "Jo Bloggs" || v.ModuleTitle != "A tiny course" || v.ModuleVersion != c.ModuleVersion {
			t.Fatalf("verify %q: %v %+v", form, err, v)
		}
		if !v.CompletedAt.Equal(c.CompletedAt) || v.ExpiresAt == nil || !v.ExpiresAt.Equal(*c.ExpiresAt) || v.VersionDate.IsZero() {
			t.Fatalf("verify dates %+v", v)
		}
	}
	upper := []byte(code)
	for i := range upper {
		if upper[i] >= 'a' && upper[i] <= 'z' {
			upper[i] -= 'a' - 'A'
		}
	}
	if _, err := svc.Verify(ctx, string(upper)); err != nil {
		t.Fatalf("verify in capitals: %v", err)
	}
	other := learning.NewCode()
	for _, bad := range []string{"", "abc", other, code[:25] + "1", code + "a", "'; DROP TABLE certificates; --"} {
		if _, err := svc.Verify(ctx, bad); !errors.Is(err, learning.ErrNotFound) {
			t.Errorf("verify %q: %v, want ErrNotFound", bad, err)
		}
	}
	if first, second := learning.NewCode(), learning.NewCode(); first == second {
		t.Fatal("two codes are the same")
	}
}

func TestCatalogueStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	ctx := context.Background()
	l := e.person(t, "Kim Park", false)
	status := func() learning.Card {
		t.Helper()
		cards := must[[]learning.Card](t)(svc.Catalogue(ctx, l, ""))
		if len(cards) != 1 {
			t.Fatalf("%d cards", len(cards))
		}
		return cards[0]
	}
	if c := status(); c.Status != learning.StatusNotStarted || c.Percent != 0 {
		t.Fatalf("fresh: %+v", c)
	}
	must[learning.Progress](t)(svc.Start(ctx, l, "tiny", false))
	svc.OpenLesson(ctx, l, "tiny", stepLesson)
	if c := status(); c.Status != learning.StatusInProgress || c.Done != 1 || c.Percent != 25 {
		t.Fatalf("started: %+v", c)
	}
	fixture.Play(t, svc, l, "tiny", everything)
	comp, _, _, err := svc.Finish(ctx, l, "tiny", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := status(); c.Status != learning.StatusComplete || c.Percent != 100 {
		t.Fatalf("complete: %+v", c)
	}
	e.clock.Set(comp.ExpiresAt.Add(-10 * 24 * time.Hour))
	if c := status(); c.Status != learning.StatusDueSoon {
		t.Fatalf("10 days before expiry: %q", c.Status)
	}
	e.clock.Set(comp.ExpiresAt.Add(time.Hour))
	if c := status(); c.Status != learning.StatusOverdue {
		t.Fatalf("after expiry: %q", c.Status)
	}
	if cards := must[[]learning.Card](t)(svc.Catalogue(ctx, l, "responder")); len(cards) != 0 {
		t.Fatalf("a line-manager course shown to the responder filter")
	}
	if cards := must[[]learning.Card](t)(svc.Catalogue(ctx, l, "line-manager")); len(cards) != 1 {
		t.Fatalf("line-manager filter: %d cards", len(cards))
	}
}

func TestRecordsAreAppendOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.service(tinyCatalogue(t, "Sam pauses."))
	ctx := context.Background()
	l := e.person(t, "Lou Reed", false)
	fixture.Play(t, svc, l, "tiny", everything)
	if _, _, _, err := svc.Finish(ctx, l, "tiny", []int{4, 0}); err != nil {
		t.Fatal(err)
	}
	db := e.owner
	for _, q := range []string{
		"UPDATE completions SET completed_at = now()",
		"DELETE FROM completions",
		"UPDATE certificates SET code = 'aaaaaaaaaaaaaaaaaaaaaaaaaa'",
		"DELETE FROM step_events",
		"UPDATE step_events SET event = 'opened'",
		"DELETE FROM course_attempts",
		"UPDATE scenario_choices SET choice = 2",
		"DELETE FROM quiz_attempts",
		"UPDATE confidence_answers SET value = 5",
		"UPDATE scenario_attempts SET state = '{}'",
		"DELETE FROM scenario_attempts",
		"UPDATE reflections SET body = 'edited'",
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded on an append-only record", q)
		}
	}
}

func TestSupportResources(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admins := org.New(e.st, org.Config{}, e.clock.Now)
	ctx := context.Background()
	other := must[store.Organisation](t)(e.st.Global().CreateOrganisation(ctx, "Elsewhere Ltd"))
	adminL := e.person(t, "Ann Admin", true)
	admin := org.Actor{Org: adminL.Org, PersonID: adminL.PersonID, IP: "192.0.2.7"}
	outsiderL := personIn(t, e.st, other, "Olu Out", true)
	outsider := outsiderL
	for _, bad := range []org.SupportInput{
		{Name: "", Phone: "0800 123"},
		{Name: "EAP"},
		{Name: "EAP", Link: "javascript:alert(1)"},
		{Name: "EAP", Link: "example.org"},
		{Name: "EAP", Phone: "call me"},
		{Name: "EAP", Phone: "++"},
	} {
		if _, err := admins.AddSupportResource(ctx, admin, bad); fault.KindOf(err) != fault.Invalid {
			t.Errorf("%+v: %v, want an input error", bad, err)
		}
	}
	a := must[store.SupportResource](t)(admins.AddSupportResource(ctx, admin, org.SupportInput{Name: " Health Assured EAP ", Phone: "0800 030 5182", Description: "Free counselling"}))
	b := must[store.SupportResource](t)(admins.AddSupportResource(ctx, admin, org.SupportInput{Name: "Wellbeing hub", Link: "https://intranet.example.org/wellbeing"}))
	if a.Name != "Health Assured EAP" || b.Position <= a.Position {
		t.Fatalf("added %+v then %+v", a, b)
	}
	if err := admins.UpdateSupportResource(ctx, outsider, a.ID, org.SupportInput{Name: "Hijack", Phone: "1"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another organisation edits: %v", err)
	}
	if err := admins.DeleteSupportResource(ctx, outsider, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another organisation deletes: %v", err)
	}
	if err := admins.UpdateSupportResource(ctx, admin, a.ID, org.SupportInput{Name: "EAP", Phone: "0800 030 5182"}); err != nil {
		t.Fatal(err)
	}
	if err := admins.DeleteSupportResource(ctx, admin, b.ID); err != nil {
		t.Fatal(err)
	}
	rs := must[[]store.SupportResource](t)(admins.SupportResources(ctx, admin))
	if len(rs) != 1 || rs[0].Name != "EAP" {
		t.Fatalf("resources %+v", rs)
	}
	if rs := must[[]store.SupportResource](t)(admins.SupportResources(ctx, outsider)); len(rs) != 0 {
		t.Fatalf("another organisation sees %d resources", len(rs))
	}
	log := must[[]store.AuditEntry](t)(e.st.Org(e.org.ID).AuditLog(ctx, store.AuditFilter{}))
	var actions []string
	for _, entry := range log {
		if entry.ActorID == nil || *entry.ActorID != admin.PersonID || entry.IP != "192.0.2.7" {
			t.Errorf("audit entry %s by %v from %q", entry.Action, entry.ActorID, entry.IP)
		}
		actions = append(actions, entry.Action)
	}
	if strings.Join(actions, ",") != "support.removed,support.changed,support.added,support.added" {
		t.Errorf("audit log %v", actions)
	}
}

// TestBundledCoursesCanBeCompleted takes every bundled module from start to
// certificate, playing each scenario along a path to a positive ending.
func TestBundledCoursesCanBeCompleted(t *testing.T) {
	t.Parallel()
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	svc := e.service(cat)
	ctx := context.Background()
	l := e.person(t, "Mo Farah", false)
	for _, m := range cat.Modules {
		fixture.Play(t, svc, l, m.ID, fixture.Plan{Finish: true})
	}
	rec := must[learning.Record](t)(svc.Record(ctx, l))
	if len(rec.Completions) != len(cat.Modules) {
		t.Fatalf("%d completions for %d modules", len(rec.Completions), len(cat.Modules))
	}
}
