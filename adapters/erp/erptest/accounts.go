package erptest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// login is a portal login of user that started at at and lasts 12 hours.
func login(id, user string, at time.Time) erp.Session {
	return erp.Session{ID: id, User: user, Credential: "cred-" + user, Address: "192.0.2.10", Agent: "Mozilla/5.0",
		StartedAt: at, ExpiresAt: at.Add(12 * time.Hour)}
}

func runAccounts(t *testing.T, open Opener) {
	t.Run("a login is kept and read back by its id", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00.123Z")
		s := login("a1", "ann", at)
		require.NoError(t, b.store.SessionStart(b.ctx, s))
		got, err := b.store.SessionGet(b.ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, s, got)
		require.True(t, got.Live(at.Add(time.Hour)))
		require.False(t, got.Live(at.Add(12*time.Hour)), "not past its expiry")

		_, err = b.store.SessionGet(b.ctx, "nope")
		require.ErrorIs(t, err, erp.ErrNotFound)
		require.ErrorIs(t, b.store.SessionStart(b.ctx, erp.Session{ID: "x", User: "ann"}), erp.ErrInvalidValue)
		require.ErrorIs(t, b.store.SessionStart(b.ctx, s), erp.ErrDuplicate, "an id is one login")

		long := login("a2", "ann", at)
		long.Agent = fmt.Sprintf("%0300d", 0)
		require.NoError(t, b.store.SessionStart(b.ctx, long), "a long User-Agent is cut, not refused")
		got, err = b.store.SessionGet(b.ctx, "a2")
		require.NoError(t, err)
		require.Len(t, got.Agent, 200)
	})

	t.Run("a login ends once, with who ended it and why", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00Z")
		require.NoError(t, b.store.SessionStart(b.ctx, login("a1", "ann", at)))
		end := erp.SessionEndParams{ID: "a1", At: at.Add(time.Hour), By: "ann", Reason: erp.SessionLogout}
		n, err := b.store.SessionEnd(b.ctx, end)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, err := b.store.SessionGet(b.ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, at.Add(time.Hour), got.EndedAt)
		require.Equal(t, "ann", got.EndedBy)
		require.Equal(t, erp.SessionLogout, got.EndReason)
		require.False(t, got.Live(at.Add(2*time.Hour)))

		end.At, end.By = at.Add(2*time.Hour), "adam"
		n, err = b.store.SessionEnd(b.ctx, end)
		require.NoError(t, err)
		require.Zero(t, n, "an ended login is not ended again")
		got, err = b.store.SessionGet(b.ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, "ann", got.EndedBy, "and keeps who ended it first")
		_, err = b.store.SessionEnd(b.ctx, erp.SessionEndParams{At: at, Reason: erp.SessionLogout})
		require.ErrorIs(t, err, erp.ErrInvalidValue, "one login or one user must be named")
	})

	t.Run("every login of a user but one ends, and other users' stay", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00Z")
		for i, s := range []erp.Session{login("a1", "ann", at), login("a2", "ann", at.Add(time.Minute)), login("a3", "ann", at.Add(2*time.Minute)),
			login("b1", "bob", at)} {
			require.NoError(t, b.store.SessionStart(b.ctx, s), i)
		}
		n, err := b.store.SessionEnd(b.ctx, erp.SessionEndParams{User: "ann", Except: "a3", At: at.Add(time.Hour), By: "adam", Reason: erp.SessionSignedOut})
		require.NoError(t, err)
		require.Equal(t, 2, n)
		live, err := b.store.SessionList(b.ctx, erp.SessionListParams{At: at.Add(time.Hour)})
		require.NoError(t, err)
		require.Equal(t, []string{"a3", "b1"}, sessionIDs(live), "newest first")
	})

	t.Run("the list shows the logins that hold, per user or everyone's, and expired ones are purged", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00Z")
		require.NoError(t, b.store.SessionStart(b.ctx, login("old", "ann", at.Add(-24*time.Hour))))
		require.NoError(t, b.store.SessionStart(b.ctx, login("a1", "ann", at)))
		require.NoError(t, b.store.SessionStart(b.ctx, login("b1", "bob", at.Add(time.Minute))))
		ann, err := b.store.SessionList(b.ctx, erp.SessionListParams{User: "ann", At: at})
		require.NoError(t, err)
		require.Equal(t, []string{"a1"}, sessionIDs(ann), "the expired login is not listed")
		all, err := b.store.SessionList(b.ctx, erp.SessionListParams{At: at})
		require.NoError(t, err)
		require.Equal(t, []string{"b1", "a1"}, sessionIDs(all))

		n, err := b.store.SessionPurge(b.ctx, at)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, err = b.store.SessionGet(b.ctx, "old")
		require.ErrorIs(t, err, erp.ErrNotFound)
		_, err = b.store.SessionGet(b.ctx, "a1")
		require.NoError(t, err)
	})

	t.Run("a user change holds with the user's logins and ends them in the same transaction", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00Z")
		require.NoError(t, b.store.SessionStart(b.ctx, login("a1", "ann", at)))
		require.NoError(t, b.store.SessionStart(b.ctx, login("a2", "ann", at)))
		require.NoError(t, b.store.SessionStart(b.ctx, login("b1", "bob", at)))
		change := erp.UserChange{Name: "ann", PasswordHash: "$2a$10$new", ChangedAt: at.Add(time.Hour), ChangedBy: "adam"}
		n, err := b.store.UserChange(b.ctx, change, erp.SessionEndParams{Except: "a2", Reason: erp.SessionPassword})
		require.NoError(t, err)
		require.Equal(t, 1, n)

		got, err := b.store.SessionGet(b.ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, change, got.Changed, "the change comes with the login")
		require.Equal(t, erp.SessionPassword, got.EndReason)
		require.Equal(t, "adam", got.EndedBy)
		require.Equal(t, change.ChangedAt, got.EndedAt)
		kept, err := b.store.SessionGet(b.ctx, "a2")
		require.NoError(t, err)
		require.True(t, kept.Live(at.Add(time.Hour)), "the login left alone holds")
		bob, err := b.store.SessionGet(b.ctx, "b1")
		require.NoError(t, err)
		require.Equal(t, erp.UserChange{}, bob.Changed, "nothing changed of bob")
		require.True(t, bob.Live(at.Add(time.Hour)))

		role := erp.UserChange{Name: "ann", Role: "viewer", PasswordHash: change.PasswordHash, ChangedAt: at.Add(2 * time.Hour), ChangedBy: "eve"}
		n, err = b.store.UserChange(b.ctx, role, erp.SessionEndParams{Reason: erp.SessionRole})
		require.NoError(t, err)
		require.Equal(t, 1, n, "a2 ends now")
		users, err := b.store.UserList(b.ctx)
		require.NoError(t, err)
		require.Equal(t, []erp.UserChange{role}, users, "a later change replaces the earlier one")

		_, err = b.store.UserChange(b.ctx, erp.UserChange{Name: "ann", ChangedAt: at}, erp.SessionEndParams{Reason: erp.SessionRole})
		require.ErrorIs(t, err, erp.ErrInvalidValue, "a change changes something")
	})

	t.Run("a run records what it cost of the Shopify budget, and the runs since a time are listed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T09:00:00Z")
		var ids []int64
		for i, feed := range []string{"orders", "inventory", "orders"} {
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: feed, Shop: "acme", Trigger: "schedule", At: at.Add(time.Duration(i) * time.Hour)})
			require.NoError(t, err)
			u := passthrough.APIUsage{RESTCalls: int64(10 * (i + 1)), GraphQLPoints: int64(100 * i), Wait: time.Duration(i) * 1500 * time.Millisecond, RateLimited: int64(i)}
			require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: x.ID, At: x.StartedAt.Add(time.Minute),
				Outcome: erp.OutcomeFinished, Usage: u}))
			ids = append(ids, x.ID)
		}
		_, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "other", Trigger: "schedule", At: at})
		require.NoError(t, err)

		x, err := b.store.ExecutionGet(b.ctx, ids[2])
		require.NoError(t, err)
		require.Equal(t, passthrough.APIUsage{RESTCalls: 30, GraphQLPoints: 200, Wait: 3 * time.Second, RateLimited: 2}, x.Usage)

		got, err := b.store.ExecutionUsageList(b.ctx, "acme", at.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, []erp.RunUsage{
			{ExecutionID: ids[1], Feed: "inventory", StartedAt: at.Add(time.Hour), Usage: passthrough.APIUsage{RESTCalls: 20, GraphQLPoints: 100, Wait: 1500 * time.Millisecond, RateLimited: 1}},
			{ExecutionID: ids[2], Feed: "orders", StartedAt: at.Add(2 * time.Hour), Usage: x.Usage},
		}, got, "oldest first, this shop's, from the time asked")
	})
}

func sessionIDs(ss []erp.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}
