package cloudwatch

import (
	"strconv"
	"strings"
	"time"
)

// Alarm evaluation as the CloudWatch user guide documents it ("Evaluating
// an alarm", "How alarm state is evaluated when data is missing"):
//
//   - CloudWatch retrieves more datapoints than EvaluationPeriods (N): the
//     evaluation range, here N+2 periods, matching the guide's example of
//     5 datapoints for N = 3.
//   - With at least N real datapoints in the range, the N most recent real
//     ones are evaluated and missing ones ignored, whatever TreatMissingData
//     says.
//   - Otherwise the real datapoints are evaluated together with as few
//     missing periods as needed to make N (the most recent missing ones),
//     treated per TreatMissingData.
//   - Fewer than DatapointsToAlarm (M) breaching datapoints means OK,
//     otherwise ALARM.
//
// For missing and ignore, missing periods count neither way: M real
// breaching datapoints make ALARM and any real non-breaching one makes OK
// (ALARM can no longer be reached with what is known); when every real
// datapoint breaches but there are fewer than M, ignore keeps the state and
// missing gives INSUFFICIENT_DATA — unless the oldest evaluated datapoint
// is real, in which case the guide's tables show ALARM ("the oldest
// evaluated data point is breaching and there aren't any non-breaching data
// points"). No real datapoint at all gives INSUFFICIENT_DATA (missing),
// keeps the state (ignore), ALARM (breaching) or OK (notBreaching).
// decide reproduces both of the guide's tables (3 of 3 and 2 of 3); they
// are the test vectors in evaluate_test.go.

type point struct {
	t      int64 // window start, ms
	v      float64
	n      float64 // sample count
	ok     bool    // a real datapoint
	low    bool    // too few samples for the percentile
	breach bool
}

type decision struct {
	state     string // "" keeps the current state
	evaluated []point
	filled    int // missing datapoints filled per TreatMissingData
	real      int // real datapoints among the evaluated
}

// decide applies the evaluation rules to the range's points (oldest first).
func decide(points []point, n, m int, tmd string) decision {
	var existing []int
	for i, p := range points {
		if p.ok {
			existing = append(existing, i)
		}
	}
	if len(existing) >= n {
		d := decision{real: n}
		b := 0
		for _, i := range existing[len(existing)-n:] {
			d.evaluated = append(d.evaluated, points[i])
			if points[i].breach {
				b++
			}
		}
		d.state = StateOK
		if b >= m {
			d.state = StateAlarm
		}
		return d
	}
	need := n - len(existing)
	// The evaluated set: every real point plus the most recent missing ones.
	take := map[int]bool{}
	for _, i := range existing {
		take[i] = true
	}
	for i := len(points) - 1; i >= 0 && need > 0; i-- {
		if !points[i].ok {
			take[i] = true
			need--
		}
	}
	d := decision{real: len(existing)}
	b, nb := 0, 0
	for i, p := range points {
		if !take[i] {
			continue
		}
		d.evaluated = append(d.evaluated, p)
		if p.ok {
			if p.breach {
				b++
			} else {
				nb++
			}
		}
	}
	missingN := len(d.evaluated) - len(existing)
	switch tmd {
	case "breaching":
		d.filled = missingN
		d.state = StateOK
		if b+missingN >= m {
			d.state = StateAlarm
		}
		return d
	case "notBreaching":
		d.filled = missingN
		d.state = StateOK
		if b >= m {
			d.state = StateAlarm
		}
		return d
	}
	// missing or ignore
	switch {
	case len(existing) == 0:
		if tmd == "ignore" {
			d.state = ""
		} else {
			d.state = StateInsufficientData
		}
	case b >= m:
		d.state = StateAlarm
	case nb > 0:
		d.state = StateOK
	case tmd == "ignore":
		d.state = ""
	case len(d.evaluated) > 0 && d.evaluated[0].ok:
		d.state = StateAlarm
	default:
		d.state = StateInsufficientData
	}
	return d
}

var opText = map[string]string{
	"GreaterThanOrEqualToThreshold": "greater than or equal to",
	"GreaterThanThreshold":          "greater than",
	"LessThanThreshold":             "less than",
	"LessThanOrEqualToThreshold":    "less than or equal to",
}

func breaches(op string, v, thr float64) bool {
	switch op {
	case "GreaterThanOrEqualToThreshold":
		return v >= thr
	case "GreaterThanThreshold":
		return v > thr
	case "LessThanThreshold":
		return v < thr
	case "LessThanOrEqualToThreshold":
		return v <= thr
	}
	return false
}

// reasonText words a metric alarm's new state as CloudWatch does.
func reasonText(a *alarmRec, d decision, oldState string) string {
	n := int(a.EvaluationPeriods)
	thr := 0.0
	if a.Threshold != nil {
		thr = *a.Threshold
	}
	switch {
	case d.state == StateInsufficientData:
		return "Insufficient Data: " + strconv.Itoa(n) + plural(n, " datapoint was unknown.", " datapoints were unknown.")
	case d.filled > 0:
		how := "[Breaching]"
		if a.TreatMissingData == "notBreaching" {
			how = "[NonBreaching]"
		}
		missingPart := strconv.Itoa(d.filled) + plural(d.filled, " missing datapoint was treated as ", " missing datapoints were treated as ") + how + "."
		if d.real == 0 {
			return "Threshold Crossed: no datapoints were received for " + strconv.Itoa(n) + plural(n, " period", " periods") + " and " + missingPart
		}
		return "Threshold Crossed: " + strconv.Itoa(d.real) + plural(d.real, " datapoint was", " datapoints were") + " received for " +
			strconv.Itoa(n) + plural(n, " period", " periods") + " and " + missingPart
	}
	wantBreach := d.state == StateAlarm
	var listed []point
	for i := len(d.evaluated) - 1; i >= 0; i-- {
		p := d.evaluated[i]
		if p.ok && p.breach == wantBreach {
			listed = append(listed, p)
		}
	}
	var b strings.Builder
	b.WriteString("Threshold Crossed: ")
	k := len(listed)
	if a.DatapointsToAlarm > 0 {
		b.WriteString(strconv.Itoa(k) + " out of the last " + strconv.Itoa(n) + plural(n, " datapoint ", " datapoints "))
	} else {
		b.WriteString(strconv.Itoa(k) + plural(k, " datapoint ", " datapoints "))
	}
	b.WriteByte('[')
	for i, p := range listed {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(javaDouble(p.v) + " (" + reasonTime(time.UnixMilli(p.t)) + ")")
	}
	b.WriteString("] ")
	b.WriteString(plural(k, "was ", "were "))
	if !wantBreach {
		b.WriteString("not ")
	}
	b.WriteString(opText[a.ComparisonOperator] + " the threshold (" + javaDouble(thr) + ")")
	if a.DatapointsToAlarm > 0 {
		m := int(a.DatapointsToAlarm)
		min := m
		if !wantBreach {
			min = n - m + 1
		}
		b.WriteString(" (minimum " + strconv.Itoa(min) + plural(min, " datapoint", " datapoints") + " for " + oldState + " -> " + d.state + " transition)")
	}
	b.WriteByte('.')
	return b.String()
}

// reasonData is the StateReasonData JSON of a metric alarm evaluation.
func reasonData(a *alarmRec, d decision, now time.Time, periodSec int64) string {
	o := newOrdered().str("version", "1.0").str("queryDate", awsDate(now))
	var oldest *point
	for i := range d.evaluated {
		if d.evaluated[i].ok {
			oldest = &d.evaluated[i]
			break
		}
	}
	if oldest != nil {
		o.str("startDate", awsDate(time.UnixMilli(oldest.t)))
	}
	if a.Unit != "" {
		o.str("unit", a.Unit)
	}
	switch {
	case a.Statistic != "":
		o.str("statistic", a.Statistic)
	case a.ExtendedStatistic != "":
		o.str("extendedStatistic", a.ExtendedStatistic)
	}
	o.int("period", periodSec)
	var recent []float64
	for _, p := range d.evaluated {
		if p.ok {
			recent = append(recent, p.v)
		}
	}
	o.raw("recentDatapoints", numList(recent))
	if a.Threshold != nil {
		o.num("threshold", *a.Threshold)
	}
	var ev strings.Builder
	ev.WriteByte('[')
	for i := len(d.evaluated) - 1; i >= 0; i-- {
		p := d.evaluated[i]
		if i != len(d.evaluated)-1 {
			ev.WriteByte(',')
		}
		e := newOrdered().str("timestamp", awsDate(time.UnixMilli(p.t)))
		if p.ok {
			if p.n > 0 {
				e.num("sampleCount", p.n)
			}
			e.num("value", p.v)
		}
		ev.WriteString(e.String())
	}
	ev.WriteByte(']')
	o.raw("evaluatedDatapoints", ev.String())
	return o.String()
}
