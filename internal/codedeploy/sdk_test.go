package codedeploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cd "github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

var bg = context.Background()

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func startSDK(t *testing.T) (*cd.Client, *env, *skifftest.Server) {
	t.Helper()
	v := newEnv(t, 0.01)
	srv := skifftest.Start(t, v.e.Service())
	return cd.NewFromConfig(srv.Config()), v, srv
}

func TestSDKApplicationsAndConfigs(t *testing.T) {
	c, _, _ := startSDK(t)
	out, err := c.CreateApplication(bg, &cd.CreateApplicationInput{ApplicationName: aws.String("shop"), ComputePlatform: types.ComputePlatformServer,
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil || aws.ToString(out.ApplicationId) == "" {
		t.Fatalf("%+v %v", out, err)
	}
	_, err = c.CreateApplication(bg, &cd.CreateApplicationInput{ApplicationName: aws.String("shop")})
	var exists *types.ApplicationAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreateApplication(bg, &cd.CreateApplicationInput{ApplicationName: aws.String("ecs"), ComputePlatform: types.ComputePlatformEcs})
	if apiCode(err) != "InvalidComputePlatformException" || !strings.Contains(err.Error(), "not supported by skiff yet") {
		t.Fatalf("ECS: %v", err)
	}
	app, err := c.GetApplication(bg, &cd.GetApplicationInput{ApplicationName: aws.String("shop")})
	if err != nil || app.Application.ComputePlatform != types.ComputePlatformServer || app.Application.CreateTime == nil {
		t.Fatalf("%+v %v", app, err)
	}
	_, err = c.GetApplication(bg, &cd.GetApplicationInput{ApplicationName: aws.String("nope")})
	var dne *types.ApplicationDoesNotExistException
	if !errors.As(err, &dne) || !strings.Contains(err.Error(), "The application nope does not exist with the user or AWS account.") {
		t.Fatalf("missing: %v", err)
	}
	if _, err := c.UpdateApplication(bg, &cd.UpdateApplicationInput{ApplicationName: aws.String("shop"), NewApplicationName: aws.String("store")}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListApplications(bg, &cd.ListApplicationsInput{})
	if err != nil || strings.Join(list.Applications, ",") != "store" {
		t.Fatalf("%+v %v", list, err)
	}
	bat, err := c.BatchGetApplications(bg, &cd.BatchGetApplicationsInput{ApplicationNames: []string{"store"}})
	if err != nil || len(bat.ApplicationsInfo) != 1 {
		t.Fatalf("%+v %v", bat, err)
	}
	arn := "arn:aws:codedeploy:us-east-1:123456789012:application:store"
	tags, err := c.ListTagsForResource(bg, &cd.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "web" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	if _, err := c.TagResource(bg, &cd.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(bg, &cd.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListTagsForResource(bg, &cd.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "env" {
		t.Fatalf("tags %+v", tags.Tags)
	}

	// Configs: predefined ones, custom ones, bad percentages.
	one, err := c.GetDeploymentConfig(bg, &cd.GetDeploymentConfigInput{DeploymentConfigName: aws.String("CodeDeployDefault.OneAtATime")})
	if err != nil || string(one.DeploymentConfigInfo.MinimumHealthyHosts.Type) != "MOST_CONCURRENCY" || one.DeploymentConfigInfo.MinimumHealthyHosts.Value != 1 {
		t.Fatalf("%+v %v", one, err)
	}
	canary, err := c.GetDeploymentConfig(bg, &cd.GetDeploymentConfigInput{DeploymentConfigName: aws.String("CodeDeployDefault.ECSCanary10Percent5Minutes")})
	if err != nil || canary.DeploymentConfigInfo.TrafficRoutingConfig.TimeBasedCanary.CanaryInterval != 5 {
		t.Fatalf("%+v %v", canary, err)
	}
	if _, err := c.CreateDeploymentConfig(bg, &cd.CreateDeploymentConfigInput{DeploymentConfigName: aws.String("ThreeQuarters"),
		MinimumHealthyHosts: &types.MinimumHealthyHosts{Type: types.MinimumHealthyHostsTypeFleetPercent, Value: 75}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateDeploymentConfig(bg, &cd.CreateDeploymentConfigInput{DeploymentConfigName: aws.String("Too"),
		MinimumHealthyHosts: &types.MinimumHealthyHosts{Type: types.MinimumHealthyHostsTypeFleetPercent, Value: 150}})
	var mhh *types.InvalidMinimumHealthyHostValueException
	if !errors.As(err, &mhh) {
		t.Fatalf("150%%: %v", err)
	}
	_, err = c.CreateDeploymentConfig(bg, &cd.CreateDeploymentConfigInput{DeploymentConfigName: aws.String("Slow"), ComputePlatform: types.ComputePlatformServer,
		TrafficRoutingConfig: &types.TrafficRoutingConfig{Type: types.TrafficRoutingTypeTimeBasedCanary, TimeBasedCanary: &types.TimeBasedCanary{CanaryPercentage: 0, CanaryInterval: 1}}})
	if apiCode(err) != "InvalidTrafficRoutingConfigurationException" {
		t.Fatalf("0%% canary: %v", err)
	}
	_, err = c.CreateDeploymentConfig(bg, &cd.CreateDeploymentConfigInput{DeploymentConfigName: aws.String("ThreeQuarters"),
		MinimumHealthyHosts: &types.MinimumHealthyHosts{Type: types.MinimumHealthyHostsTypeHostCount, Value: 1}})
	if apiCode(err) != "DeploymentConfigAlreadyExistsException" {
		t.Fatalf("duplicate config: %v", err)
	}
	cfgs, err := c.ListDeploymentConfigs(bg, &cd.ListDeploymentConfigsInput{})
	if err != nil || !contains(cfgs.DeploymentConfigsList, "ThreeQuarters") || !contains(cfgs.DeploymentConfigsList, "CodeDeployDefault.HalfAtATime") {
		t.Fatalf("%+v %v", cfgs, err)
	}
	_, err = c.DeleteDeploymentConfig(bg, &cd.DeleteDeploymentConfigInput{DeploymentConfigName: aws.String("CodeDeployDefault.AllAtOnce")})
	if apiCode(err) != "InvalidOperationException" {
		t.Fatalf("delete predefined: %v", err)
	}
	if _, err := c.DeleteDeploymentConfig(bg, &cd.DeleteDeploymentConfigInput{DeploymentConfigName: aws.String("ThreeQuarters")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDeploymentConfig(bg, &cd.GetDeploymentConfigInput{DeploymentConfigName: aws.String("ThreeQuarters")})
	if apiCode(err) != "DeploymentConfigDoesNotExistException" {
		t.Fatalf("deleted config: %v", err)
	}
	if _, err := c.DeleteApplication(bg, &cd.DeleteApplicationInput{ApplicationName: aws.String("store")}); err != nil {
		t.Fatal(err)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestSDKInstancesGroupsAndDeployment(t *testing.T) {
	c, v, _ := startSDK(t)
	// On-premises instances are local instances.
	_, err := c.RegisterOnPremisesInstance(bg, &cd.RegisterOnPremisesInstanceInput{InstanceName: aws.String("web-1"),
		IamUserArn: aws.String("arn:aws:iam::123456789012:user/web-1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterOnPremisesInstance(bg, &cd.RegisterOnPremisesInstanceInput{InstanceName: aws.String("web-2")})
	if apiCode(err) != "IamArnRequiredException" {
		t.Fatalf("no arn: %v", err)
	}
	_, err = c.RegisterOnPremisesInstance(bg, &cd.RegisterOnPremisesInstanceInput{InstanceName: aws.String("web-1"),
		IamSessionArn: aws.String("arn:aws:sts::123456789012:assumed-role/r/web-1")})
	if apiCode(err) != "InstanceNameAlreadyRegisteredException" {
		t.Fatalf("twice: %v", err)
	}
	if _, err := c.RegisterOnPremisesInstance(bg, &cd.RegisterOnPremisesInstanceInput{InstanceName: aws.String("web-2"),
		IamSessionArn: aws.String("arn:aws:sts::123456789012:assumed-role/r/web-2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTagsToOnPremisesInstances(bg, &cd.AddTagsToOnPremisesInstancesInput{InstanceNames: []string{"web-1", "web-2"},
		Tags: []types.Tag{{Key: aws.String("app"), Value: aws.String("shop")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AddTagsToOnPremisesInstances(bg, &cd.AddTagsToOnPremisesInstancesInput{InstanceNames: []string{"ghost"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	if apiCode(err) != "InstanceNotRegisteredException" {
		t.Fatalf("ghost: %v", err)
	}
	ls, err := c.ListOnPremisesInstances(bg, &cd.ListOnPremisesInstancesInput{TagFilters: []types.TagFilter{{Key: aws.String("app"), Value: aws.String("shop"), Type: types.TagFilterTypeKeyAndValue}}})
	if err != nil || strings.Join(ls.InstanceNames, ",") != "web-1,web-2" {
		t.Fatalf("%+v %v", ls, err)
	}
	gi, err := c.GetOnPremisesInstance(bg, &cd.GetOnPremisesInstanceInput{InstanceName: aws.String("web-1")})
	if err != nil || aws.ToString(gi.InstanceInfo.InstanceArn) != "arn:aws:codedeploy:us-east-1:123456789012:instance/web-1" || len(gi.InstanceInfo.Tags) != 1 {
		t.Fatalf("%+v %v", gi, err)
	}
	bi, err := c.BatchGetOnPremisesInstances(bg, &cd.BatchGetOnPremisesInstancesInput{InstanceNames: []string{"web-1", "web-2", "ghost"}})
	if err != nil || len(bi.InstanceInfos) != 2 {
		t.Fatalf("%+v %v", bi, err)
	}

	// An application and a group that targets them.
	if _, err := c.CreateApplication(bg, &cd.CreateApplicationInput{ApplicationName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateDeploymentGroup(bg, &cd.CreateDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"),
		ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/CodeDeploy"),
		Ec2TagFilters:  []types.EC2TagFilter{{Key: aws.String("a"), Type: types.EC2TagFilterTypeKeyOnly}},
		Ec2TagSet:      &types.EC2TagSet{Ec2TagSetList: [][]types.EC2TagFilter{{{Key: aws.String("b"), Type: types.EC2TagFilterTypeKeyOnly}}}}})
	if apiCode(err) != "InvalidEC2TagCombinationException" {
		t.Fatalf("both tag kinds: %v", err)
	}
	var alarms []types.Alarm
	for i := 0; i < 11; i++ {
		alarms = append(alarms, types.Alarm{Name: aws.String("a" + string(rune('a'+i)))})
	}
	_, err = c.CreateDeploymentGroup(bg, &cd.CreateDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"),
		ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/CodeDeploy"), AlarmConfiguration: &types.AlarmConfiguration{Enabled: true, Alarms: alarms}})
	if apiCode(err) != "AlarmsLimitExceededException" {
		t.Fatalf("11 alarms: %v", err)
	}
	gout, err := c.CreateDeploymentGroup(bg, &cd.CreateDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"),
		ServiceRoleArn:               aws.String("arn:aws:iam::123456789012:role/CodeDeploy"),
		DeploymentConfigName:         aws.String("CodeDeployDefault.AllAtOnce"),
		OnPremisesInstanceTagFilters: []types.TagFilter{{Key: aws.String("app"), Value: aws.String("shop"), Type: types.TagFilterTypeKeyAndValue}},
		AutoRollbackConfiguration:    &types.AutoRollbackConfiguration{Enabled: true, Events: []types.AutoRollbackEvent{types.AutoRollbackEventDeploymentFailure}},
		TriggerConfigurations:        []types.TriggerConfig{{TriggerName: aws.String("t"), TriggerTargetArn: aws.String("arn:aws:sns:us-east-1:123456789012:t"), TriggerEvents: []types.TriggerEventType{types.TriggerEventTypeDeploymentFailure}}},
	})
	if err != nil || aws.ToString(gout.DeploymentGroupId) == "" {
		t.Fatalf("%+v %v", gout, err)
	}
	g, err := c.GetDeploymentGroup(bg, &cd.GetDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod")})
	if err != nil {
		t.Fatal(err)
	}
	gi2 := g.DeploymentGroupInfo
	if gi2.DeploymentStyle.DeploymentType != types.DeploymentTypeInPlace || gi2.DeploymentStyle.DeploymentOption != types.DeploymentOptionWithoutTrafficControl ||
		gi2.ComputePlatform != types.ComputePlatformServer || gi2.OutdatedInstancesStrategy != types.OutdatedInstancesStrategyUpdate ||
		len(gi2.TriggerConfigurations) != 1 || gi2.AlarmConfiguration == nil || gi2.AlarmConfiguration.Enabled {
		t.Fatalf("group %+v", gi2)
	}
	if _, err := c.UpdateDeploymentGroup(bg, &cd.UpdateDeploymentGroupInput{ApplicationName: aws.String("shop"), CurrentDeploymentGroupName: aws.String("prod"),
		DeploymentConfigName: aws.String("CodeDeployDefault.OneAtATime")}); err != nil {
		t.Fatal(err)
	}
	lg, err := c.ListDeploymentGroups(bg, &cd.ListDeploymentGroupsInput{ApplicationName: aws.String("shop")})
	if err != nil || strings.Join(lg.DeploymentGroups, ",") != "prod" {
		t.Fatalf("%+v %v", lg, err)
	}
	bgs, err := c.BatchGetDeploymentGroups(bg, &cd.BatchGetDeploymentGroupsInput{ApplicationName: aws.String("shop"), DeploymentGroupNames: []string{"prod", "none"}})
	if err != nil || len(bgs.DeploymentGroupsInfo) != 1 || bgs.DeploymentGroupsInfo[0].DeploymentConfigName == nil || *bgs.DeploymentGroupsInfo[0].DeploymentConfigName != "CodeDeployDefault.OneAtATime" || aws.ToString(bgs.ErrorMessage) == "" {
		t.Fatalf("%+v %v", bgs, err)
	}

	// A revision in S3, deployed and waited for with the SDK's waiter.
	etag := v.objects.Put("artifacts", "shop.zip", codedeploytest.WebApp("shop v1\n", 200))
	rev := &types.RevisionLocation{RevisionType: types.RevisionLocationTypeS3, S3Location: &types.S3Location{Bucket: aws.String("artifacts"), Key: aws.String("shop.zip"),
		BundleType: types.BundleTypeZip, ETag: aws.String(etag)}}
	if _, err := c.RegisterApplicationRevision(bg, &cd.RegisterApplicationRevisionInput{ApplicationName: aws.String("shop"), Revision: rev, Description: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	dep, err := c.CreateDeployment(bg, &cd.CreateDeploymentInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"), Revision: rev, Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(dep.DeploymentId)
	_, err = c.CreateDeployment(bg, &cd.CreateDeploymentInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"), Revision: rev})
	if apiCode(err) != "DeploymentLimitExceededException" || !strings.Contains(err.Error(), id) {
		t.Fatalf("second deployment: %v", err)
	}
	w := cd.NewDeploymentSuccessfulWaiter(c, func(o *cd.DeploymentSuccessfulWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err := w.Wait(bg, &cd.GetDeploymentInput{DeploymentId: aws.String(id)}, time.Minute); err != nil {
		v.dump(t, id)
		t.Fatal(err)
	}
	gd, err := c.GetDeployment(bg, &cd.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	di := gd.DeploymentInfo
	if di.Status != types.DeploymentStatusSucceeded || di.DeploymentOverview.Succeeded != 2 || di.Creator != types.DeploymentCreatorUser ||
		di.StartTime == nil || di.CompleteTime == nil || aws.ToString(di.Description) != "first" || di.Revision.S3Location.BundleType != types.BundleTypeZip {
		t.Fatalf("deployment %+v", di)
	}
	ld, err := c.ListDeployments(bg, &cd.ListDeploymentsInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod"),
		IncludeOnlyStatuses: []types.DeploymentStatus{types.DeploymentStatusSucceeded}, CreateTimeRange: &types.TimeRange{Start: aws.Time(time.Now().Add(-time.Hour))}})
	if err != nil || strings.Join(ld.Deployments, ",") != id {
		t.Fatalf("%+v %v", ld, err)
	}
	ld, _ = c.ListDeployments(bg, &cd.ListDeploymentsInput{IncludeOnlyStatuses: []types.DeploymentStatus{types.DeploymentStatusFailed}})
	if len(ld.Deployments) != 0 {
		t.Fatalf("failed ones: %v", ld.Deployments)
	}
	bd, err := c.BatchGetDeployments(bg, &cd.BatchGetDeploymentsInput{DeploymentIds: []string{id, "d-AAAAAAAAA"}})
	if err != nil || len(bd.DeploymentsInfo) != 1 {
		t.Fatalf("%+v %v", bd, err)
	}
	_, err = c.GetDeployment(bg, &cd.GetDeploymentInput{DeploymentId: aws.String("bogus")})
	if apiCode(err) != "InvalidDeploymentIdException" {
		t.Fatalf("bogus id: %v", err)
	}
	_, err = c.GetDeployment(bg, &cd.GetDeploymentInput{DeploymentId: aws.String("d-AAAAAAAAA")})
	if apiCode(err) != "DeploymentDoesNotExistException" {
		t.Fatalf("missing id: %v", err)
	}
	lt, err := c.ListDeploymentTargets(bg, &cd.ListDeploymentTargetsInput{DeploymentId: aws.String(id)})
	if err != nil || strings.Join(lt.TargetIds, ",") != "web-1,web-2" {
		t.Fatalf("%+v %v", lt, err)
	}
	bt, err := c.BatchGetDeploymentTargets(bg, &cd.BatchGetDeploymentTargetsInput{DeploymentId: aws.String(id), TargetIds: lt.TargetIds})
	if err != nil || len(bt.DeploymentTargets) != 2 {
		t.Fatalf("%+v %v", bt, err)
	}
	it := bt.DeploymentTargets[0].InstanceTarget
	if bt.DeploymentTargets[0].DeploymentTargetType != types.DeploymentTargetTypeInstanceTarget || it.Status != types.TargetStatusSucceeded ||
		len(it.LifecycleEvents) != 7 || it.LifecycleEvents[5].Diagnostics == nil || it.LifecycleEvents[5].Diagnostics.ErrorCode != types.LifecycleErrorCodeSuccess ||
		!strings.Contains(aws.ToString(it.LifecycleEvents[5].Diagnostics.LogTail), "[stdout]started "+id+" (ApplicationStart)") {
		t.Fatalf("target %+v events %+v", it, it.LifecycleEvents)
	}
	gt, err := c.GetDeploymentTarget(bg, &cd.GetDeploymentTargetInput{DeploymentId: aws.String(id), TargetId: aws.String("web-2")})
	if err != nil || aws.ToString(gt.DeploymentTarget.InstanceTarget.TargetArn) != "arn:aws:codedeploy:us-east-1:123456789012:instance/web-2" {
		t.Fatalf("%+v %v", gt, err)
	}
	_, err = c.GetDeploymentTarget(bg, &cd.GetDeploymentTargetInput{DeploymentId: aws.String(id), TargetId: aws.String("web-9")})
	if apiCode(err) != "DeploymentTargetDoesNotExistException" {
		t.Fatalf("missing target: %v", err)
	}
	li, err := c.ListDeploymentInstances(bg, &cd.ListDeploymentInstancesInput{DeploymentId: aws.String(id)})
	if err != nil || len(li.InstancesList) != 2 {
		t.Fatalf("%+v %v", li, err)
	}
	gdi, err := c.GetDeploymentInstance(bg, &cd.GetDeploymentInstanceInput{DeploymentId: aws.String(id), InstanceId: aws.String(li.InstancesList[0])})
	if err != nil || gdi.InstanceSummary.Status != types.InstanceStatusSucceeded {
		t.Fatalf("%+v %v", gdi, err)
	}
	bdi, err := c.BatchGetDeploymentInstances(bg, &cd.BatchGetDeploymentInstancesInput{DeploymentId: aws.String(id), InstanceIds: append(li.InstancesList, "ghost")})
	if err != nil || len(bdi.InstancesSummary) != 2 || aws.ToString(bdi.ErrorMessage) == "" {
		t.Fatalf("%+v %v", bdi, err)
	}
	_, err = c.StopDeployment(bg, &cd.StopDeploymentInput{DeploymentId: aws.String(id)})
	if apiCode(err) != "DeploymentAlreadyCompletedException" {
		t.Fatalf("stop completed: %v", err)
	}
	_, err = c.ContinueDeployment(bg, &cd.ContinueDeploymentInput{DeploymentId: aws.String(id)})
	if apiCode(err) != "DeploymentAlreadyCompletedException" {
		t.Fatalf("continue completed: %v", err)
	}
	_, err = c.PutLifecycleEventHookExecutionStatus(bg, &cd.PutLifecycleEventHookExecutionStatusInput{DeploymentId: aws.String(id),
		LifecycleEventHookExecutionId: aws.String("x"), Status: types.LifecycleEventStatusSucceeded})
	if apiCode(err) != "UnsupportedActionForDeploymentTypeException" {
		t.Fatalf("hook status: %v", err)
	}
	revs, err := c.ListApplicationRevisions(bg, &cd.ListApplicationRevisionsInput{ApplicationName: aws.String("shop"), Deployed: types.ListStateFilterActionInclude})
	if err != nil || len(revs.Revisions) != 1 {
		t.Fatalf("%+v %v", revs, err)
	}
	gr, err := c.GetApplicationRevision(bg, &cd.GetApplicationRevisionInput{ApplicationName: aws.String("shop"), Revision: rev})
	if err != nil || aws.ToString(gr.RevisionInfo.Description) != "v1" || strings.Join(gr.RevisionInfo.DeploymentGroups, ",") != "prod" || gr.RevisionInfo.FirstUsedTime == nil {
		t.Fatalf("%+v %v", gr, err)
	}
	bgr, err := c.BatchGetApplicationRevisions(bg, &cd.BatchGetApplicationRevisionsInput{ApplicationName: aws.String("shop"), Revisions: []types.RevisionLocation{*rev}})
	if err != nil || len(bgr.Revisions) != 1 || aws.ToString(bgr.Revisions[0].GenericRevisionInfo.Description) != "v1" {
		t.Fatalf("%+v %v", bgr, err)
	}
	g, _ = c.GetDeploymentGroup(bg, &cd.GetDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod")})
	if aws.ToString(g.DeploymentGroupInfo.LastSuccessfulDeployment.DeploymentId) != id || g.DeploymentGroupInfo.TargetRevision == nil {
		t.Fatalf("group after: %+v", g.DeploymentGroupInfo)
	}
	// Deregistering an instance ends its processes.
	if _, err := c.DeregisterOnPremisesInstance(bg, &cd.DeregisterOnPremisesInstanceInput{InstanceName: aws.String("web-2")}); err != nil {
		t.Fatal(err)
	}
	ls, _ = c.ListOnPremisesInstances(bg, &cd.ListOnPremisesInstancesInput{RegistrationStatus: types.RegistrationStatusDeregistered})
	if strings.Join(ls.InstanceNames, ",") != "web-2" {
		t.Fatalf("deregistered: %v", ls.InstanceNames)
	}
	if _, err := c.DeleteDeploymentGroup(bg, &cd.DeleteDeploymentGroupInput{ApplicationName: aws.String("shop"), DeploymentGroupName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	_ = codedeploy.StatusSucceeded
}
