//! Why a missed target was missed and what would close it, keyed by `Row::key` (or
//! `key/backend`): written after reading the numbers of a run. A miss without an entry says so
//! in the document.

pub const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "read",
        "Measured against the binary with its default logging, so every request also formats \
         a JSON access line, feeds three metric series and creates a tracing span, which the \
         bare server does not; under `perf`, the rest is tollgate's layers (request id, CORS, \
         security headers, query guard, body deadline) and their per-request futures. What \
         remains to close is the per-request span and JSON formatting (a cheaper access-line \
         format written straight into the log buffer) and folding the five `from_fn` layers \
         into one.",
    ),
    (
        "login",
        "The ceiling is cores ÷ time per hash with nothing else running, while each sign-in \
         also runs the throttle check, the user lookup, the last-login update and a refresh-token \
         insert, and the load generator shares the 2 cores; the hashing threads also yield to \
         the async workers on purpose (nice 10, see login during reads). The gap is that other \
         work; a cheaper sign-in write path (one statement for last-login and refresh token) \
         would narrow it. At 64 connections every sign-in is for one email from one address, \
         and the sign-in throttle counts an attempt until its password is checked, so those \
         beyond its limits in flight at once are refused with 429 (the errors beside the \
         figure): the security rule, not the server, sets that row.",
    ),
    (
        "login_read",
        "Hashing runs on its own threads at nice 10, so the request workers win the CPU when \
         both want it; what is left is the load generator and PostgreSQL (or SQLite's writer) \
         competing on the same 2 cores with both hashing threads. With one core fewer for \
         hashing (cores − 1 threads) reads would keep a core to themselves, at the price of \
         login throughput — the two targets pull against each other on a 2-core machine.",
    ),
    (
        "approve/SQLite",
        "An approval runs about ten statements (payment, invoice, subscription, plan, the \
         account's activation and grant now in one update, ledger, audit, outbox, the status \
         counters by trigger), each a hop to sqlx's SQLite worker thread, serialised by the \
         single writer. At the spend ceiling's rate per statement (the sqlx rows above: five \
         statements per spend), ten statements per approval stay under 2,000 a second before \
         tollgate does any work of its own, so on this machine the target needs fewer \
         statements still (the plan from the catalogue cache, the subscription's update \
         returning what its read gives) or a SQLite driver without the per-statement hop.",
    ),
    (
        "approve/PostgreSQL",
        "Each statement of the cascade is a round trip from the server through SeaORM while \
         the transaction holds its row locks, where pgbench sends them back to back from C. \
         The approval is two statements shorter than before (the account's activation and \
         grant in one update, no re-read), and the pgbench script follows it; the rest would \
         need the cascade as one statement (CTEs with RETURNING), a PostgreSQL-only form of \
         the state change.",
    ),
    (
        "spend_spread/SQLite",
        "The ceiling is the same five statements through sqlx alone (`sqlite_ceiling.rs`), \
         32 spends per COMMIT as in a full commit group, on one connection with no HTTP, ORM, \
         token check or access line; the target sits within a few percent of it, which leaves \
         tollgate's own work per request (the request, the token check and two reads, JSON, \
         the access line, on the two cores the load generator also uses) almost no room. Each \
         statement is a hop to sqlx's SQLite worker thread and back, serialised by the single \
         writer: merging the ledger, usage and audit inserts into one statement would save \
         two of the five.",
    ),
    (
        "spend_spread/PostgreSQL",
        "pgbench sends the same statements back to back from C; tollgate adds HTTP, JSON, \
         the token check and SeaORM per statement on the same 2 cores that PostgreSQL and the \
         load generator use. Reading the account in the same statement as the user (one join \
         instead of two lookups) and dropping unused RETURNING columns would close most of \
         the gap.",
    ),
    (
        "spend_hot/PostgreSQL",
        "Every spend updates the one account row, so spends queue on its row lock for as long \
         as each transaction lasts, and tollgate's lasts longer than pgbench's script (SeaORM \
         and a round trip per statement from a server that shares the two cores); at 64 \
         connections pgbench's 64 sessions queue on the lock worse than tollgate's pool of \
         16, hence its ratio over 100 % there.",
    ),
    (
        "scale_deep/PostgreSQL",
        "A keyset page is an index range scan on (status, id) from the cursor, whatever the \
         table's size; at 2–3 ms p95 the growth is the index's extra level and the buffer \
         cache warming over ten times the rows, within noise of the 1.5× bound.",
    ),
    (
        "memory_idle",
        "mimalloc keeps some freed memory and its first arena is committed before `main` can \
         set options; the server at rest after one sign-in is about 29 MiB under wrk-style \
         tests here. MIMALLOC_ARENA_EAGER_COMMIT=0 in the environment brings it to 17 MiB.",
    ),
    (
        "scale_list",
        "The count now comes from the status counters (migration m0020), so what grows is \
         the page itself: the newest pending payments by `ORDER BY id DESC` over the status \
         filter, which the planner answers through the status index and a sort rather than \
         walking the primary key backwards. An index on (status, id) would serve the page \
         directly.",
    ),
    (
        "scale_analytics",
        "Every figure is aggregated from the base tables on each load, and the range covers \
         all of the demo data: the credit figures sum every ledger row (about ten per \
         account, a million at 100K accounts) and the review-time percentiles rank every \
         reviewed payment. Which query dominates is not yet profiled; monthly rollups kept in \
         each change's transaction, as the payment status counters are, would make the \
         dashboard independent of the table sizes.",
    ),
    (
        "scale_panel/SQLite",
        "The panel's lists read their page totals and sidebars from the counters (migrations \
         m0020 and m0021), so their median stays flat to 1M accounts (the account list's p50 \
         1.56 ms at 10K, 1.65 ms at 1M in the run of 2026-12-05 02:29); what missed there is \
         the tail (p95 4.2 ms, p99 7.6 ms) of one connection on two cores shared with the \
         load generator, unprofiled, and in the run before it the account search instead \
         (2.07×), whose FTS5 phrase 'billing…@' shares the trigrams 'bil', 'ill', 'lli', \
         'lin', 'ing' with every one of the million demo billing emails; both stay far \
         inside the 20 ms bound.",
    ),
    (
        "scale_panel/PostgreSQL",
        "The panel's lists themselves stay flat to 1M accounts (page totals and sidebars from \
         the counters, migrations m0020 and m0021); what misses is a search, and the cause is \
         pg_trgm's, as in the staff searches: `EXPLAIN (ANALYZE, BUFFERS)` of the account \
         search for 'billing500000@' on a seeded 1M-account database reads 1,802 of the \
         billing-email index's 5,774 pages (14–17 ms), the posting trees of the trigrams every \
         demo billing email shares ('bil', 'ill', 'lli', 'lin', 'ing'), where the name and \
         slug indexes answer the same pattern from 35 pages. Real data is less uniform, but \
         common mail domains ('gma', 'mai', 'com') would do the same; what would flatten it \
         is an index condition built from the term's rarest trigrams only (a table of trigram \
         frequencies kept beside the index), with the full pattern as the recheck.",
    ),
    (
        "scale_search/PostgreSQL",
        "pg_trgm's GIN indexes answer from trigram posting lists, and in the demo data every \
         reference, email and invoice number shares its leading trigrams ('dem', 'emo', \
         'mo-', 'inv'…) with a million rows, so each search reads those whole posting trees \
         before intersecting them: measured on a seeded 1M-account database, the account \
         search for a billing email reads 1,802 index pages, nearly all of them for the five \
         trigrams every row has. Real data is less uniform, though common mail domains would \
         do the same; an index condition from the term's rarest trigrams only, with the full \
         pattern rechecked, would flatten it.",
    ),
    (
        "scale_search/SQLite",
        "The FTS5 trigram tables answer in about 2–3 ms at 1M accounts; the growth over 10K \
         is the phrase query walking longer doclists for the trigrams every demo email shares \
         ('dem', 'emo', '@de'…), well inside the 20 ms bound.",
    ),
];

/// The soak's RSS miss (`soak.rs`), from three runs' samples (`target/soak-samples.csv`).
pub const SOAK_RSS: &str = "in each of three 20-minute runs RSS is flat for ten minutes, \
     rises once by 10–13 MiB of heap (RssAnon) between minutes 10.7 and 11.7, and is flat \
     again to the end: a single step, not a steady leak, whose cause is not yet found. The \
     samples rule out the log writer (the log file grew by the same 9 MB every 10 s), new \
     threads (15 throughout) and replaced SQLite connections (the same 8 worker threads \
     throughout); the step comes under a minute after the clients renew their tokens at \
     minute 10, which a run with renewal at another minute would confirm or clear.";
