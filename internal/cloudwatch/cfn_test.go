package cloudwatch

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func providerOf(e *Engine, typ string) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	panic("no provider " + typ)
}

func dims(kv ...string) []any {
	var out []any
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, map[string]any{"Name": kv[i], "Value": kv[i+1]})
	}
	return out
}

func TestAlarmProviderConformance(t *testing.T) {
	e, _ := newTestEngine(t)
	check := func(t *testing.T, c context.Context, id string, props map[string]any) {
		t.Helper()
		a := e.getAlarm(c, id)
		if a == nil {
			t.Fatalf("alarm %s missing", id)
		}
		if a.rec.ComparisonOperator != props["ComparisonOperator"] {
			t.Fatalf("operator %s, template %v", a.rec.ComparisonOperator, props["ComparisonOperator"])
		}
	}
	providertest.Run(t, providerOf(e, alarmType), providertest.Case{
		Create: map[string]any{"Namespace": "App/X", "MetricName": "Errors", "Statistic": "Sum", "Period": json.Number("60"),
			"EvaluationPeriods": json.Number("3"), "DatapointsToAlarm": "2", "Threshold": json.Number("5"), "ComparisonOperator": "GreaterThanThreshold",
			"Dimensions": dims("Service", "api"), "AlarmActions": []any{"arn:aws:sns:us-east-1:123456789012:ops"}, "TreatMissingData": "notBreaching",
			"AlarmDescription": "errors", "Tags": []any{map[string]any{"Key": "team", "Value": "web"}}},
		Update: map[string]any{"Namespace": "App/X", "MetricName": "Errors", "ExtendedStatistic": "p99", "Period": json.Number("300"),
			"EvaluationPeriods": json.Number("1"), "Threshold": "2.5", "ComparisonOperator": "LessThanThreshold", "ActionsEnabled": false,
			"Unit": "Count", "EvaluateLowSampleCountPercentile": "ignore"},
		Replace: map[string]any{"AlarmName": "explicit-name", "EvaluationPeriods": json.Number("2"), "Threshold": json.Number("10"),
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"Metrics": []any{
				map[string]any{"Id": "m1", "ReturnData": false, "MetricStat": map[string]any{"Stat": "Sum", "Period": json.Number("60"),
					"Metric": map[string]any{"Namespace": "App/X", "MetricName": "Errors", "Dimensions": dims("Service", "api")}}},
				map[string]any{"Id": "e1", "Expression": "m1 * 2", "Label": "double"},
			}},
		Check: check,
		Gone: func(t *testing.T, c context.Context, id string) {
			if e.getAlarm(c, id) != nil {
				t.Fatalf("alarm %s still exists", id)
			}
		},
	})
}

func TestCompositeProviderConformance(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, n := range []string{"child-a", "child-b"} {
		if err := e.putMetricAlarm(providertestCtx(), &putMetricAlarmIn{AlarmName: n, Namespace: "App/X", MetricName: n, Statistic: "Sum",
			Period: i32(60), EvaluationPeriods: i32(1), Threshold: f64(1), ComparisonOperator: "GreaterThanThreshold"}); err != nil {
			t.Fatal(err)
		}
	}
	providertest.Run(t, providerOf(e, compositeType), providertest.Case{
		Create: map[string]any{"AlarmRule": `ALARM("child-a") OR ALARM("child-b")`, "AlarmDescription": "either",
			"AlarmActions": []any{"arn:aws:sns:us-east-1:123456789012:ops"}},
		Update: map[string]any{"AlarmRule": `ALARM("child-a") AND NOT OK("child-b")`, "ActionsEnabled": false,
			"ActionsSuppressor": "child-b", "ActionsSuppressorWaitPeriod": json.Number("120"), "ActionsSuppressorExtensionPeriod": json.Number("60")},
		Replace: map[string]any{"AlarmName": "named-composite", "AlarmRule": "TRUE"},
		Gone: func(t *testing.T, c context.Context, id string) {
			if e.getAlarm(c, id) != nil {
				t.Fatalf("alarm %s still exists", id)
			}
		},
	})
}

func providertestCtx() context.Context { return ctx }

func TestAlarmProviderRules(t *testing.T) {
	e, _ := newTestEngine(t)
	p := providerOf(e, alarmType)
	stack := provider.StackInfo{Name: "web", AccountID: acct, Region: region, Tags: map[string]string{"stack": "s"}}
	req := &provider.Request{LogicalID: "HighErrors", Type: alarmType, Stack: stack, Suffix: "ABCDEF123456",
		Properties: map[string]any{"Namespace": "App/X", "MetricName": "Errors", "Statistic": "Sum", "Period": "60", "EvaluationPeriods": "1",
			"Threshold": "1", "ComparisonOperator": "GreaterThanThreshold"}}
	id, err := p.PhysicalID(req)
	if err != nil || id != "web-HighErrors-ABCDEF123456" {
		t.Fatalf("generated name %q %v", id, err)
	}
	res, err := p.Create(ctx, req)
	if err != nil || res.Attributes["Arn"] != "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-HighErrors-ABCDEF123456" {
		t.Fatalf("create %+v %v", res, err)
	}
	if tags, _ := e.ListTagsForResource(ctx, res.Attributes["Arn"].(string)); len(tags) != 1 || tags[0].Key != "stack" {
		t.Fatalf("stack tags %+v", tags)
	}
	if _, err := p.Create(ctx, req); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("create twice: %v", err)
	}
	bad := &provider.Request{LogicalID: "Bad", Stack: stack, Suffix: "X", Properties: map[string]any{"EvaluationPeriods": "x", "Bogus": 1}}
	_, err = p.PhysicalID(bad)
	if err == nil || !strings.Contains(err.Error(), "required key [ComparisonOperator] not found") || !strings.Contains(err.Error(), "extraneous key [Bogus]") {
		t.Fatalf("schema errors: %v", err)
	}
	bad.Properties = map[string]any{"EvaluationPeriods": "1", "ComparisonOperator": "GreaterThanThreshold", "Namespace": "N", "MetricName": "M", "Statistic": "Sum", "Period": "45", "Threshold": "1"}
	if _, err := p.PhysicalID(bad); err == nil || !strings.Contains(err.Error(), "Period must be") {
		t.Fatalf("period: %v", err)
	}
}
