// Opening one item, run inside the page after the sidebar walker (`W`, `P`).

// The next step to reveal item `id` whose enclosing menus are `menus` ([{position, title}],
// outermost first): {ready}, {expand: position} or {missing: why}.
function locate(id, menus) {
  const el = document.getElementById(id);
  if (el && W.visible(el)) return { ready: true };
  for (const m of menus) {
    const t = W.at(m.position);
    if (!t || t.kind !== 'menu') return { missing: 'no menu "' + m.title + '" at ' + JSON.stringify(m.position) };
    const st = W.menuState(t.entry, t.el);
    const title = W.menuTitle(t.el, st.list);
    if (title !== m.title) return { missing: 'the menu at ' + JSON.stringify(m.position) + ' is "' + title + '", expected "' + m.title + '"' };
    if (!st.open) return { expand: m.position };
  }
  return document.getElementById(id) ? { ready: true } : { missing: 'no element with this id' };
}

// The first visible item of the sidebar other than `id`, or null.
function anotherItem(id) {
  const root = W.root();
  let all = [];
  try { all = root ? Array.from(root.querySelectorAll(P.item)) : []; } catch (e) { return null; }
  const other = all.find((el) => el.id && el.id !== id && W.visible(el));
  return other ? other.id : null;
}

function paneHtml() {
  const p = document.querySelector(P.content);
  return p ? p.innerHTML : null;
}

// Waits until the pane differs from `before`, the loader is gone and nothing changed for
// `quiet` ms; then clicks through every response tab and returns the pane's HTML with all
// response panels in place of the one shown: {html, url, contentMs}, or {timeout, unchanged}
// where `unchanged` says the pane still shows exactly what it showed before the click, with no
// loader up: the click had nothing new to show (the pane may already hold this item's page).
// `contentMs` is the time from `clickedAt` (a performance.now() reading) to the settled pane.
async function capture(before, timeout, quiet, clickedAt) {
  const ready = await W.settle(() => {
    const html = paneHtml();
    return html !== null && html !== before && html.trim() !== '' && !W.loaderVisible();
  }, document.body, quiet, timeout);
  if (!ready) return { timeout: true, unchanged: paneHtml() === before && !W.loaderVisible() };
  const contentMs = clickedAt === undefined ? undefined : performance.now() - clickedAt;
  const pane = document.querySelector(P.content);
  const all = (root, s) => { try { return Array.from(root.querySelectorAll(s)); } catch (e) { return []; } };
  const one = (root, s) => { try { return root.querySelector(s); } catch (e) { return null; } };
  const tabs = all(pane, P.response_tab);
  if (tabs.length === 0) return { html: pane.innerHTML, url: location.href, contentMs };
  const panels = [];
  for (const tab of tabs) {
    const label = W.text(one(tab, P.response_tab_label) || tab);
    if (tab.getAttribute('aria-selected') !== 'true') {
      const old = one(pane, P.response_panel);
      const oldHtml = old ? old.innerHTML : null;
      tab.click();
      await W.settle(() => {
        const p = one(pane, P.response_panel);
        return p && (p.innerHTML !== oldHtml || tab.getAttribute('aria-selected') === 'true');
      }, pane, quiet, timeout);
    }
    const panel = one(pane, P.response_panel);
    panels.push({ label, html: panel ? panel.innerHTML : '' });
  }
  const clone = pane.cloneNode(true);
  const slot = one(clone, P.response_panel);
  all(clone, P.response_tab).forEach((t) => t.remove());
  const merged = document.createElement('div');
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  merged.innerHTML = panels.map((p) => '<section><h4>Response ' + escape(p.label) + '</h4>' + p.html + '</section>').join('');
  if (slot) slot.replaceWith(merged); else clone.appendChild(merged);
  return { html: clone.innerHTML, url: location.href, contentMs };
}
