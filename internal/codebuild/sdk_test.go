package codebuild

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cb "github.com/aws/aws-sdk-go-v2/service/codebuild"
	"github.com/aws/aws-sdk-go-v2/service/codebuild/types"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

func sdkClient(t *testing.T) (*harness, *cb.Client) {
	h := newHarness(t)
	srv := skifftest.Start(t, h.e.Service())
	return h, cb.NewFromConfig(srv.Config())
}

func TestSDKProjectsAndBuilds(t *testing.T) {
	h, c := sdkClient(t)
	ctx := context.Background()
	out, err := c.CreateProject(ctx, &cb.CreateProjectInput{
		Name:        aws.String("sdk-project"),
		Description: aws.String("built by the SDK test"),
		Source: &types.ProjectSource{Type: types.SourceTypeNoSource, Buildspec: aws.String(`version: 0.2
env:
  exported-variables: [RESULT]
phases:
  build:
    commands:
      - echo building $GREETING
      - export RESULT=done
`)},
		Artifacts: &types.ProjectArtifacts{Type: types.ArtifactsTypeNoArtifacts},
		Environment: &types.ProjectEnvironment{Type: types.EnvironmentTypeLinuxContainer, Image: aws.String("aws/codebuild/standard:7.0"),
			ComputeType:          types.ComputeTypeBuildGeneral1Small,
			EnvironmentVariables: []types.EnvironmentVariable{{Name: aws.String("GREETING"), Value: aws.String("hi")}}},
		ServiceRole:          aws.String("codebuild-role"),
		TimeoutInMinutes:     aws.Int32(10),
		ConcurrentBuildLimit: aws.Int32(2),
		Tags:                 []types.Tag{{Key: aws.String("team"), Value: aws.String("ci")}},
		BadgeEnabled:         aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	p := out.Project
	if *p.Arn != "arn:aws:codebuild:us-east-1:123456789012:project/sdk-project" || *p.ServiceRole != "arn:aws:iam::123456789012:role/codebuild-role" ||
		*p.TimeoutInMinutes != 10 || *p.QueuedTimeoutInMinutes != 480 || p.Cache.Type != types.CacheTypeNoCache ||
		p.LogsConfig.CloudWatchLogs.Status != types.LogsConfigStatusTypeEnabled || !p.Badge.BadgeEnabled || p.Created == nil ||
		p.Environment.EnvironmentVariables[0].Type != types.EnvironmentVariableTypePlaintext || *p.ConcurrentBuildLimit != 2 {
		t.Fatalf("project %+v", p)
	}
	_, err = c.CreateProject(ctx, &cb.CreateProjectInput{Name: aws.String("sdk-project"), Source: &types.ProjectSource{Type: types.SourceTypeNoSource, Buildspec: aws.String("version: 0.2")},
		Artifacts: &types.ProjectArtifacts{Type: types.ArtifactsTypeNoArtifacts}, ServiceRole: aws.String("r"),
		Environment: &types.ProjectEnvironment{Type: types.EnvironmentTypeLinuxContainer, Image: aws.String("i"), ComputeType: types.ComputeTypeBuildGeneral1Small}})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) || !strings.Contains(err.Error(), "Project already exists: arn:aws:codebuild:us-east-1:123456789012:project/sdk-project") {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreateProject(ctx, &cb.CreateProjectInput{Name: aws.String("x"), Source: &types.ProjectSource{Type: types.SourceTypeNoSource, Buildspec: aws.String("version: 0.2")},
		Artifacts: &types.ProjectArtifacts{Type: types.ArtifactsTypeNoArtifacts}, ServiceRole: aws.String("r"), TimeoutInMinutes: aws.Int32(3),
		Environment: &types.ProjectEnvironment{Type: types.EnvironmentTypeLinuxContainer, Image: aws.String("i"), ComputeType: types.ComputeTypeBuildGeneral1Small}})
	var invalid *types.InvalidInputException
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "2 validation errors detected") {
		t.Fatalf("bad name and timeout: %v", err)
	}
	if _, err := c.UpdateProject(ctx, &cb.UpdateProjectInput{Name: aws.String("sdk-project"), Description: aws.String("changed"), QueuedTimeoutInMinutes: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateProject(ctx, &cb.UpdateProjectInput{Name: aws.String("nope"), Description: aws.String("x")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("update missing: %v", err)
	}
	got, err := c.BatchGetProjects(ctx, &cb.BatchGetProjectsInput{Names: []string{"sdk-project", "nope"}})
	if err != nil || len(got.Projects) != 1 || *got.Projects[0].Description != "changed" || *got.Projects[0].QueuedTimeoutInMinutes != 60 ||
		len(got.ProjectsNotFound) != 1 || got.ProjectsNotFound[0] != "nope" {
		t.Fatalf("BatchGetProjects %+v %v", got, err)
	}

	sb, err := c.StartBuild(ctx, &cb.StartBuildInput{ProjectName: aws.String("sdk-project"), IdempotencyToken: aws.String("tok-1")})
	if err != nil {
		t.Fatal(err)
	}
	if sb.Build.BuildStatus != types.StatusTypeInProgress || *sb.Build.CurrentPhase != "SUBMITTED" || sb.Build.BuildComplete {
		t.Fatalf("started %+v", sb.Build)
	}
	again, err := c.StartBuild(ctx, &cb.StartBuildInput{ProjectName: aws.String("sdk-project"), IdempotencyToken: aws.String("tok-1")})
	if err != nil || *again.Build.Id != *sb.Build.Id {
		t.Fatalf("idempotent start gave %v %v", again, err)
	}
	_, err = c.StartBuild(ctx, &cb.StartBuildInput{ProjectName: aws.String("missing")})
	if !errors.As(err, &notFound) || !strings.Contains(err.Error(), "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/missing") {
		t.Fatalf("start missing: %v", err)
	}
	var b types.Build
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		res, err := c.BatchGetBuilds(ctx, &cb.BatchGetBuildsInput{Ids: []string{*sb.Build.Id, "sdk-project:00000000-0000-0000-0000-000000000000"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.BuildsNotFound) != 1 {
			t.Fatalf("buildsNotFound %v", res.BuildsNotFound)
		}
		b = res.Builds[0]
		if b.BuildComplete {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if b.BuildStatus != types.StatusTypeSucceeded || len(b.Phases) != 11 || b.Phases[10].PhaseType != types.BuildPhaseTypeCompleted ||
		b.Phases[6].PhaseType != types.BuildPhaseTypeBuild || b.Phases[6].PhaseStatus != types.StatusTypeSucceeded ||
		b.Phases[6].DurationInSeconds == nil || len(b.Phases[6].Contexts) != 1 || *b.Logs.GroupName != "/aws/codebuild/sdk-project" ||
		len(b.ExportedEnvironmentVariables) != 1 || *b.ExportedEnvironmentVariables[0].Value != "done" || *b.BuildNumber != 1 ||
		b.EndTime == nil || b.StartTime == nil || *b.Initiator != "root" {
		t.Fatalf("build %+v", b)
	}
	if !strings.Contains(h.logs.text(&Build{Logs: &LogsLocation{GroupName: *b.Logs.GroupName, StreamName: *b.Logs.StreamName}}), "building hi") {
		t.Fatal("build output missing")
	}

	list, err := c.ListBuildsForProject(ctx, &cb.ListBuildsForProjectInput{ProjectName: aws.String("sdk-project")})
	if err != nil || len(list.Ids) != 1 || list.Ids[0] != *b.Id {
		t.Fatalf("ListBuildsForProject %+v %v", list, err)
	}
	retry, err := c.RetryBuild(ctx, &cb.RetryBuildInput{Id: b.Id})
	if err != nil || *retry.Build.BuildNumber != 2 {
		t.Fatalf("RetryBuild %v %v", retry, err)
	}
	h.wait(*retry.Build.Id)
	all, err := c.ListBuilds(ctx, &cb.ListBuildsInput{SortOrder: types.SortOrderTypeAscending})
	if err != nil || len(all.Ids) != 2 || all.Ids[0] != *b.Id {
		t.Fatalf("ListBuilds %+v %v", all, err)
	}
	del, err := c.BatchDeleteBuilds(ctx, &cb.BatchDeleteBuildsInput{Ids: []string{*b.Id, "sdk-project:nope"}})
	if err != nil || len(del.BuildsDeleted) != 1 || len(del.BuildsNotDeleted) != 1 {
		t.Fatalf("BatchDeleteBuilds %+v %v", del, err)
	}

	projects, err := c.ListProjects(ctx, &cb.ListProjectsInput{SortBy: types.ProjectSortByTypeName})
	if err != nil || len(projects.Projects) != 1 {
		t.Fatalf("ListProjects %+v %v", projects, err)
	}
	if _, err := c.DeleteProject(ctx, &cb.DeleteProjectInput{Name: aws.String("sdk-project")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteProject(ctx, &cb.DeleteProjectInput{Name: aws.String("sdk-project")}); err != nil {
		t.Fatalf("deleting a missing project: %v", err)
	}
}

func TestSDKListProjectsPaging(t *testing.T) {
	h, c := sdkClient(t)
	ctx := context.Background()
	for i := 0; i < 105; i++ {
		h.project("p"+string(rune('a'+i/26))+string(rune('a'+i%26)), "version: 0.2")
	}
	var names []string
	p := cb.NewListProjectsPaginator(c, &cb.ListProjectsInput{SortOrder: types.SortOrderTypeDescending})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, page.Projects...)
	}
	if len(names) != 105 || names[0] != "pea" || names[104] != "paa" {
		t.Fatalf("%d names, first %s last %s", len(names), names[0], names[len(names)-1])
	}
}

func TestSDKReportGroups(t *testing.T) {
	h, c := sdkClient(t)
	ctx := context.Background()
	g, err := c.CreateReportGroup(ctx, &cb.CreateReportGroupInput{Name: aws.String("unit"), Type: types.ReportTypeTest,
		ExportConfig: &types.ReportExportConfig{ExportConfigType: types.ReportExportConfigTypeNoExport}})
	if err != nil {
		t.Fatal(err)
	}
	arn := *g.ReportGroup.Arn
	if arn != "arn:aws:codebuild:us-east-1:123456789012:report-group/unit" || g.ReportGroup.Status != types.ReportGroupStatusTypeActive {
		t.Fatalf("group %+v", g.ReportGroup)
	}
	h.project("reporting", `version: 0.2
phases:
  build:
    commands:
      - mkdir -p r && printf '<testsuites><testsuite name="s"><testcase classname="c" name="ok" time="1"/><testcase classname="c" name="bad"><error message="x"/></testcase><testcase classname="c" name="later"><skipped/></testcase></testsuite></testsuites>' > r/a.xml
reports:
  `+arn+`:
    files: ['r/*.xml']
`)
	h.run(StartBuildInput{ProjectName: "reporting"})
	reps, err := c.ListReportsForReportGroup(ctx, &cb.ListReportsForReportGroupInput{ReportGroupArn: aws.String(arn)})
	if err != nil || len(reps.Reports) != 1 {
		t.Fatalf("reports %+v %v", reps, err)
	}
	br, err := c.BatchGetReports(ctx, &cb.BatchGetReportsInput{ReportArns: reps.Reports})
	if err != nil || len(br.Reports) != 1 || *br.Reports[0].TestSummary.Total != 3 || br.Reports[0].Status != types.ReportStatusTypeFailed ||
		br.Reports[0].TestSummary.StatusCounts["ERROR"] != 1 || br.Reports[0].TestSummary.StatusCounts["SKIPPED"] != 1 {
		t.Fatalf("BatchGetReports %+v %v", br, err)
	}
	tc, err := c.DescribeTestCases(ctx, &cb.DescribeTestCasesInput{ReportArn: aws.String(reps.Reports[0]), Filter: &types.TestCaseFilter{Status: aws.String("SUCCEEDED")}})
	if err != nil || len(tc.TestCases) != 1 || *tc.TestCases[0].Name != "ok" || *tc.TestCases[0].DurationInNanoSeconds != 1e9 {
		t.Fatalf("DescribeTestCases %+v %v", tc, err)
	}
	trend, err := c.GetReportGroupTrend(ctx, &cb.GetReportGroupTrendInput{ReportGroupArn: aws.String(arn), TrendField: types.ReportGroupTrendFieldTypePassRate})
	if err != nil || *trend.Stats.Average != "33.33" || len(trend.RawData) != 1 {
		t.Fatalf("trend %+v %v", trend, err)
	}
	groups, err := c.ListReportGroups(ctx, &cb.ListReportGroupsInput{})
	if err != nil || len(groups.ReportGroups) != 1 {
		t.Fatalf("ListReportGroups %+v %v", groups, err)
	}
	all, err := c.ListReports(ctx, &cb.ListReportsInput{Filter: &types.ReportFilter{Status: types.ReportStatusTypeFailed}})
	if err != nil || len(all.Reports) != 1 {
		t.Fatalf("ListReports %+v %v", all, err)
	}
	_, err = c.DeleteReportGroup(ctx, &cb.DeleteReportGroupInput{Arn: aws.String(arn)})
	var invalid *types.InvalidInputException
	if !errors.As(err, &invalid) {
		t.Fatalf("delete a group with reports: %v", err)
	}
	if _, err := c.DeleteReportGroup(ctx, &cb.DeleteReportGroupInput{Arn: aws.String(arn), DeleteReports: true}); err != nil {
		t.Fatal(err)
	}
	bg, err := c.BatchGetReportGroups(ctx, &cb.BatchGetReportGroupsInput{ReportGroupArns: []string{arn}})
	if err != nil || len(bg.ReportGroupsNotFound) != 1 {
		t.Fatalf("after delete %+v %v", bg, err)
	}
}

func TestSDKBuildBatch(t *testing.T) {
	h, c := sdkClient(t)
	ctx := context.Background()
	h.project("batchsdk", `version: 0.2
batch:
  build-matrix:
    dynamic:
      env:
        variables:
          OS: [linux, windows]
          ARCH: [amd64, arm64]
phases:
  build:
    commands:
      - echo $OS/$ARCH
`)
	out, err := c.StartBuildBatch(ctx, &cb.StartBuildBatchInput{ProjectName: aws.String("batchsdk")})
	if err != nil {
		t.Fatal(err)
	}
	var bb types.BuildBatch
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		res, err := c.BatchGetBuildBatches(ctx, &cb.BatchGetBuildBatchesInput{Ids: []string{*out.BuildBatch.Id}})
		if err != nil {
			t.Fatal(err)
		}
		bb = res.BuildBatches[0]
		if bb.Complete {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if bb.BuildBatchStatus != types.StatusTypeSucceeded || len(bb.BuildGroups) != 4 {
		t.Fatalf("batch %+v", bb)
	}
	ids, err := c.ListBuildBatchesForProject(ctx, &cb.ListBuildBatchesForProjectInput{ProjectName: aws.String("batchsdk")})
	if err != nil || len(ids.Ids) != 1 {
		t.Fatalf("ListBuildBatchesForProject %+v %v", ids, err)
	}
}
