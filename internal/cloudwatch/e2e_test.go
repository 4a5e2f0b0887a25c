package cloudwatch_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/skiff-dev/skiff/internal/clock"
	cw "github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/sns"
	"github.com/skiff-dev/skiff/internal/store"
)

// End to end at time scale 0.05 (a 60-second period is 3 s): data above
// the threshold → the alarm goes to ALARM within the scaled period →
// OnAlarmStateChange fires → the alarm action publishes to SNS → an HTTP
// subscriber that confirmed its subscription receives the notification.
func TestEndToEndAlarmToSNS(t *testing.T) {
	clk := clock.Scaled(0.05)
	st := store.NewMemory()
	cwe, err := cw.New(st, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cwe.Close()
	snse := sns.New(st, nil)
	defer snse.Close()
	snse.SetClock(clk)
	cwe.SetPublisher(snse)
	mux := http.NewServeMux()
	srv := skifftest.Start(t, cwe.Service(), snse.Service())
	mux.Handle(sns.ConfirmPath, snse.HTTPHandler())
	mux.Handle("/", srv.Gateway)
	front := httptest.NewServer(mux) // skiff's single port: API + /_skiff/sns/
	defer front.Close()
	snse.SetEndpoint(func() string { return front.URL })
	cfg := srv.Config()
	cfg.BaseEndpoint = aws.String(front.URL)
	snsc := awssns.NewFromConfig(cfg)
	cwc := cloudwatch.NewFromConfig(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := cwe.Start(ctx); err != nil {
		t.Fatal(err)
	}

	// The HTTP subscriber confirms itself by visiting SubscribeURL.
	notes := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		switch r.Header.Get("x-amz-sns-message-type") {
		case "SubscriptionConfirmation":
			go func() {
				resp, err := http.Get(m["SubscribeURL"].(string))
				if err == nil {
					resp.Body.Close()
				}
			}()
		case "Notification":
			notes <- m
		}
	}))
	defer hook.Close()
	topic, err := snsc.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("alarms")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(bg, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"), Endpoint: aws.String(hook.URL)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		l, err := snsc.ListSubscriptionsByTopic(bg, &awssns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
		return err == nil && len(l.Subscriptions) == 1 && *l.Subscriptions[0].SubscriptionArn != "PendingConfirmation"
	})

	var mu sync.Mutex
	var transitions []string
	fired := make(chan time.Time, 10)
	cwe.OnAlarmStateChange(func(_ context.Context, a cw.AlarmInfo, old, new string) {
		mu.Lock()
		transitions = append(transitions, a.Name+":"+old+"->"+new)
		mu.Unlock()
		if new == "ALARM" {
			fired <- time.Now()
		}
	})
	_, err = cwc.PutMetricAlarm(bg, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("errors-high"), Namespace: aws.String("App/E2E"), MetricName: aws.String("Errors"), Statistic: types.StatisticSum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(5), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		AlarmActions: []string{*topic.TopicArn},
	})
	if err != nil {
		t.Fatal(err)
	}
	put := time.Now()
	if _, err := cwc.PutMetricData(bg, &cloudwatch.PutMetricDataInput{Namespace: aws.String("App/E2E"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("Errors"), Value: aws.Float64(12), Unit: types.StandardUnitCount}}}); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	select {
	case at = <-fired:
	case <-time.After(20 * time.Second):
		mu.Lock()
		t.Fatalf("no ALARM transition; transitions %v", transitions)
	}
	// The datum's 3-second window must close before it is evaluated; the
	// evaluator checks every 0.5 s. The slack is for a loaded machine: an
	// unscaled period would take 60 s.
	if d := at.Sub(put); d > 2*clk.Scale(60*time.Second)+5*time.Second {
		t.Fatalf("ALARM after %v", d)
	}
	t.Logf("ALARM %v after the datapoint", at.Sub(put).Round(time.Millisecond))
	var note map[string]any
	select {
	case note = <-notes:
	case <-time.After(10 * time.Second):
		t.Fatal("no SNS notification delivered")
	}
	if note["TopicArn"] != *topic.TopicArn || note["Subject"] != `ALARM: "errors-high" in US East (N. Virginia)` {
		t.Fatalf("notification %v", note)
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(note["Message"].(string)), &msg); err != nil {
		t.Fatal(err)
	}
	if msg["NewStateValue"] != "ALARM" || msg["OldStateValue"] != "INSUFFICIENT_DATA" || msg["AlarmName"] != "errors-high" {
		t.Fatalf("message %v", msg)
	}
	var h *cloudwatch.DescribeAlarmHistoryOutput
	waitFor(t, func() bool {
		h, err = cwc.DescribeAlarmHistory(bg, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("errors-high"), HistoryItemType: types.HistoryItemTypeAction})
		return err == nil && len(h.AlarmHistoryItems) > 0
	})
	if err != nil || len(h.AlarmHistoryItems) == 0 || *h.AlarmHistoryItems[len(h.AlarmHistoryItems)-1].HistorySummary != "Successfully executed action "+*topic.TopicArn {
		t.Fatalf("action history %+v %v", h, err)
	}
}
