package ssm

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/seal"
	"github.com/skiff-dev/skiff/internal/store"
)

// Parameter types, tiers and data types.
const (
	TypeString       = "String"
	TypeStringList   = "StringList"
	TypeSecureString = "SecureString"

	TierStandard           = "Standard"
	TierAdvanced           = "Advanced"
	TierIntelligentTiering = "Intelligent-Tiering"

	DataTypeText        = "text"
	DataTypeEC2Image    = "aws:ec2:image"
	DataTypeIntegration = "aws:ssm:integration"

	// DefaultKeyID is the AWS managed key SecureString parameters use when
	// no KeyId is given.
	DefaultKeyID = "alias/aws/ssm"

	maxVersions     = 100
	maxLabels       = 10
	maxTags         = 50
	maxStandardSize = 4096
	maxAdvancedSize = 8192
)

const (
	bucketParams   = "ssm.parameters"
	bucketVersions = "ssm.versions"
)

// Parameter is one parameter version as the engine reports it. Get* fill
// the fields GetParameter returns; Describe and history fill the metadata
// too.
type Parameter struct {
	Name             string
	Type             string
	Value            string
	Version          int64
	Selector         string
	LastModifiedDate time.Time
	ARN              string
	DataType         string

	Description      string
	AllowedPattern   string
	KeyID            string
	Tier             string
	Policies         []Policy
	LastModifiedUser string
	Labels           []string
}

// Policy is a parameter policy as DescribeParameters reports it.
type Policy struct {
	Text, Type, Status string
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// PutParameterInput is PutParameter's input. Empty strings mean "not
// given": on an overwrite the previous version's value is kept.
type PutParameterInput struct {
	Name           string
	Value          string
	Type           string
	Description    string
	KeyID          string
	Overwrite      bool
	AllowedPattern string
	Tags           []Tag
	Tier           string
	Policies       string
	DataType       string
}

// versionRecord is one stored version.
type versionRecord struct {
	Version     int64     `json:"ver"`
	Type        string    `json:"type"`
	Value       string    `json:"value,omitempty"`  // String, StringList
	Sealed      []byte    `json:"sealed,omitempty"` // SecureString
	Modified    time.Time `json:"modified"`
	User        string    `json:"user,omitempty"`
	Description string    `json:"desc,omitempty"`
	Pattern     string    `json:"pattern,omitempty"`
	KeyID       string    `json:"key,omitempty"`
	Tier        string    `json:"tier"`
	DataType    string    `json:"dataType"`
	Policies    string    `json:"policies,omitempty"`
	Labels      []string  `json:"labels,omitempty"`
}

// headRecord is a parameter: its current version (labels are kept on the
// version records), the retained version range, the label index and tags.
type headRecord struct {
	Name string `json:"name"`
	versionRecord
	Oldest     int64            `json:"oldest"`
	LabelIndex map[string]int64 `json:"labelIndex,omitempty"`
	Tags       []Tag            `json:"tags,omitempty"`
}

// Engine is Parameter Store. Use one Engine per store: its cache assumes
// it sees every write.
type Engine struct {
	st     store.Store
	sealer *seal.Sealer
	cache  paramCache
	now    func() time.Time
}

// New returns the Parameter Store engine. The sealer encrypts SecureString
// values at rest; it must not be nil.
func New(st store.Store, s *seal.Sealer) *Engine {
	if s == nil {
		panic("ssm: New needs a sealer")
	}
	return &Engine{st: st, sealer: s, now: time.Now}
}

func scopePrefix(sc awsctx.Scope) string { return sc.AccountID + "/" + sc.Region + "/" }

func headKey(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name }

func versionPrefix(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name + ":" }

func versionKey(sc awsctx.Scope, name string, v int64) string {
	return versionPrefix(sc, name) + fmt.Sprintf("%019d", v)
}

func keyOf(sc awsctx.Scope, name string) cacheKey { return cacheKey{sc.AccountID, sc.Region, name} }

// sealAAD binds a SecureString value to its parameter and version.
func sealAAD(arn string, version int64) []byte {
	b := make([]byte, 0, len(arn)+21)
	b = append(b, arn...)
	b = append(b, '#')
	return strconv.AppendInt(b, version, 10)
}

// GetParameter returns a parameter's current version, or the version a
// ":version" or ":label" suffix selects. name may be a parameter ARN.
// Without decryption a SecureString's Value is its encrypted form, as AWS
// returns it.
func (e *Engine) GetParameter(ctx context.Context, name string, withDecryption bool) (*Parameter, error) {
	sc := awsctx.From(ctx)
	ref, err := parseRef(sc, name)
	if err != nil {
		return nil, err
	}
	return e.getRef(ctx, sc, ref, withDecryption)
}

func (e *Engine) getRef(ctx context.Context, sc awsctx.Scope, ref nameRef, dec bool) (*Parameter, error) {
	if ref.selector == "" {
		c, err := e.current(ctx, sc, ref.name)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, notFound()
		}
		p := &Parameter{}
		if err := e.fill(p, &c.head.versionRecord, c.arn, c.aad, c.blob, dec); err != nil {
			return nil, err
		}
		p.Name = ref.echo
		return p, nil
	}
	var h headRecord
	var v versionRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		if err := tx.Get(bucketParams, headKey(sc, ref.name), &h); err != nil {
			return err
		}
		ver := ref.version
		if ref.label != "" {
			if ver = h.LabelIndex[ref.label]; ver == 0 {
				return notFound()
			}
		} else if ver > h.Version || ver < h.Oldest {
			return versionNotFound(ver, ref.echo)
		}
		return tx.Get(bucketVersions, versionKey(sc, ref.name, ver), &v)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	arn := parameterARN(sc.Region, sc.AccountID, h.Name)
	p := &Parameter{}
	if err := e.fill(p, &v, arn, nil, "", dec); err != nil {
		return nil, err
	}
	p.Name, p.Selector = ref.echo, ref.selector
	return p, nil
}

// current returns the cached current version of a parameter, loading it on
// a miss; nil means the parameter does not exist.
func (e *Engine) current(ctx context.Context, sc awsctx.Scope, name string) (*cached, error) {
	k := keyOf(sc, name)
	if c := e.cache.get(k); c != nil {
		return c, nil
	}
	gen := e.cache.generation()
	h := &headRecord{}
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketParams, headKey(sc, name), h) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &cached{head: h, arn: parameterARN(sc.Region, sc.AccountID, h.Name)}
	if h.Type == TypeSecureString {
		c.aad = sealAAD(c.arn, h.Version)
		c.blob = base64.StdEncoding.EncodeToString(h.Sealed)
	}
	e.cache.put(k, c, gen)
	return c, nil
}

// fill copies a version into p, decrypting a SecureString value when asked.
// aad and blob may be precomputed (from the cache) or empty.
func (e *Engine) fill(p *Parameter, v *versionRecord, arn string, aad []byte, blob string, dec bool) error {
	p.Type, p.Version, p.LastModifiedDate, p.ARN, p.DataType = v.Type, v.Version, v.Modified, arn, v.DataType
	p.Description, p.AllowedPattern, p.KeyID, p.Tier, p.LastModifiedUser = v.Description, v.Pattern, v.KeyID, v.Tier, v.User
	p.Policies = policyList(v.Policies)
	p.Labels = v.Labels
	if v.Type != TypeSecureString {
		p.Value = v.Value
		return nil
	}
	if !dec {
		if blob == "" {
			blob = base64.StdEncoding.EncodeToString(v.Sealed)
		}
		p.Value = blob
		return nil
	}
	if aad == nil {
		aad = sealAAD(arn, v.Version)
	}
	pt, err := e.sealer.Open(v.Sealed, aad)
	if err != nil {
		return fmt.Errorf("ssm: decrypt %s version %d: %w", arn, v.Version, err)
	}
	p.Value = string(pt)
	return nil
}

// PutParameter creates a parameter or, with Overwrite, adds a version, and
// returns the new version.
func (e *Engine) PutParameter(ctx context.Context, in PutParameterInput) (int64, error) {
	v, _, err := e.put(ctx, &in)
	return v, err
}

func (e *Engine) put(ctx context.Context, in *PutParameterInput) (version int64, tier string, err error) {
	sc := awsctx.From(ctx)
	name, err := validatePutName(sc, in.Name)
	if err != nil {
		return 0, "", err
	}
	if err := validatePutFields(in); err != nil {
		return 0, "", err
	}
	k := keyOf(sc, name)
	arn := parameterARN(sc.Region, sc.AccountID, name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		var h headRecord
		found := true
		if err := tx.Get(bucketParams, headKey(sc, name), &h); errors.Is(err, store.ErrNotFound) {
			found = false
		} else if err != nil {
			return err
		}
		if found && !in.Overwrite {
			return ErrParameterAlreadyExists.New(msgAlreadyExists)
		}
		if !found && in.Type == "" {
			return errValidation.New(msgTypeRequired)
		}
		prev := &h.versionRecord
		pick := func(given, old string) string {
			if given != "" || !found {
				return given
			}
			return old
		}
		rec := versionRecord{
			Type:        pick(in.Type, prev.Type),
			Modified:    e.now().UTC().Truncate(time.Millisecond),
			User:        sc.Principal,
			Description: pick(in.Description, prev.Description),
			Pattern:     pick(in.AllowedPattern, prev.Pattern),
			DataType:    pick(in.DataType, prev.DataType),
			Policies:    pick(in.Policies, prev.Policies),
		}
		if rec.DataType == "" {
			rec.DataType = DataTypeText
		}
		if err := checkValue(&rec, in.Value); err != nil {
			return err
		}
		if rec.Type == TypeSecureString {
			rec.KeyID = in.KeyID
			if rec.KeyID == "" && found && prev.Type == TypeSecureString {
				rec.KeyID = prev.KeyID
			}
			if rec.KeyID == "" {
				rec.KeyID = DefaultKeyID
			}
			if err := checkKeyID(rec.KeyID); err != nil {
				return err
			}
		}
		t, err := resolveTier(in.Tier, prev.Tier, found, len(in.Value), rec.Policies != "")
		if err != nil {
			return err
		}
		rec.Tier = t
		if found {
			rec.Version = h.Version + 1
		} else {
			rec.Version = 1
			h = headRecord{Name: name, Oldest: 1, Tags: normalizeTags(in.Tags)}
		}
		for rec.Version-h.Oldest+1 > maxVersions {
			var old versionRecord
			if err := tx.Get(bucketVersions, versionKey(sc, name, h.Oldest), &old); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if len(old.Labels) > 0 {
				return errMaxVersionLimitExceeded.New("You attempted to create a new version of %s by calling the PutParameter API with the overwrite flag. "+
					"Version %d, the oldest version, can't be deleted because it has a label associated with it. "+
					"Move the label to another version of the parameter, and try again.", in.Name, h.Oldest)
			}
			if err := tx.Delete(bucketVersions, versionKey(sc, name, h.Oldest)); err != nil {
				return err
			}
			h.Oldest++
		}
		if rec.Type == TypeSecureString {
			rec.Sealed = e.sealer.Seal([]byte(in.Value), sealAAD(arn, rec.Version))
		} else {
			rec.Value = in.Value
		}
		if err := tx.Put(bucketVersions, versionKey(sc, name, rec.Version), &rec); err != nil {
			return err
		}
		h.versionRecord = rec
		h.Labels = nil
		if err := tx.Put(bucketParams, headKey(sc, name), &h); err != nil {
			return err
		}
		e.cache.invalidate(k)
		version, tier = rec.Version, rec.Tier
		return nil
	})
	e.cache.invalidate(k)
	if err != nil {
		return 0, "", err
	}
	return version, tier, nil
}

var keyIDPattern = regexp.MustCompile(`^([a-zA-Z0-9:/_-]+)$`)

// validatePutFields checks what PutParameter can check without state.
func validatePutFields(in *PutParameterInput) error {
	if in.Value == "" {
		return constraintErr("", "value", "Member must have length greater than or equal to 1")
	}
	if in.Type != "" && in.Type != TypeString && in.Type != TypeStringList && in.Type != TypeSecureString {
		return constraintErr(in.Type, "type", "Member must satisfy enum value set: [SecureString, StringList, String]")
	}
	if len(in.Description) > 1024 {
		return constraintErr(in.Description, "description", "Member must have length less than or equal to 1024")
	}
	if len(in.AllowedPattern) > 1024 {
		return constraintErr(in.AllowedPattern, "allowedPattern", "Member must have length less than or equal to 1024")
	}
	if in.KeyID != "" {
		if len(in.KeyID) > 256 {
			return constraintErr(in.KeyID, "keyId", "Member must have length less than or equal to 256")
		}
		if !keyIDPattern.MatchString(in.KeyID) {
			return constraintErr(in.KeyID, "keyId", "Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$")
		}
	}
	switch in.Tier {
	case "", TierStandard, TierAdvanced, TierIntelligentTiering:
	default:
		return constraintErr(in.Tier, "tier", "Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]")
	}
	switch in.DataType {
	case "", DataTypeText, DataTypeEC2Image, DataTypeIntegration:
	default:
		if len(in.DataType) > 128 {
			return constraintErr(in.DataType, "dataType", "Member must have length less than or equal to 128")
		}
		return errValidation.New("The following data type is not supported: %s (Data type names are all lowercase.)", in.DataType)
	}
	if in.Policies != "" {
		if len(in.Policies) > 4096 {
			return constraintErr(in.Policies, "policies", "Member must have length less than or equal to 4096")
		}
		if err := checkPolicies(in.Policies); err != nil {
			return err
		}
	}
	if len(in.Tags) > 0 && in.Overwrite {
		return errValidation.New(msgTagsOverwrite)
	}
	if len(in.Tags) > 0 {
		if err := checkTags(in.Tags, "tags"); err != nil {
			return err
		}
		if len(normalizeTags(in.Tags)) > maxTags {
			return errTooManyTags.New(msgTooManyTags)
		}
	}
	return nil
}

var amiPattern = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// checkValue applies the allowed pattern and data type to a new value.
func checkValue(rec *versionRecord, value string) error {
	if rec.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + rec.Pattern + `)$`)
		if err != nil {
			return errInvalidAllowedPattern.New("The allowed pattern %s isn't a valid regular expression.", rec.Pattern)
		}
		if !re.MatchString(value) {
			return errPatternMismatch.New("Parameter value, cannot be validated against allowedPattern: %s", rec.Pattern)
		}
	}
	if rec.DataType == DataTypeEC2Image {
		if rec.Type != TypeString {
			return errUnsupportedType.New("The data type %s is supported only for parameters of type String.", DataTypeEC2Image)
		}
		if !amiPattern.MatchString(value) {
			return errValidation.New("The parameter value isn't valid for the %s data type: it must be an AMI ID in the format ami-12345678 or ami-1234567890abcdef0.", DataTypeEC2Image)
		}
	}
	return nil
}

var (
	keyUUID  = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})$`)
	keyAlias = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`)
)

// checkKeyID accepts the KMS key identifier forms AWS accepts: a key id, a
// key ARN, an alias name or an alias ARN. Skiff has no KMS keys to look up,
// so any well-formed identifier is recorded as given; AWS managed aliases
// other than aws/ssm do not exist for Parameter Store.
func checkKeyID(id string) error {
	bad := errInvalidKeyID.New("Invalid keyId %s", id)
	if a, ok := awsctx.ParseARN(id); ok {
		if a.Service != "kms" || a.Region == "" || a.Account == "" {
			return bad
		}
		if rest, ok := strings.CutPrefix(a.Resource, "key/"); ok && keyUUID.MatchString(rest) {
			return nil
		}
		if keyAlias.MatchString(a.Resource) {
			return nil
		}
		return bad
	}
	if keyUUID.MatchString(id) {
		return nil
	}
	if keyAlias.MatchString(id) {
		if strings.HasPrefix(id, "alias/aws/") && id != DefaultKeyID {
			return bad
		}
		return nil
	}
	return bad
}

// resolveTier picks the tier a new version gets and checks the value size
// against it.
func resolveTier(requested, prev string, found bool, size int, hasPolicies bool) (string, error) {
	tier := requested
	switch {
	case tier == "" && found:
		tier = prev
	case tier == "":
		tier = TierStandard
	case tier == TierIntelligentTiering:
		if (found && prev == TierAdvanced) || size > maxStandardSize || hasPolicies {
			tier = TierAdvanced
		} else {
			tier = TierStandard
		}
	case tier == TierStandard && found && prev == TierAdvanced:
		return "", errValidation.New(msgNoDowngrade)
	}
	switch tier {
	case TierStandard:
		if size > maxStandardSize {
			return "", errValidation.New(msgStandardTooLarge)
		}
		if hasPolicies {
			return "", errValidation.New(msgPoliciesNeedAdvanced)
		}
	case TierAdvanced:
		if size > maxAdvancedSize {
			return "", errValidation.New("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to %d", maxAdvancedSize)
		}
	}
	return tier, nil
}

// DeleteParameter deletes a parameter and all its versions.
func (e *Engine) DeleteParameter(ctx context.Context, name string) error {
	sc := awsctx.From(ctx)
	ref, err := parsePlainName(sc, name)
	if err != nil {
		return err
	}
	k := keyOf(sc, ref.name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		ok, err := e.deleteTx(tx, sc, ref.name)
		if err != nil {
			return err
		}
		if !ok {
			return notFound()
		}
		e.cache.invalidate(k)
		return nil
	})
	e.cache.invalidate(k)
	return err
}

func (e *Engine) deleteTx(tx store.Tx, sc awsctx.Scope, name string) (bool, error) {
	if _, err := tx.GetRaw(bucketParams, headKey(sc, name)); errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if _, err := tx.DeletePrefix(bucketVersions, versionPrefix(sc, name)); err != nil {
		return false, err
	}
	return true, tx.Delete(bucketParams, headKey(sc, name))
}

// DeleteParameters deletes up to 10 parameters, reporting which names it
// deleted and which it could not find.
func (e *Engine) DeleteParameters(ctx context.Context, names []string) (deleted, invalid []string, err error) {
	if err := checkNameList(names); err != nil {
		return nil, nil, err
	}
	sc := awsctx.From(ctx)
	deleted, invalid = []string{}, []string{}
	var keys []cacheKey
	err = e.st.Update(ctx, func(tx store.Tx) error {
		deleted, invalid, keys = deleted[:0], invalid[:0], keys[:0]
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			ref, err := parsePlainName(sc, n)
			if err != nil {
				invalid = append(invalid, n)
				continue
			}
			ok, err := e.deleteTx(tx, sc, ref.name)
			if err != nil {
				return err
			}
			if ok {
				deleted = append(deleted, n)
				keys = append(keys, keyOf(sc, ref.name))
				e.cache.invalidate(keyOf(sc, ref.name))
			} else {
				invalid = append(invalid, n)
			}
		}
		return nil
	})
	for _, k := range keys {
		e.cache.invalidate(k)
	}
	if err != nil {
		return nil, nil, err
	}
	return deleted, invalid, nil
}

func checkNameList(names []string) error {
	if len(names) == 0 {
		return constraintErr("[]", "names", "Member must have length greater than or equal to 1")
	}
	if len(names) > 10 {
		return constraintErr(fmt.Sprintf("%v", names), "names", "Member must have length less than or equal to 10")
	}
	return nil
}

// GetParameters returns several parameters; names that do not resolve
// (missing parameters, versions or labels, invalid names) are listed in
// invalid, in request order.
func (e *Engine) GetParameters(ctx context.Context, names []string, withDecryption bool) (params []*Parameter, invalid []string, err error) {
	if err := checkNameList(names); err != nil {
		return nil, nil, err
	}
	sc := awsctx.From(ctx)
	params, invalid = []*Parameter{}, []string{}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		ref, err := parseRef(sc, n)
		if err != nil {
			invalid = append(invalid, n)
			continue
		}
		p, err := e.getRef(ctx, sc, ref, withDecryption)
		switch {
		case err == nil:
			params = append(params, p)
		case ErrParameterNotFound.Is(err) || ErrParameterVersionNotFound.Is(err):
			invalid = append(invalid, n)
		default:
			return nil, nil, err
		}
	}
	return params, invalid, nil
}

// normalizeTags merges duplicate keys (the last wins) and sorts by key.
func normalizeTags(tags []Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
