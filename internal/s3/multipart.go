package s3

import (
	"context"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// MinPartSize is the smallest part (but the last) S3 accepts: 5 MiB.
const MinPartSize = 5 << 20

// MaxParts is the largest part number.
const MaxParts = 10000

// Upload is a multipart upload in progress.
type Upload struct {
	UploadID          string
	Bucket, Key       string
	Initiated         time.Time
	StorageClass      string
	ChecksumAlgorithm string
	ChecksumType      string
	Owner             Owner
}

func (u *uploadRec) info(account string) *Upload {
	sc := u.Opts.StorageClass
	if sc == "" {
		sc = "STANDARD"
	}
	return &Upload{UploadID: u.ID, Bucket: u.Bucket, Key: u.Key, Initiated: u.Initiated, StorageClass: sc,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType, Owner: ownerOf(account)}
}

func uploadKey(bucket, id string) string { return bucket + "/" + id }

// getUpload reads an upload of the key; NoSuchUpload when it is gone or
// belongs to another key.
func getUpload(tx store.Tx, bucket, key, id string) (*uploadRec, error) {
	var u uploadRec
	if id == "" || strings.Contains(id, "/") {
		return nil, noSuchUpload(id)
	}
	if err := tx.Get(tUpload, uploadKey(bucket, id), &u); err != nil {
		if errIsNotFound(err) {
			return nil, noSuchUpload(id)
		}
		return nil, err
	}
	if u.Key != key {
		return nil, noSuchUpload(id)
	}
	return &u, nil
}

// CreateMultipartUpload starts a multipart upload; opts are the settings
// of the object it will complete into.
func (e *Engine) CreateMultipartUpload(ctx context.Context, bucket, key string, opts PutOptions) (*Upload, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if err := opts.validate(b); err != nil {
		return nil, err
	}
	alg, typ := opts.ChecksumAlgorithm, strings.ToUpper(opts.ChecksumType)
	switch {
	case typ != "" && typ != FullObject && typ != Composite:
		return nil, invalidArgument("Value for x-amz-checksum-type header is invalid.", "x-amz-checksum-type", typ)
	case typ != "" && alg == "":
		return nil, errInvalidRequest.New("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case typ == "" && alg == CRC64NVME:
		typ = FullObject
	case typ == "" && alg != "":
		typ = Composite
	}
	if typ == FullObject && (alg == SHA1 || alg == SHA256) {
		return nil, errInvalidRequest.New("The FULL_OBJECT checksum type cannot be used with the %s checksum algorithm.", strings.ToLower(alg))
	}
	if typ == Composite && alg == CRC64NVME {
		return nil, errInvalidRequest.New("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	}
	u := &uploadRec{ID: randomID(64), Bucket: bucket, Key: key, Initiated: e.Now().UTC().Truncate(time.Millisecond),
		Opts: opts, ChecksumAlgorithm: alg, ChecksumType: typ}
	u.Opts.ContentLength, u.Opts.ContentMD5, u.Opts.Checksum, u.Opts.TrailingChecksum = nil, "", "", nil
	u.Opts.IfMatch, u.Opts.IfNoneMatch = "", ""
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		return tx.Put(tUpload, uploadKey(bucket, u.ID), u)
	})
	if err != nil {
		return nil, err
	}
	return u.info(b.Account), nil
}

// PartOptions are the integrity settings of one part.
type PartOptions struct {
	ContentLength     *int64
	ContentMD5        string
	ChecksumAlgorithm string
	Checksum          string
	TrailingChecksum  func() string
}

// PartInfo describes an uploaded part.
type PartInfo struct {
	PartNumber        int
	ETag              string // quoted
	Size              int64
	LastModified      time.Time
	ChecksumAlgorithm string
	Checksum          string
}

func (p *partRec) info(alg string) PartInfo {
	pi := PartInfo{PartNumber: p.Number, ETag: `"` + p.ETag + `"`, Size: p.Size, LastModified: p.LastModified}
	if alg != "" {
		pi.ChecksumAlgorithm, pi.Checksum = alg, p.Checksum
	}
	return pi
}

func checkPartNumber(n int) error {
	if n < 1 || n > MaxParts {
		return invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(n))
	}
	return nil
}

// partAlgorithm decides which checksum a part is computed with.
func partAlgorithm(u *uploadRec, reqAlg string) (string, error) {
	if reqAlg != "" {
		a, ok := normalizeAlgorithm(reqAlg)
		if !ok {
			return "", invalidArgument("Checksum algorithm provided is unsupported.", "x-amz-checksum-algorithm", reqAlg)
		}
		reqAlg = a
	}
	if u.ChecksumAlgorithm != "" {
		if reqAlg != "" && reqAlg != u.ChecksumAlgorithm {
			return "", errInvalidRequest.New("Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
				strings.ToLower(u.ChecksumAlgorithm), strings.ToLower(reqAlg))
		}
		return u.ChecksumAlgorithm, nil
	}
	if reqAlg != "" {
		return reqAlg, nil
	}
	// Uploads that name no algorithm complete with a full-object
	// CRC64NVME, combined from the parts'.
	return CRC64NVME, nil
}

// UploadPart stores one part of a multipart upload. Uploading a part
// number again replaces the part.
func (e *Engine) UploadPart(ctx context.Context, bucket, key, uploadID string, partNumber int, body io.Reader, opts PartOptions) (*PartInfo, error) {
	if err := checkPartNumber(partNumber); err != nil {
		return nil, err
	}
	var u *uploadRec
	if err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		var err error
		u, err = getUpload(tx, bucket, key, uploadID)
		return err
	}); err != nil {
		return nil, err
	}
	alg, err := partAlgorithm(u, opts.ChecksumAlgorithm)
	if err != nil {
		return nil, err
	}
	po := PutOptions{ContentLength: opts.ContentLength, ContentMD5: opts.ContentMD5, ChecksumAlgorithm: alg, Checksum: opts.Checksum, TrailingChecksum: opts.TrailingChecksum}
	if err := po.validate(nil); err != nil {
		return nil, err
	}
	if opts.ContentLength != nil && *opts.ContentLength > MaxPutSize {
		return nil, errEntityTooLarge.New("Your proposed upload exceeds the maximum allowed size")
	}
	r, err := e.receive(ctx, body, &po, alg, MaxPutSize)
	if err != nil {
		return nil, err
	}
	p := &partRec{Number: partNumber, Blob: r.blob, Size: r.size, ETag: r.md5, LastModified: e.now(), Checksum: r.checksum, Alg: alg}
	return e.commitPart(ctx, bucket, key, uploadID, p, u.ChecksumAlgorithm, alg)
}

func (e *Engine) commitPart(ctx context.Context, bucket, key, uploadID string, p *partRec, uploadAlg, alg string) (*PartInfo, error) {
	var replaced string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		replaced = ""
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		if _, err := getUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		var old partRec
		if err := tx.Get(tPart, partKey(uploadID, p.Number), &old); err == nil {
			replaced = old.Blob
		} else if !errIsNotFound(err) {
			return err
		}
		return tx.Put(tPart, partKey(uploadID, p.Number), p)
	})
	if err != nil {
		e.blobs.remove(p.Blob)
		return nil, err
	}
	e.blobs.remove(replaced)
	pi := p.info(uploadAlg)
	if uploadAlg == "" {
		pi.ChecksumAlgorithm, pi.Checksum = alg, p.Checksum
	}
	return &pi, nil
}

// UploadPartCopy stores a part copied from (a byte range of) an object.
// rng is an x-amz-copy-source-range value ("bytes=first-last") or "".
func (e *Engine) UploadPartCopy(ctx context.Context, bucket, key, uploadID string, partNumber int, src CopySource, rng string) (*PartInfo, string, error) {
	if err := checkPartNumber(partNumber); err != nil {
		return nil, "", err
	}
	var u *uploadRec
	if err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		var err error
		u, err = getUpload(tx, bucket, key, uploadID)
		return err
	}); err != nil {
		return nil, "", err
	}
	o, err := e.openCopySource(ctx, src)
	if err != nil {
		return nil, "", err
	}
	defer o.Close()
	off, n := int64(0), o.Info.Size
	if rng != "" {
		spec, ok := strings.CutPrefix(strings.TrimSpace(rng), "bytes=")
		a, z, ok2 := strings.Cut(spec, "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := strconv.ParseInt(z, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || first < 0 || last < first {
			return nil, "", invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", rng)
		}
		if last >= o.Info.Size {
			return nil, "", invalidArgument("Range specified is not valid for source object of size: "+strconv.FormatInt(o.Info.Size, 10), "x-amz-copy-source-range", rng)
		}
		off, n = first, last-first+1
	}
	if n > MaxPutSize {
		return nil, "", errInvalidRequest.New("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	alg, _ := partAlgorithm(u, "")
	rd := o.Range(off, n)
	r, err := e.receive(ctx, rd, &PutOptions{}, alg, MaxPutSize)
	rd.Close()
	if err != nil {
		return nil, "", err
	}
	p := &partRec{Number: partNumber, Blob: r.blob, Size: r.size, ETag: r.md5, LastModified: e.now(), Checksum: r.checksum, Alg: alg}
	pi, err := e.commitPart(ctx, bucket, key, uploadID, p, u.ChecksumAlgorithm, alg)
	return pi, o.Info.VersionID, err
}

// CompletedPart is one entry of a CompleteMultipartUpload request.
type CompletedPart struct {
	PartNumber int
	ETag       string
	// Checksum is the part checksum the client sent, if any, of the
	// upload's algorithm.
	Checksum string
}

// CompleteOptions are the settings of CompleteMultipartUpload.
type CompleteOptions struct {
	IfMatch, IfNoneMatch string
	// Checksum is the full-object checksum the client expects (FULL_OBJECT
	// uploads), base64.
	Checksum string
}

func scanParts(tx store.Tx, uploadID string) (map[int]partRec, error) {
	parts := map[int]partRec{}
	err := tx.Scan(tPart, store.ScanOptions{Prefix: uploadID + "/"}, func(_ string, val []byte) error {
		var p partRec
		if err := jsonUnmarshal(val, &p); err != nil {
			return err
		}
		parts[p.Number] = p
		return nil
	})
	return parts, err
}

// CompleteMultipartUpload assembles the listed parts into the object. The
// parts' blobs become the object's segments (no bytes are copied).
func (e *Engine) CompleteMultipartUpload(ctx context.Context, bucket, key, uploadID string, list []CompletedPart, opts CompleteOptions) (*ObjectInfo, error) {
	var u *uploadRec
	var have map[int]partRec
	if err := e.st.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		var err error
		if u, err = getUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		have, err = scanParts(tx, uploadID)
		return err
	}); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, malformedXML()
	}
	chosen := make([]partRec, 0, len(list))
	for i, cp := range list {
		if i > 0 && cp.PartNumber <= list[i-1].PartNumber {
			return nil, errInvalidPartOrder.New("The list of parts was not in ascending order. The parts list must be specified in order by part number.")
		}
		p, ok := have[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `" `) != p.ETag {
			return nil, errInvalidPart.New("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.").
				With("UploadId", uploadID).With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", cp.ETag)
		}
		if u.ChecksumAlgorithm != "" && cp.Checksum != "" && cp.Checksum != p.Checksum {
			return nil, errInvalidPart.New("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.").
				With("UploadId", uploadID).With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", cp.ETag)
		}
		chosen = append(chosen, p)
	}
	for i, p := range chosen[:len(chosen)-1] {
		if p.Size < MinPartSize {
			return nil, errEntityTooSmall.New("Your proposed upload is smaller than the minimum allowed size").
				With("ProposedSize", strconv.FormatInt(p.Size, 10)).With("MinSizeAllowed", strconv.Itoa(MinPartSize)).
				With("PartNumber", strconv.Itoa(list[i].PartNumber)).With("ETag", `"`+p.ETag+`"`)
		}
	}
	etags := make([]string, len(chosen))
	sums := make([]string, len(chosen))
	segs := make([]segment, len(chosen))
	var size int64
	var blobNames []string
	for i, p := range chosen {
		etags[i], sums[i] = p.ETag, p.Checksum
		segs[i] = segment{Blob: p.Blob, Size: p.Size, ETag: p.ETag, Checksum: p.Checksum}
		size += p.Size
		if p.Blob != "" {
			blobNames = append(blobNames, p.Blob)
		}
	}
	alg, typ := u.ChecksumAlgorithm, u.ChecksumType
	var checksum string
	if typ == Composite {
		checksum = compositeChecksum(alg, sums)
	} else {
		if alg == "" {
			alg, typ = CRC64NVME, FullObject
		}
		sizes := make([]int64, len(chosen))
		combinable := true
		for i, p := range chosen {
			sizes[i] = p.Size
			if p.Alg != alg {
				combinable = false
			}
		}
		var ok bool
		if combinable {
			checksum, ok = combineChecksums(alg, sums, sizes)
		}
		if !ok {
			// Parts checksummed otherwise: read them through once.
			var err error
			if checksum, err = e.checksumSegments(alg, segs, size, blobNames); err != nil {
				return nil, err
			}
		}
		if opts.Checksum != "" && opts.Checksum != checksum {
			return nil, errBadDigest.New("The %s you specified did not match the calculated checksum.", alg)
		}
	}
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	// S3 dates a multipart object by the initiation of its upload.
	v := u.Opts.newVersion(b, u.Initiated.UTC().Truncate(time.Second))
	v.Size, v.ETag, v.Segments, v.Multipart = size, multipartETag(etags), segs, true
	v.ChecksumAlgorithm, v.Checksum, v.ChecksumType = alg, checksum, typ

	var replaced, unused []string
	var info *ObjectInfo
	err = e.st.Update(ctx, func(tx store.Tx) error {
		replaced, unused = nil, nil
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		if _, err := getUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		now, err := scanParts(tx, uploadID)
		if err != nil {
			return err
		}
		inUse := map[string]bool{}
		for _, p := range chosen {
			if cur, ok := now[p.Number]; !ok || cur.Blob != p.Blob {
				return errInvalidPart.New("One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.").
					With("UploadId", uploadID).With("PartNumber", strconv.Itoa(p.Number))
			}
			inUse[p.Blob] = true
		}
		for _, p := range now {
			if p.Blob != "" && !inUse[p.Blob] {
				unused = append(unused, p.Blob)
			}
		}
		rec, err := getObj(tx, bucket, key)
		if err != nil {
			return err
		}
		if err := checkWriteConditions(rec, opts.IfMatch, opts.IfNoneMatch); err != nil {
			return err
		}
		if rec == nil {
			rec = &objRec{}
		}
		nv := v
		replaced = placeVersion(b, rec, &nv)
		if err := putObj(tx, bucket, key, rec); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(tPart, uploadID+"/"); err != nil {
			return err
		}
		if err := tx.Delete(tUpload, uploadKey(bucket, uploadID)); err != nil {
			return err
		}
		info = objectInfo(b, key, &nv, true)
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.blobs.remove(append(replaced, unused...)...)
	return info, nil
}

// checksumSegments computes alg over the bytes of segments.
func (e *Engine) checksumSegments(alg string, segs []segment, size int64, blobNames []string) (string, error) {
	if !e.blobs.pin(blobNames) {
		return "", errInvalidPart.New("One or more of the specified parts could not be found.")
	}
	defer e.blobs.unpin(blobNames)
	h := newChecksum(alg)
	rd := &segmentsReader{b: e.blobs, segs: segs, left: size}
	defer rd.Close()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	if _, err := io.CopyBuffer(h, rd, *bp); err != nil {
		return "", err
	}
	return b64(h), nil
}

// deleteUploadTx removes an upload and its parts, returning their blobs.
func deleteUploadTx(tx store.Tx, bucket, id string) ([]string, error) {
	parts, err := scanParts(tx, id)
	if err != nil {
		return nil, err
	}
	var blobs []string
	for _, p := range parts {
		if p.Blob != "" {
			blobs = append(blobs, p.Blob)
		}
	}
	if _, err := tx.DeletePrefix(tPart, id+"/"); err != nil {
		return nil, err
	}
	return blobs, tx.Delete(tUpload, uploadKey(bucket, id))
}

// AbortMultipartUpload discards an upload and its parts.
func (e *Engine) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	var blobs []string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(ctx, tx, bucket); err != nil {
			return err
		}
		if _, err := getUpload(tx, bucket, key, uploadID); err != nil {
			return err
		}
		var err error
		blobs, err = deleteUploadTx(tx, bucket, uploadID)
		return err
	})
	if err != nil {
		return err
	}
	e.blobs.remove(blobs...)
	return nil
}

// PartsResult is a page of ListParts.
type PartsResult struct {
	Upload               *Upload
	Parts                []PartInfo
	MaxParts             int
	PartNumberMarker     int
	NextPartNumberMarker int
	IsTruncated          bool
}

// ListParts lists an upload's parts after marker, at most max (1000 when
// max is outside 1..1000).
func (e *Engine) ListParts(ctx context.Context, bucket, key, uploadID string, max, marker int) (*PartsResult, error) {
	if max <= 0 || max > 1000 {
		max = 1000
	}
	res := &PartsResult{MaxParts: max, PartNumberMarker: marker}
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		u, err := getUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		res.Upload = u.info(b.Account)
		after := ""
		if marker > 0 {
			after = partKey(uploadID, min(marker, MaxParts))
		}
		return tx.Scan(tPart, store.ScanOptions{Prefix: uploadID + "/", After: after}, func(_ string, val []byte) error {
			var p partRec
			if err := jsonUnmarshal(val, &p); err != nil {
				return err
			}
			if len(res.Parts) == max {
				res.IsTruncated = true
				return store.ErrStop
			}
			res.Parts = append(res.Parts, p.info(u.ChecksumAlgorithm))
			res.NextPartNumberMarker = p.Number
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// UploadListOptions select a page of ListMultipartUploads.
type UploadListOptions struct {
	Prefix, Delimiter string
	KeyMarker         string
	UploadIDMarker    string
	MaxUploads        int
}

// UploadListResult is a page of uploads.
type UploadListResult struct {
	Uploads            []Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}

// ListMultipartUploads lists uploads in progress by key, then initiation.
func (e *Engine) ListMultipartUploads(ctx context.Context, bucket string, opts UploadListOptions) (*UploadListResult, error) {
	max := opts.MaxUploads
	if max < 0 || max > 1000 {
		max = 1000
	}
	res := &UploadListResult{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		b, err := getBucket(ctx, tx, bucket)
		if err != nil {
			return err
		}
		var all []uploadRec
		if err := tx.Scan(tUpload, store.ScanOptions{Prefix: bucket + "/"}, func(_ string, val []byte) error {
			var u uploadRec
			if err := jsonUnmarshal(val, &u); err != nil {
				return err
			}
			if strings.HasPrefix(u.Key, opts.Prefix) {
				all = append(all, u)
			}
			return nil
		}); err != nil {
			return err
		}
		sort.Slice(all, func(i, j int) bool {
			if all[i].Key != all[j].Key {
				return all[i].Key < all[j].Key
			}
			if !all[i].Initiated.Equal(all[j].Initiated) {
				return all[i].Initiated.Before(all[j].Initiated)
			}
			return all[i].ID < all[j].ID
		})
		start := 0
		if opts.KeyMarker != "" {
			start = len(all)
			for i, u := range all {
				if u.Key > opts.KeyMarker {
					start = i
					break
				}
				if u.Key == opts.KeyMarker && opts.UploadIDMarker != "" && u.ID == opts.UploadIDMarker {
					start = i + 1
					break
				}
			}
		}
		count := 0
		lastCP := ""
		for _, u := range all[start:] {
			if opts.Delimiter != "" {
				if i := strings.Index(u.Key[len(opts.Prefix):], opts.Delimiter); i >= 0 {
					cp := u.Key[:len(opts.Prefix)+i+len(opts.Delimiter)]
					if cp == lastCP || cp <= opts.KeyMarker {
						continue
					}
					if count == max {
						res.IsTruncated = true
						break
					}
					res.CommonPrefixes = append(res.CommonPrefixes, cp)
					lastCP = cp
					res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
					count++
					continue
				}
			}
			if count == max {
				res.IsTruncated = true
				break
			}
			res.Uploads = append(res.Uploads, *u.info(b.Account))
			res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
			count++
		}
		if !res.IsTruncated {
			res.NextKeyMarker, res.NextUploadIDMarker = "", ""
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
