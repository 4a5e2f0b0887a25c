package elbv2

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestApplyCheckStateMachine(t *testing.T) {
	cfg := &tgConfig{hc: HealthCheck{Healthy: 3, Unhealthy: 2}}
	ok := checkResult{ok: true}
	bad := checkResult{reason: ReasonResponseCodeMismatch, desc: "Health checks failed with these codes: [500]"}
	type step struct {
		res   checkResult
		state string
		rsn   string
	}
	for _, c := range []struct {
		name  string
		start string
		steps []step
	}{
		{"initial to healthy after threshold", StateInitial, []step{
			{ok, StateInitial, ReasonInitialHealthChecking}, {ok, StateInitial, ReasonInitialHealthChecking}, {ok, StateHealthy, ""}}},
		{"initial to unhealthy", StateInitial, []step{
			{bad, StateInitial, ReasonInitialHealthChecking}, {bad, StateUnhealthy, ReasonResponseCodeMismatch}}},
		{"streaks reset", StateInitial, []step{
			{ok, StateInitial, ReasonInitialHealthChecking}, {ok, StateInitial, ReasonInitialHealthChecking}, {bad, StateInitial, ReasonInitialHealthChecking},
			{ok, StateInitial, ReasonInitialHealthChecking}, {ok, StateInitial, ReasonInitialHealthChecking}, {ok, StateHealthy, ""}}},
		{"healthy survives one failure", StateHealthy, []step{
			{bad, StateHealthy, ""}, {ok, StateHealthy, ""}, {bad, StateHealthy, ""}, {bad, StateUnhealthy, ReasonResponseCodeMismatch}}},
		{"unhealthy recovers", StateUnhealthy, []step{
			{ok, StateUnhealthy, ""}, {ok, StateUnhealthy, ""}, {ok, StateHealthy, ""}}},
		{"unhealthy reason follows last failure", StateUnhealthy, []step{
			{checkResult{reason: ReasonTimeout, desc: "Request timed out"}, StateUnhealthy, ReasonTimeout}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &backend{state: c.start}
			for i, s := range c.steps {
				s.res.b = b
				applyCheck(b, s.res, cfg, time.Now(), false)
				if b.state != s.state || (s.rsn != "" && b.reason != s.rsn) {
					t.Fatalf("step %d: %s/%s, want %s/%s", i, b.state, b.reason, s.state, s.rsn)
				}
			}
		})
	}
}

func TestParseMatcher(t *testing.T) {
	m, ok := parseMatcher("200-299,302")
	if !ok || !m.match(200) || !m.match(250) || !m.match(302) || m.match(301) || m.match(404) {
		t.Fatalf("matcher %v %v", m, ok)
	}
	for _, bad := range []string{"", "abc", "199", "500", "300-200", "200-600", "200,"} {
		if _, ok := parseMatcher(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// healthTarget answers health checks with a settable status, or hangs.
type healthTarget struct {
	status atomic.Int32
	hang   atomic.Bool
	srv    *httptest.Server
}

func newHealthTarget(t *testing.T) *healthTarget {
	h := &healthTarget{}
	h.status.Store(200)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.hang.Load() {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return
		}
		if r.URL.Path != "/healthz" {
			w.WriteHeader(404)
			return
		}
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (f *fixture) waitState(tgARN string, tgt Target, state, reason string) TargetHealth {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		hs, changed, err := f.e.health(f.ctx, tgARN, []Target{tgt})
		if err != nil {
			f.t.Fatal(err)
		}
		if hs[0].State == state && (reason == "" || hs[0].Reason == reason) {
			return hs[0]
		}
		select {
		case <-changed:
		case <-time.After(time.Until(deadline)):
			f.t.Fatalf("target %v: %s/%s, want %s/%s", tgt, hs[0].State, hs[0].Reason, state, reason)
		}
	}
}

func TestHealthChecks(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("hc")
	tg, err := f.e.CreateTargetGroup(f.ctx, CreateTargetGroupInput{Name: "hc", Protocol: "HTTP", Port: 80, VpcID: "vpc-1", TargetType: "ip",
		HealthCheck: HealthCheckInput{Path: "/healthz", Interval: ip(5), Timeout: ip(2), Healthy: ip(2), Unhealthy: ip(2), HTTPCode: "200-299,302"}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHealthTarget(t)
	tgt := (&backend_{srv: h.srv}).target()
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{tgt}); err != nil {
		t.Fatal(err)
	}
	// Not used by a listener yet: unused, no health checks.
	th := f.waitState(tg.ARN, tgt, StateUnused, ReasonNotInUse)
	if th.Description != "Target group is not configured to receive traffic from the load balancer" || th.HealthCheckPort != "" && th.HealthCheckPort != itoa(tgt.Port) {
		t.Fatalf("unused: %+v", th)
	}
	f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitState(tg.ARN, tgt, StateHealthy, "")

	h.status.Store(302) // still in the matcher
	time.Sleep(150 * time.Millisecond)
	f.waitState(tg.ARN, tgt, StateHealthy, "")

	h.status.Store(503)
	th = f.waitState(tg.ARN, tgt, StateUnhealthy, ReasonResponseCodeMismatch)
	if th.Description != "Health checks failed with these codes: [503]" {
		t.Fatalf("description %q", th.Description)
	}
	h.status.Store(200)
	f.waitState(tg.ARN, tgt, StateHealthy, "")

	h.hang.Store(true)
	th = f.waitState(tg.ARN, tgt, StateUnhealthy, ReasonTimeout)
	if th.Description != "Request timed out" {
		t.Fatalf("timeout description %q", th.Description)
	}
	h.hang.Store(false)
	f.waitState(tg.ARN, tgt, StateHealthy, "")

	h.srv.Close()
	th = f.waitState(tg.ARN, tgt, StateUnhealthy, ReasonFailedHealthChecks)
	if th.Description != "Health checks failed" {
		t.Fatalf("connection description %q", th.Description)
	}

	// A target that was never registered.
	hs := must[[]TargetHealth](t)(f.e.DescribeTargetHealth(f.ctx, tg.ARN, []Target{{ID: "10.9.9.9", Port: 80}}))
	if hs[0].State != StateUnused || hs[0].Reason != ReasonNotRegistered || hs[0].Description != "Target is not registered to the target group" {
		t.Fatalf("not registered: %+v", hs[0])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHealthCheckInitialReasons(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("init")
	tg, err := f.e.CreateTargetGroup(f.ctx, CreateTargetGroupInput{Name: "init", Protocol: "HTTP", Port: 80, VpcID: "vpc-1", TargetType: "ip",
		HealthCheck: HealthCheckInput{Interval: ip(300), Timeout: ip(2), Healthy: ip(10)}})
	if err != nil {
		t.Fatal(err)
	}
	f.listener(lb.ARN, 80, forward(tg.ARN))
	h := newHealthTarget(t)
	h.status.Store(404) // every path but /healthz is 404; the matcher wants 200
	tgt := (&backend_{srv: h.srv}).target()
	// Right after registration: registration in progress — unless the
	// first check (it runs at once) has already begun.
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{tgt}); err != nil {
		t.Fatal(err)
	}
	hs := must[[]TargetHealth](t)(f.e.TargetHealth(f.ctx, tg.ARN))
	if h := hs[0]; h.State != StateInitial || !(h.Reason == ReasonRegistrationInProgress && h.Description == "Target registration is in progress" ||
		h.Reason == ReasonInitialHealthChecking) {
		t.Fatalf("just registered: %+v", h)
	}
	// The first check (at once, for new targets) moves it to initial
	// health checking; the next comes after 300 s × 0.01 = 3 s.
	th := f.waitState(tg.ARN, tgt, StateInitial, ReasonInitialHealthChecking)
	if th.Description != "Initial health checks in progress" {
		t.Fatalf("%+v", th)
	}
}

func TestWaitHealthyContext(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("wait")
	tg := f.tg("wait")
	f.listener(lb.ARN, 80, forward(tg.ARN))
	h := newHealthTarget(t)
	h.status.Store(500)
	tgt := (&backend_{srv: h.srv}).target()
	if err := f.e.RegisterTargets(f.ctx, tg.ARN, []Target{tgt}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 300*time.Millisecond)
	defer cancel()
	if err := f.e.WaitHealthy(ctx, tg.ARN, []Target{tgt}); err == nil || ctx.Err() == nil {
		t.Fatalf("WaitHealthy on a failing target: %v", err)
	}
	if err := f.e.WaitHealthy(f.ctx, tg.ARN, []Target{{ID: "10.1.1.1", Port: 1}}); !ErrInvalidTarget.Is(err) {
		t.Fatalf("unregistered: %v", err)
	}
}
