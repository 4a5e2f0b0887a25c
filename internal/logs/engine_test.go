package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

func testCtx(region string) context.Context {
	return awsctx.With(context.Background(), awsctx.Scope{AccountID: "123456789012", Region: region})
}

func wantErr(t *testing.T, err error, code apierr.Code, msg string) {
	t.Helper()
	ae, ok := apierr.As(err)
	if !ok || ae.Code.Name != code.Name || !strings.Contains(ae.Message, msg) {
		t.Fatalf("got %v, want %s containing %q", err, code.Name, msg)
	}
}

func TestLogGroupNames(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	cases := []struct {
		name string
		ok   bool
	}{
		{"/aws/lambda/fn", true},
		{"a.b-c_d/e#f", true},
		{strings.Repeat("x", 512), true},
		{strings.Repeat("x", 513), false},
		{"has space", false},
		{"colon:no", false},
		{"star*", false},
		{"", false},
	}
	for _, c := range cases {
		_, err := e.CreateLogGroup(ctx, CreateLogGroupInput{Name: c.name})
		if c.ok != (err == nil) {
			t.Errorf("CreateLogGroup(%q) = %v", c.name, err)
		}
		if !c.ok && err != nil {
			wantErr(t, err, ErrInvalidParameter, "at 'logGroupName' failed to satisfy constraint")
		}
	}
	_, err := e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "/aws/lambda/fn"})
	wantErr(t, err, ErrResourceAlreadyExists, "The specified log group already exists")
	_, err = e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "x", Class: "COLD"})
	wantErr(t, err, ErrInvalidParameter, "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
	// Regions are separate.
	if _, err := e.CreateLogGroup(testCtx("eu-west-1"), CreateLogGroupInput{Name: "/aws/lambda/fn"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.DeleteLogGroup(ctx, "nope"), ErrResourceNotFound, "The specified log group does not exist.")
}

func TestRetention(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	for _, d := range RetentionDays {
		if err := e.PutRetentionPolicy(ctx, "g", d); err != nil {
			t.Fatalf("%d: %v", d, err)
		}
	}
	for _, d := range []int32{0, 2, 4, 366, 3654, -1} {
		wantErr(t, e.PutRetentionPolicy(ctx, "g", d), ErrInvalidParameter,
			fmt.Sprintf("Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]", d))
	}
	g, _ := e.GetLogGroup(ctx, "g")
	if g.RetentionInDays != 3653 {
		t.Fatalf("retention %d", g.RetentionInDays)
	}
	if err := e.DeleteRetentionPolicy(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if g, _ := e.GetLogGroup(ctx, "g"); g.RetentionInDays != 0 {
		t.Fatal("retention kept")
	}
	wantErr(t, e.PutRetentionPolicy(ctx, "missing", 7), ErrResourceNotFound, "does not exist")
}

func TestDescribePaging(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	now := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	e.now = func() time.Time { return now }
	for i := 0; i < 7; i++ {
		e.CreateLogGroup(ctx, CreateLogGroupInput{Name: fmt.Sprintf("/app/svc-%d", i)})
	}
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "/other/Thing", Class: ClassInfrequentAccess})
	var names []string
	token := ""
	for pages := 1; ; pages++ {
		gs, next, err := e.DescribeLogGroups(ctx, DescribeLogGroupsInput{NamePrefix: "/app/", Limit: ptr(int32(3)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			names = append(names, g.Name)
		}
		if next == "" {
			if pages != 3 {
				t.Fatalf("pages %d", pages)
			}
			break
		}
		token = next
	}
	if len(names) != 7 || names[0] != "/app/svc-0" || names[6] != "/app/svc-6" {
		t.Fatalf("names %v", names)
	}
	gs, _, _ := e.DescribeLogGroups(ctx, DescribeLogGroupsInput{NamePattern: "thing"})
	if len(gs) != 1 || gs[0].Class != ClassInfrequentAccess || gs[0].CreationTime != now.UnixMilli() {
		t.Fatalf("pattern %+v", gs)
	}
	gs, _, _ = e.DescribeLogGroups(ctx, DescribeLogGroupsInput{Class: ClassStandard})
	if len(gs) != 7 {
		t.Fatalf("class filter %d", len(gs))
	}
	gs, _, _ = e.DescribeLogGroups(ctx, DescribeLogGroupsInput{Identifiers: []string{"arn:aws:logs:us-east-1:123456789012:log-group:/app/svc-3", "/app/svc-5"}})
	if len(gs) != 2 {
		t.Fatalf("identifiers %d", len(gs))
	}
	_, _, err := e.DescribeLogGroups(ctx, DescribeLogGroupsInput{NamePrefix: "/a", NamePattern: "b"})
	wantErr(t, err, ErrInvalidParameter, "mutually exclusive")
	_, _, err = e.DescribeLogGroups(ctx, DescribeLogGroupsInput{Limit: ptr(int32(51))})
	wantErr(t, err, ErrInvalidParameter, "Member must have value less than or equal to 50")
	_, _, err = e.DescribeLogGroups(ctx, DescribeLogGroupsInput{NextToken: "!!"})
	wantErr(t, err, ErrInvalidParameter, "nextToken")
}

func TestDeleteRemovesChildren(t *testing.T) {
	st := store.NewMemory()
	e, ctx := New(st), testCtx("us-east-1")
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g"})
	e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g-2"})
	key := groupKey("123456789012", "us-east-1", "g")
	other := groupKey("123456789012", "us-east-1", "g-2")
	st.Update(ctx, func(tx store.Tx) error {
		tx.PutRaw(bucketStreams, key+"|s1", []byte("{}"))
		tx.PutRaw(bucketEvents, key+"|s1|0001", []byte("{}"))
		tx.PutRaw(bucketStreams, other+"|s1", []byte("{}"))
		return nil
	})
	if err := e.DeleteLogGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	count := func(bucket string) int {
		n := 0
		st.View(ctx, func(tx store.Tx) error {
			return tx.Scan(bucket, store.ScanOptions{}, func(string, []byte) error { n++; return nil })
		})
		return n
	}
	if count(bucketStreams) != 1 || count(bucketEvents) != 0 {
		t.Fatalf("streams %d events %d", count(bucketStreams), count(bucketEvents))
	}
}

func TestTags(t *testing.T) {
	e, ctx := New(store.NewMemory()), testCtx("us-east-1")
	g, _ := e.CreateLogGroup(ctx, CreateLogGroupInput{Name: "g", Tags: map[string]string{"a": "1"}})
	if err := e.TagResource(ctx, g.ARN(), map[string]string{"b": "2"}); err != nil {
		t.Fatal(err)
	}
	if err := e.TagResource(ctx, g.WildcardARN(), map[string]string{"c": "3"}); err != nil {
		t.Fatal(err)
	}
	tags, _ := e.ListTagsForResource(ctx, g.ARN())
	if len(tags) != 3 {
		t.Fatalf("tags %v", tags)
	}
	if err := e.UntagLogGroup(ctx, "g", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	tags, _ = e.ListTags(ctx, "g")
	if len(tags) != 1 || tags["c"] != "3" {
		t.Fatalf("tags %v", tags)
	}
	many := map[string]string{}
	for i := 0; i < 50; i++ {
		many[fmt.Sprint("k", i)] = "v"
	}
	wantErr(t, e.TagLogGroup(ctx, "g", many), ErrTooManyTags, "no more than 50 tags")
	wantErr(t, e.TagResource(ctx, "arn:aws:logs:eu-west-1:123456789012:log-group:g", many), ErrResourceNotFound, "")
	wantErr(t, e.TagResource(ctx, "g", many), ErrInvalidParameter, "")
}

func ptr[T any](v T) *T { return &v }
