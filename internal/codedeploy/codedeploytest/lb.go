// Package codedeploytest has fakes for the CodeDeploy engine's
// collaborators, for tests only: a load balancer that really proxies
// HTTP traffic (weighted forward, health checks, draining), S3 objects,
// and alarms. The real ELBv2 and CloudWatch engines replace them in the
// server.
package codedeploytest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy"
)

// LB is a load balancer stand-in: target groups of ip targets with active
// health checks, and listeners that proxy to them by weight through
// httputil.ReverseProxy, as an ALB does (only healthy targets get traffic,
// failing open when none is; deregistered targets drain for
// DeregistrationDelay).
type LB struct {
	// HealthInterval, HealthyThreshold, UnhealthyThreshold and HealthPath
	// configure the health checks (defaults 100 ms, 2, 2, "/").
	HealthInterval                       time.Duration
	HealthyThreshold, UnhealthyThreshold int
	HealthPath                           string
	// DeregistrationDelay bounds draining (default 300 ms).
	DeregistrationDelay time.Duration
	// Resolve turns the targets of instance target groups into addresses
	// (ELBv2's Options.ResolveInstance); wire it to
	// codedeploy.Engine.ResolveInstance.
	Resolve func(ctx context.Context, id string) (host string, port int, err error)

	mu        sync.Mutex
	groups    map[string]*group // by ARN
	listeners map[string]*listener
	changed   chan struct{}
	client    *http.Client
	transport *http.Transport
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	// Counters of responses the listeners sent, by status code.
	codes sync.Map // int → *atomic.Int64
	// fiveXX times, for alarms.
	fxMu   sync.Mutex
	fxLast []time.Time
	calls  []string
}

type group struct {
	name, arn string
	typ       string // ip (default) or instance
	targets   map[string]*target
	rr        atomic.Uint64
}

type target struct {
	t        codedeploy.Target
	state    string // initial, healthy, unhealthy, draining
	ok, bad  int
	until    time.Time
	inflight atomic.Int64
}

type listener struct {
	arn     string
	weights map[string]int
	srv     *http.Server
	addr    string
	seq     atomic.Uint64
}

var (
	_ codedeploy.LoadBalancer = (*LB)(nil)
	_ codedeploy.TargetTypes  = (*LB)(nil)
)

// NewLB starts a load balancer; Close stops it.
func NewLB() *LB {
	ctx, cancel := context.WithCancel(context.Background())
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 5 * time.Second}
	lb := &LB{groups: map[string]*group{}, listeners: map[string]*listener{}, changed: make(chan struct{}),
		client: &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}, transport: tr, ctx: ctx, cancel: cancel}
	lb.wg.Add(1)
	go lb.healthLoop()
	return lb
}

func (lb *LB) interval() time.Duration {
	if lb.HealthInterval > 0 {
		return lb.HealthInterval
	}
	return 100 * time.Millisecond
}

func (lb *LB) thresholds() (int, int) {
	h, u := lb.HealthyThreshold, lb.UnhealthyThreshold
	if h <= 0 {
		h = 2
	}
	if u <= 0 {
		u = 2
	}
	return h, u
}

func (lb *LB) delay() time.Duration {
	if lb.DeregistrationDelay > 0 {
		return lb.DeregistrationDelay
	}
	return 300 * time.Millisecond
}

// Close stops the listeners and health checks.
func (lb *LB) Close() {
	lb.cancel()
	lb.mu.Lock()
	for _, l := range lb.listeners {
		l.srv.Close()
	}
	lb.mu.Unlock()
	lb.wg.Wait()
	lb.transport.CloseIdleConnections()
}

// CreateTargetGroup adds a target group of target type ip and returns its
// ARN.
func (lb *LB) CreateTargetGroup(name string) string { return lb.CreateTargetGroupOfType(name, "ip") }

// CreateTargetGroupOfType adds a target group of target type ip or
// instance.
func (lb *LB) CreateTargetGroupOfType(name, typ string) string {
	arn := "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/" + name + "/0123456789abcdef"
	lb.mu.Lock()
	lb.groups[arn] = &group{name: name, arn: arn, typ: typ, targets: map[string]*target{}}
	lb.mu.Unlock()
	return arn
}

// TargetType implements codedeploy.TargetTypes.
func (lb *LB) TargetType(ctx context.Context, tgARN string) (string, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	g := lb.groups[tgARN]
	if g == nil {
		return "", fmt.Errorf("TargetGroupNotFound: %s", tgARN)
	}
	if g.typ == "" {
		return "ip", nil
	}
	return g.typ, nil
}

// addr is where a target's traffic goes.
func (lb *LB) addr(t codedeploy.Target) string {
	if net.ParseIP(t.ID) == nil && lb.Resolve != nil {
		if host, port, err := lb.Resolve(context.Background(), t.ID); err == nil {
			if port == 0 {
				port = t.Port
			}
			return fmt.Sprintf("%s:%d", host, port)
		}
	}
	return key(t)
}

// CreateListener starts a listener on a free loopback port forwarding to
// the target groups with the weights, and returns its ARN and URL.
func (lb *LB) CreateListener(name string, weights map[string]int) (arn, url string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/" + name + "/0123456789abcdef/" + fmt.Sprint(len(lb.listeners)+1)
	l := &listener{arn: arn, weights: copyWeights(weights), addr: ln.Addr().String()}
	l.srv = &http.Server{Handler: lb.handler(l)}
	lb.mu.Lock()
	lb.listeners[arn] = l
	lb.mu.Unlock()
	go l.srv.Serve(ln)
	return arn, "http://" + l.addr, nil
}

func copyWeights(w map[string]int) map[string]int {
	out := make(map[string]int, len(w))
	for k, v := range w {
		out[k] = v
	}
	return out
}

// pick chooses a target group by weight (smooth: request n goes to the
// group whose share of the first n requests is furthest behind), then a
// healthy target round robin — all targets of the group when none is
// healthy (fail open), none when it has no targets.
func (lb *LB) pick(l *listener) (*target, *group) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	total := 0
	arns := make([]string, 0, len(l.weights))
	for a, w := range l.weights {
		if w > 0 {
			total += w
			arns = append(arns, a)
		}
	}
	if total == 0 {
		return nil, nil
	}
	sort.Strings(arns)
	n := l.seq.Add(1)
	slot := int(n % uint64(total))
	var g *group
	for _, a := range arns {
		if slot < l.weights[a] {
			g = lb.groups[a]
			break
		}
		slot -= l.weights[a]
	}
	if g == nil {
		return nil, nil
	}
	var healthy, all []*target
	for _, t := range g.targets {
		if t.state == "draining" {
			continue
		}
		all = append(all, t)
		if t.state == "healthy" {
			healthy = append(healthy, t)
		}
	}
	pool := healthy
	if len(pool) == 0 {
		pool = all
	}
	if len(pool) == 0 {
		return nil, g
	}
	sort.Slice(pool, func(i, j int) bool { return key(pool[i].t) < key(pool[j].t) })
	return pool[int(g.rr.Add(1)%uint64(len(pool)))], g
}

func key(t codedeploy.Target) string { return fmt.Sprintf("%s:%d", t.ID, t.Port) }

func (lb *LB) count(code int) {
	v, _ := lb.codes.LoadOrStore(code, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	if code >= 500 {
		lb.fxMu.Lock()
		lb.fxLast = append(lb.fxLast, time.Now())
		if len(lb.fxLast) > 10000 {
			lb.fxLast = lb.fxLast[5000:]
		}
		lb.fxMu.Unlock()
	}
}

type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
	r.ResponseWriter.WriteHeader(c)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.ResponseWriter.Write(b)
}

func (lb *LB) handler(l *listener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &recorder{ResponseWriter: w}
		defer func() { lb.count(rec.code) }()
		t, _ := lb.pick(l)
		if t == nil {
			rec.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(rec, "503 Service Temporarily Unavailable\n")
			return
		}
		t.inflight.Add(1)
		defer t.inflight.Add(-1)
		rp := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.Out.URL.Scheme = "http"
				pr.Out.URL.Host = lb.addr(t.t)
				pr.SetXForwarded()
			},
			Transport: lb.transport,
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				w.WriteHeader(http.StatusBadGateway)
			},
		}
		rp.ServeHTTP(rec, req)
	})
}

// Codes returns the responses sent so far, by status code.
func (lb *LB) Codes() map[int]int64 {
	out := map[int]int64{}
	lb.codes.Range(func(k, v any) bool {
		out[k.(int)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

// FiveXXSince counts 5xx responses sent since t.
func (lb *LB) FiveXXSince(t time.Time) int {
	lb.fxMu.Lock()
	defer lb.fxMu.Unlock()
	n := 0
	for _, x := range lb.fxLast {
		if x.After(t) {
			n++
		}
	}
	return n
}

func (lb *LB) signal() {
	close(lb.changed)
	lb.changed = make(chan struct{})
}

func (lb *LB) healthLoop() {
	defer lb.wg.Done()
	t := time.NewTicker(lb.interval())
	defer t.Stop()
	for {
		select {
		case <-lb.ctx.Done():
			return
		case <-t.C:
		}
		type probe struct {
			t   *target
			url string
		}
		var probes []probe
		now := time.Now()
		lb.mu.Lock()
		changed := false
		for _, g := range lb.groups {
			for k, tg := range g.targets {
				if tg.state == "draining" {
					if tg.inflight.Load() == 0 || now.After(tg.until) {
						delete(g.targets, k)
						changed = true
					}
					continue
				}
				path := lb.HealthPath
				if path == "" {
					path = "/"
				}
				probes = append(probes, probe{tg, "http://" + lb.addr(tg.t) + path})
			}
		}
		lb.mu.Unlock()
		results := make([]bool, len(probes))
		var wg sync.WaitGroup
		for i, p := range probes {
			wg.Add(1)
			go func(i int, p probe) {
				defer wg.Done()
				resp, err := lb.client.Get(p.url)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					results[i] = resp.StatusCode >= 200 && resp.StatusCode < 400
				}
			}(i, p)
		}
		wg.Wait()
		hth, uth := lb.thresholds()
		lb.mu.Lock()
		for i, p := range probes {
			tg := p.t
			if tg.state == "draining" {
				continue
			}
			old := tg.state
			if results[i] {
				tg.ok++
				tg.bad = 0
				if tg.ok >= hth {
					tg.state = "healthy"
				}
			} else {
				tg.bad++
				tg.ok = 0
				if tg.bad >= uth {
					tg.state = "unhealthy"
				}
			}
			if tg.state != old {
				changed = true
			}
		}
		if changed {
			lb.signal()
		}
		lb.mu.Unlock()
	}
}

// Calls lists the API calls made, in order ("SetForwardWeights <arn> …").
func (lb *LB) Calls() []string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return append([]string(nil), lb.calls...)
}

// RegisterTargets implements codedeploy.LoadBalancer.
func (lb *LB) RegisterTargets(ctx context.Context, tgARN string, ts []codedeploy.Target) error {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	g := lb.groups[tgARN]
	if g == nil {
		return fmt.Errorf("TargetGroupNotFound: %s", tgARN)
	}
	for _, t := range ts {
		if cur := g.targets[key(t)]; cur != nil && cur.state != "draining" {
			continue
		}
		g.targets[key(t)] = &target{t: t, state: "initial"}
	}
	lb.calls = append(lb.calls, "RegisterTargets "+g.name)
	lb.signal()
	return nil
}

// DeregisterTargets implements codedeploy.LoadBalancer.
func (lb *LB) DeregisterTargets(ctx context.Context, tgARN string, ts []codedeploy.Target) error {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	g := lb.groups[tgARN]
	if g == nil {
		return fmt.Errorf("TargetGroupNotFound: %s", tgARN)
	}
	for _, t := range ts {
		if g.targets[key(t)] == nil {
			// As ELB does.
			return fmt.Errorf("InvalidTarget: The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type")
		}
	}
	for _, t := range ts {
		if cur := g.targets[key(t)]; cur.state != "draining" {
			cur.state = "draining"
			cur.until = time.Now().Add(lb.delay())
		}
	}
	lb.calls = append(lb.calls, "DeregisterTargets "+g.name)
	lb.signal()
	return nil
}

func (lb *LB) wait(ctx context.Context, done func() (bool, error)) error {
	for {
		lb.mu.Lock()
		ok, err := done()
		ch := lb.changed
		lb.mu.Unlock()
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(lb.interval())
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

// WaitDrained implements codedeploy.LoadBalancer.
func (lb *LB) WaitDrained(ctx context.Context, tgARN string, ts []codedeploy.Target) error {
	return lb.wait(ctx, func() (bool, error) {
		g := lb.groups[tgARN]
		if g == nil {
			return false, fmt.Errorf("TargetGroupNotFound: %s", tgARN)
		}
		for _, t := range ts {
			if cur := g.targets[key(t)]; cur != nil {
				if cur.state != "draining" {
					return false, fmt.Errorf("target %s is registered and not draining", key(t))
				}
				return false, nil
			}
		}
		return true, nil
	})
}

// WaitHealthy implements codedeploy.LoadBalancer.
func (lb *LB) WaitHealthy(ctx context.Context, tgARN string, ts []codedeploy.Target) error {
	return lb.wait(ctx, func() (bool, error) {
		g := lb.groups[tgARN]
		if g == nil {
			return false, fmt.Errorf("TargetGroupNotFound: %s", tgARN)
		}
		for _, t := range ts {
			cur := g.targets[key(t)]
			if cur == nil || cur.state == "draining" {
				return false, fmt.Errorf("target %s is not registered", key(t))
			}
			if cur.state != "healthy" {
				return false, nil
			}
		}
		return true, nil
	})
}

// TargetHealth implements codedeploy.LoadBalancer.
func (lb *LB) TargetHealth(ctx context.Context, tgARN string) ([]codedeploy.TargetHealth, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	g := lb.groups[tgARN]
	if g == nil {
		return nil, fmt.Errorf("TargetGroupNotFound: %s", tgARN)
	}
	var out []codedeploy.TargetHealth
	for _, t := range g.targets {
		reason := ""
		if t.state == "unhealthy" {
			reason = "Target.FailedHealthChecks"
		}
		out = append(out, codedeploy.TargetHealth{Target: t.t, State: t.state, Reason: reason})
	}
	sort.Slice(out, func(i, j int) bool { return key(out[i].Target) < key(out[j].Target) })
	return out, nil
}

// SetForwardWeights implements codedeploy.LoadBalancer.
func (lb *LB) SetForwardWeights(ctx context.Context, arn string, weights map[string]int) error {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	l := lb.listeners[arn]
	if l == nil {
		return fmt.Errorf("ListenerNotFound: %s", arn)
	}
	for tg := range weights {
		if lb.groups[tg] == nil {
			return fmt.Errorf("TargetGroupNotFound: %s", tg)
		}
	}
	l.weights = copyWeights(weights)
	var parts []string
	for _, k := range sortedKeys(weights) {
		parts = append(parts, fmt.Sprintf("%s=%d", lb.groups[k].name, weights[k]))
	}
	lb.calls = append(lb.calls, "SetForwardWeights "+strings.Join(parts, ","))
	return nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ForwardWeights implements codedeploy.LoadBalancer.
func (lb *LB) ForwardWeights(ctx context.Context, arn string) (map[string]int, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	l := lb.listeners[arn]
	if l == nil {
		return nil, fmt.Errorf("ListenerNotFound: %s", arn)
	}
	return copyWeights(l.weights), nil
}

// TargetGroupARN implements codedeploy.LoadBalancer.
func (lb *LB) TargetGroupARN(ctx context.Context, name string) (string, error) {
	if strings.HasPrefix(name, "arn:") {
		return name, nil
	}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for arn, g := range lb.groups {
		if g.name == name {
			return arn, nil
		}
	}
	return "", fmt.Errorf("TargetGroupNotFound: One or more target groups not found")
}

// Targets lists a group's registered targets with their state.
func (lb *LB) Targets(tgARN string) map[string]string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	out := map[string]string{}
	if g := lb.groups[tgARN]; g != nil {
		for k, t := range g.targets {
			out[k] = t.state
		}
	}
	return out
}
