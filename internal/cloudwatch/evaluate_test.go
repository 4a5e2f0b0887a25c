package cloudwatch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// points builds an evaluation range from the user guide's notation:
// "0" non-breaching, "X" breaching, "-" missing, oldest first.
func rangeOf(s string) []point {
	var out []point
	for i, f := range strings.Fields(s) {
		p := point{t: int64(i) * 60000}
		switch f {
		case "0":
			p.ok, p.v = true, 0
		case "X":
			p.ok, p.v, p.breach = true, 10, true
		}
		out = append(out, p)
	}
	return out
}

const retain = "retain"

// The two tables of "How alarm state is evaluated when data is missing"
// in the CloudWatch user guide (awsdocs/amazon-cloudwatch-user-guide,
// doc_source/AlarmThatSendsEmail.md): 5 datapoints retrieved, columns
// MISSING, IGNORE, BREACHING, NOT BREACHING.
var awsTables = []struct {
	n, m   int
	points string
	want   [4]string // missing, ignore, breaching, notBreaching
}{
	// Datapoints to Alarm = Evaluation Periods = 3.
	{3, 3, "0 - X - X", [4]string{StateOK, StateOK, StateOK, StateOK}},
	{3, 3, "0 - - - -", [4]string{StateOK, StateOK, StateOK, StateOK}},
	{3, 3, "- - - - -", [4]string{StateInsufficientData, retain, StateAlarm, StateOK}},
	{3, 3, "0 X X - X", [4]string{StateAlarm, StateAlarm, StateAlarm, StateAlarm}},
	{3, 3, "- - - - X", [4]string{StateInsufficientData, retain, StateAlarm, StateOK}},
	{3, 3, "X - - - -", [4]string{StateAlarm, retain, StateAlarm, StateOK}},
	// 2 out of 3.
	{3, 2, "0 - X - X", [4]string{StateAlarm, StateAlarm, StateAlarm, StateAlarm}},
	{3, 2, "0 0 X 0 X", [4]string{StateAlarm, StateAlarm, StateAlarm, StateAlarm}},
	{3, 2, "0 - X - -", [4]string{StateOK, StateOK, StateAlarm, StateOK}},
	{3, 2, "- - - - 0", [4]string{StateOK, StateOK, StateAlarm, StateOK}},
	{3, 2, "- - - - X", [4]string{StateInsufficientData, retain, StateAlarm, StateOK}},
}

func TestDecideAWSTables(t *testing.T) {
	tmds := []string{"missing", "ignore", "breaching", "notBreaching"}
	for _, row := range awsTables {
		for i, tmd := range tmds {
			d := decide(rangeOf(row.points), row.n, row.m, tmd)
			got := d.state
			if got == "" {
				got = retain
			}
			if got != row.want[i] {
				t.Errorf("%d of %d, %q, %s: got %s, want %s", row.m, row.n, row.points, tmd, got, row.want[i])
			}
			if d.state != "" && len(d.evaluated) != row.n {
				t.Errorf("%d of %d, %q, %s: evaluated %d datapoints, want %d", row.m, row.n, row.points, tmd, len(d.evaluated), row.n)
			}
		}
	}
}

// More M-of-N cases derived from the documented rules.
func TestDecideMofN(t *testing.T) {
	cases := []struct {
		n, m   int
		points string
		tmd    string
		want   string
		filled int
	}{
		{1, 1, "- - X", "missing", StateAlarm, 0},
		{1, 1, "- - 0", "missing", StateOK, 0},
		{1, 1, "X - -", "breaching", StateAlarm, 0}, // a real point exists: missing ignored
		{1, 1, "- - -", "breaching", StateAlarm, 1},
		{1, 1, "- - -", "notBreaching", StateOK, 1},
		{4, 3, "X 0 X 0 X X", "missing", StateAlarm, 0}, // last 4 real: 0 X 0... X X -> X,0,X,X = 3 breaching
		{4, 3, "X X X 0 0 X", "missing", StateOK, 0},    // last 4: X 0 0 X = 2
		{5, 2, "- X - - - - -", "notBreaching", StateOK, 4},
		{5, 2, "- X - - - - -", "breaching", StateAlarm, 4},
		{2, 2, "X X - -", "missing", StateAlarm, 0},
	}
	for _, c := range cases {
		d := decide(rangeOf(c.points), c.n, c.m, c.tmd)
		if d.state != c.want || d.filled != c.filled {
			t.Errorf("%d of %d %q %s: got %s (filled %d), want %s (filled %d)", c.m, c.n, c.points, c.tmd, d.state, d.filled, c.want, c.filled)
		}
	}
}

func TestReasonTexts(t *testing.T) {
	thr := 1.0
	base := time.Date(2026, 11, 22, 10, 1, 0, 0, time.UTC).UnixMilli()
	pts := []point{
		{t: base - 120000, v: 4, ok: true, breach: true, n: 1},
		{t: base - 60000, v: 6, ok: true, breach: true, n: 1},
		{t: base, v: 5, ok: true, breach: true, n: 1},
	}
	mofn := &alarmRec{EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: &thr, ComparisonOperator: "GreaterThanThreshold", Statistic: "Average"}
	d := decision{state: StateAlarm, evaluated: pts, real: 3}
	got := reasonText(mofn, d, StateOK)
	want := "Threshold Crossed: 3 out of the last 3 datapoints [5.0 (22/11/26 10:01:00), 6.0 (22/11/26 10:00:00), 4.0 (22/11/26 09:59:00)] were greater than the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition)."
	if got != want {
		t.Errorf("M of N:\n got %s\nwant %s", got, want)
	}
	classic := &alarmRec{EvaluationPeriods: 1, Threshold: &thr, ComparisonOperator: "GreaterThanOrEqualToThreshold"}
	d = decision{state: StateOK, evaluated: []point{{t: base, v: 0.5, ok: true, n: 2}}, real: 1}
	if got := reasonText(classic, d, StateAlarm); got != "Threshold Crossed: 1 datapoint [0.5 (22/11/26 10:01:00)] was not greater than or equal to the threshold (1.0)." {
		t.Errorf("classic: %s", got)
	}
	// ALARM -> OK in a 3 of 3 alarm lists the non-breaching datapoints.
	d = decision{state: StateOK, evaluated: []point{{t: base - 120000, v: 5, ok: true, breach: true}, {t: base - 60000, v: 0.002, ok: true}, {t: base, v: 0.002, ok: true}}, real: 3}
	if got := reasonText(mofn, d, StateAlarm); got != "Threshold Crossed: 2 out of the last 3 datapoints [0.002 (22/11/26 10:01:00), 0.002 (22/11/26 10:00:00)] were not greater than the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)." {
		t.Errorf("to OK: %s", got)
	}
	br := &alarmRec{EvaluationPeriods: 2, Threshold: &thr, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "breaching"}
	d = decide(rangeOf("- - - -"), 2, 2, "breaching")
	if got := reasonText(br, d, StateInsufficientData); got != "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]." {
		t.Errorf("breaching: %s", got)
	}
	nb := &alarmRec{EvaluationPeriods: 3, Threshold: &thr, ComparisonOperator: "GreaterThanThreshold", TreatMissingData: "notBreaching"}
	d = decide(rangeOf("- - - X -"), 3, 3, "notBreaching")
	if got := reasonText(nb, d, StateAlarm); got != "Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [NonBreaching]." {
		t.Errorf("notBreaching: %s", got)
	}
	d = decide(rangeOf("- - -"), 1, 1, "missing")
	if got := reasonText(classic, d, StateOK); got != "Insufficient Data: 1 datapoint was unknown." {
		t.Errorf("insufficient: %s", got)
	}
	// Reason data is JSON with AWS's members.
	now := time.Date(2026, 11, 22, 10, 2, 3, 45e6, time.UTC)
	d = decision{state: StateAlarm, evaluated: pts, real: 3}
	rd := reasonData(mofn, d, now, 60)
	var m map[string]any
	if err := json.Unmarshal([]byte(rd), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rd, `{"version":"1.0","queryDate":"2026-11-22T10:02:03.045+0000","startDate":"2026-11-22T09:59:00.000+0000","statistic":"Average","period":60,"recentDatapoints":[4.0,6.0,5.0],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2026-11-22T10:01:00.000+0000","sampleCount":1.0,"value":5.0}`) {
		t.Errorf("reason data %s", rd)
	}
}

func TestJavaDouble(t *testing.T) {
	for in, want := range map[float64]string{5: "5.0", 0.002: "0.002", 1.0166666666666666: "1.0166666666666666", 1e7: "1.0E7", -3: "-3.0", 0: "0.0", 1.5e-4: "1.5E-4", 123456.5: "123456.5"} {
		if got := javaDouble(in); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", in, got, want)
		}
	}
}
