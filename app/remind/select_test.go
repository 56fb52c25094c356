package remind

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// at is day n of 2027 at a time of day: reminders count whole days, in
// UTC, whatever the hour.
func at(n int, hour int) time.Time {
	return time.Date(2027, 1, 1, hour, 17, 0, 0, time.UTC).AddDate(0, 0, n)
}

func ptr(t time.Time) *time.Time { return &t }

// TestKindOf: which reminder a duty has on a given day, with an injected
// clock: 7 days before (and each day until) the due date, on it, and
// overdue from the next day, counted in weeks.
func TestKindOf(t *testing.T) {
	due := at(100, 15)
	open := store.Duty{DueAt: due}
	for _, c := range []struct {
		name         string
		d            store.Duty
		now          time.Time
		kind, period string
	}{
		{"8 days before: nothing", open, at(92, 9), "", ""},
		{"7 days before, early in the day", open, at(93, 0), DueSoon, "2027-04-11"},
		{"7 days before, late in the day", open, at(93, 23), DueSoon, "2027-04-11"},
		{"3 days before (a requirement made late): the same reminder", open, at(97, 9), DueSoon, "2027-04-11"},
		{"the day before", open, at(99, 9), DueSoon, "2027-04-11"},
		{"the due date, before the hour", open, at(100, 1), DueToday, "2027-04-11"},
		{"the due date, after the hour (overdue by the clock)", open, at(100, 20), DueToday, "2027-04-11"},
		{"a day late: overdue, week 0", open, at(101, 9), Overdue, "2027-04-11+w0"},
		{"7 days late: still week 0", open, at(107, 9), Overdue, "2027-04-11+w0"},
		{"8 days late: week 1", open, at(108, 9), Overdue, "2027-04-11+w1"},
		{"15 days late: week 2", open, at(115, 9), Overdue, "2027-04-11+w2"},
		{"complete, never refreshed", store.Duty{DueAt: due, DoneAt: ptr(at(50, 9))}, at(101, 9), "", ""},
		{"complete, refresher far off", store.Duty{DueAt: due, DoneAt: ptr(at(50, 9)), ExpiresAt: ptr(at(400, 9))}, at(101, 9), "", ""},
		{"refresher in 7 days", store.Duty{DueAt: due, DoneAt: ptr(at(50, 9)), ExpiresAt: ptr(at(200, 9))}, at(193, 9), DueSoon, "2027-07-20"},
		{"refresher expired yesterday", store.Duty{DueAt: due, DoneAt: ptr(at(50, 9)), ExpiresAt: ptr(at(200, 9))}, at(201, 9), Overdue, "2027-07-20+w0"},
	} {
		kind, period, ok := kindOf(c.d, c.now)
		if kind != c.kind || period != c.period || ok != (c.kind != "") {
			t.Errorf("%s: %q %q %v, want %q %q", c.name, kind, period, ok, c.kind, c.period)
		}
	}
}

// TestDueOverAWeekOfScans: a daily scan over three weeks sends each
// reminder once and an overdue one at most weekly, also when scans are
// missed.
func TestDueOverAWeekOfScans(t *testing.T) {
	orgID, person := uuid.New(), uuid.New()
	team := uuid.New()
	// One person in two teams: the duty comes twice, the reminder once.
	duties := []store.Duty{{PersonID: person, ModuleID: "m", TeamID: &team, DueAt: at(10, 12)}, {PersonID: person, ModuleID: "m", DueAt: at(10, 12)}}
	var sent []store.Reminder
	seen := map[string]bool{}
	var log []string
	for n := 0; n <= 40; n++ {
		if n == 25 || n == 26 { // the servers were down
			continue
		}
		now := at(n, 6)
		var recent []store.Reminder
		for _, r := range sent {
			if !r.CreatedAt.Before(day(now).AddDate(0, 0, -7)) {
				recent = append(recent, r)
			}
		}
		for _, j := range Due(orgID, duties, now, recent) {
			key := j.Type + j.Period
			if seen[key] { // the queue's unique key, and the reminders table's
				continue
			}
			seen[key] = true
			sent = append(sent, store.Reminder{PersonID: j.PersonID, ModuleID: j.Module, Kind: j.Type, Period: j.Period, CreatedAt: now})
			log = append(log, now.Format("Jan 2")+" "+j.Type+" "+j.Period)
		}
	}
	want := []string{
		"Jan 4 due_soon 2027-01-11", "Jan 11 due_today 2027-01-11",
		"Jan 12 overdue 2027-01-11+w0", "Jan 19 overdue 2027-01-11+w1",
		// Jan 26 and 27 missed: week 2 goes out on the 28th, and week 3
		// waits until a week after that (Feb 4), not Feb 2.
		"Jan 28 overdue 2027-01-11+w2", "Feb 4 overdue 2027-01-11+w3",
	}
	if len(log) != len(want) {
		t.Fatalf("reminders:\n%v\nwant:\n%v", log, want)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Errorf("reminder %d: %s, want %s", i, log[i], want[i])
		}
	}
	for i := 1; i < len(sent); i++ {
		if sent[i].Kind == Overdue && sent[i-1].Kind == Overdue && days(sent[i-1].CreatedAt, sent[i].CreatedAt) < 7 {
			t.Errorf("overdue reminders %d days apart", days(sent[i-1].CreatedAt, sent[i].CreatedAt))
		}
	}
}

// TestDigests: managers of teams with someone overdue or expired, unless
// they turned the digest off; one a week.
func TestDigests(t *testing.T) {
	orgID := uuid.New()
	ward, clinic, quiet := uuid.New(), uuid.New(), uuid.New()
	ann, bob, cat, dee := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	duties := []store.Duty{
		{PersonID: uuid.New(), TeamID: &ward, Status: store.StatusOverdue},
		{PersonID: uuid.New(), TeamID: &clinic, Status: store.StatusExpired},
		{PersonID: uuid.New(), TeamID: &quiet, Status: store.StatusDueSoon},
		{PersonID: uuid.New(), Status: store.StatusOverdue}, // in no team: nobody's digest
	}
	managers := map[uuid.UUID][]uuid.UUID{ward: {ann, bob}, clinic: {ann, cat}, quiet: {dee}}
	got := Digests(orgID, duties, managers, map[uuid.UUID]bool{bob: true}, at(3, 6)) // 4 January 2027: week 1
	want := map[uuid.UUID]bool{ann: true, cat: true}
	if len(got) != len(want) {
		t.Fatalf("digests: %+v", got)
	}
	for _, j := range got {
		if !want[j.PersonID] || j.Type != Digest || j.Period != "2027-W01" || j.Module != "" {
			t.Errorf("digest %+v", j)
		}
	}
}

// TestDailySchedule: the scan runs at 06:00 UTC.
func TestDailySchedule(t *testing.T) {
	for _, c := range []struct{ now, want time.Time }{
		{at(0, 5), time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC)},
		{time.Date(2027, 1, 1, 6, 0, 0, 0, time.UTC), time.Date(2027, 1, 2, 6, 0, 0, 0, time.UTC)},
		{at(0, 23), time.Date(2027, 1, 2, 6, 0, 0, 0, time.UTC)},
	} {
		if got := Daily(6).Next(c.now); !got.Equal(c.want) {
			t.Errorf("after %s: %s, want %s", c.now, got, c.want)
		}
	}
}
