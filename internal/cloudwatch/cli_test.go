package cloudwatch_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

// cliEnv is srv.Env() without empty AWS_PROFILE / AWS_SESSION_TOKEN, which
// the CLIs read as a profile or token named "".
func cliEnv(srv *skifftest.Server) []string {
	var env []string
	for _, kv := range srv.Env() {
		if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "AWS_SESSION_TOKEN=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

type cli struct {
	t    *testing.T
	path string
	srv  *skifftest.Server
	// endpointFlag passes --endpoint-url (AWS CLI v2.9 predates
	// AWS_ENDPOINT_URL).
	endpointFlag bool
}

func (c cli) run(args ...string) (map[string]any, string, error) {
	c.t.Helper()
	if c.endpointFlag {
		args = append([]string{"--endpoint-url", c.srv.URL}, args...)
	}
	cmd := exec.Command(c.path, append(args, "--output", "json")...)
	cmd.Env = cliEnv(c.srv)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, stderr.String(), err
	}
	var m map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &m); err != nil {
			c.t.Fatalf("%s %v: output is not JSON: %s", c.path, args, out)
		}
	}
	return m, stderr.String(), nil
}

func (c cli) must(args ...string) map[string]any {
	c.t.Helper()
	m, stderr, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("%s %v: %v\n%s", c.path, args, err, stderr)
	}
	return m
}

func exerciseCLI(t *testing.T, c cli) {
	now := time.Now().UTC()
	ts := now.Add(-90 * time.Second).Format(time.RFC3339)
	c.must("cloudwatch", "put-metric-data", "--namespace", "App/CLI", "--metric-data",
		`[{"MetricName":"Hits","Dimensions":[{"Name":"Service","Value":"api"}],"Value":5,"Unit":"Count","Timestamp":"`+ts+`"},`+
			`{"MetricName":"Hits","Dimensions":[{"Name":"Service","Value":"api"}],"Values":[1,2,3],"Counts":[1,1,2],"Unit":"Count","Timestamp":"`+ts+`"}]`)
	out := c.must("cloudwatch", "get-metric-statistics", "--namespace", "App/CLI", "--metric-name", "Hits", "--dimensions", "Name=Service,Value=api",
		"--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Add(time.Minute).Format(time.RFC3339),
		"--period", "3600", "--statistics", "Sum", "SampleCount", "Maximum")
	dps, _ := out["Datapoints"].([]any)
	if len(dps) != 1 {
		t.Fatalf("get-metric-statistics: %v", out)
	}
	dp := dps[0].(map[string]any)
	if dp["Sum"] != 14.0 || dp["SampleCount"] != 5.0 || dp["Maximum"] != 5.0 || dp["Unit"] != "Count" || out["Label"] != "Hits" {
		t.Fatalf("datapoint %v", dp)
	}
	c.must("cloudwatch", "put-metric-alarm", "--alarm-name", "cli-hits", "--metric-name", "Hits", "--namespace", "App/CLI", "--statistic", "Sum",
		"--period", "60", "--evaluation-periods", "2", "--datapoints-to-alarm", "1", "--threshold", "3", "--comparison-operator", "GreaterThanThreshold",
		"--dimensions", "Name=Service,Value=api", "--treat-missing-data", "notBreaching", "--alarm-actions", "arn:aws:sns:us-east-1:123456789012:ops")
	out = c.must("cloudwatch", "describe-alarms", "--alarm-names", "cli-hits")
	alarms, _ := out["MetricAlarms"].([]any)
	if len(alarms) != 1 {
		t.Fatalf("describe-alarms: %v", out)
	}
	a := alarms[0].(map[string]any)
	if a["AlarmName"] != "cli-hits" || a["Threshold"] != 3.0 || a["ComparisonOperator"] != "GreaterThanThreshold" || a["DatapointsToAlarm"] != 1.0 ||
		a["StateValue"] != "INSUFFICIENT_DATA" || a["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cli-hits" {
		t.Fatalf("alarm %v", a)
	}
	c.must("cloudwatch", "set-alarm-state", "--alarm-name", "cli-hits", "--state-value", "ALARM", "--state-reason", "testing from the CLI")
	out = c.must("cloudwatch", "describe-alarms", "--state-value", "ALARM")
	alarms, _ = out["MetricAlarms"].([]any)
	if len(alarms) != 1 || alarms[0].(map[string]any)["StateReason"] != "testing from the CLI" {
		t.Fatalf("after set-alarm-state: %v", out)
	}
	_, stderr, err := c.run("cloudwatch", "set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "x")
	if err == nil || !strings.Contains(stderr, "(ResourceNotFound) when calling the SetAlarmState operation") {
		t.Fatalf("missing alarm: %v %s", err, stderr)
	}
	out = c.must("cloudwatch", "get-metric-data", "--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Add(time.Minute).Format(time.RFC3339),
		"--metric-data-queries", `[{"Id":"h","MetricStat":{"Metric":{"Namespace":"App/CLI","MetricName":"Hits","Dimensions":[{"Name":"Service","Value":"api"}]},"Period":3600,"Stat":"Sum"},"ReturnData":false},{"Id":"d","Expression":"h * 2"}]`)
	res, _ := out["MetricDataResults"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["Values"].([]any)[0] != 28.0 {
		t.Fatalf("get-metric-data %v", out)
	}
}

// AWS CLI v1 (current botocore) speaks awsJson 1.0 to CloudWatch.
func TestCLIv1(t *testing.T) {
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not on PATH")
	}
	t.Parallel()
	_, srv, _ := startCW(t, nil)
	exerciseCLI(t, cli{t: t, path: path, srv: srv})
}

// Debian's AWS CLI v2.9 speaks awsQuery to CloudWatch.
func TestCLIv2Query(t *testing.T) {
	const path = "/usr/bin/aws"
	if _, err := os.Stat(path); err != nil {
		t.Skip("/usr/bin/aws (AWS CLI v2.9) not installed")
	}
	t.Parallel()
	_, srv, _ := startCW(t, nil)
	exerciseCLI(t, cli{t: t, path: path, srv: srv, endpointFlag: true})
}
