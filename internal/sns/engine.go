package sns

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	bucketTopics = "sns.topics"
	bucketSubs   = "sns.subs"
)

// SNS error table.
var (
	ErrNotFound          = apierr.Code{Name: "NotFound", Status: 404}
	ErrInvalidParameter  = apierr.Code{Name: "InvalidParameter", Status: 400}
	ErrParameterValue    = apierr.Code{Name: "ParameterValueInvalid", Status: 400}
	ErrResourceNotFound  = apierr.Code{Name: "ResourceNotFound", Status: 404}
	ErrTagLimitExceeded  = apierr.Code{Name: "TagLimitExceeded", Status: 400}
	ErrAuthorizationErr  = apierr.Code{Name: "AuthorizationError", Status: 403}
	ErrSubscriptionLimit = apierr.Code{Name: "SubscriptionLimitExceeded", Status: 403}
)

func invalidParam(format string, args ...any) *apierr.Error {
	return ErrInvalidParameter.New(format, args...)
}

// ConfirmPath is where SubscribeURL and UnsubscribeURL point; the server
// routes it to HTTPHandler.
const ConfirmPath = "/_skiff/sns/"

// Topic is a topic as stored.
type Topic struct {
	Name       string            `json:"name"`
	Account    string            `json:"account"`
	Region     string            `json:"region"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    time.Time         `json:"created"`
}

// ARN is the topic's ARN.
func (t *Topic) ARN() string { return awsctx.ARN("sns", t.Region, t.Account, t.Name) }

// Subscription is a subscription as stored.
type Subscription struct {
	ARN        string            `json:"arn"`
	TopicARN   string            `json:"topicArn"`
	Protocol   string            `json:"protocol"`
	Endpoint   string            `json:"endpoint"`
	Owner      string            `json:"owner"`
	Confirmed  bool              `json:"confirmed"`
	Token      string            `json:"token,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Created    time.Time         `json:"created"`
	Seq        int64             `json:"seq"`
}

// Engine is SNS topics, subscriptions and HTTP(S) delivery.
type Engine struct {
	st   store.Store
	log  *slog.Logger
	clk  atomic.Pointer[clock.Clock]
	base atomic.Pointer[func() string]

	mu sync.Mutex // serializes writes

	client *http.Client
	dq     *deliveryQueue
	closed atomic.Bool
}

// New returns an SNS engine over st.
func New(st store.Store, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{st: st, log: log, client: &http.Client{Timeout: 15 * time.Second}}
	e.clk.Store(clock.Real())
	def := func() string { return "http://127.0.0.1:4566" }
	e.base.Store(&def)
	e.dq = newDeliveryQueue(e, 4)
	return e
}

// SetEndpoint tells the engine skiff's base URL (for SubscribeURL and
// UnsubscribeURL in delivered messages).
func (e *Engine) SetEndpoint(fn func() string) { e.base.Store(&fn) }

// SetClock sets the clock that scales delivery retry delays.
func (e *Engine) SetClock(c *clock.Clock) {
	if c != nil {
		e.clk.Store(c)
	}
}

// Close stops delivery.
func (e *Engine) Close() error {
	if e.closed.CompareAndSwap(false, true) {
		e.dq.close()
	}
	return nil
}

func (e *Engine) now() time.Time { return e.clk.Load().Now() }

func (e *Engine) endpoint() string { return strings.TrimRight((*e.base.Load())(), "/") }

func topicKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

var reTopicName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func newToken() string {
	var b [64]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// parseTopicARN returns the account, region and name of a topic ARN.
func parseTopicARN(arn string) (acct, region, name string, ok bool) {
	p, ok := awsctx.ParseARN(arn)
	if !ok || p.Service != "sns" || p.Region == "" || p.Account == "" || strings.Contains(p.Resource, ":") {
		return "", "", "", false
	}
	return p.Account, p.Region, p.Resource, true
}

var settableTopicAttrs = map[string]bool{
	"DisplayName": true, "Policy": true, "DeliveryPolicy": true, "KmsMasterKeyId": true, "SignatureVersion": true,
	"TracingConfig": true, "ContentBasedDeduplication": true, "ArchivePolicy": true, "DataProtectionPolicy": true,
	"FifoThroughputScope":        true,
	"HTTPSuccessFeedbackRoleArn": true, "HTTPFailureFeedbackRoleArn": true, "HTTPSuccessFeedbackSampleRate": true,
	"LambdaSuccessFeedbackRoleArn": true, "LambdaFailureFeedbackRoleArn": true, "LambdaSuccessFeedbackSampleRate": true,
	"SQSSuccessFeedbackRoleArn": true, "SQSFailureFeedbackRoleArn": true, "SQSSuccessFeedbackSampleRate": true,
	"FirehoseSuccessFeedbackRoleArn": true, "FirehoseFailureFeedbackRoleArn": true, "FirehoseSuccessFeedbackSampleRate": true,
	"ApplicationSuccessFeedbackRoleArn": true, "ApplicationFailureFeedbackRoleArn": true, "ApplicationSuccessFeedbackSampleRate": true,
}

func validateTopicAttr(name, value string) error {
	if !settableTopicAttrs[name] {
		return invalidParam("Invalid parameter: AttributeName")
	}
	switch name {
	case "Policy", "DeliveryPolicy", "DataProtectionPolicy", "ArchivePolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return invalidParam("Invalid parameter: Attributes Reason: %s: failed to parse JSON", name)
		}
	case "SignatureVersion":
		if value != "1" && value != "2" {
			return invalidParam("Invalid parameter: Attributes Reason: SignatureVersion: Invalid value [%s]. Must be one of [1, 2].", value)
		}
	case "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return invalidParam("Invalid parameter: Attributes Reason: TracingConfig: Invalid value [%s]. Must be one of [PassThrough, Active].", value)
		}
	case "ContentBasedDeduplication", "FifoThroughputScope":
		return invalidParam("Invalid parameter: Attributes Reason: %s is only valid for FIFO topics, which skiff does not support.", name)
	}
	return nil
}

// CreateTopic creates a topic (or returns the existing one with the same
// name, attributes and tags) and returns its ARN.
func (e *Engine) CreateTopic(ctx context.Context, name string, attrs, tags map[string]string) (string, error) {
	sc := awsctx.From(ctx)
	fifo := strings.EqualFold(attrs["FifoTopic"], "true") || strings.HasSuffix(name, ".fifo")
	if fifo {
		return "", invalidParam("Invalid parameter: FIFO topics (FifoTopic, names ending in .fifo) are not supported by skiff; use a standard topic.")
	}
	if _, ok := attrs["FifoTopic"]; ok && !strings.EqualFold(attrs["FifoTopic"], "false") {
		return "", invalidParam("Invalid parameter: Attributes Reason: FifoTopic: Invalid value [%s]. Must be one of [true, false].", attrs["FifoTopic"])
	}
	if !reTopicName.MatchString(name) {
		return "", invalidParam("Invalid parameter: Topic Name")
	}
	clean := map[string]string{}
	for k, v := range attrs {
		if k == "FifoTopic" {
			continue
		}
		if err := validateTopicAttr(k, v); err != nil {
			return "", err
		}
		clean[k] = v
	}
	if err := validateTags(tags); err != nil {
		return "", err
	}
	t := &Topic{Name: name, Account: sc.AccountID, Region: sc.Region, Attributes: clean, Tags: tags, Created: e.now()}
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var cur Topic
		err := tx.Get(bucketTopics, topicKey(t.Account, t.Region, name), &cur)
		if err == nil {
			for k, v := range clean {
				if cur.Attributes[k] != v {
					return invalidParam("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
				}
			}
			if len(tags) > 0 && !sameMap(cur.Tags, tags) {
				return invalidParam("Invalid parameter: Tags Reason: Topic already exists with different tags")
			}
			*t = cur
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(bucketTopics, topicKey(t.Account, t.Region, name), t)
	})
	if err != nil {
		return "", err
	}
	return t.ARN(), nil
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func validateTags(tags map[string]string) error {
	if len(tags) > 50 {
		return ErrTagLimitExceeded.New("Could not complete request: tag quota of per resource exceeded")
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 {
			return invalidParam("Invalid parameter: Tags Reason: Tag key must be between 1 and 128 characters long")
		}
		if utf8.RuneCountInString(v) > 256 {
			return invalidParam("Invalid parameter: Tags Reason: Tag value must be at most 256 characters long")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParam("Invalid parameter: Tags Reason: Tag keys beginning with aws: are reserved")
		}
	}
	return nil
}

// GetTopic returns a topic by ARN.
func (e *Engine) GetTopic(ctx context.Context, arn string) (*Topic, error) {
	acct, region, name, ok := parseTopicARN(arn)
	if !ok {
		return nil, invalidParam("Invalid parameter: TopicArn")
	}
	var t Topic
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Get(bucketTopics, topicKey(acct, region, name), &t)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound.New("Topic does not exist")
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteTopic deletes a topic and its subscriptions; a missing topic is
// not an error.
func (e *Engine) DeleteTopic(ctx context.Context, arn string) error {
	acct, region, name, ok := parseTopicARN(arn)
	if !ok {
		return invalidParam("Invalid parameter: TopicArn")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(bucketTopics, topicKey(acct, region, name)); err != nil {
			return err
		}
		var del []string
		if err := tx.Scan(bucketSubs, store.ScanOptions{}, func(k string, v []byte) error {
			var s Subscription
			if json.Unmarshal(v, &s) == nil && s.TopicARN == arn {
				del = append(del, k)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range del {
			if err := tx.Delete(bucketSubs, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListTopics returns the ARNs of the account and region's topics.
func (e *Engine) ListTopics(ctx context.Context) ([]string, error) {
	sc := awsctx.From(ctx)
	var out []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketTopics, store.ScanOptions{Prefix: sc.AccountID + "/" + sc.Region + "/"}, func(k string, v []byte) error {
			var t Topic
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			out = append(out, t.ARN())
			return nil
		})
	})
	return out, err
}

const defaultDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

func defaultPolicy(arn, acct string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},` +
		`"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],` +
		`"Resource":"` + arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + acct + `"}}}]}`
}

// TopicAttributes returns the attributes GetTopicAttributes reports.
func (e *Engine) TopicAttributes(ctx context.Context, arn string) (map[string]string, error) {
	t, err := e.GetTopic(ctx, arn)
	if err != nil {
		return nil, err
	}
	subs, err := e.subscriptions(ctx, arn)
	if err != nil {
		return nil, err
	}
	pending, confirmed := 0, 0
	for _, s := range subs {
		if s.Confirmed {
			confirmed++
		} else {
			pending++
		}
	}
	out := map[string]string{
		"TopicArn": arn, "Owner": t.Account, "Policy": defaultPolicy(arn, t.Account), "DisplayName": "",
		"SubscriptionsPending": fmt.Sprint(pending), "SubscriptionsConfirmed": fmt.Sprint(confirmed), "SubscriptionsDeleted": "0",
		"EffectiveDeliveryPolicy": defaultDeliveryPolicy, "FifoTopic": "false",
	}
	for k, v := range t.Attributes {
		out[k] = v
	}
	if dp := t.Attributes["DeliveryPolicy"]; dp != "" {
		out["EffectiveDeliveryPolicy"] = dp
	}
	return out, nil
}

// SetTopicAttribute sets one topic attribute.
func (e *Engine) SetTopicAttribute(ctx context.Context, arn, name, value string) error {
	if name == "FifoTopic" {
		return invalidParam("Invalid parameter: AttributeName")
	}
	if err := validateTopicAttr(name, value); err != nil {
		return err
	}
	return e.updateTopic(ctx, arn, func(t *Topic) error {
		if t.Attributes == nil {
			t.Attributes = map[string]string{}
		}
		if value == "" && name != "DisplayName" {
			delete(t.Attributes, name)
		} else {
			t.Attributes[name] = value
		}
		return nil
	})
}

func (e *Engine) updateTopic(ctx context.Context, arn string, fn func(t *Topic) error) error {
	acct, region, name, ok := parseTopicARN(arn)
	if !ok {
		return invalidParam("Invalid parameter: TopicArn")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Update(ctx, func(tx store.Tx) error {
		var t Topic
		err := tx.Get(bucketTopics, topicKey(acct, region, name), &t)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound.New("Topic does not exist")
		}
		if err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
		return tx.Put(bucketTopics, topicKey(acct, region, name), &t)
	})
}

// TagResource adds tags to a topic.
func (e *Engine) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	if err := validateTags(tags); err != nil {
		return err
	}
	err := e.updateTopic(ctx, arn, func(t *Topic) error {
		if t.Tags == nil {
			t.Tags = map[string]string{}
		}
		for k, v := range tags {
			t.Tags[k] = v
		}
		return validateTags(t.Tags)
	})
	return tagErr(err)
}

// UntagResource removes tags from a topic.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	err := e.updateTopic(ctx, arn, func(t *Topic) error {
		for _, k := range keys {
			delete(t.Tags, k)
		}
		return nil
	})
	return tagErr(err)
}

func tagErr(err error) error {
	if ErrNotFound.Is(err) {
		return ErrResourceNotFound.New("Resource does not exist")
	}
	if ErrInvalidParameter.Is(err) {
		if ae, ok := apierr.As(err); ok && ae.Message == "Invalid parameter: TopicArn" {
			return invalidParam("Invalid parameter: ResourceArn")
		}
	}
	return err
}

// Tags returns a topic's tags.
func (e *Engine) Tags(ctx context.Context, arn string) (map[string]string, error) {
	t, err := e.GetTopic(ctx, arn)
	if err != nil {
		return nil, tagErr(err)
	}
	return t.Tags, nil
}

// --- subscriptions ---

var protocols = map[string]bool{"http": true, "https": true, "email": true, "email-json": true, "sms": true, "sqs": true,
	"application": true, "lambda": true, "firehose": true}

var settableSubAttrs = map[string]bool{"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true,
	"RawMessageDelivery": true, "RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true}

func validateSubAttr(protocol, name, value string) error {
	if !settableSubAttrs[name] {
		return invalidParam("Invalid parameter: AttributeName")
	}
	switch name {
	case "RawMessageDelivery":
		if value != "true" && value != "false" {
			return invalidParam("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
		}
	case "FilterPolicy":
		if strings.TrimSpace(value) != "" && strings.TrimSpace(value) != "{}" {
			return invalidParam("Invalid parameter: FilterPolicy: subscription filter policies are not evaluated by skiff; remove the FilterPolicy attribute.")
		}
	case "DeliveryPolicy", "RedrivePolicy", "ReplayPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return invalidParam("Invalid parameter: Attributes Reason: %s: failed to parse JSON", name)
		}
	}
	return nil
}

// SubscribeInput is a Subscribe request. ID, when set, fixes the
// subscription ARN's suffix (CloudFormation promises physical ids).
type SubscribeInput struct {
	TopicARN   string
	Protocol   string
	Endpoint   string
	Attributes map[string]string
	ID         string
}

// Subscribe subscribes an endpoint and returns the subscription ARN and
// whether it is confirmed. HTTP(S) endpoints get a SubscriptionConfirmation
// message; email endpoints stay pending.
func (e *Engine) Subscribe(ctx context.Context, in SubscribeInput) (string, bool, error) {
	if !protocols[in.Protocol] {
		return "", false, invalidParam("Invalid parameter: Amazon SNS does not support this protocol string: %s", in.Protocol)
	}
	switch in.Protocol {
	case "http", "https":
		u, err := url.Parse(in.Endpoint)
		if err != nil || u.Scheme != in.Protocol || u.Host == "" {
			return "", false, invalidParam("Invalid parameter: Endpoint must match the specified protocol")
		}
	case "email", "email-json":
		if !strings.Contains(in.Endpoint, "@") {
			return "", false, invalidParam("Invalid parameter: Email address")
		}
	case "sqs", "lambda", "firehose", "application":
		if _, ok := awsctx.ParseARN(in.Endpoint); !ok {
			return "", false, invalidParam("Invalid parameter: %s endpoint ARN", strings.ToUpper(in.Protocol[:1])+in.Protocol[1:])
		}
	case "sms":
		if in.Endpoint == "" {
			return "", false, invalidParam("Invalid parameter: Endpoint")
		}
	}
	for k, v := range in.Attributes {
		if err := validateSubAttr(in.Protocol, k, v); err != nil {
			return "", false, err
		}
	}
	t, err := e.GetTopic(ctx, in.TopicARN)
	if err != nil {
		return "", false, err
	}
	var sub Subscription
	existing := false
	e.mu.Lock()
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Scan(bucketSubs, store.ScanOptions{}, func(k string, v []byte) error {
			var s Subscription
			if json.Unmarshal(v, &s) == nil && s.TopicARN == in.TopicARN && s.Protocol == in.Protocol && s.Endpoint == in.Endpoint {
				sub, existing = s, true
				return store.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		if existing {
			return nil
		}
		id := in.ID
		if id == "" {
			id = newID()
		}
		seq, err := tx.NextSeq("sns.subs")
		if err != nil {
			return err
		}
		sub = Subscription{ARN: in.TopicARN + ":" + id, TopicARN: in.TopicARN, Protocol: in.Protocol, Endpoint: in.Endpoint,
			Owner: t.Account, Attributes: in.Attributes, Created: e.now(), Seq: seq}
		switch in.Protocol {
		case "http", "https", "email", "email-json":
			sub.Token = newToken()
		default:
			sub.Confirmed = true
		}
		return tx.Put(bucketSubs, subKey(sub.ARN), &sub)
	})
	e.mu.Unlock()
	if err != nil {
		return "", false, err
	}
	if existing && in.ID != "" && !strings.HasSuffix(sub.ARN, ":"+in.ID) {
		return "", false, invalidParam("Invalid parameter: a subscription of %s to this topic already exists (%s)", in.Endpoint, sub.ARN)
	}
	if !existing && !sub.Confirmed && (sub.Protocol == "http" || sub.Protocol == "https") {
		e.dq.push(e.confirmationDelivery(&sub))
	}
	return sub.ARN, sub.Confirmed, nil
}

func subKey(arn string) string { return arn }

// GetSubscription returns a subscription by ARN.
func (e *Engine) GetSubscription(ctx context.Context, arn string) (*Subscription, error) {
	var s Subscription
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketSubs, subKey(arn), &s) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound.New("Subscription does not exist")
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// ConfirmSubscription confirms a pending subscription with its token.
func (e *Engine) ConfirmSubscription(ctx context.Context, topicARN, token string) (string, error) {
	if _, _, _, ok := parseTopicARN(topicARN); !ok {
		return "", invalidParam("Invalid parameter: TopicArn")
	}
	if _, err := e.GetTopic(ctx, topicARN); err != nil {
		return "", err
	}
	var arn string
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var found *Subscription
		if err := tx.Scan(bucketSubs, store.ScanOptions{Prefix: topicARN + ":"}, func(k string, v []byte) error {
			var s Subscription
			if json.Unmarshal(v, &s) == nil && s.TopicARN == topicARN && s.Token != "" && s.Token == token {
				found = &s
				return store.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		if found == nil {
			return invalidParam("Invalid token")
		}
		arn = found.ARN
		if found.Confirmed {
			return nil
		}
		found.Confirmed = true
		return tx.Put(bucketSubs, subKey(found.ARN), found)
	})
	return arn, err
}

// Unsubscribe deletes a subscription.
func (e *Engine) Unsubscribe(ctx context.Context, arn string) error {
	p, ok := awsctx.ParseARN(arn)
	if !ok || p.Service != "sns" {
		return invalidParam("Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not %d", len(strings.Split(arn, ":")))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketSubs, subKey(arn)); errors.Is(err, store.ErrNotFound) {
			return ErrNotFound.New("Subscription does not exist")
		} else if err != nil {
			return err
		}
		return tx.Delete(bucketSubs, subKey(arn))
	})
}

// subscriptions lists subscriptions, of one topic when topicARN is set, in
// creation order.
func (e *Engine) subscriptions(ctx context.Context, topicARN string) ([]Subscription, error) {
	var out []Subscription
	opt := store.ScanOptions{}
	if topicARN != "" {
		opt.Prefix = topicARN + ":"
	}
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketSubs, opt, func(k string, v []byte) error {
			var s Subscription
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			if topicARN == "" || s.TopicARN == topicARN {
				out = append(out, s)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// ListSubscriptions lists the account and region's subscriptions (of a
// topic when topicARN is set).
func (e *Engine) ListSubscriptions(ctx context.Context, topicARN string) ([]Subscription, error) {
	if topicARN != "" {
		if _, err := e.GetTopic(ctx, topicARN); err != nil {
			return nil, err
		}
	}
	all, err := e.subscriptions(ctx, topicARN)
	if err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	var out []Subscription
	for _, s := range all {
		if acct, region, _, ok := parseTopicARN(s.TopicARN); ok && acct == sc.AccountID && region == sc.Region {
			out = append(out, s)
		}
	}
	return out, nil
}

// SubscriptionAttributes returns GetSubscriptionAttributes' map.
func (e *Engine) SubscriptionAttributes(ctx context.Context, arn string) (map[string]string, error) {
	s, err := e.GetSubscription(ctx, arn)
	if err != nil {
		return nil, err
	}
	out := map[string]string{
		"SubscriptionArn": s.ARN, "TopicArn": s.TopicARN, "Owner": s.Owner, "Protocol": s.Protocol, "Endpoint": s.Endpoint,
		"ConfirmationWasAuthenticated": "false", "PendingConfirmation": fmt.Sprint(!s.Confirmed), "RawMessageDelivery": "false",
		"SubscriptionPrincipal": "arn:aws:iam::" + s.Owner + ":root",
	}
	if s.Protocol == "http" || s.Protocol == "https" {
		out["EffectiveDeliveryPolicy"] = defaultDeliveryPolicy
	}
	for k, v := range s.Attributes {
		out[k] = v
	}
	return out, nil
}

// SetSubscriptionAttribute sets one subscription attribute.
func (e *Engine) SetSubscriptionAttribute(ctx context.Context, arn, name, value string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Update(ctx, func(tx store.Tx) error {
		var s Subscription
		err := tx.Get(bucketSubs, subKey(arn), &s)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound.New("Subscription does not exist")
		}
		if err != nil {
			return err
		}
		if err := validateSubAttr(s.Protocol, name, value); err != nil {
			return err
		}
		if s.Attributes == nil {
			s.Attributes = map[string]string{}
		}
		if value == "" {
			delete(s.Attributes, name)
		} else {
			s.Attributes[name] = value
		}
		return tx.Put(bucketSubs, subKey(arn), &s)
	})
}

// --- publish ---

// MessageAttribute is a Publish message attribute.
type MessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// PublishInput is a Publish request.
type PublishInput struct {
	TopicARN          string
	Message           string
	Subject           string
	MessageStructure  string
	MessageAttributes map[string]MessageAttribute
}

const maxMessageBytes = 256 * 1024

var reAttrName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// Publish is what CloudWatch alarm actions call: it publishes message to
// topicARN and returns the message id.
func (e *Engine) Publish(ctx context.Context, topicARN, subject, message string) (string, error) {
	return e.PublishMessage(ctx, PublishInput{TopicARN: topicARN, Subject: subject, Message: message})
}

// PublishMessage publishes to every confirmed subscription; HTTP(S)
// deliveries happen in the background with retries.
func (e *Engine) PublishMessage(ctx context.Context, in PublishInput) (string, error) {
	if in.Message == "" {
		return "", invalidParam("Invalid parameter: Empty message")
	}
	if len(in.Message) > maxMessageBytes {
		return "", invalidParam("Invalid parameter: Message too long")
	}
	if in.Subject != "" {
		if len(in.Subject) > 100 || !validSubject(in.Subject) {
			return "", invalidParam("Invalid parameter: Subject")
		}
	}
	perProtocol := map[string]string{}
	switch in.MessageStructure {
	case "":
	case "json":
		var m map[string]any
		if err := json.Unmarshal([]byte(in.Message), &m); err != nil {
			return "", invalidParam("Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		def, ok := m["default"].(string)
		if !ok {
			return "", invalidParam("Invalid parameter: Message Structure - No default entry in JSON message body")
		}
		perProtocol[""] = def
		for k, v := range m {
			if s, ok := v.(string); ok {
				perProtocol[k] = s
			}
		}
	default:
		return "", invalidParam("Invalid parameter: MessageStructure")
	}
	if len(in.MessageAttributes) > 10 {
		return "", invalidParam("Invalid parameter: MessageAttributes: too many attributes (at most 10)")
	}
	for name, a := range in.MessageAttributes {
		if !reAttrName.MatchString(name) || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.") {
			return "", ErrParameterValue.New("The message attribute name '%s' is invalid.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number":
			if a.StringValue == "" {
				return "", ErrParameterValue.New("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return "", ErrParameterValue.New("The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
			}
		default:
			return "", ErrParameterValue.New("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
	}
	if _, err := e.GetTopic(ctx, in.TopicARN); err != nil {
		return "", err
	}
	subs, err := e.subscriptions(ctx, in.TopicARN)
	if err != nil {
		return "", err
	}
	id := newID()
	now := e.now()
	for i := range subs {
		s := &subs[i]
		if !s.Confirmed {
			continue
		}
		msg := in.Message
		if in.MessageStructure == "json" {
			msg = perProtocol[""]
			if v, ok := perProtocol[s.Protocol]; ok {
				msg = v
			}
		}
		switch s.Protocol {
		case "http", "https":
			e.dq.push(e.notificationDelivery(s, id, in, msg, now))
		default:
			e.log.Info("SNS delivery to this protocol is not performed locally", "protocol", s.Protocol, "subscription", s.ARN)
		}
	}
	return id, nil
}

func validSubject(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", rune(c))) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

// Service is SNS on the wire (awsQuery).
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:           "sns",
		Protocols:      awswire.AWSQuery,
		XMLNamespace:   "http://sns.amazonaws.com/doc/2010-03-31/",
		ValidationCode: ErrInvalidParameter,
		Ops:            e.ops(),
	}
}

// b64 is a helper for binary attribute values in JSON messages.
func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
