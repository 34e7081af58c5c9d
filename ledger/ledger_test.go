package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/ledger"
)

func TestStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    ledger.Status
		valid     bool
		inStaging bool
	}{
		{ledger.StatusStaged, true, true},
		{ledger.StatusCancelled, true, true},
		{ledger.StatusWaiting, true, false},
		{ledger.StatusSkipped, true, false},
		{ledger.StatusExcluded, true, false},
		{ledger.StatusFailed, true, false},
		{"", false, false},
		{"Staged", false, false},
		{"skipped by ann", false, false},
	} {
		t.Run(string(tc.status)+" is known and says whether the staging tables hold the order", func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.valid, tc.status.Valid())
			require.Equal(t, tc.inStaging, tc.status.InStaging())
		})
	}

	t.Run("the portal offers every known status once", func(t *testing.T) {
		t.Parallel()
		seen := map[ledger.Status]bool{}
		for _, s := range ledger.Statuses() {
			require.True(t, s.Valid(), s)
			require.False(t, seen[s], "%s twice", s)
			seen[s] = true
		}
		require.Len(t, seen, 6)
	})
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		severity passthrough.Severity
		want     ledger.Status
	}{
		{passthrough.SeverityInfo, ledger.StatusSkipped},
		{passthrough.SeverityRetry, ledger.StatusWaiting},
		{passthrough.SeverityError, ledger.StatusFailed},
		{"", ledger.StatusFailed},
	} {
		t.Run("a problem of severity "+string(tc.severity)+" leaves the order "+string(tc.want), func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, ledger.StatusFor(tc.severity))
		})
	}
}

func TestOperatorActions(t *testing.T) {
	t.Parallel()
	failed := ledger.Entry{Shop: "acme", OrderID: 1001, Status: ledger.StatusFailed, Severity: passthrough.SeverityError,
		Problem: "unknown SKU XYZ", RunID: 7}

	t.Run("Exclude records the operator as actor and the reason for people", func(t *testing.T) {
		t.Parallel()
		e := failed
		e.Exclude("ann", "  sold in the shop ")
		require.Equal(t, ledger.Entry{Shop: "acme", OrderID: 1001, Status: ledger.StatusExcluded, Severity: passthrough.SeverityInfo,
			Problem: "skipped by ann: sold in the shop", Actor: "ann"}, e)
	})

	t.Run("Exclude without a reason says who only", func(t *testing.T) {
		t.Parallel()
		e := failed
		e.Exclude("ann", " ")
		require.Equal(t, "skipped by ann", e.Problem)
	})

	t.Run("Readmit takes an exclusion back to failed, by the operator", func(t *testing.T) {
		t.Parallel()
		e := failed
		e.Exclude("ann", "duplicate")
		e.Readmit("bob")
		require.Equal(t, ledger.Entry{Shop: "acme", OrderID: 1001, Status: ledger.StatusFailed, Severity: passthrough.SeverityError,
			Problem: "retried by bob", Actor: "bob"}, e)
	})
}
