package codedeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Deployment kinds.
const (
	kindInPlace    = "inplace"
	kindBlueGreen  = "bluegreen"
	kindBGRollback = "bgrollback"
)

// deploymentRecord is a deployment: what the API reports (Info) plus the
// durable state of its execution, so a restart resumes it where it was.
type deploymentRecord struct {
	Info    DeploymentInfo `json:"info"`
	Account string         `json:"account"`
	Region  string         `json:"region"`
	GroupID string         `json:"groupId"`
	Kind    string         `json:"kind"`
	// Phase is where the execution is (see run.go).
	Phase  string               `json:"phase,omitempty"`
	Config DeploymentConfigInfo `json:"config"`
	// Alarms are the alarms watched (the override or the group's); nil or
	// disabled watches none.
	Alarms *AlarmConfiguration `json:"alarms,omitempty"`
	// Instances are the targets of an in-place deployment, in order.
	Instances []string `json:"instances,omitempty"`
	// Blue and Green are a blue/green deployment's original and
	// replacement fleets; GreenCreated are the replacements skiff created
	// (terminated when the deployment fails).
	Blue         []string `json:"blue,omitempty"`
	Green        []string `json:"green,omitempty"`
	GreenCreated []string `json:"greenCreated,omitempty"`
	// TGs are the target groups (ARNs) instances are taken out of and put
	// back into (in-place), or the single target group of a blue/green
	// deployment without a target group pair.
	TGs []string `json:"tgs,omitempty"`
	// Routes are the weighted routes of a blue/green deployment.
	Routes []trafficRoute `json:"routes,omitempty"`
	// Weights are the weights last set on each listener (listener ARN →
	// target group ARN → weight), recorded before they are set; Original
	// are the weights before the deployment touched them.
	Weights  map[string]map[string]int `json:"weights,omitempty"`
	Original map[string]map[string]int `json:"original,omitempty"`
	// Traffic shifting progress.
	ShiftStep int       `json:"shiftStep,omitempty"`
	ShiftAt   time.Time `json:"shiftAt,omitzero"`
	// ReadyUntil ends the wait for ContinueDeployment (STOP_DEPLOYMENT);
	// BakeUntil ends the wait before the original fleet is terminated.
	ReadyUntil time.Time `json:"readyUntil,omitzero"`
	BakeUntil  time.Time `json:"bakeUntil,omitzero"`
	// BlueBlocked: the original fleet has been deregistered (single
	// target group mode).
	BlueBlocked bool `json:"blueBlocked,omitempty"`
	// Stop is a requested stop (API, alarm, ready timeout).
	Stop *stopRecord `json:"stop,omitempty"`
	// Continue and SkipWait are ContinueDeployment's READY_WAIT and
	// TERMINATION_WAIT.
	Continue bool `json:"continue,omitempty"`
	SkipWait bool `json:"skipWait,omitempty"`
	// RollbackOf is, for a rollback deployment, the deployment it undoes.
	RollbackOf string `json:"rollbackOf,omitempty"`
	// Created instances of a rollback to terminate at its end.
	Terminate []string `json:"terminate,omitempty"`
}

// trafficRoute is one weighted route: a production listener and the pair
// of target groups. Blue serves the original fleet.
type trafficRoute struct {
	Listener string `json:"listener"`
	Test     string `json:"test,omitempty"`
	BlueTG   string `json:"blueTG"`
	GreenTG  string `json:"greenTG"`
}

// stopRecord is why a deployment is being stopped.
type stopRecord struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Status is Stopped (default) or Failed.
	Status string `json:"status,omitempty"`
	// Rollback: nil lets the auto rollback configuration decide (with
	// Event); true or false is StopDeployment's autoRollbackEnabled.
	Rollback *bool  `json:"rollback,omitempty"`
	Event    string `json:"event,omitempty"`
}

func decodeDeployment(b []byte) (*deploymentRecord, error) {
	var d deploymentRecord
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *deploymentRecord) scope() awsctx.Scope {
	return awsctx.Scope{AccountID: d.Account, Region: d.Region}
}

func (d *deploymentRecord) scopeCtx(ctx context.Context) context.Context {
	return withScope(ctx, d.Account, d.Region)
}

func (d *deploymentRecord) key() string { return scopePrefix(d.scope()) + d.Info.DeploymentID }

func (d *deploymentRecord) allInstances() []string {
	out := append([]string{}, d.Instances...)
	out = append(out, d.Blue...)
	return append(out, d.Green...)
}

func (d *deploymentRecord) blueGreen() bool {
	return d.Kind == kindBlueGreen || d.Kind == kindBGRollback
}

var deploymentIDPattern = regexp.MustCompile(`^d-[A-Z0-9]{9}$`)

func checkDeploymentID(id string) error {
	if id == "" {
		return errDeploymentIdRequired.New("At least one deployment ID must be specified.")
	}
	if !deploymentIDPattern.MatchString(id) {
		return errInvalidDeploymentId.New("Specified DeploymentId is not in the valid format: %s", id)
	}
	return nil
}

func deploymentNotFound(id string) *apierr.Error {
	return ErrDeploymentDoesNotExist.New("The deployment %s does not exist with the user or AWS account.", id)
}

func (e *Engine) loadDeployment(tx store.Tx, sc awsctx.Scope, id string) (*deploymentRecord, error) {
	if err := checkDeploymentID(id); err != nil {
		return nil, err
	}
	b, err := tx.GetRaw(bucketDeployments, scopePrefix(sc)+id)
	if err == store.ErrNotFound {
		return nil, deploymentNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return decodeDeployment(b)
}

// CreateDeploymentInput is CreateDeployment's input.
type CreateDeploymentInput struct {
	ApplicationName               string
	DeploymentGroupName           string
	Revision                      *RevisionLocation
	DeploymentConfigName          string
	Description                   string
	IgnoreApplicationStopFailures bool
	TargetInstances               *TargetInstances
	AutoRollbackConfiguration     *AutoRollbackConfiguration
	UpdateOutdatedInstancesOnly   bool
	FileExistsBehavior            string
	OverrideAlarmConfiguration    *AlarmConfiguration
	// Creator is "user" unless set (CloudFormation, codeDeployRollback).
	Creator string
}

// CreateDeployment starts a deployment and returns its id.
func (e *Engine) CreateDeployment(ctx context.Context, in CreateDeploymentInput) (string, error) {
	sc := scopeOf(ctx)
	if err := checkAppName(in.ApplicationName); err != nil {
		return "", err
	}
	if in.DeploymentGroupName == "" {
		return "", errDeploymentGroupNameRequired.New("The deployment group name must be specified.")
	}
	if len(in.Description) > 1000 {
		return "", errDescriptionTooLong.New("The description is too long.")
	}
	switch in.FileExistsBehavior {
	case "", "DISALLOW", "OVERWRITE", "RETAIN":
	default:
		return "", errInvalidFileExistsBehavior.New("The fileExistsBehavior %s is invalid. Valid values are DISALLOW, OVERWRITE and RETAIN.", in.FileExistsBehavior)
	}
	if err := validateAutoRollback(in.AutoRollbackConfiguration); err != nil {
		return "", err
	}
	if err := validateAlarms(in.OverrideAlarmConfiguration); err != nil {
		return "", err
	}
	if in.Creator == "" {
		in.Creator = "user"
	}
	// One CreateDeployment at a time per group: the active-deployment
	// check and the record are written in one transaction anyway, the
	// mutex only keeps two callers from racing to fetch configs.
	gm := e.groupLock(sc, in.ApplicationName, in.DeploymentGroupName)
	gm.Lock()
	defer gm.Unlock()
	id := newDeploymentID()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		g, err := e.getGroup(tx, sc, in.ApplicationName, in.DeploymentGroupName)
		if err != nil {
			return err
		}
		if g.Active != "" {
			return errDeploymentLimitExceeded.New("The Deployment Group '%s' already has an active Deployment '%s'", in.DeploymentGroupName, g.Active)
		}
		rev := in.Revision
		if rev == nil {
			rev = g.Info.TargetRevision
		}
		if rev == nil {
			return errRevisionRequired.New("The revision must be specified.")
		}
		rv := *rev
		if rv.S3Location != nil {
			s := *rv.S3Location
			rv.S3Location = &s
		}
		if err := deployableRevision(&rv); err != nil {
			return err
		}
		cfgName := in.DeploymentConfigName
		if cfgName == "" {
			cfgName = g.Info.DeploymentConfigName
		} else if !validName(cfgName) {
			return errInvalidDeploymentConfigName.New("The deployment configuration name is invalid: %s", cfgName)
		}
		cfg, err := e.lookupConfig(tx, scopePrefix(sc), cfgName)
		if err != nil {
			return err
		}
		if cfg.ComputePlatform == PlatformLambda {
			return errInvalidDeploymentConfigName.New("The deployment configuration %s is for the Lambda compute platform and cannot be used by a Server deployment.", cfgName)
		}
		style := *g.Info.DeploymentStyle
		kind := kindInPlace
		if style.DeploymentType == TypeBlueGreen {
			kind = kindBlueGreen
		}
		if kind == kindInPlace && cfg.MinimumHealthyHosts == nil {
			return errInvalidDeploymentConfigName.New("The deployment configuration %s shifts traffic (%s); it applies to blue/green deployments. An in-place deployment needs a configuration with minimum healthy hosts, such as CodeDeployDefault.OneAtATime.", cfgName, cfg.TrafficRoutingConfig.Type)
		}
		if in.TargetInstances != nil && kind == kindInPlace {
			return errInvalidTargetInstances.New("Target instances can only be specified for blue/green deployments.")
		}
		if ti := in.TargetInstances; ti != nil {
			if len(ti.AutoScalingGroups) > 0 {
				return errInvalidAutoScalingGroup.New("Auto Scaling group %s does not exist: skiff has no Auto Scaling groups.", ti.AutoScalingGroups[0])
			}
			if len(ti.TagFilters) > 0 && ti.EC2TagSet != nil {
				return errInvalidTargetInstances.New("Target instances can use tag filters or a tag set, not both.")
			}
		}
		if kind == kindBlueGreen && g.Info.BlueGreenDeploymentConfiguration.GreenFleetProvisioningOption.Action == "DISCOVER_EXISTING" && in.TargetInstances == nil {
			return errInvalidTargetInstances.New("A blue/green deployment that discovers existing instances (DISCOVER_EXISTING) needs targetInstances to identify the replacement instances.")
		}
		if cfg.ComputePlatform == PlatformServer && cfg.TrafficRoutingConfig == nil && cfg.MinimumHealthyHosts == nil {
			return errInvalidDeploymentConfigName.New("The deployment configuration %s is not usable.", cfgName)
		}
		alarms := g.Info.AlarmConfiguration
		if in.OverrideAlarmConfiguration != nil {
			alarms = in.OverrideAlarmConfiguration
		}
		rollback := g.Info.AutoRollbackConfiguration
		if in.AutoRollbackConfiguration != nil {
			rollback = in.AutoRollbackConfiguration
		}
		now := e.now()
		info := DeploymentInfo{
			ApplicationName: in.ApplicationName, DeploymentGroupName: in.DeploymentGroupName, DeploymentConfigName: cfgName,
			DeploymentID: id, Revision: &rv, Status: StatusCreated, CreateTime: now, Description: in.Description, Creator: in.Creator,
			IgnoreApplicationStopFailures: in.IgnoreApplicationStopFailures, AutoRollbackConfiguration: rollback,
			UpdateOutdatedInstancesOnly: in.UpdateOutdatedInstancesOnly, DeploymentStyle: &style, TargetInstances: in.TargetInstances,
			BlueGreenDeploymentConfiguration: g.Info.BlueGreenDeploymentConfiguration, LoadBalancerInfo: g.Info.LoadBalancerInfo,
			FileExistsBehavior: in.FileExistsBehavior, DeploymentStatusMessages: []string{}, ComputePlatform: PlatformServer,
			OverrideAlarmConfiguration: in.OverrideAlarmConfiguration,
		}
		if info.FileExistsBehavior == "" {
			info.FileExistsBehavior = "DISALLOW"
		}
		if g.LastSuccessfulRevision != nil {
			info.PreviousRevision = g.LastSuccessfulRevision
		}
		d := &deploymentRecord{Info: info, Account: sc.AccountID, Region: sc.Region, GroupID: g.Info.DeploymentGroupID, Kind: kind, Config: *cfg, Alarms: alarms}
		if err := tx.Put(bucketDeployments, d.key(), d); err != nil {
			return err
		}
		g.Active = id
		g.Info.TargetRevision = &rv
		g.Info.LastAttemptedDeployment = &LastDeploymentInfo{DeploymentID: id, Status: StatusCreated, CreateTime: now}
		if err := tx.Put(bucketGroups, groupKey(sc, in.ApplicationName, in.DeploymentGroupName), g); err != nil {
			return err
		}
		return noteRevision(tx, scopePrefix(sc), in.ApplicationName, &rv, in.DeploymentGroupName, "", false, now)
	})
	if err != nil {
		return "", err
	}
	e.launch(id, sc.AccountID, sc.Region, false)
	return id, nil
}

func (e *Engine) groupLock(sc awsctx.Scope, app, group string) *sync.Mutex {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := groupKey(sc, app, group)
	m := e.groupMu[k]
	if m == nil {
		m = new(sync.Mutex)
		e.groupMu[k] = m
	}
	return m
}

// getDeployment reads a deployment with its overview filled from its
// targets.
func (e *Engine) getDeployment(ctx context.Context, id string) (*deploymentRecord, error) {
	var d *deploymentRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		d, err = e.loadDeployment(tx, scopeOf(ctx), id)
		if err != nil {
			return err
		}
		d.Info.DeploymentOverview = overview(tx, d)
		return nil
	})
	return d, err
}

func overview(tx store.Tx, d *deploymentRecord) *DeploymentOverview {
	o := &DeploymentOverview{}
	tx.Scan(bucketTargets, store.ScanOptions{Prefix: d.key() + "/"}, func(_ string, v []byte) error {
		var t targetRecord
		if json.Unmarshal(v, &t) != nil {
			return nil
		}
		switch t.Target.Status {
		case TargetPending:
			o.Pending++
		case TargetInProgress:
			o.InProgress++
		case TargetSucceeded:
			o.Succeeded++
		case TargetFailed:
			o.Failed++
		case TargetSkipped:
			o.Skipped++
		case TargetReady:
			o.Ready++
		}
		return nil
	})
	return o
}

// GetDeployment returns a deployment.
func (e *Engine) GetDeployment(ctx context.Context, id string) (*DeploymentInfo, error) {
	d, err := e.getDeployment(ctx, id)
	if err != nil {
		return nil, err
	}
	return &d.Info, nil
}

// BatchGetDeployments returns up to 25 deployments; unknown ids are left
// out.
func (e *Engine) BatchGetDeployments(ctx context.Context, ids []string) ([]DeploymentInfo, error) {
	if len(ids) == 0 {
		return nil, errDeploymentIdRequired.New("At least one deployment ID must be specified.")
	}
	if len(ids) > 25 {
		return nil, errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (25) was exceeded.")
	}
	out := []DeploymentInfo{}
	for _, id := range ids {
		if err := checkDeploymentID(id); err != nil {
			return nil, err
		}
		d, err := e.getDeployment(ctx, id)
		if ErrDeploymentDoesNotExist.Is(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d.Info)
	}
	return out, nil
}

// ListDeploymentsInput filters ListDeployments.
type ListDeploymentsInput struct {
	ApplicationName, DeploymentGroupName, ExternalID string
	IncludeOnlyStatuses                              []string
	Start, End                                       time.Time
	NextToken                                        string
}

// ListDeployments lists deployment ids, newest first.
func (e *Engine) ListDeployments(ctx context.Context, in ListDeploymentsInput) ([]string, string, error) {
	sc := scopeOf(ctx)
	if in.DeploymentGroupName != "" && in.ApplicationName == "" {
		return nil, "", errApplicationNameRequired.New("If you specify a deployment group name, you must also specify an application name.")
	}
	if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
		return nil, "", errInvalidTimeRange.New("The specified time range was specified in an invalid format.")
	}
	for _, s := range in.IncludeOnlyStatuses {
		switch s {
		case StatusCreated, StatusQueued, StatusInProgress, StatusBaking, StatusSucceeded, StatusFailed, StatusStopped, StatusReady:
		default:
			return nil, "", errInvalidDeploymentStatus.New("The deployment status %s is invalid.", s)
		}
	}
	type item struct {
		id string
		t  time.Time
	}
	var items []item
	err := e.st.View(ctx, func(tx store.Tx) error {
		if in.ApplicationName != "" {
			if _, err := e.getApp(tx, sc, in.ApplicationName); err != nil {
				return err
			}
			if in.DeploymentGroupName != "" {
				if _, err := e.getGroup(tx, sc, in.ApplicationName, in.DeploymentGroupName); err != nil {
					return err
				}
			}
		}
		return tx.Scan(bucketDeployments, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
			d, err := decodeDeployment(v)
			if err != nil {
				return nil
			}
			i := d.Info
			if in.ApplicationName != "" && i.ApplicationName != in.ApplicationName ||
				in.DeploymentGroupName != "" && i.DeploymentGroupName != in.DeploymentGroupName ||
				in.ExternalID != "" && i.ExternalID != in.ExternalID ||
				len(in.IncludeOnlyStatuses) > 0 && !contains(in.IncludeOnlyStatuses, i.Status) ||
				!in.Start.IsZero() && i.CreateTime.Before(in.Start) ||
				!in.End.IsZero() && i.CreateTime.After(in.End) {
				return nil
			}
			items = append(items, item{i.DeploymentID, i.CreateTime})
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(items, func(a, b int) bool {
		if !items[a].t.Equal(items[b].t) {
			return items[a].t.After(items[b].t)
		}
		return items[a].id > items[b].id
	})
	start := 0
	if in.NextToken != "" {
		last, ok := decodeToken(in.NextToken)
		if !ok {
			return nil, "", errInvalidNextToken.New("The next token was specified in an invalid format.")
		}
		start = len(items)
		for i, it := range items {
			if it.id == last {
				start = i + 1
			}
		}
	}
	end := min(start+100, len(items))
	out := []string{}
	for _, it := range items[start:end] {
		out = append(out, it.id)
	}
	next := ""
	if end < len(items) {
		next = encodeToken(items[end-1].id)
	}
	return out, next, nil
}

// StopDeployment stops a deployment. autoRollback, when not nil,
// overrides the auto rollback configuration (DEPLOYMENT_STOP_ON_REQUEST).
func (e *Engine) StopDeployment(ctx context.Context, id string, autoRollback *bool) (status, message string, err error) {
	err = e.stop(ctx, id, &stopCause{code: "MANUAL_STOP", msg: "The deployment was stopped by a user.", rollback: autoRollback, event: RollbackOnRequest})
	if err != nil {
		return "", "", err
	}
	return "Pending", "Stopping Pending. Stopping to schedule commands in the deployment instances", nil
}

// stop records a stop request and interrupts the deployment's work.
func (e *Engine) stop(ctx context.Context, id string, c *stopCause) error {
	sc := scopeOf(ctx)
	var d *deploymentRecord
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var err error
		d, err = e.loadDeployment(tx, sc, id)
		if err != nil {
			return err
		}
		if terminal(d.Info.Status) {
			return errDeploymentAlreadyCompleted.New("The deployment %s has already completed.", id)
		}
		if d.Stop == nil {
			d.Stop = c.record()
		}
		return tx.Put(bucketDeployments, d.key(), d)
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	r := e.runs[id]
	e.mu.Unlock()
	if r != nil {
		r.abort(c)
	}
	return nil
}

// ContinueDeployment starts rerouting traffic of a blue/green deployment
// waiting in Ready (READY_WAIT), or ends the wait before the original
// instances are terminated (TERMINATION_WAIT).
func (e *Engine) ContinueDeployment(ctx context.Context, id, waitType string) error {
	if waitType == "" {
		waitType = "READY_WAIT"
	}
	if waitType != "READY_WAIT" && waitType != "TERMINATION_WAIT" {
		return errInvalidDeploymentWaitType.New("The wait type %s is invalid. Valid values are READY_WAIT and TERMINATION_WAIT.", waitType)
	}
	sc := scopeOf(ctx)
	err := e.st.Update(ctx, func(tx store.Tx) error {
		d, err := e.loadDeployment(tx, sc, id)
		if err != nil {
			return err
		}
		if terminal(d.Info.Status) {
			return errDeploymentAlreadyCompleted.New("The deployment %s has already completed.", id)
		}
		if d.Kind != kindBlueGreen {
			return errUnsupportedActionForDeploymentType.New("This action is only supported for blue/green deployments.")
		}
		if waitType == "READY_WAIT" {
			if d.Info.Status != StatusReady {
				return errDeploymentIsNotInReadyState.New("The deployment %s is not in the Ready state.", id)
			}
			d.Continue = true
		} else {
			if !d.Info.InstanceTerminationWaitTimeStarted {
				return errDeploymentIsNotInReadyState.New("The deployment %s is not waiting to terminate its original instances.", id)
			}
			d.SkipWait = true
		}
		return tx.Put(bucketDeployments, d.key(), d)
	})
	if err != nil {
		return err
	}
	e.wakeRun(id)
	return nil
}

// SkipWaitTimeForInstanceTermination is the older form of
// ContinueDeployment with TERMINATION_WAIT.
func (e *Engine) SkipWaitTimeForInstanceTermination(ctx context.Context, id string) error {
	if err := e.ContinueDeployment(ctx, id, "TERMINATION_WAIT"); err != nil {
		if errDeploymentIsNotInReadyState.Is(err) {
			return errDeploymentNotStarted.New("The deployment %s is not waiting to terminate its original instances.", id)
		}
		return err
	}
	return nil
}

// --- targets ---

func (e *Engine) targets(tx store.Tx, d *deploymentRecord) []*targetRecord {
	var out []*targetRecord
	tx.Scan(bucketTargets, store.ScanOptions{Prefix: d.key() + "/"}, func(_ string, v []byte) error {
		var t targetRecord
		if json.Unmarshal(v, &t) == nil {
			out = append(out, &t)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Target.TargetID < out[j].Target.TargetID })
	return out
}

func (e *Engine) startedDeployment(ctx context.Context, id string) (*deploymentRecord, []*targetRecord, error) {
	var d *deploymentRecord
	var ts []*targetRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		d, err = e.loadDeployment(tx, scopeOf(ctx), id)
		if err != nil {
			return err
		}
		ts = e.targets(tx, d)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if d.Info.Status == StatusCreated || d.Info.Status == StatusQueued {
		return nil, nil, errDeploymentNotStarted.New("The specified deployment has not started.")
	}
	return d, ts, nil
}

// ListDeploymentTargets lists a deployment's target ids, filtered by
// TargetStatus and ServerInstanceLabel.
func (e *Engine) ListDeploymentTargets(ctx context.Context, id string, filters map[string][]string, token string) ([]string, string, error) {
	for k := range filters {
		if k != "TargetStatus" && k != "ServerInstanceLabel" {
			return nil, "", errInvalidTargetFilterName.New("The target filter name %s is invalid. Valid values are TargetStatus and ServerInstanceLabel.", k)
		}
	}
	for _, s := range filters["TargetStatus"] {
		if !contains([]string{TargetPending, TargetInProgress, TargetSucceeded, TargetFailed, TargetSkipped, TargetUnknown, TargetReady}, s) {
			return nil, "", errInvalidInstanceStatus.New("The specified instance status does not exist.")
		}
	}
	for _, s := range filters["ServerInstanceLabel"] {
		if s != "Blue" && s != "Green" {
			return nil, "", errInvalidInstanceType.New("An invalid instance type was specified for instances in a blue/green deployment. Valid values include \"Blue\" for an original environment and \"Green\" for a replacement environment.")
		}
	}
	_, ts, err := e.startedDeployment(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	for _, t := range ts {
		if st := filters["TargetStatus"]; len(st) > 0 && !contains(st, t.Target.Status) {
			continue
		}
		if l := filters["ServerInstanceLabel"]; len(l) > 0 && !contains(l, t.Target.InstanceLabel) {
			continue
		}
		ids = append(ids, t.Target.TargetID)
	}
	return paginate(ids, token, 100)
}

func targetOf(ts []*targetRecord, id string) *targetRecord {
	for _, t := range ts {
		if t.Target.TargetID == id {
			return t
		}
	}
	return nil
}

// GetDeploymentTarget returns one target.
func (e *Engine) GetDeploymentTarget(ctx context.Context, id, targetID string) (*DeploymentTarget, error) {
	if targetID == "" {
		return nil, errDeploymentTargetIdRequired.New("A deployment target ID was not provided.")
	}
	_, ts, err := e.startedDeployment(ctx, id)
	if err != nil {
		return nil, err
	}
	t := targetOf(ts, targetID)
	if t == nil {
		return nil, errDeploymentTargetDoesNotExist.New("The provided target ID does not belong to the provided deployment.")
	}
	return &DeploymentTarget{DeploymentTargetType: "InstanceTarget", InstanceTarget: &t.Target}, nil
}

// BatchGetDeploymentTargets returns up to 25 targets.
func (e *Engine) BatchGetDeploymentTargets(ctx context.Context, id string, targetIDs []string) ([]DeploymentTarget, error) {
	if len(targetIDs) == 0 {
		return nil, errDeploymentTargetIdRequired.New("A deployment target ID was not provided.")
	}
	if len(targetIDs) > 25 {
		return nil, errDeploymentTargetListSizeExceeded.New("The maximum number of targets that can be associated with an Amazon ECS or Lambda deployment was exceeded. The target list of both types of deployments must have exactly one item. This exception does not apply to EC2/On-premises deployments.")
	}
	_, ts, err := e.startedDeployment(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []DeploymentTarget{}
	for _, tid := range targetIDs {
		t := targetOf(ts, tid)
		if t == nil {
			return nil, errDeploymentTargetDoesNotExist.New("The provided target ID does not belong to the provided deployment.")
		}
		out = append(out, DeploymentTarget{DeploymentTargetType: "InstanceTarget", InstanceTarget: &t.Target})
	}
	return out, nil
}

func summaryOf(t *targetRecord) InstanceSummary {
	return InstanceSummary{DeploymentID: t.Target.DeploymentID, InstanceID: t.Target.TargetArn, Status: t.Target.Status,
		LastUpdatedAt: t.Target.LastUpdatedAt, LifecycleEvents: t.Target.LifecycleEvents, InstanceType: t.Target.InstanceLabel}
}

// ListDeploymentInstances is the older ListDeploymentTargets; it returns
// instance ids (for on-premises instances, their ARNs, which
// GetDeploymentInstance also accepts as names).
func (e *Engine) ListDeploymentInstances(ctx context.Context, id string, statuses, types []string, token string) ([]string, string, error) {
	for _, s := range statuses {
		if !contains([]string{TargetPending, TargetInProgress, TargetSucceeded, TargetFailed, TargetSkipped, TargetUnknown, TargetReady}, s) {
			return nil, "", errInvalidInstanceStatus.New("The specified instance status does not exist.")
		}
	}
	for _, s := range types {
		if s != "Blue" && s != "Green" {
			return nil, "", errInvalidInstanceType.New("An invalid instance type was specified for instances in a blue/green deployment. Valid values include \"Blue\" for an original environment and \"Green\" for a replacement environment.")
		}
	}
	_, ts, err := e.startedDeployment(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var ids []string
	for _, t := range ts {
		if len(statuses) > 0 && !contains(statuses, t.Target.Status) || len(types) > 0 && !contains(types, t.Target.InstanceLabel) {
			continue
		}
		ids = append(ids, t.Target.TargetArn)
	}
	return paginate(ids, token, 100)
}

func targetByInstance(ts []*targetRecord, id string) *targetRecord {
	for _, t := range ts {
		if t.Target.TargetID == id || t.Target.TargetArn == id {
			return t
		}
	}
	return nil
}

// GetDeploymentInstance returns one instance of a deployment.
func (e *Engine) GetDeploymentInstance(ctx context.Context, id, instanceID string) (*InstanceSummary, error) {
	if instanceID == "" {
		return nil, errInstanceIdRequired.New("The instance ID was not specified.")
	}
	if err := checkDeploymentID(id); err != nil {
		return nil, err
	}
	var ts []*targetRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		d, err := e.loadDeployment(tx, scopeOf(ctx), id)
		if err != nil {
			return err
		}
		ts = e.targets(tx, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	t := targetByInstance(ts, instanceID)
	if t == nil {
		return nil, errInstanceDoesNotExist.New("The specified instance does not exist in the deployment group.")
	}
	s := summaryOf(t)
	return &s, nil
}

// BatchGetDeploymentInstances returns up to 100 instances of a deployment
// and an error message naming those that are not part of it.
func (e *Engine) BatchGetDeploymentInstances(ctx context.Context, id string, instanceIDs []string) ([]InstanceSummary, string, error) {
	if len(instanceIDs) == 0 {
		return nil, "", errInstanceIdRequired.New("The instance ID was not specified.")
	}
	if len(instanceIDs) > 100 {
		return nil, "", errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (100) was exceeded.")
	}
	if err := checkDeploymentID(id); err != nil {
		return nil, "", err
	}
	var ts []*targetRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		d, err := e.loadDeployment(tx, scopeOf(ctx), id)
		if err != nil {
			return err
		}
		ts = e.targets(tx, d)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	out := []InstanceSummary{}
	var missing []string
	for _, iid := range instanceIDs {
		t := targetByInstance(ts, iid)
		if t == nil {
			missing = append(missing, iid)
			continue
		}
		out = append(out, summaryOf(t))
	}
	msg := ""
	if len(missing) > 0 {
		msg = fmt.Sprintf("Instances %s are not part of the deployment %s.", strings.Join(missing, ", "), id)
	}
	return out, msg, nil
}

// PutLifecycleEventHookExecutionStatus reports a hook result; it applies
// to ECS and Lambda deployments, whose hooks are Lambda functions. Server
// hooks are scripts on the instance.
func (e *Engine) PutLifecycleEventHookExecutionStatus(ctx context.Context, id, hookID, status string) (string, error) {
	if err := checkDeploymentID(id); err != nil {
		return "", err
	}
	if status != "" && !contains([]string{"Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Unknown"}, status) {
		return "", errInvalidLifecycleEventHookExecutionStatus.New("The result of a Lambda validation function that verifies a lifecycle event is invalid. It should return Succeeded or Failed.")
	}
	err := e.st.View(ctx, func(tx store.Tx) error {
		_, err := e.loadDeployment(tx, scopeOf(ctx), id)
		return err
	})
	if err != nil {
		return "", err
	}
	if hookID == "" {
		return "", errInvalidLifecycleEventHookExecutionId.New("A lifecycle event hook is invalid. Review the hooks section in your AppSpec file to ensure the lifecycle events and hooks functions are valid.")
	}
	return "", errUnsupportedActionForDeploymentType.New("A call was submitted that is not supported for the specified deployment type: lifecycle hook execution status is reported by ECS and Lambda deployments; Server deployments run hook scripts on the instances.")
}
