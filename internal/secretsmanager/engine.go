package secretsmanager

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/seal"
	"github.com/skiff-dev/skiff/internal/store"
)

// Staging labels Secrets Manager manages.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"

	// DefaultKMSKey is what a secret uses when no KmsKeyId is given.
	DefaultKMSKey = "alias/aws/secretsmanager"

	maxValueSize          = 65536
	maxDeprecatedVersions = 100
	maxTags               = 50
)

const (
	bucketSecrets = "secretsmanager.secrets"
	bucketValues  = "secretsmanager.values"
)

// Tag is a secret tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// SecretValue is one version's value, as GetSecretValue returns it. A
// version holds either SecretString or SecretBinary (then SecretString is
// empty).
type SecretValue struct {
	ARN           string
	Name          string
	VersionID     string
	SecretString  string
	SecretBinary  []byte
	VersionStages []string
	CreatedDate   time.Time
}

// versionMeta is one version of a secret; its value is in bucketValues.
type versionMeta struct {
	ID       string    `json:"id"`
	Stages   []string  `json:"stages,omitempty"`
	Created  time.Time `json:"created"`
	Accessed time.Time `json:"accessed,omitzero"`
	KmsKeyID string    `json:"kms,omitempty"`
}

// secretRecord is a secret's metadata and version list (oldest first).
type secretRecord struct {
	Name        string        `json:"name"`
	ARN         string        `json:"arn"`
	Description string        `json:"desc,omitempty"`
	KmsKeyID    string        `json:"kms,omitempty"`
	Type        string        `json:"type,omitempty"`
	Created     time.Time     `json:"created"`
	Changed     time.Time     `json:"changed"`
	Accessed    time.Time     `json:"accessed,omitzero"`
	DeletedAt   time.Time     `json:"deletedAt,omitzero"` // when deletion was requested
	DeleteOn    time.Time     `json:"deleteOn,omitzero"`  // when it takes effect
	Tags        []Tag         `json:"tags,omitempty"`
	Tagged      bool          `json:"tagged,omitempty"` // tags were ever set: Describe shows Tags, even empty
	Versions    []versionMeta `json:"versions,omitempty"`
}

// valueRecord is one sealed value.
type valueRecord struct {
	Kind   string `json:"kind"` // "string" or "binary"
	Sealed []byte `json:"sealed"`
}

func (r *secretRecord) deleted() bool { return !r.DeletedAt.IsZero() }

func (r *secretRecord) version(id string) *versionMeta {
	for i := range r.Versions {
		if r.Versions[i].ID == id {
			return &r.Versions[i]
		}
	}
	return nil
}

func (r *secretRecord) withStage(stage string) *versionMeta {
	for i := range r.Versions {
		if has(r.Versions[i].Stages, stage) {
			return &r.Versions[i]
		}
	}
	return nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func without(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func sortedCopy(list []string) []string {
	out := append([]string{}, list...)
	sort.Strings(out)
	return out
}

// Engine is Secrets Manager.
type Engine struct {
	st     store.Store
	sealer *seal.Sealer
	now    func() time.Time
}

// New returns the Secrets Manager engine. The sealer encrypts values at
// rest; it must not be nil.
func New(st store.Store, s *seal.Sealer) *Engine {
	if s == nil {
		panic("secretsmanager: New needs a sealer")
	}
	return &Engine{st: st, sealer: s, now: time.Now}
}

func (e *Engine) clock() time.Time { return e.now().UTC().Truncate(time.Millisecond) }

func scopePrefix(sc awsctx.Scope) string { return sc.AccountID + "/" + sc.Region + "/" }

func secretKey(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name }

func valuePrefix(sc awsctx.Scope, name string) string { return scopePrefix(sc) + name + ":" }

func valueKey(sc awsctx.Scope, name, versionID string) string {
	return valuePrefix(sc, name) + versionID
}

func sealAAD(arn, versionID, kind string) []byte {
	return []byte(arn + "\x00" + versionID + "\x00" + kind)
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

func checkName(name, member string) error {
	if name == "" {
		return constraintErr("", member, "Member must have length greater than or equal to 1")
	}
	if len(name) > 512 && member == "name" {
		return constraintErr(name, member, "Member must have length less than or equal to 512")
	}
	if len(name) > 2048 {
		return constraintErr(name, member, "Member must have length less than or equal to 2048")
	}
	if !namePattern.MatchString(name) {
		return errValidation.New(msgInvalidName)
	}
	return nil
}

func checkToken(token string) error {
	if token == "" {
		return nil
	}
	if len(token) < 32 {
		return constraintErr(token, "clientRequestToken", "Member must have length greater than or equal to 32")
	}
	if len(token) > 64 {
		return constraintErr(token, "clientRequestToken", "Member must have length less than or equal to 64")
	}
	return nil
}

// checkValue validates a new value: at most one of string and binary, each
// 1 to 65536 bytes.
func checkValue(s *string, b []byte, required bool) error {
	if s != nil && b != nil {
		return errInvalidParameter.New(msgBothValues)
	}
	if s == nil && b == nil {
		if required {
			return ErrInvalidRequest.New(msgNeedValue)
		}
		return nil
	}
	if s != nil {
		if *s == "" {
			return errValidation.New("1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		if len(*s) > maxValueSize {
			return errValidation.New("1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536")
		}
	}
	if b != nil {
		if len(b) == 0 {
			return errValidation.New("1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length greater than or equal to 1")
		}
		if len(b) > maxValueSize {
			return errValidation.New("1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536")
		}
	}
	return nil
}

func checkTags(tags []Tag) error {
	for i, t := range tags {
		at := fmt.Sprintf("tags.%d.member", i+1)
		if t.Key == "" {
			return constraintErr("", at+".key", "Member must have length greater than or equal to 1")
		}
		if len(t.Key) > 128 {
			return constraintErr(t.Key, at+".key", "Member must have length less than or equal to 128")
		}
		if len(t.Value) > 256 {
			return constraintErr(t.Value, at+".value", "Member must have length less than or equal to 256")
		}
	}
	return nil
}

// newVersionID is a random UUID, the form Secrets Manager gives versions.
func newVersionID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomSuffix is the 6 random characters AWS appends to a secret's name
// in its ARN.
func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b[:])
}

func secretARN(sc awsctx.Scope, name, suffix string) string {
	return awsctx.ARN("secretsmanager", sc.Region, sc.AccountID, "secret:"+name+"-"+suffix)
}

// get reads a secret by name. Secrets whose scheduled deletion has passed
// are gone: in a write transaction they are purged.
func (e *Engine) get(tx store.Tx, sc awsctx.Scope, name string, write bool) (*secretRecord, error) {
	var r secretRecord
	if err := tx.Get(bucketSecrets, secretKey(sc, name), &r); errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if !r.DeleteOn.IsZero() && !e.now().Before(r.DeleteOn) {
		if write {
			if err := e.purge(tx, sc, name); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return &r, nil
}

func (e *Engine) purge(tx store.Tx, sc awsctx.Scope, name string) error {
	if _, err := tx.DeletePrefix(bucketValues, valuePrefix(sc, name)); err != nil {
		return err
	}
	return tx.Delete(bucketSecrets, secretKey(sc, name))
}

// lookup resolves a SecretId: a name, a full ARN or a partial ARN (the
// ARN without the 6-character suffix).
func (e *Engine) lookup(tx store.Tx, sc awsctx.Scope, id string, write bool) (*secretRecord, error) {
	if !strings.HasPrefix(id, "arn:") {
		if err := checkName(id, "secretId"); err != nil {
			return nil, err
		}
		r, err := e.get(tx, sc, id, write)
		if err == nil && r == nil {
			return nil, notFound()
		}
		return r, err
	}
	if len(id) > 2048 {
		return nil, constraintErr(id, "secretId", "Member must have length less than or equal to 2048")
	}
	a, ok := awsctx.ParseARN(id)
	rest, isSecret := strings.CutPrefix(a.Resource, "secret:")
	if !ok || a.Service != "secretsmanager" || !isSecret || rest == "" || a.Account != sc.AccountID || a.Region != sc.Region {
		return nil, notFound()
	}
	if n := len(rest); n > 7 && rest[n-7] == '-' {
		r, err := e.get(tx, sc, rest[:n-7], write)
		if err != nil {
			return nil, err
		}
		if r != nil && r.ARN == id {
			return r, nil
		}
	}
	r, err := e.get(tx, sc, rest, write)
	if err == nil && r == nil {
		return nil, notFound()
	}
	return r, err
}

func (e *Engine) put(tx store.Tx, sc awsctx.Scope, r *secretRecord) error {
	return tx.Put(bucketSecrets, secretKey(sc, r.Name), r)
}

// putValue seals and stores a version's value.
func (e *Engine) putValue(tx store.Tx, sc awsctx.Scope, r *secretRecord, versionID string, s *string, b []byte) error {
	kind, pt := "binary", b
	if s != nil {
		kind, pt = "string", []byte(*s)
	}
	v := valueRecord{Kind: kind, Sealed: e.sealer.Seal(pt, sealAAD(r.ARN, versionID, kind))}
	return tx.Put(bucketValues, valueKey(sc, r.Name, versionID), &v)
}

// value opens a version's value.
func (e *Engine) value(tx store.Tx, sc awsctx.Scope, r *secretRecord, versionID string) (s string, b []byte, isString bool, err error) {
	var v valueRecord
	if err := tx.Get(bucketValues, valueKey(sc, r.Name, versionID), &v); err != nil {
		return "", nil, false, err
	}
	pt, err := e.sealer.Open(v.Sealed, sealAAD(r.ARN, versionID, v.Kind))
	if err != nil {
		return "", nil, false, ErrDecryptionFailure.New("Secrets Manager can't decrypt the protected secret text using the provided KMS key.")
	}
	if v.Kind == "string" {
		return string(pt), nil, true, nil
	}
	return "", pt, false, nil
}

// sameValue reports whether a stored version holds exactly this value.
func (e *Engine) sameValue(tx store.Tx, sc awsctx.Scope, r *secretRecord, versionID string, s *string, b []byte) (bool, error) {
	gs, gb, isString, err := e.value(tx, sc, r, versionID)
	if err != nil {
		return false, err
	}
	if s != nil {
		return isString && gs == *s, nil
	}
	return !isString && bytes.Equal(gb, b), nil
}

// addVersion appends a version holding the given labels, moving each label
// off the version that had it. Moving AWSCURRENT makes its old version
// AWSPREVIOUS.
func (e *Engine) addVersion(tx store.Tx, sc awsctx.Scope, r *secretRecord, id string, stages []string, s *string, b []byte) error {
	moveStages(r, id, stages)
	r.Versions = append(r.Versions, versionMeta{ID: id, Stages: stages, Created: e.clock(), KmsKeyID: r.KmsKeyID})
	if err := e.putValue(tx, sc, r, id, s, b); err != nil {
		return err
	}
	return e.pruneDeprecated(tx, sc, r)
}

func moveStages(r *secretRecord, to string, stages []string) {
	for _, s := range stages {
		for i := range r.Versions {
			v := &r.Versions[i]
			if v.ID == to || !has(v.Stages, s) {
				continue
			}
			v.Stages = without(v.Stages, s)
			if s == StageCurrent {
				for j := range r.Versions {
					r.Versions[j].Stages = without(r.Versions[j].Stages, StagePrevious)
				}
				v.Stages = append(v.Stages, StagePrevious)
			}
		}
	}
}

// pruneDeprecated drops the oldest versions without labels beyond the 100
// Secrets Manager keeps.
func (e *Engine) pruneDeprecated(tx store.Tx, sc awsctx.Scope, r *secretRecord) error {
	n := 0
	for _, v := range r.Versions {
		if len(v.Stages) == 0 {
			n++
		}
	}
	if n <= maxDeprecatedVersions {
		return nil
	}
	kept := r.Versions[:0]
	for _, v := range r.Versions {
		if len(v.Stages) == 0 && n > maxDeprecatedVersions {
			n--
			if err := tx.Delete(bucketValues, valueKey(sc, r.Name, v.ID)); err != nil {
				return err
			}
			continue
		}
		kept = append(kept, v)
	}
	r.Versions = kept
	return nil
}

// CreateSecretInput is CreateSecret's input. SecretString nil and
// SecretBinary nil create a secret without a version.
type CreateSecretInput struct {
	Name               string
	ClientRequestToken string
	Description        string
	KmsKeyID           string
	SecretString       *string
	SecretBinary       []byte
	Tags               []Tag
	Type               string
	// AddReplicaRegions counts requested replica Regions; skiff refuses
	// replication.
	AddReplicaRegions int
}

// SecretRef names a secret and, when one was created, a version.
type SecretRef struct {
	ARN, Name, VersionID string
	VersionStages        []string
}

// CreateSecret creates a secret, with its first version when a value is
// given. Repeating a create with the same ClientRequestToken and value is a
// no-op that returns the existing secret.
func (e *Engine) CreateSecret(ctx context.Context, in CreateSecretInput) (*SecretRef, error) {
	return e.createSecret(ctx, in, "")
}

func (e *Engine) createSecret(ctx context.Context, in CreateSecretInput, suffix string) (*SecretRef, error) {
	if err := checkName(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := checkToken(in.ClientRequestToken); err != nil {
		return nil, err
	}
	if len(in.Description) > 2048 {
		return nil, constraintErr(in.Description, "description", "Member must have length less than or equal to 2048")
	}
	if len(in.KmsKeyID) > 2048 {
		return nil, constraintErr(in.KmsKeyID, "kmsKeyId", "Member must have length less than or equal to 2048")
	}
	if err := checkValue(in.SecretString, in.SecretBinary, false); err != nil {
		return nil, err
	}
	hasValue := in.SecretString != nil || in.SecretBinary != nil
	if hasValue && in.ClientRequestToken == "" {
		return nil, ErrInvalidRequest.New(msgTokenRequired)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(normalizeTags(nil, in.Tags)) > maxTags {
		return nil, constraintErr(fmt.Sprint(len(in.Tags)), "tags", "Member must have length less than or equal to 50")
	}
	if in.AddReplicaRegions > 0 {
		return nil, errInvalidParameter.New(msgReplicasUnsupported)
	}
	sc := awsctx.From(ctx)
	var out *SecretRef
	err := e.st.Update(ctx, func(tx store.Tx) error {
		old, err := e.get(tx, sc, in.Name, true)
		if err != nil {
			return err
		}
		if old != nil {
			if old.deleted() {
				return ErrInvalidRequest.New(msgScheduledForDelete)
			}
			if in.ClientRequestToken != "" && old.version(in.ClientRequestToken) != nil {
				same, err := e.sameValue(tx, sc, old, in.ClientRequestToken, in.SecretString, in.SecretBinary)
				if err != nil {
					return err
				}
				if !same {
					return errResourceExists.New("You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", in.ClientRequestToken, old.ARN)
				}
				out = &SecretRef{ARN: old.ARN, Name: old.Name, VersionID: in.ClientRequestToken}
				return nil
			}
			return errResourceExists.New("The operation failed because the secret %s already exists.", in.Name)
		}
		s := suffix
		if s == "" {
			s = randomSuffix()
		}
		now := e.clock()
		r := &secretRecord{Name: in.Name, ARN: secretARN(sc, in.Name, s), Description: in.Description, KmsKeyID: in.KmsKeyID,
			Type: in.Type, Created: now, Changed: now, Tags: normalizeTags(nil, in.Tags), Tagged: len(in.Tags) > 0}
		out = &SecretRef{ARN: r.ARN, Name: r.Name}
		if hasValue {
			if err := e.addVersion(tx, sc, r, in.ClientRequestToken, []string{StageCurrent}, in.SecretString, in.SecretBinary); err != nil {
				return err
			}
			out.VersionID = in.ClientRequestToken
		}
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetSecretValue returns a version's value: the one versionID names, else
// the one labeled versionStage, else AWSCURRENT. secretID is a name, full
// ARN or partial ARN.
func (e *Engine) GetSecretValue(ctx context.Context, secretID, versionID, versionStage string) (*SecretValue, error) {
	sc := awsctx.From(ctx)
	var out *SecretValue
	touch := false
	today := e.now().UTC().Truncate(24 * time.Hour)
	err := e.st.View(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, false)
		if err != nil {
			return err
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgMarkedForDeletion)
		}
		v, err := pickVersion(r, versionID, versionStage)
		if err != nil {
			return err
		}
		s, b, isString, err := e.value(tx, sc, r, v.ID)
		if err != nil {
			return err
		}
		out = &SecretValue{ARN: r.ARN, Name: r.Name, VersionID: v.ID, VersionStages: sortedCopy(v.Stages), CreatedDate: v.Created}
		if isString {
			out.SecretString = s
		} else {
			out.SecretBinary = b
		}
		touch = !v.Accessed.Equal(today) || !r.Accessed.Equal(today)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if touch {
		// LastAccessedDate has day precision, so this writes at most once
		// a day per version.
		err := e.st.Update(ctx, func(tx store.Tx) error {
			r, err := e.get(tx, sc, out.Name, true)
			if err != nil || r == nil {
				return err
			}
			r.Accessed = today
			if v := r.version(out.VersionID); v != nil {
				v.Accessed = today
			}
			return e.put(tx, sc, r)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func pickVersion(r *secretRecord, versionID, stage string) (*versionMeta, error) {
	if versionID != "" {
		v := r.version(versionID)
		if v == nil {
			return nil, ErrResourceNotFound.New("Secrets Manager can't find the specified secret value for VersionId: %s", versionID)
		}
		if stage != "" && !has(v.Stages, stage) {
			return nil, ErrInvalidRequest.New(msgStageMismatch)
		}
		return v, nil
	}
	if stage == "" {
		stage = StageCurrent
	}
	v := r.withStage(stage)
	if v == nil {
		return nil, ErrResourceNotFound.New("Secrets Manager can't find the specified secret value for staging label: %s", stage)
	}
	return v, nil
}

// PutSecretValueInput is PutSecretValue's input.
type PutSecretValueInput struct {
	SecretID           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

func checkStages(stages []string) error {
	if len(stages) > 20 {
		return constraintErr(fmt.Sprint(stages), "versionStages", "Member must have length less than or equal to 20")
	}
	for _, s := range stages {
		if s == "" || len(s) > 256 {
			return constraintErr(s, "versionStages", "Member must have length less than or equal to 256, Member must have length greater than or equal to 1")
		}
	}
	return nil
}

// PutSecretValue adds a version. Without VersionStages it becomes
// AWSCURRENT and the previous current version becomes AWSPREVIOUS.
func (e *Engine) PutSecretValue(ctx context.Context, in PutSecretValueInput) (*SecretRef, error) {
	if err := checkToken(in.ClientRequestToken); err != nil {
		return nil, err
	}
	if err := checkValue(in.SecretString, in.SecretBinary, true); err != nil {
		return nil, err
	}
	if in.ClientRequestToken == "" {
		return nil, ErrInvalidRequest.New(msgTokenRequired)
	}
	if err := checkStages(in.VersionStages); err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	var out *SecretRef
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, in.SecretID, true)
		if err != nil {
			return err
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgMarkedForDeletion)
		}
		if v := r.version(in.ClientRequestToken); v != nil {
			same, err := e.sameValue(tx, sc, r, v.ID, in.SecretString, in.SecretBinary)
			if err != nil {
				return err
			}
			if !same {
				return errResourceExists.New("You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", in.ClientRequestToken, r.ARN)
			}
			out = &SecretRef{ARN: r.ARN, Name: r.Name, VersionID: v.ID, VersionStages: sortedCopy(v.Stages)}
			return nil
		}
		var stages []string
		for _, s := range in.VersionStages {
			if !has(stages, s) {
				stages = append(stages, s)
			}
		}
		if len(stages) == 0 {
			stages = []string{StageCurrent}
		}
		if len(r.Versions) == 0 && !has(stages, StageCurrent) {
			stages = append(stages, StageCurrent)
		}
		if err := e.addVersion(tx, sc, r, in.ClientRequestToken, stages, in.SecretString, in.SecretBinary); err != nil {
			return err
		}
		r.Changed = e.clock()
		out = &SecretRef{ARN: r.ARN, Name: r.Name, VersionID: in.ClientRequestToken, VersionStages: sortedCopy(stages)}
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSecretInput is UpdateSecret's input; nil fields are left as they
// are.
type UpdateSecretInput struct {
	SecretID           string
	ClientRequestToken string
	Description        *string
	KmsKeyID           *string
	SecretString       *string
	SecretBinary       []byte
	Type               *string
}

// UpdateSecret changes a secret's metadata and, when a value is given,
// adds a version that becomes AWSCURRENT.
func (e *Engine) UpdateSecret(ctx context.Context, in UpdateSecretInput) (*SecretRef, error) {
	if err := checkToken(in.ClientRequestToken); err != nil {
		return nil, err
	}
	if in.Description != nil && len(*in.Description) > 2048 {
		return nil, constraintErr(*in.Description, "description", "Member must have length less than or equal to 2048")
	}
	if in.KmsKeyID != nil && len(*in.KmsKeyID) > 2048 {
		return nil, constraintErr(*in.KmsKeyID, "kmsKeyId", "Member must have length less than or equal to 2048")
	}
	if err := checkValue(in.SecretString, in.SecretBinary, false); err != nil {
		return nil, err
	}
	hasValue := in.SecretString != nil || in.SecretBinary != nil
	if hasValue && in.ClientRequestToken == "" {
		return nil, ErrInvalidRequest.New(msgTokenRequired)
	}
	sc := awsctx.From(ctx)
	var out *SecretRef
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, in.SecretID, true)
		if err != nil {
			return err
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgMarkedForDeletion)
		}
		out = &SecretRef{ARN: r.ARN, Name: r.Name}
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.KmsKeyID != nil {
			r.KmsKeyID = *in.KmsKeyID
		}
		if in.Type != nil {
			r.Type = *in.Type
		}
		if hasValue {
			if v := r.version(in.ClientRequestToken); v != nil {
				same, err := e.sameValue(tx, sc, r, v.ID, in.SecretString, in.SecretBinary)
				if err != nil {
					return err
				}
				if !same {
					return errResourceExists.New("You can't use ClientRequestToken %s because that value is already in use for a version of secret %s.", in.ClientRequestToken, r.ARN)
				}
				out.VersionID = v.ID
			} else {
				if err := e.addVersion(tx, sc, r, in.ClientRequestToken, []string{StageCurrent}, in.SecretString, in.SecretBinary); err != nil {
					return err
				}
				out.VersionID = in.ClientRequestToken
			}
		}
		r.Changed = e.clock()
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSecretVersionStage moves a staging label between versions.
func (e *Engine) UpdateSecretVersionStage(ctx context.Context, secretID, stage, removeFrom, moveTo string) (*SecretRef, error) {
	if stage == "" || len(stage) > 256 {
		return nil, constraintErr(stage, "versionStage", "Member must have length less than or equal to 256, Member must have length greater than or equal to 1")
	}
	sc := awsctx.From(ctx)
	var out *SecretRef
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, true)
		if err != nil {
			return err
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgMarkedForDeletion)
		}
		out = &SecretRef{ARN: r.ARN, Name: r.Name}
		var from, to *versionMeta
		if removeFrom != "" {
			if from = r.version(removeFrom); from == nil {
				return errInvalidParameter.New("The specified version ID %s doesn't exist for this secret.", removeFrom)
			}
			if !has(from.Stages, stage) {
				return errInvalidParameter.New("The staging label %s is not attached to version %s, so it can't be removed from it.", stage, removeFrom)
			}
		}
		if moveTo != "" {
			if to = r.version(moveTo); to == nil {
				return errInvalidParameter.New("The specified version ID %s doesn't exist for this secret.", moveTo)
			}
		}
		holder := r.withStage(stage)
		if to != nil && holder != nil && holder.ID != moveTo && from == nil {
			return errInvalidParameter.New("The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, "+
				"so you must explicitly reference that version in RemoveFromVersionId.", stage, holder.ID)
		}
		if stage == StageCurrent && from != nil && to == nil {
			return errInvalidParameter.New("You can't remove the staging label AWSCURRENT without moving it: specify MoveToVersionId.")
		}
		if from != nil && (to == nil || from.ID != to.ID) {
			from.Stages = without(from.Stages, stage)
		}
		if to != nil && !has(to.Stages, stage) {
			to.Stages = append(to.Stages, stage)
		}
		if stage == StageCurrent && from != nil && to != nil && from.ID != to.ID {
			for i := range r.Versions {
				r.Versions[i].Stages = without(r.Versions[i].Stages, StagePrevious)
			}
			from.Stages = append(from.Stages, StagePrevious)
		}
		if err := e.pruneDeprecated(tx, sc, r); err != nil {
			return err
		}
		r.Changed = e.clock()
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSecret schedules a secret's deletion after a recovery window (7 to
// 30 days, 30 by default), or deletes it at once with force. It returns the
// secret and when it is (or was) deleted.
func (e *Engine) DeleteSecret(ctx context.Context, secretID string, recoveryWindowDays *int64, force bool) (*SecretRef, time.Time, error) {
	if recoveryWindowDays != nil && force {
		return nil, time.Time{}, errInvalidParameter.New(msgWindowAndForce)
	}
	days := int64(30)
	if recoveryWindowDays != nil {
		if days = *recoveryWindowDays; days < 7 || days > 30 {
			return nil, time.Time{}, errInvalidParameter.New(msgWindowRange)
		}
	}
	sc := awsctx.From(ctx)
	var out *SecretRef
	var when time.Time
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, true)
		if err != nil {
			return err
		}
		out = &SecretRef{ARN: r.ARN, Name: r.Name}
		now := e.clock()
		if force {
			when = now
			return e.purge(tx, sc, r.Name)
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgAlreadyDeleted)
		}
		r.DeletedAt = now
		r.DeleteOn = now.Add(time.Duration(days) * 24 * time.Hour)
		when = r.DeleteOn
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	return out, when, nil
}

// RestoreSecret cancels a scheduled deletion.
func (e *Engine) RestoreSecret(ctx context.Context, secretID string) (*SecretRef, error) {
	sc := awsctx.From(ctx)
	var out *SecretRef
	err := e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, true)
		if err != nil {
			return err
		}
		out = &SecretRef{ARN: r.ARN, Name: r.Name}
		if !r.deleted() {
			return nil
		}
		r.DeletedAt, r.DeleteOn = time.Time{}, time.Time{}
		r.Changed = e.clock()
		return e.put(tx, sc, r)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// normalizeTags applies tags to a list in insertion order: existing keys
// are updated in place, new keys appended.
func normalizeTags(list, add []Tag) []Tag {
	out := append([]Tag(nil), list...)
	for _, t := range add {
		found := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				found = true
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

// TagResource adds or updates tags.
func (e *Engine) TagResource(ctx context.Context, secretID string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return e.updateTags(ctx, secretID, func(r *secretRecord) error {
		r.Tags = normalizeTags(r.Tags, tags)
		if len(r.Tags) > maxTags {
			return errLimitExceeded.New("A secret can have at most %d tags.", maxTags)
		}
		return nil
	})
}

// UntagResource removes tags by key.
func (e *Engine) UntagResource(ctx context.Context, secretID string, keys []string) error {
	return e.updateTags(ctx, secretID, func(r *secretRecord) error {
		kept := []Tag{}
		for _, t := range r.Tags {
			if !has(keys, t.Key) {
				kept = append(kept, t)
			}
		}
		r.Tags = kept
		return nil
	})
}

func (e *Engine) updateTags(ctx context.Context, secretID string, fn func(*secretRecord) error) error {
	sc := awsctx.From(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, true)
		if err != nil {
			return err
		}
		if r.deleted() {
			return ErrInvalidRequest.New(msgMarkedForDeletion)
		}
		if err := fn(r); err != nil {
			return err
		}
		r.Tagged = true
		r.Changed = e.clock()
		return e.put(tx, sc, r)
	})
}
