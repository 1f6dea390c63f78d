//! Other tollgate processes on a test app's database: the binary users run.

use super::TestApp;

impl TestApp {
    /// Another `tollgate serve` process on this app's database (the binary users run), with
    /// `env` added to its settings; its API's base URL beside it.
    pub fn serve_process(&self, env: &[(&str, &str)]) -> (std::process::Child, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate"))
            .arg("serve")
            .env("TOLLGATE_DATABASE_URL", &self.database_url)
            .env("TOLLGATE_BIND", format!("127.0.0.1:{port}"))
            .env("TOLLGATE_SECRET_KEY", "test-secret-key")
            .env("TOLLGATE_LOG", "error")
            .env("TOLLGATE_MAIL_DIR", self.mail_dir.as_os_str())
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("tollgate starts");
        (child, format!("http://127.0.0.1:{port}/api/v1"))
    }
}
