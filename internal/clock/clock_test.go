package clock

import (
	"testing"
	"time"
)

func TestScale(t *testing.T) {
	cases := []struct {
		f    float64
		d    time.Duration
		want time.Duration
	}{
		{1, 5 * time.Minute, 5 * time.Minute},
		{0.05, 5 * time.Minute, 15 * time.Second},
		{0, time.Minute, time.Minute},
		{0.001, time.Microsecond, time.Millisecond},
	}
	for _, c := range cases {
		if got := Scaled(c.f).Scale(c.d); got != c.want {
			t.Errorf("Scaled(%v).Scale(%v) = %v, want %v", c.f, c.d, got, c.want)
		}
	}
	var zero *Clock
	if zero.Factor() != 1 {
		t.Error("nil clock is not real")
	}
}
