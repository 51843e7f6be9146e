package scim_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
)

// BenchmarkFeedRequests measures what the change feed costs a provider's
// write request, through the handler (in process, no network): a POST
// of a user, a PATCH that deactivates or reactivates one, and a PATCH
// adding or removing one member of a group, each against a store with the
// feed off and one with it on, in the same loop (alternating which goes
// first), on SQLite and PostgreSQL. It reports each side's time per
// request and their ratio, wall and CPU (pairbench); BenchmarkFeedWrite in store/sqlstore measures
// the store calls alone.
func BenchmarkFeedRequests(b *testing.B) {
	dbs := []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "scim.db") }},
		{"postgres", func(b *testing.B) string { return sqltest.PostgresDSN(b) }},
	}
	type side struct {
		h     http.Handler
		users []string
		group string
	}
	do := func(b *testing.B, h http.Handler, method, path, body string, want int) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	idOf := func(body string) string {
		_, rest, _ := strings.Cut(body, `"id":"`)
		id, _, _ := strings.Cut(rest, `"`)
		return id
	}
	for _, db := range dbs {
		b.Run(db.name, func(b *testing.B) {
			open := func(feed bool) *side {
				s, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: db.dsn(b), ChangeFeed: feed})
				require.NoError(b, err)
				b.Cleanup(func() { s.Close() })
				h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				require.NoError(b, err)
				sd := &side{h: h}
				for i := range 100 {
					sd.users = append(sd.users, idOf(do(b, h, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pool-%d@example.com","name":{"givenName":"G","familyName":"F"},"emails":[{"value":"pool-%d@work.example","type":"work"}]}`, i, i), 201)))
				}
				sd.group = idOf(do(b, h, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering"}`, 201))
				return sd
			}
			ops := []struct {
				name string
				op   func(b *testing.B, sd *side, i int)
			}{
				{"POST_user", func(b *testing.B, sd *side, i int) {
					do(b, sd.h, "POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new-%d@example.com","name":{"givenName":"G","familyName":"F"},"emails":[{"value":"new-%d@work.example","type":"work"}]}`, i, i), 201)
				}},
				{"PATCH_active", func(b *testing.B, sd *side, i int) {
					// Each user is deactivated, then reactivated on the next round.
					active := (i/len(sd.users))%2 == 1
					do(b, sd.h, "PATCH", "/Users/"+sd.users[i%len(sd.users)], fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":%t}]}`, active), 200)
				}},
				{"PATCH_group_one_member", func(b *testing.B, sd *side, i int) {
					id := sd.users[i%len(sd.users)]
					body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]}`
					if (i/len(sd.users))%2 == 1 {
						body = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]}`
					}
					do(b, sd.h, "PATCH", "/Groups/"+sd.group, body, 204)
				}},
			}
			for _, o := range ops {
				b.Run(o.name, func(b *testing.B) {
					sides := [2]*side{open(false), open(true)}
					pairbench.Run(b, func(k, i int) { o.op(b, sides[k], i) })
				})
			}
		})
	}
}
