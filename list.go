package scim

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/internal/schemaurn"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/query"
)

// listParams are a list or search request's parameters, validated.
type listParams struct {
	query store.Query
	proj  *projection
}

// rawList are the list parameters as the client sent them, from the query
// string or a SearchRequest body.
type rawList struct {
	filter, sortBy, sortOrder string
	startIndex, count         pageParam
	attributes, excluded      nameList
	// cursor is nil for index paging; "" asks for the first page of a
	// cursor walk (RFC 9865).
	cursor *string
	// across are the types a query across types (listAll) runs on, nil
	// for one type's list: an attributes name one of them defines is no
	// unknown name for the others, and one none defines was bent before
	// any type's list was read (bendUnknownAcross), so resolveAttrs
	// bends none.
	across []lister
}

func (h *handler) rawListFromQuery(ctx context.Context, q url.Values) (rawList, error) {
	var rl rawList
	q = canonicalParams(ctx, q)
	if err := h.onceEach(ctx, q); err != nil {
		return rl, err
	}
	rl.filter = q.Get("filter")
	rl.sortBy = q.Get("sortBy")
	rl.sortOrder = q.Get("sortOrder")
	var err error
	if rl.startIndex, err = h.intParam(ctx, q, "startIndex"); err != nil {
		return rl, err
	}
	if rl.count, err = h.intParam(ctx, q, "count"); err != nil {
		return rl, err
	}
	if q.Has("cursor") {
		c := q.Get("cursor")
		rl.cursor = &c
	}
	rl.attributes = nameList{joined: q["attributes"]}
	rl.excluded = nameList{joined: q["excludedAttributes"]}
	return rl, nil
}

// pageParam is startIndex or count as a request gives it: set is false
// when it gives none. (A value, not an *int: a pointer to each made every
// list request that sends them, as Okta's lookups do, allocate twice.)
type pageParam struct {
	n   int
	set bool
}

// firstIndex is the request's startIndex as a page starts at it: 1
// unless a greater one is given (RFC 7644 §3.4.2.4).
func (rl rawList) firstIndex() int {
	if rl.startIndex.set && rl.startIndex.n > 1 {
		return rl.startIndex.n
	}
	return 1
}

// singleParams are the query parameters of a list that take one value
// (attributes and excludedAttributes take lists, and a repeat adds to
// them).
var singleParams = [...]string{"filter", "sortBy", "sortOrder", "startIndex", "count", "cursor"}

// paramScimType is the scimType of a 400 about list parameter name
// itself (given twice, or in the wrong place): invalidFilter for filter,
// invalidValue for the others.
func paramScimType(name string) string {
	if name == "filter" {
		return ScimTypeInvalidFilter
	}
	return ScimTypeInvalidValue
}

// onceEach checks that each of singleParams is given once: a parameter
// repeated with different values ("filter=a&filter=b") is ambiguous, and
// taking either would answer a query the client may not have meant, so
// it is a 400; repeated with one value, it is that value, with a warning
// (refused in strict mode).
func (h *handler) onceEach(ctx context.Context, q url.Values) error {
	for _, name := range singleParams {
		vs := q[name]
		if len(vs) < 2 {
			continue
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				return errorf(http.StatusBadRequest, paramScimType(name), "%s is given %d times with different values (%q, %q); give it once", name, len(vs), vs[0], v)
			}
		}
		if err := h.bend(ctx, errorf(http.StatusBadRequest, paramScimType(name), "%s is given %d times; give it once (strict mode)", name, len(vs)),
			"%s given %d times with one value", name, len(vs)); err != nil {
			return err
		}
	}
	return nil
}

// intParam is the integer query parameter name, not set when the query
// has none. (A function of its own, rather than a loop writing through
// pointers into the rawList, which made every list allocate the rawList.)
//
// RFC 7644 §3.4.2.4 gives startIndex and count as integers and says how
// to read any integer (below 1, negative, past the end), not how to read
// other text. An integer in decimal digits, with a minus sign or not, is
// taken as it is. Two bends are taken, with a warning (400 invalidValue
// under Config.Strict), because their meaning is plain: an empty value
// (count=) is no value, and an integer with spaces around it or a plus
// sign (" 2", "+3") is that integer. Anything else (1.5, 1e2, abc) has
// no one meaning and is a 400 invalidValue in both modes.
func (h *handler) intParam(ctx context.Context, q url.Values, name string) (pageParam, error) {
	if !q.Has(name) {
		return pageParam{}, nil
	}
	raw := q.Get(name)
	if n, ok := pageInt(raw); ok && raw[0] != '+' {
		return pageParam{n, true}, nil
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return pageParam{}, h.bend(ctx, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s is empty; give an integer, or leave %s out (strict mode)", name, name),
			"empty %s ignored", name)
	}
	n, ok := pageInt(s) // Atoi takes one leading '+' and no more
	if !ok {
		return pageParam{}, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s must be an integer, got %q", name, raw)
	}
	if err := h.bend(ctx, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "%s must be an integer in decimal digits, got %q (strict mode)", name, raw),
		"%s %q taken as %d", name, raw, n); err != nil {
		return pageParam{}, err
	}
	return pageParam{n, true}, nil
}

// pageInt reads startIndex or count. An integer too large for an int is
// clamped to the nearest int rather than refused: RFC 7644 §3.4.2.4 bounds
// the values (a startIndex below 1 is 1, a negative count is 0, a count
// above the maximum is the maximum, a startIndex past the end is an empty
// page), so 99999999999999999999 is a startIndex past the end, not a bad
// request.
func pageInt(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err == nil {
		return n, true
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		if strings.HasPrefix(s, "-") {
			return math.MinInt, true
		}
		return math.MaxInt, true
	}
	return 0, false
}

// nameList is attributes or excludedAttributes as a request gives them,
// read name by name as they are resolved (All), never split into a slice:
// a URL's worth of short names ("a,a,a,...") split into a []string took
// its 16-byte header per name, and the append's copies, some 50 times the
// list's own bytes.
type nameList struct {
	// listed are a SearchRequest's JSON list of names, each taken whole
	// (trimmed).
	listed []string
	// joined are comma-separated lists (a query parameter, each time it is
	// given, or a SearchRequest's string); empty names are skipped.
	joined []string
}

// All yields the names, the listed ones first.
func (l nameList) All(yield func(string) bool) {
	for _, n := range l.listed {
		if !yield(n) {
			return
		}
	}
	for _, v := range l.joined {
		for v != "" {
			var n string
			n, v, _ = strings.Cut(v, ",")
			if n = strings.TrimSpace(n); n != "" && !yield(n) {
				return
			}
		}
	}
}

// empty reports whether the list names nothing.
func (l nameList) empty() bool {
	for range l.All {
		return false
	}
	return true
}

// rawListFromBody reads a SearchRequest (RFC 7644 §3.4.3).
func (h *handler) rawListFromBody(r *http.Request) (rawList, error) {
	var rl rawList
	doc, err := h.readJSON(r)
	if err != nil {
		return rl, err
	}
	given, one, listed, scim1 := false, false, false, false
	keys, twice := messageKeys(doc)
	if twice != "" {
		return rl, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%s", jsonscan.RepeatedError(h.secrets, twice))
	}
	for _, k := range keys {
		v := doc[k]
		bad := func(want string) error {
			return errorf(http.StatusBadRequest, ScimTypeInvalidValue, "SearchRequest %q must be %s", k, want)
		}
		lk := names.Lower(k)
		switch lk {
		case "schemas":
			given = true
			listed, one = resources.NamesSchema(v, searchRequestSchema)
			scim1 = !listed && schemaurn.NamesSCIM1(v)
		case "filter", "sortby", "sortorder":
			s, ok := v.(string)
			if !ok && v != nil {
				return rl, bad("a string")
			}
			switch lk {
			case "filter":
				rl.filter = s
			case "sortby":
				rl.sortBy = s
			default:
				rl.sortOrder = s
			}
		case "cursor":
			if v == nil {
				break // null is unassigned (RFC 7643 §2.5), as absent
			}
			c, ok := v.(string)
			if !ok {
				return rl, bad("a string")
			}
			rl.cursor = &c
		case "startindex", "count":
			if v == nil {
				break
			}
			num, ok := v.(json.Number)
			if !ok {
				return rl, bad("an integer")
			}
			n, ok := pageInt(string(num))
			if !ok {
				return rl, bad("an integer")
			}
			if names.Equal(k, "count") {
				rl.count = pageParam{n, true}
			} else {
				rl.startIndex = pageParam{n, true}
			}
		case "attributes", "excludedattributes":
			var list nameList
			switch x := v.(type) {
			case string:
				list.joined = []string{x}
			case []any:
				list.listed = make([]string, 0, len(x))
				for _, e := range x {
					s, ok := e.(string)
					if !ok {
						return rl, bad("a list of attribute names")
					}
					list.listed = append(list.listed, strings.TrimSpace(s))
				}
			case nil:
			default:
				return rl, bad("a list of attribute names")
			}
			if names.Equal(k, "attributes") {
				rl.attributes = list
			} else {
				rl.excluded = list
			}
		default:
			return rl, errorf(http.StatusBadRequest, ScimTypeInvalidSyntax, "%q is not a SearchRequest attribute", k)
		}
	}
	// RFC 7644 §3.4.3: the body's "schemas" is the SearchRequest URN.
	if err := h.messageSchemas(r.Context(), "a SearchRequest", searchRequestSchema, given, one, listed, scim1); err != nil {
		return rl, err
	}
	return rl, h.searchURL(r, &rl)
}

// searchURL adds to rl, a SearchRequest body's query, what the URL of the
// POST carries: attributes and excludedAttributes apply to any request
// that returns resources (RFC 7644 §3.9) and join the body's, as a
// repeated parameter does. The other list parameters belong in the body
// (RFC 7644 §3.4.3); one in the URL is a 400 naming it, in both modes,
// rather than ignored, which would answer a lookup with every user.
func (h *handler) searchURL(r *http.Request, rl *rawList) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	q := canonicalParams(r.Context(), queryOf(r))
	for _, name := range singleParams {
		if !q.Has(name) {
			continue
		}
		return errorf(http.StatusBadRequest, paramScimType(name), "%s is given in the query string; a POST to .search takes it in the SearchRequest body (RFC 7644 §3.4.3)", name)
	}
	rl.attributes.joined = append(rl.attributes.joined, q["attributes"]...)
	rl.excluded.joined = append(rl.excluded.joined, q["excludedAttributes"]...)
	return nil
}

// parseFilter parses a request's filter, nil for none, and checks what
// holds whatever the resource type; checkFilter then validates it for
// each type the request runs on. A query across types (listAll) parses
// once, so that the filter's warnings are the request's once.
func (h *handler) parseFilter(ctx context.Context, s string) (filter.Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > h.cfg.MaxFilterLength {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "the filter is %d bytes long; at most %d are accepted", len(s), h.cfg.MaxFilterLength)
	}
	if !storable(s) {
		// No store can compare with such a value (PostgreSQL refuses NUL
		// in text): the answer would depend on the store.
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "the filter is not valid UTF-8 or contains a NUL character")
	}
	e, err := h.parser.Parse(s) // a strict parser under Config.Strict: unquoted values refused
	if err != nil {
		return nil, err
	}
	if filter.HoldsNUL(e) {
		// The same, escaped: the parser decodes "\u0000" to a NUL, as JSON
		// does, and PostgreSQL refused the comparison with a 500.
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "the filter compares with a string that contains a NUL character (\\u0000), which no stored value holds")
	}
	if err := h.checkSubstrings("filter", filter.SubstringBytes(e)); err != nil {
		return nil, err
	}
	for _, c := range filter.UnquotedValues(e) {
		// A value of a filter that names a secret (the password, an
		// attribute returned "never") may be one, or a
		// guess at one: the warning, which the log and the request log
		// keep, conceals it.
		sent, _ := c.Value.(string) // Unquoted: a string
		warn(ctx, "unquoted filter value %q taken as a string", h.secrets.PartOf(s, sent))
	}
	return e, nil
}

// readDotted reads each path of f, the request's filter, and of its
// sortBy that names an extension's attribute after a dot
// (urn:…:enterprise:2.0:User.employeeNumber: Entra ID's jobs made before
// December 2018) with the colon, as a PATCH path is read
// (resources.ResourceType.ReadDotted), for kinds, the types the query
// runs on: a path that one of them resolves as written stays. Each is a
// warning, once a request, or under Config.Strict a 400 saying what to
// send (invalidFilter in the filter, invalidValue in sortBy). It returns
// the filter to run, f itself when no path was read otherwise; a filter
// whose paths have no URI with a sub-attribute costs one walk.
func (h *handler) readDotted(ctx context.Context, kinds []lister, f filter.Expr, rl *rawList) (filter.Expr, error) {
	read := func(p filter.AttrPath) (d resources.DottedPath, ok bool) {
		for _, k := range kinds {
			rt := k.resourceType()
			if !rt.ResolveQuery(p).Missing {
				return d, false
			}
			if !ok {
				d, ok = rt.ReadDotted(p)
			}
		}
		return d, ok
	}
	var err error
	if f != nil && filter.AnyPath(f, dottable) {
		f = filter.RewritePaths(f, func(p filter.AttrPath) (filter.AttrPath, bool) {
			d, ok := read(p)
			if !ok || err != nil {
				return p, false
			}
			err = h.takeDotted(ctx, d, ScimTypeInvalidFilter, h.secrets.Sprintf("filter path %q", p.String()))
			return d.Path, err == nil
		})
		if err != nil {
			return nil, err
		}
	}
	if rl.sortBy == "" {
		return f, nil
	}
	if p, perr := h.parser.ParsePath(rl.sortBy); perr == nil && p.Filter == nil && dottable(p.AttrPath) {
		// A sortBy that does not parse is listParams' to refuse.
		if d, ok := read(p.AttrPath); ok {
			if err := h.takeDotted(ctx, d, ScimTypeInvalidValue, h.secrets.Sprintf("sortBy %q", rl.sortBy)); err != nil {
				return nil, err
			}
			rl.sortBy = d.Path.String()
		}
	}
	return f, nil
}

// takeDotted is the handler's side of the dotted-path bend of a query
// parameter (d, from resources.ResourceType.ReadDotted; named as its
// Warning and Refusal take it): bend's, with the 400 of scimType.
func (h *handler) takeDotted(ctx context.Context, d resources.DottedPath, scimType, named string) error {
	return h.bend(ctx, errorf(http.StatusBadRequest, scimType, "%s", d.Refusal(named)), "%s", d.Warning(named))
}

// dottable reports whether p may be an extension's attribute written
// after a dot (resources.ResourceType.ReadDotted): it has a URI and a
// sub-attribute. Most paths have not, and are looked up no further.
func dottable(p filter.AttrPath) bool { return p.URI != "" && p.Sub != "" }

// checkFilter validates e, a parsed filter, for kind k. Validating it is
// compiling it (query.Evaluator.Compile runs the checks), and the store
// gets the result with the filter (store.Query.Compiled), so that a store
// that evaluates documents with query.Select does not resolve the
// filter's paths a second time.
//
// A lookup by name or externalId (keyLookup) is valid wherever it
// resolves and is not compiled here: the memory store answers it from
// its index, a SQL store from its own translation, and a store that
// evaluates documents compiles it in query.Select, once, as it would
// have been here.
func checkFilter(k lister, e filter.Expr) (*query.Matcher, error) {
	if keyLookup(k.resourceType(), e) {
		return nil, nil
	}
	m, err := k.evaluator().Compile(e)
	if err != nil {
		if ps := k.resourceType().OmittedIn(e); len(ps) > 0 {
			return nil, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "attribute %q in the filter is not supported by this server (it is left out of /Schemas)", ps[0])
		}
		return nil, err
	}
	if err := refusedIn(k.resourceType(), e); err != nil {
		return nil, err
	}
	return m, nil
}

// filterConversions shows each comparison operand of m that the
// evaluator read as another type than it was sent (query.Conversion:
// userName gt 1 compares "1", active eq "True" is true) as a warning, or
// refuses the first with 400 invalidFilter under Config.Strict: for a
// list's filter and the value filters of attributes (the PATCH engine
// reports its paths' as a bend of its own, in the same words). Every
// store compares the operand as read, so what is reported is what was
// done.
func (h *handler) filterConversions(ctx context.Context, m *query.Matcher) error {
	for _, c := range m.Conversions() {
		if err := h.bend(ctx, errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "%s", c.Refusal()), "%s", c.Warning()); err != nil {
			return err
		}
	}
	return nil
}

// keyLookup reports whether e is a comparison "eq" with a string of
// rt's unique name (userName, a group's displayName; query.NameAttr) or
// of externalId when the model has it: the filters identity providers
// send before each change and in every sync cycle (externalId is Entra
// ID's matching attribute when so configured). Each model has the name,
// and externalId unless left out (then it does not resolve); both are
// always returned, and eq with a string is a comparison the evaluator
// takes for them, so nothing of checkFilter's can refuse it.
func keyLookup(rt *resources.ResourceType, e filter.Expr) bool {
	c, ok := e.(*filter.Compare)
	if !ok || c == nil || c.Op != filter.Eq {
		return false
	}
	if _, ok := c.Value.(string); !ok {
		return false
	}
	res := rt.Resolve(c.Path)
	if res.Missing || res.Extension != nil || res.Sub != nil || res.Attr == nil {
		return false
	}
	return res.Attr == query.NameAttr(rt) || res.Attr.Name == "externalId"
}

// refusedIn returns the refusal of the filter e, which the evaluator
// compiled, for a path it names that a list's filter may not: a value
// the server makes as it answers and no store keeps
// (resources.ResourceType.ServerMade: a $ref it makes, members.$ref or
// $ref inside members[...], the manager's displayName, meta.location,
// directly or in a value filter on meta: meta[location pr]), then an
// attribute or sub-attribute whose values are never returned
// ("password", "recovery.code", or recovery[code eq "…"]), the first of
// the first kind the filter names; or nil. One walk of the paths, each
// resolved once, finds them all.
func refusedIn(rt *resources.ResourceType, e filter.Expr) error {
	never := ""
	for p := range filter.Paths(e) {
		res := rt.Resolve(p)
		if refusal := rt.ServerMade(res.Attr, res.Sub); refusal != "" {
			// RFC 7644 §3.12, invalidFilter: "the specified attribute and
			// filter comparison combination is not supported". Evaluated,
			// it would match nothing, whatever the data.
			return errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "%s", refusal)
		}
		if never == "" {
			never = res.NeverReturned()
		}
	}
	if never != "" {
		// Filtering on a value that is never returned (password) would let
		// a client test guesses against it.
		return errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "%s", resources.NeverReturnedRefusal(never))
	}
	return nil
}

// checkSubstrings refuses a filter (of what, named in the detail) whose
// co comparisons have n bytes of operands (filter.SubstringBytes) when
// n is over Config.MaxSubstringBytes: a SQL store may compare a co
// operand at each offset of each value it reads (Config.MaxSubstringBytes).
func (h *handler) checkSubstrings(what string, n int) error {
	if n > h.cfg.MaxSubstringBytes {
		return errorf(http.StatusBadRequest, ScimTypeInvalidFilter, "%s: its co operands are %d bytes long together; at most %d bytes are accepted (MaxSubstringBytes): compare a shorter part, or use eq, sw or ew", what, n, h.cfg.MaxSubstringBytes)
	}
	return nil
}

// acrossTypes are the types an unknown name is told against: rt alone,
// or in a query across types (across not nil), where the first type's
// refusal is the request's (listAll), every type of across, so that
// the text (resources.NoAttributeOfAny) names them all.
func acrossTypes(rt *resources.ResourceType, across []lister) []*resources.ResourceType {
	if len(across) == 0 {
		return []*resources.ResourceType{rt}
	}
	rts := make([]*resources.ResourceType, len(across))
	for i, k := range across {
		rts[i] = k.resourceType()
	}
	return rts
}

// listParams reads the rest of rl for kind k, with f its filter as
// parseFilter gave it.
func (h *handler) listParams(ctx context.Context, k lister, rl rawList, f filter.Expr) (listParams, error) {
	var lp listParams
	rt := k.resourceType()
	var m *query.Matcher
	if f != nil {
		var err error
		if m, err = checkFilter(k, f); err != nil {
			return lp, err
		}
		if err = h.filterConversions(ctx, m); err != nil {
			return lp, err
		}
	}
	lp.query.Filter = f
	if m != nil {
		lp.query.Compiled = m // not a nil *query.Matcher in the interface
	}
	if rl.sortBy != "" {
		p, err := h.parser.ParsePath(rl.sortBy)
		if err != nil {
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q is not an attribute path: %v", rl.sortBy, err)
		}
		if p.Filter != nil {
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q is not an attribute path: it has a value filter", rl.sortBy)
		}
		if res := rt.ResolveQuery(p.AttrPath); res.Missing || res.Attr == nil {
			if rt.OmitsPath(p) {
				return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q names an attribute this server does not support (it is left out of /Schemas)", rl.sortBy)
			}
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q %s", rl.sortBy, resources.NoAttributeOfAny(acrossTypes(rt, rl.across), p.AttrPath))
		} else if a := res.Attr; res.Sub == nil && a.Type == resources.TypeComplex && a.Sub("value") == nil && len(a.SubAttributes) > 0 {
			// RFC 7644 §3.4.2.3: a complex sortBy "must be a path to a
			// sub-attribute"; one with a "value" (emails, manager) sorts by
			// it. Refused here, as a sortBy, before the store's evaluator
			// would refuse it as a filter (invalidFilter).
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q is complex; sort by one of its sub-attributes, e.g. %s.%s", rl.sortBy, a.Name, a.SubAttributes[0].Name)
		} else if name := res.NeverReturned(); name != "" {
			// As checkFilter refuses a filter on it: the order of the
			// results would disclose what is never returned.
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q: %q is never returned, so it cannot order the results", rl.sortBy, name)
		} else if refusal := rt.ServerMade(res.Attr, res.Sub); refusal != "" {
			// As refusedIn refuses a filter on it: no store keeps it, so
			// every store would answer in creation order, not by it.
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q: %s", rl.sortBy, refusal)
		} else if res.Extension == nil && (a == rt.Schema.Attr("members") || a == rt.Schema.Attr("groups")) {
			// Memberships are kept apart from the documents a store
			// sorts, so every store would answer in creation order, not
			// by them (RFC 7644 §3.4.2.3 would sort by a group's first
			// member); refused as meta.location is, not bent in silence.
			return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q: %s are kept apart from the resources and cannot order the results; sort by another attribute, or leave sortBy out", rl.sortBy, a.Name)
		}
		lp.query.SortBy = rl.sortBy
	}
	switch names.Lower(rl.sortOrder) {
	case "", "ascending":
	case "descending":
		lp.query.Descending = true
	default:
		return lp, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortOrder must be \"ascending\" or \"descending\", got %q", rl.sortOrder)
	}
	lp.query.StartIndex = rl.firstIndex()
	lp.query.Count = h.cfg.DefaultPageSize
	if rl.count.set {
		lp.query.Count = max(0, min(rl.count.n, h.cfg.MaxPageSize))
	}
	var err error
	lp.proj, err = h.newProjection(ctx, rt, k.extReturned(), rl.attributes, rl.excluded, rl.across)
	if err != nil {
		return lp, err
	}
	lp.query.ExcludeMembers = !lp.proj.wants("members")
	lp.query.ExcludeGroups = !lp.proj.wants("groups") || rt.Schema.Attr("groups") == nil // a model may leave groups out
	// A list's resources only go into its response (render, which
	// writes each one's own fields, the groups or members read for it,
	// and, after ownUser, its enterprise extension; sortDoc and the
	// projection read), so the store may share its values with us.
	lp.query.ReadOnly = true
	return lp, nil
}

// A ListResponse is written into one pooled buffer (pooledBody): its
// resources are encoded once each, straight into the buffer, after room
// left for what comes before them (schemas, totalResults, itemsPerPage,
// startIndex or nextCursor, which are known only once the resources are:
// itemsPerPage counts those sent), and that head is then written into the
// room, so that no resource is encoded into a slice of its own and copied
// into the page. startItems begins the resources; encodePage appends
// them; writeList or writeCursorList ends the response and writes it.

// listHeadSize is the room a ListResponse's head may need: the schemas,
// totalResults, itemsPerPage and startIndex (of up to 20 digits each)
// and the opening of Resources.
const listHeadSize = len(`{"schemas":["`+listResponseSchema+`"],"totalResults":,"itemsPerPage":,"startIndex":,"Resources":[`) + 3*20

// cursorHeadSize is the room left for the head of a cursor page, with a
// nextCursor of up to 512 bytes (sealCursor's are about 150 without a
// sortBy, 250 with a short sort value): a longer one costs a copy of the
// page, never a wrong response.
const cursorHeadSize = len(`{"schemas":["`+listResponseSchema+`"],"itemsPerPage":,"nextCursor":"","Resources":[`) + 20 + 512

// startItems takes a buffer from the pool for a list's resources, with
// head bytes left before them.
func startItems(head int) *pooledBody {
	p := bodyBuffer()
	p.b = slices.Grow(p.b[:0], head)[:head]
	p.head, p.n = head, 0
	return p
}

// writeList writes the ListResponse of the resources in body (begun with
// startItems(listHeadSize)) and gives body back to the pool.
func (h *handler) writeList(w http.ResponseWriter, body *pooledBody, total, startIndex int) {
	var hb [listHeadSize]byte
	head := append(hb[:0], `{"schemas":["`+listResponseSchema+`"],"totalResults":`...)
	head = strconv.AppendInt(head, int64(total), 10)
	head = append(head, `,"itemsPerPage":`...)
	head = strconv.AppendInt(head, int64(body.n), 10)
	head = append(head, `,"startIndex":`...)
	head = strconv.AppendInt(head, int64(startIndex), 10)
	h.writeItems(w, body, append(head, `,"Resources":[`...))
}

// writeCursorList writes the ListResponse of a cursor page (RFC 9865)
// from body (begun with startItems(cursorHeadSize)): nextCursor unless
// it is the last page, and no totalResults or startIndex. Counting the
// matches would cost a scan of them on every page, which a cursor walk
// is there to avoid; RFC 9865 lets a provider leave totalResults out.
func (h *handler) writeCursorList(w http.ResponseWriter, body *pooledBody, next string) {
	var hb [cursorHeadSize]byte
	head := append(hb[:0], `{"schemas":["`+listResponseSchema+`"],"itemsPerPage":`...)
	head = strconv.AppendInt(head, int64(body.n), 10)
	if next != "" {
		head = append(head, `,"nextCursor":"`...)
		head = append(head, next...) // base64url: nothing to escape
		head = append(head, '"')
	}
	h.writeItems(w, body, append(head, `,"Resources":[`...))
}

// writeItems writes head, the resources in body and the end of the
// ListResponse, and gives body back to the pool (a panic before leaves
// it to the collector). head goes into the room startItems left, or,
// longer than that, before a copy of the resources.
func (h *handler) writeItems(w http.ResponseWriter, body *pooledBody, head []byte) {
	body.b = append(body.b, `]}`...)
	var out []byte
	if len(head) <= body.head {
		from := body.head - len(head)
		copy(body.b[from:], head)
		out = body.b[from:]
	} else {
		out = make([]byte, 0, len(head)+len(body.b)-body.head)
		out = append(append(out, head...), body.b[body.head:]...)
	}
	h.writeBytes(w, http.StatusOK, out)
	body.release()
}

// part is one resource type's share of a list request: the kind and the
// parameters it is listed with.
type part struct {
	k  lister
	lp listParams
}

// lister is what a list request needs of a kind, whatever its resource
// type.
type lister interface {
	resourceType() *resources.ResourceType
	evaluator() *query.Evaluator
	// extReturned is the type's extension attributes whose "returned"
	// a projection applies.
	extReturned() *extReturned
	// items reads one page of a list and appends its resources to body
	// (encodePage): how many it appended, and the store's total.
	items(h *handler, r *http.Request, proj *projection, q store.Query, body *pooledBody) (sent, total int, err error)
	// itemsAfter reads one page of a cursor walk from the store's
	// position after and appends its resources to body: how many it
	// appended, the position after each resource the store returned
	// (more than were appended when the page was cut short), and whether
	// more follow.
	itemsAfter(h *handler, r *http.Request, proj *projection, q store.Query, after string, body *pooledBody) (sent int, positions []string, more bool, err error)
	// cursors reports whether the store pages this kind by position.
	cursors() bool
	// sorted reads one page of a list sorted by q.SortBy without
	// rendering it, for a merge with other types' (listMerged): the
	// resources as the store ordered them with the key each sorts by, and
	// the store's total.
	sorted(h *handler, r *http.Request, q store.Query) (sortedRun, int, error)
	// sortedAfter is sorted for a cursor walk: one page from the store's
	// position after, the position after each resource (sortedRun), and
	// whether more follow.
	sortedAfter(h *handler, r *http.Request, q store.Query, after string) (sortedRun, bool, error)
}

// sortedRun is one resource type's share of a list sorted across types
// (listMerged): its resources in the store's order, not yet rendered.
type sortedRun interface {
	// keys are the sort keys of the resources, in the store's order.
	keys() []query.SortKey
	// keep renders the resources at idx (ascending indexes into keys) in
	// one call, so that what they compute (a user's groups) costs one
	// store call for the page, as in a list of one type.
	keep(h *handler, r *http.Request, proj *projection, idx []int) error
	// add appends the i-th kept resource to body (appendResource).
	add(h *handler, i int, proj *projection, body *pooledBody, size *int) (bool, error)
	// position is the store's position after the resource at index i of
	// a cursor page (sortedAfter).
	position(i int) string
}

// run is a kind's sortedRun.
type run[T any] struct {
	k     *kind[T]
	items []T
	ks    []query.SortKey
	kept  []T
	pos   []string // a cursor page's positions
}

func (k *kind[T]) sorted(h *handler, r *http.Request, q store.Query) (sortedRun, int, error) {
	page, err := k.list(r.Context(), q)
	if err != nil {
		return nil, 0, err
	}
	items := page.Items
	// A store may return fewer than asked (a host's page size of its
	// own), which a list of one type passes on as a short page; the merge
	// needs every one it asked for, so it asks for the rest.
	for len(page.Items) > 0 && len(items) < min(q.Count, page.Total) {
		rest := q
		rest.StartIndex, rest.Count = q.StartIndex+len(items), q.Count-len(items)
		if page, err = k.list(r.Context(), rest); err != nil {
			return nil, 0, err
		}
		items = append(items, page.Items...)
	}
	rn, err := k.newRun(q.SortBy, items)
	return rn, page.Total, err
}

func (k *kind[T]) sortedAfter(h *handler, r *http.Request, q store.Query, after string) (sortedRun, bool, error) {
	page, err := k.listAfter(r.Context(), q, after)
	if err != nil {
		return nil, false, err
	}
	if err := checkCursorPage(page, q.Count); err != nil {
		return nil, false, err
	}
	rn, err := k.newRun(q.SortBy, page.Items)
	if err != nil {
		return nil, false, err
	}
	rn.pos = page.Positions
	return rn, page.More, nil
}

// newRun is the sortedRun of items, a page the store sorted by sortBy.
func (k *kind[T]) newRun(sortBy string, items []T) (*run[T], error) {
	// The key comes from query.Sorter, the comparison the stores sort
	// with (strings folded unless caseExact, dateTimes as instants), so
	// that the merge orders two types as each store orders one.
	s, err := k.eval.Sorter(sortBy)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, ScimTypeInvalidValue, "sortBy %q: %v", sortBy, err)
	}
	attr := ""
	if a := s.Attr(); a != nil {
		attr = a.Name
	}
	rn := &run[T]{k: k, items: items, ks: make([]query.SortKey, len(items))}
	for i, v := range items {
		doc, err := sortDoc(v, attr)
		if err != nil {
			return nil, err
		}
		rn.ks[i] = s.Key(doc)
	}
	return rn, nil
}

// sortDoc is the document a resource sorts by in a merge across types:
// what a store's sort reads (query.UserDoc, query.GroupDoc), cut to what
// a sortBy both types have can name. That is an attribute the core User
// and Group share (id, externalId, displayName, meta), of which only the
// one named attr is kept ("" keeps all four), or one of an extension (a
// host may register one schema on both), so extensions are kept. Each is
// rendered as its own type: a group's displayName is rendered even when
// empty, a user's is not. (Rendering whole users for their key took most
// of a deep page's time: BENCHMARKS.md.)
func sortDoc(v any, attr string) (map[string]any, error) {
	keep := func(name string) bool { return attr == "" || names.Equal(attr, name) }
	cut := func(id, externalID, displayName *string, meta *resources.Meta) {
		if !keep("id") {
			*id = ""
		}
		if !keep("externalId") {
			*externalID = ""
		}
		if !keep("displayName") {
			*displayName = ""
		}
		if !keep("meta") {
			*meta = resources.Meta{}
		}
	}
	switch x := v.(type) {
	case *resources.User:
		c := resources.User{ID: x.ID, ExternalID: x.ExternalID, DisplayName: x.DisplayName, Meta: x.Meta, Extensions: x.Extensions}
		cut(&c.ID, &c.ExternalID, &c.DisplayName, &c.Meta)
		return resources.ToMap(&c)
	case *resources.Group:
		c := resources.Group{ID: x.ID, ExternalID: x.ExternalID, DisplayName: x.DisplayName, Meta: x.Meta, Extensions: x.Extensions}
		cut(&c.ID, &c.ExternalID, &c.DisplayName, &c.Meta)
		return resources.ToMap(&c)
	}
	return resources.ToMap(v)
}

func (rn *run[T]) keys() []query.SortKey { return rn.ks }

func (rn *run[T]) keep(h *handler, r *http.Request, proj *projection, idx []int) error {
	rn.kept = rn.kept[:0]
	for _, i := range idx {
		rn.kept = append(rn.kept, rn.items[i])
	}
	return rn.k.render(r, h.baseURL(r), proj, rn.kept, false)
}

func (rn *run[T]) position(i int) string { return rn.pos[i] }

func (rn *run[T]) add(h *handler, i int, proj *projection, body *pooledBody, size *int) (bool, error) {
	return appendResource(h, body, rn.kept[i], proj, size, body.n > 0)
}

// serveList is GET /{Resources} (RFC 7644 §3.4.2).
func (h *handler) serveList(k lister) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rl, err := h.rawListFromQuery(r.Context(), queryOf(r))
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		h.list(w, r, k, rl)
	}
}

// serveSearch is POST /{Resources}/.search (RFC 7644 §3.4.3).
func (h *handler) serveSearch(k lister) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rl, err := h.rawListFromBody(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		h.list(w, r, k, rl)
	}
}

func (h *handler) list(w http.ResponseWriter, r *http.Request, k lister, rl rawList) {
	f, err := h.parseFilter(r.Context(), rl.filter)
	if err == nil {
		f, err = h.readDotted(r.Context(), []lister{k}, f, &rl)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	lp, err := h.listParams(r.Context(), k, rl, f)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if rl.cursor != nil {
		h.walkCursor(w, r, rl, k.resourceType().Name, []part{{k: k, lp: lp}})
		return
	}
	body := startItems(listHeadSize)
	_, total, err := k.items(h, r, lp.proj, lp.query, body)
	if err != nil {
		body.release()
		h.writeError(w, r, err)
		return
	}
	h.writeList(w, body, total, lp.query.StartIndex)
}

// searchAll serves POST /.search (RFC 7644 §3.4.3): the filter runs on
// users and on groups, results are users then groups, and the page spans
// both. In a type that lacks an attribute the filter or sortBy names, the
// attribute is unassigned (listParamsAcross), and a type lacking the
// sortBy attribute comes last (first when descending). A sortBy both
// types have orders the two together (listMerged, walkMerged).
func (h *handler) searchAll(w http.ResponseWriter, r *http.Request) {
	rl, err := h.rawListFromBody(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.listAll(w, r, rl)
}

// serveRoot is GET / with query parameters: RFC 7644 §3.4.2.1 lets a query
// be "performed against ... a SCIM server root", which POST /.search
// (§3.4.3) only carries in a body. Both answer through listAll.
func (h *handler) serveRoot(w http.ResponseWriter, r *http.Request) {
	rl, err := h.rawListFromQuery(r.Context(), queryOf(r))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.listAll(w, r, rl)
}

// listAll answers a query across every resource type: users, then
// groups, a type that lacks the sortBy attribute last (first when
// descending); when every type has it, one list in its order
// (listMerged, walkMerged).
func (h *handler) listAll(w http.ResponseWriter, r *http.Request, rl rawList) {
	var parts []part
	var firstErr error
	kinds := []lister{h.users}
	if h.groups != nil {
		kinds = append(kinds, h.groups)
	}
	f, err := h.parseFilter(r.Context(), rl.filter)
	if err == nil {
		f, err = h.readDotted(r.Context(), kinds, f, &rl)
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.bendUnknownAcross(r.Context(), kinds, rl); err != nil {
		h.writeError(w, r, err)
		return
	}
	var unsorted []part // the types lacking the sortBy attribute
	rl.across = kinds
	for _, k := range kinds {
		lp, err := h.listParams(r.Context(), k, rl, f)
		var skip, nosort bool
		if err != nil {
			if lp, skip, nosort, err = h.listParamsAcross(r.Context(), k, kinds, rl, f, err); skip {
				continue
			}
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if nosort {
			unsorted = append(unsorted, part{k: k, lp: lp}) // no data for sortBy
			continue
		}
		parts = append(parts, part{k: k, lp: lp})
	}
	if firstErr != nil {
		// What listParamsAcross could not read as an attribute another type
		// has (a bad value, a sortBy never returned) is an error of the
		// request, not of one type to leave out.
		h.writeError(w, r, firstErr)
		return
	}
	if len(parts) > 1 && len(unsorted) == 0 && rl.sortBy != "" {
		// Every type has the sortBy attribute: one order across them
		// (RFC 7644 §3.4.2.3), not each type's in turn.
		if rl.cursor != nil {
			h.walkMerged(w, r, rl, parts)
			return
		}
		h.listMerged(w, r, parts)
		return
	}
	// RFC 7644 §3.4.2.3: resources with no data for sortBy "are ordered
	// last if ascending and first if descending" (every part has the
	// request's sortOrder).
	if len(unsorted) > 0 && unsorted[0].lp.query.Descending {
		parts = append(unsorted, parts...)
	} else {
		parts = append(parts, unsorted...)
	}
	if len(parts) == 0 {
		// The filter is false for every resource of every type.
		h.writeList(w, startItems(listHeadSize), 0, rl.firstIndex())
		return
	}
	if rl.cursor != nil {
		h.walkCursor(w, r, rl, mergedScope, parts)
		return
	}
	start := parts[0].lp.query.StartIndex
	want := parts[0].lp.query.Count
	skip := start - 1
	total := 0
	body := startItems(listHeadSize)
	cut := false
	for _, p := range parts {
		q := p.lp.query
		q.StartIndex = skip + 1
		q.Count = want - body.n
		if cut {
			q.Count = 0 // the page ended early: only count the rest
		}
		sent, n, err := p.k.items(h, r, p.lp.proj, q, body)
		if err != nil {
			body.release()
			h.writeError(w, r, err)
			return
		}
		total += n
		// A part cut short by MaxResponseBytes ends the page there, so
		// the next page (startIndex+itemsPerPage) goes on where it ended.
		cut = cut || sent < q.Count && skip+sent < n
		skip = max(0, skip-n)
	}
	h.writeList(w, body, total, start)
}

// mergeDepthPages bounds how deep index paging reaches into a list
// sorted across types (listMerged), in pages of Config.MaxPageSize: a
// page at startIndex s needs the first s+count-1 resources of each type,
// all read and held to find which come first, so without a bound one
// request could ask each store for all it has. Ten pages (10,000
// resources of each type by default) cover any directory an identity
// provider lists at the root; past them the answer is 400 tooMany, and
// /Users and /Groups page without the bound.
const mergeDepthPages = 10

// listMerged answers a page of a query across types whose sortBy every
// type has (parts, in the order users, groups): one list in sortBy's
// order, as RFC 7644 §3.4.2.3 asks, ties between types broken by the
// order of parts (users before groups, in both sort orders); within a
// type, resources keep the order their store gives them (ties in
// creation order). Each store is asked for its first startIndex+count-1
// resources, the merge keeps the page's, and those are rendered one call
// per type and encoded in the merged order, the page cut short at
// Config.MaxResponseBytes as any list's is. totalResults is the sum of
// the stores' totals.
func (h *handler) listMerged(w http.ResponseWriter, r *http.Request, parts []part) {
	q0 := parts[0].lp.query
	start, count := q0.StartIndex, q0.Count
	limit := math.MaxInt
	if h.cfg.MaxPageSize <= math.MaxInt/mergeDepthPages {
		limit = mergeDepthPages * h.cfg.MaxPageSize
	}
	depth := 0 // how many of each type the page needs
	if count > 0 {
		if start-1 > limit-count {
			h.mergedTooDeep(w, r, parts, start, count, limit)
			return
		}
		depth = start - 1 + count
	}
	runs := make([]sortedRun, len(parts))
	more := make([]bool, len(parts))
	total := 0
	for i, p := range parts {
		q := p.lp.query
		q.StartIndex, q.Count = 1, depth
		rn, n, err := p.k.sorted(h, r, q)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		runs[i], more[i], total = rn, len(rn.keys()) < n, total+n
	}
	page := mergeRuns(runs, more, start-1, count, q0.Descending)
	body := startItems(listHeadSize)
	if _, _, err := h.encodeMerged(r, parts, runs, page, body); err != nil {
		body.release()
		h.writeError(w, r, err)
		return
	}
	h.writeList(w, body, total, start)
}

// pick is one resource of a merged page: its run and its index there.
type pick struct{ run, idx int }

// mergeRuns merges runs, each in its store's order: at each step the run
// whose next key sorts first (last when desc), the earlier run on a tie.
// It returns the merged list's resources after the first skip, at most n.
// more[i] says the store has resources after those of runs[i]: the merge
// stops where such a run ends, since what comes next is unknown. A run
// holds all that was asked (sorted asks again for what a store left
// out; a cursor page asks for n of each type), so that happens only
// with a host's cursor page shorter than asked while more follow, which
// then gives a shorter page rather than a wrong order.
func mergeRuns(runs []sortedRun, more []bool, skip, n int, desc bool) []pick {
	var page []pick
	next := make([]int, len(runs))
	for len(page) < n {
		best := -1
		for i, rn := range runs {
			if next[i] >= len(rn.keys()) {
				if more[i] {
					return page
				}
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			c := rn.keys()[next[i]].Compare(runs[best].keys()[next[best]])
			if desc {
				c = -c
			}
			if c < 0 {
				best = i
			}
		}
		if best < 0 {
			break
		}
		if skip > 0 {
			skip--
		} else {
			page = append(page, pick{best, next[best]})
		}
		next[best]++
	}
	return page
}

// encodeMerged renders the resources of page (one call per run) and
// appends them to body in the page's order, ended early at
// Config.MaxResponseBytes: kept[i] are the indexes of run i in the page,
// of which the first sent[i] were appended.
func (h *handler) encodeMerged(r *http.Request, parts []part, runs []sortedRun, page []pick, body *pooledBody) (kept [][]int, sent []int, err error) {
	kept = make([][]int, len(runs))
	for _, pk := range page {
		kept[pk.run] = append(kept[pk.run], pk.idx)
	}
	for i, rn := range runs {
		if len(kept[i]) > 0 {
			if err := rn.keep(h, r, parts[i].lp.proj, kept[i]); err != nil {
				return nil, nil, err
			}
		}
	}
	size := 0
	sent = make([]int, len(runs))
	for _, pk := range page {
		ok, err := runs[pk.run].add(h, sent[pk.run], parts[pk.run].lp.proj, body, &size)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break // cut at MaxResponseBytes: the next page starts here
		}
		sent[pk.run]++
	}
	return kept, sent, nil
}

// mergedTooDeep answers a page of listMerged past its bound: an empty
// page when startIndex is past the end anyway (RFC 7644 §3.4.2.4, as for
// any list), else 400 tooMany (RFC 7644 §3.12: "the specified filter
// yields many more results than the server is willing to calculate or
// process").
func (h *handler) mergedTooDeep(w http.ResponseWriter, r *http.Request, parts []part, start, count, limit int) {
	total := 0
	for _, p := range parts {
		q := p.lp.query
		q.StartIndex, q.Count = 1, 0
		_, n, err := p.k.sorted(h, r, q)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		total += n
	}
	if start > total {
		h.writeList(w, startItems(listHeadSize), total, start)
		return
	}
	h.writeError(w, r, errorf(http.StatusBadRequest, ScimTypeTooMany, "startIndex %d and count %d reach past the first %d resources of a query across users and groups sorted by an attribute both have: each type's first startIndex+count-1 would be read to order them; narrow the filter, or list /Users and /Groups apart, which page without this bound", start, count, limit))
}

// listParamsAcross retries listParams for k, in a query across resource
// types, when its filter or sortBy (which failed with err) names attributes
// that k lacks and another type has: in k's resources those are unassigned,
// and each comparison on them is decided as the type defining them decides
// it for a resource without a value there (its query.Evaluator on an empty
// document; RFC 7644 §3.4.2.2: eq, co, sw, ew, gt, ge, lt, le and pr false,
// eq null true, ne true on a single-valued attribute and false on a
// multi-valued one, which has no value that is not identical), so
// displayName eq "x" or userName eq "y" finds groups and users alike and
// not (members pr) every user. skip is true when the filter is then false
// for every resource of k; unsorted when k lacks the sortBy attribute,
// whose resources §3.4.2.3 then orders after the others (before them when
// descending). An attribute no type defines is left alone, and err stands.
func (h *handler) listParamsAcross(ctx context.Context, k lister, kinds []lister, rl rawList, f filter.Expr, err error) (lp listParams, skip, unsorted bool, _ error) {
	rt := k.resourceType()
	// definer is the other type that defines p when k lacks it, else nil.
	definer := func(p filter.AttrPath) lister {
		if !rt.Resolve(p).Missing {
			return nil
		}
		for _, o := range kinds {
			if o != k && !o.resourceType().Resolve(p).Missing {
				return o
			}
		}
		return nil
	}
	// unassigned decides a comparison (a Compare, Present or ValuePath)
	// on a path k lacks as the type defining it decides it for a
	// resource without a value there: its evaluator on an empty
	// document, so no rule of the evaluator's is written twice. An error
	// (the filter is wrong for that type too) counts as false: that
	// type's own list answers with it.
	unassigned := func(leaf filter.Expr, p filter.AttrPath) (truth, lacked bool) {
		o := definer(p)
		if o == nil {
			return false, false
		}
		ok, err := o.evaluator().Match(leaf, map[string]any{})
		return err == nil && ok, true
	}
	changed := false
	if rl.sortBy != "" {
		if p, perr := h.parser.ParsePath(rl.sortBy); perr == nil && p.Filter == nil && definer(p.AttrPath) != nil {
			rl.sortBy, unsorted, changed = "", true, true
		}
	}
	if f != nil {
		out, truth, ch := unassign(f, unassigned)
		changed = changed || ch
		switch {
		case truth < 0:
			return lp, true, false, nil
		case truth > 0:
			f = nil
		case ch:
			f = out
		}
	}
	if !changed {
		return lp, false, false, err
	}
	lp, err2 := h.listParams(ctx, k, rl, f)
	if err2 != nil {
		return lp, false, false, err
	}
	return lp, false, unsorted, nil
}

// unassign rewrites e with every comparison that unassigned decides (one
// on a path the type lacks) replaced by that value. truth is -1 when the
// result is always false, +1 always true, 0 when out is what remains;
// changed reports whether anything was replaced.
func unassign(e filter.Expr, unassigned func(leaf filter.Expr, p filter.AttrPath) (truth, lacked bool)) (out filter.Expr, truth int, changed bool) {
	switch x := e.(type) {
	case *filter.Compare:
		return unassignLeaf(e, x.Path, unassigned)
	case *filter.Present:
		return unassignLeaf(e, x.Path, unassigned)
	case *filter.ValuePath:
		return unassignLeaf(e, x.Path, unassigned)
	case *filter.Not:
		in, t, ch := unassign(x.X, unassigned)
		if t != 0 {
			return nil, -t, true
		}
		if ch {
			return &filter.Not{X: in}, 0, true
		}
	case *filter.Logical:
		l, lt, lch := unassign(x.Left, unassigned)
		r, rt, rch := unassign(x.Right, unassigned)
		if !lch && !rch {
			return e, 0, false
		}
		absorbing, neutral := -1, 1 // and
		if x.Op == filter.Or {
			absorbing, neutral = 1, -1
		}
		switch {
		case lt == absorbing || rt == absorbing:
			return nil, absorbing, true
		case lt == neutral && rt == neutral:
			return nil, neutral, true
		case lt == neutral:
			return r, 0, true
		case rt == neutral:
			return l, 0, true
		}
		return &filter.Logical{Op: x.Op, Left: l, Right: r}, 0, true
	}
	return e, 0, false
}

// unassignLeaf is unassign for a comparison e on the path p.
func unassignLeaf(e filter.Expr, p filter.AttrPath, unassigned func(leaf filter.Expr, p filter.AttrPath) (truth, lacked bool)) (filter.Expr, int, bool) {
	b, lacked := unassigned(e, p)
	switch {
	case !lacked:
		return e, 0, false
	case b:
		return nil, 1, true
	}
	return nil, -1, true
}

// projectionFromQuery reads attributes/excludedAttributes of a single read.
func (h *handler) projectionFromQuery(r *http.Request, k lister) (*projection, error) {
	ret := k.extReturned()
	if r.URL.RawQuery == "" && ret.hidden == nil {
		return nil, nil
	}
	q := canonicalParams(r.Context(), queryOf(r))
	return h.newProjection(r.Context(), k.resourceType(), ret, nameList{joined: q["attributes"]}, nameList{joined: q["excludedAttributes"]}, nil)
}
