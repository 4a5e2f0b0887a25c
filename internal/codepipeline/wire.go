package codepipeline

import (
	"context"
	"strconv"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
)

// The CodePipeline_20150709 awsJson 1.1 protocol. Handlers decode, call
// the engine, encode; the declaration and output shapes are model.go and
// shapes.go.

type empty struct{}

type createPipelineIn struct {
	Pipeline *PipelineDeclaration `json:"pipeline" aws:"required"`
	Tags     []Tag                `json:"tags,omitempty"`
}

type createPipelineOut struct {
	Pipeline *PipelineDeclaration `json:"pipeline,omitempty"`
	Tags     []Tag                `json:"tags,omitempty"`
}

type nameIn struct {
	Name string `json:"name" aws:"required"`
}

type getPipelineIn struct {
	Name    string `json:"name" aws:"required"`
	Version *int   `json:"version,omitempty"`
}

type getPipelineOut struct {
	Pipeline *PipelineDeclaration `json:"pipeline,omitempty"`
	Metadata *PipelineMetadata    `json:"metadata,omitempty"`
}

type updatePipelineIn struct {
	Pipeline *PipelineDeclaration `json:"pipeline" aws:"required"`
}

type pipelineOut struct {
	Pipeline *PipelineDeclaration `json:"pipeline,omitempty"`
}

type listPipelinesIn struct {
	NextToken  string `json:"nextToken,omitempty"`
	MaxResults *int   `json:"maxResults,omitempty"`
}

type listPipelinesOut struct {
	Pipelines []PipelineSummary `json:"pipelines"`
	NextToken string            `json:"nextToken,omitempty"`
}

type pipelineVariable struct {
	Name  string `json:"name" aws:"required"`
	Value string `json:"value" aws:"required"`
}

type startIn struct {
	Name               string                   `json:"name" aws:"required"`
	Variables          []pipelineVariable       `json:"variables,omitempty"`
	ClientRequestToken string                   `json:"clientRequestToken,omitempty"`
	SourceRevisions    []SourceRevisionOverride `json:"sourceRevisions,omitempty"`
}

type executionIDOut struct {
	PipelineExecutionID string `json:"pipelineExecutionId,omitempty"`
}

type stopIn struct {
	PipelineName        string `json:"pipelineName" aws:"required"`
	PipelineExecutionID string `json:"pipelineExecutionId" aws:"required"`
	Abandon             *bool  `json:"abandon,omitempty"`
	Reason              string `json:"reason,omitempty"`
}

type executionIn struct {
	PipelineName        string `json:"pipelineName" aws:"required"`
	PipelineExecutionID string `json:"pipelineExecutionId" aws:"required"`
}

type getExecutionOut struct {
	PipelineExecution *PipelineExecution `json:"pipelineExecution,omitempty"`
}

type listExecutionsIn struct {
	PipelineName string `json:"pipelineName" aws:"required"`
	MaxResults   *int   `json:"maxResults,omitempty"`
	Filter       *struct {
		SucceededInStage *struct {
			StageName string `json:"stageName,omitempty"`
		} `json:"succeededInStage,omitempty"`
	} `json:"filter,omitempty"`
	NextToken string `json:"nextToken,omitempty"`
}

type listExecutionsOut struct {
	PipelineExecutionSummaries []PipelineExecutionSummary `json:"pipelineExecutionSummaries"`
	NextToken                  string                     `json:"nextToken,omitempty"`
}

type listActionExecutionsIn struct {
	PipelineName string `json:"pipelineName" aws:"required"`
	Filter       *struct {
		PipelineExecutionID string `json:"pipelineExecutionId,omitempty"`
	} `json:"filter,omitempty"`
	MaxResults *int   `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

type listActionExecutionsOut struct {
	ActionExecutionDetails []ActionExecutionDetail `json:"actionExecutionDetails"`
	NextToken              string                  `json:"nextToken,omitempty"`
}

type approvalIn struct {
	PipelineName string `json:"pipelineName" aws:"required"`
	StageName    string `json:"stageName" aws:"required"`
	ActionName   string `json:"actionName" aws:"required"`
	Result       *struct {
		Summary string `json:"summary"`
		Status  string `json:"status" aws:"required"`
	} `json:"result" aws:"required"`
	Token string `json:"token" aws:"required"`
}

type approvalOut struct {
	ApprovedAt time.Time `json:"approvedAt,omitempty"`
}

type retryIn struct {
	PipelineName        string `json:"pipelineName" aws:"required"`
	StageName           string `json:"stageName" aws:"required"`
	PipelineExecutionID string `json:"pipelineExecutionId" aws:"required"`
	RetryMode           string `json:"retryMode" aws:"required"`
}

type rollbackIn struct {
	PipelineName              string `json:"pipelineName" aws:"required"`
	StageName                 string `json:"stageName" aws:"required"`
	TargetPipelineExecutionID string `json:"targetPipelineExecutionId" aws:"required"`
}

type transitionIn struct {
	PipelineName   string `json:"pipelineName" aws:"required"`
	StageName      string `json:"stageName" aws:"required"`
	TransitionType string `json:"transitionType" aws:"required"`
	Reason         string `json:"reason,omitempty"`
}

type listActionTypesIn struct {
	ActionOwnerFilter string `json:"actionOwnerFilter,omitempty"`
	NextToken         string `json:"nextToken,omitempty"`
	RegionFilter      string `json:"regionFilter,omitempty"`
}

type listActionTypesOut struct {
	ActionTypes []ActionType `json:"actionTypes"`
}

type getActionTypeIn struct {
	Category string `json:"category" aws:"required"`
	Owner    string `json:"owner" aws:"required"`
	Provider string `json:"provider" aws:"required"`
	Version  string `json:"version" aws:"required"`
}

type getActionTypeOut struct {
	ActionType *ActionTypeDeclaration `json:"actionType,omitempty"`
}

type listRuleTypesIn struct {
	RuleOwnerFilter string `json:"ruleOwnerFilter,omitempty"`
	RegionFilter    string `json:"regionFilter,omitempty"`
}

type listRuleTypesOut struct {
	RuleTypes []RuleType `json:"ruleTypes"`
}

type tagResourceIn struct {
	ResourceArn string `json:"resourceArn" aws:"required"`
	Tags        []Tag  `json:"tags" aws:"required"`
}

type untagResourceIn struct {
	ResourceArn string   `json:"resourceArn" aws:"required"`
	TagKeys     []string `json:"tagKeys" aws:"required"`
}

type listTagsIn struct {
	ResourceArn string `json:"resourceArn" aws:"required"`
	NextToken   string `json:"nextToken,omitempty"`
	MaxResults  *int   `json:"maxResults,omitempty"`
}

type listTagsOut struct {
	Tags []Tag `json:"tags"`
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func maxResultsErr(p *int, path string, max int) error {
	if p == nil {
		return nil
	}
	if *p < 1 {
		return constraintErr(strconv.Itoa(*p), path, "Member must have value greater than or equal to 1")
	}
	if *p > max {
		return constraintErr(strconv.Itoa(*p), path, "Member must have value less than or equal to "+strconv.Itoa(max))
	}
	return nil
}

func (e *Engine) wCreatePipeline(ctx context.Context, in *createPipelineIn) (*createPipelineOut, error) {
	d, err := e.CreatePipeline(ctx, *in.Pipeline, in.Tags)
	if err != nil {
		return nil, err
	}
	return &createPipelineOut{Pipeline: d, Tags: in.Tags}, nil
}

func (e *Engine) wGetPipeline(ctx context.Context, in *getPipelineIn) (*getPipelineOut, error) {
	if in.Version != nil && *in.Version < 1 {
		return nil, constraintErr(strconv.Itoa(*in.Version), "version", "Member must have value greater than or equal to 1")
	}
	d, meta, err := e.GetPipeline(ctx, in.Name, intOr(in.Version, 0))
	if err != nil {
		return nil, err
	}
	return &getPipelineOut{Pipeline: d, Metadata: meta}, nil
}

func (e *Engine) wUpdatePipeline(ctx context.Context, in *updatePipelineIn) (*pipelineOut, error) {
	d, err := e.UpdatePipeline(ctx, *in.Pipeline)
	if err != nil {
		return nil, err
	}
	return &pipelineOut{Pipeline: d}, nil
}

func (e *Engine) wDeletePipeline(ctx context.Context, in *nameIn) (*empty, error) {
	return &empty{}, e.DeletePipeline(ctx, in.Name)
}

func (e *Engine) wListPipelines(ctx context.Context, in *listPipelinesIn) (*listPipelinesOut, error) {
	if err := maxResultsErr(in.MaxResults, "maxResults", 1000); err != nil {
		return nil, err
	}
	ps, next, err := e.ListPipelines(ctx, intOr(in.MaxResults, 0), in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listPipelinesOut{Pipelines: ps, NextToken: next}, nil
}

func (e *Engine) wStart(ctx context.Context, in *startIn) (*executionIDOut, error) {
	var vars map[string]string
	if in.Variables != nil {
		vars = map[string]string{}
		for _, v := range in.Variables {
			vars[v.Name] = v.Value
		}
	}
	id, err := e.StartPipelineExecution(ctx, StartInput{Name: in.Name, Variables: vars, ClientRequestToken: in.ClientRequestToken, SourceRevisions: in.SourceRevisions})
	if err != nil {
		return nil, err
	}
	return &executionIDOut{PipelineExecutionID: id}, nil
}

func (e *Engine) wStop(ctx context.Context, in *stopIn) (*executionIDOut, error) {
	abandon := in.Abandon != nil && *in.Abandon
	if len(in.Reason) > 200 {
		return nil, constraintErr(in.Reason, "reason", "Member must have length less than or equal to 200")
	}
	id, err := e.StopPipelineExecution(ctx, in.PipelineName, in.PipelineExecutionID, abandon, in.Reason)
	if err != nil {
		return nil, err
	}
	return &executionIDOut{PipelineExecutionID: id}, nil
}

func (e *Engine) wGetState(ctx context.Context, in *nameIn) (*PipelineState, error) {
	return e.GetPipelineState(ctx, in.Name)
}

func (e *Engine) wGetExecution(ctx context.Context, in *executionIn) (*getExecutionOut, error) {
	x, err := e.GetPipelineExecution(ctx, in.PipelineName, in.PipelineExecutionID)
	if err != nil {
		return nil, err
	}
	return &getExecutionOut{PipelineExecution: x}, nil
}

func (e *Engine) wListExecutions(ctx context.Context, in *listExecutionsIn) (*listExecutionsOut, error) {
	if err := maxResultsErr(in.MaxResults, "maxResults", 100); err != nil {
		return nil, err
	}
	stage := ""
	if in.Filter != nil && in.Filter.SucceededInStage != nil {
		stage = in.Filter.SucceededInStage.StageName
	}
	xs, next, err := e.ListPipelineExecutions(ctx, in.PipelineName, stage, intOr(in.MaxResults, 0), in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listExecutionsOut{PipelineExecutionSummaries: xs, NextToken: next}, nil
}

func (e *Engine) wListActionExecutions(ctx context.Context, in *listActionExecutionsIn) (*listActionExecutionsOut, error) {
	if err := maxResultsErr(in.MaxResults, "maxResults", 100); err != nil {
		return nil, err
	}
	id := ""
	if in.Filter != nil {
		id = in.Filter.PipelineExecutionID
	}
	ds, next, err := e.ListActionExecutions(ctx, in.PipelineName, id, intOr(in.MaxResults, 0), in.NextToken)
	if err != nil {
		return nil, err
	}
	return &listActionExecutionsOut{ActionExecutionDetails: ds, NextToken: next}, nil
}

func (e *Engine) wPutApproval(ctx context.Context, in *approvalIn) (*approvalOut, error) {
	if len(in.Result.Summary) > 512 {
		return nil, constraintErr(in.Result.Summary, "result.summary", "Member must have length less than or equal to 512")
	}
	at, err := e.PutApprovalResult(ctx, in.PipelineName, in.StageName, in.ActionName, in.Token, in.Result.Status, in.Result.Summary)
	if err != nil {
		return nil, err
	}
	return &approvalOut{ApprovedAt: at}, nil
}

func (e *Engine) wRetry(ctx context.Context, in *retryIn) (*executionIDOut, error) {
	id, err := e.RetryStageExecution(ctx, in.PipelineName, in.StageName, in.PipelineExecutionID, in.RetryMode)
	if err != nil {
		return nil, err
	}
	return &executionIDOut{PipelineExecutionID: id}, nil
}

func (e *Engine) wRollback(ctx context.Context, in *rollbackIn) (*executionIDOut, error) {
	id, err := e.RollbackStage(ctx, in.PipelineName, in.StageName, in.TargetPipelineExecutionID)
	if err != nil {
		return nil, err
	}
	return &executionIDOut{PipelineExecutionID: id}, nil
}

func (e *Engine) wEnableTransition(ctx context.Context, in *transitionIn) (*empty, error) {
	return &empty{}, e.EnableStageTransition(ctx, in.PipelineName, in.StageName, in.TransitionType)
}

func (e *Engine) wDisableTransition(ctx context.Context, in *transitionIn) (*empty, error) {
	if in.Reason == "" {
		return nil, constraintErr("null", "reason", "Member must not be null")
	}
	return &empty{}, e.DisableStageTransition(ctx, in.PipelineName, in.StageName, in.TransitionType, in.Reason)
}

func (e *Engine) wListActionTypes(ctx context.Context, in *listActionTypesIn) (*listActionTypesOut, error) {
	if in.RegionFilter != "" && in.RegionFilter != awsctx.From(ctx).Region {
		return &listActionTypesOut{ActionTypes: []ActionType{}}, nil
	}
	return &listActionTypesOut{ActionTypes: e.ListActionTypes(ctx, in.ActionOwnerFilter)}, nil
}

func (e *Engine) wGetActionType(ctx context.Context, in *getActionTypeIn) (*getActionTypeOut, error) {
	d, err := e.GetActionType(ctx, ActionTypeID{Category: in.Category, Owner: in.Owner, Provider: in.Provider, Version: in.Version})
	if err != nil {
		return nil, err
	}
	return &getActionTypeOut{ActionType: d}, nil
}

func (e *Engine) wListRuleTypes(ctx context.Context, in *listRuleTypesIn) (*listRuleTypesOut, error) {
	return &listRuleTypesOut{RuleTypes: e.ListRuleTypes(ctx)}, nil
}

func (e *Engine) wTag(ctx context.Context, in *tagResourceIn) (*empty, error) {
	return &empty{}, e.TagResource(ctx, in.ResourceArn, in.Tags)
}

func (e *Engine) wUntag(ctx context.Context, in *untagResourceIn) (*empty, error) {
	return &empty{}, e.UntagResource(ctx, in.ResourceArn, in.TagKeys)
}

func (e *Engine) wListTags(ctx context.Context, in *listTagsIn) (*listTagsOut, error) {
	tags, err := e.ListTagsForResource(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return &listTagsOut{Tags: tags}, nil
}

// Service is CodePipeline's wire description for the gateway.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "codepipeline",
		Protocols:    awswire.AWSJSON,
		JSONVersion:  "1.1",
		TargetPrefix: "CodePipeline_20150709",
		Ops: []awswire.Op{
			awswire.Operation("CreatePipeline", e.wCreatePipeline),
			awswire.Operation("GetPipeline", e.wGetPipeline),
			awswire.Operation("UpdatePipeline", e.wUpdatePipeline),
			awswire.Operation("DeletePipeline", e.wDeletePipeline),
			awswire.Operation("ListPipelines", e.wListPipelines),
			awswire.Operation("StartPipelineExecution", e.wStart),
			awswire.Operation("StopPipelineExecution", e.wStop),
			awswire.Operation("GetPipelineState", e.wGetState),
			awswire.Operation("GetPipelineExecution", e.wGetExecution),
			awswire.Operation("ListPipelineExecutions", e.wListExecutions),
			awswire.Operation("ListActionExecutions", e.wListActionExecutions),
			awswire.Operation("PutApprovalResult", e.wPutApproval),
			awswire.Operation("RetryStageExecution", e.wRetry),
			awswire.Operation("RollbackStage", e.wRollback),
			awswire.Operation("EnableStageTransition", e.wEnableTransition),
			awswire.Operation("DisableStageTransition", e.wDisableTransition),
			awswire.Operation("ListActionTypes", e.wListActionTypes),
			awswire.Operation("GetActionType", e.wGetActionType),
			awswire.Operation("ListRuleTypes", e.wListRuleTypes),
			awswire.Operation("TagResource", e.wTag),
			awswire.Operation("UntagResource", e.wUntag),
			awswire.Operation("ListTagsForResource", e.wListTags),
		},
	}
}
