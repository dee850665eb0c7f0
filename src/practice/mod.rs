//! Practice: the trainee builds the attack. The lab's challenges ([`challenges`]), an exploit
//! server on the attacker origin where the trainee writes, stores and views an exploit page
//! ([`server`], [`store`]), a simulated victim that opens it in a real headless browser and
//! behaves as the challenge says ([`queue`], [`run`], [`person`], over [`crate::victim`]), and a
//! replay of every delivery: screenshots, where the pointer went, what the bank saw
//! ([`timeline`]), and why the money moved or not ([`verdict`]).

/// The challenges: goal, protections, what the victim does, hints, starter, worked solution.
pub mod challenges;
/// What the exploit server and the victim's queue share.
pub mod desk;
/// A posted form, read within bounds: fields decoded as UTF-8 or refused.
pub mod form;
/// The exploit server's pages: the form, the access log, and its one error page.
pub mod page;
/// The victim as a person: finds "Click me" on screen, moves there, waits, clicks.
pub mod person;
/// How far the trainee got with each challenge: deliveries, solved, hints, solution.
pub mod progress;
/// Deliveries waiting for the victim, run one at a time, each bounded.
pub mod queue;
/// The replay page and its JSON.
pub mod replay;
/// The record of one delivery: steps, pointer path, clicks, screenshots, what the bank saw.
pub mod report;
/// One delivery: a throwaway profile, the victim's browser, the person, the record.
pub mod run;
/// The exploit server's routes on the attacker site.
pub mod server;
/// The victim's eyes: the scripts that find a target on screen and reveal the frames.
pub mod sight;
/// Stored exploits (every version), deliveries, hints opened.
pub mod store;
/// What the bank saw of each delivery's browser, told by the lab's observer.
pub mod timeline;
/// A delivery's outcome and its reason, from what the victim did and what the bank saw.
pub mod verdict;

use std::sync::Arc;

use actix_web::web;

use crate::db::DbError;
use crate::lab::observer::LabState;
use crate::state::AppState;

/// The exploit server's state and the victim's queue, for the attacker site. Deliveries a
/// stopped lab left unfinished are failed with the reason, and their leftover profiles removed.
pub async fn start(
    bank: web::Data<AppState>,
    lab: web::Data<LabState>,
) -> Result<(web::Data<desk::Desk>, web::Data<queue::Queue>), DbError> {
    let desk = Arc::new(desk::Desk::new(bank, lab));
    let failed = store::fail_unfinished(&desk.pool).await.map_err(DbError::from)?;
    if failed > 0 {
        tracing::warn!(
            "{failed} delivery(ies) left unfinished by the last run of the lab were marked failed"
        );
    }
    let leftovers = desk.work.join("victims");
    if leftovers.exists() {
        let _ = std::fs::remove_dir_all(&leftovers);
    }
    let queue = queue::Queue::start(desk.clone());
    Ok((web::Data::from(desk), web::Data::new(queue)))
}
