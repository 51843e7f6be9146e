package scim_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// returnedEnv is a handler over a memory store whose users and groups
// have a host extension declaring each "returned" of RFC 7643 §2.4: pin
// (writeOnly, never), bio (request), tier (always), plain (default) and
// a complex card whose code is never returned and whose issued is
// immutable; and since, immutable.
func returnedEnv(t testing.TB) (e *env, userURN, groupURN string) {
	t.Helper()
	userURN, groupURN = "urn:example:acme:2.0:User", "urn:example:acme:2.0:Group"
	attrs := func() []*resources.Attribute {
		return []*resources.Attribute{
			{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
			{Name: "bio", Type: resources.TypeString, Returned: resources.ReturnedRequest},
			{Name: "tier", Type: resources.TypeString, Returned: resources.ReturnedAlways},
			{Name: "plain", Type: resources.TypeString},
			{Name: "since", Type: resources.TypeString, Mutability: resources.Immutable},
			{Name: "card", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
				{Name: "number", Type: resources.TypeString},
				{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
				{Name: "issued", Type: resources.TypeString, Mutability: resources.Immutable}}},
		}
	}
	ue, err := resources.NewSchema(userURN, "AcmeUser", "", attrs()...)
	require.NoError(t, err)
	ge, err := resources.NewSchema(groupURN, "AcmeGroup", "", attrs()...)
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ue}, GroupExtensions: []*resources.Schema{ge}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	e = newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
	e.db = db // what the handler serves, for the test to read
	return e, userURN, groupURN
}

// TestExtensionReturned: /Schemas advertises a host extension's
// "returned" as declared, but every response carried every attribute the
// store kept: a writeOnly PIN declared "never" came back in the POST's
// response, each GET and each list, "request" attributes came back
// unasked, and an "always" one was dropped by attributes=. RFC 7643 §2.4:
// "never: The attribute is never returned", "always: ... regardless of
// the contents of the "attributes" parameter", "request: The attribute
// is returned ... if specified in the "attributes" parameter". The store
// keeps what was written either way.
func TestExtensionReturned(t *testing.T) {
	e, urn, gurn := returnedEnv(t)
	full := map[string]any{"pin": "1234", "bio": "long", "tier": "gold", "plain": "p", "card": map[string]any{"number": "42", "code": "999"}}
	created := e.do("POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a", urn: full})
	require.Equal(t, 201, created.Code, created.Raw)
	id := created.str("id")
	gcreated := e.do("POST", "/Groups", map[string]any{"schemas": []any{resources.GroupSchema, gurn}, "displayName": "g", gurn: full, "members": []any{map[string]any{"value": id}}})
	require.Equal(t, 201, gcreated.Code, gcreated.Raw)
	gid := gcreated.str("id")
	def := map[string]any{"tier": "gold", "plain": "p", "card": map[string]any{"number": "42"}}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   any
		// ext is the extension object expected in the (first) resource;
		// nil for none, and then no extension URN in schemas.
		ext map[string]any
	}{
		{name: "POST response", ext: def},
		{name: "GET", method: "GET", path: "/Users/{id}", ext: def},
		{name: "list", method: "GET", path: `/Users?filter=userName+eq+"a"`, ext: def},
		{name: "filter on a request attribute", method: "GET", path: `/Users?filter=` + urn + `:bio+eq+"long"`, ext: def},
		{name: "search", method: "POST", path: "/Users/.search", body: map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `userName eq "a"`}, ext: def},
		{name: "root query", method: "GET", path: `/?filter=userName+eq+"a"`, ext: def},
		{name: "attributes names bio", method: "GET", path: "/Users/{id}?attributes=" + urn + ":bio", ext: map[string]any{"bio": "long", "tier": "gold"}},
		{name: "attributes names pin", method: "GET", path: "/Users/{id}?attributes=" + urn + ":pin," + urn + ":card.code", ext: map[string]any{"tier": "gold"}},
		{name: "attributes names the extension", method: "GET", path: "/Users/{id}?attributes=" + urn, ext: def},
		{name: "attributes=userName keeps tier", method: "GET", path: "/Users/{id}?attributes=userName", ext: map[string]any{"tier": "gold"}},
		{name: "excludedAttributes cannot drop tier", method: "GET", path: "/Users/{id}?excludedAttributes=" + urn + ":tier," + urn + ":plain", ext: map[string]any{"tier": "gold", "card": map[string]any{"number": "42"}}},
		{name: "PATCH response", method: "PATCH", path: "/Users/{id}", body: patchBody(op("replace", urn+":plain", "q")), ext: map[string]any{"tier": "gold", "plain": "q", "card": map[string]any{"number": "42"}}},
		{name: "PATCH response asked for bio", method: "PATCH", path: "/Users/{id}?attributes=" + urn + ":bio", body: patchBody(op("replace", urn+":bio", "short")), ext: map[string]any{"tier": "gold", "bio": "short"}},
		{name: "PUT response", method: "PUT", path: "/Users/{id}", body: map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a", urn: map[string]any{"pin": "1", "bio": "b"}}, ext: nil},
		{name: "PUT response, tier", method: "PUT", path: "/Users/{id}", body: map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a", urn: map[string]any{"pin": "1", "tier": "t"}}, ext: map[string]any{"tier": "t"}},
		{name: "group GET", method: "GET", path: "/Groups/{gid}", ext: def},
		{name: "group list without members", method: "GET", path: "/Groups?excludedAttributes=members", ext: def},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := created
			if tc.method != "" {
				path := tc.path
				for k, v := range map[string]string{"{id}": id, "{gid}": gid} {
					path = strings.ReplaceAll(path, k, v)
				}
				r = e.do(tc.method, path, tc.body)
				require.Contains(t, []int{200, 201}, r.Code, r.Raw)
			}
			res := r.Body
			if rs, ok := r.Body["Resources"].([]any); ok {
				require.NotEmpty(t, rs, r.Raw)
				res = rs[0].(map[string]any)
			}
			key := urn
			if _, ok := res["displayName"]; ok {
				key = gurn
			}
			if tc.ext == nil {
				assert.NotContains(t, res, key, r.Raw)
				assert.NotContains(t, res["schemas"], key, r.Raw)
				return
			}
			assert.Equal(t, tc.ext, res[key], r.Raw)
			assert.Contains(t, res["schemas"], key, r.Raw)
		})
	}

	// The store keeps what a response leaves out, and a PUT keeps what it
	// could not resend: bio (returned on request, not asked for) and the
	// card's code (never returned), which the last PUT left out.
	u, err := e.db.GetUser(context.Background(), id, store.GetOptions{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"pin":"1","tier":"t","bio":"b","card":{"code":"999"}}`, string(u.Extensions[urn]))

	// A member-only PATCH of such a group is still answered 204.
	r := e.do("PATCH", "/Groups/"+gid, patchBody(op("remove", "members", nil)))
	assert.Equal(t, 204, r.Code, r.Raw)
}

// TestExtensionReplaceKeeps: a PUT replaces what the client manages, but
// not what it cannot see or may not change. A host extension attribute
// returned "never" (a PIN) was wiped by every PUT that left it out, so a
// provider updating with GET then PUT, as Okta and PingFederate do,
// cleared it on each cycle once responses stopped carrying it; it is
// kept, as the password is. An immutable one was replaced by any PUT;
// RFC 7644 §3.5.1: "If one or more values are already set for the
// attribute, the input value(s) MUST match, or HTTP status code 400
// SHOULD be returned with a "scimType" error code of "mutability"". A
// different value is that 400, which changes nothing; leaving it out
// keeps it.
func TestExtensionReplaceKeeps(t *testing.T) {
	for _, tc := range []struct {
		name string
		put  map[string]any // the extension object a PUT sends; nil for none
		code int
		want string // the extension object stored after the PUT
	}{
		{name: "pin and since left out", put: map[string]any{"plain": "q"}, code: 200, want: `{"pin":"1234","since":"2020","plain":"q"}`},
		{name: "no extension at all", code: 200, want: `{"pin":"1234","since":"2020"}`},
		{name: "a new pin", put: map[string]any{"pin": "5678"}, code: 200, want: `{"pin":"5678","since":"2020"}`},
		{name: "since resent as it is", put: map[string]any{"since": "2020", "plain": "q"}, code: 200, want: `{"pin":"1234","since":"2020","plain":"q"}`},
		{name: "since changed", put: map[string]any{"since": "2021", "plain": "q"}, code: 400, want: `{"pin":"1234","since":"2020","plain":"p"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, typ := range []string{"Users", "Groups"} {
				e, urn, gurn := returnedEnv(t)
				doc := map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a"}
				if typ == "Groups" {
					urn = gurn
					doc = map[string]any{"schemas": []any{resources.GroupSchema, urn}, "displayName": "g"}
				}
				doc[urn] = map[string]any{"pin": "1234", "since": "2020", "plain": "p"}
				created := e.do("POST", "/"+typ, doc)
				require.Equal(t, 201, created.Code, created.Raw)
				id := created.str("id")
				delete(doc, urn)
				if tc.put != nil {
					doc[urn] = tc.put
				}
				r := e.do("PUT", "/"+typ+"/"+id, doc)
				require.Equal(t, tc.code, r.Code, "%s: %s", typ, r.Raw)
				if tc.code == 400 {
					requireError(t, r, 400, "mutability", "is immutable")
				}
				assert.JSONEq(t, tc.want, string(storedExtension(t, e, typ, id, urn)), typ)
			}
		})
	}
}

// TestExtensionReplaceKeepsSubAttributes: keepOnReplace kept only
// top-level extension attributes, while responses also leave out a
// sub-attribute returned "never": a card's code, created with the card,
// was wiped by the PUT of what GET showed ({"number":"42"}), the loss
// keeping exists to prevent. An attribute returned "request" that the
// client did not ask for is as unseen, so it is kept too. An immutable
// sub-attribute was not checked by PUT at all. And PUT judged "the same
// value" of an immutable attribute with reflect.DeepEqual where PATCH
// compares as the attribute does (caseExact false: "ABC" is "abc"), so
// PATCH accepted what PUT refused; both now keep the stored value.
func TestExtensionReplaceKeepsSubAttributes(t *testing.T) {
	card := func(kv ...string) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		created map[string]any // the extension object of the POST
		method  string         // PUT (the default) or PATCH
		put     map[string]any // the PUT's extension object; nil for none
		patch   map[string]any // the PATCH operation, for PATCH
		code    int
		errPart string // for a 400
		want    string // the extension object stored after
	}{
		{name: "card code kept by the PUT of what GET showed", created: map[string]any{"card": card("number", "42", "code", "999")},
			put: map[string]any{"card": card("number", "42")}, code: 200, want: `{"card":{"number":"42","code":"999"}}`},
		{name: "card code kept by a PUT with another number", created: map[string]any{"card": card("number", "42", "code", "999")},
			put: map[string]any{"card": card("number", "43")}, code: 200, want: `{"card":{"number":"43","code":"999"}}`},
		{name: "card code kept by a PUT without the card", created: map[string]any{"card": card("number", "42", "code", "999"), "plain": "p"},
			put: map[string]any{"plain": "q"}, code: 200, want: `{"plain":"q","card":{"code":"999"}}`},
		{name: "card code kept by a PUT without the extension", created: map[string]any{"card": card("number", "42", "code", "999")},
			code: 200, want: `{"card":{"code":"999"}}`},
		{name: "a new card code", created: map[string]any{"card": card("number", "42", "code", "999")},
			put: map[string]any{"card": card("number", "42", "code", "111")}, code: 200, want: `{"card":{"number":"42","code":"111"}}`},
		{name: "bio, returned on request, kept", created: map[string]any{"bio": "long", "plain": "p"},
			put: map[string]any{"plain": "q"}, code: 200, want: `{"bio":"long","plain":"q"}`},
		{name: "bio resent", created: map[string]any{"bio": "long"},
			put: map[string]any{"bio": "short"}, code: 200, want: `{"bio":"short"}`},
		{name: "card issued kept", created: map[string]any{"card": card("number", "42", "issued", "2020")},
			put: map[string]any{"card": card("number", "43")}, code: 200, want: `{"card":{"number":"43","issued":"2020"}}`},
		{name: "card issued resent as it is", created: map[string]any{"card": card("number", "42", "issued", "2020")},
			put: map[string]any{"card": card("number", "43", "issued", "2020")}, code: 200, want: `{"card":{"number":"43","issued":"2020"}}`},
		{name: "card issued changed", created: map[string]any{"card": card("number", "42", "issued", "2020")},
			put: map[string]any{"card": card("number", "43", "issued", "2021")}, code: 400, errPart: "card.issued is immutable", want: `{"card":{"number":"42","issued":"2020"}}`},
		{name: "card issued set when it had none", created: map[string]any{"card": card("number", "42")},
			put: map[string]any{"card": card("number", "42", "issued", "2021")}, code: 200, want: `{"card":{"number":"42","issued":"2021"}}`},
		{name: "PUT: since in another case is the same value", created: map[string]any{"since": "abc"},
			put: map[string]any{"since": "ABC"}, code: 200, want: `{"since":"abc"}`},
		{name: "PATCH: since in another case is the same value", created: map[string]any{"since": "abc"},
			method: "PATCH", patch: op("replace", "since", "ABC"), code: 200, want: `{"since":"abc"}`},
		{name: "PUT: since changed", created: map[string]any{"since": "abc"},
			put: map[string]any{"since": "abd"}, code: 400, errPart: "since is immutable", want: `{"since":"abc"}`},
		{name: "PATCH: since changed", created: map[string]any{"since": "abc"},
			method: "PATCH", patch: op("replace", "since", "abd"), code: 400, want: `{"since":"abc"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, typ := range []string{"Users", "Groups"} {
				e, urn, gurn := returnedEnv(t)
				doc := map[string]any{"schemas": []any{resources.UserSchema, urn}, "userName": "a"}
				if typ == "Groups" {
					urn = gurn
					doc = map[string]any{"schemas": []any{resources.GroupSchema, urn}, "displayName": "g"}
				}
				doc[urn] = tc.created
				created := e.do("POST", "/"+typ, doc)
				require.Equal(t, 201, created.Code, created.Raw)
				id := created.str("id")
				var r *resp
				if tc.method == "PATCH" {
					o := map[string]any{}
					for k, v := range tc.patch {
						o[k] = v
					}
					o["path"] = urn + ":" + o["path"].(string)
					r = e.do("PATCH", "/"+typ+"/"+id, patchBody(o))
				} else {
					delete(doc, urn)
					if tc.put != nil {
						doc[urn] = tc.put
					}
					r = e.do("PUT", "/"+typ+"/"+id, doc)
				}
				if tc.code == 200 {
					require.Contains(t, []int{200, 204}, r.Code, "%s: %s", typ, r.Raw)
				} else {
					requireError(t, r, tc.code, "mutability", tc.errPart)
				}
				assert.JSONEq(t, tc.want, string(storedExtension(t, e, typ, id, urn)), typ)
			}
		})
	}
}

// storedExtension is what e's store holds of the extension urn of the
// user or group (typ "Users" or "Groups") id.
func storedExtension(t *testing.T, e *env, typ, id, urn string) []byte {
	t.Helper()
	if typ == "Users" {
		u, err := e.db.GetUser(context.Background(), id, store.GetOptions{})
		require.NoError(t, err)
		return u.Extensions[urn]
	}
	g, err := e.db.GetGroup(context.Background(), id, store.GetOptions{})
	require.NoError(t, err)
	return g.Extensions[urn]
}

// TestEventsLeaveOutSecrets: Config.Events, "use it for logging", showed
// an extension's attributes returned "never" (a PIN, a card's code) as
// the store keeps them, where it never shows the password: an event's
// user or group holds what a GET would return of it with every
// attribute named, never a secret (RFC 7643 §2.4).
func TestEventsLeaveOutSecrets(t *testing.T) {
	const pin, code = "PIN-5150", "CODE-8675"
	e, urn, gurn := returnedEnv(t)
	ext := func() map[string]any {
		return map[string]any{"pin": pin, "bio": "b", "plain": "p", "card": map[string]any{"number": "n", "code": code}}
	}
	r := e.do("POST", "/Users", map[string]any{"schemas": []string{resources.UserSchema, urn}, "userName": "bob", urn: ext()})
	require.Equal(t, 201, r.Code, r.Raw)
	uid := r.str("id")
	r = e.do("PUT", "/Users/"+uid, map[string]any{"schemas": []string{resources.UserSchema, urn}, "userName": "bob", urn: ext()})
	require.Equal(t, 200, r.Code, r.Raw)
	r = e.do("PATCH", "/Users/"+uid, patchBody(op("replace", urn+":pin", "PIN-0000")))
	require.Equal(t, 200, r.Code, r.Raw)
	r = e.do("POST", "/Groups", map[string]any{"schemas": []string{resources.GroupSchema, gurn}, "displayName": "g", gurn: ext()})
	require.Equal(t, 201, r.Code, r.Raw)

	e.mu.Lock()
	events := slices.Clone(e.events)
	e.mu.Unlock()
	require.Len(t, events, 4)
	for _, ev := range events {
		var res any = ev.Group
		extURN := gurn
		if ev.User != nil {
			res, extURN = ev.User, urn
		}
		b, err := json.Marshal(res)
		require.NoError(t, err)
		doc := string(b)
		for _, secret := range []string{pin, code, "PIN-0000", `"pin"`, `"code"`} {
			assert.NotContains(t, doc, secret, "%s: %s", ev.Type, doc)
		}
		var got map[string]any
		require.NoError(t, json.Unmarshal(b, &got))
		assert.Equal(t, map[string]any{"bio": "b", "plain": "p", "card": map[string]any{"number": "n"}}, got[extURN], "%s keeps what is no secret", ev.Type)
	}
	// The store keeps the secret: only the event leaves it out.
	assert.JSONEq(t, `{"pin":"PIN-0000","bio":"b","plain":"p","card":{"number":"n","code":"`+code+`"}}`, string(storedExtension(t, e, "Users", uid, urn)))
}
