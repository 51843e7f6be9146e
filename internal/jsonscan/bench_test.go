package jsonscan

import (
	"strings"
	"testing"
)

// benchUser is a provisioned user as a request body or a stored document
// holds it: mostly short strings, one long one (a photo URL), one escape.
var benchUser = []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
	`"id":"2819c223-7f76-453a-919d-413861904646","externalId":"00u1abcd2EFGH3ijk4l5","userName":"bjensen@example.com",` +
	`"name":{"formatted":"Ms. Barbara J Jensen, III","familyName":"Jensen","givenName":"Barbara"},` +
	`"displayName":"Babs Jensen","title":"Tour \"Guide\"","active":true,` +
	`"emails":[{"value":"bjensen@example.com","type":"work","primary":true},{"value":"babs@jensen.org","type":"home"}],` +
	`"photos":[{"value":"https://photos.example.com/profilephoto/` + strings.Repeat("72930000000Ccne", 12) + `/F","type":"photo"}],` +
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701984","costCenter":"4130","department":"Tour Operations"}}`)

// benchPatch is an identity provider's deactivation.
var benchPatch = []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)

// The string scans each reader uses: Parse and ValidRepeated the
// checking one (a request body), Members the lenient one (a stored
// document's diff), NextMember the one on checked text.

func BenchmarkParseUser(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, ok := (*Names)(nil).Parse(benchUser, true); !ok {
			b.Fatal("not valid")
		}
	}
}

func BenchmarkValidRepeated(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := ValidRepeated(benchUser); !ok {
			b.Fatal("not valid")
		}
		if _, _, ok := ValidRepeated(benchPatch); !ok {
			b.Fatal("not valid")
		}
	}
}

func BenchmarkMembers(b *testing.B) {
	b.ReportAllocs()
	var buf [SmallObject]Member
	for b.Loop() {
		if _, err := Members(benchUser, buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNextMember(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for i := 1; ; n++ {
			_, _, next, ok := NextMember(benchUser, i)
			if !ok {
				break
			}
			i = next
		}
		if n != 11 {
			b.Fatalf("%d members", n)
		}
	}
}

// BenchmarkAppendString encodes the strings a response carries: plain
// ASCII, an address with an escape in its middle, and non-ASCII names as
// Entra, Google and OneLogin send them.
func BenchmarkAppendString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", "load000123@example.com"},
		{"escape", `Suite 100 <Building "B"> & Co, 4th floor`},
		{"latin", "Bárbara Jénsen-Müller, Zürich"},
		{"cjk", "山田太郎 (営業部) 東京本社"},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			for b.Loop() {
				buf = AppendString(buf[:0], c.s)
			}
		})
	}
}
