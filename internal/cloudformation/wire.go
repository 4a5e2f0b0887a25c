package cloudformation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
)

// The CloudFormation wire layer (awsQuery). Shapes follow the AWS model
// member for member; handlers decode, call the engine, encode.

type wParameter struct {
	ParameterKey     string `json:"ParameterKey,omitempty"`
	ParameterValue   string `json:"ParameterValue,omitempty"`
	UsePreviousValue *bool  `json:"UsePreviousValue,omitempty"`
	ResolvedValue    string `json:"ResolvedValue,omitempty"`
}

type wTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type wOutput struct {
	OutputKey   string `json:"OutputKey,omitempty"`
	OutputValue string `json:"OutputValue,omitempty"`
	Description string `json:"Description,omitempty"`
	ExportName  string `json:"ExportName,omitempty"`
}

type wDriftInfo struct {
	StackDriftStatus   string     `json:"StackDriftStatus,omitempty"`
	LastCheckTimestamp *time.Time `json:"LastCheckTimestamp,omitempty"`
}

type wResDriftInfo struct {
	StackResourceDriftStatus string     `json:"StackResourceDriftStatus,omitempty"`
	LastCheckTimestamp       *time.Time `json:"LastCheckTimestamp,omitempty"`
}

type wRollbackConfig struct{}

type wStack struct {
	StackId                     string           `json:"StackId"`
	StackName                   string           `json:"StackName"`
	ChangeSetId                 string           `json:"ChangeSetId,omitempty"`
	Description                 string           `json:"Description,omitempty"`
	Parameters                  []wParameter     `json:"Parameters,omitempty"`
	CreationTime                time.Time        `json:"CreationTime"`
	DeletionTime                *time.Time       `json:"DeletionTime,omitempty"`
	LastUpdatedTime             *time.Time       `json:"LastUpdatedTime,omitempty"`
	RollbackConfiguration       *wRollbackConfig `json:"RollbackConfiguration,omitempty"`
	StackStatus                 string           `json:"StackStatus"`
	StackStatusReason           string           `json:"StackStatusReason,omitempty"`
	DisableRollback             bool             `json:"DisableRollback"`
	NotificationARNs            []string         `json:"NotificationARNs"`
	TimeoutInMinutes            int              `json:"TimeoutInMinutes,omitempty"`
	Capabilities                []string         `json:"Capabilities,omitempty"`
	Outputs                     []wOutput        `json:"Outputs,omitempty"`
	RoleARN                     string           `json:"RoleARN,omitempty"`
	Tags                        []wTag           `json:"Tags"`
	EnableTerminationProtection bool             `json:"EnableTerminationProtection"`
	ParentId                    string           `json:"ParentId,omitempty"`
	RootId                      string           `json:"RootId,omitempty"`
	DriftInformation            *wDriftInfo      `json:"DriftInformation,omitempty"`
}

func toWireParams(ps []Parameter) []wParameter {
	out := make([]wParameter, 0, len(ps))
	for _, p := range ps {
		w := wParameter{ParameterKey: p.Key, ParameterValue: p.Value, ResolvedValue: p.Resolved}
		if p.NoEcho {
			w.ParameterValue, w.ResolvedValue = "****", ""
		}
		out = append(out, w)
	}
	return out
}

func toWireTags(ts []Tag) []wTag {
	out := make([]wTag, 0, len(ts))
	for _, t := range ts {
		out = append(out, wTag{t.Key, t.Value})
	}
	return out
}

func fromWireTags(ts []wTag) []Tag {
	out := make([]Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, Tag{t.Key, t.Value})
	}
	return out
}

func fromWireParams(ps []wParameter) []ParamInput {
	out := make([]ParamInput, 0, len(ps))
	for _, p := range ps {
		out = append(out, ParamInput{Key: p.ParameterKey, Value: p.ParameterValue, UsePrevious: p.UsePreviousValue != nil && *p.UsePreviousValue})
	}
	return out
}

func driftInfo(st *Stack) *wDriftInfo {
	d := &wDriftInfo{StackDriftStatus: driftNotChecked}
	if st.DriftStatus != "" {
		d.StackDriftStatus, d.LastCheckTimestamp = st.DriftStatus, st.DriftCheckedAt
	}
	return d
}

func toWireStack(st *Stack) wStack {
	w := wStack{
		StackId: st.ID, StackName: st.Name, ChangeSetId: st.ChangeSetID, Description: st.Description,
		Parameters: toWireParams(st.Parameters), CreationTime: st.Created, DeletionTime: st.Deleted,
		LastUpdatedTime: st.Updated, RollbackConfiguration: &wRollbackConfig{}, StackStatus: st.Status,
		StackStatusReason: st.StatusReason, DisableRollback: st.DisableRollback, NotificationARNs: st.NotificationARNs,
		TimeoutInMinutes: st.TimeoutInMinutes, Capabilities: st.Capabilities, RoleARN: st.RoleARN,
		Tags: toWireTags(st.Tags), EnableTerminationProtection: st.Protected, ParentId: st.ParentID, RootId: st.RootID,
		DriftInformation: driftInfo(st),
	}
	if w.NotificationARNs == nil {
		w.NotificationARNs = []string{}
	}
	for _, o := range st.Outputs {
		w.Outputs = append(w.Outputs, wOutput{o.Key, o.Value, o.Description, o.ExportName})
	}
	return w
}

// --- create / update / delete ---

type createStackIn struct {
	StackName                   string       `json:"StackName" aws:"required"`
	TemplateBody                string       `json:"TemplateBody,omitempty"`
	TemplateURL                 string       `json:"TemplateURL,omitempty"`
	Parameters                  []wParameter `json:"Parameters,omitempty"`
	DisableRollback             *bool        `json:"DisableRollback,omitempty"`
	TimeoutInMinutes            int          `json:"TimeoutInMinutes,omitempty"`
	NotificationARNs            []string     `json:"NotificationARNs,omitempty"`
	Capabilities                []string     `json:"Capabilities,omitempty"`
	ResourceTypes               []string     `json:"ResourceTypes,omitempty"`
	RoleARN                     string       `json:"RoleARN,omitempty"`
	OnFailure                   string       `json:"OnFailure,omitempty"`
	StackPolicyBody             string       `json:"StackPolicyBody,omitempty"`
	StackPolicyURL              string       `json:"StackPolicyURL,omitempty"`
	Tags                        []wTag       `json:"Tags,omitempty"`
	ClientRequestToken          string       `json:"ClientRequestToken,omitempty"`
	EnableTerminationProtection *bool        `json:"EnableTerminationProtection,omitempty"`
}

type stackIDOut struct {
	StackId string `json:"StackId,omitempty"`
}

type empty struct{}

func (e *Engine) policyBody(ctx context.Context, body, url string) (string, error) {
	if url == "" {
		return body, nil
	}
	if body != "" {
		return "", errValidation.New("You cannot specify both StackPolicyURL and StackPolicyBody")
	}
	return e.loadBody(ctx, templateSource{URL: url})
}

func (e *Engine) wCreateStack(ctx context.Context, in *createStackIn) (*stackIDOut, error) {
	pol, err := e.policyBody(ctx, in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	id, err := e.CreateStack(ctx, CreateStackInput{
		StackName: in.StackName, TemplateBody: in.TemplateBody, TemplateURL: in.TemplateURL,
		Parameters: fromWireParams(in.Parameters), Capabilities: in.Capabilities, Tags: fromWireTags(in.Tags),
		NotificationARNs: in.NotificationARNs, RoleARN: in.RoleARN, TimeoutInMinutes: in.TimeoutInMinutes,
		DisableRollback: in.DisableRollback != nil && *in.DisableRollback, OnFailure: in.OnFailure,
		StackPolicyBody: pol, EnableTerminationProtection: in.EnableTerminationProtection != nil && *in.EnableTerminationProtection,
		ClientRequestToken: in.ClientRequestToken,
	})
	if err != nil {
		return nil, err
	}
	return &stackIDOut{id}, nil
}

type updateStackIn struct {
	StackName                   string       `json:"StackName" aws:"required"`
	TemplateBody                string       `json:"TemplateBody,omitempty"`
	TemplateURL                 string       `json:"TemplateURL,omitempty"`
	UsePreviousTemplate         *bool        `json:"UsePreviousTemplate,omitempty"`
	StackPolicyDuringUpdateBody string       `json:"StackPolicyDuringUpdateBody,omitempty"`
	StackPolicyDuringUpdateURL  string       `json:"StackPolicyDuringUpdateURL,omitempty"`
	Parameters                  []wParameter `json:"Parameters,omitempty"`
	Capabilities                []string     `json:"Capabilities,omitempty"`
	RoleARN                     string       `json:"RoleARN,omitempty"`
	StackPolicyBody             string       `json:"StackPolicyBody,omitempty"`
	StackPolicyURL              string       `json:"StackPolicyURL,omitempty"`
	NotificationARNs            []string     `json:"NotificationARNs,omitempty"`
	Tags                        []wTag       `json:"Tags"`
	DisableRollback             *bool        `json:"DisableRollback,omitempty"`
	ClientRequestToken          string       `json:"ClientRequestToken,omitempty"`
}

func (e *Engine) wUpdateStack(ctx context.Context, in *updateStackIn) (*stackIDOut, error) {
	pol, err := e.policyBody(ctx, in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	during, err := e.policyBody(ctx, in.StackPolicyDuringUpdateBody, in.StackPolicyDuringUpdateURL)
	if err != nil {
		return nil, err
	}
	id, err := e.UpdateStack(ctx, UpdateStackInput{
		StackName: in.StackName, TemplateBody: in.TemplateBody, TemplateURL: in.TemplateURL,
		UsePreviousTemplate: in.UsePreviousTemplate != nil && *in.UsePreviousTemplate,
		Parameters:          fromWireParams(in.Parameters), Capabilities: in.Capabilities, Tags: fromWireTags(in.Tags),
		TagsSet: in.Tags != nil, NotificationARNs: in.NotificationARNs, RoleARN: in.RoleARN,
		DisableRollback: in.DisableRollback != nil && *in.DisableRollback, StackPolicyBody: pol,
		StackPolicyDuringUpdateBody: during, ClientRequestToken: in.ClientRequestToken,
	})
	if err != nil {
		return nil, err
	}
	return &stackIDOut{id}, nil
}

type deleteStackIn struct {
	StackName          string   `json:"StackName" aws:"required"`
	RetainResources    []string `json:"RetainResources,omitempty"`
	RoleARN            string   `json:"RoleARN,omitempty"`
	ClientRequestToken string   `json:"ClientRequestToken,omitempty"`
}

func (e *Engine) wDeleteStack(ctx context.Context, in *deleteStackIn) (*empty, error) {
	return &empty{}, e.DeleteStack(ctx, in.StackName, in.RetainResources, in.ClientRequestToken)
}

// --- describe / list ---

type describeStacksIn struct {
	StackName string `json:"StackName,omitempty"`
	NextToken string `json:"NextToken,omitempty"`
}

type describeStacksOut struct {
	Stacks    []wStack `json:"Stacks"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (e *Engine) wDescribeStacks(ctx context.Context, in *describeStacksIn) (*describeStacksOut, error) {
	stacks, err := e.DescribeStacks(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(stacks, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &describeStacksOut{Stacks: []wStack{}, NextToken: next}
	for _, st := range page {
		out.Stacks = append(out.Stacks, toWireStack(st))
	}
	return out, nil
}

// paginate pages a list with an opaque offset token.
func paginate[T any](all []T, token string, size int) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", errValidation.New("Invalid NextToken")
		}
		start = n
	}
	end := min(start+size, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	return all[start:end], next, nil
}

type listStacksIn struct {
	NextToken         string   `json:"NextToken,omitempty"`
	StackStatusFilter []string `json:"StackStatusFilter,omitempty"`
}

type stackSummary struct {
	StackId             string      `json:"StackId"`
	StackName           string      `json:"StackName"`
	TemplateDescription string      `json:"TemplateDescription,omitempty"`
	CreationTime        time.Time   `json:"CreationTime"`
	LastUpdatedTime     *time.Time  `json:"LastUpdatedTime,omitempty"`
	DeletionTime        *time.Time  `json:"DeletionTime,omitempty"`
	StackStatus         string      `json:"StackStatus"`
	StackStatusReason   string      `json:"StackStatusReason,omitempty"`
	ParentId            string      `json:"ParentId,omitempty"`
	RootId              string      `json:"RootId,omitempty"`
	DriftInformation    *wDriftInfo `json:"DriftInformation,omitempty"`
}

type listStacksOut struct {
	StackSummaries []stackSummary `json:"StackSummaries"`
	NextToken      string         `json:"NextToken,omitempty"`
}

func (e *Engine) wListStacks(ctx context.Context, in *listStacksIn) (*listStacksOut, error) {
	stacks, err := e.ListStacks(ctx, in.StackStatusFilter)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(stacks, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &listStacksOut{StackSummaries: []stackSummary{}, NextToken: next}
	for _, st := range page {
		out.StackSummaries = append(out.StackSummaries, stackSummary{StackId: st.ID, StackName: st.Name, TemplateDescription: st.Description,
			CreationTime: st.Created, LastUpdatedTime: st.Updated, DeletionTime: st.Deleted, StackStatus: st.Status,
			StackStatusReason: st.StatusReason, ParentId: st.ParentID, RootId: st.RootID, DriftInformation: driftInfo(st)})
	}
	return out, nil
}

type stackEventsIn struct {
	StackName string `json:"StackName,omitempty"`
	NextToken string `json:"NextToken,omitempty"`
}

type wEvent struct {
	StackId              string    `json:"StackId"`
	EventId              string    `json:"EventId"`
	StackName            string    `json:"StackName"`
	LogicalResourceId    string    `json:"LogicalResourceId,omitempty"`
	PhysicalResourceId   string    `json:"PhysicalResourceId,omitempty"`
	ResourceType         string    `json:"ResourceType,omitempty"`
	Timestamp            time.Time `json:"Timestamp"`
	ResourceStatus       string    `json:"ResourceStatus,omitempty"`
	ResourceStatusReason string    `json:"ResourceStatusReason,omitempty"`
	ResourceProperties   string    `json:"ResourceProperties,omitempty"`
	ClientRequestToken   string    `json:"ClientRequestToken,omitempty"`
	DetailedStatus       string    `json:"DetailedStatus,omitempty"`
}

type stackEventsOut struct {
	StackEvents []wEvent `json:"StackEvents"`
	NextToken   string   `json:"NextToken,omitempty"`
}

func (e *Engine) wStackEvents(ctx context.Context, in *stackEventsIn) (*stackEventsOut, error) {
	if in.StackName == "" {
		return nil, errValidation.New("1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null")
	}
	evs, next, err := e.StackEvents(ctx, in.StackName, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &stackEventsOut{StackEvents: []wEvent{}, NextToken: next}
	for _, ev := range evs {
		out.StackEvents = append(out.StackEvents, wEvent{StackId: ev.StackID, EventId: ev.EventID, StackName: ev.StackName,
			LogicalResourceId: ev.LogicalID, PhysicalResourceId: ev.PhysicalID, ResourceType: ev.ResourceType, Timestamp: ev.Timestamp,
			ResourceStatus: ev.Status, ResourceStatusReason: ev.Reason, ResourceProperties: ev.Properties,
			ClientRequestToken: ev.Token, DetailedStatus: ev.DetailedStatus})
	}
	return out, nil
}

func resDrift(x *Resource) *wResDriftInfo {
	d := &wResDriftInfo{StackResourceDriftStatus: driftNotChecked}
	if x.Drift != nil {
		t := x.Drift.CheckedAt
		d.StackResourceDriftStatus, d.LastCheckTimestamp = x.Drift.Status, &t
	}
	return d
}

type describeResourceIn struct {
	StackName         string `json:"StackName" aws:"required"`
	LogicalResourceId string `json:"LogicalResourceId" aws:"required"`
}

type wResourceDetail struct {
	StackName            string         `json:"StackName"`
	StackId              string         `json:"StackId"`
	LogicalResourceId    string         `json:"LogicalResourceId"`
	PhysicalResourceId   string         `json:"PhysicalResourceId,omitempty"`
	ResourceType         string         `json:"ResourceType"`
	LastUpdatedTimestamp time.Time      `json:"LastUpdatedTimestamp"`
	ResourceStatus       string         `json:"ResourceStatus"`
	ResourceStatusReason string         `json:"ResourceStatusReason,omitempty"`
	Metadata             string         `json:"Metadata,omitempty"`
	DriftInformation     *wResDriftInfo `json:"DriftInformation,omitempty"`
}

type describeResourceOut struct {
	StackResourceDetail wResourceDetail `json:"StackResourceDetail"`
}

func (e *Engine) wDescribeResource(ctx context.Context, in *describeResourceIn) (*describeResourceOut, error) {
	st, res, err := e.StackResources(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	for _, x := range res {
		if x.LogicalID == in.LogicalResourceId {
			d := wResourceDetail{StackName: st.Name, StackId: st.ID, LogicalResourceId: x.LogicalID, PhysicalResourceId: x.PhysicalID,
				ResourceType: x.Type, LastUpdatedTimestamp: x.Updated, ResourceStatus: x.Status, ResourceStatusReason: x.StatusReason,
				DriftInformation: resDrift(x)}
			if x.Metadata != nil {
				d.Metadata = compactJSON(x.Metadata)
			}
			return &describeResourceOut{d}, nil
		}
	}
	return nil, errValidation.New("Resource %s does not exist for stack %s", in.LogicalResourceId, in.StackName)
}

type describeResourcesIn struct {
	StackName          string `json:"StackName,omitempty"`
	LogicalResourceId  string `json:"LogicalResourceId,omitempty"`
	PhysicalResourceId string `json:"PhysicalResourceId,omitempty"`
}

type wStackResource struct {
	StackName            string         `json:"StackName"`
	StackId              string         `json:"StackId"`
	LogicalResourceId    string         `json:"LogicalResourceId"`
	PhysicalResourceId   string         `json:"PhysicalResourceId,omitempty"`
	ResourceType         string         `json:"ResourceType"`
	Timestamp            time.Time      `json:"Timestamp"`
	ResourceStatus       string         `json:"ResourceStatus"`
	ResourceStatusReason string         `json:"ResourceStatusReason,omitempty"`
	DriftInformation     *wResDriftInfo `json:"DriftInformation,omitempty"`
}

type describeResourcesOut struct {
	StackResources []wStackResource `json:"StackResources"`
}

func (e *Engine) wDescribeResources(ctx context.Context, in *describeResourcesIn) (*describeResourcesOut, error) {
	name := in.StackName
	if name == "" {
		if in.PhysicalResourceId == "" {
			return nil, errValidation.New("Either StackName or PhysicalResourceId must be specified")
		}
		st, err := e.StackByPhysicalID(ctx, in.PhysicalResourceId)
		if err != nil {
			return nil, err
		}
		name = st.ID
	}
	st, res, err := e.StackResources(ctx, name)
	if err != nil {
		return nil, err
	}
	out := &describeResourcesOut{StackResources: []wStackResource{}}
	for _, x := range res {
		if (in.LogicalResourceId != "" && x.LogicalID != in.LogicalResourceId) || (in.PhysicalResourceId != "" && x.PhysicalID != in.PhysicalResourceId) {
			continue
		}
		out.StackResources = append(out.StackResources, wStackResource{StackName: st.Name, StackId: st.ID, LogicalResourceId: x.LogicalID,
			PhysicalResourceId: x.PhysicalID, ResourceType: x.Type, Timestamp: x.Updated, ResourceStatus: x.Status,
			ResourceStatusReason: x.StatusReason, DriftInformation: resDrift(x)})
	}
	return out, nil
}

type listResourcesIn struct {
	StackName string `json:"StackName" aws:"required"`
	NextToken string `json:"NextToken,omitempty"`
}

type wResourceSummary struct {
	LogicalResourceId    string         `json:"LogicalResourceId"`
	PhysicalResourceId   string         `json:"PhysicalResourceId,omitempty"`
	ResourceType         string         `json:"ResourceType"`
	LastUpdatedTimestamp time.Time      `json:"LastUpdatedTimestamp"`
	ResourceStatus       string         `json:"ResourceStatus"`
	ResourceStatusReason string         `json:"ResourceStatusReason,omitempty"`
	DriftInformation     *wResDriftInfo `json:"DriftInformation,omitempty"`
}

type listResourcesOut struct {
	StackResourceSummaries []wResourceSummary `json:"StackResourceSummaries"`
	NextToken              string             `json:"NextToken,omitempty"`
}

func (e *Engine) wListResources(ctx context.Context, in *listResourcesIn) (*listResourcesOut, error) {
	_, res, err := e.StackResources(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(res, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &listResourcesOut{StackResourceSummaries: []wResourceSummary{}, NextToken: next}
	for _, x := range page {
		out.StackResourceSummaries = append(out.StackResourceSummaries, wResourceSummary{LogicalResourceId: x.LogicalID,
			PhysicalResourceId: x.PhysicalID, ResourceType: x.Type, LastUpdatedTimestamp: x.Updated, ResourceStatus: x.Status,
			ResourceStatusReason: x.StatusReason, DriftInformation: resDrift(x)})
	}
	return out, nil
}

// --- templates ---

type getTemplateIn struct {
	StackName     string `json:"StackName,omitempty"`
	ChangeSetName string `json:"ChangeSetName,omitempty"`
	TemplateStage string `json:"TemplateStage,omitempty"`
}

type getTemplateOut struct {
	TemplateBody    string   `json:"TemplateBody"`
	StagesAvailable []string `json:"StagesAvailable"`
}

func (e *Engine) wGetTemplate(ctx context.Context, in *getTemplateIn) (*getTemplateOut, error) {
	if in.TemplateStage != "" && in.TemplateStage != "Original" && in.TemplateStage != "Processed" {
		return nil, errValidation.New("1 validation error detected: Value '%s' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]", in.TemplateStage)
	}
	body, err := e.Template(ctx, in.StackName, in.ChangeSetName, in.TemplateStage == "Processed")
	if err != nil {
		return nil, err
	}
	return &getTemplateOut{TemplateBody: body, StagesAvailable: []string{"Original", "Processed"}}, nil
}

type validateIn struct {
	TemplateBody string `json:"TemplateBody,omitempty"`
	TemplateURL  string `json:"TemplateURL,omitempty"`
}

type wTemplateParameter struct {
	ParameterKey string `json:"ParameterKey"`
	DefaultValue string `json:"DefaultValue,omitempty"`
	NoEcho       bool   `json:"NoEcho"`
	Description  string `json:"Description,omitempty"`
}

type validateOut struct {
	Parameters         []wTemplateParameter `json:"Parameters"`
	Description        string               `json:"Description,omitempty"`
	Capabilities       []string             `json:"Capabilities,omitempty"`
	CapabilitiesReason string               `json:"CapabilitiesReason,omitempty"`
	DeclaredTransforms []string             `json:"DeclaredTransforms,omitempty"`
}

func (e *Engine) wValidate(ctx context.Context, in *validateIn) (*validateOut, error) {
	v, err := e.ValidateTemplate(ctx, in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	out := &validateOut{Parameters: []wTemplateParameter{}, Description: v.Description, Capabilities: v.Capabilities,
		CapabilitiesReason: v.CapabilitiesReason, DeclaredTransforms: v.Transforms}
	for _, p := range v.Parameters {
		w := wTemplateParameter{ParameterKey: p.Name, NoEcho: p.NoEcho, Description: p.Description}
		if p.Default != nil {
			w.DefaultValue = *p.Default
		}
		out.Parameters = append(out.Parameters, w)
	}
	return out, nil
}

type summaryIn struct {
	TemplateBody string `json:"TemplateBody,omitempty"`
	TemplateURL  string `json:"TemplateURL,omitempty"`
	StackName    string `json:"StackName,omitempty"`
}

type wParamConstraints struct {
	AllowedValues []string `json:"AllowedValues,omitempty"`
}

type wParamDeclaration struct {
	ParameterKey         string             `json:"ParameterKey"`
	DefaultValue         string             `json:"DefaultValue,omitempty"`
	ParameterType        string             `json:"ParameterType"`
	NoEcho               bool               `json:"NoEcho"`
	Description          string             `json:"Description,omitempty"`
	ParameterConstraints *wParamConstraints `json:"ParameterConstraints,omitempty"`
}

type wResourceIdentifierSummary struct {
	ResourceType       string   `json:"ResourceType"`
	LogicalResourceIds []string `json:"LogicalResourceIds"`
}

type summaryOut struct {
	Parameters                  []wParamDeclaration          `json:"Parameters"`
	Description                 string                       `json:"Description,omitempty"`
	Capabilities                []string                     `json:"Capabilities,omitempty"`
	CapabilitiesReason          string                       `json:"CapabilitiesReason,omitempty"`
	ResourceTypes               []string                     `json:"ResourceTypes"`
	Version                     string                       `json:"Version,omitempty"`
	Metadata                    string                       `json:"Metadata,omitempty"`
	DeclaredTransforms          []string                     `json:"DeclaredTransforms,omitempty"`
	ResourceIdentifierSummaries []wResourceIdentifierSummary `json:"ResourceIdentifierSummaries,omitempty"`
}

func (e *Engine) wSummary(ctx context.Context, in *summaryIn) (*summaryOut, error) {
	body := in.TemplateBody
	if in.StackName != "" {
		if in.TemplateBody != "" || in.TemplateURL != "" {
			return nil, errValidation.New("Specify exactly one of TemplateBody, TemplateURL or StackName.")
		}
		st, err := e.findStack(ctx, in.StackName)
		if err != nil {
			return nil, err
		}
		body = st.TemplateBody
	} else {
		var err error
		if body, err = e.loadBody(ctx, templateSource{in.TemplateBody, in.TemplateURL}); err != nil {
			return nil, err
		}
	}
	t, err := e.parseAndValidate(body)
	if err != nil {
		return nil, err
	}
	out := &summaryOut{Parameters: []wParamDeclaration{}, Description: t.Description, ResourceTypes: template.DeclaredTypes(t),
		Version: t.FormatVersion, DeclaredTransforms: t.Transform}
	out.Capabilities, out.CapabilitiesReason = requiredCaps(t)
	if t.Metadata != nil {
		out.Metadata = compactJSON(t.Metadata)
	}
	for _, p := range t.Parameters {
		w := wParamDeclaration{ParameterKey: p.Name, ParameterType: p.Type, NoEcho: p.NoEcho, Description: p.Description}
		if p.Default != nil && !p.NoEcho {
			w.DefaultValue = *p.Default
		} else if p.Default != nil {
			w.DefaultValue = "****"
		}
		if len(p.AllowedValues) > 0 {
			w.ParameterConstraints = &wParamConstraints{AllowedValues: p.AllowedValues}
		} else {
			w.ParameterConstraints = &wParamConstraints{}
		}
		out.Parameters = append(out.Parameters, w)
	}
	byType := map[string][]string{}
	for _, r := range t.Resources {
		byType[r.Type] = append(byType[r.Type], r.LogicalID)
	}
	for _, typ := range out.ResourceTypes {
		out.ResourceIdentifierSummaries = append(out.ResourceIdentifierSummaries, wResourceIdentifierSummary{typ, byType[typ]})
	}
	return out, nil
}

// --- change sets ---

type createChangeSetIn struct {
	StackName             string       `json:"StackName" aws:"required"`
	TemplateBody          string       `json:"TemplateBody,omitempty"`
	TemplateURL           string       `json:"TemplateURL,omitempty"`
	UsePreviousTemplate   *bool        `json:"UsePreviousTemplate,omitempty"`
	Parameters            []wParameter `json:"Parameters,omitempty"`
	Capabilities          []string     `json:"Capabilities,omitempty"`
	RoleARN               string       `json:"RoleARN,omitempty"`
	NotificationARNs      []string     `json:"NotificationARNs,omitempty"`
	Tags                  []wTag       `json:"Tags"`
	ChangeSetName         string       `json:"ChangeSetName" aws:"required"`
	ClientToken           string       `json:"ClientToken,omitempty"`
	Description           string       `json:"Description,omitempty"`
	ChangeSetType         string       `json:"ChangeSetType,omitempty"`
	IncludeNestedStacks   *bool        `json:"IncludeNestedStacks,omitempty"`
	OnStackFailure        string       `json:"OnStackFailure,omitempty"`
	IncludePropertyValues *bool        `json:"IncludePropertyValues,omitempty"`
}

type createChangeSetOut struct {
	Id      string `json:"Id"`
	StackId string `json:"StackId"`
}

func (e *Engine) wCreateChangeSet(ctx context.Context, in *createChangeSetIn) (*createChangeSetOut, error) {
	id, sid, err := e.CreateChangeSet(ctx, CreateChangeSetInput{
		StackName: in.StackName, ChangeSetName: in.ChangeSetName, ChangeSetType: in.ChangeSetType,
		TemplateBody: in.TemplateBody, TemplateURL: in.TemplateURL, UsePreviousTemplate: in.UsePreviousTemplate != nil && *in.UsePreviousTemplate,
		Parameters: fromWireParams(in.Parameters), Capabilities: in.Capabilities, Tags: fromWireTags(in.Tags), TagsSet: in.Tags != nil,
		NotificationARNs: in.NotificationARNs, RoleARN: in.RoleARN, Description: in.Description, OnStackFailure: in.OnStackFailure,
	})
	if err != nil {
		return nil, err
	}
	return &createChangeSetOut{Id: id, StackId: sid}, nil
}

type changeSetIn struct {
	ChangeSetName         string `json:"ChangeSetName" aws:"required"`
	StackName             string `json:"StackName,omitempty"`
	NextToken             string `json:"NextToken,omitempty"`
	IncludePropertyValues *bool  `json:"IncludePropertyValues,omitempty"`
}

type wTarget struct {
	Attribute           string `json:"Attribute,omitempty"`
	Name                string `json:"Name,omitempty"`
	RequiresRecreation  string `json:"RequiresRecreation,omitempty"`
	Path                string `json:"Path,omitempty"`
	BeforeValue         string `json:"BeforeValue,omitempty"`
	AfterValue          string `json:"AfterValue,omitempty"`
	AttributeChangeType string `json:"AttributeChangeType,omitempty"`
}

type wChangeDetail struct {
	Target        wTarget `json:"Target"`
	Evaluation    string  `json:"Evaluation,omitempty"`
	ChangeSource  string  `json:"ChangeSource,omitempty"`
	CausingEntity string  `json:"CausingEntity,omitempty"`
}

type wResourceChange struct {
	PolicyAction       string          `json:"PolicyAction,omitempty"`
	Action             string          `json:"Action"`
	LogicalResourceId  string          `json:"LogicalResourceId"`
	PhysicalResourceId string          `json:"PhysicalResourceId,omitempty"`
	ResourceType       string          `json:"ResourceType"`
	Replacement        string          `json:"Replacement,omitempty"`
	Scope              []string        `json:"Scope"`
	Details            []wChangeDetail `json:"Details"`
	BeforeContext      string          `json:"BeforeContext,omitempty"`
	AfterContext       string          `json:"AfterContext,omitempty"`
}

type wChange struct {
	Type                string          `json:"Type"`
	HookInvocationCount *int            `json:"HookInvocationCount,omitempty"`
	ResourceChange      wResourceChange `json:"ResourceChange"`
}

type describeChangeSetOut struct {
	ChangeSetName         string           `json:"ChangeSetName"`
	ChangeSetId           string           `json:"ChangeSetId"`
	StackId               string           `json:"StackId"`
	StackName             string           `json:"StackName"`
	Description           string           `json:"Description,omitempty"`
	Parameters            []wParameter     `json:"Parameters,omitempty"`
	CreationTime          time.Time        `json:"CreationTime"`
	ExecutionStatus       string           `json:"ExecutionStatus"`
	Status                string           `json:"Status"`
	StatusReason          string           `json:"StatusReason,omitempty"`
	NotificationARNs      []string         `json:"NotificationARNs"`
	RollbackConfiguration *wRollbackConfig `json:"RollbackConfiguration,omitempty"`
	Capabilities          []string         `json:"Capabilities,omitempty"`
	Tags                  []wTag           `json:"Tags,omitempty"`
	Changes               []wChange        `json:"Changes"`
	NextToken             string           `json:"NextToken,omitempty"`
	IncludeNestedStacks   bool             `json:"IncludeNestedStacks"`
	OnStackFailure        string           `json:"OnStackFailure,omitempty"`
}

func (e *Engine) wDescribeChangeSet(ctx context.Context, in *changeSetIn) (*describeChangeSetOut, error) {
	cs, err := e.DescribeChangeSet(ctx, in.StackName, in.ChangeSetName)
	if err != nil {
		return nil, err
	}
	withValues := in.IncludePropertyValues != nil && *in.IncludePropertyValues
	changes := make([]wChange, 0, len(cs.Changes))
	for _, c := range cs.Changes {
		rc := wResourceChange{PolicyAction: c.PolicyAction, Action: c.Action, LogicalResourceId: c.LogicalID, PhysicalResourceId: c.PhysicalID,
			ResourceType: c.ResourceType, Replacement: c.Replacement, Scope: c.Scope, Details: []wChangeDetail{}}
		if rc.Scope == nil {
			rc.Scope = []string{}
		}
		if withValues {
			rc.BeforeContext, rc.AfterContext = c.BeforeContext, c.AfterContext
		}
		for _, d := range c.Details {
			t := wTarget{Attribute: d.Attribute, Name: d.Name, RequiresRecreation: d.RequiresRecreation}
			if withValues {
				t.Path, t.BeforeValue, t.AfterValue, t.AttributeChangeType = d.Path, d.BeforeValue, d.AfterValue, d.AttributeChange
			}
			rc.Details = append(rc.Details, wChangeDetail{Target: t, Evaluation: d.Evaluation, ChangeSource: d.ChangeSource, CausingEntity: d.CausingEntity})
		}
		zero := 0
		changes = append(changes, wChange{Type: "Resource", HookInvocationCount: &zero, ResourceChange: rc})
	}
	page, next, err := paginate(changes, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	out := &describeChangeSetOut{ChangeSetName: cs.Name, ChangeSetId: cs.ID, StackId: cs.StackID, StackName: cs.StackName,
		Description: cs.Description, Parameters: toWireParams(cs.Parameters), CreationTime: cs.Created, ExecutionStatus: cs.ExecutionStatus,
		Status: cs.Status, StatusReason: cs.StatusReason, NotificationARNs: cs.NotificationARNs, RollbackConfiguration: &wRollbackConfig{},
		Capabilities: cs.Capabilities, Tags: toWireTags(cs.Tags), Changes: page, NextToken: next, OnStackFailure: cs.OnStackFailure}
	if out.NotificationARNs == nil {
		out.NotificationARNs = []string{}
	}
	return out, nil
}

type executeChangeSetIn struct {
	ChangeSetName      string `json:"ChangeSetName" aws:"required"`
	StackName          string `json:"StackName,omitempty"`
	ClientRequestToken string `json:"ClientRequestToken,omitempty"`
	DisableRollback    *bool  `json:"DisableRollback,omitempty"`
}

func (e *Engine) wExecuteChangeSet(ctx context.Context, in *executeChangeSetIn) (*empty, error) {
	return &empty{}, e.ExecuteChangeSet(ctx, in.StackName, in.ChangeSetName, in.DisableRollback != nil && *in.DisableRollback, in.ClientRequestToken)
}

func (e *Engine) wDeleteChangeSet(ctx context.Context, in *changeSetIn) (*empty, error) {
	return &empty{}, e.DeleteChangeSet(ctx, in.StackName, in.ChangeSetName)
}

type listChangeSetsIn struct {
	StackName string `json:"StackName" aws:"required"`
	NextToken string `json:"NextToken,omitempty"`
}

type wChangeSetSummary struct {
	StackId             string    `json:"StackId"`
	StackName           string    `json:"StackName"`
	ChangeSetId         string    `json:"ChangeSetId"`
	ChangeSetName       string    `json:"ChangeSetName"`
	ExecutionStatus     string    `json:"ExecutionStatus"`
	Status              string    `json:"Status"`
	StatusReason        string    `json:"StatusReason,omitempty"`
	CreationTime        time.Time `json:"CreationTime"`
	Description         string    `json:"Description,omitempty"`
	IncludeNestedStacks bool      `json:"IncludeNestedStacks"`
}

type listChangeSetsOut struct {
	Summaries []wChangeSetSummary `json:"Summaries"`
	NextToken string              `json:"NextToken,omitempty"`
}

func (e *Engine) wListChangeSets(ctx context.Context, in *listChangeSetsIn) (*listChangeSetsOut, error) {
	list, err := e.ListChangeSets(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(list, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &listChangeSetsOut{Summaries: []wChangeSetSummary{}, NextToken: next}
	for _, cs := range page {
		out.Summaries = append(out.Summaries, wChangeSetSummary{StackId: cs.StackID, StackName: cs.StackName, ChangeSetId: cs.ID,
			ChangeSetName: cs.Name, ExecutionStatus: cs.ExecutionStatus, Status: cs.Status, StatusReason: cs.StatusReason,
			CreationTime: cs.Created, Description: cs.Description})
	}
	return out, nil
}

// --- drift ---

type detectDriftIn struct {
	StackName          string   `json:"StackName" aws:"required"`
	LogicalResourceIds []string `json:"LogicalResourceIds,omitempty"`
}

type detectDriftOut struct {
	StackDriftDetectionId string `json:"StackDriftDetectionId"`
}

func (e *Engine) wDetectDrift(ctx context.Context, in *detectDriftIn) (*detectDriftOut, error) {
	id, err := e.DetectStackDrift(ctx, in.StackName, in.LogicalResourceIds)
	if err != nil {
		return nil, err
	}
	return &detectDriftOut{id}, nil
}

type driftStatusIn struct {
	StackDriftDetectionId string `json:"StackDriftDetectionId" aws:"required"`
}

type driftStatusOut struct {
	StackId                   string    `json:"StackId"`
	StackDriftDetectionId     string    `json:"StackDriftDetectionId"`
	StackDriftStatus          string    `json:"StackDriftStatus,omitempty"`
	DetectionStatus           string    `json:"DetectionStatus"`
	DetectionStatusReason     string    `json:"DetectionStatusReason,omitempty"`
	DriftedStackResourceCount *int      `json:"DriftedStackResourceCount,omitempty"`
	Timestamp                 time.Time `json:"Timestamp"`
}

func (e *Engine) wDriftStatus(ctx context.Context, in *driftStatusIn) (*driftStatusOut, error) {
	d, err := e.DriftDetectionStatus(ctx, in.StackDriftDetectionId)
	if err != nil {
		return nil, err
	}
	out := &driftStatusOut{StackId: d.StackID, StackDriftDetectionId: d.ID, StackDriftStatus: d.StackDrift, DetectionStatus: d.Status,
		DetectionStatusReason: d.Reason, Timestamp: d.Timestamp}
	if d.Status == "DETECTION_COMPLETE" {
		n := d.DriftedCount
		out.DriftedStackResourceCount = &n
	}
	return out, nil
}

type wPropertyDifference struct {
	PropertyPath   string `json:"PropertyPath"`
	ExpectedValue  string `json:"ExpectedValue"`
	ActualValue    string `json:"ActualValue"`
	DifferenceType string `json:"DifferenceType"`
}

type wResourceDrift struct {
	StackId                  string                `json:"StackId"`
	LogicalResourceId        string                `json:"LogicalResourceId"`
	PhysicalResourceId       string                `json:"PhysicalResourceId,omitempty"`
	ResourceType             string                `json:"ResourceType"`
	ExpectedProperties       string                `json:"ExpectedProperties,omitempty"`
	ActualProperties         string                `json:"ActualProperties,omitempty"`
	PropertyDifferences      []wPropertyDifference `json:"PropertyDifferences,omitempty"`
	StackResourceDriftStatus string                `json:"StackResourceDriftStatus"`
	Timestamp                time.Time             `json:"Timestamp"`
}

func toWireDrift(st *Stack, x *Resource) wResourceDrift {
	w := wResourceDrift{StackId: st.ID, LogicalResourceId: x.LogicalID, PhysicalResourceId: x.PhysicalID, ResourceType: x.Type,
		ExpectedProperties: x.Drift.Expected, ActualProperties: x.Drift.Actual, StackResourceDriftStatus: x.Drift.Status, Timestamp: x.Drift.CheckedAt}
	for _, d := range x.Drift.Differences {
		w.PropertyDifferences = append(w.PropertyDifferences, wPropertyDifference{d.Path, d.Expected, d.Actual, d.Type})
	}
	return w
}

type resourceDriftsIn struct {
	StackName                       string   `json:"StackName" aws:"required"`
	StackResourceDriftStatusFilters []string `json:"StackResourceDriftStatusFilters,omitempty"`
	NextToken                       string   `json:"NextToken,omitempty"`
	MaxResults                      int      `json:"MaxResults,omitempty"`
}

type resourceDriftsOut struct {
	StackResourceDrifts []wResourceDrift `json:"StackResourceDrifts"`
	NextToken           string           `json:"NextToken,omitempty"`
}

func (e *Engine) wResourceDrifts(ctx context.Context, in *resourceDriftsIn) (*resourceDriftsOut, error) {
	for _, f := range in.StackResourceDriftStatusFilters {
		switch f {
		case driftInSync, driftModified, driftDeleted, driftNotChecked, "UNKNOWN", "UNSUPPORTED":
		default:
			return nil, errValidation.New("1 validation error detected: Value '[%s]' at 'stackResourceDriftStatusFilters' failed to satisfy constraint: Member must satisfy enum value set: [IN_SYNC, MODIFIED, DELETED, NOT_CHECKED, UNKNOWN, UNSUPPORTED]", f)
		}
	}
	st, res, err := e.ResourceDrifts(ctx, in.StackName, in.StackResourceDriftStatusFilters)
	if err != nil {
		return nil, err
	}
	size := in.MaxResults
	if size <= 0 || size > 100 {
		size = 100
	}
	page, next, err := paginate(res, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := &resourceDriftsOut{StackResourceDrifts: []wResourceDrift{}, NextToken: next}
	for _, x := range page {
		out.StackResourceDrifts = append(out.StackResourceDrifts, toWireDrift(st, x))
	}
	return out, nil
}

type detectResourceDriftIn struct {
	StackName         string `json:"StackName" aws:"required"`
	LogicalResourceId string `json:"LogicalResourceId" aws:"required"`
}

type detectResourceDriftOut struct {
	StackResourceDrift wResourceDrift `json:"StackResourceDrift"`
}

func (e *Engine) wDetectResourceDrift(ctx context.Context, in *detectResourceDriftIn) (*detectResourceDriftOut, error) {
	st, x, err := e.DetectResourceDrift(ctx, in.StackName, in.LogicalResourceId)
	if err != nil {
		return nil, err
	}
	return &detectResourceDriftOut{toWireDrift(st, x)}, nil
}

// --- exports, protection, policy, rollback controls, signals ---

type listExportsIn struct {
	NextToken string `json:"NextToken,omitempty"`
}

type wExport struct {
	ExportingStackId string `json:"ExportingStackId"`
	Name             string `json:"Name"`
	Value            string `json:"Value"`
}

type listExportsOut struct {
	Exports   []wExport `json:"Exports"`
	NextToken string    `json:"NextToken,omitempty"`
}

func (e *Engine) wListExports(ctx context.Context, in *listExportsIn) (*listExportsOut, error) {
	all, err := e.Exports(ctx)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(all, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	out := &listExportsOut{Exports: []wExport{}, NextToken: next}
	for _, ex := range page {
		out.Exports = append(out.Exports, wExport{ex.StackID, ex.Name, ex.Value})
	}
	return out, nil
}

type listImportsIn struct {
	ExportName string `json:"ExportName" aws:"required"`
	NextToken  string `json:"NextToken,omitempty"`
}

type listImportsOut struct {
	Imports   []string `json:"Imports"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (e *Engine) wListImports(ctx context.Context, in *listImportsIn) (*listImportsOut, error) {
	all, err := e.Imports(ctx, in.ExportName)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(all, in.NextToken, 100)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []string{}
	}
	return &listImportsOut{Imports: page, NextToken: next}, nil
}

type terminationIn struct {
	EnableTerminationProtection *bool  `json:"EnableTerminationProtection" aws:"required"`
	StackName                   string `json:"StackName" aws:"required"`
}

func (e *Engine) wTermination(ctx context.Context, in *terminationIn) (*stackIDOut, error) {
	id, err := e.SetTerminationProtection(ctx, in.StackName, *in.EnableTerminationProtection)
	if err != nil {
		return nil, err
	}
	return &stackIDOut{id}, nil
}

type setPolicyIn struct {
	StackName       string `json:"StackName" aws:"required"`
	StackPolicyBody string `json:"StackPolicyBody,omitempty"`
	StackPolicyURL  string `json:"StackPolicyURL,omitempty"`
}

func (e *Engine) wSetPolicy(ctx context.Context, in *setPolicyIn) (*empty, error) {
	body, err := e.policyBody(ctx, in.StackPolicyBody, in.StackPolicyURL)
	if err != nil {
		return nil, err
	}
	return &empty{}, e.SetStackPolicy(ctx, in.StackName, body)
}

type getPolicyIn struct {
	StackName string `json:"StackName" aws:"required"`
}

type getPolicyOut struct {
	StackPolicyBody string `json:"StackPolicyBody,omitempty"`
}

func (e *Engine) wGetPolicy(ctx context.Context, in *getPolicyIn) (*getPolicyOut, error) {
	p, err := e.StackPolicy(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	return &getPolicyOut{p}, nil
}

type stackNameIn struct {
	StackName          string   `json:"StackName" aws:"required"`
	ClientRequestToken string   `json:"ClientRequestToken,omitempty"`
	ResourcesToSkip    []string `json:"ResourcesToSkip,omitempty"`
	RoleARN            string   `json:"RoleARN,omitempty"`
}

func (e *Engine) wCancelUpdate(ctx context.Context, in *stackNameIn) (*empty, error) {
	return &empty{}, e.CancelUpdateStack(ctx, in.StackName)
}

func (e *Engine) wContinueRollback(ctx context.Context, in *stackNameIn) (*empty, error) {
	return &empty{}, e.ContinueUpdateRollback(ctx, in.StackName, in.ResourcesToSkip)
}

func (e *Engine) wRollbackStack(ctx context.Context, in *stackNameIn) (*stackIDOut, error) {
	id, err := e.RollbackStack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	return &stackIDOut{id}, nil
}

type signalIn struct {
	StackName         string `json:"StackName" aws:"required"`
	LogicalResourceId string `json:"LogicalResourceId" aws:"required"`
	UniqueId          string `json:"UniqueId" aws:"required"`
	Status            string `json:"Status" aws:"required"`
}

func (e *Engine) wSignal(ctx context.Context, in *signalIn) (*empty, error) {
	return &empty{}, e.SignalResource(ctx, in.StackName, in.LogicalResourceId, in.UniqueId, in.Status)
}

// Service is CloudFormation on the wire (awsQuery).
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "cloudformation",
		Protocols:    awswire.AWSQuery,
		XMLNamespace: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
		Ops: []awswire.Op{
			awswire.Operation("CreateStack", e.wCreateStack),
			awswire.Operation("UpdateStack", e.wUpdateStack),
			awswire.Operation("DeleteStack", e.wDeleteStack),
			awswire.Operation("DescribeStacks", e.wDescribeStacks),
			awswire.Operation("ListStacks", e.wListStacks),
			awswire.Operation("DescribeStackEvents", e.wStackEvents),
			awswire.Operation("DescribeStackResource", e.wDescribeResource),
			awswire.Operation("DescribeStackResources", e.wDescribeResources),
			awswire.Operation("ListStackResources", e.wListResources),
			awswire.Operation("GetTemplate", e.wGetTemplate),
			awswire.Operation("GetTemplateSummary", e.wSummary),
			awswire.Operation("ValidateTemplate", e.wValidate),
			awswire.Operation("CreateChangeSet", e.wCreateChangeSet),
			awswire.Operation("DescribeChangeSet", e.wDescribeChangeSet),
			awswire.Operation("ExecuteChangeSet", e.wExecuteChangeSet),
			awswire.Operation("DeleteChangeSet", e.wDeleteChangeSet),
			awswire.Operation("ListChangeSets", e.wListChangeSets),
			awswire.Operation("DetectStackDrift", e.wDetectDrift),
			awswire.Operation("DescribeStackDriftDetectionStatus", e.wDriftStatus),
			awswire.Operation("DescribeStackResourceDrifts", e.wResourceDrifts),
			awswire.Operation("DetectStackResourceDrift", e.wDetectResourceDrift),
			awswire.Operation("ListExports", e.wListExports),
			awswire.Operation("ListImports", e.wListImports),
			awswire.Operation("UpdateTerminationProtection", e.wTermination),
			awswire.Operation("SetStackPolicy", e.wSetPolicy),
			awswire.Operation("GetStackPolicy", e.wGetPolicy),
			awswire.Operation("CancelUpdateStack", e.wCancelUpdate),
			awswire.Operation("ContinueUpdateRollback", e.wContinueRollback),
			awswire.Operation("RollbackStack", e.wRollbackStack),
			awswire.Operation("SignalResource", e.wSignal),
		},
	}
}

// SignalHTTP serves wait condition handle URLs: PUT a JSON document
// {"Status","Reason","UniqueId","Data"}, as cfn-signal and curl do.
func (e *Engine) SignalHTTP() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut && r.Method != http.MethodPost {
			http.Error(w, "use PUT", http.StatusMethodNotAllowed)
			return
		}
		var doc struct{ Status, Reason, UniqueId, Data string }
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &doc); err != nil {
			http.Error(w, "body must be JSON: {\"Status\":\"SUCCESS\",\"Reason\":\"…\",\"UniqueId\":\"…\",\"Data\":\"…\"}", http.StatusBadRequest)
			return
		}
		if err := e.SignalHandle(r.Context(), r.URL.EscapedPath(), r.URL.RawQuery, doc.Status, doc.Reason, doc.UniqueId, doc.Data); err != nil {
			status := http.StatusBadRequest
			if err == errBadSignal {
				status = http.StatusForbidden
			}
			http.Error(w, err.Error(), status)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
