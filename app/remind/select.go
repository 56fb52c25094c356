package remind

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// SoonDays is how many days before its due date a course's first
// reminder goes out.
const SoonDays = 7

// day is t's date in UTC, at midnight: reminders count whole days.
func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// days is the whole number of days from a to b (negative when b is
// earlier).
func days(a, b time.Time) int { return int(day(b).Sub(day(a)).Hours() / 24) }

const dateForm = "2006-01-02"

// dueOf is the date a duty falls due: its due date while there is no
// completion that counts, its refresher's expiry after one; false when
// there is nothing to do (complete, never refreshed).
func dueOf(d store.Duty) (time.Time, bool) {
	switch {
	case d.DoneAt == nil:
		return d.DueAt, true
	case d.ExpiresAt != nil:
		return *d.ExpiresAt, true
	}
	return time.Time{}, false
}

// kindOf is the reminder a duty has at now, if any, with its period: due
// soon within SoonDays before the due date (keyed by the due date, so once
// per due date however many days the scan sees it), due today on the day,
// and overdue from the day after, in weeks counted from then (keyed by the
// due date and the week).
func kindOf(d store.Duty, now time.Time) (kind, period string, ok bool) {
	due, ok := dueOf(d)
	if !ok {
		return "", "", false
	}
	left := days(now, due)
	date := day(due).Format(dateForm)
	switch {
	case left > SoonDays:
		return "", "", false
	case left > 0:
		return DueSoon, date, true
	case left == 0:
		return DueToday, date, true
	}
	return Overdue, fmt.Sprintf("%s+w%d", date, (-left-1)/7), true
}

// periodDue is the due date a reminder's period names (its first ten
// characters), for checking a retried job is still about the same date.
func periodDue(period string) string {
	if len(period) < len(dateForm) {
		return ""
	}
	return period[:len(dateForm)]
}

// week is the ISO week of t, as "2026-W49": a digest's period.
func week(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return strconv.Itoa(y) + "-W" + fmt.Sprintf("%02d", w)
}

// Due picks the reminders an organisation's outstanding duties (one row
// per team a person is counted under, as org.Coverage.Outstanding gives
// them) call for at now. recent are the organisation's overdue reminders
// of the last 7 days: an overdue reminder goes out at most once a week,
// even when a scan was missed and the weeks have shifted.
func Due(orgID uuid.UUID, duties []store.Duty, now time.Time, recent []store.Reminder) []ReminderArgs {
	type key struct {
		person uuid.UUID
		module string
	}
	lastWeek := map[key]bool{}
	for _, r := range recent {
		if r.Kind == Overdue && days(r.CreatedAt, now) < 7 {
			lastWeek[key{r.PersonID, r.ModuleID}] = true
		}
	}
	seen := map[key]bool{}
	var out []ReminderArgs
	for _, d := range duties {
		k := key{d.PersonID, d.ModuleID}
		if seen[k] {
			continue
		}
		seen[k] = true
		kind, period, ok := kindOf(d, now)
		if !ok || (kind == Overdue && lastWeek[k]) {
			continue
		}
		out = append(out, ReminderArgs{OrgID: orgID, PersonID: d.PersonID, Module: d.ModuleID, Type: kind, Period: period})
	}
	slices.SortFunc(out, func(a, b ReminderArgs) int {
		return strings.Compare(a.PersonID.String()+a.Module, b.PersonID.String()+b.Module)
	})
	return out
}

// late reports whether a duty counts in a manager's digest: overdue, or
// its refresher expired.
func late(d store.Duty) bool {
	return d.Status == store.StatusOverdue || d.Status == store.StatusExpired
}

// Digests picks the managers who get this week's digest: every manager
// (of managers, by team) with at least one overdue person in their teams,
// unless they turned the digest off (off).
func Digests(orgID uuid.UUID, duties []store.Duty, managers map[uuid.UUID][]uuid.UUID, off map[uuid.UUID]bool, now time.Time) []ReminderArgs {
	lateTeams := map[uuid.UUID]bool{}
	for _, d := range duties {
		if d.TeamID != nil && late(d) {
			lateTeams[*d.TeamID] = true
		}
	}
	picked := map[uuid.UUID]bool{}
	for team, ms := range managers {
		if !lateTeams[team] {
			continue
		}
		for _, m := range ms {
			if !off[m] {
				picked[m] = true
			}
		}
	}
	var out []ReminderArgs
	for m := range picked {
		out = append(out, ReminderArgs{OrgID: orgID, PersonID: m, Type: Digest, Period: week(now)})
	}
	slices.SortFunc(out, func(a, b ReminderArgs) int { return strings.Compare(a.PersonID.String(), b.PersonID.String()) })
	return out
}
