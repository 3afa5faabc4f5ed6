//! STOP / START keywords: an inbound text that is only one of these is an opt-out / opt-in.

/// Opt-out keywords, whole message (after `keyword_of`), in the languages merchants meet most.
pub const OPT_OUT: &[&str] = &[
    "STOP",
    "STOP ALL",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPT OUT",
    "OPTOUT",
    "REVOKE",
    "STOP PROMOTIONS",
    "PARAR",
    "PARE",
    "BAJA",
    "DAR DE BAJA",
    "DARSE DE BAJA",
    "CANCELAR",
    "DETENER",
    "ARRET",
    "ARRÊT",
    "ARRETER",
    "ARRÊTER",
    "DESABONNER",
    "DÉSABONNER",
    "STOPP",
    "ABMELDEN",
    "ABBESTELLEN",
    "SAIR",
    "DESCADASTRAR",
    "CANCELAR INSCRIÇÃO",
    "BASTA",
    "DISISCRIVITI",
    "ANNULLA",
    "UITSCHRIJVEN",
    "DUR",
    "IPTAL",
    "İPTAL",
    "ОТПИСАТЬСЯ",
    "СТОП",
    "توقف",
    "إلغاء",
];

/// Opt-in keywords, whole message.
pub const OPT_IN: &[&str] = &["START", "RESUME", "UNSTOP", "SUBSCRIBE", "ALTA", "REANUDAR"];

/// Trimmed, upper case, single spaces, hyphens as spaces, no surrounding punctuation: so
/// ` stop! `, `Stop.` and `opt-out` match their keyword. Long texts are never keywords.
pub(super) fn keyword_of(text: &str) -> String {
    if text.len() > 64 {
        return String::new();
    }
    let cleaned: String = text
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned
        .trim_matches(|c: char| c.is_whitespace() || ".!¡?¿,;:\"'*()".contains(c))
        .split_whitespace()
        .collect();
    words.join(" ").to_uppercase()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_message_and_tolerant() {
        for s in [
            "STOP", " stop ", "Stop!", "arrêt", "Baja", "opt-out", "StopAll",
        ] {
            assert!(OPT_OUT.contains(&keyword_of(s).as_str()), "{s}");
        }
        for s in ["please stop calling", "stopping by later", "", "STOP STOP"] {
            assert!(!OPT_OUT.contains(&keyword_of(s).as_str()), "{s}");
        }
        assert!(OPT_IN.contains(&keyword_of("start").as_str()));
    }
}
