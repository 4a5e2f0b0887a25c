package cloudwatch

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Alarm history, kept two weeks as CloudWatch does. Keys are
// <account>/<region>/<escaped alarm name>/<time>/<seq>.

type historyItem struct {
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	AlarmName string    `json:"alarmName"`
	AlarmType string    `json:"alarmType"`
	Timestamp time.Time `json:"timestamp"`
	Type      string    `json:"type"`
	Summary   string    `json:"summary"`
	Data      string    `json:"data"`
}

func (e *Engine) putHistory(tx store.Tx, h historyItem) error {
	seq := e.histSeq.Add(1)
	k := fmt.Sprintf("%s/%s/%s/%016x/%08x", h.Account, h.Region, url.PathEscape(h.AlarmName), uint64(h.Timestamp.UnixMilli()), seq&0xffffffff)
	return tx.Put(bucketHistory, k, h)
}

// alarmConfigJSON renders an alarm's configuration for history data.
func alarmConfigJSON(r *alarmRec) string {
	o := newOrdered()
	if r.Description != nil {
		o.str("alarmDescription", *r.Description)
	}
	o.str("alarmName", r.Name)
	if r.Type == typeComposite {
		o.str("alarmRule", r.AlarmRule)
	} else {
		if r.MetricName != "" {
			o.str("metricName", r.MetricName).str("namespace", r.Namespace)
		}
		if r.Statistic != "" {
			o.str("statistic", upperSnake(r.Statistic))
		}
		if r.ExtendedStatistic != "" {
			o.str("extendedStatistic", r.ExtendedStatistic)
		}
		if len(r.Dimensions) > 0 {
			var dims []string
			for _, d := range r.Dimensions {
				dims = append(dims, newOrdered().str("name", d.Name).str("value", d.Value).String())
			}
			o.raw("dimensions", "["+strings.Join(dims, ",")+"]")
		}
		if len(r.Metrics) > 0 {
			o.raw("metrics", jsonString(r.Metrics))
		}
		if r.Period > 0 {
			o.int("period", int64(r.Period))
		}
		if r.Unit != "" {
			o.str("unit", r.Unit)
		}
		o.int("evaluationPeriods", int64(r.EvaluationPeriods))
		if r.DatapointsToAlarm > 0 {
			o.int("datapointsToAlarm", int64(r.DatapointsToAlarm))
		}
		if r.Threshold != nil {
			o.num("threshold", *r.Threshold)
		}
		o.str("comparisonOperator", r.ComparisonOperator)
		if r.TreatMissingData != "" {
			o.str("treatMissingData", r.TreatMissingData)
		}
		if r.EvaluateLowSampleCountPercentile != "" {
			o.str("evaluateLowSampleCountPercentile", r.EvaluateLowSampleCountPercentile)
		}
	}
	o.bool("actionsEnabled", r.ActionsEnabled).
		raw("okActions", strList(nonNil(r.OKActions))).
		raw("alarmActions", strList(nonNil(r.AlarmActions))).
		raw("insufficientDataActions", strList(nonNil(r.InsufficientDataActions)))
	return o.String()
}

// configHistory records a Create, Update (old is the previous config) or
// Delete (cur is nil, old the deleted alarm).
func (e *Engine) configHistory(cur, old *alarmRec, kind string, now time.Time) historyItem {
	r := cur
	if r == nil {
		r = old
	}
	h := historyItem{Account: r.Account, Region: r.Region, AlarmName: r.Name, AlarmType: r.Type, Timestamp: now, Type: "ConfigurationUpdate"}
	o := newOrdered().str("version", "1.0").str("type", kind)
	switch kind {
	case "Create":
		h.Summary = `Alarm "` + r.Name + `" created`
		o.raw("createdAlarm", alarmConfigJSON(cur))
	case "Update":
		h.Summary = `Alarm "` + r.Name + `" updated`
		o.raw("updatedAlarm", alarmConfigJSON(cur)).raw("originalUpdatedFields", changedFields(old, cur))
	case "Delete":
		h.Summary = `Alarm "` + r.Name + `" deleted`
		o.raw("deletedAlarm", alarmConfigJSON(old))
	}
	h.Data = o.String()
	return h
}

// changedFields lists the previous values of the configuration fields an
// update changed.
func changedFields(old, cur *alarmRec) string {
	var a, b map[string]any
	json.Unmarshal([]byte(alarmConfigJSON(old)), &a)
	json.Unmarshal([]byte(alarmConfigJSON(cur)), &b)
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := newOrdered()
	for _, k := range keys {
		if jsonString(a[k]) != jsonString(b[k]) {
			o.raw(k, jsonString(a[k]))
		}
	}
	return o.String()
}

func stateJSON(r *alarmRec) string {
	o := newOrdered().str("stateValue", r.StateValue).str("stateReason", r.StateReason)
	if r.StateReasonData != "" && json.Valid([]byte(r.StateReasonData)) {
		o.raw("stateReasonData", r.StateReasonData)
	}
	return o.String()
}

func stateHistory(old, cur *alarmRec, now time.Time) historyItem {
	return historyItem{
		Account: cur.Account, Region: cur.Region, AlarmName: cur.Name, AlarmType: cur.Type, Timestamp: now, Type: "StateUpdate",
		Summary: "Alarm updated from " + old.StateValue + " to " + cur.StateValue,
		Data:    newOrdered().str("version", "1.0").raw("oldState", stateJSON(old)).raw("newState", stateJSON(cur)).String(),
	}
}

func actionHistory(r *alarmRec, action, message string, err error, now time.Time) historyItem {
	h := historyItem{Account: r.Account, Region: r.Region, AlarmName: r.Name, AlarmType: r.Type, Timestamp: now, Type: "Action"}
	o := newOrdered()
	if err == nil {
		h.Summary = "Successfully executed action " + action
		o.str("actionState", "Succeeded").int("stateUpdateTimestamp", r.StateUpdated.UnixMilli()).
			str("notificationResource", action).str("publishedMessage", message)
	} else {
		h.Summary = "Failed to execute action " + action
		o.str("actionState", "Failed").int("stateUpdateTimestamp", r.StateUpdated.UnixMilli()).
			str("notificationResource", action).str("error", err.Error())
	}
	h.Data = o.String()
	return h
}

func (e *Engine) opDescribeAlarmHistory(ctx context.Context, in *describeAlarmHistoryIn) (*describeAlarmHistoryOut, error) {
	sc := awsctx.From(ctx)
	maxRecords := 100
	if in.MaxRecords != nil {
		if *in.MaxRecords < 1 || *in.MaxRecords > 100 {
			return nil, validation("1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100", *in.MaxRecords)
		}
		maxRecords = int(*in.MaxRecords)
	}
	switch in.HistoryItemType {
	case "", "ConfigurationUpdate", "StateUpdate", "Action":
	case "AlarmContributorStateUpdate", "AlarmContributorAction":
		return &describeAlarmHistoryOut{AlarmHistoryItems: []alarmHistoryItemOut{}}, nil
	default:
		return nil, enumErr(in.HistoryItemType, "historyItemType", "ConfigurationUpdate, StateUpdate, Action, AlarmContributorStateUpdate, AlarmContributorAction")
	}
	scanBy := in.ScanBy
	if scanBy == "" {
		scanBy = "TimestampDescending"
	}
	if scanBy != "TimestampDescending" && scanBy != "TimestampAscending" {
		return nil, enumErr(scanBy, "scanBy", "TimestampDescending, TimestampAscending")
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
		if in.AlarmName != "" {
			types[typeComposite] = true
		}
	}
	prefix := sc.AccountID + "/" + sc.Region + "/"
	if in.AlarmName != "" {
		prefix += url.PathEscape(in.AlarmName) + "/"
	}
	cutoff := e.clk.Now().Add(-historyRetention)
	type row struct {
		key string
		h   historyItem
	}
	var rows []row
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketHistory, store.ScanOptions{Prefix: prefix}, func(k string, v []byte) error {
			var h historyItem
			if err := json.Unmarshal(v, &h); err != nil {
				return nil
			}
			if in.AlarmName != "" && h.AlarmName != in.AlarmName {
				return nil
			}
			if h.Timestamp.Before(cutoff) || !types[h.AlarmType] {
				return nil
			}
			if in.HistoryItemType != "" && h.Type != in.HistoryItemType {
				return nil
			}
			if in.StartDate != nil && h.Timestamp.Before(*in.StartDate) {
				return nil
			}
			if in.EndDate != nil && !h.Timestamp.Before(*in.EndDate) {
				return nil
			}
			// Sort key: time, then insertion sequence.
			rows = append(rows, row{k[strings.LastIndexByte(k[:strings.LastIndexByte(k, '/')], '/')+1:], h})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if scanBy == "TimestampAscending" {
			return rows[i].key < rows[j].key
		}
		return rows[i].key > rows[j].key
	})
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), "ah:") {
			return nil, ErrInvalidNextToken.New("The service cannot complete the request because the NextToken is invalid.")
		}
		after = strings.TrimPrefix(string(b), "ah:")
	}
	out := &describeAlarmHistoryOut{AlarmHistoryItems: []alarmHistoryItemOut{}}
	skipping := after != ""
	for i, r := range rows {
		if skipping {
			if r.key == after {
				skipping = false
			}
			continue
		}
		if len(out.AlarmHistoryItems) == maxRecords {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("ah:" + rows[i-1].key))
			break
		}
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, alarmHistoryItemOut{
			AlarmName: r.h.AlarmName, AlarmType: r.h.AlarmType, Timestamp: r.h.Timestamp, HistoryItemType: r.h.Type,
			HistorySummary: r.h.Summary, HistoryData: r.h.Data,
		})
	}
	return out, nil
}

// pruneHistory deletes history older than two weeks.
func (e *Engine) pruneHistory(ctx context.Context) error {
	cutoff := e.clk.Now().Add(-historyRetention)
	var old []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketHistory, store.ScanOptions{}, func(k string, v []byte) error {
			parts := strings.Split(k, "/")
			if len(parts) < 2 {
				return nil
			}
			var ms uint64
			if _, err := fmt.Sscanf(parts[len(parts)-2], "%x", &ms); err == nil && int64(ms) < cutoff.UnixMilli() {
				old = append(old, k)
			}
			return nil
		})
	})
	if err != nil || len(old) == 0 {
		return err
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		for _, k := range old {
			if err := tx.Delete(bucketHistory, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// StateTransition is one alarm state change from the alarm history.
type StateTransition struct {
	Alarm    string
	Time     time.Time
	Old, New string
}

// StateTransitions returns the state changes of every alarm in ctx's account
// and region in [from, to), oldest first (within the two weeks history is
// kept). DORA reads production incidents from them.
func (e *Engine) StateTransitions(ctx context.Context, from, to time.Time) ([]StateTransition, error) {
	sc := awsctx.From(ctx)
	var out []StateTransition
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketHistory, store.ScanOptions{Prefix: sc.AccountID + "/" + sc.Region + "/"}, func(k string, v []byte) error {
			var h historyItem
			if json.Unmarshal(v, &h) != nil || h.Type != "StateUpdate" || h.Timestamp.Before(from) || !h.Timestamp.Before(to) {
				return nil
			}
			old, cur, ok := strings.Cut(strings.TrimPrefix(h.Summary, "Alarm updated from "), " to ")
			if !ok {
				return nil
			}
			out = append(out, StateTransition{Alarm: h.AlarmName, Time: h.Timestamp, Old: old, New: cur})
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, err
}
