package elbv2

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// TestZeroFailureShift drives steady traffic through a listener while the
// forward weights move 100/0 → 90/10 → 0/100 and the old targets are
// deregistered with draining: not one request may fail.
func TestZeroFailureShift(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("canary")
	blue := f.tg("blue", Attribute{"deregistration_delay.timeout_seconds", "50"})
	green := f.tg("green")
	slowly := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(2 * time.Millisecond) // keep requests in flight
			io.WriteString(w, name)
		}
	}
	b1, b2 := newBackend(t, "blue", slowly("blue")), newBackend(t, "blue", slowly("blue"))
	g1, g2 := newBackend(t, "green", slowly("green")), newBackend(t, "green", slowly("green"))
	f.register(blue.ARN, b1, b2)
	f.register(green.ARN, g1, g2)
	l, base := f.listener(lb.ARN, 80, weighted(map[string]int{blue.ARN: 100, green.ARN: 0}))
	f.waitHealthy(blue.ARN)
	f.waitHealthy(green.ARN)

	var ok, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	hits := map[string]*atomic.Int64{"blue": {}, "green": {}}
	// blueOff is when blue's weight went to 0 (UnixNano); lateBlue counts
	// requests sent after it that blue still answered. (Counting blue's
	// hits after a pause would also count requests sent before the switch
	// whose goroutine a loaded machine held up.)
	var blueOff, lateBlue atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent := time.Now().UnixNano()
				resp, err := client.Get(base + "/")
				if err != nil {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%d %s %v", resp.StatusCode, body, err))
					mu.Unlock()
					continue
				}
				ok.Add(1)
				hits[string(body)].Add(1)
				if off := blueOff.Load(); string(body) == "blue" && off != 0 && sent > off {
					lateBlue.Add(1)
				}
			}
		}()
	}
	phase := func(weights map[string]int, d time.Duration) {
		if err := f.e.SetForwardWeights(f.ctx, l.ARN, weights); err != nil {
			t.Fatal(err)
		}
		got := must[map[string]int](t)(f.e.ForwardWeights(f.ctx, l.ARN))
		for k, v := range weights {
			if got[k] != v {
				t.Fatalf("ForwardWeights %v, want %v", got, weights)
			}
		}
		time.Sleep(d)
	}
	time.Sleep(200 * time.Millisecond)
	if hits["green"].Load() != 0 {
		t.Fatal("green got traffic at weight 0")
	}
	phase(map[string]int{blue.ARN: 90, green.ARN: 10}, 400*time.Millisecond)
	// Green's share is drawn at random: wait for it rather than count on
	// it within the 400 ms.
	for deadline := time.Now().Add(10 * time.Second); hits["green"].Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	g, b := hits["green"].Load(), hits["blue"].Load()
	if g == 0 {
		t.Fatal("green got no traffic at 90/10")
	}
	phase(map[string]int{blue.ARN: 0, green.ARN: 100}, 0)
	blueOff.Store(time.Now().UnixNano())
	time.Sleep(100 * time.Millisecond)
	if err := f.e.DeregisterTargets(f.ctx, blue.ARN, []Target{b1.target(), b2.target()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	if err := f.e.WaitDrained(ctx, blue.ARN, []Target{b1.target(), b2.target()}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("requests ok=%d failed=%d blue=%d green=%d (at 90/10: blue %d green %d)", ok.Load(), failed.Load(), hits["blue"].Load(), hits["green"].Load(), b, g)
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed: %v", failed.Load(), failures[:min(len(failures), 5)])
	}
	if n := lateBlue.Load(); n != 0 {
		t.Fatalf("blue got %d requests after its weight went to 0", n)
	}
	if ok.Load() < 200 { // 1,000 to 2,500 here, fewer on a loaded machine
		t.Fatalf("only %d requests: traffic was not steady", ok.Load())
	}
}

// TestRestart checks that configuration, weights, registrations and
// draining come back after the engine restarts on the same store.
func TestRestart(t *testing.T) {
	st := store.NewMemory()
	f := newFixtureWith(t, st, Options{})
	lb := f.lb("durable")
	blue := f.tg("blue", Attribute{"deregistration_delay.timeout_seconds", "3600"})
	green := f.tg("green")
	b, g, gone := newBackend(t, "blue", nil), newBackend(t, "green", nil), newBackend(t, "gone", nil)
	f.register(blue.ARN, b, gone)
	f.register(green.ARN, g)
	l, _ := f.listener(lb.ARN, 80, weighted(map[string]int{blue.ARN: 1, green.ARN: 1}))
	if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: 5, Conditions: []Condition{cnd("path-pattern", "/fixed")}, Actions: fixed("200", "rule")}); err != nil {
		t.Fatal(err)
	}
	if err := f.e.SetForwardWeights(f.ctx, l.ARN, map[string]int{blue.ARN: 0, green.ARN: 100}); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DeregisterTargets(f.ctx, blue.ARN, []Target{gone.target()}); err != nil {
		t.Fatal(err)
	}
	f.e.Close()

	f2 := newFixtureWith(t, st, Options{})
	w := must[map[string]int](t)(f2.e.ForwardWeights(f2.ctx, l.ARN))
	if w[blue.ARN] != 0 || w[green.ARN] != 100 {
		t.Fatalf("weights after restart %v", w)
	}
	addr, ok := f2.e.ListenerAddr(l.ARN)
	if !ok {
		t.Fatal("listener not served after restart")
	}
	f2.waitHealthy(green.ARN)
	for range 5 {
		if _, body := get(t, "http://"+addr+"/"); body != "green" {
			t.Fatalf("after restart → %q", body)
		}
	}
	if _, body := get(t, "http://"+addr+"/fixed"); body != "rule" {
		t.Fatalf("rule after restart → %q", body)
	}
	hs := must[[]TargetHealth](t)(f2.e.TargetHealth(f2.ctx, blue.ARN))
	states := map[Target]string{}
	for _, h := range hs {
		states[h.Target] = h.State
	}
	if len(hs) != 2 || states[gone.target()] != StateDraining || states[b.target()] == StateDraining {
		t.Fatalf("registrations after restart %+v", hs)
	}
	lbs := must[[]*LoadBalancer](t)(f2.e.DescribeLoadBalancers(f2.ctx, nil, []string{"durable"}))
	if note := f2.e.LoadBalancerNote(lbs[0].ARN); note != "skiff: listener port 80 at http://"+addr {
		t.Fatalf("note %q", note)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	lb := f.lb("metrics")
	tg := f.tg("metrics")
	empty := f.tg("empty")
	b := newBackend(t, "m", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(404)
		}
		io.WriteString(w, "m")
	})
	f.register(tg.ARN, b)
	l, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	if _, err := f.e.CreateRule(f.ctx, CreateRuleInput{ListenerARN: l.ARN, Priority: 1, Conditions: []Condition{cnd("path-pattern", "/empty")}, Actions: forward(empty.ARN)}); err != nil {
		t.Fatal(err)
	}
	f.waitHealthy(tg.ARN)
	f.e.PublishNow(f.ctx) // start a clean period
	f.sink.mu.Lock()
	f.sink.data = nil
	f.sink.mu.Unlock()
	for range 5 {
		get(t, base+"/")
	}
	get(t, base+"/missing")
	get(t, base+"/empty")
	f.e.PublishNow(f.ctx)

	lbDim := Dimension{"LoadBalancer", "app/metrics/" + lb.ID}
	tgDim := Dimension{"TargetGroup", "targetgroup/metrics/" + tg.ID}
	// The publisher also runs by itself every 100 ms (10 s scaled), so the
	// requests above may be split over more than one publish: add the
	// counts and statistic sets up, and take the largest of a gauge.
	gauges := map[string]bool{"HealthyHostCount": true, "UnHealthyHostCount": true, "ActiveConnectionCount": true}
	one := func(name string, dims ...Dimension) Datum {
		t.Helper()
		ds := f.sink.find(name, dims...)
		if len(ds) == 0 {
			t.Fatalf("%s %v: no datums (%+v)", name, dims, f.sink.data)
		}
		d := ds[0]
		if d.StatisticValues != nil {
			s := *d.StatisticValues
			d.StatisticValues = &s
		}
		for _, x := range ds[1:] {
			switch {
			case x.StatisticValues != nil && d.StatisticValues != nil:
				s, y := d.StatisticValues, x.StatisticValues
				s.SampleCount, s.Sum, s.Min, s.Max = s.SampleCount+y.SampleCount, s.Sum+y.Sum, min(s.Min, y.Min), max(s.Max, y.Max)
			case gauges[name]:
				d.Value = max(d.Value, x.Value)
			default:
				d.Value += x.Value
			}
		}
		return d
	}
	for _, c := range []struct {
		name string
		dims []Dimension
		want float64
	}{
		{"RequestCount", []Dimension{tgDim, lbDim}, 6},
		{"RequestCount", []Dimension{lbDim}, 6},
		{"HTTPCode_Target_2XX_Count", []Dimension{tgDim, lbDim}, 5},
		{"HTTPCode_Target_4XX_Count", []Dimension{tgDim, lbDim}, 1},
		{"HTTPCode_Target_2XX_Count", []Dimension{lbDim}, 5},
		{"HTTPCode_ELB_5XX_Count", []Dimension{lbDim}, 1},
		{"HTTPCode_ELB_503_Count", []Dimension{lbDim}, 1},
		{"HealthyHostCount", []Dimension{tgDim, lbDim}, 1},
		{"UnHealthyHostCount", []Dimension{tgDim, lbDim}, 0},
	} {
		if d := one(c.name, c.dims...); d.Value != c.want || d.Unit != "Count" {
			t.Errorf("%s %v = %v %s, want %v", c.name, c.dims, d.Value, d.Unit, c.want)
		}
	}
	rt := one("TargetResponseTime", tgDim, lbDim)
	if s := rt.StatisticValues; s == nil || s.SampleCount != 6 || s.Min <= 0 || s.Min > s.Max || s.Sum < s.Max || rt.Unit != "Seconds" {
		t.Errorf("TargetResponseTime %+v %+v", rt, rt.StatisticValues)
	}
	if d := one("NewConnectionCount", lbDim); d.Value < 1 {
		t.Errorf("NewConnectionCount %v", d.Value)
	}
	if d := one("ActiveConnectionCount", lbDim); d.Value < 1 {
		t.Errorf("ActiveConnectionCount %v", d.Value)
	}
	if d := one("ProcessedBytes", lbDim); d.Value < 500 || d.Unit != "Bytes" {
		t.Errorf("ProcessedBytes %v", d.Value)
	}
	for i, ns := range f.sink.ns {
		if sc := f.sink.scopes[i]; ns != "AWS/ApplicationELB" || sc.AccountID != "123456789012" || sc.Region != "us-east-1" {
			t.Fatalf("namespace %q scope %+v", ns, sc)
		}
	}
	// The publisher runs by itself every scaled minute (600 ms here).
	get(t, base+"/")
	deadline := time.Now().Add(5 * time.Second)
	for len(f.sink.find("RequestCount", lbDim)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("metrics were not published on the scaled period")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSlowStart(t *testing.T) {
	p := &pool{}
	now := time.Now()
	warm, cold := &backend{}, &backend{}
	p.targets = []*backend{warm, cold}
	p.warmFrom = []int64{0, now.UnixNano()}
	p.warmUntil = []int64{0, now.Add(time.Hour).UnixNano()}
	s := &roundRobin{}
	n := map[*backend]int{}
	for range 1000 {
		n[s.Select(p, nil)]++
	}
	// The cold target has barely started its window: almost nothing.
	if n[cold] > 20 {
		t.Fatalf("slow start: cold target got %d of 1000", n[cold])
	}
}

func TestTargetGroupARN(t *testing.T) {
	f := newFixture(t)
	tg := f.tg("named")
	if got, err := f.e.TargetGroupARN(f.ctx, "named"); err != nil || got != tg.ARN {
		t.Fatalf("by name: %q %v", got, err)
	}
	if got, err := f.e.TargetGroupARN(f.ctx, tg.ARN); err != nil || got != tg.ARN {
		t.Fatalf("by ARN: %q %v", got, err)
	}
	if _, err := f.e.TargetGroupARN(f.ctx, "missing"); !ErrTargetGroupNotFound.Is(err) {
		t.Fatalf("missing: %v", err)
	}
}

func TestStartContextStopsEverything(t *testing.T) {
	e, err := New(store.NewMemory(), clock.Scaled(0.01), Options{PortMap: testPorts})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	actx := awsctx.With(context.Background(), testScope)
	lb := must[*LoadBalancer](t)(e.CreateLoadBalancer(actx, CreateLoadBalancerInput{Name: "ctx"}))
	l := must[*Listener](t)(e.CreateListener(actx, CreateListenerInput{LoadBalancerARN: lb.ARN, Protocol: "HTTP", Port: 80, DefaultActions: fixed("200", "up")}))
	addr, _ := e.ListenerAddr(l.ARN)
	if _, body := get(t, "http://"+addr+"/"); body != "up" {
		t.Fatalf("before cancel: %q", body)
	}
	cancel()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("goroutines still running after the start context ended")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("listener still accepting after the start context ended")
	}
}
