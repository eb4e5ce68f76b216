//! The CLI's subcommands.

use std::io::{BufRead, IsTerminal};

use app::vocab::Role;

use crate::config::{Cli, Command, CreateAccountArgs, CreateTokenArgs, Settings};
use crate::service::{Actor, Services};
use crate::startup::{Application, StartupError, open_store, service_config};
use crate::store::{Store, TokenScope};

/// Runs the subcommand of `cli` (`serve` when none is given).
pub async fn run(cli: Cli) -> Result<(), StartupError> {
    let settings = cli.settings;
    let command = cli.command.unwrap_or(Command::Serve);
    if !matches!(command, Command::CheckConfig) {
        report_data_location(&settings);
    }
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            let url = format!("http://{}", app.local_addr());
            eprintln!("rook-notify is serving the dashboard at {url}");
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let store = open_store(&settings).await?;
            eprintln!("migrations applied");
            store.close().await;
            Ok(())
        }
        Command::ReencryptSecrets => {
            let store = open_store(&settings).await?;
            let rewritten = store.reencrypt_secrets().await?;
            eprintln!("{rewritten} secrets rewritten with key {}", store.cipher().key_id());
            store.close().await;
            Ok(())
        }
        Command::SeedDemo => {
            let services = offline_services(&settings).await?;
            crate::demo::seed(&services, &settings).await?;
            services.store().close().await;
            Ok(())
        }
        Command::CreateAccount(args) => create_account(&settings, args).await,
        Command::CreateToken(args) => create_token(&settings, args).await,
        Command::CheckConfig => check_config(&settings).await,
    }
}

/// Logs where the database and the secret key are, and warns loudly when either would be created
/// through a path relative to the working directory (see [`crate::config::DataLocation`]).
fn report_data_location(settings: &Settings) {
    let Ok(cwd) = std::env::current_dir() else { return };
    let location = settings.data_location(&cwd);
    if let Some(db) = &location.database_file {
        tracing::info!(path = %db.absolute.display(), "SQLite database");
    }
    if let Some(key) = &location.key_file {
        tracing::info!(path = %key.absolute.display(), "secret key file");
    }
    for warning in location.warnings() {
        tracing::warn!("{warning}");
    }
}

/// Prints every setting with its value and where it came from (secrets masked), then checks what can
/// be checked without changing anything: keys, the alert settings, and that the database answers.
async fn check_config(settings: &Settings) -> Result<(), StartupError> {
    use clap::CommandFactory;
    let matches = Cli::command().get_matches();
    for arg in Cli::command().get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
        let values: Vec<String> =
            matches.get_raw(id).map(|raw| raw.map(|v| v.to_string_lossy().into_owned()).collect()).unwrap_or_default();
        let shown = if values.is_empty() {
            "(not set)".to_owned()
        } else if URL_SETTINGS.contains(&id) {
            values.iter().map(|v| mask_credentials(v)).collect::<Vec<_>>().join(",")
        } else if arg.is_hide_env_values_set() {
            "(set, hidden)".to_owned()
        } else {
            values.join(",")
        };
        let source = match matches.value_source(id) {
            Some(clap::parser::ValueSource::CommandLine) => "flag",
            Some(clap::parser::ValueSource::EnvVariable) => "env",
            Some(clap::parser::ValueSource::DefaultValue) => "default",
            _ => "",
        };
        println!("{id:<34} {env:<44} {shown}  [{source}]");
    }

    let mut errors = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        let location = settings.data_location(&cwd);
        for (what, located) in [("database file", &location.database_file), ("secret key file", &location.key_file)] {
            if let Some(located) = located {
                println!("{what}: {}", located.absolute.display());
            }
        }
        for warning in location.warnings() {
            println!("warning: {warning}");
        }
    }
    if settings.secret_key.is_some() || settings.secret_key_file.exists() {
        if let Err(err) = crate::startup::secret_cipher(settings) {
            errors.push(err.to_string());
        }
    } else {
        println!("note: {} does not exist yet; it is created on first start", settings.secret_key_file.display());
    }
    if let Err(err) = crate::startup::engine_config(settings) {
        errors.push(err.to_string());
    }
    if settings.allow_private_destinations {
        println!("warning: private destinations are allowed (for demos and tests only)");
    }
    if settings.allow_insecure_urls {
        println!("warning: http:// Production URLs are accepted (for development only)");
    }
    if errors.is_empty() {
        // Connecting reads no secret: any key will do, and the key file is not created by a check.
        let cipher = crate::store::SecretCipher::new([0; 32], &[]);
        match tokio::time::timeout(std::time::Duration::from_secs(10), Store::connect(&settings.database_url, cipher))
            .await
        {
            Ok(Ok(store)) => {
                let pending = store.pending_migrations().await?;
                println!("database: answers ({pending} migrations pending)");
                store.close().await;
            }
            Ok(Err(err)) => errors.push(format!("database: {err}")),
            Err(_) => errors.push("database: no answer within 10 s".to_owned()),
        }
    }
    if errors.is_empty() {
        println!("configuration OK");
        Ok(())
    } else {
        Err(StartupError::Input(format!("configuration errors:\n  {}", errors.join("\n  "))))
    }
}

/// Settings whose values are URLs that may carry credentials: shown with the credentials masked (the
/// rest of the URL is what an operator checks).
const URL_SETTINGS: [&str; 2] = ["database_url", "staff_alert_url"];

/// `value` with any password (in the userinfo or a `password` query parameter) replaced by `****`,
/// and the user name too except a database's. Anything that is not a URL is hidden whole.
fn mask_credentials(value: &str) -> String {
    const MASK: &str = "****";
    let Ok(mut url) = url::Url::parse(value) else {
        return "(set, hidden)".to_owned();
    };
    let mut masked = false;
    if url.password().is_some() {
        masked |= url.set_password(Some(MASK)).is_ok();
    }
    // A database user name is worth seeing; elsewhere a user name may be the token itself.
    if !url.username().is_empty() && !matches!(url.scheme(), "postgres" | "postgresql") {
        masked |= url.set_username(MASK).is_ok();
    }
    if url.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("password")) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("password") { MASK.to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        masked = true;
    }
    // An unmasked value is shown as given: re-serialising could normalise what the operator wrote.
    if masked { url.to_string() } else { value.to_owned() }
}

/// The service layer over a migrated database, without the web server or the delivery engine.
async fn offline_services(settings: &Settings) -> Result<Services, StartupError> {
    Ok(Services::new(open_store(settings).await?, service_config(settings)))
}

async fn create_account(settings: &Settings, args: CreateAccountArgs) -> Result<(), StartupError> {
    let role: Role = args.role.parse().map_err(|e: app::vocab::UnknownValue| StartupError::Input(e.to_string()))?;
    let password = read_password()?;
    let services = offline_services(settings).await?;
    let account =
        services.create_account(&Actor::System, &args.email, &password, role, args.client_uuid.as_deref()).await?;
    eprintln!("created {} account {} ({})", account.role, account.email, account.id);
    services.store().close().await;
    Ok(())
}

async fn create_token(settings: &Settings, args: CreateTokenArgs) -> Result<(), StartupError> {
    let scope: TokenScope = args.scope.parse().map_err(StartupError::Input)?;
    let services = offline_services(settings).await?;
    let (record, token) = services.create_token(&Actor::System, &args.name, scope).await?;
    eprintln!("created {} token `{}`; it is shown once, keep it now:", record.scope.as_str(), record.name);
    println!("{token}");
    services.store().close().await;
    Ok(())
}

/// Reads the password from the first line of standard input (prompting when it is a terminal), so it
/// never appears in the process list or shell history.
fn read_password() -> Result<String, StartupError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is visible; pipe it in to avoid that): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).map_err(|e| StartupError::Input(format!("cannot read the password: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(StartupError::Input("no password given on standard input".to_owned()));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::mask_credentials;

    #[test]
    fn credentials_in_urls_are_masked() {
        assert_eq!(
            mask_credentials("postgres://rook:s3cret@db.internal:5432/rook"),
            "postgres://rook:****@db.internal:5432/rook"
        );
        assert_eq!(
            mask_credentials("postgres://rook@db/rook?password=s3cret&sslmode=require"),
            "postgres://rook@db/rook?password=****&sslmode=require"
        );
        assert_eq!(mask_credentials("https://tok3n@alerts.example.com/hook"), "https://****@alerts.example.com/hook");
        assert_eq!(
            mask_credentials("https://u:p@alerts.example.com/hook"),
            "https://****:****@alerts.example.com/hook"
        );
        assert_eq!(mask_credentials("sqlite://data/rook-notify.db"), "sqlite://data/rook-notify.db");
        assert_eq!(mask_credentials("not a url s3cret"), "(set, hidden)");
    }
}
