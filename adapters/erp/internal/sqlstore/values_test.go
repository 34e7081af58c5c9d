package sqlstore

import (
	"math"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
)

func TestDecimalsAreCheckedAgainstPrecisionScaleAndRange(t *testing.T) {
	t.Parallel()
	numeric := passthrough.Column{Kind: passthrough.KindDecimal, Precision: 18, Scale: 4}
	money := passthrough.Column{Kind: passthrough.KindDecimal, Scale: 4, Min: math.MinInt64, Max: math.MaxInt64}
	for _, tc := range []struct {
		name  string
		col   passthrough.Column
		value string
		want  string // "" when it fits
	}{
		{"a price fits", numeric, "19.99", ""},
		{"trailing zeros after the point cost nothing", numeric, "19.990000", ""},
		{"zero fits", numeric, "0", ""},
		{"a fraction below one has no digits before the point", numeric, "0.0001", ""},
		{"the largest value fits", numeric, "99999999999999.9999", ""},
		{"the smallest value fits", numeric, "-99999999999999.9999", ""},
		{"one digit too many before the point", numeric, "-123456789012345", "-123456789012345 does not fit: the column holds up to 14 digits before the point and 4 after"},
		{"a positive exponent counts its zeros", numeric, "1e20", "100000000000000000000 does not fit: the column holds up to 14 digits before the point and 4 after"},
		{"one digit too many after the point", numeric, "0.00001", "0.00001 has 5 digits after the point and the column keeps 4; round it in the mapping"},
		{"money's largest value fits", money, "922337203685477.5807", ""},
		{"beyond money's range", money, "922337203685477.5808", "922337203685477.5808 does not fit: the column holds numbers from -922337203685477.5808 to 922337203685477.5807"},
		{"a float column takes any number", passthrough.Column{Kind: passthrough.KindDecimal}, "1e300", ""},
	} {
		err := decimalFits(tc.col, decimal.RequireFromString(tc.value))
		if tc.want == "" {
			require.NoError(t, err, tc.name)
			continue
		}
		require.EqualError(t, err, tc.want, tc.name)
	}
}

func TestValuesAreNormalizedToTheColumnsKind(t *testing.T) {
	t.Parallel()
	integer := passthrough.Column{Kind: passthrough.KindInteger, Min: math.MinInt32, Max: math.MaxInt32}
	for _, tc := range []struct {
		name string
		col  passthrough.Column
		in   any
		want any
		err  string
	}{
		{"a float for a decimal column is exact as written", passthrough.Column{Kind: passthrough.KindDecimal}, 0.1, decimal.RequireFromString("0.1"), ""},
		{"an integer for a decimal column", passthrough.Column{Kind: passthrough.KindDecimal}, 3, decimal.New(3, 0), ""},
		{"a whole float for an integer column", integer, 2.0, int64(2), ""},
		{"a whole decimal for an integer column", integer, decimal.RequireFromString("7.00"), int64(7), ""},
		{"a fraction for an integer column", integer, decimal.RequireFromString("7.5"), nil, "7.5 is not a whole number"},
		{"true for a one-character text column", passthrough.Column{Kind: passthrough.KindText, MaxLength: 1}, true, "Y", ""},
		{"false for a one-character text column", passthrough.Column{Kind: passthrough.KindText, MaxLength: 1}, false, "N", ""},
		{"a bool for a bit column", passthrough.Column{Kind: passthrough.KindBool}, true, true, ""},
		{"NaN", passthrough.Column{Kind: passthrough.KindDecimal}, math.NaN(), nil, "NaN is not a number the column can hold"},
		{"a type the store does not bind", passthrough.Column{Kind: passthrough.KindText}, []int{1}, nil, "cannot store a value of type []int"},
	} {
		got, err := normalize(tc.col, tc.in)
		if tc.err != "" {
			require.EqualError(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		if d, ok := tc.want.(decimal.Decimal); ok {
			require.True(t, d.Equal(got.(decimal.Decimal)), "%s: got %v", tc.name, got)
			continue
		}
		require.Equal(t, tc.want, got, tc.name)
	}
}
