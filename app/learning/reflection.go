package learning

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// MaxReflectionRunes bounds a reflection note.
const MaxReflectionRunes = 10000

// ReflectionView is a reflection step with the learner's own notes for it.
type ReflectionView struct {
	Progress Progress
	Step     *content.Step
	Notes    []store.Reflection
}

// Reflection shows a reflection step with the learner's notes.
func (s *Service) Reflection(ctx context.Context, l org.Actor, moduleID string, index int) (ReflectionView, error) {
	var v ReflectionView
	err := s.stepView(ctx, l, moduleID, index, content.ReflectionStep, func(l org.Actor, a store.CourseAttempt, st *content.Step, p Progress) (err error) {
		v.Step, v.Progress = st, p
		v.Notes, err = l.Member().Reflections(ctx, a.RootID, st.ID)
		return err
	})
	if err != nil {
		return ReflectionView{}, err
	}
	return v, nil
}

// Reflect saves a private note for a reflection step; an empty note is
// refused (skip the step instead).
func (s *Service) Reflect(ctx context.Context, l org.Actor, moduleID string, index int, body string) (store.Reflection, error) {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ReflectionStep)
	if err != nil {
		return store.Reflection{}, err
	}
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case body == "":
		return store.Reflection{}, fault.Input("note", "Write something before saving, or choose \"Skip this step\".")
	case !utf8.ValidString(body):
		return store.Reflection{}, fault.Input("note", "The note contains characters that are not text.")
	case utf8.RuneCountInString(body) > MaxReflectionRunes:
		return store.Reflection{}, fault.Input("note", fmt.Sprintf("The note is longer than %d characters. Please shorten it.", MaxReflectionRunes))
	}
	a, err := s.openAttempt(ctx, l, m, store.ResumeAttempt)
	if err != nil {
		return store.Reflection{}, err
	}
	return l.Member().AddReflection(ctx, store.Reflection{CourseAttemptID: a.ID,
		StepID: st.ID, Body: body, CreatedAt: s.Now()}, s.event(l, a, st, store.EventAnswered))
}

// SkipReflection records that the learner chose not to write a note; the
// step then counts as done.
func (s *Service) SkipReflection(ctx context.Context, l org.Actor, moduleID string, index int) error {
	m, st, err := s.stepOfKind(ctx, l, moduleID, index, content.ReflectionStep)
	if err != nil {
		return err
	}
	a, err := s.openAttempt(ctx, l, m, store.ResumeAttempt)
	if err != nil {
		return err
	}
	return l.Member().AddStepEventOnce(ctx, s.event(l, a, st, store.EventSkipped))
}

// DeleteReflection deletes one of the learner's own notes for good. Someone
// else's note is ErrNotFound, whoever asks.
func (s *Service) DeleteReflection(ctx context.Context, l org.Actor, id uuid.UUID) (store.Reflection, error) {
	r, err := l.Member().Reflection(ctx, id)
	if err != nil {
		return store.Reflection{}, notFound(err)
	}
	if err := l.Member().DeleteReflection(ctx, id); err != nil {
		return store.Reflection{}, notFound(err)
	}
	return r, nil
}

// Reflections lists all of the learner's notes, newest first, for their
// record.
func (s *Service) Reflections(ctx context.Context, l org.Actor) ([]store.Reflection, error) {
	return l.Member().AllReflections(ctx)
}
