package ssm

import (
	"context"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Shapes of the AmazonSSM awsJson 1.1 protocol (see the tag conventions in
// internal/awswire/codec.go). Handlers decode, call the engine, encode.

type tagShape struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type putParameterInput struct {
	Name           string     `json:"Name"`
	Description    string     `json:"Description,omitempty"`
	Value          string     `json:"Value"`
	Type           string     `json:"Type,omitempty"`
	KeyId          string     `json:"KeyId,omitempty"`
	Overwrite      *bool      `json:"Overwrite,omitempty"`
	AllowedPattern string     `json:"AllowedPattern,omitempty"`
	Tags           []tagShape `json:"Tags,omitempty"`
	Tier           string     `json:"Tier,omitempty"`
	Policies       string     `json:"Policies,omitempty"`
	DataType       string     `json:"DataType,omitempty"`
}

type putParameterOutput struct {
	Version int64  `json:"Version"`
	Tier    string `json:"Tier,omitempty"`
}

type parameterShape struct {
	Name             string    `json:"Name"`
	Type             string    `json:"Type"`
	Value            string    `json:"Value"`
	Version          int64     `json:"Version"`
	Selector         string    `json:"Selector,omitempty"`
	SourceResult     string    `json:"SourceResult,omitempty"`
	LastModifiedDate time.Time `json:"LastModifiedDate"`
	ARN              string    `json:"ARN"`
	DataType         string    `json:"DataType"`
}

type getParameterInput struct {
	Name           string `json:"Name"`
	WithDecryption *bool  `json:"WithDecryption,omitempty"`
}

type getParameterOutput struct {
	Parameter *parameterShape `json:"Parameter,omitempty"`
}

type getParametersInput struct {
	Names          []string `json:"Names" aws:"required"`
	WithDecryption *bool    `json:"WithDecryption,omitempty"`
}

type getParametersOutput struct {
	Parameters        []parameterShape `json:"Parameters"`
	InvalidParameters []string         `json:"InvalidParameters"`
}

type stringFilterShape struct {
	Key    string   `json:"Key" aws:"required"`
	Option string   `json:"Option,omitempty"`
	Values []string `json:"Values,omitempty"`
}

type getParametersByPathInput struct {
	Path             string              `json:"Path"`
	Recursive        *bool               `json:"Recursive,omitempty"`
	ParameterFilters []stringFilterShape `json:"ParameterFilters,omitempty"`
	WithDecryption   *bool               `json:"WithDecryption,omitempty"`
	MaxResults       *int32              `json:"MaxResults,omitempty"`
	NextToken        string              `json:"NextToken,omitempty"`
}

type getParametersByPathOutput struct {
	Parameters []parameterShape `json:"Parameters"`
	NextToken  string           `json:"NextToken,omitempty"`
}

type deleteParameterInput struct {
	Name string `json:"Name"`
}

type emptyOutput struct{}

type deleteParametersInput struct {
	Names []string `json:"Names" aws:"required"`
}

type deleteParametersOutput struct {
	DeletedParameters []string `json:"DeletedParameters"`
	InvalidParameters []string `json:"InvalidParameters"`
}

type legacyFilterShape struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

type describeParametersInput struct {
	Filters          []legacyFilterShape `json:"Filters,omitempty"`
	ParameterFilters []stringFilterShape `json:"ParameterFilters,omitempty"`
	MaxResults       *int32              `json:"MaxResults,omitempty"`
	NextToken        string              `json:"NextToken,omitempty"`
	Shared           *bool               `json:"Shared,omitempty"`
}

type policyShape struct {
	PolicyText   string `json:"PolicyText"`
	PolicyType   string `json:"PolicyType"`
	PolicyStatus string `json:"PolicyStatus"`
}

type parameterMetadataShape struct {
	Name             string        `json:"Name"`
	ARN              string        `json:"ARN"`
	Type             string        `json:"Type"`
	KeyId            string        `json:"KeyId,omitempty"`
	LastModifiedDate time.Time     `json:"LastModifiedDate"`
	LastModifiedUser string        `json:"LastModifiedUser,omitempty"`
	Description      string        `json:"Description,omitempty"`
	AllowedPattern   string        `json:"AllowedPattern,omitempty"`
	Version          int64         `json:"Version"`
	Tier             string        `json:"Tier"`
	Policies         []policyShape `json:"Policies"`
	DataType         string        `json:"DataType"`
}

type describeParametersOutput struct {
	Parameters []parameterMetadataShape `json:"Parameters"`
	NextToken  string                   `json:"NextToken,omitempty"`
}

type getParameterHistoryInput struct {
	Name           string `json:"Name"`
	WithDecryption *bool  `json:"WithDecryption,omitempty"`
	MaxResults     *int32 `json:"MaxResults,omitempty"`
	NextToken      string `json:"NextToken,omitempty"`
}

type parameterHistoryShape struct {
	Name             string        `json:"Name"`
	Type             string        `json:"Type"`
	KeyId            string        `json:"KeyId,omitempty"`
	LastModifiedDate time.Time     `json:"LastModifiedDate"`
	LastModifiedUser string        `json:"LastModifiedUser,omitempty"`
	Description      string        `json:"Description,omitempty"`
	Value            string        `json:"Value"`
	AllowedPattern   string        `json:"AllowedPattern,omitempty"`
	Version          int64         `json:"Version"`
	Labels           []string      `json:"Labels"`
	Tier             string        `json:"Tier"`
	Policies         []policyShape `json:"Policies"`
	DataType         string        `json:"DataType"`
}

type getParameterHistoryOutput struct {
	Parameters []parameterHistoryShape `json:"Parameters"`
	NextToken  string                  `json:"NextToken,omitempty"`
}

type labelParameterVersionInput struct {
	Name             string   `json:"Name"`
	ParameterVersion *int64   `json:"ParameterVersion,omitempty"`
	Labels           []string `json:"Labels" aws:"required"`
}

type labelParameterVersionOutput struct {
	InvalidLabels    []string `json:"InvalidLabels"`
	ParameterVersion int64    `json:"ParameterVersion"`
}

type unlabelParameterVersionInput struct {
	Name             string   `json:"Name"`
	ParameterVersion *int64   `json:"ParameterVersion" aws:"required"`
	Labels           []string `json:"Labels" aws:"required"`
}

type unlabelParameterVersionOutput struct {
	RemovedLabels []string `json:"RemovedLabels"`
	InvalidLabels []string `json:"InvalidLabels"`
}

type addTagsToResourceInput struct {
	ResourceType string     `json:"ResourceType" aws:"required"`
	ResourceId   string     `json:"ResourceId" aws:"required"`
	Tags         []tagShape `json:"Tags" aws:"required"`
}

type removeTagsFromResourceInput struct {
	ResourceType string   `json:"ResourceType" aws:"required"`
	ResourceId   string   `json:"ResourceId" aws:"required"`
	TagKeys      []string `json:"TagKeys" aws:"required"`
}

type listTagsForResourceInput struct {
	ResourceType string `json:"ResourceType" aws:"required"`
	ResourceId   string `json:"ResourceId" aws:"required"`
}

type listTagsForResourceOutput struct {
	TagList []tagShape `json:"TagList"`
}

// Service is Parameter Store on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "ssm",
		Protocols:    awswire.AWSJSON,
		JSONVersion:  "1.1",
		TargetPrefix: "AmazonSSM",
		Ops: []awswire.Op{
			awswire.Operation("PutParameter", e.wirePutParameter),
			awswire.Operation("GetParameter", e.wireGetParameter),
			awswire.Operation("GetParameters", e.wireGetParameters),
			awswire.Operation("GetParametersByPath", e.wireGetParametersByPath),
			awswire.Operation("DeleteParameter", e.wireDeleteParameter),
			awswire.Operation("DeleteParameters", e.wireDeleteParameters),
			awswire.Operation("DescribeParameters", e.wireDescribeParameters),
			awswire.Operation("GetParameterHistory", e.wireGetParameterHistory),
			awswire.Operation("LabelParameterVersion", e.wireLabelParameterVersion),
			awswire.Operation("UnlabelParameterVersion", e.wireUnlabelParameterVersion),
			awswire.Operation("AddTagsToResource", e.wireAddTagsToResource),
			awswire.Operation("RemoveTagsFromResource", e.wireRemoveTagsFromResource),
			awswire.Operation("ListTagsForResource", e.wireListTagsForResource),
		},
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func tagsIn(in []tagShape) []Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]Tag, len(in))
	for i, t := range in {
		out[i] = Tag(t)
	}
	return out
}

func filtersIn(in []stringFilterShape) []StringFilter {
	if len(in) == 0 {
		return nil
	}
	out := make([]StringFilter, len(in))
	for i, f := range in {
		out[i] = StringFilter(f)
	}
	return out
}

func paramOut(p *Parameter) parameterShape {
	return parameterShape{Name: p.Name, Type: p.Type, Value: p.Value, Version: p.Version, Selector: p.Selector,
		LastModifiedDate: p.LastModifiedDate, ARN: p.ARN, DataType: p.DataType}
}

func policiesOut(ps []Policy) []policyShape {
	out := make([]policyShape, len(ps))
	for i, p := range ps {
		out[i] = policyShape{p.Text, p.Type, p.Status}
	}
	return out
}

func (e *Engine) wirePutParameter(ctx context.Context, in *putParameterInput) (*putParameterOutput, error) {
	v, tier, err := e.put(ctx, &PutParameterInput{
		Name: in.Name, Value: in.Value, Type: in.Type, Description: in.Description, KeyID: in.KeyId,
		Overwrite: deref(in.Overwrite), AllowedPattern: in.AllowedPattern, Tags: tagsIn(in.Tags),
		Tier: in.Tier, Policies: in.Policies, DataType: in.DataType,
	})
	if err != nil {
		return nil, err
	}
	return &putParameterOutput{Version: v, Tier: tier}, nil
}

func (e *Engine) wireGetParameter(ctx context.Context, in *getParameterInput) (*getParameterOutput, error) {
	p, err := e.GetParameter(ctx, in.Name, deref(in.WithDecryption))
	if err != nil {
		return nil, err
	}
	out := paramOut(p)
	return &getParameterOutput{Parameter: &out}, nil
}

func (e *Engine) wireGetParameters(ctx context.Context, in *getParametersInput) (*getParametersOutput, error) {
	ps, invalid, err := e.GetParameters(ctx, in.Names, deref(in.WithDecryption))
	if err != nil {
		return nil, err
	}
	out := &getParametersOutput{Parameters: make([]parameterShape, len(ps)), InvalidParameters: invalid}
	for i, p := range ps {
		out.Parameters[i] = paramOut(p)
	}
	return out, nil
}

func (e *Engine) wireGetParametersByPath(ctx context.Context, in *getParametersByPathInput) (*getParametersByPathOutput, error) {
	ps, next, err := e.GetParametersByPath(ctx, ByPathInput{
		Path: in.Path, Recursive: deref(in.Recursive), Filters: filtersIn(in.ParameterFilters),
		WithDecryption: deref(in.WithDecryption), MaxResults: deref(in.MaxResults), NextToken: in.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := &getParametersByPathOutput{Parameters: make([]parameterShape, len(ps)), NextToken: next}
	for i, p := range ps {
		out.Parameters[i] = paramOut(p)
	}
	return out, nil
}

func (e *Engine) wireDeleteParameter(ctx context.Context, in *deleteParameterInput) (*emptyOutput, error) {
	if err := e.DeleteParameter(ctx, in.Name); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (e *Engine) wireDeleteParameters(ctx context.Context, in *deleteParametersInput) (*deleteParametersOutput, error) {
	deleted, invalid, err := e.DeleteParameters(ctx, in.Names)
	if err != nil {
		return nil, err
	}
	return &deleteParametersOutput{DeletedParameters: deleted, InvalidParameters: invalid}, nil
}

func (e *Engine) wireDescribeParameters(ctx context.Context, in *describeParametersInput) (*describeParametersOutput, error) {
	legacy := make([]LegacyFilter, len(in.Filters))
	for i, f := range in.Filters {
		legacy[i] = LegacyFilter(f)
	}
	ps, next, err := e.DescribeParameters(ctx, DescribeInput{
		Filters: legacy, ParameterFilters: filtersIn(in.ParameterFilters),
		MaxResults: deref(in.MaxResults), NextToken: in.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := &describeParametersOutput{Parameters: make([]parameterMetadataShape, len(ps)), NextToken: next}
	for i, p := range ps {
		out.Parameters[i] = parameterMetadataShape{
			Name: p.Name, ARN: p.ARN, Type: p.Type, KeyId: p.KeyID, LastModifiedDate: p.LastModifiedDate,
			LastModifiedUser: p.LastModifiedUser, Description: p.Description, AllowedPattern: p.AllowedPattern,
			Version: p.Version, Tier: p.Tier, Policies: policiesOut(p.Policies), DataType: p.DataType,
		}
	}
	return out, nil
}

func (e *Engine) wireGetParameterHistory(ctx context.Context, in *getParameterHistoryInput) (*getParameterHistoryOutput, error) {
	ps, next, err := e.GetParameterHistory(ctx, in.Name, deref(in.WithDecryption), deref(in.MaxResults), in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &getParameterHistoryOutput{Parameters: make([]parameterHistoryShape, len(ps)), NextToken: next}
	for i, p := range ps {
		out.Parameters[i] = parameterHistoryShape{
			Name: p.Name, Type: p.Type, KeyId: p.KeyID, LastModifiedDate: p.LastModifiedDate,
			LastModifiedUser: p.LastModifiedUser, Description: p.Description, Value: p.Value,
			AllowedPattern: p.AllowedPattern, Version: p.Version, Labels: p.Labels, Tier: p.Tier,
			Policies: policiesOut(p.Policies), DataType: p.DataType,
		}
	}
	return out, nil
}

func (e *Engine) wireLabelParameterVersion(ctx context.Context, in *labelParameterVersionInput) (*labelParameterVersionOutput, error) {
	invalid, v, err := e.LabelParameterVersion(ctx, in.Name, in.ParameterVersion, in.Labels)
	if err != nil {
		return nil, err
	}
	return &labelParameterVersionOutput{InvalidLabels: invalid, ParameterVersion: v}, nil
}

func (e *Engine) wireUnlabelParameterVersion(ctx context.Context, in *unlabelParameterVersionInput) (*unlabelParameterVersionOutput, error) {
	removed, invalid, err := e.UnlabelParameterVersion(ctx, in.Name, deref(in.ParameterVersion), in.Labels)
	if err != nil {
		return nil, err
	}
	return &unlabelParameterVersionOutput{RemovedLabels: removed, InvalidLabels: invalid}, nil
}

func (e *Engine) wireAddTagsToResource(ctx context.Context, in *addTagsToResourceInput) (*emptyOutput, error) {
	if err := e.AddTagsToResource(ctx, in.ResourceType, in.ResourceId, tagsIn(in.Tags)); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (e *Engine) wireRemoveTagsFromResource(ctx context.Context, in *removeTagsFromResourceInput) (*emptyOutput, error) {
	if err := e.RemoveTagsFromResource(ctx, in.ResourceType, in.ResourceId, in.TagKeys); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (e *Engine) wireListTagsForResource(ctx context.Context, in *listTagsForResourceInput) (*listTagsForResourceOutput, error) {
	tags, err := e.ListTagsForResource(ctx, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	out := &listTagsForResourceOutput{TagList: make([]tagShape, len(tags))}
	for i, t := range tags {
		out.TagList[i] = tagShape(t)
	}
	return out, nil
}
