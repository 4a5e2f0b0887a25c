// Package loadtest is a steady-rate HTTP load loop for deployment tests
// and demos: it sends requests to a URL at a fixed rate for a duration (or
// until its context ends) and reports non-2xx responses, transport errors,
// latency percentiles, and which bodies were served (so a test can see
// traffic move from one revision to the next).
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Config is one load run. Zero values are documented.
type Config struct {
	// URL is requested with GET. Required.
	URL string
	// Rate is requests per second; 0 means 100.
	Rate int
	// Duration ends the run; 0 runs until the context ends.
	Duration time.Duration
	// Concurrency bounds requests in flight; 0 means 64. When all are busy
	// the next request waits (and the achieved rate drops).
	Concurrency int
	// Timeout bounds one request; 0 means 5 s.
	Timeout time.Duration
	// Client sends the requests; nil means a keep-alive client of its own.
	Client *http.Client
}

// Result is what a run saw.
type Result struct {
	Requests int64
	// Non2xx counts responses outside 200–299; Errors counts requests
	// that got no response (refused, reset, timed out).
	Non2xx, Errors int64
	Codes          map[int]int64
	// Bodies counts responses by their first line (at most 64 bytes).
	Bodies map[string]int64
	// Latency percentiles of requests that got a response.
	P50, P90, P99, Max time.Duration
	Elapsed            time.Duration
	// FirstFailure and LastFailure are when the first and last non-2xx or
	// error happened (zero when none did).
	FirstFailure, LastFailure time.Time
	// LastBody is the first line of the last 2xx response.
	LastBody string
}

// Failed is Non2xx + Errors.
func (r *Result) Failed() int64 { return r.Non2xx + r.Errors }

// RPS is the achieved request rate.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests in %s (%.0f/s): %d non-2xx, %d errors; latency p50 %s p90 %s p99 %s max %s",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS(), r.Non2xx, r.Errors,
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	if len(r.Codes) > 0 {
		var codes []int
		for c := range r.Codes {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		b.WriteString("; codes")
		for _, c := range codes {
			fmt.Fprintf(&b, " %d×%d", c, r.Codes[c])
		}
	}
	if len(r.Bodies) > 0 {
		var bodies []string
		for k := range r.Bodies {
			bodies = append(bodies, k)
		}
		sort.Strings(bodies)
		b.WriteString("; bodies")
		for _, k := range bodies {
			fmt.Fprintf(&b, " %q×%d", k, r.Bodies[k])
		}
	}
	return b.String()
}

// Run sends requests until the duration passes or ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.URL == "" {
		return nil, errors.New("loadtest: URL is required")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 100
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	client := cfg.Client
	if client == nil {
		tr := &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, IdleConnTimeout: 30 * time.Second}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr}
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	res := &Result{Codes: map[int]int64{}, Bodies: map[string]int64{}}
	var mu sync.Mutex
	var lats []time.Duration
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(cfg.Rate)
	start := time.Now()
	fail := func(at time.Time) {
		if res.FirstFailure.IsZero() {
			res.FirstFailure = at
		}
		if at.After(res.LastFailure) {
			res.LastFailure = at
		}
	}
	one := func() {
		defer wg.Done()
		defer func() { <-sem }()
		rctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, cfg.URL, nil)
		if err != nil {
			return
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		lat := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		res.Requests++
		if err != nil {
			res.Errors++
			fail(t0)
			return
		}
		lats = append(lats, lat)
		res.Codes[resp.StatusCode]++
		line, _, _ := strings.Cut(string(body), "\n")
		if len(line) > 64 {
			line = line[:64]
		}
		res.Bodies[line]++
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			res.Non2xx++
			fail(t0)
		} else {
			res.LastBody = line
		}
	}
	next := start
loop:
	for {
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				break loop
			case <-t.C:
			}
		} else if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go one()
		next = next.Add(interval)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		i := int(p * float64(len(lats)-1))
		return lats[i]
	}
	res.P50, res.P90, res.P99 = pct(0.50), pct(0.90), pct(0.99)
	if len(lats) > 0 {
		res.Max = lats[len(lats)-1]
	}
	return res, nil
}
