package elbv2

import (
	"net/http"
	"sort"
	"strconv"
)

// compileLocked rebuilds a listener's route table from its records and
// publishes it; requests already routed keep the table they started with.
func (e *Engine) compileLocked(ls *lnState) {
	t := &routeTable{def: e.compileActionsLocked(ls, ls.rec.DefaultActions)}
	for _, rs := range ls.sortedRules() {
		t.rules = append(t.rules, compiledRule{
			priority: rs.rec.Priority,
			conds:    compileConditions(rs.rec.Conditions),
			act:      e.compileActionsLocked(ls, rs.rec.Actions),
		})
	}
	ls.data.routes.Store(t)
}

func (ls *lnState) sortedRules() []*ruleState {
	out := make([]*ruleState, 0, len(ls.rules))
	for _, rs := range ls.rules {
		out = append(out, rs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rec.Priority < out[j].rec.Priority })
	return out
}

// terminal returns the action that ends a rule: the last one by Order.
func terminal(acts []Action) *Action {
	if len(acts) == 0 {
		return nil
	}
	best := &acts[0]
	for i := range acts {
		if acts[i].Order > best.Order {
			best = &acts[i]
		}
	}
	return best
}

func (e *Engine) compileActionsLocked(ls *lnState, acts []Action) *compiledAction {
	a := terminal(acts)
	if a == nil {
		return &compiledAction{kind: actFixed, fixed: &fixedAction{status: http.StatusServiceUnavailable}}
	}
	switch a.Type {
	case "redirect":
		rc := *a.Redirect
		return &compiledAction{kind: actRedirect, redirect: &rc}
	case "fixed-response":
		status, _ := strconv.Atoi(a.Fixed.StatusCode)
		ct := a.Fixed.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		return &compiledAction{kind: actFixed, fixed: &fixedAction{status: status, contentType: ct, body: []byte(a.Fixed.MessageBody)}}
	}
	f := &forwardAction{}
	if a.Forward != nil {
		f.sticky, f.stickyTTL = a.Forward.Stickiness, a.Forward.StickinessSeconds
		for _, g := range a.Forward.TargetGroups {
			tg := e.tgs[g.ARN]
			if tg == nil {
				continue
			}
			f.groups = append(f.groups, fwdGroup{tg: tg.rt, weight: g.Weight, pm: e.pairLocked(ls.lb.rt, tg.rt), cookie: tg.rec.ID})
			f.total += g.Weight
		}
	}
	return &compiledAction{kind: actForward, fwd: f}
}

func (e *Engine) pairLocked(lb *lbRuntime, tg *tgRuntime) *pairMetrics {
	pm := lb.pairs[tg.arn]
	if pm == nil || pm.tg != tg {
		pm = &pairMetrics{lb: lb, tg: tg, rt: newStatCounter()}
		lb.pairs[tg.arn] = pm
	}
	pm.used.Store(true)
	return pm
}

// associationsLocked maps each target group in use to the load balancer
// whose listeners or rules forward to it.
func (e *Engine) associationsLocked() map[string]string {
	out := map[string]string{}
	for _, ls := range e.listeners {
		note := func(acts []Action) {
			for i := range acts {
				for _, arn := range acts[i].targetGroupARNs() {
					out[arn] = ls.lb.rec.ARN
				}
			}
		}
		note(ls.rec.DefaultActions)
		for _, rs := range ls.rules {
			note(rs.rec.Actions)
		}
	}
	return out
}

// refreshAssociationsLocked tells every target group whether it is in use
// (only those are health checked) and marks unused metric pairs.
func (e *Engine) refreshAssociationsLocked() {
	assoc := e.associationsLocked()
	for arn, tg := range e.tgs {
		tg.rt.setInUse(assoc[arn] != "")
	}
	for _, lb := range e.lbs {
		for arn, pm := range lb.rt.pairs {
			pm.used.Store(assoc[arn] == lb.rec.ARN)
		}
	}
}

// loadBalancersOfLocked lists the load balancers forwarding to a target
// group (at most one for Application Load Balancers).
func (e *Engine) loadBalancersOfLocked(tgARN string) []string {
	if lb := e.associationsLocked()[tgARN]; lb != "" {
		return []string{lb}
	}
	return []string{}
}
