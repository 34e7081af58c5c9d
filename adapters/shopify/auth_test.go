package shopify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

const (
	clientID     = "app-client-id"
	clientSecret = "app-client-secret-do-not-log"
)

func withGrant(c *shopify.Config) {
	c.AccessToken, c.ClientID, c.ClientSecret = "", clientID, clientSecret
}

func TestClientCredentialsTokenIsRefreshedAcrossExpiry(t *testing.T) {
	t.Parallel()
	b := setup(t, withGrant, shopifytest.WithClientCredentials(clientID, clientSecret, 24*time.Hour), shopifytest.WithoutRateLimits())
	ctx := context.Background()
	call := func() {
		t.Helper()
		_, err := b.client.Locations(ctx)
		require.NoError(t, err)
	}

	call()
	call()
	require.Equal(t, map[int]int{http.StatusOK: 1}, b.statuses("/oauth/access_token"), "one token for both calls")

	b.clock.Advance(23*time.Hour + 50*time.Minute) // ten minutes left
	call()
	require.Equal(t, map[int]int{http.StatusOK: 1}, b.statuses("/oauth/access_token"), "still valid, kept")

	b.clock.Advance(6 * time.Minute) // four minutes left: inside the five-minute margin
	call()
	require.Equal(t, map[int]int{http.StatusOK: 2}, b.statuses("/oauth/access_token"), "renewed a little before it expired")

	b.clock.Advance(25 * time.Hour) // past the new token's expiry too
	call()
	require.Equal(t, map[int]int{http.StatusOK: 3}, b.statuses("/oauth/access_token"))
	require.Empty(t, b.statuses("/locations.json")[http.StatusUnauthorized], "no call was ever refused")
	require.Len(t, b.sent.seenTokens(), 3)
}

func TestARefusedTokenIsReplacedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, withGrant, shopifytest.WithClientCredentials(clientID, clientSecret, 24*time.Hour), shopifytest.WithoutRateLimits())
	ctx := context.Background()
	_, err := b.client.Locations(ctx)
	require.NoError(t, err)

	b.srv.RevokeTokens() // e.g. the app was reinstalled
	_, err = b.client.Locations(ctx)
	require.NoError(t, err)
	require.Equal(t, map[int]int{http.StatusOK: 2, http.StatusUnauthorized: 1}, b.statuses("/locations.json"))
	require.Equal(t, map[int]int{http.StatusOK: 2}, b.statuses("/oauth/access_token"))
}

func TestCredentialsShopifyRefusesAreUnauthorized(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *shopify.Config) { withGrant(c); c.ClientSecret = "wrong-secret-do-not-log" },
		shopifytest.WithClientCredentials(clientID, clientSecret, 24*time.Hour))

	_, err := b.client.Locations(context.Background())
	require.ErrorIs(t, err, shopify.ErrUnauthorized)
	require.NotErrorIs(t, err, shopify.ErrRetryable)
	require.ErrorContains(t, err, "invalid_client")
	require.NotContains(t, err.Error(), "wrong-secret-do-not-log")
	require.Equal(t, map[int]int{http.StatusUnauthorized: 1}, b.statuses("/oauth/access_token"), "refused credentials are not asked again")
	require.Empty(t, b.statuses("/locations.json"), "no API call without a token")
}

func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, withGrant, shopifytest.WithClientCredentials(clientID, clientSecret, time.Hour))
	ctx := context.Background()
	var errs []error
	_, err := b.client.Locations(ctx)
	errs = append(errs, err)
	b.srv.RevokeTokens()
	b.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 1})
	_, err = b.client.Locations(ctx)
	errs = append(errs, err)
	b.srv.SetFaults(shopifytest.Faults{})
	b.clock.Advance(2 * time.Hour)
	_, err = b.client.Order(ctx, 1)
	errs = append(errs, err)

	tokens := b.sent.seenTokens()
	require.NotEmpty(t, tokens)
	logs := b.logs.String()
	require.Contains(t, logs, "fetched a shopify access token", "the log says what happened")
	for _, secret := range append(tokens, clientSecret) {
		require.NotContains(t, logs, secret)
		for _, err := range errs {
			if err != nil {
				require.NotContains(t, err.Error(), secret)
			}
		}
	}
}
