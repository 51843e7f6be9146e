package scim_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
)

// RFC 7643 §2.5: null, an empty list and an empty object are the
// unassigned state. A host extension sent so (a POST, PUT or bulk body with
// "urn:…": null, {} or {"badge": null}) was stored as sent and echoed in
// every response, "urn:…": null under a "schemas" that listed it.

const deskURN = "urn:example:params:scim:schemas:extension:desk:2.0:Resource"

// deskModel gives users and groups the extension deskURN.
func deskModel(t *testing.T) *resources.Model {
	return extensionModel(t, deskURN, "Desk", func() []*resources.Attribute {
		return []*resources.Attribute{
			{Name: "badge", Type: resources.TypeString},
			{Name: "tags", Type: resources.TypeString, MultiValued: true},
			{Name: "desk", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
				{Name: "building", Type: resources.TypeString}, {Name: "floor", Type: resources.TypeString}}},
		}
	})
}

func TestUnassignedExtension(t *testing.T) {
	stores := modelStores(deskModel(t))
	unassigned := []struct {
		name string
		ext  any
	}{
		{"null", nil},
		{"empty object", map[string]any{}},
		{"null member", map[string]any{"badge": nil}},
		{"empty list", map[string]any{"tags": []any{}}},
		{"list of null", map[string]any{"tags": []any{nil}}},
		{"null sub-attribute", map[string]any{"desk": map[string]any{"floor": nil}}},
		{"empty complex", map[string]any{"desk": map[string]any{}, "badge": nil}},
		// An empty string is no value, as the core attributes decode it
		// (a User's "title": "" is no title) and as pr answers on it.
		{"empty string", map[string]any{"badge": ""}},
		{"list of empty strings", map[string]any{"tags": []any{"", nil}}},
		{"empty sub-attribute", map[string]any{"desk": map[string]any{"floor": "", "building": nil}}},
	}
	types := []struct {
		path, core, nameAttr string
	}{
		{"/Users", resources.UserSchema, "userName"},
		{"/Groups", resources.GroupSchema, "displayName"},
	}
	const patchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			n := 0
			doc := func(core, nameAttr string, ext any) map[string]any {
				n++
				return map[string]any{"schemas": []any{core, deskURN}, nameAttr: "unassigned" + itoa(n), deskURN: ext}
			}
			// requireNone requires a resource without the extension, in
			// the response r and in a GET of it.
			requireNone := func(t *testing.T, path string, r *resp) {
				t.Helper()
				require.Contains(t, []int{200, 201}, r.Code, r.Raw)
				for _, got := range []*resp{r, e.do("GET", path+"/"+r.str("id"), nil)} {
					assert.NotContains(t, got.Body, deskURN, got.Raw)
					assert.NotContains(t, got.Body["schemas"], deskURN, got.Raw)
				}
			}
			for _, typ := range types {
				t.Run(typ.path, func(t *testing.T) {
					for _, tc := range unassigned {
						t.Run(tc.name, func(t *testing.T) {
							created := e.do("POST", typ.path, doc(typ.core, typ.nameAttr, tc.ext))
							requireNone(t, typ.path, created)
							id := created.str("id")

							held := doc(typ.core, typ.nameAttr, map[string]any{"badge": "B"})
							r := e.do("PUT", typ.path+"/"+id, held)
							require.Equal(t, 200, r.Code, r.Raw)
							require.Equal(t, map[string]any{"badge": "B"}, r.Body[deskURN], r.Raw)
							put := doc(typ.core, typ.nameAttr, tc.ext)
							put[typ.nameAttr] = held[typ.nameAttr]
							requireNone(t, typ.path, e.do("PUT", typ.path+"/"+id, put))

							for _, op := range []map[string]any{
								{"op": "add", "value": map[string]any{deskURN: tc.ext}},
								{"op": "add", "path": deskURN, "value": tc.ext},
								{"op": "replace", "path": deskURN, "value": tc.ext},
							} {
								r := e.do("PATCH", typ.path+"/"+id+"?attributes=id", map[string]any{"schemas": []any{patchOp}, "Operations": []any{op}})
								require.Equal(t, 200, r.Code, "%v: %s", op, r.Raw)
								requireNone(t, typ.path, r)
							}

							bulk := e.do("POST", "/Bulk", map[string]any{
								"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
								"Operations": []any{
									map[string]any{"method": "POST", "bulkId": "a", "path": typ.path, "data": doc(typ.core, typ.nameAttr, tc.ext)},
									map[string]any{"method": "PUT", "path": typ.path + "/" + id, "data": put},
								},
							})
							require.Equal(t, 200, bulk.Code, bulk.Raw)
							for _, op := range bulk.Body["Operations"].([]any) {
								op := op.(map[string]any)
								require.Contains(t, []any{"200", "201"}, op["status"], bulk.Raw)
								loc := op["location"].(string)
								requireNone(t, typ.path, e.do("GET", loc[len(base):], nil))
							}
						})
					}
					t.Run("kept beside unassigned members", func(t *testing.T) {
						r := e.do("POST", typ.path, doc(typ.core, typ.nameAttr, map[string]any{
							"badge": "B", "tags": []any{"", "t"}, "desk": map[string]any{"building": "A", "floor": ""}}))
						require.Equal(t, 201, r.Code, r.Raw)
						want := map[string]any{"badge": "B", "tags": []any{"t"}, "desk": map[string]any{"building": "A"}}
						assert.Equal(t, want, r.Body[deskURN], r.Raw)
						assert.Contains(t, r.Body["schemas"], deskURN, r.Raw)
						got := e.do("GET", typ.path+"/"+r.str("id"), nil)
						assert.Equal(t, want, got.Body[deskURN], got.Raw)
					})
				})
			}
		})
	}
}

// TestPatchNullSubAttribute: a replace whose complex value gives a
// sub-attribute as null unassigns it (RFC 7643 §2.5, RFC 7644 §3.5.2.3:
// the given sub-attributes replace the existing ones), as a null in an
// extension's object does; it answered 200 and left the value as it was.
func TestPatchNullSubAttribute(t *testing.T) {
	e := newEnv(t)
	mgr := e.createUser("nullsub-manager")["id"].(string)
	const ent = resources.EnterpriseUserSchema
	for _, tc := range []struct {
		name string
		op   map[string]any
		want func(t *testing.T, body map[string]any)
	}{
		{"name with a path", map[string]any{"op": "replace", "path": "name", "value": map[string]any{"givenName": nil, "familyName": "F2"}},
			func(t *testing.T, body map[string]any) {
				assert.Equal(t, map[string]any{"familyName": "F2"}, body["name"])
			}},
		{"name without a path", map[string]any{"op": "Replace", "value": map[string]any{"name": map[string]any{"givenName": nil}}},
			func(t *testing.T, body map[string]any) {
				assert.Equal(t, map[string]any{"familyName": "F"}, body["name"])
			}},
		{"the manager's value", map[string]any{"op": "Replace", "path": ent + ":manager", "value": map[string]any{"value": nil}},
			func(t *testing.T, body map[string]any) {
				assert.Equal(t, map[string]any{"department": "D"}, body[ent])
			}},
		{"add of null changes nothing", map[string]any{"op": "add", "path": "name", "value": map[string]any{"givenName": nil}},
			func(t *testing.T, body map[string]any) {
				assert.Equal(t, map[string]any{"givenName": "G", "familyName": "F"}, body["name"])
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := e.createUser("nullsub-"+strings.ReplaceAll(tc.name, " ", "-"), map[string]any{
				"schemas": []any{resources.UserSchema, ent},
				"name":    map[string]any{"givenName": "G", "familyName": "F"},
				ent:       map[string]any{"department": "D", "manager": map[string]any{"value": mgr}},
			})
			id := u["id"].(string)
			r := e.do("PATCH", "/Users/"+id, patchBody(tc.op))
			require.Equal(t, 200, r.Code, r.Raw)
			tc.want(t, r.Body)
			tc.want(t, e.do("GET", "/Users/"+id, nil).Body)
		})
	}
}
