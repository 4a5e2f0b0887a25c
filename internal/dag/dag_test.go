package dag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func build(edges ...[2]string) *Graph[string] {
	g := New[string]()
	for _, e := range edges {
		if e[1] == "" {
			g.Add(e[0])
			continue
		}
		g.Connect(e[0], e[1])
	}
	return g
}

func TestTopoSortAndCycles(t *testing.T) {
	cases := []struct {
		name   string
		g      *Graph[string]
		order  string
		cycles string
	}{
		{"chain", build([2]string{"c", "b"}, [2]string{"b", "a"}), "[a b c]", "[]"},
		{"diamond", build([2]string{"d", "b"}, [2]string{"d", "c"}, [2]string{"b", "a"}, [2]string{"c", "a"}), "[a b c d]", "[]"},
		{"isolated", build([2]string{"z", ""}, [2]string{"y", ""}), "[y z]", "[]"},
		{"cycle", build([2]string{"a", "b"}, [2]string{"b", "c"}, [2]string{"c", "a"}, [2]string{"d", "a"}), "", "[[a b c]]"},
		{"self", build([2]string{"a", "a"}), "", "[[a]]"},
		{"two cycles", build([2]string{"a", "b"}, [2]string{"b", "a"}, [2]string{"x", "y"}, [2]string{"y", "x"}), "", "[[a b] [x y]]"},
	}
	for _, c := range cases {
		order, err := c.g.TopoSort()
		if c.order == "" {
			if !errors.Is(err, ErrCycle) {
				t.Errorf("%s: TopoSort err = %v, want ErrCycle", c.name, err)
			}
		} else if fmt.Sprint(order) != c.order {
			t.Errorf("%s: order %v, want %s", c.name, order, c.order)
		}
		if got := fmt.Sprint(c.g.Cycles()); got != c.cycles {
			t.Errorf("%s: cycles %s, want %s", c.name, got, c.cycles)
		}
	}
}

func TestWalkOrderAndParallelism(t *testing.T) {
	g := New[string]()
	for i := 0; i < 50; i++ {
		g.Connect(fmt.Sprintf("leaf%02d", i), "root")
	}
	var mu sync.Mutex
	var seen []string
	var inFlight, peak atomic.Int32
	res := g.Walk(context.Background(), WalkOptions{Parallelism: 4}, func(ctx context.Context, k string) error {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		inFlight.Add(-1)
		mu.Lock()
		seen = append(seen, k)
		mu.Unlock()
		return nil
	})
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if seen[0] != "root" || len(seen) != 51 {
		t.Fatalf("visit order starts %v (%d visits)", seen[:1], len(seen))
	}
	if peak.Load() > 4 || peak.Load() < 2 {
		t.Fatalf("peak parallelism %d, want 2..4", peak.Load())
	}
}

func TestWalkSkipsDependentsOfFailures(t *testing.T) {
	// b fails: c (needs b) and d (needs c) are skipped, x still runs.
	g := build([2]string{"b", "a"}, [2]string{"c", "b"}, [2]string{"d", "c"}, [2]string{"x", "a"})
	boom := errors.New("boom")
	var visited []string
	var mu sync.Mutex
	res := g.Walk(context.Background(), WalkOptions{}, func(ctx context.Context, k string) error {
		mu.Lock()
		visited = append(visited, k)
		mu.Unlock()
		if k == "b" {
			return boom
		}
		return nil
	})
	slices.Sort(visited)
	if fmt.Sprint(visited) != "[a b x]" || fmt.Sprint(res.Skipped) != "[c d]" || !errors.Is(res.Errors["b"], boom) || len(res.Errors) != 1 {
		t.Fatalf("visited %v skipped %v errors %v", visited, res.Skipped, res.Errors)
	}
}

func TestWalkStopOnError(t *testing.T) {
	g := New[int]()
	for i := 1; i <= 100; i++ {
		g.Add(i)
	}
	var visits atomic.Int32
	res := g.Walk(context.Background(), WalkOptions{Parallelism: 1, StopOnError: true}, func(ctx context.Context, k int) error {
		visits.Add(1)
		if k == 1 {
			return errors.New("first fails")
		}
		return ctx.Err()
	})
	if len(res.Errors) != 1 || visits.Load() != 1 || len(res.Skipped) != 99 {
		t.Fatalf("visits %d errors %d skipped %d", visits.Load(), len(res.Errors), len(res.Skipped))
	}
}

func TestReverse(t *testing.T) {
	g := build([2]string{"app", "db"}, [2]string{"db", "net"})
	order, _ := g.Reverse().TopoSort()
	if fmt.Sprint(order) != "[app db net]" {
		t.Fatalf("reverse order %v", order)
	}
}

func TestWalkCycleFailsEveryNode(t *testing.T) {
	g := build([2]string{"a", "b"}, [2]string{"b", "a"})
	res := g.Walk(context.Background(), WalkOptions{}, func(context.Context, string) error { return nil })
	if len(res.Errors) != 2 {
		t.Fatalf("errors %v", res.Errors)
	}
}
