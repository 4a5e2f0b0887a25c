package template

import (
	"errors"
	"strings"
	"testing"
)

const cdkRuleTemplate = `{
 "Parameters": {
  "BootstrapVersion": {
   "Type": "AWS::SSM::Parameter::Value<String>",
   "Default": "/cdk-bootstrap/hnb659fds/version",
   "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]"
  }
 },
 "Rules": {"CheckBootstrapVersion": {"Assertions":[{"Assert":{"Fn::Not":[{"Fn::Contains":[["1","2","3","4","5"],{"Ref":"BootstrapVersion"}]}]},"AssertDescription":"CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."}]}},
 "Resources": {"R": {"Type": "AWS::SNS::Topic"}}
}`

func TestCDKBootstrapRule(t *testing.T) {
	tm := mustParse(t, cdkRuleTemplate)
	if err := Validate(tm, ValidateOptions{}); err != nil {
		t.Fatal(err)
	}
	for version, wantErr := range map[string]bool{"1": true, "5": true, "6": false, "21": false} {
		params, err := ResolveParameters(tm, ParamInput{LookupSSM: func(name string) (string, error) {
			if name != "/cdk-bootstrap/hnb659fds/version" {
				t.Errorf("looked up %s", name)
			}
			return version, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		e := &Evaluator{T: tm, Params: params}
		err = e.EvalRules()
		if wantErr {
			var re *RuleError
			if !errors.As(err, &re) || err.Error() != "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI." || re.Rule != "CheckBootstrapVersion" {
				t.Errorf("version %s: %v", version, err)
			}
		} else if err != nil {
			t.Errorf("version %s: %v", version, err)
		}
	}
}

func TestRuleFunctions(t *testing.T) {
	tm := mustParse(t, `
Parameters:
  Env: {Type: String, Default: prod}
  Vpc1: {Type: AWS::EC2::VPC::Id, Default: vpc-1}
  Vpc2: {Type: AWS::EC2::VPC::Id, Default: vpc-2}
  Subnets: {Type: List<AWS::EC2::Subnet::Id>, Default: "s-1,s-2"}
  Same: {Type: CommaDelimitedList, Default: "a,a"}
Resources:
  R: {Type: X::Y::Z}
`)
	params, err := ResolveParameters(tm, ParamInput{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		expr string
		want bool
		err  string
	}{
		{`!Contains [[a, b], b]`, true, ""},
		{`!Contains [[a, b], c]`, false, ""},
		{`!Contains [!Ref Subnets, s-2]`, true, ""},
		{`!EachMemberEquals [!Ref Same, a]`, true, ""},
		{`!EachMemberEquals [!Ref Subnets, s-1]`, false, ""},
		{`!EachMemberIn [!RefAll "AWS::EC2::VPC::Id", [vpc-1, vpc-2, vpc-3]]`, true, ""},
		{`!EachMemberIn [!RefAll "AWS::EC2::VPC::Id", [vpc-1]]`, false, ""},
		{`!EachMemberIn [!RefAll "AWS::EC2::Subnet::Id", [s-1, s-2]]`, true, ""},
		{`!Equals [!Ref Env, prod]`, true, ""},
		{`!And [!Equals [!Ref Env, prod], !Not [!Equals [a, b]]]`, true, ""},
		{`!Or [!Equals [!Ref Env, dev], !Equals [a, b]]`, false, ""},
		{`!Equals [!Select [0, !Ref Subnets], s-1]`, true, ""},
		{`!ValueOf [Vpc1, Tags]`, false, "Fn::ValueOf attribute Tags is not supported"},
		{`!ValueOfAll ["AWS::EC2::VPC::Id", Tags]`, false, "Fn::ValueOfAll attribute Tags is not supported"},
		{`!Equals [!Ref R, x]`, false, "Cannot reference resources in the Rules block"},
		{`!Contains [a]`, false, "requires a list of 2 parameters"},
		{`notbool`, false, "must evaluate to a boolean"},
		{`!And [true]`, false, "at least 2 and at most 10"},
	}
	for _, c := range cases {
		e := &Evaluator{T: tm, Params: params}
		got, err := e.ruleBool(yv(t, c.expr), "Rules/X/Assertions/0/Assert")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.expr, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
}

func TestRuleConditionAndDefaultMessage(t *testing.T) {
	tm := mustParse(t, `
Parameters:
  Env: {Type: String, Default: prod}
Rules:
  OnlyDev:
    RuleCondition: !Equals [!Ref Env, dev]
    Assertions:
      - Assert: !Equals [a, b]
  ProdRule:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: !Equals [a, a]
      - Assert: !Equals [a, b]
Resources:
  R: {Type: X::Y::Z}
`)
	params, _ := ResolveParameters(tm, ParamInput{})
	e := &Evaluator{T: tm, Params: params}
	err := e.EvalRules()
	if err == nil || err.Error() != "Assertion failed for rule ProdRule" {
		t.Errorf("got %v", err)
	}
}
