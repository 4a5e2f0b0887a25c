package sns

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
)

// Wire shapes (awsQuery, namespace http://sns.amazonaws.com/doc/2010-03-31/).

type emptyOut struct{}

// Tag is a topic tag.
type Tag struct {
	Key   string `json:"Key" aws:"required"`
	Value string `json:"Value" aws:"required"`
}

type createTopicIn struct {
	Name                 string            `json:"Name" aws:"required"`
	Attributes           map[string]string `json:"Attributes,omitempty"`
	Tags                 []Tag             `json:"Tags,omitempty"`
	DataProtectionPolicy string            `json:"DataProtectionPolicy,omitempty"`
}

type topicArnOut struct {
	TopicArn string `json:"TopicArn"`
}

type topicArnIn struct {
	TopicArn string `json:"TopicArn" aws:"required"`
}

type nextTokenIn struct {
	NextToken string `json:"NextToken,omitempty"`
}

type listTopicsOut struct {
	Topics    []topicArnOut `json:"Topics"`
	NextToken string        `json:"NextToken,omitempty"`
}

type attributesOut struct {
	Attributes map[string]string `json:"Attributes"`
}

type setTopicAttributesIn struct {
	TopicArn       string `json:"TopicArn" aws:"required"`
	AttributeName  string `json:"AttributeName" aws:"required"`
	AttributeValue string `json:"AttributeValue,omitempty"`
}

type subscribeIn struct {
	TopicArn              string            `json:"TopicArn" aws:"required"`
	Protocol              string            `json:"Protocol" aws:"required"`
	Endpoint              string            `json:"Endpoint,omitempty"`
	Attributes            map[string]string `json:"Attributes,omitempty"`
	ReturnSubscriptionArn bool              `json:"ReturnSubscriptionArn,omitempty"`
}

type subscriptionArnOut struct {
	SubscriptionArn string `json:"SubscriptionArn"`
}

type confirmSubscriptionIn struct {
	TopicArn                  string `json:"TopicArn" aws:"required"`
	Token                     string `json:"Token" aws:"required"`
	AuthenticateOnUnsubscribe string `json:"AuthenticateOnUnsubscribe,omitempty"`
}

type subscriptionArnIn struct {
	SubscriptionArn string `json:"SubscriptionArn" aws:"required"`
}

type subscriptionOut struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	Owner           string `json:"Owner"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	TopicArn        string `json:"TopicArn"`
}

type listSubscriptionsOut struct {
	Subscriptions []subscriptionOut `json:"Subscriptions"`
	NextToken     string            `json:"NextToken,omitempty"`
}

type listSubscriptionsByTopicIn struct {
	TopicArn  string `json:"TopicArn" aws:"required"`
	NextToken string `json:"NextToken,omitempty"`
}

type setSubscriptionAttributesIn struct {
	SubscriptionArn string `json:"SubscriptionArn" aws:"required"`
	AttributeName   string `json:"AttributeName" aws:"required"`
	AttributeValue  string `json:"AttributeValue,omitempty"`
}

type messageAttributeValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

type messageAttributeEntry struct {
	Name  string                `json:"Name"`
	Value messageAttributeValue `json:"Value"`
}

type publishIn struct {
	TopicArn               string                  `json:"TopicArn,omitempty"`
	TargetArn              string                  `json:"TargetArn,omitempty"`
	PhoneNumber            string                  `json:"PhoneNumber,omitempty"`
	Message                string                  `json:"Message" aws:"required"`
	Subject                string                  `json:"Subject,omitempty"`
	MessageStructure       string                  `json:"MessageStructure,omitempty"`
	MessageAttributes      []messageAttributeEntry `json:"MessageAttributes,omitempty" aws:"member=entry"`
	MessageDeduplicationId string                  `json:"MessageDeduplicationId,omitempty"`
	MessageGroupId         string                  `json:"MessageGroupId,omitempty"`
}

type publishOut struct {
	MessageId      string `json:"MessageId"`
	SequenceNumber string `json:"SequenceNumber,omitempty"`
}

type tagResourceIn struct {
	ResourceArn string `json:"ResourceArn" aws:"required"`
	Tags        []Tag  `json:"Tags" aws:"required"`
}

type untagResourceIn struct {
	ResourceArn string   `json:"ResourceArn" aws:"required"`
	TagKeys     []string `json:"TagKeys" aws:"required"`
}

type resourceArnIn struct {
	ResourceArn string `json:"ResourceArn" aws:"required"`
}

type tagsOut struct {
	Tags []Tag `json:"Tags"`
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

const pageSize = 100

func pageToken(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func fromToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", invalidParam("Invalid parameter: NextToken")
	}
	return string(b), nil
}

func (e *Engine) ops() []awswire.Op {
	return []awswire.Op{
		awswire.Operation("CreateTopic", func(ctx context.Context, in *createTopicIn) (*topicArnOut, error) {
			attrs := in.Attributes
			if in.DataProtectionPolicy != "" {
				if attrs == nil {
					attrs = map[string]string{}
				}
				attrs["DataProtectionPolicy"] = in.DataProtectionPolicy
			}
			arn, err := e.CreateTopic(ctx, in.Name, attrs, tagMap(in.Tags))
			if err != nil {
				return nil, err
			}
			return &topicArnOut{TopicArn: arn}, nil
		}),
		awswire.Operation("DeleteTopic", func(ctx context.Context, in *topicArnIn) (*emptyOut, error) {
			return &emptyOut{}, e.DeleteTopic(ctx, in.TopicArn)
		}),
		awswire.Operation("ListTopics", func(ctx context.Context, in *nextTokenIn) (*listTopicsOut, error) {
			after, err := fromToken(in.NextToken)
			if err != nil {
				return nil, err
			}
			arns, err := e.ListTopics(ctx)
			if err != nil {
				return nil, err
			}
			out := &listTopicsOut{Topics: []topicArnOut{}}
			for _, a := range arns {
				if after != "" && a <= after {
					continue
				}
				if len(out.Topics) == pageSize {
					out.NextToken = pageToken(out.Topics[pageSize-1].TopicArn)
					break
				}
				out.Topics = append(out.Topics, topicArnOut{a})
			}
			return out, nil
		}),
		awswire.Operation("GetTopicAttributes", func(ctx context.Context, in *topicArnIn) (*attributesOut, error) {
			m, err := e.TopicAttributes(ctx, in.TopicArn)
			if err != nil {
				return nil, err
			}
			return &attributesOut{Attributes: m}, nil
		}),
		awswire.Operation("SetTopicAttributes", func(ctx context.Context, in *setTopicAttributesIn) (*emptyOut, error) {
			return &emptyOut{}, e.SetTopicAttribute(ctx, in.TopicArn, in.AttributeName, in.AttributeValue)
		}),
		awswire.Operation("Subscribe", func(ctx context.Context, in *subscribeIn) (*subscriptionArnOut, error) {
			arn, confirmed, err := e.Subscribe(ctx, SubscribeInput{TopicARN: in.TopicArn, Protocol: in.Protocol, Endpoint: in.Endpoint, Attributes: in.Attributes})
			if err != nil {
				return nil, err
			}
			if !confirmed && !in.ReturnSubscriptionArn {
				arn = "pending confirmation"
			}
			return &subscriptionArnOut{SubscriptionArn: arn}, nil
		}),
		awswire.Operation("ConfirmSubscription", func(ctx context.Context, in *confirmSubscriptionIn) (*subscriptionArnOut, error) {
			arn, err := e.ConfirmSubscription(ctx, in.TopicArn, in.Token)
			if err != nil {
				return nil, err
			}
			return &subscriptionArnOut{SubscriptionArn: arn}, nil
		}),
		awswire.Operation("Unsubscribe", func(ctx context.Context, in *subscriptionArnIn) (*emptyOut, error) {
			return &emptyOut{}, e.Unsubscribe(ctx, in.SubscriptionArn)
		}),
		awswire.Operation("ListSubscriptions", func(ctx context.Context, in *nextTokenIn) (*listSubscriptionsOut, error) {
			return e.listSubs(ctx, "", in.NextToken)
		}),
		awswire.Operation("ListSubscriptionsByTopic", func(ctx context.Context, in *listSubscriptionsByTopicIn) (*listSubscriptionsOut, error) {
			return e.listSubs(ctx, in.TopicArn, in.NextToken)
		}),
		awswire.Operation("GetSubscriptionAttributes", func(ctx context.Context, in *subscriptionArnIn) (*attributesOut, error) {
			m, err := e.SubscriptionAttributes(ctx, in.SubscriptionArn)
			if err != nil {
				return nil, err
			}
			return &attributesOut{Attributes: m}, nil
		}),
		awswire.Operation("SetSubscriptionAttributes", func(ctx context.Context, in *setSubscriptionAttributesIn) (*emptyOut, error) {
			return &emptyOut{}, e.SetSubscriptionAttribute(ctx, in.SubscriptionArn, in.AttributeName, in.AttributeValue)
		}),
		awswire.Operation("Publish", func(ctx context.Context, in *publishIn) (*publishOut, error) {
			topic := in.TopicArn
			switch {
			case in.PhoneNumber != "":
				return nil, invalidParam("Invalid parameter: PhoneNumber Reason: skiff does not send SMS messages")
			case topic == "" && in.TargetArn != "":
				if _, _, _, ok := parseTopicARN(in.TargetArn); !ok {
					return nil, ErrNotFound.New("Endpoint does not exist")
				}
				topic = in.TargetArn
			case topic == "":
				return nil, invalidParam("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
			}
			pin := PublishInput{TopicARN: topic, Message: in.Message, Subject: in.Subject, MessageStructure: in.MessageStructure}
			if len(in.MessageAttributes) > 0 {
				pin.MessageAttributes = map[string]MessageAttribute{}
				for _, a := range in.MessageAttributes {
					pin.MessageAttributes[a.Name] = MessageAttribute{DataType: a.Value.DataType, StringValue: a.Value.StringValue, BinaryValue: a.Value.BinaryValue}
				}
			}
			id, err := e.PublishMessage(ctx, pin)
			if err != nil {
				return nil, err
			}
			return &publishOut{MessageId: id}, nil
		}),
		awswire.Operation("TagResource", func(ctx context.Context, in *tagResourceIn) (*emptyOut, error) {
			return &emptyOut{}, e.TagResource(ctx, in.ResourceArn, tagMap(in.Tags))
		}),
		awswire.Operation("UntagResource", func(ctx context.Context, in *untagResourceIn) (*emptyOut, error) {
			return &emptyOut{}, e.UntagResource(ctx, in.ResourceArn, in.TagKeys)
		}),
		awswire.Operation("ListTagsForResource", func(ctx context.Context, in *resourceArnIn) (*tagsOut, error) {
			m, err := e.Tags(ctx, in.ResourceArn)
			if err != nil {
				return nil, err
			}
			out := &tagsOut{Tags: []Tag{}}
			for k, v := range m {
				out.Tags = append(out.Tags, Tag{k, v})
			}
			sortTags(out.Tags)
			return out, nil
		}),
	}
}

func (e *Engine) listSubs(ctx context.Context, topic, token string) (*listSubscriptionsOut, error) {
	after, err := fromToken(token)
	if err != nil {
		return nil, err
	}
	subs, err := e.ListSubscriptions(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := &listSubscriptionsOut{Subscriptions: []subscriptionOut{}}
	skipping := after != ""
	last := ""
	for _, s := range subs {
		if skipping {
			if s.ARN == after {
				skipping = false
			}
			continue
		}
		if len(out.Subscriptions) == pageSize {
			out.NextToken = pageToken(last)
			break
		}
		arn := s.ARN
		if !s.Confirmed {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, subscriptionOut{SubscriptionArn: arn, Owner: s.Owner, Protocol: s.Protocol, Endpoint: s.Endpoint, TopicArn: s.TopicARN})
		last = s.ARN
	}
	return out, nil
}

func sortTags(t []Tag) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Key < t[j-1].Key; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// HTTPHandler serves SubscribeURL and UnsubscribeURL (GET, unsigned, as
// AWS's links are) under ConfirmPath, answering with AWS's XML.
func (e *Engine) HTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		reqID := awswire.NewRequestID()
		write := func(status int, body string) {
			w.Header().Set("Content-Type", "text/xml")
			w.Header().Set("x-amzn-RequestId", reqID)
			w.WriteHeader(status)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + body))
		}
		fail := func(err error) {
			code, msg, status := "InternalError", "An internal error occurred.", 500
			if ae, ok := apierr.As(err); ok {
				code, msg, status = ae.Code.Name, ae.Message, ae.Code.Status
			} else {
				e.log.Error("SNS confirmation link", "err", err)
			}
			write(status, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>`+xmlEscape(code)+
				`</Code><Message>`+xmlEscape(msg)+`</Message></Error><RequestId>`+reqID+`</RequestId></ErrorResponse>`)
		}
		switch q.Get("Action") {
		case "ConfirmSubscription":
			topic := q.Get("TopicArn")
			acct, region, _, ok := parseTopicARN(topic)
			if !ok {
				fail(invalidParam("Invalid parameter: TopicArn"))
				return
			}
			ctx := awsctx.With(r.Context(), awsctx.Scope{AccountID: acct, Region: region, RequestID: reqID})
			arn, err := e.ConfirmSubscription(ctx, topic, q.Get("Token"))
			if err != nil {
				fail(err)
				return
			}
			write(200, `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>`+
				xmlEscape(arn)+`</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>`+reqID+`</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`)
		case "Unsubscribe":
			arn := q.Get("SubscriptionArn")
			p, ok := awsctx.ParseARN(arn)
			if !ok {
				fail(invalidParam("Invalid parameter: SubscriptionArn"))
				return
			}
			ctx := awsctx.With(r.Context(), awsctx.Scope{AccountID: p.Account, Region: p.Region, RequestID: reqID})
			if err := e.Unsubscribe(ctx, arn); err != nil {
				fail(err)
				return
			}
			write(200, `<UnsubscribeResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ResponseMetadata><RequestId>`+reqID+`</RequestId></ResponseMetadata></UnsubscribeResponse>`)
		default:
			fail(invalidParam("Invalid parameter: Action"))
		}
	})
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	return r.Replace(s)
}
