package codebuild

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/codebuild/runner"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets; see doc.go for the key layout.
const (
	bucketProjects       = "codebuild.projects"
	bucketBuilds         = "codebuild.builds"
	bucketBuildSeq       = "codebuild.buildseq"
	bucketProjectBuilds  = "codebuild.projectbuilds"
	bucketActive         = "codebuild.active"
	bucketIdempotency    = "codebuild.idempotency"
	bucketReportGroups   = "codebuild.reportgroups"
	bucketReports        = "codebuild.reports"
	bucketReportSeq      = "codebuild.reportseq"
	bucketTestCases      = "codebuild.testcases"
	bucketCoverage       = "codebuild.coverage"
	bucketCacheKeys      = "codebuild.cachekeys"
	bucketBatches        = "codebuild.batches"
	bucketBatchSeq       = "codebuild.batchseq"
	bucketProjectBatches = "codebuild.projectbatches"
)

// Engine is CodeBuild: projects, builds and their execution, report groups
// and reports, build batches.
type Engine struct {
	st     store.Store
	clk    *clock.Clock
	deps   Deps
	log    *slog.Logger
	runner runner.Runner

	// ctx lives until Close; running builds derive theirs from it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	started bool
	closed  bool
	running map[string]*activeBuild // by build key
	queue   []*queuedBuild          // FIFO
	counts  map[string]int          // running builds by project key
	total   int
	waiters map[string][]chan struct{} // build key → closed on completion
	subs    map[int]func(*Build)
	nextSub int
	// batchWake holds the wake-up channel of each running batch driver.
	batchWake map[string]chan struct{}
	maxTotal  int
}

// activeBuild is a build whose goroutine runs.
type activeBuild struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// queuedBuild waits for a free slot.
type queuedBuild struct {
	key, projectKey string
	limit           int // project concurrentBuildLimit; 0 = none
	timer           *time.Timer
}

// New returns a CodeBuild engine. Call Start to begin running builds.
func New(st store.Store, clk *clock.Clock, deps Deps, log *slog.Logger) (*Engine, error) {
	if deps.WorkDir == "" {
		return nil, errors.New("codebuild: Deps.WorkDir is required")
	}
	if err := os.MkdirAll(deps.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("codebuild: %w", err)
	}
	if clk == nil {
		clk = clock.Real()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		st: st, clk: clk, deps: deps, log: log, runner: deps.Runner,
		running: map[string]*activeBuild{}, counts: map[string]int{}, waiters: map[string][]chan struct{}{},
		subs: map[int]func(*Build){}, batchWake: map[string]chan struct{}{}, maxTotal: deps.MaxConcurrentBuilds,
	}
	if e.runner == nil {
		e.runner = runner.NewHost(filepath.Join(deps.WorkDir, "builds"))
	}
	if e.maxTotal <= 0 {
		e.maxTotal = 20
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// Start recovers from a restart and starts running builds: builds that
// were running when skiff stopped end as FAULT with the reason in their
// phase context (their processes are ended and their directories removed
// by the runner), queued builds are queued again, and unfinished batches
// resume.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = true
	e.mu.Unlock()
	return e.recover(ctx)
}

// Close stops every running build (they end as FAULT: skiff shut down),
// waits for their teardown and stops the scheduler. Queued builds stay
// queued in the store and run after the next Start.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	for _, q := range e.queue {
		if q.timer != nil {
			q.timer.Stop()
		}
	}
	e.queue = nil
	e.mu.Unlock()
	e.cancel()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		e.log.Warn("codebuild: builds did not finish tearing down within 30s")
	}
}

// OnBuildComplete calls fn (on its own goroutine) for every build that
// completes from now on, until cancel is called. Pipelines use it, with
// ExportedVariables, to read a build's outcome.
func (e *Engine) OnBuildComplete(fn func(*Build)) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	return func() {
		e.mu.Lock()
		delete(e.subs, id)
		e.mu.Unlock()
	}
}

// WaitBuild waits until the build in ctx's account and region completes
// (or ctx ends) and returns it.
func (e *Engine) WaitBuild(ctx context.Context, id string) (*Build, error) {
	s := awsctx.From(ctx)
	bid, err := parseBuildID(id)
	if err != nil {
		return nil, err
	}
	key := buildKey(s.AccountID, s.Region, bid)
	for {
		e.mu.Lock()
		ch := make(chan struct{})
		e.waiters[key] = append(e.waiters[key], ch)
		e.mu.Unlock()
		rec, err := e.getBuild(ctx, key)
		if err != nil {
			return nil, err
		}
		if rec.Build.BuildComplete {
			return &rec.Build, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// notifyComplete wakes waiters and subscribers of a completed build.
func (e *Engine) notifyComplete(key string, b *Build) {
	e.mu.Lock()
	ws := e.waiters[key]
	delete(e.waiters, key)
	subs := make([]func(*Build), 0, len(e.subs))
	for _, fn := range e.subs {
		subs = append(subs, fn)
	}
	e.mu.Unlock()
	for _, ch := range ws {
		close(ch)
	}
	for _, fn := range subs {
		cp := *b
		go fn(&cp)
	}
}

// Keys and names.

func buildKey(acct, region, id string) string { return acct + "/" + region + "/" + id }

func projectKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

func seqKey(n int64) string { return fmt.Sprintf("%020d", n) }

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func projectARN(region, acct, name string) string {
	return awsctx.ARN("codebuild", region, acct, "project/"+name)
}

func buildARN(region, acct, id string) string {
	return awsctx.ARN("codebuild", region, acct, "build/"+id)
}

// parseBuildID accepts a build id ("project:uuid") or its ARN.
func parseBuildID(s string) (string, error) {
	if strings.HasPrefix(s, "arn:") {
		a, ok := awsctx.ParseARN(s)
		if !ok || a.Service != "codebuild" || !strings.HasPrefix(a.Resource, "build/") {
			return "", invalid("Invalid build ID provided")
		}
		s = strings.TrimPrefix(a.Resource, "build/")
	}
	if i := strings.IndexByte(s, ':'); i <= 0 || i == len(s)-1 {
		return "", invalid("Invalid build ID provided")
	}
	return s, nil
}

// buildUUID is the part of a build id after the project name.
func buildUUID(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// Scheduling.

// enqueue puts a build in the queue and starts what can start.
func (e *Engine) enqueue(rec *buildRecord) {
	key := buildKey(rec.Account, rec.Region, rec.Build.ID)
	q := &queuedBuild{key: key, projectKey: projectKey(rec.Account, rec.Region, rec.Build.ProjectName), limit: rec.ConcurrencyLimit}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	if rec.Build.QueuedTimeoutInMinutes > 0 {
		deadline := rec.queuedAt().Add(e.clk.Scale(time.Duration(rec.Build.QueuedTimeoutInMinutes) * time.Minute))
		q.timer = time.AfterFunc(max(time.Until(deadline), 0), func() { e.queuedTimeout(q) })
	}
	e.queue = append(e.queue, q)
	e.mu.Unlock()
	e.pump()
}

// pump starts queued builds while slots are free: the account-wide limit
// and each project's concurrentBuildLimit. A build whose project is at its
// limit does not hold back builds of other projects.
func (e *Engine) pump() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	kept := e.queue[:0]
	for _, q := range e.queue {
		if e.total >= e.maxTotal || (q.limit > 0 && e.counts[q.projectKey] >= q.limit) {
			kept = append(kept, q)
			continue
		}
		if q.timer != nil {
			q.timer.Stop()
		}
		e.total++
		e.counts[q.projectKey]++
		ctx, cancel := context.WithCancelCause(e.ctx)
		ab := &activeBuild{cancel: cancel, done: make(chan struct{})}
		e.running[q.key] = ab
		e.wg.Add(1)
		go func(q *queuedBuild) {
			defer e.wg.Done()
			defer close(ab.done)
			e.execute(ctx, q.key, cancel)
			cancel(nil)
			e.mu.Lock()
			delete(e.running, q.key)
			e.total--
			e.counts[q.projectKey]--
			e.mu.Unlock()
			e.pump()
		}(q)
	}
	for i := len(kept); i < len(e.queue); i++ {
		e.queue[i] = nil
	}
	e.queue = kept
}

// dequeue removes a queued build; it reports whether it was queued.
func (e *Engine) dequeue(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, q := range e.queue {
		if q.key == key {
			if q.timer != nil {
				q.timer.Stop()
			}
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			return true
		}
	}
	return false
}

// queuedTimeout ends a build that waited longer than its
// queuedTimeoutInMinutes.
func (e *Engine) queuedTimeout(q *queuedBuild) {
	if !e.dequeue(q.key) {
		return
	}
	e.endQueued(q.key, StatusTimedOut, PhaseContext{StatusCode: "BUILD_TIMED_OUT", Message: "Build timed out while waiting in the queue."})
}

// errStopped and errTimedOut are the causes a running build's context is
// cancelled with; any other cause (Close) is a shutdown.
var (
	errStopped  = errors.New("build stopped")
	errTimedOut = errors.New("build timed out")
)
