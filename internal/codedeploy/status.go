package codedeploy

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// StatusView is a deployment as `skiff deploy status ID [-f]` shows it:
// the traffic split, each instance's lifecycle, and the alarm states, as
// they are now.
type StatusView struct {
	DeploymentID, Application, DeploymentGroup string
	Config, Status, DeploymentType, Creator    string
	Revision, Description                      string
	Created, Started, Completed                time.Time
	Error                                      *ErrorInformation
	Overview                                   DeploymentOverview
	Rollback                                   *RollbackInfo
	Messages                                   []string
	// Phase is where the execution is (blue/green: provision, install,
	// ready, allow, shift, allowed, block, bake, terminate).
	Phase string
	// Until is when the current wait ends (Ready, Baking, next traffic
	// step), zero when none.
	Until     time.Time
	Traffic   []TrafficView
	Instances []InstanceView
	Alarms    []AlarmView
}

// Done reports whether the deployment has completed.
func (v *StatusView) Done() bool { return terminal(v.Status) }

// TrafficView is one listener's forward weights, or one target group's
// targets (in-place deployments).
type TrafficView struct {
	Listener string
	Groups   []TargetGroupWeight
}

// TargetGroupWeight is a target group's share of a listener and its
// targets' health.
type TargetGroupWeight struct {
	ARN, Name string
	Weight    int
	// Role is "original" or "replacement" in a blue/green deployment.
	Role    string
	Targets []TargetHealth
}

// InstanceView is one instance's part of a deployment.
type InstanceView struct {
	Name, Label, Status string
	Port                int
	Events              []LifecycleEvent
}

// AlarmView is one watched alarm's state (Err when it could not be read).
type AlarmView struct {
	Name, State, Err string
}

// DeploymentStatus returns a deployment's status view. ctx carries the
// account and region.
func (e *Engine) DeploymentStatus(ctx context.Context, id string) (*StatusView, error) {
	var d *deploymentRecord
	var ts []*targetRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		if d, err = e.loadDeployment(tx, scopeOf(ctx), id); err != nil {
			return err
		}
		d.Info.DeploymentOverview = overview(tx, d)
		ts = e.targets(tx, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	i := d.Info
	v := &StatusView{DeploymentID: i.DeploymentID, Application: i.ApplicationName, DeploymentGroup: i.DeploymentGroupName, Config: i.DeploymentConfigName,
		Status: i.Status, Creator: i.Creator, Revision: describeRevision(i.Revision), Description: i.Description, Created: i.CreateTime,
		Started: i.StartTime, Completed: i.CompleteTime, Error: i.ErrorInformation, Overview: *i.DeploymentOverview, Rollback: i.RollbackInfo,
		Messages: i.DeploymentStatusMessages, Phase: d.Phase}
	if i.DeploymentStyle != nil {
		v.DeploymentType = i.DeploymentStyle.DeploymentType
	}
	if d.Kind == kindBGRollback {
		v.DeploymentType = TypeBlueGreen + " (rollback)"
	}
	switch {
	case i.Status == StatusReady:
		v.Until = d.ReadyUntil
	case i.Status == StatusBaking:
		v.Until = d.BakeUntil
	case d.Phase == "shift" && !d.ShiftAt.IsZero() && d.ShiftAt.After(e.now()):
		v.Until = d.ShiftAt
	}
	ports := map[string]int{}
	for _, t := range ts {
		if inst, err := e.getInstance(ctx, t.Target.TargetID); err == nil {
			ports[t.Target.TargetID] = inst.Port
		}
		v.Instances = append(v.Instances, InstanceView{Name: t.Target.TargetID, Label: t.Target.InstanceLabel, Status: t.Target.Status,
			Port: ports[t.Target.TargetID], Events: t.Target.LifecycleEvents})
	}
	if lb := e.deps.LoadBalancer; lb != nil {
		health := func(tg string) []TargetHealth {
			hs, _ := lb.TargetHealth(ctx, tg)
			return hs
		}
		for _, rt := range d.Routes {
			w, err := lb.ForwardWeights(ctx, rt.Listener)
			if err != nil {
				continue
			}
			tv := TrafficView{Listener: rt.Listener}
			for _, tg := range sortedKeys(w) {
				role := ""
				switch tg {
				case rt.BlueTG:
					role = "original"
				case rt.GreenTG:
					role = "replacement"
				}
				tv.Groups = append(tv.Groups, TargetGroupWeight{ARN: tg, Name: tgName(tg), Weight: w[tg], Role: role, Targets: health(tg)})
			}
			v.Traffic = append(v.Traffic, tv)
		}
		if len(d.Routes) == 0 && len(d.TGs) > 0 {
			tv := TrafficView{}
			for _, tg := range d.TGs {
				tv.Groups = append(tv.Groups, TargetGroupWeight{ARN: tg, Name: tgName(tg), Weight: -1, Targets: health(tg)})
			}
			v.Traffic = append(v.Traffic, tv)
		}
	}
	if d.Alarms != nil && d.Alarms.Enabled {
		for _, a := range d.Alarms.Alarms {
			av := AlarmView{Name: a.Name}
			if e.deps.Alarms == nil {
				av.Err = "no CloudWatch available"
			} else if st, err := e.deps.Alarms.AlarmState(ctx, a.Name); err != nil {
				av.Err = err.Error()
			} else {
				av.State = st
			}
			v.Alarms = append(v.Alarms, av)
		}
	}
	return v, nil
}

func fmtDur(a, b time.Time) string {
	if a.IsZero() || b.IsZero() {
		return ""
	}
	d := b.Sub(a)
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// RenderStatus writes a status view as text (what `skiff deploy status`
// prints).
func RenderStatus(w io.Writer, v *StatusView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Deployment\t%s  %s/%s  %s\n", v.DeploymentID, v.Application, v.DeploymentGroup, v.Status)
	kind := v.DeploymentType
	if v.Phase != "" && !v.Done() {
		kind += ", phase " + v.Phase
	}
	fmt.Fprintf(tw, "Type\t%s, %s\n", kind, v.Config)
	if v.Revision != "" {
		fmt.Fprintf(tw, "Revision\t%s\n", v.Revision)
	}
	if v.Description != "" {
		fmt.Fprintf(tw, "Description\t%s\n", v.Description)
	}
	times := "created " + v.Created.Local().Format("15:04:05.000")
	if !v.Started.IsZero() {
		times += ", started " + v.Started.Local().Format("15:04:05.000")
	}
	if !v.Completed.IsZero() {
		times += ", completed " + v.Completed.Local().Format("15:04:05.000") + " (" + fmtDur(v.Created, v.Completed) + ")"
	}
	fmt.Fprintf(tw, "Time\t%s\n", times)
	if !v.Until.IsZero() {
		fmt.Fprintf(tw, "Waiting\tuntil %s (%s left)\n", v.Until.Local().Format("15:04:05"), time.Until(v.Until).Round(time.Second))
	}
	if v.Error != nil {
		fmt.Fprintf(tw, "Error\t%s: %s\n", v.Error.Code, v.Error.Message)
	}
	if r := v.Rollback; r != nil {
		switch {
		case r.RollbackDeploymentID != "":
			fmt.Fprintf(tw, "Rollback\trolled back by %s\n", r.RollbackDeploymentID)
		case r.RollbackTriggeringDeploymentID != "":
			fmt.Fprintf(tw, "Rollback\tof %s\n", r.RollbackTriggeringDeploymentID)
		case r.RollbackMessage != "":
			fmt.Fprintf(tw, "Rollback\t%s\n", r.RollbackMessage)
		}
	}
	for _, m := range v.Messages {
		fmt.Fprintf(tw, "Note\t%s\n", m)
	}
	// One line per target group under its listener, so long listener ids
	// do not widen the first column.
	for _, tv := range v.Traffic {
		head := "all target groups"
		if tv.Listener != "" {
			head = "listener " + tgName(tv.Listener)
			if i := strings.Index(tv.Listener, ":listener/"); i >= 0 {
				head = "listener " + tv.Listener[i+len(":listener/"):]
			}
		}
		fmt.Fprintf(tw, "Traffic\t%s\n", head)
		for _, g := range tv.Groups {
			p := g.Name
			if g.Weight >= 0 {
				p += fmt.Sprintf(" %d%%", g.Weight)
			}
			if g.Role != "" {
				p += " (" + g.Role + ")"
			}
			var hs []string
			for _, h := range g.Targets {
				hs = append(hs, fmt.Sprintf("%s:%d %s", h.Target.ID, h.Target.Port, h.State))
			}
			sort.Strings(hs)
			if len(hs) > 0 {
				p += " [" + strings.Join(hs, ", ") + "]"
			}
			fmt.Fprintf(tw, "\t  %s\n", p)
		}
	}
	for _, a := range v.Alarms {
		if a.Err != "" {
			fmt.Fprintf(tw, "Alarm\t%s: state unknown (%s)\n", a.Name, a.Err)
		} else {
			fmt.Fprintf(tw, "Alarm\t%s: %s\n", a.Name, a.State)
		}
	}
	o := v.Overview
	fmt.Fprintf(tw, "Instances\t%d pending, %d in progress, %d ready, %d succeeded, %d failed, %d skipped\n", o.Pending, o.InProgress, o.Ready, o.Succeeded, o.Failed, o.Skipped)
	tw.Flush()
	for _, in := range v.Instances {
		head := "  " + in.Name
		if in.Label != "" {
			head += " (" + in.Label + ")"
		}
		if in.Port > 0 {
			head += fmt.Sprintf(" port %d", in.Port)
		}
		fmt.Fprintf(w, "%s  %s\n", head, in.Status)
		et := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, ev := range in.Events {
			line := fmt.Sprintf("    %s\t%s\t%s", ev.LifecycleEventName, ev.Status, fmtDur(ev.StartTime, ev.EndTime))
			if dg := ev.Diagnostics; dg != nil && dg.ErrorCode != "" && dg.ErrorCode != "Success" {
				line += "\t" + dg.ErrorCode + ": " + dg.Message
			}
			fmt.Fprintln(et, line)
		}
		et.Flush()
		for _, ev := range in.Events {
			if dg := ev.Diagnostics; dg != nil && dg.ErrorCode != "" && dg.ErrorCode != "Success" && strings.TrimSpace(dg.LogTail) != "" {
				fmt.Fprintf(w, "    log tail of %s:\n", ev.LifecycleEventName)
				for _, l := range strings.Split(strings.TrimRight(dg.LogTail, "\n"), "\n") {
					fmt.Fprintf(w, "      %s\n", l)
				}
			}
		}
	}
}

// RenderInstances writes instances as `skiff instances ls` prints them.
func RenderInstances(w io.Writer, insts []Instance) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPORT\tSTATUS\tPROCESSES\tTAGS\tREVISION")
	for _, in := range insts {
		var tags []string
		for k, v := range in.Tags {
			tags = append(tags, k+"="+v)
		}
		sort.Strings(tags)
		rev := "-"
		if n := len(in.Deployments); n > 0 {
			d := in.Deployments[n-1]
			rev = d.Application + "/" + d.DeploymentGroup + " " + d.DeploymentID
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", in.Name, in.Port, in.Status, in.Processes, strings.Join(tags, ","), rev)
	}
	tw.Flush()
}
