package template

import (
	"reflect"
	"strings"
	"testing"
)

func TestExpandNoTransform(t *testing.T) {
	tm := mustParse(t, "Resources: {R: {Type: X::Y::Z}}")
	got, err := Expand(tm, nil, Pseudo{})
	if err != nil || got != tm {
		t.Errorf("Expand without transform = %p, %v", got, err)
	}
	bad := mustParse(t, "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\nResources: {R: {Type: X::Y::Z}}")
	if _, err := Expand(bad, nil, Pseudo{}); err == nil || !strings.Contains(err.Error(), "Unsupported transform AWS::Serverless-2016-10-31") {
		t.Errorf("unsupported transform: %v", err)
	}
}

func TestExpandForEach(t *testing.T) {
	tm := mustParse(t, `
Transform: AWS::LanguageExtensions
Parameters:
  Envs: {Type: CommaDelimitedList, Default: "dev,prod"}
Resources:
  Fn::ForEach::Outer:
    - Env
    - !Ref Envs
    - Fn::ForEach::Inner:
        - Svc
        - [api, web.v2]
        - ${Env}&{Svc}:
            Type: AWS::SQS::Queue
            Properties:
              Name: !Sub "${Env}-${Svc}-${AWS::Region}"
              Env: !Ref Env
              Plain: "${Env}/${Svc}"
              Escaped: !Sub "${!Env}"
  Static:
    Type: AWS::SNS::Topic
    Properties:
      Fn::ForEach::Props:
        - K
        - [A, B]
        - Prop${K}: !Ref K
      Keep: yes
Outputs:
  Fn::ForEach::O:
    - Env
    - [dev]
    - Fn::ForEach::P:
        - Attr
        - [Arn, QueueName]
        - ${Env}${Attr}:
            Value: !GetAtt [!Sub "${Env}api", !Ref Attr]
`)
	params, err := ResolveParameters(tm, ParamInput{})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := Expand(tm, params, Pseudo{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range exp.Resources {
		ids = append(ids, r.LogicalID)
	}
	if got := strings.Join(ids, ","); got != "devapi,devwebv2,prodapi,prodwebv2,Static" {
		t.Errorf("resources = %s", got)
	}
	r := exp.Resource("prodwebv2")
	want := map[string]any{
		"Name":    map[string]any{"Fn::Sub": "prod-web.v2-${AWS::Region}"},
		"Env":     "prod",
		"Plain":   "prod/web.v2",
		"Escaped": map[string]any{"Fn::Sub": "${!Env}"},
	}
	if !reflect.DeepEqual(r.Properties, want) {
		t.Errorf("prodwebv2 properties = %#v", r.Properties)
	}
	if got := exp.Resource("Static").Properties; !reflect.DeepEqual(got, map[string]any{"PropA": "A", "PropB": "B", "Keep": "yes"}) {
		t.Errorf("Static properties = %#v", got)
	}
	if len(exp.Outputs) != 2 || !reflect.DeepEqual(exp.Outputs[0].Value, map[string]any{"Fn::GetAtt": []any{"devapi", "Arn"}}) {
		t.Errorf("outputs = %#v", exp.Outputs[0].Value)
	}
	if err := Validate(exp, ValidateOptions{}); err != nil {
		t.Errorf("expanded template invalid: %v", err)
	}
	// Validate on the unexpanded template expands with defaults.
	if err := Validate(tm, ValidateOptions{}); err != nil {
		t.Errorf("Validate(original) = %v", err)
	}
	// The original is untouched.
	if len(tm.Resources) != 1 {
		t.Errorf("original modified: %d resources", len(tm.Resources))
	}
	if l, _, ok := exp.Pos("Resources/devapi"); !ok || l != 6 {
		t.Errorf("position of generated resource = %d %v", l, ok)
	}
}

func TestExpandErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{`
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::X:
    - Id
    - [a, b]
    - Same:
        Type: X::Y::Z
`, "Fn::ForEach produced duplicate key Same"},
		{`
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::X: [Id, [a]]
`, "requires a list of three elements"},
		{`
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::X: [Id, notalist, {"R${Id}": {Type: X::Y::Z}}]
`, "the collection of Fn::ForEach must be a list of strings"},
		{`
Transform: AWS::LanguageExtensions
Resources:
  B: {Type: X::Y::Z}
  Fn::ForEach::X: [Id, !GetAZs "", {B: {Type: X::Y::Z}}]
`, "duplicate key B"},
		{`
Transform: AWS::LanguageExtensions
Resources:
  B: {Type: X::Y::Z}
  Fn::ForEach::X: [Id, !Split [",", !Ref B], {"R${Id}": {Type: X::Y::Z}}]
`, "must not depend on resources"},
		{`
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::X: [[Id], [a], {"R${Id}": {Type: X::Y::Z}}]
`, "identifier of Fn::ForEach::X must be a non-empty string"},
	}
	for _, c := range cases {
		tm := mustParse(t, c.body)
		_, err := Expand(tm, map[string]ParamValue{}, Pseudo{Region: "r"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Expand error %v, want %q", err, c.want)
		}
		if verr := Validate(tm, ValidateOptions{}); verr == nil {
			t.Errorf("Validate accepted template expected to fail with %q", c.want)
		}
	}
	// A loop over a parameter without a value cannot be expanded yet.
	tm := mustParse(t, `
Transform: AWS::LanguageExtensions
Parameters:
  L: {Type: CommaDelimitedList}
Resources:
  Fn::ForEach::X: [Id, !Ref L, {"R${Id}": {Type: X::Y::Z, Properties: {A: !Ref Id}}}]
  Other: {Type: X::Y::Z}
`)
	_, err := Expand(tm, map[string]ParamValue{}, Pseudo{})
	if !isNeedsParam(err) {
		t.Errorf("missing parameter: %v", err)
	}
	if err := Validate(tm, ValidateOptions{}); err != nil {
		t.Errorf("Validate should accept loops over parameters without values: %v", err)
	}
	// Fn::ForEach without the transform.
	noTr := mustParse(t, "Resources:\n  Fn::ForEach::X: [Id, [a], {'R${Id}': {Type: X::Y::Z}}]\n  R: {Type: X::Y::Z, Properties: {Fn::ForEach::Y: [Id, [a], {'K${Id}': v}]}}\n")
	if err := Validate(noTr, ValidateOptions{}); err == nil || !strings.Contains(err.Error(), "Fn::ForEach requires the AWS::LanguageExtensions transform") {
		t.Errorf("ForEach without transform: %v", err)
	}
}

func TestExpandPolicies(t *testing.T) {
	tm := mustParse(t, `
Transform: AWS::LanguageExtensions
Parameters:
  Keep: {Type: String, Default: "yes"}
Conditions:
  IsKeep: !Equals [!Ref Keep, "yes"]
Resources:
  R:
    Type: X::Y::Z
    DeletionPolicy: !If [IsKeep, Retain, Delete]
    UpdateReplacePolicy: !Ref AWS::NoValue
`)
	params, _ := ResolveParameters(tm, ParamInput{})
	exp, err := Expand(tm, params, Pseudo{})
	if err == nil {
		t.Fatalf("NoValue policy should fail, got %+v", exp.Resource("R"))
	}
	tm = mustParse(t, `
Transform: AWS::LanguageExtensions
Parameters:
  Keep: {Type: String, Default: "yes"}
Conditions:
  IsKeep: !Equals [!Ref Keep, "yes"]
Resources:
  R:
    Type: X::Y::Z
    DeletionPolicy: !If [IsKeep, Retain, Delete]
`)
	params, _ = ResolveParameters(tm, ParamInput{})
	exp, err = Expand(tm, params, Pseudo{})
	if err != nil || exp.Resource("R").DeletionPolicy != "Retain" {
		t.Errorf("policy = %v %v", exp, err)
	}
}
