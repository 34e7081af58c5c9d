package shopifytest

import (
	"net/http"
	"time"
)

// Faults are failures the simulator injects into requests, switchable while it runs. They
// apply to every request, before authentication, the way a failing edge would answer.
type Faults struct {
	// ServerErrorRate is the share of requests (0–1) answered 500, 502, 503 or 504.
	ServerErrorRate float64
	// TooManyRequestsRate is the share of requests (0–1) answered 429 whatever the bucket
	// holds; 1 is a storm that lasts until it is switched off.
	TooManyRequestsRate float64
	// DropRate is the share of requests (0–1) whose connection is closed without an answer.
	DropRate float64
	// Delay makes every answer wait this long (real time), unless the client gives up first.
	Delay time.Duration
	// RetryAfter is the Retry-After of injected 429s (default 2 s, what Shopify usually says).
	RetryAfter time.Duration
}

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Storm429 answers the next n requests with 429, whatever the bucket holds.
func (s *Server) Storm429(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storm = n
}

// injectFaults applies the faults to one request and reports whether it may go on.
func (s *Server) injectFaults(w *statusWriter, r *http.Request) bool {
	s.mu.Lock()
	f := s.faults
	storm := s.storm > 0
	if storm {
		s.storm--
	}
	drop := f.DropRate > 0 && s.rng.Float64() < f.DropRate
	fail := f.ServerErrorRate > 0 && s.rng.Float64() < f.ServerErrorRate
	limit := f.TooManyRequestsRate > 0 && s.rng.Float64() < f.TooManyRequestsRate
	code := []int{500, 502, 503, 504}[s.rng.IntN(4)]
	s.mu.Unlock()

	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		case <-s.ctx.Done():
			t.Stop()
			writeErrors(w, http.StatusServiceUnavailable, "Service Unavailable")
			return false
		}
	}
	switch {
	case drop:
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return false
			}
		}
		writeErrors(w, http.StatusBadGateway, "Bad Gateway") // cannot drop (HTTP/2): fail instead
		return false
	case storm || limit:
		retry := f.RetryAfter
		if retry <= 0 {
			retry = 2 * time.Second
		}
		w.Header().Set("Retry-After", formatSeconds(retry))
		writeErrors(w, http.StatusTooManyRequests, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.")
		return false
	case fail:
		writeErrors(w, code, http.StatusText(code))
		return false
	}
	return true
}
