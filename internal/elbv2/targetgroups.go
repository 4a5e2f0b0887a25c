package elbv2

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// CreateTargetGroupInput creates a target group. Nil pointers take AWS's
// defaults for an HTTP target group.
type CreateTargetGroupInput struct {
	Name            string
	Protocol        string // HTTP or HTTPS
	ProtocolVersion string // HTTP1 (default)
	Port            int
	VpcID           string
	TargetType      string // instance (default) or ip
	IPAddressType   string // ipv4 (default) or ipv6
	HealthCheck     HealthCheckInput
	Tags            map[string]string
	// Attributes and Targets are applied at creation (CloudFormation's
	// TargetGroupAttributes and Targets).
	Attributes []Attribute
	Targets    []Target
	// id fixes the resource id (CloudFormation providers promise their
	// physical id before creating); "" draws a random one.
	id string
}

// HealthCheckInput sets health check fields; nil leaves a field at its
// default (create) or unchanged (modify).
type HealthCheckInput struct {
	Enabled   *bool
	Protocol  string
	Port      string
	Path      string
	Interval  *int
	Timeout   *int
	Healthy   *int
	Unhealthy *int
	HTTPCode  string
}

func defaultHealthCheck(protocol string) HealthCheck {
	return HealthCheck{Enabled: true, Protocol: protocol, Port: "traffic-port", Path: "/", Interval: 30, Timeout: 5, Healthy: 5, Unhealthy: 2, HTTPCode: "200"}
}

// mergeHealthCheck applies in to hc and validates the result.
func mergeHealthCheck(hc HealthCheck, in HealthCheckInput, targetType string) (HealthCheck, error) {
	if in.Enabled != nil {
		if !*in.Enabled {
			return hc, invalidConfig("Health check enabled must be true for target groups with target type '%s'", targetType)
		}
		hc.Enabled = true
	}
	if in.Protocol != "" {
		switch in.Protocol {
		case "HTTP", "HTTPS":
		case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE":
			return hc, invalidConfig("Health check protocol '%s' is not supported for target groups with the HTTP protocol", in.Protocol)
		default:
			return hc, enumError(in.Protocol, "healthCheckProtocol", "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE")
		}
		hc.Protocol = in.Protocol
	}
	if in.Port != "" {
		if in.Port != "traffic-port" {
			if n, err := strconv.Atoi(in.Port); err != nil || n < 1 || n > 65535 {
				return hc, validation("Health check port '%s' must be 'traffic-port' or a number between 1 and 65535", in.Port)
			}
		}
		hc.Port = in.Port
	}
	if in.Path != "" {
		if !strings.HasPrefix(in.Path, "/") {
			return hc, validation("Health check path must begin with a '/' character")
		}
		if len(in.Path) > 1024 {
			return hc, lengthError(in.Path, "healthCheckPath", 1, 1024)
		}
		hc.Path = in.Path
	}
	setInt := func(dst *int, v *int, path string, lo, hi int) error {
		if v == nil {
			return nil
		}
		if *v < lo || *v > hi {
			return rangeError(*v, path, lo, hi)
		}
		*dst = *v
		return nil
	}
	for _, f := range []error{
		setInt(&hc.Interval, in.Interval, "healthCheckIntervalSeconds", 5, 300),
		setInt(&hc.Timeout, in.Timeout, "healthCheckTimeoutSeconds", 2, 120),
		setInt(&hc.Healthy, in.Healthy, "healthyThresholdCount", 2, 10),
		setInt(&hc.Unhealthy, in.Unhealthy, "unhealthyThresholdCount", 2, 10),
	} {
		if f != nil {
			return hc, f
		}
	}
	if hc.Timeout >= hc.Interval {
		return hc, validation("Health check timeout '%d' must be smaller than the interval '%d'", hc.Timeout, hc.Interval)
	}
	if in.HTTPCode != "" {
		if _, ok := parseMatcher(in.HTTPCode); !ok {
			return hc, validation("Health check matcher HTTP code '%s' must be a value between 200 and 499, a comma-separated list (200,202) or a range (200-299)", in.HTTPCode)
		}
		hc.HTTPCode = in.HTTPCode
	}
	return hc, nil
}

// CreateTargetGroup creates a target group. As in AWS it is idempotent:
// one that exists with the same settings is returned.
func (e *Engine) CreateTargetGroup(ctx context.Context, in CreateTargetGroupInput) (*TargetGroup, error) {
	if err := checkName(in.Name, "TargetGroup", 32); err != nil {
		return nil, err
	}
	if in.TargetType == "" {
		in.TargetType = "instance"
	}
	switch in.TargetType {
	case "instance", "ip":
	case "lambda", "alb":
		return nil, invalidConfig("Target type '%s' is not supported by skiff's load balancer (only 'instance' and 'ip')", in.TargetType)
	default:
		return nil, enumError(in.TargetType, "targetType", "instance", "ip", "lambda", "alb")
	}
	switch in.Protocol {
	case "HTTP", "HTTPS":
	case "":
		return nil, validation("A protocol must be specified")
	case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC":
		return nil, invalidConfig("Target group protocol '%s' is not supported by skiff's load balancer (only HTTP and HTTPS, for Application Load Balancers)", in.Protocol)
	default:
		return nil, enumError(in.Protocol, "protocol", "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC")
	}
	if in.Port == 0 {
		return nil, validation("A port must be specified")
	}
	if in.Port < 1 || in.Port > 65535 {
		return nil, rangeError(in.Port, "port", 1, 65535)
	}
	if in.VpcID == "" {
		return nil, validation("A VPC ID must be specified")
	}
	if in.ProtocolVersion == "" {
		in.ProtocolVersion = "HTTP1"
	}
	if in.ProtocolVersion != "HTTP1" {
		return nil, invalidConfig("Protocol version '%s' is not supported by skiff's load balancer (only HTTP1)", in.ProtocolVersion)
	}
	if in.IPAddressType == "" {
		in.IPAddressType = "ipv4"
	}
	if in.IPAddressType != "ipv4" && in.IPAddressType != "ipv6" {
		return nil, enumError(in.IPAddressType, "ipAddressType", "ipv4", "ipv6")
	}
	hc, err := mergeHealthCheck(defaultHealthCheck(in.Protocol), in.HealthCheck, in.TargetType)
	if err != nil {
		return nil, err
	}
	attrs, err := applyAttributes(nil, in.Attributes, tgAttributes, "Target group")
	if err != nil {
		return nil, err
	}
	if err := checkTGAttributes(attrs); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTagsPerResource {
		return nil, ErrTooManyTags.New("The quota for the number of tags that can be assigned to a target group has been reached")
	}
	sc := awsctx.From(ctx)
	e.mu.Lock()
	n := 0
	for _, tg := range inScope(ctx, e.tgs, tgCreated) {
		n++
		if tg.rec.Name != in.Name {
			continue
		}
		r := tg.rec
		e.mu.Unlock()
		if r.Protocol == in.Protocol && r.Port == in.Port && r.VpcID == in.VpcID && r.TargetType == in.TargetType && r.HealthCheck == hc {
			return cloneTG(r), nil
		}
		return nil, ErrDuplicateTargetGroupName.New("A target group with the same name '%s' exists, but with different settings", in.Name)
	}
	if n >= maxTargetGroups {
		e.mu.Unlock()
		return nil, ErrTooManyTargetGroups.New("The quota for the number of target groups has been reached")
	}
	id := in.id
	if id == "" {
		id = newHexID()
	}
	rec := &TargetGroup{
		ARN: tgARN(sc, in.Name, id), Name: in.Name, ID: id, Protocol: in.Protocol, ProtocolVersion: in.ProtocolVersion,
		Port: in.Port, VpcID: in.VpcID, TargetType: in.TargetType, IPAddressType: in.IPAddressType,
		HealthCheck: hc, Attributes: attrs, Tags: in.Tags, Created: e.now(),
	}
	if err := e.put(ctx, bucketTGs, rec.ARN, rec); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	tg := &tgState{rec: rec, rt: newTGRuntime(e, rec)}
	e.tgs[rec.ARN] = tg
	if e.running {
		tg.rt.start(e.ctx, &e.wg)
	}
	e.mu.Unlock()
	if len(in.Targets) > 0 {
		if err := e.RegisterTargets(ctx, rec.ARN, in.Targets); err != nil {
			e.DeleteTargetGroup(ctx, rec.ARN)
			return nil, err
		}
	}
	return e.targetGroup(ctx, rec.ARN)
}

func (e *Engine) targetGroup(ctx context.Context, arn string) (*TargetGroup, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	return cloneTG(tg.rec), nil
}

func tgCreated(s *tgState) time.Time { return s.rec.Created }

func cloneTG(r *TargetGroup) *TargetGroup {
	c := *r
	c.Attributes = cloneMap(r.Attributes)
	c.Tags = cloneMap(r.Tags)
	c.Targets = append([]Registration(nil), r.Targets...)
	return &c
}

// checkTGAttributes checks combinations AWS rejects.
func checkTGAttributes(a map[string]string) error {
	if a["slow_start.duration_seconds"] != "0" && a["load_balancing.algorithm.type"] == "least_outstanding_requests" {
		return invalidConfig("Slow start mode cannot be enabled with the least outstanding requests load balancing algorithm")
	}
	if a["slow_start.duration_seconds"] != "0" && a["load_balancing.algorithm.type"] == "weighted_random" {
		return invalidConfig("Slow start mode cannot be enabled with the weighted random load balancing algorithm")
	}
	if a["stickiness.enabled"] == "true" && a["stickiness.type"] == "app_cookie" {
		return invalidConfig("Stickiness type 'app_cookie' is not supported by skiff's load balancer (use 'lb_cookie')")
	}
	return nil
}

// TargetGroupView is a target group with the load balancers forwarding
// to it (DescribeTargetGroups' LoadBalancerArns).
type TargetGroupView struct {
	*TargetGroup
	LoadBalancerARNs []string
}

// DescribeTargetGroups lists target groups: all, those of a load
// balancer, or those named by ARN or name.
func (e *Engine) DescribeTargetGroups(ctx context.Context, lbARN string, arns, names []string) ([]TargetGroupView, error) {
	set := 0
	for _, b := range []bool{lbARN != "", len(arns) > 0, len(names) > 0} {
		if b {
			set++
		}
	}
	if set > 1 {
		return nil, validation("Target group names, target group ARNs, and a load balancer ARN cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	assoc := e.associationsLocked()
	view := func(tg *tgState) TargetGroupView {
		lbs := []string{}
		if a := assoc[tg.rec.ARN]; a != "" {
			lbs = []string{a}
		}
		return TargetGroupView{TargetGroup: cloneTG(tg.rec), LoadBalancerARNs: lbs}
	}
	all := inScope(ctx, e.tgs, tgCreated)
	var out []TargetGroupView
	switch {
	case lbARN != "":
		if _, err := e.lbLocked(ctx, lbARN); err != nil {
			return nil, err
		}
		for _, tg := range all {
			if assoc[tg.rec.ARN] == lbARN {
				out = append(out, view(tg))
			}
		}
	case len(arns) > 0:
		var missing []string
		for _, arn := range arns {
			tg, err := e.tgLocked(ctx, arn)
			if err != nil {
				if !ErrTargetGroupNotFound.Is(err) {
					return nil, err
				}
				missing = append(missing, arn)
				continue
			}
			out = append(out, view(tg))
		}
		if len(missing) > 0 {
			return nil, tgNotFound(missing...)
		}
	case len(names) > 0:
		var missing []string
		for _, name := range names {
			found := false
			for _, tg := range all {
				if tg.rec.Name == name {
					out, found = append(out, view(tg)), true
				}
			}
			if !found {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, tgNotFound(missing...)
		}
	default:
		for _, tg := range all {
			out = append(out, view(tg))
		}
	}
	return out, nil
}

// ModifyTargetGroup changes a target group's health check.
func (e *Engine) ModifyTargetGroup(ctx context.Context, arn string, in HealthCheckInput) (*TargetGroupView, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	hc, err := mergeHealthCheck(tg.rec.HealthCheck, in, tg.rec.TargetType)
	if err != nil {
		return nil, err
	}
	rec := cloneTG(tg.rec)
	rec.HealthCheck = hc
	if err := e.put(ctx, bucketTGs, arn, rec); err != nil {
		return nil, err
	}
	tg.rec = rec
	tg.rt.setConfig(e.tgConfig(rec))
	return &TargetGroupView{TargetGroup: cloneTG(rec), LoadBalancerARNs: e.loadBalancersOfLocked(arn)}, nil
}

// DeleteTargetGroup deletes a target group that no listener or rule uses.
// Deleting one that does not exist succeeds.
func (e *Engine) DeleteTargetGroup(ctx context.Context, arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, arn)
	if ErrTargetGroupNotFound.Is(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.associationsLocked()[arn] != "" {
		return ErrResourceInUse.New("Target group '%s' is currently in use by a listener or a rule", arn)
	}
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(bucketTGs, arn) }); err != nil {
		return err
	}
	tg.rt.shutdown()
	delete(e.tgs, arn)
	return nil
}

// TargetGroupAttributes returns a target group's attributes.
func (e *Engine) TargetGroupAttributes(ctx context.Context, arn string) ([]Attribute, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	return attributeList(tg.rec.Attributes, tgAttributes), nil
}

// ModifyTargetGroupAttributes changes attributes and returns all of them.
// The algorithm, stickiness and slow start apply to new requests at once;
// a new deregistration delay applies to later deregistrations.
func (e *Engine) ModifyTargetGroupAttributes(ctx context.Context, arn string, attrs []Attribute) ([]Attribute, error) {
	if len(attrs) == 0 {
		return nil, validation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	merged, err := applyAttributes(tg.rec.Attributes, attrs, tgAttributes, "Target group")
	if err != nil {
		return nil, err
	}
	if err := checkTGAttributes(merged); err != nil {
		return nil, err
	}
	rec := cloneTG(tg.rec)
	rec.Attributes = merged
	if err := e.put(ctx, bucketTGs, arn, rec); err != nil {
		return nil, err
	}
	tg.rec = rec
	tg.rt.setConfig(e.tgConfig(rec))
	return attributeList(merged, tgAttributes), nil
}

// TargetGroupARN resolves a target group name in ctx's account and region
// to its ARN; an ARN is checked and returned as is (CodeDeploy names
// target groups either way).
func (e *Engine) TargetGroupARN(ctx context.Context, nameOrARN string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if arnKind(nameOrARN) == "targetgroup" {
		if _, err := e.tgLocked(ctx, nameOrARN); err != nil {
			return "", err
		}
		return nameOrARN, nil
	}
	for _, tg := range inScope(ctx, e.tgs, tgCreated) {
		if tg.rec.Name == nameOrARN {
			return tg.rec.ARN, nil
		}
	}
	return "", tgNotFound(nameOrARN)
}
