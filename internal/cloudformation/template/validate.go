package template

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ValidateOptions tune Validate for the caller.
type ValidateOptions struct {
	// IsSupportedType reports whether a resource type can be provisioned;
	// nil accepts every type.
	IsSupportedType func(string) bool
}

// Limits CloudFormation enforces on a template.
const (
	MaxResources          = 500
	MaxParameters         = 200
	MaxOutputs            = 200
	MaxMappings           = 200
	MaxMappingAttributes  = 200
	MaxNameLength         = 255
	MaxDynamicReferences  = 60
	MaxDescriptionBytes   = 1024
	maxParamDescription   = 4000
	supportedFormatVesion = "2010-09-09"
)

var topLevelSections = map[string]bool{
	"AWSTemplateFormatVersion": true, "Description": true, "Metadata": true,
	"Parameters": true, "Rules": true, "Mappings": true, "Conditions": true,
	"Transform": true, "Resources": true, "Outputs": true, "Hooks": true,
}

// SupportedTransforms are the template-level transforms skiff implements.
var SupportedTransforms = []string{LanguageExtensions}

// supportedFunctions is AWS's list, used verbatim in its error message.
const supportedFunctionsMsg = "[Fn::Base64, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, Fn::Or, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::ValueOf, Fn::ValueOfAll, Fn::RefAll, Fn::Sub, Fn::Cidr]"

type exprCtx int

const (
	ctxResource exprCtx = iota
	ctxOutput
	ctxExportName
	ctxCondition
	ctxRule
	ctxImport // inside Fn::ImportValue: no resources
)

func (c exprCtx) section() string {
	switch c {
	case ctxCondition:
		return "Conditions"
	case ctxRule:
		return "Rules"
	case ctxOutput, ctxExportName:
		return "Outputs"
	}
	return "Resources"
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

type validator struct {
	t       *Template
	d       *diags
	langExt bool
	// relaxed disables unresolved-reference checks, used when Fn::ForEach
	// could not be expanded so generated names are unknown.
	relaxed bool
	// unresolved names per block, in first-seen order, with the first path.
	unresolved     map[string][]string
	unresolvedPath map[string]string
}

// Validate performs CloudFormation's static template checks, reporting every
// problem found as Diagnostics.
func Validate(t *Template, opts ValidateOptions) error {
	if t == nil {
		return Diagnostics{{Message: "Template format error: unsupported structure."}}
	}
	d := &diags{t: t}
	langExt := t.HasTransform(LanguageExtensions)
	target := t
	relaxed := false
	if langExt && hasForEach(t.Raw) {
		// Validate what will actually be deployed: the expansion with
		// default parameter values. When a loop needs a value the caller
		// has not supplied yet, fall back to checking the loops loosely.
		params := map[string]ParamValue{}
		for _, p := range t.Parameters {
			if p.Default != nil {
				pv := ParamValue{Value: *p.Default}
				if IsListType(p.Type) {
					pv.List = splitList(*p.Default)
				}
				params[p.Name] = pv
			}
		}
		exp, err := Expand(t, params, Pseudo{Region: "us-east-1", AccountID: "123456789012", StackName: "stack", Partition: "aws", URLSuffix: "amazonaws.com"})
		switch {
		case err == nil:
			target = exp
			d.t = exp
		case isNeedsParam(err):
			relaxed = true
		default:
			if ds, ok := err.(Diagnostics); ok {
				d.list = append(d.list, ds...)
			} else {
				d.add("", "%s", err.Error())
			}
			relaxed = true
		}
	}
	// Structural problems found by Parse come first, in document order.
	d.list = append(d.list, target.structural...)
	v := &validator{t: target, d: d, langExt: langExt, relaxed: relaxed,
		unresolved: map[string][]string{}, unresolvedPath: map[string]string{}}
	v.run(opts)
	return d.err()
}

func hasForEach(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if strings.HasPrefix(k, "Fn::ForEach::") || hasForEach(val) {
				return true
			}
		}
	case []any:
		for _, item := range x {
			if hasForEach(item) {
				return true
			}
		}
	}
	return false
}

func (v *validator) run(opts ValidateOptions) {
	t, d := v.t, v.d
	var unknownSections []string
	for k := range t.Raw {
		if !topLevelSections[k] {
			unknownSections = append(unknownSections, k)
		}
	}
	if len(unknownSections) > 0 {
		sort.Strings(unknownSections)
		d.add(unknownSections[0], "Template format error: Invalid template property or properties %s", bracketList(unknownSections))
	}
	if _, ok := t.Raw["AWSTemplateFormatVersion"]; ok && t.FormatVersion != supportedFormatVesion {
		d.add("AWSTemplateFormatVersion", "Template format error: Unsupported AWSTemplateFormatVersion '%s'. The only valid version is %s", t.FormatVersion, supportedFormatVesion)
	}
	if len(t.Description) > MaxDescriptionBytes {
		d.add("Description", "Template format error: Description must be no longer than %d bytes", MaxDescriptionBytes)
	}
	for i, tr := range t.Transform {
		if !containsString(SupportedTransforms, tr) {
			path := "Transform"
			if _, isList := t.Raw["Transform"].([]any); isList {
				path = joinPath(path, strconv.Itoa(i))
			}
			d.add(path, "Template format error: Unsupported transform %s; skiff supports %s", tr, bracketList(SupportedTransforms))
		}
	}
	v.checkParameters()
	v.checkMappings()
	v.checkConditions()
	v.checkResources(opts)
	v.checkOutputs()
	v.checkRules()
	v.reportUnresolved()
	if n := countDynamicRefs(t.Raw); n > MaxDynamicReferences {
		d.add("", "Template format error: Number of dynamic references, %d, is greater than maximum allowed, %d", n, MaxDynamicReferences)
	}
	if !v.relaxed {
		for _, cyc := range t.resourceGraphCycles() {
			d.add(joinPath("Resources", cyc[0]), "Circular dependency between resources: %s", bracketList(cyc))
		}
	}
}

func (v *validator) checkName(kind, path, name string) {
	if len(name) > MaxNameLength {
		v.d.add(path, "Template format error: %s name %s is longer than %d characters", kind, name, MaxNameLength)
	} else if !isAlnum(name) {
		v.d.add(path, "Template format error: %s name %s is non alphanumeric.", kind, name)
	}
}

var parameterAttributes = map[string]bool{
	"Type": true, "Default": true, "AllowedValues": true, "AllowedPattern": true,
	"ConstraintDescription": true, "Description": true, "MaxLength": true,
	"MaxValue": true, "MinLength": true, "MinValue": true, "NoEcho": true,
}

func (v *validator) checkParameters() {
	t, d := v.t, v.d
	if len(t.Parameters) > MaxParameters {
		d.add("Parameters", "Template format error: Number of parameters, %d, is greater than maximum allowed, %d", len(t.Parameters), MaxParameters)
	}
	params, _ := t.Raw["Parameters"].(map[string]any)
	for _, p := range t.Parameters {
		path := joinPath("Parameters", p.Name)
		v.checkName("Parameter", path, p.Name)
		def, _ := params[p.Name].(map[string]any)
		for _, k := range sortedKeys(def) {
			if !parameterAttributes[k] {
				d.add(joinPath(path, k), "Template format error: Invalid template parameter property '%s'", k)
			}
		}
		if t.Resource(p.Name) != nil {
			d.add(path, "Template format error: Parameter and resource names must be unique: %s", p.Name)
		}
		if p.Type == "" {
			d.add(path, "Template format error: Every Parameters object must contain a Type member.")
			continue
		}
		if !ValidParameterType(p.Type) {
			d.add(joinPath(path, "Type"), "Template format error: Unrecognized parameter type: %s", p.Type)
			continue
		}
		if len(p.Description) > maxParamDescription {
			d.add(joinPath(path, "Description"), "Template format error: Parameter %s Description must be no longer than %d characters", p.Name, maxParamDescription)
		}
		if p.AllowedPattern != "" {
			if _, err := compilePattern(p.AllowedPattern); err != nil {
				d.add(joinPath(path, "AllowedPattern"), "Template format error: Parameter %s AllowedPattern is not a valid regular expression", p.Name)
				continue
			}
		}
		if p.Default != nil && !IsSSMValueType(p.Type) {
			if err := checkConstraints(p, *p.Default); err != nil {
				d.add(joinPath(path, "Default"), "Template format error: Default value of parameter %s is invalid: %s", p.Name, err.Error())
			}
		}
	}
}

func (v *validator) checkMappings() {
	t, d := v.t, v.d
	raw, _ := t.Raw["Mappings"].(map[string]any)
	if len(raw) > MaxMappings {
		d.add("Mappings", "Template format error: Number of mappings, %d, is greater than maximum allowed, %d", len(raw), MaxMappings)
	}
	for _, name := range sortedKeys(t.Mappings) {
		path := joinPath("Mappings", name)
		if len(name) > MaxNameLength || !isAlnum(name) {
			d.add(path, "Template format error: Mappings attribute name '%s' must contain only alphanumeric characters.", name)
		}
		m := t.Mappings[name]
		if len(m) == 0 {
			d.add(path, "Template format error: Mappings member %s must contain at least one attribute", name)
		}
		for _, k := range sortedKeys(m) {
			kpath := joinPath(path, k)
			if len(m[k]) > MaxMappingAttributes {
				d.add(kpath, "Template format error: Number of mapping attributes, %d, is greater than maximum allowed, %d", len(m[k]), MaxMappingAttributes)
			}
			for _, attr := range sortedKeys(m[k]) {
				if !isMappingValue(m[k][attr]) {
					d.add(joinPath(kpath, attr), "Template format error: Every Mappings attribute must be a String or a List.")
				}
			}
		}
	}
}

func isMappingValue(v any) bool {
	switch x := v.(type) {
	case string, json.Number, bool:
		return true
	case []any:
		for _, item := range x {
			if _, ok := scalarString(item); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func (v *validator) checkConditions() {
	t := v.t
	edges := map[string][]string{}
	for _, name := range sortedKeys(t.Conditions) {
		path := joinPath("Conditions", name)
		if strings.HasPrefix(name, "Fn::ForEach::") {
			continue
		}
		v.checkName("Condition", path, name)
		expr := t.Conditions[name]
		v.condition(expr, path, ctxCondition)
		edges[name] = conditionRefs(expr)
	}
	for _, cyc := range stronglyConnected(sortedKeys(t.Conditions), edges) {
		v.d.add(joinPath("Conditions", cyc[0]), "Template format error: Circular dependency between conditions: %s", bracketList(cyc))
	}
}

// conditionRefs lists the conditions a condition expression refers to.
func conditionRefs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if c, ok := x["Condition"].(string); ok && len(x) == 1 {
				out = append(out, c)
				return
			}
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		case []any:
			for _, item := range x {
				walk(item)
			}
		}
	}
	walk(v)
	return out
}

// condition checks an expression in condition position: it must be a
// condition function (or, leniently, a literal boolean).
func (v *validator) condition(expr any, path string, ctx exprCtx) {
	switch x := expr.(type) {
	case bool:
		return
	case string:
		if x == "true" || x == "false" {
			return
		}
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Fn::And", "Fn::Or", "Fn::Not", "Fn::Equals", "Condition",
					"Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn":
					v.fn(k, arg, joinPath(path, k), ctx)
					return
				}
			}
		}
	}
	v.d.add(path, "Template format error: Conditions can only be boolean operations on parameters and other conditions")
}

func (v *validator) checkResources(opts ValidateOptions) {
	t, d := v.t, v.d
	raw, hasRes := t.Raw["Resources"]
	if rm, ok := raw.(map[string]any); !hasRes || raw == nil || (ok && len(rm) == 0) {
		d.add("", "Template format error: At least one Resources member must be defined.")
	}
	if len(t.Resources) > MaxResources {
		d.add("Resources", "Template format error: Number of resources, %d, is greater than maximum allowed, %d", len(t.Resources), MaxResources)
	}
	unsupported := map[string][]string{}
	var unsupportedOrder []string
	firstUse := map[string]string{}
	for _, r := range t.Resources {
		path := joinPath("Resources", r.LogicalID)
		v.checkName("Resource", path, r.LogicalID)
		if r.Type != "" {
			if !validTypeName(r.Type) || (opts.IsSupportedType != nil && !opts.IsSupportedType(r.Type)) {
				if _, seen := unsupported[r.Type]; !seen {
					unsupportedOrder = append(unsupportedOrder, r.Type)
					firstUse[r.Type] = joinPath(path, "Type")
				}
				unsupported[r.Type] = append(unsupported[r.Type], r.LogicalID)
			}
		}
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				d.add(joinPath(path, "Condition"), "Template format error: Unresolved condition dependency %s in resource %s", r.Condition, r.LogicalID)
			}
		}
		for i, dep := range r.DependsOn {
			dpath := joinPath(path, "DependsOn")
			if _, isList := t.resourceDef(r.LogicalID)["DependsOn"].([]any); isList {
				dpath = joinPath(dpath, strconv.Itoa(i))
			}
			if t.Resource(dep) == nil {
				v.unresolvedName("Resources", dep, dpath)
			}
		}
		def := t.resourceDef(r.LogicalID)
		v.checkPolicy(def, path, "DeletionPolicy", "Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
		v.checkPolicy(def, path, "UpdateReplacePolicy", "Delete", "Retain", "Snapshot")
		for _, k := range []string{"Properties", "Metadata", "CreationPolicy", "UpdatePolicy"} {
			if val, ok := def[k]; ok {
				v.expr(val, joinPath(path, k), ctxResource)
			}
		}
	}
	if len(unsupportedOrder) > 0 {
		sort.Strings(unsupportedOrder)
		var uses []string
		for _, typ := range unsupportedOrder {
			uses = append(uses, fmt.Sprintf("%s used by %s", typ, bracketList(unsupported[typ])))
		}
		d.add(firstUse[unsupportedOrder[0]], "Template format error: Unrecognized resource types: %s (%s)", bracketList(unsupportedOrder), strings.Join(uses, "; "))
	}
}

func (t *Template) resourceDef(id string) map[string]any {
	rs, _ := t.Raw["Resources"].(map[string]any)
	def, _ := rs[id].(map[string]any)
	return def
}

// validTypeName accepts Service::Category::Name style types (any depth of at
// least three parts) and Custom::Name.
func validTypeName(typ string) bool {
	parts := strings.Split(typ, "::")
	if len(parts) == 2 && parts[0] == "Custom" {
		return parts[1] != "" && len(typ) <= 60+len("Custom::")
	}
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	return true
}

func (v *validator) checkPolicy(def map[string]any, path, key string, allowed ...string) {
	val, ok := def[key]
	if !ok {
		return
	}
	p := joinPath(path, key)
	switch x := val.(type) {
	case string:
		if !containsString(allowed, x) {
			v.d.add(p, "Template format error: Unrecognized %s %s for resource %s", key, x, path[len("Resources/"):])
		}
	case map[string]any:
		if !v.langExt {
			v.d.add(p, "Template format error: Every %s member must be a string.", key)
			return
		}
		v.expr(x, p, ctxResource)
	default:
		v.d.add(p, "Template format error: Every %s member must be a string.", key)
	}
}

func (v *validator) checkOutputs() {
	t, d := v.t, v.d
	if len(t.Outputs) > MaxOutputs {
		d.add("Outputs", "Template format error: Number of outputs, %d, is greater than maximum allowed, %d", len(t.Outputs), MaxOutputs)
	}
	for _, o := range t.Outputs {
		path := joinPath("Outputs", o.LogicalID)
		v.checkName("Output", path, o.LogicalID)
		if o.Condition != "" {
			if _, ok := t.Conditions[o.Condition]; !ok {
				d.add(joinPath(path, "Condition"), "Template format error: Unresolved condition dependency %s in output %s", o.Condition, o.LogicalID)
			}
		}
		v.expr(o.Value, joinPath(path, "Value"), ctxOutput)
		if o.ExportName != nil {
			v.expr(o.ExportName, joinPath(path, "Export/Name"), ctxExportName)
		}
	}
}

func (v *validator) checkRules() {
	for _, name := range sortedKeys(v.t.Rules) {
		r := v.t.Rules[name]
		path := joinPath("Rules", name)
		v.checkName("Rule", path, name)
		if r.RuleCondition != nil {
			v.condition(r.RuleCondition, joinPath(path, "RuleCondition"), ctxRule)
		}
		for i, a := range r.Assertions {
			if a.Assert != nil {
				v.condition(a.Assert, joinPath(joinPath(joinPath(path, "Assertions"), strconv.Itoa(i)), "Assert"), ctxRule)
			}
		}
	}
}

func (v *validator) unresolvedName(block, name, path string) {
	if v.relaxed {
		return
	}
	if containsString(v.unresolved[block], name) {
		return
	}
	if len(v.unresolved[block]) == 0 {
		v.unresolvedPath[block] = path
	}
	v.unresolved[block] = append(v.unresolved[block], name)
}

func (v *validator) reportUnresolved() {
	for _, block := range []string{"Resources", "Outputs"} {
		if names := v.unresolved[block]; len(names) > 0 {
			v.d.add(v.unresolvedPath[block], "Template format error: Unresolved resource dependencies %s in the %s block of the template", bracketList(names), block)
		}
	}
}

// ref checks a Ref or Sub reference to a name.
func (v *validator) ref(name, path string, ctx exprCtx) {
	t := v.t
	switch {
	case pseudoParams[name], t.Parameter(name) != nil:
		return
	case t.Resource(name) != nil:
		switch ctx {
		case ctxCondition, ctxRule:
			v.d.add(path, "Template format error: Unresolved dependencies [%s]. Cannot reference resources in the %s block of the template", name, ctx.section())
		case ctxImport:
			v.d.add(path, "Template error: the attribute in Fn::ImportValue must not depend on any resources, imported values, or Fn::GetAZs")
		case ctxExportName:
			v.d.add(path, "Template error: Export names must not depend on any resources")
		}
	default:
		switch ctx {
		case ctxCondition, ctxRule:
			if !v.relaxed {
				v.d.add(path, "Template format error: Unresolved dependencies [%s]. Cannot reference resources in the %s block of the template", name, ctx.section())
			}
		default:
			v.unresolvedName(ctx.section(), name, path)
		}
	}
}

func (v *validator) getAtt(res, path string, ctx exprCtx) {
	switch ctx {
	case ctxCondition, ctxRule:
		v.d.add(path, "Template format error: Fn::GetAtt is not supported in the %s block of the template", ctx.section())
		return
	case ctxImport:
		v.d.add(path, "Template error: the attribute in Fn::ImportValue must not depend on any resources, imported values, or Fn::GetAZs")
		return
	case ctxExportName:
		v.d.add(path, "Template error: Export names must not depend on any resources")
		return
	}
	if v.t.Resource(res) == nil && !v.relaxed {
		v.d.add(path, "Template error: instance of Fn::GetAtt references undefined resource %s", res)
	}
}

// expr walks a value checking every intrinsic function call in it.
func (v *validator) expr(val any, path string, ctx exprCtx) {
	switch x := val.(type) {
	case map[string]any:
		if name, arg, ok := functionName(x); ok {
			v.fn(name, arg, joinPath(path, name), ctx)
			return
		}
		for _, k := range sortedKeys(x) {
			if strings.HasPrefix(k, "Fn::ForEach::") {
				v.forEach(k, x[k], joinPath(path, k), ctx)
				continue
			}
			v.expr(x[k], joinPath(path, k), ctx)
		}
	case []any:
		for i, item := range x {
			v.expr(item, joinPath(path, strconv.Itoa(i)), ctx)
		}
	}
}

func (v *validator) forEach(key string, arg any, path string, ctx exprCtx) {
	if !v.langExt {
		v.d.add(path, "Template format error: Fn::ForEach requires the %s transform", LanguageExtensions)
		return
	}
	list, ok := arg.([]any)
	if !ok || len(list) != 3 {
		v.d.add(path, "Template error: %s requires a list of three elements: an identifier, a collection and an output template", key)
		return
	}
	if _, ok := list[0].(string); !ok {
		v.d.add(joinPath(path, "0"), "Template error: the identifier of %s must be a string", key)
	}
	if _, ok := list[2].(map[string]any); !ok {
		v.d.add(joinPath(path, "2"), "Template error: the output template of %s must be an object", key)
	}
	// Bodies refer to loop identifiers, which are not template names.
	saved := v.relaxed
	v.relaxed = true
	v.expr(list[1], joinPath(path, "1"), ctx)
	v.expr(list[2], joinPath(path, "2"), ctx)
	v.relaxed = saved
}

func isFunc(val any) bool {
	m, ok := val.(map[string]any)
	if !ok {
		return false
	}
	_, _, ok = functionName(m)
	if !ok && len(m) == 1 {
		_, ok = m["Condition"]
	}
	return ok
}

func argList(arg any) ([]any, bool) {
	l, ok := arg.([]any)
	return l, ok
}

// literalIndex parses a literal Fn::Select index.
func literalIndex(v any) (int, bool, bool) {
	s, ok := scalarString(v)
	if !ok {
		return 0, false, false
	}
	if _, isBool := v.(bool); isBool {
		return 0, true, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, true, false
		}
		n = int(f)
	}
	return n, true, n >= 0
}

var conditionFuncs = map[string]bool{"Fn::And": true, "Fn::Or": true, "Fn::Not": true, "Fn::Equals": true, "Condition": true}
var ruleFuncs = map[string]bool{"Fn::Contains": true, "Fn::EachMemberEquals": true, "Fn::EachMemberIn": true, "Fn::RefAll": true, "Fn::ValueOf": true, "Fn::ValueOfAll": true}

// fn checks one function call; path already ends with the function name.
func (v *validator) fn(name string, arg any, path string, ctx exprCtx) {
	d := v.d
	inCond := ctx == ctxCondition || ctx == ctxRule
	if conditionFuncs[name] && !inCond {
		if name == "Condition" {
			return // an ordinary property called Condition
		}
		d.add(path, "Template format error: %s can only be used in the Conditions and Rules blocks of the template", name)
		return
	}
	if ruleFuncs[name] && ctx != ctxRule {
		d.add(path, "Template format error: %s can only be used in the Rules block of the template", name)
		return
	}
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok || s == "" {
			d.add(path, "Template error: every Ref object must have a single String value.")
			return
		}
		v.ref(s, path, ctx)
	case "Fn::GetAtt":
		res, attr, ok := getAttArgs(arg)
		if !ok {
			d.add(path, "Template error: every Fn::GetAtt object requires two non-empty parameters")
			return
		}
		if m, isMap := attr.(map[string]any); isMap {
			if fn, _, ok := functionName(m); !ok || (fn != "Ref" && !v.langExt) {
				d.add(joinPath(path, "1"), "Template error: the attribute name of Fn::GetAtt must be a string or a Ref")
			} else {
				v.expr(m, joinPath(path, "1"), ctx)
			}
		}
		v.getAtt(res, path, ctx)
	case "Fn::Sub":
		v.sub(arg, path, ctx)
	case "Fn::Join":
		l, ok := argList(arg)
		good := ok && len(l) == 2
		if good {
			_, isStr := l[0].(string)
			_, isList := l[1].([]any)
			good = isStr && (isList || isFunc(l[1]))
		}
		if !good {
			d.add(path, "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
			return
		}
		v.expr(l[1], joinPath(path, "1"), ctx)
	case "Fn::Select":
		l, ok := argList(arg)
		good := ok && len(l) == 2
		if good {
			_, isList := l[1].([]any)
			good = isList || isFunc(l[1])
			if _, literal, valid := literalIndex(l[0]); literal && !valid {
				good = false
			} else if !literal && !isFunc(l[0]) {
				good = false
			}
		}
		if !good {
			d.add(path, "Template error: every Fn::Select object requires two parameters, (1) an index and (2) a list or function that returns a list")
			return
		}
		if idx, literal, _ := literalIndex(l[0]); literal {
			if list, isList := l[1].([]any); isList && idx >= len(list) {
				d.add(path, "Template error: Fn::Select cannot select nonexistent value at index %d", idx)
			}
		}
		v.expr(l[0], joinPath(path, "0"), ctx)
		v.expr(l[1], joinPath(path, "1"), ctx)
	case "Fn::Split":
		l, ok := argList(arg)
		good := ok && len(l) == 2
		if good {
			_, isStr := l[0].(string)
			_, isStr2 := l[1].(string)
			good = isStr && (isStr2 || isFunc(l[1]))
		}
		if !good {
			d.add(path, "Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
			return
		}
		v.expr(l[1], joinPath(path, "1"), ctx)
	case "Fn::FindInMap":
		v.findInMap(arg, path, ctx)
	case "Fn::If":
		if inCond {
			d.add(path, "Template format error: Fn::If is not supported in the %s block of the template", ctx.section())
			return
		}
		l, ok := argList(arg)
		if !ok || len(l) != 3 {
			d.add(path, "Template error: Fn::If requires a list argument with three elements")
			return
		}
		c, ok := l[0].(string)
		if !ok {
			d.add(joinPath(path, "0"), "Template format error: Every Condition member must be a string.")
		} else if _, exists := v.t.Conditions[c]; !exists {
			d.add(joinPath(path, "0"), "Template error: unresolved condition dependency %s in Fn::If", c)
		}
		v.expr(l[1], joinPath(path, "1"), ctx)
		v.expr(l[2], joinPath(path, "2"), ctx)
	case "Fn::Equals":
		l, ok := argList(arg)
		if !ok || len(l) != 2 {
			d.add(path, "Template error: every Fn::Equals object requires a list of 2 string parameters.")
			return
		}
		v.expr(l[0], joinPath(path, "0"), ctx)
		v.expr(l[1], joinPath(path, "1"), ctx)
	case "Fn::And", "Fn::Or":
		l, ok := argList(arg)
		if !ok || len(l) < 2 || len(l) > 10 {
			d.add(path, "Template error: every %s object requires a list of at least 2 and at most 10 boolean parameters.", name)
			return
		}
		for i, item := range l {
			v.condition(item, joinPath(path, strconv.Itoa(i)), ctx)
		}
	case "Fn::Not":
		l, ok := argList(arg)
		if !ok || len(l) != 1 {
			d.add(path, "Template error: every Fn::Not object requires a list of exactly 1 boolean parameter.")
			return
		}
		v.condition(l[0], joinPath(path, "0"), ctx)
	case "Condition":
		c, ok := arg.(string)
		if !ok {
			d.add(path, "Template format error: Every Condition member must be a string.")
			return
		}
		if _, exists := v.t.Conditions[c]; !exists {
			d.add(path, "Template error: unresolved condition dependency %s in Condition", c)
		}
	case "Fn::Base64":
		if _, ok := arg.(string); !ok && !isFunc(arg) {
			d.add(path, "Template error: every Fn::Base64 object must have a single String value or a function that returns a string.")
			return
		}
		v.expr(arg, path, ctx)
	case "Fn::Cidr":
		l, ok := argList(arg)
		if !ok || len(l) != 3 {
			d.add(path, "Template error: every Fn::Cidr object requires three parameters, (1) an IP address block, (2) the number of subnets and (3) the number of subnet bits")
			return
		}
		if n, literal, valid := literalIndex(l[1]); literal && (!valid || n < 1 || n > 256) {
			d.add(joinPath(path, "1"), "Template error: Fn::Cidr count must be an integer between 1 and 256")
		}
		if _, literal, valid := literalIndex(l[2]); literal && !valid {
			d.add(joinPath(path, "2"), "Template error: Fn::Cidr cidrBits must be a non-negative integer")
		}
		v.expr(l, path, ctx)
	case "Fn::GetAZs":
		if _, ok := arg.(string); !ok && !isFunc(arg) {
			d.add(path, "Template error: Fn::GetAZs requires a region string or a Ref to AWS::Region")
			return
		}
		v.expr(arg, path, ctx)
	case "Fn::ImportValue":
		if inCond {
			d.add(path, "Template format error: Fn::ImportValue is not supported in the %s block of the template", ctx.section())
			return
		}
		if _, ok := arg.(string); !ok && !isFunc(arg) {
			d.add(path, "Template error: every Fn::ImportValue object must have a single String value or a function that returns a string.")
			return
		}
		v.expr(arg, path, ctxImport)
	case "Fn::Length":
		if !v.langExt {
			d.add(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
			return
		}
		if _, ok := arg.([]any); !ok && !isFunc(arg) {
			d.add(path, "Template error: Fn::Length requires a list or a function that returns a list")
			return
		}
		v.expr(arg, path, ctx)
	case "Fn::ToJsonString":
		if !v.langExt {
			d.add(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
			return
		}
		switch arg.(type) {
		case map[string]any, []any:
		default:
			d.add(path, "Template error: Fn::ToJsonString requires an object or a list")
			return
		}
		v.expr(arg, path, ctx)
	case "Fn::GetStackOutput":
		m, ok := arg.(map[string]any)
		if !ok || m["StackName"] == nil || m["OutputName"] == nil {
			d.add(path, "Template error: Fn::GetStackOutput requires StackName and OutputName")
			return
		}
		for _, k := range sortedKeys(m) {
			switch k {
			case "StackName", "OutputName", "Region", "RoleArn":
				v.expr(m[k], joinPath(path, k), ctx)
			default:
				d.add(joinPath(path, k), "Template error: Fn::GetStackOutput does not accept %s", k)
			}
		}
	case "Fn::Transform":
		macro := ""
		if m, ok := arg.(map[string]any); ok {
			macro, _ = m["Name"].(string)
		}
		d.add(path, "Template format error: Fn::Transform macro %s is not supported; skiff supports %s", macro, bracketList(SupportedTransforms))
	case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::ValueOf":
		l, ok := argList(arg)
		if !ok || len(l) != 2 {
			d.add(path, "Template error: every %s object requires a list of 2 parameters.", name)
			return
		}
		v.expr(l, path, ctx)
	case "Fn::RefAll":
		if _, ok := arg.(string); !ok {
			d.add(path, "Template error: Fn::RefAll requires a parameter type string")
		}
	case "Fn::ValueOfAll":
		l, ok := argList(arg)
		if !ok || len(l) != 2 {
			d.add(path, "Template error: every Fn::ValueOfAll object requires a list of 2 parameters.")
		}
	default:
		if strings.HasPrefix(name, "Fn::ForEach::") {
			v.forEach(name, arg, path, ctx)
			return
		}
		d.add(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
	}
}

func (v *validator) sub(arg any, path string, ctx exprCtx) {
	bad := func() {
		v.d.add(path, "Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
	}
	var (
		str  string
		vars map[string]any
	)
	switch a := arg.(type) {
	case string:
		str = a
	case []any:
		if len(a) < 1 || len(a) > 2 {
			bad()
			return
		}
		s, ok := a[0].(string)
		if !ok {
			bad()
			return
		}
		str = s
		if len(a) == 2 {
			m, ok := a[1].(map[string]any)
			if !ok {
				bad()
				return
			}
			vars = m
			for _, k := range sortedKeys(m) {
				v.expr(m[k], joinPath(joinPath(path, "1"), k), ctx)
			}
		}
	default:
		bad()
		return
	}
	for _, p := range parseSub(str) {
		if !p.isVar {
			continue
		}
		if _, ok := vars[p.text]; ok {
			continue
		}
		name, _, isAtt := splitSubVar(p.text)
		if isAtt {
			v.getAtt(name, path, ctx)
			continue
		}
		v.ref(name, path, ctx)
	}
}

func (v *validator) findInMap(arg any, path string, ctx exprCtx) {
	l, ok := argList(arg)
	if !ok || len(l) < 3 || len(l) > 4 {
		v.d.add(path, "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
		return
	}
	hasDefault := false
	if len(l) == 4 {
		m, ok := l[3].(map[string]any)
		_, hasDV := m["DefaultValue"]
		if !ok || !hasDV || len(m) != 1 {
			v.d.add(joinPath(path, "3"), "Template error: the fourth parameter of Fn::FindInMap must be an object with a DefaultValue")
			return
		}
		if !v.langExt {
			v.d.add(joinPath(path, "3"), "Template error: Fn::FindInMap DefaultValue requires the %s transform", LanguageExtensions)
		}
		hasDefault = true
		v.expr(m["DefaultValue"], joinPath(joinPath(path, "3"), "DefaultValue"), ctx)
	}
	lits := make([]string, 3)
	allLit := true
	for i := 0; i < 3; i++ {
		switch x := l[i].(type) {
		case string:
			lits[i] = x
		case json.Number:
			lits[i] = string(x)
		case map[string]any:
			allLit = false
			v.expr(x, joinPath(path, strconv.Itoa(i)), ctx)
		default:
			v.d.add(path, "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
			return
		}
	}
	if _, isLit := l[0].(string); isLit && !v.relaxed {
		m, exists := v.t.Mappings[lits[0]]
		if !exists {
			v.d.add(path, "Template error: Mapping named '%s' is not present in the 'Mappings' section of template.", lits[0])
			return
		}
		if allLit && !hasDefault {
			if _, ok := m[lits[1]][lits[2]]; !ok {
				v.d.add(path, "Template error: Unable to get mapping for %s::%s::%s", lits[0], lits[1], lits[2])
			}
		}
	}
}
