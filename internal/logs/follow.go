package logs

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Followers. Every write (PutLogEvents, Append) commits and then, still
// holding the engine's write mutex, hands the stored events to the
// stream's subscribers, so each subscriber sees events in commit order
// within microseconds of the commit. A subscriber's queue is bounded
// (followerMaxBytes, followerMaxEvents): a follower that stops reading
// loses its oldest queued events, and is told so by one synthetic event
// ("[skiff] N log events were dropped …") before the next real one; the
// events themselves stay in the store. The channel closes when the
// subscription is cancelled, its context ends, or the stream or its group
// is deleted.
const (
	followerMaxBytes  = 8 << 20
	followerMaxEvents = 65536
)

type hub struct {
	mu   sync.Mutex
	subs map[string]map[*subscriber]struct{} // <group key>|<stream>
}

func newHub() *hub { return &hub{subs: map[string]map[*subscriber]struct{}{}} }

type subscriber struct {
	key     string
	mu      sync.Mutex
	queue   []Event
	bytes   int
	dropped int
	ended   bool // no more events will be queued
	wake    chan struct{}
	stop    chan struct{}
	once    sync.Once
	out     chan Event
	history func(yield func(Event) bool) // stored events delivered first (Tail)
}

func (h *hub) add(key string) *subscriber {
	s := &subscriber{key: key, wake: make(chan struct{}, 1), stop: make(chan struct{}), out: make(chan Event)}
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.subs[key]
	if m == nil {
		m = map[*subscriber]struct{}{}
		h.subs[key] = m
	}
	m[s] = struct{}{}
	return s
}

func (h *hub) remove(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.subs[s.key]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.key)
		}
	}
}

func (h *hub) publish(gk, stream string, evs []Event) {
	if len(evs) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[gk+"|"+stream] {
		s.push(evs)
	}
}

// closeStream ends the subscriptions of one stream.
func (h *hub) closeStream(gk, stream string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := gk + "|" + stream
	for s := range h.subs[key] {
		s.end()
	}
	delete(h.subs, key)
}

// closeGroup ends the subscriptions of every stream of a group.
func (h *hub) closeGroup(gk string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for key, m := range h.subs {
		if strings.HasPrefix(key, gk+"|") {
			for s := range m {
				s.end()
			}
			delete(h.subs, key)
		}
	}
}

func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) push(evs []Event) {
	s.mu.Lock()
	for _, ev := range evs {
		s.queue = append(s.queue, ev)
		s.bytes += len(ev.Message) + EventOverhead
	}
	for len(s.queue) > 1 && (s.bytes > followerMaxBytes || len(s.queue) > followerMaxEvents) {
		s.bytes -= len(s.queue[0].Message) + EventOverhead
		s.queue[0] = Event{}
		s.queue = s.queue[1:]
		s.dropped++
	}
	s.mu.Unlock()
	s.signal()
}

func (s *subscriber) end() {
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
	s.signal()
}

// take returns the next queued event; ok is false when there is none.
func (s *subscriber) take() (ev Event, ok, ended bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped > 0 {
		n := s.dropped
		s.dropped = 0
		return Event{Timestamp: time.Now(), Message: fmt.Sprintf("[skiff] %d log events were dropped: this follower fell behind", n)}, true, false
	}
	if len(s.queue) == 0 {
		s.queue = nil
		return Event{}, false, s.ended
	}
	ev = s.queue[0]
	s.queue[0] = Event{}
	s.queue = s.queue[1:]
	s.bytes -= len(ev.Message) + EventOverhead
	return ev, true, false
}

func (s *subscriber) pump(ctx context.Context, h *hub) {
	defer close(s.out)
	defer h.remove(s)
	send := func(ev Event) bool {
		select {
		case s.out <- ev:
			return true
		case <-ctx.Done():
		case <-s.stop:
		}
		return false
	}
	if s.history != nil {
		ok := true
		s.history(func(ev Event) bool {
			ok = send(ev)
			return ok
		})
		if !ok {
			return
		}
	}
	for {
		ev, ok, ended := s.take()
		if ended {
			return
		}
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-ctx.Done():
				return
			case <-s.stop:
				return
			}
		}
		if !send(ev) {
			return
		}
	}
}

func (e *Engine) subscribe(ctx context.Context, group, stream string, tail bool) (<-chan Event, func(), error) {
	var v validation
	v.groupName("logGroupName", group)
	v.streamName("logStreamName", stream)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	gk := scopeKey(ctx, group)
	e.wmu.Lock()
	sub := e.hub.add(gk + "|" + stream)
	var snap struct {
		chunk int64
		count int
	}
	var err error
	if tail {
		err = e.st.View(ctx, func(tx store.Tx) error {
			s, err := getStream(tx, gk, stream)
			if err != nil {
				if ErrResourceNotFound.Is(err) {
					return nil
				}
				return err
			}
			if s.Tail != "" {
				_, id, _ := parseChunkKey(s.Tail)
				snap.chunk, snap.count = id, s.TailCount
			}
			return nil
		})
	}
	e.wmu.Unlock()
	if err != nil {
		e.hub.remove(sub)
		return nil, nil, err
	}
	if tail && snap.chunk > 0 {
		sub.history = func(yield func(Event) bool) {
			e.history(ctx, gk, stream, func(ev *evt) bool {
				return ev.key.chunk < snap.chunk || (ev.key.chunk == snap.chunk && ev.key.idx < int64(snap.count))
			}, yield)
		}
	}
	go sub.pump(ctx, e.hub)
	cancel := func() { sub.once.Do(func() { close(sub.stop) }) }
	return sub.out, cancel, nil
}

// history yields a stream's stored events oldest first, a page per read
// transaction.
func (e *Engine) history(ctx context.Context, gk, stream string, keep func(*evt) bool, yield func(Event) bool) {
	var resume *pos
	for {
		var page []Event
		var last pos
		err := e.st.View(ctx, func(tx store.Tx) error {
			g, err := getGroup(tx, gk)
			if err != nil {
				return err
			}
			s, err := getStream(tx, gk, stream)
			if err != nil {
				return err
			}
			m := newMerger(tx, false, false, retentionCutoff(g, e.now().UnixMilli()), math.MaxInt64)
			m.resume, m.keep = resume, keep
			m.addStream(s, gk)
			for len(page) < 1000 {
				ev, ok := m.next()
				if !ok {
					break
				}
				page = append(page, Event{Timestamp: time.UnixMilli(ev.key.ts), Message: ev.msg})
				last = ev.key
			}
			return m.err
		})
		if err != nil || len(page) == 0 {
			return
		}
		for _, ev := range page {
			if !yield(ev) {
				return
			}
		}
		resume = &last
	}
}

// Subscribe follows a stream: the returned channel receives the events
// stored in it after the call, in commit order, until cancel is called,
// ctx ends, or the stream or its group is deleted (then it is closed). The
// stream need not exist yet; for an invalid group or stream name the
// channel is closed at once. See Tail for stored events too.
func (e *Engine) Subscribe(ctx context.Context, group, stream string) (<-chan Event, func()) {
	return e.follow(ctx, group, stream, false)
}

// Tail is Subscribe preceded by the events already stored (oldest first,
// within retention): every event is delivered once, with no gap between
// the stored ones and the live ones. `skiff build logs -f` uses it.
func (e *Engine) Tail(ctx context.Context, group, stream string) (<-chan Event, func()) {
	return e.follow(ctx, group, stream, true)
}

func (e *Engine) follow(ctx context.Context, group, stream string, tail bool) (<-chan Event, func()) {
	ch, cancel, err := e.subscribe(ctx, group, stream, tail)
	if err != nil {
		closed := make(chan Event)
		close(closed)
		return closed, func() {}
	}
	return ch, cancel
}
