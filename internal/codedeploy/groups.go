package codedeploy

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

func groupKey(sc awsctx.Scope, app, group string) string {
	return scopePrefix(sc) + app + "/" + group
}

func groupNotFound(name string) *apierr.Error {
	return ErrDeploymentGroupDoesNotExist.New("The deployment group %s does not exist with the user or AWS account.", name)
}

func checkGroupName(name string) error {
	if name == "" {
		return errDeploymentGroupNameRequired.New("The deployment group name must be specified.")
	}
	if !validName(name) {
		return errInvalidDeploymentGroupName.New("The deployment group name is invalid: %s. Deployment group names can have up to 100 characters: letters, numbers, and . _ - + = , @", name)
	}
	return nil
}

func (e *Engine) getGroup(tx store.Tx, sc awsctx.Scope, app, group string) (*groupRecord, error) {
	if _, err := e.getApp(tx, sc, app); err != nil {
		return nil, err
	}
	if err := checkGroupName(group); err != nil {
		return nil, err
	}
	g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(sc, app, group))
	if err == store.ErrNotFound {
		return nil, groupNotFound(group)
	}
	return g, err
}

// GroupInput is the configuration of a deployment group, for
// CreateDeploymentGroup and UpdateDeploymentGroup. In an update, nil
// members leave the group's value as it is and empty lists clear it.
type GroupInput struct {
	DeploymentConfigName             string
	EC2TagFilters                    []TagFilter
	OnPremisesInstanceTagFilters     []TagFilter
	AutoScalingGroups                []string
	ServiceRoleArn                   string
	TriggerConfigurations            []TriggerConfig
	AlarmConfiguration               *AlarmConfiguration
	AutoRollbackConfiguration        *AutoRollbackConfiguration
	OutdatedInstancesStrategy        string
	DeploymentStyle                  *DeploymentStyle
	BlueGreenDeploymentConfiguration *BlueGreenDeploymentConfiguration
	LoadBalancerInfo                 *LoadBalancerInfo
	EC2TagSet                        *EC2TagSet
	ECSServices                      []ECSService
	OnPremisesTagSet                 *OnPremisesTagSet
	TerminationHookEnabled           *bool
	Tags                             []Tag
}

func validRoleARN(s string) bool {
	p, ok := awsctx.ParseARN(s)
	return ok && p.Service == "iam" && strings.HasPrefix(p.Resource, "role/") && len(p.Resource) > 5
}

func validateFilters(fs []TagFilter, code apierr.Code) error {
	for _, f := range fs {
		switch f.Type {
		case "KEY_ONLY":
			if f.Key == "" {
				return code.New("A tag filter of type KEY_ONLY needs a key.")
			}
		case "VALUE_ONLY":
			if f.Value == "" {
				return code.New("A tag filter of type VALUE_ONLY needs a value.")
			}
		case "KEY_AND_VALUE", "":
			if f.Key == "" {
				return code.New("A tag filter of type KEY_AND_VALUE needs a key.")
			}
		default:
			return code.New("The tag filter type %s is invalid. Valid values are KEY_ONLY, VALUE_ONLY and KEY_AND_VALUE.", f.Type)
		}
	}
	return nil
}

// validateGroup checks a complete group configuration.
func (e *Engine) validateGroup(tx store.Tx, sc awsctx.Scope, g *DeploymentGroupInfo) error {
	if g.ServiceRoleArn == "" {
		return errRoleRequired.New("The service role ARN must be specified.")
	}
	if !validRoleARN(g.ServiceRoleArn) {
		return errInvalidRole.New("The service role ARN %s is not a valid IAM role ARN.", g.ServiceRoleArn)
	}
	cfg, err := e.lookupConfig(tx, scopePrefix(sc), g.DeploymentConfigName)
	if err != nil {
		return err
	}
	if cfg.ComputePlatform == PlatformLambda && g.ComputePlatform == PlatformServer {
		return errInvalidDeploymentConfigName.New("The deployment configuration %s is for the Lambda compute platform and cannot be used by a Server deployment group.", cfg.DeploymentConfigName)
	}
	if len(g.EC2TagFilters) > 0 && g.EC2TagSet != nil && len(g.EC2TagSet.List) > 0 {
		return errInvalidEC2TagCombination.New("The Amazon EC2 tags and Amazon EC2 tag groups cannot be specified together. Use one or the other.")
	}
	if len(g.OnPremisesInstanceTagFilters) > 0 && g.OnPremisesTagSet != nil && len(g.OnPremisesTagSet.List) > 0 {
		return errInvalidOnPremisesTagCombination.New("The on-premises tags and on-premises tag groups cannot be specified together. Use one or the other.")
	}
	if err := validateFilters(g.EC2TagFilters, errInvalidEC2Tag); err != nil {
		return err
	}
	if err := validateFilters(g.OnPremisesInstanceTagFilters, errInvalidTag); err != nil {
		return err
	}
	if g.EC2TagSet != nil {
		if len(g.EC2TagSet.List) > 3 {
			return errTagSetListLimitExceeded.New("The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3.")
		}
		for _, l := range g.EC2TagSet.List {
			if err := validateFilters(l, errInvalidEC2Tag); err != nil {
				return err
			}
		}
	}
	if g.OnPremisesTagSet != nil {
		if len(g.OnPremisesTagSet.List) > 3 {
			return errTagSetListLimitExceeded.New("The number of tag groups included in the tag set list exceeded the maximum allowed limit of 3.")
		}
		for _, l := range g.OnPremisesTagSet.List {
			if err := validateFilters(l, errInvalidTag); err != nil {
				return err
			}
		}
	}
	if len(g.AutoScalingGroups) > 0 {
		return errInvalidAutoScalingGroup.New("Auto Scaling group %s does not exist: skiff has no Auto Scaling groups; target local instances by tag (onPremisesInstanceTagFilters).", g.AutoScalingGroups[0].Name)
	}
	if len(g.ECSServices) > 0 {
		return errInvalidECSService.New("ECS services are not supported by skiff yet; create a Server deployment group.")
	}
	if len(g.TriggerConfigurations) > 10 {
		return errTriggerTargetsLimitExceeded.New("The maximum number of triggers for a deployment group (10) was exceeded.")
	}
	for _, t := range g.TriggerConfigurations {
		if t.TriggerName == "" || t.TriggerTargetArn == "" {
			return errInvalidTriggerConfig.New("A trigger needs a name and a target ARN.")
		}
	}
	if err := validateAlarms(g.AlarmConfiguration); err != nil {
		return err
	}
	if err := validateAutoRollback(g.AutoRollbackConfiguration); err != nil {
		return err
	}
	if s := g.OutdatedInstancesStrategy; s != "UPDATE" && s != "IGNORE" {
		return errInvalidInput.New("The outdated instances strategy %s is invalid. Valid values are UPDATE and IGNORE.", s)
	}
	st := g.DeploymentStyle
	if st.DeploymentType != TypeInPlace && st.DeploymentType != TypeBlueGreen {
		return errInvalidDeploymentStyle.New("The deployment type %s is invalid. Valid values are IN_PLACE and BLUE_GREEN.", st.DeploymentType)
	}
	if st.DeploymentOption != WithTrafficControl && st.DeploymentOption != WithoutTrafficControl {
		return errInvalidDeploymentStyle.New("The deployment option %s is invalid. Valid values are WITH_TRAFFIC_CONTROL and WITHOUT_TRAFFIC_CONTROL.", st.DeploymentOption)
	}
	if st.DeploymentType == TypeBlueGreen && st.DeploymentOption != WithTrafficControl {
		return errInvalidDeploymentStyle.New("A blue/green deployment group must use WITH_TRAFFIC_CONTROL: traffic moves through a load balancer.")
	}
	if err := validateBlueGreen(g.BlueGreenDeploymentConfiguration); err != nil {
		return err
	}
	if lb := g.LoadBalancerInfo; lb != nil {
		if len(lb.ElbInfoList) > 0 {
			return errInvalidLoadBalancerInfo.New("Classic Load Balancers (elbInfoList) are not supported by skiff; use an Application Load Balancer target group (targetGroupInfoList or targetGroupPairInfoList).")
		}
		if len(lb.TargetGroupInfoList) > 0 && len(lb.TargetGroupPairInfoList) > 0 {
			return errInvalidLoadBalancerInfo.New("Specify either targetGroupInfoList or targetGroupPairInfoList, not both.")
		}
		for _, t := range lb.TargetGroupInfoList {
			if t.Name == "" {
				return errInvalidLoadBalancerInfo.New("A target group in targetGroupInfoList has no name.")
			}
		}
		if len(lb.TargetGroupPairInfoList) > 1 {
			return errInvalidTargetGroupPair.New("Only one target group pair can be specified.")
		}
		for _, p := range lb.TargetGroupPairInfoList {
			if len(p.TargetGroups) != 2 || p.TargetGroups[0].Name == "" || p.TargetGroups[1].Name == "" || p.TargetGroups[0].Name == p.TargetGroups[1].Name {
				return errInvalidTargetGroupPair.New("A target group pair must name exactly two different target groups.")
			}
			if p.ProdTrafficRoute == nil || len(p.ProdTrafficRoute.ListenerArns) != 1 {
				return errInvalidTargetGroupPair.New("A target group pair needs a production traffic route with exactly one listener ARN.")
			}
			if p.TestTrafficRoute != nil && len(p.TestTrafficRoute.ListenerArns) > 1 {
				return errInvalidTargetGroupPair.New("A test traffic route can have at most one listener ARN.")
			}
		}
		if (len(lb.TargetGroupInfoList) > 0 || len(lb.TargetGroupPairInfoList) > 0) && e.deps.LoadBalancer == nil {
			return errInvalidLoadBalancerInfo.New("No load balancer is available to this CodeDeploy engine.")
		}
	}
	return nil
}

func validateAlarms(a *AlarmConfiguration) error {
	if a == nil {
		return nil
	}
	if len(a.Alarms) > 10 {
		return errAlarmsLimitExceeded.New("The maximum number of alarms for a deployment group (10) was exceeded.")
	}
	seen := map[string]bool{}
	for _, al := range a.Alarms {
		if al.Name == "" || len(al.Name) > 255 {
			return errInvalidAlarmConfig.New("An alarm name must have 1 to 255 characters.")
		}
		if seen[al.Name] {
			return errInvalidAlarmConfig.New("The alarm %s is listed more than once.", al.Name)
		}
		seen[al.Name] = true
	}
	if a.Enabled && len(a.Alarms) == 0 {
		return errInvalidAlarmConfig.New("The alarm configuration is enabled but lists no alarms.")
	}
	return nil
}

func validateAutoRollback(a *AutoRollbackConfiguration) error {
	if a == nil {
		return nil
	}
	for _, ev := range a.Events {
		if ev != RollbackOnFailure && ev != RollbackOnAlarm && ev != RollbackOnRequest {
			return errInvalidAutoRollbackConfig.New("The automatic rollback event %s is invalid. Valid values are DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM and DEPLOYMENT_STOP_ON_REQUEST.", ev)
		}
	}
	if a.Enabled && len(a.Events) == 0 {
		return errInvalidAutoRollbackConfig.New("Automatic rollback is enabled but no rollback events are specified.")
	}
	return nil
}

func validateBlueGreen(b *BlueGreenDeploymentConfiguration) error {
	if b == nil {
		return nil
	}
	if t := b.TerminateBlueInstancesOnDeploymentSuccess; t != nil {
		if t.Action != "" && t.Action != "TERMINATE" && t.Action != "KEEP_ALIVE" {
			return errInvalidBlueGreenDeploymentConfiguration.New("The action %s for the original instances is invalid. Valid values are TERMINATE and KEEP_ALIVE.", t.Action)
		}
		if t.TerminationWaitTimeInMinutes < 0 || t.TerminationWaitTimeInMinutes > 2880 {
			return errInvalidBlueGreenDeploymentConfiguration.New("The termination wait time must be between 0 and 2880 minutes; %d is invalid.", t.TerminationWaitTimeInMinutes)
		}
	}
	if r := b.DeploymentReadyOption; r != nil {
		if r.ActionOnTimeout != "" && r.ActionOnTimeout != "CONTINUE_DEPLOYMENT" && r.ActionOnTimeout != "STOP_DEPLOYMENT" {
			return errInvalidBlueGreenDeploymentConfiguration.New("The action on timeout %s is invalid. Valid values are CONTINUE_DEPLOYMENT and STOP_DEPLOYMENT.", r.ActionOnTimeout)
		}
		if r.WaitTimeInMinutes < 0 || r.WaitTimeInMinutes > 2880 {
			return errInvalidBlueGreenDeploymentConfiguration.New("The wait time must be between 0 and 2880 minutes; %d is invalid.", r.WaitTimeInMinutes)
		}
	}
	if g := b.GreenFleetProvisioningOption; g != nil && g.Action != "" && g.Action != "DISCOVER_EXISTING" && g.Action != "COPY_AUTO_SCALING_GROUP" {
		return errInvalidBlueGreenDeploymentConfiguration.New("The green fleet provisioning action %s is invalid. Valid values are DISCOVER_EXISTING and COPY_AUTO_SCALING_GROUP.", g.Action)
	}
	return nil
}

// applyDefaults fills what AWS fills when a group omits it.
func applyDefaults(g *DeploymentGroupInfo) {
	if g.DeploymentConfigName == "" {
		g.DeploymentConfigName = DefaultConfig
	}
	if g.OutdatedInstancesStrategy == "" {
		g.OutdatedInstancesStrategy = "UPDATE"
	}
	if g.DeploymentStyle == nil {
		g.DeploymentStyle = &DeploymentStyle{}
	}
	if g.DeploymentStyle.DeploymentType == "" {
		g.DeploymentStyle.DeploymentType = TypeInPlace
	}
	if g.DeploymentStyle.DeploymentOption == "" {
		g.DeploymentStyle.DeploymentOption = WithoutTrafficControl
	}
	if g.AlarmConfiguration == nil {
		g.AlarmConfiguration = &AlarmConfiguration{}
	}
	if g.AlarmConfiguration.Alarms == nil {
		g.AlarmConfiguration.Alarms = []Alarm{}
	}
	if g.AutoRollbackConfiguration == nil {
		g.AutoRollbackConfiguration = &AutoRollbackConfiguration{}
	}
	if g.AutoRollbackConfiguration.Events == nil {
		g.AutoRollbackConfiguration.Events = []string{}
	}
	if g.DeploymentStyle.DeploymentType == TypeBlueGreen {
		b := g.BlueGreenDeploymentConfiguration
		if b == nil {
			b = &BlueGreenDeploymentConfiguration{}
			g.BlueGreenDeploymentConfiguration = b
		}
		if b.TerminateBlueInstancesOnDeploymentSuccess == nil {
			b.TerminateBlueInstancesOnDeploymentSuccess = &BlueInstanceTerminationOption{Action: "TERMINATE", TerminationWaitTimeInMinutes: 60}
		}
		if b.TerminateBlueInstancesOnDeploymentSuccess.Action == "" {
			b.TerminateBlueInstancesOnDeploymentSuccess.Action = "TERMINATE"
		}
		if b.DeploymentReadyOption == nil {
			b.DeploymentReadyOption = &DeploymentReadyOption{ActionOnTimeout: "CONTINUE_DEPLOYMENT"}
		}
		if b.DeploymentReadyOption.ActionOnTimeout == "" {
			b.DeploymentReadyOption.ActionOnTimeout = "CONTINUE_DEPLOYMENT"
		}
		if b.GreenFleetProvisioningOption == nil {
			b.GreenFleetProvisioningOption = &GreenFleetProvisioningOption{Action: "DISCOVER_EXISTING"}
		}
		if b.GreenFleetProvisioningOption.Action == "" {
			b.GreenFleetProvisioningOption.Action = "DISCOVER_EXISTING"
		}
	}
	for _, l := range []*[]TagFilter{&g.EC2TagFilters, &g.OnPremisesInstanceTagFilters} {
		if *l == nil {
			*l = []TagFilter{}
		}
		for i := range *l {
			if (*l)[i].Type == "" {
				(*l)[i].Type = "KEY_AND_VALUE"
			}
		}
	}
	if g.AutoScalingGroups == nil {
		g.AutoScalingGroups = []AutoScalingGroup{}
	}
	if g.TriggerConfigurations == nil {
		g.TriggerConfigurations = []TriggerConfig{}
	}
	if g.ECSServices == nil {
		g.ECSServices = []ECSService{}
	}
}

func (in *GroupInput) applyTo(g *DeploymentGroupInfo, update bool) {
	if in.DeploymentConfigName != "" {
		g.DeploymentConfigName = in.DeploymentConfigName
	}
	if in.EC2TagFilters != nil || !update {
		g.EC2TagFilters = in.EC2TagFilters
	}
	if in.OnPremisesInstanceTagFilters != nil || !update {
		g.OnPremisesInstanceTagFilters = in.OnPremisesInstanceTagFilters
	}
	if in.AutoScalingGroups != nil || !update {
		g.AutoScalingGroups = nil
		for _, n := range in.AutoScalingGroups {
			g.AutoScalingGroups = append(g.AutoScalingGroups, AutoScalingGroup{Name: n})
		}
	}
	if in.ServiceRoleArn != "" {
		g.ServiceRoleArn = in.ServiceRoleArn
	}
	if in.TriggerConfigurations != nil || !update {
		g.TriggerConfigurations = in.TriggerConfigurations
	}
	if in.AlarmConfiguration != nil || !update {
		g.AlarmConfiguration = in.AlarmConfiguration
	}
	if in.AutoRollbackConfiguration != nil || !update {
		g.AutoRollbackConfiguration = in.AutoRollbackConfiguration
	}
	if in.OutdatedInstancesStrategy != "" {
		g.OutdatedInstancesStrategy = in.OutdatedInstancesStrategy
	}
	if in.DeploymentStyle != nil || !update {
		g.DeploymentStyle = in.DeploymentStyle
	}
	if in.BlueGreenDeploymentConfiguration != nil || !update {
		g.BlueGreenDeploymentConfiguration = in.BlueGreenDeploymentConfiguration
	}
	if in.LoadBalancerInfo != nil || !update {
		g.LoadBalancerInfo = in.LoadBalancerInfo
		if lb := g.LoadBalancerInfo; lb != nil && len(lb.ElbInfoList) == 0 && len(lb.TargetGroupInfoList) == 0 && len(lb.TargetGroupPairInfoList) == 0 {
			g.LoadBalancerInfo = nil
		}
	}
	if in.EC2TagSet != nil || !update {
		g.EC2TagSet = in.EC2TagSet
	}
	if in.OnPremisesTagSet != nil || !update {
		g.OnPremisesTagSet = in.OnPremisesTagSet
	}
	if in.ECSServices != nil || !update {
		g.ECSServices = in.ECSServices
	}
	if in.TerminationHookEnabled != nil {
		g.TerminationHookEnabled = *in.TerminationHookEnabled
	}
}

// CreateDeploymentGroup creates a deployment group and returns its id.
func (e *Engine) CreateDeploymentGroup(ctx context.Context, app, name string, in GroupInput) (string, error) {
	sc := scopeOf(ctx)
	if err := validateTags(in.Tags); err != nil {
		return "", err
	}
	var id string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		a, err := e.getApp(tx, sc, app)
		if err != nil {
			return err
		}
		if err := checkGroupName(name); err != nil {
			return err
		}
		if _, err := tx.GetRaw(bucketGroups, groupKey(sc, app, name)); err == nil {
			return errDeploymentGroupAlreadyExists.New("The deployment group %s already exists with the user or AWS account.", name)
		}
		g := DeploymentGroupInfo{ApplicationName: app, DeploymentGroupID: newUUID(), DeploymentGroupName: name, ComputePlatform: a.Info.ComputePlatform}
		in.applyTo(&g, false)
		applyDefaults(&g)
		if err := e.validateGroup(tx, sc, &g); err != nil {
			return err
		}
		id = g.DeploymentGroupID
		return tx.Put(bucketGroups, groupKey(sc, app, name), &groupRecord{Info: g, Tags: tagsToMap(in.Tags)})
	})
	return id, err
}

// UpdateDeploymentGroup changes a group (and renames it when newName is
// set).
func (e *Engine) UpdateDeploymentGroup(ctx context.Context, app, current, newName string, in GroupInput) error {
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		g, err := e.getGroup(tx, sc, app, current)
		if err != nil {
			return err
		}
		in.applyTo(&g.Info, true)
		applyDefaults(&g.Info)
		if err := e.validateGroup(tx, sc, &g.Info); err != nil {
			return err
		}
		if newName != "" && newName != current {
			if err := checkGroupName(newName); err != nil {
				return err
			}
			if g.Active != "" {
				return errInvalidInput.New("The deployment group %s has a deployment in progress (%s) and cannot be renamed now.", current, g.Active)
			}
			if _, err := tx.GetRaw(bucketGroups, groupKey(sc, app, newName)); err == nil {
				return errDeploymentGroupAlreadyExists.New("The deployment group %s already exists with the user or AWS account.", newName)
			}
			if err := tx.Delete(bucketGroups, groupKey(sc, app, current)); err != nil {
				return err
			}
			g.Info.DeploymentGroupName = newName
			current = newName
		}
		return tx.Put(bucketGroups, groupKey(sc, app, current), g)
	})
}

// GetDeploymentGroup returns a group.
func (e *Engine) GetDeploymentGroup(ctx context.Context, app, name string) (*DeploymentGroupInfo, error) {
	var out *DeploymentGroupInfo
	err := e.st.View(ctx, func(tx store.Tx) error {
		g, err := e.getGroup(tx, scopeOf(ctx), app, name)
		if err != nil {
			return err
		}
		out = &g.Info
		return nil
	})
	return out, err
}

// BatchGetDeploymentGroups returns the groups that exist and an error
// message naming the others.
func (e *Engine) BatchGetDeploymentGroups(ctx context.Context, app string, names []string) ([]DeploymentGroupInfo, string, error) {
	if len(names) > 100 {
		return nil, "", errBatchLimitExceeded.New("The maximum number of names or IDs allowed for this request (100) was exceeded.")
	}
	if len(names) == 0 {
		return nil, "", errDeploymentGroupNameRequired.New("The deployment group names must be specified.")
	}
	sc := scopeOf(ctx)
	var out []DeploymentGroupInfo
	var missing []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		for _, n := range names {
			g, err := e.getGroup(tx, sc, app, n)
			if ErrDeploymentGroupDoesNotExist.Is(err) {
				missing = append(missing, n)
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, g.Info)
		}
		return nil
	})
	msg := ""
	if len(missing) > 0 {
		msg = fmt.Sprintf("The deployment groups %s do not exist with the user or AWS account.", strings.Join(missing, ", "))
	}
	return out, msg, err
}

// ListDeploymentGroups lists an application's group names.
func (e *Engine) ListDeploymentGroups(ctx context.Context, app, token string) ([]string, string, error) {
	sc := scopeOf(ctx)
	var names []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := e.getApp(tx, sc, app); err != nil {
			return err
		}
		pre := scopePrefix(sc) + app + "/"
		return tx.Scan(bucketGroups, store.ScanOptions{Prefix: pre}, func(k string, _ []byte) error {
			names = append(names, strings.TrimPrefix(k, pre))
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(names, token, 100)
}

// DeleteDeploymentGroup deletes a group; a deployment in progress is
// stopped (without rollback). Deleting a missing group is not an error.
func (e *Engine) DeleteDeploymentGroup(ctx context.Context, app, name string) error {
	if err := checkAppName(app); err != nil {
		return err
	}
	if err := checkGroupName(name); err != nil {
		return err
	}
	sc := scopeOf(ctx)
	var active string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		g, err := getJSON[groupRecord](tx, bucketGroups, groupKey(sc, app, name))
		if err == store.ErrNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		active = g.Active
		return tx.Delete(bucketGroups, groupKey(sc, app, name))
	})
	if err != nil {
		return err
	}
	if active != "" {
		f := false
		e.stop(ctx, active, &stopCause{code: "MANUAL_STOP", msg: "The deployment group was deleted.", rollback: &f})
	}
	return nil
}

// --- instance selection ---

func matchFilter(tags map[string]string, f TagFilter) bool {
	switch f.Type {
	case "KEY_ONLY":
		_, ok := tags[f.Key]
		return ok
	case "VALUE_ONLY":
		for _, v := range tags {
			if v == f.Value {
				return true
			}
		}
		return false
	default:
		v, ok := tags[f.Key]
		return ok && v == f.Value
	}
}

// matchAny: an instance matches a filter list when it matches any filter.
func matchAny(tags map[string]string, fs []TagFilter) bool {
	for _, f := range fs {
		if matchFilter(tags, f) {
			return true
		}
	}
	return false
}

// matchSet: an instance matches a tag set when it matches every group.
func matchSet(tags map[string]string, set [][]TagFilter) bool {
	if len(set) == 0 {
		return false
	}
	for _, g := range set {
		if len(g) > 0 && !matchAny(tags, g) {
			return false
		}
	}
	return true
}

// selects reports whether a group's tag filters select an instance. Local
// instances answer both the EC2 and the on-premises filters, so templates
// written for either work.
func selects(g *DeploymentGroupInfo, tags map[string]string) bool {
	if matchAny(tags, g.EC2TagFilters) || matchAny(tags, g.OnPremisesInstanceTagFilters) {
		return true
	}
	if g.EC2TagSet != nil && matchSet(tags, g.EC2TagSet.List) {
		return true
	}
	return g.OnPremisesTagSet != nil && matchSet(tags, g.OnPremisesTagSet.List)
}

// fleet lists the registered instances a group targets, by name.
func fleet(tx store.Tx, sc awsctx.Scope, g *groupRecord) ([]*instanceRecord, error) {
	var out []*instanceRecord
	err := tx.Scan(bucketInstances, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
		var r instanceRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return nil
		}
		if !r.Info.DeregisterTime.IsZero() || contains(g.Retired, r.Info.InstanceName) {
			return nil
		}
		if selects(&g.Info, tagsToMap(r.Info.Tags)) {
			out = append(out, &r)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Info.InstanceName < out[j].Info.InstanceName })
	return out, err
}
