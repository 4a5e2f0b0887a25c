package codecommit

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codecommit"
	"github.com/aws/aws-sdk-go-v2/service/codecommit/types"
	"github.com/aws/smithy-go"
)

func TestSDKRepositories(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	c := codecommit.NewFromConfig(srv.Config())
	out, err := c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{
		RepositoryName: aws.String("svc"), RepositoryDescription: aws.String("service"),
		Tags: map[string]string{"team": "a"}, KmsKeyId: aws.String("alias/custom"),
	})
	if err != nil {
		t.Fatal(err)
	}
	md := out.RepositoryMetadata
	if aws.ToString(md.Arn) != "arn:aws:codecommit:us-east-1:123456789012:svc" || aws.ToString(md.AccountId) != acct ||
		aws.ToString(md.CloneUrlHttp) != srv.URL+"/v1/repos/svc" || !strings.HasPrefix(aws.ToString(md.CloneUrlSsh), "ssh://") ||
		aws.ToString(md.KmsKeyId) != "alias/custom" || md.DefaultBranch != nil || md.CreationDate == nil || md.LastModifiedDate == nil ||
		aws.ToString(md.RepositoryDescription) != "service" || len(aws.ToString(md.RepositoryId)) != 36 {
		t.Fatalf("metadata %+v", md)
	}
	_, err = c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String("svc")})
	var exists *types.RepositoryNameExistsException
	if !errors.As(err, &exists) || aws.ToString(exists.Message) != "Repository named svc already exists" {
		t.Fatalf("duplicate: %v", err)
	}
	_, err = c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String("bad.git")})
	var invalid *types.InvalidRepositoryNameException
	if !errors.As(err, &invalid) {
		t.Fatalf("bad name: %v", err)
	}
	_, err = c.GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String("nope")})
	var missing *types.RepositoryDoesNotExistException
	if !errors.As(err, &missing) || aws.ToString(missing.Message) != "nope does not exist" {
		t.Fatalf("missing: %v", err)
	}
	for _, n := range []string{"b-repo", "a-repo"} {
		if _, err := c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := c.ListRepositories(ctx, &codecommit.ListRepositoriesInput{SortBy: types.SortByEnumRepositoryName, Order: types.OrderEnumDescending})
	if err != nil || len(list.Repositories) != 3 || aws.ToString(list.Repositories[0].RepositoryName) != "svc" || aws.ToString(list.Repositories[2].RepositoryName) != "a-repo" {
		t.Fatalf("list %+v %v", list, err)
	}
	batch, err := c.BatchGetRepositories(ctx, &codecommit.BatchGetRepositoriesInput{RepositoryNames: []string{"svc", "ghost"}})
	if err != nil || len(batch.Repositories) != 1 || len(batch.RepositoriesNotFound) != 1 || batch.RepositoriesNotFound[0] != "ghost" ||
		len(batch.Errors) != 1 || batch.Errors[0].ErrorCode != types.BatchGetRepositoriesErrorCodeEnumRepositoryDoesNotExistException {
		t.Fatalf("batch %+v %v", batch, err)
	}
	if _, err := c.UpdateRepositoryDescription(ctx, &codecommit.UpdateRepositoryDescriptionInput{RepositoryName: aws.String("svc"), RepositoryDescription: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateRepositoryName(ctx, &codecommit.UpdateRepositoryNameInput{OldName: aws.String("svc"), NewName: aws.String("svc2")}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRepository(ctx, &codecommit.GetRepositoryInput{RepositoryName: aws.String("svc2")})
	if err != nil || aws.ToString(got.RepositoryMetadata.RepositoryDescription) != "new" || aws.ToString(got.RepositoryMetadata.RepositoryId) != aws.ToString(md.RepositoryId) {
		t.Fatalf("after updates %+v %v", got, err)
	}
	arn := aws.ToString(got.RepositoryMetadata.Arn)
	if _, err := c.TagResource(ctx, &codecommit.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &codecommit.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsForResource(ctx, &codecommit.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["env"] != "dev" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	trig, err := c.PutRepositoryTriggers(ctx, &codecommit.PutRepositoryTriggersInput{RepositoryName: aws.String("svc2"), Triggers: []types.RepositoryTrigger{{
		Name: aws.String("t"), DestinationArn: aws.String("arn:aws:sns:us-east-1:123456789012:topic"), Events: []types.RepositoryTriggerEventEnum{types.RepositoryTriggerEventEnumAll},
	}}})
	if err != nil || aws.ToString(trig.ConfigurationId) == "" {
		t.Fatalf("put triggers %v", err)
	}
	gt, err := c.GetRepositoryTriggers(ctx, &codecommit.GetRepositoryTriggersInput{RepositoryName: aws.String("svc2")})
	if err != nil || len(gt.Triggers) != 1 || aws.ToString(gt.Triggers[0].Name) != "t" || gt.Triggers[0].Branches == nil {
		t.Fatalf("get triggers %+v %v", gt, err)
	}
	del, err := c.DeleteRepository(ctx, &codecommit.DeleteRepositoryInput{RepositoryName: aws.String("svc2")})
	if err != nil || aws.ToString(del.RepositoryId) != aws.ToString(md.RepositoryId) {
		t.Fatalf("delete %+v %v", del, err)
	}
	del, err = c.DeleteRepository(ctx, &codecommit.DeleteRepositoryInput{RepositoryName: aws.String("svc2")})
	if err != nil || del.RepositoryId != nil {
		t.Fatalf("delete again %+v %v", del, err)
	}
}

func TestSDKCommitsAndFiles(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	c := codecommit.NewFromConfig(srv.Config())
	if _, err := c.CreateRepository(ctx, &codecommit.CreateRepositoryInput{RepositoryName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	// PutFile creates the branch in an empty repository.
	p1, err := c.PutFile(ctx, &codecommit.PutFileInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"),
		FilePath: aws.String("app/run.sh"), FileContent: []byte("#!/bin/sh\necho hi\n"), FileMode: types.FileModeTypeEnumExecutable,
		CommitMessage: aws.String("add script"), Name: aws.String("Ann"), Email: aws.String("ann@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutFile(ctx, &codecommit.PutFileInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"),
		FilePath: aws.String("x"), FileContent: []byte("x")})
	var required *types.ParentCommitIdRequiredException
	if !errors.As(err, &required) {
		t.Fatalf("no parent: %v", err)
	}
	_, err = c.PutFile(ctx, &codecommit.PutFileInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"), ParentCommitId: p1.CommitId,
		FilePath: aws.String("app/run.sh"), FileContent: []byte("#!/bin/sh\necho hi\n")})
	var same *types.SameFileContentException
	if !errors.As(err, &same) {
		t.Fatalf("same content: %v", err)
	}
	cc, err := c.CreateCommit(ctx, &codecommit.CreateCommitInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"),
		ParentCommitId: p1.CommitId, AuthorName: aws.String("Bob"), CommitMessage: aws.String("more"),
		PutFiles: []types.PutFileEntry{
			{FilePath: aws.String("README.md"), FileContent: []byte("read me")},
			{FilePath: aws.String("bin/run.sh"), SourceFile: &types.SourceFileSpecifier{FilePath: aws.String("app/run.sh"), IsMove: true}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cc.FilesAdded) != 2 || len(cc.FilesDeleted) != 1 || cc.FilesAdded[1].FileMode != types.FileModeTypeEnumExecutable {
		t.Fatalf("CreateCommit %+v", cc)
	}
	_, err = c.CreateCommit(ctx, &codecommit.CreateCommitInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"),
		ParentCommitId: p1.CommitId, DeleteFiles: []types.DeleteFileEntry{{FilePath: aws.String("README.md")}}})
	var outdated *types.ParentCommitIdOutdatedException
	if !errors.As(err, &outdated) {
		t.Fatalf("outdated parent: %v", err)
	}
	_, err = c.CreateCommit(ctx, &codecommit.CreateCommitInput{RepositoryName: aws.String("r"), BranchName: aws.String("main"),
		ParentCommitId: cc.CommitId, PutFiles: []types.PutFileEntry{{FilePath: aws.String("README.md"), FileContent: []byte("read me")}}})
	var noChange *types.NoChangeException
	if !errors.As(err, &noChange) {
		t.Fatalf("no change: %v", err)
	}
	f, err := c.GetFile(ctx, &codecommit.GetFileInput{RepositoryName: aws.String("r"), CommitSpecifier: aws.String("main"), FilePath: aws.String("bin/run.sh")})
	if err != nil || f.FileMode != types.FileModeTypeEnumExecutable || string(f.FileContent) != "#!/bin/sh\necho hi\n" || f.FileSize != 18 ||
		aws.ToString(f.CommitId) != aws.ToString(cc.CommitId) || aws.ToString(f.BlobId) != aws.ToString(p1.BlobId) {
		t.Fatalf("GetFile %+v %v", f, err)
	}
	_, err = c.GetFile(ctx, &codecommit.GetFileInput{RepositoryName: aws.String("r"), FilePath: aws.String("app/run.sh")})
	var noFile *types.FileDoesNotExistException
	if !errors.As(err, &noFile) {
		t.Fatalf("moved file: %v", err)
	}
	folder, err := c.GetFolder(ctx, &codecommit.GetFolderInput{RepositoryName: aws.String("r"), FolderPath: aws.String("/")})
	if err != nil || len(folder.SubFolders) != 1 || aws.ToString(folder.SubFolders[0].AbsolutePath) != "bin" || len(folder.Files) != 1 ||
		aws.ToString(folder.Files[0].RelativePath) != "README.md" || aws.ToString(folder.TreeId) != aws.ToString(cc.TreeId) {
		t.Fatalf("GetFolder %+v %v", folder, err)
	}
	_, err = c.GetFolder(ctx, &codecommit.GetFolderInput{RepositoryName: aws.String("r"), FolderPath: aws.String("app")})
	var noFolder *types.FolderDoesNotExistException
	if !errors.As(err, &noFolder) {
		t.Fatalf("GetFolder missing: %v", err)
	}
	cm, err := c.GetCommit(ctx, &codecommit.GetCommitInput{RepositoryName: aws.String("r"), CommitId: cc.CommitId})
	if err != nil || aws.ToString(cm.Commit.Author.Name) != "Bob" || aws.ToString(cm.Commit.Message) != "more" || cm.Commit.Parents[0] != aws.ToString(p1.CommitId) {
		t.Fatalf("GetCommit %+v %v", cm.Commit, err)
	}
	diff, err := c.GetDifferences(ctx, &codecommit.GetDifferencesInput{RepositoryName: aws.String("r"), BeforeCommitSpecifier: p1.CommitId, AfterCommitSpecifier: aws.String("main")})
	if err != nil || len(diff.Differences) != 3 {
		t.Fatalf("GetDifferences %+v %v", diff, err)
	}
	pages := codecommit.NewGetDifferencesPaginator(c, &codecommit.GetDifferencesInput{RepositoryName: aws.String("r"),
		BeforeCommitSpecifier: p1.CommitId, AfterCommitSpecifier: aws.String("main"), MaxResults: aws.Int32(1)})
	n := 0
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(pg.Differences)
	}
	if n != 3 {
		t.Fatalf("paginated differences: %d", n)
	}
	// Branches.
	if _, err := c.CreateBranch(ctx, &codecommit.CreateBranchInput{RepositoryName: aws.String("r"), BranchName: aws.String("dev"), CommitId: p1.CommitId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBranch(ctx, &codecommit.CreateBranchInput{RepositoryName: aws.String("r"), BranchName: aws.String("dev"), CommitId: p1.CommitId})
	var branchExists *types.BranchNameExistsException
	if !errors.As(err, &branchExists) {
		t.Fatalf("branch exists: %v", err)
	}
	if _, err := c.UpdateDefaultBranch(ctx, &codecommit.UpdateDefaultBranchInput{RepositoryName: aws.String("r"), DefaultBranchName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBranch(ctx, &codecommit.DeleteBranchInput{RepositoryName: aws.String("r"), BranchName: aws.String("dev")})
	var isDefault *types.DefaultBranchCannotBeDeletedException
	if !errors.As(err, &isDefault) {
		t.Fatalf("delete default: %v", err)
	}
	db, err := c.DeleteBranch(ctx, &codecommit.DeleteBranchInput{RepositoryName: aws.String("r"), BranchName: aws.String("main")})
	if err != nil || aws.ToString(db.DeletedBranch.BranchName) != "main" || aws.ToString(db.DeletedBranch.CommitId) != aws.ToString(cc.CommitId) {
		t.Fatalf("delete branch %+v %v", db, err)
	}
	_, err = c.GetBranch(ctx, &codecommit.GetBranchInput{RepositoryName: aws.String("r"), BranchName: aws.String("main")})
	var noBranch *types.BranchDoesNotExistException
	if !errors.As(err, &noBranch) {
		t.Fatalf("deleted branch: %v", err)
	}
	blob, err := c.GetBlob(ctx, &codecommit.GetBlobInput{RepositoryName: aws.String("r"), BlobId: p1.BlobId})
	if err != nil || string(blob.Content) != "#!/bin/sh\necho hi\n" {
		t.Fatalf("GetBlob %v", err)
	}
	// Required members the SDK does not check are CodeCommit's own
	// *Required exceptions.
	_, err = c.GetBranch(ctx, &codecommit.GetBranchInput{RepositoryName: aws.String("r")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "BranchNameRequiredException" {
		t.Fatalf("no branch name: %v", err)
	}
	evs := eventsOf(t, srv.E, "r")
	if len(evs) != 4 || evs[0].Source != SourceAPI || strings.Join(evs[1].ChangedFiles, ",") != "README.md,app/run.sh,bin/run.sh" {
		t.Fatalf("API events %+v", evs)
	}
}

// TestCLI runs the AWS CLI against the API.
func TestCLI(t *testing.T) {
	t.Parallel()
	bin := awsCLI(t)
	srv := startServer(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin+"/aws", args...)
		cmd.Env = srv.Env()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("codecommit", "create-repository", "--repository-name", "cli-repo", "--repository-description", "from the CLI")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var created struct {
		RepositoryMetadata struct{ RepositoryName, CloneUrlHttp, Arn string }
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.RepositoryMetadata.CloneUrlHttp != srv.URL+"/v1/repos/cli-repo" {
		t.Fatalf("create-repository: %s", out)
	}
	out, err = run("codecommit", "get-repository", "--repository-name", "nope")
	if err == nil || !strings.Contains(out, "RepositoryDoesNotExistException") || !strings.Contains(out, "nope does not exist") {
		t.Fatalf("get-repository of a missing repository: %v %s", err, out)
	}
}
