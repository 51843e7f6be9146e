package scim_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditFilterOnManagerDisplayName: the enterprise manager's
// displayName is made by the handler from the manager's User as it
// answers (readOnly in /Schemas) and no store keeps it, so a filter on it
// matched nothing on every store, though the user showed the very value
// (TestAdvertisedCharacteristics found it); it is a 400 invalidFilter
// that says to compare the manager's value, as a filter on a $ref the
// server makes is, and a sortBy on it a 400 invalidValue (every store
// answered in creation order).
func TestAuditFilterOnManagerDisplayName(t *testing.T) {
	e := newEnv(t)
	boss := e.createUser("boss", map[string]any{"displayName": "Big Boss"})["id"].(string)
	e.createUser("worker", map[string]any{entURN: map[string]any{"manager": map[string]any{"value": boss}}})
	for _, f := range []string{
		entURN + `:manager.displayName eq "Big Boss"`,
		`userName pr and ` + entURN + `:manager.displayName co "Boss"`,
		entURN + `:manager[displayName pr]`,
		`not (` + entURN + `:MANAGER.DISPLAYNAME sw "B")`,
	} {
		t.Run(f, func(t *testing.T) {
			requireError(t, e.do("GET", "/Users?filter="+url.QueryEscape(f), nil), 400, "invalidFilter", "manager.value")
		})
	}
	requireError(t, e.do("POST", "/.search", map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":  entURN + `:manager.displayName eq "Big Boss"`}), 400, "invalidFilter", "manager.value")
	requireError(t, e.do("GET", "/Users?sortBy="+url.QueryEscape(entURN+":manager.displayName"), nil), 400, "invalidValue", "manager.displayName")
	// The manager's value, which the store keeps, still finds the user.
	r := e.do("GET", "/Users?filter="+url.QueryEscape(entURN+`:manager.value eq "`+boss+`"`), nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.EqualValues(t, 1, r.Body["totalResults"])
	r = e.do("GET", "/Users?sortBy="+url.QueryEscape(entURN+":manager.value"), nil)
	require.Equal(t, 200, r.Code, r.Raw)
}

// TestAuditBareStringForComplexValue: a string given for a complex
// attribute that has a value ("roles": ["admin"], "emails": "a@x") is
// taken as {"value": s}, as it was, but with a warning now and refused
// in strict mode (400 invalidValue): it was taken silently in both
// modes, though RFC 7643 §2.3.8 has an object and no provider's
// documented traffic sends one (TestAdvertisedCharacteristics' type
// check). The manager's and members' bare ids (Entra ID, Okta) stay
// accepted in both modes without a warning.
func TestAuditBareStringForComplexValue(t *testing.T) {
	for _, name := range leniencyStores {
		t.Run(name, func(t *testing.T) {
			e, strict, ring := lenientAndStrict(t, name)
			boss := e.createUser("boss")["id"].(string)
			for i, tc := range []struct {
				body    map[string]any
				warning string
			}{
				{map[string]any{"roles": []any{"admin"}}, `a string for complex "roles" taken as its value`},
				{map[string]any{"emails": []any{"a@x.example"}}, `a string for complex "emails" taken as its value`},
				{map[string]any{"x509Certificates": []any{"QUJD"}}, `a string for complex "x509Certificates" taken as its value`},
			} {
				tc.body["schemas"] = []any{"urn:ietf:params:scim:schemas:core:2.0:User"}
				tc.body["userName"] = fmt.Sprint("bare", i)
				r := e.do("POST", "/Users", tc.body)
				require.Equal(t, 201, r.Code, r.Raw)
				assert.Contains(t, lastWarnings(t, ring), tc.warning)
				tc.body["userName"] = fmt.Sprint("strictbare", i)
				requireError(t, strict.do("POST", "/Users", tc.body), 400, "invalidValue", "(strict mode)")
			}
			uid := e.createUser("bareok")["id"].(string)
			r := e.do("PATCH", "/Users/"+uid, patchBody(op("add", "roles", "admin")))
			require.Equal(t, 200, r.Code, r.Raw)
			assert.Equal(t, []string{`Operations[0]: a string for complex "roles" taken as its value`}, lastWarnings(t, ring))
			requireError(t, strict.do("PATCH", "/Users/"+uid, patchBody(op("add", "roles", "user"))), 400, "invalidValue", "(strict mode)")
			// The providers' bare ids: no bend.
			for _, env := range []*env{e, strict} {
				r = env.do("PATCH", "/Users/"+uid, patchBody(op("replace", entURN+":manager", boss)))
				require.Equal(t, 200, r.Code, r.Raw)
				r = env.do("POST", "/Users", map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", entURN},
					"userName": "m" + fmt.Sprint(env == strict), entURN: map[string]any{"manager": boss}})
				require.Equal(t, 201, r.Code, r.Raw)
				r = env.do("POST", "/Groups", map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"},
					"displayName": "g" + fmt.Sprint(env == strict), "members": []any{boss}})
				require.Equal(t, 201, r.Code, r.Raw)
			}
			assert.Empty(t, lastWarnings(t, ring))
		})
	}
}

// TestPatchFilterOnManagerDisplayName: a PATCH path's value filter that
// names the enterprise manager's displayName, which the server makes from
// the manager's User and no store keeps, would select nothing whatever
// the data (a remove answered 200 and removed nothing); it is refused as
// the same filter in a list is, 400 invalidFilter in the list's words
// (resources.ResourceType.ServerMade), and nothing changes. A filter on the
// manager's value still selects it.
func TestPatchFilterOnManagerDisplayName(t *testing.T) {
	e := newEnv(t)
	boss := e.createUser("boss", map[string]any{"displayName": "Big Boss"})["id"].(string)
	uid := e.createUser("worker", map[string]any{entURN: map[string]any{"manager": map[string]any{"value": boss}}})["id"].(string)
	for _, tc := range []struct {
		name string
		op   map[string]any
	}{
		{"remove", op("remove", entURN+`:manager[displayName eq "Big Boss"]`, nil)},
		{"replace a sub-attribute", op("replace", entURN+`:manager[displayName eq "Big Boss"].value`, boss)},
		{"another case, under and", op("remove", entURN+`:MANAGER[value pr and DISPLAYNAME sw "B"]`, nil)},
		{"a no-path value's key", op("replace", "", map[string]any{entURN + `:manager[displayName pr].value`: boss})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.do("GET", "/Users/"+uid, nil)
			r := e.do("PATCH", "/Users/"+uid, patchBody(tc.op))
			requireError(t, r, 400, "invalidFilter", `Operations[0]: filter on manager: "`+entURN+`:manager.displayName" cannot be used in a filter`)
			assert.Contains(t, r.Raw, "use "+entURN+":manager.value instead")
			assert.Equal(t, before.Raw, e.do("GET", "/Users/"+uid, nil).Raw, "nothing changed")
		})
	}
	r := e.do("PATCH", "/Users/"+uid, patchBody(op("remove", entURN+`:manager[value eq "`+boss+`"]`, nil)))
	require.Equal(t, 200, r.Code, r.Raw)
	assert.NotContains(t, r.Raw, "manager", "the manager's value selects it")
}

// TestPatchWarningsNameTheOperation: a bend the PATCH engine makes while
// applying an operation (a value bent where it is read, resources.Lenience,
// an unknown attribute, a filter value converted) is named by the
// operation, as the handler's own warnings about an operation are
// ("Operations[0]: path \" title \" taken as \"title\""): a host reading
// the request log could not tell which operation bent. A group's member
// operations and the operations sent with them, planned apart, are named
// as the request numbers them.
func TestPatchWarningsNameTheOperation(t *testing.T) {
	e, _, ring := lenientAndStrict(t, "memory")
	uid := e.createUser("named")["id"].(string)
	other := e.createUser("other")["id"].(string)
	gid := e.createGroup("named", uid)["id"].(string)
	for _, tc := range []struct {
		name, path string
		ops        []map[string]any
		warnings   []string
	}{
		{"a string for a complex value", "/Users/" + uid, []map[string]any{op("replace", "title", "T"), op("add", "roles", "admin")},
			[]string{`Operations[1]: a string for complex "roles" taken as its value`}},
		{"an unknown attribute", "/Users/" + uid, []map[string]any{op("replace", "title", "T2"), op("replace", "adreses", "x")},
			[]string{`Operations[1]: ignored unknown attribute "adreses"`}},
		{"two operations bent", "/Users/" + uid, []map[string]any{op("add", "entitlements", "e"), op("replace", "title", "T3"), op("replace", `emails[type eq work].value`, "w@x")},
			[]string{`Operations[0]: a string for complex "entitlements" taken as its value`, `Operations[2]: unquoted filter value "work" taken as a string`}},
		{"a duplicate left by the operations", "/Users/" + uid, []map[string]any{op("replace", "title", "T4"), op("add", "emails", []any{map[string]any{"value": "d@x"}, map[string]any{"value": "d@x"}})},
			[]string{`Operations[1]: dropped a duplicate emails value "d@x"`}},
		{"a member operation after another", "/Groups/" + gid, []map[string]any{op("replace", "displayName", "named"), op("add", "members", []any{map[string]any{"value": other, "displayName": "x"}})},
			[]string{`Operations[1]: ignored unknown attribute "members.displayName"`}},
		{"an operation after a member operation", "/Groups/" + gid, []map[string]any{op("remove", `members[value eq "`+other+`"]`, nil), op("replace", "adreses", "x")},
			[]string{`Operations[1]: ignored unknown attribute "adreses"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PATCH", tc.path, patchBody(tc.ops...))
			require.Contains(t, []int{200, 204}, r.Code, r.Raw)
			assert.Equal(t, tc.warnings, lastWarnings(t, ring))
		})
	}
}
