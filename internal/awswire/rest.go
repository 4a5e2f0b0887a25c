package awswire

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// restJson1 bindings: members tagged loc=uri|query|header|headers|status
// travel outside the JSON body.

func bindREST(v reflect.Value, r *http.Request, labels map[string]string) error {
	si := infoOf(v.Type())
	q := r.URL.Query()
	for i := range si.fields {
		f := &si.fields[i]
		name := f.locName
		if name == "" {
			name = f.name
		}
		fv := v.FieldByIndex(f.index)
		switch f.loc {
		case "uri":
			if s, ok := labels[name]; ok {
				s, _ = url.PathUnescape(s)
				if err := assign(fv, s, f.name); err != nil {
					return err
				}
			}
		case "query":
			if vals, ok := q[name]; ok {
				if fv.Kind() == reflect.Slice && fv.Type() != bytesType {
					list := make([]any, len(vals))
					for i, s := range vals {
						list[i] = s
					}
					if err := assign(fv, list, f.name); err != nil {
						return err
					}
				} else if err := assign(fv, vals[0], f.name); err != nil {
					return err
				}
			}
		case "header":
			if s := r.Header.Get(name); s != "" {
				if err := assign(fv, s, f.name); err != nil {
					return err
				}
			}
		case "headers":
			m := map[string]any{}
			for k, vals := range r.Header {
				if strings.HasPrefix(strings.ToLower(k), strings.ToLower(name)) {
					m[strings.ToLower(k[len(name):])] = vals[0]
				}
			}
			if len(m) > 0 {
				if err := assign(fv, m, f.name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// restHeaders writes header-bound output members and returns the status.
func restHeaders(h http.Header, v reflect.Value) int {
	status := http.StatusOK
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return status
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return status
	}
	si := infoOf(v.Type())
	for i := range si.fields {
		f := &si.fields[i]
		fv := v.FieldByIndex(f.index)
		name := f.locName
		if name == "" {
			name = f.name
		}
		switch f.loc {
		case "status":
			if n, ok := toInt(toTree(fv, false)); ok && n > 0 {
				status = int(n)
			}
		case "header":
			if skipValue(fv, true) {
				continue
			}
			switch x := toTree(fv, false).(type) {
			case time.Time:
				h.Set(name, x.UTC().Format(httpDate))
			case string:
				h.Set(name, x)
			case int64:
				h.Set(name, strconv.FormatInt(x, 10))
			case bool:
				h.Set(name, strconv.FormatBool(x))
			}
		}
	}
	return status
}
