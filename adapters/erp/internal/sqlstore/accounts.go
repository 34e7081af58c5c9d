package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The portal's logins (pt_portal_sessions) and what admins changed of its users
// (pt_portal_users): erp.Accounts.

// maxSessionsListed bounds SessionList: a users page, not an export.
const maxSessionsListed = 500

// --- statements ---------------------------------------------------------------------------

// sessionCols are the columns SessionGet and SessionList read, in the order scanSession
// scans them.
const sessionCols = "s.id, s.user_name, s.credential, s.address, s.agent, s.started_at, s.expires_at, s.ended_at, s.ended_by, s.end_reason, " +
	"u.role, u.password_hash, u.changed_at, u.changed_by"

// sessionsJoined is the logins with their users' changes.
func (st Statements) sessionsJoined() string {
	return st.name("pt_portal_sessions") + " s LEFT JOIN " + st.name("pt_portal_users") + " u ON u.name = s.user_name"
}

// SessionInsert records a new login.
func (st Statements) SessionInsert(s erp.Session) Stmt {
	return Stmt{SQL: "INSERT INTO " + st.name("pt_portal_sessions") + " (id, user_name, credential, address, agent, started_at, expires_at) VALUES (" +
		placeholders(st.d, 7) + ")",
		Args: []any{st.text(s.ID), st.text(s.User), st.text(s.Credential), st.text(s.Address), st.text(s.Agent), st.time(s.StartedAt), st.time(s.ExpiresAt)}}
}

// SessionGet reads one login with its user's changes.
func (st Statements) SessionGet(id string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + sessionCols + " FROM " + st.sessionsJoined() + " WHERE s.id = " + p.add(st.text(id)), Args: p.args}
}

// SessionEnd ends the logins p names that have not ended, answering how many.
func (st Statements) SessionEnd(p erp.SessionEndParams) Stmt {
	ps := &params{d: st.d}
	update := "UPDATE " + st.name("pt_portal_sessions") + " SET ended_at = " + ps.add(st.time(p.At)) + ", ended_by = " + ps.add(st.text(p.By)) +
		", end_reason = " + ps.add(st.text(p.Reason))
	var where string
	if p.ID != "" {
		where = "id = " + ps.add(st.text(p.ID))
	} else {
		where = "user_name = " + ps.add(st.text(p.User))
		if p.Except != "" {
			where += " AND id <> " + ps.add(st.text(p.Except))
		}
	}
	return st.counted(update, where+" AND ended_at IS NULL", ps.args)
}

// SessionList reads the logins that hold, newest first.
func (st Statements) SessionList(p erp.SessionListParams) Stmt {
	ps := &params{d: st.d}
	where := ""
	if p.User != "" {
		where = "s.user_name = " + ps.add(st.text(p.User)) + " AND "
	}
	where += "s.ended_at IS NULL AND s.expires_at > " + ps.add(st.time(p.At))
	return Stmt{SQL: "SELECT " + sessionCols + " FROM " + st.sessionsJoined() + " WHERE " + where +
		" ORDER BY s.started_at DESC, s.id" + st.d.Limit(ps.add(st.int64(maxSessionsListed))), Args: ps.args}
}

// SessionPurge deletes the logins that expired before a time.
func (st Statements) SessionPurge(before time.Time) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "DELETE FROM " + st.name("pt_portal_sessions") + " WHERE expires_at < " + p.add(st.time(before)), Args: p.args, Counted: true}
}

// UserList reads every user change.
func (st Statements) UserList() Stmt {
	return Stmt{SQL: "SELECT name, role, password_hash, changed_at, changed_by FROM " + st.name("pt_portal_users") + " ORDER BY name"}
}

// UserPut writes a user change, replacing an earlier one.
func (st Statements) UserPut(u erp.UserChange) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_portal_users"), []string{"name"}, []string{"name", "role", "password_hash", "changed_at", "changed_by"}, nil),
		Args: []any{st.text(u.Name), st.text(u.Role), st.text(u.PasswordHash), st.time(u.ChangedAt), st.text(u.ChangedBy)}}
}

func placeholders(d Dialect, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = d.Placeholder(i + 1)
	}
	return strings.Join(ph, ", ")
}

// --- the store ----------------------------------------------------------------------------

// SessionStart records a new login.
func (s *Store) SessionStart(ctx context.Context, ses erp.Session) error {
	if ses.ID == "" || ses.User == "" || ses.Credential == "" || ses.ExpiresAt.IsZero() {
		return fmt.Errorf("start session: a login needs an id, a user, a credential and an expiry: %w", erp.ErrInvalidValue)
	}
	ses.Agent = cutRunes(ses.Agent, 200)
	ses.Address = cutRunes(ses.Address, 100)
	err := s.retry(ctx, "start session", func(ctx context.Context) error {
		_, err := s.exec(ctx, nil, s.st.SessionInsert(ses))
		return err
	})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	return nil
}

// SessionGet reads a login with its user's changes.
func (s *Store) SessionGet(ctx context.Context, id string) (erp.Session, error) {
	out, err := queryAll(ctx, s, "read session", s.st.SessionGet(id), scanSession)
	if err != nil {
		return erp.Session{}, fmt.Errorf("read session: %w", err)
	}
	if len(out) == 0 {
		return erp.Session{}, fmt.Errorf("session: %w", erp.ErrNotFound)
	}
	return out[0], nil
}

// SessionEnd ends logins.
func (s *Store) SessionEnd(ctx context.Context, p erp.SessionEndParams) (int, error) {
	if (p.ID == "") == (p.User == "") || p.At.IsZero() || p.Reason == "" {
		return 0, fmt.Errorf("end sessions: name one login or one user, when and why: %w", erp.ErrInvalidValue)
	}
	var n int64
	err := s.inTx(ctx, "end sessions", func(tx *sql.Tx) error {
		var err error
		n, err = s.exec(ctx, tx, s.st.SessionEnd(p))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return int(n), nil
}

// SessionList lists the logins that hold.
func (s *Store) SessionList(ctx context.Context, p erp.SessionListParams) ([]erp.Session, error) {
	out, err := queryAll(ctx, s, "list sessions", s.st.SessionList(p), scanSession)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// SessionPurge deletes expired logins.
func (s *Store) SessionPurge(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.retry(ctx, "purge sessions", func(ctx context.Context) error {
		var err error
		n, err = s.exec(ctx, nil, s.st.SessionPurge(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return int(n), nil
}

// UserList lists the user changes.
func (s *Store) UserList(ctx context.Context) ([]erp.UserChange, error) {
	out, err := queryAll(ctx, s, "list user changes", s.st.UserList(), func(r *sql.Rows) (erp.UserChange, error) {
		var u erp.UserChange
		var at sql.NullTime
		err := r.Scan(&u.Name, &u.Role, &u.PasswordHash, &at, &u.ChangedBy)
		u.ChangedAt = timeOf(at)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list user changes: %w", err)
	}
	return out, nil
}

// UserChange records a user change and ends the user's logins, in one transaction.
func (s *Store) UserChange(ctx context.Context, u erp.UserChange, end erp.SessionEndParams) (int, error) {
	if u.Name == "" || (u.Role == "" && u.PasswordHash == "") || u.ChangedAt.IsZero() {
		return 0, fmt.Errorf("change user: a change needs a name, a role or a password, and a time: %w", erp.ErrInvalidValue)
	}
	if len(u.Name) > 100 || len(u.Role) > 20 || len(u.PasswordHash) > 100 || len(u.ChangedBy) > 100 {
		return 0, fmt.Errorf("change user %s: a value is longer than its column: %w", u.Name, erp.ErrInvalidValue)
	}
	end.ID, end.User = "", u.Name
	if end.At.IsZero() {
		end.At = u.ChangedAt
	}
	if end.By == "" {
		end.By = u.ChangedBy
	}
	var n int64
	err := s.inTx(ctx, "change user", func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, s.st.UserPut(u)); err != nil {
			return err
		}
		var err error
		n, err = s.exec(ctx, tx, s.st.SessionEnd(end))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("change user %s: %w", u.Name, err)
	}
	return int(n), nil
}

func scanSession(r *sql.Rows) (erp.Session, error) {
	var ses erp.Session
	var started, expires, ended, changed sql.NullTime
	var role, hash, by sql.NullString
	err := r.Scan(&ses.ID, &ses.User, &ses.Credential, &ses.Address, &ses.Agent, &started, &expires, &ended, &ses.EndedBy, &ses.EndReason,
		&role, &hash, &changed, &by)
	if err != nil {
		return ses, err
	}
	ses.StartedAt, ses.ExpiresAt, ses.EndedAt = timeOf(started), timeOf(expires), timeOf(ended)
	if role.Valid || hash.Valid {
		ses.Changed = erp.UserChange{Name: ses.User, Role: role.String, PasswordHash: hash.String, ChangedAt: timeOf(changed), ChangedBy: by.String}
	}
	return ses, nil
}

// cutRunes keeps the first n characters of s.
func cutRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// accountsCatalog is the statements of the portal's logins and user changes, and of the
// budget meter, for review.
func accountsCatalog(st Statements) []sample {
	at := catalogTime
	ses := erp.Session{ID: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", User: "ann",
		Credential: "5e884898da28047151d0e56f8dc62927", Address: "192.0.2.10", Agent: "Mozilla/5.0", StartedAt: at, ExpiresAt: at.Add(12 * time.Hour)}
	return []sample{
		{"SessionInsert", st.SessionInsert(ses), nil},
		{"SessionGet", st.SessionGet(ses.ID), nil},
		{"SessionEnd/one", st.SessionEnd(erp.SessionEndParams{ID: ses.ID, At: at, By: "ann", Reason: erp.SessionLogout}), nil},
		{"SessionEnd/every-one-of-a-user-but-one", st.SessionEnd(erp.SessionEndParams{User: "ann", Except: ses.ID, At: at, By: "adam",
			Reason: erp.SessionPassword}), nil},
		{"SessionList/a-user", st.SessionList(erp.SessionListParams{User: "ann", At: at}), nil},
		{"SessionList/everyone", st.SessionList(erp.SessionListParams{At: at}), nil},
		{"SessionPurge", st.SessionPurge(at.AddDate(0, 0, -1)), nil},
		{"UserList", st.UserList(), nil},
		{"UserPut", st.UserPut(erp.UserChange{Name: "ann", Role: "operator", PasswordHash: "$2a$10$abcdefghijklmnopqrstuv", ChangedAt: at, ChangedBy: "adam"}), nil},
		{"ExecutionUsageList", st.ExecutionUsageList("acme", at.Add(-24*time.Hour)), nil},
	}
}
