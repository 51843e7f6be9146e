package sqlstore_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
)

// bigPushMembers is how many members BenchmarkBigGroupPush pushes in one
// request: 20,000, or SCIM_BENCH_MEMBERS.
func bigPushMembers() int { return envCount("SCIM_BENCH_MEMBERS", 20000) }

// bigPushUsers returns n users to seed.
func bigPushUsers(n int) []*resources.User {
	us := make([]*resources.User, n)
	for i := range us {
		us[i] = &resources.User{UserName: fmt.Sprintf("push%06d@example.com", i), DisplayName: fmt.Sprintf("Push %d", i)}
	}
	return us
}

// BenchmarkBigGroupPush sends, through the handler with the change feed
// on, what a provider pushing a big group sends in one request each
// (Okta and OneLogin push whole member lists): a POST /Groups with N
// members (20,000, SCIM_BENCH_MEMBERS), a PUT replacing them with N
// others, a PATCH adding the first N back and a PATCH removing them, on
// memory, SQLite and PostgreSQL, each op over 2N seeded users. Each
// iteration is the four requests on a new group; the per-request times
// are reported as metrics (ms/post, ms/put, ms/add, ms/remove).
func BenchmarkBigGroupPush(b *testing.B) {
	n := bigPushMembers()
	type target struct {
		name string
		open func(b *testing.B) (store.UserStore, store.GroupStore, []string)
	}
	targets := []target{
		{"memory", func(b *testing.B) (store.UserStore, store.GroupStore, []string) {
			m := memory.New(memory.WithChangeFeed(0))
			ids := make([]string, 0, 2*n)
			for _, u := range bigPushUsers(2 * n) {
				got, err := m.CreateUser(ctx, u)
				require.NoError(b, err)
				ids = append(ids, got.ID)
			}
			return m, m, ids
		}},
	}
	for _, db := range databases() {
		targets = append(targets, target{db.name, func(b *testing.B) (store.UserStore, store.GroupStore, []string) {
			s := db.open(b, sqlstore.Config{ChangeFeed: true})
			ids, err := s.SeedUsersForTest(ctx, "", bigPushUsers(2*n))
			require.NoError(b, err)
			analyze(b, s)
			return s, s, ids
		}})
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			us, gs, ids := tg.open(b)
			h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: us, Groups: gs, InsecureNoAuth: true,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(b, err)
			first, second := ids[:n], ids[n:]
			patch := func(op string) string {
				return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"` + op + `","path":"members","value":` + memberJSON(first) + `}]}`
			}
			addBody, removeBody := patch("add"), patch("remove")
			var took [4]float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				post := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"big ` + strconv.Itoa(i) + `-` + randomHex(4) + `","members":` + memberJSON(first) + `}`
				b.StartTimer()
				steps := []struct {
					method, body string
					status       int
				}{
					{"POST", post, http.StatusCreated},
					{"PUT", "", http.StatusOK},
					{"PATCH", addBody, http.StatusNoContent},
					{"PATCH", removeBody, http.StatusNoContent},
				}
				var gid, name string
				for k, st := range steps {
					path := "/Groups"
					if k > 0 {
						path = "/Groups/" + gid + "?excludedAttributes=members"
					}
					if st.method == "PATCH" {
						path = "/Groups/" + gid
					}
					body := st.body
					if st.method == "PUT" {
						body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + name + `","members":` + memberJSON(second) + `}`
					}
					t0 := nowNano()
					rec := serve(h, st.method, path, body)
					took[k] += float64(nowNano()-t0) / 1e6
					if rec.Code != st.status {
						b.Fatalf("%s %s: %d %.300s", st.method, path, rec.Code, rec.Body.String())
					}
					if k == 0 {
						gid = idOfBody(rec.Body.String())
						_, rest, _ := strings.Cut(rec.Body.String(), `"displayName":"`)
						name, _, _ = strings.Cut(rest, `"`)
					}
				}
			}
			for k, unit := range []string{"ms/post", "ms/put", "ms/add", "ms/remove"} {
				b.ReportMetric(took[k]/float64(b.N), unit)
			}
		})
	}
}

// idOfBody returns the first "id" of a SCIM response body.
func idOfBody(body string) string {
	_, rest, _ := strings.Cut(body, `"id":"`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func nowNano() int64 { return time.Now().UnixNano() }
