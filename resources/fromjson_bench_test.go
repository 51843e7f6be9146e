package resources

import (
	"testing"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/race"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storedDocs are documents as a SQL store keeps them (no id, meta or
// members: those are columns and rows of their own): a user as Entra ID
// provisions one (examples/loadtest's sync phase, sqlstore's read
// benchmark), one as Okta does, with a phone number and a manager, and a
// group.
var storedDocs = []struct{ name, doc string }{
	{"Entra_user", loaduser.Stored(42)},
	{"Okta_user", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"externalId":"00u1abcd2EFGH3ijk4l5","userName":"marcus.chen@example.com","name":{"familyName":"Chen","givenName":"Marcus"},` +
		`"displayName":"Marcus Chen","title":"Engineer","locale":"en-US","active":true,` +
		`"emails":[{"value":"marcus.chen@example.com","type":"work","primary":true},{"value":"marcus@example.org","type":"home"}],` +
		`"phoneNumbers":[{"value":"+1 555 0100","type":"mobile"}],` +
		`"addresses":[{"streetAddress":"100 Main St","locality":"Springfield","region":"IL","postalCode":"62701","country":"US","type":"work","primary":true}],` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1042","department":"Engineering","manager":{"value":"00u9zyx"}}}`},
	{"group", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"00g1","displayName":"Engineering"}`},
}

// BenchmarkFromJSONStored reads each stored document with the reader
// (typed) and, in the same run, with the reference that decodes every
// member to a generic value first (ref, fromjson_ref_test.go): the
// before and after of reading the usual attributes from their text.
func BenchmarkFromJSONStored(b *testing.B) {
	for _, d := range storedDocs {
		doc := []byte(d.doc)
		for _, r := range []struct {
			name string
			read func([]byte) error
		}{
			{"ref", func(b []byte) error { _, err := refUserFromJSON(b); return err }},
			{"typed", func(b []byte) error { _, err := UserFromJSON(b); return err }},
		} {
			if d.name == "group" {
				r.read = map[string]func([]byte) error{
					"ref":   func(b []byte) error { _, err := refGroupFromJSON(b); return err },
					"typed": func(b []byte) error { _, err := GroupFromJSON(b); return err },
				}[r.name]
			}
			b.Run(d.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := r.read(doc); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestFromJSONAllocations holds the typed reading of a stored document
// to its allocation budget: the strings it keeps, the user, its name,
// list and enterprise extension, and the pointer of each boolean (a
// generic value per member would add a map or a list and its strings).
func TestFromJSONAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	budget := map[string]float64{"Entra_user": 15, "Okta_user": 32, "group": 3}
	for _, d := range storedDocs {
		doc := []byte(d.doc)
		var err error
		n := testing.AllocsPerRun(100, func() {
			if d.name == "group" {
				_, err = GroupFromJSON(doc)
			} else {
				_, err = UserFromJSON(doc)
			}
		})
		require.NoError(t, err)
		ref := testing.AllocsPerRun(100, func() {
			if d.name == "group" {
				_, err = refGroupFromJSON(doc)
			} else {
				_, err = refUserFromJSON(doc)
			}
		})
		t.Logf("%s: %v allocations, reference %v", d.name, n, ref)
		assert.LessOrEqual(t, n, budget[d.name], d.name)
	}
}

// BenchmarkFromMapRef is UserFromMap, whose setters are now the field
// tables', against the reference setters (refUserSet) in the same run,
// on a stored Okta user's document as a request's Decode gives it.
func BenchmarkFromMapRef(b *testing.B) {
	doc, err := Decode([]byte(storedDocs[1].doc))
	require.NoError(b, err)
	b.Run("ref", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u := new(User)
			if err := walkMembers(doc, func(k string, v any) error { return refUserSet(u, k, v) }); err != nil {
				b.Fatal(err)
			}
			benchSink = u // as UserFromMap returns it
		}
	})
	b.Run("tables", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u := new(User)
			if err := walkMembers(doc, u.set); err != nil {
				b.Fatal(err)
			}
			benchSink = u
		}
	})
}

var benchSink *User
