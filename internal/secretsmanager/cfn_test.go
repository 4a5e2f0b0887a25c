package secretsmanager

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

func secretProviderOf(e *Engine) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == "AWS::SecretsManager::Secret" {
			return p
		}
	}
	panic("no AWS::SecretsManager::Secret provider")
}

func TestSecretProviderConformance(t *testing.T) {
	e := newTestEngine(t)
	check := func(t *testing.T, c context.Context, id string, props map[string]any) {
		t.Helper()
		d, err := e.DescribeSecret(c, id)
		if err != nil {
			t.Fatalf("engine: %v", err)
		}
		if d.ARN != id || d.Description != fmt.Sprint(props["Description"]) {
			t.Fatalf("engine has %+v, template %v", d, props)
		}
		v, err := e.GetSecretValue(c, id, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := props["SecretString"]; ok && v.SecretString != s {
			t.Fatalf("value %q, want %q", v.SecretString, s)
		}
		if g, ok := props["GenerateSecretString"].(map[string]any); ok {
			var doc map[string]string
			if err := json.Unmarshal([]byte(v.SecretString), &doc); err != nil {
				t.Fatalf("generated value is not the template's JSON: %q", v.SecretString)
			}
			if doc["username"] != "admin" || len(doc[g["GenerateStringKey"].(string)]) != 24 || strings.ContainsAny(doc["password"], `"@/\`) {
				t.Fatalf("generated %q", v.SecretString)
			}
		}
		if tags, ok := props["Tags"].([]any); ok && len(d.Tags) != len(tags) {
			t.Fatalf("tags %v, want %v", d.Tags, tags)
		}
	}
	providertest.Run(t, secretProviderOf(e), providertest.Case{
		Create: map[string]any{"Description": "first", "SecretString": "s3cret",
			"Tags": []any{map[string]any{"Key": "team", "Value": "web"}, map[string]any{"Key": "env", "Value": "dev"}}},
		Update: map[string]any{"Description": "second", "KmsKeyId": "alias/custom",
			"GenerateSecretString": map[string]any{"SecretStringTemplate": `{"username":"admin"}`, "GenerateStringKey": "password",
				"PasswordLength": json.Number("24"), "ExcludeCharacters": `"@/\`},
			"Tags": []any{map[string]any{"Key": "team", "Value": "api"}}},
		Replace: map[string]any{"Name": "conformance/explicit", "Description": "third", "SecretString": "other"},
		Check:   check,
		Gone: func(t *testing.T, c context.Context, id string) {
			if _, err := e.DescribeSecret(c, id); !ErrResourceNotFound.Is(err) {
				t.Fatalf("secret %s still exists (CloudFormation deletes without recovery): %v", id, err)
			}
		},
	})
}

func TestSecretProviderRules(t *testing.T) {
	e := newTestEngine(t)
	p := secretProviderOf(e)
	stack := provider.StackInfo{Name: "web", ID: "arn:aws:cloudformation:us-east-1:123456789012:stack/web/1", AccountID: acct, Region: region,
		Tags: map[string]string{"stack": "tag"}}
	req := &provider.Request{LogicalID: "DbSecret", Type: p.Type(), Stack: stack, Suffix: "AbCdEfGhIjKl",
		Properties: map[string]any{"GenerateSecretString": map[string]any{}}}
	id, err := p.PhysicalID(req)
	if err != nil || !strings.HasPrefix(id, "arn:aws:secretsmanager:us-east-1:123456789012:secret:DbSecret-AbCdEfGhIjKl-") || len(id) != len("arn:aws:secretsmanager:us-east-1:123456789012:secret:DbSecret-AbCdEfGhIjKl-")+6 {
		t.Fatalf("physical id %q %v", id, err)
	}
	again, _ := p.PhysicalID(req)
	if again != id {
		t.Fatal("PhysicalID is not stable")
	}
	res, err := p.Create(ctx, req)
	if err != nil || res.PhysicalID != id || res.Attributes["Id"] != id {
		t.Fatalf("create: %+v %v", res, err)
	}
	// An empty GenerateSecretString (what the CDK emits) generates a
	// 32-character password with every character type.
	v, err := e.GetSecretValue(ctx, id, "", "")
	if err != nil || len(v.SecretString) != 32 || !strings.ContainsAny(v.SecretString, digitChars) || !strings.ContainsAny(v.SecretString, punctChars) {
		t.Fatalf("generated %+v %v", v, err)
	}
	// Stack tags propagate but are not reported as the resource's own.
	d, _ := e.DescribeSecret(ctx, id)
	if fmt.Sprint(d.Tags) != "[{stack tag}]" {
		t.Fatalf("tags %v", d.Tags)
	}
	read, err := p.Read(ctx, &provider.Request{PhysicalID: id, Stack: stack, Properties: req.Properties})
	if err != nil || len(read.Properties["Tags"].([]any)) != 0 {
		t.Fatalf("read: %+v %v", read, err)
	}
	// Write-only properties are not drift; the description is.
	if _, err := e.UpdateSecret(ctx, UpdateSecretInput{SecretID: id, Description: str("changed"), SecretString: str("new"), ClientRequestToken: token(1)}); err != nil {
		t.Fatal(err)
	}
	tmpl := map[string]any{"Description": "", "GenerateSecretString": map[string]any{}}
	read, _ = p.Read(ctx, &provider.Request{PhysicalID: id, Stack: stack, Properties: tmpl})
	if dd := provider.Diff(tmpl, read.Properties, p.Schema()); len(dd) != 1 || dd[0].PropertyPath != "/Description" {
		t.Fatalf("drift %+v", dd)
	}
	bad := []struct {
		props map[string]any
		want  string
	}{
		{map[string]any{"SecretString": "a", "GenerateSecretString": map[string]any{}}, "can't specify both SecretString and GenerateSecretString"},
		{map[string]any{"GenerateSecretString": map[string]any{"SecretStringTemplate": `{"a":1}`}}, "SecretStringTemplate and GenerateStringKey must both be set or removed."},
		{map[string]any{"GenerateSecretString": map[string]any{"SecretStringTemplate": `[1]`, "GenerateStringKey": "k"}}, "JSON object"},
		{map[string]any{"GenerateSecretString": map[string]any{"Bogus": true}}, "#/GenerateSecretString: extraneous key [Bogus]"},
		{map[string]any{"ReplicaRegions": []any{map[string]any{"Region": "eu-west-1"}}}, "ReplicaRegions"},
		{map[string]any{"Name": "bad name"}, "Invalid name"},
		{map[string]any{"Bogus": 1}, "extraneous key [Bogus]"},
	}
	for _, b := range bad {
		_, err := p.PhysicalID(&provider.Request{LogicalID: "X", Stack: stack, Suffix: "S", Properties: b.props})
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: got %v, want %q", b.props, err, b.want)
		}
	}
	// A secret scheduled for deletion reads as gone; delete then purges it.
	e.DeleteSecret(ctx, id, nil, false)
	if _, err := p.Read(ctx, &provider.Request{PhysicalID: id, Stack: stack}); err == nil {
		t.Fatal("secret marked for deletion read as present")
	}
	if err := p.Delete(ctx, &provider.Request{PhysicalID: id, Stack: stack}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DescribeSecret(ctx, id); !ErrResourceNotFound.Is(err) {
		t.Fatalf("not purged: %v", err)
	}
}

func TestGenerateValueKeepsTemplateOrder(t *testing.T) {
	v, err := generateValue(map[string]any{"SecretStringTemplate": `{"username": "admin", "host": "db"}`, "GenerateStringKey": "password",
		"PasswordLength": json.Number("8"), "ExcludePunctuation": true})
	if err != nil || !strings.HasPrefix(v, `{"username":"admin","host":"db","password":"`) || len(v) != len(`{"username":"admin","host":"db","password":"12345678"}`) {
		t.Fatalf("got %q %v", v, err)
	}
	v, _ = generateValue(map[string]any{"SecretStringTemplate": `{}`, "GenerateStringKey": "k", "PasswordLength": json.Number("4")})
	if !strings.HasPrefix(v, `{"k":"`) {
		t.Fatalf("empty template: %q", v)
	}
}
