package sqlstore

import (
	"strings"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// sortKey compiles sortBy (already validated by query.Evaluator.Sorter) to
// the SQL expression rows are ordered by, following query.Sorter: strings
// by the bytes of their folded form unless caseExact (every text key
// carries the dialect's textColl, COLLATE "C" on PostgreSQL, so the order
// does not depend on the database's default collation), false before true, a
// multi-valued attribute by its primary value or else its first, NULL
// (sorted last ascending) when the row has no value. "" means every row
// has the same key (the attribute is never stored: password, groups,
// members, meta.location), so creation order decides. errFallback: sort
// in Go.
func (c *compiler) sortKey(sortBy string) (string, error) {
	p, ok := c.splitPath(sortBy)
	if !ok {
		return "", errFallback
	}
	var a *resources.Attribute
	urn := ""
	if p.URI == "" && strings.EqualFold(p.Name, "schemas") && p.Sub == "" {
		a = &resources.Attribute{Name: "schemas", Type: resources.TypeReference, MultiValued: true}
	} else {
		a, urn = c.rt.Attr(p.URI, p.Name)
	}
	if a == nil {
		return "", errFallback
	}
	leaf, sub := a, ""
	if p.Sub != "" {
		if leaf = a.Sub(p.Sub); leaf == nil {
			return "", errFallback
		}
		sub = leaf.Name
	} else if a.Type == resources.TypeComplex {
		if leaf = a.Sub("value"); leaf == nil {
			return "", errFallback
		}
		sub = leaf.Name
	}
	ext := ""
	if urn != "" && !strings.EqualFold(urn, c.rt.Schema.ID) {
		ext = urn
	}
	if ext == "" {
		switch {
		case a.Name == "id" && sub == "":
			return c.col("id") + c.d.textColl, nil
		case a.Name == "externalId" && sub == "" && a.CaseExact:
			return c.col("external_id") + c.d.textColl, nil
		case a.Name == "password", a.Name == "meta" && (sub == "resourceType" || sub == "location"):
			return "", nil
		case a.Name == "meta" && sub == "created":
			return c.col("created"), nil
		case a.Name == "meta" && sub == "lastModified":
			return c.col("last_modified"), nil
		case a.Name == "meta" && sub == "version":
			return `('W/"' || CAST(` + c.col("version") + ` AS TEXT) || '"')` + c.d.textColl, nil
		case a.Name == "meta":
			return "", errFallback
		case c.users && a.Name == "groups", !c.users && a.Name == "members":
			// never part of the stored document the sort reads
			return "", nil
		case c.users && a.Name == "userName" && sub == "":
			if a.CaseExact {
				return c.col("user_name") + c.d.textColl, nil
			}
			return c.col("user_name_fold") + c.d.textColl, nil
		case !c.users && a.Name == "displayName" && sub == "":
			if a.CaseExact {
				return c.col("display_name") + c.d.textColl, nil
			}
			return c.col("display_name_fold") + c.d.textColl, nil
		}
	}
	isText := false
	switch leaf.Type {
	case resources.TypeString, resources.TypeReference, resources.TypeBinary:
		isText = true
	case resources.TypeBoolean:
	default:
		return "", errFallback
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
	if !a.MultiValued {
		if sub != "" {
			keys = append(keys, sub)
		}
		key := conv(c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys))))
		if isText {
			key += c.d.textColl
		}
		return key, nil
	}
	alias := c.newAlias("s")
	from, elem, pos := c.d.jelems(c.d.jget(c.col("q"), c.a.add(c.d.jsonPathArg(keys))), alias)
	var key string
	if sub == "" {
		key = "(SELECT " + conv(elem) + " FROM " + from + " WHERE " + c.d.jtype(elem) + " <> 'null' ORDER BY " + pos + " LIMIT 1)"
	} else {
		sv := c.d.jget(elem, c.a.add(c.d.jsonPathArg([]string{sub})))
		prim := c.d.jget(elem, c.a.add(c.d.jsonPathArg([]string{"primary"})))
		key = "(SELECT " + conv(sv) + " FROM " + from + " WHERE " + c.d.jtype(sv) + " <> 'null' ORDER BY CASE WHEN " + c.d.jtype(prim) + " = 'true' THEN 0 ELSE 1 END, " + pos + " LIMIT 1)"
	}
	if isText {
		key += c.d.textColl
	}
	return key, nil
}

// splitPath parses an attribute path of the form [urn:]name[.sub], as
// query.Evaluator.Sorter does.
func (c *compiler) splitPath(s string) (filter.AttrPath, bool) {
	var p filter.AttrPath
	rest := s
	if len(s) > 4 && strings.EqualFold(s[:4], "urn:") {
		best := ""
		for _, urn := range c.rt.SchemaURNs() {
			if len(s) > len(urn)+1 && strings.EqualFold(s[:len(urn)], urn) && s[len(urn)] == ':' && len(urn) > len(best) {
				best = urn
			}
		}
		if best == "" {
			return p, false
		}
		p.URI = best
		rest = s[len(best)+1:]
	}
	name, sub, _ := strings.Cut(rest, ".")
	if name == "" || strings.ContainsAny(sub, ".[]") || strings.ContainsAny(name, "[] ") {
		return p, false
	}
	p.Name, p.Sub = name, sub
	return p, true
}
