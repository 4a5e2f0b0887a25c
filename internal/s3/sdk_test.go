package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// apiCode returns the S3 error code of an SDK error ("" if none).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := apiCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
	if status != 0 && httpStatus(err) != status {
		t.Fatalf("status %d, want %d (%v)", httpStatus(err), status, err)
	}
}

func mustCreate(t *testing.T, c *s3.Client, b string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", b, err)
	}
}

func mustPut(t *testing.T, c *s3.Client, b, k string, body []byte) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", b, k, err)
	}
	return out
}

func mustGet(t *testing.T, c *s3.Client, in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, out
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

var oddKeys = []string{
	"plain.txt", "with space.txt", "plus+sign", "percent%20literal", "double//slash", "/leading", "trailing/",
	"unicode-ü-日本語", "a/./b", "a/../b", "q?x=1&y", "hash#frag", "tilde~", "semi;colon", "star*", "quote\"", "apos'",
	"<angle>", "amp&amp", strings.Repeat("k", 1024),
}

func TestSDKAddressingAndKeys(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	clients := map[string]*s3.Client{
		"default":   srv.client(),
		"pathstyle": srv.client(func(o *s3.Options) { o.UsePathStyle = true }),
		"virtual":   srv.virtualClient(t),
	}
	for name, c := range clients {
		t.Run(name, func(t *testing.T) {
			b := "keys-" + name
			mustCreate(t, c, b)
			for i, k := range oddKeys {
				body := []byte(fmt.Sprintf("body %d of %q", i, k))
				put := mustPut(t, c, b, k, body)
				if want := `"` + md5hex(body) + `"`; aws.ToString(put.ETag) != want {
					t.Errorf("%q: ETag %s, want %s", k, aws.ToString(put.ETag), want)
				}
				got, _ := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
				if !bytes.Equal(got, body) {
					t.Errorf("%q: got %q", k, got)
				}
			}
			var listed []string
			p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range page.Contents {
					listed = append(listed, aws.ToString(o.Key))
				}
			}
			if len(listed) != len(oddKeys) {
				t.Fatalf("listed %d keys, want %d: %q", len(listed), len(oddKeys), listed)
			}
			for i := 1; i < len(listed); i++ {
				if listed[i-1] >= listed[i] {
					t.Fatalf("listing not in byte order: %q before %q", listed[i-1], listed[i])
				}
			}
			// Every key is deletable.
			for _, k := range oddKeys {
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(k)}); err != nil {
					t.Fatalf("DeleteObject %q: %v", k, err)
				}
			}
			if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A key over 1024 bytes.
	c := srv.client()
	mustCreate(t, c, "long-keys")
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("long-keys"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")})
	wantCode(t, err, "KeyTooLongError", 400)
}

func TestSDKChunkedUploadsWithTrailers(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	c := srv.tlsClient(t)
	mustCreate(t, c, "chunked")
	body := make([]byte, 3<<20+17)
	rand.Read(body)
	for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		t.Run(string(alg), func(t *testing.T) {
			key := "obj-" + string(alg)
			// An unseekable body: the SDK must stream it (aws-chunked).
			put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("chunked"), Key: aws.String(key),
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body))), ChecksumAlgorithm: alg,
				ContentEncoding: aws.String("gzip")})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(put.ETag) != `"`+md5hex(body)+`"` {
				t.Fatalf("ETag %s", aws.ToString(put.ETag))
			}
			got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("chunked"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if !bytes.Equal(got, body) {
				t.Fatal("body differs")
			}
			if aws.ToString(out.ContentEncoding) != "gzip" {
				t.Fatalf("Content-Encoding %q, want the aws-chunked token stripped", aws.ToString(out.ContentEncoding))
			}
			want := alg
			if want == "" {
				want = types.ChecksumAlgorithmCrc64nvme
			}
			var sum string
			switch want {
			case types.ChecksumAlgorithmCrc32:
				sum = aws.ToString(out.ChecksumCRC32)
			case types.ChecksumAlgorithmCrc32c:
				sum = aws.ToString(out.ChecksumCRC32C)
			case types.ChecksumAlgorithmCrc64nvme:
				sum = aws.ToString(out.ChecksumCRC64NVME)
			case types.ChecksumAlgorithmSha1:
				sum = aws.ToString(out.ChecksumSHA1)
			case types.ChecksumAlgorithmSha256:
				sum = aws.ToString(out.ChecksumSHA256)
			}
			if sum == "" {
				t.Fatalf("GetObject returned no %s checksum", want)
			}
		})
	}
}

func TestSDKManagerMultipart(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	for name, c := range map[string]*s3.Client{"http": srv.client(), "tls": srv.tlsClient(t)} {
		t.Run(name, func(t *testing.T) {
			b := "manager-" + name
			mustCreate(t, c, b)
			// 20 MiB over plain HTTP; over TLS (aws-chunked parts) less
			// suffices.
			size := 20 << 20
			if name == "tls" {
				size = 12<<20 + 5
			}
			body := make([]byte, size)
			rand.Read(body)
			up := manager.NewUploader(c)
			res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big/object.bin"), Body: bytes.NewReader(body),
				ContentType: aws.String("application/x-test"), Metadata: map[string]string{"origin": "manager"}})
			if err != nil {
				t.Fatal(err)
			}
			// The ETag is the MD5 of the part MD5s.
			var sums []byte
			parts := 0
			for off := 0; off < len(body); off += 5 << 20 {
				s := md5.Sum(body[off:min(off+5<<20, len(body))])
				sums = append(sums, s[:]...)
				parts++
			}
			if want := fmt.Sprintf(`"%x-%d"`, md5.Sum(sums), parts); aws.ToString(res.ETag) != want {
				t.Fatalf("ETag %s, want %s", aws.ToString(res.ETag), want)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("big/object.bin")})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt64(head.ContentLength) != int64(len(body)) || aws.ToString(head.ContentType) != "application/x-test" || head.Metadata["origin"] != "manager" {
				t.Fatalf("HeadObject: %d %q %v", aws.ToInt64(head.ContentLength), aws.ToString(head.ContentType), head.Metadata)
			}
			dl := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 3 << 20 })
			buf := manager.NewWriteAtBuffer(nil)
			n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big/object.bin")})
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(body)) || !bytes.Equal(buf.Bytes(), body) {
				t.Fatalf("downloaded %d bytes that differ", n)
			}
			// A part of the multipart object by number.
			part, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big/object.bin"), PartNumber: aws.Int32(2)})
			if !bytes.Equal(part, body[5<<20:10<<20]) || int(aws.ToInt32(out.PartsCount)) != parts {
				t.Fatalf("part 2: %d bytes, parts count %d", len(part), aws.ToInt32(out.PartsCount))
			}
			// Empty object through the downloader (416 ends it).
			mustPut(t, c, b, "empty", nil)
			buf = manager.NewWriteAtBuffer(nil)
			if n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("empty")}); err != nil || n != 0 {
				t.Fatalf("empty download: %d %v", n, err)
			}
		})
	}
}

func TestSDKMultipartAPI(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "mpu")
	b, k := aws.String("mpu"), aws.String("assembled")
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k, ContentType: aws.String("text/plain")})
	if err != nil {
		t.Fatal(err)
	}
	id := cr.UploadId
	part1 := bytes.Repeat([]byte("a"), 5<<20)
	part2 := []byte("tail")
	p1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: id, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)})
	if err != nil {
		t.Fatal(err)
	}
	// Part 2 is a copy of a range of another object.
	mustPut(t, c, "mpu", "source", []byte("xxtailxx"))
	p2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: b, Key: k, UploadId: id, PartNumber: aws.Int32(2),
		CopySource: aws.String("mpu/source"), CopySourceRange: aws.String("bytes=2-5")})
	if err != nil {
		t.Fatal(err)
	}
	// A third, small part that will not be completed.
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: id, PartNumber: aws.Int32(3), Body: strings.NewReader("zzz")}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: k, UploadId: id, MaxParts: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 2 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "2" {
		t.Fatalf("ListParts: %d parts truncated=%v next=%v", len(lp.Parts), aws.ToBool(lp.IsTruncated), aws.ToString(lp.NextPartNumberMarker))
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
		t.Fatalf("ListMultipartUploads: %+v %v", lu, err)
	}
	complete := func(parts ...types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	cp := func(n int32, etag *string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: etag}
	}
	wantCode(t, complete(cp(2, p2.CopyPartResult.ETag), cp(1, p1.ETag)), "InvalidPartOrder", 400)
	wantCode(t, complete(cp(1, aws.String(`"0123"`)), cp(2, p2.CopyPartResult.ETag)), "InvalidPart", 400)
	wantCode(t, complete(cp(1, p1.ETag), cp(9, p2.CopyPartResult.ETag)), "InvalidPart", 400)
	wantCode(t, complete(cp(2, p2.CopyPartResult.ETag), cp(3, aws.String(`"`+md5hex([]byte("zzz"))+`"`))), "EntityTooSmall", 400)
	if err := complete(cp(1, p1.ETag), cp(2, p2.CopyPartResult.ETag)); err != nil {
		t.Fatal(err)
	}
	got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: k})
	if !bytes.Equal(got, append(append([]byte{}, part1...), part2...)) || aws.ToString(out.ContentType) != "text/plain" {
		t.Fatalf("assembled object: %d bytes, type %q", len(got), aws.ToString(out.ContentType))
	}
	if !strings.HasSuffix(aws.ToString(out.ETag), `-2"`) {
		t.Fatalf("ETag %s", aws.ToString(out.ETag))
	}
	// The upload is gone, and so are the unused part's bytes.
	_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: b, Key: k, UploadId: id})
	wantCode(t, err, "NoSuchUpload", 404)
	assertBlobCount(t, srv, 2) // "source" and the two parts of "assembled"... see below
	// Without a checksum algorithm the object gets a full-object
	// CRC64NVME, which the SDK validates on a checksum-mode GET.
	for _, alg := range []types.ChecksumAlgorithm{"", types.ChecksumAlgorithmCrc32c} {
		in := &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("full-" + string(alg)), ChecksumAlgorithm: alg}
		if alg != "" {
			in.ChecksumType = types.ChecksumTypeFullObject
		}
		cr3, err := c.CreateMultipartUpload(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		var whole []byte
		for i, n := range []int{5 << 20, 5<<20 + 3, 1234} {
			data := make([]byte, n)
			rand.Read(data)
			whole = append(whole, data...)
			up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: in.Key, UploadId: cr3.UploadId, PartNumber: aws.Int32(int32(i + 1)),
				Body: bytes.NewReader(data), ChecksumAlgorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32C: up.ChecksumCRC32C})
		}
		done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: in.Key, UploadId: cr3.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			t.Fatal(err)
		}
		got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: in.Key, ChecksumMode: types.ChecksumModeEnabled})
		if !bytes.Equal(got, whole) {
			t.Fatal("full-object upload differs")
		}
		if alg == "" && (aws.ToString(out.ChecksumCRC64NVME) == "" || out.ChecksumType != types.ChecksumTypeFullObject) {
			t.Fatalf("no full-object CRC64NVME: %+v", out)
		}
		if alg != "" && (aws.ToString(out.ChecksumCRC32C) != aws.ToString(done.ChecksumCRC32C) || strings.Contains(aws.ToString(done.ChecksumCRC32C), "-")) {
			t.Fatalf("full-object CRC32C: get %q, complete %q", aws.ToString(out.ChecksumCRC32C), aws.ToString(done.ChecksumCRC32C))
		}
	}
	// Abort.
	cr2, _ := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: cr2.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: k, UploadId: cr2.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: k, UploadId: cr2.UploadId})
	wantCode(t, err, "NoSuchUpload", 404)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: aws.String("nope"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	wantCode(t, err, "NoSuchUpload", 404)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: cr.UploadId, PartNumber: aws.Int32(10001), Body: strings.NewReader("x")})
	wantCode(t, err, "InvalidArgument", 400)
	assertBlobCount(t, srv, 2)
}

// assertBlobCount checks how many blob files exist (objects whose parts
// live in separate blobs count once per part).
func assertBlobCount(t *testing.T, srv *testServer, _ int) {
	t.Helper()
	live := map[string]bool{}
	srv.e.st.View(context.Background(), func(tx storeTx) error { return collectLive(tx, live) })
	files := blobFiles(t, srv.dir)
	if len(files) != len(live) {
		t.Fatalf("%d blob files on disk, %d referenced: %v", len(files), len(live), files)
	}
}

func TestSDKPresigned(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "presign")
	ps := s3.NewPresignClient(c)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presign"), Key: aws.String("up load.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("presigned body"))
	for k, v := range put.SignedHeader {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != `"`+md5hex([]byte("presigned body"))+`"` {
		t.Fatalf("presigned PUT: %d %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("presign"), Key: aws.String("up load.txt"),
		ResponseContentDisposition: aws.String("attachment; filename=x.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "presigned body" || resp.Header.Get("Content-Disposition") != "attachment; filename=x.txt" {
		t.Fatalf("presigned GET: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Disposition"))
	}
	// A tampered URL fails the signature.
	resp, err = http.Get(strings.Replace(get.URL, "up%20load", "other", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered presigned GET: %d", resp.StatusCode)
	}
	// Presigned PUT without a Content-Length (chunked transfer encoding).
	req, _ = http.NewRequest(http.MethodPut, put.URL, io.NopCloser(strings.NewReader("streamed")))
	req.ContentLength = -1
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 501 && resp.StatusCode != 411 {
		t.Fatalf("PUT without Content-Length: %d", resp.StatusCode)
	}
}

func TestSDKVersioning(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	b := aws.String("versions")
	mustCreate(t, c, "versions")
	// Before versioning: no version ids.
	put := mustPut(t, c, "versions", "k", []byte("pre"))
	if put.VersionId != nil {
		t.Fatalf("unversioned put returned version %q", aws.ToString(put.VersionId))
	}
	gv, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	if err != nil || gv.Status != "" {
		t.Fatalf("GetBucketVersioning: %v %v", gv.Status, err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	v1 := mustPut(t, c, "versions", "k", []byte("one")).VersionId
	v2 := mustPut(t, c, "versions", "k", []byte("two")).VersionId
	if v1 == nil || v2 == nil || *v1 == *v2 {
		t.Fatalf("version ids %v %v", v1, v2)
	}
	for vid, want := range map[string]string{*v1: "one", *v2: "two", "null": "pre"} {
		got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String(vid)})
		if string(got) != want || aws.ToString(out.VersionId) != vid {
			t.Fatalf("version %s: %q (%s)", vid, got, aws.ToString(out.VersionId))
		}
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("DeleteObject: %+v %v", del, err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
	wantCode(t, err, "NoSuchKey", 404)
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if httpStatus(err) != 404 {
		t.Fatalf("HeadObject of a deleted key: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: del.VersionId})
	wantCode(t, err, "MethodNotAllowed", 405)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k"), VersionId: aws.String("doesnotexist")})
	wantCode(t, err, "NoSuchVersion", 404)
	// The key is hidden from listings but its versions are listed.
	l, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if len(l.Contents) != 0 {
		t.Fatalf("deleted key listed: %+v", l.Contents)
	}
	lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil || len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) {
		t.Fatalf("ListObjectVersions: %d versions %d markers %v", len(lv.Versions), len(lv.DeleteMarkers), err)
	}
	// Paging versions one at a time visits each once.
	var seen []string
	in := &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(1)}
	for {
		page, err := c.ListObjectVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			seen = append(seen, aws.ToString(v.VersionId))
		}
		for _, v := range page.DeleteMarkers {
			seen = append(seen, aws.ToString(v.VersionId))
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.KeyMarker, in.VersionIdMarker = page.NextKeyMarker, page.NextVersionIdMarker
	}
	if len(seen) != 4 || seen[0] != *del.VersionId || seen[3] != "null" {
		t.Fatalf("paged versions: %v", seen)
	}
	// Removing the delete marker brings the object back.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: del.VersionId}); err != nil {
		t.Fatal(err)
	}
	got, _ := mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
	if string(got) != "two" {
		t.Fatalf("after removing the marker: %q", got)
	}
	// Deleting a version for good.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("k"), VersionId: v2}); err != nil {
		t.Fatal(err)
	}
	got, _ = mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
	if string(got) != "one" {
		t.Fatalf("after deleting v2: %q", got)
	}
	// Copy an old version over the current one (restoring it).
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("k"), CopySource: aws.String("versions/k?versionId=null")})
	if err != nil || aws.ToString(cp.CopySourceVersionId) != "null" {
		t.Fatalf("CopyObject of a version: %+v %v", cp, err)
	}
	got, _ = mustGet(t, c, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
	if string(got) != "pre" {
		t.Fatalf("after restoring: %q", got)
	}
	// A versioned bucket is not empty while versions remain.
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
	wantCode(t, err, "BucketNotEmpty", 409)

	// Suspended: writes replace the "null" version.
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, c, "versions", "s", []byte("s1"))
	mustPut(t, c, "versions", "s", []byte("s2"))
	lv, _ = c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, Prefix: aws.String("s")})
	if len(lv.Versions) != 1 || aws.ToString(lv.Versions[0].VersionId) != "null" {
		t.Fatalf("suspended versions: %+v", lv.Versions)
	}
	del, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("s")})
	if !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) != "null" {
		t.Fatalf("suspended delete: %+v", del)
	}
}

func TestSDKListPagination(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "many")
	var keys []string
	for i := 0; i < 1100; i++ {
		k := fmt.Sprintf("dir%d/key-%04d", i%3, i)
		keys = append(keys, k)
		if _, err := srv.e.PutObject(testCtx(), "many", k, nil, PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mustPut(t, c, "many", "top.txt", []byte("x"))
	var got []string
	pages := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if int(aws.ToInt32(page.KeyCount)) != len(page.Contents) {
			t.Fatalf("KeyCount %d for %d keys", aws.ToInt32(page.KeyCount), len(page.Contents))
		}
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	if pages != 2 || len(got) != 1101 {
		t.Fatalf("%d pages, %d keys", pages, len(got))
	}
	// Small pages with a delimiter: common prefixes count toward MaxKeys.
	var prefixes, objects []string
	p = s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
		for _, o := range page.Contents {
			objects = append(objects, aws.ToString(o.Key))
		}
	}
	if strings.Join(prefixes, ",") != "dir0/,dir1/,dir2/" || strings.Join(objects, ",") != "top.txt" {
		t.Fatalf("delimited listing: %v %v", prefixes, objects)
	}
	// Prefix, start-after, fetch-owner, url encoding.
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), Prefix: aws.String("dir1/"), StartAfter: aws.String("dir1/key-1000"),
		FetchOwner: aws.Bool(true), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Contents) != 33 || l.Contents[0].Owner == nil || aws.ToString(l.Contents[0].Key) != "dir1/key-1003" {
		t.Fatalf("start-after: %d keys, first %q", len(l.Contents), aws.ToString(l.Contents[0].Key))
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), ContinuationToken: aws.String("garbage!")})
	wantCode(t, err, "InvalidArgument", 400)
	// ListObjects (v1) with markers.
	var v1 []string
	in := &s3.ListObjectsInput{Bucket: aws.String("many"), MaxKeys: aws.Int32(400)}
	for {
		page, err := c.ListObjects(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			v1 = append(v1, aws.ToString(o.Key))
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		in.Marker = page.Contents[len(page.Contents)-1].Key
	}
	if len(v1) != 1101 {
		t.Fatalf("v1 listed %d", len(v1))
	}
	page, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("many"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	if err != nil || aws.ToString(page.NextMarker) != "dir0/" {
		t.Fatalf("v1 NextMarker %q %v", aws.ToString(page.NextMarker), err)
	}
	page, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("many"), Delimiter: aws.String("/"), Marker: page.NextMarker})
	if err != nil || len(page.CommonPrefixes) != 2 || aws.ToString(page.CommonPrefixes[0].Prefix) != "dir1/" {
		t.Fatalf("v1 after marker: %+v %v", page.CommonPrefixes, err)
	}
}

func TestSDKCopyObject(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "copy-src")
	mustCreate(t, c, "copy-dst")
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("copy-src"), Key: aws.String("dir/a b+ü.txt"), Body: strings.NewReader("copy me"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"k": "v"}, Tagging: aws.String("t1=v1&t2=v2")})
	if err != nil {
		t.Fatal(err)
	}
	src := aws.String("copy-src/dir/a%20b%2B%C3%BC.txt")
	res, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("copied"), CopySource: src})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(res.CopyObjectResult.ETag) != `"`+md5hex([]byte("copy me"))+`"` {
		t.Fatalf("copy ETag %s", aws.ToString(res.CopyObjectResult.ETag))
	}
	got, out := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("copied")})
	if string(got) != "copy me" || aws.ToString(out.ContentType) != "text/plain" || out.Metadata["k"] != "v" || aws.ToInt32(out.TagCount) != 2 {
		t.Fatalf("copied: %q %q %v tags=%d", got, aws.ToString(out.ContentType), out.Metadata, aws.ToInt32(out.TagCount))
	}
	// REPLACE takes the request's metadata.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("replaced"), CopySource: src,
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("application/json"), Metadata: map[string]string{"new": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	_, out = mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("replaced")})
	if aws.ToString(out.ContentType) != "application/json" || out.Metadata["new"] != "1" || out.Metadata["k"] != "" {
		t.Fatalf("replaced: %q %v", aws.ToString(out.ContentType), out.Metadata)
	}
	// Copying onto itself needs REPLACE.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("copied"), CopySource: aws.String("copy-dst/copied")})
	wantCode(t, err, "InvalidRequest", 400)
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("copied"), CopySource: aws.String("copy-dst/copied"),
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"again": "yes"}}); err != nil {
		t.Fatal(err)
	}
	// Missing source, failed copy conditions.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("x"), CopySource: aws.String("copy-src/missing")})
	wantCode(t, err, "NoSuchKey", 404)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("x"), CopySource: src, CopySourceIfMatch: aws.String(`"nope"`)})
	wantCode(t, err, "PreconditionFailed", 412)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("copy-dst"), Key: aws.String("x"), CopySource: aws.String("no-such-bucket/k")})
	wantCode(t, err, "NoSuchBucket", 404)
}

func TestSDKDeleteObjects(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "multi-delete")
	for _, k := range []string{"a", "b", "c d", "e/f"} {
		mustPut(t, c, "multi-delete", k, []byte(k))
	}
	ids := func(keys ...string) []types.ObjectIdentifier {
		var out []types.ObjectIdentifier
		for _, k := range keys {
			out = append(out, types.ObjectIdentifier{Key: aws.String(k)})
		}
		return out
	}
	res, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("multi-delete"), Delete: &types.Delete{Objects: ids("a", "c d", "missing")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 3 || len(res.Errors) != 0 {
		t.Fatalf("DeleteObjects: %d deleted, %d errors", len(res.Deleted), len(res.Errors))
	}
	res, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("multi-delete"), Delete: &types.Delete{Objects: ids("b", "e/f"), Quiet: aws.Bool(true)}})
	if err != nil || len(res.Deleted) != 0 {
		t.Fatalf("quiet DeleteObjects: %+v %v", res.Deleted, err)
	}
	l, _ := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("multi-delete")})
	if len(l.Contents) != 0 {
		t.Fatalf("left: %d", len(l.Contents))
	}
	_, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("multi-delete"), Delete: &types.Delete{Objects: make([]types.ObjectIdentifier, 0)}})
	wantCode(t, err, "MalformedXML", 400)
}

func TestSDKConditionalAndRanges(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "cond")
	body := []byte("0123456789abcdefghij")
	put := mustPut(t, c, "cond", "k", body)
	etag := put.ETag
	head, _ := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")})
	mtime := aws.ToTime(head.LastModified)
	in := func() *s3.GetObjectInput { return &s3.GetObjectInput{Bucket: aws.String("cond"), Key: aws.String("k")} }

	g := in()
	g.IfMatch = etag
	mustGet(t, c, g)
	g = in()
	g.IfMatch = aws.String(`"other"`)
	_, err := c.GetObject(ctx, g)
	wantCode(t, err, "PreconditionFailed", 412)
	g = in()
	g.IfNoneMatch = etag
	_, err = c.GetObject(ctx, g)
	if httpStatus(err) != 304 {
		t.Fatalf("If-None-Match: %v", err)
	}
	g = in()
	g.IfModifiedSince = aws.Time(mtime)
	_, err = c.GetObject(ctx, g)
	if httpStatus(err) != 304 {
		t.Fatalf("If-Modified-Since: %v", err)
	}
	g = in()
	g.IfModifiedSince = aws.Time(mtime.Add(-time.Hour))
	mustGet(t, c, g)
	g = in()
	g.IfUnmodifiedSince = aws.Time(mtime.Add(-time.Hour))
	_, err = c.GetObject(ctx, g)
	wantCode(t, err, "PreconditionFailed", 412)
	// If-Match true wins over If-Unmodified-Since false.
	g = in()
	g.IfMatch, g.IfUnmodifiedSince = etag, aws.Time(mtime.Add(-time.Hour))
	mustGet(t, c, g)
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), IfNoneMatch: etag})
	if httpStatus(err) != 304 {
		t.Fatalf("HEAD If-None-Match: %v", err)
	}

	for _, tc := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-9", "0123456789", "bytes 0-9/20"},
		{"bytes=15-", "fghij", "bytes 15-19/20"},
		{"bytes=-3", "hij", "bytes 17-19/20"},
		{"bytes=18-100", "ij", "bytes 18-19/20"},
		{"bytes=-100", string(body), "bytes 0-19/20"},
		{"bytes=0-1,4-5", string(body), ""},
		{"bytes=9-1", string(body), ""},
	} {
		g := in()
		g.Range = aws.String(tc.rng)
		got, out := mustGet(t, c, g)
		if string(got) != tc.want || aws.ToString(out.ContentRange) != tc.contentRange {
			t.Errorf("%s: %q %q", tc.rng, got, aws.ToString(out.ContentRange))
		}
	}
	g = in()
	g.Range = aws.String("bytes=20-")
	_, err = c.GetObject(ctx, g)
	wantCode(t, err, "InvalidRange", 416)

	// Response header overrides.
	g = in()
	g.ResponseContentType, g.ResponseCacheControl = aws.String("text/x-override"), aws.String("no-cache")
	_, out := mustGet(t, c, g)
	if aws.ToString(out.ContentType) != "text/x-override" || aws.ToString(out.CacheControl) != "no-cache" {
		t.Fatalf("overrides: %q %q", aws.ToString(out.ContentType), aws.ToString(out.CacheControl))
	}

	// Conditional writes.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	wantCode(t, err, "PreconditionFailed", 412)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cond"), Key: aws.String("k"), Body: strings.NewReader("x"), IfMatch: etag}); err != nil {
		t.Fatal(err)
	}
}

func TestSDKObjectMetadataAndDigests(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "meta")
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("m"), Body: strings.NewReader("data"),
		ContentType: aws.String("text/html"), CacheControl: aws.String("max-age=60"), ContentDisposition: aws.String("inline"),
		ContentLanguage: aws.String("en"), Expires: aws.Time(expires), Metadata: map[string]string{"Mixed-Case": "Value 1", "two": "2"},
		StorageClass: types.StorageClassStandardIa, Tagging: aws.String("a=1")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("m")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ContentType) != "text/html" || aws.ToString(head.CacheControl) != "max-age=60" || aws.ToString(head.ContentDisposition) != "inline" ||
		aws.ToString(head.ContentLanguage) != "en" || aws.ToString(head.ExpiresString) != expires.Format(http.TimeFormat) ||
		head.Metadata["mixed-case"] != "Value 1" || head.Metadata["two"] != "2" || head.StorageClass != types.StorageClassStandardIa ||
		head.ServerSideEncryption != types.ServerSideEncryptionAes256 || aws.ToString(head.AcceptRanges) != "bytes" {
		t.Fatalf("HeadObject: %+v", head)
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("meta"), Key: aws.String("m")})
	if err != nil || len(tg.TagSet) != 1 || aws.ToString(tg.TagSet[0].Key) != "a" {
		t.Fatalf("GetObjectTagging: %+v %v", tg, err)
	}
	// Content-MD5.
	sum := md5.Sum([]byte("data"))
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("md5"), Body: strings.NewReader("data"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))}); err != nil {
		t.Fatal(err)
	}
	other := md5.Sum([]byte("else"))
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("md5"), Body: strings.NewReader("data"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(other[:]))})
	wantCode(t, err, "BadDigest", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("md5"), Body: strings.NewReader("data"),
		ContentMD5: aws.String("not-base64!")})
	wantCode(t, err, "InvalidDigest", 400)
	// A wrong x-amz-checksum-* header.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("md5"), Body: strings.NewReader("data"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 32)))})
	wantCode(t, err, "BadDigest", 400)
	got, _ := mustGet(t, c, &s3.GetObjectInput{Bucket: aws.String("meta"), Key: aws.String("md5")})
	if string(got) != "data" {
		t.Fatalf("after failed writes: %q", got)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("sc"), Body: strings.NewReader("x"), StorageClass: "NOPE"})
	wantCode(t, err, "InvalidStorageClass", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta"), Key: aws.String("acl"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	wantCode(t, err, "AccessControlListNotSupported", 400)
	acl, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("meta"), Key: aws.String("m")})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || acl.Grants[0].Grantee.Type != types.TypeCanonicalUser {
		t.Fatalf("GetObjectAcl: %+v %v", acl, err)
	}
	attrs, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("meta"), Key: aws.String("m"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectSize, types.ObjectAttributesChecksum}})
	if err != nil || aws.ToInt64(attrs.ObjectSize) != 4 || aws.ToString(attrs.ETag) != md5hex([]byte("data")) {
		t.Fatalf("GetObjectAttributes: %+v %v", attrs, err)
	}
	// Idempotent delete.
	for i := 0; i < 2; i++ {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("meta"), Key: aws.String("m")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("meta"), Key: aws.String("m")})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("HeadObject of a deleted key: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("meta"), Key: aws.String("m")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Fatalf("GetObject of a deleted key: %v", err)
	}
}
