package query

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
)

// NewUUID returns a random (version 4) UUID in its canonical lower-case
// form.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("query: crypto/rand: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
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
