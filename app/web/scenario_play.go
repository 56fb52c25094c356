package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/learning"
)

// The scenario player. Every journey works with plain forms and links: a
// choice is a POST that redirects to the feedback page, and "Continue" is a
// link to the step, which shows where the attempt now stands. With htmx the
// same requests swap only the player (#player) and move focus to its new
// heading; the feedback is also announced through a live region.

// scenarioPage shows a scenario step: the introduction with its content
// warning when there is no attempt yet, else the current node, or the
// ending with the debrief and the review of the path.
func (s *Server) scenarioPage(c *fiber.Ctx, module string, n int) error {
	play, err := s.learn.Scenario(c.UserContext(), actor(c), module, n)
	if err != nil {
		return err
	}
	view := "node"
	switch {
	case !play.Started():
		view = "intro"
	case play.Finished():
		view = "ending"
	}
	return s.renderPlay(c, play, n, view)
}

// playData is the step frame of scenario step n, without the support panel
// (see courseData), with the player in one of its views: intro, node,
// feedback or ending.
func playData(play learning.Play, n int, view string) fiber.Map {
	data := stepData(play.Progress, play.Scenario.Title, n)
	data["Play"] = play
	data["View"] = view
	data["StepPath"] = stepURL(play.Progress.Module.ID, n)
	return data
}

// renderPlay renders the player in one of its views; only the player
// itself (and the course bar) when htmx asks, so without the support
// panel and its query.
func (s *Server) renderPlay(c *fiber.Ctx, play learning.Play, n int, view string) error {
	data := playData(play, n, view)
	data["HTMX"] = true
	switch view {
	case "feedback":
		data["Title"] = "Feedback – " + play.Scenario.Title
		if play.Last != nil {
			data["Live"] = "Feedback on your choice: " + play.Last.Text
		}
	case "ending":
		data["Title"] = "Ending – " + play.Scenario.Title
		data["Live"] = "The scenario has ended: " + learning.OutcomeWords(play.State.Outcome)
	case "node":
		data["Live"] = "Next: " + play.Scenario.Title
	}
	if isHTMX(c) {
		return s.renderFragment(c, "pages/scenario_fragment", data)
	}
	if err := s.addSupport(c, data); err != nil {
		return err
	}
	return s.render(c, "pages/scenario", data)
}

// scenarioStart begins a fresh attempt (the first, or "try again").
func (s *Server) scenarioStart(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	play, err := s.learn.StartScenario(c.UserContext(), actor(c), moduleParam(c), n)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Push-Url", stepURL(play.Progress.Module.ID, n))
		return s.renderPlay(c, play, n, "node")
	}
	return c.Redirect(stepURL(play.Progress.Module.ID, n), fiber.StatusSeeOther)
}

// scenarioChoose applies a choice. The form carries the attempt and how
// many choices it had when shown (at), so a double submit or a second tab
// cannot apply a choice twice: a stale one just shows where things stand.
func (s *Server) scenarioChoose(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	module := moduleParam(c)
	id, err := uuidForm(c, "attempt")
	if err != nil {
		return err
	}
	at, err1 := strconv.Atoi(c.FormValue("at"))
	choice, err2 := strconv.Atoi(c.FormValue("choice"))
	if err1 != nil || err2 != nil {
		return fiber.NewError(fiber.StatusBadRequest, "Pick one of the choices shown.")
	}
	// Without JavaScript the feedback page builds the player after the
	// redirect, so here the choice is only stored.
	var play learning.Play
	if isHTMX(c) {
		play, err = s.learn.Choose(c.UserContext(), actor(c), module, n, id, at, choice)
	} else {
		err = s.learn.RecordChoice(c.UserContext(), actor(c), module, n, id, at, choice)
	}
	if errors.Is(err, learning.ErrStale) {
		return c.Redirect(stepURL(module, n), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if isHTMX(c) {
		c.Set("HX-Push-Url", feedbackURL(module, n))
		return s.renderPlay(c, play, n, "feedback")
	}
	return c.Redirect(feedbackURL(module, n), fiber.StatusSeeOther)
}

// scenarioFeedback shows the feedback on the latest choice and the way on.
func (s *Server) scenarioFeedback(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	play, err := s.learn.Scenario(c.UserContext(), actor(c), moduleParam(c), n)
	if err != nil {
		return err
	}
	if play.Last == nil {
		return c.Redirect(stepURL(play.Progress.Module.ID, n), fiber.StatusSeeOther)
	}
	return s.renderPlay(c, play, n, "feedback")
}

// scenarioReview shows one of the learner's own attempts (for their record);
// anyone else's is a 404.
func (s *Server) scenarioReview(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	play, err := s.learn.ScenarioAttempt(c.UserContext(), actor(c), moduleParam(c), n, id)
	if err != nil {
		return err
	}
	view := "ending"
	if !play.Finished() {
		view = "node"
	}
	data := playData(play, n, view)
	if err := s.addSupport(c, data); err != nil {
		return err
	}
	data["Review"] = true
	return s.render(c, "pages/scenario", data)
}

// uuidForm reads a uuid form field; a malformed one is a 404 (it names no
// record of the learner's).
func uuidForm(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.FormValue(name))
	if err != nil {
		return uuid.Nil, fiber.ErrNotFound
	}
	return id, nil
}
