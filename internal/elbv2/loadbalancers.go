package elbv2

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// CreateLoadBalancerInput creates an Application Load Balancer. Subnets,
// subnet mappings and security groups are recorded as given (skiff has no
// VPC): the load balancer is reachable on BindHost.
type CreateLoadBalancerInput struct {
	Name           string
	Scheme         string // internet-facing (default) or internal
	Type           string // application (default)
	IPAddressType  string // ipv4 (default), dualstack, dualstack-without-public-ipv4
	Subnets        []string
	SubnetMappings []SubnetMapping
	SecurityGroups []string
	Tags           map[string]string
	// Attributes are applied at creation (CloudFormation's
	// LoadBalancerAttributes).
	Attributes []Attribute
	// id fixes the resource id (CloudFormation providers promise their
	// physical id before creating); "" draws a random one.
	id string
}

// CreateLoadBalancer creates a load balancer. As in AWS it is idempotent:
// creating one that exists with the same settings returns it.
func (e *Engine) CreateLoadBalancer(ctx context.Context, in CreateLoadBalancerInput) (*LoadBalancer, error) {
	if err := checkName(in.Name, "LoadBalancer", 32); err != nil {
		return nil, err
	}
	if in.Type == "" {
		in.Type = "application"
	}
	switch in.Type {
	case "application":
	case "network", "gateway":
		return nil, ErrInvalidConfigurationRequest.New("Load balancer type '%s' is not supported by skiff (only 'application')", in.Type)
	default:
		return nil, enumError(in.Type, "type", "application", "network", "gateway")
	}
	if in.Scheme == "" {
		in.Scheme = "internet-facing"
	}
	if in.Scheme != "internet-facing" && in.Scheme != "internal" {
		return nil, enumError(in.Scheme, "scheme", "internet-facing", "internal")
	}
	if in.IPAddressType == "" {
		in.IPAddressType = "ipv4"
	}
	if !contains([]string{"ipv4", "dualstack", "dualstack-without-public-ipv4"}, in.IPAddressType) {
		return nil, enumError(in.IPAddressType, "ipAddressType", "ipv4", "dualstack", "dualstack-without-public-ipv4")
	}
	if len(in.Subnets) > 0 && len(in.SubnetMappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	if len(in.SecurityGroups) > 5 {
		return nil, validation("1 validation error detected: Value at 'securityGroups' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	if len(in.Tags) > maxTagsPerResource {
		return nil, ErrTooManyTags.New("The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	attrs, err := applyAttributes(nil, in.Attributes, lbAttributes, "Load balancer")
	if err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, lb := range inScope(ctx, e.lbs, lbCreated) {
		n++
		if lb.rec.Name != in.Name {
			continue
		}
		r := lb.rec
		if r.Scheme == in.Scheme && r.Type == in.Type && slices.Equal(r.Subnets, in.Subnets) && slices.Equal(r.SecurityGroups, in.SecurityGroups) {
			return cloneLB(r), nil
		}
		return nil, ErrDuplicateLoadBalancerName.New("A load balancer with the same name '%s' exists, but with different settings", in.Name)
	}
	if n >= maxLoadBalancers {
		return nil, ErrTooManyLoadBalancers.New("The quota for the number of load balancers has been reached")
	}
	id := in.id
	if id == "" {
		id = newHexID()
	}
	rec := &LoadBalancer{
		ARN: lbARN(sc, in.Name, id), Name: in.Name, ID: id, DNSID: newDNSID(), Scheme: in.Scheme, Type: in.Type,
		IPAddressType: in.IPAddressType, Subnets: in.Subnets, SubnetMappings: in.SubnetMappings,
		SecurityGroups: in.SecurityGroups, Created: e.now(), Attributes: attrs, Tags: in.Tags,
	}
	if err := e.put(ctx, bucketLBs, rec.ARN, rec); err != nil {
		return nil, err
	}
	e.lbs[rec.ARN] = &lbState{rec: rec, rt: newLBRuntime(rec), ls: map[string]*lnState{}}
	return cloneLB(rec), nil
}

func lbCreated(s *lbState) time.Time { return s.rec.Created }

func cloneLB(r *LoadBalancer) *LoadBalancer {
	c := *r
	c.Attributes = cloneMap(r.Attributes)
	c.Tags = cloneMap(r.Tags)
	return &c
}

// DescribeLoadBalancers lists load balancers, all of them or those named
// by ARN or name (not both).
func (e *Engine) DescribeLoadBalancers(ctx context.Context, arns, names []string) ([]*LoadBalancer, error) {
	if len(arns) > 0 && len(names) > 0 {
		return nil, validation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	all := inScope(ctx, e.lbs, lbCreated)
	var out []*LoadBalancer
	switch {
	case len(arns) > 0:
		var missing []string
		for _, arn := range arns {
			lb, err := e.lbLocked(ctx, arn)
			if err != nil {
				if !ErrLoadBalancerNotFound.Is(err) {
					return nil, err
				}
				missing = append(missing, arn)
				continue
			}
			out = append(out, cloneLB(lb.rec))
		}
		if len(missing) > 0 {
			return nil, lbNotFound(missing...)
		}
	case len(names) > 0:
		var missing []string
		for _, name := range names {
			found := false
			for _, lb := range all {
				if lb.rec.Name == name {
					out, found = append(out, cloneLB(lb.rec)), true
				}
			}
			if !found {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, lbNotFound(missing...)
		}
	default:
		for _, lb := range all {
			out = append(out, cloneLB(lb.rec))
		}
	}
	return out, nil
}

// LoadBalancerNote is skiff's note on where a load balancer's listeners
// are really served ("" before Start or without listeners); Describe
// reports it as State.Reason.
func (e *Engine) LoadBalancerNote(arn string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	lb := e.lbs[arn]
	if lb == nil {
		return ""
	}
	var parts []string
	for _, ls := range inScope(context.Background(), lb.ls, lnCreated) {
		if ls.srv != nil {
			parts = append(parts, fmt.Sprintf("port %d at %s://%s", ls.rec.Port, strings.ToLower(ls.rec.Protocol), ls.srv.addr))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "skiff: listener " + strings.Join(parts, ", ")
}

// DeleteLoadBalancer deletes a load balancer with its listeners and rules.
// Deleting one that does not exist succeeds, as in AWS.
func (e *Engine) DeleteLoadBalancer(ctx context.Context, arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, err := e.lbLocked(ctx, arn)
	if ErrLoadBalancerNotFound.Is(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if lb.rec.Attributes["deletion_protection.enabled"] == "true" {
		return ErrOperationNotPermitted.New("Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		for _, ls := range lb.ls {
			for _, rs := range ls.rules {
				if err := tx.Delete(bucketRules, rs.rec.ARN); err != nil {
					return err
				}
			}
			if err := tx.Delete(bucketListeners, ls.rec.ARN); err != nil {
				return err
			}
		}
		return tx.Delete(bucketLBs, arn)
	})
	if err != nil {
		return err
	}
	for _, ls := range lb.ls {
		e.dropListenerLocked(ls)
	}
	delete(e.lbs, arn)
	lb.rt.closeIdle()
	e.refreshAssociationsLocked()
	return nil
}

// dropListenerLocked forgets a deleted listener and stops serving it.
func (e *Engine) dropListenerLocked(ls *lnState) {
	for arn := range ls.rules {
		delete(e.rules, arn)
	}
	if ls.srv != nil {
		ls.srv.close()
		ls.srv = nil
	}
	delete(e.listeners, ls.rec.ARN)
	delete(ls.lb.ls, ls.rec.ARN)
}

// LoadBalancerAttributes returns a load balancer's attributes.
func (e *Engine) LoadBalancerAttributes(ctx context.Context, arn string) ([]Attribute, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, err := e.lbLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	return attributeList(lb.rec.Attributes, lbAttributes), nil
}

// ModifyLoadBalancerAttributes changes attributes and returns all of
// them. idle_timeout.timeout_seconds, the X-Forwarded-For and Host header
// modes apply to new requests at once; routing.http2.enabled applies when
// a listener is next bound.
func (e *Engine) ModifyLoadBalancerAttributes(ctx context.Context, arn string, attrs []Attribute) ([]Attribute, error) {
	if len(attrs) == 0 {
		return nil, validation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, err := e.lbLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	merged, err := applyAttributes(lb.rec.Attributes, attrs, lbAttributes, "Load balancer")
	if err != nil {
		return nil, err
	}
	rec := cloneLB(lb.rec)
	rec.Attributes = merged
	if err := e.put(ctx, bucketLBs, arn, rec); err != nil {
		return nil, err
	}
	lb.rec = rec
	lb.rt.apply(rec)
	return attributeList(merged, lbAttributes), nil
}

// SetSecurityGroups records a load balancer's security groups.
func (e *Engine) SetSecurityGroups(ctx context.Context, arn string, groups []string) ([]string, error) {
	if len(groups) > 5 {
		return nil, validation("1 validation error detected: Value at 'securityGroups' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	return groups, e.modifyLB(ctx, arn, func(r *LoadBalancer) { r.SecurityGroups = groups })
}

// SetSubnets records a load balancer's subnets.
func (e *Engine) SetSubnets(ctx context.Context, arn string, subnets []string, mappings []SubnetMapping) (*LoadBalancer, error) {
	if len(subnets) > 0 && len(mappings) > 0 {
		return nil, validation("You can specify subnets or subnet mappings, not both")
	}
	var out *LoadBalancer
	err := e.modifyLB(ctx, arn, func(r *LoadBalancer) {
		r.Subnets, r.SubnetMappings = subnets, mappings
		out = r
	})
	if err != nil {
		return nil, err
	}
	return cloneLB(out), nil
}

// SetIPAddressType records a load balancer's IP address type.
func (e *Engine) SetIPAddressType(ctx context.Context, arn, t string) (string, error) {
	if !contains([]string{"ipv4", "dualstack", "dualstack-without-public-ipv4"}, t) {
		return "", enumError(t, "ipAddressType", "ipv4", "dualstack", "dualstack-without-public-ipv4")
	}
	return t, e.modifyLB(ctx, arn, func(r *LoadBalancer) { r.IPAddressType = t })
}

func (e *Engine) modifyLB(ctx context.Context, arn string, fn func(r *LoadBalancer)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, err := e.lbLocked(ctx, arn)
	if err != nil {
		return err
	}
	rec := cloneLB(lb.rec)
	fn(rec)
	if err := e.put(ctx, bucketLBs, arn, rec); err != nil {
		return err
	}
	lb.rec = rec
	return nil
}
