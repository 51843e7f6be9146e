package scim

import (
	"context"
	"net/http"
	"strings"

	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
)

// maxRetries bounds the read-modify-write retries of PUT and PATCH after a
// version conflict with a concurrent writer.
const maxRetries = 8

var errStale = errorf(http.StatusPreconditionFailed, "", "the resource was changed since the version given in If-Match; read it again and retry")

// decodeUser turns a request document into a User, checked against the
// schema.
func (h *handler) decodeUser(doc map[string]any) (*resources.User, error) {
	nd, err := h.userType.Normalize(doc)
	if err != nil {
		return nil, err
	}
	return fromDoc(nd, resources.UserFromMap, checkUser)
}

func checkUser(u *resources.User) error {
	if strings.TrimSpace(u.UserName) == "" {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "userName is required and must not be empty")
	}
	return nil
}

func (h *handler) createUser(w http.ResponseWriter, r *http.Request) {
	proj, u, err := readResource(h, r, h.userType, h.decodeUser)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u.ID, u.Groups, u.Meta = "", nil, resources.Meta{}
	if u.Active == nil {
		// A user created without "active" is active (User.IsActive says
		// so too); storing it makes every response and filter agree.
		active := true
		u.Active = &active
	}
	created, err := h.cfg.Users.CreateUser(r.Context(), u)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.emit(r.Context(), Event{Type: UserCreated, ID: created.ID, User: created.Clone()})
	h.respondUser(w, r, http.StatusCreated, created, proj)
}

func (h *handler) respondUser(w http.ResponseWriter, r *http.Request, status int, u *resources.User, proj *projection) {
	if err := h.fillGroups(r, proj, u); err != nil {
		h.writeError(w, r, err)
		return
	}
	base := h.baseURL(r)
	body, err := h.encodeUser(base, u, proj)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeResource(w, r, status, body, u.Meta.Location, u.Meta.Version)
}

func (h *handler) getUser(w http.ResponseWriter, r *http.Request) {
	proj, err := h.projectionFromQuery(r, h.userType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u, err := h.cfg.Users.GetUser(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if notModified(r, u.Meta.Version) {
		w.Header().Set("ETag", u.Meta.Version)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.respondUser(w, r, http.StatusOK, u, proj)
}

// updateUser runs a read-modify-write of one user (see readModifyWrite):
// change computes the new user from a copy of the stored one, or returns
// nil when nothing changes. It reports the events and writes the response.
func (h *handler) updateUser(w http.ResponseWriter, r *http.Request, change func(cur *resources.User) (*resources.User, error)) {
	proj, err := h.projectionFromQuery(r, h.userType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	cur, out, changed, err := readModifyWrite(r,
		func() (*resources.User, error) { return h.cfg.Users.GetUser(ctx, id) },
		func(u *resources.User) string { return u.Meta.Version },
		func(cur *resources.User) (*resources.User, bool, error) {
			next, err := change(cur.Clone())
			if next == nil || err != nil {
				return nil, false, err
			}
			next.ID, next.Groups, next.Meta = cur.ID, nil, cur.Meta
			return next, true, nil
		},
		func(next *resources.User, version string) (*resources.User, error) {
			return h.cfg.Users.ReplaceUser(ctx, next, version)
		})
	switch {
	case err != nil:
		h.writeError(w, r, err)
	case !changed:
		h.respondUser(w, r, http.StatusOK, cur, proj)
	default:
		h.userChanged(ctx, cur, out)
		h.respondUser(w, r, http.StatusOK, out, proj)
	}
}

func (h *handler) userChanged(ctx context.Context, before, after *resources.User) {
	h.emit(ctx, Event{Type: UserUpdated, ID: after.ID, User: after.Clone()})
	switch {
	case before.IsActive() && !after.IsActive():
		h.emit(ctx, Event{Type: UserDeactivated, ID: after.ID, User: after.Clone()})
	case !before.IsActive() && after.IsActive():
		h.emit(ctx, Event{Type: UserReactivated, ID: after.ID, User: after.Clone()})
	}
}

func (h *handler) replaceUser(w http.ResponseWriter, r *http.Request) {
	_, u, err := readResource(h, r, h.userType, h.decodeUser)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.updateUser(w, r, func(cur *resources.User) (*resources.User, error) {
		next := u.Clone()
		if next.Active == nil {
			// A PUT that leaves active out keeps it, so that a client
			// that does not manage it never reactivates a deactivated
			// user by accident.
			next.Active = cur.Active
		}
		if next.Password == "" {
			// A PUT that does not mention the password keeps it: clients
			// never see it (returned "never"), so they cannot resend it.
			next.Password = cur.Password
		}
		return next, nil
	})
}

func (h *handler) patchUser(w http.ResponseWriter, r *http.Request) {
	ops, err := h.readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.updateUser(w, r, func(cur *resources.User) (*resources.User, error) {
		cur.Groups = nil
		next, err := h.users.applyPatch(cur, ops)
		if next == nil || err != nil {
			return nil, err
		}
		return fromDoc(next, resources.UserFromMap, checkUser)
	})
}

func (h *handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	version := ""
	if hasIfMatch(r) {
		// The store deletes only at the version read, so a write between
		// this check and the delete makes it fail instead of being lost.
		cur, err := h.cfg.Users.GetUser(ctx, id)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !ifMatchOK(r, cur.Meta.Version) {
			h.writeError(w, r, errStale)
			return
		}
		version = cur.Meta.Version
	}
	if err := h.cfg.Users.DeleteUser(ctx, id, version); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.emit(ctx, Event{Type: UserDeleted, ID: id})
	w.WriteHeader(http.StatusNoContent)
}

// readPatch reads a PatchOp body (RFC 7644 §3.5.2).
func (h *handler) readPatch(r *http.Request) ([]patch.Operation, error) {
	doc, err := h.readJSON(r)
	if err != nil {
		return nil, err
	}
	var rawOps any
	found := false
	for k, v := range doc {
		switch strings.ToLower(k) {
		case "operations":
			rawOps, found = v, true
		case "schemas":
		default:
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%q is not an attribute of a PatchOp request; send {\"schemas\":[%q],\"Operations\":[...]}", k, patchOpSchema)
		}
	}
	list, ok := rawOps.([]any)
	if !found || !ok {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "a PATCH body needs an \"Operations\" list: {\"schemas\":[%q],\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]}", patchOpSchema)
	}
	if len(list) == 0 {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "\"Operations\" is empty; a PATCH needs at least one operation")
	}
	if len(list) > h.cfg.MaxPatchOperations {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "the PATCH has %d operations; at most %d are accepted in one request", len(list), h.cfg.MaxPatchOperations)
	}
	ops := make([]patch.Operation, 0, len(list))
	for i, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "operation %d is not a JSON object", i)
		}
		var op patch.Operation
		for k, v := range m {
			switch strings.ToLower(k) {
			case "op":
				s, ok := v.(string)
				if !ok {
					return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "operation %d: \"op\" must be a string", i)
				}
				op.Op = s
			case "path":
				if v == nil {
					continue
				}
				s, ok := v.(string)
				if !ok {
					return nil, errorf(http.StatusBadRequest, ScimTypeInvalidPath, "operation %d: \"path\" must be a string", i)
				}
				op.Path = s
			case "value":
				op.Value = v
				if v == nil {
					op.Value = patch.JSONNull{} // an explicit null unassigns (RFC 7643 §2.5)
				}
			}
		}
		if op.Op == "" {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "operation %d has no \"op\"; use add, replace or remove", i)
		}
		ops = append(ops, op)
	}
	return ops, nil
}
