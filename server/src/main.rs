//! `langnghe`: the Lắng Nghe server and its command line. See `langnghe --help`.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    langnghe_app::notify::install_tls_provider();
    let cli = langnghe_server::config::Cli::parse();
    langnghe_server::cli::init_tracing(&cli.opts.log_format);
    match langnghe_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
