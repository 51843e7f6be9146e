package clienttext_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/clienttext"
	"github.com/scimkit/scim/internal/race"
)

func TestRedact(t *testing.T) {
	body := strings.Repeat("aB3-_", 8) + "xyz" // 43 characters, as a generated token's
	tok := "scim_" + body
	tests := []struct{ name, in, want string }{
		{"no token", "/Users/2819c223", "/Users/2819c223"},
		{"the prefix alone", "scim_", "scim_"},
		{"prefix and too few characters", "/Users/scim_abc", "/Users/scim_abc"},
		{"fifteen characters", "scim_0123456789abcde", "scim_0123456789abcde"},
		{"sixteen characters", "scim_0123456789abcdef", "scim_[REDACTED]"},
		{"a token", "/Users/" + tok, "/Users/scim_[REDACTED]"},
		{"a token inside text", "req-" + tok + ".x", "req-scim_[REDACTED].x"},
		{"two tokens", tok + " " + tok, "scim_[REDACTED] scim_[REDACTED]"},
		{"upper-case prefix", "SCIM_" + body, "scim_[REDACTED]"},
		{"escaped _", "/Users/scim%5F" + body, "/Users/scim_[REDACTED]"},
		{"escaped _, lower-case hex", "/Users/scim%5f" + body, "/Users/scim_[REDACTED]"},
		{"escaped prefix letter", "%73cim_" + body, "scim_[REDACTED]"},
		{"escaped body bytes", "scim_%61%42" + body[2:] + "/x", "scim_[REDACTED]/x"},
		{"every byte escaped", "%73%63%69%6D%5F%61%42%33%2D%5F%61%42%33%2D%5F%61%42%33%2D%5F%61%42", "scim_[REDACTED]"},
		{"escaped twice", "scim%255F" + body, "scim_[REDACTED]"},
		{"escaped three times", "scim%25255F" + body, "scim_[REDACTED]"},
		{"hex digits escaped", "scim%25%35%46" + body, "scim_[REDACTED]"},
		{"in a query string", "/Users?filter=userName+eq+%22scim%5F" + body + "%22&count=1", "/Users?filter=userName+eq+%22scim_[REDACTED]%22&count=1"},
		{"an escape that is not one", "scim%5G" + body, "scim%5G" + body},
		{"a lone percent", "100%", "100%"},
		{"percents only", strings.Repeat("%", 100), strings.Repeat("%", 100)},
		{"escaped non-token byte ends it", "scim_0123456789abcdef%2F" + body, "scim_[REDACTED]%2F" + body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, clienttext.Redact(tt.in))
		})
	}
	if !race.Enabled { // the race detector allocates on its own
		for _, s := range []string{"/Users/2819c223?filter=userName", "/Users/a_b%20c?access_token=scim_abc", "scim%5Fshort"} {
			assert.Zero(t, testing.AllocsPerRun(10, func() { _ = clienttext.Redact(s) }), "%s: text without a token costs nothing", s)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	tests := []struct {
		name, in   string
		head, rest string
	}{
		{"short", "userName", "userName", ""},
		{"at the bound", strings.Repeat("a", clienttext.MaxQuoted), strings.Repeat("a", clienttext.MaxQuoted), ""},
		{"one past", strings.Repeat("a", clienttext.MaxQuoted+1), strings.Repeat("a", clienttext.MaxQuoted), "… (129 bytes)"},
		{"a megabyte", long, long[:clienttext.MaxQuoted], "… (1048576 bytes)"},
		{"never inside a character", "a" + strings.Repeat("é", 100), "a" + strings.Repeat("é", 63), "… (201 bytes)"},
		{"a token redacted before the cut", strings.Repeat("a", 120) + "scim_" + strings.Repeat("b", 43), strings.Repeat("a", 120) + "scim_[RE", "… (168 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, rest := passwordOnly().Excerpt(tt.in)
			assert.Equal(t, tt.head, head)
			assert.Equal(t, tt.rest, rest)
			assert.True(t, utf8.ValidString(head))
			assert.LessOrEqual(t, len(head), clienttext.MaxQuoted)
		})
	}
	assert.Equal(t, `"userName"`, passwordOnly().Quote("userName"))
	assert.Equal(t, `"`+strings.Repeat("x", clienttext.MaxQuoted)+`"… (1048576 bytes)`, passwordOnly().Quote(long))
}

func TestSprintf(t *testing.T) {
	long := strings.Repeat("y", 5000)
	tok := "scim_" + strings.Repeat("Q", 43)
	tests := []struct {
		name, format string
		args         []any
		want         string
	}{
		{"short text as it is", "sortBy %q is unknown", []any{"title"}, `sortBy "title" is unknown`},
		{"long text quoted in part", "sortBy %q is unknown", []any{long}, `sortBy "` + long[:clienttext.MaxQuoted] + `"… (5000 bytes) is unknown`},
		{"the message's own text whole", "%s: %q", []any{long, "x"}, long + `: "x"`},
		{"a token quoted", "user %q", []any{tok}, `user "scim_[REDACTED]"`},
		{"a token in %s", "user %s", []any{tok}, `user scim_[REDACTED]`},
		{"a token in an error", "bad: %v", []any{errors.New("parsing " + tok)}, `bad: parsing scim_[REDACTED]`},
		{"other arguments as they are", "%d %v", []any{3, true}, `3 true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, clienttext.Sprintf(tt.format, tt.args...))
		})
	}
	args := []any{"a", 1}
	require.Equal(t, fmt.Sprint(args), fmt.Sprint(passwordOnly().Args(args)))
	if !race.Enabled {
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = passwordOnly().Args(args) }), "arguments that need nothing are not copied")
	}
}

func TestCut(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
		cut  bool
	}{
		{"abc", 3, "abc", false},
		{"abcd", 3, "abc", true},
		{"aé", 2, "a", true},
		{"é", 1, "", true},
	} {
		got, cut := clienttext.Cut(tt.in, tt.max)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.cut, cut, tt.in)
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcdef", 5, "ab…"},
		{"aéé", 4, "a…"},
		{"ééé", 5, "é…"},
		{strings.Repeat("x", 2000), 1024, strings.Repeat("x", 1021) + "…"},
	} {
		assert.Equal(t, tt.want, clienttext.Clip(tt.in, tt.max), tt.in)
		assert.LessOrEqual(t, len(clienttext.Clip(tt.in, tt.max)), tt.max)
	}
}

// TestField: a log's field is redacted, then clipped, so a token near the
// bound is gone whole rather than cut into a piece too short to be
// recognised.
func TestField(t *testing.T) {
	tok := "scim_" + strings.Repeat("k", 43)
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"/Users/1", 1024, "/Users/1"},
		{"/Users/" + tok, 1024, "/Users/" + clienttext.Redacted},
		{"/Users/%73cim_" + strings.Repeat("k", 20), 1024, "/Users/" + clienttext.Redacted},
		{strings.Repeat("x", 10) + tok, 22, strings.Repeat("x", 10) + "scim_[RED…"},
		{strings.Repeat("x", 2000), 1024, strings.Repeat("x", 1021) + "…"},
	} {
		assert.Equal(t, tt.want, clienttext.Field(tt.in, tt.max), tt.in)
	}
}

// TestConceals: client text that names the password attribute, in any
// letter case and percent-encoded, and is more than an attribute path is
// concealed wherever a message quotes it; an attribute path alone is
// what a refusal names, and is shown.
func TestConceals(t *testing.T) {
	tests := []struct {
		in            string
		names, hidden bool
	}{
		{"userName", false, false},
		{`userName eq "bob"`, false, false},
		{"passwor", false, false},
		{"pass word", false, false},
		{"password", true, false},
		{"PassWord", true, false},
		{"urn:ietf:params:scim:schemas:core:2.0:User:password", true, false},
		{"urn:example:ext:credentials.password", true, false},
		{"passwordSet", true, false},
		{`password eq "Hunter2"`, true, true},
		{`password[value eq "Hunter2"]`, true, true},
		{`userName eq "a" or PASSWORD sw Hunter2`, true, true},
		{"%70assword", true, true},
		{"p%2561ssword eq x", true, true},
		{"pa%73%73word", true, true},
		{"%50ASSWORD", true, true},
		{"%2570assword", true, true},
		{"%%37%30assword", true, true},
		{"p%2541ssword", true, true},
		{"%22%40%20password", true, true},
		{"/Users?filter=password+eq+%22x%22", true, true},
		{"password,emails", true, true},
		{"pa%ZZssword eq x", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.names, clienttext.NamesPassword(tt.in), "NamesPassword")
			assert.Equal(t, tt.hidden, passwordOnly().Conceals(tt.in), "Conceals")
			head, rest := passwordOnly().Excerpt(tt.in)
			if tt.hidden {
				assert.Equal(t, clienttext.Concealed, head)
				assert.Empty(t, rest, "not even its length")
				assert.Equal(t, `x "`+clienttext.Concealed+`"`, clienttext.Sprintf("x %q", tt.in))
			} else {
				assert.Equal(t, tt.in, head)
			}
		})
	}
	if !race.Enabled {
		s := "/Users?filter=userName+eq+%22bjensen%22&startIndex=1&count=100"
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = clienttext.NamesPassword(s) }))
	}
}

// TestPartOf: a part of client text that names the password is concealed
// (the unexpected token, the unquoted value), though it names nothing;
// a part of other text is quoted as any client text is.
func TestPartOf(t *testing.T) {
	tests := []struct{ name, whole, part, want string }{
		{"a part of a filter", `password eq correct Hunter2`, "Hunter2", `"` + clienttext.Concealed + `"`},
		{"a value compared with the password", "password", "Hunter2", `"` + clienttext.Concealed + `"`},
		{"the attribute path itself", "password", "password", `"password"`},
		{"a part of other text", `userName eq bob x`, "x", `"x"`},
		{"a token in a part of other text", `userName eq "a" ` + "scim_" + strings.Repeat("k", 43), "scim_" + strings.Repeat("k", 43), `"scim_[REDACTED]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, clienttext.Sprintf("%q", passwordOnly().PartOf(tt.whole, tt.part)))
			head, rest := passwordOnly().ExcerptOf(tt.whole, tt.part)
			assert.Equal(t, tt.want, `"`+head+`"`+rest)
		})
	}
}

// TestConcealQuery: the request log keeps a request's target with the
// value of each query parameter that names the password concealed, the
// rest as sent.
func TestConcealQuery(t *testing.T) {
	const c = clienttext.Concealed
	tests := []struct{ in, want string }{
		{"/Users", "/Users"},
		{"/Users/password", "/Users/password"},
		{"/Users?filter=userName+eq+%22bob%22&count=1", "/Users?filter=userName+eq+%22bob%22&count=1"},
		{"/Users?filter=password+eq+%22Hunter2%22&count=1", "/Users?filter=" + c + "&count=1"},
		{"/Users?count=1&filter=%70assword%20eq%20Hunter2", "/Users?count=1&filter=" + c},
		{"/Users?sortBy=password", "/Users?sortBy=password"},
		{"/Users?attributes=password%5Bvalue+eq+%22Hunter2%22%5D", "/Users?attributes=" + c},
		{"/Users?password=Hunter2", "/Users?password=" + c},
		{"/Users?password", "/Users?password"},
		{"/Users?password%3DHunter2", "/Users?" + c},
		{"/Users?a=1&PASSWORD=Hunter2&b=password+x", "/Users?a=1&PASSWORD=" + c + "&b=" + c},
		// RFC 6750 §2.3's parameter is a bearer token whatever its
		// shape (a host's Authenticator may take a JWT): the handler
		// ignores it, and the log keeps none of it.
		{"/Users?access_token=eyJhbGciOiJIUzI1NiJ9.e30.sig&count=1", "/Users?access_token=" + c + "&count=1"},
		{"/Users?count=1&ACCESS_TOKEN=opaque-42", "/Users?count=1&ACCESS_TOKEN=" + c},
		{"/Users?access%5Ftoken=opaque-42", "/Users?access%5Ftoken=" + c},
		{"/Users?%61ccess_token=opaque-42&filter=password+eq+x", "/Users?%61ccess_token=" + c + "&filter=" + c},
		{"/Users?access_token", "/Users?access_token"},
		{"/Users?my_access_token=1&access_tokens=2", "/Users?my_access_token=1&access_tokens=2"},
		{"/Users?filter=userName+eq+%22access_token%22", "/Users?filter=userName+eq+%22access_token%22"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, clienttext.ConcealQuery(tt.in))
		})
	}
	if !race.Enabled {
		s := "/Users?filter=userName+eq+%22bjensen%22&count=100"
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = clienttext.ConcealQuery(s) }), "a query without the password costs nothing")
	}
}

// TestNamesSecret: a name of a Secrets (an attribute a model makes
// returned "never") is a secret as the password is, as a whole
// attribute name in any letter case, URN-qualified, a sub-attribute, or
// percent-encoded (its letters, or what bounds it); a name that only
// holds it ("spinner", "pin_code") is none. Text more than a path that
// names one is concealed, in a message, a part of it, and a query.
func TestNamesSecret(t *testing.T) {
	secrets := clienttext.NewSecrets("pin", "secretAnswer", "code", "x_y", "PIN", "oldPassword")
	tests := []struct {
		in            string
		names, hidden bool
	}{
		{"pin", true, false},
		{"PIN", true, false},
		{"urn:example:vault:2.0:User:pin", true, false},
		{"recovery.code", true, false},
		{`urn:example:vault:2.0:User:pin eq "1234"`, true, true},
		{`PIN[value eq "1234"]`, true, true},
		{`secretanswer eq "blue"`, true, true},
		{`recovery.code eq 1234`, true, true},
		{`userName eq "a" or pin sw 12`, true, true},
		{"%70in eq 1234", true, true},
		{"p%2569n eq 1234", true, true},
		{"urn:x%3Apin eq 1234", true, true},
		{"urn:x%253Apin eq 1234", true, true},
		{"urn:x:pin%20eq%201234", true, true},
		{`x_y eq 1`, true, true},
		{`userName eq "pin"`, true, true}, // by name: the word is there
		{`oldPassword eq 1`, true, true},  // holds "password"
		{`spinner eq "1234"`, false, false},
		{`pinned eq 1234`, false, false},
		{`pin_code eq 1234`, false, false},
		{`pin-code eq 1234`, false, false},
		{`ax_y eq 1`, false, false},
		{`%41pin eq 1`, false, false}, // "Apin"
		{`userName eq "bob"`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.names, secrets.NamesSecret(tt.in), "NamesSecret")
			assert.Equal(t, tt.hidden, secrets.Conceals(tt.in), "Conceals")
			if tt.hidden {
				assert.Equal(t, `x "`+clienttext.Concealed+`"`, secrets.Sprintf("x %q", tt.in))
			}
		})
	}
	const c = clienttext.Concealed
	for in, want := range map[string]string{
		"/Users?filter=urn%3Ax%3Apin+eq+%221234%22&count=1": "/Users?filter=" + c + "&count=1",
		"/Users?pin=1234":             "/Users?pin=" + c,
		"/Users?sortBy=urn:x:pin":     "/Users?sortBy=urn:x:pin",
		"/Users?filter=spinner+eq+12": "/Users?filter=spinner+eq+12",
	} {
		assert.Equal(t, want, secrets.ConcealQuery(in), in)
	}
	assert.Equal(t, `"`+c+`"`, secrets.Sprintf("%q", secrets.PartOf("pin", "1234")), "a value compared with the pin")
	if !race.Enabled {
		s := "/Users?filter=userName+eq+%22bjensen%22&startIndex=1&count=100"
		assert.Zero(t, testing.AllocsPerRun(10, func() { _ = secrets.NamesSecret(s) }))
	}
}

// TestSecretsApart: a Secrets is the names it was built from and no
// other: the password alone (nil) names no pin, nor does a set built
// beside one that does, in either order; names that hold the password
// add nothing, and one given twice is kept once.
func TestSecretsApart(t *testing.T) {
	const filter = `urn:example:vault:2.0:User:pin eq "1234"`
	pin, code := clienttext.NewSecrets("pin", "PIN"), clienttext.NewSecrets("code")
	assert.True(t, pin.Conceals(filter))
	assert.False(t, code.Conceals(filter), "a set built after one with the pin")
	assert.False(t, passwordOnly().Conceals(filter), "the password alone")
	assert.True(t, clienttext.NewSecrets("pin").Conceals(filter), "a set built after one without")
	assert.Equal(t, []string{"pin"}, pin.Names())
	assert.Nil(t, clienttext.NewSecrets("password", "oldPassword", ""), "nil: the password alone")
	assert.Nil(t, passwordOnly().Names())
	assert.Equal(t, "/Users?filter=pin+eq+1", code.ConcealQuery("/Users?filter=pin+eq+1"))
}

// passwordOnly is the Secrets of a model whose one secret is the
// password: nil.
func passwordOnly() *clienttext.Secrets { return nil }
