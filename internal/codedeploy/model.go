package codedeploy

import (
	"time"
)

// The CodeDeploy shapes (awsJson 1.1, member names as on the wire; see the
// tag conventions in internal/awswire/codec.go). The engine uses them as
// its model too, and stores them as JSON inside its records: the API's
// nested configuration objects are exactly what a deployment group is.

// Compute platforms, deployment types and options.
const (
	PlatformServer = "Server"
	PlatformECS    = "ECS"
	PlatformLambda = "Lambda"

	TypeInPlace   = "IN_PLACE"
	TypeBlueGreen = "BLUE_GREEN"

	WithTrafficControl    = "WITH_TRAFFIC_CONTROL"
	WithoutTrafficControl = "WITHOUT_TRAFFIC_CONTROL"
)

// Deployment statuses.
const (
	StatusCreated    = "Created"
	StatusQueued     = "Queued"
	StatusInProgress = "InProgress"
	StatusBaking     = "Baking"
	StatusReady      = "Ready"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusStopped    = "Stopped"
)

// Target and lifecycle event statuses.
const (
	TargetPending    = "Pending"
	TargetInProgress = "InProgress"
	TargetSucceeded  = "Succeeded"
	TargetFailed     = "Failed"
	TargetSkipped    = "Skipped"
	TargetUnknown    = "Unknown"
	TargetReady      = "Ready"
)

// Auto rollback events.
const (
	RollbackOnFailure = "DEPLOYMENT_FAILURE"
	RollbackOnAlarm   = "DEPLOYMENT_STOP_ON_ALARM"
	RollbackOnRequest = "DEPLOYMENT_STOP_ON_REQUEST"
)

// Tag is a resource or instance tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// TagFilter selects instances by tag (EC2TagFilter and TagFilter share
// this shape). Type is KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE.
type TagFilter struct {
	Key   string `json:"Key,omitempty"`
	Value string `json:"Value,omitempty"`
	Type  string `json:"Type,omitempty"`
}

// EC2TagSet is a list of tag groups; an instance must match every group
// (any filter within a group).
type EC2TagSet struct {
	List [][]TagFilter `json:"ec2TagSetList"`
}

// OnPremisesTagSet is the on-premises form of EC2TagSet.
type OnPremisesTagSet struct {
	List [][]TagFilter `json:"onPremisesTagSetList"`
}

// Alarm names a CloudWatch alarm.
type Alarm struct {
	Name string `json:"name"`
}

// AlarmConfiguration is a deployment group's alarms.
type AlarmConfiguration struct {
	Enabled                bool    `json:"enabled"`
	IgnorePollAlarmFailure bool    `json:"ignorePollAlarmFailure"`
	Alarms                 []Alarm `json:"alarms"`
}

// AutoRollbackConfiguration says when a failed or stopped deployment is
// rolled back.
type AutoRollbackConfiguration struct {
	Enabled bool     `json:"enabled"`
	Events  []string `json:"events"`
}

// DeploymentStyle is in-place or blue/green, with or without a load
// balancer.
type DeploymentStyle struct {
	DeploymentType   string `json:"deploymentType,omitempty"`
	DeploymentOption string `json:"deploymentOption,omitempty"`
}

// BlueInstanceTerminationOption says what happens to the original fleet.
type BlueInstanceTerminationOption struct {
	Action                       string `json:"action,omitempty"` // TERMINATE, KEEP_ALIVE
	TerminationWaitTimeInMinutes int    `json:"terminationWaitTimeInMinutes"`
}

// DeploymentReadyOption says whether traffic moves as soon as the
// replacement fleet is ready.
type DeploymentReadyOption struct {
	ActionOnTimeout   string `json:"actionOnTimeout,omitempty"` // CONTINUE_DEPLOYMENT, STOP_DEPLOYMENT
	WaitTimeInMinutes int    `json:"waitTimeInMinutes"`
}

// GreenFleetProvisioningOption says how the replacement fleet is found.
type GreenFleetProvisioningOption struct {
	Action string `json:"action,omitempty"` // DISCOVER_EXISTING, COPY_AUTO_SCALING_GROUP
}

// BlueGreenDeploymentConfiguration groups the blue/green options.
type BlueGreenDeploymentConfiguration struct {
	TerminateBlueInstancesOnDeploymentSuccess *BlueInstanceTerminationOption `json:"terminateBlueInstancesOnDeploymentSuccess,omitempty"`
	DeploymentReadyOption                     *DeploymentReadyOption         `json:"deploymentReadyOption,omitempty"`
	GreenFleetProvisioningOption              *GreenFleetProvisioningOption  `json:"greenFleetProvisioningOption,omitempty"`
}

// NameInfo is an ELB or target group name.
type NameInfo struct {
	Name string `json:"name,omitempty"`
}

// TrafficRoute lists listener ARNs.
type TrafficRoute struct {
	ListenerArns []string `json:"listenerArns"`
}

// TargetGroupPairInfo is the pair of target groups a weighted
// (blue/green, canary, linear) deployment moves traffic between.
type TargetGroupPairInfo struct {
	TargetGroups     []NameInfo    `json:"targetGroups,omitempty"`
	ProdTrafficRoute *TrafficRoute `json:"prodTrafficRoute,omitempty"`
	TestTrafficRoute *TrafficRoute `json:"testTrafficRoute,omitempty"`
}

// LoadBalancerInfo names the load balancer's target groups.
type LoadBalancerInfo struct {
	ElbInfoList             []NameInfo            `json:"elbInfoList,omitempty"`
	TargetGroupInfoList     []NameInfo            `json:"targetGroupInfoList,omitempty"`
	TargetGroupPairInfoList []TargetGroupPairInfo `json:"targetGroupPairInfoList,omitempty"`
}

// TriggerConfig is stored and echoed (notifications are not sent).
type TriggerConfig struct {
	TriggerName      string   `json:"triggerName,omitempty"`
	TriggerTargetArn string   `json:"triggerTargetArn,omitempty"`
	TriggerEvents    []string `json:"triggerEvents,omitempty"`
}

// ECSService is accepted in shapes only to refuse it clearly.
type ECSService struct {
	ServiceName string `json:"serviceName,omitempty"`
	ClusterName string `json:"clusterName,omitempty"`
}

// AutoScalingGroup is the output shape of a group's Auto Scaling groups.
type AutoScalingGroup struct {
	Name string `json:"name,omitempty"`
	Hook string `json:"hook,omitempty"`
}

// S3Location is a revision in S3.
type S3Location struct {
	Bucket     string `json:"bucket,omitempty"`
	Key        string `json:"key,omitempty"`
	BundleType string `json:"bundleType,omitempty"`
	Version    string `json:"version,omitempty"`
	ETag       string `json:"eTag,omitempty"`
}

// GitHubLocation is a revision in GitHub (recorded; not deployable).
type GitHubLocation struct {
	Repository string `json:"repository,omitempty"`
	CommitID   string `json:"commitId,omitempty"`
}

// RawString is String and AppSpecContent content.
type RawString struct {
	Content string `json:"content,omitempty"`
	Sha256  string `json:"sha256,omitempty"`
}

// RevisionLocation is where a revision is.
type RevisionLocation struct {
	RevisionType   string          `json:"revisionType,omitempty"`
	S3Location     *S3Location     `json:"s3Location,omitempty"`
	GitHubLocation *GitHubLocation `json:"gitHubLocation,omitempty"`
	String         *RawString      `json:"string,omitempty"`
	AppSpecContent *RawString      `json:"appSpecContent,omitempty"`
}

// TargetInstances selects a blue/green deployment's replacement fleet
// (DISCOVER_EXISTING).
type TargetInstances struct {
	TagFilters        []TagFilter `json:"tagFilters,omitempty"`
	AutoScalingGroups []string    `json:"autoScalingGroups,omitempty"`
	EC2TagSet         *EC2TagSet  `json:"ec2TagSet,omitempty"`
}

// MinimumHealthyHosts of a deployment config.
type MinimumHealthyHosts struct {
	Type  string `json:"type,omitempty"` // HOST_COUNT, FLEET_PERCENT (MOST_CONCURRENCY for OneAtATime)
	Value int    `json:"value"`
}

// TimeBasedCanary shifts canaryPercentage, then the rest after
// canaryInterval minutes.
type TimeBasedCanary struct {
	CanaryPercentage int `json:"canaryPercentage"`
	CanaryInterval   int `json:"canaryInterval"`
}

// TimeBasedLinear shifts linearPercentage every linearInterval minutes.
type TimeBasedLinear struct {
	LinearPercentage int `json:"linearPercentage"`
	LinearInterval   int `json:"linearInterval"`
}

// TrafficRoutingConfig of a deployment config.
type TrafficRoutingConfig struct {
	Type            string           `json:"type,omitempty"` // TimeBasedCanary, TimeBasedLinear, AllAtOnce
	TimeBasedCanary *TimeBasedCanary `json:"timeBasedCanary,omitempty"`
	TimeBasedLinear *TimeBasedLinear `json:"timeBasedLinear,omitempty"`
}

// MinimumHealthyHostsPerZone of a zonal config.
type MinimumHealthyHostsPerZone struct {
	Type  string `json:"type,omitempty"`
	Value int    `json:"value"`
}

// ZonalConfig is recorded and echoed (instances have no zones).
type ZonalConfig struct {
	FirstZoneMonitorDurationInSeconds int64                       `json:"firstZoneMonitorDurationInSeconds,omitempty"`
	MonitorDurationInSeconds          int64                       `json:"monitorDurationInSeconds,omitempty"`
	MinimumHealthyHostsPerZone        *MinimumHealthyHostsPerZone `json:"minimumHealthyHostsPerZone,omitempty"`
}

// ApplicationInfo is an application.
type ApplicationInfo struct {
	ApplicationID     string    `json:"applicationId"`
	ApplicationName   string    `json:"applicationName"`
	CreateTime        time.Time `json:"createTime"`
	LinkedToGitHub    bool      `json:"linkedToGitHub"`
	GitHubAccountName string    `json:"gitHubAccountName,omitempty"`
	ComputePlatform   string    `json:"computePlatform"`
}

// LastDeploymentInfo summarizes a group's last (successful) deployment.
type LastDeploymentInfo struct {
	DeploymentID string    `json:"deploymentId,omitempty"`
	Status       string    `json:"status,omitempty"`
	EndTime      time.Time `json:"endTime,omitempty"`
	CreateTime   time.Time `json:"createTime,omitempty"`
}

// DeploymentGroupInfo is a deployment group.
type DeploymentGroupInfo struct {
	ApplicationName                  string                            `json:"applicationName"`
	DeploymentGroupID                string                            `json:"deploymentGroupId"`
	DeploymentGroupName              string                            `json:"deploymentGroupName"`
	DeploymentConfigName             string                            `json:"deploymentConfigName"`
	EC2TagFilters                    []TagFilter                       `json:"ec2TagFilters"`
	OnPremisesInstanceTagFilters     []TagFilter                       `json:"onPremisesInstanceTagFilters"`
	AutoScalingGroups                []AutoScalingGroup                `json:"autoScalingGroups"`
	ServiceRoleArn                   string                            `json:"serviceRoleArn,omitempty"`
	TargetRevision                   *RevisionLocation                 `json:"targetRevision,omitempty"`
	TriggerConfigurations            []TriggerConfig                   `json:"triggerConfigurations"`
	AlarmConfiguration               *AlarmConfiguration               `json:"alarmConfiguration,omitempty"`
	AutoRollbackConfiguration        *AutoRollbackConfiguration        `json:"autoRollbackConfiguration,omitempty"`
	DeploymentStyle                  *DeploymentStyle                  `json:"deploymentStyle,omitempty"`
	OutdatedInstancesStrategy        string                            `json:"outdatedInstancesStrategy,omitempty"`
	BlueGreenDeploymentConfiguration *BlueGreenDeploymentConfiguration `json:"blueGreenDeploymentConfiguration,omitempty"`
	LoadBalancerInfo                 *LoadBalancerInfo                 `json:"loadBalancerInfo,omitempty"`
	LastSuccessfulDeployment         *LastDeploymentInfo               `json:"lastSuccessfulDeployment,omitempty"`
	LastAttemptedDeployment          *LastDeploymentInfo               `json:"lastAttemptedDeployment,omitempty"`
	EC2TagSet                        *EC2TagSet                        `json:"ec2TagSet,omitempty"`
	OnPremisesTagSet                 *OnPremisesTagSet                 `json:"onPremisesTagSet,omitempty"`
	ComputePlatform                  string                            `json:"computePlatform"`
	ECSServices                      []ECSService                      `json:"ecsServices"`
	TerminationHookEnabled           bool                              `json:"terminationHookEnabled"`
}

// DeploymentConfigInfo is a deployment configuration.
type DeploymentConfigInfo struct {
	DeploymentConfigID   string                `json:"deploymentConfigId"`
	DeploymentConfigName string                `json:"deploymentConfigName"`
	MinimumHealthyHosts  *MinimumHealthyHosts  `json:"minimumHealthyHosts,omitempty"`
	CreateTime           time.Time             `json:"createTime"`
	ComputePlatform      string                `json:"computePlatform"`
	TrafficRoutingConfig *TrafficRoutingConfig `json:"trafficRoutingConfig,omitempty"`
	ZonalConfig          *ZonalConfig          `json:"zonalConfig,omitempty"`
}

// ErrorInformation is why a deployment failed or stopped.
type ErrorInformation struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// DeploymentOverview counts a deployment's targets by status.
type DeploymentOverview struct {
	Pending    int64 `json:"Pending"`
	InProgress int64 `json:"InProgress"`
	Succeeded  int64 `json:"Succeeded"`
	Failed     int64 `json:"Failed"`
	Skipped    int64 `json:"Skipped"`
	Ready      int64 `json:"Ready"`
}

// RollbackInfo links a deployment and its rollback.
type RollbackInfo struct {
	RollbackDeploymentID           string `json:"rollbackDeploymentId,omitempty"`
	RollbackTriggeringDeploymentID string `json:"rollbackTriggeringDeploymentId,omitempty"`
	RollbackMessage                string `json:"rollbackMessage,omitempty"`
}

// DeploymentInfo is a deployment as GetDeployment reports it.
type DeploymentInfo struct {
	ApplicationName                    string                            `json:"applicationName"`
	DeploymentGroupName                string                            `json:"deploymentGroupName"`
	DeploymentConfigName               string                            `json:"deploymentConfigName"`
	DeploymentID                       string                            `json:"deploymentId"`
	PreviousRevision                   *RevisionLocation                 `json:"previousRevision,omitempty"`
	Revision                           *RevisionLocation                 `json:"revision,omitempty"`
	Status                             string                            `json:"status"`
	ErrorInformation                   *ErrorInformation                 `json:"errorInformation,omitempty"`
	CreateTime                         time.Time                         `json:"createTime"`
	StartTime                          time.Time                         `json:"startTime,omitempty"`
	CompleteTime                       time.Time                         `json:"completeTime,omitempty"`
	DeploymentOverview                 *DeploymentOverview               `json:"deploymentOverview,omitempty"`
	Description                        string                            `json:"description,omitempty"`
	Creator                            string                            `json:"creator"`
	IgnoreApplicationStopFailures      bool                              `json:"ignoreApplicationStopFailures"`
	AutoRollbackConfiguration          *AutoRollbackConfiguration        `json:"autoRollbackConfiguration,omitempty"`
	UpdateOutdatedInstancesOnly        bool                              `json:"updateOutdatedInstancesOnly"`
	RollbackInfo                       *RollbackInfo                     `json:"rollbackInfo,omitempty"`
	DeploymentStyle                    *DeploymentStyle                  `json:"deploymentStyle,omitempty"`
	TargetInstances                    *TargetInstances                  `json:"targetInstances,omitempty"`
	InstanceTerminationWaitTimeStarted bool                              `json:"instanceTerminationWaitTimeStarted"`
	BlueGreenDeploymentConfiguration   *BlueGreenDeploymentConfiguration `json:"blueGreenDeploymentConfiguration,omitempty"`
	LoadBalancerInfo                   *LoadBalancerInfo                 `json:"loadBalancerInfo,omitempty"`
	AdditionalDeploymentStatusInfo     string                            `json:"additionalDeploymentStatusInfo,omitempty"`
	FileExistsBehavior                 string                            `json:"fileExistsBehavior,omitempty"`
	DeploymentStatusMessages           []string                          `json:"deploymentStatusMessages"`
	ComputePlatform                    string                            `json:"computePlatform"`
	ExternalID                         string                            `json:"externalId,omitempty"`
	OverrideAlarmConfiguration         *AlarmConfiguration               `json:"overrideAlarmConfiguration,omitempty"`
}

// Diagnostics explain a lifecycle event's result.
type Diagnostics struct {
	ErrorCode  string `json:"errorCode,omitempty"` // Success, ScriptMissing, ScriptNotExecutable, ScriptTimedOut, ScriptFailed, UnknownError
	ScriptName string `json:"scriptName"`
	Message    string `json:"message,omitempty"`
	LogTail    string `json:"logTail"`
}

// LifecycleEvent is one step of a target's deployment.
type LifecycleEvent struct {
	LifecycleEventName string       `json:"lifecycleEventName"`
	Diagnostics        *Diagnostics `json:"diagnostics,omitempty"`
	StartTime          time.Time    `json:"startTime,omitempty"`
	EndTime            time.Time    `json:"endTime,omitempty"`
	Status             string       `json:"status"`
}

// InstanceSummary is the legacy per-instance view (BatchGetDeploymentInstances).
type InstanceSummary struct {
	DeploymentID    string           `json:"deploymentId"`
	InstanceID      string           `json:"instanceId"`
	Status          string           `json:"status"`
	LastUpdatedAt   time.Time        `json:"lastUpdatedAt"`
	LifecycleEvents []LifecycleEvent `json:"lifecycleEvents"`
	InstanceType    string           `json:"instanceType,omitempty"`
}

// InstanceTarget is one instance of a deployment (BatchGetDeploymentTargets).
type InstanceTarget struct {
	DeploymentID    string           `json:"deploymentId"`
	TargetID        string           `json:"targetId"`
	TargetArn       string           `json:"targetArn"`
	Status          string           `json:"status"`
	LastUpdatedAt   time.Time        `json:"lastUpdatedAt"`
	LifecycleEvents []LifecycleEvent `json:"lifecycleEvents"`
	InstanceLabel   string           `json:"instanceLabel,omitempty"`
}

// DeploymentTarget wraps a target.
type DeploymentTarget struct {
	DeploymentTargetType string          `json:"deploymentTargetType"`
	InstanceTarget       *InstanceTarget `json:"instanceTarget,omitempty"`
}

// InstanceInfo is an on-premises instance.
type InstanceInfo struct {
	InstanceName   string    `json:"instanceName"`
	IamSessionArn  string    `json:"iamSessionArn,omitempty"`
	IamUserArn     string    `json:"iamUserArn,omitempty"`
	InstanceArn    string    `json:"instanceArn"`
	RegisterTime   time.Time `json:"registerTime"`
	DeregisterTime time.Time `json:"deregisterTime,omitempty"`
	Tags           []Tag     `json:"tags"`
}

// GenericRevisionInfo is what is known about a registered revision.
type GenericRevisionInfo struct {
	Description      string    `json:"description,omitempty"`
	DeploymentGroups []string  `json:"deploymentGroups"`
	FirstUsedTime    time.Time `json:"firstUsedTime,omitempty"`
	LastUsedTime     time.Time `json:"lastUsedTime,omitempty"`
	RegisterTime     time.Time `json:"registerTime,omitempty"`
}

// RevisionInfo is a revision with what is known about it.
type RevisionInfo struct {
	RevisionLocation    RevisionLocation    `json:"revisionLocation"`
	GenericRevisionInfo GenericRevisionInfo `json:"genericRevisionInfo"`
}
