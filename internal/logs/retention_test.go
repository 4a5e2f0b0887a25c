package logs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

func countChunks(t *testing.T, st store.Store, ctx context.Context) (chunks, events int) {
	t.Helper()
	st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketEvents, store.ScanOptions{}, func(k string, v []byte) error {
			m, err := readMeta(string(v))
			if err != nil {
				t.Fatalf("chunk %s: %v", k, err)
			}
			chunks++
			events += m.count
			return nil
		})
	})
	return chunks, events
}

func TestRetentionEnforced(t *testing.T) {
	st := store.NewMemory()
	e, ctx := New(st), testCtx("us-east-1")
	now := testNow
	e.now = func() time.Time { return now }
	// Ten days of hourly events in two streams, through Append (which has
	// no 14-day limit), and the same through PutLogEvents for the last 2.
	for _, s := range []string{"a", "b"} {
		var evs []Event
		for h := 240; h > 0; h-- {
			evs = append(evs, Event{now.Add(-time.Duration(h) * time.Hour), fmt.Sprintf("%s %dh ago", s, h)})
		}
		if err := e.Append(ctx, "g", s, evs); err != nil {
			t.Fatal(err)
		}
	}
	chunks0, events0 := countChunks(t, st, ctx)
	if events0 != 480 {
		t.Fatalf("%d events stored", events0)
	}
	g0, _ := e.GetLogGroup(ctx, "g")
	if err := e.PutRetentionPolicy(ctx, "g", 3); err != nil {
		t.Fatal(err)
	}
	cutoff := now.Add(-72 * time.Hour).UnixMilli()
	// Reads hide expired events at once, before any sweep.
	for _, s := range []string{"a", "b"} {
		evs := messages(t, e, ctx, "g", s)
		if len(evs) != 72 || evs[0].Timestamp < cutoff {
			t.Fatalf("stream %s: %d events, first %d (cutoff %d)", s, len(evs), evs[0].Timestamp, cutoff)
		}
		back, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: s, StartTime: ptr(int64(0))})
		if err != nil || len(back.Events) != 72 {
			t.Fatalf("backwards: %d %v", len(back.Events), err)
		}
	}
	res, err := e.FilterLogEvents(ctx, FilterLogEventsInput{LogGroupName: "g", StartTime: ptr(int64(0))})
	if err != nil || len(res.Events) != 144 || res.Events[0].Timestamp < cutoff {
		t.Fatalf("filter: %d %v", len(res.Events), err)
	}
	// The janitor deletes whole expired chunks.
	n, err := e.SweepRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chunks1, events1 := countChunks(t, st, ctx)
	if n == 0 || events1 != events0-n || events1 < 144 || chunks1 >= chunks0 {
		t.Fatalf("swept %d: %d→%d chunks, %d→%d events", n, chunks0, chunks1, events0, events1)
	}
	g1, _ := e.GetLogGroup(ctx, "g")
	if g1.StoredBytes >= g0.StoredBytes || g1.StoredBytes <= 0 {
		t.Fatalf("storedBytes %d → %d", g0.StoredBytes, g1.StoredBytes)
	}
	// Time passes: two more days expire. Everything keeps working after.
	now = now.Add(48 * time.Hour)
	if _, err := e.SweepRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := messages(t, e, ctx, "g", "a"); len(evs) != 24 {
		t.Fatalf("after 2 more days: %d events", len(evs))
	}
	if err := e.Append(ctx, "g", "a", []Event{{now, "fresh"}}); err != nil {
		t.Fatal(err)
	}
	if evs := messages(t, e, ctx, "g", "a"); len(evs) != 25 || evs[24].Message != "fresh" {
		t.Fatalf("after append: %d events", len(evs))
	}
	// Everything expires; streams stay, empty.
	now = now.Add(10 * 24 * time.Hour)
	e.SweepRetention(ctx)
	if _, events := countChunks(t, st, ctx); events != 0 {
		t.Fatalf("%d events left", events)
	}
	ss, _, _ := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g"})
	if len(ss) != 2 {
		t.Fatalf("streams %v", ss)
	}
	if g, _ := e.GetLogGroup(ctx, "g"); g.StoredBytes != 0 {
		t.Fatalf("storedBytes %d", g.StoredBytes)
	}
	// A group without retention keeps everything.
	e.Append(ctx, "keep", "s", []Event{{now.Add(-1000 * 24 * time.Hour), "ancient"}})
	if n, _ := e.SweepRetention(ctx); n != 0 {
		t.Fatalf("swept %d from a group without retention", n)
	}
}

// TestRunJanitor: the background janitor sweeps soon after a retention
// policy is set.
func TestRunJanitor(t *testing.T) {
	st := store.NewMemory()
	e, ctx := New(st), testCtx("us-east-1")
	e.Append(ctx, "g", "s", []Event{{time.Now().Add(-5 * 24 * time.Hour), "old"}, {time.Now(), "new"}})
	jctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.RunJanitor(jctx); close(done) }()
	defer func() { stop(); <-done }()
	e.PutRetentionPolicy(ctx, "g", 1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, n := countChunks(t, st, ctx); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("janitor did not delete the expired event")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
