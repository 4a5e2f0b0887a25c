package template

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeResolver answers every resource reference with a deterministic value;
// resources whose logical ID starts with "Pending" are not created yet.
type fakeResolver struct{}

func (fakeResolver) Ref(id string) (any, error) {
	if strings.HasPrefix(id, "Pending") {
		return nil, ErrUnknown
	}
	return "phys-" + id, nil
}

func (fakeResolver) GetAtt(id, attr string) (any, error) {
	if strings.HasPrefix(id, "Pending") {
		return nil, ErrUnknown
	}
	if attr == "Ipv6CidrBlocks" {
		return []any{"2001:db8:1234:1a00::/56"}, nil
	}
	return "attr-" + id + "-" + attr, nil
}

func (fakeResolver) ImportValue(name string) (string, error) {
	if name == "Missing" {
		return "", fmt.Errorf("No export named %s found.", name)
	}
	return "import-" + name, nil
}

func (fakeResolver) StackOutput(stack, output string) (string, error) {
	return "output-" + stack + "-" + output, nil
}

var goldenPseudo = Pseudo{
	AccountID: "123456789012", Region: "us-east-1", StackName: "golden",
	StackID: "arn:aws:cloudformation:us-east-1:123456789012:stack/golden/1",
}

func goldenSupported(typ string) bool {
	return !strings.HasPrefix(typ, "AWS::Unsupported") && typ != "AWS::Foo::Bar"
}

func goldenInputs(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if ext := filepath.Ext(f); ext == ".yaml" || ext == ".json" || ext == ".yml" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// renderGolden produces the golden text for one input: the error text, or
// the parsed long-form template plus evaluated resources and outputs.
func renderGolden(body []byte) string {
	t, err := Parse(body)
	if err != nil {
		return "PARSE ERROR:\n" + errLines(err)
	}
	if err := Validate(t, ValidateOptions{IsSupportedType: goldenSupported}); err != nil {
		return "VALIDATION ERROR:\n" + errLines(err)
	}
	result := map[string]any{"template": t.Raw}
	params, err := ResolveParameters(t, ParamInput{LookupSSM: func(name string) (string, error) {
		if strings.Contains(name, "missing") {
			return "", errors.New("not found")
		}
		if strings.Contains(name, "old") {
			return "3", nil
		}
		return "6", nil
	}})
	if err != nil {
		result["parametersError"] = err.Error()
		return dumpJSON(result)
	}
	exp, err := Expand(t, params, goldenPseudo)
	if err != nil {
		result["expandError"] = err.Error()
		return dumpJSON(result)
	}
	if exp != t {
		result["expanded"] = exp.Raw
	}
	ev := &Evaluator{T: exp, Params: params, Pseudo: goldenPseudo, Resolver: fakeResolver{}}
	if err := ev.EvalRules(); err != nil {
		result["rulesError"] = err.Error()
	}
	if err := ev.EvalConditions(); err != nil {
		result["conditionsError"] = err.Error()
		return dumpJSON(result)
	}
	result["conditions"] = ev.Conditions
	evaluated := map[string]any{}
	for _, r := range exp.Resources {
		inc, err := ev.ResourceIncluded(r)
		if err != nil || !inc {
			continue
		}
		v, err := ev.Eval(r.Properties, "Resources/"+r.LogicalID+"/Properties")
		if err != nil {
			evaluated[r.LogicalID] = "ERROR: " + err.Error()
			continue
		}
		evaluated[r.LogicalID] = showUnknown(v)
	}
	result["resources"] = evaluated
	outputs := map[string]any{}
	for _, o := range exp.Outputs {
		inc, err := ev.OutputIncluded(o)
		if err != nil || !inc {
			continue
		}
		v, err := ev.Eval(o.Value, "Outputs/"+o.LogicalID+"/Value")
		if err != nil {
			outputs[o.LogicalID] = "ERROR: " + err.Error()
			continue
		}
		outputs[o.LogicalID] = showUnknown(v)
	}
	result["outputs"] = outputs
	deps := map[string]any{}
	for _, r := range exp.Resources {
		if d := exp.Dependencies(r.LogicalID); len(d) > 0 {
			deps[r.LogicalID] = d
		}
	}
	result["dependencies"] = deps
	result["types"] = DeclaredTypes(exp)
	return dumpJSON(result)
}

func showUnknown(v any) any {
	switch x := v.(type) {
	case Unknown:
		return map[string]any{"<unknown>": x.Expr}
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[k] = showUnknown(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = showUnknown(item)
		}
		return out
	}
	return v
}

func errLines(err error) string {
	var ds Diagnostics
	if errors.As(err, &ds) {
		var b strings.Builder
		for _, d := range ds {
			b.WriteString(d.Error())
			b.WriteString("\n")
		}
		return b.String()
	}
	return err.Error() + "\n"
}

func dumpJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "MARSHAL ERROR: " + err.Error() + "\n"
	}
	return string(b) + "\n"
}

func TestGolden(t *testing.T) {
	inputs := goldenInputs(t)
	if len(inputs) < 25 {
		t.Errorf("only %d golden cases, want at least 25", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := renderGolden(body)
			goldenPath := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("golden mismatch for %s (run with -update to accept)\n--- got ---\n%s\n--- want ---\n%s", in, got, want)
			}
		})
	}
}
