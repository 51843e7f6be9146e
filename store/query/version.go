package query

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// UUIDLen is the length of every id NewUUID returns (36 bytes: 32 hex
// digits and four hyphens), the store.IDLimiter bound of the stores that
// give ids with it.
const UUIDLen = 36

// NewUUID returns a new time-ordered (version 7, RFC 9562 §5.7) UUID in
// its canonical lower-case form: the first 48 bits are the Unix time in
// milliseconds, then the version and variant, and the other 74 bits come
// from crypto/rand. The id of a resource created a millisecond or more
// after another sorts after it (as a string and as PostgreSQL's uuid), so
// that a store's create appends to the end of every index that carries
// the id rather than to a random page of it; it is still unique, never
// reused and opaque to clients (RFC 7643 §3.1), and it carries the
// creation time to the millisecond, which meta.created states anyway.
// Two made in the same millisecond are in random order: keeping them in
// order would take a counter shared by every caller of the process, and
// the indexes need only the millisecond.
func NewUUID() string { return uuidAt(time.Now()) }

// uuidAt returns a version 7 UUID of the time now, as NewUUID describes.
func uuidAt(now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("query: crypto/rand: " + err.Error())
	}
	ms := uint64(now.UnixMilli())
	b[0], b[1], b[2] = byte(ms>>40), byte(ms>>32), byte(ms>>24)
	b[3], b[4], b[5] = byte(ms>>16), byte(ms>>8), byte(ms)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// FormatVersion renders version n as the stores write it: the weak ETag
// W/"n".
func FormatVersion[N int | int64 | uint64](n N) string {
	var s string
	if n < 0 {
		s = strconv.FormatInt(int64(n), 10)
	} else {
		s = strconv.FormatUint(uint64(n), 10)
	}
	return `W/"` + s + `"`
}

// ParseVersion reads an ifVersion: the stored form W/"n" (or w/"n") and,
// leniently, "n" and n (an If-Match value a client copied without the
// weak prefix), with white space around it. n must be written in canonical
// decimal (no sign, no leading zeros); ok is false for anything else.
func ParseVersion(v string) (n uint64, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == 'W' || v[0] == 'w') && v[1] == '/' {
		v = v[2:]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != v {
		return 0, false
	}
	return n, true
}
