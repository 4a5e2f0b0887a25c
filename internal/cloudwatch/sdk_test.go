package cloudwatch_test

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	cw "github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

var bg = context.Background()

func startCW(t *testing.T, clk *clock.Clock) (*cw.Engine, *skifftest.Server, *cloudwatch.Client) {
	t.Helper()
	if clk == nil {
		clk = clock.Real()
	}
	e, err := cw.New(store.NewMemory(), clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	srv := skifftest.Start(t, e.Service())
	return e, srv, newClient(srv)
}

// newClient is the SDK client for srv, with its defaults (it gzips
// PutMetricData bodies).
func newClient(srv *skifftest.Server) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(srv.Config())
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSDKMetricsRoundTrip(t *testing.T) {
	_, _, c := startCW(t, nil)
	now := time.Now().UTC().Truncate(time.Minute)
	ts := now.Add(-2 * time.Minute).Add(10 * time.Second)
	_, err := c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("App/Test"),
		MetricData: []types.MetricDatum{
			{MetricName: aws.String("Latency"), Timestamp: aws.Time(ts), Unit: types.StandardUnitMilliseconds,
				Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String("api")}},
				Values:     []float64{10, 20, 30, 40}, Counts: []float64{1, 1, 1, 1}},
			{MetricName: aws.String("Latency"), Timestamp: aws.Time(ts.Add(5 * time.Second)), Unit: types.StandardUnitMilliseconds,
				Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String("api")}}, Value: aws.Float64(100)},
			{MetricName: aws.String("Requests"), Timestamp: aws.Time(ts), Unit: types.StandardUnitCount,
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(4), Sum: aws.Float64(10), Minimum: aws.Float64(1), Maximum: aws.Float64(4)}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("App/Test"), MetricName: aws.String("Latency"),
		Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String("api")}},
		StartTime:  aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticAverage, types.StatisticSum, types.StatisticSampleCount, types.StatisticMinimum, types.StatisticMaximum},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Datapoints) != 1 || *out.Label != "Latency" {
		t.Fatalf("datapoints %+v", out.Datapoints)
	}
	dp := out.Datapoints[0]
	if *dp.SampleCount != 5 || *dp.Sum != 200 || *dp.Average != 40 || *dp.Minimum != 10 || *dp.Maximum != 100 || dp.Unit != types.StandardUnitMilliseconds ||
		!dp.Timestamp.Equal(ts.Truncate(time.Minute)) {
		t.Fatalf("datapoint %+v", dp)
	}
	pct, err := c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("App/Test"), MetricName: aws.String("Latency"),
		Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String("api")}},
		StartTime:  aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now), Period: aws.Int32(300),
		ExtendedStatistics: []string{"p50", "p99", "p0", "p100"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pct.Datapoints) != 1 {
		t.Fatalf("percentiles: %+v", pct.Datapoints)
	}
	ex := pct.Datapoints[0].ExtendedStatistics
	if ex["p50"] != 30 || ex["p99"] != 100 || ex["p0"] != 10 || ex["p100"] != 100 {
		t.Fatalf("percentiles %v", ex)
	}
	// GetMetricData with a math expression over two metrics.
	gmd, err := c.GetMetricData(bg, &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-10 * time.Minute)), EndTime: aws.Time(now),
		MetricDataQueries: []types.MetricDataQuery{
			{Id: aws.String("lat"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"),
				Metric: &types.Metric{Namespace: aws.String("App/Test"), MetricName: aws.String("Latency"), Dimensions: []types.Dimension{{Name: aws.String("Service"), Value: aws.String("api")}}}}},
			{Id: aws.String("req"), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"),
				Metric: &types.Metric{Namespace: aws.String("App/Test"), MetricName: aws.String("Requests")}}},
			{Id: aws.String("ratio"), Expression: aws.String("lat / req"), Label: aws.String("ms per request")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(gmd.MetricDataResults) != 2 {
		t.Fatalf("results %+v", gmd.MetricDataResults)
	}
	r := gmd.MetricDataResults[1]
	if *r.Id != "ratio" || *r.Label != "ms per request" || len(r.Values) != 1 || r.Values[0] != 20 || r.StatusCode != types.StatusCodeComplete {
		t.Fatalf("ratio %+v", r)
	}
	if l := *gmd.MetricDataResults[0].Label; l != "Requests" {
		t.Fatalf("default label %q", l)
	}
	// ListMetrics with a dimension filter.
	lm, err := c.ListMetrics(bg, &cloudwatch.ListMetricsInput{Namespace: aws.String("App/Test"), Dimensions: []types.DimensionFilter{{Name: aws.String("Service")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lm.Metrics) != 1 || *lm.Metrics[0].MetricName != "Latency" || *lm.Metrics[0].Dimensions[0].Value != "api" {
		t.Fatalf("list %+v", lm.Metrics)
	}
	lm, err = c.ListMetrics(bg, &cloudwatch.ListMetricsInput{RecentlyActive: types.RecentlyActivePt3h})
	if err != nil || len(lm.Metrics) != 2 {
		t.Fatalf("recently active %+v %v", lm, err)
	}
}

func TestSDKPutMetricDataErrors(t *testing.T) {
	_, _, c := startCW(t, nil)
	put := func(d ...types.MetricDatum) error {
		_, err := c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App/E"), MetricData: d})
		return err
	}
	cases := []struct {
		name, code, msg string
		err             error
	}{
		{"value+values", "InvalidParameterCombination", "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Values: []float64{1}})},
		{"value+statistics", "InvalidParameterCombination", "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}})},
		{"counts size", "InvalidParameterValue", "The parameters MetricData.member.2.Values and MetricData.member.2.Counts must be of the same size.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}, types.MetricDatum{MetricName: aws.String("m"), Values: []float64{1, 2}, Counts: []float64{1}})},
		{"old", "InvalidParameterValue", "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(time.Now().Add(-15 * 24 * time.Hour))})},
		{"future", "InvalidParameterValue", "The parameter MetricData.member.1.Timestamp must specify a time no more than two hours in the future.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(time.Now().Add(3 * time.Hour))})},
		{"resolution", "InvalidParameterValue", "The value 5 for parameter MetricData.member.1.StorageResolution is invalid. Valid values are 1 and 60.",
			put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StorageResolution: aws.Int32(5)})},
		{"nan", "InvalidParameterValue", "", put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(math.Inf(1))})},
		{"no value", "MissingParameter", "", put(types.MetricDatum{MetricName: aws.String("m")})},
	}
	for _, tc := range cases {
		var ae smithy.APIError
		if !errors.As(tc.err, &ae) || ae.ErrorCode() != tc.code || (tc.msg != "" && ae.ErrorMessage() != tc.msg) {
			t.Errorf("%s: got %v, want %s %q", tc.name, tc.err, tc.code, tc.msg)
		}
	}
	many := make([]types.MetricDatum, 1001)
	for i := range many {
		many[i] = types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}
	}
	if err := put(many...); code(err) != "InvalidParameterValue" {
		t.Errorf("1001 datums: %v", err)
	}
	_, err := c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("AWS/ namespace: %v", err)
	}
	// Dimensions limit.
	dims := make([]types.Dimension, 31)
	for i := range dims {
		dims[i] = types.Dimension{Name: aws.String("d" + string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	if err := put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: dims}); code(err) != "InvalidParameterValue" {
		t.Errorf("31 dimensions: %v", err)
	}
	dup := []types.Dimension{{Name: aws.String("a"), Value: aws.String("1")}, {Name: aws.String("a"), Value: aws.String("2")}}
	if err := put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: dup}); code(err) != "InvalidParameterValue" {
		t.Errorf("duplicate dimension: %v", err)
	}
	if err := put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: []types.Dimension{{Name: aws.String("a"), Value: aws.String("")}}}); code(err) != "MissingParameter" {
		t.Errorf("empty dimension value: %v", err)
	}
	// GetMetricStatistics rules.
	now := time.Now()
	_, err = c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("App/E"), MetricName: aws.String("m"),
		StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Minute)), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if code(err) != "InvalidParameterValue" || !strings.Contains(err.Error(), "StartTime must be less than") {
		t.Errorf("start after end: %v", err)
	}
	_, err = c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("App/E"), MetricName: aws.String("m"),
		StartTime: aws.Time(now.Add(-25 * time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if code(err) != "InvalidParameterCombination" || !strings.Contains(err.Error(), "exceeds the limit of 1440") {
		t.Errorf("too many datapoints: %v", err)
	}
	_, err = c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("App/E"), MetricName: aws.String("m"),
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(45), Statistics: []types.Statistic{types.StatisticSum}})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("period 45: %v", err)
	}
	_, err = c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("App/E"), MetricName: aws.String("m"),
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}, ExtendedStatistics: []string{"p90"}})
	if code(err) != "InvalidParameterCombination" {
		t.Errorf("both statistics: %v", err)
	}
	_, err = c.GetMetricStatistics(bg, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("App/E"), MetricName: aws.String("m"),
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60)})
	if code(err) != "MissingParameter" {
		t.Errorf("no statistics: %v", err)
	}
	_, err = c.ListMetrics(bg, &cloudwatch.ListMetricsInput{RecentlyActive: types.RecentlyActive("PT1H")})
	if code(err) != "InvalidParameterValue" {
		t.Errorf("PT1H: %v", err)
	}
}

func TestSDKAlarmsLifecycle(t *testing.T) {
	e, _, c := startCW(t, nil)
	_, err := c.PutMetricAlarm(bg, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("cpu-high"), AlarmDescription: aws.String("CPU"), Namespace: aws.String("App/A"), MetricName: aws.String("CPU"),
		Statistic: types.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2),
		Threshold: aws.Float64(80), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{"arn:aws:sns:us-east-1:123456789012:ops"}, Dimensions: []types.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutMetricAlarm(bg, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("errors-math"), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(5),
		ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
		Metrics: []types.MetricDataQuery{
			{Id: aws.String("e"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"), Metric: &types.Metric{Namespace: aws.String("App/A"), MetricName: aws.String("Errors")}}},
			{Id: aws.String("r"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"), Metric: &types.Metric{Namespace: aws.String("App/A"), MetricName: aws.String("Requests")}}},
			{Id: aws.String("rate"), Expression: aws.String("100 * e / r"), Label: aws.String("error rate")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutCompositeAlarm(bg, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("service-down"),
		AlarmRule: aws.String(`ALARM("cpu-high") OR ALARM(errors-math)`)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 2 || len(out.CompositeAlarms) != 0 {
		t.Fatalf("default types: %d metric, %d composite", len(out.MetricAlarms), len(out.CompositeAlarms))
	}
	a := out.MetricAlarms[0]
	if *a.AlarmName != "cpu-high" || a.StateValue != types.StateValueInsufficientData || *a.StateReason != "Unchecked: Initial alarm creation" ||
		*a.DatapointsToAlarm != 2 || *a.Threshold != 80 || *a.Period != 60 || *a.AlarmArn != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high" ||
		len(a.OKActions) != 0 || *a.TreatMissingData != "notBreaching" || a.ComparisonOperator != types.ComparisonOperatorGreaterThanThreshold ||
		a.Statistic != types.StatisticAverage || *a.EvaluationPeriods != 3 || *a.Dimensions[0].Name != "Host" || !*a.ActionsEnabled || *a.AlarmDescription != "CPU" {
		t.Fatalf("alarm %+v", a)
	}
	if m := out.MetricAlarms[1]; len(m.Metrics) != 3 || *m.Metrics[2].Expression != "100 * e / r" || m.Period != nil {
		t.Fatalf("math alarm %+v", m)
	}
	out, err = c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}, MaxRecords: aws.Int32(1)})
	if err != nil || len(out.MetricAlarms) != 1 || out.NextToken == nil {
		t.Fatalf("page 1: %+v %v", out, err)
	}
	var names []string
	p := cloudwatch.NewDescribeAlarmsPaginator(c, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}, MaxRecords: aws.Int32(1)})
	for p.HasMorePages() {
		pg, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range pg.MetricAlarms {
			names = append(names, *a.AlarmName)
		}
		for _, a := range pg.CompositeAlarms {
			names = append(names, *a.AlarmName)
		}
	}
	if strings.Join(names, ",") != "cpu-high,errors-math,service-down" {
		t.Fatalf("paged names %v", names)
	}
	ch, err := c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{ChildrenOfAlarmName: aws.String("service-down")})
	if err != nil || len(ch.MetricAlarms) != 2 {
		t.Fatalf("children %+v %v", ch, err)
	}
	par, err := c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{ParentsOfAlarmName: aws.String("cpu-high")})
	if err != nil || len(par.CompositeAlarms) != 1 || *par.CompositeAlarms[0].AlarmName != "service-down" {
		t.Fatalf("parents %+v %v", par, err)
	}
	ap, err := c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:sns:us-east-1:123456789012:op")})
	if err != nil || len(ap.MetricAlarms) != 1 {
		t.Fatalf("action prefix %+v %v", ap, err)
	}
	fm, err := c.DescribeAlarmsForMetric(bg, &cloudwatch.DescribeAlarmsForMetricInput{Namespace: aws.String("App/A"), MetricName: aws.String("CPU"),
		Dimensions: []types.Dimension{{Name: aws.String("Host"), Value: aws.String("a")}}})
	if err != nil || len(fm.MetricAlarms) != 1 {
		t.Fatalf("for metric %+v %v", fm, err)
	}
	// SetAlarmState moves the composite too.
	if _, err := c.SetAlarmState(bg, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("cpu-high"), StateValue: types.StateValueAlarm,
		StateReason: aws.String("testing"), StateReasonData: aws.String(`{"k":1}`)}); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.AlarmState(skiffCtx(), "cpu-high"); st != "ALARM" {
		t.Fatalf("state %s", st)
	}
	waitFor(t, func() bool { st, _ := e.AlarmState(skiffCtx(), "service-down"); return st == "ALARM" })
	comp, err := c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"service-down"}, AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
	if err != nil {
		t.Fatal(err)
	}
	ca := comp.CompositeAlarms[0]
	if !strings.HasPrefix(*ca.StateReason, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high transitioned to ALARM at ") ||
		!strings.Contains(*ca.StateReasonData, `"triggeringAlarms"`) {
		t.Fatalf("composite %s / %s", *ca.StateReason, *ca.StateReasonData)
	}
	_, err = c.SetAlarmState(bg, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Fatalf("missing alarm: %v", err)
	}
	_, err = c.SetAlarmState(bg, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("cpu-high"), StateValue: types.StateValueOk, StateReason: aws.String("x"), StateReasonData: aws.String("{bad")})
	if code(err) != "InvalidFormat" {
		t.Fatalf("bad reason data: %v", err)
	}
	// History.
	h, err := c.DescribeAlarmHistory(bg, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("cpu-high")})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, it := range h.AlarmHistoryItems {
		kinds = append(kinds, string(it.HistoryItemType)+":"+*it.HistorySummary)
	}
	joined := strings.Join(kinds, "|")
	if !strings.Contains(joined, "StateUpdate:Alarm updated from INSUFFICIENT_DATA to ALARM") || !strings.Contains(joined, `ConfigurationUpdate:Alarm "cpu-high" created`) {
		t.Fatalf("history %v", kinds)
	}
	waitFor(t, func() bool {
		h, _ := c.DescribeAlarmHistory(bg, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("cpu-high"), HistoryItemType: types.HistoryItemTypeAction})
		return h != nil && len(h.AlarmHistoryItems) == 1 && strings.HasPrefix(*h.AlarmHistoryItems[0].HistorySummary, "Failed to execute action arn:aws:sns")
	})
	asc, err := c.DescribeAlarmHistory(bg, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("cpu-high"), ScanBy: types.ScanByTimestampAscending, MaxRecords: aws.Int32(1)})
	if err != nil || len(asc.AlarmHistoryItems) != 1 || asc.AlarmHistoryItems[0].HistoryItemType != types.HistoryItemTypeConfigurationUpdate || asc.NextToken == nil {
		t.Fatalf("ascending %+v %v", asc, err)
	}
	// Tags.
	arn := "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu-high"
	if _, err := c.TagResource(bg, &cloudwatch.TagResourceInput{ResourceARN: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(bg, &cloudwatch.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(bg, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	// Disable, delete.
	if _, err := c.DisableAlarmActions(bg, &cloudwatch.DisableAlarmActionsInput{AlarmNames: []string{"cpu-high"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"cpu-high"}})
	if *out.MetricAlarms[0].ActionsEnabled {
		t.Fatal("actions still enabled")
	}
	if _, err := c.DeleteAlarms(bg, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"service-down", "nope"}}); !errors.As(err, &rnf) {
		t.Fatalf("delete with a missing alarm: %v", err)
	}
	if _, err := c.DeleteAlarms(bg, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"service-down"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = c.DescribeAlarms(bg, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}})
	if len(out.CompositeAlarms) != 0 {
		t.Fatal("composite not deleted")
	}
	// Validation.
	bad := []struct {
		in   *cloudwatch.PutMetricAlarmInput
		code string
	}{
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(45), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum, ExtendedStatistic: aws.String("p99"),
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold}, "InvalidParameterCombination"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2), DatapointsToAlarm: aws.Int32(3), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: "Bigger"}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("sometimes")}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), ThresholdMetricId: aws.String("ad"), ComparisonOperator: types.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
			Metrics: []types.MetricDataQuery{{Id: aws.String("a"), Expression: aws.String("TIME_SERIES(1)"), Period: aws.Int32(60)}, {Id: aws.String("b"), Expression: aws.String("a*2"), Period: aws.Int32(60)}}}, "ValidationError"},
		{&cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), Namespace: aws.String("N"), MetricName: aws.String("M"), Statistic: types.StatisticSum,
			Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{"not-an-arn"}}, "ValidationError"},
	}
	for i, b := range bad {
		if _, err := c.PutMetricAlarm(bg, b.in); code(err) != b.code {
			t.Errorf("case %d: %v, want %s", i, err, b.code)
		}
	}
	_, err = c.PutCompositeAlarm(bg, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("c2"), AlarmRule: aws.String(`ALARM("ghost")`)})
	if code(err) != "ValidationError" || !strings.Contains(err.Error(), "Could not save the composite alarm as alarms [ghost] in the alarm rule do not exist") {
		t.Fatalf("missing child: %v", err)
	}
	_, err = c.PutCompositeAlarm(bg, &cloudwatch.PutCompositeAlarmInput{AlarmName: aws.String("c2"), AlarmRule: aws.String(`ALARM("cpu-high" AND`)})
	if code(err) != "ValidationError" {
		t.Fatalf("bad rule: %v", err)
	}
}

// The JSON 1.0 protocol (what the AWS CLI v1 speaks) and query-compatible
// error codes.
func TestSDKGetMetricDataPaging(t *testing.T) {
	_, _, c := startCW(t, nil)
	now := time.Now().UTC().Truncate(time.Minute)
	var data []types.MetricDatum
	for i := 0; i < 30; i++ {
		data = append(data, types.MetricDatum{MetricName: aws.String("Hits"), Value: aws.Float64(float64(i)), Timestamp: aws.Time(now.Add(-time.Duration(i+1) * time.Minute))})
	}
	if _, err := c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App/P"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	in := &cloudwatch.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), MaxDatapoints: aws.Int32(7), ScanBy: types.ScanByTimestampAscending,
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("h"), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String("Maximum"),
			Metric: &types.Metric{Namespace: aws.String("App/P"), MetricName: aws.String("Hits")}}}},
	}
	var vals []float64
	var stamps []time.Time
	pg := cloudwatch.NewGetMetricDataPaginator(c, in)
	pages := 0
	for pg.HasMorePages() {
		out, err := pg.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		vals = append(vals, out.MetricDataResults[0].Values...)
		stamps = append(stamps, out.MetricDataResults[0].Timestamps...)
	}
	if pages != 5 || len(vals) != 30 || vals[0] != 29 || vals[29] != 0 || !sort.SliceIsSorted(stamps, func(i, j int) bool { return stamps[i].Before(stamps[j]) }) {
		t.Fatalf("pages %d vals %v", pages, vals)
	}
}

func skiffCtx() context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: skifftest.AccountID, Region: skifftest.Region})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("condition not met in time")
}

// The SDK's default client gzips PutMetricData (Content-Encoding: gzip,
// the model's requestCompression trait); botocore does the same above
// 10 KB. The gateway decodes it after checking the signature.
func TestSDKGzipPutMetricData(t *testing.T) {
	_, srv, _ := startCW(t, nil)
	c := cloudwatch.NewFromConfig(srv.Config())
	_, err := c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App/Gzip"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	// Typed errors: the body's __type is the model's shape, the query
	// code rides in x-amzn-query-error.
	_, err = c.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/Reserved"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) || ipv.ErrorCode() != "InvalidParameterValue" {
		t.Fatalf("reserved namespace: %T %v", err, err)
	}
}
