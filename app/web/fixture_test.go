package web

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Fixtures for the identity tests (admin pages, sessions, CSRF, tenant
// isolation): organisations with everything a route can name.

// operator is an Actor for setting up data as the operator would.
func (s *testServer) operator(id uuid.UUID) org.Actor { return org.Operator(s.st, id, "operator") }

// tenant is an organisation with everything a route can name: an admin and
// a member signed in with passkeys, a person with an open enrolment link, a
// team, a label, the member's learning records and a support resource.
type tenant struct {
	org                    store.Organisation
	admin, member, invitee store.Person
	adminV, memberV        *browser
	adminKey, memberKey    *passkey
	inviteeToken           string
	invite                 uuid.UUID
	team, label            store.Group
	passkeyID              string // base64url, as in /account/passkeys/:id
	cert                   uuid.UUID
	certCode               string
	reflection             uuid.UUID
	scenarioAttempt        uuid.UUID
	quizAttempt            uuid.UUID
	support                uuid.UUID
	module                 string
	scenarioStep           int
	quizStep               int
	reflectionStep         int
	// secrets are strings only this organisation's pages may show.
	secrets []string
}

// newTenant builds an organisation whose every name carries tag, so that
// its data is easy to spot in another organisation's pages.
func (s *testServer) newTenant(t *testing.T, tag string) *tenant {
	t.Helper()
	ctx := context.Background()
	lower := strings.ToLower(tag)
	x := &tenant{}
	o, admin, link, err := s.org.CreateOrganisation(ctx, tag+" Trust", tag+" Adminson", "admin@"+lower+".example")
	if err != nil {
		t.Fatal(err)
	}
	x.org, x.admin = o, admin
	x.adminV = s.browser(t)
	x.adminKey = x.adminV.enrol(link.URL)
	a := s.operator(o.ID)
	if x.team, err = s.org.CreateGroup(ctx, a, store.Teams, tag+" Ward"); err != nil {
		t.Fatal(err)
	}
	if x.label, err = s.org.CreateGroup(ctx, a, store.Labels, tag+" Responder"); err != nil {
		t.Fatal(err)
	}
	member, link, err := s.org.Invite(ctx, a, store.PersonDetails{Name: tag + " Memberley", Email: "member@" + lower + ".example",
		Teams: []uuid.UUID{x.team.ID}, Labels: []uuid.UUID{x.label.ID}})
	if err != nil {
		t.Fatal(err)
	}
	x.member = member
	x.memberV = s.browser(t)
	x.memberKey = x.memberV.enrol(link.URL)
	keys, err := s.st.Org(o.ID).Member(member.ID).Credentials(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("member passkeys: %v %v", keys, err)
	}
	x.passkeyID = passkeyKey(keys[0].ID)
	invitee, link, err := s.org.Invite(ctx, a, store.PersonDetails{Name: tag + " Inviteeson", Email: "invitee@" + lower + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	x.invitee, x.invite = invitee, link.InviteID
	x.inviteeToken = enrolTokenRE.FindStringSubmatch(link.URL)[1]
	x.learnerRecords(t, s)
	res, err := s.org.AddSupportResource(ctx, org.Actor{Org: s.st.Org(o.ID), PersonID: admin.ID, IP: "operator"}, org.SupportInput{Name: tag + " Helpline", Description: tag + " counselling", Phone: "0800 000 0000"})
	if err != nil {
		t.Fatal(err)
	}
	x.support = res.ID
	x.secrets = []string{o.Name, admin.Name, admin.Email, member.Name, member.Email, invitee.Name, invitee.Email,
		x.team.Name, x.label.Name, tag + " Helpline", tag + " private note"}
	return x
}

// learnerRecords gives the member a scenario attempt, a quiz attempt, a
// reflection and a certificate, through the learning service.
func (x *tenant) learnerRecords(t *testing.T, s *testServer) {
	t.Helper()
	ctx := context.Background()
	l := org.Actor{Org: s.st.Org(x.org.ID), PersonID: x.member.ID}
	svc := s.learn
	m, _ := svc.Content().Module("microaggressions")
	x.module = m.ID
	if _, err := svc.Start(ctx, l, m.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, st := range m.Steps {
		switch st.Kind {
		case content.LessonStep:
			if _, _, err := svc.OpenLesson(ctx, l, m.ID, st.Index); err != nil {
				t.Fatal(err)
			}
		case content.ScenarioStep:
			play := playPositive(t, svc, l, m.ID, st)
			if x.scenarioStep == 0 {
				x.scenarioStep, x.scenarioAttempt = st.Index, play.Attempt.ID
			}
		case content.QuizStep:
			res, err := svc.SubmitQuiz(ctx, l, m.ID, st.Index, correctPicks(st.Quiz))
			if err != nil {
				t.Fatal(err)
			}
			x.quizStep, x.quizAttempt = st.Index, res.Attempt.ID
		case content.ReflectionStep:
			r, err := svc.Reflect(ctx, l, m.ID, st.Index, strings.Fields(x.org.Name)[0]+" private note")
			if err != nil {
				t.Fatal(err)
			}
			x.reflectionStep, x.reflection = st.Index, r.ID
		}
	}
	c, _, _, err := svc.Finish(ctx, l, m.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.CertificateID == nil {
		certs, err := s.st.Org(x.org.ID).Member(x.member.ID).LatestCompletions(ctx)
		if err != nil || len(certs) == 0 || certs[0].CertificateID == nil {
			t.Fatalf("no certificate: %v %v", certs, err)
		}
		c = certs[0]
	}
	x.cert, x.certCode = *c.CertificateID, *c.CertificateCode
}

// playPositive plays a scenario step to its positive outcome through the
// learning service.
func playPositive(t *testing.T, svc *learning.Service, l org.Actor, module string, st *content.Step) learning.Play {
	t.Helper()
	ctx := context.Background()
	play, err := svc.StartScenario(ctx, l, module, st.Index)
	if err != nil {
		t.Fatal(err)
	}
	for i, ch := range learning.PathTo(st.Scenario, content.Positive) {
		if play, err = svc.Choose(ctx, l, module, st.Index, play.Attempt.ID, i, ch); err != nil {
			t.Fatal(err)
		}
	}
	return play
}

// correctPicks answers every question of a quiz rightly, numbering the
// options from 1 as the form does.
func correctPicks(q *content.Quiz) []int {
	picks := make([]int, len(q.Questions))
	for i, qu := range q.Questions {
		for j, o := range qu.Options {
			if o.Correct {
				picks[i] = j + 1
			}
		}
	}
	return picks
}

// leaks returns the other organisation's secrets that appear in body.
func (x *tenant) leaks(body string) []string {
	var found []string
	for _, s := range x.secrets {
		if strings.Contains(body, s) {
			found = append(found, s)
		}
	}
	return found
}

// passkeyKey is a credential id as the account page puts it in URLs.
func passkeyKey(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
