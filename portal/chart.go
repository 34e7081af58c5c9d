package portal

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG: a page with charts is still one HTML page,
// with no script and no build, readable at 390 px (the SVG scales to its box), and the
// Content-Security-Policy holds (colours come from classes in portal.css, never from style
// attributes). Each bar carries a <title>, which browsers show on hover and screen readers
// read; the chart as a whole has a title and a description, and the numbers follow it in a
// table, for whoever cannot see the bars.

// Chart is a bar chart: one bar per window of time, each bar a stack of its series' values.
type Chart struct {
	ID    string // the figure's id, unique in the page
	Title string // what the chart shows: "Orders staged per hour"
	// Desc sums the chart up in words: its text alternative.
	Desc string
	// Axis says what the bars' labels are: "hour (Europe/Berlin, CET)".
	Axis   string
	Series []Series
	Bars   []Bar
	// Unit follows a value on the y axis: "%" for a rate, "" for a count.
	Unit string
}

// Series is one part of the stacked bars, with the CSS class that colours it.
type Series struct {
	Name  string
	Class string
}

// Bar is one window's values, one per series.
type Bar struct {
	// Label is written under the bar; empty leaves it unlabelled (every third hour is).
	Label string
	// Title is the bar's hover text, and its row in the numbers' table.
	Title  string
	Values []float64
}

// Total is the bar's height in values.
func (b Bar) Total() float64 {
	var t float64
	for _, v := range b.Values {
		t += v
	}
	return t
}

// The drawing's size in SVG units: it scales to the width of its box.
const (
	chartW, chartH       = 600.0, 180.0
	chartLeft, chartTop  = 40.0, 10.0
	chartRight           = 6.0
	chartBottom          = 22.0
	chartPlotH           = chartH - chartTop - chartBottom
	chartPlotW           = chartW - chartLeft - chartRight
	chartGap             = 0.2 // of a bar's slot, left empty between bars
	chartLabelFontOffset = 14.0
)

// Top is the value the y axis goes up to: the tallest bar rounded up to 1, 2 or 5 times a
// power of ten, so the axis reads in round numbers; 1 when every bar is empty.
func (c Chart) Top() float64 {
	var most float64
	for _, b := range c.Bars {
		most = max(most, b.Total())
	}
	if most <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(most)))
	for _, m := range []float64{1, 2, 5, 10} {
		if most <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// SVG draws the chart, with its title, description and the table of its numbers.
func (c Chart) SVG() template.HTML {
	esc := html.EscapeString
	top := c.Top()
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="chart" id="%s">`, esc(c.ID))
	fmt.Fprintf(&b, `<figcaption>%s <span class="muted small">by %s</span></figcaption>`, esc(c.Title), esc(c.Axis))
	fmt.Fprintf(&b, `<svg viewBox="0 0 %s %s" role="img" aria-labelledby="%s-title %s-desc" preserveAspectRatio="xMidYMid meet">`,
		num(chartW), num(chartH), esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))

	// The y axis: the base, the middle and the top, with a faint line across for each.
	for _, f := range []float64{0, 0.5, 1} {
		y := chartTop + chartPlotH*(1-f)
		fmt.Fprintf(&b, `<line class="grid" x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(chartLeft), num(y), num(chartW-chartRight), num(y))
		if v := top * f; c.Unit != "" || v == math.Trunc(v) { // half a run is no count
			fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="end">%s</text>`, num(chartLeft-4), num(y+4), esc(value(v)+c.Unit))
		}
	}

	slot := chartPlotW / float64(max(len(c.Bars), 1))
	width := slot * (1 - chartGap)
	for i, bar := range c.Bars {
		x := chartLeft + slot*float64(i) + slot*chartGap/2
		fmt.Fprintf(&b, `<g class="bar" data-total="%s"><title>%s</title>`, value(bar.Total()), esc(bar.Title))
		base := chartTop + chartPlotH
		for j, v := range bar.Values {
			if v <= 0 || j >= len(c.Series) {
				continue
			}
			h := chartPlotH * v / top
			base -= h
			fmt.Fprintf(&b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" data-series="%s" data-value="%s"/>`,
				esc(c.Series[j].Class), num(x), num(base), num(width), num(h), esc(c.Series[j].Name), value(v))
		}
		b.WriteString(`</g>`)
		if bar.Label != "" {
			fmt.Fprintf(&b, `<text class="axis" x="%s" y="%s" text-anchor="middle">%s</text>`,
				num(x+width/2), num(chartTop+chartPlotH+chartLabelFontOffset), esc(bar.Label))
		}
	}
	b.WriteString(`</svg>`)

	if len(c.Series) > 1 {
		b.WriteString(`<p class="legend small">`)
		for _, s := range c.Series {
			fmt.Fprintf(&b, `<span><i class="swatch %s"></i>%s</span> `, esc(s.Class), esc(s.Name))
		}
		b.WriteString(`</p>`)
	}

	// The numbers, for whoever cannot see the bars.
	b.WriteString(`<details class="numbers"><summary>The numbers</summary><table class="list"><thead><tr><th>When</th>`)
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th class="num">%s</th>`, esc(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, bar := range c.Bars {
		fmt.Fprintf(&b, `<tr><td>%s</td>`, esc(bar.Title))
		for j := range c.Series {
			v := 0.0
			if j < len(bar.Values) {
				v = bar.Values[j]
			}
			fmt.Fprintf(&b, `<td class="num">%s</td>`, esc(value(v)+c.Unit))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></details></figure>`)
	return template.HTML(b.String()) // every text in it is escaped above
}

// num writes an SVG coordinate to a tenth of a unit.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// value writes a value as people read it: whole numbers plain, others to one decimal.
func value(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}
