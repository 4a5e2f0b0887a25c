package logs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

func startEngine(t *testing.T) (*skifftest.Server, *cwl.Client, *logs.Engine) {
	t.Helper()
	e := logs.New(store.NewMemory())
	srv := skifftest.Start(t, e.Service())
	return srv, cwl.NewFromConfig(srv.Config()), e
}

// engineCtx is the scope the SDK's requests run in.
func engineCtx() context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: skifftest.AccountID, Region: skifftest.Region})
}

func TestSDKLogStreamsAndEvents(t *testing.T) {
	_, c, _ := startEngine(t)
	ctx := context.Background()
	group := aws.String("/app/web")
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: group}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String(fmt.Sprintf("i-%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String("i-0")})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate stream: %v", err)
	}
	_, err = c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String("a:b")})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("bad stream name: %v", err)
	}

	now := time.Now().UnixMilli()
	put, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: group, LogStreamName: aws.String("i-1"),
		LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now - 15*86400_000), Message: aws.String("ancient")},
			{Timestamp: aws.Int64(now - 3000), Message: aws.String(`{"level":"error","latency":250}`)},
			{Timestamp: aws.Int64(now - 2000), Message: aws.String(`{"level":"info","latency":20}`)},
			{Timestamp: aws.Int64(now - 1000), Message: aws.String("GET /index.html 500")},
			{Timestamp: aws.Int64(now + 3*3600_000), Message: aws.String("future")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := put.RejectedLogEventsInfo
	if put.NextSequenceToken == nil || r == nil || r.TooOldLogEventEndIndex == nil || *r.TooOldLogEventEndIndex != 1 ||
		r.TooNewLogEventStartIndex == nil || *r.TooNewLogEventStartIndex != 4 || r.ExpiredLogEventEndIndex != nil {
		t.Fatalf("put %+v %+v", put, r)
	}
	// The sequence token is ignored.
	if _, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: group, LogStreamName: aws.String("i-3"), SequenceToken: aws.String("bogus"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now - 500), Message: aws.String("from i-3 ERROR")}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: group, LogStreamName: aws.String("i-1"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("b")}, {Timestamp: aws.Int64(now - 1), Message: aws.String("a")}},
	})
	if !errors.As(err, &invalid) || !strings.Contains(*invalid.Message, "chronological order") {
		t.Fatalf("out of order: %v", err)
	}
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: group, LogStreamName: aws.String("nope"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("b")}},
	})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || *nf.Message != "The specified log stream does not exist." {
		t.Fatalf("missing stream: %v", err)
	}
	_, err = c.PutLogEvents(ctx, &cwl.PutLogEventsInput{
		LogGroupName: group, LogStreamName: aws.String("i-1"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: aws.String("")}},
	})
	if !errors.As(err, &invalid) {
		t.Fatalf("empty message: %v", err)
	}

	// DescribeLogStreams: paginator, order by last event time.
	var names []string
	for p := cwl.NewDescribeLogStreamsPaginator(c, &cwl.DescribeLogStreamsInput{LogGroupName: group, Limit: aws.Int32(2)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.LogStreams {
			names = append(names, *s.LogStreamName)
		}
	}
	if strings.Join(names, ",") != "i-0,i-1,i-2,i-3,i-4" {
		t.Fatalf("streams %v", names)
	}
	latest, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{
		LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:/app/web"),
		OrderBy:            types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := latest.LogStreams[0]
	if *s.LogStreamName != "i-3" || *s.LastEventTimestamp != now-500 || *s.FirstEventTimestamp != now-500 ||
		*s.StoredBytes != 0 || s.UploadSequenceToken == nil || *s.Arn != "arn:aws:logs:us-east-1:123456789012:log-group:/app/web:log-stream:i-3" ||
		*s.LastIngestionTime < now-5000 || latest.NextToken == nil {
		t.Fatalf("latest stream %+v", s)
	}

	// GetLogEvents with the SDK's paginator, which follows forward tokens.
	var msgs []string
	pages := 0
	for p := cwl.NewGetLogEventsPaginator(c, &cwl.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("i-1"), StartFromHead: aws.Bool(true), Limit: aws.Int32(2)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true }); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, ev := range out.Events {
			msgs = append(msgs, *ev.Message)
			if *ev.IngestionTime < now-5000 {
				t.Fatalf("ingestionTime %d", *ev.IngestionTime)
			}
		}
		if out.NextBackwardToken == nil || out.NextForwardToken == nil {
			t.Fatal("nil token")
		}
	}
	if len(msgs) != 3 || msgs[0] != `{"level":"error","latency":250}` || pages != 3 {
		t.Fatalf("%d pages: %q", pages, msgs)
	}
	newest, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("i-1"), Limit: aws.Int32(1)})
	if err != nil || len(newest.Events) != 1 || *newest.Events[0].Message != "GET /index.html 500" {
		t.Fatalf("newest %+v %v", newest, err)
	}
	_, err = c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("i-1"), NextToken: aws.String("junk")})
	if !errors.As(err, &invalid) {
		t.Fatalf("bad token: %v", err)
	}

	// FilterLogEvents with its paginator, across streams.
	filter := func(in *cwl.FilterLogEventsInput) []types.FilteredLogEvent {
		t.Helper()
		var evs []types.FilteredLogEvent
		for p := cwl.NewFilterLogEventsPaginator(c, in); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if out.SearchedLogStreams == nil || len(out.SearchedLogStreams) != 0 {
				t.Fatalf("searchedLogStreams %v", out.SearchedLogStreams)
			}
			evs = append(evs, out.Events...)
		}
		return evs
	}
	all := filter(&cwl.FilterLogEventsInput{LogGroupName: group, Limit: aws.Int32(1), Interleaved: aws.Bool(true)})
	if len(all) != 4 || *all[3].LogStreamName != "i-3" || *all[0].Timestamp != now-3000 || all[0].EventId == nil || len(*all[0].EventId) != 56 {
		t.Fatalf("all events %+v", all)
	}
	for pattern, want := range map[string]int{
		`{ $.level = "error" }`: 1, `{ $.latency > 10 }`: 2, "ERROR": 1, "?ERROR ?500": 2, "-GET": 3,
		`[method, path = *.html, status = 5*]`: 1, `%[Ee]rror%`: 1, `"index.html"`: 1,
	} {
		if got := filter(&cwl.FilterLogEventsInput{LogGroupName: group, FilterPattern: aws.String(pattern)}); len(got) != want {
			t.Errorf("pattern %s: %d events, want %d", pattern, len(got), want)
		}
	}
	if got := filter(&cwl.FilterLogEventsInput{LogGroupName: group, LogStreamNames: []string{"i-3"}}); len(got) != 1 {
		t.Fatalf("by stream: %d", len(got))
	}
	if got := filter(&cwl.FilterLogEventsInput{LogGroupName: group, LogStreamNamePrefix: aws.String("i-1"), StartTime: aws.Int64(now - 2000), EndTime: aws.Int64(now - 1000)}); len(got) != 2 {
		t.Fatalf("time range (inclusive): %d", len(got))
	}
	_, err = c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: group, FilterPattern: aws.String("{ $.x = ")})
	if !errors.As(err, &invalid) {
		t.Fatalf("bad pattern: %v", err)
	}

	if _, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: group, LogStreamName: aws.String("i-1")}); err != nil {
		t.Fatal(err)
	}
	if got := filter(&cwl.FilterLogEventsInput{LogGroupName: group}); len(got) != 1 {
		t.Fatalf("after stream delete: %d", len(got))
	}
	_, err = c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: group, LogStreamName: aws.String("i-1")})
	if !errors.As(err, &nf) {
		t.Fatalf("delete twice: %v", err)
	}
}

// TestSDKFollowLikeTail does what `aws logs tail GROUP --follow` does
// (FilterLogEvents from --since with interleaved, through nextToken; then
// polling again from the newest timestamp seen, skipping event ids already
// printed at that timestamp), while skiff's engine API appends.
func TestSDKFollowLikeTail(t *testing.T) {
	_, c, e := startEngine(t)
	ctx := context.Background()
	ectx := engineCtx()
	var first []logs.Event
	for i := 0; i < 120; i++ {
		first = append(first, logs.Event{Timestamp: time.Now().Add(-time.Minute), Message: fmt.Sprint("old ", i)})
	}
	if err := e.Append(ectx, "/aws/codebuild/p", "b1", first); err != nil {
		t.Fatal(err)
	}
	in := &cwl.FilterLogEventsInput{LogGroupName: aws.String("/aws/codebuild/p"), Interleaved: aws.Bool(true),
		StartTime: aws.Int64(time.Now().Add(-10 * time.Minute).UnixMilli()), Limit: aws.Int32(50)}
	seenAt := map[int64]map[string]bool{}
	var printed []string
	poll := func() {
		t.Helper()
		for {
			out, err := c.FilterLogEvents(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range out.Events {
				ids := seenAt[*ev.Timestamp]
				if ids == nil {
					ids = map[string]bool{}
					seenAt[*ev.Timestamp] = ids
				}
				if !ids[*ev.EventId] {
					ids[*ev.EventId] = true
					printed = append(printed, *ev.Message)
				}
			}
			var newest int64
			for ts := range seenAt {
				newest = max(newest, ts)
			}
			for ts := range seenAt {
				if ts != newest {
					delete(seenAt, ts)
				}
			}
			if out.NextToken != nil {
				in.NextToken = out.NextToken
				continue
			}
			in.NextToken = nil
			in.StartTime = aws.Int64(newest)
			return
		}
	}
	poll()
	if len(printed) != 120 {
		t.Fatalf("first poll printed %d", len(printed))
	}
	same := time.Now()
	e.Append(ectx, "/aws/codebuild/p", "b1", []logs.Event{{Timestamp: same, Message: "new 1"}})
	e.Append(ectx, "/aws/codebuild/p", "b2", []logs.Event{{Timestamp: same, Message: "new 2"}})
	poll()
	e.Append(ectx, "/aws/codebuild/p", "b1", []logs.Event{{Timestamp: same, Message: "new 3"}, {Timestamp: same.Add(time.Millisecond), Message: "new 4"}})
	poll()
	poll()
	if got := strings.Join(printed[120:], ","); got != "new 1,new 2,new 3,new 4" {
		t.Fatalf("followed %q", got)
	}
}
