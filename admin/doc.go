// Package admin serves what a host's "SCIM provisioning" admin page needs:
// the JSON API to generate, list and revoke tokens and show the connection
// status ([NewHandler]), and the log of each tenant's recent SCIM requests
// it shows, for troubleshooting "users are not syncing" without server
// logs ([Request], [RequestLog]).
//
// The root scim handler records every authenticated request into
// scim.Config.RequestLog; the admin handler reads the same log. Two logs
// are provided:
//
//   - [RequestRing], bounded and in memory, per process;
//   - sqlstore.Store, in the database, shared by every replica.
//
// Wrap a log that does I/O in an [AsyncLog], so that recording leaves the
// request path: Record only buffers, a background goroutine writes in
// batches (one multi-row INSERT per batch on sqlstore), and under pressure
// entries are dropped and counted rather than slowing a request down.
// Close it on shutdown to flush the buffer; a crash loses the entries not
// yet written.
//
//	db, _ := sqlstore.Open(ctx, dsn)
//	requests := admin.NewAsyncLog(db, admin.AsyncOptions{Logger: logger})
//	defer requests.Close(shutdownCtx)
//	h, _ := scim.NewHandler(scim.Config{..., RequestLog: requests})
//	api := admin.NewHandler(toks, admin.Options{Tenant: tenantOf, RequestLog: requests})
//	mux.Handle("/admin/api/", requireAdmin(http.StripPrefix("/admin/api", api)))
//
// With Options.Feed (a feed.Source: sqlstore's or memory's Feed), GET
// /feed shows the tenant's recent change-feed entries and each named
// consumer's lag.
//
// The admin handler performs no authentication: the host mounts it behind
// its own (see NewHandler).
package admin
