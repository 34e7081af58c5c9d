package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The scenarios of the administration: an integration consultant at the mapping editor, an
// admin at the users page, a hostile page at the login, a manager at the health panel.

// consultantEditsAMapping: a typo leaves a quote open; the editor shows line numbers, the
// problem at the line and column of the quote, and takes the caret there; fixed, the text
// is previewed; two versions are compared; an earlier one is restored.
func consultantEditsAMapping(s *session, target Target) {
	path := "/mappings/" + target.Mapping
	s.signIn(target.Admin, path)
	s.do("wait for the editor", chromedp.WaitVisible(chromedp.ID("gutter")))
	original, err := chromedp.Run(s.ctx, chromedp.Value(chromedp.ID("src")))
	require.NoError(s.t, err)
	original = strings.ReplaceAll(original, "\r\n", "\n")

	// Line numbers beside the text, one per line.
	gutter := s.text("#gutter")
	require.True(s.t, strings.HasPrefix(gutter, "1\n2\n3\n"), "the gutter numbers the lines")
	require.Equal(s.t, strings.Count(original, "\n")+1, strings.Count(strings.TrimRight(gutter, "\n"), "\n")+1, "one number per line")

	// The typo: the quote before order.name is never closed.
	lines := strings.Split(original, "\n")
	line, col := 0, 0
	for i, l := range lines {
		if j := strings.Index(l, "order_number: order.name"); j >= 0 {
			lines[i] = strings.Replace(l, "order_number: order.name", `order_number: "order.name`, 1)
			line, col = i+1, j+len("order_number: ")+1
			break
		}
	}
	require.NotZero(s.t, line, "the mapping has an order_number column to break")
	typo := strings.Join(lines, "\n")
	s.do("type the typo", chromedp.SetValue(chromedp.ID("src"), typo),
		chromedp.Click(chromedp.ID("check-button")))
	where := fmt.Sprintf("%s:%d:%d", target.Mapping, line, col)
	s.waitFor("the check names the quote's line and column", fmt.Sprintf(`document.querySelector('#check a.diag-at') !== null && document.querySelector('#check a.diag-at').textContent === %q`, where))
	require.Contains(s.t, s.text("#check"), "this quote is not closed on its line")
	require.Contains(s.t, s.text("#check-status"), "in this text: it would not be saved")
	require.Equal(s.t, "compiles", s.text("#compiles"), "the saved version still compiles, and the badge says it is the saved one")
	s.shot("editor-unclosed-quote")

	// The problem takes the caret to the quote.
	s.do("click the problem", chromedp.Click(chromedp.CSS("#check a.diag-at")))
	caret, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.getElementById('src').selectionStart`))
	require.NoError(s.t, err)
	offset := 0
	for _, l := range lines[:line-1] {
		offset += len([]rune(l)) + 1
	}
	require.Equal(s.t, offset+col-1, caret, "the caret is at %s", where)

	// Fixed and previewed: the problems go with the typo, at once.
	s.do("undo the typo", chromedp.SetValue(chromedp.ID("src"), original))
	s.do("preview the order",
		chromedp.SetValue(chromedp.ID("preview-order"), fmt.Sprint(target.OrderID)),
		chromedp.Click(chromedp.ID("preview-button")),
		chromedp.WaitVisible(chromedp.ID("preview-rows")),
	)
	s.waitFor("the check describes the text now shown", `document.querySelector('#check .badge.good') !== null`)
	require.NotContains(s.t, s.text("#check"), "not closed", "no stale problem stays after the preview")
	require.Contains(s.t, s.text("#impact"), "imported orders are not touched")
	s.shot("editor-previewed")

	// Two versions compared, then the one before restored with one click.
	s.open(path + "/versions")
	s.do("wait for the versions", chromedp.WaitVisible(chromedp.ID("versions")))
	n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#versions tr[data-version]').length`))
	require.NoError(s.t, err)
	require.GreaterOrEqual(s.t, n, 2, "the earlier scenarios saved a version")
	require.Contains(s.t, s.text("#diff"), target.FixedValue, "the diff shows what the last save changed")
	s.shot("mapping-diff")
	require.EqualValues(s.t, http.StatusOK, s.follow(`#versions button[id^="restore-"]`))
	require.Contains(s.t, s.text("#flash"), "Restored version")
	require.Contains(s.t, s.text("#versions"), "restored from version")
	s.shot("mapping-restored")
}

// passwordChangeEndsTheOldSignIn: an admin changes an operator's password on one instance of
// the portal; the operator's sign-in is over on every instance — the one they used, another
// on the same database, and one restarted — and the new password works.
func passwordChangeEndsTheOldSignIn(s *session, target Target) {
	replica := httptest.NewServer(target.Replica)
	defer replica.Close()
	restarted := httptest.NewServer(target.Restart())
	defer restarted.Close()
	base := s.base

	op := s // the operator's browser
	op.signIn(target.Operator, "/orders")
	op.base = replica.URL
	op.open("/orders")
	require.Equal(s.t, "/orders", op.location(), "one sign-in holds on every instance")
	op.base = base
	op.open("/account")
	op.shot("account")

	admin := newSession(s.t, s.exec, replica.URL, s.shots, s.prefix+"-admin")
	admin.signIn(target.Admin, "/users")
	const newPassword = "a long new password for the operator"
	name := target.Operator.Name
	admin.do("set the operator's password",
		chromedp.SetValue(chromedp.ID("password-"+name), newPassword),
		chromedp.SetValue(chromedp.ID("again-"+name), newPassword))
	admin.shot("users")
	require.EqualValues(s.t, http.StatusOK, admin.follow("#set-password-"+name))
	require.Contains(s.t, admin.text("#flash"), "The password of "+name+" was changed")
	admin.shot("users-password-changed")
	admin.checkConsole()

	for _, srv := range []string{base, replica.URL, restarted.URL} {
		op.base = srv
		op.open("/orders")
		require.True(s.t, strings.HasPrefix(op.location(), "/login"), "the old sign-in is over at %s", srv)
	}
	op.shot("signed-out")
	op.base = restarted.URL
	op.signIn(Login{Name: name, Password: newPassword}, "/orders")
	op.shot("signed-in-again")
	op.base = base
}

// hostilePageCannotLockTheOfficeOut: a page on another site makes the office's browser post
// to the login again and again; the portal refuses every post for CSRF, counts none of them,
// and the office signs in.
func hostilePageCannotLockTheOfficeOut(s *session, target Target) {
	const posts = 40
	portal, err := url.Parse(s.base)
	require.NoError(s.t, err)
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>win a prize</title><script>
(async () => {
  let sent = 0;
  for (let i = 0; i < %d; i++) {
    await fetch(%q, {method: "POST", mode: "no-cors", body: new URLSearchParams({name: %q, password: "guess" + i})}).catch(() => {});
    sent++;
  }
  document.title = "sent " + sent;
})();
</script>`, posts, s.base+"/login", target.Operator.Name)
	}))
	defer hostile.Close()
	// Another site: localhost is not 127.0.0.1.
	_, port, _ := strings.Cut(strings.TrimPrefix(hostile.URL, "http://"), ":")
	require.NotEqual(s.t, "localhost", portal.Hostname())
	s.do("visit the hostile page", chromedp.Navigate("http://localhost:"+port+"/"))
	s.waitFor("the hostile page sent its posts", fmt.Sprintf(`document.title === "sent %d"`, posts))
	s.shot("hostile-page")

	s.signIn(target.Operator, "/orders")
	require.Contains(s.t, s.text("#who"), target.Operator.Name, "the office signs in")
	s.shot("signed-in-after-hostile-page")
}

// managerChecksHealthAndBudget: the health panel and the API budget of the store.
func managerChecksHealthAndBudget(s *session, target Target) {
	s.signIn(target.Operator, "/health")
	s.do("wait for the health panel", chromedp.WaitVisible(chromedp.ID("health")))
	for _, check := range []string{"Shopify API version", "Access scopes", "Access token", "Database", "passthrough"} {
		require.Contains(s.t, s.text("#health"), check)
	}
	require.Regexp(s.t, `healthy|needs attention|warnings|partly unknown`, s.text("#health-status"))
	s.shot("health")
	s.follow(`a[href="/budget"]`)
	require.Equal(s.t, "/budget", s.location())
	s.do("wait for the budget", chromedp.WaitVisible(chromedp.ID("hours")))
	n, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#hours tbody tr').length`))
	require.NoError(s.t, err)
	require.Equal(s.t, 24, n, "the last 24 hours")
	s.shot("budget")
}
