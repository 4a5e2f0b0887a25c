package cloudwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

// Engine is CloudWatch metrics and alarms over the state store.
type Engine struct {
	st  store.Store
	clk *clock.Clock
	log *slog.Logger
	db  *tsdb

	amu    sync.RWMutex
	alarms map[string]*alarm // key: account/region/name

	pub atomic.Pointer[publisherBox]

	subMu sync.RWMutex
	subs  []func(ctx context.Context, alarm AlarmInfo, old, new string)

	notes *fifo // subscriber notifications, delivered in order
	acts  *fifo // alarm actions, run in order

	histSeq atomic.Uint64

	kick      chan struct{}
	evalStop  chan struct{}
	evalDone  chan struct{}
	startOnce sync.Once
	closeOnce sync.Once
	bg        sync.WaitGroup
	// evalWorkers bounds parallel alarm evaluations.
	evalWorkers int
	// beforeEval run before alarms are evaluated (BeforeEvaluate).
	hookMu     sync.Mutex
	beforeEval []func(context.Context)
}

// BeforeEvaluate registers f to run just before due alarms are evaluated,
// for in-process publishers that buffer datapoints (the load balancer's
// counts): what they hold then belongs to the period being evaluated.
func (e *Engine) BeforeEvaluate(f func(context.Context)) {
	e.hookMu.Lock()
	e.beforeEval = append(e.beforeEval, f)
	e.hookMu.Unlock()
}

type publisherBox struct{ p Publisher }

// New opens the engine over st: it loads the metric registry and alarms
// and replays metric data acknowledged but not yet compacted. clk scales
// alarm periods and evaluation (timestamps stay real).
func New(st store.Store, clk *clock.Clock, log *slog.Logger) (*Engine, error) {
	if clk == nil {
		clk = clock.Real()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{
		st: st, clk: clk, log: log,
		alarms:      map[string]*alarm{},
		kick:        make(chan struct{}, 1),
		evalStop:    make(chan struct{}),
		evalDone:    make(chan struct{}),
		evalWorkers: max(2, runtime.GOMAXPROCS(0)),
	}
	e.db = newTSDB(st, log, clk.Now, clk.Scale)
	ctx := context.Background()
	if err := e.db.load(ctx); err != nil {
		return nil, fmt.Errorf("cloudwatch: load metrics: %w", err)
	}
	if err := e.loadAlarms(ctx); err != nil {
		return nil, fmt.Errorf("cloudwatch: load alarms: %w", err)
	}
	e.notes = newFIFO()
	e.acts = newFIFO()
	e.db.start()
	return e, nil
}

// SetPublisher connects alarm actions on arn:aws:sns:… topics to SNS.
func (e *Engine) SetPublisher(p Publisher) { e.pub.Store(&publisherBox{p}) }

// OnAlarmStateChange subscribes fn to every alarm state transition. fn is
// called in order of transitions, outside any engine lock; it must not
// block for long.
func (e *Engine) OnAlarmStateChange(fn func(ctx context.Context, alarm AlarmInfo, old, new string)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.subs = append(e.subs, fn)
}

// Start runs alarm evaluation until Close (or ctx ends).
func (e *Engine) Start(ctx context.Context) error {
	e.startOnce.Do(func() {
		e.bg.Add(1)
		go func() {
			defer e.bg.Done()
			e.evaluator(ctx)
		}()
	})
	return nil
}

// Close stops evaluation and flushes metric data.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.evalStop)
		e.bg.Wait()
		e.db.close()
		e.notes.close()
		e.acts.close()
	})
	return nil
}

// AlarmState returns the state of the named alarm (metric or composite)
// in the account and region of ctx.
func (e *Engine) AlarmState(ctx context.Context, name string) (string, error) {
	a := e.getAlarm(ctx, name)
	if a == nil {
		return "", ErrResourceNotFound.New("Alarm %s not found", name)
	}
	e.amu.RLock()
	defer e.amu.RUnlock()
	return a.rec.StateValue, nil
}

// fifo runs queued jobs one at a time in order, never blocking producers.
type fifo struct {
	mu     sync.Mutex
	cond   *sync.Cond
	q      []func()
	closed bool
	done   chan struct{}
}

func newFIFO() *fifo {
	f := &fifo{done: make(chan struct{})}
	f.cond = sync.NewCond(&f.mu)
	go func() {
		defer close(f.done)
		for {
			f.mu.Lock()
			for len(f.q) == 0 && !f.closed {
				f.cond.Wait()
			}
			if len(f.q) == 0 && f.closed {
				f.mu.Unlock()
				return
			}
			job := f.q[0]
			f.q = f.q[1:]
			f.mu.Unlock()
			job()
		}
	}()
	return f
}

func (f *fifo) push(job func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	f.q = append(f.q, job)
	f.cond.Signal()
}

func (f *fifo) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Signal()
	f.mu.Unlock()
	select {
	case <-f.done:
	case <-time.After(10 * time.Second):
	}
}

// jsonString marshals v for storage in a JSON string member.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
