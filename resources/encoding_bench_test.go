package resources_test

import (
	"testing"

	"github.com/scimkit/scim/resources"
)

func BenchmarkMarshalJSON(b *testing.B) {
	u, g := benchUser(), benchGroup()
	b.Run("user", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := u.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("group", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchUserBody is a typical POST /Users body, as an identity provider
// sends it (Entra ID: string booleans, the enterprise extension).
const benchUserBody = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"externalId":"bjensen","userName":"bjensen@example.com","active":"True","displayName":"Babs Jensen","title":"Tour Guide",
	"name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"},
	"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],
	"phoneNumbers":[{"value":"555-555-5555","type":"work"}],
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","department":"Tour Operations","manager":{"value":"26118915"}}}`

func BenchmarkNormalize(b *testing.B) {
	rt := resources.NewUserType()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		doc, err := resources.Decode([]byte(benchUserBody))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := rt.Normalize(doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNormalizeUnknownURNKey is BenchmarkNormalize of a small body
// with a key under a URN no schema of the type defines, which is ignored:
// what telling it from a nested known URN costs.
func BenchmarkNormalizeUnknownURNKey(b *testing.B) {
	rt := resources.DefaultModel().User
	body := []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","urn:example:params:scim:schemas:extension:acme:2.0:User:badge":"7"}`)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		doc, err := resources.Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := rt.Normalize(doc, nil); err != nil {
			b.Fatal(err)
		}
	}
}
