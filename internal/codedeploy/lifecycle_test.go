package codedeploy_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
)

const role = "arn:aws:iam::123456789012:role/CodeDeploy"

// webGroup creates application "web" with group "prod" over two
// instances tagged app=web, in place behind the listener's active target
// group, and deploys "v1" to it.
func webGroup(t *testing.T, v *env, in codedeploy.GroupInput) {
	t.Helper()
	if _, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "web"}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.CreateApplication(v.ctx, "web", "Server", nil); err != nil {
		t.Fatal(err)
	}
	in.ServiceRoleArn = role
	in.OnPremisesInstanceTagFilters = []codedeploy.TagFilter{{Key: "app", Value: "web", Type: "KEY_AND_VALUE"}}
	if in.DeploymentStyle == nil {
		in.DeploymentStyle = &codedeploy.DeploymentStyle{DeploymentType: codedeploy.TypeInPlace, DeploymentOption: codedeploy.WithTrafficControl}
	}
	if in.LoadBalancerInfo == nil {
		in.LoadBalancerInfo = pairOf(v)
	}
	if _, err := v.e.CreateDeploymentGroup(v.ctx, "web", "prod", in); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, v, v.wait(t, v.deploy(t, "prod", "v1", 200, ""), time.Minute))
}

func pairOf(v *env) *codedeploy.LoadBalancerInfo {
	return &codedeploy.LoadBalancerInfo{TargetGroupPairInfoList: []codedeploy.TargetGroupPairInfo{{
		TargetGroups:     []codedeploy.NameInfo{{Name: "web-blue"}, {Name: "web-green"}},
		ProdTrafficRoute: &codedeploy.TrafficRoute{ListenerArns: []string{v.listener}}}}}
}

func toBlueGreen(t *testing.T, v *env, cfg string, bg *codedeploy.BlueGreenDeploymentConfiguration) {
	t.Helper()
	if err := v.e.UpdateDeploymentGroup(v.ctx, "web", "prod", "", codedeploy.GroupInput{
		DeploymentStyle:                  &codedeploy.DeploymentStyle{DeploymentType: codedeploy.TypeBlueGreen, DeploymentOption: codedeploy.WithTrafficControl},
		BlueGreenDeploymentConfiguration: bg, DeploymentConfigName: cfg}); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func get(url string) (int, string) {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestInPlaceFailureKeepsTraffic: a revision whose ValidateService fails
// takes down one instance at a time (OneAtATime), so the other keeps
// serving; the deployment fails and its rollback restores the good
// revision — without a failed request.
func TestInPlaceFailureKeepsTraffic(t *testing.T) {
	v := newEnv(t, 0.01)
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.OneAtATime",
		AutoRollbackConfiguration: &codedeploy.AutoRollbackConfiguration{Enabled: true, Events: []string{codedeploy.RollbackOnFailure}}})
	files := codedeploytest.WebAppFiles("v2\n", 200)
	files["scripts/validate.py"] = codedeploytest.File{Mode: 0o755, Body: "#!/bin/sh\necho 'v2 is broken' >&2\nexit 1\n"}
	stop := v.load(t)
	time.Sleep(200 * time.Millisecond)
	id := v.deployArchive(t, "web", "prod", "v2", codedeploytest.Zip(files), "")
	d := v.wait(t, id, time.Minute)
	if d.Status != codedeploy.StatusFailed || d.ErrorInformation.Code != "HEALTH_CONSTRAINTS" || d.RollbackInfo == nil || d.RollbackInfo.RollbackDeploymentID == "" {
		v.dump(t, id)
		t.Fatalf("%s %+v %+v", d.Status, d.ErrorInformation, d.RollbackInfo)
	}
	if d.DeploymentOverview.Failed != 1 || d.DeploymentOverview.Skipped != 1 {
		t.Fatalf("overview %+v", d.DeploymentOverview)
	}
	rb := v.wait(t, d.RollbackInfo.RollbackDeploymentID, time.Minute)
	mustSucceed(t, v, rb)
	if rb.DeploymentOverview.Succeeded != 1 {
		t.Fatalf("the rollback should redeploy only the instance the failed deployment touched: %+v", rb.DeploymentOverview)
	}
	time.Sleep(300 * time.Millisecond)
	res := stop()
	t.Logf("failed in-place deployment and rollback: %s", res)
	if res.Failed() != 0 || res.Bodies["v2"] != 0 || res.LastBody != "v1" {
		t.Fatalf("traffic: %s", res)
	}
	insts, _ := v.e.ListInstances(v.ctx, false)
	for _, in := range insts {
		if code, body := get("http://127.0.0.1:" + strconv.Itoa(in.Port) + "/"); code != 200 || body != "v1" {
			t.Fatalf("instance %s serves %d %q", in.Name, code, body)
		}
	}
}

// TestBlueGreenWaits: STOP_DEPLOYMENT holds the deployment in Ready until
// ContinueDeployment; the original fleet waits (Baking) until the
// termination wait ends or ContinueDeployment skips it; StopDeployment in
// Ready leaves traffic alone and removes the replacements.
func TestBlueGreenWaits(t *testing.T) {
	v := newEnv(t, 0.01)
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.AllAtOnce"})
	toBlueGreen(t, v, "CodeDeployDefault.ECSAllAtOnce", &codedeploy.BlueGreenDeploymentConfiguration{
		TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.BlueInstanceTerminationOption{Action: "TERMINATE", TerminationWaitTimeInMinutes: 60},
		DeploymentReadyOption:                     &codedeploy.DeploymentReadyOption{ActionOnTimeout: "STOP_DEPLOYMENT", WaitTimeInMinutes: 60},
		GreenFleetProvisioningOption:              &codedeploy.GreenFleetProvisioningOption{Action: "COPY_AUTO_SCALING_GROUP"},
	})
	before, _ := v.e.ListInstances(v.ctx, false)
	id := v.deploy(t, "prod", "v2", 200, "")
	status := func() *codedeploy.DeploymentInfo {
		d, err := v.e.GetDeployment(v.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	waitFor(t, "Ready", 30*time.Second, func() bool { return status().Status == codedeploy.StatusReady })
	if o := status().DeploymentOverview; o.Ready != 2 || o.Pending != 2 {
		t.Fatalf("overview in Ready: %+v", o)
	}
	if err := v.e.ContinueDeployment(v.ctx, id, "TERMINATION_WAIT"); err == nil || !strings.Contains(err.Error(), "DeploymentIsNotInReadyStateException") {
		t.Fatalf("termination wait before it started: %v", err)
	}
	if code, body := get(v.url + "/"); code != 200 || body != "v1" {
		t.Fatalf("traffic while Ready: %d %q", code, body)
	}
	if err := v.e.ContinueDeployment(v.ctx, id, "READY_WAIT"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Baking", 30*time.Second, func() bool {
		d := status()
		return d.Status == codedeploy.StatusBaking && d.InstanceTerminationWaitTimeStarted
	})
	if code, body := get(v.url + "/"); code != 200 || body != "v2" {
		t.Fatalf("traffic while Baking: %d %q", code, body)
	}
	if err := v.e.ContinueDeployment(v.ctx, id, "TERMINATION_WAIT"); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, v, v.wait(t, id, 30*time.Second))
	after, _ := v.e.ListInstances(v.ctx, false)
	if len(after) != 2 || after[0].Name == before[0].Name || after[0].Name == before[1].Name {
		t.Fatalf("fleet %v → %v", before, after)
	}

	// Stopped while Ready: the replacements go, traffic stays.
	id = v.deploy(t, "prod", "v3", 200, "")
	waitFor(t, "Ready", 30*time.Second, func() bool { return status().Status == codedeploy.StatusReady })
	f := false
	if st, msg, err := v.e.StopDeployment(v.ctx, id, &f); err != nil || st != "Pending" || !strings.HasPrefix(msg, "Stopping Pending") {
		t.Fatalf("stop: %s %s %v", st, msg, err)
	}
	d := v.wait(t, id, 30*time.Second)
	if d.Status != codedeploy.StatusStopped || d.ErrorInformation.Code != "MANUAL_STOP" || d.RollbackInfo != nil {
		t.Fatalf("%s %+v %+v", d.Status, d.ErrorInformation, d.RollbackInfo)
	}
	if code, body := get(v.url + "/"); code != 200 || body != "v2" {
		t.Fatalf("traffic after stop: %d %q", code, body)
	}
	now, _ := v.e.ListInstances(v.ctx, false)
	if len(now) != 2 || now[0].Name != after[0].Name {
		t.Fatalf("fleet after stop %v", now)
	}
}

// TestRestartResumesCanary simulates kill -9 of skiff during a canary:
// the instances keep running, the load balancer is set back to the
// weights the deployment recorded, and the deployment finishes — with
// steady traffic and no failed request throughout.
func TestRestartResumesCanary(t *testing.T) {
	v := newEnvWith(t, 0.01, true)
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.AllAtOnce"})
	if _, err := v.e.CreateDeploymentConfig(v.ctx, codedeploy.CreateDeploymentConfigInput{DeploymentConfigName: "Canary20",
		TrafficRoutingConfig: &codedeploy.TrafficRoutingConfig{Type: "TimeBasedCanary", TimeBasedCanary: &codedeploy.TimeBasedCanary{CanaryPercentage: 20, CanaryInterval: 5}}}); err != nil {
		t.Fatal(err)
	}
	toBlueGreen(t, v, "Canary20", &codedeploy.BlueGreenDeploymentConfiguration{
		TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.BlueInstanceTerminationOption{Action: "TERMINATE"},
		GreenFleetProvisioningOption:              &codedeploy.GreenFleetProvisioningOption{Action: "COPY_AUTO_SCALING_GROUP"},
	})
	stop := v.load(t)
	id := v.deploy(t, "prod", "v2", 200, "")
	waitFor(t, "the canary", 30*time.Second, func() bool {
		w, _ := v.lb.ForwardWeights(v.ctx, v.listener)
		return w[v.tgGreen] == 20
	})
	// "kill -9": the engine stops without finishing anything and the
	// instance processes stay.
	v.e.Close()
	// The deployment recorded the canary weights; prove Start re-applies
	// them by disturbing the load balancer.
	v.lb.SetForwardWeights(v.ctx, v.listener, map[string]int{v.tgBlue: 100, v.tgGreen: 0})
	v.start(t, 0.01, false)
	w, _ := v.lb.ForwardWeights(v.ctx, v.listener)
	if w[v.tgGreen] != 20 || w[v.tgBlue] != 80 {
		t.Fatalf("weights after restart %v, want the recorded canary", w)
	}
	insts, _ := v.e.ListInstances(v.ctx, false)
	for _, in := range insts {
		if in.Processes == 0 {
			t.Fatalf("instance %s lost its processes: %+v", in.Name, in)
		}
	}
	d := v.wait(t, id, time.Minute)
	mustSucceed(t, v, d)
	time.Sleep(300 * time.Millisecond)
	res := stop()
	t.Logf("canary across a restart: %s", res)
	if res.Failed() != 0 || res.LastBody != "v2" {
		t.Fatalf("traffic: %s", res)
	}
}

// TestRestartFailsInterruptedInPlace: an in-place deployment interrupted
// in the middle of a hook fails that event on restart (as the agent would
// lose it), so the deployment fails by its health constraints and rolls
// back by its configuration.
func TestRestartFailsInterruptedInPlace(t *testing.T) {
	v := newEnvWith(t, 0.01, true)
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.OneAtATime",
		AutoRollbackConfiguration: &codedeploy.AutoRollbackConfiguration{Enabled: true, Events: []string{codedeploy.RollbackOnFailure}}})
	files := codedeploytest.WebAppFiles("v2\n", 200)
	files["scripts/validate.py"] = codedeploytest.File{Mode: 0o755, Body: "#!/bin/sh\nsleep 3\n"}
	id := v.deployArchive(t, "web", "prod", "v2", codedeploytest.Zip(files), "")
	waitFor(t, "ValidateService", 30*time.Second, func() bool {
		sv, err := v.e.DeploymentStatus(v.ctx, id)
		if err != nil {
			return false
		}
		for _, in := range sv.Instances {
			for _, ev := range in.Events {
				if ev.LifecycleEventName == "ValidateService" && ev.Status == codedeploy.TargetInProgress {
					return true
				}
			}
		}
		return false
	})
	v.e.Close()
	v.start(t, 0.01, false)
	d := v.wait(t, id, time.Minute)
	if d.Status != codedeploy.StatusFailed || d.ErrorInformation.Code != "HEALTH_CONSTRAINTS" || d.RollbackInfo == nil || d.RollbackInfo.RollbackDeploymentID == "" {
		v.dump(t, id)
		t.Fatalf("%s %+v %+v", d.Status, d.ErrorInformation, d.RollbackInfo)
	}
	sv, _ := v.e.DeploymentStatus(v.ctx, id)
	found := false
	for _, in := range sv.Instances {
		for _, ev := range in.Events {
			if ev.LifecycleEventName == "ValidateService" && ev.Status == codedeploy.TargetFailed && strings.Contains(ev.Diagnostics.Message, "skiff stopped") {
				found = true
			}
		}
	}
	if !found {
		v.dump(t, id)
		t.Fatal("the interrupted event was not failed")
	}
	mustSucceed(t, v, v.wait(t, d.RollbackInfo.RollbackDeploymentID, time.Minute))
	waitFor(t, "v1 through the load balancer", 10*time.Second, func() bool { _, b := get(v.url + "/"); return b == "v1" })
}

// TestRestartRestartsApplications: closing the engine stops the
// instances' processes; the next Start runs ApplicationStart of the last
// successful revision again.
func TestRestartRestartsApplications(t *testing.T) {
	v := newEnv(t, 0.01)
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.AllAtOnce"})
	insts, _ := v.e.ListInstances(v.ctx, false)
	url := "http://127.0.0.1:" + strconv.Itoa(insts[0].Port) + "/"
	if _, body := get(url); body != "v1" {
		t.Fatalf("before: %q", body)
	}
	v.e.Close()
	if code, _ := get(url); code != 0 {
		t.Fatalf("the application survived Close: %d", code)
	}
	v.start(t, 0.01, false)
	waitFor(t, "the application to come back", 15*time.Second, func() bool { _, b := get(url); return b == "v1" })
}

// TestAlarms: an alarm already in ALARM, or one whose state cannot be
// read, stops a deployment (unless ignorePollAlarmFailure).
func TestAlarms(t *testing.T) {
	v := newEnv(t, 0.01)
	if _, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "al"}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.CreateApplication(v.ctx, "al", "", nil); err != nil {
		t.Fatal(err)
	}
	group := func(name string, alarms *codedeploy.AlarmConfiguration) {
		if _, err := v.e.CreateDeploymentGroup(v.ctx, "al", name, codedeploy.GroupInput{ServiceRoleArn: role,
			OnPremisesInstanceTagFilters: []codedeploy.TagFilter{{Key: "app", Value: "al"}}, AlarmConfiguration: alarms,
			AutoRollbackConfiguration: &codedeploy.AutoRollbackConfiguration{Enabled: true, Events: []string{codedeploy.RollbackOnAlarm}}}); err != nil {
			t.Fatal(err)
		}
	}
	v.alarms.Fail = map[string]bool{"ghost": true}
	v.alarms.Set(v.ctx, "firing", codedeploy.AlarmAlarm)
	group("unreadable", &codedeploy.AlarmConfiguration{Enabled: true, Alarms: []codedeploy.Alarm{{Name: "ghost"}}})
	group("ignored", &codedeploy.AlarmConfiguration{Enabled: true, IgnorePollAlarmFailure: true, Alarms: []codedeploy.Alarm{{Name: "ghost"}}})
	group("firing", &codedeploy.AlarmConfiguration{Enabled: true, Alarms: []codedeploy.Alarm{{Name: "firing"}}})
	archive := hookApp("  ApplicationStart:\n    - location: s.sh\n", map[string]File{"s.sh": {Mode: 0o755, Body: "#!/bin/sh\nsleep 0.5\n"}})
	d := v.wait(t, v.deployArchive(t, "al", "unreadable", "a", archive, ""), time.Minute)
	if d.Status != codedeploy.StatusStopped || d.ErrorInformation.Code != "ALARM_ACTIVE" || !strings.Contains(d.ErrorInformation.Message, "could not be retrieved") {
		t.Fatalf("unreadable: %s %+v", d.Status, d.ErrorInformation)
	}
	if d.RollbackInfo == nil || !strings.Contains(d.RollbackInfo.RollbackMessage, "no previous successful deployment") {
		t.Fatalf("rollback info: %+v", d.RollbackInfo)
	}
	mustSucceed(t, v, v.wait(t, v.deployArchive(t, "al", "ignored", "b", archive, ""), time.Minute))
	d = v.wait(t, v.deployArchive(t, "al", "firing", "c", archive, ""), time.Minute)
	if d.Status != codedeploy.StatusStopped || d.ErrorInformation.Code != "ALARM_ACTIVE" || !strings.HasSuffix(d.ErrorInformation.Message, "Activated alarms: firing") {
		t.Fatalf("firing: %s %+v", d.Status, d.ErrorInformation)
	}
}

// TestPipeline is the CodePipeline deploy action's path.
func TestPipeline(t *testing.T) {
	v := newEnv(t, 0.01)
	if _, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "pipe"}, 1); err != nil {
		t.Fatal(err)
	}
	simpleGroup(t, v, "pipe", "")
	v.objects.Put("artifacts", "pipe/BuildArtif/abc123", hookApp("", nil))
	id, err := v.e.DeployFromPipeline(v.ctx, "pipe", "g", codedeploy.S3Location{Bucket: "artifacts", Key: "pipe/BuildArtif/abc123"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(v.ctx, time.Minute)
	defer cancel()
	ok, summary, err := v.e.PipelineResult(ctx, id)
	if err != nil || !ok || !strings.Contains(summary, "succeeded") {
		t.Fatalf("%v %q %v", ok, summary, err)
	}
	v.objects.Put("artifacts", "pipe/BuildArtif/bad", []byte("junk"))
	id, _ = v.e.DeployFromPipeline(v.ctx, "pipe", "g", codedeploy.S3Location{Bucket: "artifacts", Key: "pipe/BuildArtif/bad"})
	ok, summary, err = v.e.PipelineResult(ctx, id)
	if err != nil || ok || !strings.Contains(summary, "INVALID_REVISION") {
		t.Fatalf("%v %q %v", ok, summary, err)
	}
}

// TestBlueGreenSingleTargetGroup is AWS's own server-platform blue/green:
// one target group, replacement instances found by tag
// (DISCOVER_EXISTING), traffic moved by registering them and
// deregistering the originals. A StopDeployment during the termination
// wait rolls back (DEPLOYMENT_STOP_ON_REQUEST): the originals are
// registered again before the replacements leave — no failed request.
func TestBlueGreenSingleTargetGroup(t *testing.T) {
	v := newEnv(t, 0.01)
	single := &codedeploy.LoadBalancerInfo{TargetGroupInfoList: []codedeploy.NameInfo{{Name: "web-blue"}}}
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.AllAtOnce", LoadBalancerInfo: single,
		AutoRollbackConfiguration: &codedeploy.AutoRollbackConfiguration{Enabled: true, Events: []string{codedeploy.RollbackOnRequest}}})
	greens, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "web-next"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	toBlueGreen(t, v, "CodeDeployDefault.AllAtOnce", &codedeploy.BlueGreenDeploymentConfiguration{
		TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.BlueInstanceTerminationOption{Action: "TERMINATE", TerminationWaitTimeInMinutes: 60},
		GreenFleetProvisioningOption:              &codedeploy.GreenFleetProvisioningOption{Action: "DISCOVER_EXISTING"},
	})
	_, err = v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "web", DeploymentGroupName: "prod",
		Revision: &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "artifacts", Key: "x.zip"}}})
	if err == nil || !strings.Contains(err.Error(), "InvalidTargetInstancesException") {
		t.Fatalf("DISCOVER_EXISTING without target instances: %v", err)
	}
	stop := v.load(t)
	time.Sleep(200 * time.Millisecond)
	v.objects.Put("artifacts", "v2.zip", codedeploytest.WebApp("v2\n", 200))
	id, err := v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "web", DeploymentGroupName: "prod",
		Revision:        &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "artifacts", Key: "v2.zip"}},
		TargetInstances: &codedeploy.TargetInstances{TagFilters: []codedeploy.TagFilter{{Key: "app", Value: "web-next", Type: "KEY_AND_VALUE"}}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Baking", 30*time.Second, func() bool {
		d, _ := v.e.GetDeployment(v.ctx, id)
		return d.Status == codedeploy.StatusBaking
	})
	targets := v.lb.Targets(v.tgBlue)
	for _, g := range greens {
		if targets["127.0.0.1:"+strconv.Itoa(g.Port)] != "healthy" {
			t.Fatalf("replacement not in the target group: %v", targets)
		}
	}
	if len(targets) != 2 {
		t.Fatalf("originals still registered: %v", targets)
	}
	if _, _, err := v.e.StopDeployment(v.ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	d := v.wait(t, id, 30*time.Second)
	if d.Status != codedeploy.StatusStopped || d.RollbackInfo == nil || d.RollbackInfo.RollbackDeploymentID == "" {
		t.Fatalf("%s %+v", d.Status, d.RollbackInfo)
	}
	rb := v.wait(t, d.RollbackInfo.RollbackDeploymentID, time.Minute)
	mustSucceed(t, v, rb)
	time.Sleep(300 * time.Millisecond)
	res := stop()
	t.Logf("single target group blue/green, stopped and rolled back: %s", res)
	if res.Failed() != 0 || res.Bodies["v2"] == 0 || res.LastBody != "v1" {
		t.Fatalf("traffic: %s", res)
	}
	// Discovered replacements are not terminated, only taken out.
	insts, _ := v.e.ListInstances(v.ctx, false)
	if len(insts) != 4 {
		t.Fatalf("instances %+v", insts)
	}
	if targets := v.lb.Targets(v.tgBlue); len(targets) != 2 {
		t.Fatalf("targets after rollback %v", targets)
	}
}

// TestInstanceTargetGroup: in a target group of target type instance,
// instances are registered by name and the load balancer resolves them
// through ResolveInstance.
func TestInstanceTargetGroup(t *testing.T) {
	v := newEnv(t, 0.01)
	v.lb.Resolve = v.e.ResolveInstance
	tg := v.lb.CreateTargetGroupOfType("web-inst", "instance")
	listener, url, err := v.lb.CreateListener("inst", map[string]int{tg: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = listener
	webGroup(t, v, codedeploy.GroupInput{DeploymentConfigName: "CodeDeployDefault.OneAtATime",
		LoadBalancerInfo: &codedeploy.LoadBalancerInfo{TargetGroupInfoList: []codedeploy.NameInfo{{Name: "web-inst"}}}})
	insts, _ := v.e.ListInstances(v.ctx, false)
	targets := v.lb.Targets(tg)
	for _, in := range insts {
		if targets[in.Name+":"+strconv.Itoa(in.Port)] != "healthy" {
			t.Fatalf("targets %v", targets)
		}
		host, port, err := v.e.ResolveInstance(context.Background(), in.Name)
		if err != nil || host != "127.0.0.1" || port != in.Port {
			t.Fatalf("resolve %s: %s %d %v", in.Name, host, port, err)
		}
	}
	if _, _, err := v.e.ResolveInstance(v.ctx, "i-nope"); err == nil {
		t.Fatal("resolved an unknown instance")
	}
	if code, body := get(url + "/"); code != 200 || body != "v1" {
		t.Fatalf("through the instance target group: %d %q", code, body)
	}
}
