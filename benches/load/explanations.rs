//! Why a missed target was missed and what would close it, keyed by `Row::key`: written after
//! reading the numbers of a run. A miss without an entry says so in the document.

pub const EXPLANATIONS: &[(&str, &str)] = &[
    (
        "read",
        "The configuration is served from memory (src/db/cache.rs), yet the route reaches only \
         a third of the bare one: what remains is tollgate's middleware stack (request id, trace \
         span, security headers, the per-client rate check, CORS, the trailing-slash rewrite) \
         and building the JSON envelope on every request; profiling that stack and keeping the \
         serialised list per country in the cache are the next steps.",
    ),
    (
        "staff_list",
        "One list request costs about 4 ms on SQLite and 7 ms on PostgreSQL even at this small \
         size (count plus page, with the search as LIKE over joined references, invoice numbers, \
         account names and emails), so 16 concurrent staff queue for 2 cores; trigram or prefix \
         indexes for the search and a count that is not recomputed per page would close it.",
    ),
    (
        "login",
        "At 64 connections this varies between runs (SQLite 86% in one run and 57% in the next, \
         PostgreSQL 89% to 108%; 16 connections reach the ceiling every time): 62 requests wait \
         for one of the 2 hash slots while the load generator, the other work of each login \
         (throttle check and clear, user lookup, last_login update and refresh-token insert, \
         the writes queued on SQLite's single write gate) and any other process on this shared \
         machine take CPU from the hashes. The cause is not pinned down; profiling one login at \
         64 connections on SQLite is the next step.",
    ),
    (
        "login_read",
        "With one hash slot per core both cores are busy hashing and the async workers (and the \
         load generator on the same cores) get what is left; cores - 1 hash slots (at least 1) \
         would keep a core for requests at the price of login throughput.",
    ),
    (
        "approve/SQLite",
        "Every approval queues on the in-process write gate and runs its 11 statements one \
         round trip at a time on the single writer, several returning whole rows it does not \
         use; dropping the subscription and plan reads (use RETURNING and cached plans), the \
         final account re-read (use the RETURNING of the credit grant) and the unused RETURNING \
         columns would shorten the time the gate is held.",
    ),
    (
        "approve/PostgreSQL",
        "Each statement of the cascade is a round trip from the server through SeaORM while the \
         transaction holds its row locks, where pgbench sends them back to back from C with no \
         HTTP, JSON or ORM work in between; the same round-trip cuts as on SQLite (or one \
         statement with CTEs) would close it.",
    ),
    (
        "spend_spread/SQLite",
        "Every spend takes the single write gate for 5 statements (update, ledger, usage, audit, \
         commit) and before it reads the user, the account and the credit cost; with WAL and \
         synchronous=NORMAL one writer tops out near 1,200 of these per second here. Caching \
         credit costs, reusing the account row the extractor already read, and committing \
         several spends per transaction (group commit behind the gate) would raise it.",
    ),
    (
        "spend_spread/PostgreSQL",
        "pgbench sends the same statements back to back from C; tollgate adds HTTP, JSON, \
         token checks and SeaORM per statement on the same 2 cores that PostgreSQL and the load \
         generator use, and reads the credit cost from the database on every spend (the script \
         leaves that read out); caching credit costs and dropping unused RETURNING columns would \
         close most of the gap.",
    ),
    (
        "memory_256",
        "The peak comes from argon2, not from connections (256 reading connections stay small): \
         each hash allocates a 19 MiB block and frees it, glibc then raises its mmap threshold \
         and serves the next blocks from its heaps, which it keeps; with \
         MALLOC_MMAP_THRESHOLD_=131072 the same login load peaks at about 20 MiB instead of \
         about 470 MiB. Reusing one preallocated block per hash slot (argon2's \
         hash_password_into_with_memory) or a different allocator would close it.",
    ),
];
