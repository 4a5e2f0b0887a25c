package awswire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Shapes are plain Go structs. The member name comes from the json tag (with
// omitempty as usual); the aws tag adds protocol details:
//
//	aws:"required"                 member must be present (validation error otherwise)
//	aws:"flat"                     flattened list/map in query and XML
//	aws:"member=Item"              list member element name (default "member")
//	aws:"ts=iso8601|epoch|http"    timestamp format override
//	aws:"loc=header,name=X-Foo"    REST binding: header, uri, query, headers (prefix map), payload, status
//
// Encoders walk the struct into a tree (object, []any, map[string]any,
// scalars, time.Time, []byte) and each protocol writes the tree.

type fieldInfo struct {
	index    []int
	name     string
	omit     bool
	required bool
	flat     bool
	member   string
	ts       string
	loc      string
	locName  string
}

type structInfo struct {
	fields []fieldInfo
	byName map[string]*fieldInfo
}

var structCache sync.Map

var (
	timeType    = reflect.TypeOf(time.Time{})
	bytesType   = reflect.TypeOf([]byte(nil))
	rawJSONType = reflect.TypeOf(json.RawMessage(nil))
)

func infoOf(t reflect.Type) *structInfo {
	if v, ok := structCache.Load(t); ok {
		return v.(*structInfo)
	}
	si := &structInfo{byName: map[string]*fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fi := fieldInfo{index: f.Index, name: f.Name, member: "member"}
		if tag, ok := f.Tag.Lookup("json"); ok {
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			if name != "" {
				fi.name = name
			}
			fi.omit = strings.Contains(opts, "omitempty")
		}
		for _, opt := range strings.Split(f.Tag.Get("aws"), ",") {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "required":
				fi.required = true
			case "flat":
				fi.flat = true
			case "member":
				fi.member = v
			case "ts":
				fi.ts = v
			case "loc":
				fi.loc = v
			case "name":
				fi.locName = v
			}
		}
		si.fields = append(si.fields, fi)
	}
	for i := range si.fields {
		si.byName[si.fields[i].name] = &si.fields[i]
	}
	v, _ := structCache.LoadOrStore(t, si)
	return v.(*structInfo)
}

// object is an encoded struct: its members in declaration order.
type object []member

type member struct {
	name   string
	val    any
	flat   bool
	member string
	ts     string
}

// toTree encodes v. Members bound to REST locations are left out when
// bodyOnly is set (they travel in headers, the URI or the status line).
func toTree(v reflect.Value, bodyOnly bool) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Type() {
	case timeType:
		return v.Interface().(time.Time)
	case bytesType:
		return v.Bytes()
	case rawJSONType:
		return json.RawMessage(v.Bytes())
	}
	switch v.Kind() {
	case reflect.Struct:
		si := infoOf(v.Type())
		obj := make(object, 0, len(si.fields))
		for i := range si.fields {
			f := &si.fields[i]
			if bodyOnly && f.loc != "" && f.loc != "payload" {
				continue
			}
			fv := v.FieldByIndex(f.index)
			if skipValue(fv, f.omit) {
				continue
			}
			obj = append(obj, member{name: f.name, val: toTree(fv, false), flat: f.flat, member: f.member, ts: f.ts})
		}
		return obj
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = toTree(v.Index(i), false)
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = toTree(it.Value(), false)
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return v.Interface()
}

func skipValue(v reflect.Value, omit bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.IsNil() || (omit && v.Len() == 0)
	}
	if !omit {
		return false
	}
	if v.Type() == timeType {
		return v.Interface().(time.Time).IsZero()
	}
	return v.IsZero()
}

// decodeError is a request member of the wrong type or value.
type decodeError struct{ msg string }

func (e *decodeError) Error() string { return e.msg }

// assign stores a decoded document value (from JSON, CBOR or query) into dst.
func assign(dst reflect.Value, src any, path string) error {
	if src == nil {
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		return assign(dst.Elem(), src, path)
	}
	switch dst.Type() {
	case timeType:
		t, err := parseTime(src)
		if err != nil {
			return &decodeError{fmt.Sprintf("invalid timestamp at '%s': %v", path, err)}
		}
		dst.Set(reflect.ValueOf(t))
		return nil
	case bytesType:
		switch s := src.(type) {
		case []byte:
			dst.SetBytes(s)
		case string:
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return &decodeError{fmt.Sprintf("invalid base64 blob at '%s'", path)}
			}
			dst.SetBytes(b)
		default:
			return typeErr(path, "blob", src)
		}
		return nil
	case rawJSONType:
		b, err := json.Marshal(src)
		if err != nil {
			return &decodeError{fmt.Sprintf("invalid document at '%s'", path)}
		}
		dst.SetBytes(b)
		return nil
	}
	switch dst.Kind() {
	case reflect.Interface:
		dst.Set(reflect.ValueOf(normalizeDoc(src)))
		return nil
	case reflect.String:
		switch s := src.(type) {
		case string:
			dst.SetString(s)
		case json.Number:
			dst.SetString(s.String())
		default:
			return typeErr(path, "string", src)
		}
	case reflect.Bool:
		switch s := src.(type) {
		case bool:
			dst.SetBool(s)
		case string:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return typeErr(path, "boolean", src)
			}
			dst.SetBool(b)
		default:
			return typeErr(path, "boolean", src)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := toInt(src)
		if !ok || dst.OverflowInt(n) {
			return typeErr(path, "integer", src)
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := toInt(src)
		if !ok || n < 0 || dst.OverflowUint(uint64(n)) {
			return typeErr(path, "integer", src)
		}
		dst.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		f, ok := toFloat(src)
		if !ok {
			return typeErr(path, "number", src)
		}
		dst.SetFloat(f)
	case reflect.Slice:
		list, ok := src.([]any)
		if !ok {
			return typeErr(path, "list", src)
		}
		s := reflect.MakeSlice(dst.Type(), len(list), len(list))
		for i, e := range list {
			if err := assign(s.Index(i), e, fmt.Sprintf("%s.%d", path, i+1)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok {
			return typeErr(path, "map", src)
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, e := range m {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := assign(ev, e, path+"."+k); err != nil {
				return err
			}
			kv := reflect.New(dst.Type().Key()).Elem()
			kv.SetString(k)
			out.SetMapIndex(kv, ev)
		}
		dst.Set(out)
	case reflect.Struct:
		m, ok := src.(map[string]any)
		if !ok {
			return typeErr(path, "structure", src)
		}
		si := infoOf(dst.Type())
		for k, e := range m {
			f := si.byName[k]
			if f == nil {
				continue // unknown members are ignored, as AWS does
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			if err := assign(dst.FieldByIndex(f.index), e, p); err != nil {
				return err
			}
		}
	default:
		return typeErr(path, dst.Kind().String(), src)
	}
	return nil
}

func typeErr(path, want string, got any) error {
	return &decodeError{fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must be a %s (got %T)", path, want, got)}
}

func toInt(src any) (int64, bool) {
	switch n := src.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil || f != math.Trunc(f) {
				return 0, false
			}
			return int64(f), true
		}
		return i, true
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		return i, err == nil
	case int64:
		return n, true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case int:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) {
			return 0, false
		}
		return int64(n), true
	case *big.Int:
		if !n.IsInt64() {
			return 0, false
		}
		return n.Int64(), true
	}
	return 0, false
}

func toFloat(src any) (float64, bool) {
	switch n := src.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

func parseTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05Z", "2006-01-02T15:04:05", "2006-01-02", time.RFC1123} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, nil
			}
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return epochTime(f), nil
		}
		return time.Time{}, fmt.Errorf("unrecognized time %q", v)
	}
	if f, ok := toFloat(src); ok {
		return epochTime(f), nil
	}
	return time.Time{}, fmt.Errorf("unrecognized time %v", src)
}

func epochTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC()
}

// normalizeDoc turns CBOR's generic values into the JSON-shaped values the
// rest of skiff uses for document members.
func normalizeDoc(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalizeDoc(e)
		}
		return m
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeDoc(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeDoc(e)
		}
		return x
	}
	return v
}

// checkRequired reports the first required member left empty, in AWS's
// validation wording.
func checkRequired(v reflect.Value, path string) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type() == timeType {
		return ""
	}
	si := infoOf(v.Type())
	for i := range si.fields {
		f := &si.fields[i]
		fv := v.FieldByIndex(f.index)
		p := lowerFirst(f.name)
		if path != "" {
			p = path + "." + p
		}
		if f.required && isMissing(fv) {
			return fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", p)
		}
		switch fv.Kind() {
		case reflect.Struct, reflect.Pointer:
			if msg := checkRequired(fv, p); msg != "" {
				return msg
			}
		case reflect.Slice:
			if fv.Type() == bytesType {
				continue
			}
			for j := 0; j < fv.Len(); j++ {
				if msg := checkRequired(fv.Index(j), fmt.Sprintf("%s.%d", p, j+1)); msg != "" {
					return msg
				}
			}
		}
	}
	return ""
}

func isMissing(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	}
	return false
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
