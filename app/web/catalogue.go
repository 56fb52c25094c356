package web

import (
	"cmp"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// requiredCard is a course required of the learner: its card, with the
// status and dates coverage gives it (docs/coverage.md).
type requiredCard struct {
	learning.Card
	Duty  store.Duty
	Word  string
	Class string // the card's status style: done, due, progress, none
	When  string // the dates in words
}

// requiredOf makes the card of a required course.
func requiredOf(card learning.Card, d store.Duty) requiredCard {
	r := requiredCard{Card: card, Duty: d, Word: org.StatusWords[d.Status]}
	switch d.Status {
	case store.StatusComplete:
		r.Class, r.When = "done", "completed "+day(d.DoneAt)
		if d.ExpiresAt != nil {
			r.When += ", valid until " + day(d.ExpiresAt)
		}
	case store.StatusDueSoon:
		r.Class, r.When = "due", "due by "+day(d.DueAt)
		if d.DoneAt != nil {
			r.When = "completed " + day(d.DoneAt) + ", take it again by " + day(d.ExpiresAt)
		}
	case store.StatusOverdue:
		r.Class, r.When = "due", "it was due by "+day(d.DueAt)
	case store.StatusExpired:
		r.Class, r.When = "due", "completed "+day(d.DoneAt)+", expired "+day(d.ExpiresAt)+": take it again"
	case store.StatusInProgress:
		r.Class, r.When = "progress", "due by "+day(d.DueAt)
	default:
		r.Class, r.When = "none", "due by "+day(d.DueAt)
	}
	return r
}

// requiredOrder puts the courses needing action first: overdue, expired,
// due soon, in progress, not started, complete; then by due date.
var requiredOrder = map[string]int{store.StatusOverdue: 0, store.StatusExpired: 1, store.StatusDueSoon: 2,
	store.StatusInProgress: 3, store.StatusNotStarted: 4, store.StatusComplete: 5}

// cataloguePage is a signed-in learner's home: the courses required of
// them first, with their due dates and status, then every other course
// with their status and progress, filterable by audience. With no
// required course, every course is optional, and the page says so.
func (s *Server) cataloguePage(c *fiber.Ctx) error {
	audience := c.Query("audience")
	if audience != "" && !slices.Contains(learning.Audiences, audience) {
		audience = ""
	}
	// The learner's courses and their duties, read in one transaction.
	var all []learning.Card
	var duties []store.Duty
	err := actor(c).Together(c.UserContext(), func(a org.Actor) error {
		var err error
		if all, err = s.learn.Catalogue(c.UserContext(), a, ""); err != nil {
			return err
		}
		duties, err = s.cover.Mine(c.UserContext(), a)
		return err
	})
	if err != nil {
		return err
	}
	due := map[string]store.Duty{}
	for _, d := range duties {
		due[d.ModuleID] = d
	}
	var required []requiredCard
	var cards []learning.Card
	for _, card := range all {
		if d, ok := due[card.Module.ID]; ok {
			required = append(required, requiredOf(card, d))
		} else if learning.ForAudience(card.Module, audience) {
			cards = append(cards, card)
		}
	}
	slices.SortStableFunc(required, func(x, y requiredCard) int {
		return cmp.Or(cmp.Compare(requiredOrder[x.Duty.Status], requiredOrder[y.Duty.Status]), x.Duty.DueAt.Compare(y.Duty.DueAt))
	})
	var inProgress, rest []learning.Card
	for _, card := range cards {
		if card.Status == learning.StatusInProgress || card.Status == learning.StatusOverdue || card.Status == learning.StatusDueSoon {
			inProgress = append(inProgress, card)
		} else {
			rest = append(rest, card)
		}
	}
	var paused string
	if id := c.Query("break"); id != "" {
		if m, ok, err := s.servedModule(c, id); err != nil {
			return err
		} else if ok {
			paused = m.Title
		}
	}
	return s.render(c, "pages/catalogue", fiber.Map{
		"Title":     "Your courses",
		"Required":  required,
		"Current":   inProgress,
		"Library":   rest,
		"Count":     len(cards),
		"Audience":  audience,
		"Audiences": learning.Audiences,
		"Paused":    paused,
	})
}
