package scim_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
)

// TestReferenceValues: RFC 7643 §2.3.7 makes a reference's value "the
// absolute or relative URI of the target resource", and §7's "external"
// an external resource, which a relative reference (resolved against the
// SCIM base URL) cannot name. A value that is neither is kept as sent
// with a warning in the log line and the request log, and refused in
// strict mode with 400 invalidValue naming the attribute, changing
// nothing; on POST, PUT, PATCH (with and without a path) and bulk alike.
// What providers send from a directory (an empty string, a URL, a URN
// for "uri") passes without a warning.
func TestReferenceValues(t *testing.T) {
	ring := admin.NewRequestRing(20)
	e := newEnv(t, func(c *scim.Config) { c.RequestLog = ring })
	strict := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.Strict = e.db, e.db, true })
	uid := e.createUser("refs")["id"].(string)
	user := func(extra map[string]any) map[string]any {
		m := map[string]any{"schemas": []any{resources.UserSchema}, "userName": "refs"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	const notURL = "kept reference profileUrl \"not a url\" as sent: it has a space at byte 4, which no URI holds (RFC 3986 §2: percent-encode it as %20)"
	const relative = "kept reference photos.value \"www.example.com/me.jpg\" as sent: it is a relative reference, and an external resource (referenceTypes \"external\", RFC 7643 §7) is named by an absolute URL such as \"https://example.com/photo.jpg\""
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		code               int
		warnings           []string
		attr               string // how a strict refusal's detail names the attribute
	}{
		{"POST a profileUrl that is no URI", "POST", "/Users", map[string]any{"schemas": []any{resources.UserSchema}, "userName": "post", "profileUrl": "not a url"}, 201,
			[]string{notURL}, `attribute "profileUrl"`},
		{"PUT a profileUrl that is no URI", "PUT", "/Users/" + uid, user(map[string]any{"profileUrl": "not a url"}), 200, []string{notURL}, `attribute "profileUrl"`},
		{"PUT a photo without a scheme", "PUT", "/Users/" + uid, user(map[string]any{"photos": []any{map[string]any{"value": "www.example.com/me.jpg", "type": "photo"}}}), 200,
			[]string{relative}, `attribute "photos.value"`},
		{"PATCH profileUrl", "PATCH", "/Users/" + uid, patchBody(op("replace", "profileUrl", "not a url")), 200, []string{"Operations[0]: " + notURL}, `attribute "profileUrl"`},
		{"PATCH without a path", "PATCH", "/Users/" + uid, patchBody(op("replace", "", map[string]any{"profileUrl": "not a url"})), 200, []string{"Operations[0]: " + notURL}, `attribute "profileUrl"`},
		{"PATCH a filtered photo", "PATCH", "/Users/" + uid, patchBody(op("add", `photos[type eq "photo"].value`, "www.example.com/me.jpg")), 200,
			[]string{"Operations[0]: " + strings.Replace(relative, "photos.value", `photos[type eq "photo"].value`, 1)}, `attribute "photos[type eq \"photo\"].value"`},
		{"PATCH a bad percent-escape", "PATCH", "/Users/" + uid, patchBody(op("replace", "profileUrl", "https://example.com/100%")), 200,
			[]string{`Operations[0]: kept reference profileUrl "https://example.com/100%" as sent: it has a '%' at byte 24 not followed by two hex digits (RFC 3986 §2.1: write a literal % as %25)`}, `attribute "profileUrl"`},
		{"bulk POST", "POST", "/Bulk", map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": []any{map[string]any{
			"method": "POST", "path": "/Users", "bulkId": "b", "data": map[string]any{"schemas": []any{resources.UserSchema}, "userName": "bulk", "profileUrl": "not a url"}}}}, 200,
			[]string{`Operations[0] (bulkId "b"): ` + notURL}, ""},
		{"an empty profileUrl", "PUT", "/Users/" + uid, user(map[string]any{"profileUrl": ""}), 200, nil, ""},
		{"absolute URLs", "PUT", "/Users/" + uid, user(map[string]any{"profileUrl": "https://example.com/~bjensen?tab=1#top",
			"photos": []any{map[string]any{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}, map[string]any{"value": "data:image/png;base64,iVBORw0KGgo=", "type": "thumbnail"}}}), 200, nil, ""},
		{"members' $ref, relative and absolute", "POST", "/Groups", map[string]any{"schemas": []any{resources.GroupSchema}, "displayName": "refs team",
			"members": []any{map[string]any{"value": uid, "$ref": "Users/" + uid}}}, 201, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := [2]string{e.do("GET", "/Users", nil).Raw, e.do("GET", "/Groups", nil).Raw}
			r := strict.do(tc.method, tc.path, tc.body)
			switch {
			case tc.warnings != nil && tc.attr == "":
				// A bulk answers each operation: the operation is refused.
				require.Equal(t, tc.code, r.Code, r.Raw)
				ops := r.Body["Operations"].([]any)
				assert.Equal(t, "400", ops[0].(map[string]any)["status"])
				assert.Contains(t, ops[0].(map[string]any)["response"].(map[string]any)["detail"], "profileUrl")
			case tc.warnings != nil:
				requireError(t, r, 400, "invalidValue", tc.attr)
				assert.Contains(t, r.str("detail"), "strict mode")
			default:
				require.Equal(t, tc.code, r.Code, r.Raw)
			}
			if tc.warnings != nil {
				assert.Equal(t, before, [2]string{e.do("GET", "/Users", nil).Raw, e.do("GET", "/Groups", nil).Raw}, "a refused request changes nothing")
			}
			if r.Code == 201 { // strict mode created it: delete it to create it again
				require.Equal(t, 204, e.do("DELETE", r.Body["meta"].(map[string]any)["location"].(string)[len(base):], nil).Code)
			}

			r = e.do(tc.method, tc.path, tc.body)
			require.Equal(t, tc.code, r.Code, r.Raw)
			recent, err := ring.Recent(context.Background(), "", 1)
			require.NoError(t, err)
			assert.Equal(t, tc.warnings, recent[0].Warnings)
			for _, w := range tc.warnings {
				esc, err := json.Marshal(w)
				require.NoError(t, err)
				assert.Contains(t, e.logs.String(), string(esc[1:len(esc)-1]), "the log line carries the warning")
			}
		})
	}

	t.Run("a GET's value goes back in a PUT", func(t *testing.T) {
		r := e.do("PATCH", "/Users/"+uid, patchBody(op("replace", "profileUrl", "not a url")))
		require.Equal(t, 200, r.Code, r.Raw)
		got := e.do("GET", "/Users/"+uid, nil)
		require.Equal(t, 200, got.Code, got.Raw)
		assert.Equal(t, "not a url", got.Body["profileUrl"], "kept as sent")
		again := strict.do("GET", "/Users/"+uid, nil)
		require.Equal(t, 200, again.Code, "strict mode reads what is stored")
		r = e.do("PUT", "/Users/"+uid, got.Body)
		require.Equal(t, 200, r.Code, r.Raw)
		assert.Equal(t, "not a url", r.Body["profileUrl"])
	})
}
