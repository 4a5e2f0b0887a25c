package elbv2

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target health states and reasons, as DescribeTargetHealth reports them.
const (
	StateInitial     = "initial"
	StateHealthy     = "healthy"
	StateUnhealthy   = "unhealthy"
	StateUnused      = "unused"
	StateDraining    = "draining"
	StateUnavailable = "unavailable"
)

// Reason codes and AWS's descriptions for them.
const (
	ReasonRegistrationInProgress   = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking    = "Elb.InitialHealthChecking"
	ReasonResponseCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonTimeout                  = "Target.Timeout"
	ReasonFailedHealthChecks       = "Target.FailedHealthChecks"
	ReasonNotRegistered            = "Target.NotRegistered"
	ReasonNotInUse                 = "Target.NotInUse"
	ReasonDeregistrationInProgress = "Target.DeregistrationInProgress"
	ReasonInvalidState             = "Target.InvalidState"
	ReasonHealthCheckDisabled      = "Target.HealthCheckDisabled"
	ReasonInternalError            = "Elb.InternalError"
)

var reasonText = map[string]string{
	ReasonRegistrationInProgress:   "Target registration is in progress",
	ReasonInitialHealthChecking:    "Initial health checks in progress",
	ReasonTimeout:                  "Request timed out",
	ReasonFailedHealthChecks:       "Health checks failed",
	ReasonNotRegistered:            "Target is not registered to the target group",
	ReasonNotInUse:                 "Target group is not configured to receive traffic from the load balancer",
	ReasonDeregistrationInProgress: "Target deregistration is in progress",
	ReasonInvalidState:             "Target is in the stopped state",
	ReasonHealthCheckDisabled:      "Health checks are disabled",
	ReasonInternalError:            "Health checks failed due to an internal error",
}

// backend is one registered target of one target group.
type backend struct {
	id     string
	port   int // registered port
	key    string
	cookie string // lb_cookie stickiness value
	// addr is host:port for traffic; nil while an instance target cannot
	// be resolved.
	addr     atomic.Pointer[string]
	inflight atomic.Int64
	az       string
	seq      uint64 // registration order

	// Guarded by tgRuntime.mu.
	registered   time.Time
	state        string
	reason       string
	desc         string
	ok, fail     int
	checked      bool
	healthySince time.Time
	draining     bool
	drainUntil   time.Time
	timer        *time.Timer
}

// tgConfig is the part of a target group's configuration the data plane
// and health checker read; replaced wholesale on every change.
type tgConfig struct {
	sel        selector
	algorithm  string
	sticky     bool
	stickyTTL  time.Duration // cookie lifetime, AWS-exact (clients see it)
	slowStart  time.Duration // scaled
	deregDelay time.Duration // scaled
	scheme     string        // http or https, to targets
	hc         HealthCheck
	codes      codeMatcher
	tgPort     int
	instance   bool
}

// tgRuntime is a target group's live side: its targets, their health, the
// routable pool and the health-check loop.
type tgRuntime struct {
	e        *Engine
	arn      string
	id       string
	fullName string
	cfg      atomic.Pointer[tgConfig]
	pool     atomic.Pointer[pool]

	mu       sync.Mutex
	backends map[string]*backend
	seq      uint64
	inUse    bool
	running  bool
	changed  chan struct{} // closed and replaced on every health change
	kick     chan struct{} // new targets: check them now
	wake     chan struct{} // settings changed: re-read the interval
	stop     context.CancelFunc
}

func newTGRuntime(e *Engine, rec *TargetGroup) *tgRuntime {
	rt := &tgRuntime{
		e: e, arn: rec.ARN, id: rec.ID, fullName: rec.FullName(),
		backends: map[string]*backend{},
		changed:  make(chan struct{}),
		kick:     make(chan struct{}, 1),
		wake:     make(chan struct{}, 1),
	}
	rt.cfg.Store(e.tgConfig(rec))
	rt.pool.Store(&pool{})
	for i := range rec.Targets {
		reg := &rec.Targets[i]
		b := rt.newBackend(reg.ID, reg.Port, reg.AvailabilityZone, reg.Registered)
		if rec.TargetType == "ip" {
			addr := net.JoinHostPort(reg.ID, strconv.Itoa(reg.Port))
			b.addr.Store(&addr)
		}
		if reg.DrainUntil != nil {
			b.draining, b.drainUntil = true, *reg.DrainUntil
			b.state, b.reason = StateDraining, ReasonDeregistrationInProgress
		}
		rt.backends[b.key] = b
	}
	return rt
}

func (e *Engine) tgConfig(rec *TargetGroup) *tgConfig {
	a := rec.Attributes
	c := &tgConfig{
		algorithm: a["load_balancing.algorithm.type"],
		sticky:    a["stickiness.enabled"] == "true" && a["stickiness.type"] == "lb_cookie",
		scheme:    strings.ToLower(rec.Protocol),
		hc:        rec.HealthCheck,
		tgPort:    rec.Port,
		instance:  rec.TargetType == "instance",
	}
	c.sel = newSelector(c.algorithm)
	c.stickyTTL = time.Duration(atoiDefault(a["stickiness.lb_cookie.duration_seconds"], 86400)) * time.Second
	c.slowStart = e.clk.Scale(time.Duration(atoiDefault(a["slow_start.duration_seconds"], 0)) * time.Second)
	c.deregDelay = e.clk.Scale(time.Duration(atoiDefault(a["deregistration_delay.timeout_seconds"], 300)) * time.Second)
	c.codes, _ = parseMatcher(rec.HealthCheck.HTTPCode)
	return c
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// newBackend makes a backend; the caller holds mu (or owns rt).
func (rt *tgRuntime) newBackend(id string, port int, az string, registered time.Time) *backend {
	key := targetKey(id, port)
	rt.seq++
	b := &backend{
		id: id, port: port, key: key, az: az, registered: registered, seq: rt.seq,
		cookie: base64.RawURLEncoding.EncodeToString([]byte(rt.id + "/" + key)),
	}
	b.state, b.reason = StateUnused, ReasonNotInUse
	return b
}

// setConfig publishes a new configuration (after ModifyTargetGroup or
// ModifyTargetGroupAttributes).
func (rt *tgRuntime) setConfig(c *tgConfig) {
	rt.cfg.Store(c)
	rt.mu.Lock()
	rt.rebuildLocked()
	rt.mu.Unlock()
	select {
	case rt.wake <- struct{}{}:
	default:
	}
}

// setInUse records whether a listener or rule forwards to the group.
// Only groups in use are health checked; their targets are "unused"
// otherwise, as in AWS.
func (rt *tgRuntime) setInUse(inUse bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.inUse == inUse {
		return
	}
	rt.inUse = inUse
	for _, b := range rt.backends {
		if b.draining {
			continue
		}
		b.ok, b.fail, b.checked = 0, 0, false
		if inUse {
			b.state, b.reason, b.desc = StateInitial, ReasonRegistrationInProgress, ""
		} else {
			b.state, b.reason, b.desc = StateUnused, ReasonNotInUse, ""
		}
	}
	rt.rebuildLocked()
	rt.kickLoop()
}

func (rt *tgRuntime) kickLoop() {
	select {
	case rt.kick <- struct{}{}:
	default:
	}
}

// start runs the health loop and resumes draining timers.
func (rt *tgRuntime) start(ctx context.Context, wg *sync.WaitGroup) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.running {
		return
	}
	rt.running = true
	lctx, cancel := context.WithCancel(ctx)
	rt.stop = cancel
	for _, b := range rt.backends {
		if b.draining {
			rt.armDrainLocked(b)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rt.loop(lctx)
	}()
}

// shutdown stops the health loop and timers (target group deleted).
func (rt *tgRuntime) shutdown() {
	rt.mu.Lock()
	if rt.stop != nil {
		rt.stop()
	}
	rt.mu.Unlock()
	rt.stopTimers()
}

func (rt *tgRuntime) stopTimers() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, b := range rt.backends {
		if b.timer != nil {
			b.timer.Stop()
			b.timer = nil
		}
	}
}

// armDrainLocked schedules the end of b's deregistration delay.
func (rt *tgRuntime) armDrainLocked(b *backend) {
	if b.timer != nil {
		b.timer.Stop()
	}
	key, until := b.key, b.drainUntil
	d := time.Until(until)
	b.timer = time.AfterFunc(max(d, 0), func() { rt.e.finishDrain(rt.arn, key, until) })
}

// register adds targets (or revives draining ones). Caller holds
// Engine.mu; addrs carries resolved instance addresses.
func (rt *tgRuntime) register(regs []Registration, addrs map[string]string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, reg := range regs {
		b := rt.backends[reg.key()]
		if b != nil && !b.draining {
			continue
		}
		if b != nil && b.timer != nil {
			b.timer.Stop()
		}
		b = rt.newBackend(reg.ID, reg.Port, reg.AvailabilityZone, reg.Registered)
		if a, ok := addrs[b.key]; ok {
			b.addr.Store(&a)
		}
		if rt.inUse {
			b.state, b.reason = StateInitial, ReasonRegistrationInProgress
		}
		rt.backends[b.key] = b
	}
	rt.rebuildLocked()
	rt.kickLoop()
}

// deregister starts draining targets; until is when the delay ends.
func (rt *tgRuntime) deregister(keys []string, until time.Time) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, k := range keys {
		b := rt.backends[k]
		if b == nil || b.draining {
			continue
		}
		b.draining, b.drainUntil = true, until
		b.state, b.reason, b.desc = StateDraining, ReasonDeregistrationInProgress, ""
		if rt.running {
			rt.armDrainLocked(b)
		}
	}
	rt.rebuildLocked()
}

// remove drops a target whose deregistration delay ended.
func (rt *tgRuntime) remove(key string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if b := rt.backends[key]; b != nil && b.timer != nil {
		b.timer.Stop()
	}
	delete(rt.backends, key)
	rt.rebuildLocked()
}

// sortedLocked lists the backends in registration order.
func (rt *tgRuntime) sortedLocked() []*backend {
	out := make([]*backend, 0, len(rt.backends))
	for _, b := range rt.backends {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// rebuildLocked publishes a new pool and wakes waiters.
func (rt *tgRuntime) rebuildLocked() {
	cfg := rt.cfg.Load()
	var healthy, others []*backend
	if rt.inUse {
		for _, b := range rt.sortedLocked() {
			if b.draining || b.addr.Load() == nil {
				continue
			}
			if b.state == StateHealthy {
				healthy = append(healthy, b)
			} else if b.state != StateUnused {
				others = append(others, b)
			}
		}
	}
	p := &pool{targets: healthy}
	if len(healthy) == 0 {
		p.targets, p.failOpen = others, true
	}
	if cfg.slowStart > 0 && !p.failOpen {
		p.warmFrom = make([]int64, len(p.targets))
		p.warmUntil = make([]int64, len(p.targets))
		for i, b := range p.targets {
			if !b.healthySince.IsZero() {
				p.warmFrom[i] = b.healthySince.UnixNano()
				p.warmUntil[i] = b.healthySince.Add(cfg.slowStart).UnixNano()
			}
		}
	}
	if cfg.sticky {
		p.byCookie = make(map[string]*backend, len(p.targets))
		for _, b := range p.targets {
			p.byCookie[b.cookie] = b
		}
	}
	rt.pool.Store(p)
	close(rt.changed)
	rt.changed = make(chan struct{})
}

// --- health checking ---

func newHealthClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil, // health checks go straight to targets
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // ALB does not verify target certificates
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// hcTimeout is the scaled health check timeout, but never below 200 ms
// (or the AWS value when smaller): a loopback target still needs a moment
// to answer when time is scaled down hard.
func (e *Engine) hcTimeout(hc HealthCheck) time.Duration {
	d := time.Duration(hc.Timeout) * time.Second
	return max(e.clk.Scale(d), min(d, 200*time.Millisecond))
}

func (rt *tgRuntime) loop(ctx context.Context) {
	interval := func() time.Duration {
		return rt.e.clk.Scale(time.Duration(rt.cfg.Load().hc.Interval) * time.Second)
	}
	cur := interval()
	t := time.NewTimer(0) // first round at once
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-rt.wake:
			if d := interval(); d != cur {
				cur = d
				t.Reset(cur)
			}
		case <-rt.kick:
			rt.round(ctx, true)
		case <-t.C:
			rt.round(ctx, false)
			cur = interval()
			t.Reset(cur)
		}
	}
}

type checkResult struct {
	b      *backend
	ok     bool
	reason string
	desc   string
	addr   string // resolved instance address ("" unresolvable)
}

// round health-checks the group's targets concurrently (one goroutine per
// target, each bounded by the check timeout) and applies the results.
// onlyNew limits it to targets never checked (just registered).
func (rt *tgRuntime) round(ctx context.Context, onlyNew bool) {
	cfg := rt.cfg.Load()
	rt.mu.Lock()
	if !rt.inUse {
		rt.mu.Unlock()
		return
	}
	var list []*backend
	for _, b := range rt.backends {
		if !b.draining && (!onlyNew || !b.checked) {
			list = append(list, b)
		}
	}
	rt.mu.Unlock()
	if len(list) == 0 {
		return
	}
	results := make([]checkResult, len(list))
	var wg sync.WaitGroup
	for i, b := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = rt.e.check(ctx, cfg, b)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	changed := false
	for _, res := range results {
		b := res.b
		if rt.backends[b.key] != b || b.draining || !rt.inUse {
			continue
		}
		if applyCheck(b, res, cfg, rt.e.clk.Now(), rt.hasHealthyLocked(b)) {
			changed = true
		}
	}
	if changed {
		rt.rebuildLocked()
	}
}

func (rt *tgRuntime) hasHealthyLocked(except *backend) bool {
	for _, b := range rt.backends {
		if b != except && !b.draining && b.state == StateHealthy {
			return true
		}
	}
	return false
}

// applyCheck moves a target through AWS's health state machine and
// reports whether its state, reason or description changed:
//
//	initial   → healthy   after HealthyThresholdCount consecutive successes
//	initial   → unhealthy after UnhealthyThresholdCount consecutive failures
//	healthy   → unhealthy after UnhealthyThresholdCount consecutive failures
//	unhealthy → healthy   after HealthyThresholdCount consecutive successes
func applyCheck(b *backend, res checkResult, cfg *tgConfig, now time.Time, othersHealthy bool) bool {
	before, beforeReason, beforeDesc := b.state, b.reason, b.desc
	if cfg.instance {
		cur := b.addr.Load()
		switch {
		case res.addr == "":
			b.addr.Store(nil)
			b.state, b.reason, b.desc = StateUnused, ReasonInvalidState, ""
			b.ok, b.fail = 0, 0
			return before != b.state || cur != nil
		case cur == nil || *cur != res.addr:
			a := res.addr
			b.addr.Store(&a)
			if cur == nil && b.state == StateUnused {
				b.state, b.reason = StateInitial, ReasonInitialHealthChecking
			}
		}
	}
	b.checked = true
	if res.ok {
		b.ok++
		b.fail = 0
	} else {
		b.fail++
		b.ok = 0
	}
	switch b.state {
	case StateInitial, StateUnused:
		switch {
		case b.ok >= cfg.hc.Healthy:
			b.state, b.reason, b.desc = StateHealthy, "", ""
		case b.fail >= cfg.hc.Unhealthy:
			b.state, b.reason, b.desc = StateUnhealthy, res.reason, res.desc
		default:
			b.state, b.reason, b.desc = StateInitial, ReasonInitialHealthChecking, ""
		}
	case StateHealthy:
		if b.fail >= cfg.hc.Unhealthy {
			b.state, b.reason, b.desc = StateUnhealthy, res.reason, res.desc
		}
	case StateUnhealthy:
		if b.ok >= cfg.hc.Healthy {
			b.state, b.reason, b.desc = StateHealthy, "", ""
		} else if !res.ok {
			b.reason, b.desc = res.reason, res.desc
		}
	}
	if b.state == StateHealthy && before != StateHealthy {
		b.healthySince = time.Time{}
		if cfg.slowStart > 0 && othersHealthy {
			b.healthySince = now
		}
	}
	return before != b.state || beforeReason != b.reason || beforeDesc != b.desc
}

// check runs one health check against b.
func (e *Engine) check(ctx context.Context, cfg *tgConfig, b *backend) checkResult {
	res := checkResult{b: b}
	var addr string
	if cfg.instance {
		host, port, err := e.resolve(ctx, b.id)
		if err != nil {
			return res
		}
		if port == 0 {
			port = b.port
		}
		addr = net.JoinHostPort(host, strconv.Itoa(port))
		res.addr = addr
	} else if p := b.addr.Load(); p != nil {
		addr = *p
	}
	host, tport, _ := net.SplitHostPort(addr)
	port := tport
	if cfg.hc.Port != "" && cfg.hc.Port != "traffic-port" {
		port = cfg.hc.Port
	}
	scheme := strings.ToLower(cfg.hc.Protocol)
	if scheme == "" {
		scheme = cfg.scheme
	}
	path := cfg.hc.Path
	if path == "" {
		path = "/"
	}
	cctx, cancel := context.WithTimeout(ctx, e.hcTimeout(cfg.hc))
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		res.reason, res.desc = ReasonInternalError, reasonText[ReasonInternalError]
		return res
	}
	req.Header.Set("User-Agent", "ELB-HealthChecker/2.0")
	resp, err := e.hcClient.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			res.reason, res.desc = ReasonTimeout, reasonText[ReasonTimeout]
		} else {
			res.reason, res.desc = ReasonFailedHealthChecks, reasonText[ReasonFailedHealthChecks]
		}
		return res
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if cfg.codes.match(resp.StatusCode) {
		res.ok = true
		return res
	}
	res.reason = ReasonResponseCodeMismatch
	res.desc = fmt.Sprintf("Health checks failed with these codes: [%d]", resp.StatusCode)
	return res
}

func (e *Engine) resolve(ctx context.Context, id string) (string, int, error) {
	if e.opts.ResolveInstance == nil {
		return "", 0, errors.New("no instance resolver")
	}
	return e.opts.ResolveInstance(ctx, id)
}

// codeMatcher is a parsed HttpCode matcher: "200", "200-299", "200,302".
type codeMatcher []struct{ lo, hi int }

func (m codeMatcher) match(code int) bool {
	for _, r := range m {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}

// parseMatcher parses an HttpCode value; ALB allows codes 200–499.
func parseMatcher(s string) (codeMatcher, bool) {
	if s == "" {
		return nil, false
	}
	var m codeMatcher
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, false
			}
		}
		if a < 200 || b > 499 {
			return nil, false
		}
		m = append(m, struct{ lo, hi int }{a, b})
	}
	return m, true
}
