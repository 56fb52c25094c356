package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/org"
)

// coverageTrend shows coverage per required course week by week over the
// last year, as a line chart and as a table, narrowed by ?team= and
// ?course= (org admins: every team; managers: theirs; anyone else: 404,
// from the service). A team outside the scope, or another organisation's,
// is a 404 too; a malformed one, or a course not in the list, a 400.
func (s *Server) coverageTrend(c *fiber.Ctx) error {
	var f org.TrendFilter
	team := utils.CopyString(c.Query("team"))
	if team != "" {
		id, err := uuid.Parse(team)
		if err != nil {
			return fault.Input("team", "Choose a team from the list.")
		}
		f.Team = &id
	}
	f.Module = utils.CopyString(c.Query("course"))
	t, err := s.cover.Trend(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	rows := trendRows(t)
	return s.render(c, "pages/coverage_trend", fiber.Map{
		"Title":  "Coverage over time",
		"Nav":    "trend",
		"Trend":  t,
		"Team":   team,
		"Course": f.Module,
		"Chart":  trendChart(t),
		"Rows":   rows,
		// Written in Go: a year of weeks × every course, and hundreds of
		// teams to choose from.
		"RowsHTML": trendRowsHTML(t, rows),
		"TeamOpts": teamOptionsHTML(t.Teams, team),
	})
}

// trendRow is one week of the trend's table: its start and each line's
// figure in words.
type trendRow struct {
	Week  string
	Cells []string
}

// trendRows are the trend's table, newest week first.
func trendRows(t org.Trend) []trendRow {
	rows := make([]trendRow, len(t.Weeks))
	for i, w := range t.Weeks {
		r := trendRow{Week: w.Start.Format("2 Jan 2006")}
		for _, l := range t.Lines {
			r.Cells = append(r.Cells, pointWords(l.Points[i]))
		}
		rows[len(t.Weeks)-1-i] = r
	}
	return rows
}

// trendChart lays the trend out as a line chart: a line per course, a
// point per week (none where nobody was counted), the quarters marked.
func trendChart(t org.Trend) lineChart {
	d := chartData{ID: "trend-chart", Title: "Coverage per course, week by week", Points: len(t.Weeks), Ticks: map[int]string{}}
	if len(t.Weeks) == 0 {
		return layoutChart(d)
	}
	for i := 0; i < len(t.Weeks); i += 13 {
		d.Ticks[i] = t.Weeks[i].Start.Format("2 Jan 2006")
	}
	d.Ticks[len(t.Weeks)-1] = "This week"
	first, last := t.Weeks[0].Start.Format("2 January 2006"), t.Weeks[len(t.Weeks)-1].Start.Format("2 January 2006")
	var desc []string
	desc = append(desc, fmt.Sprintf("The share of people covered in each course, week by week from the week beginning %s to the week beginning %s, from 0 to 100%%.", first, last))
	for _, l := range t.Lines {
		s := chartSeries{Name: l.Title, Values: make([]*float64, len(l.Points)), End: fmt.Sprintf("%d%%", l.Last().Percent())}
		for i, p := range l.Points {
			if p.Required > 0 {
				v := float64(p.Covered) * 100 / float64(p.Required)
				s.Values[i] = &v
			}
		}
		if l.Last().Required == 0 {
			s.End = "nobody yet"
		}
		d.Series = append(d.Series, s)
		desc = append(desc, fmt.Sprintf("%s: %s a year ago, %s now.", l.Title, pointWords(l.First()), pointWords(l.Last())))
	}
	d.Desc = strings.Join(desc, " ")
	return layoutChart(d)
}

// pointWords is one week's figure in words: "73% (11 of 15)".
func pointWords(p org.TrendPoint) string {
	if p.Required == 0 {
		return "nobody counted"
	}
	return fmt.Sprintf("%d%% (%d of %d)", p.Percent(), p.Covered, p.Required)
}
