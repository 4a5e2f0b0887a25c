package cloudwatch

import (
	"encoding/binary"
	"math"
)

// agg is one bucket's aggregate: the four basic statistics plus the value
// distribution for percentiles. sk is nil when every contribution was a
// statistic set that does not pin down its values (AWS computes no
// percentiles for those); noPct marks buckets that mix such sets with raw
// values.
type agg struct {
	n, sum, min, max float64
	sk               *sketch
	noPct            bool
}

func newAgg() *agg { return &agg{min: math.Inf(1), max: math.Inf(-1)} }

func (a *agg) addValue(v, c float64) {
	a.n += c
	a.sum += v * c
	if v < a.min {
		a.min = v
	}
	if v > a.max {
		a.max = v
	}
	if a.sk == nil {
		if a.n != c { // earlier statistic-set contributions had no values
			a.noPct = true
		}
		a.sk = &sketch{}
	}
	a.sk.add(v, c)
}

// addSet adds a statistic set. As AWS documents, percentiles stay
// available only if the set describes identical values (count 1, or
// Min = Max with Sum = Min × SampleCount).
func (a *agg) addSet(s StatisticSet) {
	if s.SampleCount == 1 || (s.Minimum == s.Maximum && s.Sum == s.Minimum*s.SampleCount) {
		a.addValue(s.Minimum, s.SampleCount)
		return
	}
	a.n += s.SampleCount
	a.sum += s.Sum
	a.min = math.Min(a.min, s.Minimum)
	a.max = math.Max(a.max, s.Maximum)
	a.noPct = true
}

func (a *agg) merge(o *agg) {
	if o.n == 0 && o.sk == nil {
		return
	}
	hadValues := a.sk != nil
	a.n += o.n
	a.sum += o.sum
	a.min = math.Min(a.min, o.min)
	a.max = math.Max(a.max, o.max)
	a.noPct = a.noPct || o.noPct
	switch {
	case o.sk == nil:
		if hadValues {
			a.noPct = true
		}
	case a.sk == nil:
		if a.n != o.n {
			a.noPct = true
		}
		a.sk = o.sk.clone()
	default:
		a.sk.merge(o.sk)
	}
}

func (a *agg) clone() *agg {
	c := *a
	c.sk = a.sk.clone()
	return &c
}

// percentile returns the nearest-rank percentile p (0–100), clamped to
// the bucket's true minimum and maximum.
func (a *agg) percentile(p float64) (float64, bool) {
	if a.sk == nil || a.noPct || a.n <= 0 {
		return 0, false
	}
	if p <= 0 {
		return a.min, true
	}
	if p >= 100 {
		return a.max, true
	}
	v, ok := a.sk.quantile(p / 100)
	if !ok {
		return 0, false
	}
	return math.Min(math.Max(v, a.min), a.max), true
}

// Encoding of an aggregate: flags, then either the single value or the
// four statistics, then the sketch.
const (
	aggSingle = 1 << iota // n == 1: one value v (min = max = sum = v)
	aggSketch
	aggNoPct
)

func (a *agg) appendTo(b []byte) []byte {
	flags := uint64(0)
	single := a.n == 1 && a.min == a.max && a.sum == a.min && a.sk != nil && !a.sk.binned && len(a.sk.exact) == 1
	if single {
		flags |= aggSingle
	} else if a.sk != nil {
		flags |= aggSketch
	}
	if a.noPct {
		flags |= aggNoPct
	}
	b = binary.AppendUvarint(b, flags)
	if single {
		return appendFloat(b, a.min)
	}
	b = appendCount(b, a.n)
	b = appendFloat(b, a.sum)
	b = appendFloat(b, a.min)
	b = appendFloat(b, a.max)
	if a.sk != nil {
		b = a.sk.appendTo(b)
	}
	return b
}

func readAgg(b []byte) (*agg, []byte, error) {
	flags, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, nil, errCorrupt
	}
	b = b[k:]
	a := &agg{noPct: flags&aggNoPct != 0}
	var err error
	if flags&aggSingle != 0 {
		var v float64
		if v, b, err = readFloat(b); err != nil {
			return nil, nil, err
		}
		a.n, a.sum, a.min, a.max = 1, v, v, v
		a.sk = &sketch{exact: []wv{{v, 1}}}
		return a, b, nil
	}
	if a.n, b, err = readCount(b); err != nil {
		return nil, nil, err
	}
	if a.sum, b, err = readFloat(b); err != nil {
		return nil, nil, err
	}
	if a.min, b, err = readFloat(b); err != nil {
		return nil, nil, err
	}
	if a.max, b, err = readFloat(b); err != nil {
		return nil, nil, err
	}
	if flags&aggSketch != 0 {
		if a.sk, b, err = readSketch(b); err != nil {
			return nil, nil, err
		}
	}
	return a, b, nil
}
