package cloudwatch

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// Series in the user guide's notation: values per period, "-" missing.
func ts(id string, vals ...any) *tseries {
	s := &tseries{id: id, label: id, step: 60000, nominal: 60, isMetric: true}
	for i, v := range vals {
		if f, ok := v.(float64); ok {
			s.ts = append(s.ts, int64(i)*60000)
			s.vs = append(s.vs, f)
		} else if n, ok := v.(int); ok {
			s.ts = append(s.ts, int64(i)*60000)
			s.vs = append(s.vs, float64(n))
		}
	}
	return s
}

const M = "-" // missing

// render writes a series over the 5-period grid as "v v - v".
func render(s *tseries, n int) string {
	at := map[int64]float64{}
	for i, t := range s.ts {
		at[t] = s.vs[i]
	}
	var parts []string
	for i := 0; i < n; i++ {
		v, ok := at[int64(i)*60000]
		if !ok {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.4f", v), "0000"), "."))
	}
	return strings.Join(parts, " ")
}

func mathEnvFor(series ...*tseries) *mathEnv {
	byID := map[string]*tseries{}
	env := &mathEnv{start: 0, end: 5 * 60000, step: 60000, nominal: 60, scale: 1}
	for _, s := range series {
		byID[s.id] = s
		env.metricIDs = append(env.metricIDs, s.id)
	}
	env.resolve = func(id string) (mval, error) {
		s, ok := byID[id]
		if !ok {
			return mval{}, fmt.Errorf("unknown id %s", id)
		}
		return mval{k: kSeries, ser: s}, nil
	}
	return env
}

func TestMathFunctions(t *testing.T) {
	env := mathEnvFor(
		ts("m1", 30, 20, 0, 0, 10),
		ts("m2", 20, M, 20, M, 4),
		ts("a", 1, 1, 0, 0, M),
		ts("b", 30, M, 0, 0, 30),
		ts("c", 0, 0, 20, M, 20),
		ts("g", 1, M, M, 4, M),
		ts("neg", -1.5, 2.5, M, -3, 0),
		ts("errors_4xx", 1, 2, 3, 4, 5),
		ts("errors_5xx", 10, 20, 30, 40, 50),
	)
	cases := []struct {
		expr string
		want string // series over 5 periods, a scalar as "=v", or "[s1|s2]" for arrays
	}{
		// Arithmetic: missing values count as 0; division by zero drops.
		{"m1 + m2", "50 20 20 0 14"},
		{"m1 - m2", "10 20 -20 0 6"},
		{"m1 * 2", "60 40 0 0 20"},
		{"m2 / m1", "0.6667 0 - - 0.4"},
		{"m1 / 0", "- - - - -"},
		{"2 ^ 3 * m1 / m1", "8 8 - - 8"},
		{"m1 ^ 2", "900 400 0 0 100"},
		{"-m1", "-30 -20 0 0 -10"},
		{"-2^2 + m1 * 0", "-4 -4 -4 -4 -4"},
		{"(1 + 2) * 3 + m1 * 0", "9 9 9 9 9"},
		// Comparison and logical operators (the guide's example).
		{"m1 < m2", "0 0 1 0 0"},
		{"m1 >= 30", "1 0 0 0 0"},
		{"m1 > 15 AND m2 > 15", "1 0 0 0 0"},
		{"m1 > 15 && m2 > 15", "1 0 0 0 0"},
		{"m1 > 25 OR m2 > 15", "1 0 1 0 0"},
		{"m1 > 25 || m2 > 15", "1 0 1 0 0"},
		{"m1 == 0", "0 0 1 1 0"},
		{"m1 != 0", "1 1 0 0 1"},
		{"m1 <= 10", "0 0 1 1 1"},
		// Functions of one series.
		{"ABS(neg)", "1.5 2.5 - 3 0"},
		{"CEIL(neg)", "-1 3 - -3 0"},
		{"FLOOR(neg)", "-2 2 - -3 0"},
		{"LOG10(m1)", "1.4771 1.301 - - 1"},
		{"LOG(errors_4xx)", "0 0.6931 1.0986 1.3863 1.6094"},
		{"SUM(m1)", "=60"},
		{"AVG(m1)", "=12"},
		{"MIN(m1)", "=0"},
		{"MAX(m1)", "=30"},
		{"STDDEV(errors_4xx)", "=1.4142"},
		{"DATAPOINT_COUNT(m2)", "=3"},
		{"m1 - AVG(m1)", "18 8 -12 -12 -2"},
		{"PERIOD(m1)", "=60"},
		{"m1 / PERIOD(m1)", "0.5 0.3333 0 0 0.1667"},
		{"DIFF(m1)", "- -10 -20 0 10"},
		{"DIFF_TIME(g)", "- - - 180 -"},
		{"RATE(g)", "- - - 0.0167 -"},
		{"RUNNING_SUM(m1)", "30 50 50 50 60"},
		// FILL.
		{"FILL(m2, 0)", "20 0 20 0 4"},
		{"FILL(m2, REPEAT)", "20 20 20 20 4"},
		{"FILL(g, LINEAR)", "1 2 3 4 4"},
		{"FILL(g, m1)", "1 20 0 4 10"},
		{"FILL(g, MIN(m1))", "1 0 0 4 0"},
		// IF, as the guide's tables.
		{"IF(a, b, c)", "30 0 20 - -"},
		{"IF(a, 5, c)", "5 5 20 - -"},
		{"IF(a, b, 5)", "30 0 5 5 -"},
		{"IF(a, b)", "30 0 - - -"},
		{"IF(m1 < 25, m1)", "- 20 0 0 10"},
		{"IF(m1 < 25, 10, 2)", "2 10 10 10 10"},
		{"IF(1, m1, m2)", "30 20 0 0 10"},
		{"IF(0, m1, m2)", "20 - 20 - 4"},
		// Arrays.
		{"SUM(METRICS())", "91.5 45.5 73 45 119"},
		{"SUM([m1, m2])", "50 20 20 0 14"},
		{"AVG([m1, m2])", "25 10 10 0 7"},
		{"MAX([m1, m2])", "30 20 20 0 10"},
		{"MIN([m1, m2])", "20 20 0 0 4"},
		{"STDDEV([m1, m2])", "5 0 10 0 3"},
		{"DATAPOINT_COUNT([m1, m2])", "2 1 2 1 2"},
		{"SUM(METRICS(\"errors\"))", "11 22 33 44 55"},
		{"SUM([METRICS(\"4xx\"), METRICS(\"5xx\")])", "11 22 33 44 55"},
		{"METRIC_COUNT(METRICS(\"errors\")) * m1 / m1", "2 2 - - 2"},
		{"SUM(METRICS(\"errors\") / 10)", "1.1 2.2 3.3 4.4 5.5"},
		{"SUM(-[m1, m2])", "-50 -20 -20 0 -14"},
		{"FIRST(SORT(METRICS(\"errors\"), AVG, DESC))", "10 20 30 40 50"},
		{"LAST(SORT(METRICS(\"errors\"), MAX, DESC))", "1 2 3 4 5"},
		{"FIRST(SORT(METRICS(\"errors\"), SUM, ASC, 1))", "1 2 3 4 5"},
		{"FIRST(SLICE(SORT(METRICS(\"errors\"), SUM, DESC), 1))", "1 2 3 4 5"},
		{"METRIC_COUNT(SLICE(METRICS(), 0, 3)) + m1 * 0", "3 3 3 3 3"},
		{"METRIC_COUNT(REMOVE_EMPTY([m1, FILL(m1, 0) / 0])) + m1*0", "1 1 1 1 1"},
		{"SUM(FILL(METRICS(\"errors\"), 0))", "11 22 33 44 55"},
		{"SUM(ABS([neg]))", "1.5 2.5 - 3 0"},
		// Time functions and constants.
		{"TIME_SERIES(7)", "7 7 7 7 7"},
		{"MINUTE(m1)", "0 1 2 3 4"},
		{"HOUR(m1)", "0 0 0 0 0"},
		{"DAY(m1)", "4 4 4 4 4"}, // 1970-01-01 was a Thursday
		{"DATE(m1)", "1 1 1 1 1"},
		{"MONTH(m1)", "1 1 1 1 1"},
		{"YEAR(m1)", "1970 1970 1970 1970 1970"},
		{"EPOCH(m1)", "0 60 120 180 240"},
	}
	for _, c := range cases {
		n, err := parseExpr(c.expr)
		if err != nil {
			t.Errorf("%s: parse: %v", c.expr, err)
			continue
		}
		v, err := env.eval(n)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		var got string
		switch v.k {
		case kScalar:
			got = "=" + strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.4f", v.s), "0000"), ".")
		case kSeries:
			got = render(v.ser, 5)
		case kArray:
			var parts []string
			for _, s := range v.arr {
				parts = append(parts, render(s, 5))
			}
			got = "[" + strings.Join(parts, "|") + "]"
		}
		got = strings.ReplaceAll(got, ".0000", "")
		want := c.want
		if got != want && !approxEqual(got, want) {
			t.Errorf("%s = %s, want %s", c.expr, got, want)
		}
	}
}

// approxEqual compares renderings number by number with a tolerance.
func approxEqual(a, b string) bool {
	fa, fb := strings.Fields(strings.TrimPrefix(a, "=")), strings.Fields(strings.TrimPrefix(b, "="))
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if fa[i] == fb[i] {
			continue
		}
		var x, y float64
		if _, err := fmt.Sscan(fa[i], &x); err != nil {
			return false
		}
		if _, err := fmt.Sscan(fb[i], &y); err != nil {
			return false
		}
		if math.Abs(x-y) > 1e-3 {
			return false
		}
	}
	return true
}

func TestMathErrors(t *testing.T) {
	env := mathEnvFor(ts("m1", 1, 2, 3))
	cases := []struct{ expr, want string }{
		{"m1 +", "unexpected end"},
		{"(m1", "expected ')'"},
		{"FOO(m1)", "unrecognized function FOO"},
		{"ANOMALY_DETECTION_BAND(m1)", "not supported by skiff"},
		{"SEARCH('{AWS/EC2} CPU', 'Average', 300)", "not supported by skiff"},
		{"FILL(m1, SIDEWAYS)", "FILL"},
		{"AVG(1)", "AVG expects"},
		{"SORT(METRICS(), MEDIAN, ASC)", "cannot sort by MEDIAN"},
		{"m1 $ 2", "unexpected character"},
		{"[m1, 2]", "array elements must be time series"},
		{"METRICS() + METRICS()", "invalid operands"},
		{"IF(m1)", "IF takes 2 to 3 arguments"},
		{"PERIOD(2)", "PERIOD expects a time series"},
	}
	for _, c := range cases {
		n, err := parseExpr(c.expr)
		if err == nil {
			_, err = env.eval(n)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.expr, err, c.want)
		}
	}
}
