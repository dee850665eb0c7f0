//! A posted form (`application/x-www-form-urlencoded`), read within bounds. Every field must
//! decode to UTF-8: a page the server would store with replacement characters is refused instead.

use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;

use super::page::Problem;
use super::store::MAX_BODY;

/// The most a form may weigh on the wire: the largest page, percent-encoded, and the other fields.
const MAX_FORM: usize = 3 * MAX_BODY + 16 * 1024;

pub struct Posted(Vec<(String, String)>);

impl Posted {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub async fn read(mut payload: web::Payload) -> Result<Posted, Problem> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Problem::bad(format!("the form did not arrive whole: {e}")))?;
        if bytes.len() + chunk.len() > MAX_FORM {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The exploit is too large",
                format!(
                    "The form is over {} KiB; the exploit server stores pages of at most {} KiB.",
                    MAX_FORM / 1024,
                    MAX_BODY / 1024
                ),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    parse(&bytes).map(Posted)
}

fn parse(bytes: &[u8]) -> Result<Vec<(String, String)>, Problem> {
    let decode = |part: &[u8]| -> Result<String, Problem> {
        let spaced: Vec<u8> = part.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
        let raw: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        String::from_utf8(raw).map_err(|e| {
            Problem::bad(format!(
                "a field of the form is not UTF-8 text (invalid byte at {}): the exploit server stores pages as UTF-8; \
                 save your page as UTF-8 and post it again",
                e.utf8_error().valid_up_to()
            ))
        })
    };
    bytes
        .split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut halves = pair.splitn(2, |b| *b == b'=');
            let name = decode(halves.next().unwrap_or_default())?;
            let value = decode(halves.next().unwrap_or_default())?;
            Ok((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_decode_as_utf8_or_are_refused() {
        let fields = super::parse(b"challenge=basic&body=%3Cp%3Eh%C3%A9+llo%3C%2Fp%3E&action=").unwrap();
        assert_eq!(fields[1], ("body".to_owned(), "<p>hé llo</p>".to_owned()));
        assert_eq!(fields[2].1, "");
        let bad = super::parse(b"body=%FF%FE").unwrap_err();
        assert!(bad.message.contains("not UTF-8"), "{}", bad.message);
    }
}
