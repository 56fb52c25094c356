package remind

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/store"
)

// The wording of the reminder emails. Plain text; every email links to
// the course (a digest to the coverage pages) and to the account page,
// where a manager turns the digest off.

// link is the absolute URL of a path on the server.
func (s *Service) link(path string) string {
	u := *s.cfg.BaseURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	return u.String()
}

func longDate(t time.Time) string { return t.UTC().Format("Monday 2 January 2006") }

// footer ends every email: why it came, and where to change what comes.
func (s *Service) footer(orgName string) string {
	return fmt.Sprintf("\n--\nYou get this email because %s requires this training of you or of your team.\n"+
		"Reminders about your own courses stay on. Team managers can turn the weekly digest off on their account page:\n%s\n",
		orgName, s.link("/account")+"#reminders")
}

// learnerEmail is a reminder about one course to the person it is
// required of.
func (s *Service) learnerEmail(p store.Person, orgName, course, module, kind string, due time.Time, now time.Time) mail.Message {
	var subject, lead string
	switch kind {
	case DueSoon:
		n := days(now, due)
		when := fmt.Sprintf("in %d days", n)
		if n == 1 {
			when = "tomorrow"
		}
		subject = fmt.Sprintf("Due %s: %s", when, course)
		lead = fmt.Sprintf("“%s” is due %s, on %s.", course, when, longDate(due))
	case DueToday:
		subject = "Due today: " + course
		lead = fmt.Sprintf("“%s” is due today, %s.", course, longDate(due))
	case Overdue:
		subject = "Overdue: " + course
		lead = fmt.Sprintf("“%s” was due on %s and is not yet complete.", course, longDate(due))
	default: // Manual
		subject = "A reminder from " + orgName + ": " + course
		switch n := days(now, due); {
		case n > 0:
			lead = fmt.Sprintf("%s asked us to remind you that “%s” is due on %s.", orgName, course, longDate(due))
		case n == 0:
			lead = fmt.Sprintf("%s asked us to remind you that “%s” is due today.", orgName, course)
		default:
			lead = fmt.Sprintf("%s asked us to remind you that “%s” was due on %s and is not yet complete.", orgName, course, longDate(due))
		}
	}
	text := fmt.Sprintf("Hello %s,\n\n%s\n\nOpen the course (your progress is saved, so you can stop and come back):\n%s\n%s",
		p.Name, lead, s.link("/courses/"+url.PathEscape(module)), s.footer(orgName))
	return mail.Message{ToName: p.Name, To: p.Email, Subject: subject, Text: text}
}

// lateLine is one overdue person in a digest.
type lateLine struct {
	Team, Name, Course string
	Due                time.Time
	Expired            bool
}

// digestEmail is a manager's weekly list of their teams' overdue people:
// names, courses and dates only.
func (s *Service) digestEmail(p store.Person, orgName string, lines []lateLine, now time.Time) mail.Message {
	var b strings.Builder
	team := ""
	for _, l := range lines {
		if l.Team != team {
			team = l.Team
			fmt.Fprintf(&b, "\n%s\n", team)
		}
		what := "due"
		if l.Expired {
			what = "refresher due"
		}
		late := "today"
		switch n := days(l.Due, now); {
		case n == 1:
			late = "1 day overdue"
		case n > 1:
			late = fmt.Sprintf("%d days overdue", n)
		}
		fmt.Fprintf(&b, "- %s: %s, %s %s (%s)\n", l.Name, l.Course, what, l.Due.UTC().Format("2 Jan 2006"), late)
	}
	people := map[string]bool{}
	for _, l := range lines {
		people[l.Name] = true
	}
	subject := fmt.Sprintf("Weekly digest: %d people overdue in your teams", len(people))
	if len(people) == 1 {
		subject = "Weekly digest: 1 person overdue in your teams"
	}
	text := fmt.Sprintf("Hello %s,\n\nThese people in the teams you manage have required training overdue, as of %s:\n%s\n"+
		"See your teams' coverage and send them a reminder:\n%s\n%s",
		p.Name, longDate(now), b.String(), s.link(CoveragePath), s.footer(orgName))
	return mail.Message{ToName: p.Name, To: p.Email, Subject: subject, Text: text}
}
