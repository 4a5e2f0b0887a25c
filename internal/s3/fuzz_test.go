package s3

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseAddress checks that request addressing never panics, that a
// parsed key is exactly what the client encoded, and that a bucket-less
// request has no key. Run briefly with
//
//	go test ./internal/s3 -run '^$' -fuzz FuzzParseAddress -fuzztime 30s
func FuzzParseAddress(f *testing.F) {
	for _, s := range [][2]string{
		{"127.0.0.1:4566", "/bucket/key"},
		{"localhost:4566", "/bucket//a//b/"},
		{"bucket.localhost:4566", "/k%20x"},
		{"bucket.s3.localhost.localstack.cloud:4566", "/a+b"},
		{"bucket.s3.us-west-2.amazonaws.com", "/%E6%97%A5?versionId=1"},
		{"s3.amazonaws.com", "/bucket/a/../b"},
		{"[::1]:4566", "/b/%zz"},
		{"x.s3.", "//"},
		{"", ""},
		{".localhost", "/"},
		{"http://evil", "http://127.0.0.1:4566/b/k"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, host, path string) {
		bucket, key, err := parseAddress(host, path)
		if err != nil {
			return
		}
		if bucket == "" && key != "" {
			t.Fatalf("key %q without a bucket", key)
		}
		if vb := virtualBucket(host); vb != "" && bucket != vb {
			t.Fatalf("virtual host %q gave bucket %q", host, bucket)
		}
		if bucket == "" || strings.Contains(bucket, "/") || !utf8.ValidString(key) {
			return
		}
		// Re-encoding the key as a client would gives the same key back.
		enc := "/" + url.PathEscape(bucket) + "/" + escapeKey(key)
		b2, k2, err := parseAddress("127.0.0.1:4566", enc)
		if err != nil || b2 != bucket || k2 != key {
			t.Fatalf("round trip of %q/%q via %q: %q/%q %v", bucket, key, enc, b2, k2, err)
		}
	})
}

// FuzzServe throws arbitrary methods, paths, queries and headers at the
// raw handler (as the gateway would after authentication): it must never
// panic nor answer with a server error for bad input.
func FuzzServe(f *testing.F) {
	for _, s := range [][5]string{
		{"GET", "/", "", "", ""},
		{"PUT", "/fuzz-bucket", "", "", "<CreateBucketConfiguration/>"},
		{"GET", "/fuzz-bucket", "list-type=2&max-keys=-1&continuation-token=x", "", ""},
		{"PUT", "/fuzz-bucket/k", "", "x-amz-copy-source", "/fuzz-bucket/k?versionId="},
		{"POST", "/fuzz-bucket", "delete", "", "<Delete><Object><Key>k</Key></Object></Delete>"},
		{"POST", "/fuzz-bucket/k", "uploadId=abc", "", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"},
		{"GET", "/fuzz-bucket/k", "partNumber=99999", "Range", "bytes=-"},
		{"PUT", "/fuzz-bucket?lifecycle", "", "", "<LifecycleConfiguration><Rule><Status>Enabled</Status><Filter><And/></Filter></Rule></LifecycleConfiguration>"},
		{"PUT", "/fuzz-bucket?policy", "", "", `{"Statement":[{"Principal":{"AWS":[1]}}]}`},
		{"PUT", "/fuzz-bucket/k", "tagging", "", "<Tagging><TagSet><Tag><Key></Key></Tag></TagSet></Tagging>"},
		{"GET", "/fuzz-bucket", "versions&key-marker=a&version-id-marker=b", "", ""},
		{"GET", "/fuzz-bucket", "uploads&max-uploads=0", "", ""},
		{"HEAD", "/fuzz-bucket/%2F%2F", "", "If-Modified-Since", "garbage"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	e, err := New(newFuzzStore(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	if _, err := e.CreateBucket(testCtx(), "fuzz-bucket", CreateBucketOptions{}); err != nil {
		f.Fatal(err)
	}
	e.PutObject(testCtx(), "fuzz-bucket", "k", strings.NewReader("data"), PutOptions{})
	f.Fuzz(func(t *testing.T, method, path, query, header, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#?") || strings.ContainsAny(method, " \r\n\t") || method == "" {
			return
		}
		uri := path
		if query != "" {
			if strings.ContainsAny(query, " \r\n\t#") {
				return
			}
			uri += "?" + query
		}
		r, err := http.NewRequestWithContext(testCtx(), method, "http://127.0.0.1:4566"+uri, strings.NewReader(body))
		if err != nil {
			return
		}
		r.RequestURI = uri
		r.Host = "127.0.0.1:4566"
		if header != "" && !strings.ContainsAny(header, " \r\n\t:") {
			r.Header.Set(header, body)
		}
		w := httptest.NewRecorder()
		err = e.serve(w, r)
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatalf("%s %s: %v", method, uri, err)
			}
			if _, ok := asAPIError(err); !ok {
				t.Fatalf("%s %s: untyped error %v", method, uri, err)
			}
		}
	})
}
