package cloudwatch

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

func aggOf(vals ...float64) *agg {
	a := newAgg()
	for _, v := range vals {
		a.addValue(v, 1)
	}
	return a
}

func seq(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}

func TestStatistics(t *testing.T) {
	one100 := aggOf(seq(100)...)
	weighted := newAgg()
	weighted.addValue(1, 2)
	weighted.addValue(10, 4)
	set := newAgg()
	set.addSet(StatisticSet{SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4})
	uniformSet := newAgg()
	uniformSet.addSet(StatisticSet{SampleCount: 3, Sum: 6, Minimum: 2, Maximum: 2})
	mixed := aggOf(5)
	mixed.addSet(StatisticSet{SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2})
	cases := []struct {
		name string
		a    *agg
		stat string
		want float64
		ok   bool
	}{
		{"count", one100, "SampleCount", 100, true},
		{"sum", one100, "Sum", 5050, true},
		{"avg", one100, "Average", 50.5, true},
		{"min", one100, "Minimum", 1, true},
		{"max", one100, "Maximum", 100, true},
		{"p50", one100, "p50", 50, true},
		{"p90", one100, "p90", 90, true},
		{"p99", one100, "p99", 99, true},
		{"p99.9", one100, "p99.9", 100, true},
		{"p0", one100, "p0", 1, true},
		{"p100", one100, "p100", 100, true},
		{"p25.5", one100, "p25.5", 26, true},
		{"tm90", one100, "tm90", 45.5, true},               // mean of 1..90
		{"TM(10%:90%)", one100, "TM(10%:90%)", 50.5, true}, // mean of 11..90
		{"IQM", one100, "IQM", 50.5, true},                 // mean of 26..75
		{"tc90", one100, "tc90", 90, true},
		{"ts10", one100, "ts10", 55, true},
		{"TS(:50%)", one100, "TS(:50%)", 1275, true},
		{"TC(10:20)", one100, "TC(10:20)", 11, true},
		{"PR(:25)", one100, "PR(:25)", 25, true},
		{"wm98", one100, "wm98", (sumTo(98) + 2*98) / 100, true},
		{"weighted count", weighted, "SampleCount", 6, true},
		{"weighted sum", weighted, "Sum", 42, true},
		{"weighted p30", weighted, "p30", 1, true},
		{"weighted p50", weighted, "p50", 10, true},
		{"set avg", set, "Average", 2.5, true},
		{"set no percentile", set, "p50", 0, false},
		{"uniform set percentile", uniformSet, "p90", 2, true},
		{"mixed no percentile", mixed, "p50", 0, false},
		{"mixed count", mixed, "SampleCount", 3, true},
	}
	for _, c := range cases {
		st, ok := parseStat(c.stat)
		if !ok {
			t.Errorf("%s: cannot parse %s", c.name, c.stat)
			continue
		}
		got, ok := st.value(c.a)
		if ok != c.ok || (ok && math.Abs(got-c.want) > 1e-9) {
			t.Errorf("%s: %s = %v (%v), want %v (%v)", c.name, c.stat, got, ok, c.want, c.ok)
		}
	}
	for _, bad := range []string{"p101", "p-1", "tm101", "TM(90%:10%)", "PR(10%:20%)", "median", "P99", "TM(a:b)"} {
		if _, ok := parseStat(bad); ok {
			t.Errorf("%s parsed", bad)
		}
	}
	if _, ok := parseExtended("tm90", true); ok {
		t.Error("tm90 accepted where only percentiles are")
	}
}

func sumTo(n int) float64 { return float64(n*(n+1)) / 2 }

// Beyond exactMax distinct values the sketch keeps percentiles within its
// relative accuracy, also after merging and encoding.
func TestSketchAccuracy(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var all []float64
	parts := make([]*agg, 8)
	for i := range parts {
		parts[i] = newAgg()
		for j := 0; j < 5000; j++ {
			v := math.Exp(r.NormFloat64()*2 + 3) // log-normal latencies
			if j%50 == 0 {
				v = -v / 10
			}
			all = append(all, v)
			parts[i].addValue(v, 1)
		}
	}
	m := newAgg()
	for _, p := range parts {
		b := p.appendTo(nil)
		d, rest, err := readAgg(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("decode: %v", err)
		}
		m.merge(d)
	}
	sort.Float64s(all)
	for _, p := range []float64{1, 10, 50, 90, 99, 99.9} {
		want := all[int(math.Ceil(p/100*float64(len(all))))-1]
		got, ok := m.percentile(p)
		if !ok || math.Abs(got-want) > 0.01*math.Abs(want)+1e-9 {
			t.Errorf("p%v = %v, want %v (±1%%)", p, got, want)
		}
	}
	if m.n != float64(len(all)) || m.min != all[0] || m.max != all[len(all)-1] {
		t.Errorf("count %v min %v max %v", m.n, m.min, m.max)
	}
	// The sketch stays bounded.
	if n := len(m.sk.pos.idx) + len(m.sk.neg.idx); n > 2*maxBins {
		t.Errorf("%d bins", n)
	}
}

func TestAggEncodingRoundTrip(t *testing.T) {
	cases := []*agg{aggOf(7), aggOf(1, 2, 3), aggOf(seq(500)...)}
	set := newAgg()
	set.addSet(StatisticSet{SampleCount: 10, Sum: 55, Minimum: 1, Maximum: 10})
	cases = append(cases, set)
	w := newAgg()
	w.addValue(2.5, 1.5)
	cases = append(cases, w)
	for i, a := range cases {
		b := a.appendTo(nil)
		d, rest, err := readAgg(b)
		if err != nil || len(rest) != 0 {
			t.Fatalf("case %d: %v", i, err)
		}
		if d.n != a.n || d.sum != a.sum || d.min != a.min || d.max != a.max || d.noPct != a.noPct || (d.sk == nil) != (a.sk == nil) {
			t.Errorf("case %d: %+v != %+v", i, d, a)
		}
		for _, p := range []float64{10, 50, 90} {
			x, ok1 := a.percentile(p)
			y, ok2 := d.percentile(p)
			if x != y || ok1 != ok2 {
				t.Errorf("case %d p%v: %v/%v vs %v/%v", i, p, x, ok1, y, ok2)
			}
		}
	}
	// Single values take 9 bytes.
	if n := len(aggOf(42).appendTo(nil)); n != 9 {
		t.Errorf("single value encodes in %d bytes", n)
	}
}

func TestLowSampleThreshold(t *testing.T) {
	for p, want := range map[float64]float64{99: 1000, 90: 100, 50: 20, 10: 100, 100: 0} {
		if got := lowSampleThreshold(p); math.Abs(got-want) > 1e-6 {
			t.Errorf("p%v: %v, want %v", p, got, want)
		}
	}
}
