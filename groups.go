package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

func (h *handler) decodeGroup(doc map[string]any) (*resources.Group, error) {
	nd, err := h.groupType.Normalize(doc)
	if err != nil {
		return nil, err
	}
	return fromDoc(nd, resources.GroupFromMap, checkGroup)
}

func checkGroup(g *resources.Group) error {
	if strings.TrimSpace(g.DisplayName) == "" {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "displayName is required and must not be empty")
	}
	for i, m := range g.Members {
		if strings.TrimSpace(m.Value) == "" {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "members[%d] has no \"value\"; each member needs the id of a User or Group", i)
		}
	}
	return nil
}

func memberIDs(ms []resources.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Value
	}
	return ids
}

func (h *handler) createGroup(w http.ResponseWriter, r *http.Request) {
	proj, g, err := readResource(h, r, h.groupType, h.decodeGroup)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	g.ID, g.Meta = "", resources.Meta{}
	created, err := h.cfg.Groups.CreateGroup(r.Context(), g)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.emit(r.Context(), Event{Type: GroupCreated, ID: created.ID, Group: created.Clone()})
	if len(created.Members) > 0 {
		h.emit(r.Context(), Event{Type: MembersAdded, ID: created.ID, Group: created.Clone(), Members: memberIDs(created.Members)})
	}
	h.respondGroup(w, r, http.StatusCreated, created, proj)
}

func (h *handler) respondGroup(w http.ResponseWriter, r *http.Request, status int, g *resources.Group, proj *projection) {
	body, err := h.encodeGroup(h.baseURL(r), g, proj)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.writeResource(w, r, status, body, g.Meta.Location, g.Meta.Version)
}

func (h *handler) getGroup(w http.ResponseWriter, r *http.Request) {
	proj, err := h.projectionFromQuery(r, h.groupType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	g, err := h.cfg.Groups.GetGroup(r.Context(), r.PathValue("id"), store.GetOptions{ExcludeMembers: !proj.wants("members")})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if notModified(r, g.Meta.Version) {
		w.Header().Set("ETag", g.Meta.Version)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.respondGroup(w, r, http.StatusOK, g, proj)
}

// updateGroup is updateUser for groups. withMembers says whether change
// needs the stored members; when it does not, the new group is written
// with Members nil, which leaves the members as they are.
func (h *handler) updateGroup(w http.ResponseWriter, r *http.Request, withMembers bool, change func(cur *resources.Group) (*resources.Group, error)) {
	proj, err := h.projectionFromQuery(r, h.groupType)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	var next *resources.Group
	cur, out, changed, err := readModifyWrite(r,
		func() (*resources.Group, error) {
			return h.cfg.Groups.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: !withMembers})
		},
		func(g *resources.Group) string { return g.Meta.Version },
		func(cur *resources.Group) (*resources.Group, bool, error) {
			n, err := change(cur.Clone())
			if n == nil || err != nil {
				return nil, false, err
			}
			n.ID, n.Meta = cur.ID, cur.Meta
			if !withMembers {
				n.Members = nil
			} else if n.Members == nil {
				n.Members = []resources.Member{}
			}
			next = n
			return n, true, nil
		},
		func(n *resources.Group, version string) (*resources.Group, error) {
			return h.cfg.Groups.ReplaceGroup(ctx, n, version)
		})
	switch {
	case err != nil:
		h.writeError(w, r, err)
	case !changed:
		h.respondGroupRead(w, r, cur, withMembers, proj)
	default:
		h.emit(ctx, Event{Type: GroupUpdated, ID: out.ID, Group: out.Clone()})
		if withMembers {
			add, remove := diffMembers(memberIDs(cur.Members), memberIDs(next.Members))
			h.membersChanged(ctx, out, add, remove)
		}
		h.respondGroupRead(w, r, out, withMembers, proj)
	}
}

// respondGroupRead answers with g, reading the group again when the
// response needs members that g was loaded without.
func (h *handler) respondGroupRead(w http.ResponseWriter, r *http.Request, g *resources.Group, haveMembers bool, proj *projection) {
	if !haveMembers && proj.wants("members") {
		full, err := h.cfg.Groups.GetGroup(r.Context(), g.ID, store.GetOptions{})
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		g = full
	}
	h.respondGroup(w, r, http.StatusOK, g, proj)
}

func (h *handler) membersChanged(ctx context.Context, g *resources.Group, add, remove []string) {
	if len(add) > 0 {
		h.emit(ctx, Event{Type: MembersAdded, ID: g.ID, Group: g.Clone(), Members: add})
	}
	if len(remove) > 0 {
		h.emit(ctx, Event{Type: MembersRemoved, ID: g.ID, Group: g.Clone(), Members: remove})
	}
}

// diffMembers returns the ids in next but not in cur, and in cur but not
// in next.
func diffMembers(cur, next []string) (add, remove []string) {
	in := make(map[string]bool, len(cur))
	for _, id := range cur {
		in[id] = true
	}
	want := make(map[string]bool, len(next))
	for _, id := range next {
		if !want[id] && !in[id] {
			add = append(add, id)
		}
		want[id] = true
	}
	for _, id := range cur {
		if !want[id] {
			remove = append(remove, id)
			want[id] = true // report once
		}
	}
	return add, remove
}

func (h *handler) replaceGroup(w http.ResponseWriter, r *http.Request) {
	_, g, err := readResource(h, r, h.groupType, h.decodeGroup)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.updateGroup(w, r, true, func(*resources.Group) (*resources.Group, error) { return g.Clone(), nil })
}

// touchesMembers reports whether an operation targets members.
func touchesMembers(op patch.Operation) bool {
	if op.Path != "" {
		p := strings.ToLower(strings.TrimSpace(op.Path))
		p = strings.TrimPrefix(p, strings.ToLower(resources.GroupSchema)+":")
		return strings.HasPrefix(p, "members")
	}
	m, _ := op.Value.(map[string]any)
	for k := range m {
		k = strings.ToLower(k)
		if k == "members" || strings.HasSuffix(k, ":members") || strings.HasPrefix(k, "members.") {
			return true
		}
	}
	return false
}

// patchGroup applies a PATCH to a group. Operations that only change
// members go to GroupStore.ModifyMembers, so their cost does not depend on
// the group's size, and are answered 204 No Content (RFC 7644 §3.5.2
// allows it; Okta and Entra ID expect it) unless the request asks for
// attributes. So do member changes sent with other operations that change
// nothing (Okta resends the group's id and displayName with every
// membership update). Other operations are applied to the group document,
// loaded without members unless an operation needs them.
func (h *handler) patchGroup(w http.ResponseWriter, r *http.Request) {
	ops, err := h.readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	plan, ok, err := h.groups.engine.PlanMembers(ops)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if ok && !plan.NeedsCurrent {
		h.patchMembers(w, r, plan, nil)
		return
	}
	if !ok {
		if plan, others, ok := h.splitMemberOps(ops); ok && h.patchMembers(w, r, plan, others) {
			return
		}
	}
	withMembers := false
	for _, op := range ops {
		withMembers = withMembers || touchesMembers(op)
	}
	h.updateGroup(w, r, withMembers, func(cur *resources.Group) (*resources.Group, error) {
		next, err := h.groups.applyPatch(cur, ops)
		if next == nil || err != nil {
			return nil, err
		}
		return fromDoc(next, resources.GroupFromMap, checkGroup)
	})
}

// splitMemberOps finds a PATCH that changes members and carries other
// operations that may change nothing, such as Okta's membership update
// {"op":"replace","value":{"id":"g","displayName":"Sales"}},
// {"op":"remove","path":"members[value eq \"u1\"]"},
// {"op":"add","path":"members","value":[{"value":"u2"}]} for a group
// already named Sales. It returns the plan of the member operations and the
// other operations, or ok=false when the request is not of that kind.
func (h *handler) splitMemberOps(ops []patch.Operation) (plan patch.MemberPlan, others []patch.Operation, ok bool) {
	var memberOps []patch.Operation
	for _, op := range ops {
		if touchesMembers(op) {
			memberOps = append(memberOps, op)
		} else {
			others = append(others, op)
		}
	}
	if len(memberOps) == 0 || len(others) == 0 {
		return plan, nil, false
	}
	plan, ok, err := h.groups.engine.PlanMembers(memberOps)
	if err != nil || !ok || plan.NeedsCurrent || plan.Replace || plan.RemoveAll {
		return plan, nil, false
	}
	return plan, others, true
}

// patchMembers applies a membership plan with ModifyMembers at the version
// read, retrying on a concurrent change. others are operations that came
// with it and must change nothing (they are checked on the group loaded
// without members); when they would change something, patchMembers writes
// nothing and reports false, so the caller applies the request in full.
func (h *handler) patchMembers(w http.ResponseWriter, r *http.Request, plan patch.MemberPlan, others []patch.Operation) bool {
	ctx := r.Context()
	id := r.PathValue("id")
	proj, err := h.projectionFromQuery(r, h.groupType)
	if err != nil {
		h.writeError(w, r, err)
		return true
	}
	full := plan.Replace || plan.RemoveAll
	for attempt := 0; ; attempt++ {
		add, remove, version := plan.Add, plan.Remove, ""
		if full || hasIfMatch(r) || len(others) > 0 {
			cur, err := h.cfg.Groups.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: !full})
			if err != nil {
				h.writeError(w, r, err)
				return true
			}
			if !ifMatchOK(r, cur.Meta.Version) {
				h.writeError(w, r, errStale)
				return true
			}
			if len(others) > 0 && h.groupChangedBy(cur, others) {
				return false
			}
			version = cur.Meta.Version
			if full {
				var target []string
				if plan.Replace {
					target = plan.Add
				}
				add, remove = diffMembers(memberIDs(cur.Members), target)
			}
		}
		g, err := h.cfg.Groups.ModifyMembers(ctx, id, add, remove, version)
		if errors.Is(err, store.ErrPreconditionFailed) && !hasIfMatch(r) && attempt < maxRetries {
			continue
		}
		if err != nil {
			h.writeError(w, r, err)
			return true
		}
		h.membersChanged(ctx, g, add, remove)
		if proj == nil {
			w.Header().Set("ETag", g.Meta.Version)
			w.WriteHeader(http.StatusNoContent)
			return true
		}
		h.respondGroupRead(w, r, g, false, proj)
		return true
	}
}

// groupChangedBy reports whether ops would change g (or fail on it).
func (h *handler) groupChangedBy(g *resources.Group, ops []patch.Operation) bool {
	next, err := h.groups.applyPatch(g, ops)
	return err != nil || next != nil
}

func (h *handler) deleteGroup(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	version := ""
	if hasIfMatch(r) {
		// The store deletes only at the version read, so a write between
		// this check and the delete makes it fail instead of being lost.
		cur, err := h.cfg.Groups.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: true})
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
	if err := h.cfg.Groups.DeleteGroup(ctx, id, version); err != nil {
		h.writeError(w, r, err)
		return
	}
	h.emit(ctx, Event{Type: GroupDeleted, ID: id})
	w.WriteHeader(http.StatusNoContent)
}

// me serves /Me (RFC 7644 §3.11) through Config.Me, as the user it
// resolves to.
func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Me == nil {
		h.writeError(w, r, errorf(http.StatusNotImplemented, "", "/Me is not supported by this server; use /Users/{id}"))
		return
	}
	id, err := h.cfg.Me(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	r.SetPathValue("id", id)
	switch r.Method {
	case http.MethodGet:
		h.getUser(w, r)
	case http.MethodPut:
		h.replaceUser(w, r)
	case http.MethodPatch:
		h.patchUser(w, r)
	case http.MethodDelete:
		h.deleteUser(w, r)
	default:
		w.Header().Set("Allow", "GET, PUT, PATCH, DELETE")
		h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "", "%s is not allowed on /Me", r.Method))
	}
}
