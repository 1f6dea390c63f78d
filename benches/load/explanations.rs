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
         m0020 and m0021), so they stay flat to 1M accounts; what misses is a request of 1–5 \
         ms at one connection, on two cores shared with the load generator, and which row \
         misses changes from run to run (the account list's p95 at 2.23× at 02:29 on \
         2026-12-05, its p50 flat; the user search at 1.59× at 04:04). A search's own growth \
         is the FTS5 phrase walking longer doclists for the trigrams every demo email shares \
         ('dem', 'emo', '@de'…), as in the staff searches; all stay far inside the 20 ms \
         bound.",
    ),
    (
        "scale_panel/PostgreSQL",
        "The panel's lists stay flat to 1M accounts (page totals and sidebars from the \
         counters, migrations m0020 and m0021), and their searches read few index pages: on a \
         table of 50K rows or more the trigram index is asked only for two rare windows of the \
         term (`domain/rare_trigrams.rs`), so the account search for 'billing500004@' reads \
         15 index pages where the whole pattern reads 1,801 (0.5 ms against 15 ms). What \
         still grows is the check of the rows those windows find, each on its own heap page: \
         112 accounts whose billing email has both '04@' and 'g50' (0.5 ms when cached, 22 ms \
         from disk), against a handful at 10K accounts, where the whole pattern is asked.",
    ),
    (
        "scale_search/PostgreSQL",
        "On a table of 50K rows or more the trigram index is asked only for the two windows \
         of the term that the fewest rows should hold both of, estimated from a sample of the \
         column (`domain/rare_trigrams.rs`), and the whole term is checked on the rows they \
         find; what grows with the table is that check, one heap page per row found (for \
         'DEMO-500004', the 321 account names with both '500' and '004', 0.8 ms cached; with \
         its rarest window alone, '-50', 11,111 names and 4–8 ms), where at 10K the whole \
         pattern's posting lists are short.",
    ),
    (
        "scale_search/SQLite",
        "The FTS5 trigram tables answer in about 2–3 ms at 1M accounts; the growth over 10K \
         is the phrase query walking longer doclists for the trigrams every demo email shares \
         ('dem', 'emo', '@de'…), well inside the 20 ms bound.",
    ),
];

/// The soak's RSS miss (`soak.rs`), from five runs' samples (`target/soak-samples.csv`) and
/// one under heaptrack.
pub const SOAK_RSS: &str = "in each of five runs RSS is flat, rises once by 10–14 MiB of \
     heap (RssAnon) over some 40 seconds, and is flat again to the end: a single step, not a \
     steady leak, whose cause is not yet found. It came between minutes 10.7 and 11.7 in \
     four runs (three of 20 minutes, one of 14 with the clients renewing every 4 minutes) \
     and at minute 18.2 in a fifth run beside a CI build, so it is tied neither to the token \
     renewals nor to a fixed minute. It is not SQLite's memory (under heaptrack, which sees \
     SQLite's allocations but not mimalloc's, SQLite peaked at 7 MiB), nor the log writer \
     (the file kept growing at its steady rate through the step), new threads or replaced \
     SQLite connections.";
