package codepipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store layout (see doc.go).
const (
	bPipelines = "codepipeline.pipelines"   // <pkey>                 pipelineRecord
	bVersions  = "codepipeline.versions"    // <pkey>/<%08d version>  PipelineDeclaration
	bExecs     = "codepipeline.executions"  // <pkey>/<execution id>  execution
	bOrder     = "codepipeline.order"       // <pkey>/<%016d seq>     execution id
	bTokens    = "codepipeline.tokens"      // <pkey>/<client token>  execution id
	bLatest    = "codepipeline.latest"      // <pkey>                 latestDoc
	bActive    = "codepipeline.active"      // <pkey>/<execution id>  "" while not terminal
	bConns     = "codepipeline.connections" // <connection arn>       Connection
)

// Engine is skiff's CodePipeline: declarations, executions and the
// orchestrator that runs them.
//
// Concurrency: one goroutine ("driver", exec.go) per execution in
// progress owns its state transitions; each running action and each
// condition evaluation gets a goroutine of its own that reports back to
// the driver. Drivers end when their execution ends or the engine closes.
// e.mu guards the caches and the per-pipeline schedulers; a run's own
// mutex guards its execution record. No lock is held across a store
// transaction except a run's own (writes of one execution are serialized
// by it).
type Engine struct {
	st   store.Store
	clk  *clock.Clock
	deps Deps
	log  *slog.Logger
	reg  *registry

	life   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	pipes    map[string]*pipelineRecord // by pipeline key, the current record
	sched    map[string]*sched          // by pipeline key
	runs     map[string]*run            // by execution key
	watchers map[int]*watcher
	nextW    int
	started  bool
	closed   bool
}

// New opens the engine on st. Call Start to resume executions and
// subscribe to pushes; Close to stop.
func New(st store.Store, clk *clock.Clock, deps Deps, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clk == nil {
		clk = clock.Real()
	}
	life, cancel := context.WithCancel(context.Background())
	e := &Engine{st: st, clk: clk, deps: deps, log: log, reg: newRegistry(deps.Providers),
		life: life, cancel: cancel, pipes: map[string]*pipelineRecord{}, sched: map[string]*sched{},
		runs: map[string]*run{}, watchers: map[int]*watcher{}}
	err := st.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan(bPipelines, store.ScanOptions{}, func(k string, v []byte) error {
			var rec pipelineRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("codepipeline: pipeline %s: %w", k, err)
			}
			e.pipes[k] = &rec
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Start resumes every execution that was in progress when skiff stopped
// (re-attaching in-flight actions or failing them with a clear reason) and
// subscribes to CodeCommit pushes.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started || e.closed {
		e.mu.Unlock()
		return nil
	}
	e.started = true
	e.mu.Unlock()
	if err := e.recover(ctx); err != nil {
		return err
	}
	if e.deps.Repos != nil {
		e.deps.Repos.OnPush(e.onPush)
	}
	return nil
}

// Close stops every driver without changing any execution: what was in
// progress stays so in the store, for the next Start.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		e.log.Warn("codepipeline: executions did not stop within 30s")
	}
}

func (e *Engine) shuttingDown() bool { return e.life.Err() != nil }

// --- keys and identifiers ---

func pipelineKey(account, region, name string) string { return account + "/" + region + "/" + name }

func scopeKey(ctx context.Context, name string) (awsctx.Scope, string) {
	sc := awsctx.From(ctx)
	return sc, pipelineKey(sc.AccountID, sc.Region, name)
}

func pipelineARN(sc awsctx.Scope, name string) string { return sc.ARN("codepipeline", name) }

func versionKey(pkey string, v int) string { return fmt.Sprintf("%s/%08d", pkey, v) }

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomName(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// artifactKey is where CodePipeline puts an artifact in its store:
// <pipeline name, first 20 characters>/<artifact name, first 10>/<random>.
func artifactKey(pipeline, artifact string) string {
	return truncate(pipeline, 20) + "/" + truncate(artifact, 10) + "/" + randomName(7)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// --- store helpers ---

func (e *Engine) getPipeline(ctx context.Context, name string) (*pipelineRecord, error) {
	sc, key := scopeKey(ctx, name)
	var rec pipelineRecord
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bPipelines, key, &rec) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, pipelineNotFound(sc.AccountID, name)
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

func (e *Engine) cached(pkey string) *pipelineRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pipes[pkey]
}

func (e *Engine) getVersion(ctx context.Context, pkey string, v int) (*PipelineDeclaration, error) {
	var d PipelineDeclaration
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bVersions, versionKey(pkey, v), &d) })
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func (e *Engine) getExecution(ctx context.Context, pkey, id string) (*execution, error) {
	var x execution
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bExecs, pkey+"/"+id, &x) })
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// execution returns the live copy of an execution when a driver owns it,
// else the stored one.
func (e *Engine) execution(ctx context.Context, pkey, id string) (*execution, error) {
	e.mu.Lock()
	r := e.runs[pkey+"/"+id]
	e.mu.Unlock()
	if r != nil {
		return r.snapshot(), nil
	}
	return e.getExecution(ctx, pkey, id)
}

// executions lists a pipeline's executions, newest first, calling fn
// until it returns false. Executions a driver owns are its live copies;
// the others are read in the same (read-only) transaction. fn must not
// call the store.
func (e *Engine) executions(ctx context.Context, pkey string, fn func(*execution) bool) error {
	// Live copies are taken first: a run's lock is never taken inside a
	// store transaction (its driver holds it while writing).
	e.mu.Lock()
	var runs []*run
	for k, r := range e.runs {
		if strings.HasPrefix(k, pkey+"/") {
			runs = append(runs, r)
		}
	}
	e.mu.Unlock()
	live := make(map[string]*execution, len(runs))
	for _, r := range runs {
		x := r.snapshot()
		live[x.ID] = x
	}
	return e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bOrder, store.ScanOptions{Prefix: pkey + "/", Reverse: true}, func(_ string, v []byte) error {
			var id string
			if err := json.Unmarshal(v, &id); err != nil {
				return err
			}
			x := live[id]
			if x == nil {
				x = &execution{}
				if err := tx.Get(bExecs, pkey+"/"+id, x); errors.Is(err, store.ErrNotFound) {
					return nil
				} else if err != nil {
					return err
				}
			}
			if !fn(x) {
				return store.ErrStop
			}
			return nil
		})
	})
}

// latestDoc records, per stage and per "stage/action", the execution that
// last entered or ran it (GetPipelineState's latestExecution).
type latestDoc struct {
	Stages  map[string]string `json:"stages,omitempty"`
	Actions map[string]string `json:"actions,omitempty"`
}

// --- watchers (skiff pipeline show, live) ---

type watcher struct {
	pkey string
	ch   chan struct{}
}

// Watch returns a channel that receives (coalesced) a value whenever an
// execution of the pipeline in ctx's scope changes, until cancel.
func (e *Engine) Watch(ctx context.Context, name string) (<-chan struct{}, func()) {
	_, pkey := scopeKey(ctx, name)
	w := &watcher{pkey: pkey, ch: make(chan struct{}, 1)}
	e.mu.Lock()
	id := e.nextW
	e.nextW++
	e.watchers[id] = w
	e.mu.Unlock()
	return w.ch, func() {
		e.mu.Lock()
		delete(e.watchers, id)
		e.mu.Unlock()
	}
}

func (e *Engine) notify(pkey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, w := range e.watchers {
		if w.pkey == pkey {
			select {
			case w.ch <- struct{}{}:
			default:
			}
		}
	}
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func principal(ctx context.Context) string {
	sc := awsctx.From(ctx)
	if sc.Principal != "" {
		return sc.Principal
	}
	if sc.AccountID != "" {
		return "arn:aws:iam::" + sc.AccountID + ":root"
	}
	return ""
}

func splitPipelineKey(pkey string) (account, region, name string) {
	parts := strings.SplitN(pkey, "/", 3)
	if len(parts) != 3 {
		return "", "", pkey
	}
	return parts[0], parts[1], parts[2]
}

func scopeCtx(parent context.Context, account, region string) context.Context {
	return awsctx.With(parent, awsctx.Scope{AccountID: account, Region: region, RequestID: "codepipeline"})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
