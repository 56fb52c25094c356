package web

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/org"
)

// secretFile is a scenario whose text follows the path: a node with a part
// shown only after a promise, a debrief with a part shown only when the
// promise was corrected, and a choice whose routed goto leads to the mixed
// ending only when a promise stands uncorrected.
func secretFile(id string) string {
	return `id: ` + id + `
title: "Keeping a secret"
summary: "Sam asks you to keep something to yourself."
variables:
  promised: false
  corrected: false
start: ask
nodes:
  ask:
    text: Sam asks you to keep it secret.
    choices:
      - {text: Promise to keep it secret, goto: talk, set: {promised: true}, feedback: A promise you may not keep.}
      - {text: Say what you can keep private, goto: talk, feedback: Honest from the start.}
  talk:
    text:
      - Sam goes on talking.
      - {if: promised, text: Sam mentions your **promise** again.}
      - {if: "!promised", text: Sam knows where they stand.}
    choices:
      - {text: Correct your promise, goto: good, set: {corrected: true}, if: promised}
      - text: Leave it there
        goto:
          - {if: "promised && !corrected", node: uncorrected}
          - node: good
  good:
    ending: positive
    text:
      - Sam knows what will happen next.
      - {if: corrected, text: You corrected the promise before it could mislead Sam.}
  uncorrected:
    ending: mixed
    text: You promised to keep it secret and never corrected that.
`
}

// TestConditionalTextInThePlayer: a published scenario with conditional
// text and a routed goto, played over HTTP. Each learner sees the parts
// their own choices call for, the routed goto leads each path to the ending
// it deserves, and the review of a past attempt shows what that attempt's
// learner saw, not what a later one sees. The studio's playtest marks the
// parts hidden in the state, and its graph outline lists the routes.
func TestConditionalTextInThePlayer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	x := s.newTenant(t, "Rowan")
	ctx := context.Background()
	trainer := org.ActorFor(s.st, x.Trainer, "")
	if _, err := s.studio.Save(ctx, trainer, authoring.Scenario, x.Scenario, 1, map[string]string{x.Scenario + ".yaml": secretFile(x.Scenario)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.studio.Publish(ctx, trainer, authoring.Scenario, x.Scenario, 2, "conditional text"); err != nil {
		t.Fatal(err)
	}
	module := "id: " + x.Module + "\ntitle: \"Rowan secrets\"\nsummary: \"S.\"\nsteps:\n  - scenario: " + x.Scenario + "\n"
	if _, err := s.studio.Save(ctx, trainer, authoring.Module, x.Module, 1, map[string]string{"module.yaml": module}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.studio.Publish(ctx, trainer, authoring.Module, x.Module, 2, "a course with the scenario"); err != nil {
		t.Fatal(err)
	}

	c := x.memberV
	step := stepURL(x.Module, 1)
	c.redirect(courseURL(x.Module)+"/start", nil, step)
	attemptRe := regexp.MustCompile(`name="attempt" value="([^"]+)"`)
	var attempt string
	// begin starts an attempt; choose makes the at-th choice of it.
	begin := func() {
		t.Helper()
		s.clock.Add(time.Minute) // the latest attempt is the one started last
		c.redirect(step+"/scenario", nil, step)
		m := attemptRe.FindStringSubmatch(c.page(step, "Sam asks you to keep it secret."))
		if m == nil {
			t.Fatal("no attempt id on the node page")
		}
		attempt = m[1]
	}
	choose := func(at, choice int) {
		t.Helper()
		c.redirect(step+"/choose", url.Values{"attempt": {attempt}, "at": {strconv.Itoa(at)}, "choice": {strconv.Itoa(choice)}}, step+"/feedback")
	}
	lacks := func(body string, unwanted ...string) {
		t.Helper()
		for _, u := range unwanted {
			if strings.Contains(body, u) {
				t.Errorf("the page shows %q, which this learner's state does not call for", u)
			}
		}
	}
	c.page(step, "About this scenario")

	// 1. A promise left standing: the promise part, then the mixed ending.
	begin()
	promised := attempt
	choose(0, 1)
	body := c.page(step, "Sam goes on talking.", "Sam mentions your <strong>promise</strong> again.", "Correct your promise")
	lacks(body, "Sam knows where they stand.")
	choose(1, 2)
	body = c.page(step, "How it ended", "Mixed outcome", "You promised to keep it secret and never corrected that.")
	lacks(body, "Sam knows what will happen next.")

	// 2. A promise corrected: the positive ending with the correction part.
	begin()
	corrected := attempt
	choose(0, 1)
	choose(1, 1)
	c.page(step, "Positive outcome", "Sam knows what will happen next.", "You corrected the promise before it could mislead Sam.")

	// 3. Honest from the start: the other part, and the routed goto's last
	// route to the positive ending, without the correction part.
	begin()
	honest := attempt
	choose(0, 2)
	body = c.page(step, "Sam goes on talking.", "Sam knows where they stand.")
	lacks(body, "Sam mentions your", "Correct your promise")
	choose(1, 2) // "Leave it there", the only choice on offer (ids are file positions)
	body = c.page(step, "Positive outcome", "Sam knows what will happen next.")
	lacks(body, "You corrected the promise", "never corrected")

	// 4. Unfinished: a promise made, the attempt left at the middle node.
	begin()
	open := attempt
	choose(0, 1)

	// Each attempt's review shows what its learner saw.
	review := func(id string) string { return step + "/attempts/" + id }
	lacks(c.page(review(promised), "Mixed outcome", "You promised to keep it secret and never corrected that."), "You corrected the promise")
	c.page(review(corrected), "Positive outcome", "You corrected the promise before it could mislead Sam.")
	lacks(c.page(review(honest), "Positive outcome", "Sam knows what will happen next."), "You corrected the promise")
	lacks(c.page(review(open), "Sam mentions your <strong>promise</strong> again."), "Sam knows where they stand.")

	// The playtest: honest first, then the text as that learner sees it,
	// with the hidden part marked, and where the routed choice leads now.
	pt := "/studio/scenarios/" + x.Scenario + "/playtest"
	_, body = x.trainerV.post(pt, url.Values{"from": {"ask"}, "path": {""}, "choice": {"2"}})
	for _, w := range []string{"Sam goes on talking.", "Sam knows where they stand.",
		"Not shown now: <code>if: promised</code> does not hold", "Sam mentions your <strong>promise</strong> again.",
		"leads to <code>good</code> now (routed goto)"} {
		if !strings.Contains(body, w) {
			t.Errorf("the playtest lacks %q\n%s", w, clip(body))
		}
	}
	// The graph's outline lists the routes.
	x.trainerV.page("/studio/scenarios/"+x.Scenario+"/graph", "depending on the state:",
		`if <code>promised &amp;&amp; !corrected</code> → <a href="#outline-uncorrected"><code>uncorrected</code></a>`,
		`otherwise → <a href="#outline-good"><code>good</code></a>`, ">→ if promised &amp;&amp;</text>", ">→ otherwise</text>")
}
