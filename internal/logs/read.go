package logs

import (
	"container/heap"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/store"
)

// Reading merges chunks lazily: each stream is a cursor over its chunks in
// key (minTs) order; a heap holds cursors, keyed by a bound on the
// timestamps they may still yield, and runs of decoded events from loaded
// chunks. A cursor is expanded (its next chunk loaded) only when nothing
// already loaded can come before what it may hold, so a page loads the
// chunks it needs plus those overlapping them in time (see chunkSpan).

// pos is an event's place in a read order: timestamp, then (for group
// reads) ingestion time, then chunk id and index, which are unique.
type pos struct {
	ts, ingest, chunk int64
	idx               int64
}

func (a pos) cmp(b pos) int {
	switch {
	case a.ts != b.ts:
		return cmpInt(a.ts, b.ts)
	case a.ingest != b.ingest:
		return cmpInt(a.ingest, b.ingest)
	case a.chunk != b.chunk:
		return cmpInt(a.chunk, b.chunk)
	}
	return cmpInt(a.idx, b.idx)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// evt is an event read back.
type evt struct {
	key    pos
	ingest int64
	msg    string
	stream string
}

type rawChunk struct {
	minTs, id int64
	blob      string
}

type cursor struct {
	stream, prefix string
	span           int64  // no chunk of the stream spans more
	after          string // scan position, exclusive
	bound          int64
	buf            []rawChunk
	done           bool
	fetchN         int // chunks to read next time: 1, 2, 4… up to prefetch
}

type run struct {
	evs []evt
	i   int
}

type item struct {
	run *run
	cur *cursor
}

// merger yields a set of streams' events in order (ascending, or
// descending when reverse), restricted to lo <= ts < hi and to keys after
// (before, when reverse) the resume position.
type merger struct {
	tx         store.Tx
	reverse    bool
	groupOrder bool // order by (ts, ingestion time, …) across streams
	lo, hi     int64
	resume     *pos
	keep       func(e *evt) bool
	prefetch   int
	items      []item
	loaded     int64 // chunk bytes loaded
	err        error
}

func newMerger(tx store.Tx, reverse, groupOrder bool, lo, hi int64) *merger {
	return &merger{tx: tx, reverse: reverse, groupOrder: groupOrder, lo: lo, hi: hi, prefetch: 8}
}

func (m *merger) Len() int { return len(m.items) }
func (m *merger) Swap(i, j int) {
	m.items[i], m.items[j] = m.items[j], m.items[i]
}
func (m *merger) Push(x any) { m.items = append(m.items, x.(item)) }
func (m *merger) Pop() any {
	x := m.items[len(m.items)-1]
	m.items = m.items[:len(m.items)-1]
	return x
}

func (m *merger) itemKey(it item) pos {
	if it.run != nil {
		return it.run.evs[it.run.i].key
	}
	if m.reverse {
		return pos{it.cur.bound, math.MaxInt64, math.MaxInt64, math.MaxInt64}
	}
	return pos{it.cur.bound, math.MinInt64, math.MinInt64, math.MinInt64}
}

func (m *merger) Less(i, j int) bool {
	c := m.itemKey(m.items[i]).cmp(m.itemKey(m.items[j]))
	if m.reverse {
		return c > 0
	}
	return c < 0
}

// addStream adds one stream's chunks.
func (m *merger) addStream(s *streamRecord, gk string) {
	if !s.HasEvents || s.Last < m.lo || s.First >= m.hi {
		return
	}
	c := &cursor{stream: s.Name, prefix: streamPrefix(gk, s.Name), span: s.span()}
	if m.reverse {
		c.after = c.prefix + hex16(m.hi)
		c.bound = min(m.hi-1, s.Last)
	} else {
		if lo := m.lo - c.span; lo > 0 {
			c.after = c.prefix + hex16(lo)
		}
		c.bound = max(m.lo, s.First)
	}
	heap.Push(m, item{cur: c})
}

// fetch reads the cursor's next chunks.
func (m *merger) fetch(c *cursor) {
	n := 0
	c.fetchN = min(max(1, 2*c.fetchN), m.prefetch)
	limit := c.fetchN
	err := m.tx.Scan(bucketEvents, store.ScanOptions{Prefix: c.prefix, After: c.after, Reverse: m.reverse, Limit: limit}, func(k string, v []byte) error {
		n++
		c.after = k
		minTs, id, ok := parseChunkKey(k)
		if !ok || len(k) != len(c.prefix)+32 {
			return nil
		}
		if (!m.reverse && minTs >= m.hi) || (m.reverse && minTs+c.span < m.lo) {
			c.done = true
			return store.ErrStop
		}
		m.loaded += int64(len(v))
		c.buf = append(c.buf, rawChunk{minTs: minTs, id: id, blob: string(v)})
		return nil
	})
	if err != nil {
		m.err = err
		c.done = true
	}
	if n < limit {
		c.done = true
	}
}

// next returns the next event in order.
func (m *merger) next() (evt, bool) {
	for len(m.items) > 0 && m.err == nil {
		top := m.items[0]
		if r := top.run; r != nil {
			e := r.evs[r.i]
			r.i++
			if r.i == len(r.evs) {
				heap.Pop(m)
			} else {
				heap.Fix(m, 0)
			}
			return e, true
		}
		c := top.cur
		if len(c.buf) == 0 && !c.done {
			m.fetch(c)
		}
		if len(c.buf) == 0 {
			heap.Pop(m)
			continue
		}
		rc := c.buf[0]
		c.buf = c.buf[1:]
		if len(c.buf) == 0 && c.done {
			heap.Pop(m)
		} else {
			next := rc.minTs
			if len(c.buf) > 0 {
				next = c.buf[0].minTs
			}
			if m.reverse {
				c.bound = min(next+c.span, m.hi-1)
			} else {
				c.bound = max(next, m.lo)
			}
			heap.Fix(m, 0)
		}
		if r := m.decode(c.stream, rc); r != nil {
			heap.Push(m, item{run: r})
		}
	}
	return evt{}, false
}

func (m *merger) decode(stream string, rc rawChunk) *run {
	var evs []evt
	err := decodeChunk(rc.blob, rc.minTs, func(idx int, ts, ingest int64, msg string) {
		if ts < m.lo || ts >= m.hi {
			return
		}
		e := evt{key: pos{ts: ts, chunk: rc.id, idx: int64(idx)}, ingest: ingest, msg: msg, stream: stream}
		if m.groupOrder {
			e.key.ingest = ingest
		}
		if m.resume != nil {
			c := e.key.cmp(*m.resume)
			if (!m.reverse && c <= 0) || (m.reverse && c >= 0) {
				return
			}
		}
		if m.keep != nil && !m.keep(&e) {
			return
		}
		if evs == nil {
			evs = make([]evt, 0, 64)
		}
		evs = append(evs, e)
	})
	if err != nil {
		m.err = err
		return nil
	}
	if len(evs) == 0 {
		return nil
	}
	cmp := func(a, b evt) int { return a.key.cmp(b.key) }
	if m.reverse {
		cmp = func(a, b evt) int { return b.key.cmp(a.key) }
	}
	if !slices.IsSortedFunc(evs, cmp) {
		slices.SortFunc(evs, cmp)
	}
	return &run{evs: evs}
}

// GetLogEvents tokens are "f/" or "b/", 56 digits (timestamp, chunk id,
// index), and "/s", as CloudWatch Logs' look. A forward token f/P means
// "the events after P", a backward token b/P "the events before P".

func streamToken(dir byte, p pos) string {
	return fmt.Sprintf("%c/%020d%020d%016d/s", dir, p.ts, p.chunk, p.idx)
}

func parseStreamToken(t string) (byte, pos, bool) {
	t = strings.TrimSuffix(t, "/s")
	if len(t) != 58 || (t[0] != 'f' && t[0] != 'b') || t[1] != '/' {
		return 0, pos{}, false
	}
	d := t[2:]
	ts, err1 := strconv.ParseInt(d[:20], 10, 64)
	ch, err2 := strconv.ParseInt(d[20:40], 10, 64)
	idx, err3 := strconv.ParseInt(d[40:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ts < 0 || ch < 0 || idx < 0 || idx >= 1e16 {
		return 0, pos{}, false
	}
	return t[0], pos{ts: ts, chunk: ch, idx: idx}, true
}

// succ and pred are the positions just after and before p, so that "before
// succ(p)" includes p and "after pred(p)" does too.
func succ(p pos) pos {
	if p.idx < 1e16-1 {
		p.idx++
		return p
	}
	p.idx = 0
	p.chunk++
	return p
}

func pred(p pos) pos {
	switch {
	case p.idx > 0:
		p.idx--
	case p.chunk > 0:
		p.chunk, p.idx = p.chunk-1, 1e16-1
	case p.ts > 0:
		p = pos{ts: p.ts - 1, chunk: math.MaxInt64 / 10, idx: 1e16 - 1}
	}
	return p
}

func invalidToken() error { return ErrInvalidParameter.New("The specified nextToken is invalid.") }

// GetLogEventsInput is GetLogEvents' input.
type GetLogEventsInput struct {
	LogGroupName       string
	LogGroupIdentifier string
	LogStreamName      string
	StartTime, EndTime *int64 // epoch ms; EndTime is exclusive
	NextToken          string
	Limit              *int32
	StartFromHead      bool
}

// OutputLogEvent is an event GetLogEvents returns.
type OutputLogEvent struct {
	Timestamp     int64
	IngestionTime int64
	Message       string
}

// GetLogEventsOutput is GetLogEvents' result. Both tokens are always set;
// at either end of the stream the token passed in comes back.
type GetLogEventsOutput struct {
	Events            []OutputLogEvent
	NextForwardToken  string
	NextBackwardToken string
}

// maxPageBytes bounds a page of events (messages plus 26 bytes each), as
// CloudWatch Logs' 1 MB pages.
const maxPageBytes = MaxBatchBytes

func (v *validation) times(start, end *int64) {
	if start != nil && *start < 0 {
		v.add("Value '%d' at 'startTime' failed to satisfy constraint: Member must have value greater than or equal to 0", *start)
	}
	if end != nil && *end < 0 {
		v.add("Value '%d' at 'endTime' failed to satisfy constraint: Member must have value greater than or equal to 0", *end)
	}
}

// GetLogEvents pages through one stream. Without a token it returns the
// newest events (the oldest with StartFromHead); a token's direction wins
// over StartFromHead.
func (e *Engine) GetLogEvents(ctx context.Context, in GetLogEventsInput) (*GetLogEventsOutput, error) {
	var v validation
	v.streamName("logStreamName", in.LogStreamName)
	v.limit(in.Limit, 10000)
	v.times(in.StartTime, in.EndTime)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := resolveGroupName(ctx, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	forward := in.StartFromHead
	var tok *pos
	if in.NextToken != "" {
		dir, p, ok := parseStreamToken(in.NextToken)
		if !ok {
			return nil, invalidToken()
		}
		forward, tok = dir == 'f', &p
	}
	limit := 10000
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	gk := scopeKey(ctx, name)
	out := &GetLogEventsOutput{Events: []OutputLogEvent{}}
	err = e.st.View(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		s, err := getStream(tx, gk, in.LogStreamName)
		if err != nil {
			return err
		}
		lo, hi := int64(0), int64(math.MaxInt64)
		if in.StartTime != nil {
			lo = *in.StartTime
		}
		if in.EndTime != nil {
			hi = *in.EndTime
		}
		lo = max(lo, retentionCutoff(g, e.now().UnixMilli()))
		if tok != nil && forward {
			lo = max(lo, tok.ts)
		} else if tok != nil && tok.ts < math.MaxInt64 {
			hi = min(hi, tok.ts+1)
		}
		m := newMerger(tx, !forward, false, lo, hi)
		m.resume = tok
		if lo < hi {
			m.addStream(s, gk)
		}
		size := 0
		for len(out.Events) < limit {
			ev, ok := m.next()
			if !ok {
				break
			}
			if n := len(ev.msg) + EventOverhead; size+n > maxPageBytes {
				break
			} else {
				size += n
			}
			out.Events = append(out.Events, OutputLogEvent{Timestamp: ev.key.ts, IngestionTime: ev.ingest, Message: ev.msg})
			if forward {
				if len(out.Events) == 1 {
					out.NextBackwardToken = streamToken('b', ev.key)
				}
				out.NextForwardToken = streamToken('f', ev.key)
			} else {
				if len(out.Events) == 1 {
					out.NextForwardToken = streamToken('f', ev.key)
				}
				out.NextBackwardToken = streamToken('b', ev.key)
			}
		}
		if m.err != nil {
			return m.err
		}
		if !forward {
			slices.Reverse(out.Events)
		}
		if len(out.Events) == 0 {
			switch {
			case tok == nil:
				p := pos{ts: lo}
				out.NextForwardToken, out.NextBackwardToken = streamToken('f', p), streamToken('b', p)
			case forward:
				out.NextForwardToken, out.NextBackwardToken = in.NextToken, streamToken('b', succ(*tok))
			default:
				out.NextForwardToken, out.NextBackwardToken = streamToken('f', pred(*tok)), in.NextToken
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FilterLogEventsInput is FilterLogEvents' input.
type FilterLogEventsInput struct {
	LogGroupName        string
	LogGroupIdentifier  string
	LogStreamNames      []string
	LogStreamNamePrefix string
	StartTime, EndTime  *int64 // epoch ms; both inclusive
	FilterPattern       string
	NextToken           string
	Limit               *int32
}

// FilteredLogEvent is an event FilterLogEvents returns.
type FilteredLogEvent struct {
	LogStreamName string
	Timestamp     int64
	IngestionTime int64
	Message       string
	EventID       string
}

// FilterLogEventsOutput is FilterLogEvents' result; NextToken is empty when
// the search is complete.
type FilterLogEventsOutput struct {
	Events    []FilteredLogEvent
	NextToken string
}

// filterBudget bounds the chunk bytes one FilterLogEvents call reads: a
// search that has not found a full page by then returns what it has and a
// token to continue, as CloudWatch Logs returns partial pages.
const filterBudget = 32 << 20

// EventID formats an event's id: 56 digits, stable for the event's life.
func eventID(p pos) string { return fmt.Sprintf("%019d%021d%016d", p.ts, p.chunk, p.idx) }

func groupToken(p pos) string {
	b := []byte{1}
	b = binary.AppendVarint(b, p.ts)
	b = binary.AppendVarint(b, p.ingest)
	b = binary.AppendVarint(b, p.chunk)
	b = binary.AppendVarint(b, p.idx)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseGroupToken(t string) (pos, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) < 1 || b[0] != 1 {
		return pos{}, false
	}
	b = b[1:]
	var vals [4]int64
	for i := range vals {
		v, n := binary.Varint(b)
		if n <= 0 {
			return pos{}, false
		}
		vals[i], b = v, b[n:]
	}
	if len(b) != 0 {
		return pos{}, false
	}
	return pos{ts: vals[0], ingest: vals[1], chunk: vals[2], idx: vals[3]}, true
}

// FilterLogEvents searches a group's streams, interleaved in timestamp
// order (CloudWatch Logs ignores interleaved=false since 2019).
func (e *Engine) FilterLogEvents(ctx context.Context, in FilterLogEventsInput) (*FilterLogEventsOutput, error) {
	var v validation
	if len(in.LogStreamNames) > 100 {
		v.add("Value '%v' at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100", in.LogStreamNames)
	}
	for i, n := range in.LogStreamNames {
		v.streamName(fmt.Sprintf("logStreamNames.%d.member", i+1), n)
	}
	if in.LogStreamNamePrefix != "" {
		v.streamName("logStreamNamePrefix", in.LogStreamNamePrefix)
	}
	if len(in.FilterPattern) > 1024 {
		v.add("Value '%s' at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024", in.FilterPattern)
	}
	v.limit(in.Limit, 10000)
	v.times(in.StartTime, in.EndTime)
	if err := v.err(); err != nil {
		return nil, err
	}
	name, err := resolveGroupName(ctx, in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, ErrInvalidParameter.New("logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	pat, err := ParseFilterPattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	var tok *pos
	if in.NextToken != "" {
		p, ok := parseGroupToken(in.NextToken)
		if !ok {
			return nil, invalidToken()
		}
		tok = &p
	}
	limit := 10000
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	gk := scopeKey(ctx, name)
	out := &FilterLogEventsOutput{Events: []FilteredLogEvent{}}
	err = e.st.View(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		lo, hi := int64(0), int64(math.MaxInt64)
		if in.StartTime != nil {
			lo = *in.StartTime
		}
		if in.EndTime != nil && *in.EndTime < math.MaxInt64 {
			hi = *in.EndTime + 1
		}
		lo = max(lo, retentionCutoff(g, e.now().UnixMilli()))
		if tok != nil {
			lo = max(lo, tok.ts)
		}
		if lo >= hi {
			return nil
		}
		var streams []*streamRecord
		if len(in.LogStreamNames) > 0 {
			streams, err = streamsOf(tx, gk, in.LogStreamNames, "")
		} else {
			streams, err = streamsActiveSince(tx, gk, lo, in.LogStreamNamePrefix)
		}
		if err != nil {
			return err
		}
		m := newMerger(tx, false, true, lo, hi)
		m.resume = tok
		if len(streams) > 16 {
			m.prefetch = 1
		}
		for _, s := range streams {
			m.addStream(s, gk)
		}
		size := 0
		var last *pos
		for {
			ev, ok := m.next()
			if !ok {
				break
			}
			if pat.Match(ev.msg) {
				n := len(ev.msg) + EventOverhead
				if last != nil && (len(out.Events) == limit || size+n > maxPageBytes) {
					out.NextToken = groupToken(*last)
					break
				}
				size += n
				out.Events = append(out.Events, FilteredLogEvent{
					LogStreamName: ev.stream, Timestamp: ev.key.ts, IngestionTime: ev.ingest, Message: ev.msg,
					EventID: eventID(ev.key),
				})
			}
			k := ev.key
			last = &k
			if m.loaded > filterBudget {
				out.NextToken = groupToken(k)
				break
			}
		}
		return m.err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
