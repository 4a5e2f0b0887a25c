package codecommit

import (
	"context"
	"sort"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awswire"
)

// HTTPS Git credentials are issued through IAM's service-specific
// credential API, as on AWS (`aws iam create-service-specific-credential
// --service-name codecommit.amazonaws.com`). These operations are added to
// the IAM service by the server; the credentials live here because the git
// handler checks them.

const codecommitService = "codecommit.amazonaws.com"

var (
	errIAMNoSuchEntity  = apierr.Code{Name: "NoSuchEntity", Status: 404}
	errIAMNotSupported  = apierr.Code{Name: "ServiceNotSupported", Status: 404}
	errIAMLimitExceeded = apierr.Code{Name: "LimitExceeded", Status: 409}
	errIAMValidation    = apierr.ValidationError
)

type iamServiceCredential struct {
	CreateDate                  time.Time `json:"CreateDate"`
	ServiceName                 string    `json:"ServiceName"`
	ServiceUserName             string    `json:"ServiceUserName"`
	ServicePassword             string    `json:"ServicePassword,omitempty"`
	ServiceSpecificCredentialId string    `json:"ServiceSpecificCredentialId"`
	UserName                    string    `json:"UserName"`
	Status                      string    `json:"Status"`
}

type createSSCIn struct {
	UserName    string `json:"UserName" aws:"required"`
	ServiceName string `json:"ServiceName" aws:"required"`
}

type createSSCOut struct {
	ServiceSpecificCredential iamServiceCredential `json:"ServiceSpecificCredential"`
}

type listSSCIn struct {
	UserName    string `json:"UserName,omitempty"`
	ServiceName string `json:"ServiceName,omitempty"`
}

type listSSCOut struct {
	ServiceSpecificCredentials []iamServiceCredential `json:"ServiceSpecificCredentials"`
}

type deleteSSCIn struct {
	UserName                    string `json:"UserName,omitempty"`
	ServiceSpecificCredentialId string `json:"ServiceSpecificCredentialId" aws:"required"`
}

// IAMCredentialOps returns the IAM operations for HTTPS Git credentials.
// userExists reports whether an IAM user exists (NoSuchEntity otherwise).
func (e *Engine) IAMCredentialOps(userExists func(ctx context.Context, name string) bool) []awswire.Op {
	check := func(ctx context.Context, user, service string) error {
		if service != "" && service != codecommitService {
			return errIAMNotSupported.New("Service %s is not supported for service-specific credentials; skiff supports %s.", service, codecommitService)
		}
		if user != "" && !userExists(ctx, user) {
			return errIAMNoSuchEntity.New("The user with name %s cannot be found.", user)
		}
		return nil
	}
	create := func(ctx context.Context, in *createSSCIn) (*createSSCOut, error) {
		if err := check(ctx, in.UserName, in.ServiceName); err != nil {
			return nil, err
		}
		if existing, err := e.ListGitCredentials(ctx, in.UserName); err == nil && len(existing) >= 2 {
			return nil, errIAMLimitExceeded.New("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
		}
		user, password, err := e.CreateGitCredentials(ctx, in.UserName)
		if err != nil {
			return nil, err
		}
		creds, err := e.ListGitCredentials(ctx, in.UserName)
		if err != nil || len(creds) == 0 {
			return nil, err
		}
		sort.Slice(creds, func(i, j int) bool { return creds[i].Created.After(creds[j].Created) })
		c := creds[0]
		return &createSSCOut{iamServiceCredential{CreateDate: c.Created, ServiceName: codecommitService, ServiceUserName: user,
			ServicePassword: password, ServiceSpecificCredentialId: c.ID, UserName: c.UserName, Status: c.Status}}, nil
	}
	list := func(ctx context.Context, in *listSSCIn) (*listSSCOut, error) {
		if err := check(ctx, in.UserName, in.ServiceName); err != nil {
			return nil, err
		}
		creds, err := e.ListGitCredentials(ctx, in.UserName)
		if err != nil {
			return nil, err
		}
		out := &listSSCOut{ServiceSpecificCredentials: []iamServiceCredential{}}
		for _, c := range creds {
			out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, iamServiceCredential{CreateDate: c.Created,
				ServiceName: codecommitService, ServiceUserName: c.ServiceUserName, ServiceSpecificCredentialId: c.ID, UserName: c.UserName, Status: c.Status})
		}
		return out, nil
	}
	del := func(ctx context.Context, in *deleteSSCIn) (*empty, error) {
		if len(in.ServiceSpecificCredentialId) < 20 {
			return nil, errIAMValidation.New("1 validation error detected: Value '%s' at 'serviceSpecificCredentialId' failed to satisfy constraint: Member must have length greater than or equal to 20", in.ServiceSpecificCredentialId)
		}
		return &empty{}, e.DeleteGitCredentials(ctx, in.UserName, in.ServiceSpecificCredentialId)
	}
	return []awswire.Op{
		awswire.Operation("CreateServiceSpecificCredential", create),
		awswire.Operation("ListServiceSpecificCredentials", list),
		awswire.Operation("DeleteServiceSpecificCredential", del),
	}
}
