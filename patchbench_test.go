package scim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPatchActiveHandler is the sync cycle's PATCH alone, wired as
// BenchmarkSyncHandler's: a replace of active on one of 100 users of the
// load test's shape, false and true by turns, so that every PATCH
// changes its user (the one-attribute path, scalarPatch, to the end).
func BenchmarkPatchActiveHandler(b *testing.B) {
	h, tok := benchLoadHandler(b)
	const n = 100
	paths := createLoadUsers(b, h, tok, n)
	for i := range paths {
		paths[i] = "/Users/" + paths[i]
	}
	bodies := [2]string{
		deactivate,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`,
	}
	patch := newPatchRequest(tok)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if status := patch.serve(h, paths[i%n], bodies[(i/n)%2]); status != http.StatusOK {
			b.Fatal("PATCH", status)
		}
		i++
	}
}

// patchRequest is a PATCH a benchmark sends again and again, made once:
// each serve gives it a body and a path.
type patchRequest struct {
	r    *http.Request
	body *strings.Reader
	w    *allocWriter
}

func newPatchRequest(tok string) *patchRequest {
	r := httptest.NewRequest("PATCH", "http://app.example.com/Users/x", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Content-Type", "application/scim+json")
	return &patchRequest{r: r, body: strings.NewReader(""), w: &allocWriter{h: make(http.Header, 8)}}
}

// serve sends body to path through h and returns the response's status.
func (p *patchRequest) serve(h http.Handler, path, body string) int {
	p.body.Reset(body)
	p.r.Body, p.r.ContentLength = io.NopCloser(p.body), int64(len(body))
	p.r.URL.Path = path
	p.r.RequestURI = path
	clear(p.w.h)
	p.w.status = 0
	h.ServeHTTP(p.w, p.r)
	return p.w.status
}
