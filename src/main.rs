use std::process::ExitCode;

use casebridge::cli::exit;

/// mimalloc instead of glibc's malloc, whose allocation, free and consolidation were a quarter
/// of the server's CPU in the list profile at 1M (BENCHMARKS.md, "Where the CPU goes").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes (README, "Exit codes"): 0 done, 1 failed while running, 2 settings, 3 database,
/// 4 listen address. A failure is one line on stderr with its causes (in JSON with
/// `--log-format json`), never two.
#[actix_web::main]
async fn main() -> ExitCode {
    let (cli, resolved) = match casebridge::cli::parse() {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("casebridge: {}", exit::one_line(err.as_ref()));
            return ExitCode::from(exit::code_of(&err));
        }
    };
    let json = cli.log_format == casebridge::telemetry::LogFormat::Json;
    let _telemetry = casebridge::telemetry::init(cli.log_format);
    match casebridge::cli::run(cli, &resolved).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let line = exit::one_line(err.as_ref());
            if json {
                tracing::error!(exit_code = exit::code_of(&err), "{line}");
            } else {
                eprintln!("casebridge: {line}");
            }
            ExitCode::from(exit::code_of(&err))
        }
    }
}
