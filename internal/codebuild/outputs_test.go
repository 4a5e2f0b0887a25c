package codebuild

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// goApp is a small Go module with a test, like the Go samples in AWS's
// documentation.
var goApp = map[string]string{
	"go.mod": "module example.com/hello\n\ngo 1.21\n",
	"main.go": `package main

import "fmt"

func Greeting() string { return "Hello, CodeBuild" }

func main() { fmt.Println(Greeting()) }
`,
	"main_test.go": `package main

import "testing"

func TestGreeting(t *testing.T) {
	if Greeting() != "Hello, CodeBuild" {
		t.Fatal("wrong greeting")
	}
}
`,
	"web/index.html":  "<h1>hi</h1>",
	"web/app.js":      "console.log('hi')",
	"web/tmp/x.tmp":   "scratch",
	"package.json":    `{"name":"web","version":"1.0.0"}`,
	"reports/cov.xml": "",
}

const goBuildspec = `version: 0.2
env:
  variables:
    CGO_ENABLED: "0"
  exported-variables:
    - IMAGE_TAG
    - APP_VERSION
phases:
  install:
    runtime-versions:
      golang: 1.21
      nodejs: 18
    commands:
      - go version
      - node --version
  pre_build:
    commands:
      - export IMAGE_TAG=build-$CODEBUILD_BUILD_NUMBER
      - mkdir -p out reports
  build:
    commands:
      - go build -o out/hello .
      - ./out/hello
      - node -e "console.log(require('./package.json').version)" > out/version.txt
      - python3 -c "print('python ok')"
      - printf '<testsuite name="go"><testcase classname="hello" name="TestGreeting" time="0.01"/><testcase classname="hello" name="TestBroken" time="0.02"><failure message="boom">stack</failure></testcase></testsuite>' > reports/junit.xml
      - printf '<coverage><packages><package><classes><class filename="main.go"><lines><line number="1" hits="1"/><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>' > reports/cobertura.xml
  post_build:
    commands:
      - export APP_VERSION=$(cat out/version.txt)
reports:
  unit:
    files: ["junit.xml"]
    base-directory: reports
    file-format: JUNITXML
  coverage:
    files: ["reports/cobertura.xml"]
    file-format: coberturaxml
artifacts:
  files:
    - out/hello
    - out/version.txt
  name: app-$IMAGE_TAG.zip
  secondary-artifacts:
    web:
      base-directory: web
      files:
        - '**/*'
      exclude-paths:
        - 'tmp/**/*'
    flat:
      files:
        - out/*
      discard-paths: yes
`

// TestGoBuildEndToEnd: a CodeCommit source, a Go/Node/Python buildspec,
// exported variables, artifacts with a BUILD_ID namespace and a shell
// evaluated name, secondary artifacts, and test and coverage reports.
func TestGoBuildEndToEnd(t *testing.T) {
	h := newHarness(t)
	files := map[string]string{"buildspec.yml": goBuildspec}
	for k, v := range goApp {
		files[k] = v
	}
	repo, commit := gitRepo(t, files)
	h.sources.repos["app"] = repo
	h.project("goapp", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "CODECOMMIT", Location: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/app"}
		in.Artifacts = &ProjectArtifacts{Type: "S3", Location: "artifacts", Path: "builds", NamespaceType: "BUILD_ID",
			Name: "default.zip", Packaging: "ZIP", OverrideArtifactName: ptr(true)}
		in.SecondaryArtifacts = []ProjectArtifacts{
			{Type: "S3", Location: "artifacts", Path: "web", Packaging: "NONE", Name: "site", ArtifactIdentifier: "web"},
			{Type: "S3", Location: "artifacts", Name: "flat.zip", Packaging: "ZIP", ArtifactIdentifier: "flat"},
		}
	})
	b := h.run(StartBuildInput{ProjectName: "goapp", SourceVersion: "main"})
	log := h.logs.text(b)
	if b.BuildStatus != StatusSucceeded {
		t.Fatalf("status %s %s\n%s", b.BuildStatus, phases(b), log)
	}
	for _, want := range []string{"Hello, CodeBuild", "python ok", "go version go1.", "Selecting 'golang' runtime version '1.21' based on manual selections...", "Found 2 file(s)"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if b.ResolvedSourceVersion != commit || b.SourceVersion != "main" {
		t.Errorf("versions %q %q, want commit %s", b.SourceVersion, b.ResolvedSourceVersion, commit)
	}
	vars := h.e.ExportedVariables(b)
	if vars["IMAGE_TAG"] != "build-1" || vars["APP_VERSION"] != "1.0.0" {
		t.Errorf("exported %v", vars)
	}
	uuid := buildUUID(b.ID)
	key := "artifacts/builds/" + uuid + "/app-build-1.zip"
	if b.Artifacts.Location != "arn:aws:s3:::"+key || len(b.Artifacts.Sha256Sum) != 64 || len(b.Artifacts.Md5Sum) != 32 {
		t.Errorf("artifacts %+v", b.Artifacts)
	}
	entries := h.objects.zipEntries(t, key)
	if len(entries) != 2 || entries["out/version.txt"] != "1.0.0\n" || entries["out/hello"] == "" {
		t.Errorf("zip entries %v", keysOf(entries))
	}
	if len(b.SecondaryArtifacts) != 2 {
		t.Fatalf("secondary %+v", b.SecondaryArtifacts)
	}
	if got, _ := h.objects.get("artifacts/web/site/index.html"); string(got) != "<h1>hi</h1>" {
		t.Errorf("web/index.html = %q (objects %v)", got, h.objects.keys())
	}
	if _, ok := h.objects.get("artifacts/web/site/tmp/x.tmp"); ok {
		t.Error("excluded file uploaded")
	}
	flat := h.objects.zipEntries(t, "artifacts/flat.zip")
	if _, ok := flat["hello"]; !ok || len(flat) != 2 {
		t.Errorf("flat zip %v", keysOf(flat))
	}
	if t.Failed() {
		t.Log(log)
	}

	// Reports: groups named <project>-<name>, created on first use.
	if len(b.ReportArns) != 2 {
		t.Fatalf("report arns %v\n%s", b.ReportArns, log)
	}
	reports, missing, err := h.e.BatchGetReports(h.ctx, b.ReportArns)
	if err != nil || len(missing) > 0 {
		t.Fatal(err, missing)
	}
	var test, cov *Report
	for _, r := range reports {
		if r.Type == ReportTypeTest {
			test = r
		} else {
			cov = r
		}
	}
	if test == nil || test.ReportGroupArn != "arn:aws:codebuild:us-east-1:123456789012:report-group/goapp-unit" ||
		test.Status != "FAILED" || test.TestSummary.Total != 2 || test.TestSummary.StatusCounts["FAILED"] != 1 || test.ExecutionID != b.ARN {
		t.Fatalf("test report %+v %+v", test, test.TestSummary)
	}
	if cov == nil || cov.CodeCoverageSummary.LineCoveragePercentage != 50 || cov.CodeCoverageSummary.LinesCovered != 1 {
		t.Fatalf("coverage report %+v", cov)
	}
	cases, _, err := h.e.DescribeTestCases(h.ctx, test.ARN, "", nil, "FAILED", "")
	if err != nil || len(cases) != 1 || cases[0].Name != "TestBroken" || cases[0].Message != "boom\nstack" || cases[0].TestSuiteName != "go" || cases[0].Prefix != "hello" {
		t.Fatalf("failed cases %+v %v", cases, err)
	}
	covs, _, err := h.e.DescribeCodeCoverages(h.ctx, cov.ARN, "", nil, "", "", nil, nil)
	if err != nil || len(covs) != 1 || covs[0].FilePath != "main.go" {
		t.Fatalf("coverages %+v %v", covs, err)
	}
	// A second build makes a trend.
	h.run(StartBuildInput{ProjectName: "goapp"})
	stats, raw, err := h.e.GetReportGroupTrend(h.ctx, test.ReportGroupArn, nil, "PASS_RATE")
	if err != nil || len(raw) != 2 || stats.Average != "50" || stats.Max != "50" || raw[0].Data != "50" {
		t.Fatalf("trend %+v %+v %v", stats, raw, err)
	}
	stats, _, _ = h.e.GetReportGroupTrend(h.ctx, test.ReportGroupArn, nil, "TOTAL")
	if stats.Average != "2" {
		t.Fatalf("TOTAL trend %+v", stats)
	}
	arns, _, _ := h.e.ListReportsForReportGroup(h.ctx, test.ReportGroupArn, "", "", nil, "")
	if len(arns) != 2 {
		t.Fatalf("reports of the group %v", arns)
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestArtifactSafety(t *testing.T) {
	h := newHarness(t)
	art := func(in *ProjectInput) {
		in.Artifacts = &ProjectArtifacts{Type: "S3", Location: "out", Packaging: "ZIP", Name: "a.zip"}
	}
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret"), "host secret")
	for _, c := range []struct{ name, files, setup, want string }{
		{"dotdot", "['../x']", "true", "paths may not leave the source directory"},
		{"absolute", "['/etc/passwd']", "true", "absolute paths are not allowed"},
		{"symlink-out", "['link']", "ln -s " + filepath.Join(outside, "secret") + " link", "symlink points outside the source directory"},
		{"nothing", "['nope/*']", "true", "no matching artifact paths found"},
	} {
		h.project(c.name, "version: 0.2\nphases:\n  build:\n    commands: ['"+strings.ReplaceAll(c.setup, "'", "''")+"']\nartifacts:\n  files: "+c.files+"\n", art)
		b := h.run(StartBuildInput{ProjectName: c.name})
		pc := phaseContext(b, PhaseUploadArtifacts)
		if b.BuildStatus != StatusFailed || pc.StatusCode != "CLIENT_ERROR" || !strings.Contains(pc.Message, c.want) {
			t.Errorf("%s: %s %+v", c.name, b.BuildStatus, pc)
		}
	}
	for _, k := range h.objects.keys() {
		if b, _ := h.objects.get(k); strings.Contains(string(b), "host secret") {
			t.Fatalf("host file leaked into %s", k)
		}
	}
}

// TestCache: the second build restores what the first saved, for S3 and
// LOCAL caches, keyed with fallback keys and unkeyed.
func TestCache(t *testing.T) {
	h := newHarness(t)
	spec := `version: 0.2
phases:
  build:
    commands:
      - if [ -f deps/installed ]; then echo "cache hit $(cat deps/installed)"; else echo cache miss; mkdir -p deps && echo $CODEBUILD_BUILD_NUMBER > deps/installed; fi
cache:
  paths:
    - deps/**/*
`
	h.project("s3cache", spec, func(in *ProjectInput) { in.Cache = &ProjectCache{Type: "S3", Location: "cache-bucket/goapp"} })
	h.project("localcache", spec, func(in *ProjectInput) {
		in.Cache = &ProjectCache{Type: "LOCAL", Modes: []string{"LOCAL_CUSTOM_CACHE", "LOCAL_SOURCE_CACHE"}}
	})
	for _, p := range []string{"s3cache", "localcache"} {
		b1 := h.run(StartBuildInput{ProjectName: p})
		b2 := h.run(StartBuildInput{ProjectName: p})
		if !strings.Contains(h.logs.text(b1), "\ncache miss\n") || !strings.Contains(h.logs.text(b2), "\ncache hit 1\n") {
			t.Fatalf("%s: first\n%s\nsecond\n%s", p, h.logs.text(b1), h.logs.text(b2))
		}
	}
	if _, ok := h.objects.get("cache-bucket/goapp/codebuild-cache.zip"); !ok {
		t.Fatalf("S3 cache object missing: %v", h.objects.keys())
	}
	// InvalidateProjectCache: the next build misses again.
	if err := h.e.InvalidateProjectCache(h.ctx, "localcache"); err != nil {
		t.Fatal(err)
	}
	if b := h.run(StartBuildInput{ProjectName: "localcache"}); !strings.Contains(h.logs.text(b), "\ncache miss\n") {
		t.Fatalf("after invalidation:\n%s", h.logs.text(b))
	}

	// Keyed caches: an exact key, then a fallback prefix; a keyed cache is
	// never overwritten.
	keyed := `version: 0.2
phases:
  build:
    commands:
      - if [ -f deps/v ]; then echo "restored $(cat deps/v)"; else echo nothing restored; fi
      - mkdir -p deps && echo "$LOCK" > deps/v && echo "$LOCK" > lock.txt
cache:
  key: deps-$(codebuild-hash-files lock.txt)-$LOCK
  fallback-keys:
    - deps-
  paths:
    - deps/**/*
`
	h.project("keyed", keyed, func(in *ProjectInput) { in.Cache = &ProjectCache{Type: "S3", Location: "cache-bucket/keyed"} })
	lock := func(v string) []EnvironmentVariable { return []EnvironmentVariable{{Name: "LOCK", Value: v}} }
	b1 := h.run(StartBuildInput{ProjectName: "keyed", EnvironmentVariablesOverride: lock("one")})
	b2 := h.run(StartBuildInput{ProjectName: "keyed", EnvironmentVariablesOverride: lock("one")})
	b3 := h.run(StartBuildInput{ProjectName: "keyed", EnvironmentVariablesOverride: lock("two")})
	for _, c := range []struct {
		b    *Build
		want string
	}{{b1, "nothing restored"}, {b2, "restored one"}, {b3, "restored one"}} {
		if !strings.Contains(h.logs.text(c.b), "\n"+c.want+"\n") {
			t.Fatalf("want %q:\n%s", c.want, h.logs.text(c.b))
		}
	}
	if !strings.Contains(h.logs.text(b2), "already exists") {
		t.Fatalf("keyed cache overwritten:\n%s", h.logs.text(b2))
	}
}

func TestSources(t *testing.T) {
	h := newHarness(t)
	spec := "version: 0.2\nphases:\n  build:\n    commands:\n      - cat hello.txt\n      - echo resolved=$CODEBUILD_RESOLVED_SOURCE_VERSION\n"
	repo, commit := gitRepo(t, map[string]string{"buildspec.yml": spec, "hello.txt": "from git"})

	// GITHUB-style source fetched with git from a local URL.
	h.project("git", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "GITHUB", Location: "file://" + repo, GitCloneDepth: ptr[int32](1)}
	})
	b := h.run(StartBuildInput{ProjectName: "git"})
	if b.BuildStatus != StatusSucceeded || !strings.Contains(h.logs.text(b), "\nfrom git\n") || !strings.Contains(h.logs.text(b), "\nresolved="+commit) {
		t.Fatalf("git source: %s\n%s", b.BuildStatus, h.logs.text(b))
	}
	b = h.run(StartBuildInput{ProjectName: "git", SourceVersion: commit[:10]})
	if b.BuildStatus != StatusSucceeded || b.ResolvedSourceVersion != commit {
		t.Fatalf("git source at a commit: %s %s\n%s", b.BuildStatus, b.ResolvedSourceVersion, h.logs.text(b))
	}
	b = h.run(StartBuildInput{ProjectName: "git", SourceVersion: "no-such-branch"})
	if pc := phaseContext(b, PhaseDownloadSource); b.BuildStatus != StatusFailed || pc.StatusCode != "CLIENT_ERROR" {
		t.Fatalf("missing branch: %s %+v", b.BuildStatus, pc)
	}

	// CodeCommit: an unknown repository.
	h.project("cc", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "CODECOMMIT", Location: "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/missing"}
	})
	b = h.run(StartBuildInput{ProjectName: "cc"})
	if pc := phaseContext(b, PhaseDownloadSource); pc.StatusCode != "CLIENT_ERROR" || !strings.Contains(pc.Message, "repository not found for primary source") {
		t.Fatalf("missing repository: %+v", pc)
	}

	// S3 zip source, with a secondary source from git and a buildspec
	// override that reads both.
	h.objects.objects["src-bucket/app.zip"] = makeZip(t, map[string]string{"buildspec.yml": spec, "hello.txt": "from s3", "dir/nested.txt": "nested"})
	h.project("s3src", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "S3", Location: "src-bucket/app.zip"}
		in.SecondarySources = []ProjectSource{{Type: "GITHUB", Location: "file://" + repo, SourceIdentifier: "lib"}}
	})
	b = h.run(StartBuildInput{ProjectName: "s3src", BuildspecOverride: "version: 0.2\nphases:\n  build:\n    commands:\n      - cat hello.txt dir/nested.txt $CODEBUILD_SRC_DIR_lib/hello.txt\n"})
	if b.BuildStatus != StatusSucceeded || !strings.Contains(h.logs.text(b), "from s3nestedfrom git") {
		t.Fatalf("s3 source: %s\n%s", b.BuildStatus, h.logs.text(b))
	}

	// Zip slip in an S3 source is refused.
	h.objects.objects["src-bucket/evil.zip"] = makeZip(t, map[string]string{"buildspec.yml": spec, "../../evil.txt": "x"})
	h.project("evil", "", func(in *ProjectInput) { in.Source = &ProjectSource{Type: "S3", Location: "src-bucket/evil.zip"} })
	b = h.run(StartBuildInput{ProjectName: "evil"})
	if pc := phaseContext(b, PhaseDownloadSource); pc.StatusCode != "CLIENT_ERROR" || !strings.Contains(pc.Message, "refusing to extract") {
		t.Fatalf("zip slip: %+v", pc)
	}
	matches, _ := filepath.Glob(filepath.Join(h.dir, "**", "evil.txt"))
	if len(matches) > 0 {
		t.Fatalf("evil.txt written: %v", matches)
	}
}

// TestPipeline: the entry point a pipeline uses, with input artifacts as
// sources, output artifacts as zips and exported variables read back.
func TestPipeline(t *testing.T) {
	h := newHarness(t)
	h.objects.objects["pipeline/in/SourceArtifact.zip"] = makeZip(t, map[string]string{"app.txt": "app v1", "buildspec.yml": `version: 0.2
env:
  exported-variables: [VERSION]
phases:
  build:
    commands:
      - export VERSION=$(cat app.txt | cut -d' ' -f2)
      - cat $CODEBUILD_SRC_DIR_ConfigArtifact/config.txt
      - mkdir -p dist && cp app.txt dist/ && echo cfg > config.out
artifacts:
  files: [dist/app.txt]
  secondary-artifacts:
    ConfigOut:
      files: [config.out]
`})
	h.objects.objects["pipeline/in/ConfigArtifact.zip"] = makeZip(t, map[string]string{"config.txt": "config from pipeline"})
	h.project("pipe", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "CODEPIPELINE"}
		in.Artifacts = &ProjectArtifacts{Type: "CODEPIPELINE"}
	})
	var completed *Build
	done := make(chan struct{})
	cancel := h.e.OnBuildComplete(func(cb *Build) {
		if cb.ProjectName == "pipe" {
			completed = cb
			close(done)
		}
	})
	defer cancel()
	b, err := h.e.StartBuild(h.ctx, StartBuildInput{
		ProjectName: "pipe", Initiator: "codepipeline/my-pipeline",
		InputArtifacts: []InputArtifact{
			{Name: "SourceArtifact", Bucket: "pipeline", Key: "in/SourceArtifact.zip"},
			{Name: "ConfigArtifact", Bucket: "pipeline", Key: "in/ConfigArtifact.zip"},
		},
		PrimarySource: "SourceArtifact",
		OutputArtifacts: []OutputArtifact{
			{Name: "BuildArtifact", Bucket: "pipeline", Key: "out/BuildArtifact.zip"},
			{Name: "ConfigOut", Bucket: "pipeline", Key: "out/ConfigOut.zip"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b = h.wait(b.ID)
	<-done
	if b.BuildStatus != StatusSucceeded || completed.BuildStatus != StatusSucceeded {
		t.Fatalf("%s\n%s", b.BuildStatus, h.logs.text(b))
	}
	if v := h.e.ExportedVariables(completed)["VERSION"]; v != "v1" {
		t.Fatalf("VERSION = %q", v)
	}
	if !strings.Contains(h.logs.text(b), "config from pipeline") || b.Initiator != "codepipeline/my-pipeline" {
		t.Fatalf("log:\n%s", h.logs.text(b))
	}
	if e := h.objects.zipEntries(t, "pipeline/out/BuildArtifact.zip"); e["dist/app.txt"] != "app v1" {
		t.Fatalf("primary output %v", e)
	}
	if e := h.objects.zipEntries(t, "pipeline/out/ConfigOut.zip"); e["config.out"] != "cfg\n" {
		t.Fatalf("secondary output %v", e)
	}
	if b.Artifacts.Location != "arn:aws:s3:::pipeline/out/BuildArtifact.zip" {
		t.Fatalf("artifacts %+v", b.Artifacts)
	}
}

// TestBuildBatch: a build graph runs each build after the ones it depends
// on, with CODEBUILD_BATCH_BUILD_IDENTIFIER set; a build list with a
// failing build fails the batch.
func TestBuildBatch(t *testing.T) {
	h := newHarness(t)
	h.project("batch", `version: 0.2
batch:
  build-graph:
    - identifier: first
      env:
        variables:
          STEP: one
    - identifier: second
      depend-on: [first]
      env:
        variables:
          STEP: two
    - identifier: third
      depend-on: [first]
phases:
  build:
    commands:
      - echo "batch build $CODEBUILD_BATCH_BUILD_IDENTIFIER step=$STEP" >> "$OUT"
`)
	out := filepath.Join(h.dir, "order.txt")
	bb, err := h.e.StartBuildBatch(h.ctx, StartBuildBatchInput{ProjectName: "batch",
		EnvironmentVariablesOverride: []EnvironmentVariable{{Name: "OUT", Value: out}}})
	if err != nil {
		t.Fatal(err)
	}
	got := h.waitBatch(bb.ID)
	if got.BuildBatchStatus != StatusSucceeded || len(got.BuildGroups) != 3 {
		t.Fatalf("batch %s %+v", got.BuildBatchStatus, got.BuildGroups)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "batch build first step=one" {
		t.Fatalf("order %q", lines)
	}
	var types []string
	for _, p := range got.Phases {
		types = append(types, p.PhaseType+":"+p.PhaseStatus)
	}
	if strings.Join(types, " ") != "SUBMITTED:SUCCEEDED DOWNLOAD_BATCHSPEC:SUCCEEDED IN_PROGRESS:SUCCEEDED SUCCEEDED:" {
		t.Fatalf("batch phases %v", types)
	}
	for _, g := range got.BuildGroups {
		if g.CurrentBuildSummary == nil || g.CurrentBuildSummary.BuildStatus != StatusSucceeded {
			t.Fatalf("group %+v", g)
		}
		b, err := h.e.GetBuild(h.ctx, g.CurrentBuildSummary.ARN)
		if err != nil || b.BuildBatchArn != got.ARN {
			t.Fatalf("build of group %s: %v %v", g.Identifier, b, err)
		}
	}

	h.project("list", `version: 0.2
batch:
  build-list:
    - identifier: ok
    - identifier: broken
      env:
        variables:
          FAIL: "1"
phases:
  build:
    commands:
      - test -z "$FAIL"
`)
	bb, err = h.e.StartBuildBatch(h.ctx, StartBuildBatchInput{ProjectName: "list"})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.waitBatch(bb.ID); got.BuildBatchStatus != StatusFailed {
		t.Fatalf("failing batch: %s", got.BuildBatchStatus)
	}
	ids, _, err := h.e.ListBuildBatches(h.ctx, "", "", "", "", nil)
	if err != nil || len(ids) != 2 || ids[0] != bb.ID {
		t.Fatalf("ListBuildBatches %v %v", ids, err)
	}
	// A buildspec without a batch section fails in DOWNLOAD_BATCHSPEC.
	h.project("nobatch", "version: 0.2\nphases:\n  build:\n    commands: [echo]\n")
	bb, _ = h.e.StartBuildBatch(h.ctx, StartBuildBatchInput{ProjectName: "nobatch"})
	if got := h.waitBatch(bb.ID); got.BuildBatchStatus != StatusFailed || got.Phases[1].PhaseStatus != StatusFailed {
		t.Fatalf("no batch section: %s %+v", got.BuildBatchStatus, got.Phases)
	}
}

func (h *harness) waitBatch(id string) *BuildBatch {
	h.t.Helper()
	for i := 0; i < 3000; i++ {
		bs, _, err := h.e.BatchGetBuildBatches(h.ctx, []string{id})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(bs) == 1 && bs[0].Complete {
			return bs[0]
		}
		sleep10ms()
	}
	h.t.Fatalf("batch %s did not complete", id)
	return nil
}

// TestPipelineBatch: a pipeline's batch build gets the input artifacts in
// every build and one output artifact combining the builds' artifacts under
// their identifiers.
func TestPipelineBatch(t *testing.T) {
	h := newHarness(t)
	h.objects.objects["pipeline/in/src.zip"] = makeZip(t, map[string]string{"buildspec.yml": `version: 0.2
batch:
  build-list:
    - identifier: linux
      env:
        variables: {OS: linux}
    - identifier: mac
      env:
        variables: {OS: mac}
phases:
  build:
    commands:
      - echo "built for $OS at $CODEBUILD_RESOLVED_SOURCE_VERSION" > out.txt
artifacts:
  files: [out.txt]
`})
	h.project("pbatch", "", func(in *ProjectInput) {
		in.Source = &ProjectSource{Type: "CODEPIPELINE"}
		in.Artifacts = &ProjectArtifacts{Type: "CODEPIPELINE"}
	})
	bb, err := h.e.StartBuildBatch(h.ctx, StartBuildBatchInput{ProjectName: "pbatch", SourceVersion: "abc123",
		InputArtifacts:  []InputArtifact{{Name: "Src", Bucket: "pipeline", Key: "in/src.zip"}},
		OutputArtifacts: []OutputArtifact{{Name: "Out", Bucket: "pipeline", Key: "out/Out.zip"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.e.WaitBuildBatch(h.ctx, bb.ARN)
	if err != nil || got.BuildBatchStatus != StatusSucceeded {
		t.Fatalf("batch %v %+v", err, got)
	}
	e := h.objects.zipEntries(t, "pipeline/out/Out.zip")
	if e["linux/out.txt"] != "built for linux at abc123\n" || e["mac/out.txt"] != "built for mac at abc123\n" {
		t.Fatalf("combined artifact %v", e)
	}
	if p := got.Phases[len(got.Phases)-2]; p.PhaseType != "COMBINE_ARTIFACTS" || p.PhaseStatus != StatusSucceeded {
		t.Fatalf("phases %+v", got.Phases)
	}
}
