package web

import (
	"bytes"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The dashboard's bars and table rows are written here rather than by a
// template range: a page of 10 teams × 20 courses is 200 bars and 200
// rows of six statuses each, and html/template's escaping of every action
// (through reflection) took most of the page's time. The markup is the
// same as the template's was; every value is escaped here (names and
// links with writeHTML, as html.EscapeString would; statuses, words and numbers come from
// fixed sets or are formatted numbers).

// swatchHTML is partials/coverage_swatch for a status.
func swatchHTML(b *bytes.Buffer, status string) {
	b.WriteString(`<svg class="swatch" width="16" height="16" aria-hidden="true" focusable="false"><use href="#sw-`)
	writeHTML(b, status)
	b.WriteString(`"/></svg>`)
}

// writeBars writes a course's list of bars: for each cell its team's
// name and number of people, the bar in SVG (hidden from assistive
// technology: the counts follow as text), and the counts with their
// patterns and links to the people. Each status with anyone in it has its
// part of the bar, in the order of org.Statuses.
func writeBars(b *bytes.Buffer, cells []dashCell, label string) {
	for _, d := range cells {
		c := d.Cell
		b.WriteString("<li>\n<p class=\"bar-head\"><a href=\"")
		writeCellURL(b, d.Course.ID, d.Team, label, "")
		b.WriteString(`">`)
		writeHTML(b, d.Name)
		b.WriteString(`</a> <span class="meta">`)
		writeInt(b, c.Total)
		if c.Total == 1 {
			b.WriteString(" person")
		} else {
			b.WriteString(" people")
		}
		b.WriteString("</span></p>\n<svg class=\"cov-bar\" width=\"100%\" height=\"28\" aria-hidden=\"true\" focusable=\"false\"><g stroke=\"#fff\">")
		x := 0.0
		for _, st := range org.Statuses {
			n := c.Counts.Of(st)
			if n == 0 {
				continue
			}
			w := float64(n) * 100 / float64(c.Total)
			b.WriteString(`<rect x="`)
			writePercent(b, x)
			b.WriteString(`" width="`)
			writePercent(b, w)
			b.WriteString(`" height="28" fill="url(#pat-`)
			b.WriteString(st)
			b.WriteString(`)"/>`)
			x += w
		}
		b.WriteString("</g><rect width=\"100%\" height=\"28\" fill=\"none\" stroke=\"#1b1b1f\" stroke-width=\"2\"/></svg>\n<ul class=\"bar-counts\">")
		for _, st := range org.Statuses {
			n := c.Counts.Of(st)
			if n == 0 {
				continue
			}
			b.WriteString("<li>")
			swatchHTML(b, st)
			b.WriteString(` <a href="`)
			writeCellURL(b, d.Course.ID, d.Team, label, st)
			b.WriteString(`">`)
			b.WriteString(org.StatusWords[st])
			b.WriteString(": ")
			writeInt(b, n)
			b.WriteString("</a> (")
			writeInt(b, c.Percent(st))
			b.WriteString("%)</li>")
		}
		b.WriteString("</ul>\n</li>\n")
	}
}

// writeRows writes the table's rows of a course: a row per cell, with
// the people and each status's count (a link to them, when there are
// any) and share. (The page prints them a course at a time: fmt, which
// html/template prints values through, keeps its buffer for the next
// value only up to 64 KB.)
func writeRows(b *bytes.Buffer, cells []dashCell, label string) {
	for _, d := range cells {
		c := d.Cell
		b.WriteString("<tr role=\"row\">\n<th scope=\"row\" role=\"rowheader\"><a href=\"")
		writeCellURL(b, d.Course.ID, d.Team, label, "")
		b.WriteString(`">`)
		writeHTML(b, d.Name)
		b.WriteString("</a></th>\n<td role=\"cell\" data-label=\"Course\">")
		writeHTML(b, d.Course.Title)
		b.WriteString("</td>\n<td role=\"cell\" data-label=\"People\">")
		writeInt(b, c.Total)
		b.WriteString("</td>\n")
		for _, st := range org.Statuses {
			n := c.Counts.Of(st)
			b.WriteString(`<td role="cell" data-label="`)
			b.WriteString(org.StatusWords[st])
			b.WriteString(`">`)
			if n > 0 {
				b.WriteString(`<a href="`)
				writeCellURL(b, d.Course.ID, d.Team, label, st)
				b.WriteString(`">`)
				writeInt(b, n)
				b.WriteString("</a>")
			} else {
				b.WriteString("0")
			}
			b.WriteString(" (")
			writeInt(b, c.Percent(st))
			b.WriteString("%)</td>")
		}
		b.WriteString("\n</tr>\n")
	}
}

// writeCellURL writes cellURL(module, team, label, status) to b, escaped
// for an attribute, without making a string of it: a dashboard page has
// a few thousand.
func writeCellURL(b *bytes.Buffer, module, team, label, status string) {
	cellURLTo(b, module, team, label, status, true)
}

// cellURLTo writes the drill-down's link as url.Values would encode its
// query (keys in order, without a map per link), escaped for HTML when
// inHTML.
func cellURLTo(b *bytes.Buffer, module, team, label, status string, inHTML bool) {
	write, amp := b.WriteString, "&"
	if inHTML {
		write = func(s string) (int, error) { writeHTML(b, s); return len(s), nil }
		amp = "&amp;"
	}
	b.WriteString("/coverage/courses/")
	write(url.PathEscape(module)) // no new string unless it escapes
	sep := "?"
	for _, kv := range [3][2]string{{"label", label}, {"status", status}, {"team", team}} {
		if kv[1] == "" {
			continue
		}
		b.WriteString(sep)
		sep = amp
		b.WriteString(kv[0])
		b.WriteByte('=')
		write(url.QueryEscape(kv[1]))
	}
}

// writeInt writes n in decimal.
func writeInt(b *bytes.Buffer, n int) {
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(n), 10))
}

// writePercent writes a share as an SVG length, to two decimals
// ("12.50%": a hundredth of a per cent of the widest bar is under a
// tenth of a pixel).
func writePercent(b *bytes.Buffer, v float64) {
	b.Write(strconv.AppendFloat(b.AvailableBuffer(), v, 'f', 2, 64))
	b.WriteByte('%')
}

// teamOptionsHTML is the team filter's options (one per team: a large
// organisation has hundreds), the chosen one selected.
func teamOptionsHTML(teams []store.Group, chosen string) template.HTML {
	var b strings.Builder
	b.Grow(len(teams) * 80)
	for _, t := range teams {
		id := t.ID.String()
		b.WriteString(`<option value="`)
		b.WriteString(id)
		b.WriteString(`"`)
		if id == chosen {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(html.EscapeString(t.Name))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// rosterRowsHTML is the roster table's rows, one per team (hundreds in a
// large organisation), as partials would write them: the team, its cover
// in words with a symbol, its in-date responders, next expiry, when cover
// lapses and the courses its responders need.
func rosterRowsHTML(teams []org.RosterTeam) template.HTML {
	var b strings.Builder
	b.Grow(len(teams) * 700)
	for _, t := range teams {
		b.WriteString("\n    <tr role=\"row\">\n      <th scope=\"row\" role=\"rowheader\">")
		b.WriteString(html.EscapeString(t.Name))
		b.WriteString("</th>\n      <td role=\"cell\" data-label=\"Cover\">")
		switch {
		case !t.Covered:
			b.WriteString(`<span class="status status-due"><span aria-hidden="true">✗ </span>No in-date responder</span>`)
		case t.LapsingSoon:
			b.WriteString(`<span class="status status-progress"><span aria-hidden="true">! </span>Covered, lapsing soon</span>`)
		default:
			b.WriteString(`<span class="status status-done"><span aria-hidden="true">✓ </span>Covered</span>`)
		}
		b.WriteString("</td>\n      <td role=\"cell\" data-label=\"In-date responders\">")
		in := 0
		for _, p := range t.Responders {
			if !p.InDate {
				continue
			}
			if in > 0 {
				b.WriteString(", ")
			}
			b.WriteString(html.EscapeString(p.Name))
			in++
		}
		if in == 0 {
			b.WriteString("None")
		}
		b.WriteString(" (")
		b.WriteString(strconv.Itoa(in))
		b.WriteString(" of ")
		b.WriteString(strconv.Itoa(t.Labelled))
		b.WriteString(" with the label)</td>\n      <td role=\"cell\" data-label=\"Next expiry\">")
		switch {
		case !t.Covered:
			b.WriteString("—")
		case t.NextExpiry != nil:
			b.WriteString(day(t.NextExpiry.At))
			b.WriteString(" (")
			b.WriteString(html.EscapeString(t.NextExpiry.Person))
			b.WriteString(", ")
			b.WriteString(html.EscapeString(t.NextExpiry.Course.Title))
			b.WriteString(")")
		default:
			b.WriteString("None: no completion expires")
		}
		b.WriteString("</td>\n      <td role=\"cell\" data-label=\"Cover lapses\">")
		switch {
		case !t.Covered:
			b.WriteString("—")
		case t.LapsesAt != nil:
			b.WriteString(day(t.LapsesAt))
		default:
			b.WriteString("Never: a responder’s training does not expire")
		}
		b.WriteString("</td>\n      <td role=\"cell\" data-label=\"Courses responders need\">")
		for i, c := range t.Courses {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(html.EscapeString(c.Title))
		}
		if len(t.Courses) == 0 {
			b.WriteString("None")
		}
		b.WriteString("</td>\n    </tr>")
	}
	return template.HTML(b.String())
}

// trendRowsHTML is the trend table's rows (rows, from trendRows): a week
// each, with each line's figure labelled by its course.
func trendRowsHTML(t org.Trend, rows []trendRow) template.HTML {
	titles := make([]string, len(t.Lines))
	for i, l := range t.Lines {
		titles[i] = html.EscapeString(l.Title)
	}
	var b strings.Builder
	b.Grow(len(rows) * (60 + len(titles)*80))
	for _, r := range rows {
		b.WriteString("\n      <tr role=\"row\"><th scope=\"row\" role=\"rowheader\">")
		b.WriteString(html.EscapeString(r.Week))
		b.WriteString("</th>")
		for i, c := range r.Cells {
			b.WriteString(`<td role="cell" data-label="`)
			b.WriteString(titles[i])
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(c))
			b.WriteString("</td>")
		}
		b.WriteString("</tr>")
	}
	return template.HTML(b.String())
}

// writeHTML writes s to b escaped as html.EscapeString escapes it, without
// making a new string.
func writeHTML(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// pieces is a buffer for the large pieces of markup one page writes in Go
// (the dashboard's bars and rows), kept for the next page. A piece is
// handed to the template as a view of the buffer (html), made once every
// piece is written (the buffer may move while it grows) and valid until
// release, after the page is rendered: the response holds its own copy.
type pieces struct{ b bytes.Buffer }

var pieceBuffers = sync.Pool{New: func() any { return new(pieces) }}

// write appends what fn writes and returns where it lies.
func (p *pieces) write(fn func(b *bytes.Buffer)) [2]int {
	start := p.b.Len()
	fn(&p.b)
	return [2]int{start, p.b.Len()}
}

// html is the piece at span, as a view of the buffer.
func (p *pieces) html(span [2]int) template.HTML {
	if span[0] == span[1] {
		return ""
	}
	b := p.b.Bytes()[span[0]:span[1]]
	return template.HTML(unsafe.String(&b[0], len(b))) // #nosec: escaped as it was written
}

// release empties the buffer for the next page (one grown past 8 MB is
// left to the collector).
func (p *pieces) release() {
	if p.b.Cap() > 8<<20 {
		return
	}
	p.b.Reset()
	pieceBuffers.Put(p)
}

// peopleList is a list of people's rows for a table's body, written out
// (peopleRows), and how many there are.
type peopleList struct {
	Rows template.HTML
	N    int
}

// peopleCols are the columns a list of people has besides the name,
// status and dates: the course (the dashboard's lists, of every course)
// and a link from the name to the person (for admins, in a drill-down).
type peopleCols struct {
	Course, Link bool
}

// peopleRows writes the rows of a list of people as the pages' templates
// would: each person's name, course (if cols.Course), status with its
// pattern, due date (or "Met"), completion and expiry, and the "send
// reminder" form of a row that has one. Written in Go for the same
// reason as the bars: html/template looked up each field of the rows by
// reflection, through the embedded store.Duty, for every one of a hundred
// people.
func peopleRows(rows []dutyRow, cols peopleCols) peopleList {
	var b bytes.Buffer
	b.Grow(len(rows) * 1100)
	for _, r := range rows {
		b.WriteString("\n  <tr role=\"row\">\n    <th scope=\"row\" role=\"rowheader\">")
		if cols.Link {
			b.WriteString(`<a href="/admin/people/`)
			b.WriteString(r.PersonID.String())
			b.WriteString(`">`)
			writeHTML(&b, r.Name)
			b.WriteString("</a>")
		} else {
			writeHTML(&b, r.Name)
		}
		b.WriteString("</th>\n")
		if cols.Course {
			b.WriteString("    <td role=\"cell\" data-label=\"Course\">")
			writeHTML(&b, r.Course)
			b.WriteString("</td>\n")
		}
		b.WriteString("    <td role=\"cell\" data-label=\"Status\">")
		swatchHTML(&b, r.Status)
		b.WriteString(" ")
		writeHTML(&b, r.Word)
		b.WriteString("</td>\n    <td role=\"cell\" data-label=\"Due\">")
		if r.DoneAt != nil {
			b.WriteString("Met")
		} else {
			b.WriteString(day(r.DueAt))
		}
		b.WriteString("</td>\n    <td role=\"cell\" data-label=\"Completed\">")
		if r.DoneAt != nil {
			b.WriteString(day(r.DoneAt))
		} else {
			b.WriteString("Not yet")
		}
		b.WriteString("</td>\n    <td role=\"cell\" data-label=\"Expires\">")
		switch {
		case r.ExpiresAt != nil:
			b.WriteString(day(r.ExpiresAt))
		case r.DoneAt != nil:
			b.WriteString("Never")
		}
		b.WriteString("</td>\n")
		if cols.Course {
			b.WriteString("    <td role=\"cell\" data-label=\"Reminder\">")
			if f := r.Remind; f != nil {
				writeRemindForm(&b, *f)
			}
			b.WriteString("</td>\n")
		}
		b.WriteString("  </tr>\n")
	}
	return peopleList{Rows: template.HTML(b.String()), N: len(rows)} // #nosec: every value is escaped
}

// writeRemindForm writes a person's "send reminder" form, which posts to
// /coverage/people/:id/remind (remind.go).
func writeRemindForm(b *bytes.Buffer, f remindButtonData) {
	action := "/coverage/people/" + f.Person.String() + "/remind"
	b.WriteString(`<form method="post" action="`)
	b.WriteString(action)
	b.WriteString(`" hx-post="`)
	b.WriteString(action)
	b.WriteString("\" hx-target=\"this\" hx-swap=\"outerHTML\" class=\"inline-form remind-form\">\n  <input type=\"hidden\" name=\"_csrf\" value=\"")
	writeHTML(b, f.CSRF)
	b.WriteString("\">\n  <input type=\"hidden\" name=\"module\" value=\"")
	writeHTML(b, f.Module)
	b.WriteString("\">\n  <input type=\"hidden\" name=\"back\" value=\"")
	writeHTML(b, f.Back)
	b.WriteString("\">\n  <button type=\"submit\" class=\"secondary\">Send reminder<span class=\"visually-hidden\"> to ")
	writeHTML(b, f.Name)
	b.WriteString(" about ")
	writeHTML(b, f.Course)
	b.WriteString("</span></button>\n</form>\n")
}
