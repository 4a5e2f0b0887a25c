package codedeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// Blue/green deployments move through these phases, each recorded before
// it starts:
//
//	provision  the replacement (green) fleet is found or created
//	install    the revision is installed on it (ApplicationStop … ValidateService)
//	ready      with STOP_DEPLOYMENT, the deployment waits (status Ready) for ContinueDeployment
//	allow      green instances join their target groups and pass health checks
//	shift      traffic moves by the deployment config: all at once, canary or linear
//	allowed    AllowTraffic completes, AfterAllowTraffic runs
//	block      the original (blue) instances' block-traffic events
//	bake       the wait before the originals are terminated (status Baking)
//	terminate  the originals are deregistered and terminated (or kept alive)
//
// With a target group pair (targetGroupPairInfoList) traffic moves by the
// weights of the production listener's forward action, so canary and
// linear configs work — a skiff extension for the server platform, where
// AWS moves traffic all at once by registering and deregistering
// instances. The originals stay registered (at weight 0) until they are
// terminated, so a rollback during the shift or the bake is a weight
// change, immediate. With a single target group (targetGroupInfoList)
// traffic moves as AWS moves it: green registered, blue deregistered.

func (e *Engine) runBlueGreen(r *run, d *deploymentRecord) error {
	pctx := r.pctx()
	sctx := d.scopeCtx(r.ctx)
	bg := d.Info.BlueGreenDeploymentConfiguration
	if bg == nil {
		return fail("MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION", "The blue/green deployment has no blue/green deployment configuration.")
	}
	var err error
	if d.Phase == "" {
		if d, err = e.bgProvisionPlan(r, d); err != nil {
			return err
		}
	}
	if d.Phase == "provision" {
		if err := e.bgCreateGreen(r, d); err != nil {
			return err
		}
		if d, err = e.phase(pctx, d, "install"); err != nil {
			return err
		}
	}
	cfg := d.Config
	plan, ok := planFor(cfg.MinimumHealthyHosts, len(d.Green))
	if cfg.MinimumHealthyHosts == nil {
		plan, ok = planFor(&MinimumHealthyHosts{Type: FleetPercent, Value: 0}, len(d.Green))
	}
	if !ok {
		return fail("HEALTH_CONSTRAINTS_INVALID", "The deployment failed because the minimum number of healthy instances (%d) is greater than or equal to the number of replacement instances (%d).", plan.Min, len(d.Green))
	}
	greenTGs, blueTGs := d.TGs, d.TGs
	if len(d.Routes) > 0 {
		greenTGs, blueTGs = nil, nil
		for _, rt := range d.Routes {
			greenTGs = append(greenTGs, rt.GreenTG)
			blueTGs = append(blueTGs, rt.BlueTG)
		}
	}
	if d.Phase == "install" {
		stageDir, spec, err := e.stage(sctx, d)
		if err != nil {
			if ierr := r.interrupted(); ierr != nil {
				return ierr
			}
			return err
		}
		installed := func(t *InstanceTarget) bool { return eventStatus(t, "ValidateService") == TargetSucceeded }
		err = e.batches(r, d, d.Green, plan, installed, func(name string) bool {
			s := &stepper{e: e, r: r, d: d, name: name, spec: spec, stageDir: stageDir}
			if !s.runEvents(eventsInstall) {
				return false
			}
			if err := e.recordDeployed(pctx, d, name); err != nil {
				e.log.Warn("record deployed revision", "instance", name, "err", err)
			}
			return true
		})
		if err != nil {
			return err
		}
		if d, err = e.phase(pctx, d, "ready"); err != nil {
			return err
		}
	}
	if d.Phase == "ready" {
		if ro := bg.DeploymentReadyOption; ro != nil && ro.ActionOnTimeout == "STOP_DEPLOYMENT" {
			if d, err = e.waitReady(r, d, time.Duration(ro.WaitTimeInMinutes)*time.Minute); err != nil {
				return err
			}
		}
		if d, err = e.phase(pctx, d, "allow"); err != nil {
			return err
		}
	}
	if d.Phase == "allow" {
		if len(d.Routes) > 0 {
			// Attach the replacement target group to the forward action
			// at weight 0: a load balancer health-checks only the groups
			// a listener forwards to.
			if d, err = r.setWeights(d, 0); err != nil {
				return err
			}
		}
		ts := e.loadTargets(pctx, d)
		var todo []string
		for _, n := range d.Green {
			if t := ts[n]; t != nil && t.Status != TargetFailed && t.Status != TargetSkipped && eventStatus(t, "AllowTraffic") == TargetPending {
				todo = append(todo, n)
			}
		}
		var wg sync.WaitGroup
		for _, n := range todo {
			wg.Add(1)
			go func(n string) {
				defer wg.Done()
				s := &stepper{e: e, r: r, d: d, name: n, tgs: greenTGs, allowHold: true}
				s.runEvents([]string{"BeforeAllowTraffic", "AllowTraffic"})
			}(n)
		}
		wg.Wait()
		if err := r.interrupted(); err != nil {
			return err
		}
		if e.countGreen(pctx, d, func(t *InstanceTarget) bool { return eventStatus(t, "AllowTraffic") == TargetInProgress }) < plan.Need {
			return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
		}
		if d, err = e.phase(pctx, d, "shift"); err != nil {
			return err
		}
	}
	if d.Phase == "shift" {
		if d, err = e.shift(r, d); err != nil {
			return err
		}
		if d, err = e.phase(pctx, d, "allowed"); err != nil {
			return err
		}
	}
	if d.Phase == "allowed" {
		ts := e.loadTargets(pctx, d)
		var wg sync.WaitGroup
		for _, n := range d.Green {
			t := ts[n]
			if t == nil || eventStatus(t, "AllowTraffic") != TargetInProgress {
				continue
			}
			wg.Add(1)
			go func(n string) {
				defer wg.Done()
				e.updateTarget(pctx, d, n, func(t *InstanceTarget) {
					setEvent(t, "AllowTraffic", func(le *LifecycleEvent) { le.Status, le.EndTime = TargetSucceeded, e.now() })
				})
				s := &stepper{e: e, r: r, d: d, name: n}
				if s.runEvents([]string{"AfterAllowTraffic"}) {
					s.complete()
				}
			}(n)
		}
		wg.Wait()
		if err := r.interrupted(); err != nil {
			return err
		}
		if e.countGreen(pctx, d, func(t *InstanceTarget) bool { return t.Status == TargetSucceeded }) < plan.Need {
			return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
		}
		if d, err = e.phase(pctx, d, "block"); err != nil {
			return err
		}
	}
	if d.Phase == "block" {
		var tgs []string
		if len(d.Routes) == 0 {
			// Single target group: the originals leave it now.
			tgs = blueTGs
			if d, err = e.mutate(pctx, d, func(x *deploymentRecord) error { x.BlueBlocked = true; return nil }); err != nil {
				return err
			}
		}
		ts := e.loadTargets(pctx, d)
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for _, n := range d.Blue {
			if t := ts[n]; t == nil || t.Status != TargetPending {
				continue
			}
			wg.Add(1)
			go func(n string) {
				defer wg.Done()
				s := &stepper{e: e, r: r, d: d, name: n, tgs: tgs}
				if s.runEvents(eventsBlock) {
					s.complete()
				} else {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}(n)
		}
		wg.Wait()
		if err := r.interrupted(); err != nil {
			return err
		}
		if failed > 0 {
			return fail("HEALTH_CONSTRAINTS", "The deployment failed because %d original instances could not be taken out of the load balancer.", failed)
		}
		if d, err = e.phase(pctx, d, "bake"); err != nil {
			return err
		}
	}
	term := bg.TerminateBlueInstancesOnDeploymentSuccess
	keep := term != nil && term.Action == "KEEP_ALIVE"
	if d.Phase == "bake" {
		if !keep && len(d.Blue) > 0 {
			wait := time.Duration(0)
			if term != nil {
				wait = time.Duration(term.TerminationWaitTimeInMinutes) * time.Minute
			}
			if d, err = e.bake(r, d, wait); err != nil {
				return err
			}
		}
		if d, err = e.phase(pctx, d, "terminate"); err != nil {
			return err
		}
	}
	if d.Phase == "terminate" {
		// The originals leave the load balancer (with a pair they stayed
		// registered at weight 0 for a fast rollback), draining first.
		if len(d.Routes) > 0 {
			for _, n := range d.Blue {
				inst, err := e.getInstance(sctx, n)
				if err != nil {
					continue
				}
				if err := e.block(pctx, inst, blueTGs); err != nil {
					e.log.Warn("take original instance out of the load balancer", "instance", n, "err", err)
				}
			}
		}
		if keep {
			err := e.st.Update(pctx, func(tx store.Tx) error {
				g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName))
				if err != nil {
					return nil
				}
				for _, n := range d.Blue {
					if !contains(g.Retired, n) {
						g.Retired = append(g.Retired, n)
					}
				}
				return tx.Put(bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName), g)
			})
			if err != nil {
				return err
			}
		} else {
			for _, n := range d.Blue {
				if err := e.terminateInstance(pctx, d, n); err != nil {
					e.log.Warn("terminate original instance", "instance", n, "err", err)
				}
			}
		}
		d, _ = e.mutate(pctx, d, func(x *deploymentRecord) error {
			x.Info.Status = StatusInProgress
			return nil
		})
	}
	return nil
}

func (e *Engine) phase(ctx context.Context, d *deploymentRecord, p string) (*deploymentRecord, error) {
	e.log.Debug("deployment phase", "deployment", d.Info.DeploymentID, "phase", p)
	return e.mutate(ctx, d, func(x *deploymentRecord) error { x.Phase = p; return nil })
}

func (e *Engine) countGreen(ctx context.Context, d *deploymentRecord, ok func(t *InstanceTarget) bool) int {
	n := 0
	ts := e.loadTargets(ctx, d)
	for _, name := range d.Green {
		if t := ts[name]; t != nil && ok(t) {
			n++
		}
	}
	return n
}

// batches runs fn over the pending targets among names, as many at a
// time as the plan allows; done tells a target that finished.
func (e *Engine) batches(r *run, d *deploymentRecord, names []string, plan healthPlan, done func(t *InstanceTarget) bool, fn func(name string) bool) error {
	pctx := r.pctx()
	for {
		if err := r.interrupted(); err != nil {
			return err
		}
		ts := e.loadTargets(pctx, d)
		var pending []string
		ok := 0
		for _, n := range names {
			t := ts[n]
			switch {
			case t == nil:
			case t.Status == TargetPending:
				pending = append(pending, n)
			case t.Status != TargetFailed && t.Status != TargetSkipped && done(t):
				ok++
			}
		}
		if len(pending) == 0 {
			if ok < plan.Need {
				return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
			}
			return nil
		}
		b := plan.nextBatch(len(pending), ok+len(pending))
		if b == 0 {
			return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
		}
		var wg sync.WaitGroup
		for _, n := range pending[:b] {
			wg.Add(1)
			go func(n string) {
				defer wg.Done()
				fn(n)
			}(n)
		}
		wg.Wait()
		if e.closing() {
			return context.Canceled
		}
	}
}

// bgProvisionPlan decides the original and replacement fleets and the
// routes, and records them with the target records.
func (e *Engine) bgProvisionPlan(r *run, d *deploymentRecord) (*deploymentRecord, error) {
	pctx := r.pctx()
	sctx := d.scopeCtx(r.ctx)
	lb := d.Info.LoadBalancerInfo
	if lb == nil || (len(lb.TargetGroupInfoList) == 0 && len(lb.TargetGroupPairInfoList) == 0) {
		return d, fail("MISSING_ELB_INFORMATION", "A blue/green deployment needs load balancer information: a target group (targetGroupInfoList) or a target group pair with a production listener (targetGroupPairInfoList).")
	}
	if e.deps.LoadBalancer == nil {
		return d, fail("ELASTIC_LOAD_BALANCING_INVALID", "No load balancer is available to this CodeDeploy engine.")
	}
	var routes []trafficRoute
	var tgs []string
	original := map[string]map[string]int{}
	if len(lb.TargetGroupPairInfoList) > 0 {
		for _, p := range lb.TargetGroupPairInfoList {
			arns, err := e.resolveTGs(sctx, p.TargetGroups)
			if err != nil {
				return d, err
			}
			l := p.ProdTrafficRoute.ListenerArns[0]
			w, err := e.deps.LoadBalancer.ForwardWeights(sctx, l)
			if err != nil {
				if ierr := r.interrupted(); ierr != nil {
					return d, ierr
				}
				return d, fail("ELASTIC_LOAD_BALANCING_INVALID", "The weights of listener %s could not be read: %v", l, err)
			}
			rt := trafficRoute{Listener: l, BlueTG: arns[0], GreenTG: arns[1]}
			if w[arns[1]] > w[arns[0]] {
				rt.BlueTG, rt.GreenTG = arns[1], arns[0]
			}
			original[l] = maps.Clone(w)
			if p.TestTrafficRoute != nil && len(p.TestTrafficRoute.ListenerArns) > 0 {
				rt.Test = p.TestTrafficRoute.ListenerArns[0]
				tw, err := e.deps.LoadBalancer.ForwardWeights(sctx, rt.Test)
				if err != nil {
					return d, fail("ELASTIC_LOAD_BALANCING_INVALID", "The weights of listener %s could not be read: %v", rt.Test, err)
				}
				original[rt.Test] = maps.Clone(tw)
			}
			routes = append(routes, rt)
		}
	} else {
		var err error
		if tgs, err = e.resolveTGs(sctx, lb.TargetGroupInfoList); err != nil {
			return d, err
		}
		if t := d.Config.TrafficRoutingConfig; t != nil && t.Type != AllAtOnceType {
			d, _ = e.mutate(pctx, d, func(x *deploymentRecord) error {
				x.Info.DeploymentStatusMessages = append(x.Info.DeploymentStatusMessages,
					fmt.Sprintf("%s traffic shifting needs a target group pair (targetGroupPairInfoList) with a production listener; with a single target group traffic moves all at once.", t.Type))
				return nil
			})
		}
	}
	var blue, green, created []string
	err := e.st.View(pctx, func(tx store.Tx) error {
		g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName))
		if err != nil {
			return fail("DEPLOYMENT_GROUP_MISSING", "The deployment group %s no longer exists.", d.Info.DeploymentGroupName)
		}
		insts, err := fleet(tx, d.scope(), g)
		if err != nil {
			return err
		}
		action := d.Info.BlueGreenDeploymentConfiguration.GreenFleetProvisioningOption.Action
		if action == "COPY_AUTO_SCALING_GROUP" {
			for _, in := range insts {
				blue = append(blue, in.Info.InstanceName)
				n := newInstanceName()
				green = append(green, n)
				created = append(created, n)
			}
			if len(blue) == 0 {
				return fail("NO_INSTANCES", "The deployment failed because the deployment group has no instances to copy for the replacement environment. "+msgNoInstances)
			}
			return nil
		}
		ti := d.Info.TargetInstances
		want := &DeploymentGroupInfo{EC2TagFilters: ti.TagFilters, EC2TagSet: ti.EC2TagSet}
		isGreen := map[string]bool{}
		err = tx.Scan(bucketInstances, store.ScanOptions{Prefix: scopePrefix(d.scope())}, func(_ string, v []byte) error {
			var in instanceRecord
			if json.Unmarshal(v, &in) != nil || !in.Info.DeregisterTime.IsZero() {
				return nil
			}
			if selects(want, tagsToMap(in.Info.Tags)) {
				green = append(green, in.Info.InstanceName)
				isGreen[in.Info.InstanceName] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, in := range insts {
			if !isGreen[in.Info.InstanceName] {
				blue = append(blue, in.Info.InstanceName)
			}
		}
		if len(green) == 0 {
			return fail("NO_INSTANCES", "The deployment failed because no replacement instances matched the target instances of the deployment.")
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	if err := e.initTargets(pctx, d, blue, roleBlue, true); err != nil {
		return d, err
	}
	if err := e.initTargets(pctx, d, green, roleGreen, true); err != nil {
		return d, err
	}
	return e.mutate(pctx, d, func(x *deploymentRecord) error {
		x.Phase, x.Blue, x.Green, x.GreenCreated, x.Routes, x.TGs = "provision", blue, green, created, routes, tgs
		x.Original = original
		x.Weights = original
		return nil
	})
}

// bgCreateGreen creates the replacement instances of a copy deployment,
// each with the tags of the original it replaces.
func (e *Engine) bgCreateGreen(r *run, d *deploymentRecord) error {
	pctx := d.scopeCtx(r.pctx())
	for i, n := range d.GreenCreated {
		if _, err := e.getInstance(pctx, n); err == nil {
			continue
		}
		var tags []Tag
		if len(d.Blue) > 0 {
			if b, err := e.getInstance(pctx, d.Blue[i%len(d.Blue)]); err == nil {
				tags = b.Info.Tags
			}
		}
		if _, err := e.register(pctx, n, sessionARNFor(d.scope(), n), "", tags, true, ""); err != nil {
			return fail("INTERNAL_ERROR", "The replacement instance %s could not be created: %v", n, err)
		}
	}
	return nil
}

// waitReady holds a deployment in Ready until ContinueDeployment or the
// wait time ends (then it stops).
func (e *Engine) waitReady(r *run, d *deploymentRecord, wait time.Duration) (*deploymentRecord, error) {
	pctx := r.pctx()
	var err error
	if d.ReadyUntil.IsZero() {
		// Targets first: whoever sees the deployment Ready sees its
		// replacements Ready too.
		for _, n := range d.Green {
			e.updateTarget(pctx, d, n, func(t *InstanceTarget) {
				if t.Status == TargetInProgress {
					t.Status = TargetReady
				}
			})
		}
		d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
			x.ReadyUntil = e.now().Add(e.clk.Scale(wait))
			x.Info.Status = StatusReady
			return nil
		})
		if err != nil {
			return d, err
		}
	}
	for {
		var cur *deploymentRecord
		e.st.View(pctx, func(tx store.Tx) error {
			cur, _ = e.loadDeployment(tx, d.scope(), d.Info.DeploymentID)
			return nil
		})
		if cur != nil && cur.Continue {
			break
		}
		left := time.Until(d.ReadyUntil)
		if left <= 0 {
			f := false
			return d, &stopCause{code: "TIMEOUT", msg: "The deployment was stopped because traffic was not rerouted to the replacement environment before the wait time of the deployment ready option ended.", rollback: &f}
		}
		if err := r.sleep(min(left, time.Second)); err != nil {
			return d, err
		}
	}
	d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
		x.Info.Status = StatusInProgress
		return nil
	})
	for _, n := range d.Green {
		e.updateTarget(pctx, d, n, func(t *InstanceTarget) {
			if t.Status == TargetReady {
				t.Status = TargetInProgress
			}
		})
	}
	return d, err
}

// shift moves traffic by the steps of the deployment config, recording
// each step (and when the next is due) before applying it.
func (e *Engine) shift(r *run, d *deploymentRecord) (*deploymentRecord, error) {
	if len(d.Routes) == 0 {
		return d, nil
	}
	steps, interval := shiftSteps(d.Config.TrafficRoutingConfig)
	pctx := r.pctx()
	var err error
	for d.ShiftStep < len(steps) {
		if d.ShiftStep > 0 {
			if left := time.Until(d.ShiftAt); left > 0 {
				if err := r.sleep(left); err != nil {
					return d, err
				}
				continue
			}
		}
		if err := r.interrupted(); err != nil {
			return d, err
		}
		pct := steps[d.ShiftStep]
		if d, err = r.setWeights(d, pct); err != nil {
			return d, err
		}
		next := e.now().Add(e.clk.Scale(interval))
		d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
			x.ShiftStep++
			x.ShiftAt = next
			x.Info.DeploymentStatusMessages = append(x.Info.DeploymentStatusMessages, fmt.Sprintf("Traffic shifted: %d%% to the replacement instances.", pct))
			return nil
		})
		if err != nil {
			return d, err
		}
	}
	return d, nil
}

// bake waits before the original instances are terminated (status
// Baking; alarms are still watched, and a rollback is a weight change).
func (e *Engine) bake(r *run, d *deploymentRecord, wait time.Duration) (*deploymentRecord, error) {
	pctx := r.pctx()
	var err error
	if d.BakeUntil.IsZero() {
		d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
			x.BakeUntil = e.now().Add(e.clk.Scale(wait))
			x.Info.Status = StatusBaking
			x.Info.InstanceTerminationWaitTimeStarted = true
			return nil
		})
		if err != nil {
			return d, err
		}
	}
	for {
		var cur *deploymentRecord
		e.st.View(pctx, func(tx store.Tx) error {
			cur, _ = e.loadDeployment(tx, d.scope(), d.Info.DeploymentID)
			return nil
		})
		if cur != nil && cur.SkipWait {
			return d, nil
		}
		left := time.Until(d.BakeUntil)
		if left <= 0 {
			return d, nil
		}
		if err := r.sleep(min(left, time.Second)); err != nil {
			return d, err
		}
	}
}

// runBGRollback gives traffic back to a failed blue/green deployment's
// original instances (allow-traffic events) and takes the replacements
// out (block-traffic events); the replacements skiff created are
// terminated when it succeeds.
func (e *Engine) runBGRollback(r *run, d *deploymentRecord) error {
	pctx := r.pctx()
	var err error
	if d.Phase == "" {
		if err := e.initTargets(pctx, d, d.Blue, roleRollbackOld, true); err != nil {
			return err
		}
		if err := e.initTargets(pctx, d, d.Green, roleRollbackNew, true); err != nil {
			return err
		}
		if d, err = e.phase(pctx, d, "allow"); err != nil {
			return err
		}
	}
	greenTGs, blueTGs := d.TGs, d.TGs
	if len(d.Routes) > 0 {
		greenTGs, blueTGs = nil, nil
		for _, rt := range d.Routes {
			greenTGs = append(greenTGs, rt.GreenTG)
			blueTGs = append(blueTGs, rt.BlueTG)
		}
	}
	run := func(names []string, tgs []string, events []string) int {
		ts := e.loadTargets(pctx, d)
		var wg sync.WaitGroup
		var mu sync.Mutex
		failed := 0
		for _, n := range names {
			if t := ts[n]; t == nil || t.Status != TargetPending {
				continue
			}
			wg.Add(1)
			go func(n string) {
				defer wg.Done()
				s := &stepper{e: e, r: r, d: d, name: n, tgs: tgs}
				if s.runEvents(events) {
					s.complete()
				} else {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}(n)
		}
		wg.Wait()
		return failed
	}
	if d.Phase == "allow" {
		if failed := run(d.Blue, blueTGs, eventsAllow); failed > 0 {
			if err := r.interrupted(); err != nil {
				return err
			}
			return fail("HEALTH_CONSTRAINTS", "The rollback failed because %d original instances could not be put back into the load balancer.", failed)
		}
		// The original weights (already restored when the deployment
		// stopped; set again in case that was interrupted).
		if err := e.restoreTraffic(d.scopeCtx(pctx), d); err != nil {
			return fail("ELASTIC_LOAD_BALANCING_INVALID", "The original traffic weights could not be restored: %v", err)
		}
		if d, err = e.phase(pctx, d, "block"); err != nil {
			return err
		}
	}
	if d.Phase == "block" {
		if failed := run(d.Green, greenTGs, eventsBlock); failed > 0 {
			if err := r.interrupted(); err != nil {
				return err
			}
			return fail("HEALTH_CONSTRAINTS", "The rollback failed because %d replacement instances could not be taken out of the load balancer.", failed)
		}
	}
	return nil
}
