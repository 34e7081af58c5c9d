package record

// The decoder's two paths, for the tests that compare them.
var (
	DecodeOrderFast     = decodeOrderFast
	DecodeOrderTolerant = decodeOrderTolerant
)
