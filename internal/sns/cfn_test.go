package sns_test

import (
	"context"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
	"github.com/skiff-dev/skiff/internal/sns"
	"github.com/skiff-dev/skiff/internal/store"
)

func providerOf(e *sns.Engine, typ string) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	panic("no provider " + typ)
}

func TestTopicProviderConformance(t *testing.T) {
	e := sns.New(store.NewMemory(), nil)
	defer e.Close()
	providertest.Run(t, providerOf(e, "AWS::SNS::Topic"), providertest.Case{
		Create: map[string]any{"DisplayName": "first", "Tags": []any{map[string]any{"Key": "team", "Value": "web"}},
			"Subscription": []any{map[string]any{"Protocol": "email", "Endpoint": "a@example.com"}}},
		Update: map[string]any{"DisplayName": "second", "TracingConfig": "Active",
			"Subscription": []any{map[string]any{"Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q"}}},
		Replace: map[string]any{"TopicName": "explicit-topic", "DisplayName": "third"},
		Check: func(t *testing.T, c context.Context, id string, props map[string]any) {
			attrs, err := e.TopicAttributes(c, id)
			if err != nil {
				t.Fatal(err)
			}
			if attrs["DisplayName"] != props["DisplayName"] {
				t.Fatalf("display name %q, template %v", attrs["DisplayName"], props["DisplayName"])
			}
			subs, _ := e.ListSubscriptions(c, id)
			if n := len(props["Subscription"].([]any)); len(subs) != n {
				t.Fatalf("%d subscriptions, template %d", len(subs), n)
			}
		},
		Gone: func(t *testing.T, c context.Context, id string) {
			if _, err := e.GetTopic(c, id); !sns.ErrNotFound.Is(err) {
				t.Fatalf("topic %s still exists: %v", id, err)
			}
		},
	})
}

func TestSubscriptionProviderConformance(t *testing.T) {
	e := sns.New(store.NewMemory(), nil)
	defer e.Close()
	c := providertest.Scope
	ctx := awsctxWith(c.AccountID, c.Region)
	for _, n := range []string{"t1", "t2"} {
		if _, err := e.CreateTopic(ctx, n, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	t1 := "arn:aws:sns:us-east-1:123456789012:t1"
	providertest.Run(t, providerOf(e, "AWS::SNS::Subscription"), providertest.Case{
		Create:  map[string]any{"TopicArn": t1, "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q1"},
		Update:  map[string]any{"TopicArn": t1, "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q1", "RawMessageDelivery": true},
		Replace: map[string]any{"TopicArn": "arn:aws:sns:us-east-1:123456789012:t2", "Protocol": "email", "Endpoint": "ops@example.com"},
		Gone: func(t *testing.T, c context.Context, id string) {
			if _, err := e.GetSubscription(c, id); !sns.ErrNotFound.Is(err) {
				t.Fatalf("subscription %s still exists: %v", id, err)
			}
		},
	})
}

func TestTopicProviderRules(t *testing.T) {
	e := sns.New(store.NewMemory(), nil)
	defer e.Close()
	p := providerOf(e, "AWS::SNS::Topic")
	stack := provider.StackInfo{Name: "web", AccountID: "123456789012", Region: "us-east-1"}
	req := &provider.Request{LogicalID: "Alerts", Stack: stack, Suffix: "ABCDEF123456", Properties: map[string]any{}}
	id, err := p.PhysicalID(req)
	if err != nil || id != "arn:aws:sns:us-east-1:123456789012:web-Alerts-ABCDEF123456" {
		t.Fatalf("generated %q %v", id, err)
	}
	res, err := p.Create(awsctxWith("123456789012", "us-east-1"), req)
	if err != nil || res.Attributes["TopicName"] != "web-Alerts-ABCDEF123456" || res.Attributes["TopicArn"] != id {
		t.Fatalf("create %+v %v", res, err)
	}
	fifo := &provider.Request{LogicalID: "F", Stack: stack, Suffix: "X", Properties: map[string]any{"FifoTopic": true}}
	if _, err := p.PhysicalID(fifo); err == nil || !strings.Contains(err.Error(), "FIFO") {
		t.Fatalf("fifo: %v", err)
	}
}
