package sns_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/sns"
	"github.com/skiff-dev/skiff/internal/store"
)

var bg = context.Background()

func skiffCtx() context.Context {
	return awsctx.With(bg, awsctx.Scope{AccountID: skifftest.AccountID, Region: skifftest.Region})
}

// startSNS runs the engine behind a gateway, plus its confirmation links
// on a second server (skiff routes them under /_skiff/sns/).
func startSNS(t *testing.T) (*sns.Engine, *skifftest.Server, *awssns.Client) {
	t.Helper()
	e := sns.New(store.NewMemory(), nil)
	e.SetClock(clock.Scaled(0.005)) // 20 s retries take 100 ms
	t.Cleanup(func() { e.Close() })
	links := httptest.NewServer(http.StripPrefix("", e.HTTPHandler()))
	t.Cleanup(links.Close)
	e.SetEndpoint(func() string { return links.URL })
	srv := skifftest.Start(t, e.Service())
	return e, srv, awssns.NewFromConfig(srv.Config())
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// receiver is an HTTP endpoint recording SNS deliveries.
type receiver struct {
	mu       sync.Mutex
	got      []received
	failNext int
	srv      *httptest.Server
}

type received struct {
	header http.Header
	body   map[string]any
	raw    string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.failNext > 0 {
			r.failNext--
			w.WriteHeader(500)
			return
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		r.got = append(r.got, received{req.Header.Clone(), m, string(b)})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in time")
}

func TestTopicsWithSDK(t *testing.T) {
	_, _, c := startSNS(t)
	out, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "Orders"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *out.TopicArn
	if arn != "arn:aws:sns:us-east-1:123456789012:orders" {
		t.Fatalf("arn %s", arn)
	}
	// Idempotent create; different attributes are refused.
	again, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil || *again.TopicArn != arn {
		t.Fatalf("create again %v %v", again, err)
	}
	if _, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("orders"), Attributes: map[string]string{"DisplayName": "Other"}}); code(err) != "InvalidParameter" {
		t.Fatalf("different attributes: %v", err)
	}
	for _, bad := range []string{"bad name", strings.Repeat("x", 257), ""} {
		if _, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String(bad)}); code(err) != "InvalidParameter" {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	_, err = c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("jobs.fifo"), Attributes: map[string]string{"FifoTopic": "true"}})
	if code(err) != "InvalidParameter" || !strings.Contains(err.Error(), "FIFO topics") {
		t.Fatalf("fifo: %v", err)
	}
	attrs, err := c.GetTopicAttributes(bg, &awssns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	a := attrs.Attributes
	if a["DisplayName"] != "Orders" || a["TopicArn"] != arn || a["Owner"] != "123456789012" || !strings.Contains(a["Policy"], `"Resource":"`+arn+`"`) ||
		a["SubscriptionsConfirmed"] != "0" || !json.Valid([]byte(a["EffectiveDeliveryPolicy"])) {
		t.Fatalf("attributes %v", a)
	}
	if _, err := c.SetTopicAttributes(bg, &awssns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("New")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetTopicAttributes(bg, &awssns.SetTopicAttributesInput{TopicArn: aws.String(arn), AttributeName: aws.String("Bogus"), AttributeValue: aws.String("x")}); code(err) != "InvalidParameter" {
		t.Fatalf("bogus attribute: %v", err)
	}
	attrs, _ = c.GetTopicAttributes(bg, &awssns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if attrs.Attributes["DisplayName"] != "New" {
		t.Fatalf("display name %v", attrs.Attributes)
	}
	_, err = c.GetTopicAttributes(bg, &awssns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:nope")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("missing topic: %v", err)
	}
	// Tags.
	if _, err := c.TagResource(bg, &awssns.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(bg, &awssns.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(bg, &awssns.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "env" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	if _, err := c.ListTagsForResource(bg, &awssns.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:sns:us-east-1:123456789012:nope")}); code(err) != "ResourceNotFound" {
		t.Fatalf("tags of a missing topic: %v", err)
	}
	// Listing with paging.
	for i := 0; i < 120; i++ {
		if _, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("t" + string(rune('a'+i/26)) + string(rune('a'+i%26)))}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	p := awssns.NewListTopicsPaginator(c, &awssns.ListTopicsInput{})
	pages := 0
	for p.HasMorePages() {
		pg, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(pg.Topics)
	}
	if n != 121 || pages != 2 {
		t.Fatalf("listed %d topics in %d pages", n, pages)
	}
	if _, err := c.DeleteTopic(bg, &awssns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(bg, &awssns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
		t.Fatalf("deleting a deleted topic: %v", err)
	}
}

// HTTP subscriptions: confirmation first (with a SubscribeURL back to
// skiff), then notifications with the SNS headers and JSON format; a
// failing endpoint is retried; Publish never waits for delivery.
func TestHTTPDelivery(t *testing.T) {
	e, _, c := startSNS(t)
	topic, err := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	arn := *topic.TopicArn
	r := newReceiver(t)
	sub, err := c.Subscribe(bg, &awssns.SubscribeInput{TopicArn: aws.String(arn), Protocol: aws.String("http"), Endpoint: aws.String(r.srv.URL + "/hook")})
	if err != nil || *sub.SubscriptionArn != "pending confirmation" {
		t.Fatalf("subscribe %v %v", sub, err)
	}
	waitFor(t, func() bool { return len(r.all()) == 1 })
	conf := r.all()[0]
	if conf.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || conf.header.Get("x-amz-sns-topic-arn") != arn ||
		conf.body["Type"] != "SubscriptionConfirmation" || conf.body["TopicArn"] != arn || conf.body["Token"] == "" ||
		!strings.HasPrefix(conf.body["Message"].(string), "You have chosen to subscribe to the topic "+arn) {
		t.Fatalf("confirmation %v %v", conf.header, conf.body)
	}
	// Publishing before confirmation delivers nothing.
	if _, err := c.Publish(bg, &awssns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("early")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListSubscriptionsByTopic(bg, &awssns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	if err != nil || len(list.Subscriptions) != 1 || *list.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("pending list %+v %v", list, err)
	}
	// Confirm by visiting the SubscribeURL, as an endpoint does.
	resp, err := http.Get(conf.body["SubscribeURL"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ConfirmSubscriptionResult><SubscriptionArn>"+arn+":") {
		t.Fatalf("confirm link: %d %s", resp.StatusCode, body)
	}
	list, _ = c.ListSubscriptionsByTopic(bg, &awssns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
	subARN := *list.Subscriptions[0].SubscriptionArn
	if !strings.HasPrefix(subARN, arn+":") {
		t.Fatalf("confirmed arn %s", subARN)
	}
	r.mu.Lock()
	r.failNext = 2 // the first two attempts fail: retried
	r.mu.Unlock()
	start := time.Now()
	pub, err := c.Publish(bg, &awssns.PublishInput{TopicArn: aws.String(arn), Message: aws.String("hello"), Subject: aws.String("Greeting"),
		MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("test")},
			"n": {DataType: aws.String("Number"), StringValue: aws.String("3")}}})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Publish waited for delivery")
	}
	waitFor(t, func() bool { return len(r.all()) == 2 })
	n := r.all()[1]
	if n.header.Get("x-amz-sns-message-type") != "Notification" || n.header.Get("x-amz-sns-subscription-arn") != subARN ||
		n.header.Get("x-amz-sns-message-id") != *pub.MessageId || n.header.Get("Content-Type") != "text/plain; charset=UTF-8" ||
		n.body["Message"] != "hello" || n.body["Subject"] != "Greeting" || n.body["MessageId"] != *pub.MessageId || n.body["Type"] != "Notification" ||
		!strings.Contains(n.body["UnsubscribeURL"].(string), "Action=Unsubscribe") {
		t.Fatalf("notification %v %v", n.header, n.body)
	}
	ma := n.body["MessageAttributes"].(map[string]any)
	if ma["kind"].(map[string]any)["Value"] != "test" || ma["n"].(map[string]any)["Type"] != "Number" {
		t.Fatalf("message attributes %v", ma)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", n.body["Timestamp"].(string)); err != nil {
		t.Fatalf("timestamp %v", n.body["Timestamp"])
	}
	// Raw delivery, then Unsubscribe through the link.
	if _, err := c.SetSubscriptionAttributes(bg, &awssns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN), AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")}); err != nil {
		t.Fatal(err)
	}
	sa, err := c.GetSubscriptionAttributes(bg, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(subARN)})
	if err != nil || sa.Attributes["RawMessageDelivery"] != "true" || sa.Attributes["PendingConfirmation"] != "false" || sa.Attributes["Protocol"] != "http" {
		t.Fatalf("subscription attributes %v %v", sa, err)
	}
	if _, err := e.Publish(skiffCtx(), arn, "", "raw body"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(r.all()) == 3 })
	if raw := r.all()[2]; raw.raw != "raw body" || raw.header.Get("x-amz-sns-rawdelivery") != "true" {
		t.Fatalf("raw %q %v", raw.raw, raw.header)
	}
	resp, err = http.Get(n.body["UnsubscribeURL"].(string))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("unsubscribe link %v %v", resp, err)
	}
	resp.Body.Close()
	all, _ := c.ListSubscriptions(bg, &awssns.ListSubscriptionsInput{})
	if len(all.Subscriptions) != 0 {
		t.Fatalf("after unsubscribe %+v", all.Subscriptions)
	}
}

func TestSubscribeAndPublishRules(t *testing.T) {
	_, _, c := startSNS(t)
	topic, _ := c.CreateTopic(bg, &awssns.CreateTopicInput{Name: aws.String("rules")})
	arn := topic.TopicArn
	cases := []struct {
		in   *awssns.SubscribeInput
		code string
	}{
		{&awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("carrier-pigeon"), Endpoint: aws.String("x")}, "InvalidParameter"},
		{&awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("https"), Endpoint: aws.String("http://x")}, "InvalidParameter"},
		{&awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("email"), Endpoint: aws.String("nobody")}, "InvalidParameter"},
		{&awssns.SubscribeInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:none"), Protocol: aws.String("email"), Endpoint: aws.String("a@b.c")}, "NotFound"},
		{&awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("email"), Endpoint: aws.String("a@b.c"), Attributes: map[string]string{"FilterPolicy": `{"k":["v"]}`}}, "InvalidParameter"},
	}
	for i, tc := range cases {
		if _, err := c.Subscribe(bg, tc.in); code(err) != tc.code {
			t.Errorf("case %d: %v, want %s", i, err, tc.code)
		}
	}
	em, err := c.Subscribe(bg, &awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("email"), Endpoint: aws.String("dev@example.com"), ReturnSubscriptionArn: true})
	if err != nil || !strings.HasPrefix(*em.SubscriptionArn, *arn+":") {
		t.Fatalf("email %v %v", em, err)
	}
	q, err := c.Subscribe(bg, &awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q")})
	if err != nil || !strings.HasPrefix(*q.SubscriptionArn, *arn+":") {
		t.Fatalf("sqs %v %v", q, err)
	}
	dup, _ := c.Subscribe(bg, &awssns.SubscribeInput{TopicArn: arn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:123456789012:q")})
	if *dup.SubscriptionArn != *q.SubscriptionArn {
		t.Fatalf("duplicate subscription %s", *dup.SubscriptionArn)
	}
	attrs, _ := c.GetTopicAttributes(bg, &awssns.GetTopicAttributesInput{TopicArn: arn})
	if attrs.Attributes["SubscriptionsPending"] != "1" || attrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("counts %v", attrs.Attributes)
	}
	_, err = c.ConfirmSubscription(bg, &awssns.ConfirmSubscriptionInput{TopicArn: arn, Token: aws.String("bogus")})
	if code(err) != "InvalidParameter" {
		t.Fatalf("bad token %v", err)
	}
	pubs := []struct {
		in   *awssns.PublishInput
		code string
	}{
		{&awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), Subject: aws.String("line\nbreak")}, "InvalidParameter"},
		{&awssns.PublishInput{TopicArn: arn, Message: aws.String(strings.Repeat("x", 256*1024+1))}, "InvalidParameter"},
		{&awssns.PublishInput{TopicArn: arn, Message: aws.String(`{"http":"x"}`), MessageStructure: aws.String("json")}, "InvalidParameter"},
		{&awssns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:none"), Message: aws.String("x")}, "NotFound"},
		{&awssns.PublishInput{TopicArn: arn, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Date"), StringValue: aws.String("x")}}}, "ParameterValueInvalid"},
	}
	for i, p := range pubs {
		if _, err := c.Publish(bg, p.in); code(err) != p.code {
			t.Errorf("publish %d: %v, want %s", i, err, p.code)
		}
	}
	if _, err := c.Publish(bg, &awssns.PublishInput{TopicArn: arn, Message: aws.String(`{"default":"d","email":"e"}`), MessageStructure: aws.String("json")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unsubscribe(bg, &awssns.UnsubscribeInput{SubscriptionArn: q.SubscriptionArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Unsubscribe(bg, &awssns.UnsubscribeInput{SubscriptionArn: q.SubscriptionArn}); code(err) != "NotFound" {
		t.Fatalf("second unsubscribe %v", err)
	}
}

func awsctxWith(acct, region string) context.Context {
	return awsctx.With(bg, awsctx.Scope{AccountID: acct, Region: region})
}
