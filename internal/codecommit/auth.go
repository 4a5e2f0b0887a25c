package codecommit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/store"
)

// Git over HTTP authenticates with HTTP Basic, two ways:
//
//  1. The AWS CLI's credential helper (aws codecommit credential-helper)
//     signs "GIT <path>\n\nhost:<host>\n\nhost\n" with SigV4 (service
//     codecommit) and sends username = access key id [+ "%" + session
//     token], password = <yyyymmddThhmmss>Z<hex signature>. The region in
//     the scope is the helper's configured region for a non-AWS host, so
//     the password does not say which one: verification tries the
//     regions the account has a repository of that name in, then the
//     default region, then every AWS region.
//  2. Static HTTPS git credentials (CreateGitCredentials): username
//     <user>-at-<account>, a random password stored only as a salted
//     SHA-256 hash (the password has 238 bits of entropy, so a slow hash
//     would add nothing).

const (
	maxSkew           = 15 * time.Minute
	maxCredsPerUser   = 2
	gitPasswordLength = 40
)

var sigV4Password = regexp.MustCompile(`^(\d{8}T\d{6})Z([0-9a-f]{64})$`)

// awsRegions are the commercial regions tried for a SigV4 git password.
var awsRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1",
	"ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
	"ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1",
	"ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1",
	"eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
}

// gitIdentity is who a git request authenticated as.
type gitIdentity struct {
	AccountID string
	Principal string
	// Region the SigV4 password was signed for; "" for static credentials.
	Region string
}

// authStatus is the HTTP answer to a failed authentication.
type authStatus int

const (
	authNeeded authStatus = http.StatusUnauthorized // no credentials: ask git's helper
	authDenied authStatus = http.StatusForbidden    // wrong credentials
)

type authFailure struct {
	status authStatus
	reason string
}

func (a *authFailure) Error() string { return a.reason }

// authenticate checks a git request's Basic credentials for repository
// name (from the URL).
func (e *Engine) authenticate(r *http.Request, repoName string) (*gitIdentity, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return nil, &authFailure{authNeeded, "no credentials"}
	}
	if user == "" && pass == "" {
		return nil, &authFailure{authNeeded, "empty credentials"}
	}
	if m := sigV4Password.FindStringSubmatch(pass); m != nil {
		return e.checkSigV4(r, repoName, user, m[1], m[2])
	}
	return e.checkStatic(r.Context(), user, pass)
}

func (e *Engine) checkSigV4(r *http.Request, repoName, user, stamp, sig string) (*gitIdentity, error) {
	ctx := r.Context()
	akid, _, _ := strings.Cut(user, "%") // the session token is not signed
	cred, ok := e.creds.Lookup(ctx, akid)
	if !ok {
		return nil, &authFailure{authDenied, "unknown access key " + akid}
	}
	t, err := time.Parse("20060102T150405", stamp)
	if err != nil {
		return nil, &authFailure{authDenied, "bad timestamp"}
	}
	now := e.now()
	if t.Before(now.Add(-maxSkew)) || t.After(now.Add(maxSkew)) {
		return nil, &authFailure{authDenied, "signature expired or not yet valid: " + stamp}
	}
	// The helper signs the host without its port, exactly as it splits it.
	host, _, _ := strings.Cut(r.Host, ":")
	date := stamp[:8]
	var sts []string
	for _, p := range []string{"/v1/repos/" + repoName, "/v1/repos/" + repoName + "/"} {
		canonical := "GIT\n" + p + "\n\nhost:" + host + "\n\nhost\n"
		sum := sha256.Sum256([]byte(canonical))
		sts = append(sts, hex.EncodeToString(sum[:]))
	}
	for _, region := range e.candidateRegions(ctx, cred.AccountID, repoName) {
		key := awswire.SigningKey(cred.SecretAccessKey, date, region, "codecommit")
		for _, h := range sts {
			s := "AWS4-HMAC-SHA256\n" + stamp + "\n" + date + "/" + region + "/codecommit/aws4_request\n" + h
			if subtle.ConstantTimeCompare([]byte(awswire.HMACSHA256Hex(key, s)), []byte(sig)) == 1 {
				return &gitIdentity{AccountID: cred.AccountID, Principal: cred.Principal, Region: region}, nil
			}
		}
	}
	return nil, &authFailure{authDenied, "signature does not match"}
}

// candidateRegions orders the regions a SigV4 git password may be signed
// for: where the account has the repository, the default region, then
// every AWS region.
func (e *Engine) candidateRegions(ctx context.Context, account, repoName string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(r string) {
		if r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for _, r := range e.regionsWithRepo(ctx, account, repoName) {
		add(r)
	}
	add(e.defaultRegion)
	for _, r := range awsRegions {
		add(r)
	}
	return out
}

// regionsWithRepo lists the regions where account has a repository named
// name.
func (e *Engine) regionsWithRepo(ctx context.Context, account, name string) []string {
	var out []string
	e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketRepos, store.ScanOptions{Prefix: account + "/"}, func(k string, _ []byte) error {
			parts := strings.SplitN(k, "/", 3)
			if len(parts) == 3 && parts[2] == name {
				out = append(out, parts[1])
			}
			return nil
		})
	})
	sort.Strings(out)
	return out
}

// gitCredRecord is a stored static git credential.
type gitCredRecord struct {
	ID              string    `json:"id"`
	AccountID       string    `json:"account"`
	UserName        string    `json:"user"`
	ServiceUserName string    `json:"serviceUser"`
	Salt            string    `json:"salt"`
	Hash            string    `json:"hash"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
}

// GitCredential describes a static HTTPS git credential (never its
// password).
type GitCredential struct {
	ID              string // ServiceSpecificCredentialId
	UserName        string // the IAM user it belongs to
	ServiceUserName string // what git sends as the username
	Status          string // Active
	Created         time.Time
}

func hashPassword(salt, password string) string {
	h := sha256.Sum256([]byte(salt + "\x00" + password))
	return hex.EncodeToString(h[:])
}

// CreateGitCredentials issues a static HTTPS git username and password for
// an IAM user of the caller's account (ctx must carry the account, see
// awsctx). The password is returned once and stored only hashed. A user
// may hold two credentials, as in IAM.
func (e *Engine) CreateGitCredentials(ctx context.Context, user string) (username, password string, err error) {
	sc := awsctx.From(ctx)
	if sc.AccountID == "" {
		return "", "", errors.New("codecommit: CreateGitCredentials needs the account in ctx")
	}
	if user == "" || strings.ContainsAny(user, ":/ \t\n") || len(user) > 64 {
		return "", "", errInvalidInput.New("The specified value for userName is invalid.")
	}
	password = randomString(gitPasswordLength, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	rec := &gitCredRecord{
		ID: "ACCA" + randomString(17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), AccountID: sc.AccountID, UserName: user,
		ServiceUserName: user + "-at-" + sc.AccountID, Salt: randomString(16, "abcdefghijklmnopqrstuvwxyz0123456789"),
		Status: "Active", Created: e.stamp(),
	}
	rec.Hash = hashPassword(rec.Salt, password)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		n := 0
		if err := scanCreds(tx, func(c *gitCredRecord) {
			if c.AccountID == sc.AccountID && c.UserName == user {
				n++
			}
		}); err != nil {
			return err
		}
		if n >= maxCredsPerUser {
			return errLimitExceeded.New("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: %d", maxCredsPerUser)
		}
		return tx.Put(bucketCreds, rec.ID, rec)
	})
	if err != nil {
		return "", "", err
	}
	return rec.ServiceUserName, password, nil
}

// ListGitCredentials lists the static git credentials of a user of the
// caller's account, or of every user when user is "".
func (e *Engine) ListGitCredentials(ctx context.Context, user string) ([]GitCredential, error) {
	sc := awsctx.From(ctx)
	var out []GitCredential
	err := e.st.View(ctx, func(tx store.Tx) error {
		return scanCreds(tx, func(c *gitCredRecord) {
			if (sc.AccountID == "" || c.AccountID == sc.AccountID) && (user == "" || c.UserName == user) {
				out = append(out, GitCredential{ID: c.ID, UserName: c.UserName, ServiceUserName: c.ServiceUserName, Status: c.Status, Created: c.Created})
			}
		})
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].UserName != out[j].UserName {
			return out[i].UserName < out[j].UserName
		}
		return out[i].Created.Before(out[j].Created)
	})
	return out, err
}

// DeleteGitCredentials deletes one static git credential of a user.
func (e *Engine) DeleteGitCredentials(ctx context.Context, user, id string) error {
	sc := awsctx.From(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		var c gitCredRecord
		if err := tx.Get(bucketCreds, id, &c); err != nil || c.AccountID != sc.AccountID || c.UserName != user {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return errNoSuchEntity.New("No such credential %s for user %s", id, user)
		}
		return tx.Delete(bucketCreds, id)
	})
}

func scanCreds(tx store.Tx, fn func(*gitCredRecord)) error {
	return tx.Scan(bucketCreds, store.ScanOptions{}, func(_ string, v []byte) error {
		var c gitCredRecord
		if err := jsonUnmarshal(v, &c); err != nil {
			return err
		}
		fn(&c)
		return nil
	})
}

func (e *Engine) checkStatic(ctx context.Context, user, pass string) (*gitIdentity, error) {
	var match *gitCredRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		return scanCreds(tx, func(c *gitCredRecord) {
			if match == nil && c.ServiceUserName == user && c.Status == "Active" &&
				subtle.ConstantTimeCompare([]byte(hashPassword(c.Salt, pass)), []byte(c.Hash)) == 1 {
				cp := *c
				match = &cp
			}
		})
	})
	if err != nil {
		return nil, err
	}
	if match == nil {
		return nil, &authFailure{authDenied, "invalid git credentials for " + user}
	}
	return &gitIdentity{AccountID: match.AccountID, Principal: awsctx.ARN("iam", "", match.AccountID, "user/"+match.UserName)}, nil
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, _ := rand.Int(rand.Reader, max)
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
