package store_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/store"
)

// learner adds an organisation with one person, and records two versions of
// a module "m" to attempt.
func learner(t *testing.T, st *store.Store, org string) store.Person {
	t.Helper()
	ctx := context.Background()
	o, err := st.Global().CreateOrganisation(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	handle := make([]byte, 64)
	_, _ = rand.Read(handle)
	p, err := st.Org(o.ID).CreatePerson(ctx, store.NewPerson{Name: "Learner of " + org, Email: "l@" + org + ".example", UserHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Global().RecordContentVersions(ctx, time.Now(), []store.ContentVersion{
		{Kind: store.KindModule, ID: "m", Version: "v1", Canonical: json.RawMessage(`{"title":"M"}`)},
		{Kind: store.KindModule, ID: "m", Version: "v2", Canonical: json.RawMessage(`{"title":"M, edited"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenCourseAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	p := learner(t, st, "a")
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

	// Resume starts nothing for someone who never started.
	if _, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v1", t0, store.ResumeAttempt); !errors.Is(err, store.ErrNotFound) || c {
		t.Fatalf("resume before any attempt: created %v (%v), want ErrNotFound", c, err)
	}
	if _, err := st.Org(p.OrgID).Member(p.ID).LatestCourseAttempt(ctx, "m"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("resume left an attempt behind: %v", err)
	}

	// Twenty concurrent starts agree on one attempt.
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 20)
	created := make([]bool, 20)
	for i := range ids {
		wg.Go(func() {
			a, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v1", t0, store.ContinueAttempt)
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = a.ID, c
		})
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("start %d got attempt %v, start 0 got %v", i, ids[i], ids[0])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d starts created an attempt, want 1", n)
	}
	first, err := st.Org(p.OrgID).Member(p.ID).CourseAttempt(ctx, ids[0])
	if err != nil || first.RootID != first.ID || first.Completed() {
		t.Fatalf("first attempt %+v (%v)", first, err)
	}

	// Resume continues it.
	if a, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v1", t0, store.ResumeAttempt); err != nil || c || a.ID != first.ID {
		t.Fatalf("resume: %v created %v (%v), want %v", a.ID, c, err, first.ID)
	}

	// A new module version continues the chain in a new attempt (resuming
	// or not).
	next, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v2", t0, store.ResumeAttempt)
	if err != nil || !c || next.RootID != first.ID || next.ModuleVersion != "v2" || !next.StartedAt.After(first.StartedAt) {
		t.Fatalf("roll over: %+v created %v (%v)", next, c, err)
	}
	latest, err := st.Org(p.OrgID).Member(p.ID).LatestCourseAttempt(ctx, "m")
	if err != nil || latest.ID != next.ID {
		t.Fatalf("latest %v, want %v (%v)", latest.ID, next.ID, err)
	}

	// Once complete, Continue and Resume keep the attempt and Retake starts
	// a chain.
	if _, _, err := st.Org(p.OrgID).Member(p.ID).AddCompletion(ctx, store.Completion{CourseAttemptID: next.ID,
		ModuleID: "m", ModuleVersion: "v2", CompletedAt: t0.Add(time.Hour)}, "abcdefghijklmnopqrstuvwxyz"); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []store.AttemptMode{store.ContinueAttempt, store.ResumeAttempt} {
		same, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v2", t0.Add(2*time.Hour), mode)
		if err != nil || c || same.ID != next.ID || !same.Completed() {
			t.Fatalf("mode %d after completion: %+v created %v (%v)", mode, same, c, err)
		}
	}
	fresh, c, err := st.Org(p.OrgID).Member(p.ID).OpenCourseAttempt(ctx, "m", "v2", t0.Add(2*time.Hour), store.RetakeAttempt)
	if err != nil || !c || fresh.RootID != fresh.ID {
		t.Fatalf("retake: %+v created %v (%v)", fresh, c, err)
	}
}

// TestLearningRecordsStayInTheirOrganisation checks the database itself
// refuses records that mix organisations or people, whatever the caller.
func TestLearningRecordsStayInTheirOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	a := learner(t, st, "a")
	b := learner(t, st, "b")
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	attempt, _, err := st.Org(a.OrgID).Member(a.ID).OpenCourseAttempt(ctx, "m", "v1", t0, store.ContinueAttempt)
	if err != nil {
		t.Fatal(err)
	}
	// Person b (another organisation) writing into a's attempt, under
	// either organisation's id.
	for _, org := range []uuid.UUID{a.OrgID, b.OrgID} {
		err := st.Org(org).Member(b.ID).AddStepEvent(ctx, store.StepEvent{AttemptID: attempt.ID,
			StepID: "lesson:x", Fingerprint: "f", Event: store.EventOpened, At: t0})
		if err == nil {
			t.Errorf("a step event by another organisation's person was stored under org %v", org)
		}
	}
	if _, err := st.Org(b.OrgID).Member(b.ID).AddReflection(ctx, store.Reflection{CourseAttemptID: attempt.ID,
		StepID: "reflection:1", Body: "x", CreatedAt: t0}, store.StepEvent{}); err == nil {
		t.Error("a reflection was stored in another organisation's attempt")
	}
	// Reading across organisations finds nothing.
	if _, err := st.Org(b.OrgID).Member(a.ID).CourseAttempt(ctx, attempt.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organisation reads the attempt: %v", err)
	}
	if _, err := st.Org(a.OrgID).Member(b.ID).CourseAttempt(ctx, attempt.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another person reads the attempt: %v", err)
	}
	// An attempt on a version never recorded is refused.
	if _, _, err := st.Org(a.OrgID).Member(a.ID).OpenCourseAttempt(ctx, "m", "v9", t0, store.ContinueAttempt); err == nil {
		t.Error("an attempt on an unrecorded module version was stored")
	}
}
