package web

import (
	"fmt"
	"slices"
	"strings"
)

// A line chart drawn on the server as SVG: every coordinate is worked out
// here and the template (partials/linechart) only writes them. It is
// readable without colour: each line has its own dash pattern and marker
// shape, and is labelled directly at its end with the same marker; the
// figures are in a table beside it, and the SVG's title and description
// say what it shows.

// chartSeries is one line to draw: a name and a value per x position
// (percentages 0–100), nil where there is none.
type chartSeries struct {
	Name   string
	Values []*float64
	// End is the text before the name in the line's label ("73%").
	End string
}

// chartData is what to draw: the series over positions labelled Ticks
// (index → text), and the words for the title and description.
type chartData struct {
	ID, Title, Desc string
	Points          int
	Ticks           map[int]string
	Series          []chartSeries
}

// lineChart is a chart laid out: sizes, axes, and each series' path,
// markers and label, in SVG user units.
type lineChart struct {
	ID, Title, Desc string
	Width, Height   int
	Left, Right     string
	Top, Bottom     string
	TickEnd         string // where the x axis's ticks end below it
	YTicks, XTicks  []chartTick
	Series          []chartLine
}

// chartTick is a gridline or axis tick and its text.
type chartTick struct {
	X, Y, Text, Anchor string
}

// chartLine is one series drawn: its style (class and dash pattern), the
// line's path, its markers, and its label at the right with a leader line
// when the label had to move away from the line's end.
type chartLine struct {
	Class, Dash, Path, Markers string
	Hollow                     bool
	LabelX, LabelY, Label      string
	LabelMarker, Leader        string
}

// The chart's fixed measures.
const (
	chartWidth      = 800
	chartLeft       = 48.0
	chartLabels     = 270.0 // room for the direct labels at the right
	chartTop        = 16.0
	chartAxis       = 36.0 // room for the x axis's labels
	chartLabelGap   = 18.0 // the least distance between two labels
	chartMinPlot    = 220.0
	chartMarkerSize = 4.5
	chartLabelChars = 26 // longer names are shortened in the label
	chartMarkEvery  = 4  // a marker on every 4th point, and the last
)

// chartDashes and chartShapes tell the lines apart without colour; the
// colours (.series-0 … .series-7 in app.css) tell them apart with it.
var (
	chartDashes = []string{"", "8 4", "2 3", "12 4 2 4", "16 4", "4 2 1 2"}
	chartShapes = []string{"circle", "square", "triangle", "diamond", "down", "bar"}
)

func num(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", f), "0"), ".")
}

// marker is the path of a marker of shape at x, y.
func marker(shape string, x, y float64) string {
	r := chartMarkerSize
	switch shape {
	case "square":
		return fmt.Sprintf("M%s,%sh%sv%sh-%sz", num(x-r), num(y-r), num(2*r), num(2*r), num(2*r))
	case "triangle":
		return fmt.Sprintf("M%s,%sL%s,%sL%s,%sz", num(x), num(y-1.3*r), num(x+1.2*r), num(y+0.9*r), num(x-1.2*r), num(y+0.9*r))
	case "diamond":
		return fmt.Sprintf("M%s,%sL%s,%sL%s,%sL%s,%sz", num(x), num(y-1.4*r), num(x+1.4*r), num(y), num(x), num(y+1.4*r), num(x-1.4*r), num(y))
	case "down":
		return fmt.Sprintf("M%s,%sL%s,%sL%s,%sz", num(x), num(y+1.3*r), num(x+1.2*r), num(y-0.9*r), num(x-1.2*r), num(y-0.9*r))
	case "bar":
		return fmt.Sprintf("M%s,%sh%sv%sh-%sz", num(x-1.4*r), num(y-0.6*r), num(2.8*r), num(1.2*r), num(2.8*r))
	}
	return fmt.Sprintf("M%s,%sa%s,%s 0 1,0 %s,0a%s,%s 0 1,0 -%s,0", num(x-r), num(y), num(r), num(r), num(2*r), num(r), num(r), num(2*r))
}

// shorten cuts a name to n characters, ending it with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// layoutChart lays a chart out. The plot grows with the number of series
// so that their labels fit at the right, at least chartLabelGap apart.
func layoutChart(d chartData) lineChart {
	plotH := max(chartMinPlot, chartLabelGap*float64(len(d.Series)+1))
	height := chartTop + plotH + chartAxis
	left, right := chartLeft, float64(chartWidth)-chartLabels
	top, bottom := chartTop, chartTop+plotH
	c := lineChart{ID: d.ID, Title: d.Title, Desc: d.Desc, Width: chartWidth, Height: int(height),
		Left: num(left), Right: num(right), Top: num(top), Bottom: num(bottom), TickEnd: num(bottom + 5)}
	x := func(i int) float64 {
		if d.Points <= 1 {
			return left
		}
		return left + (right-left)*float64(i)/float64(d.Points-1)
	}
	y := func(v float64) float64 { return bottom - (bottom-top)*v/100 }
	for _, v := range []float64{0, 25, 50, 75, 100} {
		c.YTicks = append(c.YTicks, chartTick{X: num(left - 6), Y: num(y(v)), Text: fmt.Sprintf("%.0f%%", v), Anchor: "end"})
	}
	var ticks []int
	for i := range d.Ticks {
		ticks = append(ticks, i)
	}
	slices.Sort(ticks)
	for _, i := range ticks {
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case d.Points - 1:
			anchor = "end"
		}
		c.XTicks = append(c.XTicks, chartTick{X: num(x(i)), Y: num(bottom + 20), Text: d.Ticks[i], Anchor: anchor})
	}

	// The lines, and where each would like its label: level with its last
	// point.
	type want struct {
		line int
		y    float64
		x    float64
	}
	var wants []want
	for n, s := range d.Series {
		l := chartLine{Class: fmt.Sprintf("series-%d", n%8), Dash: chartDashes[n%len(chartDashes)], Hollow: (n/len(chartShapes))%2 == 1}
		shape := chartShapes[n%len(chartShapes)]
		var path, marks strings.Builder
		pen, last := false, -1
		for i, v := range s.Values {
			if v == nil {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%s,%s", cmd, num(x(i)), num(y(*v)))
			pen, last = true, i
			if i%chartMarkEvery == 0 || i == len(s.Values)-1 {
				marks.WriteString(marker(shape, x(i), y(*v)))
			}
		}
		if last >= 0 && last%chartMarkEvery != 0 && last != len(s.Values)-1 {
			marks.WriteString(marker(shape, x(last), y(*s.Values[last])))
		}
		l.Path, l.Markers = path.String(), marks.String()
		// The figure first, so that a long name never pushes it out of
		// sight.
		l.Label = shorten(s.Name, chartLabelChars)
		if s.End != "" {
			l.Label = s.End + " " + l.Label
		}
		if last >= 0 {
			wants = append(wants, want{line: n, y: y(*s.Values[last]), x: x(last)})
		} else {
			wants = append(wants, want{line: n, y: bottom, x: right})
		}
		c.Series = append(c.Series, l)
	}

	// Labels in the order of their lines' ends, pushed apart downwards,
	// then back up from the bottom if they ran off it.
	slices.SortStableFunc(wants, func(a, b want) int {
		switch {
		case a.y < b.y:
			return -1
		case a.y > b.y:
			return 1
		}
		return 0
	})
	ys := make([]float64, len(wants))
	for i, w := range wants {
		ys[i] = w.y
		if i > 0 && ys[i] < ys[i-1]+chartLabelGap {
			ys[i] = ys[i-1] + chartLabelGap
		}
	}
	for i := len(ys) - 1; i >= 0; i-- {
		limit := bottom
		if i < len(ys)-1 {
			limit = ys[i+1] - chartLabelGap
		}
		ys[i] = max(min(ys[i], limit), top)
	}
	labelX := right + 22
	for i, w := range wants {
		l := &c.Series[w.line]
		shape := chartShapes[w.line%len(chartShapes)]
		l.LabelX, l.LabelY = num(labelX), num(ys[i]+4)
		// A label level with its line's end sits beside the end's own
		// marker; one moved away gets a leader line and a marker of its
		// own.
		if ys[i]-w.y > 1 || w.y-ys[i] > 1 || w.x < right-1 {
			l.Leader = fmt.Sprintf("M%s,%sL%s,%s", num(w.x+chartMarkerSize+2), num(w.y), num(right+6), num(ys[i]))
			l.LabelMarker = marker(shape, right+12, ys[i])
		}
	}
	return c
}
