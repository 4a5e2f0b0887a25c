package template

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const evalTemplate = `
Transform: AWS::LanguageExtensions
Parameters:
  Str: {Type: String, Default: hello}
  Num: {Type: Number, Default: "42"}
  Nums: {Type: List<Number>, Default: "1,2,3"}
  CDL: {Type: CommaDelimitedList, Default: "a, b ,c"}
  Subnets: {Type: List<AWS::EC2::Subnet::Id>, Default: "subnet-1,subnet-2"}
  Ssm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /my/param}
  SsmList: {Type: "AWS::SSM::Parameter::Value<List<String>>", Default: /my/list}
  Attr: {Type: String, Default: Arn}
Mappings:
  M:
    top: {second: value, list: [x, y]}
Conditions:
  IsTrue: !Equals [a, a]
  IsFalse: !Not [!Condition IsTrue]
  CycleA: !Condition CycleB
  CycleB: !Not [!Condition CycleA]
Resources:
  Known: {Type: AWS::S3::Bucket}
  Pending: {Type: AWS::S3::Bucket}
  Off: {Type: AWS::S3::Bucket, Condition: IsFalse}
  On: {Type: AWS::S3::Bucket, Condition: IsTrue}
`

type testResolver struct{}

func (testResolver) Ref(id string) (any, error) {
	if id == "Pending" {
		return nil, ErrUnknown
	}
	if id == "Broken" {
		return nil, errors.New("boom")
	}
	return "phys-" + id, nil
}

func (testResolver) GetAtt(id, attr string) (any, error) {
	if id == "Pending" {
		return nil, ErrUnknown
	}
	if attr == "List" {
		return []any{"l1", "l2"}, nil
	}
	if attr == "Missing" {
		return nil, errors.New("Template error: resource Known does not support attribute type Missing in Fn::GetAtt")
	}
	return id + "." + attr, nil
}

func (testResolver) ImportValue(name string) (string, error) {
	switch name {
	case "later":
		return "", ErrUnknown
	case "nope":
		return "", errors.New("No export named nope found.")
	}
	return "imported-" + name, nil
}

func (testResolver) StackOutput(stack, output string) (string, error) {
	if stack == "missing" {
		return "", errors.New("Stack with id missing does not exist")
	}
	return stack + "/" + output, nil
}

func newTestEvaluator(t *testing.T) *Evaluator {
	t.Helper()
	tm := mustParse(t, evalTemplate)
	params, err := ResolveParameters(tm, ParamInput{LookupSSM: func(name string) (string, error) {
		if name == "/my/list" {
			return "p, q", nil
		}
		return "ssm-value", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &Evaluator{T: tm, Params: params, Resolver: testResolver{}, Pseudo: Pseudo{
		AccountID: "123456789012", Region: "eu-west-1", StackName: "s", StackID: "arn:stack",
		NotificationARNs: []string{"arn:sns:1"},
	}}
}

func yv(t *testing.T, s string) any {
	t.Helper()
	tm := mustParse(t, "V: "+s)
	return tm.Raw["V"]
}

func TestEvalFunctions(t *testing.T) {
	cases := []struct {
		expr string
		want any
	}{
		// Ref
		{`!Ref Str`, "hello"},
		{`!Ref Num`, "42"},
		{`!Ref Nums`, []any{"1", "2", "3"}},
		{`!Ref CDL`, []any{"a", "b", "c"}},
		{`!Ref Subnets`, []any{"subnet-1", "subnet-2"}},
		{`!Ref Ssm`, "ssm-value"},
		{`!Ref SsmList`, []any{"p", "q"}},
		{`!Ref Known`, "phys-Known"},
		{`!Ref On`, "phys-On"},
		{`!Ref AWS::AccountId`, "123456789012"},
		{`!Ref AWS::Region`, "eu-west-1"},
		{`!Ref AWS::StackName`, "s"},
		{`!Ref AWS::StackId`, "arn:stack"},
		{`!Ref AWS::Partition`, "aws"},
		{`!Ref AWS::URLSuffix`, "amazonaws.com"},
		{`!Ref AWS::NotificationARNs`, []any{"arn:sns:1"}},
		{`[a, !Ref AWS::NoValue, b]`, []any{"a", "b"}},
		{`{a: !Ref AWS::NoValue, b: 1}`, map[string]any{"b": json.Number("1")}},
		{`!Ref AWS::NoValue`, nil},
		// GetAtt
		{`!GetAtt Known.Arn`, "Known.Arn"},
		{`!GetAtt Known.A.B`, "Known.A.B"},
		{`{"Fn::GetAtt": "Known.Arn"}`, "Known.Arn"},
		{`!GetAtt [Known, !Ref Attr]`, "Known.Arn"},
		{`!GetAtt Known.List`, []any{"l1", "l2"}},
		// Sub
		{`!Sub "${Str}-${AWS::Region}-${Known}-${Known.Arn}-${!Literal}-${Num}"`, "hello-eu-west-1-phys-Known-Known.Arn-${Literal}-42"},
		{`!Sub ["${A}-${B}-${Str}", {A: x, B: !Ref Known}]`, "x-phys-Known-hello"},
		{`!Sub "no vars ${ unterminated"`, "no vars ${ unterminated"},
		{`!Sub "${ Str }"`, "hello"},
		{`!Sub "${}"`, "${}"},
		// Join
		{`!Join ["-", [a, 1, true]]`, "a-1-true"},
		{`!Join ["", []]`, ""},
		{`!Join [",", !Ref CDL]`, "a,b,c"},
		{`!Join [",", [a, !Ref AWS::NoValue, b]]`, "a,b"},
		{`!Join [",", !GetAZs ""]`, "eu-west-1a,eu-west-1b,eu-west-1c"},
		// Select
		{`!Select [1, [a, b, c]]`, "b"},
		{`!Select ["2", [a, b, c]]`, "c"},
		{`!Select [0, !Ref Nums]`, "1"},
		{`!Select [0, [known, !Ref Pending]]`, "known"},
		// Split
		{`!Split [",", "a,b,,c"]`, []any{"a", "b", "", "c"}},
		{`!Split ["|", !Join ["|", [x, y]]]`, []any{"x", "y"}},
		// FindInMap
		{`!FindInMap [M, top, second]`, "value"},
		{`!FindInMap [M, top, list]`, []any{"x", "y"}},
		{`!FindInMap [M, !Sub "t${!}op", second, {DefaultValue: d}]`, "d"},
		{`!FindInMap [M, top, missing, {DefaultValue: d}]`, "d"},
		{`!FindInMap [M, nope, missing, {DefaultValue: !Ref Str}]`, "hello"},
		// If
		{`!If [IsTrue, yes, no]`, "yes"},
		{`!If [IsFalse, yes, no]`, "no"},
		{`{k: !If [IsFalse, x, !Ref AWS::NoValue]}`, map[string]any{}},
		{`!If [IsFalse, !Ref Off, fine]`, "fine"},
		// Condition functions
		{`!Equals [a, a]`, true},
		{`!Equals [1, "1"]`, true},
		{`!Equals [[a, b], [a, b]]`, true},
		{`!Equals [a, b]`, false},
		{`!And [!Equals [a, a], {Condition: IsTrue}]`, true},
		{`!And [!Equals [a, a], {Condition: IsFalse}]`, false},
		{`!Or [!Equals [a, b], {Condition: IsTrue}]`, true},
		{`!Or [false, "false"]`, false},
		{`!Not [!Equals [a, b]]`, true},
		// Base64
		{`!Base64 hello`, "aGVsbG8="},
		{`!Base64 {"Fn::Sub": "${Str}"}`, "aGVsbG8="},
		// Cidr
		{`!Cidr ["10.0.0.0/16", 2, 8]`, []any{"10.0.0.0/24", "10.0.1.0/24"}},
		{`!Cidr ["10.0.0.0/16", "2", "12"]`, []any{"10.0.0.0/20", "10.0.16.0/20"}},
		{`!Cidr ["2001:db8::/56", 2, 64]`, []any{"2001:db8::/64", "2001:db8:0:1::/64"}},
		// GetAZs
		{`!GetAZs ""`, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{`!GetAZs us-east-2`, []any{"us-east-2a", "us-east-2b", "us-east-2c"}},
		{`!GetAZs {Ref: AWS::Region}`, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		// ImportValue
		{`!ImportValue shared`, "imported-shared"},
		{`!ImportValue {"Fn::Sub": "${Str}-x"}`, "imported-hello-x"},
		// GetStackOutput
		{`{"Fn::GetStackOutput": {StackName: net, OutputName: Vpc, Region: us-west-2}}`, "net/Vpc"},
		// LanguageExtensions functions
		{`!Length [a, b, c]`, json.Number("3")},
		{`!Length {Ref: CDL}`, json.Number("3")},
		{`!ToJsonString {b: [1, "x"], a: "<&>"}`, `{"a":"<&>","b":[1,"x"]}`},
		{`!ToJsonString [!Ref Str, !Ref AWS::NoValue]`, `["hello"]`},
		// Plain values
		{`{Condition: {StringEquals: {a: b}}}`, map[string]any{"Condition": map[string]any{"StringEquals": map[string]any{"a": "b"}}}},
		{`{Ref: Str, Other: x}`, map[string]any{"Ref": "Str", "Other": "x"}},
		{`42`, json.Number("42")},
	}
	for _, c := range cases {
		e := newTestEvaluator(t)
		got, err := e.Eval(yv(t, c.expr), "Resources/X/Properties/P")
		if err != nil {
			t.Errorf("%s: unexpected error %v", c.expr, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.expr, got, c.want)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`!Ref Nowhere`, "Template format error: Unresolved resource dependencies [Nowhere] in the Resources block of the template at Resources/X/Properties/P/Ref"},
		{`!Ref [a]`, "every Ref object must have a single String value"},
		{`!Ref Off`, "Unresolved resource dependencies [Off]"},
		{`!Ref Broken`, "Unresolved resource dependencies [Broken]"},
		{`!GetAtt Nowhere.Arn`, "Template error: instance of Fn::GetAtt references undefined resource Nowhere"},
		{`!GetAtt Str.Arn`, "Template error: instance of Fn::GetAtt references undefined resource Str"},
		{`!GetAtt Known.Missing`, "does not support attribute type Missing"},
		{`!GetAtt Off.Arn`, "Unresolved resource dependencies [Off]"},
		{`{"Fn::GetAtt": [a]}`, "requires two non-empty parameters"},
		{`!Sub "${CDL}"`, "variable CDL in Fn::Sub must resolve to a string"},
		{`!Sub "${Str.Attr}"`, "references undefined resource Str"},
		{`!Sub "${Nope}"`, "Unresolved resource dependencies [Nope]"},
		{`!Sub [a, b]`, "One or more Fn::Sub intrinsic functions don't specify expected arguments"},
		{`{"Fn::Sub": 5}`, "One or more Fn::Sub"},
		{`!Join [","]`, "every Fn::Join object requires two parameters"},
		{`!Join [",", notalist]`, "every Fn::Join object requires two parameters"},
		{`!Join [",", [[nested]]]`, "every Fn::Join object requires two parameters"},
		{`!Select [3, [a, b, c]]`, "Template error: Fn::Select cannot select nonexistent value at index 3"},
		{`!Select [-1, [a]]`, "non-negative integer index"},
		{`!Select [x, [a]]`, "non-negative integer index"},
		{`!Select [0, notalist]`, "every Fn::Select object requires two parameters"},
		{`!Split ["", abc]`, "delimiter must not be empty"},
		{`!Split [","]`, "every Fn::Split object requires two parameters"},
		{`!FindInMap [M, top, missing]`, "Template error: Unable to get mapping for M::top::missing"},
		{`!FindInMap [Nope, a, b]`, "Unable to get mapping for Nope::a::b"},
		{`!FindInMap [M, top]`, "every Fn::FindInMap object requires three parameters"},
		{`!FindInMap [M, top, x, {Other: 1}]`, "must be an object with a DefaultValue"},
		{`!If [Undefined, a, b]`, "Template error: unresolved condition dependency Undefined in Fn::If"},
		{`!If [IsTrue, a]`, "Fn::If requires a list argument with three elements"},
		{`!If [[IsTrue], a, b]`, "Every Condition member must be a string."},
		{`!If [CycleA, a, b]`, "Template format error: Circular dependency between conditions: [CycleA, CycleB]"},
		{`!And [{Condition: IsTrue}]`, "every Fn::And object requires a list of at least 2 and at most 10 boolean parameters."},
		{`!Or [a, b, c, d, e, f, g, h, i, j, k]`, "every Fn::Or object requires a list of at least 2 and at most 10"},
		{`!Not [a, b]`, "every Fn::Not object requires a list of exactly 1"},
		{`!And [notbool, "true"]`, "a condition must evaluate to a boolean"},
		{`!Equals [a]`, "every Fn::Equals object requires a list of 2"},
		{`!Cidr ["10.0.0.0/16", 300, 8]`, "count must be an integer between 1 and 256"},
		{`!Cidr ["10.0.0.0/24", 2, 9]`, "too large for the ipBlock"},
		{`!Cidr ["10.0.0.0/24", 5, 6]`, "cannot create 5 subnets"},
		{`!Cidr [garbage, 1, 8]`, "is not a valid CIDR block"},
		{`!Cidr ["10.0.0.0/16", x, 8]`, "integer count and cidrBits"},
		{`!Cidr [a]`, "every Fn::Cidr object requires three parameters"},
		{`!ImportValue nope`, "No export named nope found."},
		{`{"Fn::GetStackOutput": {StackName: missing, OutputName: o}}`, "Stack with id missing does not exist"},
		{`{"Fn::GetStackOutput": x}`, "requires StackName and OutputName"},
		{`!Length notalist`, "Fn::Length requires a list"},
		{`!Transform {Name: AWS::Include}`, "Fn::Transform is not supported"},
		{`!Contains [[a], a]`, "can only be used in the Rules block"},
		{`!Bogus x`, "Encountered unsupported function: Fn::Bogus"},
		{`{"Fn::ForEach::X": [a, [b], {}]}`, "Fn::ForEach requires the AWS::LanguageExtensions transform"},
		{`!Base64 [a]`, "Fn::Base64 requires a string argument"},
	}
	for _, c := range cases {
		e := newTestEvaluator(t)
		_, err := e.Eval(yv(t, c.expr), "Resources/X/Properties/P")
		if err == nil {
			t.Errorf("%s: expected error %q", c.expr, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want %q", c.expr, err.Error(), c.want)
		}
	}
}

func TestEvalResolverErrorsWrap(t *testing.T) {
	e := newTestEvaluator(t)
	_, err := e.Eval(yv(t, `!ImportValue nope`), "Outputs/O/Value")
	var pe *PathError
	if !errors.As(err, &pe) || pe.Path != "Outputs/O/Value/Fn::ImportValue" {
		t.Fatalf("error %v (%T) is not a PathError with the path", err, err)
	}
}

func TestEvalUnknown(t *testing.T) {
	unknownExprs := []string{
		`!Ref Pending`,
		`!GetAtt Pending.Arn`,
		`!GetAtt [Pending, !Ref Attr]`,
		`!Sub "x-${Pending}"`,
		`!Sub "x-${Pending.Arn}"`,
		`!Sub ["${A}", {A: !Ref Pending}]`,
		`!Join [",", [a, !Ref Pending]]`,
		`!Join [",", !Split [",", !Ref Pending]]`,
		`!Select [1, [a, !Ref Pending]]`,
		`!Select [0, !GetAtt Pending.List]`,
		`!Split [",", !Ref Pending]`,
		`!Base64 {Ref: Pending}`,
		`!Equals [!Ref Pending, x]`,
		`!ImportValue later`,
		`!ImportValue {Ref: Pending}`,
		`!Cidr [!GetAtt Pending.CidrBlock, 2, 8]`,
		`!Length {"Fn::GetAtt": [Pending, List]}`,
		`!ToJsonString {a: !Ref Pending}`,
		`!If [IsTrue, !Ref Pending, x]`,
	}
	for _, expr := range unknownExprs {
		e := newTestEvaluator(t)
		orig := yv(t, expr)
		got, err := e.Eval(orig, "P")
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		u, ok := got.(Unknown)
		if !ok {
			t.Errorf("%s = %#v, want Unknown", expr, got)
			continue
		}
		if u.Expr == nil {
			t.Errorf("%s: Unknown without expression", expr)
		}
	}
	// Known branches and decided conditions stay known.
	e := newTestEvaluator(t)
	got, err := e.Eval(yv(t, `{a: !Ref Pending, b: !If [IsFalse, !Ref Pending, known]}`), "P")
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if !IsUnknown(m["a"]) || m["b"] != "known" || !ContainsUnknown(got) {
		t.Errorf("got %#v", got)
	}
	if u := m["a"].(Unknown); !reflect.DeepEqual(u.Expr, map[string]any{"Ref": "Pending"}) {
		t.Errorf("Unknown.Expr = %#v", u.Expr)
	}
	// No resolver at all: resources are unknown, everything else works.
	e.Resolver = nil
	got, err = e.Eval(yv(t, `[!Ref Known, !Ref Str]`), "P")
	if err != nil || !IsUnknown(got.([]any)[0]) || got.([]any)[1] != "hello" {
		t.Errorf("no resolver: %#v %v", got, err)
	}
}

func TestEvalConditions(t *testing.T) {
	tm := mustParse(t, `
Parameters:
  Env: {Type: String, Default: prod}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [{Condition: IsProd}]
  Both: !And [{Condition: IsProd}, !Or [{Condition: NotProd}, !Equals [a, a]]]
  Lit: true
Resources:
  R: {Type: AWS::S3::Bucket, Condition: NotProd}
Outputs:
  O: {Value: x, Condition: IsProd}
`)
	params, err := ResolveParameters(tm, ParamInput{})
	if err != nil {
		t.Fatal(err)
	}
	e := &Evaluator{T: tm, Params: params}
	if err := e.EvalConditions(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"IsProd": true, "NotProd": false, "Both": true, "Lit": true}
	if !reflect.DeepEqual(e.Conditions, want) {
		t.Errorf("conditions = %v", e.Conditions)
	}
	if inc, _ := e.ResourceIncluded(tm.Resource("R")); inc {
		t.Error("R should be excluded")
	}
	if inc, _ := e.OutputIncluded(tm.Outputs[0]); !inc {
		t.Error("O should be included")
	}

	cyc := mustParse(t, `
Conditions:
  A: !And [{Condition: B}, !Equals [a, a]]
  B: !Or [{Condition: C}, !Equals [a, b]]
  C: !Not [{Condition: A}]
Resources:
  R: {Type: X::Y::Z}
`)
	e = &Evaluator{T: cyc}
	err = e.EvalConditions()
	if err == nil || !strings.Contains(err.Error(), "Circular dependency between conditions: [A, B, C]") {
		t.Errorf("cycle error = %v", err)
	}
	unknownCond := mustParse(t, `
Conditions:
  A: !Equals [!Ref R, x]
Resources:
  R: {Type: X::Y::Z}
`)
	e = &Evaluator{T: unknownCond}
	if err := e.EvalConditions(); err == nil {
		t.Error("condition over a resource evaluated")
	}
}

func TestPseudoDefaults(t *testing.T) {
	for region, want := range map[string][2]string{
		"cn-north-1":    {"aws-cn", "amazonaws.com.cn"},
		"us-gov-west-1": {"aws-us-gov", "amazonaws.com"},
		"us-east-1":     {"aws", "amazonaws.com"},
	} {
		p := Pseudo{Region: region}
		if p.partition() != want[0] || p.urlSuffix() != want[1] {
			t.Errorf("%s: %s %s", region, p.partition(), p.urlSuffix())
		}
	}
	e := &Evaluator{T: &Template{}, Pseudo: Pseudo{Partition: "aws-x", URLSuffix: "x.com"}}
	if v, _ := e.Eval(map[string]any{"Ref": "AWS::Partition"}, ""); v != "aws-x" {
		t.Errorf("partition = %v", v)
	}
	if v, _ := e.Eval(map[string]any{"Ref": "AWS::NotificationARNs"}, ""); !reflect.DeepEqual(v, []any{}) {
		t.Errorf("empty NotificationARNs = %#v", v)
	}
}

func TestLanguageExtensionFunctionsNeedTransform(t *testing.T) {
	tm := mustParse(t, "Mappings: {M: {a: {b: c}}}\nResources: {R: {Type: X::Y::Z}}")
	e := &Evaluator{T: tm}
	for _, expr := range []string{`!Length [a]`, `!ToJsonString {a: b}`, `!FindInMap [M, a, x, {DefaultValue: d}]`} {
		if _, err := e.Eval(yv(t, expr), "P"); err == nil {
			t.Errorf("%s evaluated without the transform", expr)
		}
	}
}

func TestDependencies(t *testing.T) {
	tm := mustParse(t, `
Parameters:
  P: {Type: String}
Resources:
  A:
    Type: X::Y::Z
    DependsOn: [D, C]
    Properties:
      R: !Ref B
      G: !GetAtt C.Arn
      S: !Sub "${B}-${P}-${AWS::Region}-${E.Arn}-${!F}-${Local}"
      S2: !Sub ["${Local}", {Local: !Ref D}]
      I: !If [Cond, !Ref E, !Ref AWS::NoValue]
      Attr: !GetAtt [C, !Ref P]
    Metadata:
      Ignored: !Ref F
  B: {Type: X::Y::Z}
  C: {Type: X::Y::Z}
  D: {Type: X::Y::Z}
  E: {Type: X::Y::Z}
  F: {Type: X::Y::Z}
Outputs:
  O:
    Value: !Join [",", [!Ref A, !GetAtt B.Arn]]
    Export: {Name: !Sub "${C}"}
`)
	if got := tm.Dependencies("A"); !reflect.DeepEqual(got, []string{"B", "C", "D", "E"}) {
		t.Errorf("Dependencies(A) = %v", got)
	}
	if got := tm.Dependencies("B"); got != nil {
		t.Errorf("Dependencies(B) = %v", got)
	}
	if got := tm.Dependencies("Nope"); got != nil {
		t.Errorf("Dependencies(Nope) = %v", got)
	}
	if got := tm.OutputDependencies(tm.Outputs[0]); !reflect.DeepEqual(got, []string{"A", "B", "C"}) {
		t.Errorf("OutputDependencies = %v", got)
	}
}

func TestParseSub(t *testing.T) {
	parts := parseSub("a${B}c${!D}e${F.G}${")
	var got []string
	for _, p := range parts {
		if p.isVar {
			got = append(got, "<"+p.text+">")
		} else {
			got = append(got, p.text)
		}
	}
	if strings.Join(got, "|") != "a|<B>|c${D}e|<F.G>|${" {
		t.Errorf("parseSub = %v", got)
	}
}
