//! Wildcard patterns (`*`, `?`) and policy-variable templates (`${aws:username}`).
//!
//! A [`Glob`] is a sequence of tokens. ARN patterns use the segment-bounded
//! wildcards: in the first five colon-separated segments of an ARN a wildcard
//! never crosses a `:`; in the last segment (the resource part, which may itself
//! contain colons) it may. See `encodings/arn-matching.md`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Token {
    Lit(char),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any run of characters, possibly empty.
    AnyStr,
    /// `?` inside an ARN segment: one character other than `:`.
    SegChar,
    /// `*` inside an ARN segment: any run of characters without `:`.
    SegStr,
    /// One character whose case fold ([`fold_char`]) is this character: `[kKK]` for `k`
    /// (ignore-case comparisons as ordinary patterns).
    Fold(char),
    /// The value of policy variable number `n`, in patterns built only to relate templates
    /// for every value at once (never matched against a request; see
    /// `encodings/policy-variables.md`). It stands for the character [`hole_char`]`(n)`.
    Hole(u8),
}

impl Token {
    /// Does this single-character token accept `c`? (Not meaningful for the star tokens.)
    pub fn accepts(self, c: char) -> bool {
        match self {
            Token::Lit(l) => l == c,
            Token::AnyChar | Token::AnyStr => true,
            Token::SegChar | Token::SegStr => c != ':',
            Token::Fold(l) => fold_char(c) == l,
            Token::Hole(n) => c == hole_char(n),
        }
    }

    /// Acceptance in the automata when the patterns contain holes: a hole's character stands
    /// for a whole value, so only a free `*` (which takes any text) or the same hole takes it.
    pub fn accepts_symbol(self, c: char, holes: bool) -> bool {
        if holes && is_hole_char(c) {
            return self == Token::AnyStr || self == Token::Hole(hole_index(c));
        }
        self.accepts(c)
    }

    pub fn is_star(self) -> bool {
        matches!(self, Token::AnyStr | Token::SegStr)
    }
}

/// A compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Glob {
    tokens: Vec<Token>,
}

/// One character of resolved pattern text: either a wildcard character written in the
/// policy, or a literal (plain text, `${*}`-style escapes, substituted variable values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PatternChar {
    Lit(char),
    /// `*` or `?` as written in the policy text.
    Wild(char),
}

impl Glob {
    pub fn from_tokens(mut tokens: Vec<Token>) -> Glob {
        // Collapse `**` runs: they match the same language and keep automata small.
        tokens.dedup_by(|b, a| a.is_star() && b.is_star() && a == b);
        Glob { tokens }
    }

    /// Exact text: no wildcards.
    pub fn literal(text: &str) -> Glob {
        Glob {
            tokens: text.chars().map(Token::Lit).collect(),
        }
    }

    /// Text compared ignoring case: each character with case variants is its fold class.
    pub fn ignore_case(text: &str) -> Glob {
        Glob {
            tokens: text.chars().map(fold_token).collect(),
        }
    }

    /// `*` and `?` are wildcards everywhere (action names, StringLike).
    pub fn wildcard(text: &str) -> Glob {
        Glob::from_chars(&text.chars().map(wild_char).collect::<Vec<_>>(), false)
    }

    /// Per-ARN-segment wildcards (Resource, ArnLike).
    pub fn arn(text: &str) -> Glob {
        Glob::from_chars(&text.chars().map(wild_char).collect::<Vec<_>>(), true)
    }

    /// Compiles resolved pattern characters. With `arn_segments`, wildcards in the first
    /// five colon-separated segments do not cross `:`; the sixth (or last) segment is free.
    pub fn from_chars(chars: &[PatternChar], arn_segments: bool) -> Glob {
        let mut tokens = Vec::with_capacity(chars.len());
        let total_segments = if arn_segments {
            chars
                .iter()
                .filter(|c| **c == PatternChar::Lit(':'))
                .count()
                + 1
        } else {
            1
        };
        let last_segment = total_segments.min(6) - 1;
        let mut segment = 0usize;
        for c in chars {
            let bounded = arn_segments && segment < last_segment;
            match *c {
                PatternChar::Lit(':') => {
                    tokens.push(Token::Lit(':'));
                    segment += 1;
                }
                PatternChar::Lit(l) => tokens.push(Token::Lit(l)),
                PatternChar::Wild('*') => tokens.push(if bounded {
                    Token::SegStr
                } else {
                    Token::AnyStr
                }),
                PatternChar::Wild(_) => tokens.push(if bounded {
                    Token::SegChar
                } else {
                    Token::AnyChar
                }),
            }
        }
        Glob::from_tokens(tokens)
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Lit(_)))
    }

    /// Matches everything (`*`).
    pub fn is_universal(&self) -> bool {
        self.tokens == [Token::AnyStr]
    }

    /// The literal text if this glob has no wildcards.
    pub fn as_literal(&self) -> Option<String> {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// The literal characters before the first wildcard.
    pub fn literal_prefix(&self) -> String {
        self.tokens
            .iter()
            .map_while(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// NFA simulation over token positions: linear in text length times pattern length.
    pub fn matches(&self, text: &str) -> bool {
        let n = self.tokens.len();
        let mut current = vec![false; n + 1];
        let mut next = vec![false; n + 1];
        current[0] = true;
        self.close(&mut current);
        for c in text.chars() {
            next.iter_mut().for_each(|b| *b = false);
            let mut any = false;
            for i in 0..n {
                if !current[i] {
                    continue;
                }
                let t = self.tokens[i];
                if t.is_star() {
                    if t.accepts(c) {
                        next[i] = true;
                        any = true;
                    }
                } else if t.accepts(c) {
                    next[i + 1] = true;
                    any = true;
                }
            }
            if !any {
                return false;
            }
            self.close(&mut next);
            std::mem::swap(&mut current, &mut next);
        }
        current[n]
    }

    /// Epsilon closure: a star may match the empty string.
    fn close(&self, states: &mut [bool]) {
        for i in 0..self.tokens.len() {
            if states[i] && self.tokens[i].is_star() {
                states[i + 1] = true;
            }
        }
    }
}

/// One character compared ignoring case: its fold class, or itself when it has no variants.
pub fn fold_token(c: char) -> Token {
    let folded = fold_char(c);
    if fold_class(folded).len() > 1 {
        Token::Fold(folded)
    } else {
        Token::Lit(c)
    }
}

/// The case folding shared by the evaluator and the prover: each character's (simple)
/// lowercase mapping, one character for one (`K` U+212A KELVIN SIGN folds to `k`; `İ`
/// folds to `i`). See `encodings/string-atoms.md`.
pub fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        // A multi-character lowercase (only `İ`): its first character is the simple mapping.
        (Some(l), Some(_)) => l,
        (None, _) => c,
    }
}

/// [`fold_char`] over a string.
pub fn fold_case(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// No character at or above this code point has a lowercase mapping (the last cased
/// characters, Adlam, end at U+1E943), so the fold table stops here: walking all 1.1 M code
/// points cost ~107 M instructions on a process's first ignore-case pattern. A test checks
/// the bound against the standard library's Unicode tables.
const CASED_LIMIT: u32 = 0x2_0000;

/// Every character whose fold is `folded` (`k` → `k`, `K`, `K`), sorted.
pub fn fold_class(folded: char) -> &'static [char] {
    static CLASSES: std::sync::OnceLock<std::collections::HashMap<char, Vec<char>>> =
        std::sync::OnceLock::new();
    let classes = CLASSES.get_or_init(|| {
        let mut map: std::collections::HashMap<char, Vec<char>> = std::collections::HashMap::new();
        for c in (0..CASED_LIMIT).filter_map(char::from_u32) {
            let f = fold_char(c);
            if f != c {
                map.entry(f).or_default().push(c);
            }
        }
        for (f, members) in map.iter_mut() {
            if fold_char(*f) == *f {
                members.push(*f);
            }
            members.sort_unstable();
        }
        map
    });
    classes.get(&folded).map(Vec::as_slice).unwrap_or(&[])
}

/// The character a [`Token::Hole`] stands for in the automata (Unicode noncharacters).
pub fn hole_char(n: u8) -> char {
    char::from_u32(0xFDD0 + u32::from(n % 32)).unwrap_or('\u{FDD0}')
}

pub fn is_hole_char(c: char) -> bool {
    ('\u{FDD0}'..='\u{FDEF}').contains(&c)
}

fn hole_index(c: char) -> u8 {
    u8::try_from(u32::from(c) - 0xFDD0).unwrap_or(0)
}

fn wild_char(c: char) -> PatternChar {
    if c == '*' || c == '?' {
        PatternChar::Wild(c)
    } else {
        PatternChar::Lit(c)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tokens {
            match t {
                Token::Lit(c) => write!(f, "{c}")?,
                Token::AnyChar | Token::SegChar => f.write_str("?")?,
                Token::AnyStr | Token::SegStr => f.write_str("*")?,
                Token::Fold(c) => write!(f, "[{}]", fold_class(*c).iter().collect::<String>())?,
                Token::Hole(n) => write!(f, "${{{n}}}")?,
            }
        }
        Ok(())
    }
}

/// A piece of a policy value that may contain policy variables.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TemplatePart {
    /// Text as written: `*` and `?` in it are wildcards for Like/Arn operators and Resource.
    Text(String),
    /// `${*}`, `${?}`, `${$}`: a literal `*`, `?` or `$` that is never a wildcard.
    Escaped(char),
    /// `${aws:username}` or `${aws:PrincipalTag/team, 'none'}`.
    Var {
        key: String,
        key_lower: String,
        default: Option<String>,
    },
}

/// A value with its policy variables.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// Plain text with no variables (versions other than 2012-10-17 always parse this way).
    pub fn text(text: &str) -> Template {
        Template {
            parts: vec![TemplatePart::Text(text.to_string())],
        }
    }

    /// Parses `${...}` references. With `variables` false, all text is literal text.
    /// Errors describe what is malformed inside `${...}`.
    pub fn parse(text: &str, variables: bool) -> Result<Template, String> {
        if !variables || !text.contains("${") {
            return Ok(Template::text(text));
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            if start > 0 {
                push_text(&mut parts, &rest[..start]);
            }
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unterminated policy variable `${{` in `{text}`"))?;
            let inner = &after[..end];
            parts.push(parse_variable(inner, text)?);
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            push_text(&mut parts, rest);
        }
        Ok(Template { parts })
    }

    /// The same template with each variable's key written in lowercase (key names are
    /// case-insensitive), so equal templates compare equal.
    pub fn canonical(&self) -> Template {
        let parts = self
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Var {
                    key_lower, default, ..
                } => TemplatePart::Var {
                    key: key_lower.clone(),
                    key_lower: key_lower.clone(),
                    default: default.clone(),
                },
                other => other.clone(),
            })
            .collect();
        Template { parts }
    }

    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Var { .. }))
    }

    /// The lowercased keys of the variables this template reads.
    pub fn variable_keys(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Var { key_lower, .. } => Some(key_lower.as_str()),
            _ => None,
        })
    }

    /// Substitutes variables. `lookup` gives a key's single value; None means the key is
    /// absent (or multi-valued), and then the default is used or the whole template is
    /// unresolvable (`None`), which matches nothing.
    pub fn resolve<F>(&self, mut lookup: F) -> Option<Vec<PatternChar>>
    where
        F: FnMut(&str) -> Option<String>,
    {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(t) => out.extend(t.chars().map(wild_char)),
                TemplatePart::Escaped(c) => out.push(PatternChar::Lit(*c)),
                TemplatePart::Var {
                    key_lower, default, ..
                } => {
                    let value = lookup(key_lower).or_else(|| default.clone())?;
                    out.extend(value.chars().map(PatternChar::Lit));
                }
            }
        }
        Some(out)
    }

    /// The template's text with no variables, if it has none.
    pub fn as_plain(&self) -> Option<Vec<PatternChar>> {
        if self.has_variables() {
            return None;
        }
        self.resolve(|_| None)
    }

    /// The text as written (variables shown as `${key}`).
    pub fn display_text(&self) -> String {
        let mut s = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(t) => s.push_str(t),
                TemplatePart::Escaped(c) => {
                    s.push_str("${");
                    s.push(*c);
                    s.push('}');
                }
                TemplatePart::Var {
                    key, default: None, ..
                } => {
                    s.push_str("${");
                    s.push_str(key);
                    s.push('}');
                }
                TemplatePart::Var {
                    key,
                    default: Some(d),
                    ..
                } => {
                    s.push_str(&format!("${{{key}, '{d}'}}"));
                }
            }
        }
        s
    }
}

/// Resolved characters read as plain text (wildcards as their characters): for the Equals operators.
pub fn chars_to_string(chars: &[PatternChar]) -> String {
    chars
        .iter()
        .map(|c| match c {
            PatternChar::Lit(c) | PatternChar::Wild(c) => *c,
        })
        .collect()
}

fn push_text(parts: &mut Vec<TemplatePart>, text: &str) {
    if let Some(TemplatePart::Text(prev)) = parts.last_mut() {
        prev.push_str(text);
    } else {
        parts.push(TemplatePart::Text(text.to_string()));
    }
}

fn parse_variable(inner: &str, whole: &str) -> Result<TemplatePart, String> {
    match inner {
        "*" => return Ok(TemplatePart::Escaped('*')),
        "?" => return Ok(TemplatePart::Escaped('?')),
        "$" => return Ok(TemplatePart::Escaped('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let unquoted = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .ok_or_else(|| format!("the default value of a policy variable must be in single quotes in `{whole}`"))?;
            (k.trim(), Some(unquoted.to_string()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(format!(
            "malformed policy variable `${{{inner}}}` in `{whole}`"
        ));
    }
    Ok(TemplatePart::Var {
        key: key.to_string(),
        key_lower: key.to_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_character_past_the_fold_table_changes_case() {
        let cased: Vec<char> = (CASED_LIMIT..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| fold_char(c) != c || c.to_uppercase().any(|u| u != c))
            .collect();
        assert!(
            cased.is_empty(),
            "cased characters past the table: {cased:?}"
        );
        assert_eq!(fold_class('k'), &['K', 'k', '\u{212A}']);
    }

    #[test]
    fn wildcards_match_like_iam() {
        let g = Glob::wildcard("s3:get*");
        assert!(g.matches("s3:getobject"));
        assert!(g.matches("s3:get"));
        assert!(!g.matches("s3:putobject"));
        assert!(Glob::wildcard("iam:?etUser").matches("iam:GetUser"));
        assert!(!Glob::wildcard("iam:?etUser").matches("iam:etUser"));
        assert!(Glob::wildcard("*").matches(""));
    }

    #[test]
    fn arn_wildcards_stay_in_their_segment() {
        let g = Glob::arn("arn:aws:iam::*:role/x");
        assert!(g.matches("arn:aws:iam::123456789012:role/x"));
        assert!(!g.matches("arn:aws:iam::1:2:role/x"));
        // The resource part may contain colons.
        let r = Glob::arn("arn:aws:logs:us-east-1:1:log-group:*");
        assert!(r.matches("arn:aws:logs:us-east-1:1:log-group:a:log-stream:b"));
        // A short pattern's last part absorbs the rest.
        assert!(Glob::arn("arn:aws:s3:*").matches("arn:aws:s3:::bucket/key"));
        assert!(Glob::arn("*").matches("anything:at:all"));
    }

    #[test]
    fn templates_parse_variables_and_escapes() {
        let t = Template::parse(
            "home/${aws:username}/${*}${aws:PrincipalTag/team, 'none'}",
            true,
        )
        .unwrap();
        assert!(t.has_variables());
        let resolved = t
            .resolve(|k| (k == "aws:username").then(|| "alice".to_string()))
            .unwrap();
        assert_eq!(chars_to_string(&resolved), "home/alice/*none");
        assert_eq!(resolved[11], PatternChar::Lit('*'));
        assert!(Template::parse("${aws:username", true).is_err());
        assert!(!Template::parse("${aws:username}", false)
            .unwrap()
            .has_variables());
        // Unresolvable without a default: the template matches nothing.
        assert!(Template::parse("${aws:username}", true)
            .unwrap()
            .resolve(|_| None)
            .is_none());
    }
}
