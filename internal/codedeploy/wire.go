package codedeploy

import (
	"context"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// The CodeDeploy_20141006 awsJson 1.1 protocol. Handlers decode, call the
// engine, encode; member names follow the 2014-10-06 model. Required
// members are checked by the engine, which answers with CodeDeploy's own
// *RequiredException codes as AWS does.

// Service describes CodeDeploy to the gateway.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "codedeploy",
		Protocols:    awswire.AWSJSON,
		JSONVersion:  "1.1",
		TargetPrefix: "CodeDeploy_20141006",
		Ops: []awswire.Op{
			awswire.Operation("CreateApplication", e.wireCreateApplication),
			awswire.Operation("GetApplication", e.wireGetApplication),
			awswire.Operation("BatchGetApplications", e.wireBatchGetApplications),
			awswire.Operation("ListApplications", e.wireListApplications),
			awswire.Operation("UpdateApplication", e.wireUpdateApplication),
			awswire.Operation("DeleteApplication", e.wireDeleteApplication),
			awswire.Operation("CreateDeploymentGroup", e.wireCreateDeploymentGroup),
			awswire.Operation("UpdateDeploymentGroup", e.wireUpdateDeploymentGroup),
			awswire.Operation("GetDeploymentGroup", e.wireGetDeploymentGroup),
			awswire.Operation("BatchGetDeploymentGroups", e.wireBatchGetDeploymentGroups),
			awswire.Operation("ListDeploymentGroups", e.wireListDeploymentGroups),
			awswire.Operation("DeleteDeploymentGroup", e.wireDeleteDeploymentGroup),
			awswire.Operation("CreateDeploymentConfig", e.wireCreateDeploymentConfig),
			awswire.Operation("GetDeploymentConfig", e.wireGetDeploymentConfig),
			awswire.Operation("ListDeploymentConfigs", e.wireListDeploymentConfigs),
			awswire.Operation("DeleteDeploymentConfig", e.wireDeleteDeploymentConfig),
			awswire.Operation("CreateDeployment", e.wireCreateDeployment),
			awswire.Operation("GetDeployment", e.wireGetDeployment),
			awswire.Operation("BatchGetDeployments", e.wireBatchGetDeployments),
			awswire.Operation("ListDeployments", e.wireListDeployments),
			awswire.Operation("StopDeployment", e.wireStopDeployment),
			awswire.Operation("ContinueDeployment", e.wireContinueDeployment),
			awswire.Operation("SkipWaitTimeForInstanceTermination", e.wireSkipWait),
			awswire.Operation("ListDeploymentInstances", e.wireListDeploymentInstances),
			awswire.Operation("GetDeploymentInstance", e.wireGetDeploymentInstance),
			awswire.Operation("BatchGetDeploymentInstances", e.wireBatchGetDeploymentInstances),
			awswire.Operation("ListDeploymentTargets", e.wireListDeploymentTargets),
			awswire.Operation("GetDeploymentTarget", e.wireGetDeploymentTarget),
			awswire.Operation("BatchGetDeploymentTargets", e.wireBatchGetDeploymentTargets),
			awswire.Operation("PutLifecycleEventHookExecutionStatus", e.wirePutLifecycleEventHookExecutionStatus),
			awswire.Operation("RegisterApplicationRevision", e.wireRegisterApplicationRevision),
			awswire.Operation("GetApplicationRevision", e.wireGetApplicationRevision),
			awswire.Operation("BatchGetApplicationRevisions", e.wireBatchGetApplicationRevisions),
			awswire.Operation("ListApplicationRevisions", e.wireListApplicationRevisions),
			awswire.Operation("RegisterOnPremisesInstance", e.wireRegisterOnPremisesInstance),
			awswire.Operation("DeregisterOnPremisesInstance", e.wireDeregisterOnPremisesInstance),
			awswire.Operation("GetOnPremisesInstance", e.wireGetOnPremisesInstance),
			awswire.Operation("BatchGetOnPremisesInstances", e.wireBatchGetOnPremisesInstances),
			awswire.Operation("ListOnPremisesInstances", e.wireListOnPremisesInstances),
			awswire.Operation("AddTagsToOnPremisesInstances", e.wireAddTagsToOnPremisesInstances),
			awswire.Operation("RemoveTagsFromOnPremisesInstances", e.wireRemoveTagsFromOnPremisesInstances),
			awswire.Operation("TagResource", e.wireTagResource),
			awswire.Operation("UntagResource", e.wireUntagResource),
			awswire.Operation("ListTagsForResource", e.wireListTagsForResource),
			awswire.Operation("ListGitHubAccountTokenNames", e.wireListGitHubAccountTokenNames),
			awswire.Operation("DeleteGitHubAccountToken", e.wireDeleteGitHubAccountToken),
			awswire.Operation("DeleteResourcesByExternalId", e.wireDeleteResourcesByExternalId),
		},
	}
}

type emptyOutput struct{}

// --- applications ---

type createApplicationInput struct {
	ApplicationName string `json:"applicationName"`
	ComputePlatform string `json:"computePlatform,omitempty"`
	Tags            []Tag  `json:"tags,omitempty"`
}

type createApplicationOutput struct {
	ApplicationID string `json:"applicationId"`
}

func (e *Engine) wireCreateApplication(ctx context.Context, in *createApplicationInput) (*createApplicationOutput, error) {
	id, err := e.CreateApplication(ctx, in.ApplicationName, in.ComputePlatform, in.Tags)
	if err != nil {
		return nil, err
	}
	return &createApplicationOutput{ApplicationID: id}, nil
}

type applicationNameInput struct {
	ApplicationName string `json:"applicationName"`
}

type getApplicationOutput struct {
	Application *ApplicationInfo `json:"application"`
}

func (e *Engine) wireGetApplication(ctx context.Context, in *applicationNameInput) (*getApplicationOutput, error) {
	a, err := e.GetApplication(ctx, in.ApplicationName)
	if err != nil {
		return nil, err
	}
	return &getApplicationOutput{Application: a}, nil
}

type batchGetApplicationsInput struct {
	ApplicationNames []string `json:"applicationNames"`
}

type batchGetApplicationsOutput struct {
	ApplicationsInfo []ApplicationInfo `json:"applicationsInfo"`
}

func (e *Engine) wireBatchGetApplications(ctx context.Context, in *batchGetApplicationsInput) (*batchGetApplicationsOutput, error) {
	if len(in.ApplicationNames) == 0 {
		return nil, errApplicationNameRequired.New("The application names must be specified.")
	}
	out, err := e.BatchGetApplications(ctx, in.ApplicationNames)
	if err != nil {
		return nil, err
	}
	return &batchGetApplicationsOutput{ApplicationsInfo: nonNil(out)}, nil
}

type nextTokenInput struct {
	NextToken string `json:"nextToken,omitempty"`
}

type listApplicationsOutput struct {
	Applications []string `json:"applications"`
	NextToken    string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListApplications(ctx context.Context, in *nextTokenInput) (*listApplicationsOutput, error) {
	names, next, err := e.ListApplications(ctx, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listApplicationsOutput{Applications: names, NextToken: next}, nil
}

type updateApplicationInput struct {
	ApplicationName    string `json:"applicationName,omitempty"`
	NewApplicationName string `json:"newApplicationName,omitempty"`
}

func (e *Engine) wireUpdateApplication(ctx context.Context, in *updateApplicationInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.UpdateApplication(ctx, in.ApplicationName, in.NewApplicationName)
}

func (e *Engine) wireDeleteApplication(ctx context.Context, in *applicationNameInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.DeleteApplication(ctx, in.ApplicationName)
}

// --- deployment groups ---

type groupShape struct {
	DeploymentConfigName             string                            `json:"deploymentConfigName,omitempty"`
	EC2TagFilters                    []TagFilter                       `json:"ec2TagFilters,omitempty"`
	OnPremisesInstanceTagFilters     []TagFilter                       `json:"onPremisesInstanceTagFilters,omitempty"`
	AutoScalingGroups                []string                          `json:"autoScalingGroups,omitempty"`
	ServiceRoleArn                   string                            `json:"serviceRoleArn,omitempty"`
	TriggerConfigurations            []TriggerConfig                   `json:"triggerConfigurations,omitempty"`
	AlarmConfiguration               *AlarmConfiguration               `json:"alarmConfiguration,omitempty"`
	AutoRollbackConfiguration        *AutoRollbackConfiguration        `json:"autoRollbackConfiguration,omitempty"`
	OutdatedInstancesStrategy        string                            `json:"outdatedInstancesStrategy,omitempty"`
	DeploymentStyle                  *DeploymentStyle                  `json:"deploymentStyle,omitempty"`
	BlueGreenDeploymentConfiguration *BlueGreenDeploymentConfiguration `json:"blueGreenDeploymentConfiguration,omitempty"`
	LoadBalancerInfo                 *LoadBalancerInfo                 `json:"loadBalancerInfo,omitempty"`
	EC2TagSet                        *EC2TagSet                        `json:"ec2TagSet,omitempty"`
	ECSServices                      []ECSService                      `json:"ecsServices,omitempty"`
	OnPremisesTagSet                 *OnPremisesTagSet                 `json:"onPremisesTagSet,omitempty"`
	TerminationHookEnabled           *bool                             `json:"terminationHookEnabled,omitempty"`
}

func (g groupShape) input(tags []Tag) GroupInput {
	return GroupInput{DeploymentConfigName: g.DeploymentConfigName, EC2TagFilters: g.EC2TagFilters, OnPremisesInstanceTagFilters: g.OnPremisesInstanceTagFilters,
		AutoScalingGroups: g.AutoScalingGroups, ServiceRoleArn: g.ServiceRoleArn, TriggerConfigurations: g.TriggerConfigurations,
		AlarmConfiguration: g.AlarmConfiguration, AutoRollbackConfiguration: g.AutoRollbackConfiguration, OutdatedInstancesStrategy: g.OutdatedInstancesStrategy,
		DeploymentStyle: g.DeploymentStyle, BlueGreenDeploymentConfiguration: g.BlueGreenDeploymentConfiguration, LoadBalancerInfo: g.LoadBalancerInfo,
		EC2TagSet: g.EC2TagSet, ECSServices: g.ECSServices, OnPremisesTagSet: g.OnPremisesTagSet, TerminationHookEnabled: g.TerminationHookEnabled, Tags: tags}
}

// createDeploymentGroupInput repeats groupShape's members: the codec does
// not flatten embedded structs.
type createDeploymentGroupInput struct {
	ApplicationName                  string                            `json:"applicationName"`
	DeploymentGroupName              string                            `json:"deploymentGroupName"`
	DeploymentConfigName             string                            `json:"deploymentConfigName,omitempty"`
	EC2TagFilters                    []TagFilter                       `json:"ec2TagFilters,omitempty"`
	OnPremisesInstanceTagFilters     []TagFilter                       `json:"onPremisesInstanceTagFilters,omitempty"`
	AutoScalingGroups                []string                          `json:"autoScalingGroups,omitempty"`
	ServiceRoleArn                   string                            `json:"serviceRoleArn,omitempty"`
	TriggerConfigurations            []TriggerConfig                   `json:"triggerConfigurations,omitempty"`
	AlarmConfiguration               *AlarmConfiguration               `json:"alarmConfiguration,omitempty"`
	AutoRollbackConfiguration        *AutoRollbackConfiguration        `json:"autoRollbackConfiguration,omitempty"`
	OutdatedInstancesStrategy        string                            `json:"outdatedInstancesStrategy,omitempty"`
	DeploymentStyle                  *DeploymentStyle                  `json:"deploymentStyle,omitempty"`
	BlueGreenDeploymentConfiguration *BlueGreenDeploymentConfiguration `json:"blueGreenDeploymentConfiguration,omitempty"`
	LoadBalancerInfo                 *LoadBalancerInfo                 `json:"loadBalancerInfo,omitempty"`
	EC2TagSet                        *EC2TagSet                        `json:"ec2TagSet,omitempty"`
	ECSServices                      []ECSService                      `json:"ecsServices,omitempty"`
	OnPremisesTagSet                 *OnPremisesTagSet                 `json:"onPremisesTagSet,omitempty"`
	TerminationHookEnabled           *bool                             `json:"terminationHookEnabled,omitempty"`
	Tags                             []Tag                             `json:"tags,omitempty"`
}

type createDeploymentGroupOutput struct {
	DeploymentGroupID string `json:"deploymentGroupId"`
}

func (e *Engine) wireCreateDeploymentGroup(ctx context.Context, in *createDeploymentGroupInput) (*createDeploymentGroupOutput, error) {
	id, err := e.CreateDeploymentGroup(ctx, in.ApplicationName, in.DeploymentGroupName, shapeOf(in).input(in.Tags))
	if err != nil {
		return nil, err
	}
	return &createDeploymentGroupOutput{DeploymentGroupID: id}, nil
}

type updateDeploymentGroupInput struct {
	ApplicationName                  string                            `json:"applicationName"`
	CurrentDeploymentGroupName       string                            `json:"currentDeploymentGroupName"`
	NewDeploymentGroupName           string                            `json:"newDeploymentGroupName,omitempty"`
	DeploymentConfigName             string                            `json:"deploymentConfigName,omitempty"`
	EC2TagFilters                    []TagFilter                       `json:"ec2TagFilters,omitempty"`
	OnPremisesInstanceTagFilters     []TagFilter                       `json:"onPremisesInstanceTagFilters,omitempty"`
	AutoScalingGroups                []string                          `json:"autoScalingGroups,omitempty"`
	ServiceRoleArn                   string                            `json:"serviceRoleArn,omitempty"`
	TriggerConfigurations            []TriggerConfig                   `json:"triggerConfigurations,omitempty"`
	AlarmConfiguration               *AlarmConfiguration               `json:"alarmConfiguration,omitempty"`
	AutoRollbackConfiguration        *AutoRollbackConfiguration        `json:"autoRollbackConfiguration,omitempty"`
	OutdatedInstancesStrategy        string                            `json:"outdatedInstancesStrategy,omitempty"`
	DeploymentStyle                  *DeploymentStyle                  `json:"deploymentStyle,omitempty"`
	BlueGreenDeploymentConfiguration *BlueGreenDeploymentConfiguration `json:"blueGreenDeploymentConfiguration,omitempty"`
	LoadBalancerInfo                 *LoadBalancerInfo                 `json:"loadBalancerInfo,omitempty"`
	EC2TagSet                        *EC2TagSet                        `json:"ec2TagSet,omitempty"`
	ECSServices                      []ECSService                      `json:"ecsServices,omitempty"`
	OnPremisesTagSet                 *OnPremisesTagSet                 `json:"onPremisesTagSet,omitempty"`
	TerminationHookEnabled           *bool                             `json:"terminationHookEnabled,omitempty"`
}

type hooksOutput struct {
	HooksNotCleanedUp []AutoScalingGroup `json:"hooksNotCleanedUp"`
}

func (e *Engine) wireUpdateDeploymentGroup(ctx context.Context, in *updateDeploymentGroupInput) (*hooksOutput, error) {
	if err := e.UpdateDeploymentGroup(ctx, in.ApplicationName, in.CurrentDeploymentGroupName, in.NewDeploymentGroupName, shapeOfUpdate(in).input(nil)); err != nil {
		return nil, err
	}
	return &hooksOutput{HooksNotCleanedUp: []AutoScalingGroup{}}, nil
}

type groupNameInput struct {
	ApplicationName     string `json:"applicationName"`
	DeploymentGroupName string `json:"deploymentGroupName"`
}

type getDeploymentGroupOutput struct {
	DeploymentGroupInfo *DeploymentGroupInfo `json:"deploymentGroupInfo"`
}

func (e *Engine) wireGetDeploymentGroup(ctx context.Context, in *groupNameInput) (*getDeploymentGroupOutput, error) {
	g, err := e.GetDeploymentGroup(ctx, in.ApplicationName, in.DeploymentGroupName)
	if err != nil {
		return nil, err
	}
	return &getDeploymentGroupOutput{DeploymentGroupInfo: g}, nil
}

type batchGetDeploymentGroupsInput struct {
	ApplicationName      string   `json:"applicationName"`
	DeploymentGroupNames []string `json:"deploymentGroupNames"`
}

type batchGetDeploymentGroupsOutput struct {
	DeploymentGroupsInfo []DeploymentGroupInfo `json:"deploymentGroupsInfo"`
	ErrorMessage         string                `json:"errorMessage,omitempty"`
}

func (e *Engine) wireBatchGetDeploymentGroups(ctx context.Context, in *batchGetDeploymentGroupsInput) (*batchGetDeploymentGroupsOutput, error) {
	gs, msg, err := e.BatchGetDeploymentGroups(ctx, in.ApplicationName, in.DeploymentGroupNames)
	if err != nil {
		return nil, err
	}
	return &batchGetDeploymentGroupsOutput{DeploymentGroupsInfo: nonNil(gs), ErrorMessage: msg}, nil
}

type listDeploymentGroupsInput struct {
	ApplicationName string `json:"applicationName"`
	NextToken       string `json:"nextToken,omitempty"`
}

type listDeploymentGroupsOutput struct {
	ApplicationName  string   `json:"applicationName"`
	DeploymentGroups []string `json:"deploymentGroups"`
	NextToken        string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListDeploymentGroups(ctx context.Context, in *listDeploymentGroupsInput) (*listDeploymentGroupsOutput, error) {
	names, next, err := e.ListDeploymentGroups(ctx, in.ApplicationName, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listDeploymentGroupsOutput{ApplicationName: in.ApplicationName, DeploymentGroups: names, NextToken: next}, nil
}

func (e *Engine) wireDeleteDeploymentGroup(ctx context.Context, in *groupNameInput) (*hooksOutput, error) {
	if err := e.DeleteDeploymentGroup(ctx, in.ApplicationName, in.DeploymentGroupName); err != nil {
		return nil, err
	}
	return &hooksOutput{HooksNotCleanedUp: []AutoScalingGroup{}}, nil
}

// --- deployment configs ---

type createDeploymentConfigOutput struct {
	DeploymentConfigID string `json:"deploymentConfigId"`
}

func (e *Engine) wireCreateDeploymentConfig(ctx context.Context, in *CreateDeploymentConfigInput) (*createDeploymentConfigOutput, error) {
	id, err := e.CreateDeploymentConfig(ctx, *in)
	if err != nil {
		return nil, err
	}
	return &createDeploymentConfigOutput{DeploymentConfigID: id}, nil
}

type configNameInput struct {
	DeploymentConfigName string `json:"deploymentConfigName"`
}

type getDeploymentConfigOutput struct {
	DeploymentConfigInfo *DeploymentConfigInfo `json:"deploymentConfigInfo"`
}

func (e *Engine) wireGetDeploymentConfig(ctx context.Context, in *configNameInput) (*getDeploymentConfigOutput, error) {
	c, err := e.GetDeploymentConfig(ctx, in.DeploymentConfigName)
	if err != nil {
		return nil, err
	}
	return &getDeploymentConfigOutput{DeploymentConfigInfo: c}, nil
}

type listDeploymentConfigsOutput struct {
	DeploymentConfigsList []string `json:"deploymentConfigsList"`
	NextToken             string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListDeploymentConfigs(ctx context.Context, in *nextTokenInput) (*listDeploymentConfigsOutput, error) {
	names, next, err := e.ListDeploymentConfigs(ctx, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listDeploymentConfigsOutput{DeploymentConfigsList: names, NextToken: next}, nil
}

func (e *Engine) wireDeleteDeploymentConfig(ctx context.Context, in *configNameInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.DeleteDeploymentConfig(ctx, in.DeploymentConfigName)
}

// --- deployments ---

type createDeploymentInput struct {
	ApplicationName               string                     `json:"applicationName"`
	DeploymentGroupName           string                     `json:"deploymentGroupName,omitempty"`
	Revision                      *RevisionLocation          `json:"revision,omitempty"`
	DeploymentConfigName          string                     `json:"deploymentConfigName,omitempty"`
	Description                   string                     `json:"description,omitempty"`
	IgnoreApplicationStopFailures bool                       `json:"ignoreApplicationStopFailures,omitempty"`
	TargetInstances               *TargetInstances           `json:"targetInstances,omitempty"`
	AutoRollbackConfiguration     *AutoRollbackConfiguration `json:"autoRollbackConfiguration,omitempty"`
	UpdateOutdatedInstancesOnly   bool                       `json:"updateOutdatedInstancesOnly,omitempty"`
	FileExistsBehavior            string                     `json:"fileExistsBehavior,omitempty"`
	OverrideAlarmConfiguration    *AlarmConfiguration        `json:"overrideAlarmConfiguration,omitempty"`
}

type createDeploymentOutput struct {
	DeploymentID string `json:"deploymentId"`
}

func (e *Engine) wireCreateDeployment(ctx context.Context, in *createDeploymentInput) (*createDeploymentOutput, error) {
	id, err := e.CreateDeployment(ctx, CreateDeploymentInput{
		ApplicationName: in.ApplicationName, DeploymentGroupName: in.DeploymentGroupName, Revision: in.Revision,
		DeploymentConfigName: in.DeploymentConfigName, Description: in.Description, IgnoreApplicationStopFailures: in.IgnoreApplicationStopFailures,
		TargetInstances: in.TargetInstances, AutoRollbackConfiguration: in.AutoRollbackConfiguration,
		UpdateOutdatedInstancesOnly: in.UpdateOutdatedInstancesOnly, FileExistsBehavior: in.FileExistsBehavior,
		OverrideAlarmConfiguration: in.OverrideAlarmConfiguration,
	})
	if err != nil {
		return nil, err
	}
	return &createDeploymentOutput{DeploymentID: id}, nil
}

type deploymentIDInput struct {
	DeploymentID string `json:"deploymentId"`
}

type getDeploymentOutput struct {
	DeploymentInfo *DeploymentInfo `json:"deploymentInfo"`
}

func (e *Engine) wireGetDeployment(ctx context.Context, in *deploymentIDInput) (*getDeploymentOutput, error) {
	d, err := e.GetDeployment(ctx, in.DeploymentID)
	if err != nil {
		return nil, err
	}
	return &getDeploymentOutput{DeploymentInfo: d}, nil
}

type batchGetDeploymentsInput struct {
	DeploymentIDs []string `json:"deploymentIds"`
}

type batchGetDeploymentsOutput struct {
	DeploymentsInfo []DeploymentInfo `json:"deploymentsInfo"`
}

func (e *Engine) wireBatchGetDeployments(ctx context.Context, in *batchGetDeploymentsInput) (*batchGetDeploymentsOutput, error) {
	ds, err := e.BatchGetDeployments(ctx, in.DeploymentIDs)
	if err != nil {
		return nil, err
	}
	return &batchGetDeploymentsOutput{DeploymentsInfo: ds}, nil
}

type timeRange struct {
	Start time.Time `json:"start,omitempty"`
	End   time.Time `json:"end,omitempty"`
}

type listDeploymentsInput struct {
	ApplicationName     string     `json:"applicationName,omitempty"`
	DeploymentGroupName string     `json:"deploymentGroupName,omitempty"`
	ExternalID          string     `json:"externalId,omitempty"`
	IncludeOnlyStatuses []string   `json:"includeOnlyStatuses,omitempty"`
	CreateTimeRange     *timeRange `json:"createTimeRange,omitempty"`
	NextToken           string     `json:"nextToken,omitempty"`
}

type listDeploymentsOutput struct {
	Deployments []string `json:"deployments"`
	NextToken   string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListDeployments(ctx context.Context, in *listDeploymentsInput) (*listDeploymentsOutput, error) {
	q := ListDeploymentsInput{ApplicationName: in.ApplicationName, DeploymentGroupName: in.DeploymentGroupName, ExternalID: in.ExternalID,
		IncludeOnlyStatuses: in.IncludeOnlyStatuses, NextToken: in.NextToken}
	if in.CreateTimeRange != nil {
		q.Start, q.End = in.CreateTimeRange.Start, in.CreateTimeRange.End
	}
	ids, next, err := e.ListDeployments(ctx, q)
	if err != nil {
		return nil, err
	}
	return &listDeploymentsOutput{Deployments: ids, NextToken: next}, nil
}

type stopDeploymentInput struct {
	DeploymentID        string `json:"deploymentId"`
	AutoRollbackEnabled *bool  `json:"autoRollbackEnabled,omitempty"`
}

type stopDeploymentOutput struct {
	Status        string `json:"status"`
	StatusMessage string `json:"statusMessage"`
}

func (e *Engine) wireStopDeployment(ctx context.Context, in *stopDeploymentInput) (*stopDeploymentOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	st, msg, err := e.StopDeployment(ctx, in.DeploymentID, in.AutoRollbackEnabled)
	if err != nil {
		return nil, err
	}
	return &stopDeploymentOutput{Status: st, StatusMessage: msg}, nil
}

type continueDeploymentInput struct {
	DeploymentID       string `json:"deploymentId,omitempty"`
	DeploymentWaitType string `json:"deploymentWaitType,omitempty"`
}

func (e *Engine) wireContinueDeployment(ctx context.Context, in *continueDeploymentInput) (*emptyOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	return &emptyOutput{}, e.ContinueDeployment(ctx, in.DeploymentID, in.DeploymentWaitType)
}

func (e *Engine) wireSkipWait(ctx context.Context, in *deploymentIDInput) (*emptyOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	return &emptyOutput{}, e.SkipWaitTimeForInstanceTermination(ctx, in.DeploymentID)
}

// --- deployment instances and targets ---

type listDeploymentInstancesInput struct {
	DeploymentID         string   `json:"deploymentId"`
	NextToken            string   `json:"nextToken,omitempty"`
	InstanceStatusFilter []string `json:"instanceStatusFilter,omitempty"`
	InstanceTypeFilter   []string `json:"instanceTypeFilter,omitempty"`
}

type listDeploymentInstancesOutput struct {
	InstancesList []string `json:"instancesList"`
	NextToken     string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListDeploymentInstances(ctx context.Context, in *listDeploymentInstancesInput) (*listDeploymentInstancesOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	ids, next, err := e.ListDeploymentInstances(ctx, in.DeploymentID, in.InstanceStatusFilter, in.InstanceTypeFilter, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listDeploymentInstancesOutput{InstancesList: ids, NextToken: next}, nil
}

type getDeploymentInstanceInput struct {
	DeploymentID string `json:"deploymentId"`
	InstanceID   string `json:"instanceId"`
}

type getDeploymentInstanceOutput struct {
	InstanceSummary *InstanceSummary `json:"instanceSummary"`
}

func (e *Engine) wireGetDeploymentInstance(ctx context.Context, in *getDeploymentInstanceInput) (*getDeploymentInstanceOutput, error) {
	s, err := e.GetDeploymentInstance(ctx, in.DeploymentID, in.InstanceID)
	if err != nil {
		return nil, err
	}
	return &getDeploymentInstanceOutput{InstanceSummary: s}, nil
}

type batchGetDeploymentInstancesInput struct {
	DeploymentID string   `json:"deploymentId"`
	InstanceIDs  []string `json:"instanceIds"`
}

type batchGetDeploymentInstancesOutput struct {
	InstancesSummary []InstanceSummary `json:"instancesSummary"`
	ErrorMessage     string            `json:"errorMessage,omitempty"`
}

func (e *Engine) wireBatchGetDeploymentInstances(ctx context.Context, in *batchGetDeploymentInstancesInput) (*batchGetDeploymentInstancesOutput, error) {
	s, msg, err := e.BatchGetDeploymentInstances(ctx, in.DeploymentID, in.InstanceIDs)
	if err != nil {
		return nil, err
	}
	return &batchGetDeploymentInstancesOutput{InstancesSummary: s, ErrorMessage: msg}, nil
}

type listDeploymentTargetsInput struct {
	DeploymentID  string              `json:"deploymentId"`
	NextToken     string              `json:"nextToken,omitempty"`
	TargetFilters map[string][]string `json:"targetFilters,omitempty"`
}

type listDeploymentTargetsOutput struct {
	TargetIDs []string `json:"targetIds"`
	NextToken string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListDeploymentTargets(ctx context.Context, in *listDeploymentTargetsInput) (*listDeploymentTargetsOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	ids, next, err := e.ListDeploymentTargets(ctx, in.DeploymentID, in.TargetFilters, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listDeploymentTargetsOutput{TargetIDs: ids, NextToken: next}, nil
}

type getDeploymentTargetInput struct {
	DeploymentID string `json:"deploymentId"`
	TargetID     string `json:"targetId"`
}

type getDeploymentTargetOutput struct {
	DeploymentTarget *DeploymentTarget `json:"deploymentTarget"`
}

func (e *Engine) wireGetDeploymentTarget(ctx context.Context, in *getDeploymentTargetInput) (*getDeploymentTargetOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	t, err := e.GetDeploymentTarget(ctx, in.DeploymentID, in.TargetID)
	if err != nil {
		return nil, err
	}
	return &getDeploymentTargetOutput{DeploymentTarget: t}, nil
}

type batchGetDeploymentTargetsInput struct {
	DeploymentID string   `json:"deploymentId"`
	TargetIDs    []string `json:"targetIds"`
}

type batchGetDeploymentTargetsOutput struct {
	DeploymentTargets []DeploymentTarget `json:"deploymentTargets"`
}

func (e *Engine) wireBatchGetDeploymentTargets(ctx context.Context, in *batchGetDeploymentTargetsInput) (*batchGetDeploymentTargetsOutput, error) {
	if err := checkDeploymentID(in.DeploymentID); err != nil {
		return nil, err
	}
	ts, err := e.BatchGetDeploymentTargets(ctx, in.DeploymentID, in.TargetIDs)
	if err != nil {
		return nil, err
	}
	return &batchGetDeploymentTargetsOutput{DeploymentTargets: ts}, nil
}

type putHookStatusInput struct {
	DeploymentID                  string `json:"deploymentId,omitempty"`
	LifecycleEventHookExecutionID string `json:"lifecycleEventHookExecutionId,omitempty"`
	Status                        string `json:"status,omitempty"`
}

type putHookStatusOutput struct {
	LifecycleEventHookExecutionID string `json:"lifecycleEventHookExecutionId,omitempty"`
}

func (e *Engine) wirePutLifecycleEventHookExecutionStatus(ctx context.Context, in *putHookStatusInput) (*putHookStatusOutput, error) {
	id, err := e.PutLifecycleEventHookExecutionStatus(ctx, in.DeploymentID, in.LifecycleEventHookExecutionID, in.Status)
	if err != nil {
		return nil, err
	}
	return &putHookStatusOutput{LifecycleEventHookExecutionID: id}, nil
}

// --- revisions ---

type registerRevisionInput struct {
	ApplicationName string            `json:"applicationName"`
	Description     string            `json:"description,omitempty"`
	Revision        *RevisionLocation `json:"revision,omitempty"`
}

func (e *Engine) wireRegisterApplicationRevision(ctx context.Context, in *registerRevisionInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.RegisterApplicationRevision(ctx, in.ApplicationName, in.Description, in.Revision)
}

type getRevisionInput struct {
	ApplicationName string            `json:"applicationName"`
	Revision        *RevisionLocation `json:"revision,omitempty"`
}

type getRevisionOutput struct {
	ApplicationName string               `json:"applicationName"`
	Revision        *RevisionLocation    `json:"revision"`
	RevisionInfo    *GenericRevisionInfo `json:"revisionInfo"`
}

func (e *Engine) wireGetApplicationRevision(ctx context.Context, in *getRevisionInput) (*getRevisionOutput, error) {
	info, err := e.GetApplicationRevision(ctx, in.ApplicationName, in.Revision)
	if err != nil {
		return nil, err
	}
	return &getRevisionOutput{ApplicationName: in.ApplicationName, Revision: in.Revision, RevisionInfo: info}, nil
}

type batchGetRevisionsInput struct {
	ApplicationName string             `json:"applicationName"`
	Revisions       []RevisionLocation `json:"revisions"`
}

type batchGetRevisionsOutput struct {
	ApplicationName string         `json:"applicationName"`
	ErrorMessage    string         `json:"errorMessage,omitempty"`
	Revisions       []RevisionInfo `json:"revisions"`
}

func (e *Engine) wireBatchGetApplicationRevisions(ctx context.Context, in *batchGetRevisionsInput) (*batchGetRevisionsOutput, error) {
	recs, msg, err := e.BatchGetApplicationRevisions(ctx, in.ApplicationName, in.Revisions)
	if err != nil {
		return nil, err
	}
	return &batchGetRevisionsOutput{ApplicationName: in.ApplicationName, ErrorMessage: msg, Revisions: recs}, nil
}

type listRevisionsInput struct {
	ApplicationName string `json:"applicationName"`
	SortBy          string `json:"sortBy,omitempty"`
	SortOrder       string `json:"sortOrder,omitempty"`
	S3Bucket        string `json:"s3Bucket,omitempty"`
	S3KeyPrefix     string `json:"s3KeyPrefix,omitempty"`
	Deployed        string `json:"deployed,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
}

type listRevisionsOutput struct {
	Revisions []RevisionLocation `json:"revisions"`
	NextToken string             `json:"nextToken,omitempty"`
}

func (e *Engine) wireListApplicationRevisions(ctx context.Context, in *listRevisionsInput) (*listRevisionsOutput, error) {
	revs, next, err := e.ListApplicationRevisions(ctx, in.ApplicationName, ListRevisionsInput{SortBy: in.SortBy, SortOrder: in.SortOrder,
		S3Bucket: in.S3Bucket, S3KeyPrefix: in.S3KeyPrefix, Deployed: in.Deployed, NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	return &listRevisionsOutput{Revisions: revs, NextToken: next}, nil
}

// --- on-premises instances ---

type registerInstanceInput struct {
	InstanceName  string `json:"instanceName"`
	IamSessionArn string `json:"iamSessionArn,omitempty"`
	IamUserArn    string `json:"iamUserArn,omitempty"`
}

func (e *Engine) wireRegisterOnPremisesInstance(ctx context.Context, in *registerInstanceInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.RegisterOnPremisesInstance(ctx, in.InstanceName, in.IamSessionArn, in.IamUserArn)
}

type instanceNameInput struct {
	InstanceName string `json:"instanceName"`
}

func (e *Engine) wireDeregisterOnPremisesInstance(ctx context.Context, in *instanceNameInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.DeregisterOnPremisesInstance(ctx, in.InstanceName)
}

type getInstanceOutput struct {
	InstanceInfo *InstanceInfo `json:"instanceInfo"`
}

func (e *Engine) wireGetOnPremisesInstance(ctx context.Context, in *instanceNameInput) (*getInstanceOutput, error) {
	i, err := e.GetOnPremisesInstance(ctx, in.InstanceName)
	if err != nil {
		return nil, err
	}
	return &getInstanceOutput{InstanceInfo: i}, nil
}

type instanceNamesInput struct {
	InstanceNames []string `json:"instanceNames"`
}

type batchGetInstancesOutput struct {
	InstanceInfos []InstanceInfo `json:"instanceInfos"`
}

func (e *Engine) wireBatchGetOnPremisesInstances(ctx context.Context, in *instanceNamesInput) (*batchGetInstancesOutput, error) {
	is, err := e.BatchGetOnPremisesInstances(ctx, in.InstanceNames)
	if err != nil {
		return nil, err
	}
	return &batchGetInstancesOutput{InstanceInfos: is}, nil
}

type listInstancesInput struct {
	RegistrationStatus string      `json:"registrationStatus,omitempty"`
	TagFilters         []TagFilter `json:"tagFilters,omitempty"`
	NextToken          string      `json:"nextToken,omitempty"`
}

type listInstancesOutput struct {
	InstanceNames []string `json:"instanceNames"`
	NextToken     string   `json:"nextToken,omitempty"`
}

func (e *Engine) wireListOnPremisesInstances(ctx context.Context, in *listInstancesInput) (*listInstancesOutput, error) {
	names, next, err := e.ListOnPremisesInstances(ctx, in.RegistrationStatus, in.TagFilters, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listInstancesOutput{InstanceNames: names, NextToken: next}, nil
}

type instanceTagsInput struct {
	Tags          []Tag    `json:"tags"`
	InstanceNames []string `json:"instanceNames"`
}

func (e *Engine) wireAddTagsToOnPremisesInstances(ctx context.Context, in *instanceTagsInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.AddTagsToOnPremisesInstances(ctx, in.InstanceNames, in.Tags)
}

func (e *Engine) wireRemoveTagsFromOnPremisesInstances(ctx context.Context, in *instanceTagsInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.RemoveTagsFromOnPremisesInstances(ctx, in.InstanceNames, in.Tags)
}

// --- resource tags ---

type tagResourceInput struct {
	ResourceArn string `json:"ResourceArn"`
	Tags        []Tag  `json:"Tags"`
}

func (e *Engine) wireTagResource(ctx context.Context, in *tagResourceInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.TagResource(ctx, in.ResourceArn, in.Tags)
}

type untagResourceInput struct {
	ResourceArn string   `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

func (e *Engine) wireUntagResource(ctx context.Context, in *untagResourceInput) (*emptyOutput, error) {
	return &emptyOutput{}, e.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

type listTagsInput struct {
	ResourceArn string `json:"ResourceArn"`
	NextToken   string `json:"NextToken,omitempty"`
}

type listTagsOutput struct {
	Tags      []Tag  `json:"Tags"`
	NextToken string `json:"NextToken,omitempty"`
}

func (e *Engine) wireListTagsForResource(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
	tags, err := e.ListTagsForResource(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return &listTagsOutput{Tags: tags}, nil
}

// --- GitHub tokens and external ids (nothing to hold) ---

type listTokenNamesOutput struct {
	TokenNameList []string `json:"tokenNameList"`
}

func (e *Engine) wireListGitHubAccountTokenNames(ctx context.Context, in *nextTokenInput) (*listTokenNamesOutput, error) {
	return &listTokenNamesOutput{TokenNameList: []string{}}, nil
}

type deleteTokenInput struct {
	TokenName string `json:"tokenName,omitempty"`
}

func (e *Engine) wireDeleteGitHubAccountToken(ctx context.Context, in *deleteTokenInput) (*emptyOutput, error) {
	if in.TokenName == "" {
		return nil, errGitHubAccountTokenNameRequired.New("The call is missing a required GitHub account connection name.")
	}
	return nil, errGitHubAccountTokenDoesNotExist.New("No GitHub account connection for the specified token name exists.")
}

type externalIDInput struct {
	ExternalID string `json:"externalId,omitempty"`
}

func (e *Engine) wireDeleteResourcesByExternalId(ctx context.Context, in *externalIDInput) (*emptyOutput, error) {
	return &emptyOutput{}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func shapeOf(in *createDeploymentGroupInput) groupShape {
	return groupShape{in.DeploymentConfigName, in.EC2TagFilters, in.OnPremisesInstanceTagFilters, in.AutoScalingGroups, in.ServiceRoleArn,
		in.TriggerConfigurations, in.AlarmConfiguration, in.AutoRollbackConfiguration, in.OutdatedInstancesStrategy, in.DeploymentStyle,
		in.BlueGreenDeploymentConfiguration, in.LoadBalancerInfo, in.EC2TagSet, in.ECSServices, in.OnPremisesTagSet, in.TerminationHookEnabled}
}

func shapeOfUpdate(in *updateDeploymentGroupInput) groupShape {
	return groupShape{in.DeploymentConfigName, in.EC2TagFilters, in.OnPremisesInstanceTagFilters, in.AutoScalingGroups, in.ServiceRoleArn,
		in.TriggerConfigurations, in.AlarmConfiguration, in.AutoRollbackConfiguration, in.OutdatedInstancesStrategy, in.DeploymentStyle,
		in.BlueGreenDeploymentConfiguration, in.LoadBalancerInfo, in.EC2TagSet, in.ECSServices, in.OnPremisesTagSet, in.TerminationHookEnabled}
}
