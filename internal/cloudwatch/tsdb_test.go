package cloudwatch

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

func gms(t *testing.T, e *Engine, name string, start, end time.Time, period int32, stats []string, ext []string) []datapointOut {
	t.Helper()
	out, err := e.opGetMetricStatistics(ctx, &getMetricStatisticsIn{Namespace: "T/R", MetricName: name, StartTime: tp(start), EndTime: tp(end),
		Period: i32(period), Statistics: stats, ExtendedStatistics: ext})
	if err != nil {
		t.Fatal(err)
	}
	return out.Datapoints
}

func countBlocks(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketBlocks, store.ScanOptions{}, func(k string, v []byte) error {
			parts := strings.Split(k, "/")
			out["tier"+parts[1]]++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Data moves from full resolution to 1-minute, 5-minute and 1-hour
// aggregates as it ages, keeping statistics and percentile estimates, and
// is gone after 455 days.
func TestRetentionRollup(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0}
	e, st := newFakeClockEngine(t, ft, 1)
	// One high-resolution value per second for 10 minutes (1..600), and a
	// standard-resolution series.
	var data []Datum
	for i := 0; i < 600; i++ {
		data = append(data, Datum{MetricName: "hi", Value: float64(i + 1), StorageResolution: 1, Timestamp: t0.Add(time.Duration(i) * time.Second)})
		if len(data) == 1000 || i == 599 {
			if err := e.PutMetricData(ctx, "T/R", data); err != nil {
				t.Fatal(err)
			}
			data = nil
		}
	}
	if err := e.PutMetricData(ctx, "T/R", []Datum{{MetricName: "std", Value: 5, Timestamp: t0}, {MetricName: "std", Value: 7, Timestamp: t0.Add(30 * time.Second)}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, period int32) {
		t.Helper()
		dps := gms(t, e, "hi", t0.Add(-time.Hour), t0.Add(2*time.Hour), period, []string{"SampleCount", "Sum", "Minimum", "Maximum"}, nil)
		var n, sum float64
		for _, d := range dps {
			n += *d.SampleCount
			sum += *d.Sum
		}
		if n != 600 || sum != 180300 {
			t.Fatalf("%s: count %v sum %v over %d datapoints", when, n, sum, len(dps))
		}
		p := gms(t, e, "hi", t0.Add(-time.Hour), t0.Add(2*time.Hour), 3600, nil, []string{"p50", "p99"})
		if len(p) != 1 {
			t.Fatalf("%s: %d percentile datapoints", when, len(p))
		}
		if v := p[0].ExtendedStatistics["p50"]; v < 297 || v > 303 {
			t.Fatalf("%s: p50 %v", when, v)
		}
		if v := p[0].ExtendedStatistics["p99"]; v < 588 || v > 600 {
			t.Fatalf("%s: p99 %v", when, v)
		}
		s := gms(t, e, "std", t0.Add(-time.Hour), t0.Add(2*time.Hour), 3600, []string{"Average"}, nil)
		if len(s) != 1 || *s[0].Average != 6 {
			t.Fatalf("%s: std %+v", when, s)
		}
	}
	// Full resolution: 1-second periods work.
	if dps := gms(t, e, "hi", t0, t0.Add(10*time.Second), 1, []string{"Sum"}, nil); len(dps) != 10 || *dps[3].Sum != 4 {
		t.Fatalf("1-second datapoints: %+v", dps)
	}
	check("fresh", 60)
	if err := e.db.flush(ctx); err != nil {
		t.Fatal(err)
	}
	check("flushed", 60)
	if b := countBlocks(t, st); b["tier0"] == 0 || b["tier1"] != 1 {
		t.Fatalf("blocks after flush: %v", b)
	}
	ft.Advance(3*time.Hour + 20*time.Minute)
	if err := e.db.rollup(ctx); err != nil {
		t.Fatal(err)
	}
	if b := countBlocks(t, st); b["tier0"] != 0 || b["tier1"] != 2 {
		t.Fatalf("blocks after 3 h: %v", b)
	}
	check("after 3 h", 60)
	if dps := gms(t, e, "hi", t0, t0.Add(10*time.Second), 1, []string{"Sum"}, nil); len(dps) != 0 {
		t.Fatalf("1-second data survived 3 h: %+v", dps)
	}
	ft.Advance(15 * 24 * time.Hour)
	if err := e.db.rollup(ctx); err != nil {
		t.Fatal(err)
	}
	if b := countBlocks(t, st); b["tier1"] != 0 || b["tier2"] != 2 {
		t.Fatalf("blocks after 15 d: %v", b)
	}
	check("after 15 d", 300)
	ft.Advance(63 * 24 * time.Hour)
	if err := e.db.rollup(ctx); err != nil {
		t.Fatal(err)
	}
	if b := countBlocks(t, st); b["tier2"] != 0 || b["tier3"] != 2 {
		t.Fatalf("blocks after 63 d: %v", b)
	}
	check("after 63 d", 3600)
	ft.Advance(455 * 24 * time.Hour)
	if err := e.db.rollup(ctx); err != nil {
		t.Fatal(err)
	}
	if b := countBlocks(t, st); len(b) != 0 {
		t.Fatalf("blocks after 455 d: %v", b)
	}
	var idx int
	st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketBIdx, store.ScanOptions{}, func(string, []byte) error { idx++; return nil })
	})
	if idx != 0 {
		t.Fatalf("%d index entries left", idx)
	}
}

// A datum older than the full-resolution window lands directly in the
// 1-minute tier; tier widths follow the clock's scale.
func TestTierChoiceAndScale(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0}
	e, _ := newFakeClockEngine(t, ft, 0.05)
	if e.db.widthStd != 3000 || e.db.widthHi != 50 {
		t.Fatalf("widths at scale 0.05: std %d hi %d", e.db.widthStd, e.db.widthHi)
	}
	if err := e.PutMetricData(ctx, "T/R", []Datum{{MetricName: "late", Value: 1, Timestamp: t0.Add(-5 * 24 * time.Hour)}, {MetricName: "late", Value: 3, Timestamp: t0.Add(-5*24*time.Hour + 10*time.Second)}}); err != nil {
		t.Fatal(err)
	}
	s := e.db.byKey[seriesKey(metricKey(acct, region, "T/R", "late", nil), "None", false)]
	for k := range s.dirty {
		if k.tier != 1 {
			t.Fatalf("late datum in tier %d", k.tier)
		}
	}
	if dps := gms(t, e, "late", t0.Add(-5*24*time.Hour-time.Hour), t0.Add(-5*24*time.Hour+time.Hour), 60, []string{"Average"}, nil); len(dps) != 1 || *dps[0].Average != 2 {
		t.Fatalf("late data: %+v", dps)
	}
	for d, want := range map[time.Duration]int64{time.Minute: 60000, 7 * time.Second: 6000, 1300 * time.Millisecond: 1250, time.Millisecond / 2: 1} {
		if got := divisorWidth(d, time.Minute); got != want {
			t.Errorf("divisorWidth(%v) = %d, want %d", d, got, want)
		}
	}
}

// What PutMetricData acknowledged survives a crash (no flush, no close):
// a new engine on the same database replays the WAL.
func TestDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	st1, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st1.Close()
	old := defaultFlushEvery
	defaultFlushEvery = time.Hour
	e1, err := New(st1, clock.Real(), nil)
	defaultFlushEvery = old
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := e1.PutMetricData(ctx, "T/R", []Datum{{MetricName: "d", Value: 1, Timestamp: now}, {MetricName: "d", Values: []float64{2, 3}, Timestamp: now},
		{MetricName: "d", StatisticValues: &StatisticSet{SampleCount: 2, Sum: 10, Minimum: 4, Maximum: 6}, Timestamp: now}}); err != nil {
		t.Fatal(err)
	}
	// Simulated kill -9: e1 is abandoned, never flushed nor closed.
	var walRecords, blocks int
	st1.View(ctx, func(tx store.Tx) error {
		tx.Scan(bucketBlocks, store.ScanOptions{}, func(string, []byte) error { blocks++; return nil })
		return tx.Scan(bucketWAL, store.ScanOptions{}, func(string, []byte) error { walRecords++; return nil })
	})
	if walRecords != 1 || blocks != 0 {
		t.Fatalf("committed state: %d WAL records, %d blocks", walRecords, blocks)
	}
	st2, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2, err := New(st2, clock.Real(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	dps := gms(t, e2, "d", now.Add(-time.Hour), now.Add(time.Hour), 3600, []string{"SampleCount", "Sum", "Maximum"}, nil)
	if len(dps) != 1 || *dps[0].SampleCount != 5 || *dps[0].Sum != 16 || *dps[0].Maximum != 6 {
		t.Fatalf("after restart: %+v", dps)
	}
}

// The crash window proper: records committed but never flushed.
func TestWALReplay(t *testing.T) {
	st := store.NewMemory()
	e1, err := New(st, clock.Real(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e1.db.flushAt = 1 << 30
	now := time.Now()
	if err := e1.PutMetricData(ctx, "T/R", []Datum{{MetricName: "w", Value: 4, Timestamp: now, Unit: "Count", Dimensions: []Dimension{{"b", "2"}, {"a", "1"}}}}); err != nil {
		t.Fatal(err)
	}
	// Copy the store's committed state as a crash would leave it.
	snap := store.NewMemory()
	st.View(ctx, func(tx store.Tx) error {
		for _, b := range []string{bucketSeries, bucketWAL, bucketBlocks, bucketBIdx} {
			tx.Scan(b, store.ScanOptions{}, func(k string, v []byte) error {
				return snap.Update(ctx, func(w store.Tx) error { return w.PutRaw(b, k, v) })
			})
		}
		return nil
	})
	e1.Close()
	e2, err := New(snap, clock.Real(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	out, err := e2.opGetMetricStatistics(ctx, &getMetricStatisticsIn{Namespace: "T/R", MetricName: "w", Dimensions: []Dimension{{"a", "1"}, {"b", "2"}},
		StartTime: tp(now.Add(-time.Hour)), EndTime: tp(now.Add(time.Hour)), Period: i32(3600), Statistics: []string{"Sum"}})
	if err != nil || len(out.Datapoints) != 1 || *out.Datapoints[0].Sum != 4 || out.Datapoints[0].Unit != "Count" {
		t.Fatalf("replayed: %+v %v", out, err)
	}
}

// Blocks and the WAL stay bounded: after a flush the WAL is empty and a
// series' recent data lives in a handful of compact blocks.
func TestFlushCompacts(t *testing.T) {
	e, st := newTestEngine(t)
	now := time.Now()
	for r := 0; r < 20; r++ {
		var data []Datum
		for i := 0; i < 500; i++ {
			data = append(data, Datum{MetricName: "c", Value: float64(i), Timestamp: now.Add(-time.Duration(i) * time.Second)})
		}
		if err := e.PutMetricData(ctx, "T/R", data); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.flush(ctx); err != nil {
		t.Fatal(err)
	}
	var wal, blocks, bytes int
	st.View(ctx, func(tx store.Tx) error {
		tx.Scan(bucketWAL, store.ScanOptions{}, func(string, []byte) error { wal++; return nil })
		return tx.Scan(bucketBlocks, store.ScanOptions{}, func(_ string, v []byte) error { blocks++; bytes += len(v); return nil })
	})
	if wal != 0 || blocks == 0 || blocks > 3 {
		t.Fatalf("wal %d blocks %d", wal, blocks)
	}
	if bytes > 20000 {
		t.Fatalf("10,000 datapoints take %d bytes of blocks", bytes)
	}
	dps := gms(t, e, "c", now.Add(-time.Hour), now.Add(time.Minute), 3600, []string{"SampleCount"}, nil)
	var n float64
	for _, d := range dps {
		n += *d.SampleCount
	}
	if n != 10000 {
		t.Fatalf("count %v", n)
	}
}

// Under constant ingest the stored data stays bounded: full resolution
// only for the last 3 hours, older data as 1-minute aggregates, and
// nothing left in memory after a flush.
func TestConstantIngestBounded(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ft := &fakeTime{t: t0}
	e, st := newFakeClockEngine(t, ft, 1)
	const hours = 8
	for m := 0; m < hours*60; m++ {
		var data []Datum
		for s := 0; s < 3; s++ {
			for i := 0; i < 60; i++ {
				data = append(data, Datum{MetricName: "load", Dimensions: []Dimension{{"Host", string(rune('a' + s))}}, Value: float64(i),
					StorageResolution: 1, Timestamp: ft.Now().Add(time.Duration(i) * time.Second)})
			}
		}
		if err := e.PutMetricData(ctx, "T/B", data); err != nil {
			t.Fatal(err)
		}
		ft.Advance(time.Minute)
		if m%60 == 59 {
			if err := e.db.flush(ctx); err != nil {
				t.Fatal(err)
			}
			if err := e.db.rollup(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := countBlocks(t, st)
	perSeries0 := (3*3600)/64 + 2
	if b["tier0"] > 3*perSeries0 || b["tier1"] > 3*((hours-3)*60/64+2) {
		t.Fatalf("blocks after %d hours of 1 Hz data: %v", hours, b)
	}
	e.db.mu.RLock()
	dirty := e.db.dirtyCount
	e.db.mu.RUnlock()
	if dirty != 0 {
		t.Fatalf("%d dirty buckets after flush", dirty)
	}
	dps := gms(t, e, "load", t0, t0.Add(hours*time.Hour), 3600, []string{"SampleCount"}, nil)
	if len(dps) != 0 {
		t.Fatalf("dimensionless metric has data: %+v", dps)
	}
	out, err := e.opGetMetricStatistics(ctx, &getMetricStatisticsIn{Namespace: "T/B", MetricName: "load", Dimensions: []Dimension{{"Host", "a"}},
		StartTime: tp(t0), EndTime: tp(t0.Add(hours * time.Hour)), Period: i32(3600), Statistics: []string{"SampleCount", "Average"}})
	if err != nil || len(out.Datapoints) != hours {
		t.Fatalf("hourly datapoints: %+v %v", out, err)
	}
	for _, d := range out.Datapoints {
		if *d.SampleCount != 3600 || *d.Average != 29.5 {
			t.Fatalf("hour %v: count %v avg %v", d.Timestamp, *d.SampleCount, *d.Average)
		}
	}
}
