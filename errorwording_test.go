package scim_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
)

// wording is a request and the error it gets, whole: the detail an
// identity provider's admin reads in the provisioning log, which says
// what was wrong, where, and what to send instead.
type wording struct {
	name, method, path string
	body               string
	status             int
	scimType, detail   string
}

// checkWording sends each request of cases to e and holds its error to
// the status, scimType and detail of the case, byte for byte.
func (e *env) checkWording(t *testing.T, cases []wording) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, body)
			require.Equal(t, tc.status, r.Code, r.Raw)
			assert.Equal(t, tc.scimType, r.str("scimType"), r.Raw)
			assert.Equal(t, tc.detail, r.str("detail"), r.Raw)
		})
	}
}

// vaultURN is the extension of vaultEnv's users, whose secrets are a
// multi-valued keys' code and a complex recovery's code.
const vaultURN = "urn:example:params:scim:schemas:extension:vault:2.0:User"

// vaultEnv is newEnv on a memory store whose users have the vaultURN
// extension.
func vaultEnv(t *testing.T) *env {
	code := func() *resources.Attribute {
		return &resources.Attribute{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever}
	}
	ext, err := resources.NewSchema(vaultURN, "Vault", "",
		&resources.Attribute{Name: "keys", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString}, code()}},
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{code()}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	return newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
}

const patchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":`

// TestMalformedJSONWording: a body cut short or followed by more text is
// told at which byte, as any other malformed JSON is, and what to send,
// whatever the endpoint; encoding/json's bare "unexpected EOF" names
// neither.
func TestMalformedJSONWording(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bjensen@example.com")["id"].(string)
	e.checkWording(t, []wording{
		{"POST cut short", "POST", "/Users", `{"userName":`, 400, "invalidSyntax",
			"malformed JSON at byte 12: the body ends before its JSON text is complete; send the whole object"},
		{"PATCH cut short", "PATCH", "/Users/" + id, `{"Operations":[`, 400, "invalidSyntax",
			"malformed JSON at byte 15: the body ends before its JSON text is complete; send the whole object"},
		{"search cut short", "POST", "/Users/.search", `{"filter":`, 400, "invalidSyntax",
			"malformed JSON at byte 10: the body ends before its JSON text is complete; send the whole object"},
		{"bulk cut short", "POST", "/Bulk", `{"Operations":[`, 400, "invalidSyntax",
			"malformed JSON at byte 15: the body ends before its JSON text is complete; send the whole object"},
		{"POST trailing text", "POST", "/Users", `{"userName":"a"}  x`, 400, "invalidSyntax",
			"malformed JSON at byte 19: unexpected data after the JSON object; send the one object alone"},
		{"PATCH trailing object", "PATCH", "/Users/" + id, patchOp + `[]}{}`, 400, "invalidSyntax",
			"malformed JSON at byte 78: unexpected data after the JSON object; send the one object alone"},
		{"a syntax error keeps its byte", "POST", "/Users", `{"userName": "a",}`, 400, "invalidSyntax",
			"malformed JSON at byte 18: invalid character '}' looking for beginning of object key string"},
	})
}

// TestNeverReturnedFilterWording: a filter that compares a value that is
// never returned is refused with one detail, which says why, in a list's
// filter and in a PATCH path's value filter alike.
func TestNeverReturnedFilterWording(t *testing.T) {
	e := vaultEnv(t)
	const urn = vaultURN
	id := e.createUser("bjensen@example.com")["id"].(string)
	const why = `"password" cannot be used in a filter: it is never returned (a secret), and comparing it would let a client test guesses against it; filter on another attribute`
	e.checkWording(t, []wording{
		{"list", "GET", `/Users?filter=password%20eq%20%22x%22`, "", 400, "invalidFilter", why},
		{"search", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName pr and password eq \"x\""}`,
			400, "invalidFilter", why},
		{"PATCH value filter", "PATCH", "/Users/" + id, patchOp + `[{"op":"remove","path":"` + urn + `:keys[code eq \"x\"]"}]}`,
			400, "invalidFilter", `Operations[0]: filter on keys: "keys.code" cannot be used in a filter: it is never returned (a secret), and comparing it would let a client test guesses against it; filter on another attribute`},
	})
}

// TestNotAnObjectWording: a complex attribute or an extension sent as
// something other than an object is told what it was sent as, in a
// resource body as in a PATCH.
func TestNotAnObjectWording(t *testing.T) {
	e := vaultEnv(t)
	const vault = vaultURN
	id := e.createUser("bjensen@example.com")["id"].(string)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	user := func(k, v string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com",` + `"` + k + `":` + v + `}`
	}
	e.checkWording(t, []wording{
		{"POST complex", "POST", "/Users", user("name", `"Barbara"`), 400, "invalidValue",
			`attribute "name": must be a JSON object, got the string "Barbara"`},
		{"PUT complex", "PUT", "/Users/" + id, user("name", `7`), 400, "invalidValue",
			`attribute "name": must be a JSON object, got the number 7`},
		{"PATCH complex", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"name","value":true}]}`, 400, "invalidValue",
			`Operations[0]: attribute "name": must be a JSON object, got the boolean true`},
		{"POST extension", "POST", "/Users", user(ent, `"x"`), 400, "invalidValue",
			`attribute "` + ent + `": an extension must be a JSON object, got the string "x"`},
		{"PUT extension", "PUT", "/Users/" + id, user(ent, `[]`), 400, "invalidValue",
			`attribute "` + ent + `": an extension must be a JSON object, got a list`},
		{"PATCH extension", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"` + ent + `","value":"x"}]}`, 400, "invalidValue",
			`Operations[0]: "` + ent + `": an extension must be a JSON object, got the string "x"`},
		// The string may be the code, which is never shown.
		{"complex holding a secret", "POST", "/Users", user(vault, `{"recovery":"5678"}`), 400, "invalidValue",
			`attribute "` + vault + `:recovery": must be a JSON object, got a string`},
	})
}

// TestBulkReferenceWording: an operation whose bulkId reference cannot
// be resolved is told what to do about it, not only that it failed.
func TestBulkReferenceWording(t *testing.T) {
	e := newEnv(t)
	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`
	group := func(name, member string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + name + `","members":[{"value":"bulkId:` + member + `"}]}`
	}
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
		`{"method":"POST","bulkId":"bad","path":"/Users","data":` + user + `},` +
		`{"method":"POST","bulkId":"g1","path":"/Groups","data":` + group("G1", "bad") + `},` +
		`{"method":"POST","bulkId":"g2","path":"/Groups","data":` + group("G2", "nobody") + `},` +
		`{"method":"POST","bulkId":"a","path":"/Groups","data":` + group("A", "b") + `},` +
		`{"method":"POST","bulkId":"b","path":"/Groups","data":` + group("B", "a") + `}]}`
	r := e.do("POST", "/Bulk", body)
	require.Equal(t, 200, r.Code, r.Raw)
	ops := r.Body["Operations"].([]any)
	detail := func(i int) string {
		return ops[i].(map[string]any)["response"].(map[string]any)["detail"].(string)
	}
	assert.Equal(t, "userName is required and must not be empty", detail(0))
	assert.Equal(t, `bulkId "bad" refers to an operation that failed; its response says why: correct it and send both again`, detail(1))
	assert.Equal(t, `bulkId "nobody" is not the bulkId of any operation of this request; refer to a POST of this request by its bulkId, or to a resource that exists by its id`, detail(2))
	assert.Equal(t, `the bulkId references of this operation form a cycle (b) and cannot be resolved: create one of these resources without its reference, then add the reference by a PATCH`, detail(3))
}

// TestFilterAttributeQuotedAsClientText: an attribute path a filter
// names is client text, and the evaluator's refusal of it quotes it as
// every other message does: a token pasted where an attribute name goes
// is redacted in the detail and the request log (as the parser's syntax
// errors and sortBy's refusal already redacted it), and a long name is
// quoted in part.
func TestFilterAttributeQuotedAsClientText(t *testing.T) {
	ring := admin.NewRequestRing(10)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	long := strings.Repeat("a", 300)
	for _, tc := range []struct{ filter, detail string }{
		{e.token + ` eq "x"`, `filter path "scim_[REDACTED]" is not an attribute of User or its extensions; send one that GET /Schemas lists`},
		{`name.` + e.token + ` eq "x"`, `filter path "name.scim_[REDACTED]" is not a sub-attribute of "name"; send one that GET /Schemas lists for it: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix`},
		{`emails[` + e.token + ` eq "x"]`, `filter path "scim_[REDACTED]" is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`},
		{ent + `:` + e.token + ` eq "x"`, `filter path "` + ent + `:scim_[REDACTED]" is not an attribute of User or its extensions; send one that GET /Schemas lists`},
		{long + ` eq "x"`, `filter path "` + strings.Repeat("a", 128) + `"… (300 bytes) is not an attribute of User or its extensions; send one that GET /Schemas lists`},
	} {
		t.Run(tc.detail, func(t *testing.T) {
			r := e.do("GET", "/Users?filter="+url.QueryEscape(tc.filter), nil)
			requireError(t, r, 400, "invalidFilter", "")
			assert.Equal(t, tc.detail, r.str("detail"))
			assert.NotContains(t, lastEntry(t, ring), e.token[len("scim_"):])
		})
	}
}

// TestNotFoundWording: a 404 for a resource the store does not hold
// names the path it was looked for at, in a request and in a /Bulk
// operation, and says why it may be missing.
func TestNotFoundWording(t *testing.T) {
	e := newEnv(t)
	const why = ` (it was never created here, or was deleted); create it with a POST, or find it with a filter`
	e.checkWording(t, []wording{
		{"GET", "GET", "/Users/no-such-id", "", 404, "", `resource not found: nothing is at "/Users/no-such-id"` + why},
		{"PATCH", "PATCH", "/Groups/gone", patchOp + `[{"op":"replace","path":"displayName","value":"x"}]}`, 404, "",
			`resource not found: nothing is at "/Groups/gone"` + why},
		{"DELETE", "DELETE", "/Users/gone", "", 404, "", `resource not found: nothing is at "/Users/gone"` + why},
		{"a token as the id", "GET", "/Users/" + e.token, "", 404, "", `resource not found: nothing is at "/Users/scim_[REDACTED]"` + why},
	})
	r := e.do("POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/gone"}]}`)
	require.Equal(t, 200, r.Code, r.Raw)
	op := r.Body["Operations"].([]any)[0].(map[string]any)
	assert.Equal(t, "404", op["status"])
	assert.Equal(t, `resource not found: nothing is at "/Users/gone"`+why, op["response"].(map[string]any)["detail"])
}

// TestBodyNotAnObjectWording: a body that is JSON but no object is told
// what it is, in words, on every endpoint that reads one.
func TestBodyNotAnObjectWording(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bjensen@example.com")["id"].(string)
	e.checkWording(t, []wording{
		{"list", "POST", "/Users", `[{"userName":"a"}]`, 400, "invalidSyntax", "the body must be a JSON object, not a list; send {...}"},
		{"string", "PUT", "/Users/" + id, `"bjensen"`, 400, "invalidSyntax", "the body must be a JSON object, not a string; send {...}"},
		{"number", "POST", "/Users/.search", `7`, 400, "invalidSyntax", "the body must be a JSON object, not a number; send {...}"},
		{"boolean", "POST", "/Bulk", `true`, 400, "invalidSyntax", "the body must be a JSON object, not a boolean; send {...}"},
		{"PATCH list", "PATCH", "/Users/" + id, `[]`, 400, "invalidSyntax", "the body must be a JSON object, not a list; send {...}"},
	})
}

// TestSaysWhatToSendWording: refusals that said only what was wrong say
// what to send instead.
func TestSaysWhatToSendWording(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bjensen@example.com")["id"].(string)
	e.checkWording(t, []wording{
		{"remove without a path", "PATCH", "/Users/" + id, patchOp + `[{"op":"remove"}]}`, 400, "noTarget",
			`Operations[0]: remove needs a path naming the attribute, or the values, to remove: "title", "emails[type eq \"work\"]"`},
		{"filter on /Schemas", "GET", "/Schemas?filter=id%20pr", "", 403, "",
			"filtering is not supported on /Schemas (RFC 7644 §4); send the GET without a filter"},
		{"filter on /ServiceProviderConfig", "GET", "/ServiceProviderConfig?filter=id%20pr", "", 403, "",
			"filtering is not supported on /ServiceProviderConfig (RFC 7644 §4); send the GET without a filter"},
	})
}

// TestHostConflictQuotedAsClientText: the text a host's store gives
// after store.ErrConflict reaches the 409's detail as the handler's own
// messages quote client text: a token sent as a userName is redacted.
func TestHostConflictQuotedAsClientText(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Users = quotingStore{memory.New()} })
	e.checkWording(t, []wording{
		{"plain", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`, 409, "uniqueness",
			`userName "bjensen" is already taken`},
		{"a token", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + e.token + `"}`, 409, "uniqueness",
			`userName "scim_[REDACTED]" is already taken`},
	})
}

// wrappingStore is a host store that wraps its database's error beside
// store.ErrConflict (%w twice), keeping it for errors.Is and its log.
type wrappingStore struct{ store.UserStore }

func (wrappingStore) CreateUser(_ context.Context, u *resources.User) (*resources.User, error) {
	db := fmt.Errorf(`ERROR: duplicate key value violates unique constraint "app_users_user_name_key" (SQLSTATE 23505)`)
	if u.UserName == "named" {
		return nil, fmt.Errorf("%w: userName %q is already taken: %w", store.ErrConflict, u.UserName, db)
	}
	return nil, fmt.Errorf("%w: %w", store.ErrConflict, db)
}

// TestHostConflictWrappingAnotherErrorNotEchoed: a host store's conflict
// that wraps another error beside store.ErrConflict carries that error's
// text (a database's: SQL, a constraint's name, the values of the row)
// after the sentinel's; the 409 names no such text and says what the
// conflict is in the handler's words. It was echoed into the detail.
func TestHostConflictWrappingAnotherErrorNotEchoed(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Users = wrappingStore{memory.New()} })
	const generic = "a resource with the same unique attribute value already exists"
	e.checkWording(t, []wording{
		{"the database's error alone", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}`, 409, "uniqueness", generic},
		{"the database's error after the store's words", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"named"}`, 409, "uniqueness", generic},
	})
}

// TestUnknownAttributeWording: an attribute the resource type does not
// have is told in one text wherever a client names it (a body's key, a
// sub-attribute in a body, a PATCH path, a filter, sortBy), naming the
// resource type and where to look up what to send; the four places once
// had four wordings ("is not defined by any schema of this resource
// type", "unknown attribute ... in filter", ...).
func TestUnknownAttributeWording(t *testing.T) {
	_, strict, _ := lenientAndStrict(t, "memory")
	id := strict.createUser("bjensen@example.com")["id"].(string)
	const no = ` is not an attribute of User or its extensions; send one that GET /Schemas lists`
	strict.checkWording(t, []wording{
		{"a body's key", "POST", "/Users", `{"userName":"x","adreses":[]}`, 400, "invalidSyntax",
			`attribute "adreses":` + no + ` (strict mode)`},
		{"a PATCH path", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"adreses","value":"x"}]}`, 400, "invalidPath",
			`Operations[0]: path "adreses"` + no + ` (strict mode)`},
		{"a filter", "GET", "/Users?filter=" + url.QueryEscape(`adreses eq "x"`), "", 400, "invalidFilter",
			`filter path "adreses"` + no},
		{"sortBy", "GET", "/Users?sortBy=adreses", "", 400, "invalidValue",
			`sortBy "adreses"` + no},
	})
}

// TestUnknownSubAttributeWording: a sub-attribute its attribute does not
// define is refused in strict mode naming the attribute and the
// sub-attributes to send instead (resources.NoSubAttribute), wherever the
// client sent it: a member of a value in a body or a PATCH value, a
// PATCH path. Before, a value's member was "not an attribute of this
// resource type or its extensions", naming neither the attribute nor
// the resource type, and a path under a simple attribute "has no
// sub-attributes", in words of its own.
func TestUnknownSubAttributeWording(t *testing.T) {
	_, strict, _ := lenientAndStrict(t, "memory")
	id := strict.createUser("bjensen@example.com")["id"].(string)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	const emails = `is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary (strict mode)`
	strict.checkWording(t, []wording{
		{"a member of a body's value", "POST", "/Users", `{"userName":"x","emails":[{"value":"a@example.com","Nope":1}]}`, 400, "invalidSyntax",
			`attribute "emails.Nope": ` + emails},
		{"a member of a single-valued attribute's value", "POST", "/Users", `{"userName":"x","name":{"nope":"x"}}`, 400, "invalidSyntax",
			`attribute "name.nope": is not a sub-attribute of "name"; send one that GET /Schemas lists for it: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix (strict mode)`},
		{"a member of an extension's value", "POST", "/Users", `{"userName":"x","` + ent + `":{"manager":{"value":"m","nope":1}}}`, 400, "invalidSyntax",
			`attribute "` + ent + `:manager.nope": is not a sub-attribute of "` + ent + `:manager"; send one that GET /Schemas lists for it: value, $ref, displayName (strict mode)`},
		{"a member of a PATCH value", "PATCH", "/Users/" + id, patchOp + `[{"op":"add","path":"emails","value":[{"value":"a@example.com","Nope":1}]}]}`, 400, "invalidSyntax",
			`Operations[0]: attribute "emails.Nope": ` + emails},
		{"a PATCH path", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"emails.Nope","value":"x"}]}`, 400, "invalidPath",
			`Operations[0]: path "emails.Nope" ` + emails},
		{"a PATCH path under a simple attribute", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"userName.x","value":"x"}]}`, 400, "invalidPath",
			`Operations[0]: path "userName.x" is not a sub-attribute of "userName", which has none; send "userName" itself`},
	})
}

// TestUnknownFilterAttributeWording: a filter naming an attribute, a
// sub-attribute or an extension's attribute that the resource type does
// not define is refused 400 invalidFilter (RFC 7644 §3.4.2.2, table 9)
// in the words a body's, a PATCH path's and sortBy's refusal use
// (resources.ResourceType.NoAttribute), by every store: memory evaluates
// the filter, sqlstore compiles it, after query.Evaluator checked it.
// Before, the filter's own texts said "unknown attribute … in filter:
// \"name\" has no sub-attribute \"nope\"" and "… does not define".
func TestUnknownFilterAttributeWording(t *testing.T) {
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	const emails = `is not a sub-attribute of "emails"; send one that GET /Schemas lists for it: value, display, type, primary`
	const no = `is not an attribute of User or its extensions; send one that GET /Schemas lists`
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, _ := lenientAndStrict(t, name)
			id := e.createUser("bjensen@example.com")["id"].(string)
			for _, env := range []*env{e, strict} {
				env.checkWording(t, []wording{
					{"an attribute", "GET", "/Users?filter=" + url.QueryEscape(`nope eq "x"`), "", 400, "invalidFilter", `filter path "nope" ` + no},
					{"a sub-attribute", "GET", "/Users?filter=" + url.QueryEscape(`emails.nope eq "x"`), "", 400, "invalidFilter", `filter path "emails.nope" ` + emails},
					{"a sub-attribute in a value filter", "GET", "/Users?filter=" + url.QueryEscape(`emails[nope eq "x"]`), "", 400, "invalidFilter", `filter path "nope" ` + emails},
					{"a dotted name in a value filter", "GET", "/Users?filter=" + url.QueryEscape(`emails[type.kind eq "x"]`), "", 400, "invalidFilter", `filter path "type.kind" ` + emails},
					{"a sub-attribute of a simple attribute", "GET", "/Users?filter=" + url.QueryEscape(`userName.nope eq "x"`), "", 400, "invalidFilter",
						`filter path "userName.nope" is not a sub-attribute of "userName", which has none; send "userName" itself`},
					{"an extension's attribute", "POST", "/Users/.search", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"` + ent + `:nope pr"}`, 400, "invalidFilter",
						`filter path "` + ent + `:nope" ` + no},
					{"a PATCH path's value filter", "PATCH", "/Users/" + id, patchOp + `[{"op":"replace","path":"emails[nope eq \"x\"].value","value":"a@example.com"}]}`, 400, "invalidFilter",
						`Operations[0]: filter path "nope" ` + emails},
				})
			}
		})
	}
}

// TestMalformedPathScimType: RFC 7644 §3.12 answers a PATCH path that is
// not a path invalidPath and one whose value filter is malformed
// invalidFilter. A '[' never closed, or closed on nothing, holds no value
// filter: the path is malformed (title[ was answered invalidFilter).
func TestMalformedPathScimType(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("bjensen@example.com")["id"].(string)
	op := func(path string) string {
		return patchOp + `[{"op":"replace","path":"` + path + `","value":"x"}]}`
	}
	e.checkWording(t, []wording{
		{"a bracket never closed", "PATCH", "/Users/" + id, op(`title[`), 400, "invalidPath",
			`Operations[0]: path "title[": expected an attribute name, '(' or 'not' at offset 6, found end of path`},
		{"a value filter never closed", "PATCH", "/Users/" + id, op(`emails[type eq \"work\"`), 400, "invalidPath",
			`Operations[0]: path "emails[type eq \"work\"": expected ']' to close '[' at offset 6, found end of path`},
		{"brackets on nothing", "PATCH", "/Users/" + id, op(`emails[]`), 400, "invalidPath",
			`Operations[0]: path "emails[]": expected an attribute name, '(' or 'not' at offset 7, found ']'`},
		{"a malformed value filter", "PATCH", "/Users/" + id, op(`emails[type eq]`), 400, "invalidFilter",
			`Operations[0]: path "emails[type eq]": expected a value after 'eq' at offset 14, found ']'`},
	})
}

// TestEmptiedNameWording: a PATCH that empties a User's userName or a
// Group's displayName is refused naming the operation that emptied it,
// with a path or without; the check of the patched resource said only
// "userName is required and must not be empty".
func TestEmptiedNameWording(t *testing.T) {
	e := newEnv(t)
	uid := e.createUser("bjensen@example.com")["id"].(string)
	gid := e.createGroup("Admins")["id"].(string)
	e.checkWording(t, []wording{
		{"userName by path", "PATCH", "/Users/" + uid, patchOp + `[{"op":"replace","path":"title","value":"x"},{"op":"replace","path":"userName","value":""}]}`, 400, "invalidValue",
			`Operations[1]: userName is required and must not be empty`},
		{"userName without a path", "PATCH", "/Users/" + uid, patchOp + `[{"op":"replace","value":{"userName":"  "}}]}`, 400, "invalidValue",
			`Operations[0]: userName is required and must not be empty`},
		{"displayName", "PATCH", "/Groups/" + gid, patchOp + `[{"op":"replace","path":"displayName","value":""}]}`, 400, "invalidValue",
			`Operations[0]: displayName is required and must not be empty`},
		{"userName in a POST", "POST", "/Users", `{"userName":""}`, 400, "invalidValue",
			`userName is required and must not be empty`},
	})
}
