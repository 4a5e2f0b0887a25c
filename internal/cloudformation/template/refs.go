package template

import (
	"sort"
	"strconv"
	"strings"
)

// subPart is one piece of an Fn::Sub template string: literal text or a
// ${Name} / ${Name.Attr} placeholder.
type subPart struct {
	text  string
	isVar bool
}

// parseSub splits an Fn::Sub string. "${!X}" is the escape for a literal
// "${X}"; a "${" without a closing brace is literal text, as in AWS.
func parseSub(s string) []subPart {
	var parts []subPart
	lit := strings.Builder{}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			lit.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			lit.WriteString(s)
			break
		}
		lit.WriteString(s[:i])
		content := s[i+2 : i+2+j]
		s = s[i+2+j+1:]
		switch {
		case strings.HasPrefix(content, "!"):
			lit.WriteString("${" + content[1:] + "}")
		case strings.TrimSpace(content) == "":
			lit.WriteString("${" + content + "}")
		default:
			if lit.Len() > 0 {
				parts = append(parts, subPart{text: lit.String()})
				lit.Reset()
			}
			parts = append(parts, subPart{text: strings.TrimSpace(content), isVar: true})
		}
	}
	if lit.Len() > 0 {
		parts = append(parts, subPart{text: lit.String()})
	}
	return parts
}

// splitSubVar splits a Sub placeholder into a name and an attribute: a
// dotted name is a GetAtt (split at the first dot, like !GetAtt).
func splitSubVar(name string) (string, string, bool) {
	if strings.HasPrefix(name, "AWS::") {
		return name, "", false
	}
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:], true
	}
	return name, "", false
}

type refKind int

const (
	refRef refKind = iota
	refGetAtt
	refSub
)

// reference is one Ref/GetAtt/Sub reference found in an expression.
type reference struct {
	kind       refKind
	name, attr string
	path       string
	getAtt     bool // a GetAtt (explicit or a dotted Sub placeholder)
}

// functionName reports whether a single-key map is an intrinsic function
// call and returns its name. "Condition" is only a function inside the
// Conditions section, so it is not recognised here.
func functionName(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// getAttArgs decodes the two Fn::GetAtt forms; attr is nil when it is not a
// literal (a Ref in the list form).
func getAttArgs(arg any) (res string, attr any, ok bool) {
	switch a := arg.(type) {
	case string:
		i := strings.IndexByte(a, '.')
		if i <= 0 || i == len(a)-1 {
			return "", nil, false
		}
		return a[:i], a[i+1:], true
	case []any:
		if len(a) != 2 {
			return "", nil, false
		}
		r, ok := a[0].(string)
		if !ok || r == "" {
			return "", nil, false
		}
		switch at := a[1].(type) {
		case string:
			if at == "" {
				return "", nil, false
			}
			return r, at, true
		case map[string]any:
			return r, at, true
		}
	}
	return "", nil, false
}

// collectRefs appends every Ref, GetAtt and Sub reference inside v.
func collectRefs(v any, path string, out *[]reference) {
	switch x := v.(type) {
	case map[string]any:
		if name, arg, ok := functionName(x); ok {
			fpath := joinPath(path, name)
			switch name {
			case "Ref":
				if s, ok := arg.(string); ok {
					*out = append(*out, reference{kind: refRef, name: s, path: fpath})
					return
				}
			case "Fn::GetAtt":
				if r, attr, ok := getAttArgs(arg); ok {
					a, _ := attr.(string)
					*out = append(*out, reference{kind: refGetAtt, name: r, attr: a, path: fpath, getAtt: true})
					if m, ok := attr.(map[string]any); ok {
						collectRefs(m, joinPath(fpath, "1"), out)
					}
					return
				}
			case "Fn::Sub":
				var str string
				var vars map[string]any
				switch a := arg.(type) {
				case string:
					str = a
				case []any:
					if len(a) >= 1 {
						str, _ = a[0].(string)
					}
					if len(a) == 2 {
						vars, _ = a[1].(map[string]any)
						for _, k := range sortedKeys(vars) {
							collectRefs(vars[k], joinPath(joinPath(fpath, "1"), k), out)
						}
					}
				}
				for _, p := range parseSub(str) {
					if !p.isVar {
						continue
					}
					if _, ok := vars[p.text]; ok {
						continue
					}
					n, attr, isAtt := splitSubVar(p.text)
					*out = append(*out, reference{kind: refSub, name: n, attr: attr, path: fpath, getAtt: isAtt})
				}
				return
			}
		}
		for _, k := range sortedKeys(x) {
			collectRefs(x[k], joinPath(path, k), out)
		}
	case []any:
		for i, item := range x {
			collectRefs(item, joinPath(path, strconv.Itoa(i)), out)
		}
	}
}

// Dependencies returns the sorted, unique logical IDs of the resources a
// resource depends on: references in its Properties plus DependsOn.
func (t *Template) Dependencies(logicalID string) []string {
	r := t.Resource(logicalID)
	if r == nil {
		return nil
	}
	var refs []reference
	collectRefs(r.Properties, "", &refs)
	set := map[string]bool{}
	for _, ref := range refs {
		if t.Resource(ref.name) != nil {
			set[ref.name] = true
		}
	}
	for _, d := range r.DependsOn {
		if t.Resource(d) != nil {
			set[d] = true
		}
	}
	return sortedSet(set)
}

// OutputDependencies returns the sorted, unique logical IDs of the resources
// an output's Value and Export name refer to.
func (t *Template) OutputDependencies(out *Output) []string {
	if out == nil {
		return nil
	}
	var refs []reference
	collectRefs(out.Value, "", &refs)
	collectRefs(out.ExportName, "", &refs)
	set := map[string]bool{}
	for _, ref := range refs {
		if t.Resource(ref.name) != nil {
			set[ref.name] = true
		}
	}
	return sortedSet(set)
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// pseudoParams are the names Ref accepts besides parameters and resources.
var pseudoParams = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true,
	"AWS::Partition": true, "AWS::Region": true, "AWS::StackId": true,
	"AWS::StackName": true, "AWS::URLSuffix": true,
}

// IsPseudoParameter reports whether name is an AWS pseudo parameter.
func IsPseudoParameter(name string) bool { return pseudoParams[name] }

// resourceGraphCycles returns every dependency cycle among resources (each
// sorted), using Tarjan's strongly connected components.
func (t *Template) resourceGraphCycles() [][]string {
	ids := make([]string, 0, len(t.Resources))
	edges := map[string][]string{}
	for _, r := range t.Resources {
		ids = append(ids, r.LogicalID)
		edges[r.LogicalID] = t.Dependencies(r.LogicalID)
	}
	return stronglyConnected(ids, edges)
}

func stronglyConnected(ids []string, edges map[string][]string) [][]string {
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var cycles [][]string
	next := 0
	var visit func(v string)
	visit = func(v string) {
		index[v] = next
		low[v] = next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []string
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			self := false
			for _, w := range edges[v] {
				self = self || w == v
			}
			if len(comp) > 1 || self {
				sort.Strings(comp)
				cycles = append(cycles, comp)
			}
		}
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			visit(id)
		}
	}
	sort.Slice(cycles, func(i, j int) bool { return cycles[i][0] < cycles[j][0] })
	return cycles
}
