// Package query answers store.Query over resources a store holds: it
// evaluates filters (Evaluator, Matcher), sorts (Sorter, SortStable), pages
// (Window), walks by position for cursor paging (SelectAfter, Position)
// and folds case (Fold) exactly as the handler and every store of
// this module do, and makes and reads versions (NewUUID, FormatVersion,
// ParseVersion). store/memory and store/sqlstore use it; so can a host's
// own store, which then returns the same results, in the same order, as
// ours.
//
// The one case fold of values is Fold (Unicode simple case folding, as
// strings.EqualFold): filters and sorting use it, so memory, SQLite and
// PostgreSQL agree on which strings are equal and in which order they
// sort. Names are not values: attribute and sub-attribute names, schema
// URNs and filter operators match under ASCII case folding only, the one
// fold the handler gives names (RFC 7643 §2.1's ATTRNAME is ASCII), so
// "ſortBy" is not "sortBy" here either; a host's store comparing names
// that the filter parser produced (always ASCII) may use strings.EqualFold,
// which agrees on ASCII. The unique names (userName, Group displayName; NameAttr) have one
// more key, NameKey (IdentityKey: normalised, then folded), under which
// names that look the same are one: uniqueness and every filter operator
// on those names compare it (NameOperandKey), so that what "eq" finds "sw"
// and "le" find with the same operand, and a sort by them orders by it
// (Sorter), so that "gt" finds what the sort puts after its operand.
//
// A filter on groups reads the user's memberships, indirect ones included
// (store.MembershipReader): fill User.Groups as GroupsOf answers before
// UserDoc, or add them to the document as store/memory does (With,
// GroupRefValue). Either way a membership, and a group's member
// (MemberValue), is the element a GET shows (resources.GroupRefMap,
// resources.MemberMap): a sub-attribute that is empty is absent, so
// groups.display eq "" matches no membership and "pr" only a value that
// is there, and no "$ref", which the handler makes as it answers and
// refuses in a filter.
package query
