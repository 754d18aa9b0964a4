//! The system under test: a fresh PostgreSQL database (made and dropped with `psql`, as CI
//! does), the demo data (`casebridge seed --demo`), tokens (`casebridge token`) and server
//! processes (`casebridge serve`), killed when dropped.

use std::fs::File;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Http;

fn fail(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

/// A database of its own on the PostgreSQL server of `admin_url`, dropped when this is.
pub struct Database {
    admin_url: String,
    pub name: String,
    pub url: String,
}

/// The first column of the first row `sql` returns on `url`, as text.
pub fn psql_value(url: &str, sql: &str) -> io::Result<String> {
    let out = Command::new("psql").args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]).output();
    let out = out.map_err(|e| fail(format!("running psql (is it installed?): {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("psql `{sql}`: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn psql(admin_url: &str, sql: &str) -> io::Result<()> {
    let out = Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin_url, "-c", sql]).output();
    let out = out.map_err(|e| fail(format!("running psql (is it installed?): {e}")))?;
    if !out.status.success() {
        return Err(fail(format!("psql `{sql}`: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

impl Database {
    /// `admin_url`: `postgres://user@host:port/postgres` (any database the user may connect to).
    pub fn create(admin_url: &str) -> io::Result<Self> {
        let name = format!("cb_bench_{}_{}", std::process::id(), unix_millis());
        psql(admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        let (prefix, _) = admin_url.rsplit_once('/').ok_or_else(|| fail("the PostgreSQL URL ends with /dbname"))?;
        Ok(Self { admin_url: admin_url.to_string(), url: format!("{prefix}/{name}"), name })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Err(e) = psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)) {
            eprintln!("bench: could not drop {}: {e}", self.name);
        }
    }
}

fn unix_millis() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// A random HS256 secret for this run.
pub fn secret() -> io::Result<String> {
    let mut bytes = [0u8; 32];
    File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The `casebridge` binary and what every command of this run shares.
pub struct Casebridge {
    pub binary: PathBuf,
    pub database_url: String,
    pub secret: String,
    pub logs: PathBuf,
}

impl Casebridge {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("CASEBRIDGE_JWT_SECRET", &self.secret)
            .env("CASEBRIDGE_LOG", "warn")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> io::Result<String> {
        let out = self.command(args).output()?;
        if !out.status.success() {
            return Err(fail(format!(
                "casebridge {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Migrates and loads the demo year, `scale` times its size.
    pub fn seed_demo_scaled(&self, scale: f64) -> io::Result<Duration> {
        let started = Instant::now();
        self.run(&["migrate"])?;
        self.run(&["seed", "--demo", "--scale", &scale.to_string()])?;
        Ok(started.elapsed())
    }

    /// Migrates and loads the demo year.
    pub fn seed_demo(&self) -> io::Result<Duration> {
        let started = Instant::now();
        self.run(&["migrate"])?;
        self.run(&["seed", "--demo"])?;
        Ok(started.elapsed())
    }

    /// A token for a demo login.
    pub fn token(&self, login: &str) -> io::Result<String> {
        self.run(&["token", "--user", login, "--ttl", "12h"])
    }

    /// Starts `casebridge serve` on a free port and waits until `/healthz` answers.
    pub async fn serve(&self, name: &str) -> io::Result<Server> {
        self.serve_with(name, &[]).await
    }

    /// `serve` with extra environment variables (settings of this run).
    pub async fn serve_with(&self, name: &str, env: &[(&str, &str)]) -> io::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log_path = self.logs.join(format!("{name}.log"));
        let log = File::create(&log_path)?;
        let child = self
            .command(&["serve"])
            .env("CASEBRIDGE_BIND", addr.to_string())
            .envs(env.iter().copied())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut server = Server { addr, child, log: log_path };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(fail(format!("{name} exited ({status}); see {}", server.log.display())));
            }
            if let Ok(mut http) = Http::connect(addr).await
                && http.request("GET", "/healthz", None, None).await.is_ok_and(|(s, _)| s == 200)
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err(fail(format!("{name} did not come up; see {}", server.log.display())));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A running `casebridge serve`, killed when dropped.
pub struct Server {
    pub addr: SocketAddr,
    child: Child,
    pub log: PathBuf,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident memory now, in bytes (`VmRSS` of /proc/<pid>/status).
    pub fn rss(&self) -> io::Result<u64> {
        rss_of(self.pid())
    }

    /// Sends SIGTERM and waits up to `within` for the process to exit; how long it took, or
    /// `None` if it was still running (it is then killed when dropped).
    pub async fn terminate(&mut self, within: Duration) -> io::Result<Option<(Duration, std::process::ExitStatus)>> {
        let sent = Instant::now();
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status()?;
        if !status.success() {
            return Err(fail(format!("kill -TERM {} failed", self.pid())));
        }
        while sent.elapsed() < within {
            if let Some(exit) = self.child.try_wait()? {
                return Ok(Some((sent.elapsed(), exit)));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(None)
    }

    /// CPU time used so far by all its threads (user + system).
    pub fn cpu(&self) -> io::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // Fields after the command name (which may hold spaces), from field 3 on.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or_else(|| fail("bad stat"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).ok_or_else(|| fail("bad stat"));
        // utime and stime are fields 14 and 15, counted in USER_HZ, which is 100 on Linux.
        Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn rss_of(pid: u32) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .ok_or_else(|| fail("no VmRSS"))?;
    Ok(kib * 1024)
}

/// The soft limit on open files of this process (children inherit it).
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// `casebridge` beside this binary (both built by the same `cargo build`).
pub fn default_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("casebridge")))
        .unwrap_or_else(|| PathBuf::from("casebridge"))
}

/// CPU model and count, for the report.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or_else(String::new, |kib| format!(", {:.0} GiB RAM", kib as f64 / 1024.0 / 1024.0));
    format!("{cores} cores ({model}){mem}")
}

pub fn exists(path: &Path) -> bool {
    path.is_file()
}

/// `PostgreSQL 15.x` as the server reports it, for the report.
pub fn postgres_version(admin_url: &str) -> String {
    Command::new("psql")
        .args(["-X", "-A", "-t", "-d", admin_url, "-c", "SHOW server_version"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| format!("PostgreSQL {}", String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_else(|| "PostgreSQL (version unknown)".into())
}
