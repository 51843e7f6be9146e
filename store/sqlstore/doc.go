// Package sqlstore keeps scimkit's users, groups, memberships, bearer
// tokens and the recent-request log in PostgreSQL 13 or later (through
// github.com/jackc/pgx/v5; New refuses an older server) or SQLite
// (through modernc.org/sqlite, pure Go, no cgo).
//
//	db, err := sqlstore.Open(ctx, "postgres://app@db/app")  // or "scim.db"
//	if err != nil { ... }
//	defer db.Close()
//	requests := admin.NewAsyncLog(db, admin.AsyncOptions{})
//	defer requests.Close(shutdownCtx)
//	h, err := scim.NewHandler(scim.Config{Users: db, Groups: db,
//		Tokens: tokens.NewManager(db, tokens.Options{}), RequestLog: requests, ...})
//
// One *Store implements store.UserStore, store.GroupStore,
// store.MembershipReader, store.UserUpdater, store.GroupUpdater,
// store.CheckedMemberModifier, store.UserCursorLister,
// store.GroupCursorLister, store.ModelProvider, store.UniqueEnforcer,
// store.IDLimiter, tokens.Store, tokens.Rotator, admin.RequestLog and
// admin.BatchRecorder (wrapped in an admin.AsyncLog, the request log is
// written in batches, one INSERT each, off the request path), and is safe
// for concurrent use, also by several processes sharing one database. With
// Config.ChangeFeed, Feed returns its store.ChangeFeed and
// store.FeedConsumers (below).
//
// # Schema
//
// Open applies the embedded migrations (migrations/postgres or
// migrations/sqlite) in one transaction, recorded in
// scim_schema_migrations; on PostgreSQL under a transaction-scoped
// advisory lock, on SQLite under the database's write lock, so processes
// starting together apply them once. Every table is keyed by tenant first
// and every query is scoped by the tenant of the context (store.Tenant).
// The tables are prefixed scim_ so that they can live in a host's own
// database.
//
//   - scim_users: one row per user; the resource as JSON (doc), a "query
//     document" q in which every string compared case-insensitively is
//     folded (see below), without userName and a caseExact externalId,
//     which filters and sorts read from their columns (so that a change of
//     externalId's caseExact needs Reindex to put it back), and columns for
//     what is looked up or sorted often: user_name_key (the identity key,
//     query.NameKey, UNIQUE per tenant with user_name_dup, so the database
//     enforces userName uniqueness, and what every filter on userName
//     compares and a sort by it orders by; see "Unique names"),
//     user_name_fold (written empty and read by nothing: schema version
//     13 dropped its unique index, which the key's made redundant, and
//     the column stays, NOT NULL, for a process of an earlier release
//     running beside this one, whose filter's userName pr asks only that
//     it is not NULL; rows written before keep their folded name until
//     their next write or Reindex), external_id, created,
//     last_modified, version and seq (creation order).
//   - scim_user_values: one row per email and phone number (folded value,
//     type, display, primary), indexed by (tenant, attr, value) (on SQLite
//     with type and is_primary after it, so that the index covers a typed
//     or primary email), so that emails.value eq, emails[type eq
//     "work"].value eq and emails[primary eq true].value eq are index
//     lookups.
//   - scim_groups: like scim_users, without members; display_name_key
//     (with display_name_dup) is UNIQUE per tenant; display_name_fold,
//     not indexed, is what a filter on members.display and
//     User.groups.display compares.
//   - scim_members: (tenant, group_id, member_id) primary key, member_type,
//     seq; indexed by (tenant, member_id) for User.groups and
//     members.value filters, and by (tenant, member_id) where member_type
//     is 'Group' (a partial index) to find nested groups and walk
//     User.groups' indirect memberships, for a GET (GroupsOf) and a
//     filter on groups alike (one walk, walkGroups; a tenant without
//     nested groups pays one probe of the partial index). A filter on
//     groups.value eq X walks the same way down from X instead, by
//     (tenant, group_id) where the member is a group (a second partial
//     index, scim_members_nested_groups), so that a group holding no
//     group costs one probe. Membership changes are set operations on it.
//   - scim_tokens: keyed by token id, with a unique hash and an index on
//     (tenant, id). It is the one table not keyed by tenant first: a bearer
//     token is looked up by its hash before its tenant is known.
//   - scim_request_log and scim_request_heads: the recent-request log, a
//     ring of Config.RequestLogSize slots per tenant, keyed (tenant,
//     slot); the head counts the tenant's entries, and entry n overwrites
//     slot n mod RequestLogSize, so writing the log deletes nothing.
//   - scim_feed, scim_feed_pending, scim_feed_heads, scim_feed_consumers:
//     the change feed
//     (Config.ChangeFeed), below.
//   - scim_user_unique and scim_group_unique: the values of the extension
//     attributes the model declares unique, below; untouched by a model
//     without any.
//   - scim_counts: how many users and groups each tenant holds, kept by
//     triggers on scim_users and scim_groups in the transaction of the
//     rows they count (migration 0014), which an unfiltered list reads for
//     its totalResults in its page's statement instead of counting the
//     tenant on every page. SQLite keeps one row per tenant and kind; on
//     PostgreSQL each statement appends a delta row, which no concurrent
//     write locks, and every 32nd folds its tenant's committed deltas,
//     skipping those another fold holds, so that a fold never waits
//     (migration 0016); a TRUNCATE of either table empties its counts
//     (migration 0015). A tenant emptied of users or groups keeps no
//     rows, and an UPDATE of a row's tenant moves its count (0016). A
//     role that lists needs SELECT on it, one that creates or deletes
//     users or groups SELECT, INSERT, UPDATE and DELETE (the fold), as on
//     the other tables.
//
// # Change feed and the bridge to a host's tables
//
// With Config.ChangeFeed, every write appends its entries (store.Change)
// in its own transaction: an entry commits with its change or not at all.
// Entries are numbered per tenant. On PostgreSQL, where writers run at
// once, a write appends its entries to scim_feed_pending, locking nothing
// another write of the tenant takes, so the tenant's writes commit
// together; the entries are numbered, after the tenant's scim_feed_heads
// row and under its lock, and moved to scim_feed by a reader of the feed
// (Feed.Changes, or Prune, which the store runs in the background), a
// transaction's entries together, in the order the transactions appended
// them. An entry is numbered only once committed, so a consumer that read
// up to n never misses one numbered below n later, and a write appends
// only holding its resource's row lock, so a resource's entries are
// numbered in the order of its writes. A write with Config.OnChange
// appends the same way, and hands OnChange its entries unnumbered (Seq
// 0): numbering inside the write would hold the tenant's head until its
// commit, one write of the tenant at a time. Numbering writes: a reader
// that may not (a role with SELECT only, a hot standby) reads what is
// numbered, and FeedStatus, which writes nothing, counts the entries
// waiting in each tenant's head. Processes of a release before schema
// version 12 number their own entries and never those waiting: stop them
// before a process of this release writes (see README). Those of the
// releases between, whose writes with OnChange number what waits, number
// it as a reader does, and may run beside it (TestFeedMixedReleases). On
// SQLite, which has one writer, the numbers come from the tenant's newest
// entry (or the head row Prune keeps once it has deleted them all), so a
// write changes no head row. Feed returns the store.ChangeFeed and
// store.FeedConsumers that package feed runs a consumer over; a
// background goroutine prunes entries past Config.FeedRetention, or
// acknowledged by every named consumer of their tenant, in short batches.
// On PostgreSQL a create, an update or a member change folds the append
// into a statement it sends anyway (a data-modifying WITH on its INSERT
// or UPDATE): no statement more, with Config.OnChange or without; a
// delete sends one more, and a group's delete also reads its members for
// the entry (after locking its row: two statements more). On SQLite a
// write's entries, up to 64, are one row of scim_feed (its seq the last
// entry's, the others than the first in its more column), appended in one
// statement more; with Config.OnChange, which needs the entries' numbers,
// two (Config.Bridge does not need them). A write of more entries (a user
// deleted from more than 63 groups) reads the last number and appends a
// row per 64 entries in one statement: two more. A reader after a
// position within such a row gets the rest of its entries; Prune deletes
// the row once all of them may go.
//
// On SQLite a statement is compiled once: the writer and the reader pool
// each keep a bounded cache of prepared statements by SQL text (the
// driver keeps none; compiling was about half of a GetUser and two thirds
// of a userName lookup), which the bridge's statements use too.
//
// Config.OnChange is called with each entry, the resource before and
// after (Change), inside the same transaction before the commit: the place
// for a host to update its own tables, with an error rolling everything
// back. HostTables builds a Bridge from a declarative description of the
// host's users, teams and membership tables, which adopts existing
// accounts; set as Config.Bridge, its statements ride, on PostgreSQL, in
// the statement the store sends for the write (a data-modifying WITH, as
// the feed's append does): a user's or group's create, update and
// delete, and a member change of an add, a removal or both, so that it
// costs those writes no round trip. A deletion's bridge needs only the
// id: without Config.OnChange the store reads no deleted resource back
// for it, nor works out the deletion's entries unless the feed is on.
//
// # Lookups on tables never analyzed
//
// A provider's first sync runs on tables the planner has no statistics
// for: SQLite's always (nothing runs ANALYZE), PostgreSQL's until
// autovacuum's first ANALYZE of each table. Without them both databases
// take every equality for selective and may prefer an index bounded by
// the tenant alone, which reads the whole tenant. So a list whose filter
// looks a value up (userName, externalId, id, a group's displayName, an
// email, a member) orders by seq + 0, which no index gives, and an email
// or member lookup selects its owners' ids in a form no index orders, so
// that the lookup's own index is the cheapest path whatever the table's
// size; on PostgreSQL this holds for the custom plan and for the generic
// plan a pooled connection caches (a generic plan made on a table of a
// few hundred rows, where every estimate is one row, may still read it
// whole until an ANALYZE makes the connection plan again: see "Plans
// cached while the tables were small").
// TestLookupPlansWithoutStatistics (SQLite) and
// TestLookupPlansWithoutStatisticsPG hold the statements the handler
// sends to that.
//
// PostgreSQL's statistics may also be older than the tenant: ANALYZE
// run when a table held one row (a tenant's first group) stores every
// column as all distinct, the tenant too, and until the next ANALYZE
// "tenant = $1" is estimated at one row, so any index that leads with the
// tenant looks as good as the primary key, and a write by id read every
// row of the tenant (a user's delete bumped its groups' versions through
// a loop over all the tenant's groups). No shape of a statement corrects
// an estimate of one row; PostgreSQL's migration 0007 sets the tenant
// column's n_distinct, which every ANALYZE then stores instead of its own
// count, so that a tenant is never taken for a key.
// TestWritePlansWithStaleStatistics holds every write's statements to
// their rows on such statistics.
//
// # Plans cached while the tables were small
//
// pgx keeps each statement prepared per connection, and after five runs
// PostgreSQL may keep a statement's generic plan; the checks of foreign
// keys and their cascades are cached plans too. A plan made while a table
// held a few pages, where every estimate is one row and any index that
// leads with the tenant looks as good as the key, may read every row of
// the tenant on every run once the table has grown, and stays until an
// ANALYZE or VACUUM of the table makes every connection plan again:
// autovacuum's, after 50 rows and a tenth of the table written and up to
// autovacuum_naptime (a minute) later, or never where it is off. A
// provider's first push writes thousands of rows in that minute (after
// eight runs on tiny tables, a deactivation then read 4,000 rows of a
// tenant of 2,000 users, a GET 2,000, a member's add 2,500, a user's
// create checked its email's foreign key along every user of the
// tenant). So a PostgreSQL store runs ANALYZE of scim_users,
// scim_user_values, scim_groups and scim_members itself, and of the
// host's tables its Config.Bridge writes (a team's join rows check their
// foreign keys with plans cached on the store's connections: made while
// the teams were a handful, the check of each row scanned every team,
// 1,500 of them after a few seconds of creates), in the
// background, when one has at least doubled in pages since its last
// ANALYZE (its pg_class.relpages, whoever ran it) and since the store
// last tried, and has 8 pages or more: once per doubling, about ten
// ANALYZEs a table per thousandfold growth, each sampling at most 30,000 rows (default_statistics_target).
// Writes that may add rows wake the check, a catalog query, when the store's writes have
// doubled since the last one or a second has passed; a store that does
// not write sends none. It runs on one of the pool's connections, never
// in a request: a failure is dropped and tried again at a later check,
// the ANALYZE is SKIP_LOCKED (it never waits behind autovacuum's, another
// process's or a host's DDL), and on a table the store's role does not
// own ANALYZE only warns, and the doubling bounds how often it is tried.
// A table whose autovacuum_enabled is off is left alone. Config.NoAnalyze
// turns it off, for a host whose own maintenance analyzes the tables.
// Planning every run instead (plan_cache_mode=force_custom_plan) halved
// the rate of reads by id in the load test and still left a member change
// reading 450 rows and a delete 650 on tables never analyzed; pgx's exec
// and cache_describe modes do that too and leave the foreign keys' checks
// as they were; enable_seqscan=off changed no plan (BENCHMARKS.md). TestPlansCachedWhileSmall holds a provider's requests
// to a few rows on a tenant grown after they ran on its tiny tables.
//
// A host may run ANALYZE (or PRAGMA optimize) on a SQLite database it
// shares with scimkit (the store itself never does). SQLite then looks a
// bound value compared with an index up in sqlite_stat4 and compiles the
// statement again on every run with a new value; it does so for a LIMIT's
// value and a GLOB's pattern even unanalyzed. So on SQLite every
// statement of the store, its writes (a row's tenant and id, a group's
// members, the feed, the tokens, the request log, the uniqueness rows,
// Reindex) as well as its reads, and the SCIM id by which the bridge
// (HostTables) finds a host's row, compares such a value as (SELECT ?n),
// whose value the planner does not look up, and keeps its index (the
// plan tests, after ANALYZE); an sw on SQLite writes its prefix's range out (dialect.substring).
// TestSQLiteStatementsCompiledOnce compiles each statement the store sends
// against an analyzed database and fails on a parameter whose binding
// would compile it again.
//
// # Case-insensitive comparison
//
// Strings of attributes that are not caseExact are compared under Unicode
// simple case folding, as query.Evaluator and the memory store do. The
// store folds them in Go when it writes (each rune replaced by the
// representative of its folding orbit) and folds the operand of a filter
// the same way, so lookups are plain equality on an indexed column and the
// result does not depend on the database's collation or locale. Ordering
// uses byte order of the folded strings (COLLATE "C" on PostgreSQL).
//
// # Unique names
//
// userName and a group's displayName are unique per tenant under
// query.NameKey, the identity key (PRECIS Nickname comparison form, then
// case folding): NFC and NFD "café", or full-width "ｊｏｅ" and "joe", are
// one name. The key is computed in Go and kept in *_key; "eq" on these
// names compares it, through the unique index. The upgrade to schema
// version 4 fills the key of every stored row; two rows whose names were
// distinct under the old case fold and share a key now are both kept, the
// newer marked in *_dup with its own id (the unique index is on tenant,
// key and dup, so every write without a mark is unique by its key):
// SharedNames lists them, for an administrator to rename or delete one of
// each pair; eq finds both meanwhile. A conflict's error names the name
// in the way (query.NameConflict), read after the failed transaction.
//
// # Unique extension attributes
//
// An attribute of a host's extension declared Uniqueness server or global
// (resources.ResourceType.UniqueAttributes) is unique per tenant: each
// resource's value is a row of scim_user_unique or scim_group_unique
// keyed (tenant, attr, value_key), value_key being query.UniqueKeys' key
// (case-folded unless the attribute is caseExact), written in the
// transaction of the write (on PostgreSQL a user's create carries them in
// its one statement), so the primary key decides between concurrent writes, and
// a violation is store.ErrConflict naming the attribute
// (query.UniqueConflict). Rows go with their resource (ON DELETE
// CASCADE). UpdateUser leaves the rows of the values it keeps alone; a
// value it changes costs a DELETE and an INSERT, which on PostgreSQL ride
// in its conditional UPDATE (TestUniqueAttributeBudget). The other writes
// over a stored resource (ReplaceUser, a group's replace or update)
// delete the resource's rows and insert them again. After
// declaring an attribute unique over data already stored, run Reindex
// once to file the values written before.
//
// # Filters
//
// Filters are compiled to SQL with every operand a bind parameter: all
// operators, and/or/not, value paths on multi-valued attributes (emails,
// phoneNumbers, addresses, members, groups, extension attributes),
// sub-attributes, extension attributes, pr, null, and case-insensitive
// comparison. What SQL cannot express with the evaluator's exact
// semantics (attributes a registered extension does not define, integer,
// decimal and dateTime attributes other than meta.created and
// meta.lastModified, substring operators on dateTime, presence of a whole
// extension, sorting by such attributes) is evaluated with query.Evaluator
// on the rows that the translatable part of the filter selects: the
// conjuncts of a top-level "and" that are SQL still narrow the rows read.
//
// The query document is folded according to the model (Config.Model) the Store
// was opened with. After registering an extension for data already
// stored, or changing an attribute's caseExact, run Reindex once; also
// once after a rolling upgrade to schema version 4, for rows that a
// process of the older version wrote without an identity key.
//
// # Concurrency
//
// Reads are single statements: GetUser reads the user's groups in the
// same query (a user in a nested group costs a second one, GroupsOf's
// walk of its indirect groups), GetGroup and a list of groups their
// members (a UNION ALL of the groups' rows and their members'), and a
// list's page carries its total; a lookup of a unique name (userName eq,
// displayName eq, as providers send before every create and push) reads
// its total from its rows for a startIndex up to 2^29+1 and a count up
// to 2^29 (count=0 is one statement, the count; beyond, the lookup reads
// as any list: a page past the end counts in a second statement), and a
// page past the end of any other list counts in a second statement. No
// list opens a transaction but one finished in Go that reads more than
// its rows: a list of groups returning or filtering on members, a list
// of users filtering on groups, which read those in the rows' snapshot.
// A page's statement selects its rows first (ORDER BY, LIMIT and OFFSET
// in a subquery) and reads its users' groups or its groups' members for
// those rows only, so a page deep into a list (an import's
// startIndex=5001) reads no groups for the rows its OFFSET skips; when it
// lists every row of the tenant in creation order (no filter, no sortBy)
// it skips them along the (tenant, seq) index and reads the table's rows
// of the page alone (listPlan.pageSQL). A page
// of a cursor walk (ListUsersAfter, ListGroupsAfter, members included)
// whose filter and sort run in SQL is one statement that counts nothing
// and reads from its position on, never the rows before it: what it
// costs depends on the order and the filter, not on how far the walk
// has gone. In creation order (no sortBy), by userName or by a group's
// displayName it seeks to its position in an index ((tenant, seq),
// (tenant, user_name_key), (tenant, display_name_key)); any other sortBy
// (meta.lastModified, name.familyName, ...) reads and sorts every
// matching row after the position on every page (at 100,000 users, the
// first page sorted by meta.lastModified costs 34 to 140 times an
// unfiltered one), so such a walk costs that for each of its pages.
// Without a filter, or with one whose top-level "and" holds an eq
// lookup an index answers (id, externalId, userName, a group's
// displayName, emails.value, phoneNumbers.value, members.value,
// groups.value: see "Lookups on tables never analyzed"), a page reads
// its own rows, or the few the lookup finds: in those orders the last
// page of a million users costs what the first does (BENCHMARKS.md). Any
// other filter (active eq, title eq, name.familyName sw, meta.created
// gt, ...) is tested row by row from the position until the page has
// count+1 matches or the tenant ends, so a page costs the rows it
// passes: up to the rest of the tenant when few rows match (at 100,000
// users, a filter matching none or 10 of them costs a page 25 to 110
// times an unfiltered one), while the walk as a whole still reads each
// row about once. The store
// creates no index for such a filter, and a host's would not serve it:
// the store binds the JSON path as a parameter, which neither database
// matches to an expression index (measured with one on active, which
// also made a PATCH 1.25 to 2 times as costly: BENCHMARKS.md). A walk
// that must stay cheap page by page filters on what is looked up
// (above) or walks without the filter. On PostgreSQL
// every such read, a list's count and GroupsOf included, goes to pgx
// itself on a connection of the pool, and one
// whose connection the server closed under it (a restart,
// pg_terminate_backend) runs again on another, three attempts in all,
// where it would have been a 500. Writes are single
// transactions; UpdateUser and UpdateGroup make a read-modify-write one.
// On PostgreSQL without Config.OnChange, UpdateUser writes a change that
// keeps the user's emails and phone numbers as a read and one UPDATE on
// the condition that the row is still at the version read (no BEGIN and
// COMMIT; a lost race reads again, and after three takes the lock), and a
// one-member change writes the member, the group's version, the feed's
// entry and the bridge's join row in one statement. userName and displayName uniqueness is
// enforced by unique indexes (a violation is store.ErrConflict, never a
// database error). Replaces and membership changes lock the resource's
// row and check the version under the lock (store.ErrPreconditionFailed
// when stale). On PostgreSQL every write that locks several rows takes
// users first, then groups in id order (the lock order is written once,
// in groups.go): a membership change takes a KEY SHARE lock on each user
// it adds, then its group with the groups it adds; a user's delete
// deletes its row, then locks the groups it leaves; a group's delete
// locks itself with the groups it leaves. So a member deleted
// concurrently is never left behind as a membership, and no two deletes
// or member changes deadlock, nested groups included. A replace of the members
// (ReplaceGroup, UpdateGroup) learns which members it adds only under the
// group's lock: it locks them without waiting (NOWAIT) and runs again
// when a delete in progress holds one. A write the database makes retry
// (deadlock, serialization failure, a lock not taken, SQLite busy) runs
// again after a short jittered pause for up to Config.WriteRetryBudget
// (5 s by default; the request's StoreTimeout ends it sooner), then is
// store.ErrUnavailable (503 with Retry-After). On SQLite every
// write transaction begins with BEGIN IMMEDIATE through one connection per
// process; other processes wait up to the busy timeout (10s).
package sqlstore
