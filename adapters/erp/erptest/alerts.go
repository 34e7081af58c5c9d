package erptest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func runAlerts(t *testing.T, open Opener) {
	at := mustTime("2026-11-22T09:00:00.123Z")
	claim := func(token string, when time.Time) erp.AlertDigestClaimParams {
		return erp.AlertDigestClaimParams{Shop: "acme", Token: token, At: when, Every: 15 * time.Minute, Lease: time.Minute,
			Start: when.Add(-15 * time.Minute)}
	}

	t.Run("a digest is claimed by one sender, and the next only an interval after it went out", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		d, ok, err := b.store.AlertDigestClaim(b.ctx, claim("a", at))
		require.NoError(t, err)
		require.True(t, ok, "a store's first digest is due")
		require.Equal(t, erp.AlertDigest{Shop: "acme", Since: at.Add(-15 * time.Minute), ClaimedAt: at, ClaimedBy: "a"}, d)

		_, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(time.Second)))
		require.NoError(t, err)
		require.False(t, ok, "a digest being sent keeps other senders off")

		require.NoError(t, b.store.AlertDigestSent(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "a", At: at.Add(2 * time.Second),
			Through: at.Add(-30 * time.Second), Items: 3}))
		require.ErrorIs(t, b.store.AlertDigestSent(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "a", At: at.Add(3 * time.Second),
			Through: at}), erp.ErrLockLost, "a claim is recorded once")

		d, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(14*time.Minute)))
		require.NoError(t, err)
		require.False(t, ok, "not within 15 minutes of the last digest")
		require.Equal(t, erp.AlertDigest{Shop: "acme", Since: at.Add(-30 * time.Second), SentAt: at.Add(2 * time.Second), Items: 3}, d)

		d, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(15*time.Minute+2*time.Second)))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, at.Add(-30*time.Second), d.Since, "the next digest starts where the last one ended")

		list, err := b.store.AlertDigestList(b.ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "b", list[0].ClaimedBy)
	})

	t.Run("a failed send keeps where the digest starts and frees the claim", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, ok, err := b.store.AlertDigestClaim(b.ctx, claim("a", at))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, b.store.AlertDigestFailed(b.ctx, erp.AlertDigestFailedParams{Shop: "acme", Token: "a", At: at.Add(time.Second),
			Error: "send the e-mail: 451 try again later"}))
		require.ErrorIs(t, b.store.AlertDigestFailed(b.ctx, erp.AlertDigestFailedParams{Shop: "acme", Token: "a", At: at}), erp.ErrLockLost)

		d, ok, err := b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(time.Minute)))
		require.NoError(t, err)
		require.False(t, ok, "a failed attempt may have arrived: the next waits an interval too")
		require.Equal(t, erp.AlertDigest{Shop: "acme", Since: at.Add(-15 * time.Minute), FailedAt: at.Add(time.Second), Failures: 1,
			Error: "send the e-mail: 451 try again later"}, d)

		retry := at.Add(15*time.Minute + time.Second)
		d, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", retry))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, at.Add(-15*time.Minute), d.Since, "the next digest tells what the failed one would have")

		require.NoError(t, b.store.AlertDigestSent(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "b", At: retry, Through: retry, Items: 1}))
		list, err := b.store.AlertDigestList(b.ctx)
		require.NoError(t, err)
		require.Equal(t, 0, list[0].Failures, "a digest that went out ends the failures")
		require.Empty(t, list[0].Error)
	})

	t.Run("a claim that found nothing to tell moves on without counting as a digest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, ok, err := b.store.AlertDigestClaim(b.ctx, claim("a", at))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, b.store.AlertDigestRelease(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "a", Through: at}))
		require.ErrorIs(t, b.store.AlertDigestRelease(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "a", Through: at}), erp.ErrLockLost)
		d, ok, err := b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(time.Minute)))
		require.NoError(t, err)
		require.True(t, ok, "nothing went out, so the next may")
		require.Equal(t, at, d.Since)
		require.True(t, d.SentAt.IsZero())

		require.NoError(t, b.store.AlertDigestSent(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "b", At: at.Add(time.Minute),
			Through: at.Add(time.Minute), Items: 2, Error: "post to the webhook: 500 Internal Server Error"}))
		list, err := b.store.AlertDigestList(b.ctx)
		require.NoError(t, err)
		require.Equal(t, "post to the webhook: 500 Internal Server Error", list[0].Error, "a receiver that missed it is told")
		require.Equal(t, 2, list[0].Items)
	})

	t.Run("the claim of a sender that died is taken over after its lease", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, ok, err := b.store.AlertDigestClaim(b.ctx, claim("a", at))
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(59*time.Second)))
		require.NoError(t, err)
		require.False(t, ok)
		_, ok, err = b.store.AlertDigestClaim(b.ctx, claim("b", at.Add(61*time.Second)))
		require.NoError(t, err)
		require.True(t, ok)
		require.ErrorIs(t, b.store.AlertDigestSent(b.ctx, erp.AlertDigestSentParams{Shop: "acme", Token: "a", At: at.Add(62 * time.Second), Through: at}),
			erp.ErrLockLost, "the first sender's claim was taken over")
	})

	t.Run("of senders claiming at once exactly one gets the digest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 8 {
			wg.Go(func() {
				_, ok, err := b.store.AlertDigestClaim(b.ctx, claim(fmt.Sprintf("sender-%d", i), at))
				require.NoError(t, err)
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		require.Equal(t, 1, won)
	})

	t.Run("a claim needs a shop, a token, a time and a start", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, _, err := b.store.AlertDigestClaim(b.ctx, erp.AlertDigestClaimParams{Shop: "acme", At: at})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})

	t.Run("the failed runs of a store are listed by when they finished", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		run := func(shop, feed, outcome string, finished time.Time) int64 {
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: feed, Shop: shop, Trigger: "schedule", At: finished.Add(-time.Hour)})
			require.NoError(t, err)
			require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: x.ID, At: finished, Outcome: outcome, Error: "boom " + feed}))
			return x.ID
		}
		run("acme", "orders", erp.OutcomeFailed, at.Add(-time.Minute)) // before the window
		late := run("acme", "shipments", erp.OutcomeFailed, at.Add(10*time.Minute))
		early := run("acme", "orders", erp.OutcomeFailed, at.Add(time.Minute))
		run("acme", "inventory", erp.OutcomeFinished, at.Add(2*time.Minute))
		run("globex", "orders", erp.OutcomeFailed, at.Add(2*time.Minute))
		run("acme", "orders", erp.OutcomeFailed, at.Add(20*time.Minute)) // after it
		_, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule", At: at})
		require.NoError(t, err) // still running

		got, err := b.store.ExecutionFailedList(b.ctx, erp.ExecutionFailedListParams{Shop: "acme", Since: at, Until: at.Add(10 * time.Minute)})
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, []int64{early, late}, []int64{got[0].ID, got[1].ID}, "oldest first, the end of the window included")
		require.Equal(t, "boom orders", got[0].Error)
		require.Equal(t, at.Add(time.Minute), got[0].FinishedAt)

		got, err = b.store.ExecutionFailedList(b.ctx, erp.ExecutionFailedListParams{Shop: "acme", Since: at, Until: at.Add(time.Hour), Limit: 1})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, early, got[0].ID)
	})
}
