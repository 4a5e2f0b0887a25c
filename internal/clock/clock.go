// Package clock is skiff's notion of time. Timestamps are always real wall
// time; durations that AWS defines in minutes (canary intervals, alarm
// periods, wait times, metric publishing intervals) pass through Scale, so
// `skiff up --time-scale 0.05` makes a 5-minute canary step take 15 s while
// everything a client sees stays AWS-shaped.
package clock

import (
	"context"
	"time"
)

// Clock is a scaled clock. The zero value is a real clock (scale 1).
type Clock struct {
	scale float64
	now   func() time.Time
}

// Real is an unscaled clock.
func Real() *Clock { return &Clock{scale: 1} }

// Scaled returns a clock whose durations are multiplied by factor (0 < f ≤ 1
// in practice; 1 is AWS-exact).
func Scaled(factor float64) *Clock {
	if factor <= 0 {
		factor = 1
	}
	return &Clock{scale: factor}
}

// WithNow returns a copy whose Now is fn (tests).
func (c *Clock) WithNow(fn func() time.Time) *Clock {
	cp := *c
	cp.now = fn
	return &cp
}

// Factor is the scale factor.
func (c *Clock) Factor() float64 {
	if c == nil || c.scale == 0 {
		return 1
	}
	return c.scale
}

// Now is the current wall time.
func (c *Clock) Now() time.Time {
	if c != nil && c.now != nil {
		return c.now()
	}
	return time.Now()
}

// Scale converts an AWS-defined duration into the wall-clock time skiff
// waits for it. Results are at least 1 ms for positive inputs.
func (c *Clock) Scale(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	s := time.Duration(float64(d) * c.Factor())
	if s < time.Millisecond {
		s = time.Millisecond
	}
	return s
}

// Sleep waits for the scaled duration or until ctx ends.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(c.Scale(d))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NewTicker ticks every scaled d.
func (c *Clock) NewTicker(d time.Duration) *time.Ticker { return time.NewTicker(c.Scale(d)) }
