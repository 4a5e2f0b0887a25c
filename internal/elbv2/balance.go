package elbv2

import (
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// Load balancing policies. Each is a small type behind one interface, as in
// Caddy: Select picks a target from a pool of routable targets (never
// empty) for one request. Policies are safe for concurrent use and do no
// allocation.
type selector interface {
	Select(p *pool, r *http.Request) *backend
}

// pool is an immutable snapshot of a target group's routable targets:
// the healthy ones, or — when none is healthy — every registered target
// that is not draining (ALB fails open). A new pool is published whenever
// a target's state changes.
type pool struct {
	targets []*backend
	// warmFrom/warmUntil bound each target's slow-start window in unix
	// nanoseconds (zero: not warming). Nil when slow start is off.
	warmFrom, warmUntil []int64
	// byCookie finds a target by its stickiness cookie value.
	byCookie map[string]*backend
	failOpen bool
}

// roundRobin is round_robin, with slow start: a target in its slow-start
// window is skipped with a probability that falls linearly from 1 to 0
// over the window, so its share of requests ramps up.
type roundRobin struct{ n atomic.Uint64 }

func (s *roundRobin) Select(p *pool, _ *http.Request) *backend {
	n := uint64(len(p.targets))
	if p.warmUntil == nil {
		return p.targets[(s.n.Add(1)-1)%n]
	}
	now := time.Now().UnixNano()
	var b *backend
	for range n {
		i := (s.n.Add(1) - 1) % n
		b = p.targets[i]
		until := p.warmUntil[i]
		if until == 0 || now >= until {
			return b
		}
		from := p.warmFrom[i]
		if rand.Int64N(until-from) < now-from {
			return b
		}
	}
	return b
}

// leastOutstanding is least_outstanding_requests: the target with the
// fewest in-flight requests; ties go to the next in rotation so equal
// targets share the load.
type leastOutstanding struct{ n atomic.Uint64 }

func (s *leastOutstanding) Select(p *pool, _ *http.Request) *backend {
	n := len(p.targets)
	start := int((s.n.Add(1) - 1) % uint64(n))
	best := p.targets[start]
	bestN := best.inflight.Load()
	for k := 1; k < n && bestN > 0; k++ {
		b := p.targets[(start+k)%n]
		if c := b.inflight.Load(); c < bestN {
			best, bestN = b, c
		}
	}
	return best
}

// weightedRandom is weighted_random (without anomaly mitigation, every
// target weighs the same).
type weightedRandom struct{}

func (weightedRandom) Select(p *pool, _ *http.Request) *backend {
	return p.targets[rand.IntN(len(p.targets))]
}

func newSelector(algorithm string) selector {
	switch algorithm {
	case "least_outstanding_requests":
		return &leastOutstanding{}
	case "weighted_random":
		return weightedRandom{}
	}
	return &roundRobin{}
}
