package elbv2

import (
	"context"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"math"
	"sort"
	"sync/atomic"
	"time"
)

// MetricSink receives metrics (CloudWatch's PutMetricData adapts to it).
// Calls come from one goroutine, at most 1000 datums at a time; ctx
// carries the load balancers' account and region (internal/awsctx).
type MetricSink interface {
	PutMetricData(ctx context.Context, namespace string, data []Datum) error
}

// Namespace is where Application Load Balancer metrics go.
const Namespace = "AWS/ApplicationELB"

// Datum is one CloudWatch metric datum: Value, or StatisticValues when
// that is set.
type Datum struct {
	MetricName      string
	Dimensions      []Dimension
	Timestamp       time.Time
	Value           float64
	StatisticValues *StatisticSet
	Unit            string // Count, Seconds, Bytes
}

// Dimension is a metric dimension.
type Dimension struct{ Name, Value string }

// StatisticSet is a pre-aggregated set of samples.
type StatisticSet struct{ SampleCount, Sum, Min, Max float64 }

// The hot path only adds to atomic counters; the publisher swaps them to
// zero and turns them into datums.
//
// ALB reports one-minute datapoints. skiff sends its counts every
// countFlush instead, into the same one-minute periods, so an alarm that
// evaluates a period when it ends sees that period's errors rather than
// the previous one's: the difference between a canary rolled back within
// the alarm's period and one rolled back a period later. The per-minute
// sums are unchanged; gauges (healthy hosts, active connections) go out
// once a minute, as their Sum statistics would otherwise multiply.
const (
	countFlush   = 10 * time.Second
	gaugeFlushes = int(time.Minute / countFlush)
)

// lbCounters are a load balancer's own counters (not per target group).
type lbCounters struct {
	elb4xx, elb5xx         atomic.Int64
	elb500, elb502, elb503 atomic.Int64
	elb504                 atomic.Int64
	fixed, redirect        atomic.Int64
	newConns, openConns    atomic.Int64
	openAtStart            atomic.Int64 // connections open when the minute began
	newInMinute            atomic.Int64 // connections opened in the minute so far
	bytes                  atomic.Int64
}

// pairMetrics are the counters of one (load balancer, target group) pair.
type pairMetrics struct {
	lb         *lbRuntime
	tg         *tgRuntime
	requests   atomic.Int64
	t2xx, t3xx atomic.Int64
	t4xx, t5xx atomic.Int64
	connErrors atomic.Int64
	rt         *statCounter // target response time, microseconds
	used       atomic.Bool  // referenced by a route table
}

func (p *pairMetrics) status(code int) {
	switch code / 100 {
	case 2:
		p.t2xx.Add(1)
	case 3:
		p.t3xx.Add(1)
	case 4:
		p.t4xx.Add(1)
	case 5:
		p.t5xx.Add(1)
	}
}

// statCounter aggregates samples without locks. Min and max use
// compare-and-swap loops that rarely retry (they only write on a new
// extreme). Use newStatCounter: min starts at MaxInt64.
type statCounter struct {
	n, sum   atomic.Int64
	min, max atomic.Int64
}

func newStatCounter() *statCounter {
	s := &statCounter{}
	s.min.Store(math.MaxInt64)
	return s
}

func (s *statCounter) add(v int64) {
	s.n.Add(1)
	s.sum.Add(v)
	for {
		m := s.min.Load()
		if m <= v || s.min.CompareAndSwap(m, v) {
			break
		}
	}
	for {
		m := s.max.Load()
		if m >= v || s.max.CompareAndSwap(m, v) {
			break
		}
	}
}

// take returns the period's samples and starts a new period.
func (s *statCounter) take() (n, sum, lo, hi int64) {
	n = s.n.Swap(0)
	sum = s.sum.Swap(0)
	lo = s.min.Swap(math.MaxInt64)
	hi = s.max.Swap(0)
	if n == 0 {
		lo = 0
	}
	return
}

func (e *Engine) publishLoop(ctx context.Context) {
	defer e.wg.Done()
	t := e.clk.NewTicker(countFlush)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.publish(ctx, n%gaugeFlushes == 0)
		}
	}
}

// PublishNow aggregates and publishes the current period at once (tests,
// and a final flush before shutdown).
func (e *Engine) PublishNow(ctx context.Context) { e.publish(ctx, true) }

// PublishCounts sends the counts gathered so far. CloudWatch calls it just
// before it evaluates alarms, so a period's alarm sees every request of
// the period.
func (e *Engine) PublishCounts(ctx context.Context) { e.publish(ctx, false) }

type pubLB struct {
	rt    *lbRuntime
	pairs []*pairMetrics
}

// publish sends the counts gathered since the last call, and the gauges
// when gauges is set.
func (e *Engine) publish(ctx context.Context, gauges bool) {
	if e.opts.Metrics == nil {
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	e.mu.Lock()
	var lbs []pubLB
	for _, lb := range e.lbs {
		p := pubLB{rt: lb.rt}
		for tgARN, pm := range lb.rt.pairs {
			if e.tgs[tgARN] == nil || !pm.used.Load() {
				delete(lb.rt.pairs, tgARN)
			}
			p.pairs = append(p.pairs, pm)
		}
		sort.Slice(p.pairs, func(i, j int) bool { return p.pairs[i].tg.fullName < p.pairs[j].tg.fullName })
		lbs = append(lbs, p)
	}
	e.mu.Unlock()
	sort.Slice(lbs, func(i, j int) bool { return lbs[i].rt.fullName < lbs[j].rt.fullName })

	// The counts are stamped with the time they began to be gathered, so
	// they land in the period they belong to even when sent just after it
	// ended.
	now := e.clk.Now().UTC()
	stamp := now
	if !e.lastPub.IsZero() && e.lastPub.Before(now) {
		stamp = e.lastPub
	}
	e.lastPub = now
	// Data goes to CloudWatch in the load balancer's account and region.
	type scopeKey struct{ account, region string }
	byScope := map[scopeKey][]Datum{}
	var data []Datum
	add := func(name, unit string, v float64, dims []Dimension) {
		data = append(data, Datum{MetricName: name, Dimensions: dims, Timestamp: stamp, Value: v, Unit: unit})
	}
	addCount := func(name string, v int64, dims []Dimension) {
		if v != 0 {
			add(name, "Count", float64(v), dims)
		}
	}
	addStats := func(name string, n, sum, lo, hi int64, dims []Dimension) {
		if n == 0 {
			return
		}
		data = append(data, Datum{MetricName: name, Dimensions: dims, Timestamp: stamp, Unit: "Seconds",
			StatisticValues: &StatisticSet{SampleCount: float64(n), Sum: float64(sum) / 1e6, Min: float64(lo) / 1e6, Max: float64(hi) / 1e6}})
	}
	for _, p := range lbs {
		arn, _ := awsctx.ParseARN(p.rt.arn)
		sk := scopeKey{arn.Account, arn.Region}
		data = byScope[sk]
		c := &p.rt.m
		lbDim := []Dimension{{Name: "LoadBalancer", Value: p.rt.fullName}}
		var req, t2, t3, t4, t5, connErr, rn, rsum int64
		rlo, rhi := int64(math.MaxInt64), int64(0)
		for _, pm := range p.pairs {
			dims := []Dimension{{Name: "TargetGroup", Value: pm.tg.fullName}, {Name: "LoadBalancer", Value: p.rt.fullName}}
			r, a, b, cc, d, ce := pm.requests.Swap(0), pm.t2xx.Swap(0), pm.t3xx.Swap(0), pm.t4xx.Swap(0), pm.t5xx.Swap(0), pm.connErrors.Swap(0)
			n, sum, lo, hi := pm.rt.take()
			healthy, unhealthy := pm.tg.hostCounts()
			if gauges {
				add("HealthyHostCount", "Count", float64(healthy), dims)
				add("UnHealthyHostCount", "Count", float64(unhealthy), dims)
			}
			addCount("RequestCount", r, dims)
			if r != 0 && healthy > 0 {
				add("RequestCountPerTarget", "Count", float64(r)/float64(healthy), []Dimension{{Name: "TargetGroup", Value: pm.tg.fullName}})
			}
			addCount("HTTPCode_Target_2XX_Count", a, dims)
			addCount("HTTPCode_Target_3XX_Count", b, dims)
			addCount("HTTPCode_Target_4XX_Count", cc, dims)
			addCount("HTTPCode_Target_5XX_Count", d, dims)
			addCount("TargetConnectionErrorCount", ce, dims)
			addStats("TargetResponseTime", n, sum, lo, hi, dims)
			req, t2, t3, t4, t5, connErr = req+r, t2+a, t3+b, t4+cc, t5+d, connErr+ce
			if n > 0 {
				rn, rsum, rlo, rhi = rn+n, rsum+sum, min(rlo, lo), max(rhi, hi)
			}
		}
		addCount("RequestCount", req, lbDim)
		addCount("HTTPCode_Target_2XX_Count", t2, lbDim)
		addCount("HTTPCode_Target_3XX_Count", t3, lbDim)
		addCount("HTTPCode_Target_4XX_Count", t4, lbDim)
		addCount("HTTPCode_Target_5XX_Count", t5, lbDim)
		addCount("TargetConnectionErrorCount", connErr, lbDim)
		addStats("TargetResponseTime", rn, rsum, rlo, rhi, lbDim)
		addCount("HTTPCode_ELB_4XX_Count", c.elb4xx.Swap(0), lbDim)
		addCount("HTTPCode_ELB_5XX_Count", c.elb5xx.Swap(0), lbDim)
		addCount("HTTPCode_ELB_500_Count", c.elb500.Swap(0), lbDim)
		addCount("HTTPCode_ELB_502_Count", c.elb502.Swap(0), lbDim)
		addCount("HTTPCode_ELB_503_Count", c.elb503.Swap(0), lbDim)
		addCount("HTTPCode_ELB_504_Count", c.elb504.Swap(0), lbDim)
		addCount("HTTP_Fixed_Response_Count", c.fixed.Swap(0), lbDim)
		addCount("HTTP_Redirect_Count", c.redirect.Swap(0), lbDim)
		newConns := c.newConns.Swap(0)
		addCount("NewConnectionCount", newConns, lbDim)
		c.newInMinute.Add(newConns)
		if gauges {
			open := c.openConns.Load()
			addCount("ActiveConnectionCount", c.openAtStart.Swap(open)+c.newInMinute.Swap(0), lbDim)
		}
		if b := c.bytes.Swap(0); b != 0 {
			add("ProcessedBytes", "Bytes", float64(b), lbDim)
		}
		byScope[sk] = data
	}
	for sk, data := range byScope {
		sctx := awsctx.With(ctx, awsctx.Scope{AccountID: sk.account, Region: sk.region})
		for len(data) > 0 {
			n := min(len(data), 1000)
			if err := e.opts.Metrics.PutMetricData(sctx, Namespace, data[:n]); err != nil {
				e.log.Warn("publish load balancer metrics", "account", sk.account, "region", sk.region, "err", err)
				break
			}
			data = data[n:]
		}
	}
}

// hostCounts counts healthy and unhealthy targets (draining and unused
// targets count as neither; initial ones as unhealthy, as AWS does).
func (rt *tgRuntime) hostCounts() (healthy, unhealthy int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, b := range rt.backends {
		switch b.state {
		case StateHealthy:
			healthy++
		case StateUnhealthy, StateInitial:
			unhealthy++
		}
	}
	return
}
