package elbv2

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/skifftest"
)

// awsCLI runs the AWS CLI against srv and decodes its JSON output.
func awsCLI(t *testing.T, srv *skifftest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	return srv.AWSCLI(t, args...)
}

func mustCLI(t *testing.T, srv *skifftest.Server, args ...string) map[string]any {
	t.Helper()
	m, stderr, err := awsCLI(t, srv, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	return m
}

// first returns m[list][0][key].
func first(m map[string]any, list, key string) string {
	l, _ := m[list].([]any)
	if len(l) == 0 {
		return ""
	}
	v, _ := l[0].(map[string]any)[key].(string)
	return v
}

func TestCLI(t *testing.T) {
	f, srv, _ := startSDK(t)
	lb := mustCLI(t, srv, "elbv2", "create-load-balancer", "--name", "cli-alb", "--subnets", "subnet-1", "subnet-2", "--tags", "Key=app,Value=demo")
	lbArn := first(lb, "LoadBalancers", "LoadBalancerArn")
	if !strings.Contains(lbArn, ":loadbalancer/app/cli-alb/") || !strings.HasSuffix(first(lb, "LoadBalancers", "DNSName"), ".us-east-1.elb.localhost") {
		t.Fatalf("create-load-balancer: %v", lb)
	}
	tg := mustCLI(t, srv, "elbv2", "create-target-group", "--name", "cli-tg", "--protocol", "HTTP", "--port", "80", "--vpc-id", "vpc-1",
		"--target-type", "ip", "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2", "--healthy-threshold-count", "2",
		"--matcher", "HttpCode=200-299")
	tgArn := first(tg, "TargetGroups", "TargetGroupArn")
	l := mustCLI(t, srv, "elbv2", "create-listener", "--load-balancer-arn", lbArn, "--protocol", "HTTP", "--port", "80",
		"--default-actions", "Type=forward,TargetGroupArn="+tgArn)
	lArn := first(l, "Listeners", "ListenerArn")
	mustCLI(t, srv, "elbv2", "create-rule", "--listener-arn", lArn, "--priority", "5",
		"--conditions", `[{"Field":"path-pattern","PathPatternConfig":{"Values":["/hello"]}}]`,
		"--actions", `[{"Type":"fixed-response","FixedResponseConfig":{"StatusCode":"200","ContentType":"text/plain","MessageBody":"hi from the rule"}}]`)

	a, b := newBackend(t, "target-a", nil), newBackend(t, "target-b", nil)
	mustCLI(t, srv, "elbv2", "register-targets", "--target-group-arn", tgArn, "--targets",
		fmt.Sprintf("Id=%s,Port=%d", a.target().ID, a.target().Port), fmt.Sprintf("Id=%s,Port=%d", b.target().ID, b.target().Port))
	f.waitHealthy(tgArn)
	health := mustCLI(t, srv, "elbv2", "describe-target-health", "--target-group-arn", tgArn)
	for _, d := range health["TargetHealthDescriptions"].([]any) {
		if st := d.(map[string]any)["TargetHealth"].(map[string]any)["State"]; st != "healthy" {
			t.Fatalf("describe-target-health: %v", health)
		}
	}
	// The real address is in the load balancer's state.
	desc := mustCLI(t, srv, "elbv2", "describe-load-balancers", "--names", "cli-alb")
	reason, _ := desc["LoadBalancers"].([]any)[0].(map[string]any)["State"].(map[string]any)["Reason"].(string)
	addr, _ := f.e.ListenerAddr(lArn)
	if !strings.Contains(reason, "http://"+addr) {
		t.Fatalf("state reason %q does not name %s", reason, addr)
	}
	curl := func(path string) string {
		if p, err := exec.LookPath("curl"); err == nil {
			out, err := exec.Command(p, "-s", "http://"+addr+path).Output()
			if err != nil {
				t.Fatalf("curl %s: %v", path, err)
			}
			return string(out)
		}
		_, body := get(t, "http://"+addr+path)
		return body
	}
	seen := map[string]bool{}
	for range 4 {
		seen[curl("/")] = true
	}
	if !seen["target-a"] || !seen["target-b"] || len(seen) != 2 {
		t.Fatalf("through the listener: %v", seen)
	}
	if got := curl("/hello"); got != "hi from the rule" {
		t.Fatalf("rule: %q", got)
	}

	_, stderr, err := awsCLI(t, srv, "elbv2", "create-target-group", "--name", "novpc", "--protocol", "HTTP", "--port", "80")
	if err == nil || !strings.Contains(stderr, "ValidationError") || !strings.Contains(stderr, "A VPC ID must be specified") {
		t.Fatalf("missing vpc: %v %s", err, stderr)
	}
	_, stderr, err = awsCLI(t, srv, "elbv2", "delete-target-group", "--target-group-arn", tgArn)
	if err == nil || !strings.Contains(stderr, "ResourceInUse") {
		t.Fatalf("delete in use: %v %s", err, stderr)
	}
	mustCLI(t, srv, "elbv2", "delete-listener", "--listener-arn", lArn)
	mustCLI(t, srv, "elbv2", "delete-target-group", "--target-group-arn", tgArn)
	mustCLI(t, srv, "elbv2", "delete-load-balancer", "--load-balancer-arn", lbArn)
	if out := mustCLI(t, srv, "elbv2", "describe-load-balancers"); len(out["LoadBalancers"].([]any)) != 0 {
		t.Fatalf("after delete: %v", out)
	}
}
