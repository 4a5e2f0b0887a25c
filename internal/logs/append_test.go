package logs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/store"
)

func messages(t *testing.T, e *Engine, ctx context.Context, group, stream string) []OutputLogEvent {
	t.Helper()
	var out []OutputLogEvent
	tok := ""
	for {
		res, err := e.GetLogEvents(ctx, GetLogEventsInput{LogGroupName: group, LogStreamName: stream, StartFromHead: true, NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Events...)
		if res.NextForwardToken == tok {
			return out
		}
		tok = res.NextForwardToken
	}
}

func TestAppend(t *testing.T) {
	e, ctx, now := newTestEngine(t)
	at := func(d time.Duration) time.Time { return now.Add(d) }
	// Group and stream are created on demand; order is restored.
	err := e.Append(ctx, "/aws/codebuild/p", "build-1", []Event{
		{at(-time.Second), "second\n"},
		{at(-2 * time.Second), "first\n"},
		{time.Time{}, "now\n"},
		{at(-time.Second), "third\n"}, // same timestamp: input order kept
		{at(-time.Second), ""},        // dropped
		{at(-time.Second), "bad \xff utf8"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	evs := messages(t, e, ctx, "/aws/codebuild/p", "build-1")
	for _, ev := range evs {
		got = append(got, ev.Message)
		if ev.IngestionTime != ms(*now) {
			t.Fatalf("ingestion time %d", ev.IngestionTime)
		}
	}
	if strings.Join(got, "|") != "first\n|second\n|third\n|bad \uFFFD utf8|now\n" || evs[4].Timestamp != ms(*now) {
		t.Fatalf("events %q", got)
	}
	// Oversized messages are split at rune boundaries into events with the
	// same timestamp.
	big := strings.Repeat("é", MaxMessageBytes) // 2 bytes each
	if err := e.Append(ctx, "/aws/codebuild/p", "build-2", []Event{{at(0), big}}); err != nil {
		t.Fatal(err)
	}
	evs = messages(t, e, ctx, "/aws/codebuild/p", "build-2")
	var joined strings.Builder
	for _, ev := range evs {
		if len(ev.Message) > MaxMessageBytes || !utf8.ValidString(ev.Message) || ev.Timestamp != ms(*now) {
			t.Fatalf("part of %d bytes", len(ev.Message))
		}
		joined.WriteString(ev.Message)
	}
	if len(evs) != 2 || joined.String() != big {
		t.Fatalf("%d parts", len(evs))
	}
	// A large Append (several transactions) keeps every event.
	var many []Event
	for i := 0; i < 25000; i++ {
		many = append(many, Event{at(time.Duration(i) * time.Millisecond), fmt.Sprintf("line %d %s", i, strings.Repeat("x", 60))})
	}
	if err := e.Append(ctx, "/aws/codebuild/p", "build-3", many); err != nil {
		t.Fatal(err)
	}
	if n := len(messages(t, e, ctx, "/aws/codebuild/p", "build-3")); n != 25000 {
		t.Fatalf("%d events", n)
	}
	// Events older than the group's retention are dropped.
	e.PutRetentionPolicy(ctx, "/aws/codebuild/p", 1)
	e.Append(ctx, "/aws/codebuild/p", "build-4", []Event{{at(-48 * time.Hour), "old"}, {at(0), "new"}})
	if evs := messages(t, e, ctx, "/aws/codebuild/p", "build-4"); len(evs) != 1 || evs[0].Message != "new" {
		t.Fatalf("%+v", evs)
	}
	wantErr(t, e.Append(ctx, "bad group", "s", nil), ErrInvalidParameter, "logGroupName")
	wantErr(t, e.Append(ctx, "g", "bad:stream", nil), ErrInvalidParameter, "logStreamName")

	// Ensure* are idempotent.
	for i := 0; i < 2; i++ {
		if err := e.EnsureGroup(ctx, "/skiff/instances"); err != nil {
			t.Fatal(err)
		}
		if err := e.EnsureStream(ctx, "/skiff/instances", "i-1"); err != nil {
			t.Fatal(err)
		}
		if err := e.EnsureStream(ctx, "/skiff/new-group", "s"); err != nil {
			t.Fatal(err)
		}
	}
	ss, _, _ := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{LogGroupName: "/skiff/instances"})
	if len(ss) != 1 || ss[0].Name != "i-1" {
		t.Fatalf("streams %+v", ss)
	}
}

func TestMasking(t *testing.T) {
	st := store.NewMemory()
	e, ctx := New(st), testCtx("us-east-1")
	e.SetMasker(func(group string) func(string) string {
		if strings.HasPrefix(group, "/aws/codebuild/") {
			return MaskSecrets("hunter2")
		}
		return nil
	})
	sub, cancel := e.Subscribe(ctx, "/aws/codebuild/p", "b")
	defer cancel()
	mask := WithMask(MaskSecrets("t0k", "t0k-long-secret", ""))
	if err := e.Append(ctx, "/aws/codebuild/p", "b", []Event{{Message: "password=hunter2 token=t0k-long-secret t=t0k"}}, mask); err != nil {
		t.Fatal(err)
	}
	want := "password=*** token=*** t=***"
	if ev := <-sub; ev.Message != want {
		t.Fatalf("follower saw %q", ev.Message)
	}
	e.CreateLogStream(ctx, "/aws/codebuild/p", "api")
	if _, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "/aws/codebuild/p", LogStreamName: "api", Events: []InputLogEvent{{ms(time.Now()), "via API hunter2"}}}); err != nil {
		t.Fatal(err)
	}
	e.Append(ctx, "/other", "s", []Event{{Message: "hunter2 stays"}})
	if evs := messages(t, e, ctx, "/aws/codebuild/p", "b"); evs[0].Message != want {
		t.Fatalf("stored %q", evs[0].Message)
	}
	if evs := messages(t, e, ctx, "/aws/codebuild/p", "api"); evs[0].Message != "via API ***" {
		t.Fatalf("stored %q", evs[0].Message)
	}
	if evs := messages(t, e, ctx, "/other", "s"); evs[0].Message != "hunter2 stays" {
		t.Fatalf("stored %q", evs[0].Message)
	}
	// Nothing of the codebuild group's secrets reached the store.
	st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketEvents, store.ScanOptions{Prefix: scopeKey(ctx, "/aws/codebuild/p") + "|"}, func(k string, v []byte) error {
			if strings.Contains(string(v), "hunter2") || strings.Contains(string(v), "t0k") {
				t.Fatalf("secret stored in %s", k)
			}
			return nil
		})
	})
	if MaskSecrets()("abc") != "abc" {
		t.Fatal("no secrets")
	}
}

func TestSubscribe(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	ch, cancel := e.Subscribe(ctx, "g", "s") // before the stream exists
	other, cancelOther := e.Subscribe(ctx, "g", "s2")
	defer cancelOther()
	// Lines arrive at once: the median delay is held to 100 ms (a single
	// slow one says more about a loaded machine than about polling).
	var delays []time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		if err := e.Append(ctx, "g", "s", []Event{{Message: fmt.Sprint("line ", i)}}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-ch:
			delays = append(delays, time.Since(start))
			if ev.Message != fmt.Sprint("line ", i) {
				t.Fatalf("got %q", ev.Message)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
		}
	}
	slices.Sort(delays)
	if d := delays[len(delays)/2]; d > 100*time.Millisecond {
		t.Fatalf("lines seen after a median %v (all: %v)", d, delays)
	}
	select {
	case ev := <-other:
		t.Fatalf("other stream got %q", ev.Message)
	default:
	}
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel open after cancel")
	}
	// Deleting the stream ends its followers; deleting the group too.
	ch, _ = e.Subscribe(ctx, "g", "s")
	e.DeleteLogStream(ctx, "g", "s")
	waitClosed(t, ch)
	ch, _ = e.Subscribe(ctx, "g", "x")
	e.DeleteLogGroup(ctx, "g")
	waitClosed(t, ch)
	// Context end closes it.
	cctx, stop := context.WithCancel(ctx)
	ch, _ = e.Subscribe(cctx, "g", "s")
	stop()
	waitClosed(t, ch)
	// An invalid name gives a closed channel.
	ch, _ = e.Subscribe(ctx, "g", "a:b")
	waitClosed(t, ch)
}

func waitClosed(t *testing.T, ch <-chan Event) {
	t.Helper()
	timeout := time.After(2 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed")
		}
	}
}

// TestTailNoGap appends from several goroutines while a follower starts:
// it sees every event exactly once.
func TestTailNoGap(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	const writers, perWriter = 4, 300
	var wg sync.WaitGroup
	started := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if i == perWriter/3 && w == 0 {
					close(started)
				}
				if err := e.Append(ctx, "g", "s", []Event{{Message: fmt.Sprintf("w%d-%d", w, i)}}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	<-started
	ch, cancel := e.Tail(ctx, "g", "s")
	defer cancel()
	seen := map[string]bool{}
	timeout := time.After(20 * time.Second)
	for len(seen) < writers*perWriter {
		select {
		case ev := <-ch:
			if seen[ev.Message] {
				t.Fatalf("duplicate %s", ev.Message)
			}
			seen[ev.Message] = true
		case <-timeout:
			t.Fatalf("saw %d of %d events", len(seen), writers*perWriter)
		}
	}
	wg.Wait()
	select {
	case ev := <-ch:
		t.Fatalf("extra event %q", ev.Message)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestFollowerFallsBehind: a follower that does not read costs bounded
// memory and is told how many events it missed.
func TestFollowerFallsBehind(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	ch, cancel := e.Subscribe(ctx, "g", "s")
	defer cancel()
	batch := make([]Event, 10000)
	for i := range batch {
		batch[i] = Event{Message: strings.Repeat("y", 1000)}
	}
	for i := 0; i < 3; i++ {
		if err := e.Append(ctx, "g", "s", batch); err != nil {
			t.Fatal(err)
		}
	}
	// One event may already sit in the pump; the queue is bounded.
	first := <-ch
	var marker Event
	for marker.Message == "" {
		ev := <-ch
		if strings.HasPrefix(ev.Message, "[skiff]") {
			marker = ev
		}
	}
	if !strings.Contains(marker.Message, "log events were dropped") {
		t.Fatalf("marker %q (first %q)", marker.Message, first.Message[:10])
	}
	var n int
	fmt.Sscanf(marker.Message, "[skiff] %d", &n)
	if n < 30000-followerMaxBytes/(1000+EventOverhead)-2 {
		t.Fatalf("dropped %d", n)
	}
}

// TestAcknowledgedSurvivesKill writes through PutLogEvents and Append in a
// child process that SIGKILLs itself right after the calls return, then
// reads everything back.
func TestAcknowledgedSurvivesKill(t *testing.T) {
	if dir := os.Getenv("SKIFF_LOGS_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcknowledgedSurvivesKill$")
	cmd.Env = append(os.Environ(), "SKIFF_LOGS_CRASH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
	}
	st, err := store.OpenSQLite(dir + "/state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, ctx := New(st), testCtx("us-east-1")
	if n := len(messages(t, e, ctx, "g", "api")); n != 5000 {
		t.Fatalf("PutLogEvents: %d events after kill -9", n)
	}
	if n := len(messages(t, e, ctx, "g", "engine")); n != 777 {
		t.Fatalf("Append: %d events after kill -9", n)
	}
}

func crashChild(dir string) {
	st, err := store.OpenSQLite(dir + "/state.db")
	if err != nil {
		panic(err)
	}
	e, ctx := New(st), testCtx("us-east-1")
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	e.CreateLogStream(ctx, "g", "api")
	now := time.Now().UnixMilli()
	for b := 0; b < 5; b++ {
		evs := make([]InputLogEvent, 1000)
		for i := range evs {
			evs[i] = InputLogEvent{now, fmt.Sprintf("event %d-%d", b, i)}
		}
		if _, err := e.PutLogEvents(ctx, PutLogEventsInput{LogGroupName: "g", LogStreamName: "api", Events: evs}); err != nil {
			panic(err)
		}
	}
	var evs []Event
	for i := 0; i < 777; i++ {
		evs = append(evs, Event{Message: fmt.Sprint("line ", i)})
	}
	if err := e.Append(ctx, "g", "engine", evs); err != nil {
		panic(err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}
