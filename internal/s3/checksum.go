package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// Checksum algorithms S3 accepts (x-amz-checksum-*).
const (
	CRC32     = "CRC32"
	CRC32C    = "CRC32C"
	CRC64NVME = "CRC64NVME"
	SHA1      = "SHA1"
	SHA256    = "SHA256"
)

// Checksum types.
const (
	FullObject = "FULL_OBJECT"
	Composite  = "COMPOSITE"
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	// CRC-64/NVME (reflected polynomial of 0xad93d23594c93659).
	nvmeTable = crc64.MakeTable(0x9a6c9329ac4bc9b5)
)

// ChecksumAlgorithms lists the supported algorithms.
var ChecksumAlgorithms = []string{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

func normalizeAlgorithm(a string) (string, bool) {
	a = strings.ToUpper(strings.TrimSpace(a))
	for _, x := range ChecksumAlgorithms {
		if a == x {
			return a, true
		}
	}
	return "", false
}

func newChecksum(alg string) hash.Hash {
	switch alg {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64.New(nvmeTable)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

func checksumSize(alg string) int {
	switch alg {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return 20
	case SHA256:
		return 32
	}
	return 0
}

// validChecksumValue reports whether v is a base64 checksum of the
// algorithm's size.
func validChecksumValue(alg, v string) bool {
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == checksumSize(alg)
}

func b64(h hash.Hash) string { return base64.StdEncoding.EncodeToString(h.Sum(nil)) }

// compositeChecksum is the checksum of a multipart object built from part
// checksums: alg(concat(raw part checksums)) + "-N".
func compositeChecksum(alg string, parts []string) string {
	h := newChecksum(alg)
	for _, p := range parts {
		b, _ := base64.StdEncoding.DecodeString(p)
		h.Write(b)
	}
	return b64(h) + "-" + itoa(len(parts))
}

// multipartETag is "<md5 of the concatenated binary part MD5s>-N".
func multipartETag(partETags []string) string {
	h := md5.New()
	for _, e := range partETags {
		b, _ := hex.DecodeString(strings.Trim(e, `"`))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + itoa(len(partETags))
}

func itoa(n int) string { return strconv.Itoa(n) }

// Full-object CRCs of multipart uploads are combined from the part CRCs
// (zlib's crc32_combine, generalised to 64 bits), so completing an upload
// never re-reads its bytes.

// crcParams returns the reflected polynomial and width of a CRC algorithm.
func crcParams(alg string) (poly uint64, width int, ok bool) {
	switch alg {
	case CRC32:
		return uint64(crc32.IEEE), 32, true
	case CRC32C:
		return uint64(crc32.Castagnoli), 32, true
	case CRC64NVME:
		return 0x9a6c9329ac4bc9b5, 64, true
	}
	return 0, 0, false
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// crcCombine returns the CRC of A||B from crc(A), crc(B) and len(B).
func crcCombine(poly uint64, width int, crc1, crc2 uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crc1
	}
	even := make([]uint64, width)
	odd := make([]uint64, width)
	odd[0] = poly // operator for one zero bit
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd) // one zero byte, then 4, 16, …
		if len2&1 != 0 {
			crc1 = gf2Times(even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd, even)
		if len2&1 != 0 {
			crc1 = gf2Times(odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

// combineChecksums returns the full-object checksum (base64) of parts
// with the given base64 CRCs and sizes; ok is false for non-CRC
// algorithms or malformed values.
func combineChecksums(alg string, sums []string, sizes []int64) (string, bool) {
	poly, width, ok := crcParams(alg)
	if !ok {
		return "", false
	}
	var acc uint64
	for i, s := range sums {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != width/8 {
			return "", false
		}
		var v uint64
		for _, x := range b {
			v = v<<8 | uint64(x)
		}
		if i == 0 {
			acc = v
			continue
		}
		acc = crcCombine(poly, width, acc, v, sizes[i])
	}
	if len(sums) == 0 {
		h := newChecksum(alg)
		return b64(h), true
	}
	out := make([]byte, width/8)
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = byte(acc)
		acc >>= 8
	}
	return base64.StdEncoding.EncodeToString(out), true
}
