package resources

import (
	"encoding/json"

	"github.com/scimkit/scim/internal/jsonscan"
	"github.com/scimkit/scim/internal/names"
)

// The reference readers below are UserFromJSON and GroupFromJSON as they
// were before they read the usual attributes straight from the text: each
// member decoded to a generic value (jsonscan.Value), then set from it. They
// are kept verbatim (renamed, methods made functions) so that
// FuzzFromJSONRef can hold the readers to them: same result, same error.

func refUserFromJSON(data []byte) (*User, error) {
	u := new(User)
	err := eachMember(data, func(k string, raw []byte) error {
		if qualifiedKey(k, UserSchema, EnterpriseUserSchema) {
			return errQualified
		}
		if !isExtensionKey(k, UserSchema) {
			v, _ := jsonscan.Value(raw, 0)
			return refUserSet(u, k, v)
		}
		if !names.Equal(k, EnterpriseUserSchema) {
			putExtension(&u.Extensions, k, append(json.RawMessage(nil), raw...))
			return nil
		}
		v, _ := jsonscan.Value(raw, 0)
		e, extra, err := refBuildEnterprise(k, v, false)
		if err != nil {
			return err
		}
		if extra {
			_ = members(raw, func(k string, raw []byte) error {
				if !refIsEnterpriseField(k) {
					putExtension(&e.Extra, k, append(json.RawMessage(nil), raw...))
				}
				return nil
			})
		}
		u.Enterprise = e
		return nil
	})
	if err == errQualified {
		if data, err = unqualifiedJSON(data, UserSchema, EnterpriseUserSchema); err != nil {
			return nil, err
		}
		return refUserFromJSON(data)
	}
	if err != nil {
		return nil, err
	}
	u.compact()
	return u, nil
}

func refGroupFromJSON(data []byte) (*Group, error) {
	g := new(Group)
	err := eachMember(data, func(k string, raw []byte) error {
		if qualifiedKey(k, GroupSchema, "") {
			return errQualified
		}
		if isExtensionKey(k, GroupSchema) {
			putExtension(&g.Extensions, k, append(json.RawMessage(nil), raw...))
			return nil
		}
		v, _ := jsonscan.Value(raw, 0)
		return refGroupSet(g, k, v)
	})
	if err == errQualified {
		if data, err = unqualifiedJSON(data, GroupSchema, ""); err != nil {
			return nil, err
		}
		return refGroupFromJSON(data)
	}
	if err != nil {
		return nil, err
	}
	g.compact()
	return g, nil
}

func refUserSet(u *User, k string, v any) error {
	switch k {
	case "id":
		return getString("", k, v, &u.ID)
	case "externalId":
		return getString("", k, v, &u.ExternalID)
	case "userName":
		return getString("", k, v, &u.UserName)
	case "name":
		return getObject("name.", v, &u.Name, func(n *Name, p, k string, v any) error {
			switch k {
			case "formatted":
				return getString(p, k, v, &n.Formatted)
			case "familyName":
				return getString(p, k, v, &n.FamilyName)
			case "givenName":
				return getString(p, k, v, &n.GivenName)
			case "middleName":
				return getString(p, k, v, &n.MiddleName)
			case "honorificPrefix":
				return getString(p, k, v, &n.HonorificPrefix)
			case "honorificSuffix":
				return getString(p, k, v, &n.HonorificSuffix)
			}
			return nil
		})
	case "displayName":
		return getString("", k, v, &u.DisplayName)
	case "nickName":
		return getString("", k, v, &u.NickName)
	case "profileUrl":
		return getString("", k, v, &u.ProfileURL)
	case "title":
		return getString("", k, v, &u.Title)
	case "userType":
		return getString("", k, v, &u.UserType)
	case "preferredLanguage":
		return getString("", k, v, &u.PreferredLanguage)
	case "locale":
		return getString("", k, v, &u.Locale)
	case "timezone":
		return getString("", k, v, &u.Timezone)
	case "active":
		switch x := v.(type) {
		case nil:
			u.Active = nil
			return nil
		case bool:
			u.Active = &x
			return nil
		}
		return typeError(k, "a boolean", v)
	case "password":
		return getString("", k, v, &u.Password)
	case "emails":
		return getList("emails.", v, &u.Emails, refMultiValueSet)
	case "phoneNumbers":
		return getList("phoneNumbers.", v, &u.PhoneNumbers, refMultiValueSet)
	case "ims":
		return getList("ims.", v, &u.IMs, refMultiValueSet)
	case "photos":
		return getList("photos.", v, &u.Photos, refMultiValueSet)
	case "addresses":
		return getList("addresses.", v, &u.Addresses, refAddressSet)
	case "groups":
		return getList("groups.", v, &u.Groups, refGroupRefSet)
	case "entitlements":
		return getList("entitlements.", v, &u.Entitlements, refMultiValueSet)
	case "roles":
		return getList("roles.", v, &u.Roles, refMultiValueSet)
	case "x509Certificates":
		return getList("x509Certificates.", v, &u.X509Certificates, refMultiValueSet)
	case "meta":
		return refMetaSet(&u.Meta, v)
	}
	if qualifiedKey(k, UserSchema, EnterpriseUserSchema) {
		return errQualified
	}
	if !isExtensionKey(k, UserSchema) {
		return nil
	}
	if names.Equal(k, EnterpriseUserSchema) {
		if u.Enterprise != nil {
			return twice(EnterpriseUserSchema)
		}
		e, _, err := refBuildEnterprise(k, v, true)
		u.Enterprise = e
		return err
	}
	return setExtension(&u.Extensions, k, v)
}

func refGroupSet(g *Group, k string, v any) error {
	switch k {
	case "id":
		return getString("", k, v, &g.ID)
	case "externalId":
		return getString("", k, v, &g.ExternalID)
	case "displayName":
		return getString("", k, v, &g.DisplayName)
	case "members":
		return getList("members.", v, &g.Members, refMemberSet)
	case "meta":
		return refMetaSet(&g.Meta, v)
	}
	if qualifiedKey(k, GroupSchema, "") {
		return errQualified
	}
	if !isExtensionKey(k, GroupSchema) {
		return nil
	}
	return setExtension(&g.Extensions, k, v)
}

var refEnterpriseFields = [...]string{"employeeNumber", "costCenter", "organization", "division", "department", "manager"}

func refBuildEnterprise(path string, v any, keepExtra bool) (e *EnterpriseUser, extra bool, err error) {
	e = new(EnterpriseUser)
	if v == nil {
		return e, false, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, false, typeError(path, "an object", v)
	}
	read := func(k string, v any) (err error) {
		switch k {
		case "employeeNumber":
			err = getString(EnterpriseUserSchema+":", k, v, &e.EmployeeNumber)
		case "costCenter":
			err = getString(EnterpriseUserSchema+":", k, v, &e.CostCenter)
		case "organization":
			err = getString(EnterpriseUserSchema+":", k, v, &e.Organization)
		case "division":
			err = getString(EnterpriseUserSchema+":", k, v, &e.Division)
		case "department":
			err = getString(EnterpriseUserSchema+":", k, v, &e.Department)
		case "manager":
			err = getObject(EnterpriseUserSchema+":manager.", v, &e.Manager, func(m *Manager, p, k string, v any) error {
				switch k {
				case "value":
					return getString(p, k, v, &m.Value)
				case "$ref":
					return getString(p, k, v, &m.Ref)
				case "displayName":
					return getString(p, k, v, &m.DisplayName)
				}
				return nil
			})
		default:
			if refIsEnterpriseField(k) {
				return nil
			}
			extra = true
			if keepExtra {
				err = setExtension(&e.Extra, k, v)
			}
		}
		return err
	}
	if err := walkMembers(obj, read); err != nil {
		e, extra = new(EnterpriseUser), false
		return nil, false, walkSorted(obj, read, err)
	}
	return e, extra, nil
}

func refIsEnterpriseField(k string) bool {
	for _, f := range refEnterpriseFields {
		if names.Equal(k, f) {
			return true
		}
	}
	return false
}

func refMultiValueSet(v *MultiValue, p, k string, x any) error {
	switch k {
	case "value":
		return getString(p, k, x, &v.Value)
	case "display":
		return getString(p, k, x, &v.Display)
	case "type":
		return getString(p, k, x, &v.Type)
	case "primary":
		return getBoolPtr(p, k, x, &v.Primary)
	}
	return nil
}

func refAddressSet(a *Address, p, k string, x any) error {
	switch k {
	case "formatted":
		return getString(p, k, x, &a.Formatted)
	case "streetAddress":
		return getString(p, k, x, &a.StreetAddress)
	case "locality":
		return getString(p, k, x, &a.Locality)
	case "region":
		return getString(p, k, x, &a.Region)
	case "postalCode":
		return getString(p, k, x, &a.PostalCode)
	case "country":
		return getString(p, k, x, &a.Country)
	case "type":
		return getString(p, k, x, &a.Type)
	case "primary":
		return getBoolPtr(p, k, x, &a.Primary)
	}
	return nil
}

func refGroupRefSet(r *GroupRef, p, k string, x any) error {
	switch k {
	case "value":
		return getString(p, k, x, &r.Value)
	case "$ref":
		return getString(p, k, x, &r.Ref)
	case "display":
		return getString(p, k, x, &r.Display)
	case "type":
		return getString(p, k, x, &r.Type)
	}
	return nil
}

func refMemberSet(r *Member, p, k string, x any) error {
	switch k {
	case "value":
		return getString(p, k, x, &r.Value)
	case "$ref":
		return getString(p, k, x, &r.Ref)
	case "type":
		return getString(p, k, x, &r.Type)
	case "display":
		return getString(p, k, x, &r.Display)
	}
	return nil
}

func refMetaSet(m *Meta, v any) error {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return typeError("meta", "an object", v)
	}
	read := func(k string, x any) (err error) {
		switch k {
		case "resourceType":
			err = getString("meta.", k, x, &m.ResourceType)
		case "created":
			err = getTime("meta.", k, x, &m.Created)
		case "lastModified":
			err = getTime("meta.", k, x, &m.LastModified)
		case "location":
			err = getString("meta.", k, x, &m.Location)
		case "version":
			err = getString("meta.", k, x, &m.Version)
		}
		return err
	}
	if err := walkMembers(obj, read); err != nil {
		return walkSorted(obj, read, err)
	}
	return nil
}

// refUserFromMap and refGroupFromMap are UserFromMap and GroupFromMap
// with the reference setters above, which the field tables replaced.
func refUserFromMap(doc map[string]any) (*User, error) {
	u := new(User)
	set := func(k string, v any) error { return refUserSet(u, k, v) }
	if err := walkMembers(doc, set); err != nil {
		if moved, err := unqualifyMap(doc, UserSchema, EnterpriseUserSchema); err != nil || moved != nil {
			if err != nil {
				return nil, err
			}
			return refUserFromMap(moved)
		}
		u = new(User)
		return nil, walkSorted(doc, set, err)
	}
	u.compact()
	return u, nil
}

func refGroupFromMap(doc map[string]any) (*Group, error) {
	g := new(Group)
	set := func(k string, v any) error { return refGroupSet(g, k, v) }
	if err := walkMembers(doc, set); err != nil {
		if moved, err := unqualifyMap(doc, GroupSchema, ""); err != nil || moved != nil {
			if err != nil {
				return nil, err
			}
			return refGroupFromMap(moved)
		}
		g = new(Group)
		return nil, walkSorted(doc, set, err)
	}
	g.compact()
	return g, nil
}
