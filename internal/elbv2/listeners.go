package elbv2

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// CreateListenerInput creates a listener. HTTPS listeners record their
// certificates and are served with a self-signed certificate.
type CreateListenerInput struct {
	LoadBalancerARN string
	Protocol        string
	Port            int
	DefaultActions  []Action
	Certificates    []Certificate
	SslPolicy       string
	AlpnPolicy      []string
	Tags            map[string]string
	// id fixes the resource id (CloudFormation providers promise their
	// physical id before creating); "" draws a random one.
	id string
}

func checkListenerProtocol(protocol string, port int, certs []Certificate) error {
	if port == 0 {
		return validation("A listener port must be specified")
	}
	if port < 1 || port > 65535 {
		return rangeError(port, "port", 1, 65535)
	}
	switch protocol {
	case "HTTP":
	case "HTTPS":
		if len(certs) == 0 {
			return ErrValidation.New("A certificate must be specified for HTTPS listeners")
		}
	case "":
		return validation("A listener protocol must be specified")
	case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC":
		return validation("Listener protocol '%s' must be one of 'HTTPS, HTTP'", protocol)
	default:
		return enumError(protocol, "protocol", "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC")
	}
	return nil
}

// checkActionsLocked checks actions against the engine's state: the
// target groups exist, speak HTTP(S), and belong to no other load
// balancer (an ALB target group serves one load balancer).
func (e *Engine) checkActionsLocked(ctx context.Context, lb *lbState, acts []Action) error {
	assoc := e.associationsLocked()
	var missing []string
	for i := range acts {
		for _, arn := range acts[i].targetGroupARNs() {
			tg, err := e.tgLocked(ctx, arn)
			if err != nil {
				if ErrTargetGroupNotFound.Is(err) {
					missing = append(missing, arn)
					continue
				}
				return err
			}
			if a := assoc[arn]; a != "" && a != lb.rec.ARN {
				return ErrTargetGroupAssociationLimit.New("The following target groups cannot be associated with more than one load balancer: %s", arn)
			}
			_ = tg
		}
	}
	if len(missing) > 0 {
		return tgNotFound(missing...)
	}
	unique := map[string]bool{}
	for arn, a := range assoc {
		if a == lb.rec.ARN {
			unique[arn] = true
		}
	}
	for i := range acts {
		for _, arn := range acts[i].targetGroupARNs() {
			unique[arn] = true
		}
	}
	if len(unique) > maxUniqueTGsPerLB {
		return ErrTooManyUniqueTargetGroups.New("You've reached the limit on the number of unique target groups per load balancer across all listeners")
	}
	return nil
}

func sameActions(a, b []Action) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// CreateListener creates a listener and, once the engine is started,
// serves it. Creating one that exists with the same settings returns it.
func (e *Engine) CreateListener(ctx context.Context, in CreateListenerInput) (*Listener, error) {
	if err := checkListenerProtocol(in.Protocol, in.Port, in.Certificates); err != nil {
		return nil, err
	}
	if len(in.DefaultActions) == 0 {
		return nil, validation("A default action must be specified")
	}
	if len(in.Tags) > maxTagsPerResource {
		return nil, ErrTooManyTags.New("The quota for the number of tags that can be assigned to a listener has been reached")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	lb, err := e.lbLocked(ctx, in.LoadBalancerARN)
	if err != nil {
		return nil, err
	}
	for _, ls := range lb.ls {
		if ls.rec.Port == in.Port {
			if ls.rec.Protocol == in.Protocol && sameActions(ls.rec.DefaultActions, in.DefaultActions) {
				return cloneListener(ls.rec), nil
			}
			return nil, ErrDuplicateListener.New("A listener already exists on this port for this load balancer '%s'", lb.rec.ARN)
		}
	}
	if len(lb.ls) >= maxListenersPerLB {
		return nil, ErrTooManyListeners.New("You've reached the limit on the number of listeners per load balancer")
	}
	if err := e.checkActionsLocked(ctx, lb, in.DefaultActions); err != nil {
		return nil, err
	}
	id := in.id
	if id == "" {
		id = newHexID()
	}
	rec := &Listener{
		ARN: listenerARN(lb.rec, id), LoadBalancer: lb.rec.ARN, Port: in.Port, Protocol: in.Protocol,
		DefaultActions: cloneActions(in.DefaultActions), DefaultRuleID: newHexID(), Certificates: in.Certificates,
		SslPolicy: in.SslPolicy, AlpnPolicy: in.AlpnPolicy, Tags: in.Tags, Created: e.now(),
		Attributes: defaults(listenerAttributes),
	}
	if rec.Protocol == "HTTPS" && rec.SslPolicy == "" {
		rec.SslPolicy = "ELBSecurityPolicy-2016-08"
	}
	rec.ID = rec.ARN[len(rec.ARN)-16:]
	if err := e.put(ctx, bucketListeners, rec.ARN, rec); err != nil {
		return nil, err
	}
	ls := &lnState{rec: rec, lb: lb, rules: map[string]*ruleState{}, data: newListenerData(e, lb.rt, rec)}
	lb.ls[rec.ARN] = ls
	e.listeners[rec.ARN] = ls
	e.compileLocked(ls)
	e.refreshAssociationsLocked()
	e.bindLocked(ls)
	return cloneListener(rec), nil
}

func cloneListener(r *Listener) *Listener {
	c := *r
	c.DefaultActions = cloneActions(r.DefaultActions)
	c.Tags = cloneMap(r.Tags)
	c.Attributes = cloneMap(r.Attributes)
	return &c
}

func lnCreated(s *lnState) time.Time { return s.rec.Created }

// DescribeListeners lists a load balancer's listeners, or the listeners
// named by ARN.
func (e *Engine) DescribeListeners(ctx context.Context, lbARN string, arns []string) ([]*Listener, error) {
	if lbARN == "" && len(arns) == 0 {
		return nil, validation("You must specify either listener ARNs or a load balancer ARN")
	}
	if lbARN != "" && len(arns) > 0 {
		return nil, validation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Listener
	if lbARN != "" {
		lb, err := e.lbLocked(ctx, lbARN)
		if err != nil {
			return nil, err
		}
		for _, ls := range inScope(ctx, lb.ls, lnCreated) {
			out = append(out, cloneListener(ls.rec))
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Port < out[j].Port })
		return out, nil
	}
	for _, arn := range arns {
		ls, err := e.listenerLocked(ctx, arn)
		if err != nil {
			return nil, err
		}
		out = append(out, cloneListener(ls.rec))
	}
	return out, nil
}

// ModifyListenerInput changes a listener; zero fields are unchanged.
type ModifyListenerInput struct {
	ARN            string
	Port           int
	Protocol       string
	DefaultActions []Action
	Certificates   []Certificate
	SslPolicy      string
	AlpnPolicy     []string
}

// ModifyListener changes a listener's port, protocol or default actions.
// A new port or protocol rebinds the listener; new default actions apply
// to the next request.
func (e *Engine) ModifyListener(ctx context.Context, in ModifyListenerInput) (*Listener, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ls, err := e.listenerLocked(ctx, in.ARN)
	if err != nil {
		return nil, err
	}
	rec := cloneListener(ls.rec)
	if in.Port != 0 {
		rec.Port = in.Port
	}
	if in.Protocol != "" {
		rec.Protocol = in.Protocol
	}
	if in.Certificates != nil {
		rec.Certificates = in.Certificates
	}
	if in.SslPolicy != "" {
		rec.SslPolicy = in.SslPolicy
	}
	if in.AlpnPolicy != nil {
		rec.AlpnPolicy = in.AlpnPolicy
	}
	if rec.Protocol == "HTTP" {
		rec.Certificates, rec.SslPolicy, rec.AlpnPolicy = nil, "", nil
	} else if rec.SslPolicy == "" {
		rec.SslPolicy = "ELBSecurityPolicy-2016-08"
	}
	if err := checkListenerProtocol(rec.Protocol, rec.Port, rec.Certificates); err != nil {
		return nil, err
	}
	if rec.Port != ls.rec.Port {
		for _, o := range ls.lb.ls {
			if o != ls && o.rec.Port == rec.Port {
				return nil, ErrDuplicateListener.New("A listener already exists on this port for this load balancer '%s'", ls.lb.rec.ARN)
			}
		}
	}
	if in.DefaultActions != nil {
		if err := e.checkActionsLocked(ctx, ls.lb, in.DefaultActions); err != nil {
			return nil, err
		}
		rec.DefaultActions = cloneActions(in.DefaultActions)
	}
	if err := e.put(ctx, bucketListeners, rec.ARN, rec); err != nil {
		return nil, err
	}
	rebind := rec.Port != ls.rec.Port || rec.Protocol != ls.rec.Protocol
	ls.rec = rec
	ls.data.setMeta(rec)
	e.compileLocked(ls)
	e.refreshAssociationsLocked()
	if rebind && ls.srv != nil {
		ls.srv.close()
		ls.srv = nil
		e.bindLocked(ls)
	}
	return cloneListener(rec), nil
}

// DeleteListener deletes a listener and its rules and stops serving it.
func (e *Engine) DeleteListener(ctx context.Context, arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ls, err := e.listenerLocked(ctx, arn)
	if err != nil {
		return err
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		for _, rs := range ls.rules {
			if err := tx.Delete(bucketRules, rs.rec.ARN); err != nil {
				return err
			}
		}
		return tx.Delete(bucketListeners, arn)
	})
	if err != nil {
		return err
	}
	e.dropListenerLocked(ls)
	e.refreshAssociationsLocked()
	return nil
}

// ListenerAttributes returns a listener's attributes.
func (e *Engine) ListenerAttributes(ctx context.Context, arn string) ([]Attribute, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ls, err := e.listenerLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	return attributeList(ls.rec.Attributes, listenerAttributes), nil
}

// ModifyListenerAttributes changes a listener's attributes.
func (e *Engine) ModifyListenerAttributes(ctx context.Context, arn string, attrs []Attribute) ([]Attribute, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ls, err := e.listenerLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	merged, err := applyAttributes(ls.rec.Attributes, attrs, listenerAttributes, "Listener")
	if err != nil {
		return nil, err
	}
	rec := cloneListener(ls.rec)
	rec.Attributes = merged
	if err := e.put(ctx, bucketListeners, arn, rec); err != nil {
		return nil, err
	}
	ls.rec = rec
	return attributeList(merged, listenerAttributes), nil
}

// --- rules ---

// RuleView is a rule as DescribeRules shows it, the default rule included
// (Priority "default", IsDefault, no conditions).
type RuleView struct {
	ARN        string
	Priority   string
	Conditions []Condition
	Actions    []Action
	IsDefault  bool
}

func ruleView(r *Rule) RuleView {
	return RuleView{ARN: r.ARN, Priority: strconv.Itoa(r.Priority), Conditions: r.Conditions, Actions: cloneActions(r.Actions)}
}

func defaultRuleView(l *Listener) RuleView {
	return RuleView{ARN: l.DefaultRuleARN(), Priority: "default", Conditions: []Condition{}, Actions: cloneActions(l.DefaultActions), IsDefault: true}
}

// CreateRuleInput creates a listener rule.
type CreateRuleInput struct {
	ListenerARN string
	Priority    int
	Conditions  []Condition
	Actions     []Action
	Tags        map[string]string
	// id fixes the resource id (CloudFormation providers promise their
	// physical id before creating); "" draws a random one.
	id string
}

// CreateRule adds a rule to a listener; it applies to the next request.
func (e *Engine) CreateRule(ctx context.Context, in CreateRuleInput) (RuleView, error) {
	if in.Priority < 1 || in.Priority > 50000 {
		return RuleView{}, rangeError(in.Priority, "priority", 1, 50000)
	}
	if len(in.Conditions) == 0 {
		return RuleView{}, validation("A condition must be specified")
	}
	if len(in.Actions) == 0 {
		return RuleView{}, validation("An action must be specified")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ls, err := e.listenerLocked(ctx, in.ListenerARN)
	if err != nil {
		return RuleView{}, err
	}
	for _, rs := range ls.rules {
		if rs.rec.Priority == in.Priority {
			return RuleView{}, ErrPriorityInUse.New("Priority '%d' is currently in use", in.Priority)
		}
	}
	if len(ls.rules) >= maxRulesPerListener {
		return RuleView{}, ErrTooManyRules.New("You've reached the limit on the number of rules per listener")
	}
	if err := e.checkActionsLocked(ctx, ls.lb, in.Actions); err != nil {
		return RuleView{}, err
	}
	id := in.id
	if id == "" {
		id = newHexID()
	}
	rec := &Rule{ARN: ruleARN(ls.rec, id), Listener: ls.rec.ARN, Priority: in.Priority,
		Conditions: in.Conditions, Actions: cloneActions(in.Actions), Tags: in.Tags, Created: e.now()}
	if err := e.put(ctx, bucketRules, rec.ARN, rec); err != nil {
		return RuleView{}, err
	}
	rs := &ruleState{rec: rec, ln: ls}
	ls.rules[rec.ARN] = rs
	e.rules[rec.ARN] = rs
	e.compileLocked(ls)
	e.refreshAssociationsLocked()
	return ruleView(rec), nil
}

// DescribeRules lists a listener's rules (by priority, the default rule
// last) or the rules named by ARN.
func (e *Engine) DescribeRules(ctx context.Context, listenerARN string, arns []string) ([]RuleView, error) {
	if listenerARN == "" && len(arns) == 0 {
		return nil, validation("You must specify either listener rule ARNs or a listener ARN")
	}
	if listenerARN != "" && len(arns) > 0 {
		return nil, validation("Listener rule ARNs and a listener ARN cannot be specified at the same time")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []RuleView
	if listenerARN != "" {
		ls, err := e.listenerLocked(ctx, listenerARN)
		if err != nil {
			return nil, err
		}
		for _, rs := range ls.sortedRules() {
			out = append(out, ruleView(rs.rec))
		}
		return append(out, defaultRuleView(ls.rec)), nil
	}
	for _, arn := range arns {
		rs, ls, err := e.ruleLocked(ctx, arn)
		if err != nil {
			return nil, err
		}
		if rs == nil {
			out = append(out, defaultRuleView(ls.rec))
		} else {
			out = append(out, ruleView(rs.rec))
		}
	}
	return out, nil
}

// ModifyRule replaces a rule's conditions and/or actions (nil leaves
// them). The default rule's actions are the listener's default actions.
func (e *Engine) ModifyRule(ctx context.Context, arn string, conds []Condition, acts []Action) (RuleView, error) {
	if conds == nil && acts == nil {
		return RuleView{}, validation("Either conditions or actions must be specified")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rs, ls, err := e.ruleLocked(ctx, arn)
	if err != nil {
		return RuleView{}, err
	}
	if acts != nil {
		if err := e.checkActionsLocked(ctx, ls.lb, acts); err != nil {
			return RuleView{}, err
		}
	}
	if rs == nil {
		if conds != nil {
			return RuleView{}, ErrOperationNotPermitted.New("The conditions of the default rule '%s' cannot be modified", arn)
		}
		rec := cloneListener(ls.rec)
		rec.DefaultActions = cloneActions(acts)
		if err := e.put(ctx, bucketListeners, rec.ARN, rec); err != nil {
			return RuleView{}, err
		}
		ls.rec = rec
		e.compileLocked(ls)
		e.refreshAssociationsLocked()
		return defaultRuleView(rec), nil
	}
	rec := *rs.rec
	if conds != nil {
		rec.Conditions = conds
	}
	if acts != nil {
		rec.Actions = cloneActions(acts)
	}
	if err := e.put(ctx, bucketRules, rec.ARN, &rec); err != nil {
		return RuleView{}, err
	}
	rs.rec = &rec
	e.compileLocked(ls)
	e.refreshAssociationsLocked()
	return ruleView(&rec), nil
}

// DeleteRule deletes a rule (not the default rule).
func (e *Engine) DeleteRule(ctx context.Context, arn string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	rs, _, err := e.ruleLocked(ctx, arn)
	if err != nil {
		return err
	}
	if rs == nil {
		return ErrOperationNotPermitted.New("Default rule '%s' cannot be deleted", arn)
	}
	if err := e.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(bucketRules, arn) }); err != nil {
		return err
	}
	delete(rs.ln.rules, arn)
	delete(e.rules, arn)
	e.compileLocked(rs.ln)
	e.refreshAssociationsLocked()
	return nil
}

// RulePriority is one rule's new priority.
type RulePriority struct {
	RuleARN  string
	Priority int
}

// SetRulePriorities changes rule priorities in one transaction.
func (e *Engine) SetRulePriorities(ctx context.Context, pairs []RulePriority) ([]RuleView, error) {
	if len(pairs) == 0 {
		return nil, validation("1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	type change struct {
		rs  *ruleState
		pri int
	}
	var changes []change
	seen := map[string]bool{}
	for _, p := range pairs {
		if p.Priority < 1 || p.Priority > 50000 {
			return nil, rangeError(p.Priority, "rulePriorities.member.priority", 1, 50000)
		}
		rs, _, err := e.ruleLocked(ctx, p.RuleARN)
		if err != nil {
			return nil, err
		}
		if rs == nil {
			return nil, ErrOperationNotPermitted.New("Default rule '%s' cannot be modified", p.RuleARN)
		}
		k := rs.ln.rec.ARN + "|" + strconv.Itoa(p.Priority)
		if seen[k] {
			return nil, validation("Priority '%d' was provided multiple times", p.Priority)
		}
		seen[k] = true
		changes = append(changes, change{rs, p.Priority})
	}
	// The priorities after the change must be unique per listener.
	next := map[*ruleState]int{}
	for _, c := range changes {
		next[c.rs] = c.pri
	}
	for _, c := range changes {
		for _, o := range c.rs.ln.rules {
			p := o.rec.Priority
			if np, ok := next[o]; ok {
				p = np
			}
			if o != c.rs && p == c.pri {
				return nil, ErrPriorityInUse.New("Priority '%d' is currently in use", c.pri)
			}
		}
	}
	recs := make([]*Rule, len(changes))
	err := e.st.Update(ctx, func(tx store.Tx) error {
		for i, c := range changes {
			r := *c.rs.rec
			r.Priority = c.pri
			recs[i] = &r
			if err := tx.Put(bucketRules, r.ARN, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	compiled := map[*lnState]bool{}
	out := make([]RuleView, len(changes))
	for i, c := range changes {
		c.rs.rec = recs[i]
		out[i] = ruleView(recs[i])
		compiled[c.rs.ln] = true
	}
	for ls := range compiled {
		e.compileLocked(ls)
	}
	return out, nil
}
