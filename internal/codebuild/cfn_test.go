package codebuild

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func TestProjectProvider(t *testing.T) {
	h := newHarness(t)
	p := h.e.Providers()[0]
	if p.Type() != "AWS::CodeBuild::Project" {
		t.Fatal(p.Type())
	}
	env := map[string]any{
		"Type": "LINUX_CONTAINER", "Image": "aws/codebuild/standard:7.0", "ComputeType": "BUILD_GENERAL1_SMALL",
		"EnvironmentVariables": []any{map[string]any{"Name": "STAGE", "Value": "dev"}},
	}
	source := map[string]any{"Type": "NO_SOURCE", "BuildSpec": "version: 0.2\nphases:\n  build:\n    commands:\n      - echo $STAGE\n"}
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{
			"Source": source, "Artifacts": map[string]any{"Type": "NO_ARTIFACTS"}, "Environment": env,
			"ServiceRole": "arn:aws:iam::123456789012:role/cb", "TimeoutInMinutes": json.Number("15"),
			"Tags": []any{map[string]any{"Key": "team", "Value": "ci"}},
		},
		Update: map[string]any{
			"Source": source, "Artifacts": map[string]any{"Type": "S3", "Location": "artifact-bucket", "Packaging": "ZIP", "Name": "out.zip"},
			"Environment": env, "ServiceRole": "cb-role", "TimeoutInMinutes": "30", "QueuedTimeoutInMinutes": "60",
			"Description": "updated", "ConcurrentBuildLimit": "2", "BadgeEnabled": "true",
			"Cache":            map[string]any{"Type": "LOCAL", "Modes": []any{"LOCAL_CUSTOM_CACHE"}},
			"LogsConfig":       map[string]any{"CloudWatchLogs": map[string]any{"Status": "ENABLED", "GroupName": "/ci/builds"}},
			"SecondarySources": []any{map[string]any{"Type": "S3", "Location": "b/k.zip", "SourceIdentifier": "extra"}},
		},
		Replace: map[string]any{
			"Name": "explicit-name", "Source": source, "Artifacts": map[string]any{"Type": "NO_ARTIFACTS"}, "Environment": env,
			"ServiceRole": "arn:aws:iam::123456789012:role/cb",
		},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			pr, err := h.e.GetProject(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if props["Description"] == "updated" {
				if pr.TimeoutInMinutes != 30 || pr.Artifacts.Packaging != "ZIP" || *pr.ConcurrentBuildLimit != 2 || !pr.Badge.BadgeEnabled ||
					pr.LogsConfig.CloudWatchLogs.GroupName != "/ci/builds" || pr.ServiceRole != "arn:aws:iam::123456789012:role/cb-role" {
					t.Fatalf("after update %+v", pr)
				}
			} else if pr.TimeoutInMinutes != 15 && props["Name"] == nil {
				t.Fatalf("timeout %d", pr.TimeoutInMinutes)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := h.e.GetProject(ctx, id); !ErrResourceNotFound.Is(err) {
				t.Fatalf("project %s still there: %v", id, err)
			}
		},
	})
	// A generated name, and the project builds.
	ctx := awsctx.With(context.Background(), providertest.Scope)
	req := &provider.Request{LogicalID: "Build", Type: p.Type(), Stack: provider.StackInfo{Name: "web", Region: "us-east-1", AccountID: "123456789012"}, Suffix: "ABC123",
		Properties: map[string]any{"Source": source, "Artifacts": map[string]any{"Type": "NO_ARTIFACTS"}, "Environment": env, "ServiceRole": "r"}}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.PhysicalID != "web-Build-ABC123" || res.Attributes["Arn"] != "arn:aws:codebuild:us-east-1:123456789012:project/web-Build-ABC123" {
		t.Fatalf("generated %+v", res)
	}
	b := h.run(StartBuildInput{ProjectName: res.PhysicalID})
	if b.BuildStatus != StatusSucceeded || !strings.Contains(h.logs.text(b), "\ndev\n") {
		t.Fatalf("build of the stack's project: %s\n%s", b.BuildStatus, h.logs.text(b))
	}
	// Validation problems surface as property errors.
	bad := &provider.Request{LogicalID: "Bad", Type: p.Type(), Stack: req.Stack, Suffix: "X",
		Properties: map[string]any{"Source": source, "Artifacts": map[string]any{"Type": "NO_ARTIFACTS"}, "Environment": env, "ServiceRole": "r", "TimeoutInMinutes": "many"}}
	if _, err := p.Create(ctx, bad); err == nil || !strings.Contains(err.Error(), "TimeoutInMinutes") {
		t.Fatalf("bad timeout: %v", err)
	}
}

func TestReportGroupProvider(t *testing.T) {
	h := newHarness(t)
	p := h.e.Providers()[1]
	if p.Type() != "AWS::CodeBuild::ReportGroup" {
		t.Fatal(p.Type())
	}
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"Type": "TEST", "ExportConfig": map[string]any{"ExportConfigType": "NO_EXPORT"}},
		Update: map[string]any{"Type": "TEST", "ExportConfig": map[string]any{"ExportConfigType": "S3",
			"S3Destination": map[string]any{"Bucket": "reports", "Path": "raw", "Packaging": "ZIP"}},
			"Tags": []any{map[string]any{"Key": "team", "Value": "qa"}}, "DeleteReports": true},
		Replace: map[string]any{"Name": "coverage", "Type": "CODE_COVERAGE", "ExportConfig": map[string]any{"ExportConfigType": "NO_EXPORT"}},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			g, err := h.e.getReportGroup(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if g.ARN != id || g.Type != props["Type"] {
				t.Fatalf("group %+v", g)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := h.e.getReportGroup(ctx, id); !ErrResourceNotFound.Is(err) {
				t.Fatalf("group %s still there: %v", id, err)
			}
		},
	})
}
