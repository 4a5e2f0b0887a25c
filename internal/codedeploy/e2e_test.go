package codedeploy_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/bench/deploy/loadtest"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/clock"
	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
	"github.com/skiff-dev/skiff/internal/store"
)

var testScope = awsctx.Scope{AccountID: "123456789012", Region: "us-east-1", RequestID: "test"}

func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("CODEDEPLOY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// env is an engine with fakes around it.
type env struct {
	e        *codedeploy.Engine
	lb       *codedeploytest.LB
	objects  *codedeploytest.Objects
	alarms   *codedeploytest.Alarms
	ctx      context.Context
	st       store.Store
	workDir  string
	listener string
	url      string
	tgBlue   string
	tgGreen  string
}

func newEnv(t *testing.T, scale float64) *env { return newEnvWith(t, scale, false) }

func newEnvWith(t *testing.T, scale float64, keep bool) *env {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	v := &env{lb: codedeploytest.NewLB(), objects: &codedeploytest.Objects{}, alarms: &codedeploytest.Alarms{}, st: store.NewMemory(), workDir: t.TempDir()}
	t.Cleanup(v.lb.Close)
	v.lb.HealthPath = "/health"
	v.tgBlue = v.lb.CreateTargetGroup("web-blue")
	v.tgGreen = v.lb.CreateTargetGroup("web-green")
	var err error
	v.listener, v.url, err = v.lb.CreateListener("web", map[string]int{v.tgBlue: 100, v.tgGreen: 0})
	if err != nil {
		t.Fatal(err)
	}
	v.ctx = awsctx.With(context.Background(), testScope)
	v.start(t, scale, keep)
	return v
}

// start makes and starts an engine on the env's store and work directory
// (again, after a simulated crash). keep leaves instance processes
// running when the engine closes, as a kill -9 of skiff does.
func (v *env) start(t *testing.T, scale float64, keep bool) {
	t.Helper()
	e, err := codedeploy.New(v.st, clock.Scaled(scale), codedeploy.Deps{LoadBalancer: v.lb, Alarms: v.alarms, Objects: v.objects,
		WorkDir: v.workDir, AlarmPollInterval: 50 * time.Millisecond, KeepInstancesRunning: keep}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(v.ctx); err != nil {
		t.Fatal(err)
	}
	v.e = e
	t.Cleanup(func() { e.Close() })
}

func (v *env) deploy(t *testing.T, group, body string, status int, cfg string) string {
	t.Helper()
	return v.deployArchive(t, "web", group, body, codedeploytest.WebApp(body+"\n", status), cfg)
}

// deployArchive uploads an archive and deploys it.
func (v *env) deployArchive(t *testing.T, app, group, name string, archive []byte, cfg string) string {
	t.Helper()
	key := "rev/" + strings.ReplaceAll(name, " ", "-") + ".zip"
	etag := v.objects.Put("artifacts", key, archive)
	id, err := v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: app, DeploymentGroupName: group,
		Revision:             &codedeploy.RevisionLocation{RevisionType: "S3", S3Location: &codedeploy.S3Location{Bucket: "artifacts", Key: key, BundleType: "zip", ETag: etag}},
		DeploymentConfigName: cfg})
	if err != nil {
		t.Fatalf("CreateDeployment %s: %v", name, err)
	}
	return id
}

func (v *env) wait(t *testing.T, id string, timeout time.Duration) *codedeploy.DeploymentInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(v.ctx, timeout)
	defer cancel()
	d, err := v.e.WaitDeployment(ctx, id)
	if err != nil {
		v.dump(t, id)
		t.Fatalf("wait for %s: %v (status %s)", id, err, d.Status)
	}
	return d
}

// dump logs a deployment's targets and lifecycle events.
func (v *env) dump(t *testing.T, id string) {
	t.Helper()
	sv, err := v.e.DeploymentStatus(v.ctx, id)
	if err != nil {
		t.Logf("status of %s: %v", id, err)
		return
	}
	var b strings.Builder
	codedeploy.RenderStatus(&b, sv)
	t.Logf("deployment %s:\n%s", id, b.String())
}

func mustSucceed(t *testing.T, v *env, d *codedeploy.DeploymentInfo) {
	t.Helper()
	if d.Status != codedeploy.StatusSucceeded {
		v.dump(t, d.DeploymentID)
		t.Fatalf("deployment %s: %s %+v", d.DeploymentID, d.Status, d.ErrorInformation)
	}
}

// load runs steady traffic through the listener until stop is called.
func (v *env) load(t *testing.T) (stop func() *loadtest.Result) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan *loadtest.Result, 1)
	go func() {
		res, err := loadtest.Run(ctx, loadtest.Config{URL: v.url + "/", Rate: 200, Concurrency: 32, Timeout: 3 * time.Second})
		if err != nil {
			t.Error(err)
		}
		ch <- res
	}()
	return func() *loadtest.Result {
		cancel()
		return <-ch
	}
}

// TestEndToEnd deploys a web application to local instances behind a
// proxying load balancer with steady traffic: revision 1 in place
// (OneAtATime), revision 2 blue/green with the ECSCanary10Percent5Minutes
// config, revision 3 — which answers 500 — blue/green as well: the 5xx
// alarm fires during the canary, the deployment stops, traffic returns to
// revision 2 and an automatic rollback deployment completes.
func TestEndToEnd(t *testing.T) {
	v := newEnv(t, 0.01)
	e, ctx := v.e, v.ctx
	insts, err := e.CreateInstances(ctx, map[string]string{"app": "web"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 2 || insts[0].Port == 0 || insts[0].Port == insts[1].Port {
		t.Fatalf("instances %+v", insts)
	}
	if _, err := e.CreateApplication(ctx, "web", "Server", nil); err != nil {
		t.Fatal(err)
	}
	pair := &codedeploy.LoadBalancerInfo{TargetGroupPairInfoList: []codedeploy.TargetGroupPairInfo{{
		TargetGroups:     []codedeploy.NameInfo{{Name: "web-blue"}, {Name: "web-green"}},
		ProdTrafficRoute: &codedeploy.TrafficRoute{ListenerArns: []string{v.listener}}}}}
	_, err = e.CreateDeploymentGroup(ctx, "web", "prod", codedeploy.GroupInput{
		ServiceRoleArn:               "arn:aws:iam::123456789012:role/CodeDeploy",
		OnPremisesInstanceTagFilters: []codedeploy.TagFilter{{Key: "app", Value: "web", Type: "KEY_AND_VALUE"}},
		DeploymentStyle:              &codedeploy.DeploymentStyle{DeploymentType: codedeploy.TypeInPlace, DeploymentOption: codedeploy.WithTrafficControl},
		LoadBalancerInfo:             pair,
		DeploymentConfigName:         "CodeDeployDefault.OneAtATime",
		AlarmConfiguration:           &codedeploy.AlarmConfiguration{Enabled: true, Alarms: []codedeploy.Alarm{{Name: "web-5xx"}}},
		AutoRollbackConfiguration:    &codedeploy.AutoRollbackConfiguration{Enabled: true, Events: []string{codedeploy.RollbackOnFailure, codedeploy.RollbackOnAlarm}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The alarm: any 5xx through the load balancer in the last second.
	v.alarms.Set(ctx, "web-5xx", codedeploy.AlarmOK)
	actx, acancel := context.WithCancel(ctx)
	defer acancel()
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-actx.Done():
				return
			case <-tick.C:
				st := codedeploy.AlarmOK
				if v.lb.FiveXXSince(time.Now().Add(-time.Second)) > 0 {
					st = codedeploy.AlarmAlarm
				}
				v.alarms.Set(actx, "web-5xx", st)
			}
		}
	}()

	// Revision 0 brings the instances up (nothing served before).
	mustSucceed(t, v, v.wait(t, v.deploy(t, "prod", "rev0", 200, ""), time.Minute))

	// Revision 1, in place, one instance at a time, under load.
	stop := v.load(t)
	time.Sleep(200 * time.Millisecond)
	id1 := v.deploy(t, "prod", "rev1", 200, "")
	mustSucceed(t, v, v.wait(t, id1, time.Minute))
	time.Sleep(300 * time.Millisecond)
	res := stop()
	t.Logf("in-place rev1: %s", res)
	if res.Failed() != 0 || res.Bodies["rev0"] == 0 || res.Bodies["rev1"] == 0 || res.LastBody != "rev1" {
		t.Fatalf("in-place deployment under load: %s", res)
	}
	ts, _, err := e.ListDeploymentTargets(ctx, id1, nil, "")
	if err != nil || len(ts) != 2 {
		t.Fatalf("targets %v %v", ts, err)
	}
	tg, err := e.GetDeploymentTarget(ctx, id1, ts[0])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range tg.InstanceTarget.LifecycleEvents {
		names = append(names, ev.LifecycleEventName+":"+ev.Status)
		if ev.StartTime.IsZero() || ev.EndTime.IsZero() {
			t.Errorf("event %s has no times", ev.LifecycleEventName)
		}
	}
	want := "BeforeBlockTraffic:Succeeded BlockTraffic:Succeeded AfterBlockTraffic:Succeeded ApplicationStop:Succeeded DownloadBundle:Succeeded BeforeInstall:Succeeded Install:Succeeded AfterInstall:Succeeded ApplicationStart:Succeeded ValidateService:Succeeded BeforeAllowTraffic:Succeeded AllowTraffic:Succeeded AfterAllowTraffic:Succeeded"
	if strings.Join(names, " ") != want {
		t.Fatalf("lifecycle %s", strings.Join(names, " "))
	}

	// Switch the group to blue/green: copies of the fleet, originals
	// terminated right after the shift.
	err = e.UpdateDeploymentGroup(ctx, "web", "prod", "", codedeploy.GroupInput{
		DeploymentStyle: &codedeploy.DeploymentStyle{DeploymentType: codedeploy.TypeBlueGreen, DeploymentOption: codedeploy.WithTrafficControl},
		BlueGreenDeploymentConfiguration: &codedeploy.BlueGreenDeploymentConfiguration{
			TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.BlueInstanceTerminationOption{Action: "TERMINATE", TerminationWaitTimeInMinutes: 0},
			DeploymentReadyOption:                     &codedeploy.DeploymentReadyOption{ActionOnTimeout: "CONTINUE_DEPLOYMENT"},
			GreenFleetProvisioningOption:              &codedeploy.GreenFleetProvisioningOption{Action: "COPY_AUTO_SCALING_GROUP"},
		},
		DeploymentConfigName: "CodeDeployDefault.ECSCanary10Percent5Minutes",
	})
	if err != nil {
		t.Fatal(err)
	}

	// Revision 2, blue/green with a canary (10% for 5 scaled minutes = 3 s).
	stop = v.load(t)
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	id2 := v.deploy(t, "prod", "rev2", 200, "")
	d2 := v.wait(t, id2, time.Minute)
	mustSucceed(t, v, d2)
	took := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	res = stop()
	t.Logf("blue/green canary rev2 (%s): %s", took.Round(time.Millisecond), res)
	if res.Failed() != 0 || res.Bodies["rev2"] == 0 || res.LastBody != "rev2" {
		t.Fatalf("blue/green canary deployment under load: %s", res)
	}
	if took < 3*time.Second {
		t.Fatalf("the canary should have held 10%% for 3 s; the deployment took %s", took)
	}
	calls := strings.Join(v.lb.Calls(), "\n")
	if !strings.Contains(calls, "SetForwardWeights web-blue=90,web-green=10\nSetForwardWeights web-blue=0,web-green=100") {
		t.Fatalf("weights:\n%s", calls)
	}
	labels := map[string]int{}
	blueTs, _, _ := e.ListDeploymentTargets(ctx, id2, map[string][]string{"ServerInstanceLabel": {"Blue"}}, "")
	greenTs, _, _ := e.ListDeploymentTargets(ctx, id2, map[string][]string{"ServerInstanceLabel": {"Green"}}, "")
	labels["Blue"], labels["Green"] = len(blueTs), len(greenTs)
	if labels["Blue"] != 2 || labels["Green"] != 2 {
		t.Fatalf("labels %v", labels)
	}
	// The originals are gone: deregistered, processes ended.
	live, err := e.ListInstances(ctx, false)
	if err != nil || len(live) != 2 || live[0].Name == insts[0].Name || live[1].Name == insts[1].Name {
		t.Fatalf("instances after blue/green: %+v %v", live, err)
	}
	for _, in := range live {
		if in.Tags["app"] != "web" || in.Processes == 0 {
			t.Fatalf("replacement instance %+v", in)
		}
	}

	// Revision 3 answers 500: the canary trips the alarm.
	stop = v.load(t)
	time.Sleep(200 * time.Millisecond)
	id3 := v.deploy(t, "prod", "rev3", 500, "")
	d3 := v.wait(t, id3, time.Minute)
	if d3.Status != codedeploy.StatusStopped || d3.ErrorInformation == nil || d3.ErrorInformation.Code != "ALARM_ACTIVE" ||
		!strings.Contains(d3.ErrorInformation.Message, "Activated alarms: web-5xx") {
		v.dump(t, id3)
		t.Fatalf("bad revision: %s %+v", d3.Status, d3.ErrorInformation)
	}
	stoppedAt := d3.CompleteTime
	if d3.RollbackInfo == nil || d3.RollbackInfo.RollbackDeploymentID == "" {
		t.Fatalf("no rollback: %+v", d3.RollbackInfo)
	}
	rb := v.wait(t, d3.RollbackInfo.RollbackDeploymentID, time.Minute)
	mustSucceed(t, v, rb)
	if rb.Creator != "codeDeployRollback" || rb.RollbackInfo == nil || rb.RollbackInfo.RollbackTriggeringDeploymentID != id3 {
		t.Fatalf("rollback deployment %+v", rb)
	}
	time.Sleep(500 * time.Millisecond)
	res = stop()
	t.Logf("bad revision rev3: %s (failures from %s to %s; stopped at %s)", res, res.FirstFailure.Format("15:04:05.000"),
		res.LastFailure.Format("15:04:05.000"), stoppedAt.Format("15:04:05.000"))
	if res.Bodies["rev3"] == 0 || res.LastBody != "rev2" {
		t.Fatalf("the bad revision never served or traffic did not come back: %s", res)
	}
	if gap := res.LastFailure.Sub(res.FirstFailure); gap > 5*time.Second {
		t.Fatalf("failures lasted %s", gap)
	}
	w, _ := v.lb.ForwardWeights(ctx, v.listener)
	if w[v.tgGreen] != 100 || w[v.tgBlue] != 0 {
		t.Fatalf("weights after rollback %v", w)
	}
	// The replacements of the bad revision were terminated.
	live, _ = e.ListInstances(ctx, false)
	if len(live) != 2 {
		t.Fatalf("instances after rollback: %+v", live)
	}
	g, _ := e.GetDeploymentGroup(ctx, "web", "prod")
	if g.LastSuccessfulDeployment == nil || g.LastSuccessfulDeployment.DeploymentID != rb.DeploymentID {
		t.Fatalf("group: %+v", g.LastSuccessfulDeployment)
	}
}
