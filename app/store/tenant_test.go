package store_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/store"
)

// Tenant isolation in the data layer: every store method that touches an
// organisation's data, called with organisation A's id and organisation B's
// ids, finds nothing (ErrNotFound for one object, an empty list for many)
// and changes nothing of B's. Inserts that name B's rows from A are refused
// by the composite foreign keys. Every exported method of *store.Store must
// have an entry in storeIsolation, so a new method cannot skip this test.

// orgData is one organisation with a row of every kind.
type orgData struct {
	org             store.Organisation
	admin, member   store.Person
	invite          store.Invite
	team, label     store.Group
	credential      []byte
	sessionHash     []byte
	support         store.SupportResource
	courseAttempt   uuid.UUID
	rootAttempt     uuid.UUID
	module          string
	scenarioAttempt uuid.UUID
	scenarioStep    string
	quizAttempt     uuid.UUID
	quizStep        string
	reflection      uuid.UUID
	reflectionStep  string
	completion      uuid.UUID
	certificate     uuid.UUID
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func newOrgData(t *testing.T, st *store.Store, svc *learning.Service, tag string, now time.Time) *orgData {
	t.Helper()
	ctx := context.Background()
	d := &orgData{}
	var err error
	if d.org, err = st.CreateOrganisation(ctx, tag+" Trust"); err != nil {
		t.Fatal(err)
	}
	if d.admin, err = st.CreatePerson(ctx, d.org.ID, store.NewPerson{Name: tag + " Admin", Email: "admin@" + tag + ".example",
		UserHandle: randomBytes(64), IsOrgAdmin: true}); err != nil {
		t.Fatal(err)
	}
	if d.team, err = st.CreateGroup(ctx, store.Teams, d.org.ID, tag+" Ward"); err != nil {
		t.Fatal(err)
	}
	if d.label, err = st.CreateGroup(ctx, store.Labels, d.org.ID, tag+" Responder"); err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256(randomBytes(32))
	d.member, d.invite, err = st.InvitePerson(ctx, d.org.ID,
		store.NewPerson{Name: tag + " Member", Email: "member@" + tag + ".example", UserHandle: randomBytes(64)},
		[]uuid.UUID{d.team.ID}, []uuid.UUID{d.label.ID},
		store.NewInvite{TokenHash: hash[:], Now: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	d.credential = randomBytes(32)
	if err := st.AddCredential(ctx, store.Credential{ID: d.credential, OrgID: d.org.ID, PersonID: d.member.ID, Name: tag + " key",
		Record: []byte(`{}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sh := sha256.Sum256(randomBytes(32))
	d.sessionHash = sh[:]
	if err := st.CreateSession(ctx, store.Session{IDHash: d.sessionHash, OrgID: d.org.ID, PersonID: d.member.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Audit(ctx, store.AuditEntry{OrgID: &d.org.ID, At: now, ActorID: &d.admin.ID, Action: "test", SubjectID: &d.member.ID}); err != nil {
		t.Fatal(err)
	}
	if d.support, err = svc.AddSupportResource(ctx, learning.Editor{OrgID: d.org.ID, PersonID: d.admin.ID, IP: "test"}, learning.SupportInput{Name: tag + " Helpline", Phone: "0800 000 0000"}); err != nil {
		t.Fatal(err)
	}
	d.learnerRecords(t, st, svc)
	return d
}

// learnerRecords plays the member through a course with the learning
// service: a scenario attempt, a quiz attempt, a reflection, a completion
// with its certificate.
func (d *orgData) learnerRecords(t *testing.T, st *store.Store, svc *learning.Service) {
	t.Helper()
	ctx := context.Background()
	l := learning.Learner{OrgID: d.org.ID, PersonID: d.member.ID}
	m, _ := svc.Content().Module("microaggressions")
	d.module = m.ID
	if _, err := svc.Start(ctx, l, m.ID, false); err != nil {
		t.Fatal(err)
	}
	pre := make([]int, len(m.Confidence))
	for i := range pre {
		pre[i] = 3
	}
	if err := svc.AnswerConfidence(ctx, l, m.ID, store.PhasePre, pre); err != nil {
		t.Fatal(err)
	}
	for _, step := range m.Steps {
		switch step.Kind {
		case content.LessonStep:
			if _, _, err := svc.OpenLesson(ctx, l, m.ID, step.Index); err != nil {
				t.Fatal(err)
			}
		case content.ScenarioStep:
			play, err := svc.StartScenario(ctx, l, m.ID, step.Index)
			if err != nil {
				t.Fatal(err)
			}
			for i, ch := range learning.PathTo(step.Scenario, content.Positive) {
				if play, err = svc.Choose(ctx, l, m.ID, step.Index, play.Attempt.ID, i, ch); err != nil {
					t.Fatal(err)
				}
			}
			if d.scenarioAttempt == uuid.Nil {
				d.scenarioAttempt, d.scenarioStep = play.Attempt.ID, play.Attempt.StepID
			}
		case content.QuizStep:
			picks := make([]int, len(step.Quiz.Questions))
			for i, q := range step.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						picks[i] = j + 1
					}
				}
			}
			res, err := svc.SubmitQuiz(ctx, l, m.ID, step.Index, picks)
			if err != nil {
				t.Fatal(err)
			}
			d.quizAttempt, d.quizStep = res.Attempt.ID, res.Attempt.StepID
		case content.ReflectionStep:
			r, err := svc.Reflect(ctx, l, m.ID, step.Index, "a private note")
			if err != nil {
				t.Fatal(err)
			}
			d.reflection, d.reflectionStep = r.ID, r.StepID
		}
	}
	c, _, p, err := svc.Finish(ctx, l, m.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.completion, d.courseAttempt, d.rootAttempt = c.ID, p.Attempt.ID, p.Attempt.RootID
	cs, err := st.LatestCompletions(ctx, d.org.ID, d.member.ID)
	if err != nil || len(cs) != 1 || cs[0].CertificateID == nil {
		t.Fatalf("completion: %v %v", cs, err)
	}
	d.certificate = *cs[0].CertificateID
}

// isolationCheck calls one store method across the wall: with A's
// organisation id (and, where asked, A's person) but B's ids.
type isolationCheck func(t *testing.T, st *store.Store, a, b *orgData) error

func empty[T any](list []T, err error) error {
	if err != nil {
		return fmt.Errorf("got %v, want an empty list", err)
	}
	if len(list) != 0 {
		return fmt.Errorf("got %d of B's rows, want none", len(list))
	}
	return nil
}

// refused expects any error: the database refused a row that links A's
// organisation to B's rows.
func refused(err error) error {
	if err == nil {
		return errors.New("the write succeeded")
	}
	return nil
}

func all(errs ...error) error { return errors.Join(errs...) }

// storeIsolation has an entry for every exported method of *store.Store:
// a check, or the reason the method cannot cross organisations.
func storeIsolation(ctx context.Context, now time.Time) map[string]any {
	return map[string]any{
		// People, teams, labels.
		"Person": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.Person(ctx, a.org.ID, b.member.ID)
			return notFoundErr(err)
		}),
		"People": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			ps, err := st.People(ctx, a.org.ID)
			return noneOf(ps, err, func(p store.Person) bool { return p.OrgID == b.org.ID })
		}),
		"CreatePerson": "creates a person in the given organisation and names no other row",
		"UpdatePerson": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(
				notFoundErr(st.UpdatePerson(ctx, a.org.ID, b.member.ID, store.PersonDetails{Name: "X", Email: "x@x.example"})),
				notFoundErr(st.UpdatePerson(ctx, a.org.ID, a.member.ID, store.PersonDetails{Name: a.member.Name, Email: a.member.Email,
					Teams: []uuid.UUID{b.team.ID}, Labels: []uuid.UUID{b.label.ID}})))
		}),
		"SetActive": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return notFoundErr(st.SetActive(ctx, a.org.ID, b.member.ID, false, now))
		}),
		"PersonByHandle": "looks a person up by their 64-byte secret user handle, which decides the organisation",
		"Group": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err1 := st.Group(ctx, store.Teams, a.org.ID, b.team.ID)
			_, err2 := st.Group(ctx, store.Labels, a.org.ID, b.label.ID)
			return all(notFoundErr(err1), notFoundErr(err2))
		}),
		"Groups": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			ts, err1 := st.Groups(ctx, store.Teams, a.org.ID)
			ls, err2 := st.Groups(ctx, store.Labels, a.org.ID)
			other := func(g store.Group) bool { return g.OrgID == b.org.ID }
			return all(noneOf(ts, err1, other), noneOf(ls, err2, other))
		}),
		"CreateGroup": "creates a team or label in the given organisation and names no other row",
		"RenameGroup": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.RenameGroup(ctx, store.Teams, a.org.ID, b.team.ID, "X")),
				notFoundErr(st.RenameGroup(ctx, store.Labels, a.org.ID, b.label.ID, "X")))
		}),
		"DeleteGroup": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.DeleteGroup(ctx, store.Teams, a.org.ID, b.team.ID)),
				notFoundErr(st.DeleteGroup(ctx, store.Labels, a.org.ID, b.label.ID)))
		}),
		"GroupsOf": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.GroupsOf(ctx, store.Teams, a.org.ID, b.member.ID))
		}),
		"SetGroups": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.SetGroups(ctx, store.Teams, a.org.ID, b.member.ID, nil)),
				notFoundErr(st.SetGroups(ctx, store.Teams, a.org.ID, a.member.ID, []uuid.UUID{b.team.ID})),
				notFoundErr(st.SetGroups(ctx, store.Labels, a.org.ID, a.member.ID, []uuid.UUID{b.label.ID})))
		}),
		"Memberships": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			m, err := st.Memberships(ctx, store.Teams, a.org.ID)
			if err != nil {
				return err
			}
			if _, ok := m[b.member.ID]; ok {
				return errors.New("lists B's member")
			}
			return nil
		}),

		// Invites.
		"InvitePerson": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			h := sha256.Sum256(randomBytes(32))
			_, _, err := st.InvitePerson(ctx, a.org.ID, store.NewPerson{Name: "X", Email: "x@a.example", UserHandle: randomBytes(64)},
				[]uuid.UUID{b.team.ID}, nil, store.NewInvite{TokenHash: h[:], Now: now, ExpiresAt: now.Add(time.Hour)})
			return notFoundErr(err)
		}),
		"IssueInvite": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			h := sha256.Sum256(randomBytes(32))
			_, err := st.IssueInvite(ctx, a.org.ID, b.member.ID, store.NewInvite{TokenHash: h[:], Now: now, ExpiresAt: now.Add(time.Hour)})
			return notFoundErr(err)
		}),
		"OpenInvites": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.OpenInvites(ctx, a.org.ID, b.member.ID, now))
		}),
		"RevokeInvite": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.RevokeInvite(ctx, a.org.ID, b.invite.ID, now)
			return notFoundErr(err)
		}),
		"InviteByToken": "looks an invite up by the hash of its 256-bit secret token, which decides the organisation",

		// Passkeys and sessions.
		"Credentials": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.Credentials(ctx, a.org.ID, b.member.ID))
		}),
		"AddCredential": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return refused(st.AddCredential(ctx, store.Credential{ID: randomBytes(32), OrgID: a.org.ID, PersonID: b.member.ID,
				Name: "X", Record: []byte(`{}`), CreatedAt: now}))
		}),
		"EnrolCredential": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(
				refused(st.EnrolCredential(ctx, b.invite.ID, store.Credential{ID: randomBytes(32), OrgID: a.org.ID, PersonID: a.member.ID,
					Name: "X", Record: []byte(`{}`), CreatedAt: now}, now)),
				refused(st.EnrolCredential(ctx, b.invite.ID, store.Credential{ID: randomBytes(32), OrgID: a.org.ID, PersonID: b.member.ID,
					Name: "X", Record: []byte(`{}`), CreatedAt: now}, now)))
		}),
		"RecordCredentialUse": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return notFoundErr(st.RecordCredentialUse(ctx, a.org.ID, b.credential, []byte(`{"x":1}`), 99, now))
		}),
		"RenameCredential": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.RenameCredential(ctx, a.org.ID, b.member.ID, b.credential, "X")),
				notFoundErr(st.RenameCredential(ctx, a.org.ID, a.member.ID, b.credential, "X")))
		}),
		"DeleteCredential": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.DeleteCredential(ctx, a.org.ID, b.member.ID, b.credential)),
				notFoundErr(st.DeleteCredential(ctx, a.org.ID, a.member.ID, b.credential)))
		}),
		"CreateSession": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			h := sha256.Sum256(randomBytes(32))
			return refused(st.CreateSession(ctx, store.Session{IDHash: h[:], OrgID: a.org.ID, PersonID: b.member.ID,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}))
		}),
		"CreateDemoLink": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			h := sha256.Sum256(randomBytes(32))
			return refused(st.CreateDemoLink(ctx, store.DemoLink{TokenHash: h[:], OrgID: a.org.ID, PersonID: b.member.ID,
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
		}),
		"DemoLinkByToken": "looks a demo link up by the hash of its 256-bit secret token, which decides the organisation",
		"TakeDemoLink":    "uses a demo link named by the hash of its 256-bit secret token, which decides the organisation",
		"DeletePersonSessions": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			n, err := st.DeletePersonSessions(ctx, a.org.ID, b.member.ID)
			if err != nil || n != 0 {
				return fmt.Errorf("ended %d sessions (%v), want 0", n, err)
			}
			return nil
		}),
		"SessionByHash": "looks a session up by the hash of its 256-bit secret token, which decides the organisation",
		"TouchSession":  "acts on one session named by the hash of its secret token",
		"DeleteSession": "acts on one session named by the hash of its secret token",
		"SaveCeremony":  "ceremony state is keyed by the hash of a secret ceremony id and holds no organisation data",
		"TakeCeremony":  "ceremony state is keyed by the hash of a secret ceremony id and holds no organisation data",
		"SweepExpired":  "deletes expired rows of every organisation, by time alone",
		"KV":            "CSRF tokens and rate-limit counters: no organisation data",
		"DB":            "the raw database, for health checks",
		"Audit":         "appends an entry that names its own organisation",
		"AuditLog": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			es, err1 := st.AuditLog(ctx, a.org.ID, store.AuditFilter{})
			ps, err2 := st.AuditLog(ctx, a.org.ID, store.AuditFilter{PersonID: &b.member.ID})
			other := func(e store.AuditEntry) bool { return e.OrgID != nil && *e.OrgID == b.org.ID }
			return all(noneOf(es, err1, other), empty(ps, err2))
		}),

		// Organisations and content: not organisation data, or the
		// operator's view of all organisations.
		"CreateOrganisation":    "the operator creates an organisation",
		"Organisation":          "loads an organisation by its own id: callers pass the signed-in person's organisation",
		"Organisations":         "the operator's list of every organisation",
		"ContentVersion":        "course content is shared by every organisation",
		"RecordContentVersions": "course content is shared by every organisation",
		"CertificateByCode":     "public verification by a certificate's 130-bit secret code",

		// Learner records: A's organisation (and A's person where the
		// method takes one) with B's ids.
		"CourseAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err1 := st.CourseAttempt(ctx, a.org.ID, b.member.ID, b.courseAttempt)
			_, err2 := st.CourseAttempt(ctx, a.org.ID, a.member.ID, b.courseAttempt)
			return all(notFoundErr(err1), notFoundErr(err2))
		}),
		"CourseAttempts": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.CourseAttempts(ctx, a.org.ID, b.member.ID))
		}),
		"LatestCourseAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.LatestCourseAttempt(ctx, a.org.ID, b.member.ID, b.module)
			return notFoundErr(err)
		}),
		"LatestCourseAttempts": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.LatestCourseAttempts(ctx, a.org.ID, b.member.ID))
		}),
		"OpenCourseAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, _, err := st.OpenCourseAttempt(ctx, a.org.ID, b.member.ID, "responding-to-reports", "v", now, store.ContinueAttempt)
			return refused(err)
		}),
		"CreateScenarioAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			sa, err := st.ScenarioAttempt(ctx, b.org.ID, b.member.ID, b.scenarioAttempt)
			if err != nil {
				return err
			}
			sa.OrgID, sa.PersonID = a.org.ID, a.member.ID // B's course attempt, from A
			_, err = st.CreateScenarioAttempt(ctx, sa)
			return refused(err)
		}),
		"ScenarioAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.ScenarioAttempt(ctx, a.org.ID, a.member.ID, b.scenarioAttempt)
			return notFoundErr(err)
		}),
		"ScenarioAttempts": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.ScenarioAttempts(ctx, a.org.ID, b.member.ID))
		}),
		"LatestScenarioAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.LatestScenarioAttempt(ctx, a.org.ID, b.member.ID, b.rootAttempt, b.scenarioStep)
			return notFoundErr(err)
		}),
		// RecordChoice cannot tell "not yours" from "moved on": either way
		// it refuses with ErrStale and changes nothing.
		"RecordChoice": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			err := st.RecordChoice(ctx, a.org.ID, a.member.ID, b.scenarioAttempt, store.ChoiceRecord{Seq: 1, Node: "x", Choice: 1, State: []byte(`{}`), At: now})
			if !errors.Is(err, store.ErrStale) && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("got %v, want ErrStale or ErrNotFound", err)
			}
			return nil
		}),
		"ScenarioChoices": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(empty(st.ScenarioChoices(ctx, a.org.ID, b.member.ID, b.scenarioAttempt)),
				empty(st.ScenarioChoices(ctx, a.org.ID, a.member.ID, b.scenarioAttempt)))
		}),
		"AddQuizAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.AddQuizAttempt(ctx, store.QuizAttempt{OrgID: a.org.ID, PersonID: a.member.ID, CourseAttemptID: b.courseAttempt,
				StepID: b.quizStep, Answers: []int{1}, At: now},
				store.StepEvent{OrgID: a.org.ID, PersonID: a.member.ID, AttemptID: b.courseAttempt, StepID: b.quizStep, Event: "passed", At: now})
			return refused(err)
		}),
		"QuizAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.QuizAttempt(ctx, a.org.ID, a.member.ID, b.quizAttempt)
			return notFoundErr(err)
		}),
		"QuizAttempts": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.QuizAttempts(ctx, a.org.ID, b.member.ID, b.rootAttempt, b.quizStep))
		}),
		"AllQuizAttempts": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.AllQuizAttempts(ctx, a.org.ID, b.member.ID))
		}),
		"AddReflection": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.AddReflection(ctx, store.Reflection{OrgID: a.org.ID, PersonID: a.member.ID, CourseAttemptID: b.courseAttempt,
				StepID: b.reflectionStep, Body: "x", CreatedAt: now},
				store.StepEvent{OrgID: a.org.ID, PersonID: a.member.ID, AttemptID: b.courseAttempt, StepID: b.reflectionStep, Event: "answered", At: now})
			return refused(err)
		}),
		"Reflection": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.Reflection(ctx, a.org.ID, a.member.ID, b.reflection)
			return notFoundErr(err)
		}),
		"Reflections": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.Reflections(ctx, a.org.ID, b.member.ID, b.rootAttempt, b.reflectionStep))
		}),
		"AllReflections": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.AllReflections(ctx, a.org.ID, b.member.ID))
		}),
		"DeleteReflection": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(notFoundErr(st.DeleteReflection(ctx, a.org.ID, a.member.ID, b.reflection)),
				notFoundErr(st.DeleteReflection(ctx, a.org.ID, b.member.ID, b.reflection)))
		}),
		"AddCompletion": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, _, err := st.AddCompletion(ctx, store.Completion{OrgID: a.org.ID, PersonID: a.member.ID, CourseAttemptID: b.courseAttempt,
				ModuleID: b.module, CompletedAt: now}, strings.Repeat("a", 26))
			return refused(err)
		}),
		"CompletionOfAttempt": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.CompletionOfAttempt(ctx, a.org.ID, a.member.ID, b.courseAttempt)
			return notFoundErr(err)
		}),
		"Completions": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.Completions(ctx, a.org.ID, b.member.ID))
		}),
		"LatestCompletions": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.LatestCompletions(ctx, a.org.ID, b.member.ID))
		}),
		"Certificate": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err1 := st.Certificate(ctx, a.org.ID, a.member.ID, b.certificate)
			_, err2 := st.Certificate(ctx, a.org.ID, b.member.ID, b.certificate)
			return all(notFoundErr(err1), notFoundErr(err2))
		}),
		"AddConfidenceAnswers": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			one := 1
			_, err := st.AddConfidenceAnswers(ctx, []store.ConfidenceAnswer{{OrgID: a.org.ID, PersonID: a.member.ID, CourseAttemptID: b.courseAttempt,
				Phase: store.PhasePost, Statement: 1, StatementText: "x", Value: &one, At: now}})
			return refused(err)
		}),
		"ConfidenceAnswers": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return empty(st.ConfidenceAnswers(ctx, a.org.ID, b.member.ID, b.rootAttempt))
		}),
		"AddStepEvent": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return refused(st.AddStepEvent(ctx, store.StepEvent{OrgID: a.org.ID, PersonID: a.member.ID, AttemptID: b.courseAttempt,
				StepID: b.quizStep, Event: "opened", At: now}))
		}),
		"AddStepEventOnce": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return refused(st.AddStepEventOnce(ctx, store.StepEvent{OrgID: a.org.ID, PersonID: a.member.ID, AttemptID: b.courseAttempt,
				StepID: b.quizStep, Event: "opened", At: now}))
		}),
		"StepEvents": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return all(empty(st.StepEvents(ctx, a.org.ID, b.member.ID, b.rootAttempt)),
				empty(st.StepEvents(ctx, a.org.ID, a.member.ID, b.rootAttempt)))
		}),
		"StepEventsByRoot": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			m, err := st.StepEventsByRoot(ctx, a.org.ID, a.member.ID, []uuid.UUID{b.rootAttempt})
			if err != nil || len(m[b.rootAttempt]) != 0 {
				return fmt.Errorf("got %d of B's events (%v), want none", len(m[b.rootAttempt]), err)
			}
			return nil
		}),

		// Support resources.
		"SupportResource": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			_, err := st.SupportResource(ctx, a.org.ID, b.support.ID)
			return notFoundErr(err)
		}),
		"SupportResources": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			rs, err := st.SupportResources(ctx, a.org.ID)
			return noneOf(rs, err, func(r store.SupportResource) bool { return r.OrgID == b.org.ID })
		}),
		"CreateSupportResource": "creates a resource in the organisation the row names, and names no other row",
		"UpdateSupportResource": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			r := b.support
			r.OrgID, r.Name = a.org.ID, "Taken over"
			return notFoundErr(st.UpdateSupportResource(ctx, r))
		}),
		"DeleteSupportResource": isolationCheck(func(t *testing.T, st *store.Store, a, b *orgData) error {
			return notFoundErr(st.DeleteSupportResource(ctx, a.org.ID, b.support.ID))
		}),
	}
}

func notFoundErr(err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("got %v, want ErrNotFound", err)
	}
	return nil
}

// noneOf fails if the list holds a row for which isB is true.
func noneOf[T any](list []T, err error, isB func(T) bool) error {
	if err != nil {
		return err
	}
	if slices.ContainsFunc(list, isB) {
		return errors.New("lists B's rows")
	}
	return nil
}

// orgSnapshot is every row of the organisation the methods above could
// change, in a stable order.
func orgSnapshot(t *testing.T, st *store.Store, d *orgData) string {
	t.Helper()
	var b strings.Builder
	db := st.DB()
	for _, q := range []string{
		"SELECT name, email, is_trainer, is_org_admin, active FROM people WHERE org_id = ? ORDER BY id",
		"SELECT name FROM teams WHERE org_id = ? ORDER BY id",
		"SELECT name FROM labels WHERE org_id = ? ORDER BY id",
		"SELECT team_id, person_id FROM team_members WHERE org_id = ? ORDER BY 1, 2",
		"SELECT label_id, person_id FROM person_labels WHERE org_id = ? ORDER BY 1, 2",
		"SELECT id, used_at, revoked_at FROM invites WHERE org_id = ? ORDER BY id",
		"SELECT id, name, record::text, sign_count, last_used_at FROM credentials WHERE org_id = ? ORDER BY id",
		"SELECT id_hash, person_id FROM sessions WHERE org_id = ? ORDER BY id_hash",
		"SELECT id FROM course_attempts WHERE org_id = ? ORDER BY id",
		"SELECT id, choices, state::text FROM scenario_attempts WHERE org_id = ? ORDER BY id",
		"SELECT attempt_id, seq FROM scenario_choices WHERE org_id = ? ORDER BY 1, 2",
		"SELECT id FROM quiz_attempts WHERE org_id = ? ORDER BY id",
		"SELECT id, body FROM reflections WHERE org_id = ? ORDER BY id",
		"SELECT id FROM completions WHERE org_id = ? ORDER BY id",
		"SELECT id FROM certificates WHERE org_id = ? ORDER BY id",
		"SELECT course_attempt_id, phase, statement FROM confidence_answers WHERE org_id = ? ORDER BY 1, 2, 3",
		"SELECT count(*) FROM step_events WHERE org_id = ?",
		"SELECT id, name, phone, link FROM support_resources WHERE org_id = ? ORDER BY id",
	} {
		rows, err := db.QueryContext(context.Background(), q, d.org.ID)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%v\n", vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// TestStoreTenantIsolation calls every organisation-scoped store method
// with A's organisation and B's ids.
func TestStoreTenantIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(dbtest.New(t))
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	svc := learning.New(st, cat, func() time.Time { return now })
	a := newOrgData(t, st, svc, "aspen", now)
	b := newOrgData(t, st, svc, "beech", now)
	checks := storeIsolation(ctx, now)

	typ := reflect.TypeFor[*store.Store]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		entry, ok := checks[name]
		if !ok {
			t.Errorf("store method %s has no entry in storeIsolation (app/store/tenant_test.go).\n"+
				"If it touches an organisation's data, add a check that calls it with organisation A's id and organisation B's ids\n"+
				"and expects ErrNotFound (one object), an empty list (many) or a refusal (a row linking A to B's rows);\n"+
				"if it cannot reach another organisation's data, add a string saying why.", name)
			continue
		}
		check, ok := entry.(isolationCheck)
		if !ok {
			continue // a documented exemption
		}
		t.Run(name, func(t *testing.T) {
			before := orgSnapshot(t, st, b)
			if err := check(t, st, a, b); err != nil {
				t.Errorf("%s with A's organisation and B's ids: %v", name, err)
			}
			if after := orgSnapshot(t, st, b); after != before {
				t.Errorf("%s changed B's rows:\nbefore:\n%s\nafter:\n%s", name, before, after)
			}
		})
	}
	for name := range checks {
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("storeIsolation has an entry for %s, which is no longer a store method", name)
		}
	}
}
