package codepipeline

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Benchmarks (see BENCHMARKS in doc.go for numbers):
//
//	go test -run '^$' -bench . -benchtime 200x -cpu 2 ./internal/codepipeline/
//
// Each runs on the in-memory store and on SQLite (the default driver,
// WAL, a write per transition).

func benchStores(b *testing.B, fn func(b *testing.B, st store.Store)) {
	b.Run("store=memory", func(b *testing.B) { fn(b, store.NewMemory()) })
	b.Run("store=sqlite", func(b *testing.B) {
		st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() }) // after the engine's Close
		fn(b, st)
	})
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkPushToSourceComplete: from a CodeCommit push event to the
// Source action of the execution it started completing (recorded), as
// measured by the push's timestamp and the action's recorded end.
func BenchmarkPushToSourceComplete(b *testing.B) {
	benchStores(b, func(b *testing.B, st store.Store) {
		h := newHarnessOn(b, st)
		h.repos.push("repo", "main", map[string]string{"main.go": strings.Repeat("x", 4096)}, "base")
		h.create(pipelineJSON("lat", ModeParallel, `{"name": "Work", "actions": [`+noop("Work", 1, "")+`]}`))
		h.waitStatus("lat", h.nthExecution("lat", 1), StatusSucceeded)
		_, key := scopeKey(testCtx(), "lat")
		var lat []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ev := h.repos.push("repo", "main", map[string]string{"n": fmt.Sprint(i)}, "change")
			// The push was delivered: its execution is the newest.
			xs, _, err := h.e.ListPipelineExecutions(testCtx(), "lat", "", 1, "")
			if err != nil || len(xs) == 0 || xs[0].Trigger.TriggerType == TriggerCreatePipeline {
				b.Fatalf("no push-started execution: %v", err)
			}
			id := xs[0].PipelineExecutionID
			var done time.Time
			for done.IsZero() {
				x, err := h.e.execution(testCtx(), key, id)
				if err == nil {
					if a := x.Stages[0].latest("Source"); a != nil && a.terminal() {
						if a.Status != StatusSucceeded {
							b.Fatalf("source %s", a.Status)
						}
						done = a.Updated
					}
				}
				if done.IsZero() {
					time.Sleep(200 * time.Microsecond)
				}
			}
			lat = append(lat, done.Sub(ev.Time))
		}
		b.StopTimer()
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		b.ReportMetric(ms(sum)/float64(len(lat)), "ms-mean")
		b.ReportMetric(ms(percentile(lat, 0.5)), "ms-p50")
		b.ReportMetric(ms(percentile(lat, 0.99)), "ms-p99")
	})
}

// fiveStages is a 5-stage pipeline of no-op actions.
func fiveStages(name, mode string) string {
	stages := []string{`{"name": "S1", "actions": [{"name": "Src", "actionTypeId": {"category": "Source", "owner": "Custom", "provider": "NoopSource", "version": "1"}, "outputArtifacts": [{"name": "Src"}]}]}`}
	for i := 2; i <= 5; i++ {
		stages = append(stages, fmt.Sprintf(`{"name": "S%d", "actions": [%s]}`, i, noop(fmt.Sprintf("A%d", i), 1, "")))
	}
	return fmt.Sprintf(`{"name": %q, "roleArn": "arn:aws:iam::123456789012:role/p", "artifactStore": {"type": "S3", "location": "bucket"},
  "pipelineType": "V2", "executionMode": %q, "stages": [%s]}`, name, mode, strings.Join(stages, ","))
}

// BenchmarkOrchestrationOverhead: execution wall time minus the actions'
// own work (none: no-op actions), per action, for 5 stages × 1 action.
func BenchmarkOrchestrationOverhead(b *testing.B) {
	benchStores(b, func(b *testing.B, st store.Store) {
		h := newHarnessOn(b, st)
		h.create(fiveStages("five", ModeParallel))
		h.waitStatus("five", h.nthExecution("five", 1), StatusSucceeded)
		_, key := scopeKey(testCtx(), "five")
		var per []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			id, err := h.e.StartPipelineExecution(testCtx(), StartInput{Name: "five"})
			if err != nil {
				b.Fatal(err)
			}
			var x *execution
			for {
				x, _ = h.e.execution(testCtx(), key, id)
				if x != nil && terminalStatus(x.Status) {
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
			if x.Status != StatusSucceeded {
				b.Fatalf("status %s", x.Status)
			}
			wall := x.End.Sub(t0)
			var work time.Duration
			for _, sr := range x.Stages {
				for _, a := range sr.Actions {
					if a.TypeID.Provider == "Noop" {
						work += h.noop.sleep
					}
				}
			}
			per = append(per, (wall-work)/5)
		}
		b.StopTimer()
		var sum time.Duration
		for _, d := range per {
			sum += d
		}
		b.ReportMetric(ms(sum)/float64(len(per)), "ms/action-overhead")
		b.ReportMetric(ms(percentile(per, 0.99)), "ms/action-p99")
	})
}

// BenchmarkConcurrentPipelines: 50 pipelines of 5 no-op stages (10 ms of
// work each action) executing at once; every execution must succeed.
func BenchmarkConcurrentPipelines(b *testing.B) {
	benchStores(b, func(b *testing.B, st store.Store) {
		h := newHarnessOn(b, st)
		h.noop.sleep = 10 * time.Millisecond
		const n = 50
		for p := 0; p < n; p++ {
			h.create(fiveStages(fmt.Sprintf("p%02d", p), ModeQueued))
		}
		for p := 0; p < n; p++ {
			name := fmt.Sprintf("p%02d", p)
			h.waitStatus(name, h.nthExecution(name, 1), StatusSucceeded)
		}
		var walls []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			ids := make([]string, n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for p := 0; p < n; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					id, err := h.e.StartPipelineExecution(testCtx(), StartInput{Name: fmt.Sprintf("p%02d", p)})
					if err != nil {
						errs <- err
					}
					ids[p] = id
				}(p)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			for p := 0; p < n; p++ {
				name := fmt.Sprintf("p%02d", p)
				_, key := scopeKey(testCtx(), name)
				for {
					x, err := h.e.execution(testCtx(), key, ids[p])
					if err != nil {
						b.Fatal(err)
					}
					if terminalStatus(x.Status) {
						if x.Status != StatusSucceeded {
							b.Fatalf("%s: %s %s", name, x.Status, x.Summary)
						}
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
			walls = append(walls, time.Since(t0))
		}
		b.StopTimer()
		var sum time.Duration
		for _, d := range walls {
			sum += d
		}
		b.ReportMetric(ms(sum)/float64(len(walls)), "ms/50-executions")
	})
}
