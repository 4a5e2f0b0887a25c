package cloudwatch

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// The time-series store. See doc.go for the design; in short: every
// PutMetricData is one compact binary WAL record committed to the store
// before the call returns (concurrent calls share a transaction), then
// folded into per-series in-memory "dirty" buckets; a flush merges dirty
// buckets into per-series blocks in the store and drops the WAL records it
// covered; a roll-up pass turns expired blocks of one resolution into the
// next coarser one and deletes what is past retention.

const (
	bucketSeries = "cw.series"
	bucketWAL    = "cw.wal"
	bucketBlocks = "cw.blocks"
	bucketBIdx   = "cw.bidx"
)

// Resolution tiers. Tier 0 is the full resolution (1 s for high-resolution
// data, 60 s for standard data, both scaled by the clock); tiers 1–3 are
// CloudWatch's 1-minute, 5-minute and 1-hour roll-ups.
type tierSpec struct {
	width     time.Duration
	retention time.Duration
}

var tiers = [4]tierSpec{
	{0, 3 * time.Hour},
	{time.Minute, 15 * 24 * time.Hour},
	{5 * time.Minute, 63 * 24 * time.Hour},
	{time.Hour, 455 * 24 * time.Hour},
}

// blockBuckets is how many buckets one stored block spans.
const blockBuckets = 64

// series is one stored time series: a metric's data in one unit at one
// storage resolution. Queries merge the series of a metric.
type series struct {
	id                     uint64
	acct, region, ns, name string
	dims                   []Dimension
	unit                   string
	hires                  bool
	width0                 int64 // tier-0 bucket width in ms; 0 when tier 0 is unused
	lastPut                atomic.Int64
	persisted              atomic.Bool
	m                      *metric
	dirty                  map[dkey]*agg // guarded by tsdb.mu
	persistedLastPut       int64         // guarded by tsdb.mu
}

type dkey struct {
	tier int8
	t    int64 // bucket start, ms
}

// metric groups the series of one metric identity (namespace, name,
// dimensions) in an account and region.
type metric struct {
	key                    string
	acct, region, ns, name string
	dims                   []Dimension
	series                 []*series // guarded by registry.mu
}

func (m *metric) lastPut() int64 {
	var t int64
	for _, s := range m.series {
		if p := s.lastPut.Load(); p > t {
			t = p
		}
	}
	return t
}

type seriesRec struct {
	ID      uint64      `json:"id"`
	Acct    string      `json:"acct"`
	Region  string      `json:"region"`
	NS      string      `json:"ns"`
	Name    string      `json:"name"`
	Dims    []Dimension `json:"dims,omitempty"`
	Unit    string      `json:"unit,omitempty"`
	HiRes   bool        `json:"hires,omitempty"`
	LastPut int64       `json:"lastPut"`
}

// walEntry is one datum bound to its series.
type walEntry struct {
	s    *series
	ts   int64 // ms
	kind byte  // 0 value, 1 values/counts, 2 statistic set
	v    float64
	vals []float64
	cnts []float64
	set  StatisticSet
}

type walReq struct {
	rec       []byte
	entries   []walEntry
	newSeries []*series
	done      chan error
}

type tsdb struct {
	st  store.Store
	log *slog.Logger
	now func() time.Time

	widthStd, widthHi int64 // tier-0 widths (ms)

	regMu   sync.RWMutex
	byKey   map[string]*series
	byID    map[uint64]*series
	metrics map[string]*metric
	nextID  atomic.Uint64

	// mu orders reads (store + dirty overlay) against flushes and roll-ups
	// (store write + dirty clear).
	mu         sync.RWMutex
	dirtyCount int
	touched    map[*series]bool

	reqs       chan *walReq
	walSeq     uint64
	pendingWAL []string
	stop       chan struct{}
	stopped    chan struct{}
	closeOnce  sync.Once

	// FlushEvery and RollupEvery pace the background work (tests shorten
	// them).
	flushEvery  time.Duration
	rollupEvery time.Duration
	// flushAt is the dirty-bucket count that triggers an early flush.
	flushAt int
}

// defaultFlushEvery paces flushes of acknowledged data into blocks.
var defaultFlushEvery = 2 * time.Second

// divisorWidth returns the largest divisor of unit (in ms) that is at most
// d, at least 1 ms.
func divisorWidth(d time.Duration, unit time.Duration) int64 {
	u := unit.Milliseconds()
	dm := d.Milliseconds()
	if dm >= u {
		return u
	}
	if dm < 1 {
		dm = 1
	}
	for k := (u + dm - 1) / dm; k <= u; k++ {
		if u%k == 0 {
			return u / k
		}
	}
	return 1
}

func newTSDB(st store.Store, log *slog.Logger, now func() time.Time, scale func(time.Duration) time.Duration) *tsdb {
	db := &tsdb{
		st: st, log: log, now: now,
		widthStd:    divisorWidth(scale(time.Minute), time.Minute),
		widthHi:     divisorWidth(scale(time.Second), time.Second),
		byKey:       map[string]*series{},
		byID:        map[uint64]*series{},
		metrics:     map[string]*metric{},
		touched:     map[*series]bool{},
		reqs:        make(chan *walReq, 256),
		stop:        make(chan struct{}),
		stopped:     make(chan struct{}),
		flushEvery:  defaultFlushEvery,
		rollupEvery: time.Minute,
		flushAt:     200000,
	}
	return db
}

func (db *tsdb) nowMs() int64 { return db.now().UnixMilli() }

func seriesKey(mk, unit string, hires bool) string {
	r := "s"
	if hires {
		r = "h"
	}
	return mk + "\x02" + unit + "\x02" + r
}

// lookup returns the series for a datum identity, creating it (not yet
// persisted) when new. dims must be sorted.
func (db *tsdb) lookup(acct, region, ns, name string, dims []Dimension, unit string, hires bool) (*series, bool) {
	mk := metricKey(acct, region, ns, name, dims)
	sk := seriesKey(mk, unit, hires)
	db.regMu.RLock()
	s := db.byKey[sk]
	db.regMu.RUnlock()
	if s != nil {
		return s, false
	}
	db.regMu.Lock()
	defer db.regMu.Unlock()
	if s = db.byKey[sk]; s != nil {
		return s, false
	}
	s = &series{id: db.nextID.Add(1), acct: acct, region: region, ns: ns, name: name,
		dims: append([]Dimension(nil), dims...), unit: unit, hires: hires}
	db.register(s, mk, sk)
	return s, true
}

// register adds s to the registry (regMu held).
func (db *tsdb) register(s *series, mk, sk string) {
	w := db.widthStd
	if s.hires {
		w = db.widthHi
	}
	if w < tiers[1].width.Milliseconds() {
		s.width0 = w
	}
	m := db.metrics[mk]
	if m == nil {
		m = &metric{key: mk, acct: s.acct, region: s.region, ns: s.ns, name: s.name, dims: s.dims}
		db.metrics[mk] = m
	}
	s.m = m
	m.series = append(m.series, s)
	db.byKey[sk] = s
	db.byID[s.id] = s
}

func (s *series) rec() seriesRec {
	return seriesRec{ID: s.id, Acct: s.acct, Region: s.region, NS: s.ns, Name: s.name, Dims: s.dims, Unit: s.unit, HiRes: s.hires, LastPut: s.lastPut.Load()}
}

func seriesStoreKey(id uint64) string { return fmt.Sprintf("%016x", id) }

// load reads the series registry and replays the WAL.
func (db *tsdb) load(ctx context.Context) error {
	var maxID uint64
	err := db.st.View(ctx, func(tx store.Tx) error {
		if err := tx.Scan(bucketSeries, store.ScanOptions{}, func(k string, v []byte) error {
			var r seriesRec
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("series %s: %w", k, err)
			}
			s := &series{id: r.ID, acct: r.Acct, region: r.Region, ns: r.NS, name: r.Name, dims: r.Dims, unit: r.Unit, hires: r.HiRes}
			s.lastPut.Store(r.LastPut)
			s.persistedLastPut = r.LastPut
			s.persisted.Store(true)
			mk := metricKey(s.acct, s.region, s.ns, s.name, s.dims)
			db.register(s, mk, seriesKey(mk, s.unit, s.hires))
			if r.ID > maxID {
				maxID = r.ID
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(bucketWAL, store.ScanOptions{}, func(k string, v []byte) error {
			seq, err := strconv.ParseUint(k, 16, 64)
			if err != nil {
				return fmt.Errorf("wal key %q: %w", k, err)
			}
			entries, err := db.decodeWAL(v)
			if err != nil {
				db.log.Error("skipping corrupt metric WAL record", "key", k, "err", err)
				return nil
			}
			db.applyEntries(entries)
			db.pendingWAL = append(db.pendingWAL, k)
			if seq > db.walSeq {
				db.walSeq = seq
			}
			return nil
		})
	})
	if maxID > db.nextID.Load() {
		db.nextID.Store(maxID)
	}
	return err
}

// encodeWAL writes entries as one record.
func encodeWAL(b []byte, entries []walEntry) []byte {
	b = append(b, 1) // version
	b = binary.AppendUvarint(b, uint64(len(entries)))
	for i := range entries {
		e := &entries[i]
		b = binary.AppendUvarint(b, e.s.id)
		b = binary.AppendVarint(b, e.ts)
		b = append(b, e.kind)
		switch e.kind {
		case 0:
			b = appendFloat(b, e.v)
		case 1:
			b = binary.AppendUvarint(b, uint64(len(e.vals)))
			for j, v := range e.vals {
				b = appendFloat(b, v)
				c := 1.0
				if e.cnts != nil {
					c = e.cnts[j]
				}
				b = appendCount(b, c)
			}
		case 2:
			b = appendCount(b, e.set.SampleCount)
			b = appendFloat(b, e.set.Sum)
			b = appendFloat(b, e.set.Minimum)
			b = appendFloat(b, e.set.Maximum)
		}
	}
	return b
}

func (db *tsdb) decodeWAL(b []byte) ([]walEntry, error) {
	if len(b) == 0 || b[0] != 1 {
		return nil, errCorrupt
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, errCorrupt
	}
	b = b[k:]
	out := make([]walEntry, 0, n)
	var err error
	for i := uint64(0); i < n; i++ {
		id, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errCorrupt
		}
		b = b[k:]
		ts, k := binary.Varint(b)
		if k <= 0 || len(b) < k+1 {
			return nil, errCorrupt
		}
		b = b[k:]
		e := walEntry{ts: ts, kind: b[0]}
		b = b[1:]
		db.regMu.RLock()
		e.s = db.byID[id]
		db.regMu.RUnlock()
		switch e.kind {
		case 0:
			if e.v, b, err = readFloat(b); err != nil {
				return nil, err
			}
		case 1:
			m, k := binary.Uvarint(b)
			if k <= 0 || m > 1<<20 {
				return nil, errCorrupt
			}
			b = b[k:]
			e.vals = make([]float64, m)
			e.cnts = make([]float64, m)
			for j := range e.vals {
				if e.vals[j], b, err = readFloat(b); err != nil {
					return nil, err
				}
				if e.cnts[j], b, err = readCount(b); err != nil {
					return nil, err
				}
			}
		case 2:
			if e.set.SampleCount, b, err = readCount(b); err != nil {
				return nil, err
			}
			if e.set.Sum, b, err = readFloat(b); err != nil {
				return nil, err
			}
			if e.set.Minimum, b, err = readFloat(b); err != nil {
				return nil, err
			}
			if e.set.Maximum, b, err = readFloat(b); err != nil {
				return nil, err
			}
		default:
			return nil, errCorrupt
		}
		if e.s == nil {
			continue // series record lost: nothing to attach the data to
		}
		out = append(out, e)
	}
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}

func (db *tsdb) tierWidth(s *series, tier int) int64 {
	if tier == 0 {
		return s.width0
	}
	return tiers[tier].width.Milliseconds()
}

// tierFor chooses the tier a datum at ts lands in, by its age.
func (db *tsdb) tierFor(s *series, ts, now int64) int {
	age := time.Duration(now-ts) * time.Millisecond
	switch {
	case s.width0 > 0 && age < tiers[0].retention:
		return 0
	case age < tiers[1].retention:
		return 1
	case age < tiers[2].retention:
		return 2
	}
	return 3
}

// applyEntries folds entries into the dirty buckets (mu must not be held).
func (db *tsdb) applyEntries(entries []walEntry) {
	now := db.nowMs()
	db.mu.Lock()
	defer db.mu.Unlock()
	db.applyLocked(entries, now)
}

func (db *tsdb) applyLocked(entries []walEntry, now int64) {
	for i := range entries {
		e := &entries[i]
		s := e.s
		tier := db.tierFor(s, e.ts, now)
		w := db.tierWidth(s, tier)
		k := dkey{int8(tier), floorDiv(e.ts, w) * w}
		if s.dirty == nil {
			s.dirty = map[dkey]*agg{}
		}
		a := s.dirty[k]
		if a == nil {
			a = newAgg()
			s.dirty[k] = a
			db.dirtyCount++
		}
		switch e.kind {
		case 0:
			a.addValue(e.v, 1)
		case 1:
			for j, v := range e.vals {
				c := 1.0
				if e.cnts != nil {
					c = e.cnts[j]
				}
				a.addValue(v, c)
			}
		case 2:
			a.addSet(e.set)
		}
		db.touched[s] = true
	}
}

// submit commits a WAL record and applies it once committed.
func (db *tsdb) submit(ctx context.Context, r *walReq) error {
	r.done = make(chan error, 1)
	select {
	case db.reqs <- r:
	case <-db.stopped:
		return errors.New("cloudwatch: engine closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-db.stopped:
		// The committer drains queued requests before stopping.
		select {
		case err := <-r.done:
			return err
		default:
			return errors.New("cloudwatch: engine closed")
		}
	}
}

// run is the single writer: group commits, flushes and roll-ups.
func (db *tsdb) run() {
	defer close(db.stopped)
	flush := time.NewTicker(db.flushEvery)
	defer flush.Stop()
	rollup := time.NewTicker(db.rollupEvery)
	defer rollup.Stop()
	ctx := context.Background()
	for {
		select {
		case r := <-db.reqs:
			db.commit(ctx, r)
		case <-flush.C:
			if err := db.flush(ctx); err != nil {
				db.log.Error("flush metric data", "err", err)
			}
		case <-rollup.C:
			if err := db.rollup(ctx); err != nil {
				db.log.Error("roll up metric data", "err", err)
			}
		case <-db.stop:
			for {
				select {
				case r := <-db.reqs:
					db.commit(ctx, r)
					continue
				default:
				}
				break
			}
			if err := db.flush(ctx); err != nil {
				db.log.Error("flush metric data", "err", err)
			}
			return
		}
	}
}

const maxGroupEntries = 100000

func (db *tsdb) commit(ctx context.Context, first *walReq) {
	batch := []*walReq{first}
	n := len(first.entries)
	for n < maxGroupEntries {
		select {
		case r := <-db.reqs:
			batch = append(batch, r)
			n += len(r.entries)
			continue
		default:
		}
		break
	}
	var keys []string
	full := false
	err := db.st.Update(ctx, func(tx store.Tx) error {
		keys = keys[:0]
		seq := db.walSeq
		for _, r := range batch {
			for _, s := range r.newSeries {
				if s.persisted.Load() {
					continue
				}
				if err := tx.Put(bucketSeries, seriesStoreKey(s.id), s.rec()); err != nil {
					return err
				}
			}
			seq++
			k := fmt.Sprintf("%016x", seq)
			if err := tx.PutRaw(bucketWAL, k, r.rec); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return nil
	})
	if err == nil {
		db.walSeq += uint64(len(batch))
		now := db.nowMs()
		db.mu.Lock()
		for _, r := range batch {
			for _, s := range r.newSeries {
				s.persisted.Store(true)
			}
			db.applyLocked(r.entries, now)
		}
		db.pendingWAL = append(db.pendingWAL, keys...)
		full = db.dirtyCount >= db.flushAt
		db.mu.Unlock()
	}
	for _, r := range batch {
		r.done <- err
	}
	if full {
		if ferr := db.flush(ctx); ferr != nil {
			db.log.Error("flush metric data", "err", ferr)
		}
	}
}

// Block keys: <series id>/<tier>/<block start>, with an index by end time
// per tier for the roll-up pass.

func blockKey(id uint64, tier int, start int64) string {
	return fmt.Sprintf("%016x/%d/%016x", id, tier, uint64(start))
}

func blockPrefix(id uint64, tier int) string { return fmt.Sprintf("%016x/%d/", id, tier) }

func bidxKey(tier int, end int64, id uint64) string {
	return fmt.Sprintf("%d/%016x/%016x", tier, uint64(end), id)
}

type bucket struct {
	t int64
	a *agg
}

// encodeBlock writes buckets (sorted by t) of width w starting at start.
func encodeBlock(start, w int64, bs []bucket) []byte {
	b := make([]byte, 0, 16+len(bs)*12)
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(w))
	b = binary.AppendVarint(b, start)
	b = binary.AppendUvarint(b, uint64(len(bs)))
	prev := int64(0)
	for _, x := range bs {
		idx := (x.t - start) / w
		b = binary.AppendUvarint(b, uint64(idx-prev))
		prev = idx
		b = x.a.appendTo(b)
	}
	return b
}

func decodeBlock(b []byte) (start, w int64, bs []bucket, err error) {
	if len(b) == 0 || b[0] != 1 {
		return 0, 0, nil, errCorrupt
	}
	b = b[1:]
	uw, k := binary.Uvarint(b)
	if k <= 0 || uw == 0 {
		return 0, 0, nil, errCorrupt
	}
	b = b[k:]
	w = int64(uw)
	start, k = binary.Varint(b)
	if k <= 0 {
		return 0, 0, nil, errCorrupt
	}
	b = b[k:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > blockBuckets*64 {
		return 0, 0, nil, errCorrupt
	}
	b = b[k:]
	bs = make([]bucket, 0, n)
	idx := int64(0)
	for i := uint64(0); i < n; i++ {
		d, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, 0, nil, errCorrupt
		}
		b = b[k:]
		idx += int64(d)
		var a *agg
		if a, b, err = readAgg(b); err != nil {
			return 0, 0, nil, err
		}
		bs = append(bs, bucket{start + idx*w, a})
	}
	return start, w, bs, nil
}

// mergeInto merges buckets add into the block at key (creating it), in tx.
func mergeInto(tx store.Tx, id uint64, tier int, start, w int64, add []bucket) error {
	key := blockKey(id, tier, start)
	raw, err := tx.GetRaw(bucketBlocks, key)
	var cur []bucket
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := tx.PutRaw(bucketBIdx, bidxKey(tier, start+w*blockBuckets, id), []byte(key)); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if _, _, cur, err = decodeBlock(raw); err != nil {
			return fmt.Errorf("block %s: %w", key, err)
		}
	}
	sort.Slice(add, func(i, j int) bool { return add[i].t < add[j].t })
	out := make([]bucket, 0, len(cur)+len(add))
	i, j := 0, 0
	for i < len(cur) || j < len(add) {
		switch {
		case j >= len(add) || (i < len(cur) && cur[i].t < add[j].t):
			out = append(out, cur[i])
			i++
		case i >= len(cur) || add[j].t < cur[i].t:
			out = append(out, bucket{add[j].t, add[j].a.clone()})
			j++
		default:
			m := cur[i].a
			m.merge(add[j].a)
			out = append(out, bucket{cur[i].t, m})
			i++
			j++
		}
	}
	return tx.PutRaw(bucketBlocks, key, encodeBlock(start, w, out))
}

type blockRef struct {
	id    uint64
	tier  int
	start int64
}

// flush merges dirty buckets into blocks and drops the covered WAL.
func (db *tsdb) flush(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.dirtyCount == 0 && len(db.pendingWAL) == 0 && len(db.touched) == 0 {
		return nil
	}
	groups := map[blockRef][]bucket{}
	for s := range db.touched {
		for k, a := range s.dirty {
			w := db.tierWidth(s, int(k.tier))
			span := w * blockBuckets
			ref := blockRef{s.id, int(k.tier), floorDiv(k.t, span) * span}
			groups[ref] = append(groups[ref], bucket{k.t, a})
		}
	}
	refs := make([]blockRef, 0, len(groups))
	for r := range groups {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].id != refs[j].id {
			return refs[i].id < refs[j].id
		}
		if refs[i].tier != refs[j].tier {
			return refs[i].tier < refs[j].tier
		}
		return refs[i].start < refs[j].start
	})
	err := db.st.Update(ctx, func(tx store.Tx) error {
		for _, r := range refs {
			s := db.byIDLocked(r.id)
			if err := mergeInto(tx, r.id, r.tier, r.start, db.tierWidth(s, r.tier), groups[r]); err != nil {
				return err
			}
		}
		for s := range db.touched {
			if lp := s.lastPut.Load(); lp != s.persistedLastPut {
				if err := tx.Put(bucketSeries, seriesStoreKey(s.id), s.rec()); err != nil {
					return err
				}
			}
		}
		for _, k := range db.pendingWAL {
			if err := tx.Delete(bucketWAL, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for s := range db.touched {
		s.dirty = nil
		s.persistedLastPut = s.lastPut.Load()
	}
	db.touched = map[*series]bool{}
	db.dirtyCount = 0
	db.pendingWAL = nil
	return nil
}

func (db *tsdb) byIDLocked(id uint64) *series {
	db.regMu.RLock()
	defer db.regMu.RUnlock()
	return db.byID[id]
}

// rollup moves expired blocks to the next coarser tier and deletes data
// past the last tier's retention.
func (db *tsdb) rollup(ctx context.Context) error {
	now := db.nowMs()
	for tier := 0; tier < len(tiers); tier++ {
		cutoff := now - tiers[tier].retention.Milliseconds()
		for {
			n, err := db.rollupBatch(ctx, tier, cutoff, 256)
			if err != nil {
				return err
			}
			if n < 256 {
				break
			}
		}
	}
	return nil
}

func (db *tsdb) rollupBatch(ctx context.Context, tier int, cutoff int64, limit int) (int, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	type item struct{ idxKey, blockKey string }
	var items []item
	err := db.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketBIdx, store.ScanOptions{Prefix: fmt.Sprintf("%d/", tier), Limit: limit}, func(k string, v []byte) error {
			parts := k[len(fmt.Sprintf("%d/", tier)):]
			end, err := strconv.ParseUint(parts[:16], 16, 64)
			if err != nil {
				return err
			}
			if int64(end) > cutoff {
				return store.ErrStop
			}
			items = append(items, item{k, string(v)})
			return nil
		})
	})
	if err != nil || len(items) == 0 {
		return 0, err
	}
	err = db.st.Update(ctx, func(tx store.Tx) error {
		next := map[blockRef][]bucket{}
		for _, it := range items {
			raw, err := tx.GetRaw(bucketBlocks, it.blockKey)
			if err == nil && tier+1 < len(tiers) {
				_, _, bs, derr := decodeBlock(raw)
				if derr != nil {
					db.log.Error("dropping corrupt metric block", "key", it.blockKey, "err", derr)
				} else {
					var id uint64
					fmt.Sscanf(it.blockKey[:16], "%x", &id)
					nw := tiers[tier+1].width.Milliseconds()
					span := nw * blockBuckets
					for _, x := range bs {
						t := floorDiv(x.t, nw) * nw
						ref := blockRef{id, tier + 1, floorDiv(t, span) * span}
						next[ref] = append(next[ref], bucket{t, x.a})
					}
				}
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := tx.Delete(bucketBlocks, it.blockKey); err != nil {
				return err
			}
			if err := tx.Delete(bucketBIdx, it.idxKey); err != nil {
				return err
			}
		}
		for ref, bs := range next {
			// Buckets of the same coarse time merge first.
			sort.Slice(bs, func(i, j int) bool { return bs[i].t < bs[j].t })
			var merged []bucket
			for _, x := range bs {
				if len(merged) > 0 && merged[len(merged)-1].t == x.t {
					merged[len(merged)-1].a.merge(x.a)
					continue
				}
				merged = append(merged, bucket{x.t, x.a.clone()})
			}
			if err := mergeInto(tx, ref.id, ref.tier, ref.start, tiers[ref.tier].width.Milliseconds(), merged); err != nil {
				return err
			}
		}
		return nil
	})
	return len(items), err
}

// read calls fn for every stored bucket of s that starts in [from, to),
// from every tier, including data not yet flushed. Buckets of different
// tiers never overlap in content.
func (db *tsdb) read(ctx context.Context, s *series, from, to int64, fn func(t, w int64, a *agg)) error {
	now := db.nowMs()
	db.mu.RLock()
	defer db.mu.RUnlock()
	err := db.st.View(ctx, func(tx store.Tx) error {
		for tier := 0; tier < len(tiers); tier++ {
			w := db.tierWidth(s, tier)
			if w == 0 {
				continue
			}
			// A coarser tier only holds data older than the finer tier's
			// retention (roll-ups, or datums already that old when put),
			// so recent ranges skip it.
			if tier > 0 && (tier > 1 || s.width0 > 0) && from >= now-tiers[tier-1].retention.Milliseconds() {
				continue
			}
			span := w * blockBuckets
			first := floorDiv(from, span) * span
			prefix := blockPrefix(s.id, tier)
			opt := store.ScanOptions{Prefix: prefix}
			if first > 0 {
				opt.After = prefix + fmt.Sprintf("%016x", uint64(first-1))
			}
			if err := tx.Scan(bucketBlocks, opt, func(k string, v []byte) error {
				start, bw, bs, err := decodeBlock(v)
				if err != nil {
					db.log.Error("skipping corrupt metric block", "key", k, "err", err)
					return nil
				}
				if start >= to {
					return store.ErrStop
				}
				for _, x := range bs {
					if x.t >= from && x.t < to {
						fn(x.t, bw, x.a)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, a := range s.dirty {
		if k.t >= from && k.t < to {
			fn(k.t, db.tierWidth(s, int(k.tier)), a)
		}
	}
	return nil
}

// start launches the writer goroutine.
func (db *tsdb) start() { go db.run() }

// close stops the writer after flushing.
func (db *tsdb) close() {
	db.closeOnce.Do(func() {
		close(db.stop)
		<-db.stopped
	})
}

// metricsSnapshot returns the metrics of an account and region.
func (db *tsdb) metricsOf(acct, region string) []*metric {
	db.regMu.RLock()
	defer db.regMu.RUnlock()
	var out []*metric
	for _, m := range db.metrics {
		if m.acct == acct && m.region == region {
			out = append(out, m)
		}
	}
	return out
}

// metricByKey returns the metric with the identity, or nil.
func (db *tsdb) metricByKey(mk string) *metric {
	db.regMu.RLock()
	defer db.regMu.RUnlock()
	return db.metrics[mk]
}

// seriesOf returns a snapshot of m's series.
func (db *tsdb) seriesOf(m *metric) []*series {
	db.regMu.RLock()
	defer db.regMu.RUnlock()
	return append([]*series(nil), m.series...)
}
