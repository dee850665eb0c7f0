//! The basic clickjack with the bank behind a TLS-terminating nginx (`LAB_MTLS=proxy`): the
//! outcomes are those of direct mutual TLS, in both engines. The browser presents alice's
//! certificate to nginx inside the attacker's frame; nginx forwards it; the bank's frame
//! headers still decide.

use std::time::Duration;

use clickjack_lab::lab::Victim;

use crate::attack::{TIMING, expected, money_moved, overlay_as_alice};
use crate::common::spawn_app_behind_nginx_timed;
use crate::engine::Session;
use crate::in_both_engines;
use crate::profile::Profile;

in_both_engines! {
    async fn behind_nginx_with_protections_off_the_framed_click_moves_the_money(engine: Engine) {
        let app = spawn_app_behind_nginx_timed(&[("LAB_PROTECTIONS", "off")], TIMING).await;
        let url = format!("{}/basic.html", app.sites.cross_site);
        let (frame, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "proxy-basic-everything-off").await;
        let predicted = expected(&app, "basic", Victim::Certificate, browser);
        assert!(predicted.succeeds(), "the lab predicts the same as direct mTLS: {predicted:?}");

        assert!(frame.href.starts_with(app.sites.bank.as_str()), "the frame rendered the bank through nginx: {frame:?}");
        assert!(
            frame.text.contains("Signed in as alice by certificate"),
            "the certificate the browser gave nginx in the frame reached the bank: {frame:?}"
        );
        assert!(money_moved(&app, true).await, "the click went through nginx to the bank");
        assert_eq!(app.balances().await["alice"], 100_000 - 4_000);
        let by: Vec<(String,)> = app.fetch_all("SELECT signed_in_by FROM transfers").await;
        assert_eq!(by, [("certificate".to_owned(),)]);
    }

    async fn behind_nginx_with_the_defaults_the_frame_is_refused_and_nothing_moves(engine: Engine) {
        let app = spawn_app_behind_nginx_timed(&[], TIMING).await;
        let url = format!("{}/basic.html", app.sites.cross_site);
        let (frame, browser) = overlay_as_alice(&app, engine, &url, &["#decoy"], "proxy-basic-defaults").await;
        let predicted = expected(&app, "basic", Victim::Certificate, browser);
        assert!(!predicted.succeeds(), "{predicted:?}");

        assert!(frame.is_framing_refusal(), "the frame headers crossed nginx: {frame:?}");
        assert!(!money_moved(&app, false).await);
        // Positive control: the same browser profile reaches the bank through nginx at the top level.
        let browser = Session::launch(&app, engine, Profile::with_certificate("alice")).await;
        let tab = browser.open(app.sites.bank.as_str()).await;
        let mut text = String::new();
        crate::common::until("the dashboard through nginx", Duration::from_secs(10), async || {
            text = browser
                .try_eval(&tab, "document.body ? document.body.innerText : ''")
                .await
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            text.contains("Signed in as")
        })
        .await;
        browser.close().await;
        assert!(text.contains("Signed in as alice by certificate"), "{text}");
    }
}
