package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestResolveDynamicRefs(t *testing.T) {
	var calls []string
	lookup := func(service, ref string) (string, error) {
		calls = append(calls, service+"|"+ref)
		if ref == "fail" {
			return "", errors.New("lookup failed")
		}
		return "<" + service + ":" + ref + ">", nil
	}
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"{{resolve:ssm:/a/b}}", "<ssm:/a/b>"},
		{"x{{resolve:ssm:/a/b:3}}y{{resolve:ssm-secure:pw}}z", "x<ssm:/a/b:3>y<ssm-secure:pw>z"},
		{"{{resolve:secretsmanager:MySecret:SecretString:password}}", "<secretsmanager:MySecret:SecretString:password>"},
		{"{{resolve:ssm:unterminated", "{{resolve:ssm:unterminated"},
		{"{{resolve:ssm:{{resolve:ssm:x}}", "<ssm:{{resolve:ssm:x>"},
	}
	for _, c := range cases {
		got, err := ResolveDynamicRefs(c.in, lookup)
		if err != nil || got != c.want {
			t.Errorf("%s = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"{{resolve:foo:bar}}", "{{resolve:ssm:}}", "{{resolve:ssm:fail}}", "{{resolve:secretsmanager:s:Other}}"} {
		if _, err := ResolveDynamicRefs(bad, lookup); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := ResolveDynamicRefs("{{resolve:ssm:x}}", nil); err == nil {
		t.Error("nil lookup accepted")
	}
}

func TestDynamicRefsIn(t *testing.T) {
	v := map[string]any{
		"a": "{{resolve:ssm:p}}",
		"b": []any{"x", map[string]any{"{{resolve:ssm:key}}": "{{resolve:ssm:q}}"}},
		"c": true,
	}
	if !HasDynamicRefs(v) || HasDynamicRefs(map[string]any{"a": []any{"b"}}) {
		t.Error("HasDynamicRefs wrong")
	}
	got, err := ResolveDynamicRefsIn(v, func(service, ref string) (string, error) { return strings.ToUpper(ref), nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": "P", "b": []any{"x", map[string]any{"{{resolve:ssm:key}}": "Q"}}, "c": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v", got)
	}
	if v["a"] != "{{resolve:ssm:p}}" {
		t.Error("input modified")
	}
}

func TestParseSecretsManagerRef(t *testing.T) {
	cases := []struct {
		in   string
		want SecretRef
		err  bool
	}{
		{"MySecret", SecretRef{SecretID: "MySecret"}, false},
		{"MySecret:SecretString:password", SecretRef{SecretID: "MySecret", JSONKey: "password"}, false},
		{"MySecret::password", SecretRef{SecretID: "MySecret", JSONKey: "password"}, false},
		{"MySecret:SecretString::AWSPREVIOUS", SecretRef{SecretID: "MySecret", VersionStage: "AWSPREVIOUS"}, false},
		{"MySecret:SecretString:::abc-123", SecretRef{SecretID: "MySecret", VersionID: "abc-123"}, false},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-AbCdEf:SecretString:user::",
			SecretRef{SecretID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-AbCdEf", JSONKey: "user"}, false},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-AbCdEf",
			SecretRef{SecretID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:MySecret-AbCdEf"}, false},
		{"", SecretRef{}, true},
		{"arn:aws:secretsmanager", SecretRef{}, true},
		{"s:SecretBinary", SecretRef{}, true},
		{"s:SecretString:k:stage:id", SecretRef{}, true},
		{"s:SecretString:k:stage:id:extra", SecretRef{}, true},
	}
	for _, c := range cases {
		got, err := ParseSecretsManagerRef(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("%q = %+v, %v", c.in, got, err)
		}
	}
}
