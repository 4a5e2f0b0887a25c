package logs

import (
	"encoding/binary"
	"errors"
)

// Events are stored in chunks: one store value holds many events of one
// stream, encoded compactly (see encodeChunk). A chunk's key is
//
//	<group key>|<stream>:<minTs, 16 hex digits><chunk id, 16 hex digits>
//
// so a stream's chunks sort by their earliest timestamp. ':' cannot appear
// in a stream name, so "<group key>|<stream>:" selects exactly one stream's
// chunks even when another stream's name extends this one's.
//
// No chunk holds events more than chunkSpan apart: a reader looking for
// events at or after T starts at chunks whose minTs is T-chunkSpan, and a
// reader going backwards knows that chunks before the one it just read hold
// nothing later than that chunk's minTs+chunkSpan. That bounds how much a
// k-way merge must load before it can emit the next event.
//
// Chunk ids come from one store sequence, so they are unique across all
// streams and increase with ingestion; an event is identified by (chunk id,
// index in chunk), which never changes: chunks are only appended to (the
// stream's newest chunk takes small later batches, see tailCap) or deleted
// whole (retention, stream and group deletion).
const (
	chunkSpan    int64 = 10 * 60 * 1000 // ms
	chunkTarget        = 64 << 10       // bytes of records per chunk written in one go
	tailCap            = 16 << 10       // a newest chunk smaller than this takes the next batch
	chunkMax           = 4096           // events per chunk
	chunkHeader        = 25
	chunkVersion       = 1
)

const chunkSeqName = "logs.chunk"

var errCorruptChunk = errors.New("logs: corrupt event chunk")

func streamPrefix(gk, stream string) string { return gk + "|" + stream + ":" }

const hexDigits = "0123456789abcdef"

func appendHex16(b []byte, v int64) []byte {
	u := uint64(v)
	for i := 15; i >= 0; i-- {
		b = append(b, hexDigits[(u>>(uint(i)*4))&0xf])
	}
	return b
}

func hex16(v int64) string { return string(appendHex16(make([]byte, 0, 16), v)) }

func parseHex16(s string) (int64, bool) {
	if len(s) != 16 {
		return 0, false
	}
	var u uint64
	for i := 0; i < 16; i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, false
		}
		u = u<<4 | uint64(d)
	}
	return int64(u), true
}

func chunkKey(prefix string, minTs, id int64) string {
	b := make([]byte, 0, len(prefix)+32)
	b = append(b, prefix...)
	b = appendHex16(b, minTs)
	b = appendHex16(b, id)
	return string(b)
}

// parseChunkKey reads minTs and the chunk id from the last 32 bytes of a
// chunk key.
func parseChunkKey(key string) (minTs, id int64, ok bool) {
	if len(key) < 32 {
		return 0, 0, false
	}
	tail := key[len(key)-32:]
	minTs, ok1 := parseHex16(tail[:16])
	id, ok2 := parseHex16(tail[16:])
	return minTs, id, ok1 && ok2
}

// chunkMeta is a chunk's fixed header.
type chunkMeta struct {
	count      int
	msgBytes   int64 // sum of message lengths
	maxTs      int64
	baseIngest int64
}

func readMeta(b string) (chunkMeta, error) {
	if len(b) < chunkHeader || b[0] != chunkVersion {
		return chunkMeta{}, errCorruptChunk
	}
	return chunkMeta{
		count:      int(be64(b[1:5])),
		msgBytes:   be64(b[5:9]),
		maxTs:      be64(b[9:17]),
		baseIngest: be64(b[17:25]),
	}, nil
}

// be64 reads a big-endian unsigned number of up to 8 bytes.
func be64(s string) int64 {
	var u uint64
	for i := 0; i < len(s); i++ {
		u = u<<8 | uint64(s[i])
	}
	return int64(u)
}

func putMeta(b []byte, m chunkMeta) {
	b[0] = chunkVersion
	binary.BigEndian.PutUint32(b[1:5], uint32(m.count))
	binary.BigEndian.PutUint32(b[5:9], uint32(m.msgBytes))
	binary.BigEndian.PutUint64(b[9:17], uint64(m.maxTs))
	binary.BigEndian.PutUint64(b[17:25], uint64(m.baseIngest))
}

// chunkBuilder accumulates one chunk: a header, then per event
// uvarint(ts-minTs) varint(ingest-baseIngest) uvarint(len) message.
type chunkBuilder struct {
	minTs int64
	meta  chunkMeta
	buf   []byte
}

func newChunk(minTs, ingest int64) *chunkBuilder {
	c := &chunkBuilder{minTs: minTs, meta: chunkMeta{maxTs: minTs, baseIngest: ingest}}
	c.buf = make([]byte, chunkHeader, chunkHeader+1024)
	return c
}

// resumeChunk continues an existing chunk's encoding.
func resumeChunk(minTs int64, blob []byte) (*chunkBuilder, error) {
	m, err := readMeta(string(blob[:min(len(blob), chunkHeader)]))
	if err != nil {
		return nil, err
	}
	c := &chunkBuilder{minTs: minTs, meta: m}
	c.buf = make([]byte, len(blob), len(blob)+1024)
	copy(c.buf, blob)
	return c, nil
}

func (c *chunkBuilder) add(ts, ingest int64, msg string) {
	c.buf = binary.AppendUvarint(c.buf, uint64(ts-c.minTs))
	c.buf = binary.AppendVarint(c.buf, ingest-c.meta.baseIngest)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(msg)))
	c.buf = append(c.buf, msg...)
	c.meta.count++
	c.meta.msgBytes += int64(len(msg))
	if ts > c.meta.maxTs {
		c.meta.maxTs = ts
	}
}

func (c *chunkBuilder) size() int { return len(c.buf) - chunkHeader }

func (c *chunkBuilder) bytes() []byte {
	putMeta(c.buf, c.meta)
	return c.buf
}

// decodeChunk calls fn for each event in the chunk, in stored (ingestion)
// order. Messages are substrings of blob: no copies.
func decodeChunk(blob string, minTs int64, fn func(idx int, ts, ingest int64, msg string)) error {
	m, err := readMeta(blob)
	if err != nil {
		return err
	}
	p := blob[chunkHeader:]
	for i := 0; i < m.count; i++ {
		d, n := uvarintStr(p)
		if n <= 0 {
			return errCorruptChunk
		}
		p = p[n:]
		ing, n := varintStr(p)
		if n <= 0 {
			return errCorruptChunk
		}
		p = p[n:]
		l, n := uvarintStr(p)
		if n <= 0 || uint64(len(p)-n) < l {
			return errCorruptChunk
		}
		msg := p[n : n+int(l)]
		p = p[n+int(l):]
		fn(i, minTs+int64(d), m.baseIngest+ing, msg)
	}
	return nil
}

func uvarintStr(s string) (uint64, int) {
	var x uint64
	var sh uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			return x | uint64(b)<<sh, i + 1
		}
		x |= uint64(b&0x7f) << sh
		sh += 7
	}
	return 0, 0
}

func varintStr(s string) (int64, int) {
	ux, n := uvarintStr(s)
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x, n
}
