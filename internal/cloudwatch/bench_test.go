package cloudwatch

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

func benchStore(b *testing.B, kind string) store.Store {
	b.Helper()
	if kind == "memory" {
		return store.NewMemory()
	}
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkPutMetricData measures ingest through the engine API: requests
// of 1,000 single-value datums over 200 series (5 dimensions each), sent
// concurrently, every request committed to the store before it returns.
func BenchmarkPutMetricData(b *testing.B) {
	for _, kind := range []string{"sqlite", "memory"} {
		b.Run(kind, func(b *testing.B) {
			e, err := New(benchStore(b, kind), clock.Real(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			const perRequest = 1000
			reqs := make([][]Datum, 16)
			now := time.Now()
			for r := range reqs {
				reqs[r] = make([]Datum, perRequest)
				for i := range reqs[r] {
					s := (r*perRequest + i) % 200
					reqs[r][i] = Datum{MetricName: "Latency", Value: float64(i % 97), Unit: "Milliseconds", Timestamp: now.Add(-time.Duration(i%60) * time.Second),
						Dimensions: []Dimension{{"AvailabilityZone", "us-east-1a"}, {"LoadBalancer", "app/web/123"}, {"TargetGroup", fmt.Sprintf("targetgroup/tg%d/456", s)},
							{"Service", "api"}, {"Stage", "prod"}}}
				}
			}
			var n atomic.Int64
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				i := int(n.Add(1))
				for pb.Next() {
					if err := e.PutMetricData(ctx, "Bench/Ingest", reqs[i%len(reqs)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			el := time.Since(start)
			b.ReportMetric(float64(b.N*perRequest)/el.Seconds(), "datapoints/s")
		})
	}
}

// BenchmarkEvaluate1000Alarms measures one evaluation round of 1,000
// metric alarms, each on its own series with data in every period.
func BenchmarkEvaluate1000Alarms(b *testing.B) {
	for _, kind := range []string{"sqlite", "memory"} {
		b.Run(kind, func(b *testing.B) {
			e, err := New(benchStore(b, kind), clock.Real(), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			now := time.Now()
			var data []Datum
			for a := 0; a < 1000; a++ {
				for m := 0; m < 5; m++ {
					data = append(data, Datum{MetricName: "CPU", Value: float64(a % 100), Dimensions: []Dimension{{"Host", fmt.Sprintf("h%04d", a)}},
						Timestamp: now.Add(-time.Duration(m) * time.Minute)})
				}
				if len(data) >= 1000 {
					if err := e.PutMetricData(ctx, "Bench/Alarms", data); err != nil {
						b.Fatal(err)
					}
					data = nil
				}
				if err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: fmt.Sprintf("cpu-%04d", a), Namespace: "Bench/Alarms", MetricName: "CPU",
					Statistic: "Average", Period: i32(60), EvaluationPeriods: i32(3), DatapointsToAlarm: i32(2), Threshold: f64(50),
					ComparisonOperator: "GreaterThanThreshold", Dimensions: []Dimension{{"Host", fmt.Sprintf("h%04d", a)}}}); err != nil {
					b.Fatal(err)
				}
			}
			if err := e.db.flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if n := e.EvaluateAlarms(ctx); n != 1000 {
					b.Fatalf("evaluated %d alarms", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/round")
		})
	}
}
