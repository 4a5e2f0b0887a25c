package codecommit

import (
	"context"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Shapes of the CodeCommit_20150413 awsJson 1.1 protocol (see the tag
// conventions in internal/awswire/codec.go). Required members are checked
// by the engine, which answers with CodeCommit's own *RequiredException
// codes rather than a generic validation error.

type empty struct{}

type createRepositoryInput struct {
	RepositoryName        string            `json:"repositoryName"`
	RepositoryDescription string            `json:"repositoryDescription,omitempty"`
	Tags                  map[string]string `json:"tags,omitempty"`
	KmsKeyId              string            `json:"kmsKeyId,omitempty"`
}

type repositoryOutput struct {
	RepositoryMetadata *RepositoryMetadata `json:"repositoryMetadata,omitempty"`
}

type repositoryNameInput struct {
	RepositoryName string `json:"repositoryName"`
}

type batchGetRepositoriesInput struct {
	RepositoryNames []string `json:"repositoryNames"`
}

type batchGetRepositoriesError struct {
	RepositoryName string `json:"repositoryName,omitempty"`
	ErrorCode      string `json:"errorCode,omitempty"`
	ErrorMessage   string `json:"errorMessage,omitempty"`
}

type batchGetRepositoriesOutput struct {
	Repositories         []RepositoryMetadata        `json:"repositories"`
	RepositoriesNotFound []string                    `json:"repositoriesNotFound"`
	Errors               []batchGetRepositoriesError `json:"errors"`
}

type listRepositoriesInput struct {
	NextToken string `json:"nextToken,omitempty"`
	SortBy    string `json:"sortBy,omitempty"`
	Order     string `json:"order,omitempty"`
}

type listRepositoriesOutput struct {
	Repositories []RepositoryNameID `json:"repositories"`
	NextToken    string             `json:"nextToken,omitempty"`
}

type updateRepositoryNameInput struct {
	OldName string `json:"oldName"`
	NewName string `json:"newName"`
}

type updateRepositoryDescriptionInput struct {
	RepositoryName        string `json:"repositoryName"`
	RepositoryDescription string `json:"repositoryDescription,omitempty"`
}

type deleteRepositoryOutput struct {
	RepositoryId string `json:"repositoryId,omitempty"`
}

type createBranchInput struct {
	RepositoryName string `json:"repositoryName"`
	BranchName     string `json:"branchName"`
	CommitId       string `json:"commitId"`
}

type branchInput struct {
	RepositoryName string `json:"repositoryName"`
	BranchName     string `json:"branchName"`
}

type getBranchOutput struct {
	Branch *Branch `json:"branch,omitempty"`
}

type deleteBranchOutput struct {
	DeletedBranch *Branch `json:"deletedBranch,omitempty"`
}

type listBranchesInput struct {
	RepositoryName string `json:"repositoryName"`
	NextToken      string `json:"nextToken,omitempty"`
}

type listBranchesOutput struct {
	Branches  []string `json:"branches"`
	NextToken string   `json:"nextToken,omitempty"`
}

type updateDefaultBranchInput struct {
	RepositoryName    string `json:"repositoryName"`
	DefaultBranchName string `json:"defaultBranchName"`
}

type getCommitInput struct {
	RepositoryName string `json:"repositoryName"`
	CommitId       string `json:"commitId"`
}

type getCommitOutput struct {
	Commit *Commit `json:"commit"`
}

type getFileInput struct {
	RepositoryName  string `json:"repositoryName"`
	CommitSpecifier string `json:"commitSpecifier,omitempty"`
	FilePath        string `json:"filePath"`
}

type getFolderInput struct {
	RepositoryName  string `json:"repositoryName"`
	CommitSpecifier string `json:"commitSpecifier,omitempty"`
	FolderPath      string `json:"folderPath"`
}

type getBlobInput struct {
	RepositoryName string `json:"repositoryName"`
	BlobId         string `json:"blobId"`
}

type getBlobOutput struct {
	Content []byte `json:"content"`
}

type getDifferencesInput struct {
	RepositoryName        string `json:"repositoryName"`
	BeforeCommitSpecifier string `json:"beforeCommitSpecifier,omitempty"`
	AfterCommitSpecifier  string `json:"afterCommitSpecifier"`
	BeforePath            string `json:"beforePath,omitempty"`
	AfterPath             string `json:"afterPath,omitempty"`
	MaxResults            *int32 `json:"MaxResults,omitempty"`
	NextToken             string `json:"NextToken,omitempty"`
}

type getDifferencesOutput struct {
	Differences []Difference `json:"differences"`
	NextToken   string       `json:"NextToken,omitempty"`
}

type putFileInput struct {
	RepositoryName string `json:"repositoryName"`
	BranchName     string `json:"branchName"`
	FileContent    []byte `json:"fileContent"`
	FilePath       string `json:"filePath"`
	FileMode       string `json:"fileMode,omitempty"`
	ParentCommitId string `json:"parentCommitId,omitempty"`
	CommitMessage  string `json:"commitMessage,omitempty"`
	Name           string `json:"name,omitempty"`
	Email          string `json:"email,omitempty"`
}

type sourceFileShape struct {
	FilePath string `json:"filePath"`
	IsMove   bool   `json:"isMove,omitempty"`
}

type putFileEntryShape struct {
	FilePath    string           `json:"filePath"`
	FileMode    string           `json:"fileMode,omitempty"`
	FileContent []byte           `json:"fileContent,omitempty"`
	SourceFile  *sourceFileShape `json:"sourceFile,omitempty"`
}

type filePathShape struct {
	FilePath string `json:"filePath"`
}

type setFileModeShape struct {
	FilePath string `json:"filePath"`
	FileMode string `json:"fileMode"`
}

type createCommitInput struct {
	RepositoryName   string              `json:"repositoryName"`
	BranchName       string              `json:"branchName"`
	ParentCommitId   string              `json:"parentCommitId,omitempty"`
	AuthorName       string              `json:"authorName,omitempty"`
	Email            string              `json:"email,omitempty"`
	CommitMessage    string              `json:"commitMessage,omitempty"`
	KeepEmptyFolders bool                `json:"keepEmptyFolders,omitempty"`
	PutFiles         []putFileEntryShape `json:"putFiles,omitempty"`
	DeleteFiles      []filePathShape     `json:"deleteFiles,omitempty"`
	SetFileModes     []setFileModeShape  `json:"setFileModes,omitempty"`
}

type tagResourceInput struct {
	ResourceArn string            `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
}

type untagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type listTagsInput struct {
	ResourceArn string `json:"resourceArn"`
	NextToken   string `json:"nextToken,omitempty"`
}

type listTagsOutput struct {
	Tags map[string]string `json:"tags"`
}

type getRepositoryTriggersOutput struct {
	ConfigurationId string    `json:"configurationId,omitempty"`
	Triggers        []Trigger `json:"triggers"`
}

type putRepositoryTriggersInput struct {
	RepositoryName string    `json:"repositoryName"`
	Triggers       []Trigger `json:"triggers"`
}

type putRepositoryTriggersOutput struct {
	ConfigurationId string `json:"configurationId,omitempty"`
}

// Service is CodeCommit on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name: "codecommit", Protocols: awswire.AWSJSON, JSONVersion: "1.1", TargetPrefix: "CodeCommit_20150413",
		Ops: []awswire.Op{
			awswire.Operation("CreateRepository", func(ctx context.Context, in *createRepositoryInput) (*repositoryOutput, error) {
				md, err := e.CreateRepository(ctx, CreateRepositoryInput{Name: in.RepositoryName, Description: in.RepositoryDescription, Tags: in.Tags, KMSKeyID: in.KmsKeyId})
				if err != nil {
					return nil, err
				}
				return &repositoryOutput{md}, nil
			}),
			awswire.Operation("GetRepository", func(ctx context.Context, in *repositoryNameInput) (*repositoryOutput, error) {
				md, err := e.GetRepository(ctx, in.RepositoryName)
				if err != nil {
					return nil, err
				}
				return &repositoryOutput{md}, nil
			}),
			awswire.Operation("BatchGetRepositories", func(ctx context.Context, in *batchGetRepositoriesInput) (*batchGetRepositoriesOutput, error) {
				found, missing, err := e.BatchGetRepositories(ctx, in.RepositoryNames)
				if err != nil {
					return nil, err
				}
				out := &batchGetRepositoriesOutput{Repositories: found, RepositoriesNotFound: missing, Errors: []batchGetRepositoriesError{}}
				for _, n := range missing {
					out.Errors = append(out.Errors, batchGetRepositoriesError{RepositoryName: n, ErrorCode: "RepositoryDoesNotExistException", ErrorMessage: n + " does not exist"})
				}
				return out, nil
			}),
			awswire.Operation("ListRepositories", func(ctx context.Context, in *listRepositoriesInput) (*listRepositoriesOutput, error) {
				repos, next, err := e.ListRepositories(ctx, in.SortBy, in.Order, in.NextToken)
				if err != nil {
					return nil, err
				}
				return &listRepositoriesOutput{repos, next}, nil
			}),
			awswire.Operation("UpdateRepositoryName", func(ctx context.Context, in *updateRepositoryNameInput) (*empty, error) {
				return &empty{}, e.UpdateRepositoryName(ctx, in.OldName, in.NewName)
			}),
			awswire.Operation("UpdateRepositoryDescription", func(ctx context.Context, in *updateRepositoryDescriptionInput) (*empty, error) {
				return &empty{}, e.UpdateRepositoryDescription(ctx, in.RepositoryName, in.RepositoryDescription)
			}),
			awswire.Operation("DeleteRepository", func(ctx context.Context, in *repositoryNameInput) (*deleteRepositoryOutput, error) {
				id, err := e.DeleteRepository(ctx, in.RepositoryName)
				if err != nil {
					return nil, err
				}
				return &deleteRepositoryOutput{id}, nil
			}),
			awswire.Operation("CreateBranch", func(ctx context.Context, in *createBranchInput) (*empty, error) {
				return &empty{}, e.CreateBranch(ctx, in.RepositoryName, in.BranchName, in.CommitId)
			}),
			awswire.Operation("GetBranch", func(ctx context.Context, in *branchInput) (*getBranchOutput, error) {
				b, err := e.GetBranch(ctx, in.RepositoryName, in.BranchName)
				if err != nil {
					return nil, err
				}
				return &getBranchOutput{b}, nil
			}),
			awswire.Operation("ListBranches", func(ctx context.Context, in *listBranchesInput) (*listBranchesOutput, error) {
				bs, next, err := e.ListBranches(ctx, in.RepositoryName, in.NextToken)
				if err != nil {
					return nil, err
				}
				return &listBranchesOutput{bs, next}, nil
			}),
			awswire.Operation("DeleteBranch", func(ctx context.Context, in *branchInput) (*deleteBranchOutput, error) {
				b, err := e.DeleteBranch(ctx, in.RepositoryName, in.BranchName)
				if err != nil {
					return nil, err
				}
				if b.BranchName == "" {
					return &deleteBranchOutput{}, nil
				}
				return &deleteBranchOutput{b}, nil
			}),
			awswire.Operation("UpdateDefaultBranch", func(ctx context.Context, in *updateDefaultBranchInput) (*empty, error) {
				return &empty{}, e.UpdateDefaultBranch(ctx, in.RepositoryName, in.DefaultBranchName)
			}),
			awswire.Operation("GetCommit", func(ctx context.Context, in *getCommitInput) (*getCommitOutput, error) {
				c, err := e.GetCommit(ctx, in.RepositoryName, in.CommitId)
				if err != nil {
					return nil, err
				}
				return &getCommitOutput{c}, nil
			}),
			awswire.Operation("GetFile", func(ctx context.Context, in *getFileInput) (*File, error) {
				return e.GetFile(ctx, in.RepositoryName, in.CommitSpecifier, in.FilePath)
			}),
			awswire.Operation("GetFolder", func(ctx context.Context, in *getFolderInput) (*Folder, error) {
				return e.GetFolder(ctx, in.RepositoryName, in.CommitSpecifier, in.FolderPath)
			}),
			awswire.Operation("GetBlob", func(ctx context.Context, in *getBlobInput) (*getBlobOutput, error) {
				b, err := e.GetBlob(ctx, in.RepositoryName, in.BlobId)
				if err != nil {
					return nil, err
				}
				return &getBlobOutput{b}, nil
			}),
			awswire.Operation("GetDifferences", func(ctx context.Context, in *getDifferencesInput) (*getDifferencesOutput, error) {
				ds, next, err := e.GetDifferences(ctx, GetDifferencesInput{
					Repository: in.RepositoryName, Before: in.BeforeCommitSpecifier, After: in.AfterCommitSpecifier,
					BeforePath: in.BeforePath, AfterPath: in.AfterPath, MaxResults: in.MaxResults, NextToken: in.NextToken,
				})
				if err != nil {
					return nil, err
				}
				return &getDifferencesOutput{ds, next}, nil
			}),
			awswire.Operation("PutFile", func(ctx context.Context, in *putFileInput) (*PutFileOutput, error) {
				return e.PutFile(ctx, PutFileInput{
					Repository: in.RepositoryName, Branch: in.BranchName, ParentCommitID: in.ParentCommitId,
					FilePath: in.FilePath, FileMode: in.FileMode, FileContent: in.FileContent,
					Name: in.Name, Email: in.Email, Message: in.CommitMessage,
				})
			}),
			awswire.Operation("CreateCommit", func(ctx context.Context, in *createCommitInput) (*CreateCommitOutput, error) {
				cc := CreateCommitInput{
					Repository: in.RepositoryName, Branch: in.BranchName, ParentCommitID: in.ParentCommitId,
					AuthorName: in.AuthorName, Email: in.Email, Message: in.CommitMessage, KeepEmptyFolders: in.KeepEmptyFolders,
				}
				for _, p := range in.PutFiles {
					pe := PutFileEntry{FilePath: p.FilePath, FileMode: p.FileMode, FileContent: p.FileContent}
					if p.SourceFile != nil {
						pe.HasSource, pe.SourceFile, pe.SourceIsMove = true, p.SourceFile.FilePath, p.SourceFile.IsMove
					}
					cc.PutFiles = append(cc.PutFiles, pe)
				}
				for _, d := range in.DeleteFiles {
					cc.DeleteFiles = append(cc.DeleteFiles, d.FilePath)
				}
				for _, s := range in.SetFileModes {
					cc.SetFileModes = append(cc.SetFileModes, SetFileModeEntry{FilePath: s.FilePath, FileMode: s.FileMode})
				}
				return e.CreateCommit(ctx, cc)
			}),
			awswire.Operation("TagResource", func(ctx context.Context, in *tagResourceInput) (*empty, error) {
				return &empty{}, e.TagResource(ctx, in.ResourceArn, in.Tags)
			}),
			awswire.Operation("UntagResource", func(ctx context.Context, in *untagResourceInput) (*empty, error) {
				return &empty{}, e.UntagResource(ctx, in.ResourceArn, in.TagKeys)
			}),
			awswire.Operation("ListTagsForResource", func(ctx context.Context, in *listTagsInput) (*listTagsOutput, error) {
				tags, err := e.ListTagsForResource(ctx, in.ResourceArn)
				if err != nil {
					return nil, err
				}
				return &listTagsOutput{tags}, nil
			}),
			awswire.Operation("GetRepositoryTriggers", func(ctx context.Context, in *repositoryNameInput) (*getRepositoryTriggersOutput, error) {
				id, ts, err := e.GetRepositoryTriggers(ctx, in.RepositoryName)
				if err != nil {
					return nil, err
				}
				return &getRepositoryTriggersOutput{id, ts}, nil
			}),
			awswire.Operation("PutRepositoryTriggers", func(ctx context.Context, in *putRepositoryTriggersInput) (*putRepositoryTriggersOutput, error) {
				id, err := e.PutRepositoryTriggers(ctx, in.RepositoryName, in.Triggers)
				if err != nil {
					return nil, err
				}
				return &putRepositoryTriggersOutput{id}, nil
			}),
		},
	}
}
