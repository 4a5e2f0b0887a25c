package codebuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/codebuild/runner"
	"github.com/skiff-dev/skiff/internal/store"
)

func marker(b *Build) string { return "CODEBUILD_BUILD_ARN=" + b.ARN }

// waitPhase waits until the build's current phase is t.
func (h *harness) waitPhase(id, t string) *Build {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := h.e.GetBuild(h.ctx, id)
		if err == nil && b.CurrentPhase == t {
			return b
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("build %s never reached %s", id, t)
	return nil
}

// waitProcs waits until the build has at least n processes.
func waitProcs(t *testing.T, b *Build, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(runner.MarkedPIDs(marker(b))) < n {
		if time.Now().After(deadline) {
			t.Fatalf("build has %d processes, want %d", len(runner.MarkedPIDs(marker(b))), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func noSurvivors(t *testing.T, b *Build) {
	t.Helper()
	// SIGKILL is asynchronous: give the kernel a moment to finish exits.
	for i := 0; i < 100 && len(runner.MarkedPIDs(marker(b))) > 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if pids := runner.MarkedPIDs(marker(b)); len(pids) > 0 {
		var desc []string
		for _, pid := range pids {
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			desc = append(desc, fmt.Sprintf("%d %q %s", pid, cmd, st))
		}
		t.Fatalf("processes of %s survived: %v", b.ID, desc)
	}
}

// sleepTree starts a tree of sleeps: background, detached with setsid,
// and in a subshell, plus the foreground one.
const sleepTree = `version: 0.2
phases:
  build:
    commands:
      - echo starting
      - sleep 300 & setsid sleep 301 & (sleep 302; echo never) & sleep 303
  post_build:
    commands:
      - echo post build ran
`

func TestTimeoutKillsTheProcessTree(t *testing.T) {
	// A minute per second: the minimum timeout of 5 minutes is 5 s, room
	// for a loaded machine to reach BUILD and start the sleeps before it
	// (the timeout counts from the start of the build).
	h := newHarness(t)
	h.project("slow", sleepTree)
	start := time.Now()
	b, err := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "slow", TimeoutInMinutesOverride: ptr[int32](5)})
	if err != nil {
		t.Fatal(err)
	}
	h.waitPhase(b.ID, PhaseBuild)
	waitProcs(t, b, 4)
	b = h.wait(b.ID)
	if b.BuildStatus != StatusTimedOut {
		t.Fatalf("status %s, phases %s", b.BuildStatus, phases(b))
	}
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	if got := phases(b); !strings.HasSuffix(got, "BUILD:TIMED_OUT FINALIZING:SUCCEEDED COMPLETED") {
		t.Fatalf("phases %s", got)
	}
	if pc := phaseContext(b, PhaseBuild); pc.StatusCode != "BUILD_TIMED_OUT" {
		t.Fatalf("context %+v", pc)
	}
	noSurvivors(t, b)
	if strings.Contains(h.logs.text(b), "post build ran") {
		t.Fatal("POST_BUILD ran after a timeout")
	}
}

func ptr[T any](v T) *T { return &v }

func TestStopBuild(t *testing.T) {
	h := newHarness(t)
	h.project("stoppable", sleepTree)
	b, err := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "stoppable"})
	if err != nil {
		t.Fatal(err)
	}
	h.waitPhase(b.ID, PhaseBuild)
	waitProcs(t, b, 4)
	start := time.Now()
	stopped, err := h.e.StopBuild(h.ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("StopBuild took %v", time.Since(start))
	}
	if stopped.BuildStatus != StatusStopped || !stopped.BuildComplete {
		t.Fatalf("status %s complete %v", stopped.BuildStatus, stopped.BuildComplete)
	}
	if got := phases(stopped); !strings.HasSuffix(got, "BUILD:STOPPED FINALIZING:SUCCEEDED COMPLETED") {
		t.Fatalf("phases %s", got)
	}
	noSurvivors(t, stopped)
	// Stopping again returns the build as it is.
	again, err := h.e.StopBuild(h.ctx, b.ARN)
	if err != nil || again.BuildStatus != StatusStopped {
		t.Fatalf("second stop: %v %v", again, err)
	}
	if _, err := h.e.StopBuild(h.ctx, "stoppable:00000000-0000-0000-0000-000000000000"); !ErrResourceNotFound.Is(err) {
		t.Fatalf("unknown build: %v", err)
	}
}

func TestConcurrencyLimitQueues(t *testing.T) {
	h := newHarness(t)
	h.project("limited", `version: 0.2
phases:
  build:
    commands:
      - while [ ! -f "$GATE" ]; do sleep 0.01; done
`, func(in *ProjectInput) { in.ConcurrentBuildLimit = ptr[int32](1) })
	gate := h.dir + "/gate"
	env := []EnvironmentVariable{{Name: "GATE", Value: gate}}
	b1, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "limited", EnvironmentVariablesOverride: env})
	b2, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "limited", EnvironmentVariablesOverride: env})
	h.waitPhase(b1.ID, PhaseBuild)
	time.Sleep(100 * time.Millisecond)
	q, _ := h.e.GetBuild(h.ctx, b2.ID)
	if q.CurrentPhase != PhaseQueued {
		t.Fatalf("second build is in %s, want QUEUED", q.CurrentPhase)
	}
	// Another project is not held back.
	h.project("free", "version: 0.2\nphases:\n  build:\n    commands: [echo free]\n")
	if b := h.run(StartBuildInput{ProjectName: "free"}); b.BuildStatus != StatusSucceeded {
		t.Fatalf("other project: %s", b.BuildStatus)
	}
	writeFile(t, gate, "")
	b1, b2 = h.wait(b1.ID), h.wait(b2.ID)
	if b1.BuildStatus != StatusSucceeded || b2.BuildStatus != StatusSucceeded {
		t.Fatalf("statuses %s %s", b1.BuildStatus, b2.BuildStatus)
	}
	q1, q2 := b1.phase(PhaseQueued), b2.phase(PhaseQueued)
	if q2.EndTime.Before(b1.phase(PhaseBuild).EndTime) {
		t.Fatalf("second build left QUEUED (%v) before the first finished BUILD (%v)", q2.EndTime, b1.phase(PhaseBuild).EndTime)
	}
	_ = q1
}

func TestQueuedTimeout(t *testing.T) {
	h := newHarnessScaled(t, 1.0/600)
	h.project("qt", "version: 0.2\nphases:\n  build:\n    commands: ['while [ ! -f \"$GATE\" ]; do sleep 0.01; done']\n",
		func(in *ProjectInput) { in.ConcurrentBuildLimit = ptr[int32](1) })
	gate := h.dir + "/gate"
	env := []EnvironmentVariable{{Name: "GATE", Value: gate}}
	b1, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "qt", EnvironmentVariablesOverride: env})
	// Five minutes of queue: half a second.
	b2, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "qt", QueuedTimeoutInMinutesOverride: ptr[int32](5), EnvironmentVariablesOverride: env})
	b2 = h.wait(b2.ID)
	writeFile(t, gate, "")
	h.wait(b1.ID)
	if b2.BuildStatus != StatusTimedOut || phases(b2) != "SUBMITTED:SUCCEEDED QUEUED:TIMED_OUT COMPLETED" {
		t.Fatalf("queued build %s %s", b2.BuildStatus, phases(b2))
	}
}

// A crashed skiff: once frozen, its store refuses writes, its log writes
// are dropped, and its build processes are as good as gone (a command it
// waits for never reports back), so nothing it does afterwards is seen.
type frozenStore struct {
	store.Store
	frozen *atomic.Bool
}

var errFrozen = errors.New("store frozen")

func (s *frozenStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.frozen.Load() {
		return errFrozen
	}
	return s.Store.Update(ctx, fn)
}

type frozenLogs struct {
	Logs
	frozen *atomic.Bool
}

func (l *frozenLogs) Append(ctx context.Context, g, s string, evs []LogEvent) error {
	if l.frozen.Load() {
		return errFrozen
	}
	return l.Logs.Append(ctx, g, s, evs)
}

type frozenRunner struct {
	runner.Runner
	frozen *atomic.Bool
}

func (r *frozenRunner) Setup(ctx context.Context, spec runner.Spec) (runner.Env, error) {
	env, err := r.Runner.Setup(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &frozenEnv{Env: env, frozen: r.frozen}, nil
}

type frozenEnv struct {
	runner.Env
	frozen *atomic.Bool
}

func (e *frozenEnv) Run(ctx context.Context, c runner.Command) (runner.Result, error) {
	res, err := e.Env.Run(ctx, c)
	if e.frozen.Load() {
		<-ctx.Done()
		return runner.Result{}, ctx.Err()
	}
	return res, err
}

func (e *frozenEnv) Kill() error {
	if e.frozen.Load() {
		return nil
	}
	return e.Env.Kill()
}

func (e *frozenEnv) Destroy(ctx context.Context) error {
	if e.frozen.Load() {
		return nil
	}
	return e.Env.Destroy(ctx)
}

// TestRestartRecovery: after a crash, builds that were running end as
// FAULT with the reason in their phase context, their processes are gone,
// and queued builds run.
func TestRestartRecovery(t *testing.T) {
	h := newHarness(t)
	deps := h.e.deps
	frozen := &atomic.Bool{}
	crashedDeps := deps
	crashedDeps.Logs = &frozenLogs{Logs: deps.Logs, frozen: frozen}
	crashedDeps.Runner = &frozenRunner{Runner: runner.NewHost(deps.WorkDir + "/builds"), frozen: frozen}
	crashed, err := New(&frozenStore{Store: h.st, frozen: frozen}, h.e.clk, crashedDeps, nil)
	if err != nil {
		t.Fatal(err)
	}
	crashed.Start(context.Background())
	defer crashed.Close()
	h.e = crashed
	h.project("crash", sleepTree, func(in *ProjectInput) { in.ConcurrentBuildLimit = ptr[int32](1) })
	running, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "crash"})
	queued, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "crash", BuildspecOverride: "version: 0.2\nphases:\n  build:\n    commands: [echo ran after restart]\n"})
	h.waitPhase(running.ID, PhaseBuild)
	waitProcs(t, running, 4)

	// Crash; a new skiff starts on the same state.
	frozen.Store(true)
	h.startEngine(t, deps)

	r := h.wait(running.ID)
	if r.BuildStatus != StatusFault {
		t.Fatalf("interrupted build: %s %s", r.BuildStatus, phases(r))
	}
	pc := phaseContext(r, PhaseBuild)
	if pc.StatusCode != "BUILD_INTERRUPTED" || !strings.Contains(pc.Message, "restart") {
		t.Fatalf("context %+v", pc)
	}
	if !strings.HasSuffix(phases(r), "BUILD:FAULT FINALIZING:SUCCEEDED COMPLETED") {
		t.Fatalf("phases %s", phases(r))
	}
	noSurvivors(t, r)
	if !strings.Contains(h.logs.text(r), "BUILD_INTERRUPTED") {
		t.Fatalf("log lacks the interruption:\n%s", h.logs.text(r))
	}
	q := h.wait(queued.ID)
	if q.BuildStatus != StatusSucceeded || !strings.Contains(h.logs.text(q), "ran after restart") {
		t.Fatalf("queued build after restart: %s\n%s", q.BuildStatus, h.logs.text(q))
	}
	// Nothing is left in progress.
	ids, _, _ := h.e.ListBuilds(h.ctx, "", "")
	bs, _, _ := h.e.BatchGetBuilds(h.ctx, ids)
	for _, b := range bs {
		if !b.BuildComplete || b.BuildStatus == StatusInProgress {
			t.Errorf("build %s still %s", b.ID, b.BuildStatus)
		}
	}
}

// TestCloseEndsBuilds: a graceful shutdown ends running builds as FAULT.
func TestCloseEndsBuilds(t *testing.T) {
	h := newHarness(t)
	h.project("shutdown", sleepTree)
	b, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "shutdown"})
	h.waitPhase(b.ID, PhaseBuild)
	waitProcs(t, b, 4)
	h.e.Close()
	got, err := h.e.GetBuild(h.ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BuildStatus != StatusFault || phaseContext(got, PhaseBuild).StatusCode != "BUILD_INTERRUPTED" {
		t.Fatalf("after Close: %s %+v", got.BuildStatus, phaseContext(got, PhaseBuild))
	}
	noSurvivors(t, got)
}

// TestLogLatency: lines reach a Logs subscriber well within 100 ms of
// being printed. The median is what is held to that: one line held up by
// a stall of a loaded machine says nothing about buffering, which delays
// most lines (by up to the half second the ticks last).
func TestLogLatency(t *testing.T) {
	h := newHarness(t)
	h.project("latency", `version: 0.2
phases:
  build:
    commands:
      - while [ ! -f "$GATE" ]; do sleep 0.01; done
      - for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $(date +%s%N)"; sleep 0.05; done
`)
	gate := h.dir + "/gate"
	b, _ := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "latency", EnvironmentVariablesOverride: []EnvironmentVariable{{Name: "GATE", Value: gate}}})
	b = h.waitPhase(b.ID, PhaseBuild)
	ch, cancel := h.logs.Subscribe(h.ctx, b.Logs.GroupName, b.Logs.StreamName)
	defer cancel()
	writeFile(t, gate, "")
	var mu sync.Mutex
	var lats []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			rest, ok := strings.CutPrefix(ev.Message, "tick ")
			if !ok {
				continue
			}
			var ns int64
			for _, c := range rest {
				ns = ns*10 + int64(c-'0')
			}
			lat := time.Since(time.Unix(0, ns))
			mu.Lock()
			lats = append(lats, lat)
			n := len(lats)
			mu.Unlock()
			if n == 10 {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("ticks not seen")
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lats)
	median := lats[len(lats)/2]
	t.Logf("print-to-subscriber latency over %d lines: median %v, worst %v", len(lats), median, lats[len(lats)-1])
	if median > 100*time.Millisecond {
		t.Fatalf("median latency %v > 100ms (all: %v)", median, lats)
	}
	h.wait(b.ID)
}
