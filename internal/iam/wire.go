package iam

import (
	"context"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Wire shapes (awsQuery). Member names and requiredness follow the IAM
// API model; policy documents go out URL-encoded, as IAM returns them.

type tagShape struct {
	Key   string `json:"Key" aws:"required"`
	Value string `json:"Value"`
}

type boundaryShape struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType,omitempty"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn,omitempty"`
}

type roleLastUsedShape struct {
	LastUsedDate *time.Time `json:"LastUsedDate,omitempty"`
	Region       string     `json:"Region,omitempty"`
}

type roleShape struct {
	Path                     string             `json:"Path"`
	RoleName                 string             `json:"RoleName"`
	RoleId                   string             `json:"RoleId"`
	Arn                      string             `json:"Arn"`
	CreateDate               time.Time          `json:"CreateDate"`
	AssumeRolePolicyDocument string             `json:"AssumeRolePolicyDocument,omitempty"`
	Description              string             `json:"Description,omitempty"`
	MaxSessionDuration       int32              `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *boundaryShape     `json:"PermissionsBoundary,omitempty"`
	Tags                     []tagShape         `json:"Tags,omitempty"`
	RoleLastUsed             *roleLastUsedShape `json:"RoleLastUsed,omitempty"`
}

type userShape struct {
	Path                string         `json:"Path,omitempty"`
	UserName            string         `json:"UserName,omitempty"`
	UserId              string         `json:"UserId"`
	Arn                 string         `json:"Arn"`
	CreateDate          time.Time      `json:"CreateDate"`
	PermissionsBoundary *boundaryShape `json:"PermissionsBoundary,omitempty"`
	Tags                []tagShape     `json:"Tags,omitempty"`
}

type policyShape struct {
	PolicyName                    string     `json:"PolicyName"`
	PolicyId                      string     `json:"PolicyId"`
	Arn                           string     `json:"Arn"`
	Path                          string     `json:"Path"`
	DefaultVersionId              string     `json:"DefaultVersionId"`
	AttachmentCount               int32      `json:"AttachmentCount"`
	PermissionsBoundaryUsageCount int32      `json:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool       `json:"IsAttachable"`
	Description                   string     `json:"Description,omitempty"`
	CreateDate                    time.Time  `json:"CreateDate"`
	UpdateDate                    time.Time  `json:"UpdateDate"`
	Tags                          []tagShape `json:"Tags,omitempty"`
}

type policyVersionShape struct {
	Document         string    `json:"Document,omitempty"`
	VersionId        string    `json:"VersionId"`
	IsDefaultVersion bool      `json:"IsDefaultVersion"`
	CreateDate       time.Time `json:"CreateDate"`
}

type instanceProfileShape struct {
	Path                string      `json:"Path"`
	InstanceProfileName string      `json:"InstanceProfileName"`
	InstanceProfileId   string      `json:"InstanceProfileId"`
	Arn                 string      `json:"Arn"`
	CreateDate          time.Time   `json:"CreateDate"`
	Roles               []roleShape `json:"Roles"`
	Tags                []tagShape  `json:"Tags,omitempty"`
}

type attachedPolicyShape struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

type accessKeyShape struct {
	UserName        string    `json:"UserName,omitempty"`
	AccessKeyId     string    `json:"AccessKeyId"`
	Status          string    `json:"Status"`
	SecretAccessKey string    `json:"SecretAccessKey,omitempty"`
	CreateDate      time.Time `json:"CreateDate"`
}

type emptyOut struct{}

func tagsIn(ts []tagShape) []Tag {
	if len(ts) == 0 {
		return nil
	}
	out := make([]Tag, len(ts))
	for i, t := range ts {
		out[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func tagsOut(ts []Tag) []tagShape {
	out := make([]tagShape, len(ts))
	for i, t := range ts {
		out[i] = tagShape{Key: t.Key, Value: t.Value}
	}
	return out
}

func boundaryOut(arn string) *boundaryShape {
	if arn == "" {
		return nil
	}
	return &boundaryShape{PermissionsBoundaryType: permissionsBoundaryType, PermissionsBoundaryArn: arn}
}

// Which optional members a role answer carries: list operations leave out
// the boundary, tags and last use, as IAM's do.
const (
	roleBrief = iota
	roleWithTags
	roleFull
)

func roleOut(r *Role, detail int) roleShape {
	s := roleShape{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN(), CreateDate: r.CreateDate,
		AssumeRolePolicyDocument: EncodeDocument(r.AssumeRolePolicyDocument),
		Description:              r.Description, MaxSessionDuration: r.MaxSessionDuration,
	}
	if detail >= roleWithTags {
		s.PermissionsBoundary = boundaryOut(r.PermissionsBoundary)
		if len(r.Tags) > 0 {
			s.Tags = tagsOut(r.Tags)
		}
	}
	if detail == roleFull {
		s.RoleLastUsed = &roleLastUsedShape{LastUsedDate: r.LastUsedDate, Region: r.LastUsedRegion}
	}
	return s
}

func userOut(u *User, full bool) userShape {
	s := userShape{UserId: u.ID, Arn: u.ARN(), CreateDate: u.CreateDate}
	if !u.Root {
		s.Path, s.UserName = u.Path, u.Name
	}
	if full {
		s.PermissionsBoundary = boundaryOut(u.PermissionsBoundary)
		if len(u.Tags) > 0 {
			s.Tags = tagsOut(u.Tags)
		}
	}
	return s
}

func policyOut(p *ManagedPolicy, full bool) policyShape {
	s := policyShape{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN(), Path: p.Path, DefaultVersionId: p.DefaultVersionID,
		AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount,
		IsAttachable: true, CreateDate: p.CreateDate, UpdateDate: p.UpdateDate,
	}
	if full {
		s.Description = p.Description
		if len(p.Tags) > 0 {
			s.Tags = tagsOut(p.Tags)
		}
	}
	return s
}

func versionOut(v *PolicyVersion, withDoc bool) policyVersionShape {
	s := policyVersionShape{VersionId: v.VersionID, IsDefaultVersion: v.IsDefault, CreateDate: v.CreateDate}
	if withDoc {
		s.Document = EncodeDocument(v.Document)
	}
	return s
}

func profileOut(p *InstanceProfile, withTags bool) instanceProfileShape {
	s := instanceProfileShape{
		Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID, Arn: p.ARN(), CreateDate: p.CreateDate,
		Roles: make([]roleShape, 0, len(p.Roles)),
	}
	for _, r := range p.Roles {
		s.Roles = append(s.Roles, roleOut(r, roleBrief))
	}
	if withTags && len(p.Tags) > 0 {
		s.Tags = tagsOut(p.Tags)
	}
	return s
}

func profilesOut(ps []*InstanceProfile) []instanceProfileShape {
	out := make([]instanceProfileShape, len(ps))
	for i, p := range ps {
		out[i] = profileOut(p, false)
	}
	return out
}

// Roles.

type createRoleIn struct {
	Path                     string     `json:"Path,omitempty"`
	RoleName                 string     `json:"RoleName" aws:"required"`
	AssumeRolePolicyDocument string     `json:"AssumeRolePolicyDocument" aws:"required"`
	Description              string     `json:"Description,omitempty"`
	MaxSessionDuration       *int32     `json:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      string     `json:"PermissionsBoundary,omitempty"`
	Tags                     []tagShape `json:"Tags,omitempty"`
}

type roleOutShape struct {
	Role roleShape `json:"Role"`
}

type roleNameIn struct {
	RoleName string `json:"RoleName" aws:"required"`
}

type listRolesIn struct {
	PathPrefix string `json:"PathPrefix,omitempty"`
	Marker     string `json:"Marker,omitempty"`
	MaxItems   *int32 `json:"MaxItems,omitempty"`
}

type listRolesOut struct {
	Roles       []roleShape `json:"Roles"`
	IsTruncated bool        `json:"IsTruncated"`
	Marker      string      `json:"Marker,omitempty"`
}

type updateRoleIn struct {
	RoleName           string  `json:"RoleName" aws:"required"`
	Description        *string `json:"Description,omitempty"`
	MaxSessionDuration *int32  `json:"MaxSessionDuration,omitempty"`
}

type updateRoleDescriptionIn struct {
	RoleName    string  `json:"RoleName" aws:"required"`
	Description *string `json:"Description" aws:"required"`
}

type updateAssumeRolePolicyIn struct {
	RoleName       string `json:"RoleName" aws:"required"`
	PolicyDocument string `json:"PolicyDocument" aws:"required"`
}

type tagRoleIn struct {
	RoleName string     `json:"RoleName" aws:"required"`
	Tags     []tagShape `json:"Tags" aws:"required"`
}

type untagRoleIn struct {
	RoleName string   `json:"RoleName" aws:"required"`
	TagKeys  []string `json:"TagKeys" aws:"required"`
}

type listRoleTagsIn struct {
	RoleName string `json:"RoleName" aws:"required"`
	Marker   string `json:"Marker,omitempty"`
	MaxItems *int32 `json:"MaxItems,omitempty"`
}

type listTagsOut struct {
	Tags        []tagShape `json:"Tags"`
	IsTruncated bool       `json:"IsTruncated"`
	Marker      string     `json:"Marker,omitempty"`
}

type putRoleBoundaryIn struct {
	RoleName            string `json:"RoleName" aws:"required"`
	PermissionsBoundary string `json:"PermissionsBoundary" aws:"required"`
}

// Inline policies.

type putRolePolicyIn struct {
	RoleName       string `json:"RoleName" aws:"required"`
	PolicyName     string `json:"PolicyName" aws:"required"`
	PolicyDocument string `json:"PolicyDocument" aws:"required"`
}

type rolePolicyIn struct {
	RoleName   string `json:"RoleName" aws:"required"`
	PolicyName string `json:"PolicyName" aws:"required"`
}

type getRolePolicyOut struct {
	RoleName       string `json:"RoleName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

type listRolePoliciesIn struct {
	RoleName string `json:"RoleName" aws:"required"`
	Marker   string `json:"Marker,omitempty"`
	MaxItems *int32 `json:"MaxItems,omitempty"`
}

type listPolicyNamesOut struct {
	PolicyNames []string `json:"PolicyNames"`
	IsTruncated bool     `json:"IsTruncated"`
	Marker      string   `json:"Marker,omitempty"`
}

type putUserPolicyIn struct {
	UserName       string `json:"UserName" aws:"required"`
	PolicyName     string `json:"PolicyName" aws:"required"`
	PolicyDocument string `json:"PolicyDocument" aws:"required"`
}

type userPolicyIn struct {
	UserName   string `json:"UserName" aws:"required"`
	PolicyName string `json:"PolicyName" aws:"required"`
}

type getUserPolicyOut struct {
	UserName       string `json:"UserName"`
	PolicyName     string `json:"PolicyName"`
	PolicyDocument string `json:"PolicyDocument"`
}

type listUserPoliciesIn struct {
	UserName string `json:"UserName" aws:"required"`
	Marker   string `json:"Marker,omitempty"`
	MaxItems *int32 `json:"MaxItems,omitempty"`
}

// Managed policies.

type createPolicyIn struct {
	PolicyName     string     `json:"PolicyName" aws:"required"`
	Path           string     `json:"Path,omitempty"`
	PolicyDocument string     `json:"PolicyDocument" aws:"required"`
	Description    string     `json:"Description,omitempty"`
	Tags           []tagShape `json:"Tags,omitempty"`
}

type policyOutShape struct {
	Policy policyShape `json:"Policy"`
}

type policyArnIn struct {
	PolicyArn string `json:"PolicyArn" aws:"required"`
}

type listPoliciesIn struct {
	Scope             string `json:"Scope,omitempty"`
	OnlyAttached      bool   `json:"OnlyAttached,omitempty"`
	PathPrefix        string `json:"PathPrefix,omitempty"`
	PolicyUsageFilter string `json:"PolicyUsageFilter,omitempty"`
	Marker            string `json:"Marker,omitempty"`
	MaxItems          *int32 `json:"MaxItems,omitempty"`
}

type listPoliciesOut struct {
	Policies    []policyShape `json:"Policies"`
	IsTruncated bool          `json:"IsTruncated"`
	Marker      string        `json:"Marker,omitempty"`
}

type createPolicyVersionIn struct {
	PolicyArn      string `json:"PolicyArn" aws:"required"`
	PolicyDocument string `json:"PolicyDocument" aws:"required"`
	SetAsDefault   bool   `json:"SetAsDefault,omitempty"`
}

type policyVersionOut struct {
	PolicyVersion policyVersionShape `json:"PolicyVersion"`
}

type policyVersionIn struct {
	PolicyArn string `json:"PolicyArn" aws:"required"`
	VersionId string `json:"VersionId" aws:"required"`
}

type listPolicyVersionsIn struct {
	PolicyArn string `json:"PolicyArn" aws:"required"`
	Marker    string `json:"Marker,omitempty"`
	MaxItems  *int32 `json:"MaxItems,omitempty"`
}

type listPolicyVersionsOut struct {
	Versions    []policyVersionShape `json:"Versions"`
	IsTruncated bool                 `json:"IsTruncated"`
	Marker      string               `json:"Marker,omitempty"`
}

type rolePolicyArnIn struct {
	RoleName  string `json:"RoleName" aws:"required"`
	PolicyArn string `json:"PolicyArn" aws:"required"`
}

type userPolicyArnIn struct {
	UserName  string `json:"UserName" aws:"required"`
	PolicyArn string `json:"PolicyArn" aws:"required"`
}

type listAttachedRolePoliciesIn struct {
	RoleName   string `json:"RoleName" aws:"required"`
	PathPrefix string `json:"PathPrefix,omitempty"`
	Marker     string `json:"Marker,omitempty"`
	MaxItems   *int32 `json:"MaxItems,omitempty"`
}

type listAttachedUserPoliciesIn struct {
	UserName   string `json:"UserName" aws:"required"`
	PathPrefix string `json:"PathPrefix,omitempty"`
	Marker     string `json:"Marker,omitempty"`
	MaxItems   *int32 `json:"MaxItems,omitempty"`
}

type listAttachedOut struct {
	AttachedPolicies []attachedPolicyShape `json:"AttachedPolicies"`
	IsTruncated      bool                  `json:"IsTruncated"`
	Marker           string                `json:"Marker,omitempty"`
}

type listEntitiesForPolicyIn struct {
	PolicyArn         string `json:"PolicyArn" aws:"required"`
	EntityFilter      string `json:"EntityFilter,omitempty"`
	PathPrefix        string `json:"PathPrefix,omitempty"`
	PolicyUsageFilter string `json:"PolicyUsageFilter,omitempty"`
	Marker            string `json:"Marker,omitempty"`
	MaxItems          *int32 `json:"MaxItems,omitempty"`
}

type policyGroupShape struct {
	GroupName string `json:"GroupName"`
	GroupId   string `json:"GroupId"`
}

type policyUserShape struct {
	UserName string `json:"UserName"`
	UserId   string `json:"UserId"`
}

type policyRoleShape struct {
	RoleName string `json:"RoleName"`
	RoleId   string `json:"RoleId"`
}

type listEntitiesForPolicyOut struct {
	PolicyGroups []policyGroupShape `json:"PolicyGroups"`
	PolicyUsers  []policyUserShape  `json:"PolicyUsers"`
	PolicyRoles  []policyRoleShape  `json:"PolicyRoles"`
	IsTruncated  bool               `json:"IsTruncated"`
	Marker       string             `json:"Marker,omitempty"`
}

type tagPolicyIn struct {
	PolicyArn string     `json:"PolicyArn" aws:"required"`
	Tags      []tagShape `json:"Tags" aws:"required"`
}

type untagPolicyIn struct {
	PolicyArn string   `json:"PolicyArn" aws:"required"`
	TagKeys   []string `json:"TagKeys" aws:"required"`
}

type listPolicyTagsIn struct {
	PolicyArn string `json:"PolicyArn" aws:"required"`
	Marker    string `json:"Marker,omitempty"`
	MaxItems  *int32 `json:"MaxItems,omitempty"`
}

// Instance profiles.

type createInstanceProfileIn struct {
	InstanceProfileName string     `json:"InstanceProfileName" aws:"required"`
	Path                string     `json:"Path,omitempty"`
	Tags                []tagShape `json:"Tags,omitempty"`
}

type instanceProfileOut struct {
	InstanceProfile instanceProfileShape `json:"InstanceProfile"`
}

type instanceProfileNameIn struct {
	InstanceProfileName string `json:"InstanceProfileName" aws:"required"`
}

type profileRoleIn struct {
	InstanceProfileName string `json:"InstanceProfileName" aws:"required"`
	RoleName            string `json:"RoleName" aws:"required"`
}

type listInstanceProfilesIn struct {
	PathPrefix string `json:"PathPrefix,omitempty"`
	Marker     string `json:"Marker,omitempty"`
	MaxItems   *int32 `json:"MaxItems,omitempty"`
}

type listInstanceProfilesOut struct {
	InstanceProfiles []instanceProfileShape `json:"InstanceProfiles"`
	IsTruncated      bool                   `json:"IsTruncated"`
	Marker           string                 `json:"Marker,omitempty"`
}

type tagInstanceProfileIn struct {
	InstanceProfileName string     `json:"InstanceProfileName" aws:"required"`
	Tags                []tagShape `json:"Tags" aws:"required"`
}

type untagInstanceProfileIn struct {
	InstanceProfileName string   `json:"InstanceProfileName" aws:"required"`
	TagKeys             []string `json:"TagKeys" aws:"required"`
}

type listInstanceProfileTagsIn struct {
	InstanceProfileName string `json:"InstanceProfileName" aws:"required"`
	Marker              string `json:"Marker,omitempty"`
	MaxItems            *int32 `json:"MaxItems,omitempty"`
}

// Users and access keys.

type createUserIn struct {
	Path                string     `json:"Path,omitempty"`
	UserName            string     `json:"UserName" aws:"required"`
	PermissionsBoundary string     `json:"PermissionsBoundary,omitempty"`
	Tags                []tagShape `json:"Tags,omitempty"`
}

type userOutShape struct {
	User userShape `json:"User"`
}

type userNameIn struct {
	UserName string `json:"UserName" aws:"required"`
}

type optionalUserNameIn struct {
	UserName string `json:"UserName,omitempty"`
}

type listUsersIn struct {
	PathPrefix string `json:"PathPrefix,omitempty"`
	Marker     string `json:"Marker,omitempty"`
	MaxItems   *int32 `json:"MaxItems,omitempty"`
}

type listUsersOut struct {
	Users       []userShape `json:"Users"`
	IsTruncated bool        `json:"IsTruncated"`
	Marker      string      `json:"Marker,omitempty"`
}

type tagUserIn struct {
	UserName string     `json:"UserName" aws:"required"`
	Tags     []tagShape `json:"Tags" aws:"required"`
}

type untagUserIn struct {
	UserName string   `json:"UserName" aws:"required"`
	TagKeys  []string `json:"TagKeys" aws:"required"`
}

type listUserTagsIn struct {
	UserName string `json:"UserName" aws:"required"`
	Marker   string `json:"Marker,omitempty"`
	MaxItems *int32 `json:"MaxItems,omitempty"`
}

type putUserBoundaryIn struct {
	UserName            string `json:"UserName" aws:"required"`
	PermissionsBoundary string `json:"PermissionsBoundary" aws:"required"`
}

type accessKeyOut struct {
	AccessKey accessKeyShape `json:"AccessKey"`
}

type listAccessKeysIn struct {
	UserName string `json:"UserName,omitempty"`
	Marker   string `json:"Marker,omitempty"`
	MaxItems *int32 `json:"MaxItems,omitempty"`
}

type listAccessKeysOut struct {
	AccessKeyMetadata []accessKeyShape `json:"AccessKeyMetadata"`
	IsTruncated       bool             `json:"IsTruncated"`
	Marker            string           `json:"Marker,omitempty"`
}

type updateAccessKeyIn struct {
	UserName    string `json:"UserName,omitempty"`
	AccessKeyId string `json:"AccessKeyId" aws:"required"`
	Status      string `json:"Status" aws:"required"`
}

type deleteAccessKeyIn struct {
	UserName    string `json:"UserName,omitempty"`
	AccessKeyId string `json:"AccessKeyId" aws:"required"`
}

type accessKeyIDIn struct {
	AccessKeyId string `json:"AccessKeyId" aws:"required"`
}

type accessKeyLastUsedShape struct {
	LastUsedDate *time.Time `json:"LastUsedDate,omitempty"`
	ServiceName  string     `json:"ServiceName"`
	Region       string     `json:"Region"`
}

type getAccessKeyLastUsedOut struct {
	UserName          string                  `json:"UserName,omitempty"`
	AccessKeyLastUsed *accessKeyLastUsedShape `json:"AccessKeyLastUsed,omitempty"`
}

type getAccountSummaryOut struct {
	SummaryMap map[string]int32 `json:"SummaryMap"`
}

func listTags(tags []Tag, next string, err error) (*listTagsOut, error) {
	if err != nil {
		return nil, err
	}
	return &listTagsOut{Tags: tagsOut(tags), IsTruncated: next != "", Marker: next}, nil
}

func done(err error) (*emptyOut, error) {
	if err != nil {
		return nil, err
	}
	return &emptyOut{}, nil
}

// Service is IAM on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:         "iam",
		Protocols:    awswire.AWSQuery,
		XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
		Ops: []awswire.Op{
			// Roles.
			awswire.Operation("CreateRole", func(ctx context.Context, in *createRoleIn) (*roleOutShape, error) {
				r, err := e.CreateRole(ctx, CreateRoleInput{
					Name: in.RoleName, Path: in.Path, AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
					Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
					PermissionsBoundary: in.PermissionsBoundary, Tags: tagsIn(in.Tags),
				})
				if err != nil {
					return nil, err
				}
				return &roleOutShape{Role: roleOut(r, roleWithTags)}, nil
			}),
			awswire.Operation("GetRole", func(ctx context.Context, in *roleNameIn) (*roleOutShape, error) {
				r, err := e.GetRole(ctx, in.RoleName)
				if err != nil {
					return nil, err
				}
				return &roleOutShape{Role: roleOut(r, roleFull)}, nil
			}),
			awswire.Operation("ListRoles", func(ctx context.Context, in *listRolesIn) (*listRolesOut, error) {
				roles, next, err := e.ListRoles(ctx, in.PathPrefix, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				out := &listRolesOut{Roles: make([]roleShape, len(roles)), IsTruncated: next != "", Marker: next}
				for i, r := range roles {
					out.Roles[i] = roleOut(r, roleBrief)
				}
				return out, nil
			}),
			awswire.Operation("UpdateRole", func(ctx context.Context, in *updateRoleIn) (*emptyOut, error) {
				return done(e.UpdateRole(ctx, in.RoleName, in.Description, in.MaxSessionDuration))
			}),
			awswire.Operation("UpdateRoleDescription", func(ctx context.Context, in *updateRoleDescriptionIn) (*roleOutShape, error) {
				r, err := e.UpdateRoleDescription(ctx, in.RoleName, *in.Description)
				if err != nil {
					return nil, err
				}
				return &roleOutShape{Role: roleOut(r, roleWithTags)}, nil
			}),
			awswire.Operation("UpdateAssumeRolePolicy", func(ctx context.Context, in *updateAssumeRolePolicyIn) (*emptyOut, error) {
				return done(e.UpdateAssumeRolePolicy(ctx, in.RoleName, in.PolicyDocument))
			}),
			awswire.Operation("DeleteRole", func(ctx context.Context, in *roleNameIn) (*emptyOut, error) {
				return done(e.DeleteRole(ctx, in.RoleName))
			}),
			awswire.Operation("TagRole", func(ctx context.Context, in *tagRoleIn) (*emptyOut, error) {
				return done(e.TagRole(ctx, in.RoleName, tagsIn(in.Tags)))
			}),
			awswire.Operation("UntagRole", func(ctx context.Context, in *untagRoleIn) (*emptyOut, error) {
				return done(e.UntagRole(ctx, in.RoleName, in.TagKeys))
			}),
			awswire.Operation("ListRoleTags", func(ctx context.Context, in *listRoleTagsIn) (*listTagsOut, error) {
				return listTags(e.ListRoleTags(ctx, in.RoleName, in.Marker, in.MaxItems))
			}),
			awswire.Operation("PutRolePermissionsBoundary", func(ctx context.Context, in *putRoleBoundaryIn) (*emptyOut, error) {
				return done(e.PutPermissionsBoundary(ctx, "role", in.RoleName, in.PermissionsBoundary))
			}),
			awswire.Operation("DeleteRolePermissionsBoundary", func(ctx context.Context, in *roleNameIn) (*emptyOut, error) {
				return done(e.DeletePermissionsBoundary(ctx, "role", in.RoleName))
			}),

			// Inline policies.
			awswire.Operation("PutRolePolicy", func(ctx context.Context, in *putRolePolicyIn) (*emptyOut, error) {
				return done(e.PutInlinePolicy(ctx, "role", in.RoleName, in.PolicyName, in.PolicyDocument))
			}),
			awswire.Operation("GetRolePolicy", func(ctx context.Context, in *rolePolicyIn) (*getRolePolicyOut, error) {
				doc, role, err := e.GetInlinePolicy(ctx, "role", in.RoleName, in.PolicyName)
				if err != nil {
					return nil, err
				}
				return &getRolePolicyOut{RoleName: role, PolicyName: in.PolicyName, PolicyDocument: EncodeDocument(doc)}, nil
			}),
			awswire.Operation("ListRolePolicies", func(ctx context.Context, in *listRolePoliciesIn) (*listPolicyNamesOut, error) {
				names, next, err := e.ListInlinePolicies(ctx, "role", in.RoleName, in.Marker, in.MaxItems)
				return policyNames(names, next, err)
			}),
			awswire.Operation("DeleteRolePolicy", func(ctx context.Context, in *rolePolicyIn) (*emptyOut, error) {
				return done(e.DeleteInlinePolicy(ctx, "role", in.RoleName, in.PolicyName))
			}),
			awswire.Operation("PutUserPolicy", func(ctx context.Context, in *putUserPolicyIn) (*emptyOut, error) {
				return done(e.PutInlinePolicy(ctx, "user", in.UserName, in.PolicyName, in.PolicyDocument))
			}),
			awswire.Operation("GetUserPolicy", func(ctx context.Context, in *userPolicyIn) (*getUserPolicyOut, error) {
				doc, user, err := e.GetInlinePolicy(ctx, "user", in.UserName, in.PolicyName)
				if err != nil {
					return nil, err
				}
				return &getUserPolicyOut{UserName: user, PolicyName: in.PolicyName, PolicyDocument: EncodeDocument(doc)}, nil
			}),
			awswire.Operation("ListUserPolicies", func(ctx context.Context, in *listUserPoliciesIn) (*listPolicyNamesOut, error) {
				names, next, err := e.ListInlinePolicies(ctx, "user", in.UserName, in.Marker, in.MaxItems)
				return policyNames(names, next, err)
			}),
			awswire.Operation("DeleteUserPolicy", func(ctx context.Context, in *userPolicyIn) (*emptyOut, error) {
				return done(e.DeleteInlinePolicy(ctx, "user", in.UserName, in.PolicyName))
			}),

			// Managed policies.
			awswire.Operation("CreatePolicy", func(ctx context.Context, in *createPolicyIn) (*policyOutShape, error) {
				p, err := e.CreatePolicy(ctx, CreatePolicyInput{
					Name: in.PolicyName, Path: in.Path, Document: in.PolicyDocument, Description: in.Description, Tags: tagsIn(in.Tags),
				})
				if err != nil {
					return nil, err
				}
				return &policyOutShape{Policy: policyOut(p, true)}, nil
			}),
			awswire.Operation("GetPolicy", func(ctx context.Context, in *policyArnIn) (*policyOutShape, error) {
				p, err := e.GetPolicy(ctx, in.PolicyArn)
				if err != nil {
					return nil, err
				}
				return &policyOutShape{Policy: policyOut(p, true)}, nil
			}),
			awswire.Operation("ListPolicies", func(ctx context.Context, in *listPoliciesIn) (*listPoliciesOut, error) {
				ps, next, err := e.ListPolicies(ctx, ListPoliciesInput{
					Scope: in.Scope, OnlyAttached: in.OnlyAttached, PathPrefix: in.PathPrefix,
					UsageFilter: in.PolicyUsageFilter, Marker: in.Marker, MaxItems: in.MaxItems,
				})
				if err != nil {
					return nil, err
				}
				out := &listPoliciesOut{Policies: make([]policyShape, len(ps)), IsTruncated: next != "", Marker: next}
				for i, p := range ps {
					out.Policies[i] = policyOut(p, false)
				}
				return out, nil
			}),
			awswire.Operation("DeletePolicy", func(ctx context.Context, in *policyArnIn) (*emptyOut, error) {
				return done(e.DeletePolicy(ctx, in.PolicyArn))
			}),
			awswire.Operation("CreatePolicyVersion", func(ctx context.Context, in *createPolicyVersionIn) (*policyVersionOut, error) {
				v, err := e.CreatePolicyVersion(ctx, in.PolicyArn, in.PolicyDocument, in.SetAsDefault)
				if err != nil {
					return nil, err
				}
				return &policyVersionOut{PolicyVersion: versionOut(v, false)}, nil
			}),
			awswire.Operation("GetPolicyVersion", func(ctx context.Context, in *policyVersionIn) (*policyVersionOut, error) {
				v, err := e.GetPolicyVersion(ctx, in.PolicyArn, in.VersionId)
				if err != nil {
					return nil, err
				}
				return &policyVersionOut{PolicyVersion: versionOut(v, true)}, nil
			}),
			awswire.Operation("ListPolicyVersions", func(ctx context.Context, in *listPolicyVersionsIn) (*listPolicyVersionsOut, error) {
				vs, next, err := e.ListPolicyVersions(ctx, in.PolicyArn, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				out := &listPolicyVersionsOut{Versions: make([]policyVersionShape, len(vs)), IsTruncated: next != "", Marker: next}
				for i := range vs {
					out.Versions[i] = versionOut(&vs[i], false)
				}
				return out, nil
			}),
			awswire.Operation("DeletePolicyVersion", func(ctx context.Context, in *policyVersionIn) (*emptyOut, error) {
				return done(e.DeletePolicyVersion(ctx, in.PolicyArn, in.VersionId))
			}),
			awswire.Operation("SetDefaultPolicyVersion", func(ctx context.Context, in *policyVersionIn) (*emptyOut, error) {
				return done(e.SetDefaultPolicyVersion(ctx, in.PolicyArn, in.VersionId))
			}),
			awswire.Operation("AttachRolePolicy", func(ctx context.Context, in *rolePolicyArnIn) (*emptyOut, error) {
				return done(e.AttachPolicy(ctx, "role", in.RoleName, in.PolicyArn))
			}),
			awswire.Operation("DetachRolePolicy", func(ctx context.Context, in *rolePolicyArnIn) (*emptyOut, error) {
				return done(e.DetachPolicy(ctx, "role", in.RoleName, in.PolicyArn))
			}),
			awswire.Operation("ListAttachedRolePolicies", func(ctx context.Context, in *listAttachedRolePoliciesIn) (*listAttachedOut, error) {
				return attachedOut(e.ListAttachedPolicies(ctx, "role", in.RoleName, in.PathPrefix, in.Marker, in.MaxItems))
			}),
			awswire.Operation("AttachUserPolicy", func(ctx context.Context, in *userPolicyArnIn) (*emptyOut, error) {
				return done(e.AttachPolicy(ctx, "user", in.UserName, in.PolicyArn))
			}),
			awswire.Operation("DetachUserPolicy", func(ctx context.Context, in *userPolicyArnIn) (*emptyOut, error) {
				return done(e.DetachPolicy(ctx, "user", in.UserName, in.PolicyArn))
			}),
			awswire.Operation("ListAttachedUserPolicies", func(ctx context.Context, in *listAttachedUserPoliciesIn) (*listAttachedOut, error) {
				return attachedOut(e.ListAttachedPolicies(ctx, "user", in.UserName, in.PathPrefix, in.Marker, in.MaxItems))
			}),
			awswire.Operation("ListEntitiesForPolicy", func(ctx context.Context, in *listEntitiesForPolicyIn) (*listEntitiesForPolicyOut, error) {
				ents, next, err := e.ListEntitiesForPolicy(ctx, ListEntitiesForPolicyInput{
					PolicyARN: in.PolicyArn, EntityFilter: in.EntityFilter, PathPrefix: in.PathPrefix,
					UsageFilter: in.PolicyUsageFilter, Marker: in.Marker, MaxItems: in.MaxItems,
				})
				if err != nil {
					return nil, err
				}
				out := &listEntitiesForPolicyOut{
					PolicyGroups: []policyGroupShape{}, PolicyUsers: []policyUserShape{}, PolicyRoles: []policyRoleShape{},
					IsTruncated: next != "", Marker: next,
				}
				for _, en := range ents {
					switch en.Kind {
					case "role":
						out.PolicyRoles = append(out.PolicyRoles, policyRoleShape{RoleName: en.Name, RoleId: en.ID})
					case "user":
						out.PolicyUsers = append(out.PolicyUsers, policyUserShape{UserName: en.Name, UserId: en.ID})
					case "group":
						out.PolicyGroups = append(out.PolicyGroups, policyGroupShape{GroupName: en.Name, GroupId: en.ID})
					}
				}
				return out, nil
			}),
			awswire.Operation("TagPolicy", func(ctx context.Context, in *tagPolicyIn) (*emptyOut, error) {
				return done(e.TagPolicy(ctx, in.PolicyArn, tagsIn(in.Tags)))
			}),
			awswire.Operation("UntagPolicy", func(ctx context.Context, in *untagPolicyIn) (*emptyOut, error) {
				return done(e.UntagPolicy(ctx, in.PolicyArn, in.TagKeys))
			}),
			awswire.Operation("ListPolicyTags", func(ctx context.Context, in *listPolicyTagsIn) (*listTagsOut, error) {
				p, err := e.GetPolicy(ctx, in.PolicyArn)
				if err != nil {
					return nil, err
				}
				return listTags(pageTags(p.Tags, in.Marker, in.MaxItems))
			}),

			// Instance profiles.
			awswire.Operation("CreateInstanceProfile", func(ctx context.Context, in *createInstanceProfileIn) (*instanceProfileOut, error) {
				p, err := e.CreateInstanceProfile(ctx, in.InstanceProfileName, in.Path, tagsIn(in.Tags))
				if err != nil {
					return nil, err
				}
				return &instanceProfileOut{InstanceProfile: profileOut(p, true)}, nil
			}),
			awswire.Operation("GetInstanceProfile", func(ctx context.Context, in *instanceProfileNameIn) (*instanceProfileOut, error) {
				p, err := e.GetInstanceProfile(ctx, in.InstanceProfileName)
				if err != nil {
					return nil, err
				}
				return &instanceProfileOut{InstanceProfile: profileOut(p, true)}, nil
			}),
			awswire.Operation("DeleteInstanceProfile", func(ctx context.Context, in *instanceProfileNameIn) (*emptyOut, error) {
				return done(e.DeleteInstanceProfile(ctx, in.InstanceProfileName))
			}),
			awswire.Operation("AddRoleToInstanceProfile", func(ctx context.Context, in *profileRoleIn) (*emptyOut, error) {
				return done(e.AddRoleToInstanceProfile(ctx, in.InstanceProfileName, in.RoleName))
			}),
			awswire.Operation("RemoveRoleFromInstanceProfile", func(ctx context.Context, in *profileRoleIn) (*emptyOut, error) {
				return done(e.RemoveRoleFromInstanceProfile(ctx, in.InstanceProfileName, in.RoleName))
			}),
			awswire.Operation("ListInstanceProfiles", func(ctx context.Context, in *listInstanceProfilesIn) (*listInstanceProfilesOut, error) {
				ps, next, err := e.ListInstanceProfiles(ctx, in.PathPrefix, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				return &listInstanceProfilesOut{InstanceProfiles: profilesOut(ps), IsTruncated: next != "", Marker: next}, nil
			}),
			awswire.Operation("ListInstanceProfilesForRole", func(ctx context.Context, in *listRoleTagsIn) (*listInstanceProfilesOut, error) {
				ps, next, err := e.ListInstanceProfilesForRole(ctx, in.RoleName, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				return &listInstanceProfilesOut{InstanceProfiles: profilesOut(ps), IsTruncated: next != "", Marker: next}, nil
			}),
			awswire.Operation("TagInstanceProfile", func(ctx context.Context, in *tagInstanceProfileIn) (*emptyOut, error) {
				return done(e.TagInstanceProfile(ctx, in.InstanceProfileName, tagsIn(in.Tags)))
			}),
			awswire.Operation("UntagInstanceProfile", func(ctx context.Context, in *untagInstanceProfileIn) (*emptyOut, error) {
				return done(e.UntagInstanceProfile(ctx, in.InstanceProfileName, in.TagKeys))
			}),
			awswire.Operation("ListInstanceProfileTags", func(ctx context.Context, in *listInstanceProfileTagsIn) (*listTagsOut, error) {
				p, err := e.GetInstanceProfile(ctx, in.InstanceProfileName)
				if err != nil {
					return nil, err
				}
				return listTags(pageTags(p.Tags, in.Marker, in.MaxItems))
			}),

			// Users and access keys.
			awswire.Operation("CreateUser", func(ctx context.Context, in *createUserIn) (*userOutShape, error) {
				u, err := e.CreateUser(ctx, CreateUserInput{Name: in.UserName, Path: in.Path, PermissionsBoundary: in.PermissionsBoundary, Tags: tagsIn(in.Tags)})
				if err != nil {
					return nil, err
				}
				return &userOutShape{User: userOut(u, true)}, nil
			}),
			awswire.Operation("GetUser", func(ctx context.Context, in *optionalUserNameIn) (*userOutShape, error) {
				u, err := e.GetUser(ctx, in.UserName)
				if err != nil {
					return nil, err
				}
				return &userOutShape{User: userOut(u, true)}, nil
			}),
			awswire.Operation("ListUsers", func(ctx context.Context, in *listUsersIn) (*listUsersOut, error) {
				us, next, err := e.ListUsers(ctx, in.PathPrefix, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				out := &listUsersOut{Users: make([]userShape, len(us)), IsTruncated: next != "", Marker: next}
				for i, u := range us {
					out.Users[i] = userOut(u, false)
				}
				return out, nil
			}),
			awswire.Operation("DeleteUser", func(ctx context.Context, in *userNameIn) (*emptyOut, error) {
				return done(e.DeleteUser(ctx, in.UserName))
			}),
			awswire.Operation("TagUser", func(ctx context.Context, in *tagUserIn) (*emptyOut, error) {
				return done(e.TagUser(ctx, in.UserName, tagsIn(in.Tags)))
			}),
			awswire.Operation("UntagUser", func(ctx context.Context, in *untagUserIn) (*emptyOut, error) {
				return done(e.UntagUser(ctx, in.UserName, in.TagKeys))
			}),
			awswire.Operation("ListUserTags", func(ctx context.Context, in *listUserTagsIn) (*listTagsOut, error) {
				return listTags(e.ListUserTags(ctx, in.UserName, in.Marker, in.MaxItems))
			}),
			awswire.Operation("PutUserPermissionsBoundary", func(ctx context.Context, in *putUserBoundaryIn) (*emptyOut, error) {
				return done(e.PutPermissionsBoundary(ctx, "user", in.UserName, in.PermissionsBoundary))
			}),
			awswire.Operation("DeleteUserPermissionsBoundary", func(ctx context.Context, in *userNameIn) (*emptyOut, error) {
				return done(e.DeletePermissionsBoundary(ctx, "user", in.UserName))
			}),
			awswire.Operation("CreateAccessKey", func(ctx context.Context, in *optionalUserNameIn) (*accessKeyOut, error) {
				k, err := e.CreateAccessKey(ctx, in.UserName)
				if err != nil {
					return nil, err
				}
				return &accessKeyOut{AccessKey: accessKeyShape{
					UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, SecretAccessKey: k.Secret, CreateDate: k.CreateDate,
				}}, nil
			}),
			awswire.Operation("ListAccessKeys", func(ctx context.Context, in *listAccessKeysIn) (*listAccessKeysOut, error) {
				ks, next, err := e.ListAccessKeys(ctx, in.UserName, in.Marker, in.MaxItems)
				if err != nil {
					return nil, err
				}
				out := &listAccessKeysOut{AccessKeyMetadata: make([]accessKeyShape, len(ks)), IsTruncated: next != "", Marker: next}
				for i, k := range ks {
					out.AccessKeyMetadata[i] = accessKeyShape{UserName: k.UserName, AccessKeyId: k.ID, Status: k.Status, CreateDate: k.CreateDate}
				}
				return out, nil
			}),
			awswire.Operation("UpdateAccessKey", func(ctx context.Context, in *updateAccessKeyIn) (*emptyOut, error) {
				return done(e.UpdateAccessKey(ctx, in.UserName, in.AccessKeyId, in.Status))
			}),
			awswire.Operation("DeleteAccessKey", func(ctx context.Context, in *deleteAccessKeyIn) (*emptyOut, error) {
				return done(e.DeleteAccessKey(ctx, in.UserName, in.AccessKeyId))
			}),
			awswire.Operation("GetAccessKeyLastUsed", func(ctx context.Context, in *accessKeyIDIn) (*getAccessKeyLastUsedOut, error) {
				lu, err := e.GetAccessKeyLastUsed(ctx, in.AccessKeyId)
				if err != nil {
					return nil, err
				}
				return &getAccessKeyLastUsedOut{UserName: lu.UserName, AccessKeyLastUsed: &accessKeyLastUsedShape{
					LastUsedDate: lu.LastUsedDate, ServiceName: lu.ServiceName, Region: lu.Region,
				}}, nil
			}),
			awswire.Operation("GetAccountSummary", func(ctx context.Context, _ *emptyOut) (*getAccountSummaryOut, error) {
				m, err := e.AccountSummary(ctx)
				if err != nil {
					return nil, err
				}
				return &getAccountSummaryOut{SummaryMap: m}, nil
			}),
		},
	}
}

func policyNames(names []string, next string, err error) (*listPolicyNamesOut, error) {
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &listPolicyNamesOut{PolicyNames: names, IsTruncated: next != "", Marker: next}, nil
}

func attachedOut(ps []AttachedPolicy, next string, err error) (*listAttachedOut, error) {
	if err != nil {
		return nil, err
	}
	out := &listAttachedOut{AttachedPolicies: make([]attachedPolicyShape, len(ps)), IsTruncated: next != "", Marker: next}
	for i, p := range ps {
		out.AttachedPolicies[i] = attachedPolicyShape{PolicyName: p.Name, PolicyArn: p.ARN}
	}
	return out, nil
}
