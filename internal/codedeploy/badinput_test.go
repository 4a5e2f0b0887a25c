package codedeploy_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiff-dev/skiff/internal/codedeploy"
	"github.com/skiff-dev/skiff/internal/codedeploy/codedeploytest"
)

type File = codedeploytest.File

// simpleGroup creates an application and an in-place group without a
// load balancer over the instances tagged app=<app>.
func simpleGroup(t *testing.T, v *env, app, cfg string) {
	t.Helper()
	if _, err := v.e.CreateApplication(v.ctx, app, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.CreateDeploymentGroup(v.ctx, app, "g", codedeploy.GroupInput{ServiceRoleArn: "arn:aws:iam::123456789012:role/r",
		OnPremisesInstanceTagFilters: []codedeploy.TagFilter{{Key: "app", Value: app}}, DeploymentConfigName: cfg}); err != nil {
		t.Fatal(err)
	}
}

func hookApp(hooks string, files map[string]File) []byte {
	all := map[string]File{"appspec.yml": {Body: "version: 0.0\nos: linux\nhooks:\n" + hooks}}
	for k, f := range files {
		all[k] = f
	}
	return codedeploytest.Zip(all)
}

func zipSlip() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("appspec.yml")
	w.Write([]byte("version: 0.0\nos: linux\n"))
	w, _ = zw.Create("../../../../tmp/evil.sh")
	w.Write([]byte("#!/bin/sh\n"))
	zw.Close()
	return b.Bytes()
}

// TestBadInput: every kind of bad revision fails the deployment with
// AWS's error code, or fails a lifecycle event with the agent's
// diagnostics, and never touches more than it must.
func TestBadInput(t *testing.T) {
	v := newEnv(t, 0.01)
	if _, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "bad"}, 1); err != nil {
		t.Fatal(err)
	}
	simpleGroup(t, v, "bad", "CodeDeployDefault.AllAtOnce")
	for _, c := range []struct {
		name    string
		archive []byte
		missing bool
		code    string // deployment error code
		msg     string // in the deployment error message
		event   string // failed lifecycle event
		diag    string // its error code
		diagMsg string // in its message
		logTail string // in its log tail
	}{
		{name: "object missing", missing: true, code: "REVISION_MISSING", msg: "could not be downloaded"},
		{name: "not an archive", archive: []byte("definitely not a zip"), code: "INVALID_REVISION", msg: "not a valid zip archive"},
		{name: "zip slip", archive: zipSlip(), code: "INVALID_REVISION", msg: "escapes the revision directory"},
		{name: "no appspec", archive: codedeploytest.Zip(map[string]File{"index.html": {Body: "x"}}), code: "INVALID_REVISION", msg: "did not find an AppSpec file"},
		{name: "malformed appspec", archive: codedeploytest.Zip(map[string]File{"appspec.yml": {Body: "version: \"0.0\"\nos: linux\n"}}), code: "INVALID_REVISION", msg: `unsupported version: "0.0"`},
		{name: "not yaml", archive: codedeploytest.Zip(map[string]File{"appspec.yml": {Body: "version: 0.0\nos: linux\nhooks:\n\t- x\n"}}), code: "INVALID_REVISION", msg: "not valid YAML"},
		{name: "missing script", archive: hookApp("  ApplicationStart:\n    - location: scripts/nope.sh\n", nil),
			code: "HEALTH_CONSTRAINTS", event: "ApplicationStart", diag: "ScriptMissing", diagMsg: "Script does not exist at specified location: scripts/nope.sh"},
		{name: "script fails", archive: hookApp("  AfterInstall:\n    - location: fail.sh\n", map[string]File{"fail.sh": {Mode: 0o755, Body: "#!/bin/sh\necho working\necho boom >&2\nexit 3\n"}}),
			code: "HEALTH_CONSTRAINTS", event: "AfterInstall", diag: "ScriptFailed", diagMsg: "Script at specified location: fail.sh failed with exit code 3", logTail: "[stdout]working\n[stderr]boom\n"},
		{name: "script times out", archive: hookApp("  ValidateService:\n    - location: slow.sh\n      timeout: 1\n", map[string]File{"slow.sh": {Mode: 0o755, Body: "#!/bin/sh\nsleep 30\n"}}),
			code: "HEALTH_CONSTRAINTS", event: "ValidateService", diag: "ScriptTimedOut", diagMsg: "failed to complete in 1 seconds"},
		{name: "file in the way (DISALLOW)", archive: codedeploytest.Zip(map[string]File{"appspec.yml": {Body: "version: 0.0\nos: linux\nfiles:\n  - source: conf\n    destination: /etc/app\n"},
			"conf": {Body: "new"}}), code: "HEALTH_CONSTRAINTS", event: "Install", diag: "UnknownError", diagMsg: "a specified file already exists at this location: /etc/app/conf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "file in the way (DISALLOW)" {
				insts, _ := v.e.ListInstances(v.ctx, false)
				os.MkdirAll(filepath.Join(insts[0].Root, "etc/app"), 0o755)
				os.WriteFile(filepath.Join(insts[0].Root, "etc/app/conf"), []byte("mine"), 0o644)
			}
			var id string
			if c.missing {
				var err error
				id, err = v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "bad", DeploymentGroupName: "g",
					Revision: &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "artifacts", Key: "gone.zip", BundleType: "zip"}}})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				id = v.deployArchive(t, "bad", "g", strings.ReplaceAll(c.name, " ", "-"), c.archive, "")
			}
			d := v.wait(t, id, time.Minute)
			if d.Status != codedeploy.StatusFailed || d.ErrorInformation == nil || d.ErrorInformation.Code != c.code || !strings.Contains(d.ErrorInformation.Message, c.msg) {
				v.dump(t, id)
				t.Fatalf("deployment: %s %+v", d.Status, d.ErrorInformation)
			}
			ts, _, err := v.e.ListDeploymentTargets(v.ctx, id, nil, "")
			if err != nil || len(ts) == 0 {
				if c.event == "" && len(ts) == 0 {
					return // failed before any instance was chosen or touched
				}
				t.Fatalf("targets %v %v", ts, err)
			}
			tg, _ := v.e.GetDeploymentTarget(v.ctx, id, ts[0])
			if c.event == "" {
				for _, ev := range tg.InstanceTarget.LifecycleEvents {
					if ev.Status != codedeploy.TargetSkipped {
						t.Fatalf("event %s ran: %s", ev.LifecycleEventName, ev.Status)
					}
				}
				return
			}
			found := false
			for _, ev := range tg.InstanceTarget.LifecycleEvents {
				if ev.LifecycleEventName != c.event {
					continue
				}
				found = true
				dg := ev.Diagnostics
				if ev.Status != codedeploy.TargetFailed || dg == nil || dg.ErrorCode != c.diag || !strings.Contains(dg.Message, c.diagMsg) || !strings.Contains(dg.LogTail, c.logTail) {
					t.Fatalf("event %+v diagnostics %+v", ev, dg)
				}
			}
			if !found || tg.InstanceTarget.Status != codedeploy.TargetFailed {
				t.Fatalf("target %+v", tg.InstanceTarget)
			}
		})
	}

	t.Run("no instances", func(t *testing.T) {
		simpleGroup(t, v, "lonely", "")
		id := v.deployArchive(t, "lonely", "g", "lonely", hookApp("", nil), "")
		d := v.wait(t, id, time.Minute)
		if d.Status != codedeploy.StatusFailed || d.ErrorInformation.Code != "NO_INSTANCES" || !strings.Contains(d.ErrorInformation.Message, "no instances were found") {
			t.Fatalf("%s %+v", d.Status, d.ErrorInformation)
		}
	})
	t.Run("health constraints invalid", func(t *testing.T) {
		id := v.deployArchive(t, "bad", "g", "half", hookApp("", nil), "CodeDeployDefault.HalfAtATime")
		d := v.wait(t, id, time.Minute)
		if d.Status != codedeploy.StatusFailed || d.ErrorInformation.Code != "HEALTH_CONSTRAINTS_INVALID" {
			t.Fatalf("%s %+v", d.Status, d.ErrorInformation)
		}
	})
	t.Run("non-executable script is made executable", func(t *testing.T) {
		id := v.deployArchive(t, "bad", "g", "noexec", hookApp("  ApplicationStart:\n    - location: run.sh\n", map[string]File{"run.sh": {Mode: 0o644, Body: "#!/bin/sh\necho ran\n"}}), "")
		d := v.wait(t, id, time.Minute)
		mustSucceed(t, v, d)
	})
	t.Run("API errors", func(t *testing.T) {
		_, err := v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "bad", DeploymentGroupName: "g",
			Revision: &codedeploy.RevisionLocation{RevisionType: "AppSpecContent", AppSpecContent: &codedeploy.RawString{Content: "version: 0.0"}}})
		if err == nil || !strings.Contains(err.Error(), "InvalidRevisionException") || !strings.Contains(err.Error(), "needs an S3 revision") {
			t.Fatalf("appspec content: %v", err)
		}
		_, err = v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "bad", DeploymentGroupName: "g",
			Revision: &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "b", Key: "k.bin"}}})
		if err == nil || !strings.Contains(err.Error(), "bundle type") {
			t.Fatalf("no bundle type: %v", err)
		}
		_, err = v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "bad", DeploymentGroupName: "g",
			Revision: &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "b", Key: "k.zip"}}, DeploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce"})
		if err == nil || !strings.Contains(err.Error(), "Lambda") {
			t.Fatalf("lambda config: %v", err)
		}
		_, err = v.e.CreateDeployment(v.ctx, codedeploy.CreateDeploymentInput{ApplicationName: "bad", DeploymentGroupName: "nope",
			Revision: &codedeploy.RevisionLocation{S3Location: &codedeploy.S3Location{Bucket: "b", Key: "k.zip"}}})
		if !codedeploy.ErrDeploymentGroupDoesNotExist.Is(err) {
			t.Fatalf("missing group: %v", err)
		}
	})
}

// TestHookEnvironmentAndFiles checks what hooks see: the agent's
// variables, PORT and INSTANCE_ROOT, and files placed under the instance
// root.
func TestHookEnvironmentAndFiles(t *testing.T) {
	v := newEnv(t, 0.01)
	insts, err := v.e.CreateInstances(v.ctx, map[string]string{"app": "env"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	simpleGroup(t, v, "env", "")
	archive := codedeploytest.Zip(map[string]File{
		"appspec.yml":     {Body: "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /var/www\npermissions:\n  - object: /var/www\n    pattern: \"*.cgi\"\n    mode: 750\n    type: [file]\nhooks:\n  AfterInstall:\n    - location: env.sh\n"},
		"site/index.html": {Body: "hello"},
		"site/run.cgi":    {Body: "#!/bin/sh\n"},
		"env.sh": {Mode: 0o755, Body: "#!/bin/sh\nenv | grep -E '^(APPLICATION_NAME|DEPLOYMENT_ID|DEPLOYMENT_GROUP_NAME|DEPLOYMENT_GROUP_ID|LIFECYCLE_EVENT|BUNDLE_[A-Z]+|PORT|INSTANCE_ROOT)=' | sort > \"$INSTANCE_ROOT/hook.env\"\n" +
			"cat \"$INSTANCE_ROOT/var/www/index.html\" > \"$INSTANCE_ROOT/seen\"\n"},
	})
	id := v.deployArchive(t, "env", "g", "env", archive, "")
	mustSucceed(t, v, v.wait(t, id, time.Minute))
	g, _ := v.e.GetDeploymentGroup(v.ctx, "env", "g")
	root := insts[0].Root
	b, err := os.ReadFile(filepath.Join(root, "hook.env"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{"APPLICATION_NAME=env", "DEPLOYMENT_ID=" + id, "DEPLOYMENT_GROUP_NAME=g", "DEPLOYMENT_GROUP_ID=" + g.DeploymentGroupID,
		"LIFECYCLE_EVENT=AfterInstall", "BUNDLE_BUCKET=artifacts", "BUNDLE_KEY=rev/env.zip", "BUNDLE_ETAG=", "INSTANCE_ROOT=" + root,
		"PORT=" + strconv.Itoa(insts[0].Port)} {
		if !strings.Contains(got, want) {
			t.Fatalf("hook environment lacks %s:\n%s", want, got)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "seen")); string(b) != "hello" {
		t.Fatalf("file under the instance root: %q", b)
	}
	if st, err := os.Stat(filepath.Join(root, "var/www/run.cgi")); err != nil || st.Mode().Perm() != 0o750 {
		t.Fatalf("permissions: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(root, "opt/codedeploy-agent/deployment-root", g.DeploymentGroupID, id, "deployment-archive/appspec.yml")); err != nil {
		t.Fatalf("deployment archive: %v", err)
	}
}
