package template

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, body string) *Template {
	t.Helper()
	tm, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tm
}

func TestParseShortForms(t *testing.T) {
	tm := mustParse(t, `
Resources:
  R:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref X
      B: !GetAtt Res.Attr.With.Dots
      C: !GetAtt [Res, Attr]
      D: !Sub "x"
      E: !Condition C
      F: !Select [0, !GetAZs ""]
      G: !ForEach [a, b]
      H: !ToJsonString {a: 1}
      I: !Length [1]
      J: !Transform {Name: X}
      K: !ImportValue v
      L: !Base64 s
      M: !Cidr [a, 1, 2]
      N: !Not [!Equals [a, b]]
      O: !And [!Or [a, b], c]
      P: !If [c, a, b]
      Q: !Split [",", s]
      S: !Join [",", [a]]
      T: !FindInMap [a, b, c]
      U: !GetAtt
        - Res
        - !Ref Attr
`)
	props := tm.Resources[0].Properties
	want := map[string]any{
		"A": map[string]any{"Ref": "X"},
		"B": map[string]any{"Fn::GetAtt": []any{"Res", "Attr.With.Dots"}},
		"C": map[string]any{"Fn::GetAtt": []any{"Res", "Attr"}},
		"D": map[string]any{"Fn::Sub": "x"},
		"E": map[string]any{"Condition": "C"},
		"F": map[string]any{"Fn::Select": []any{json.Number("0"), map[string]any{"Fn::GetAZs": ""}}},
		"G": map[string]any{"Fn::ForEach": []any{"a", "b"}},
		"H": map[string]any{"Fn::ToJsonString": map[string]any{"a": json.Number("1")}},
		"I": map[string]any{"Fn::Length": []any{json.Number("1")}},
		"J": map[string]any{"Fn::Transform": map[string]any{"Name": "X"}},
		"K": map[string]any{"Fn::ImportValue": "v"},
		"L": map[string]any{"Fn::Base64": "s"},
		"M": map[string]any{"Fn::Cidr": []any{"a", json.Number("1"), json.Number("2")}},
		"N": map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{"a", "b"}}}},
		"O": map[string]any{"Fn::And": []any{map[string]any{"Fn::Or": []any{"a", "b"}}, "c"}},
		"P": map[string]any{"Fn::If": []any{"c", "a", "b"}},
		"Q": map[string]any{"Fn::Split": []any{",", "s"}},
		"S": map[string]any{"Fn::Join": []any{",", []any{"a"}}},
		"T": map[string]any{"Fn::FindInMap": []any{"a", "b", "c"}},
		"U": map[string]any{"Fn::GetAtt": []any{"Res", map[string]any{"Ref": "Attr"}}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(props[k], w) {
			t.Errorf("%s = %#v, want %#v", k, props[k], w)
		}
	}
}

func TestParseScalars(t *testing.T) {
	tm := mustParse(t, `
AWSTemplateFormatVersion: 2010-09-09
Resources:
  R:
    Type: T::T::T
    Properties:
      Int: 42
      Float: 1.50
      Exp: 1e3
      Hex: 0x1F
      Plus: +7
      Lead: 007
      Bool: true
      YesIsString: yes
      Null: null
      Quoted: "42"
      Inf: .inf
`)
	if tm.FormatVersion != "2010-09-09" {
		t.Errorf("FormatVersion = %q", tm.FormatVersion)
	}
	p := tm.Resources[0].Properties
	checks := map[string]any{
		"Int": json.Number("42"), "Float": json.Number("1.50"), "Exp": json.Number("1e3"),
		"Hex": json.Number("31"), "Plus": json.Number("7"), "Lead": "007", "Bool": true,
		"YesIsString": "yes", "Null": nil, "Quoted": "42", "Inf": ".inf",
	}
	for k, w := range checks {
		if !reflect.DeepEqual(p[k], w) {
			t.Errorf("%s = %#v, want %#v", k, p[k], w)
		}
	}
	// Every value must survive JSON encoding (GetTemplate returns it).
	if _, err := json.Marshal(tm.Raw); err != nil {
		t.Errorf("Raw does not marshal: %v", err)
	}
}

func TestParsePositions(t *testing.T) {
	yamlBody := "Resources:\n  MyBucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n      Tags:\n        - Key: k\n          Value: v\n"
	jsonBody := "{\n  \"Resources\": {\n    \"MyBucket\": {\n      \"Type\": \"AWS::S3::Bucket\",\n      \"Properties\": {\n        \"BucketName\": {\"Ref\": \"Name\"},\n        \"Tags\": [\n          {\"Key\": \"k\", \"Value\": \"v\"}\n        ]\n      }\n    }\n  }\n}\n"
	cases := []struct {
		body string
		path string
		line int
		col  int
	}{
		{yamlBody, "Resources", 1, 1},
		{yamlBody, "Resources/MyBucket", 2, 3},
		{yamlBody, "Resources/MyBucket/Properties/BucketName", 5, 7},
		{yamlBody, "Resources/MyBucket/Properties/BucketName/Ref", 5, 19},
		{yamlBody, "Resources/MyBucket/Properties/Tags/0", 7, 11},
		{yamlBody, "Resources/MyBucket/Properties/Tags/0/Value", 8, 11},
		{yamlBody, "Resources/MyBucket/Properties/Nope", 4, 5}, // falls back to parent
		{jsonBody, "Resources", 2, 3},
		{jsonBody, "Resources/MyBucket", 3, 5},
		{jsonBody, "Resources/MyBucket/Properties/BucketName/Ref", 6, 24},
		{jsonBody, "Resources/MyBucket/Properties/Tags/0", 8, 11},
		{jsonBody, "Resources/MyBucket/Properties/Tags/0/Value", 8, 24},
	}
	for _, c := range cases {
		tm := mustParse(t, c.body)
		l, col, ok := tm.Pos(c.path)
		if !ok || l != c.line || col != c.col {
			t.Errorf("Pos(%s) = %d,%d,%v want %d,%d", c.path, l, col, ok, c.line, c.col)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"Resources:\n  A:\n    Type: x\n  A:\n    Type: y\n", "Template format error: YAML not well-formed. Duplicate key 'A' (line 4, column 3)"},
		{`{"Resources": {"A": {}, "A": {}}}`, "Template format error: JSON not well-formed. Duplicate key 'A' (line 1, column 25)"},
		{"{\n  \"Resources\": {,}\n}", "Template format error: JSON not well-formed. (line 2, column 17)"},
		{"{\"Resources\": {}} trailing", "Template format error: JSON not well-formed. (line 1, column 19)"},
		{"{\"Resources\": ", "Template format error: JSON not well-formed."},
		{"Resources:\n  A:\n    Type: x\n   Bad: [\n", "Template format error: YAML not well-formed. (line 4, column 4)"},
		{"a: *nope\n", "Template format error: YAML not well-formed. (line 1, column 1)"},
		{"- a\n- b\n", "Template format error: unsupported structure."},
		{"just a string", "Template format error: unsupported structure."},
		{"? [a, b]\n: c\n", "Mapping keys must be strings"},
		{"a: &x [*x]\n", "Template format error: YAML not well-formed."},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.body))
		if err == nil {
			t.Errorf("Parse(%q) succeeded", c.body)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %q, want %q", c.body, err.Error(), c.want)
		}
		var ds Diagnostics
		if !errors.As(err, &ds) {
			t.Errorf("Parse(%q) error is %T, want Diagnostics", c.body, err)
		}
	}
}

func TestParseBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		prev := "*a" + string(rune('0'+i-1))
		if i > 9 {
			prev = "*a" + string(rune('a'+i-10))
		}
		name := "a" + string(rune('0'+i))
		if i > 9 {
			name = "a" + string(rune('a'+i-10))
		}
		b.WriteString(name + ": &" + name + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	_, err := Parse([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("expected size error, got %v", err)
	}
}

func TestParseDeepNesting(t *testing.T) {
	body := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	if _, err := Parse([]byte("{\"a\": " + body + "}")); err == nil {
		t.Error("deep JSON accepted")
	}
	if _, err := Parse([]byte("a: " + body)); err == nil {
		t.Error("deep YAML accepted")
	}
}

func TestParseMergeKeys(t *testing.T) {
	tm := mustParse(t, `
Defaults: &d
  Type: AWS::SQS::Queue
  Properties: {A: 1}
Resources:
  Q:
    <<: *d
    Properties: {B: 2}
  R:
    <<: [*d, {Condition: C}]
Conditions:
  C: !Equals [a, a]
`)
	q := tm.Resource("Q")
	if q.Type != "AWS::SQS::Queue" || !reflect.DeepEqual(q.Properties, map[string]any{"B": json.Number("2")}) {
		t.Errorf("Q = %+v", q)
	}
	r := tm.Resource("R")
	if r.Type != "AWS::SQS::Queue" || r.Condition != "C" {
		t.Errorf("R = %+v", r)
	}
}

func TestParseBOMAndOrder(t *testing.T) {
	tm := mustParse(t, "\ufeff{\"Parameters\": {\"Z\": {\"Type\": \"String\"}, \"A\": {\"Type\": \"String\"}}, \"Resources\": {\"Second\": {\"Type\": \"A::B::C\"}, \"First\": {\"Type\": \"A::B::C\"}}, \"Outputs\": {\"O2\": {\"Value\": 1}, \"O1\": {\"Value\": 2}}}")
	var names []string
	for _, p := range tm.Parameters {
		names = append(names, p.Name)
	}
	for _, r := range tm.Resources {
		names = append(names, r.LogicalID)
	}
	for _, o := range tm.Outputs {
		names = append(names, o.LogicalID)
	}
	if got := strings.Join(names, ","); got != "Z,A,Second,First,O2,O1" {
		t.Errorf("order = %s", got)
	}
}

func TestParseTypedView(t *testing.T) {
	tm := mustParse(t, `
Description: d
Metadata: {M: 1}
Hooks: {H: {}}
Transform: [AWS::LanguageExtensions]
Parameters:
  P:
    Type: Number
    Default: 5
    AllowedValues: [5, 6]
    MinValue: 1
    MaxValue: "10"
    MinLength: 1
    MaxLength: 3
    NoEcho: "true"
    AllowedPattern: "[0-9]+"
    ConstraintDescription: digits
    Description: desc
Rules:
  R:
    RuleCondition: !Equals [a, a]
    Assertions:
      - Assert: !Equals [a, a]
        AssertDescription: ok
Mappings:
  M: {K: {A: v}}
Resources:
  X:
    Type: AWS::S3::Bucket
    DependsOn: Y
    DeletionPolicy: Retain
    UpdateReplacePolicy: Snapshot
    Metadata: {a: b}
    CreationPolicy: {ResourceSignal: {Count: 1}}
    UpdatePolicy: {AutoScalingRollingUpdate: {}}
  Y:
    Type: AWS::S3::Bucket
    DependsOn: [X]
Outputs:
  O:
    Description: od
    Condition: C
    Value: !Ref X
    Export: {Name: !Sub "${AWS::StackName}-o"}
`)
	p := tm.Parameters[0]
	if p.Type != "Number" || *p.Default != "5" || !reflect.DeepEqual(p.AllowedValues, []string{"5", "6"}) ||
		*p.MinValue != 1 || *p.MaxValue != 10 || *p.MinLength != 1 || *p.MaxLength != 3 || !p.NoEcho ||
		p.AllowedPattern != "[0-9]+" || p.ConstraintDescription != "digits" || p.Description != "desc" {
		t.Errorf("parameter = %+v", p)
	}
	x := tm.Resource("X")
	if !reflect.DeepEqual(x.DependsOn, []string{"Y"}) || x.DeletionPolicy != "Retain" || x.UpdateReplacePolicy != "Snapshot" ||
		x.Metadata["a"] != "b" || x.CreationPolicy == nil || x.UpdatePolicy == nil {
		t.Errorf("resource = %+v", x)
	}
	o := tm.Outputs[0]
	if o.Description != "od" || o.Condition != "C" || o.ExportName == nil {
		t.Errorf("output = %+v", o)
	}
	if tm.Description != "d" || tm.Metadata == nil || tm.Hooks == nil || !tm.HasTransform(LanguageExtensions) {
		t.Errorf("template = %+v", tm)
	}
	if r := tm.Rules["R"]; r == nil || r.RuleCondition == nil || len(r.Assertions) != 1 || r.Assertions[0].AssertDescription != "ok" {
		t.Errorf("rules = %+v", tm.Rules)
	}
	if tm.Mappings["M"]["K"]["A"] != "v" {
		t.Errorf("mappings = %+v", tm.Mappings)
	}
	if got := DeclaredTypes(tm); !reflect.DeepEqual(got, []string{"AWS::S3::Bucket"}) {
		t.Errorf("DeclaredTypes = %v", got)
	}
}

func TestDiagnosticsFormat(t *testing.T) {
	ds := Diagnostics{
		{Path: "Resources/X", Line: 3, Col: 5, Message: "Template error: a"},
		{Message: "Template format error: b", Line: 1, Col: 2},
		{Path: "Outputs", Message: "c"},
	}
	want := "Template error: a at Resources/X (line 3, column 5); Template format error: b (line 1, column 2); c at Outputs"
	if ds.Error() != want {
		t.Errorf("got %q", ds.Error())
	}
}

func TestParseYAMLFlowMapping(t *testing.T) {
	tm := mustParse(t, "{Resources: {R: {Type: !Sub 'X::Y::Z'}}}")
	if tm.Resource("R") == nil {
		t.Fatal("flow-style YAML not parsed")
	}
	// Broken JSON stays a JSON error.
	if _, err := Parse([]byte(`{"Resources": {"R": {"Type": "X::Y::Z",}}}`)); err == nil || !strings.Contains(err.Error(), "JSON not well-formed") {
		t.Errorf("got %v", err)
	}
}
