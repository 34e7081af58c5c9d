package record_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/record"
)

func TestShopIsReadWrappedOrBare(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`{"shop": {"id": 548380009, "name": "John Smith Test Store", "currency": "USD", "iana_timezone": "America/New_York", "timezone": "(GMT-05:00) Eastern Time (US & Canada)"}}`,
		`{"id": 548380009, "name": "John Smith Test Store", "currency": "USD", "iana_timezone": "America/New_York", "timezone": "(GMT-05:00) Eastern Time (US & Canada)"}`,
	} {
		s, err := record.DecodeShop([]byte(raw))
		require.NoError(t, err)
		require.Equal(t, int64(548380009), s.ID)
		require.Equal(t, "America/New_York", s.IANATimezone)
		require.Equal(t, "USD", s.Currency)
	}
	_, err := record.DecodeShop([]byte(`{"shop": {"iana_timezone": 5}}`))
	require.NoError(t, err, "a number where text is expected is read as its text, as for orders")
	_, err = record.DecodeShop([]byte(`[1]`))
	require.ErrorContains(t, err, "decode shop")
}

func TestMinorUnitsFollowISO4217(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{"JPY": 0, "USD": 2, "EUR": 2, "KWD": 3, "BHD": 3, "CLF": 4, "ISK": 0, "KRW": 0} {
		n, ok := record.MinorUnits(code)
		require.True(t, ok, code)
		require.Equal(t, want, n, code)
	}
	_, ok := record.MinorUnits("XYZ")
	require.False(t, ok, "an unknown code is not guessed")
	_, ok = record.MinorUnits("usd")
	require.False(t, ok, "codes are upper case, as Shopify sends them")
}
