package scim

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// encodeUser renders a stored user for a response: meta.location and
// resourceType set, password removed, projection applied.
func (h *handler) encodeUser(base string, u *resources.User, proj *projection) ([]byte, error) {
	u.Password = ""
	u.Meta.ResourceType = "User"
	u.Meta.Location = base + "/Users/" + u.ID
	return encode(u, proj)
}

func (h *handler) encodeGroup(base string, g *resources.Group, proj *projection) ([]byte, error) {
	g.Meta.ResourceType = "Group"
	g.Meta.Location = base + "/Groups/" + g.ID
	for i := range g.Members {
		m := &g.Members[i]
		if m.Ref == "" && m.Value != "" {
			switch m.Type {
			case "Group":
				m.Ref = base + "/Groups/" + m.Value
			default:
				m.Ref = base + "/Users/" + m.Value
			}
		}
	}
	return encode(g, proj)
}

func encode(v any, proj *projection) ([]byte, error) {
	if proj == nil {
		return json.Marshal(v)
	}
	doc, err := resources.ToMap(v)
	if err != nil {
		return nil, err
	}
	return jsonMarshal(proj.apply(doc))
}

// writeResource writes one resource with its ETag and, for 201, Location.
func (h *handler) writeResource(w http.ResponseWriter, r *http.Request, status int, body []byte, location, version string) {
	if version != "" {
		w.Header().Set("ETag", version)
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", location)
	}
	h.writeBytes(w, status, body)
}

// ifMatchOK reports whether the If-Match header, if any, names version
// ("*" matches any existing resource). Tags compare weakly.
func ifMatchOK(r *http.Request, version string) bool {
	im := strings.TrimSpace(r.Header.Get("If-Match"))
	if im == "" {
		return true
	}
	for _, t := range strings.Split(im, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || sameTag(t, version) {
			return true
		}
	}
	return false
}

func hasIfMatch(r *http.Request) bool { return r.Header.Get("If-Match") != "" }

// notModified reports whether an If-None-Match header matches version.
func notModified(r *http.Request, version string) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" || version == "" {
		return false
	}
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || sameTag(t, version) {
			return true
		}
	}
	return false
}

// sameTag compares entity tags weakly (RFC 9110 §8.8.3.2): W/ is ignored.
func sameTag(a, b string) bool {
	return strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}

// fromDoc builds a typed resource from a normalised document (a request
// body after Normalize, or a document after PATCH) and checks its required
// attributes.
func fromDoc[T any](doc map[string]any, build func(map[string]any) (T, error), check func(T) error) (T, error) {
	v, err := build(doc)
	if err != nil {
		return v, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s", err.Error())
	}
	return v, check(v)
}

// applyPatch applies ops to the document of the stored resource v (a
// *resources.User or *resources.Group; meta left out). It returns the new
// document, or nil when the operations change nothing.
func (k *kind) applyPatch(v any, ops []patch.Operation) (map[string]any, error) {
	doc, err := resources.ToMap(v)
	if err != nil {
		return nil, err
	}
	delete(doc, "meta")
	next, err := k.engine.Apply(doc, ops)
	if err != nil || reflect.DeepEqual(doc, next) {
		return nil, err
	}
	return next, nil
}

// readModifyWrite runs the versioned read-modify-write of PUT and PATCH:
// get the stored resource, check If-Match, compute the new one with change
// (changed false when nothing changes) and write it with replace at the
// version read. Without If-Match, a concurrent change makes it start again
// (up to maxRetries); with If-Match, the version must match. It returns
// the resource read and, when changed, the one written.
func readModifyWrite[T any](r *http.Request, get func() (T, error), version func(T) string,
	change func(cur T) (next T, changed bool, err error), replace func(next T, ifVersion string) (T, error),
) (cur, out T, changed bool, err error) {
	for attempt := 0; ; attempt++ {
		if cur, err = get(); err != nil {
			return cur, out, false, err
		}
		if !ifMatchOK(r, version(cur)) {
			return cur, out, false, errStale
		}
		next, changed, err := change(cur)
		if err != nil || !changed {
			return cur, out, false, err
		}
		out, err = replace(next, version(cur))
		if errors.Is(err, store.ErrPreconditionFailed) && !hasIfMatch(r) && attempt < maxRetries {
			continue
		}
		return cur, out, err == nil, err
	}
}

// readResource reads what a POST or PUT of a resource carries: the
// attributes/excludedAttributes of the response and the body, decoded and
// checked against the schema by decode.
func readResource[T any](h *handler, r *http.Request, rt *resources.ResourceType, decode func(map[string]any) (T, error)) (*projection, T, error) {
	var zero T
	proj, err := h.projectionFromQuery(r, rt)
	if err != nil {
		return nil, zero, err
	}
	doc, err := h.readJSON(r)
	if err != nil {
		return nil, zero, err
	}
	v, err := decode(doc)
	if err != nil {
		return nil, zero, err
	}
	return proj, v, nil
}

// projectionFromQuery reads attributes/excludedAttributes of a single read.
func (h *handler) projectionFromQuery(r *http.Request, rt *resources.ResourceType) (*projection, error) {
	q := r.URL.Query()
	return h.newProjection(rt, splitList(q["attributes"]), splitList(q["excludedAttributes"]))
}
