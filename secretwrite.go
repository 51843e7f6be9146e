package scim

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
)

// A secret is an attribute or sub-attribute returned "never" (RFC 7643
// §2.4): the password, and any of a host's extensions so declared. Its
// value is never answered and a filter comparing it is refused, so that a
// client cannot test guesses at it. A write that leaves a resource as it
// was keeps its version and appends no feed entry (providers resend
// unchanged users every cycle), which would test a guess all the same: a
// PATCH replacing the pin with a guess, or removing a code by value,
// would keep the version only when the guess was right (or wrong). So a
// write whose request sends a value for a secret, or removes one (by
// value or not), is a change whatever the stored value is: a new version,
// the events of an update, and a feed entry naming the secret's
// attribute (store.SecretsSent). The password counts only when a hash of
// it is stored (Config.PasswordHasher): without one nothing of it is
// stored, nothing depends on it, and a write sending it alone changes
// nothing, as before (Config.OnPassword still gets it).

// keptSecrets returns of secrets, the top-level attributes holding a
// secret a write's request sent (patch.Engine.ApplyToSecrets,
// kind.sentSecrets), those the store keeps: all but the password when
// there is no PasswordHasher.
func (h *handler) keptSecrets(secrets []string) []string {
	if !slices.ContainsFunc(secrets, h.dropsSecret) {
		return secrets
	}
	return slices.DeleteFunc(slices.Clone(secrets), h.dropsSecret)
}

// dropsSecret reports whether the secret the top-level attribute name
// holds is not stored: the password without a PasswordHasher.
func (h *handler) dropsSecret(name string) bool {
	return name == "password" && !h.storesPasswords()
}

// storesPasswords reports whether a password a client sends is stored (a
// hash of it, Config.PasswordHasher), and so is a secret a write sending
// it changes whatever the stored one: the one rule every write asks.
func (h *handler) storesPasswords() bool { return h.cfg.PasswordHasher != nil }

// secretsSent records secrets as what the write's request sent, for the
// store to list in its feed entry (store.SecretsSent, which update puts in
// the store's context). A change runs it on each run: the last run's
// count.
func secretsSent(ctx context.Context, secrets []string) {
	if st := stateOf(ctx); st != nil && st.passwords != nil && st.passwords.secrets != nil {
		st.passwords.secrets.Attributes = secrets
	}
}

// withSecretsSent readies the store's context of a write of a type with
// secrets (kind.secretWrites): a store.SecretsSent the change fills
// (secretsSent), in the request's state and in the context returned; done
// takes it from the state once the write has returned. A type without
// secrets pays nothing.
func withSecretsSent(ctx context.Context, secretWrites bool) (out context.Context, done func()) {
	st := stateOf(ctx)
	if !secretWrites || st == nil {
		return ctx, func() {}
	}
	sent := new(store.SecretsSent)
	p := st.pw()
	p.secrets = sent
	return store.WithSecretsSent(ctx, sent), func() { p.secrets = nil }
}

// neverHidden reports whether hidden holds an attribute returned "never"
// (not only "request" ones).
func neverHidden(hidden []hiddenAttr) bool {
	return slices.ContainsFunc(hidden, func(h hiddenAttr) bool { return !h.request })
}

// sentSecrets returns the extensions (by URN) of v, the resource a PUT
// sends, that hold a value for a secret: an attribute returned "never",
// or a complex attribute whose value (or one of whose values) gives one
// to a sub-attribute returned "never". A PUT that leaves one out (or
// sends null) keeps the stored value (keepOnReplace) and sends none.
// Each extension is decoded once, for all its secrets (hiddenAttrs lists
// an extension's attributes together).
func (k *kind[T]) sentSecrets(v T) []string {
	if !k.secretExts {
		return nil
	}
	exts := *k.extensions(v)
	var out []string
	var (
		at  string         // the extension obj holds, decoded
		obj map[string]any // nil: at is not sent, or not as an object
	)
	for _, hid := range k.returned.hidden {
		urn := hid.ref.urn
		if hid.request || slices.Contains(out, urn) {
			continue
		}
		if urn != at {
			at, obj = urn, nil
			if _, raw, ok := names.Key(exts, urn); ok {
				if o, err := resources.DecodeOrNull(raw); err == nil {
					obj = o // else not an object: the PUT's checks answer that
				}
			}
		}
		if obj == nil {
			continue
		}
		_, val, _ := names.Key(obj, hid.ref.name)
		if attr, _ := k.rt.Attr(urn, hid.ref.name); attr != nil && attr.GivesSecret(val) {
			out = append(out, urn)
		}
	}
	return out
}

// dropSecrets removes from v, an event's own copy of a resource (emit),
// the values of its extensions' attributes and sub-attributes returned
// "never", as every response leaves them out (projection.apply): Config.
// Events, which hosts log, shows no secret, as it shows no password. An
// extension left without attributes goes, so that "schemas" stops
// listing it; one the store kept unreadable goes whole. A type without
// secrets pays nothing.
func (k *kind[T]) dropSecrets(v T) {
	if !k.secretExts {
		return
	}
	exts := k.extensions(v)
	doc := map[string]any{} // each extension holding a secret, decoded once
	var read []string
	for _, hid := range k.returned.hidden {
		if hid.request {
			continue
		}
		key, raw, ok := names.Key(*exts, hid.ref.urn)
		if !ok {
			continue
		}
		if !slices.Contains(read, key) {
			read = append(read, key)
			obj, err := resources.DecodeOrNull(raw)
			if err != nil {
				continue // not an object: dropped whole below
			}
			doc[key] = obj
		}
		ref := hid.ref
		ref.urn = key
		removeRef(doc, ref)
		prune(doc, ref)
	}
	for _, key := range read {
		obj, _ := doc[key].(map[string]any)
		b, err := json.Marshal(obj)
		if len(obj) == 0 || err != nil {
			delete(*exts, key)
			continue
		}
		(*exts)[key] = b
	}
}
