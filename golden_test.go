package scim_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*.golden from the handler's responses")

// TestReadResponsesGolden holds the bytes of read responses (GET of a
// user and of a group, lists (a userName or displayName lookup that finds
// one, none, or is paged past, with attributes or excludedAttributes, and
// a query across types), projections, a 304) to the ones in
// testdata/read_responses.golden, which the handler gave before the read
// path was made cheaper: status, ETag, Content-Type and body, byte for
// byte. The users carry what the encoder must escape (HTML characters,
// quotes, control bytes, U+2028), multi-byte text, every multi-valued
// attribute with primary true and false, the enterprise extension with a
// manager and attributes of its own, a host extension and a group
// membership. Ids, which are random, are replaced by names.
func TestReadResponsesGolden(t *testing.T) {
	ext, err := resources.NewSchema("urn:example:acme:2.0:User", "AcmeUser", "",
		&resources.Attribute{Name: "devices", Type: resources.TypeComplex, MultiValued: true, SubAttributes: []*resources.Attribute{
			{Name: "value", Type: resources.TypeString}, {Name: "label", Type: resources.TypeString}}},
		&resources.Attribute{Name: "level", Type: resources.TypeInteger})
	require.NoError(t, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(t, err)
	at := time.Date(2026, 11, 29, 12, 30, 45, 123456789, time.UTC)
	db := memory.New(memory.WithModel(model), memory.WithNow(func() time.Time { return at }))
	e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups = db, db })

	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	boss := e.createUser("boss@example.com", map[string]any{"displayName": "Boss <Ω>"})
	rich := e.createUser("rich@example.com", map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent, ext.ID},
		"externalId":  "ext-\"1\"",
		"displayName": "Ådne \"Ø\" <b>&amp;</b> \u2028 tab\there 😀",
		"nickName":    "back\\slash",
		"title":       "T\u0001itle",
		"locale":      "nb-NO",
		"name": map[string]any{"givenName": "Ådne", "familyName": "Øst", "formatted": "Ådne Øst",
			"honorificPrefix": "Dr.", "middleName": "日本"},
		"emails": []any{
			map[string]any{"value": "rich@example.com", "type": "work", "primary": true},
			map[string]any{"value": "home@example.com", "type": "home", "primary": false, "display": "<home>"},
		},
		"phoneNumbers": []any{map[string]any{"value": "+47 123", "type": "mobile"}},
		"ims":          []any{map[string]any{"value": "rich", "type": "xmpp"}},
		"photos":       []any{map[string]any{"value": "https://example.com/p.jpg?a=1&b=2", "type": "photo"}},
		"addresses": []any{map[string]any{"streetAddress": "Gate 1\nLeil. 2", "locality": "Oslo", "country": "NO",
			"type": "work", "primary": true}},
		"entitlements":     []any{map[string]any{"value": "e1"}},
		"roles":            []any{map[string]any{"value": "admin", "primary": false}},
		"x509Certificates": []any{map[string]any{"value": "MIIB"}},
		ent: map[string]any{"department": "R&D", "employeeNumber": "42", "costCenter": "cc",
			"manager": map[string]any{"value": boss["id"]}},
		ext.ID: map[string]any{"devices": []any{map[string]any{"value": "d1", "label": "<phone>"}}, "level": 3},
	})
	plain := e.createUser("plain@example.com")
	group := e.createGroup("Team \"A\" <&>", rich["id"].(string), plain["id"].(string))

	ids := map[string]string{
		boss["id"].(string): "BOSS-ID", rich["id"].(string): "RICH-ID",
		plain["id"].(string): "PLAIN-ID", group["id"].(string): "GROUP-ID",
	}
	var out strings.Builder
	for _, c := range []struct{ path, hdr string }{
		{"/Users/RICH-ID", ""},
		{"/Users/PLAIN-ID", ""},
		{"/Users/BOSS-ID", ""},
		{"/Groups/GROUP-ID", ""},
		{"/Groups/GROUP-ID?excludedAttributes=members", ""},
		{"/Users/RICH-ID?attributes=emails,name.givenName," + ent + ":manager", ""},
		{"/Users/RICH-ID?excludedAttributes=groups,emails.type", ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22`, ""},
		{`/Users?filter=userName+eq+%22nobody@example.com%22`, ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22&attributes=emails,name.givenName,` + ent + ":manager", ""},
		{`/Users?filter=userName+eq+%22RICH@example.com%22&excludedAttributes=groups,emails.type,` + ext.ID, ""},
		{`/Users?filter=userName+eq+%22nobody@example.com%22&attributes=userName`, ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22&startIndex=2`, ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22&count=0`, ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22+or+userName+eq+%22plain@example.com%22&sortBy=userName&sortOrder=descending`, ""},
		{`/Users?filter=userName+eq+%22rich@example.com%22+or+userName+eq+%22plain@example.com%22&cursor=&count=5&attributes=userName`, ""},
		{`/Users?sortBy=userName&count=2`, ""},
		{`/Users?sortBy=userName&startIndex=2&count=2&excludedAttributes=name,emails`, ""},
		{`/Groups?filter=displayName+eq+%22Team+%5C%22A%5C%22+%3C%26%3E%22`, ""},
		{`/Groups?filter=displayName+eq+%22team+%5C%22a%5C%22+%3C%26%3E%22&attributes=displayName`, ""},
		{`/?filter=userName+eq+%22plain@example.com%22+or+displayName+eq+%22Team+%5C%22A%5C%22+%3C%26%3E%22`, ""},
		{`/Groups?filter=displayName+sw+%22Team%22`, ""},
		{"/Users/RICH-ID", `If-None-Match: W/"1"`},
		{"/Users/RICH-ID", `If-Match: W/"9"`},
		{"/Users/no-such-id", ""},
	} {
		path := c.path
		for id, name := range ids {
			path = strings.ReplaceAll(path, name, id)
		}
		var r *resp
		if c.hdr != "" {
			r = e.do("GET", path, nil, c.hdr)
		} else {
			r = e.do("GET", path, nil)
		}
		body := r.Raw
		for id, name := range ids {
			body = strings.ReplaceAll(body, id, name)
		}
		fmt.Fprintf(&out, "GET %s %s\n%d ETag=%q Content-Type=%q\n%s\n\n", c.path, c.hdr, r.Code,
			r.Header.Get("ETag"), r.Header.Get("Content-Type"), body)
	}
	file := filepath.Join("testdata", "read_responses.golden")
	if *updateGolden {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(file, []byte(out.String()), 0o644))
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(want), out.String(), "a read response's bytes changed (go test -run TestReadResponsesGolden -update-golden rewrites the file, for a change meant to make one)")
}

// TestReadBodiesConcurrent: responses encoded into pooled buffers never
// carry another request's bytes: concurrent reads of users, of a group
// and of lists, of different sizes, each get their own resource whole.
func TestReadBodiesConcurrent(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 20 {
		extra := map[string]any{"displayName": strings.Repeat("x", i*25)}
		ids = append(ids, e.createUser(fmt.Sprintf("u%d@example.com", i), extra)["id"].(string))
	}
	gid := e.createGroup("all", ids...)["id"].(string)
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			for n := range 50 {
				i := (c*7 + n) % len(ids)
				var r *resp
				var want string
				switch n % 3 {
				case 0:
					r, want = e.do("GET", "/Users/"+ids[i], nil), ids[i]
				case 1:
					r, want = e.do("GET", "/Groups/"+gid, nil), gid
				default:
					r, want = e.do("GET", fmt.Sprintf(`/Users?filter=userName+eq+%%22u%d@example.com%%22`, i), nil), ids[i]
				}
				if !assert.Equal(t, http.StatusOK, r.Code) || !assert.NotNil(t, r.Body, r.Raw) {
					return
				}
				if n%3 == 2 {
					res, _ := r.Body["Resources"].([]any)
					if assert.Len(t, res, 1) {
						assert.Equal(t, want, res[0].(map[string]any)["id"])
					}
					continue
				}
				assert.Equal(t, want, r.str("id"))
			}
		})
	}
	wg.Wait()
}
