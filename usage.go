package passthrough

import "time"

// APIUsage is what some work cost of a store's Shopify API budget: the Shopify client
// counts it, a feed run records it with its execution, the portal's budget meter adds it up.
type APIUsage struct {
	// RESTCalls are REST requests sent, retries included: each takes one from the store's
	// leaky bucket.
	RESTCalls int64
	// GraphQLPoints are the points Shopify charged for GraphQL queries (their actual cost).
	GraphQLPoints int64
	// Wait is the time spent waiting for budget: pacing before a request, Retry-After after
	// a 429, the restore of points after THROTTLED. Back-off after a failure is not counted.
	Wait time.Duration
	// RateLimited counts the answers that said the budget was spent: 429 and THROTTLED.
	RateLimited int64
}

// Add adds o to u.
func (u *APIUsage) Add(o APIUsage) {
	u.RESTCalls += o.RESTCalls
	u.GraphQLPoints += o.GraphQLPoints
	u.Wait += o.Wait
	u.RateLimited += o.RateLimited
}

// Zero reports whether nothing was used.
func (u APIUsage) Zero() bool { return u == APIUsage{} }
