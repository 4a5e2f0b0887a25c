package codebuild

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::CodeBuild::Project and AWS::CodeBuild::ReportGroup.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&projectProvider{e}, &reportGroupProvider{e}}
}

var (
	_ provider.Provider = (*projectProvider)(nil)
	_ provider.Provider = (*reportGroupProvider)(nil)
)

// Template properties are the API's members with an upper-case first
// letter, except where CloudFormation spells them differently.
var cfnToAPI = map[string]string{"BuildSpec": "buildspec", "Visibility": "projectVisibility"}

func apiName(k string) string {
	if n, ok := cfnToAPI[k]; ok {
		return n
	}
	return strings.ToLower(k[:1]) + k[1:]
}

func cfnName(k string) string {
	for c, a := range cfnToAPI {
		if a == k {
			return c
		}
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// toAPI renames a template value's keys to API member names.
func toAPI(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if k == "" {
				continue
			}
			m[apiName(k)] = toAPI(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toAPI(e)
		}
		return out
	}
	return v
}

// toCFN renames an API value's keys to template property names.
func toCFN(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if k == "" {
				continue
			}
			m[cfnName(k)] = toCFN(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toCFN(e)
		}
		return out
	}
	return v
}

// decodeLenient stores a JSON-shaped value into dst, converting the
// strings CloudFormation passes for numbers and booleans.
func decodeLenient(dst reflect.Value, src any, path string) error {
	if src == nil {
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return decodeLenient(dst.Elem(), src, path)
	}
	if dst.Type() == reflect.TypeOf(json.RawMessage(nil)) {
		b, err := json.Marshal(src)
		if err != nil {
			return err
		}
		dst.SetBytes(b)
		return nil
	}
	str, isStr := provider.Scalar(src)
	bad := func(want string) error { return fmt.Errorf("#/%s: expected type: %s, found: %T", path, want, src) }
	switch dst.Kind() {
	case reflect.String:
		if !isStr {
			return bad("String")
		}
		dst.SetString(str)
	case reflect.Bool:
		b, err := strconv.ParseBool(str)
		if !isStr || err != nil {
			return bad("Boolean")
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseFloat(str, 64)
		if !isStr || err != nil || dst.OverflowInt(int64(n)) {
			return bad("Integer")
		}
		dst.SetInt(int64(n))
	case reflect.Float64:
		n, err := strconv.ParseFloat(str, 64)
		if !isStr || err != nil {
			return bad("Number")
		}
		dst.SetFloat(n)
	case reflect.Slice:
		list, ok := src.([]any)
		if !ok {
			return bad("JSONArray")
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, e := range list {
			if err := decodeLenient(s.Index(i), e, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return bad("JSONObject")
		}
		t := dst.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if v, ok := m[name]; ok {
				if err := decodeLenient(dst.Field(i), v, path+"/"+cfnName(name)); err != nil {
					return err
				}
			}
		}
	default:
		return bad(dst.Kind().String())
	}
	return nil
}

// Projects.

type projectProvider struct{ e *Engine }

var projectSchema = &provider.Schema{
	Properties: []string{"Name", "Description", "Source", "SecondarySources", "SourceVersion", "SecondarySourceVersions",
		"Artifacts", "SecondaryArtifacts", "Environment", "ServiceRole", "TimeoutInMinutes", "QueuedTimeoutInMinutes",
		"EncryptionKey", "Tags", "VpcConfig", "BadgeEnabled", "LogsConfig", "FileSystemLocations", "BuildBatchConfig",
		"Cache", "ConcurrentBuildLimit", "Triggers", "Visibility", "ResourceAccessRole", "AutoRetryLimit"},
	Required:   []string{"Source", "Artifacts", "Environment", "ServiceRole"},
	CreateOnly: []string{"Name"},
	Attributes: []string{"Arn"},
	WriteOnly:  []string{"Triggers", "Visibility", "ResourceAccessRole"},
	Unordered:  []string{"Tags"},
}

func (*projectProvider) Type() string             { return "AWS::CodeBuild::Project" }
func (*projectProvider) Schema() *provider.Schema { return projectSchema }

// input turns template properties into a complete ProjectInput: every
// member CloudFormation manages is set, absent ones to their defaults, so
// an update that drops a property resets it.
func (pp *projectProvider) input(req *provider.Request) (*ProjectInput, error) {
	p := provider.Read(req.Properties, projectSchema)
	if err := p.Err(); err != nil {
		return nil, err
	}
	doc := map[string]any{}
	for k, v := range req.Properties {
		if projectSchema.IsWriteOnly(k) {
			continue // webhooks and visibility are not modelled
		}
		doc[apiName(k)] = toAPI(v)
	}
	var in ProjectInput
	if err := decodeLenient(reflect.ValueOf(&in).Elem(), doc, ""); err != nil {
		return nil, &provider.PropertyError{Problems: []string{err.Error()}}
	}
	if in.Name == "" {
		in.Name = provider.Name(req, 150, false)
	}
	empty := ""
	def := func(b bool) *bool { return &b }
	if in.Description == nil {
		in.Description = &empty
	}
	if in.SourceVersion == nil {
		in.SourceVersion = &empty
	}
	if in.SecondarySources == nil {
		in.SecondarySources = []ProjectSource{}
	}
	if in.SecondarySourceVersions == nil {
		in.SecondarySourceVersions = []ProjectSourceVersion{}
	}
	if in.SecondaryArtifacts == nil {
		in.SecondaryArtifacts = []ProjectArtifacts{}
	}
	if in.Cache == nil {
		in.Cache = &ProjectCache{Type: "NO_CACHE"}
	}
	if in.TimeoutInMinutes == nil {
		t := int32(defaultTimeout)
		in.TimeoutInMinutes = &t
	}
	if in.QueuedTimeoutInMinutes == nil {
		t := int32(defaultQueuedTimeout)
		in.QueuedTimeoutInMinutes = &t
	}
	if in.Tags == nil {
		in.Tags = []Tag{}
	}
	if in.BadgeEnabled == nil {
		in.BadgeEnabled = def(false)
	}
	if in.LogsConfig == nil {
		lc := defaultLogsConfig()
		in.LogsConfig = &lc
	}
	if in.ConcurrentBuildLimit == nil {
		n := int32(-1)
		in.ConcurrentBuildLimit = &n
	}
	return &in, nil
}

func (pp *projectProvider) PhysicalID(req *provider.Request) (string, error) {
	in, err := pp.input(req)
	if err != nil {
		return "", err
	}
	if !projectNameRe.MatchString(in.Name) {
		return "", &provider.PropertyError{Problems: []string{fmt.Sprintf("#/Name: string [%s] does not match pattern ^[A-Za-z0-9][A-Za-z0-9\\-_]{1,254}$", in.Name)}}
	}
	return in.Name, nil
}

func projectAttrs(p *Project) map[string]any { return map[string]any{"Arn": p.ARN} }

func (pp *projectProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := pp.input(req)
	if err != nil {
		return nil, err
	}
	if *in.ConcurrentBuildLimit == -1 {
		in.ConcurrentBuildLimit = nil
	}
	p, err := pp.e.CreateProject(ctx, *in)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: p.Name, Attributes: projectAttrs(p)}, nil
}

func (pp *projectProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	p, err := pp.e.GetProject(ctx, req.PhysicalID)
	if err != nil {
		if ErrResourceNotFound.Is(err) {
			return nil, provider.NotFound(pp.Type(), req.PhysicalID)
		}
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var api map[string]any
	if err := json.Unmarshal(b, &api); err != nil {
		return nil, err
	}
	props := map[string]any{}
	for k, v := range api {
		props[cfnName(k)] = toCFN(v)
	}
	props["BadgeEnabled"] = p.Badge.BadgeEnabled
	if sr, ok := req.Properties["ServiceRole"].(string); ok && !strings.HasPrefix(sr, "arn:") && strings.HasSuffix(p.ServiceRole, "role/"+sr) {
		props["ServiceRole"] = sr
	}
	out := map[string]any{}
	for k, v := range req.Properties {
		if av, ok := props[k]; ok {
			out[k] = provider.ShapeLike(av, v)
		}
	}
	if _, ok := req.Properties["Name"]; !ok {
		out["Name"] = p.Name
	}
	return &provider.Result{PhysicalID: p.Name, Attributes: projectAttrs(p), Properties: out}, nil
}

func (pp *projectProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	in, err := pp.input(req)
	if err != nil {
		return nil, err
	}
	in.Name = req.PhysicalID
	p, err := pp.e.UpdateProject(ctx, *in)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: p.Name, Attributes: projectAttrs(p)}, nil
}

func (pp *projectProvider) Delete(ctx context.Context, req *provider.Request) error {
	return pp.e.DeleteProject(ctx, req.PhysicalID)
}

// Report groups.

type reportGroupProvider struct{ e *Engine }

var reportGroupSchema = &provider.Schema{
	Properties: []string{"Name", "Type", "ExportConfig", "Tags", "DeleteReports"},
	Required:   []string{"Type", "ExportConfig"},
	CreateOnly: []string{"Name", "Type"},
	Attributes: []string{"Arn", "Name"},
	WriteOnly:  []string{"DeleteReports"},
	Unordered:  []string{"Tags"},
}

func (*reportGroupProvider) Type() string             { return "AWS::CodeBuild::ReportGroup" }
func (*reportGroupProvider) Schema() *provider.Schema { return reportGroupSchema }

type reportGroupSpec struct {
	Name          string             `json:"name"`
	Type          string             `json:"type"`
	ExportConfig  ReportExportConfig `json:"exportConfig"`
	Tags          []Tag              `json:"tags"`
	DeleteReports bool               `json:"deleteReports"`
}

func (rp *reportGroupProvider) spec(req *provider.Request) (*reportGroupSpec, error) {
	p := provider.Read(req.Properties, reportGroupSchema)
	if err := p.Err(); err != nil {
		return nil, err
	}
	doc := map[string]any{}
	for k, v := range req.Properties {
		doc[apiName(k)] = toAPI(v)
	}
	var s reportGroupSpec
	if err := decodeLenient(reflect.ValueOf(&s).Elem(), doc, ""); err != nil {
		return nil, &provider.PropertyError{Problems: []string{err.Error()}}
	}
	if s.Name == "" {
		s.Name = provider.Name(req, 128, false)
	}
	if s.Tags == nil {
		s.Tags = []Tag{}
	}
	return &s, nil
}

func (rp *reportGroupProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := rp.spec(req)
	if err != nil {
		return "", err
	}
	return reportGroupARN(req.Stack.Region, req.Stack.AccountID, s.Name), nil
}

func groupAttrs(g *ReportGroup) map[string]any { return map[string]any{"Arn": g.ARN, "Name": g.Name} }

func (rp *reportGroupProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	g, err := rp.e.CreateReportGroup(ctx, s.Name, s.Type, s.ExportConfig, s.Tags)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: g.ARN, Attributes: groupAttrs(g)}, nil
}

func (rp *reportGroupProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	g, err := rp.e.getReportGroup(ctx, req.PhysicalID)
	if err != nil {
		if ErrResourceNotFound.Is(err) {
			return nil, provider.NotFound(rp.Type(), req.PhysicalID)
		}
		return nil, err
	}
	b, _ := json.Marshal(g)
	var api map[string]any
	json.Unmarshal(b, &api)
	props := map[string]any{}
	for k, v := range api {
		props[cfnName(k)] = toCFN(v)
	}
	out := map[string]any{}
	for k, v := range req.Properties {
		if av, ok := props[k]; ok {
			out[k] = provider.ShapeLike(av, v)
		}
	}
	return &provider.Result{PhysicalID: g.ARN, Attributes: groupAttrs(g), Properties: out}, nil
}

func (rp *reportGroupProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := rp.spec(req)
	if err != nil {
		return nil, err
	}
	g, err := rp.e.UpdateReportGroup(ctx, req.PhysicalID, &s.ExportConfig, s.Tags)
	if err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: g.ARN, Attributes: groupAttrs(g)}, nil
}

func (rp *reportGroupProvider) Delete(ctx context.Context, req *provider.Request) error {
	s, err := rp.spec(req)
	deleteReports := err == nil && s.DeleteReports
	err = rp.e.DeleteReportGroup(ctx, req.PhysicalID, deleteReports)
	if ErrResourceNotFound.Is(err) {
		return nil
	}
	return err
}
