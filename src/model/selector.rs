//! Kubernetes label and field selectors: parsing the query-string forms kubectl sends
//! (`labelSelector=`, `fieldSelector=`), building label selectors from the structured
//! `matchLabels`/`matchExpressions` form, matching, and the canonical string forms. Pure; it
//! knows no Kubernetes types and no field names (callers decide which fields they support).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::model::validation::field::{BadValue, FieldError, FieldPath, go_quote, go_string_slice};
use crate::model::validation::names::{LengthUnit, label_value_errors, qualified_name_errors};

/// Why a label selector was rejected. Messages are the ones kube-apiserver gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelSelectorError {
    /// The text around requirements does not parse (separators, stray tokens).
    #[error("{0}")]
    Syntax(String),
    /// One requirement does not parse or validate.
    #[error("unable to parse requirement: {0}")]
    Requirement(String),
    /// A structured requirement does not validate.
    #[error("{0}")]
    Invalid(String),
    /// A structured requirement has an operator other than In, NotIn, Exists, DoesNotExist.
    #[error("{} is not a valid label selector operator", go_quote(.0))]
    InvalidOperator(String),
}

/// Why a field selector was rejected. Messages are the ones kube-apiserver gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldSelectorError {
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    Term { selector: String, term: String },
    #[error("invalid field selector: invalid escape sequence: {0}")]
    InvalidEscape(String),
    /// An unescaped `,` or `=` in a value; Go prints the character as its code point.
    #[error("invalid field selector: unescaped character in value: {}", u32::from(*.0))]
    UnescapedCharacter(char),
    #[error("field label not supported: {0}")]
    UnsupportedField(String),
}

/// A label requirement operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `k=v`
    Equals,
    /// `k==v`
    DoubleEquals,
    /// `k!=v`
    NotEquals,
    /// `k in (a,b)`
    In,
    /// `k notin (a,b)`
    NotIn,
    /// `k`
    Exists,
    /// `!k`
    DoesNotExist,
    /// `k>1` (integer comparison)
    GreaterThan,
    /// `k<1` (integer comparison)
    LessThan,
}

/// One validated label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    /// Sorted and deduplicated.
    values: Vec<String>,
}

/// A conjunction of label requirements, sorted by key. Empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

/// One `matchExpressions` entry of a structured selector, borrowed from the caller's object.
#[derive(Debug, Clone, Copy)]
pub struct Expression<'a> {
    pub key: &'a str,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: &'a str,
    pub values: &'a [String],
}

impl Requirement {
    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted and deduplicated (empty for `Exists`/`DoesNotExist`).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether `labels` satisfy this requirement (apimachinery `Requirement.Matches`): negative
    /// operators match when the label is absent; `>`/`<` need an integer label value.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let label = labels.get(&self.key);
        let listed = |value: &String| self.values.contains(value);
        match self.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In => label.is_some_and(listed),
            Operator::NotEquals | Operator::NotIn => label.is_none_or(|value| !listed(value)),
            Operator::Exists => label.is_some(),
            Operator::DoesNotExist => label.is_none(),
            Operator::GreaterThan | Operator::LessThan => self.compare(label),
        }
    }

    fn compare(&self, label: Option<&String>) -> bool {
        let parse = |s: &str| s.parse::<i64>().ok();
        let bound = match self.values.as_slice() {
            [only] => parse(only),
            _ => None,
        };
        match (label.and_then(|l| parse(l)), bound) {
            (Some(value), Some(bound)) if self.operator == Operator::GreaterThan => value > bound,
            (Some(value), Some(bound)) => value < bound,
            _ => false,
        }
    }
}

impl fmt::Display for Requirement {
    /// apimachinery `Requirement.String`: `k=v`, `k!=v`, `k in (a,b)`, `!k`, `k`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (op, parens) = match self.operator {
            Operator::Exists => return write!(f, "{}", self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
        };
        let values = self.values.join(",");
        if parens { write!(f, "{}{op}({values})", self.key) } else { write!(f, "{}{op}{values}", self.key) }
    }
}

impl LabelSelector {
    /// Parses the string form kubectl sends in `labelSelector=` (apimachinery `labels.Parse`):
    /// comma-separated requirements `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`,
    /// `k notin (a,b)`, `k>n`, `k<n`, with optional whitespace. The empty string selects
    /// everything. Keys must be qualified names and values valid label values.
    ///
    /// Fails with kube-apiserver's messages, e.g.
    /// `unable to parse requirement: found '', expected: in, notin, =, ==, !=, gt, lt`.
    pub fn parse(selector: &str) -> Result<Self, LabelSelectorError> {
        let mut parser = Parser { tokens: lex(selector), position: 0 };
        let mut requirements = parser.parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// Builds a selector from the structured form used in objects (apimachinery
    /// `LabelSelectorAsSelector`): each `matchLabels` entry is `key=value`, each expression maps
    /// its operator. With no labels and no expressions the selector matches everything (the
    /// caller decides whether that is allowed).
    ///
    /// Fails on an unknown operator (`"Foo" is not a valid label selector operator`), invalid
    /// keys or values, values given to `Exists`/`DoesNotExist`, or `In`/`NotIn` without values.
    pub fn from_parts(
        match_labels: &BTreeMap<String, String>,
        expressions: &[Expression<'_>],
    ) -> Result<Self, LabelSelectorError> {
        let mut requirements = Vec::with_capacity(match_labels.len() + expressions.len());
        for (key, value) in match_labels {
            let values = std::slice::from_ref(value);
            requirements.push(new_requirement(key, Operator::Equals, values)?);
        }
        for expression in expressions {
            let operator = structured_operator(expression.operator)?;
            requirements.push(new_requirement(expression.key, operator, expression.values)?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// True when the selector has no requirements, i.e. matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Whether every requirement matches `labels`.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl fmt::Display for LabelSelector {
    /// The canonical form: requirements sorted by key, joined by `,` (empty for everything).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        comma_separated(f, &self.requirements)
    }
}

fn structured_operator(operator: &str) -> Result<Operator, LabelSelectorError> {
    match operator {
        "In" => Ok(Operator::In),
        "NotIn" => Ok(Operator::NotIn),
        "Exists" => Ok(Operator::Exists),
        "DoesNotExist" => Ok(Operator::DoesNotExist),
        other => Err(LabelSelectorError::InvalidOperator(other.to_string())),
    }
}

/// apimachinery `NewRequirement` (no field path): validates, then sorts and dedups the values.
fn new_requirement(key: &str, operator: Operator, values: &[String]) -> Result<Requirement, LabelSelectorError> {
    let errors = requirement_errors(key, operator, values);
    if let Some(message) = aggregate(errors) {
        return Err(LabelSelectorError::Invalid(message));
    }
    let values: BTreeSet<&String> = values.iter().collect();
    Ok(Requirement { key: key.to_string(), operator, values: values.into_iter().cloned().collect() })
}

fn requirement_errors(key: &str, operator: Operator, values: &[String]) -> Vec<String> {
    let mut errors = Vec::new();
    let key_errors = qualified_name_errors(key, LengthUnit::Characters);
    if !key_errors.is_empty() {
        errors.push(invalid("key", key, &key_errors.join("; ")));
    }
    let count = match operator {
        Operator::In | Operator::NotIn if values.is_empty() => {
            Some("for 'in', 'notin' operators, values set can't be empty")
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            Some("exact-match compatibility requires one single value")
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            Some("values set must be empty for exists and does not exist")
        }
        Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
            Some("for 'Gt', 'Lt' operators, exactly one value is required")
        }
        _ => None,
    };
    if let Some(detail) = count {
        errors.push(invalid("values", BadValue::Raw(go_string_slice(values)), detail));
    }
    for (i, value) in values.iter().enumerate() {
        let ordered = matches!(operator, Operator::GreaterThan | Operator::LessThan);
        if ordered && value.parse::<i64>().is_err() {
            let detail = "for 'Gt', 'Lt' operators, the value must be an integer";
            errors.push(invalid(&format!("values[{i}]"), value.as_str(), detail));
        }
        let value_errors = label_value_errors(value, LengthUnit::Characters);
        if !value_errors.is_empty() {
            let field = format!("values[{i}][{key}]");
            errors.push(invalid(&field, value.as_str(), &value_errors.join("; ")));
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------------
// Label selector lexer and parser (apimachinery `labels.Lexer` / `labels.Parser`).

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    End,
    OpenPar,
    ClosedPar,
    Comma,
    Not,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
    In,
    NotIn,
    Identifier(String),
}

impl Token {
    /// The literal apimachinery prints in messages (empty for the end of the string).
    fn literal(&self) -> &str {
        match self {
            Token::End => "",
            Token::OpenPar => "(",
            Token::ClosedPar => ")",
            Token::Comma => ",",
            Token::Not => "!",
            Token::Equals => "=",
            Token::DoubleEquals => "==",
            Token::NotEquals => "!=",
            Token::Greater => ">",
            Token::Less => "<",
            Token::In => "in",
            Token::NotIn => "notin",
            Token::Identifier(s) => s,
        }
    }
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

/// Splits a selector into tokens; always ends with [`Token::End`].
fn lex(input: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| is_whitespace(*c)).is_some() {}
        let Some(c) = chars.next() else {
            tokens.push(Token::End);
            return tokens;
        };
        if is_special(c) {
            let double = chars.next_if(|next| *next == '=' && matches!(c, '!' | '='));
            tokens.push(special_token(c, double.is_some()));
            continue;
        }
        let mut word = String::from(c);
        while let Some(next) = chars.next_if(|n| !is_special(*n) && !is_whitespace(*n)) {
            word.push(next);
        }
        tokens.push(match word.as_str() {
            "in" => Token::In,
            "notin" => Token::NotIn,
            _ => Token::Identifier(word),
        });
    }
}

/// The token for a special character, or for it followed by `=` (`!=`, `==`).
fn special_token(c: char, followed_by_equals: bool) -> Token {
    match (c, followed_by_equals) {
        ('!', true) => Token::NotEquals,
        ('=', true) => Token::DoubleEquals,
        ('!', false) => Token::Not,
        ('=', false) => Token::Equals,
        ('(', _) => Token::OpenPar,
        (')', _) => Token::ClosedPar,
        (',', _) => Token::Comma,
        ('>', _) => Token::Greater,
        _ => Token::Less,
    }
}

/// Where a token is read: in values, `in` and `notin` are plain identifiers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
}

type Step<T> = Result<T, String>;

impl Parser {
    fn lookahead(&self, context: Context) -> Token {
        let token = self.tokens.get(self.position).cloned().unwrap_or(Token::End);
        match (context, token) {
            (Context::Values, Token::In) => Token::Identifier("in".to_string()),
            (Context::Values, Token::NotIn) => Token::Identifier("notin".to_string()),
            (_, token) => token,
        }
    }

    fn consume(&mut self, context: Context) -> Token {
        let token = self.lookahead(context);
        self.position += 1;
        token
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, LabelSelectorError> {
        let mut requirements = Vec::new();
        loop {
            match self.lookahead(Context::Values) {
                Token::Identifier(_) | Token::Not => {}
                Token::End => return Ok(requirements),
                other => {
                    let message = format!("found '{}', expected: !, identifier, or 'end of string'", other.literal());
                    return Err(LabelSelectorError::Syntax(message));
                }
            }
            requirements.push(self.parse_requirement()?);
            match self.consume(Context::Values) {
                Token::End => return Ok(requirements),
                Token::Comma => self.expect_requirement_after_comma()?,
                other => {
                    let message = format!("found '{}', expected: ',' or 'end of string'", other.literal());
                    return Err(LabelSelectorError::Syntax(message));
                }
            }
        }
    }

    fn expect_requirement_after_comma(&self) -> Result<(), LabelSelectorError> {
        match self.lookahead(Context::Values) {
            Token::Identifier(_) | Token::Not => Ok(()),
            other => {
                Err(LabelSelectorError::Syntax(format!("found '{}', expected: identifier after ','", other.literal())))
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, LabelSelectorError> {
        let (key, unary) = self.parse_key_and_infer_operator().map_err(LabelSelectorError::Requirement)?;
        let (operator, values) = match unary {
            Some(operator) => (operator, Vec::new()),
            None => self.parse_operator_and_values().map_err(LabelSelectorError::Requirement)?,
        };
        new_requirement(&key, operator, &values).map_err(|e| match e {
            LabelSelectorError::Invalid(message) => LabelSelectorError::Requirement(message),
            other => other,
        })
    }

    /// The key, and `Exists`/`DoesNotExist` when no binary operator follows it.
    fn parse_key_and_infer_operator(&mut self) -> Step<(String, Option<Operator>)> {
        let mut token = self.consume(Context::Values);
        let negated = token == Token::Not;
        if negated {
            token = self.consume(Context::Values);
        }
        let Token::Identifier(key) = token else {
            return Err(format!("found '{}', expected: identifier", token.literal()));
        };
        let errors = qualified_name_errors(&key, LengthUnit::Characters);
        if !errors.is_empty() {
            return Err(invalid("<nil>", key.as_str(), &errors.join("; ")));
        }
        let at_end = matches!(self.lookahead(Context::Values), Token::End | Token::Comma);
        let operator = match (negated, at_end) {
            (true, _) => Some(Operator::DoesNotExist),
            (false, true) => Some(Operator::Exists),
            (false, false) => None,
        };
        Ok((key, operator))
    }

    fn parse_operator_and_values(&mut self) -> Step<(Operator, Vec<String>)> {
        let token = self.consume(Context::KeyAndOperator);
        let operator = match token {
            Token::In => Operator::In,
            Token::NotIn => Operator::NotIn,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::NotEquals => Operator::NotEquals,
            Token::Greater => Operator::GreaterThan,
            Token::Less => Operator::LessThan,
            other => {
                return Err(format!("found '{}', expected: in, notin, =, ==, !=, gt, lt", other.literal()));
            }
        };
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Ok((operator, values.into_iter().collect()))
    }

    /// `(a,b,…)`; empty entries are the empty value.
    fn parse_values(&mut self) -> Step<BTreeSet<String>> {
        let open = self.consume(Context::Values);
        if open != Token::OpenPar {
            return Err(format!("found '{}' expected: '('", open.literal()));
        }
        match self.lookahead(Context::Values) {
            Token::Identifier(_) | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                self.consume(Context::Values);
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            other => Err(format!("found '{}', expected: ',', ')' or identifier", other.literal())),
        }
    }

    /// apimachinery `parseIdentifiersList`; returns with `)` as the next token.
    fn parse_identifiers_list(&mut self) -> Step<BTreeSet<String>> {
        let mut values = BTreeSet::new();
        loop {
            match self.consume(Context::Values) {
                Token::Identifier(value) => {
                    values.insert(value);
                    match self.lookahead(Context::Values) {
                        Token::Comma => {}
                        Token::ClosedPar => return Ok(values),
                        other => {
                            return Err(format!("found '{}', expected: ',' or ')'", other.literal()));
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    match self.lookahead(Context::Values) {
                        Token::ClosedPar => {
                            values.insert(String::new());
                            return Ok(values);
                        }
                        Token::Comma => {
                            self.consume(Context::Values);
                            values.insert(String::new());
                        }
                        _ => {}
                    }
                }
                other => {
                    return Err(format!("found '{}', expected: ',', or identifier", other.literal()));
                }
            }
        }
    }

    /// The single value after `=`, `==`, `!=`, `>`, `<` (empty when none follows).
    fn parse_exact_value(&mut self) -> Step<BTreeSet<String>> {
        if matches!(self.lookahead(Context::Values), Token::End | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        match self.consume(Context::Values) {
            Token::Identifier(value) => Ok(BTreeSet::from([value])),
            other => Err(format!("found '{}', expected: identifier", other.literal())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field selectors (apimachinery `fields.ParseSelector`).

/// A field requirement operator (`==` parses as [`FieldOperator::Equals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOperator {
    Equals,
    NotEquals,
}

/// One `field=value` / `field!=value` term, value unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    field: String,
    operator: FieldOperator,
    value: String,
}

/// A conjunction of field terms in canonical (sorted) order. Empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldRequirement {
    /// The field path as written, e.g. `metadata.name` (not trimmed, as in Kubernetes).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The operator.
    pub fn operator(&self) -> FieldOperator {
        self.operator
    }

    /// The unescaped value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the field's value (absent counts as `""`, as in Kubernetes) satisfies the term.
    pub fn matches(&self, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
        let actual = lookup(&self.field).unwrap_or_default();
        (actual == self.value) == (self.operator == FieldOperator::Equals)
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{op}{}", self.field, escape_field_value(&self.value))
    }
}

impl FieldSelector {
    /// Parses `fieldSelector=` text: comma-separated `field=value`, `field==value` or
    /// `field!=value` terms (`\,`, `\=` and `\\` escape those characters in values); empty
    /// terms are skipped and the empty string selects everything. Terms are kept sorted by their
    /// text, as Kubernetes does.
    ///
    /// Fails on a term without an operator (`invalid selector: 'x'; can't understand 'x'`) or a
    /// badly escaped value. Field names are not checked here; see [`FieldSelector::ensure_supported`].
    pub fn parse(selector: &str) -> Result<Self, FieldSelectorError> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let requirements = terms
            .into_iter()
            .filter(|term| !term.is_empty())
            .map(|term| parse_term(selector, term))
            .collect::<Result<_, _>>()?;
        Ok(FieldSelector { requirements })
    }

    /// The terms, in canonical order.
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// True when the selector has no terms, i.e. matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether every term matches, reading fields through `lookup` (`None` = absent = `""`).
    pub fn matches(&self, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
        self.requirements.iter().all(|r| r.matches(lookup))
    }

    /// Fails with `field label not supported: <field>` for the first term whose field is not in
    /// `supported`.
    pub fn ensure_supported(&self, supported: &[&str]) -> Result<(), FieldSelectorError> {
        match self.requirements.iter().find(|r| !supported.contains(&r.field.as_str())) {
            Some(r) => Err(FieldSelectorError::UnsupportedField(r.field.clone())),
            None => Ok(()),
        }
    }
}

impl fmt::Display for FieldSelector {
    /// The canonical form: terms joined by `,`, values escaped (empty for everything).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        comma_separated(f, &self.requirements)
    }
}

/// Splits on commas not escaped by a backslash.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let (mut start, mut escaped) = (0, false);
    for (i, c) in selector.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                terms.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at its first operator (`!=`, `==` or `=`, tried in that order at each place).
fn parse_term(selector: &str, term: &str) -> Result<FieldRequirement, FieldSelectorError> {
    const OPERATORS: [(&str, FieldOperator); 3] =
        [("!=", FieldOperator::NotEquals), ("==", FieldOperator::Equals), ("=", FieldOperator::Equals)];
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        if let Some((op, operator)) = OPERATORS.iter().find(|(op, _)| rest.starts_with(op)) {
            return Ok(FieldRequirement {
                field: term[..i].to_string(),
                operator: *operator,
                value: unescape_field_value(&rest[op.len()..])?,
            });
        }
    }
    Err(FieldSelectorError::Term { selector: selector.to_string(), term: term.to_string() })
}

/// apimachinery `fields.UnescapeValue`.
fn unescape_field_value(value: &str) -> Result<String, FieldSelectorError> {
    let mut out = String::with_capacity(value.len());
    let mut escaped = false;
    for c in value.chars() {
        match (escaped, c) {
            (true, '\\' | ',' | '=') => {
                out.push(c);
                escaped = false;
            }
            (true, other) => return Err(FieldSelectorError::InvalidEscape(format!("\\{other}"))),
            (false, '\\') => escaped = true,
            (false, ',' | '=') => return Err(FieldSelectorError::UnescapedCharacter(c)),
            (false, other) => out.push(other),
        }
    }
    if escaped {
        return Err(FieldSelectorError::InvalidEscape("\\".to_string()));
    }
    Ok(out)
}

/// apimachinery `fields.EscapeValue`.
fn escape_field_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `a,b,c`: how both kinds of selector print their requirements.
fn comma_separated<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// A `field.Invalid` message: `<field>: Invalid value: <value>: <detail>`.
fn invalid(field: &str, value: impl Into<BadValue>, detail: &str) -> String {
    FieldError::invalid(&FieldPath::new(field), value, detail).to_string()
}

/// apimachinery's aggregate error text: one message as is, several deduplicated in `[a, b]`.
fn aggregate(errors: Vec<String>) -> Option<String> {
    let mut unique: Vec<String> = Vec::with_capacity(errors.len());
    for error in errors {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    match unique.as_slice() {
        [] => None,
        [only] => Some(only.clone()),
        _ => Some(format!("[{}]", unique.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn parsed(text: &str) -> LabelSelector {
        match LabelSelector::parse(text) {
            Ok(selector) => selector,
            Err(e) => panic!("{text:?} failed: {e}"),
        }
    }

    fn parse_error(text: &str) -> String {
        match LabelSelector::parse(text) {
            Ok(selector) => panic!("{text:?} parsed as {selector}"),
            Err(e) => e.to_string(),
        }
    }

    fn fields(text: &str) -> FieldSelector {
        match FieldSelector::parse(text) {
            Ok(selector) => selector,
            Err(e) => panic!("{text:?} failed: {e}"),
        }
    }

    #[test]
    fn parses_every_operator_into_canonical_form() {
        let cases = [
            ("app=web", "app=web"),
            ("app==web", "app==web"),
            ("app!=web", "app!=web"),
            ("app", "app"),
            ("!app", "!app"),
            ("tier in (b,a)", "tier in (a,b)"),
            ("tier notin (a)", "tier notin (a)"),
            ("n>1", "n>1"),
            ("n<10", "n<10"),
            ("app=", "app="),
            ("  tier  in(a , b ) ,  app = web ", "app=web,tier in (a,b)"),
            ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
            ("in in (in,notin)", "in in (in,notin)"),
            ("example.com/app=web,a.b_c-d=1.0", "a.b_c-d=1.0,example.com/app=web"),
            ("t in (a,a,b)", "t in (a,b)"),
            ("t in (,)", "t in ()"),
        ];
        for (input, canonical) in cases {
            assert_eq!(parsed(input).to_string(), canonical, "input {input:?}");
        }
    }

    #[test]
    fn empty_selector_matches_everything() {
        for text in ["", "   "] {
            let selector = parsed(text);
            assert!(selector.is_empty());
            assert_eq!(selector.to_string(), "");
            assert!(selector.matches(&labels(&[])));
            assert!(selector.matches(&labels(&[("a", "b")])));
        }
    }

    #[test]
    fn matching() {
        let web = labels(&[("app", "web"), ("tier", "fe"), ("n", "5")]);
        let bare = labels(&[]);
        let cases = [
            ("app=web", true, false),
            ("app==web", true, false),
            ("app=db", false, false),
            ("app!=db", true, true),
            ("app!=web", false, true),
            ("app", true, false),
            ("!app", false, true),
            ("tier in (fe,be)", true, false),
            ("tier notin (fe)", false, true),
            ("tier notin (be)", true, true),
            ("n>4", true, false),
            ("n>5", false, false),
            ("n<6", true, false),
            ("app>1", false, false),
            ("app=web,tier=fe", true, false),
            ("app=web,tier=be", false, false),
            ("missing=", false, false),
        ];
        for (text, on_web, on_bare) in cases {
            let selector = parsed(text);
            assert_eq!(selector.matches(&web), on_web, "{text} on web");
            assert_eq!(selector.matches(&bare), on_bare, "{text} on no labels");
        }
        assert!(parsed("a=").matches(&labels(&[("a", "")])));
    }

    #[test]
    fn requirement_accessors() {
        let selector = parsed("tier in (b,a),!x");
        let [first, second] = selector.requirements() else {
            panic!("expected two requirements");
        };
        assert_eq!(first.key(), "tier");
        assert_eq!(first.operator(), Operator::In);
        assert_eq!(first.values(), ["a", "b"]);
        assert_eq!(second.key(), "x");
        assert_eq!(second.operator(), Operator::DoesNotExist);
        assert!(second.values().is_empty());
    }

    #[test]
    fn syntax_errors_use_kubernetes_messages() {
        let ops = "in, notin, =, ==, !=, gt, lt";
        let cases = [
            ("a b", format!("unable to parse requirement: found 'b', expected: {ops}")),
            ("a=b,", "found '', expected: identifier after ','".to_string()),
            (",a", "found ',', expected: !, identifier, or 'end of string'".to_string()),
            ("a=b c", "found 'c', expected: ',' or 'end of string'".to_string()),
            ("!a=b", "found '=', expected: ',' or 'end of string'".to_string()),
            ("a in b", "unable to parse requirement: found 'b' expected: '('".to_string()),
            ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'".to_string()),
            ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'".to_string()),
            ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier".to_string()),
            ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier".to_string()),
            ("a=(b)", "unable to parse requirement: found '(', expected: identifier".to_string()),
            ("!", "unable to parse requirement: found '', expected: identifier".to_string()),
            ("a in", "unable to parse requirement: found '' expected: '('".to_string()),
        ];
        for (text, message) in cases {
            assert_eq!(parse_error(text), message, "input {text:?}");
        }
    }

    #[test]
    fn validation_errors_use_kubernetes_messages() {
        assert_eq!(
            parse_error("a$b=c"),
            "unable to parse requirement: <nil>: Invalid value: \"a$b\": name part must consist \
             of alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for \
             validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        );
        assert_eq!(
            parse_error("app=b@d"),
            "unable to parse requirement: values[0][app]: Invalid value: \"b@d\": a valid label \
             must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and \
             must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  \
             or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert_eq!(
            parse_error("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' \
             operators, the value must be an integer"
        );
        let long = "a".repeat(64);
        assert_eq!(
            parse_error(&format!("{long}=1")),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be \
                 no more than 63 characters"
            )
        );
        assert!(parse_error("Bad_Prefix/a=1").contains("prefix part a lowercase RFC 1123 subdomain"));
        assert!(parse_error("/a=1").contains("prefix part must be non-empty"));
        assert!(parse_error("a/b/c=1").contains("a qualified name must consist"));
        assert!(parse_error("a/=1").contains("name part must be non-empty"));
        let two = parse_error("t in (b@d,x@y)");
        assert!(two.starts_with("unable to parse requirement: [values[0][t]: Invalid value: \"b@d\""));
        assert!(two.contains(", values[1][t]: Invalid value: \"x@y\""));
    }

    #[test]
    fn structured_selectors() {
        let match_labels = labels(&[("app", "web")]);
        let selector = LabelSelector::from_parts(&match_labels, &[]);
        assert_eq!(selector.map(|s| s.to_string()), Ok("app=web".to_string()));

        let values = vec!["b".to_string(), "a".to_string()];
        let expressions = [
            Expression { key: "tier", operator: "In", values: &values },
            Expression { key: "env", operator: "NotIn", values: &values },
            Expression { key: "gpu", operator: "Exists", values: &[] },
            Expression { key: "old", operator: "DoesNotExist", values: &[] },
        ];
        let selector = match LabelSelector::from_parts(&match_labels, &expressions) {
            Ok(selector) => selector,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(selector.to_string(), "app=web,env notin (a,b),gpu,!old,tier in (a,b)");
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "a"), ("gpu", "1")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "a")])));
        assert_eq!(parsed(&selector.to_string()), selector);

        let empty = LabelSelector::from_parts(&BTreeMap::new(), &[]);
        assert_eq!(empty.as_ref().map(LabelSelector::is_empty), Ok(true));
    }

    #[test]
    fn structured_selector_errors() {
        let none = BTreeMap::new();
        let one = vec!["a".to_string()];
        let build = |key, operator, values| {
            LabelSelector::from_parts(&none, &[Expression { key, operator, values }]).map_err(|e| e.to_string())
        };
        assert_eq!(build("a", "Equals", &one), Err("\"Equals\" is not a valid label selector operator".to_string()));
        assert_eq!(
            build("a", "In", &[]),
            Err("values: Invalid value: []string(nil): for 'in', 'notin' operators, values set \
                 can't be empty"
                .to_string())
        );
        assert_eq!(
            build("a", "Exists", &one),
            Err("values: Invalid value: []string{\"a\"}: values set must be empty for exists and \
                 does not exist"
                .to_string())
        );
        let bad_key = build("-a", "Exists", &[]);
        assert!(matches!(bad_key, Err(ref m) if m.starts_with("key: Invalid value: \"-a\": name part")));
        let bad_label = LabelSelector::from_parts(&labels(&[("app", "a b")]), &[]);
        assert!(matches!(
            bad_label,
            Err(LabelSelectorError::Invalid(ref m)) if m.starts_with("values[0][app]: Invalid value: \"a b\"")
        ));
    }

    #[test]
    fn field_selectors_parse_and_print_canonically() {
        let selector = fields("status.phase!=Running,metadata.name==x,metadata.namespace=y");
        assert_eq!(selector.to_string(), "metadata.name=x,metadata.namespace=y,status.phase!=Running");
        let [name, namespace, phase] = selector.requirements() else {
            panic!("expected three terms");
        };
        assert_eq!((name.field(), name.operator(), name.value()), ("metadata.name", FieldOperator::Equals, "x"));
        assert_eq!(namespace.value(), "y");
        assert_eq!(phase.operator(), FieldOperator::NotEquals);
        assert_eq!(fields("involvedObject.kind=Deployment").to_string(), "involvedObject.kind=Deployment");
        assert!(fields("").is_empty());
        assert!(fields(",").is_empty());
        assert_eq!(fields("a=,b=c").to_string(), "a=,b=c");
    }

    #[test]
    fn field_selector_escapes() {
        let selector = fields(r"metadata.name=a\,b\=c\\d");
        assert_eq!(selector.requirements()[0].value(), r"a,b=c\d");
        assert_eq!(selector.to_string(), r"metadata.name=a\,b\=c\\d");
    }

    #[test]
    fn field_selector_errors() {
        let err = |text: &str| match FieldSelector::parse(text) {
            Ok(s) => panic!("{text:?} parsed as {s}"),
            Err(e) => e.to_string(),
        };
        assert_eq!(err("foo"), "invalid selector: 'foo'; can't understand 'foo'");
        assert_eq!(err("a=b,foo"), "invalid selector: 'a=b,foo'; can't understand 'foo'");
        assert_eq!(err("a=b=c"), "invalid field selector: unescaped character in value: 61");
        assert_eq!(err(r"a=b\x"), r"invalid field selector: invalid escape sequence: \x");
        assert_eq!(err(r"a=b\"), r"invalid field selector: invalid escape sequence: \");
    }

    #[test]
    fn field_selector_matching() {
        let lookup = |field: &str| match field {
            "metadata.name" => Some("web".to_string()),
            "status.phase" => Some("Running".to_string()),
            _ => None,
        };
        let cases = [
            ("metadata.name=web", true),
            ("metadata.name=db", false),
            ("metadata.name!=db", true),
            ("status.phase!=Running", false),
            ("metadata.name=web,status.phase=Running", true),
            ("metadata.name=web,status.phase=Pending", false),
            ("spec.nodeName=", true),
            ("spec.nodeName!=", false),
            ("", true),
        ];
        for (text, expected) in cases {
            assert_eq!(fields(text).matches(&lookup), expected, "{text}");
        }
    }

    #[test]
    fn unsupported_fields_are_reported() {
        let selector = fields("metadata.name=x,spec.foo=y");
        assert_eq!(selector.ensure_supported(&["metadata.name", "spec.foo"]), Ok(()));
        let err = selector.ensure_supported(&["metadata.name"]);
        assert_eq!(err, Err(FieldSelectorError::UnsupportedField("spec.foo".to_string())));
        assert_eq!(err.map_err(|e| e.to_string()), Err("field label not supported: spec.foo".to_string()));
    }
}
