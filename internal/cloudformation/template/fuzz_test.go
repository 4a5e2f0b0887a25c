package template

import (
	"os"
	"strings"
	"testing"
)

func addGoldenSeeds(f *testing.F) {
	for _, in := range goldenInputs(f) {
		body, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
}

// FuzzParse checks that no input can make Parse or Validate panic.
func FuzzParse(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		tmpl, err := Parse(body)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		_ = Validate(tmpl, ValidateOptions{IsSupportedType: goldenSupported})
		_ = Validate(tmpl, ValidateOptions{})
		for _, r := range tmpl.Resources {
			_ = tmpl.Dependencies(r.LogicalID)
		}
		_ = DeclaredTypes(tmpl)
	})
}

// FuzzEval checks that resolving parameters, expanding and evaluating every
// part of an arbitrary template never panics.
func FuzzEval(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		tmpl, err := Parse(body)
		if err != nil {
			return
		}
		given := map[string]string{}
		for _, p := range tmpl.Parameters {
			if p.Default == nil {
				given[p.Name] = "1"
			}
		}
		params, err := ResolveParameters(tmpl, ParamInput{Given: given, LookupSSM: func(name string) (string, error) {
			return "6," + name, nil
		}})
		if err != nil {
			// Evaluate anyway with whatever we can: errors are fine, panics
			// are not.
			params = map[string]ParamValue{}
		}
		exp, err := Expand(tmpl, params, goldenPseudo)
		if err != nil {
			exp = tmpl
		}
		ev := &Evaluator{T: exp, Params: params, Pseudo: goldenPseudo, Resolver: fakeResolver{}}
		_ = ev.EvalRules()
		_ = ev.EvalConditions()
		for _, r := range exp.Resources {
			_, _ = ev.ResourceIncluded(r)
			v, err := ev.Eval(r.Properties, "Resources/"+r.LogicalID+"/Properties")
			if err == nil {
				_, _ = ResolveDynamicRefsIn(v, func(service, ref string) (string, error) {
					if service == "secretsmanager" {
						_, err := ParseSecretsManagerRef(ref)
						return "s", err
					}
					return strings.ToUpper(ref), nil
				})
			}
			_, _ = ev.Eval(r.Metadata, "Resources/"+r.LogicalID+"/Metadata")
		}
		for _, o := range exp.Outputs {
			_, _ = ev.Eval(o.Value, "Outputs/"+o.LogicalID+"/Value")
			_, _ = ev.Eval(o.ExportName, "Outputs/"+o.LogicalID+"/Export/Name")
			_ = exp.OutputDependencies(o)
		}
		// Evaluate with no resolver too: everything resource-bound is Unknown.
		ev2 := &Evaluator{T: exp, Params: params, Pseudo: goldenPseudo}
		for _, r := range exp.Resources {
			_, _ = ev2.Eval(r.Properties, "Resources/"+r.LogicalID+"/Properties")
		}
	})
}

// FuzzIntrinsics places an arbitrary YAML expression inside a template that
// has parameters, mappings, conditions and resources of every kind, so the
// fuzzer spends its time in the intrinsic functions rather than in YAML
// syntax.
func FuzzIntrinsics(f *testing.F) {
	for _, s := range []string{
		`!Ref Str`, `!Sub "${Str}-${Known.Arn}-${!x}"`, `!Join [",", !Ref CDL]`,
		`!Select [1, !Split [",", "a,b"]]`, `!FindInMap [M, top, missing, {DefaultValue: d}]`,
		`!If [IsTrue, !Ref Pending, !Ref AWS::NoValue]`, `!Cidr ["10.0.0.0/16", 3, 8]`,
		`!Cidr ["2001:db8::/56", 2, 64]`, `!GetAZs ""`, `!ImportValue x`, `!Length [a]`,
		`!ToJsonString {a: [1, !Ref Pending]}`, `!And [!Equals [a, a], {Condition: IsTrue}]`,
		`{"Fn::GetStackOutput": {StackName: a, OutputName: b}}`, `!Base64 x`, `!GetAtt [Known, !Ref Str]`,
		`!Contains [[a], a]`, `{"Fn::ForEach::L": [I, [a], {"K${I}": !Ref I}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		if strings.Contains(expr, "\n") {
			expr = strings.ReplaceAll(expr, "\n", " ")
		}
		body := evalTemplate + "  Fuzz:\n    Type: X::Y::Z\n    Properties:\n      P: " + expr + "\n" +
			"Outputs:\n  O:\n    Value: " + expr + "\n" +
			"Rules:\n  R:\n    Assertions:\n      - Assert: " + expr + "\n"
		tm, err := Parse([]byte(body))
		if err != nil {
			return
		}
		_ = Validate(tm, ValidateOptions{})
		params, err := ResolveParameters(tm, ParamInput{LookupSSM: func(string) (string, error) { return "a,b", nil }})
		if err != nil {
			return
		}
		exp, err := Expand(tm, params, goldenPseudo)
		if err != nil {
			exp = tm
		}
		for _, res := range []Resolver{testResolver{}, nil} {
			e := &Evaluator{T: exp, Params: params, Pseudo: goldenPseudo, Resolver: res}
			_ = e.EvalRules()
			_ = e.EvalConditions()
			for _, r := range exp.Resources {
				_, _ = e.Eval(r.Properties, "Resources/"+r.LogicalID+"/Properties")
			}
			for _, o := range exp.Outputs {
				_, _ = e.Eval(o.Value, "Outputs/"+o.LogicalID+"/Value")
			}
		}
		_ = exp.Dependencies("Fuzz")
	})
}
