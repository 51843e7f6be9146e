package scim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/race"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// allocWriter is a ResponseWriter that allocates nothing per request
// beyond its header map, made before the measurement as a server makes
// its own: what is counted is the handler's.
type allocWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *allocWriter) Header() http.Header { return w.h }
func (w *allocWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *allocWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// allocHandler is the handler on a new memory store wired as
// examples/basic wires it (a tokens.Manager, a text logger), and a token
// for it: the handler the allocation tests count.
func allocHandler(t *testing.T) (http.Handler, string) {
	ctx := context.Background()
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tok, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "allocs"})
	require.NoError(t, err)
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{
		BaseURL: base, Users: db, Groups: db, Tokens: toks,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	return h, tok
}

// TestRequestAllocations holds the requests of an identity provider's
// sync cycle and reads, on the memory store and wired as examples/basic
// wires the handler (a tokens.Manager, a text logger), to the number of
// allocations they make now, so that a change that adds one fails here
// (BENCHMARKS.md, "The handler against a bare net/http handler", says
// what each costs). Requests, bodies and response writers are made before
// the count; each run sends a request of its own (a new userName, a user
// not yet deactivated), so every write is a real change.
func TestRequestAllocations(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	const runs = 200
	h, tok := allocHandler(t)

	// newRequest makes a request of the token; the body is sent as SCIM
	// JSON.
	newRequest := func(method, path, body string) *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequest(method, "http://app.example.com"+path, rd)
		r.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			r.Header.Set("Content-Type", "application/scim+json")
		}
		return r
	}
	// The users the reads and PATCHes address, one per run (+1 for the
	// warm-up run of AllocsPerRun).
	ids := make([]string, runs+1)
	for i := range ids {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRequest("POST", "/Users", userJSON(fmt.Sprintf("seed%d@example.com", i))))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var u struct{ ID string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &u))
		ids[i] = u.ID
	}
	// Users shaped as examples/loadtest's (the enterprise extension
	// besides a name and an email), users of ten groups each, and those
	// groups, of ten members, one of each per run.
	loadIDs := make([]string, runs+1)
	memberIDs := make([]string, runs+1)
	groupIDs := make([]string, runs+1)
	for i := range loadIDs {
		var u struct{ ID string }
		for _, user := range []struct {
			body string
			id   *string
		}{{loaduser.JSON(i), &loadIDs[i]}, {userJSON(fmt.Sprintf("member%d@example.com", i)), &memberIDs[i]}} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newRequest("POST", "/Users", user.body))
			require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &u))
			*user.id = u.ID
		}
	}
	for i := range groupIDs {
		var u struct{ ID string }
		var members []string
		for k := range 10 {
			members = append(members, fmt.Sprintf(`{"value":%q}`, memberIDs[(i+k)%len(memberIDs)]))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, newRequest("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"g%d","members":[%s]}`, i, strings.Join(members, ","))))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &u))
		groupIDs[i] = u.ID
	}
	warm := &allocWriter{h: http.Header{}}
	h.ServeHTTP(warm, newRequest("GET", "/Users/"+ids[0], "")) // the token is cached
	require.Equal(t, http.StatusOK, warm.status)

	deactivate := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":false}]}`
	// Okta's form, without a path; its row deactivates its users first
	// (before), so that it changes each.
	oktaActivate := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`
	for _, c := range []struct {
		name   string
		method string
		path   func(i int) string
		body   func(i int) string
		status int
		// budget is the allocations the request makes now.
		budget float64
		// before, when set, is a PATCH sent to each path first, unmeasured,
		// so that the measured one changes the resource whatever ran
		// before: a PATCH row then asserts that each resource changed.
		before string
	}{
		{"GET user", "GET", func(i int) string { return "/Users/" + ids[i] }, nil, http.StatusOK, 6, ""},
		{"GET user, the load test's", "GET", func(i int) string { return "/Users/" + loadIDs[i] }, nil, http.StatusOK, 6, ""},
		{"GET user in 10 groups", "GET", func(i int) string { return "/Users/" + memberIDs[i] }, nil, http.StatusOK, 8, ""},
		{"GET group of 10", "GET", func(i int) string { return "/Groups/" + groupIDs[i] }, nil, http.StatusOK, 7, ""},
		{"list userName eq, a miss", "GET", func(i int) string {
			return fmt.Sprintf("/Users?filter=userName+eq+%%22new%d%%40example.com%%22", i)
		}, nil, http.StatusOK, 10, ""},
		{"list userName eq, a hit", "GET", func(i int) string {
			return fmt.Sprintf("/Users?filter=userName+eq+%%22seed%d%%40example.com%%22", i)
		}, nil, http.StatusOK, 13, ""},
		{"list userName eq, a hit, as Okta pages it", "GET", func(i int) string {
			return fmt.Sprintf("/Users?filter=userName+eq+%%22load%06d%%40example.com%%22&startIndex=1&count=100", i)
		}, nil, http.StatusOK, 15, ""},
		{"list externalId eq, a hit (Entra ID)", "GET", func(i int) string {
			return fmt.Sprintf("/Users?filter=externalId+eq+%%22ext-%d%%22", i)
		}, nil, http.StatusOK, 13, ""},
		{"list displayName eq, a group of 10", "GET", func(i int) string {
			return fmt.Sprintf("/Groups?filter=displayName+eq+%%22g%d%%22", i)
		}, nil, http.StatusOK, 14, ""},
		{"list displayName eq, a group without members", "GET", func(i int) string {
			return fmt.Sprintf("/Groups?filter=displayName+eq+%%22g%d%%22&excludedAttributes=members", i)
		}, nil, http.StatusOK, 60, ""},
		{"POST user", "POST", func(int) string { return "/Users" },
			func(i int) string { return userJSON(fmt.Sprintf("new%d@example.com", i)) }, http.StatusCreated, 39, ""},
		{"POST user, the load test's", "POST", func(int) string { return "/Users" },
			func(i int) string { return loaduser.JSON(10000 + i) }, http.StatusCreated, 51, ""},
		{"PATCH active=false", "PATCH", func(i int) string { return "/Users/" + ids[i] },
			func(int) string { return deactivate }, http.StatusOK, 26, oktaActivate},
		{"PATCH active=false, the load test's user", "PATCH", func(i int) string { return "/Users/" + loadIDs[i] },
			func(int) string { return deactivate }, http.StatusOK, 26, oktaActivate},
		{"PATCH active=true as Okta sends it (no path), the load test's user", "PATCH", func(i int) string { return "/Users/" + loadIDs[i] },
			func(int) string { return oktaActivate }, http.StatusOK, 27, deactivate},
	} {
		t.Run(c.name, func(t *testing.T) {
			reqs := make([]*http.Request, runs+1)
			ws := make([]*allocWriter, runs+1)
			for i := range reqs {
				body := ""
				if c.body != nil {
					body = c.body(i)
				}
				reqs[i], ws[i] = newRequest(c.method, c.path(i), body), &allocWriter{h: make(http.Header, 8)}
			}
			etags := make([]string, len(reqs))
			for i := range etags {
				if c.before == "" {
					break
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, newRequest("PATCH", c.path(i), c.before))
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				etags[i] = rec.Header().Get("ETag")
			}
			n := 0
			got := testing.AllocsPerRun(runs, func() {
				h.ServeHTTP(ws[n], reqs[n])
				n++
			})
			for i, w := range ws {
				require.Equal(t, c.status, w.status, "request %d", i)
				if c.before != "" {
					require.NotEqual(t, etags[i], w.h.Get("ETag"), "request %d changed its resource", i)
				}
			}
			t.Logf("%s: %.0f allocations", c.name, got)
			require.LessOrEqual(t, got, c.budget, "the request allocates more than it did; see BENCHMARKS.md before raising the budget")
		})
	}
}
