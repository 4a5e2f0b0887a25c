package elbv2

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func providerOf(t *testing.T, e *Engine, typ string) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	t.Fatalf("no provider for %s", typ)
	return nil
}

func kv(k, v string) map[string]any { return map[string]any{"Key": k, "Value": v} }

func TestLoadBalancerProvider(t *testing.T) {
	f := newFixture(t)
	p := providerOf(t, f.e, "AWS::ElasticLoadBalancingV2::LoadBalancer")
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{
			"Subnets": []any{"subnet-1", "subnet-2"}, "SecurityGroups": []any{"sg-1"}, "Type": "application",
			"LoadBalancerAttributes": []any{kv("idle_timeout.timeout_seconds", "30")},
			"Tags":                   []any{kv("team", "web")},
		},
		Update: map[string]any{
			"Subnets": []any{"subnet-1", "subnet-2", "subnet-3"}, "SecurityGroups": []any{"sg-2", "sg-3"}, "Type": "application",
			"LoadBalancerAttributes": []any{kv("idle_timeout.timeout_seconds", "45"), kv("routing.http2.enabled", "false")},
			"Tags":                   []any{kv("team", "api"), kv("env", "dev")},
		},
		Replace: map[string]any{"Name": "explicit-lb", "Scheme": "internal", "Subnets": []any{"subnet-9"}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			lbs, err := f.e.DescribeLoadBalancers(ctx, []string{id}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(lbs[0].Subnets) != len(props["Subnets"].([]any)) {
				t.Fatalf("subnets %v", lbs[0].Subnets)
			}
			attrs, _ := f.e.LoadBalancerAttributes(ctx, id)
			want := props["LoadBalancerAttributes"].([]any)[0].(map[string]any)["Value"]
			for _, a := range attrs {
				if a.Key == "idle_timeout.timeout_seconds" && a.Value != want {
					t.Fatalf("idle timeout %s, want %s", a.Value, want)
				}
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := f.e.DescribeLoadBalancers(ctx, []string{id}, nil); !ErrLoadBalancerNotFound.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
	// Generated names fit AWS's 32 characters; attributes are complete.
	ctx := awsctx.With(context.Background(), providertest.Scope)
	req := &provider.Request{LogicalID: "ApplicationLoadBalancer", Type: p.Type(), Stack: provider.StackInfo{Name: "my-very-long-stack-name-for-tests", Region: "us-east-1", AccountID: "123456789012", ID: "s1"}, Suffix: "ABCDEF123456"}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	name := res.Attributes["LoadBalancerName"].(string)
	if len(name) > 32 || !strings.HasSuffix(name, "-ABCDEF123456") || res.Attributes["LoadBalancerFullName"] != "app/"+name+"/"+res.PhysicalID[len(res.PhysicalID)-16:] ||
		res.Attributes["CanonicalHostedZoneID"] != "Z35SXDOTRQ7X7K" || !strings.HasSuffix(res.Attributes["DNSName"].(string), ".elb.localhost") {
		t.Fatalf("attributes %v", res.Attributes)
	}
	if _, err := p.PhysicalID(&provider.Request{Properties: map[string]any{"Name": "bad_name"}}); err == nil {
		t.Fatal("bad name accepted")
	}
}

func TestTargetGroupProvider(t *testing.T) {
	f := newFixture(t)
	p := providerOf(t, f.e, "AWS::ElasticLoadBalancingV2::TargetGroup")
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"Protocol": "HTTP", "Port": json.Number("80"), "VpcId": "vpc-1", "TargetType": "ip"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	providertest.Run(t, p, providertest.Case{
		Create: base(map[string]any{
			"HealthCheckPath": "/health", "Matcher": map[string]any{"HttpCode": "200-299"}, "HealthyThresholdCount": "3",
			"Targets":               []any{map[string]any{"Id": "127.0.0.1", "Port": json.Number("8081")}},
			"TargetGroupAttributes": []any{kv("deregistration_delay.timeout_seconds", "0")},
			"Tags":                  []any{kv("team", "web")},
		}),
		Update: base(map[string]any{
			"HealthCheckPath": "/ready", "HealthCheckIntervalSeconds": json.Number("10"), "Matcher": map[string]any{"HttpCode": "200"},
			"Targets": []any{map[string]any{"Id": "127.0.0.2", "Port": json.Number("8082")}, map[string]any{"Id": "127.0.0.3"}},
			"TargetGroupAttributes": []any{kv("deregistration_delay.timeout_seconds", "0"), kv("stickiness.enabled", "true"),
				kv("load_balancing.algorithm.type", "least_outstanding_requests")},
			"Tags": []any{kv("team", "api")},
		}),
		Replace: base(map[string]any{"Name": "explicit-tg", "Port": 8080}),
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			hs, err := f.e.TargetHealth(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(props["Targets"].([]any)); len(hs) != n {
				t.Fatalf("targets %+v, want %d", hs, n)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := f.e.TargetHealth(ctx, id); !ErrTargetGroupNotFound.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
}

// lbAndGroups makes a load balancer and two target groups for the
// listener and rule providers.
func (f *fixture) lbAndGroups(name string) (lb *LoadBalancer, tg1, tg2 *TargetGroup) {
	return f.lb(name), f.tg(name + "-1"), f.tg(name + "-2")
}

func TestListenerProvider(t *testing.T) {
	f := newFixture(t)
	lb, tg1, tg2 := f.lbAndGroups("lp")
	lb2 := f.lb("lp-other")
	p := providerOf(t, f.e, "AWS::ElasticLoadBalancingV2::Listener")
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"LoadBalancerArn": lb.ARN, "Port": 80, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "forward", "TargetGroupArn": tg1.ARN}}},
		Update: map[string]any{"LoadBalancerArn": lb.ARN, "Port": json.Number("8080"), "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "forward", "ForwardConfig": map[string]any{
				"TargetGroups":                []any{map[string]any{"TargetGroupArn": tg1.ARN, "Weight": "80"}, map[string]any{"TargetGroupArn": tg2.ARN, "Weight": json.Number("20")}},
				"TargetGroupStickinessConfig": map[string]any{"Enabled": true, "DurationSeconds": "300"}}}}},
		Replace: map[string]any{"LoadBalancerArn": lb2.ARN, "Port": 80, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "nothing here"}}}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			if _, ok := f.e.ListenerAddr(id); !ok {
				t.Fatal("listener not served")
			}
			ls, err := f.e.DescribeListeners(ctx, "", []string{id})
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := provider.Scalar(props["Port"]); itoa(ls[0].Port) != want {
				t.Fatalf("port %d, want %s", ls[0].Port, want)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, ok := f.e.ListenerAddr(id); ok {
				t.Fatal("deleted listener still served")
			}
		},
	})
}

func TestListenerRuleProvider(t *testing.T) {
	f := newFixture(t)
	lb, tg1, _ := f.lbAndGroups("rp")
	l1, _ := f.listener(lb.ARN, 80, fixed("404", "none"))
	l2, _ := f.listener(lb.ARN, 81, fixed("404", "none"))
	p := providerOf(t, f.e, "AWS::ElasticLoadBalancingV2::ListenerRule")
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"ListenerArn": l1.ARN, "Priority": 10,
			"Conditions": []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/api/*"}}}},
			"Actions":    []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{"StatusCode": "200", "MessageBody": "ok"}}}},
		Update: map[string]any{"ListenerArn": l1.ARN, "Priority": "20",
			"Conditions": []any{
				map[string]any{"Field": "host-header", "Values": []any{"api.example.com"}},
				map[string]any{"Field": "http-request-method", "HttpRequestMethodConfig": map[string]any{"Values": []any{"GET", "HEAD"}}},
				map[string]any{"Field": "source-ip", "SourceIpConfig": map[string]any{"Values": []any{"127.0.0.0/8"}}},
			},
			"Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": tg1.ARN}}},
		Replace: map[string]any{"ListenerArn": l2.ARN, "Priority": 10,
			"Conditions": []any{map[string]any{"Field": "query-string", "QueryStringConfig": map[string]any{"Values": []any{map[string]any{"Key": "v", "Value": "2"}}}}},
			"Actions":    []any{map[string]any{"Type": "redirect", "RedirectConfig": map[string]any{"Protocol": "HTTPS", "Port": 443, "StatusCode": "HTTP_301"}}}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			rs, err := f.e.DescribeRules(ctx, "", []string{id})
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := provider.Scalar(props["Priority"]); rs[0].Priority != want {
				t.Fatalf("priority %s, want %s", rs[0].Priority, want)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := f.e.DescribeRules(ctx, "", []string{id}); !ErrRuleNotFound.Is(err) {
				t.Fatalf("still there: %v", err)
			}
		},
	})
}
