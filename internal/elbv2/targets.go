package elbv2

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Target identifies a registered target: an IP address (target type ip)
// or an instance id (target type instance), and the port traffic goes to
// (zero means the target group's port).
type Target struct {
	ID               string
	Port             int
	AvailabilityZone string
}

// TargetHealth is one target's health, as DescribeTargetHealth reports it.
type TargetHealth struct {
	Target          Target
	HealthCheckPort string
	State           string // initial, healthy, unhealthy, unused, draining, unavailable
	Reason          string // empty when healthy
	Description     string
}

func (e *Engine) normalizeTargets(tg *TargetGroup, targets []Target) ([]Target, error) {
	if len(targets) == 0 {
		return nil, validation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null")
	}
	out := make([]Target, len(targets))
	for i, t := range targets {
		if t.ID == "" {
			return nil, validation("1 validation error detected: Value null at 'targets.%d.member.id' failed to satisfy constraint: Member must not be null", i+1)
		}
		if t.Port == 0 {
			t.Port = tg.Port
		}
		if t.Port < 1 || t.Port > 65535 {
			return nil, rangeError(t.Port, fmt.Sprintf("targets.%d.member.port", i+1), 1, 65535)
		}
		out[i] = t
	}
	return out, nil
}

// RegisterTargets registers targets with a target group. They start in
// state initial (or unused while no listener forwards to the group) and
// receive traffic once healthy. ip targets may be any address, loopback
// included; instance targets are resolved through Options.ResolveInstance.
func (e *Engine) RegisterTargets(ctx context.Context, tgARN string, targets []Target) error {
	e.mu.Lock()
	tg, err := e.tgLocked(ctx, tgARN)
	if err != nil {
		e.mu.Unlock()
		return err
	}
	rec := tg.rec
	e.mu.Unlock()
	targets, err = e.normalizeTargets(rec, targets)
	if err != nil {
		return err
	}
	addrs := map[string]string{}
	var notRunning []string
	for _, t := range targets {
		key := targetKey(t.ID, t.Port)
		switch rec.TargetType {
		case "ip":
			a, err := netip.ParseAddr(t.ID)
			if err != nil {
				return ErrInvalidTarget.New("The IP address '%s' is not a valid IPv4 address", t.ID)
			}
			if rec.IPAddressType == "ipv6" != a.Is6() {
				return ErrInvalidTarget.New("The IP address '%s' is not a valid %s address", t.ID, map[bool]string{true: "IPv6", false: "IPv4"}[rec.IPAddressType == "ipv6"])
			}
			addrs[key] = net.JoinHostPort(t.ID, strconv.Itoa(t.Port))
		case "instance":
			host, port, err := e.resolve(ctx, t.ID)
			if err != nil {
				notRunning = append(notRunning, t.ID)
				continue
			}
			if port == 0 {
				port = t.Port
			}
			addrs[key] = net.JoinHostPort(host, strconv.Itoa(port))
		}
	}
	if len(notRunning) > 0 {
		return ErrInvalidTarget.New("The following targets are not in a running state and cannot be registered: '%s'", strings.Join(notRunning, "', '"))
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if tg, err = e.tgLocked(ctx, tgARN); err != nil {
		return err
	}
	next := cloneTG(tg.rec)
	now := e.now()
	var regs []Registration
	for _, t := range targets {
		key := targetKey(t.ID, t.Port)
		found := false
		for i := range next.Targets {
			r := &next.Targets[i]
			if r.key() != key {
				continue
			}
			found = true
			if r.DrainUntil != nil { // re-registered while draining
				r.DrainUntil, r.Registered = nil, now
				regs = append(regs, *r)
			}
		}
		if !found {
			r := Registration{ID: t.ID, Port: t.Port, AvailabilityZone: t.AvailabilityZone, Registered: now}
			next.Targets = append(next.Targets, r)
			regs = append(regs, r)
		}
	}
	if len(next.Targets) > maxTargetsPerTG {
		return ErrTooManyTargets.New("You've reached the limit on the number of targets")
	}
	if len(regs) == 0 {
		return nil
	}
	if err := e.put(ctx, bucketTGs, tgARN, next); err != nil {
		return err
	}
	tg.rec = next
	tg.rt.register(regs, addrs)
	return nil
}

// DeregisterTargets starts deregistering targets and returns at once, as
// AWS does: the targets get no new requests, requests in flight finish,
// and the targets stay "draining" until the group's (scaled)
// deregistration_delay.timeout_seconds has passed; then they are removed.
// WaitDrained waits for that.
func (e *Engine) DeregisterTargets(ctx context.Context, tgARN string, targets []Target) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	tg, err := e.tgLocked(ctx, tgARN)
	if err != nil {
		return err
	}
	targets, err = e.normalizeTargets(tg.rec, targets)
	if err != nil {
		return err
	}
	next := cloneTG(tg.rec)
	delay := tg.rt.cfg.Load().deregDelay
	until := e.clk.Now().Add(delay).UTC()
	var keys []string
	for _, t := range targets {
		key := targetKey(t.ID, t.Port)
		idx := -1
		for i := range next.Targets {
			if next.Targets[i].key() == key {
				idx = i
			}
		}
		if idx < 0 {
			return ErrInvalidTarget.New("The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type.")
		}
		if next.Targets[idx].DrainUntil != nil {
			continue
		}
		u := until
		next.Targets[idx].DrainUntil = &u
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil
	}
	if delay <= 0 {
		removeRegs(next, keys)
	}
	if err := e.put(ctx, bucketTGs, tgARN, next); err != nil {
		return err
	}
	tg.rec = next
	if delay <= 0 {
		for _, k := range keys {
			tg.rt.remove(k)
		}
		return nil
	}
	tg.rt.deregister(keys, until)
	return nil
}

func removeRegs(tg *TargetGroup, keys []string) {
	out := tg.Targets[:0:0]
	for _, r := range tg.Targets {
		if !contains(keys, r.key()) {
			out = append(out, r)
		}
	}
	tg.Targets = out
}

// finishDrain removes a target whose deregistration delay ended (timer
// callback).
func (e *Engine) finishDrain(tgARN, key string, until time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	tg := e.tgs[tgARN]
	if tg == nil {
		return
	}
	still := false
	for _, r := range tg.rec.Targets {
		if r.key() == key && r.DrainUntil != nil && r.DrainUntil.Equal(until) {
			still = true
		}
	}
	if !still {
		return
	}
	next := cloneTG(tg.rec)
	removeRegs(next, []string{key})
	if err := e.put(context.Background(), bucketTGs, tgARN, next); err != nil {
		e.log.Error("finish target deregistration", "target_group", tgARN, "target", key, "err", err)
		return
	}
	tg.rec = next
	tg.rt.remove(key)
}

// TargetHealth reports the health of every registered target (draining
// ones included).
func (e *Engine) TargetHealth(ctx context.Context, tgARN string) ([]TargetHealth, error) {
	return e.DescribeTargetHealth(ctx, tgARN, nil)
}

// DescribeTargetHealth reports the health of the given targets (all
// registered ones when targets is empty). A target that is not registered
// is reported unused with reason Target.NotRegistered.
func (e *Engine) DescribeTargetHealth(ctx context.Context, tgARN string, targets []Target) ([]TargetHealth, error) {
	out, _, err := e.health(ctx, tgARN, targets)
	return out, err
}

// health snapshots target health with the channel that closes at the next
// change.
func (e *Engine) health(ctx context.Context, tgARN string, targets []Target) ([]TargetHealth, <-chan struct{}, error) {
	e.mu.Lock()
	tg, err := e.tgLocked(ctx, tgARN)
	if err != nil {
		e.mu.Unlock()
		return nil, nil, err
	}
	rec, rt := tg.rec, tg.rt
	e.mu.Unlock()
	hcPort := func(port int) string {
		if rec.HealthCheck.Port == "traffic-port" {
			return strconv.Itoa(port)
		}
		return rec.HealthCheck.Port
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	view := func(b *backend) TargetHealth {
		th := TargetHealth{Target: Target{ID: b.id, Port: b.port, AvailabilityZone: b.az}, HealthCheckPort: hcPort(b.port), State: b.state, Reason: b.reason}
		if th.Reason != "" {
			th.Description = b.desc
			if th.Description == "" {
				th.Description = reasonText[th.Reason]
			}
		}
		return th
	}
	var out []TargetHealth
	if len(targets) == 0 {
		for _, b := range rt.sortedLocked() {
			out = append(out, view(b))
		}
		return out, rt.changed, nil
	}
	for _, t := range targets {
		port := t.Port
		if port == 0 {
			port = rec.Port
		}
		if b := rt.backends[targetKey(t.ID, port)]; b != nil {
			out = append(out, view(b))
			continue
		}
		out = append(out, TargetHealth{Target: Target{ID: t.ID, Port: port}, HealthCheckPort: hcPort(port),
			State: StateUnused, Reason: ReasonNotRegistered, Description: reasonText[ReasonNotRegistered]})
	}
	return out, rt.changed, nil
}

// WaitHealthy blocks until every given target (every registered,
// non-draining target when targets is empty) is healthy, or ctx ends. It
// fails at once for a target that is not registered.
func (e *Engine) WaitHealthy(ctx context.Context, tgARN string, targets []Target) error {
	for {
		hs, changed, err := e.health(ctx, tgARN, targets)
		if err != nil {
			return err
		}
		var waiting []string
		for _, h := range hs {
			switch {
			case h.Reason == ReasonNotRegistered, h.State == StateDraining && len(targets) > 0:
				return ErrInvalidTarget.New("target %s is not registered with target group %s", targetKey(h.Target.ID, h.Target.Port), tgARN)
			case h.State == StateDraining:
			case h.State != StateHealthy:
				waiting = append(waiting, fmt.Sprintf("%s %s (%s)", targetKey(h.Target.ID, h.Target.Port), h.State, h.Reason))
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for healthy targets in %s: %s: %w", tgARN, strings.Join(waiting, ", "), ctx.Err())
		}
	}
}

// WaitDrained blocks until the given targets (every draining target when
// targets is empty) have finished deregistering — their deregistration
// delay has passed and they are gone from the group — or ctx ends. A
// target that is registered and not draining is an error.
func (e *Engine) WaitDrained(ctx context.Context, tgARN string, targets []Target) error {
	for {
		hs, changed, err := e.health(ctx, tgARN, targets)
		if err != nil {
			return err
		}
		var waiting []string
		for _, h := range hs {
			switch h.State {
			case StateDraining:
				waiting = append(waiting, targetKey(h.Target.ID, h.Target.Port))
			default:
				if h.Reason != ReasonNotRegistered && len(targets) > 0 {
					return ErrInvalidTarget.New("target %s is registered with target group %s and not draining", targetKey(h.Target.ID, h.Target.Port), tgARN)
				}
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for targets to drain from %s: %s: %w", tgARN, strings.Join(waiting, ", "), ctx.Err())
		}
	}
}

// InFlight reports how many requests are in flight to each registered
// target of a group, keyed by "id:port" (observability; CodeDeploy and
// tests).
func (e *Engine) InFlight(ctx context.Context, tgARN string) (map[string]int64, error) {
	e.mu.Lock()
	tg, err := e.tgLocked(ctx, tgARN)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	tg.rt.mu.Lock()
	defer tg.rt.mu.Unlock()
	out := map[string]int64{}
	for k, b := range tg.rt.backends {
		out[k] = b.inflight.Load()
	}
	return out, nil
}

// --- forward weights ---

// forwardOfLocked finds the actions of a listener (its default actions) or
// rule, with a function that stores modified actions and returns the
// in-memory commit to run once the transaction succeeded.
func (e *Engine) forwardOfLocked(ctx context.Context, arn string) (acts []Action, ls *lnState, save func(tx store.Tx, acts []Action) (func(), error), err error) {
	switch arnKind(arn) {
	case "listener":
		ls, err = e.listenerLocked(ctx, arn)
		if err != nil {
			return
		}
	case "listener-rule":
		var rs *ruleState
		rs, ls, err = e.ruleLocked(ctx, arn)
		if err != nil {
			return
		}
		if rs != nil {
			acts = rs.rec.Actions
			save = func(tx store.Tx, acts []Action) (func(), error) {
				rec := *rs.rec
				rec.Actions = acts
				return func() { rs.rec = &rec }, tx.Put(bucketRules, rec.ARN, &rec)
			}
			return
		}
	default:
		err = validation("'%s' is not a valid listener or listener rule ARN", arn)
		return
	}
	acts = ls.rec.DefaultActions
	save = func(tx store.Tx, acts []Action) (func(), error) {
		rec := cloneListener(ls.rec)
		rec.DefaultActions = acts
		return func() { ls.rec = rec }, tx.Put(bucketListeners, rec.ARN, rec)
	}
	return
}

// ForwardWeights returns the weights of the forward action of a listener
// (its default action) or rule: target group ARN → weight.
func (e *Engine) ForwardWeights(ctx context.Context, arn string) (map[string]int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	acts, _, _, err := e.forwardOfLocked(ctx, arn)
	if err != nil {
		return nil, err
	}
	a := terminal(acts)
	if a == nil || a.Forward == nil {
		return nil, ErrInvalidLoadBalancerAction.New("'%s' does not forward to target groups", arn)
	}
	out := map[string]int{}
	for _, g := range a.Forward.TargetGroups {
		out[g.ARN] = g.Weight
	}
	return out, nil
}

// SetForwardWeights atomically replaces the weights of the forward action
// of a listener (its default action) or rule — the canary primitive. The
// map names every target group the action forwards to afterwards (weight
// 0 keeps a group attached without traffic); groups keep their order, new
// ones follow sorted by ARN. The change is committed to the store and
// then published as one new route table: every request routed after
// SetForwardWeights returns sees the new weights, requests already routed
// finish where they were sent.
func (e *Engine) SetForwardWeights(ctx context.Context, arn string, weights map[string]int) error {
	if len(weights) == 0 {
		return validation("at least one target group weight must be given")
	}
	if len(weights) > maxForwardTargetGroups {
		return validation("A forward action can have at most %d target groups", maxForwardTargetGroups)
	}
	for tg, w := range weights {
		if w < 0 || w > 999 {
			return validation("Weight '%d' for target group '%s' must be between 0 and 999", w, tg)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	acts, ls, save, err := e.forwardOfLocked(ctx, arn)
	if err != nil {
		return err
	}
	next := cloneActions(acts)
	a := terminal(next)
	if a == nil || a.Forward == nil {
		return ErrInvalidLoadBalancerAction.New("'%s' does not forward to target groups", arn)
	}
	var groups []WeightedTargetGroup
	for _, g := range a.Forward.TargetGroups {
		if w, ok := weights[g.ARN]; ok {
			groups = append(groups, WeightedTargetGroup{ARN: g.ARN, Weight: w})
		}
	}
	for _, tgARN := range sortedKeys(weights) {
		found := false
		for _, g := range groups {
			found = found || g.ARN == tgARN
		}
		if !found {
			groups = append(groups, WeightedTargetGroup{ARN: tgARN, Weight: weights[tgARN]})
		}
	}
	a.Forward.TargetGroups = groups
	if err := e.checkActionsLocked(ctx, ls.lb, next); err != nil {
		return err
	}
	var commit func()
	err = e.st.Update(ctx, func(tx store.Tx) error {
		var err error
		commit, err = save(tx, next)
		return err
	})
	if err != nil {
		return err
	}
	commit()
	e.compileLocked(ls)
	e.refreshAssociationsLocked()
	return nil
}
