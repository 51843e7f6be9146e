// Package reqid makes the id that names a request in the logs, in the
// X-Request-Id response header and in a 5xx's detail, for the SCIM
// handler and the admin API alike, so an admin matches what a client
// shows to a log line by the same rule on both.
package reqid

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"

	"github.com/scimkit/scim/tokens"
)

// MaxLen is the longest X-Request-Id a request keeps.
const MaxLen = 128

// Of is id, the X-Request-Id a proxy in front already gave the request,
// when it is a sane token (printable ASCII, at most MaxLen bytes, no
// bearer token in it, nothing conceals reports), or a new random one, so
// one id follows the request through the proxy's logs, ours and the
// response. conceals may be nil.
func Of(id string, conceals func(string) bool) string {
	if id != "" && len(id) <= MaxLen {
		// An id holding a token (a client that sent its token in the
		// wrong header), or text that names a secret attribute, would put it
		// in every log and be sent back: the request gets an id of its
		// own instead.
		ok := tokens.Redact(id) == id && (conceals == nil || !conceals(id))
		for i := 0; i < len(id) && ok; i++ {
			ok = id[i] > ' ' && id[i] < 0x7f
		}
		if ok {
			return id
		}
	}
	// An id names a request in logs; it is no secret, so it needs to be
	// unique, not unguessable: 64 bits of math/rand/v2's generator
	// (ChaCha8, seeded by the runtime from the system's entropy) collide
	// as rarely as 64 bits of crypto/rand, which took a tenth of a GET's
	// time in the handler (a system call per request).
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], rand.Uint64())
	var b [16]byte
	hex.Encode(b[:], raw[:])
	return string(b[:])
}
