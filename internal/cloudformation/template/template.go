package template

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Template is a parsed CloudFormation template. The typed fields are views
// of Raw, the whole document in long form; Raw is authoritative.
type Template struct {
	FormatVersion string // AWSTemplateFormatVersion; only "2010-09-09" is valid when present
	Description   string
	Metadata      map[string]any
	Parameters    []*Parameter // in template order
	Rules         map[string]*Rule
	Mappings      map[string]map[string]map[string]any
	Conditions    map[string]any // raw condition expressions
	Transform     []string
	Resources     []*Resource // in template order
	Outputs       []*Output
	Hooks         map[string]any
	Raw           map[string]any // the whole document (long form), for GetTemplate Processed

	pos   map[string]position
	order map[string][]string
	// structural problems found while building the typed view; Validate
	// reports them with everything else.
	structural []Diagnostic
	resIndex   map[string]*Resource
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Name, Type, Description, AllowedPattern, ConstraintDescription string
	Default                                                        *string
	AllowedValues                                                  []string
	MinLength, MaxLength                                           *int
	MinValue, MaxValue                                             *float64
	NoEcho                                                         bool
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID, Type, Condition          string
	Properties                          map[string]any
	DependsOn                           []string
	DeletionPolicy, UpdateReplacePolicy string
	Metadata                            map[string]any
	CreationPolicy, UpdatePolicy        any
}

// Output is one entry of the Outputs section.
type Output struct {
	LogicalID, Description, Condition string
	Value                             any
	ExportName                        any // Export.Name expression or nil
}

// Rule is one entry of the Rules section.
type Rule struct {
	RuleCondition any
	Assertions    []Assertion
}

// Assertion is one entry of a rule's Assertions list.
type Assertion struct {
	Assert            any
	AssertDescription string
}

// Pos returns the source position of a template path such as
// "Resources/MyBucket/Properties/BucketName". For map entries the position
// is that of the key; for list elements that of the element. A path that was
// not recorded (for example one created by Expand) resolves to its nearest
// recorded ancestor.
func (t *Template) Pos(path string) (line, col int, ok bool) {
	if t == nil || t.pos == nil {
		return 0, 0, false
	}
	for {
		if p, found := t.pos[path]; found && p.line > 0 {
			return p.line, p.col, true
		}
		i := strings.LastIndexByte(path, '/')
		if i < 0 {
			return 0, 0, false
		}
		path = path[:i]
	}
}

// Resource returns the resource with the given logical ID, or nil.
func (t *Template) Resource(logicalID string) *Resource {
	if t.resIndex != nil {
		return t.resIndex[logicalID]
	}
	for _, r := range t.Resources {
		if r.LogicalID == logicalID {
			return r
		}
	}
	return nil
}

// Parameter returns the parameter with the given name, or nil.
func (t *Template) Parameter(name string) *Parameter {
	for _, p := range t.Parameters {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// HasTransform reports whether the template declares the named transform.
func (t *Template) HasTransform(name string) bool {
	for _, tr := range t.Transform {
		if tr == name {
			return true
		}
	}
	return false
}

// LanguageExtensions is the transform that enables Fn::ForEach, Fn::Length,
// Fn::ToJsonString and Fn::FindInMap DefaultValue.
const LanguageExtensions = "AWS::LanguageExtensions"

// DeclaredTypes returns the unique resource types of a template, sorted.
func DeclaredTypes(t *Template) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range t.Resources {
		if r.Type != "" && !seen[r.Type] {
			seen[r.Type] = true
			out = append(out, r.Type)
		}
	}
	sort.Strings(out)
	return out
}

// keysInOrder returns a map's keys in source order when known, otherwise
// sorted; keys the order does not mention (added by Expand) follow sorted.
func (t *Template) keysInOrder(path string, m map[string]any) []string {
	ord := t.order[path]
	out := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, k := range ord {
		if _, ok := m[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func (t *Template) structErr(path, format string, args ...any) {
	d := diags{t: t}
	d.add(path, format, args...)
	t.structural = append(t.structural, d.list...)
}

// build derives the typed view from the raw document.
func build(raw map[string]any, pos map[string]position, order map[string][]string) *Template {
	t := &Template{Raw: raw, pos: pos, order: order}
	if v, ok := raw["AWSTemplateFormatVersion"]; ok {
		s, isStr := scalarString(v)
		if !isStr {
			t.structErr("AWSTemplateFormatVersion", "Template format error: AWSTemplateFormatVersion must be a string")
		}
		t.FormatVersion = s
	}
	if v, ok := raw["Description"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			t.structErr("Description", "Template format error: Every Description member must be a string.")
		}
		t.Description = s
	}
	if v, ok := raw["Metadata"]; ok && v != nil {
		m, isMap := v.(map[string]any)
		if !isMap {
			t.structErr("Metadata", "Template format error: Metadata must be an object")
		}
		t.Metadata = m
	}
	if v, ok := raw["Hooks"]; ok && v != nil {
		m, isMap := v.(map[string]any)
		if !isMap {
			t.structErr("Hooks", "Template format error: Hooks must be an object")
		}
		t.Hooks = m
	}
	t.buildTransform(raw["Transform"])
	t.buildParameters(raw)
	t.buildMappings(raw)
	if v, ok := raw["Conditions"]; ok && v != nil {
		m, isMap := v.(map[string]any)
		if !isMap {
			t.structErr("Conditions", "Template format error: Conditions must be an object")
		}
		t.Conditions = m
	}
	t.buildRules(raw)
	t.buildResources(raw)
	t.buildOutputs(raw)
	t.resIndex = make(map[string]*Resource, len(t.Resources))
	for _, r := range t.Resources {
		t.resIndex[r.LogicalID] = r
	}
	return t
}

func (t *Template) buildTransform(v any) {
	switch tv := v.(type) {
	case nil:
	case string:
		t.Transform = []string{tv}
	case []any:
		for i, item := range tv {
			switch it := item.(type) {
			case string:
				t.Transform = append(t.Transform, it)
			case map[string]any:
				// {Name: X, Parameters: {...}} declares a macro with parameters.
				if name, ok := it["Name"].(string); ok {
					t.Transform = append(t.Transform, name)
					continue
				}
				t.structErr(joinPath("Transform", strconv.Itoa(i)), "Template format error: Every Transform member must be a string.")
			default:
				t.structErr(joinPath("Transform", strconv.Itoa(i)), "Template format error: Every Transform member must be a string.")
			}
		}
	case map[string]any:
		if name, ok := tv["Name"].(string); ok {
			t.Transform = []string{name}
			return
		}
		t.structErr("Transform", "Template format error: Transform must be a string or a list of strings.")
	default:
		t.structErr("Transform", "Template format error: Transform must be a string or a list of strings.")
	}
}

// scalarString stringifies a scalar the way CloudFormation does when a
// string is expected (numbers keep their literal text).
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func (t *Template) buildParameters(raw map[string]any) {
	v, ok := raw["Parameters"]
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.structErr("Parameters", "Template format error: Parameters must be an object")
		return
	}
	for _, name := range t.keysInOrder("Parameters", m) {
		path := joinPath("Parameters", name)
		def, isMap := m[name].(map[string]any)
		if !isMap {
			t.structErr(path, "Template format error: Every Parameters member must be an object.")
			continue
		}
		p := &Parameter{Name: name}
		p.Type, _ = scalarString(def["Type"])
		p.Description, _ = def["Description"].(string)
		p.AllowedPattern, _ = scalarString(def["AllowedPattern"])
		p.ConstraintDescription, _ = scalarString(def["ConstraintDescription"])
		if d, ok := def["Default"]; ok && d != nil {
			if s, ok := scalarString(d); ok {
				p.Default = &s
			} else if list, ok := d.([]any); ok {
				// A list default for a list type: AWS accepts it as the
				// comma-joined string.
				parts := make([]string, 0, len(list))
				good := true
				for _, item := range list {
					s, ok := scalarString(item)
					good = good && ok
					parts = append(parts, s)
				}
				if good {
					s := strings.Join(parts, ",")
					p.Default = &s
				} else {
					t.structErr(joinPath(path, "Default"), "Template format error: Parameter %s Default must be a string", name)
				}
			} else {
				t.structErr(joinPath(path, "Default"), "Template format error: Parameter %s Default must be a string", name)
			}
		}
		if av, ok := def["AllowedValues"]; ok && av != nil {
			list, isList := av.([]any)
			if !isList {
				t.structErr(joinPath(path, "AllowedValues"), "Template format error: Parameter %s AllowedValues must be a list", name)
			}
			for _, item := range list {
				s, ok := scalarString(item)
				if !ok {
					t.structErr(joinPath(path, "AllowedValues"), "Template format error: Parameter %s AllowedValues must be a list of strings", name)
					continue
				}
				p.AllowedValues = append(p.AllowedValues, s)
			}
		}
		p.MinLength = t.intAttr(def, path, "MinLength")
		p.MaxLength = t.intAttr(def, path, "MaxLength")
		p.MinValue = t.floatAttr(def, path, "MinValue")
		p.MaxValue = t.floatAttr(def, path, "MaxValue")
		if ne, ok := def["NoEcho"]; ok {
			s, _ := scalarString(ne)
			p.NoEcho = strings.EqualFold(s, "true")
		}
		t.Parameters = append(t.Parameters, p)
	}
}

func (t *Template) intAttr(def map[string]any, path, key string) *int {
	v, ok := def[key]
	if !ok || v == nil {
		return nil
	}
	s, _ := scalarString(v)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.structErr(joinPath(path, key), "Template format error: %s must be an integer", key)
		return nil
	}
	return &n
}

func (t *Template) floatAttr(def map[string]any, path, key string) *float64 {
	v, ok := def[key]
	if !ok || v == nil {
		return nil
	}
	s, _ := scalarString(v)
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || isInfOrNaN(f) {
		t.structErr(joinPath(path, key), "Template format error: %s must be a number", key)
		return nil
	}
	return &f
}

func (t *Template) buildMappings(raw map[string]any) {
	v, ok := raw["Mappings"]
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.structErr("Mappings", "Template format error: Mappings must be an object")
		return
	}
	t.Mappings = map[string]map[string]map[string]any{}
	for name, mv := range m {
		path := joinPath("Mappings", name)
		top, ok := mv.(map[string]any)
		if !ok {
			t.structErr(path, "Template format error: Every Mappings member %s must be a map", name)
			continue
		}
		mapping := map[string]map[string]any{}
		for k, kv := range top {
			second, ok := kv.(map[string]any)
			if !ok {
				t.structErr(joinPath(path, k), "Template format error: Every Mappings attribute must be a map")
				continue
			}
			mapping[k] = second
		}
		t.Mappings[name] = mapping
	}
}

func (t *Template) buildRules(raw map[string]any) {
	v, ok := raw["Rules"]
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.structErr("Rules", "Template format error: Rules must be an object")
		return
	}
	t.Rules = map[string]*Rule{}
	for name, rv := range m {
		path := joinPath("Rules", name)
		def, ok := rv.(map[string]any)
		if !ok {
			t.structErr(path, "Template format error: Every Rules member must be an object.")
			continue
		}
		r := &Rule{RuleCondition: def["RuleCondition"]}
		for k := range def {
			if k != "RuleCondition" && k != "Assertions" {
				t.structErr(joinPath(path, k), "Template format error: Invalid rule property '%s'", k)
			}
		}
		as, ok := def["Assertions"].([]any)
		if !ok {
			t.structErr(path, "Template format error: Every Rules member must contain an Assertions list.")
		}
		for i, a := range as {
			apath := joinPath(joinPath(path, "Assertions"), strconv.Itoa(i))
			am, ok := a.(map[string]any)
			if !ok {
				t.structErr(apath, "Template format error: Every Assertions member must be an object.")
				continue
			}
			if _, ok := am["Assert"]; !ok {
				t.structErr(apath, "Template format error: Every Assertions member must contain an Assert.")
			}
			desc, _ := scalarString(am["AssertDescription"])
			r.Assertions = append(r.Assertions, Assertion{Assert: am["Assert"], AssertDescription: desc})
		}
		t.Rules[name] = r
	}
}

// ResourceAttributes are the keys CloudFormation accepts in a resource.
var resourceAttributes = map[string]bool{
	"Type": true, "Properties": true, "DependsOn": true, "Condition": true,
	"DeletionPolicy": true, "UpdateReplacePolicy": true, "Metadata": true,
	"CreationPolicy": true, "UpdatePolicy": true, "Version": true,
}

func (t *Template) buildResources(raw map[string]any) {
	v, ok := raw["Resources"]
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.structErr("Resources", "Template format error: Resources must be an object")
		return
	}
	for _, id := range t.keysInOrder("Resources", m) {
		if strings.HasPrefix(id, "Fn::ForEach::") {
			continue // expanded by Expand
		}
		path := joinPath("Resources", id)
		def, ok := m[id].(map[string]any)
		if !ok {
			t.structErr(path, "Template format error: Every Resources object must contain a Type member.")
			continue
		}
		r := &Resource{LogicalID: id, CreationPolicy: def["CreationPolicy"], UpdatePolicy: def["UpdatePolicy"]}
		for k := range def {
			if !resourceAttributes[k] {
				t.structErr(joinPath(path, k), "Template format error: Invalid template resource property '%s'", k)
			}
		}
		switch tv := def["Type"].(type) {
		case string:
			r.Type = tv
		case nil:
			t.structErr(path, "Template format error: Every Resources object must contain a Type member.")
		default:
			t.structErr(joinPath(path, "Type"), "Template format error: Every Type member must be a string.")
		}
		if pv, ok := def["Properties"]; ok && pv != nil {
			props, ok := pv.(map[string]any)
			if !ok {
				t.structErr(joinPath(path, "Properties"), "Template format error: Properties of resource %s must be an object", id)
			}
			r.Properties = props
		}
		if mv, ok := def["Metadata"]; ok && mv != nil {
			md, ok := mv.(map[string]any)
			if !ok {
				t.structErr(joinPath(path, "Metadata"), "Template format error: Metadata of resource %s must be an object", id)
			}
			r.Metadata = md
		}
		if cv, ok := def["Condition"]; ok {
			s, ok := cv.(string)
			if !ok {
				t.structErr(joinPath(path, "Condition"), "Template format error: Every Condition member must be a string.")
			}
			r.Condition = s
		}
		switch dv := def["DependsOn"].(type) {
		case nil:
		case string:
			r.DependsOn = []string{dv}
		case []any:
			for i, item := range dv {
				s, ok := item.(string)
				if !ok {
					t.structErr(joinPath(joinPath(path, "DependsOn"), strconv.Itoa(i)), "Template format error: Every DependsOn value must be a string.")
					continue
				}
				r.DependsOn = append(r.DependsOn, s)
			}
		default:
			t.structErr(joinPath(path, "DependsOn"), "Template format error: DependsOn must be a string or a list of strings.")
		}
		r.DeletionPolicy = t.policyAttr(def, path, "DeletionPolicy")
		r.UpdateReplacePolicy = t.policyAttr(def, path, "UpdateReplacePolicy")
		t.Resources = append(t.Resources, r)
	}
}

func (t *Template) policyAttr(def map[string]any, path, key string) string {
	v, ok := def[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	// Intrinsics here are only legal with AWS::LanguageExtensions, which
	// Expand resolves; Validate reports the rest.
	return ""
}

func (t *Template) buildOutputs(raw map[string]any) {
	v, ok := raw["Outputs"]
	if !ok || v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.structErr("Outputs", "Template format error: Outputs must be an object")
		return
	}
	for _, id := range t.keysInOrder("Outputs", m) {
		if strings.HasPrefix(id, "Fn::ForEach::") {
			continue
		}
		path := joinPath("Outputs", id)
		def, ok := m[id].(map[string]any)
		if !ok {
			t.structErr(path, "Template format error: Every Outputs member must contain a Value object")
			continue
		}
		o := &Output{LogicalID: id, Value: def["Value"]}
		for k := range def {
			switch k {
			case "Value", "Description", "Export", "Condition":
			default:
				t.structErr(joinPath(path, k), "Template format error: Invalid template output property '%s'", k)
			}
		}
		if _, ok := def["Value"]; !ok || def["Value"] == nil {
			t.structErr(path, "Template format error: Every Outputs member must contain a Value object")
		}
		if d, ok := def["Description"]; ok && d != nil {
			s, ok := scalarString(d)
			if !ok {
				t.structErr(joinPath(path, "Description"), "Template format error: Every Description member must be a string.")
			}
			o.Description = s
		}
		if cv, ok := def["Condition"]; ok {
			s, ok := cv.(string)
			if !ok {
				t.structErr(joinPath(path, "Condition"), "Template format error: Every Condition member must be a string.")
			}
			o.Condition = s
		}
		if ev, ok := def["Export"]; ok && ev != nil {
			em, ok := ev.(map[string]any)
			if !ok || em["Name"] == nil {
				t.structErr(joinPath(path, "Export"), "Template format error: Output %s is malformed. The Export field must contain a Name.", id)
			} else {
				o.ExportName = em["Name"]
			}
		}
		t.Outputs = append(t.Outputs, o)
	}
}
