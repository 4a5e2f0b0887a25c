package awswire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// decodeJSON reads a JSON document body into a generic value. An empty body
// is an empty structure.
func decodeJSON(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, &decodeError{"unexpected data after the JSON document"}
	}
	return v, nil
}

// writeJSON writes a tree as JSON with epoch-seconds timestamps, the
// default of the awsJson and restJson1 protocols.
func writeJSON(buf *bytes.Buffer, v any, ts string) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case object:
		buf.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, m.name)
			buf.WriteByte(':')
			writeJSON(buf, m.val, m.ts)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, e, ts)
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k)
			buf.WriteByte(':')
			writeJSON(buf, x[k], ts)
		}
		buf.WriteByte('}')
	case string:
		writeJSONString(buf, x)
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		buf.WriteString(strconv.FormatUint(x, 10))
	case float64:
		writeJSONFloat(buf, x)
	case time.Time:
		switch ts {
		case "iso8601":
			writeJSONString(buf, x.UTC().Format(isoMillis))
		case "http":
			writeJSONString(buf, x.UTC().Format(httpDate))
		default:
			writeJSONFloat(buf, float64(x.UnixMilli())/1000)
		}
	case []byte:
		writeJSONString(buf, base64.StdEncoding.EncodeToString(x))
	case json.RawMessage:
		buf.Write(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			buf.WriteString("null")
			return
		}
		buf.Write(b)
	}
}

func writeJSONFloat(buf *bytes.Buffer, f float64) {
	switch {
	case math.IsNaN(f):
		buf.WriteString(`"NaN"`)
	case math.IsInf(f, 1):
		buf.WriteString(`"Infinity"`)
	case math.IsInf(f, -1):
		buf.WriteString(`"-Infinity"`)
	default:
		// Doubles keep a decimal point (1.0, not 1), as AWS writes them:
		// clients in dynamic languages otherwise read an integer.
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		buf.WriteString(s)
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

const (
	isoMillis = "2006-01-02T15:04:05.000Z"
	httpDate  = "Mon, 02 Jan 2006 15:04:05 GMT"
)
