package scim_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// cheapArgon is Argon2id with small parameters, so the tests stay fast.
var cheapArgon = scim.Argon2id{MemoryKiB: 64, Time: 1, Threads: 1}

func TestPasswords(t *testing.T) {
	type sent struct{ id, password string }
	for _, tc := range []struct {
		name           string
		hasher         scim.PasswordHasher
		callback       bool
		changePassword bool
	}{
		{"default: dropped", nil, false, false},
		{"hashed", cheapArgon, false, true},
		{"handed to the host", nil, true, true},
		{"hashed and handed to the host", cheapArgon, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []sent
			e := newEnv(t, func(c *scim.Config) {
				c.PasswordHasher = tc.hasher
				if tc.callback {
					c.OnPassword = func(_ context.Context, id, pw string) {
						mu.Lock()
						defer mu.Unlock()
						got = append(got, sent{id, pw})
					}
				}
			})
			spc := e.do("GET", "/ServiceProviderConfig", nil)
			assert.Equal(t, map[string]any{"supported": tc.changePassword}, spc.Body["changePassword"])

			u := e.do("POST", "/Users", map[string]any{"userName": "pw", "password": "secret-1"})
			require.Equal(t, 201, u.Code, u.Raw)
			id := u.str("id")
			stored := func() string {
				s, err := e.db.GetUser(context.Background(), id, store.GetOptions{})
				require.NoError(t, err)
				return s.Password
			}
			check := func(want string) {
				t.Helper()
				pw := stored()
				assert.NotContains(t, pw, want, "never stored in clear")
				if tc.hasher == nil {
					assert.Empty(t, pw)
					return
				}
				ok, err := cheapArgon.Verify(pw, want)
				require.NoError(t, err)
				assert.True(t, ok, "the stored hash is of %q", want)
				assert.True(t, strings.HasPrefix(pw, "$argon2id$v=19$m=64,t=1,p=1$"), pw)
			}
			check("secret-1")

			// A PUT that does not mention the password keeps it.
			require.Equal(t, 200, e.do("PUT", "/Users/"+id, map[string]any{"userName": "pw", "title": "x"}).Code)
			check("secret-1")
			// A PATCH that sets it changes it; one that does not keeps it.
			require.Equal(t, 200, e.do("PATCH", "/Users/"+id, patchBody(op("replace", "password", "secret-2"))).Code)
			check("secret-2")
			require.Equal(t, 200, e.do("PATCH", "/Users/"+id, patchBody(op("replace", "title", "y"))).Code)
			check("secret-2")
			require.Equal(t, 200, e.do("PUT", "/Users/"+id, map[string]any{"userName": "pw", "password": "secret-3"}).Code)
			check("secret-3")

			mu.Lock()
			if tc.callback {
				assert.Equal(t, []sent{{id, "secret-1"}, {id, "secret-2"}, {id, "secret-3"}}, got, "once per write that carried one")
			}
			mu.Unlock()
			for _, ev := range e.events {
				if ev.User != nil {
					assert.Empty(t, ev.User.Password, "%s carries no password", ev.Type)
				}
			}
			assert.NotContains(t, e.logs.String(), "secret-")
		})
	}
}

func TestArgon2idVerify(t *testing.T) {
	h, err := cheapArgon.Hash("pässwörd")
	require.NoError(t, err)
	h2, err := cheapArgon.Hash("pässwörd")
	require.NoError(t, err)
	assert.NotEqual(t, h, h2, "a fresh salt each time")
	for _, tc := range []struct {
		encoded, password string
		ok                bool
		err               string
	}{
		{h, "pässwörd", true, ""},
		{h, "password", false, ""},
		{h2, "pässwörd", true, ""},
		{"$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "x", false, "not an Argon2id"},
		{"$argon2id$v=18$m=64,t=1,p=1$c2FsdA$aGFzaA", "x", false, "version"},
		{"$argon2id$v=19$m=x$c2FsdA$aGFzaA", "x", false, "parameters"},
		{"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA", "x", false, "salt"},
		{"plain", "plain", false, "not an Argon2id"},
		// Parameters argon2.IDKey panics on, or that no Hash makes, are
		// an error, never a panic in the host's sign-in.
		{"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "parameters"},
		{"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "parameters"},
		{"$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "parameters"},
		{"$argon2id$v=19$m=64,t=1,p=1junk$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "parameters"},
		{"$argon2id$v=19$m=+64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "parameters"},
		{"$argon2id$v=19x$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", "x", false, "version"},
		{"$argon2id$v=19$m=64,t=1,p=1$$aGFzaGhhc2g", "x", false, "salt"},
		{"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2g", "x", false, "salt"},
		{"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFz", "x", false, "hash"},
	} {
		ok, err := cheapArgon.Verify(tc.encoded, tc.password)
		assert.Equal(t, tc.ok, ok, tc.encoded)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err)
		} else {
			assert.NoError(t, err)
		}
	}
}

// TestArgon2idCostsBounded: costs beyond MaxArgon2idMemoryKiB or
// MaxArgon2idTime are an error wherever they appear: in a stored encoding
// Verify is given (a corrupted or planted one would otherwise hold a
// sign-in's memory or core without bound), in the configuration Hash runs
// with, and in Config.PasswordHasher, which NewHandler refuses, so that
// no configuration is accepted whose hashes Verify would refuse. The
// largest pass count Hash takes verifies. Only costs the test can afford
// are computed: the m= rows are refused before any allocation.
func TestArgon2idCostsBounded(t *testing.T) {
	over := fmt.Sprintf("m=%d,t=1,p=1", scim.MaxArgon2idMemoryKiB+1)
	for _, tc := range []struct {
		name, params string
	}{
		{"memory one KiB over", over},
		{"memory at the format's limit", "m=4294967295,t=1,p=1"},
		{"passes one over", fmt.Sprintf("m=8,t=%d,p=1", scim.MaxArgon2idTime+1)},
		{"passes at the format's limit", "m=8,t=4294967295,p=1"},
	} {
		t.Run("Verify "+tc.name, func(t *testing.T) {
			ok, err := cheapArgon.Verify("$argon2id$v=19$"+tc.params+"$c2FsdHNhbHQ$aGFzaGhhc2g", "x")
			assert.False(t, ok)
			assert.ErrorContains(t, err, "beyond the maxima")
		})
	}

	top := scim.Argon2id{MemoryKiB: 8, Time: scim.MaxArgon2idTime, Threads: 1}
	enc, err := top.Hash("pw")
	require.NoError(t, err)
	ok, err := cheapArgon.Verify(enc, "pw")
	require.NoError(t, err, "what Hash makes at the largest pass count verifies")
	assert.True(t, ok)

	for _, tc := range []struct {
		name string
		a    scim.Argon2id
	}{
		{"memory", scim.Argon2id{MemoryKiB: scim.MaxArgon2idMemoryKiB + 1, Time: 1, Threads: 1}},
		{"passes", scim.Argon2id{MemoryKiB: 8, Time: scim.MaxArgon2idTime + 1, Threads: 1}},
	} {
		t.Run("configured beyond the "+tc.name+" maximum", func(t *testing.T) {
			_, err := tc.a.Hash("pw")
			assert.ErrorContains(t, err, "beyond the maxima", "Hash")
			for _, ph := range []scim.PasswordHasher{tc.a, &tc.a} {
				_, err = scim.NewHandler(scim.Config{Users: memory.New(), InsecureNoAuth: true, PasswordHasher: ph})
				assert.ErrorContains(t, err, "Config.PasswordHasher", "NewHandler with %T", ph)
			}
		})
	}
}

// TestArgon2idSaltAndTagBounded: Verify reads a salt of up to
// MaxArgon2idSaltLen bytes and a tag of up to MaxArgon2idKeyLen (an
// encoding another library made with them verifies), and refuses one a
// byte longer, or of megabytes, with an error: a planted encoding cannot
// make a sign-in decode and hash without bound.
func TestArgon2idSaltAndTagBounded(t *testing.T) {
	b64 := base64.RawStdEncoding
	encode := func(salt, tag []byte) string {
		return "$argon2id$v=19$m=64,t=1,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(tag)
	}
	made := func(saltLen, tagLen int) string { // what a library with these lengths writes
		salt := bytes.Repeat([]byte{'s'}, saltLen)
		return encode(salt, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, uint32(tagLen)))
	}
	huge := bytes.Repeat([]byte{'x'}, 16<<20)
	for _, tc := range []struct {
		name, encoded string
		err           string // "" verifies
	}{
		{"longest salt", made(scim.MaxArgon2idSaltLen, 32), ""},
		{"longest tag", made(16, scim.MaxArgon2idKeyLen), ""},
		{"salt one byte over", made(scim.MaxArgon2idSaltLen+1, 32), "salt"},
		{"tag one byte over", made(16, scim.MaxArgon2idKeyLen+1), "hash"},
		{"salt of 16 MiB", encode(huge, make([]byte, 32)), "salt"},
		{"tag of 16 MiB", encode(make([]byte, 16), huge), "hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := cheapArgon.Verify(tc.encoded, "pw")
			if tc.err == "" {
				require.NoError(t, err)
				assert.True(t, ok)
				return
			}
			assert.False(t, ok)
			assert.ErrorContains(t, err, tc.err)
		})
	}
}

// TestPasswordAloneSent: a PUT of the stored user with a password, or a
// PATCH of the password alone, changes what is stored only when the
// password is kept (hashed): where it is dropped or handed to the host,
// nothing is written and the version stays, as for any request that
// changes nothing, and OnPassword still gets the password, once per
// request.
func TestPasswordAloneSent(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hasher   scim.PasswordHasher
		callback bool
	}{
		{"dropped", nil, false},
		{"hashed", cheapArgon, false},
		{"handed to the host", nil, true},
		{"hashed and handed to the host", cheapArgon, true},
	} {
		for _, updater := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/updater=%v", tc.name, updater), func(t *testing.T) {
				var mu sync.Mutex
				var got []string
				e := newEnv(t, func(c *scim.Config) {
					if !updater {
						c.Users = indexOnly{c.Users} // read, then a versioned replace
					}
					c.PasswordHasher = tc.hasher
					if tc.callback {
						c.OnPassword = func(_ context.Context, _, pw string) {
							mu.Lock()
							defer mu.Unlock()
							got = append(got, pw)
						}
					}
				})
				u := e.do("POST", "/Users", map[string]any{"userName": "alone", "title": "t"})
				require.Equal(t, 201, u.Code, u.Raw)
				id, version := u.str("id"), u.Header.Get("ETag")
				for i, req := range []struct {
					method string
					body   any
				}{
					{"PUT", map[string]any{"userName": "alone", "title": "t", "password": "pw-put"}},
					{"PATCH", patchBody(op("replace", "password", "pw-patch"))},
					{"PATCH", patchBody(op("replace", "", map[string]any{"password": "pw-nopath"}))},
				} {
					e.clearEvents()
					r := e.do(req.method, "/Users/"+id, req.body)
					require.Equal(t, 200, r.Code, r.Raw)
					if tc.hasher != nil {
						assert.NotEqual(t, version, r.Header.Get("ETag"), "%d %s: a new hash is a change", i, req.method)
						version = r.Header.Get("ETag")
						continue
					}
					assert.Equal(t, version, r.Header.Get("ETag"), "%d %s: nothing stored changed", i, req.method)
					assert.Empty(t, e.eventTypes(), "%d %s: no update to report", i, req.method)
				}
				mu.Lock()
				defer mu.Unlock()
				if tc.callback {
					assert.Equal(t, []string{"pw-put", "pw-patch", "pw-nopath"}, got)
				} else {
					assert.Empty(t, got)
				}
			})
		}
	}
}

// groupsNoUpdater is a group store without store.GroupUpdater: a PATCH
// reads, then replaces at the version read.
type groupsNoUpdater struct{ store.GroupStore }

// TestBulkPasswordStaysWithItsUser: the operations of one /Bulk share the
// request's state. A user's write that carried a password and failed
// (409) must not leave it for a later operation that writes nothing: no
// OnPassword under another user's id or a group's.
func TestBulkPasswordStaysWithItsUser(t *testing.T) {
	for _, updater := range []bool{true, false} {
		t.Run(fmt.Sprintf("updater=%v", updater), func(t *testing.T) {
			var mu sync.Mutex
			var got [][2]string
			e := newEnv(t, func(c *scim.Config) {
				if !updater {
					c.Users = indexOnly{c.Users}
					c.Groups = groupsNoUpdater{c.Groups}
				}
				c.OnPassword = func(_ context.Context, id, pw string) {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, [2]string{id, pw})
				}
			})
			one := e.createUser("one")["id"].(string)
			two := e.createUser("two", map[string]any{"title": "T"})["id"].(string)
			g := e.createGroup("grp")["id"].(string)
			for _, tc := range []struct {
				name, path string
				data       map[string]any
				status     string
			}{
				{"a user", "/Users/" + two, patchBody(op("replace", "title", "T")), "200"},
				{"a group", "/Groups/" + g, patchBody(op("replace", "displayName", "grp")), "204"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do("POST", "/Bulk", map[string]any{
						"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
						"Operations": []any{
							map[string]any{"method": "PATCH", "path": "/Users/" + one, "data": patchBody(
								op("replace", "", map[string]any{"password": "secret-of-one", "userName": "two"}))},
							map[string]any{"method": "PATCH", "path": tc.path, "data": tc.data},
						},
					})
					require.Equal(t, 200, r.Code, r.Raw)
					ops := r.Body["Operations"].([]any)
					require.Len(t, ops, 2, r.Raw)
					assert.Equal(t, "409", ops[0].(map[string]any)["status"], r.Raw)
					assert.Equal(t, tc.status, ops[1].(map[string]any)["status"], r.Raw)
					mu.Lock()
					defer mu.Unlock()
					assert.Empty(t, got, "the failed write's password went to OnPassword")
					got = nil
				})
			}
		})
	}
}

// blockingHasher is a PasswordHasher whose Hash waits for release, counting
// the calls in it.
type blockingHasher struct {
	mu      sync.Mutex
	in, max int
	release chan struct{}
}

func (b *blockingHasher) Hash(pw string) (string, error) {
	b.mu.Lock()
	b.in++
	b.max = max(b.max, b.in)
	release := b.release
	b.mu.Unlock()
	<-release
	b.mu.Lock()
	b.in--
	b.mu.Unlock()
	return "hash-of-" + fmt.Sprint(len(pw)), nil
}

// TestPasswordHashingBounded: hashing costs memory (Argon2id{} takes 64
// MiB a password), so at most Config.MaxPasswordHashes passwords
// (GOMAXPROCS by default) are hashed at once; a write waiting for its
// turn until its client gives up (or the request's store deadline
// passes) is answered 503 and stores nothing.
func TestPasswordHashingBounded(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int // Config.MaxPasswordHashes
		limit int // the passwords hashed at once
	}{
		{"default", 0, runtime.GOMAXPROCS(0)},
		{"one", 1, 1},
		{"more than GOMAXPROCS", runtime.GOMAXPROCS(0) + 2, runtime.GOMAXPROCS(0) + 2},
	} {
		t.Run(tc.name, func(t *testing.T) { testPasswordHashingBounded(t, tc.max, tc.limit) })
	}
}

func testPasswordHashingBounded(t *testing.T, configured, limit int) {
	hasher := &blockingHasher{release: make(chan struct{})}
	e := newEnv(t, func(c *scim.Config) { c.PasswordHasher, c.MaxPasswordHashes = hasher, configured })
	create := func(ctx context.Context, userName string) int {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName + `","password":"pw"}`
		req := httptest.NewRequestWithContext(ctx, "POST", "http://app.example.com/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code
	}
	codes := make(chan int, limit)
	for i := range limit {
		go func() { codes <- create(context.Background(), fmt.Sprint("u", i)) }()
	}
	require.Eventually(t, func() bool {
		hasher.mu.Lock()
		defer hasher.mu.Unlock()
		return hasher.in == limit
	}, 10*time.Second, time.Millisecond, "the first %d passwords are hashed at once", limit)

	ctx, cancel := context.WithCancel(context.Background())
	extra := make(chan int, 1)
	go func() { extra <- create(ctx, "extra") }()
	time.Sleep(100 * time.Millisecond) // time enough to start hashing, were it allowed to
	hasher.mu.Lock()
	assert.Equal(t, limit, hasher.max, "passwords hashed at once")
	hasher.mu.Unlock()
	cancel() // the client gives up waiting
	select {
	case code := <-extra:
		assert.Equal(t, 503, code)
	case <-time.After(5 * time.Second):
		t.Error("a cancelled request is still hashing its password")
	}

	close(hasher.release)
	for range limit {
		assert.Equal(t, 201, <-codes)
	}
	list := e.do("GET", "/Users?count=0", nil)
	assert.Equal(t, float64(limit), list.Body["totalResults"], "the refused create stored nothing")
}

// slowHasher is a PasswordHasher that takes 100 ms a password.
type slowHasher struct{ calls atomic.Int32 }

func (s *slowHasher) Hash(string) (string, error) {
	s.calls.Add(1)
	time.Sleep(100 * time.Millisecond)
	return "slow-hash", nil
}

// TestBulkPasswordsPastTheDeadline: a /Bulk whose store deadline has
// passed hashes none of its remaining passwords; those operations are
// 503s that stored nothing.
func TestBulkPasswordsPastTheDeadline(t *testing.T) {
	hasher := &slowHasher{}
	e := newEnv(t, func(c *scim.Config) {
		c.PasswordHasher = hasher
		c.StoreTimeout = 350 * time.Millisecond
	})
	const n = 10
	var ops []any
	for i := range n {
		ops = append(ops, map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprint(i), "data": map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": fmt.Sprint("u", i), "password": "pw"}})
	}
	r := e.do("POST", "/Bulk", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": ops})
	require.Equal(t, 200, r.Code, r.Raw)
	created := 0
	for _, o := range r.Body["Operations"].([]any) {
		switch st := o.(map[string]any)["status"]; st {
		case "201":
			created++
		default:
			assert.Equal(t, "503", st, r.Raw)
		}
	}
	assert.Less(t, int(hasher.calls.Load()), n, "passwords hashed after the deadline")
	assert.Less(t, created, n)
	list := e.do("GET", "/Users?count=0", nil)
	assert.Equal(t, float64(created), list.Body["totalResults"], "a refused operation stored nothing")
}

// panickyHasher panics on the password "boom" and hashes any other.
type panickyHasher struct{}

func (panickyHasher) Hash(pw string) (string, error) {
	if pw == "boom" {
		panic("hasher failed")
	}
	return "hash", nil
}

// TestPanickingHasherFreesItsTurn: a PasswordHasher that panics (a 500)
// gives its turn back, so that later passwords are still hashed.
func TestPanickingHasherFreesItsTurn(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) {
		c.PasswordHasher = panickyHasher{}
		c.StoreTimeout = time.Second
	})
	user := func(name, pw string) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name, "password": pw}
	}
	for i := range runtime.GOMAXPROCS(0) + 1 {
		r := e.do("POST", "/Users", user(fmt.Sprint("boom", i), "boom"))
		require.Equal(t, 500, r.Code, r.Raw)
		assert.NotContains(t, e.logs.String(), `"boom"`, "the password is never logged")
	}
	r := e.do("POST", "/Users", user("fine", "pw"))
	assert.Equal(t, 201, r.Code, r.Raw)
}

// TestPasswordHashedOutsideTheStore: a password is hashed before the
// store's updater runs the change that writes it, not inside, where a
// slow hash (or a wait for a hashing turn) would hold the store's
// transaction (the memory store's tenant lock, SQLite's one writer) and
// every other write of the tenant behind it.
func TestPasswordHashedOutsideTheStore(t *testing.T) {
	hasher := &blockingHasher{release: make(chan struct{})}
	e := newEnv(t, func(c *scim.Config) { c.PasswordHasher = hasher })
	a := e.createUser("hashed")["id"].(string)
	b := e.createUser("other")["id"].(string)
	for _, tc := range []struct {
		name, method string
		body         any
	}{
		{"PATCH", "PATCH", patchBody(op("replace", "password", "new secret"))},
		{"PUT", "PUT", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "hashed", "password": "newer secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			hasher.mu.Lock()
			hasher.release = release
			hasher.mu.Unlock()
			done := make(chan int, 1)
			go func() { done <- e.do(tc.method, "/Users/"+a, tc.body).Code }()
			require.Eventually(t, func() bool {
				hasher.mu.Lock()
				defer hasher.mu.Unlock()
				return hasher.in == 1
			}, 10*time.Second, time.Millisecond, "the password is being hashed")
			other := make(chan int, 1)
			go func() { other <- e.do("PATCH", "/Users/"+b, patchBody(op("replace", "title", tc.name))).Code }()
			select {
			case code := <-other:
				assert.Equal(t, 200, code, "another user's write while a password is hashed")
				close(release)
			case <-time.After(10 * time.Second):
				t.Error("another user's write waited for a password's hash")
				close(release)
				<-other
			}
			assert.Equal(t, 200, <-done)
		})
	}
}

// updateCounter is a memory store that counts the calls of its
// UserUpdater's UpdateUser: the store's transactions, on a SQL store.
type updateCounter struct {
	*memory.Store
	calls atomic.Int32
}

func (u *updateCounter) UpdateUser(ctx context.Context, id, ifVersion string, change func(*resources.User) (*resources.User, error)) (*resources.User, error) {
	u.calls.Add(1)
	return u.Store.UpdateUser(ctx, id, ifVersion, change)
}

// TestPasswordWriteCalls: a password is hashed before a store's updater
// runs the change (TestPasswordHashedOutsideTheStore); a PUT's, and a
// PATCH's (with a path in any case, as a member of a value without one,
// beside other operations: patch.Engine.Sets), before the store's call,
// which then runs once, as any PUT or PATCH does. A PATCH beside another
// operation called UpdateUser twice, the first run asking for the hash;
// only a password the forecast misses would still do so. Each way the
// stored hash verifies.
func TestPasswordWriteCalls(t *testing.T) {
	counter := &updateCounter{Store: memory.New()}
	e := newEnv(t, func(c *scim.Config) {
		c.Users, c.Groups = counter, counter
		c.PasswordHasher = cheapArgon
	})
	id := e.createUser("calls")["id"].(string)
	for _, tc := range []struct {
		name, method string
		body         any
		password     string
		calls        int32
	}{
		{"PUT", "PUT", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "calls", "password": "put secret"}, "put secret", 1},
		{"PATCH of the password", "PATCH", patchBody(op("replace", "password", "patch secret")), "patch secret", 1},
		{"PATCH with a path in another case", "PATCH", patchBody(op("replace", "PASSWORD", "cased secret")), "cased secret", 1},
		{"PATCH without a path", "PATCH", patchBody(op("replace", "", map[string]any{"password": "pathless secret"})), "pathless secret", 1},
		{"PATCH beside another operation", "PATCH", patchBody(op("replace", "title", "t"), op("replace", "password", "two-op secret")), "two-op secret", 1},
		{"PATCH of a value setting it beside another attribute", "PATCH", patchBody(op("replace", "", map[string]any{"title": "t2", "password": "value secret"})), "value secret", 1},
		{"PATCH qualified by the core URN, beside another operation", "PATCH", patchBody(op("add", "title", "t3"), op("replace", "urn:ietf:params:scim:schemas:core:2.0:User:password", "two-op secret")), "two-op secret", 1},
		// Forecast too (Sets reads the object under the core URN, as the
		// engine applies it): one call, where the change once asked for
		// the hash and the store's call was made again.
		{"PATCH with the core schema's URN as the path", "PATCH", patchBody(op("replace", resources.UserSchema, map[string]any{"password": "urn-path secret"})), "urn-path secret", 1},
		{"PATCH of the core schema's object", "PATCH", patchBody(op("replace", "", map[string]any{resources.UserSchema: map[string]any{"password": "nested secret", "title": "t4"}})), "nested secret", 1},
		{"PUT without a password", "PUT", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "calls", "title": "kept"}, "nested secret", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter.calls.Store(0)
			rec := e.do(tc.method, "/Users/"+id, tc.body)
			require.Equal(t, 200, rec.Code, rec.Raw)
			assert.Equal(t, tc.calls, counter.calls.Load(), "UpdateUser calls")
			u, err := counter.GetUser(context.Background(), id, store.GetOptions{})
			require.NoError(t, err)
			ok, err := cheapArgon.Verify(u.Password, tc.password)
			require.NoError(t, err)
			assert.True(t, ok, "the stored hash is the password's")
		})
	}
}

// conflictOnce is a user store without an updater whose first
// ReplaceUser loses to a concurrent writer, so that the handler's
// versioned read-modify-write runs its change twice.
type conflictOnce struct {
	store.UserStore
	replaces atomic.Int32
}

func (c *conflictOnce) ReplaceUser(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
	if c.replaces.Add(1) == 1 {
		return nil, store.ErrPreconditionFailed
	}
	return c.UserStore.ReplaceUser(ctx, u, ifVersion)
}

// countingHasher counts the passwords it hashes.
type countingHasher struct {
	scim.Argon2id
	n atomic.Int32
}

func (c *countingHasher) Hash(password string) (string, error) {
	c.n.Add(1)
	return c.Argon2id.Hash(password)
}

// TestPasswordHashedOnceAcrossRetries: over a store without an updater,
// a PUT's or a PATCH's password is hashed once, before the versioned
// read-modify-write, as through an updater (withHashing, one path for
// every write), not again in each run of the change: a write that lost
// to a concurrent one hashed its password twice (Argon2id{}: 64 MiB and
// a core for tens of milliseconds each). A POST's is hashed once.
func TestPasswordHashedOnceAcrossRetries(t *testing.T) {
	db := memory.New()
	users := &conflictOnce{UserStore: db}
	hasher := &countingHasher{Argon2id: cheapArgon}
	e := newEnv(t, func(c *scim.Config) {
		c.Users, c.Groups = users, db
		c.PasswordHasher = hasher
	})
	r := e.do("POST", "/Users", map[string]any{"schemas": []string{resources.UserSchema}, "userName": "retried", "password": "first"})
	require.Equal(t, 201, r.Code, r.Raw)
	assert.Equal(t, int32(1), hasher.n.Load(), "a POST's password hashed once")
	id := r.Body["id"].(string)
	for _, tc := range []struct {
		name, method string
		body         any
		password     string
	}{
		{"PUT", "PUT", map[string]any{"schemas": []string{resources.UserSchema}, "userName": "retried", "password": "put secret"}, "put secret"},
		{"PATCH beside another operation", "PATCH", patchBody(op("replace", "title", "t"), op("replace", "password", "patch secret")), "patch secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users.replaces.Store(0)
			hasher.n.Store(0)
			r := e.do(tc.method, "/Users/"+id, tc.body)
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, int32(2), users.replaces.Load(), "the first write lost, the second stored")
			assert.Equal(t, int32(1), hasher.n.Load(), "hashed once")
			u, err := db.GetUser(context.Background(), id, store.GetOptions{})
			require.NoError(t, err)
			ok, err := cheapArgon.Verify(u.Password, tc.password)
			require.NoError(t, err)
			assert.True(t, ok, "the stored hash is the password's")
		})
	}
}
