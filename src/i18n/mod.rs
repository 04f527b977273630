//! The UI's words: one catalogue per language (`zh.rs`, `en.rs`), both instances
//! of [`Catalogue`], so a string missing in either language fails the build.

mod en;
mod zh;

use serde::Deserialize;

pub use catalogue::Catalogue;

mod catalogue;

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh")]
    Zh,
    #[serde(rename = "en")]
    En,
}

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

impl Lang {
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of the page's `lang` attribute.
    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language the header's switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn catalogue(self) -> &'static Catalogue {
        match self {
            Lang::Zh => &zh::ZH,
            Lang::En => &en::EN,
        }
    }

    /// The language of a request: its cookie, else Chinese.
    pub fn of_request(req: &actix_web::HttpRequest) -> Lang {
        req.cookie(LANG_COOKIE)
            .and_then(|cookie| Lang::from_code(cookie.value()))
            .unwrap_or_default()
    }
}

/// Replaces `{name}` placeholders in a catalogue string.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    args.iter()
        .fold(template.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill("请 {minutes} 分钟后再试", &[("minutes", "15")]),
            "请 15 分钟后再试"
        );
    }

    /// Every placeholder of a Chinese string appears in its English twin and
    /// vice versa, and no string is left empty.
    #[test]
    fn catalogues_agree_on_placeholders() {
        let zh = Lang::Zh.catalogue().entries();
        let en = Lang::En.catalogue().entries();
        assert_eq!(zh.len(), en.len());
        for ((key, zh_text), (_, en_text)) in zh.iter().zip(en.iter()) {
            assert!(!zh_text.trim().is_empty(), "{key} is empty in zh");
            assert!(!en_text.trim().is_empty(), "{key} is empty in en");
            assert_eq!(placeholders(zh_text), placeholders(en_text), "{key}");
        }
    }

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
            .collect();
        found.sort();
        found
    }
}
