package scim

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// PasswordHasher turns a password a provider pushes into what the store
// keeps. Config.PasswordHasher uses it; Argon2id is the one this package
// provides.
type PasswordHasher interface {
	// Hash returns a one-way encoding of password, never the password
	// itself.
	Hash(password string) (string, error)
}

// Argon2id hashes passwords with Argon2id (RFC 9106) and encodes them in
// the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash), which
// most password libraries read. Its zero value uses RFC 9106's second
// recommended option (64 MiB, 3 passes, 4 lanes). Costs above
// MaxArgon2idMemoryKiB or MaxArgon2idTime are refused: by Hash, by Verify
// in an encoding, and by NewHandler in Config.PasswordHasher.
type Argon2id struct {
	// MemoryKiB, Time and Threads are Argon2id's m, t and p; zero takes
	// the default. MemoryKiB is at most MaxArgon2idMemoryKiB and Time at
	// most MaxArgon2idTime; Threads is bounded by its type (255).
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// The largest Argon2id costs Hash makes and Verify computes. Verify takes
// its costs from the stored encoding, so without a bound a corrupted or
// planted m= (up to 4 TiB) or t= (up to 2^32 passes) would make one
// sign-in allocate that memory or run for days. The bounds are generous:
// MaxArgon2idMemoryKiB (4 GiB) is twice RFC 9106's largest recommendation
// (2 GiB, 1 pass), and MaxArgon2idTime (64 passes) over ten times the
// most any common recommendation asks for (RFC 9106: 1 or 3, OWASP: 1
// to 5, libsodium's sensitive limit: 4).
const (
	MaxArgon2idMemoryKiB = 4 << 20
	MaxArgon2idTime      = 64
)

// The longest salt and tag (the hash itself), in bytes, Verify reads from
// an encoding. Argon2id hashes the whole salt and writes a tag as long as
// the stored one, so without a bound a planted encoding with a salt or
// tag of many megabytes would make one sign-in decode, allocate and hash
// that much. The bounds are generous: 16 and 8 times the 16-byte salt and
// 32-byte tag Hash makes (and RFC 9106 recommends), room for any hash a
// host brings from another library. Longer is an error, before decoding.
const (
	MaxArgon2idSaltLen = 256
	MaxArgon2idKeyLen  = 256
)

const argonKeyLen, argonSaltLen = 32, 16

// check refuses costs above the documented maxima: NewHandler calls it
// on Config.PasswordHasher, so that a configuration Hash would refuse
// fails at construction rather than at the first pushed password.
func (a Argon2id) check() error {
	m, t, _ := a.params()
	return argonBounded(m, t)
}

// argonBounded is the one bound on costs Hash, Verify and NewHandler
// share, so that every encoding Hash makes verifies.
func argonBounded(m, t uint32) error {
	if m > MaxArgon2idMemoryKiB || t > MaxArgon2idTime {
		return fmt.Errorf("scim: Argon2id costs m=%d KiB, t=%d beyond the maxima (m=%d KiB, t=%d)", m, t, MaxArgon2idMemoryKiB, MaxArgon2idTime)
	}
	return nil
}

func (a Argon2id) params() (m, t uint32, p uint8) {
	m, t, p = a.MemoryKiB, a.Time, a.Threads
	if m == 0 {
		m = 64 * 1024
	}
	if t == 0 {
		t = 3
	}
	if p == 0 {
		p = 4
	}
	return m, t, p
}

// Hash implements PasswordHasher with a fresh random salt.
func (a Argon2id) Hash(password string) (string, error) {
	if err := a.check(); err != nil {
		return "", err
	}
	m, t, p := a.params()
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, t, m, p, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches an encoding Hash made (with any
// parameters), comparing in constant time. A host that signs users in with
// the pushed password calls it. An encoding that is not one Argon2id
// allows (RFC 9106 §3.1: at least one pass and one lane, a salt of 8 bytes
// or more, a tag of 4 or more) or that has anything but the numbers in its
// parameters is an error, never a panic, and so are costs above
// MaxArgon2idMemoryKiB or MaxArgon2idTime, which no Hash makes: one
// planted encoding cannot hold a sign-in's memory or core without bound;
// so is a salt longer than MaxArgon2idSaltLen or a tag longer than
// MaxArgon2idKeyLen.
// Within them the cost is the encoding's own: verify only what Hash made.
func (Argon2id) Verify(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("scim: not an Argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, fmt.Errorf("scim: unsupported Argon2 version %q", parts[2])
	}
	m, t, p, ok := argonParams(parts[3])
	if !ok {
		return false, fmt.Errorf("scim: bad Argon2id parameters %q", parts[3])
	}
	if err := argonBounded(m, t); err != nil {
		return false, err
	}
	salt, ok := argonBytes(parts[4], argonMinSaltLen, MaxArgon2idSaltLen)
	if !ok {
		return false, fmt.Errorf("scim: bad Argon2id salt: not base64 of %d to %d bytes", argonMinSaltLen, MaxArgon2idSaltLen)
	}
	want, ok := argonBytes(parts[5], argonMinKeyLen, MaxArgon2idKeyLen)
	if !ok {
		return false, fmt.Errorf("scim: bad Argon2id hash: not base64 of %d to %d bytes", argonMinKeyLen, MaxArgon2idKeyLen)
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// The least salt and tag RFC 9106 §3.1 allows.
const argonMinSaltLen, argonMinKeyLen = 8, 4

// argonBytes decodes a salt or tag of an encoding (unpadded base64, as
// Hash writes it) of min to max bytes. Its length is checked before it is
// decoded, so that a planted field of any size costs no more than one
// within the bound.
func argonBytes(field string, min, max int) ([]byte, bool) {
	b64 := base64.RawStdEncoding
	if len(field) > b64.EncodedLen(max) {
		return nil, false
	}
	b, err := b64.DecodeString(field)
	return b, err == nil && len(b) >= min && len(b) <= max
}

// argonParams reads a PHC string's "m=<KiB>,t=<passes>,p=<lanes>" exactly
// as Hash writes it (fmt.Sscanf would take a sign, leading spaces and
// anything after the last number), and reports false for no pass or no
// lane, on which argon2.IDKey panics. Memory under RFC 9106's 8 KiB a lane
// is taken: argon2.IDKey raises it, as it did for the Hash that wrote it.
func argonParams(s string) (m, t uint32, p uint8, ok bool) {
	num := func(field, name string, bits int) (uint64, bool) {
		v, found := strings.CutPrefix(field, name+"=")
		if !found || v == "" || v[0] < '0' || v[0] > '9' {
			return 0, false
		}
		n, err := strconv.ParseUint(v, 10, bits)
		return n, err == nil
	}
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return 0, 0, 0, false
	}
	mm, okM := num(fields[0], "m", 32)
	tt, okT := num(fields[1], "t", 32)
	pp, okP := num(fields[2], "p", 8)
	if !okM || !okT || !okP || tt < 1 || pp < 1 {
		return 0, 0, 0, false
	}
	return uint32(mm), uint32(tt), uint8(pp), true
}

// keepsPasswords reports whether the handler keeps or hands over pushed
// passwords, which /ServiceProviderConfig advertises as changePassword.
func (c *Config) keepsPasswords() bool { return c.PasswordHasher != nil || c.OnPassword != nil }

// setPassword applies the password policy to a user about to be written:
// a password the client sent (given: its request gave next.Password, which
// else holds what is stored, or nothing) is hashed with
// Config.PasswordHasher, or dropped when there is none. Whether it was
// sent is the request's to say, never a comparison with the stored hash:
// a client that sent the stored hash's text would otherwise find it kept
// as the password, and OnPassword not called, where another text would be
// hashed. Every write runs it inside withHashing, which hashes the password
// before the write's store calls: here it takes that hash, or asks for
// one (hashFirst). At most Config.MaxPasswordHashes passwords are hashed at once
// (h.hashing): a hash may take much memory (Argon2id{}: 64 MiB) and a
// core for its time, so clients sending many passwords at once, or a
// /Bulk of them, would otherwise hold memory without bound for no faster
// an answer. A write that waits for its turn until its request's context
// ends (the client left, or the store deadline passed) is a 503 and
// writes nothing. The password as sent waits in the request's state for
// passwordSent, after the write; what a write that failed left there is
// cleared before the next (clearPassword).
func (h *handler) setPassword(ctx context.Context, given bool, next *resources.User) error {
	st := stateOf(ctx)
	if st != nil && st.passwords != nil {
		st.passwords.sent = ""
	}
	if !given || next.Password == "" {
		return nil
	}
	sent := next.Password
	next.Password = ""
	if h.cfg.PasswordHasher != nil {
		var hash string
		switch {
		// Every write runs inside withHashing, which hashes ahead
		// whenever the request has a state.
		case st != nil && st.passwords != nil && st.passwords.pre == sent:
			hash = st.passwords.preHash
		case st != nil:
			return &hashFirst{password: sent}
		default: // no request state: nothing hashed ahead
			var err error
			if hash, err = h.hash(ctx, sent); err != nil {
				return fmt.Errorf("hashing a password: %w", err)
			}
		}
		next.Password = hash
	}
	if st != nil && h.cfg.OnPassword != nil {
		st.pw().sent = sent
	}
	return nil
}

// passwords is what a request's password writes leave in its state.
type passwords struct {
	// sent is a password the request's write carried, for
	// Config.OnPassword.
	sent string
	// pre and preHash are a password and its hash, made before a store's
	// updater runs the change that writes it (withHashing, hashFirst).
	pre, preHash string
	// secrets is what the write under way (kind.update) fills with the
	// secrets its request sent, the password among them, for the store
	// (withSecretsSent); nil outside such a write, and for a type
	// without secrets. Here rather than in the request's state, which
	// every request allocates: few write a secret.
	secrets *store.SecretsSent
}

// pw returns st's passwords, made on first use.
func (st *requestState) pw() *passwords {
	if st.passwords == nil {
		st.passwords = new(passwords)
	}
	return st.passwords
}

// hashFirst is what setPassword returns inside a write (withHashing) for
// a password not hashed yet: a hash takes a core and, with Argon2id{},
// 64 MiB for tens of milliseconds, and its turn may wait up to
// StoreTimeout (MaxPasswordHashes), which inside a store's updater would
// hold its transaction (SQLite's one writer, a row lock) all that time,
// and in a versioned read-modify-write would be made again on every
// retry. withHashing hashes it outside and runs the write again. It
// never reaches a response.
type hashFirst struct{ password string }

func (*hashFirst) Error() string { return "scim: a password to hash before the change runs" }

// withHashing runs update, the store calls of a write that may set a
// password (a POST's create, a PUT's or PATCH's read-modify-write,
// through a store's updater or not), with passwords hashed before them:
// every password a request writes is hashed here. password, the one the
// request most likely sets (a POST's or PUT's, the one a PATCH's
// operations set: patch.Engine.Sets), is hashed first, so that the write
// finds its hash and the store is called once; a guess the change does
// not use costs that hash alone. When the change asks for another
// (hashFirst), that one is hashed and update run again, nothing written,
// its change then taking the hash (update keeps the last run's
// warnings). A change run again asks for the same password, so two runs
// suffice; the bound stops a change that would ask for another each
// time.
func (h *handler) withHashing(ctx context.Context, password string, update func() error) error {
	if h.cfg.PasswordHasher == nil {
		return update() // first: the state's lookup is for a hasher alone
	}
	st := stateOf(ctx)
	if st == nil {
		return update()
	}
	defer func() {
		if st.passwords != nil {
			st.passwords.pre, st.passwords.preHash = "", ""
		}
	}()
	for range 3 {
		if password != "" {
			hash, err := h.hash(ctx, password)
			if err != nil {
				return fmt.Errorf("hashing a password: %w", err)
			}
			p := st.pw()
			p.pre, p.preHash = password, hash
		}
		err := update()
		var hf *hashFirst
		if !errors.As(err, &hf) {
			return err
		}
		password = hf.password // the one the change asked for, hashed before the next run
	}
	return errors.New("scim: the change asked for a new password to hash on every run")
}

// hash hashes password with Config.PasswordHasher in a slot of
// h.hashing, given back however Hash returns (a host's hasher may
// panic). Waiting for the slot fails with a 503 once ctx is done, which
// is checked first, so that a /Bulk past its deadline hashes none of its
// remaining passwords.
func (h *handler) hash(ctx context.Context, password string) (string, error) {
	if ctx.Err() == nil {
		select {
		case h.hashing <- struct{}{}:
			defer func() { <-h.hashing }()
			return h.cfg.PasswordHasher.Hash(password)
		case <-ctx.Done():
		}
	}
	return "", &Error{Status: http.StatusServiceUnavailable, Detail: "the server is busy hashing other passwords and this request ran out of time; retry later"}
}

// clearPassword forgets a password an earlier write of the request left
// for passwordSent: /Bulk calls it before each operation (runBulkOp),
// whose operations share the request's state, so a failed write's
// password never reaches OnPassword under another resource's id. A
// request of its own starts with none.
func clearPassword(ctx context.Context) {
	if st := stateOf(ctx); st != nil && st.passwords != nil {
		st.passwords.sent = ""
	}
}

// passwordSent hands the password the request's write carried to
// Config.OnPassword, once. The write has committed: a panicking
// callback is logged (without the password) and the request answered as
// the write went, as emit does for Config.Events, not 500, which the
// provider would retry (a retried create then gets 409).
func (h *handler) passwordSent(ctx context.Context, userID string) {
	st := stateOf(ctx)
	if st == nil || st.passwords == nil || st.passwords.sent == "" {
		return
	}
	sent := st.passwords.sent
	st.passwords.sent = ""
	defer func() {
		if p := recover(); p != nil {
			h.cfg.Logger.LogAttrs(ctx, slog.LevelError, "scim: Config.OnPassword panicked",
				slog.String("request_id", requestID(ctx)), slog.String("user", userID))
		}
	}()
	h.cfg.OnPassword(ctx, userID, sent)
}
