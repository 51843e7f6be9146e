package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// userKind is the User resource type as the pipeline serves it.
func (h *handler) userKind(rt *resources.ResourceType) *kind[*resources.User] {
	us := h.cfg.Users
	k := newKind(&kind[*resources.User]{
		rt:       rt,
		related:  "groups",
		maxIDLen: store.MaxIDLen(us),
		build: func(doc map[string]any) (*resources.User, error) {
			u, err := resources.UserFromMap(doc)
			if err == nil {
				dropManagerRef(u)
			}
			return built(u, err, checkUser)
		},
		id:         func(u *resources.User) string { return u.ID },
		meta:       func(u *resources.User) *resources.Meta { return &u.Meta },
		extensions: func(u *resources.User) *map[string]json.RawMessage { return &u.Extensions },
		same:       resources.EqualUsers,
		settle:     h.managerFromRef,

		create: func(ctx context.Context, u *resources.User) (*resources.User, error) {
			var out *resources.User
			err := h.withHashing(ctx, u.Password, func() error {
				if err := h.setPassword(ctx, u.Password != "", u); err != nil {
					return err
				}
				var err error
				out, err = call(h, ctx, func(ctx context.Context) (*resources.User, error) { return us.CreateUser(ctx, u) })
				return err
			})
			return out, err
		},
		get: func(ctx context.Context, id string, withGroups bool) (*resources.User, error) {
			return call(h, ctx, func(ctx context.Context) (*resources.User, error) {
				return us.GetUser(ctx, id, store.GetOptions{ExcludeGroups: !withGroups})
			})
		},
		view: userView(h, us),
		replace: func(ctx context.Context, u *resources.User, ifVersion string) (*resources.User, error) {
			u.Groups = nil // read-only, computed on output
			return call(h, ctx, func(ctx context.Context) (*resources.User, error) { return us.ReplaceUser(ctx, u, ifVersion) })
		},
		updater: userUpdater(h, us),
		remove: func(ctx context.Context, id, ifVersion string) error {
			_, err := call(h, ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, us.DeleteUser(ctx, id, ifVersion) })
			return err
		},
		list: func(ctx context.Context, q store.Query) (store.Page[*resources.User], error) {
			return call(h, ctx, func(ctx context.Context) (store.Page[*resources.User], error) { return us.ListUsers(ctx, q) })
		},
		listAfter: userListAfter(h, us),
		prepare:   h.prepareUsers,
		own:       h.ownUsers,
		prepareOne: func(r *http.Request, base string, proj *projection, u *resources.User, fresh bool) error {
			one := [1]*resources.User{u}
			return h.prepareUsers(r, base, proj, one[:], fresh)
		},

		created: func(ctx context.Context, u *resources.User) {
			h.passwordSent(ctx, u.ID)
			h.emit(ctx, Event{Type: UserCreated, ID: u.ID, User: u})
		},
		changed: h.userChanged,
		deleted: UserDeleted,
		// A PUT or PATCH that sent a password but changed nothing stored
		// (a password is not stored without a PasswordHasher) still
		// hands it to Config.OnPassword: a password reset must reach the
		// host.
		unchanged: h.passwordSent,
	}, h.cfg.MaxSubstringBytes)
	// A hashed password is stored: a write sending one is a change
	// whatever the stored hash (secretwrite.go).
	k.secretWrites = k.secretWrites || h.storesPasswords()
	return k
}

// userListAfter is the store's UserCursorLister as the pipeline calls it,
// or nil.
func userListAfter(h *handler, us store.UserStore) func(context.Context, store.Query, string) (store.CursorPage[*resources.User], error) {
	cl, ok := us.(store.UserCursorLister)
	if !ok {
		return nil
	}
	return func(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.User], error) {
		return call(h, ctx, func(ctx context.Context) (store.CursorPage[*resources.User], error) {
			return cl.ListUsersAfter(ctx, q, after)
		})
	}
}

// userView is kind.view for users: GetUser with GetOptions.ReadOnly,
// then ownUser.
func userView(h *handler, us store.UserStore) func(context.Context, string, bool) (*resources.User, error) {
	return func(ctx context.Context, id string, withGroups bool) (*resources.User, error) {
		u, err := call(h, ctx, func(ctx context.Context) (*resources.User, error) {
			return us.GetUser(ctx, id, store.GetOptions{ExcludeGroups: !withGroups, ReadOnly: true})
		})
		if err != nil {
			return nil, err
		}
		h.ownUser(u)
		return u, nil
	}
}

// ownUser gives u, a user read with GetOptions.ReadOnly, its own
// copy of what prepareUsers writes through a pointer, so that preparing it
// for the response changes nothing in the store: the enterprise extension,
// whose manager's displayName and $ref are filled (fillManagers,
// prepareUsers) and whose attributes a narrowed model clears
// (resources.Model.FitUser). Everything else prepareUsers writes is u's
// own: its top-level fields, and the groups, which the store read for
// this call (or the handler, from the MembershipReader).
func (h *handler) ownUser(u *resources.User) {
	e := u.Enterprise
	if e == nil || (e.Manager == nil && !h.narrowEnterprise) {
		return
	}
	own := &struct {
		e resources.EnterpriseUser
		m resources.Manager
	}{e: *e}
	if e.Manager != nil {
		own.m = *e.Manager
		own.e.Manager = &own.m
	}
	u.Enterprise = &own.e
}

// ownUsers is ownUser for each user of a page listed with
// store.Query.ReadOnly (kind.own).
func (h *handler) ownUsers(users []*resources.User) {
	for _, u := range users {
		h.ownUser(u)
	}
}

// userUpdater is the store's UserUpdater as the pipeline calls it, or nil.
func userUpdater(h *handler, us store.UserStore) func(context.Context, string, bool, func(*resources.User) (*resources.User, error)) (*resources.User, error) {
	up, ok := us.(store.UserUpdater)
	if !ok {
		return nil
	}
	return func(ctx context.Context, id string, _ bool, change func(*resources.User) (*resources.User, error)) (*resources.User, error) {
		return call(h, ctx, func(ctx context.Context) (*resources.User, error) {
			return up.UpdateUser(ctx, id, "", func(cur *resources.User) (*resources.User, error) {
				next, err := change(cur)
				if next != nil {
					next.Groups = nil // read-only, computed on output
				}
				return next, err
			})
		})
	}
}

func checkUser(u *resources.User) error {
	if strings.TrimSpace(u.UserName) == "" {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, patch.EmptyRequired("userName"))
	}
	return checkName("userName", u.UserName)
}

// checkName refuses a unique name that has no identity key (see
// query.IdentityKey): control characters, or a zero-width joiner that
// would make a second user look like the first.
func checkName(attr, name string) error {
	if _, ok := query.IdentityKey(name); !ok {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s %q contains characters a name may not hold (control or invisible characters)", attr, name)
	}
	return nil
}

// resetNewUser clears what a client may not set on a new user, and
// makes one created without "active" active (activeByDefault).
func resetNewUser(u *resources.User) {
	u.ID, u.Groups = "", nil
	activeByDefault(u)
}

// activeByDefault makes u's unassigned active true, and reports whether it
// did: a user without active is active (User.IsActive says so too), and
// storing it so makes every response, filter and store agree. Every write
// the handler makes goes through it, a create, a PUT and a PATCH (one that
// removes active, or sets it null), so stores are always handed a non-nil
// Active (store.UserStore), which a column that cannot hold NULL needs.
func activeByDefault(u *resources.User) bool {
	if u.Active != nil {
		return false
	}
	u.Active = resources.Bool(true)
	return true
}

// putUser is the change of a PUT: the new user as sent, keeping what the
// client cannot or does not manage. A PUT that sends a secret (a
// password that is hashed and stored, an extension's attribute returned
// "never") is a change even when it equals the stored value
// (secretwrite.go).
func (h *handler) putUser(ctx context.Context, u *resources.User) func(cur *resources.User) (*resources.User, bool, error) {
	secrets := h.users.sentSecrets(u)
	if u.Password != "" && h.storesPasswords() {
		secrets = append(secrets, "password")
	}
	return func(cur *resources.User) (*resources.User, bool, error) {
		next := u.Clone()
		next.ID = cur.ID
		if err := h.users.readyPut(cur, next); err != nil {
			return nil, false, err
		}
		if next.Active == nil {
			// A PUT that leaves active out keeps it, so that a client
			// that does not manage it never reactivates a deactivated
			// user by accident.
			next.Active = cur.Active
		}
		// One stored without it (by the host's own write) is active.
		activeByDefault(next)
		if next.Password == "" {
			// A PUT that does not mention the password keeps it: clients
			// never see it (returned "never"), so they cannot resend it.
			next.Password = cur.Password
		}
		if err := h.setPassword(ctx, u.Password != "", next); err != nil {
			return nil, false, err
		}
		// Nor can clients resend what a narrowed model leaves out of a
		// user stored before: kept where the PUT changes nothing a
		// client sees.
		h.model.KeepUnseen(next, cur)
		secretsSent(ctx, secrets)
		// Providers resend unchanged users on every cycle: a PUT equal to
		// what is stored writes nothing and keeps the version, unless it
		// sends a secret.
		return next, len(secrets) > 0 || !resources.EqualUsers(cur, next), nil
	}
}

func (h *handler) replaceUser(w http.ResponseWriter, r *http.Request) {
	_, u, err := h.users.readBody(h, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.users.update(h, w, r, false, u.Password, false, h.putUser(r.Context(), u))
}

func (h *handler) userChanged(ctx context.Context, before, after *resources.User, _ bool) {
	h.passwordSent(ctx, after.ID)
	h.emit(ctx, Event{Type: UserUpdated, ID: after.ID, User: after})
	switch {
	case before.IsActive() && !after.IsActive():
		h.emit(ctx, Event{Type: UserDeactivated, ID: after.ID, User: after})
	case !before.IsActive() && after.IsActive():
		h.emit(ctx, Event{Type: UserReactivated, ID: after.ID, User: after})
	}
}

// prepareUsers readies users for a response: password removed,
// meta.resourceType and location set, and the read-only groups attribute
// filled from the group store, for the whole page in one call, when the
// response includes it and the user store did not fill it (a non-nil
// Groups, see store.UserStore.GetUser). A user just created belongs to no
// group yet, so the answer to a POST costs no lookup.
func (h *handler) prepareUsers(r *http.Request, base string, proj *projection, users []*resources.User, fresh bool) error {
	for _, u := range users {
		// A response carries only what /Schemas advertises, also for a
		// user stored before the host narrowed its model.
		h.model.FitUser(u)
		u.Password = ""
		u.Meta.ResourceType = "User"
	}
	// Made here, not in fillManagers, so that it stays on the stack.
	managers := make(managerNames)
	if err := h.fillManagers(r.Context(), proj, users, managers); err != nil && !h.readAfterWrite(r.Context(), "the manager's displayName", err) {
		return err
	}
	mr, ok := h.cfg.Groups.(store.MembershipReader)
	var ids []string
	// Only for a lookup (a POST's user has no groups to look up) whose
	// response shows groups.
	if ok && !fresh && h.userGroups && proj.wants("groups") {
		for _, u := range users {
			if u.Groups == nil {
				ids = append(ids, u.ID)
			}
		}
	}
	if len(ids) > 0 {
		m, err := call(h, r.Context(), func(ctx context.Context) (map[string][]resources.GroupRef, error) { return mr.GroupsOf(ctx, ids) })
		if err != nil && !h.readAfterWrite(r.Context(), "the user's groups", err) {
			return err
		}
		for _, u := range users {
			if u.Groups == nil {
				u.Groups = m[u.ID]
			}
		}
	}
	// The page's locations and the groups' and managers' $ref, cut from
	// one string. A manager has a $ref only when its value is the id of a
	// user of the tenant (RFC 7643 §4.3: the URI of the manager's User):
	// a value that names none (the manager's email, as Google Workspace
	// sends it, or a provider's own id) would make a URL that answers 404.
	size := 0
	for _, u := range users {
		size += urlLen(base, "/Users/", u.ID)
		if m := managerOf(u); m != nil && managers.has(m.Value) {
			size += urlLen(base, "/Users/", m.Value)
		}
		for i := range u.Groups {
			if u.Groups[i].Ref == "" {
				size += urlLen(base, "/Groups/", u.Groups[i].Value)
			}
		}
	}
	var urls urlText
	urls.grow(size)
	for _, u := range users {
		u.Meta.Location = urls.url(base, "/Users/", u.ID)
		if m := managerOf(u); m != nil {
			m.Ref = ""
			if managers.has(m.Value) {
				m.Ref = urls.url(base, "/Users/", m.Value)
			}
		}
		u.Groups = resources.TypedGroupRefs(u.Groups)
		for i := range u.Groups {
			if u.Groups[i].Ref == "" {
				u.Groups[i].Ref = urls.url(base, "/Groups/", u.Groups[i].Value)
			}
		}
	}
	return nil
}

// readPatch reads a PatchOp body (RFC 7644 §3.5.2) with the one PATCH
// decoder, patch.Decode.
func (h *handler) readPatch(r *http.Request) ([]patch.Operation, error) {
	body, err := h.readBody(r)
	if err != nil {
		return nil, err
	}
	ops, env, err := patch.Decode(body, h.cfg.MaxPatchOperations, h.secrets)
	if err != nil {
		return nil, err
	}
	if env.NoOperations {
		// RFC 7644 §3.5.2 asks for one or more operations; Microsoft's
		// SCIM validator sends none and expects nothing to change.
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidValue, "\"Operations\" is empty; a PATCH needs at least one operation (strict mode)"),
			"\"Operations\" is empty: the PATCH changes nothing"); err != nil {
			return nil, err
		}
	}
	if err := h.checkPatchValues(ops); err != nil {
		return nil, err
	}
	for _, name := range env.Ignored {
		warn(r.Context(), "ignored %q beside Operations in the PatchOp body", name)
	}
	if len(env.OpIgnored) > 0 {
		// An operation has op, path and value (RFC 7644 §3.5.2); what
		// else it holds changes nothing, but may be a misspelling the
		// client would want to hear of ("vaule").
		// The name is the client's, of any length: shown as a message
		// shows client text (bounded, redacted, a secret concealed),
		// unquoted after the operation it is in.
		for _, m := range env.OpIgnored {
			name := h.secrets.Unquoted(m.Name)
			if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d].%s is not a member of a PATCH operation, which has op, path and value (strict mode)", m.Index, name),
				"ignored Operations[%d].%s: a PATCH operation has op, path and value", m.Index, name); err != nil {
				return nil, err
			}
		}
	}
	for _, i := range env.EmptyPath {
		// "path": "" (or only spaces) is no path RFC 7644 §3.5.2's
		// grammar allows; a client that serialises an absent path so
		// means none. Spaces are the same bend, in the same words.
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: the path is empty; leave \"path\" out to apply the value to the resource (strict mode)", i),
			"Operations[%d]: an empty path taken as none", i); err != nil {
			return nil, err
		}
	}
	for _, i := range env.PaddedPath {
		// The grammar has no white space around a path either: the
		// path within is what the client means.
		p := ops[i].Path
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidPath, "Operations[%d]: the path %q has white space around it; send %q (strict mode)", i, p, strings.TrimSpace(p)),
			"Operations[%d]: path %q taken as %q", i, p, strings.TrimSpace(p)); err != nil {
			return nil, err
		}
	}
	for _, i := range env.PaddedOp {
		// Nor around an op: the op within is what the client means.
		o := ops[i].Op
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "Operations[%d]: the op %q has white space around it; send %q (strict mode)", i, o, strings.TrimSpace(o)),
			"Operations[%d]: op %q taken as %q", i, o, strings.TrimSpace(o)); err != nil {
			return nil, err
		}
	}
	if err := h.messageSchemas(r.Context(), "a PatchOp", patch.PatchOpSchema, env.Schemas, env.One, env.Listed, env.SCIM1); err != nil {
		return nil, err
	}
	return ops, nil
}

// me serves /Me (RFC 7644 §3.11) through Config.Me, as the user it
// resolves to.
func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Me == nil {
		h.writeError(w, r, errorf(http.StatusNotImplemented, "", "/Me is not supported by this server; use /Users/{id}"))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		// Before the resolver (RFC 9110 §15.5.6): no user makes the
		// method one /Me allows, and a failing resolver's error would
		// have answered in place of the 405.
		w.Header().Set("Allow", "GET, HEAD, PUT, PATCH, DELETE")
		h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "", "%s is not allowed on /Me", r.Method))
		return
	}
	id, err := h.cfg.Me(r.Context())
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	r.SetPathValue("id", id)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.users.serveGet(h)(w, r)
	case http.MethodPut:
		h.replaceUser(w, r)
	case http.MethodPatch:
		h.patchUser(w, r)
	case http.MethodDelete:
		h.users.serveDelete(h)(w, r)
	}
}

func (h *handler) patchUser(w http.ResponseWriter, r *http.Request) {
	ops, err := h.readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	attr, v, scalar := h.users.engine.Scalar(ops)
	// The password the operations most likely set, hashed before the
	// store's call (withHashing): "" for none, or without a hasher.
	password := ""
	if h.storesPasswords() {
		password, _ = h.users.engine.Sets(ops, "password")
	}
	h.users.update(h, w, r, false, password, false, func(cur *resources.User) (*resources.User, bool, error) {
		var next *resources.User
		changed, done := false, false
		var secrets []string
		var err error
		if scalar {
			next, changed, done, err = h.scalarPatch(cur, attr, v)
		}
		if !done {
			next, changed, secrets, err = h.users.applyPatchSecrets(h, r.Context(), cur, ops)
		}
		// A manager the operations set with a $ref and no value, not one
		// stored so before, which a PATCH of another attribute leaves be.
		if err == nil && changed && !sameManager(cur, next) {
			if err = h.managerFromRef(r, next); err == nil && len(secrets) == 0 && resources.EqualUsers(cur, next) {
				changed = false
			}
		}
		if err != nil || !changed {
			return next, changed, err
		}
		// Sent: the operations left another password than the stored
		// one, or set the one they were forecast to (a client may send
		// the stored hash's text, which is hashed as any password is).
		sent := next.Password != "" && (next.Password != cur.Password || next.Password == password)
		// What a narrowed model leaves out of a user stored before is
		// kept where the PATCH leaves what a client sees (putUser), and
		// active a PATCH unassigned is true (activeByDefault); a PATCH
		// that then changes nothing writes nothing, unless it sent a
		// secret (secretwrite.go).
		defaulted := activeByDefault(next)
		if (h.model.KeepUnseen(next, cur) || defaulted) && !sent && len(secrets) == 0 && resources.EqualUsers(cur, next) {
			return next, false, nil
		}
		if err := h.setPassword(r.Context(), sent, next); err != nil {
			return nil, false, err
		}
		if sent && !h.storesPasswords() {
			// The password was dropped or waits for OnPassword, not
			// stored: a PATCH that changed nothing else writes nothing
			// and keeps the version, as putUser's does, unless it sent
			// another secret.
			changed = len(secrets) > 0 || !resources.EqualUsers(cur, next)
		}
		return next, changed, nil
	})
}

// scalarPatch is applyPatch for a PATCH that replaces one simple core
// attribute of a user with v (patch.Engine.Scalar; a deactivation,
// active=false, is the commonest PATCH identity providers send): the
// attribute set on a copy of cur, where applyPatch renders cur as a
// document, applies the operation to it, checks every value and builds
// a user again (about thirty allocations for a provisioned user). It
// answers as applyPatch does (TestScalarPatchIsApplyPatch,
// FuzzScalarPatch): no change when next equals cur, else the new value's
// check (checkValues' walk) and the user's (checkUser). done false leaves
// the PATCH to applyPatch, for an empty or white-space string (checked
// first, as it costs nothing) or a cur that holds what only the document treats exactly: a
// raw extension value (rebuilt from the document, compacted), what
// UserFromMap drops (Compact), a value the limits may refuse or one that
// is not UTF-8 (valuesFit).
func (h *handler) scalarPatch(cur *resources.User, attr *resources.Attribute, v any) (next *resources.User, changed, done bool, err error) {
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" || attr.Returned == resources.ReturnedNever && !h.dropsSecret(attr.Name) {
		// The document holds "" as a member where cur renders none: the
		// document changes when the typed user may not; and white space
		// alone in userName is refused by the engine, which names the
		// operation. A secret the
		// store keeps (a hashed password) is applyPatch's, which counts
		// a PATCH sending one as a change whatever the stored value
		// (secretwrite.go).
		return nil, false, false, nil
	}
	if len(cur.Extensions) > 0 || cur.Enterprise != nil && len(cur.Enterprise.Extra) > 0 {
		return nil, false, false, nil
	}
	if !h.valuesFit(cur) {
		return nil, false, false, nil
	}
	next = cur.Clone()
	next.Meta, next.Groups = resources.Meta{}, nil // as WritableMap leaves them
	if next.Compact() || next.SetAttr(attr.Name, v) != nil {
		return nil, false, false, nil
	}
	// next differs from cur in attr alone: equal, the document did not
	// change either, and applyPatch answers no change, refusal or not.
	if resources.EqualUsers(cur, next) {
		return nil, false, true, nil
	}
	if err := h.walkValues(filter.AttrPath{Name: attr.Name}, v, false); err != nil {
		return nil, false, true, err
	}
	if err := checkUser(next); err != nil {
		return nil, false, true, err
	}
	return next, true, true, nil
}

// maxIDLookup is how many ids one store call of a lookup by id names
// (idsFilter: fillManagers' managers, skippedMembersOnly's member
// values): its filter is an "or" of that many id comparisons, well
// within what every store evaluates in one query. A page with more
// distinct managers (up to MaxResults users) takes one call more for each
// further maxIDLookup, so that every manager of the tenant gets its
// displayName and $ref whatever the page's size.
const maxIDLookup = 100

// idsFilter is the filter `id eq "ids[0]" or id eq "ids[1]" ...` (ids not
// empty, at most maxIDLookup), with which a list call reads the resources
// among ids: ids compare exactly, case included, as GetUser's and
// GetGroup's do (store.UserStore).
func idsFilter(ids []string) filter.Expr {
	var f filter.Expr
	for _, id := range ids {
		c := &filter.Compare{Path: filter.AttrPath{Name: "id"}, Op: filter.Eq, Value: id}
		if f == nil {
			f = c
		} else {
			f = &filter.Logical{Op: filter.Or, Left: f, Right: c}
		}
	}
	return f
}

// managerOf is u's enterprise manager when it names one, else nil.
func managerOf(u *resources.User) *resources.Manager {
	if u.Enterprise == nil || u.Enterprise.Manager == nil || u.Enterprise.Manager.Value == "" {
		return nil
	}
	return u.Enterprise.Manager
}

// dropManagerRef clears the $ref of u's manager when it names one: the
// server makes it from the value on every response (prepareUsers), so a
// client's, stored, would only make a GET-then-PUT that resends the
// response's a change (a new version) and differ from what every GET
// shows. A $ref without a value is managerFromRef's.
func dropManagerRef(u *resources.User) {
	if m := managerOf(u); m != nil {
		m.Ref = ""
	}
}

// managerNames maps the id of each manager found among the tenant's users
// to its displayName.
type managerNames map[string]string

// has reports whether id is a manager found among the tenant's users.
func (n managerNames) has(id string) bool {
	_, ok := n[id]
	return ok
}

// sameManager reports whether a and b have the same enterprise manager
// (value and $ref: displayName is the server's).
func sameManager(a, b *resources.User) bool {
	manager := func(u *resources.User) *resources.Manager {
		if u.Enterprise == nil {
			return nil
		}
		return u.Enterprise.Manager
	}
	ma, mb := manager(a), manager(b)
	if ma == nil || mb == nil {
		return ma == mb
	}
	return ma.Value == mb.Value && ma.Ref == mb.Ref
}

// managerFromRef applies the rule for a manager sent with a $ref and no
// value, which RFC 7643 §4.3 names by its value (the manager's id), from
// which the server makes the $ref: a $ref to one of this server's users
// (absolute, or relative: refID) gives its value; any
// other names no user the server knows, and the manager is dropped. Both
// are bends, warned of, and refused (400 invalidValue) in strict mode. A
// manager with a value, or none, is left as it is.
func (h *handler) managerFromRef(r *http.Request, u *resources.User) error {
	if u.Enterprise == nil || u.Enterprise.Manager == nil {
		return nil
	}
	m := u.Enterprise.Manager
	if m.Value != "" || m.Ref == "" {
		return nil
	}
	id, ours := refID(h.baseURL(r)+"/", m.Ref)
	if ours {
		if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:manager has a $ref and no value; send the manager's id as its value (%q), from which the server makes the $ref (strict mode)", resources.EnterpriseUserSchema, id),
			"manager $ref %q taken as its value %q: a manager is named by its value, from which the server makes the $ref", m.Ref, id); err != nil {
			return err
		}
		m.Value, m.Ref = id, ""
		return nil
	}
	if err := h.bend(r.Context(), errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s:manager has no value, and its $ref %q names no user of this server; send the manager's id as its value (strict mode)", resources.EnterpriseUserSchema, m.Ref),
		"ignored the manager: it has no value, and its $ref %q names no user of this server", m.Ref); err != nil {
		return err
	}
	u.Enterprise.Manager = nil
	return nil
}

// refID is the id of the user ref names on the server whose base URL is
// base (absolute, ending in a slash): ok false when it names none. A
// relative reference is resolved (RFC 3986 §5) against base's Users/,
// the place of the user whose manager it names (RFC 7643 §4.3's example
// is ../Users/ID). A relative path that names no user so is resolved
// against base itself too: a client that writes Users/ID writes it from
// the service's base URL, as an endpoint's path is, and means that user
// (against Users/ it would be Users/Users/ID, which no user is).
func refID(base, ref string) (id string, ok bool) {
	b, err := url.Parse(base)
	if err != nil {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	users := b.ResolveReference(&url.URL{Path: "Users/"})
	if id, ok := userAt(users, users.ResolveReference(u)); ok {
		return id, true
	}
	if u.Scheme == "" && u.Host == "" && !strings.HasPrefix(u.Path, "/") {
		return userAt(users, b.ResolveReference(u))
	}
	return "", false
}

// userAt is the id abs, an absolute URL, names under users, the absolute
// URL of a server's /Users/ with its trailing slash: ok false when it
// names none there.
func userAt(users, abs *url.URL) (id string, ok bool) {
	if abs.RawQuery != "" || abs.Fragment != "" || !strings.EqualFold(abs.Scheme, users.Scheme) || !strings.EqualFold(abs.Host, users.Host) {
		return "", false
	}
	seg, found := strings.CutPrefix(abs.EscapedPath(), users.EscapedPath())
	if !found || seg == "" || strings.Contains(seg, "/") {
		return "", false
	}
	id, err := url.PathUnescape(seg)
	return id, err == nil && id != ""
}

// fillManagers computes the enterprise manager's displayName (RFC 7643
// §4.3: read-only, from the manager's own User) with one store call for
// the whole page, made only when some user has a manager and the response
// includes it (one more for each maxIDLookup distinct managers
// beyond the first), and adds the managers it found to found:
// prepareUsers makes the $ref of those, and of no other, with the page's
// other URLs.
func (h *handler) fillManagers(ctx context.Context, proj *projection, users []*resources.User, found managerNames) error {
	var ids []string
	seen := map[string]bool{}
	for _, u := range users {
		m := managerOf(u)
		if m == nil {
			continue
		}
		if !seen[m.Value] {
			seen[m.Value] = true
			ids = append(ids, m.Value)
		}
	}
	if len(ids) == 0 || !proj.wantsExt(resources.EnterpriseUserSchema, "manager") {
		return nil
	}
	for len(ids) > 0 {
		n := min(len(ids), maxIDLookup)
		if err := h.lookupManagers(ctx, ids[:n], found); err != nil {
			return err
		}
		ids = ids[n:]
	}
	for _, u := range users {
		if u.Enterprise != nil && u.Enterprise.Manager != nil {
			u.Enterprise.Manager.DisplayName = found[u.Enterprise.Manager.Value]
		}
	}
	return nil
}

// lookupManagers adds to found the users of the tenant among ids (at
// most maxIDLookup, distinct), each with its displayName, in one
// store call that reads only those.
func (h *handler) lookupManagers(ctx context.Context, ids []string, found managerNames) error {
	f := idsFilter(ids)
	page, err := call(h, ctx, func(ctx context.Context) (store.Page[*resources.User], error) {
		// Only each manager's id and displayName are read.
		return h.cfg.Users.ListUsers(ctx, store.Query{Filter: f, StartIndex: 1, Count: len(ids), ExcludeGroups: true, ReadOnly: true})
	})
	if err != nil {
		return err
	}
	for _, m := range page.Items {
		found[m.ID] = m.DisplayName
	}
	return nil
}
