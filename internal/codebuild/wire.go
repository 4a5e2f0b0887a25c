package codebuild

import (
	"context"
	"os"
	"path/filepath"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/store"
)

// Wire shapes (awsJson 1.1). Inputs and outputs that are not engine types
// are declared here; the handlers only decode, call the engine and encode.

type emptyOut struct{}

type projectOut struct {
	Project *Project `json:"project"`
}

type namesIn struct {
	Names []string `json:"names" aws:"required"`
}

type batchGetProjectsOut struct {
	Projects         []*Project `json:"projects"`
	ProjectsNotFound []string   `json:"projectsNotFound"`
}

type listProjectsIn struct {
	SortBy    string `json:"sortBy,omitempty"`
	SortOrder string `json:"sortOrder,omitempty"`
	NextToken string `json:"nextToken,omitempty"`
}

type listProjectsOut struct {
	NextToken string   `json:"nextToken,omitempty"`
	Projects  []string `json:"projects"`
}

type nameIn struct {
	Name string `json:"name" aws:"required"`
}

type buildOut struct {
	Build *Build `json:"build"`
}

type idsIn struct {
	IDs []string `json:"ids" aws:"required"`
}

type batchGetBuildsOut struct {
	Builds         []*Build `json:"builds"`
	BuildsNotFound []string `json:"buildsNotFound"`
}

type listBuildsIn struct {
	SortOrder string `json:"sortOrder,omitempty"`
	NextToken string `json:"nextToken,omitempty"`
}

type listBuildsForProjectIn struct {
	ProjectName string `json:"projectName" aws:"required"`
	SortOrder   string `json:"sortOrder,omitempty"`
	NextToken   string `json:"nextToken,omitempty"`
}

type idsOut struct {
	IDs       []string `json:"ids"`
	NextToken string   `json:"nextToken,omitempty"`
}

type idIn struct {
	ID string `json:"id" aws:"required"`
}

type retryBuildIn struct {
	ID               string `json:"id,omitempty"`
	IdempotencyToken string `json:"idempotencyToken,omitempty"`
}

type batchDeleteBuildsOut struct {
	BuildsDeleted    []string          `json:"buildsDeleted"`
	BuildsNotDeleted []BuildNotDeleted `json:"buildsNotDeleted"`
}

type createReportGroupIn struct {
	Name         string              `json:"name" aws:"required"`
	Type         string              `json:"type" aws:"required"`
	ExportConfig *ReportExportConfig `json:"exportConfig" aws:"required"`
	Tags         []Tag               `json:"tags,omitempty"`
}

type reportGroupOut struct {
	ReportGroup *ReportGroup `json:"reportGroup"`
}

type updateReportGroupIn struct {
	ARN          string              `json:"arn" aws:"required"`
	ExportConfig *ReportExportConfig `json:"exportConfig,omitempty"`
	Tags         []Tag               `json:"tags,omitempty"`
}

type deleteReportGroupIn struct {
	ARN           string `json:"arn" aws:"required"`
	DeleteReports bool   `json:"deleteReports,omitempty"`
}

type arnIn struct {
	ARN string `json:"arn" aws:"required"`
}

type batchGetReportGroupsIn struct {
	ReportGroupArns []string `json:"reportGroupArns" aws:"required"`
}

type batchGetReportGroupsOut struct {
	ReportGroups         []*ReportGroup `json:"reportGroups"`
	ReportGroupsNotFound []string       `json:"reportGroupsNotFound"`
}

type listReportGroupsIn struct {
	SortOrder  string `json:"sortOrder,omitempty"`
	SortBy     string `json:"sortBy,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
	MaxResults *int32 `json:"maxResults,omitempty"`
}

type listReportGroupsOut struct {
	NextToken    string   `json:"nextToken,omitempty"`
	ReportGroups []string `json:"reportGroups"`
}

type reportFilter struct {
	Status string `json:"status,omitempty"`
}

type listReportsIn struct {
	SortOrder  string        `json:"sortOrder,omitempty"`
	NextToken  string        `json:"nextToken,omitempty"`
	MaxResults *int32        `json:"maxResults,omitempty"`
	Filter     *reportFilter `json:"filter,omitempty"`
}

type listReportsForReportGroupIn struct {
	ReportGroupArn string        `json:"reportGroupArn" aws:"required"`
	SortOrder      string        `json:"sortOrder,omitempty"`
	NextToken      string        `json:"nextToken,omitempty"`
	MaxResults     *int32        `json:"maxResults,omitempty"`
	Filter         *reportFilter `json:"filter,omitempty"`
}

type listReportsOut struct {
	NextToken string   `json:"nextToken,omitempty"`
	Reports   []string `json:"reports"`
}

type batchGetReportsIn struct {
	ReportArns []string `json:"reportArns" aws:"required"`
}

type batchGetReportsOut struct {
	Reports         []*Report `json:"reports"`
	ReportsNotFound []string  `json:"reportsNotFound"`
}

type testCaseFilter struct {
	Status  string `json:"status,omitempty"`
	Keyword string `json:"keyword,omitempty"`
}

type describeTestCasesIn struct {
	ReportArn  string          `json:"reportArn" aws:"required"`
	NextToken  string          `json:"nextToken,omitempty"`
	MaxResults *int32          `json:"maxResults,omitempty"`
	Filter     *testCaseFilter `json:"filter,omitempty"`
}

type describeTestCasesOut struct {
	NextToken string     `json:"nextToken,omitempty"`
	TestCases []TestCase `json:"testCases"`
}

type describeCodeCoveragesIn struct {
	ReportArn                 string   `json:"reportArn" aws:"required"`
	NextToken                 string   `json:"nextToken,omitempty"`
	MaxResults                *int32   `json:"maxResults,omitempty"`
	SortOrder                 string   `json:"sortOrder,omitempty"`
	SortBy                    string   `json:"sortBy,omitempty"`
	MinLineCoveragePercentage *float64 `json:"minLineCoveragePercentage,omitempty"`
	MaxLineCoveragePercentage *float64 `json:"maxLineCoveragePercentage,omitempty"`
}

type describeCodeCoveragesOut struct {
	NextToken     string         `json:"nextToken,omitempty"`
	CodeCoverages []CodeCoverage `json:"codeCoverages"`
}

type getReportGroupTrendIn struct {
	ReportGroupArn string `json:"reportGroupArn" aws:"required"`
	NumOfReports   *int32 `json:"numOfReports,omitempty"`
	TrendField     string `json:"trendField" aws:"required"`
}

type getReportGroupTrendOut struct {
	Stats   *ReportGroupTrendStats `json:"stats"`
	RawData []ReportWithRawData    `json:"rawData"`
}

type buildBatchOut struct {
	BuildBatch *BuildBatch `json:"buildBatch"`
}

type batchGetBuildBatchesOut struct {
	BuildBatches         []*BuildBatch `json:"buildBatches"`
	BuildBatchesNotFound []string      `json:"buildBatchesNotFound"`
}

type buildBatchFilter struct {
	Status string `json:"status,omitempty"`
}

type listBuildBatchesIn struct {
	ProjectName string            `json:"projectName,omitempty"`
	Filter      *buildBatchFilter `json:"filter,omitempty"`
	MaxResults  *int32            `json:"maxResults,omitempty"`
	SortOrder   string            `json:"sortOrder,omitempty"`
	NextToken   string            `json:"nextToken,omitempty"`
}

type retryBuildBatchIn struct {
	ID               string `json:"id,omitempty"`
	IdempotencyToken string `json:"idempotencyToken,omitempty"`
	RetryType        string `json:"retryType,omitempty"`
}

type deleteBuildBatchOut struct {
	StatusCode       string            `json:"statusCode,omitempty"`
	BuildsDeleted    []string          `json:"buildsDeleted"`
	BuildsNotDeleted []BuildNotDeleted `json:"buildsNotDeleted"`
}

type projectNameIn struct {
	ProjectName string `json:"projectName" aws:"required"`
}

type listSharedIn struct {
	SortOrder  string `json:"sortOrder,omitempty"`
	SortBy     string `json:"sortBy,omitempty"`
	MaxResults *int32 `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

type listSharedProjectsOut struct {
	Projects []string `json:"projects"`
}

type listSharedReportGroupsOut struct {
	ReportGroups []string `json:"reportGroups"`
}

type listSourceCredentialsOut struct {
	SourceCredentialsInfos []struct{} `json:"sourceCredentialsInfos"`
}

func done(err error) (*emptyOut, error) {
	if err != nil {
		return nil, err
	}
	return &emptyOut{}, nil
}

func filterStatus(f *reportFilter) string {
	if f == nil {
		return ""
	}
	return f.Status
}

// Service is CodeBuild on the wire (awsJson 1.1, target prefix
// CodeBuild_20161006, signing name codebuild).
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:           "codebuild",
		Protocols:      awswire.AWSJSON,
		JSONVersion:    "1.1",
		TargetPrefix:   "CodeBuild_20161006",
		ValidationCode: ErrInvalidInput,
		Ops: []awswire.Op{
			// Projects.
			awswire.Operation("CreateProject", func(ctx context.Context, in *ProjectInput) (*projectOut, error) {
				p, err := e.CreateProject(ctx, *in)
				if err != nil {
					return nil, err
				}
				return &projectOut{p}, nil
			}),
			awswire.Operation("UpdateProject", func(ctx context.Context, in *ProjectInput) (*projectOut, error) {
				p, err := e.UpdateProject(ctx, *in)
				if err != nil {
					return nil, err
				}
				return &projectOut{p}, nil
			}),
			awswire.Operation("BatchGetProjects", func(ctx context.Context, in *namesIn) (*batchGetProjectsOut, error) {
				ps, missing, err := e.BatchGetProjects(ctx, in.Names)
				if err != nil {
					return nil, err
				}
				return &batchGetProjectsOut{ps, missing}, nil
			}),
			awswire.Operation("ListProjects", func(ctx context.Context, in *listProjectsIn) (*listProjectsOut, error) {
				names, next, err := e.ListProjects(ctx, in.SortBy, in.SortOrder, in.NextToken)
				if err != nil {
					return nil, err
				}
				return &listProjectsOut{NextToken: next, Projects: names}, nil
			}),
			awswire.Operation("DeleteProject", func(ctx context.Context, in *nameIn) (*emptyOut, error) {
				return done(e.DeleteProject(ctx, in.Name))
			}),
			awswire.Operation("InvalidateProjectCache", func(ctx context.Context, in *projectNameIn) (*emptyOut, error) {
				return done(e.InvalidateProjectCache(ctx, in.ProjectName))
			}),
			awswire.Operation("ListSharedProjects", func(ctx context.Context, in *listSharedIn) (*listSharedProjectsOut, error) {
				return &listSharedProjectsOut{Projects: []string{}}, nil
			}),
			awswire.Operation("ListSourceCredentials", func(ctx context.Context, in *emptyOut) (*listSourceCredentialsOut, error) {
				return &listSourceCredentialsOut{SourceCredentialsInfos: []struct{}{}}, nil
			}),

			// Builds.
			awswire.Operation("StartBuild", func(ctx context.Context, in *StartBuildInput) (*buildOut, error) {
				b, err := e.StartBuild(ctx, *in)
				if err != nil {
					return nil, err
				}
				return &buildOut{b}, nil
			}),
			awswire.Operation("BatchGetBuilds", func(ctx context.Context, in *idsIn) (*batchGetBuildsOut, error) {
				bs, missing, err := e.BatchGetBuilds(ctx, in.IDs)
				if err != nil {
					return nil, err
				}
				return &batchGetBuildsOut{bs, missing}, nil
			}),
			awswire.Operation("ListBuilds", func(ctx context.Context, in *listBuildsIn) (*idsOut, error) {
				ids, next, err := e.ListBuilds(ctx, in.SortOrder, in.NextToken)
				if err != nil {
					return nil, err
				}
				return &idsOut{ids, next}, nil
			}),
			awswire.Operation("ListBuildsForProject", func(ctx context.Context, in *listBuildsForProjectIn) (*idsOut, error) {
				ids, next, err := e.ListBuildsForProject(ctx, in.ProjectName, in.SortOrder, in.NextToken)
				if err != nil {
					return nil, err
				}
				return &idsOut{ids, next}, nil
			}),
			awswire.Operation("StopBuild", func(ctx context.Context, in *idIn) (*buildOut, error) {
				b, err := e.StopBuild(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				return &buildOut{b}, nil
			}),
			awswire.Operation("RetryBuild", func(ctx context.Context, in *retryBuildIn) (*buildOut, error) {
				b, err := e.RetryBuild(ctx, in.ID, in.IdempotencyToken)
				if err != nil {
					return nil, err
				}
				return &buildOut{b}, nil
			}),
			awswire.Operation("BatchDeleteBuilds", func(ctx context.Context, in *idsIn) (*batchDeleteBuildsOut, error) {
				d, nd, err := e.BatchDeleteBuilds(ctx, in.IDs)
				if err != nil {
					return nil, err
				}
				return &batchDeleteBuildsOut{d, nd}, nil
			}),

			// Report groups and reports.
			awswire.Operation("CreateReportGroup", func(ctx context.Context, in *createReportGroupIn) (*reportGroupOut, error) {
				g, err := e.CreateReportGroup(ctx, in.Name, in.Type, *in.ExportConfig, in.Tags)
				if err != nil {
					return nil, err
				}
				return &reportGroupOut{g}, nil
			}),
			awswire.Operation("UpdateReportGroup", func(ctx context.Context, in *updateReportGroupIn) (*reportGroupOut, error) {
				g, err := e.UpdateReportGroup(ctx, in.ARN, in.ExportConfig, in.Tags)
				if err != nil {
					return nil, err
				}
				return &reportGroupOut{g}, nil
			}),
			awswire.Operation("DeleteReportGroup", func(ctx context.Context, in *deleteReportGroupIn) (*emptyOut, error) {
				return done(e.DeleteReportGroup(ctx, in.ARN, in.DeleteReports))
			}),
			awswire.Operation("DeleteReport", func(ctx context.Context, in *arnIn) (*emptyOut, error) {
				return done(e.DeleteReport(ctx, in.ARN))
			}),
			awswire.Operation("BatchGetReportGroups", func(ctx context.Context, in *batchGetReportGroupsIn) (*batchGetReportGroupsOut, error) {
				gs, missing, err := e.BatchGetReportGroups(ctx, in.ReportGroupArns)
				if err != nil {
					return nil, err
				}
				return &batchGetReportGroupsOut{gs, missing}, nil
			}),
			awswire.Operation("ListReportGroups", func(ctx context.Context, in *listReportGroupsIn) (*listReportGroupsOut, error) {
				arns, next, err := e.ListReportGroups(ctx, in.SortBy, in.SortOrder, in.NextToken, in.MaxResults)
				if err != nil {
					return nil, err
				}
				return &listReportGroupsOut{next, arns}, nil
			}),
			awswire.Operation("ListSharedReportGroups", func(ctx context.Context, in *listSharedIn) (*listSharedReportGroupsOut, error) {
				return &listSharedReportGroupsOut{ReportGroups: []string{}}, nil
			}),
			awswire.Operation("ListReports", func(ctx context.Context, in *listReportsIn) (*listReportsOut, error) {
				arns, next, err := e.ListReports(ctx, in.SortOrder, in.NextToken, in.MaxResults, filterStatus(in.Filter))
				if err != nil {
					return nil, err
				}
				return &listReportsOut{next, arns}, nil
			}),
			awswire.Operation("ListReportsForReportGroup", func(ctx context.Context, in *listReportsForReportGroupIn) (*listReportsOut, error) {
				arns, next, err := e.ListReportsForReportGroup(ctx, in.ReportGroupArn, in.SortOrder, in.NextToken, in.MaxResults, filterStatus(in.Filter))
				if err != nil {
					return nil, err
				}
				return &listReportsOut{next, arns}, nil
			}),
			awswire.Operation("BatchGetReports", func(ctx context.Context, in *batchGetReportsIn) (*batchGetReportsOut, error) {
				rs, missing, err := e.BatchGetReports(ctx, in.ReportArns)
				if err != nil {
					return nil, err
				}
				return &batchGetReportsOut{rs, missing}, nil
			}),
			awswire.Operation("DescribeTestCases", func(ctx context.Context, in *describeTestCasesIn) (*describeTestCasesOut, error) {
				var status, keyword string
				if in.Filter != nil {
					status, keyword = in.Filter.Status, in.Filter.Keyword
				}
				cases, next, err := e.DescribeTestCases(ctx, in.ReportArn, in.NextToken, in.MaxResults, status, keyword)
				if err != nil {
					return nil, err
				}
				if cases == nil {
					cases = []TestCase{}
				}
				return &describeTestCasesOut{next, cases}, nil
			}),
			awswire.Operation("DescribeCodeCoverages", func(ctx context.Context, in *describeCodeCoveragesIn) (*describeCodeCoveragesOut, error) {
				covs, next, err := e.DescribeCodeCoverages(ctx, in.ReportArn, in.NextToken, in.MaxResults, in.SortOrder, in.SortBy, in.MinLineCoveragePercentage, in.MaxLineCoveragePercentage)
				if err != nil {
					return nil, err
				}
				if covs == nil {
					covs = []CodeCoverage{}
				}
				return &describeCodeCoveragesOut{next, covs}, nil
			}),
			awswire.Operation("GetReportGroupTrend", func(ctx context.Context, in *getReportGroupTrendIn) (*getReportGroupTrendOut, error) {
				stats, raw, err := e.GetReportGroupTrend(ctx, in.ReportGroupArn, in.NumOfReports, in.TrendField)
				if err != nil {
					return nil, err
				}
				return &getReportGroupTrendOut{stats, raw}, nil
			}),

			// Build batches.
			awswire.Operation("StartBuildBatch", func(ctx context.Context, in *StartBuildBatchInput) (*buildBatchOut, error) {
				b, err := e.StartBuildBatch(ctx, *in)
				if err != nil {
					return nil, err
				}
				return &buildBatchOut{b}, nil
			}),
			awswire.Operation("BatchGetBuildBatches", func(ctx context.Context, in *idsIn) (*batchGetBuildBatchesOut, error) {
				bs, missing, err := e.BatchGetBuildBatches(ctx, in.IDs)
				if err != nil {
					return nil, err
				}
				return &batchGetBuildBatchesOut{bs, missing}, nil
			}),
			awswire.Operation("ListBuildBatches", func(ctx context.Context, in *listBuildBatchesIn) (*idsOut, error) {
				return listBatches(ctx, e, "", in)
			}),
			awswire.Operation("ListBuildBatchesForProject", func(ctx context.Context, in *listBuildBatchesIn) (*idsOut, error) {
				if in.ProjectName == "" {
					return nil, invalid("1 validation error detected: Value null at 'projectName' failed to satisfy constraint: Member must not be null")
				}
				return listBatches(ctx, e, in.ProjectName, in)
			}),
			awswire.Operation("StopBuildBatch", func(ctx context.Context, in *idIn) (*buildBatchOut, error) {
				b, err := e.StopBuildBatch(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				return &buildBatchOut{b}, nil
			}),
			awswire.Operation("RetryBuildBatch", func(ctx context.Context, in *retryBuildBatchIn) (*buildBatchOut, error) {
				b, err := e.RetryBuildBatch(ctx, in.ID, in.RetryType)
				if err != nil {
					return nil, err
				}
				return &buildBatchOut{b}, nil
			}),
			awswire.Operation("DeleteBuildBatch", func(ctx context.Context, in *idIn) (*deleteBuildBatchOut, error) {
				code, d, nd, err := e.DeleteBuildBatch(ctx, in.ID)
				if err != nil {
					return nil, err
				}
				return &deleteBuildBatchOut{code, d, nd}, nil
			}),
		},
	}
}

func listBatches(ctx context.Context, e *Engine, project string, in *listBuildBatchesIn) (*idsOut, error) {
	status := ""
	if in.Filter != nil {
		status = in.Filter.Status
	}
	ids, next, err := e.ListBuildBatches(ctx, project, status, in.SortOrder, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &idsOut{ids, next}, nil
}

// InvalidateProjectCache forgets a project's cache: its LOCAL cache files
// and the keys recorded for its caches. (S3 cache objects stay; without
// their keys they are not restored again.)
func (e *Engine) InvalidateProjectCache(ctx context.Context, name string) error {
	p, err := e.GetProject(ctx, name)
	if err != nil {
		return err
	}
	s := awsctx.From(ctx)
	os.RemoveAll(filepath.Join(e.deps.WorkDir, "cache", s.AccountID, s.Region, p.Name))
	ids := []string{"local:" + projectKey(s.AccountID, s.Region, p.Name)}
	if p.Cache.Type == "S3" {
		ids = append(ids, "s3:"+p.Cache.Location)
	}
	return e.st.Update(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if _, err := tx.DeletePrefix(bucketCacheKeys, s.AccountID+"/"+s.Region+"/"+id+"|"); err != nil {
				return err
			}
		}
		return nil
	})
}
