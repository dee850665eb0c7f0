//! A delivery's outcome, and why: from what the victim did and what the bank saw of her browser.
//! The reason names the protection that decided wherever one did.

use super::challenges::{Challenge, RECIPIENT, VICTIM};
use super::person::Acted;
use super::timeline::Seen;
use crate::config::Settings;
use crate::protections::Protections;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `moved`, `unchanged` or `error`.
    pub outcome: &'static str,
    pub reason: String,
    pub solved: bool,
}

/// How the protections at delivery compare with the challenge's: the flags that differ
/// (`LAB_FRAME is deny now, off in the challenge`), empty when they are the same.
pub type Differences = Vec<String>;

/// How the protections `now` differ from `challenge`'s: `LAB_FRAME is deny now, off in the challenge`.
pub fn differences(challenge: &Challenge, settings: &Settings, now: &Protections) -> Differences {
    let wanted = challenge.protections_for(settings).summary();
    let now = now.summary();
    let value = |list: &[crate::protections::Setting], flag: &str| {
        list.iter().find(|s| s.flag == flag).map_or_else(|| "off".to_owned(), |s| s.value.clone())
    };
    let flags: Vec<&str> = wanted.iter().chain(now.iter()).map(|s| s.flag).collect();
    let mut out: Vec<String> = Vec::new();
    for flag in flags {
        let (is, should) = (value(&now, flag), value(&wanted, flag));
        let line = format!("{flag} is {is} now, {should} in the challenge");
        if is != should && !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

pub fn judge(challenge: &Challenge, acted: &Acted, seen: &[Seen], differences: &Differences) -> Verdict {
    let goal =
        |m: &&super::timeline::Moved| m.from == VICTIM && m.to == RECIPIENT && m.amount == challenge.amount;
    let mut moves = seen.iter().filter_map(|s| s.moved.as_ref());
    let best = moves.clone().find(goal).or_else(|| moves.next());
    if let Some(moved) = best {
        let goal = goal(&moved);
        let what = format!("The bank moved {} from {} to {}.", moved.amount, moved.from, moved.to);
        let (solved, reason) = if !goal {
            (
                false,
                format!(
                    "{what} The goal is {} from {VICTIM} to {RECIPIENT}: not solved yet.",
                    challenge.amount
                ),
            )
        } else if !differences.is_empty() {
            let list = differences.join("; ");
            (
                false,
                format!(
                    "{what} That is the goal, but the protections in force were not the challenge's ({list}): apply \
                     the challenge's protections and deliver again."
                ),
            )
        } else {
            (true, format!("{what} Challenge solved: your page made alice's own browser do it."))
        };
        return Verdict { outcome: "moved", reason, solved };
    }
    Verdict { outcome: "unchanged", reason: unchanged(acted, seen), solved: false }
}

/// Why nothing moved, from the most decisive thing the bank did.
fn unchanged(acted: &Acted, seen: &[Seen]) -> String {
    let refused_post = seen.iter().rev().find(|s| s.method == "POST" && s.status >= 400);
    if let Some(post) = refused_post {
        return format!("Nothing moved: the bank {}{}.", post.decision, by(post));
    }
    let refused_page =
        seen.iter().find(|s| s.method == "GET" && s.status >= 400 && s.path.starts_with("/transfer"));
    if let Some(page) = refused_page {
        return format!(
            "Nothing moved: the bank {} for {}{}, so there was no button to click.",
            page.decision,
            page.path,
            by(page)
        );
    }
    if let Some(blocked) = seen.iter().find(|s| s.decided_by.as_deref() == Some("LAB_FRAME")) {
        return format!(
            "Nothing moved: the bank {}{}; alice's click reached nothing.",
            blocked.decision,
            by(blocked)
        );
    }
    if let Acted::NothingToClick { looked_for, after_clicks } = acted {
        let before =
            if *after_clicks == 0 { String::new() } else { format!(" after {after_clicks} click(s)") };
        return format!(
            "Nothing moved: alice found nothing to click{before}. No visible element's text contains \
             \u{201c}{looked_for}\u{201d} (hidden, off-screen, tiny or less than half opaque elements do not count)."
        );
    }
    let framed_page = seen.iter().any(|s| s.path.starts_with("/transfer/confirm") && s.status < 400);
    let took_over = seen
        .iter()
        .any(|s| s.path.starts_with("/transfer/confirm") && s.sec_fetch_dest.as_deref() == Some("document"));
    if seen.iter().any(|s| s.decision.starts_with("asked")) {
        return "Nothing moved: the bank asked \"Are you sure?\" and no click reached its \"Yes, send it\" \
                (compare the last click with the revealed frame)."
            .to_owned();
    }
    if took_over && seen.iter().any(|s| s.sec_fetch_dest.as_deref() == Some("iframe")) {
        return "Nothing moved: the bank's page left your frame and took over the window (its frame-busting script \
                navigated the top window), so alice's click hit the bank's page in plain sight, or nothing."
            .to_owned();
    }
    if framed_page {
        let guard = if seen.iter().any(|s| s.guarded) {
            " or its confirm button was still disabled by the gesture guard (LAB_GESTURE_GUARD: a press too soon \
             after the page appeared, with no pointer movement since)"
        } else {
            ""
        };
        let buster = if seen.iter().any(|s| s.decision.contains("frame-busting script")) {
            " The page carried the bank's frame-busting script: framed, it hides the page or leaves the frame (a \
             sandbox without allow-scripts stops it; the sandbox needs allow-forms for the form to submit)."
        } else {
            ""
        };
        return format!(
            "Nothing moved: the bank served its page, but no transfer request followed alice's click. The click \
             landed beside the bank's button{guard}. Compare the click point with the revealed frame in the \
             replay.{buster}"
        );
    }
    if seen.is_empty() {
        return "Nothing moved: the bank saw no request from alice's browser. Your page never loaded the bank (is the \
                frame's address the bank's, https://localhost:<bank port>?)."
            .to_owned();
    }
    let last = &seen[seen.len() - 1];
    format!("Nothing moved: the last thing the bank did for alice's browser was that it {}.", last.decision)
}

fn by(seen: &Seen) -> String {
    match seen.decided_by.as_deref() {
        Some("LAB_FRAME") => " (decided by the frame headers, LAB_FRAME, in the browser)".to_owned(),
        Some(flag) => format!(" (decided by {flag})"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::challenges::Challenge;
    use super::super::person::Acted;
    use super::super::timeline::{Moved, Seen};
    use super::judge;

    fn seen(method: &str, path: &str, status: u16, decision: &str, by: Option<&str>) -> Seen {
        Seen {
            at: 0,
            method: method.into(),
            path: path.into(),
            origin: None,
            sec_fetch_site: Some("cross-site".into()),
            sec_fetch_mode: Some("navigate".into()),
            sec_fetch_dest: Some("iframe".into()),
            identity: "alice by certificate".into(),
            status,
            decision: decision.into(),
            decided_by: by.map(Into::into),
            moved: None,
            guarded: false,
        }
    }

    #[test]
    fn the_goal_under_the_challenges_protections_solves_it_and_anything_else_says_why_not() {
        let basic = Challenge::find("basic").unwrap();
        let mut post = seen("POST", "/transfer", 303, "moved 12.00 from alice to mallory", None);
        post.moved = Some(Moved { from: "alice".into(), to: "mallory".into(), amount: "12.00".into() });
        let verdict = judge(basic, &Acted::Clicked, std::slice::from_ref(&post), &vec![]);
        assert!(verdict.solved && verdict.outcome == "moved", "{verdict:?}");
        let other =
            judge(basic, &Acted::Clicked, std::slice::from_ref(&post), &vec!["LAB_FRAME is deny".into()]);
        assert!(!other.solved && other.reason.contains("LAB_FRAME is deny"), "{other:?}");
        post.moved.as_mut().unwrap().amount = "1.00".into();
        let wrong = judge(basic, &Acted::Clicked, &[post], &vec![]);
        assert!(!wrong.solved && wrong.reason.contains("The goal is 12.00"), "{wrong:?}");

        let refused = seen(
            "GET",
            "/transfer/confirm?to=mallory",
            403,
            "refused (HTTP 403): framed",
            Some("LAB_FETCH_METADATA"),
        );
        let verdict = judge(basic, &Acted::Clicked, &[refused], &vec![]);
        assert!(
            verdict.outcome == "unchanged" && verdict.reason.contains("LAB_FETCH_METADATA"),
            "{verdict:?}"
        );
        let nothing =
            judge(basic, &Acted::NothingToClick { looked_for: "click me", after_clicks: 0 }, &[], &vec![]);
        assert!(nothing.reason.contains("found nothing to click"), "{nothing:?}");
        let served = seen("GET", "/transfer/confirm?to=mallory", 200, "served the confirmation page", None);
        let missed = judge(basic, &Acted::Clicked, &[served], &vec![]);
        assert!(missed.reason.contains("landed beside"), "{missed:?}");
    }
}
