package codedeploy

import "github.com/skiff-dev/skiff/internal/apierr"

// CodeDeploy's error table: every error shape of the 2014-10-06 model, all
// client faults with HTTP status 400. Codes other packages may test for
// with Code.Is are exported.
var (
	errAlarmsLimitExceeded                       = apierr.Code{Name: "AlarmsLimitExceededException", Status: 400}
	errApplicationAlreadyExists                  = apierr.Code{Name: "ApplicationAlreadyExistsException", Status: 400}
	ErrApplicationDoesNotExist                   = apierr.Code{Name: "ApplicationDoesNotExistException", Status: 400}
	errApplicationLimitExceeded                  = apierr.Code{Name: "ApplicationLimitExceededException", Status: 400}
	errApplicationNameRequired                   = apierr.Code{Name: "ApplicationNameRequiredException", Status: 400}
	errArnNotSupported                           = apierr.Code{Name: "ArnNotSupportedException", Status: 400}
	errBatchLimitExceeded                        = apierr.Code{Name: "BatchLimitExceededException", Status: 400}
	errBucketNameFilterRequired                  = apierr.Code{Name: "BucketNameFilterRequiredException", Status: 400}
	errDeploymentAlreadyCompleted                = apierr.Code{Name: "DeploymentAlreadyCompletedException", Status: 400}
	errDeploymentAlreadyStarted                  = apierr.Code{Name: "DeploymentAlreadyStartedException", Status: 400}
	errDeploymentConfigAlreadyExists             = apierr.Code{Name: "DeploymentConfigAlreadyExistsException", Status: 400}
	ErrDeploymentConfigDoesNotExist              = apierr.Code{Name: "DeploymentConfigDoesNotExistException", Status: 400}
	errDeploymentConfigInUse                     = apierr.Code{Name: "DeploymentConfigInUseException", Status: 400}
	errDeploymentConfigLimitExceeded             = apierr.Code{Name: "DeploymentConfigLimitExceededException", Status: 400}
	errDeploymentConfigNameRequired              = apierr.Code{Name: "DeploymentConfigNameRequiredException", Status: 400}
	ErrDeploymentDoesNotExist                    = apierr.Code{Name: "DeploymentDoesNotExistException", Status: 400}
	errDeploymentGroupAlreadyExists              = apierr.Code{Name: "DeploymentGroupAlreadyExistsException", Status: 400}
	ErrDeploymentGroupDoesNotExist               = apierr.Code{Name: "DeploymentGroupDoesNotExistException", Status: 400}
	errDeploymentGroupLimitExceeded              = apierr.Code{Name: "DeploymentGroupLimitExceededException", Status: 400}
	errDeploymentGroupNameRequired               = apierr.Code{Name: "DeploymentGroupNameRequiredException", Status: 400}
	errDeploymentIdRequired                      = apierr.Code{Name: "DeploymentIdRequiredException", Status: 400}
	errDeploymentIsNotInReadyState               = apierr.Code{Name: "DeploymentIsNotInReadyStateException", Status: 400}
	errDeploymentLimitExceeded                   = apierr.Code{Name: "DeploymentLimitExceededException", Status: 400}
	errDeploymentNotStarted                      = apierr.Code{Name: "DeploymentNotStartedException", Status: 400}
	errDeploymentTargetDoesNotExist              = apierr.Code{Name: "DeploymentTargetDoesNotExistException", Status: 400}
	errDeploymentTargetIdRequired                = apierr.Code{Name: "DeploymentTargetIdRequiredException", Status: 400}
	errDeploymentTargetListSizeExceeded          = apierr.Code{Name: "DeploymentTargetListSizeExceededException", Status: 400}
	errDescriptionTooLong                        = apierr.Code{Name: "DescriptionTooLongException", Status: 400}
	errECSServiceMappingLimitExceeded            = apierr.Code{Name: "ECSServiceMappingLimitExceededException", Status: 400}
	errGitHubAccountTokenDoesNotExist            = apierr.Code{Name: "GitHubAccountTokenDoesNotExistException", Status: 400}
	errGitHubAccountTokenNameRequired            = apierr.Code{Name: "GitHubAccountTokenNameRequiredException", Status: 400}
	errIamArnRequired                            = apierr.Code{Name: "IamArnRequiredException", Status: 400}
	errIamSessionArnAlreadyRegistered            = apierr.Code{Name: "IamSessionArnAlreadyRegisteredException", Status: 400}
	errIamUserArnAlreadyRegistered               = apierr.Code{Name: "IamUserArnAlreadyRegisteredException", Status: 400}
	errIamUserArnRequired                        = apierr.Code{Name: "IamUserArnRequiredException", Status: 400}
	errInstanceDoesNotExist                      = apierr.Code{Name: "InstanceDoesNotExistException", Status: 400}
	errInstanceIdRequired                        = apierr.Code{Name: "InstanceIdRequiredException", Status: 400}
	errInstanceLimitExceeded                     = apierr.Code{Name: "InstanceLimitExceededException", Status: 400}
	errInstanceNameAlreadyRegistered             = apierr.Code{Name: "InstanceNameAlreadyRegisteredException", Status: 400}
	errInstanceNameRequired                      = apierr.Code{Name: "InstanceNameRequiredException", Status: 400}
	ErrInstanceNotRegistered                     = apierr.Code{Name: "InstanceNotRegisteredException", Status: 400}
	errInvalidAlarmConfig                        = apierr.Code{Name: "InvalidAlarmConfigException", Status: 400}
	errInvalidApplicationName                    = apierr.Code{Name: "InvalidApplicationNameException", Status: 400}
	errInvalidArn                                = apierr.Code{Name: "InvalidArnException", Status: 400}
	errInvalidAutoRollbackConfig                 = apierr.Code{Name: "InvalidAutoRollbackConfigException", Status: 400}
	errInvalidAutoScalingGroup                   = apierr.Code{Name: "InvalidAutoScalingGroupException", Status: 400}
	errInvalidBlueGreenDeploymentConfiguration   = apierr.Code{Name: "InvalidBlueGreenDeploymentConfigurationException", Status: 400}
	errInvalidBucketNameFilter                   = apierr.Code{Name: "InvalidBucketNameFilterException", Status: 400}
	errInvalidComputePlatform                    = apierr.Code{Name: "InvalidComputePlatformException", Status: 400}
	errInvalidDeployedStateFilter                = apierr.Code{Name: "InvalidDeployedStateFilterException", Status: 400}
	errInvalidDeploymentConfigName               = apierr.Code{Name: "InvalidDeploymentConfigNameException", Status: 400}
	errInvalidDeploymentGroupName                = apierr.Code{Name: "InvalidDeploymentGroupNameException", Status: 400}
	errInvalidDeploymentId                       = apierr.Code{Name: "InvalidDeploymentIdException", Status: 400}
	errInvalidDeploymentInstanceType             = apierr.Code{Name: "InvalidDeploymentInstanceTypeException", Status: 400}
	errInvalidDeploymentStatus                   = apierr.Code{Name: "InvalidDeploymentStatusException", Status: 400}
	errInvalidDeploymentStyle                    = apierr.Code{Name: "InvalidDeploymentStyleException", Status: 400}
	errInvalidDeploymentTargetId                 = apierr.Code{Name: "InvalidDeploymentTargetIdException", Status: 400}
	errInvalidDeploymentWaitType                 = apierr.Code{Name: "InvalidDeploymentWaitTypeException", Status: 400}
	errInvalidEC2TagCombination                  = apierr.Code{Name: "InvalidEC2TagCombinationException", Status: 400}
	errInvalidEC2Tag                             = apierr.Code{Name: "InvalidEC2TagException", Status: 400}
	errInvalidECSService                         = apierr.Code{Name: "InvalidECSServiceException", Status: 400}
	errInvalidExternalId                         = apierr.Code{Name: "InvalidExternalIdException", Status: 400}
	errInvalidFileExistsBehavior                 = apierr.Code{Name: "InvalidFileExistsBehaviorException", Status: 400}
	errInvalidGitHubAccountToken                 = apierr.Code{Name: "InvalidGitHubAccountTokenException", Status: 400}
	errInvalidGitHubAccountTokenName             = apierr.Code{Name: "InvalidGitHubAccountTokenNameException", Status: 400}
	errInvalidIamSessionArn                      = apierr.Code{Name: "InvalidIamSessionArnException", Status: 400}
	errInvalidIamUserArn                         = apierr.Code{Name: "InvalidIamUserArnException", Status: 400}
	errInvalidIgnoreApplicationStopFailuresValue = apierr.Code{Name: "InvalidIgnoreApplicationStopFailuresValueException", Status: 400}
	errInvalidInput                              = apierr.Code{Name: "InvalidInputException", Status: 400}
	errInvalidInstanceId                         = apierr.Code{Name: "InvalidInstanceIdException", Status: 400}
	errInvalidInstanceName                       = apierr.Code{Name: "InvalidInstanceNameException", Status: 400}
	errInvalidInstanceStatus                     = apierr.Code{Name: "InvalidInstanceStatusException", Status: 400}
	errInvalidInstanceType                       = apierr.Code{Name: "InvalidInstanceTypeException", Status: 400}
	errInvalidKeyPrefixFilter                    = apierr.Code{Name: "InvalidKeyPrefixFilterException", Status: 400}
	errInvalidLifecycleEventHookExecutionId      = apierr.Code{Name: "InvalidLifecycleEventHookExecutionIdException", Status: 400}
	errInvalidLifecycleEventHookExecutionStatus  = apierr.Code{Name: "InvalidLifecycleEventHookExecutionStatusException", Status: 400}
	errInvalidLoadBalancerInfo                   = apierr.Code{Name: "InvalidLoadBalancerInfoException", Status: 400}
	errInvalidMinimumHealthyHostValue            = apierr.Code{Name: "InvalidMinimumHealthyHostValueException", Status: 400}
	errInvalidNextToken                          = apierr.Code{Name: "InvalidNextTokenException", Status: 400}
	errInvalidOnPremisesTagCombination           = apierr.Code{Name: "InvalidOnPremisesTagCombinationException", Status: 400}
	errInvalidOperation                          = apierr.Code{Name: "InvalidOperationException", Status: 400}
	errInvalidRegistrationStatus                 = apierr.Code{Name: "InvalidRegistrationStatusException", Status: 400}
	errInvalidRevision                           = apierr.Code{Name: "InvalidRevisionException", Status: 400}
	errInvalidRole                               = apierr.Code{Name: "InvalidRoleException", Status: 400}
	errInvalidSortBy                             = apierr.Code{Name: "InvalidSortByException", Status: 400}
	errInvalidSortOrder                          = apierr.Code{Name: "InvalidSortOrderException", Status: 400}
	errInvalidTag                                = apierr.Code{Name: "InvalidTagException", Status: 400}
	errInvalidTagFilter                          = apierr.Code{Name: "InvalidTagFilterException", Status: 400}
	errInvalidTagsToAdd                          = apierr.Code{Name: "InvalidTagsToAddException", Status: 400}
	errInvalidTarget                             = apierr.Code{Name: "InvalidTargetException", Status: 400}
	errInvalidTargetFilterName                   = apierr.Code{Name: "InvalidTargetFilterNameException", Status: 400}
	errInvalidTargetGroupPair                    = apierr.Code{Name: "InvalidTargetGroupPairException", Status: 400}
	errInvalidTargetInstances                    = apierr.Code{Name: "InvalidTargetInstancesException", Status: 400}
	errInvalidTimeRange                          = apierr.Code{Name: "InvalidTimeRangeException", Status: 400}
	errInvalidTrafficRoutingConfiguration        = apierr.Code{Name: "InvalidTrafficRoutingConfigurationException", Status: 400}
	errInvalidTriggerConfig                      = apierr.Code{Name: "InvalidTriggerConfigException", Status: 400}
	errInvalidUpdateOutdatedInstancesOnlyValue   = apierr.Code{Name: "InvalidUpdateOutdatedInstancesOnlyValueException", Status: 400}
	errInvalidZonalDeploymentConfiguration       = apierr.Code{Name: "InvalidZonalDeploymentConfigurationException", Status: 400}
	errLifecycleEventAlreadyCompleted            = apierr.Code{Name: "LifecycleEventAlreadyCompletedException", Status: 400}
	errLifecycleHookLimitExceeded                = apierr.Code{Name: "LifecycleHookLimitExceededException", Status: 400}
	errMultipleIamArnsProvided                   = apierr.Code{Name: "MultipleIamArnsProvidedException", Status: 400}
	errOperationNotSupported                     = apierr.Code{Name: "OperationNotSupportedException", Status: 400}
	errResourceArnRequired                       = apierr.Code{Name: "ResourceArnRequiredException", Status: 400}
	errResourceValidation                        = apierr.Code{Name: "ResourceValidationException", Status: 400}
	errRevisionDoesNotExist                      = apierr.Code{Name: "RevisionDoesNotExistException", Status: 400}
	errRevisionRequired                          = apierr.Code{Name: "RevisionRequiredException", Status: 400}
	errRoleRequired                              = apierr.Code{Name: "RoleRequiredException", Status: 400}
	errTagLimitExceeded                          = apierr.Code{Name: "TagLimitExceededException", Status: 400}
	errTagRequired                               = apierr.Code{Name: "TagRequiredException", Status: 400}
	errTagSetListLimitExceeded                   = apierr.Code{Name: "TagSetListLimitExceededException", Status: 400}
	errThrottling                                = apierr.Code{Name: "ThrottlingException", Status: 400}
	errTriggerTargetsLimitExceeded               = apierr.Code{Name: "TriggerTargetsLimitExceededException", Status: 400}
	errUnsupportedActionForDeploymentType        = apierr.Code{Name: "UnsupportedActionForDeploymentTypeException", Status: 400}
)

// The model's other error shapes: skiff has no limits to exceed and no
// GitHub or external ids, so nothing returns them yet.
var _ = []apierr.Code{
	errApplicationLimitExceeded,
	errDeploymentAlreadyStarted,
	errDeploymentConfigLimitExceeded,
	errDeploymentGroupLimitExceeded,
	errECSServiceMappingLimitExceeded,
	errIamUserArnRequired,
	errInvalidBucketNameFilter,
	errInvalidDeploymentInstanceType,
	errInvalidDeploymentTargetId,
	errInvalidExternalId,
	errInvalidGitHubAccountToken,
	errInvalidGitHubAccountTokenName,
	errInvalidIgnoreApplicationStopFailuresValue,
	errInvalidInstanceId,
	errInvalidKeyPrefixFilter,
	errInvalidTarget,
	errInvalidUpdateOutdatedInstancesOnlyValue,
	errLifecycleEventAlreadyCompleted,
	errLifecycleHookLimitExceeded,
	errOperationNotSupported,
	errResourceValidation,
	errThrottling,
}
