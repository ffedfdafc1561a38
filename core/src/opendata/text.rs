//! Character encodings of the open-data files: Windows-1252 (the published Open Medic family,
//! a superset of Latin-1 where `’` is the byte 0x92) and UTF-8 with or without a byte-order
//! mark (Data pathologies, and files a spreadsheet saved again).

use crate::error::{Error, Result};

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// Only ASCII bytes: both encodings read it the same.
    Ascii,
    /// UTF-8 (`bom` tells whether the file began with a byte-order mark).
    Utf8 {
        /// Whether the file began with `EF BB BF`.
        bom: bool,
    },
    /// Windows-1252 (code page 1252).
    Windows1252,
}

impl Encoding {
    /// A short name: `ascii`, `utf-8`, `utf-8-bom`, `windows-1252`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Ascii => "ascii",
            Encoding::Utf8 { bom: false } => "utf-8",
            Encoding::Utf8 { bom: true } => "utf-8-bom",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// The characters of the bytes 0x80..=0x9F in Windows-1252. The five bytes the code page leaves
/// undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the control character of the same value, as
/// the WHATWG encoding standard does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}', '\u{017D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{9D}', '\u{017E}', '\u{0178}',
];

/// Decode Windows-1252 bytes (`’` is 0x92, `œ` 0x9C, `€` 0x80; other bytes are Latin-1).
pub fn cp1252_decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// Encode text as Windows-1252. Characters the code page lacks are spelled as the open-data files
/// spell them (`‑` and `−` as `-`, `′` as `'`, a narrow no-break space as a space); any other
/// character is an error naming `what`.
pub fn cp1252_encode(text: &str, what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Ok(b) = u8::try_from(u32::from(c)) {
            if !(0x80..=0x9F).contains(&b) {
                out.push(b);
                continue;
            }
        }
        if let Some(i) = CP1252_HIGH.iter().position(|h| *h == c) {
            if !matches!(i, 0x01 | 0x0D | 0x0F | 0x10 | 0x1D) {
                // i < 32, so the sum fits in a byte.
                out.push(0x80 + i as u8);
                continue;
            }
        }
        let spelled: &str = match c {
            '\u{2032}' => "'",
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => "-",
            '\u{202F}' | '\u{2009}' => " ",
            _ => {
                return Err(Error::Format {
                    path: what.to_string(),
                    message: format!("character {c:?} cannot be written in Windows-1252"),
                })
            }
        };
        out.extend_from_slice(spelled.as_bytes());
    }
    Ok(out)
}

/// Decides a file's encoding from its first non-ASCII bytes and decodes its fields, refusing a
/// file whose lines mix the two encodings.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    pub(crate) encoding: Encoding,
}

impl Decoder {
    pub(crate) fn new(bom: bool) -> Self {
        Decoder {
            encoding: if bom {
                Encoding::Utf8 { bom: true }
            } else {
                Encoding::Ascii
            },
        }
    }

    /// Decode one field. `Err` holds what to say about a field that does not fit the encoding the
    /// file's earlier lines were read in.
    pub(crate) fn decode(&mut self, bytes: &[u8]) -> std::result::Result<String, String> {
        if bytes.is_ascii() {
            // ASCII is the same in both encodings: no copy through a decoder.
            return Ok(bytes.iter().map(|&b| char::from(b)).collect());
        }
        let utf8 = std::str::from_utf8(bytes);
        match (self.encoding, utf8) {
            (Encoding::Ascii, Ok(s)) => {
                self.encoding = Encoding::Utf8 { bom: false };
                Ok(s.to_string())
            }
            (Encoding::Ascii, Err(_)) => {
                self.encoding = Encoding::Windows1252;
                Ok(cp1252_decode(bytes))
            }
            (Encoding::Utf8 { .. }, Ok(s)) => Ok(s.to_string()),
            (Encoding::Utf8 { .. }, Err(_)) => Err(format!(
                "mixed encodings: this value is not UTF-8 ({:?} read as Windows-1252) while the \
                 file's earlier lines are UTF-8",
                cp1252_decode(bytes)
            )),
            (Encoding::Windows1252, Err(_)) => Ok(cp1252_decode(bytes)),
            (Encoding::Windows1252, Ok(s)) => Err(format!(
                "mixed encodings: this value is UTF-8 ({s:?}) while the file's earlier lines are \
                 Windows-1252"
            )),
        }
    }
}
