package logs

import (
	"context"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestEngine returns an engine on a memory store whose clock is fixed
// at testNow (tests move *clock).
func newTestEngine(t testing.TB) (*Engine, context.Context, *time.Time) {
	t.Helper()
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	now := testNow
	e.now = func() time.Time { return now }
	return e, ctx, &now
}

func mustGroupStream(t testing.TB, e *Engine, ctx context.Context, group, stream string) {
	t.Helper()
	if _, err := e.CreateLogGroup(ctx, CreateLogGroupInput{Name: group}); err != nil && !ErrResourceAlreadyExists.Is(err) {
		t.Fatal(err)
	}
	if err := e.CreateLogStream(ctx, group, stream); err != nil {
		t.Fatal(err)
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func TestLogStreamLifecycle(t *testing.T) {
	e, ctx, now := newTestEngine(t)
	wantErr(t, e.CreateLogStream(ctx, "g", "s"), ErrResourceNotFound, "The specified log group does not exist.")
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"s", true}, {"i-0123/app|x y", true}, {strings.Repeat("x", 512), true},
		{strings.Repeat("x", 513), false}, {"a:b", false}, {"a*", false}, {"", false},
	} {
		err := e.CreateLogStream(ctx, "g", c.name)
		if c.ok != (err == nil) {
			t.Errorf("CreateLogStream(%q) = %v", c.name, err)
		}
		if !c.ok && err != nil {
			wantErr(t, err, ErrInvalidParameter, "at 'logStreamName' failed to satisfy constraint")
		}
	}
	wantErr(t, e.CreateLogStream(ctx, "g", "s"), ErrResourceAlreadyExists, "The specified log stream already exists")

	// A stream whose name extends another's keeps its own events.
	e.CreateLogStream(ctx, "g", "s:x"[:1]+"|x")
	put := func(stream string, ts int64, msg string) {
		t.Helper()
		if _, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: stream, Events: []InputLogEvent{{ts, msg}}}); err != nil {
			t.Fatal(err)
		}
	}
	put("s", ms(*now)-1000, "one")
	*now = now.Add(time.Second)
	put("s|x", ms(*now)-500, "other")
	ss, _, err := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", NamePrefix: "s"})
	if err != nil || len(ss) != 2 {
		t.Fatalf("%v %v", ss, err)
	}
	s := ss[0]
	if s.Name != "s" || *s.FirstEventTimestamp != ms(testNow)-1000 || *s.LastEventTimestamp != ms(testNow)-1000 ||
		*s.LastIngestionTime != ms(testNow) || s.UploadSequenceToken == "" ||
		s.ARN != "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s" {
		t.Fatalf("stream %+v", s)
	}
	if ss[1].Name != "s|x" || *ss[1].FirstEventTimestamp != ms(testNow)+500 {
		t.Fatalf("stream %+v", ss[1])
	}
	if ss, _, _ := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", NamePrefix: "x"}); len(ss) != 1 || ss[0].FirstEventTimestamp != nil || ss[0].UploadSequenceToken != "" {
		t.Fatalf("stream without events %+v", ss[0])
	}
	if err := e.DeleteLogStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteLogStream(ctx, "g", "s"), ErrResourceNotFound, "The specified log stream does not exist.")
	out, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s|x"})
	if err != nil || len(out.Events) != 1 || out.Events[0].Message != "other" {
		t.Fatalf("sibling stream after delete: %+v %v", out, err)
	}
	g, _ := e.GetLogGroup(ctx, "g")
	if g.StoredBytes != int64(len("other")) {
		t.Fatalf("group storedBytes %d", g.StoredBytes)
	}
	_, err = e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"})
	wantErr(t, err, ErrResourceNotFound, "The specified log stream does not exist.")
}

func TestDescribeLogStreamsOrder(t *testing.T) {
	e, ctx, now := newTestEngine(t)
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	// Created in name order; events make d newest, b oldest.
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		e.CreateLogStream(ctx, "g", n)
	}
	for i, n := range []string{"b", "c", "a", "d"} {
		e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: n, Events: []InputLogEvent{{ms(*now) - int64(10-i)*1000, "x"}}})
	}
	names := func(in DescribeLogStreamsInput) []string {
		t.Helper()
		in.LogGroupName = "g"
		var out []string
		for {
			ss, next, err := e.DescribeLogStreams(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				out = append(out, s.Name)
			}
			if next == "" {
				return out
			}
			in.NextToken = next
		}
	}
	two := ptr(int32(2))
	for _, c := range []struct {
		in   DescribeLogStreamsInput
		want string
	}{
		{DescribeLogStreamsInput{}, "a b c d e"},
		{DescribeLogStreamsInput{Limit: two}, "a b c d e"},
		{DescribeLogStreamsInput{Limit: two, Descending: true}, "e d c b a"},
		{DescribeLogStreamsInput{OrderBy: OrderByLastEventTime, Limit: two}, "e b c a d"},
		{DescribeLogStreamsInput{OrderBy: OrderByLastEventTime, Descending: true, Limit: two}, "d a c b e"},
		{DescribeLogStreamsInput{NamePrefix: "c"}, "c"},
	} {
		if got := strings.Join(names(c.in), " "); got != c.want {
			t.Errorf("%+v: %s, want %s", c.in, got, c.want)
		}
	}
	_, _, err := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", OrderBy: OrderByLastEventTime, NamePrefix: "a"})
	wantErr(t, err, ErrInvalidParameter, "Cannot order by LastEventTime with a logStreamNamePrefix.")
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", OrderBy: "Size"})
	wantErr(t, err, ErrInvalidParameter, "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", Limit: ptr(int32(51))})
	wantErr(t, err, ErrInvalidParameter, "less than or equal to 50")
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{})
	wantErr(t, err, ErrInvalidParameter, "either name or ARN")
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", LogGroupIdentifier: "g"})
	wantErr(t, err, ErrInvalidParameter, "mutually exclusive")
	ss, _, err := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupIdentifier: "arn:aws:logs:us-east-1:123456789012:log-group:g", Limit: ptr(int32(1))})
	if err != nil || len(ss) != 1 || ss[0].Name != "a" {
		t.Fatalf("by ARN: %v %v", ss, err)
	}
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g", NextToken: "bm9wZQ"})
	wantErr(t, err, ErrInvalidParameter, "nextToken")
	_, _, err = e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "missing"})
	wantErr(t, err, ErrResourceNotFound, "The specified log group does not exist.")
}

func TestPutLogEventsRules(t *testing.T) {
	now := ms(testNow)
	hour, day := int64(3600_000), int64(86400_000)
	evs := func(tss ...int64) []InputLogEvent {
		out := make([]InputLogEvent, len(tss))
		for i, ts := range tss {
			out[i] = InputLogEvent{ts, fmt.Sprintf("event %d", i)}
		}
		return out
	}
	many := func(n int) []InputLogEvent {
		out := make([]InputLogEvent, n)
		for i := range out {
			out[i] = InputLogEvent{now, "m"}
		}
		return out
	}
	type rej struct{ tooNew, tooOld, expired int } // -1: absent
	none := rej{-1, -1, -1}
	cases := []struct {
		name      string
		events    []InputLogEvent
		retention int32
		errCode   string
		errMsg    string
		rejected  rej
		stored    int
	}{
		{name: "ok", events: evs(now-2000, now-1000, now), rejected: none, stored: 3},
		{name: "equal timestamps", events: evs(now, now, now), rejected: none, stored: 3},
		{name: "empty batch", events: nil, errCode: "InvalidParameterException", errMsg: "at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "10,000 events", events: many(10000), rejected: none, stored: 10000},
		{name: "10,001 events", events: many(10001), errCode: "InvalidParameterException", errMsg: "Member must have length less than or equal to 10000"},
		{name: "empty message", events: []InputLogEvent{{now, "a"}, {now, ""}}, errCode: "InvalidParameterException", errMsg: "Value '' at 'logEvents.2.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "negative timestamp", events: []InputLogEvent{{-1, "a"}}, errCode: "InvalidParameterException", errMsg: "at 'logEvents.1.member.timestamp' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{name: "exactly 1 MiB", events: []InputLogEvent{{now, strings.Repeat("x", MaxBatchBytes-EventOverhead)}}, rejected: none, stored: 1},
		{name: "1 MiB + 1", events: []InputLogEvent{{now, strings.Repeat("x", MaxBatchBytes-EventOverhead+1)}}, errCode: "InvalidParameterException", errMsg: "Upload too large: 1048577 bytes exceeds limit of 1048576"},
		{name: "26 bytes per event", events: []InputLogEvent{{now, strings.Repeat("x", MaxBatchBytes-2*EventOverhead-1)}, {now, "yy"}}, errCode: "InvalidParameterException", errMsg: "Upload too large: 1048577 bytes"},
		{name: "UTF-8 bytes count", events: []InputLogEvent{{now, strings.Repeat("é", (MaxBatchBytes-EventOverhead)/2+1)}}, errCode: "InvalidParameterException", errMsg: "Upload too large"},
		{name: "not chronological", events: evs(now, now-1), errCode: "InvalidParameterException", errMsg: "Log events in a single PutLogEvents request must be in chronological order."},
		{name: "span 24h", events: evs(now-day, now), rejected: none, stored: 2},
		{name: "span 24h+1ms", events: evs(now-day-1, now), errCode: "InvalidParameterException", errMsg: "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."},
		{name: "span counts valid events only", events: evs(now-20*day, now-2*day, now-day-1, now, now+3*hour), rejected: rej{4, 1, -1}, errCode: "InvalidParameterException", errMsg: "cannot span more than 24 hours"},
		{name: "span ignores rejected", events: evs(now-20*day, now-day+1, now, now+3*hour), rejected: rej{3, 1, -1}, stored: 2},
		{name: "2h in the future", events: evs(now, now+2*hour), rejected: none, stored: 2},
		{name: "more than 2h in the future", events: evs(now, now+2*hour+1, now+3*hour), rejected: rej{1, -1, -1}, stored: 1},
		{name: "all too new", events: evs(now + 3*hour), rejected: rej{0, -1, -1}, stored: 0},
		{name: "14 days old", events: evs(now - 14*day), rejected: none, stored: 1},
		{name: "older than 14 days", events: evs(now-14*day-1, now-14*day-1, now-13*day), rejected: rej{-1, 2, -1}, stored: 1},
		{name: "older than retention", events: evs(now-8*day, now-7*day-1, now-6*day), retention: 7, rejected: rej{-1, -1, 2}, stored: 1},
		{name: "too old and expired", events: evs(now-20*day, now-10*day, now-day/2, now), retention: 7, rejected: rej{-1, 1, 2}, stored: 2},
		{name: "everything rejected", events: evs(now-15*day, now+3*hour), rejected: rej{1, 1, -1}, stored: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ctx, _ := newTestEngine(t)
			mustGroupStream(t, e, ctx, "g", "s")
			if c.retention != 0 {
				e.PutRetentionPolicy(ctx, "g", c.retention)
			}
			out, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: c.events, SequenceToken: "whatever"})
			if c.errCode != "" {
				if err == nil {
					t.Fatalf("accepted, want %s", c.errMsg)
				}
				wantErr(t, err, ErrInvalidParameter, c.errMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^\d{56}$`).MatchString(out.NextSequenceToken) {
				t.Fatalf("nextSequenceToken %q", out.NextSequenceToken)
			}
			got := none
			if r := out.Rejected; r != nil {
				if r.TooNewLogEventStartIndex != nil {
					got.tooNew = int(*r.TooNewLogEventStartIndex)
				}
				if r.TooOldLogEventEndIndex != nil {
					got.tooOld = int(*r.TooOldLogEventEndIndex)
				}
				if r.ExpiredLogEventEndIndex != nil {
					got.expired = int(*r.ExpiredLogEventEndIndex)
				}
			}
			if got != c.rejected {
				t.Fatalf("rejected %+v, want %+v", got, c.rejected)
			}
			n := 0
			for tok := ""; ; {
				res, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: true, NextToken: tok})
				if err != nil {
					t.Fatal(err)
				}
				n += len(res.Events)
				if res.NextForwardToken == tok {
					break
				}
				tok = res.NextForwardToken
			}
			if n != c.stored {
				t.Fatalf("stored %d, want %d", n, c.stored)
			}
		})
	}
	e, ctx, _ := newTestEngine(t)
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	_, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "nope", Events: evs(now)})
	wantErr(t, err, ErrResourceNotFound, "The specified log stream does not exist.")
	_, err = e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "nope", LogStreamName: "s", Events: evs(now)})
	wantErr(t, err, ErrResourceNotFound, "The specified log group does not exist.")
	// Sequence tokens advance per upload and show in DescribeLogStreams.
	e.CreateLogStream(ctx, "g", "s")
	a, _ := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: evs(now)})
	b, _ := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: evs(now), SequenceToken: a.NextSequenceToken})
	c, _ := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: evs(now), SequenceToken: a.NextSequenceToken})
	ss, _, _ := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "g"})
	if a.NextSequenceToken >= b.NextSequenceToken || b.NextSequenceToken >= c.NextSequenceToken || ss[0].UploadSequenceToken != c.NextSequenceToken {
		t.Fatalf("tokens %s %s %s %s", a.NextSequenceToken, b.NextSequenceToken, c.NextSequenceToken, ss[0].UploadSequenceToken)
	}
}

// getAll pages through a stream with GetLogEvents in one direction until
// the token comes back unchanged; it returns the messages in stream order.
func getAll(t *testing.T, e *Engine, ctx context.Context, in GetLogEventsInput) ([]string, int) {
	t.Helper()
	var pages [][]string
	tok := in.NextToken
	for i := 0; ; i++ {
		in.NextToken = tok
		res, err := e.GetLogEvents(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, ev := range res.Events {
			msgs = append(msgs, ev.Message)
		}
		pages = append(pages, msgs)
		next := res.NextForwardToken
		if !in.StartFromHead && (tok == "" || strings.HasPrefix(tok, "b/")) {
			next = res.NextBackwardToken
		}
		if next == tok {
			if len(res.Events) != 0 {
				t.Fatalf("same token with %d events", len(res.Events))
			}
			break
		}
		if i > 100000 {
			t.Fatal("paging does not end")
		}
		tok = next
	}
	var out []string
	if in.StartFromHead || strings.HasPrefix(in.NextToken, "f/") {
		for _, p := range pages {
			out = append(out, p...)
		}
	} else {
		for i := len(pages) - 1; i >= 0; i-- {
			out = append(out, pages[i]...)
		}
	}
	return out, len(pages)
}

func TestGetLogEventsTokens(t *testing.T) {
	e, ctx, _ := newTestEngine(t)
	mustGroupStream(t, e, ctx, "g", "s")
	base := ms(testNow) - 100_000
	var all []InputLogEvent
	for i := 0; i < 25; i++ {
		all = append(all, InputLogEvent{base + int64(i/2)*1000, fmt.Sprintf("m%02d", i)})
	}
	// Two uploads; the second holds earlier events than the first's last.
	e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: all[:20]})
	e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: all[20:]})
	msgs := func(res *GetLogEventsOutput) string {
		var m []string
		for _, ev := range res.Events {
			m = append(m, ev.Message)
		}
		return strings.Join(m, " ")
	}
	get := func(tok string, head bool) *GetLogEventsOutput {
		t.Helper()
		res, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr(int32(10)), NextToken: tok, StartFromHead: head})
		if err != nil {
			t.Fatal(err)
		}
		tokRE := regexp.MustCompile(`^[fb]/\d{56}/s$`)
		if !tokRE.MatchString(res.NextForwardToken) || !tokRE.MatchString(res.NextBackwardToken) ||
			res.NextForwardToken[0] != 'f' || res.NextBackwardToken[0] != 'b' {
			t.Fatalf("tokens %q %q", res.NextForwardToken, res.NextBackwardToken)
		}
		return res
	}
	want := func(res *GetLogEventsOutput, first, last int) {
		t.Helper()
		var w []string
		for i := first; i <= last; i++ {
			w = append(w, fmt.Sprintf("m%02d", i))
		}
		if got := msgs(res); got != strings.Join(w, " ") {
			t.Fatalf("got %q, want m%02d..m%02d", got, first, last)
		}
	}
	// Forward from the head to the end and back.
	p1 := get("", true)
	want(p1, 0, 9)
	p2 := get(p1.NextForwardToken, true)
	want(p2, 10, 19)
	p3 := get(p2.NextForwardToken, false) // the token's direction wins
	want(p3, 20, 24)
	end := get(p3.NextForwardToken, true)
	want(end, 0, -1)
	if end.NextForwardToken != p3.NextForwardToken {
		t.Fatalf("end of stream: forward token %q, want the one passed %q", end.NextForwardToken, p3.NextForwardToken)
	}
	back := get(end.NextBackwardToken, false)
	want(back, 15, 24)
	want(get(p3.NextBackwardToken, false), 10, 19)
	want(get(p2.NextBackwardToken, false), 0, 9)
	start := get(p1.NextBackwardToken, false)
	want(start, 0, -1)
	if start.NextBackwardToken != p1.NextBackwardToken {
		t.Fatalf("start of stream: backward token %q, want %q", start.NextBackwardToken, p1.NextBackwardToken)
	}
	want(get(start.NextForwardToken, true), 0, 9)

	// Default: the newest events first, paging backwards.
	n1 := get("", false)
	want(n1, 15, 24)
	n2 := get(n1.NextBackwardToken, false)
	want(n2, 5, 14)
	n3 := get(n2.NextBackwardToken, false)
	want(n3, 0, 4)
	want(get(n3.NextBackwardToken, false), 0, -1)
	want(get(n1.NextForwardToken, true), 0, -1)
	// New events show up behind the forward token of the last page.
	e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: []InputLogEvent{{base + 60_000, "m25"}}})
	want(get(end.NextForwardToken, true), 25, 25)

	// Time range: startTime inclusive, endTime exclusive.
	res, _ := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartTime: ptr(base + 2000), EndTime: ptr(base + 4000), StartFromHead: true})
	want(res, 4, 7)
	res, _ = e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartTime: ptr(base + 2000), EndTime: ptr(base + 4000)})
	want(res, 4, 7)
	res, _ = e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartTime: ptr(base + 99_000)})
	want(res, 0, -1)
	if f, _ := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: res.NextForwardToken}); len(f.Events) != 0 {
		t.Fatalf("after an empty range: %v", f.Events)
	}

	for _, bad := range []string{"x", "f/123", "q/00000000000000000000000000000000000000000000000000000000/s"} {
		_, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", NextToken: bad})
		wantErr(t, err, ErrInvalidParameter, "The specified nextToken is invalid.")
	}
	_, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", Limit: ptr(int32(10001))})
	wantErr(t, err, ErrInvalidParameter, "less than or equal to 10000")
	// Empty stream: tokens still come back, and stay.
	e.CreateLogStream(ctx, "g", "empty")
	r1, _ := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "empty"})
	r2, _ := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "empty", NextToken: r1.NextForwardToken})
	if len(r1.Events) != 0 || r2.NextForwardToken != r1.NextForwardToken {
		t.Fatalf("empty stream %+v %+v", r1, r2)
	}
}

// TestGetLogEvents1MBPages checks that pages stop at 1 MB.
func TestGetLogEvents1MBPages(t *testing.T) {
	e, ctx, _ := newTestEngine(t)
	mustGroupStream(t, e, ctx, "g", "s")
	big := strings.Repeat("x", 300_000)
	for i := 0; i < 7; i++ {
		e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", Events: []InputLogEvent{{ms(testNow) + int64(i), fmt.Sprint(i, big)}}})
	}
	res, _ := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: true})
	if len(res.Events) != 3 {
		t.Fatalf("page of %d events of 300 KB", len(res.Events))
	}
	all, pages := getAll(t, e, ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: "s", StartFromHead: true})
	if len(all) != 7 || pages != 4 {
		t.Fatalf("%d events in %d pages", len(all), pages)
	}
}

// TestReadOrderRandomized stores random batches (out of order across
// batches, long time spans, big and small messages, several streams) and
// checks GetLogEvents in both directions and FilterLogEvents against a
// reference.
func TestReadOrderRandomized(t *testing.T) {
	t.Parallel()
	e, ctx, now := newTestEngine(t)
	st, err := store.OpenSQLite(t.TempDir() + "/state.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	rng := rand.New(rand.NewSource(1))
	type ref struct {
		stream string
		ts     int64
		ingest int64
		seq    int
		msg    string
	}
	var refs []ref
	streams := []string{"a", "b", "c"}
	for _, s := range streams {
		e.CreateLogStream(ctx, "g", s)
	}
	seq := 0
	for batch := 0; batch < 90; batch++ {
		*now = now.Add(time.Millisecond)
		s := streams[rng.Intn(len(streams))]
		n := 1 + rng.Intn(40)
		if rng.Intn(10) == 0 {
			n = 500
		}
		start := ms(testNow) - int64(rng.Intn(20*3600_000))
		span := int64(rng.Intn(3 * 3600_000))
		if rng.Intn(3) == 0 {
			span = int64(rng.Intn(2000))
		}
		tss := make([]int64, n)
		for i := range tss {
			tss[i] = start + rng.Int63n(span+1)
		}
		slices.Sort(tss)
		evs := make([]InputLogEvent, n)
		budget := 900_000
		for i, ts := range tss {
			size := 1 + rng.Intn(200)
			if rng.Intn(150) == 0 && budget > 300_000 {
				size = 70_000
			}
			budget -= size + 40
			msg := fmt.Sprintf("%s-%05d-", s, seq) + strings.Repeat("z", size)
			if rng.Intn(4) == 0 {
				msg += " ERROR"
			}
			evs[i] = InputLogEvent{ts, msg}
			refs = append(refs, ref{s, ts, ms(*now), seq, msg})
			seq++
		}
		if _, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: s, Events: evs}); err != nil {
			t.Fatal(err)
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int {
		if c := cmpInt(a.ts, b.ts); c != 0 {
			return c
		}
		return cmpInt(a.ingest, b.ingest)
	})
	for _, s := range streams {
		var want []string
		for _, r := range refs {
			if r.stream == s {
				want = append(want, r.msg)
			}
		}
		for _, head := range []bool{true, false} {
			for _, limit := range []int32{61, 10000} {
				got, _ := getAll(t, e, ctx, GetLogEventsInput{LogGroupName: "g", LogStreamName: s, StartFromHead: head, Limit: &limit})
				if !slices.Equal(got, want) {
					t.Fatalf("stream %s head=%v limit=%d: %d events, want %d (first diff at %d)", s, head, limit, len(got), len(want), firstDiff(got, want))
				}
			}
		}
	}
	// FilterLogEvents across streams, with a pattern and a time range.
	lo, hi := ms(testNow)-15*3600_000, ms(testNow)-3*3600_000
	for _, pattern := range []string{"", "ERROR"} {
		for _, limit := range []int32{13, 10000} {
			var want []string
			for _, r := range refs {
				if r.ts >= lo && r.ts <= hi && (pattern == "" || strings.Contains(r.msg, pattern)) {
					want = append(want, r.msg)
				}
			}
			var got []string
			tok := ""
			ids := map[string]bool{}
			for {
				res, err := e.FilterLogEvents(ctx, FilterLogEventsInput{LogGroupName: "g", StartTime: &lo, EndTime: &hi, FilterPattern: pattern, Limit: &limit, NextToken: tok})
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range res.Events {
					got = append(got, ev.Message)
					if ids[ev.EventID] || ev.LogStreamName != ev.Message[:1] {
						t.Fatalf("event %+v", ev)
					}
					ids[ev.EventID] = true
				}
				if res.NextToken == "" {
					break
				}
				tok = res.NextToken
			}
			if !slices.Equal(got, want) {
				t.Fatalf("filter %q limit %d: %d events, want %d (first diff at %d)", pattern, limit, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
