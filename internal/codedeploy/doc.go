// Package codedeploy serves AWS CodeDeploy for the Server (EC2/on-premises)
// compute platform, for real: deployments run appspec hooks on local
// instances (internal/runtime), move traffic through the load balancer
// (ELBv2, through the LoadBalancer interface), watch CloudWatch alarms,
// and roll back. The API is CodeDeploy_20141006 over awsJson 1.1
// (signing name "codedeploy"); the CloudFormation providers are
// AWS::CodeDeploy::Application, ::DeploymentGroup, ::DeploymentConfig and
// Skiff::CodeDeploy::Instances.
//
// # Local instances
//
// Every on-premises instance is a local instance of the runtime (the
// embedded default runs processes on this machine, see
// internal/runtime/host): RegisterOnPremisesInstance, CreateInstances
// (`skiff instances create --tag K=V --count N`), a blue/green copy and
// Skiff::CodeDeploy::Instances all create its root directory and port;
// DeregisterOnPremisesInstance ends its processes and removes its files.
// Deployment groups select instances by tag; local instances answer both
// onPremisesInstanceTagFilters (and onPremisesTagSet) and ec2TagFilters
// (and ec2TagSet), so templates written for either work. Names of
// instances skiff creates look like EC2 ids (i-0123456789abcdef0).
//
// Deviations from EC2, because instances share one host:
//
//   - Each instance has its own port, in the environment variable PORT of
//     every hook and of everything hooks start. Target groups of type ip
//     register the instance as 127.0.0.1:PORT; target groups of type
//     instance (when the load balancer implements TargetTypes) register it
//     by name, and the load balancer resolves the name with
//     Engine.ResolveInstance.
//   - File destinations of the appspec are placed under the instance's root
//     directory (/opt/app lands in <root>/opt/app), given to hooks as
//     INSTANCE_ROOT, and hooks run with INSTANCE_ROOT as their working
//     directory. The agent's layout is kept under the root:
//     <root>/opt/codedeploy-agent/deployment-root/<group id>/<deployment id>/deployment-archive.
//   - Hook output (and the output of daemons hooks leave running, which
//     inherit it) goes to files, shipped to CloudWatch Logs group
//     /skiff/instances, stream = instance name; a hook that leaves a daemon
//     holding its stdout does not hang (the agent would, until the hook's
//     timeout). CPU and memory are sampled into metrics (namespace
//     skiff/Instances, dimension InstanceId: CPUUtilization, MemoryUsed,
//     ProcessCount).
//   - runas is honoured when skiff runs as root, and ignored otherwise.
//
// Declaring instances in CloudFormation uses the skiff resource type
// Skiff::CodeDeploy::Instances {Name?, Count, Tags}: Ref is the set's
// name, Fn::GetAtt InstanceNames and Ports are lists; updates retag the
// instances and add or remove some (newest first) to reach Count:
//
//	Fleet:
//	  Type: Skiff::CodeDeploy::Instances
//	  Properties:
//	    Count: 2
//	    Tags: [{Key: app, Value: web}]
//	Group:
//	  Type: AWS::CodeDeploy::DeploymentGroup
//	  DependsOn: Fleet
//	  Properties:
//	    ApplicationName: !Ref App
//	    ServiceRoleArn: !GetAtt Role.Arn
//	    OnPremisesInstanceTagFilters: [{Key: app, Value: web, Type: KEY_AND_VALUE}]
//
// # Deployments
//
// A deployment fetches and unpacks its revision (an S3 zip, tar or tgz
// with appspec.yml; AppSpecContent and String revisions belong to ECS and
// Lambda and are refused for Server deployments, GitHub revisions are not
// served) and parses its AppSpec before any instance is touched: a missing
// revision fails with REVISION_MISSING and an invalid archive (including
// entries escaping the revision, "zip slip") or AppSpec with
// INVALID_REVISION, while every instance keeps serving. Scripts that are
// missing, not executable (after the agent's chmod +x), time out or exit
// non-zero fail their lifecycle event with the agent's diagnostics
// (ScriptMissing, ScriptNotExecutable, ScriptTimedOut, ScriptFailed and the
// last 2048 characters of output as logTail).
//
// In-place deployments go in batches sized by the minimum healthy hosts
// (HOST_COUNT v keeps v healthy; FLEET_PERCENT p keeps ceil(n·p/100);
// OneAtATime keeps all but one, so only the last instance may fail;
// AllAtOnce needs one success). With a load balancer each instance is
// taken out of its target groups (BlockTraffic: deregister, drain), updated
// and put back (AllowTraffic: register, wait until healthy).
//
// Blue/green deployments provision a replacement fleet
// (COPY_AUTO_SCALING_GROUP creates as many local instances as the group has,
// with the same tags; DISCOVER_EXISTING takes the instances targetInstances
// selects), install the revision on it, optionally wait in Ready for
// ContinueDeployment (STOP_DEPLOYMENT; Stopped when the wait ends), move
// traffic, then wait terminationWaitTimeInMinutes (status Baking, alarms
// still watched) before terminating the originals, or keep them alive
// (KEEP_ALIVE: they leave the load balancer and the group's fleet). With
// targetGroupPairInfoList traffic moves by the weights of the production
// listener's forward action — all at once, or by the TimeBasedCanary and
// TimeBasedLinear configs (the predefined ECS names included): canary and
// linear shifting on the server platform is a skiff extension, the engine
// the ECS platform will use. With targetGroupInfoList traffic moves as
// AWS moves it, by registering the replacements and deregistering the
// originals.
//
// Alarms are polled (every 10 scaled seconds) and followed through state
// changes; one in ALARM — or unreadable, unless ignorePollAlarmFailure —
// stops the deployment with ALARM_ACTIVE. A stopped or failed deployment
// rolls back by its autoRollbackConfiguration (DEPLOYMENT_FAILURE,
// DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST, or StopDeployment's
// autoRollbackEnabled): as in AWS the rollback is a new deployment
// (creator codeDeployRollback, with rollbackInfo) of the last successful
// revision. A blue/green deployment's weights go back to the original
// fleet at once, when the deployment stops, before anything else; the
// rollback then runs the allow-traffic events on the originals and the
// block-traffic events on the replacements, and terminates the
// replacements skiff created. An in-place rollback redeploys to the
// instances the failed deployment touched. Rollback deployments do not
// watch alarms (the alarm that caused them is usually still firing).
//
// # Time
//
// Durations AWS defines in minutes pass through the clock's Scale (see
// internal/clock): canary and linear intervals, the ready wait, the
// termination wait, the alarm poll. Hook timeouts are scaled too, but
// never below ten seconds (or the timeout itself when shorter), and
// AllowTraffic waits at least 30 s for health checks: scripts and
// applications do real work in real time whatever the scale.
//
// # State and restarts
//
// Records live in the store per account and region (buckets
// codedeploy.applications, groups, configs, deployments, targets,
// instances, revisions). A deployment records each phase and every traffic
// weight before acting on it. After kill -9, Start re-adopts the
// instances' processes, re-applies the weights interrupted deployments
// recorded (so the load balancer serves from the last consistent traffic
// state), fails lifecycle events that were running (the agent would have
// lost them too) and resumes each deployment from its phase — which then
// succeeds, or fails and rolls back, by its configuration. Close stops
// the instances' processes unless Deps.KeepInstancesRunning; Start then
// re-runs ApplicationStart of each instance's last successful revision.
// Start the load balancer engine before this one.
//
// # Differences from AWS, on purpose
//
//   - Only the Server compute platform; ECS and Lambda applications are
//     refused with InvalidComputePlatformException for now.
//   - No Auto Scaling groups, Classic Load Balancers (elbInfoList) or
//     GitHub revisions; each is refused with a clear message.
//   - triggerConfigurations are stored and echoed; no notifications are
//     sent. zonalConfig is stored and echoed.
//   - PutLifecycleEventHookExecutionStatus answers
//     UnsupportedActionForDeploymentTypeException: Server hooks are scripts.
//   - An in-place deployment with a target group pair leaves and rejoins
//     the pair's group that currently has traffic.
package codedeploy
