package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// floorHandler is the least a JSON-over-HTTP provisioning service does to
// answer the requests the load sends: check the bearer token, decode,
// store in a map, encode. No schema, no filter grammar, no PATCH
// semantics, no request log. It is the idea of bareHandler in the root
// package's bench_test.go, grown by the group member PATCH and the group
// read the load uses. It keeps each user's encoded JSON next to its
// document, so a read is a map lookup and a write of bytes.
type floorHandler struct {
	token string
	next  atomic.Int64

	mu     sync.RWMutex
	users  map[string]*floorUser
	byName map[string]string
	groups map[string]map[string]bool // group id -> member ids
}

func newFloor(token string) *floorHandler {
	return &floorHandler{
		token:  token,
		users:  map[string]*floorUser{},
		byName: map[string]string{},
		groups: map[string]map[string]bool{},
	}
}

// floorUser is a stored user: the document and its encoding.
type floorUser struct {
	doc map[string]any
	enc []byte
}

// addUser stores u under a new id and returns it.
func (f *floorHandler) addUser(u map[string]any) *floorUser {
	id := fmt.Sprint(f.next.Add(1))
	u["id"] = id
	name, _ := u["userName"].(string)
	enc, _ := json.Marshal(u)
	fu := &floorUser{doc: u, enc: enc}
	f.mu.Lock()
	f.users[id] = fu
	f.byName[strings.ToLower(name)] = id
	f.mu.Unlock()
	return fu
}

// addGroup stores a group with members and returns its id.
func (f *floorHandler) addGroup(members []string) string {
	id := fmt.Sprint(f.next.Add(1))
	set := make(map[string]bool, len(members))
	for _, m := range members {
		set[m] = true
	}
	f.mu.Lock()
	f.groups[id] = set
	f.mu.Unlock()
	return id
}

func (f *floorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && path == "/Users":
		var u map[string]any
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		writeRaw(w, http.StatusCreated, f.addUser(u).enc)
	case r.Method == http.MethodGet && path == "/Users":
		_, v, _ := strings.Cut(r.URL.Query().Get("filter"), `eq "`)
		v = strings.TrimSuffix(v, `"`)
		res := []json.RawMessage{}
		f.mu.RLock()
		if id, ok := f.byName[strings.ToLower(v)]; ok {
			res = append(res, f.users[id].enc)
		}
		f.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(res), "Resources": res})
	case r.Method == http.MethodPost && path == "/Groups":
		// How the run seeds the groups of a server it did not start
		// (startExternal): the floor served on its own (-serve-floor).
		var g struct{ Members []struct{ Value string } }
		if err := json.NewDecoder(r.Body).Decode(&g); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ids := make([]string, len(g.Members))
		for i, m := range g.Members {
			ids[i] = m.Value
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": f.addGroup(ids)})
	case strings.HasPrefix(path, "/Users/"):
		f.serveUser(w, r, strings.TrimPrefix(path, "/Users/"))
	case strings.HasPrefix(path, "/Groups/"):
		f.serveGroup(w, r, strings.TrimPrefix(path, "/Groups/"))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *floorHandler) serveUser(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method == http.MethodPatch {
		var p patchBody
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if u, ok := f.users[id]; ok {
			for _, op := range p.Operations {
				u.doc[op.Path] = op.Value
			}
			u.enc, _ = json.Marshal(u.doc)
		}
		f.mu.Unlock()
	}
	f.mu.RLock()
	u, ok := f.users[id]
	f.mu.RUnlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeRaw(w, http.StatusOK, u.enc)
}

func (f *floorHandler) serveGroup(w http.ResponseWriter, r *http.Request, id string) {
	switch r.Method {
	case http.MethodGet:
		f.mu.RLock()
		set, ok := f.groups[id]
		members := make([]map[string]string, 0, len(set))
		for m := range set {
			members = append(members, map[string]string{"value": m})
		}
		f.mu.RUnlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "members": members})
	case http.MethodPatch:
		var p patchBody
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		set, ok := f.groups[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		for _, op := range p.Operations {
			switch {
			case strings.EqualFold(op.Op, "add"):
				vals, _ := op.Value.([]any)
				for _, v := range vals {
					if m, ok := v.(map[string]any); ok {
						if s, ok := m["value"].(string); ok {
							set[s] = true
						}
					}
				}
			case strings.EqualFold(op.Op, "remove"):
				_, v, _ := strings.Cut(op.Path, `eq "`)
				delete(set, strings.TrimSuffix(v, `"]`))
			}
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// serveFloor serves the floor on its own at addr until ctx ends, for a run
// whose targets are all out of process (-serve-floor): a target the run
// did not start is measured against a floor in a process of its own
// (-external, -external-pid, -versus), so that both pay the same for
// crossing processes and for the kernel's share of the cores. It prints
// the base URL and the token as examples/basic does.
func serveFloor(ctx context.Context, addr string, out io.Writer) error {
	tok, err := randomHex(32)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", newFloor(tok)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "SCIM base URL: http://%s/scim/v2\nBearer token: %s\nprocess: %d\n", ln.Addr(), tok, os.Getpid())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// patchBody is a PATCH request as the floor reads it.
type patchBody struct {
	Operations []struct {
		Op, Path string
		Value    any
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	out, _ := json.Marshal(v)
	writeRaw(w, status, out)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
