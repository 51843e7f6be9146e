package scim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim/internal/loaduser"
)

// BenchmarkPatchActiveHandler is the sync cycle's PATCH alone, wired as
// BenchmarkSyncHandler's: a replace of active on one of 100 users of the
// load test's shape, false and true by turns, so that every PATCH
// changes its user (the one-attribute path, scalarPatch, to the end).
func BenchmarkPatchActiveHandler(b *testing.B) {
	h, tok := benchLoadHandler(b)
	const n = 100
	paths := make([]string, n)
	for i := range paths {
		cw := &idWriter{allocWriter: allocWriter{h: make(http.Header, 8)}}
		r := httptest.NewRequest("POST", "http://app.example.com/Users", strings.NewReader(loaduser.JSON(i)))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/scim+json")
		h.ServeHTTP(cw, r)
		if cw.status != http.StatusCreated {
			b.Fatal("POST", cw.status)
		}
		paths[i] = "/Users/" + string(cw.id)
	}
	bodies := [2]string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`,
	}
	w := &allocWriter{h: make(http.Header, 8)}
	patch := httptest.NewRequest("PATCH", "http://app.example.com/Users/x", nil)
	patch.Header.Set("Authorization", "Bearer "+tok)
	patch.Header.Set("Content-Type", "application/scim+json")
	pbody := strings.NewReader("")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		body := bodies[(i/n)%2]
		pbody.Reset(body)
		patch.Body, patch.ContentLength = io.NopCloser(pbody), int64(len(body))
		patch.URL.Path = paths[i%n]
		patch.RequestURI = patch.URL.Path
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, patch)
		if w.status != http.StatusOK {
			b.Fatal("PATCH", w.status)
		}
		i++
	}
}
