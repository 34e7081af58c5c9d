package ledger_test

import (
	"fmt"
	"strings"
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

	t.Run("Resolve of an order not staged excludes it, by the operator, with the reason", func(t *testing.T) {
		t.Parallel()
		e := failed
		e.Resolve("bob", " entered in the ERP by hand ")
		require.Equal(t, ledger.Entry{Shop: "acme", OrderID: 1001, Status: ledger.StatusExcluded, Severity: passthrough.SeverityInfo,
			Problem: "resolved by bob: entered in the ERP by hand", Actor: "bob"}, e)
	})

	t.Run("Resolve of a staged order keeps it staged, with a note instead of the problem", func(t *testing.T) {
		t.Parallel()
		e := ledger.Entry{Shop: "acme", OrderID: 1002, Status: ledger.StatusStaged, Severity: passthrough.SeverityError,
			Problem: "edited in Shopify after the ERP imported it", RunID: 9}
		e.Resolve("bob", "changed in the ERP")
		require.Equal(t, ledger.Entry{Shop: "acme", OrderID: 1002, Status: ledger.StatusStaged,
			Problem: "resolved by bob: changed in the ERP", Actor: "bob"}, e)
	})
}

func TestWhichActionsMakeSense(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status               ledger.Status
		severity             passthrough.Severity
		retry, skip, resolve bool
	}{
		{ledger.StatusWaiting, passthrough.SeverityRetry, true, true, true},
		{ledger.StatusFailed, passthrough.SeverityError, true, true, true},
		{ledger.StatusSkipped, passthrough.SeverityInfo, true, true, false},
		{ledger.StatusExcluded, passthrough.SeverityInfo, true, false, false},
		{ledger.StatusStaged, "", true, false, false},
		{ledger.StatusStaged, passthrough.SeverityError, true, false, true},
		{ledger.StatusStaged, passthrough.SeverityInfo, true, false, false},
		{ledger.StatusCancelled, passthrough.SeverityInfo, false, false, false},
	} {
		t.Run(fmt.Sprintf("a %s order with severity %q may be retried %t, skipped %t, resolved %t", tc.status, tc.severity, tc.retry, tc.skip, tc.resolve), func(t *testing.T) {
			t.Parallel()
			e := ledger.Entry{Status: tc.status, Severity: tc.severity}
			require.Equal(t, []bool{tc.retry, tc.skip, tc.resolve}, []bool{e.Retriable(), e.Skippable(), e.Resolvable()})
		})
	}
}

func TestSearchTerms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		e    ledger.Entry
		want []string
	}{
		{"the customer's words and the SKUs, lower case, without accents, once each",
			ledger.Entry{CustomerName: "Jörg  Müller", SKUs: []string{"TS-001", "ts-001", " MUG-1 "}}, []string{"jorg", "mug-1", "muller", "ts-001"}},
		{"letters without a decomposition stay as they are", ledger.Entry{CustomerName: "Zoë Ørsted Groß"}, []string{"groß", "zoe", "ørsted"}},
		{"other scripts are words too", ledger.Entry{CustomerName: "李小龍"}, []string{"李小龍"}},
		{"an entry without a name or SKUs has none", ledger.Entry{SKUs: []string{" "}}, []string{}},
		{"control characters and bytes that are not UTF-8 are no part of a term",
			ledger.Entry{CustomerName: "Nu\x00ll B\xffad", SKUs: []string{"SKU\x00-1", "\x00"}}, []string{"bad", "null", "sku-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ledger.SearchTerms(tc.e)
			if got == nil {
				got = []string{}
			}
			require.Equal(t, tc.want, got)
		})
	}
	t.Run("a search is folded the same way", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "muller", ledger.SearchTerm(" MÜLLER "))
		require.Len(t, []rune(ledger.SearchTerm(strings.Repeat("é", 300))), ledger.MaxTermLength)
	})
}
