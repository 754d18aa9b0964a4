use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc, whose allocation, free and consolidation were a quarter
/// of the server's CPU in the list profile at 1M (BENCHMARKS.md, "Where the CPU goes").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("CASEBRIDGE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
    let cli = casebridge::cli::Cli::parse();
    match casebridge::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            eprintln!("casebridge: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
