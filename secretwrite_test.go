package scim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// sameHasher is a PasswordHasher that hashes a password the same way
// every time (no salt), as a host's own may: a password resent equal to
// the stored one then hashes to the stored hash.
type sameHasher struct{}

func (sameHasher) Hash(p string) (string, error) {
	sum := sha256.Sum256([]byte(p))
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// changeFeedOf is the change feed of a store secretWriteStores opened.
func changeFeedOf(t *testing.T, s store.UserStore) store.ChangeFeed {
	t.Helper()
	switch s := s.(type) {
	case *memory.Store:
		return s.Feed()
	case *sqlstore.Store:
		return s.Feed()
	}
	t.Fatalf("no feed on %T", s)
	return nil
}

// secretWriteStores is modelStores with the memory store's feed on.
func secretWriteStores(m *resources.Model) map[string]func(t *testing.T) (store.UserStore, store.GroupStore) {
	out := modelStores(m)
	out["memory"] = func(t *testing.T) (store.UserStore, store.GroupStore) {
		db := memory.New(memory.WithModel(m), memory.WithChangeFeed(time.Hour))
		return db, db
	}
	return out
}

// writeOutcome is what a write tells a client, and the host, about the
// user it wrote: every part of it must be the same for a right guess at
// a secret and a wrong one.
type writeOutcome struct {
	Status   int
	Body     map[string]any // the response, what differs between two users left out
	Changed  bool           // meta.version moved
	Feed     []store.Change // kind and attributes of the user's feed entries
	Events   []scim.EventType
	Password int // calls of Config.OnPassword
}

// TestSecretWriteNoOracle: a write that sends a value for a secret (an
// attribute or sub-attribute the model makes returned "never", the
// password too when a hash of it is stored), or removes one by value,
// counts as a change whatever the stored value is: a new version, a
// user.updated feed entry naming the attribute, the events of an update.
// Before, a write equal to what was stored kept the version and appended
// nothing, so a PATCH replacing the pin with a guess (or removing a code
// by value, or a PUT resending the password to a host whose hasher has no
// salt) told a right guess from a wrong one, though the value is never
// returned and a filter on it is refused. Every shape is tried on two
// users holding the same secrets, one with the right guess and one with
// a wrong one, and each answer, version, feed entry, event and
// OnPassword call is compared. A write that sends no secret and changes
// nothing still keeps the version.
func TestSecretWriteNoOracle(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "codes", Type: resources.TypeString, MultiValued: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
			{Name: "hint", Type: resources.TypeString}}},
		&resources.Attribute{Name: "keys", Type: resources.TypeComplex, MultiValued: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever,
			SubAttributes: []*resources.Attribute{{Name: "value", Type: resources.TypeString}}},
		&resources.Attribute{Name: "seed", Type: resources.TypeString, Mutability: resources.Immutable, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "label", Type: resources.TypeString})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)

	const password = "correct horse"
	stored := map[string]any{"pin": "1234", "codes": []any{"c1", "c2"}, "recovery": map[string]any{"code": "5678", "hint": "h"}, "label": "l",
		"keys": []any{map[string]any{"value": "k1"}}, "seed": "s33d"}
	storedHash, err := sameHasher{}.Hash(password)
	require.NoError(t, err)
	put := func(userName string, extra map[string]any) map[string]any {
		body := map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": userName, "active": true}
		// What the client has seen of the stored vault: a PUT keeps the
		// secrets it leaves out.
		vault := map[string]any{"label": "l", "recovery": map[string]any{"hint": "h"}}
		for k, v := range extra {
			if k == "password" {
				body[k] = v
			} else {
				vault[k] = v
			}
		}
		body[urn] = vault
		return body
	}
	patch := func(kind, path string, v func(s string) any) func(string, string) any {
		return func(_ string, s string) any { return patchBody(op(kind, path, v(s))) }
	}
	str := func(s string) any { return s }
	tests := []struct {
		name         string
		method       string // PUT, PATCH, or BULK (a PATCH inside /Bulk)
		body         func(userName, guess string) any
		right, wrong string
		changed      bool // what both answers say
	}{
		{name: "PUT resending the pin", method: "PUT", right: "1234", wrong: "0000", changed: true,
			body: func(u, s string) any { return put(u, map[string]any{"pin": s}) }},
		{name: "PUT resending a code", method: "PUT", right: "c1", wrong: "zz", changed: true,
			body: func(u, s string) any { return put(u, map[string]any{"codes": []any{s, "c2"}}) }},
		{name: "PUT resending recovery.code", method: "PUT", right: "5678", wrong: "0000", changed: true,
			body: func(u, s string) any {
				return put(u, map[string]any{"recovery": map[string]any{"code": s, "hint": "h"}})
			}},
		{name: "PUT resending the password", method: "PUT", right: password, wrong: "wrong horse", changed: true,
			body: func(u, s string) any { return put(u, map[string]any{"password": s}) }},
		{name: "PATCH replace pin", method: "PATCH", right: "1234", wrong: "0000", changed: true,
			body: patch("replace", urn+":pin", str)},
		{name: "PATCH replace pin without a path", method: "PATCH", right: "1234", wrong: "0000", changed: true,
			body: patch("replace", "", func(s string) any { return map[string]any{urn: map[string]any{"pin": s}} })},
		{name: "PATCH remove pin by value", method: "PATCH", right: "1234", wrong: "0000", changed: true,
			body: patch("remove", urn+":pin", str)},
		{name: "PATCH add to codes", method: "PATCH", right: "c1", wrong: "zz", changed: true,
			body: patch("add", urn+":codes", func(s string) any { return []any{s} })},
		{name: "PATCH remove from codes by value", method: "PATCH", right: "c1", wrong: "zz", changed: true,
			body: patch("remove", urn+":codes", func(s string) any { return []any{s} })},
		{name: "PATCH remove from keys by value", method: "PATCH", right: "k1", wrong: "zz", changed: true,
			body: patch("remove", urn+":keys", func(s string) any { return []any{map[string]any{"value": s}} })},
		{name: "PATCH add to keys", method: "PATCH", right: "k1", wrong: "zz", changed: true,
			body: patch("add", urn+":keys", func(s string) any { return []any{map[string]any{"value": s}} })},
		{name: "PATCH replace recovery.code", method: "PATCH", right: "5678", wrong: "0000", changed: true,
			body: patch("replace", urn+":recovery.code", str)},
		{name: "PATCH remove recovery.code by value", method: "PATCH", right: "5678", wrong: "0000", changed: true,
			body: patch("remove", urn+":recovery.code", str)},
		{name: "PATCH replace recovery", method: "PATCH", right: "5678", wrong: "0000", changed: true,
			body: patch("replace", urn+":recovery", func(s string) any { return map[string]any{"code": s} })},
		{name: "PATCH replace password", method: "PATCH", right: password, wrong: "wrong horse", changed: true,
			body: patch("replace", "password", str)},
		{name: "PATCH replace password with the stored hash's text", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: true,
			body: patch("replace", "password", str)},
		{name: "PATCH without a path, the stored hash's text under the core schema's URN", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: true,
			body: patch("replace", "", func(s string) any {
				return map[string]any{resources.UserSchema: map[string]any{"password": s}}
			})},
		{name: "PATCH the stored hash's text under the core schema's URN as the path", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: true,
			body: patch("replace", resources.UserSchema, func(s string) any { return map[string]any{"password": s} })},
		// One attribute under two keys of a value: refused (400), a right
		// guess as a wrong one, as a PUT giving it twice is.
		{name: "PATCH without a path, the stored hash's text by a qualified key beside the plain one", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: false,
			body: patch("replace", "", func(s string) any {
				return map[string]any{"password": "plain", resources.UserSchema + ":password": s}
			})},
		{name: "PATCH the stored hash's text, then an add of null", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: true,
			body: func(_ string, s string) any {
				return patchBody(op("replace", "password", s), map[string]any{"op": "add", "path": "password", "value": nil})
			}},
		{name: "PUT sending the stored hash's text", method: "PUT", right: storedHash, wrong: "sha256:00", changed: true,
			body: func(u, s string) any { return put(u, map[string]any{"password": s}) }},
		{name: "PATCH remove password by value", method: "PATCH", right: storedHash, wrong: "sha256:00", changed: true,
			body: patch("remove", "password", str)},
		{name: "PATCH replace password and label", method: "PATCH", right: password, wrong: "wrong horse", changed: true,
			body: func(_ string, s string) any {
				return patchBody(op("replace", "password", s), op("replace", urn+":label", "l"))
			}},
		{name: "bulk PATCH replace pin", method: "BULK", right: "1234", wrong: "0000", changed: true,
			body: patch("replace", urn+":pin", str)},
		{name: "bulk PATCH add to codes", method: "BULK", right: "c1", wrong: "zz", changed: true,
			body: patch("add", urn+":codes", func(s string) any { return []any{s} })},
		// An immutable secret, once set, is refused whatever is sent for
		// it: compared, the same value would be no change and another a
		// 400 mutability.
		{name: "PUT resending the immutable seed", method: "PUT", right: "s33d", wrong: "0000",
			body: func(u, s string) any { return put(u, map[string]any{"seed": s}) }},
		{name: "PATCH replace the immutable seed", method: "PATCH", right: "s33d", wrong: "0000",
			body: patch("replace", urn+":seed", str)},
		{name: "PATCH add the immutable seed without a path", method: "PATCH", right: "s33d", wrong: "0000",
			body: patch("add", "", func(s string) any { return map[string]any{urn + ":seed": s} })},
		{name: "PATCH remove the immutable seed by value", method: "PATCH", right: "s33d", wrong: "0000",
			body: patch("remove", urn+":seed", str)},
		// What sends no secret and changes nothing keeps the version.
		{name: "PATCH replace label, unchanged", method: "PATCH", right: "l", wrong: "l", changed: false,
			body: patch("replace", urn+":label", str)},
		{name: "PUT leaving the secrets out, unchanged", method: "PUT", right: "", wrong: "", changed: false,
			body: func(u, _ string) any { return put(u, nil) }},
	}
	for storeName, open := range secretWriteStores(model) {
		t.Run(storeName, func(t *testing.T) {
			users, groups := open(t)
			feed := changeFeedOf(t, users)
			var mu sync.Mutex
			passwords := map[string]int{}
			e := newEnv(t, func(c *scim.Config) {
				c.Users, c.Groups = users, groups
				c.PasswordHasher = sameHasher{}
				c.OnPassword = func(_ context.Context, id, _ string) {
					mu.Lock()
					defer mu.Unlock()
					passwords[id]++
				}
			})
			write := func(t *testing.T, userName, guess string, method string, body func(string, string) any) writeOutcome {
				t.Helper()
				id := e.createUser(userName, map[string]any{"schemas": []any{resources.UserSchema, urn}, "password": password, urn: stored})["id"].(string)
				before := e.do("GET", "/Users/"+id, nil)
				require.Equal(t, 200, before.Code, before.Raw)
				entries, err := feed.Changes(context.Background(), 0, 10000)
				require.NoError(t, err)
				head := entries[len(entries)-1].Seq
				e.clearEvents()
				mu.Lock()
				passwords[id] = 0
				mu.Unlock()

				var out writeOutcome
				switch method {
				case "BULK":
					r := e.do("POST", "/Bulk", bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/" + id, "data": body(userName, guess)}))
					list, _ := bulkOps(t, r)
					require.Len(t, list, 1)
					out.Status = 200
					out.Body = map[string]any{"status": list[0]["status"], "response": list[0]["response"]}
				default:
					r := e.do(method, "/Users/"+id, body(userName, guess))
					out.Status, out.Body = r.Code, r.Body
					if r.Code == 200 {
						delete(out.Body, "id")
						delete(out.Body, "userName")
						delete(out.Body, "meta")
					}
				}
				after := e.do("GET", "/Users/"+id, nil)
				require.Equal(t, 200, after.Code, after.Raw)
				out.Changed = after.Header.Get("ETag") != before.Header.Get("ETag")
				entries, err = feed.Changes(context.Background(), head, 100)
				require.NoError(t, err)
				for _, c := range entries {
					if c.ID == id {
						out.Feed = append(out.Feed, store.Change{Kind: c.Kind, Attributes: c.Attributes})
					}
				}
				e.mu.Lock()
				for _, ev := range e.events {
					if ev.ID == id {
						out.Events = append(out.Events, ev.Type)
					}
				}
				e.mu.Unlock()
				mu.Lock()
				out.Password = passwords[id]
				mu.Unlock()
				return out
			}
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					right := write(t, "right"+itoa(i), tc.right, tc.method, tc.body)
					wrong := write(t, "wrong"+itoa(i), tc.wrong, tc.method, tc.body)
					assert.Equal(t, wrong, right, "a right guess must answer as a wrong one does")
					assert.Equal(t, tc.changed, right.Changed, "version moved")
					if tc.changed {
						require.NotEmpty(t, right.Feed, "feed entries")
						assert.Equal(t, store.UserUpdated, right.Feed[0].Kind)
					}
				})
			}
		})
	}
}

// TestSecretWriteNoOracleGroup is TestSecretWriteNoOracle for a group
// whose extension has a secret: a PUT resending it, a PATCH replacing it,
// and one that also adds a member already there (a member change sent
// with other operations is applied as a member change alone when those
// change nothing, which a right guess made them do).
func TestSecretWriteNoOracleGroup(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:Group"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{GroupExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	for storeName, open := range secretWriteStores(model) {
		t.Run(storeName, func(t *testing.T) {
			users, groups := open(t)
			feed := changeFeedOf(t, users)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			member := e.createUser("member")["id"].(string)
			tests := []struct {
				name   string
				method string
				body   func(displayName, guess string) any
			}{
				{"PUT resending the pin", "PUT", func(d, s string) any {
					return map[string]any{"schemas": []any{resources.GroupSchema, urn}, "displayName": d,
						"members": []any{map[string]any{"value": member}}, urn: map[string]any{"pin": s}}
				}},
				{"PATCH replace pin", "PATCH", func(_, s string) any { return patchBody(op("replace", urn+":pin", s)) }},
				{"PATCH replace pin and add a member there", "PATCH", func(_, s string) any {
					return patchBody(op("add", "members", []any{map[string]any{"value": member}}), op("replace", urn+":pin", s))
				}},
			}
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					var outs [2]writeOutcome
					for j, guess := range []string{"1234", "0000"} {
						name := "group" + itoa(i) + "-" + itoa(j)
						r := e.do("POST", "/Groups", map[string]any{"schemas": []any{resources.GroupSchema, urn}, "displayName": name,
							"members": []any{map[string]any{"value": member}}, urn: map[string]any{"pin": "1234"}})
						require.Equal(t, 201, r.Code, r.Raw)
						id := r.str("id")
						entries, err := feed.Changes(context.Background(), 0, 10000)
						require.NoError(t, err)
						head := entries[len(entries)-1].Seq
						e.clearEvents()
						w := e.do(tc.method, "/Groups/"+id, tc.body(name, guess))
						out := &outs[j]
						out.Status = w.Code
						after := e.do("GET", "/Groups/"+id, nil)
						out.Changed = after.Header.Get("ETag") != r.Header.Get("ETag")
						entries, err = feed.Changes(context.Background(), head, 100)
						require.NoError(t, err)
						for _, c := range entries {
							out.Feed = append(out.Feed, store.Change{Kind: c.Kind, Attributes: c.Attributes})
						}
						out.Events = e.eventTypes()
					}
					assert.Equal(t, outs[1], outs[0], "a right guess must answer as a wrong one does")
					assert.True(t, outs[0].Changed, "version moved")
				})
			}
		})
	}
}
