package scim_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// BenchmarkGetUserHandler is GET /Users/{id} through the handler alone,
// wired as examples/loadtest wires it (a tokens.Manager, the request log
// through admin.AsyncLog, a text logger), on users shaped as the load
// test's: requests and response writers are made before the timing, so
// what is timed is the handler's own work.
func BenchmarkGetUserHandler(b *testing.B) {
	benchReadHandler(b, func(ids []string, i int) string { return "/Users/" + ids[i] })
}

// BenchmarkGetGroupHandler is BenchmarkGetUserHandler's for
// GET /Groups/{id}, of groups of ten of those users each (the load
// test's small group).
func BenchmarkGetGroupHandler(b *testing.B) {
	benchReadHandler(b, func(ids []string, i int) string { return "/Groups/" + ids[i] })
}

// BenchmarkListHitHandler is BenchmarkGetUserHandler's for the lookup an
// identity provider sends before each change and in every sync cycle,
// GET /Users?filter=userName eq "x", finding one user.
func BenchmarkListHitHandler(b *testing.B) {
	benchReadHandler(b, func(_ []string, i int) string {
		return fmt.Sprintf("/Users?filter=userName+eq+%%22load%06d%%40example.com%%22", i)
	})
}

// BenchmarkGroupLookupHandler is BenchmarkGetGroupHandler's for the
// lookup an identity provider sends before it pushes a group,
// GET /Groups?filter=displayName eq "x", finding one group of ten.
func BenchmarkGroupLookupHandler(b *testing.B) {
	benchReadHandler(b, func(_ []string, i int) string {
		return fmt.Sprintf("/Groups?filter=displayName+eq+%%22group+%d%%22", i)
	})
}

// benchLoadHandler is the handler on a new memory store wired as
// examples/loadtest wires it (a tokens.Manager, the request log through
// admin.AsyncLog, a text logger), and a token for it.
func benchLoadHandler(b *testing.B) (http.Handler, string) {
	ctx := context.Background()
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tok, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	db := memory.New()
	async := admin.NewAsyncLog(admin.NewRequestRing(100), admin.AsyncOptions{})
	b.Cleanup(func() { _ = async.Close(context.Background()) })
	h, err := scim.NewHandler(scim.Config{
		BaseURL: base, Users: db, Groups: db, Tokens: toks, RequestLog: async,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return h, tok
}

// createLoadUsers creates users 0 to n-1 of the load test's shape
// (loaduser.JSON) through h and returns their ids.
func createLoadUsers(b *testing.B, h http.Handler, tok string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		r := httptest.NewRequest("POST", "http://app.example.com/Users", strings.NewReader(loaduser.JSON(i)))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/scim+json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusCreated {
			b.Fatal(w.Code, w.Body.String())
		}
		ids[i] = strings.Split(strings.Split(w.Body.String(), `"id":"`)[1], `"`)[0]
	}
	return ids
}

// deactivate is the PATCH body of a provider's deactivation.
const deactivate = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`

// benchReadHandler times the handler on the GET requests path makes, of
// the i-th of the users it creates first.
func benchReadHandler(b *testing.B, path func(ids []string, i int) string) {
	h, tok := benchLoadHandler(b)
	const n = 1000
	ids := createLoadUsers(b, h, tok, n)
	if strings.HasPrefix(path(ids, 0), "/Groups") {
		// One group of ten users per user: path then names their ids.
		for i := range ids {
			members := make([]string, 10)
			for j := range members {
				members[j] = `{"value":"` + ids[(i*10+j)%n] + `"}`
			}
			r := httptest.NewRequest("POST", "http://app.example.com/Groups", strings.NewReader(
				`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"group `+fmt.Sprint(i)+`","members":[`+strings.Join(members, ",")+`]}`))
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("Content-Type", "application/scim+json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusCreated {
				b.Fatal(w.Code, w.Body.String())
			}
			ids[i] = strings.Split(strings.Split(w.Body.String(), `"id":"`)[1], `"`)[0]
		}
	}
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", "http://app.example.com"+path(ids, i), nil)
		reqs[i].Header.Set("Authorization", "Bearer "+tok)
	}
	w := &allocWriter{h: make(http.Header, 8)}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, reqs[i%n])
		if w.status != http.StatusOK {
			b.Fatal(w.status)
		}
		i++
	}
}

// BenchmarkSyncHandler is the load test's sync cycle through the handler
// alone, wired as BenchmarkGetUserHandler's: for one new user of the load
// test's shape a lookup of its userName (a miss), the POST, then the
// PATCH active=false; one op is the three requests. Requests and their
// bodies are made before the timing.
func BenchmarkSyncHandler(b *testing.B) {
	h, tok := benchLoadHandler(b)
	// Requests are made a batch at a time, outside the timing, as each
	// POST needs a userName not yet taken.
	const batch = 1000
	lookups := make([]*http.Request, batch)
	posts := make([]*http.Request, batch)
	bodies := make([]string, batch)
	next := 0
	fill := func() {
		for i := range batch {
			n := next + i
			lookups[i] = httptest.NewRequest("GET", fmt.Sprintf("http://app.example.com/Users?filter=userName+eq+%%22load%06d%%40example.com%%22", n), nil)
			lookups[i].Header.Set("Authorization", "Bearer "+tok)
			bodies[i] = loaduser.JSON(n)
			posts[i] = httptest.NewRequest("POST", "http://app.example.com/Users", strings.NewReader(bodies[i]))
			posts[i].Header.Set("Authorization", "Bearer "+tok)
			posts[i].Header.Set("Content-Type", "application/scim+json")
		}
		next += batch
	}
	w := &allocWriter{h: make(http.Header, 8)}
	cw := &idWriter{allocWriter: allocWriter{h: make(http.Header, 8)}}
	patch := newPatchRequest(tok)
	b.ReportAllocs()
	i := batch
	for b.Loop() {
		if i == batch {
			b.StopTimer()
			fill()
			i = 0
			b.StartTimer()
		}
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, lookups[i])
		if w.status != http.StatusOK {
			b.Fatal("lookup", w.status)
		}
		clear(cw.h)
		cw.status, cw.id = 0, cw.id[:0]
		h.ServeHTTP(cw, posts[i])
		if cw.status != http.StatusCreated {
			b.Fatal("POST", cw.status)
		}
		// The PATCH's path names the user just made, as the load test's.
		if status := patch.serve(h, "/Users/"+string(cw.id), deactivate); status != http.StatusOK {
			b.Fatal("PATCH", status)
		}
		i++
	}
}

// idWriter is an allocWriter that keeps the id of the resource a response
// body names first.
type idWriter struct {
	allocWriter
	id []byte
}

func (w *idWriter) Write(p []byte) (int, error) {
	if len(w.id) == 0 {
		if _, rest, ok := bytes.Cut(p, []byte(`"id":"`)); ok {
			if id, _, ok := bytes.Cut(rest, []byte(`"`)); ok {
				w.id = append(w.id, id...)
			}
		}
	}
	return w.allocWriter.Write(p)
}
