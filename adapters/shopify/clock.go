package shopify

import (
	"context"
	"sync"
	"time"
)

// Clock is the time the client paces itself by. Every wait (the leaky bucket, Retry-After,
// back-off, token expiry) goes through it, so a test or a benchmark can run hours of a
// store's budget in milliseconds with a VirtualClock.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, whichever is first, and returns ctx's error
	// in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// VirtualClock is a clock that only moves when someone waits on it: Sleep advances it by
// the duration at once. Give the same VirtualClock to the client and to the simulator
// (shopifytest.WithClock) and the simulator's bucket leaks exactly as much as the client
// waited, so a run reports the time it would have taken against a real store without
// taking it. Safe for concurrent use; concurrent sleepers each advance it.
type VirtualClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

// NewVirtualClock returns a virtual clock that starts at start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the clock by d without waiting.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the clock forward by d, as if that much time passed.
func (c *VirtualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept += d
}

// Slept is the total time the clock was advanced: the simulated time of a run.
func (c *VirtualClock) Slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept
}
