// Package dag is a generic dependency graph with cycle detection and a
// parallel walk in dependency order. It knows nothing about resources.
package dag

import (
	"cmp"
	"context"
	"errors"
	"slices"
)

// Graph is a directed graph where an edge from a to b means "a depends on
// b": b is visited first. The zero value is not usable; call New.
type Graph[K cmp.Ordered] struct {
	nodes map[K]bool
	deps  map[K]map[K]bool // node → what it depends on
	users map[K]map[K]bool // node → what depends on it
}

// New returns an empty graph.
func New[K cmp.Ordered]() *Graph[K] {
	return &Graph[K]{nodes: map[K]bool{}, deps: map[K]map[K]bool{}, users: map[K]map[K]bool{}}
}

// Add adds a node (adding twice is harmless).
func (g *Graph[K]) Add(k K) { g.nodes[k] = true }

// Has reports whether k is a node.
func (g *Graph[K]) Has(k K) bool { return g.nodes[k] }

// Connect records that from depends on to; both become nodes.
func (g *Graph[K]) Connect(from, to K) {
	g.Add(from)
	g.Add(to)
	if g.deps[from] == nil {
		g.deps[from] = map[K]bool{}
	}
	g.deps[from][to] = true
	if g.users[to] == nil {
		g.users[to] = map[K]bool{}
	}
	g.users[to][from] = true
}

// Nodes returns every node, sorted.
func (g *Graph[K]) Nodes() []K { return sortedKeys(g.nodes) }

// DependsOn returns the direct dependencies of k, sorted.
func (g *Graph[K]) DependsOn(k K) []K { return sortedKeys(g.deps[k]) }

// Dependents returns the nodes that directly depend on k, sorted.
func (g *Graph[K]) Dependents(k K) []K { return sortedKeys(g.users[k]) }

// Reverse returns a graph with every edge flipped: the order in which to
// tear down what was built in g's order.
func (g *Graph[K]) Reverse() *Graph[K] {
	r := New[K]()
	for k := range g.nodes {
		r.Add(k)
	}
	for from, tos := range g.deps {
		for to := range tos {
			r.Connect(to, from)
		}
	}
	return r
}

// Cycles returns every cycle as the sorted members of a strongly connected
// component with more than one node (or a node depending on itself),
// sorted by first member. Tarjan's algorithm.
func (g *Graph[K]) Cycles() [][]K {
	index := map[K]int{}
	low := map[K]int{}
	on := map[K]bool{}
	var stack []K
	var out [][]K
	next := 0
	var strong func(v K)
	strong = func(v K) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, w := range sortedKeys(g.deps[v]) {
			if _, seen := index[w]; !seen {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []K
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			if len(comp) > 1 || g.deps[v][v] {
				slices.Sort(comp)
				out = append(out, comp)
			}
		}
	}
	for _, v := range g.Nodes() {
		if _, seen := index[v]; !seen {
			strong(v)
		}
	}
	slices.SortFunc(out, func(a, b []K) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// ErrCycle is returned by TopoSort and Walk on a cyclic graph.
var ErrCycle = errors.New("dependency cycle")

// TopoSort returns the nodes with every node after its dependencies; ties
// are broken by order of K, so the result is deterministic.
func (g *Graph[K]) TopoSort() ([]K, error) {
	indeg := map[K]int{}
	for k := range g.nodes {
		indeg[k] = len(g.deps[k])
	}
	var ready, out []K
	for k, d := range indeg {
		if d == 0 {
			ready = append(ready, k)
		}
	}
	slices.Sort(ready)
	for len(ready) > 0 {
		k := ready[0]
		ready = ready[1:]
		out = append(out, k)
		var freed []K
		for u := range g.users[k] {
			indeg[u]--
			if indeg[u] == 0 {
				freed = append(freed, u)
			}
		}
		slices.Sort(freed)
		ready = append(ready, freed...)
		slices.Sort(ready)
	}
	if len(out) != len(g.nodes) {
		return nil, ErrCycle
	}
	return out, nil
}

// WalkOptions tune Walk.
type WalkOptions struct {
	// Parallelism bounds how many visits run at once; 0 means 16.
	Parallelism int
	// StopOnError stops starting new visits after the first failure and
	// cancels the context of visits in flight.
	StopOnError bool
}

// WalkResult reports what a walk did.
type WalkResult[K cmp.Ordered] struct {
	// Errors holds the nodes whose visit failed.
	Errors map[K]error
	// Skipped holds nodes not visited: they depend (transitively) on a
	// failed node, or the walk stopped. Their errors are deliberately not
	// reported: the user needs the cause, not the cascade.
	Skipped []K
}

// Err joins the walk's errors in node order, or nil.
func (r *WalkResult[K]) Err() error {
	var errs []error
	for _, k := range sortedKeys(r.Errors) {
		errs = append(errs, r.Errors[k])
	}
	return errors.Join(errs...)
}

// Walk calls visit for every node once all its dependencies were visited
// successfully. Ready nodes start in key order; up to Parallelism visits run
// at once, each in its own goroutine that ends when visit returns. Walk
// returns when every started visit has returned.
func (g *Graph[K]) Walk(ctx context.Context, opt WalkOptions, visit func(ctx context.Context, k K) error) *WalkResult[K] {
	res := &WalkResult[K]{Errors: map[K]error{}}
	if len(g.Cycles()) > 0 {
		for _, k := range g.Nodes() {
			res.Errors[k] = ErrCycle
		}
		return res
	}
	par := opt.Parallelism
	if par <= 0 {
		par = 16
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Only this goroutine touches pending, ready and skipped; visits report
	// back on the results channel.
	type result struct {
		k   K
		err error
	}
	results := make(chan result)
	pending := map[K]int{}
	var ready []K
	for _, k := range g.Nodes() {
		pending[k] = len(g.deps[k])
		if pending[k] == 0 {
			ready = append(ready, k)
		}
	}
	skipped := map[K]bool{}
	var skip func(k K)
	skip = func(k K) {
		for u := range g.users[k] {
			if !skipped[u] {
				skipped[u] = true
				skip(u)
			}
		}
	}
	running := 0
	stopped := false
	for {
		for !stopped && running < par && len(ready) > 0 {
			k := ready[0]
			ready = ready[1:]
			running++
			go func() {
				results <- result{k, visit(ctx, k)}
			}()
		}
		if running == 0 {
			break
		}
		r := <-results
		running--
		if r.err != nil {
			res.Errors[r.k] = r.err
			skip(r.k)
			if opt.StopOnError {
				stopped = true
				cancel()
			}
			continue
		}
		var freed []K
		for u := range g.users[r.k] {
			pending[u]--
			if pending[u] == 0 && !skipped[u] {
				freed = append(freed, u)
			}
		}
		slices.Sort(freed)
		ready = append(ready, freed...)
		slices.Sort(ready)
	}
	for _, k := range g.Nodes() {
		if _, failed := res.Errors[k]; !failed && (skipped[k] || pending[k] > 0 || slices.Contains(ready, k)) {
			res.Skipped = append(res.Skipped, k)
		}
	}
	return res
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
