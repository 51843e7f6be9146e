package sqlstore

import (
	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// fold is query.Fold: the key strings that are not caseExact are
// stored and compared under.
func fold(s string) string { return query.Fold(s) }

// queryDoc returns the query document of a resource document (the map
// resources.ToMap renders): the attributes filters are evaluated on, with
// every string of an attribute that is not caseExact folded, keys spelled
// as the schema spells them and extension objects under their schema's
// URN. id and meta are left out (they are columns), as is password (no
// filter may probe it), and so are the attributes that filters and sorts
// read from columns of the row (inColumns). A name the document gives in
// several spellings (only a document built outside a request can: the
// handler refuses two) keeps the value store/query's lookup reads, as the
// memory store does: the name's own spelling, or else the first in sorted
// order; so the walks go in sorted order (jsonscan.SortedKeys), not Go's
// map order.
func queryDoc(rt *resources.ResourceType, doc map[string]any) map[string]any {
	out := make(map[string]any, len(doc))
	var buf [jsonscan.SmallObject]string
	for _, k := range jsonscan.SortedKeys(buf[:0], doc) {
		v := doc[k]
		switch {
		case names.Equal(k, "id"), names.Equal(k, "meta"), names.Equal(k, "password"):
			continue
		case names.Equal(k, "schemas"):
			out["schemas"] = foldAll(v)
		case resources.IsURN(k):
			ext := rt.Extension(k)
			obj, ok := v.(map[string]any)
			if ext == nil || !ok {
				out[k] = foldAll(v)
				continue
			}
			if _, done := out[ext.ID]; done && k != ext.ID {
				continue
			}
			eo := make(map[string]any, len(obj))
			var ebuf [jsonscan.SmallObject]string
			for _, ek := range jsonscan.SortedKeys(ebuf[:0], obj) {
				ev := obj[ek]
				if a := ext.Attr(ek); a != nil {
					if _, done := eo[a.Name]; !done || ek == a.Name {
						eo[a.Name] = foldAttr(a, ev)
					}
				} else {
					eo[ek] = foldAll(ev)
				}
			}
			out[ext.ID] = eo
		default:
			a, _ := rt.Attr("", k)
			if a == nil {
				out[k] = foldAll(v)
				continue
			}
			if inColumns(rt, a) {
				continue
			}
			if _, done := out[a.Name]; !done || k == a.Name {
				out[a.Name] = foldAttr(a, v)
			}
		}
	}
	return out
}

// inColumns reports whether attribute a of rt, a core attribute, is kept
// in columns of the row of a user that every filter and sort of it reads
// (compiler.special, compiler.sortKey), so that the query document need
// not hold it: userName (its column, fold and key) and a caseExact
// externalId. A user's row is written whole at each version (a
// provider's create, then its deactivation), and left out of q it is
// smaller: the load test's user writes 64 bytes less of WAL per row
// version, its insert and its deactivation alike (BENCHMARKS.md, branch
// pghot, measured in one run by branch walbase). Rows written before
// keep them in q, where nothing reads them. A group keeps its displayName
// and externalId in q: its row is rewritten seldom (a member change
// writes only its version), and smaller group rows move PostgreSQL,
// before its first ANALYZE, from the members index to a walk of the
// tenant's groups (TestLookupPlansWithoutStatisticsPG).
func inColumns(rt *resources.ResourceType, a *resources.Attribute) bool {
	if rt.Schema == nil || rt.Schema.ID != resources.UserSchema {
		return false
	}
	return a.Name == "userName" || a.Name == "externalId" && a.CaseExact
}

// foldAttr folds the strings of v, a value of attribute a, that a is not
// caseExact for.
func foldAttr(a *resources.Attribute, v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = foldAttr(a, el)
		}
		return out
	case map[string]any:
		if a.Type != resources.TypeComplex {
			return foldAll(x)
		}
		out := make(map[string]any, len(x))
		var buf [jsonscan.SmallObject]string
		for _, k := range jsonscan.SortedKeys(buf[:0], x) {
			sv := x[k]
			if sa := a.Sub(k); sa != nil {
				if _, done := out[sa.Name]; !done || k == sa.Name {
					out[sa.Name] = foldAttr(sa, sv)
				}
			} else {
				out[k] = foldAll(sv)
			}
		}
		return out
	case string:
		if a.CaseExact || a.Type == resources.TypeComplex {
			return x
		}
		return fold(x)
	}
	return v
}

// foldAll folds every string in v (values an extension keeps raw compare
// case-insensitively).
func foldAll(v any) any {
	switch x := v.(type) {
	case string:
		return fold(x)
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = foldAll(el)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = foldAll(el)
		}
		return out
	}
	return v
}
