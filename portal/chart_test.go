package portal

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTheAxisGoesUpToARoundNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		most, top float64
	}{{0, 1}, {1, 1}, {3, 5}, {7, 10}, {10, 10}, {12, 20}, {120, 200}, {0.3, 0.5}, {4, 5}, {51, 100}} {
		c := Chart{Bars: []Bar{{Values: []float64{tc.most}}}}
		require.Equal(t, tc.top, c.Top(), "tallest bar %v", tc.most)
	}
	stacked := Chart{Bars: []Bar{{Values: []float64{3, 4}}, {Values: []float64{6}}}}
	require.Equal(t, 10.0, stacked.Top(), "a stacked bar is as tall as its parts together")
}

func TestABarChartIsDrawnToScale(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "c", Title: "Runs <per> hour", Desc: "7 runs", Axis: "hour, UTC",
		Series: []Series{{Name: "finished", Class: "s-good"}, {Name: "failed", Class: "s-bad"}},
		Bars: []Bar{
			{Label: "09:00", Title: "09:00–10:00 UTC: no runs", Values: []float64{0, 0}},
			{Title: "10:00–11:00 UTC: 2 finished, 3 failed", Values: []float64{2, 3}},
			{Label: "11:00", Title: "11:00–12:00 UTC: 1 finished & more", Values: []float64{1, 0}},
		}}
	svg := string(c.SVG())

	// The plot is 148 units high from y=10 to y=158; the axis goes up to 5.
	rects := regexp.MustCompile(`<rect class="([^"]+)" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)" data-series="([^"]+)" data-value="([^"]+)"/>`).
		FindAllStringSubmatch(svg, -1)
	var got [][]string
	for _, r := range rects {
		got = append(got, r[1:])
	}
	// Three slots of 554/3 = 184.7 units from x=40, a tenth of each left empty on either side:
	// the second bar starts at 40 + 184.7 + 18.5.
	require.Equal(t, [][]string{
		{"s-good", "243.1", "98.8", "147.7", "59.2", "finished", "2"}, // 2 of 5: 59.2 high, on the base
		{"s-bad", "243.1", "10", "147.7", "88.8", "failed", "3"},      // stacked on it, up to the top
		{"s-good", "427.8", "128.4", "147.7", "29.6", "finished", "1"},
	}, got, "an empty bar draws nothing")

	require.Contains(t, svg, `<g class="bar" data-total="5"><title>10:00–11:00 UTC: 2 finished, 3 failed</title>`)
	require.Contains(t, svg, `<title>11:00–12:00 UTC: 1 finished &amp; more</title>`, "text is escaped")
	require.Contains(t, svg, `<title id="c-title">Runs &lt;per&gt; hour</title><desc id="c-desc">7 runs</desc>`)
	require.Contains(t, svg, `role="img" aria-labelledby="c-title c-desc"`)
	require.NotContains(t, svg, `>2.5</text>`, "half a run is no count: the middle line has no label")
	c.Unit = "%"
	require.Contains(t, string(c.SVG()), `text-anchor="end">2.5%</text>`, "a rate has its middle")
	for _, label := range []string{`text-anchor="end">0</text>`, `text-anchor="end">5</text>`,
		`text-anchor="middle">09:00</text>`, `text-anchor="middle">11:00</text>`} {
		require.Contains(t, svg, label)
	}
	require.Equal(t, 2, strings.Count(svg, `text-anchor="middle"`), "a bar without a label has none")
	require.Contains(t, svg, `<tr><td>10:00–11:00 UTC: 2 finished, 3 failed</td><td class="num">2</td><td class="num">3</td></tr>`,
		"the numbers, in a table")
	require.NotContains(t, svg, "style=", "the CSP allows no inline style")
}

func TestHoursAndDaysAreTheStoresOwn(t *testing.T) {
	t.Parallel()
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	now := time.Date(2026, 11, 20, 9, 10, 0, 0, time.UTC) // 14:40 in Kolkata
	h := hourBounds(now, kolkata, 24)
	require.Len(t, h, 25)
	require.Equal(t, "2026-11-20 14:00 IST", h[23].Format("2006-01-02 15:04 MST"), "the hour under way starts on the store's whole hour")
	require.Equal(t, "2026-11-20 15:00 IST", h[24].Format("2006-01-02 15:04 MST"))
	require.Equal(t, "2026-11-19 15:00 IST", h[0].Format("2006-01-02 15:04 MST"))

	// Berlin's clocks go back on 2026-10-25: that day has 25 hours.
	d := dayBounds(time.Date(2026, 10, 26, 12, 0, 0, 0, time.UTC), berlin, 3)
	require.Equal(t, []string{"2026-10-24 00:00 CEST", "2026-10-25 00:00 CEST", "2026-10-26 00:00 CET", "2026-10-27 00:00 CET"},
		[]string{d[0].Format("2006-01-02 15:04 MST"), d[1].Format("2006-01-02 15:04 MST"), d[2].Format("2006-01-02 15:04 MST"), d[3].Format("2006-01-02 15:04 MST")})
	require.Equal(t, 25*time.Hour, d[2].Sub(d[1]))
	require.Equal(t, "Europe/Berlin (CET)", zoneName(berlin, now))
	require.Equal(t, "UTC", zoneName(time.UTC, now))
}
