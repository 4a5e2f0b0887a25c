package awswire

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// aws-chunked bodies (Content-Encoding: aws-chunked): the S3 clients send
// uploads as chunks "hex-size[;chunk-signature=sig]\r\n data \r\n", ending in
// a zero chunk and optional trailers (x-amz-checksum-*). With signed chunks
// each signature chains from the previous one.

type chunkedReader struct {
	br      *bufio.Reader
	left    int64 // bytes left in the current chunk
	done    bool
	err     error
	signed  bool
	key     []byte
	prevSig string
	a       *authInfo
	chunkH  hash.Hash
	sigWant string
	crc     hash.Hash32 // running CRC32 for an x-amz-checksum-crc32 trailer
	crcC    hash.Hash32
	// trailers received after the last chunk
	trailers map[string]string
	// header, if set, receives the trailers (the request's Trailer), so
	// handlers can read them once the body is consumed.
	header http.Header
}

func newChunkedReader(r io.Reader, a *authInfo, key []byte, seedSig string, signed bool) *chunkedReader {
	return &chunkedReader{
		br: bufio.NewReaderSize(r, 64<<10), signed: signed, key: key, prevSig: seedSig, a: a,
		chunkH: sha256.New(), crc: crc32.NewIEEE(), crcC: crc32.New(crc32.MakeTable(crc32.Castagnoli)),
		trailers: map[string]string{},
	}
}

var errChunkSignature = errors.New("chunk signature mismatch")

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.left == 0 {
		if c.done {
			c.err = io.EOF
			return 0, io.EOF
		}
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	c.chunkH.Write(p[:n])
	c.crc.Write(p[:n])
	c.crcC.Write(p[:n])
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		c.err = err
		return n, err
	}
	if c.left == 0 {
		if err := c.endChunk(); err != nil {
			c.err = err
		}
	}
	return n, nil
}

func (c *chunkedReader) readLine() (string, error) {
	line, err := c.br.ReadString('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (c *chunkedReader) nextChunk() error {
	line, err := c.readLine()
	if err != nil {
		return err
	}
	sizeStr, ext, _ := strings.Cut(line, ";")
	size, err := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
	if err != nil || size < 0 {
		return fmt.Errorf("malformed aws-chunked chunk header %q", line)
	}
	c.sigWant = ""
	if k, v, ok := strings.Cut(ext, "="); ok && strings.TrimSpace(k) == "chunk-signature" {
		c.sigWant = strings.TrimSpace(v)
	}
	if c.signed && c.sigWant == "" {
		return errChunkSignature
	}
	c.chunkH.Reset()
	c.left = size
	if size == 0 {
		if err := c.checkChunkSig(); err != nil {
			return err
		}
		c.done = true
		return c.readTrailers()
	}
	return nil
}

func (c *chunkedReader) endChunk() error {
	// Each chunk's data ends with CRLF.
	if _, err := c.readLine(); err != nil {
		return err
	}
	return c.checkChunkSig()
}

func (c *chunkedReader) checkChunkSig() error {
	if !c.signed {
		return nil
	}
	empty := sha256.Sum256(nil)
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + c.a.Time.UTC().Format(amzDate) + "\n" + c.a.scope() + "\n" +
		c.prevSig + "\n" + hex.EncodeToString(empty[:]) + "\n" + hex.EncodeToString(c.chunkH.Sum(nil))
	if !signatureMatches(c.key, sts, c.sigWant) {
		return errChunkSignature
	}
	c.prevSig = c.sigWant
	return nil
}

func (c *chunkedReader) readTrailers() error {
	for {
		line, err := c.br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			k, v, _ := strings.Cut(line, ":")
			c.trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			if c.header != nil {
				c.header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		if err != nil || line == "" {
			break
		}
	}
	// Verify checksum trailers we can compute.
	if want, ok := c.trailers["x-amz-checksum-crc32"]; ok {
		got := base64.StdEncoding.EncodeToString(c.crc.Sum(nil))
		if got != want {
			return &BadDigestError{Algorithm: "CRC32"}
		}
	}
	if want, ok := c.trailers["x-amz-checksum-crc32c"]; ok {
		got := base64.StdEncoding.EncodeToString(c.crcC.Sum(nil))
		if got != want {
			return &BadDigestError{Algorithm: "CRC32C"}
		}
	}
	return nil
}

// Trailers returns the trailing headers once the body has been read.
func (c *chunkedReader) Trailers() map[string]string { return c.trailers }

// BadDigestError reports a checksum that does not match the body.
type BadDigestError struct{ Algorithm string }

func (e *BadDigestError) Error() string {
	return fmt.Sprintf("The %s you specified did not match the calculated checksum.", e.Algorithm)
}

// hashingReader checks a body against x-amz-content-sha256 as it is read
// and fails at EOF when it does not match.
type hashingReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

// ErrContentSHA256Mismatch is returned by a request body whose bytes do not
// match the x-amz-content-sha256 the client signed.
var ErrContentSHA256Mismatch = errors.New("the provided 'x-amz-content-sha256' header does not match what was computed")

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(h.h.Sum(nil)) != h.want {
		return n, ErrContentSHA256Mismatch
	}
	return n, err
}
