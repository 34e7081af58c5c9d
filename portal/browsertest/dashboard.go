package browsertest

import (
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// managerReadsTheDashboard: a manager opens the dashboard, sees its charts and the feeds
// that need attention, opens the bell's list, marks it read and sees the count go to 0; then
// the same on a phone.
func managerReadsTheDashboard(s *session, target Target) {
	s.signIn(target.Operator, "/dashboard")
	s.do("wait for the charts", chromedp.WaitVisible(chromedp.CSS("#chart-week svg")))
	for chart, bars := range map[string]int{"chart-staged": 24, "chart-errors": 24, "chart-runs": 24, "chart-week": 7} {
		n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#`+chart+` svg g.bar').length`))
		require.NoError(s.t, err)
		require.Equal(s.t, bars, n, "%s has a bar per hour or day", chart)
		drawn, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`Math.round(document.querySelector('#`+chart+` svg').getBoundingClientRect().height)`))
		require.NoError(s.t, err)
		require.Greater(s.t, drawn, 50, "%s is drawn", chart)
	}
	// The tiles and the bars say the same.
	staged, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](
		`Array.from(document.querySelectorAll('#chart-staged g.bar')).reduce((n, g) => n + Number(g.dataset.total), 0)`))
	require.NoError(s.t, err)
	require.Equal(s.t, strconv.Itoa(staged), strings.ReplaceAll(s.text("#total-staged"), ",", ""))
	require.Contains(s.t, s.text("#attention"), "Feeds that need attention")
	require.Contains(s.t, s.text("#day-totals"), "Shopify budget, hour under way")

	bell := s.text("#bell-count")
	n, err := strconv.Atoi(bell)
	require.NoError(s.t, err, "the bell counts: %q", bell)
	if target.ProblemClass != "" {
		require.Positive(s.t, n, "a new class of problems rings the bell")
	}
	s.shot("dashboard")

	s.follow("#bell")
	require.Equal(s.t, "/notifications", s.location())
	rows, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#new-classes tr[data-class-id], #failed-runs tr[data-run-id]').length`))
	require.NoError(s.t, err)
	require.Equal(s.t, n, rows, "the list has what the bell counted")
	if target.ProblemClass != "" {
		require.Contains(s.t, s.text("#new-classes"), target.ProblemClass)
	}
	require.Equal(s.t, bell, s.text("#bell-count"), "opening the list marks nothing read")
	s.shot("notifications")

	s.follow("#mark-read")
	require.Equal(s.t, "/notifications", s.location())
	require.Equal(s.t, "0", s.text("#bell-count"))
	require.Contains(s.t, s.text("#no-news"), "Nothing new")
	s.shot("notifications-read")

	s.do("use a phone's screen", chromedp.EmulateViewport(390, 844))
	for _, page := range []string{"/dashboard", "/notifications"} {
		s.open(page)
		s.do("wait for "+page, chromedp.WaitVisible(chromedp.CSS("main")))
		wide, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		require.NoError(s.t, err)
		require.LessOrEqual(s.t, wide, 390, "%s is %d px wide on a 390 px screen", page, wide)
		s.shot("narrow" + strings.ReplaceAll(page, "/", "-"))
	}
}
