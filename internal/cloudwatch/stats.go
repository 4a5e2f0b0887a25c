package cloudwatch

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// A statistic CloudWatch computes from a period's aggregate.
type statKind int

const (
	statSampleCount statKind = iota
	statAverage
	statSum
	statMinimum
	statMaximum
	statPercentile // pNN
	statTM         // trimmed mean
	statWM         // winsorized mean
	statTC         // trimmed count
	statTS         // trimmed sum
	statPR         // percentile rank
	statIQM        // interquartile mean
)

type stat struct {
	kind   statKind
	name   string
	p      float64 // percentile (statPercentile)
	lo, hi float64 // bounds for ranged statistics
	pct    bool    // bounds are percentiles (else absolute values)
	loSet  bool
	hiSet  bool
}

var basicStats = map[string]statKind{
	"SampleCount": statSampleCount, "Average": statAverage, "Sum": statSum, "Minimum": statMinimum, "Maximum": statMaximum,
}

var (
	rePercentile = regexp.MustCompile(`^p(\d{1,2}(\.\d{0,10})?|100(\.0{0,10})?)$`)
	reShortRange = regexp.MustCompile(`^(tm|wm|tc|ts)(\d{1,2}(\.\d{0,10})?|100(\.0{0,10})?)$`)
	reLongRange  = regexp.MustCompile(`^(TM|WM|TC|TS|PR)\(([^:)]*):([^:)]*)\)$`)
)

// parseExtended parses an extended statistic (p99, p99.9, tm90, TM(10%:90%),
// PR(100:2000), IQM). percentilesOnly restricts it to pNN (what
// GetMetricStatistics and alarms accept for percentiles).
func parseExtended(s string, percentilesOnly bool) (stat, bool) {
	if m := rePercentile.FindStringSubmatch(s); m != nil {
		p, err := strconv.ParseFloat(s[1:], 64)
		if err != nil || p < 0 || p > 100 {
			return stat{}, false
		}
		return stat{kind: statPercentile, name: s, p: p}, true
	}
	if percentilesOnly {
		return stat{}, false
	}
	if s == "IQM" {
		return stat{kind: statIQM, name: s, lo: 25, hi: 75, pct: true, loSet: true, hiSet: true}, true
	}
	kinds := map[string]statKind{"tm": statTM, "wm": statWM, "tc": statTC, "ts": statTS, "pr": statPR}
	if m := reShortRange.FindStringSubmatch(s); m != nil {
		p, _ := strconv.ParseFloat(m[2], 64)
		if p > 100 {
			return stat{}, false
		}
		return stat{kind: kinds[m[1]], name: s, lo: 0, hi: p, pct: true, loSet: true, hiSet: true}, true
	}
	if m := reLongRange.FindStringSubmatch(s); m != nil {
		st := stat{kind: kinds[strings.ToLower(m[1])], name: s}
		lo, hi := strings.TrimSpace(m[2]), strings.TrimSpace(m[3])
		loPct, hiPct := strings.HasSuffix(lo, "%"), strings.HasSuffix(hi, "%")
		if lo != "" && hi != "" && loPct != hiPct {
			return stat{}, false
		}
		st.pct = loPct || hiPct
		if st.kind == statPR && st.pct {
			return stat{}, false // PR takes absolute values
		}
		if lo != "" {
			v, err := strconv.ParseFloat(strings.TrimSuffix(lo, "%"), 64)
			if err != nil {
				return stat{}, false
			}
			st.lo, st.loSet = v, true
		}
		if hi != "" {
			v, err := strconv.ParseFloat(strings.TrimSuffix(hi, "%"), 64)
			if err != nil {
				return stat{}, false
			}
			st.hi, st.hiSet = v, true
		}
		if !st.loSet && !st.hiSet {
			return stat{}, false
		}
		if st.pct {
			if !st.loSet {
				st.lo, st.loSet = 0, true
			}
			if !st.hiSet {
				st.hi, st.hiSet = 100, true
			}
			if st.lo < 0 || st.hi > 100 || st.lo >= st.hi {
				return stat{}, false
			}
		} else if st.loSet && st.hiSet && st.lo > st.hi {
			return stat{}, false
		}
		return st, true
	}
	return stat{}, false
}

// parseStat parses a MetricStat Stat: a basic statistic or an extended one.
func parseStat(s string) (stat, bool) {
	if k, ok := basicStats[s]; ok {
		return stat{kind: k, name: s}, true
	}
	return parseExtended(s, false)
}

// value computes the statistic over a period's aggregate.
func (st stat) value(a *agg) (float64, bool) {
	if a == nil || a.n <= 0 {
		return 0, false
	}
	switch st.kind {
	case statSampleCount:
		return a.n, true
	case statAverage:
		return a.sum / a.n, true
	case statSum:
		return a.sum, true
	case statMinimum:
		return a.min, true
	case statMaximum:
		return a.max, true
	case statPercentile:
		return a.percentile(st.p)
	}
	if a.sk == nil || a.noPct {
		return 0, false
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if st.pct {
		var ok bool
		if st.lo > 0 {
			if lo, ok = a.percentile(st.lo); !ok {
				return 0, false
			}
		}
		if st.hi < 100 {
			if hi, ok = a.percentile(st.hi); !ok {
				return 0, false
			}
		}
	} else {
		if st.loSet {
			lo = st.lo
		}
		if st.hiSet {
			hi = st.hi
		}
	}
	// Percent bounds exclude values at the lower percentile and include
	// those at the upper one; absolute bounds include both ends.
	loIncl := !st.pct || st.lo == 0
	var n, sum float64
	switch st.kind {
	case statWM:
		var all float64
		a.sk.between(math.Inf(-1), math.Inf(1), true, true, func(v, c float64) {
			all += c
			sum += math.Min(math.Max(v, lo), hi) * c
		})
		if all == 0 {
			return 0, false
		}
		return sum / all, true
	case statPR:
		a.sk.between(lo, hi, true, true, func(v, c float64) { n += c })
		return 100 * n / a.n, true
	}
	a.sk.between(lo, hi, loIncl, true, func(v, c float64) {
		n += c
		sum += v * c
	})
	switch st.kind {
	case statTC:
		return n, true
	case statTS:
		return sum, true
	}
	if n == 0 {
		return 0, false
	}
	return sum / n, true
}

// lowSampleThreshold is the sample count below which a percentile alarm
// with EvaluateLowSampleCountPercentile=ignore skips evaluation: 10/(1-p)
// for p ≥ 0.5 and 10/p below.
func lowSampleThreshold(p float64) float64 {
	f := p / 100
	switch {
	case f >= 1 || f <= 0:
		return 0 // p100 and p0 are the maximum and minimum
	case f >= 0.5:
		return math.Round(10/(1-f)*1e6) / 1e6
	}
	return math.Round(10/f*1e6) / 1e6
}
