package resources

// EachString calls f with each string u's typed attributes hold, until f
// returns false, and reports whether f returned true for every one (an
// attribute not set is passed as ""). It walks the core attributes,
// groups included, and the enterprise extension's fields with its
// manager's; not Meta, which holds no attribute's value, nor Extensions
// and Enterprise.Extra, which hold theirs as JSON text. The password is
// passed as held (a hash, when the host hashes it). A caller that holds
// each of a user's values to a rule (the handler's limits, before a
// PATCH of one attribute skips rendering the user as a document) reads
// them here without encoding the user.
//
// The fields are listed by hand, rather than walked through the decoder's
// tables (userFields and the tables of the types it reaches, fields.go):
// walked through them (an each function per complex field) it measured
// four to six times slower, and f escaped to the heap, an allocation more
// on this hot path, every PATCH of one attribute (BENCHMARKS.md). A
// string field added to User, or to a type it reaches, is added to each
// list of them, which must change together: the decoder's tables
// (UserFromMap, UserFromJSON), AppendJSON (marshal.go), render (ToMap,
// convert.go), EqualUsers (equal.go), clearUserAttr and
// clearEnterpriseAttr (subset.go, a model's projection, for an attribute
// of User or EnterpriseUser itself) and this one; Clone copies strings
// with their struct and lists only pointers and slices.
// TestEachStringWalksEveryField fails when a string field the types have
// is not walked here.
func (u *User) EachString(f func(string) bool) bool {
	if !f(u.ID) || !f(u.ExternalID) || !f(u.UserName) || !f(u.DisplayName) || !f(u.NickName) ||
		!f(u.ProfileURL) || !f(u.Title) || !f(u.UserType) || !f(u.PreferredLanguage) || !f(u.Locale) ||
		!f(u.Timezone) || !f(u.Password) {
		return false
	}
	if n := u.Name; n != nil && (!f(n.Formatted) || !f(n.FamilyName) || !f(n.GivenName) || !f(n.MiddleName) ||
		!f(n.HonorificPrefix) || !f(n.HonorificSuffix)) {
		return false
	}
	for _, list := range [...][]MultiValue{u.Emails, u.PhoneNumbers, u.IMs, u.Photos, u.Entitlements, u.Roles, u.X509Certificates} {
		for i := range list {
			if v := &list[i]; !f(v.Value) || !f(v.Display) || !f(v.Type) {
				return false
			}
		}
	}
	for i := range u.Addresses {
		if a := &u.Addresses[i]; !f(a.Formatted) || !f(a.StreetAddress) || !f(a.Locality) || !f(a.Region) ||
			!f(a.PostalCode) || !f(a.Country) || !f(a.Type) {
			return false
		}
	}
	for i := range u.Groups {
		if r := &u.Groups[i]; !f(r.Value) || !f(r.Ref) || !f(r.Display) || !f(r.Type) {
			return false
		}
	}
	if e := u.Enterprise; e != nil {
		if !f(e.EmployeeNumber) || !f(e.CostCenter) || !f(e.Organization) || !f(e.Division) || !f(e.Department) {
			return false
		}
		if m := e.Manager; m != nil && (!f(m.Value) || !f(m.Ref) || !f(m.DisplayName)) {
			return false
		}
	}
	return true
}
