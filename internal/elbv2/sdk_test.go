package elbv2

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
)

func startSDK(t *testing.T) (*fixture, *skifftest.Server, *elb.Client) {
	t.Helper()
	f := newFixtureWith(t, store.NewMemory(), Options{})
	srv := skifftest.Start(t, f.e.Service())
	return f, srv, elb.NewFromConfig(srv.Config())
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDK(t *testing.T) {
	f, _, c := startSDK(t)
	ctx := context.Background()

	// Load balancer.
	out, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("sdk-alb"), Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-1"},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lb := out.LoadBalancers[0]
	lbArn := *lb.LoadBalancerArn
	if !strings.HasPrefix(lbArn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/sdk-alb/") ||
		!strings.HasPrefix(*lb.DNSName, "sdk-alb-") || !strings.HasSuffix(*lb.DNSName, ".us-east-1.elb.localhost") ||
		*lb.CanonicalHostedZoneId != "Z35SXDOTRQ7X7K" || lb.State.Code != types.LoadBalancerStateEnumActive ||
		lb.Type != types.LoadBalancerTypeEnumApplication || lb.Scheme != types.LoadBalancerSchemeEnumInternetFacing ||
		len(lb.AvailabilityZones) != 2 || *lb.AvailabilityZones[1].ZoneName != "us-east-1b" || *lb.AvailabilityZones[1].SubnetId != "subnet-b" ||
		lb.SecurityGroups[0] != "sg-1" || lb.IpAddressType != types.IpAddressTypeIpv4 || time.Since(*lb.CreatedTime) > time.Minute {
		t.Fatalf("load balancer %+v", lb)
	}
	// Same settings: idempotent. Different: DuplicateLoadBalancerName.
	again, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("sdk-alb"), Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-1"}})
	if err != nil || *again.LoadBalancers[0].LoadBalancerArn != lbArn {
		t.Fatalf("idempotent create: %v", err)
	}
	_, err = c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("sdk-alb"), Scheme: types.LoadBalancerSchemeEnumInternal})
	var dup *types.DuplicateLoadBalancerNameException
	if !errors.As(err, &dup) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("-bad")}); apiCode(err) != "ValidationError" {
		t.Fatalf("bad name: %v", err)
	}
	_, err = c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"nope"}})
	var lbnf *types.LoadBalancerNotFoundException
	if !errors.As(err, &lbnf) || !strings.Contains(err.Error(), "Load balancers '[nope]' not found") {
		t.Fatalf("not found: %v", err)
	}
	if err := elb.NewLoadBalancerAvailableWaiter(c).Wait(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: &lbArn})
	if err != nil || attrValue(attrs.Attributes, "idle_timeout.timeout_seconds") != "60" || attrValue(attrs.Attributes, "routing.http2.enabled") != "true" {
		t.Fatalf("lb attributes %v %v", attrs, err)
	}
	mod, err := c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: &lbArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("120")}}})
	if err != nil || attrValue(mod.Attributes, "idle_timeout.timeout_seconds") != "120" {
		t.Fatalf("modify lb attributes %v", err)
	}
	_, err = c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: &lbArn,
		Attributes: []types.LoadBalancerAttribute{{Key: aws.String("no.such"), Value: aws.String("1")}}})
	if apiCode(err) != "ValidationError" {
		t.Fatalf("unknown attribute: %v", err)
	}

	// Target group.
	tgOut, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name: aws.String("sdk-tg"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-1"),
		TargetType: types.TargetTypeEnumIp, HealthCheckPath: aws.String("/"), HealthCheckIntervalSeconds: aws.Int32(5),
		HealthCheckTimeoutSeconds: aws.Int32(2), HealthyThresholdCount: aws.Int32(2), Matcher: &types.Matcher{HttpCode: aws.String("200-299")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tg := tgOut.TargetGroups[0]
	tgArn := *tg.TargetGroupArn
	if *tg.TargetGroupName != "sdk-tg" || *tg.HealthCheckPort != "traffic-port" || *tg.UnhealthyThresholdCount != 2 ||
		*tg.Matcher.HttpCode != "200-299" || !*tg.HealthCheckEnabled || tg.HealthCheckProtocol != types.ProtocolEnumHttp ||
		*tg.ProtocolVersion != "HTTP1" || len(tg.LoadBalancerArns) != 0 {
		t.Fatalf("target group %+v", tg)
	}
	_, err = c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("novpc"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80)})
	if apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "A VPC ID must be specified") {
		t.Fatalf("no vpc: %v", err)
	}
	_, err = c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("sdk-tg"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String("vpc-1")})
	var dupTG *types.DuplicateTargetGroupNameException
	if !errors.As(err, &dupTG) {
		t.Fatalf("duplicate tg: %v", err)
	}

	// Listener and rules.
	lOut, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: &lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: &tgArn}}})
	if err != nil {
		t.Fatal(err)
	}
	l := lOut.Listeners[0]
	la := l.DefaultActions[0]
	if *la.TargetGroupArn != tgArn || *la.ForwardConfig.TargetGroups[0].Weight != 1 || *la.ForwardConfig.TargetGroupStickinessConfig.Enabled ||
		!strings.Contains(*l.ListenerArn, ":listener/app/sdk-alb/") {
		t.Fatalf("listener %+v", l)
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: &lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{StatusCode: aws.String("404")}}}})
	var dupL *types.DuplicateListenerException
	if !errors.As(err, &dupL) {
		t.Fatalf("duplicate listener: %v", err)
	}
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: &lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(81),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(strings.Replace(tgArn, "sdk-tg", "nope", 1))}}})
	var tgnf *types.TargetGroupNotFoundException
	if !errors.As(err, &tgnf) {
		t.Fatalf("forward to missing group: %v", err)
	}
	rOut, err := c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{
			{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/teapot*"}}},
			{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Kind"), Values: []string{"tea"}}},
			{Field: aws.String("query-string"), QueryStringConfig: &types.QueryStringConditionConfig{Values: []types.QueryStringKeyValuePair{{Key: aws.String("cup"), Value: aws.String("*")}}}},
		},
		Actions: []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
			StatusCode: aws.String("418"), ContentType: aws.String("text/plain"), MessageBody: aws.String("short and stout")}}}})
	if err != nil {
		t.Fatal(err)
	}
	rule := rOut.Rules[0]
	if *rule.Priority != "10" || *rule.IsDefault || rule.Conditions[0].Values[0] != "/teapot*" || rule.Conditions[0].PathPatternConfig.Values[0] != "/teapot*" ||
		*rule.Conditions[1].HttpHeaderConfig.HttpHeaderName != "X-Kind" || *rule.Conditions[2].QueryStringConfig.Values[0].Key != "cup" {
		t.Fatalf("rule %+v", rule)
	}
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(10),
		Conditions: []types.RuleCondition{{Field: aws.String("host-header"), Values: []string{"a.example.com"}}},
		Actions:    []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: &tgArn}}})
	var inUse *types.PriorityInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("priority in use: %v", err)
	}
	_, err = c.CreateRule(ctx, &elb.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(11),
		Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/a", "/b", "/c"}}},
		Actions:    []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: &tgArn}}})
	if apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "too many values") {
		t.Fatalf("legacy values limit: %v", err)
	}
	rules, err := c.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn})
	if err != nil || len(rules.Rules) != 2 || *rules.Rules[1].Priority != "default" || !*rules.Rules[1].IsDefault || len(rules.Rules[1].Conditions) != 0 {
		t.Fatalf("describe rules %+v %v", rules, err)
	}
	_, err = c.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: rules.Rules[1].RuleArn})
	var notPermitted *types.OperationNotPermittedException
	if !errors.As(err, &notPermitted) {
		t.Fatalf("delete default rule: %v", err)
	}

	// Targets: loopback servers, healthy through the SDK's own waiter.
	a, b := newBackend(t, "a", nil), newBackend(t, "b", nil)
	var targets []types.TargetDescription
	for _, be := range []*backend_{a, b} {
		tt := be.target()
		targets = append(targets, types.TargetDescription{Id: aws.String(tt.ID), Port: aws.Int32(int32(tt.Port))})
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &tgArn, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	if err := elb.NewTargetInServiceWaiter(c, func(o *elb.TargetInServiceWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	}).
		Wait(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tgArn}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	health, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tgArn})
	if err != nil || len(health.TargetHealthDescriptions) != 2 || health.TargetHealthDescriptions[0].TargetHealth.State != types.TargetHealthStateEnumHealthy ||
		*health.TargetHealthDescriptions[0].HealthCheckPort != strconv.Itoa(int(*targets[0].Port)) {
		t.Fatalf("health %+v %v", health, err)
	}
	addr, _ := f.e.ListenerAddr(*l.ListenerArn)
	if _, body := get(t, "http://"+addr+"/"); body != "a" && body != "b" {
		t.Fatalf("through the listener: %q", body)
	}
	resp, body := get(t, "http://"+addr+"/teapot?cup=1", "X-Kind", "TEA")
	if resp.StatusCode != 418 || body != "short and stout" {
		t.Fatalf("rule: %d %q", resp.StatusCode, body)
	}
	desc, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	if err != nil || desc.LoadBalancers[0].State.Reason == nil || !strings.Contains(*desc.LoadBalancers[0].State.Reason, addr) {
		t.Fatalf("state reason should name %s: %+v %v", addr, desc.LoadBalancers[0].State, err)
	}
	tgs, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: &lbArn})
	if err != nil || len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].LoadBalancerArns[0] != lbArn {
		t.Fatalf("target groups of lb %+v %v", tgs, err)
	}

	// Attributes, tags, modify, priorities.
	tga, err := c.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: &tgArn, Attributes: []types.TargetGroupAttribute{
		{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")},
		{Key: aws.String("load_balancing.algorithm.type"), Value: aws.String("least_outstanding_requests")}}})
	if err != nil || attrValueTG(tga.Attributes, "deregistration_delay.timeout_seconds") != "30" || attrValueTG(tga.Attributes, "stickiness.type") != "lb_cookie" {
		t.Fatalf("tg attributes %v %v", tga, err)
	}
	if _, err := c.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{lbArn, tgArn, *l.ListenerArn, *rule.RuleArn},
		Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{lbArn}, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	td, err := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{lbArn, *rule.RuleArn}})
	if err != nil || len(td.TagDescriptions) != 2 || len(td.TagDescriptions[0].Tags) != 1 || *td.TagDescriptions[0].Tags[0].Key != "env" || *td.TagDescriptions[1].ResourceArn != *rule.RuleArn {
		t.Fatalf("tags %+v %v", td, err)
	}
	if _, err := c.ModifyRule(ctx, &elb.ModifyRuleInput{RuleArn: rule.RuleArn, Conditions: []types.RuleCondition{
		{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{"*.example.com"}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetRulePriorities(ctx, &elb.SetRulePrioritiesInput{RulePriorities: []types.RulePriorityPair{{RuleArn: rule.RuleArn, Priority: aws.Int32(3)}}}); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, "http://"+addr+"/", "Host", "api.example.com")
	if resp.StatusCode != 418 {
		t.Fatalf("modified rule: %d %q", resp.StatusCode, body)
	}
	mtg, err := c.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: &tgArn, HealthCheckPath: aws.String("/ping"), Matcher: &types.Matcher{HttpCode: aws.String("200,204")}})
	if err != nil || *mtg.TargetGroups[0].HealthCheckPath != "/ping" || *mtg.TargetGroups[0].Matcher.HttpCode != "200,204" {
		t.Fatalf("modify tg %v", err)
	}
	page, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(1)})
	if err != nil || len(page.TargetGroups) != 1 {
		t.Fatalf("page %v", err)
	}

	// Tear down in AWS's order, with its errors on the way.
	_, err = c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: &tgArn})
	var riu *types.ResourceInUseException
	if !errors.As(err, &riu) {
		t.Fatalf("delete in-use tg: %v", err)
	}
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: &tgArn, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	if err := elb.NewTargetDeregisteredWaiter(c, func(o *elb.TargetDeregisteredWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	}).
		Wait(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &tgArn, Targets: targets[:1]}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{*l.ListenerArn}})
	var lnf *types.ListenerNotFoundException
	if !errors.As(err, &lnf) {
		t.Fatalf("deleted listener: %v", err)
	}
	_, err = c.DescribeRules(ctx, &elb.DescribeRulesInput{RuleArns: []string{*rule.RuleArn}})
	var rnf *types.RuleNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("rule of deleted listener: %v", err)
	}
	if _, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: &tgArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: &lbArn}); err != nil {
		t.Fatal(err)
	}
	if err := elb.NewLoadBalancersDeletedWaiter(c).Wait(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	limits, err := c.DescribeAccountLimits(ctx, &elb.DescribeAccountLimitsInput{})
	if err != nil || len(limits.Limits) == 0 {
		t.Fatalf("limits %v", err)
	}
}

func attrValue(as []types.LoadBalancerAttribute, k string) string {
	for _, a := range as {
		if *a.Key == k {
			return *a.Value
		}
	}
	return "<missing>"
}

func attrValueTG(as []types.TargetGroupAttribute, k string) string {
	for _, a := range as {
		if *a.Key == k {
			return *a.Value
		}
	}
	return "<missing>"
}

func TestSDKWeightedForwardAndRedirect(t *testing.T) {
	f, _, c := startSDK(t)
	ctx := context.Background()
	lb := must[*elb.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("w"), Scheme: types.LoadBalancerSchemeEnumInternal}))
	lbArn := lb.LoadBalancers[0].LoadBalancerArn
	if !strings.HasPrefix(*lb.LoadBalancers[0].DNSName, "internal-w-") {
		t.Fatalf("internal dns name %s", *lb.LoadBalancers[0].DNSName)
	}
	var arns []string
	for _, n := range []string{"one", "two"} {
		o := must[*elb.CreateTargetGroupOutput](t)(c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(n), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-1"), TargetType: types.TargetTypeEnumIp}))
		arns = append(arns, *o.TargetGroups[0].TargetGroupArn)
	}
	l := must[*elb.CreateListenerOutput](t)(c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(8080),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
			TargetGroups:                []types.TargetGroupTuple{{TargetGroupArn: &arns[0], Weight: aws.Int32(90)}, {TargetGroupArn: &arns[1], Weight: aws.Int32(10)}},
			TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(60)}}}}}))
	la := l.Listeners[0].DefaultActions[0]
	if la.TargetGroupArn != nil || *la.ForwardConfig.TargetGroups[1].Weight != 10 || !*la.ForwardConfig.TargetGroupStickinessConfig.Enabled || *la.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds != 60 {
		t.Fatalf("weighted listener %+v", la.ForwardConfig)
	}
	// The engine API sees (and changes) the same weights.
	if err := f.e.SetForwardWeights(f.ctx, *l.Listeners[0].ListenerArn, map[string]int{arns[0]: 0, arns[1]: 100}); err != nil {
		t.Fatal(err)
	}
	d := must[*elb.DescribeListenersOutput](t)(c.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: lbArn}))
	if tgs := d.Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups; *tgs[0].Weight != 0 || *tgs[1].Weight != 100 {
		t.Fatalf("weights after SetForwardWeights: %v %v", *tgs[0].Weight, *tgs[1].Weight)
	}
	_, err := c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{StatusCode: types.RedirectActionStatusCodeEnumHttp301}}}})
	if apiCode(err) != "InvalidLoadBalancerAction" || !strings.Contains(err.Error(), "creates a loop") {
		t.Fatalf("redirect loop: %v", err)
	}
	r := must[*elb.CreateListenerOutput](t)(c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: types.RedirectActionStatusCodeEnumHttp301}}}}))
	rc := r.Listeners[0].DefaultActions[0].RedirectConfig
	if *rc.Host != "#{host}" || *rc.Path != "/#{path}" || *rc.Query != "#{query}" || *rc.Protocol != "HTTPS" {
		t.Fatalf("redirect defaults %+v", rc)
	}
	addr, _ := f.e.ListenerAddr(*r.Listeners[0].ListenerArn)
	resp, _ := get(t, "http://"+addr+"/x?y=1", "Host", "shop.example.com")
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "https://shop.example.com/x?y=1" {
		t.Fatalf("redirect %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A target group serves one load balancer.
	lb2 := must[*elb.CreateLoadBalancerOutput](t)(c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("w2")}))
	_, err = c.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb2.LoadBalancers[0].LoadBalancerArn, Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: &arns[0]}}})
	var limit *types.TargetGroupAssociationLimitException
	if !errors.As(err, &limit) {
		t.Fatalf("association limit: %v", err)
	}
}
