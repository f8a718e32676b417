// Wyrm sample portal: a small click-driven documentation app in plain JavaScript.
//
// It imitates how the real (Angular) portal behaves towards a scraper:
// - the sidebar is built from /api/sidebar; a menu's children exist in the DOM only while it is
//   expanded, as a <ul> right after the menu's <app-api-doc-item>;
// - items have no links: a click fetches /api/pages/<id> and renders it into #documentation;
// - a full-page loader (#loaderActive) covers the page while anything is loading;
// - the pane keeps the previous page until the new one renders, and renders in two steps
//   (a skeleton first), so a scraper must wait for the pane to settle;
// - endpoint pages render only the selected response tab's panel.
'use strict';

(function () {
  /** Delay between the skeleton and the full page. */
  const RENDER_SETTLE_MS = 30;
  /** Menu expansion delays (ms), used in turn: "framework rendering" takes 40–120 ms. */
  const MENU_DELAYS_MS = [60, 85, 45, 110, 70, 95, 50, 120, 40, 75];
  /** How long an error toast stays up. */
  const TOAST_MS = 5000;

  /** Sidebar <li> → its node from /api/sidebar. */
  const nodeOfEntry = new WeakMap();
  /** A menu's <app-api-doc-item> → its child <ul> while expanded. */
  const childListOf = new WeakMap();

  let menuClicks = 0;
  let loaderHolds = 0;
  let latestLoad = 0;
  let activeLoad = null;
  let toastTimer = null;

  // ---------------------------------------------------------------------------------------
  // Small DOM helpers
  // ---------------------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pane() {
    return document.getElementById('documentation');
  }

  // ---------------------------------------------------------------------------------------
  // Loader and toast
  // ---------------------------------------------------------------------------------------

  /**
   * Shows the loader until the returned function is called. Several holders may overlap (a menu
   * expanding while a page loads); the overlay goes away when the last one releases it.
   * Releasing twice is harmless.
   */
  function holdLoader() {
    loaderHolds += 1;
    // index.html ships the overlay already shown, so the page is covered from its first paint;
    // the start-up hold adopts it.
    if (loaderHolds === 1 && !document.getElementById('loaderActive')) {
      const overlay = element('div', 'loader-overlay');
      overlay.id = 'loaderActive';
      overlay.appendChild(element('div', 'loader-spinner'));
      document.body.appendChild(overlay);
    }
    let released = false;
    return function release() {
      if (released) return;
      released = true;
      loaderHolds -= 1;
      if (loaderHolds === 0) {
        const overlay = document.getElementById('loaderActive');
        if (overlay) overlay.remove();
      }
    };
  }

  /** An error message outside the content pane, so a failed load leaves the pane untouched. */
  function showToast(message) {
    let toast = document.getElementById('toast');
    if (!toast) {
      toast = element('div', 'toast');
      toast.id = 'toast';
      toast.setAttribute('role', 'alert');
      document.body.appendChild(toast);
    }
    toast.textContent = message;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => toast.remove(), TOAST_MS);
  }

  // ---------------------------------------------------------------------------------------
  // Sidebar
  // ---------------------------------------------------------------------------------------

  function headerEntry(title) {
    const entry = element('app-api-doc-item');
    const li = element('li', 'toc-item-divider');
    li.appendChild(element('a', null, title));
    entry.appendChild(li);
    return entry;
  }

  function itemEntry(node) {
    const entry = element('app-api-doc-item');
    const li = element('li', 'toc-item-highlight clickable');
    li.id = node.id;
    const wrapper = element('div', 'toc-item-wrapper');
    const content = element('div', 'toc-item-content');
    const label = element('span', null, node.title);
    label.id = node.id + '-sp';
    content.appendChild(label);
    wrapper.appendChild(content);
    li.appendChild(wrapper);
    entry.appendChild(li);
    nodeOfEntry.set(li, node);
    return entry;
  }

  function menuEntry(node) {
    const entry = element('app-api-doc-item');
    const li = element('li', 'toc-item-highlight clickable');
    const wrapper = element('div', 'toc-item-wrapper');
    const content = element('div', 'toc-item-content');
    content.appendChild(element('i', 'dds__icon dds__icon--chevron-right'));
    content.appendChild(
      element('div', 'align-middle dds__text-truncate dds__position-relative', node.title));
    wrapper.appendChild(content);
    li.appendChild(wrapper);
    entry.appendChild(li);
    nodeOfEntry.set(li, node);
    return entry;
  }

  function appendNodes(list, nodes) {
    for (const node of nodes) {
      list.appendChild(node.kind === 'menu' ? menuEntry(node) : itemEntry(node));
    }
  }

  function renderSidebar(tree) {
    const root = element('ul', 'toc-nav');
    const trailing = tree.layout === 'trailing';
    for (const section of tree.sections) {
      if (!trailing) root.appendChild(headerEntry(section.header));
      appendNodes(root, section.nodes);
      if (trailing) root.appendChild(headerEntry(section.header));
    }
    root.addEventListener('click', onSidebarClick);
    const component = element('app-api-doc-sidebar');
    component.appendChild(root);
    const wrapper = element('div', 'filter-api-sidebar-wrapper');
    wrapper.appendChild(component);
    document.getElementById('sidebar-host').appendChild(wrapper);
  }

  function onSidebarClick(event) {
    const li = event.target.closest('li.toc-item-highlight');
    const node = li && nodeOfEntry.get(li);
    if (!node) return;
    if (node.kind === 'menu') {
      toggleMenu(li, node);
      return;
    }
    if (node.script_error) {
      // Fault "script_error": the handler breaks before it fetches anything, uncaught, like a
      // bug in the portal. Nothing else happens: no loader, no request, the pane is unchanged.
      throw new TypeError(
        "Cannot read properties of undefined (reading 'render') [demo fault script_error on " +
          node.id + ']');
    }
    openItem(li, node);
  }

  /** Expands or collapses a menu after a short "rendering" delay, with the loader up. */
  function toggleMenu(li, node) {
    const entry = li.parentElement;
    const release = holdLoader();
    const delay = MENU_DELAYS_MS[menuClicks % MENU_DELAYS_MS.length];
    menuClicks += 1;
    setTimeout(() => {
      try {
        if (entry.isConnected) {
          const open = childListOf.get(entry);
          if (open && open.isConnected) collapse(entry, li, open);
          else expand(entry, li, node);
        }
      } finally {
        release();
      }
    }, delay);
  }

  function expand(entry, li, node) {
    const list = element('ul');
    appendNodes(list, node.children);
    entry.after(list);
    childListOf.set(entry, list);
    li.querySelector('i').classList.replace('dds__icon--chevron-right', 'dds__icon--chevron-down');
  }

  function collapse(entry, li, list) {
    list.remove();
    childListOf.delete(entry);
    li.querySelector('i').classList.replace('dds__icon--chevron-down', 'dds__icon--chevron-right');
  }

  function markActive(li) {
    for (const other of document.querySelectorAll('li.toc-item-highlight.active')) {
      other.classList.remove('active');
    }
    if (li.isConnected) li.classList.add('active');
  }

  // ---------------------------------------------------------------------------------------
  // Pages
  // ---------------------------------------------------------------------------------------

  /**
   * Loads a page into the pane. A newer click wins: it aborts the older request, and only the
   * latest request may touch the pane or the loader.
   */
  async function openItem(li, node) {
    latestLoad += 1;
    const load = latestLoad;
    const isCurrent = () => load === latestLoad;
    if (activeLoad) {
      activeLoad.controller.abort();
      activeLoad.release();
    }
    const controller = new AbortController();
    const release = holdLoader();
    activeLoad = { controller, release };
    try {
      const response = await fetch('/api/pages/' + encodeURIComponent(node.id), {
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const page = await response.json();
      if (!isCurrent() || page.fault === 'no_update') return;
      if (page.fault === 'script_error') throw new TypeError('page renderer crashed');
      await renderPage(page, isCurrent);
      if (isCurrent()) markActive(li);
    } catch (error) {
      if (isCurrent()) showToast('Could not load "' + node.title + '": ' + error.message);
    } finally {
      release();
      if (isCurrent()) activeLoad = null;
    }
  }

  /** Renders in two steps, a skeleton then the page, like a framework's change detection. */
  function renderPage(page, isCurrent) {
    const target = pane();
    target.replaceChildren(skeleton(page.title));
    return new Promise((resolve) => {
      setTimeout(() => {
        if (isCurrent()) {
          target.innerHTML = page.html;
          mountResponses(target, page.responses || []);
        }
        resolve();
      }, RENDER_SETTLE_MS);
    });
  }

  function skeleton(title) {
    const box = element('div', 'page-skeleton');
    box.appendChild(element('h2', null, title));
    for (let i = 0; i < 3; i += 1) box.appendChild(element('div', 'skeleton-line'));
    return box;
  }

  // ---------------------------------------------------------------------------------------
  // Response tabs: one tab per status code, only the selected panel in the DOM
  // ---------------------------------------------------------------------------------------

  function mountResponses(container, responses) {
    const host = container.querySelector('app-api-doc-response');
    if (!host || responses.length === 0) return;
    host.appendChild(element('h3', null, 'Responses'));
    const tabs = element('div', 'dds__tabs');
    const list = element('div', 'dds__tabs__list');
    list.setAttribute('role', 'tablist');
    responses.forEach((response, index) => {
      const tab = element('button', 'dds__tabs__tab');
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', 'false');
      tab.appendChild(element('span', 'dds__tabs__tab__label', response.label));
      tab.addEventListener('click', () => selectResponse(tabs, responses, index));
      list.appendChild(tab);
    });
    tabs.appendChild(list);
    host.appendChild(tabs);
    selectResponse(tabs, responses, 0);
  }

  function selectResponse(tabs, responses, index) {
    tabs.querySelectorAll('button[role=tab]').forEach((tab, i) => {
      tab.setAttribute('aria-selected', i === index ? 'true' : 'false');
    });
    const old = tabs.querySelector('div[role=tabpanel]');
    if (old) old.remove();
    const panel = element('div', 'dds__tabs__pane');
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-hidden', 'false');
    panel.innerHTML = responses[index].html;
    tabs.appendChild(panel);
  }

  // ---------------------------------------------------------------------------------------
  // Start-up
  // ---------------------------------------------------------------------------------------

  /** Opens the first page of the sidebar as if it had been clicked. */
  function openFirstPage() {
    const li = document.querySelector('.filter-api-sidebar-wrapper li.toc-item-highlight[id]');
    const node = li && nodeOfEntry.get(li);
    if (node) openItem(li, node);
  }

  async function boot() {
    const release = holdLoader();
    try {
      const response = await fetch('/api/sidebar', { cache: 'no-store' });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const tree = await response.json();
      // Fault "sidebar_missing": the navigation never renders.
      if (!tree.sidebar_missing) renderSidebar(tree);
      // Like portals that land on an overview: the first page is shown before any click.
      if (tree.opens_first_page) openFirstPage();
    } catch (error) {
      showToast('Could not load the navigation: ' + error.message);
    } finally {
      release();
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
})();
