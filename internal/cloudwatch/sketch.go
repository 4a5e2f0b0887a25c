package cloudwatch

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// A sketch is a mergeable summary of a bucket's values from which
// percentiles are read. While a bucket holds at most exactMax (256) distinct
// values it keeps them exactly (value, count), so small samples give
// exact nearest-rank percentiles as CloudWatch does; beyond that it turns
// into a log-scale histogram (DDSketch style) whose bins are gamma = 1.01
// apart, i.e. every percentile is within 0.5% of a true sample value. Each
// sign keeps at most maxBins bins: the smallest magnitudes are collapsed
// first, so the relative error holds for the upper percentiles, which are
// the ones alarms and dashboards read.
type sketch struct {
	exact  []wv // exact mode (binned == false)
	binned bool
	zero   float64
	pos    bins
	neg    bins // magnitudes of negative values
}

type wv struct{ v, c float64 }

type bins struct {
	idx []int32
	cnt []float64
}

const (
	exactMax = 256
	maxBins  = 2048
	gamma    = 1.01
)

var lnGamma = math.Log(gamma)

func binIndex(v float64) int32 {
	return int32(math.Ceil(math.Log(v) / lnGamma))
}

func binValue(i int32) float64 {
	return 2 * math.Pow(gamma, float64(i)) / (gamma + 1)
}

func (b *bins) add(i int32, c float64) {
	n := len(b.idx)
	// Fast path: appending at the end or hitting the last bin.
	if n > 0 && b.idx[n-1] == i {
		b.cnt[n-1] += c
		return
	}
	if n == 0 || b.idx[n-1] < i {
		b.idx = append(b.idx, i)
		b.cnt = append(b.cnt, c)
	} else {
		j := sort.Search(n, func(k int) bool { return b.idx[k] >= i })
		if b.idx[j] == i {
			b.cnt[j] += c
			return
		}
		b.idx = append(b.idx, 0)
		b.cnt = append(b.cnt, 0)
		copy(b.idx[j+1:], b.idx[j:])
		copy(b.cnt[j+1:], b.cnt[j:])
		b.idx[j], b.cnt[j] = i, c
	}
	if len(b.idx) > maxBins {
		// Collapse the two smallest magnitudes.
		b.cnt[1] += b.cnt[0]
		b.idx, b.cnt = b.idx[1:], b.cnt[1:]
	}
}

func (b *bins) total() float64 {
	t := 0.0
	for _, c := range b.cnt {
		t += c
	}
	return t
}

// add records value v with weight c.
func (s *sketch) add(v, c float64) {
	if !s.binned {
		for i := range s.exact {
			if s.exact[i].v == v {
				s.exact[i].c += c
				return
			}
		}
		if len(s.exact) < exactMax {
			s.exact = append(s.exact, wv{v, c})
			return
		}
		s.toBins()
	}
	s.addBinned(v, c)
}

func (s *sketch) addBinned(v, c float64) {
	switch {
	case v > 0:
		s.pos.add(binIndex(v), c)
	case v < 0:
		s.neg.add(binIndex(-v), c)
	default:
		s.zero += c
	}
}

func (s *sketch) toBins() {
	ex := s.exact
	s.exact = nil
	s.binned = true
	sort.Slice(ex, func(i, j int) bool { return ex[i].v < ex[j].v })
	for _, e := range ex {
		s.addBinned(e.v, e.c)
	}
}

// merge adds o into s.
func (s *sketch) merge(o *sketch) {
	if o == nil {
		return
	}
	if !o.binned {
		for _, e := range o.exact {
			s.add(e.v, e.c)
		}
		return
	}
	if !s.binned {
		s.toBins()
	}
	s.zero += o.zero
	for i, idx := range o.pos.idx {
		s.pos.add(idx, o.pos.cnt[i])
	}
	for i, idx := range o.neg.idx {
		s.neg.add(idx, o.neg.cnt[i])
	}
}

func (s *sketch) clone() *sketch {
	if s == nil {
		return nil
	}
	c := &sketch{binned: s.binned, zero: s.zero}
	c.exact = append([]wv(nil), s.exact...)
	c.pos = bins{append([]int32(nil), s.pos.idx...), append([]float64(nil), s.pos.cnt...)}
	c.neg = bins{append([]int32(nil), s.neg.idx...), append([]float64(nil), s.neg.cnt...)}
	return c
}

func (s *sketch) count() float64 {
	if !s.binned {
		t := 0.0
		for _, e := range s.exact {
			t += e.c
		}
		return t
	}
	return s.zero + s.pos.total() + s.neg.total()
}

// quantile returns the nearest-rank p-quantile (0 ≤ p ≤ 1): the smallest
// value whose cumulative count reaches ceil(p·n), and the minimum for p=0.
func (s *sketch) quantile(p float64) (float64, bool) {
	n := s.count()
	if n <= 0 {
		return 0, false
	}
	rank := math.Ceil(p*n - 1e-9)
	if rank < 1 {
		rank = 1
	}
	if !s.binned {
		ex := append([]wv(nil), s.exact...)
		sort.Slice(ex, func(i, j int) bool { return ex[i].v < ex[j].v })
		cum := 0.0
		for _, e := range ex {
			cum += e.c
			if cum >= rank {
				return e.v, true
			}
		}
		return ex[len(ex)-1].v, true
	}
	cum := 0.0
	// Negative values, most negative first.
	for i := len(s.neg.idx) - 1; i >= 0; i-- {
		cum += s.neg.cnt[i]
		if cum >= rank {
			return -binValue(s.neg.idx[i]), true
		}
	}
	cum += s.zero
	if cum >= rank {
		return 0, true
	}
	for i, idx := range s.pos.idx {
		cum += s.pos.cnt[i]
		if cum >= rank {
			return binValue(idx), true
		}
	}
	if len(s.pos.idx) > 0 {
		return binValue(s.pos.idx[len(s.pos.idx)-1]), true
	}
	return 0, true
}

// rankRange returns the weighted values in [lo, hi] quantile ranks, for
// trimmed statistics: the sum and count of values whose rank lies between
// ceil(lo·n) and floor(hi·n) (inclusive), approximating bins by their
// representative value.
func (s *sketch) between(lo, hi float64, inclusiveLo, inclusiveHi bool, fn func(v, c float64)) {
	type vc struct{ v, c float64 }
	var all []vc
	if !s.binned {
		for _, e := range s.exact {
			all = append(all, vc{e.v, e.c})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	} else {
		for i := len(s.neg.idx) - 1; i >= 0; i-- {
			all = append(all, vc{-binValue(s.neg.idx[i]), s.neg.cnt[i]})
		}
		if s.zero > 0 {
			all = append(all, vc{0, s.zero})
		}
		for i, idx := range s.pos.idx {
			all = append(all, vc{binValue(idx), s.pos.cnt[i]})
		}
	}
	for _, e := range all {
		if (e.v > lo || (inclusiveLo && e.v == lo)) && (e.v < hi || (inclusiveHi && e.v == hi)) {
			fn(e.v, e.c)
		}
	}
}

// Encoding: a mode byte, then the exact pairs or the zero count and the
// two bin stores (delta-coded indexes, compact counts).

func appendCount(b []byte, c float64) []byte {
	if c >= 0 && c == math.Trunc(c) && c < 1<<62 {
		return binary.AppendUvarint(b, uint64(c)<<1)
	}
	b = binary.AppendUvarint(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(c))
}

func readCount(b []byte) (float64, []byte, error) {
	x, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errCorrupt
	}
	b = b[n:]
	if x&1 == 0 {
		return float64(x >> 1), b, nil
	}
	if len(b) < 8 {
		return 0, nil, errCorrupt
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), b[8:], nil
}

var errCorrupt = errors.New("cloudwatch: corrupt encoded data")

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func readFloat(b []byte) (float64, []byte, error) {
	if len(b) < 8 {
		return 0, nil, errCorrupt
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), b[8:], nil
}

func (s *sketch) appendTo(b []byte) []byte {
	if !s.binned {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(s.exact)))
		for _, e := range s.exact {
			b = appendFloat(b, e.v)
			b = appendCount(b, e.c)
		}
		return b
	}
	b = append(b, 2)
	b = appendCount(b, s.zero)
	for _, st := range []*bins{&s.pos, &s.neg} {
		b = binary.AppendUvarint(b, uint64(len(st.idx)))
		prev := int32(0)
		for i, idx := range st.idx {
			b = binary.AppendVarint(b, int64(idx-prev))
			prev = idx
			b = appendCount(b, st.cnt[i])
		}
	}
	return b
}

func readSketch(b []byte) (*sketch, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errCorrupt
	}
	mode := b[0]
	b = b[1:]
	s := &sketch{}
	switch mode {
	case 1:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > exactMax {
			return nil, nil, errCorrupt
		}
		b = b[k:]
		s.exact = make([]wv, 0, n)
		for i := uint64(0); i < n; i++ {
			var v, c float64
			var err error
			if v, b, err = readFloat(b); err != nil {
				return nil, nil, err
			}
			if c, b, err = readCount(b); err != nil {
				return nil, nil, err
			}
			s.exact = append(s.exact, wv{v, c})
		}
	case 2:
		s.binned = true
		var err error
		if s.zero, b, err = readCount(b); err != nil {
			return nil, nil, err
		}
		for _, st := range []*bins{&s.pos, &s.neg} {
			n, k := binary.Uvarint(b)
			if k <= 0 || n > maxBins+1 {
				return nil, nil, errCorrupt
			}
			b = b[k:]
			st.idx = make([]int32, 0, n)
			st.cnt = make([]float64, 0, n)
			prev := int32(0)
			for i := uint64(0); i < n; i++ {
				d, k := binary.Varint(b)
				if k <= 0 {
					return nil, nil, errCorrupt
				}
				b = b[k:]
				prev += int32(d)
				var c float64
				if c, b, err = readCount(b); err != nil {
					return nil, nil, err
				}
				st.idx = append(st.idx, prev)
				st.cnt = append(st.cnt, c)
			}
		}
	default:
		return nil, nil, errCorrupt
	}
	return s, b, nil
}
