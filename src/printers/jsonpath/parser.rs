//! Parsing kubectl's JSONPath template dialect (client-go `util/jsonpath/parser.go`): text
//! outside `{…}` is printed as is; inside an action come fields, indexes and slices, unions,
//! filters, wildcards, recursive descent, quoted text, numbers, booleans and `range`/`end`.

use super::JsonPathError;

/// One step of an action, applied to the values the previous step produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal text: outside actions, or quoted inside one.
    Text(String),
    /// `.name`: a map key.
    Field(String),
    /// `[start:end:step]`.
    Array([Param; 3]),
    /// `[?(left op right)]`; `op` is `exists` when there is no comparison.
    Filter {
        left: Vec<Node>,
        op: String,
        right: Vec<Node>,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `*`: every element or value.
    Wildcard,
    /// `..`: the value and everything beneath it.
    Recursive,
    /// `[a,b]`: the results of each alternative, in order.
    Union(Vec<Vec<Node>>),
    /// `range`, `end`, or a word kubectl does not know.
    Identifier(String),
}

/// One bound of a slice: `known` is false when omitted; `derived` marks the end of `[i]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Param {
    pub value: i64,
    pub known: bool,
    pub derived: bool,
}

/// The template as written: text and actions, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Text(String),
    Action(Vec<Node>),
}

fn err(message: impl Into<String>) -> JsonPathError {
    JsonPathError::Parse(message.into())
}

/// Splits `text` into literal text and parsed actions.
pub fn parse(text: &str) -> Result<Vec<Segment>, JsonPathError> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            segments.push(Segment::Text(rest[..open].to_string()));
        }
        let mut p = Parser { input: &rest[open + 1..], pos: 0 };
        segments.push(Segment::Action(p.action()?));
        rest = &p.input[p.pos..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Text(rest.to_string()));
    }
    Ok(segments)
}

/// Parses the inside of one action given without its braces.
fn action_of(text: &str) -> Result<Vec<Node>, JsonPathError> {
    let wrapped = format!("{text}}}");
    let mut p = Parser { input: &wrapped, pos: 0 };
    p.action()
}

struct Parser<'a> {
    input: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Nodes up to and including the closing `}`.
    fn action(&mut self) -> Result<Vec<Node>, JsonPathError> {
        let mut nodes = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                return Ok(nodes);
            }
            if rest.starts_with("[?(") {
                self.pos += 3;
                nodes.push(self.filter()?);
                continue;
            }
            if rest.starts_with("..") {
                if nodes.last() == Some(&Node::Recursive) {
                    return Err(err("invalid multiple recursive descent"));
                }
                self.pos += 2;
                nodes.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    nodes.push(self.field());
                }
                continue;
            }
            match self.peek() {
                None | Some('\r' | '\n') => return Err(err("unclosed action")),
                Some(' ' | '@' | '$') => {
                    self.bump();
                }
                Some('[') => nodes.extend(self.array()?),
                Some(q @ ('"' | '\'')) => nodes.push(self.quoted(q)?),
                Some('.') => {
                    self.bump();
                    nodes.push(self.field());
                }
                Some(c) if c == '+' || c == '-' || c.is_ascii_digit() => nodes.push(self.number()?),
                Some(c) if is_alphanumeric(c) => nodes.push(self.identifier()),
                Some(c) => return Err(err(format!("unrecognized character in action: U+{:04X} '{c}'", c as u32))),
            }
        }
    }

    /// A field name up to the next unescaped terminator; `\` escapes (e.g. `kubernetes\.io`).
    fn field(&mut self) -> Node {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                if let Some(escaped) = self.bump() {
                    name.push(escaped);
                }
                continue;
            }
            if is_terminator(c) {
                break;
            }
            name.push(c);
            self.bump();
        }
        if name == "*" { Node::Wildcard } else { Node::Field(name) }
    }

    fn identifier(&mut self) -> Node {
        let start = self.pos;
        while self.peek().is_some_and(|c| !is_terminator(c)) {
            self.bump();
        }
        match &self.input[start..self.pos] {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            word => Node::Identifier(word.to_string()),
        }
    }

    fn number(&mut self) -> Result<Node, JsonPathError> {
        let start = self.pos;
        if matches!(self.peek(), Some('+' | '-')) {
            self.bump();
        }
        while self.peek().is_some_and(|c| c == '.' || c.is_ascii_digit()) {
            self.bump();
        }
        let text = &self.input[start..self.pos];
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Node::Int(i));
        }
        text.parse::<f64>().map(Node::Float).map_err(|_| err(format!("cannot parse number {text}")))
    }

    fn quoted(&mut self, quote: char) -> Result<Node, JsonPathError> {
        let start = self.pos;
        self.bump();
        loop {
            match self.bump() {
                None | Some('\n') => return Err(err("unterminated quoted string")),
                Some('\\') => {
                    self.bump();
                }
                Some(c) if c == quote => break,
                Some(_) => {}
            }
        }
        let raw = &self.input[start..self.pos];
        unquote(raw).map(Node::Text).map_err(|e| err(format!("unquote string {raw} error {e}")))
    }

    /// `[...]`: a union, a quoted key (`['a.b']` reads as `.a.b`), or an index or slice.
    fn array(&mut self) -> Result<Vec<Node>, JsonPathError> {
        self.bump();
        let start = self.pos;
        loop {
            match self.bump() {
                None | Some('\n') => return Err(err("unterminated array")),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let mut text = &self.input[start..self.pos - 1];
        if text == "*" {
            text = ":";
        }
        if text.contains(',') {
            let alternatives = text.split(',').map(|part| action_of(&format!("[{}]", part.trim())));
            return Ok(vec![Node::Union(alternatives.collect::<Result<_, _>>()?)]);
        }
        if let Some(key) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')).filter(|k| !k.contains('\'')) {
            return action_of(&format!(".{key}"));
        }
        Ok(vec![Node::Array(slice(text)?)])
    }

    /// `[?(…)]`: everything up to the `)` outside quotes, then `]`.
    fn filter(&mut self) -> Result<Node, JsonPathError> {
        let start = self.pos;
        let mut quote: Option<char> = None;
        loop {
            match self.bump() {
                None | Some('\n') => return Err(err("unterminated filter")),
                Some('\\') if quote.is_some() => {
                    self.bump();
                }
                Some(c @ ('"' | '\'')) => match quote {
                    None => quote = Some(c),
                    Some(q) if q == c => quote = None,
                    Some(_) => {}
                },
                Some(')') if quote.is_none() => break,
                Some(_) => {}
            }
        }
        let text = &self.input[start..self.pos - 1];
        if self.bump() != Some(']') {
            return Err(err("unclosed array expect ]"));
        }
        match split_comparison(text) {
            None => Ok(Node::Filter { left: action_of(text)?, op: "exists".into(), right: Vec::new() }),
            Some((left, op, right)) => {
                Ok(Node::Filter { left: action_of(left)?, op: op.to_string(), right: action_of(right)? })
            }
        }
    }
}

/// `left op right` as the regexp `^([^!<>=]+)([!<>=]+)(.+?)$` splits it.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let op_start = text.find(['!', '<', '>', '='])?;
    let op_len = text[op_start..].find(|c| !matches!(c, '!' | '<' | '>' | '=')).unwrap_or(text.len() - op_start);
    let (left, rest) = text.split_at(op_start);
    let (op, right) = rest.split_at(op_len);
    (!left.is_empty() && !right.is_empty()).then_some((left, op, right))
}

/// `start:end:step` as kubectl's slice regexp reads it.
fn slice(text: &str) -> Result<[Param; 3], JsonPathError> {
    let parts: Vec<&str> = text.split(':').collect();
    let valid = |p: &str| {
        let digits = p.strip_prefix('-').unwrap_or(p);
        digits.chars().all(|c| c.is_ascii_digit())
    };
    if parts.len() > 3 || !parts.iter().all(|p| valid(p)) {
        return Err(err(format!("invalid array index {text}")));
    }
    let number = |p: &str| p.parse::<i64>().map_err(|_| err(format!("array index {p} is not a number")));
    let mut params = [Param::default(); 3];
    for (i, part) in parts.iter().enumerate() {
        if !part.is_empty() {
            params[i] = Param { value: number(part)?, known: true, derived: false };
        }
    }
    if parts.len() == 1 {
        params[1] = Param { value: params[0].value + 1, known: true, derived: true };
    }
    Ok(params)
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn is_terminator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

/// Go's `strconv.Unquote`, also for single-quoted strings of any length.
fn unquote(raw: &str) -> Result<String, &'static str> {
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = chars.next().ok_or("invalid syntax")?;
        let code = |chars: &mut std::str::Chars, n: usize, radix: u32| -> Result<char, &'static str> {
            let digits: String = chars.by_ref().take(n).collect();
            u32::from_str_radix(&digits, radix).ok().and_then(char::from_u32).ok_or("invalid syntax")
        };
        out.push(match escaped {
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{b}',
            '\\' | '\'' | '"' => escaped,
            'x' => code(&mut chars, 2, 16)?,
            'u' => code(&mut chars, 4, 16)?,
            'U' => code(&mut chars, 8, 16)?,
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                u32::from_str_radix(&format!("{escaped}{rest}"), 8)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or("invalid syntax")?
            }
            _ => return Err("invalid syntax"),
        });
    }
    Ok(out)
}
