package codepipeline

// The per-pipeline scheduler: who is in each stage and who waits at its
// inbound transition.
//
//   - SUPERSEDED (default): a stage holds one execution; at most one waits
//     at its boundary. A newer execution arriving where an older one waits
//     takes its place, and the older ends Superseded.
//   - QUEUED: a stage holds one execution; the others wait in line, in the
//     order they arrived.
//   - PARALLEL: executions never wait for each other.
//
// In every mode a disabled inbound transition holds executions at the
// boundary until it is enabled. Rollback executions wait ahead of the
// others and are never superseded.
//
// All of it is in memory under e.mu, rebuilt from the executions' phases
// at Start.

type sched struct {
	occupant map[string]string    // stage → execution id
	waiting  map[string][]*waiter // stage → waiters, in grant order
}

type waiter struct {
	r        *run
	id       string
	seq      int64
	stage    string
	priority bool
	parallel bool
	ch       chan grant
}

type grant struct {
	supersededBy string
}

func (e *Engine) schedFor(pkey string) *sched {
	s := e.sched[pkey]
	if s == nil {
		s = &sched{occupant: map[string]string{}, waiting: map[string][]*waiter{}}
		e.sched[pkey] = s
	}
	return s
}

// transitionOpen reports whether a stage's inbound transition is enabled
// (under e.mu).
func (e *Engine) transitionOpen(pkey, stage string) bool {
	rec := e.pipes[pkey]
	if rec == nil {
		return true
	}
	t := rec.Transitions[stage]
	return t == nil || t.Enabled
}

// enqueue puts r at stage's boundary; the returned waiter's channel
// receives a grant (possibly immediately) or a supersession.
func (e *Engine) enqueue(r *run, stage string, priority bool) *waiter {
	w := newWaiter(r, stage, priority)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enqueueLocked(w, false)
}

// newWaiter reads what the scheduler needs from the run (lock order: a
// run's lock is never taken under e.mu).
func newWaiter(r *run, stage string, priority bool) *waiter {
	w := &waiter{r: r, stage: stage, priority: priority, ch: make(chan grant, 1)}
	r.mu.Lock()
	w.id, w.seq = r.x.ID, r.x.Seq
	w.parallel = r.x.Mode == ModeParallel
	r.mu.Unlock()
	return w
}

// enqueueRecovered queues a waiter found at Start (no supersession: it
// already happened before the restart).
func (e *Engine) enqueueRecovered(r *run, stage string, priority bool) *waiter {
	w := newWaiter(r, stage, priority)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enqueueLocked(w, true)
}

func (e *Engine) enqueueLocked(w *waiter, recovered bool) *waiter {
	r, stage, priority := w.r, w.stage, w.priority
	s := e.schedFor(r.pkey)
	q := s.waiting[stage]
	open := e.transitionOpen(r.pkey, stage)
	if w.parallel {
		if open {
			w.ch <- grant{}
			return w
		}
		s.waiting[stage] = append(q, w)
		return w
	}
	if open && s.occupant[stage] == "" && !hasSerial(q) {
		s.occupant[stage] = w.id
		w.ch <- grant{}
		return w
	}
	if r.decl.ExecutionMode != ModeQueued && !priority && !recovered {
		// At most one non-priority waiter: the newer stays.
		for i, o := range q {
			if o.priority || o.parallel {
				continue
			}
			if o.seq < w.seq {
				q = append(q[:i:i], q[i+1:]...)
				o.ch <- grant{supersededBy: w.id}
			} else {
				w.ch <- grant{supersededBy: o.id}
				s.waiting[stage] = q
				return w
			}
			break
		}
	}
	if priority {
		// Ahead of the non-priority waiters.
		i := 0
		for i < len(q) && q[i].priority {
			i++
		}
		q = append(q[:i], append([]*waiter{w}, q[i:]...)...)
	} else {
		q = append(q, w)
	}
	s.waiting[stage] = q
	return w
}

func hasSerial(q []*waiter) bool {
	for _, w := range q {
		if !w.parallel {
			return true
		}
	}
	return false
}

// dequeue removes a waiter that gave up (stopped).
func (e *Engine) dequeue(pkey string, w *waiter) {
	e.mu.Lock()
	s := e.schedFor(pkey)
	q := s.waiting[w.stage]
	for i, o := range q {
		if o == w {
			s.waiting[w.stage] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	// A grant that raced with the stop is returned.
	granted := false
	select {
	case g := <-w.ch:
		granted = g.supersededBy == "" && s.occupant[w.stage] == w.id
	default:
	}
	if granted {
		delete(s.occupant, w.stage)
	}
	e.mu.Unlock()
	if granted {
		e.dispatch(pkey, w.stage)
	}
}

// release frees a stage an execution held and lets the next one in.
func (e *Engine) release(pkey, stage, id string) {
	e.mu.Lock()
	s := e.schedFor(pkey)
	if s.occupant[stage] == id {
		delete(s.occupant, stage)
	}
	e.mu.Unlock()
	e.dispatch(pkey, stage)
}

// forget drops every hold and wait of a finished execution (under e.mu)
// and returns the stages it freed.
func (e *Engine) forget(pkey, id string) []string {
	s := e.sched[pkey]
	if s == nil {
		return nil
	}
	var freed []string
	for st, occ := range s.occupant {
		if occ == id {
			delete(s.occupant, st)
			freed = append(freed, st)
		}
	}
	for st, q := range s.waiting {
		for i, w := range q {
			if w.id == id {
				s.waiting[st] = append(q[:i:i], q[i+1:]...)
				break
			}
		}
	}
	return freed
}

// dispatch grants a free stage to the next waiter(s).
func (e *Engine) dispatch(pkey, stage string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.transitionOpen(pkey, stage) {
		return
	}
	s := e.schedFor(pkey)
	q := s.waiting[stage]
	var rest []*waiter
	for _, w := range q {
		switch {
		case w.parallel:
			w.ch <- grant{}
		case s.occupant[stage] == "":
			s.occupant[stage] = w.id
			w.ch <- grant{}
		default:
			rest = append(rest, w)
		}
	}
	s.waiting[stage] = rest
}

// inbound lists the executions waiting at a stage's boundary (state).
func (e *Engine) inbound(pkey, stage string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sched[pkey]
	if s == nil {
		return nil
	}
	var out []string
	for _, w := range s.waiting[stage] {
		out = append(out, w.id)
	}
	return out
}
