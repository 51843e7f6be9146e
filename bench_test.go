package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/tokens"
)

// The handler benchmarks measure scimkit beside a bare net/http +
// encoding/json handler over a map, in the same run, so BENCHMARKS.md can
// report ratios: BenchmarkHandler/<op>/scimkit against .../bare.

const benchUsers = 1000

// bareHandler is the least a JSON-over-HTTP user service does: decode,
// store in a map, encode. No schema, no filter grammar, no PATCH semantics.
type bareHandler struct {
	mu     sync.RWMutex
	byID   map[string]map[string]any
	byName map[string]string
	next   atomic.Int64
	token  string
}

func newBare(token string) *bareHandler {
	return &bareHandler{byID: map[string]map[string]any{}, byName: map[string]string{}, token: token}
}

func (b *bareHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+b.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == "POST" && path == "/Users":
		var u map[string]any
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			w.WriteHeader(400)
			return
		}
		id := fmt.Sprint(b.next.Add(1))
		u["id"] = id
		b.mu.Lock()
		b.byID[id] = u
		b.byName[strings.ToLower(u["userName"].(string))] = id
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/scim+json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(u)
	case r.Method == "GET" && path == "/Users":
		_, v, _ := strings.Cut(r.URL.Query().Get("filter"), `eq "`)
		v = strings.TrimSuffix(v, `"`)
		b.mu.RLock()
		var res []any
		if id, ok := b.byName[strings.ToLower(v)]; ok {
			res = append(res, b.byID[id])
		}
		out, _ := json.Marshal(map[string]any{"totalResults": len(res), "Resources": res})
		b.mu.RUnlock()
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write(out)
	case strings.HasPrefix(path, "/Users/"):
		id := strings.TrimPrefix(path, "/Users/")
		if r.Method == "PATCH" {
			var p struct {
				Operations []struct {
					Op, Path string
					Value    any
				}
			}
			if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
				w.WriteHeader(400)
				return
			}
			b.mu.Lock()
			for _, op := range p.Operations {
				b.byID[id][op.Path] = op.Value
			}
			b.mu.Unlock()
		}
		b.mu.RLock()
		out, _ := json.Marshal(b.byID[id])
		b.mu.RUnlock()
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write(out)
	default:
		w.WriteHeader(404)
	}
}

type benchServer struct {
	name  string
	h     http.Handler
	token string
	ids   []string
	// created counts the users POST has created, across the runs of
	// -count, so that every run creates new userNames.
	created int
}

func benchServers(b *testing.B) []*benchServer {
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tok, _, err := toks.Generate(context.Background(), tokens.GenerateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{
		BaseURL: base, Users: db, Groups: db, Tokens: toks,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	servers := []*benchServer{{name: "scimkit", h: h, token: tok}, {name: "bare", h: newBare(tok), token: tok}}
	for _, s := range servers {
		for i := range benchUsers {
			rec := serve(s, "POST", "/Users", userJSON(fmt.Sprintf("seed%d@example.com", i)))
			if rec.Code != 201 {
				b.Fatalf("%s: seed: %d %s", s.name, rec.Code, rec.Body)
			}
			var u map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &u)
			s.ids = append(s.ids, u["id"].(string))
		}
	}
	return servers
}

func userJSON(name string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + `","name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"` + name + `","type":"work","primary":true}],"active":true}`
}

func serve(s *benchServer, method, path, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://app.example.com"+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	rec := httptest.NewRecorder()
	rec.Body = bytes.NewBuffer(make([]byte, 0, 1024))
	s.h.ServeHTTP(rec, req)
	return rec
}

func BenchmarkHandler(b *testing.B) { benchHandler(b, false) }

// BenchmarkHandlerPaired sends BenchmarkHandler's requests to scimkit and
// to the bare handler in turn, a few of each at a time, and reports the
// median ratio of the time each took (scimkit/bare) beside the two times:
// on a machine shared with other work, load that comes and goes weighs on
// both alike, where BenchmarkHandler's one-after-the-other runs can see it
// on one only.
func BenchmarkHandlerPaired(b *testing.B) { benchHandler(b, true) }

type benchCase struct {
	name string
	do   func(s *benchServer, i int) (*httptest.ResponseRecorder, int)
}

func benchHandler(b *testing.B, paired bool) {
	servers := benchServers(b)
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"}]}`
	cases := []benchCase{
		{"POST", func(s *benchServer, _ int) (*httptest.ResponseRecorder, int) {
			s.created++
			return serve(s, "POST", "/Users", userJSON(fmt.Sprintf("%s-new%d@example.com", s.name, s.created))), 201
		}},
		{"GET", func(s *benchServer, i int) (*httptest.ResponseRecorder, int) {
			return serve(s, "GET", "/Users/"+s.ids[i%len(s.ids)], ""), 200
		}},
		{"ListFilterEq", func(s *benchServer, i int) (*httptest.ResponseRecorder, int) {
			return serve(s, "GET", "/Users?filter=userName+eq+%22seed"+fmt.Sprint(i%benchUsers)+"%40example.com%22", ""), 200
		}},
		{"PATCH", func(s *benchServer, i int) (*httptest.ResponseRecorder, int) {
			return serve(s, "PATCH", "/Users/"+s.ids[i%len(s.ids)], patch), 200
		}},
		// The load test's sync: a lookup by userName that misses, the
		// POST of that user, and its deactivation (Entra ID's first
		// cycle).
		{"Sync", func(s *benchServer, _ int) (*httptest.ResponseRecorder, int) {
			s.created++
			name := fmt.Sprintf("%s-sync%d@example.com", s.name, s.created)
			if rec := serve(s, "GET", "/Users?filter=userName+eq+%22"+url.QueryEscape(name)+"%22", ""); rec.Code != 200 {
				return rec, 200
			}
			rec := serve(s, "POST", "/Users", userJSON(name))
			if rec.Code != 201 {
				return rec, 201
			}
			var u struct{ ID string }
			_ = json.Unmarshal(rec.Body.Bytes(), &u)
			return serve(s, "PATCH", "/Users/"+u.ID, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`), 200
		}},
		// An identity provider's update: the user looked up by userName,
		// then changed (Okta, Entra ID). Each lookup follows a write of
		// the user it finds, as it does in a sync cycle, where a cache of
		// documents made for filters would always be cold.
		{"LookupThenPATCH", func(s *benchServer, i int) (*httptest.ResponseRecorder, int) {
			n := i % benchUsers
			if rec := serve(s, "GET", "/Users?filter=userName+eq+%22seed"+fmt.Sprint(n)+"%40example.com%22", ""); rec.Code != 200 {
				return rec, 200
			}
			title := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T` + fmt.Sprint(i) + `"}]}`
			return serve(s, "PATCH", "/Users/"+s.ids[n], title), 200
		}},
	}
	if paired {
		benchPaired(b, servers, cases)
		return
	}
	for _, c := range cases {
		for _, s := range servers {
			b.Run(c.name+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					rec, want := c.do(s, i)
					if rec.Code != want {
						b.Fatalf("%d: %s", rec.Code, rec.Body)
					}
					i++
				}
			})
		}
	}
}

// benchPaired runs each case on both servers in turn, batch by batch,
// the order alternating, and reports each server's time per request and
// the median of the ratios of the two batches of each turn: a batch that
// another process preempted is an outlier the median leaves out.
func benchPaired(b *testing.B, servers []*benchServer, cases []benchCase) {
	const batch = 8
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took [2]time.Duration
			var ratios []float64
			i := 0
			for b.Loop() {
				var turn [2]time.Duration
				for k := range 2 {
					j := (k + i) % 2 // who goes first alternates
					s := servers[j]
					start := time.Now()
					for n := range batch {
						if rec, want := c.do(s, i*batch+n); rec.Code != want {
							b.Fatalf("%s: %d: %s", s.name, rec.Code, rec.Body)
						}
					}
					turn[j] = time.Since(start)
					took[j] += turn[j]
				}
				ratios = append(ratios, float64(turn[0])/float64(turn[1]))
				i++
			}
			n := float64(i * batch)
			slices.Sort(ratios)
			b.ReportMetric(float64(took[0].Nanoseconds())/n, servers[0].name+"-ns/req")
			b.ReportMetric(float64(took[1].Nanoseconds())/n, servers[1].name+"-ns/req")
			b.ReportMetric(ratios[len(ratios)/2], "ratio")
		})
	}
}

// BenchmarkBulk creates 1,000 users with one /Bulk request and with 1,000
// single POSTs, in the same run: BENCHMARKS.md reports the ratio.
func BenchmarkBulk(b *testing.B) {
	const n = 1000
	toks := tokens.NewManager(tokens.NewMemoryStore(), tokens.Options{})
	tok, _, err := toks.Generate(context.Background(), tokens.GenerateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	db := memory.New()
	h, err := scim.NewHandler(scim.Config{BaseURL: base, Users: db, Groups: db, Tokens: toks, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	s := &benchServer{name: "scimkit", h: h, token: tok}
	round := 0
	b.Run("bulk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			round++
			var ops []string
			for i := range n {
				ops = append(ops, `{"method":"POST","path":"/Users","bulkId":"`+fmt.Sprint(i)+`","data":`+userJSON(fmt.Sprintf("bulk%d-%d@example.com", round, i))+`}`)
			}
			rec := serve(s, "POST", "/Bulk", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[`+strings.Join(ops, ",")+`]}`)
			if rec.Code != 200 || strings.Contains(rec.Body.String(), `"status":"4`) {
				b.Fatalf("%d: %.300s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			round++
			for i := range n {
				if rec := serve(s, "POST", "/Users", userJSON(fmt.Sprintf("single%d-%d@example.com", round, i))); rec.Code != 201 {
					b.Fatalf("%d: %s", rec.Code, rec.Body)
				}
			}
		}
	})
}
