package logs

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// PutLogEvents limits, as the API reference states them today.
const (
	// MaxBatchEvents is the most events one PutLogEvents call takes.
	MaxBatchEvents = 10000
	// MaxBatchBytes bounds a batch: the UTF-8 bytes of every message plus
	// EventOverhead per event.
	MaxBatchBytes = 1048576
	// EventOverhead is what each event adds to a batch's size.
	EventOverhead = 26
	// MaxMessageBytes is the largest message one event can carry: an
	// event is at most 1 MB counting its overhead.
	MaxMessageBytes = MaxBatchBytes - EventOverhead

	maxBatchSpan = int64(24 * time.Hour / time.Millisecond)
	maxFuture    = int64(2 * time.Hour / time.Millisecond)
	maxAge       = int64(14 * 24 * time.Hour / time.Millisecond)
	dayMillis    = int64(24 * time.Hour / time.Millisecond)
)

// InputLogEvent is one event of a PutLogEvents batch.
type InputLogEvent struct {
	Timestamp int64 // epoch milliseconds
	Message   string
}

// PutLogEventsInput is PutLogEvents' input. SequenceToken is accepted and
// ignored, as CloudWatch Logs does today.
type PutLogEventsInput struct {
	LogGroupName  string
	LogStreamName string
	Events        []InputLogEvent
	SequenceToken string
}

// RejectedLogEventsInfo says which leading and trailing events of a batch
// were not stored. End indexes are exclusive, the start index inclusive.
type RejectedLogEventsInfo struct {
	TooNewLogEventStartIndex *int32
	TooOldLogEventEndIndex   *int32
	ExpiredLogEventEndIndex  *int32
}

// PutLogEventsOutput is PutLogEvents' result.
type PutLogEventsOutput struct {
	NextSequenceToken string
	Rejected          *RejectedLogEventsInfo // nil when every event was stored
}

// pending is an event about to be stored.
type pending struct {
	ts  int64
	msg string
}

// retentionCutoff is the oldest timestamp the group still keeps (0 when it
// keeps everything).
func retentionCutoff(g *LogGroup, now int64) int64 {
	if g.RetentionInDays <= 0 {
		return 0
	}
	return now - int64(g.RetentionInDays)*dayMillis
}

// PutLogEvents stores a batch of events under the rules CloudWatch Logs
// documents: at most 10,000 events and 1,048,576 bytes (messages plus 26
// bytes each), in chronological order, spanning at most 24 hours; events
// more than 2 hours in the future, older than 14 days or older than the
// group's retention are skipped and reported in RejectedLogEventsInfo.
// What it acknowledges is committed.
func (e *Engine) PutLogEvents(ctx context.Context, in PutLogEventsInput) (*PutLogEventsOutput, error) {
	var v validation
	v.groupName("logGroupName", in.LogGroupName)
	v.streamName("logStreamName", in.LogStreamName)
	switch n := len(in.Events); {
	case n == 0:
		v.add("Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > MaxBatchEvents:
		v.add("Value '[...]' at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", MaxBatchEvents)
	}
	if len(in.Events) <= MaxBatchEvents {
		for i, ev := range in.Events {
			if ev.Message == "" {
				v.add("Value '' at 'logEvents.%d.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
			}
			if ev.Timestamp < 0 {
				v.add("Value '%d' at 'logEvents.%d.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0", ev.Timestamp, i+1)
			}
		}
	}
	if in.SequenceToken != "" {
		v.str("sequenceToken", in.SequenceToken, 1, 0, nil, "")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	size := 0
	for _, ev := range in.Events {
		size += len(ev.Message) + EventOverhead
	}
	if size > MaxBatchBytes {
		return nil, ErrInvalidParameter.New("Upload too large: %d bytes exceeds limit of %d", size, MaxBatchBytes)
	}
	for i := 1; i < len(in.Events); i++ {
		if in.Events[i].Timestamp < in.Events[i-1].Timestamp {
			return nil, ErrInvalidParameter.New("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	mask := e.groupMask(in.LogGroupName, nil)
	gk := scopeKey(ctx, in.LogGroupName)
	out := &PutLogEventsOutput{}
	var published []Event
	e.wmu.Lock()
	defer e.wmu.Unlock()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		g, err := getGroup(tx, gk)
		if err != nil {
			return err
		}
		s, err := getStream(tx, gk, in.LogStreamName)
		if err != nil {
			return err
		}
		now := e.now().UnixMilli()
		evs := in.Events
		n := len(evs)
		tooOld := sort.Search(n, func(i int) bool { return evs[i].Timestamp >= now-maxAge })
		expired := 0
		if cut := retentionCutoff(g, now); cut > 0 {
			expired = sort.Search(n, func(i int) bool { return evs[i].Timestamp >= cut })
		}
		tooNew := sort.Search(n, func(i int) bool { return evs[i].Timestamp > now+maxFuture })
		lo := max(tooOld, expired)
		valid := evs[min(lo, tooNew):tooNew]
		if len(valid) > 1 && valid[len(valid)-1].Timestamp-valid[0].Timestamp > maxBatchSpan {
			return ErrInvalidParameter.New("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
		}
		var rej RejectedLogEventsInfo
		if tooOld > 0 {
			rej.TooOldLogEventEndIndex = ptr32(tooOld)
		}
		if expired > 0 {
			rej.ExpiredLogEventEndIndex = ptr32(expired)
		}
		if tooNew < n {
			rej.TooNewLogEventStartIndex = ptr32(tooNew)
		}
		if rej != (RejectedLogEventsInfo{}) {
			out.Rejected = &rej
		}
		ps := make([]pending, 0, len(valid))
		for _, ev := range valid {
			msg := ev.Message
			if mask != nil {
				if msg = mask(msg); msg == "" {
					continue // masked away entirely
				}
			}
			ps = append(ps, pending{ts: ev.Timestamp, msg: msg})
		}
		if err := e.storeEvents(tx, gk, g, s, ps, now); err != nil {
			return err
		}
		out.NextSequenceToken = sequenceToken(s.Seq)
		published = toEvents(ps)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.hub.publish(gk, in.LogStreamName, published)
	return out, nil
}

func ptr32(n int) *int32 {
	v := int32(n)
	return &v
}

func toEvents(ps []pending) []Event {
	out := make([]Event, len(ps))
	for i, p := range ps {
		out[i] = Event{Timestamp: time.UnixMilli(p.ts), Message: p.msg}
	}
	return out
}

// storeEvents writes events (sorted by timestamp) to a stream as chunks and
// updates the stream's and group's records. An empty batch still counts as
// an upload.
func (e *Engine) storeEvents(tx store.Tx, gk string, g *LogGroup, s *streamRecord, evs []pending, ingest int64) error {
	oldLast := s.Last
	s.Seq++
	if len(evs) == 0 {
		return putStream(tx, gk, s, oldLast, false)
	}
	prefix := streamPrefix(gk, s.Name)
	var added int64
	i := 0
	// Small batches join the stream's newest chunk while it is small and
	// the batch starts within its time span.
	if s.Tail != "" && s.TailLen < tailCap && s.TailCount < chunkMax {
		if tailMin, _, ok := parseChunkKey(s.Tail); ok && evs[0].ts >= tailMin && evs[0].ts-tailMin <= chunkSpan {
			blob, err := tx.GetRaw(bucketEvents, s.Tail)
			switch {
			case err == nil:
				c, err := resumeChunk(tailMin, blob)
				if err != nil {
					return err
				}
				for i < len(evs) && fits(c, evs[i]) {
					c.add(evs[i].ts, ingest, evs[i].msg)
					added += int64(len(evs[i].msg))
					i++
				}
				if i > 0 {
					if err := tx.PutRaw(bucketEvents, s.Tail, c.bytes()); err != nil {
						return err
					}
					s.TailCount, s.TailLen = c.meta.count, c.size()
					s.MaxSpan = max(s.MaxSpan, c.meta.maxTs-c.minTs)
				}
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
	}
	for i < len(evs) {
		id, err := tx.NextSeq(chunkSeqName)
		if err != nil {
			return err
		}
		c := newChunk(evs[i].ts, ingest)
		c.add(evs[i].ts, ingest, evs[i].msg)
		added += int64(len(evs[i].msg))
		i++
		for i < len(evs) && fits(c, evs[i]) {
			c.add(evs[i].ts, ingest, evs[i].msg)
			added += int64(len(evs[i].msg))
			i++
		}
		key := chunkKey(prefix, c.minTs, id)
		if err := tx.PutRaw(bucketEvents, key, c.bytes()); err != nil {
			return err
		}
		s.Tail, s.TailCount, s.TailLen = key, c.meta.count, c.size()
		s.MaxSpan = max(s.MaxSpan, c.meta.maxTs-c.minTs)
	}
	first, last := evs[0].ts, evs[len(evs)-1].ts
	if !s.HasEvents {
		s.HasEvents, s.First, s.Last = true, first, last
	} else {
		s.First, s.Last = min(s.First, first), max(s.Last, last)
	}
	s.LastIngestion = ingest
	s.StoredBytes += added
	if err := putStream(tx, gk, s, oldLast, false); err != nil {
		return err
	}
	g.StoredBytes += added
	return tx.Put(bucketGroups, gk, g)
}

// fits says whether ev may join chunk c.
func fits(c *chunkBuilder, ev pending) bool {
	return ev.ts >= c.minTs && ev.ts-c.minTs <= chunkSpan && c.meta.count < chunkMax &&
		c.size()+len(ev.msg)+8 <= chunkTarget
}

// Event is a log event as skiff's own services write and follow them.
type Event struct {
	Timestamp time.Time
	Message   string
}

// AppendOption adjusts one Append call.
type AppendOption func(*appendOptions)

type appendOptions struct {
	mask func(string) string
}

// WithMask masks each message before it is stored (and before the group's
// masker, see SetMasker, runs). CodeBuild passes MaskSecrets(values...) of
// the build's Parameter Store and Secrets Manager values.
func WithMask(mask func(string) string) AppendOption {
	return func(o *appendOptions) {
		if mask == nil {
			return
		}
		if prev := o.mask; prev != nil {
			o.mask = func(s string) string { return mask(prev(s)) }
		} else {
			o.mask = mask
		}
	}
}

// MaskSecrets returns a function that replaces every occurrence of each
// non-empty secret with "***", longer secrets first (so a secret that
// contains another is masked whole).
func MaskSecrets(secrets ...string) func(string) string {
	var vals []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if s != "" && !seen[s] {
			seen[s] = true
			vals = append(vals, s)
		}
	}
	if len(vals) == 0 {
		return func(s string) string { return s }
	}
	sort.SliceStable(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	pairs := make([]string, 0, 2*len(vals))
	for _, v := range vals {
		pairs = append(pairs, v, "***")
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace
}

// SetMasker installs a hook that masks messages of every ingestion path
// (PutLogEvents and Append) before they are stored: m(group) returns the
// masking function for a group's events, or nil to store them as sent.
// Masked values never reach the disk, the API or followers.
func (e *Engine) SetMasker(m func(group string) func(string) string) {
	if m == nil {
		e.masker.Store(nil)
		return
	}
	e.masker.Store(&m)
}

// groupMask combines a call's mask with the group's masker.
func (e *Engine) groupMask(group string, call func(string) string) func(string) string {
	var gm func(string) string
	if m := e.masker.Load(); m != nil {
		gm = (*m)(group)
	}
	switch {
	case call == nil:
		return gm
	case gm == nil:
		return call
	}
	return func(s string) string { return gm(call(s)) }
}

// EnsureGroup creates a STANDARD log group unless it exists. The account
// and region come from ctx (awsctx), as for API calls.
func (e *Engine) EnsureGroup(ctx context.Context, group string) error {
	var v validation
	v.groupName("logGroupName", group)
	if err := v.err(); err != nil {
		return err
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		_, err := e.ensureGroup(ctx, tx, group)
		return err
	})
}

func (e *Engine) ensureGroup(ctx context.Context, tx store.Tx, group string) (*LogGroup, error) {
	gk := scopeKey(ctx, group)
	g, err := getGroup(tx, gk)
	if err == nil || !ErrResourceNotFound.Is(err) {
		return g, err
	}
	sc := awsctx.From(ctx)
	g = &LogGroup{Name: group, Account: sc.AccountID, Region: sc.Region, CreationTime: e.now().UnixMilli(), Class: ClassStandard}
	return g, tx.Put(bucketGroups, gk, g)
}

// EnsureStream creates the log stream, and its group, unless they exist.
func (e *Engine) EnsureStream(ctx context.Context, group, stream string) error {
	var v validation
	v.groupName("logGroupName", group)
	v.streamName("logStreamName", stream)
	if err := v.err(); err != nil {
		return err
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		_, _, err := e.ensureStream(ctx, tx, group, stream)
		return err
	})
}

func (e *Engine) ensureStream(ctx context.Context, tx store.Tx, group, stream string) (*LogGroup, *streamRecord, error) {
	g, err := e.ensureGroup(ctx, tx, group)
	if err != nil {
		return nil, nil, err
	}
	gk := scopeKey(ctx, group)
	s, err := getStream(tx, gk, stream)
	if ErrResourceNotFound.Is(err) {
		s, err = e.createStream(tx, gk, stream)
	}
	return g, s, err
}

// appendTxBytes bounds what one Append transaction writes, so a large
// Append does not hold the store's write lock for long.
const appendTxBytes = MaxBatchBytes

// Append stores events from skiff's own producers (CodeBuild build output,
// instance process output) in a stream, creating the group and stream when
// missing. Unlike PutLogEvents it takes events in any order and sorts them
// (stably, by timestamp); a zero Timestamp means now. Messages are made
// valid UTF-8 and masked (WithMask, then the group's masker); events whose
// message is empty are dropped; a message longer than MaxMessageBytes —
// which PutLogEvents would reject — is split into several events with the
// same timestamp, cut at UTF-8 boundaries. Events older than the group's
// retention are dropped. Batches up to 1 MB are stored in one transaction,
// larger ones in several, each committed before Append returns; followers
// (Subscribe, Tail) see the events as each commits.
//
// Each call is a durable commit (about 0.2 ms on SQLite): a producer of
// many small lines should buffer them briefly (say 50–100 ms) and append
// them together, which stores over 100,000 events a second.
func (e *Engine) Append(ctx context.Context, group, stream string, events []Event, opts ...AppendOption) error {
	var v validation
	v.groupName("logGroupName", group)
	v.streamName("logStreamName", stream)
	if err := v.err(); err != nil {
		return err
	}
	var o appendOptions
	for _, opt := range opts {
		opt(&o)
	}
	mask := e.groupMask(group, o.mask)
	now := e.now()
	ps := make([]pending, 0, len(events))
	for _, ev := range events {
		msg := ev.Message
		if !utf8.ValidString(msg) {
			msg = strings.ToValidUTF8(msg, "\uFFFD")
		}
		if mask != nil {
			msg = mask(msg)
		}
		ts := now.UnixMilli()
		if !ev.Timestamp.IsZero() {
			ts = max(0, ev.Timestamp.UnixMilli())
		}
		for msg != "" {
			part := msg
			if len(part) > MaxMessageBytes {
				cut := MaxMessageBytes
				for cut > 0 && !utf8.RuneStart(msg[cut]) {
					cut--
				}
				part = msg[:cut]
			}
			ps = append(ps, pending{ts: ts, msg: part})
			msg = msg[len(part):]
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].ts < ps[j].ts })
	gk := scopeKey(ctx, group)
	for first := true; first || len(ps) > 0; first = false {
		n, size := 0, 0
		for n < len(ps) && n < MaxBatchEvents && (n == 0 || size+len(ps[n].msg)+EventOverhead <= appendTxBytes) {
			size += len(ps[n].msg) + EventOverhead
			n++
		}
		batch := ps[:n]
		ps = ps[n:]
		if err := e.appendBatch(ctx, gk, group, stream, batch); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) appendBatch(ctx context.Context, gk, group, stream string, batch []pending) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	var stored []pending
	err := e.st.Update(ctx, func(tx store.Tx) error {
		g, s, err := e.ensureStream(ctx, tx, group, stream)
		if err != nil {
			return err
		}
		now := e.now().UnixMilli()
		stored = batch
		if cut := retentionCutoff(g, now); cut > 0 {
			k := sort.Search(len(batch), func(i int) bool { return batch[i].ts >= cut })
			stored = batch[k:]
		}
		if len(stored) == 0 {
			return nil
		}
		return e.storeEvents(tx, gk, g, s, stored, now)
	})
	if err != nil {
		return err
	}
	e.hub.publish(gk, stream, toEvents(stored))
	return nil
}
