package portal

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The account page (every user: their password, their sign-ins) and the users page (admins:
// every configured user's role, password and sign-ins). Users themselves, and the stores
// they may see, come from the configuration; what an admin changes here is kept in the
// database (erp.Accounts) and wins over it, in every replica at once. Every change of a
// password or a role ends the user's sign-ins, in the same transaction.

// Password rules: long enough to resist guessing at the login's limited pace, and no
// longer than bcrypt reads (72 bytes; it would ignore the rest).
const (
	minPassword = 12
	maxPassword = 72
)

// checkNewPassword says what is wrong with a new password, or "".
func checkNewPassword(password, again string) string {
	switch {
	case password != again:
		return "The two new passwords differ."
	case len([]rune(password)) < minPassword:
		return fmt.Sprintf("A password needs at least %d characters.", minPassword)
	case len(password) > maxPassword:
		return fmt.Sprintf("A password may be at most %d bytes long (bcrypt ignores the rest).", maxPassword)
	case strings.TrimSpace(password) == "":
		return "A password cannot be only spaces."
	}
	return ""
}

// accountRow is one user as the users and account pages show them.
type accountRow struct {
	account
	// ConfigRole is the role the configuration gives; Role may differ (an admin changed it).
	ConfigRole string
	Sessions   []erp.Session
}

// sessionsView is a list of sign-ins for the "sessions" block, with the one of this browser.
type sessionsView struct {
	List    []erp.Session
	Current string
}

// SessionsView lists the row's sign-ins, marking current (a row id; "" for none).
func (r accountRow) SessionsView(current string) sessionsView {
	return sessionsView{List: r.Sessions, Current: current}
}

type accountData struct {
	Me accountRow
	// Current is the row id of this browser's login, to mark it in the list.
	Current string
	Error   string
}

func (s *Server) accountPage(c *echo.Context) error {
	return s.renderAccount(c, http.StatusOK, "")
}

func (s *Server) renderAccount(c *echo.Context, status int, msg string) error {
	rows, err := s.accountRows(c, userOf(c).Name)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return echo.NewHTTPError(http.StatusNotFound, "Your user is no longer in the configuration.")
	}
	ss, _ := sessionOf(c)
	return s.render(c, status, "account", "My account", accountData{Me: rows[0], Current: ss.rowID(), Error: msg})
}

// accountRows are the configured users (only name, when given) as they are now, with their
// live sign-ins, in the configuration's order.
func (s *Server) accountRows(c *echo.Context, name string) ([]accountRow, error) {
	ctx := c.Request().Context()
	changes, err := s.d.Accounts.UserList(ctx)
	if err != nil {
		return nil, fmt.Errorf("read user changes: %w", err)
	}
	live, err := s.d.Accounts.SessionList(ctx, erp.SessionListParams{User: name, At: s.now()})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []accountRow
	for _, u := range s.d.Users {
		if name != "" && u.Name != name {
			continue
		}
		var ch erp.UserChange
		if i := slices.IndexFunc(changes, func(ch erp.UserChange) bool { return ch.Name == u.Name }); i >= 0 {
			ch = changes[i]
		}
		a := accountOf(u, ch)
		row := accountRow{account: a, ConfigRole: u.Role}
		for _, ses := range live {
			// A login whose password or role changed since is over, even before its row says so.
			if ses.User == u.Name && ses.Credential == a.credential() {
				row.Sessions = append(row.Sessions, ses)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// changePassword changes the signed-in user's own password: the current one is asked for,
// every sign-in of theirs ends, and this browser is signed in again with the new one.
func (s *Server) changePassword(c *echo.Context) error {
	req := c.Request()
	me := userOf(c)
	a, known, err := s.account(req.Context(), me.Name)
	if err != nil {
		return err
	}
	if !known {
		return echo.NewHTTPError(http.StatusNotFound, "Your user is no longer in the configuration.")
	}
	if !checkPassword(a.User, true, req.PostFormValue("current")) {
		return s.renderAccount(c, http.StatusUnprocessableEntity, "Not changed: the current password is wrong.")
	}
	next := req.PostFormValue("password")
	if why := checkNewPassword(next, req.PostFormValue("again")); why != "" {
		return s.renderAccount(c, http.StatusUnprocessableEntity, "Not changed: "+why)
	}
	ended, err := s.setPassword(c, a, next, erp.SessionEndParams{})
	if err != nil {
		return err
	}
	a, _, err = s.account(req.Context(), me.Name)
	if err != nil {
		return err
	}
	if err := s.signIn(c, a); err != nil {
		return err
	}
	s.audit(c, actionOwnPassword, me.Name, "changed their own password")
	s.setFlash(c, "good", fmt.Sprintf("Your password was changed. Your %s ended; this browser is signed in again.", plural(ended, "sign-in", "sign-ins")))
	return c.Redirect(http.StatusSeeOther, "/account")
}

// setPassword records a new password for a and ends their sign-ins but end.Except, saying
// how many.
func (s *Server) setPassword(c *echo.Context, a account, password string, end erp.SessionEndParams) (int, error) {
	hash, err := HashPassword(password)
	if err != nil {
		return 0, fmt.Errorf("hash password: %w", err)
	}
	change := erp.UserChange{Name: a.Name, Role: a.Changed.Role, PasswordHash: hash, ChangedAt: s.now(), ChangedBy: userOf(c).Name}
	end.Reason = erp.SessionPassword
	n, err := s.d.Accounts.UserChange(c.Request().Context(), change, end)
	if err != nil {
		return 0, fmt.Errorf("change password of %s: %w", a.Name, err)
	}
	return n, nil
}

// signOutOthers ends the signed-in user's other sign-ins (a browser left signed in
// elsewhere).
func (s *Server) signOutOthers(c *echo.Context) error {
	me, ss := userOf(c), mustSession(c)
	n, err := s.d.Accounts.SessionEnd(c.Request().Context(), erp.SessionEndParams{User: me.Name, Except: ss.rowID(), At: s.now(), By: me.Name,
		Reason: erp.SessionSignedOut})
	if err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	s.audit(c, actionOwnSignout, me.Name, fmt.Sprintf("ended %s of their own", plural(n, "other sign-in", "other sign-ins")))
	s.setFlash(c, "good", fmt.Sprintf("Ended %s.", plural(n, "other sign-in", "other sign-ins")))
	return c.Redirect(http.StatusSeeOther, "/account")
}

type usersData struct {
	Users []accountRow
	Roles []string
	// Me is the admin looking: they change their own password on their account page, and
	// not their own role (an office must not lock out its last admin by a slip).
	Me string
}

func (s *Server) usersPage(c *echo.Context) error {
	rows, err := s.accountRows(c, "")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "users", "Users", usersData{Users: rows, Roles: []string{"viewer", "operator", "admin"}, Me: userOf(c).Name})
}

// otherUser is the configured user the URL names, as they are now; an admin acts on others
// here, and on themselves on their account page.
func (s *Server) otherUser(c *echo.Context) (account, error) {
	name := c.Param("name")
	a, known, err := s.account(c.Request().Context(), name)
	if err != nil {
		return account{}, err
	}
	if !known {
		return account{}, echo.NewHTTPError(http.StatusNotFound, "There is no user "+name+" in the configuration.")
	}
	if name == userOf(c).Name {
		return account{}, echo.NewHTTPError(http.StatusBadRequest, "Change your own password on your account page; another admin changes your role.")
	}
	return a, nil
}

// setUserPassword sets another user's password (they forgot it, or it leaked): every
// sign-in of theirs ends, in every replica.
func (s *Server) setUserPassword(c *echo.Context) error {
	a, err := s.otherUser(c)
	if err != nil {
		return err
	}
	req := c.Request()
	if why := checkNewPassword(req.PostFormValue("password"), req.PostFormValue("again")); why != "" {
		s.setFlash(c, "bad", "The password of "+a.Name+" was not changed: "+why)
		return c.Redirect(http.StatusSeeOther, "/users#user-"+a.Name)
	}
	n, err := s.setPassword(c, a, req.PostFormValue("password"), erp.SessionEndParams{})
	if err != nil {
		return err
	}
	s.audit(c, actionUserPassword, a.Name, fmt.Sprintf("set a new password; %s ended", plural(n, "sign-in", "sign-ins")))
	s.setFlash(c, "good", fmt.Sprintf("The password of %s was changed; %s of theirs ended.", a.Name, plural(n, "sign-in", "sign-ins")))
	return c.Redirect(http.StatusSeeOther, "/users#user-"+a.Name)
}

// setUserRole gives another user a role: their sign-ins end, so they sign in again with
// what the new role lets them do.
func (s *Server) setUserRole(c *echo.Context) error {
	a, err := s.otherUser(c)
	if err != nil {
		return err
	}
	role := c.Request().PostFormValue("role")
	if roleOf(role) == roleNone {
		return echo.NewHTTPError(http.StatusBadRequest, "A role is viewer, operator or admin.")
	}
	if role == a.Role {
		s.setFlash(c, "warn", a.Name+" is "+role+" already; nothing changed.")
		return c.Redirect(http.StatusSeeOther, "/users#user-"+a.Name)
	}
	change := erp.UserChange{Name: a.Name, Role: role, PasswordHash: a.Changed.PasswordHash, ChangedAt: s.now(), ChangedBy: userOf(c).Name}
	n, err := s.d.Accounts.UserChange(c.Request().Context(), change, erp.SessionEndParams{Reason: erp.SessionRole})
	if err != nil {
		return fmt.Errorf("change role of %s: %w", a.Name, err)
	}
	s.audit(c, actionUserRole, a.Name, fmt.Sprintf("%s → %s; %s ended", a.Role, role, plural(n, "sign-in", "sign-ins")))
	s.setFlash(c, "good", fmt.Sprintf("%s is %s now (was %s); %s of theirs ended.", a.Name, role, a.Role, plural(n, "sign-in", "sign-ins")))
	return c.Redirect(http.StatusSeeOther, "/users#user-"+a.Name)
}

// signOutUser ends every sign-in of another user (a lost laptop, someone who left).
func (s *Server) signOutUser(c *echo.Context) error {
	a, err := s.otherUser(c)
	if err != nil {
		return err
	}
	n, err := s.d.Accounts.SessionEnd(c.Request().Context(), erp.SessionEndParams{User: a.Name, At: s.now(), By: userOf(c).Name,
		Reason: erp.SessionSignedOut})
	if err != nil {
		return fmt.Errorf("end sessions of %s: %w", a.Name, err)
	}
	s.audit(c, actionUserSignout, a.Name, fmt.Sprintf("ended %s", plural(n, "sign-in", "sign-ins")))
	s.setFlash(c, "good", fmt.Sprintf("Ended %s of %s.", plural(n, "sign-in", "sign-ins"), a.Name))
	return c.Redirect(http.StatusSeeOther, "/users#user-"+a.Name)
}

// mustSession is the request's session; routes behind requireRole always have one.
func mustSession(c *echo.Context) session {
	ss, _ := sessionOf(c)
	return ss
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
