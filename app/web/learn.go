package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// This file holds what the learner's pages share: who the learner is, the
// course frame every course page sits in, and the template functions. The
// learning service's errors are faults, answered by handleError.

// moduleParam is the :module route parameter, copied (Fiber reuses its
// buffers after the handler returns).
func moduleParam(c *fiber.Ctx) string { return utils.CopyString(c.Params("module")) }

// stepParam is the :n route parameter; anything but a small positive number
// is a 404.
func stepParam(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 || n > 1000 {
		return 0, fiber.ErrNotFound
	}
	return n, nil
}

// isHTMX reports a request made by htmx, which wants only the part of the
// page it swaps in.
func isHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// renderFragment renders a template on its own, without the layout, for
// htmx to swap into the page.
func (s *Server) renderFragment(c *fiber.Ctx, page string, data fiber.Map) error {
	data["CSRF"] = csrfToken(c)
	data["Me"] = me(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderVary, "HX-Request")
	return c.Render(page, data, "")
}

// courseURL and friends build the learner's URLs in one place.
func courseURL(m string) string            { return "/courses/" + m }
func stepURL(m string, n int) string       { return fmt.Sprintf("/courses/%s/steps/%d", m, n) }
func confidenceURL(m, phase string) string { return "/courses/" + m + "/confidence/" + phase }
func finishURL(m string) string            { return "/courses/" + m + "/finish" }
func completeURL(m string) string          { return "/courses/" + m + "/complete" }
func feedbackURL(m string, n int) string   { return stepURL(m, n) + "/feedback" }
func breakURL(m string) string             { return "/courses?break=" + m }
func quizResultURL(m string, n int, id uuid.UUID) string {
	return fmt.Sprintf("%s/quiz/%s", stepURL(m, n), id)
}

// resumeURL is where "Resume" takes the learner: the opening confidence
// check if it is still to do, then the first step not done, then the end.
func resumeURL(p learning.Progress) string {
	m := p.Module.ID
	switch {
	case p.Complete():
		return completeURL(m)
	case !p.PreAnswered:
		return confidenceURL(m, store.PhasePre)
	case p.Next() > 0:
		return stepURL(m, p.Next())
	}
	return finishURL(m)
}

// supportItem is a support resource as the panel shows it.
type supportItem struct {
	Name, Description, Link, Phone string
	// Tel is the phone number for a tel: link.
	Tel string
}

func toSupport(rs []store.SupportResource) []supportItem {
	out := make([]supportItem, len(rs))
	for i, r := range rs {
		out[i] = supportItem{Name: r.Name, Description: r.Description, Link: r.Link, Phone: r.Phone,
			Tel: strings.Map(func(r rune) rune {
				if (r >= '0' && r <= '9') || r == '+' {
					return r
				}
				return -1
			}, r.Phone)}
	}
	return out
}

// courseFrame is the data every page inside a course shows: the course, the
// learner's progress, the way out ("Take a break") and the support panel
// with the organisation's resources, then the defaults.
func (s *Server) courseFrame(c *fiber.Ctx, p learning.Progress, title string) (fiber.Map, error) {
	data := courseData(p, title)
	if err := s.addSupport(c, data); err != nil {
		return nil, err
	}
	return data, nil
}

// courseData is courseFrame without the support panel, which needs a
// query: enough for an htmx fragment, which swaps the player and the course
// bar but not the panel.
func courseData(p learning.Progress, title string) fiber.Map {
	return fiber.Map{
		"Title":     title + " – " + p.Module.Title,
		"Module":    p.Module,
		"Progress":  p,
		"CourseURL": courseURL(p.Module.ID),
		"BreakURL":  breakURL(p.Module.ID),
	}
}

// addSupport adds the support panel: the organisation's resources, then
// the defaults.
func (s *Server) addSupport(c *fiber.Ctx, data fiber.Map) error {
	if p, ok := data["Progress"].(learning.Progress); ok && p.SupportRead {
		// Read with the page's progress, in its transaction.
		data["Support"] = toSupport(p.Support)
		data["DefaultSupport"] = toSupport(org.DefaultSupport)
		return nil
	}
	own, err := s.org.SupportResources(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	data["Support"] = toSupport(own)
	data["DefaultSupport"] = toSupport(org.DefaultSupport)
	return nil
}

// stepFrame is the course frame of step n with the previous/next links and
// the "Step 3 of 7" facts.
func (s *Server) stepFrame(c *fiber.Ctx, p learning.Progress, title string, n int) (fiber.Map, error) {
	data := stepData(p, title, n)
	if err := s.addSupport(c, data); err != nil {
		return nil, err
	}
	return data, nil
}

// stepData is stepFrame without the support panel (see courseData).
func stepData(p learning.Progress, title string, n int) fiber.Map {
	data := courseData(p, title)
	m := p.Module.ID
	data["StepNumber"] = n
	data["StepCount"] = p.Total()
	if n > 1 {
		data["PrevURL"] = stepURL(m, n-1)
	} else if len(p.Module.Confidence) > 0 {
		data["PrevURL"] = confidenceURL(m, store.PhasePre)
	} else {
		data["PrevURL"] = courseURL(m)
	}
	if n < p.Total() {
		data["NextURL"] = stepURL(m, n+1)
		data["NextLabel"] = "Next step"
	} else {
		data["NextURL"] = finishURL(m)
		data["NextLabel"] = "Finish the course"
	}
	return data
}

// kindWords names a step's kind for people.
func kindWords(k content.StepKind) string {
	switch k {
	case content.LessonStep:
		return "Lesson"
	case content.ScenarioStep:
		return "Scenario"
	case content.QuizStep:
		return "Quiz"
	case content.ReflectionStep:
		return "Reflection"
	}
	return string(k)
}

// stepTitle is the title a step is listed under.
func stepTitle(st *content.Step) string {
	switch st.Kind {
	case content.LessonStep:
		return st.Lesson.Title
	case content.ScenarioStep:
		return st.Scenario.Title
	case content.QuizStep:
		return "Check your understanding"
	case content.ReflectionStep:
		return "Reflect"
	}
	return st.ID
}

// audienceWords names an audience for people.
func audienceWords(a string) string {
	switch a {
	case "line-manager":
		return "Line managers"
	case "responder":
		return "Responders"
	case "anyone":
		return "Anyone"
	}
	return a
}

// outcomeMark is the symbol shown next to an outcome's words, so it is
// never told by colour alone.
func outcomeMark(o any) string {
	switch asOutcome(o) {
	case content.Positive:
		return "✓"
	case content.Mixed:
		return "~"
	case content.Negative:
		return "!"
	}
	return ""
}

// asOutcome accepts an outcome as the engine (content.Outcome) or the
// store (*string) holds it.
func asOutcome(o any) content.Outcome {
	switch v := o.(type) {
	case content.Outcome:
		return v
	case string:
		return content.Outcome(v)
	case *string:
		if v != nil {
			return content.Outcome(*v)
		}
	}
	return ""
}

// day formats a date the way the pages say it: 21 November 2026.
func day(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.Format("2 January 2006")
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.Format("2 January 2006")
	}
	return ""
}

// learningFuncs are the template functions the learner's pages use.
func learningFuncs() template.FuncMap {
	return template.FuncMap{
		"add":           func(a, b int) int { return a + b },
		"problemText":   problemText,
		"day":           day,
		"kindWords":     kindWords,
		"stepTitle":     stepTitle,
		"stepURL":       stepURL,
		"audienceWords": audienceWords,
		"outcomeWords":  func(o any) string { return learning.OutcomeWords(asOutcome(o)) },
		"outcomeMark":   outcomeMark,
		"groupCode":     learning.GroupCode,
		// codeGroups splits a code into its groups of four, for pages that
		// must not wrap a line inside a group.
		"codeGroups": func(code string) []string { return strings.Split(learning.GroupCode(code), "-") },
		"percent": func(a, b int) int {
			if b == 0 {
				return 0
			}
			return a * 100 / b
		},
		"scale": func() []string { return learning.Scale },
		"eqInt": func(a, b int) bool { return a == b },
	}
}
