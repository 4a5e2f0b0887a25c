package cloudwatch

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"
)

// Dimension is a name/value pair that is part of a metric's identity.
type Dimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// StatisticSet is a pre-aggregated set of values.
type StatisticSet struct {
	SampleCount float64 `json:"SampleCount"`
	Sum         float64 `json:"Sum"`
	Minimum     float64 `json:"Minimum"`
	Maximum     float64 `json:"Maximum"`
}

// Datum is one metric datum, as PutMetricData takes it. Exactly one of
// the value forms is used: StatisticValues if set, else Values (with
// optional Counts, one per value), else Value (zero is a valid value).
type Datum struct {
	MetricName      string
	Dimensions      []Dimension
	Timestamp       time.Time // zero means now
	Value           float64
	Values          []float64
	Counts          []float64
	StatisticValues *StatisticSet
	// Unit is one of the StandardUnit names; "" means None.
	Unit string
	// StorageResolution is 1 (high resolution) or 60 (standard, also 0).
	StorageResolution int
}

// AlarmInfo describes an alarm to OnAlarmStateChange subscribers.
type AlarmInfo struct {
	Name      string
	ARN       string
	AccountID string
	Region    string
	// Type is "MetricAlarm" or "CompositeAlarm".
	Type string
	// Reason and ReasonData are the new state's StateReason and
	// StateReasonData (JSON).
	Reason     string
	ReasonData string
	Timestamp  time.Time
}

// Alarm states.
const (
	StateOK               = "OK"
	StateAlarm            = "ALARM"
	StateInsufficientData = "INSUFFICIENT_DATA"
)

// Publisher delivers alarm notifications to SNS topics (internal/sns's
// engine satisfies it).
type Publisher interface {
	Publish(ctx context.Context, topicARN, subject, message string) (messageID string, err error)
}

// StandardUnits are the units CloudWatch accepts.
var StandardUnits = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
	"Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
	"Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

var unitSet = func() map[string]bool {
	m := map[string]bool{}
	for _, u := range StandardUnits {
		m[u] = true
	}
	return m
}()

func validUnit(u string) bool { return u == "" || unitSet[u] }

// Limits and ranges AWS applies to metric data.
const (
	maxDatumsPerRequest = 1000
	maxRequestBytes     = 1 << 20
	maxDimensions       = 30
	maxValuesPerDatum   = 150
	datumMaxAge         = 14 * 24 * time.Hour
	datumMaxAhead       = 2 * time.Hour
)

// Values must lie within ±2^360 (and be finite).
var valueLimit = math.Pow(2, 360)

func validValue(v float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) <= valueLimit && (v == 0 || math.Abs(v) >= 1/valueLimit)
}

// sortedDims returns the dimensions sorted by name (the canonical order of
// a metric's identity).
func sortedDims(d []Dimension) []Dimension {
	out := append([]Dimension(nil), d...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// metricKey is the canonical identity of a metric within an account and
// region: namespace, name and the sorted dimensions.
func metricKey(acct, region, ns, name string, dims []Dimension) string {
	var b strings.Builder
	n := len(acct) + len(region) + len(ns) + len(name) + 4
	for _, d := range dims {
		n += len(d.Name) + len(d.Value) + 2
	}
	b.Grow(n)
	b.WriteString(acct)
	b.WriteByte(0)
	b.WriteString(region)
	b.WriteByte(0)
	b.WriteString(ns)
	b.WriteByte(0)
	b.WriteString(name)
	for _, d := range dims {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

// dimsSorted reports whether dims are already sorted by name.
func dimsSorted(d []Dimension) bool {
	for i := 1; i < len(d); i++ {
		if d[i-1].Name > d[i].Name {
			return false
		}
	}
	return true
}
