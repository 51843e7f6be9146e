package scim_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
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

// TestTokenShapedTextNeverLogged: a token a client puts where a token does
// not belong (a path, X-Request-Id, a body's attribute name) reaches
// neither the request line, nor the request log, nor the X-Request-Id
// sent back; admin.Request.Sanitized's rule holds for every place the
// handler writes client text.
func TestTokenShapedTextNeverLogged(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	secret := strings.TrimPrefix(e.token, "scim_")
	user := e.createUser("alice")
	id := user["id"].(string)
	tests := []struct {
		name         string
		method, path string
		body         any
		hdr          []string
	}{
		{"token as an id", "GET", "/Users/" + e.token, nil, nil},
		{"token in a longer path", "GET", "/Users/" + e.token + "/x", nil, nil},
		{"token as X-Request-Id", "GET", "/Users", nil, []string{"X-Request-Id: " + e.token}},
		{"token inside X-Request-Id", "GET", "/Users", nil, []string{"X-Request-Id: req-" + e.token}},
		{"token as an attribute name", "PATCH", "/Users/" + id, patchBody(op("replace", "", map[string]any{e.token: "x", "displayName": "A"})), nil},
		{"token as an unknown schema", "POST", "/Users", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:" + e.token}, "userName": "bob"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.logs.Reset()
			r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
			assert.NotContains(t, r.Header.Get("X-Request-Id"), secret, "X-Request-Id sent back")
			assert.NotEmpty(t, r.Header.Get("X-Request-Id"))
			assert.NotContains(t, e.logs.String(), secret, "request line")
			assert.Contains(t, e.logs.String(), `"msg":"scim request"`)
			assert.NotContains(t, lastEntry(t, ring), secret, "request log")
		})
	}
}

// TestEncodedTokenNeverLogged: a token a client sends percent-encoded,
// wholly or in part, once or twice, in a path, a query string, a bulk
// operation's path, a filter or X-Request-Id, reaches neither the request
// line, nor the request log, nor the X-Request-Id sent back, nor an
// error's detail (a bulk operation's too), in clear or in a form one
// percent-decoding (or several) would give back in clear.
func TestEncodedTokenNeverLogged(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	tok := e.token
	body := strings.TrimPrefix(tok, "scim_")
	id := e.createUser("alice")["id"].(string)
	escapeAll := func(s string) string { // every byte as %XX
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02X", s[i])
		}
		return b.String()
	}
	escapeSome := func(s string) string { // every third byte as %xx, lower-case hex
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if i%3 == 0 {
				fmt.Fprintf(&b, "%%%02x", s[i])
			} else {
				b.WriteByte(s[i])
			}
		}
		return b.String()
	}
	shapes := map[string]string{
		"escaped _":            "scim%5F" + body,
		"escaped _, lower hex": "scim%5f" + body,
		"escaped prefix":       "%73cim_" + body,
		"escaped body bytes":   "scim_" + escapeSome(body),
		"every byte escaped":   escapeAll(tok),
		"escaped twice":        "scim%255F" + body,
		"escaped twice, body":  "scim_" + strings.ReplaceAll(escapeSome(body), "%", "%25"),
		"hex escaped in turn":  "scim%25%35%46" + body,
	}
	type request struct {
		name, method, path string
		body               any
		hdr                []string
	}
	var tests []request
	for shape, enc := range shapes {
		tests = append(tests,
			request{shape + "/id", "GET", "/Users/" + enc, nil, nil},
			request{shape + "/longer path", "GET", "/Users/" + enc + "/x", nil, nil},
			request{shape + "/endpoint", "GET", "/" + enc, nil, nil},
			request{shape + "/query parameter", "GET", "/Users?access_token=" + enc, nil, nil},
			request{shape + "/filter", "GET", "/Users?filter=userName+eq+%22" + enc + "%22", nil, nil},
			request{shape + "/bad filter", "GET", "/Users?filter=userName+xx+%22" + enc + "%22", nil, nil},
			// A filter that parses, refused for its operand's type: the
			// refusal names the operand.
			request{shape + "/operand of the wrong type", "GET", "/Users?filter=active+eq+%22" + enc + "%22", nil, nil},
			request{shape + "/sortBy", "GET", "/Users?sortBy=" + enc, nil, nil},
			request{shape + "/attributes", "GET", "/Users?attributes=" + enc + ".x%5B", nil, nil},
			request{shape + "/search filter", "POST", "/Users/.search", map[string]any{"filter": "userName eq " + enc}, nil},
			request{shape + "/bulk path", "POST", "/Bulk", bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/" + enc,
				"data": patchBody(op("replace", "displayName", "A"))}), nil},
			request{shape + "/bulk path of a user", "POST", "/Bulk", bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/" + id + "/" + enc,
				"data": patchBody(op("replace", "displayName", "A"))}), nil},
			request{shape + "/PATCH path", "PATCH", "/Users/" + id, patchBody(op("replace", enc, "x")), nil},
			request{shape + "/X-Request-Id", "GET", "/Users", nil, []string{"X-Request-Id: " + enc}},
		)
	}
	slices.SortFunc(tests, func(a, b request) int { return strings.Compare(a.name, b.name) })
	// decoded is s percent-decoded until nothing changes: what a reader of
	// the log could recover.
	escape := regexp.MustCompile(`%[0-9A-Fa-f]{2}`)
	decoded := func(s string) string {
		for {
			d := escape.ReplaceAllStringFunc(s, func(x string) string {
				n, _ := strconv.ParseUint(x[1:], 16, 8)
				return string(rune(n))
			})
			if d == s {
				return s
			}
			s = d
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.logs.Reset()
			r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
			for where, text := range map[string]string{
				"X-Request-Id sent back": r.Header.Get("X-Request-Id"),
				"request line":           e.logs.String(),
				"request log":            lastEntry(t, ring),
				"details":                strings.Join(details(r.Body), "\n"),
			} {
				// Half the body is past guessing: no half of it may show.
				plain := decoded(text)
				assert.NotContains(t, plain, body[:len(body)/2], "%s: %s", where, text)
				assert.NotContains(t, plain, body[len(body)/2:], "%s: %s", where, text)
			}
		})
	}
}

// lastEntry returns the request log's newest entry of the default
// tenant, as JSON: every field a RequestLog keeps.
func lastEntry(t *testing.T, ring *admin.RequestRing) string {
	t.Helper()
	recent, err := ring.Recent(context.Background(), "", 1)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	data, err := json.Marshal(recent[0])
	require.NoError(t, err)
	return string(data)
}

// details returns the detail of an error body, and of each error a
// BulkResponse's operations hold.
func details(body map[string]any) []string {
	var out []string
	if d, ok := body["detail"].(string); ok {
		out = append(out, d)
	}
	ops, _ := body["Operations"].([]any)
	for _, op := range ops {
		if resp, ok := op.(map[string]any)["response"].(map[string]any); ok {
			out = append(out, details(resp)...)
		}
	}
	return out
}

// TestPasswordFilterValueNeverLogged: a value a filter compares with the
// password, which the handler refuses, reaches neither the request line
// nor the request log; its unquoted form was logged whole in the
// warning of the bend ("unquoted filter value ... taken as a string").
func TestPasswordFilterValueNeverLogged(t *testing.T) {
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	const secret = "Hunter2Secret"
	for _, tc := range []struct{ name, method, path, body string }{
		{"unquoted", "GET", "/Users?filter=password+eq+" + secret, ""},
		{"unquoted, core URN", "GET", "/Users?filter=urn:ietf:params:scim:schemas:core:2.0:User:password+eq+" + secret, ""},
		{"unquoted, in a search", "POST", "/Users/.search", `{"filter":"userName eq \"a\" or PASSWORD sw ` + secret + `"}`},
		{"quoted", "GET", "/Users?filter=password+eq+%22" + secret + "%22", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.logs.Reset()
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, tc.path, body)
			requireError(t, r, 400, "invalidFilter", `"password" cannot be used in a filter`)
			assert.NotContains(t, r.Raw, secret, "response")
			assert.NotContains(t, e.logs.String(), secret, "request line")
			data, err := json.Marshal(lastWarnings(t, ring))
			require.NoError(t, err)
			assert.NotContains(t, string(data), secret, "request log")
		})
	}
}

// TestPasswordNeverLogged: a password, or a value compared with the
// password, that a client sends anywhere (a filter, sortBy, attributes, a
// PATCH path or value key, a /Bulk operation, a query parameter, a body
// with the password mistyped or mis-cased, malformed JSON), with or
// without strict mode, reaches neither the response (its detail, a /Bulk
// operation's), nor the request log entry (path, detail, warnings), nor
// the log line. The rule (internal/clienttext.Secrets.Conceals): client text that
// names the password and is more than an attribute path is shown as
// clienttext.Concealed, and so is any part of it a message quotes.
func TestPasswordNeverLogged(t *testing.T) {
	const secret = "Hunter2Secret"
	const number = "73019284655"                    // a password sent as a number
	huge := "7301928465" + strings.Repeat("5", 400) // a number no float holds: its parse error quotes it
	type request = neverShown
	const core = "urn:ietf:params:scim:schemas:core:2.0:User:"
	q := func(filter string) string { return url.QueryEscape(filter) }
	users := func(extra map[string]any) map[string]any {
		b := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bob"}
		maps.Copy(b, extra)
		return b
	}
	tests := []request{
		// Filters: the query string is in the request log as sent.
		{name: "filter, quoted", method: "GET", path: "/Users?filter=" + q(`password eq "`+secret+`"`)},
		{name: "filter, unquoted", method: "GET", path: "/Users?filter=" + q(`password eq `+secret)},
		{name: "filter, unquoted, strict", method: "GET", path: "/Users?filter=" + q(`password eq `+secret), strict: true},
		{name: "filter, a password with a space", method: "GET", path: "/Users?filter=" + q(`password eq correct `+secret)},
		{name: "filter, a number out of range", method: "GET", path: "/Users?filter=" + q(`password eq `+huge), secret: huge[:40]},
		{name: "filter, upper case", method: "GET", path: "/Users?filter=" + q(`PASSWORD eq "`+secret+`"`)},
		{name: "filter, core URN", method: "GET", path: "/Users?filter=" + q(core+`password eq "`+secret+`"`)},
		{name: "filter, name percent-encoded", method: "GET", path: "/Users?filter=%70assword+eq+%22" + secret + "%22"},
		{name: "filter, value filter", method: "GET", path: "/Users?filter=" + q(`password[value eq "`+secret+`"]`)},
		{name: "filter, value filter, unquoted", method: "GET", path: "/Users?filter=" + q(`password[value eq `+secret+`]`)},
		{name: "filter, after another term", method: "GET", path: "/Users?filter=" + q(`userName eq "bob" or password eq `+secret)},
		{name: "filter given twice", method: "GET", path: "/Users?filter=" + q(`password eq "a"`) + "&filter=" + q(`password eq "`+secret+`"`)},
		{name: "search filter", method: "POST", path: "/Users/.search", body: map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `password eq correct ` + secret}},
		{name: "search filter, strict", method: "POST", path: "/Users/.search", strict: true, body: map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `password eq ` + secret}},
		{name: "sortBy", method: "GET", path: "/Users?sortBy=" + q(`password[value eq "`+secret+`"]`)},
		{name: "attributes", method: "GET", path: "/Users?attributes=" + q(`password[value eq "`+secret+`"]`)},
		{name: "excludedAttributes", method: "GET", path: "/Users?excludedAttributes=" + q(`password[value eq "`+secret+`"]`)},
		{name: "a query parameter named password", accepted: true, method: "GET", path: "/Users?password=" + secret},
		// X-Request-Id is logged, stored and sent back as a proxy gave it.
		{name: "X-Request-Id naming the password", accepted: true, method: "GET", path: "/Users", hdr: []string{"X-Request-Id: password=" + secret}},
		{name: "X-Request-Id naming the password, encoded", accepted: true, method: "GET", path: "/Users", hdr: []string{"X-Request-Id: req-%70assword%3D" + secret}},
		// PATCH paths and value keys.
		{name: "PATCH path filter", method: "PATCH", body: patchBody(op("remove", `password[value eq "`+secret+`"]`, nil))},
		{name: "PATCH path filter, unquoted", method: "PATCH", body: patchBody(op("remove", `PASSWORD[value eq `+secret+`]`, nil))},
		{name: "PATCH path filter, unquoted, strict", method: "PATCH", strict: true, body: patchBody(op("remove", `password[value eq `+secret+`]`, nil))},
		{name: "PATCH path filter, core URN", method: "PATCH", body: patchBody(op("remove", core+`password[value eq "`+secret+`"]`, nil))},
		{name: "PATCH path, a syntax error after the value", method: "PATCH", body: patchBody(op("remove", `password[value eq "x" `+secret+`]`, nil))},
		{name: "PATCH path, a comparison", method: "PATCH", body: patchBody(op("replace", `password eq `+secret, "x"))},
		{name: "PATCH value key", method: "PATCH", body: patchBody(op("replace", "", map[string]any{`password[value eq "` + secret + `"]`: "x"}))},
		// /Bulk: its operations' paths and data.
		{name: "bulk PATCH path filter", method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/{id}",
			"data": patchBody(op("remove", `password[value eq `+secret+`]`, nil))})},
		{name: "bulk path with a filter", method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH",
			"path": "/Users?filter=" + q(`password eq "`+secret+`"`), "data": patchBody(op("replace", "displayName", "A"))})},
		{name: "bulk path, plain", method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH",
			"path": `/Users/{id}/password eq "` + secret + `"`, "data": patchBody(op("replace", "displayName", "A"))})},
		{name: "bulk POST, password a number", method: "POST", path: "/Bulk", secret: number, body: bulkBody(0, map[string]any{"method": "POST", "bulkId": "1",
			"path": "/Users", "data": users(map[string]any{"password": json.Number(number)})})},
		// Bodies: the password's value is never shown.
		{name: "POST, password a number", method: "POST", path: "/Users", secret: number, body: users(map[string]any{"password": json.Number(number)})},
		{name: "POST, password a list", method: "POST", path: "/Users", body: users(map[string]any{"password": []string{secret}})},
		{name: "POST, PASSWORD an object", method: "POST", path: "/Users", body: users(map[string]any{"PASSWORD": map[string]any{secret: secret}})},
		{name: "POST, URN-qualified password a number", method: "POST", path: "/Users", secret: number, body: users(map[string]any{core + "password": json.Number(number)})},
		{name: "POST, password in the enterprise extension", accepted: true, method: "POST", path: "/Users", body: users(map[string]any{
			"userName": "carol", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"password": secret}})},
		{name: "POST, password in the enterprise extension, strict", method: "POST", path: "/Users", strict: true, body: users(map[string]any{
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"password": secret}})},
		{name: "PUT, password a boolean", method: "PUT", body: users(map[string]any{"password": true}), secret: "true"},
		{name: "PATCH, password a number", method: "PATCH", secret: number, body: patchBody(op("replace", "password", json.Number(number)))},
		{name: "malformed JSON, unterminated", method: "POST", path: "/Users", body: `{"userName":"bob","password":"` + secret},
		{name: "malformed JSON, unquoted", method: "POST", path: "/Users", body: `{"userName":"bob","password":` + secret + `}`},
		{name: "malformed JSON, bad escape", method: "POST", path: "/Users", body: `{"userName":"bob","password":"` + secret + `\q"}`},
	}
	runNeverShown(t, tests, secret)
}

// TestSecretAttributeNeverLogged: a host extension's attributes that are
// returned "never" (a pin, a complex recovery's code) are secrets as the
// password is (RFC 7643 §2.4), so a value compared with them, or sent
// for them, reaches neither the response (its detail, a /Bulk
// operation's), nor the request log entry (path, detail, warnings), nor
// the log line, nor X-Request-Id, in normal and strict mode (whether the
// request is answered with a warning, or refused): the filter
// pin eq "…" was kept whole in the request log's query and its detail, a
// PATCH path naming it was quoted whole. A name alone is shown, and so is
// an attribute whose name only holds a secret's ("spinner").
func TestSecretAttributeNeverLogged(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	const secret = "Hunter2Secret"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "spinner", Type: resources.TypeString},
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	q := url.QueryEscape
	type request = neverShown
	users := func(ext map[string]any) map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User", urn}, "userName": "bob", urn: ext}
	}
	var tests []request
	for _, name := range []string{urn + ":pin", "PIN", urn + ":recovery.code"} {
		tests = append(tests,
			request{name: name + "/filter, quoted", method: "GET", path: "/Users?filter=" + q(name+` eq "`+secret+`"`)},
			request{name: name + "/filter, unquoted", method: "GET", path: "/Users?filter=" + q(name+` eq `+secret)},
			request{name: name + "/filter, unquoted, strict", method: "GET", path: "/Users?filter=" + q(name+` eq `+secret), strict: true},
			request{name: name + "/filter, a value with a space", method: "GET", path: "/Users?filter=" + q(name+` eq correct `+secret)},
			request{name: name + "/filter, after another term", method: "GET", path: "/Users?filter=" + q(`userName eq "bob" or `+name+` eq `+secret)},
			request{name: name + "/filter, value filter", method: "GET", path: "/Users?filter=" + q(name+`[value eq "`+secret+`"]`)},
			request{name: name + "/search filter", method: "POST", path: "/Users/.search", body: map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": name + ` eq correct ` + secret}},
			request{name: name + "/search filter, strict", method: "POST", path: "/Users/.search", strict: true, body: map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": name + ` eq ` + secret}},
			request{name: name + "/sortBy", method: "GET", path: "/Users?sortBy=" + q(name+`[value eq "`+secret+`"]`)},
			request{name: name + "/attributes", method: "GET", path: "/Users?attributes=" + q(name+`[value eq "`+secret+`"]`)},
			request{name: name + "/excludedAttributes", method: "GET", path: "/Users?excludedAttributes=" + q(name+`[value eq "`+secret+`"]`)},
			request{name: name + "/PATCH path filter", method: "PATCH", body: patchBody(op("remove", name+`[value eq "`+secret+`"]`, nil))},
			request{name: name + "/PATCH path filter, unquoted, strict", method: "PATCH", strict: true, body: patchBody(op("remove", name+`[value eq `+secret+`]`, nil))},
			request{name: name + "/PATCH path, a comparison", method: "PATCH", body: patchBody(op("replace", name+` eq `+secret, "x"))},
			request{name: name + "/PATCH value key", method: "PATCH", body: patchBody(op("replace", "", map[string]any{name + `[value eq "` + secret + `"]`: "x"}))},
			request{name: name + "/PATCH value key, strict", method: "PATCH", strict: true, body: patchBody(op("replace", "", map[string]any{name + `[value eq "` + secret + `"]`: "x"}))},
			request{name: name + "/POST key, strict", method: "POST", path: "/Users", strict: true, body: users(map[string]any{name + `[value eq "` + secret + `"]`: "x"})},
			request{name: name + "/PATCH operation member", method: "PATCH", body: patchBody(opWith(op("replace", "displayName", "A"), name+`[value eq "`+secret+`"]`, 1))},
			request{name: name + "/PATCH operation member, strict", method: "PATCH", strict: true, body: patchBody(opWith(op("replace", "displayName", "A"), name+`[value eq "`+secret+`"]`, 1))},
			request{name: name + "/bulk path with a filter", method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH",
				"path": "/Users?filter=" + q(name+` eq "`+secret+`"`), "data": patchBody(op("replace", "displayName", "A"))})},
			request{name: name + "/bulk PATCH path filter", method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH", "path": "/Users/{id}",
				"data": patchBody(op("remove", name+`[value eq `+secret+`]`, nil))})},
		)
	}
	tests = append(tests,
		request{name: "filter, name percent-encoded", method: "GET", path: "/Users?filter=" + q(urn+":") + "%70in+eq+%22" + secret + "%22"},
		request{name: "a query parameter named pin", method: "GET", path: "/Users?pin=" + secret},
		request{name: "X-Request-Id naming the pin", method: "GET", path: "/Users", hdr: []string{"X-Request-Id: pin=" + secret}},
		request{name: "POST, pin a list", method: "POST", path: "/Users", body: users(map[string]any{"pin": []string{secret}})},
		request{name: "POST, recovery.code an object", method: "POST", path: "/Users", body: users(map[string]any{"recovery": map[string]any{"code": map[string]any{secret: secret}}})},
		request{name: "malformed JSON, unquoted", method: "POST", path: "/Users", body: `{"userName":"bob","` + urn + `":{"pin":` + secret + `}}`},
	)
	for i, tt := range tests {
		// Answered with a warning, or refused: either way nothing shows.
		// An unqualified PIN is no attribute, which a bulk operation
		// ignores.
		tests[i].accepted = !tt.strict && (tt.path != "/Bulk" || strings.HasPrefix(tt.name, "PIN/"))
	}
	db := memory.New(memory.WithModel(model))
	runNeverShown(t, tests, secret, func(c *scim.Config) { c.Users, c.Groups = db, db })
	ring := admin.NewRequestRing(100)
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = db, db, ring })
	t.Run("a name alone, or one holding a secret's, is shown", func(t *testing.T) {
		for _, filter := range []string{urn + `:spinner eq "` + secret + `"`, `userName eq "pin` + secret + `"`} {
			r := e.do("GET", "/Users?filter="+q(filter)+"&count=x", nil)
			requireError(t, r, 400, "invalidValue", "count")
			assert.Contains(t, lastEntry(t, ring), secret, "the request log keeps %s", filter)
		}
		r := e.do("GET", "/Users?sortBy="+q(urn+":pin"), nil)
		requireError(t, r, 400, "invalidValue", urn+`:pin"`)
	})
}

// opWith is the operation o with the member key set to v.
func opWith(o map[string]any, key string, v any) map[string]any {
	o[key] = v
	return o
}

// sendAbout sends a request of TestPasswordNeverLogged's kind on e, its
// log emptied first: a /Bulk body's "{id}" is the user id.
func sendAbout(t *testing.T, e *env, method, path string, body any, id string, hdr []string) *resp {
	t.Helper()
	if b, ok := body.(map[string]any); ok && path == "/Bulk" {
		data, err := json.Marshal(b)
		require.NoError(t, err)
		body = strings.ReplaceAll(string(data), "{id}", id)
	}
	e.logs.Reset()
	return e.do(method, path, body, hdr...)
}

// assertNotShown asserts that secret is in none of the places a request r
// may show client text: the response, the request log's newest entry,
// the log line and X-Request-Id.
func assertNotShown(t *testing.T, e *env, ring *admin.RequestRing, r *resp, secret string) {
	t.Helper()
	for where, text := range map[string]string{
		"response":     r.Raw,
		"request log":  lastEntry(t, ring),
		"log line":     e.logs.String(),
		"X-Request-Id": r.Header.Get("X-Request-Id"),
	} {
		assert.NotContains(t, text, secret, "%s: %s", where, text)
	}
}

// neverShown is a request TestPasswordNeverLogged and
// TestSecretAttributeNeverLogged send: its secret must show nowhere.
type neverShown struct {
	name, method, path string // path "/Users/{id}" when ""
	body               any    // a /Bulk body's "{id}" is the user's id
	strict             bool   // sent in strict mode
	accepted           bool   // may be answered < 400 (with a warning, say), a /Bulk operation may succeed
	secret             string // the test's secret when ""
	hdr                []string
}

// runNeverShown sends each of tests to a handler made with opts and a
// request log, in normal or strict mode as it says, about a user it
// creates, and asserts that its secret (secret, unless it names its own)
// shows nowhere a request's client text may (assertNotShown).
func runNeverShown(t *testing.T, tests []neverShown, secret string, opts ...option) {
	for _, strict := range []bool{false, true} {
		ring := admin.NewRequestRing(100)
		e := newEnv(t, append(opts, func(c *scim.Config) { c.RequestLog, c.Strict = ring, strict })...)
		id := e.createUser("alice-" + strconv.FormatBool(strict))["id"].(string)
		for _, tt := range tests {
			if tt.strict != strict {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				path := cmp.Or(tt.path, "/Users/"+id)
				r := sendAbout(t, e, tt.method, path, tt.body, id, tt.hdr)
				switch {
				case tt.accepted:
				case path == "/Bulk":
					require.NotEmpty(t, details(r.Body), "the operation fails: %s", r.Raw)
				default:
					require.GreaterOrEqual(t, r.Code, 400, r.Raw)
				}
				assertNotShown(t, e, ring, r, cmp.Or(tt.secret, secret))
			})
		}
	}
}

// TestSecretNotFiltered: a filter may not compare an attribute returned
// "never" (RFC 7643 §2.4), or a client could test guesses against a
// secret it can never read: the password and a host's pin were refused,
// but a returned-never sub-attribute (recovery.code) was evaluated, and
// totalResults told whether a guess was right.
func TestSecretNotFiltered(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
			{Name: "hint", Type: resources.TypeString}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	db := memory.New(memory.WithModel(model))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })
	e.createUser("bob", map[string]any{"schemas": []any{resources.UserSchema, urn},
		urn: map[string]any{"pin": "1234", "recovery": map[string]any{"code": "5678", "hint": "h"}}})
	for _, tc := range []struct{ filter, name string }{
		{urn + `:pin eq "1234"`, "pin"},
		{`password eq "x"`, "password"},
		{urn + `:recovery.code eq "5678"`, "recovery.code"},
		{urn + `:recovery.code sw "5"`, "recovery.code"},
		{urn + `:recovery.code pr`, "recovery.code"},
		{urn + `:recovery[code eq "5678"]`, "recovery.code"},
		{`userName eq "bob" and ` + urn + `:recovery[hint eq "h" or code eq "5678"]`, "recovery.code"},
		{`(` + urn + `:recovery.code eq "5678" or userName eq "x") and not (userName eq "y")`, "recovery.code"},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			r := e.do("GET", "/Users?filter="+url.QueryEscape(tc.filter), nil)
			requireError(t, r, 400, "invalidFilter", `"`+tc.name+`" cannot be used in a filter`)
			r = e.do("POST", "/Users/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": tc.filter})
			requireError(t, r, 400, "invalidFilter", `"`+tc.name+`" cannot be used in a filter`)
		})
	}
	r := e.do("GET", "/Users?filter="+url.QueryEscape(urn+`:recovery.hint eq "h"`), nil)
	require.Equal(t, 200, r.Code, r.Raw)
	assert.EqualValues(t, 1, r.Body["totalResults"], "a sub-attribute returned by default is filtered")
}

// TestSecretsAreTheModels: the secrets a handler conceals are its model's,
// not those of every model the process built. Of two handlers side by
// side, one whose model makes a "pin" returned "never" and one whose
// model has an ordinary "pin", the first conceals the value a filter
// compares the pin with in its request log (path and warnings) and its
// error details, and the second shows it, whichever model was built
// first: a set of names kept for the whole process concealed it in both.
func TestSecretsAreTheModels(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	const value = "Hunter2Pin" // no timestamp or id holds it (a run of digits may be in a time)
	model := func(t *testing.T, returned string) *resources.Model {
		ext, err := resources.NewSchema(urn, "Vault", "", &resources.Attribute{Name: "pin", Type: resources.TypeString, Returned: returned})
		require.NoError(t, err)
		m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
		require.NoError(t, err)
		return m
	}
	for _, secretFirst := range []bool{true, false} {
		t.Run("secret model built first: "+strconv.FormatBool(secretFirst), func(t *testing.T) {
			var secret, plain *resources.Model
			if secretFirst {
				secret, plain = model(t, resources.ReturnedNever), model(t, resources.ReturnedDefault)
			} else {
				plain, secret = model(t, resources.ReturnedDefault), model(t, resources.ReturnedNever)
			}
			for _, tc := range []struct {
				name  string
				model *resources.Model
				shown bool
			}{{"returned never", secret, false}, {"ordinary", plain, true}} {
				for _, strict := range []bool{false, true} {
					ring := admin.NewRequestRing(10)
					db := memory.New(memory.WithModel(tc.model))
					e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog, c.Strict = db, db, ring, strict })
					shown := assert.NotContains
					if tc.shown {
						shown = assert.Contains
					}
					for _, filter := range []string{urn + `:pin eq "` + value + `"`, urn + `:pin eq ` + value} {
						name := fmt.Sprintf("%s, strict %v: %s", tc.name, strict, filter)
						r := e.do("GET", "/Users?filter="+url.QueryEscape(filter), nil)
						shown(t, lastEntry(t, ring), value, "request log of %s", name)
						if strict && !strings.Contains(filter, `"`) {
							// Refused for its unquoted value, the message quoting it.
							require.Equal(t, 400, r.Code, r.Raw)
							shown(t, strings.Join(details(r.Body), "\n"), value, "details of %s", name)
						}
					}
				}
			}
		})
	}
}

// TestSecretNamedInClientText: client text that names one of the model's
// secrets (a host's pin, a recovery.code) and holds a value beside it is
// concealed in every message that quotes it, not only when it names the
// password: a member name given twice in a body (a user's, a PATCH's
// envelope or operation, a search's, a /Bulk's), a duplicate or second
// primary value of a multi-valued attribute, a member id that names no
// user, a userName already taken, a filter operand of the wrong type, a
// value of the wrong type. And a multi-valued attribute returned "never"
// (codes) has its values shown in no warning: they are the secret.
func TestSecretNamedInClientText(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	const secret = "Hunter2Secret"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "pin", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever}}},
		&resources.Attribute{Name: "codes", Type: resources.TypeComplex, MultiValued: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever,
			SubAttributes: []*resources.Attribute{
				{Name: "value", Type: resources.TypeString},
				{Name: "primary", Type: resources.TypeBoolean}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	const core = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`
	user := func(extra map[string]any) map[string]any {
		b := map[string]any{"schemas": []string{resources.UserSchema, urn}, "userName": "bob"}
		maps.Copy(b, extra)
		return b
	}
	twice := func(key string) string { // a JSON member given twice
		k, err := json.Marshal(key)
		require.NoError(t, err)
		return string(k) + `:1,` + string(k) + `:2`
	}
	var tests []neverShown
	for _, name := range []string{urn + ":pin", "PIN", urn + ":recovery.code"} {
		text := name + ` eq ` + secret // client text naming a secret, with a value
		tests = append(tests,
			neverShown{name: name + "/POST member given twice", method: "POST", path: "/Users", body: `{` + core + `,"userName":"bob",` + twice(text) + `}`},
			neverShown{name: name + "/PATCH envelope member given twice", method: "PATCH",
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"A"}],` + twice(text) + `}`},
			neverShown{name: name + "/PATCH operation member given twice", method: "PATCH",
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"A",` + twice(text) + `}]}`},
			neverShown{name: name + "/search member given twice", method: "POST", path: "/Users/.search", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],` + twice(text) + `}`},
			neverShown{name: name + "/bulk member given twice", method: "POST", path: "/Bulk", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[],` + twice(text) + `}`},
			neverShown{name: name + "/bulk operation member given twice", method: "POST", path: "/Bulk",
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/x",` + twice(text) + `}]}`},
			// Answered 201 with the user, which holds the values: its
			// attributes are left out of the answer.
			neverShown{name: name + "/POST duplicate value", accepted: true, method: "POST", path: "/Users?attributes=id",
				body: user(map[string]any{"userName": "dup " + name, "emails": []any{map[string]any{"value": text}, map[string]any{"value": text}}})},
			neverShown{name: name + "/POST second primary", accepted: true, method: "POST", path: "/Users?attributes=id",
				body: user(map[string]any{"userName": "prim " + name, "emails": []any{map[string]any{"value": "a@x", "primary": true}, map[string]any{"value": text, "primary": true}}})},
			neverShown{name: name + "/PATCH duplicate value", accepted: true, method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH",
				"path": "/Users/{id}", "data": patchBody(op("add", "emails", []any{map[string]any{"value": text}, map[string]any{"value": text}}))})},
			neverShown{name: name + "/group member naming no user", accepted: true, method: "POST", path: "/Groups",
				body: map[string]any{"schemas": []string{resources.GroupSchema}, "displayName": "g " + name, "members": []any{map[string]any{"value": text}}}},
			neverShown{name: name + "/userName taken", method: "POST", path: "/Bulk", body: bulkBody(0,
				map[string]any{"method": "POST", "bulkId": "a", "path": "/Users", "data": user(map[string]any{"userName": text})},
				map[string]any{"method": "POST", "bulkId": "b", "path": "/Users", "data": user(map[string]any{"userName": text})})},
			neverShown{name: name + "/filter operand of the wrong type", method: "GET", path: "/Users?filter=" + url.QueryEscape(`active eq "`+text+`"`)},
			neverShown{name: name + "/search filter operand of the wrong type", method: "POST", path: "/Users/.search",
				body: map[string]any{"filter": `active eq "` + text + `"`}},
			neverShown{name: name + "/value of the wrong type", method: "POST", path: "/Users", body: user(map[string]any{"userName": "wrong " + name, "active": text})},
			neverShown{name: name + "/PATCH value of the wrong type", method: "PATCH", body: patchBody(op("replace", "", text))},
		)
	}
	for _, strict := range []bool{false, true} {
		tests = append(tests,
			neverShown{name: "codes/duplicate value", strict: strict, accepted: !strict, method: "POST", path: "/Users?attributes=id",
				body: user(map[string]any{"userName": "codes " + strconv.FormatBool(strict), urn: map[string]any{"codes": []any{map[string]any{"value": secret}, map[string]any{"value": secret}}}})},
			neverShown{name: "codes/second primary", strict: strict, accepted: !strict, method: "POST", path: "/Users?attributes=id",
				body: user(map[string]any{"userName": "codes2 " + strconv.FormatBool(strict), urn: map[string]any{"codes": []any{map[string]any{"value": "a", "primary": true}, map[string]any{"value": secret, "primary": true}}}})},
			neverShown{name: "codes/PATCH duplicate value", strict: strict, accepted: !strict, method: "POST", path: "/Bulk", body: bulkBody(0, map[string]any{"method": "PATCH",
				"path": "/Users/{id}", "data": patchBody(op("add", urn+":codes", []any{map[string]any{"value": secret}, map[string]any{"value": secret}}))})},
		)
	}
	db := memory.New(memory.WithModel(model))
	runNeverShown(t, tests, secret, func(c *scim.Config) { c.Users, c.Groups = db, db })
	t.Run("Content-Type headers that differ", func(t *testing.T) {
		ring := admin.NewRequestRing(10)
		e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.RequestLog = db, db, ring })
		req := httptest.NewRequest("POST", "http://app.example.com/Users", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Add("Content-Type", "application/scim+json")
		req.Header.Add("Content-Type", urn+":pin eq "+secret)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnsupportedMediaType, rec.Code, rec.Body.String())
		assert.NotContains(t, rec.Body.String(), secret, "response")
		assert.NotContains(t, lastEntry(t, ring), secret, "request log")
	})
}

// TestSecretNotInPatchPathFilter: a PATCH path whose value filter
// compares a returned-never sub-attribute of a multi-valued attribute
// (recovery[code eq "…"].label), or a value of a returned-never
// multi-valued attribute (codes[value eq "…"]), is refused with 400
// invalidFilter for every op, before any value is compared, as the same
// filter in a list is (TestSecretNotFiltered): the engine selected the
// element the guess matched, and a right guess was told from a wrong one
// by 200 against 400 noTarget (or by what a remove left). A filter on a
// returned sub-attribute beside it still selects.
func TestSecretNotInPatchPathFilter(t *testing.T) {
	const urn = "urn:example:params:scim:schemas:extension:vault:2.0:User"
	ext, err := resources.NewSchema(urn, "Vault", "",
		&resources.Attribute{Name: "recovery", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "code", Type: resources.TypeString, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever},
			{Name: "label", Type: resources.TypeString}}},
		&resources.Attribute{Name: "codes", Type: resources.TypeComplex, MultiValued: true, Mutability: resources.WriteOnly, Returned: resources.ReturnedNever,
			SubAttributes: []*resources.Attribute{{Name: "value", Type: resources.TypeString}}})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	for storeName, open := range modelStores(model) {
		t.Run(storeName, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = users, groups })
			id := e.createUser("bob", map[string]any{"schemas": []any{resources.UserSchema, urn}, urn: map[string]any{
				"recovery": []any{map[string]any{"code": "1234", "label": "phone"}},
				"codes":    []any{map[string]any{"value": "5678"}}}})["id"].(string)
			for _, path := range []string{
				urn + `:recovery[code eq "1234"].label`, // the right guess
				urn + `:recovery[code eq "0000"].label`, // a wrong one
				urn + `:recovery[label eq "phone" and code sw "1"]`,
				urn + `:recovery[code pr]`,
				urn + `:codes[value eq "5678"]`,
				urn + `:codes[value eq "0000"].value`,
			} {
				for _, o := range []string{"add", "replace", "remove"} {
					t.Run(o+" "+path, func(t *testing.T) {
						var value any // a label, or an element's sub-attributes
						switch {
						case o == "remove":
						case strings.HasSuffix(path, "]"):
							value = map[string]any{"label": "x"}
						default:
							value = "x"
						}
						r := e.do("PATCH", "/Users/"+id, patchBody(op(o, path, value)))
						requireError(t, r, 400, "invalidFilter", "cannot be used in a filter")
						assert.Contains(t, r.str("detail"), "never returned", r.Raw)
					})
				}
			}
			r := e.do("PATCH", "/Users/"+id, patchBody(op("replace", urn+`:recovery[label eq "phone"].label`, "desk")))
			require.Equal(t, 200, r.Code, "a returned sub-attribute still selects: %s", r.Raw)
		})
	}
}

// quotingStore fails as a host's store over a database may, its errors
// and panics quoting what the client sent (PostgreSQL's "invalid input
// syntax for type uuid" names the value). Over memory's users, it says
// nothing of its ids' length (no store.IDLimiter), as such a store may
// not: every id reaches it.
type quotingStore struct{ store.UserStore }

func (quotingStore) GetUser(_ context.Context, id string, _ store.GetOptions) (*resources.User, error) {
	return nil, fmt.Errorf(`ERROR: invalid input syntax for type uuid: %q (SQLSTATE 22P02)`, id)
}

// CreateUser refuses every user as taken, quoting its userName after
// store.ErrConflict, as the sentinel's doc invites a store to name the
// attribute.
func (quotingStore) CreateUser(_ context.Context, u *resources.User) (*resources.User, error) {
	return nil, fmt.Errorf("%w: userName %q is already taken", store.ErrConflict, u.UserName)
}

func (quotingStore) DeleteUser(_ context.Context, id, _ string) error {
	return fmt.Errorf("%w: deleting %s", store.ErrUnavailable, id)
}

func (quotingStore) ListUsers(_ context.Context, q store.Query) (store.Page[*resources.User], error) {
	panic(fmt.Sprintf("cannot list %v", q.Filter))
}

// TestStoreErrorTextRedacted: a store error or panic that quotes a token
// the client sent where a token does not belong (an id, a filter) is
// logged with the token redacted, as the path beside it is, and answered
// with the request id alone.
func TestStoreErrorTextRedacted(t *testing.T) {
	e := newEnv(t, func(c *scim.Config) { c.Users = quotingStore{memory.New()} })
	secret := strings.TrimPrefix(e.token, "scim_")
	for _, tt := range []struct {
		name, method, path string
		status             int
		logged             string
	}{
		{"internal error", "GET", "/Users/" + e.token, 500, "invalid input syntax"},
		{"unavailable", "DELETE", "/Users/" + e.token, 503, "deleting"},
		{"panic", "GET", "/Users?filter=" + url.QueryEscape(`userName eq "`+e.token+`"`), 500, "cannot list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.logs.Reset()
			r := e.do(tt.method, tt.path, nil)
			require.Equal(t, tt.status, r.Code, r.Raw)
			assert.NotContains(t, r.Raw, secret)
			assert.NotContains(t, r.Raw, tt.logged, "the store's text stays in the log")
			assert.Contains(t, r.str("detail"), "(request "+r.Header.Get("X-Request-Id")+")")
			assert.Contains(t, e.logs.String(), tt.logged)
			assert.NotContains(t, e.logs.String(), secret)
		})
	}
}
