//! Reading a client certificate out of a proxy's header. Three shapes are understood:
//!
//! - URL-encoded PEM, as nginx's `$ssl_client_escaped_cert` sends it;
//! - Envoy's `x-forwarded-client-cert` (XFCC): `;`-separated `key=value` pairs per proxy,
//!   `,`-separated between proxies, the certificate URL-encoded in `Cert="..."`; the last
//!   element is the one the nearest proxy added. Quotes must balance (`\"` escapes one) and an
//!   element may name its `Cert` once: an earlier, client-written element cannot swallow the
//!   proxy's separator with an open quote, nor slip a second certificate in;
//! - the base64 body of a PEM without its BEGIN/END lines (Traefik's `X-Forwarded-Tls-Client-Cert`).

use percent_encoding::percent_decode_str;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The DER of the certificate in a forwarded-certificate header value, or why there is none.
pub fn certificate(value: &str) -> Result<CertificateDer<'static>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("the header is empty".to_owned());
    }
    let encoded = if looks_like_xfcc(value) { xfcc_cert(value)? } else { value.to_owned() };
    let text = percent_decode_str(&encoded)
        .decode_utf8()
        .map_err(|_| "the URL-decoded certificate is not text".to_owned())?;
    let text = text.trim();
    let pem = if text.starts_with("-----BEGIN") {
        text.to_owned()
    } else {
        // Base64 without the PEM armour: put it back.
        let body: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
    };
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or_else(|| "no PEM certificate in the header".to_owned())?
        .map_err(|e| format!("the PEM certificate in the header does not decode: {e}"))
}

fn looks_like_xfcc(value: &str) -> bool {
    split_outside_quotes(value, ';')
        .iter()
        .flat_map(|part| split_outside_quotes(part, ','))
        .any(|pair| pair.trim().split_once('=').is_some_and(|(key, _)| is_xfcc_key(key.trim())))
}

fn is_xfcc_key(key: &str) -> bool {
    ["by", "hash", "cert", "chain", "subject", "uri", "dns"].iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The `Cert` of the last XFCC element.
fn xfcc_cert(value: &str) -> Result<String, String> {
    if !quotes_balance(value) {
        return Err("the x-forwarded-client-cert header has an unclosed quote".to_owned());
    }
    let elements = split_outside_quotes(value, ',');
    let last = elements.last().ok_or_else(|| "an empty x-forwarded-client-cert header".to_owned())?;
    let mut certs = split_outside_quotes(last, ';')
        .into_iter()
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| key.trim().eq_ignore_ascii_case("cert"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    let cert = certs.next().ok_or_else(|| {
        "the x-forwarded-client-cert element has no Cert= field (Envoy sends it when \
         forward_client_cert_details sets cert: true)"
            .to_owned()
    })?;
    if certs.next().is_some() {
        return Err("the x-forwarded-client-cert element names Cert= twice".to_owned());
    }
    Ok(cert)
}

/// Whether every double quote (other than a `\"`) is closed.
fn quotes_balance(text: &str) -> bool {
    let (mut quoted, mut escaped) = (false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            _ => {}
        }
    }
    !quoted
}

/// Splits on `separator` except inside double quotes (`\"` does not end a quote).
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{Pki, Validity};

    fn pem() -> (String, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let issued = Pki::create_ca(dir.path()).unwrap().issue_client("alice", Validity::days(1)).unwrap();
        (issued.cert_pem, issued.cert_der)
    }

    fn escape(text: &str) -> String {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[test]
    fn reads_nginx_escaped_pem() {
        let (pem, der) = pem();
        assert_eq!(certificate(&escape(&pem)).unwrap().as_ref(), der.as_slice());
    }

    #[test]
    fn reads_the_last_element_of_envoy_xfcc() {
        let (pem, der) = pem();
        let value = format!(
            "By=spiffe://a;Hash=00ff;Subject=\"CN=mallory,O=x\";Cert=\"bogus\",\
             By=spiffe://bank;Hash=abcd;Subject=\"CN=alice,O=clickjack-lab\";Cert=\"{}\";URI=",
            escape(&pem)
        );
        assert_eq!(certificate(&value).unwrap().as_ref(), der.as_slice());
        let err = certificate("By=spiffe://bank;Hash=abcd").unwrap_err();
        assert!(err.contains("no Cert="), "{err}");
        // Envoy escapes quotes inside a Subject.
        let escaped_subject =
            format!("By=spiffe://bank;Subject=\"CN=a \\\"b\\\", O=x\";Cert=\"{}\"", escape(&pem));
        assert_eq!(certificate(&escaped_subject).unwrap().as_ref(), der.as_slice());
    }

    #[test]
    fn a_client_written_element_cannot_hide_the_proxys_separator_or_add_a_cert() {
        let (alice, _) = pem();
        let (mallory, _) = pem();
        // mallory's own element ends in an open quote; the proxy appends its element after it.
        let smuggled =
            format!("Cert={};Subject=\",By=spiffe://bank;Cert=\"{}\";URI=", escape(&alice), escape(&mallory));
        assert!(certificate(&smuggled).unwrap_err().contains("unclosed quote"));
        let twice = format!("By=spiffe://bank;Cert=\"{}\";Cert=\"{}\"", escape(&alice), escape(&mallory));
        assert!(certificate(&twice).unwrap_err().contains("twice"));
    }

    #[test]
    fn reads_unarmoured_base64() {
        let (pem, der) = pem();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(certificate(&escape(&body)).unwrap().as_ref(), der.as_slice());
    }

    #[test]
    fn refuses_garbage_with_a_reason() {
        assert!(certificate("").unwrap_err().contains("empty"));
        assert!(certificate("alice").is_err());
        assert!(certificate("%FF%FE").unwrap_err().contains("not text"));
    }
}
