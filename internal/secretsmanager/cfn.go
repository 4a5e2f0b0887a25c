package secretsmanager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/store"
)

// Providers returns the CloudFormation resource providers backed by this
// engine: AWS::SecretsManager::Secret.
//
// Deleting the resource deletes the secret at once, without a recovery
// window (ForceDeleteWithoutRecovery), as the AWS resource handler does:
// CloudFormation's DeletionPolicy documentation lists it as the default for
// this type, and it is what lets a stack be deleted and re-created with the
// same secret name. Use DeletionPolicy: Retain to keep a secret.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&secretProvider{e: e}}
}

const secretType = "AWS::SecretsManager::Secret"

// The registry schema: Name is create-only, Id (the ARN) is the primary
// identifier and the only attribute, SecretString and GenerateSecretString
// are write-only, Tags is an unordered list.
var secretSchema = &provider.Schema{
	Properties: []string{"Name", "Description", "SecretString", "GenerateSecretString", "KmsKeyId", "Tags", "ReplicaRegions"},
	CreateOnly: []string{"Name"},
	Attributes: []string{"Id"},
	WriteOnly:  []string{"SecretString", "GenerateSecretString"},
	Unordered:  []string{"Tags"},
}

var generateSchema = &provider.Schema{Properties: []string{"ExcludeUppercase", "RequireEachIncludedType", "IncludeSpace", "ExcludeCharacters",
	"GenerateStringKey", "PasswordLength", "ExcludePunctuation", "ExcludeLowercase", "SecretStringTemplate", "ExcludeNumbers"}}

type secretProvider struct{ e *Engine }

func (p *secretProvider) Type() string { return secretType }

func (p *secretProvider) Schema() *provider.Schema { return secretSchema }

// cfnSecret is a template's secret properties.
type cfnSecret struct {
	name, description, kmsKeyID string
	secretString                *string
	generate                    map[string]any
	tags                        map[string]string
	raw                         map[string]any
}

func readSecretProps(req *provider.Request) (*cfnSecret, error) {
	props := provider.Read(req.Properties, secretSchema)
	c := &cfnSecret{
		name:        props.String("Name"),
		description: props.String("Description"),
		kmsKeyID:    props.String("KmsKeyId"),
		tags:        props.Tags("Tags"),
		raw:         req.Properties,
	}
	if props.Has("SecretString") {
		s := props.String("SecretString")
		c.secretString = &s
	}
	if props.Has("GenerateSecretString") {
		c.generate = props.Map("GenerateSecretString")
		if c.generate == nil && props.Raw("GenerateSecretString") == nil {
			c.generate = map[string]any{}
		}
	}
	if len(props.List("ReplicaRegions")) > 0 {
		props.Fail("ReplicaRegions", "skiff serves one Region per secret; replica Regions are not supported")
	}
	if err := props.Err(); err != nil {
		return nil, err
	}
	if c.secretString != nil && c.generate != nil {
		return nil, errors.New("You can't specify both SecretString and GenerateSecretString: a secret value is either given or generated.")
	}
	if c.generate != nil {
		if _, err := generateOptions(c.generate); err != nil {
			return nil, err
		}
	}
	if c.name == "" {
		suffix := req.Suffix
		if suffix == "" {
			suffix = "SUFFIX"
		}
		logical := req.LogicalID
		if max := 512 - len(suffix) - 1; len(logical) > max {
			logical = logical[:max]
		}
		c.name = logical + "-" + suffix
	}
	if err := checkName(c.name, "name"); err != nil {
		return nil, err
	}
	return c, nil
}

type generateSpec struct {
	opts     PasswordOptions
	template string
	key      string
}

func generateOptions(m map[string]any) (*generateSpec, error) {
	g := provider.Read(m, generateSchema)
	spec := &generateSpec{
		opts: PasswordOptions{
			PasswordLength:     g.Int("PasswordLength", 32),
			ExcludeCharacters:  g.String("ExcludeCharacters"),
			ExcludeNumbers:     g.Bool("ExcludeNumbers", false),
			ExcludePunctuation: g.Bool("ExcludePunctuation", false),
			ExcludeUppercase:   g.Bool("ExcludeUppercase", false),
			ExcludeLowercase:   g.Bool("ExcludeLowercase", false),
			IncludeSpace:       g.Bool("IncludeSpace", false),
		},
		template: g.String("SecretStringTemplate"),
		key:      g.String("GenerateStringKey"),
	}
	req := g.Bool("RequireEachIncludedType", true)
	spec.opts.RequireEachIncludedType = &req
	if err := g.Err(); err != nil {
		var pe *provider.PropertyError
		if errors.As(err, &pe) {
			for i, pr := range pe.Problems {
				pe.Problems[i] = "#/GenerateSecretString" + strings.TrimPrefix(pr, "#")
			}
		}
		return nil, err
	}
	if spec.opts.PasswordLength < 1 || spec.opts.PasswordLength > 4096 {
		return nil, fmt.Errorf("Properties validation failed for resource with message: #/GenerateSecretString/PasswordLength: %d is not between 1 and 4096", spec.opts.PasswordLength)
	}
	if (spec.template == "") != (spec.key == "") {
		return nil, errors.New("SecretStringTemplate and GenerateStringKey must both be set or removed.")
	}
	if spec.template != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(spec.template), &obj); err != nil || obj == nil {
			return nil, errors.New("SecretStringTemplate must be a JSON object.")
		}
	}
	return spec, nil
}

// generateValue makes the secret string GenerateSecretString describes: a
// random password, alone or added to the template's JSON object under
// GenerateStringKey (keeping the template's key order).
func generateValue(m map[string]any) (string, error) {
	spec, err := generateOptions(m)
	if err != nil {
		return "", err
	}
	pw, err := GetRandomPassword(spec.opts)
	if err != nil {
		return "", err
	}
	if spec.template == "" {
		return pw, nil
	}
	var obj map[string]any
	json.Unmarshal([]byte(spec.template), &obj)
	quoted, _ := json.Marshal(pw)
	if _, ok := obj[spec.key]; ok {
		obj[spec.key] = pw
		b, err := json.Marshal(obj)
		return string(b), err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(strings.TrimSpace(spec.template))); err != nil {
		return "", err
	}
	s := strings.TrimSuffix(buf.String(), "}")
	key, _ := json.Marshal(spec.key)
	if len(obj) > 0 {
		s += ","
	}
	return s + string(key) + ":" + string(quoted) + "}", nil
}

func (c *cfnSecret) value() (*string, error) {
	if c.generate != nil {
		v, err := generateValue(c.generate)
		if err != nil {
			return nil, err
		}
		return &v, nil
	}
	return c.secretString, nil
}

func stackScope(req *provider.Request) awsctx.Scope {
	return awsctx.Scope{AccountID: req.Stack.AccountID, Region: req.Stack.Region}
}

// arnSuffix is the 6 characters the secret's ARN ends with. CloudFormation
// records the physical id before creating the resource, so it is derived
// from the request rather than drawn at random.
func arnSuffix(req *provider.Request, name string) string {
	h := sha256.Sum256([]byte(req.Stack.ID + "\x00" + req.LogicalID + "\x00" + req.Suffix + "\x00" + name))
	var b [6]byte
	for i := range b {
		b[i] = suffixAlphabet[int(h[i])%len(suffixAlphabet)]
	}
	return string(b[:])
}

// PhysicalID is the secret's ARN; the name is Name, or <LogicalId>-<Suffix>
// as CloudFormation generates it.
func (p *secretProvider) PhysicalID(req *provider.Request) (string, error) {
	c, err := readSecretProps(req)
	if err != nil {
		return "", err
	}
	return secretARN(stackScope(req), c.name, arnSuffix(req, c.name)), nil
}

// ownTags merges the stack's tags under the resource's own.
func ownTags(stack, own map[string]string) []Tag {
	var out []Tag
	for k, v := range stack {
		if _, ok := own[k]; !ok {
			out = append(out, Tag{k, v})
		}
	}
	for k, v := range own {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (p *secretProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readSecretProps(req)
	if err != nil {
		return nil, err
	}
	v, err := c.value()
	if err != nil {
		return nil, err
	}
	in := CreateSecretInput{Name: c.name, Description: c.description, KmsKeyID: c.kmsKeyID, SecretString: v, Tags: ownTags(req.Stack.Tags, c.tags)}
	if v != nil {
		in.ClientRequestToken = newVersionID()
	}
	if _, err := p.e.createSecret(ctx, in, arnSuffix(req, c.name)); err != nil {
		return nil, err
	}
	id := secretARN(stackScope(req), c.name, arnSuffix(req, c.name))
	return p.read(ctx, id, req)
}

// record reads a live secret for the provider; one scheduled for deletion
// counts as gone.
func (p *secretProvider) record(ctx context.Context, id string) (*secretRecord, error) {
	sc := awsctx.From(ctx)
	var r *secretRecord
	err := p.e.st.View(ctx, func(tx store.Tx) error {
		var err error
		r, err = p.e.lookup(tx, sc, id, false)
		return err
	})
	if ErrResourceNotFound.Is(err) || (err == nil && r.deleted()) {
		return nil, provider.NotFound(secretType, id)
	}
	return r, err
}

func (p *secretProvider) read(ctx context.Context, id string, req *provider.Request) (*provider.Result, error) {
	r, err := p.record(ctx, id)
	if err != nil {
		return nil, err
	}
	// Tags the stack propagated are not the resource's own, unless the
	// template names them too.
	declared := map[string]bool{}
	if list, ok := req.Properties["Tags"].([]any); ok {
		for _, t := range list {
			if m, ok := t.(map[string]any); ok {
				if k, ok := provider.Scalar(m["Key"]); ok {
					declared[k] = true
				}
			}
		}
	}
	tags := map[string]string{}
	for _, t := range r.Tags {
		if sv, ok := req.Stack.Tags[t.Key]; ok && sv == t.Value && !declared[t.Key] {
			continue
		}
		tags[t.Key] = t.Value
	}
	tagList := provider.TagList(tags)
	if tagList == nil {
		tagList = []any{}
	}
	props := map[string]any{"Id": r.ARN, "Name": r.Name, "Description": r.Description, "Tags": tagList}
	if r.KmsKeyID != "" {
		props["KmsKeyId"] = r.KmsKeyID
	}
	return &provider.Result{PhysicalID: r.ARN, Attributes: map[string]any{"Id": r.ARN}, Properties: props}, nil
}

func (p *secretProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	return p.read(ctx, req.PhysicalID, req)
}

// Update changes the description, key and value in place (a changed
// SecretString or GenerateSecretString makes a new AWSCURRENT version) and
// adds and removes tags to match the template.
func (p *secretProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	c, err := readSecretProps(req)
	if err != nil {
		return nil, err
	}
	oldReq := *req
	oldReq.Properties = req.OldProperties
	old, err := readSecretProps(&oldReq)
	if err != nil {
		old = &cfnSecret{raw: map[string]any{}}
	}
	r, err := p.record(ctx, req.PhysicalID)
	if err != nil {
		return nil, err
	}
	in := UpdateSecretInput{SecretID: r.ARN}
	changed := false
	if c.description != r.Description {
		in.Description, changed = &c.description, true
	}
	if c.kmsKeyID != old.kmsKeyID {
		in.KmsKeyID, changed = &c.kmsKeyID, true
	}
	if provider.Render(c.raw["SecretString"]) != provider.Render(old.raw["SecretString"]) ||
		provider.Render(c.raw["GenerateSecretString"]) != provider.Render(old.raw["GenerateSecretString"]) {
		v, err := c.value()
		if err != nil {
			return nil, err
		}
		if v != nil {
			in.SecretString, in.ClientRequestToken, changed = v, newVersionID(), true
		}
	}
	if changed {
		if _, err := p.e.UpdateSecret(ctx, in); err != nil {
			return nil, err
		}
	}
	want := ownTags(req.Stack.Tags, c.tags)
	wantKeys := map[string]bool{}
	for _, t := range want {
		wantKeys[t.Key] = true
	}
	var drop []string
	for _, t := range r.Tags {
		if !wantKeys[t.Key] {
			drop = append(drop, t.Key)
		}
	}
	if len(drop) > 0 {
		if err := p.e.UntagResource(ctx, r.ARN, drop); err != nil {
			return nil, err
		}
	}
	if len(want) > 0 {
		if err := p.e.TagResource(ctx, r.ARN, want); err != nil {
			return nil, err
		}
	}
	return p.read(ctx, r.ARN, req)
}

// Delete deletes the secret without a recovery window; one already gone is
// not an error.
func (p *secretProvider) Delete(ctx context.Context, req *provider.Request) error {
	_, _, err := p.e.DeleteSecret(ctx, req.PhysicalID, nil, true)
	if ErrResourceNotFound.Is(err) {
		return nil
	}
	return err
}
