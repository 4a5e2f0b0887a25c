package template

import (
	"errors"
	"strconv"
	"strings"
)

// needsParamError means a Fn::ForEach collection refers to a parameter that
// has no value yet, so the loop cannot be expanded.
type needsParamError struct{ name string }

func (e *needsParamError) Error() string {
	return "Parameters: [" + e.name + "] must have values"
}

func isNeedsParam(err error) bool {
	var np *needsParamError
	return errors.As(err, &np)
}

// maxExpandedNodes bounds the work of an expansion: nested loops multiply,
// and a small template must not be able to exhaust memory or CPU. A valid
// expansion holds at most 500 resources, so this is generous.
const maxExpandedNodes = 500000

// Expand applies the AWS::LanguageExtensions transform. It expands every
// Fn::ForEach::<Name> loop (in Resources, Outputs, Conditions and inside any
// object below them, nested loops included) and resolves intrinsic
// functions in DeletionPolicy and UpdateReplacePolicy.
//
// Fn::Length, Fn::ToJsonString and Fn::FindInMap's DefaultValue are left in
// place for Eval, which implements them whenever the template declares the
// transform: their arguments may depend on resources, which only exist at
// evaluation time. The expanded template keeps its Transform list for that
// reason.
//
// A template without the transform is returned unchanged.
func Expand(t *Template, params map[string]ParamValue, pseudo Pseudo) (*Template, error) {
	if t == nil {
		return nil, Diagnostics{{Message: "Template format error: unsupported structure."}}
	}
	var unsupported []string
	for _, tr := range t.Transform {
		if !containsString(SupportedTransforms, tr) {
			unsupported = append(unsupported, tr)
		}
	}
	if len(unsupported) > 0 {
		return nil, t.errAt("Transform", "Template format error: Unsupported transform %s; skiff supports %s", strings.Join(unsupported, ", "), bracketList(SupportedTransforms))
	}
	if !t.HasTransform(LanguageExtensions) {
		return t, nil
	}
	x := &expander{
		t:     t,
		ev:    &Evaluator{T: t, Params: params, Pseudo: pseudo},
		pos:   make(map[string]position, len(t.pos)),
		order: make(map[string][]string, len(t.order)),
	}
	for k, v := range t.pos {
		x.pos[k] = v
	}
	for k, v := range t.order {
		x.order[k] = v
	}
	raw := make(map[string]any, len(t.Raw))
	for k, v := range t.Raw {
		raw[k] = v
	}
	for _, section := range []string{"Conditions", "Resources", "Outputs"} {
		m, ok := t.Raw[section].(map[string]any)
		if !ok {
			continue
		}
		out, err := x.expandMap(m, section, 0)
		if err != nil {
			return nil, err
		}
		raw[section] = x.foldNames(out, section)
	}
	nt := build(raw, x.pos, x.order)
	// With the loops gone, conditions can be evaluated for policies.
	x.ev.T = nt
	if err := x.resolvePolicies(nt, raw); err != nil {
		return nil, err
	}
	return build(raw, x.pos, x.order), nil
}

type expander struct {
	t     *Template
	ev    *Evaluator
	pos   map[string]position
	order map[string][]string
	nodes int
}

func (x *expander) expandValue(v any, path string, depth int) (any, error) {
	x.nodes++
	if x.nodes > maxExpandedNodes || depth > maxDepth {
		return nil, x.t.errAt(path, "Template format error: Fn::ForEach expansion is too large")
	}
	switch val := v.(type) {
	case map[string]any:
		return x.expandMap(val, path, depth)
	case []any:
		out := make([]any, len(val))
		for i, item := range val {
			r, err := x.expandValue(item, joinPath(path, strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func (x *expander) expandMap(m map[string]any, path string, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	var keys []string
	for _, k := range x.t.keysInOrder(path, m) {
		kpath := joinPath(path, k)
		if !strings.HasPrefix(k, "Fn::ForEach::") {
			r, err := x.expandValue(m[k], kpath, depth+1)
			if err != nil {
				return nil, err
			}
			// A loop earlier in the map may already have produced k.
			if _, dup := out[k]; dup {
				return nil, x.t.errAt(kpath, "Template format error: Fn::ForEach produced duplicate key %s", k)
			}
			out[k] = r
			keys = append(keys, k)
			continue
		}
		gen, genKeys, err := x.loop(k, m[k], kpath, depth)
		if err != nil {
			return nil, err
		}
		for _, gk := range genKeys {
			if _, dup := out[gk]; dup {
				return nil, x.t.errAt(kpath, "Template format error: Fn::ForEach produced duplicate key %s", gk)
			}
			if _, clash := m[gk]; clash {
				return nil, x.t.errAt(kpath, "Template format error: Fn::ForEach produced duplicate key %s", gk)
			}
			out[gk] = gen[gk]
			keys = append(keys, gk)
			gpath := joinPath(path, gk)
			if _, ok := x.pos[gpath]; !ok {
				x.pos[gpath] = x.pos[kpath]
			}
		}
	}
	if _, recorded := x.order[path]; recorded || depth <= 2 {
		x.order[path] = keys
	}
	return out, nil
}

// loop expands one Fn::ForEach::Name: [Identifier, Collection, Template].
func (x *expander) loop(key string, arg any, path string, depth int) (map[string]any, []string, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != 3 {
		return nil, nil, x.t.errAt(path, "Template error: %s requires a list of three elements: an identifier, a collection and an output template", key)
	}
	id, ok := l[0].(string)
	if !ok || id == "" {
		return nil, nil, x.t.errAt(joinPath(path, "0"), "Template error: the identifier of %s must be a non-empty string", key)
	}
	body, ok := l[2].(map[string]any)
	if !ok {
		return nil, nil, x.t.errAt(joinPath(path, "2"), "Template error: the output template of %s must be an object", key)
	}
	items, err := x.collection(l[1], joinPath(path, "1"))
	if err != nil {
		return nil, nil, err
	}
	out := map[string]any{}
	var keys []string
	for _, item := range items {
		sub := x.substituteIdent(body, id, item)
		if x.nodes > maxExpandedNodes {
			return nil, nil, x.t.errAt(path, "Template format error: Fn::ForEach expansion is too large")
		}
		expanded, err := x.expandValue(sub, path, depth+1)
		if err != nil {
			return nil, nil, err
		}
		em, _ := expanded.(map[string]any)
		for _, k := range sortedKeys(em) {
			if _, dup := out[k]; dup {
				return nil, nil, x.t.errAt(path, "Template format error: Fn::ForEach produced duplicate key %s", k)
			}
			out[k] = em[k]
			keys = append(keys, k)
		}
	}
	return out, keys, nil
}

func (x *expander) collection(v any, path string) ([]string, error) {
	var refs []reference
	collectRefs(v, path, &refs)
	for _, r := range refs {
		if x.t.Parameter(r.name) != nil {
			if _, ok := x.ev.Params[r.name]; !ok {
				return nil, &needsParamError{name: r.name}
			}
		}
		if x.t.Resource(r.name) != nil {
			return nil, x.t.errAt(path, "Template error: Fn::ForEach collections must not depend on resources")
		}
	}
	r, err := x.ev.Eval(v, path)
	if err != nil {
		return nil, err
	}
	list, ok := r.([]any)
	if !ok || ContainsUnknown(r) {
		return nil, x.t.errAt(path, "Template error: the collection of Fn::ForEach must be a list of strings")
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := toStr(item)
		if !ok {
			return nil, x.t.errAt(path, "Template error: the collection of Fn::ForEach must be a list of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

// foldNames resolves intrinsic functions used as the name argument of Ref
// and Fn::GetAtt (e.g. !GetAtt [!Sub "Bucket${Id}", Arn] in a loop), which
// the transform allows, so that the result is a plain reference.
func (x *expander) foldNames(v any, path string) any {
	switch val := v.(type) {
	case map[string]any:
		if name, arg, ok := functionName(val); ok {
			switch name {
			case "Ref":
				if m, isMap := arg.(map[string]any); isMap {
					if s, ok := x.staticString(m, joinPath(path, name)); ok {
						return map[string]any{"Ref": s}
					}
				}
			case "Fn::GetAtt":
				if l, isList := arg.([]any); isList && len(l) == 2 {
					if m, isMap := l[0].(map[string]any); isMap {
						if s, ok := x.staticString(m, joinPath(path, name)); ok {
							return map[string]any{"Fn::GetAtt": []any{s, x.foldNames(l[1], joinPath(path, name+"/1"))}}
						}
					}
				}
			}
		}
		out := make(map[string]any, len(val))
		for k, item := range val {
			out[k] = x.foldNames(item, joinPath(path, k))
		}
		return out
	case []any:
		out := make([]any, len(val))
		for i, item := range val {
			out[i] = x.foldNames(item, joinPath(path, strconv.Itoa(i)))
		}
		return out
	}
	return v
}

// staticString evaluates an expression that depends only on parameters and
// pseudo parameters.
func (x *expander) staticString(m map[string]any, path string) (string, bool) {
	r, err := x.ev.Eval(m, path)
	if err != nil {
		return "", false
	}
	s, ok := r.(string)
	return s, ok
}

// substituteIdent replaces a loop identifier in a template fragment:
// {"Ref": id} becomes the value, and "${id}" / "&{id}" inside keys and
// strings become the value (the & form with non-alphanumerics removed, for
// use in logical IDs).
func (x *expander) substituteIdent(v any, id, value string) any {
	x.nodes++
	if x.nodes > maxExpandedNodes {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		if r, ok := val["Ref"].(string); ok && len(val) == 1 && r == id {
			return value
		}
		out := make(map[string]any, len(val))
		for k, item := range val {
			out[replaceIdent(k, id, value)] = x.substituteIdent(item, id, value)
		}
		return out
	case []any:
		out := make([]any, len(val))
		for i, item := range val {
			out[i] = x.substituteIdent(item, id, value)
		}
		return out
	case string:
		return replaceIdent(val, id, value)
	}
	return v
}

func replaceIdent(s, id, value string) string {
	if !strings.Contains(s, "{"+id+"}") {
		return s
	}
	s = strings.ReplaceAll(s, "${"+id+"}", value)
	var alnum strings.Builder
	for _, r := range value {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			alnum.WriteRune(r)
		}
	}
	return strings.ReplaceAll(s, "&{"+id+"}", alnum.String())
}

// resolvePolicies evaluates intrinsic functions in DeletionPolicy and
// UpdateReplacePolicy, which the transform allows (e.g. a Ref to a
// parameter).
func (x *expander) resolvePolicies(nt *Template, raw map[string]any) error {
	res, ok := raw["Resources"].(map[string]any)
	if !ok {
		return nil
	}
	var copied map[string]any
	for _, id := range sortedKeys(res) {
		def, ok := res[id].(map[string]any)
		if !ok {
			continue
		}
		for _, key := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			m, isMap := def[key].(map[string]any)
			if !isMap {
				continue
			}
			path := joinPath(joinPath("Resources", id), key)
			v, err := x.ev.Eval(m, path)
			if err != nil {
				return err
			}
			s, ok := v.(string)
			if !ok {
				return nt.errAt(path, "Template error: %s must evaluate to a string", key)
			}
			if copied == nil {
				copied = make(map[string]any, len(res))
				for k, v := range res {
					copied[k] = v
				}
			}
			nd := make(map[string]any, len(def))
			for k, v := range def {
				nd[k] = v
			}
			nd[key] = s
			def = nd
			copied[id] = nd
		}
	}
	if copied != nil {
		raw["Resources"] = copied
	}
	return nil
}
