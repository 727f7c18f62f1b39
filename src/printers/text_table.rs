//! Client-side text output of `kubectl get`: a port of Go's `text/tabwriter` (with the
//! `RememberWidths` flag of the `liggitt/tabwriter` fork kubectl uses) and the rendering of a
//! server-side Table into padded columns, as cli-runtime's `HumanReadablePrinter` does it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::table::format_labels;

/// One tab- or line-terminated cell: its length in bytes and its width in characters.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    size: usize,
    width: usize,
}

/// Go's `text/tabwriter.Writer` with a space pad character and no flags other than
/// `RememberWidths`.
///
/// Text is made of cells terminated by `'\t'` (or `'\v'`) and lines ended by `'\n'` (or `'\f'`,
/// which also flushes). Tab-terminated cells in consecutive lines form a column whose width is
/// the widest cell plus `padding` (at least `minwidth`); the text after the last tab of a line is
/// not part of any column and is never padded. Widths are counted in Unicode scalar values.
/// Go's `tabwidth` parameter is not taken: it only matters when padding with tabs, which kubectl
/// never does.
#[derive(Debug, Clone)]
pub struct TabWriter {
    minwidth: usize,
    padding: usize,
    remember_widths: bool,
    buf: String,
    cell: Cell,
    lines: Vec<Vec<Cell>>,
    widths: Vec<usize>,
    max_widths: Vec<usize>,
    out: String,
}

impl TabWriter {
    /// A writer like `tabwriter.NewWriter(out, minwidth, _, padding, ' ', 0)`.
    pub fn new(minwidth: usize, padding: usize) -> Self {
        TabWriter {
            minwidth,
            padding,
            remember_widths: false,
            buf: String::new(),
            cell: Cell::default(),
            lines: vec![Vec::new()],
            widths: Vec::new(),
            max_widths: Vec::new(),
            out: String::new(),
        }
    }

    /// The writer of kubectl's table printer: `GetNewTabWriter` in cli-runtime, i.e.
    /// minwidth 6, tabwidth 4, padding 3, pad `' '`, flag `RememberWidths`.
    pub fn kubectl_get() -> Self {
        TabWriter { remember_widths: true, ..TabWriter::new(6, 3) }
    }

    /// The writer of `kubectl describe` and `rollout history` (`tabbedString`): minwidth 0,
    /// tabwidth 8, padding 2, pad `' '`, no flags.
    pub fn kubectl_describe() -> Self {
        TabWriter::new(0, 2)
    }

    /// Buffers `text`; complete blocks may be formatted right away, as Go does.
    pub fn write(&mut self, text: &str) {
        let mut start = 0;
        for (i, ch) in text.char_indices() {
            if !matches!(ch, '\t' | '\u{b}' | '\n' | '\u{c}') {
                continue;
            }
            self.append(&text[start..i]);
            start = i + 1;
            let cells = self.terminate_cell();
            if ch == '\n' || ch == '\u{c}' {
                self.lines.push(Vec::new());
                if ch == '\u{c}' || cells == 1 {
                    self.flush_buffered();
                }
            }
        }
        self.append(&text[start..]);
    }

    /// Formats everything buffered and returns all output produced since the last `flush`.
    pub fn flush(&mut self) -> String {
        self.flush_buffered();
        std::mem::take(&mut self.out)
    }

    fn append(&mut self, text: &str) {
        self.buf.push_str(text);
        self.cell.size += text.len();
        self.cell.width += text.chars().count();
    }

    fn terminate_cell(&mut self) -> usize {
        let line = self.lines.last_mut().expect("lines always holds the current line");
        line.push(std::mem::take(&mut self.cell));
        line.len()
    }

    fn flush_buffered(&mut self) {
        if self.cell.size > 0 {
            self.terminate_cell();
        }
        let line_count = self.lines.len();
        self.format(0, 0, line_count);
        self.buf.clear();
        self.lines = vec![Vec::new()];
        self.widths.clear();
    }

    /// Go's `format`: lays out columns left to right, recursing into each column block.
    fn format(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        let mut line0 = line0;
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.lines[this].len() {
                this += 1;
                continue;
            }
            pos = self.write_lines(pos, line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < line1 && column + 1 < self.lines[this].len() {
                width = width.max(self.lines[this][column].width + self.padding);
                this += 1;
            }
            width = self.remembered(width);
            self.widths.push(width);
            pos = self.format(pos, line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(pos, line0, line1)
    }

    /// Applies `RememberWidths`: a column never gets narrower than it was in an earlier flush.
    fn remembered(&mut self, width: usize) -> usize {
        if !self.remember_widths {
            return width;
        }
        let column = self.widths.len();
        if self.max_widths.len() < column {
            let missing = self.widths[self.max_widths.len()..].to_vec();
            self.max_widths.extend(missing);
        }
        match self.max_widths.get_mut(column) {
            None => {
                self.max_widths.push(width);
                width
            }
            Some(max) => {
                *max = (*max).max(width);
                *max
            }
        }
    }

    fn write_lines(&mut self, pos0: usize, line0: usize, line1: usize) -> usize {
        let mut pos = pos0;
        for i in line0..line1 {
            for (j, c) in self.lines[i].iter().enumerate() {
                self.out.push_str(&self.buf[pos..pos + c.size]);
                pos += c.size;
                if let Some(w) = self.widths.get(j) {
                    self.out.extend(std::iter::repeat_n(' ', w.saturating_sub(c.width)));
                }
            }
            if i + 1 == self.lines.len() {
                self.out.push_str(&self.buf[pos..pos + self.cell.size]);
                pos += self.cell.size;
            } else {
                self.out.push('\n');
            }
        }
        pos
    }
}

/// Runs `text` through a fresh [`TabWriter::kubectl_describe`] writer (Go's `tabbedString`).
pub fn tabbed(text: &str) -> String {
    let mut writer = TabWriter::kubectl_describe();
    writer.write(text);
    writer.flush()
}

/// The `kubectl get` flags that shape the text table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// `-o wide`: also show priority > 0 columns.
    pub wide: bool,
    /// `--no-headers`.
    pub no_headers: bool,
    /// `-A`: a leading NAMESPACE column (and the namespace-less "No resources found").
    pub with_namespace: bool,
    /// `--show-labels`: a trailing LABELS column.
    pub show_labels: bool,
    /// `-L key,...`: one column per label key, headed by the key's last `/` segment, uppercased.
    pub label_columns: Vec<String>,
    /// Lowercase `kind.group` (e.g. `deployment.apps`) prefixed to NAME cells, as when several
    /// resource types are requested at once.
    pub kind_prefix: Option<String>,
}

/// What `kubectl get` prints for one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The padded table (empty when there are no rows).
    pub stdout: String,
    /// `No resources found in <ns> namespace.` (or `No resources found` with `-A`) plus a
    /// newline when there were no rows, else empty.
    pub stderr: String,
}

/// Renders one Table (as received from the server) the way `kubectl get -n <namespace>` does.
pub fn render_table(table: &Value, options: &TableOptions, namespace: &str) -> Rendered {
    let stdout = TablePrinter::new(options.clone()).print(table);
    let has_rows = table["rows"].as_array().is_some_and(|r| !r.is_empty());
    let stderr = match (has_rows, options.with_namespace) {
        (true, _) => String::new(),
        (false, true) => "No resources found\n".to_string(),
        (false, false) => format!("No resources found in {namespace} namespace.\n"),
    };
    Rendered { stdout, stderr }
}

/// A printer for successive Tables, e.g. the initial list and the watch events of `kubectl get
/// -w`: headers are printed once per column set, an event table without column definitions
/// reuses the previous ones, and column widths never shrink between prints.
#[derive(Debug, Clone)]
pub struct TablePrinter {
    options: TableOptions,
    writer: TabWriter,
    last_columns: Vec<Value>,
    printed_headers: bool,
}

/// A column as the client sees it after decoration.
struct ShownColumn {
    header: String,
    priority: i64,
    is_name: bool,
}

impl TablePrinter {
    /// A printer with the given flags and a fresh [`TabWriter::kubectl_get`] writer.
    pub fn new(options: TableOptions) -> Self {
        TablePrinter { options, writer: TabWriter::kubectl_get(), last_columns: Vec::new(), printed_headers: false }
    }

    /// Prints `table` and flushes, returning the text to write to stdout.
    pub fn print(&mut self, table: &Value) -> String {
        let mut columns: Vec<Value> = table["columnDefinitions"].as_array().cloned().unwrap_or_default();
        let rows: &[Value] = table["rows"].as_array().map_or(&[], Vec::as_slice);
        let mut no_headers = self.options.no_headers;
        if self.printed_headers && (columns.is_empty() || columns == self.last_columns) {
            no_headers = true;
        }
        if columns.is_empty() {
            columns = self.last_columns.clone();
        } else if columns != self.last_columns {
            self.last_columns = columns.clone();
            self.printed_headers = false;
        }
        if !rows.is_empty() {
            self.printed_headers = true;
        }
        let text = self.layout(&columns, rows, no_headers);
        self.writer.write(&text);
        self.writer.flush()
    }

    /// The tab-separated text of the table, before padding.
    fn layout(&self, columns: &[Value], rows: &[Value], no_headers: bool) -> String {
        let shown = self.decorated_columns(columns);
        let visible = |i: usize| self.options.wide || shown.get(i).is_some_and(|c| c.priority == 0);
        let mut text = String::new();
        if !no_headers && !rows.is_empty() {
            let headers: Vec<&str> =
                shown.iter().enumerate().filter(|(i, _)| visible(*i)).map(|(_, c)| c.header.as_str()).collect();
            text.push_str(&headers.join("\t"));
            text.push('\n');
        }
        for row in rows {
            let cells = self.decorated_cells(&shown, row);
            let printed: Vec<String> = cells
                .iter()
                .take(shown.len())
                .enumerate()
                .filter(|(i, _)| visible(*i))
                .map(|(_, cell)| sanitize(&cell_text(cell)))
                .collect();
            text.push_str(&printed.join("\t"));
            text.push('\n');
        }
        text
    }

    /// Server columns plus NAMESPACE in front and the label columns at the end.
    fn decorated_columns(&self, columns: &[Value]) -> Vec<ShownColumn> {
        let extra = |header: String| ShownColumn { header, priority: 0, is_name: false };
        let mut shown = Vec::new();
        if self.options.with_namespace {
            shown.push(extra("NAMESPACE".to_string()));
        }
        shown.extend(columns.iter().map(|c| ShownColumn {
            header: c["name"].as_str().unwrap_or("").to_uppercase(),
            priority: c["priority"].as_i64().unwrap_or(0),
            is_name: c["format"] == "name" && c["type"] == "string",
        }));
        for key in &self.options.label_columns {
            shown.push(extra(key.rsplit('/').next().unwrap_or("").to_uppercase()));
        }
        if self.options.show_labels {
            shown.push(extra("LABELS".to_string()));
        }
        shown
    }

    /// The row's cells with the namespace, label values and kind prefix added.
    fn decorated_cells(&self, shown: &[ShownColumn], row: &Value) -> Vec<Value> {
        let metadata = row["object"].get("metadata").filter(|m| m.is_object());
        let mut cells = Vec::new();
        if self.options.with_namespace {
            cells.push(metadata.map_or(Value::Null, |m| m["namespace"].clone()));
        }
        cells.extend(row["cells"].as_array().cloned().unwrap_or_default());
        let name_column = shown.iter().position(|c| c.is_name);
        if let Some(prefix) = &self.options.kind_prefix
            && let Some(cell) = name_column.and_then(|i| cells.get_mut(i))
        {
            *cell = Value::from(format!("{prefix}/{}", cell_text(cell)));
        }
        if self.options.label_columns.is_empty() && !self.options.show_labels {
            return cells;
        }
        cells.resize(shown.len() - self.label_column_count(), Value::Null);
        let labels: Option<BTreeMap<String, String>> =
            metadata.and_then(|m| serde_json::from_value(m["labels"].clone()).ok());
        for key in &self.options.label_columns {
            let value = labels.as_ref().and_then(|l| l.get(key)).cloned().unwrap_or_default();
            cells.push(Value::from(metadata.map_or(String::new(), |_| value)));
        }
        if self.options.show_labels {
            cells.push(metadata.map_or(Value::Null, |_| Value::from(format_labels(labels.as_ref()))));
        }
        cells
    }

    fn label_column_count(&self) -> usize {
        self.options.label_columns.len() + usize::from(self.options.show_labels)
    }
}

/// A cell as Go's `fmt.Sprint` prints the decoded JSON value (`null` prints nothing).
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// Cuts a cell at its first line break (appending `...`) and escapes terminal control characters.
fn sanitize(text: &str) -> String {
    match text.find(['\u{c}', '\n', '\r']) {
        Some(i) => format!("{}...", escape_terminal(&text[..i])),
        None => escape_terminal(text),
    }
}

/// cli-runtime's `EscapeTerminal`: ESC becomes `^[` and CR becomes `\r`.
pub fn escape_terminal(text: &str) -> String {
    text.replace('\u{1b}', "^[").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tab(minwidth: usize, padding: usize, text: &str) -> String {
        let mut w = TabWriter::new(minwidth, padding);
        w.write(text);
        w.flush()
    }

    #[test]
    fn tabwriter_aligns_tab_terminated_cells_only() {
        assert_eq!(tab(0, 2, "a\tb\tc\naaa\tbbbb\tc\n"), "a    b     c\naaa  bbbb  c\n");
        assert_eq!(
            tab(0, 1, "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n"),
            "aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n"
        );
        assert_eq!(tab(6, 3, "AGE\tX\n1\tY\n"), "AGE   X\n1     Y\n");
    }

    #[test]
    fn tabwriter_breaks_blocks_at_lines_without_the_column() {
        let text = "Name:\tweb\nPod Template:\n  Labels:\tapp=web\n  Containers:\n    Image:\tnginx\n  Node-Selectors:\t<none>\n";
        let want = "Name:  web\nPod Template:\n  Labels:  app=web\n  Containers:\n    Image:         nginx\n  Node-Selectors:  <none>\n";
        assert_eq!(tab(0, 2, text), want);
    }

    #[test]
    fn tabwriter_pads_empty_cells_and_keeps_unterminated_text() {
        assert_eq!(
            tab(0, 2, "Labels:\ta=1\n\tb=2\nAnnotations:\t<none>\n"),
            "Labels:       a=1\n              b=2\nAnnotations:  <none>\n"
        );
        assert_eq!(tab(0, 2, "Medium:\t\nSizeLimit:\t<unset>\n"), "Medium:     \nSizeLimit:  <unset>\n");
        assert_eq!(tab(0, 2, "no newline\tat end"), "no newline  at end");
        assert_eq!(tab(0, 2, "wide ü\tx\nab\ty\n"), "wide ü  x\nab      y\n");
    }

    #[test]
    fn tabwriter_formfeed_flushes_and_prints_newline() {
        assert_eq!(tab(0, 1, "a\tb\n\u{c}aaaa\tc\n"), "a b\n\naaaa c\n");
    }

    #[test]
    fn remembered_widths_survive_flushes() {
        let mut w = TabWriter::kubectl_get();
        w.write("NAME\tREADY\nweb-1\t1/1\n");
        assert_eq!(w.flush(), "NAME    READY\nweb-1   1/1\n");
        w.write("w\t0/1\n");
        assert_eq!(w.flush(), "w       0/1\n");
        let mut plain = TabWriter::new(6, 3);
        plain.write("NAME\tREADY\nweb-1\t1/1\n");
        plain.flush();
        plain.write("w\t0/1\n");
        assert_eq!(plain.flush(), "w     0/1\n");
    }

    fn deployment_table() -> Value {
        json!({
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "5"},
            "columnDefinitions": [
                {"name": "Name", "type": "string", "format": "name", "description": "", "priority": 0},
                {"name": "Ready", "type": "string", "format": "", "description": "", "priority": 0},
                {"name": "Up-to-date", "type": "string", "format": "", "description": "", "priority": 0},
                {"name": "Available", "type": "string", "format": "", "description": "", "priority": 0},
                {"name": "Age", "type": "string", "format": "", "description": "", "priority": 0},
                {"name": "Containers", "type": "string", "format": "", "description": "", "priority": 1},
                {"name": "Images", "type": "string", "format": "", "description": "", "priority": 1},
                {"name": "Selector", "type": "string", "format": "", "description": "", "priority": 1}
            ],
            "rows": [
                {"cells": ["web", "3/3", 3, 3, "5m", "web", "nginx:1.27", "app=web"],
                 "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                            "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "fe", "app": "web"}}}},
                {"cells": ["api-server", "0/1", 0, 0, "12d", "api", "api:2", "app=api"],
                 "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                            "metadata": {"name": "api-server", "namespace": "prod"}}}
            ]
        })
    }

    #[test]
    fn renders_like_kubectl_get() {
        let out = render_table(&deployment_table(), &TableOptions::default(), "default");
        assert_eq!(
            out.stdout,
            "NAME         READY   UP-TO-DATE   AVAILABLE   AGE\nweb          3/3     3            3           5m\napi-server   0/1     0            0           12d\n"
        );
        assert_eq!(out.stderr, "");
    }

    #[test]
    fn wide_namespace_and_labels() {
        let options = TableOptions { wide: true, with_namespace: true, show_labels: true, ..Default::default() };
        let out = render_table(&deployment_table(), &options, "default");
        assert_eq!(
            out.stdout,
            "NAMESPACE   NAME         READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR   LABELS\n\
             default     web          3/3     3            3           5m    web          nginx:1.27   app=web    app=web,tier=fe\n\
             prod        api-server   0/1     0            0           12d   api          api:2        app=api    <none>\n"
        );
    }

    #[test]
    fn label_columns_kind_prefix_and_no_headers() {
        let options = TableOptions {
            no_headers: true,
            label_columns: vec!["example.com/tier".to_string()],
            kind_prefix: Some("deployment.apps".to_string()),
            ..Default::default()
        };
        let out = render_table(&deployment_table(), &options, "default");
        assert_eq!(
            out.stdout,
            "deployment.apps/web          3/3   3     3     5m    \ndeployment.apps/api-server   0/1   0     0     12d   \n"
        );
        let options = TableOptions { label_columns: vec!["tier".to_string()], ..Default::default() };
        let out = render_table(&deployment_table(), &options, "default");
        assert!(out.stdout.starts_with("NAME         READY   UP-TO-DATE   AVAILABLE   AGE   TIER\n"));
        assert!(out.stdout.contains("5m    fe\n"));
    }

    #[test]
    fn empty_tables_print_nothing_and_report_on_stderr() {
        let mut t = deployment_table();
        t["rows"] = json!([]);
        let out = render_table(&t, &TableOptions::default(), "default");
        assert_eq!(
            out,
            Rendered { stdout: String::new(), stderr: "No resources found in default namespace.\n".into() }
        );
        let options = TableOptions { with_namespace: true, ..Default::default() };
        assert_eq!(render_table(&t, &options, "default").stderr, "No resources found\n");
    }

    #[test]
    fn cells_are_cut_at_line_breaks_and_escaped() {
        let mut t = deployment_table();
        t["rows"] = json!([{"cells": ["a\u{1b}[31m", "x\ny", null, true, 1.5], "object": null}]);
        let out = render_table(&t, &TableOptions::default(), "default");
        let want = format!("{:<10}{:<8}{:<13}{:<12}{}", "a^[[31m", "x...", "", "true", "1.5");
        assert_eq!(out.stdout.lines().nth(1), Some(want.as_str()));
    }

    #[test]
    fn server_table_renders_like_kubectl_get_pods_wide() {
        use super::super::table::{IncludeObject, TableKind, table_for};
        let pod = json!({
            "metadata": {"name": "web-7d9c6c8d4f-x2x9z", "namespace": "default", "creationTimestamp": "2026-11-27T03:20:09Z"},
            "spec": {"nodeName": "skiff", "containers": [{"name": "web"}]},
            "status": {"phase": "Running", "podIPs": [{"ip": "172.17.0.3"}],
                       "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "", "imageID": "",
                                              "state": {"running": {}}}]}
        });
        let now = "2026-11-27T03:21:09Z".parse().unwrap();
        let table = table_for(TableKind::Pod, &[pod], now, IncludeObject::Metadata, "9");
        let options = TableOptions { wide: true, ..Default::default() };
        let want = "NAME                   READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES\n\
                    web-7d9c6c8d4f-x2x9z   1/1     Running   0          60s   172.17.0.3   skiff   <none>           <none>\n";
        assert_eq!(render_table(&table, &options, "default").stdout, want);
    }

    #[test]
    fn malformed_tables_do_not_panic() {
        let options = TableOptions {
            with_namespace: true,
            show_labels: true,
            label_columns: vec!["a".into()],
            ..Default::default()
        };
        for table in [
            json!(null),
            json!({"rows": "x"}),
            json!({"columnDefinitions": [{"name": 1}], "rows": [{"cells": [[1, 2], {"a": 1}]}, 3]}),
        ] {
            let out = render_table(&table, &options, "default");
            assert!(out.stdout.is_empty() || out.stdout.ends_with('\n'));
        }
    }

    #[test]
    fn watch_printer_suppresses_repeated_headers_and_keeps_widths() {
        let mut printer = TablePrinter::new(TableOptions::default());
        let first = printer.print(&deployment_table());
        assert!(first.starts_with("NAME "));
        let mut event = deployment_table();
        event["columnDefinitions"] = Value::Null;
        event["rows"] = json!([{"cells": ["w", "1/3", 1, 0, "0s", "", "", ""], "object": null}]);
        assert_eq!(printer.print(&event), "w            1/3     1            0           0s\n");
    }
}
