package secretsmanager

import (
	"context"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Shapes of the secretsmanager awsJson 1.1 protocol (see the tag
// conventions in internal/awswire/codec.go). Handlers decode, call the
// engine, encode.

type tagShape struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type replicaRegionShape struct {
	Region   string `json:"Region,omitempty"`
	KmsKeyId string `json:"KmsKeyId,omitempty"`
}

type createSecretInput struct {
	Name                        string               `json:"Name"`
	ClientRequestToken          string               `json:"ClientRequestToken,omitempty"`
	Description                 string               `json:"Description,omitempty"`
	KmsKeyId                    string               `json:"KmsKeyId,omitempty"`
	SecretBinary                []byte               `json:"SecretBinary,omitempty"`
	SecretString                *string              `json:"SecretString,omitempty"`
	Tags                        []tagShape           `json:"Tags,omitempty"`
	AddReplicaRegions           []replicaRegionShape `json:"AddReplicaRegions,omitempty"`
	ForceOverwriteReplicaSecret *bool                `json:"ForceOverwriteReplicaSecret,omitempty"`
	Type                        string               `json:"Type,omitempty"`
}

type refOutput struct {
	ARN       string `json:"ARN"`
	Name      string `json:"Name"`
	VersionId string `json:"VersionId,omitempty"`
}

type getSecretValueInput struct {
	SecretId     string `json:"SecretId"`
	VersionId    string `json:"VersionId,omitempty"`
	VersionStage string `json:"VersionStage,omitempty"`
}

type secretValueShape struct {
	ARN           string    `json:"ARN"`
	Name          string    `json:"Name"`
	VersionId     string    `json:"VersionId"`
	SecretBinary  []byte    `json:"SecretBinary,omitempty"`
	SecretString  *string   `json:"SecretString,omitempty"`
	VersionStages []string  `json:"VersionStages"`
	CreatedDate   time.Time `json:"CreatedDate"`
}

type putSecretValueInput struct {
	SecretId           string   `json:"SecretId"`
	ClientRequestToken string   `json:"ClientRequestToken,omitempty"`
	SecretBinary       []byte   `json:"SecretBinary,omitempty"`
	SecretString       *string  `json:"SecretString,omitempty"`
	VersionStages      []string `json:"VersionStages,omitempty"`
	RotationToken      string   `json:"RotationToken,omitempty"`
}

type putSecretValueOutput struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionId     string   `json:"VersionId"`
	VersionStages []string `json:"VersionStages"`
}

type updateSecretInput struct {
	SecretId           string  `json:"SecretId"`
	ClientRequestToken string  `json:"ClientRequestToken,omitempty"`
	Description        *string `json:"Description,omitempty"`
	KmsKeyId           *string `json:"KmsKeyId,omitempty"`
	SecretBinary       []byte  `json:"SecretBinary,omitempty"`
	SecretString       *string `json:"SecretString,omitempty"`
	Type               *string `json:"Type,omitempty"`
}

type updateSecretVersionStageInput struct {
	SecretId            string `json:"SecretId"`
	VersionStage        string `json:"VersionStage"`
	RemoveFromVersionId string `json:"RemoveFromVersionId,omitempty"`
	MoveToVersionId     string `json:"MoveToVersionId,omitempty"`
}

type secretIDInput struct {
	SecretId string `json:"SecretId"`
}

type describeSecretOutput struct {
	ARN                string              `json:"ARN"`
	Name               string              `json:"Name"`
	Type               string              `json:"Type,omitempty"`
	Description        string              `json:"Description,omitempty"`
	KmsKeyId           string              `json:"KmsKeyId,omitempty"`
	LastChangedDate    time.Time           `json:"LastChangedDate,omitempty"`
	LastAccessedDate   time.Time           `json:"LastAccessedDate,omitempty"`
	DeletedDate        time.Time           `json:"DeletedDate,omitempty"`
	Tags               []tagShape          `json:"Tags"`
	VersionIdsToStages map[string][]string `json:"VersionIdsToStages,omitempty"`
	OwningService      string              `json:"OwningService,omitempty"`
	CreatedDate        time.Time           `json:"CreatedDate,omitempty"`
}

type secretListEntry struct {
	ARN                    string              `json:"ARN"`
	Name                   string              `json:"Name"`
	Type                   string              `json:"Type,omitempty"`
	Description            string              `json:"Description,omitempty"`
	KmsKeyId               string              `json:"KmsKeyId,omitempty"`
	LastChangedDate        time.Time           `json:"LastChangedDate,omitempty"`
	LastAccessedDate       time.Time           `json:"LastAccessedDate,omitempty"`
	DeletedDate            time.Time           `json:"DeletedDate,omitempty"`
	Tags                   []tagShape          `json:"Tags"`
	SecretVersionsToStages map[string][]string `json:"SecretVersionsToStages,omitempty"`
	OwningService          string              `json:"OwningService,omitempty"`
	CreatedDate            time.Time           `json:"CreatedDate,omitempty"`
}

type filterShape struct {
	Key    string   `json:"Key,omitempty"`
	Values []string `json:"Values,omitempty"`
}

type listSecretsInput struct {
	IncludePlannedDeletion *bool         `json:"IncludePlannedDeletion,omitempty"`
	MaxResults             *int32        `json:"MaxResults,omitempty"`
	NextToken              string        `json:"NextToken,omitempty"`
	Filters                []filterShape `json:"Filters,omitempty"`
	SortOrder              string        `json:"SortOrder,omitempty"`
	SortBy                 string        `json:"SortBy,omitempty"`
}

type listSecretsOutput struct {
	SecretList []secretListEntry `json:"SecretList"`
	NextToken  string            `json:"NextToken,omitempty"`
}

type listSecretVersionIdsInput struct {
	SecretId          string `json:"SecretId"`
	MaxResults        *int32 `json:"MaxResults,omitempty"`
	NextToken         string `json:"NextToken,omitempty"`
	IncludeDeprecated *bool  `json:"IncludeDeprecated,omitempty"`
}

type versionEntryShape struct {
	VersionId        string    `json:"VersionId"`
	VersionStages    []string  `json:"VersionStages,omitempty"`
	LastAccessedDate time.Time `json:"LastAccessedDate,omitempty"`
	CreatedDate      time.Time `json:"CreatedDate"`
	KmsKeyIds        []string  `json:"KmsKeyIds,omitempty"`
}

type listSecretVersionIdsOutput struct {
	Versions  []versionEntryShape `json:"Versions"`
	NextToken string              `json:"NextToken,omitempty"`
	ARN       string              `json:"ARN"`
	Name      string              `json:"Name"`
}

type deleteSecretInput struct {
	SecretId                   string `json:"SecretId"`
	RecoveryWindowInDays       *int64 `json:"RecoveryWindowInDays,omitempty"`
	ForceDeleteWithoutRecovery *bool  `json:"ForceDeleteWithoutRecovery,omitempty"`
}

type deleteSecretOutput struct {
	ARN          string    `json:"ARN"`
	Name         string    `json:"Name"`
	DeletionDate time.Time `json:"DeletionDate"`
}

type tagResourceInput struct {
	SecretId string     `json:"SecretId"`
	Tags     []tagShape `json:"Tags" aws:"required"`
}

type untagResourceInput struct {
	SecretId string   `json:"SecretId"`
	TagKeys  []string `json:"TagKeys" aws:"required"`
}

type emptyOutput struct{}

type getRandomPasswordInput struct {
	PasswordLength          *int64 `json:"PasswordLength,omitempty"`
	ExcludeCharacters       string `json:"ExcludeCharacters,omitempty"`
	ExcludeNumbers          *bool  `json:"ExcludeNumbers,omitempty"`
	ExcludePunctuation      *bool  `json:"ExcludePunctuation,omitempty"`
	ExcludeUppercase        *bool  `json:"ExcludeUppercase,omitempty"`
	ExcludeLowercase        *bool  `json:"ExcludeLowercase,omitempty"`
	IncludeSpace            *bool  `json:"IncludeSpace,omitempty"`
	RequireEachIncludedType *bool  `json:"RequireEachIncludedType,omitempty"`
}

type getRandomPasswordOutput struct {
	RandomPassword string `json:"RandomPassword"`
}

type batchGetSecretValueInput struct {
	SecretIdList []string      `json:"SecretIdList,omitempty"`
	Filters      []filterShape `json:"Filters,omitempty"`
	MaxResults   *int32        `json:"MaxResults,omitempty"`
	NextToken    string        `json:"NextToken,omitempty"`
}

type apiErrorShape struct {
	SecretId  string `json:"SecretId"`
	ErrorCode string `json:"ErrorCode"`
	Message   string `json:"Message"`
}

type batchGetSecretValueOutput struct {
	SecretValues []secretValueShape `json:"SecretValues"`
	NextToken    string             `json:"NextToken,omitempty"`
	Errors       []apiErrorShape    `json:"Errors"`
}

// Service is Secrets Manager on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "secretsmanager",
		Protocols:    awswire.AWSJSON,
		JSONVersion:  "1.1",
		TargetPrefix: "secretsmanager",
		Ops: []awswire.Op{
			awswire.Operation("CreateSecret", e.wireCreateSecret),
			awswire.Operation("GetSecretValue", e.wireGetSecretValue),
			awswire.Operation("PutSecretValue", e.wirePutSecretValue),
			awswire.Operation("UpdateSecret", e.wireUpdateSecret),
			awswire.Operation("UpdateSecretVersionStage", e.wireUpdateSecretVersionStage),
			awswire.Operation("DescribeSecret", e.wireDescribeSecret),
			awswire.Operation("ListSecrets", e.wireListSecrets),
			awswire.Operation("ListSecretVersionIds", e.wireListSecretVersionIds),
			awswire.Operation("DeleteSecret", e.wireDeleteSecret),
			awswire.Operation("RestoreSecret", e.wireRestoreSecret),
			awswire.Operation("TagResource", e.wireTagResource),
			awswire.Operation("UntagResource", e.wireUntagResource),
			awswire.Operation("GetRandomPassword", e.wireGetRandomPassword),
			awswire.Operation("BatchGetSecretValue", e.wireBatchGetSecretValue),
		},
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func tagsIn(in []tagShape) []Tag {
	out := make([]Tag, len(in))
	for i, t := range in {
		out[i] = Tag(t)
	}
	return out
}

func tagsOut(in []Tag) []tagShape {
	if in == nil {
		return nil
	}
	out := make([]tagShape, len(in))
	for i, t := range in {
		out[i] = tagShape(t)
	}
	return out
}

func filtersIn(in []filterShape) []Filter {
	out := make([]Filter, len(in))
	for i, f := range in {
		out[i] = Filter(f)
	}
	return out
}

func valueOut(v *SecretValue) secretValueShape {
	out := secretValueShape{ARN: v.ARN, Name: v.Name, VersionId: v.VersionID, VersionStages: v.VersionStages, CreatedDate: v.CreatedDate}
	if v.SecretBinary != nil {
		out.SecretBinary = v.SecretBinary
	} else {
		s := v.SecretString
		out.SecretString = &s
	}
	return out
}

func refOut(r *SecretRef) *refOutput {
	return &refOutput{ARN: r.ARN, Name: r.Name, VersionId: r.VersionID}
}

func (e *Engine) wireCreateSecret(ctx context.Context, in *createSecretInput) (*refOutput, error) {
	r, err := e.CreateSecret(ctx, CreateSecretInput{
		Name: in.Name, ClientRequestToken: in.ClientRequestToken, Description: in.Description, KmsKeyID: in.KmsKeyId,
		SecretString: in.SecretString, SecretBinary: in.SecretBinary, Tags: tagsIn(in.Tags), Type: in.Type,
		AddReplicaRegions: len(in.AddReplicaRegions),
	})
	if err != nil {
		return nil, err
	}
	return refOut(r), nil
}

func (e *Engine) wireGetSecretValue(ctx context.Context, in *getSecretValueInput) (*secretValueShape, error) {
	v, err := e.GetSecretValue(ctx, in.SecretId, in.VersionId, in.VersionStage)
	if err != nil {
		return nil, err
	}
	out := valueOut(v)
	return &out, nil
}

func (e *Engine) wirePutSecretValue(ctx context.Context, in *putSecretValueInput) (*putSecretValueOutput, error) {
	r, err := e.PutSecretValue(ctx, PutSecretValueInput{SecretID: in.SecretId, ClientRequestToken: in.ClientRequestToken,
		SecretString: in.SecretString, SecretBinary: in.SecretBinary, VersionStages: in.VersionStages})
	if err != nil {
		return nil, err
	}
	return &putSecretValueOutput{ARN: r.ARN, Name: r.Name, VersionId: r.VersionID, VersionStages: r.VersionStages}, nil
}

func (e *Engine) wireUpdateSecret(ctx context.Context, in *updateSecretInput) (*refOutput, error) {
	r, err := e.UpdateSecret(ctx, UpdateSecretInput{SecretID: in.SecretId, ClientRequestToken: in.ClientRequestToken,
		Description: in.Description, KmsKeyID: in.KmsKeyId, SecretString: in.SecretString, SecretBinary: in.SecretBinary, Type: in.Type})
	if err != nil {
		return nil, err
	}
	return refOut(r), nil
}

func (e *Engine) wireUpdateSecretVersionStage(ctx context.Context, in *updateSecretVersionStageInput) (*refOutput, error) {
	r, err := e.UpdateSecretVersionStage(ctx, in.SecretId, in.VersionStage, in.RemoveFromVersionId, in.MoveToVersionId)
	if err != nil {
		return nil, err
	}
	return refOut(r), nil
}

func (e *Engine) wireDescribeSecret(ctx context.Context, in *secretIDInput) (*describeSecretOutput, error) {
	s, err := e.DescribeSecret(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	return &describeSecretOutput{ARN: s.ARN, Name: s.Name, Type: s.Type, Description: s.Description, KmsKeyId: s.KmsKeyID,
		LastChangedDate: s.LastChangedDate, LastAccessedDate: s.LastAccessedDate, DeletedDate: s.DeletedDate, Tags: tagsOut(s.Tags),
		VersionIdsToStages: s.VersionIDsToStages, OwningService: s.OwningService, CreatedDate: s.CreatedDate}, nil
}

func (e *Engine) wireListSecrets(ctx context.Context, in *listSecretsInput) (*listSecretsOutput, error) {
	list, next, err := e.ListSecrets(ctx, ListSecretsInput{IncludePlannedDeletion: deref(in.IncludePlannedDeletion),
		MaxResults: deref(in.MaxResults), NextToken: in.NextToken, Filters: filtersIn(in.Filters), SortOrder: in.SortOrder, SortBy: in.SortBy})
	if err != nil {
		return nil, err
	}
	out := &listSecretsOutput{SecretList: make([]secretListEntry, len(list)), NextToken: next}
	for i, s := range list {
		out.SecretList[i] = secretListEntry{ARN: s.ARN, Name: s.Name, Type: s.Type, Description: s.Description, KmsKeyId: s.KmsKeyID,
			LastChangedDate: s.LastChangedDate, LastAccessedDate: s.LastAccessedDate, DeletedDate: s.DeletedDate, Tags: tagsOut(s.Tags),
			SecretVersionsToStages: s.VersionIDsToStages, OwningService: s.OwningService, CreatedDate: s.CreatedDate}
	}
	return out, nil
}

func (e *Engine) wireListSecretVersionIds(ctx context.Context, in *listSecretVersionIdsInput) (*listSecretVersionIdsOutput, error) {
	ref, versions, next, err := e.ListSecretVersionIDs(ctx, in.SecretId, deref(in.MaxResults), in.NextToken, deref(in.IncludeDeprecated))
	if err != nil {
		return nil, err
	}
	out := &listSecretVersionIdsOutput{Versions: make([]versionEntryShape, len(versions)), NextToken: next, ARN: ref.ARN, Name: ref.Name}
	for i, v := range versions {
		out.Versions[i] = versionEntryShape{VersionId: v.VersionID, VersionStages: v.VersionStages, LastAccessedDate: v.LastAccessedDate,
			CreatedDate: v.CreatedDate, KmsKeyIds: v.KmsKeyIDs}
	}
	return out, nil
}

func (e *Engine) wireDeleteSecret(ctx context.Context, in *deleteSecretInput) (*deleteSecretOutput, error) {
	r, when, err := e.DeleteSecret(ctx, in.SecretId, in.RecoveryWindowInDays, deref(in.ForceDeleteWithoutRecovery))
	if err != nil {
		return nil, err
	}
	return &deleteSecretOutput{ARN: r.ARN, Name: r.Name, DeletionDate: when}, nil
}

func (e *Engine) wireRestoreSecret(ctx context.Context, in *secretIDInput) (*refOutput, error) {
	r, err := e.RestoreSecret(ctx, in.SecretId)
	if err != nil {
		return nil, err
	}
	return &refOutput{ARN: r.ARN, Name: r.Name}, nil
}

func (e *Engine) wireTagResource(ctx context.Context, in *tagResourceInput) (*emptyOutput, error) {
	if err := e.TagResource(ctx, in.SecretId, tagsIn(in.Tags)); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (e *Engine) wireUntagResource(ctx context.Context, in *untagResourceInput) (*emptyOutput, error) {
	if err := e.UntagResource(ctx, in.SecretId, in.TagKeys); err != nil {
		return nil, err
	}
	return &emptyOutput{}, nil
}

func (e *Engine) wireGetRandomPassword(_ context.Context, in *getRandomPasswordInput) (*getRandomPasswordOutput, error) {
	opts := PasswordOptions{ExcludeCharacters: in.ExcludeCharacters, ExcludeNumbers: deref(in.ExcludeNumbers),
		ExcludePunctuation: deref(in.ExcludePunctuation), ExcludeUppercase: deref(in.ExcludeUppercase), ExcludeLowercase: deref(in.ExcludeLowercase),
		IncludeSpace: deref(in.IncludeSpace), RequireEachIncludedType: in.RequireEachIncludedType}
	if in.PasswordLength != nil {
		if opts.PasswordLength = *in.PasswordLength; opts.PasswordLength == 0 {
			// An explicit 0 is below the minimum (0 in the engine means 32).
			return nil, constraintErr("0", "passwordLength", "Member must have value greater than or equal to 1")
		}
	}
	pw, err := GetRandomPassword(opts)
	if err != nil {
		return nil, err
	}
	return &getRandomPasswordOutput{RandomPassword: pw}, nil
}

func (e *Engine) wireBatchGetSecretValue(ctx context.Context, in *batchGetSecretValueInput) (*batchGetSecretValueOutput, error) {
	values, errs, next, err := e.BatchGetSecretValue(ctx, BatchGetSecretValueInput{SecretIDList: in.SecretIdList,
		Filters: filtersIn(in.Filters), MaxResults: deref(in.MaxResults), NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	out := &batchGetSecretValueOutput{SecretValues: make([]secretValueShape, len(values)), NextToken: next, Errors: make([]apiErrorShape, len(errs))}
	for i, v := range values {
		out.SecretValues[i] = valueOut(v)
	}
	for i, be := range errs {
		out.Errors[i] = apiErrorShape{SecretId: be.SecretID, ErrorCode: be.ErrorCode, Message: be.Message}
	}
	return out, nil
}
