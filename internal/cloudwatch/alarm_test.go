package cloudwatch

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

type recordedChange struct {
	name, old, new string
}

func subscribe(e *Engine) (func() []recordedChange, *sync.Mutex) {
	var mu sync.Mutex
	var got []recordedChange
	e.OnAlarmStateChange(func(_ context.Context, a AlarmInfo, old, new string) {
		mu.Lock()
		got = append(got, recordedChange{a.Name, old, new})
		mu.Unlock()
	})
	return func() []recordedChange {
		mu.Lock()
		defer mu.Unlock()
		return append([]recordedChange(nil), got...)
	}, &mu
}

type pubRecorder struct {
	mu   sync.Mutex
	msgs []string
	subs []string
}

func (p *pubRecorder) Publish(_ context.Context, topic, subject, message string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, message)
	p.subs = append(p.subs, topic+"|"+subject)
	return "id", nil
}

func (p *pubRecorder) get() ([]string, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...), append([]string(nil), p.subs...)
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not met")
}

// Evaluation per period with a fake clock: M of N, TreatMissingData, the
// reason texts, actions and subscriber notifications.
func TestAlarmEvaluationLifecycle(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0}
	e, _ := newFakeClockEngine(t, ft, 1)
	pub := &pubRecorder{}
	e.SetPublisher(pub)
	changes, _ := subscribe(e)
	err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: "lat", Namespace: "T/A", MetricName: "Latency", Statistic: "Maximum",
		Period: i32(60), EvaluationPeriods: i32(3), DatapointsToAlarm: i32(2), Threshold: f64(100), ComparisonOperator: "GreaterThanThreshold",
		AlarmActions: []string{"arn:aws:sns:us-east-1:123456789012:ops"}, OKActions: []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"},
		Dimensions: []Dimension{{"Service", "api"}}, Unit: "Milliseconds"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(minute int, v float64) {
		t.Helper()
		if err := e.PutMetricData(ctx, "T/A", []Datum{{MetricName: "Latency", Value: v, Unit: "Milliseconds", Dimensions: []Dimension{{"Service", "api"}},
			Timestamp: t0.Add(time.Duration(minute)*time.Minute + 10*time.Second)}}); err != nil {
			t.Fatal(err)
		}
	}
	state := func() alarmRec {
		a := e.getAlarm(ctx, "lat")
		e.amu.RLock()
		defer e.amu.RUnlock()
		return a.rec
	}
	// Minute 0: one breaching point; with missing treatment nothing is decided.
	put(0, 150)
	ft.Set(t0.Add(time.Minute + 5*time.Second))
	e.EvaluateAlarms(ctx)
	if s := state(); s.StateValue != StateInsufficientData {
		t.Fatalf("after 1 point: %s %s", s.StateValue, s.StateReason)
	}
	// Minute 1: a second breaching point: 2 of 3 → ALARM.
	put(1, 120)
	ft.Set(t0.Add(2*time.Minute + 5*time.Second))
	e.EvaluateAlarms(ctx)
	s := state()
	want := "Threshold Crossed: 2 out of the last 3 datapoints [120.0 (22/11/26 10:01:00), 150.0 (22/11/26 10:00:00)] were greater than the threshold (100.0) (minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)."
	if s.StateValue != StateAlarm || s.StateReason != want {
		t.Fatalf("after 2 points: %s %s", s.StateValue, s.StateReason)
	}
	var rd map[string]any
	if err := json.Unmarshal([]byte(s.StateReasonData), &rd); err != nil || rd["unit"] != "Milliseconds" || rd["statistic"] != "Maximum" || rd["period"] != 60.0 {
		t.Fatalf("reason data %s", s.StateReasonData)
	}
	// Minutes 2, 3: good values: 2 non-breaching of the last 3 → OK.
	put(2, 50)
	put(3, 40)
	ft.Set(t0.Add(4*time.Minute + 5*time.Second))
	e.EvaluateAlarms(ctx)
	if s := state(); s.StateValue != StateOK || !strings.Contains(s.StateReason, "were not greater than the threshold (100.0) (minimum 2 datapoints for ALARM -> OK transition)") {
		t.Fatalf("recovery: %s %s", s.StateValue, s.StateReason)
	}
	// SetAlarmState holds until the next evaluation, which moves it back.
	if err := e.SetAlarmState(ctx, "lat", StateAlarm, "manual test", ""); err != nil {
		t.Fatal(err)
	}
	if s := state(); s.StateValue != StateAlarm || s.StateReason != "manual test" {
		t.Fatalf("set state: %+v", s)
	}
	ft.Set(t0.Add(4*time.Minute + 30*time.Second))
	e.EvaluateAlarms(ctx)
	if s := state(); s.StateValue != StateOK {
		t.Fatalf("after re-evaluation: %s", s.StateValue)
	}
	// Data stops: 3 real points remain in the 5-period range for a while.
	ft.Set(t0.Add(9*time.Minute + 5*time.Second))
	e.EvaluateAlarms(ctx)
	if s := state(); s.StateValue != StateInsufficientData || s.StateReason != "Insufficient Data: 3 datapoints were unknown." {
		t.Fatalf("after data stopped: %s %s", s.StateValue, s.StateReason)
	}
	waitUntil(t, func() bool { return len(changes()) == 5 })
	got := changes()
	wantChanges := []recordedChange{
		{"lat", StateInsufficientData, StateAlarm}, {"lat", StateAlarm, StateOK}, {"lat", StateOK, StateAlarm},
		{"lat", StateAlarm, StateOK}, {"lat", StateOK, StateInsufficientData},
	}
	for i, w := range wantChanges {
		if got[i] != w {
			t.Fatalf("changes %v, want %v", got, wantChanges)
		}
	}
	// Two ALARM transitions published to SNS; OK actions on other services are recorded as not run.
	waitUntil(t, func() bool { m, _ := pub.get(); return len(m) == 2 })
	msgs, subjects := pub.get()
	if subjects[0] != `arn:aws:sns:us-east-1:123456789012:ops|ALARM: "lat" in US East (N. Virginia)` {
		t.Fatalf("subject %s", subjects[0])
	}
	var n map[string]any
	if err := json.Unmarshal([]byte(msgs[0]), &n); err != nil {
		t.Fatal(err)
	}
	tr := n["Trigger"].(map[string]any)
	if n["NewStateValue"] != "ALARM" || n["OldStateValue"] != "INSUFFICIENT_DATA" || n["AlarmName"] != "lat" || tr["Statistic"] != "MAXIMUM" ||
		tr["MetricName"] != "Latency" || tr["Threshold"] != 100.0 || n["Region"] != "US East (N. Virginia)" {
		t.Fatalf("notification %s", msgs[0])
	}
	waitUntil(t, func() bool {
		h, _ := e.opDescribeAlarmHistory(ctx, &describeAlarmHistoryIn{AlarmName: "lat", HistoryItemType: "Action"})
		return len(h.AlarmHistoryItems) == 4
	})
	h, _ := e.opDescribeAlarmHistory(ctx, &describeAlarmHistoryIn{AlarmName: "lat", HistoryItemType: "Action", ScanBy: "TimestampAscending"})
	if !strings.HasPrefix(h.AlarmHistoryItems[0].HistorySummary, "Successfully executed action arn:aws:sns") ||
		!strings.HasPrefix(h.AlarmHistoryItems[1].HistorySummary, "Failed to execute action arn:aws:autoscaling") ||
		!strings.Contains(h.AlarmHistoryItems[1].HistoryData, "does not execute autoscaling actions locally") {
		t.Fatalf("action history %+v", h.AlarmHistoryItems)
	}
	st, _ := e.opDescribeAlarmHistory(ctx, &describeAlarmHistoryIn{AlarmName: "lat", HistoryItemType: "StateUpdate"})
	if len(st.AlarmHistoryItems) != 5 || st.AlarmHistoryItems[0].HistorySummary != "Alarm updated from OK to INSUFFICIENT_DATA" {
		t.Fatalf("state history %+v", st.AlarmHistoryItems)
	}
	var hd map[string]any
	if err := json.Unmarshal([]byte(st.AlarmHistoryItems[0].HistoryData), &hd); err != nil || hd["newState"].(map[string]any)["stateValue"] != "INSUFFICIENT_DATA" {
		t.Fatalf("history data %s", st.AlarmHistoryItems[0].HistoryData)
	}
}

func TestAlarmTreatMissingAndPercentiles(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0.Add(5 * time.Minute)}
	e, _ := newFakeClockEngine(t, ft, 1)
	mk := func(name, tmd string, n, m int32) {
		in := &putMetricAlarmIn{AlarmName: name, Namespace: "T/M", MetricName: "Errors", Statistic: "Sum", Period: i32(60), EvaluationPeriods: i32(n),
			Threshold: f64(0), ComparisonOperator: "GreaterThanThreshold", TreatMissingData: tmd}
		if m > 0 {
			in.DatapointsToAlarm = i32(m)
		}
		if err := e.putMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	mk("missing", "", 2, 0)
	mk("breaching", "breaching", 2, 0)
	mk("notbreaching", "notBreaching", 2, 0)
	mk("ignore", "ignore", 2, 0)
	e.EvaluateAlarms(ctx)
	states := func() map[string]string {
		out := map[string]string{}
		for _, r := range e.snapshot(acct, region) {
			out[r.Name] = r.StateValue + "|" + r.StateReason
		}
		return out
	}
	s := states()
	if s["missing"] != "INSUFFICIENT_DATA|Unchecked: Initial alarm creation" ||
		s["breaching"] != "ALARM|Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]." ||
		s["notbreaching"] != "OK|Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]." ||
		s["ignore"] != "INSUFFICIENT_DATA|Unchecked: Initial alarm creation" {
		t.Fatalf("no data: %v", s)
	}
	// Percentile alarm with EvaluateLowSampleCountPercentile.
	var vals []float64
	for i := 1; i <= 100; i++ {
		vals = append(vals, float64(i))
	}
	if err := e.PutMetricData(ctx, "T/M", []Datum{{MetricName: "Lat", Values: vals, Timestamp: t0.Add(4*time.Minute + time.Second)}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, ext, low string }{{"p99", "p99", ""}, {"p99-low", "p99", "ignore"}, {"p90-low", "p90", "ignore"}} {
		if err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: c.name, Namespace: "T/M", MetricName: "Lat", ExtendedStatistic: c.ext, Period: i32(60),
			EvaluationPeriods: i32(1), Threshold: f64(95), ComparisonOperator: "GreaterThanThreshold", EvaluateLowSampleCountPercentile: c.low}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: "tm", Namespace: "T/M", MetricName: "Lat", ExtendedStatistic: "TM(10%:90%)", Period: i32(60),
		EvaluationPeriods: i32(1), Threshold: f64(50), ComparisonOperator: "GreaterThanThreshold"}); err != nil {
		t.Fatal(err)
	}
	e.EvaluateAlarms(ctx)
	s = states()
	// p99 of 1..100 is 99 > 95; with ignore, 100 samples are below the
	// 1000 needed for p99 (so the state is kept) but enough for p90 (100).
	if !strings.HasPrefix(s["p99"], "ALARM|Threshold Crossed: 1 datapoint [99.0") || !strings.HasPrefix(s["p99-low"], "INSUFFICIENT_DATA") ||
		!strings.HasPrefix(s["p90-low"], "OK|Threshold Crossed: 1 datapoint [90.0") || !strings.HasPrefix(s["tm"], "ALARM|Threshold Crossed: 1 datapoint [50.5") {
		t.Fatalf("percentiles: %v", s)
	}
}

// A metric-math alarm evaluates its ReturnData expression per period.
func TestMathAlarm(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0.Add(3*time.Minute + time.Second)}
	e, _ := newFakeClockEngine(t, ft, 1)
	for m := 0; m < 3; m++ {
		if err := e.PutMetricData(ctx, "T/E", []Datum{
			{MetricName: "Errors", Value: float64(m * 5), Timestamp: t0.Add(time.Duration(m) * time.Minute)},
			{MetricName: "Requests", Value: 100, Timestamp: t0.Add(time.Duration(m) * time.Minute)},
		}); err != nil {
			t.Fatal(err)
		}
	}
	q := func(id, name string) metricDataQuery {
		f := false
		return metricDataQuery{Id: id, ReturnData: &f, MetricStat: &metricStatShape{Metric: &metricShape{Namespace: "T/E", MetricName: name}, Period: i32(60), Stat: "Sum"}}
	}
	err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: "rate", EvaluationPeriods: i32(1), Threshold: f64(8), ComparisonOperator: "GreaterThanOrEqualToThreshold",
		Metrics: []metricDataQuery{q("e", "Errors"), q("r", "Requests"), {Id: "pct", Expression: "100 * e / r", Label: "Error %"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.EvaluateAlarms(ctx)
	a := e.getAlarm(ctx, "rate")
	if a.rec.StateValue != StateAlarm || !strings.Contains(a.rec.StateReason, "[10.0 (22/11/26 10:02:00)]") {
		t.Fatalf("math alarm: %s %s", a.rec.StateValue, a.rec.StateReason)
	}
}

// Composite alarms follow their children; ActionsSuppressor is honoured.
func TestCompositeEvaluation(t *testing.T) {
	e, _ := newTestEngine(t)
	pub := &pubRecorder{}
	e.SetPublisher(pub)
	changes, _ := subscribe(e)
	for _, n := range []string{"a", "b", "maint"} {
		if err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: n, Namespace: "T/C", MetricName: n, Statistic: "Sum", Period: i32(60),
			EvaluationPeriods: i32(1), Threshold: f64(1), ComparisonOperator: "GreaterThanThreshold"}); err != nil {
			t.Fatal(err)
		}
	}
	err := e.putCompositeAlarm(ctx, &putCompositeAlarmIn{AlarmName: "both", AlarmRule: `ALARM(a) AND NOT OK("b")`,
		AlarmActions: []string{"arn:aws:sns:us-east-1:123456789012:t"}, ActionsSuppressor: "maint"})
	if err != nil {
		t.Fatal(err)
	}
	state := func(n string) string { s, _ := e.AlarmState(ctx, n); return s }
	if state("both") != StateOK {
		t.Fatalf("initial composite %s", state("both"))
	}
	e.SetAlarmState(ctx, "maint", StateAlarm, "maintenance", "")
	e.SetAlarmState(ctx, "a", StateAlarm, "x", "")
	if state("both") != StateAlarm {
		t.Fatalf("composite %s", state("both"))
	}
	c := e.getAlarm(ctx, "both")
	if c.rec.ActionsSuppressedBy != "Alarm" {
		t.Fatalf("suppression %+v", c.rec)
	}
	e.SetAlarmState(ctx, "b", StateOK, "x", "")
	if state("both") != StateOK {
		t.Fatalf("composite after b OK %s", state("both"))
	}
	e.SetAlarmState(ctx, "maint", StateOK, "done", "")
	e.SetAlarmState(ctx, "b", StateAlarm, "x", "")
	if state("both") != StateAlarm {
		t.Fatalf("composite again %s", state("both"))
	}
	waitUntil(t, func() bool { m, _ := pub.get(); return len(m) == 1 })
	msgs, _ := pub.get()
	if !strings.Contains(msgs[0], `"AlarmRule":"ALARM(a) AND NOT OK(\"b\")"`) {
		t.Fatalf("composite notification %s", msgs[0])
	}
	waitUntil(t, func() bool {
		for _, ch := range changes() {
			if ch.name == "both" && ch.new == StateAlarm {
				return true
			}
		}
		return false
	})
	// A cycle is refused.
	if err := e.putCompositeAlarm(ctx, &putCompositeAlarmIn{AlarmName: "c2", AlarmRule: `ALARM(both)`}); err != nil {
		t.Fatal(err)
	}
	if err := e.putCompositeAlarm(ctx, &putCompositeAlarmIn{AlarmName: "both", AlarmRule: `ALARM(c2)`}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("cycle: %v", err)
	}
	if st, err := e.AlarmState(ctx, "nope"); err == nil || st != "" {
		t.Fatal("missing alarm has a state")
	}
}

// TestBeforeEvaluateFlushesIntoThePeriod: a publisher that buffers (the
// load balancer) sends what it holds when alarms are about to be
// evaluated, stamped inside the period that just ended, and the alarm
// decides on it at once rather than a period later.
func TestBeforeEvaluateFlushesIntoThePeriod(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0}
	e, _ := newFakeClockEngine(t, ft, 1)
	err := e.putMetricAlarm(ctx, &putMetricAlarmIn{AlarmName: "5xx", Namespace: "AWS/ApplicationELB", MetricName: "HTTPCode_Target_5XX_Count",
		Statistic: "Sum", Period: i32(60), EvaluationPeriods: i32(1), Threshold: f64(1), ComparisonOperator: "GreaterThanOrEqualToThreshold",
		TreatMissingData: "notBreaching"})
	if err != nil {
		t.Fatal(err)
	}
	var buffered float64
	calls := 0
	e.BeforeEvaluate(func(ctx context.Context) {
		calls++
		if buffered > 0 {
			if err := e.PutMetricData(ctx, "AWS/ApplicationELB", []Datum{{MetricName: "HTTPCode_Target_5XX_Count", Value: buffered,
				Unit: "Count", Timestamp: t0.Add(50 * time.Second)}}); err != nil {
				t.Error(err)
			}
			buffered = 0
		}
	})
	ft.Set(t0.Add(30 * time.Second))
	e.EvaluateAlarms(ctx)
	// Errors during the rest of the minute, still buffered when it ends.
	buffered = 7
	ft.Set(t0.Add(time.Minute + time.Millisecond))
	e.EvaluateAlarms(ctx)
	a := e.getAlarm(ctx, "5xx")
	e.amu.RLock()
	st, reason := a.rec.StateValue, a.rec.StateReason
	e.amu.RUnlock()
	if calls != 2 || st != StateAlarm || !strings.Contains(reason, "[7.0 (22/11/26 10:00:00)]") {
		t.Fatalf("after %d flushes: %s %s", calls, st, reason)
	}
}
