// mimalloc instead of glibc's malloc, measured with `cargo bench --bench load`
// (docs/PERFORMANCE.md): glibc's arena locks and consolidation cost a third of the cached read
// path's throughput, and each argon2id hash's 19 MiB block was either kept in glibc's heaps
// (RSS grew past 300 MiB under sign-ins) or, with a fixed mmap threshold, page-faulted in anew
// on every hash.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tollgate::alloc::return_freed_memory_promptly();
    tollgate::cli::main()
}
