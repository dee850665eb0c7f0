//! Debian's nginx in front of a test lab (`LAB_MTLS=proxy`), with the configuration
//! `clickjack-lab nginx-config` writes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::TestApp;

pub const NGINX: &str = "/usr/sbin/nginx";

/// Debian's nginx, run in the foreground with a generated configuration; killed on drop.
pub struct Nginx {
    child: std::process::Child,
    pub runtime_dir: PathBuf,
}

impl Nginx {
    /// Runs nginx with the configuration `clickjack-lab nginx-config` writes for these settings.
    pub(super) async fn start(app: &TestApp) -> Self {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: proxy tests need Debian's nginx (apt-get install -y nginx; .ci/run does)"
        );
        let runtime_dir = app.dir().join("nginx");
        clickjack_lab::commands::nginx_config(&app.settings, &runtime_dir).expect("nginx-config");
        let file = runtime_dir.join("nginx.conf");
        let port = app.settings.network.bank_port;
        let child = std::process::Command::new(NGINX)
            .arg("-c")
            .arg(&file)
            .arg("-e")
            .arg(runtime_dir.join("error.log"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Self { child, runtime_dir };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited ({status}): {}", nginx.error_log());
            }
            assert!(std::time::Instant::now() < deadline, "nginx did not listen: {}", nginx.error_log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.runtime_dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers before it exits (SIGKILL would orphan them, still
    /// listening); SIGKILL only if it has not exited within five seconds.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
