package cloudwatch_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/skiff-dev/skiff/internal/clock"
	cw "github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

// BenchmarkSDKPutMetricData measures ingest as a user gets it: the AWS SDK
// for Go v2 (RPCv2 CBOR, gzip bodies, SigV4) sending requests of 1,000
// datums over 200 series to skiff's wire layer, committed to SQLite before
// each answer. Client and server share the process, so the figure is a
// floor for skiff's own cost.
func BenchmarkSDKPutMetricData(b *testing.B) {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	e, err := cw.New(st, clock.Real(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	c := cloudwatch.NewFromConfig(skifftest.Start(b, e.Service()).Config())
	const perRequest = 1000
	data := make([]types.MetricDatum, perRequest)
	now := time.Now()
	for i := range data {
		data[i] = types.MetricDatum{MetricName: aws.String("Latency"), Value: aws.Float64(float64(i % 97)), Unit: types.StandardUnitMilliseconds,
			Timestamp: aws.Time(now), Dimensions: []types.Dimension{{Name: aws.String("Host"), Value: aws.String(fmt.Sprint("h", i%200))}}}
	}
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		in := &cloudwatch.PutMetricDataInput{Namespace: aws.String("Bench"), MetricData: data}
		for pb.Next() {
			if _, err := c.PutMetricData(bg, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*perRequest)/time.Since(start).Seconds(), "datapoints/s")
}
