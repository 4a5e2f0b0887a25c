package template

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Pseudo holds the values of the AWS pseudo parameters for one stack.
type Pseudo struct {
	AccountID, Region, StackName, StackID, Partition, URLSuffix string
	NotificationARNs                                            []string
}

func (p Pseudo) partition() string {
	if p.Partition != "" {
		return p.Partition
	}
	switch {
	case strings.HasPrefix(p.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(p.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func (p Pseudo) urlSuffix() string {
	if p.URLSuffix != "" {
		return p.URLSuffix
	}
	if strings.HasPrefix(p.Region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// Resolver supplies the stateful values an evaluation needs.
type Resolver interface {
	Ref(logicalID string) (any, error)               // physical id of a resource; ErrUnknown if not known yet
	GetAtt(logicalID, attribute string) (any, error) // ErrUnknown if not known yet
	ImportValue(exportName string) (string, error)
	StackOutput(stackName, outputName string) (string, error) // Fn::GetStackOutput
}

// ErrUnknown is returned by a Resolver for values that do not exist yet.
var ErrUnknown = errors.New("value not known until the resource exists")

// Unknown stands for a value that cannot be computed until resources exist;
// Expr is the unevaluated expression. Change-set previews report such
// values as dynamic.
type Unknown struct{ Expr any }

// noValueT is what Ref AWS::NoValue evaluates to until the enclosing map
// key or list element is dropped.
type noValueT struct{}

var noValue = noValueT{}

// IsUnknown reports whether v is an Unknown.
func IsUnknown(v any) bool {
	_, ok := v.(Unknown)
	return ok
}

// ContainsUnknown reports whether v is or contains an Unknown.
func ContainsUnknown(v any) bool {
	switch x := v.(type) {
	case Unknown:
		return true
	case map[string]any:
		for _, val := range x {
			if ContainsUnknown(val) {
				return true
			}
		}
	case []any:
		for _, item := range x {
			if ContainsUnknown(item) {
				return true
			}
		}
	}
	return false
}

// PathError wraps an error from a Resolver or lookup with the template
// location that triggered it.
type PathError struct {
	Path      string
	Line, Col int
	Err       error
}

func (e *PathError) Error() string {
	return Diagnostic{Path: e.Path, Line: e.Line, Col: e.Col, Message: e.Err.Error()}.Error()
}

func (e *PathError) Unwrap() error { return e.Err }

// Evaluator evaluates intrinsic functions for one stack operation. It is
// not safe for concurrent use.
type Evaluator struct {
	T          *Template
	Params     map[string]ParamValue
	Pseudo     Pseudo
	Resolver   Resolver
	Conditions map[string]bool

	condStack []string
}

func (e *Evaluator) langExt() bool { return e.T != nil && e.T.HasTransform(LanguageExtensions) }

func (e *Evaluator) fail(path, format string, args ...any) error {
	return e.T.errAt(path, format, args...)
}

func (e *Evaluator) wrap(path string, err error) error {
	var ds Diagnostics
	if errors.As(err, &ds) {
		return err
	}
	pe := &PathError{Path: path, Err: err}
	if l, c, ok := e.T.Pos(path); ok {
		pe.Line, pe.Col = l, c
	}
	return pe
}

// Eval evaluates every intrinsic function in v. path locates v in the
// template for error messages. Keys and list elements whose value is
// Ref AWS::NoValue are removed; a top-level AWS::NoValue yields nil.
// Expressions depending on values the Resolver does not know yet evaluate to
// Unknown.
func (e *Evaluator) Eval(v any, path string) (any, error) {
	if e.T == nil {
		e.T = &Template{}
	}
	r, err := e.eval(v, path)
	if err != nil {
		return nil, err
	}
	if r == noValue {
		return nil, nil
	}
	return r, nil
}

func (e *Evaluator) eval(v any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if name, arg, ok := functionName(x); ok {
			return e.call(name, arg, joinPath(path, name), x)
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			if strings.HasPrefix(k, "Fn::ForEach::") {
				return nil, e.fail(joinPath(path, k), "Template format error: Fn::ForEach requires the %s transform", LanguageExtensions)
			}
			r, err := e.eval(x[k], joinPath(path, k))
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, item := range x {
			r, err := e.eval(item, joinPath(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			if r == noValue {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	}
	return v, nil
}

// toStr converts a scalar to the string CloudFormation would use.
func toStr(v any) (string, bool) {
	return scalarString(v)
}

func (e *Evaluator) evalString(v any, path, fn string) (string, bool, error) {
	r, err := e.eval(v, path)
	if err != nil {
		return "", false, err
	}
	if ContainsUnknown(r) {
		return "", true, nil
	}
	s, ok := toStr(r)
	if !ok {
		return "", false, e.fail(path, "Template error: %s requires a string argument", fn)
	}
	return s, false, nil
}

func (e *Evaluator) call(name string, arg any, path string, orig map[string]any) (any, error) {
	unknown := Unknown{Expr: orig}
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, e.fail(path, "Template error: every Ref object must have a single String value.")
		}
		return e.ref(s, path, orig)
	case "Fn::GetAtt":
		res, attr, ok := getAttArgs(arg)
		if !ok {
			return nil, e.fail(path, "Template error: every Fn::GetAtt object requires two non-empty parameters")
		}
		a, isStr := attr.(string)
		if !isStr {
			s, unk, err := e.evalString(attr, joinPath(path, "1"), name)
			if err != nil {
				return nil, err
			}
			if unk {
				return unknown, nil
			}
			a = s
		}
		return e.getAtt(res, a, path, orig)
	case "Fn::Sub":
		return e.sub(arg, path, orig)
	case "Fn::Join":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, e.fail(path, "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
		delim, unk, err := e.evalString(l[0], joinPath(path, "0"), name)
		if err != nil {
			return nil, err
		}
		list, err := e.eval(l[1], joinPath(path, "1"))
		if err != nil {
			return nil, err
		}
		if unk || ContainsUnknown(list) {
			return unknown, nil
		}
		items, ok := list.([]any)
		if !ok {
			return nil, e.fail(path, "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
		}
		parts := make([]string, 0, len(items))
		for _, item := range items {
			s, ok := toStr(item)
			if !ok {
				if item == nil {
					s = ""
				} else {
					return nil, e.fail(path, "Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
				}
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, e.fail(path, "Template error: every Fn::Select object requires two parameters, (1) an index and (2) a list or function that returns a list")
		}
		idxV, err := e.eval(l[0], joinPath(path, "0"))
		if err != nil {
			return nil, err
		}
		list, err := e.eval(l[1], joinPath(path, "1"))
		if err != nil {
			return nil, err
		}
		if IsUnknown(idxV) || IsUnknown(list) {
			return unknown, nil
		}
		idx, literal, valid := literalIndex(idxV)
		if !literal || !valid {
			return nil, e.fail(path, "Template error: Fn::Select requires a non-negative integer index")
		}
		items, ok := list.([]any)
		if !ok {
			return nil, e.fail(path, "Template error: every Fn::Select object requires two parameters, (1) an index and (2) a list or function that returns a list")
		}
		if idx >= len(items) {
			return nil, e.fail(path, "Template error: Fn::Select cannot select nonexistent value at index %d", idx)
		}
		return items[idx], nil
	case "Fn::Split":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, e.fail(path, "Template error: every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.")
		}
		delim, unk1, err := e.evalString(l[0], joinPath(path, "0"), name)
		if err != nil {
			return nil, err
		}
		src, unk2, err := e.evalString(l[1], joinPath(path, "1"), name)
		if err != nil {
			return nil, err
		}
		if unk1 || unk2 {
			return unknown, nil
		}
		if delim == "" {
			return nil, e.fail(path, "Template error: Fn::Split delimiter must not be empty")
		}
		parts := strings.Split(src, delim)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::FindInMap":
		return e.findInMap(arg, path, orig)
	case "Fn::If":
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			return nil, e.fail(path, "Template error: Fn::If requires a list argument with three elements")
		}
		c, ok := l[0].(string)
		if !ok {
			return nil, e.fail(joinPath(path, "0"), "Template format error: Every Condition member must be a string.")
		}
		b, err := e.conditionValue(c, joinPath(path, "0"), "Fn::If")
		if err != nil {
			return nil, err
		}
		if b {
			return e.eval(l[1], joinPath(path, "1"))
		}
		return e.eval(l[2], joinPath(path, "2"))
	case "Fn::Equals":
		l, ok := arg.([]any)
		if !ok || len(l) != 2 {
			return nil, e.fail(path, "Template error: every Fn::Equals object requires a list of 2 string parameters.")
		}
		a, err := e.eval(l[0], joinPath(path, "0"))
		if err != nil {
			return nil, err
		}
		b, err := e.eval(l[1], joinPath(path, "1"))
		if err != nil {
			return nil, err
		}
		if ContainsUnknown(a) || ContainsUnknown(b) {
			return unknown, nil
		}
		return valuesEqual(a, b), nil
	case "Fn::And", "Fn::Or", "Fn::Not":
		b, unk, err := e.boolFunc(name, arg, path)
		if err != nil {
			return nil, err
		}
		if unk {
			return unknown, nil
		}
		return b, nil
	case "Fn::Base64":
		s, unk, err := e.evalString(arg, path, name)
		if err != nil || unk {
			return unknown, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Cidr":
		l, ok := arg.([]any)
		if !ok || len(l) != 3 {
			return nil, e.fail(path, "Template error: every Fn::Cidr object requires three parameters, (1) an IP address block, (2) the number of subnets and (3) the number of subnet bits")
		}
		block, unk, err := e.evalString(l[0], joinPath(path, "0"), name)
		if err != nil {
			return nil, err
		}
		nums := [2]int{}
		for i := 1; i <= 2; i++ {
			r, err := e.eval(l[i], joinPath(path, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			if ContainsUnknown(r) {
				unk = true
				continue
			}
			n, literal, valid := literalIndex(r)
			if !literal || !valid {
				return nil, e.fail(joinPath(path, strconv.Itoa(i)), "Template error: Fn::Cidr requires integer count and cidrBits")
			}
			nums[i-1] = n
		}
		if unk {
			return unknown, nil
		}
		out, err := computeCidr(block, nums[0], nums[1])
		if err != nil {
			return nil, e.fail(path, "%s", err.Error())
		}
		return out, nil
	case "Fn::GetAZs":
		region, unk, err := e.evalString(arg, path, name)
		if err != nil || unk {
			return unknown, err
		}
		if region == "" {
			region = e.Pseudo.Region
		}
		return []any{region + "a", region + "b", region + "c"}, nil
	case "Fn::ImportValue":
		s, unk, err := e.evalString(arg, path, name)
		if err != nil || unk {
			return unknown, err
		}
		if e.Resolver == nil {
			return unknown, nil
		}
		v, err := e.Resolver.ImportValue(s)
		if errors.Is(err, ErrUnknown) {
			return unknown, nil
		}
		if err != nil {
			return nil, e.wrap(path, err)
		}
		return v, nil
	case "Fn::GetStackOutput":
		m, ok := arg.(map[string]any)
		if !ok {
			return nil, e.fail(path, "Template error: Fn::GetStackOutput requires StackName and OutputName")
		}
		stack, unk1, err := e.evalString(m["StackName"], joinPath(path, "StackName"), name)
		if err != nil {
			return nil, err
		}
		out, unk2, err := e.evalString(m["OutputName"], joinPath(path, "OutputName"), name)
		if err != nil {
			return nil, err
		}
		if unk1 || unk2 || e.Resolver == nil {
			return unknown, nil
		}
		v, err := e.Resolver.StackOutput(stack, out)
		if errors.Is(err, ErrUnknown) {
			return unknown, nil
		}
		if err != nil {
			return nil, e.wrap(path, err)
		}
		return v, nil
	case "Fn::Length":
		if !e.langExt() {
			return nil, e.fail(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
		}
		r, err := e.eval(arg, path)
		if err != nil {
			return nil, err
		}
		if IsUnknown(r) {
			return unknown, nil
		}
		l, ok := r.([]any)
		if !ok {
			return nil, e.fail(path, "Template error: Fn::Length requires a list or a function that returns a list")
		}
		return json.Number(strconv.Itoa(len(l))), nil
	case "Fn::ToJsonString":
		if !e.langExt() {
			return nil, e.fail(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
		}
		r, err := e.eval(arg, path)
		if err != nil {
			return nil, err
		}
		if ContainsUnknown(r) {
			return unknown, nil
		}
		s, err := compactJSON(r)
		if err != nil {
			return nil, e.fail(path, "Template error: Fn::ToJsonString: %s", err.Error())
		}
		return s, nil
	case "Fn::Transform":
		return nil, e.fail(path, "Template format error: Fn::Transform is not supported; skiff supports %s", bracketList(SupportedTransforms))
	case "Fn::Contains", "Fn::EachMemberEquals", "Fn::EachMemberIn", "Fn::RefAll", "Fn::ValueOf", "Fn::ValueOfAll":
		return nil, e.fail(path, "Template format error: %s can only be used in the Rules block of the template", name)
	}
	if strings.HasPrefix(name, "Fn::ForEach::") {
		return nil, e.fail(path, "Template format error: Fn::ForEach requires the %s transform", LanguageExtensions)
	}
	return nil, e.fail(path, "Template format error: Encountered unsupported function: %s Supported functions are: %s", name, supportedFunctionsMsg)
}

// compactJSON renders v as compact JSON with sorted keys and no HTML
// escaping, which is what Fn::ToJsonString produces.
func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func valuesEqual(a, b any) bool {
	if la, ok := a.([]any); ok {
		lb, ok := b.([]any)
		if !ok || len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !valuesEqual(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	if ma, ok := a.(map[string]any); ok {
		mb, ok := b.(map[string]any)
		if !ok || len(ma) != len(mb) {
			return false
		}
		for k, va := range ma {
			vb, ok := mb[k]
			if !ok || !valuesEqual(va, vb) {
				return false
			}
		}
		return true
	}
	sa, oka := toStr(a)
	sb, okb := toStr(b)
	if oka && okb {
		return sa == sb
	}
	return a == nil && b == nil
}

func (e *Evaluator) ref(name, path string, orig map[string]any) (any, error) {
	p := e.Pseudo
	switch name {
	case "AWS::NoValue":
		return noValue, nil
	case "AWS::AccountId":
		return p.AccountID, nil
	case "AWS::Region":
		return p.Region, nil
	case "AWS::StackName":
		return p.StackName, nil
	case "AWS::StackId":
		return p.StackID, nil
	case "AWS::Partition":
		return p.partition(), nil
	case "AWS::URLSuffix":
		return p.urlSuffix(), nil
	case "AWS::NotificationARNs":
		out := make([]any, len(p.NotificationARNs))
		for i, a := range p.NotificationARNs {
			out[i] = a
		}
		return out, nil
	}
	if param := e.T.Parameter(name); param != nil {
		pv, ok := e.Params[name]
		if !ok {
			return nil, e.fail(path, "Parameters: [%s] must have values", name)
		}
		return paramRefValue(param, pv), nil
	}
	if r := e.T.Resource(name); r != nil {
		if err := e.checkResourceIncluded(r, path); err != nil {
			return nil, err
		}
		if e.Resolver == nil {
			return Unknown{Expr: orig}, nil
		}
		v, err := e.Resolver.Ref(name)
		if errors.Is(err, ErrUnknown) {
			return Unknown{Expr: orig}, nil
		}
		if err != nil {
			return nil, e.wrap(path, err)
		}
		return v, nil
	}
	return nil, e.fail(path, "Template format error: Unresolved resource dependencies [%s] in the %s block of the template", name, blockOf(path))
}

func blockOf(path string) string {
	if strings.HasPrefix(path, "Outputs") {
		return "Outputs"
	}
	if strings.HasPrefix(path, "Conditions") {
		return "Conditions"
	}
	return "Resources"
}

// paramRefValue is what Ref yields for a parameter: lists for list types,
// the SSM value for SSM parameter types.
func paramRefValue(p *Parameter, pv ParamValue) any {
	typ := p.Type
	val := pv.Value
	if inner, ok := ssmValueInner(typ); ok {
		typ, val = inner, pv.Resolved
	}
	if IsListType(typ) {
		list := pv.List
		if list == nil {
			list = splitList(val)
		}
		out := make([]any, len(list))
		for i, s := range list {
			out[i] = s
		}
		return out
	}
	return val
}

// checkResourceIncluded rejects references to resources whose Condition is
// false: they are not created, so AWS reports them as unresolved.
func (e *Evaluator) checkResourceIncluded(r *Resource, path string) error {
	if r.Condition == "" {
		return nil
	}
	b, err := e.conditionValue(r.Condition, joinPath(joinPath("Resources", r.LogicalID), "Condition"), "resource "+r.LogicalID)
	if err != nil {
		return err
	}
	if !b {
		return e.fail(path, "Template format error: Unresolved resource dependencies [%s] in the %s block of the template", r.LogicalID, blockOf(path))
	}
	return nil
}

func (e *Evaluator) getAtt(res, attr, path string, orig map[string]any) (any, error) {
	r := e.T.Resource(res)
	if r == nil {
		return nil, e.fail(path, "Template error: instance of Fn::GetAtt references undefined resource %s", res)
	}
	if err := e.checkResourceIncluded(r, path); err != nil {
		return nil, err
	}
	if e.Resolver == nil {
		return Unknown{Expr: orig}, nil
	}
	v, err := e.Resolver.GetAtt(res, attr)
	if errors.Is(err, ErrUnknown) {
		return Unknown{Expr: orig}, nil
	}
	if err != nil {
		return nil, e.wrap(path, err)
	}
	return v, nil
}

func (e *Evaluator) sub(arg any, path string, orig map[string]any) (any, error) {
	bad := func() error {
		return e.fail(path, "Template error: One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string")
	}
	var (
		str  string
		vars = map[string]any{}
	)
	unknown := false
	switch a := arg.(type) {
	case string:
		str = a
	case []any:
		if len(a) < 1 || len(a) > 2 {
			return nil, bad()
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, bad()
		}
		str = s
		if len(a) == 2 {
			m, ok := a[1].(map[string]any)
			if !ok {
				return nil, bad()
			}
			for _, k := range sortedKeys(m) {
				r, err := e.eval(m[k], joinPath(joinPath(path, "1"), k))
				if err != nil {
					return nil, err
				}
				vars[k] = r
			}
		}
	default:
		return nil, bad()
	}
	var b strings.Builder
	for _, p := range parseSub(str) {
		if !p.isVar {
			b.WriteString(p.text)
			continue
		}
		val, ok := vars[p.text]
		if !ok {
			name, attr, isAtt := splitSubVar(p.text)
			var err error
			if isAtt {
				if e.T.Parameter(name) != nil || pseudoParams[name] {
					return nil, e.fail(path, "Template error: instance of Fn::GetAtt references undefined resource %s", name)
				}
				val, err = e.getAtt(name, attr, path, map[string]any{"Fn::GetAtt": []any{name, attr}})
			} else {
				val, err = e.ref(name, path, map[string]any{"Ref": name})
			}
			if err != nil {
				return nil, err
			}
		}
		if ContainsUnknown(val) {
			unknown = true
			continue
		}
		s, ok := toStr(val)
		if !ok {
			return nil, e.fail(path, "Template error: variable %s in Fn::Sub must resolve to a string, not a list or object", p.text)
		}
		b.WriteString(s)
	}
	if unknown {
		return Unknown{Expr: orig}, nil
	}
	return b.String(), nil
}

func (e *Evaluator) findInMap(arg any, path string, orig map[string]any) (any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) < 3 || len(l) > 4 {
		return nil, e.fail(path, "Template error: every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value")
	}
	var def any
	hasDefault := false
	if len(l) == 4 {
		m, ok := l[3].(map[string]any)
		dv, has := m["DefaultValue"]
		if !ok || !has {
			return nil, e.fail(joinPath(path, "3"), "Template error: the fourth parameter of Fn::FindInMap must be an object with a DefaultValue")
		}
		if !e.langExt() {
			return nil, e.fail(joinPath(path, "3"), "Template error: Fn::FindInMap DefaultValue requires the %s transform", LanguageExtensions)
		}
		def, hasDefault = dv, true
	}
	keys := make([]string, 3)
	for i := 0; i < 3; i++ {
		s, unk, err := e.evalString(l[i], joinPath(path, strconv.Itoa(i)), "Fn::FindInMap")
		if err != nil {
			return nil, err
		}
		if unk {
			return Unknown{Expr: orig}, nil
		}
		keys[i] = s
	}
	if v, ok := e.T.Mappings[keys[0]][keys[1]][keys[2]]; ok {
		return deepCopy(v), nil
	}
	if hasDefault {
		return e.eval(def, joinPath(joinPath(path, "3"), "DefaultValue"))
	}
	return nil, e.fail(path, "Template error: Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = deepCopy(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = deepCopy(item)
		}
		return out
	}
	return v
}

// boolFunc evaluates Fn::And, Fn::Or and Fn::Not.
func (e *Evaluator) boolFunc(name string, arg any, path string) (bool, bool, error) {
	l, ok := arg.([]any)
	if name == "Fn::Not" {
		if !ok || len(l) != 1 {
			return false, false, e.fail(path, "Template error: every Fn::Not object requires a list of exactly 1 boolean parameter.")
		}
		b, unk, err := e.condExpr(l[0], joinPath(path, "0"))
		return !b, unk, err
	}
	if !ok || len(l) < 2 || len(l) > 10 {
		return false, false, e.fail(path, "Template error: every %s object requires a list of at least 2 and at most 10 boolean parameters.", name)
	}
	result := name == "Fn::And"
	anyUnknown := false
	for i, item := range l {
		b, unk, err := e.condExpr(item, joinPath(path, strconv.Itoa(i)))
		if err != nil {
			return false, false, err
		}
		if unk {
			anyUnknown = true
			continue
		}
		if name == "Fn::And" {
			result = result && b
		} else {
			result = result || b
		}
	}
	// A decided And/Or does not need its unknown operands.
	if anyUnknown && ((name == "Fn::And" && result) || (name == "Fn::Or" && !result)) {
		return false, true, nil
	}
	return result, false, nil
}

// condExpr evaluates an expression in condition position: a condition
// function, a {"Condition": name} reference, or a literal boolean.
func (e *Evaluator) condExpr(v any, path string) (bool, bool, error) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if c, has := m["Condition"]; has {
			name, ok := c.(string)
			if !ok {
				return false, false, e.fail(joinPath(path, "Condition"), "Template format error: Every Condition member must be a string.")
			}
			b, err := e.conditionValue(name, joinPath(path, "Condition"), "Condition")
			return b, false, err
		}
	}
	r, err := e.eval(v, path)
	if err != nil {
		return false, false, err
	}
	if ContainsUnknown(r) {
		return false, true, nil
	}
	switch x := r.(type) {
	case bool:
		return x, false, nil
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, false, nil
		case "false":
			return false, false, nil
		}
	}
	return false, false, e.fail(path, "Template error: a condition must evaluate to a boolean")
}

// conditionValue returns the value of a named condition, evaluating it (and
// the conditions it uses) on first use.
func (e *Evaluator) conditionValue(name, path, user string) (bool, error) {
	if b, ok := e.Conditions[name]; ok {
		return b, nil
	}
	expr, ok := e.T.Conditions[name]
	if !ok {
		return false, e.fail(path, "Template error: unresolved condition dependency %s in %s", name, user)
	}
	for i, s := range e.condStack {
		if s == name {
			cyc := append([]string(nil), e.condStack[i:]...)
			sort.Strings(cyc)
			return false, e.fail(joinPath("Conditions", name), "Template format error: Circular dependency between conditions: %s", bracketList(cyc))
		}
	}
	e.condStack = append(e.condStack, name)
	defer func() { e.condStack = e.condStack[:len(e.condStack)-1] }()
	b, unk, err := e.condExpr(expr, joinPath("Conditions", name))
	if err != nil {
		return false, err
	}
	if unk {
		return false, e.fail(joinPath("Conditions", name), "Template error: condition %s depends on values that are not known before resources are created", name)
	}
	if e.Conditions == nil {
		e.Conditions = map[string]bool{}
	}
	e.Conditions[name] = b
	return b, nil
}

// EvalConditions evaluates every condition of the template into
// e.Conditions.
func (e *Evaluator) EvalConditions() error {
	if e.T == nil {
		return nil
	}
	e.Conditions = map[string]bool{}
	e.condStack = nil
	for _, name := range sortedKeys(e.T.Conditions) {
		if _, err := e.conditionValue(name, joinPath("Conditions", name), "Conditions"); err != nil {
			return err
		}
	}
	return nil
}

// ResourceIncluded reports whether a resource is created given the
// evaluated conditions.
func (e *Evaluator) ResourceIncluded(r *Resource) (bool, error) {
	if r.Condition == "" {
		return true, nil
	}
	return e.conditionValue(r.Condition, joinPath(joinPath("Resources", r.LogicalID), "Condition"), "resource "+r.LogicalID)
}

// OutputIncluded reports whether an output is produced given the evaluated
// conditions.
func (e *Evaluator) OutputIncluded(o *Output) (bool, error) {
	if o.Condition == "" {
		return true, nil
	}
	return e.conditionValue(o.Condition, joinPath(joinPath("Outputs", o.LogicalID), "Condition"), "output "+o.LogicalID)
}

// String renders an evaluated scalar for APIs that need text.
func String(v any) (string, error) {
	if s, ok := toStr(v); ok {
		return s, nil
	}
	if v == nil {
		return "", nil
	}
	return "", fmt.Errorf("value is not a string")
}
