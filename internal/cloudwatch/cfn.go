package cloudwatch

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::CloudWatch::Alarm and AWS::CloudWatch::CompositeAlarm.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&alarmProvider{e: e}, &compositeProvider{e: e}}
}

const (
	alarmType     = "AWS::CloudWatch::Alarm"
	compositeType = "AWS::CloudWatch::CompositeAlarm"
)

// The registry schema of AWS::CloudWatch::Alarm: AlarmName is create-only
// and generated when absent; Ref is the name; Arn is the only attribute.
var alarmSchema = &provider.Schema{
	Properties: []string{"ActionsEnabled", "AlarmActions", "AlarmDescription", "AlarmName", "ComparisonOperator", "DatapointsToAlarm",
		"Dimensions", "EvaluateLowSampleCountPercentile", "EvaluationPeriods", "ExtendedStatistic", "InsufficientDataActions",
		"MetricName", "Metrics", "Namespace", "OKActions", "Period", "Statistic", "Tags", "Threshold", "ThresholdMetricId",
		"TreatMissingData", "Unit"},
	Required:   []string{"ComparisonOperator", "EvaluationPeriods"},
	CreateOnly: []string{"AlarmName"},
	Attributes: []string{"Arn"},
	WriteOnly:  []string{"Tags"},
	Unordered:  []string{"Dimensions"},
}

var compositeSchema = &provider.Schema{
	Properties: []string{"ActionsEnabled", "ActionsSuppressor", "ActionsSuppressorExtensionPeriod", "ActionsSuppressorWaitPeriod",
		"AlarmActions", "AlarmDescription", "AlarmName", "AlarmRule", "InsufficientDataActions", "OKActions", "Tags"},
	Required:   []string{"AlarmRule"},
	CreateOnly: []string{"AlarmName"},
	Attributes: []string{"Arn"},
	WriteOnly:  []string{"Tags"},
}

func scopeOf(ctx context.Context, req *provider.Request) context.Context {
	if awsctx.From(ctx).AccountID != "" {
		return ctx
	}
	return awsctx.With(ctx, awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region})
}

// mergeTags puts the stack's tags under the resource's own (which win).
func mergeTags(stack, own map[string]string) []Tag {
	m := map[string]string{}
	for k, v := range stack {
		m[k] = v
	}
	for k, v := range own {
		m[k] = v
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func int32Ptr(p *provider.Props, k string) *int32 {
	if !p.Has(k) {
		return nil
	}
	v := int32(p.Int(k, 0))
	return &v
}

func strPtr(p *provider.Props, k string) *string {
	if !p.Has(k) {
		return nil
	}
	v := p.String(k)
	return &v
}

func dimsProp(p *provider.Props, k string) []Dimension {
	var out []Dimension
	for i, x := range p.List(k) {
		m, ok := x.(map[string]any)
		if !ok {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "expected type: JSONObject, found: %T", x)
			continue
		}
		sub := provider.Read(m, &provider.Schema{Properties: []string{"Name", "Value"}, Required: []string{"Name", "Value"}})
		d := Dimension{Name: sub.String("Name"), Value: sub.String("Value")}
		if err := sub.Err(); err != nil {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "%v", err)
			continue
		}
		out = append(out, d)
	}
	return out
}

func metricsProp(p *provider.Props, k string) []metricDataQuery {
	var out []metricDataQuery
	for i, x := range p.List(k) {
		path := fmt.Sprintf("%s/%d", k, i)
		m, ok := x.(map[string]any)
		if !ok {
			p.Fail(path, "expected type: JSONObject, found: %T", x)
			continue
		}
		q := provider.Read(m, &provider.Schema{Properties: []string{"AccountId", "Expression", "Id", "Label", "MetricStat", "Period", "ReturnData"}, Required: []string{"Id"}})
		mq := metricDataQuery{Id: q.String("Id"), Expression: q.String("Expression"), Label: q.String("Label"), AccountId: q.String("AccountId"), Period: int32Ptr(q, "Period")}
		if q.Has("ReturnData") {
			b := q.Bool("ReturnData", true)
			mq.ReturnData = &b
		}
		if ms := q.Map("MetricStat"); ms != nil {
			s := provider.Read(ms, &provider.Schema{Properties: []string{"Metric", "Period", "Stat", "Unit"}, Required: []string{"Metric", "Period", "Stat"}})
			st := &metricStatShape{Stat: s.String("Stat"), Unit: s.String("Unit"), Period: int32Ptr(s, "Period")}
			if mm := s.Map("Metric"); mm != nil {
				mt := provider.Read(mm, &provider.Schema{Properties: []string{"Dimensions", "MetricName", "Namespace"}})
				st.Metric = &metricShape{MetricName: mt.String("MetricName"), Namespace: mt.String("Namespace"), Dimensions: dimsProp(mt, "Dimensions")}
				if err := mt.Err(); err != nil {
					p.Fail(path+"/MetricStat/Metric", "%v", err)
				}
			}
			if err := s.Err(); err != nil {
				p.Fail(path+"/MetricStat", "%v", err)
			}
			mq.MetricStat = st
		}
		if err := q.Err(); err != nil {
			p.Fail(path, "%v", err)
		}
		out = append(out, mq)
	}
	return out
}

// --- AWS::CloudWatch::Alarm ---

type alarmProvider struct{ e *Engine }

func (p *alarmProvider) Type() string             { return alarmType }
func (p *alarmProvider) Schema() *provider.Schema { return alarmSchema }

func (p *alarmProvider) input(req *provider.Request) (*putMetricAlarmIn, map[string]string, error) {
	props := provider.Read(req.Properties, alarmSchema)
	in := &putMetricAlarmIn{
		AlarmName: props.String("AlarmName"), AlarmDescription: strPtr(props, "AlarmDescription"),
		OKActions: props.StringList("OKActions"), AlarmActions: props.StringList("AlarmActions"),
		InsufficientDataActions: props.StringList("InsufficientDataActions"), MetricName: props.String("MetricName"),
		Namespace: props.String("Namespace"), Statistic: props.String("Statistic"), ExtendedStatistic: props.String("ExtendedStatistic"),
		Dimensions: dimsProp(props, "Dimensions"), Period: int32Ptr(props, "Period"), Unit: props.String("Unit"),
		EvaluationPeriods: int32Ptr(props, "EvaluationPeriods"), DatapointsToAlarm: int32Ptr(props, "DatapointsToAlarm"),
		ComparisonOperator: props.String("ComparisonOperator"), TreatMissingData: props.String("TreatMissingData"),
		EvaluateLowSampleCountPercentile: props.String("EvaluateLowSampleCountPercentile"), Metrics: metricsProp(props, "Metrics"),
		ThresholdMetricId: props.String("ThresholdMetricId"),
	}
	if props.Has("ActionsEnabled") {
		b := props.Bool("ActionsEnabled", true)
		in.ActionsEnabled = &b
	}
	if props.Has("Threshold") {
		s := props.String("Threshold")
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			props.Fail("Threshold", "expected type: Number, found: String")
		}
		in.Threshold = &f
	}
	tags := props.Tags("Tags")
	if err := props.Err(); err != nil {
		return nil, nil, err
	}
	if in.AlarmName == "" {
		in.AlarmName = provider.Name(req, 255, false)
	}
	return in, tags, nil
}

func (p *alarmProvider) PhysicalID(req *provider.Request) (string, error) {
	in, _, err := p.input(req)
	if err != nil {
		return "", err
	}
	if _, err := alarmFromInput(in); err != nil {
		return "", err
	}
	return in.AlarmName, nil
}

func (p *alarmProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	in, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	if p.e.getAlarm(ctx, in.AlarmName) != nil {
		return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", alarmType, in.AlarmName)
	}
	in.Tags = mergeTags(req.Stack.Tags, tags)
	if err := p.e.putMetricAlarm(ctx, in); err != nil {
		return nil, err
	}
	return p.result(ctx, in.AlarmName)
}

func (p *alarmProvider) result(ctx context.Context, name string) (*provider.Result, error) {
	a := p.e.getAlarm(ctx, name)
	if a == nil || a.rec.Type != typeMetric {
		return nil, provider.NotFound(alarmType, name)
	}
	p.e.amu.RLock()
	r := a.rec
	p.e.amu.RUnlock()
	props := map[string]any{
		"AlarmName": r.Name, "ActionsEnabled": r.ActionsEnabled, "ComparisonOperator": r.ComparisonOperator,
		"EvaluationPeriods": int64(r.EvaluationPeriods),
	}
	set := func(k string, v string) {
		if v != "" {
			props[k] = v
		}
	}
	list := func(k string, v []string) {
		if len(v) > 0 {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			props[k] = l
		}
	}
	if r.Description != nil {
		props["AlarmDescription"] = *r.Description
	}
	list("OKActions", r.OKActions)
	list("AlarmActions", r.AlarmActions)
	list("InsufficientDataActions", r.InsufficientDataActions)
	set("MetricName", r.MetricName)
	set("Namespace", r.Namespace)
	set("Statistic", r.Statistic)
	set("ExtendedStatistic", r.ExtendedStatistic)
	set("Unit", r.Unit)
	set("TreatMissingData", r.TreatMissingData)
	set("EvaluateLowSampleCountPercentile", r.EvaluateLowSampleCountPercentile)
	set("ThresholdMetricId", r.ThresholdMetricId)
	if len(r.Dimensions) > 0 {
		props["Dimensions"] = dimsOut(r.Dimensions)
	}
	if r.Period > 0 {
		props["Period"] = int64(r.Period)
	}
	if r.DatapointsToAlarm > 0 {
		props["DatapointsToAlarm"] = int64(r.DatapointsToAlarm)
	}
	if r.Threshold != nil {
		props["Threshold"] = *r.Threshold
	}
	if len(r.Metrics) > 0 {
		var ms []any
		for _, q := range r.Metrics {
			m := map[string]any{"Id": q.Id}
			if q.Expression != "" {
				m["Expression"] = q.Expression
			}
			if q.Label != "" {
				m["Label"] = q.Label
			}
			if q.ReturnData != nil {
				m["ReturnData"] = *q.ReturnData
			}
			if q.Period != nil {
				m["Period"] = int64(*q.Period)
			}
			if q.AccountId != "" {
				m["AccountId"] = q.AccountId
			}
			if q.MetricStat != nil {
				st := map[string]any{"Stat": q.MetricStat.Stat}
				if q.MetricStat.Period != nil {
					st["Period"] = int64(*q.MetricStat.Period)
				}
				if q.MetricStat.Unit != "" {
					st["Unit"] = q.MetricStat.Unit
				}
				if q.MetricStat.Metric != nil {
					mt := map[string]any{}
					if q.MetricStat.Metric.MetricName != "" {
						mt["MetricName"] = q.MetricStat.Metric.MetricName
					}
					if q.MetricStat.Metric.Namespace != "" {
						mt["Namespace"] = q.MetricStat.Metric.Namespace
					}
					if len(q.MetricStat.Metric.Dimensions) > 0 {
						mt["Dimensions"] = dimsOut(q.MetricStat.Metric.Dimensions)
					}
					st["Metric"] = mt
				}
				m["MetricStat"] = st
			}
			ms = append(ms, m)
		}
		props["Metrics"] = ms
	}
	if len(r.Tags) > 0 {
		props["Tags"] = tagsOut(r.Tags)
	}
	return &provider.Result{PhysicalID: r.Name, Attributes: map[string]any{"Arn": r.arn()}, Properties: props}, nil
}

func dimsOut(ds []Dimension) []any {
	out := make([]any, len(ds))
	for i, d := range ds {
		out[i] = map[string]any{"Name": d.Name, "Value": d.Value}
	}
	return out
}

func tagsOut(ts []Tag) []any {
	m := map[string]string{}
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return provider.TagList(m)
}

func (p *alarmProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(scopeOf(ctx, req), req.PhysicalID)
}

func (p *alarmProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	in, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	in.AlarmName = req.PhysicalID
	if p.e.getAlarm(ctx, in.AlarmName) == nil {
		return nil, provider.NotFound(alarmType, in.AlarmName)
	}
	if err := p.e.putMetricAlarm(ctx, in); err != nil {
		return nil, err
	}
	if err := p.e.syncTags(ctx, in.AlarmName, mergeTags(req.Stack.Tags, tags)); err != nil {
		return nil, err
	}
	return p.result(ctx, in.AlarmName)
}

func (p *alarmProvider) Delete(ctx context.Context, req *provider.Request) error {
	return p.e.deleteAlarmResource(ctx, req)
}

// deleteAlarmResource deletes a metric or composite alarm of a stack; one
// already gone is deleted.
func (e *Engine) deleteAlarmResource(ctx context.Context, req *provider.Request) error {
	ctx = scopeOf(ctx, req)
	if e.getAlarm(ctx, req.PhysicalID) == nil {
		return nil
	}
	err := e.DeleteAlarms(ctx, []string{req.PhysicalID})
	if ErrResourceNotFound.Is(err) {
		return nil
	}
	return err
}

// syncTags makes an alarm's tags exactly want.
func (e *Engine) syncTags(ctx context.Context, name string, want []Tag) error {
	a := e.getAlarm(ctx, name)
	if a == nil {
		return nil
	}
	return e.updateTags(ctx, a, func(cur map[string]string) {
		for k := range cur {
			delete(cur, k)
		}
		for _, t := range want {
			cur[t.Key] = t.Value
		}
	})
}

// --- AWS::CloudWatch::CompositeAlarm ---

type compositeProvider struct{ e *Engine }

func (p *compositeProvider) Type() string             { return compositeType }
func (p *compositeProvider) Schema() *provider.Schema { return compositeSchema }

func (p *compositeProvider) input(req *provider.Request) (*putCompositeAlarmIn, map[string]string, error) {
	props := provider.Read(req.Properties, compositeSchema)
	in := &putCompositeAlarmIn{
		AlarmName: props.String("AlarmName"), AlarmRule: props.String("AlarmRule"), AlarmDescription: strPtr(props, "AlarmDescription"),
		OKActions: props.StringList("OKActions"), AlarmActions: props.StringList("AlarmActions"),
		InsufficientDataActions: props.StringList("InsufficientDataActions"), ActionsSuppressor: props.String("ActionsSuppressor"),
		ActionsSuppressorWaitPeriod: int32Ptr(props, "ActionsSuppressorWaitPeriod"), ActionsSuppressorExtensionPeriod: int32Ptr(props, "ActionsSuppressorExtensionPeriod"),
	}
	if props.Has("ActionsEnabled") {
		b := props.Bool("ActionsEnabled", true)
		in.ActionsEnabled = &b
	}
	tags := props.Tags("Tags")
	if err := props.Err(); err != nil {
		return nil, nil, err
	}
	if in.AlarmName == "" {
		in.AlarmName = provider.Name(req, 255, false)
	}
	if _, err := parseRule(in.AlarmRule); err != nil {
		return nil, nil, validation("Error in alarm rule: %v", err)
	}
	return in, tags, nil
}

func (p *compositeProvider) PhysicalID(req *provider.Request) (string, error) {
	in, _, err := p.input(req)
	if err != nil {
		return "", err
	}
	if err := validateAlarmName(in.AlarmName); err != nil {
		return "", err
	}
	return in.AlarmName, nil
}

func (p *compositeProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	in, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	if p.e.getAlarm(ctx, in.AlarmName) != nil {
		return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", compositeType, in.AlarmName)
	}
	in.Tags = mergeTags(req.Stack.Tags, tags)
	if err := p.e.putCompositeAlarm(ctx, in); err != nil {
		return nil, err
	}
	return p.result(ctx, in.AlarmName)
}

func (p *compositeProvider) result(ctx context.Context, name string) (*provider.Result, error) {
	a := p.e.getAlarm(ctx, name)
	if a == nil || a.rec.Type != typeComposite {
		return nil, provider.NotFound(compositeType, name)
	}
	p.e.amu.RLock()
	r := a.rec
	p.e.amu.RUnlock()
	props := map[string]any{"AlarmName": r.Name, "AlarmRule": r.AlarmRule, "ActionsEnabled": r.ActionsEnabled}
	if r.Description != nil {
		props["AlarmDescription"] = *r.Description
	}
	for k, v := range map[string][]string{"OKActions": r.OKActions, "AlarmActions": r.AlarmActions, "InsufficientDataActions": r.InsufficientDataActions} {
		if len(v) > 0 {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			props[k] = l
		}
	}
	if r.ActionsSuppressor != "" {
		props["ActionsSuppressor"] = r.ActionsSuppressor
		if r.ActionsSuppressorWaitPeriod != nil {
			props["ActionsSuppressorWaitPeriod"] = int64(*r.ActionsSuppressorWaitPeriod)
		}
		if r.ActionsSuppressorExtensionPeriod != nil {
			props["ActionsSuppressorExtensionPeriod"] = int64(*r.ActionsSuppressorExtensionPeriod)
		}
	}
	if len(r.Tags) > 0 {
		props["Tags"] = tagsOut(r.Tags)
	}
	return &provider.Result{PhysicalID: r.Name, Attributes: map[string]any{"Arn": r.arn()}, Properties: props}, nil
}

func (p *compositeProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(scopeOf(ctx, req), req.PhysicalID)
}

func (p *compositeProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	in, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	in.AlarmName = req.PhysicalID
	if p.e.getAlarm(ctx, in.AlarmName) == nil {
		return nil, provider.NotFound(compositeType, in.AlarmName)
	}
	if err := p.e.putCompositeAlarm(ctx, in); err != nil {
		return nil, err
	}
	if err := p.e.syncTags(ctx, in.AlarmName, mergeTags(req.Stack.Tags, tags)); err != nil {
		return nil, err
	}
	return p.result(ctx, in.AlarmName)
}

func (p *compositeProvider) Delete(ctx context.Context, req *provider.Request) error {
	return p.e.deleteAlarmResource(ctx, req)
}
