package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	bucketAlarms  = "cw.alarms"
	bucketHistory = "cw.history"

	typeMetric    = "MetricAlarm"
	typeComposite = "CompositeAlarm"

	historyRetention = 14 * 24 * time.Hour
)

// alarmRec is an alarm as stored.
type alarmRec struct {
	Name                             string            `json:"name"`
	Account                          string            `json:"account"`
	Region                           string            `json:"region"`
	Type                             string            `json:"type"`
	Description                      *string           `json:"description,omitempty"`
	ActionsEnabled                   bool              `json:"actionsEnabled"`
	OKActions                        []string          `json:"okActions,omitempty"`
	AlarmActions                     []string          `json:"alarmActions,omitempty"`
	InsufficientDataActions          []string          `json:"insufficientDataActions,omitempty"`
	MetricName                       string            `json:"metricName,omitempty"`
	Namespace                        string            `json:"namespace,omitempty"`
	Statistic                        string            `json:"statistic,omitempty"`
	ExtendedStatistic                string            `json:"extendedStatistic,omitempty"`
	Dimensions                       []Dimension       `json:"dimensions,omitempty"`
	Period                           int32             `json:"period,omitempty"`
	Unit                             string            `json:"unit,omitempty"`
	EvaluationPeriods                int32             `json:"evaluationPeriods,omitempty"`
	DatapointsToAlarm                int32             `json:"datapointsToAlarm,omitempty"`
	Threshold                        *float64          `json:"threshold,omitempty"`
	ComparisonOperator               string            `json:"comparisonOperator,omitempty"`
	TreatMissingData                 string            `json:"treatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile string            `json:"evaluateLowSampleCountPercentile,omitempty"`
	Metrics                          []metricDataQuery `json:"metrics,omitempty"`
	ThresholdMetricId                string            `json:"thresholdMetricId,omitempty"`
	AlarmRule                        string            `json:"alarmRule,omitempty"`
	ActionsSuppressor                string            `json:"actionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod      *int32            `json:"actionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod *int32            `json:"actionsSuppressorExtensionPeriod,omitempty"`
	Tags                             []Tag             `json:"tags,omitempty"`
	StateValue                       string            `json:"stateValue"`
	StateReason                      string            `json:"stateReason"`
	StateReasonData                  string            `json:"stateReasonData,omitempty"`
	StateUpdated                     time.Time         `json:"stateUpdated"`
	StateTransitioned                time.Time         `json:"stateTransitioned"`
	ConfigUpdated                    time.Time         `json:"configUpdated"`
	ActionsSuppressedBy              string            `json:"actionsSuppressedBy,omitempty"`
	ActionsSuppressedReason          string            `json:"actionsSuppressedReason,omitempty"`
}

func (r *alarmRec) arn() string {
	return awsctx.ARN("cloudwatch", r.Region, r.Account, "alarm:"+r.Name)
}

// alarm is an alarm in memory: its record plus what evaluation needs.
type alarm struct {
	rec      alarmRec
	stat     stat
	queries  []*mdq
	byID     map[string]*mdq
	rule     *ruleNode
	lastSlot int64 // last evaluated cadence slot
}

func alarmKey(acct, region, name string) string {
	return acct + "/" + region + "/" + url.PathEscape(name)
}

func (e *Engine) loadAlarms(ctx context.Context) error {
	return e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketAlarms, store.ScanOptions{}, func(k string, v []byte) error {
			var r alarmRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("alarm %s: %w", k, err)
			}
			a, err := compileAlarm(r)
			if err != nil {
				e.log.Error("alarm no longer compiles; it will not be evaluated", "alarm", r.Name, "err", err)
				a = &alarm{rec: r}
			}
			e.alarms[k] = a
			return nil
		})
	})
}

func compileAlarm(r alarmRec) (*alarm, error) {
	a := &alarm{rec: r}
	switch {
	case r.Type == typeComposite:
		rule, err := parseRule(r.AlarmRule)
		if err != nil {
			return nil, err
		}
		a.rule = rule
	case len(r.Metrics) > 0:
		qs, byID, err := parseQueries(r.Metrics, "Metrics")
		if err != nil {
			return nil, err
		}
		a.queries, a.byID = qs, byID
	default:
		name := r.Statistic
		if name == "" {
			name = r.ExtendedStatistic
		}
		st, ok := parseStat(name)
		if !ok {
			return nil, fmt.Errorf("invalid statistic %q", name)
		}
		a.stat = st
	}
	return a, nil
}

func (e *Engine) getAlarm(ctx context.Context, name string) *alarm {
	sc := awsctx.From(ctx)
	e.amu.RLock()
	defer e.amu.RUnlock()
	return e.alarms[alarmKey(sc.AccountID, sc.Region, name)]
}

// --- validation helpers ---

func validateAlarmName(name string) error {
	if len(name) < 1 || len(name) > 255 {
		return lengthErr(name, "alarmName", 1, 255)
	}
	for _, r := range name {
		if r > 0x7e || r < 0x20 {
			return validation("Alarm name must contain only ASCII characters.")
		}
	}
	return nil
}

func validateActions(member string, actions []string) error {
	if len(actions) > 5 {
		return validation("1 validation error detected: Value '[%s]' at '%s' failed to satisfy constraint: Member must have length less than or equal to 5", strings.Join(actions, ", "), strings.ToLower(member[:1])+member[1:])
	}
	for _, a := range actions {
		if _, ok := awsctx.ParseARN(a); !ok {
			return validation("Invalid arn syntax: %s", a)
		}
	}
	return nil
}

func validateTags(tags []Tag) error {
	if len(tags) > 50 {
		return invalidValue("The collection Tags must not have a size greater than 50.")
	}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 {
			return lengthErr(t.Key, "tags.member.key", 1, 128)
		}
		if len(t.Value) > 256 {
			return lengthErr(t.Value, "tags.member.value", 0, 256)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return invalidValue("Tag keys starting with 'aws:' are reserved for system use.")
		}
	}
	return nil
}

var comparisonOps = "GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold"

func validAlarmPeriod(p int64) bool {
	return p == 10 || p == 20 || p == 30 || (p >= 60 && p%60 == 0)
}

// --- PutMetricAlarm ---

func (e *Engine) opPutMetricAlarm(ctx context.Context, in *putMetricAlarmIn) (*emptyOut, error) {
	return &emptyOut{}, e.putMetricAlarm(ctx, in)
}

// alarmFromInput validates a PutMetricAlarm request into a record.
func alarmFromInput(in *putMetricAlarmIn) (alarmRec, error) {
	r := alarmRec{Name: in.AlarmName, Type: typeMetric, ActionsEnabled: true}
	if err := validateAlarmName(in.AlarmName); err != nil {
		return r, err
	}
	if in.AlarmDescription != nil && len(*in.AlarmDescription) > 1024 {
		return r, lengthErr(*in.AlarmDescription, "alarmDescription", 0, 1024)
	}
	for _, a := range []struct {
		m string
		v []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		if err := validateActions(a.m, a.v); err != nil {
			return r, err
		}
	}
	if !opTextOK(in.ComparisonOperator) {
		return r, enumErr(in.ComparisonOperator, "comparisonOperator", comparisonOps)
	}
	r.ComparisonOperator = in.ComparisonOperator
	if in.ThresholdMetricId != "" || strings.Contains(in.ComparisonOperator, "Lower") || strings.Contains(in.ComparisonOperator, "Upper") {
		return r, errUnsupportedAnomalyModel.New("Anomaly detection alarms (ThresholdMetricId, ANOMALY_DETECTION_BAND and the band comparison operators) are not supported by skiff; use a static Threshold.")
	}
	if len(in.EvaluationCriteria) > 0 {
		return r, validation("PromQL alarms (EvaluationCriteria) are not supported by skiff.")
	}
	if in.EvaluationPeriods == nil || *in.EvaluationPeriods < 1 {
		v := int64(0)
		if in.EvaluationPeriods != nil {
			v = int64(*in.EvaluationPeriods)
		}
		return r, rangeErr(v, "evaluationPeriods", 1)
	}
	r.EvaluationPeriods = *in.EvaluationPeriods
	if in.DatapointsToAlarm != nil {
		if *in.DatapointsToAlarm < 1 {
			return r, rangeErr(int64(*in.DatapointsToAlarm), "datapointsToAlarm", 1)
		}
		if *in.DatapointsToAlarm > *in.EvaluationPeriods {
			return r, validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
		}
		r.DatapointsToAlarm = *in.DatapointsToAlarm
	}
	if in.Threshold == nil {
		return r, validation("Threshold must be specified for an alarm with a static threshold.")
	}
	if !validValue(*in.Threshold) {
		return r, invalidValue("The value %s for parameter Threshold is invalid.", fmtFloat(*in.Threshold))
	}
	th := *in.Threshold
	r.Threshold = &th
	switch in.TreatMissingData {
	case "", "breaching", "notBreaching", "ignore", "missing":
	default:
		return r, validation("The value %s is not supported for TreatMissingData parameter. Supported values are [breaching, notBreaching, ignore, missing].", in.TreatMissingData)
	}
	r.TreatMissingData = in.TreatMissingData
	switch in.EvaluateLowSampleCountPercentile {
	case "", "evaluate", "ignore":
	default:
		return r, validation("Option %s is not supported. Supported options for parameter EvaluateLowSampleCountPercentile are evaluate and ignore.", in.EvaluateLowSampleCountPercentile)
	}
	r.EvaluateLowSampleCountPercentile = in.EvaluateLowSampleCountPercentile
	if in.Unit != "" && !validUnit(in.Unit) {
		return r, enumErr(in.Unit, "unit", unitEnumList)
	}
	r.Unit = in.Unit
	hasMetric := in.MetricName != "" || in.Namespace != "" || in.Statistic != "" || in.ExtendedStatistic != "" || len(in.Dimensions) > 0
	var periodSec int64
	if len(in.Metrics) > 0 {
		if hasMetric || in.Period != nil {
			return r, validation("The parameters Metrics and MetricName (with Namespace, Statistic, ExtendedStatistic, Dimensions, Period) are mutually exclusive.")
		}
		if len(in.Metrics) > 20 {
			return r, validation("The collection Metrics must not have a size greater than 20.")
		}
		qs, _, err := parseQueries(in.Metrics, "Metrics")
		if err != nil {
			return r, err
		}
		returns, stats, exprs := 0, 0, 0
		for _, x := range qs {
			if x.returns {
				returns++
			}
			if x.q.MetricStat != nil {
				stats++
				if periodSec == 0 {
					periodSec = x.period
				} else if x.period != periodSec {
					return r, validation("All metrics in a metric math alarm must use the same period.")
				}
			} else {
				exprs++
			}
		}
		if returns != 1 {
			return r, validation("Exactly one element of the metrics list should return data.")
		}
		if stats > 10 || exprs > 10 {
			return r, validation("An alarm can use at most 10 metrics and 10 expressions.")
		}
		for _, x := range qs {
			if x.expr != nil && x.period > 0 && periodSec == 0 {
				periodSec = x.period
			}
		}
		if periodSec == 0 {
			return r, validation("A metric math alarm needs a period: set Period on the expression or use MetricStat queries.")
		}
		r.Metrics = in.Metrics
	} else {
		if in.MetricName == "" {
			return r, validation("One of MetricName or Metrics must be specified.")
		}
		if in.Namespace == "" {
			return r, missing("Namespace")
		}
		if err := validateNamespace(in.Namespace); err != nil {
			return r, err
		}
		if err := validateDimensions(in.Dimensions, "Dimensions"); err != nil {
			return r, err
		}
		switch {
		case in.Statistic != "" && in.ExtendedStatistic != "":
			return r, ErrInvalidParameterCombo.New("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.")
		case in.Statistic != "":
			if _, ok := basicStats[in.Statistic]; !ok {
				return r, enumErr(in.Statistic, "statistic", "Maximum, SampleCount, Sum, Minimum, Average")
			}
		case in.ExtendedStatistic != "":
			if _, ok := parseExtended(in.ExtendedStatistic, false); !ok {
				return r, validation("The value %s for parameter ExtendedStatistic is not supported.", in.ExtendedStatistic)
			}
		default:
			return r, validation("Either Statistic or ExtendedStatistic must be specified.")
		}
		if in.Period == nil {
			return r, validation("Period must be specified for an alarm on a metric.")
		}
		periodSec = int64(*in.Period)
		if !validAlarmPeriod(periodSec) {
			return r, validation("Period must be 10, 20, 30 or a multiple of 60")
		}
		r.MetricName, r.Namespace, r.Statistic, r.ExtendedStatistic = in.MetricName, in.Namespace, in.Statistic, in.ExtendedStatistic
		r.Dimensions, r.Period = in.Dimensions, *in.Period
	}
	total := periodSec * int64(r.EvaluationPeriods)
	if periodSec < 3600 && total > 86400 {
		return r, validation("The evaluation period of an alarm with a period under one hour (Period * EvaluationPeriods) cannot exceed 86400 seconds (one day).")
	}
	if total > 604800 {
		return r, validation("The evaluation period of an alarm (Period * EvaluationPeriods) cannot exceed 604800 seconds (seven days).")
	}
	if in.ActionsEnabled != nil {
		r.ActionsEnabled = *in.ActionsEnabled
	}
	r.Description = in.AlarmDescription
	r.OKActions, r.AlarmActions, r.InsufficientDataActions = in.OKActions, in.AlarmActions, in.InsufficientDataActions
	return r, validateTags(in.Tags)
}

func opTextOK(op string) bool {
	switch op {
	case "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold":
		return true
	}
	_, ok := opText[op]
	return ok
}

// putMetricAlarm creates or replaces a metric alarm.
func (e *Engine) putMetricAlarm(ctx context.Context, in *putMetricAlarmIn) error {
	r, err := alarmFromInput(in)
	if err != nil {
		return err
	}
	sc := awsctx.From(ctx)
	r.Account, r.Region = sc.AccountID, sc.Region
	a, err := compileAlarm(r)
	if err != nil {
		return validation("%v", err)
	}
	return e.saveAlarm(ctx, a, in.Tags)
}

// saveAlarm creates or updates an alarm (config), keeping its state on
// update, and records the configuration change.
func (e *Engine) saveAlarm(ctx context.Context, a *alarm, tags []Tag) error {
	now := e.clk.Now()
	key := alarmKey(a.rec.Account, a.rec.Region, a.rec.Name)
	e.amu.Lock()
	old := e.alarms[key]
	if old != nil && old.rec.Type != a.rec.Type {
		e.amu.Unlock()
		if old.rec.Type == typeComposite {
			return validation("The alarm %s already exists as a composite alarm.", a.rec.Name)
		}
		return validation("The alarm %s already exists as a metric alarm.", a.rec.Name)
	}
	r := &a.rec
	r.ConfigUpdated = now
	var hist historyItem
	if old == nil {
		r.StateValue = StateInsufficientData
		r.StateReason = "Unchecked: Initial alarm creation"
		r.StateUpdated, r.StateTransitioned = now, now
		r.Tags = tags
		hist = e.configHistory(r, nil, "Create", now)
	} else {
		o := old.rec
		r.StateValue, r.StateReason, r.StateReasonData = o.StateValue, o.StateReason, o.StateReasonData
		r.StateUpdated, r.StateTransitioned = o.StateUpdated, o.StateTransitioned
		r.ActionsSuppressedBy, r.ActionsSuppressedReason = o.ActionsSuppressedBy, o.ActionsSuppressedReason
		r.Tags = o.Tags
		hist = e.configHistory(r, &o, "Update", now)
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put(bucketAlarms, key, r); err != nil {
			return err
		}
		return e.putHistory(tx, hist)
	})
	if err != nil {
		e.amu.Unlock()
		return err
	}
	e.alarms[key] = a
	e.amu.Unlock()
	if a.rule != nil {
		e.evaluateComposites(ctx, []*alarm{a})
	} else {
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// --- PutCompositeAlarm ---

func (e *Engine) opPutCompositeAlarm(ctx context.Context, in *putCompositeAlarmIn) (*emptyOut, error) {
	return &emptyOut{}, e.putCompositeAlarm(ctx, in)
}

// putCompositeAlarm creates or replaces a composite alarm.
func (e *Engine) putCompositeAlarm(ctx context.Context, in *putCompositeAlarmIn) error {
	if err := validateAlarmName(in.AlarmName); err != nil {
		return err
	}
	if len(in.AlarmRule) > 10240 {
		return lengthErr(in.AlarmRule, "alarmRule", 1, 10240)
	}
	for _, a := range []struct {
		m string
		v []string
	}{{"OKActions", in.OKActions}, {"AlarmActions", in.AlarmActions}, {"InsufficientDataActions", in.InsufficientDataActions}} {
		if err := validateActions(a.m, a.v); err != nil {
			return err
		}
	}
	if err := validateTags(in.Tags); err != nil {
		return err
	}
	rule, err := parseRule(in.AlarmRule)
	if err != nil {
		return validation("Error in alarm rule: %v", err)
	}
	sc := awsctx.From(ctx)
	refs := rule.refs(nil)
	if len(refs) > 100 {
		return validation("An alarm rule can reference at most 100 alarms.")
	}
	var missingRefs []string
	e.amu.RLock()
	for _, ref := range refs {
		name := refName(ref)
		if strings.HasPrefix(ref, "arn:") {
			if p, ok := awsctx.ParseARN(ref); !ok || p.Account != sc.AccountID || p.Region != sc.Region {
				missingRefs = append(missingRefs, ref)
				continue
			}
		}
		if name == in.AlarmName {
			e.amu.RUnlock()
			return validation("The alarm rule of %s cannot reference the alarm itself.", in.AlarmName)
		}
		if e.alarms[alarmKey(sc.AccountID, sc.Region, name)] == nil {
			missingRefs = append(missingRefs, name)
		}
	}
	cycle := e.createsCycle(sc.AccountID, sc.Region, in.AlarmName, refs)
	e.amu.RUnlock()
	if len(missingRefs) > 0 {
		return validation("Could not save the composite alarm as alarms [%s] in the alarm rule do not exist", strings.Join(missingRefs, ", "))
	}
	if cycle {
		return validation("The alarm rule of %s creates a cycle between composite alarms.", in.AlarmName)
	}
	if in.ActionsSuppressor != "" {
		if _, ok := awsctx.ParseARN(in.ActionsSuppressor); !ok {
			if e.getAlarm(ctx, in.ActionsSuppressor) == nil {
				return validation("Invalid arn syntax: %s", in.ActionsSuppressor)
			}
		}
	}
	r := alarmRec{Name: in.AlarmName, Type: typeComposite, Account: sc.AccountID, Region: sc.Region, ActionsEnabled: true,
		Description: in.AlarmDescription, AlarmRule: in.AlarmRule, OKActions: in.OKActions, AlarmActions: in.AlarmActions,
		InsufficientDataActions: in.InsufficientDataActions, ActionsSuppressor: in.ActionsSuppressor,
		ActionsSuppressorWaitPeriod: in.ActionsSuppressorWaitPeriod, ActionsSuppressorExtensionPeriod: in.ActionsSuppressorExtensionPeriod}
	if in.ActionsEnabled != nil {
		r.ActionsEnabled = *in.ActionsEnabled
	}
	if r.ActionsSuppressor != "" {
		if r.ActionsSuppressorWaitPeriod == nil {
			v := int32(60)
			r.ActionsSuppressorWaitPeriod = &v
		}
		if r.ActionsSuppressorExtensionPeriod == nil {
			v := int32(60)
			r.ActionsSuppressorExtensionPeriod = &v
		}
	}
	return e.saveAlarm(ctx, &alarm{rec: r, rule: rule}, in.Tags)
}

// createsCycle reports whether name's rule referencing refs would close a
// loop of composite alarms (amu held).
func (e *Engine) createsCycle(acct, region, name string, refs []string) bool {
	seen := map[string]bool{}
	var visit func(n string) bool
	visit = func(n string) bool {
		if n == name {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		a := e.alarms[alarmKey(acct, region, n)]
		if a == nil || a.rule == nil {
			return false
		}
		for _, r := range a.rule.refs(nil) {
			if visit(refName(r)) {
				return true
			}
		}
		return false
	}
	for _, r := range refs {
		if visit(refName(r)) {
			return true
		}
	}
	return false
}

// --- DescribeAlarms ---

func metricAlarmShape(r *alarmRec) metricAlarmOut {
	o := metricAlarmOut{
		AlarmName: r.Name, AlarmArn: r.arn(), AlarmDescription: r.Description, AlarmConfigurationUpdatedTimestamp: r.ConfigUpdated,
		ActionsEnabled: r.ActionsEnabled, OKActions: nonNil(r.OKActions), AlarmActions: nonNil(r.AlarmActions),
		InsufficientDataActions: nonNil(r.InsufficientDataActions), StateValue: r.StateValue, StateReason: r.StateReason,
		StateReasonData: r.StateReasonData, StateUpdatedTimestamp: r.StateUpdated, MetricName: r.MetricName, Namespace: r.Namespace,
		Statistic: r.Statistic, ExtendedStatistic: r.ExtendedStatistic, Dimensions: nonNilDims(r.Dimensions), Unit: r.Unit,
		EvaluationPeriods: r.EvaluationPeriods, Threshold: r.Threshold, ComparisonOperator: r.ComparisonOperator,
		TreatMissingData: r.TreatMissingData, EvaluateLowSampleCountPercentile: r.EvaluateLowSampleCountPercentile,
		Metrics: r.Metrics, ThresholdMetricId: r.ThresholdMetricId, StateTransitionedTimestamp: r.StateTransitioned,
	}
	if len(r.Metrics) > 0 {
		o.Dimensions = nil
	}
	if r.Period > 0 {
		p := r.Period
		o.Period = &p
	}
	if r.DatapointsToAlarm > 0 {
		d := r.DatapointsToAlarm
		o.DatapointsToAlarm = &d
	}
	return o
}

func compositeAlarmShape(r *alarmRec) compositeAlarmOut {
	return compositeAlarmOut{
		ActionsEnabled: r.ActionsEnabled, AlarmActions: nonNil(r.AlarmActions), AlarmArn: r.arn(), AlarmConfigurationUpdatedTimestamp: r.ConfigUpdated,
		AlarmDescription: r.Description, AlarmName: r.Name, AlarmRule: r.AlarmRule, InsufficientDataActions: nonNil(r.InsufficientDataActions),
		OKActions: nonNil(r.OKActions), StateReason: r.StateReason, StateReasonData: r.StateReasonData, StateUpdatedTimestamp: r.StateUpdated,
		StateValue: r.StateValue, StateTransitionedTimestamp: r.StateTransitioned, ActionsSuppressedBy: r.ActionsSuppressedBy,
		ActionsSuppressedReason: r.ActionsSuppressedReason, ActionsSuppressor: r.ActionsSuppressor,
		ActionsSuppressorWaitPeriod: r.ActionsSuppressorWaitPeriod, ActionsSuppressorExtensionPeriod: r.ActionsSuppressorExtensionPeriod,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilDims(d []Dimension) []Dimension {
	if d == nil {
		return []Dimension{}
	}
	return d
}

// snapshot returns copies of the records of the account and region's
// alarms, sorted by name.
func (e *Engine) snapshot(acct, region string) []alarmRec {
	prefix := acct + "/" + region + "/"
	e.amu.RLock()
	var out []alarmRec
	for k, a := range e.alarms {
		if strings.HasPrefix(k, prefix) {
			out = append(out, a.rec)
		}
	}
	e.amu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (e *Engine) opDescribeAlarms(ctx context.Context, in *describeAlarmsIn) (*describeAlarmsOut, error) {
	sc := awsctx.From(ctx)
	maxRecords := 50
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100", *in.MaxRecords)
		}
		maxRecords = int(*in.MaxRecords)
	}
	if len(in.AlarmNames) > 100 {
		return nil, validation("The collection AlarmNames must not have a size greater than 100.")
	}
	if len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "" {
		return nil, ErrInvalidParameterCombo.New("The parameters AlarmNames and AlarmNamePrefix are mutually exclusive and you have specified both.")
	}
	if in.StateValue != "" && in.StateValue != StateOK && in.StateValue != StateAlarm && in.StateValue != StateInsufficientData {
		return nil, enumErr(in.StateValue, "stateValue", "INSUFFICIENT_DATA, ALARM, OK")
	}
	types := map[string]bool{}
	for _, t := range in.AlarmTypes {
		if t != typeMetric && t != typeComposite {
			return nil, enumErr(t, "alarmTypes", "CompositeAlarm, MetricAlarm")
		}
		types[t] = true
	}
	if len(types) == 0 {
		types[typeMetric] = true
	}
	all := e.snapshot(sc.AccountID, sc.Region)
	byName := make(map[string]*alarmRec, len(all))
	for i := range all {
		byName[all[i].Name] = &all[i]
	}
	var sel []*alarmRec
	switch {
	case in.ChildrenOfAlarmName != "":
		parent := byName[in.ChildrenOfAlarmName]
		if parent != nil && parent.Type == typeComposite {
			if rule, err := parseRule(parent.AlarmRule); err == nil {
				seen := map[string]bool{}
				for _, ref := range rule.refs(nil) {
					n := refName(ref)
					if c := byName[n]; c != nil && !seen[n] {
						seen[n] = true
						sel = append(sel, c)
					}
				}
			}
		}
		sort.Slice(sel, func(i, j int) bool { return sel[i].Name < sel[j].Name })
		types = map[string]bool{typeMetric: true, typeComposite: true}
	case in.ParentsOfAlarmName != "":
		for i := range all {
			r := &all[i]
			if r.Type != typeComposite {
				continue
			}
			if rule, err := parseRule(r.AlarmRule); err == nil {
				for _, ref := range rule.refs(nil) {
					if refName(ref) == in.ParentsOfAlarmName {
						sel = append(sel, r)
						break
					}
				}
			}
		}
		types = map[string]bool{typeMetric: true, typeComposite: true}
	default:
		names := map[string]bool{}
		for _, n := range in.AlarmNames {
			names[n] = true
		}
		for i := range all {
			r := &all[i]
			if len(names) > 0 && !names[r.Name] {
				continue
			}
			if in.AlarmNamePrefix != "" && !strings.HasPrefix(r.Name, in.AlarmNamePrefix) {
				continue
			}
			if in.StateValue != "" && r.StateValue != in.StateValue {
				continue
			}
			if in.ActionPrefix != "" && !hasActionPrefix(r, in.ActionPrefix) {
				continue
			}
			sel = append(sel, r)
		}
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), "da:") {
			return nil, ErrInvalidNextToken.New("The service cannot complete the request because the NextToken is invalid.")
		}
		after = strings.TrimPrefix(string(b), "da:")
	}
	out := &describeAlarmsOut{CompositeAlarms: []compositeAlarmOut{}, MetricAlarms: []metricAlarmOut{}}
	n := 0
	for _, r := range sel {
		if !types[r.Type] {
			continue
		}
		if after != "" && r.Name <= after {
			continue
		}
		if n == maxRecords {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("da:" + out.lastName()))
			break
		}
		if r.Type == typeComposite {
			out.CompositeAlarms = append(out.CompositeAlarms, compositeAlarmShape(r))
		} else {
			out.MetricAlarms = append(out.MetricAlarms, metricAlarmShape(r))
		}
		n++
	}
	return out, nil
}

func (o *describeAlarmsOut) lastName() string {
	last := ""
	if n := len(o.MetricAlarms); n > 0 {
		last = o.MetricAlarms[n-1].AlarmName
	}
	if n := len(o.CompositeAlarms); n > 0 && o.CompositeAlarms[n-1].AlarmName > last {
		last = o.CompositeAlarms[n-1].AlarmName
	}
	return last
}

func hasActionPrefix(r *alarmRec, prefix string) bool {
	for _, l := range [][]string{r.OKActions, r.AlarmActions, r.InsufficientDataActions} {
		for _, a := range l {
			if strings.HasPrefix(a, prefix) {
				return true
			}
		}
	}
	return false
}

func (e *Engine) opDescribeAlarmsForMetric(ctx context.Context, in *describeAlarmsForMetricIn) (*describeAlarmsForMetricOut, error) {
	sc := awsctx.From(ctx)
	want := metricKey("", "", in.Namespace, in.MetricName, sortedDims(in.Dimensions))
	out := &describeAlarmsForMetricOut{MetricAlarms: []metricAlarmOut{}}
	for _, r := range e.snapshot(sc.AccountID, sc.Region) {
		if r.Type != typeMetric || len(r.Metrics) > 0 {
			continue
		}
		if metricKey("", "", r.Namespace, r.MetricName, sortedDims(r.Dimensions)) != want {
			continue
		}
		if in.Statistic != "" && r.Statistic != in.Statistic {
			continue
		}
		if in.ExtendedStatistic != "" && r.ExtendedStatistic != in.ExtendedStatistic {
			continue
		}
		if in.Period != nil && r.Period != *in.Period {
			continue
		}
		if in.Unit != "" && r.Unit != in.Unit {
			continue
		}
		r := r
		out.MetricAlarms = append(out.MetricAlarms, metricAlarmShape(&r))
	}
	return out, nil
}

// --- DeleteAlarms, Enable/DisableAlarmActions ---

func (e *Engine) opDeleteAlarms(ctx context.Context, in *alarmNamesIn) (*emptyOut, error) {
	return &emptyOut{}, e.DeleteAlarms(ctx, in.AlarmNames)
}

// DeleteAlarms deletes alarms; if any is missing none is deleted.
func (e *Engine) DeleteAlarms(ctx context.Context, names []string) error {
	if len(names) > 100 {
		return validation("The collection AlarmNames must not have a size greater than 100.")
	}
	sc := awsctx.From(ctx)
	now := e.clk.Now()
	e.amu.Lock()
	var missingNames []string
	var dels []*alarm
	for _, n := range names {
		a := e.alarms[alarmKey(sc.AccountID, sc.Region, n)]
		if a == nil {
			missingNames = append(missingNames, n)
			continue
		}
		dels = append(dels, a)
	}
	if len(missingNames) > 0 {
		e.amu.Unlock()
		return ErrResourceNotFound.New("The following alarms were not found: [%s]", strings.Join(missingNames, ", "))
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		for _, a := range dels {
			if err := tx.Delete(bucketAlarms, alarmKey(a.rec.Account, a.rec.Region, a.rec.Name)); err != nil {
				return err
			}
			if err := e.putHistory(tx, e.configHistory(nil, &a.rec, "Delete", now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, a := range dels {
			delete(e.alarms, alarmKey(a.rec.Account, a.rec.Region, a.rec.Name))
		}
	}
	e.amu.Unlock()
	return err
}

func (e *Engine) opEnableAlarmActions(ctx context.Context, in *alarmNamesIn) (*emptyOut, error) {
	return &emptyOut{}, e.setActionsEnabled(ctx, in.AlarmNames, true)
}

func (e *Engine) opDisableAlarmActions(ctx context.Context, in *alarmNamesIn) (*emptyOut, error) {
	return &emptyOut{}, e.setActionsEnabled(ctx, in.AlarmNames, false)
}

func (e *Engine) setActionsEnabled(ctx context.Context, names []string, on bool) error {
	if len(names) > 100 {
		return validation("The collection AlarmNames must not have a size greater than 100.")
	}
	sc := awsctx.From(ctx)
	e.amu.Lock()
	defer e.amu.Unlock()
	return e.st.Update(ctx, func(tx store.Tx) error {
		for _, n := range names {
			k := alarmKey(sc.AccountID, sc.Region, n)
			a := e.alarms[k]
			if a == nil || a.rec.ActionsEnabled == on {
				continue
			}
			a.rec.ActionsEnabled = on
			if err := tx.Put(bucketAlarms, k, &a.rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// --- SetAlarmState ---

func (e *Engine) opSetAlarmState(ctx context.Context, in *setAlarmStateIn) (*emptyOut, error) {
	return &emptyOut{}, e.SetAlarmState(ctx, in.AlarmName, in.StateValue, in.StateReason, in.StateReasonData)
}

// SetAlarmState sets an alarm's state until its next evaluation, running
// the actions of the new state.
func (e *Engine) SetAlarmState(ctx context.Context, name, state, reason, reasonData string) error {
	if state != StateOK && state != StateAlarm && state != StateInsufficientData {
		return enumErr(state, "stateValue", "INSUFFICIENT_DATA, ALARM, OK")
	}
	if len(reason) > 1023 {
		return lengthErr(reason, "stateReason", 0, 1023)
	}
	if reasonData != "" {
		if len(reasonData) > 4000 {
			return lengthErr(reasonData, "stateReasonData", 0, 4000)
		}
		var v any
		if err := json.Unmarshal([]byte(reasonData), &v); err != nil {
			return ErrInvalidFormat.New("Unable to parse the StateReasonData as JSON: %v", err)
		}
	}
	a := e.getAlarm(ctx, name)
	if a == nil {
		return ErrResourceNotFound.New("")
	}
	e.transition(ctx, []transition{{a: a, state: state, reason: reason, reasonData: reasonData, force: true}})
	return nil
}

// --- tags ---

func (e *Engine) alarmByARN(ctx context.Context, arn string) (*alarm, error) {
	p, ok := awsctx.ParseARN(arn)
	if !ok {
		return nil, invalidValue("The value %s for parameter ResourceARN is invalid.", arn)
	}
	sc := awsctx.From(ctx)
	if p.Service != "cloudwatch" || !strings.HasPrefix(p.Resource, "alarm:") || p.Account != sc.AccountID || p.Region != sc.Region {
		return nil, nil
	}
	e.amu.RLock()
	defer e.amu.RUnlock()
	return e.alarms[alarmKey(p.Account, p.Region, strings.TrimPrefix(p.Resource, "alarm:"))], nil
}

func resourceNotFound(arn string) error {
	return (&apierr.Error{Code: ErrResourceNotFoundExc, Message: "Resource not found: " + arn}).
		With("ResourceType", "Alarm").With("ResourceId", arn)
}

func (e *Engine) opTagResource(ctx context.Context, in *tagResourceIn) (*emptyOut, error) {
	return &emptyOut{}, e.TagResource(ctx, in.ResourceARN, in.Tags)
}

// TagResource adds or overwrites tags of an alarm.
func (e *Engine) TagResource(ctx context.Context, arn string, tags []Tag) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	a, err := e.alarmByARN(ctx, arn)
	if err != nil {
		return err
	}
	if a == nil {
		return resourceNotFound(arn)
	}
	return e.updateTags(ctx, a, func(cur map[string]string) {
		for _, t := range tags {
			cur[t.Key] = t.Value
		}
	})
}

func (e *Engine) opUntagResource(ctx context.Context, in *untagResourceIn) (*emptyOut, error) {
	return &emptyOut{}, e.UntagResource(ctx, in.ResourceARN, in.TagKeys)
}

// UntagResource removes tags of an alarm.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	a, err := e.alarmByARN(ctx, arn)
	if err != nil {
		return err
	}
	if a == nil {
		return resourceNotFound(arn)
	}
	return e.updateTags(ctx, a, func(cur map[string]string) {
		for _, k := range keys {
			delete(cur, k)
		}
	})
}

func (e *Engine) updateTags(ctx context.Context, a *alarm, fn func(map[string]string)) error {
	e.amu.Lock()
	defer e.amu.Unlock()
	cur := map[string]string{}
	for _, t := range a.rec.Tags {
		cur[t.Key] = t.Value
	}
	fn(cur)
	if len(cur) > 50 {
		return ErrLimitExceeded.New("The maximum number of tags for a resource (50) has been exceeded.")
	}
	tags := make([]Tag, 0, len(cur))
	for k, v := range cur {
		tags = append(tags, Tag{k, v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	rec := a.rec
	rec.Tags = tags
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		return tx.Put(bucketAlarms, alarmKey(rec.Account, rec.Region, rec.Name), &rec)
	}); err != nil {
		return err
	}
	a.rec.Tags = tags
	return nil
}

func (e *Engine) opListTagsForResource(ctx context.Context, in *listTagsIn) (*listTagsOut, error) {
	tags, err := e.ListTagsForResource(ctx, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	return &listTagsOut{Tags: tags}, nil
}

// ListTagsForResource returns an alarm's tags (none for an unknown alarm,
// as CloudWatch answers).
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) ([]Tag, error) {
	a, err := e.alarmByARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	out := []Tag{}
	if a != nil {
		e.amu.RLock()
		out = append(out, a.rec.Tags...)
		e.amu.RUnlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// --- transitions ---

type transition struct {
	a          *alarm
	state      string
	reason     string
	reasonData string
	force      bool // SetAlarmState: record even without a state change
	trigger    *alarm
}

type firedChange struct {
	rec      alarmRec
	oldState string
	oldRec   alarmRec
}

// transition applies state changes, records them, then notifies
// subscribers, runs actions and re-evaluates composite parents.
func (e *Engine) transition(ctx context.Context, ts []transition) {
	if len(ts) == 0 {
		return
	}
	now := e.clk.Now()
	e.amu.Lock()
	var fired []firedChange
	var hist []historyItem
	var changed []*alarm
	type undo struct {
		a   *alarm
		rec alarmRec
	}
	var undos []undo
	for _, t := range ts {
		a := t.a
		key := alarmKey(a.rec.Account, a.rec.Region, a.rec.Name)
		if e.alarms[key] != a {
			continue // deleted or replaced meanwhile
		}
		old := a.rec
		if old.StateValue == t.state && !t.force {
			continue
		}
		undos = append(undos, undo{a, old})
		a.rec.StateValue, a.rec.StateReason, a.rec.StateReasonData = t.state, t.reason, t.reasonData
		a.rec.StateUpdated = now
		if old.StateValue != t.state {
			a.rec.StateTransitioned = now
		}
		if a.rec.Type == typeComposite {
			a.rec.ActionsSuppressedBy, a.rec.ActionsSuppressedReason = "", ""
			if a.rec.ActionsSuppressor != "" {
				if s := e.alarms[alarmKey(a.rec.Account, a.rec.Region, refName(a.rec.ActionsSuppressor))]; s != nil && s.rec.StateValue == StateAlarm {
					a.rec.ActionsSuppressedBy = "Alarm"
					a.rec.ActionsSuppressedReason = "Alarm " + s.rec.Name + " is in ALARM state"
				}
			}
		}
		fired = append(fired, firedChange{rec: a.rec, oldState: old.StateValue, oldRec: old})
		if old.StateValue != t.state {
			hist = append(hist, stateHistory(&old, &a.rec, now))
			changed = append(changed, a)
		}
	}
	if len(fired) == 0 {
		e.amu.Unlock()
		return
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		for _, f := range fired {
			if err := tx.Put(bucketAlarms, alarmKey(f.rec.Account, f.rec.Region, f.rec.Name), &f.rec); err != nil {
				return err
			}
		}
		for _, h := range hist {
			if err := e.putHistory(tx, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, u := range undos {
			u.a.rec = u.rec
		}
		e.amu.Unlock()
		e.log.Error("record alarm state change", "err", err)
		return
	}
	e.amu.Unlock()
	for _, f := range fired {
		f := f
		if f.oldState == f.rec.StateValue {
			continue // SetAlarmState to the current state: reason updated, no actions
		}
		info := AlarmInfo{Name: f.rec.Name, ARN: f.rec.arn(), AccountID: f.rec.Account, Region: f.rec.Region, Type: f.rec.Type,
			Reason: f.rec.StateReason, ReasonData: f.rec.StateReasonData, Timestamp: f.rec.StateUpdated}
		e.subMu.RLock()
		subs := append([]func(context.Context, AlarmInfo, string, string){}, e.subs...)
		e.subMu.RUnlock()
		if len(subs) > 0 {
			sctx := awsctx.With(context.Background(), awsctx.Scope{AccountID: f.rec.Account, Region: f.rec.Region})
			e.notes.push(func() {
				for _, fn := range subs {
					func() {
						defer func() {
							if r := recover(); r != nil {
								e.log.Error("alarm state subscriber panicked", "alarm", info.Name, "panic", r)
							}
						}()
						fn(sctx, info, f.oldState, f.rec.StateValue)
					}()
				}
			})
		}
		if f.rec.ActionsEnabled && f.rec.ActionsSuppressedBy == "" {
			e.acts.push(func() { e.runActions(f) })
		}
	}
	e.evaluateComposites(ctx, changed)
}

// evaluateComposites re-evaluates the composite alarms affected by the
// changed alarms (or the changed composites themselves when new).
func (e *Engine) evaluateComposites(ctx context.Context, changed []*alarm) {
	var ts []transition
	e.amu.RLock()
	for _, c := range changed {
		acct, region := c.rec.Account, c.rec.Region
		prefix := acct + "/" + region + "/"
		targets := map[*alarm]*alarm{}
		if c.rule != nil {
			targets[c] = nil
		}
		for k, p := range e.alarms {
			if p.rule == nil || !strings.HasPrefix(k, prefix) {
				continue
			}
			for _, ref := range p.rule.refs(nil) {
				if refName(ref) == c.rec.Name {
					targets[p] = c
					break
				}
			}
		}
		for p, trig := range targets {
			if t, ok := e.compositeState(p, trig); ok {
				ts = append(ts, t)
			}
		}
	}
	e.amu.RUnlock()
	e.transition(ctx, ts)
}

// compositeState computes a composite alarm's state (amu held).
func (e *Engine) compositeState(p *alarm, trig *alarm) (transition, bool) {
	acct, region := p.rec.Account, p.rec.Region
	stateOf := func(ref string) string {
		if a := e.alarms[alarmKey(acct, region, refName(ref))]; a != nil {
			return a.rec.StateValue
		}
		return StateInsufficientData
	}
	state := StateOK
	if p.rule.eval(stateOf) {
		state = StateAlarm
	}
	if state == p.rec.StateValue {
		return transition{}, false
	}
	if trig == nil || trig == p {
		// Initial evaluation: the first child whose state matters.
		for _, ref := range p.rule.refs(nil) {
			if a := e.alarms[alarmKey(acct, region, refName(ref))]; a != nil {
				trig = a
				if a.rec.StateValue == StateAlarm {
					break
				}
			}
		}
	}
	t := transition{a: p, state: state}
	if trig != nil && trig != p {
		ts := trig.rec.StateTransitioned
		t.reason = trig.rec.arn() + " transitioned to " + trig.rec.StateValue + " at " + ts.UTC().Format("Monday 02 January, 2006 15:04:05 UTC")
		t.reasonData = newOrdered().raw("triggeringAlarms", "["+newOrdered().str("arn", trig.rec.arn()).
			raw("state", newOrdered().str("value", trig.rec.StateValue).str("timestamp", awsDate(ts)).String()).String()+"]").String()
		t.trigger = trig
	} else {
		t.reason = "Alarm rule evaluated to " + strings.ToUpper(strconv.FormatBool(state == StateAlarm))
	}
	return t, true
}

// --- evaluation scheduling ---

// periodOf returns an alarm's period in seconds.
func (a *alarm) periodOf() int64 {
	if a.rec.Period > 0 {
		return int64(a.rec.Period)
	}
	p := int64(0)
	for _, x := range a.queries {
		if x.period > 0 && (p == 0 || x.period < p) {
			p = x.period
		}
	}
	if p == 0 {
		p = 60
	}
	return p
}

// cadence is how often an alarm is evaluated (scaled ms): every period
// for high-resolution alarms, every minute otherwise.
func (e *Engine) cadence(a *alarm) int64 {
	p := a.periodOf()
	if p > 60 {
		p = 60
	}
	c := e.clk.Scale(time.Duration(p) * time.Second).Milliseconds()
	if c < 1 {
		c = 1
	}
	return c
}

func (e *Engine) evaluator(ctx context.Context) {
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.evalStop:
			return
		case <-prune.C:
			if err := e.pruneHistory(ctx); err != nil {
				e.log.Error("prune alarm history", "err", err)
			}
			continue
		case <-timer.C:
		case <-e.kick:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		e.evaluateDue(ctx)
		timer.Reset(e.nextDue())
	}
}

// nextDue is how long until the next alarm's cadence boundary (at most a
// second, so new alarms and clock changes are picked up).
func (e *Engine) nextDue() time.Duration {
	now := e.clk.Now().UnixMilli()
	wait := int64(1000)
	e.amu.RLock()
	for _, a := range e.alarms {
		if a.rec.Type != typeMetric {
			continue
		}
		c := e.cadence(a)
		if d := (now/c+1)*c - now; d < wait {
			wait = d
		}
	}
	e.amu.RUnlock()
	if wait < 1 {
		wait = 1
	}
	return time.Duration(wait) * time.Millisecond
}

// EvaluateAlarms evaluates every metric alarm now (the evaluator does this
// on each cadence boundary; tests and benchmarks call it directly).
func (e *Engine) EvaluateAlarms(ctx context.Context) int {
	return e.evaluate(ctx, true)
}

func (e *Engine) evaluateDue(ctx context.Context) { e.evaluate(ctx, false) }

func (e *Engine) evaluate(ctx context.Context, all bool) int {
	now := e.clk.Now()
	nowMs := now.UnixMilli()
	e.amu.RLock()
	var due []*alarm
	for _, a := range e.alarms {
		if a.rec.Type != typeMetric || (a.stat.name == "" && a.queries == nil) {
			continue
		}
		slot := nowMs / e.cadence(a)
		if all || slot > a.lastSlot {
			due = append(due, a)
		}
	}
	e.amu.RUnlock()
	if len(due) == 0 {
		return 0
	}
	e.hookMu.Lock()
	hooks := e.beforeEval
	e.hookMu.Unlock()
	for _, f := range hooks {
		f(ctx)
	}
	results := make([]*transition, len(due))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < e.evalWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t, err := e.evaluateMetricAlarm(ctx, due[i], now)
				if err != nil {
					e.log.Error("evaluate alarm", "alarm", due[i].rec.Name, "err", err)
					continue
				}
				results[i] = t
			}
		}()
	}
	for i := range due {
		next <- i
	}
	close(next)
	wg.Wait()
	var ts []transition
	e.amu.Lock()
	for i, a := range due {
		a.lastSlot = nowMs / e.cadence(a)
		if results[i] != nil {
			ts = append(ts, *results[i])
		}
	}
	e.amu.Unlock()
	e.transition(ctx, ts)
	return len(due)
}

// evaluateMetricAlarm computes the state a metric alarm should be in now;
// nil means no change.
func (e *Engine) evaluateMetricAlarm(ctx context.Context, a *alarm, now time.Time) (*transition, error) {
	e.amu.RLock()
	rec := a.rec
	e.amu.RUnlock()
	sctx := awsctx.With(ctx, awsctx.Scope{AccountID: rec.Account, Region: rec.Region})
	period := a.periodOf()
	w := e.clk.Scale(time.Duration(period) * time.Second).Milliseconds()
	if w < 1 {
		w = 1
	}
	c := e.cadence(a)
	end := (now.UnixMilli() / c) * c
	n := int(rec.EvaluationPeriods)
	r := n + 2
	start := end - int64(r)*w
	points := make([]point, r)
	for i := range points {
		points[i].t = start + int64(i)*w
	}
	thr := 0.0
	if rec.Threshold != nil {
		thr = *rec.Threshold
	}
	if len(a.queries) == 0 {
		m := e.db.metricByKey(metricKey(rec.Account, rec.Region, rec.Namespace, rec.MetricName, sortedDims(rec.Dimensions)))
		if m != nil {
			dist := a.stat.kind >= statPercentile
			byUnit, err := e.collect(sctx, m, rec.Unit, start, w, r, false, dist)
			if err != nil {
				return nil, err
			}
			for i, ag := range byUnit[""] {
				if ag == nil || ag.n <= 0 {
					continue
				}
				v, ok := a.stat.value(ag)
				if !ok {
					continue
				}
				points[i].v, points[i].n, points[i].ok = v, ag.n, true
				if a.stat.kind == statPercentile && ag.n < lowSampleThreshold(a.stat.p) {
					points[i].low = true
				}
			}
		}
	} else {
		qe := &queryEval{e: e, ctx: sctx, qs: a.queries, byID: a.byID, start: start, end: end, scale: e.clk.Factor(),
			cache: map[string]mval{}, messages: map[string][]messageData{}}
		var ret *mdq
		for _, x := range a.queries {
			if x.returns {
				ret = x
			}
		}
		v, err := qe.value(ret.q.Id)
		if err != nil {
			return nil, err
		}
		if v.k == kSeries {
			for i, t := range v.ser.ts {
				idx := (t - start) / w
				if idx >= 0 && idx < int64(r) && (t-start)%w == 0 {
					points[idx].v, points[idx].ok = v.ser.vs[i], true
				}
			}
		}
	}
	for i := range points {
		if points[i].ok {
			points[i].breach = breaches(rec.ComparisonOperator, points[i].v, thr)
		}
	}
	m := n
	if rec.DatapointsToAlarm > 0 {
		m = int(rec.DatapointsToAlarm)
	}
	tmd := rec.TreatMissingData
	if tmd == "" {
		tmd = "missing"
	}
	if rec.Namespace == "AWS/DynamoDB" {
		tmd = "ignore" // documented: DynamoDB alarms always ignore missing data
	}
	d := decide(points, n, m, tmd)
	if rec.EvaluateLowSampleCountPercentile == "ignore" {
		for _, p := range d.evaluated {
			if p.low {
				return nil, nil
			}
		}
	}
	if d.state == "" || d.state == rec.StateValue {
		return nil, nil
	}
	t := &transition{a: a, state: d.state, reason: reasonText(&rec, d, rec.StateValue)}
	t.reasonData = reasonData(&rec, d, now, period)
	return t, nil
}

// --- actions ---

func (e *Engine) runActions(f firedChange) {
	var actions []string
	switch f.rec.StateValue {
	case StateAlarm:
		actions = f.rec.AlarmActions
	case StateOK:
		actions = f.rec.OKActions
	case StateInsufficientData:
		actions = f.rec.InsufficientDataActions
	}
	if len(actions) == 0 {
		return
	}
	ctx := awsctx.With(context.Background(), awsctx.Scope{AccountID: f.rec.Account, Region: f.rec.Region})
	subject := f.rec.StateValue + `: "` + f.rec.Name + `" in ` + regionName(f.rec.Region)
	if len(subject) > 100 {
		subject = subject[:100]
	}
	message := notification(&f.rec, f.oldState)
	var hist []historyItem
	for _, act := range actions {
		now := e.clk.Now()
		p, _ := awsctx.ParseARN(act)
		var err error
		switch {
		case p.Service == "sns":
			box := e.pub.Load()
			if box == nil || box.p == nil {
				err = errors.New("SNS is not available")
				break
			}
			_, err = box.p.Publish(ctx, act, subject, message)
		default:
			err = fmt.Errorf("skiff does not execute %s actions locally; only SNS topic actions run", p.Service)
		}
		hist = append(hist, actionHistory(&f.rec, act, message, err, now))
		if err != nil {
			e.log.Warn("alarm action failed", "alarm", f.rec.Name, "action", act, "err", err)
		}
	}
	if err := e.st.Update(ctx, func(tx store.Tx) error {
		for _, h := range hist {
			if err := e.putHistory(tx, h); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		e.log.Error("record alarm action history", "err", err)
	}
}

// notification is the JSON message CloudWatch publishes to SNS.
func notification(r *alarmRec, oldState string) string {
	o := newOrdered().str("AlarmName", r.Name)
	if r.Description != nil {
		o.str("AlarmDescription", *r.Description)
	} else {
		o.raw("AlarmDescription", "null")
	}
	o.str("AWSAccountId", r.Account).
		str("AlarmConfigurationUpdatedTimestamp", awsDate(r.ConfigUpdated)).
		str("NewStateValue", r.StateValue).
		str("NewStateReason", r.StateReason).
		str("StateChangeTime", awsDate(r.StateUpdated)).
		str("Region", regionName(r.Region)).
		str("AlarmArn", r.arn()).
		str("OldStateValue", oldState)
	if r.Type == typeComposite {
		o.str("AlarmRule", r.AlarmRule)
	}
	o.raw("OKActions", strList(nonNil(r.OKActions))).
		raw("AlarmActions", strList(nonNil(r.AlarmActions))).
		raw("InsufficientDataActions", strList(nonNil(r.InsufficientDataActions)))
	if r.Type == typeComposite {
		return o.String()
	}
	t := newOrdered()
	if len(r.Metrics) > 0 {
		t.raw("Metrics", jsonString(r.Metrics))
	} else {
		t.str("MetricName", r.MetricName).str("Namespace", r.Namespace)
		if r.Statistic != "" {
			t.str("StatisticType", "Statistic").str("Statistic", upperSnake(r.Statistic))
		} else {
			t.str("StatisticType", "ExtendedStatistic").str("ExtendedStatistic", r.ExtendedStatistic)
		}
		if r.Unit != "" {
			t.str("Unit", r.Unit)
		} else {
			t.raw("Unit", "null")
		}
		var dims []string
		for _, d := range r.Dimensions {
			dims = append(dims, newOrdered().str("value", d.Value).str("name", d.Name).String())
		}
		t.raw("Dimensions", "["+strings.Join(dims, ",")+"]")
		t.int("Period", int64(r.Period))
	}
	t.int("EvaluationPeriods", int64(r.EvaluationPeriods))
	if r.DatapointsToAlarm > 0 {
		t.int("DatapointsToAlarm", int64(r.DatapointsToAlarm))
	}
	t.str("ComparisonOperator", r.ComparisonOperator)
	if r.Threshold != nil {
		t.num("Threshold", *r.Threshold)
	}
	tmd := r.TreatMissingData
	if tmd == "" {
		tmd = "missing"
	}
	t.str("TreatMissingData", tmd).str("EvaluateLowSampleCountPercentile", r.EvaluateLowSampleCountPercentile)
	o.raw("Trigger", t.String())
	return o.String()
}

// upperSnake turns SampleCount into SAMPLE_COUNT, as notifications show.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
