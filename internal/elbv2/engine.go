package elbv2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets; keys are ARNs (see doc.go).
const (
	bucketLBs       = "elbv2.loadbalancers"
	bucketTGs       = "elbv2.targetgroups"
	bucketListeners = "elbv2.listeners"
	bucketRules     = "elbv2.rules"
)

// Options configure an Engine. Zero values are documented per field.
type Options struct {
	// Log receives listener, health-check and metric-publishing logs; nil
	// discards them.
	Log *slog.Logger
	// Metrics receives the AWS/ApplicationELB metrics once per (scaled)
	// minute; nil aggregates nothing and publishes nothing.
	Metrics MetricSink
	// BindHost is the address listeners bind to; "" means 127.0.0.1.
	BindHost string
	// PortMap maps a listener port to the local port it is served on, for
	// privileged or taken ports (for example {80: 8080}). A port missing
	// from the map is served on itself; 0 asks the system for a free
	// port. When the chosen port cannot be bound, the listener falls back
	// to a free port and says so in the log; the real address is always
	// reported by ListenerAddr and in DescribeLoadBalancers' State.Reason.
	PortMap map[int]int
	// ResolveInstance turns a target id of a target group with target type
	// instance into the address its traffic goes to. A zero port means the
	// registered (or target group) port. Nil rejects instance targets with
	// InvalidTarget. It is called at registration and before every health
	// check round, so a restarted instance's new address is picked up.
	ResolveInstance func(ctx context.Context, id string) (host string, port int, err error)
}

// Engine is Elastic Load Balancing v2 (Application Load Balancers): the
// control plane over the store and the data plane (one reverse proxy per
// listener, health checks, metrics).
//
// Locking: mu guards the maps below and every control-plane change; it is
// held across the store transaction, so memory never disagrees with the
// store. The data plane never takes mu: it reads immutable snapshots
// through atomic pointers (listener route tables, target group pools) and
// updates atomic counters. Each target group's tgRuntime.mu guards its
// targets' health state; the lock order is Engine.mu, then tgRuntime.mu.
type Engine struct {
	st   store.Store
	clk  *clock.Clock
	opts Options
	log  *slog.Logger

	mu        sync.Mutex
	lbs       map[string]*lbState
	tgs       map[string]*tgState
	listeners map[string]*lnState
	rules     map[string]*ruleState
	running   bool
	closed    bool
	ctx       context.Context
	cancel    context.CancelFunc
	// wg counts the engine's goroutines: listener servers, health loops,
	// the metric publisher. Each ends when ctx is cancelled (Close).
	wg sync.WaitGroup

	hcClient *http.Client

	// pubMu serializes publishing; lastPub is when the counts being
	// gathered began.
	pubMu   sync.Mutex
	lastPub time.Time
}

type lbState struct {
	rec *LoadBalancer
	rt  *lbRuntime
	ls  map[string]*lnState // listeners by ARN
}

type lnState struct {
	rec   *Listener
	lb    *lbState
	rules map[string]*ruleState
	srv   *listenerServer // nil until bound (after Start)
	data  *listenerData
}

type ruleState struct {
	rec *Rule
	ln  *lnState
}

type tgState struct {
	rec *TargetGroup
	rt  *tgRuntime
}

// New returns an engine over st and loads the saved configuration.
// Listeners are not served until Start.
func New(st store.Store, clk *clock.Clock, opts Options) (*Engine, error) {
	if clk == nil {
		clk = clock.Real()
	}
	if opts.BindHost == "" {
		opts.BindHost = "127.0.0.1"
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		st: st, clk: clk, opts: opts, log: log,
		lbs: map[string]*lbState{}, tgs: map[string]*tgState{},
		listeners: map[string]*lnState{}, rules: map[string]*ruleState{},
		hcClient: newHealthClient(),
	}
	if err := e.load(context.Background()); err != nil {
		return nil, fmt.Errorf("load elbv2 state: %w", err)
	}
	return e, nil
}

func scanAll[T any](tx store.Tx, bucket string) ([]*T, error) {
	var out []*T
	err := tx.Scan(bucket, store.ScanOptions{}, func(_ string, b []byte) error {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		out = append(out, &v)
		return nil
	})
	return out, err
}

// load reads every record and builds the runtime (no goroutines yet).
func (e *Engine) load(ctx context.Context) error {
	var lbs []*LoadBalancer
	var tgs []*TargetGroup
	var lns []*Listener
	var rules []*Rule
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		if lbs, err = scanAll[LoadBalancer](tx, bucketLBs); err != nil {
			return err
		}
		if tgs, err = scanAll[TargetGroup](tx, bucketTGs); err != nil {
			return err
		}
		if lns, err = scanAll[Listener](tx, bucketListeners); err != nil {
			return err
		}
		rules, err = scanAll[Rule](tx, bucketRules)
		return err
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, lb := range lbs {
		e.lbs[lb.ARN] = &lbState{rec: lb, rt: newLBRuntime(lb), ls: map[string]*lnState{}}
	}
	for _, tg := range tgs {
		e.tgs[tg.ARN] = &tgState{rec: tg, rt: newTGRuntime(e, tg)}
	}
	for _, l := range lns {
		lb := e.lbs[l.LoadBalancer]
		if lb == nil {
			continue // orphan of an interrupted delete
		}
		ls := &lnState{rec: l, lb: lb, rules: map[string]*ruleState{}, data: newListenerData(e, lb.rt, l)}
		lb.ls[l.ARN] = ls
		e.listeners[l.ARN] = ls
	}
	for _, r := range rules {
		ls := e.listeners[r.Listener]
		if ls == nil {
			continue
		}
		rs := &ruleState{rec: r, ln: ls}
		ls.rules[r.ARN] = rs
		e.rules[r.ARN] = rs
	}
	for _, ls := range e.listeners {
		e.compileLocked(ls)
	}
	e.refreshAssociationsLocked()
	return nil
}

// Start serves the saved listeners, resumes draining, and starts health
// checks and metric publishing. Everything it starts stops when ctx ends
// or Close is called.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("elbv2: engine closed")
	}
	if e.running {
		return nil
	}
	e.ctx, e.cancel = context.WithCancel(ctx)
	e.running = true
	for _, tg := range e.tgs {
		tg.rt.start(e.ctx, &e.wg)
	}
	for _, ls := range e.listeners {
		e.bindLocked(ls)
	}
	e.wg.Add(1)
	go e.publishLoop(e.ctx)
	return nil
}

// Close stops every listener, health check and timer and waits for the
// engine's goroutines. In-flight proxied requests are cut.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	if e.cancel != nil {
		e.cancel()
	}
	for _, ls := range e.listeners {
		if ls.srv != nil {
			ls.srv.close()
			ls.srv = nil
		}
	}
	for _, tg := range e.tgs {
		tg.rt.stopTimers()
	}
	for _, lb := range e.lbs {
		lb.rt.closeIdle()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// --- lookups (callers hold mu) ---

// scopeAllows reports whether a request scoped to sc may see arn: same
// account and region, or no scope at all (calls from other engines).
func scopeAllows(ctx context.Context, arn string) bool {
	sc := awsctx.From(ctx)
	p, ok := awsctx.ParseARN(arn)
	if !ok {
		return false
	}
	if sc.AccountID != "" && p.Account != sc.AccountID {
		return false
	}
	if sc.Region != "" && p.Region != sc.Region {
		return false
	}
	return true
}

func (e *Engine) lbLocked(ctx context.Context, arn string) (*lbState, error) {
	if arnKind(arn) != "loadbalancer" {
		return nil, validation("'%s' is not a valid load balancer ARN", arn)
	}
	lb := e.lbs[arn]
	if lb == nil || !scopeAllows(ctx, arn) {
		return nil, lbNotFound(arn)
	}
	return lb, nil
}

func (e *Engine) tgLocked(ctx context.Context, arn string) (*tgState, error) {
	if arnKind(arn) != "targetgroup" {
		return nil, validation("'%s' is not a valid target group ARN", arn)
	}
	tg := e.tgs[arn]
	if tg == nil || !scopeAllows(ctx, arn) {
		return nil, tgNotFound(arn)
	}
	return tg, nil
}

func (e *Engine) listenerLocked(ctx context.Context, arn string) (*lnState, error) {
	if arnKind(arn) != "listener" {
		return nil, validation("'%s' is not a valid listener ARN", arn)
	}
	ls := e.listeners[arn]
	if ls == nil || !scopeAllows(ctx, arn) {
		return nil, listenerNotFound()
	}
	return ls, nil
}

// ruleLocked finds a rule; the default rule comes back with rs == nil and
// its listener in ls.
func (e *Engine) ruleLocked(ctx context.Context, arn string) (rs *ruleState, ls *lnState, err error) {
	if arnKind(arn) != "listener-rule" {
		return nil, nil, validation("'%s' is not a valid listener rule ARN", arn)
	}
	if !scopeAllows(ctx, arn) {
		return nil, nil, ruleNotFound()
	}
	if rs := e.rules[arn]; rs != nil {
		return rs, rs.ln, nil
	}
	lnARN := strings.Replace(arn[:strings.LastIndex(arn, "/")], ":listener-rule/", ":listener/", 1)
	if ls := e.listeners[lnARN]; ls != nil && ls.rec.DefaultRuleARN() == arn {
		return nil, ls, nil
	}
	return nil, nil, ruleNotFound()
}

// inScope lists the states whose ARN belongs to ctx's account and region,
// ordered by creation time then ARN.
func inScope[S any](ctx context.Context, m map[string]S, created func(S) time.Time) []S {
	type kv struct {
		arn string
		s   S
	}
	var list []kv
	for arn, s := range m {
		if scopeAllows(ctx, arn) {
			list = append(list, kv{arn, s})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		ti, tj := created(list[i].s), created(list[j].s)
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return list[i].arn < list[j].arn
	})
	out := make([]S, len(list))
	for i := range list {
		out[i] = list[i].s
	}
	return out
}

// put writes one record in its own transaction.
func (e *Engine) put(ctx context.Context, bucket, key string, v any) error {
	return e.st.Update(ctx, func(tx store.Tx) error { return tx.Put(bucket, key, v) })
}

// now is the timestamp for records: real wall time in UTC, millisecond
// precision (what the awsQuery encoder writes).
func (e *Engine) now() time.Time { return e.clk.Now().UTC().Truncate(time.Millisecond) }
