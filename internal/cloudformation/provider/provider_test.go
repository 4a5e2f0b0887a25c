package provider

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	cases := []struct {
		stack, logical string
		max            int
		lower          bool
		want           string
	}{
		{"web", "Bucket", 63, true, "web-bucket-abcdef123456"},
		{"web", "Param", 2048, false, "web-Param-ABCDEF123456"},
		{strings.Repeat("s", 60), strings.Repeat("L", 60), 64, false, strings.Repeat("s", 25) + "-" + strings.Repeat("L", 25) + "-ABCDEF123456"},
		{"short", strings.Repeat("L", 80), 64, false, "short-" + strings.Repeat("L", 45) + "-ABCDEF123456"},
	}
	for _, c := range cases {
		got := Name(&Request{LogicalID: c.logical, Stack: StackInfo{Name: c.stack}, Suffix: "ABCDEF123456"}, c.max, c.lower)
		if got != c.want {
			t.Errorf("Name(%q,%q,%d) = %q, want %q", c.stack, c.logical, c.max, got, c.want)
		}
		if len(got) > c.max {
			t.Errorf("Name too long: %d > %d", len(got), c.max)
		}
	}
}

func TestDiff(t *testing.T) {
	schema := &Schema{Unordered: []string{"Tags"}, WriteOnly: []string{"Secret"}}
	exp := map[string]any{
		"Value":  "v1",
		"Count":  json.Number("5"),
		"Secret": "x",
		"Tags":   []any{map[string]any{"Key": "a", "Value": "1"}, map[string]any{"Key": "b", "Value": "2"}},
		"Nested": map[string]any{"A": "x", "B": true},
	}
	act := map[string]any{
		"Value":  "v2",
		"Count":  "5",
		"Tags":   []any{map[string]any{"Key": "b", "Value": "2"}, map[string]any{"Key": "a", "Value": "1"}},
		"Nested": map[string]any{"A": "x", "B": "false", "C": "extra"},
		"Other":  "not in template",
	}
	got := Diff(exp, act, schema)
	want := []PropertyDifference{
		{"/Nested/B", "true", "false", "NOT_EQUAL"},
		{"/Nested/C", "null", "extra", "ADD"},
		{"/Value", "v1", "v2", "NOT_EQUAL"},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("diff %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if d := Diff(map[string]any{"Gone": "x"}, map[string]any{}, nil); len(d) != 1 || d[0].DifferenceType != "REMOVE" {
		t.Errorf("missing property: %+v", d)
	}
}

func TestPropsCollectsEveryProblem(t *testing.T) {
	p := Read(map[string]any{"Type": map[string]any{}, "Bogus": "x", "Limit": "abc"},
		&Schema{Properties: []string{"Type", "Value", "Limit"}, Required: []string{"Value"}})
	_ = p.String("Type")
	_ = p.Int("Limit", 0)
	err := p.Err()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"required key [Value] not found", "extraneous key [Bogus]", "#/Type: expected type: String, found: JSONObject", "#/Limit: expected type: Integer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestShapeLikeSet(t *testing.T) {
	actual := []any{
		map[string]any{"Id": "10.0.0.3", "Port": json.Number("80")},
		map[string]any{"Id": "10.0.0.9", "Port": json.Number("80")},
		map[string]any{"Id": "10.0.0.2", "Port": json.Number("8082")},
	}
	tmpl := []any{
		map[string]any{"Id": "10.0.0.2", "Port": json.Number("8082")},
		map[string]any{"Id": "10.0.0.3"},
	}
	got := ShapeLikeSet(actual, tmpl)
	want := []any{
		map[string]any{"Id": "10.0.0.2", "Port": json.Number("8082")},
		map[string]any{"Id": "10.0.0.3"},
		map[string]any{"Id": "10.0.0.9", "Port": json.Number("80")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ShapeLikeSet = %v, want %v", got, want)
	}
}
