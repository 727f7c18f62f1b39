//! kubectl's JSONPath templates (`-o jsonpath=…`, custom columns, `--sort-by`): a port of
//! client-go's `util/jsonpath` with missing keys allowed, as kubectl runs it. No crate speaks
//! this dialect (`range`/`end`, literal text, Go's printing of values); the RFC 9535 crates
//! do not. Pure: text and JSON in, text out.

mod eval;
mod parser;

use super::go_format;
use eval::{Values, eval_list};
use parser::{Node, Segment};
use serde_json::Value;
use std::borrow::Cow;

/// Why a template could not be parsed or run; the messages are client-go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPathError {
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Execute(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Text(String),
    Action(Vec<Node>),
    /// `{range …}…{end}`: the body once per result.
    Range {
        over: Vec<Node>,
        body: Vec<Block>,
    },
}

/// Whether the rest of a sequence still runs.
enum Flow {
    Continue,
    /// kubectl's quirk: a range over nothing ends the enclosing sequence, `{end}` included.
    Stop,
}

impl Template {
    /// Parses `text`; fails on malformed actions, a stray `{end}` or an unknown identifier.
    pub fn parse(text: &str) -> Result<Template, JsonPathError> {
        let mut segments = parser::parse(text)?.into_iter();
        let blocks = nest(&mut segments, false)?;
        Ok(Template { blocks })
    }

    /// The template as text for `data`, as kubectl's `JSONPathPrinter` writes it.
    pub fn execute(&self, data: &Value) -> Result<String, JsonPathError> {
        let mut out = String::new();
        let mut write = |results: Values| {
            let texts: Vec<String> = results.iter().map(|v| text(v)).collect();
            out.push_str(&texts.join(" "));
        };
        run(&self.blocks, Cow::Borrowed(data), &mut write)?;
        Ok(out)
    }

    /// Every result of every action, in order (what custom columns and sorting read).
    pub fn results(&self, data: &Value) -> Result<Vec<Value>, JsonPathError> {
        let mut out = Vec::new();
        run(&self.blocks, Cow::Borrowed(data), &mut |results: Values| {
            out.extend(results.into_iter().map(Cow::into_owned))
        })?;
        Ok(out)
    }
}

/// Groups `{range}`…`{end}` into blocks; an unclosed range runs to the end of the template.
fn nest(segments: &mut impl Iterator<Item = Segment>, in_range: bool) -> Result<Vec<Block>, JsonPathError> {
    let mut blocks = Vec::new();
    while let Some(segment) = segments.next() {
        let nodes = match segment {
            Segment::Text(text) => {
                blocks.push(Block::Text(text));
                continue;
            }
            Segment::Action(nodes) => nodes,
        };
        match nodes.first() {
            Some(Node::Identifier(word)) if word == "range" => {
                let body = nest(segments, true)?;
                blocks.push(Block::Range { over: nodes[1..].to_vec(), body });
            }
            Some(Node::Identifier(word)) if word == "end" => {
                return if in_range {
                    Ok(blocks)
                } else {
                    Err(JsonPathError::Parse("not in range, nothing to end".into()))
                };
            }
            _ => {
                if let Some(Node::Identifier(word)) = nodes.iter().find(|n| matches!(n, Node::Identifier(_))) {
                    return Err(JsonPathError::Parse(format!("unrecognized identifier {word}")));
                }
                blocks.push(Block::Action(nodes));
            }
        }
    }
    Ok(blocks)
}

fn run<'a>(blocks: &[Block], cur: Cow<'a, Value>, write: &mut dyn FnMut(Values)) -> Result<Flow, JsonPathError> {
    for block in blocks {
        match block {
            Block::Text(text) => write(vec![Cow::Owned(Value::String(text.clone()))]),
            Block::Action(nodes) => write(eval_list(nodes, vec![cur.clone()])?),
            Block::Range { over, body } => {
                let items = eval_list(over, vec![cur.clone()])?;
                if items.is_empty() {
                    return Ok(Flow::Stop);
                }
                for item in items {
                    run(body, item, write)?;
                }
            }
        }
    }
    Ok(Flow::Continue)
}

/// One result as kubectl prints it: maps and lists as JSON, scalars as Go prints them.
fn text(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => go_format::json(value),
        other => go_format::sprint(other),
    }
}

#[cfg(test)]
mod tests;
