package template

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const paramTemplate = `
Parameters:
  Str: {Type: String, Default: d}
  Req: {Type: String}
  Num: {Type: Number, MinValue: 1, MaxValue: 10, Default: 5}
  Nums: {Type: List<Number>, Default: "1,2"}
  CDL: {Type: CommaDelimitedList, Default: " a , b,c "}
  Allowed: {Type: String, AllowedValues: [x, y], Default: x}
  Pattern: {Type: String, AllowedPattern: "[a-z]+", Default: abc}
  Described: {Type: String, AllowedPattern: "[a-z]+", ConstraintDescription: lowercase only, Default: abc}
  Len: {Type: String, MinLength: 2, MaxLength: 4, Default: abc}
  Secret: {Type: String, NoEcho: true, Default: s}
  Vpcs: {Type: List<AWS::EC2::VPC::Id>, Default: "vpc-1, vpc-2", AllowedValues: [vpc-1, vpc-2, vpc-3]}
  SsmName: {Type: AWS::SSM::Parameter::Name, Default: /a}
  SsmVal: {Type: "AWS::SSM::Parameter::Value<String>", Default: /b}
  SsmList: {Type: "AWS::SSM::Parameter::Value<CommaDelimitedList>", Default: /c}
Resources:
  R: {Type: X::Y::Z}
`

func ssmLookup(name string) (string, error) {
	switch name {
	case "/b":
		return "bee", nil
	case "/c":
		return "c1, c2", nil
	}
	return "", errors.New("ParameterNotFound")
}

func TestResolveParameters(t *testing.T) {
	tm := mustParse(t, paramTemplate)
	got, err := ResolveParameters(tm, ParamInput{Given: map[string]string{"Req": "r"}, LookupSSM: ssmLookup})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ParamValue{
		"Str":       {Value: "d"},
		"Req":       {Value: "r"},
		"Num":       {Value: "5"},
		"Nums":      {Value: "1,2", List: []string{"1", "2"}},
		"CDL":       {Value: " a , b,c ", List: []string{"a", "b", "c"}},
		"Allowed":   {Value: "x"},
		"Pattern":   {Value: "abc"},
		"Described": {Value: "abc"},
		"Len":       {Value: "abc"},
		"Secret":    {Value: "s", NoEcho: true},
		"Vpcs":      {Value: "vpc-1, vpc-2", List: []string{"vpc-1", "vpc-2"}},
		"SsmName":   {Value: "/a"},
		"SsmVal":    {Value: "/b", Resolved: "bee"},
		"SsmList":   {Value: "/c", Resolved: "c1, c2", List: []string{"c1", "c2"}},
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s = %+v, want %+v", k, got[k], want[k])
			}
		}
	}
}

func TestResolveParametersPrevious(t *testing.T) {
	tm := mustParse(t, paramTemplate)
	got, err := ResolveParameters(tm, ParamInput{
		Given:       map[string]string{"Str": "ignored"},
		UsePrevious: map[string]bool{"Req": true, "Str": true},
		Previous:    map[string]string{"Req": "old-req", "Str": "old-str"},
		LookupSSM:   ssmLookup,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["Req"].Value != "old-req" || got["Str"].Value != "old-str" {
		t.Errorf("got %+v %+v", got["Req"], got["Str"])
	}
	_, err = ResolveParameters(tm, ParamInput{UsePrevious: map[string]bool{"Req": true}, LookupSSM: ssmLookup})
	if err == nil || err.Error() != "Parameters: [Req] must have values" {
		t.Errorf("use previous without previous: %v", err)
	}
}

func TestResolveParametersErrors(t *testing.T) {
	tm := mustParse(t, paramTemplate)
	cases := []struct {
		given map[string]string
		want  string
	}{
		{map[string]string{}, "Parameters: [Req] must have values"},
		{map[string]string{"Req": "r", "Nope": "x", "Also": "y"}, "Parameters: [Also, Nope] do not exist in the template"},
		{map[string]string{"Req": "r", "Num": "abc"}, "Parameter 'Num' must be a number"},
		{map[string]string{"Req": "r", "Num": "0"}, "Parameter 'Num' must be a number not less than 1"},
		{map[string]string{"Req": "r", "Num": "11"}, "Parameter 'Num' must be a number not greater than 10"},
		{map[string]string{"Req": "r", "Nums": "1,x"}, "Parameter 'Nums' must be a list of numbers"},
		{map[string]string{"Req": "r", "Allowed": "z"}, "Parameter 'Allowed' must be one of AllowedValues"},
		{map[string]string{"Req": "r", "Pattern": "abc1"}, "Parameter 'Pattern' must match pattern [a-z]+"},
		{map[string]string{"Req": "r", "Described": "ABC"}, "Parameter 'Described' failed to satisfy constraint: lowercase only"},
		{map[string]string{"Req": "r", "Len": "a"}, "Parameter 'Len' must contain at least 2 characters"},
		{map[string]string{"Req": "r", "Len": "abcde"}, "Parameter 'Len' must contain at most 4 characters"},
		{map[string]string{"Req": "r", "Vpcs": "vpc-1,vpc-9"}, "Parameter 'Vpcs' must be one of AllowedValues"},
		{map[string]string{"Req": "r", "SsmVal": "/missing"}, "Unable to fetch parameters [/missing] from parameter store for this account."},
	}
	for _, c := range cases {
		_, err := ResolveParameters(tm, ParamInput{Given: c.given, LookupSSM: ssmLookup})
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %q", c.given, err, c.want)
		}
	}
	// Two missing parameters are reported together, in template order.
	tm2 := mustParse(t, "Parameters: {B: {Type: String}, A: {Type: String}}\nResources: {R: {Type: X::Y::Z}}")
	_, err := ResolveParameters(tm2, ParamInput{})
	if err == nil || err.Error() != "Parameters: [B, A] must have values" {
		t.Errorf("got %v", err)
	}
	// No SSM lookup configured.
	tm3 := mustParse(t, "Parameters: {S: {Type: \"AWS::SSM::Parameter::Value<String>\", Default: /x}}\nResources: {R: {Type: X::Y::Z}}")
	if _, err := ResolveParameters(tm3, ParamInput{}); err == nil || !strings.Contains(err.Error(), "Unable to fetch parameters [/x]") {
		t.Errorf("got %v", err)
	}
}

func TestParameterTypes(t *testing.T) {
	valid := []string{"String", "Number", "List<Number>", "CommaDelimitedList", "List<String>",
		"AWS::EC2::VPC::Id", "List<AWS::EC2::Subnet::Id>", "AWS::EC2::KeyPair::KeyName", "AWS::Route53::HostedZone::Id",
		"AWS::SSM::Parameter::Name", "AWS::SSM::Parameter::Value<String>", "AWS::SSM::Parameter::Value<List<String>>",
		"AWS::SSM::Parameter::Value<CommaDelimitedList>", "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
		"AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>"}
	invalid := []string{"", "string", "Strin", "List<Foo>", "List<Number", "AWS::EC2::Foo::Id", "AWS::SSM::Parameter::Value<Number>", "AWS::SSM::Parameter::Value<"}
	for _, typ := range valid {
		if !ValidParameterType(typ) {
			t.Errorf("%s rejected", typ)
		}
	}
	for _, typ := range invalid {
		if ValidParameterType(typ) {
			t.Errorf("%s accepted", typ)
		}
	}
	if !IsListType("AWS::SSM::Parameter::Value<List<String>>") || IsListType("AWS::SSM::Parameter::Value<String>") || !IsSSMValueType("AWS::SSM::Parameter::Value<String>") {
		t.Error("type predicates wrong")
	}
}
