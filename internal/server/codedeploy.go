package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/elbv2"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/runtime"
	"github.com/skiff-dev/skiff/internal/s3"
)

// Adapters from skiff's engines to CodeDeploy's dependency interfaces.

type cdBalancer struct{ e *elbv2.Engine }

func toELBTargets(ts []codedeploy.Target) []elbv2.Target {
	out := make([]elbv2.Target, len(ts))
	for i, t := range ts {
		out[i] = elbv2.Target{ID: t.ID, Port: t.Port}
	}
	return out
}

func (a cdBalancer) RegisterTargets(ctx context.Context, tg string, ts []codedeploy.Target) error {
	return a.e.RegisterTargets(ctx, tg, toELBTargets(ts))
}

func (a cdBalancer) DeregisterTargets(ctx context.Context, tg string, ts []codedeploy.Target) error {
	return a.e.DeregisterTargets(ctx, tg, toELBTargets(ts))
}

func (a cdBalancer) WaitDrained(ctx context.Context, tg string, ts []codedeploy.Target) error {
	return a.e.WaitDrained(ctx, tg, toELBTargets(ts))
}

func (a cdBalancer) WaitHealthy(ctx context.Context, tg string, ts []codedeploy.Target) error {
	return a.e.WaitHealthy(ctx, tg, toELBTargets(ts))
}

func (a cdBalancer) TargetHealth(ctx context.Context, tg string) ([]codedeploy.TargetHealth, error) {
	hs, err := a.e.TargetHealth(ctx, tg)
	out := make([]codedeploy.TargetHealth, len(hs))
	for i, h := range hs {
		out[i] = codedeploy.TargetHealth{Target: codedeploy.Target{ID: h.Target.ID, Port: h.Target.Port}, State: h.State, Reason: h.Reason}
	}
	return out, err
}

func (a cdBalancer) SetForwardWeights(ctx context.Context, arn string, w map[string]int) error {
	return a.e.SetForwardWeights(ctx, arn, w)
}

func (a cdBalancer) ForwardWeights(ctx context.Context, arn string) (map[string]int, error) {
	return a.e.ForwardWeights(ctx, arn)
}

// TargetGroupARN resolves a target group name (loadBalancerInfo names
// them so); an ARN passes through.
func (a cdBalancer) TargetGroupARN(ctx context.Context, name string) (string, error) {
	if strings.HasPrefix(name, "arn:") {
		return name, nil
	}
	vs, err := a.e.DescribeTargetGroups(ctx, "", nil, []string{name})
	if err != nil {
		return "", err
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("target group %s not found", name)
	}
	return vs[0].ARN, nil
}

func (a cdBalancer) TargetType(ctx context.Context, arn string) (string, error) {
	vs, err := a.e.DescribeTargetGroups(ctx, "", []string{arn}, nil)
	if err != nil {
		return "", err
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("target group %s not found", arn)
	}
	return vs[0].TargetType, nil
}

type cdAlarms struct{ cw *cloudwatch.Engine }

func (a cdAlarms) AlarmState(ctx context.Context, name string) (string, error) {
	return a.cw.AlarmState(ctx, name)
}

func (a cdAlarms) OnAlarmStateChange(fn func(ctx context.Context, name, oldState, newState string)) {
	a.cw.OnAlarmStateChange(func(ctx context.Context, al cloudwatch.AlarmInfo, old, new string) {
		ctx = awsctx.With(ctx, awsctx.Scope{AccountID: al.AccountID, Region: al.Region})
		fn(ctx, al.Name, old, new)
	})
}

type cdObjects struct{ e *s3.Engine }

func (a cdObjects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, string, error) {
	r, info, err := a.e.GetObject(ctx, bucket, key, version)
	if err != nil {
		if strings.Contains(err.Error(), "NoSuchKey") || strings.Contains(err.Error(), "NoSuchBucket") || strings.Contains(err.Error(), "NoSuchVersion") {
			return nil, "", fmt.Errorf("%w: s3://%s/%s: %v", codedeploy.ErrObjectNotFound, bucket, key, err)
		}
		return nil, "", err
	}
	return r, info.ETag, nil
}

// instLogs ships instance output to CloudWatch Logs.
type instLogs struct{ e *logs.Engine }

func (a instLogs) EnsureGroup(ctx context.Context, group string) error {
	return a.e.EnsureGroup(ctx, group)
}

func (a instLogs) EnsureStream(ctx context.Context, group, stream string) error {
	return a.e.EnsureStream(ctx, group, stream)
}

func (a instLogs) Append(ctx context.Context, group, stream string, events []runtime.LogEvent) error {
	out := make([]logs.Event, len(events))
	for i, ev := range events {
		out[i] = logs.Event{Timestamp: ev.Timestamp, Message: ev.Message}
	}
	err := a.e.Append(ctx, group, stream, out)
	if err != nil && strings.Contains(err.Error(), "ResourceNotFound") {
		if err := errors.Join(a.e.EnsureGroup(ctx, group), a.e.EnsureStream(ctx, group, stream)); err != nil {
			return err
		}
		err = a.e.Append(ctx, group, stream, out)
	}
	return err
}

// instMetrics publishes instance resource samples to CloudWatch.
type instMetrics struct{ cw *cloudwatch.Engine }

func (a instMetrics) PutMetricData(ctx context.Context, namespace string, data []runtime.Datum) error {
	out := make([]cloudwatch.Datum, len(data))
	for i, d := range data {
		c := cloudwatch.Datum{MetricName: d.MetricName, Timestamp: d.Timestamp, Value: d.Value, Unit: d.Unit}
		for _, dim := range d.Dimensions {
			c.Dimensions = append(c.Dimensions, cloudwatch.Dimension{Name: dim.Name, Value: dim.Value})
		}
		out[i] = c
	}
	return a.cw.PutMetricData(ctx, namespace, out)
}
