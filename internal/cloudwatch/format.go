package cloudwatch

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// javaDouble formats a float as Java's Double.toString does, the way
// CloudWatch writes numbers in state reasons and reason data: 5.0, 0.002,
// 1.0166666666666666, 1.0E7.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1E+07, 1.5E-04
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// reasonTime is the datapoint time format of state reasons (dd/MM/yy).
func reasonTime(t time.Time) string { return t.UTC().Format("02/01/06 15:04:05") }

// awsDate is the timestamp format of reason data and notifications.
func awsDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// ordered builds a JSON object with members in insertion order and Java
// number formatting.
type ordered struct {
	b     bytes.Buffer
	first bool
}

func newOrdered() *ordered {
	o := &ordered{first: true}
	o.b.WriteByte('{')
	return o
}

func (o *ordered) key(k string) {
	if !o.first {
		o.b.WriteByte(',')
	}
	o.first = false
	kb, _ := json.Marshal(k)
	o.b.Write(kb)
	o.b.WriteByte(':')
}

func (o *ordered) str(k, v string) *ordered {
	o.key(k)
	vb, _ := json.Marshal(v)
	o.b.Write(vb)
	return o
}

func (o *ordered) num(k string, v float64) *ordered {
	o.key(k)
	o.b.WriteString(jsonJavaNumber(v))
	return o
}

func (o *ordered) int(k string, v int64) *ordered {
	o.key(k)
	o.b.WriteString(strconv.FormatInt(v, 10))
	return o
}

func (o *ordered) raw(k, v string) *ordered {
	o.key(k)
	o.b.WriteString(v)
	return o
}

func (o *ordered) bool(k string, v bool) *ordered {
	o.key(k)
	o.b.WriteString(strconv.FormatBool(v))
	return o
}

func (o *ordered) String() string {
	o.b.WriteByte('}')
	s := o.b.String()
	o.b.Truncate(o.b.Len() - 1)
	return s
}

// jsonJavaNumber is javaDouble for JSON (non-finite values as strings).
func jsonJavaNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.Quote(javaDouble(v))
	}
	return javaDouble(v)
}

func numList(vs []float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonJavaNumber(v))
	}
	b.WriteByte(']')
	return b.String()
}

func strList(vs []string) string {
	b, _ := json.Marshal(vs)
	if vs == nil {
		return "[]"
	}
	return string(b)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// regionNames are the long region names CloudWatch puts in notifications.
var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
	"us-west-2": "US West (Oregon)", "af-south-1": "Africa (Cape Town)", "ap-east-1": "Asia Pacific (Hong Kong)",
	"ap-south-1": "Asia Pacific (Mumbai)", "ap-south-2": "Asia Pacific (Hyderabad)", "ap-northeast-1": "Asia Pacific (Tokyo)",
	"ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-3": "Asia Pacific (Osaka)", "ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)", "ap-southeast-3": "Asia Pacific (Jakarta)", "ap-southeast-4": "Asia Pacific (Melbourne)",
	"ca-central-1": "Canada (Central)", "ca-west-1": "Canada West (Calgary)", "eu-central-1": "EU (Frankfurt)",
	"eu-central-2": "EU (Zurich)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)", "eu-west-3": "EU (Paris)",
	"eu-north-1": "EU (Stockholm)", "eu-south-1": "EU (Milan)", "eu-south-2": "EU (Spain)", "il-central-1": "Israel (Tel Aviv)",
	"me-south-1": "Middle East (Bahrain)", "me-central-1": "Middle East (UAE)", "sa-east-1": "South America (Sao Paulo)",
}

func regionName(r string) string {
	if n, ok := regionNames[r]; ok {
		return n
	}
	return r
}
