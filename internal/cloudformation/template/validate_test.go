package template

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func validateBody(t *testing.T, body string) error {
	t.Helper()
	return Validate(mustParse(t, body), ValidateOptions{})
}

func TestValidateAcceptsValidTemplates(t *testing.T) {
	bodies := []string{
		"Resources: {R: {Type: AWS::S3::Bucket}}",
		"Resources: {R: {Type: Custom::Thing, Properties: {ServiceToken: x}}}",
		`
Parameters:
  P: {Type: String, Default: a}
Conditions:
  C: !And [!Equals [!Ref P, a], !Equals [!Sub "${P}", !Join ["", [!Select [0, !Split [",", !FindInMap [M, k, v]]]]]]]
Mappings:
  M: {k: {v: "a,b"}}
Resources:
  A:
    Type: AWS::S3::Bucket
    Condition: C
    DependsOn: B
    Properties:
      X: !If [C, !GetAtt B.Arn, !Ref AWS::NoValue]
      Y: !Sub ["${V}-${B.Arn}-${AWS::Region}", {V: !Ref P}]
      Z: !Cidr [!GetAtt B.CidrBlock, 3, 8]
      W: !Base64 {"Fn::Join": ["", [a, b]]}
      G: !GetAZs {Ref: AWS::Region}
      I: !ImportValue {"Fn::Sub": "${AWS::StackName}-x"}
      Policy:
        Condition: {StringEquals: {a: b}}
  B: {Type: AWS::EC2::VPC}
Outputs:
  O:
    Condition: C
    Value: !GetAtt A.Arn
    Export: {Name: !Sub "${AWS::StackName}-${P}"}
`,
	}
	for _, b := range bodies {
		if err := validateBody(t, b); err != nil {
			t.Errorf("rejected: %v\n%s", err, b)
		}
	}
}

func TestValidateContextRules(t *testing.T) {
	cases := []struct{ body, want string }{
		{`
Resources:
  A: {Type: X::Y::Z}
Outputs:
  O:
    Value: x
    Export: {Name: !Ref A}
`, "Export names must not depend on any resources"},
		{`
Resources:
  A: {Type: X::Y::Z}
  B: {Type: X::Y::Z, Properties: {P: !ImportValue {"Fn::GetAtt": [A, Arn]}}}
`, "the attribute in Fn::ImportValue must not depend on any resources"},
		{`
Resources:
  A: {Type: X::Y::Z, Properties: {P: !GetAtt [A, {"Fn::Sub": x}]}}
`, "the attribute name of Fn::GetAtt must be a string or a Ref"},
		{`
Resources:
  A: {Type: X::Y::Z, Properties: {P: !Contains [[a], a]}}
`, "Fn::Contains can only be used in the Rules block of the template"},
		{`
Rules:
  R:
    Assertions:
      - Assert: !Equals [!GetAtt A.Arn, x]
Resources:
  A: {Type: X::Y::Z}
`, "Fn::GetAtt is not supported in the Rules block of the template"},
		{`
Resources:
  A: {Type: X::Y::Z, DeletionPolicy: !Ref P}
Parameters:
  P: {Type: String}
`, "Every DeletionPolicy member must be a string."},
		{`
Description: [not, a, string]
Resources:
  A: {Type: X::Y::Z}
`, "Every Description member must be a string."},
		{`
Resources:
  A: {Type: X::Y::Z}
Outputs:
  O: {Description: d}
`, "Every Outputs member must contain a Value object"},
		{`
Parameters:
  A: {Type: String}
Resources:
  A: {Type: X::Y::Z}
`, "Parameter and resource names must be unique: A"},
		{`
Mappings:
  bad-name: {k: {v: x}}
  M: {k: {v: {Ref: X}}}
Resources:
  A: {Type: X::Y::Z}
`, "Mappings attribute name 'bad-name' must contain only alphanumeric characters."},
		{`
Mappings:
  M: {k: {v: {Ref: X}}}
Resources:
  A: {Type: X::Y::Z}
`, "Every Mappings attribute must be a String or a List."},
		{`
Parameters:
  P: {Type: String, AllowedPattern: "[a-"}
Resources:
  A: {Type: X::Y::Z}
`, "AllowedPattern is not a valid regular expression"},
		{`
Resources:
  A: {Type: X::Y::Z, Properties: {P: !GetStackOutput {StackName: s}}}
`, "Fn::GetStackOutput requires StackName and OutputName"},
		{`
Resources:
  A: {Type: X::Y::Z, Properties: {P: !ToJsonString [a]}}
`, "Encountered unsupported function: Fn::ToJsonString"},
		{`
Resources:
  A: {Type: X::Y::Z, Properties: {P: !FindInMap [M, a, b, {DefaultValue: x}]}}
Mappings:
  M: {a: {c: d}}
`, "Fn::FindInMap DefaultValue requires the AWS::LanguageExtensions transform"},
		{`
Rules:
  R:
    Assertions: [{AssertDescription: no assert}]
Resources:
  A: {Type: X::Y::Z}
`, "Every Assertions member must contain an Assert."},
		{`
Resources:
  A: {Type: X::Y::Z, DependsOn: A}
`, "Circular dependency between resources: [A]"},
	}
	for _, c := range cases {
		err := validateBody(t, c.body)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q\n%s", err, c.want, c.body)
		}
	}
}

func TestValidateCollectsAll(t *testing.T) {
	err := validateBody(t, `
Resources:
  A: {Type: X::Y::Z, Properties: {P: !Ref Nope, Q: !GetAtt Gone.Arn, R: !Select [5, [a]]}}
  b-c: {Type: X::Y::Z}
`)
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 4 {
		t.Fatalf("want 4 diagnostics, got %v", err)
	}
	for _, d := range ds {
		if d.Line == 0 {
			t.Errorf("diagnostic without a position: %+v", d)
		}
	}
}

func TestValidateLimits(t *testing.T) {
	gen := func(section string, n int, entry func(i int) string) string {
		var b strings.Builder
		b.WriteString(section + ":\n")
		for i := 0; i < n; i++ {
			b.WriteString(entry(i))
		}
		return b.String()
	}
	res := func(i int) string { return fmt.Sprintf("  R%d: {Type: X::Y::Z}\n", i) }
	cases := []struct{ body, want string }{
		{gen("Resources", 501, res), "Number of resources, 501, is greater than maximum allowed, 500"},
		{gen("Parameters", 201, func(i int) string { return fmt.Sprintf("  P%d: {Type: String}\n", i) }) + "Resources: {R: {Type: X::Y::Z}}", "Number of parameters, 201, is greater than maximum allowed, 200"},
		{gen("Outputs", 201, func(i int) string { return fmt.Sprintf("  O%d: {Value: x}\n", i) }) + "Resources: {R: {Type: X::Y::Z}}", "Number of outputs, 201, is greater than maximum allowed, 200"},
		{gen("Mappings", 201, func(i int) string { return fmt.Sprintf("  M%d: {k: {v: x}}\n", i) }) + "Resources: {R: {Type: X::Y::Z}}", "Number of mappings, 201, is greater than maximum allowed, 200"},
		{"Mappings:\n  M:\n    k:\n" + strings.Repeat("", 0) + func() string {
			var b strings.Builder
			for i := 0; i < 201; i++ {
				fmt.Fprintf(&b, "      a%d: x\n", i)
			}
			return b.String()
		}() + "Resources: {R: {Type: X::Y::Z}}", "Number of mapping attributes, 201, is greater than maximum allowed, 200"},
		{"Resources:\n  " + strings.Repeat("A", 256) + ": {Type: X::Y::Z}\n", "is longer than 255 characters"},
		{gen("Resources", 1, func(int) string {
			return "  R:\n    Type: X::Y::Z\n    Properties:\n      P: \"" + strings.Repeat("{{resolve:ssm:p}}", 61) + "\"\n"
		}), "Number of dynamic references, 61, is greater than maximum allowed, 60"},
	}
	for _, c := range cases {
		err := validateBody(t, c.body)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	ok := gen("Resources", 500, res)
	if err := validateBody(t, ok); err != nil {
		t.Errorf("500 resources rejected: %v", err)
	}
	if MaxBodyBytes != 51200 || MaxURLBodyBytes != 1000000 {
		t.Error("body limits changed")
	}
}

func TestValidateSupportedTypes(t *testing.T) {
	tm := mustParse(t, "Resources: {A: {Type: AWS::X::Y}, B: {Type: AWS::S3::Bucket}, C: {Type: AWS::X::Y}}")
	err := Validate(tm, ValidateOptions{IsSupportedType: func(s string) bool { return s == "AWS::S3::Bucket" }})
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("want one diagnostic, got %v", err)
	}
	if want := "Template format error: Unrecognized resource types: [AWS::X::Y] (AWS::X::Y used by [A, C])"; ds[0].Message != want {
		t.Errorf("message %q", ds[0].Message)
	}
	if err := Validate(tm, ValidateOptions{}); err != nil {
		t.Errorf("nil IsSupportedType rejected: %v", err)
	}
	if err := Validate(nil, ValidateOptions{}); err == nil {
		t.Error("nil template accepted")
	}
}
