package provider

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Props reads resolved template properties and collects every problem, so
// one failed create reports all of them in CloudFormation's wording.
type Props struct {
	m      map[string]any
	schema *Schema
	errs   []string
}

// Read starts reading req's properties, checking required and unknown
// names against the schema.
func Read(props map[string]any, schema *Schema) *Props {
	p := &Props{m: props, schema: schema}
	if p.m == nil {
		p.m = map[string]any{}
	}
	if schema != nil {
		for _, r := range schema.Required {
			if _, ok := p.m[r]; !ok {
				p.errs = append(p.errs, fmt.Sprintf("#: required key [%s] not found", r))
			}
		}
		if schema.Properties != nil {
			var extra []string
			for k := range p.m {
				if !has(schema.Properties, k) {
					extra = append(extra, k)
				}
			}
			sort.Strings(extra)
			for _, k := range extra {
				p.errs = append(p.errs, fmt.Sprintf("#: extraneous key [%s] is not permitted", k))
			}
		}
	}
	return p
}

// Fail records a problem with a property.
func (p *Props) Fail(path, format string, args ...any) {
	p.errs = append(p.errs, "#/"+path+": "+fmt.Sprintf(format, args...))
}

// Err returns the collected problems as one validation error, or nil.
func (p *Props) Err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return &PropertyError{Problems: p.errs}
}

// PropertyError is a resource's property validation failure.
type PropertyError struct{ Problems []string }

func (e *PropertyError) Error() string {
	if len(e.Problems) == 1 {
		return "Properties validation failed for resource with message: " + e.Problems[0]
	}
	return "Properties validation failed for resource with message: [" + strings.Join(e.Problems, ", ") + "]"
}

// Has reports whether the property is set.
func (p *Props) Has(k string) bool { _, ok := p.m[k]; return ok }

// Raw returns the property value as given.
func (p *Props) Raw(k string) any { return p.m[k] }

// String reads a string property; numbers and booleans are converted as
// CloudFormation does. Missing gives "".
func (p *Props) String(k string) string {
	v, ok := p.m[k]
	if !ok || v == nil {
		return ""
	}
	s, ok := Scalar(v)
	if !ok {
		p.Fail(k, "expected type: String, found: %s", jsonKind(v))
	}
	return s
}

// Int reads an integer property (numbers or numeric strings). Missing
// gives def.
func (p *Props) Int(k string, def int64) int64 {
	v, ok := p.m[k]
	if !ok || v == nil {
		return def
	}
	s, ok := Scalar(v)
	if ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) {
			return int64(f)
		}
	}
	p.Fail(k, "expected type: Integer, found: %s", jsonKind(v))
	return def
}

// Bool reads a boolean property ("true"/"false" strings accepted).
func (p *Props) Bool(k string, def bool) bool {
	v, ok := p.m[k]
	if !ok || v == nil {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b
		}
	}
	p.Fail(k, "expected type: Boolean, found: %s", jsonKind(v))
	return def
}

// StringList reads a list of strings; a single string is not a list.
func (p *Props) StringList(k string) []string {
	v, ok := p.m[k]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		p.Fail(k, "expected type: JSONArray, found: %s", jsonKind(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := Scalar(e)
		if !ok {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "expected type: String, found: %s", jsonKind(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

// Map reads an object property.
func (p *Props) Map(k string) map[string]any {
	v, ok := p.m[k]
	if !ok || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.Fail(k, "expected type: JSONObject, found: %s", jsonKind(v))
		return nil
	}
	return m
}

// List reads an array property of any element type.
func (p *Props) List(k string) []any {
	v, ok := p.m[k]
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		p.Fail(k, "expected type: JSONArray, found: %s", jsonKind(v))
	}
	return l
}

// StringMap reads an object of string values (SSM Parameter Tags).
func (p *Props) StringMap(k string) map[string]string {
	m := p.Map(k)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for key, v := range m {
		s, ok := Scalar(v)
		if !ok {
			p.Fail(k+"/"+key, "expected type: String, found: %s", jsonKind(v))
			continue
		}
		out[key] = s
	}
	return out
}

// Tags reads the common [{Key, Value}] tag list.
func (p *Props) Tags(k string) map[string]string {
	list := p.List(k)
	if list == nil {
		return nil
	}
	out := map[string]string{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "expected type: JSONObject, found: %s", jsonKind(e))
			continue
		}
		key, _ := Scalar(m["Key"])
		val, _ := Scalar(m["Value"])
		if key == "" {
			p.Fail(fmt.Sprintf("%s/%d", k, i), "required key [Key] not found")
			continue
		}
		out[key] = val
	}
	return out
}

// JSONDoc reads a property that holds a JSON document, given either as an
// object or as a JSON string (policy documents), and returns it as an
// object.
func (p *Props) JSONDoc(k string) map[string]any {
	v, ok := p.m[k]
	if !ok || v == nil {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		return x
	case string:
		var m map[string]any
		if err := json.Unmarshal([]byte(x), &m); err != nil {
			p.Fail(k, "invalid JSON document: %v", err)
			return nil
		}
		return m
	}
	p.Fail(k, "expected type: JSONObject, found: %s", jsonKind(v))
	return nil
}

// Scalar converts a string, number or boolean to its string form.
func Scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "JSONObject"
	case []any:
		return "JSONArray"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case json.Number, float64, int, int64:
		return "Number"
	case nil:
		return "Null"
	}
	return fmt.Sprintf("%T", v)
}

// TagList turns a tag map into the [{Key, Value}] shape Read returns,
// sorted by key.
func TagList(tags map[string]string) []any {
	if len(tags) == 0 {
		return nil
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = map[string]any{"Key": k, "Value": tags[k]}
	}
	return out
}

// ShapeLike prunes a value read back from a service to the structure the
// template wrote: map keys the template left out are dropped (services fill
// in defaults), list elements are pruned pairwise, and scalars take the
// template's type (a string "5" stays a string). Drift detection and
// read-after-create then compare what the template controls.
func ShapeLike(actual, tmpl any) any {
	switch t := tmpl.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return actual
		}
		out := map[string]any{}
		for k, tv := range t {
			if av, ok := a[k]; ok {
				out[k] = ShapeLike(av, tv)
			}
		}
		return out
	case []any:
		a, ok := actual.([]any)
		if !ok {
			return actual
		}
		out := make([]any, len(a))
		for i := range a {
			if i < len(t) {
				out[i] = ShapeLike(a[i], t[i])
			} else {
				out[i] = a[i]
			}
		}
		return out
	case string:
		if s, ok := Scalar(actual); ok {
			return s
		}
	case json.Number:
		if s, ok := Scalar(actual); ok {
			return json.Number(s)
		}
	case bool:
		if s, ok := Scalar(actual); ok {
			b, _ := strconv.ParseBool(s)
			return b
		}
	}
	return actual
}

// ShapeLikeSet is ShapeLike for a list the service keeps as a set (its
// order is not the template's): each template element is paired with the
// first unpaired element that reads back as it, before pruning; elements
// the template does not list follow in the service's order.
func ShapeLikeSet(actual []any, tmpl any) any {
	want, _ := tmpl.([]any)
	used := make([]bool, len(actual))
	ordered := make([]any, 0, len(actual))
	for _, w := range want {
		for i, a := range actual {
			if !used[i] && reflect.DeepEqual(ShapeLike(a, w), w) {
				used[i] = true
				ordered = append(ordered, a)
				break
			}
		}
	}
	for i, a := range actual {
		if !used[i] {
			ordered = append(ordered, a)
		}
	}
	return ShapeLike(ordered, tmpl)
}
