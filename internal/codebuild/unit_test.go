package codebuild

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
)

func TestMasker(t *testing.T) {
	m := newMasker([]string{"s3cr3t", "", "s3cr3t-longer", "line one\nline two\nab"})
	for _, c := range []struct{ in, want string }{
		{"value s3cr3t here", "value *** here"},
		{"s3cr3t-longer wins over its prefix", "*** wins over its prefix"},
		{"line two alone", "*** alone"},
		{"ab is too short to mask on its own", "ab is too short to mask on its own"},
		{"nothing", "nothing"},
	} {
		if got := m.apply(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var none *masker
	if none.apply("x") != "x" || newMasker(nil) != nil {
		t.Fatal("nil masker")
	}
}

// TestEnvPrecedence: StartBuild override > project > buildspec; CodeBuild's
// own CODEBUILD_ values win over all; AWS_ values it provides can be
// replaced.
func TestEnvPrecedence(t *testing.T) {
	for _, c := range []struct {
		name     string
		spec     []buildspec.KV
		project  []EnvironmentVariable // project variables followed by overrides, as newBuild merges them
		override []EnvironmentVariable
		want     map[string]string
	}{
		{
			name: "buildspec only",
			spec: []buildspec.KV{{Name: "A", Value: "spec"}},
			want: map[string]string{"A": "spec"},
		},
		{
			name:    "project beats buildspec",
			spec:    []buildspec.KV{{Name: "A", Value: "spec"}},
			project: []EnvironmentVariable{{Name: "A", Value: "project"}},
			want:    map[string]string{"A": "project"},
		},
		{
			name:     "override beats project",
			spec:     []buildspec.KV{{Name: "A", Value: "spec"}},
			project:  []EnvironmentVariable{{Name: "A", Value: "project"}},
			override: []EnvironmentVariable{{Name: "A", Value: "override"}},
			want:     map[string]string{"A": "override"},
		},
		{
			name: "values are literal",
			spec: []buildspec.KV{{Name: "PATH", Value: "$PATH:/extra"}},
			want: map[string]string{"PATH": "$PATH:/extra"},
		},
		{
			name:     "CODEBUILD_ names are reserved",
			spec:     []buildspec.KV{{Name: "CODEBUILD_BUILD_ID", Value: "spec"}},
			override: []EnvironmentVariable{{Name: "CODEBUILD_SRC_DIR", Value: "override"}},
			want:     map[string]string{"CODEBUILD_BUILD_ID": "p:1", "CODEBUILD_SRC_DIR": "/src"},
		},
		{
			name:    "AWS_ values can be replaced",
			project: []EnvironmentVariable{{Name: "AWS_REGION", Value: "eu-west-1"}},
			want:    map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			vars := append(append([]EnvironmentVariable{}, c.project...), c.override...)
			// newBuild replaces project variables with same-named overrides.
			merged := []EnvironmentVariable{}
			for _, v := range vars {
				replaced := false
				for i := range merged {
					if merged[i].Name == v.Name {
						merged[i], replaced = v, true
					}
				}
				if !replaced {
					merged = append(merged, v)
				}
			}
			sink := newLogSink(h.ctx, nil, "", "", nil, nil)
			defer sink.close()
			x := &execution{e: h.e, ctx: h.ctx, sink: sink, buildSrc: "/src", secondary: map[string]*secondarySource{},
				rec: &buildRecord{Account: "123456789012", Region: "us-east-1", Build: Build{ID: "p:1", ProjectName: "p",
					Environment: ProjectEnvironment{EnvironmentVariables: merged}}}}
			spec := &buildspec.Spec{Env: buildspec.Env{Variables: c.spec}}
			user, pc := x.resolveUserVars(spec)
			if pc != nil {
				t.Fatal(pc)
			}
			env := map[string]string{}
			for _, kv := range x.buildEnv(user) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			for k, v := range c.want {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
		})
	}
}

func TestValidation(t *testing.T) {
	h := newHarness(t)
	base := func() ProjectInput {
		return ProjectInput{
			Name:        "valid",
			Source:      &ProjectSource{Type: "NO_SOURCE", Buildspec: "version: 0.2"},
			Artifacts:   &ProjectArtifacts{Type: "NO_ARTIFACTS"},
			Environment: &ProjectEnvironment{Type: "LINUX_CONTAINER", Image: "i", ComputeType: "BUILD_GENERAL1_SMALL"},
			ServiceRole: "r",
		}
	}
	for _, c := range []struct {
		name string
		mod  func(*ProjectInput)
		want string
	}{
		{"short name", func(in *ProjectInput) { in.Name = "a" }, "Member must have length greater than or equal to 2"},
		{"bad name", func(in *ProjectInput) { in.Name = "-bad name" }, "Member must satisfy regular expression pattern"},
		{"timeout low", func(in *ProjectInput) { in.TimeoutInMinutes = ptr[int32](4) }, "Value '4' at 'timeoutInMinutes' failed to satisfy constraint: Member must have value greater than or equal to 5"},
		{"timeout high", func(in *ProjectInput) { in.TimeoutInMinutes = ptr[int32](2161) }, "less than or equal to 2160"},
		{"queued timeout", func(in *ProjectInput) { in.QueuedTimeoutInMinutes = ptr[int32](481) }, "less than or equal to 480"},
		{"compute type", func(in *ProjectInput) { in.Environment.ComputeType = "HUGE" }, "Member must satisfy enum value set"},
		{"no source location", func(in *ProjectInput) { in.Source = &ProjectSource{Type: "S3"} }, "Project source location is required"},
		{"no buildspec", func(in *ProjectInput) { in.Source = &ProjectSource{Type: "NO_SOURCE"} }, "buildspec must be specified"},
		{"pipeline mismatch", func(in *ProjectInput) { in.Source = &ProjectSource{Type: "CODEPIPELINE"} }, "when using CodePipeline both sourceType, and artifactType must be set to: CODEPIPELINE"},
		{"artifact location", func(in *ProjectInput) { in.Artifacts = &ProjectArtifacts{Type: "S3"} }, "artifact location is required"},
		{"no-artifacts location", func(in *ProjectInput) { in.Artifacts = &ProjectArtifacts{Type: "NO_ARTIFACTS", Location: "b"} }, "NO_ARTIFACTS should have null location"},
		{"secondary identifier", func(in *ProjectInput) {
			in.SecondaryArtifacts = []ProjectArtifacts{{Type: "S3", Location: "b", ArtifactIdentifier: "bad-id"}}
		}, "identifier must contain only alphanumeric characters and underscores"},
		{"cache location", func(in *ProjectInput) { in.Cache = &ProjectCache{Type: "S3"} }, "location is required for cache type S3"},
		{"local cache modes", func(in *ProjectInput) { in.Cache = &ProjectCache{Type: "LOCAL"} }, "modes are required"},
		{"concurrency", func(in *ProjectInput) { in.ConcurrentBuildLimit = ptr[int32](0) }, "concurrent build limit"},
		{"s3 logs", func(in *ProjectInput) { in.LogsConfig = &LogsConfig{S3Logs: &S3LogsConfig{Status: "ENABLED"}} }, "S3 logs location is required"},
		{"codecommit location", func(in *ProjectInput) {
			in.Source = &ProjectSource{Type: "CODECOMMIT", Location: "https://example.com/x"}
		}, "Invalid source location"},
		{"missing environment", func(in *ProjectInput) { in.Environment = nil }, "Value null at 'environment'"},
	} {
		in := base()
		c.mod(&in)
		_, err := h.e.CreateProject(h.ctx, in)
		if !ErrInvalidInput.Is(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := h.e.CreateProject(h.ctx, base()); err != nil {
		t.Fatal(err)
	}
	// UpdateProject changes only what it is given.
	p, err := h.e.UpdateProject(h.ctx, ProjectInput{Name: "valid", TimeoutInMinutes: ptr[int32](9)})
	if err != nil || p.TimeoutInMinutes != 9 || p.Source.Type != "NO_SOURCE" || p.Environment.Image != "i" {
		t.Fatalf("update %+v %v", p, err)
	}
	if _, err := h.e.UpdateProject(h.ctx, ProjectInput{Name: "valid", TimeoutInMinutes: ptr[int32](1)}); !ErrInvalidInput.Is(err) {
		t.Fatalf("invalid update: %v", err)
	}
	for _, c := range []struct {
		in   StartBuildInput
		want string
	}{
		{StartBuildInput{ProjectName: "valid", TimeoutInMinutesOverride: ptr[int32](1)}, "timeoutInMinutesOverride"},
		{StartBuildInput{ProjectName: "valid", ComputeTypeOverride: "X"}, "computeTypeOverride"},
		{StartBuildInput{ProjectName: "valid", EnvironmentVariablesOverride: []EnvironmentVariable{{Name: "CODEBUILD_X", Value: "1"}}}, "reserved"},
	} {
		if _, err := h.e.StartBuild(h.ctx, c.in); !ErrInvalidInput.Is(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("StartBuild %+v: %v", c.in, err)
		}
	}
	if _, _, err := h.e.BatchGetBuilds(h.ctx, []string{"no-colon"}); !ErrInvalidInput.Is(err) {
		t.Fatalf("bad build id: %v", err)
	}
}

// TestLogsConfig: a custom group and stream prefix, CloudWatch Logs turned
// off, and the log uploaded to S3.
func TestLogsConfig(t *testing.T) {
	h := newHarness(t)
	h.project("logs", "version: 0.2\nphases:\n  build:\n    commands: [echo to s3]\n", func(in *ProjectInput) {
		in.LogsConfig = &LogsConfig{
			CloudWatchLogs: &CloudWatchLogsConfig{Status: "ENABLED", GroupName: "/ci/custom", StreamName: "builds"},
			S3Logs:         &S3LogsConfig{Status: "ENABLED", Location: "log-bucket/prefix"},
		}
	})
	b := h.run(StartBuildInput{ProjectName: "logs"})
	uuid := buildUUID(b.ID)
	if b.Logs.GroupName != "/ci/custom" || b.Logs.StreamName != "builds/"+uuid ||
		b.Logs.S3LogsArn != "arn:aws:s3:::log-bucket/prefix/"+uuid+".gz" {
		t.Fatalf("logs %+v", b.Logs)
	}
	data, ok := h.objects.get("log-bucket/prefix/" + uuid + ".gz")
	if !ok {
		t.Fatalf("no S3 log: %v", h.objects.keys())
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(zr)
	if !strings.Contains(string(text), "\nto s3\n") {
		t.Fatalf("S3 log:\n%s", text)
	}
	b = h.run(StartBuildInput{ProjectName: "logs", LogsConfigOverride: &LogsConfig{CloudWatchLogs: &CloudWatchLogsConfig{Status: "DISABLED"}}})
	if b.BuildStatus != StatusSucceeded || b.Logs.GroupName != "" || b.Logs.CloudWatchLogs.Status != "DISABLED" ||
		!strings.HasSuffix(b.Logs.DeepLink, "group=null;stream=null") {
		t.Fatalf("disabled logs %+v", b.Logs)
	}
}

// countingLogs keeps only counts, so a flood of output costs no memory
// in the test itself.
type countingLogs struct {
	*fakeLogs
	events, bytes, longest int
	ordered                bool
	last                   int64
}

func (c *countingLogs) Append(_ context.Context, g, s string, evs []LogEvent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range evs {
		c.events++
		c.bytes += len(ev.Message)
		c.longest = max(c.longest, len(ev.Message))
		if ev.Timestamp.UnixNano() < c.last {
			c.ordered = false
		}
		c.last = ev.Timestamp.UnixNano()
	}
	return nil
}

// TestHugeOutput: 64 MiB without a newline reaches Logs in bounded events
// and the build completes.
func TestHugeOutput(t *testing.T) {
	cl := &countingLogs{fakeLogs: newFakeLogs(), ordered: true}
	h := newHarness(t, func(d *Deps) { d.Logs = cl })
	h.project("flood", "version: 0.2\nphases:\n  build:\n    commands:\n      - head -c 67108864 /dev/zero | tr '\\0' a\n      - echo done\n")
	b := h.run(StartBuildInput{ProjectName: "flood"})
	if b.BuildStatus != StatusSucceeded {
		t.Fatalf("status %s", b.BuildStatus)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.longest != logMaxLine || cl.bytes < 64<<20 || !cl.ordered {
		t.Fatalf("events %d bytes %d longest %d ordered %v", cl.events, cl.bytes, cl.longest, cl.ordered)
	}
}
