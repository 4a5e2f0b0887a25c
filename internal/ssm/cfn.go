package ssm

import (
	"context"
	"fmt"
	"sort"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::SSM::Parameter.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&parameterProvider{e: e}}
}

const parameterType = "AWS::SSM::Parameter"

// The registry schema of AWS::SSM::Parameter: Name is create-only and
// generated when absent; Tags, Description, Tier, AllowedPattern and
// Policies are write-only (the read handler returns Name, Type, Value and
// DataType), so drift detection compares those four.
var parameterSchema = &provider.Schema{
	Properties: []string{"Name", "Type", "Value", "Description", "AllowedPattern", "Tier", "DataType", "Policies", "Tags"},
	Required:   []string{"Type", "Value"},
	CreateOnly: []string{"Name"},
	Attributes: []string{"Type", "Value"},
	WriteOnly:  []string{"Tags", "Description", "Tier", "AllowedPattern", "Policies"},
}

type parameterProvider struct{ e *Engine }

func (p *parameterProvider) Type() string { return parameterType }

func (p *parameterProvider) Schema() *provider.Schema { return parameterSchema }

// cfnParameter is a template's parameter properties.
type cfnParameter struct {
	in   PutParameterInput
	tags map[string]string
}

func readParameterProps(req *provider.Request, verb string) (*cfnParameter, error) {
	props := provider.Read(req.Properties, parameterSchema)
	c := &cfnParameter{in: PutParameterInput{
		Name:           props.String("Name"),
		Type:           props.String("Type"),
		Value:          props.String("Value"),
		Description:    props.String("Description"),
		AllowedPattern: props.String("AllowedPattern"),
		Tier:           props.String("Tier"),
		DataType:       props.String("DataType"),
		Policies:       props.String("Policies"),
	}}
	c.tags = props.StringMap("Tags")
	if c.in.Type == TypeSecureString {
		return nil, fmt.Errorf("SSM Parameters of type SecureString cannot be %s using CloudFormation", verb)
	}
	if props.Has("Type") && c.in.Type != TypeString && c.in.Type != TypeStringList {
		props.Fail("Type", "failed validation constraint for keyword [enum]")
	}
	if c.in.Tier != "" && c.in.Tier != TierStandard && c.in.Tier != TierAdvanced && c.in.Tier != TierIntelligentTiering {
		props.Fail("Tier", "failed validation constraint for keyword [enum]")
	}
	if c.in.DataType != "" && c.in.DataType != DataTypeText && c.in.DataType != DataTypeEC2Image {
		props.Fail("DataType", "failed validation constraint for keyword [enum]")
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	if c.in.Name == "" {
		logical := req.LogicalID
		if len(logical) > 500 {
			logical = logical[:500]
		}
		suffix := req.Suffix
		if suffix == "" {
			suffix = "SUFFIX"
		}
		c.in.Name = "CFN-" + logical + "-" + suffix
	}
	return c, nil
}

// PhysicalID is the parameter name: Name, or CFN-<LogicalId>-<Suffix> as
// CloudFormation generates it.
func (p *parameterProvider) PhysicalID(req *provider.Request) (string, error) {
	c, err := readParameterProps(req, "created")
	if err != nil {
		return "", err
	}
	if _, err := validatePutName(awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region}, c.in.Name); err != nil {
		return "", err
	}
	return c.in.Name, nil
}

// mergeTags puts the stack's tags under the resource's own (which win).
func mergeTags(stack, own map[string]string) []Tag {
	var out []Tag
	for k, v := range stack {
		if _, ok := own[k]; !ok {
			out = append(out, Tag{k, v})
		}
	}
	for k, v := range own {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (p *parameterProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readParameterProps(req, "created")
	if err != nil {
		return nil, err
	}
	c.in.Tags = mergeTags(req.Stack.Tags, c.tags)
	if _, _, err := p.e.put(ctx, &c.in); err != nil {
		if ErrParameterAlreadyExists.Is(err) {
			return nil, fmt.Errorf("Resource of type '%s' with identifier '%s' already exists.", parameterType, c.in.Name)
		}
		return nil, err
	}
	return p.result(ctx, c.in.Name)
}

func (p *parameterProvider) result(ctx context.Context, name string) (*provider.Result, error) {
	got, err := p.e.GetParameter(ctx, name, false)
	if ErrParameterNotFound.Is(err) {
		return nil, provider.NotFound(parameterType, name)
	}
	if err != nil {
		return nil, err
	}
	return &provider.Result{
		PhysicalID: name,
		Attributes: map[string]any{"Type": got.Type, "Value": got.Value},
		Properties: map[string]any{"Name": name, "Type": got.Type, "Value": got.Value, "DataType": got.DataType},
	}, nil
}

// Read returns Name, Type, Value and DataType, as the AWS read handler
// does; a value changed outside the stack shows up as drift.
func (p *parameterProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.result(ctx, req.PhysicalID)
}

// Update writes a new version when anything but the tags changed, and
// adds and removes tags to match the template.
func (p *parameterProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readParameterProps(req, "updated")
	if err != nil {
		return nil, err
	}
	c.in.Name = req.PhysicalID
	oldReq := *req
	oldReq.Properties = req.OldProperties
	old, oldErr := readParameterProps(&oldReq, "updated")
	if oldErr != nil {
		old = nil
	}
	if _, err := p.result(ctx, req.PhysicalID); err != nil {
		return nil, err
	}
	if old == nil || !sameExceptTags(old.in, c.in, req.PhysicalID) {
		in := c.in
		in.Overwrite = true
		if _, _, err := p.e.put(ctx, &in); err != nil {
			return nil, err
		}
	}
	want := mergeTags(req.Stack.Tags, c.tags)
	var had []Tag
	if old != nil {
		had = mergeTags(req.Stack.Tags, old.tags)
	}
	wantKeys := map[string]bool{}
	for _, t := range want {
		wantKeys[t.Key] = true
	}
	var drop []string
	for _, t := range had {
		if !wantKeys[t.Key] {
			drop = append(drop, t.Key)
		}
	}
	if len(drop) > 0 {
		if err := p.e.RemoveTagsFromResource(ctx, ResourceTypeParameter, req.PhysicalID, drop); err != nil {
			return nil, err
		}
	}
	if len(want) > 0 {
		if err := p.e.AddTagsToResource(ctx, ResourceTypeParameter, req.PhysicalID, want); err != nil {
			return nil, err
		}
	}
	return p.result(ctx, req.PhysicalID)
}

func sameExceptTags(a, b PutParameterInput, name string) bool {
	a.Tags, b.Tags = nil, nil
	a.Name, b.Name = name, name
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Delete removes the parameter; one already gone is not an error.
func (p *parameterProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := p.e.DeleteParameter(ctx, req.PhysicalID)
	if ErrParameterNotFound.Is(err) {
		return nil
	}
	return err
}
