package cloudformation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/template"
	"github.com/skiff-dev/skiff/internal/dag"
)

// prepared is a template ready to apply: parsed, validated, parameters
// resolved, language extensions expanded, conditions and rules evaluated,
// capabilities checked, resources ordered.
type prepared struct {
	body     string
	tmpl     *template.Template
	params   map[string]template.ParamValue
	list     []Parameter // parameters as DescribeStacks shows them
	pseudo   template.Pseudo
	conds    map[string]bool
	included map[string]*template.Resource
	order    map[string]int
	graph    *dag.Graph[string]
}

// templateSource is a template given by body or URL.
type templateSource struct {
	Body, URL string
}

// loadBody fetches a template from its body or URL, enforcing AWS's limits.
func (e *Engine) loadBody(ctx context.Context, src templateSource) (string, error) {
	switch {
	case src.Body != "" && src.URL != "":
		return "", errValidation.New("Specify exactly one of TemplateBody or TemplateUrl.")
	case src.Body != "":
		if len(src.Body) > template.MaxBodyBytes {
			return "", errValidation.New("1 validation error detected: Value '%.40s...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to %d", src.Body, template.MaxBodyBytes)
		}
		return src.Body, nil
	case src.URL != "":
		if e.d.Objects == nil {
			return "", errValidation.New("TemplateURL is not available: no object store")
		}
		b, err := e.d.Objects.ReadURL(ctx, src.URL, template.MaxURLBodyBytes+1)
		if err != nil {
			return "", errValidation.New("Error occurred while getting template from S3 URL %s: %v", src.URL, err)
		}
		if len(b) > template.MaxURLBodyBytes {
			return "", errValidation.New("Template may not exceed %d bytes in size.", template.MaxURLBodyBytes)
		}
		return string(b), nil
	}
	return "", errValidation.New("Either Template URL or Template Body must be specified.")
}

// parseAndValidate parses a body and runs the static checks, naming every
// unsupported resource type.
func (e *Engine) parseAndValidate(body string) (*template.Template, error) {
	t, err := template.Parse([]byte(body))
	if err != nil {
		return nil, templateError(err)
	}
	err = template.Validate(t, template.ValidateOptions{IsSupportedType: func(typ string) bool {
		_, ok := e.reg.Get(typ)
		return ok
	}})
	if err != nil {
		return nil, templateError(err)
	}
	return t, nil
}

// templateError turns template diagnostics into the ValidationError AWS
// returns (its message already says where).
func templateError(err error) error {
	return errValidation.New("%s", err.Error())
}

type paramRequest struct {
	given       []Parameter
	usePrevious map[string]bool
	previous    []Parameter
}

// prepare runs every check that must pass before anything is provisioned.
func (e *Engine) prepare(ctx context.Context, name, stackID, body string, pr paramRequest, caps, notifARNs []string) (*prepared, error) {
	t, err := e.parseAndValidate(body)
	if err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	p := &prepared{body: body, pseudo: template.Pseudo{
		AccountID: sc.AccountID, Region: sc.Region, StackName: name, StackID: stackID,
		Partition: awsctx.Partition, URLSuffix: awsctx.URLSuffix, NotificationARNs: notifARNs,
	}}
	in := template.ParamInput{Given: map[string]string{}, UsePrevious: pr.usePrevious, Previous: map[string]string{}}
	for _, g := range pr.given {
		in.Given[g.Key] = g.Value
	}
	for _, g := range pr.previous {
		in.Previous[g.Key] = g.Value
	}
	in.LookupSSM = func(name string) (string, error) {
		if e.d.SSM == nil {
			return "", errors.New("no parameter store")
		}
		return e.d.SSM.ResolveParameter(ctx, name, false)
	}
	p.params, err = template.ResolveParameters(t, in)
	if err != nil {
		return nil, errValidation.New("%s", err.Error())
	}
	if t.HasTransform(template.LanguageExtensions) {
		if !hasCap(caps, "CAPABILITY_AUTO_EXPAND") {
			return nil, errInsufficientCaps.New("Requires capabilities : [CAPABILITY_AUTO_EXPAND]")
		}
		t, err = template.Expand(t, p.params, p.pseudo)
		if err != nil {
			return nil, templateError(err)
		}
		if err := template.Validate(t, template.ValidateOptions{IsSupportedType: func(typ string) bool {
			_, ok := e.reg.Get(typ)
			return ok
		}}); err != nil {
			return nil, templateError(err)
		}
	}
	p.tmpl = t
	ev := &template.Evaluator{T: t, Params: p.params, Pseudo: p.pseudo}
	if err := ev.EvalConditions(); err != nil {
		return nil, templateError(err)
	}
	p.conds = ev.Conditions
	if err := ev.EvalRules(); err != nil {
		return nil, errValidation.New("%s", err.Error())
	}
	if err := checkCapabilities(t, caps); err != nil {
		return nil, err
	}
	p.included = map[string]*template.Resource{}
	p.order = map[string]int{}
	p.graph = dag.New[string]()
	for i, r := range t.Resources {
		p.order[r.LogicalID] = i
		ok, err := ev.ResourceIncluded(r)
		if err != nil {
			return nil, templateError(err)
		}
		if ok {
			p.included[r.LogicalID] = r
			p.graph.Add(r.LogicalID)
		}
	}
	for id := range p.included {
		for _, dep := range t.Dependencies(id) {
			if _, ok := p.included[dep]; ok {
				p.graph.Connect(id, dep)
			} else if t.Resource(dep) != nil && containsString(t.Resource(id).DependsOn, dep) {
				return nil, errValidation.New("Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", dep)
			}
		}
	}
	if cycles := p.graph.Cycles(); len(cycles) > 0 {
		var all []string
		for _, c := range cycles {
			all = append(all, c...)
		}
		return nil, errValidation.New("Circular dependency between resources: [%s]", strings.Join(all, ", "))
	}
	p.list = parameterList(t, p.params)
	return p, nil
}

// parameterList is the stack's parameters in template order.
func parameterList(t *template.Template, params map[string]template.ParamValue) []Parameter {
	var out []Parameter
	for _, d := range t.Parameters {
		v, ok := params[d.Name]
		if !ok {
			continue
		}
		out = append(out, Parameter{Key: d.Name, Value: v.Value, Resolved: v.Resolved, NoEcho: v.NoEcho || d.NoEcho})
	}
	return out
}

// checkCapabilities demands CAPABILITY_IAM for IAM resources and
// CAPABILITY_NAMED_IAM when they carry custom names, as AWS does.
func checkCapabilities(t *template.Template, caps []string) error {
	needIAM, needNamed := false, false
	for _, r := range t.Resources {
		if !strings.HasPrefix(r.Type, "AWS::IAM::") {
			continue
		}
		needIAM = true
		for _, k := range []string{"RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName"} {
			if _, ok := r.Properties[k]; ok {
				needNamed = true
			}
		}
	}
	switch {
	case needNamed && !hasCap(caps, "CAPABILITY_NAMED_IAM"):
		return errInsufficientCaps.New("Requires capabilities : [CAPABILITY_NAMED_IAM]")
	case needIAM && !hasCap(caps, "CAPABILITY_IAM") && !hasCap(caps, "CAPABILITY_NAMED_IAM"):
		return errInsufficientCaps.New("Requires capabilities : [CAPABILITY_IAM]")
	}
	for _, c := range caps {
		switch c {
		case "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND":
		default:
			return errValidation.New("1 validation error detected: Value '[%s]' at 'capabilities' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [CAPABILITY_AUTO_EXPAND, CAPABILITY_NAMED_IAM, CAPABILITY_IAM]]", c)
		}
	}
	return nil
}

func hasCap(caps []string, c string) bool { return containsString(caps, c) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// deletionGraph orders a stack's existing resources for teardown: the
// reverse of the dependency order of the template that created them.
func deletionGraph(body string, res map[string]*Resource) *dag.Graph[string] {
	g := dag.New[string]()
	for id := range res {
		g.Add(id)
	}
	t, err := template.Parse([]byte(body))
	if err == nil {
		for id := range res {
			if t.Resource(id) == nil {
				continue
			}
			for _, dep := range t.Dependencies(id) {
				if _, ok := res[dep]; ok && dep != id {
					g.Connect(id, dep)
				}
			}
		}
	}
	if len(g.Cycles()) > 0 { // cannot happen for an applied template; be safe
		g = dag.New[string]()
		for id := range res {
			g.Add(id)
		}
	}
	return g.Reverse()
}

func paramsEqual(a, b []Parameter) bool {
	if len(a) != len(b) {
		return false
	}
	am := map[string]string{}
	for _, p := range a {
		am[p.Key] = p.Value + "\x00" + p.Resolved
	}
	for _, p := range b {
		if am[p.Key] != p.Value+"\x00"+p.Resolved {
			return false
		}
	}
	return true
}

func tagsEqual(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]string{}
	for _, t := range a {
		m[t.Key] = t.Value
	}
	for _, t := range b {
		if v, ok := m[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ = fmt.Sprintf
