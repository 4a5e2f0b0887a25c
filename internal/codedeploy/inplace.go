package codedeploy

import (
	"context"
	"fmt"
	"sync"

	"github.com/skiff-dev/skiff/internal/store"
)

// runInPlace deploys a revision to a group's instances in batches: each
// instance is taken out of its target groups (BlockTraffic: deregister and
// drain), updated (ApplicationStop … ValidateService), and put back
// (AllowTraffic: register and wait until healthy). Batches are as large as
// the minimum healthy hosts allow, and shrink as instances fail.
func (e *Engine) runInPlace(r *run, d *deploymentRecord) error {
	pctx := r.pctx()
	sctx := d.scopeCtx(r.ctx)
	style := d.Info.DeploymentStyle
	withLB := style != nil && style.DeploymentOption == WithTrafficControl
	if d.Phase == "" {
		names := d.Instances // a rollback names its instances
		if names == nil {
			var err error
			names, err = e.inPlaceInstances(pctx, d)
			if err != nil {
				return err
			}
		}
		if len(names) == 0 {
			if d.Info.UpdateOutdatedInstancesOnly {
				e.mutate(pctx, d, func(x *deploymentRecord) error {
					x.Phase = "deploy"
					x.Info.DeploymentStatusMessages = append(x.Info.DeploymentStatusMessages, "Every instance already runs this revision (updateOutdatedInstancesOnly).")
					return nil
				})
				return nil
			}
			return fail("NO_INSTANCES", msgNoInstances)
		}
		var tgs []string
		if withLB {
			lb := d.Info.LoadBalancerInfo
			if lb == nil || (len(lb.TargetGroupInfoList) == 0 && len(lb.TargetGroupPairInfoList) == 0) {
				return fail("MISSING_ELB_INFORMATION", "The deployment group uses traffic control, but its load balancer information names no target group.")
			}
			if e.deps.LoadBalancer == nil {
				return fail("ELASTIC_LOAD_BALANCING_INVALID", "No load balancer is available to this CodeDeploy engine.")
			}
			var err error
			tgs, err = e.inPlaceTGs(sctx, d)
			if err != nil {
				return err
			}
		}
		if err := e.initTargets(pctx, d, names, roleInPlace, withLB); err != nil {
			return err
		}
		var err error
		d, err = e.mutate(pctx, d, func(x *deploymentRecord) error {
			x.Phase, x.Instances, x.TGs = "deploy", names, tgs
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(d.Instances) == 0 {
		return nil
	}
	n := len(d.Instances)
	plan, ok := planFor(d.Config.MinimumHealthyHosts, n)
	if !ok {
		return fail("HEALTH_CONSTRAINTS_INVALID", "The deployment failed because the minimum number of healthy instances (%d) is greater than or equal to the number of instances (%d) it deploys to, so no instance could be taken out of service. Lower the minimum healthy hosts of deployment configuration %s or add instances.", plan.Min, n, d.Info.DeploymentConfigName)
	}
	stageDir, spec, err := e.stage(sctx, d)
	if err != nil {
		if ierr := r.interrupted(); ierr != nil {
			return ierr
		}
		return err
	}
	for {
		if err := r.interrupted(); err != nil {
			return err
		}
		ts := e.loadTargets(pctx, d)
		var pending []string
		succeeded := 0
		for _, name := range d.Instances {
			switch ts[name].Status {
			case TargetPending:
				pending = append(pending, name)
			case TargetSucceeded:
				succeeded++
			}
		}
		if len(pending) == 0 {
			if succeeded < plan.Need {
				return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
			}
			return nil
		}
		b := plan.nextBatch(len(pending), succeeded+len(pending))
		if b == 0 {
			return fail("HEALTH_CONSTRAINTS", msgHealthConstraints)
		}
		var wg sync.WaitGroup
		for _, name := range pending[:b] {
			wg.Add(1)
			go func(name string) {
				defer wg.Done()
				s := &stepper{e: e, r: r, d: d, name: name, spec: spec, stageDir: stageDir, tgs: d.TGs}
				if s.runEvents(lifecycleFor(roleInPlace, withLB)) {
					if err := e.recordDeployed(pctx, d, name); err != nil {
						e.log.Warn("record deployed revision", "instance", name, "err", err)
					}
					s.complete()
				}
			}(name)
		}
		wg.Wait()
		if e.closing() {
			return context.Canceled
		}
	}
}

// inPlaceInstances lists the group's instances (only those not running
// the revision, with updateOutdatedInstancesOnly).
func (e *Engine) inPlaceInstances(ctx context.Context, d *deploymentRecord) ([]string, error) {
	var names []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(d.scope(), d.Info.ApplicationName, d.Info.DeploymentGroupName))
		if err != nil {
			return fail("DEPLOYMENT_GROUP_MISSING", "The deployment group %s no longer exists.", d.Info.DeploymentGroupName)
		}
		insts, err := fleet(tx, d.scope(), g)
		if err != nil {
			return err
		}
		want := revisionKey(d.Info.Revision)
		for _, in := range insts {
			if d.Info.UpdateOutdatedInstancesOnly {
				if dep := in.Deployed[d.GroupID]; dep != nil && dep.Revision != nil && revisionKey(dep.Revision) == want {
					continue
				}
			}
			names = append(names, in.Info.InstanceName)
		}
		return nil
	})
	return names, err
}

// inPlaceTGs are the target groups instances leave and rejoin: the
// target group list, or, for a group configured with a target group pair,
// the groups of the pair that currently get traffic.
func (e *Engine) inPlaceTGs(ctx context.Context, d *deploymentRecord) ([]string, error) {
	lb := d.Info.LoadBalancerInfo
	if len(lb.TargetGroupInfoList) > 0 {
		return e.resolveTGs(ctx, lb.TargetGroupInfoList)
	}
	var out []string
	for _, p := range lb.TargetGroupPairInfoList {
		arns, err := e.resolveTGs(ctx, p.TargetGroups)
		if err != nil {
			return nil, err
		}
		w, err := e.deps.LoadBalancer.ForwardWeights(ctx, p.ProdTrafficRoute.ListenerArns[0])
		if err != nil {
			return nil, fail("ELASTIC_LOAD_BALANCING_INVALID", "The weights of listener %s could not be read: %v", p.ProdTrafficRoute.ListenerArns[0], err)
		}
		active := arns[0]
		if w[arns[1]] > w[arns[0]] {
			active = arns[1]
		}
		out = append(out, active)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no target groups")
	}
	return out, nil
}
