package logs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
	"github.com/skiff-dev/skiff/internal/logs"
	"github.com/skiff-dev/skiff/internal/store"
)

func TestLogGroupProvider(t *testing.T) {
	e := logs.New(store.NewMemory())
	p := e.Providers()[0]
	if p.Type() != "AWS::Logs::LogGroup" {
		t.Fatal(p.Type())
	}
	dpp := map[string]any{"Name": "policy", "Version": "2021-06-01", "Statement": []any{}}
	providertest.Run(t, p, providertest.Case{
		Create: map[string]any{"RetentionInDays": json.Number("7"), "Tags": []any{map[string]any{"Key": "team", "Value": "a"}}},
		Update: map[string]any{
			"RetentionInDays":      "30",
			"KmsKeyId":             "arn:aws:kms:us-east-1:123456789012:key/abc",
			"Tags":                 []any{map[string]any{"Key": "team", "Value": "b"}, map[string]any{"Key": "env", "Value": "dev"}},
			"DataProtectionPolicy": dpp,
		},
		Replace: map[string]any{"LogGroupName": "/explicit/name", "LogGroupClass": "INFREQUENT_ACCESS"},
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			g, err := e.GetLogGroup(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := provider.Scalar(props["RetentionInDays"])
			got, _ := provider.Scalar(int64(g.RetentionInDays))
			if want == "" {
				want = "0"
			}
			if got != want {
				t.Fatalf("retention %s, want %s", got, want)
			}
			if tags := provider.Read(props, nil).Tags("Tags"); len(tags) != len(g.Tags) {
				t.Fatalf("tags %v, want %v", g.Tags, tags)
			}
			if (props["DataProtectionPolicy"] != nil) != (g.DataProtectionPolicy != "") {
				t.Fatalf("data protection %q", g.DataProtectionPolicy)
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if _, err := e.GetLogGroup(ctx, id); !logs.ErrResourceNotFound.Is(err) {
				t.Fatalf("group %s still there: %v", id, err)
			}
		},
	})
	// Generated name and the Arn attribute.
	ctx := awsctx.With(context.Background(), providertest.Scope)
	req := &provider.Request{LogicalID: "Logs", Type: p.Type(), Stack: provider.StackInfo{Name: "web", Tags: map[string]string{"cost": "1"}}, Suffix: "ABC"}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.PhysicalID != "web-Logs-ABC" || res.Attributes["Arn"] != "arn:aws:logs:us-east-1:123456789012:log-group:web-Logs-ABC:*" {
		t.Fatalf("result %+v", res)
	}
	if g, _ := e.GetLogGroup(ctx, res.PhysicalID); g.Tags["cost"] != "1" {
		t.Fatalf("stack tags not propagated: %v", g.Tags)
	}
	if _, err := p.PhysicalID(&provider.Request{Properties: map[string]any{"RetentionInDays": 4}}); err == nil {
		t.Fatal("RetentionInDays 4 accepted")
	}
}
