//! Why a missed target was missed and what would close it, keyed by `Row::key` (or
//! `key/backend`): written after reading the numbers of a run. A miss without an entry says so
//! in the document.

pub const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "read",
        "Measured against the binary with its default logging, so every request also formats \
         a JSON access line, feeds three metric series and creates a tracing span, which the \
         bare server does not; under `perf`, the rest is tollgate's layers (request id, CORS, \
         security headers, query guard, body deadline) and their per-request futures. The \
         layers now wrap the router once instead of being cloned for every request, and \
         `AppState` is one `Arc`; what remains to close is the per-request span and JSON \
         formatting (a cheaper access-line format written straight into the log buffer) and \
         folding the five `from_fn` layers into one.",
    ),
    (
        "login",
        "The ceiling is cores ÷ time per hash with nothing else running, while each sign-in \
         also runs the throttle check, the user lookup, the last-login update and a refresh-token \
         insert, and the load generator shares the 2 cores; the hashing threads also yield to \
         the async workers on purpose (nice 10, see login during reads). The gap is that other \
         work; a cheaper sign-in write path (one statement for last-login and refresh token) \
         would narrow it.",
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
        "Every approval runs a dozen statements (payment, invoice, subscription, plan, account, \
         ledger, audit, outbox, status counters by trigger) one at a time through sqlx's \
         SQLite worker thread, a channel hop and a thread switch each, on the same two cores \
         as the load generator and the log writer; group commit behind the write gate saves \
         COMMITs, which cost little with WAL and synchronous=NORMAL. Fewer statements per \
         approval (RETURNING instead of re-reads, one statement for the account's grant) is \
         what would raise it.",
    ),
    (
        "approve/PostgreSQL",
        "Each statement of the cascade is a round trip from the server through SeaORM while \
         the transaction holds its row locks, where pgbench sends them back to back from C; \
         fewer statements (RETURNING instead of re-reads) would close it.",
    ),
    (
        "spend_spread/SQLite",
        "A spend is five statements and a commit through sqlx's SQLite worker thread (a \
         channel hop and a thread switch each), serialised by the single writer; with the \
         load generator, the log writer and the server on two cores, about 1 ms of CPU goes \
         to each. Group commit saves only the COMMIT, which is cheap with WAL and \
         synchronous=NORMAL; merging the ledger, usage and audit inserts into one statement \
         would.",
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
        "memory_idle",
        "mimalloc keeps some freed memory and its first arena is committed before `main` can \
         set options; the server at rest after one sign-in is about 29 MiB under wrk-style \
         tests here. MIMALLOC_ARENA_EAGER_COMMIT=0 in the environment brings it to 17 MiB.",
    ),
    (
        "scale_list",
        "The count now comes from the status counters (migration m0018), so what grows is \
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
        "scale_panel",
        "The panel's pages render a table of 50 rows with their related names and a sidebar \
         of per-status counts; the counts beside a search still count the matching rows, and \
         the account and invoice lists' sidebars count by status over the whole table. \
         Counters like the payments' for accounts and invoices would flatten them.",
    ),
    (
        "scale_search/PostgreSQL",
        "pg_trgm's GIN indexes answer from trigram posting lists, and in the demo data every \
         name, email and reference shares its leading trigrams ('dem', 'emo', 'acc'…), so each \
         search reads lists of a million entries before intersecting them; real names and \
         emails are far less uniform. A prefix search on a btree (`text_pattern_ops`) for \
         references and invoice numbers, or one combined search column instead of five GIN \
         scans, would flatten it.",
    ),
    (
        "scale_search/SQLite",
        "The FTS5 trigram tables answer in about 2–3 ms at 1M accounts; the growth over 10K \
         is the phrase query walking longer doclists for the trigrams every demo email shares \
         ('dem', 'emo', '@de'…), well inside the 20 ms bound.",
    ),
];
