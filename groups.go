package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// groupKind is the Group resource type as the pipeline serves it.
func (h *handler) groupKind(rt *resources.ResourceType) *kind[*resources.Group] {
	gs := h.cfg.Groups
	return newKind(&kind[*resources.Group]{
		rt:       rt,
		related:  "members",
		maxIDLen: store.MaxIDLen(gs),
		build: func(doc map[string]any) (*resources.Group, error) {
			g, err := resources.GroupFromMap(doc)
			return built(g, err, checkGroup)
		},
		id:         func(g *resources.Group) string { return g.ID },
		meta:       func(g *resources.Group) *resources.Meta { return &g.Meta },
		extensions: func(g *resources.Group) *map[string]json.RawMessage { return &g.Extensions },
		same:       resources.EqualGroups,

		create: func(ctx context.Context, g *resources.Group) (*resources.Group, error) {
			sent := g.Members
			return h.memberWrite(ctx, nil, func() []resources.Member { return sent }, func(ctx context.Context) (*resources.Group, error) {
				return call(h, ctx, func(ctx context.Context) (*resources.Group, error) { return gs.CreateGroup(ctx, g) })
			})
		},
		get: func(ctx context.Context, id string, withMembers bool) (*resources.Group, error) {
			return call(h, ctx, func(ctx context.Context) (*resources.Group, error) {
				return gs.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: !withMembers})
			})
		},
		view: groupView(h, gs),
		replace: func(ctx context.Context, g *resources.Group, ifVersion string) (*resources.Group, error) {
			sent := g.Members
			return h.memberWrite(ctx, sentOps(ctx), func() []resources.Member { return sent }, func(ctx context.Context) (*resources.Group, error) {
				return call(h, ctx, func(ctx context.Context) (*resources.Group, error) { return gs.ReplaceGroup(ctx, g, ifVersion) })
			})
		},
		updater:   groupUpdater(h, gs),
		skipsOnly: h.skippedMembersOnly,
		remove: func(ctx context.Context, id, ifVersion string) error {
			_, err := call(h, ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, gs.DeleteGroup(ctx, id, ifVersion) })
			return err
		},
		list: func(ctx context.Context, q store.Query) (store.Page[*resources.Group], error) {
			return call(h, ctx, func(ctx context.Context) (store.Page[*resources.Group], error) { return gs.ListGroups(ctx, q) })
		},
		listAfter: groupListAfter(h, gs),
		prepare:   h.prepareGroups,
		prepareOne: func(r *http.Request, base string, proj *projection, g *resources.Group, fresh bool) error {
			one := [1]*resources.Group{g}
			return h.prepareGroups(r, base, proj, one[:], fresh)
		},

		created: func(ctx context.Context, g *resources.Group) {
			h.emit(ctx, Event{Type: GroupCreated, ID: g.ID, Group: g})
			if len(g.Members) > 0 && h.cfg.Events != nil {
				h.emit(ctx, Event{Type: MembersAdded, ID: g.ID, Group: g, Members: memberIDs(g.Members)})
			}
		},
		changed: func(ctx context.Context, before, after *resources.Group, members bool) {
			if h.cfg.Events == nil {
				return // no member lists to diff for events nobody receives
			}
			h.emit(ctx, Event{Type: GroupUpdated, ID: after.ID, Group: after})
			if members {
				add, remove := diffMembers(memberIDs(before.Members), memberIDs(after.Members))
				h.membersChanged(ctx, after, add, remove)
			}
		},
		deleted: GroupDeleted,
	}, h.cfg.MaxSubstringBytes)
}

// groupView is kind.view for groups: GetGroup with GetOptions.ReadOnly.
// prepareGroups writes only the group's own fields and its members, which
// the store read for this call, so nothing needs a copy of its own.
func groupView(h *handler, gs store.GroupStore) func(context.Context, string, bool) (*resources.Group, error) {
	return func(ctx context.Context, id string, withMembers bool) (*resources.Group, error) {
		return call(h, ctx, func(ctx context.Context) (*resources.Group, error) {
			return gs.GetGroup(ctx, id, store.GetOptions{ExcludeMembers: !withMembers, ReadOnly: true})
		})
	}
}

// groupUpdater is the store's GroupUpdater as the pipeline calls it, or nil.
func groupUpdater(h *handler, gs store.GroupStore) func(context.Context, string, bool, func(*resources.Group) (*resources.Group, error)) (*resources.Group, error) {
	up, ok := gs.(store.GroupUpdater)
	if !ok {
		return nil
	}
	return func(ctx context.Context, id string, withMembers bool, change func(*resources.Group) (*resources.Group, error)) (*resources.Group, error) {
		// The members the change wrote, from its last run (a store may
		// run it again on a conflict): what memberWrite compares with the
		// group written for a store that does not fill MemberSkips. A
		// change without the members (withMembers false) sends none.
		var sent []resources.Member
		if withMembers {
			inner := change
			change = func(g *resources.Group) (*resources.Group, error) {
				next, err := inner(g)
				sent = nil
				if next != nil {
					sent = next.Members
				}
				return next, err
			}
		}
		return h.memberWrite(ctx, sentOps(ctx), func() []resources.Member { return sent }, func(ctx context.Context) (*resources.Group, error) {
			return call(h, ctx, func(ctx context.Context) (*resources.Group, error) {
				return up.UpdateGroup(ctx, id, "", withMembers, change)
			})
		})
	}
}

// memberWrite runs write, a store write of a group's member values, with
// a store.MemberSkips in its context that refuses a skip under
// Config.Strict. Member values that name no user or group of the tenant
// (identity providers send members they have not provisioned yet) are
// skipped with a warning naming them by what sent them (warnSkipped),
// or refused under Config.Strict with 400 invalidValue naming them the
// same way (skipsBySender), the store having written nothing (a store.ErrUnknownMembers naming none is
// toError's to answer).
//
// ops are the operations of the group PATCH the write carries out (nil
// for a POST or PUT), which the warning names a skipped value by.
// sent, when not nil, gives after the write the members it wrote as the
// request made them (a POST's or PUT's, or the result of a change run by
// a GroupUpdater); nil for a member change by ids. A store that does not
// fill the MemberSkips still skips such values, and strict mode cannot
// refuse them before the write; the warning then comes from the group
// written, the values of sent it does not hold (README, "Leniency, with
// a trace"). A member change by ids on such a store skips them unseen.
func (h *handler) memberWrite(ctx context.Context, ops []patch.Operation, sent func() []resources.Member, write func(context.Context) (*resources.Group, error)) (*resources.Group, error) {
	sk := &store.MemberSkips{Refuse: h.cfg.Strict}
	g, err := write(store.WithMemberSkips(ctx, sk))
	if err == nil && !sk.Filled && g != nil && sent != nil {
		// The members as the request made them, not copied (a 100,000
		// member PUT): a store that filters them in place hides its skips.
		if members := sent(); len(members) > 0 {
			sk.IDs = notHeld(members, g.Members)
		}
	}
	if len(sk.IDs) == 0 || (err != nil && !errors.Is(err, store.ErrUnknownMembers)) {
		return g, err
	}
	var members []resources.Member
	if ops == nil && sent != nil {
		members = sent()
	}
	if err == nil {
		h.warnSkipped(ctx, sk.IDs, ops, members)
		return g, nil
	}
	// The values the store noted, named by what sent them as the lenient
	// warning names them, make the detail actionable; without them
	// toError's generic one answers.
	var parts []string
	for _, s := range h.skipsBySender(sk.IDs, ops, members) {
		parts = append(parts, s.at+s.values)
	}
	return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s name no user or group of this server; provision them first, or leave them out (strict mode skips no member)", strings.Join(parts, "; "))
}

// warnSkipped warns of ids, member values skipped because they name no
// user or group of this server, naming each by what the client sent it
// in (skipsBySender), one warning per sender: "Operations[1]: skipped
// members ...", "skipped members[2] ...".
func (h *handler) warnSkipped(ctx context.Context, ids []string, ops []patch.Operation, sent []resources.Member) {
	for _, s := range h.skipsBySender(ids, ops, sent) {
		warn(ctx, "%sskipped %s: they name no user or group of this server", s.at, s.values)
	}
}

// skipSender is the member values of one sender that name no user or
// group (skipsBySender): at names the PATCH operation that sent them
// ("Operations[1]: "), "" for a POST's or PUT's list; values lists them
// as the client sent them ("members \"a\", \"b\"", or with their places,
// "members[2] \"a\"").
type skipSender struct{ at, values string }

// skipsBySender groups ids, member values that name no user or group of
// this server, by what the client sent them in, as every other warning
// or refusal of a request names what it bent or refused: a PATCH's
// operations (ops), one entry per operation that sent some, its values
// in its order; a POST's or PUT's members (sent), one entry naming each
// value by its place in the list ("members[2]"). A value found in
// neither (ops and sent nil, or a value they do not hold) comes last,
// without a name. The warning of a lenient request (warnSkipped) and the
// refusal of a strict one (memberWrite) both name them so. It runs only
// once a value was skipped: the operations are read again
// (patch.Engine.SentMembers) only then.
func (h *handler) skipsBySender(ids []string, ops []patch.Operation, sent []resources.Member) []skipSender {
	var out []skipSender
	skipped := idSet(ids)
	named := make(map[string]bool, len(ids)) // named by an operation or a place
	if ops != nil {
		for _, op := range h.groups.engine.SentMembers(ops) {
			var list []string
			once := make(map[string]bool)
			for _, id := range op.IDs {
				if skipped[id] && !once[id] {
					once[id], named[id] = true, true
					list = append(list, id)
				}
			}
			if len(list) > 0 {
				out = append(out, skipSender{"Operations[" + strconv.Itoa(op.Op) + "]: ", "members " + h.secrets.QuoteList(list)})
			}
		}
	} else {
		var labels, list []string
		for j, m := range sent {
			if skipped[m.Value] && !named[m.Value] {
				named[m.Value] = true // at its first place
				labels = append(labels, "members["+strconv.Itoa(j)+"]")
				list = append(list, m.Value)
			}
		}
		if len(list) > 0 {
			out = append(out, skipSender{"", h.secrets.QuoteListAt(labels, list)})
		}
	}
	var rest []string
	for _, id := range ids {
		if !named[id] {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		out = append(out, skipSender{"", "members " + h.secrets.QuoteList(rest)})
	}
	return out
}

// sentOpsKey is the context key of the operations of the group PATCH
// being served (withSentOps).
type sentOpsKey struct{}

// withSentOps returns a context carrying ops, the operations of a group
// PATCH, so that warnSkipped names a skipped member value by the
// operation that sent it. It is a context value rather than a parameter
// because the writes that read it are the generic pipeline's
// (kind.update: readModifyWrite or updateInStore), whose signatures are
// the users' too; memberWrite's own callers that see the operations
// (reportedMembers, for ModifyMembers and ModifyMembersChecked) take
// them as a parameter instead.
//
// Set by exactly two places: patchGroup, before the general path
// (h.groups.update) of a PATCH whose plan NeedsMembers (a PATCH that
// leaves the members alone skips none and allocates nothing for it), and
// replaceMembersInStore, around its GroupUpdater call. Read (sentOps) by
// exactly three: the groups' kind.replace and groupUpdater closures
// (groupKind), which hand it to memberWrite, and skippedMembersOnly. A
// POST's or PUT's context never carries it, and those readers then name
// a value by its place in the members list.
func withSentOps(ctx context.Context, ops []patch.Operation) context.Context {
	return context.WithValue(ctx, sentOpsKey{}, ops)
}

// sentOps is the operations withSentOps put in ctx, nil for a write that
// is no PATCH's (a POST's or PUT's).
func sentOps(ctx context.Context) []patch.Operation {
	ops, _ := ctx.Value(sentOpsKey{}).([]patch.Operation)
	return ops
}

// maxSkipLookups bounds the member values skippedMembersOnly looks up:
// store.MultiValueLimit, in batches of maxIDLookup, a ListUsers and a
// ListGroups each, so at most 20 store calls. A write adding more is
// made, as the store decides (a member list may be longer than
// Config.MaxMultiValues: a PUT of 20,000 members).
const maxSkipLookups = store.MultiValueLimit

// skippedMembersOnly is the groups' kind.skipsOnly, for a store without
// store.GroupUpdater, whose ReplaceGroup writes a new version whatever
// members it skips: next, cur's replacement with its members, has cur's
// attributes and every member of cur, sends no secret, and its other
// member values (at most maxSkipLookups) each name no user or group of
// the tenant, or name the group itself. The store would skip them all
// and change nothing, so the handler writes nothing and warns of them,
// as memberWrite does of a store's skips (README, "Leniency, with a
// trace"). Under Config.Strict the store is called, and refuses them.
//
// The values are looked up a batch at a time (idsFilter), users first,
// and the first that names someone ends it: a write adding a real member
// costs one ListUsers more. A value naming a group is someone, also on a
// store that keeps no nested groups and skips it (the handler cannot
// tell): such a write is made (store.GroupUpdater says what a store
// gains by deciding itself).
func (h *handler) skippedMembersOnly(ctx context.Context, cur, next *resources.Group, withMembers bool) (bool, error) {
	if !withMembers || h.cfg.Strict || len(store.SecretsSentOf(ctx)) > 0 || !resources.EqualGroupAttributes(cur, next) {
		return false, nil
	}
	extra, remove := diffMembers(memberIDs(cur.Members), memberIDs(next.Members))
	if len(remove) > 0 || len(extra) == 0 || len(extra) > maxSkipLookups {
		return false, nil
	}
	others := make([]string, 0, len(extra))
	for _, id := range extra {
		if id != cur.ID {
			others = append(others, id)
		}
	}
	for ids := range slices.Chunk(others, maxIDLookup) {
		q := store.Query{Filter: idsFilter(ids), StartIndex: 1, Count: 1, ExcludeGroups: true, ExcludeMembers: true, ReadOnly: true}
		users, err := call(h, ctx, func(ctx context.Context) (store.Page[*resources.User], error) {
			return h.cfg.Users.ListUsers(ctx, q)
		})
		if err != nil || users.Total > 0 || len(users.Items) > 0 {
			return false, err
		}
		groups, err := call(h, ctx, func(ctx context.Context) (store.Page[*resources.Group], error) {
			return h.cfg.Groups.ListGroups(ctx, q)
		})
		if err != nil || groups.Total > 0 || len(groups.Items) > 0 {
			return false, err
		}
	}
	h.warnSkipped(ctx, extra, sentOps(ctx), next.Members)
	return true, nil
}

// notHeld returns the values of sent, each once in the order given, that
// no member of held has.
func notHeld(sent, held []resources.Member) []string {
	in := make(map[string]struct{}, len(held))
	for _, m := range held {
		in[m.Value] = struct{}{}
	}
	var out []string
	for _, m := range sent {
		if _, ok := in[m.Value]; !ok {
			in[m.Value] = struct{}{} // once
			out = append(out, m.Value)
		}
	}
	return out
}

func checkGroup(g *resources.Group) error {
	if strings.TrimSpace(g.DisplayName) == "" {
		return errorf(http.StatusBadRequest, ScimTypeInvalidValue, patch.EmptyRequired("displayName"))
	}
	if err := checkName("displayName", g.DisplayName); err != nil {
		return err
	}
	for i, m := range g.Members {
		if err := resources.RequireMemberValue(i, m.Value); err != nil {
			return err
		}
	}
	return nil
}

func resetNewGroup(g *resources.Group) { g.ID = "" }

// prepareGroups sets meta.resourceType and location and each member's
// $ref, and leaves out what the model does not define (FitGroup).
func (h *handler) prepareGroups(_ *http.Request, base string, _ *projection, groups []*resources.Group, _ bool) error {
	// The page's locations and members' $ref, cut from one string.
	size := 0
	for _, g := range groups {
		h.model.FitGroup(g)
		g.Meta.ResourceType = "Group"
		size += urlLen(base, "/Groups/", g.ID)
		for i := range g.Members {
			if m := &g.Members[i]; m.Ref == "" && m.Value != "" {
				size += urlLen(base, memberSegment(m.Type), m.Value)
			}
		}
	}
	var urls urlText
	urls.grow(size)
	for _, g := range groups {
		g.Meta.Location = urls.url(base, "/Groups/", g.ID)
		for i := range g.Members {
			if m := &g.Members[i]; m.Ref == "" && m.Value != "" {
				m.Ref = urls.url(base, memberSegment(m.Type), m.Value)
			}
		}
	}
	return nil
}

// memberSegment is the path segment of a member's $ref: a group's under
// /Groups/, any other's under /Users/.
func memberSegment(typ string) string {
	if typ == "Group" {
		return "/Groups/"
	}
	return "/Users/"
}

func memberIDs(ms []resources.Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.Value
	}
	return ids
}

// withMembers makes a group change say what it does to members: written
// with the group when the change read them (an absent list empties the
// group), left as they are (nil) otherwise.
func withMembers(read bool, change func(cur *resources.Group) (*resources.Group, bool, error)) func(cur *resources.Group) (*resources.Group, bool, error) {
	return func(cur *resources.Group) (*resources.Group, bool, error) {
		next, changed, err := change(cur)
		if err != nil || !changed {
			return next, changed, err
		}
		next.ID = cur.ID
		switch {
		case !read:
			next.Members = nil
		case next.Members == nil:
			next.Members = []resources.Member{}
		}
		return next, true, nil
	}
}

func (h *handler) replaceGroup(w http.ResponseWriter, r *http.Request) {
	_, g, err := h.groups.readBody(h, r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	// The change compares the stored members' ids only (sameGroup): a
	// store may read them without their names (store.WithMemberIDs).
	r = r.WithContext(store.WithMemberIDs(r.Context()))
	secrets := h.groups.sentSecrets(g)
	h.groups.update(h, w, r, true, "", false, withMembers(true, func(cur *resources.Group) (*resources.Group, bool, error) {
		next := g.Clone()
		if err := h.groups.readyPut(cur, next); err != nil {
			return nil, false, err
		}
		// What a narrowed model leaves out of a group stored before is
		// kept (putUser).
		h.model.KeepUnseenGroup(next, cur)
		secretsSent(r.Context(), secrets)
		// A PUT equal to what is stored (members in any order) writes
		// nothing and keeps the version, unless it sends a secret
		// (secretwrite.go).
		return next, len(secrets) > 0 || !sameGroup(cur, next), nil
	}))
}

func (h *handler) membersChanged(ctx context.Context, g *resources.Group, add, remove []string) {
	if h.cfg.Events == nil {
		return
	}
	if len(add) > 0 {
		h.emit(ctx, Event{Type: MembersAdded, ID: g.ID, Group: g, Members: add})
	}
	if len(remove) > 0 {
		h.emit(ctx, Event{Type: MembersRemoved, ID: g.ID, Group: g, Members: remove})
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

// patchGroup applies a PATCH to a group, as patch.Engine.PlanGroup says.
// Operations that only change members go to GroupStore.ModifyMembers, so
// the cost of adding or removing members does not depend on the group's
// size (a replacement of the whole list goes to GroupUpdater.UpdateGroup
// when the store is one: patchMembers), and are answered 204 No Content
// (RFC 7644 §3.5.2 allows it; Okta and Entra ID expect it) unless the
// request asks for attributes. So do member changes sent with other
// operations that change nothing (Okta resends the group's id and
// displayName with every membership update), checked under the store's
// lock when it is a store.CheckedMemberModifier (patchMembers). Other
// requests are applied to the group document, loaded without members
// unless an operation needs them, and are answered 204 too unless the
// request asks for attributes: a 200 carries the whole group, so a
// rename would read every member back to answer (Entra ID's guide calls
// that inadvisable).
func (h *handler) patchGroup(w http.ResponseWriter, r *http.Request) {
	ops, err := h.readPatch(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	l := h.lenience()
	plan, err := h.groups.engine.PlanGroup(ops, l)
	mark := warningMark(r.Context())
	warnAll(r.Context(), l)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	switch plan.Kind {
	case patch.MembersOnly:
		h.patchMembers(w, r, ops, plan.Members, nil)
		return
	case patch.MembersWithOthers:
		if h.patchMembers(w, r, ops, plan.Members, plan.Others) {
			return
		}
		// The whole request is applied below, and bends again what
		// planning and the others' check bent.
		dropWarnings(r.Context(), mark)
	}
	if plan.NeedsMembers {
		// The write names the member values it skips by the operations
		// that sent them (warnSkipped).
		r = r.WithContext(withSentOps(r.Context(), ops))
	}
	h.groups.update(h, w, r, plan.NeedsMembers, "", true, withMembers(plan.NeedsMembers, func(cur *resources.Group) (*resources.Group, bool, error) {
		return h.groups.applyPatch(h, r.Context(), cur, ops)
	}))
}

// patchMembers applies a membership plan. others are operations that
// came with it and must change nothing (they are checked on the group
// without members); when they would change something, patchMembers
// writes nothing and reports false, so the caller applies the request in
// full. Which way the plan goes:
//
//   - a change of the members named (add, remove), when the store is a
//     store.CheckedMemberModifier: one call, the others and If-Match or
//     If-None-Match checked on the group under the store's lock, so
//     nothing to retry however many member changes the group is taking
//     (Okta pushing a big group sends every one with the displayName);
//   - a replacement of the whole list (replace members, remove all),
//     when the store is a store.GroupUpdater: one locked
//     read-modify-write of the members, nothing to retry either;
//   - otherwise a read of the group for the checks and ModifyMembers at
//     the version read, started again after a backoff when a concurrent
//     change got there first (for up to backoff.DefaultBudget, then 503).
//
// Without others or a precondition a change of the members named is
// ModifyMembers alone, which is atomic and needs no version.
func (h *handler) patchMembers(w http.ResponseWriter, r *http.Request, ops []patch.Operation, plan patch.MemberPlan, others []patch.Operation) bool {
	// The ids are held to what a member's value in a POST or PUT is held
	// to (checkValues): they go to the store's lookups, and PostgreSQL
	// refused one with a NUL with a 500.
	for _, ids := range [][]string{plan.Add, plan.Remove} {
		for _, m := range ids {
			if err := h.walkValues(filter.AttrPath{Name: "members", Sub: "value"}, m, true); err != nil {
				h.writeError(w, r, err)
				return true
			}
		}
	}
	proj, err := h.projectionFromQuery(r, h.groups)
	if err != nil {
		h.writeError(w, r, err)
		return true
	}
	c := memberChange{ops: ops, plan: plan, others: others, full: plan.Replace || plan.RemoveAll, mark: warningMark(r.Context())}
	if plan.Replace {
		c.target = plan.Add
	}
	var (
		g           *resources.Group
		add, remove []string
	)
	switch {
	case c.full && h.groups.updater != nil:
		g, add, remove, err = h.replaceMembersInStore(r, c)
	case !c.full && h.checkedMembers != nil && (hasPrecondition(r) || len(others) > 0):
		g, add, remove, err = h.modifyMembersChecked(r, c)
	default:
		g, add, remove, err = h.modifyMembersRead(r, c)
	}
	switch {
	case errors.Is(err, errOthersChange):
		return false
	case err != nil:
		h.writeError(w, r, err)
		return true
	}
	if c.full {
		// The list is made whole by the request: only Moot removals.
		h.warnNotRemoved(r.Context(), plan.Removals, nil, nil, nil, false)
	}
	if len(add) > 0 || len(remove) > 0 {
		// Nothing added or removed: nothing was written.
		committed(r.Context())
	}
	h.membersChanged(r.Context(), g, add, remove)
	if proj.defaultSet() {
		h.groups.noContent(w, g)
		return true
	}
	h.groups.respondRead(h, w, r, g, g.Members != nil, proj)
	return true
}

// errOthersChange says that the operations sent with a member change
// would change the group: the request is then applied in full. It never
// reaches a client.
var errOthersChange = errors.New("scim: the operations sent with the member change change the group")

// checkOthers is the check of a member change on cur, the group as
// stored: If-Match and If-None-Match (precondition), then others, which
// must change nothing (errOthersChange otherwise, also when they fail:
// the request applied in full answers their error). It may run more than
// once (the store's check, store.CheckedMemberModifier); the warnings the
// others' check adds are the last run's, from mark on. The others see
// the group without its members, whatever cur holds: they are not member
// operations, and their no-op test need not compare a big list.
func (h *handler) checkOthers(r *http.Request, cur *resources.Group, others []patch.Operation, mark int) error {
	dropWarnings(r.Context(), mark)
	if err := precondition(r, cur.Meta.Version); err != nil {
		return err
	}
	if len(others) > 0 {
		bare := *cur
		bare.Members = nil
		if _, changed, err := h.groups.applyPatch(h, r.Context(), &bare, others); err != nil || changed {
			return errOthersChange
		}
	}
	return nil
}

// warningMark is where the warnings added from now on begin: the mark a
// change that may run more than once (a store's check, an updater)
// hands dropWarnings, so that only its last run's bends count.
func warningMark(ctx context.Context) int {
	if st := stateOf(ctx); st != nil {
		return len(st.warnings)
	}
	return 0
}

// dropWarnings forgets the warnings added since mark (warningMark).
func dropWarnings(ctx context.Context, mark int) {
	if st := stateOf(ctx); st != nil && len(st.warnings) > mark {
		st.warnings = st.warnings[:mark]
	}
}

// memberChange is a membership plan as patchMembers hands it to the
// path it takes, with what every path derives from it.
type memberChange struct {
	ops    []patch.Operation // the request's, naming skipped members (skipsBySender)
	plan   patch.MemberPlan
	others []patch.Operation
	full   bool     // the whole list replaced (replace members, remove all)
	target []string // the list a full change writes (nil: remove all)
	mark   int      // where the warnings of the checks begin (warningMark)
}

// reportedMembers calls f, a store's member change, and returns the
// group changed with the members the events name: those the store
// reports it really added and removed (store.Report), else add and
// remove, those the request named.
//
// A removal asks for the report even when no event reads it: of
// removals (patch.MemberPlan.Removals; nil for a change no operation
// made value by value, a full list's, made of members read at the
// version written), those the store reports it did not remove are
// warned of (warnNotRemoved). A one-member removal costs a store
// nothing more to report (sqlstore reads the row count it gets anyway);
// a longer one that removes fewer than it names reads back which it
// removed.
func (h *handler) reportedMembers(ctx context.Context, ops []patch.Operation, add, remove []string, removals []patch.Removal, f func(context.Context) (*resources.Group, error)) (*resources.Group, []string, []string, error) {
	mctx, report := h.reporting(ctx)
	// A removal the store decides (not Moot) is told by its report: of
	// what it removed, or, for an id added back, of what it added.
	decides := slices.ContainsFunc(removals, func(rm patch.Removal) bool { return !rm.Moot })
	if report == nil && (len(remove) > 0 || decides) {
		report = new(store.Report)
		mctx = store.WithReport(ctx, report)
	}
	g, err := h.memberWrite(mctx, ops, nil, func(ctx context.Context) (*resources.Group, error) { return call(h, ctx, f) })
	if err != nil {
		return nil, nil, nil, err
	}
	asked := add
	var added, removed []string
	reported := report != nil && report.Filled
	if reported {
		add, remove = report.Members()
		added, removed = add, remove
	}
	h.warnNotRemoved(ctx, removals, asked, added, removed, reported)
	return g, add, remove, nil
}

// warnNotRemoved warns of the removals of a member plan
// (patch.MemberPlan.Removals) that removed nothing: the Moot ones, and,
// when the store reported what it added and removed (reported), those
// whose id is not in removed, or, for an id a later operation added
// again (in asked, the plan's Add), is in added: the group had no such
// member. RFC 7644 §3.5.2.2 would answer a filter that selects nothing
// 400 noTarget, as a removal from any other attribute is answered; a
// removal of members is not refused, in strict mode either, because
// identity providers repeat removals (a retry, a user unassigned twice)
// and a refusal would stop their sync, and because the member plan
// decides a removal without reading the members (README, "Leniency,
// with a trace"). A store that fills no
// store.Report leaves the others unseen. One warning per operation,
// naming its values in its order, each once, as the engine gives one
// for each operation it applies (patch.MembersNotRemoved).
func (h *handler) warnNotRemoved(ctx context.Context, removals []patch.Removal, asked, added, removed []string, reported bool) {
	var gone, readded, wasNew map[string]bool // sets: a removal may name tens of thousands of values
	if reported && len(removals) > 0 {
		gone, readded, wasNew = idSet(removed), idSet(asked), idSet(added)
	}
	held := func(id string) bool { // the group had id before the write
		if readded[id] {
			return !wasNew[id]
		}
		return gone[id]
	}
	var ids []string // the current operation's, not removed
	for i, rm := range removals {
		if (rm.Moot || reported && !held(rm.ID)) && !slices.Contains(ids, rm.ID) {
			ids = append(ids, rm.ID)
		}
		if len(ids) > 0 && (i == len(removals)-1 || removals[i+1].Op != rm.Op) {
			warn(ctx, "%s", patch.MembersNotRemoved(h.secrets, rm.Op, ids))
			ids = ids[:0]
		}
	}
}

// idSet is the set of ids.
func idSet(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// modifyMembersChecked is patchMembers through the store's
// ModifyMembersChecked: one call, checkOthers run under the store's
// lock. It returns the group changed and the members the events name.
func (h *handler) modifyMembersChecked(r *http.Request, c memberChange) (*resources.Group, []string, []string, error) {
	return h.reportedMembers(r.Context(), c.ops, c.plan.Add, c.plan.Remove, c.plan.Removals, func(ctx context.Context) (*resources.Group, error) {
		return h.checkedMembers.ModifyMembersChecked(ctx, r.PathValue("id"), c.plan.Add, c.plan.Remove, "", func(cur *resources.Group) error {
			return h.checkOthers(r, cur, c.others, c.mark)
		})
	})
}

// replaceMembersInStore is patchMembers for a replacement of the whole
// member list through the store's GroupUpdater: the group and its members
// read under its lock, checked (checkOthers, the others on the group
// without members), and the members written as the difference, in one
// call that never retries on a concurrent member change. A list equal to
// the stored one writes nothing. It returns the group with its members
// and those really added and removed (the stored list against the
// written one: ids that name nothing are skipped by the store).
func (h *handler) replaceMembersInStore(r *http.Request, c memberChange) (*resources.Group, []string, []string, error) {
	var before []string
	g, err := h.groups.updater(withSentOps(r.Context(), c.ops), r.PathValue("id"), true, func(cur *resources.Group) (*resources.Group, error) {
		if err := h.checkOthers(r, cur, c.others, c.mark); err != nil {
			return nil, err
		}
		before = memberIDs(cur.Members)
		if add, remove := diffMembers(before, c.target); len(add)+len(remove) == 0 {
			return nil, nil
		}
		next := cur.Clone()
		next.Members = make([]resources.Member, len(c.target))
		for i, id := range c.target {
			next.Members[i] = resources.Member{Value: id}
		}
		return next, nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	add, remove := diffMembers(before, memberIDs(g.Members))
	return g, add, remove, nil
}

// modifyMembersRead is patchMembers for a store without the capability
// the change needs, or for a change with nothing to check
// (ModifyMembers alone: a member-only PATCH without precondition, as
// Entra ID sends, on every store): a read of the group when there is
// something to check or the whole list is replaced, then ModifyMembers
// at the version read, retrying on a concurrent change.
func (h *handler) modifyMembersRead(r *http.Request, c memberChange) (*resources.Group, []string, []string, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	rt := h.newRetrier(ctx)
	for {
		add, remove, removals, version := c.plan.Add, c.plan.Remove, c.plan.Removals, ""
		if c.full || hasPrecondition(r) || len(c.others) > 0 {
			cur, err := h.groups.get(ctx, id, c.full)
			if err != nil {
				return nil, nil, nil, rt.lost(ctx, err)
			}
			if err := h.checkOthers(r, cur, c.others, c.mark); err != nil {
				return nil, nil, nil, err
			}
			version = cur.Meta.Version
			if c.full {
				add, remove = diffMembers(memberIDs(cur.Members), c.target)
				removals = nil // warned of by patchMembers
			}
		}
		g, add, remove, err := h.reportedMembers(ctx, c.ops, add, remove, removals, func(ctx context.Context) (*resources.Group, error) {
			return h.cfg.Groups.ModifyMembers(ctx, id, add, remove, version)
		})
		if errors.Is(err, store.ErrPreconditionFailed) && !hasIfMatch(r) {
			if rt.Again(ctx) {
				continue
			}
			err = errBusy
		}
		if err != nil {
			return nil, nil, nil, rt.lost(ctx, err)
		}
		return g, add, remove, nil
	}
}

// sameGroup reports whether a and b hold the same attributes and the same
// members, in any order (meta and the store-computed member display and
// type aside). The attributes compare as resources.EqualGroups compares
// them (an extension by its values, not its JSON spelling, which a host
// store may give back in its own); the members as sets of ids.
func sameGroup(a, b *resources.Group) bool {
	if !resources.EqualGroupAttributes(a, b) {
		return false
	}
	am, bm := memberIDs(a.Members), memberIDs(b.Members)
	slices.Sort(am)
	slices.Sort(bm)
	return slices.Equal(slices.Compact(am), slices.Compact(bm))
}

// groupListAfter is the store's GroupCursorLister as the pipeline calls
// it, or nil.
func groupListAfter(h *handler, gs store.GroupStore) func(context.Context, store.Query, string) (store.CursorPage[*resources.Group], error) {
	cl, ok := gs.(store.GroupCursorLister)
	if !ok {
		return nil
	}
	return func(ctx context.Context, q store.Query, after string) (store.CursorPage[*resources.Group], error) {
		return call(h, ctx, func(ctx context.Context) (store.CursorPage[*resources.Group], error) {
			return cl.ListGroupsAfter(ctx, q, after)
		})
	}
}
