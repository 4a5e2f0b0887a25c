package elbv2

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

var testScope = awsctx.Scope{AccountID: "123456789012", Region: "us-east-1", RequestID: "test"}

// fakeSink records published metrics.
type fakeSink struct {
	mu     sync.Mutex
	data   []Datum
	ns     []string
	scopes []awsctx.Scope
}

func (s *fakeSink) PutMetricData(ctx context.Context, ns string, data []Datum) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ns = append(s.ns, ns)
	s.scopes = append(s.scopes, awsctx.From(ctx))
	s.data = append(s.data, data...)
	return nil
}

func (s *fakeSink) find(name string, dims ...Dimension) []Datum {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Datum
next:
	for _, d := range s.data {
		if d.MetricName != name || len(d.Dimensions) != len(dims) {
			continue
		}
		for i := range dims {
			if d.Dimensions[i] != dims[i] {
				continue next
			}
		}
		out = append(out, d)
	}
	return out
}

type fixture struct {
	t    testing.TB
	e    *Engine
	st   store.Store
	ctx  context.Context
	sink *fakeSink
	clk  *clock.Clock
}

// testPorts are the listener ports tests use; all map to free local ports.
var testPorts = map[int]int{80: 0, 81: 0, 8080: 0, 8081: 0, 443: 0}

func newFixture(t testing.TB) *fixture {
	return newFixtureWith(t, store.NewMemory(), Options{})
}

func newFixtureWith(t testing.TB, st store.Store, opts Options) *fixture {
	t.Helper()
	sink := &fakeSink{}
	if opts.Metrics == nil {
		opts.Metrics = sink
	}
	if opts.PortMap == nil {
		opts.PortMap = testPorts
	}
	clk := clock.Scaled(0.01)
	e, err := New(st, clk, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := awsctx.With(context.Background(), testScope)
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return &fixture{t: t, e: e, st: st, ctx: ctx, sink: sink, clk: clk}
}

func (f *fixture) lb(name string) *LoadBalancer {
	f.t.Helper()
	lb, err := f.e.CreateLoadBalancer(f.ctx, CreateLoadBalancerInput{Name: name, Subnets: []string{"subnet-1", "subnet-2"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return lb
}

func ip(n int) *int { return &n }

// fastHC checks every 5 s scaled (50 ms), two results to decide.
var fastHC = HealthCheckInput{Interval: ip(5), Timeout: ip(2), Healthy: ip(2), Unhealthy: ip(2)}

func (f *fixture) tg(name string, attrs ...Attribute) *TargetGroup {
	f.t.Helper()
	tg, err := f.e.CreateTargetGroup(f.ctx, CreateTargetGroupInput{Name: name, Protocol: "HTTP", Port: 80, VpcID: "vpc-1",
		TargetType: "ip", HealthCheck: fastHC, Attributes: attrs})
	if err != nil {
		f.t.Fatal(err)
	}
	return tg
}

func forward(arns ...string) []Action {
	fc := &ForwardConfig{}
	for _, a := range arns {
		fc.TargetGroups = append(fc.TargetGroups, WeightedTargetGroup{ARN: a, Weight: 1})
	}
	return []Action{{Type: "forward", Forward: fc}}
}

func weighted(w map[string]int) []Action {
	fc := &ForwardConfig{}
	for _, a := range sortedKeys(w) {
		fc.TargetGroups = append(fc.TargetGroups, WeightedTargetGroup{ARN: a, Weight: w[a]})
	}
	return []Action{{Type: "forward", Forward: fc}}
}

func fixed(status, body string) []Action {
	return []Action{{Type: "fixed-response", Fixed: &FixedResponse{StatusCode: status, ContentType: "text/plain", MessageBody: body}}}
}

// listener creates a listener and returns it with its base URL.
func (f *fixture) listener(lbARN string, port int, acts []Action) (*Listener, string) {
	f.t.Helper()
	l, err := f.e.CreateListener(f.ctx, CreateListenerInput{LoadBalancerARN: lbARN, Protocol: "HTTP", Port: port, DefaultActions: acts})
	if err != nil {
		f.t.Fatal(err)
	}
	addr, ok := f.e.ListenerAddr(l.ARN)
	if !ok {
		f.t.Fatal("listener not served")
	}
	return l, "http://" + addr
}

// backend is a loopback target that answers with its name.
type backend_ struct {
	name string
	srv  *httptest.Server
	hits atomicCounter
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *atomicCounter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func newBackend(t testing.TB, name string, h http.HandlerFunc) *backend_ {
	t.Helper()
	b := &backend_{name: name}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "ELB-HealthChecker/2.0" {
			w.WriteHeader(200)
			return
		}
		b.hits.add()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("X-Backend", name)
		io.WriteString(w, name)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend_) target() Target {
	u, _ := url.Parse(b.srv.URL)
	host, port, _ := net.SplitHostPort(u.Host)
	p, _ := strconv.Atoi(port)
	return Target{ID: host, Port: p}
}

func (f *fixture) register(tgARN string, bs ...*backend_) {
	f.t.Helper()
	var ts []Target
	for _, b := range bs {
		ts = append(ts, b.target())
	}
	if err := f.e.RegisterTargets(f.ctx, tgARN, ts); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) waitHealthy(tgARN string) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	if err := f.e.WaitHealthy(ctx, tgARN, nil); err != nil {
		f.t.Fatal(err)
	}
}

var testClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t testing.TB, u string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var _ = fmt.Sprint
