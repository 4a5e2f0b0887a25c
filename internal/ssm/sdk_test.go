package ssm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/seal"
	"github.com/skiff-dev/skiff/internal/skifftest"
	skiffssm "github.com/skiff-dev/skiff/internal/ssm"
	"github.com/skiff-dev/skiff/internal/store"
)

func startSSM(t testing.TB) (*ssm.Client, *skifftest.Server, *skiffssm.Engine) {
	t.Helper()
	s, err := seal.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := skiffssm.New(store.NewMemory(), s)
	srv := skifftest.Start(t, e.Service())
	return ssm.NewFromConfig(srv.Config()), srv, e
}

var bg = context.Background()

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestSDKPutGetDelete(t *testing.T) {
	c, _, _ := startSSM(t)
	out, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/app/url"), Value: aws.String("http://x"), Type: types.ParameterTypeString,
		Description: aws.String("the url"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Version != 1 || out.Tier != types.ParameterTierStandard {
		t.Fatalf("put: %+v", out)
	}
	_, err = c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/app/url"), Value: aws.String("x"), Type: types.ParameterTypeString})
	var exists *types.ParameterAlreadyExists
	if !errors.As(err, &exists) || exists.ErrorMessage() != "The parameter already exists. To overwrite this value, set the overwrite option in the request to true." {
		t.Fatalf("want ParameterAlreadyExists, got %v", err)
	}
	out, err = c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/app/url"), Value: aws.String("http://y"), Overwrite: aws.Bool(true)})
	if err != nil || out.Version != 2 {
		t.Fatalf("overwrite: %+v %v", out, err)
	}
	before := time.Now().Add(-time.Minute)
	g, err := c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/app/url")})
	if err != nil {
		t.Fatal(err)
	}
	p := g.Parameter
	if *p.Name != "/app/url" || *p.Value != "http://y" || p.Version != 2 || p.Type != types.ParameterTypeString ||
		*p.ARN != "arn:aws:ssm:us-east-1:123456789012:parameter/app/url" || *p.DataType != "text" || p.LastModifiedDate.Before(before) {
		t.Fatalf("get: %+v", p)
	}
	g, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/app/url:1")})
	if err != nil || *g.Parameter.Value != "http://x" || *g.Parameter.Selector != ":1" {
		t.Fatalf("selector: %+v %v", g, err)
	}
	_, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/app/url:3")})
	var vnf *types.ParameterVersionNotFound
	if !errors.As(err, &vnf) {
		t.Fatalf("want ParameterVersionNotFound, got %v", err)
	}
	if _, err := c.DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String("/app/url")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/app/url")})
	var nf *types.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("want ParameterNotFound, got %v", err)
	}
	_, err = c.DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String("/app/url")})
	if !errors.As(err, &nf) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestSDKTypedErrors(t *testing.T) {
	c, _, _ := startSSM(t)
	put := func(in *ssm.PutParameterInput) error { _, err := c.PutParameter(bg, in); return err }
	s := aws.String
	err := put(&ssm.PutParameterInput{Name: s("/" + strings.Repeat("a/", 16) + "x"), Value: s("v"), Type: types.ParameterTypeString})
	var hl *types.HierarchyLevelLimitExceededException
	if !errors.As(err, &hl) {
		t.Errorf("hierarchy: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/p"), Value: s("abc"), Type: types.ParameterTypeString, AllowedPattern: s(`^\d+$`)})
	var pm *types.ParameterPatternMismatchException
	if !errors.As(err, &pm) {
		t.Errorf("pattern: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/p"), Value: s("abc"), Type: types.ParameterTypeString, AllowedPattern: s(`(`)})
	var ip *types.InvalidAllowedPatternException
	if !errors.As(err, &ip) {
		t.Errorf("bad pattern: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/k"), Value: s("v"), Type: types.ParameterTypeSecureString, KeyId: s("nope")})
	var ik *types.InvalidKeyId
	if !errors.As(err, &ik) {
		t.Errorf("key: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/d"), Value: s("ami-12345678"), Type: types.ParameterTypeSecureString, DataType: s("aws:ec2:image")})
	var ut *types.UnsupportedParameterType
	if !errors.As(err, &ut) {
		t.Errorf("unsupported type: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("awsy"), Value: s("v"), Type: types.ParameterTypeString})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), `can't be prefixed with "aws" or "ssm"`) {
		t.Errorf("prefix: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/t"), Value: s("v"), Type: types.ParameterTypeString, Tier: types.ParameterTier("Gold")})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "1 validation error detected: Value 'Gold' at 'tier' failed to satisfy constraint") {
		t.Errorf("tier: %v", err)
	}
	err = put(&ssm.PutParameterInput{Name: s("/t"), Value: s("v"), Overwrite: aws.Bool(true), Type: types.ParameterTypeString, Tags: []types.Tag{{Key: s("a"), Value: s("b")}}})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "tags and overwrite can't be used together") {
		t.Errorf("tags+overwrite: %v", err)
	}
	_, err = c.DescribeParameters(bg, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: s("Label"), Values: []string{"x"}}}})
	var ifk *types.InvalidFilterKey
	if !errors.As(err, &ifk) {
		t.Errorf("filter key: %v", err)
	}
	_, err = c.DescribeParameters(bg, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: s("Tier"), Values: []string{"Gold"}}}})
	var ifv *types.InvalidFilterValue
	if !errors.As(err, &ifv) {
		t.Errorf("filter value: %v", err)
	}
	_, err = c.DescribeParameters(bg, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: s("Path"), Option: s("Deep"), Values: []string{"/a"}}}})
	var ifo *types.InvalidFilterOption
	if !errors.As(err, &ifo) {
		t.Errorf("filter option: %v", err)
	}
	_, err = c.DescribeParameters(bg, &ssm.DescribeParametersInput{NextToken: s("bogus")})
	var int_ *types.InvalidNextToken
	if !errors.As(err, &int_) {
		t.Errorf("next token: %v", err)
	}
	_, err = c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: s("/"), MaxResults: aws.Int32(11)})
	if apiCode(err) != "ValidationException" {
		t.Errorf("max results: %v", err)
	}
	_, err = c.AddTagsToResource(bg, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: s("/none"), Tags: []types.Tag{{Key: s("a"), Value: s("b")}}})
	var irid *types.InvalidResourceId
	if !errors.As(err, &irid) {
		t.Errorf("resource id: %v", err)
	}
}

func TestSDKSecureString(t *testing.T) {
	c, _, _ := startSSM(t)
	if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/db/pw"), Value: aws.String("p@ss"), Type: types.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	g, err := c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/db/pw")})
	if err != nil || *g.Parameter.Value == "p@ss" || g.Parameter.Type != types.ParameterTypeSecureString {
		t.Fatalf("no decryption: %+v %v", g.Parameter, err)
	}
	g, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/db/pw"), WithDecryption: aws.Bool(true)})
	if err != nil || *g.Parameter.Value != "p@ss" {
		t.Fatalf("decryption: %+v %v", g.Parameter, err)
	}
	d, err := c.DescribeParameters(bg, &ssm.DescribeParametersInput{})
	if err != nil || len(d.Parameters) != 1 || *d.Parameters[0].KeyId != "alias/aws/ssm" || d.Parameters[0].Tier != types.ParameterTierStandard {
		t.Fatalf("describe: %+v %v", d, err)
	}
}

func TestSDKGetParametersAndDeleteParameters(t *testing.T) {
	c, _, _ := startSSM(t)
	for _, n := range []string{"/m/a", "/m/b", "c"} {
		if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v" + n), Type: types.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	g, err := c.GetParameters(bg, &ssm.GetParametersInput{Names: []string{"/m/a", "/c", "/m/zz", "/m/b:2"}})
	if err != nil || len(g.Parameters) != 2 || *g.Parameters[1].Name != "/c" || *g.Parameters[1].Value != "vc" ||
		fmt.Sprint(g.InvalidParameters) != "[/m/zz /m/b:2]" {
		t.Fatalf("get parameters: %+v %v", g, err)
	}
	d, err := c.DeleteParameters(bg, &ssm.DeleteParametersInput{Names: []string{"/m/a", "/m/nope", "c"}})
	if err != nil || fmt.Sprint(d.DeletedParameters) != "[/m/a c]" || fmt.Sprint(d.InvalidParameters) != "[/m/nope]" {
		t.Fatalf("delete parameters: %+v %v", d, err)
	}
}

func TestSDKPagination(t *testing.T) {
	c, _, _ := startSSM(t)
	var want []string
	for i := 0; i < 27; i++ {
		n := fmt.Sprintf("/pg/%02d", i)
		if i%3 == 0 {
			n = fmt.Sprintf("/pg/sub/%02d", i)
		}
		want = append(want, n)
		if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v"), Type: types.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(want)
	var got []string
	pages := 0
	pager := ssm.NewGetParametersByPathPaginator(c, &ssm.GetParametersByPathInput{Path: aws.String("/pg"), Recursive: aws.Bool(true)})
	for pager.HasMorePages() {
		out, err := pager.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.Parameters {
			got = append(got, *p.Name)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 3 {
		t.Fatalf("by path: %d pages %v", pages, got)
	}
	got, pages = nil, 0
	dp := ssm.NewDescribeParametersPaginator(c, &ssm.DescribeParametersInput{MaxResults: aws.Int32(5),
		ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("Path"), Option: aws.String("OneLevel"), Values: []string{"/pg"}}}})
	for dp.HasMorePages() {
		out, err := dp.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.Parameters {
			got = append(got, *p.Name)
		}
	}
	if len(got) != 18 || pages != 4 {
		t.Fatalf("describe: %d pages %v", pages, got)
	}
	for i := 0; i < 7; i++ {
		if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/pg/01"), Value: aws.String(fmt.Sprint(i)), Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	var versions []int64
	hp := ssm.NewGetParameterHistoryPaginator(c, &ssm.GetParameterHistoryInput{Name: aws.String("/pg/01"), MaxResults: aws.Int32(3)})
	for hp.HasMorePages() {
		out, err := hp.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.Parameters {
			versions = append(versions, p.Version)
		}
	}
	if fmt.Sprint(versions) != "[1 2 3 4 5 6 7 8]" {
		t.Fatalf("history %v", versions)
	}
}

func TestSDKLabelsHistoryTags(t *testing.T) {
	c, _, _ := startSSM(t)
	for i := 1; i <= 2; i++ {
		if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/l"), Value: aws.String(fmt.Sprint("v", i)), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	lo, err := c.LabelParameterVersion(bg, &ssm.LabelParameterVersionInput{Name: aws.String("/l"), ParameterVersion: aws.Int64(1), Labels: []string{"blue", "9bad"}})
	if err != nil || lo.ParameterVersion != 1 || fmt.Sprint(lo.InvalidLabels) != "[9bad]" {
		t.Fatalf("label: %+v %v", lo, err)
	}
	g, err := c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/l:blue")})
	if err != nil || *g.Parameter.Value != "v1" || *g.Parameter.Selector != ":blue" {
		t.Fatalf("by label: %+v %v", g, err)
	}
	h, err := c.GetParameterHistory(bg, &ssm.GetParameterHistoryInput{Name: aws.String("/l")})
	if err != nil || len(h.Parameters) != 2 || fmt.Sprint(h.Parameters[0].Labels) != "[blue]" || *h.Parameters[1].Value != "v2" ||
		*h.Parameters[0].LastModifiedUser != "arn:aws:iam::123456789012:root" {
		t.Fatalf("history: %+v %v", h, err)
	}
	var many []string
	for i := 0; i < 11; i++ {
		many = append(many, fmt.Sprint("l", i))
	}
	_, err = c.LabelParameterVersion(bg, &ssm.LabelParameterVersionInput{Name: aws.String("/l"), Labels: many[:10]})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.LabelParameterVersion(bg, &ssm.LabelParameterVersionInput{Name: aws.String("/l"), Labels: []string{"extra"}})
	var lle *types.ParameterVersionLabelLimitExceeded
	if !errors.As(err, &lle) {
		t.Fatalf("label limit: %v", err)
	}
	uo, err := c.UnlabelParameterVersion(bg, &ssm.UnlabelParameterVersionInput{Name: aws.String("/l"), ParameterVersion: aws.Int64(1), Labels: []string{"blue", "green"}})
	if err != nil || fmt.Sprint(uo.RemovedLabels) != "[blue]" || fmt.Sprint(uo.InvalidLabels) != "[green]" {
		t.Fatalf("unlabel: %+v %v", uo, err)
	}
	if _, err := c.AddTagsToResource(bg, &ssm.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/l"),
		Tags: []types.Tag{{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTagsFromResource(bg, &ssm.RemoveTagsFromResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/l"), TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := c.ListTagsForResource(bg, &ssm.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: aws.String("/l")})
	if err != nil || len(lt.TagList) != 1 || *lt.TagList[0].Key != "a" || *lt.TagList[0].Value != "1" {
		t.Fatalf("tags: %+v %v", lt, err)
	}
	d, err := c.DescribeParameters(bg, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{{Key: aws.String("tag:a"), Values: []string{"1"}}}})
	// A single-level name is stored without its leading slash, as AWS does.
	if err != nil || len(d.Parameters) != 1 || *d.Parameters[0].Name != "l" || d.Parameters[0].Version != 2 {
		t.Fatalf("describe by tag: %+v %v", d, err)
	}
}

func TestSDKConcurrentPutGet(t *testing.T) {
	c, _, _ := startSSM(t)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			name := fmt.Sprintf("/conc/%d", w)
			for i := 1; i <= 25; i++ {
				out, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(fmt.Sprint(i)),
					Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
				if err != nil || out.Version != int64(i) {
					t.Errorf("put %s #%d: %+v %v", name, i, out, err)
					return
				}
				g, err := c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
				if err != nil || *g.Parameter.Value != fmt.Sprint(i) || g.Parameter.Version != int64(i) {
					t.Errorf("get %s #%d: %+v %v", name, i, g, err)
					return
				}
				if _, err := c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: aws.String("/conc")}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

// BenchmarkSDKGetParameter measures signed GetParameter calls from the Go
// SDK through the gateway (SigV4 verification, JSON, engine), client and
// server in one process.
func BenchmarkSDKGetParameter(b *testing.B) {
	c, _, _ := startSSM(b)
	if _, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/bench/url"), Value: aws.String("https://example.com"), Type: types.ParameterTypeString}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(8)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		in := &ssm.GetParameterInput{Name: aws.String("/bench/url")}
		for pb.Next() {
			if _, err := c.GetParameter(bg, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
