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

// From now on, collects what the page reports going wrong (uncaught errors, rejected promises)
// so a click that leads nowhere can say why. The listeners stay for the page's life.
function watchErrors() {
  window.__wyrmErrors = [];
  window.__wyrmAlertsBefore = visibleAlerts();
  if (window.__wyrmWatching) return;
  window.__wyrmWatching = true;
  const note = (text) => { if (window.__wyrmErrors) window.__wyrmErrors.push(text); };
  window.addEventListener('error', (e) => note(String(e.message || e.error || 'script error')));
  window.addEventListener('unhandledrejection', (e) =>
    note('unhandled rejection: ' + String((e.reason && e.reason.message) || e.reason)));
}

function visibleAlerts() {
  return Array.from(document.querySelectorAll('[role=alert]')).filter(W.visible).map(W.text);
}

// What the page reported since `watchErrors()`: its errors, then the ARIA alerts that appeared
// since (where portals show "could not load" messages; a standing banner does not count). At most
// five, each at most 300 characters.
function reportedErrors() {
  const before = new Set(window.__wyrmAlertsBefore || []);
  const alerts = visibleAlerts().filter((a) => !before.has(a));
  return (window.__wyrmErrors || []).concat(alerts).filter(Boolean).slice(0, 5)
    .map((t) => (t.length > 300 ? t.slice(0, 300) + '…' : t));
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
// response panels in place of the one shown: {html, url, contentMs}, or {timeout, unchanged,
// errors} where `errors` is what the page reported, and `unchanged` says the pane still shows
// exactly what it showed before the click, with no loader up: the click may have had nothing new
// to show (the pane may already hold this item's page). Page errors do not decide that: portals
// often carry unrelated failing scripts.
// `contentMs` is the time from `clickedAt` (a performance.now() reading) to the settled pane.
async function capture(before, timeout, quiet, clickedAt) {
  const ready = await W.settle(() => {
    const html = paneHtml();
    return html !== null && html !== before && html.trim() !== '' && !W.loaderVisible();
  }, document.body, quiet, timeout);
  if (!ready) {
    const errors = reportedErrors();
    const unchanged = paneHtml() === before && !W.loaderVisible();
    return { timeout: true, unchanged, errors };
  }
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
