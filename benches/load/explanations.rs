//! Why a missed target was missed and what would close it, keyed by `Row::key` (or
//! `key/backend`): written after reading the numbers of a run. A miss without an entry says so
//! in the document.

pub const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "read",
        "The list is served from memory and already serialised (src/api/catalog.rs), so what \
         is left is tollgate's middleware on every request — a random request id, the trace \
         span, the task-local request id, security headers, CORS, the optional rate check, the \
         trailing-slash rewrite — which the bare route does not have: under wrk, a 404 through \
         the same stack reaches 83k req/s where this route reaches 71k, so the stack, not the \
         handler, is the gap. Merging the header layers into one and taking the request id \
         from a counter instead of a UUID are the next steps; profiling the 404 route shows \
         what each layer costs.",
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
        "Every approval queues on the in-process write gate and runs its statements one round \
         trip at a time through sqlx's SQLite worker thread (a channel hop each); fewer \
         statements (use RETURNING instead of the subscription, plan and final account reads) \
         and committing several approvals in one transaction behind the gate (group commit) \
         would raise it.",
    ),
    (
        "approve/PostgreSQL",
        "Each statement of the cascade is a round trip from the server through SeaORM while \
         the transaction holds its row locks, where pgbench sends them back to back from C; \
         fewer statements (RETURNING instead of re-reads) would close it.",
    ),
    (
        "spend_spread/SQLite",
        "Every spend takes the single write gate for its statements (update, ledger, usage, \
         audit, commit), each a channel hop to sqlx's SQLite worker thread; with WAL and \
         synchronous=NORMAL one writer tops out near 1,400 of these per second here. \
         Committing several spends per transaction behind the gate (group commit) is what \
         would reach 2,000.",
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
        "This is the page-number list, whose exact `count` visits every matching row: the \
         demo data has 100,000 payments awaiting review at 1M accounts. The keyset rows \
         (`cursor=`) skip the count and stay flat; a per-status counter kept in each state \
         change's transaction would make the counted page flat too, at the price of a hot row \
         every approval updates.",
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
