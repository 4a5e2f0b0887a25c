package codedeploy

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::CodeDeploy::Application, ::DeploymentGroup and
// ::DeploymentConfig, and Skiff::CodeDeploy::Instances, which declares
// local instances in a template.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&appProvider{e}, &groupProvider{e}, &configProvider{e}, &instancesProvider{e}}
}

func reqCtx(ctx context.Context, req *provider.Request) context.Context {
	sc := awsctx.From(ctx)
	if sc.AccountID == "" {
		sc.AccountID, sc.Region = req.Stack.AccountID, req.Stack.Region
		return awsctx.With(ctx, sc)
	}
	return ctx
}

// --- template value helpers ---

func tmap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func tlist(v any) []any {
	l, _ := v.([]any)
	return l
}

func tstr(m map[string]any, k string) string {
	s, _ := provider.Scalar(m[k])
	return s
}

func tbool(m map[string]any, k string) bool {
	s, _ := provider.Scalar(m[k])
	b, _ := strconv.ParseBool(s)
	return b
}

func tint(m map[string]any, k string) int {
	s, _ := provider.Scalar(m[k])
	n, err := strconv.Atoi(s)
	if err != nil {
		f, _ := strconv.ParseFloat(s, 64)
		n = int(f)
	}
	return n
}

func tstrs(v any) []string {
	var out []string
	for _, x := range tlist(v) {
		if s, ok := provider.Scalar(x); ok {
			out = append(out, s)
		}
	}
	return out
}

func anyStrs(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// --- AWS::CodeDeploy::Application ---

type appProvider struct{ e *Engine }

var appSchema = &provider.Schema{
	Properties: []string{"ApplicationName", "ComputePlatform", "Tags"},
	CreateOnly: []string{"ApplicationName", "ComputePlatform"},
	Unordered:  []string{"Tags"},
}

func (p *appProvider) Type() string             { return "AWS::CodeDeploy::Application" }
func (p *appProvider) Schema() *provider.Schema { return appSchema }

func (p *appProvider) read(req *provider.Request) (name, platform string, tags map[string]string, err error) {
	props := provider.Read(req.Properties, appSchema)
	name = props.String("ApplicationName")
	platform = props.String("ComputePlatform")
	tags = props.Tags("Tags")
	if err := props.Err(); err != nil {
		return "", "", nil, err
	}
	if name == "" {
		name = provider.Name(req, 100, false)
	}
	if platform == "" {
		platform = PlatformServer
	}
	return name, platform, tags, nil
}

func (p *appProvider) PhysicalID(req *provider.Request) (string, error) {
	name, _, _, err := p.read(req)
	return name, err
}

func (p *appProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	name, platform, tags, err := p.read(req)
	if err != nil {
		return nil, err
	}
	if _, err := p.e.CreateApplication(ctx, name, platform, mapToTags(tags)); err != nil {
		if errApplicationAlreadyExists.Is(err) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", p.Type(), name)
		}
		return nil, err
	}
	return p.Read(ctx, &provider.Request{PhysicalID: name, Stack: req.Stack})
}

func (p *appProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	a, err := p.e.GetApplication(ctx, req.PhysicalID)
	if ErrApplicationDoesNotExist.Is(err) {
		return nil, provider.NotFound(p.Type(), req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	props := map[string]any{"ApplicationName": a.ApplicationName, "ComputePlatform": a.ComputePlatform}
	tags, err := p.e.ListTagsForResource(ctx, awsctx.From(ctx).ARN("codedeploy", "application:"+a.ApplicationName))
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		props["Tags"] = provider.TagList(tagsToMap(tags))
	}
	return &provider.Result{PhysicalID: a.ApplicationName, Attributes: map[string]any{}, Properties: props}, nil
}

func (p *appProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	_, _, tags, err := p.read(req)
	if err != nil {
		return nil, err
	}
	if err := p.e.setTags(ctx, awsctx.From(ctx).ARN("codedeploy", "application:"+req.PhysicalID), tags); err != nil {
		return nil, err
	}
	return p.Read(ctx, req)
}

func (p *appProvider) Delete(ctx context.Context, req *provider.Request) error {
	return p.e.DeleteApplication(reqCtx(ctx, req), req.PhysicalID)
}

// setTags makes a resource's tags exactly tags.
func (e *Engine) setTags(ctx context.Context, arn string, tags map[string]string) error {
	return e.editTags(ctx, arn, func(map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range tags {
			out[k] = v
		}
		return out
	})
}

// --- AWS::CodeDeploy::DeploymentConfig ---

type configProvider struct{ e *Engine }

var configSchema = &provider.Schema{
	Properties: []string{"ComputePlatform", "DeploymentConfigName", "MinimumHealthyHosts", "TrafficRoutingConfig", "ZonalConfig"},
	CreateOnly: []string{"ComputePlatform", "DeploymentConfigName", "MinimumHealthyHosts", "TrafficRoutingConfig", "ZonalConfig"},
}

func (p *configProvider) Type() string             { return "AWS::CodeDeploy::DeploymentConfig" }
func (p *configProvider) Schema() *provider.Schema { return configSchema }

func (p *configProvider) input(req *provider.Request) (*CreateDeploymentConfigInput, error) {
	props := provider.Read(req.Properties, configSchema)
	in := &CreateDeploymentConfigInput{DeploymentConfigName: props.String("DeploymentConfigName"), ComputePlatform: props.String("ComputePlatform")}
	if m := props.Map("MinimumHealthyHosts"); m != nil {
		in.MinimumHealthyHosts = &MinimumHealthyHosts{Type: tstr(m, "Type"), Value: tint(m, "Value")}
	}
	if m := props.Map("TrafficRoutingConfig"); m != nil {
		t := &TrafficRoutingConfig{Type: tstr(m, "Type")}
		if c := tmap(m["TimeBasedCanary"]); c != nil {
			t.TimeBasedCanary = &TimeBasedCanary{CanaryPercentage: tint(c, "CanaryPercentage"), CanaryInterval: tint(c, "CanaryInterval")}
		}
		if l := tmap(m["TimeBasedLinear"]); l != nil {
			t.TimeBasedLinear = &TimeBasedLinear{LinearPercentage: tint(l, "LinearPercentage"), LinearInterval: tint(l, "LinearInterval")}
		}
		in.TrafficRoutingConfig = t
	}
	if m := props.Map("ZonalConfig"); m != nil {
		z := &ZonalConfig{FirstZoneMonitorDurationInSeconds: int64(tint(m, "FirstZoneMonitorDurationInSeconds")), MonitorDurationInSeconds: int64(tint(m, "MonitorDurationInSeconds"))}
		if h := tmap(m["MinimumHealthyHostsPerZone"]); h != nil {
			z.MinimumHealthyHostsPerZone = &MinimumHealthyHostsPerZone{Type: tstr(h, "Type"), Value: tint(h, "Value")}
		}
		in.ZonalConfig = z
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	if in.DeploymentConfigName == "" {
		in.DeploymentConfigName = provider.Name(req, 100, false)
	}
	return in, nil
}

func (p *configProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := p.input(req)
	if err != nil {
		return "", err
	}
	cp := *in
	if err := validateConfig(&cp); err != nil {
		return "", err
	}
	return in.DeploymentConfigName, nil
}

func (p *configProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	in, err := p.input(req)
	if err != nil {
		return nil, err
	}
	if _, err := p.e.CreateDeploymentConfig(ctx, *in); err != nil {
		if errDeploymentConfigAlreadyExists.Is(err) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", p.Type(), in.DeploymentConfigName)
		}
		return nil, err
	}
	return p.Read(ctx, &provider.Request{PhysicalID: in.DeploymentConfigName, Stack: req.Stack})
}

func (p *configProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	if strings.HasPrefix(req.PhysicalID, predefinedPrefix) {
		return nil, provider.NotFound(p.Type(), req.PhysicalID)
	}
	c, err := p.e.GetDeploymentConfig(ctx, req.PhysicalID)
	if ErrDeploymentConfigDoesNotExist.Is(err) {
		return nil, provider.NotFound(p.Type(), req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	props := map[string]any{"DeploymentConfigName": c.DeploymentConfigName, "ComputePlatform": c.ComputePlatform}
	if m := c.MinimumHealthyHosts; m != nil {
		props["MinimumHealthyHosts"] = map[string]any{"Type": m.Type, "Value": m.Value}
	}
	if t := c.TrafficRoutingConfig; t != nil {
		tm := map[string]any{"Type": t.Type}
		if x := t.TimeBasedCanary; x != nil {
			tm["TimeBasedCanary"] = map[string]any{"CanaryPercentage": x.CanaryPercentage, "CanaryInterval": x.CanaryInterval}
		}
		if x := t.TimeBasedLinear; x != nil {
			tm["TimeBasedLinear"] = map[string]any{"LinearPercentage": x.LinearPercentage, "LinearInterval": x.LinearInterval}
		}
		props["TrafficRoutingConfig"] = tm
	}
	if z := c.ZonalConfig; z != nil {
		zm := map[string]any{"FirstZoneMonitorDurationInSeconds": z.FirstZoneMonitorDurationInSeconds, "MonitorDurationInSeconds": z.MonitorDurationInSeconds}
		if h := z.MinimumHealthyHostsPerZone; h != nil {
			zm["MinimumHealthyHostsPerZone"] = map[string]any{"Type": h.Type, "Value": h.Value}
		}
		props["ZonalConfig"] = zm
	}
	return &provider.Result{PhysicalID: c.DeploymentConfigName, Attributes: map[string]any{}, Properties: props}, nil
}

func (p *configProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	// Every property requires replacement; nothing to change in place.
	return p.Read(ctx, req)
}

func (p *configProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := p.e.DeleteDeploymentConfig(reqCtx(ctx, req), req.PhysicalID)
	if ErrDeploymentConfigDoesNotExist.Is(err) {
		return nil
	}
	return err
}

// --- AWS::CodeDeploy::DeploymentGroup ---

type groupProvider struct{ e *Engine }

var groupSchema = &provider.Schema{
	Properties: []string{"AlarmConfiguration", "ApplicationName", "AutoRollbackConfiguration", "AutoScalingGroups", "BlueGreenDeploymentConfiguration",
		"Deployment", "DeploymentConfigName", "DeploymentGroupName", "DeploymentStyle", "ECSServices", "Ec2TagFilters", "Ec2TagSet",
		"LoadBalancerInfo", "OnPremisesInstanceTagFilters", "OnPremisesTagSet", "OutdatedInstancesStrategy", "ServiceRoleArn", "Tags",
		"TerminationHookEnabled", "TriggerConfigurations"},
	Required:   []string{"ApplicationName", "ServiceRoleArn"},
	CreateOnly: []string{"ApplicationName", "DeploymentGroupName"},
	WriteOnly:  []string{"Deployment"},
	Unordered:  []string{"Tags"},
}

func (p *groupProvider) Type() string             { return "AWS::CodeDeploy::DeploymentGroup" }
func (p *groupProvider) Schema() *provider.Schema { return groupSchema }

func cfnFilters(v any) []TagFilter {
	var out []TagFilter
	for _, x := range tlist(v) {
		m := tmap(x)
		out = append(out, TagFilter{Key: tstr(m, "Key"), Value: tstr(m, "Value"), Type: tstr(m, "Type")})
	}
	if out == nil && v != nil {
		out = []TagFilter{}
	}
	return out
}

func cfnTagSet(v any, listKey, groupKey string) [][]TagFilter {
	var out [][]TagFilter
	for _, x := range tlist(tmap(v)[listKey]) {
		out = append(out, cfnFilters(tmap(x)[groupKey]))
	}
	return out
}

func cfnNames(v any) []NameInfo {
	var out []NameInfo
	for _, x := range tlist(v) {
		out = append(out, NameInfo{Name: tstr(tmap(x), "Name")})
	}
	return out
}

func cfnRevision(m map[string]any) *RevisionLocation {
	if m == nil {
		return nil
	}
	r := &RevisionLocation{RevisionType: tstr(m, "RevisionType")}
	if s := tmap(m["S3Location"]); s != nil {
		r.S3Location = &S3Location{Bucket: tstr(s, "Bucket"), Key: tstr(s, "Key"), BundleType: tstr(s, "BundleType"), ETag: tstr(s, "ETag"), Version: tstr(s, "Version")}
	}
	if g := tmap(m["GitHubLocation"]); g != nil {
		r.GitHubLocation = &GitHubLocation{Repository: tstr(g, "Repository"), CommitID: tstr(g, "CommitId")}
	}
	return r
}

// groupInput reads a DeploymentGroup template into the API's shape.
func (p *groupProvider) groupInput(req *provider.Request) (app, name string, in GroupInput, deployment map[string]any, err error) {
	props := provider.Read(req.Properties, groupSchema)
	app = props.String("ApplicationName")
	name = props.String("DeploymentGroupName")
	in.ServiceRoleArn = props.String("ServiceRoleArn")
	in.DeploymentConfigName = props.String("DeploymentConfigName")
	in.OutdatedInstancesStrategy = props.String("OutdatedInstancesStrategy")
	if props.Has("TerminationHookEnabled") {
		b := props.Bool("TerminationHookEnabled", false)
		in.TerminationHookEnabled = &b
	}
	in.EC2TagFilters = cfnFilters(props.List("Ec2TagFilters"))
	in.OnPremisesInstanceTagFilters = cfnFilters(props.List("OnPremisesInstanceTagFilters"))
	if props.Has("Ec2TagSet") {
		in.EC2TagSet = &EC2TagSet{List: cfnTagSet(props.Map("Ec2TagSet"), "Ec2TagSetList", "Ec2TagGroup")}
	}
	if props.Has("OnPremisesTagSet") {
		in.OnPremisesTagSet = &OnPremisesTagSet{List: cfnTagSet(props.Map("OnPremisesTagSet"), "OnPremisesTagSetList", "OnPremisesTagGroup")}
	}
	in.AutoScalingGroups = props.StringList("AutoScalingGroups")
	for _, x := range props.List("ECSServices") {
		m := tmap(x)
		in.ECSServices = append(in.ECSServices, ECSService{ServiceName: tstr(m, "ServiceName"), ClusterName: tstr(m, "ClusterName")})
	}
	for _, x := range props.List("TriggerConfigurations") {
		m := tmap(x)
		in.TriggerConfigurations = append(in.TriggerConfigurations, TriggerConfig{TriggerName: tstr(m, "TriggerName"), TriggerTargetArn: tstr(m, "TriggerTargetArn"), TriggerEvents: tstrs(m["TriggerEvents"])})
	}
	if m := props.Map("AlarmConfiguration"); m != nil {
		a := &AlarmConfiguration{Enabled: tbool(m, "Enabled"), IgnorePollAlarmFailure: tbool(m, "IgnorePollAlarmFailure"), Alarms: []Alarm{}}
		for _, x := range tlist(m["Alarms"]) {
			a.Alarms = append(a.Alarms, Alarm{Name: tstr(tmap(x), "Name")})
		}
		if _, set := m["Enabled"]; !set && len(a.Alarms) > 0 {
			a.Enabled = true
		}
		in.AlarmConfiguration = a
	}
	if m := props.Map("AutoRollbackConfiguration"); m != nil {
		in.AutoRollbackConfiguration = &AutoRollbackConfiguration{Enabled: tbool(m, "Enabled"), Events: tstrs(m["Events"])}
		if in.AutoRollbackConfiguration.Events == nil {
			in.AutoRollbackConfiguration.Events = []string{}
		}
	}
	if m := props.Map("DeploymentStyle"); m != nil {
		in.DeploymentStyle = &DeploymentStyle{DeploymentType: tstr(m, "DeploymentType"), DeploymentOption: tstr(m, "DeploymentOption")}
	}
	if m := props.Map("BlueGreenDeploymentConfiguration"); m != nil {
		b := &BlueGreenDeploymentConfiguration{}
		if x := tmap(m["DeploymentReadyOption"]); x != nil {
			b.DeploymentReadyOption = &DeploymentReadyOption{ActionOnTimeout: tstr(x, "ActionOnTimeout"), WaitTimeInMinutes: tint(x, "WaitTimeInMinutes")}
		}
		if x := tmap(m["GreenFleetProvisioningOption"]); x != nil {
			b.GreenFleetProvisioningOption = &GreenFleetProvisioningOption{Action: tstr(x, "Action")}
		}
		if x := tmap(m["TerminateBlueInstancesOnDeploymentSuccess"]); x != nil {
			b.TerminateBlueInstancesOnDeploymentSuccess = &BlueInstanceTerminationOption{Action: tstr(x, "Action"), TerminationWaitTimeInMinutes: tint(x, "TerminationWaitTimeInMinutes")}
		}
		in.BlueGreenDeploymentConfiguration = b
	}
	if m := props.Map("LoadBalancerInfo"); m != nil {
		lb := &LoadBalancerInfo{ElbInfoList: cfnNames(m["ElbInfoList"]), TargetGroupInfoList: cfnNames(m["TargetGroupInfoList"])}
		for _, x := range tlist(m["TargetGroupPairInfoList"]) {
			pm := tmap(x)
			pair := TargetGroupPairInfo{TargetGroups: cfnNames(pm["TargetGroups"])}
			if r := tmap(pm["ProdTrafficRoute"]); r != nil {
				pair.ProdTrafficRoute = &TrafficRoute{ListenerArns: tstrs(r["ListenerArns"])}
			}
			if r := tmap(pm["TestTrafficRoute"]); r != nil {
				pair.TestTrafficRoute = &TrafficRoute{ListenerArns: tstrs(r["ListenerArns"])}
			}
			lb.TargetGroupPairInfoList = append(lb.TargetGroupPairInfoList, pair)
		}
		in.LoadBalancerInfo = lb
	}
	in.Tags = mapToTags(props.Tags("Tags"))
	deployment = props.Map("Deployment")
	if err = props.Err(); err != nil {
		return
	}
	if name == "" {
		name = provider.Name(req, 100, false)
	}
	return
}

func (p *groupProvider) PhysicalID(req *provider.Request) (string, error) {
	_, name, _, _, err := p.groupInput(req)
	return name, err
}

// deploy runs the template's initial deployment and waits for it, as
// CloudFormation does: the resource is ready only when the revision is
// deployed.
func (p *groupProvider) deploy(ctx context.Context, app, group string, dep map[string]any) error {
	if dep == nil {
		return nil
	}
	in := CreateDeploymentInput{ApplicationName: app, DeploymentGroupName: group, Revision: cfnRevision(tmap(dep["Revision"])),
		Description: tstr(dep, "Description"), IgnoreApplicationStopFailures: tbool(dep, "IgnoreApplicationStopFailures"), Creator: "CloudFormation"}
	id, err := p.e.CreateDeployment(ctx, in)
	if err != nil {
		return err
	}
	d, err := p.e.WaitDeployment(ctx, id)
	if err != nil {
		return err
	}
	if d.Status != StatusSucceeded {
		msg := ""
		if d.ErrorInformation != nil {
			msg = ": " + d.ErrorInformation.Code + ": " + d.ErrorInformation.Message
		}
		return fmt.Errorf("Deployment %s of deployment group %s %s%s", id, group, strings.ToLower(d.Status), msg)
	}
	return nil
}

func (p *groupProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	app, name, in, dep, err := p.groupInput(req)
	if err != nil {
		return nil, err
	}
	if _, err := p.e.CreateDeploymentGroup(ctx, app, name, in); err != nil {
		if errDeploymentGroupAlreadyExists.Is(err) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", p.Type(), name)
		}
		return nil, err
	}
	if err := p.deploy(ctx, app, name, dep); err != nil {
		return nil, err
	}
	return p.read(ctx, app, name)
}

func (p *groupProvider) appOf(req *provider.Request) string {
	if a, ok := req.Attributes["ApplicationName"].(string); ok && a != "" {
		return a
	}
	return tstr(req.Properties, "ApplicationName")
}

func (p *groupProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.read(reqCtx(ctx, req), p.appOf(req), req.PhysicalID)
}

func filtersOut(fs []TagFilter) []any {
	out := []any{}
	for _, f := range fs {
		out = append(out, map[string]any{"Key": f.Key, "Value": f.Value, "Type": f.Type})
	}
	return out
}

func namesOut(ns []NameInfo) []any {
	out := []any{}
	for _, n := range ns {
		out = append(out, map[string]any{"Name": n.Name})
	}
	return out
}

func (p *groupProvider) read(ctx context.Context, app, name string) (*provider.Result, error) {
	g, err := p.e.GetDeploymentGroup(ctx, app, name)
	if ErrDeploymentGroupDoesNotExist.Is(err) || ErrApplicationDoesNotExist.Is(err) {
		return nil, provider.NotFound(p.Type(), name)
	}
	if err != nil {
		return nil, err
	}
	props := map[string]any{
		"ApplicationName": g.ApplicationName, "DeploymentGroupName": g.DeploymentGroupName, "DeploymentConfigName": g.DeploymentConfigName,
		"ServiceRoleArn": g.ServiceRoleArn, "OutdatedInstancesStrategy": g.OutdatedInstancesStrategy, "TerminationHookEnabled": g.TerminationHookEnabled,
		"Ec2TagFilters": filtersOut(g.EC2TagFilters), "OnPremisesInstanceTagFilters": filtersOut(g.OnPremisesInstanceTagFilters),
	}
	var asgs []string
	for _, a := range g.AutoScalingGroups {
		asgs = append(asgs, a.Name)
	}
	props["AutoScalingGroups"] = anyStrs(asgs)
	if s := g.EC2TagSet; s != nil {
		var l []any
		for _, grp := range s.List {
			l = append(l, map[string]any{"Ec2TagGroup": filtersOut(grp)})
		}
		props["Ec2TagSet"] = map[string]any{"Ec2TagSetList": l}
	}
	if s := g.OnPremisesTagSet; s != nil {
		var l []any
		for _, grp := range s.List {
			l = append(l, map[string]any{"OnPremisesTagGroup": filtersOut(grp)})
		}
		props["OnPremisesTagSet"] = map[string]any{"OnPremisesTagSetList": l}
	}
	if a := g.AlarmConfiguration; a != nil {
		var al []any
		for _, x := range a.Alarms {
			al = append(al, map[string]any{"Name": x.Name})
		}
		props["AlarmConfiguration"] = map[string]any{"Enabled": a.Enabled, "IgnorePollAlarmFailure": a.IgnorePollAlarmFailure, "Alarms": al}
	}
	if a := g.AutoRollbackConfiguration; a != nil {
		props["AutoRollbackConfiguration"] = map[string]any{"Enabled": a.Enabled, "Events": anyStrs(a.Events)}
	}
	if s := g.DeploymentStyle; s != nil {
		props["DeploymentStyle"] = map[string]any{"DeploymentType": s.DeploymentType, "DeploymentOption": s.DeploymentOption}
	}
	if b := g.BlueGreenDeploymentConfiguration; b != nil {
		bm := map[string]any{}
		if x := b.DeploymentReadyOption; x != nil {
			bm["DeploymentReadyOption"] = map[string]any{"ActionOnTimeout": x.ActionOnTimeout, "WaitTimeInMinutes": x.WaitTimeInMinutes}
		}
		if x := b.GreenFleetProvisioningOption; x != nil {
			bm["GreenFleetProvisioningOption"] = map[string]any{"Action": x.Action}
		}
		if x := b.TerminateBlueInstancesOnDeploymentSuccess; x != nil {
			bm["TerminateBlueInstancesOnDeploymentSuccess"] = map[string]any{"Action": x.Action, "TerminationWaitTimeInMinutes": x.TerminationWaitTimeInMinutes}
		}
		props["BlueGreenDeploymentConfiguration"] = bm
	}
	if lb := g.LoadBalancerInfo; lb != nil {
		lm := map[string]any{}
		if len(lb.ElbInfoList) > 0 {
			lm["ElbInfoList"] = namesOut(lb.ElbInfoList)
		}
		if len(lb.TargetGroupInfoList) > 0 {
			lm["TargetGroupInfoList"] = namesOut(lb.TargetGroupInfoList)
		}
		if len(lb.TargetGroupPairInfoList) > 0 {
			var pl []any
			for _, pr := range lb.TargetGroupPairInfoList {
				pm := map[string]any{"TargetGroups": namesOut(pr.TargetGroups)}
				if pr.ProdTrafficRoute != nil {
					pm["ProdTrafficRoute"] = map[string]any{"ListenerArns": anyStrs(pr.ProdTrafficRoute.ListenerArns)}
				}
				if pr.TestTrafficRoute != nil {
					pm["TestTrafficRoute"] = map[string]any{"ListenerArns": anyStrs(pr.TestTrafficRoute.ListenerArns)}
				}
				pl = append(pl, pm)
			}
			lm["TargetGroupPairInfoList"] = pl
		}
		props["LoadBalancerInfo"] = lm
	}
	var triggers []any
	for _, t := range g.TriggerConfigurations {
		triggers = append(triggers, map[string]any{"TriggerName": t.TriggerName, "TriggerTargetArn": t.TriggerTargetArn, "TriggerEvents": anyStrs(t.TriggerEvents)})
	}
	props["TriggerConfigurations"] = triggers
	var ecs []any
	for _, s := range g.ECSServices {
		ecs = append(ecs, map[string]any{"ServiceName": s.ServiceName, "ClusterName": s.ClusterName})
	}
	props["ECSServices"] = ecs
	tags, err := p.e.ListTagsForResource(ctx, awsctx.From(ctx).ARN("codedeploy", "deploymentgroup:"+app+"/"+name))
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		props["Tags"] = provider.TagList(tagsToMap(tags))
	}
	return &provider.Result{PhysicalID: name, Attributes: map[string]any{"ApplicationName": app}, Properties: props}, nil
}

func (p *groupProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	app, _, in, dep, err := p.groupInput(req)
	if err != nil {
		return nil, err
	}
	name := req.PhysicalID
	// Absent properties go back to their defaults, as in a create.
	full := in
	if full.EC2TagFilters == nil {
		full.EC2TagFilters = []TagFilter{}
	}
	if full.OnPremisesInstanceTagFilters == nil {
		full.OnPremisesInstanceTagFilters = []TagFilter{}
	}
	if full.TriggerConfigurations == nil {
		full.TriggerConfigurations = []TriggerConfig{}
	}
	if full.AutoScalingGroups == nil {
		full.AutoScalingGroups = []string{}
	}
	if full.DeploymentConfigName == "" {
		full.DeploymentConfigName = DefaultConfig
	}
	if full.DeploymentStyle == nil {
		full.DeploymentStyle = &DeploymentStyle{DeploymentType: TypeInPlace, DeploymentOption: WithoutTrafficControl}
	}
	if full.AlarmConfiguration == nil {
		full.AlarmConfiguration = &AlarmConfiguration{Alarms: []Alarm{}}
	}
	if full.AutoRollbackConfiguration == nil {
		full.AutoRollbackConfiguration = &AutoRollbackConfiguration{Events: []string{}}
	}
	if full.LoadBalancerInfo == nil {
		full.LoadBalancerInfo = &LoadBalancerInfo{}
	}
	if err := p.e.replaceGroup(ctx, app, name, full); err != nil {
		return nil, err
	}
	if err := p.e.setTags(ctx, awsctx.From(ctx).ARN("codedeploy", "deploymentgroup:"+app+"/"+name), tagsToMap(in.Tags)); err != nil {
		return nil, err
	}
	if old := tmap(req.OldProperties["Deployment"]); dep != nil && provider.Render(old) != provider.Render(dep) {
		if err := p.deploy(ctx, app, name, dep); err != nil {
			return nil, err
		}
	}
	return p.read(ctx, app, name)
}

// replaceGroup sets every configurable member of a group (CloudFormation
// updates describe the whole resource).
func (e *Engine) replaceGroup(ctx context.Context, app, name string, in GroupInput) error {
	sc := scopeOf(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		g, err := e.getGroup(tx, sc, app, name)
		if err != nil {
			return err
		}
		info := DeploymentGroupInfo{ApplicationName: app, DeploymentGroupID: g.Info.DeploymentGroupID, DeploymentGroupName: name,
			ComputePlatform: g.Info.ComputePlatform, TargetRevision: g.Info.TargetRevision,
			LastSuccessfulDeployment: g.Info.LastSuccessfulDeployment, LastAttemptedDeployment: g.Info.LastAttemptedDeployment}
		in.applyTo(&info, false)
		applyDefaults(&info)
		if err := e.validateGroup(tx, sc, &info); err != nil {
			return err
		}
		g.Info = info
		return tx.Put(bucketGroups, groupKey(sc, app, name), g)
	})
}

func (p *groupProvider) Delete(ctx context.Context, req *provider.Request) error {
	ctx = reqCtx(ctx, req)
	err := p.e.DeleteDeploymentGroup(ctx, p.appOf(req), req.PhysicalID)
	if ErrApplicationDoesNotExist.Is(err) {
		return nil
	}
	return err
}

// --- Skiff::CodeDeploy::Instances ---

// instancesProvider declares local instances in a template: Count
// instances with Tags, registered as on-premises instances, which
// deployment groups select by tag like any other. Ref is the set's name;
// Fn::GetAtt gives InstanceNames and Ports (lists, in creation order).
type instancesProvider struct{ e *Engine }

var instancesSchema = &provider.Schema{
	Properties: []string{"Name", "Count", "Tags"},
	Required:   []string{"Count"},
	CreateOnly: []string{"Name"},
	Attributes: []string{"InstanceNames", "Ports"},
	Unordered:  []string{"Tags"},
}

// InstancesType is the resource type that declares local instances.
const InstancesType = "Skiff::CodeDeploy::Instances"

func (p *instancesProvider) Type() string             { return InstancesType }
func (p *instancesProvider) Schema() *provider.Schema { return instancesSchema }

func (p *instancesProvider) input(req *provider.Request) (name string, count int, tags map[string]string, err error) {
	props := provider.Read(req.Properties, instancesSchema)
	name = props.String("Name")
	count = int(props.Int("Count", 1))
	tags = props.Tags("Tags")
	if count < 1 || count > 100 {
		props.Fail("Count", "%d is not between 1 and 100", count)
	}
	if len(tags) > 10 {
		props.Fail("Tags", "an instance has at most 10 tags")
	}
	if err = props.Err(); err != nil {
		return
	}
	if name == "" {
		name = provider.Name(req, 100, false)
	}
	return
}

func (p *instancesProvider) PhysicalID(req *provider.Request) (string, error) {
	name, _, _, err := p.input(req)
	return name, err
}

// members lists a set's registered instances in creation order.
func (p *instancesProvider) members(ctx context.Context, set string) ([]*instanceRecord, error) {
	recs, err := p.e.instances(ctx)
	if err != nil {
		return nil, err
	}
	var out []*instanceRecord
	for _, r := range recs {
		if r.Set == set && r.Info.DeregisterTime.IsZero() {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Info.RegisterTime.Equal(out[j].Info.RegisterTime) {
			return out[i].Info.RegisterTime.Before(out[j].Info.RegisterTime)
		}
		return out[i].Info.InstanceName < out[j].Info.InstanceName
	})
	return out, nil
}

func (p *instancesProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	name, count, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	if ms, _ := p.members(ctx, name); len(ms) > 0 {
		return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", p.Type(), name)
	}
	if _, err := p.e.createInstances(ctx, tags, count, name); err != nil {
		return nil, err
	}
	return p.read(ctx, name)
}

func (p *instancesProvider) read(ctx context.Context, name string) (*provider.Result, error) {
	ms, err := p.members(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, provider.NotFound(p.Type(), name)
	}
	var names, ports []any
	for _, m := range ms {
		names = append(names, m.Info.InstanceName)
		ports = append(ports, m.Port)
	}
	props := map[string]any{"Name": name, "Count": len(ms)}
	if tags := tagsToMap(ms[0].Info.Tags); len(tags) > 0 {
		props["Tags"] = provider.TagList(tags)
	}
	return &provider.Result{PhysicalID: name, Attributes: map[string]any{"InstanceNames": names, "Ports": ports}, Properties: props}, nil
}

func (p *instancesProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.read(reqCtx(ctx, req), req.PhysicalID)
}

// Update retags the set's instances and adds or removes instances (the
// newest first) to reach Count.
func (p *instancesProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	ctx = reqCtx(ctx, req)
	_, count, tags, err := p.input(req)
	if err != nil {
		return nil, err
	}
	set := req.PhysicalID
	ms, err := p.members(ctx, set)
	if err != nil {
		return nil, err
	}
	want := mapToTags(tags)
	sc := scopeOf(ctx)
	err = p.e.st.Update(ctx, func(tx store.Tx) error {
		for _, m := range ms {
			r, err := getJSON[instanceRecord](tx, bucketInstances, instanceKey(sc, m.Info.InstanceName))
			if err != nil {
				return err
			}
			r.Info.Tags = want
			if err := tx.Put(bucketInstances, instanceKey(sc, m.Info.InstanceName), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if count > len(ms) {
		if _, err := p.e.createInstances(ctx, tags, count-len(ms), set); err != nil {
			return nil, err
		}
	}
	for i := len(ms) - 1; i >= count; i-- {
		if err := p.e.DeregisterOnPremisesInstance(ctx, ms[i].Info.InstanceName); err != nil {
			return nil, err
		}
	}
	return p.read(ctx, set)
}

func (p *instancesProvider) Delete(ctx context.Context, req *provider.Request) error {
	ctx = reqCtx(ctx, req)
	ms, err := p.members(ctx, req.PhysicalID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := p.e.DeregisterOnPremisesInstance(ctx, m.Info.InstanceName); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ provider.Provider = (*appProvider)(nil)
	_ provider.Provider = (*groupProvider)(nil)
	_ provider.Provider = (*configProvider)(nil)
	_ provider.Provider = (*instancesProvider)(nil)
)
