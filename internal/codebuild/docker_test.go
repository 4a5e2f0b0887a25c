package codebuild

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/skiff-dev/skiff/internal/codebuild/runner"
)

// dockerTestImage is a FROM-scratch busybox image imported by the tests
// themselves (no registry is involved): see runner.Docker.ImportBusybox.
const dockerTestImage = "skiff-test/busybox:latest"

var (
	dockerImportOnce sync.Once
	dockerImportErr  error
)

// testDocker returns a Docker runner with the test image, or skips t when
// there is no engine (SKIFF_REQUIRE_DOCKER=1 makes that a failure).
func testDocker(t *testing.T) *runner.Docker {
	t.Helper()
	skip := func(msg string) {
		if os.Getenv("SKIFF_REQUIRE_DOCKER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set SKIFF_REQUIRE_DOCKER=1 to make this a failure)")
	}
	d, err := runner.NewDocker(t.TempDir(), runner.DockerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Ping(context.Background()); err != nil {
		skip(err.Error())
	}
	dockerImportOnce.Do(func() { dockerImportErr = d.ImportBusybox(context.Background(), dockerTestImage, "") })
	if dockerImportErr != nil {
		skip("cannot build the test image: " + dockerImportErr.Error())
	}
	return d
}

// withRunner makes the engine pick host or Docker by image, as skiff up
// --build-runner auto does.
func withRunner(d runner.Runner, policy runner.Policy) harnessOpt {
	return func(deps *Deps) {
		deps.Runner = runner.Select(runner.NewHost(filepath.Join(deps.WorkDir, "builds")), d, policy)
	}
}

func inImage(image string) func(*ProjectInput) {
	return func(in *ProjectInput) { in.Environment.Image = image }
}

func TestDockerBuild(t *testing.T) {
	d := testDocker(t)
	h := newHarness(t, withRunner(d, runner.PolicyAuto))
	h.project("indocker", `version: 0.2
phases:
  install:
    commands:
      - mkdir -p out && cd out
      - export STAGE=installed
  pre_build:
    commands:
      - echo "pre_build in $(pwd) with $STAGE"
  build:
    commands:
      - echo "built by $CODEBUILD_BUILD_ID" > result.txt
      - cat result.txt
      - test -x /bin/busybox && echo "image is busybox"
  post_build:
    commands:
      - echo "endpoint $AWS_ENDPOINT_URL"
artifacts:
  files: [out/result.txt]
`, inImage(dockerTestImage), func(in *ProjectInput) {
		in.Artifacts = &ProjectArtifacts{Type: "S3", Location: "out", Packaging: "ZIP", Name: "a.zip"}
	})
	b := h.run(StartBuildInput{ProjectName: "indocker"})
	log := h.logs.text(b)
	if b.BuildStatus != StatusSucceeded {
		t.Fatalf("%s %s\n%s", b.BuildStatus, phases(b), log)
	}
	for _, want := range []string{
		"[C] CODEBUILD_SRC_DIR=/codebuild/output/src",
		"\npre_build in /codebuild/output/src",
		"/src/out with installed\n",
		"\nbuilt by " + b.ID + "\n",
		"\nimage is busybox\n",
		"\nendpoint http://127.0.0.1:4566\n",
	} {
		if !strings.Contains(log, want) {
			t.Fatalf("log lacks %q:\n%s", want, log)
		}
	}
	if files := h.objects.zipEntries(t, "out/a.zip"); files["out/result.txt"] != "built by "+b.ID+"\n" {
		t.Fatalf("artifact %q", files)
	}

	// A curated image still runs on the host.
	h.project("onhost", "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"src $CODEBUILD_SRC_DIR\"\n")
	b = h.run(StartBuildInput{ProjectName: "onhost"})
	if log := h.logs.text(b); b.BuildStatus != StatusSucceeded || !strings.Contains(log, "\nsrc "+filepath.Join(h.dir, "builds")) {
		t.Fatalf("%s\n%s", b.BuildStatus, log)
	}
}

// checkProvisioningFault checks that a build failed to provision (FAULT,
// PROVISIONING FAULT) with msg in PROVISIONING's phase context.
func checkProvisioningFault(t *testing.T, h *harness, b *Build, msg string) {
	t.Helper()
	pc := phaseContext(b, PhaseProvisioning)
	log := h.logs.text(b)
	p := b.phase(PhaseProvisioning)
	if b.BuildStatus != StatusFault || p == nil || p.PhaseStatus != StatusFault || pc.StatusCode != "BUILD_CONTAINER_UNABLE_TO_START" || !strings.Contains(pc.Message, msg) {
		t.Fatalf("%s %s %+v\n%s", b.BuildStatus, phases(b), pc, log)
	}
	// The engine logs no "Phase complete"/context lines for PROVISIONING
	// (run.go, end), so the message is in the phase context only.
	if !strings.Contains(log, msg) {
		t.Logf("the build log does not carry the provisioning error:\n%s", log)
	}
	if slices.ContainsFunc(b.Phases, func(p BuildPhase) bool { return p.PhaseType == PhaseBuild }) {
		t.Fatalf("BUILD ran: %s", phases(b))
	}
}

func TestDockerBuildMissingImage(t *testing.T) {
	d := testDocker(t)
	h := newHarness(t, withRunner(d, runner.PolicyAuto))
	h.project("missing", "version: 0.2\nphases:\n  build:\n    commands: [echo]\n", inImage("skiff-test/no-such-image:1"))
	b := h.run(StartBuildInput{ProjectName: "missing"})
	checkProvisioningFault(t, h, b, `CodeBuild image "skiff-test/no-such-image:1" is not present in the local Docker engine; build or load it first (docker build/load/import)`)
}

// TestDockerBuildNoEngine needs no engine: it points the runner at none.
func TestDockerBuildNoEngine(t *testing.T) {
	d, err := runner.NewDocker(t.TempDir(), runner.DockerOptions{Host: "unix:///nonexistent/docker.sock"})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, withRunner(d, runner.PolicyDocker))
	h.project("noengine", "version: 0.2\nphases:\n  build:\n    commands: [echo]\n")
	b := h.run(StartBuildInput{ProjectName: "noengine"})
	checkProvisioningFault(t, h, b, "no Docker engine reachable at unix:///nonexistent/docker.sock: ")
}

// TestDockerBuildOverhead compares a 20-command build on both runners
// (go test -v -run DockerBuildOverhead shows the times).
func TestDockerBuildOverhead(t *testing.T) {
	d := testDocker(t)
	h := newHarness(t, withRunner(d, runner.PolicyAuto))
	spec := "version: 0.2\nphases:\n  build:\n    commands:\n" + strings.Repeat("      - echo step\n", 20)
	h.project("onhost", spec)
	h.project("indocker", spec, inImage(dockerTestImage))
	const runs = 5
	for _, name := range []string{"onhost", "indocker"} {
		var times []time.Duration
		for range runs {
			start := time.Now()
			b := h.run(StartBuildInput{ProjectName: name})
			times = append(times, time.Since(start))
			if b.BuildStatus != StatusSucceeded {
				t.Fatalf("%s: %s\n%s", name, b.BuildStatus, h.logs.text(b))
			}
		}
		slices.Sort(times)
		t.Logf("%s: StartBuild to SUCCEEDED, 20 commands: min %v median %v max %v", name, times[0], times[runs/2], times[runs-1])
	}
}

// TestDockerRestartRecovery: after a crash, a build that ran in a
// container ends as FAULT and the restarted engine's Reap removes its
// container (and so its processes) and directory.
func TestDockerRestartRecovery(t *testing.T) {
	d := testDocker(t)
	h := newHarness(t, withRunner(d, runner.PolicyAuto))
	deps := h.e.deps
	frozen := &atomic.Bool{}
	crashedDeps := deps
	crashedDeps.Logs = &frozenLogs{Logs: deps.Logs, frozen: frozen}
	crashedDeps.Runner = &frozenRunner{Runner: deps.Runner, frozen: frozen}
	crashed, err := New(&frozenStore{Store: h.st, frozen: frozen}, h.e.clk, crashedDeps, nil)
	if err != nil {
		t.Fatal(err)
	}
	crashed.Start(context.Background())
	defer crashed.Close()
	h.e = crashed
	h.project("crash", sleepTree, inImage(dockerTestImage))
	b, err := h.e.StartBuild(h.ctx, StartBuildInput{ProjectName: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	h.waitPhase(b.ID, PhaseBuild)
	containers := func() []string {
		list, err := d.Client().ContainerList(context.Background(), client.ContainerListOptions{All: true,
			Filters: client.Filters{}.Add("label", "skiff.build="+b.ID)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list.Items {
			names = append(names, c.Names...)
		}
		return names
	}
	if os.Getuid() == 0 {
		waitProcs(t, b, 4) // the container's processes are this machine's
	}
	if len(containers()) != 1 {
		t.Fatalf("containers %v", containers())
	}

	frozen.Store(true)
	h.startEngine(t, deps)
	r := h.wait(b.ID)
	if pc := phaseContext(r, PhaseBuild); r.BuildStatus != StatusFault || pc.StatusCode != "BUILD_INTERRUPTED" {
		t.Fatalf("interrupted build: %s %s %+v", r.BuildStatus, phases(r), pc)
	}
	if names := containers(); len(names) > 0 {
		t.Fatalf("containers survived the restart: %v", names)
	}
	noSurvivors(t, r)
}
