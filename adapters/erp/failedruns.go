package erp

import "time"

// ExecutionFailedListParams selects a shop's failed runs by when they finished.
type ExecutionFailedListParams struct {
	Shop  string
	Since time.Time // after it
	Until time.Time // at or before it
	Limit int       // 0 means 50; at most 1000
}
