//! What the exploit server and the victim's queue share: the database, the bank's state (the
//! protections in force, where the sites are), the lab's timelines, where deliveries keep their
//! screenshots, and the exploit server's access log.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use actix_web::web;
use serde::Serialize;
use sqlx::SqlitePool;

use crate::clock;
use crate::lab::Engine;
use crate::lab::observer::LabState;
use crate::state::AppState;

pub struct Desk {
    pub pool: SqlitePool,
    pub bank: web::Data<AppState>,
    pub lab: web::Data<LabState>,
    /// `practice/` beside the database: `runs/<id>/` (screenshots), `victims/` (throwaway profiles).
    pub work: PathBuf,
    pub access: AccessLog,
}

impl Desk {
    pub fn new(bank: web::Data<AppState>, lab: web::Data<LabState>) -> Self {
        let database = &bank.settings.paths.database;
        let parent = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let work = std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned()).join("practice");
        Self { pool: bank.pool.clone(), bank, lab, work, access: AccessLog::default() }
    }

    /// Where delivery `run` keeps its screenshots.
    pub fn run_dir(&self, run: uuid::Uuid) -> PathBuf {
        self.work.join("runs").join(run.simple().to_string())
    }

    /// Where a delivery's throwaway browser profile lives while it runs (a short path: Chromium's
    /// socket path in it must stay under 108 bytes).
    pub fn victim_dir(&self, run: uuid::Uuid) -> PathBuf {
        let id = run.simple().to_string();
        self.work.join("victims").join(&id[id.len() - 12..])
    }
}

/// Requests kept in the access log, at most (the newest).
const ACCESS_KEPT: usize = 200;

/// One request the exploit server received.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub at: String,
    pub peer: String,
    pub method: String,
    pub path: String,
    pub user_agent: String,
}

/// What the exploit server received: the newest requests, in memory.
#[derive(Default)]
pub struct AccessLog(Mutex<VecDeque<Access>>);

impl AccessLog {
    pub fn push(&self, peer: String, method: &str, path: &str, user_agent: &str) {
        let cut = |text: &str, n: usize| text.chars().take(n).collect::<String>();
        let access = Access {
            at: clock::display(clock::now_ms()),
            peer,
            method: method.to_owned(),
            path: cut(path, 300),
            user_agent: cut(user_agent, 300),
        };
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() >= ACCESS_KEPT {
            log.pop_front();
        }
        log.push_back(access);
    }

    /// Newest first.
    pub fn newest(&self) -> Vec<Access> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).iter().rev().cloned().collect()
    }
}

/// The victim's browser and the NSS tools its profile needs, or what to install.
pub fn victim_browser(
    settings: &crate::config::Settings,
    engine: Engine,
) -> Result<std::path::PathBuf, String> {
    let finder = crate::browser::finder::Finder::new(&settings.browsers);
    finder.nss_tools()?;
    finder.find(engine)
}
