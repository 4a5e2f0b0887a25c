package elbv2

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwsdk "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

// cloudWatchSink adapts CloudWatch's engine to MetricSink (what the
// server wires).
type cloudWatchSink struct{ cw *cloudwatch.Engine }

func (s cloudWatchSink) PutMetricData(ctx context.Context, namespace string, data []Datum) error {
	out := make([]cloudwatch.Datum, len(data))
	for i, d := range data {
		c := cloudwatch.Datum{MetricName: d.MetricName, Timestamp: d.Timestamp, Value: d.Value, Unit: d.Unit}
		for _, dim := range d.Dimensions {
			c.Dimensions = append(c.Dimensions, cloudwatch.Dimension{Name: dim.Name, Value: dim.Value})
		}
		if sv := d.StatisticValues; sv != nil {
			c.StatisticValues = &cloudwatch.StatisticSet{SampleCount: sv.SampleCount, Sum: sv.Sum, Minimum: sv.Min, Maximum: sv.Max}
		}
		out[i] = c
	}
	return s.cw.PutMetricData(ctx, namespace, out)
}

// TestMetricsReachCloudWatch publishes through the real CloudWatch engine
// and reads the statistics back with the SDK.
func TestMetricsReachCloudWatch(t *testing.T) {
	st := store.NewMemory()
	cw, err := cloudwatch.New(st, clock.Scaled(0.01), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cw.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cw.Close() })
	f := newFixtureWith(t, st, Options{Metrics: cloudWatchSink{cw}})
	lb := f.lb("cw")
	tg := f.tg("cw")
	f.register(tg.ARN, newBackend(t, "cw", nil))
	_, base := f.listener(lb.ARN, 80, forward(tg.ARN))
	f.waitHealthy(tg.ARN)
	for range 7 {
		get(t, base+"/")
	}
	f.e.PublishNow(f.ctx)

	srv := skifftest.Start(t, cw.Service())
	c := cwsdk.NewFromConfig(srv.Config())
	stats := func(metric string, stat cwtypes.Statistic, dims ...cwtypes.Dimension) float64 {
		t.Helper()
		out, err := c.GetMetricStatistics(context.Background(), &cwsdk.GetMetricStatisticsInput{
			Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(metric), Dimensions: dims,
			StartTime: aws.Time(time.Now().Add(-10 * time.Minute)), EndTime: aws.Time(time.Now().Add(time.Minute)),
			Period: aws.Int32(60), Statistics: []cwtypes.Statistic{stat},
		})
		if err != nil {
			t.Fatal(err)
		}
		total := 0.0
		for _, dp := range out.Datapoints {
			switch stat {
			case cwtypes.StatisticSum:
				total += *dp.Sum
			case cwtypes.StatisticSampleCount:
				total += *dp.SampleCount
			case cwtypes.StatisticMaximum:
				total = max(total, *dp.Maximum)
			}
		}
		return total
	}
	lbDim := cwtypes.Dimension{Name: aws.String("LoadBalancer"), Value: aws.String(lb.FullName())}
	tgDim := cwtypes.Dimension{Name: aws.String("TargetGroup"), Value: aws.String(tg.FullName())}
	if n := stats("RequestCount", cwtypes.StatisticSum, lbDim); n != 7 {
		t.Fatalf("RequestCount per load balancer = %v", n)
	}
	if n := stats("HTTPCode_Target_2XX_Count", cwtypes.StatisticSum, tgDim, lbDim); n != 7 {
		t.Fatalf("HTTPCode_Target_2XX_Count per target group = %v", n)
	}
	if n := stats("TargetResponseTime", cwtypes.StatisticSampleCount, lbDim); n != 7 {
		t.Fatalf("TargetResponseTime samples = %v", n)
	}
	if n := stats("HealthyHostCount", cwtypes.StatisticMaximum, tgDim, lbDim); n != 1 {
		t.Fatalf("HealthyHostCount = %v", n)
	}
}
