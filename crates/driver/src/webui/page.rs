//! The HTML shell every view shares: the header with its menus, the legend, the errors, and the
//! view's body. Every profile string is escaped here; data for scripts travels as JSON in a
//! non-executed `<script type="application/json">` element.

use ferroprof_report::markup::escape;

use super::http::make_query;

/// The views, in the View menu's order: (route, menu label).
pub const VIEWS: [(&str, &str); 6] = [
    ("top", "Top"),
    ("graph", "Graph"),
    ("flamegraph", "Flame Graph"),
    ("peek", "Peek"),
    ("source", "Source"),
    ("disasm", "Disassemble"),
];

/// A saved configuration as the Config menu lists it.
#[derive(Debug)]
pub struct SavedLink {
    /// The configuration's name.
    pub name: String,
    /// Its URL query.
    pub query: String,
    /// Whether it reproduces the current view's settings.
    pub current: bool,
}

/// What the header and the page around a view show.
#[derive(Debug, Default)]
pub struct Page {
    /// The view's route (`top`, `flamegraph`, …).
    pub view: &'static str,
    /// `<file> <type>`.
    pub title: String,
    /// The legend lines for the details box.
    pub legend: Vec<String>,
    /// The sample types, when there is more than one.
    pub sample_types: Vec<String>,
    /// The current query's parameters.
    pub params: Vec<(String, String)>,
    /// Saved configurations.
    pub configs: Vec<SavedLink>,
    /// Warnings from building the report.
    pub errors: Vec<String>,
    /// The view's body (already escaped HTML).
    pub body: String,
    /// JSON data for the view's script, if any.
    pub data: Option<String>,
    /// The view's script besides `common.js`, if any.
    pub script: Option<&'static str>,
}

impl Page {
    /// The complete HTML document.
    pub fn render(&self) -> String {
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{}</title><link rel=\"stylesheet\" href=\"assets/style.css\">\
             <script src=\"assets/common.js\" defer></script>",
            escape(&self.title)
        );
        if let Some(script) = self.script {
            html.push_str(&format!("<script src=\"assets/{script}\" defer></script>"));
        }
        html.push_str("</head><body>");
        html.push_str(&self.header());
        html.push_str("<div id=\"errors\">");
        for e in &self.errors {
            html.push_str(&format!("<div>{}</div>", escape(e)));
        }
        html.push_str("</div><main id=\"content\" class=\"view-");
        html.push_str(self.view);
        html.push_str("\">");
        html.push_str(&self.body);
        html.push_str("</main>");
        if let Some(data) = &self.data {
            html.push_str("<script type=\"application/json\" id=\"view-data\">");
            html.push_str(data);
            html.push_str("</script>");
        }
        html.push_str("</body></html>\n");
        html
    }

    /// The current query with `key` set to `value` (removed when empty).
    fn query_with(&self, key: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| k != key)
            .cloned()
            .collect();
        if !value.is_empty() {
            pairs.push((key.to_string(), value.to_string()));
        }
        query_string(&pairs)
    }

    fn header(&self) -> String {
        let here = query_string(&self.params);
        let mut h = String::from("<header id=\"header\"><span class=\"brand\">ferroprof</span>");
        h.push_str(&menu(
            "View",
            VIEWS.iter().map(|(route, label)| {
                let class = if *route == self.view {
                    " class=\"current\""
                } else {
                    ""
                };
                format!(
                    "<a id=\"view-{route}\"{class} href=\"{route}{}\">{label}</a>",
                    escape(&here)
                )
            }),
        ));
        if self.sample_types.len() > 1 {
            h.push_str(&menu(
                "Sample",
                self.sample_types.iter().map(|t| {
                    let href = format!("{}{}", self.view, self.query_with("si", t));
                    format!(
                        "<a class=\"sample\" href=\"{}\">{}</a>",
                        escape(&href),
                        escape(t)
                    )
                }),
            ));
        }
        h.push_str(&menu("Refine", refine_items(self.view)));
        h.push_str(&self.config_menu());
        h.push_str(&format!(
            "<a id=\"download\" class=\"menu-title\" href=\"download\">Download</a>\
             <input id=\"search\" type=\"search\" placeholder=\"Search regexp\" autocomplete=\"off\" \
             spellcheck=\"false\" value=\"{}\">",
            escape(&self.param("f"))
        ));
        h.push_str(&format!(
            "<details id=\"details\"><summary id=\"title\">{}</summary><div id=\"detailsbox\">",
            escape(&self.title)
        ));
        for line in &self.legend {
            h.push_str(&format!("<div>{}</div>", escape(line)));
        }
        h.push_str("</div></details></header>");
        h
    }

    fn param(&self, key: &str) -> String {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn config_menu(&self) -> String {
        let mut items = vec![
            "<a id=\"save-config\" href=\"#\">Save as ...</a>".to_string(),
            format!(
                "<a id=\"default-config\" href=\"{}\">Default</a>",
                self.view
            ),
        ];
        for c in &self.configs {
            let mark = if c.current { "\u{2713} " } else { "" };
            items.push(format!(
                "<span class=\"config\"><a href=\"{}?{}\">{mark}{}</a>\
                 <button class=\"delete-config\" data-name=\"{}\" title=\"Delete\">\u{1f5d9}</button></span>",
                self.view,
                escape(&c.query),
                escape(&c.name),
                escape(&c.name)
            ));
        }
        menu("Config", items.into_iter())
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", make_query(pairs))
    }
}

fn menu(title: &str, items: impl Iterator<Item = String>) -> String {
    let id = title.to_ascii_lowercase();
    let mut m = format!(
        "<div class=\"menu\" id=\"menu-{id}\"><button class=\"menu-title\" type=\"button\">{title} \u{25be}</button>\
         <div class=\"menu-items\">"
    );
    for item in items {
        m.push_str(&item);
    }
    m.push_str("</div></div>");
    m
}

/// The Refine menu: each entry names the URL parameter the selection or search goes into;
/// `common.js` fills in the link before it is followed.
fn refine_items(view: &str) -> impl Iterator<Item = String> + '_ {
    let entries = [
        ("focus", "f", "Focus"),
        ("ignore", "i", "Ignore"),
        ("hide", "h", "Hide"),
        ("show", "s", "Show"),
        ("show-from", "sf", "Show from"),
    ];
    let reset = format!("<a id=\"reset\" href=\"{view}\">Reset</a>");
    entries
        .into_iter()
        .map(move |(id, param, label)| {
            format!("<a id=\"{id}\" class=\"refine\" data-param=\"{param}\" href=\"{view}\">{label}</a>")
        })
        .chain(std::iter::once(reset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_string_is_escaped() {
        let hostile = "\"><img src=x onerror=alert(1)></script>'";
        let page = Page {
            view: "top",
            title: hostile.into(),
            legend: vec![hostile.into()],
            sample_types: vec![hostile.into(), "cpu".into()],
            params: vec![("f".into(), hostile.into())],
            configs: vec![SavedLink {
                name: hostile.into(),
                query: "f=x".into(),
                current: false,
            }],
            errors: vec![hostile.into()],
            ..Page::default()
        }
        .render();
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("'>"));
        assert_eq!(page.matches("<script").count(), 1, "only common.js");
    }
}
