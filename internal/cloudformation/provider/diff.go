package provider

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PropertyDifference is one drifted property, as DescribeStackResourceDrifts
// reports it.
type PropertyDifference struct {
	PropertyPath   string // JSON pointer, e.g. /Tags/0/Value
	ExpectedValue  string
	ActualValue    string
	DifferenceType string // ADD, REMOVE, NOT_EQUAL
}

// Diff compares the template's properties (expected) with what Read
// returned (actual). Only properties set in the template are compared, as
// AWS does; write-only properties are skipped; scalars compare by their
// string form (template "5" equals actual 5); lists named in
// schema.Unordered compare as sets.
func Diff(expected, actual map[string]any, schema *Schema) []PropertyDifference {
	var out []PropertyDifference
	keys := make([]string, 0, len(expected))
	for k := range expected {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if schema != nil && schema.IsWriteOnly(k) {
			continue
		}
		unordered := schema != nil && has(schema.Unordered, k)
		diffValue("/"+escapePointer(k), expected[k], actual[k], hasKey(actual, k), unordered, &out)
	}
	return out
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func diffValue(path string, exp, act any, present, unordered bool, out *[]PropertyDifference) {
	if !present || act == nil {
		if exp == nil {
			return
		}
		*out = append(*out, PropertyDifference{path, Render(exp), "null", "REMOVE"})
		return
	}
	switch e := exp.(type) {
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok {
			*out = append(*out, PropertyDifference{path, Render(exp), Render(act), "NOT_EQUAL"})
			return
		}
		keys := make([]string, 0, len(e))
		for k := range e {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			diffValue(path+"/"+escapePointer(k), e[k], a[k], hasKey(a, k), false, out)
		}
		// Keys present in the resource but not in the template: for maps
		// set wholesale in the template (tags as a map), AWS reports ADD.
		var extra []string
		for k := range a {
			if _, ok := e[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			*out = append(*out, PropertyDifference{path + "/" + escapePointer(k), "null", Render(a[k]), "ADD"})
		}
	case []any:
		a, ok := act.([]any)
		if !ok {
			*out = append(*out, PropertyDifference{path, Render(exp), Render(act), "NOT_EQUAL"})
			return
		}
		if unordered {
			diffSet(path, e, a, out)
			return
		}
		for i := 0; i < len(e) || i < len(a); i++ {
			p := fmt.Sprintf("%s/%d", path, i)
			switch {
			case i >= len(a):
				*out = append(*out, PropertyDifference{p, Render(e[i]), "null", "REMOVE"})
			case i >= len(e):
				*out = append(*out, PropertyDifference{p, "null", Render(a[i]), "ADD"})
			default:
				diffValue(p, e[i], a[i], true, false, out)
			}
		}
	default:
		es, eok := Scalar(exp)
		as, aok := Scalar(act)
		if !eok || !aok || es != as {
			*out = append(*out, PropertyDifference{path, Render(exp), Render(act), "NOT_EQUAL"})
		}
	}
}

func diffSet(path string, e, a []any, out *[]PropertyDifference) {
	canon := func(v any) string { return Render(v) }
	inA := map[string]bool{}
	for _, x := range a {
		inA[canon(x)] = true
	}
	inE := map[string]bool{}
	for i, x := range e {
		inE[canon(x)] = true
		if !inA[canon(x)] {
			*out = append(*out, PropertyDifference{fmt.Sprintf("%s/%d", path, i), Render(x), "null", "REMOVE"})
		}
	}
	for i, x := range a {
		if !inE[canon(x)] {
			*out = append(*out, PropertyDifference{fmt.Sprintf("%s/%d", path, i), "null", Render(x), "ADD"})
		}
	}
}

// Render gives the string form CloudFormation shows for a value: scalars as
// themselves, structures as compact JSON with scalars normalized to
// strings where the template wrote strings.
func Render(v any) string {
	if s, ok := Scalar(v); ok {
		return s
	}
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Subset reports whether every property set in expected has the same value
// in actual, ignoring write-only properties (what "read equals template"
// means).
func Subset(expected, actual map[string]any, schema *Schema) bool {
	return len(Diff(expected, actual, schema)) == 0
}
