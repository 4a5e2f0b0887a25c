package cloudwatch

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

var ctx = awsctx.With(context.Background(), awsctx.Scope{AccountID: acct, Region: region, RequestID: "test"})

// fakeTime is a settable clock source.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func (f *fakeTime) Set(t time.Time) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}

// newTestEngine returns an engine over a memory store with a real clock.
func newTestEngine(t testing.TB) (*Engine, store.Store) {
	t.Helper()
	st := store.NewMemory()
	e, err := New(st, clock.Real(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, st
}

// newFakeClockEngine returns an engine whose clock is ft.
func newFakeClockEngine(t testing.TB, ft *fakeTime, scale float64) (*Engine, store.Store) {
	t.Helper()
	st := store.NewMemory()
	e, err := New(st, clock.Scaled(scale).WithNow(ft.Now), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, st
}

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }
func tp(t time.Time) *time.Time {
	return &t
}
