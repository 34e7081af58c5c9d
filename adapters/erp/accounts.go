package erp

import (
	"context"
	"time"
)

// Accounts keeps the portal's logins and what an admin changed of its users in the database
// every process shares, so that a logout, a password change or a role change ends a login in
// every replica and after a restart, and a changed password or role holds in all of them at
// once. The users themselves, and their stores, come from the configuration.
type Accounts interface {
	// SessionStart records a new login. ErrInvalidValue without an id, a user, a credential
	// or an expiry.
	SessionStart(ctx context.Context, s Session) error
	// SessionGet returns a login by its id with what an admin changed of its user
	// (Session.Changed). An ended or expired login is returned as it is: whether it still
	// holds is the caller's to decide (Session.Live). ErrNotFound for an id never started.
	SessionGet(ctx context.Context, id string) (Session, error)
	// SessionEnd ends logins that have not ended: the one with p.ID, or every one of p.User
	// but p.Except. It says how many it ended.
	SessionEnd(ctx context.Context, p SessionEndParams) (int, error)
	// SessionList lists the logins that have not ended and expire after p.At, newest first:
	// p.User's, or everyone's when p.User is empty. At most 500.
	SessionList(ctx context.Context, p SessionListParams) ([]Session, error)
	// SessionPurge deletes the logins that expired before before, ended or not, and says
	// how many.
	SessionPurge(ctx context.Context, before time.Time) (int, error)

	// UserList lists what admins changed of users in the portal, by name.
	UserList(ctx context.Context) ([]UserChange, error)
	// UserChange records an admin's change of a user (replacing an earlier one) and ends
	// every login of the user but end.Except, in one transaction: the change holds
	// everywhere at once, and no login made before it outlives it. It says how many logins
	// it ended. ErrInvalidValue without a name, or with neither a role nor a password hash.
	UserChange(ctx context.Context, u UserChange, end SessionEndParams) (int, error)
}

// Session is one login to the portal.
type Session struct {
	// ID names the login: a hash of the secret its cookie holds, never the secret itself.
	ID   string
	User string
	// Credential is a print of what the user's login rested on (password hash and role):
	// a login whose user's password or role changed since is over, whoever changed it and
	// wherever.
	Credential string
	Address    string // where the login came from (the client's address)
	Agent      string // the browser that logged in (its User-Agent, cut to 200 characters)
	StartedAt  time.Time
	ExpiresAt  time.Time
	// EndedAt is when the login was ended before it expired; zero while it holds.
	EndedAt   time.Time
	EndedBy   string     // who ended it: the user (logout) or an admin
	EndReason string     // SessionLogout, SessionPassword, SessionRole or SessionSignedOut
	Changed   UserChange // what an admin changed of the user; zero when nothing
}

// Why a login ended before it expired.
const (
	SessionLogout    = "logout"     // the user signed out
	SessionPassword  = "password"   // the user's password was changed
	SessionRole      = "role"       // the user's role was changed
	SessionSignedOut = "signed_out" // an admin signed the user out
)

// Live reports whether the login still holds at now: not ended and not expired.
func (s Session) Live(now time.Time) bool {
	return s.EndedAt.IsZero() && now.Before(s.ExpiresAt)
}

// SessionEndParams says which logins to end, by whom and why.
type SessionEndParams struct {
	ID     string // one login; or
	User   string // every login of a user
	Except string // the id of a login of User to leave alone (the admin's own, changing their password)
	At     time.Time
	By     string
	Reason string
}

// SessionListParams selects logins.
type SessionListParams struct {
	User string    // empty for every user
	At   time.Time // logins that expire after it
}

// UserChange is what an admin changed of a configured user in the portal: it wins over the
// configuration's. An empty Role or PasswordHash keeps the configuration's.
type UserChange struct {
	Name         string
	Role         string
	PasswordHash string // bcrypt, never a password
	ChangedAt    time.Time
	ChangedBy    string
}
