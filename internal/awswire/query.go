package awswire

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// awsQuery input: form fields named by member path. Lists are
// Name.member.N (Name.N when flattened), maps Name.entry.N.key / .value,
// nested structures Name.Member.

type queryValues struct {
	v    url.Values
	keys []string // sorted, for prefix lookups
}

func newQueryValues(v url.Values) *queryValues {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return &queryValues{v: v, keys: keys}
}

// has reports whether key or any key below it (key.…) is present.
func (q *queryValues) has(key string) bool {
	if _, ok := q.v[key]; ok {
		return true
	}
	i := sort.SearchStrings(q.keys, key+".")
	return i < len(q.keys) && strings.HasPrefix(q.keys[i], key+".")
}

func decodeQuery(dst reflect.Value, q *queryValues, prefix string) error {
	for dst.Kind() == reflect.Pointer {
		if dst.IsNil() {
			dst.Set(reflect.New(dst.Type().Elem()))
		}
		dst = dst.Elem()
	}
	si := infoOf(dst.Type())
	for i := range si.fields {
		f := &si.fields[i]
		key := f.name
		if prefix != "" {
			key = prefix + "." + f.name
		}
		if !q.has(key) {
			continue
		}
		if err := decodeQueryValue(dst.FieldByIndex(f.index), q, key, f); err != nil {
			return err
		}
	}
	return nil
}

func decodeQueryValue(dst reflect.Value, q *queryValues, key string, f *fieldInfo) error {
	t := dst.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType || t == bytesType:
		return assign(dst, q.v.Get(key), key)
	case t.Kind() == reflect.Struct:
		if dst.Kind() == reflect.Pointer && dst.IsNil() {
			dst.Set(reflect.New(t))
		}
		return decodeQuery(dst, q, key)
	case t.Kind() == reflect.Slice:
		elemPrefix := key + "." + f.member + "."
		if f.flat {
			elemPrefix = key + "."
		}
		s := reflect.MakeSlice(t, 0, 4)
		for n := 1; ; n++ {
			ek := elemPrefix + strconv.Itoa(n)
			if !q.has(ek) {
				break
			}
			ev := reflect.New(t.Elem()).Elem()
			if err := decodeQueryValue(ev, q, ek, &fieldInfo{member: "member"}); err != nil {
				return err
			}
			s = reflect.Append(s, ev)
		}
		if dst.Kind() == reflect.Pointer {
			p := reflect.New(t)
			p.Elem().Set(s)
			dst.Set(p)
		} else {
			dst.Set(s)
		}
		return nil
	case t.Kind() == reflect.Map:
		entry := key + ".entry."
		if f.flat {
			entry = key + "."
		}
		m := reflect.MakeMap(t)
		for n := 1; ; n++ {
			ek := entry + strconv.Itoa(n)
			if !q.has(ek) {
				break
			}
			kv := reflect.New(t.Key()).Elem()
			kv.SetString(q.v.Get(ek + ".key"))
			vv := reflect.New(t.Elem()).Elem()
			if err := decodeQueryValue(vv, q, ek+".value", &fieldInfo{member: "member"}); err != nil {
				return err
			}
			m.SetMapIndex(kv, vv)
		}
		dst.Set(m)
		return nil
	}
	return assign(dst, q.v.Get(key), key)
}

// writeXMLMembers writes a tree as awsQuery XML (ISO 8601 timestamps, lists
// wrapped in <member>).
func writeXMLValue(buf *bytes.Buffer, name string, v any, m *member) {
	switch x := v.(type) {
	case nil:
	case object:
		openTag(buf, name)
		for i := range x {
			writeXMLMember(buf, &x[i])
		}
		closeTag(buf, name)
	case []any:
		memberName := "member"
		flat := false
		if m != nil {
			memberName, flat = m.member, m.flat
		}
		if flat {
			for _, e := range x {
				writeXMLValue(buf, name, e, nil)
			}
			return
		}
		openTag(buf, name)
		for _, e := range x {
			writeXMLValue(buf, memberName, e, nil)
		}
		closeTag(buf, name)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		openTag(buf, name)
		for _, k := range keys {
			buf.WriteString("<entry><key>")
			xml.EscapeText(buf, []byte(k))
			buf.WriteString("</key>")
			writeXMLValue(buf, "value", x[k], nil)
			buf.WriteString("</entry>")
		}
		closeTag(buf, name)
	default:
		openTag(buf, name)
		xml.EscapeText(buf, []byte(xmlScalar(x, m)))
		closeTag(buf, name)
	}
}

func writeXMLMember(buf *bytes.Buffer, m *member) { writeXMLValue(buf, m.name, m.val, m) }

func xmlScalar(v any, m *member) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		if m != nil && m.ts == "epoch" {
			return strconv.FormatFloat(float64(x.UnixMilli())/1000, 'f', -1, 64)
		}
		return x.UTC().Format(isoMillis)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	}
	return fmt.Sprint(v)
}

func openTag(buf *bytes.Buffer, name string) {
	buf.WriteByte('<')
	buf.WriteString(name)
	buf.WriteByte('>')
}

func closeTag(buf *bytes.Buffer, name string) {
	buf.WriteString("</")
	buf.WriteString(name)
	buf.WriteByte('>')
}
