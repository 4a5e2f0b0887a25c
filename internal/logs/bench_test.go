package logs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/store"
)

func benchEngine(b *testing.B) (*logs.Engine, context.Context) {
	b.Helper()
	st, err := store.OpenSQLite(b.TempDir() + "/state.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return logs.New(st), engineCtx()
}

func benchLine(i int) string {
	level := "INFO"
	if i%100 == 0 {
		level = "ERROR"
	}
	return fmt.Sprintf("[Container] 2026/03/01 12:00:00.%06d %s step %d: running npm install --no-audit (cache hit)\n", i%1000000, level, i)
}

// BenchmarkAppend measures Append throughput on the SQLite store, each call
// committed before it returns: one line per call (a producer that flushes
// every line) and 100 lines per call (a buffered producer).
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("lines=%d", batch), func(b *testing.B) {
			e, ctx := benchEngine(b)
			evs := make([]logs.Event, batch)
			start := time.Now()
			b.ResetTimer()
			n := 0
			for i := 0; i < b.N; i++ {
				for j := range evs {
					evs[j] = logs.Event{Timestamp: start.Add(time.Duration(n) * time.Microsecond), Message: benchLine(n)}
					n++
				}
				if err := e.Append(ctx, "/aws/codebuild/bench", "build", evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkFilterLogEvents100k searches 100,000 events in 10 streams
// (SQLite store), paging through the whole group: with a pattern that
// matches 1% of the events, and with none (every event returned).
func BenchmarkFilterLogEvents100k(b *testing.B) {
	e, ctx := benchEngine(b)
	const streams, perStream = 10, 10000
	base := time.Now().Add(-time.Hour)
	for s := 0; s < streams; s++ {
		evs := make([]logs.Event, perStream)
		for i := range evs {
			n := s*perStream + i
			evs[i] = logs.Event{Timestamp: base.Add(time.Duration(i) * 300 * time.Millisecond), Message: benchLine(n)}
		}
		if err := e.Append(ctx, "/bench", fmt.Sprintf("stream-%02d", s), evs); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, pattern string }{{"pattern=ERROR", "ERROR"}, {"all", ""}} {
		b.Run(c.name, func(b *testing.B) {
			var matched int
			for i := 0; i < b.N; i++ {
				matched = 0
				tok := ""
				for {
					out, err := e.FilterLogEvents(ctx, logs.FilterLogEventsInput{LogGroupName: "/bench", FilterPattern: c.pattern, NextToken: tok})
					if err != nil {
						b.Fatal(err)
					}
					matched += len(out.Events)
					if out.NextToken == "" {
						break
					}
					tok = out.NextToken
				}
			}
			if c.pattern == "ERROR" && matched != streams*perStream/100 || c.pattern == "" && matched != streams*perStream {
				b.Fatalf("matched %d", matched)
			}
			b.ReportMetric(float64(streams*perStream*b.N)/b.Elapsed().Seconds(), "events-scanned/s")
		})
	}
	b.Run("GetLogEvents-newest-page", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			out, err := e.GetLogEvents(ctx, logs.GetLogEventsInput{LogGroupName: "/bench", LogStreamName: "stream-03", Limit: ptr32(100)})
			if err != nil || len(out.Events) != 100 {
				b.Fatal(err)
			}
		}
	})
}

func ptr32(v int32) *int32 { return &v }
