package sqlstore

import (
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// sortKey compiles sortBy (already validated by query.Evaluator.Sorter) to
// the SQL expression rows are ordered by, following query.Sorter: strings
// by the bytes of their folded form unless caseExact, the unique name
// (userName, a group's displayName) by its identity key column, which
// every filter operator on it compares (query.NameKey; a row written by a
// process older than schema version 4 has none until Reindex: no filter
// finds it, it sorts last, and a keyset walk, which compares the key as
// never NULL so that the key's index answers it, skips it) (every text key
// carries the dialect's textColl, COLLATE "C" on PostgreSQL, so the order
// does not depend on the database's default collation), false before true, a
// multi-valued attribute by its primary value or else its first, as
// query.SortsByPrimary chooses, NULL
// (sorted last ascending) when the row has no value. "" means every row
// has the same key (the attribute is never stored: password, groups,
// members, meta.location), so creation order decides. notNull: the key is
// never NULL (a NOT NULL column, or meta.version's text), so a keyset
// walk compares it with a plain range (key >= v), which a column's index
// answers, instead of also looking for NULLs. errFallback: sort in Go.
func (c *compiler) sortKey(sortBy string) (key string, notNull bool, err error) {
	p, ok := c.splitPath(sortBy)
	if !ok {
		return "", false, errFallback
	}
	res := c.rt.ResolveQuery(p)
	a := res.Attr
	if a == nil || res.Missing {
		return "", false, errFallback
	}
	leaf, sub := a, ""
	if res.Sub != nil {
		leaf, sub = res.Sub, res.Sub.Name
	} else if a.Type == resources.TypeComplex {
		if leaf = a.Sub("value"); leaf == nil {
			return "", false, errFallback
		}
		sub = leaf.Name
	}
	ext := ""
	if res.Extension != nil {
		ext = res.Extension.ID
	}
	if ext == "" {
		switch {
		case a.Name == "id" && sub == "":
			return c.col("id") + c.d.textColl, true, nil
		case a.Name == "externalId" && sub == "" && a.CaseExact:
			return c.col("external_id") + c.d.textColl, false, nil
		case a.Name == "password", a.Name == "meta" && (sub == "resourceType" || sub == "location"):
			return "", false, nil
		case a.Name == "meta" && sub == "created":
			return c.col("created"), true, nil
		case a.Name == "meta" && sub == "lastModified":
			return c.col("last_modified"), true, nil
		case a.Name == "meta" && sub == "version":
			return `('W/"' || CAST(` + c.col("version") + ` AS TEXT) || '"')` + c.d.textColl, true, nil
		case a.Name == "meta":
			return "", false, errFallback
		case c.users && a.Name == "groups", !c.users && a.Name == "members":
			// never part of the stored document the sort reads
			return "", false, nil
		case c.users && a.Name == "userName" && sub == "":
			if a.CaseExact {
				return c.col("user_name") + c.d.textColl, true, nil
			}
			return c.col("user_name_key") + c.d.textColl, true, nil
		case !c.users && a.Name == "displayName" && sub == "":
			if a.CaseExact {
				return c.col("display_name") + c.d.textColl, true, nil
			}
			return c.col("display_name_key") + c.d.textColl, true, nil
		}
	}
	isText := false
	switch leaf.Type {
	case resources.TypeString, resources.TypeReference, resources.TypeBinary:
		isText = true
	case resources.TypeBoolean:
	default:
		return "", false, errFallback
	}
	conv := func(j string) string {
		if isText {
			return c.jsonString(j)
		}
		return "(CASE " + c.d.jtype(j) + " WHEN 'false' THEN 0 WHEN 'true' THEN 1 END)"
	}
	keys := []string{a.Name}
	if ext != "" {
		keys = []string{ext, a.Name}
	}
	if ext != "" {
		// An extension's value, kept as the host wrote it, may have the
		// other shape than the schema's (looseTarget): the Sorter reads
		// a list as its elements, and anything else as itself, whatever
		// the schema says (Sorter.pick).
		key = c.looseSortKey(a, c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys))), sub, conv)
		if isText {
			key += c.d.textColl
		}
		return key, false, nil
	}
	if !a.MultiValued {
		if sub != "" {
			keys = append(keys, sub)
		}
		key = conv(c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys))))
		if isText {
			key += c.d.textColl
		}
		return key, false, nil
	}
	alias := c.newAlias("s")
	from, elem, pos := c.d.jelems(c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys))), alias)
	if sub == "" {
		key = "(SELECT " + conv(elem) + " FROM " + from + " WHERE " + c.d.jtype(elem) + " <> 'null' ORDER BY " + pos + " LIMIT 1)"
	} else {
		key = c.elemSortKey(a, from, elem, pos, sub, conv)
	}
	if isText {
		key += c.d.textColl
	}
	return key, false, nil
}

// looseSortKey is the value a sort by an extension's attribute a (its
// sub-attribute sub, or "") reads from j, the attribute's JSON value,
// converted by conv, as query's Sorter picks it: when j is an array, the
// first element that is not null (without sub), or the sub-attribute of
// the element SortsByPrimary chooses (the primary one, else the first
// that has it); otherwise j itself, or its sub-attribute.
func (c *compiler) looseSortKey(a *resources.Attribute, j, sub string, conv func(string) string) string {
	from, elem, pos := c.d.jelems(j, c.newAlias("s"))
	one, first := conv(j), ""
	if sub == "" {
		first = "(SELECT " + conv(elem) + " FROM " + from + " WHERE " + c.d.jtype(elem) + " <> 'null' ORDER BY " + pos + " LIMIT 1)"
	} else {
		one = conv(c.d.jget(j, c.a.add(c.d.jsonPathArg([]string{sub}))))
		first = c.elemSortKey(a, from, elem, pos, sub, conv)
	}
	return "(CASE WHEN " + c.d.jtype(j) + " = 'array' THEN " + first + " ELSE " + one + " END)"
}

// elemSortKey is the value of sub in the element of a's array, rows of
// from (elem, at pos), that a sort reads: the element whose primary is a
// JSON true, as the Sorter reads it (a string "true" marks none, RFC 7643
// §2.4), when SortsByPrimary(a), else the first that has it.
func (c *compiler) elemSortKey(a *resources.Attribute, from, elem, pos, sub string, conv func(string) string) string {
	sv := c.d.jget(elem, c.a.add(c.d.jsonPathArg([]string{sub})))
	order := pos
	if query.SortsByPrimary(a) {
		prim := c.d.jget(elem, c.a.add(c.d.jsonPathArg([]string{"primary"})))
		order = "CASE WHEN " + c.d.jtype(prim) + " = 'true' THEN 0 ELSE 1 END, " + pos
	}
	return "(SELECT " + conv(sv) + " FROM " + from + " WHERE " + c.d.jtype(sv) + " <> 'null' ORDER BY " + order + " LIMIT 1)"
}

// splitPath parses a sortBy path with the filter package's path parser,
// as the evaluator does.
func (c *compiler) splitPath(s string) (filter.AttrPath, bool) {
	p, err := filter.Parser{Schemas: c.rt.KnownSchemaURNs()}.ParsePath(s) // its error is not shown: no SecretNames
	return p.AttrPath, err == nil && p.Filter == nil
}
