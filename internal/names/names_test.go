package names

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		equal bool
	}{
		{"userName", "USERNAME", true},
		{"userName", "username", true},
		{"urn:ietf:params:scim:schemas:core:2.0:User", "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", true},
		{"", "", true},
		{"a", "", false},
		{"sortBy", "ſortBy", false},  // U+017F, which strings.EqualFold folds to "s"
		{"kind", "\u212Aind", false}, // the Kelvin sign, which folds to "k"
		{"id", "ıd", false},          // Turkish dotless i
		{"id", "İd", false},          // Turkish dotted capital I
		{"id", "ｉｄ", false},          // full-width letters
		{"ｉｄ", "ＩＤ", false},          // full-width letters are no ASCII
		{"é", "É", false},            // nor any other non-ASCII letter
		{"a@", "A`", false},          // '@'|0x20 == '`': not letters
		{"[", "{", false},            // 0x5b|0x20 == 0x7b
		{"a_b", "A_B", true},
		{"$ref", "$REF", true},
		{"x\x80", "X\xa0", false},
	} {
		assert.Equal(t, tc.equal, Equal(tc.a, tc.b), "Equal(%q, %q)", tc.a, tc.b)
		assert.Equal(t, tc.equal, Equal(tc.b, tc.a), "Equal(%q, %q)", tc.b, tc.a)
		assert.Equal(t, tc.equal, EqualBytes([]byte(tc.a), tc.b), "EqualBytes(%q, %q)", tc.a, tc.b)
		assert.Equal(t, tc.equal, Lower(tc.a) == Lower(tc.b), "Lower(%q) == Lower(%q)", tc.a, tc.b)
		assert.Equal(t, tc.equal, Upper(tc.a) == Upper(tc.b), "Upper(%q) == Upper(%q)", tc.a, tc.b)
		if isASCII(tc.a) && isASCII(tc.b) {
			// On ASCII the fold is strings.EqualFold's.
			assert.Equal(t, strings.EqualFold(tc.a, tc.b), Equal(tc.a, tc.b), "%q, %q", tc.a, tc.b)
		}
	}
	assert.True(t, HasPrefix("URN:x", "urn:"))
	assert.False(t, HasPrefix("URN", "urn:"))
	assert.False(t, HasPrefix("ｕrn:x", "urn:"))
	assert.Equal(t, "ſortby", Lower("ſortBy"))
	assert.Equal(t, "POST", Upper("post"))
	assert.Equal(t, "POſT", Upper("poſt"), "strings.ToUpper would make it POST")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestNoAllocations(t *testing.T) {
	a, b := "urn:ietf:params:scim:schemas:core:2.0:User", "URN:ietf:params:scim:schemas:core:2.0:user"
	lower := "already lower"
	nested := "urn:acme:ext:" + a + ":userName"
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_ = Equal(a, b)
		_ = EqualBytes([]byte(a), b) // the conversion does not escape
		_ = HasPrefix(a, "urn:")
		_ = Lower(lower)
		_ = NestedURNAt(nested, []string{a, b}, []string{a})
	}))
}

// BenchmarkEqual finds names as the schema resolver does (a walk of the
// User attributes with the name asked for, in another case or not), with
// Equal and with strings.EqualFold, and compares a URN differing in its
// last letter's case. Run with -count=N, the two alternate in one process.
func BenchmarkEqual(b *testing.B) {
	attrs := []string{"id", "externalId", "meta", "userName", "name", "displayName", "nickName", "profileUrl", "title",
		"userType", "preferredLanguage", "locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims",
		"photos", "addresses", "groups", "entitlements", "roles", "x509Certificates"}
	queries := []string{"userName", "USERNAME", "emails", "active", "x509certificates", "members"}
	const u1, u2 = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
	for _, f := range []struct {
		name  string
		equal func(a, b string) bool
	}{{"names.Equal", Equal}, {"strings.EqualFold", strings.EqualFold}} {
		b.Run(f.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				for _, q := range queries {
					for _, a := range attrs {
						if f.equal(a, q) {
							n++
							break
						}
					}
				}
				if f.equal(u1, u2) {
					n++
				}
			}
			if n == 0 {
				b.Fatal("nothing found")
			}
		})
	}
}

func TestRepeated(t *testing.T) {
	many := make([]string, 0, 40)
	for i := range 40 {
		many = append(many, string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}
	for _, tc := range []struct {
		keys []string
		want string
	}{
		{nil, ""},
		{[]string{"TITLE", "title"}, "title"},
		{[]string{"TITLE", "nickName", "title"}, "title"},
		{[]string{"sortBy", "ſortBy"}, ""},
		{[]string{"key", "\u212Aey"}, ""},
		{many, ""},
		{append(append([]string(nil), many...), "MX"), "MX"},
	} {
		got, found := Repeated(tc.keys)
		assert.Equal(t, tc.want, got, "%q", tc.keys)
		assert.Equal(t, tc.want != "", found)
	}
}

func TestKey(t *testing.T) {
	two := map[string]int{"badge": 1, "Badge": 2, "BADGE": 3}
	for _, tc := range []struct {
		name    string
		m       map[string]int
		key     string
		want    string
		wantV   int
		wantHas bool
	}{
		{"nil map", nil, "badge", "", 0, false},
		{"exact", two, "badge", "badge", 1, true},
		{"exact before a smaller spelling", two, "Badge", "Badge", 2, true},
		{"least other spelling", two, "bAdge", "BADGE", 3, true},
		{"absent", two, "badges", "", 0, false},
		{"no Unicode fold", map[string]int{"kind": 1}, "\u212Aind", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, v, has := Key(tc.m, tc.key)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantV, v)
			assert.Equal(t, tc.wantHas, has)
		})
	}
}

func TestURNAt(t *testing.T) {
	const core = "urn:ietf:params:scim:schemas:core:2.0:User"
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"urn:acme:ext:" + core + ":userName", 13},
		{"urn:acme:ext:" + core, 13},
		{"URN:acme:ext:URN:IETF:params:scim:schemas:core:2.0:USER:userName", 13},
		{"urn:acme:" + core + ":" + core + ":userName", 9},
		{core + ":userName", -1},                               // the URN first is not after another
		{"urn:acme:ext:" + core + "s:userName", -1},            // another URN that begins like it
		{"urn:acme:ext:x" + core + ":userName", -1},            // not at a segment's start
		{"urn:acme:ext:urn:ietf:params:scim:schemas:core", -1}, // cut short
		{"urn:acme:ext:urn:other:x:userName", -1},
	} {
		assert.Equal(t, tc.want, URNAt(tc.s, core), "%q", tc.s)
		assert.Equal(t, tc.want, URNAt([]byte(tc.s), core), "%q as bytes", tc.s)
	}
}

func TestNestedURNAt(t *testing.T) {
	const (
		user  = "urn:ietf:params:scim:schemas:core:2.0:User"
		group = "urn:ietf:params:scim:schemas:core:2.0:Group"
		acme  = "urn:acme:ext:2.0:Team"
	)
	for _, tc := range []struct {
		name  string
		s     string
		known [][]string
		want  int
	}{
		{"one list", "urn:a:b:" + group + ":displayName", [][]string{{user, group}}, 8},
		{"the earliest of several", "urn:a:b:" + group + ":" + user + ":userName", [][]string{{user}, {group}}, 8},
		{"the earliest, listed last", "urn:a:b:" + user + ":" + group, [][]string{{group}, {user}}, 8},
		{"a host URN in a second list", "urn:a:b:" + acme + ":name", [][]string{{user, group}, {acme}}, 8},
		{"a trailing colon ignored", "urn:a:b:" + acme + ":name", [][]string{{acme + ":"}}, 8},
		{"empty URNs ignored", "urn:a:b:c", [][]string{{"", ":"}}, -1},
		{"none known", "urn:a:b:urn:other:x:y", [][]string{{user, group}}, -1},
		{"no lists", "urn:a:b:" + user, nil, -1},
		{"a known URN first is not nested", user + ":userName", [][]string{{user, group}}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, NestedURNAt(tc.s, tc.known...))
			assert.Equal(t, tc.want, NestedURNAt([]byte(tc.s), tc.known...), "as bytes")
		})
	}
}
