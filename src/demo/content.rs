//! The sample portal's content: its sidebar tree and every page body, generated
//! deterministically in pure Rust.
//!
//! This module is the single source of truth for the demo portal. The server serialises the tree
//! for the browser app and serves the bodies; tests read [`DemoPage`]s to know what a scrape must
//! produce. Nothing here depends on the server's options except `extra_pages`, so callers can
//! learn every id (for example to configure a fault) before a server is started.
//!
//! Page ids never depend on `extra_pages`: the built-in pages are numbered first, and the extra
//! pages continue the sequence after them, even though their menus appear in the middle of the
//! sidebar. Every id has the same number of digits, so no page's marker is a prefix of another's.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

/// The number in the first page id. Real portal ids are large, sparse CMS numbers.
const FIRST_ID_NUMBER: u64 = 7_145_400;
/// The gap between consecutive ids. With 7-digit ids this leaves room for about 400 000 pages
/// before the digit count (and with it the "no marker is a prefix of another" property) changes.
const ID_STEP: u64 = 7;
/// The header under which the extra (benchmark) pages' menus are appended.
const EXTRA_PAGES_HEADER: &str = "API Reference";
/// The menus that hold the extra pages; pages are split evenly between them.
const EXTRA_PAGES_MENUS: [&str; 2] = ["Bulk Resources", "Bulk Resources Archive"];
/// The host name used in examples. It is never contacted: the pages only mention it.
const GATEWAY: &str = "gateway.example.com";

/// One page of the demo portal as a scraper should find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPage {
    /// The sidebar item's id, e.g. `docs-node-7145400`.
    pub id: String,
    /// The sidebar item's text.
    pub title: String,
    /// The header (group title) the item sits under.
    pub header: String,
    /// The menus from the header down to the item (empty for an item directly under a header).
    pub menu_path: Vec<String>,
    /// `WYRM-MARKER-<id>`: present exactly once in this page's body and in no other page.
    pub marker: String,
    /// An API endpoint page (method, path, parameters, response tabs) rather than a guide.
    pub is_endpoint: bool,
    /// The status codes of the response tabs, in tab order (empty for guides).
    pub response_codes: Vec<u16>,
}

/// The whole generated portal: the sidebar tree, the page list and the page bodies.
#[derive(Debug, Clone)]
pub(crate) struct Portal {
    sections: Vec<Section>,
    pages: Vec<DemoPage>,
    bodies: HashMap<String, PageBody>,
}

/// A header and the entries it titles.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub(crate) header: String,
    pub(crate) nodes: Vec<Node>,
}

/// One sidebar entry below a header.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Item { id: String, title: String },
    Menu { title: String, children: Vec<Node> },
}

/// What the content pane shows for one page. Response panels are kept apart from the main HTML
/// because the app renders only the selected one, like the real portal.
#[derive(Debug, Clone)]
pub(crate) struct PageBody {
    pub(crate) title: String,
    pub(crate) html: String,
    pub(crate) responses: Vec<ResponseExample>,
}

/// One response tab of an endpoint page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ResponseExample {
    pub(crate) code: u16,
    pub(crate) label: String,
    pub(crate) html: String,
}

impl Portal {
    /// Generates the portal: the built-in pages plus `extra_pages` generated endpoint pages.
    pub(crate) fn build(extra_pages: usize) -> Portal {
        let mut ids = IdSequence::default();
        let mut specs: HashMap<String, PageSpec> = HashMap::new();
        let mut sections: Vec<Section> = builtin_sections()
            .into_iter()
            .map(|(header, entries)| Section {
                header: header.to_owned(),
                nodes: assign_ids(entries, &mut ids, &mut specs),
            })
            .collect();
        let extra_nodes = assign_ids(extra_menus(extra_pages), &mut ids, &mut specs);
        if let Some(section) = sections.iter_mut().find(|s| s.header == EXTRA_PAGES_HEADER) {
            section.nodes.extend(extra_nodes);
        }
        let pages = collect_pages(&sections, &specs);
        let bodies = pages
            .iter()
            .enumerate()
            .filter_map(|(ordinal, page)| {
                let spec = specs.get(&page.id)?;
                Some((page.id.clone(), render_body(page, spec, ordinal)))
            })
            .collect();
        Portal {
            sections,
            pages,
            bodies,
        }
    }

    /// The sidebar tree, one section per header, in document order.
    pub(crate) fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Every page in depth-first document order.
    pub(crate) fn pages(&self) -> &[DemoPage] {
        &self.pages
    }

    /// The body of the page with this id, if there is one.
    pub(crate) fn body(&self, id: &str) -> Option<&PageBody> {
        self.bodies.get(id)
    }

    /// Consumes the portal, keeping only its page list.
    pub(crate) fn into_pages(self) -> Vec<DemoPage> {
        self.pages
    }
}

/// The pages of the demo portal, without starting a server: lets a caller pick ids (e.g. to
/// configure a [`super::Fault`]) before [`super::DemoServer::start`].
pub fn demo_pages(extra_pages: usize) -> Vec<DemoPage> {
    Portal::build(extra_pages).into_pages()
}

/// The marker string that identifies a page's body.
pub fn marker_for(id: &str) -> String {
    format!("WYRM-MARKER-{id}")
}

// ---------------------------------------------------------------------------------------------
// The tree as written by hand (before ids are assigned)
// ---------------------------------------------------------------------------------------------

/// An HTTP method of an endpoint page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    /// The status codes documented for this kind of call: a success code and the errors.
    fn response_codes(self) -> Vec<u16> {
        match self {
            Method::Get | Method::Put => vec![200, 400, 404],
            Method::Post => vec![201, 400, 409],
            Method::Delete => vec![204, 404],
        }
    }

    /// Whether the call takes a JSON request body.
    fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put)
    }
}

/// What kind of page an item opens.
#[derive(Debug, Clone)]
enum PageSpec {
    Guide,
    Endpoint { method: Method, path: String },
}

/// A sidebar entry before ids are assigned.
#[derive(Debug, Clone)]
enum Entry {
    Page { title: String, spec: PageSpec },
    Menu { title: String, children: Vec<Entry> },
}

fn guide(title: &str) -> Entry {
    Entry::Page {
        title: title.to_owned(),
        spec: PageSpec::Guide,
    }
}

/// An endpoint whose sidebar text is its method and path, e.g. `GET /api/types/Volume/instances`.
fn endpoint(method: Method, path: &str) -> Entry {
    named_endpoint(&format!("{} {path}", method.name()), method, path)
}

/// An endpoint whose sidebar text is a friendly name rather than its path.
fn named_endpoint(title: &str, method: Method, path: &str) -> Entry {
    Entry::Page {
        title: title.to_owned(),
        spec: PageSpec::Endpoint {
            method,
            path: path.to_owned(),
        },
    }
}

fn menu(title: &str, children: Vec<Entry>) -> Entry {
    Entry::Menu {
        title: title.to_owned(),
        children,
    }
}

/// A title of more than 200 characters, because real portals have them and file names cannot.
fn long_title() -> String {
    "Configuring protection domains, storage pools, fault sets, replication consistency groups, \
     snapshot policies and remote protection for large multi-site deployments with mixed \
     workloads, strict recovery objectives and audit requirements"
        .to_owned()
}

/// The hand-written portal. It deliberately contains the awkward cases real portals have:
/// titles with `/`, `..`, quotes and non-ASCII text, a very long title, the same title twice
/// under one menu, the same title under two menus, the same menu name under two headers, and
/// menus nested three deep with items at every level.
fn builtin_sections() -> Vec<(&'static str, Vec<Entry>)> {
    use Method::{Delete, Get, Post, Put};
    vec![
        (
            "Getting Started",
            vec![
                guide("Introduction"),
                guide("Quick Start"),
                guide("Authentication"),
                menu(
                    "Tutorials",
                    vec![
                        guide("Your First Request"),
                        guide("Pagination and Filtering"),
                        menu(
                            "Advanced",
                            vec![
                                guide("Batch Requests"),
                                guide("Webhooks"),
                                menu(
                                    "Deep Dive",
                                    vec![guide("Rate Limits Explained"), guide("Café Déjà vu")],
                                ),
                            ],
                        ),
                    ],
                ),
                guide("Release Notes"),
            ],
        ),
        (
            "API Reference",
            vec![
                guide("API Overview"),
                menu(
                    "Volumes",
                    vec![
                        guide("Overview"),
                        endpoint(Get, "/api/types/Volume/instances"),
                        endpoint(Post, "/api/types/Volume/instances"),
                        named_endpoint("List Volumes", Get, "/api/types/Volume/instances"),
                        named_endpoint(
                            "List Volumes",
                            Get,
                            "/api/instances/StoragePool::{id}/relationships/Volume",
                        ),
                        endpoint(Get, "/api/instances/Volume::{id}"),
                        endpoint(Delete, "/api/instances/Volume::{id}"),
                        menu(
                            "Snapshots",
                            vec![
                                endpoint(Post, "/api/instances/System/action/snapshotVolumes"),
                                endpoint(Get, "/api/types/Snapshot/instances"),
                                menu(
                                    "Snapshot Policies",
                                    vec![
                                        endpoint(Get, "/api/types/SnapshotPolicy/instances"),
                                        endpoint(
                                            Post,
                                            "/api/instances/SnapshotPolicy::{id}/action/pause",
                                        ),
                                    ],
                                ),
                            ],
                        ),
                    ],
                ),
                menu(
                    "Hosts",
                    vec![
                        guide("Overview"),
                        endpoint(Get, "/api/types/Host/instances"),
                        endpoint(Post, "/api/types/Host/instances"),
                        endpoint(Get, "/api/instances/Host::{id}"),
                        endpoint(Put, "/api/instances/Host::{id}"),
                    ],
                ),
                menu(
                    "Common",
                    vec![
                        endpoint(Get, "/api/version"),
                        endpoint(Post, "/api/login"),
                        named_endpoint("数据 API", Get, "/api/types/Statistics/instances"),
                    ],
                ),
                menu(
                    "Systems",
                    vec![
                        endpoint(Get, "/api/types/System/instances"),
                        named_endpoint(
                            "Query System's SDCs",
                            Get,
                            "/api/instances/System::{id}/relationships/Sdc",
                        ),
                        endpoint(Get, "/api/instances/System::{id}"),
                    ],
                ),
            ],
        ),
        (
            "Administration",
            vec![
                guide("Administration Guide"),
                menu(
                    "Common",
                    vec![
                        guide("Users"),
                        guide("\"Quoted\" 'Title'"),
                        guide(".."),
                        guide("../../etc/passwd"),
                        guide(&long_title()),
                    ],
                ),
                menu(
                    "Users and Roles",
                    vec![
                        endpoint(Get, "/api/types/User/instances"),
                        endpoint(Post, "/api/types/User/instances"),
                        endpoint(Delete, "/api/instances/User::{id}"),
                        menu(
                            "Roles",
                            vec![
                                endpoint(Get, "/api/types/Role/instances"),
                                guide("Role Matrix"),
                            ],
                        ),
                    ],
                ),
                menu(
                    "Maintenance",
                    vec![
                        guide("Backup and Restore"),
                        guide("Upgrade Procedure"),
                        endpoint(Post, "/api/instances/System/action/upgrade"),
                        guide("v1.0 Release"),
                    ],
                ),
            ],
        ),
    ]
}

/// The generated benchmark pages, split between [`EXTRA_PAGES_MENUS`]. Empty menus are left out.
fn extra_menus(extra_pages: usize) -> Vec<Entry> {
    const METHODS: [Method; 4] = [Method::Get, Method::Post, Method::Put, Method::Delete];
    let mut pages: Vec<Entry> = (1..=extra_pages)
        .map(|n| {
            let method = METHODS[n % METHODS.len()];
            endpoint(method, &format!("/api/types/Resource{n:04}/instances"))
        })
        .collect();
    let second = pages.split_off(extra_pages.div_ceil(2));
    EXTRA_PAGES_MENUS
        .iter()
        .zip([pages, second])
        .filter(|(_, children)| !children.is_empty())
        .map(|(title, children)| menu(title, children))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Ids and the page list
// ---------------------------------------------------------------------------------------------

/// Hands out `docs-node-<number>` ids in order.
#[derive(Debug, Default)]
struct IdSequence {
    issued: u64,
}

impl IdSequence {
    fn next_id(&mut self) -> String {
        let number = FIRST_ID_NUMBER + self.issued * ID_STEP;
        self.issued += 1;
        format!("docs-node-{number}")
    }
}

/// Turns hand-written entries into sidebar nodes, numbering pages depth-first and remembering
/// each page's spec by id.
fn assign_ids(
    entries: Vec<Entry>,
    ids: &mut IdSequence,
    specs: &mut HashMap<String, PageSpec>,
) -> Vec<Node> {
    entries
        .into_iter()
        .map(|entry| match entry {
            Entry::Page { title, spec } => {
                let id = ids.next_id();
                specs.insert(id.clone(), spec);
                Node::Item { id, title }
            }
            Entry::Menu { title, children } => Node::Menu {
                title,
                children: assign_ids(children, ids, specs),
            },
        })
        .collect()
}

/// Lists the pages in depth-first document order.
fn collect_pages(sections: &[Section], specs: &HashMap<String, PageSpec>) -> Vec<DemoPage> {
    let mut pages = Vec::new();
    for section in sections {
        collect_from(
            &section.nodes,
            &section.header,
            &mut Vec::new(),
            specs,
            &mut pages,
        );
    }
    pages
}

fn collect_from(
    nodes: &[Node],
    header: &str,
    menu_path: &mut Vec<String>,
    specs: &HashMap<String, PageSpec>,
    pages: &mut Vec<DemoPage>,
) {
    for node in nodes {
        match node {
            Node::Item { id, title } => {
                let endpoint_method = match specs.get(id) {
                    Some(PageSpec::Endpoint { method, .. }) => Some(*method),
                    _ => None,
                };
                pages.push(DemoPage {
                    id: id.clone(),
                    title: title.clone(),
                    header: header.to_owned(),
                    menu_path: menu_path.clone(),
                    marker: marker_for(id),
                    is_endpoint: endpoint_method.is_some(),
                    response_codes: endpoint_method
                        .map(Method::response_codes)
                        .unwrap_or_default(),
                });
            }
            Node::Menu { title, children } => {
                menu_path.push(title.clone());
                collect_from(children, header, menu_path, specs, pages);
                menu_path.pop();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Page bodies
// ---------------------------------------------------------------------------------------------

/// Escapes text for use in HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// Picks one of `choices` for the page with this ordinal, so neighbouring pages read differently.
fn pick<'a>(choices: &[&'a str], ordinal: usize) -> &'a str {
    choices[ordinal % choices.len()]
}

fn render_body(page: &DemoPage, spec: &PageSpec, ordinal: usize) -> PageBody {
    match spec {
        PageSpec::Guide => PageBody {
            title: page.title.clone(),
            html: guide_html(page, ordinal),
            responses: Vec::new(),
        },
        PageSpec::Endpoint { method, path } => PageBody {
            title: page.title.clone(),
            html: endpoint_html(page, *method, path, ordinal),
            responses: response_examples(&page.id, *method, path, ordinal),
        },
    }
}

/// A guide: two `<markdown>` blocks with headings, nested lists three levels deep, an ordered
/// list, a table (one cell holds a `|`), a bash script whose `#!/bin/bash` line must survive
/// conversion, inline code and links.
fn guide_html(page: &DemoPage, ordinal: usize) -> String {
    let title = escape_html(&page.title);
    let context = escape_html(&breadcrumb(page));
    let marker = &page.marker;
    let audience = pick(
        &["administrators", "integrators", "operators", "developers"],
        ordinal,
    );
    let tool = pick(
        &["curl", "the Python SDK", "Ansible", "the REST client"],
        ordinal,
    );
    let timeout = 30 + (ordinal % 5) * 15;
    let mut html = String::new();
    let _ = write!(
        html,
        "<markdown>\
<h2>{title}</h2>\
<p>This guide, filed under <em>{context}</em>, helps {audience} get the most out of the gateway \
with {tool}. Page marker: {marker}.</p>\
<h3>Before you begin</h3>\
<ul>\
<li>Prepare an account\
<ul><li>Ask for the <strong>Monitor</strong> role\
<ul><li>The role is granted per system</li><li>Changes apply at the next login</li></ul>\
</li><li>Keep the password in a vault</li></ul>\
</li>\
<li>Check the network path to <code>{GATEWAY}</code></li>\
</ul>\
<h3>Steps</h3>\
<ol>\
<li>Log in and keep the token.</li>\
<li>Call the endpoint you need.\
<ol><li>Send the token in the <code>Authorization</code> header.</li>\
<li>Retry on <code>429</code> after the delay in <code>Retry-After</code>.</li></ol>\
</li>\
<li>Log out when you are done.</li>\
</ol>\
</markdown>"
    );
    let _ = write!(
        html,
        "<markdown>\
<h3>Settings</h3>\
<table><thead><tr><th>Setting</th><th>Default</th><th>Description</th></tr></thead>\
<tbody>\
<tr><td><code>timeout</code></td><td>{timeout}</td><td>Seconds before a call is abandoned.</td></tr>\
<tr><td><code>separator</code></td><td><code>a|b</code></td><td>Splits list values; a literal pipe.</td></tr>\
<tr><td><code>verify_tls</code></td><td>true</td><td>Check the gateway certificate.</td></tr>\
</tbody></table>\
<h3>Example</h3>\
<pre><code class=\"language-bash\">{script}</code></pre>\
<p>See the <a href=\"https://developer.example.com/docs/guides\">online guides</a> for more, \
or run <code>wyrm --help</code>.</p>\
</markdown>",
        script = escape_html(&bash_example(&page.title)),
    );
    html
}

/// A small but realistic shell script; the characters that need escaping in HTML (`&`, `>`,
/// quotes) are there on purpose.
fn bash_example(title: &str) -> String {
    // Lines are listed one by one because a `\` string continuation would eat the indentation.
    let lines = [
        "#!/bin/bash".to_owned(),
        format!("# Example for: {title}"),
        "set -euo pipefail".to_owned(),
        format!("GATEWAY=\"https://{GATEWAY}\""),
        "TOKEN=$(curl -sk -u \"admin:${PASSWORD}\" \"${GATEWAY}/api/login\")".to_owned(),
        "curl -sk -H \"Authorization: Bearer ${TOKEN}\" \"${GATEWAY}/api/version\" > version.json"
            .to_owned(),
        "if [[ -s version.json && \"$(jq -r '.major' version.json)\" -ge 4 ]]; then".to_owned(),
        "  echo 'Gateway is ready'".to_owned(),
        "fi".to_owned(),
    ];
    let mut script = lines.join("\n");
    script.push('\n');
    script
}

/// "Header › Menu › Sub-menu" for the page, used in prose.
fn breadcrumb(page: &DemoPage) -> String {
    std::iter::once(page.header.as_str())
        .chain(page.menu_path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" › ")
}

/// An endpoint in the portal's component markup: method badge, title and "Try It" button; the
/// path in the first `<markdown>`; the description; security, server, parameters, an optional
/// request-body model; and an empty `app-api-doc-response` that the app fills with tabs.
fn endpoint_html(page: &DemoPage, method: Method, path: &str, ordinal: usize) -> String {
    let resource = resource_of(path);
    let verb = match method {
        Method::Get => "Reads",
        Method::Post => "Creates or triggers",
        Method::Put => "Updates",
        Method::Delete => "Deletes",
    };
    let mut html = String::new();
    let _ = write!(
        html,
        "<app-api-doc-endpoint>\
<div class=\"dds__mb-4\">\
<app-show-http-method><span class=\"dds__badge http-method-{method_class}\">{method_name}</span></app-show-http-method>\
<span class=\"dds__pl-3\">{title}</span>\
<button type=\"button\" class=\"dds__button dds__button--secondary\">Try It</button>\
</div>\
<markdown><pre>{path}</pre></markdown>\
<div class=\"dds__mt-2\"><markdown>\
<p>{verb} <code>{resource}</code> objects. {note}</p>\
<p>Page marker: {marker}.</p>\
</markdown></div>\
<app-api-doc-security><h3>Security</h3><p>Bearer token from <code>/api/login</code>.</p></app-api-doc-security>\
<app-api-doc-server><h3>Server</h3><p><code>https://{GATEWAY}</code></p></app-api-doc-server>",
        method_class = method.name().to_ascii_lowercase(),
        method_name = method.name(),
        title = escape_html(&page.title),
        path = escape_html(path),
        resource = escape_html(&resource),
        note = pick(
            &[
                "Results are sorted by name.",
                "The call is idempotent.",
                "Requires the Configure role.",
                "Available since version 3.5.",
                "Large results are paginated.",
            ],
            ordinal,
        ),
        marker = page.marker,
    );
    html.push_str(&parameters_html(method, path));
    if method.has_body() {
        html.push_str(&request_body_html(&resource));
    }
    html.push_str("<app-api-doc-response></app-api-doc-response></app-api-doc-endpoint>");
    html
}

/// The parameter table: a path `id` when the path has one, list filters for collection reads,
/// and always the `Authorization` header.
fn parameters_html(method: Method, path: &str) -> String {
    let mut rows: Vec<[&str; 5]> = Vec::new();
    if path.contains("{id}") {
        rows.push(["id", "path", "string", "yes", "The object's identifier."]);
    }
    if method == Method::Get && path.ends_with("/instances") {
        rows.push([
            "filter",
            "query",
            "string",
            "no",
            "Only objects matching name|id.",
        ]);
        rows.push([
            "limit",
            "query",
            "integer",
            "no",
            "At most this many objects.",
        ]);
    }
    rows.push([
        "Authorization",
        "header",
        "string",
        "yes",
        "Bearer <token>.",
    ]);
    let mut html = String::from(
        "<app-show-parameters><h3>Parameters</h3><table>\
<thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>",
    );
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", escape_html(cell));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></app-show-parameters>");
    html
}

/// A request-body model table in the portal's markup (`tr.align-middle`, `level-N` nesting).
fn request_body_html(resource: &str) -> String {
    let rows = [
        (0, "name", "string", "A unique name."),
        (0, "spec", "object", "Creation settings."),
        (1, "sizeInGb", "integer", "Capacity, in GiB."),
        (1, "tags", "array[string]", "Free-form labels."),
    ];
    let mut html = format!(
        "<app-api-doc-request-body><h3>Request body</h3><app-api-doc-model>\
<p><code>{}</code></p><table><tbody>",
        escape_html(&format!("{resource}Request"))
    );
    for (level, name, data_type, description) in rows {
        let _ = write!(
            html,
            "<tr class=\"align-middle level-{level}\"><td><span class=\"dds__text-dark\">{name}</span></td>\
<td><app-show-data-type>{data_type}</app-show-data-type></td>\
<td><app-show-property-description>{description}</app-show-property-description></td></tr>"
        );
    }
    html.push_str("</tbody></table></app-api-doc-model></app-api-doc-request-body>");
    html
}

/// The resource an API path is about: `/api/types/Volume/instances` → `Volume`,
/// `/api/instances/Host::{id}` → `Host`, `/api/version` → `Version`.
fn resource_of(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let named = segments
        .windows(2)
        .find(|pair| pair[0] == "types" || pair[0] == "instances")
        .map(|pair| pair[1]);
    let raw = named.or(segments.last().copied()).unwrap_or("Resource");
    let base = raw.split("::").next().unwrap_or(raw);
    let mut chars = base.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Resource".to_owned(),
    }
}

/// One response tab per status code, each with its own description (naming the page id, so
/// tests can tell every tab was captured) and its own JSON example.
fn response_examples(id: &str, method: Method, path: &str, ordinal: usize) -> Vec<ResponseExample> {
    let resource = resource_of(path);
    method
        .response_codes()
        .into_iter()
        .map(|code| {
            let (reason, example) = response_example(code, &resource, ordinal);
            let json = serde_json::to_string_pretty(&example).unwrap_or_default();
            ResponseExample {
                code,
                label: code.to_string(),
                html: format!(
                    "<div class=\"dds__mb-2\"><markdown><p>Response {code} for {id}: {reason}</p></markdown></div>\
<pre><code class=\"language-json\">{}</code></pre>",
                    escape_html(&json)
                ),
            }
        })
        .collect()
}

fn response_example(
    code: u16,
    resource: &str,
    ordinal: usize,
) -> (&'static str, serde_json::Value) {
    let object_id = format!("{:016x}", 0x5eed_0000_u64 + ordinal as u64);
    let name = format!("{}-{:02}", resource.to_ascii_lowercase(), ordinal % 100);
    match code {
        200 => (
            "the request succeeded.",
            json!({
                "id": object_id,
                "name": name,
                "type": resource,
                "links": [{ "rel": "self", "href": format!("/api/instances/{resource}::{object_id}") }],
            }),
        ),
        201 => (
            "the object was created.",
            json!({ "id": object_id, "name": name }),
        ),
        204 => ("the object was deleted; the body is empty.", json!({})),
        400 => (
            "the request is malformed.",
            json!({ "errorCode": 400, "httpStatusCode": 400, "message": format!("Invalid {resource} parameter <name> \"{name}\"") }),
        ),
        404 => (
            "no such object.",
            json!({ "errorCode": 404, "httpStatusCode": 404, "message": format!("{resource} {object_id} not found") }),
        ),
        409 => (
            "an object with that name exists.",
            json!({ "errorCode": 409, "httpStatusCode": 409, "message": format!("{resource} named {name} already exists") }),
        ),
        _ => ("see the status code.", json!({ "httpStatusCode": code })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn portal() -> Portal {
        Portal::build(0)
    }

    fn menu_depth(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .map(|node| match node {
                Node::Item { .. } => 0,
                Node::Menu { children, .. } => 1 + menu_depth(children),
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn has_enough_items_headers_and_nesting() {
        let portal = portal();
        assert!(portal.pages().len() >= 40, "{} pages", portal.pages().len());
        assert!(portal.sections().len() >= 3);
        let deepest = portal.sections().iter().map(|s| menu_depth(&s.nodes)).max();
        assert!(deepest >= Some(3), "deepest menu nesting {deepest:?}");
        assert!(portal.pages().iter().any(|p| p.is_endpoint));
        assert!(portal.pages().iter().any(|p| !p.is_endpoint));
    }

    #[test]
    fn items_exist_at_every_level() {
        let portal = portal();
        for depth in 0..=3 {
            assert!(
                portal.pages().iter().any(|p| p.menu_path.len() == depth),
                "no item at menu depth {depth}"
            );
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let pages = portal().into_pages();
        let ids: HashSet<&str> = pages.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), pages.len());
        for page in &pages {
            let number = page.id.strip_prefix("docs-node-").expect("id prefix");
            assert_eq!(number.len(), 7, "{}", page.id);
            assert!(number.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn every_marker_is_in_exactly_its_own_page() {
        let portal = Portal::build(30);
        for page in portal.pages() {
            let body = portal.body(&page.id).expect("body");
            let text = format!(
                "{}{}",
                body.html,
                body.responses
                    .iter()
                    .map(|r| r.html.as_str())
                    .collect::<String>()
            );
            assert_eq!(text.matches(&page.marker).count(), 1, "{}", page.id);
            assert_eq!(body.html.matches(&page.marker).count(), 1, "{}", page.id);
            assert_eq!(text.matches("WYRM-MARKER-").count(), 1, "{}", page.id);
        }
    }

    #[test]
    fn markers_never_appear_in_titles() {
        for page in portal().pages() {
            assert!(!page.title.contains("WYRM-MARKER"));
            assert!(!page.header.contains("WYRM-MARKER"));
            assert!(page.menu_path.iter().all(|m| !m.contains("WYRM-MARKER")));
        }
    }

    #[test]
    fn awkward_titles_are_present() {
        let pages = portal().into_pages();
        let titles: Vec<&str> = pages.iter().map(|p| p.title.as_str()).collect();
        for expected in [
            "GET /api/types/Volume/instances",
            "..",
            "../../etc/passwd",
            "\"Quoted\" 'Title'",
            "Café Déjà vu",
            "数据 API",
            "Query System's SDCs",
            "v1.0 Release",
        ] {
            assert!(titles.contains(&expected), "missing title {expected:?}");
        }
        assert!(titles.iter().any(|t| t.chars().count() >= 200));
    }

    #[test]
    fn duplicate_titles_and_menu_names_exist() {
        let pages = portal().into_pages();
        let twice_in_one_menu = pages.iter().any(|a| {
            pages
                .iter()
                .any(|b| a.id != b.id && a.title == b.title && a.menu_path == b.menu_path)
        });
        assert!(twice_in_one_menu);
        let in_two_menus = pages.iter().any(|a| {
            pages
                .iter()
                .any(|b| a.title == b.title && a.menu_path != b.menu_path)
        });
        assert!(in_two_menus);
        let common_headers: HashSet<&str> = pages
            .iter()
            .filter(|p| p.menu_path.first().map(String::as_str) == Some("Common"))
            .map(|p| p.header.as_str())
            .collect();
        assert!(common_headers.len() >= 2);
    }

    #[test]
    fn endpoints_have_response_tabs_naming_their_page() {
        let portal = portal();
        for page in portal.pages().iter().filter(|p| p.is_endpoint) {
            let body = portal.body(&page.id).expect("body");
            let codes: Vec<u16> = body.responses.iter().map(|r| r.code).collect();
            assert_eq!(codes, page.response_codes);
            assert!(codes.len() >= 2);
            for response in &body.responses {
                let needle = format!("Response {} for {}", response.code, page.id);
                assert!(response.html.contains(&needle), "{needle}");
                assert!(response.html.contains("language-json"));
            }
            assert!(body.html.contains("<app-api-doc-response>"));
            assert!(body.html.contains("Try It"));
        }
    }

    #[test]
    fn guides_keep_the_shebang_line() {
        let portal = portal();
        let page = portal
            .pages()
            .iter()
            .find(|p| !p.is_endpoint)
            .expect("a guide");
        let body = portal.body(&page.id).expect("body");
        assert!(body
            .html
            .contains("<pre><code class=\"language-bash\">#!/bin/bash\n"));
        assert!(body.html.contains("\n  echo &#39;Gateway is ready&#39;\n"));
        assert!(body.html.contains("&amp;&amp;"));
    }

    #[test]
    fn titles_are_escaped_in_html() {
        let portal = portal();
        let page = portal
            .pages()
            .iter()
            .find(|p| p.title == "\"Quoted\" 'Title'")
            .expect("quoted page");
        let body = portal.body(&page.id).expect("body");
        assert!(body.html.contains("&quot;Quoted&quot; &#39;Title&#39;"));
    }

    #[test]
    fn extra_pages_add_pages_without_renumbering() {
        let base = demo_pages(0);
        let more = demo_pages(210);
        assert_eq!(more.len(), base.len() + 210);
        for page in &base {
            let same = more.iter().find(|p| p.id == page.id).expect("kept id");
            assert_eq!(same, page);
        }
        let extra_menus: HashSet<&str> = more
            .iter()
            .filter(|p| !base.iter().any(|b| b.id == p.id))
            .filter_map(|p| p.menu_path.first().map(String::as_str))
            .collect();
        assert_eq!(extra_menus.len(), 2);
    }

    #[test]
    fn generation_is_deterministic() {
        let a = Portal::build(5);
        let b = Portal::build(5);
        assert_eq!(a.pages(), b.pages());
        for page in a.pages() {
            assert_eq!(
                a.body(&page.id).map(|x| &x.html),
                b.body(&page.id).map(|x| &x.html)
            );
        }
    }

    #[test]
    fn resource_names_come_from_paths() {
        assert_eq!(resource_of("/api/types/Volume/instances"), "Volume");
        assert_eq!(resource_of("/api/instances/Host::{id}"), "Host");
        assert_eq!(resource_of("/api/version"), "Version");
    }
}
