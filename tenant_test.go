package scim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
	"github.com/scimkit/scim/tokens"
)

// TestTenantIsolationThroughTheHandler: a token of tenant globex can
// neither read, list, count, filter-probe, change, reference (a member,
// a manager), bulk-change, cursor-resume nor ETag-probe anything of
// tenant acme, on every store; uniqueness is per tenant; and acme's
// resources are as they were afterwards.
func TestTenantIsolationThroughTheHandler(t *testing.T) {
	const (
		userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
		entSchema  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	)
	q := url.QueryEscape
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			e, plain, _ := tenantEnv(t, open)
			e.token = plain[0]
			alice := e.createUser("alice@example.com", map[string]any{"externalId": "ext-a", "emails": []any{map[string]any{"value": "alice@example.com"}}})
			aid := alice["id"].(string)
			e.createUser("zed@example.com")
			gid := e.createGroup("admins", aid)["id"].(string)
			cursor := e.do("GET", "/Users?count=1&sortBy=userName&cursor=", nil).str("nextCursor")
			require.NotEmpty(t, cursor)
			etag := e.do("GET", "/Users/"+aid, nil).Header.Get("ETag")
			snapshot := func() string {
				return e.do("GET", "/Users/"+aid, nil).Raw + e.do("GET", "/Groups/"+gid, nil).Raw + e.do("GET", "/Users?sortBy=userName", nil).Raw
			}
			before := snapshot()

			e.token = plain[1]
			e.createUser("bob@example.com")
			for _, tt := range []struct {
				name, method, path string
				body               any
				hdr                []string
				status             int
				total              float64 // for a 200 list
			}{
				{"GET a user", "GET", "/Users/" + aid, nil, nil, 404, 0},
				{"GET a group", "GET", "/Groups/" + gid, nil, nil, 404, 0},
				{"If-None-Match probe", "GET", "/Users/" + aid, nil, []string{"If-None-Match: " + etag}, 404, 0},
				{"PUT", "PUT", "/Users/" + aid, map[string]any{"schemas": []string{userSchema}, "userName": "x"}, nil, 404, 0},
				{"PATCH", "PATCH", "/Users/" + aid, patchBody(op("replace", "active", false)), nil, 404, 0},
				{"PATCH with If-Match", "PATCH", "/Users/" + aid, patchBody(op("replace", "active", false)), []string{"If-Match: " + etag}, 404, 0},
				{"DELETE", "DELETE", "/Groups/" + gid, nil, nil, 404, 0},
				{"filter userName", "GET", "/Users?filter=" + q(`userName eq "alice@example.com"`), nil, nil, 200, 0},
				{"filter id", "GET", "/Users?filter=" + q(`id eq "`+aid+`"`), nil, nil, 200, 0},
				{"filter externalId", "GET", "/Users?filter=" + q(`externalId eq "ext-a"`), nil, nil, 200, 0},
				{"filter emails", "GET", "/Users?filter=" + q(`emails.value co "alice"`), nil, nil, 200, 0},
				{"filter groups", "GET", "/Users?filter=" + q(`groups.value eq "`+gid+`"`), nil, nil, 200, 0},
				{"filter members", "GET", "/Groups?filter=" + q(`members.value eq "`+aid+`"`), nil, nil, 200, 0},
				{"root query", "GET", "/?filter=" + q(`id eq "`+aid+`"`), nil, nil, 200, 0},
				{"list sorted", "GET", "/Users?sortBy=userName", nil, nil, 200, 1},
				{"cursor of the other tenant", "GET", "/Users?count=1&sortBy=userName&cursor=" + cursor, nil, nil, 400, 0},
				{"same userName", "POST", "/Users", map[string]any{"schemas": []string{userSchema}, "userName": "alice@example.com", "externalId": "ext-a"}, nil, 201, 0},
				{"bulk", "POST", "/Bulk", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": []any{
					map[string]any{"method": "PATCH", "path": "/Users/" + aid, "data": patchBody(op("replace", "active", false))},
					map[string]any{"method": "DELETE", "path": "/Groups/" + gid},
				}}, nil, 200, 0},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
					require.Equal(t, tt.status, r.Code, r.Raw)
					assert.NotContains(t, r.Raw, "zed@example.com")
					if tt.status == 200 && r.Body["totalResults"] != nil {
						assert.Equal(t, tt.total, r.Body["totalResults"], r.Raw)
					}
					if tt.method == "POST" && tt.path == "/Bulk" {
						for _, o := range r.Body["Operations"].([]any) {
							assert.Equal(t, "404", o.(map[string]any)["status"], r.Raw)
						}
					}
				})
			}
			t.Run("references", func(t *testing.T) {
				g := e.createGroup("theirs", aid, gid) // skipped, as a value naming nothing is
				assert.Empty(t, memberIDs(g))
				ok := e.createGroup("mine")
				r := e.do("PATCH", "/Groups/"+ok["id"].(string)+"?attributes=members", patchBody(op("add", "members", []any{map[string]any{"value": aid}})))
				require.Contains(t, []int{200, 204}, r.Code, r.Raw)
				assert.Empty(t, memberIDs(e.do("GET", "/Groups/"+ok["id"].(string), nil).Body))
				m := e.createUser("m1", map[string]any{"schemas": []string{userSchema, entSchema}, entSchema: map[string]any{"manager": map[string]any{"value": aid}}})
				mgr := m[entSchema].(map[string]any)["manager"].(map[string]any)
				assert.NotContains(t, mgr, "displayName", "the other tenant's user is not looked up")
			})

			e.token = plain[0]
			assert.Equal(t, before, snapshot(), "acme's resources are unchanged")
		})
	}
}

// tenantEnv returns an env over the stores open makes and their users
// store, with a token of tenant acme and one of globex, in that order;
// opts configure the handler further.
func tenantEnv(t *testing.T, open func(*testing.T) (store.UserStore, store.GroupStore), opts ...option) (*env, []string, store.UserStore) {
	us, gs := open(t)
	toks, plain := tenantTokens(t, tokens.GenerateOptions{TenantID: "acme"}, tokens.GenerateOptions{TenantID: "globex"})
	e := newEnv(t, append([]option{func(c *scim.Config) { c.Tokens, c.Users, c.Groups = toks, us, gs }}, opts...)...)
	return e, plain, us
}

// readableText is every string a client can read out of a cursor without
// its key: the cursor and each "."-separated part of it, each decoded
// from base64url where it decodes, and the strings of any JSON that
// decodes to, read the same way.
func readableText(s string, out []string) []string {
	out = append(out, s)
	for _, part := range strings.Split(s, ".") {
		b, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil || len(b) == 0 {
			continue
		}
		out = append(out, string(b))
		var doc any
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				out = readableText(v, out)
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(doc)
	}
	return out
}

// TestCursorHidesTheStorePosition: a cursor must not show a client the
// store's position in the clear. sqlstore's position holds the row's
// creation sequence, which is numbered across every tenant of the
// database (PostgreSQL's scim_seq, SQLite's rowid): a tenant reading it
// from two cursors a while apart learns how many users, groups and
// memberships the other tenants created meanwhile.
func TestCursorHidesTheStorePosition(t *testing.T) {
	for name, open := range concurrencyStores(t) {
		t.Run(name, func(t *testing.T) {
			e, plain, us := tenantEnv(t, open)
			e.token = plain[1]
			for i := range 5 {
				e.createUser("other" + itoa(i))
			}
			e.token = plain[0]
			e.createUser("a")
			e.createUser("b")
			cl, ok := us.(store.UserCursorLister)
			require.True(t, ok)
			p, err := cl.ListUsersAfter(store.WithTenant(context.Background(), "acme"), store.Query{Count: 1}, "")
			require.NoError(t, err)
			require.Len(t, p.Positions, 1)
			pos := p.Positions[0]
			readablePos := readableText(pos, nil)

			for _, path := range []string{"/Users?count=1&cursor=", "/?count=1&cursor=", "/?count=1&sortBy=id&cursor="} {
				r := e.do("GET", path, nil)
				require.Equal(t, 200, r.Code, r.Raw)
				c := r.str("nextCursor")
				require.NotEmpty(t, c, path)
				for _, s := range readableText(c, nil) {
					assert.NotContains(t, s, pos, "%s: the cursor shows the store's position", path)
					for _, rp := range readablePos[1:] {
						if len(rp) > 4 {
							assert.NotContains(t, s, rp, "%s: the cursor shows the store's position", path)
						}
					}
				}
			}
		})
	}
}

// TestTenantIDsAnswerAsUnknownIDs: a request of tenant globex that names
// acme's user and group ids (in the path, in member values added,
// removed and replaced, in member value filters, as a manager, in
// filters on id, groups, members and manager, at the root, in /Bulk)
// gets the answer, and leaves the request log entry, that ids naming
// nothing get, byte for byte once the ids are masked: nothing tells
// globex that acme's ids exist. On every store, lenient and strict
// (whose refusal of an unknown member names it).
func TestTenantIDsAnswerAsUnknownIDs(t *testing.T) {
	const (
		userSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
		entSchema  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		grpSchema  = "urn:ietf:params:scim:schemas:core:2.0:Group"
		bulkSchema = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	)
	q := url.QueryEscape
	for _, strict := range []bool{false, true} {
		for name, open := range concurrencyStores(t) {
			t.Run(name+map[bool]string{true: "-strict", false: ""}[strict], func(t *testing.T) {
				ring := admin.NewRequestRing(1000)
				e, plain, _ := tenantEnv(t, open, func(c *scim.Config) { c.RequestLog, c.Strict = ring, strict })
				e.token = plain[0]
				aid := e.createUser("alice@example.com")["id"].(string)
				gid := e.createGroup("admins", aid)["id"].(string)
				e.token = plain[1]
				bid := e.createUser("bob@example.com")["id"].(string)
				mine := e.createGroup("mine", bid)["id"].(string)
				ruid, rgid := query.NewUUID(), query.NewUUID()
				type rq struct {
					name, method, path string
					body               any
					hdr                []string
				}
				shapes := func(uid, gid string) []rq {
					return []rq{
						{"get user", "GET", "/Users/" + uid, nil, nil},
						{"get group", "GET", "/Groups/" + gid, nil, nil},
						{"get user as group", "GET", "/Groups/" + uid, nil, nil},
						{"put user", "PUT", "/Users/" + uid, map[string]any{"schemas": []string{userSchema}, "userName": "x"}, nil},
						{"put group", "PUT", "/Groups/" + gid, map[string]any{"schemas": []string{grpSchema}, "displayName": "x"}, nil},
						{"patch user", "PATCH", "/Users/" + uid, patchBody(op("replace", "active", false)), nil},
						{"patch group", "PATCH", "/Groups/" + gid, patchBody(op("add", "members", memberValues(bid))), nil},
						{"delete user", "DELETE", "/Users/" + uid, nil, nil},
						{"delete group", "DELETE", "/Groups/" + gid, nil, nil},
						{"post group members", "POST", "/Groups", map[string]any{"schemas": []string{grpSchema}, "displayName": "n1", "members": memberValues(uid, gid)}, nil},
						{"patch add", "PATCH", "/Groups/" + mine, patchBody(op("add", "members", memberValues(uid, gid))), nil},
						{"patch remove filter", "PATCH", "/Groups/" + mine, patchBody(op("remove", `members[value eq "`+uid+`"]`, nil)), nil},
						{"patch remove filter group", "PATCH", "/Groups/" + mine, patchBody(op("remove", `members[value eq "`+gid+`"]`, nil)), nil},
						{"patch remove list", "PATCH", "/Groups/" + mine, patchBody(op("remove", "members", memberValues(uid, gid))), nil},
						{"patch replace", "PATCH", "/Groups/" + mine, patchBody(op("replace", "members", memberValues(bid, uid, gid))), nil},
						{"patch replace filter", "PATCH", "/Groups/" + mine, patchBody(op("replace", `members[value eq "`+uid+`"].display`, "z")), nil},
						{"put group members", "PUT", "/Groups/" + mine, map[string]any{"schemas": []string{grpSchema}, "displayName": "mine", "members": memberValues(bid, uid, gid)}, nil},
						{"manager post", "POST", "/Users", map[string]any{"schemas": []string{userSchema, entSchema}, "userName": "m1", entSchema: map[string]any{"manager": map[string]any{"value": uid}}}, nil},
						{"manager patch", "PATCH", "/Users/" + bid, patchBody(op("replace", entSchema+":manager", uid)), nil},
						{"manager patch group", "PATCH", "/Users/" + bid, patchBody(op("replace", entSchema+":manager", gid)), nil},
						{"filter groups", "GET", "/Users?filter=" + q(`groups.value eq "`+gid+`"`), nil, nil},
						{"filter members", "GET", "/Groups?filter=" + q(`members.value eq "`+uid+`"`), nil, nil},
						{"filter members vp", "GET", "/Groups?filter=" + q(`members[value eq "`+uid+`"]`), nil, nil},
						{"filter id", "GET", "/Users?filter=" + q(`id eq "`+uid+`"`), nil, nil},
						{"filter manager", "GET", "/Users?filter=" + q(entSchema+`:manager.value eq "`+uid+`"`), nil, nil},
						{"root id", "GET", "/?filter=" + q(`id eq "`+uid+`" or id eq "`+gid+`"`), nil, nil},
						{"root search", "POST", "/.search", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "filter": `id eq "` + gid + `"`}, nil},
						{"bulk", "POST", "/Bulk", map[string]any{"schemas": []string{bulkSchema}, "Operations": []any{
							map[string]any{"method": "PUT", "path": "/Users/" + uid, "data": map[string]any{"schemas": []string{userSchema}, "userName": "y"}},
							map[string]any{"method": "PATCH", "path": "/Groups/" + gid, "data": patchBody(op("add", "members", memberValues(bid)))},
							map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g1", "data": map[string]any{"schemas": []string{grpSchema}, "displayName": "n2", "members": memberValues(uid, gid)}},
							map[string]any{"method": "PATCH", "path": "/Groups/bulkId:g1", "data": patchBody(op("add", "members", memberValues(uid, gid)))},
							map[string]any{"method": "DELETE", "path": "/Users/" + uid},
						}}, nil},
						{"If-Match", "PATCH", "/Users/" + uid, patchBody(op("replace", "active", false)), []string{`If-Match: W/"1"`}},
						{"If-None-Match", "GET", "/Groups/" + gid, nil, []string{`If-None-Match: W/"1"`}},
					}
				}
				norm := func(s, uid, gid string) string {
					s = strings.ReplaceAll(s, uid, "<U>")
					s = strings.ReplaceAll(s, gid, "<G>")
					s = uuidRE.ReplaceAllString(s, "<ID>")
					s = timeRE.ReplaceAllString(s, "<T>")
					return s
				}
				run := func(uid, gid string) []string {
					var out []string
					for _, s := range shapes(uid, gid) {
						r := e.do(s.method, s.path, s.body, s.hdr...)
						rec, _ := ring.Recent(context.Background(), "globex", 1)
						var lg string
						if len(rec) == 1 {
							rec[0].At, rec[0].Latency, rec[0].RequestID = rec[0].At.UTC().Truncate(0), 0, ""
							b, _ := json.Marshal(struct{ S, T, D, W any }{rec[0].Status, rec[0].ScimType, rec[0].Detail, rec[0].Warnings})
							lg = string(b)
						}
						raw := r.Raw
						// Leave out what differs between any two runs.
						var body map[string]any
						if json.Unmarshal([]byte(raw), &body) == nil {
							delete(body, "meta")
							delete(body, "id")
							if ops, ok := body["Operations"].([]any); ok {
								for _, o := range ops {
									delete(o.(map[string]any), "location")
									delete(o.(map[string]any), "version")
								}
							}
							b, _ := json.Marshal(body)
							raw = string(b)
						}
						out = append(out, s.name+" | "+itoa(r.Code)+" | "+norm(raw, uid, gid)+" | "+norm(lg, uid, gid))
					}
					return out
				}
				// Each run starts from the same state of globex: reset
				// undoes what a run's accepted writes did.
				reset := func() {
					e.do("PUT", "/Groups/"+mine, map[string]any{"schemas": []string{grpSchema}, "displayName": "mine", "members": memberValues(bid)})
					e.do("PATCH", "/Users/"+bid, patchBody(op("remove", entSchema+":manager", nil)))
					r := e.do("GET", "/Groups?filter="+q(`displayName sw "n"`), nil)
					for _, it := range r.Body["Resources"].([]any) {
						e.do("DELETE", "/Groups/"+it.(map[string]any)["id"].(string), nil)
					}
					r = e.do("GET", "/Users?filter="+q(`userName eq "m1"`), nil)
					for _, it := range r.Body["Resources"].([]any) {
						e.do("DELETE", "/Users/"+it.(map[string]any)["id"].(string), nil)
					}
				}
				reset()
				unknown := run(ruid, rgid)
				reset()
				theirs := run(aid, gid)
				for i := range unknown {
					assert.Equal(t, unknown[i], theirs[i], "acme's ids must be answered as ids naming nothing")
				}
			})
		}
	}
}

// uuidRE matches an id (a UUID); timeRE a timestamp.
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
var timeRE = regexp.MustCompile(`20\d\d-\d\d-\d\dT[0-9:.]+Z`)
