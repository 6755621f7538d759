//! The views: each runs the report pipeline with the configuration from the URL and wraps the
//! writer's output in the page shell.

use ferroprof_report::markup::escape;
use ferroprof_report::{stacks, Granularity, ReportOptions};
use regex::Regex;

use super::http::{Request, Response};
use super::page::Page;
use super::sources::ConfinedSources;
use super::App;
use crate::command::{Command, CommandName};
use crate::config::{Config, NodeCount};
use crate::ui::CapturedUi;
use crate::{output, pipeline};

/// A report ready to write: the prepared profile, its options and the pipeline's warnings.
struct Prepared {
    profile: ferroprof_profile::Profile,
    options: ReportOptions,
    warnings: Vec<String>,
    config: Config,
}

impl App {
    /// The configuration of a request: the command line's, overridden by the URL (400 when a
    /// parameter is invalid).
    fn request_config(&self, req: &Request) -> Result<Config, Response> {
        let mut cfg = self.base.clone();
        let params = req.params();
        cfg.apply_url_params(|key| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
        .map_err(|e| Response::text(400, &e.to_string()))?;
        Ok(cfg)
    }

    fn prepare(
        &self,
        cfg: Config,
        name: CommandName,
        symbol: Option<Regex>,
    ) -> Result<Prepared, Response> {
        let mut ui = CapturedUi::default();
        let command = Command { name, symbol };
        let (profile, options) = pipeline::prepare_report(&self.profile, &command, &cfg, &mut ui)
            .map_err(|e| Response::text(400, &e.to_string()))?;
        Ok(Prepared {
            profile,
            options,
            warnings: ui.messages,
            config: cfg,
        })
    }

    /// Runs the writer of `p.options.output_format`.
    fn write(&self, p: &Prepared) -> Result<String, Response> {
        let mut out = Vec::new();
        let sources = ConfinedSources::new(&p.config.source_path);
        pipeline::write_report(&p.profile, &p.options, &sources, &mut out)
            .map_err(|e| Response::text(400, &e.to_string()))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The page around a view, with the header's data filled in.
    fn page(&self, req: &Request, view: &'static str, p: &Prepared) -> Page {
        let rpt = ferroprof_report::Report::new(&p.profile, &p.options);
        let mut legend = rpt.profile_labels();
        if !p.options.active_filters.is_empty() {
            legend.push("Active filters:".into());
            legend.extend(p.options.active_filters.iter().map(|f| format!("   {f}")));
        }
        let title = format!("{} {}", rpt.title(), p.options.type_label());
        let current = self
            .request_config(req)
            .unwrap_or_else(|_| self.base.clone());
        Page {
            view,
            title: title.trim().to_string(),
            legend,
            sample_types: self
                .profile
                .sample_type
                .iter()
                .map(|t| t.r#type.clone())
                .collect(),
            params: req.params(),
            configs: self.saved_links(&current),
            errors: p.warnings.clone(),
            ..Page::default()
        }
    }

    /// `/top`: the top table, at most 500 rows.
    pub(super) fn top(&self, req: &Request) -> Result<Response, Response> {
        let mut cfg = self.request_config(req)?;
        cfg.nodecount = NodeCount::Limit(500);
        let p = self.prepare(cfg, CommandName::Top, None)?;
        let text = self.write(&p)?;
        let mut page = self.page(req, "top", &p);
        page.body = top_table(&text);
        page.script = Some("top.js");
        Ok(Response::html(page.render()))
    }

    /// `/graph` (and `/`): the call graph drawn by Graphviz.
    pub(super) fn graph(&self, req: &Request) -> Result<Response, Response> {
        let cfg = self.request_config(req)?;
        let mut p = self.prepare(cfg, CommandName::Svg, None)?;
        escape_labels_for_dot(&mut p.profile);
        let dot = self.write(&p)?;
        let svg = output::run_dot(dot.as_bytes(), "svg").map_err(|_| {
            Response::text(501, "Could not execute dot; may need to install graphviz.")
        })?;
        let svg = String::from_utf8_lossy(&svg);
        let start = svg.find("<svg").unwrap_or(svg.len());
        let mut page = self.page(req, "graph", &p);
        page.body = format!(
            "<div id=\"graph\">{}</div>",
            svg[start..].replace("&;", "&amp;;")
        );
        page.script = Some("graph.js");
        Ok(Response::html(page.render()))
    }

    /// `/flamegraph`: the stack set as JSON, drawn by `flame.js`.
    pub(super) fn flamegraph(&self, req: &Request) -> Result<Response, Response> {
        let mut cfg = self.request_config(req)?;
        if req.param("g").is_none() && cfg.granularity == Granularity::Functions {
            cfg.granularity = Granularity::FileFunctions;
        }
        cfg.call_tree = true;
        cfg.trim = false;
        let p = self.prepare(cfg, CommandName::Svg, None)?;
        let rpt = ferroprof_report::Report::new(&p.profile, &p.options);
        let mut data = Vec::new();
        stacks::write_json(&stacks::stack_set(&rpt), &mut data)
            .map_err(|e| Response::text(500, &e.to_string()))?;
        let mut page = self.page(req, "flamegraph", &p);
        page.body = "<div id=\"flame-toolbar\"><span id=\"flame-hover\"></span>\
                     <label><input type=\"checkbox\" id=\"flame-invert\"> root at the bottom</label>\
                     </div><div id=\"flame\"><canvas id=\"flame-canvas\"></canvas></div>\
                     <div id=\"flame-menu\" hidden></div>"
            .into();
        page.data = Some(String::from_utf8_lossy(&data).into_owned());
        page.script = Some("flame.js");
        Ok(Response::html(page.render()))
    }

    /// `/peek`, `/source` and `/disasm`: a text report of the functions matching `f` (400 when
    /// the writer fails, as Go's handlers answer).
    pub(super) fn listing(&self, req: &Request, view: &'static str) -> Result<Response, Response> {
        let mut cfg = self.request_config(req)?;
        let (name, granularity) = match view {
            "peek" => (CommandName::Peek, Some(Granularity::Lines)),
            "source" => (CommandName::List, None),
            _ => (CommandName::Disasm, None),
        };
        if let Some(g) = granularity {
            cfg.granularity = g;
        }
        let regex = req.param("f").unwrap_or_default();
        let symbol =
            crate::config::compile_regex("symbol", &regex).map_err(|e| Response::text(400, &e))?;
        let p = self.prepare(cfg, name, symbol)?;
        let body = if p.options.symbol.is_none() {
            "<p class=\"notice\">Select a function (search, or click one in another view) to \
             see it here.</p>"
                .to_string()
        } else {
            listing_body(view, &self.write(&p)?)
        };
        let mut page = self.page(req, view, &p);
        page.body = body;
        Ok(Response::html(page.render()))
    }

    /// `/download`: the profile being viewed, gzipped protobuf.
    pub(super) fn download(&self) -> Response {
        let mut out = Vec::new();
        if let Err(e) = ferroprof_profile::proto::encode(&self.profile, &mut out) {
            return Response::text(500, &e.to_string());
        }
        let mut r = Response::new(200, "application/vnd.google.protobuf+gzip", out);
        r.headers.push((
            "Content-Disposition",
            "attachment;filename=profile.pb.gz".into(),
        ));
        r
    }
}

/// Escapes label keys, values and units for DOT string literals. The report's label nodelets
/// interpolate them unescaped, byte for byte as Go 1.19 does; Graphviz turns the escapes back
/// into the same text, so labels read as typed and cannot end the string.
fn escape_labels_for_dot(profile: &mut ferroprof_profile::Profile) {
    let escape = |s: &String| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    for sample in &mut profile.sample {
        sample.label = sample
            .label
            .iter()
            .map(|(k, vs)| (escape(k), vs.iter().map(escape).collect()))
            .collect();
        sample.num_label = std::mem::take(&mut sample.num_label)
            .into_iter()
            .map(|(k, v)| (escape(&k), v))
            .collect();
        sample.num_unit = sample
            .num_unit
            .iter()
            .map(|(k, vs)| (escape(k), vs.iter().map(escape).collect()))
            .collect();
    }
}

/// The source listing split per function into collapsible blocks; peek output in one block.
fn listing_body(view: &str, text: &str) -> String {
    if view != "source" {
        return format!("<pre class=\"listing\">{}</pre>", escape(text));
    }
    let mut html = String::new();
    let mut blocks = text
        .split("ROUTINE ======================== ")
        .filter(|b| !b.trim().is_empty());
    let legend_end = text.find("ROUTINE").unwrap_or(0);
    if legend_end > 0 {
        blocks.next();
        html.push_str(&format!(
            "<pre class=\"legend\">{}</pre>",
            escape(&text[..legend_end])
        ));
    }
    for block in blocks {
        let (head, rest) = block.split_once('\n').unwrap_or((block, ""));
        html.push_str(&format!(
            "<details class=\"routine\" open><summary>{}</summary><pre>{}</pre></details>",
            escape(head),
            escape(rest)
        ));
    }
    html
}

/// The Top view's table from the text report: the rows after the column header, each
/// `flat flat% sum% cum cum% name[ (inline)]`.
fn top_table(text: &str) -> String {
    let mut html = String::from(
        "<table id=\"toptable\"><thead><tr><th data-key=\"0\">Flat</th><th data-key=\"1\">Flat%</th>\
         <th data-key=\"2\">Sum%</th><th data-key=\"3\">Cum</th><th data-key=\"4\">Cum%</th>\
         <th data-key=\"5\">Name</th><th data-key=\"6\">Inlined?</th></tr></thead><tbody>",
    );
    let rows = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat  flat%"))
        .skip(1);
    for line in rows {
        let mut rest = line.trim_start();
        let mut cells = Vec::with_capacity(5);
        for _ in 0..5 {
            let end = rest.find(' ').unwrap_or(rest.len());
            cells.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
        let (name, inlined) = match rest.strip_suffix(" (inline)") {
            Some(n) => (n, "inline"),
            None => (rest, ""),
        };
        html.push_str("<tr>");
        for cell in cells {
            html.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        html.push_str(&format!(
            "<td class=\"name\">{}</td><td>{inlined}</td></tr>",
            escape(name)
        ));
    }
    html.push_str("</tbody></table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_rows_come_from_the_text_report() {
        let text = "File: x\n      flat  flat%   sum%        cum   cum%\n\
                    \x20  205.17s 85.38% 85.38%    205.17s 85.38%  time.Now\n\
                    \x20        0     0% 98.60%    217.16s 90.37%  a <b> (inline)\n";
        let html = top_table(text);
        assert!(html.contains("<td>205.17s</td><td>85.38%</td>"));
        assert!(html.contains("<td class=\"name\">time.Now</td><td></td>"));
        assert!(html.contains("<td class=\"name\">a &lt;b&gt;</td><td>inline</td>"));
    }
}
