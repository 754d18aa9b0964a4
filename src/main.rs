use clap::Parser;

/// mimalloc instead of glibc's malloc, whose allocation, free and consolidation were a quarter
/// of the server's CPU in the list profile at 1M (BENCHMARKS.md, "Where the CPU goes").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let cli = casebridge::cli::Cli::parse();
    let _telemetry = casebridge::telemetry::init(cli.log_format);
    match casebridge::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("casebridge: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
