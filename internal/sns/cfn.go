package sns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::SNS::Topic and AWS::SNS::Subscription.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&topicProvider{e: e}, &subscriptionProvider{e: e}}
}

const (
	topicType        = "AWS::SNS::Topic"
	subscriptionType = "AWS::SNS::Subscription"
)

// AWS::SNS::Topic: TopicName and FifoTopic are create-only; Ref is the
// topic ARN; attributes TopicArn and TopicName.
var topicSchema = &provider.Schema{
	Properties: []string{"ArchivePolicy", "ContentBasedDeduplication", "DataProtectionPolicy", "DeliveryStatusLogging", "DisplayName",
		"FifoThroughputScope", "FifoTopic", "KmsMasterKeyId", "SignatureVersion", "Subscription", "Tags", "TopicName", "TracingConfig"},
	CreateOnly: []string{"TopicName", "FifoTopic"},
	Attributes: []string{"TopicArn", "TopicName"},
	Unordered:  []string{"Subscription", "Tags"},
	WriteOnly:  []string{"Tags"},
}

// AWS::SNS::Subscription: TopicArn, Protocol, Endpoint and Region are
// create-only; Ref is the subscription ARN.
var subscriptionSchema = &provider.Schema{
	Properties: []string{"DeliveryPolicy", "Endpoint", "FilterPolicy", "FilterPolicyScope", "Protocol", "RawMessageDelivery",
		"RedrivePolicy", "Region", "ReplayPolicy", "SubscriptionRoleArn", "TopicArn"},
	Required:   []string{"Protocol", "TopicArn"},
	CreateOnly: []string{"Endpoint", "Protocol", "TopicArn", "Region"},
	Attributes: []string{"Arn"},
}

func scopeOf(ctx context.Context, req *provider.Request) context.Context {
	if awsctx.From(ctx).AccountID != "" {
		return ctx
	}
	return awsctx.With(ctx, awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region})
}

type topicProvider struct{ e *Engine }

func (p *topicProvider) Type() string             { return topicType }
func (p *topicProvider) Schema() *provider.Schema { return topicSchema }

type topicProps struct {
	name  string
	attrs map[string]string
	subs  []subSpec
	tags  map[string]string
}

type subSpec struct{ Protocol, Endpoint string }

func jsonProp(props *provider.Props, k string) string {
	if !props.Has(k) {
		return ""
	}
	if s, ok := props.Raw(k).(string); ok {
		return s
	}
	return provider.Render(props.JSONDoc(k))
}

func readTopic(req *provider.Request) (*topicProps, error) {
	props := provider.Read(req.Properties, topicSchema)
	t := &topicProps{name: props.String("TopicName"), attrs: map[string]string{}, tags: props.Tags("Tags")}
	if props.Bool("FifoTopic", false) {
		return nil, fmt.Errorf("FIFO topics (FifoTopic) are not supported by skiff; use a standard topic")
	}
	for _, k := range []string{"DisplayName", "KmsMasterKeyId", "SignatureVersion", "ContentBasedDeduplication", "FifoThroughputScope"} {
		if props.Has(k) {
			t.attrs[k] = props.String(k)
		}
	}
	for _, k := range []string{"ArchivePolicy", "DataProtectionPolicy"} {
		if props.Has(k) {
			t.attrs[k] = jsonProp(props, k)
		}
	}
	if props.Has("TracingConfig") {
		t.attrs["TracingConfig"] = props.String("TracingConfig")
	}
	for i, x := range props.List("Subscription") {
		m, ok := x.(map[string]any)
		if !ok {
			props.Fail(fmt.Sprintf("Subscription/%d", i), "expected type: JSONObject, found: %T", x)
			continue
		}
		sp := provider.Read(m, &provider.Schema{Properties: []string{"Endpoint", "Protocol"}, Required: []string{"Endpoint", "Protocol"}})
		s := subSpec{Protocol: sp.String("Protocol"), Endpoint: sp.String("Endpoint")}
		if err := sp.Err(); err != nil {
			props.Fail(fmt.Sprintf("Subscription/%d", i), "%v", err)
			continue
		}
		t.subs = append(t.subs, s)
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	if t.name == "" {
		t.name = provider.Name(req, 256, false)
	}
	return t, nil
}

func mergeTags(stack, own map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range stack {
		m[k] = v
	}
	for k, v := range own {
		m[k] = v
	}
	return m
}

func (p *topicProvider) PhysicalID(req *provider.Request) (string, error) {
	t, err := readTopic(req)
	if err != nil {
		return "", err
	}
	if !reTopicName.MatchString(t.name) {
		return "", invalidParam("Invalid parameter: Topic Name")
	}
	return awsctx.ARN("sns", req.Stack.Region, req.Stack.AccountID, t.name), nil
}

func (p *topicProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	t, err := readTopic(req)
	if err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	arn := awsctx.ARN("sns", sc.Region, sc.AccountID, t.name)
	if _, err := p.e.GetTopic(ctx, arn); err == nil {
		return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", topicType, arn)
	}
	if _, err := p.e.CreateTopic(ctx, t.name, t.attrs, mergeTags(req.Stack.Tags, t.tags)); err != nil {
		return nil, err
	}
	for _, s := range t.subs {
		if _, _, err := p.e.Subscribe(ctx, SubscribeInput{TopicARN: arn, Protocol: s.Protocol, Endpoint: s.Endpoint}); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, arn)
}

func (p *topicProvider) result(ctx context.Context, arn string) (*provider.Result, error) {
	t, err := p.e.GetTopic(ctx, arn)
	if ErrNotFound.Is(err) {
		return nil, provider.NotFound(topicType, arn)
	}
	if err != nil {
		return nil, err
	}
	props := map[string]any{"TopicName": t.Name}
	for k, v := range t.Attributes {
		switch k {
		case "DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ArchivePolicy", "DataProtectionPolicy":
			props[k] = v
		}
	}
	subs, err := p.e.subscriptions(ctx, arn)
	if err != nil {
		return nil, err
	}
	var list []any
	for _, s := range subs {
		list = append(list, map[string]any{"Protocol": s.Protocol, "Endpoint": s.Endpoint})
	}
	if len(list) > 0 {
		props["Subscription"] = list
	}
	if len(t.Tags) > 0 {
		props["Tags"] = provider.TagList(t.Tags)
	}
	return &provider.Result{PhysicalID: arn, Attributes: map[string]any{"TopicArn": arn, "TopicName": t.Name}, Properties: props}, nil
}

func (p *topicProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(scopeOf(ctx, req), req.PhysicalID)
}

func (p *topicProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	t, err := readTopic(req)
	if err != nil {
		return nil, err
	}
	arn := req.PhysicalID
	cur, err := p.e.GetTopic(ctx, arn)
	if ErrNotFound.Is(err) {
		return nil, provider.NotFound(topicType, arn)
	}
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ArchivePolicy", "DataProtectionPolicy"} {
		want, has := t.attrs[k]
		if cur.Attributes[k] == want && (has || cur.Attributes[k] == "") {
			continue
		}
		if err := p.e.SetTopicAttribute(ctx, arn, k, want); err != nil {
			return nil, err
		}
	}
	// Subscriptions: add the new ones, remove the ones no longer listed.
	subs, err := p.e.subscriptions(ctx, arn)
	if err != nil {
		return nil, err
	}
	want := map[subSpec]bool{}
	for _, s := range t.subs {
		want[s] = true
	}
	have := map[subSpec]bool{}
	for _, s := range subs {
		k := subSpec{s.Protocol, s.Endpoint}
		have[k] = true
		if !want[k] {
			if err := p.e.Unsubscribe(ctx, s.ARN); err != nil && !ErrNotFound.Is(err) {
				return nil, err
			}
		}
	}
	for _, s := range t.subs {
		if !have[s] {
			if _, _, err := p.e.Subscribe(ctx, SubscribeInput{TopicARN: arn, Protocol: s.Protocol, Endpoint: s.Endpoint}); err != nil {
				return nil, err
			}
		}
	}
	tags := mergeTags(req.Stack.Tags, t.tags)
	var drop []string
	for k := range cur.Tags {
		if _, ok := tags[k]; !ok {
			drop = append(drop, k)
		}
	}
	sort.Strings(drop)
	if len(drop) > 0 {
		if err := p.e.UntagResource(ctx, arn, drop); err != nil {
			return nil, err
		}
	}
	if len(tags) > 0 {
		if err := p.e.TagResource(ctx, arn, tags); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, arn)
}

func (p *topicProvider) Delete(ctx context.Context, req *provider.Request) error {
	return p.e.DeleteTopic(scopeOf(ctx, req), req.PhysicalID)
}

// --- AWS::SNS::Subscription ---

type subscriptionProvider struct{ e *Engine }

func (p *subscriptionProvider) Type() string             { return subscriptionType }
func (p *subscriptionProvider) Schema() *provider.Schema { return subscriptionSchema }

type subProps struct {
	in    SubscribeInput
	attrs map[string]string
}

func readSub(req *provider.Request) (*subProps, error) {
	props := provider.Read(req.Properties, subscriptionSchema)
	s := &subProps{in: SubscribeInput{TopicARN: props.String("TopicArn"), Protocol: props.String("Protocol"), Endpoint: props.String("Endpoint")}, attrs: map[string]string{}}
	for _, k := range []string{"DeliveryPolicy", "FilterPolicy", "RedrivePolicy", "ReplayPolicy"} {
		if props.Has(k) {
			s.attrs[k] = jsonProp(props, k)
		}
	}
	for _, k := range []string{"FilterPolicyScope", "SubscriptionRoleArn"} {
		if props.Has(k) {
			s.attrs[k] = props.String(k)
		}
	}
	if props.Has("RawMessageDelivery") {
		s.attrs["RawMessageDelivery"] = fmt.Sprint(props.Bool("RawMessageDelivery", false))
	}
	if r := props.String("Region"); r != "" && req.Stack.Region != "" && r != req.Stack.Region {
		props.Fail("Region", "cross-region subscriptions are not supported by skiff")
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// subID derives the subscription id CloudFormation will create, so the
// physical id is known before Create.
func subID(req *provider.Request) string {
	h := sha256.Sum256([]byte(req.Stack.ID + "\x00" + req.LogicalID + "\x00" + req.Suffix))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-4" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

func (p *subscriptionProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := readSub(req)
	if err != nil {
		return "", err
	}
	if _, _, _, ok := parseTopicARN(s.in.TopicARN); !ok {
		return "", invalidParam("Invalid parameter: TopicArn")
	}
	return s.in.TopicARN + ":" + subID(req), nil
}

func (p *subscriptionProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	s, err := readSub(req)
	if err != nil {
		return nil, err
	}
	s.in.ID = subID(req)
	s.in.Attributes = s.attrs
	arn, _, err := p.e.Subscribe(ctx, s.in)
	if err != nil {
		return nil, err
	}
	return p.result(ctx, arn)
}

func (p *subscriptionProvider) result(ctx context.Context, arn string) (*provider.Result, error) {
	s, err := p.e.GetSubscription(ctx, arn)
	if ErrNotFound.Is(err) {
		return nil, provider.NotFound(subscriptionType, arn)
	}
	if err != nil {
		return nil, err
	}
	props := map[string]any{"TopicArn": s.TopicARN, "Protocol": s.Protocol, "Endpoint": s.Endpoint}
	for k, v := range s.Attributes {
		if k == "RawMessageDelivery" {
			props[k] = v == "true"
			continue
		}
		props[k] = v
	}
	return &provider.Result{PhysicalID: arn, Attributes: map[string]any{"Arn": arn}, Properties: props}, nil
}

func (p *subscriptionProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(scopeOf(ctx, req), req.PhysicalID)
}

func (p *subscriptionProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = scopeOf(ctx, req)
	s, err := readSub(req)
	if err != nil {
		return nil, err
	}
	cur, err := p.e.GetSubscription(ctx, req.PhysicalID)
	if ErrNotFound.Is(err) {
		return nil, provider.NotFound(subscriptionType, req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range s.attrs {
		keys[k] = true
	}
	for k := range cur.Attributes {
		keys[k] = true
	}
	for k := range keys {
		if cur.Attributes[k] == s.attrs[k] {
			continue
		}
		if err := p.e.SetSubscriptionAttribute(ctx, req.PhysicalID, k, s.attrs[k]); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, req.PhysicalID)
}

func (p *subscriptionProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := p.e.Unsubscribe(scopeOf(ctx, req), req.PhysicalID)
	if ErrNotFound.Is(err) || (err != nil && strings.Contains(err.Error(), "Invalid parameter")) {
		return nil
	}
	return err
}
